"""Order book synchronisation: snapshot plus diffs, sequence checks, gaps, checksums.

Every venue streams its book the same way in outline -- a snapshot, then incremental
updates that must be applied in order -- and differently in detail: how the first update
after a snapshot is recognised, how continuity is proven (Binance spot ``U == prev_u + 1``,
Binance futures ``pu == prev_u``, OKX ``prevSeqId == seqId``), whether a checksum comes
with each update (OKX, Kraken) and whether the snapshot arrives over REST or on the stream.

:class:`BookSync` is the state machine written once; a venue subclasses it and states its
rules in a few small methods (:meth:`~BookSync.first_id`, :meth:`~BookSync.last_id`,
:meth:`~BookSync.is_stale`, :meth:`~BookSync.bridges`, :meth:`~BookSync.continues`,
:meth:`~BookSync.bid_levels`, :meth:`~BookSync.ask_levels`, optionally
:meth:`~BookSync.verify`). Driving it:

1. feed every stream update to :meth:`~BookSync.on_update` from the moment the stream is
   subscribed -- before the snapshot is known, updates are buffered (bounded);
2. when :attr:`~BookSync.needs_snapshot` is set, fetch a snapshot and give it to
   :meth:`~BookSync.on_snapshot`, which applies it, drops buffered updates it already
   contains, checks that the first remaining one bridges it and replays the rest;
3. a broken sequence (:data:`SyncResult.GAP`) or checksum (:data:`SyncResult.CHECKSUM`)
   puts the machine back to step 2 (the update that revealed the gap is kept: it may be
   the first one after the next snapshot).

The synced book is a :class:`SyncedBook`: Lyra's Rust :class:`~lyra.book.L2Book` on the
instrument's integer grid, fed with the venue's decimal strings. Each applied snapshot or
update is reported to ``on_applied`` with its level changes, from which an adapter
publishes :class:`~lyra.model.BookDeltas`.
"""

from __future__ import annotations

import abc
import enum
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final, Generic, TypeVar

from lyra.errors import InvalidInput
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity

__all__ = ("BookSync", "Change", "SyncResult", "SyncedBook")

_U = TypeVar("_U")

Change = tuple[int, int, int]
"""One level change: ``(side, price_ticks, size_lots)``; side 1 bids, 2 asks; lots 0
deletes the level."""

_BUY: Final = 1
_SELL: Final = 2
_SET: Final = 1  # L2Book ADD: sets the level's size
_DELETE: Final = 3


class SyncResult(enum.IntEnum):
    """What :meth:`BookSync.on_update` / :meth:`BookSync.on_snapshot` did."""

    APPLIED = 1
    """Applied to the book."""
    BUFFERED = 2
    """Kept until a snapshot arrives."""
    STALE = 3
    """Already contained in the book: ignored."""
    GAP = 4
    """The sequence broke: the book needs a new snapshot."""
    CHECKSUM = 5
    """The venue's checksum disagrees with the book: the book needs a new snapshot."""
    SNAPSHOT_TOO_OLD = 6
    """The snapshot predates the first update the stream delivered after it (the stream
    started late, or an update between them is missing): fetch another one."""
    MALFORMED = 7
    """The update's levels could not be read (off the instrument's grid, bad numbers): the
    book needs a new snapshot."""


_FAILED: Final = frozenset(
    {SyncResult.GAP, SyncResult.CHECKSUM, SyncResult.MALFORMED, SyncResult.SNAPSHOT_TOO_OLD}
)


