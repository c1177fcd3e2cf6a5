"""Paper trading: live market data from any venue, simulated fills from a
:class:`~lyra.sim.SimulatedExchange`.

:class:`PaperTrading` listens to the market data a *source* publishes -- a live adapter, or
anything with the data half of the :class:`~lyra.venue.Venue` protocol
(:class:`MarketDataSource`) -- and feeds every message to a simulated exchange running on a
:class:`~lyra.clock.LiveClock`. A strategy sends its orders to :attr:`PaperTrading.venue`, a
:class:`PaperVenue`: they match against live prices and nothing is sent to the real venue.

How the pieces fit (the choices a user relies on):

* **Same instrument ids.** The paper exchange carries the source's venue name and trades
  the source's instrument ids (``BTCUSDT.BINANCE``), so a strategy's code, topics and
  orders are the same as live. Only the venue *object* differs: orders sent to
  :attr:`PaperTrading.venue` are simulated, orders sent to the source are real.
* **One publisher per data topic.** Market data is published by the source only.
  :meth:`PaperVenue.subscribe_quotes` (and trades, book, bars) passes the subscription on
  to the source, which publishes on the usual :mod:`lyra.topics` topic; the paper exchange
  itself is never subscribed, so it never re-publishes what it is fed. A strategy therefore
  gets each message exactly once, and the exchange's feed cannot loop back into itself
  (a message published *while* the exchange is being fed -- e.g. by someone who
  subscribed through :attr:`PaperTrading.exchange` directly -- is not fed again).
* **Fills before the data.** The feed listens at bus priority :data:`FEED_PRIORITY`, above
  ordinary subscribers, so the fills a message causes are published before a strategy
  sees the message, as on a :class:`~lyra.sim.SimulatedExchange` in a backtest.
* **Wall time.** Each message is fed stamped with the paper clock's time on arrival
  (``ts_event`` replaced; the strategy still sees the source's message unchanged), so the
  exchange's time is local wall time: simulated latency is added *on top of* the real
  network delay of the data, and fills carry local times. Between messages the exchange
  is moved to wall time by a repeating timer (every ``settle_interval_ns``) and by alerts
  armed for the moment each command sent through a :class:`PaperVenue` arrives (its
  latency) and each GTD order expires, so acknowledgements and expiries happen on time
  even when no data comes.

Lifecycle: ``async with paper:`` (or ``async with paper.venue:``; entries are counted, so
a bot that enters its venue inside works unchanged) runs the clock's scheduler if it is not
running yet, connects the source (``connect_source=True``), subscribes the source to the
data the exchange needs, arms the timers and opens the paper venue (``CONNECTED``); leaving
undoes each of these in reverse. Nested entries must be left in the same task, innermost
first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from decimal import Decimal
from heapq import heappop, heappush
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, cast, runtime_checkable

import msgspec.structs

import lyra.model.identifiers as identifiers
from lyra import topics
from lyra.bus import EventBus
from lyra.clock import LiveClock, TimeEvent
from lyra.errors import InvalidInput, NotSupported
from lyra.model.data import BarType, BookDelta, BookDeltas, QuoteTick, TradeTick
from lyra.model.enums import AccountType, BookType, OrderSide, TimeInForce
from lyra.model.identifiers import AccountId, InstrumentId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.portfolio.account import Account
from lyra.sim.config import FeeConfig, FillConfig, LatencyConfig, QueueModel
from lyra.sim.exchange import SimulatedExchange, SimulatedVenue
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.events import ConnectionStatus
from lyra.venue.reports import ReconciliationReport
from lyra.venue.unset import UNSET, Unset

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lyra.risk.engine import RiskEngine
    from lyra.venue.protocol import Venue

__all__ = (
    "DEFAULT_SETTLE_INTERVAL_NS",
    "FEED_PRIORITY",
    "FEEDS",
    "MarketDataSource",
    "PaperTrading",
    "PaperVenue",
)

FEED_PRIORITY: Final = 500_000
"""Bus priority of the paper exchange's feed: above ordinary subscribers (0), so the fills
a message causes are published before a strategy sees it."""

DEFAULT_SETTLE_INTERVAL_NS: Final = 50_000_000
"""How often (ns) the paper exchange is moved to wall time when nothing else moves it."""

FEEDS: Final = frozenset({"quotes", "trades", "book"})
"""The data kinds a paper exchange can be fed."""

_GTD: Final = TimeInForce.GTD
_names = itertools.count(1)  # unique timer names per process, for clocks shared by sessions


@runtime_checkable
class MarketDataSource(Protocol):
    """The data half of the :class:`~lyra.venue.Venue` protocol: what paper trading needs
    from its source. Every ``Venue`` is one; a test double need implement only this (and
    ``async with``, when :class:`PaperTrading` is to connect it)."""

    @property
    def venue(self) -> identifiers.Venue:
        """The venue's name: the ``VENUE`` of its instrument ids."""
        ...

    @property
    def capabilities(self) -> VenueCapabilities:
        """What the source supports (only its data fields are used)."""
        ...

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Publish ``QuoteTick`` on :func:`lyra.topics.quotes` of the instrument."""
        ...

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_quotes`."""
        ...

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Publish ``TradeTick`` on :func:`lyra.topics.trades` of the instrument."""
        ...

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_trades`."""
        ...

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Publish ``BookDeltas`` on :func:`lyra.topics.book_deltas` of the instrument."""
        ...

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_book`."""
        ...

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Publish the venue's own bars on :func:`lyra.topics.bars`."""
        ...

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Undo one :meth:`subscribe_bars`."""
        ...


class PaperVenue:
    """The :class:`~lyra.venue.Venue` a strategy trades on paper with.

    Order commands go to the paper exchange (one account of it: :attr:`account_id`); data
    subscriptions go to the source, which publishes the data (see the module docs).
    ``async with`` starts the :class:`PaperTrading` session it belongs to, if it is not
    running, and opens this account (``CONNECTED``); leaving closes it again.
    """

    __slots__ = ("_cancel_ns", "_entered", "_modify_ns", "_paper", "_sim", "_submit_ns")

    def __init__(self, paper: PaperTrading, sim: SimulatedVenue) -> None:
        self._paper = paper
        self._sim = sim
        self._entered = 0
        lat = paper._exchange.config.latency
        # an answer is due at most this long after its command (the jitter's upper end)
        self._submit_ns = lat.submit_ns + lat.jitter_ns
        self._modify_ns = lat.modify_ns + lat.jitter_ns
        self._cancel_ns = lat.cancel_ns + lat.jitter_ns

    # -- identity ----------------------------------------------------------------------------
    @property
    def venue(self) -> identifiers.Venue:
        """The venue's name: the source's (the paper venue trades the same instrument ids)."""
        return self._sim.venue

    @property
    def account_id(self) -> AccountId:
        """The paper account this venue object trades in."""
        return self._sim.account_id

    @property
    def account(self) -> Account:
        """The paper account itself: balances and locks as the paper exchange keeps them."""
        return self._sim.account

    @property
    def exchange(self) -> SimulatedExchange:
        """The simulated exchange that fills this venue's orders."""
        return self._paper._exchange

    @property
    def capabilities(self) -> VenueCapabilities:
        """The simulated exchange's order capabilities with the source's data capabilities."""
        return self._paper._capabilities

    @property
    def status(self) -> ConnectionStatus:
        """The paper account's status: CONNECTED inside ``async with``."""
        return self._sim.status

    @property
    def connected(self) -> bool:
        """Whether :attr:`status` is CONNECTED (orders are refused otherwise)."""
        return self._sim.connected

    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        """This paper account's signed net position in ``instrument_id`` (long positive)."""
        return self._sim.net_position(instrument_id)

    # -- order commands ----------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """Send ``order`` to the paper exchange (see :meth:`lyra.venue.Venue.submit_order`)."""
        paper = self._paper
        now = paper._clock_now()
        self._sim.submit_order(order)
        if paper._running:
            paper._wake(now + self._submit_ns)
            if order.time_in_force is _GTD and order.expire_time_ns:
                paper._wake(order.expire_time_ns)

    def submit_order_list(self, order_list: OrderList) -> None:
        """Send a list for the paper exchange to enforce natively (OCO, OUO, OTO, brackets)."""
        paper = self._paper
        now = paper._clock_now()
        self._sim.submit_order_list(order_list)
        if paper._running:
            paper._wake(now + self._submit_ns)
            for order in order_list:
                if order.time_in_force is _GTD and order.expire_time_ns:
                    paper._wake(order.expire_time_ns)

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """Change a working order (see :meth:`lyra.venue.Venue.modify_order`)."""
        paper = self._paper
        now = paper._clock_now()
        self._sim.modify_order(order, quantity, price, trigger_price)
        if paper._running:
            paper._wake(now + self._modify_ns)

    def cancel_order(self, order: Order) -> None:
        """Cancel a working order (see :meth:`lyra.venue.Venue.cancel_order`)."""
        paper = self._paper
        now = paper._clock_now()
        self._sim.cancel_order(order)
        if paper._running:
            paper._wake(now + self._cancel_ns)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        """Cancel every working order of ``instrument_id`` (and ``side``) in this account."""
        paper = self._paper
        now = paper._clock_now()
        self._sim.cancel_all_orders(instrument_id, side)
        if paper._running:
            paper._wake(now + self._cancel_ns)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        """Track orders restored after a restart (the paper exchange does not know them, so
        it answers their cancels and modifies UNKNOWN_ORDER)."""
        self._sim.adopt_orders(orders)

    # -- market data: passed on to the source ------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Have the source publish quotes of a traded instrument (counted at the source)."""
        self._paper._source.subscribe_quotes(self._paper._traded("quotes", instrument_id))

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_quotes`."""
        self._paper._source.unsubscribe_quotes(InstrumentId(instrument_id))

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Have the source publish trades of a traded instrument (counted at the source)."""
        self._paper._source.subscribe_trades(self._paper._traded("trades", instrument_id))

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_trades`."""
        self._paper._source.unsubscribe_trades(InstrumentId(instrument_id))

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Have the source publish book deltas of a traded instrument (counted there)."""
        self._paper._source.subscribe_book(self._paper._traded("book", instrument_id), depth)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_book`."""
        self._paper._source.unsubscribe_book(InstrumentId(instrument_id))

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Have the source publish its own bars of a traded instrument."""
        self._paper._traded("bars", bar_type.instrument_id)
        reason = self.capabilities.supports_bars(bar_type)
        if reason is not None:
            raise NotSupported(reason, venue=self.venue)
        self._paper._source.subscribe_bars(bar_type)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Undo one :meth:`subscribe_bars`."""
        self._paper._source.unsubscribe_bars(bar_type)

    # -- recovery ----------------------------------------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        """What the paper exchange holds for this account (see
        :meth:`lyra.venue.Venue.reconcile`)."""
        return await self._sim.reconcile(since_ns, instrument_ids)

    # -- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        """Start the paper trading session if needed, then open this account."""
        await self._paper._acquire()
        try:
            if not self._entered:
                await self._sim.__aenter__()
        except BaseException as exc:
            await self._paper._release(type(exc), exc, exc.__traceback__)
            raise
        self._entered += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Close this account (on the last exit), then release the session."""
        self._entered -= 1
        try:
            if not self._entered:
                await self._sim.__aexit__(exc_type, exc, tb)
        finally:
            suppress = await self._paper._release(exc_type, exc, tb)
        return suppress

    def __repr__(self) -> str:
        return f"PaperVenue({self.venue}, {self.account_id})"


class PaperTrading:
    """Live data from ``source`` driving ``exchange``: a strategy trades on paper at real
    prices through :attr:`venue`. See the module docs.

    Args:
        source: where the data comes from: any :class:`~lyra.venue.Venue` (a live adapter)
            or :class:`MarketDataSource`, publishing on ``exchange``'s bus.
        exchange: the paper exchange: named like ``source`` (its instruments are the
            source's), made on a :class:`~lyra.clock.LiveClock`, preferably with
            ``connected=False`` so that it refuses orders until the session starts.
            :meth:`create` makes one.
        instruments: the instruments to paper trade (ids or instruments; default: every
            instrument of ``exchange``); only their data is fed.
        feeds: which data to feed: ``"quotes"``, ``"trades"``, ``"book"``. Default: quotes
            (L1 exchange) or the book (L2/L3), plus trades when the source streams them.
        book_depth: the depth asked for with a book subscription (``None``: the source's
            default).
        connect_source: connect the source (``async with source``) while the session runs;
            ``False`` when the application keeps the source connected itself.
        settle_interval_ns: how often the exchange is moved to wall time between messages
            (DAY expiries, commands sent to ``exchange`` directly).
        clock: the exchange's LiveClock (default: the one it was made with).
        bus: the exchange's bus (default: the one it was made with).
    """

    __slots__ = (
        "_armed",
        "_book_depth",
        "_bus",
        "_capabilities",
        "_clock",
        "_clock_now",
        "_connect_source",
        "_dues",
        "_exchange",
        "_fed",
        "_feeding",
        "_feeds",
        "_handlers",
        "_ids",
        "_interval",
        "_process_book",
        "_process_quote",
        "_process_trade",
        "_running",
        "_source",
        "_stack",
        "_tick_name",
        "_users",
        "_venue",
        "_venues",
        "_wake_name",
    )

    def __init__(
        self,
        source: MarketDataSource,
        exchange: SimulatedExchange,
        *,
        instruments: Iterable[InstrumentId | Instrument | str] | None = None,
        feeds: Iterable[str] | None = None,
        book_depth: int | None = None,
        connect_source: bool = True,
        settle_interval_ns: int = DEFAULT_SETTLE_INTERVAL_NS,
        clock: LiveClock | None = None,
        bus: EventBus | None = None,
    ) -> None:
        if not isinstance(source, MarketDataSource):
            raise InvalidInput(
                "source", "must be a Venue (or implement its data subscriptions)", source
            )
        if not isinstance(exchange, SimulatedExchange):
            raise InvalidInput("exchange", "must be a SimulatedExchange", exchange)
        if exchange.venue != source.venue:
            raise InvalidInput(
                "exchange",
                f"must be named like the source ({source.venue}) so that it trades the "
                "source's instrument ids",
                exchange.venue,
            )
        # The exchange keeps its clock and bus privately; the session must use the same.
        made_with_clock = exchange._clock
        made_with_bus = exchange._bus
        if clock is None:
            if not isinstance(made_with_clock, LiveClock):
                raise InvalidInput(
                    "exchange", "must be made with a LiveClock (clock=LiveClock())", exchange
                )
            clock = made_with_clock
        elif not isinstance(clock, LiveClock) or clock is not made_with_clock:
            raise InvalidInput("clock", "must be the LiveClock the exchange was made with", clock)
        if bus is None:
            bus = made_with_bus
        elif bus is not made_with_bus:
            raise InvalidInput("bus", "must be the bus the exchange was made with", bus)
        if type(settle_interval_ns) is not int or settle_interval_ns <= 0:
            raise InvalidInput("settle_interval_ns", "must be an int > 0", settle_interval_ns)
        if book_depth is not None and (type(book_depth) is not int or book_depth <= 0):
            raise InvalidInput("book_depth", "must be an int > 0 or None", book_depth)
        if connect_source and not isinstance(source, AbstractAsyncContextManager):
            raise InvalidInput(
                "connect_source",
                "needs a source usable with `async with` (pass connect_source=False to keep "
                "it connected yourself)",
                source,
            )
        traded = {i.id for i in exchange.instruments}
        ids: list[InstrumentId] = []
        for item in exchange.instruments if instruments is None else instruments:
            iid = item.id if isinstance(item, Instrument) else InstrumentId(item)
            if iid not in traded:
                raise InvalidInput("instruments", f"is not traded on {exchange.venue}", iid)
            if iid not in ids:
                ids.append(iid)
        if not ids:
            raise InvalidInput("instruments", "must name at least one instrument", ids)
        source_caps = source.capabilities
        self._feeds = _feeds(feeds, exchange.config.book_type, source_caps)
        self._source = source
        self._exchange = exchange
        self._clock = clock
        self._clock_now: Callable[[], int] = clock.timestamp_ns
        self._bus = bus
        self._ids = tuple(ids)
        self._book_depth = book_depth
        self._connect_source = connect_source
        self._interval = settle_interval_ns
        self._capabilities = msgspec.structs.replace(
            exchange.capabilities,
            quotes=source_caps.quotes,
            trades=source_caps.trades,
            book=source_caps.book,
            book_depths=source_caps.book_depths,
            bars=source_caps.bars,
        )
        self._process_quote = exchange.process_quote
        self._process_trade = exchange.process_trade
        self._process_book = exchange.process_book_deltas
        self._handlers: list[tuple[str, Callable[[Any], None]]] = []
        for iid in self._ids:
            if "quotes" in self._feeds:
                self._handlers.append((topics.quotes(iid), self._on_quote))
            if "trades" in self._feeds:
                self._handlers.append((topics.trades(iid), self._on_trade))
            if "book" in self._feeds:
                self._handlers.append((topics.book_deltas(iid), self._on_book))
        self._feeding = False
        self._fed = 0
        self._running = False
        self._users = 0
        self._stack: AsyncExitStack | None = None
        n = next(_names)
        self._tick_name = f"lyra.paper.{exchange.venue}.{n}.settle"
        self._wake_name = f"lyra.paper.{exchange.venue}.{n}.due"
        self._dues: list[int] = []
        self._armed: int | None = None
        self._venue = PaperVenue(self, exchange)
        self._venues: list[PaperVenue] = [self._venue]

    @classmethod
    def create(
        cls,
        source: MarketDataSource,
        instruments: Iterable[Instrument],
        *,
        bus: EventBus,
        clock: LiveClock,
        starting_balances: Iterable[Money] = (),
        account_type: AccountType = AccountType.CASH,
        account_id: AccountId | str | None = None,
        book_type: BookType = BookType.L1_MBP,
        fees: FeeConfig | Mapping[InstrumentId | str, FeeConfig] | None = None,
        latency: LatencyConfig | None = None,
        queue_model: QueueModel = QueueModel.PESSIMISTIC,
        fill: FillConfig | None = None,
        risk: RiskEngine | None = None,
        leverage: Decimal | int | str = 1,
        seed: int = 0,
        feeds: Iterable[str] | None = None,
        book_depth: int | None = None,
        connect_source: bool = True,
        settle_interval_ns: int = DEFAULT_SETTLE_INTERVAL_NS,
    ) -> PaperTrading:
        """Make the paper exchange for ``source`` and the session around it.

        ``instruments`` are the source's instruments to trade (their definitions give tick
        and lot sizes and fees). The exchange is named like the source, runs on ``clock``,
        starts DISCONNECTED (orders are refused until the session starts) and trades in
        account ``account_id`` (default ``"<VENUE>-PAPER-001"``); the other arguments are
        those of :class:`~lyra.sim.SimulatedExchange`.
        """
        if not isinstance(clock, LiveClock):
            raise InvalidInput("clock", "must be a LiveClock", clock)
        venue = source.venue
        exchange = SimulatedExchange(
            venue,
            bus=bus,
            clock=clock,
            instruments=instruments,
            book_type=book_type,
            account_type=account_type,
            starting_balances=starting_balances,
            fees=fees,
            latency=latency,
            queue_model=queue_model,
            fill=fill,
            risk=risk,
            seed=seed,
            account_id=account_id if account_id is not None else f"{venue}-PAPER-001",
            leverage=leverage,
            connected=False,
        )
        return cls(
            source,
            exchange,
            feeds=feeds,
            book_depth=book_depth,
            connect_source=connect_source,
            settle_interval_ns=settle_interval_ns,
        )

    # -- what it is --------------------------------------------------------------------------
    @property
    def venue(self) -> PaperVenue:
        """The paper venue of the exchange's default account: give it to the strategy."""
        return self._venue

    @property
    def exchange(self) -> SimulatedExchange:
        """The simulated exchange that fills the orders (its accounts, portfolio, books).
        Subscribe to data through :attr:`venue`, not through this."""
        return self._exchange

    @property
    def source(self) -> MarketDataSource:
        """Where the market data comes from."""
        return self._source

    @property
    def clock(self) -> LiveClock:
        """The clock the paper exchange runs on."""
        return self._clock

    @property
    def instrument_ids(self) -> tuple[InstrumentId, ...]:
        """The instruments paper traded (whose data the exchange is fed)."""
        return self._ids

    @property
    def feeds(self) -> frozenset[str]:
        """The data kinds the exchange is fed (``"quotes"``, ``"trades"``, ``"book"``)."""
        return self._feeds

    @property
    def is_running(self) -> bool:
        """Whether the session is started (data flows into the exchange)."""
        return self._running

    @property
    def fed_count(self) -> int:
        """How many market data messages the exchange has been fed."""
        return self._fed

    def add_account(
        self,
        account_id: AccountId | str,
        starting_balances: Iterable[Money] = (),
        *,
        account_type: AccountType | None = None,
    ) -> PaperVenue:
        """Open another paper account on the exchange and return its venue (see
        :meth:`SimulatedExchange.add_account <lyra.sim.SimulatedExchange.add_account>`)."""
        sim = self._exchange.add_account(account_id, starting_balances, account_type=account_type)
        venue = PaperVenue(self, sim)
        self._venues.append(venue)
        return venue

    def venue_for(self, account_id: AccountId | str) -> PaperVenue:
        """The paper venue of ``account_id``."""
        for venue in self._venues:
            if venue.account_id == account_id:
                return venue
        raise InvalidInput("account_id", "is not a paper account of this session", account_id)

    # -- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        """Start the session and open the default account (``async with paper.venue``)."""
        await self._venue.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Close the default account and stop the session (on the last exit)."""
        return await self._venue.__aexit__(exc_type, exc, tb)

    async def _acquire(self) -> None:
        if self._users:
            self._users += 1
            return
        stack = AsyncExitStack()
        try:
            if not self._clock.is_running:
                await stack.enter_async_context(self._clock.running())
            self._listen()
            stack.callback(self._unlisten)
            if self._connect_source:
                source = cast(AbstractAsyncContextManager[Any], self._source)
                await stack.enter_async_context(source)
            self._subscribe_source(stack)
            self._start_timers()
            stack.callback(self._stop_timers)
        except BaseException as exc:
            await stack.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self._stack = stack
        self._users = 1

    async def _release(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self._users -= 1
        if self._users:
            return False
        stack, self._stack = self._stack, None
        assert stack is not None, "_release without _acquire"
        return bool(await stack.__aexit__(exc_type, exc, tb))

    def _subscribe_source(self, stack: AsyncExitStack) -> None:
        source = self._source
        depth = self._book_depth
        for iid in self._ids:
            # each undo registered right after its subscribe: a failure undoes only those made
            if "quotes" in self._feeds:
                source.subscribe_quotes(iid)
                stack.callback(source.unsubscribe_quotes, iid)
            if "trades" in self._feeds:
                source.subscribe_trades(iid)
                stack.callback(source.unsubscribe_trades, iid)
            if "book" in self._feeds:
                source.subscribe_book(iid, depth)
                stack.callback(source.unsubscribe_book, iid)

    def _listen(self) -> None:
        subscribe = self._bus.subscribe
        for topic, handler in self._handlers:
            subscribe(topic, handler, FEED_PRIORITY)

    def _unlisten(self) -> None:
        unsubscribe = self._bus.unsubscribe
        for topic, handler in self._handlers:
            unsubscribe(topic, handler)

    def _start_timers(self) -> None:
        self._clock.set_timer(self._tick_name, self._interval, callback=self._on_tick)
        self._running = True

    def _stop_timers(self) -> None:
        self._running = False
        self._clock.cancel_timer(self._tick_name)
        self._clock.cancel_timer(self._wake_name)
        self._dues.clear()
        self._armed = None

    # -- time --------------------------------------------------------------------------------
    def _on_tick(self, event: TimeEvent) -> None:
        self._exchange.settle()

    def _wake(self, due: int) -> None:
        """Settle the exchange at ``due`` (ns), when a command's answer or an expiry is due."""
        heappush(self._dues, due)
        self._arm_by(due)

    def _arm_by(self, when: int) -> None:
        """Make sure the wake alert fires at ``when`` or earlier."""
        armed = self._armed
        if armed is None or when < armed:
            self._armed = when
            self._clock.set_time_alert(
                self._wake_name, when, self._on_wake, allow_past=True, replace=True
            )

    def _on_wake(self, event: TimeEvent) -> None:
        self._armed = None
        self._exchange.settle()  # commands sent by handlers meanwhile may arm a new wake
        dues = self._dues
        now = self._clock_now()
        while dues and dues[0] <= now:
            heappop(dues)
        if dues and self._running:
            self._arm_by(dues[0])

    def _stamp(self) -> int:
        """The exchange's time for a message arriving now: wall time, never before the
        exchange's own time."""
        now = self._clock_now()
        ex_now = self._exchange.now
        return now if now > ex_now else ex_now

    # -- the feed ----------------------------------------------------------------------------
    def _on_quote(self, quote: QuoteTick) -> None:
        if self._feeding:
            return  # published while the exchange is being fed: its own copy, not news
        self._feeding = True
        try:
            self._fed += 1
            self._process_quote(msgspec.structs.replace(quote, ts_event=self._stamp()))
        finally:
            self._feeding = False

    def _on_trade(self, trade: TradeTick) -> None:
        if self._feeding:
            return
        self._feeding = True
        try:
            self._fed += 1
            self._process_trade(msgspec.structs.replace(trade, ts_event=self._stamp()))
        finally:
            self._feeding = False

    def _on_book(self, deltas: BookDeltas | BookDelta) -> None:
        if self._feeding:
            return
        self._feeding = True
        try:
            self._fed += 1
            ts = self._stamp()
            replace = msgspec.structs.replace
            if isinstance(deltas, BookDelta):
                self._process_book(replace(deltas, ts_event=ts))
            else:
                restamped = tuple(replace(d, ts_event=ts) for d in deltas.deltas)
                self._process_book(BookDeltas(deltas.instrument_id, restamped))
        finally:
            self._feeding = False

    # -- data subscriptions of the strategy --------------------------------------------------
    def _traded(self, kind: str, instrument_id: InstrumentId | str) -> InstrumentId:
        iid = InstrumentId(instrument_id)
        if iid not in self._ids:
            raise NotSupported(
                f"{kind}: {iid} is not paper traded here (instruments: {', '.join(self._ids)})",
                venue=self._exchange.venue,
            )
        return iid

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return (
            f"PaperTrading({self._exchange.venue}, {len(self._ids)} instruments, "
            f"feeds {sorted(self._feeds)}, {state})"
        )


def _feeds(
    feeds: Iterable[str] | None, book_type: BookType, caps: VenueCapabilities
) -> frozenset[str]:
    """The data kinds to feed, checked against the exchange's book type and the source."""
    l1 = book_type == BookType.L1_MBP
    if feeds is None:
        chosen = {"quotes" if l1 else "book"}
        if caps.trades:
            chosen.add("trades")
        result = frozenset(chosen)
    else:
        if isinstance(feeds, str):
            raise InvalidInput("feeds", "must be an iterable of data kinds, not a str", feeds)
        result = frozenset(feeds)
        unknown = result - FEEDS
        if unknown:
            raise InvalidInput("feeds", "must hold only 'quotes', 'trades' and 'book'", unknown)
        if not result:
            raise InvalidInput("feeds", "must name at least one data kind", feeds)
    # The exchange ignores quotes on L2/L3 books and deltas on L1 books: feeding them would
    # silently do nothing.
    if l1 and "book" in result:
        raise InvalidInput("feeds", "'book' needs an L2_MBP or L3_MBO exchange", book_type.name)
    if not l1 and "quotes" in result:
        raise InvalidInput("feeds", "'quotes' move only an L1_MBP exchange", book_type.name)
    for kind in sorted(result):
        if not getattr(caps, kind):
            raise NotSupported(f"feeds: the source does not stream {kind}")
    return result


if TYPE_CHECKING:
    # Static contract, checked by mypy: the paper venue is a Venue.
    def _is_a_venue(paper: PaperVenue) -> Venue:
        return paper
