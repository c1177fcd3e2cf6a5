"""OrderFlow: the local half of the venue contract (command checks, refusals, apply then
publish, duplicates, implied acknowledgements, anomalies, status)."""

from __future__ import annotations

import pytest

from lyra import topics
from lyra.errors import InvalidInput, InvalidOrder, InvalidTransition
from lyra.model.enums import ContingencyType, OrderSide, OrderStatus, TriggerType
from lyra.model.values import Price, Quantity
from lyra.orders import (
    ApplyOutcome,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderSubmitted,
    OrderUpdated,
)
from lyra.venue import (
    UNSET,
    AmendMode,
    AnomalyKind,
    ConnectionStatus,
    ContingencySupport,
    OrderFlow,
    RejectCode,
    SubscriptionSet,
    VenueCapabilities,
    VenueStatus,
)
from lyra.venue.testing import assert_order_events

from .helpers import IID, buy, flow, zero

S = OrderStatus


def types(events: list[OrderEvent]) -> list[type]:
    return [type(e) for e in events]


# -- submit --------------------------------------------------------------------------------------
def test_submit_publishes_submitted_before_returning_and_tracks_the_order() -> None:
    f, rec, orders = flow()
    order = buy(orders)
    assert f.begin_submit(order) is True
    assert order.status is S.SUBMITTED
    assert types(rec.order_events) == [OrderSubmitted]
    assert rec.order_events[0].account_id == "TOY-001"
    assert f.get(order.client_order_id) is order
    assert f.working_orders() == [order]


def test_subscribers_see_the_order_already_updated() -> None:
    f, _, orders = flow()
    order = buy(orders)
    seen: list[tuple[str, OrderStatus]] = []
    f.bus.subscribe(
        topics.order_events(order.strategy_id),
        lambda e: seen.append((type(e).__name__, order.status)),
    )
    f.begin_submit(order)
    f.emit(f.events.accepted(order, "V1"))
    assert seen == [("OrderSubmitted", S.SUBMITTED), ("OrderAccepted", S.ACCEPTED)]


def test_submit_of_another_venues_order_raises_and_publishes_nothing() -> None:
    f, rec, orders = flow()
    other = orders.limit("BTCUSD.ELSEWHERE", OrderSide.BUY, Quantity("1"), Price("1"))
    with pytest.raises(InvalidOrder, match="venue TOY"):
        f.begin_submit(other)
    assert rec.order_events == []
    assert other.status is S.INITIALIZED


def test_submit_of_an_emulated_order_raises() -> None:
    f, rec, orders = flow()
    order = buy(orders, emulation_trigger=TriggerType.BID_ASK)
    with pytest.raises(InvalidOrder, match="emulator"):
        f.begin_submit(order)
    assert rec.order_events == []


def test_a_second_submit_raises_invalid_transition() -> None:
    f, rec, orders = flow()
    order = buy(orders)
    f.begin_submit(order)
    with pytest.raises(InvalidTransition):
        f.begin_submit(order)
    assert types(rec.order_events) == [OrderSubmitted]


@pytest.mark.parametrize(
    ("order_kwargs", "caps", "code"),
    [
        ({}, None, RejectCode.NOT_CONNECTED),
        ({"reduce_only": True}, VenueCapabilities(), RejectCode.NOT_SUPPORTED),
    ],
)
def test_local_denials_are_the_only_event(
    order_kwargs: dict[str, object], caps: VenueCapabilities | None, code: RejectCode
) -> None:
    kwargs = {"connected": caps is not None}
    if caps is not None:
        kwargs["capabilities"] = caps  # type: ignore[assignment]
    f, rec, orders = flow(**kwargs)  # type: ignore[arg-type]
    order = buy(orders, **order_kwargs)
    assert f.begin_submit(order) is False
    assert types(rec.order_events) == [OrderDenied]
    denied = rec.order_events[0]
    assert isinstance(denied, OrderDenied) and denied.code == code
    assert denied.reason.startswith("TOY: ")
    assert order.status is S.DENIED
    assert f.get(order.client_order_id) is None  # a denied order is not tracked


