"""A reference trigger model written the obvious way, for the property tests.

One list of orders; on every market update every order is evaluated from scratch with the
rules of ``lyra.emulator.triggers`` and ``lyra.emulator.trailing`` as written in their docs,
in exact fractions (no doubling, no ladders, no per-stream bookkeeping).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from lyra.model.enums import OrderSide, OrderType, TrailingOffsetType, TriggerType
from lyra.model.values import FIXED_SCALAR

STOPS = {
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.TRAILING_STOP_MARKET,
    OrderType.TRAILING_STOP_LIMIT,
}
TRAILING = {OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT}
_T = TriggerType
FEEDS = {
    _T.DEFAULT: {"quote"},
    _T.BID_ASK: {"quote"},
    _T.MID_POINT: {"quote"},
    _T.DOUBLE_BID_ASK: {"quote"},
    _T.LAST_PRICE: {"trade"},
    _T.DOUBLE_LAST: {"trade"},
    _T.LAST_OR_BID_ASK: {"quote", "trade"},
    _T.MARK_PRICE: {"mark"},
    _T.INDEX_PRICE: {"index"},
}
"""Which market updates each trigger type reads."""


@dataclass
class RefOrder:
    key: int
    seq: int
    side: OrderSide
    otype: OrderType
    tt: TriggerType
    trigger: int | None = None
    # trailing
    unit: TrailingOffsetType | None = None
    offset: Decimal | None = None
    limit_offset: Decimal | None = None
    activation: int | None = None
    tick: int = 1
    price: int | None = None
    activated: bool = False

    @property
    def buy(self) -> bool:
        return self.side is OrderSide.BUY

    @property
    def rises(self) -> bool:
        """Fires when the reference is at or above the trigger."""
        stop = self.otype in STOPS
        return self.buy == stop


@dataclass
class RefBook:
    reject_in_market: bool = True
    bid: int | None = None
    ask: int | None = None
    last: int | None = None
    prev_last: int | None = None
    mark: int | None = None
    index: int | None = None
    orders: list[RefOrder] = field(default_factory=list)

    # -- the rules, spelled out ----------------------------------------------------------------
    def reference(self, o: RefOrder) -> Fraction | None:
        tt = o.tt
        if tt in (TriggerType.DEFAULT, TriggerType.BID_ASK):
            v = self.ask if o.buy else self.bid
            return None if v is None else Fraction(v)
        if tt is TriggerType.LAST_PRICE:
            return None if self.last is None else Fraction(self.last)
        if tt is TriggerType.MID_POINT:
            if self.bid is None or self.ask is None:
                return None
            return Fraction(self.bid + self.ask, 2)
        if tt is TriggerType.MARK_PRICE:
            return None if self.mark is None else Fraction(self.mark)
        if tt is TriggerType.INDEX_PRICE:
            return None if self.index is None else Fraction(self.index)
        if tt is TriggerType.DOUBLE_BID_ASK:
            if self.bid is None or self.ask is None:
                return None
            both = (self.bid, self.ask)
            # both must be through: a rise is confirmed by the lower, a fall by the higher
            return Fraction(min(both) if o.rises else max(both))
        if tt is TriggerType.DOUBLE_LAST:
            if self.last is None or self.prev_last is None:
                return None
            both = (self.prev_last, self.last)
            return Fraction(min(both) if o.rises else max(both))
        assert tt is TriggerType.LAST_OR_BID_ASK
        quote = self.ask if o.buy else self.bid
        known = [v for v in (self.last, quote) if v is not None]
        if not known:
            return None
        # either one through fires: a rise by the higher, a fall by the lower
        return Fraction(max(known) if o.rises else min(known))

    def through(self, o: RefOrder, ref: Fraction, trigger: int) -> bool:
        return ref >= trigger if o.rises else ref <= trigger

    def offset(self, o: RefOrder, ref: Fraction, value: Decimal) -> int:
        tick = o.tick
        if o.unit is TrailingOffsetType.TICKS:
            return int(value) * tick
        if o.unit is TrailingOffsetType.PRICE:
            return math.floor(Fraction(value) * FIXED_SCALAR / tick) * tick
        return math.floor(abs(ref) * Fraction(value) / 10_000 / tick) * tick

    def away(self, o: RefOrder, ref: Fraction, off: int) -> int:
        if o.buy:
            return math.ceil((ref + off) / o.tick) * o.tick
        return math.floor((ref - off) / o.tick) * o.tick

    def trail(self, o: RefOrder, ref: Fraction) -> tuple[bool, bool]:
        """(moved, fires) -- activation, ratchet in the order's favour, fire check."""
        if not o.activated:
            if o.activation is not None and (ref > o.activation if o.buy else ref < o.activation):
                return False, False
            o.activated = True
        assert o.offset is not None
        moved = False
        cand = self.away(o, ref, self.offset(o, ref, o.offset))
        if o.trigger is None or (cand < o.trigger if o.buy else cand > o.trigger):
            o.trigger = cand
            moved = True
        if o.limit_offset is not None:
            lim = self.away(o, ref, self.offset(o, ref, o.limit_offset))
            if o.price is None or (lim < o.price if o.buy else lim > o.price):
                o.price = lim
                moved = True
        assert o.trigger is not None
        return moved, (ref >= o.trigger if o.buy else ref <= o.trigger)

    # -- operations ----------------------------------------------------------------------------
    def add(self, o: RefOrder) -> bool:
        """Add an order; ``True`` when it is already in the market (it is kept)."""
        self.orders.append(o)
        ref = self.reference(o)
        if ref is None:
            return False
        if o.otype in TRAILING:
            if (
                o.activation is not None
                and self.reject_in_market
                and (ref <= o.activation if o.buy else ref >= o.activation)
            ):
                return True
            return self.trail(o, ref)[1]
        assert o.trigger is not None
        return self.through(o, ref, o.trigger)

    def remove(self, key: int) -> None:
        self.orders = [o for o in self.orders if o.key != key]

    def evaluate(self, feed: str) -> tuple[list[int], list[int]]:
        """Every order against the current market: (fired keys by arrival, moved keys). A
        trailing order follows the market only on an update of a feed its trigger type
        reads (so a modify that loosens its trigger holds until then)."""
        fired: list[RefOrder] = []
        moved: list[int] = []
        for o in sorted(self.orders, key=lambda o: o.seq):
            ref = self.reference(o)
            if ref is None:
                continue
            if o.otype in TRAILING:
                if feed not in FEEDS[o.tt]:
                    continue
                m, f = self.trail(o, ref)
                if m:
                    moved.append(o.key)
                if f:
                    fired.append(o)
            elif o.trigger is not None and self.through(o, ref, o.trigger):
                fired.append(o)
        for o in fired:
            self.orders.remove(o)
        return [o.key for o in fired], moved

    def quote(self, bid: int, ask: int) -> tuple[list[int], list[int]]:
        self.bid, self.ask = bid, ask
        return self.evaluate("quote")

    def trade(self, price: int) -> tuple[list[int], list[int]]:
        self.prev_last, self.last = self.last, price
        return self.evaluate("trade")

    def mark_price(self, price: int) -> tuple[list[int], list[int]]:
        self.mark = price
        return self.evaluate("mark")

    def index_price(self, price: int) -> tuple[list[int], list[int]]:
        self.index = price
        return self.evaluate("index")
