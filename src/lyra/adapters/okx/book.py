"""OKX order book sync: seqId/prevSeqId continuity, the CRC32 checksum, the Rust book.

:class:`OkxBookSync` keeps one instrument's book from the ``books`` family of channels. It is
a pure, synchronous state machine: feed it each decoded :class:`~.messages.BookMessage` with
:meth:`OkxBookSync.apply` and it answers with a :class:`BookApplied` (the book changed, with
the Lyra :class:`~lyra.model.data.BookDeltas` to publish) or a :class:`ResyncNeeded` (the
book can no longer be trusted: resubscribe to get a new snapshot). It never carries on past a
gap or a bad checksum: after a ``ResyncNeeded`` every update is refused (``NO_SNAPSHOT``)
until the next snapshot arrives.

The rules, from OKX's order-book channel documentation:

* A snapshot has ``prevSeqId == -1``; it replaces the whole book.
* Each update's ``prevSeqId`` must equal the ``seqId`` of the message before it, else
  messages were lost (``SEQUENCE_GAP``). An update with empty sides and ``prevSeqId ==
  seqId`` is a keep-alive sent when nothing changed for a while; the same rule accepts it.
  After maintenance ``seqId`` may restart below ``prevSeqId``: still accepted, because only
  the link to the previous message is checked, never that numbers grow.
* Messages without ``seqId`` (captures older than the field, ``books5``) are accepted
  without a continuity check.
* A size of ``"0"`` deletes the level.
* Checksum: after applying a message, the top 25 bids and asks, interleaved
  ``bid1px:bid1sz:ask1px:ask1sz:bid2px:...`` (a shorter side simply ends early), written
  with the **exact strings the venue sent**, joined with ``:``; CRC32 as a signed 32-bit
  int. OKX announced that ``checksum`` is always ``0`` from 2026-06-23, so ``0`` means "not
  provided" and is not checked (:attr:`BookApplied.checksum_verified` is then false).

Prices and sizes go to the Rust :class:`~lyra.book.L2Book` as integer ticks and lots of the
instrument's ``price_increment`` and ``size_increment``; a level off that grid is refused
(``BAD_LEVEL``) rather than rounded. The original strings are kept beside the Rust book for
the checksum, keyed by tick.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Iterable, Sequence
from typing import Final

import msgspec

from lyra._native import parse_fixed, parse_fixed_unsigned
from lyra.book import BUY, DELETE, SELL, UPDATE, L2Book
from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.model.data import BookDelta, BookDeltas, BookOrder
from lyra.model.enums import BookAction, OrderSide, RecordFlag
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION, PRICE_RAW_MAX, QUANTITY_RAW_MAX, Price, Quantity

from .messages import BookData, BookMessage

__all__ = (
    "CHECKSUM_DEPTH",
    "BookApplied",
    "BookSyncResult",
    "OkxBookSync",
    "ResyncNeeded",
    "ResyncReason",
    "checksum",
    "checksum_text",
)

CHECKSUM_DEPTH: Final = 25
"""Levels per side that the OKX checksum covers."""

_NS_PER_MS: Final = 1_000_000
_SCALE: Final = 10**FIXED_PRECISION
_U32: Final = 1 << 32
_I32_MAX: Final = (1 << 31) - 1
_F_SNAPSHOT: Final = int(RecordFlag.F_SNAPSHOT)
_F_LAST: Final = int(RecordFlag.F_LAST)
_ACTION_ADD: Final = BookAction.ADD
_ACTION_UPDATE: Final = BookAction.UPDATE
_ACTION_DELETE: Final = BookAction.DELETE
_SIDE_BUY: Final = OrderSide.BUY
_SIDE_SELL: Final = OrderSide.SELL


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
    SEQUENCE_GAP = "SEQUENCE_GAP"
    """``prevSeqId`` does not name the previous message's ``seqId``: messages were lost."""
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    """The book after the message does not match the venue's checksum."""
    BAD_LEVEL = "BAD_LEVEL"
    """A level could not be read, or lies off the instrument's tick or lot grid."""
    WRONG_INSTRUMENT = "WRONG_INSTRUMENT"
    """The message is for another instrument than this book's."""


