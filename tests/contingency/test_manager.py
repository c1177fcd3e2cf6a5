"""The ContingencyManager on a scriptable venue: what exists at the venue after each step."""

from __future__ import annotations

import pytest

from lyra.contingency import (
    AlertKind,
    ContingencyChildrenReleased,
    ContingencyListClosed,
    ContingencyListSubmitted,
    ContingencyManager,
    emulation_gap,
)
from lyra.errors import InvalidInput
from lyra.model.enums import ContingencyType, OrderSide, OrderStatus, OrderType
from lyra.model.values import Price, Quantity
from lyra.orders import OrderDenied, OrderSubmitted, ReleasePolicy
from lyra.venue import AmendMode, VenueCapabilities

from .helpers import Harness
from .script_venue import FULL


def test_bracket_with_partial_entry_fills() -> None:
    h = Harness()
    b = h.bracket("10")
    entry, sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    assert h.venue.working() == {entry.client_order_id: "10"}
    assert sl.status is OrderStatus.INITIALIZED  # held locally
    h.venue.fill(entry, "3")
    h.venue.settle()
    assert h.venue.working() == {
        entry.client_order_id: "7",
        sl.client_order_id: "3",
        tp.client_order_id: "3",
    }
    h.venue.fill(entry, "4")
    h.venue.fill(entry, "2")  # two fills before the venue answers anything
    h.venue.settle()
    assert h.venue.working() == {
        entry.client_order_id: "1",
        sl.client_order_id: "9",
        tp.client_order_id: "9",
    }
    h.venue.fill(tp, "5")
    h.venue.settle()
    assert h.venue.working() == {
        entry.client_order_id: "1",
        sl.client_order_id: "4",
        tp.client_order_id: "4",
    }
    h.venue.fill(entry, "1")
    h.venue.settle()
    assert h.venue.working() == {sl.client_order_id: "5", tp.client_order_id: "5"}
    h.venue.fill(sl, "5")
    h.venue.settle()
    assert h.venue.working() == {}
    assert h.alerts == []
    kinds = [type(e) for e in h.contingency]
    assert kinds == [ContingencyListSubmitted, ContingencyChildrenReleased, ContingencyListClosed]


def test_full_fill_release_policy() -> None:
    h = Harness()
    b = h.bracket("10", release=ReleasePolicy.ON_FULL_FILL)
    entry, sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "6")
    h.venue.settle()
    assert h.venue.working() == {entry.client_order_id: "4"}
    h.venue.fill(entry, "4")
    h.venue.settle()
    assert h.venue.working() == {sl.client_order_id: "10", tp.client_order_id: "10"}


def test_oco_exits_simultaneous_fills_alert() -> None:
    h = Harness(clip_reduce_only=False)
    b = h.bracket("10", exits=ContingencyType.OCO)
    entry, sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "10")
    h.venue.settle()
    h.venue.fill(tp, "10")
    h.venue.fill(sl, "10")  # the same instant, before the manager's cancel reaches the venue
    h.venue.settle()
    assert h.venue.working() == {}
    assert h.alert_kinds() == [AlertKind.EXITS_OVERFILLED]


def test_oco_exits_partial_fill_keeps_the_remainder() -> None:
    h = Harness()
    b = h.bracket("10", exits=ContingencyType.OCO)
    entry, sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "10")
    h.venue.settle()
    h.venue.fill(tp, "4")
    h.venue.settle()
    assert h.venue.working() == {tp.client_order_id: "6"}
    assert sl.status is OrderStatus.CANCELED


def test_parent_canceled_before_any_fill_cancels_held_children() -> None:
    h = Harness()
    b = h.bracket("10")
    _entry, _sl, _tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.manager.cancel(b.order_list_id)
    h.venue.settle()
    assert h.venue.working() == {}
    assert [o.status for o in b.orders] == [OrderStatus.CANCELED] * 3
    assert isinstance(h.contingency[-1], ContingencyListClosed)


def test_parent_rejected_cancels_held_children() -> None:
    h = Harness()
    h.venue.reject_submit = lambda o: "insufficient balance" if not o.reduce_only else None
    b = h.bracket("10")
    h.manager.submit(b)
    h.venue.settle()
    assert [o.status for o in b.orders] == [
        OrderStatus.REJECTED,
        OrderStatus.CANCELED,
        OrderStatus.CANCELED,
    ]
    assert h.alerts == []


