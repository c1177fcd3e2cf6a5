"""Paper trading (lyra.sim.paper): live data from a source drives a SimulatedExchange on a
LiveClock; orders sent to the paper venue fill against those prices.

The source is a fake with the data half of the Venue protocol: it counts subscriptions and
publishes a quote, trade or book message on the bus when the test says so (only while
subscribed, like a real venue), stamped a few ms in the past as a venue's clock would be.
Waits are short polls with a generous guard; no test asserts how long anything took.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import TracebackType
from typing import Any

import anyio
import pytest

from lyra import topics
from lyra.bus import EventBus, HandlerError
from lyra.clock import LiveClock
from lyra.errors import InvalidInput, NotSupported
from lyra.model.currency import Currency
from lyra.model.data import BookDelta, BookDeltas, BookOrder, QuoteTick, TradeTick
from lyra.model.enums import (
    AggressorSide,
    BookAction,
    BookType,
    OrderSide,
    OrderStatus,
    RecordFlag,
    TimeInForce,
)
from lyra.model.identifiers import InstrumentId, TradeId, Venue
from lyra.model.instruments import CurrencyPair, Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderExpired, OrderFactory, OrderFilled
from lyra.sim import LatencyConfig, SimulatedExchange
from lyra.sim.paper import FEED_PRIORITY, MarketDataSource, PaperTrading, PaperVenue
from lyra.venue import ConnectionStatus, SubscriptionSet, VenueCapabilities, VenueStatus
from lyra.venue.testing import CONFORMANCE_CHECKS, ConformanceCheck, ConformanceScenario

MS = 1_000_000
GUARD_S = 30.0  # only a hung session would reach it (generous: CI machines are busy)
LAG_NS = 3 * MS  # the fake venue's clock runs behind ours, as network delay makes it look

BTC = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.001")
ETH = CurrencyPair.simple("ETHUSDT.BINANCE", price_increment="0.01", size_increment="0.001")
USDT = Currency.from_str("USDT")
BALANCES = (Money("1000000", USDT), Money("10", Currency.from_str("BTC")))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeSource:
    """The data half of a Venue, scripted by the test."""

    def __init__(
        self,
        bus: EventBus,
        clock: LiveClock,
        *,
        trades: bool = True,
        book: bool = True,
        opening_quote: tuple[str, str] | None = None,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.opening_quote = opening_quote  # published on the first quote subscription
        self.subs: SubscriptionSet[tuple[str, InstrumentId]] = SubscriptionSet()
        self.depths: list[int | None] = []
        self.connected = False
        self.connects = 0
        self._caps = VenueCapabilities(quotes=True, trades=trades, book=book)
        self._trade_ids = 0

    @property
    def venue(self) -> Venue:
        return Venue("BINANCE")

    @property
    def capabilities(self) -> VenueCapabilities:
        return self._caps

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self.subs.add(("quotes", instrument_id))
        if self.opening_quote is not None and instrument_id == BTC.id:
            self.quote(*self.opening_quote, "5", "5")

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self.subs.remove(("quotes", instrument_id))

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        if not self._caps.trades:
            raise NotSupported("no trades", venue=self.venue)
        self.subs.add(("trades", instrument_id))

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        self.subs.remove(("trades", instrument_id))

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        self.depths.append(depth)
        self.subs.add(("book", instrument_id))

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        self.subs.remove(("book", instrument_id))

    def subscribe_bars(self, bar_type: Any) -> None:
        raise NotSupported("no bars", venue=self.venue)

    def unsubscribe_bars(self, bar_type: Any) -> None:
        pass

    async def __aenter__(self) -> FakeSource:
        self.connected = True
        self.connects += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.connected = False

    # -- the script ------------------------------------------------------------------------
    def _ts(self) -> int:
        return self.clock.timestamp_ns() - LAG_NS

    def quote(
        self,
        bid: str,
        ask: str,
        bid_size: str = "1",
        ask_size: str = "1",
        instrument: Instrument = BTC,
        *,
        force: bool = False,
    ) -> None:
        if not force and ("quotes", instrument.id) not in self.subs:
            return
        ts = self._ts()
        p, s = instrument.make_price, instrument.make_qty
        q = QuoteTick(instrument.id, p(bid), p(ask), s(bid_size), s(ask_size), ts, ts + LAG_NS)
        self.bus.publish(topics.quotes(instrument.id), q)

    def trade(self, price: str, size: str, aggressor: AggressorSide) -> None:
        if ("trades", BTC.id) not in self.subs:
            return
        self._trade_ids += 1
        ts = self._ts()
        t = TradeTick(
            BTC.id,
            BTC.make_price(price),
            BTC.make_qty(size),
            aggressor,
            TradeId(f"T{self._trade_ids}"),
            ts,
            ts + LAG_NS,
        )
        self.bus.publish(topics.trades(BTC.id), t)

    def book(self, *levels: tuple[OrderSide, str, str], snapshot: bool = False) -> None:
        if ("book", BTC.id) not in self.subs:
            return
        ts = self._ts()
        deltas: list[BookDelta] = []
        if snapshot:
            deltas.append(BookDelta(BTC.id, BookAction.CLEAR, None, ts, ts))
        for i, (side, price, size) in enumerate(levels):
            action = BookAction.UPDATE if Decimal(size) else BookAction.DELETE
            order = BookOrder(side, BTC.make_price(price), BTC.make_qty(size), 0)
            flags = RecordFlag.F_LAST if i == len(levels) - 1 else 0
            deltas.append(BookDelta(BTC.id, action, order, ts, ts, flags=flags))
        self.bus.publish(topics.book_deltas(BTC.id), BookDeltas(BTC.id, deltas))


class Recorder:
    """What the bus carried: order events of the strategy, quotes, bus errors, statuses."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Any] = []
        self.errors: list[HandlerError] = []
        self.statuses: list[VenueStatus] = []
        bus.subscribe(topics.order_events("S-1"), self.events.append)
        bus.subscribe(topics.BUS_ERRORS, self.errors.append)
        bus.subscribe(topics.venue_status("BINANCE"), self.statuses.append)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


