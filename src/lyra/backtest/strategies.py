"""Reference strategies: the ones ``lyra demo``, the benchmarks and the examples run.

They are plain objects, not subclasses of anything: each is given a bus, a clock and the
``Venue`` objects it trades on, subscribes to what it needs in :meth:`start` (also called
as ``on_start`` by :class:`~lyra.backtest.Backtest`) and sends orders through the venues. So
each runs unchanged against a live adapter. Read them as templates for your own.

* :class:`EmaCross` -- the benchmark's trend follower: EMA(fast) and EMA(slow) of the mid,
  long when fast > slow, short when below; one market order per change of target.
* :class:`MarketMaker` -- quotes both sides one tick outside the touch every ``every``-th
  quote (cancel, then replace), skewing the quotes against its inventory.
* :class:`CrossVenueArbitrage` -- buys on the venue whose ask is below the other's bid by
  more than a threshold and sells on the other, while flat.
* :class:`BarBreakout` -- on a close above the highest high of the last ``lookback`` bars,
  enters with a bracket (stop-loss and take-profit) order.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lyra import topics
from lyra.model.enums import OrderSide, TimeInForce
from lyra.orders.factory import OrderFactory

if TYPE_CHECKING:
    from lyra.bus import EventBus
    from lyra.clock import Clock
    from lyra.model.data import Bar, QuoteTick
    from lyra.model.instruments import Instrument
    from lyra.model.values import Quantity
    from lyra.orders.order import Order
    from lyra.venue.protocol import Venue

__all__ = ("BarBreakout", "CrossVenueArbitrage", "EmaCross", "MarketMaker")


class EmaCross:
    """EMA(``fast``) / EMA(``slow``) crossover on the mid price of ``instrument``.

    The EMAs use ``alpha = 2 / (period + 1)`` and start at the first mid; signals start once
    ``slow`` mids are in. Target +1 when fast > slow, -1 when fast < slow (ties: no change);
    each change of target sends one market order: ``quantity`` from flat, twice that to
    flip. Float arithmetic on the mid, as the shared benchmark's reference does.
    """

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        venue: Venue,
        instrument: Instrument,
        quantity: Quantity,
        fast: int = 10,
        slow: int = 50,
        strategy_id: str = "EMA-001",
    ) -> None:
        self.strategy_id = strategy_id
        self._bus = bus
        self._venue = venue
        self._iid = instrument.id
        self._orders = OrderFactory(strategy_id, clock=clock)
        self._one = quantity
        self._two = quantity * 2
        self._af = 2.0 / (fast + 1.0)
        self._as = 2.0 / (slow + 1.0)
        self._slow = slow
        self._fast_ema = 0.0
        self._slow_ema = 0.0
        self._count = 0
        self.target = 0
        self.orders_sent = 0

    def start(self) -> None:
        """Subscribe to the instrument's quotes."""
        self._venue.subscribe_quotes(self._iid)
        self._bus.subscribe(topics.quotes(self._iid), self.on_quote)

    on_start = start

    def on_quote(self, quote: QuoteTick) -> None:
        """Update the EMAs; trade on a change of sign."""
        mid = (quote.bid_price.raw + quote.ask_price.raw) * 5e-10
        if self._count == 0:
            self._fast_ema = self._slow_ema = mid
        self._fast_ema += self._af * (mid - self._fast_ema)
        self._slow_ema += self._as * (mid - self._slow_ema)
        self._count += 1
        if self._count < self._slow:
            return
        if self._fast_ema > self._slow_ema:
            if self.target != 1:
                self._send(OrderSide.BUY)
                self.target = 1
        elif self._fast_ema < self._slow_ema and self.target != -1:
            self._send(OrderSide.SELL)
            self.target = -1

    def _send(self, side: OrderSide) -> None:
        qty = self._one if self.target == 0 else self._two
        self.orders_sent += 1
        self._venue.submit_order(self._orders.market(self._iid, side, qty))


