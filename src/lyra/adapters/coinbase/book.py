"""Level 2 book sync for Coinbase Advanced Trade: snapshot, updates, sequence_num continuity.

Coinbase's ``level2`` channel (messages carry ``"channel": "l2_data"``) sends each product's
whole book once as a ``snapshot`` event, then ``update`` events whose ``new_quantity`` is the
level's new total (``"0"`` removes it). There is no checksum: integrity rests on the
envelope's ``sequence_num``, which rises by one with **every** message on the connection,
whatever its channel (docs.cdp.coinbase.com, "Advanced Trade WebSocket overview"). A skipped
number means messages were lost, and any of them may have been a book update, so every book
on that connection is stale until Coinbase sends it again (resubscribe; the new
subscription starts with a snapshot).

:class:`Level2Sync` is that state machine for one connection, pure (no I/O, no clock): feed
it every message's sequence number and every ``l2_data`` message, and it keeps one Rust
:class:`~lyra.book.L2Book` per product (prices in ticks of the instrument's
``price_increment``, sizes in lots of its ``size_increment``). Each call returns a
:class:`SyncResult`:

=================  =============================================================
``status``         meaning
=================  =============================================================
``SNAPSHOT``       a book was replaced by a snapshot and is live
``UPDATE``         updates were applied to live books
``WAITING``        the updates were for books still waiting for their snapshot
                   (after a resync was asked for): dropped, nothing applied
``RESYNC_NEEDED``  ``sequence_num`` skipped or went back: every book of the
                   connection is cleared and waits for a snapshot; resubscribe
                   ``level2`` for ``result.resync`` (``reason`` says what was seen)
``IGNORED``        an event for a product this sync does not know
=================  =============================================================

A gap is never passed over: until a product's new snapshot arrives its updates come back
``WAITING`` and its book stays empty. The message that revealed a gap is still used where it
can be: a snapshot in it is self-contained and is applied.

What was applied is in ``result.changes`` (one :class:`BookChange` per event), with the
parsed columns (``sides``, ``prices``, ``sizes``) and :meth:`BookChange.book_deltas`, which
builds Lyra's :class:`~lyra.model.data.BookDeltas` only when someone wants them (the Rust
book never needs them).

Importing this module loads the compiled extension ``lyra._native``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Final

from lyra.adapters.coinbase._parse import decimal_units, rfc3339_ns
from lyra.adapters.coinbase.messages import L2DataMessage, L2Event, WsMessage
from lyra.book import BUY, DELETE, SELL, UPDATE, L2Book
from lyra.errors import InvalidInput, PrecisionError
from lyra.model.data import BookDelta, BookDeltas, BookOrder
from lyra.model.enums import BookAction, OrderSide, RecordFlag
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION

__all__ = (
    "BookChange",
    "Level2Sync",
    "SequenceTracker",
    "SyncResult",
    "SyncStatus",
)

_ADD_ACTION: Final = BookAction.ADD
_UPDATE_ACTION: Final = BookAction.UPDATE
_DELETE_ACTION: Final = BookAction.DELETE
_F_LAST: Final = int(RecordFlag.F_LAST)
_F_SNAPSHOT: Final = int(RecordFlag.F_SNAPSHOT)
_SIDE: Final = {BUY: OrderSide.BUY, SELL: OrderSide.SELL}
_CACHE_SIZE: Final = 4096


class SyncStatus(enum.IntEnum):
    """What a message did to the books (see the module table)."""

    SNAPSHOT = 1
    """A snapshot replaced at least one book, which is now live."""
    UPDATE = 2
    """Updates were applied to live books."""
    WAITING = 3
    """The updates were for books waiting for their snapshot; nothing was applied."""
    RESYNC_NEEDED = 4
    """A sequence gap: the books in ``result.resync`` are stale; resubscribe them."""
    IGNORED = 5
    """The events were for products this sync does not know."""


class SequenceTracker:
    """``sequence_num`` continuity of one websocket connection.

    ``first`` is the number the connection's first message must carry (Coinbase starts at
    0; ``None`` accepts any start). After that each message must carry the previous number
    plus one. :meth:`check` returns ``None`` when it does, or the reason when it does not;
    either way the number becomes the new baseline, so one gap is reported once.
    """

    __slots__ = ("_first", "_last")

    def __init__(self, first: int | None = 0) -> None:
        if first is not None and (type(first) is not int or first < 0):
            raise InvalidInput("first", "must be None or an int >= 0", first)
        self._first = first
        self._last: int | None = None

    @property
    def last(self) -> int | None:
        """The last sequence number seen (``None`` before the first message)."""
        return self._last

    def check(self, sequence_num: int) -> str | None:
        """``None`` if ``sequence_num`` follows the previous one, else what went wrong."""
        last = self._last
        self._last = sequence_num
        if last is None:
            first = self._first
            if first is None or sequence_num == first:
                return None
            return (
                f"sequence_num gap: the connection's first message must be {first}, "
                f"got {sequence_num}"
            )
        if sequence_num == last + 1:
            return None
        if sequence_num > last:
            return f"sequence_num gap: expected {last + 1}, got {sequence_num}"
        return f"sequence_num went back: expected {last + 1}, got {sequence_num}"

    def reset(self) -> None:
        """Forget the connection (call it for a new one)."""
        self._last = None

    def __repr__(self) -> str:
        return f"SequenceTracker(last={self._last})"


class _Product:
    """One product's book and grid (private)."""

    __slots__ = (
        "book",
        "instrument",
        "live",
        "price_inc",
        "price_scale",
        "prices",
        "product_id",
        "size_inc",
        "size_scale",
        "sizes",
    )

    def __init__(self, product_id: str, instrument: Instrument, max_window: int) -> None:
        self.product_id = product_id
        self.instrument = instrument
        self.book = L2Book(max_window=max_window)
        self.live = False
        tick = instrument.price_increment
        lot = instrument.size_increment
        self.price_scale = tick.precision
        self.size_scale = lot.precision
        # the increments in units of 10**-precision: 0.01 at precision 2 is 1, 0.05 is 5
        self.price_inc = tick.raw // 10 ** (FIXED_PRECISION - tick.precision)
        self.size_inc = lot.raw // 10 ** (FIXED_PRECISION - lot.precision)
        # text -> ticks/lots of the strings seen lately: a book's prices (and many of its
        # sizes) recur, and a dict hit costs a tenth of parsing. Bounded: cleared when full.
        self.prices: dict[str, int] = {}
        self.sizes: dict[str, int] = {}

    def price(self, text: str) -> int:
        """``price_level`` text -> ticks (the slow path, filling the cache)."""
        value = decimal_units(text, self.price_scale, "price_level")
        if self.price_inc != 1:
            value, rest = divmod(value, self.price_inc)
            if rest:
                raise PrecisionError(
                    "price_level", f"is not a multiple of {self.instrument.price_increment}", text
                )
        cache = self.prices
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[text] = value
        return value

    def size(self, text: str) -> int:
        """``new_quantity`` text -> lots (the slow path, filling the cache)."""
        value = decimal_units(text, self.size_scale, "new_quantity")
        if value < 0:
            raise InvalidInput("new_quantity", "must not be negative", text)
        if self.size_inc != 1:
            value, rest = divmod(value, self.size_inc)
            if rest:
                raise PrecisionError(
                    "new_quantity", f"is not a multiple of {self.instrument.size_increment}", text
                )
        cache = self.sizes
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[text] = value
        return value


