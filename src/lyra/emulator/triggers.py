"""Which orders a price move triggers: pure trigger logic, no bus, no venue.

:class:`MarketState` is an instrument's latest prices; :func:`is_triggered` answers for one
order against one state; :class:`TriggerBook` holds many orders of one instrument and, for
each quote, trade, mark or index price, returns exactly the orders it fired -- a quote touches
only the orders it triggers, not all of them.

**Direction.** Stops (stop-market, stop-limit, trailing) fire on a move *through* the trigger
against the order: BUY when the reference is at or above the trigger (:attr:`Direction.RISE`),
SELL at or below (:attr:`Direction.FALL`). If-touched orders (and emulated limit orders, whose
trigger is their limit price) fire on a move in their favour: BUY at or below, SELL at or
above.

**Reference per trigger type** (``bid``/``ask``/``last`` are the latest quote and trade):

============== ==============================================================================
trigger type   reference
============== ==============================================================================
DEFAULT,       BUY: the ask; SELL: the bid
BID_ASK
LAST_PRICE     the last trade price
MID_POINT      ``(bid + ask) / 2``, exact even on a half tick
MARK_PRICE     the mark price, once one is supplied (never fires before that)
INDEX_PRICE    the index price, once one is supplied
DOUBLE_BID_ASK both the bid and the ask must be at or through the trigger: a RISE sees
               ``min(bid, ask)``, a FALL ``max(bid, ask)``
DOUBLE_LAST    the last two trades must both be at or through the trigger: a RISE sees the
               lower of the two, a FALL the higher (needs two trades)
LAST_OR_BID_   either the last trade or the order's quote side (BUY: ask, SELL: bid) at or
ASK            through the trigger fires it: a RISE sees the higher, a FALL the lower of the
               two (whichever is known, if only one is)
============== ==============================================================================

These are the Rust matching engine's rules (``native/lyra-engine/src/matching/trigger.rs``),
so an emulated order and the simulated exchange decide alike. Orders fired by the same market
update are returned in arrival order.

Prices are raw integers (value * 10**9); internally every price is **doubled** so that the
mid price is exact.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterator, Sequence
from typing import Any, Final

from lyra.emulator.trailing import TrailingState
from lyra.errors import InvalidInput
from lyra.model.enums import OrderSide, OrderType, TriggerType

__all__ = (
    "Arm",
    "Direction",
    "MarketState",
    "TriggerBook",
    "TriggerEntry",
    "is_triggered",
    "reference_x2",
    "trigger_direction",
)


class Direction(enum.IntEnum):
    """Which way the reference must cross the trigger."""

    RISE = 0
    """Fires when the reference is at or above the trigger."""
    FALL = 1
    """Fires when the reference is at or below the trigger."""


class Arm(enum.IntEnum):
    """What an order does on arrival in a :class:`TriggerBook`."""

    WAIT = 0
    """It waits for its trigger."""
    IN_MARKET = 1
    """Its trigger (or a trailing order's activation price) is already reached."""


_RISE: Final = 0
_FALL: Final = 1
_T = TriggerType
_TOUCH_TYPES: Final = frozenset(
    {OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED, OrderType.LIMIT}
)
_STOP_TYPES: Final = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.TRAILING_STOP_MARKET,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
_TRAILING: Final = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})

# Streams: one price series each, with a ladder per direction.
_S_BID: Final = 0
_S_ASK: Final = 1
_S_MID: Final = 2
_S_DBA: Final = 3
_S_LAST: Final = 4
_S_DLAST: Final = 5
_S_MARK: Final = 6
_S_INDEX: Final = 7
_STREAMS: Final = 8

# What feeds an order: bit flags.
_QUOTES: Final = 1
_TRADES: Final = 2
_MARKS: Final = 4
_INDEXES: Final = 8
_FEED_OF_STREAM: Final = (
    _QUOTES,
    _QUOTES,
    _QUOTES,
    _QUOTES,
    _TRADES,
    _TRADES,
    _MARKS,
    _INDEXES,
)
_NOTHING: Final[tuple[()]] = ()


