"""Backtest/live parity: one strategy object, the same quotes, the same orders and fills.

The strategy runs (a) in a :class:`~lyra.backtest.Backtest` on a ``SimulatedExchange`` fed
a fixed quote sequence and (b) live: the Binance adapter over real sockets to
:class:`~lyra.testing.FakeBinance`, whose own ``SimulatedExchange`` is driven through the
same quotes (each one a ``set_book`` of the top level), paced so that each quote reaches the
strategy, and each order and fill it causes is settled on both sides, before the next one
is sent. What may differ -- timestamps, ids, quote sizes after the strategy's own fills,
message batching -- is explained in docs/explanation/parity.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import anyio

from lyra import topics
from lyra.adapters import Credentials
from lyra.adapters.binance import BinanceSpot
from lyra.backtest import Backtest
from lyra.bus import EventBus
from lyra.clock import Clock, LiveClock
from lyra.model.columnar import QuoteBatch
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, OrderType
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.sim import SimulatedExchange
from lyra.testing import FakeBinance

INSTRUMENT = next(i for i in FakeBinance.default_instruments() if str(i.id) == "BTCUSDT.BINANCE")
BALANCES = ["100000 USDT", "10 BTC"]
SIZE = "3"  # every quote shows 3 BTC a side: more than any order, so fills are whole
# (bid, ask) in order; consecutive quotes always differ in price. On a venue the strategy's
# own resting orders are part of the book it is quoted: so that the live quotes are these,
# a resting order is never strictly inside the spread -- a later quote either leaves it
# behind the touch (at most level with it) or crosses it whole.
QUOTES: list[tuple[str, str]] = [
    ("100.00", "100.02"),
    ("100.01", "100.03"),
    ("100.02", "100.04"),  # 3: buy 0.5 at 99.99
    ("100.00", "100.02"),
    ("99.99", "100.00"),  # 5: sell 0.4 at 100.03
    ("99.96", "99.98"),  # the bid at 99.99 fills; take-profit: sell 0.5 at 100.03
    ("99.94", "99.96"),
    ("99.95", "99.97"),
    ("99.97", "99.99"),  # 9: buy 0.3 at 99.94
    ("100.00", "100.02"),
    ("100.01", "100.03"),
    ("100.04", "100.06"),  # both sells at 100.03 fill
    ("100.01", "100.03"),
    ("99.96", "99.98"),
    ("99.92", "99.94"),  # the bid at 99.94 fills; take-profit: sell 0.3 at 99.98
    ("99.95", "99.97"),
    ("99.99", "100.01"),  # the take-profit at 99.98 fills
    ("99.97", "99.99"),  # 18: buy 0.2 at 99.90 (never fills), sell 0.2 at 100.10
    ("99.96", "99.98"),
    ("99.95", "99.97"),  # 20: cancel what is open
    ("99.97", "99.99"),
]


class ScheduledLimits:
    """Limit orders placed on the k-th quote, take-profits placed on fills.

    Its decisions depend only on the order of events and on prices -- never on the time, on
    quote sizes, or on a quote that repeats the last prices (a venue may publish one when
    only a size changes) -- so the same quotes give the same orders wherever it runs.
    """

    # quote number -> (side, quantity, ticks away from the touch)
    PLAN: ClassVar[dict[int, list[tuple[OrderSide, str, int]]]] = {
        3: [(OrderSide.BUY, "0.5", 3)],
        5: [(OrderSide.SELL, "0.4", 3)],
        9: [(OrderSide.BUY, "0.3", 3)],
        18: [(OrderSide.BUY, "0.2", 7), (OrderSide.SELL, "0.2", 11)],
    }
    CANCEL_AT = 20
    TAKE_PROFIT_TICKS = 4

    def __init__(self, *, bus: EventBus, clock: Clock, venue: Any, instrument: Instrument):
        self.strategy_id = "PARITY-1"
        self._bus = bus
        self._venue = venue
        self._inst = instrument
        self._orders = OrderFactory(self.strategy_id, clock=clock)
        self.last: tuple[Price, Price] | None = None
        self.count = 0
        self.sent: list[Order] = []
        self.fills: list[OrderFilled] = []

    def start(self) -> None:
        self._venue.subscribe_quotes(self._inst.id)
        self._bus.subscribe(topics.quotes(self._inst.id), self.on_quote)
        self._bus.subscribe(topics.order_events(self.strategy_id), self.on_event)

    on_start = start

    def on_quote(self, quote: QuoteTick) -> None:
        prices = (quote.bid_price, quote.ask_price)
        if prices == self.last:
            return
        self.last = prices
        self.count += 1
        tick = self._inst.price_increment
        for side, qty, ticks in self.PLAN.get(self.count, ()):
            touch = quote.bid_price - tick * ticks if side is OrderSide.BUY else None
            price = touch if touch is not None else quote.ask_price + tick * ticks
            self._send(side, Quantity(qty), price)
        if self.count == self.CANCEL_AT:
            for order in self.sent:
                if order.is_open and not order.is_pending:
                    self._venue.cancel_order(order)

    def on_event(self, event: OrderEvent) -> None:
        if not isinstance(event, OrderFilled):
            return
        self.fills.append(event)
        if event.order_side is OrderSide.BUY:
            tp = event.last_px + self._inst.price_increment * self.TAKE_PROFIT_TICKS
            self._send(OrderSide.SELL, event.last_qty, tp)

    def _send(self, side: OrderSide, qty: Quantity, price: Price) -> None:
        order = self._orders.limit(
            self._inst.id, side, self._inst.make_qty(qty), self._inst.make_price(price)
        )
        self.sent.append(order)
        self._venue.submit_order(order)


def _orders(strategy: ScheduledLimits) -> list[tuple[OrderSide, OrderType, Quantity, Any]]:
    return [(o.side, o.order_type, o.quantity, o.price) for o in strategy.sent]


def _fills(strategy: ScheduledLimits) -> list[tuple[int, OrderSide, Price, Quantity]]:
    index = {o.client_order_id: i for i, o in enumerate(strategy.sent)}
    return [(index[f.client_order_id], f.order_side, f.last_px, f.last_qty) for f in strategy.fills]


def _final(strategy: ScheduledLimits) -> list[tuple[str, Quantity]]:
    return [(o.status.name, o.filled_qty) for o in strategy.sent]


# -- (a) the backtest -------------------------------------------------------------------------
def run_backtest() -> ScheduledLimits:
    bt = Backtest(progress=False)
    exchange = SimulatedExchange(
        "BINANCE",
        bus=bt.bus,
        clock=bt.clock,
        instruments=[INSTRUMENT],
        starting_balances=[Money.from_str(b) for b in BALANCES],
    )
    bt.add_exchange(exchange)
    strategy = ScheduledLimits(bus=bt.bus, clock=bt.clock, venue=exchange, instrument=INSTRUMENT)
    bt.add_strategy(strategy)
    t0 = 1_767_225_600_000_000_000
    size = INSTRUMENT.make_qty(SIZE)
    ticks = [
        QuoteTick(INSTRUMENT.id, Price(b), Price(a), size, size, t0 + i * 10**9, t0 + i * 10**9)
        for i, (b, a) in enumerate(QUOTES)
    ]
    bt.add_data(QuoteBatch.from_ticks(ticks))
    bt.run()
    return strategy


# -- (b) live, against the fake ---------------------------------------------------------------
async def _settled(fake: FakeBinance, strategy: ScheduledLimits, bid: str, ask: str) -> None:
    """Wait until the strategy has seen this quote and it agrees with the venue about every
    order: none in flight, each one's filled quantity what the venue filled."""
    want = (Price(bid), Price(ask))
    while True:
        if strategy.last == want and all(_agrees(fake, o) for o in strategy.sent):
            return
        await anyio.sleep(0.002)