class BookApplied(msgspec.Struct, frozen=True, gc=False):
    """A message was applied and the book is consistent with the venue.

    ``deltas`` is what to publish (``None`` when nothing changed, e.g. a keep-alive, or when
    the sync was made with ``emit_deltas=False``); ``sequence`` the message's ``seqId``
    (``-1`` if it has none); ``checksum_verified`` whether a checksum was present and
    matched.
    """

    instrument_id: InstrumentId
    snapshot: bool
    sequence: int
    checksum_verified: bool
    deltas: BookDeltas | None = None


class ResyncNeeded(msgspec.Struct, frozen=True, gc=False):
    """The book is no longer trustworthy; the venue's book must be requested again.

    ``expected`` and ``received`` are the sequence numbers or checksums that disagreed
    (``None`` where not applicable); ``detail`` says it in words. The sync has already
    cleared its book and waits for a snapshot.
    """

    instrument_id: InstrumentId
    reason: ResyncReason
    detail: str
    expected: int | None = None
    received: int | None = None


BookSyncResult = BookApplied | ResyncNeeded
"""What :meth:`OkxBookSync.apply` returns."""


def checksum_text(bids: Sequence[tuple[str, str]], asks: Sequence[tuple[str, str]]) -> str:
    """The string OKX's checksum covers, from ``(price, size)`` strings best first.

    Only the first :data:`CHECKSUM_DEPTH` levels of each side count; the sides are
    interleaved bid, ask, bid, ask, ... and a shorter side just stops contributing.
    """
    parts: list[str] = []
    nb = min(len(bids), CHECKSUM_DEPTH)
    na = min(len(asks), CHECKSUM_DEPTH)
    for i in range(max(nb, na)):
        if i < nb:
            parts.append(bids[i][0])
            parts.append(bids[i][1])
        if i < na:
            parts.append(asks[i][0])
            parts.append(asks[i][1])
    return ":".join(parts)


def _signed(crc: int) -> int:
    return crc - _U32 if crc > _I32_MAX else crc


def checksum(bids: Sequence[tuple[str, str]], asks: Sequence[tuple[str, str]]) -> int:
    """OKX's signed 32-bit CRC32 of :func:`checksum_text` (what ``books`` carries)."""
    return _signed(zlib.crc32(checksum_text(bids, asks).encode()))