def trigger_direction(side: OrderSide, order_type: OrderType) -> Direction:
    """The direction in which ``order_type`` on ``side`` fires (see the module docs)."""
    otype = OrderType(order_type)
    buy = side == OrderSide.BUY
    if not buy and side != OrderSide.SELL:
        raise InvalidInput("side", "must be BUY or SELL", side)
    if otype in _STOP_TYPES:
        return Direction.RISE if buy else Direction.FALL
    if otype in _TOUCH_TYPES:
        return Direction.FALL if buy else Direction.RISE
    raise InvalidInput("order_type", f"{otype.name} orders have no trigger", otype)


def _normal(trigger_type: TriggerType) -> TriggerType:
    tt = TriggerType(trigger_type)
    if tt is _T.DEFAULT:
        return _T.BID_ASK
    if tt is _T.NO_TRIGGER:
        raise InvalidInput("trigger_type", "must not be NO_TRIGGER for a triggered order", tt)
    return tt


def _streams(trigger_type: TriggerType, buy: bool) -> tuple[int, ...]:
    """The ladders a plain (non-trailing) order sits in."""
    tt = _normal(trigger_type)
    if tt is _T.BID_ASK:
        return (_S_ASK,) if buy else (_S_BID,)
    if tt is _T.LAST_PRICE:
        return (_S_LAST,)
    if tt is _T.MID_POINT:
        return (_S_MID,)
    if tt is _T.DOUBLE_BID_ASK:
        return (_S_DBA,)
    if tt is _T.DOUBLE_LAST:
        return (_S_DLAST,)
    if tt is _T.LAST_OR_BID_ASK:
        return (_S_LAST, _S_ASK if buy else _S_BID)
    if tt is _T.MARK_PRICE:
        return (_S_MARK,)
    return (_S_INDEX,)


# Which doubled reference a trailing order (a stop: a BUY rises, a SELL falls) follows; the
# index into _trailing_refs().
_REF_KIND: Final = {
    (_T.BID_ASK, True): 1,
    (_T.BID_ASK, False): 0,
    (_T.MID_POINT, True): 2,
    (_T.MID_POINT, False): 2,
    (_T.DOUBLE_BID_ASK, True): 3,
    (_T.DOUBLE_BID_ASK, False): 4,
    (_T.LAST_PRICE, True): 5,
    (_T.LAST_PRICE, False): 5,
    (_T.DOUBLE_LAST, True): 6,
    (_T.DOUBLE_LAST, False): 7,
    (_T.LAST_OR_BID_ASK, True): 8,
    (_T.LAST_OR_BID_ASK, False): 9,
    (_T.MARK_PRICE, True): 10,
    (_T.MARK_PRICE, False): 10,
    (_T.INDEX_PRICE, True): 11,
    (_T.INDEX_PRICE, False): 11,
}


def _ref_kind(trigger_type: TriggerType, buy: bool) -> int:
    return _REF_KIND[(_normal(trigger_type), buy)]


def _trailing_refs(st: MarketState) -> list[int | None]:
    """Every reference a trailing order may follow, doubled, computed once per update (the
    same values :func:`reference_x2` gives for a BUY rising / a SELL falling)."""
    b, a, last, prev = st.bid, st.ask, st.last, st.prev_last
    b2 = None if b is None else b + b
    a2 = None if a is None else a + a
    l2 = None if last is None else last + last
    if b2 is None or a2 is None:
        mid = lo_q = hi_q = None
    else:
        mid = (b2 + a2) // 2
        lo_q, hi_q = (b2, a2) if b2 <= a2 else (a2, b2)
    if l2 is None or prev is None:
        lo_l = hi_l = None
    else:
        p2 = prev + prev
        lo_l, hi_l = (l2, p2) if l2 <= p2 else (p2, l2)
    if l2 is None:
        lob_buy, lob_sell = a2, b2
    else:
        lob_buy = l2 if a2 is None or l2 >= a2 else a2
        lob_sell = l2 if b2 is None or l2 <= b2 else b2
    m, i = st.mark, st.index
    return [
        b2,
        a2,
        mid,
        lo_q,
        hi_q,
        l2,
        lo_l,
        hi_l,
        lob_buy,
        lob_sell,
        None if m is None else m + m,
        None if i is None else i + i,
    ]


def _feeds(trigger_type: TriggerType) -> int:
    tt = _normal(trigger_type)
    if tt in (_T.BID_ASK, _T.MID_POINT, _T.DOUBLE_BID_ASK):
        return _QUOTES
    if tt in (_T.LAST_PRICE, _T.DOUBLE_LAST):
        return _TRADES
    if tt is _T.LAST_OR_BID_ASK:
        return _QUOTES | _TRADES
    return _MARKS if tt is _T.MARK_PRICE else _INDEXES


