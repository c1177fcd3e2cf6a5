"""Shared builders for the order tests (deterministic clock, ids and events)."""

from __future__ import annotations

from typing import Any

from lyra.model.currency import Currency
from lyra.model.enums import OrderSide, OrderStatus
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.orders import (
    EventFactory,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderExpired,
    OrderFactory,
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

INSTRUMENT = InstrumentId("BTCUSDT.BINANCE")
USDT = Currency.from_str("USDT")
BNB = Currency.from_str("BNB")


class Ticker:
    """A deterministic clock: every read is 1 µs later than the last."""

    def __init__(self, start: int = 1_700_000_000_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def new_factory(**kwargs: Any) -> OrderFactory:
    kwargs.setdefault("epoch", 1)
    kwargs.setdefault("clock", Ticker())
    return OrderFactory("S-1", **kwargs)


def stop_limit(factory: OrderFactory, qty: str = "1.00") -> Order:
    return factory.stop_limit(INSTRUMENT, OrderSide.BUY, Quantity(qty), Price("101"), Price("100"))


def commission(amount: str = "0.01") -> Money:
    return Money(amount, USDT)


def fill(
    ev: EventFactory, order: Order, qty: str, px: str = "100.5", trade_id: str | None = None
) -> OrderFilled:
    return ev.filled(
        order,
        trade_id=trade_id or f"T{ev.count + 1}",
        last_qty=Quantity(qty),
        last_px=Price(px),
        commission=commission(),
        venue_order_id=order.venue_order_id or "V-1",
    )


def sample_event(kind: type, order: Order, ev: EventFactory) -> OrderEvent:
    """A valid event of type ``kind`` for ``order`` (fills: a quarter of the quantity)."""
    if kind is OrderInitialized:
        return order.init
    if kind is OrderDenied:
        return ev.denied(order, "risk", "RISK")
    if kind is OrderEmulated:
        return ev.emulated(order)
    if kind is OrderReleased:
        return ev.released(order)
    if kind is OrderSubmitted:
        return ev.submitted(order, account_id="ACC-1")
    if kind is OrderAccepted:
        return ev.accepted(order, order.venue_order_id or "V-1", account_id="ACC-1")
    if kind is OrderRejected:
        return ev.rejected(order, "no", "NO")
    if kind is OrderCanceled:
        return ev.canceled(order)
    if kind is OrderExpired:
        return ev.expired(order)
    if kind is OrderTriggered:
        return ev.triggered(order)
    if kind is OrderPendingUpdate:
        return ev.pending_update(order)
    if kind is OrderPendingCancel:
        return ev.pending_cancel(order)
    if kind is OrderModifyRejected:
        return ev.modify_rejected(order, "no", "NO")
    if kind is OrderCancelRejected:
        return ev.cancel_rejected(order, "no", "NO")
    if kind is OrderUpdated:
        return ev.updated(order, price=Price("101.5"))
    if kind is OrderFilled:
        quarter = Quantity.from_raw(order.quantity.raw // 4, order.quantity.precision)
        return fill(ev, order, str(quarter))
    raise AssertionError(kind)


class FullFill:
    """Path step: a fill of the whole quantity."""


# How to bring a fresh order to each status (event types applied in order).
PATHS: dict[OrderStatus, tuple[type, ...]] = {
    OrderStatus.INITIALIZED: (),
    OrderStatus.DENIED: (OrderDenied,),
    OrderStatus.EMULATED: (OrderEmulated,),
    OrderStatus.RELEASED: (OrderEmulated, OrderReleased),
    OrderStatus.SUBMITTED: (OrderSubmitted,),
    OrderStatus.ACCEPTED: (OrderSubmitted, OrderAccepted),
    OrderStatus.REJECTED: (OrderSubmitted, OrderRejected),
    OrderStatus.CANCELED: (OrderSubmitted, OrderAccepted, OrderCanceled),
    OrderStatus.EXPIRED: (OrderSubmitted, OrderAccepted, OrderExpired),
    OrderStatus.TRIGGERED: (OrderSubmitted, OrderAccepted, OrderTriggered),
    OrderStatus.PENDING_UPDATE: (OrderSubmitted, OrderAccepted, OrderPendingUpdate),
    OrderStatus.PENDING_CANCEL: (OrderSubmitted, OrderAccepted, OrderPendingCancel),
    OrderStatus.PARTIALLY_FILLED: (OrderSubmitted, OrderAccepted, OrderFilled),
    OrderStatus.FILLED: (OrderSubmitted, OrderAccepted, FullFill),
}


def order_in(
    status: OrderStatus, factory: OrderFactory | None = None
) -> tuple[Order, EventFactory]:
    """A fresh STOP_LIMIT BUY 1.00 order driven into ``status``."""
    factory = factory or new_factory()
    ev = factory.events
    order = stop_limit(factory)
    for step in PATHS[status]:
        if step is FullFill:
            order.apply(fill(ev, order, "1.00"))
        else:
            order.apply(sample_event(step, order, ev))
    assert order.status is status
    return order, ev