class BookChange:
    """What one ``l2_data`` event did to one book.

    ``sides`` (:data:`~lyra.book.BUY`/:data:`~lyra.book.SELL`), ``prices`` (ticks) and
    ``sizes`` (lots; 0 removes the level) are the event's levels in order, as applied;
    ``snapshot`` says whether the book was replaced. ``event`` is the decoded event and
    ``sequence`` the message's ``sequence_num``.
    """

    __slots__ = (
        "event",
        "instrument",
        "prices",
        "product_id",
        "sequence",
        "sides",
        "sizes",
        "snapshot",
        "timestamp",
    )

    def __init__(
        self,
        product: _Product,
        event: L2Event,
        snapshot: bool,
        sides: list[int],
        prices: list[int],
        sizes: list[int],
        sequence: int,
        timestamp: str,
    ) -> None:
        self.instrument = product.instrument
        self.product_id = product.product_id
        self.event = event
        self.snapshot = snapshot
        self.sides = sides
        self.prices = prices
        self.sizes = sizes
        self.sequence = sequence
        self.timestamp = timestamp

    def __len__(self) -> int:
        return len(self.sides)

    def book_deltas(self, ts_init: int) -> BookDeltas | None:
        """The change as Lyra :class:`~lyra.model.data.BookDeltas` (``None`` for an update
        that carried no level).

        A snapshot is a CLEAR followed by one ADD per level, all flagged ``F_SNAPSHOT``; an
        update is an UPDATE per level (a DELETE for size 0). The last delta has ``F_LAST``.
        ``ts_event`` of each delta is its level's ``event_time`` (the message's timestamp
        when a level has none); ``sequence`` is the message's ``sequence_num``.
        """
        instrument = self.instrument
        iid = instrument.id
        tick = instrument.price_increment
        lot = instrument.size_increment
        sequence = self.sequence
        flags = _F_SNAPSHOT if self.snapshot else 0
        updates = self.event.updates
        default_ts = rfc3339_ns(self.timestamp, "timestamp") if self.timestamp else 0
        last_text = ""
        last_ts = default_ts
        deltas: list[BookDelta] = []
        if self.snapshot:
            deltas.append(BookDelta.clear(iid, default_ts, ts_init, flags, sequence))
        sides, prices, sizes = self.sides, self.prices, self.sizes
        for i in range(len(sides)):
            text = updates[i].event_time
            if text != last_text:
                last_text = text
                last_ts = rfc3339_ns(text, "event_time") if text else default_ts
            size = sizes[i]
            if self.snapshot:
                if not size:
                    continue
                action = _ADD_ACTION
            else:
                action = _UPDATE_ACTION if size else _DELETE_ACTION
            order = BookOrder(_SIDE[sides[i]], tick * prices[i], lot * size)
            deltas.append(BookDelta(iid, action, order, last_ts, ts_init, flags, sequence))
        if not deltas:
            return None  # an update without levels changes nothing
        last = deltas[-1]
        deltas[-1] = BookDelta(
            iid,
            last.action,
            last.order,
            last.ts_event,
            ts_init,
            last.flags | _F_LAST,
            sequence,
        )
        return BookDeltas(iid, deltas)

    def __repr__(self) -> str:
        kind = "snapshot" if self.snapshot else "update"
        return f"BookChange({self.product_id}, {kind}, {len(self.sides)} levels)"