class MarketMaker:
    """Two-sided quotes one tick outside the touch, refreshed every ``every``-th quote.

    On each refresh it cancels its resting bid and ask (if still open), then posts post-only
    GTC limits of ``quantity`` at best bid - 1 tick and best ask + 1 tick, both shifted
    down by ``skew_ticks_per_unit`` ticks per ``quantity`` of long inventory (up when
    short), so fills pull the inventory back towards flat. With ``skew_ticks_per_unit=0``
    this is the shared benchmark's market maker.
    """

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        venue: Venue,
        instrument: Instrument,
        quantity: Quantity,
        every: int = 10,
        skew_ticks_per_unit: float = 0.0,
        max_inventory_units: int = 0,
        strategy_id: str = "MM-001",
    ) -> None:
        self.strategy_id = strategy_id
        self._bus = bus
        self._venue = venue
        self._inst = instrument
        self._iid = instrument.id
        self._orders = OrderFactory(strategy_id, clock=clock)
        self._qty = quantity
        self._unit = Decimal(str(quantity))
        self._every = every
        self._skew = skew_ticks_per_unit
        self._max_units = max_inventory_units
        self._tick = instrument.price_increment
        self._count = 0
        self._bid: Order | None = None
        self._ask: Order | None = None
        self._inventory = Decimal(0)
        self.orders_sent = 0
        self.cancels_sent = 0

    def start(self) -> None:
        """Subscribe to quotes and to the strategy's own order events (for inventory)."""
        self._venue.subscribe_quotes(self._iid)
        self._bus.subscribe(topics.quotes(self._iid), self.on_quote)
        self._bus.subscribe(topics.order_events(self.strategy_id), self.on_order_event)

    on_start = start

    @property
    def inventory(self) -> Decimal:
        """Net filled quantity: bought minus sold."""
        return self._inventory

    def on_order_event(self, event: Any) -> None:
        """Track inventory from fills."""
        qty = getattr(event, "last_qty", None)
        if qty is not None:
            q = qty.as_decimal()
            self._inventory += q if event.order_side == OrderSide.BUY else -q

    def on_quote(self, quote: QuoteTick) -> None:
        """Every ``every``-th quote: cancel and replace both sides."""
        self._count += 1
        if self._count % self._every:
            return
        venue = self._venue
        for order in (self._bid, self._ask):
            if order is not None and order.is_open and not order.is_pending:
                venue.cancel_order(order)
                self.cancels_sent += 1
        units = float(self._inventory / self._unit) if self._inventory else 0.0
        shift = round(units * self._skew)
        tick = self._tick
        # long: bid further away, ask closer (never inside the touch); short: the reverse
        bid_px = quote.bid_price - tick * max(1 + shift, 0)
        ask_px = quote.ask_price + tick * max(1 - shift, 0)
        make = self._orders.limit
        self._bid = self._ask = None
        if not self._max_units or units < self._max_units:
            self._bid = make(
                self._iid,
                OrderSide.BUY,
                self._qty,
                bid_px,
                time_in_force=TimeInForce.GTC,
                post_only=True,
            )
            venue.submit_order(self._bid)
            self.orders_sent += 1
        if not self._max_units or units > -self._max_units:
            self._ask = make(
                self._iid,
                OrderSide.SELL,
                self._qty,
                ask_px,
                time_in_force=TimeInForce.GTC,
                post_only=True,
            )
            venue.submit_order(self._ask)
            self.orders_sent += 1