def test_unsupported_reason_names_the_field() -> None:
    f, rec, orders = flow(capabilities=VenueCapabilities())
    order = buy(orders, post_only=True)
    f.begin_submit(order)
    denied = rec.order_events[0]
    assert isinstance(denied, OrderDenied)
    assert "post_only" in denied.reason


def test_a_reused_client_order_id_is_denied() -> None:
    f, rec, orders = flow()
    first = buy(orders)
    twin = buy(orders, client_order_id=first.client_order_id)
    f.begin_submit(first)
    assert f.begin_submit(twin) is False
    assert twin.status is S.DENIED and first.status is S.SUBMITTED
    assert rec.order_events[-1].code == RejectCode.DUPLICATE_CLIENT_ORDER_ID  # type: ignore[union-attr]
    assert f.get(first.client_order_id) is first


# -- lists ---------------------------------------------------------------------------------------
def _oco(orders):  # type: ignore[no-untyped-def]
    a = buy(orders, "95.00")
    b = orders.limit(IID, OrderSide.SELL, Quantity("1.0"), Price("105.00"))
    return orders.oco([a, b])


def test_a_list_the_venue_cannot_enforce_is_denied_as_a_whole() -> None:
    f, rec, orders = flow()
    lst = _oco(orders)
    assert f.begin_submit_list(lst) is False
    assert types(rec.order_events) == [OrderDenied, OrderDenied]
    assert all(o.status is S.DENIED for o in lst)
    reason = rec.order_events[0].reason  # type: ignore[union-attr]
    assert "OCO lists are not supported natively" in reason


def test_a_native_list_is_submitted_member_by_member_in_list_order() -> None:
    caps = VenueCapabilities(
        contingencies=(ContingencySupport(contingency_type=ContingencyType.OCO, max_orders=2),)
    )
    f, rec, orders = flow(capabilities=caps)
    lst = _oco(orders)
    assert f.begin_submit_list(lst) is True
    assert [e.client_order_id for e in rec.order_events] == [o.client_order_id for o in lst]
    assert types(rec.order_events) == [OrderSubmitted, OrderSubmitted]


def test_a_list_with_a_member_already_sent_raises_before_anything_is_published() -> None:
    f, rec, orders = flow()
    lst = orders.oco([buy(orders, "95.00"), buy(orders, "94.00")])
    lst[1].apply(orders.events.submitted(lst[1]))  # sent elsewhere already
    with pytest.raises(InvalidTransition):
        f.begin_submit_list(lst)
    assert rec.order_events == []
    assert lst[0].status is S.INITIALIZED


# -- cancel and modify ---------------------------------------------------------------------------
def _accepted(f: OrderFlow, orders, **kw):  # type: ignore[no-untyped-def]
    order = buy(orders, **kw)
    f.begin_submit(order)
    f.emit(f.events.accepted(order, f"V-{order.client_order_id[-2:]}"))
    return order


def test_cancel_publishes_pending_cancel_with_the_venue_order_id() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    assert f.begin_cancel(order) is True
    pending = rec.order_events[-1]
    assert isinstance(pending, OrderPendingCancel)
    assert pending.venue_order_id == order.venue_order_id
    assert order.status is S.PENDING_CANCEL


def test_cancel_of_a_closed_order_is_refused_locally() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    f.begin_cancel(order)
    f.emit(f.events.canceled(order, venue_order_id=order.venue_order_id))
    n = len(rec.order_events)
    assert f.begin_cancel(order) is False
    assert types(rec.order_events[n:]) == [OrderCancelRejected]
    assert rec.order_events[-1].code == RejectCode.ORDER_CLOSED  # type: ignore[union-attr]
    assert order.status is S.CANCELED


