"""The realistic odd cases of an order's life, one by one, and what applying events updates."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from lyra.model.enums import LiquiditySide, OrderSide, OrderStatus, TriggerType
from lyra.model.values import Money, Price, Quantity
from lyra.orders import (
    ApplyOutcome,
    EventFactory,
    InvalidOrder,
    InvalidTransition,
    Order,
    OrderFilled,
)

from .helpers import BNB, INSTRUMENT, USDT, fill, new_factory, order_in


def _limit(qty: str = "1.00") -> tuple[Order, EventFactory]:
    factory = new_factory()
    order = factory.limit(INSTRUMENT, OrderSide.BUY, Quantity(qty), Price("100.00"))
    return order, factory.events


def _accepted(qty: str = "1.00") -> tuple[Order, EventFactory]:
    order, ev = _limit(qty)
    order.apply(ev.submitted(order, account_id="ACC-1"))
    order.apply(ev.accepted(order, "V-1"))
    return order, ev


def test_a_plain_life_submit_accept_partial_fill_fill() -> None:
    order, ev = _limit()
    assert order.status is OrderStatus.INITIALIZED and order.is_local
    order.apply(ev.submitted(order, account_id="ACC-1"))
    assert order.status is OrderStatus.SUBMITTED and order.is_inflight
    assert order.account_id == "ACC-1"
    order.apply(ev.accepted(order, "V-1"))
    assert order.status is OrderStatus.ACCEPTED and order.is_open
    assert order.venue_order_id == "V-1" and order.ts_accepted is not None
    assert order.apply(fill(ev, order, "0.40", "100.00")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == Quantity("0.4") and order.leaves_qty == Quantity("0.6")
    assert order.apply(fill(ev, order, "0.60", "99.50")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.FILLED and order.is_closed
    assert order.leaves_qty == 0 and order.ts_closed == order.last_event.ts_event
    assert order.avg_px_fraction == Fraction("0.4") * 100 + Fraction("0.6") * Fraction("99.5")
    assert order.avg_px == Decimal("99.7")
    assert order.commissions == {USDT: Money("0.02", USDT)}
    assert order.previous_status is OrderStatus.PARTIALLY_FILLED
    assert Order.from_events(order.events) == order


def test_market_order_is_accepted_before_it_fills() -> None:
    factory = new_factory()
    ev = factory.events
    order = factory.market(INSTRUMENT, OrderSide.SELL, Quantity("2"))
    order.apply(ev.submitted(order))
    order.apply(ev.accepted(order, "M-1"))
    assert order.status is OrderStatus.ACCEPTED
    order.apply(fill(ev, order, "2", "50"))
    assert order.status is OrderStatus.FILLED
    assert [type(e).__name__ for e in order.events] == [
        "OrderInitialized",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderFilled",
    ]


def test_a_fill_can_beat_the_ack_and_the_late_ack_is_recorded() -> None:
    order, ev = _limit()
    order.apply(ev.submitted(order))
    order.apply(fill(ev, order, "0.5"))
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.ts_accepted is None
    assert order.apply(ev.accepted(order, "V-1")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.ts_accepted is not None
    assert order.apply(ev.accepted(order, "V-1")) is ApplyOutcome.DUPLICATE


def test_fill_after_cancel_request_partial_then_full() -> None:
    order, ev = _accepted()
    order.apply(ev.pending_cancel(order))
    assert order.status is OrderStatus.PENDING_CANCEL and order.is_pending
    order.apply(fill(ev, order, "0.30"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    order.apply(ev.pending_cancel(order))
    order.apply(fill(ev, order, "0.70"))
    assert order.status is OrderStatus.FILLED
    # the venue then says it was too late to cancel: recorded, still FILLED
    assert order.apply(ev.cancel_rejected(order, "too late", "-2011")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.FILLED


def test_fill_after_the_cancel_ack_is_applied_and_the_order_stays_closed() -> None:
    order, ev = _accepted()
    order.apply(fill(ev, order, "0.25"))
    order.apply(ev.canceled(order))
    assert order.status is OrderStatus.CANCELED and order.leaves_qty == 0
    # executed before the cancel, reported after it
    assert order.apply(fill(ev, order, "0.25")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == Quantity("0.5") and order.leaves_qty == 0
    # a late fill that completes the quantity makes it FILLED
    assert order.apply(fill(ev, order, "0.50")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.FILLED
    assert order.previous_status is OrderStatus.CANCELED


def test_expired_late_fill() -> None:
    order, ev = _accepted()
    order.apply(ev.expired(order))
    order.apply(fill(ev, order, "1.00"))
    assert order.status is OrderStatus.FILLED


def test_duplicate_cancel_and_reject_reports_are_ignored() -> None:
    order, ev = _accepted()
    order.apply(ev.canceled(order))
    n = order.event_count
    assert order.apply(ev.canceled(order)) is ApplyOutcome.DUPLICATE
    assert order.event_count == n
    order2, ev2 = _limit()
    order2.apply(ev2.submitted(order2))
    order2.apply(ev2.rejected(order2, "insufficient balance", "-2010"))
    assert order2.apply(ev2.rejected(order2, "insufficient balance", "-2010")) is (
        ApplyOutcome.DUPLICATE
    )


def test_duplicate_trade_id_is_ignored_and_not_double_counted() -> None:
    order, ev = _accepted()
    first = fill(ev, order, "0.40", trade_id="T-1")
    assert order.apply(first) is ApplyOutcome.APPLIED
    again = fill(ev, order, "0.40", trade_id="T-1")  # same trade, new event id
    assert order.apply(again) is ApplyOutcome.DUPLICATE
    assert order.apply(first) is ApplyOutcome.DUPLICATE
    assert order.filled_qty == Quantity("0.4")
    assert order.commissions[USDT] == Money("0.01", USDT)
    assert order.trade_ids == {"T-1"}
    assert sum(isinstance(e, OrderFilled) for e in order.events) == 1


def test_overfill_is_applied_and_reported() -> None:
    order, ev = _accepted()
    assert order.apply(fill(ev, order, "0.80")) is ApplyOutcome.APPLIED
    assert order.apply(fill(ev, order, "0.50")) is ApplyOutcome.OVERFILL
    assert order.status is OrderStatus.FILLED and order.is_overfilled
    assert order.filled_qty == Quantity("1.3") and order.overfill_qty == Quantity("0.3")
    assert order.leaves_qty == 0
    # and another one, on an already filled order
    assert order.apply(fill(ev, order, "0.10")) is ApplyOutcome.OVERFILL
    assert order.overfill_qty == Quantity("0.4")
    assert Order.from_events(order.events) == order


@pytest.mark.parametrize(
    "before", [OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.SUBMITTED]
)
def test_modify_rejected_returns_to_the_status_before_the_request(before: OrderStatus) -> None:
    order, ev = _limit()
    order.apply(ev.submitted(order))
    if before is not OrderStatus.SUBMITTED:
        order.apply(ev.accepted(order, "V-1"))
    if before is OrderStatus.PARTIALLY_FILLED:
        order.apply(fill(ev, order, "0.5"))
    order.apply(ev.pending_update(order))
    assert order.status is OrderStatus.PENDING_UPDATE and order.previous_status is before
    order.apply(ev.modify_rejected(order, "would take", "POST_ONLY"))
    assert order.status is before


def test_cancel_rejected_returns_to_the_status_before_the_request() -> None:
    order, ev = _accepted()
    order.apply(fill(ev, order, "0.5"))
    order.apply(ev.pending_cancel(order))
    order.apply(ev.cancel_rejected(order, "rate limited", "429"))
    assert order.status is OrderStatus.PARTIALLY_FILLED


def test_ack_racing_a_cancel_request_keeps_the_cancel_pending() -> None:
    order, ev = _limit()
    order.apply(ev.submitted(order))
    order.apply(ev.pending_cancel(order))
    assert order.previous_status is OrderStatus.SUBMITTED
    assert order.apply(ev.accepted(order, "V-1")) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.PENDING_CANCEL
    assert order.previous_status is OrderStatus.ACCEPTED
    assert order.venue_order_id == "V-1"
    order.apply(ev.cancel_rejected(order, "unknown", "X"))
    assert order.status is OrderStatus.ACCEPTED


def test_pending_update_then_cancel_then_update_ack() -> None:
    order, ev = _accepted()
    order.apply(ev.pending_update(order))
    order.apply(ev.pending_cancel(order))
    assert order.status is OrderStatus.PENDING_CANCEL
    assert order.previous_status is OrderStatus.ACCEPTED
    order.apply(ev.updated(order, price=Price("99.00")))
    assert order.status is OrderStatus.PENDING_CANCEL and order.price == Price("99")
    order.apply(ev.canceled(order))
    assert order.status is OrderStatus.CANCELED


def test_modify_while_cancel_pending_is_refused() -> None:
    order, ev = _accepted()
    order.apply(ev.pending_cancel(order))
    with pytest.raises(InvalidTransition):
        order.apply(ev.pending_update(order))


@pytest.mark.parametrize("closing", ["canceled", "expired"])
def test_partially_filled_order_can_be_canceled_or_expire(closing: str) -> None:
    order, ev = _accepted()
    order.apply(fill(ev, order, "0.3"))
    order.apply(getattr(ev, closing)(order))
    assert order.status is OrderStatus[closing.upper()]
    assert order.filled_qty == Quantity("0.3") and order.leaves_qty == 0
    assert order.is_closed and not order.is_open


def test_stop_limit_triggers_then_fills() -> None:
    factory = new_factory()
    ev = factory.events
    order = factory.stop_limit(INSTRUMENT, OrderSide.SELL, Quantity("1"), Price("94"), Price("95"))
    order.apply(ev.submitted(order))
    order.apply(ev.accepted(order, "V-7"))
    order.apply(ev.triggered(order))
    assert order.status is OrderStatus.TRIGGERED
    order.apply(fill(ev, order, "1", "94.5"))
    assert order.status is OrderStatus.FILLED


def test_updated_changes_quantity_price_trigger_and_venue_id() -> None:
    factory = new_factory()
    ev = factory.events
    order = factory.stop_limit(INSTRUMENT, OrderSide.BUY, Quantity("2"), Price("101"), Price("100"))
    order.apply(ev.submitted(order))
    order.apply(ev.accepted(order, "V-1"))
    order.apply(ev.pending_update(order))
    order.apply(
        ev.updated(
            order,
            quantity=Quantity("3"),
            price=Price("102"),
            trigger_price=Price("101"),
            venue_order_id="V-2",
        )
    )
    assert order.status is OrderStatus.ACCEPTED
    assert (order.quantity, order.price, order.trigger_price) == (
        Quantity("3"),
        Price("102"),
        Price("101"),
    )
    assert order.venue_order_id == "V-2" and order.venue_order_ids == ("V-1", "V-2")
    assert order.init.quantity == Quantity("2")  # the original specification is kept


def test_update_below_filled_quantity_is_refused_and_changes_nothing() -> None:
    order, ev = _accepted("2")
    order.apply(fill(ev, order, "1.5"))
    before = Order.from_events(order.events)
    with pytest.raises(InvalidOrder) as info:
        order.apply(ev.updated(order, quantity=Quantity("1")))
    assert info.value.field == "OrderUpdated.quantity"
    assert "filled" in info.value.rule
    assert order == before


def test_update_down_to_the_filled_quantity_fills_the_order() -> None:
    # e.g. Binance shrinking a reduce-only order to the position left
    order, ev = _accepted("2")
    order.apply(fill(ev, order, "1.5"))
    order.apply(ev.updated(order, quantity=Quantity("1.5")))
    assert order.status is OrderStatus.FILLED and order.leaves_qty == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"trigger_price": Price("1")}, "OrderUpdated.trigger_price"),
        ({"quantity": Quantity("0")}, "OrderUpdated.quantity"),
    ],
)
def test_update_rules(kwargs: dict[str, object], field: str) -> None:
    order, ev = _accepted()
    before = Order.from_events(order.events)
    with pytest.raises(InvalidOrder) as info:
        order.apply(ev.updated(order, **kwargs))  # type: ignore[arg-type]
    assert info.value.field == field
    assert order == before


def test_price_update_on_a_market_order_is_refused_but_market_to_limit_takes_one() -> None:
    factory = new_factory()
    ev = factory.events
    market = factory.market(INSTRUMENT, OrderSide.BUY, Quantity("1"))
    with pytest.raises(InvalidOrder):
        market.apply(ev.updated(market, price=Price("10")))
    mtl = factory.market_to_limit(INSTRUMENT, OrderSide.BUY, Quantity("1"))
    mtl.apply(ev.submitted(mtl))
    mtl.apply(ev.accepted(mtl, "V"))
    mtl.apply(fill(ev, mtl, "0.4", "10.5"))
    mtl.apply(ev.updated(mtl, price=Price("10.5")))
    assert mtl.price == Price("10.5") and mtl.status is OrderStatus.PARTIALLY_FILLED


def test_update_below_display_qty_is_refused() -> None:
    factory = new_factory()
    ev = factory.events
    order = factory.limit(
        INSTRUMENT, OrderSide.BUY, Quantity("10"), Price("1"), display_qty=Quantity("2")
    )
    with pytest.raises(InvalidOrder, match="display_qty"):
        order.apply(ev.updated(order, quantity=Quantity("1")))


def test_events_of_another_order_are_refused() -> None:
    order, _ = _accepted()
    other, _ = _accepted()
    factory = new_factory(id_prefix="z")
    stranger = factory.limit(INSTRUMENT, OrderSide.BUY, Quantity("1"), Price("1"))
    before = Order.from_events(order.events)
    with pytest.raises(InvalidOrder) as info:
        order.apply(factory.events.canceled(stranger))
    assert info.value.field == "OrderCanceled.client_order_id"
    assert order == before
    assert other == order  # same deterministic inputs, same order


def test_fill_on_the_wrong_side_is_refused() -> None:
    order, ev = _accepted()
    good = fill(ev, order, "0.5")
    bad = OrderFilled(
        **{
            **{f: getattr(good, f) for f in good.__struct_fields__},
            "order_side": OrderSide.SELL,
        }
    )
    before = Order.from_events(order.events)
    with pytest.raises(InvalidOrder) as info:
        order.apply(bad)
    assert info.value.field == "OrderFilled.order_side"
    assert order == before


def test_commissions_are_kept_per_currency_and_liquidity_side_and_position_are_tracked() -> None:
    order, ev = _accepted()
    order.apply(
        ev.filled(
            order,
            trade_id="A",
            last_qty=Quantity("0.5"),
            last_px=Price("100"),
            commission=Money("0.001", BNB),
            currency=USDT,
            liquidity_side=LiquiditySide.MAKER,
            position_id="P-1",
        )
    )
    assert order.liquidity_side is LiquiditySide.MAKER and order.position_id == "P-1"
    order.apply(
        ev.filled(
            order,
            trade_id="B",
            last_qty=Quantity("0.5"),
            last_px=Price("101"),
            commission=Money("0.05", USDT),
        )
    )
    assert order.commissions == {BNB: Money("0.001", BNB), USDT: Money("0.05", USDT)}
    assert order.liquidity_side is LiquiditySide.TAKER
    assert order.last_trade_id == "B"


def test_avg_px_is_exact() -> None:
    order, ev = _accepted("3")
    for px in ("1", "1", "2"):
        order.apply(fill(ev, order, "1", px))
    assert order.avg_px_fraction == Fraction(4, 3)
    assert order.avg_px == Decimal("1.333333333333333333")
    assert order.avg_px is not None and not isinstance(order.avg_px, float)


def test_released_clears_the_emulation_trigger() -> None:
    factory = new_factory()
    ev = factory.events
    order = factory.stop_market(
        INSTRUMENT,
        OrderSide.SELL,
        Quantity("1"),
        Price("90"),
        emulation_trigger=TriggerType.BID_ASK,
    )
    assert order.is_emulated
    order.apply(ev.emulated(order))
    order.apply(ev.released(order, Price("90")))
    assert order.status is OrderStatus.RELEASED and not order.is_emulated
    assert order.emulation_trigger is TriggerType.NO_TRIGGER
    assert order.init.emulation_trigger is TriggerType.BID_ASK


def test_from_events_needs_an_initialized_event_first() -> None:
    order, _ = _accepted()
    with pytest.raises(InvalidOrder):
        Order.from_events([])
    with pytest.raises(InvalidOrder):
        Order.from_events(list(order.events)[1:])


def test_reapplying_the_initialized_event_is_an_invalid_transition() -> None:
    order, _ = _limit()
    with pytest.raises(InvalidTransition):
        order.apply(order.init)


def test_non_events_are_refused() -> None:
    order, _ = _limit()
    with pytest.raises(InvalidOrder):
        order.apply("not an event")  # type: ignore[arg-type]


def test_external_order_reconciled_from_initialized() -> None:
    order, ev = _limit()
    order.apply(ev.accepted(order, "V-5", reconciliation=True))
    assert order.status is OrderStatus.ACCEPTED


def test_repr_and_equality() -> None:
    order, _ = order_in(OrderStatus.ACCEPTED)
    assert "ACCEPTED" in repr(order) and order.client_order_id in repr(order)
    assert order != object()
    with pytest.raises(TypeError):
        hash(order)