async def until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(GUARD_S):
        while not condition():
            await anyio.sleep(0.002)


def setup(**kwargs: Any) -> tuple[PaperTrading, FakeSource, EventBus, LiveClock, Recorder]:
    bus = EventBus()
    clock = LiveClock()
    source = FakeSource(bus, clock, **kwargs.pop("source_kwargs", {}))
    rec = Recorder(bus)
    kwargs.setdefault("starting_balances", BALANCES)
    paper = PaperTrading.create(
        source, kwargs.pop("instruments", [BTC]), bus=bus, clock=clock, **kwargs
    )
    return paper, source, bus, clock, rec


def orders(clock: LiveClock) -> OrderFactory:
    return OrderFactory("S-1", clock=clock.timestamp_ns, id_prefix="s")


def buy_limit(clock: LiveClock, price: str, qty: str = "0.5", **kwargs: Any) -> Order:
    return orders(clock).limit(BTC.id, OrderSide.BUY, Quantity(qty), Price(price), **kwargs)


# -- matching against live prices ------------------------------------------------------------
@pytest.mark.anyio
async def test_a_limit_order_fills_when_live_quotes_cross_it_and_not_before() -> None:
    paper, source, _, clock, rec = setup()
    async with paper:
        source.quote("100", "101")
        order = buy_limit(clock, "99")
        paper.venue.submit_order(order)
        await until(lambda: order.status is OrderStatus.ACCEPTED)
        for bid, ask in (("99.50", "100"), ("98", "99.01"), ("99", "100.5")):
            source.quote(bid, ask)
            assert order.status is OrderStatus.ACCEPTED, (bid, ask)
        source.quote("98", "99")  # the ask reaches our bid
        assert order.status is OrderStatus.FILLED  # during the quote's publish
        [fill] = rec.of(OrderFilled)
        assert fill.last_px == Price("99.00")
        assert fill.last_qty == Quantity("0.500")
    assert paper.venue.net_position(BTC.id) == Decimal("0.5")
    assert not rec.errors


