"""Paper trading on "Binance" prices: live data over real sockets, fills simulated locally.

``FakeBinance`` serves Binance's REST API and websocket streams on 127.0.0.1; a task plays
"the rest of the market" on it (the book drifts, trades print). The Binance adapter connects
to it exactly as it would to binance.com -- with no API key, since paper trading needs only
market data -- and ``PaperTrading`` feeds every quote and trade the adapter publishes to a
``SimulatedExchange`` running on wall time. The bot sends its orders to ``paper.venue``: they
are matched against the live prices and never reach the venue.

The bot buys a little at the market, then keeps a bid and an ask one tick outside the touch,
requoting every 15 quotes; each paper fill is printed as it happens.

Run: ``python examples/paper_trading_binance.py``
"""

from __future__ import annotations

import os
import random
from decimal import Decimal

import anyio

from lyra import topics
from lyra.adapters.binance import BinanceSpot
from lyra.bus import EventBus
from lyra.clock import LiveClock
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import AggressorSide, OrderSide
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.sim import FeeConfig, LatencyConfig
from lyra.sim.paper import PaperTrading, PaperVenue
from lyra.testing import FakeBinance

ROUNDS = 40 if os.environ.get("LYRA_EXAMPLE_QUICK") else 150
MS = 1_000_000
USDT, BTC = Currency.from_str("USDT"), Currency.from_str("BTC")


def book_around(cents: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Three levels a side around ``cents``, a 2-cent spread."""
    bids = [(f"{(cents - 1 - i) / 100:.2f}", f"{0.4 + i:.2f}") for i in range(3)]
    asks = [(f"{(cents + 1 + i) / 100:.2f}", f"{0.4 + i:.2f}") for i in range(3)]
    return bids, asks


class Bot:
    """Buys at the market once, then quotes one tick outside the touch."""

    def __init__(self, venue: PaperVenue, bus: EventBus, clock: LiveClock, inst: Instrument):
        self.venue = venue
        self.inst = inst
        self.orders = OrderFactory("PAPER-BOT", clock=clock.timestamp_ns, id_prefix="pb")
        self.working: list[Order] = []
        self.fills: list[OrderFilled] = []
        self.seen = 0
        bus.subscribe(topics.quotes(inst.id), self.on_quote)
        bus.subscribe(topics.order_events("PAPER-BOT"), self.on_order_event)

    def start(self) -> None:
        self.venue.subscribe_quotes(self.inst.id)  # the adapter publishes, the bot listens

    def on_quote(self, quote: QuoteTick) -> None:
        self.seen += 1
        if self.seen == 1:
            buy = self.orders.market(self.inst.id, OrderSide.BUY, Quantity("0.02000"))
            self.venue.submit_order(buy)
        if self.seen % 15 != 1:
            return
        for order in self.working:
            if order.is_open and not order.is_pending:
                self.venue.cancel_order(order)
        tick = self.inst.price_increment
        size = Quantity("0.01000")
        self.working = [
            self.orders.limit(self.inst.id, OrderSide.BUY, size, quote.bid_price - tick),
            self.orders.limit(self.inst.id, OrderSide.SELL, size, quote.ask_price + tick),
        ]
        for order in self.working:
            self.venue.submit_order(order)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(event)
            print(
                f"  paper fill: {event.order_side.name:<4} {event.last_qty} BTC at "
                f"{event.last_px} ({event.liquidity_side.name.lower()})"
            )

    def stop(self) -> None:
        self.venue.cancel_all_orders(self.inst.id)
        self.venue.unsubscribe_quotes(self.inst.id)


async def drive_market(fake: FakeBinance, inst: Instrument) -> None:
    """The rest of the market: the book drifts a few cents at a time, and trades print."""
    rng = random.Random(3)
    cents = 60_000_00
    for _ in range(ROUNDS):
        cents += rng.choice((-3, -2, -1, 0, 1, 2, 3))
        bids, asks = book_around(cents)
        fake.set_book(inst.id, bids, asks)
        await anyio.sleep(0.01)
        if rng.random() < 0.3:
            fake.trade(inst.id, asks[0][0], "0.1", AggressorSide.BUYER)
        await anyio.sleep(0.01)


async def main() -> None:
    async with FakeBinance() as fake:
        inst = next(i for i in fake.default_instruments() if str(i.id) == "BTCUSDT.BINANCE")
        fake.set_book(inst.id, *book_around(60_000_00))
        bus = EventBus()
        clock = LiveClock()
        # market data only: no credentials, nothing can be sent to the venue
        source = BinanceSpot(bus, urls=fake.spot_urls, clock=clock, symbols=["BTCUSDT"])
        paper = PaperTrading.create(
            source,
            [inst],
            bus=bus,
            clock=clock,
            starting_balances=[Money("10000", USDT), Money("0.5", BTC)],
            fees=FeeConfig(maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0005")),
            latency=LatencyConfig.uniform(2 * MS),  # on top of the sockets' own delay
        )
        bot = Bot(paper.venue, bus, clock, inst)
        print(f"paper trading {inst.id} on quotes from FakeBinance at {fake.ws_url}")
        async with paper:  # connects the adapter, subscribes it, opens the paper venue
            bot.start()
            await drive_market(fake, inst)
            bot.stop()
            with anyio.fail_after(5):
                while any(not o.is_closed for o in bot.working):
                    await anyio.sleep(0.005)
    print(f"{paper.fed_count} messages fed to the paper exchange, {bot.seen} quotes seen")
    print(f"{len(bot.fills)} paper fills; net position {paper.venue.net_position(inst.id)} BTC")
    account = paper.venue.account
    for currency in (USDT, BTC):
        balance = account.balance(currency)
        assert balance is not None
        print(f"  {currency}: total {balance.total}, free {balance.free}")
    print("orders sent to the venue: none (the adapter had no API key)")
    assert bot.fills, "the market order at least must have filled"


if __name__ == "__main__":
    anyio.run(main)