class MarketState:
    """The latest prices of one instrument, raw (``None``: not seen yet).

    ``prev_last`` is the trade before ``last`` (for DOUBLE_LAST). Mutate it only through the
    ``update_*`` methods (a :class:`TriggerBook` does so itself).
    """

    __slots__ = ("ask", "bid", "index", "last", "mark", "prev_last")

    def __init__(
        self,
        *,
        bid: int | None = None,
        ask: int | None = None,
        last: int | None = None,
        prev_last: int | None = None,
        mark: int | None = None,
        index: int | None = None,
    ) -> None:
        self.bid = bid
        self.ask = ask
        self.last = last
        self.prev_last = prev_last
        self.mark = mark
        self.index = index

    def update_quote(self, bid: int, ask: int) -> None:
        """A new best bid and ask."""
        self.bid = bid
        self.ask = ask

    def update_trade(self, price: int) -> None:
        """A new trade: the last trade becomes ``prev_last``."""
        self.prev_last = self.last
        self.last = price

    def update_mark(self, price: int) -> None:
        """A new mark price."""
        self.mark = price

    def update_index(self, price: int) -> None:
        """A new index price."""
        self.index = price

    def clear_quotes(self) -> None:
        """Forget the quote (e.g. after the feed was stopped: it may be stale)."""
        self.bid = self.ask = None

    def clear_trades(self) -> None:
        """Forget the trades."""
        self.last = self.prev_last = None

    def __repr__(self) -> str:
        return (
            f"MarketState(bid={self.bid}, ask={self.ask}, last={self.last}, "
            f"prev_last={self.prev_last}, mark={self.mark}, index={self.index})"
        )


def _x2(v: int | None) -> int | None:
    return None if v is None else 2 * v


def reference_x2(
    state: MarketState, trigger_type: TriggerType, side: OrderSide, direction: Direction
) -> int | None:
    """The doubled reference an order of ``side`` with ``trigger_type`` compares with its
    (doubled) trigger for a move in ``direction``; ``None`` when the market has not supplied
    it yet (see the module docs)."""
    tt = _normal(trigger_type)
    buy = side == OrderSide.BUY
    rise = Direction(direction) is Direction.RISE
    bid, ask = state.bid, state.ask
    if tt is _T.BID_ASK:
        return _x2(ask if buy else bid)
    if tt is _T.LAST_PRICE:
        return _x2(state.last)
    if tt is _T.MID_POINT:
        return None if bid is None or ask is None else bid + ask
    if tt is _T.MARK_PRICE:
        return _x2(state.mark)
    if tt is _T.INDEX_PRICE:
        return _x2(state.index)
    if tt is _T.DOUBLE_BID_ASK:
        if bid is None or ask is None:
            return None
        return 2 * (min(bid, ask) if rise else max(bid, ask))
    if tt is _T.DOUBLE_LAST:
        last, prev = state.last, state.prev_last
        if last is None or prev is None:
            return None
        return 2 * (min(prev, last) if rise else max(prev, last))
    # LAST_OR_BID_ASK: either the last trade or the order's quote side
    quote = ask if buy else bid
    last = state.last
    if last is None:
        return _x2(quote)
    if quote is None:
        return 2 * last
    return 2 * (max(last, quote) if rise else min(last, quote))


def is_triggered(
    state: MarketState,
    side: OrderSide,
    order_type: OrderType,
    trigger_type: TriggerType,
    trigger: int,
) -> bool:
    """Whether the market in ``state`` triggers an order with raw trigger price ``trigger``
    (for an emulated LIMIT order: its limit price). Trailing orders: pass their current
    trigger. ``False`` when the reference is not known yet."""
    direction = trigger_direction(side, order_type)
    ref = reference_x2(state, trigger_type, side, direction)
    if ref is None:
        return False
    if direction is Direction.RISE:
        return ref >= 2 * trigger
    return ref <= 2 * trigger


