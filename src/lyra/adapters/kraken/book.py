"""Kraken order book sync: the CRC32 checksum on every message, depth truncation, the Rust
book.

:class:`KrakenBookSync` keeps one pair's book from the websocket v2 ``book`` channel (and,
for recorded data, from v1 ``book-N`` frames). It is a pure, synchronous state machine:
feed it each decoded message and it answers with a :class:`BookApplied` (with the Lyra
:class:`~lyra.model.data.BookDeltas` to publish) or a :class:`ResyncNeeded` (resubscribe for
a new snapshot). Kraken's book carries no sequence numbers, so the checksum is the only
integrity check: it is verified on every message that has one, and a mismatch is never
skipped. After a ``ResyncNeeded`` every update is refused (``NO_SNAPSHOT``) until the next
snapshot.

The rules, from Kraken's "Book checksum (WebSocket v2)" guide:

* A snapshot replaces the book; updates set a level's quantity, ``qty`` 0 removes it. All
  levels of a message are applied before the checksum is computed.
* After each message the book is **truncated to the subscribed depth** (Kraken does not send
  deletes for levels that fall out of range).
* Checksum: the top 10 asks (low to high), then the top 10 bids (high to low); each level
  contributes its price then its quantity, each written with the pair's ``price_precision``
  / ``qty_precision`` decimals, with the ``.`` removed and leading zeros stripped; the
  CRC32 of the concatenation is compared as an unsigned 32-bit int. v2 sends a checksum on
  snapshots and updates; v1 only on updates (its levels are strings already written at a
  fixed precision per pair, so the same rule applies with that precision).

Writing a number with ``p`` decimals and dropping the point and the leading zeros is the
decimal text of the integer ``value * 10**p``, so the checksum is computed from the Rust
book's integers directly: ``str(ticks * k)`` with ``k`` the number of ``10**-p`` units in
one tick. :func:`checksum_text` is the slow, literal reference.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

import msgspec

from lyra._native import parse_fixed, parse_fixed_unsigned
from lyra.book import BUY, DELETE, SELL, UPDATE, L2Book
from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.model.data import BookDelta, BookDeltas, BookOrder
from lyra.model.enums import BookAction, OrderSide, RecordFlag
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION, PRICE_RAW_MAX, QUANTITY_RAW_MAX, Price, Quantity

from .messages import BookData, BookLevel, BookMessage, V1BookMessage, parse_timestamp
from .symbols import instrument_id as _instrument_id

__all__ = (
    "CHECKSUM_DEPTH",
    "DEPTHS",
    "BookApplied",
    "BookSyncResult",
    "KrakenBookSync",
    "ResyncNeeded",
    "ResyncReason",
    "checksum",
    "checksum_text",
    "level_text",
)

CHECKSUM_DEPTH: Final = 10
"""Levels per side the Kraken checksum covers, whatever the subscribed depth."""
DEPTHS: Final = frozenset({10, 25, 100, 500, 1000})
"""The depths a ``book`` subscription may ask for."""

_F_SNAPSHOT: Final = int(RecordFlag.F_SNAPSHOT)
_F_LAST: Final = int(RecordFlag.F_LAST)
_ACTION_ADD: Final = BookAction.ADD
_ACTION_UPDATE: Final = BookAction.UPDATE
_ACTION_DELETE: Final = BookAction.DELETE
_SIDE_BUY: Final = OrderSide.BUY
_SIDE_SELL: Final = OrderSide.SELL
_POW10: Final[tuple[int, ...]] = tuple(10**i for i in range(FIXED_PRECISION + 1))
_NS_PER_S: Final = 1_000_000_000
_SCALE: Final = 10**FIXED_PRECISION
_LevelReader = Callable[[Any], tuple[int, int]]


def _text_raw(text: str) -> int:
    """A decimal string as a raw fixed-point int (value * 10**9), exactly, at any size."""
    try:
        return parse_fixed(text)
    except ValueOutOfRange:
        # Beyond an int64 raw (a placeholder ask at 1e10, say): still exact in Python ints.
        return _big_raw(text)


def _text_raw_unsigned(text: str) -> int:
    try:
        return parse_fixed_unsigned(text)
    except ValueOutOfRange:
        return _big_raw(text)


def _big_raw(text: str) -> int:
    body = text.lstrip("+-")
    whole, _, frac = body.partition(".")
    raw = int(whole) * _SCALE + (int(frac.ljust(FIXED_PRECISION, "0")) if frac else 0)
    return -raw if text.startswith("-") else raw


class ResyncReason(enum.StrEnum):
    """Why a book can no longer be trusted (value equals name)."""

    NO_SNAPSHOT = "NO_SNAPSHOT"
    """An update arrived before the first snapshot, or after a resync was asked for."""
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    """The book after the message does not match the venue's checksum."""
    BAD_LEVEL = "BAD_LEVEL"
    """A level could not be read, or lies off the instrument's tick or lot grid."""
    WRONG_INSTRUMENT = "WRONG_INSTRUMENT"
    """The message is for another pair than this book's."""


