"""The encoding of state records (msgpack via msgspec), and checked decoding.

Every record is msgpack with :mod:`lyra.model.codec`'s wire forms (prices and quantities
as decimal strings with their precision, ids as strings, enums as integers, timestamps as
integer nanoseconds), so a record is readable by any msgpack reader and exact on the way
back. An order event is stored as ``[seq, event]`` (:class:`~lyra.state.StoredEvent`);
the other records are tagged maps (``"type"`` names the record kind).

:func:`decode_snapshot` never skips anything: a record that does not decode (truncated,
not msgpack, an event type this version does not know, a field out of range), an order
whose events have a gap or do not start with ``OrderInitialized``, or a store written with
a newer schema, raises :class:`~lyra.state.StateCorrupted` naming the store's key.
"""

from __future__ import annotations

import re
from typing import Any, Final, TypeVar

import msgspec

from lyra.errors import InvalidInput, StateCorrupted
from lyra.model.codec import dec_hook, encode_msgpack
from lyra.model.identifiers import ClientOrderId, OrderListId
from lyra.orders.events import OrderEvent, OrderInitialized
from lyra.state.records import (
    SCHEMA_VERSION,
    ContingencyRecord,
    ListRecord,
    PortfolioCheckpoint,
    RawSnapshot,
    StateSnapshot,
    StoredEvent,
)

__all__ = (
    "decode_contingency_record",
    "decode_list_record",
    "decode_portfolio_checkpoint",
    "decode_snapshot",
    "decode_stored_event",
    "encode_record",
    "encode_stored_event",
)

_T = TypeVar("_T")

_CACHE_MAX: Final = 1 << 16
_VALUES: dict[tuple[Any, str], Any] = {}


def _cached_dec_hook(tp: Any, obj: Any) -> Any:
    """:func:`lyra.model.codec.dec_hook`, remembering recent results: a store repeats the
    same strategy, account and order ids, prices and quantities across many events, and
    every value type is immutable, so a hit is safe and saves a validation."""
    if type(obj) is not str:
        return dec_hook(tp, obj)
    key = (tp, obj)
    hit = _VALUES.get(key)
    if hit is None:
        hit = dec_hook(tp, obj)
        if len(_VALUES) >= _CACHE_MAX:
            _VALUES.clear()
        _VALUES[key] = hit
    return hit


_EVENT_DECODER: Final = msgspec.msgpack.Decoder(StoredEvent, dec_hook=_cached_dec_hook)
_LIST_DECODER: Final = msgspec.msgpack.Decoder(ListRecord, dec_hook=_cached_dec_hook)
_CONTINGENCY_DECODER: Final = msgspec.msgpack.Decoder(ContingencyRecord, dec_hook=_cached_dec_hook)
_PORTFOLIO_DECODER: Final = msgspec.msgpack.Decoder(PortfolioCheckpoint, dec_hook=_cached_dec_hook)
_UNKNOWN_TAG: Final = re.compile(r"Invalid value '([^']*)' - at `\$(\[1\])?\.type`")


def encode_stored_event(seq: int, event: OrderEvent) -> bytes:
    """The stored form of one order event: msgpack ``[seq, event]``."""
    return encode_msgpack(StoredEvent(seq, event))


def encode_record(record: ListRecord | ContingencyRecord | PortfolioCheckpoint) -> bytes:
    """The stored form of a list, contingency or portfolio record (a tagged msgpack map)."""
    return encode_msgpack(record)


def _reason(exc: BaseException, what: str) -> str:
    message = str(exc)
    match = _UNKNOWN_TAG.search(message)
    if match is not None:
        return (
            f"unknown {what} type {match.group(1)!r}: written by a newer version of Lyra, "
            "or not a Lyra record; refusing to load a store it cannot read exactly"
        )
    if "truncated" in message:
        return f"truncated {what} record ({len(message)} chars of error: {message})"
    cause = exc.__cause__
    if isinstance(cause, InvalidInput):
        return f"invalid {what} record: {message} ({cause})"
    return f"invalid {what} record: {message}"


def _decode(decoder: Any, data: bytes, key: str, what: str) -> Any:
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, InvalidInput, ValueError, TypeError) as exc:
        raise StateCorrupted(key, _reason(exc, what)) from exc


