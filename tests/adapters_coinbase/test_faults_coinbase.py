"""CoinbaseVenue under faults FakeCoinbase injects: after each one the adapter's book equals
the fake's and every order's events are complete, in order, and never duplicated."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest

from lyra.adapters.coinbase import CdpKey, CoinbaseVenue
from lyra.adapters.ratelimit import Backoff
from lyra.bus import EventBus
from lyra.errors import AuthenticationFailed
from lyra.model.enums import OrderSide, OrderStatus
from lyra.orders.events import OrderCancelRejected, OrderFilled, OrderModifyRejected
from lyra.orders.factory import OrderFactory
from lyra.orders.order import Order
from lyra.testing.coinbase import CoinbaseHarness, FakeCoinbase
from lyra.venue.events import AnomalyKind
from lyra.venue.testing import EventRecorder, assert_order_events

pytestmark = pytest.mark.anyio

_S = OrderStatus


class _Run:
    def __init__(self, fake: FakeCoinbase, **kwargs: Any) -> None:
        self.h = CoinbaseHarness(fake)
        self.fake = fake
        self.bus = EventBus()
        if kwargs:
            key = self.h.new_key()
            self.h.reset_book()
            self.venue = CoinbaseVenue(
                self.bus, key=key, urls=fake.urls, backoff=Backoff(0.05, max_s=0.5), **kwargs
            )
        else:
            self.venue = self.h.make_venue(self.bus)
        self.rec = EventRecorder(self.bus, "COINBASE")
        self.factory = OrderFactory("FAULTS")
        self.iid = self.h.instrument_id
        self.orders: list[Order] = []

    def buy(self, price: str = "90") -> Order:
        order = self.factory.limit(
            self.iid, OrderSide.BUY, self.h.quantity, self.h.instrument.make_price(price)
        )
        self.orders.append(order)
        return order

    async def until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        with anyio.fail_after(timeout):
            while not condition():
                await anyio.sleep(0.005)

    async def synced(self) -> None:
        await self.until(lambda: self.venue.book_levels(self.iid) == self.h.fake_book())

    def verify(self, allowed: frozenset[AnomalyKind] = frozenset()) -> None:
        for order in self.orders:
            assert_order_events(order, self.rec.for_order(order.client_order_id))
        bad = [a for a in self.rec.anomalies if a.kind not in allowed]
        assert not bad, bad


async def test_a_gap_on_another_channel_resyncs_the_book(fake: FakeCoinbase) -> None:
    # sequence_num is connection-wide: a lost heartbeat is as much a gap as a lost update
    run = _Run(fake)
    async with run.venue:
        run.venue.subscribe_book(run.iid)
        await run.synced()
        fake.faults.malformed_frame("market")  # the next frame: a heartbeat, most likely
        await run.until(lambda: any(a.kind is AnomalyKind.SEQUENCE_GAP for a in run.rec.anomalies))
        run.h.move_book(2)
        await run.synced()
    run.verify(frozenset({AnomalyKind.SEQUENCE_GAP, AnomalyKind.UNPARSEABLE}))


async def test_a_lost_user_update_is_recovered_by_reconciling(fake: FakeCoinbase) -> None:
    run = _Run(fake)
    async with run.venue:
        order = run.buy()
        run.venue.submit_order(order)
        await run.until(lambda: order.status is _S.ACCEPTED)
        fake.faults.malformed_frame("user")  # the fill's update arrives unreadable
        run.h.cross(run.venue, order)
        await run.until(lambda: order.status is _S.FILLED)
        await anyio.sleep(0.1)
        fills = [e for e in run.rec.for_order(order.client_order_id) if isinstance(e, OrderFilled)]
        assert len(fills) == 1 and fills[0].reconciliation
        assert str(fills[0].trade_id) == f"{order.venue_order_id}-0.1"
    run.verify(frozenset({AnomalyKind.UNPARSEABLE}))


async def test_drop_everything_while_orders_fill(fake: FakeCoinbase) -> None:
    run = _Run(fake)
    async with run.venue:
        run.venue.subscribe_book(run.iid)
        await run.synced()
        first, second = run.buy("90"), run.buy("91")
        for o in (first, second):
            run.venue.submit_order(o)
        await run.until(lambda: first.status is _S.ACCEPTED and second.status is _S.ACCEPTED)
        assert run.h.drop("all") >= 2
        fake.trade(run.iid, "91.00", "0.05")  # second: partly filled while disconnected
        run.h.move_book(4)
        await run.until(lambda: second.filled_qty.as_decimal() == Decimal("0.05"))
        await run.synced()
        run.h.cross(run.venue, first)
        run.h.cross(run.venue, second)
        await run.until(lambda: first.status is _S.FILLED and second.status is _S.FILLED)
        await anyio.sleep(0.1)
        ids = [
            str(e.trade_id)
            for e in run.rec.for_order(second.client_order_id)
            if isinstance(e, OrderFilled)
        ]
        assert ids == [f"{second.venue_order_id}-0.05", f"{second.venue_order_id}-0.1"]
    run.verify()


async def test_refused_cancel_and_edit_keep_the_venue_codes(fake: FakeCoinbase) -> None:
    run = _Run(fake)
    async with run.venue:
        order = run.buy()
        run.venue.submit_order(order)
        await run.until(lambda: order.status is _S.ACCEPTED)
        fake.faults.reject_next(
            "POST /api/v3/brokerage/orders/batch_cancel", "NOT_FOUND", "order not found", 404
        )
        run.venue.cancel_order(order)
        await run.until(lambda: order.status is _S.ACCEPTED)
        last = run.rec.for_order(order.client_order_id)[-1]
        assert isinstance(last, OrderCancelRejected)
        assert last.code == "UNKNOWN_ORDER" and "NOT_FOUND" in last.reason
        fake.faults.reject_next("POST /api/v3/brokerage/orders/edit", "INVALID_ARGUMENT", "bad")
        run.venue.modify_order(order, price=run.h.instrument.make_price("91"))
        await run.until(lambda: order.status is _S.ACCEPTED)
        last = run.rec.for_order(order.client_order_id)[-1]
        assert isinstance(last, OrderModifyRejected) and "INVALID_ARGUMENT" in last.reason
        run.venue.cancel_order(order)
        await run.until(lambda: order.status is _S.CANCELED)
    run.verify()


async def test_a_lost_create_answer_is_resolved(fake: FakeCoinbase) -> None:
    run = _Run(fake, request_timeout_s=0.3)
    async with run.venue:
        order = run.buy()
        fake.faults.delay(0.6, "rest")  # carried out at once, answered too late
        run.venue.submit_order(order)
        await run.until(lambda: order.status is _S.ACCEPTED)
        assert (
            order.venue_order_id
            == fake.order(run.h.keys[-1].key_name, str(order.client_order_id)).order_id
        )  # type: ignore[union-attr]
        run.venue.cancel_order(order)
        await run.until(lambda: order.status is _S.CANCELED)
    run.verify()


async def test_an_unknown_key_cannot_connect(fake: FakeCoinbase) -> None:
    stranger = CdpKey(
        "organizations/x/apiKeys/unknown",
        "k0BUni0p0vZG1BdpVjS6ogBJ7kxm630AJ2dN+tuputDOKsRAwgyrpEQLeBtS1znTmzPX6Xr2eOWpzx6nW8knkA==",
    )
    venue = CoinbaseVenue(EventBus(), key=stranger, urls=fake.urls)
    with pytest.raises(AuthenticationFailed):
        async with venue:
            pass
    assert not venue.connected
