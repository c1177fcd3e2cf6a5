"""A market-making bot trading "Binance" over real sockets -- on localhost, no keys, no money.

FakeBinance serves Binance's REST API and websocket streams on 127.0.0.1, backed by Lyra's
simulated exchange. The bot connects with the real Binance adapter (only the URLs differ
from production), syncs the BTCUSDT order book, and keeps a post-only bid and ask one tick
inside the spread; when the book moves it cancels and requotes. Meanwhile "the rest of the
market" (a task driving the fake) drifts the book and trades through it, filling the bot's
quotes now and then. At the end the bot reconciles with the venue and prints what it did.

Run: ``python examples/binance_fake_bot.py``
"""

from __future__ import annotations

import os
import random

import anyio

from lyra import topics
from lyra.adapters import Credentials
from lyra.adapters.binance import BinanceSpot
from lyra.bus import EventBus
from lyra.model import AggressorSide, InstrumentId, OrderSide, OrderStatus, QuoteTick
from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.testing import FakeBinance

BTC = InstrumentId("BTCUSDT.BINANCE")
SIZE = Quantity("0.05000")
ROUNDS = 12 if os.environ.get("LYRA_EXAMPLE_QUICK") else 25


def book_around(mid: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Five levels a side around ``mid`` (in cents), a 10-cent spread."""
    bids = [(f"{(mid - 5 - 10 * i) / 100:.2f}", f"{0.5 + i:.2f}") for i in range(5)]
    asks = [(f"{(mid + 5 + 10 * i) / 100:.2f}", f"{0.5 + i:.2f}") for i in range(5)]
    return bids, asks


class MarketMaker:
    """Quotes inside the market's spread on both sides, and requotes when the market moves.

    "The market" is the synced book without the bot's own quotes: a bot that chased its
    own best price would only ever requote itself.
    """

    def __init__(self, venue: BinanceSpot, bus: EventBus) -> None:
        self.venue = venue
        self.orders = OrderFactory("MM-1", id_prefix="mm")
        self.quotes: dict[OrderSide, Order] = {}
        self.fills: list[OrderFilled] = []
        self.sent = 0
        self.active = True
        bus.subscribe(topics.quotes(BTC), self.on_quote)
        bus.subscribe(topics.order_events("MM-1"), self.on_order)

    def market_top(self, side: int) -> Price | None:
        book = self.venue.book(BTC)
        if book is None:
            return None
        mine = {o.price for o in self.quotes.values() if not o.is_closed}
        for price, _ in book.levels(side, 3):
            if price not in mine:
                return price
        return None

    def on_quote(self, quote: QuoteTick) -> None:
        bid, ask = self.market_top(1), self.market_top(2)
        if not self.active or bid is None or ask is None:
            return
        tick = Price("0.01")
        wanted = {OrderSide.BUY: bid + tick, OrderSide.SELL: ask - tick}
        if wanted[OrderSide.BUY] >= wanted[OrderSide.SELL]:
            return  # too narrow to improve on
        for side, price in wanted.items():
            live = self.quotes.get(side)
            if live is not None and not live.is_closed:
                if live.status is OrderStatus.ACCEPTED and live.price != price:
                    self.venue.cancel_order(live)  # requote once it is gone
                continue
            order = self.orders.limit(BTC, side, SIZE, price, post_only=True)
            self.quotes[side] = order
            self.venue.submit_order(order)
            self.sent += 1

    def on_order(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(event)
            print(f"  filled {event.order_side.name:4} {event.last_qty} @ {event.last_px}")


async def drive_market(fake: FakeBinance, rng: random.Random) -> None:
    """The rest of the market: the book drifts, and trades go through it."""
    mid = 60_000_00
    for _ in range(ROUNDS):
        mid += rng.choice((-20, -10, 0, 10, 20))
        bids, asks = book_around(mid)
        fake.set_book(BTC, bids, asks)
        await anyio.sleep(0.03)
        if rng.random() < 0.5:  # someone sells through the best bid (and our quote)
            fake.trade(BTC, bids[0][0], "0.2", AggressorSide.SELLER)
        else:  # someone buys through the best ask
            fake.trade(BTC, asks[0][0], "0.2", AggressorSide.BUYER)
        await anyio.sleep(0.03)


async def main() -> None:
    async with FakeBinance() as fake:
        fake.add_account("demo-key", "demo-secret", balances=["100000 USDT", "2 BTC"])
        fake.set_book(BTC, *book_around(60_000_00))
        print(f"FakeBinance listening on {fake.http_url} and {fake.ws_url}")

        bus = EventBus()
        venue = BinanceSpot(
            bus,
            credentials=Credentials("demo-key", "demo-secret"),
            urls=fake.spot_urls,  # the only difference from trading on binance.com
            symbols=["BTCUSDT"],
        )
        bot = MarketMaker(venue, bus)
        async with venue:
            print(f"connected: {len(venue.instruments)} instrument(s), status {venue.status.name}")
            venue.subscribe_book(BTC)
            venue.subscribe_quotes(BTC)
            await drive_market(fake, random.Random(7))
            bot.active = False
            venue.cancel_all_orders(BTC)
            with anyio.fail_after(5):
                while any(not o.is_closed for o in bot.quotes.values()):
                    await anyio.sleep(0.01)
            report = await venue.reconcile(0, [BTC])
            synced = venue.book(BTC)
            assert synced is not None
            same = synced.as_decimal_levels() == fake.book(BTC)
        bought = sum(f.last_qty.as_decimal() for f in bot.fills if f.order_side is OrderSide.BUY)
        sold = sum(f.last_qty.as_decimal() for f in bot.fills if f.order_side is OrderSide.SELL)
        print(f"orders sent {bot.sent}, fills {len(bot.fills)}: bought {bought} BTC, sold {sold}")
        print("balances at the venue: " + ", ".join(
            f"{b.total}" for b in report.balances if b.currency.code in ("BTC", "USDT")
        ))  # fmt: skip
        print(f"local book equals the venue's book: {same}; status {venue.status.name}")


if __name__ == "__main__":
    anyio.run(main)