def _agrees(fake: FakeBinance, order: Order) -> bool:
    if order.is_pending or order.venue_order_id is None:
        return False
    record = fake.order("parity-key", str(order.client_order_id))
    return record is not None and record.cum_qty == order.filled_qty.as_decimal()


async def _quotes_flowing(fake: FakeBinance, venue: BinanceSpot, bus: EventBus) -> None:
    """Subscribe, and move a warm-up book until a quote arrives: the subscription is live
    (a venue's quote stream sends no snapshot, so a quote sent before would be lost)."""
    seen: list[QuoteTick] = []
    bus.subscribe(topics.quotes(INSTRUMENT.id), seen.append)
    venue.subscribe_quotes(INSTRUMENT.id)  # the strategy's own subscription is counted
    step = 0
    while not seen:
        step += 1
        bid = f"{90 + step % 2}.00"
        fake.set_book(INSTRUMENT.id, bids=[(bid, SIZE)], asks=[("110.00", SIZE)])
        await anyio.sleep(0.01)
    bus.unsubscribe(topics.quotes(INSTRUMENT.id), seen.append)


async def _run_live() -> ScheduledLimits:
    async with FakeBinance() as fake:
        fake.add_account("parity-key", "parity-secret", balances=BALANCES)
        bus = EventBus()
        clock = LiveClock()
        venue = BinanceSpot(
            bus,
            credentials=Credentials("parity-key", "parity-secret"),
            urls=fake.spot_urls,
            clock=clock,
            symbols=["BTCUSDT"],
        )
        async with venue:
            (live_instrument,) = venue.instruments
            strategy = ScheduledLimits(bus=bus, clock=clock, venue=venue, instrument=INSTRUMENT)
            with anyio.fail_after(20):
                await _quotes_flowing(fake, venue, bus)
                strategy.start()
                for bid, ask in QUOTES:
                    fake.set_book(INSTRUMENT.id, bids=[(bid, SIZE)], asks=[(ask, SIZE)])
                    await _settled(fake, strategy, bid, ask)
            assert live_instrument.price_increment == INSTRUMENT.price_increment
            assert live_instrument.size_increment == INSTRUMENT.size_increment
    return strategy