class BookApplied(msgspec.Struct, frozen=True, gc=False):
    """A message was applied and the book is consistent with the venue.

    ``deltas`` is what to publish (``None`` when nothing changed or with
    ``emit_deltas=False``); ``checksum_verified`` whether a checksum was present and
    matched; ``checksum`` the book's checksum after the message.
    """

    instrument_id: InstrumentId
    snapshot: bool
    checksum_verified: bool
    checksum: int
    deltas: BookDeltas | None = None


class ResyncNeeded(msgspec.Struct, frozen=True, gc=False):
    """The book is no longer trustworthy; subscribe again for a new snapshot.

    ``expected`` / ``received`` are the venue's and the book's checksums on a mismatch. The
    sync has already cleared its book and waits for a snapshot.
    """

    instrument_id: InstrumentId
    reason: ResyncReason
    detail: str
    expected: int | None = None
    received: int | None = None


BookSyncResult = BookApplied | ResyncNeeded
"""What :meth:`KrakenBookSync.apply` returns."""


def level_text(value: Decimal | str, precision: int) -> str:
    """One value as the checksum writes it: ``precision`` decimals, no point, no leading
    zeros (``45285.2`` at 1 -> ``452852``; ``0.001`` at 8 -> ``100000``)."""
    d = Decimal(value)
    text = format(d.quantize(Decimal(1).scaleb(-precision)), "f") if precision else format(d, "f")
    return text.replace(".", "").lstrip("0")


def checksum_text(
    asks: Sequence[tuple[Decimal | str, Decimal | str]],
    bids: Sequence[tuple[Decimal | str, Decimal | str]],
    price_precision: int,
    qty_precision: int,
) -> str:
    """The string Kraken's checksum covers: the top 10 asks (best first) then the top 10
    bids, each level ``price`` then ``qty`` per :func:`level_text`. The slow, literal
    reference of what :class:`KrakenBookSync` computes from integers."""
    parts: list[str] = []
    for side in (asks, bids):
        for price, qty in side[:CHECKSUM_DEPTH]:
            parts.append(level_text(price, price_precision))
            parts.append(level_text(qty, qty_precision))
    return "".join(parts)


def checksum(
    asks: Sequence[tuple[Decimal | str, Decimal | str]],
    bids: Sequence[tuple[Decimal | str, Decimal | str]],
    price_precision: int,
    qty_precision: int,
) -> int:
    """Kraken's unsigned CRC32 of :func:`checksum_text`."""
    return zlib.crc32(checksum_text(asks, bids, price_precision, qty_precision).encode())


def _decimal_raw(value: Decimal) -> int:
    """A Decimal as a raw fixed-point int (value * 10**9), exactly; more than 9 decimals
    raises."""
    try:
        return parse_fixed(str(value))
    except InvalidInput:
        # str() writes small or huge values with an exponent; take the exact slow path.
        sign, digits, exp = value.as_tuple()
        if not isinstance(exp, int):
            raise InvalidInput("level", "must be a finite number", value) from None
        scaled = int("".join(map(str, digits)) or "0")
        shift = exp + FIXED_PRECISION
        if shift >= 0:
            raw: int = scaled * 10**shift
        else:
            raw, rest = divmod(scaled, int(10**-shift))
            if rest:
                raise InvalidInput(
                    "level", f"has more than {FIXED_PRECISION} decimal places", value
                ) from None
        return -raw if sign else raw