def test_cancel_of_an_order_never_sent_raises() -> None:
    f, rec, orders = flow()
    with pytest.raises(InvalidTransition):
        f.begin_cancel(buy(orders))
    assert rec.order_events == []


def test_cancel_while_disconnected_is_refused_and_keeps_the_order_working() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    f.set_status(ConnectionStatus.RECONNECTING, "lost")
    assert f.begin_cancel(order) is False
    assert rec.order_events[-1].code == RejectCode.NOT_CONNECTED  # type: ignore[union-attr]
    assert order.status is S.ACCEPTED


def test_modify_arguments_are_checked_before_anything_is_published() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    n = len(rec.order_events)
    with pytest.raises(InvalidOrder, match="at least one"):
        f.begin_modify(order)
    with pytest.raises(InvalidOrder, match="UNSET"):
        f.begin_modify(order, price=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidOrder, match="trigger price"):
        f.begin_modify(order, trigger_price=Price("90"))
    with pytest.raises(InvalidOrder, match="positive"):
        f.begin_modify(order, quantity=Quantity("0"))
    assert len(rec.order_events) == n


def test_modify_with_unset_fields_publishes_pending_update() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    assert f.begin_modify(order, UNSET, Price("96.00"), UNSET) is True
    assert isinstance(rec.order_events[-1], OrderPendingUpdate)


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("closed", RejectCode.ORDER_CLOSED),
        ("cancel", RejectCode.CANCEL_PENDING),
        ("disconnected", RejectCode.NOT_CONNECTED),
        ("no-amend", RejectCode.NOT_SUPPORTED),
    ],
)
def test_modify_local_refusals(setup: str, code: RejectCode) -> None:
    caps = VenueCapabilities() if setup == "no-amend" else None
    f, rec, orders = flow(**({"capabilities": caps} if caps else {}))  # type: ignore[arg-type]
    order = _accepted(f, orders)
    before = order.status
    if setup == "closed":
        f.begin_cancel(order)
        f.emit(f.events.canceled(order))
        before = S.CANCELED
    elif setup == "cancel":
        f.begin_cancel(order)
        before = S.PENDING_CANCEL
    elif setup == "disconnected":
        f.set_status(ConnectionStatus.DISCONNECTED)
    n = len(rec.order_events)
    assert f.begin_modify(order, price=Price("96.00")) is False
    assert types(rec.order_events[n:]) == [OrderModifyRejected]
    assert rec.order_events[-1].code == code  # type: ignore[union-attr]
    assert order.status is before


def test_cancel_all_selects_by_instrument_and_side_and_skips_pending_cancels() -> None:
    f, rec, orders = flow()
    b1, b2 = _accepted(f, orders), _accepted(f, orders)
    s1 = orders.limit(IID, OrderSide.SELL, Quantity("1"), Price("105"))
    f.begin_submit(s1)  # in flight: included
    f.begin_cancel(b2)  # cancel already outstanding: skipped
    n = len(rec.order_events)
    assert f.begin_cancel_all(IID, OrderSide.BUY) == [b1]
    assert f.begin_cancel_all(IID) == [s1]
    assert types(rec.order_events[n:]) == [OrderPendingCancel, OrderPendingCancel]
    with pytest.raises(InvalidInput):
        f.begin_cancel_all("BTCUSD.ELSEWHERE")
    with pytest.raises(InvalidInput):
        f.begin_cancel_all(IID, OrderSide.NO_ORDER_SIDE)


# -- venue answers -------------------------------------------------------------------------------
def test_duplicate_acknowledgements_and_fills_are_not_published() -> None:
    f, rec, orders = flow()
    order = buy(orders)
    f.begin_submit(order)
    ack = f.events.accepted(order, "V1")
    assert f.emit(ack) is ApplyOutcome.APPLIED
    assert f.emit(ack) is ApplyOutcome.DUPLICATE
    fill = f.events.filled(
        order, trade_id="T1", last_qty=Quantity("0.4"), last_px=Price("95"), commission=zero()
    )
    assert f.emit(fill) is ApplyOutcome.APPLIED
    assert f.emit(fill) is ApplyOutcome.DUPLICATE
    assert types(rec.order_events) == [OrderSubmitted, OrderAccepted, OrderFilled]
    assert_order_events(order, rec.for_order(order.client_order_id), settled=False)


