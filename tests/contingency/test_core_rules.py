"""The decision core alone, driven by hand-made venue events: every rule and every race."""

from __future__ import annotations

import pytest

from lyra.contingency import (
    AlertKind,
    CancelHeld,
    ContingencyAlert,
    ContingencyChildrenReleased,
    ContingencyCore,
    ContingencyListClosed,
    ContingencyListSubmitted,
    DenyOrder,
    SubmitList,
    SubmitOrder,
)
from lyra.errors import InvalidInput, InvalidOrderList
from lyra.model.enums import ContingencyType, OrderSide, TriggerType
from lyra.model.values import Quantity
from lyra.orders import Order, ReleasePolicy

from .core_script import Script, commands, published


def start_bracket(s: Script, qty: str = "10", **kw: object) -> tuple[Order, Order, Order]:
    b = s.bracket(qty, **kw)
    actions = s.core.add_list(b, native=False, reason="test")
    assert commands(actions) == [("SubmitOrder", b[0].client_order_id, qty)]
    assert isinstance(published(actions)[0], ContingencyListSubmitted)
    s.live(b[0])
    return b[0], b[1], b[2]


def release(s: Script, child: Order, qty: str) -> list[object]:
    """What the driver does for SubmitOrder(child, qty), then the venue acknowledges."""
    out: list[object] = []
    if child.quantity != Quantity(qty):
        out += s.feed(s.ev.updated(child, quantity=Quantity(qty)))
    out += s.live(child)
    return out


def alerts(actions: list[object]) -> list[AlertKind]:
    return [e.kind for e in published(actions) if isinstance(e, ContingencyAlert)]  # type: ignore[arg-type]


# -- OTO release ------------------------------------------------------------------------------
def test_first_fill_releases_children_sized_to_the_fill() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    actions = s.fill(entry, "3")
    assert commands(actions) == [
        ("SubmitOrder", sl.client_order_id, "3"),
        ("SubmitOrder", tp.client_order_id, "3"),
    ]
    (released,) = [e for e in published(actions) if isinstance(e, ContingencyChildrenReleased)]
    assert released.quantity == Quantity("3")
    assert released.child_order_ids == (sl.client_order_id, tp.client_order_id)


def test_children_grow_with_later_fills_even_when_fills_outrun_acknowledgements() -> None:
    # Nautilus #3435: parent fills arriving faster than child updates mis-sized the children.
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "3")
    assert commands(s.fill(entry, "2")) == []  # children not acknowledged yet: wait
    s.feed(s.ev.updated(sl, quantity=Quantity("3")))
    s.feed(s.ev.updated(tp, quantity=Quantity("3")))
    assert commands(s.live(sl)) == [("ModifyQuantity", sl.client_order_id, "5")]
    assert commands(s.live(tp)) == [("ModifyQuantity", tp.client_order_id, "5")]
    s.pending_update(sl)
    # both have a resize in flight: their next target waits for the answer
    assert commands(s.fill(entry, "4")) == []
    assert commands(s.updated(sl, "5")) == [("ModifyQuantity", sl.client_order_id, "9")]


def test_resizes_wait_for_the_answer_then_aim_at_the_latest_target() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "1")
    release(s, sl, "1")
    release(s, tp, "1")
    assert commands(s.fill(entry, "1")) == [
        ("ModifyQuantity", sl.client_order_id, "2"),
        ("ModifyQuantity", tp.client_order_id, "2"),
    ]
    s.pending_update(sl)
    s.pending_update(tp)
    for _ in range(3):
        assert commands(s.fill(entry, "1")) == []
    assert commands(s.updated(sl, "2")) == [("ModifyQuantity", sl.client_order_id, "5")]
    assert commands(s.updated(tp, "2")) == [("ModifyQuantity", tp.client_order_id, "5")]


def test_full_fill_policy_holds_children_until_the_parent_is_filled() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s, release=ReleasePolicy.ON_FULL_FILL)
    assert commands(s.fill(entry, "4")) == []
    assert commands(s.fill(entry, "6")) == [
        ("SubmitOrder", sl.client_order_id, "10"),
        ("SubmitOrder", tp.client_order_id, "10"),
    ]


def test_full_fill_policy_releases_the_filled_part_when_the_parent_closes_early() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s, release=ReleasePolicy.ON_FULL_FILL)
    s.fill(entry, "4")
    assert commands(s.canceled(entry)) == [
        ("SubmitOrder", sl.client_order_id, "4"),
        ("SubmitOrder", tp.client_order_id, "4"),
    ]


