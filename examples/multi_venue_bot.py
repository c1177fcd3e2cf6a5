"""One process, four venues: a cross-venue BTC arbitrage bot over real sockets, on localhost.

Four fake venues -- Binance, OKX, Coinbase and Kraken, each a real HTTP + websocket server on
127.0.0.1 speaking that venue's own protocol -- are driven by "the rest of the market": a
shared random walk of the BTC price, each venue quoting around it with its own noise, and
now and then one venue dislocated by 1.5 %. One bot process trades all four at once, with

* one ``EventBus`` every adapter publishes on,
* one ``LiveClock`` every adapter and the bot stamp time with,
* one ``Portfolio`` (a cash account per venue), fed by every venue's fills,
* one ``SqliteStore`` (in a temporary directory) that ``lyra.state`` records everything to:
  every command goes through the state's write-ahead wrapper of its venue.

The bot watches every venue's best bid and ask; when one venue's bid exceeds another
venue's ask by more than both taker fees (plus a margin), it buys on the cheap venue and
sells on the dear one at the same moment, with IOC limit orders at the quoted prices (an
arbitrage leg must never chase the book). USD and USDT are taken as the same dollar.

Run: ``python examples/multi_venue_bot.py``
"""

from __future__ import annotations

import base64
import contextlib
import os
import random
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio

from lyra import topics
from lyra.adapters import Credentials
from lyra.adapters.binance import BinanceSpot
from lyra.adapters.coinbase import CdpKey, CoinbaseVenue
from lyra.adapters.kraken.signing import KrakenCredentials
from lyra.adapters.kraken.venue import KrakenVenue
from lyra.adapters.okx import OkxCredentials, OkxVenue
from lyra.bus import EventBus
from lyra.clock import LiveClock
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, TimeInForce
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import Instrument
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.portfolio import CashAccount, Portfolio
from lyra.state import Recovery, SqliteStore, recover
from lyra.testing import FakeBinance
from lyra.testing.coinbase import FakeCoinbase
from lyra.testing.kraken import FakeKraken
from lyra.testing.okx import FakeOkx

QUICK = bool(os.environ.get("LYRA_EXAMPLE_QUICK"))
STEPS = 40 if QUICK else 120
STEP_S = 0.03
SIZE = "0.05"  # BTC per leg
MARGIN = Decimal("5")  # dollars of profit wanted on top of both taker fees, per BTC
# the Ed25519 test key of Coinbase's own SDK tests: fine for a fake, never for money
CDP_KEY = CdpKey(
    "organizations/test-organization/apiKeys/test-api-key",
    "k0BUni0p0vZG1BdpVjS6ogBJ7kxm630AJ2dN+tuputDOKsRAwgyrpEQLeBtS1znTmzPX6Xr2eOWpzx6nW8knkA==",
)


@dataclass
class Leg:
    """One venue as the bot sees it: the venue to send to (the state's recording wrapper),
    the instrument, and the last quote."""

    name: str
    venue: Any
    instrument: Instrument
    quote: QuoteTick | None = None


