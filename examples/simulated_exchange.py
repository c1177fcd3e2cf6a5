"""A market maker on a simulated exchange: quotes in, orders out, fills and PnL at the end.

The strategy knows only the ``Venue`` protocol and the bus -- the same code would run on a
live adapter. Every 25 quotes it cancels its bid and ask and re-quotes one tick outside the
market; when a quote crosses one of its orders that order fills. The exchange is fed a whole
``QuoteBatch`` at once: it runs in the Rust engine and stops only at rows that produced an
event, so the strategy's handlers see every fill at the right moment.

Run: ``python examples/simulated_exchange.py``
"""

from __future__ import annotations

import os

import numpy as np

from lyra import topics
from lyra.bus import EventBus
from lyra.model.columnar import QuoteBatch
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled, OrderRejected
from lyra.sim import FeeConfig, LatencyConfig, SimulatedExchange
from lyra.venue import Venue

BTCUSDT = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
T0 = 1_767_225_600_000_000_000
MS = 1_000_000


def synthetic_quotes(n: int, seed: int = 42) -> QuoteBatch:
    """A seeded random walk around 60,000 with a 1-2 tick spread, one quote per ms."""
    rng = np.random.default_rng(seed)
    bid = 6_000_000 + np.cumsum(rng.choice([-3, -1, 0, 0, 1, 3], n))
    return QuoteBatch.from_ticks_arrays(
        bid,
        bid + rng.integers(1, 3, n),
        rng.integers(1, 20, n),
        rng.integers(1, 20, n),
        T0 + np.arange(n, dtype=np.int64) * MS,
        instrument_id=BTCUSDT.id,
        price_increment_raw=BTCUSDT.price_increment.raw,
        size_increment_raw=BTCUSDT.size_increment.raw * 100,  # sizes in 0.1 BTC
    )


class MarketMaker:
    """Re-quotes a bid and an ask one tick outside the market every ``every`` quotes."""

    def __init__(self, venue: Venue, bus: EventBus, every: int = 25) -> None:
        self.venue = venue
        self.every = every
        self.orders = OrderFactory("MM-1", clock=lambda: self.now, epoch=1, id_prefix="mm")
        self.now = T0
        self.seen = 0
        self.working: list[Order] = []
        self.fills: list[OrderFilled] = []
        self.rejected = 0
        bus.subscribe(topics.quotes(BTCUSDT.id), self.on_quote)
        bus.subscribe(topics.order_events("MM-1"), self.on_order_event)
        venue.subscribe_quotes(BTCUSDT.id)

    def on_quote(self, quote: QuoteTick) -> None:
        self.now = quote.ts_event
        self.seen += 1
        if self.seen % self.every:
            return
        for order in self.working:
            if order.is_open and not order.is_pending:
                self.venue.cancel_order(order)
        tick = BTCUSDT.price_increment
        size = Quantity("0.010")
        # post-only: an order the market has moved into by the time it arrives (latency)
        # is rejected instead of taking liquidity
        self.working = [
            self.orders.limit(
                BTCUSDT.id, OrderSide.BUY, size, quote.bid_price - tick, post_only=True
            ),
            self.orders.limit(
                BTCUSDT.id, OrderSide.SELL, size, quote.ask_price + tick, post_only=True
            ),
        ]
        for order in self.working:
            self.venue.submit_order(order)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(event)
        elif isinstance(event, OrderRejected):
            self.rejected += 1


def main() -> None:
    n = 5_000 if os.environ.get("LYRA_EXAMPLE_QUICK") else 200_000
    bus = EventBus()
    exchange = SimulatedExchange(
        "SIM",
        bus=bus,
        instruments=[BTCUSDT],
        starting_balances=[Money("100000", USDT), Money("1", BTC)],
        fees=FeeConfig(maker_fee="-0.0001", taker_fee="0.0005"),  # a maker rebate
        latency=LatencyConfig.uniform(2 * MS),
    )
    mm = MarketMaker(exchange, bus)
    exchange.process(synthetic_quotes(n))
    exchange.advance_time(exchange.now + 10 * MS)

    account = exchange.account
    bought = sum(f.last_qty.as_decimal() for f in mm.fills if f.order_side is OrderSide.BUY)
    sold = sum(f.last_qty.as_decimal() for f in mm.fills if f.order_side is OrderSide.SELL)
    rebates = -sum(f.commission.as_decimal() for f in mm.fills)
    print(
        f"replayed {n:,} quotes; the market maker sent {mm.orders.count:,} post-only orders, "
        f"{mm.rejected:,} rejected because the market had moved into them"
    )
    print(f"fills: {len(mm.fills)} (bought {bought} BTC, sold {sold} BTC), rebates {rebates} USDT")
    print(f"net position: {exchange.net_position(BTCUSDT.id)} BTC")
    for currency in (USDT, BTC):
        balance = account.balance(currency)
        assert balance is not None
        print(f"{currency}: total {balance.total}, locked {balance.locked}, free {balance.free}")


if __name__ == "__main__":
    main()