def test_a_fill_before_the_acknowledgement_is_preceded_by_the_implied_one() -> None:
    f, rec, orders = flow()
    order = buy(orders)
    f.begin_submit(order)
    fill = f.events.filled(
        order,
        trade_id="T1",
        last_qty=Quantity("1.0"),
        last_px=Price("95"),
        commission=zero(),
        venue_order_id="V9",
        ts_event=123,
    )
    f.emit(fill)
    assert types(rec.order_events) == [OrderSubmitted, OrderAccepted, OrderFilled]
    implied = rec.order_events[1]
    assert isinstance(implied, OrderAccepted)
    assert implied.venue_order_id == "V9" and implied.ts_event == 123
    assert implied.ts_init == fill.ts_init
    late_ack = f.events.accepted(order, "V9")
    assert f.emit(late_ack) is ApplyOutcome.DUPLICATE  # the venue's own ack, later
    assert order.status is S.FILLED
    assert f.find("V9") is order
    assert_order_events(order, rec.for_order(order.client_order_id))


def test_repeated_answers_are_published_once_per_request() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    f.begin_modify(order, price=Price("96.00"))
    upd = f.events.updated(order, price=Price("96.00"))
    assert f.emit(upd) is ApplyOutcome.APPLIED
    assert f.emit(upd) is ApplyOutcome.DUPLICATE  # same answer from the second channel
    f.begin_cancel(order)
    rej = f.events.cancel_rejected(order, "too late", "UNKNOWN_ORDER")
    assert f.emit(rej) is ApplyOutcome.APPLIED
    assert f.emit(rej) is ApplyOutcome.DUPLICATE
    stray = f.events.modify_rejected(order, "?", "VENUE_REJECTED")
    assert f.emit(stray) is ApplyOutcome.DUPLICATE  # no modify outstanding
    assert_order_events(order, rec.for_order(order.client_order_id))


def test_two_cancels_get_two_answers() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    f.begin_cancel(order)
    f.begin_cancel(order)
    f.emit(f.events.canceled(order))
    f.emit(f.events.cancel_rejected(order, "unknown order", RejectCode.UNKNOWN_ORDER))
    assert types(rec.order_events)[-4:] == [
        OrderPendingCancel,
        OrderPendingCancel,
        OrderCanceled,
        OrderCancelRejected,
    ]
    assert_order_events(order, rec.for_order(order.client_order_id))


def test_a_venue_initiated_update_is_published_and_an_empty_one_is_not() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    cut = f.events.updated(order, quantity=Quantity("0.5"))  # e.g. reduce-only clipped
    assert f.emit(cut) is ApplyOutcome.APPLIED
    assert order.quantity == Quantity("0.5")
    same = f.events.updated(order, quantity=Quantity("0.5"))
    assert f.emit(same) is ApplyOutcome.DUPLICATE
    assert types(rec.order_events)[-1:] == [OrderUpdated]


def test_an_answer_to_a_request_sent_before_a_restart_is_applied() -> None:
    f, _, orders = flow()
    order = _accepted(f, orders)
    f.begin_cancel(order)
    g, _, _ = flow()
    g.adopt([order])  # a new flow knows nothing about the outstanding cancel
    assert g.emit(g.events.cancel_rejected(order, "no", "X")) is ApplyOutcome.APPLIED
    assert order.status is S.ACCEPTED


