"""The recorder and the write-ahead rule.

The venue side of these tests is a spy: when a command reaches it, it reads the store and
checks that what the command depends on is already there. So "the order is durable before
it is sent" is checked at the moment of sending, not afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lyra.bus import EventBus
from lyra.contingency import ContingencyManager
from lyra.errors import InvalidInput
from lyra.model.data import QuoteTick
from lyra.model.enums import ContingencyType, OrderSide, OrderType
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory, OrderFilled
from lyra.state import (
    MemoryStore,
    StateBatch,
    StateError,
    StateRecorder,
    StateSnapshot,
    StoreUnavailable,
)

from .killer import new_host
from .link import DirectTransport, LinkedVenue, VenueHost
from .scenario import IID, T0, fresh_portfolio
from .world import World

BUY, SELL = OrderSide.BUY, OrderSide.SELL


class SpyTransport(DirectTransport):
    """Checks the store every time a command is about to reach the venue."""

    def __init__(self, host: VenueHost, store: MemoryStore, check: Any) -> None:
        super().__init__(host)
        self.store = store
        self.check = check
        self.seen: list[tuple[str, StateSnapshot]] = []

    def call(self, kind: str, *args: Any) -> Any:
        snap = self.store.load()
        self.seen.append((kind, snap))
        self.check(kind, args, snap)
        return super().call(kind, *args)


class FlakyStore(MemoryStore):
    """A MemoryStore whose commits fail while ``down`` is set."""

    def __init__(self) -> None:
        super().__init__("flaky")
        self.down = False
        self.commits = 0

    def commit(self, batch: StateBatch) -> None:
        if self.down:
            raise StoreUnavailable(self.name, "disk full")
        self.commits += 1
        super().commit(batch)


def setup(check: Any = None, store: MemoryStore | None = None) -> tuple[Any, ...]:
    host = new_host()
    store = store if store is not None else MemoryStore()
    bus = EventBus()
    now = [T0]
    transport = SpyTransport(host, store, check or (lambda *a: None))
    link = LinkedVenue(transport, bus, lambda: now[0], host.exchange.capabilities)
    recorder = StateRecorder(store, bus)
    return host, store, bus, link, recorder, transport


def test_a_new_order_is_durable_before_the_venue_sees_it() -> None:
    def check(kind: str, args: Any, snap: StateSnapshot) -> None:
        if kind == "submit":
            cid = args[0][0].client_order_id
            assert cid in snap.orders, "the venue got an order the store has never heard of"

    _host, store, _bus, link, recorder, transport = setup(check)
    venue = recorder.venue(link)
    f = OrderFactory("S-1", clock=lambda: T0, epoch=1)
    order = f.limit(IID, BUY, Quantity("1.000"), Price("99.00"))
    venue.submit_order(order)
    assert [k for k, _ in transport.seen] == ["submit"]
    link.pump()
    recorder.flush()
    stored = store.load().orders[order.client_order_id]
    assert [e for _, e in stored] == list(order.events)


def test_an_event_a_decision_depends_on_is_durable_before_the_command_leaves() -> None:
    # an OCO: the fill of one leg makes the manager cancel the other; when the cancel
    # reaches the venue, the fill that caused it must already be in the store
    def check(kind: str, args: Any, snap: StateSnapshot) -> None:
        if kind == "cancel":
            fills = [e for _, e in snap.events_in_order() if type(e) is OrderFilled]
            assert fills, "a cancel was sent before the fill that caused it was durable"

    host, _store, bus, link, recorder, transport = setup(check)
    venue = recorder.venue(link)
    manager = ContingencyManager(venue, bus, lambda: T0, prefer_native=False)
    f = OrderFactory("S-1", clock=lambda: T0, epoch=1)
    buy = f.limit(IID, BUY, Quantity("1.000"), Price("99.00"))
    sell = f.limit(IID, SELL, Quantity("1.000"), Price("101.00"))
    recorder.submit_list(manager, f.oco([buy, sell]))
    link.pump()
    from lyra.model.data import QuoteTick

    from .scenario import PAIR  # noqa: F401  (the instrument the host trades)

    events = host.feed(
        QuoteTick(IID, Price("98.80"), Price("98.90"), Quantity("5"), Quantity("5"), T0 + 1, T0 + 1)
    )
    link.deliver(events)
    link.pump()
    assert "cancel" in [k for k, _ in transport.seen]
    link.pump()
    assert buy.is_closed and sell.is_closed


def test_an_order_sent_around_the_recorder_stops_recording_loudly() -> None:
    _host, _store, _bus, link, recorder, _ = setup()
    venue = recorder.venue(link)
    f = OrderFactory("S-1", clock=lambda: T0, epoch=1)
    sneaky = f.limit(IID, BUY, Quantity("1.000"), Price("99.00"))
    link.submit_order(sneaky)  # not through the recorder's venue
    assert recorder.failure is not None
    with pytest.raises(StateError, match="never recorded"):
        recorder.flush()
    with pytest.raises(StateError):
        venue.submit_order(f.limit(IID, BUY, Quantity("1.000"), Price("98.00")))


def test_when_the_store_fails_commands_are_refused_and_nothing_pending_is_lost() -> None:
    store = FlakyStore()
    host, _, _bus, link, recorder, _transport = setup(store=store)
    venue = recorder.venue(link)
    f = OrderFactory("S-1", clock=lambda: T0, epoch=1)
    first = f.limit(IID, BUY, Quantity("1.000"), Price("99.00"))
    venue.submit_order(first)
    link.pump()
    store.down = True
    second = f.limit(IID, BUY, Quantity("1.000"), Price("98.00"))
    with pytest.raises(StoreUnavailable, match="disk full"):
        venue.submit_order(second)
    assert second.client_order_id not in host.copies  # never sent
    with pytest.raises(StoreUnavailable):
        venue.cancel_order(first)
    assert first.is_open and not first.is_pending
    store.down = False
    venue.submit_order(second)  # the pending batch (with `first`'s events) goes first
    link.pump()
    recorder.flush()
    snap = store.load()
    assert len(snap.orders[first.client_order_id]) == first.event_count
    assert len(snap.orders[second.client_order_id]) == second.event_count
    assert recorder.failure is None


def test_autoflush_commits_at_the_end_of_every_dispatch() -> None:
    host = new_host()
    store = MemoryStore()
    bus = EventBus()
    link = LinkedVenue(DirectTransport(host), bus, lambda: T0, host.exchange.capabilities)
    recorder = StateRecorder(store, bus, autoflush=True)
    f = OrderFactory("S-1", clock=lambda: T0, epoch=1)
    order = f.limit(IID, BUY, Quantity("1.000"), Price("99.00"))
    recorder.venue(link).submit_order(order)
    link.pump()
    assert recorder.pending == 0
    assert len(store.load().orders[order.client_order_id]) == order.event_count


def test_the_recorder_continues_the_sequence_of_an_existing_store() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    o = w.limit(BUY, "1.000", "99.00")
    w.venue.submit_order(o)
    w.link.pump()
    w.recovery.recorder.flush()
    seq = w.recovery.recorder.seq
    again = StateRecorder(w.store, EventBus())
    assert again.seq == seq
    assert again.knows(o.client_order_id)
    assert again.recorded_events(o.client_order_id) == o.event_count


def test_the_cursor_follows_venue_events_only() -> None:
    w = World()
    r = w.start()
    w.quote("99.90", "100.10")
    o = w.limit(BUY, "1.000", "99.00")
    w.venue.submit_order(o)
    assert r.recorder.cursor("SIM") is None  # OrderSubmitted is local
    w.link.pump()
    assert r.recorder.cursor("SIM") == o.ts_accepted
    r.recorder.flush()
    assert w.store.load().cursors == {"SIM": o.ts_accepted}


def test_strategy_state_is_a_small_key_value_area() -> None:
    w = World()
    r = w.start()
    area = r.strategy_state("S-1")
    area.set("counter", b"\x01")
    area.set_value("params", {"fast": 12, "slow": 26, "px": Price("100.25")})
    assert area.get("counter") == b"\x01" and "counter" in area
    assert area.keys() == ["counter", "params"] and len(area) == 2
    with pytest.raises(InvalidInput):
        area.set("", b"x")
    with pytest.raises(InvalidInput):
        area.set("k", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="small state"):
        area.set("big", b"x" * (1 << 20 + 1))
    r.recorder.flush()
    area.delete("counter")
    r.recorder.flush()
    w.crash()
    r2 = w.start()
    again = r2.strategy_state("S-1")
    assert again.get("counter") is None
    assert again.get_value("params") == {"fast": 12, "slow": 26, "px": "100.25"}
    assert r2.strategy_state("other").keys() == []


def test_a_checkpoint_asked_for_inside_a_dispatch_waits_for_its_end() -> None:
    w = World()
    r = w.start()
    w.quote("99.90", "100.10")
    seen: list[int] = []

    def on_fill(event: Any) -> None:
        if type(event) is OrderFilled:
            r.recorder.checkpoint()
            seen.append(r.recorder.seq)

    w.bus.subscribe("events.order.*", on_fill, priority=-5)
    o = w.limit(BUY, "1.000", "100.10")
    w.venue.submit_order(o)
    w.link.pump()
    r.recorder.flush()
    snap = w.store.load()
    assert snap.portfolio is not None and seen
    # the checkpoint was taken after the whole dispatch: it includes the fill
    assert snap.portfolio.seq >= seen[0]
    assert any(p.trade_count for p in snap.portfolio.state.positions)


def test_checkpoint_every_n_fills_and_aflush() -> None:
    host = new_host()
    store = MemoryStore()
    bus = EventBus()
    link = LinkedVenue(DirectTransport(host), bus, lambda: T0, host.exchange.capabilities)
    pf = fresh_portfolio()
    bus.subscribe("events.order.*", pf.on_event)
    recorder = StateRecorder(store, bus, portfolio=pf, checkpoint_every=2)
    f = OrderFactory("S-1", clock=lambda: T0, epoch=1)
    host.feed(QuoteTick(IID, Price("99.90"), Price("100.10"), Quantity("9"), Quantity("9"), T0, T0))
    for _ in range(2):
        recorder.venue(link).submit_order(f.limit(IID, BUY, Quantity("1.000"), Price("100.10")))
        link.pump()
    asyncio.run(recorder.aflush())
    snap = store.load()
    assert snap.portfolio is not None
    assert snap.portfolio.state == pf.to_state()
    with pytest.raises(InvalidInput):
        StateRecorder(store, bus, checkpoint_every=0)


def test_record_list_keeps_the_structure_and_every_member() -> None:
    w = World()
    r = w.start()
    b = w.factory.bracket(
        IID,
        BUY,
        Quantity("1.000"),
        entry_type=OrderType.LIMIT,
        entry_price=Price("99.00"),
        stop_loss_trigger_price=Price("98.00"),
        take_profit_price=Price("100.00"),
        exits_linked=ContingencyType.OUO,
    )
    r.recorder.record_list(b, managed=True, mode="emulated", proportional=True)
    r.recorder.record_list(b, managed=True)  # a second time changes nothing
    r.recorder.flush()
    rec = w.store.load().lists[b.order_list_id]
    assert rec.client_order_ids == tuple(o.client_order_id for o in b)
    assert rec.managed and rec.mode == "emulated" and rec.proportional
    assert rec.release_policy == b.release_policy
    with pytest.raises(InvalidInput):
        r.recorder.record_list("not a list")  # type: ignore[arg-type]


def test_a_closed_recorder_refuses_to_flush() -> None:
    store = MemoryStore()
    recorder = StateRecorder(store, EventBus())
    recorder.close()
    recorder.close()
    with pytest.raises(StoreUnavailable):
        recorder.flush()


def test_lists_a_manager_forgets_leave_the_store_too() -> None:
    w = World()
    r = w.start()
    w.quote("99.90", "100.10")
    f = w.factory
    oco = f.oco(
        [
            f.limit(IID, BUY, Quantity("1.000"), Price("99.00")),
            f.limit(IID, SELL, Quantity("1.000"), Price("101.00")),
        ]
    )
    r.submit_list(w.link, oco)
    w.link.pump()
    r.recorder.flush()
    assert oco.order_list_id in w.store.load().contingency
    manager = r.manager(w.link)
    manager.cancel(oco.order_list_id)
    w.link.pump()
    assert manager.forget_closed() == 1
    r.recorder.flush()
    assert oco.order_list_id not in w.store.load().contingency
    assert oco.order_list_id in w.store.load().lists  # the structure stays with its orders
    w.crash()
    again = w.start()
    assert again.problems == []
    assert again.orders[oco.orders[0].client_order_id].status.name == "CANCELED"