def test_child_rejected_closes_the_exits_and_alerts() -> None:
    h = Harness()
    b = h.bracket("10")
    entry, sl, _tp = b.orders
    h.venue.reject_submit = lambda o: "stop in market" if o is sl else None
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "4")
    h.venue.settle()
    # the rejected stop takes its OUO sibling with it, and the entry's remainder is canceled
    assert h.venue.working() == {}
    assert h.alert_kinds() == [AlertKind.CHILD_REJECTED, AlertKind.EXITS_CLOSED]
    assert entry.status is OrderStatus.CANCELED


def test_modify_of_a_held_child_applies_on_release() -> None:
    h = Harness()
    b = h.bracket("10")
    entry, sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.manager.modify(sl, trigger_price=Price("95.00"))
    assert sl.trigger_price == Price("95.00") and sl.status is OrderStatus.INITIALIZED
    with pytest.raises(InvalidInput, match="quantity"):
        h.manager.modify(sl, quantity=Quantity("5"))
    h.venue.fill(entry, "2")
    h.venue.settle()
    assert h.venue.book[sl.client_order_id].trigger_price == Price("95.00")
    # once released, a modify goes to the venue
    h.manager.modify(tp, price=Price("111.00"))
    h.venue.settle()
    assert h.venue.book[tp.client_order_id].price == Price("111.00")


def test_ouo_top_level_on_the_venue() -> None:
    h = Harness()
    a = h.limit(OrderSide.BUY, "10", "99.00")
    c = h.limit(OrderSide.BUY, "5", "98.00")
    lst = h.orders.ouo([a, c])
    h.manager.submit(lst)
    h.venue.settle()
    h.venue.fill(a, "3")
    h.venue.settle()
    assert h.venue.working() == {a.client_order_id: "7", c.client_order_id: "2"}
    h.venue.fill(c, "1")
    h.venue.settle()
    assert h.venue.working() == {a.client_order_id: "6", c.client_order_id: "1"}


def test_list_denied_when_the_venue_cannot_resize() -> None:
    caps = VenueCapabilities(
        order_types=FULL.order_types,
        reduce_only=True,
        amend=AmendMode.IN_PLACE,
        amend_quantity=True,  # decrease only
        amend_price=True,
    )
    h = Harness(capabilities=caps)
    b = h.bracket("10")
    assert "ON_FIRST_FILL" in (emulation_gap(b, caps) or "")
    h.manager.submit(b)
    assert [o.status for o in b.orders] == [OrderStatus.DENIED] * 3
    assert h.alert_kinds() == [AlertKind.LIST_DENIED]
    assert all(isinstance(e, OrderDenied) for e in h.order_events)
    # a full-fill bracket needs only decreases: fine there
    b2 = h.bracket("10", release=ReleasePolicy.ON_FULL_FILL)
    h.manager.submit(b2)
    assert b2[0].status is OrderStatus.SUBMITTED


def test_unsupported_member_denies_the_list() -> None:
    caps = VenueCapabilities(order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}))
    h = Harness(capabilities=caps)
    b = h.bracket("1")
    h.manager.submit(b)
    assert [o.status for o in b.orders] == [OrderStatus.DENIED] * 3
    assert "STOP_MARKET" in h.alerts[0].message


def test_cancel_exits_too() -> None:
    h = Harness()
    b = h.bracket("10")
    entry, sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "4")
    h.venue.settle()
    h.manager.cancel(b.order_list_id)
    h.venue.settle()
    assert h.venue.working() == {sl.client_order_id: "4", tp.client_order_id: "4"}
    h.manager.cancel(b.order_list_id, exits=True)
    h.venue.settle()
    assert h.venue.working() == {}
    assert h.alert_kinds() == [AlertKind.EXITS_CLOSED]


def test_expired_exit_cascades_and_alerts() -> None:
    h = Harness()
    b = h.bracket("10")
    entry, _sl, tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "10")
    h.venue.settle()
    h.venue.expire(tp)
    h.venue.settle()
    assert h.venue.working() == {}
    assert h.alert_kinds() == [AlertKind.EXITS_CLOSED]


def test_cause_before_effect_for_other_subscribers() -> None:
    """A subscriber sees the entry's fill before the children's submits it caused."""
    h = Harness()
    seen: list[str] = []
    b = h.bracket("10")
    entry = b[0]
    h.bus.subscribe(
        "events.order.*",
        lambda e: seen.append(f"{type(e).__name__}:{e.client_order_id == entry.client_order_id}"),
    )
    h.manager.submit(b)
    h.venue.settle()
    seen.clear()
    h.venue.fill(entry, "1")
    assert seen[0] == "OrderFilled:True"
    assert "OrderSubmitted:False" in seen[1:]


