"""The :class:`Order`: one mutable object per order, driven by its events.

An order is made from an :class:`~lyra.orders.OrderInitialized` event (validated on the way
in) and changes only through :meth:`Order.apply`, which runs the state machine of
:mod:`lyra.orders.state`. Everything an order knows follows from its events, so
:meth:`Order.from_events` rebuilds an equal order from ``order.events``.

Quantities are exact. ``filled_qty`` is the sum of applied fills; ``leaves_qty`` is what is
still working: ``quantity - filled_qty`` while the order can fill, and 0 once it is closed
(DENIED, REJECTED, CANCELED, EXPIRED, FILLED), as FIX defines LeavesQty. So for an order that
is not closed, ``filled_qty + leaves_qty == quantity``. An overfill (fills beyond
``quantity``) is applied, reported by :meth:`Order.apply` as :attr:`ApplyOutcome.OVERFILL`,
and kept in ``overfill_qty``. The average fill price is kept as an exact integer sum of
``price.raw * qty.raw``; :attr:`Order.avg_px_fraction` is the exact mean and
:attr:`Order.avg_px` that mean as a :class:`~decimal.Decimal` rounded half-even to 18
decimal places (exact whenever the mean has 18 or fewer decimals, e.g. a single price).
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from lyra.errors import InvalidOrder, InvalidTransition
from lyra.model.currency import Currency
from lyra.model.enums import (
    ContingencyType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from lyra.model.values import FIXED_SCALAR, Money, Price, Quantity
from lyra.orders.events import (
    ORDER_EVENT_TYPES,
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderReleased,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.state import (
    CLOSED_STATUSES,
    INFLIGHT_STATUSES,
    LOCAL_STATUSES,
    OPEN_STATUSES,
    PENDING_STATUSES,
    TRANSITIONS,
    Resolve,
    TransitionTarget,
)
from lyra.orders.validation import (
    DISPLAY_QTY_TYPES,
    PRICE_OPTIONAL_TYPES,
    PRICE_REQUIRED_TYPES,
    TRIGGER_OPTIONAL_TYPES,
    TRIGGER_REQUIRED_TYPES,
    TRIGGERABLE_TYPES,
    validate_order,
)

__all__ = ("ApplyOutcome", "Order")


class ApplyOutcome(enum.IntEnum):
    """What :meth:`Order.apply` did with an event."""

    APPLIED = 1
    """The event was applied and recorded."""
    DUPLICATE = 2
    """A duplicate or late message that changes nothing (a repeated trade id, a second ack):
    the order is unchanged and the event is not recorded."""
    OVERFILL = 3
    """A fill was applied and the order is now filled beyond its quantity (see
    :attr:`Order.overfill_qty`)."""


_S = OrderStatus
_APPLIED: Final = ApplyOutcome.APPLIED
_DUPLICATE: Final = ApplyOutcome.DUPLICATE
_OVERFILL: Final = ApplyOutcome.OVERFILL
_STAY: Final = Resolve.STAY
_BY_FILL: Final = Resolve.BY_FILL
_LATE_FILL: Final = Resolve.LATE_FILL
_PREVIOUS: Final = Resolve.PREVIOUS
_PENDING_BASE: Final = Resolve.PENDING_BASE
_IGNORE: Final = Resolve.IGNORE
_FILLED: Final = _S.FILLED
_PARTIALLY_FILLED: Final = _S.PARTIALLY_FILLED
_CLOSED: Final = CLOSED_STATUSES
_PENDING: Final = PENDING_STATUSES
_PRICED_TYPES: Final = PRICE_REQUIRED_TYPES | PRICE_OPTIONAL_TYPES | {OrderType.MARKET_TO_LIMIT}
_TRIGGER_TYPES: Final = TRIGGER_REQUIRED_TYPES | TRIGGER_OPTIONAL_TYPES
_make_qty: Final = Quantity._make
_AVG_PLACES: Final = Decimal(1).scaleb(-18)
_SIDE_OF: Final = {int(s): s for s in OrderSide}
_TRIGGER_OF: Final = {int(t): t for t in TriggerType}
_TYPE_OF: Final = {int(t): t for t in OrderType}
_TIF_OF: Final = {int(t): t for t in TimeInForce}
_OFFSET_TYPE_OF: Final = {int(t): t for t in TrailingOffsetType}
_CONTINGENCY_OF: Final = {int(t): t for t in ContingencyType}


class Order:
    """One order: its specification, its status and everything its fills added up to.

    Make one with :class:`~lyra.orders.OrderFactory` (or ``Order(OrderInitialized(...))``);
    change it only with :meth:`apply`. Attributes are read-only properties. Two orders are
    equal when their whole state is equal, so ``Order.from_events(order.events) == order``.
    """

    __slots__ = (
        "_account_id",
        "_client_order_id",
        "_commissions",
        "_emulation_trigger",
        "_events",
        "_fill_precision",
        "_filled_raw",
        "_init",
        "_instrument_id",
        "_last_trade_id",
        "_liquidity_side",
        "_notional_raw",
        "_order_type",
        "_position_id",
        "_previous_status",
        "_price",
        "_qty_raw",
        "_quantity",
        "_quote_quantity",
        "_side",
        "_status",
        "_strategy_id",
        "_time_in_force",
        "_trade_ids",
        "_trigger_price",
        "_trigger_type",
        "_ts_accepted",
        "_ts_closed",
        "_ts_last",
        "_ts_submitted",
        "_ts_triggered",
        "_venue_order_id",
        "_venue_order_ids",
    )

    _init: OrderInitialized
    _client_order_id: ClientOrderId
    _strategy_id: StrategyId
    _instrument_id: InstrumentId
    _side: OrderSide
    _status: OrderStatus
    _previous_status: OrderStatus | None
    _quantity: Quantity
    _qty_raw: int
    _price: Price | None
    _trigger_price: Price | None
    _quote_quantity: bool
    _emulation_trigger: TriggerType
    _filled_raw: int
    _fill_precision: int
    _notional_raw: int
    _commissions: dict[Currency, Money]
    _liquidity_side: LiquiditySide
    _trade_ids: set[TradeId]
    _last_trade_id: TradeId | None
    _venue_order_id: VenueOrderId | None
    _venue_order_ids: list[VenueOrderId]
    _account_id: AccountId | None
    _position_id: PositionId | None
    _events: list[OrderEvent]
    _ts_submitted: int | None
    _ts_accepted: int | None
    _ts_triggered: int | None
    _ts_closed: int | None
    _ts_last: int
    # the specification's enums as members (an OrderInitialized may hold plain ints)
    _order_type: OrderType
    _time_in_force: TimeInForce
    _trigger_type: TriggerType

    def __init__(self, init: OrderInitialized) -> None:
        if type(init) is not OrderInitialized:
            raise InvalidOrder("init", "must be an OrderInitialized event", init)
        validate_order(init)
        self._init = init
        self._order_type = _TYPE_OF[init.order_type]
        self._time_in_force = _TIF_OF[init.time_in_force]
        self._trigger_type = _TRIGGER_OF[init.trigger_type]
        self._client_order_id = init.client_order_id
        self._strategy_id = init.strategy_id
        self._instrument_id = init.instrument_id
        self._side = _SIDE_OF[init.side]
        self._status = _S.INITIALIZED
        self._previous_status = None
        self._quantity = init.quantity
        self._qty_raw = init.quantity.raw
        self._price = init.price
        self._trigger_price = init.trigger_price
        self._quote_quantity = init.quote_quantity
        self._emulation_trigger = _TRIGGER_OF[init.emulation_trigger]
        self._filled_raw = 0
        self._fill_precision = 0
        self._notional_raw = 0
        self._commissions = {}
        self._liquidity_side = LiquiditySide.NO_LIQUIDITY_SIDE
        self._trade_ids = set()
        self._last_trade_id = None
        self._venue_order_id = None
        self._venue_order_ids = []
        self._account_id = None
        self._position_id = None
        self._events = [init]
        self._ts_submitted = None
        self._ts_accepted = None
        self._ts_triggered = None
        self._ts_closed = None
        self._ts_last = init.ts_event

    @classmethod
    def from_events(cls, events: Iterable[OrderEvent]) -> Order:
        """Rebuild an order by replaying its events (the first must be OrderInitialized)."""
        it = iter(events)
        first = next(it, None)
        if type(first) is not OrderInitialized:
            raise InvalidOrder("events", "must start with an OrderInitialized event", first)
        order = cls(first)
        for event in it:
            order.apply(event)
        return order

    # -- the state machine ----------------------------------------------------------------
    def apply(self, event: OrderEvent) -> ApplyOutcome:
        """Apply one event; return what happened.

        Raises :class:`~lyra.orders.InvalidTransition` when the event is not allowed in the
        current status and :class:`~lyra.orders.InvalidOrder` when it belongs to another
        order or breaks an order rule (an update below the filled quantity, a fill on the
        wrong side); either way the order is left unchanged.
        """
        entry = _DISPATCH.get(type(event))
        if entry is None:
            raise InvalidOrder("event", "must be an order event", event)
        if (
            event.client_order_id != self._client_order_id
            or event.strategy_id != self._strategy_id
            or event.instrument_id != self._instrument_id
        ):
            raise self._mismatch(event)
        target = entry[0][self._status]
        if target is None:
            raise InvalidTransition(self._client_order_id, self._status, type(event).__name__)
        return entry[1](self, event, target)

    def _mismatch(self, event: OrderEvent) -> InvalidOrder:
        name = type(event).__name__
        for field in ("client_order_id", "strategy_id", "instrument_id"):
            mine = getattr(self, "_" + field)
            if getattr(event, field) != mine:
                return InvalidOrder(
                    f"{name}.{field}", f"must be this order's {field} {mine}", getattr(event, field)
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def _move(self, status: OrderStatus, ts: int) -> None:
        current = self._status
        if status is not current:
            if current not in _PENDING:
                self._previous_status = current
            self._status = status
            if status in _CLOSED:
                self._ts_closed = ts

    def _resolve(self, event: OrderEvent, target: TransitionTarget) -> ApplyOutcome:
        """Shared handling of the status targets for events with no fields to apply."""
        if target is _IGNORE:
            return _DUPLICATE
        ts = event.ts_event
        if target is not _STAY:
            if target is _PREVIOUS:
                previous = self._previous_status
                assert previous is not None
                status = previous
            else:
                status = target  # type: ignore[assignment]  # a status, not a rule
            # _move, inlined (every event passes here)
            current = self._status
            if status is not current:
                if current not in _PENDING:
                    self._previous_status = current
                self._status = status
                if status in _CLOSED:
                    self._ts_closed = ts
        self._ts_last = ts
        self._events.append(event)
        return _APPLIED

    def _on_simple(self, event: Any, target: TransitionTarget) -> ApplyOutcome:
        # Denied, Emulated, PendingUpdate/Cancel, Rejected, Canceled, Expired, Modify/CancelRejected
        if target is _IGNORE:
            return _DUPLICATE
        # _note_venue_ids, inlined
        vid = getattr(event, "venue_order_id", None)
        if vid is not None and vid != self._venue_order_id:
            self._venue_order_id = vid
            self._venue_order_ids.append(vid)
        aid = getattr(event, "account_id", None)
        if aid is not None and aid != self._account_id:
            self._account_id = aid
        return self._resolve(event, target)

    def _note_venue_ids(self, event: Any) -> bool:
        """Take the venue order id / account id an event carries; True if either changed."""
        changed = False
        vid = getattr(event, "venue_order_id", None)
        if vid is not None and vid != self._venue_order_id:
            self._venue_order_id = vid
            self._venue_order_ids.append(vid)
            changed = True
        aid = getattr(event, "account_id", None)
        if aid is not None and aid != self._account_id:
            self._account_id = aid
            changed = True
        return changed

    def _on_released(self, event: OrderReleased, target: TransitionTarget) -> ApplyOutcome:
        self._emulation_trigger = TriggerType.NO_TRIGGER
        return self._resolve(event, target)

    def _on_submitted(self, event: OrderSubmitted, target: TransitionTarget) -> ApplyOutcome:
        if event.account_id is not None:
            self._account_id = event.account_id
        self._ts_submitted = event.ts_event
        return self._resolve(event, target)

    def _on_accepted(self, event: OrderAccepted, target: TransitionTarget) -> ApplyOutcome:
        if target is _IGNORE:
            return _DUPLICATE
        if target is _STAY or target is _PENDING_BASE:
            changed = False
            if target is _PENDING_BASE and self._previous_status is _S.SUBMITTED:
                self._previous_status = _S.ACCEPTED
                changed = True
            if self._ts_accepted is None:
                changed = True
            if not changed and (
                event.venue_order_id == self._venue_order_id
                and (event.account_id is None or event.account_id == self._account_id)
            ):
                return _DUPLICATE
            target = _STAY
        self._note_venue_ids(event)
        if self._ts_accepted is None:
            self._ts_accepted = event.ts_event
        return self._resolve(event, target)

    def _on_triggered(self, event: OrderTriggered, target: TransitionTarget) -> ApplyOutcome:
        if self._init.order_type not in TRIGGERABLE_TYPES:
            raise InvalidTransition(self._client_order_id, self._status, "OrderTriggered")
        if target is _IGNORE:
            return _DUPLICATE
        if target is _STAY or target is _PENDING_BASE:
            changed = self._ts_triggered is None
            if target is _PENDING_BASE and self._previous_status in (_S.SUBMITTED, _S.ACCEPTED):
                self._previous_status = _S.TRIGGERED
                changed = True
            if self._note_venue_ids(event):
                changed = True
            if not changed:
                return _DUPLICATE
            target = _STAY
        else:
            self._note_venue_ids(event)
        if self._ts_triggered is None:
            self._ts_triggered = event.ts_event
        return self._resolve(event, target)

    def _on_updated(self, event: OrderUpdated, target: TransitionTarget) -> ApplyOutcome:
        qty = event.quantity
        if type(qty) is not Quantity or not qty.is_positive():
            raise InvalidOrder("OrderUpdated.quantity", "must be a positive Quantity", qty)
        if qty.raw < self._filled_raw:
            raise InvalidOrder(
                "OrderUpdated.quantity",
                f"must not be below the filled quantity {self.filled_qty}",
                qty,
            )
        order_type = self._init.order_type
        display = self._init.display_qty
        if display is not None and order_type in DISPLAY_QTY_TYPES and display > qty:
            raise InvalidOrder(
                "OrderUpdated.quantity", f"must not be below display_qty {display}", qty
            )
        if event.price is not None and order_type not in _PRICED_TYPES:
            raise InvalidOrder(
                "OrderUpdated.price",
                f"is not allowed on {OrderType(order_type).name} orders",
                event.price,
            )
        if event.trigger_price is not None and order_type not in _TRIGGER_TYPES:
            raise InvalidOrder(
                "OrderUpdated.trigger_price",
                f"is not allowed on {OrderType(order_type).name} orders",
                event.trigger_price,
            )
        self._quantity = qty
        self._qty_raw = qty.raw
        if event.price is not None:
            self._price = event.price
        if event.trigger_price is not None:
            self._trigger_price = event.trigger_price
        if event.quote_quantity is not None:
            self._quote_quantity = event.quote_quantity
        self._note_venue_ids(event)
        outcome = self._resolve(event, target)
        if self._filled_raw and self._filled_raw >= self._qty_raw:
            # the venue cut the order down to what has already filled: nothing is left
            self._move(_FILLED, event.ts_event)
        return outcome

    def _on_filled(self, event: OrderFilled, target: TransitionTarget) -> ApplyOutcome:
        trade_id = event.trade_id
        trade_ids = self._trade_ids
        if trade_id in trade_ids:
            return _DUPLICATE
        if event.order_side != self._side:
            raise InvalidOrder(
                "OrderFilled.order_side",
                f"must be the order's side {self._side.name}",
                event.order_side,
            )
        last_qty = event.last_qty
        qty_raw = last_qty.raw
        if qty_raw <= 0:
            raise InvalidOrder("OrderFilled.last_qty", "must be positive", last_qty)
        commission = event.commission
        currency = commission.currency
        commissions = self._commissions
        # compute everything that can raise before the first mutation
        total = commissions.get(currency)
        total = commission if total is None else total + commission
        notional = self._notional_raw + event.last_px.raw * qty_raw
        filled = self._filled_raw + qty_raw
        self._filled_raw = filled
        self._notional_raw = notional
        if last_qty.precision > self._fill_precision:
            self._fill_precision = last_qty.precision
        commissions[currency] = total
        trade_ids.add(trade_id)
        self._last_trade_id = trade_id
        self._liquidity_side = event.liquidity_side
        vid = event.venue_order_id
        if vid != self._venue_order_id:
            self._venue_order_id = vid
            self._venue_order_ids.append(vid)
        if event.account_id is not None:
            self._account_id = event.account_id
        if event.position_id is not None:
            self._position_id = event.position_id
        ts = event.ts_event
        self._ts_last = ts
        self._events.append(event)
        if filled >= self._qty_raw:
            if self._status is not _FILLED:
                self._move(_FILLED, ts)
            return _OVERFILL if filled > self._qty_raw else _APPLIED
        if target is _BY_FILL and self._status is not _PARTIALLY_FILLED:
            self._move(_PARTIALLY_FILLED, ts)
        return _APPLIED

    def _replace_init(self, init: OrderInitialized) -> None:
        """Swap the specification of an order nothing has happened to yet (list linking)."""
        if self._status is not _S.INITIALIZED or len(self._events) != 1:
            raise InvalidOrder(
                "order", "must be INITIALIZED with no events applied", self._client_order_id
            )
        if init.client_order_id != self._client_order_id:
            raise InvalidOrder("client_order_id", "must not change", init.client_order_id)
        validate_order(init)
        self._init = init
        self._order_type = _TYPE_OF[init.order_type]
        self._time_in_force = _TIF_OF[init.time_in_force]
        self._trigger_type = _TRIGGER_OF[init.trigger_type]
        self._events[0] = init

    # -- specification ----------------------------------------------------------------------
    @property
    def init(self) -> OrderInitialized:
        """The event the order was created from (its original specification)."""
        return self._init

    @property
    def client_order_id(self) -> ClientOrderId:
        """The order's client order id."""
        return self._client_order_id

    @property
    def strategy_id(self) -> StrategyId:
        """The strategy that owns the order."""
        return self._strategy_id

    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument traded."""
        return self._instrument_id

    @property
    def side(self) -> OrderSide:
        """BUY or SELL."""
        return self._side

    @property
    def order_type(self) -> OrderType:
        """The order type."""
        return self._order_type

    @property
    def quantity(self) -> Quantity:
        """The total quantity (changed by ``OrderUpdated``)."""
        return self._quantity

    @property
    def price(self) -> Price | None:
        """The limit price, if the order has one (changed by ``OrderUpdated``)."""
        return self._price

    @property
    def trigger_price(self) -> Price | None:
        """The trigger price, if the order has one (changed by ``OrderUpdated``)."""
        return self._trigger_price

    @property
    def trigger_type(self) -> TriggerType:
        """Which price stream triggers the order (``NO_TRIGGER`` if none)."""
        return self._trigger_type

    @property
    def time_in_force(self) -> TimeInForce:
        """The time in force."""
        return self._time_in_force

    @property
    def expire_time_ns(self) -> int | None:
        """Expiry time of a GTD order (ns since the Unix epoch), else ``None``."""
        return self._init.expire_time_ns

    @property
    def post_only(self) -> bool:
        """Whether the order must only add liquidity."""
        return self._init.post_only

    @property
    def reduce_only(self) -> bool:
        """Whether the order may only reduce a position."""
        return self._init.reduce_only

    @property
    def quote_quantity(self) -> bool:
        """Whether ``quantity`` is in the quote currency."""
        return self._quote_quantity

    @property
    def display_qty(self) -> Quantity | None:
        """The visible quantity of an iceberg order, else ``None``."""
        return self._init.display_qty

    @property
    def trailing_offset(self) -> Decimal | None:
        """A trailing stop's offset (unit: :attr:`trailing_offset_type`)."""
        return self._init.trailing_offset

    @property
    def trailing_offset_type(self) -> TrailingOffsetType:
        """Unit of the trailing and limit offsets."""
        return _OFFSET_TYPE_OF[self._init.trailing_offset_type]  # validated: always there

    @property
    def limit_offset(self) -> Decimal | None:
        """A trailing-stop-limit's limit offset from the trigger."""
        return self._init.limit_offset

    @property
    def activation_price(self) -> Price | None:
        """A trailing stop's activation price, if any."""
        return self._init.activation_price

    @property
    def emulation_trigger(self) -> TriggerType:
        """The local emulation trigger (``NO_TRIGGER``: the venue handles the order).

        Cleared by ``OrderReleased``."""
        return self._emulation_trigger

    @property
    def contingency_type(self) -> ContingencyType:
        """How the order depends on its linked orders."""
        return _CONTINGENCY_OF[self._init.contingency_type]  # validated: always there

    @property
    def order_list_id(self) -> OrderListId | None:
        """The order list the order belongs to, if any."""
        return self._init.order_list_id

    @property
    def linked_order_ids(self) -> tuple[ClientOrderId, ...]:
        """Orders this one is linked to (OCO/OUO peers, or an OTO parent's children)."""
        return self._init.linked_order_ids

    @property
    def parent_order_id(self) -> ClientOrderId | None:
        """The OTO parent that releases this order, if any."""
        return self._init.parent_order_id

    @property
    def tags(self) -> tuple[str, ...]:
        """Free-form tags."""
        return self._init.tags

    # -- state -----------------------------------------------------------------------------
    @property
    def status(self) -> OrderStatus:
        """The current status."""
        return self._status

    @property
    def previous_status(self) -> OrderStatus | None:
        """The status before the current one, not counting PENDING_UPDATE/PENDING_CANCEL;
        while pending, the status the order returns to if the request is refused."""
        return self._previous_status

    @property
    def venue_order_id(self) -> VenueOrderId | None:
        """The venue's id for the order (the latest one, if the venue re-keyed it)."""
        return self._venue_order_id

    @property
    def venue_order_ids(self) -> tuple[VenueOrderId, ...]:
        """Every venue order id the order has had, oldest first."""
        return tuple(self._venue_order_ids)

    @property
    def account_id(self) -> AccountId | None:
        """The account the order trades in, once known."""
        return self._account_id

    @property
    def position_id(self) -> PositionId | None:
        """The position the order's fills went to, once known."""
        return self._position_id

    @property
    def filled_qty(self) -> Quantity:
        """The quantity filled so far (exact)."""
        p = max(self._fill_precision, self._quantity.precision)
        return Quantity.from_raw(self._filled_raw, p)

    @property
    def leaves_qty(self) -> Quantity:
        """The quantity still working: ``quantity - filled_qty``, or 0 once closed."""
        p = self._fill_precision
        q = self._quantity._precision
        if q > p:
            p = q
        # 0 <= leaves <= quantity, at a precision that shows both: from_raw's checks pass
        if self._status in _CLOSED:
            return _make_qty(0, p)
        leaves = self._qty_raw - self._filled_raw
        return _make_qty(leaves if leaves > 0 else 0, p)

    @property
    def overfill_qty(self) -> Quantity:
        """How far fills went beyond ``quantity`` (0 normally)."""
        p = max(self._fill_precision, self._quantity.precision)
        return Quantity.from_raw(max(self._filled_raw - self._qty_raw, 0), p)

    @property
    def is_overfilled(self) -> bool:
        """Whether fills went beyond ``quantity``."""
        return self._filled_raw > self._qty_raw

    @property
    def avg_px_fraction(self) -> Fraction | None:
        """The exact quantity-weighted mean fill price, or ``None`` before the first fill."""
        if not self._filled_raw:
            return None
        return Fraction(self._notional_raw, self._filled_raw * FIXED_SCALAR)

    @property
    def avg_px(self) -> Decimal | None:
        """The mean fill price as a Decimal, rounded half-even to 18 decimal places (exact
        when it has no more decimals than that), or ``None`` before the first fill."""
        if not self._filled_raw:
            return None
        return _fraction_to_decimal(self._notional_raw, self._filled_raw * FIXED_SCALAR)

    @property
    def commissions(self) -> dict[Currency, Money]:
        """Total commission per currency (a copy)."""
        return dict(self._commissions)

    @property
    def liquidity_side(self) -> LiquiditySide:
        """Maker or taker, as of the last fill."""
        return self._liquidity_side

    @property
    def trade_ids(self) -> frozenset[TradeId]:
        """Trade ids of every applied fill."""
        return frozenset(self._trade_ids)

    @property
    def last_trade_id(self) -> TradeId | None:
        """Trade id of the last applied fill."""
        return self._last_trade_id

    @property
    def events(self) -> tuple[OrderEvent, ...]:
        """Every applied event, oldest first (duplicates that changed nothing are not kept)."""
        return tuple(self._events)

    @property
    def event_count(self) -> int:
        """Number of applied events, OrderInitialized included."""
        return len(self._events)

    @property
    def last_event(self) -> OrderEvent:
        """The most recently applied event."""
        return self._events[-1]

    @property
    def ts_init(self) -> int:
        """When the order was created (ns)."""
        return self._init.ts_init

    @property
    def ts_submitted(self) -> int | None:
        """When it was submitted (``ts_event`` of OrderSubmitted), if it was."""
        return self._ts_submitted

    @property
    def ts_accepted(self) -> int | None:
        """When the venue first acknowledged it, if it did."""
        return self._ts_accepted

    @property
    def ts_triggered(self) -> int | None:
        """When it was first reported triggered, if it was."""
        return self._ts_triggered

    @property
    def ts_closed(self) -> int | None:
        """When it reached a closed status, if it did."""
        return self._ts_closed

    @property
    def ts_last(self) -> int:
        """``ts_event`` of the last applied event."""
        return self._ts_last

    # -- predicates --------------------------------------------------------------------------
    @property
    def is_buy(self) -> bool:
        """Whether the order buys."""
        return self._side is OrderSide.BUY

    @property
    def is_sell(self) -> bool:
        """Whether the order sells."""
        return self._side is OrderSide.SELL

    @property
    def is_open(self) -> bool:
        """Working at the venue: ACCEPTED, TRIGGERED, PENDING_*, PARTIALLY_FILLED."""
        return self._status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        """In a final status: DENIED, REJECTED, CANCELED, EXPIRED or FILLED."""
        return self._status in _CLOSED

    @property
    def is_inflight(self) -> bool:
        """Waiting for the venue: SUBMITTED, PENDING_UPDATE or PENDING_CANCEL."""
        return self._status in INFLIGHT_STATUSES

    @property
    def is_pending(self) -> bool:
        """A modify or cancel request is outstanding."""
        return self._status in _PENDING

    @property
    def is_local(self) -> bool:
        """Not yet sent: INITIALIZED, EMULATED or RELEASED."""
        return self._status in LOCAL_STATUSES

    @property
    def is_emulated(self) -> bool:
        """Whether the order is held by the local emulator."""
        return self._emulation_trigger is not TriggerType.NO_TRIGGER

    @property
    def is_contingent(self) -> bool:
        """Whether the order belongs to an order list."""
        return self._init.order_list_id is not None

    # -- comparison, text ----------------------------------------------------------------------
    def _state(self) -> tuple[Any, ...]:
        return (
            self._init,
            self._status,
            self._previous_status,
            self._quantity,
            self._quantity.precision,
            self._price,
            self._trigger_price,
            self._quote_quantity,
            self._emulation_trigger,
            self._filled_raw,
            self._fill_precision,
            self._notional_raw,
            self._commissions,
            self._liquidity_side,
            self._trade_ids,
            self._last_trade_id,
            self._venue_order_id,
            self._venue_order_ids,
            self._account_id,
            self._position_id,
            self._events,
            self._ts_submitted,
            self._ts_accepted,
            self._ts_triggered,
            self._ts_closed,
            self._ts_last,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Order):
            return NotImplemented
        return self is other or self._state() == other._state()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        t = self.order_type.name
        px = f" @ {self._price}" if self._price is not None else ""
        trig = f" trigger {self._trigger_price}" if self._trigger_price is not None else ""
        return (
            f"Order({self._client_order_id}, {t} {self._side.name} {self._quantity}"
            f"{px}{trig} {self._init.instrument_id}, {self._status.name}, "
            f"filled={self.filled_qty})"
        )