def run_live() -> ScheduledLimits:
    return anyio.run(_run_live, backend="asyncio")


# -- the tests ------------------------------------------------------------------------------
def test_the_backtest_does_what_the_schedule_says() -> None:
    # the quote sequence is meant to exercise resting, filling, take-profits and a cancel:
    # check it does, so that the parity below compares something
    s = run_backtest()
    assert s.count == len(QUOTES)
    assert _orders(s) == [
        (OrderSide.BUY, OrderType.LIMIT, Quantity("0.50000"), Price("99.99")),
        (OrderSide.SELL, OrderType.LIMIT, Quantity("0.40000"), Price("100.03")),
        (OrderSide.SELL, OrderType.LIMIT, Quantity("0.50000"), Price("100.03")),
        (OrderSide.BUY, OrderType.LIMIT, Quantity("0.30000"), Price("99.94")),
        (OrderSide.SELL, OrderType.LIMIT, Quantity("0.30000"), Price("99.98")),
        (OrderSide.BUY, OrderType.LIMIT, Quantity("0.20000"), Price("99.90")),
        (OrderSide.SELL, OrderType.LIMIT, Quantity("0.20000"), Price("100.10")),
    ]
    assert [(i, px, qty) for i, _, px, qty in _fills(s)] == [
        (0, Price("99.99"), Quantity("0.50000")),
        (1, Price("100.03"), Quantity("0.40000")),
        (2, Price("100.03"), Quantity("0.50000")),
        (3, Price("99.94"), Quantity("0.30000")),
        (4, Price("99.98"), Quantity("0.30000")),
    ]
    assert [status for status, _ in _final(s)][-2:] == ["CANCELED", "CANCELED"]


def test_live_against_the_fake_matches_the_backtest() -> None:
    backtest = run_backtest()
    live = run_live()
    assert live.count == backtest.count == len(QUOTES)
    assert _orders(live) == _orders(backtest)
    assert _fills(live) == _fills(backtest)
    assert _final(live) == _final(backtest)
    # fees are the instrument's on both sides: the same commissions, to the cent
    assert [f.commission.as_decimal() for f in live.fills] == [
        f.commission.as_decimal() for f in backtest.fills
    ]
    assert sum((f.last_qty.as_decimal() for f in live.fills), Decimal(0)) > 0
