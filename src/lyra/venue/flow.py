"""The local half of the venue contract, written once: :class:`OrderFlow`.

Every venue -- the simulated exchange and each live adapter -- must run the same local checks
on every command and publish order events the same way, or a strategy could tell venues
apart. :class:`OrderFlow` does both, so an implementation only talks to its venue:

* **Commands.** ``begin_submit``, ``begin_submit_list``, ``begin_modify``, ``begin_cancel``
  and ``begin_cancel_all`` check the command, publish its local event (``OrderSubmitted``,
  ``OrderPendingUpdate``, ``OrderPendingCancel``) or its local refusal (``OrderDenied``,
  ``OrderModifyRejected``, ``OrderCancelRejected`` with a :class:`~lyra.venue.RejectCode`),
  and return whether the venue should now send it. Caller errors raise before anything is
  published.
* **Venue answers.** ``emit(event)`` applies an event to its order and then publishes it on
  :func:`lyra.topics.order_events` of the order's strategy, so every subscriber sees the
  order already updated. The order state machine decides what a late or duplicate message
  means: a duplicate (an acknowledgement twice, a trade id again) changes nothing and is
  not published; a refused event is not published either and is reported as a
  :class:`~lyra.venue.VenueAnomaly`. If the venue reports a fill, trigger, update, cancel or
  expiry of an order it never acknowledged, ``emit`` first publishes the ``OrderAccepted``
  the fill implies, so subscribers always see the acknowledgement first.
* **Catching up.** ``sync_order(order, report, fills)`` emits what an order missed while
  the connection was down or the process was not running, marked ``reconciliation=True``,
  from the venue's :class:`~lyra.venue.OrderStatusReport` and
  :class:`~lyra.venue.FillReport` values. Emitting everything again is safe: what the order
  already has is dropped as a duplicate.
* **Connection.** ``set_status`` publishes :class:`~lyra.venue.VenueStatus` events.

Events are made with :attr:`OrderFlow.events` (an :class:`~lyra.orders.EventFactory` whose
``ts_init`` is the flow's clock); pass the venue's timestamp as ``ts_event``.
:class:`SubscriptionSet` counts data subscriptions the same way for every venue.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, Final, Generic, TypeVar

import msgspec.structs

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import Clock
from lyra.errors import InvalidInput, InvalidOrder, InvalidTransition
from lyra.model.enums import OrderSide, OrderStatus, TriggerType
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    Venue,
    VenueOrderId,
)
from lyra.model.values import Price, Quantity
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.lists import OrderList
from lyra.orders.order import ApplyOutcome, Order
from lyra.orders.validation import (
    PRICE_OPTIONAL_TYPES,
    PRICE_REQUIRED_TYPES,
    TRIGGER_OPTIONAL_TYPES,
    TRIGGER_REQUIRED_TYPES,
)
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.events import AnomalyKind, ConnectionStatus, VenueAnomaly, VenueStatus
from lyra.venue.reports import FillReport, OrderStatusReport
from lyra.venue.unset import UNSET, Unset

__all__ = ("OrderFlow", "SubscriptionSet")

_S = OrderStatus
_SENDABLE: Final = frozenset({_S.INITIALIZED, _S.RELEASED})
_NEVER_SENT: Final = frozenset({_S.INITIALIZED, _S.EMULATED, _S.RELEASED, _S.DENIED})
_CLOSED_AT_VENUE: Final = frozenset({_S.REJECTED, _S.CANCELED, _S.EXPIRED, _S.FILLED})
_CLOSED: Final = _CLOSED_AT_VENUE | {_S.DENIED}
_PENDING_CANCEL: Final = _S.PENDING_CANCEL
_PRICED: Final = PRICE_REQUIRED_TYPES | PRICE_OPTIONAL_TYPES
_TRIGGERED: Final = TRIGGER_REQUIRED_TYPES | TRIGGER_OPTIONAL_TYPES
# Venue events that only make sense for an order the venue took.
_IMPLY_ACCEPTED: Final = frozenset(
    {OrderFilled, OrderTriggered, OrderUpdated, OrderCanceled, OrderExpired}
)
# Answers to modify (0) and cancel (1) requests: published once per request (see emit).
_ANSWER_KIND: Final[dict[type, int]] = {
    OrderUpdated: 0,
    OrderModifyRejected: 0,
    OrderCanceled: 1,
    OrderCancelRejected: 1,
}
_PENDING_OF_KIND: Final = (_S.PENDING_UPDATE, _S.PENDING_CANCEL)
_DUPLICATE: Final = ApplyOutcome.DUPLICATE
_OVERFILL: Final = ApplyOutcome.OVERFILL
_CONNECTED: Final = ConnectionStatus.CONNECTED
_NO_TRIGGER: Final = TriggerType.NO_TRIGGER


class OrderFlow:
    """Tracks the orders a venue was given, runs every command's local checks, and applies
    then publishes every order event (see the module docs).

    ``venue`` and ``account_id`` name the venue and account; ``bus`` is where events go;
    ``clock`` (a :class:`~lyra.clock.Clock`, a ``() -> int`` function, or ``None`` for wall
    time) stamps ``ts_init``. ``capabilities`` drive the ``NOT_SUPPORTED`` refusals.
    Event ids are ``"<id_prefix><n>"`` (default prefix ``"<VENUE>-"``; a live adapter
    should add a session id so ids stay unique across restarts). The flow starts in
    ``status`` (DISCONNECTED by default; a venue without I/O may start CONNECTED).
    """

    __slots__ = (
        "_account_id",
        "_active",
        "_bus",
        "_by_venue_id",
        "_capabilities",
        "_events",
        "_orders",
        "_our_instruments",
        "_requests",
        "_status",
        "_status_topic",
        "_supported",
        "_topics",
        "_venue",
    )

    def __init__(
        self,
        venue: Venue | str,
        account_id: AccountId | str,
        bus: EventBus,
        clock: Clock | Callable[[], int] | None = None,
        *,
        capabilities: VenueCapabilities | None = None,
        id_prefix: str | None = None,
        start_count: int = 0,
        status: ConnectionStatus = ConnectionStatus.DISCONNECTED,
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        self._venue = Venue(venue)
        self._account_id = AccountId(account_id)
        self._bus = bus
        caps = VenueCapabilities() if capabilities is None else capabilities
        if not isinstance(caps, VenueCapabilities):
            raise InvalidInput("capabilities", "must be a VenueCapabilities", caps)
        self._capabilities = caps
        prefix = f"{self._venue}-" if id_prefix is None else id_prefix
        self._events = EventFactory(clock, id_prefix=prefix, start_count=start_count)
        self._orders: dict[str, Order] = {}
        self._active: dict[str, Order] = {}
        self._by_venue_id: dict[str, Order] = {}
        # client order id -> [modifies, cancels] sent and not answered yet
        self._requests: dict[str, list[int]] = {}
        self._topics: dict[StrategyId, str] = {}
        # instrument ids known to be of this venue (the check runs on every command)
        self._our_instruments: set[str] = set()
        # capabilities.supports answers by order shape (see _supports)
        self._supported: dict[tuple[Any, ...], str | None] = {}
        self._status = ConnectionStatus(status)
        self._status_topic = topics.venue_status(self._venue)

    # -- identity and state --------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        """The venue's name."""
        return self._venue

    @property
    def account_id(self) -> AccountId:
        """The account; put on every venue event the flow makes."""
        return self._account_id

    @property
    def bus(self) -> EventBus:
        """The bus events are published on."""
        return self._bus

    @property
    def events(self) -> EventFactory:
        """The event factory: use it to build the venue's answers (``ts_init`` = clock)."""
        return self._events

    @property
    def capabilities(self) -> VenueCapabilities:
        """The capabilities the local checks use (an adapter may replace them, e.g. after
        loading the venue's exchange info at connect time)."""
        return self._capabilities

    @capabilities.setter
    def capabilities(self, value: VenueCapabilities) -> None:
        if not isinstance(value, VenueCapabilities):
            raise InvalidInput("capabilities", "must be a VenueCapabilities", value)
        self._capabilities = value
        self._supported.clear()

    @property
    def status(self) -> ConnectionStatus:
        """The connection status last set with :meth:`set_status`."""
        return self._status

    @property
    def connected(self) -> bool:
        """Whether the status is CONNECTED."""
        return self._status is _CONNECTED

    def now(self) -> int:
        """The clock's time in nanoseconds."""
        return self._events.now()

    def set_status(
        self,
        status: ConnectionStatus,
        reason: str = "",
        *,
        attempt: int = 0,
        ts_event: int | None = None,
    ) -> VenueStatus:
        """Set the connection status and publish a :class:`~lyra.venue.VenueStatus`."""
        self._status = ConnectionStatus(status)
        now = self._events.now()
        event = VenueStatus(
            venue=self._venue,
            status=self._status,
            reason=reason,
            attempt=attempt,
            ts_event=now if ts_event is None else ts_event,
            ts_init=now,
        )
        self._bus.publish(self._status_topic, event)
        return event

    def anomaly(
        self,
        kind: AnomalyKind,
        message: str,
        *,
        client_order_id: str | None = None,
        venue_order_id: str | None = None,
        ts_event: int | None = None,
    ) -> VenueAnomaly:
        """Publish a :class:`~lyra.venue.VenueAnomaly` (e.g. a sequence gap the adapter saw,
        or a message it could not parse)."""
        now = self._events.now()
        event = VenueAnomaly(
            venue=self._venue,
            kind=AnomalyKind(kind),
            message=message,
            client_order_id=None if client_order_id is None else ClientOrderId(client_order_id),
            venue_order_id=None if venue_order_id is None else VenueOrderId(venue_order_id),
            ts_event=now if ts_event is None else ts_event,
            ts_init=now,
        )
        self._bus.publish(self._status_topic, event)
        return event

    # -- the registry ------------------------------------------------------------------------
    def track(self, order: Order) -> None:
        """Start tracking ``order`` (its venue events will be applied and published).

        Raises :class:`~lyra.errors.InvalidOrder` for an order of another venue or when a
        different order object with the same client order id is already tracked.
        """
        self._check_order(order)
        cid = order.client_order_id
        existing = self._orders.get(cid)
        if existing is order:
            return
        if existing is not None:
            raise InvalidOrder(
                "client_order_id",
                f"another order with this id is already tracked by venue {self._venue}",
                cid,
            )
        self._orders[cid] = order
        if order.status not in _CLOSED:
            self._active[cid] = order
        for vid in order.venue_order_ids:
            self._by_venue_id[vid] = order

    def adopt(self, orders: Iterable[Order]) -> None:
        """Track every order in ``orders`` (e.g. restored after a restart); checks them all
        before tracking any."""
        batch = list(orders)
        seen: dict[str, Order] = {}
        for order in batch:
            self._check_order(order)
            cid = order.client_order_id
            other = seen.get(cid, self._orders.get(cid))
            if other is not None and other is not order:
                raise InvalidOrder(
                    "client_order_id",
                    f"another order with this id is already tracked by venue {self._venue}",
                    cid,
                )
            seen[cid] = order
        for order in batch:
            self.track(order)

    def get(self, client_order_id: str) -> Order | None:
        """The tracked order with that client order id, or ``None``."""
        return self._orders.get(client_order_id)

    def find(self, venue_order_id: str) -> Order | None:
        """The tracked order that has (or had) that venue order id, or ``None``."""
        return self._by_venue_id.get(venue_order_id)

    @property
    def orders(self) -> tuple[Order, ...]:
        """Every tracked order, in the order tracking began."""
        return tuple(self._orders.values())

    def working_orders(
        self, instrument_id: str | None = None, side: OrderSide | None = None
    ) -> list[Order]:
        """Tracked orders that were sent and are not closed (in flight or open), optionally
        of one instrument and side, in the order tracking began."""
        return [
            o
            for o in self._active.values()
            if o.status not in _NEVER_SENT
            and (instrument_id is None or o.instrument_id == instrument_id)
            and (side is None or o.side is side)
        ]

    def forget_closed(self, before_ns: int | None = None) -> int:
        """Stop tracking closed orders (closed at or before ``before_ns``, or all); returns
        how many. A late message about a forgotten order becomes an UNKNOWN_ORDER anomaly,
        so keep orders for as long as the venue may still report on them."""
        gone = [
            o
            for o in self._orders.values()
            if o.status in _CLOSED
            and (before_ns is None or (o.ts_closed is not None and o.ts_closed <= before_ns))
        ]
        for order in gone:
            del self._orders[order.client_order_id]
            self._active.pop(order.client_order_id, None)
            for vid in order.venue_order_ids:
                if self._by_venue_id.get(vid) is order:
                    del self._by_venue_id[vid]
        return len(gone)

    # -- commands: the local half ---------------------------------------------------------------
    def begin_submit(self, order: Order) -> bool:
        """Run the local checks of ``submit_order(order)``.

        Returns ``True`` after publishing ``OrderSubmitted`` (send the order now), or
        ``False`` after publishing ``OrderDenied`` (``DUPLICATE_CLIENT_ORDER_ID``,
        ``NOT_CONNECTED`` or ``NOT_SUPPORTED``; send nothing). Raises, publishing nothing,
        for an order of another venue, one held by the emulator, or one not INITIALIZED /
        RELEASED (:class:`~lyra.errors.InvalidTransition`).
        """
        self._check_sendable(order)
        code, reason = self._submit_refusal(order)
        if code is not None:
            self._deny(order, code, reason)
            return False
        # track(order) without its checks again: _check_sendable ran them, and
        # _submit_refusal refused another order under this id
        cid = order.client_order_id
        if cid not in self._orders:
            self._orders[cid] = order
            if order.status not in _CLOSED:
                self._active[cid] = order
            for vid in order.venue_order_ids:
                self._by_venue_id[vid] = order
        self._local(order, self._events.submitted(order, account_id=self._account_id))
        return True

    def begin_submit_list(self, order_list: OrderList) -> bool:
        """Run the local checks of ``submit_order_list(order_list)``: all or nothing.

        Returns ``True`` after publishing ``OrderSubmitted`` for every member in list order,
        or ``False`` after publishing ``OrderDenied`` for every member (the first refusal
        found, e.g. ``NOT_SUPPORTED`` with :meth:`VenueCapabilities.supports_list`'s
        reason). Raises like :meth:`begin_submit` for any member, publishing nothing.
        """
        if not isinstance(order_list, OrderList):
            raise InvalidOrder("order_list", "must be an OrderList", order_list)
        members = order_list.orders
        for order in members:
            self._check_sendable(order)
        code: RejectCode | None = None
        reason = ""
        for order in members:
            code, reason = self._submit_refusal(order, check_capabilities=False)
            if code is not None:
                reason = f"order list {order_list.order_list_id}: {reason}"
                break
        if code is None:
            gap = self._capabilities.supports_list(order_list)
            if gap is not None:
                code = RejectCode.NOT_SUPPORTED
                reason = f"{self._venue}: order list {order_list.order_list_id}: {gap}"
        if code is not None:
            for order in members:
                self._deny(order, code, reason)
            return False
        for order in members:
            self.track(order)
        for order in members:
            self._local(order, self._events.submitted(order, account_id=self._account_id))
        return True

    def begin_modify(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> bool:
        """Run the local checks of ``modify_order(order, ...)``.

        Returns ``True`` after publishing ``OrderPendingUpdate`` (send the modify now), or
        ``False`` after publishing a local ``OrderModifyRejected`` (``ORDER_CLOSED``,
        ``CANCEL_PENDING``, ``NOT_CONNECTED`` or ``NOT_SUPPORTED``). Raises
        :class:`~lyra.errors.InvalidOrder` for bad arguments (none given, ``None``, a field
        the order type lacks) and :class:`~lyra.errors.InvalidTransition` for an order that
        never left Lyra, publishing nothing.
        """
        self._check_order(order)
        _check_modify_args(order, quantity, price, trigger_price)
        status = order.status
        if status in _NEVER_SENT:
            raise InvalidTransition(order.client_order_id, status, "OrderPendingUpdate")
        self.track(order)
        code: RejectCode | None = None
        reason = ""
        if status in _CLOSED_AT_VENUE:
            code, reason = RejectCode.ORDER_CLOSED, f"the order is already {status.name}"
        elif status is _PENDING_CANCEL:
            code, reason = RejectCode.CANCEL_PENDING, "a cancel request is outstanding"
        elif not self.connected:
            code, reason = RejectCode.NOT_CONNECTED, f"the venue is {self._status.name}"
        else:
            gap = self._capabilities.supports_modify(order, quantity, price, trigger_price)
            if gap is not None:
                code, reason = RejectCode.NOT_SUPPORTED, gap
        if code is not None:
            self._local(
                order,
                self._events.modify_rejected(
                    order,
                    f"{self._venue}: {reason}",
                    code,
                    venue_order_id=order.venue_order_id,
                    account_id=self._account_id,
                ),
            )
            return False
        self._local(
            order,
            self._events.pending_update(
                order, venue_order_id=order.venue_order_id, account_id=self._account_id
            ),
        )
        self._count_request(order, 0)
        return True

    def begin_cancel(self, order: Order) -> bool:
        """Run the local checks of ``cancel_order(order)``.

        Returns ``True`` after publishing ``OrderPendingCancel`` (send the cancel now), or
        ``False`` after publishing a local ``OrderCancelRejected`` (``ORDER_CLOSED`` or
        ``NOT_CONNECTED``). Raises :class:`~lyra.errors.InvalidTransition` for an order that
        never left Lyra, publishing nothing.
        """
        self._check_order(order)
        status = order._status
        if status in _NEVER_SENT:
            raise InvalidTransition(order.client_order_id, status, "OrderPendingCancel")
        if self._orders.get(order._client_order_id) is not order:
            self.track(order)  # (checks the order again: rare)
        if status in _CLOSED_AT_VENUE:
            self._cancel_rejected(
                order, RejectCode.ORDER_CLOSED, f"the order is already {status.name}"
            )
            return False
        if self._status is not _CONNECTED:
            self._cancel_rejected(
                order, RejectCode.NOT_CONNECTED, f"the venue is {self._status.name}"
            )
            return False
        self._local(
            order,
            self._events.pending_cancel(
                order, venue_order_id=order._venue_order_id, account_id=self._account_id
            ),
        )
        self._count_request(order, 1)
        return True

    def begin_cancel_all(
        self, instrument_id: InstrumentId | str, side: OrderSide | None = None
    ) -> list[Order]:
        """Run the local checks of ``cancel_all_orders(instrument_id, side)``.

        Every tracked order of the instrument (and side) that was sent, is not closed and
        has no cancel outstanding gets ``OrderPendingCancel``; those orders are returned
        (cancel them at the venue now). When not connected each gets a local
        ``OrderCancelRejected`` (``NOT_CONNECTED``) instead and the list is empty.
        """
        iid = (
            instrument_id
            if isinstance(instrument_id, InstrumentId)
            else InstrumentId(instrument_id)
        )
        if iid.venue != self._venue:
            raise InvalidInput(
                "instrument_id", f"must be an instrument of venue {self._venue}", iid
            )
        if side is not None and side not in (OrderSide.BUY, OrderSide.SELL):
            raise InvalidInput("side", "must be None, BUY or SELL", side)
        targets = [o for o in self.working_orders(iid, side) if o.status is not _PENDING_CANCEL]
        if not self.connected:
            reason = f"the venue is {self._status.name}"
            for order in targets:
                self._cancel_rejected(order, RejectCode.NOT_CONNECTED, reason)
            return []
        events = self._events
        for order in targets:
            self._local(
                order,
                events.pending_cancel(
                    order, venue_order_id=order.venue_order_id, account_id=self._account_id
                ),
            )
            self._count_request(order, 1)
        return targets

    # -- venue answers --------------------------------------------------------------------------
    def emit(self, event: OrderEvent) -> ApplyOutcome | None:
        """Apply a venue's event to its tracked order, then publish it.

        Returns the :class:`~lyra.orders.ApplyOutcome`: APPLIED and OVERFILL events are
        published (an OVERFILL also raises an OVERFILL anomaly); a DUPLICATE is not. Returns
        ``None`` after publishing a :class:`~lyra.venue.VenueAnomaly` instead when the order
        is not tracked (UNKNOWN_ORDER) or the state machine refused the event
        (REFUSED_EVENT). A fill, trigger, update, cancel or expiry of an order never
        acknowledged is preceded by the ``OrderAccepted`` it implies (when the event carries
        a venue order id).
        """
        order = self._orders.get(event.client_order_id)
        if order is None:
            self.anomaly(
                AnomalyKind.UNKNOWN_ORDER,
                f"{type(event).__name__} for order {event.client_order_id}, which venue "
                f"{self._venue} does not track",
                client_order_id=event.client_order_id,
                venue_order_id=getattr(event, "venue_order_id", None),
                ts_event=event.ts_event,
            )
            return None
        etype = type(event)
        if order._ts_accepted is None and etype in _IMPLY_ACCEPTED:
            vid = getattr(event, "venue_order_id", None)
            if vid is not None and order.status not in _CLOSED:
                implied = self._events.accepted(
                    order,
                    vid,
                    account_id=getattr(event, "account_id", None) or self._account_id,
                    ts_event=event.ts_event,
                    reconciliation=event.reconciliation,
                )
                # Lyra learned of the acceptance from this very message: same ts_init.
                implied = msgspec.structs.replace(implied, ts_init=event.ts_init)
                if self._apply(order, implied) is None:
                    return None
        kind = _ANSWER_KIND.get(etype)
        if kind is None:
            return self._apply(order, event)
        return self._answer(order, event, kind)

    def sync_order(
        self,
        order: Order,
        report: OrderStatusReport | None,
        fills: Iterable[FillReport] = (),
        *,
        complete: bool = True,
    ) -> list[OrderEvent]:
        """Bring a tracked order in line with the venue's view; return the events published.

        Call it for every tracked order after a reconnect and after :meth:`adopt` (with the
        venue's report of the order, ``None`` if the venue does not list it, and its fills
        since the order was last known to be in step). Every event is marked
        ``reconciliation=True``, goes through :meth:`emit` (so duplicates drop out), and is,
        in order:

        1. each fill the order has not applied (by trade id);
        2. with a report: the acknowledgement if the order never had one (unless REJECTED);
           an ``OrderUpdated`` when the venue's quantity / price / trigger price differ, or
           when a modify is pending (its answer was lost: the venue's values win);
           ``OrderTriggered``; ``OrderCancelRejected`` when a cancel is pending but the
           order is still open; ``OrderCanceled`` / ``OrderExpired`` / ``OrderRejected``
           when the venue closed it; a VenueAnomaly UNRECONCILED when the venue reports
           more filled than the fills given;
        3. without a report, for an order still in flight or open: ``OrderRejected``
           (UNKNOWN_ORDER) if it was never acknowledged, else ``OrderCanceled`` -- but only
           when ``complete`` (the venue's history covers the order); otherwise an
           UNRECONCILED anomaly and no change.
        """
        self._check_order(order)
        if self._orders.get(order.client_order_id) is not order:
            self.track(order)
        ev = self._events
        out: list[OrderEvent] = []

        def send(event: OrderEvent) -> None:
            outcome = self.emit(event)
            if outcome is not None and outcome is not _DUPLICATE:
                out.append(event)

        aid = self._account_id
        for f in fills:
            if f.trade_id in order.trade_ids:
                continue
            send(
                ev.filled(
                    order,
                    trade_id=f.trade_id,
                    last_qty=f.last_qty,
                    last_px=f.last_px,
                    commission=f.commission,
                    currency=f.currency,
                    liquidity_side=f.liquidity_side,
                    venue_order_id=f.venue_order_id,
                    account_id=f.account_id,
                    position_id=f.position_id,
                    ts_event=f.ts_event,
                    reconciliation=True,
                )
            )
        if report is None:
            if order.status in _NEVER_SENT or order.status in _CLOSED:
                return out
            if not complete:
                self.anomaly(
                    AnomalyKind.UNRECONCILED,
                    f"order {order.client_order_id} is {order.status.name} here and not listed "
                    "by the venue, whose history is incomplete",
                    client_order_id=order.client_order_id,
                )
            elif order.ts_accepted is None:
                send(
                    ev.rejected(
                        order,
                        f"{self._venue}: the venue does not know the order (reconciled)",
                        RejectCode.UNKNOWN_ORDER,
                        account_id=aid,
                        reconciliation=True,
                    )
                )
            else:
                send(
                    ev.canceled(
                        order,
                        venue_order_id=order.venue_order_id,
                        account_id=aid,
                        reconciliation=True,
                    )
                )
            return out
        vid = report.venue_order_id
        ts = report.ts_last
        status = report.status
        if order.ts_accepted is None and status is not _S.REJECTED and not order.is_closed:
            accepted_at = report.ts_accepted if report.ts_accepted is not None else ts
            send(ev.accepted(order, vid, account_id=aid, ts_event=accepted_at, reconciliation=True))
        if report.is_open:
            changed = (
                report.quantity != order.quantity
                or (report.price is not None and report.price != order.price)
                or (
                    report.trigger_price is not None and report.trigger_price != order.trigger_price
                )
            )
            if changed or order.status is _S.PENDING_UPDATE:
                send(
                    ev.updated(
                        order,
                        quantity=report.quantity,
                        price=report.price,
                        trigger_price=report.trigger_price,
                        venue_order_id=vid,
                        account_id=aid,
                        ts_event=ts,
                        reconciliation=True,
                    )
                )
            if status is _S.TRIGGERED and order.ts_triggered is None:
                send(
                    ev.triggered(
                        order, venue_order_id=vid, account_id=aid, ts_event=ts, reconciliation=True
                    )
                )
            if order.status is _PENDING_CANCEL:
                send(
                    ev.cancel_rejected(
                        order,
                        f"{self._venue}: the order is still open at the venue (reconciled)",
                        RejectCode.VENUE_REJECTED,
                        venue_order_id=vid,
                        account_id=aid,
                        ts_event=ts,
                        reconciliation=True,
                    )
                )
        elif not order.is_closed:
            reason = report.reason or "reconciled"
            if status is _S.CANCELED:
                send(
                    ev.canceled(
                        order, venue_order_id=vid, account_id=aid, ts_event=ts, reconciliation=True
                    )
                )
            elif status is _S.EXPIRED:
                send(
                    ev.expired(
                        order, venue_order_id=vid, account_id=aid, ts_event=ts, reconciliation=True
                    )
                )
            elif status is _S.REJECTED:
                send(
                    ev.rejected(
                        order,
                        f"{self._venue}: {reason}",
                        RejectCode.VENUE_REJECTED,
                        venue_order_id=vid,
                        account_id=aid,
                        ts_event=ts,
                        reconciliation=True,
                    )
                )
        if report.filled_qty > order.filled_qty:
            self.anomaly(
                AnomalyKind.UNRECONCILED,
                f"order {order.client_order_id}: the venue reports {report.filled_qty} filled, "
                f"the fills known add up to {order.filled_qty}",
                client_order_id=order.client_order_id,
                venue_order_id=vid,
                ts_event=ts,
            )
        return out

    # -- internals ------------------------------------------------------------------------------
    def _count_request(self, order: Order, kind: int) -> None:
        counts = self._requests.get(order.client_order_id)
        if counts is None:
            counts = self._requests[order.client_order_id] = [0, 0]
        counts[kind] += 1

    def _answer(self, order: Order, event: OrderEvent, kind: int) -> ApplyOutcome | None:
        """Publish each request's answer once.

        The state machine records an OrderUpdated / OrderModifyRejected / OrderCancelRejected
        in most statuses (a late answer is information), so it cannot tell a venue's second
        copy of an answer from the answer to a second request. The flow can: it counts the
        requests it sent. An answer with no request outstanding is a duplicate unless the
        order is still pending that kind of request (sent before a restart) or it is an
        OrderUpdated that changes something (the venue amended the order on its own), or an
        OrderCanceled (a venue may cancel on its own; the state machine ignores repeats).
        """
        cid = order.client_order_id
        counts = self._requests.get(cid)
        outstanding = counts[kind] if counts is not None else 0
        if (
            not outstanding
            and type(event) is not OrderCanceled
            and order.status is not _PENDING_OF_KIND[kind]
            and (not isinstance(event, OrderUpdated) or not _changes(order, event))
        ):
            return _DUPLICATE
        outcome = self._apply(order, event)
        if outstanding and outcome is not None and outcome is not _DUPLICATE:
            assert counts is not None
            counts[kind] = outstanding - 1
            if not counts[0] and not counts[1]:
                del self._requests[cid]
        return outcome

    def _apply(self, order: Order, event: OrderEvent) -> ApplyOutcome | None:
        try:
            outcome = order.apply(event)
        except (InvalidTransition, InvalidOrder) as exc:
            self.anomaly(
                AnomalyKind.REFUSED_EVENT,
                f"{type(event).__name__} refused: {exc}",
                client_order_id=order.client_order_id,
                venue_order_id=getattr(event, "venue_order_id", None),
                ts_event=event.ts_event,
            )
            return None
        if outcome is _DUPLICATE:
            return outcome
        vid = getattr(event, "venue_order_id", None)
        if vid is not None and vid not in self._by_venue_id:
            self._by_venue_id[vid] = order
        if order._status in _CLOSED:
            self._active.pop(order._client_order_id, None)
        topic = self._topics.get(order._strategy_id)
        if topic is None:
            topic = self._topic(order._strategy_id)
        self._bus.publish(topic, event)
        if outcome is _OVERFILL:
            self.anomaly(
                AnomalyKind.OVERFILL,
                f"order {order.client_order_id} is filled beyond its quantity "
                f"{order.quantity} by {order.overfill_qty}",
                client_order_id=order.client_order_id,
                venue_order_id=order.venue_order_id,
                ts_event=event.ts_event,
            )
        return outcome

    def _local(self, order: Order, event: OrderEvent) -> None:
        """Apply and publish an event the flow made itself (it cannot be refused: the
        checks before it made sure)."""
        order.apply(event)
        if order._status in _CLOSED:
            self._active.pop(order._client_order_id, None)
        topic = self._topics.get(order._strategy_id)
        if topic is None:
            topic = self._topic(order._strategy_id)
        self._bus.publish(topic, event)

    def _topic(self, strategy_id: StrategyId) -> str:
        topic = self._topics.get(strategy_id)
        if topic is None:
            topic = self._topics[strategy_id] = topics.order_events(strategy_id)
        return topic

    def _check_order(self, order: object) -> None:
        if not isinstance(order, Order):
            raise InvalidOrder("order", "must be an Order", order)
        iid = order._instrument_id
        if iid in self._our_instruments:
            return
        if iid.venue == self._venue:
            self._our_instruments.add(iid)
        else:
            raise InvalidOrder(
                "instrument_id",
                f"must be an instrument of venue {self._venue}",
                order.instrument_id,
            )

    def _check_sendable(self, order: Order) -> None:
        self._check_order(order)
        if order._emulation_trigger is not _NO_TRIGGER:  # order.is_emulated
            raise InvalidOrder(
                "emulation_trigger",
                "is set: the emulator holds this order; it goes to a venue only once released",
                order.emulation_trigger,
            )
        if order._status not in _SENDABLE:
            raise InvalidTransition(order.client_order_id, order.status, "OrderSubmitted")

    def _submit_refusal(
        self, order: Order, *, check_capabilities: bool = True
    ) -> tuple[RejectCode | None, str]:
        existing = self._orders.get(order._client_order_id)
        if existing is not None and existing is not order:
            return (
                RejectCode.DUPLICATE_CLIENT_ORDER_ID,
                f"{self._venue}: client order id {order.client_order_id} was already used "
                "on this venue",
            )
        if self._status is not _CONNECTED:
            return RejectCode.NOT_CONNECTED, f"{self._venue}: the venue is {self._status.name}"
        if check_capabilities:
            gap = self._supports(order)
            if gap is not None:
                return RejectCode.NOT_SUPPORTED, f"{self._venue}: {gap}"
        return None, ""

    def _supports(self, order: Order) -> str | None:
        """``capabilities.supports(order)``, remembered per order shape: the answer depends
        only on the fields in the key (see VenueCapabilities.gaps)."""
        caps = self._capabilities
        if type(caps) is not VenueCapabilities:  # a subclass may decide otherwise
            return caps.supports(order)
        key = (
            order.order_type,
            order.time_in_force,
            order.post_only,
            order.reduce_only,
            order.display_qty is None,
            order.quote_quantity,
            order.trigger_type,
            order.trailing_offset_type,
            order.activation_price is None,
        )
        try:
            return self._supported[key]
        except KeyError:
            gap = self._supported[key] = caps.supports(order)
            return gap

    def _deny(self, order: Order, code: RejectCode, reason: str) -> None:
        self._local(order, self._events.denied(order, reason, code))

    def _cancel_rejected(self, order: Order, code: RejectCode, reason: str) -> None:
        self._local(
            order,
            self._events.cancel_rejected(
                order,
                f"{self._venue}: {reason}",
                code,
                venue_order_id=order.venue_order_id,
                account_id=self._account_id,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"OrderFlow({self._venue}, {self._account_id}, {self._status.name}, "
            f"tracking {len(self._orders)} orders, {len(self._active)} not closed)"
        )


def _changes(order: Order, event: OrderUpdated) -> bool:
    """Whether applying ``event`` would change anything on ``order``."""
    return (
        event.quantity != order.quantity
        or (event.price is not None and event.price != order.price)
        or (event.trigger_price is not None and event.trigger_price != order.trigger_price)
        or (event.quote_quantity is not None and event.quote_quantity != order.quote_quantity)
        or (event.venue_order_id is not None and event.venue_order_id != order.venue_order_id)
    )


def _check_modify_args(order: Order, quantity: Any, price: Any, trigger_price: Any) -> None:
    for name, value in (
        ("quantity", quantity),
        ("price", price),
        ("trigger_price", trigger_price),
    ):
        if value is None:
            raise InvalidOrder(
                f"modify_order.{name}",
                "None is not a value: leave the argument out (UNSET) to keep the current one",
                None,
            )
    if quantity is UNSET and price is UNSET and trigger_price is UNSET:
        raise InvalidOrder(
            "modify_order", "must change at least one of quantity, price, trigger_price"
        )
    otype = order.order_type
    if quantity is not UNSET and (type(quantity) is not Quantity or not quantity.is_positive()):
        raise InvalidOrder("modify_order.quantity", "must be a positive Quantity", quantity)
    if price is not UNSET:
        if type(price) is not Price:
            raise InvalidOrder("modify_order.price", "must be a Price", price)
        if otype not in _PRICED:
            raise InvalidOrder(
                "modify_order.price", f"{otype.name} orders have no limit price", price
            )
    if trigger_price is not UNSET:
        if type(trigger_price) is not Price:
            raise InvalidOrder("modify_order.trigger_price", "must be a Price", trigger_price)
        if otype not in _TRIGGERED:
            raise InvalidOrder(
                "modify_order.trigger_price",
                f"{otype.name} orders have no trigger price",
                trigger_price,
            )


_K = TypeVar("_K", bound=Hashable)


class SubscriptionSet(Generic[_K]):
    """Counted data subscriptions, the same for every venue.

    The venue-side feed of a key (e.g. ``("quotes", instrument_id)``) starts at its first
    :meth:`add` and stops at the matching last :meth:`remove`, so two components sharing a
    venue do not cut each other's data off. Iterate it to resubscribe after a reconnect.
    """

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: dict[_K, int] = {}

    def add(self, key: _K) -> bool:
        """Count one subscription; ``True`` if it is the first (subscribe at the venue)."""
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        return n == 1

    def remove(self, key: _K) -> bool:
        """Drop one subscription; ``True`` if it was the last (unsubscribe at the venue).
        Removing a key that is not subscribed does nothing and returns ``False``."""
        n = self._counts.get(key)
        if n is None:
            return False
        if n == 1:
            del self._counts[key]
            return True
        self._counts[key] = n - 1
        return False

    def count(self, key: _K) -> int:
        """How many subscriptions ``key`` has."""
        return self._counts.get(key, 0)

    def __contains__(self, key: object) -> bool:
        return key in self._counts

    def __iter__(self) -> Iterator[_K]:
        return iter(tuple(self._counts))

    def __len__(self) -> int:
        return len(self._counts)

    def __repr__(self) -> str:
        return f"SubscriptionSet({len(self._counts)} keys)"
