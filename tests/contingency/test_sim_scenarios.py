"""One scenario suite, run twice over the simulated exchange: native contingencies on, and off
(the ContingencyManager emulates every list). After every step the exchange settles, and the
venue-side outcome -- which of the list's orders work at the exchange, with what total
quantity, open quantity and prices, and the account's net position -- must be identical.

Fills are made exactly where wanted: the exchange runs an L3 book, and a second account
("them") trades against our resting orders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.contingency import AlertKind, ContingencyAlert, ContingencyManager
from lyra.model.currency import Currency
from lyra.model.enums import (
    BookType,
    ContingencyType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderList
from lyra.sim import SimulatedExchange

USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
PAIR = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
IID = PAIR.id
T0 = 1_767_225_600_000_000_000
RICH = [Money("100000000", USDT), Money("1000", BTC)]
BUY, SELL = OrderSide.BUY, OrderSide.SELL

View = dict[str, Any]


@dataclass
class World:
    """Our exchange account, the manager, the counterparty, and the names of our orders."""

    native: bool
    clock: TestClock = field(default_factory=lambda: TestClock(T0))
    bus: EventBus = field(default_factory=EventBus)
    names: dict[str, str] = field(default_factory=dict)
    by_id: dict[str, Order] = field(default_factory=dict)
    alerts: list[ContingencyAlert] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ex = SimulatedExchange(
            "SIM",
            bus=self.bus,
            clock=self.clock,
            instruments=[PAIR],
            book_type=BookType.L3_MBO,
            starting_balances=RICH,
            native_contingencies=self.native,
        )
        self.them = self.ex.add_account("SIM-002", RICH)
        self.manager = ContingencyManager(self.ex, self.bus, self.clock)
        self.orders = OrderFactory("S-1", clock=self.clock, epoch=1)
        self.other = OrderFactory("THEM", clock=self.clock, epoch=2)
        self.bus.subscribe(topics.contingency_events("S-1"), self._on_contingency)

    def _on_contingency(self, event: Any) -> None:
        if isinstance(event, ContingencyAlert):
            self.alerts.append(event)

    def settle(self) -> None:
        self.clock.advance_to(self.clock.timestamp_ns() + 1_000_000)
        self.ex.settle()

    def name(self, order_list: OrderList, *names: str) -> OrderList:
        for order, n in zip(order_list.orders, names, strict=True):
            self.names[order.client_order_id] = n
            self.by_id[order.client_order_id] = order
        return order_list

    def trade(self, side: OrderSide, qty: str, price: str) -> None:
        """The counterparty sends a limit order (crossing ours, or resting)."""
        self.them.submit_order(self.other.limit(IID, side, Quantity(qty), Price(price)))
        self.settle()

    def view(self) -> View:
        """Our list members the exchange matches now: name -> (quantity, open quantity,
        price, trigger price), and the net position. An OTO child whose parent has not
        filled waits off the book at the venue (native) or in the manager (emulated): it is
        not matched, so it is not in the view."""
        working = {}
        for o in self.ex.open_orders(IID):
            n = self.names.get(o.client_order_id)
            if n is None:
                continue
            parent = self.by_id.get(o.parent_order_id) if o.parent_order_id else None
            if parent is not None and not parent.filled_qty.is_positive():
                continue
            working[n] = (o.quantity, o.leaves_qty, o.price, o.trigger_price)
        return {"working": working, "position": self.ex.net_position(IID)}


def bracket(w: World, qty: str = "10", **kw: Any) -> OrderList:
    return w.name(
        w.orders.bracket(
            IID,
            BUY,
            Quantity(qty),
            entry_type=OrderType.LIMIT,
            entry_price=Price("100.00"),
            stop_loss_trigger_price=Price("90.00"),
            take_profit_price=Price("120.00"),
            **kw,
        ),
        "entry",
        "sl",
        "tp",
    )


# -- the scenarios: each yields after every step -------------------------------------------
Scenario = Callable[[World], Iterator[str]]


def bracket_with_partial_entry_fills(w: World) -> Iterator[str]:
    b = bracket(w)
    w.manager.submit(b)
    w.settle()
    yield "submitted"
    w.trade(SELL, "3", "100.00")
    yield "entry 3 of 10"
    w.trade(SELL, "4", "100.00")
    yield "entry 7 of 10"
    w.trade(BUY, "2", "120.00")
    yield "take-profit 2"
    w.trade(SELL, "3", "100.00")
    yield "entry filled"
    w.trade(BUY, "8", "120.00")
    yield "take-profit filled: stop canceled"


def ouo_partial_take_profit(w: World) -> Iterator[str]:
    b = bracket(w)
    w.manager.submit(b)
    w.settle()
    w.trade(SELL, "10", "100.00")
    yield "entry filled"
    w.trade(BUY, "4", "120.00")
    yield "take-profit 4: stop 6"
    w.trade(BUY, "3", "120.00")
    yield "take-profit 7: stop 3"
    w.trade(BUY, "50", "85.00")  # a bid under the stop: it triggers and sells the rest
    yield "stopped out"


def oco_exits_partial(w: World) -> Iterator[str]:
    b = bracket(w, exits_linked=ContingencyType.OCO)
    w.manager.submit(b)
    w.settle()
    w.trade(SELL, "6", "100.00")
    yield "entry 6"
    w.trade(BUY, "2", "120.00")
    yield "take-profit 2: stop canceled, remainder works"
    w.trade(SELL, "4", "100.00")
    yield "entry filled: the remainder grows"


def oco_simultaneous_fills(w: World) -> Iterator[str]:
    w.trade(SELL, "10", "100.00")
    buy = w.orders.limit(IID, BUY, Quantity("10"), Price("100.00"))
    w.names[buy.client_order_id] = "buy"
    w.ex.submit_order(buy)
    w.settle()
    yield "long 10"
    a = w.orders.limit(IID, SELL, Quantity("10"), Price("110.00"), reduce_only=True)
    b = w.orders.limit(IID, SELL, Quantity("10"), Price("111.00"), reduce_only=True)
    w.manager.submit(w.name(w.orders.oco([a, b]), "a", "b"))
    w.settle()
    yield "oco working"
    w.trade(BUY, "20", "111.00")  # one taker reaches both legs in the same instant
    yield "both legs crossed at once"


def parent_cancel(w: World) -> Iterator[str]:
    b = bracket(w)
    w.manager.submit(b)
    w.settle()
    w.trade(SELL, "4", "100.00")
    yield "entry 4"
    w.manager.cancel(b.order_list_id)
    w.settle()
    yield "entry canceled: exits cover the 4"
    b2 = w.name(
        w.orders.bracket(
            IID,
            BUY,
            Quantity("5"),
            entry_type=OrderType.LIMIT,
            entry_price=Price("99.00"),
            stop_loss_trigger_price=Price("90.00"),
            take_profit_price=Price("120.00"),
        ),
        "entry2",
        "sl2",
        "tp2",
    )
    w.manager.submit(b2)
    w.settle()
    yield "second bracket"
    w.manager.cancel(b2.order_list_id)
    w.settle()
    yield "second canceled unfilled: held exits gone"
    assert all(o.is_closed for o in b2.orders)


def parent_reject(w: World) -> Iterator[str]:
    w.trade(SELL, "1", "99.00")  # resting ask: a post-only buy at 100 would take it
    b = w.name(
        w.orders.bracket(
            IID,
            BUY,
            Quantity("5"),
            entry_type=OrderType.LIMIT,
            entry_price=Price("100.00"),
            stop_loss_trigger_price=Price("90.00"),
            take_profit_price=Price("120.00"),
            entry_post_only=True,
        ),
        "entry",
        "sl",
        "tp",
    )
    w.manager.submit(b)
    w.settle()
    yield "entry rejected"
    assert b[0].status is OrderStatus.REJECTED
    assert all(o.is_closed for o in b.orders)


def child_reject(w: World) -> Iterator[str]:
    w.trade(BUY, "20", "85.00")  # their bid at 85: below our stop's trigger
    b = bracket(w)
    w.manager.submit(b)
    w.settle()
    yield "submitted"
    w.trade(SELL, "10", "100.00")  # entry fills; the stop is released into a market at 85
    yield "stop rejected: exits closed"
    assert b[1].status is OrderStatus.REJECTED


def modify_held_child(w: World) -> Iterator[str]:
    b = bracket(w)
    w.manager.submit(b)
    w.settle()
    w.manager.modify(b[1], trigger_price=Price("92.00"))
    w.manager.modify(b[2], price=Price("118.00"))
    w.settle()
    yield "held exits modified"
    w.trade(SELL, "5", "100.00")
    yield "released with the new prices"
    w.trade(BUY, "2", "118.00")
    yield "take-profit at its new price"


def restart_in_the_middle(w: World) -> Iterator[str]:
    b = bracket(w)
    w.manager.submit(b)
    w.settle()
    w.trade(SELL, "3", "100.00")
    yield "entry 3"
    saved = w.manager.snapshot()
    w.manager.close()
    missed: list[OrderEvent] = []
    w.bus.subscribe(topics.order_events("S-1"), missed.append)
    w.trade(SELL, "4", "100.00")
    w.trade(BUY, "1", "120.00")
    w.bus.unsubscribe(topics.order_events("S-1"), missed.append)
    w.manager = ContingencyManager(w.ex, w.bus, w.clock, state=saved, orders=b.orders)
    w.manager.replay(missed)
    w.settle()
    yield "restarted and caught up"
    w.trade(SELL, "3", "100.00")
    yield "entry filled"
    w.trade(BUY, "9", "120.00")
    yield "take-profit filled"


SCENARIOS: dict[str, Scenario] = {
    f.__name__: f
    for f in (
        bracket_with_partial_entry_fills,
        ouo_partial_take_profit,
        oco_exits_partial,
        oco_simultaneous_fills,
        parent_cancel,
        parent_reject,
        child_reject,
        modify_held_child,
        restart_in_the_middle,
    )
}


def run(scenario: Scenario, native: bool) -> tuple[list[tuple[str, View]], World]:
    w = World(native)
    steps = [(label, w.view()) for label in scenario(w)]
    return steps, w


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_native_and_emulated_give_the_same_venue_side_outcome(name: str) -> None:
    native, wn = run(SCENARIOS[name], native=True)
    emulated, we = run(SCENARIOS[name], native=False)
    assert [label for label, _ in native] == [label for label, _ in emulated]
    for (label, vn), (_, ve) in zip(native, emulated, strict=True):
        assert vn == ve, f"{name}: after {label!r}:\n native   {vn}\n emulated {ve}"
    assert [a.kind for a in wn.alerts] == [a.kind for a in we.alerts]
    lid = next(iter(wn.manager.state.lists)).order_list_id
    assert wn.manager.is_native(lid) and not we.manager.is_native(lid)


# -- what each scenario must show (so that "identical" is not "identically wrong") ----------
def views(name: str, native: bool = False) -> dict[str, View]:
    steps, _ = run(SCENARIOS[name], native)
    return dict(steps)


def test_bracket_partial_fills_outcome() -> None:
    v = views("bracket_with_partial_entry_fills")
    assert v["submitted"]["working"].keys() == {"entry"}
    assert v["entry 3 of 10"]["working"]["sl"][:2] == (Quantity("3"), Quantity("3"))
    assert v["entry 7 of 10"]["working"]["tp"][:2] == (Quantity("7"), Quantity("7"))
    assert v["take-profit 2"]["working"]["sl"][:2] == (Quantity("5"), Quantity("5"))
    assert v["take-profit 2"]["working"]["tp"][:2] == (Quantity("7"), Quantity("5"))
    assert v["entry filled"]["working"]["sl"][:2] == (Quantity("8"), Quantity("8"))
    assert v["take-profit filled: stop canceled"] == {"working": {}, "position": Decimal(0)}


def test_ouo_partial_take_profit_outcome() -> None:
    v = views("ouo_partial_take_profit")
    assert v["take-profit 4: stop 6"]["working"]["sl"][1] == Quantity("6")
    assert v["take-profit 7: stop 3"]["working"]["sl"][1] == Quantity("3")
    assert v["stopped out"] == {"working": {}, "position": Decimal(0)}


def test_oco_outcomes() -> None:
    v = views("oco_exits_partial")
    assert v["take-profit 2: stop canceled, remainder works"]["working"].keys() == {"entry", "tp"}
    assert v["entry filled: the remainder grows"]["working"]["tp"][1] == Quantity("8")
    s = views("oco_simultaneous_fills")
    assert s["both legs crossed at once"] == {"working": {}, "position": Decimal(0)}


def test_rejections_and_cancels_outcomes() -> None:
    assert views("parent_reject")["entry rejected"]["working"] == {}
    v = views("parent_cancel")
    assert v["entry canceled: exits cover the 4"]["working"].keys() == {"sl", "tp"}
    assert v["second canceled unfilled: held exits gone"]["working"].keys() == {"sl", "tp"}
    steps, w = run(SCENARIOS["child_reject"], native=False)
    assert dict(steps)["stop rejected: exits closed"]["working"] == {}
    assert AlertKind.CHILD_REJECTED in [a.kind for a in w.alerts]


def test_modified_held_child_outcome() -> None:
    v = views("modify_held_child")
    sl = v["released with the new prices"]["working"]["sl"]
    assert sl[3] == Price("92.00") and sl[1] == Quantity("5")


def test_restart_outcome_matches_an_uninterrupted_run() -> None:
    def uninterrupted(w: World) -> Iterator[str]:
        b = bracket(w)
        w.manager.submit(b)
        w.settle()
        w.trade(SELL, "3", "100.00")
        yield "entry 3"
        w.trade(SELL, "4", "100.00")
        w.trade(BUY, "1", "120.00")
        yield "restarted and caught up"
        w.trade(SELL, "3", "100.00")
        yield "entry filled"
        w.trade(BUY, "9", "120.00")
        yield "take-profit filled"

    for native in (True, False):
        steps, _ = run(uninterrupted, native)
        restarted, _ = run(SCENARIOS["restart_in_the_middle"], native)
        assert restarted == steps


def test_simultaneous_fills_without_reduce_only_are_a_documented_race() -> None:
    """Two OCO legs reached by one taker: the venue's native link stops the second fill; an
    emulated OCO cannot (the venue does not know the link), so the second fill happens and
    the manager raises EXITS_OVERFILLED."""

    def scenario(w: World) -> Iterator[str]:
        a = w.orders.limit(IID, SELL, Quantity("10"), Price("110.00"))
        b = w.orders.limit(IID, SELL, Quantity("10"), Price("111.00"))
        w.manager.submit(w.name(w.orders.oco([a, b]), "a", "b"))
        w.settle()
        w.trade(BUY, "20", "111.00")
        yield "crossed"

    native_steps, wn = run(scenario, native=True)
    emulated_steps, we = run(scenario, native=False)
    assert wn.alerts == []
    assert [a.kind for a in we.alerts] == [AlertKind.EXITS_OVERFILLED]
    assert dict(native_steps)["crossed"]["position"] == Decimal(-10)
    assert dict(emulated_steps)["crossed"]["position"] == Decimal(-20)


# -- random interleavings over the real exchange, native against emulated ---------------------
op = st.one_of(
    st.tuples(st.just("entry"), st.integers(1, 6)),
    st.tuples(st.just("tp"), st.integers(1, 6)),
    st.tuples(st.just("stop")),
    st.tuples(st.just("cancel")),
    st.tuples(st.just("cancel_exits")),
    st.tuples(st.just("move_stop"), st.sampled_from(["91.00", "92.00", "89.00"])),
)


def _random_run(
    native: bool,
    ops: list[tuple[Any, ...]],
    exits: ContingencyType,
    note: Callable[[str], None] = event,
) -> list[Any]:
    """Run ``ops`` against a bracket; ``note`` records hypothesis events (pass a no-op when
    calling this outside ``@given``)."""
    w = World(native)
    b = bracket(w, exits_linked=exits)
    entry, sl, _ = b.orders
    w.manager.submit(b)
    w.settle()
    out: list[Any] = []

    def ioc(side: OrderSide, qty: int, price: str) -> None:
        w.them.submit_order(
            w.other.limit(IID, side, Quantity(qty), Price(price), time_in_force=TimeInForce.IOC)
        )
        w.settle()

    for o in ops:
        kind = o[0]
        if kind == "entry":
            ioc(SELL, o[1], "100.00")
        elif kind == "tp":
            ioc(BUY, o[1], "120.00")
        elif kind == "stop":
            bid = w.other.limit(IID, BUY, Quantity(50), Price("85.00"))
            w.them.submit_order(bid)
            w.settle()
            w.them.cancel_order(bid)
            w.settle()
        elif kind == "cancel":
            w.manager.cancel(b.order_list_id)
            w.settle()
        elif kind == "cancel_exits":
            w.manager.cancel(b.order_list_id, exits=True)
            w.settle()
        elif (
            kind == "move_stop" and not sl.is_closed and sl.status is not OrderStatus.PENDING_CANCEL
        ):
            w.manager.modify(sl, trigger_price=Price(o[1]))
            w.settle()
        view = w.view()
        out.append((o, view, [a.kind for a in w.alerts]))
        if not w.alerts:  # the bracket invariant, checked on the venue's own view
            position = Quantity(view["position"])
            for name in ("sl", "tp"):
                if name in view["working"]:
                    assert view["working"][name][1] == position, (name, view)
            if view["position"] > 0 and entry.filled_qty.is_positive():
                assert view["working"].keys() & {"sl", "tp"}, view
                if native:
                    note("checked a protected open position")
        elif native:
            note(f"alert {w.alerts[0].kind.name}")
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(op, min_size=1, max_size=10),
    exits=st.sampled_from([ContingencyType.OUO, ContingencyType.OCO]),
)
def test_random_bracket_lives_are_the_same_native_and_emulated(
    ops: list[tuple[Any, ...]], exits: ContingencyType
) -> None:
    native = _random_run(True, ops, exits)
    emulated = _random_run(False, ops, exits)
    for (o, vn, an), (_, ve, ae) in zip(native, emulated, strict=True):
        assert vn == ve, f"after {o}:\n native   {vn}\n emulated {ve}"
        assert an == ae, f"after {o}: alerts {an} != {ae}"


def test_native_child_keeps_growing_after_a_price_modify() -> None:
    """Regression: a price-only modify of a released native OTO child once reset its growth
    cap, so later parent fills no longer grew it."""
    ops = [("entry", 1), ("move_stop", "91.00"), ("entry", 1)]
    quiet = lambda _: None  # noqa: E731 - outside @given there is nothing to record
    emulated = _random_run(False, ops, ContingencyType.OUO, quiet)
    assert emulated[-1][1]["working"]["sl"][1] == Quantity(2)
    native = _random_run(True, ops, ContingencyType.OUO, quiet)
    assert native[-1][1]["working"]["sl"][1] == Quantity(2)