@pytest.mark.anyio
async def test_a_market_order_fills_at_the_live_touch() -> None:
    paper, source, _, clock, rec = setup()
    async with paper:
        source.quote("100", "101.25", ask_size="2")
        order = orders(clock).market(BTC.id, OrderSide.BUY, Quantity("0.5"))
        paper.venue.submit_order(order)
        await until(lambda: order.is_closed)
    [fill] = rec.of(OrderFilled)
    assert fill.last_px == Price("101.25")
    assert order.status is OrderStatus.FILLED
    usdt = paper.venue.account.balance(USDT)
    assert usdt is not None and usdt.total == Money("999949.375", USDT)
    assert not rec.errors


@pytest.mark.anyio
async def test_latency_is_simulated_on_top_of_live_data() -> None:
    # The market moves while the order is in flight: it fills at the touch it arrives at.
    paper, source, _, clock, rec = setup(latency=LatencyConfig.uniform(200 * MS))
    async with paper:
        source.quote("100", "101")
        sent = clock.timestamp_ns()
        order = orders(clock).market(BTC.id, OrderSide.BUY, Quantity("0.5"))
        paper.venue.submit_order(order)
        source.quote("102", "103")
        assert order.status is OrderStatus.SUBMITTED
        await until(lambda: order.is_closed)
    [fill] = rec.of(OrderFilled)
    assert fill.last_px == Price("103")
    assert fill.ts_event >= sent + 200 * MS
    assert not rec.errors


@pytest.mark.anyio
async def test_fills_are_published_before_the_strategy_sees_the_quote() -> None:
    paper, source, bus, clock, rec = setup()
    seen: list[Any] = []
    bus.subscribe(topics.quotes(BTC.id), seen.append)
    bus.subscribe(topics.order_events("S-1"), seen.append)
    async with paper:
        paper.venue.subscribe_quotes(BTC.id)
        source.quote("100", "101")
        order = buy_limit(clock, "99")
        paper.venue.submit_order(order)
        await until(lambda: order.status is OrderStatus.ACCEPTED)
        seen.clear()
        source.quote("97", "98")
    assert [type(e) for e in seen] == [OrderFilled, QuoteTick]
    assert not rec.errors


# -- what is fed, and only once --------------------------------------------------------------
@pytest.mark.anyio
async def test_data_of_instruments_not_traded_is_ignored() -> None:
    bus = EventBus()
    clock = LiveClock()
    source = FakeSource(bus, clock)
    rec = Recorder(bus)
    exchange = SimulatedExchange(
        "BINANCE", bus=bus, clock=clock, instruments=[BTC, ETH], starting_balances=BALANCES
    )
    paper = PaperTrading(source, exchange, instruments=[BTC.id])
    assert paper.instrument_ids == (BTC.id,)
    async with paper:
        assert set(source.subs) == {("quotes", BTC.id), ("trades", BTC.id)}
        source.quote("2000", "2001", instrument=ETH, force=True)  # published all the same
        assert paper.fed_count == 0
        assert exchange.best_bid(ETH.id) is None
        source.quote("100", "101")
        assert paper.fed_count == 1
        with pytest.raises(NotSupported):
            paper.venue.subscribe_quotes(ETH.id)
    assert not rec.errors


