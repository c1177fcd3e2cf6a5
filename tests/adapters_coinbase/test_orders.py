"""Lyra orders -> Coinbase order configurations (and back); user-channel updates -> Lyra
order fields; REST orders/fills/accounts -> reconciliation reports."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from lyra.adapters.coinbase.messages import (
    Account,
    CreateOrderRequest,
    Fill,
    GetOrderResponse,
    ListAccountsResponse,
    ListFillsResponse,
    ListOrdersResponse,
    Order as CbOrder,
    OrderConfiguration,
    UserMessage,
    decode_rest,
    decode_ws,
    encode,
)
from lyra.adapters.coinbase.orders import (
    UserOrderTracker,
    attached_bracket_request,
    bracket_exit_configuration,
    cancel_orders_request,
    create_order_request,
    edit_order_request,
    lyra_status,
    order_configuration,
    order_spec,
    parse_order_type,
    parse_time_in_force,
)
from lyra.adapters.coinbase.reports import balance_report, fill_report, order_status_report
from lyra.errors import InvalidInput, NotSupported
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TriggerType,
)
from lyra.model.values import Money, Price, Quantity
from lyra.orders import EventFactory, Order, OrderFactory

from . import samples as s

BUY, SELL = OrderSide.BUY, OrderSide.SELL
GTC, IOC, FOK, GTD, DAY = (
    TimeInForce.GTC,
    TimeInForce.IOC,
    TimeInForce.FOK,
    TimeInForce.GTD,
    TimeInForce.DAY,
)
IID = "BTC-USD.COINBASE"
EXPIRE = 1_775_572_201_500_000_000  # 2026-04-07T14:30:01.5Z


class _Clock:
    def __init__(self) -> None:
        self.now = 1_775_572_200_000_000_000

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def factory() -> OrderFactory:
    return OrderFactory("S-1", epoch=1, clock=_Clock())


F = factory()


def body(order: Order, **kw: Any) -> dict[str, Any]:
    return json.loads(encode(create_order_request(order, **kw)))


# -- the table ------------------------------------------------------------------------------
def test_market_orders() -> None:
    buy = F.market(IID, BUY, Quantity("0.001"))
    assert body(buy) == {
        "client_order_id": str(buy.client_order_id),
        "product_id": "BTC-USD",
        "side": "BUY",
        "order_configuration": {"market_market_ioc": {"base_size": "0.001"}},
    }
    ioc = F.market(IID, SELL, Quantity("2"), time_in_force=IOC)
    assert order_configuration(ioc).market_market_ioc is not None
    quote = F.market(IID, BUY, Quantity("25.50"), quote_quantity=True)
    assert body(quote)["order_configuration"] == {"market_market_ioc": {"quote_size": "25.50"}}
    fok = F.market(IID, BUY, Quantity("1"), time_in_force=FOK)
    assert order_configuration(fok, product_type="FUTURE").kind == "market_market_fok"


def test_limit_orders_by_time_in_force() -> None:
    def cfg(tif: TimeInForce, **kw: Any) -> dict[str, Any]:
        order = F.limit(IID, SELL, Quantity("0.5"), Price("70000.10"), time_in_force=tif, **kw)
        return body(order)["order_configuration"]

    assert cfg(GTC) == {"limit_limit_gtc": {"base_size": "0.5", "limit_price": "70000.10"}}
    assert cfg(GTC, post_only=True) == {
        "limit_limit_gtc": {"base_size": "0.5", "limit_price": "70000.10", "post_only": True}
    }
    assert cfg(GTD, expire_time_ns=EXPIRE, post_only=True) == {
        "limit_limit_gtd": {
            "base_size": "0.5",
            "limit_price": "70000.10",
            "end_time": "2026-04-07T14:30:01.5Z",
            "post_only": True,
        }
    }
    assert cfg(IOC) == {"sor_limit_ioc": {"base_size": "0.5", "limit_price": "70000.10"}}
    assert cfg(FOK) == {"limit_limit_fok": {"base_size": "0.5", "limit_price": "70000.10"}}


def test_stop_limit_orders_and_direction() -> None:
    up = F.stop_limit(IID, BUY, Quantity("1"), Price("70100"), Price("70000"))
    assert body(up)["order_configuration"] == {
        "stop_limit_stop_limit_gtc": {
            "base_size": "1",
            "limit_price": "70100",
            "stop_price": "70000",
            "stop_direction": "STOP_DIRECTION_STOP_UP",
        }
    }
    down = F.stop_limit(
        IID,
        SELL,
        Quantity("1"),
        Price("69000"),
        Price("69100"),
        time_in_force=GTD,
        expire_time_ns=EXPIRE,
        trigger_type=TriggerType.LAST_PRICE,
    )
    cfg = order_configuration(down).stop_limit_stop_limit_gtd
    assert cfg is not None and cfg.stop_direction == "STOP_DIRECTION_STOP_DOWN"
    assert cfg.end_time == "2026-04-07T14:30:01.5Z"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda f: f.stop_market(IID, SELL, Quantity("1"), Price("1")), "order_type"),
        (lambda f: f.market_if_touched(IID, SELL, Quantity("1"), Price("1")), "order_type"),
        (
            lambda f: f.trailing_stop_market(
                IID, SELL, Quantity("1"), trailing_offset=Decimal("10"), trailing_offset_type=1
            ),
            "order_type",
        ),
        (
            lambda f: f.limit(IID, BUY, Quantity("1"), Price("1"), time_in_force=DAY),
            "time_in_force",
        ),
        (lambda f: f.market(IID, BUY, Quantity("1"), time_in_force=FOK), "time_in_force"),
        (lambda f: f.limit(IID, BUY, Quantity("1"), Price("1"), reduce_only=True), "reduce_only"),
        (
            lambda f: f.limit(IID, BUY, Quantity("2"), Price("1"), display_qty=Quantity("1")),
            "display_qty",
        ),
        (lambda f: f.market(IID, SELL, Quantity("10"), quote_quantity=True), "quote_quantity"),
        (
            lambda f: f.limit(IID, BUY, Quantity("10"), Price("1"), quote_quantity=True),
            "quote_quantity",
        ),
        (
            lambda f: f.stop_limit(IID, BUY, Quantity("1"), Price("2"), Price("1"), post_only=True),
            "post_only",
        ),
        (
            lambda f: f.stop_limit(
                IID, BUY, Quantity("1"), Price("2"), Price("1"), trigger_type=TriggerType.MARK_PRICE
            ),
            "trigger_type",
        ),
        (
            lambda f: f.stop_limit(
                IID, BUY, Quantity("1"), Price("2"), Price("1"), time_in_force=IOC
            ),
            "time_in_force",
        ),
    ],
)
def test_what_coinbase_lacks_is_refused_naming_the_field(make: Any, field: str) -> None:
    order = make(factory())
    with pytest.raises(NotSupported) as info:
        order_configuration(order)
    assert str(info.value).startswith(f"COINBASE: {field}:")
    assert (
        info.value.code == "NOT_SUPPORTED" and info.value.client_order_id == order.client_order_id
    )


def test_requests_for_cancel_and_edit() -> None:
    assert json.loads(encode(cancel_orders_request(["a", "b"]))) == {"order_ids": ["a", "b"]}
    assert json.loads(encode(edit_order_request("v1", Quantity("0.002"), Price("70000.50")))) == {
        "order_id": "v1",
        "price": "70000.50",
        "size": "0.002",
    }
    with pytest.raises(InvalidInput):
        cancel_orders_request([])


# -- round trips ------------------------------------------------------------------------------
_price = st.integers(min_value=1, max_value=10**9).map(lambda t: Price.from_raw(t * 10**7, 2))
_qty = st.integers(min_value=1, max_value=10**12).map(lambda n: Quantity.from_raw(n * 10, 8))


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["market", "limit", "stop_limit"]),
    side=st.sampled_from([BUY, SELL]),
    tif=st.sampled_from([GTC, IOC, FOK, GTD]),
    qty=_qty,
    price=_price,
    trigger=_price,
    post_only=st.booleans(),
    expire=st.integers(min_value=1, max_value=4_000_000_000_000_000_000),
)
def test_configuration_round_trips_through_the_wire(
    kind: str,
    side: OrderSide,
    tif: TimeInForce,
    qty: Quantity,
    price: Price,
    trigger: Price,
    post_only: bool,
    expire: int,
) -> None:
    f = factory()
    extra: dict[str, Any] = {"time_in_force": tif}
    if tif == GTD:
        extra["expire_time_ns"] = expire
    try:
        if kind == "market":
            if tif == GTD:
                return
            order = f.market(IID, side, qty, **extra)
        elif kind == "limit":
            order = f.limit(
                IID, side, qty, price, post_only=post_only and tif in (GTC, GTD), **extra
            )
        else:
            order = f.stop_limit(IID, side, qty, price, trigger, **extra)
        config = order_configuration(order, product_type="FUTURE")
    except NotSupported:
        assert kind == "stop_limit" and tif in (IOC, FOK)
        return
    wire = encode(create_order_request(order, product_type="FUTURE"))
    spec = order_spec(decode_rest(wire, CreateOrderRequest).order_configuration)
    assert spec == order_spec(config)
    assert spec.order_type == order.order_type
    assert spec.time_in_force == (IOC if kind == "market" and tif == GTC else tif)
    assert Quantity(spec.quantity) == qty
    assert spec.post_only == order.post_only
    if order.price is not None:
        assert spec.price is not None and Price(spec.price) == order.price
    if order.trigger_price is not None:
        assert spec.trigger_price is not None and Price(spec.trigger_price) == order.trigger_price
        assert spec.stop_direction == (
            "STOP_DIRECTION_STOP_UP" if side == BUY else "STOP_DIRECTION_STOP_DOWN"
        )
    assert spec.expire_time_ns == order.expire_time_ns


def test_order_spec_refuses_ambiguous_configurations() -> None:
    with pytest.raises(InvalidInput):
        order_spec(OrderConfiguration())
    both = decode_rest(
        b'{"market_market_ioc":{"base_size":"1","quote_size":"2"}}', OrderConfiguration
    )
    with pytest.raises(InvalidInput):
        order_spec(both)


# -- brackets --------------------------------------------------------------------------------
def _exits(f: OrderFactory, tif: TimeInForce = GTC, **kw: Any) -> tuple[Order, Order]:
    tp = f.limit(IID, SELL, Quantity("1"), Price("75000"), time_in_force=tif, **kw)
    sl = f.stop_market(IID, SELL, Quantity("1"), Price("65000"), time_in_force=tif, **kw)
    return tp, sl


def test_bracket_exit_configuration() -> None:
    tp, sl = _exits(factory())
    cfg = bracket_exit_configuration(tp, sl)
    assert json.loads(encode(cfg)) == {
        "trigger_bracket_gtc": {
            "base_size": "1",
            "limit_price": "75000",
            "stop_trigger_price": "65000",
        }
    }
    spec = order_spec(cfg)
    assert spec.bracket and spec.price == "75000" and spec.trigger_price == "65000"
    gtd = bracket_exit_configuration(*_exits(factory(), GTD, expire_time_ns=EXPIRE))
    assert gtd.trigger_bracket_gtd is not None
    assert gtd.trigger_bracket_gtd.end_time == "2026-04-07T14:30:01.5Z"


def test_bracket_exit_shape_rules() -> None:
    f = factory()
    tp, sl = _exits(f)
    other_side = f.stop_market(IID, BUY, Quantity("1"), Price("80000"))
    with pytest.raises(NotSupported, match="side"):
        bracket_exit_configuration(tp, other_side)
    other_size = f.stop_market(IID, SELL, Quantity("2"), Price("65000"))
    with pytest.raises(NotSupported, match="quantity"):
        bracket_exit_configuration(tp, other_size)
    with pytest.raises(NotSupported, match="order_type"):
        bracket_exit_configuration(sl, tp)
    mixed = f.stop_market(
        IID, SELL, Quantity("1"), Price("65000"), time_in_force=GTD, expire_time_ns=EXPIRE
    )
    with pytest.raises(NotSupported, match="time_in_force"):
        bracket_exit_configuration(tp, mixed)


def test_attached_bracket_request() -> None:
    f = factory()
    entry = f.limit(IID, BUY, Quantity("1"), Price("70000"))
    tp, sl = _exits(f)
    wire = json.loads(encode(attached_bracket_request(entry, tp, sl)))
    assert wire["order_configuration"] == {
        "limit_limit_gtc": {"base_size": "1", "limit_price": "70000"}
    }
    assert wire["attached_order_configuration"] == {
        "trigger_bracket_gtc": {"limit_price": "75000", "stop_trigger_price": "65000"}
    }
    with pytest.raises(NotSupported, match="side"):
        attached_bracket_request(f.limit(IID, SELL, Quantity("1"), Price("70000")), tp, sl)
    with pytest.raises(NotSupported, match="order_type"):
        attached_bracket_request(
            f.stop_limit(IID, BUY, Quantity("1"), Price("70100"), Price("70000")), tp, sl
        )


# -- statuses ------------------------------------------------------------------------------------
def test_status_and_enum_mapping() -> None:
    S = OrderStatus
    assert lyra_status("OPEN", False) is S.ACCEPTED
    assert lyra_status("OPEN", True) is S.PARTIALLY_FILLED
    assert lyra_status("OPEN", False, "STOP_TRIGGERED") is S.TRIGGERED
    assert lyra_status("QUEUED", False) is S.ACCEPTED
    assert lyra_status("FILLED", True) is S.FILLED
    assert lyra_status("CANCELLED", True) is S.CANCELED
    assert lyra_status("EXPIRED", False) is S.EXPIRED
    assert lyra_status("FAILED", False) is S.REJECTED
    for none in ("PENDING", "CANCEL_QUEUED", "UNKNOWN_ORDER_STATUS", "WHATEVER"):
        assert lyra_status(none, False) is None
    assert parse_time_in_force("GOOD_UNTIL_DATE_TIME") is GTD
    assert parse_time_in_force("IMMEDIATE_OR_CANCEL") is IOC
    assert parse_time_in_force("nope") is None
    assert parse_order_type("Limit") is OrderType.LIMIT
    assert parse_order_type("StopLimit") is OrderType.STOP_LIMIT
    assert parse_order_type("STOP_LIMIT") is OrderType.STOP_LIMIT
    assert parse_order_type("MARKET") is OrderType.MARKET


# -- user channel -----------------------------------------------------------------------------
def user_orders(kind: str, *orders: dict[str, Any]) -> Any:
    msg = decode_ws(s.user(1, kind, list(orders)))
    assert isinstance(msg, UserMessage)
    return msg.events[0]


def tracker() -> UserOrderTracker:
    return UserOrderTracker({"BTC-USD": s.BTC_USD})


OID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"


def test_fills_are_the_growth_of_the_cumulative_state() -> None:
    t = tracker()
    (ack,) = t.on_event(user_orders("update", s.user_order(leaves_quantity="0.003")), 1)
    assert ack.status is OrderStatus.ACCEPTED and ack.fill is None
    assert ack.leaves_qty == Decimal("0.003") and ack.avg_px is None
    (part,) = t.on_event(
        user_orders(
            "update",
            s.user_order(
                cumulative_quantity="0.001",
                leaves_quantity="0.002",
                avg_price="68900.00",
                filled_value="68.9",
                total_fees="0.41",
            ),
        ),
        2,
    )
    assert part.status is OrderStatus.PARTIALLY_FILLED
    assert part.fill is not None
    assert part.fill.trade_id == f"{OID}-0.001"
    assert part.fill.last_qty == Quantity("0.00100000")
    assert part.fill.last_px == Price("68900.00")
    assert part.fill.commission == Money("0.41", "USD")
    (done,) = t.on_event(
        user_orders(
            "update",
            s.user_order(
                status="FILLED",
                cumulative_quantity="0.003",
                leaves_quantity="0",
                avg_price="68901",
                filled_value="206.703",
                total_fees="1.24",
            ),
        ),
        3,
    )
    assert done.status is OrderStatus.FILLED and done.fill is not None
    assert done.fill.last_qty == Quantity("0.00200000")
    assert done.fill.last_px == Price("68901.50")  # (206.703 - 68.9) / 0.002
    assert done.fill.commission == Money("0.83", "USD")
    assert done.filled_qty == Quantity("0.00300000") and done.total_fees == Money("1.24", "USD")
    assert t.open_orders() == ()


def test_repeats_and_late_messages_add_no_fill() -> None:
    t = tracker()
    filled = s.user_order(cumulative_quantity="0.001", avg_price="100", filled_value="0.1")
    first = t.on_order(user_orders("update", filled).orders[0], 1)
    assert first.fill is not None
    again = t.on_order(user_orders("update", filled).orders[0], 2)
    assert again.fill is None
    closed = s.user_order(
        status="CANCELLED", cumulative_quantity="0.001", cancel_reason="User requested"
    )
    canceled = t.on_order(user_orders("update", closed).orders[0], 3)
    assert canceled.status is OrderStatus.CANCELED and canceled.reason == "User requested"
    late = t.on_order(user_orders("update", filled).orders[0], 4)
    assert late.fill is None  # the order is closed: nothing new can have filled


def test_an_order_first_seen_filled_fills_in_full() -> None:
    t = tracker()
    (u,) = t.on_event(
        user_orders(
            "update",
            s.user_order(
                status="FILLED",
                cumulative_quantity="0.002",
                avg_price="68900.005",
                leaves_quantity="0",
            ),
        ),
        1,
    )
    assert u.fill is not None and u.fill.last_qty == Quantity("0.00200000")
    assert u.fill.last_px == Price("68900.005")  # a mean keeps its decimals (up to 9)


def test_a_snapshot_is_a_baseline_not_a_fill() -> None:
    t = tracker()
    (snap,) = t.on_event(
        user_orders("snapshot", s.user_order(cumulative_quantity="0.001", avg_price="100")), 1
    )
    assert snap.snapshot and snap.fill is None and snap.status is OrderStatus.PARTIALLY_FILLED
    (more,) = t.on_event(
        user_orders("update", s.user_order(cumulative_quantity="0.0015", avg_price="100")), 2
    )
    assert more.fill is not None and more.fill.last_qty == Quantity("0.00050000")


def test_seeded_state_after_a_restart() -> None:
    t = tracker()
    t.seed(OID, Quantity("0.001"), "68.9", "0.4")
    (u,) = t.on_event(
        user_orders(
            "update",
            s.user_order(cumulative_quantity="0.002", filled_value="137.9", total_fees="0.8"),
        ),
        1,
    )
    assert u.fill is not None
    assert (u.fill.last_qty, u.fill.last_px, u.fill.commission) == (
        Quantity("0.00100000"),
        Price("69000.00"),
        Money("0.40", "USD"),
    )


def test_user_fill_deltas_apply_to_a_lyra_order() -> None:
    f = factory()
    order = f.limit(IID, BUY, Quantity("0.003"), Price("69000"))
    ev: EventFactory = f.events
    order.apply(ev.submitted(order))
    order.apply(ev.accepted(order, OID))
    t = tracker()
    for cum, value in (("0.001", "68.9"), ("0.001", "68.9"), ("0.003", "206.703")):
        u = t.on_order(
            user_orders(
                "update",
                s.user_order(
                    cumulative_quantity=cum,
                    filled_value=value,
                    client_order_id=str(order.client_order_id),
                ),
            ).orders[0],
            5,
        )
        if u.fill is None:
            continue
        order.apply(
            ev.filled(
                order,
                trade_id=u.fill.trade_id,
                last_qty=u.fill.last_qty,
                last_px=u.fill.last_px,
                commission=u.fill.commission,
                venue_order_id=u.venue_order_id,
            )
        )
    assert order.status is OrderStatus.FILLED and order.filled_qty == Quantity("0.003")
    assert order.avg_px == Decimal("68901")


def test_unknown_product_is_refused() -> None:
    with pytest.raises(InvalidInput):
        tracker().on_order(user_orders("update", s.user_order(product_id="DOGE-USD")).orders[0], 1)


# -- reconciliation reports -----------------------------------------------------------------------
def test_order_status_report() -> None:
    cb: CbOrder = decode_rest(s.LIST_ORDERS, ListOrdersResponse).orders[0]
    r = order_status_report(cb, s.BTC_USD, "COINBASE-1", ts_init=77)
    assert (r.venue_order_id, r.client_order_id) == ("0000-000000-000000", "O-7")
    assert (r.side, r.order_type, r.time_in_force) == (BUY, OrderType.LIMIT, GTC)
    assert r.status is OrderStatus.PARTIALLY_FILLED and r.is_open
    assert r.quantity == Quantity("0.001") and r.filled_qty == Quantity("0.0005")
    assert r.price == Price("10000.00") and r.avg_px == Decimal("10000")
    assert r.ts_accepted == 1_622_455_199_000_000_000
    assert r.ts_last == 1_622_457_000_000_000_000 and r.ts_init == 77
    with pytest.raises(InvalidInput):
        order_status_report(
            decode_rest(
                s.GET_ORDER.replace(b'"OPEN"', b'"UNKNOWN_ORDER_STATUS"'), GetOrderResponse
            ).order,
            s.BTC_USD,
            "A",
            0,
        )


def test_fill_and_balance_reports() -> None:
    fill: Fill = decode_rest(s.FILLS, ListFillsResponse).fills[0]
    r = fill_report(fill, s.BTC_USD, "COINBASE-1", ts_init=1)
    assert (r.trade_id, r.venue_order_id, r.order_side) == (
        "1111-11111-111111",
        "0000-000000-000000",
        BUY,
    )
    assert r.last_qty == Quantity("0.005") and r.last_px == Price("45123.45")
    assert r.commission == Money("1.14", "USD") and r.liquidity_side is LiquiditySide.MAKER
    assert r.ts_event == 1_705_314_600_000_000_000
    account: Account = decode_rest(s.ACCOUNTS, ListAccountsResponse).accounts[0]
    b = balance_report(account, "COINBASE-1", ts_event=5, ts_init=6)
    assert b.free == Money("1.23456789", "BTC") and b.locked == Money("0.005", "BTC")
    assert b.total == Money("1.23956789", "BTC")