class TriggerEntry:
    """One order in a :class:`TriggerBook` (read its attributes; do not change them).

    ``key`` is the caller's handle (e.g. the client order id); ``seq`` the arrival number
    that orders simultaneous fires; ``trigger`` / ``price`` the current raw trigger and limit
    (a trailing order's come from its :attr:`trailing` state).
    """

    __slots__ = (
        "_ladders",
        "_trigger",
        "direction",
        "feeds",
        "key",
        "live",
        "order_type",
        "ref_kind",
        "seq",
        "side",
        "trailing",
        "trigger_type",
    )

    key: Any
    seq: int
    side: OrderSide
    order_type: OrderType
    trigger_type: TriggerType
    direction: Direction
    feeds: int
    ref_kind: int
    trailing: TrailingState | None
    live: bool
    _trigger: int | None
    _ladders: tuple[_Ladder, ...]

    @property
    def trigger(self) -> int | None:
        """The current raw trigger price (``None``: a trailing order not activated yet)."""
        t = self.trailing
        return self._trigger if t is None else t.trigger

    @property
    def price(self) -> int | None:
        """A trailing stop-limit's current raw limit price, else ``None``."""
        t = self.trailing
        return None if t is None else t.price

    def __repr__(self) -> str:
        return (
            f"TriggerEntry({self.key!r}, {self.side.name} {self.order_type.name} "
            f"{self.trigger_type.name}, trigger={self.trigger}, seq={self.seq})"
        )


class _Ladder:
    """Entries of one stream and direction, sorted by (doubled trigger, arrival)."""

    __slots__ = ("entries", "keys")

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.entries: list[TriggerEntry] = []

    def insert(self, key: int, entry: TriggerEntry) -> None:
        i = bisect_right(self.keys, key)
        self.keys.insert(i, key)
        self.entries.insert(i, entry)

    def remove(self, key: int, entry: TriggerEntry) -> None:
        keys = self.keys
        entries = self.entries
        for i in range(bisect_left(keys, key), bisect_right(keys, key)):
            if entries[i] is entry:
                del keys[i]
                del entries[i]
                return
        raise AssertionError("entry not in its ladder")  # pragma: no cover


