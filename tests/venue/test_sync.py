"""OrderFlow.sync_order: catching an order up with the venue's report after a reconnect or a
restart -- only what is missing is published, marked reconciliation=True, idempotently."""

from __future__ import annotations

from typing import Any

from lyra.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from lyra.model.values import Price, Quantity
from lyra.orders import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderRejected,
    OrderUpdated,
)
from lyra.venue import AnomalyKind, FillReport, OrderFlow, OrderStatusReport

from .helpers import IID, USD, buy, flow, zero

S = OrderStatus
T = 1_767_225_600_000_000_000


def report(order: Order, status: OrderStatus, filled: str = "0", **kw: Any) -> OrderStatusReport:
    fields: dict[str, Any] = {
        "account_id": "TOY-001",
        "instrument_id": IID,
        "venue_order_id": order.venue_order_id or "V1",
        "client_order_id": order.client_order_id,
        "side": order.side,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "status": status,
        "quantity": order.quantity,
        "filled_qty": Quantity(filled),
        "price": order.price,
        "ts_accepted": T,
        "ts_last": T + 100,
        "ts_init": T + 200,
    }
    fields.update(kw)
    return OrderStatusReport(**fields)


def fill(order: Order, trade: str, qty: str) -> FillReport:
    return FillReport(
        account_id="TOY-001",
        instrument_id=IID,
        venue_order_id=order.venue_order_id or "V1",
        client_order_id=order.client_order_id,
        trade_id=trade,
        order_side=order.side,
        last_qty=Quantity(qty),
        last_px=Price("95.00"),
        currency=USD,
        commission=zero(),
        liquidity_side=LiquiditySide.MAKER,
        ts_event=T + 50,
        ts_init=T + 51,
    )


def accepted(f: OrderFlow, order: Order) -> None:
    f.begin_submit(order)
    f.emit(f.events.accepted(order, "V1"))


def test_after_a_restart_only_the_missing_fill_is_published() -> None:
    f, _, orders = flow()
    order = buy(orders)
    accepted(f, order)
    f.emit(
        f.events.filled(
            order, trade_id="T1", last_qty=Quantity("0.4"), last_px=Price("95"), commission=zero()
        )
    )
    g, rec, _ = flow()  # the restarted process
    g.adopt([order])
    fills = [fill(order, "T1", "0.4"), fill(order, "T2", "0.3")]
    out = g.sync_order(order, report(order, S.PARTIALLY_FILLED, "0.7"), fills)
    assert [type(e) for e in out] == [OrderFilled]
    assert out[0].trade_id == "T2" and out[0].reconciliation  # type: ignore[union-attr]
    assert order.filled_qty == Quantity("0.7") and order.status is S.PARTIALLY_FILLED
    assert rec.order_events == out and rec.anomalies == []
    assert g.sync_order(order, report(order, S.PARTIALLY_FILLED, "0.7"), fills) == []


def test_a_lost_acknowledgement_is_recovered() -> None:
    f, _, orders = flow()
    order = buy(orders)
    f.begin_submit(order)
    out = f.sync_order(order, report(order, S.ACCEPTED, venue_order_id="V7"))
    assert [type(e) for e in out] == [OrderAccepted]
    assert order.status is S.ACCEPTED and order.venue_order_id == "V7"
    assert out[0].ts_event == T and out[0].reconciliation


def test_an_order_the_venue_closed_while_we_were_away() -> None:
    f, _, orders = flow()
    a, b = buy(orders), buy(orders)
    accepted(f, a)
    accepted(f, b)
    out = f.sync_order(a, report(a, S.CANCELED))
    assert [type(e) for e in out] == [OrderCanceled] and a.status is S.CANCELED
    out = f.sync_order(b, report(b, S.FILLED, "1.0"), [fill(b, "T5", "1.0")])
    assert [type(e) for e in out] == [OrderFilled] and b.status is S.FILLED


def test_orders_the_venue_does_not_list() -> None:
    f, rec, orders = flow()
    never_acked, open_one, unsure = buy(orders), buy(orders), buy(orders)
    f.begin_submit(never_acked)
    accepted(f, open_one)
    accepted(f, unsure)
    assert [type(e) for e in f.sync_order(never_acked, None)] == [OrderRejected]
    assert never_acked.status is S.REJECTED
    assert [type(e) for e in f.sync_order(open_one, None)] == [OrderCanceled]
    assert f.sync_order(unsure, None, complete=False) == []
    assert unsure.status is S.ACCEPTED
    assert [a.kind for a in rec.anomalies] == [AnomalyKind.UNRECONCILED]


def test_pending_requests_whose_answers_were_lost() -> None:
    f, _, orders = flow()
    modified, canceled, still_open = buy(orders), buy(orders), buy(orders)
    for o in (modified, canceled, still_open):
        accepted(f, o)
    f.begin_modify(modified, price=Price("96.00"))
    f.begin_cancel(canceled)
    f.begin_cancel(still_open)
    out = f.sync_order(modified, report(modified, S.ACCEPTED, price=Price("96.00")))
    assert [type(e) for e in out] == [OrderUpdated]
    assert modified.status is S.ACCEPTED and modified.price == Price("96.00")
    assert [type(e) for e in f.sync_order(canceled, report(canceled, S.CANCELED))] == [
        OrderCanceled
    ]
    out = f.sync_order(still_open, report(still_open, S.ACCEPTED))
    assert [type(e) for e in out] == [OrderCancelRejected] and still_open.status is S.ACCEPTED


def test_fills_missing_from_the_venues_history_are_flagged() -> None:
    f, rec, orders = flow()
    order = buy(orders)
    accepted(f, order)
    assert f.sync_order(order, report(order, S.PARTIALLY_FILLED, "0.5")) == []
    assert [a.kind for a in rec.anomalies] == [AnomalyKind.UNRECONCILED]
    assert "0.5 filled" in rec.anomalies[0].message


def test_the_venues_amendments_are_applied() -> None:
    f, _, orders = flow()
    order = buy(orders)
    accepted(f, order)
    out = f.sync_order(order, report(order, S.ACCEPTED, quantity=Quantity("0.6")))
    assert [type(e) for e in out] == [OrderUpdated] and order.quantity == Quantity("0.6")
    assert order.side is OrderSide.BUY
