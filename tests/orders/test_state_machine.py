"""The state machine, exhaustively: every (status, event type) pair of the cross product.

Allowed pairs (those in ``TRANSITIONS``) are walked and land where the table says; every other
pair raises ``InvalidTransition`` and leaves the order exactly as it was.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from lyra.model.enums import OrderSide, OrderStatus
from lyra.model.values import Price, Quantity
from lyra.orders import (
    ORDER_EVENT_TYPES,
    TRANSITIONS,
    ApplyOutcome,
    InvalidTransition,
    Order,
    OrderAccepted,
    OrderTriggered,
    Resolve,
)
from lyra.orders.state import CLOSED_STATUSES, PENDING_STATUSES, transition

from .helpers import INSTRUMENT, fill, new_factory, order_in, sample_event

PAIRS = list(itertools.product(OrderStatus, ORDER_EVENT_TYPES))
ALLOWED = [p for p in PAIRS if p in TRANSITIONS]
DISALLOWED = [p for p in PAIRS if p not in TRANSITIONS]


def _id(pair: tuple[OrderStatus, type]) -> str:
    return f"{pair[0].name}-{pair[1].__name__}"


def test_the_cross_product_is_split_between_allowed_and_disallowed() -> None:
    assert len(PAIRS) == 14 * 16
    assert set(TRANSITIONS) <= set(PAIRS)
    assert len(ALLOWED) + len(DISALLOWED) == len(PAIRS)
    assert len(ALLOWED) > 80 and len(DISALLOWED) > 80  # neither side is trivially empty


def _expected_status(before: Order, target: OrderStatus | Resolve) -> OrderStatus:
    if type(target) is OrderStatus:
        return target
    if target is Resolve.PREVIOUS:
        assert before.previous_status is not None
        return before.previous_status
    if target is Resolve.BY_FILL:
        # sample fills are a quarter of the quantity: only a FILLED order stays FILLED
        if before.status is OrderStatus.FILLED:
            return OrderStatus.FILLED
        return OrderStatus.PARTIALLY_FILLED
    # STAY, IGNORE, PENDING_BASE, LATE_FILL (a quarter never completes the order)
    return before.status


@pytest.mark.parametrize(("status", "event_type"), ALLOWED, ids=[_id(p) for p in ALLOWED])
def test_allowed_transition(status: OrderStatus, event_type: type) -> None:
    order, ev = order_in(status)
    twin, _ = order_in(status)
    event = sample_event(event_type, order, ev)
    target = TRANSITIONS[(status, event_type)]
    filled_before = order.filled_qty
    count_before = order.event_count

    outcome = order.apply(event)

    assert order.status is _expected_status(twin, target)
    assert order.filled_qty >= filled_before
    if target is Resolve.IGNORE:
        assert outcome is ApplyOutcome.DUPLICATE
    if outcome is ApplyOutcome.DUPLICATE:
        assert order == twin  # nothing changed, nothing recorded
    else:
        assert order.event_count == count_before + 1
        assert order.last_event is event
        assert Order.from_events(order.events) == order
    if target is Resolve.BY_FILL and status is OrderStatus.FILLED:
        assert outcome is ApplyOutcome.OVERFILL
        assert order.overfill_qty == Quantity("0.25")
    if status in PENDING_STATUSES and target is Resolve.PREVIOUS:
        assert order.status not in PENDING_STATUSES


@pytest.mark.parametrize(("status", "event_type"), DISALLOWED, ids=[_id(p) for p in DISALLOWED])
def test_disallowed_transition_raises_and_changes_nothing(
    status: OrderStatus, event_type: type
) -> None:
    order, ev = order_in(status)
    twin, _ = order_in(status)
    assert order == twin
    event = sample_event(event_type, order, ev)

    with pytest.raises(InvalidTransition) as info:
        order.apply(event)

    assert info.value.client_order_id == order.client_order_id
    assert info.value.status is status
    assert info.value.event_type == event_type.__name__
    assert order.client_order_id in str(info.value) and status.name in str(info.value)
    assert order == twin
    assert order.status is status


def test_transition_lookup_matches_the_table() -> None:
    for status, event_type in PAIRS:
        assert transition(status, event_type) == TRANSITIONS.get((status, event_type))


def test_closed_statuses_accept_only_late_messages() -> None:
    # a closed order never goes back to an open status, whatever arrives
    for (status, _event_type), target in TRANSITIONS.items():
        if status in CLOSED_STATUSES:
            assert target in (
                Resolve.STAY,
                Resolve.IGNORE,
                Resolve.BY_FILL,
                Resolve.LATE_FILL,
            ), (status, _event_type, target)


NOT_TRIGGERABLE = ("market", "limit", "market_to_limit")


@pytest.mark.parametrize("builder", NOT_TRIGGERABLE)
@pytest.mark.parametrize(
    "status",
    [
        s
        for s in OrderStatus
        if (s, OrderTriggered) in TRANSITIONS
        and s not in CLOSED_STATUSES
        and s is not OrderStatus.TRIGGERED  # unreachable without a trigger
    ],
)
def test_triggered_is_refused_for_types_without_a_trigger(
    builder: str, status: OrderStatus
) -> None:
    factory = new_factory()
    ev = factory.events
    make = getattr(factory, builder)
    args = (Price("100"),) if builder == "limit" else ()
    order = make(INSTRUMENT, OrderSide.BUY, Quantity("1"), *args)
    steps = {
        OrderStatus.INITIALIZED: [],
        OrderStatus.SUBMITTED: ["submitted"],
        OrderStatus.ACCEPTED: ["submitted", "accepted"],
        OrderStatus.PENDING_UPDATE: ["submitted", "accepted", "pending_update"],
        OrderStatus.PENDING_CANCEL: ["submitted", "accepted", "pending_cancel"],
        OrderStatus.PARTIALLY_FILLED: ["submitted", "accepted", "fill"],
    }[status]
    for step in steps:
        if step == "accepted":
            order.apply(ev.accepted(order, "V-1"))
        elif step == "fill":
            order.apply(fill(ev, order, "0.5"))
        else:
            order.apply(getattr(ev, step)(order))
    before = Order.from_events(order.events)
    with pytest.raises(InvalidTransition):
        order.apply(ev.triggered(order))
    assert order == before


@pytest.mark.parametrize(
    "builder",
    [
        "stop_market",
        "stop_limit",
        "market_if_touched",
        "limit_if_touched",
        "trailing_stop_market",
        "trailing_stop_limit",
    ],
)
def test_every_conditional_type_can_be_triggered(builder: str) -> None:
    factory = new_factory()
    ev = factory.events
    qty = Quantity("1")
    side = OrderSide.SELL
    order = {
        "stop_market": lambda: factory.stop_market(INSTRUMENT, side, qty, Price("90")),
        "stop_limit": lambda: factory.stop_limit(INSTRUMENT, side, qty, Price("89"), Price("90")),
        "market_if_touched": lambda: factory.market_if_touched(INSTRUMENT, side, qty, Price("110")),
        "limit_if_touched": lambda: factory.limit_if_touched(
            INSTRUMENT, side, qty, Price("110"), Price("109")
        ),
        "trailing_stop_market": lambda: factory.trailing_stop_market(
            INSTRUMENT, side, qty, trailing_offset=Decimal("5")
        ),
        "trailing_stop_limit": lambda: factory.trailing_stop_limit(
            INSTRUMENT, side, qty, trailing_offset=Decimal("5"), limit_offset=Decimal("1")
        ),
    }[builder]()
    order.apply(ev.submitted(order))
    order.apply(ev.accepted(order, "V-9"))
    assert order.apply(ev.triggered(order)) is ApplyOutcome.APPLIED
    assert order.status is OrderStatus.TRIGGERED
    assert order.ts_triggered is not None
    # a repeated trigger report is a duplicate
    assert order.apply(ev.triggered(order)) is ApplyOutcome.DUPLICATE


def test_accepted_twice_is_idempotent() -> None:
    order, ev = order_in(OrderStatus.ACCEPTED)
    count = order.event_count
    assert order.apply(ev.accepted(order, "V-1", account_id="ACC-1")) is ApplyOutcome.DUPLICATE
    assert order.event_count == count
    assert isinstance(order.last_event, OrderAccepted)


def test_the_explanation_page_shows_exactly_this_table() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "explanation" / "order-lifecycle.md"
    rows = [
        line.strip().strip("|").split("|")
        for line in page.read_text().splitlines()
        if line.startswith("| ") and line.split("|")[1].strip() in OrderStatus.__members__
    ]
    header = next(
        line.strip().strip("|").split("|")
        for line in page.read_text().splitlines()
        if line.startswith("| status / event")
    )
    columns = ["Order" + h.strip() for h in header[1:]]
    types = {t.__name__: t for t in ORDER_EVENT_TYPES}
    abbr = {
        "INIT": "INITIALIZED",
        "DEN": "DENIED",
        "EMU": "EMULATED",
        "REL": "RELEASED",
        "SUBM": "SUBMITTED",
        "ACC": "ACCEPTED",
        "REJ": "REJECTED",
        "CXL": "CANCELED",
        "EXP": "EXPIRED",
        "TRIG": "TRIGGERED",
        "P_UPD": "PENDING_UPDATE",
        "P_CXL": "PENDING_CANCEL",
        "PART": "PARTIALLY_FILLED",
        "FILLED": "FILLED",
    }
    rules = {
        "stay": Resolve.STAY,
        "fill": Resolve.BY_FILL,
        "late": Resolve.LATE_FILL,
        "prev": Resolve.PREVIOUS,
        "base": Resolve.PENDING_BASE,
        "dup": Resolve.IGNORE,
    }
    seen = {}
    for row in rows:
        status = OrderStatus[row[0].strip()]
        for column, cell in zip(columns, row[1:], strict=True):
            cell = cell.strip()
            if cell == "·":
                continue
            target = OrderStatus[abbr[cell.strip("*")]] if cell.startswith("**") else rules[cell]
            seen[(status, types[column])] = target
    assert len(rows) == len(OrderStatus)
    assert seen == dict(TRANSITIONS)
