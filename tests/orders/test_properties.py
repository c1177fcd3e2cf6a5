"""Property tests: random interleavings of venue messages never corrupt an order."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings, strategies as st

from lyra.model.enums import OrderSide, OrderStatus
from lyra.model.values import Money, Price, Quantity
from lyra.orders import (
    ApplyOutcome,
    EventFactory,
    InvalidOrder,
    InvalidTransition,
    Order,
    OrderEvent,
    decode_order,
    encode_order,
)
from lyra.orders.state import CLOSED_STATUSES

from .helpers import INSTRUMENT, USDT, new_factory

UNIT = Fraction(1, 100)  # quantities and prices in hundredths

op = st.one_of(
    st.tuples(
        st.just("fill"),
        st.integers(1, 60),  # quantity in 0.01
        st.integers(9_000, 11_000),  # price in 0.01
        st.integers(0, 12),  # trade id from a small pool: duplicates are common
    ),
    st.tuples(st.just("accept"), st.integers(0, 2)),
    st.tuples(st.just("update"), st.integers(1, 150)),
    st.sampled_from(
        [
            ("pending_cancel",),
            ("pending_update",),
            ("modify_rejected",),
            ("cancel_rejected",),
            ("cancel",),
            ("expire",),
            ("trigger",),
            ("reject",),
        ]
    ),
)


def _event(ev: EventFactory, order: Order, step: tuple[Any, ...]) -> OrderEvent:
    kind = step[0]
    if kind == "fill":
        _, qty, px, tid = step
        return ev.filled(
            order,
            trade_id=f"T{tid}",
            last_qty=Quantity.from_raw(qty * 10**7, 2),
            last_px=Price.from_raw(px * 10**7, 2),
            commission=Money("0.01", USDT),
            venue_order_id=order.venue_order_id or "V-0",
        )
    if kind == "accept":
        return ev.accepted(order, f"V-{step[1]}")
    if kind == "update":
        return ev.updated(order, quantity=Quantity.from_raw(step[1] * 10**7, 2))
    if kind == "pending_cancel":
        return ev.pending_cancel(order)
    if kind == "pending_update":
        return ev.pending_update(order)
    if kind == "modify_rejected":
        return ev.modify_rejected(order, "no", "X")
    if kind == "cancel_rejected":
        return ev.cancel_rejected(order, "no", "X")
    if kind == "cancel":
        return ev.canceled(order)
    if kind == "expire":
        return ev.expired(order)
    if kind == "trigger":
        return ev.triggered(order)
    if kind == "reject":
        return ev.rejected(order, "no", "X")
    raise AssertionError(kind)


def _frac(q: Quantity) -> Fraction:
    return Fraction(q.raw, 10**9)


@settings(max_examples=400, deadline=None)
@given(
    quantity=st.integers(1, 100),
    submit_first=st.booleans(),
    steps=st.lists(op, max_size=40),
)
def test_random_event_sequences_never_corrupt_an_order(
    quantity: int, submit_first: bool, steps: list[tuple[Any, ...]]
) -> None:
    factory = new_factory()
    ev = factory.events
    order = factory.stop_limit(
        INSTRUMENT,
        OrderSide.BUY,
        Quantity.from_raw(quantity * 10**7, 2),
        Price("101"),
        Price("100"),
    )
    if submit_first:
        order.apply(ev.submitted(order))

    ref_trades: set[str] = set()
    ref_filled = Fraction(0)
    ref_notional = Fraction(0)
    last_filled = Fraction(0)

    for step in steps:
        event = _event(ev, order, step)
        before = Order.from_events(order.events)
        try:
            outcome = order.apply(event)
        except InvalidTransition:
            assert order == before
            continue
        except InvalidOrder as exc:
            # the only order rule these steps can break: an update below the filled quantity
            assert step[0] == "update" and step[1] * UNIT < ref_filled, exc
            assert order == before
            continue

        if step[0] == "fill":
            tid = f"T{step[3]}"
            assert (outcome is ApplyOutcome.DUPLICATE) == (tid in ref_trades)
            if outcome is not ApplyOutcome.DUPLICATE:
                ref_trades.add(tid)
                ref_filled += step[1] * UNIT
                ref_notional += step[1] * UNIT * step[2] * UNIT
        if outcome is ApplyOutcome.DUPLICATE:
            assert order == before

        filled = _frac(order.filled_qty)
        qty = _frac(order.quantity)
        leaves = _frac(order.leaves_qty)
        status = order.status
        # exact bookkeeping, duplicates never double-count
        assert filled == ref_filled
        assert order.trade_ids == ref_trades
        assert filled >= last_filled
        last_filled = filled
        # quantities agree with each other
        if status in CLOSED_STATUSES:
            assert leaves == 0
        else:
            assert filled + leaves == qty
        assert _frac(order.overfill_qty) == max(Fraction(0), filled - qty)
        if outcome is ApplyOutcome.OVERFILL:
            assert filled > qty
        # status agrees with quantities
        assert (status is OrderStatus.FILLED) == (filled > 0 and filled >= qty)
        if status is OrderStatus.PARTIALLY_FILLED:
            assert 0 < filled < qty
        if status in (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.TRIGGERED):
            assert filled == 0
        # exact average price
        if ref_filled:
            assert order.avg_px_fraction == ref_notional / ref_filled
            assert abs(Fraction(order.avg_px) - ref_notional / ref_filled) <= Fraction(1, 10**18)
        else:
            assert order.avg_px is None and order.avg_px_fraction is None
        assert order.commissions.get(USDT, Money.zero(USDT)) == Money("0.01", USDT) * len(
            ref_trades
        )

    rebuilt = Order.from_events(order.events)
    assert rebuilt == order
    assert decode_order(encode_order(order)) == order
    assert decode_order(encode_order(order, "json"), "json") == order
