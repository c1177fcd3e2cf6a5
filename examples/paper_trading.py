"""Paper trading: a bot trades on live prices, with fills simulated locally.

``PaperTrading`` subscribes a data source to the quotes of the instruments you trade and
feeds every quote to a ``SimulatedExchange`` running on wall time; the bot sends its orders
to ``paper.venue``, which fills them against those prices. Nothing is sent to the venue.

Here the "live" source is ``ReplayFeed``, a stand-in for a venue adapter that replays
generated quotes in real time (one every 5 ms for about 1.5 s). Swap it for a live adapter
-- anything implementing the ``Venue`` protocol, e.g. a Binance adapter connected to a fake
server on localhost -- and nothing else changes: the bot only knows the ``Venue`` it was
given and the bus.

The bot buys a little at the market, then keeps a bid and an ask two ticks outside the
touch, re-quoting every 40 quotes; each fill is printed as it happens.

Run: ``python examples/paper_trading.py``
"""

from __future__ import annotations

from decimal import Decimal
from types import TracebackType

import anyio
import msgspec

from lyra import topics
from lyra.backtest import generate_quotes
from lyra.bus import EventBus
from lyra.clock import LiveClock, TimeEvent
from lyra.errors import NotSupported
from lyra.model.currency import Currency
from lyra.model.data import BarType, QuoteTick
from lyra.model.enums import OrderSide
from lyra.model.identifiers import InstrumentId, Venue
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.sim import FeeConfig, LatencyConfig
from lyra.sim.paper import PaperTrading, PaperVenue
from lyra.venue import SubscriptionSet, VenueCapabilities

BTCUSDT = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.001")
USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
MS = 1_000_000


class ReplayFeed:
    """A stand-in for a live venue's market data: replays quotes in real time on the bus."""

    def __init__(self, bus: EventBus, clock: LiveClock, n: int, every_ns: int) -> None:
        self._bus = bus
        self._clock = clock
        self._every_ns = every_ns
        # a random walk from 60,000.00 with sizes of 0.1 to 1 BTC
        batch = generate_quotes(n, seed=7, instrument=BTCUSDT, start_ticks=6_000_000, lot=100)
        self._quotes = batch.to_ticks()
        self._next = 0
        self._subs: SubscriptionSet[InstrumentId] = SubscriptionSet()
        self.finished = anyio.Event()

    @property
    def venue(self) -> Venue:
        return Venue("BINANCE")

    @property
    def capabilities(self) -> VenueCapabilities:
        return VenueCapabilities(quotes=True, trades=False, book=False)

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._subs.add(instrument_id)

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._subs.remove(instrument_id)

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        raise NotSupported("trades are not replayed", venue=self.venue)

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        pass

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        raise NotSupported("no book is replayed", venue=self.venue)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        pass

    def subscribe_bars(self, bar_type: BarType) -> None:
        raise NotSupported("no bars are replayed", venue=self.venue)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        pass

    async def __aenter__(self) -> ReplayFeed:
        self._clock.set_timer("replay-feed", self._every_ns, callback=self._publish_next)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._clock.cancel_timer("replay-feed")

    def _publish_next(self, event: TimeEvent) -> None:
        if self._next == len(self._quotes):
            self._clock.cancel_timer("replay-feed")
            self.finished.set()
            return
        quote = self._quotes[self._next]
        self._next += 1
        if BTCUSDT.id in self._subs:
            now = self._clock.timestamp_ns()  # as if it had just arrived from the venue
            self._bus.publish(
                topics.quotes(BTCUSDT.id),
                msgspec.structs.replace(quote, ts_event=now, ts_init=now),
            )


class Bot:
    """Buys at the market once, then quotes two ticks outside the touch."""

    def __init__(self, venue: PaperVenue, bus: EventBus, clock: LiveClock) -> None:
        self.venue = venue
        self.orders = OrderFactory("BOT-1", clock=clock.timestamp_ns, id_prefix="bot")
        self.working: list[Order] = []
        self.fills: list[OrderFilled] = []
        self.seen = 0
        bus.subscribe(topics.quotes(BTCUSDT.id), self.on_quote)
        bus.subscribe(topics.order_events("BOT-1"), self.on_order_event)

    def start(self) -> None:
        self.venue.subscribe_quotes(BTCUSDT.id)  # the source publishes, the bot listens

    def on_quote(self, quote: QuoteTick) -> None:
        self.seen += 1
        if self.seen == 1:
            self.venue.submit_order(
                self.orders.market(BTCUSDT.id, OrderSide.BUY, Quantity("0.050"))
            )
        if self.seen % 40 != 1:
            return
        for order in self.working:
            if order.is_open and not order.is_pending:
                self.venue.cancel_order(order)
        two_ticks = BTCUSDT.price_increment * 2
        size = Quantity("0.010")
        self.working = [
            self.orders.limit(BTCUSDT.id, OrderSide.BUY, size, quote.bid_price - two_ticks),
            self.orders.limit(BTCUSDT.id, OrderSide.SELL, size, quote.ask_price + two_ticks),
        ]
        for order in self.working:
            self.venue.submit_order(order)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(event)
            print(
                f"  fill: {event.order_side.name:<4} {event.last_qty} BTC at {event.last_px} "
                f"({event.liquidity_side.name.lower()}, fee {event.commission})"
            )

    def stop(self) -> None:
        self.venue.cancel_all_orders(BTCUSDT.id)
        self.venue.unsubscribe_quotes(BTCUSDT.id)


async def main() -> None:
    bus = EventBus()
    clock = LiveClock()
    source = ReplayFeed(bus, clock, n=300, every_ns=5 * MS)  # about 1.5 s of quotes
    paper = PaperTrading.create(
        source,
        [BTCUSDT],
        bus=bus,
        clock=clock,
        starting_balances=[Money("10000", USDT), Money("0.5", BTC)],
        fees=FeeConfig(maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0005")),
        latency=LatencyConfig.uniform(3 * MS),  # added to the data's own network delay
    )
    bot = Bot(paper.venue, bus, clock)
    print(f"paper trading {BTCUSDT.id} on live quotes from {type(source).__name__}")
    async with paper:
        bot.start()
        with anyio.fail_after(10):
            await source.finished.wait()
        bot.stop()
        await anyio.sleep(0.02)  # let the cancels arrive (their simulated latency)
    account = paper.venue.account
    print(
        f"{paper.fed_count} quotes fed to the paper exchange, {bot.seen} seen by the bot; "
        f"{len(bot.fills)} fills"
    )
    print(f"net position: {paper.venue.net_position(BTCUSDT.id)} BTC")
    for currency in (USDT, BTC):
        balance = account.balance(currency)
        assert balance is not None
        print(f"{currency}: total {balance.total}, free {balance.free}")
    assert bot.fills, "the market order at least must have filled"
    assert paper.fed_count == bot.seen  # each quote once to the exchange, once to the bot


if __name__ == "__main__":
    anyio.run(main)