def decode_stored_event(data: bytes, key: str = "event") -> StoredEvent:
    """Decode one stored order event; ``key`` names it in the error if it is bad."""
    result: StoredEvent = _decode(_EVENT_DECODER, data, key, "order event")
    return result


def decode_list_record(data: bytes, key: str = "list") -> ListRecord:
    """Decode one order list record."""
    result: ListRecord = _decode(_LIST_DECODER, data, key, "order list")
    return result


def decode_contingency_record(data: bytes, key: str = "contingency") -> ContingencyRecord:
    """Decode one contingency record."""
    result: ContingencyRecord = _decode(_CONTINGENCY_DECODER, data, key, "contingency")
    return result


def decode_portfolio_checkpoint(data: bytes, key: str = "portfolio") -> PortfolioCheckpoint:
    """Decode the portfolio checkpoint."""
    result: PortfolioCheckpoint = _decode(_PORTFOLIO_DECODER, data, key, "portfolio")
    return result


def decode_snapshot(raw: RawSnapshot) -> StateSnapshot:
    """Decode and check everything a store returned; raises
    :class:`~lyra.state.StateCorrupted` naming the first bad key."""
    if raw.schema > SCHEMA_VERSION:
        raise StateCorrupted(
            "meta:schema",
            f"the store was written with schema {raw.schema} by a newer Lyra; this version "
            f"reads schema {SCHEMA_VERSION} and below",
        )
    grouped: dict[str, list[tuple[int, bytes, str]]] = {}
    for cid, index, data, key in raw.events:
        grouped.setdefault(cid, []).append((index, data, key))
    decode = _EVENT_DECODER.decode
    orders: dict[ClientOrderId, list[tuple[int, OrderEvent]]] = {}
    top = raw.seq
    for cid, items in grouped.items():
        items.sort(key=_first)
        out: list[tuple[int, OrderEvent]] = []
        last_seq = -1
        for expected, (index, data, key) in enumerate(items):
            if index != expected:
                missing = expected if index > expected else index
                raise StateCorrupted(
                    key,
                    f"order {cid}: event {missing} is "
                    f"{'missing' if index > expected else 'stored twice'}; an order's events "
                    "must be complete to replay it",
                )
            try:
                stored = decode(data)
            except (msgspec.DecodeError, InvalidInput, ValueError, TypeError) as exc:
                raise StateCorrupted(key, _reason(exc, "order event")) from exc
            event = stored.event
            if event.client_order_id != cid:
                raise StateCorrupted(
                    key,
                    f"holds an event of order {event.client_order_id}, not of {cid}",
                )
            if index == 0 and type(event) is not OrderInitialized:
                raise StateCorrupted(
                    key,
                    f"order {cid} starts with {type(event).__name__}; the first event of an "
                    "order must be OrderInitialized",
                )
            seq = stored.seq
            if seq <= last_seq or seq > top:
                raise StateCorrupted(
                    key,
                    f"sequence number {seq} is out of order (previous {last_seq}, "
                    f"store's last {top})",
                )
            last_seq = seq
            out.append((seq, event))
        orders[ClientOrderId(cid)] = out
    lists: dict[OrderListId, ListRecord] = {}
    for lid, data, key in raw.lists:
        rec = decode_list_record(data, key)
        if rec.order_list_id != lid:
            raise StateCorrupted(key, f"holds list {rec.order_list_id}, not {lid}")
        lists[rec.order_list_id] = rec
    contingency: dict[OrderListId, ContingencyRecord] = {}
    for lid, data, key in raw.contingency:
        crec = decode_contingency_record(data, key)
        if crec.state.order_list_id != lid:
            raise StateCorrupted(key, f"holds list {crec.state.order_list_id}, not {lid}")
        contingency[OrderListId(lid)] = crec
    portfolio = None
    if raw.portfolio is not None:
        portfolio = decode_portfolio_checkpoint(raw.portfolio.data, raw.portfolio.key)
    return StateSnapshot(
        orders=orders,
        lists=lists,
        contingency=contingency,
        portfolio=portfolio,
        kv={scope: dict(values) for scope, values in raw.kv.items()},
        cursors=dict(raw.cursors),
        seq=raw.seq,
    )


def _first(item: tuple[int, bytes, str]) -> int:
    return item[0]
