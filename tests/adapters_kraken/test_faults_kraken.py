"""KrakenVenue against FakeKraken under faults: after each one the adapter's book equals the
fake's, and no order event is lost or duplicated."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from lyra import topics
from lyra.adapters.kraken.venue import KrakenVenue
from lyra.book import BUY
from lyra.bus import EventBus
from lyra.errors import RequestRejected
from lyra.model.data import BookDeltas
from lyra.model.enums import AggressorSide, OrderSide, OrderStatus, RecordFlag
from lyra.orders.events import OrderFilled, OrderRejected
from lyra.orders.factory import OrderFactory
from lyra.orders.order import Order
from lyra.testing.kraken import FakeKraken, KrakenHarness
from lyra.venue.events import AnomalyKind, VenueAnomaly
from lyra.venue.testing import EventRecorder, assert_order_events

pytestmark = pytest.mark.anyio


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.005)


class _Setup:
    def __init__(self, fake: FakeKraken, **venue_args: object) -> None:
        self.fake = fake
        self.harness = KrakenHarness(fake)
        self.bus = EventBus()
        venue: KrakenVenue = self.harness.make_venue(self.bus)
        if venue_args:
            venue = KrakenVenue(
                self.bus,
                credentials=venue._credentials,
                urls=fake.urls,
                **venue_args,  # type: ignore[arg-type]
            )
        self.venue = venue
        self.rec = EventRecorder(self.bus, self.venue.venue)
        self.factory = OrderFactory("FAULTS", id_prefix="f")
        self.iid = self.harness.instrument_id
        self.q = self.harness.quantity

    @property
    def anomalies(self) -> list[VenueAnomaly]:
        return self.rec.anomalies

    def limit(self, side: OrderSide = OrderSide.BUY, price: str = "90") -> Order:
        return self.factory.limit(self.iid, side, self.q, self.harness.instrument.make_price(price))

    def book_equal(self) -> bool:
        return self.harness.venue_book(self.venue) == self.harness.fake_book()

    def verify(self, *orders: Order) -> None:
        for order in orders:
            assert_order_events(order, self.rec.for_order(order.client_order_id))


async def test_corrupt_checksum_resyncs_the_book(fake: FakeKraken) -> None:
    s = _Setup(fake)
    snapshots: list[BookDeltas] = []
    s.bus.subscribe(
        topics.book_deltas(s.iid),
        lambda d: snapshots.append(d) if d.deltas[0].flags & RecordFlag.F_SNAPSHOT else None,
    )
    async with s.venue:
        s.venue.subscribe_book(s.iid)
        await _until(s.book_equal)
        sync = s.venue.book_sync(s.iid)
        assert sync is not None and sync.checksums_verified >= 1
        fake.corrupt_checksum("BTC/USD")
        s.harness.move_book(2)
        await _until(lambda: any("CHECKSUM_MISMATCH" in a.message for a in s.anomalies))
        await _until(lambda: len(snapshots) == 2 and s.book_equal())
        s.harness.move_book(3)
        await _until(s.book_equal)
    assert fake.faults.applied["checksum"] == 1
    assert all(a.kind is AnomalyKind.SEQUENCE_GAP for a in s.anomalies)


async def test_skipped_update_is_caught_by_the_next_checksum(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        s.venue.subscribe_book(s.iid)
        await _until(s.book_equal)
        fake.faults.skip_sequence("BTC/USD")
        s.harness.move_book(1)
        s.harness.move_book(4)
        await _until(lambda: any(a.kind is AnomalyKind.SEQUENCE_GAP for a in s.anomalies))
        await _until(s.book_equal)
    assert fake.faults.applied["skip"] == 1


async def test_depth_truncation_matches_the_fake(fake: FakeKraken) -> None:
    s = _Setup(fake)
    inst = s.harness.instrument
    many = [(f"{99 - i}.0", "1") for i in range(14)]
    fake.set_book(s.iid, bids=many, asks=[("101.0", "1")])
    async with s.venue:
        s.venue.subscribe_book(s.iid, depth=10)

        def equal() -> bool:
            return s.harness.venue_book(s.venue) == fake.book(s.iid, 10)

        await _until(equal)
        # levels inside the window go away: the ones below come into view
        fake.set_book(s.iid, bids=many[3:], asks=[("101.0", "1")])
        await _until(equal)
        # a better level pushes the worst out of the window without a delete
        fake.set_book(s.iid, bids=[("100.0", "3"), *many[3:]], asks=[("101.0", "1")])
        await _until(equal)
        sync = s.venue.book_sync(s.iid)
        assert sync is not None and sync.book.bid_levels() == 10
        assert str(sync.price(sync.book.depth(BUY, 1)[0][0])) == str(inst.make_price("100"))
    assert not s.anomalies


async def test_market_drop_resyncs_from_a_new_snapshot(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        s.venue.subscribe_book(s.iid)
        s.venue.subscribe_trades(s.iid)
        await _until(s.book_equal)
        assert s.harness.drop("market") == 1
        s.harness.move_book(1)
        await _until(lambda: len(fake.connections_of("market")) == 1)
        await _until(s.book_equal)
        s.harness.move_book(2)
        await _until(s.book_equal)
    assert s.venue.status.name == "DISCONNECTED"


async def test_user_drop_catches_up_fills_exactly_once(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        first, second = s.limit(), s.limit(OrderSide.SELL, "110")
        for o in (first, second):
            s.venue.submit_order(o)
        await _until(lambda: first.status is second.status is OrderStatus.ACCEPTED)
        s.harness.cross(s.venue, second)  # seen live
        await _until(lambda: second.status is OrderStatus.FILLED)
        assert s.harness.drop("user") == 1
        s.harness.cross(s.venue, first)  # happens while the stream is down
        await _until(lambda: first.status is OrderStatus.FILLED)
        await _until(lambda: s.venue.connected)
        await anyio.sleep(0.1)
    for o in (first, second):
        fills = [e for e in s.rec.for_order(o.client_order_id) if isinstance(e, OrderFilled)]
        assert len(fills) == 1
    s.verify(first, second)


async def test_malformed_fill_frame_is_recovered_by_reconciling(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        fake.faults.malformed_frame("user")
        s.harness.cross(s.venue, order)
        await _until(lambda: order.status is OrderStatus.FILLED)
        assert s.venue.malformed_messages == 1
        assert any(a.kind is AnomalyKind.UNPARSEABLE for a in s.anomalies)
        await anyio.sleep(0.1)
    fills = [e for e in s.rec.for_order(order.client_order_id) if isinstance(e, OrderFilled)]
    assert len(fills) == 1 and fills[0].reconciliation
    s.verify(order)


async def test_lost_reply_is_resolved_by_reconciling(fake: FakeKraken) -> None:
    s = _Setup(fake, request_timeout_s=0.2)
    async with s.venue:
        order = s.limit()
        fake.faults.delay(0.6, "user")  # the reply and the executions come too late
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        assert order.venue_order_id is not None
        await anyio.sleep(0.7)  # the late frames arrive and change nothing
        assert order.status is OrderStatus.ACCEPTED
        s.venue.cancel_order(order)
        await _until(lambda: order.status is OrderStatus.CANCELED)
    s.verify(order)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (("EOrder", "Insufficient funds"), "INSUFFICIENT_BALANCE"),
        (("EOrder", "Rate limit exceeded"), "RATE_LIMITED"),
        (("EGeneral", "Invalid arguments:volume"), "INVALID_ORDER"),
        (("EService", "Market in cancel_only mode"), "MARKET_CLOSED"),
    ],
)
async def test_rejection_codes(fake: FakeKraken, error: tuple[str, str], code: str) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        fake.faults.reject_next("WS add_order", *error)
        s.venue.submit_order(order)
        await _until(lambda: order.is_closed)
    last = s.rec.for_order(order.client_order_id)[-1]
    assert isinstance(last, OrderRejected)
    assert str(last.code) == code
    assert last.reason == f"KRAKEN {error[0]}:{error[1]}"
    s.verify(order)


async def test_rest_error_on_reconcile_raises_the_mapped_error(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        fake.faults.reject_next("POST /0/private/OpenOrders", "EGeneral", "Permission denied")
        with pytest.raises(RequestRejected) as info:
            await s.venue.reconcile(0)
        assert info.value.venue_code == "EGeneral"
        report = await s.venue.reconcile(0)  # the next one goes through
        assert report.balances


async def test_cancel_of_a_filled_order_is_refused_by_the_venue(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        fake.faults.delay(0.3, "user")  # Lyra learns of the fill only after the cancel
        s.harness.cross(s.venue, order)
        s.venue.cancel_order(order)
        await _until(lambda: order.status is OrderStatus.FILLED)
        await anyio.sleep(0.05)
    s.verify(order)


async def test_print_through_stop_triggers_then_fills(fake: FakeKraken) -> None:
    s = _Setup(fake)
    async with s.venue:
        p = s.harness.instrument.make_price
        stop = s.factory.stop_limit(s.iid, OrderSide.SELL, s.q, p("95"), p("96.5"))
        s.venue.submit_order(stop)
        await _until(lambda: stop.status is OrderStatus.ACCEPTED)
        s.harness.print_trade(p("96.0"), s.q, AggressorSide.BUYER)
        await _until(lambda: stop.status is OrderStatus.FILLED)
    assert stop.ts_triggered is not None
    s.verify(stop)