def test_reentrant_commands_from_another_handler_keep_causal_order_for_the_core() -> None:
    """A handler that cancels the entry from inside the fill's dispatch (depth-first bus)
    must not make the core see the cancel before the fill."""
    h = Harness()
    b = h.bracket("10")
    entry, sl, tp = b.orders

    def stop_on_fill(event: object) -> None:
        if (
            getattr(event, "client_order_id", None) == entry.client_order_id
            and type(event).__name__ == "OrderFilled"
            and entry.status is OrderStatus.PARTIALLY_FILLED
        ):
            h.venue.cancel_order(entry)

    h.bus.subscribe("events.order.S-1", stop_on_fill)
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "3")
    h.venue.settle()
    assert entry.status is OrderStatus.CANCELED
    assert h.venue.working() == {sl.client_order_id: "3", tp.client_order_id: "3"}
    assert h.alerts == []


def test_command_failure_becomes_an_alert() -> None:
    h = Harness()
    b = h.bracket("10")
    entry, sl, _tp = b.orders
    h.manager.submit(b)
    h.venue.settle()
    h.venue.fill(entry, "2")
    h.venue.settle()

    def broken(*args: object, **kwargs: object) -> None:
        raise InvalidInput("modify", "the adapter is broken", None)

    h.venue.modify_order = broken  # type: ignore[method-assign]
    h.venue.fill(entry, "2")
    h.venue.settle()
    assert h.alert_kinds() == [AlertKind.COMMAND_FAILED, AlertKind.COMMAND_FAILED]
    assert "the adapter is broken" in h.alerts[0].message
    assert h.venue.working()[sl.client_order_id] == "2"


def test_native_mode_when_the_venue_supports_lists() -> None:
    from lyra.venue import ContingencySupport

    caps = VenueCapabilities(
        order_types=FULL.order_types,
        reduce_only=True,
        amend=AmendMode.IN_PLACE,
        amend_quantity=True,
        amend_quantity_increase=True,
        contingencies=(
            ContingencySupport(
                contingency_type=ContingencyType.OTO,
                children_contingency=frozenset({ContingencyType.OUO}),
                release_policies=frozenset({ReleasePolicy.ON_FIRST_FILL}),
            ),
        ),
    )
    h = Harness(capabilities=caps)
    b = h.bracket("10")
    h.manager.submit(b)
    assert h.manager.is_native(b.order_list_id)
    # ScriptVenue's submit_order_list goes through OrderFlow: every member submitted
    assert [type(e) for e in h.order_events] == [OrderSubmitted] * 3
    h2 = Harness(capabilities=caps)
    h2.manager = ContingencyManager(h2.venue, h2.bus, h2.clock, prefer_native=False)  # type: ignore[arg-type]
    b2 = h2.bracket("10")
    h2.manager.submit(b2)
    assert not h2.manager.is_native(b2.order_list_id)
    assert "disabled" in h2.contingency[0].reason


def test_modify_unmanaged_order_goes_to_the_venue() -> None:
    h = Harness()
    o = h.limit(OrderSide.BUY, "1", "99.00")
    h.venue.submit_order(o)
    h.venue.settle()
    h.manager.modify(o, price=Price("98.00"))
    h.venue.settle()
    assert o.price == Price("98.00")


def test_restore_requires_every_member() -> None:
    h = Harness()
    b = h.bracket("10")
    h.manager.submit(b)
    with pytest.raises(InvalidInput, match="every member"):
        ContingencyManager(h.venue, h.bus, state=h.manager.snapshot(), orders=b.orders[:2])  # type: ignore[arg-type]


def test_native_mode_forced_on_a_venue_without_lists_is_denied_with_an_alert() -> None:
    h = Harness()
    b = h.bracket("10")
    h.manager.submit(b, mode="native")
    assert [o.status for o in b.orders] == [OrderStatus.DENIED] * 3
    assert h.alert_kinds() == [AlertKind.LIST_DENIED]
    assert "not supported natively" in h.alerts[0].message
    assert isinstance(h.contingency[-1], ContingencyListClosed)
    assert h.manager.forget_closed() == 1
    assert h.manager.list_state(b.order_list_id) is None


def test_emulated_mode_and_bad_arguments() -> None:
    h = Harness()
    b = h.bracket("10")
    with pytest.raises(InvalidInput, match="mode"):
        h.manager.submit(b, mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        h.manager.submit("not a list")  # type: ignore[arg-type]
    h.manager.submit(b, mode="emulated")
    assert not h.manager.is_native(b.order_list_id)
    assert h.contingency[0].reason