class OkxBookSync:
    """One instrument's OKX book: feed it messages, get deltas or a resync request.

    ``instrument`` gives the id and the grid (``price_increment``, ``size_increment``)
    prices and sizes are converted to. ``emit_deltas=False`` skips building Lyra
    :class:`~lyra.model.data.BookDeltas` (the Rust book is kept either way);
    ``verify_checksum=False`` skips the checksum. ``max_window`` is passed to the
    :class:`~lyra.book.L2Book`.
    """

    __slots__ = (
        "_ask_text",
        "_bid_text",
        "_book",
        "_emit",
        "_instrument_id",
        "_last_seq",
        "_lot_raw",
        "_messages",
        "_price_precision",
        "_size_precision",
        "_synced",
        "_tick_raw",
        "_unpublished",
        "_verified",
        "_verify",
    )

    def __init__(
        self,
        instrument: Instrument,
        *,
        emit_deltas: bool = True,
        verify_checksum: bool = True,
        max_window: int = 65536,
    ) -> None:
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instrument", "must be a lyra Instrument", instrument)
        self._instrument_id = instrument.id
        self._tick_raw = instrument.price_increment.raw
        self._lot_raw = instrument.size_increment.raw
        self._price_precision = instrument.price_precision
        self._size_precision = instrument.size_precision
        self._emit = bool(emit_deltas)
        self._verify = bool(verify_checksum)
        self._book = L2Book(max_window=max_window)
        # "px:sz" as the venue wrote them, by tick: the checksum is built from these
        self._bid_text: dict[int, str] = {}
        self._ask_text: dict[int, str] = {}
        self._synced = False
        self._last_seq: int | None = None
        self._messages = 0
        self._verified = 0
        self._unpublished = 0

    # -- state -------------------------------------------------------------------------------
    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument this book is for."""
        return self._instrument_id

    @property
    def book(self) -> L2Book:
        """The Rust book (ticks and lots of the instrument's grid). Read it; do not write."""
        return self._book

    @property
    def is_synced(self) -> bool:
        """Whether a snapshot was applied and nothing has gone wrong since."""
        return self._synced

    @property
    def last_sequence(self) -> int | None:
        """The ``seqId`` of the last applied message (``None`` if it had none)."""
        return self._last_seq

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
        self._bid_text.clear()
        self._ask_text.clear()
        self._synced = False
        self._last_seq = None

    def top(self, n: int = CHECKSUM_DEPTH) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The best ``n`` bids and asks as the venue's ``(price, size)`` strings."""
        bids = [self._bid_text[p].split(":") for p, _ in self._book.depth(BUY, n)]
        asks = [self._ask_text[p].split(":") for p, _ in self._book.depth(SELL, n)]
        return [(b[0], b[1]) for b in bids], [(a[0], a[1]) for a in asks]

    def price(self, ticks: int) -> Price:
        """A price in ticks of this book as a Lyra :class:`~lyra.model.values.Price`."""
        return Price.from_raw(ticks * self._tick_raw, self._price_precision)

    def size(self, lots: int) -> Quantity:
        """A size in lots of this book as a Lyra :class:`~lyra.model.values.Quantity`."""
        return Quantity.from_raw(lots * self._lot_raw, self._size_precision)

    def checksum_text(self) -> str:
        """The string the checksum covers, for the current book."""
        book = self._book
        bid_text = self._bid_text
        ask_text = self._ask_text
        bids = [bid_text[p] for p, _ in book.depth(BUY, CHECKSUM_DEPTH)]
        asks = [ask_text[p] for p, _ in book.depth(SELL, CHECKSUM_DEPTH)]
        nb = len(bids)
        na = len(asks)
        n = nb if nb < na else na
        parts: list[str] = [""] * (2 * n)
        parts[0::2] = bids[:n]
        parts[1::2] = asks[:n]
        parts.extend(bids[n:] if nb > n else asks[n:])
        return ":".join(parts)

    def compute_checksum(self) -> int:
        """The checksum of the current book, as OKX computes it."""
        return _signed(zlib.crc32(self.checksum_text().encode()))

    # -- feeding -----------------------------------------------------------------------------
    def apply(self, message: BookMessage, ts_init: int = 0) -> BookSyncResult:
        """Apply one ``books``-family push; every entry of its ``data`` in order.

        ``ts_init`` stamps the deltas (the adapter's clock). Returns the first
        :class:`ResyncNeeded` met, else one :class:`BookApplied` covering every entry.
        """
        arg = message.arg
        if arg.inst_id and arg.inst_id != self._instrument_id.symbol:
            return self._resync(
                ResyncReason.WRONG_INSTRUMENT,
                f"message for {arg.inst_id}, book for {self._instrument_id.symbol}",
            )
        snapshot = message.action != "update"
        data = message.data
        if len(data) == 1:
            return self.apply_data(data[0], snapshot, ts_init)
        applied: list[BookApplied] = []
        for i, item in enumerate(data):
            # later entries of one push continue the first
            result = self.apply_data(item, snapshot and i == 0, ts_init)
            if type(result) is ResyncNeeded:
                return result
            assert type(result) is BookApplied
            applied.append(result)
        if not applied:
            return BookApplied(self._instrument_id, False, -1, False, None)
        deltas = [d for r in applied if r.deltas is not None for d in r.deltas.deltas]
        last = applied[-1]
        return BookApplied(
            self._instrument_id,
            snapshot,
            last.sequence,
            all(r.checksum_verified for r in applied),
            BookDeltas(self._instrument_id, deltas) if deltas else None,
        )

    def apply_data(self, data: BookData, snapshot: bool, ts_init: int = 0) -> BookSyncResult:
        """Apply one entry of a push: a snapshot (``snapshot=True``) or an update."""
        seq = data.seq_id
        if snapshot:
            self._book.clear()
            self._bid_text.clear()
            self._ask_text.clear()
        else:
            if not self._synced:
                return self._resync(ResyncReason.NO_SNAPSHOT, "an update arrived before a snapshot")
            last = self._last_seq
            prev = data.prev_seq_id
            if seq is not None and last is not None and prev != last:
                return self._resync(
                    ResyncReason.SEQUENCE_GAP,
                    f"prevSeqId {prev} does not follow seqId {last}",
                    expected=last,
                    received=prev,
                )
        sequence = -1 if seq is None else seq
        out: list[BookDelta] | None = [] if self._emit else None
        try:
            ts_event = int(data.ts) * _NS_PER_MS
            stamp = (ts_event, ts_init, max(sequence, 0), snapshot)
            if out is not None and snapshot:
                out.append(
                    BookDelta.clear(self._instrument_id, ts_event, ts_init, _F_SNAPSHOT, stamp[2])
                )
            self._levels(data.bids, BUY, self._bid_text, out, stamp)
            self._levels(data.asks, SELL, self._ask_text, out, stamp)
        except (InvalidInput, ValueError, IndexError) as exc:
            return self._resync(ResyncReason.BAD_LEVEL, str(exc))
        verified = False
        expected = data.checksum
        if expected and self._verify:
            got = self.compute_checksum()
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
        self._last_seq = seq
        self._messages += 1
        deltas = None
        if out:
            final = out[-1]
            out[-1] = msgspec.structs.replace(final, flags=final.flags | _F_LAST)
            deltas = BookDeltas(self._instrument_id, out)
        return BookApplied(self._instrument_id, snapshot, sequence, verified, deltas)

    def _levels(
        self,
        levels: Iterable[list[str]],
        side: int,
        text: dict[int, str],
        out: list[BookDelta] | None,
        stamp: tuple[int, int, int, bool],
    ) -> None:
        book = self._book
        tick = self._tick_raw
        lot = self._lot_raw
        for level in levels:
            px = level[0]
            sz = level[1]
            try:
                price_raw = parse_fixed(px)
            except ValueOutOfRange:
                price_raw = _big_raw(px)
            try:
                size_raw = parse_fixed_unsigned(sz)
            except ValueOutOfRange:
                size_raw = _big_raw(sz)
            ticks, off = divmod(price_raw, tick)
            if off:
                raise InvalidInput("price", f"is off the tick grid {self.price(1)}", px)
            lots, off = divmod(size_raw, lot)
            if off:
                raise InvalidInput("size", f"is off the lot grid {self.size(1)}", sz)
            if lots:
                book.apply(side, UPDATE, ticks, lots)
                text[ticks] = f"{px}:{sz}"
            else:
                book.apply(side, DELETE, ticks, 0)
                text.pop(ticks, None)
            if out is not None:
                delta = self._delta(side, ticks, lots, stamp)
                if delta is None:
                    self._unpublished += 1
                else:
                    out.append(delta)

    def _delta(
        self, side: int, ticks: int, lots: int, stamp: tuple[int, int, int, bool]
    ) -> BookDelta | None:
        ts_event, ts_init, sequence, snapshot = stamp
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
        return BookDelta(self._instrument_id, action, order, ts_event, ts_init, flags, sequence)

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
