"""Restart: an emulator's state survives a snapshot, a msgpack round trip and a restore, and
the restored emulator behaves as if it had never stopped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.emulator import EmulatorState, HeldOrderState, OrderEmulator
from lyra.errors import InvalidInput
from lyra.model import codec
from lyra.model.enums import OrderSide, OrderStatus, TimeInForce, TriggerType
from lyra.model.values import Price, Quantity
from lyra.orders import Order

from .helpers import BTC_PAIR, ETH_PAIR, IID, SECOND, SyncVenue, World

BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = OrderStatus
Q = Quantity("1.000")
EMU = TriggerType.BID_ASK

FIRST = [("100.00", "100.10"), ("101.00", "101.10"), ("102.00", "102.10")]
SECOND_HALF = [("101.50", "101.60"), ("100.90", "101.00"), ("99.00", "99.10"), ("96.90", "97.00")]


def make(world: World, venue: SyncVenue | None = None) -> OrderEmulator:
    return OrderEmulator(
        venue or world.venue, world.bus, world.clock, instruments=[BTC_PAIR, ETH_PAIR]
    )


def place(w: World, emu: OrderEmulator) -> list[Order]:
    """A mix of held orders: plain stops, a trailing stop, one waiting for activation, a
    trailing stop-limit, an if-touched, a GTD stop."""
    o = w.orders
    orders = [
        o.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU),
        o.stop_limit(IID, BUY, Q, Price("104.00"), Price("103.00"), emulation_trigger=EMU),
        o.trailing_stop_market(
            IID, SELL, Q, trailing_offset=Decimal("1.00"), emulation_trigger=EMU
        ),
        o.trailing_stop_market(
            IID,
            SELL,
            Q,
            trailing_offset=Decimal("0.50"),
            activation_price=Price("101.50"),
            emulation_trigger=EMU,
        ),
        o.trailing_stop_limit(
            IID,
            SELL,
            Q,
            trailing_offset=Decimal("2.00"),
            limit_offset=Decimal("2.50"),
            emulation_trigger=EMU,
        ),
        o.market_if_touched(IID, BUY, Q, Price("97.00"), emulation_trigger=EMU),
        o.stop_market(
            IID,
            BUY,
            Q,
            Price("150.00"),
            time_in_force=TimeInForce.GTD,
            expire_time_ns=w.clock.timestamp_ns() + 100 * SECOND,
            emulation_trigger=EMU,
        ),
    ]
    for order in orders:
        w.track(order)
        emu.submit_order(order)
    return orders


def outcome(orders: list[Order]) -> list[tuple[str, str | None, str | None, list[str]]]:
    return [
        (
            o.status.name,
            None if o.trigger_price is None else str(o.trigger_price),
            None if o.price is None else str(o.price),
            [type(e).__name__ for e in o.events],
        )
        for o in orders
    ]


def run(restart: bool, give_orders: bool) -> tuple[list[Order], World, OrderEmulator]:
    w = World()
    emu = make(w)
    w.quote(*FIRST[0])
    orders = place(w, emu)
    for q in FIRST[1:]:
        w.quote(*q)
    if restart:
        data = codec.encode_msgpack(emu.snapshot())
        emu.close()
        state = codec.decode_msgpack(data, type=EmulatorState)
        assert codec.decode_msgpack(data) == state  # registered: decodes untyped too
        # a new process: new bus, new venue object, the same clock and market
        w2 = World()
        w2.clock = w.clock
        w2.venue = SyncVenue(w2.bus, w2.clock)
        w2.orders = w.orders
        emu = make(w2)
        if give_orders:
            skipped = emu.restore(state, orders=orders)
        else:
            skipped = emu.restore(state)
            orders = [
                next(h for h in emu.held_orders() if h.client_order_id == o.client_order_id)
                for o in orders
            ]
        assert skipped == ()
        w2.tracked.update({o.client_order_id: o for o in orders})
        w = w2
    for q in SECOND_HALF:
        w.quote(*q)
    w.clock.advance_to(w.clock.timestamp_ns() + 200 * SECOND)
    return orders, w, emu


@pytest.mark.parametrize("give_orders", [True, False])
def test_a_restart_changes_nothing(give_orders: bool) -> None:
    straight, _, _ = run(restart=False, give_orders=give_orders)
    restarted, _, _ = run(restart=True, give_orders=give_orders)
    assert outcome(restarted) == outcome(straight)
    # and something actually happened on both sides of the restart
    statuses = [o.status for o in straight]
    assert statuses.count(S.FILLED) >= 3 and S.EXPIRED in statuses and S.EMULATED in statuses


def test_snapshot_holds_the_trailing_progress() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.orders.trailing_stop_market(
        IID, SELL, Q, trailing_offset=Decimal("1.00"), emulation_trigger=EMU
    )
    emu.submit_order(o)
    w.quote("105.00", "105.10")
    state = emu.snapshot()
    (held,) = state.held
    assert isinstance(held, HeldOrderState)
    assert held.activated and held.trigger_price == Price("104.00")
    assert held.trigger_type is TriggerType.BID_ASK and not held.auto
    assert held.order.to_order() == o
    assert state.event_count == emu.events.count and state.seq == 1


def test_released_orders_are_followed_after_a_restart() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_limit(IID, SELL, Q, Price("100.00"), Price("99.00"), emulation_trigger=EMU)
    )
    emu.submit_order(o)
    w.quote("98.90", "99.00")  # released; the limit 100.00 rests at the venue
    assert o.status is S.TRIGGERED
    state = codec.decode_msgpack(codec.encode_msgpack(emu.snapshot()), type=EmulatorState)
    assert len(state.released) == 1 and state.released[0].trigger_reported
    # restart: new bus, new venue object that adopts the venue order
    w2 = World()
    w2.clock = w.clock
    w2.venue = SyncVenue(w2.bus, w2.clock)
    emu2 = make(w2)
    restored = Order.from_events(o.events)
    emu2.restore(state, orders=[restored])
    vo = emu2.venue_order(restored)
    assert vo is not None and vo.status is S.ACCEPTED and vo.price == Price("100.00")
    assert w2.venue.commands == [("adopt", o.client_order_id)]
    w2.venue.set_quote(IID, "100.00", "100.10")  # the venue fills the resting limit
    assert restored.status is S.FILLED
    assert [type(e).__name__ for e in restored.events][-2:] == ["OrderTriggered", "OrderFilled"]


def test_event_ids_continue_after_a_restore() -> None:
    w = World()
    emu = make(w)
    first = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    emu.submit_order(first)
    state = emu.snapshot()
    assert state.event_count == 1
    emu2 = make(World())
    emu2.restore(state)
    nxt = w.orders.stop_market(IID, SELL, Q, Price("98.00"), emulation_trigger=EMU)
    emu2.submit_order(nxt)
    assert nxt.last_event.event_id == "EMU-2"  # not EMU-1 again
    assert [o.client_order_id for o in emu2.held_orders()] == [
        first.client_order_id,
        nxt.client_order_id,
    ]


def test_restore_skips_orders_that_moved_on_and_checks_its_inputs() -> None:
    w = World()
    emu = make(w)
    a = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    emu.submit_order(a)
    state = emu.snapshot()
    emu.cancel_order(a)  # the order moved on after the snapshot
    w2 = World()
    emu2 = make(w2)
    assert emu2.restore(state, orders=[a]) == (a.client_order_id,)
    assert emu2.held_orders() == []
    bare = OrderEmulator(w2.venue, w2.bus, w2.clock)
    with pytest.raises(InvalidInput):
        bare.restore(state)  # no instruments
    busy = make(World())
    busy.submit_order(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    with pytest.raises(InvalidInput):
        busy.restore(state)


def test_a_snapshot_taken_mid_release_finishes_the_release_on_restore() -> None:
    from lyra.orders import OrderReleased

    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    taken: list[bytes] = []

    def crash_point(event: object) -> None:
        # a store that snapshots on every event; the process dies right after this one
        if isinstance(event, OrderReleased):
            taken.append(codec.encode_msgpack(emu.snapshot()))

    w.bus.subscribe("events.order.*", crash_point)
    w.quote("98.90", "99.00")
    state = codec.decode_msgpack(taken[0], type=EmulatorState)
    assert [r.order.events[0].client_order_id for r in state.released] == [o.client_order_id]
    # the new process: the order as the store had it then (RELEASED, nothing sent)
    w2 = World()
    w2.clock = w.clock
    w2.venue = SyncVenue(w2.bus, w2.clock)
    w2.venue.set_quote(IID, "98.90", "99.00")
    at_crash = Order.from_events(state.released[0].order.events)
    assert at_crash.status is S.RELEASED
    emu2 = make(w2)
    emu2.restore(state, orders=[at_crash])
    assert w2.venue.commands == [("submit", o.client_order_id)]  # released, not lost
    assert at_crash.status is S.FILLED
