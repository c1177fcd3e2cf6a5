"""Order events: everything that happens to an order, as immutable, serializable records.

An order is created from an :class:`OrderInitialized` event, which carries its whole
specification; every later change is one of the other events here, applied with
:meth:`lyra.orders.Order.apply`. Replaying an order's events rebuilds it exactly.

Every event is a frozen, tagged :class:`msgspec.Struct` (the tag is the class name, under the
key ``"type"``) without garbage-collector tracking, and carries:

* ``strategy_id``, ``instrument_id``, ``client_order_id`` -- which order;
* ``event_id`` -- a deterministic id chosen by whoever made the event. Lyra never draws a
  random id: :class:`~lyra.orders.OrderFactory` and :class:`~lyra.orders.EventFactory` number
  events with a counter (``"<prefix><n>"``), and an adapter may pass the venue's own message
  id. Same inputs, same ids;
* ``ts_event`` (when it happened at the source) and ``ts_init`` (when Lyra made the event),
  both integer nanoseconds since the Unix epoch;
* ``reconciliation`` -- ``True`` when the event was inferred while reconciling with a venue
  rather than reported live.

Venue-side events also carry ``venue_order_id`` and ``account_id`` where they are known.
:data:`OrderEvent` is the union of all event types. Every event class is registered with
:func:`lyra.model.codec.register_struct`, so ``lyra.model.codec.decode_msgpack(data)`` (no
type) decodes order events too; wire forms of prices, quantities, money and ids are the
codec's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeAlias

import msgspec

from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.enums import (
    ContingencyType,
    LiquiditySide,
    OrderSide,
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
from lyra.model.values import Money, Price, Quantity

__all__ = (
    "ORDER_EVENT_TYPES",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEmulated",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderInitialized",
    "OrderModifyRejected",
    "OrderPendingCancel",
    "OrderPendingUpdate",
    "OrderRejected",
    "OrderReleased",
    "OrderSubmitted",
    "OrderTriggered",
    "OrderUpdated",
)


class _EventBase(msgspec.Struct, frozen=True, tag=True, gc=False, kw_only=True, omit_defaults=True):
    """Fields every order event carries (private base)."""

    strategy_id: StrategyId
    instrument_id: InstrumentId
    client_order_id: ClientOrderId
    event_id: str
    ts_event: int
    ts_init: int
    reconciliation: bool = False


class _VenueEventBase(_EventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """Events that may come from a venue: they carry the venue's ids where known."""

    venue_order_id: VenueOrderId | None = None
    account_id: AccountId | None = None


class OrderInitialized(_EventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The birth of an order: its complete specification.

    Optional fields left at their defaults mean "not used by this order". The rules that tie
    them together (which types need a price, which time in force a type can carry, ...) are
    checked when an :class:`~lyra.orders.Order` is made from the event; see
    :mod:`lyra.orders.validation`.
    """

    side: OrderSide
    order_type: OrderType
    quantity: Quantity
    time_in_force: TimeInForce = TimeInForce.GTC
    price: Price | None = None
    trigger_price: Price | None = None
    trigger_type: TriggerType = TriggerType.NO_TRIGGER
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    quote_quantity: bool = False
    display_qty: Quantity | None = None
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType = TrailingOffsetType.NO_TRAILING_OFFSET
    limit_offset: Decimal | None = None
    activation_price: Price | None = None
    emulation_trigger: TriggerType = TriggerType.NO_TRIGGER
    contingency_type: ContingencyType = ContingencyType.NO_CONTINGENCY
    order_list_id: OrderListId | None = None
    linked_order_ids: tuple[ClientOrderId, ...] = ()
    parent_order_id: ClientOrderId | None = None
    tags: tuple[str, ...] = ()


class OrderDenied(_EventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """Lyra refused the order before it left (risk check, rate limit, duplicate id, ...).

    ``code`` is machine-readable (e.g. ``"RATE_LIMITED"``); ``reason`` is for people.
    """

    reason: str
    code: str


class OrderEmulated(_EventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The order is held and triggered locally by the emulator instead of the venue."""


class OrderReleased(_EventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The emulator released the order for submission (its emulation trigger is cleared)."""

    released_price: Price | None = None


class OrderSubmitted(_EventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The order was sent to the venue."""

    account_id: AccountId | None = None


class OrderAccepted(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The venue acknowledged the order; it is working there under ``venue_order_id``."""

    venue_order_id: VenueOrderId


class OrderRejected(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The venue refused the order. ``code`` is the venue's or Lyra's machine-readable code."""

    reason: str
    code: str
    due_post_only: bool = False


class OrderCanceled(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The order was canceled (by request, by IOC/FOK rules, or by a contingency)."""


class OrderExpired(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The order expired (GTD expire time, DAY session end)."""


class OrderTriggered(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """A stop, if-touched or trailing order's trigger condition was met."""


class OrderPendingUpdate(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """A modify request was sent; the order waits for the venue's answer."""


class OrderPendingCancel(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """A cancel request was sent; the order waits for the venue's answer."""


class OrderModifyRejected(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The venue (or a local check) refused a modify request."""

    reason: str
    code: str


class OrderCancelRejected(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The venue refused a cancel request (unknown order, too late, ...)."""

    reason: str
    code: str


class OrderUpdated(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """The order was modified. ``quantity`` is the new total quantity; ``price`` and
    ``trigger_price`` of ``None`` (and ``quote_quantity`` of ``None``) mean unchanged. A
    ``venue_order_id`` here replaces the order's (venues that re-key amended orders)."""

    quantity: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    quote_quantity: bool | None = None


class OrderFilled(_VenueEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """A fill (an execution) of ``last_qty`` at ``last_px``.

    ``trade_id`` identifies the execution; an order applies each trade id once.
    ``currency`` is the currency ``last_px`` is quoted in; ``commission`` may be in another
    currency (fees paid in a venue token).
    """

    venue_order_id: VenueOrderId
    trade_id: TradeId
    order_side: OrderSide
    order_type: OrderType
    last_qty: Quantity
    last_px: Price
    currency: Currency
    commission: Money
    liquidity_side: LiquiditySide
    position_id: PositionId | None = None


OrderEvent: TypeAlias = (
    OrderInitialized
    | OrderDenied
    | OrderEmulated
    | OrderReleased
    | OrderSubmitted
    | OrderAccepted
    | OrderRejected
    | OrderCanceled
    | OrderExpired
    | OrderTriggered
    | OrderPendingUpdate
    | OrderPendingCancel
    | OrderModifyRejected
    | OrderCancelRejected
    | OrderUpdated
    | OrderFilled
)
"""Any order event (a tagged union: the ``"type"`` key names the class)."""

ORDER_EVENT_TYPES: tuple[type[OrderEvent], ...] = (
    OrderInitialized,
    OrderDenied,
    OrderEmulated,
    OrderReleased,
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderCanceled,
    OrderExpired,
    OrderTriggered,
    OrderPendingUpdate,
    OrderPendingCancel,
    OrderModifyRejected,
    OrderCancelRejected,
    OrderUpdated,
    OrderFilled,
)
"""Every order event class, in lifecycle order."""

for _cls in ORDER_EVENT_TYPES:  # join the codec's union: untyped decoding finds them
    register_struct(_cls)
del _cls