@pytest.mark.anyio
async def test_a_strategy_subscribed_through_the_paper_venue_gets_each_quote_once() -> None:
    paper, source, bus, _, rec = setup()
    got: list[QuoteTick] = []
    bus.subscribe(topics.quotes(BTC.id), got.append)
    async with paper:
        paper.venue.subscribe_quotes(BTC.id)
        # passed on to the source, counted with the exchange's own feed
        assert source.subs.count(("quotes", BTC.id)) == 2
        for i in range(5):
            source.quote(str(100 + i), str(101 + i))
        assert [q.bid_price for q in got] == [Price(str(100 + i)) for i in range(5)]
        assert paper.fed_count == 5
        assert got[0].ts_event == got[0].ts_init - LAG_NS  # the source's message, untouched
        paper.venue.unsubscribe_quotes(BTC.id)
        assert source.subs.count(("quotes", BTC.id)) == 1
    assert not rec.errors


@pytest.mark.anyio
async def test_the_exchange_never_feeds_itself_even_when_subscribed_directly() -> None:
    # Misuse: subscribing through the exchange makes it re-publish on the source's topic;
    # the feed must not take that copy back (it would recurse without end).
    paper, source, bus, _, rec = setup()
    got: list[QuoteTick] = []
    bus.subscribe(topics.quotes(BTC.id), got.append)
    async with paper:
        paper.exchange.subscribe_quotes(BTC.id)
        source.quote("100", "101")
        source.quote("100.5", "101")
        assert paper.fed_count == 2
        assert len(got) == 4  # the source's two and the exchange's two copies
    assert not rec.errors


@pytest.mark.anyio
async def test_book_deltas_and_trades_feed_an_l2_exchange() -> None:
    paper, source, _, clock, rec = setup(book_type=BookType.L2_MBP, book_depth=10)
    assert paper.feeds == frozenset({"book", "trades"})
    async with paper:
        assert source.depths == [10]
        source.book((OrderSide.BUY, "100", "1"), (OrderSide.SELL, "101", "1"), snapshot=True)
        assert paper.exchange.best_ask(BTC.id) == (Price("101.00"), Quantity("1.000"))
        order = buy_limit(clock, "100.50")
        paper.venue.submit_order(order)
        await until(lambda: order.status is OrderStatus.ACCEPTED)
        source.trade("100.9", "0.1", AggressorSide.BUYER)
        assert not order.is_closed  # a trade above our bid does not fill it
        source.book((OrderSide.SELL, "100.40", "2"))  # an ask through our bid
        assert order.status is OrderStatus.FILLED
        [fill] = rec.of(OrderFilled)
        assert fill.last_px <= Price("100.50")
        assert paper.fed_count == 3  # snapshot, trade, delta
    assert not rec.errors


# -- time without data -------------------------------------------------------------------------
@pytest.mark.anyio
async def test_a_gtd_order_expires_by_wall_time_without_data() -> None:
    # the periodic settle is far off: the expiry alert alone must do it
    paper, source, _, clock, rec = setup(settle_interval_ns=60_000 * MS)
    async with paper:
        source.quote("100", "101")
        expire = clock.timestamp_ns() + 60 * MS
        order = buy_limit(clock, "99", time_in_force=TimeInForce.GTD, expire_time_ns=expire)
        paper.venue.submit_order(order)
        await until(lambda: order.is_closed)
    assert order.status is OrderStatus.EXPIRED
    [expired] = rec.of(OrderExpired)
    assert expired.ts_event >= expire
    assert not rec.errors


@pytest.mark.anyio
async def test_latency_elapses_without_data() -> None:
    paper, _, _, clock, rec = setup(
        latency=LatencyConfig(submit_ns=40 * MS, cancel_ns=30 * MS),
        settle_interval_ns=60_000 * MS,
    )
    async with paper:
        sent = clock.timestamp_ns()
        order = buy_limit(clock, "99")
        paper.venue.submit_order(order)
        assert order.status is OrderStatus.SUBMITTED
        await until(lambda: order.status is OrderStatus.ACCEPTED)
        assert order.ts_accepted is not None and order.ts_accepted >= sent + 40 * MS
        paper.venue.cancel_order(order)
        await until(lambda: order.status is OrderStatus.CANCELED)
    assert paper.fed_count == 0
    assert not rec.errors