@pytest.mark.parametrize("close", ["canceled", "rejected", "expired"])
def test_parent_closed_without_fill_cancels_held_children(close: str) -> None:
    s = Script()
    b = s.bracket()
    entry, sl, tp = b.orders
    s.core.add_list(b, native=False)
    s.submitted(entry)
    if close != "rejected":
        s.accepted(entry)
    actions = getattr(s, close)(entry)
    assert commands(actions) == [
        ("CancelHeld", sl.client_order_id),
        ("CancelHeld", tp.client_order_id),
    ]
    for child in (sl, tp):
        s.canceled(child)
    assert s.core.get_list(b.order_list_id).closed  # type: ignore[union-attr]


def test_parent_canceled_after_a_fill_keeps_children_covering_the_fill() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "6")
    release(s, sl, "6")
    release(s, tp, "6")
    assert commands(s.canceled(entry)) == []
    assert sl.quantity == Quantity("6") and tp.quantity == Quantity("6")


def test_late_parent_fill_after_its_cancel_grows_the_children() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "6")
    release(s, sl, "6")
    release(s, tp, "6")
    s.pending_cancel(entry)
    s.canceled(entry)
    assert commands(s.fill(entry, "2")) == [
        ("ModifyQuantity", sl.client_order_id, "8"),
        ("ModifyQuantity", tp.client_order_id, "8"),
    ]


def test_small_plain_oto_child_is_capped_at_its_own_quantity() -> None:
    s = Script()
    parent = s.limit(OrderSide.BUY, "10", "100.00")
    child = s.limit(OrderSide.SELL, "4", "110.00")
    lst = s.orders.oto(parent, [child])
    s.core.add_list(lst, native=False)
    s.live(parent)
    assert commands(s.fill(parent, "3")) == [("SubmitOrder", child.client_order_id, "3")]
    release(s, child, "3")
    assert commands(s.fill(parent, "5")) == [("ModifyQuantity", child.client_order_id, "4")]


# -- OCO -------------------------------------------------------------------------------------------
def test_oco_first_fill_cancels_the_sibling_and_keeps_the_remainder() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s, exits_linked=ContingencyType.OCO)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    assert commands(s.fill(tp, "4")) == [("CancelOrder", sl.client_order_id)]
    s.pending_cancel(sl)
    assert commands(s.canceled(sl)) == []
    assert s.core.member(tp.client_order_id).status.name == "PARTIALLY_FILLED"  # type: ignore[union-attr]


def test_oco_remainder_canceled_when_the_list_says_so() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "5", "99.00")
    b = s.limit(OrderSide.BUY, "5", "98.00")
    lst = s.orders.oco([a, b])
    s.core.add_list(lst, native=False, keep_oco_remainder=False)
    s.live(a, b)
    assert commands(s.fill(b, "1")) == [
        ("CancelOrder", a.client_order_id),
        ("CancelOrder", b.client_order_id),
    ]


def test_oco_simultaneous_fills_raise_exits_overfilled() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s, exits_linked=ContingencyType.OCO)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    # both legs execute in the same instant; the fills reach us one after the other
    first = s.fill(tp, "10")
    assert commands(first) == [("CancelOrder", sl.client_order_id)]
    second = s.fill(sl, "10")
    assert alerts(second) == [AlertKind.EXITS_OVERFILLED]
    (alert,) = [e for e in published(second) if isinstance(e, ContingencyAlert)]
    assert alert.expected == Quantity("10") and alert.actual == Quantity("20")


def test_top_level_oco_cancel_of_one_cancels_the_others() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "5", "99.00")
    b = s.limit(OrderSide.SELL, "5", "101.00")
    c = s.limit(OrderSide.SELL, "5", "102.00")
    s.core.add_list(s.orders.oco([a, b, c]), native=False)
    s.live(a, b, c)
    s.pending_cancel(a)
    assert commands(s.canceled(a)) == [
        ("CancelOrder", b.client_order_id),
        ("CancelOrder", c.client_order_id),
    ]


# -- OUO -----
def test_ouo_partial_take_profit_reduces_the_stop() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    assert commands(s.fill(tp, "4")) == [("ModifyQuantity", sl.client_order_id, "6")]
    s.pending_update(sl)
    s.updated(sl, "6")
    assert commands(s.fill(tp, "6")) == [("CancelOrder", sl.client_order_id)]


