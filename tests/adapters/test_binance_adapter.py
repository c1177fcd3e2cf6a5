"""BinanceSpot and BinanceFutures against FakeBinance: what the conformance suite does not
single out -- Ed25519 keys, klines as bars, market data without credentials, retries after
rate limits and clock skew, unknown outcomes resolved by querying, balances and positions,
amends, catching up after a restart, and listen-key expiry."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest

from lyra import topics
from lyra.adapters import Backoff, Credentials
from lyra.adapters.binance import BinanceFutures, BinanceSpot
from lyra.bus import EventBus
from lyra.errors import InvalidInput, NotSupported
from lyra.model import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    OrderSide,
    OrderStatus,
    PositionSide,
    PriceType,
)
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory, OrderFilled
from lyra.portfolio import AccountState
from lyra.testing.binance import FakeBinance, ed25519_public_key
from lyra.venue import ConnectionStatus, PositionStatusReport, RejectCode
from lyra.venue.testing import EventRecorder, assert_order_events

SPOT = "BTCUSDT.BINANCE"
PERP = "BTCUSDT.BINANCE_FUTURES"
FAST = Backoff(initial_s=0.02, max_s=0.2)


async def wait_for(
    condition: Callable[[], bool], what: str = "a condition", timeout: float = 5.0
) -> None:
    try:
        with anyio.fail_after(timeout):
            while not condition():
                await anyio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"waited {timeout}s for {what}") from None


def spot_venue(
    fake: FakeBinance, bus: EventBus, key: str = "k1", secret: str = "s1", **kw: Any
) -> BinanceSpot:
    if key not in (fake.spot.accounts if fake.spot else {}):
        fake.add_account(key, secret)
    return BinanceSpot(
        bus, credentials=Credentials(key, secret), urls=fake.spot_urls, backoff=FAST, **kw
    )


@pytest.fixture
def orders() -> OrderFactory:
    return OrderFactory("ADAPTER", id_prefix="t")


@pytest.mark.anyio
async def test_ed25519_keys_trade(fake: FakeBinance, orders: OrderFactory) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    fake.add_account("ed-key", ed25519_public_key=ed25519_public_key(pem))
    bus = EventBus()
    venue = BinanceSpot(bus, credentials=Credentials("ed-key", pem), urls=fake.spot_urls)
    async with venue:
        order = orders.limit(SPOT, OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        venue.submit_order(order)
        await wait_for(lambda: order.status is OrderStatus.ACCEPTED, "the acceptance")


@pytest.mark.anyio
async def test_klines_become_bars(fake: FakeBinance) -> None:
    bus = EventBus()
    bars: list[Bar] = []
    venue = BinanceSpot(bus, urls=fake.spot_urls)  # market data only: no credentials
    minute = BarType(SPOT, BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST))
    bus.subscribe(topics.bars(str(minute)), bars.append)
    async with venue:
        venue.subscribe_bars(minute)
        with pytest.raises(NotSupported):
            venue.subscribe_bars(
                BarType(SPOT, BarSpecification(7, BarAggregation.MINUTE, PriceType.LAST))
            )
        with pytest.raises(NotSupported):
            venue.subscribe_bars(BarType(SPOT, minute.spec, AggregationSource.INTERNAL))
        await anyio.sleep(0.05)
        fake.publish_kline(SPOT, "1m", "100.00", "101.50", "99.50", "101.00", "3.5", closed=False)
        fake.publish_kline(SPOT, "1m", "100.00", "102.00", "99.00", "101.25", "4.25")
        await wait_for(lambda: len(bars) == 1, "a closed bar")
    bar = bars[0]
    assert bar.bar_type == minute and str(bar.close) == "101.25" and str(bar.high) == "102.00"
    assert bar.volume == Quantity("4.25")


@pytest.mark.anyio
async def test_without_credentials_data_flows_and_orders_are_denied(
    fake: FakeBinance, orders: OrderFactory
) -> None:
    bus = EventBus()
    rec = EventRecorder(bus)
    venue = BinanceSpot(bus, urls=fake.spot_urls)
    fake.set_book(SPOT, [("99.00", "1")], [("101.00", "2")])
    async with venue:
        venue.subscribe_book(SPOT)
        await wait_for(
            lambda: (b := venue.book(SPOT)) is not None and b.best_ask() is not None, "the book"
        )
        order = orders.limit(SPOT, OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        venue.submit_order(order)
        assert order.status is OrderStatus.DENIED
        assert rec.for_order(order.client_order_id)[-1].code == RejectCode.NOT_SUPPORTED  # type: ignore[union-attr]
        with pytest.raises(InvalidInput):
            venue.subscribe_quotes("ETHUSDT.BINANCE")  # type: ignore[arg-type]
        with pytest.raises(NotSupported):
            venue.subscribe_book(SPOT, depth=7)  # type: ignore[arg-type]
    assert not [r for r in fake.requests if "userDataStream" in r or "/order" in r]


@pytest.mark.anyio
async def test_rate_limit_and_clock_skew_answers_are_retried(
    fake: FakeBinance, orders: OrderFactory
) -> None:
    bus = EventBus()
    venue = spot_venue(fake, bus)
    async with venue:
        fake.faults.reject_next("POST /api/v3/order", -1003, "Too many requests.", status=429)
        first = orders.limit(SPOT, OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        venue.submit_order(first)
        await wait_for(lambda: first.status is OrderStatus.ACCEPTED, "the retried order")
        n = len(fake.requests)
        fake.faults.reject_next(
            "POST /api/v3/order", -1021, "Timestamp for this request is outside of the recvWindow."
        )
        second = orders.limit(SPOT, OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        venue.submit_order(second)
        await wait_for(lambda: second.status is OrderStatus.ACCEPTED, "the re-timed order")
        assert fake.requests[n:] == ["POST /api/v3/order", "GET /api/v3/time", "POST /api/v3/order"]
    assert fake.requests.count("POST /api/v3/order") == 4


@pytest.mark.anyio
async def test_a_lost_answer_is_resolved_by_asking_the_venue(
    fake: FakeBinance, orders: OrderFactory
) -> None:
    bus = EventBus()
    rec = EventRecorder(bus)
    venue = spot_venue(fake, bus, request_timeout_s=0.3)
    async with venue:
        fake.faults.delay(1.0, "rest")  # the order is placed; its answer arrives too late
        fake.faults.delay(1.0, "user")  # and so does the execution report
        order = orders.limit(SPOT, OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        venue.submit_order(order)
        await wait_for(lambda: order.status is OrderStatus.ACCEPTED, "the resolution")
        accepted = rec.for_order(order.client_order_id)[-1]
        assert accepted.reconciliation  # type: ignore[union-attr]
        assert order.venue_order_id == str(fake.order("k1", order.client_order_id).order_id)  # type: ignore[union-attr]
        await anyio.sleep(1.1)  # the late execution report is a duplicate: dropped
        assert_order_events(order, rec.for_order(order.client_order_id))
        assert not rec.anomalies


@pytest.mark.anyio
async def test_balances_are_published_and_amends_keep_the_order(
    fake: FakeBinance, orders: OrderFactory
) -> None:
    bus = EventBus()
    states: list[AccountState] = []
    venue = spot_venue(fake, bus)
    bus.subscribe(topics.account_events(venue.account_id), states.append)
    fake.set_book(SPOT, [], [("101.00", "5")])
    async with venue:
        buy = orders.market(SPOT, OrderSide.BUY, Quantity("1"))
        venue.submit_order(buy)
        await wait_for(lambda: buy.status is OrderStatus.FILLED, "the fill")
        await wait_for(
            lambda: any(
                b.currency.code == "BTC" and b.total == b.total.__class__("101", "BTC")
                for s in states
                for b in s.balances
            ),
            "the BTC balance",
        )
        assert venue.balances["BTC"].free.as_decimal() == Decimal("101")
        rest = orders.limit(SPOT, OrderSide.SELL, Quantity("0.5"), Price("120.00"))
        venue.submit_order(rest)
        await wait_for(lambda: rest.status is OrderStatus.ACCEPTED)
        venue.modify_order(rest, quantity=Quantity("0.2"))
        await wait_for(lambda: rest.quantity == Quantity("0.2"), "the amend")
        record = fake.order("k1", rest.client_order_id)
        assert record is not None and record.quantity == Decimal("0.2")
        assert record.client_order_id == rest.client_order_id  # newClientOrderId kept it
        venue.modify_order(rest, quantity=Quantity("0.3"))  # an increase: refused locally
        assert rest.status is OrderStatus.ACCEPTED


@pytest.mark.anyio
async def test_futures_positions_and_modify(fake: FakeBinance, orders: OrderFactory) -> None:
    fake.add_account("fk", "fs", futures=True)
    fake.set_book(PERP, [("99.0", "5")], [("101.0", "5")])
    bus = EventBus()
    reports: list[PositionStatusReport] = []
    venue = BinanceFutures(bus, credentials=Credentials("fk", "fs"), urls=fake.futures_urls)
    bus.subscribe(
        topics.account_events(venue.account_id),
        lambda m: reports.append(m) if isinstance(m, PositionStatusReport) else None,
    )
    async with venue:
        buy = orders.market(PERP, OrderSide.BUY, Quantity("0.5"))
        venue.submit_order(buy)
        await wait_for(
            lambda: bool(reports) and reports[-1].side is PositionSide.LONG, "the position"
        )
        assert reports[-1].quantity == Quantity("0.5") and reports[-1].avg_px_open == Decimal("101")
        report = await venue.reconcile(0, [PERP])  # type: ignore[list-item]
        (pos,) = report.positions
        assert pos.side is PositionSide.LONG and pos.quantity == Quantity("0.5")
        assert {f.trade_id for f in report.fills} == set(buy.trade_ids)
        sell = orders.limit(PERP, OrderSide.SELL, Quantity("0.5"), Price("110.0"), reduce_only=True)
        venue.submit_order(sell)
        await wait_for(lambda: sell.status is OrderStatus.ACCEPTED)
        venue.modify_order(sell, price=Price("108.0"), quantity=Quantity("0.4"))
        await wait_for(lambda: sell.price == Price("108.0"), "the modify")
        assert sell.quantity == Quantity("0.4")
        record = fake.order("fk", sell.client_order_id, futures=True)
        assert (
            record is not None
            and record.price == Decimal("108.0")
            and record.quantity == Decimal("0.4")
        )


@pytest.mark.anyio
async def test_adopted_orders_catch_up_after_a_restart(
    fake: FakeBinance, orders: OrderFactory
) -> None:
    bus = EventBus()
    first = spot_venue(fake, bus)
    async with first:
        order = orders.limit(SPOT, OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        first.submit_order(order)
        await wait_for(lambda: order.status is OrderStatus.ACCEPTED)
    # while no process listens, the order fills
    fake.trade(SPOT, "89.00", "1")
    bus2 = EventBus()
    rec = EventRecorder(bus2)
    second = spot_venue(fake, bus2)
    second.adopt_orders([order])
    async with second:
        await wait_for(lambda: order.status is OrderStatus.FILLED, "the missed fill")
    fill = [e for e in rec.for_order(order.client_order_id) if isinstance(e, OrderFilled)]
    assert len(fill) == 1 and fill[0].reconciliation and fill[0].last_qty == Quantity("0.1")


@pytest.mark.anyio
async def test_an_expired_listen_key_reconnects_with_a_new_one(
    fake: FakeBinance, orders: OrderFactory
) -> None:
    fake.add_account("fk", "fs", futures=True)
    bus = EventBus()
    statuses: list[ConnectionStatus] = []
    venue = BinanceFutures(
        bus, credentials=Credentials("fk", "fs"), urls=fake.futures_urls, backoff=FAST
    )
    bus.subscribe(topics.venue_status(venue.venue), lambda e: statuses.append(e.status))
    async with venue:
        old = fake.futures.accounts["fk"].listen_key  # type: ignore[union-attr]
        fake.expire_listen_key("fk")
        await wait_for(
            lambda: (
                statuses[-1] is ConnectionStatus.CONNECTED
                and ConnectionStatus.RECONNECTING in statuses
            ),
            "the reconnect",
        )
        new = fake.futures.accounts["fk"].listen_key  # type: ignore[union-attr]
        assert new is not None and new != old
        order = orders.limit(PERP, OrderSide.BUY, Quantity("0.1"), Price("90.0"))
        venue.submit_order(order)
        await wait_for(lambda: order.status is OrderStatus.ACCEPTED)