class SyncResult:
    """The outcome of one message: ``status`` (:class:`SyncStatus`), the message's
    ``sequence``, the ``changes`` applied, the products to ``resync`` and a ``reason``."""

    __slots__ = ("changes", "reason", "resync", "sequence", "status")

    def __init__(
        self,
        status: SyncStatus,
        sequence: int,
        changes: tuple[BookChange, ...] = (),
        resync: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        self.status = status
        self.sequence = sequence
        self.changes = changes
        self.resync = resync
        self.reason = reason

    @property
    def resync_needed(self) -> bool:
        """Whether some book must be resubscribed."""
        return self.status is SyncStatus.RESYNC_NEEDED

    def __repr__(self) -> str:
        extra = f", resync={list(self.resync)}" if self.resync else ""
        why = f", reason={self.reason!r}" if self.reason else ""
        return (
            f"SyncResult({self.status.name}, sequence={self.sequence}, "
            f"changes={len(self.changes)}{extra}{why})"
        )


_SNAPSHOT: Final = SyncStatus.SNAPSHOT
_UPDATE: Final = SyncStatus.UPDATE
_WAITING: Final = SyncStatus.WAITING
_RESYNC: Final = SyncStatus.RESYNC_NEEDED
_IGNORED: Final = SyncStatus.IGNORED


class Level2Sync:
    """The level2 books of one websocket connection, kept in sync by ``sequence_num``.

    ``instruments`` are the products to follow: an iterable of instruments (each followed
    under its ``raw_symbol``, e.g. ``BTC-USD``) or a mapping from the product id that
    appears in ``l2_data`` messages to the instrument (use it for aliases: ``{"BTC-USD":
    btc_usdc}`` when you subscribed ``BTC-USDC``). ``first_sequence`` is passed to the
    :class:`SequenceTracker`; ``max_window`` to each :class:`~lyra.book.L2Book`.

    Feed it :meth:`on_message` for every decoded message of the connection (or
    :meth:`on_l2` for ``l2_data`` and :meth:`on_sequence` for the others' numbers), and call
    :meth:`reset` when the connection is replaced.
    """

    __slots__ = ("_max_window", "_products", "_tracker")

    def __init__(
        self,
        instruments: Iterable[Instrument] | Mapping[str, Instrument] = (),
        *,
        first_sequence: int | None = 0,
        max_window: int = 65536,
    ) -> None:
        self._tracker = SequenceTracker(first_sequence)
        self._max_window = max_window
        self._products: dict[str, _Product] = {}
        if isinstance(instruments, Mapping):
            for pid, instrument in instruments.items():
                self.add(instrument, product_id=pid)
        else:
            for instrument in instruments:
                self.add(instrument)

    # -- products ------------------------------------------------------------------------
    def add(self, instrument: Instrument, *, product_id: str | None = None) -> None:
        """Follow ``instrument`` under ``product_id`` (default: its ``raw_symbol``); its
        book starts empty and waits for a snapshot."""
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instrument", "must be an Instrument", instrument)
        pid = str(instrument.raw_symbol) if product_id is None else product_id
        if not isinstance(pid, str) or not pid:
            raise InvalidInput("product_id", "must be a non-empty str", product_id)
        self._products[pid] = _Product(pid, instrument, self._max_window)

    @property
    def product_ids(self) -> tuple[str, ...]:
        """Every product followed."""
        return tuple(self._products)

    def _product(self, product_id: str) -> _Product:
        found = self._products.get(product_id)
        if found is None:
            raise InvalidInput("product_id", "is not followed by this Level2Sync", product_id)
        return found

    def book(self, product_id: str) -> L2Book:
        """The Rust book of ``product_id`` (ticks and lots of its instrument)."""
        return self._product(product_id).book

    def instrument(self, product_id: str) -> Instrument:
        """The instrument of ``product_id``."""
        return self._product(product_id).instrument

    def is_live(self, product_id: str) -> bool:
        """Whether ``product_id``'s book has had its snapshot and no gap since."""
        return self._product(product_id).live

    @property
    def last_sequence(self) -> int | None:
        """The last ``sequence_num`` seen on the connection."""
        return self._tracker.last

    # -- the connection ------------------------------------------------------------------
    def reset(self) -> None:
        """A new connection: forget its sequence; every book is cleared and waits for a
        snapshot (subscribe ``level2`` again)."""
        self._tracker.reset()
        for product in self._products.values():
            product.book.clear()
            product.live = False

    def invalidate(self, product_ids: Iterable[str] | None = None, reason: str = "") -> SyncResult:
        """Mark books stale by hand (``None``: all), e.g. after an unsubscribe; returns the
        RESYNC_NEEDED result naming them."""
        chosen = self._products if product_ids is None else [str(p) for p in product_ids]
        names = []
        for pid in chosen:
            product = self._product(pid)
            product.book.clear()
            product.live = False
            names.append(pid)
        last = self._tracker.last
        return SyncResult(
            _RESYNC, -1 if last is None else last, (), tuple(names), reason or "invalidated"
        )

    def _gap(self) -> None:
        for product in self._products.values():
            if product.live:
                product.book.clear()
                product.live = False

    def _stale(self) -> tuple[str, ...]:
        return tuple(pid for pid, p in self._products.items() if not p.live)

    def on_sequence(self, sequence_num: int) -> SyncResult | None:
        """Account for a message of another channel; ``None`` unless it reveals a gap."""
        problem = self._tracker.check(sequence_num)
        if problem is None:
            return None
        self._gap()
        return SyncResult(_RESYNC, sequence_num, (), self._stale(), problem)

    def on_message(self, message: WsMessage) -> SyncResult | None:
        """Account for any decoded message: ``l2_data`` goes to :meth:`on_l2`, others only
        count their ``sequence_num`` (``None`` unless it reveals a gap; a :class:`WsError`
        carries none)."""
        if type(message) is L2DataMessage:
            return self.on_l2(message)
        sequence = getattr(message, "sequence_num", None)
        if sequence is None:
            return None
        return self.on_sequence(sequence)

    def on_l2(self, message: L2DataMessage) -> SyncResult:
        """Apply an ``l2_data`` message (see the module table for the result)."""
        sequence = message.sequence_num
        problem = self._tracker.check(sequence)
        if problem is not None:
            self._gap()
        products = self._products
        changes: list[BookChange] = []
        status = _IGNORED
        waiting: list[str] = []
        unknown: list[str] = []
        for event in message.events:
            product = products.get(event.product_id)
            if product is None:
                unknown.append(event.product_id)
                continue
            snapshot = event.type == "snapshot"
            if not snapshot and not product.live:
                waiting.append(event.product_id)
                if status is _IGNORED:
                    status = _WAITING
                continue
            try:
                change = self._apply(product, event, snapshot, sequence, message.timestamp)
            except InvalidInput as exc:
                # the event was not applied (its levels are read before any is applied),
                # but the book now misses what it said: resynchronise it as after a gap
                product.book.clear()
                product.live = False
                broken = f"unreadable level in {event.product_id}: {exc}"
                problem = f"{problem}; {broken}" if problem else broken
                continue
            changes.append(change)
            if snapshot:
                status = _SNAPSHOT
            elif status is not _SNAPSHOT:
                status = _UPDATE
        if problem is not None:
            return SyncResult(_RESYNC, sequence, tuple(changes), self._stale(), problem)
        if status is _WAITING:
            reason = f"awaiting a snapshot: {', '.join(waiting)}"
        elif unknown:
            reason = f"unknown product: {', '.join(unknown)}"
        else:
            reason = ""
        return SyncResult(status, sequence, tuple(changes), (), reason)

    # -- applying ------------------------------------------------------------------------
    @staticmethod
    def _columns(product: _Product, event: L2Event) -> tuple[list[int], list[int], list[int]]:
        prices_seen, sizes_seen = product.prices, product.sizes
        sides: list[int] = []
        prices: list[int] = []
        sizes: list[int] = []
        for update in event.updates:
            text = update.price_level
            price = prices_seen.get(text)
            if price is None:
                price = product.price(text)
            text = update.new_quantity
            size = sizes_seen.get(text)
            if size is None:
                size = product.size(text)
            sides.append(BUY if update.side == "bid" else SELL)
            prices.append(price)
            sizes.append(size)
        return sides, prices, sizes

    def _apply(
        self, product: _Product, event: L2Event, snapshot: bool, sequence: int, timestamp: str
    ) -> BookChange:
        sides, prices, sizes = self._columns(product, event)
        book = product.book
        apply = book.apply
        if snapshot:
            book.clear()
            for side, price, size in zip(sides, prices, sizes, strict=True):
                if size:
                    apply(side, UPDATE, price, size)
            product.live = True
        else:
            for side, price, size in zip(sides, prices, sizes, strict=True):
                apply(side, UPDATE if size else DELETE, price, size)
        return BookChange(product, event, snapshot, sides, prices, sizes, sequence, timestamp)

    def __repr__(self) -> str:
        live = sum(1 for p in self._products.values() if p.live)
        return (
            f"Level2Sync({len(self._products)} products, {live} live, "
            f"last_sequence={self._tracker.last})"
        )