def _fraction_to_decimal(num: int, den: int) -> Decimal:
    with decimal.localcontext() as ctx:
        ctx.prec = max(60, len(str(abs(num))) + 25)
        ctx.rounding = decimal.ROUND_HALF_EVEN
        d = (Decimal(num) / Decimal(den)).quantize(_AVG_PLACES)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


_Handler = Callable[[Order, Any, TransitionTarget], ApplyOutcome]


def _build_dispatch() -> dict[type, tuple[list[TransitionTarget | None], _Handler]]:
    handlers: dict[type, _Handler] = {
        OrderReleased: Order._on_released,
        OrderSubmitted: Order._on_submitted,
        OrderAccepted: Order._on_accepted,
        OrderTriggered: Order._on_triggered,
        OrderUpdated: Order._on_updated,
        OrderFilled: Order._on_filled,
    }
    size = max(OrderStatus) + 1
    dispatch: dict[type, tuple[list[TransitionTarget | None], _Handler]] = {}
    for event_type in ORDER_EVENT_TYPES:
        row: list[TransitionTarget | None] = [None] * size
        for status in OrderStatus:
            row[status] = TRANSITIONS.get((status, event_type))
        dispatch[event_type] = (row, handlers.get(event_type, Order._on_simple))
    return dispatch


_DISPATCH: Final = _build_dispatch()