class SyncedBook:
    """An instrument's price-level book on the Rust :class:`~lyra.book.L2Book`.

    Prices and sizes arrive as the venue's decimal strings and are stored as integer ticks
    and lots of the instrument (``price_increment``, ``size_increment``). A value off that
    grid raises :class:`~lyra.errors.InvalidInput` (the instrument definition is stale).
    """

    __slots__ = (
        "_parse",
        "_parse_size",
        "book",
        "instrument",
        "lot_raw",
        "price_precision",
        "size_precision",
        "tick_raw",
    )

    def __init__(self, instrument: Instrument) -> None:
        from lyra import _native
        from lyra.book import L2Book

        self.instrument = instrument
        self.book = L2Book()
        self.tick_raw = instrument.price_increment.raw
        self.lot_raw = instrument.size_increment.raw
        self.price_precision = instrument.price_precision
        self.size_precision = instrument.size_precision
        self._parse = _native.parse_fixed
        self._parse_size = _native.parse_fixed_unsigned

    def ticks(self, price: str) -> int:
        """``price`` (a decimal string) in ticks."""
        q, r = divmod(self._parse(price), self.tick_raw)
        if r:
            raise InvalidInput(
                "price", f"is off the tick grid {self.instrument.price_increment}", price
            )
        return q

    def lots(self, size: str) -> int:
        """``size`` (a decimal string) in lots."""
        q, r = divmod(self._parse_size(size), self.lot_raw)
        if r:
            raise InvalidInput(
                "size", f"is off the size grid {self.instrument.size_increment}", size
            )
        return q

    def price(self, ticks: int) -> Price:
        """The :class:`~lyra.model.Price` of ``ticks``."""
        return Price.from_raw(ticks * self.tick_raw, self.price_precision)

    def size(self, lots: int) -> Quantity:
        """The :class:`~lyra.model.Quantity` of ``lots``."""
        return Quantity.from_raw(lots * self.lot_raw, self.size_precision)

    def clear(self) -> None:
        """Remove every level."""
        self.book.clear()

    def levels(self, side: int, depth: int | None = None) -> list[tuple[Price, Quantity]]:
        """The best ``depth`` levels of ``side`` (1 bids, 2 asks; all if ``None``), best
        first, as prices and quantities."""
        book = self.book
        n = depth if depth is not None else (book.bid_levels() if side == 1 else book.ask_levels())
        return [(self.price(p), self.size(s)) for p, s in book.depth(side, n)]

    def best_bid(self) -> tuple[Price, Quantity] | None:
        """The best bid, or ``None``."""
        top = self.book.best_bid()
        return None if top is None else (self.price(top[0]), self.size(top[1]))

    def best_ask(self) -> tuple[Price, Quantity] | None:
        """The best ask, or ``None``."""
        top = self.book.best_ask()
        return None if top is None else (self.price(top[0]), self.size(top[1]))

    def as_decimal_levels(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Both sides, best first, as ``(price, size)`` decimal strings (to compare with a
        venue's or a fake server's book)."""
        bids = [(str(p), str(s)) for p, s in self.levels(1)]
        asks = [(str(p), str(s)) for p, s in self.levels(2)]
        return bids, asks

    def __repr__(self) -> str:
        b = self.book
        return f"SyncedBook({self.instrument.id}, {b.bid_levels()} bids, {b.ask_levels()} asks)"


class BookSync(Generic[_U], abc.ABC):
    """The snapshot-plus-diffs state machine; a venue subclass states the sequence rules.

    ``book`` is the :class:`SyncedBook` kept in sync. ``on_applied(changes, snapshot,
    update)`` (optional) is called after each applied snapshot (``snapshot=True``,
    ``update=None``, the changes being every level of it) or update, with the level
    changes as :data:`Change` tuples. ``max_buffer`` bounds the updates kept while waiting
    for a snapshot (the oldest are dropped, which the snapshot check then detects).
    ``collect`` (default true) builds the change lists; without it ``on_applied`` gets an
    empty list (cheapest, for a consumer that reads the book itself).
    """

    __slots__ = (
        "_buffer",
        "_collect",
        "_fresh",
        "_last",
        "_on_applied",
        "applied",
        "book",
        "checksum_failures",
        "gaps",
        "malformed",
        "max_buffer",
        "needs_snapshot",
        "snapshot_id",
        "snapshots",
        "stale",
        "synced",
    )

    def __init__(
        self,
        book: SyncedBook,
        *,
        on_applied: Callable[[list[Change], bool, _U | None], None] | None = None,
        max_buffer: int = 10_000,
        collect: bool = True,
    ) -> None:
        self.book = book
        self._on_applied = on_applied
        self._collect = collect
        self.max_buffer = max_buffer
        self._buffer: deque[_U] = deque()
        self._last = 0
        self._fresh = False
        #: whether the book is in sync
        self.synced = False
        #: set when a snapshot must be fetched (cleared by on_snapshot)
        self.needs_snapshot = True
        #: the id of the last snapshot applied
        self.snapshot_id = 0
        #: counters
        self.applied = 0
        self.stale = 0
        self.gaps = 0
        self.checksum_failures = 0
        self.snapshots = 0
        self.malformed = 0

    # -- the venue's rules (override) ---------------------------------------------------------
    @abc.abstractmethod
    def first_id(self, update: _U) -> int:
        """The first sequence id an update covers."""
        ...

    @abc.abstractmethod
    def last_id(self, update: _U) -> int:
        """The last sequence id an update covers (the book's id after applying it)."""
        ...

    def is_stale(self, update: _U, book_id: int, after_snapshot: bool) -> bool:
        """Whether ``update`` is already contained in a book at ``book_id``
        (``after_snapshot``: the book is a snapshot no update was applied to yet)."""
        return self.last_id(update) <= book_id

    def bridges(self, update: _U, snapshot_id: int) -> bool:
        """Whether ``update`` is a valid first update after a snapshot at ``snapshot_id``."""
        return self.first_id(update) <= snapshot_id + 1 <= self.last_id(update)

    def snapshot_too_old(self, update: _U, snapshot_id: int) -> bool:
        """Whether ``update``, the first buffered one that the snapshot does not contain,
        starts after the snapshot with a hole between them."""
        return self.first_id(update) > snapshot_id + 1

    def continues(self, update: _U, previous_id: int) -> bool:
        """Whether ``update`` directly follows the last applied one (id ``previous_id``)."""
        return self.first_id(update) == previous_id + 1

    @abc.abstractmethod
    def bid_levels(self, update: _U) -> Sequence[Any]:
        """The update's bid levels as ``(price, size)`` decimal strings."""
        ...

    @abc.abstractmethod
    def ask_levels(self, update: _U) -> Sequence[Any]:
        """The update's ask levels as ``(price, size)`` decimal strings."""
        ...

    def verify(self, update: _U) -> bool | None:
        """Check the book against the update's checksum after applying it: ``True``
        (matches), ``False`` (mismatch) or ``None`` (the update carries none)."""
        return None

    # -- driving ------------------------------------------------------------------------------
    @property
    def last_update_id(self) -> int:
        """The sequence id the book is at."""
        return self._last

    @property
    def buffered(self) -> int:
        """How many updates wait for a snapshot."""
        return len(self._buffer)

    def reset(self) -> None:
        """Drop the book and the buffer and wait for a new snapshot (after a reconnect)."""
        self.book.clear()
        self._buffer.clear()
        self.synced = False
        self.needs_snapshot = True
        self._fresh = False

    def on_update(self, update: _U) -> SyncResult:
        """Apply, buffer or refuse one stream update; see :class:`SyncResult`."""
        if not self.synced:
            buf = self._buffer
            buf.append(update)
            if len(buf) > self.max_buffer:
                buf.popleft()
            return SyncResult.BUFFERED
        last = self._last
        if self.is_stale(update, last, self._fresh):
            self.stale += 1
            return SyncResult.STALE
        if self._fresh:
            if not self.bridges(update, last):
                self._lose_sync(update)
                if self.snapshot_too_old(update, last):
                    # the stream started after the snapshot was taken: not a lost update
                    return SyncResult.SNAPSHOT_TOO_OLD
                self.gaps += 1
                return SyncResult.GAP
        elif not self.continues(update, last):
            self.gaps += 1
            self._lose_sync(update)
            return SyncResult.GAP
        return self._apply(update)

    def on_snapshot(
        self,
        snapshot_id: int,
        bids: Sequence[Any],
        asks: Sequence[Any],
    ) -> SyncResult:
        """Apply a snapshot at ``snapshot_id`` (levels as ``(price, size)`` decimal
        strings), then the buffered updates after it.

        Returns APPLIED when the book is in sync, SNAPSHOT_TOO_OLD when the buffered
        updates start after it (fetch another), GAP/CHECKSUM/MALFORMED when a replayed
        update failed (fetch another).
        """
        book = self.book
        pending = list(self._buffer)
        live = [u for u in pending if not self.is_stale(u, snapshot_id, True)]
        if live:
            first = live[0]
            if not self.bridges(first, snapshot_id) and self.snapshot_too_old(first, snapshot_id):
                return SyncResult.SNAPSHOT_TOO_OLD
        book.clear()
        try:
            changes = self._set_side(_BUY, bids)
            changes += self._set_side(_SELL, asks)
        except (InvalidInput, TypeError, ValueError):
            self.malformed += 1
            book.clear()
            self.needs_snapshot = True
            return SyncResult.MALFORMED
        self.snapshots += 1
        self.snapshot_id = snapshot_id
        self._last = snapshot_id
        self._fresh = True
        self.synced = True
        self.needs_snapshot = False
        self._buffer.clear()
        if self._on_applied is not None:
            self._on_applied(changes if self._collect else [], True, None)
        for i, update in enumerate(pending):
            result = self.on_update(update)
            if result in _FAILED:
                # the failing update (kept on a gap) and the rest wait for the next snapshot
                self._buffer.extend(pending[i + 1 :])
                return result
        return SyncResult.APPLIED

    # -- internals ------------------------------------------------------------------------------
    def _lose_sync(self, update: _U | None) -> None:
        self.synced = False
        self.needs_snapshot = True
        self._fresh = False
        self._buffer.clear()
        if update is not None:
            self._buffer.append(update)

    def _set_side(self, side: int, levels: Sequence[Any]) -> list[Change]:
        book = self.book
        apply = book.book.apply
        ticks, lots = book.ticks, book.lots
        out: list[Change] = []
        for price, size in levels:
            p, s = ticks(price), lots(size)
            if s:
                apply(side, _SET, p, s)
                out.append((side, p, s))
        return out

    def _apply(self, update: _U) -> SyncResult:
        book = self.book
        apply = book.book.apply
        ticks, lots = book.ticks, book.lots
        collect = self._collect
        changes: list[Change] = []
        try:
            for side, levels in ((_BUY, self.bid_levels(update)), (_SELL, self.ask_levels(update))):
                for price, size in levels:
                    p, s = ticks(price), lots(size)
                    if s:
                        apply(side, _SET, p, s)
                    else:
                        apply(side, _DELETE, p, 0)
                    if collect:
                        changes.append((side, p, s))
        except (InvalidInput, TypeError, ValueError):
            # half applied: the book cannot be trusted any more
            self.malformed += 1
            self._lose_sync(None)
            book.clear()
            return SyncResult.MALFORMED
        self._last = self.last_id(update)
        self._fresh = False
        self.applied += 1
        check = self.verify(update)
        if check is False:
            self.checksum_failures += 1
            self._lose_sync(None)
            book.clear()
            return SyncResult.CHECKSUM
        if self._on_applied is not None:
            self._on_applied(changes, False, update)
        return SyncResult.APPLIED

    def __repr__(self) -> str:
        state = "synced" if self.synced else "waiting for a snapshot"
        return (
            f"{type(self).__name__}({self.book.instrument.id}, {state}, at {self._last}, "
            f"gaps={self.gaps})"
        )