class CrossVenueArbitrage:
    """Buy where it is cheap, sell where it is dear: two venues quoting one asset.

    Tracks the last quote of ``instrument_a`` (on ``venue_a``) and ``instrument_b`` (on
    ``venue_b``). While flat, when one venue's ask is below the other's bid by at least
    ``min_edge`` (in price units), it buys ``quantity`` at market on the cheap venue and
    sells ``quantity`` on the dear one; when the gap has closed (the mids cross back), it
    unwinds both legs.
    """

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        venue_a: Venue,
        instrument_a: Instrument,
        venue_b: Venue,
        instrument_b: Instrument,
        quantity: Quantity,
        min_edge: Decimal | str = "0",
        strategy_id: str = "ARB-001",
    ) -> None:
        self.strategy_id = strategy_id
        self._bus = bus
        self._orders = OrderFactory(strategy_id, clock=clock)
        self._a = (venue_a, instrument_a.id)
        self._b = (venue_b, instrument_b.id)
        self._qty = quantity
        self._edge = Decimal(min_edge)
        self._last: dict[str, QuoteTick] = {}
        self._state = 0  # 0 flat, +1 long A short B, -1 long B short A
        self.round_trips = 0

    def start(self) -> None:
        """Subscribe to both instruments' quotes."""
        for venue, iid in (self._a, self._b):
            venue.subscribe_quotes(iid)
            self._bus.subscribe(topics.quotes(iid), self.on_quote)

    on_start = start

    def on_quote(self, quote: QuoteTick) -> None:
        """Compare the two books; open or unwind."""
        self._last[quote.instrument_id] = quote
        qa = self._last.get(self._a[1])
        qb = self._last.get(self._b[1])
        if qa is None or qb is None:
            return
        edge = self._edge
        if self._state == 0:
            if qb.bid_price.as_decimal() - qa.ask_price.as_decimal() > edge:
                self._trade(self._a, OrderSide.BUY)
                self._trade(self._b, OrderSide.SELL)
                self._state = 1
            elif qa.bid_price.as_decimal() - qb.ask_price.as_decimal() > edge:
                self._trade(self._b, OrderSide.BUY)
                self._trade(self._a, OrderSide.SELL)
                self._state = -1
            return
        mid_a = qa.bid_price.raw + qa.ask_price.raw
        mid_b = qb.bid_price.raw + qb.ask_price.raw
        if (self._state == 1 and mid_a >= mid_b) or (self._state == -1 and mid_b >= mid_a):
            long_leg, short_leg = (self._a, self._b) if self._state == 1 else (self._b, self._a)
            self._trade(long_leg, OrderSide.SELL)
            self._trade(short_leg, OrderSide.BUY)
            self._state = 0
            self.round_trips += 1

    def _trade(self, leg: tuple[Venue, Any], side: OrderSide) -> None:
        venue, iid = leg
        venue.submit_order(self._orders.market(iid, side, self._qty))


class BarBreakout:
    """Breakout on bars: a close above the highest high of the previous ``lookback`` bars
    enters long at market with a bracket: a stop-loss ``stop_ticks`` below the close and a
    take-profit ``target_ticks`` above it. One bracket at a time."""

    def __init__(
        self,
        *,
        bus: EventBus,
        clock: Clock,
        venue: Venue,
        instrument: Instrument,
        bar_type: Any,
        quantity: Quantity,
        lookback: int = 20,
        stop_ticks: int = 20,
        target_ticks: int = 40,
        strategy_id: str = "BRK-001",
    ) -> None:
        self.strategy_id = strategy_id
        self._bus = bus
        self._venue = venue
        self._inst = instrument
        self._bar_type = bar_type
        self._orders = OrderFactory(strategy_id, clock=clock)
        self._qty = quantity
        self._highs: deque[Any] = deque(maxlen=lookback)
        self._stop = stop_ticks
        self._target = target_ticks
        self._list: Any = None
        self.entries = 0

    def start(self) -> None:
        """Subscribe to the bars."""
        self._bus.subscribe(topics.bars(str(self._bar_type)), self.on_bar)

    on_start = start

    def on_bar(self, bar: Bar) -> None:
        """Enter on a breakout when no bracket is working."""
        highs = self._highs
        busy = self._list is not None and any(not o.is_closed for o in self._list.orders)
        if len(highs) == highs.maxlen and not busy and bar.close > max(highs):
            tick = self._inst.price_increment
            self._list = self._orders.bracket(
                self._inst.id,
                OrderSide.BUY,
                self._qty,
                stop_loss_trigger_price=bar.close - tick * self._stop,
                take_profit_price=bar.close + tick * self._target,
            )
            self._venue.submit_order_list(self._list)
            self.entries += 1
        highs.append(bar.high)