def _v1_ts(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * _NS_PER_S + (int(frac[:9].ljust(9, "0")) if frac else 0)


class KrakenBookSync:
    """One Kraken pair's book: feed it messages, get deltas or a resync request.

    ``instrument`` gives the id and the grid (``price_increment``, ``size_increment``) the
    Rust book counts in. ``depth`` is the subscribed depth the book is truncated to.
    ``price_precision`` / ``qty_precision`` are the precisions the checksum writes values
    with; they default to the instrument's and must not be coarser than its grid (for v2
    pass the ``instrument`` channel's ``price_precision``/``qty_precision``; for v1 data the
    number of decimals its strings carry). ``emit_deltas=False`` skips building Lyra deltas;
    ``verify_checksum=False`` skips the checksum.
    """

    __slots__ = (
        "_book",
        "_depth",
        "_emit",
        "_instrument_id",
        "_lot_raw",
        "_lot_units",
        "_messages",
        "_price_precision",
        "_size_precision",
        "_symbol",
        "_synced",
        "_tick_raw",
        "_tick_units",
        "_unpublished",
        "_verified",
        "_verify",
    )

    def __init__(
        self,
        instrument: Instrument,
        depth: int = 10,
        *,
        price_precision: int | None = None,
        qty_precision: int | None = None,
        emit_deltas: bool = True,
        verify_checksum: bool = True,
        max_window: int = 65536,
    ) -> None:
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instrument", "must be a lyra Instrument", instrument)
        if type(depth) is not int or depth < CHECKSUM_DEPTH:
            raise InvalidInput("depth", f"must be an int >= {CHECKSUM_DEPTH}", depth)
        self._instrument_id = instrument.id
        self._symbol = str(_instrument_id(str(instrument.id.symbol)).symbol)
        self._tick_raw = instrument.price_increment.raw
        self._lot_raw = instrument.size_increment.raw
        self._price_precision = instrument.price_precision
        self._size_precision = instrument.size_precision
        pp = instrument.price_precision if price_precision is None else price_precision
        qp = instrument.size_precision if qty_precision is None else qty_precision
        self._tick_units = self._units(self._tick_raw, pp, "price_precision")
        self._lot_units = self._units(self._lot_raw, qp, "qty_precision")
        self._depth = depth
        self._emit = bool(emit_deltas)
        self._verify = bool(verify_checksum)
        self._book = L2Book(max_window=max_window)
        self._synced = False
        self._messages = 0
        self._verified = 0
        self._unpublished = 0

    @staticmethod
    def _units(raw: int, precision: object, field: str) -> int:
        if type(precision) is not int or not 0 <= precision <= FIXED_PRECISION:
            raise InvalidInput(field, f"must be an int in 0..{FIXED_PRECISION}", precision)
        units, rest = divmod(raw, _POW10[FIXED_PRECISION - precision])
        if rest:
            raise InvalidInput(
                field,
                "is coarser than the instrument's increment (values would not fit)",
                precision,
            )
        return units

    # -- state -------------------------------------------------------------------------------
    @property
    def instrument_id(self) -> InstrumentId:
        """The pair this book is for."""
        return self._instrument_id

    @property
    def book(self) -> L2Book:
        """The Rust book (ticks and lots of the instrument's grid). Read it; do not write."""
        return self._book

    @property
    def depth(self) -> int:
        """The subscribed depth the book is truncated to."""
        return self._depth

    @property
    def is_synced(self) -> bool:
        """Whether a snapshot was applied and nothing has gone wrong since."""
        return self._synced

    @property
    def messages_applied(self) -> int:
        """How many messages were applied (snapshots and updates)."""
        return self._messages

    @property
    def checksums_verified(self) -> int:
        """How many venue checksums were checked and matched."""
        return self._verified

    @property
    def levels_not_published(self) -> int:
        """Level changes left out of the deltas because their price or size lies beyond
        what a Lyra :class:`~lyra.model.values.Price`/``Quantity`` holds (placeholder
        orders far from the market); the Rust book and the checksum still include them."""
        return self._unpublished

    def reset(self) -> None:
        """Forget the book and wait for a snapshot (e.g. after resubscribing)."""
        self._book.clear()
        self._synced = False

    def price(self, ticks: int) -> Price:
        """A price in ticks of this book as a Lyra :class:`~lyra.model.values.Price`."""
        return Price.from_raw(ticks * self._tick_raw, self._price_precision)

    def size(self, lots: int) -> Quantity:
        """A size in lots of this book as a Lyra :class:`~lyra.model.values.Quantity`."""
        return Quantity.from_raw(lots * self._lot_raw, self._size_precision)

    def checksum_text(self) -> str:
        """The string the checksum covers, for the current book."""
        book = self._book
        pu = self._tick_units
        qu = self._lot_units
        parts = [f"{p * pu}{s * qu}" for p, s in book.depth(SELL, CHECKSUM_DEPTH)]
        parts.extend(f"{p * pu}{s * qu}" for p, s in book.depth(BUY, CHECKSUM_DEPTH))
        return "".join(parts)

    def compute_checksum(self) -> int:
        """The checksum of the current book, as Kraken computes it (unsigned)."""
        return zlib.crc32(self.checksum_text().encode())

    # -- feeding: websocket v2 ---------------------------------------------------------------
    def apply(self, message: BookMessage, ts_init: int = 0) -> BookSyncResult:
        """Apply a v2 ``book`` message (every entry must be for this pair)."""
        snapshot = message.type == "snapshot"
        result: BookSyncResult | None = None
        deltas: list[BookDelta] = []
        for i, data in enumerate(message.data):
            result = self.apply_data(data, snapshot and i == 0, ts_init)
            if type(result) is ResyncNeeded:
                return result
            assert type(result) is BookApplied
            if result.deltas is not None and len(message.data) > 1:
                deltas.extend(result.deltas.deltas)
        if result is None:
            return BookApplied(self._instrument_id, snapshot, False, self.compute_checksum())
        if len(message.data) > 1:
            assert type(result) is BookApplied
            merged = BookDeltas(self._instrument_id, deltas) if deltas else None
            return msgspec.structs.replace(result, snapshot=snapshot, deltas=merged)
        return result

    def apply_data(self, data: BookData, snapshot: bool, ts_init: int = 0) -> BookSyncResult:
        """Apply one v2 entry: a snapshot (``snapshot=True``) or an update."""
        if data.symbol != self._symbol:
            return self._resync(
                ResyncReason.WRONG_INSTRUMENT, f"entry for {data.symbol}, book for {self._symbol}"
            )
        try:
            ts_event = parse_timestamp(data.timestamp)
        except InvalidInput as exc:
            return self._resync(ResyncReason.BAD_LEVEL, str(exc))
        return self._apply(
            data.bids, data.asks, _v2_level, snapshot, data.checksum, ts_event, ts_init
        )

    # -- feeding: websocket v1 (recorded data) -----------------------------------------------
    def apply_v1(self, message: V1BookMessage, ts_init: int = 0) -> BookSyncResult:
        """Apply a v1 ``book-N`` frame (snapshot or update); ``ts_event`` is the latest level
        timestamp in it."""
        try:
            stamps = [level[2] for level in message.asks]
            stamps.extend(level[2] for level in message.bids)
            ts_event = max(map(_v1_ts, stamps)) if stamps else 0
        except (IndexError, ValueError) as exc:
            return self._resync(ResyncReason.BAD_LEVEL, f"bad level timestamp: {exc}")
        return self._apply(
            message.bids,
            message.asks,
            _v1_level,
            message.snapshot,
            message.checksum,
            ts_event,
            ts_init,
        )

    # -- the common part ---------------------------------------------------------------------
    def _apply(
        self,
        bids: Iterable[object],
        asks: Iterable[object],
        read: _LevelReader,
        snapshot: bool,
        expected: int | None,
        ts_event: int,
        ts_init: int,
    ) -> BookSyncResult:
        book = self._book
        if snapshot:
            book.clear()
        elif not self._synced:
            return self._resync(ResyncReason.NO_SNAPSHOT, "an update arrived before a snapshot")
        out: list[BookDelta] | None = [] if self._emit else None
        stamp = (ts_event, ts_init, snapshot)
        if out is not None and snapshot:
            out.append(BookDelta.clear(self._instrument_id, ts_event, ts_init, _F_SNAPSHOT))
        try:
            self._levels(bids, BUY, read, out, stamp)
            self._levels(asks, SELL, read, out, stamp)
        except (InvalidInput, ValueError, IndexError, TypeError) as exc:
            return self._resync(ResyncReason.BAD_LEVEL, str(exc))
        depth = self._depth
        for side, count in ((BUY, book.bid_levels()), (SELL, book.ask_levels())):
            if count > depth:
                for ticks, _ in book.depth(side, count)[depth:]:
                    book.apply(side, DELETE, ticks, 0)
                    if out is not None:
                        delta = self._delta(side, ticks, 0, (ts_event, ts_init, False))
                        if delta is None:
                            self._unpublished += 1
                        else:
                            out.append(delta)
        got = self.compute_checksum()
        verified = False
        if expected is not None and self._verify:
            if got != expected:
                return self._resync(
                    ResyncReason.CHECKSUM_MISMATCH,
                    f"checksum {got} of the book differs from the venue's {expected}",
                    expected=expected,
                    received=got,
                )
            verified = True
            self._verified += 1
        self._synced = True
        self._messages += 1
        deltas = None
        if out:
            final = out[-1]
            out[-1] = msgspec.structs.replace(final, flags=final.flags | _F_LAST)
            deltas = BookDeltas(self._instrument_id, out)
        return BookApplied(self._instrument_id, snapshot, verified, got, deltas)

    def _levels(
        self,
        levels: Iterable[object],
        side: int,
        read: _LevelReader,
        out: list[BookDelta] | None,
        stamp: tuple[int, int, bool],
    ) -> None:
        book = self._book
        tick = self._tick_raw
        lot = self._lot_raw
        for level in levels:
            price_raw, size_raw = read(level)
            ticks, off = divmod(price_raw, tick)
            if off:
                raise InvalidInput("price", f"is off the tick grid {self.price(1)}", level)
            lots, off = divmod(size_raw, lot)
            if off:
                raise InvalidInput("qty", f"is off the lot grid {self.size(1)}", level)
            if lots:
                book.apply(side, UPDATE, ticks, lots)
            else:
                book.apply(side, DELETE, ticks, 0)
            if out is not None:
                delta = self._delta(side, ticks, lots, stamp)
                if delta is None:
                    self._unpublished += 1
                else:
                    out.append(delta)

    def _delta(
        self, side: int, ticks: int, lots: int, stamp: tuple[int, int, bool]
    ) -> BookDelta | None:
        ts_event, ts_init, snapshot = stamp
        price_raw = ticks * self._tick_raw
        size_raw = lots * self._lot_raw
        if not -PRICE_RAW_MAX <= price_raw <= PRICE_RAW_MAX or size_raw > QUANTITY_RAW_MAX:
            return None  # beyond what a Lyra Price/Quantity holds: kept in the book only
        order = BookOrder(
            _SIDE_BUY if side == BUY else _SIDE_SELL,
            Price.from_raw(price_raw, self._price_precision),
            Quantity.from_raw(size_raw, self._size_precision),
        )
        if snapshot:
            action, flags = _ACTION_ADD, _F_SNAPSHOT
        else:
            action, flags = (_ACTION_UPDATE if lots else _ACTION_DELETE), 0
        return BookDelta(self._instrument_id, action, order, ts_event, ts_init, flags)

    def _resync(
        self,
        reason: ResyncReason,
        detail: str,
        *,
        expected: int | None = None,
        received: int | None = None,
    ) -> ResyncNeeded:
        self.reset()
        return ResyncNeeded(self._instrument_id, reason, detail, expected, received)


def _v2_level(level: BookLevel) -> tuple[int, int]:
    return _decimal_raw(level.price), _decimal_raw(level.qty)


def _v1_level(level: list[str]) -> tuple[int, int]:
    return _text_raw(level[0]), _text_raw_unsigned(level[1])