class Arbitrage:
    """Buys on the venue with the lowest ask and sells on the venue with the highest bid
    when the gap pays both taker fees; one pair of legs at a time."""

    def __init__(self, bus: EventBus, clock: LiveClock, legs: list[Leg]) -> None:
        self.legs = {leg.instrument.id: leg for leg in legs}
        self.orders = OrderFactory("ARB-1", clock=clock.timestamp_ns, id_prefix="arb")
        self.working: list[Order] = []
        self.sent: dict[str, list[Order]] = {leg.name: [] for leg in legs}
        self.fills: dict[str, list[OrderFilled]] = {leg.name: [] for leg in legs}
        self.opportunities = 0
        self.active = True
        for iid in self.legs:
            bus.subscribe(topics.quotes(iid), self.on_quote)
        bus.subscribe(topics.order_events("ARB-1"), self.on_order)

    def start(self) -> None:
        for leg in self.legs.values():
            leg.venue.subscribe_quotes(leg.instrument.id)

    def on_quote(self, quote: QuoteTick) -> None:
        self.legs[quote.instrument_id].quote = quote
        if not self.active or any(not o.is_closed for o in self.working):
            return  # one pair at a time: wait until both legs are done
        quoted = [leg for leg in self.legs.values() if leg.quote is not None]
        if len(quoted) < 2:
            return
        cheap = min(quoted, key=lambda leg: leg.quote.ask_price.as_decimal())  # type: ignore[union-attr]
        dear = max(quoted, key=lambda leg: leg.quote.bid_price.as_decimal())  # type: ignore[union-attr]
        if cheap is dear:
            return
        assert cheap.quote is not None and dear.quote is not None
        ask, bid = cheap.quote.ask_price.as_decimal(), dear.quote.bid_price.as_decimal()
        fees = ask * cheap.instrument.taker_fee + bid * dear.instrument.taker_fee
        if bid - ask <= fees + MARGIN:
            return
        self.opportunities += 1
        print(f"  edge {bid - ask:8.2f}: buy {cheap.name} @ {ask}, sell {dear.name} @ {bid}")
        # the quotes are already a little old (each venue's by a different delay): let each
        # leg go up to a quarter of the spare edge through the quote, still at a profit
        slack = ((bid - ask - fees - MARGIN) / 4).quantize(Decimal("1"))
        self.working = [
            self._ioc(cheap, OrderSide.BUY, ask + slack),
            self._ioc(dear, OrderSide.SELL, bid - slack),
        ]

    def _ioc(self, leg: Leg, side: OrderSide, price: Decimal) -> Order:
        inst = leg.instrument
        order = self.orders.limit(
            inst.id,
            side,
            inst.make_qty(SIZE),
            inst.make_price(price),
            time_in_force=TimeInForce.IOC,
        )
        leg.venue.submit_order(order)
        self.sent[leg.name].append(order)
        return order

    def on_order(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            leg = self.legs[event.instrument_id]
            self.fills[leg.name].append(event)


async def drive_market(fakes: dict[str, Any], ids: dict[str, InstrumentId]) -> None:
    """The rest of the market: every venue quotes around one random walk; sometimes one
    venue lags the others by 1.5 %, and the next step puts it back in line."""
    rng = random.Random(11)
    fair = 60_000.0
    odd, lag = "", 1.0
    for step in range(STEPS):
        fair += rng.choice((-20.0, -10.0, 0.0, 10.0, 20.0))
        if step % 5 == 2:  # a dislocation lasts two steps (60 ms)
            odd, lag = rng.choice(list(fakes)), rng.choice((1.015, 0.985))
        elif step % 5 == 4:
            odd = ""
        for name, fake in fakes.items():
            mid = fair + rng.uniform(-3, 3)
            if name == odd:
                mid *= lag
            mid = round(mid)
            fake.set_book(
                ids[name],
                bids=[(f"{mid - 1}", "0.5"), (f"{mid - 2}", "2")],
                asks=[(f"{mid + 1}", "0.5"), (f"{mid + 2}", "2")],
            )
        await anyio.sleep(STEP_S)


async def main() -> None:
    bus = EventBus()
    clock = LiveClock()
    folder = tempfile.TemporaryDirectory()
    async with contextlib.AsyncExitStack() as stack:
        # -- the venues: four fake servers on 127.0.0.1 ------------------------------------
        binance = await stack.enter_async_context(FakeBinance())
        # spot only: the fake opens every market it runs with the balances given
        okx_spot = [i for i in FakeOkx.default_instruments() if i.id == "BTC-USDT.OKX"]
        okx = await stack.enter_async_context(FakeOkx(okx_spot))
        coinbase = await stack.enter_async_context(FakeCoinbase())
        kraken = await stack.enter_async_context(FakeKraken())
        kraken_secret = base64.b64encode(b"kraken-demo-secret").decode()
        binance.add_account("bn-key", "bn-secret", balances=["100000 USDT", "1 BTC"])
        okx.add_account("okx-key", "okx-secret", "okx-pass", balances=["100000 USDT", "1 BTC"])
        coinbase.add_account(CDP_KEY, balances=["100000 USD", "1 BTC"])
        kraken.add_account("kr-key", kraken_secret, balances=["100000 USD", "1 BTC"])
        fakes: dict[str, Any] = {
            "binance": binance,
            "okx": okx,
            "coinbase": coinbase,
            "kraken": kraken,
        }
        ids = {
            "binance": InstrumentId("BTCUSDT.BINANCE"),
            "okx": InstrumentId("BTC-USDT.OKX"),
            "coinbase": InstrumentId("BTC-USD.COINBASE"),
            "kraken": InstrumentId("BTC/USD.KRAKEN"),
        }
        for name, fake in fakes.items():
            fake.set_book(ids[name], bids=[("59999", "0.5")], asks=[("60001", "0.5")])

        # -- the adapters: one bus, one clock ----------------------------------------------
        adapters: dict[str, Any] = {
            "binance": BinanceSpot(
                bus,
                credentials=Credentials("bn-key", "bn-secret"),
                urls=binance.spot_urls,
                clock=clock,
                symbols=["BTCUSDT"],
            ),
            "okx": OkxVenue(
                bus,
                credentials=OkxCredentials("okx-key", "okx-secret", "okx-pass"),
                urls=okx.urls,
                clock=clock,
                market="spot",
            ),
            "coinbase": CoinbaseVenue(bus, key=CDP_KEY, urls=coinbase.urls, clock=clock),
            "kraken": KrakenVenue(
                bus,
                credentials=KrakenCredentials("kr-key", kraken_secret),
                urls=kraken.urls,
                clock=clock,
                symbols=["BTC/USD"],
            ),
        }
        for adapter in adapters.values():
            await stack.enter_async_context(adapter)
        instruments = {
            name: next(i for i in adapters[name].instruments if i.id == ids[name])
            for name in adapters
        }

        # -- one portfolio, one store ------------------------------------------------------
        portfolio = Portfolio(instruments=instruments.values())
        for adapter in adapters.values():
            portfolio.add_account(CashAccount(adapter.account_id, []), venue=adapter.venue)
        db = Path(folder.name) / "state.db"
        state: Recovery = await recover(
            SqliteStore(db),
            bus,
            venues=list(adapters.values()),
            instruments=instruments.values(),
            portfolio=portfolio,
            clock=clock,
        )
        print(f"4 venues connected; state in {db.name}, balances taken from each venue")

        # -- the bot trades through the recording wrappers ---------------------------------
        legs = [Leg(n, state.venue(adapters[n]), instruments[n]) for n in adapters]
        bot = Arbitrage(bus, clock, legs)
        bot.start()
        await drive_market(fakes, ids)
        bot.active = False
        with anyio.fail_after(5):
            while any(not o.is_closed for o in bot.working):
                await anyio.sleep(0.01)
        await state.recorder.aflush()
        state.recorder.close()
        state.recorder.store.close()

    legs_sent = sum(len(o) for o in bot.sent.values())
    legs_filled = sum(len(f) for f in bot.fills.values())
    print(
        f"{bot.opportunities} opportunities taken: {legs_filled} of {legs_sent} IOC legs filled "
        "(a leg misses when the book moved further than its limit before the order arrived)"
    )
    for name, fills in bot.fills.items():
        bought = sum(f.last_qty.as_decimal() for f in fills if f.order_side is OrderSide.BUY)
        sold = sum(f.last_qty.as_decimal() for f in fills if f.order_side is OrderSide.SELL)
        print(
            f"  {name:<9} {len(fills)} fills of {len(bot.sent[name])} orders: "
            f"bought {bought} BTC, sold {sold} BTC"
        )
    print("portfolio (one cash account per venue):")
    total_coin = total_cash = Decimal(0)
    for name, inst in instruments.items():
        account = portfolio.account(adapters[name].account_id)
        assert account is not None and inst.base_currency is not None
        cash = account.balance_total(inst.quote_currency)
        coin = account.balance_total(inst.base_currency)
        assert cash is not None and coin is not None
        total_coin += coin.as_decimal()
        total_cash += cash.as_decimal()
        print(f"  {name:<9} {coin}  {cash}  net {portfolio.net_position(inst.id)}")
    print(f"  all venues: {total_coin:.4f} BTC and {total_cash:,.2f} dollars (started 4 / 400,000)")
    store = SqliteStore(db)
    saved = store.load()
    store.close()
    folder.cleanup()
    print(f"store holds {len(saved.orders)} orders")
    assert sum(len(f) for f in bot.fills.values()) > 0, "the bot must have traded"


if __name__ == "__main__":
    anyio.run(main)
