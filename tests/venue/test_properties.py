"""Property: whatever a strategy does, the toy venue (through OrderFlow) publishes streams
that follow the event-stream rules, and reconcile agrees with the orders' state."""

from __future__ import annotations

from typing import Any

import anyio
from hypothesis import given, settings, strategies as st

from lyra.bus import EventBus
from lyra.errors import InvalidTransition
from lyra.model.enums import OrderSide, OrderStatus, OrderType
from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.venue.testing import EventRecorder, assert_order_events

from .toy import INSTRUMENT, Ticker, ToyVenue

LEVELS = [Price(p) for p in ("94.00", "97.00", "100.00", "103.00", "106.00")]
SIDES = [OrderSide.BUY, OrderSide.SELL]

command = st.one_of(
    st.tuples(st.just("limit"), st.sampled_from(SIDES), st.integers(0, 4)),
    st.tuples(st.just("market"), st.sampled_from(SIDES)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("modify"), st.integers(0, 50), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("cancel_all"), st.sampled_from([None, *SIDES])),
    st.tuples(st.just("price"), st.integers(0, 4)),
    st.tuples(st.just("settle")),
)


async def play(commands: list[tuple[Any, ...]], noisy: bool) -> None:
    clock = Ticker()
    bus = EventBus()
    venue = ToyVenue(bus, clock, prices={INSTRUMENT: LEVELS[2]}, noisy=noisy)
    rec = EventRecorder(bus, "TOY")
    factory = OrderFactory("P-1", clock=clock, epoch=7)
    orders: list[Order] = []
    async with venue:
        for cmd in commands:
            kind = cmd[0]
            if kind == "limit":
                order = factory.limit(INSTRUMENT, cmd[1], Quantity("1.0"), LEVELS[cmd[2]])
                orders.append(order)
                venue.submit_order(order)
            elif kind == "market":
                order = factory.market(INSTRUMENT, cmd[1], Quantity("1.0"))
                orders.append(order)
                venue.submit_order(order)
            elif kind in ("cancel", "modify") and orders:
                order = orders[cmd[1] % len(orders)]
                try:
                    if kind == "cancel":
                        venue.cancel_order(order)
                    elif order.order_type is OrderType.MARKET:
                        venue.modify_order(order, quantity=Quantity("2.0"))
                    else:
                        quantity = Quantity("2.0") if cmd[3] else Quantity("1.0")
                        venue.modify_order(order, quantity=quantity, price=LEVELS[cmd[2]])
                except InvalidTransition:
                    assert order.status is OrderStatus.DENIED
            elif kind == "cancel_all":
                venue.cancel_all_orders(INSTRUMENT, cmd[1])
            elif kind == "price":
                venue.set_price(INSTRUMENT, LEVELS[cmd[1]])
            elif kind == "settle":
                await venue.settled()
        await venue.settled()
        report = await venue.reconcile(0)
    for order in orders:
        assert_order_events(order, rec.for_order(order.client_order_id))
        assert order.status in (OrderStatus.ACCEPTED, OrderStatus.DENIED) or order.is_closed
    assert rec.anomalies == []
    working = {o.client_order_id for o in orders if o.is_open}
    assert {r.client_order_id for r in report.open_orders} == working
    for r in report.open_orders:
        order = next(o for o in orders if o.client_order_id == r.client_order_id)
        assert (r.quantity, r.price, r.venue_order_id) == (
            order.quantity,
            order.price,
            order.venue_order_id,
        )
    filled = {t for o in orders for t in o.trade_ids}
    assert {f.trade_id for f in report.fills} == filled


@settings(max_examples=150, deadline=None)
@given(commands=st.lists(command, max_size=30), noisy=st.booleans())
def test_random_command_sequences_follow_the_rules(
    commands: list[tuple[Any, ...]], noisy: bool
) -> None:
    anyio.run(play, commands, noisy)
