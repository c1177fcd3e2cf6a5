"""OkxVenue against FakeOkx under faults: after each one the adapter's book equals the
fake's, and no order event is lost or duplicated."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from lyra.adapters.okx.signing import OkxCredentials
from lyra.adapters.okx.venue import OkxVenue
from lyra.bus import EventBus
from lyra.errors import AuthenticationFailed
from lyra.model.enums import OrderSide, OrderStatus
from lyra.orders.factory import OrderFactory
from lyra.orders.order import Order
from lyra.testing.okx import FakeOkx, OkxHarness
from lyra.venue.events import AnomalyKind, VenueAnomaly
from lyra.venue.testing import EventRecorder, assert_order_events

pytestmark = pytest.mark.anyio


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.005)


class _Setup:
    def __init__(self, fake: FakeOkx, *, swap: bool = False) -> None:
        self.harness = OkxHarness(fake, swap=swap)
        self.bus = EventBus()
        self.venue: OkxVenue = self.harness.make_venue(self.bus)
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


async def test_corrupt_checksum_resyncs_the_book(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        s.venue.subscribe_book(s.iid)
        await _until(s.book_equal)
        sync = s.venue.book_sync(s.iid)
        assert sync is not None and sync.checksums_verified >= 1
        fake.corrupt_checksum("BTC-USDT")
        s.harness.move_book(2)
        await _until(lambda: any("CHECKSUM_MISMATCH" in a.message for a in s.anomalies))
        await _until(s.book_equal)
        s.harness.move_book(3)
        await _until(s.book_equal)
    assert fake.faults.applied["checksum"] == 1
    assert all(a.kind is AnomalyKind.SEQUENCE_GAP for a in s.anomalies)


async def test_market_drop_resyncs_from_a_new_snapshot(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        s.venue.subscribe_book(s.iid)
        await _until(s.book_equal)
        assert s.harness.drop("market") == 1
        s.harness.move_book(1)
        await _until(lambda: fake.faults.applied.get("drop", 0) == 1)
        await _until(s.book_equal)
        assert s.venue.connected


async def test_unknown_outcome_is_reconciled(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        s.harness.reject_next("POST /api/v5/trade/order", "50004", "Endpoint request timeout")
        s.venue.submit_order(order)
        await _until(lambda: order.is_closed)
        # the venue never took it: reconciliation proves it unknown
        assert order.status is OrderStatus.REJECTED
    s.verify(order)


async def test_lost_answer_of_an_executed_order_is_reconciled(fake: FakeOkx) -> None:
    s = _Setup(fake)
    s.venue.rest.timeout_s = 0.2
    async with s.venue:
        fake.faults.delay(0.6, "rest")
        order = s.limit()
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        await anyio.sleep(0.7)
        s.venue.cancel_order(order)
        await _until(lambda: order.status is OrderStatus.CANCELED)
    s.verify(order)


async def test_rate_limit_is_retried_once_accepted_once(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        s.harness.reject_next("POST /api/v5/trade/order", "50011", "Too Many Requests")
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        s.venue.cancel_order(order)
        await _until(lambda: order.is_closed)
    assert fake.faults.applied["reject"] == 1
    s.verify(order)


async def test_reject_codes_map(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        s.harness.reject_next("POST /api/v5/trade/order", "51001", "Instrument ID does not exist")
        s.venue.submit_order(order)
        await _until(lambda: order.is_closed)
        last = s.rec.for_order(order.client_order_id)[-1]
        assert str(getattr(last, "code", "")) == "INVALID_ORDER"
        assert "OKX 51001" in getattr(last, "reason", "")
        resting = s.limit()
        s.venue.submit_order(resting)
        await _until(lambda: resting.status is OrderStatus.ACCEPTED)
        s.harness.reject_next("POST /api/v5/trade/cancel-order", "51400", "already canceled")
        s.venue.cancel_order(resting)
        await _until(
            lambda: (
                type(s.rec.for_order(resting.client_order_id)[-1]).__name__ == "OrderCancelRejected"
            )
        )
        last = s.rec.for_order(resting.client_order_id)[-1]
        assert type(last).__name__ == "OrderCancelRejected" and str(last.code) == "UNKNOWN_ORDER"  # type: ignore[attr-defined]
        s.venue.cancel_order(resting)
        await _until(lambda: resting.status is OrderStatus.CANCELED)
    s.verify(order, resting)


async def test_malformed_order_push_is_recovered(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        fake.faults.malformed_frame("user")
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        assert any(a.kind is AnomalyKind.UNPARSEABLE for a in s.anomalies)
        assert s.venue.malformed_messages == 1
        s.harness.cross(s.venue, order)
        await _until(lambda: order.status is OrderStatus.FILLED)
    s.verify(order)


async def test_duplicate_fill_push_is_dropped(fake: FakeOkx) -> None:
    s = _Setup(fake)
    async with s.venue:
        order = s.limit()
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.ACCEPTED)
        s.harness.cross(s.venue, order)
        await _until(lambda: order.status is OrderStatus.FILLED)
        rec = fake.order(next(iter(fake.accounts)), str(order.client_order_id))
        assert rec is not None
        last = rec.account.fills[-1]
        fake.push_order(
            rec, fillPx=last["fillPx"], fillSz=last["fillSz"], tradeId=last["tradeId"], execType="M"
        )
        await anyio.sleep(0.1)
    fills = [e for e in s.rec.for_order(order.client_order_id) if type(e).__name__ == "OrderFilled"]
    assert len(fills) == 1
    s.verify(order)


async def test_bad_credentials_fail_the_connect(fake: FakeOkx) -> None:
    fake.add_account("good", "secret", "phrase")
    venue = OkxVenue(
        EventBus(),
        credentials=OkxCredentials("good", "not-the-secret", "phrase"),
        urls=fake.urls,
        connect_timeout_s=2.0,
    )
    with pytest.raises(AuthenticationFailed):
        async with venue:
            pass
    assert not venue.connected


async def test_swap_reconcile_lists_the_position(fake: FakeOkx) -> None:
    s = _Setup(fake, swap=True)
    async with s.venue:
        order = s.factory.market(s.iid, OrderSide.BUY, s.q)
        s.venue.submit_order(order)
        await _until(lambda: order.status is OrderStatus.FILLED)
        report = await s.venue.reconcile(0)
        assert [(p.instrument_id, str(p.quantity)) for p in report.positions] == [(s.iid, "0.10")]
        assert {f.trade_id for f in report.fills} == set(order.trade_ids)
    s.verify(order)