def test_ouo_absolute_top_level_and_no_cascade_from_its_own_cancels() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "10", "99.00")
    b = s.limit(OrderSide.BUY, "5", "98.00")
    s.core.add_list(s.orders.ouo([a, b]), native=False)
    s.live(a, b)
    assert commands(s.fill(a, "3")) == [("ModifyQuantity", b.client_order_id, "2")]
    s.pending_update(b)
    s.updated(b, "2")
    assert commands(s.fill(a, "2")) == [("CancelOrder", b.client_order_id)]
    s.pending_cancel(b)
    assert commands(s.canceled(b)) == []  # a rule's own cancel does not cascade
    assert s.core.member(a.client_order_id).status.name == "PARTIALLY_FILLED"  # type: ignore[union-attr]


def test_ouo_proportional_reduces_by_the_same_fraction() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "10", "99.00")
    b = s.limit(OrderSide.BUY, "4", "98.00")
    s.core.add_list(s.orders.ouo([a, b]), native=False, proportional=True)
    s.live(a, b)
    assert commands(s.fill(a, "5")) == [("ModifyQuantity", b.client_order_id, "2")]
    s.pending_update(b)
    s.updated(b, "2")
    # b fills 1 of its base 4 (25%): a's open = 10 * (1 - 0.25) - 5 = 2.5, rounded down to 2
    assert commands(s.fill(b, "1")) == [("ModifyQuantity", a.client_order_id, "7")]
    s.pending_update(a)
    s.updated(a, "7")
    # b fills its last 1 (50% of 4 in all): a may keep 10 * 0.5 - 5 = 0 open -> cancel
    assert commands(s.fill(b, "1")) == [("CancelOrder", a.client_order_id)]


def test_ouo_user_cancel_cascades() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "10", "99.00")
    b = s.limit(OrderSide.BUY, "5", "98.00")
    s.core.add_list(s.orders.ouo([a, b]), native=False)
    s.live(a, b)
    s.pending_cancel(b)
    assert commands(s.canceled(b)) == [("CancelOrder", a.client_order_id)]


def test_a_modify_outside_the_rules_moves_a_peers_base() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "10", "99.00")
    b = s.limit(OrderSide.BUY, "5", "98.00")
    s.core.add_list(s.orders.ouo([a, b]), native=False)
    s.live(a, b)
    s.pending_update(b)
    assert commands(s.updated(b, "8")) == []  # the user's resize is not undone
    assert commands(s.fill(a, "3")) == [("ModifyQuantity", b.client_order_id, "5")]


# -- races -----
def test_fill_after_cancel_sent_raises_exits_overfilled() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    assert commands(s.fill(tp, "10")) == [("CancelOrder", sl.client_order_id)]
    s.pending_cancel(sl)
    actions = s.fill(sl, "3")  # executed before the cancel reached the venue
    assert alerts(actions) == [AlertKind.EXITS_OVERFILLED]
    assert commands(actions) == []


def test_fill_racing_a_resize_is_folded_into_the_next_target() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    assert commands(s.fill(tp, "2")) == [("ModifyQuantity", sl.client_order_id, "8")]
    s.pending_update(sl)
    s.fill(tp, "3")
    s.fill(sl, "1")  # the stop also trades while its resize is in flight
    # answered: sl total 8 with 1 filled; the group has filled 6 -> sl should be 1 + 4 = 5
    assert commands(s.updated(sl, "8")) == [
        ("ModifyQuantity", sl.client_order_id, "5"),
    ]


def test_modify_rejected_is_retried_then_alerted() -> None:
    s = Script(ContingencyCore(max_retries=1))
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    assert commands(s.fill(tp, "4")) == [("ModifyQuantity", sl.client_order_id, "6")]
    s.pending_update(sl)
    assert commands(s.modify_rejected(sl)) == [("ModifyQuantity", sl.client_order_id, "6")]
    s.pending_update(sl)
    actions = s.modify_rejected(sl)
    assert commands(actions) == []
    assert alerts(actions) == [AlertKind.RESIZE_FAILED]


def test_cancel_rejected_while_open_is_retried_then_alerted() -> None:
    s = Script(ContingencyCore(max_retries=0))
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "10")
    release(s, sl, "10")
    release(s, tp, "10")
    assert commands(s.fill(tp, "10")) == [("CancelOrder", sl.client_order_id)]
    s.pending_cancel(sl)
    actions = s.cancel_rejected(sl)
    assert alerts(actions) == [AlertKind.CANCEL_FAILED]


