"""Orders: every order type, the one order state machine, order events, ids and order lists.

Build orders with :class:`OrderFactory`, change them only by applying events
(:meth:`Order.apply`), link them with :meth:`OrderFactory.oco` / ``ouo`` / ``oto`` /
``bracket``, and serialize any of them with :func:`encode_order` and friends. Nothing here
needs a bus, a clock object or a venue: import it into any application.
"""

from __future__ import annotations

from lyra.errors import InvalidOrder, InvalidOrderList, InvalidTransition
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import (
    ORDER_EVENT_TYPES,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderReleased,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.factory import OrderFactory
from lyra.orders.ids import ClientIdGenerator
from lyra.orders.lists import OrderList, ReleasePolicy, bracket, oco, oto, ouo
from lyra.orders.order import ApplyOutcome, Order
from lyra.orders.serialization import (
    OrderListRecord,
    OrderRecord,
    decode_event,
    decode_order,
    decode_order_list,
    encode_event,
    encode_order,
    encode_order_list,
)
from lyra.orders.state import TRANSITIONS, Resolve
from lyra.orders.validation import ALLOWED_TIME_IN_FORCE, validate_order

__all__ = (
    "ALLOWED_TIME_IN_FORCE",
    "ORDER_EVENT_TYPES",
    "TRANSITIONS",
    "ApplyOutcome",
    "ClientIdGenerator",
    "EventFactory",
    "InvalidOrder",
    "InvalidOrderList",
    "InvalidTransition",
    "Order",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEmulated",
    "OrderEvent",
    "OrderExpired",
    "OrderFactory",
    "OrderFilled",
    "OrderInitialized",
    "OrderList",
    "OrderListRecord",
    "OrderModifyRejected",
    "OrderPendingCancel",
    "OrderPendingUpdate",
    "OrderRecord",
    "OrderRejected",
    "OrderReleased",
    "OrderSubmitted",
    "OrderTriggered",
    "OrderUpdated",
    "ReleasePolicy",
    "Resolve",
    "bracket",
    "decode_event",
    "decode_order",
    "decode_order_list",
    "encode_event",
    "encode_order",
    "encode_order_list",
    "oco",
    "oto",
    "ouo",
    "validate_order",
)