class TriggerBook:
    """The orders of one instrument waiting for their trigger (see the module docs).

    :meth:`add` an order (stop, if-touched, trailing or an emulated limit) under a key, feed
    market data with :meth:`on_quote` / :meth:`on_trade` / :meth:`on_mark` /
    :meth:`on_index`, and get back the entries that fired, removed from the book, in arrival
    order. Trailing entries whose trigger or limit moved during the last update are listed in
    :attr:`moves` (clear it after reading).

    Plain orders sit in sorted ladders per price stream and direction, so an update looks at
    the front of each ladder only and walks just the fired entries. Trailing orders move with
    the market and are re-evaluated on every update of their stream.

    ``reject_in_market`` is how arrival treats a trailing order whose activation price is
    already touched: ``True`` (the simulated exchange's default) reports it IN_MARKET; ``False``
    activates it at once.
    """

    __slots__ = (
        "_by_key",
        "_fall",
        "_feeds",
        "_rise",
        "_trail_index",
        "_trail_mark",
        "_trail_quote",
        "_trail_trade",
        "moves",
        "reject_in_market",
        "state",
    )

    def __init__(self, *, reject_in_market: bool = True, state: MarketState | None = None) -> None:
        self.reject_in_market = reject_in_market
        self.state = MarketState() if state is None else state
        self._by_key: dict[Hashable, TriggerEntry] = {}
        self._rise = tuple(_Ladder() for _ in range(_STREAMS))
        self._fall = tuple(_Ladder() for _ in range(_STREAMS))
        self._trail_quote: list[TriggerEntry] = []
        self._trail_trade: list[TriggerEntry] = []
        self._trail_mark: list[TriggerEntry] = []
        self._trail_index: list[TriggerEntry] = []
        # how many entries each feed drives: quotes, trades, marks, indexes
        self._feeds = [0, 0, 0, 0]
        self.moves: list[TriggerEntry] = []

    # -- contents ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[TriggerEntry]:
        return iter(tuple(self._by_key.values()))

    def entry(self, key: Hashable) -> TriggerEntry | None:
        """The entry under ``key``, or ``None``."""
        return self._by_key.get(key)

    @property
    def needs_quotes(self) -> int:
        """How many entries quotes drive (0: quotes are not needed)."""
        return self._feeds[0]

    @property
    def needs_trades(self) -> int:
        """How many entries trades drive."""
        return self._feeds[1]

    @property
    def needs_marks(self) -> int:
        """How many entries mark prices drive."""
        return self._feeds[2]

    @property
    def needs_indexes(self) -> int:
        """How many entries index prices drive."""
        return self._feeds[3]

    # -- orders --------------------------------------------------------------------------------
    def add(
        self,
        key: Hashable,
        *,
        side: OrderSide,
        order_type: OrderType,
        trigger_type: TriggerType,
        trigger: int | None = None,
        trailing: TrailingState | None = None,
        seq: int = 0,
        arrival: bool = True,
    ) -> Arm:
        """Hold an order. A plain order needs ``trigger`` (raw); a trailing one a
        :class:`~lyra.emulator.TrailingState` (which holds its trigger and limit).

        With ``arrival`` (a new order) the market decides at once: a trailing order that can
        activate is activated here (see the class docs), and :attr:`Arm.IN_MARKET` says the
        trigger is already reached; the entry is in the book either way, so remove it (to
        refuse the order) or take it (to release it now) with :meth:`remove`. Without
        ``arrival`` (a restored order) nothing is evaluated: ``WAIT``.
        """
        if key in self._by_key:
            raise InvalidInput("key", "is already in the book", key)
        otype = OrderType(order_type)
        buy = side == OrderSide.BUY
        direction = trigger_direction(side, otype)
        tt = _normal(trigger_type)
        if otype in _TRAILING:
            if trailing is None:
                raise InvalidInput("trailing", f"is required for {otype.name} orders", None)
            if trailing.buy != buy:
                raise InvalidInput("trailing", "must be for the order's side", trailing.side)
        elif trailing is not None:
            raise InvalidInput("trailing", f"is not allowed on {otype.name} orders", trailing)
        elif trigger is None:
            raise InvalidInput("trigger", f"is required for {otype.name} orders", None)
        e = TriggerEntry()
        e.key = key
        e.seq = seq
        e.side = OrderSide.BUY if buy else OrderSide.SELL
        e.order_type = otype
        e.trigger_type = tt
        e.direction = direction
        e.feeds = _feeds(tt)
        e.ref_kind = _ref_kind(tt, buy)
        e.trailing = trailing
        e.live = True
        e._trigger = trigger
        e._ladders = ()
        arm = Arm.WAIT
        if trailing is not None:
            if arrival:
                arm = self._arm_trailing(e)
        elif arrival and self._fires_now(e):
            arm = Arm.IN_MARKET
        self._by_key[key] = e
        self._index(e)
        return arm

    def remove(self, key: Hashable) -> TriggerEntry | None:
        """Take the entry under ``key`` out of the book; ``None`` if it is not there."""
        e = self._by_key.pop(key, None)
        if e is None:
            return None
        self._unindex(e)
        return e

    def update(
        self,
        key: Hashable,
        *,
        trigger: int | None = None,
        price: int | None = None,
        arrival: bool = True,
    ) -> Arm:
        """Change an entry's raw trigger (and a trailing stop-limit's limit ``price``), as a
        modify would; returns :attr:`Arm.IN_MARKET` when the new trigger is already reached
        (the entry stays in the book; see :meth:`add`)."""
        e = self._by_key.get(key)
        if e is None:
            raise InvalidInput("key", "is not in the book", key)
        self._unindex(e)
        t = e.trailing
        if t is None:
            if trigger is not None:
                e._trigger = trigger
        else:
            if trigger is not None:
                t.trigger = trigger
            if price is not None:
                t.price = price
        self._by_key[key] = e
        self._index(e)
        if not arrival:
            return Arm.WAIT
        if t is None:
            return Arm.IN_MARKET if self._fires_now(e) else Arm.WAIT
        ref = self._trailing_reference(e)
        return Arm.IN_MARKET if ref is not None and t.fires(ref) else Arm.WAIT

    # -- market data ---------------------------------------------------------------------------
    def on_quote(self, bid: int, ask: int) -> Sequence[TriggerEntry]:
        """A new best bid and ask (raw): the entries it fired, in arrival order."""
        st = self.state
        st.bid = bid
        st.ask = ask
        if not self._feeds[0]:
            return _NOTHING
        fired: list[TriggerEntry] | None = None
        b2 = bid + bid
        a2 = ask + ask
        rise = self._rise
        fall = self._fall
        # bid: a rise fires sell touches, a fall sell stops
        lad = rise[_S_BID]
        if lad.keys and lad.keys[0] <= b2:
            fired = _take_rise(lad, b2, fired)
        lad = fall[_S_BID]
        if lad.keys and lad.keys[-1] >= b2:
            fired = _take_fall(lad, b2, fired)
        lad = rise[_S_ASK]
        if lad.keys and lad.keys[0] <= a2:
            fired = _take_rise(lad, a2, fired)
        lad = fall[_S_ASK]
        if lad.keys and lad.keys[-1] >= a2:
            fired = _take_fall(lad, a2, fired)
        m2 = bid + ask
        lad = rise[_S_MID]
        if lad.keys and lad.keys[0] <= m2:
            fired = _take_rise(lad, m2, fired)
        lad = fall[_S_MID]
        if lad.keys and lad.keys[-1] >= m2:
            fired = _take_fall(lad, m2, fired)
        lad = rise[_S_DBA]
        if lad.keys:
            r = b2 if b2 < a2 else a2
            if lad.keys[0] <= r:
                fired = _take_rise(lad, r, fired)
        lad = fall[_S_DBA]
        if lad.keys:
            r = a2 if a2 > b2 else b2
            if lad.keys[-1] >= r:
                fired = _take_fall(lad, r, fired)
        if self._trail_quote:
            fired = self._trail(self._trail_quote, fired)
        return self._finish(fired)

    def on_trade(self, price: int) -> Sequence[TriggerEntry]:
        """A new trade at raw ``price``: the entries it fired, in arrival order."""
        st = self.state
        prev = st.last
        st.prev_last = prev
        st.last = price
        if not self._feeds[1]:
            return _NOTHING
        fired: list[TriggerEntry] | None = None
        p2 = price + price
        lad = self._rise[_S_LAST]
        if lad.keys and lad.keys[0] <= p2:
            fired = _take_rise(lad, p2, fired)
        lad = self._fall[_S_LAST]
        if lad.keys and lad.keys[-1] >= p2:
            fired = _take_fall(lad, p2, fired)
        if prev is not None:
            q2 = prev + prev
            lad = self._rise[_S_DLAST]
            if lad.keys:
                r = p2 if p2 < q2 else q2
                if lad.keys[0] <= r:
                    fired = _take_rise(lad, r, fired)
            lad = self._fall[_S_DLAST]
            if lad.keys:
                r = p2 if p2 > q2 else q2
                if lad.keys[-1] >= r:
                    fired = _take_fall(lad, r, fired)
        if self._trail_trade:
            fired = self._trail(self._trail_trade, fired)
        return self._finish(fired)

    def on_mark(self, price: int) -> Sequence[TriggerEntry]:
        """A new mark price (raw): the entries it fired, in arrival order."""
        self.state.mark = price
        if not self._feeds[2]:
            return _NOTHING
        return self._single(_S_MARK, price + price, self._trail_mark)

    def on_index(self, price: int) -> Sequence[TriggerEntry]:
        """A new index price (raw): the entries it fired, in arrival order."""
        self.state.index = price
        if not self._feeds[3]:
            return _NOTHING
        return self._single(_S_INDEX, price + price, self._trail_index)

    # -- internals -----------------------------------------------------------------------------
    def _single(self, stream: int, r: int, trailing: list[TriggerEntry]) -> Sequence[TriggerEntry]:
        fired: list[TriggerEntry] | None = None
        lad = self._rise[stream]
        if lad.keys and lad.keys[0] <= r:
            fired = _take_rise(lad, r, fired)
        lad = self._fall[stream]
        if lad.keys and lad.keys[-1] >= r:
            fired = _take_fall(lad, r, fired)
        if trailing:
            fired = self._trail(trailing, fired)
        return self._finish(fired)

    def _finish(self, fired: list[TriggerEntry] | None) -> Sequence[TriggerEntry]:
        if fired is None:
            return _NOTHING
        by_key = self._by_key
        for e in fired:
            e.live = False
            del by_key[e.key]
            self._drop(e)
        if len(fired) > 1:
            fired.sort(key=_seq_of)
        return fired

    def _drop(self, e: TriggerEntry) -> None:
        """Forget a fired entry: its other ladder (LAST_OR_BID_ASK), its trailing lists, its
        feed counts."""
        ladders = e._ladders
        if len(ladders) > 1:
            key = 2 * (e._trigger or 0)
            for lad in ladders:
                if any(x is e for x in lad.entries):
                    lad.remove(key, e)
        e._ladders = ()
        if e.trailing is not None:
            self._trail_lists_remove(e)
        self._count(e, -1)

    def _trail(
        self, entries: list[TriggerEntry], fired: list[TriggerEntry] | None
    ) -> list[TriggerEntry] | None:
        refs = _trailing_refs(self.state)
        moves = self.moves
        for e in entries:
            if not e.live:
                continue
            ref = refs[e.ref_kind]
            if ref is None:
                continue
            t = e.trailing
            assert t is not None
            moved, fire = t.step(ref)
            if moved:
                moves.append(e)
            if fire:
                e.live = False
                if fired is None:
                    fired = [e]
                else:
                    fired.append(e)
        return fired

    def _trailing_reference(self, e: TriggerEntry) -> int | None:
        return reference_x2(self.state, e.trigger_type, e.side, e.direction)

    def _arm_trailing(self, e: TriggerEntry) -> Arm:
        t = e.trailing
        assert t is not None
        ref = self._trailing_reference(e)
        if ref is None:
            return Arm.WAIT
        if (
            not t.activated
            and t.activation is not None
            and self.reject_in_market
            and t.touches_activation(ref)
        ):
            return Arm.IN_MARKET
        _, fire = t.step(ref)
        return Arm.IN_MARKET if fire else Arm.WAIT

    def _fires_now(self, e: TriggerEntry) -> bool:
        trig = e._trigger
        assert trig is not None
        ref = reference_x2(self.state, e.trigger_type, e.side, e.direction)
        if ref is None:
            return False
        return ref >= 2 * trig if e.direction is Direction.RISE else ref <= 2 * trig

    def _index(self, e: TriggerEntry) -> None:
        e.live = True
        if e.trailing is not None:
            feeds = e.feeds
            if feeds & _QUOTES:
                self._trail_quote.append(e)
            if feeds & _TRADES:
                self._trail_trade.append(e)
            if feeds & _MARKS:
                self._trail_mark.append(e)
            if feeds & _INDEXES:
                self._trail_index.append(e)
        else:
            trig = e._trigger
            assert trig is not None
            side = self._rise if e.direction is Direction.RISE else self._fall
            ladders = tuple(side[s] for s in _streams(e.trigger_type, e.side == OrderSide.BUY))
            for lad in ladders:
                lad.insert(2 * trig, e)
            e._ladders = ladders
        self._count(e, 1)

    def _unindex(self, e: TriggerEntry) -> None:
        e.live = False
        if e.trailing is not None:
            self._trail_lists_remove(e)
        else:
            key = 2 * (e._trigger or 0)
            for lad in e._ladders:
                lad.remove(key, e)
            e._ladders = ()
        self._count(e, -1)

    def _trail_lists_remove(self, e: TriggerEntry) -> None:
        for lst in (self._trail_quote, self._trail_trade, self._trail_mark, self._trail_index):
            for i, x in enumerate(lst):
                if x is e:
                    del lst[i]
                    break

    def _count(self, e: TriggerEntry, delta: int) -> None:
        feeds = e.feeds
        counts = self._feeds
        if feeds & _QUOTES:
            counts[0] += delta
        if feeds & _TRADES:
            counts[1] += delta
        if feeds & _MARKS:
            counts[2] += delta
        if feeds & _INDEXES:
            counts[3] += delta

    def __repr__(self) -> str:
        return f"TriggerBook({len(self._by_key)} orders, {self.state!r})"


def _seq_of(e: TriggerEntry) -> int:
    return e.seq


def _take_rise(lad: _Ladder, r: int, fired: list[TriggerEntry] | None) -> list[TriggerEntry] | None:
    """Cut the entries with key <= r from the front of a RISE ladder."""
    keys = lad.keys
    j = bisect_right(keys, r)
    got = lad.entries[:j]
    del keys[:j]
    del lad.entries[:j]
    if fired is None:
        return got
    fired.extend(got)
    return fired


def _take_fall(lad: _Ladder, r: int, fired: list[TriggerEntry] | None) -> list[TriggerEntry] | None:
    """Cut the entries with key >= r from the back of a FALL ladder."""
    keys = lad.keys
    i = bisect_left(keys, r)
    got = lad.entries[i:]
    del keys[i:]
    del lad.entries[i:]
    if fired is None:
        return got
    fired.extend(got)
    return fired