def test_cancel_rejected_too_late_is_quiet() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "5", "99.00")
    b = s.limit(OrderSide.BUY, "5", "98.00")
    s.core.add_list(s.orders.oco([a, b]), native=False)
    s.live(a, b)
    assert commands(s.fill(a, "5")) == [("CancelOrder", b.client_order_id)]
    s.pending_cancel(b)
    s.fill(b, "5")  # b filled before the cancel arrived
    actions = s.cancel_rejected(b)
    assert commands(actions) == []
    kinds = alerts(actions)
    assert AlertKind.CANCEL_FAILED not in kinds


def test_child_rejected_closes_its_linked_group_ends_the_trade_and_alerts() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "5")
    s.feed(s.ev.updated(sl, quantity=Quantity("5")))
    s.feed(s.ev.updated(tp, quantity=Quantity("5")))
    s.submitted(sl)
    s.submitted(tp)
    s.accepted(tp)
    actions = s.rejected(sl, "stop already in the market")
    # like a cancel: the OUO sibling goes, and the entry stops adding to a naked position
    assert commands(actions) == [
        ("CancelOrder", entry.client_order_id),
        ("CancelOrder", tp.client_order_id),
    ]
    assert alerts(actions) == [AlertKind.CHILD_REJECTED]
    s.pending_cancel(tp)
    assert alerts(s.canceled(tp)) == [AlertKind.EXITS_CLOSED]


def test_unlinked_child_rejected_leaves_the_others() -> None:
    s = Script()
    parent = s.limit(OrderSide.BUY, "10", "100.00")
    a = s.limit(OrderSide.SELL, "10", "110.00")
    b = s.limit(OrderSide.SELL, "10", "111.00")
    s.core.add_list(s.orders.oto(parent, [a, b]), native=False)
    s.live(parent)
    s.fill(parent, "4")
    release(s, b, "4")
    s.feed(s.ev.updated(a, quantity=Quantity("4")))
    s.submitted(a)
    actions = s.rejected(a)
    assert commands(actions) == []
    assert alerts(actions) == [AlertKind.CHILD_REJECTED]
    assert commands(s.fill(parent, "2")) == [("ModifyQuantity", b.client_order_id, "6")]


def test_duplicate_fill_changes_nothing() -> None:
    s = Script()
    entry, _sl, _tp = start_bracket(s)
    s.fill(entry, "3", trade_id="X1")
    event = s.log[-1]
    assert list(s.core.on_event(event)) == []
    assert s.core.member(entry.client_order_id).filled_raw == Quantity("3").raw  # type: ignore[union-attr]


def test_exits_canceled_from_outside_end_the_trade_and_alert() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "4")
    release(s, sl, "4")
    release(s, tp, "4")
    s.pending_cancel(tp)
    # the stop goes with its OUO sibling, and the entry stops opening an unprotected position
    assert commands(s.canceled(tp)) == [
        ("CancelOrder", entry.client_order_id),
        ("CancelOrder", sl.client_order_id),
    ]
    s.pending_cancel(sl)
    actions = s.canceled(sl)
    assert commands(actions) == []
    assert alerts(actions) == [AlertKind.EXITS_CLOSED]


def test_exits_done_while_entry_works_cancel_the_entry_remainder() -> None:
    s = Script()
    entry, sl, tp = start_bracket(s)
    s.fill(entry, "4")
    release(s, sl, "4")
    release(s, tp, "4")
    assert commands(s.fill(tp, "4")) == [
        ("CancelOrder", entry.client_order_id),
        ("CancelOrder", sl.client_order_id),
    ]
    s.pending_cancel(sl)
    s.pending_cancel(entry)
    assert alerts(s.canceled(sl)) == []
    # the entry traded again before its cancel: that position has no exit left
    assert alerts(s.fill(entry, "1")) == [AlertKind.EXITS_CLOSED]


# -- commands and validation -----
def test_denied_list_denies_every_member() -> None:
    s = Script()
    b = s.bracket()
    actions = s.core.add_list(b, native=False, deny="no amend")
    assert [type(a) for a in actions[:3]] == [DenyOrder] * 3
    assert alerts(actions) == [AlertKind.LIST_DENIED]