@pytest.mark.anyio
async def test_the_periodic_settle_answers_commands_sent_to_the_exchange_directly() -> None:
    paper, _, _, clock, rec = setup(settle_interval_ns=10 * MS)
    async with paper:
        order = buy_limit(clock, "99")
        paper.exchange.submit_order(order)  # no wake armed for it
        await until(lambda: order.status is OrderStatus.ACCEPTED)
    assert not rec.errors


# -- lifecycle ---------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_stopping_unsubscribes_disconnects_and_disarms() -> None:
    paper, source, bus, clock, rec = setup()
    before = paper.venue.status
    assert before is ConnectionStatus.DISCONNECTED
    order = buy_limit(clock, "99")
    async with paper:
        assert (paper.is_running, clock.is_running, source.connected) == (True, True, True)
        assert paper.venue.connected
        assert bus.has_subscribers(topics.quotes(BTC.id))
        paper.venue.submit_order(order)
    assert not paper.is_running
    assert not source.connected
    assert list(source.subs) == []
    assert not bus.has_subscribers(topics.quotes(BTC.id))
    assert not bus.has_subscribers(topics.trades(BTC.id))
    assert clock.timer_count == 0
    assert not clock.is_running  # the session started it, so it stopped it
    assert paper.venue.status is ConnectionStatus.DISCONNECTED
    assert [s.status for s in rec.statuses][-1] is ConnectionStatus.DISCONNECTED
    source.quote("90", "91", force=True)
    assert paper.fed_count == 0
    late = buy_limit(clock, "98")
    paper.venue.submit_order(late)
    assert late.status is OrderStatus.DENIED  # the paper venue is closed
    assert not rec.errors


@pytest.mark.anyio
async def test_a_clock_the_application_runs_keeps_running_and_the_source_may_stay_up() -> None:
    paper, source, _, clock, rec = setup(connect_source=False)
    async with clock, source:
        async with paper:
            assert source.connects == 1
            source.quote("100", "101")
            assert paper.fed_count == 1
        assert clock.is_running
        assert source.connected
        assert clock.timer_count == 0
        assert list(source.subs) == []
    assert not rec.errors


@pytest.mark.anyio
async def test_entries_are_counted_and_the_session_can_restart() -> None:
    paper, source, _, _, rec = setup()
    async with paper:
        async with paper.venue:  # a bot entering its venue inside the session
            assert paper.is_running
        assert paper.is_running and paper.venue.connected
        source.quote("100", "101")
    assert [s.status for s in rec.statuses].count(ConnectionStatus.CONNECTED) == 1
    async with paper.venue:
        assert source.connects == 2
        source.quote("100", "101")
    assert paper.fed_count == 2
    assert [s.status for s in rec.statuses][-1] is ConnectionStatus.DISCONNECTED
    assert not rec.errors


@pytest.mark.anyio
async def test_an_added_account_trades_against_the_same_live_prices() -> None:
    paper, source, _, clock, rec = setup()
    other = paper.add_account("BINANCE-PAPER-002", BALANCES)
    assert paper.venue_for("BINANCE-PAPER-002") is other
    assert isinstance(other, PaperVenue)
    async with paper, other:
        source.quote("100", "101")
        order = buy_limit(clock, "100")
        other.submit_order(order)
        await until(lambda: order.status is OrderStatus.ACCEPTED)
        source.quote("99", "100")
        assert order.status is OrderStatus.FILLED
    assert other.net_position(BTC.id) == Decimal("0.5")
    assert paper.venue.net_position(BTC.id) == 0
    assert not rec.errors


@pytest.mark.parametrize("backend", ["trio"])
def test_it_runs_on_trio_too(backend: str) -> None:
    async def main() -> None:
        paper, source, _, clock, rec = setup(latency=LatencyConfig.uniform(5 * MS))
        async with paper:
            source.quote("100", "101")
            order = buy_limit(clock, "99")
            paper.venue.submit_order(order)
            await until(lambda: order.status is OrderStatus.ACCEPTED)
            source.quote("98", "99")
            assert order.status is OrderStatus.FILLED
        assert list(source.subs) == [] and not rec.errors

    anyio.run(main, backend=backend)


