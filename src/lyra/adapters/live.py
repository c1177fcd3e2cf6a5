""":class:`LiveVenue`: the parts of a network venue adapter that every venue shares.

A live adapter is an :class:`~lyra.venue.OrderFlow` (the local half of the venue contract)
plus a transport. This base holds everything between the two that does not depend on the
venue, so an adapter only writes its requests and its message mapping:

* the :class:`~lyra.venue.Venue` identity, status and command methods: each command runs
  ``OrderFlow.begin_*`` synchronously (local event or local refusal published before it
  returns) and, when something must be sent, starts the venue's ``_send_*`` coroutine in
  the background. Requests about one order run one after another (a cancel never overtakes
  the submit it cancels); requests about different orders run concurrently;
* counted data subscriptions (:class:`~lyra.venue.SubscriptionSet`) that survive reconnects
  and ``async with`` sessions, started with ``_start_feed`` / stopped with ``_stop_feed``;
* the lifecycle: ``async with`` publishes CONNECTING, awaits ``_open`` (connect, log on,
  start streams and feeds), publishes CONNECTED; leaving cancels the background tasks,
  awaits ``_close`` and publishes DISCONNECTED, also under cancellation;
* reconnection bookkeeping: the transport calls :meth:`LiveVenue.connection_lost` (status
  RECONNECTING with the attempt number; commands are refused meanwhile) and
  :meth:`LiveVenue.connection_restored`, which reconciles every working order with the
  venue (missed fills, cancels, acknowledgements, marked ``reconciliation=True``) before
  CONNECTED is published again;
* ``reconcile`` (``VenueNotConnected`` without a connection) over the venue's ``_query``.

The ``_send_*`` coroutines turn the venue's answer into events with ``self.flow.emit``;
an exception escaping one is reported as a :class:`~lyra.venue.VenueAnomaly` and the order
concerned is reconciled, so the background never dies of a venue surprise.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from lyra.adapters.ws import unwrap
from lyra.bus import EventBus
from lyra.clock import Clock
from lyra.errors import InvalidInput, NotSupported, VenueNotConnected
from lyra.model.data import BarType
from lyra.model.enums import OrderSide
from lyra.model.identifiers import AccountId, InstrumentId, Venue
from lyra.model.values import Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.events import AnomalyKind, ConnectionStatus
from lyra.venue.flow import OrderFlow, SubscriptionSet
from lyra.venue.reports import ReconciliationReport
from lyra.venue.unset import UNSET, Unset

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

__all__ = ("FeedKey", "LiveVenue")

_log = logging.getLogger("lyra.adapters.live")

FeedKey = tuple[str, Any]
"""A data subscription: ``("quotes" | "trades" | "book" | "bars", instrument id or bar
type)``."""

_CONNECTED = ConnectionStatus.CONNECTED


class LiveVenue(abc.ABC):
    """Base class of network venue adapters; see the module docs.

    Subclasses implement ``_open``, ``_close``, ``_send_submit``, ``_send_submit_list``,
    ``_send_modify``, ``_send_cancel``, ``_send_cancel_all``, ``_query``, ``_start_feed``
    and ``_stop_feed``; ``_check_instrument`` refuses data subscriptions for instruments the
    venue does not list.
    """

    def __init__(
        self,
        venue: Venue | str,
        account_id: AccountId | str,
        *,
        bus: EventBus,
        clock: Clock | Callable[[], int] | None = None,
        capabilities: VenueCapabilities,
        id_prefix: str | None = None,
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        self.bus = bus
        self.clock = clock
        self.flow = OrderFlow(
            venue, account_id, bus, clock, capabilities=capabilities, id_prefix=id_prefix
        )
        self._subs: SubscriptionSet[FeedKey] = SubscriptionSet()
        self._book_depths: dict[InstrumentId, int | None] = {}
        self._tg: TaskGroup | None = None
        self._cm: AbstractAsyncContextManager[None] | None = None
        self._locks: dict[str, Any] = {}
        self._reconnects = 0
        self._catching_up = False

    # -- identity ---------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        """The venue's name."""
        return self.flow.venue

    @property
    def account_id(self) -> AccountId:
        """The account traded."""
        return self.flow.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        """What the venue supports natively."""
        return self.flow.capabilities

    @property
    def status(self) -> ConnectionStatus:
        """The connection status."""
        return self.flow.status

    @property
    def connected(self) -> bool:
        """Whether commands are sent now."""
        return self.flow.status is _CONNECTED

    @property
    def subscriptions(self) -> SubscriptionSet[FeedKey]:
        """The counted data subscriptions."""
        return self._subs

    def now_ns(self) -> int:
        """The clock's time in nanoseconds."""
        return self.flow.now()

    # -- commands ---------------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """See :meth:`lyra.venue.Venue.submit_order`."""
        if self.flow.begin_submit(order):
            self._command(order.client_order_id, self._send_submit, order)

    def submit_order_list(self, order_list: OrderList) -> None:
        """See :meth:`lyra.venue.Venue.submit_order_list`."""
        if self.flow.begin_submit_list(order_list):
            self._command(order_list.first.client_order_id, self._send_submit_list, order_list)

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """See :meth:`lyra.venue.Venue.modify_order`."""
        if self.flow.begin_modify(order, quantity, price, trigger_price):
            self._command(
                order.client_order_id, self._send_modify, order, quantity, price, trigger_price
            )

    def cancel_order(self, order: Order) -> None:
        """See :meth:`lyra.venue.Venue.cancel_order`."""
        if self.flow.begin_cancel(order):
            self._command(order.client_order_id, self._send_cancel, order)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        """See :meth:`lyra.venue.Venue.cancel_all_orders`."""
        targets = self.flow.begin_cancel_all(instrument_id, side)
        if targets:
            self._spawn(self._send_cancel_all, InstrumentId(instrument_id), side, targets)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        """See :meth:`lyra.venue.Venue.adopt_orders`."""
        self.flow.adopt(orders)

    # -- market data ------------------------------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Publish the venue's best bid/offer as ``QuoteTick`` values."""
        self._subscribe(("quotes", self._check_data("quotes", instrument_id)))

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_quotes`."""
        self._unsubscribe(("quotes", InstrumentId(instrument_id)))

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Publish the venue's trades as ``TradeTick`` values."""
        self._subscribe(("trades", self._check_data("trades", instrument_id)))

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_trades`."""
        self._unsubscribe(("trades", InstrumentId(instrument_id)))

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Publish the synced order book as ``BookDeltas`` (a snapshot first and after every
        resync)."""
        reason = self.capabilities.supports_book(depth)
        if reason is not None:
            raise NotSupported(reason, venue=self.venue)
        iid = self._check_data("book", instrument_id)
        if self._subs.count(("book", iid)) == 0:
            self._book_depths[iid] = depth
        self._subscribe(("book", iid))

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_book`."""
        self._unsubscribe(("book", InstrumentId(instrument_id)))

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Publish the venue's own (EXTERNAL) bars."""
        reason = self.capabilities.supports_bars(bar_type)
        if reason is not None:
            raise NotSupported(reason, venue=self.venue)
        self._check_data("bars", bar_type.instrument_id)
        self._subscribe(("bars", bar_type))

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Undo one :meth:`subscribe_bars`."""
        self._unsubscribe(("bars", bar_type))

    def book_depth(self, instrument_id: InstrumentId) -> int | None:
        """The depth the first book subscription of ``instrument_id`` asked for."""
        return self._book_depths.get(InstrumentId(instrument_id))

    def _check_data(self, kind: str, instrument_id: InstrumentId | str) -> InstrumentId:
        iid = InstrumentId(instrument_id)
        if iid.venue != self.venue:
            raise InvalidInput("instrument_id", f"must be an instrument of {self.venue}", iid)
        caps = self.capabilities
        if (kind == "quotes" and not caps.quotes) or (kind == "trades" and not caps.trades):
            raise NotSupported(f"{kind}: not available on {self.venue}", venue=self.venue)
        self._check_instrument(iid)
        return iid

    def _subscribe(self, key: FeedKey) -> None:
        if self._subs.add(key) and self._tg is not None:
            self._spawn(self._start_feed, key)

    def _unsubscribe(self, key: FeedKey) -> None:
        if self._subs.remove(key) and self._tg is not None:
            self._spawn(self._stop_feed, key)

    # -- recovery ---------------------------------------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        """Ask the venue what it holds (open orders, closed orders and fills since
        ``since_ns``, positions, balances). Raises :class:`~lyra.errors.VenueNotConnected`
        without a connection."""
        if self._tg is None or self.status not in (_CONNECTED, ConnectionStatus.RECONNECTING):
            raise VenueNotConnected(venue=self.venue)
        ids = None if instrument_ids is None else tuple(InstrumentId(i) for i in instrument_ids)
        return await self._query(since_ns, ids)

    def connection_lost(self, reason: str) -> None:
        """The transport lost the connection that order events arrive on: publish
        RECONNECTING (commands are refused until :meth:`connection_restored`)."""
        if self._tg is None or self.status is ConnectionStatus.DISCONNECTED:
            return
        self._reconnects += 1
        self.flow.set_status(ConnectionStatus.RECONNECTING, reason, attempt=self._reconnects)

    def connection_restored(self) -> None:
        """The connection is back: reconcile every working order with the venue, then
        publish CONNECTED (runs in the background)."""
        if self._tg is None or self._catching_up:
            return
        self._catching_up = True
        self._spawn(self._restore)

    async def _restore(self) -> None:
        try:
            await self.catch_up()
        except Exception as exc:
            # the next reconnect or an explicit reconcile will try again
            self.flow.anomaly(
                AnomalyKind.UNRECONCILED,
                f"catching up after a reconnect failed: {type(exc).__name__}: {exc}",
            )
        finally:
            self._catching_up = False
        self._reconnects = 0
        if self._tg is not None:
            self.flow.set_status(ConnectionStatus.CONNECTED, "reconnected")

    async def catch_up(self, orders: Iterable[Order] | None = None) -> None:
        """Bring ``orders`` (default: every working order) in line with the venue's report:
        what they missed is emitted with ``reconciliation=True``."""
        targets = list(self.flow.working_orders() if orders is None else orders)
        if not targets:
            return
        since = min(o.ts_init for o in targets)
        ids = tuple({o.instrument_id for o in targets})
        report = await self._query(since, ids)
        for order in targets:
            if order.is_closed:
                continue
            cid = order.client_order_id
            reported = report.order(cid)
            vid = order.venue_order_id or (reported.venue_order_id if reported else None)
            fills = report.fills_for(vid) if vid is not None else ()
            self.flow.sync_order(order, reported, fills, complete=report.complete)

    # -- background work --------------------------------------------------------------------
    def _spawn(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        tg = self._tg
        if tg is None:
            return
        tg.start_soon(self._guarded, fn, args)

    async def _guarded(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        try:
            await fn(*args)
        except Exception as exc:
            _log.debug("%s: %s failed", self.venue, getattr(fn, "__name__", fn), exc_info=False)
            self.flow.anomaly(
                AnomalyKind.UNRECONCILED,
                f"{getattr(fn, '__name__', 'a background task')} failed: "
                f"{type(exc).__name__}: {exc}",
            )

    def _command(self, key: str, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        self._spawn(self._serialised, key, fn, args)

    async def _serialised(
        self, key: str, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]
    ) -> None:
        import anyio

        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = anyio.Lock()
        try:
            async with lock:
                await fn(*args)
        finally:
            if not lock.locked() and lock.statistics().tasks_waiting == 0:
                self._locks.pop(key, None)

    # -- lifecycle --------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        if self._cm is not None:
            raise InvalidInput("venue", "is already entered (async with it only once at a time)")
        cm = self._lifespan()
        await cm.__aenter__()
        self._cm = cm
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        cm, self._cm = self._cm, None
        if cm is None:
            return None
        return await cm.__aexit__(exc_type, exc, tb)

    @asynccontextmanager
    async def _lifespan(self) -> Any:
        import anyio

        flow = self.flow
        flow.set_status(ConnectionStatus.CONNECTING, "connecting")
        reason = "closed by user"
        own: BaseException | None = None  # raised by _open or by the body of `async with`
        try:
            async with anyio.create_task_group() as tg:
                self._tg = tg
                try:
                    await self._open()
                except BaseException as exc:
                    reason = f"connect failed: {type(exc).__name__}: {exc}"
                    own = exc
                    raise
                for key in self._subs:
                    self._spawn(self._start_feed, key)
                flow.set_status(ConnectionStatus.CONNECTED, "connected")
                try:
                    yield
                except BaseException as exc:
                    own = exc
                    raise
                finally:
                    tg.cancel_scope.cancel()
        except BaseExceptionGroup as group:
            # the task group wraps what the body (or connecting) raised: give the caller
            # the error itself
            if own is not None and len(group.exceptions) == 1 and group.exceptions[0] is own:
                only = unwrap(own)
                raise only from only.__cause__
            raise
        finally:
            self._tg = None
            self._locks.clear()
            self._catching_up = False
            self._reconnects = 0
            with anyio.CancelScope(shield=True):
                try:
                    await self._close()
                finally:
                    flow.set_status(ConnectionStatus.DISCONNECTED, reason)

    # -- what a venue implements ------------------------------------------------------------
    def _check_instrument(self, instrument_id: InstrumentId) -> None:  # noqa: B027
        """Raise :class:`~lyra.errors.InvalidInput` if the venue does not list
        ``instrument_id`` (when its instruments are known). Optional: the default accepts
        every instrument."""

    @abc.abstractmethod
    async def _open(self) -> None:
        """Connect, log on, start the streams; raise when that fails."""
        ...

    @abc.abstractmethod
    async def _close(self) -> None:
        """Close every connection (called even after a failed ``_open``)."""
        ...

    @abc.abstractmethod
    async def _send_submit(self, order: Order) -> None: ...

    @abc.abstractmethod
    async def _send_submit_list(self, order_list: OrderList) -> None: ...

    @abc.abstractmethod
    async def _send_modify(
        self,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None: ...

    @abc.abstractmethod
    async def _send_cancel(self, order: Order) -> None: ...

    @abc.abstractmethod
    async def _send_cancel_all(
        self, instrument_id: InstrumentId, side: OrderSide | None, targets: list[Order]
    ) -> None: ...

    @abc.abstractmethod
    async def _query(
        self, since_ns: int, instrument_ids: tuple[InstrumentId, ...] | None
    ) -> ReconciliationReport: ...

    @abc.abstractmethod
    async def _start_feed(self, key: FeedKey) -> None: ...

    @abc.abstractmethod
    async def _stop_feed(self, key: FeedKey) -> None: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue}, {self.account_id}, {self.status.name})"