def test_native_list_is_one_submit_and_the_core_only_watches() -> None:
    s = Script()
    b = s.bracket()
    entry, sl, tp = b.orders
    actions = s.core.add_list(b, native=True)
    assert [type(a) for a in actions if not hasattr(a, "event")] == [SubmitList]
    for o in b.orders:
        s.submitted(o)
    s.accepted(entry)
    actions = s.fill(entry, "3")
    assert commands(actions) == []
    assert any(isinstance(e, ContingencyChildrenReleased) for e in published(actions))
    # the venue releases and later cancels the stop by its OUO rule: no alert
    s.accepted(sl)
    s.accepted(tp)
    s.fill(entry, "7")
    s.updated(sl, "10")
    s.updated(tp, "10")
    s.fill(tp, "10")
    actions = s.canceled(sl)
    assert alerts(actions) == []
    assert any(isinstance(e, ContingencyListClosed) for e in published(actions))


def test_native_parent_cancel_cascade_is_by_rule() -> None:
    s = Script()
    b = s.bracket()
    entry, sl, tp = b.orders
    s.core.add_list(b, native=True)
    for o in b.orders:
        s.submitted(o)
    s.accepted(entry)
    s.canceled(entry)
    assert alerts(s.canceled(sl)) == []
    assert alerts(s.canceled(tp)) == []


def test_audit_finds_a_native_venue_that_did_not_release() -> None:
    s = Script()
    b = s.bracket()
    entry, _sl, _tp = b.orders
    s.core.add_list(b, native=True)
    for o in b.orders:
        s.submitted(o)
    s.accepted(entry)
    s.fill(entry, "3")
    found = s.core.audit()
    assert [e.kind for e in published(found)] == [AlertKind.COVERAGE_MISMATCH] * 2  # type: ignore[attr-defined]
    assert s.core.audit() == []  # reported once


def test_cancel_list_and_update_held() -> None:
    s = Script()
    b = s.bracket()
    entry, sl, tp = b.orders
    s.core.add_list(b, native=False)
    s.live(entry)
    held = s.core.update_held(sl.client_order_id, trigger_price=None)
    assert commands(held) == [("UpdateHeld", sl.client_order_id)]
    assert commands(s.core.cancel_list(b.order_list_id)) == [("CancelOrder", entry.client_order_id)]
    s.pending_cancel(entry)
    assert commands(s.canceled(entry)) == [
        ("CancelHeld", sl.client_order_id),
        ("CancelHeld", tp.client_order_id),
    ]
    with pytest.raises(InvalidInput):
        s.core.update_held(entry.client_order_id)
    with pytest.raises(InvalidInput):
        s.core.cancel_list("nope")


def test_add_list_refuses_bad_lists() -> None:
    s = Script()
    b = s.bracket()
    s.core.add_list(b, native=False)
    with pytest.raises(InvalidOrderList):
        s.core.add_list(b, native=False)
    a = s.limit(OrderSide.BUY, "1", "99.00", emulation_trigger=TriggerType.BID_ASK)
    c = s.limit(OrderSide.BUY, "1", "98.00")
    # members that need local emulation are the driver's business (its venue must emulate)
    started = commands(s.core.add_list(s.orders.oco([a, c]), native=False))
    assert started == [
        ("SubmitOrder", a.client_order_id, "1"),
        ("SubmitOrder", c.client_order_id, "1"),
    ]
    d = s.limit(OrderSide.BUY, "1", "99.00")
    e = s.limit(OrderSide.BUY, "1", "98.00")
    lst = s.orders.oco([d, e])
    s.submitted(d)
    with pytest.raises(InvalidOrderList, match="INITIALIZED"):
        s.core.add_list(lst, native=False)


def test_submit_order_action_carries_the_release_quantity() -> None:
    s = Script()
    entry, _sl, _tp = start_bracket(s, "2.5")
    (a, b) = [x for x in s.fill(entry, "0.5") if isinstance(x, SubmitOrder)]
    assert a.quantity == Quantity("0.5") and b.quantity == Quantity("0.5")
    assert not any(isinstance(x, CancelHeld) for x in s.log)


def test_top_level_oco_second_member_filling_is_a_race_alert() -> None:
    s = Script()
    a = s.limit(OrderSide.BUY, "10", "99.00")
    b = s.limit(OrderSide.BUY, "5", "98.00")
    s.core.add_list(s.orders.oco([a, b]), native=False)
    s.live(a, b)
    assert commands(s.fill(a, "3")) == [("CancelOrder", b.client_order_id)]
    s.pending_cancel(b)
    actions = s.fill(b, "2")  # b traded before the cancel reached the venue
    assert alerts(actions) == [AlertKind.EXITS_OVERFILLED]
    (alert,) = [e for e in published(actions) if isinstance(e, ContingencyAlert)]
    assert alert.client_order_id == b.client_order_id
