"""Fault injection: whatever FakeBinance does to the connection -- drop it, skip a book
update, delay frames, send a malformed frame, reject a request -- afterwards the adapter's
book equals the fake's book and every order's events are complete and unduplicated (and
agree with the fake's own record of the order)."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.model.enums import AggressorSide, OrderSide, OrderStatus
from lyra.orders import Order, OrderFactory
from lyra.testing.binance import BinanceHarness, FakeBinance
from lyra.venue import AnomalyKind, ConnectionStatus
from lyra.venue.testing import EventRecorder, assert_order_events

_BINANCE_STATUS = {
    OrderStatus.ACCEPTED: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELED: ("CANCELED", "EXPIRED"),
}


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    try:
        with anyio.fail_after(timeout):
            while not condition():
                await anyio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"waited {timeout}s for {what}") from None


FAULTS = [
    "drop_market",
    "drop_user",
    "drop_all",
    "skip_sequence",
    "delay_market",
    "delay_user",
    "malformed_market",
    "malformed_user",
    "reject_order",
]


def inject(fault: str, h: BinanceHarness) -> None:
    faults = h.fake.faults
    if fault == "drop_market":
        assert faults.drop_connections("market") > 0
    elif fault == "drop_user":
        assert faults.drop_connections("user") > 0
    elif fault == "drop_all":
        assert faults.drop_connections("all") > 1
    elif fault == "skip_sequence":
        faults.skip_sequence(h.instrument.raw_symbol)
    elif fault == "delay_market":
        faults.delay(0.15, "market")
    elif fault == "delay_user":
        faults.delay(0.15, "user")
    elif fault == "malformed_market":
        faults.malformed_frame("market")
    elif fault == "malformed_user":
        faults.malformed_frame("user")
    elif fault == "reject_order":
        endpoint, code, message, _ = h.rejection()
        faults.reject_next(endpoint, code, message)


@pytest.mark.anyio
@pytest.mark.parametrize("market", ["spot", "usdm"])
@pytest.mark.parametrize("fault", FAULTS)
async def test_after_a_fault_book_and_orders_agree_with_the_fake(
    fake: FakeBinance, market: str, fault: str
) -> None:
    h = BinanceHarness(fake, futures=market == "usdm")
    bus = EventBus()
    venue = h.make_venue(bus)
    rec = EventRecorder(bus, venue.venue)
    statuses: list[ConnectionStatus] = []
    bus.subscribe(
        topics.venue_status(venue.venue), lambda e: statuses.append(getattr(e, "status", None))
    )
    f = OrderFactory("FAULTS", id_prefix="fx")
    iid, q = h.instrument_id, h.quantity
    p = h.instrument.make_price
    orders: list[Order] = []

    def send(order: Order) -> Order:
        orders.append(order)
        venue.submit_order(order)
        return order

    async with venue:
        venue.subscribe_book(iid)
        await wait_for(lambda: h.venue_book(venue) == h.fake_book(), "the first sync")
        resting = [send(f.limit(iid, OrderSide.BUY, q, p(f"{90 - i}"))) for i in range(3)]
        await wait_for(lambda: all(o.status is OrderStatus.ACCEPTED for o in resting), "acks")

        inject(fault, h)
        # activity while the fault is in force: fills, a cancel, a new order, book moves
        fake.trade(iid, p("89.5"), q, AggressorSide.SELLER)  # fills the BUY at 90
        venue.cancel_order(resting[1])
        late = send(f.limit(iid, OrderSide.SELL, q, p("110")))
        h.move_book(2)
        h.move_book(3)
        taker = send(f.market(iid, OrderSide.BUY, q))

        key = f"{h.name}-key-1"

        def agrees(order: Order) -> bool:
            record = fake.order(key, order.client_order_id, futures=h.futures)
            if record is None:
                return order.status is OrderStatus.REJECTED
            expected = _BINANCE_STATUS.get(order.status)
            if expected is None:
                return False
            ok = record.status in ((expected,) if isinstance(expected, str) else expected)
            return (
                ok
                and record.cum_qty == order.filled_qty.as_decimal()
                and str(record.order_id) == order.venue_order_id
            )

        await wait_for(
            lambda: venue.connected and all(agrees(o) for o in orders), "the orders to agree"
        )
        await wait_for(lambda: h.venue_book(venue) == h.fake_book(), "the book to resync")
        await anyio.sleep(0.1)  # anything late (delayed frames) arrives now
        assert h.venue_book(venue) == h.fake_book()
        assert all(agrees(o) for o in orders)

        # no event lost, none duplicated: each order's stream is complete and legal
        for order in orders:
            assert_order_events(order, rec.for_order(order.client_order_id))
        assert resting[0].status is OrderStatus.FILLED
        assert resting[1].status is OrderStatus.CANCELED
        assert resting[2].status is OrderStatus.ACCEPTED
        if fault == "reject_order":
            assert late.status is OrderStatus.REJECTED
            last = rec.for_order(late.client_order_id)[-1]
            assert getattr(last, "code", None) == "INSUFFICIENT_BALANCE"
        else:
            assert late.status is OrderStatus.ACCEPTED
        assert taker.status is OrderStatus.FILLED
        kinds = {a.kind for a in rec.anomalies}
        allowed = {
            "skip_sequence": {AnomalyKind.SEQUENCE_GAP},
            "malformed_market": {AnomalyKind.UNPARSEABLE, AnomalyKind.SEQUENCE_GAP},
            "malformed_user": {AnomalyKind.UNPARSEABLE, AnomalyKind.UNRECONCILED},
        }.get(fault, set())
        assert kinds <= allowed, rec.anomalies
        if fault in ("skip_sequence", "malformed_market", "malformed_user"):
            assert kinds, f"{fault}: the adapter should have reported it"
        if fault in ("drop_user", "drop_all"):
            assert ConnectionStatus.RECONNECTING in statuses
        for order in orders:
            if order.status is OrderStatus.ACCEPTED:
                venue.cancel_order(order)
        await wait_for(lambda: all(o.is_closed for o in orders), "the clean-up")
    assert fake.faults.applied, "the fault was never applied"