def test_unknown_orders_and_refused_events_become_anomalies() -> None:
    f, rec, orders = flow()
    stranger = buy(orders)
    assert f.emit(f.events.accepted(stranger, "V1")) is None
    order = _accepted(f, orders)
    bad = f.events.triggered(order)  # a LIMIT order cannot trigger
    assert f.emit(bad) is None
    kinds = [a.kind for a in rec.anomalies]
    assert kinds == [AnomalyKind.UNKNOWN_ORDER, AnomalyKind.REFUSED_EVENT]
    assert rec.anomalies[0].client_order_id == stranger.client_order_id
    assert "OrderTriggered" in rec.anomalies[1].message
    assert not any(type(e).__name__ == "OrderTriggered" for e in rec.order_events)


def test_an_overfill_is_published_and_flagged() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    for trade in ("T1", "T2"):
        f.emit(
            f.events.filled(
                order,
                trade_id=trade,
                last_qty=Quantity("1.0"),
                last_px=Price("95"),
                commission=zero(),
            )
        )
    assert [type(e) for e in rec.order_events].count(OrderFilled) == 2
    assert [a.kind for a in rec.anomalies] == [AnomalyKind.OVERFILL]


def test_adopt_checks_every_order_first() -> None:
    f, _, orders = flow()
    a = buy(orders)
    other = orders.limit("BTCUSD.ELSEWHERE", OrderSide.BUY, Quantity("1"), Price("1"))
    with pytest.raises(InvalidOrder):
        f.adopt([a, other])
    assert f.get(a.client_order_id) is None
    twin = buy(orders, client_order_id=a.client_order_id)
    with pytest.raises(InvalidOrder, match="already tracked"):
        f.adopt([a, twin])


def test_forget_closed_orders() -> None:
    f, rec, orders = flow()
    order = _accepted(f, orders)
    live = _accepted(f, orders)
    f.begin_cancel(order)
    f.emit(f.events.canceled(order))
    assert f.forget_closed(before_ns=0) == 0
    assert f.forget_closed() == 1
    assert f.get(order.client_order_id) is None and f.find(str(order.venue_order_id)) is None
    assert f.orders == (live,)
    f.emit(
        f.events.filled(
            order, trade_id="T9", last_qty=Quantity("1.0"), last_px=Price("95"), commission=zero()
        )
    )
    assert rec.anomalies[-1].kind is AnomalyKind.UNKNOWN_ORDER


def test_status_events() -> None:
    f, rec, _ = flow(connected=False)
    assert not f.connected
    event = f.set_status(ConnectionStatus.RECONNECTING, "socket closed", attempt=3)
    assert isinstance(event, VenueStatus)
    assert rec.statuses == [event]
    assert event.venue == "TOY" and event.attempt == 3 and event.reason == "socket closed"
    f.set_status(ConnectionStatus.CONNECTED)
    assert f.connected and f.status is ConnectionStatus.CONNECTED


def test_event_ids_are_deterministic_and_prefixed() -> None:
    f, rec, orders = flow()
    f.begin_submit(buy(orders))
    assert rec.order_events[0].event_id == "TOY-1"
    g, _, _ = flow(id_prefix="TOY-s7-", start_count=41)
    assert g.events.next_event_id() == "TOY-s7-42"


def test_constructor_and_capabilities_setter_validate() -> None:
    f, _, _ = flow()
    with pytest.raises(InvalidInput):
        f.capabilities = "everything"  # type: ignore[assignment]
    f.capabilities = VenueCapabilities(amend=AmendMode.IN_PLACE, amend_price=True)
    assert f.capabilities.can_amend
    with pytest.raises(InvalidInput):
        OrderFlow("TOY", "A", object())  # type: ignore[arg-type]
    assert "OrderFlow(TOY" in repr(f)


def test_subscription_set_counts() -> None:
    subs: SubscriptionSet[tuple[str, str]] = SubscriptionSet()
    key = ("quotes", IID)
    assert subs.add(key) is True
    assert subs.add(key) is False
    assert subs.count(key) == 2 and key in subs and len(subs) == 1
    assert subs.remove(key) is False
    assert subs.remove(key) is True
    assert subs.remove(key) is False
    assert list(subs) == [] and key not in subs
