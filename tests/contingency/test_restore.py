"""State survives a restart: snapshot, rebuild, replay the missed events, same decisions."""

from __future__ import annotations

from typing import Any

from lyra import topics
from lyra.contingency import ContingencyCore, ContingencyManager, ContingencyState
from lyra.model.codec import decode_msgpack, encode_json, encode_msgpack
from lyra.model.enums import ContingencyType
from lyra.orders import Order, OrderEvent, OrderList

from .helpers import Harness


def fresh_copy(order_list: OrderList) -> OrderList:
    """The same list, rebuilt from each order's OrderInitialized (as a store would)."""
    return OrderList(
        order_list.order_list_id,
        [Order(o.init) for o in order_list.orders],
        contingency_type=order_list.contingency_type,
        release_policy=order_list.release_policy,
        children_contingency=order_list.children_contingency,
        ts_init=order_list.ts_init,
    )


def busy_run(exits: ContingencyType) -> tuple[Harness, OrderList]:
    """A bracket through partial fills, races and a resize refusal; every event recorded."""
    h = Harness(clip_reduce_only=False)
    b = h.bracket("10", exits=exits)
    entry, sl, tp = b.orders
    h.manager.submit(b)
    v = h.venue
    v.settle()
    v.fill(entry, "3")
    v.settle()
    v.fill(entry, "2")
    v.process(1)
    v.fill(entry, "4")
    v.settle()
    v.fill(tp, "2")
    v.reject_modify = lambda o: "busy" if o is sl else None
    v.process(1)
    v.reject_modify = lambda o: None
    v.fill(entry, "1")
    v.fill(sl, "3")
    v.settle()
    v.fill(tp, "5")
    v.fill(sl, "1")  # racing the cancel the tp fill causes
    v.settle()
    return h, b


def test_state_round_trips_through_msgpack_and_json() -> None:
    h, _ = busy_run(ContingencyType.OUO)
    state = h.manager.state
    data = encode_msgpack(state)
    back = decode_msgpack(data)  # untyped: the struct is registered
    assert isinstance(back, ContingencyState)
    assert back == state
    assert encode_json(back) == encode_json(state)


def test_restored_core_makes_the_same_decisions_on_the_same_events() -> None:
    for exits in (ContingencyType.OUO, ContingencyType.OCO):
        h, b = busy_run(exits)
        log: list[OrderEvent] = list(h.order_events)
        assert len(log) > 20

        def decisions(core: ContingencyCore, events: list[OrderEvent]) -> list[Any]:
            return [list(core.on_event(e)) for e in events]

        for cut in (5, len(log) // 2, len(log) - 3):
            a = ContingencyCore()
            a.add_list(fresh_copy(b), native=False, ts=0)
            decisions(a, log[:cut])
            saved = encode_msgpack(a.state)
            after_live = decisions(a, log[cut:])
            restored = ContingencyCore(decode_msgpack(saved, ContingencyState))
            after_restored = decisions(restored, log[cut:])
            assert after_restored == after_live, f"cut at {cut}"
            assert restored.state == a.state
            if cut < len(log) // 2 + 1:
                assert any(after_live), "the replayed part should call for actions"


STEPS = (("entry", "3"), ("entry", "4"), ("tp", "2"), ("entry", "3"), ("sl", "4"), ("tp", "4"))


def _step(h: Harness, b: OrderList, n: int) -> None:
    leg, qty = STEPS[n]
    h.venue.fill(b.orders[("entry", "sl", "tp").index(leg)], qty)
    h.venue.settle()


def _view(h: Harness, b: OrderList) -> dict[str, str]:
    names = dict(zip((o.client_order_id for o in b.orders), ("entry", "sl", "tp"), strict=True))
    return {names[cid]: q for cid, q in h.venue.working().items()}


def test_manager_restart_in_the_middle_matches_an_uninterrupted_run() -> None:
    for exits in (ContingencyType.OUO, ContingencyType.OCO):
        ref = Harness()
        rb = ref.bracket("10", exits=exits)
        ref.manager.submit(rb)
        ref.venue.settle()
        expected = []
        for n in range(len(STEPS)):
            _step(ref, rb, n)
            expected.append(_view(ref, rb))
        assert expected[0] == {"entry": "7", "sl": "3", "tp": "3"}

        for down, up in ((0, 2), (1, 4), (3, 6)):  # down before step `down`, back after `up - 1`
            h = Harness()
            b = h.bracket("10", exits=exits)
            h.manager.submit(b)
            h.venue.settle()
            missed: list[OrderEvent] = []
            saved = b""
            for n in range(len(STEPS)):
                if n == down:
                    saved = h.manager.snapshot()  # written by the store before the crash
                    h.manager.close()
                    h.bus.subscribe(topics.order_events("S-1"), missed.append)
                _step(h, b, n)
                if n == up - 1:
                    h.bus.unsubscribe(topics.order_events("S-1"), missed.append)
                    h.manager = ContingencyManager(
                        h.venue,  # type: ignore[arg-type]
                        h.bus,
                        h.clock,
                        state=saved,
                        orders=b.orders,  # as restored by the store and caught up by the venue
                    )
                    assert missed
                    h.manager.replay(missed)
                    h.venue.settle()
                if not down <= n < up - 1:
                    assert _view(h, b) == expected[n], f"{exits.name} down {down}-{up} step {n}"