# -- construction ------------------------------------------------------------------------------
def test_it_checks_what_it_is_given() -> None:
    bus = EventBus()
    clock = LiveClock()
    source = FakeSource(bus, clock)
    assert isinstance(source, MarketDataSource)
    other_name = CurrencyPair.simple("BTCUSDT.OTHER", price_increment="0.01")
    with pytest.raises(InvalidInput, match="named like the source"):
        PaperTrading(
            source, SimulatedExchange("OTHER", bus=bus, clock=clock, instruments=[other_name])
        )
    with pytest.raises(InvalidInput, match="LiveClock"):
        PaperTrading(source, SimulatedExchange("BINANCE", bus=bus, instruments=[BTC]))
    exchange = SimulatedExchange("BINANCE", bus=bus, clock=clock, instruments=[BTC])
    with pytest.raises(InvalidInput, match="bus"):
        PaperTrading(source, exchange, bus=EventBus())
    with pytest.raises(InvalidInput, match="not traded"):
        PaperTrading(source, exchange, instruments=[ETH.id])
    with pytest.raises(InvalidInput, match="'book' needs"):
        PaperTrading(source, exchange, feeds=["book"])
    with pytest.raises(InvalidInput, match="feeds"):
        PaperTrading(source, exchange, feeds=["bars"])
    with pytest.raises(InvalidInput, match="settle_interval_ns"):
        PaperTrading(source, exchange, settle_interval_ns=0)
    with pytest.raises(InvalidInput, match="source"):
        PaperTrading(object(), exchange)  # type: ignore[arg-type]
    no_trades = FakeSource(bus, clock, trades=False)
    assert PaperTrading(no_trades, exchange).feeds == frozenset({"quotes"})
    with pytest.raises(NotSupported):
        PaperTrading(no_trades, exchange, feeds=["quotes", "trades"])
    paper = PaperTrading(source, exchange)
    assert paper.feeds == frozenset({"quotes", "trades"})
    assert paper.venue.capabilities.book and not paper.venue.capabilities.bars
    assert paper.exchange is exchange and paper.clock is clock and paper.source is source
    assert FEED_PRIORITY > 0


def test_create_names_the_paper_account_and_starts_closed() -> None:
    paper, _, _, _, _ = setup()
    assert paper.venue.account_id == "BINANCE-PAPER-001"
    assert paper.venue.venue == "BINANCE"
    assert not paper.venue.connected
    assert "stopped" in repr(paper)


# -- the venue contract ------------------------------------------------------------------------
def _scenario() -> ConformanceScenario:
    sources: dict[int, FakeSource] = {}

    def make(bus: EventBus) -> PaperVenue:
        clock = LiveClock()
        # a market to trade against as soon as the source is subscribed
        source = FakeSource(bus, clock, opening_quote=("99", "101"))
        paper = PaperTrading.create(source, [BTC], bus=bus, clock=clock, starting_balances=BALANCES)
        sources[id(paper.venue)] = source
        return paper.venue

    def cross(venue: PaperVenue, order: Order) -> None:
        assert order.price is not None
        source = sources[id(venue)]
        step = Price("1")
        if order.is_buy:
            source.quote(str(order.price - step - step), str(order.price - step), "5", "5")
        else:
            source.quote(str(order.price + step), str(order.price + step + step), "5", "5")

    return ConformanceScenario(
        make_venue=make,
        instrument_id=BTC.id,
        quantity=Quantity("0.5"),
        resting_buy_price=Price("95"),
        resting_sell_price=Price("105"),
        cross=cross,
        modify_price=Price("96"),
        modify_quantity=Quantity("0.4"),
        timeout_s=GUARD_S,
    )


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
async def test_the_paper_venue_conforms(check: ConformanceCheck) -> None:
    await check.run(_scenario())
