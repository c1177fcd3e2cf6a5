"""Lyra orders -> Kraken add_order/AddOrder (and refusals naming the field), conditional
closes, amends, cancels; executions -> the events an adapter emits; round trips and
capability agreement."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, reject, settings, strategies as st

from lyra.adapters.kraken.messages import ExecutionData, ExecutionsMessage, decode_ws
from lyra.adapters.kraken.orders import (
    CAPABILITIES,
    AddOrderParams,
    UpdateKind,
    add_order,
    add_order_with_close,
    amend_order,
    cancel_order,
    client_id,
    encode_request,
    execution_update,
    rest_add_order,
    unsupported,
)
from lyra.adapters.kraken.signing import KrakenCredentials
from lyra.errors import InvalidInput, InvalidOrder, NotSupported
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import ClientOrderId, InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderFactory
from lyra.orders.order import Order
from lyra.orders.validation import (
    ALLOWED_TIME_IN_FORCE,
    DISPLAY_QTY_TYPES,
    POST_ONLY_TYPES,
    PRICE_REQUIRED_TYPES,
    RESTING_TIME_IN_FORCE,
    TRAILING_TYPES,
    TRIGGER_REQUIRED_TYPES,
    TRIGGERABLE_TYPES,
)
from lyra.venue.codes import RejectCode

BTC = "BTC/USD.KRAKEN"
Q = Quantity("0.01")
B, S = OrderSide.BUY, OrderSide.SELL


def factory() -> OrderFactory:
    return OrderFactory("kraken-test", epoch=3)


def params(p: msgspec.Struct) -> dict[str, Any]:
    return json.loads(encode_request("add_order", p))["params"]


def test_the_documented_limit_example() -> None:
    order = factory().limit(
        BTC,
        B,
        Q,
        Price("30000.0"),
        post_only=True,
        client_order_id=ClientOrderId("O-20260505-000001"),
    )
    request = json.loads(
        encode_request(
            "add_order", msgspec.structs.replace(add_order(order), token="TESTTOKEN"), 42
        )
    )
    assert request == {
        "method": "add_order",
        "params": {
            "order_type": "limit",
            "side": "buy",
            "order_qty": 0.01,
            "symbol": "BTC/USD",
            "limit_price": 30000.0,
            "time_in_force": "gtc",
            "cl_ord_id": "O-20260505-000001",
            "post_only": True,
            "token": "TESTTOKEN",
        },
        "req_id": 42,
    }


def test_numbers_are_plain_json_numbers() -> None:
    order = factory().market(BTC, S, Quantity("0.00000001"))
    raw = encode_request("add_order", add_order(order), 1)
    assert b'"order_qty":0.00000001' in raw and b"E-" not in raw
    assert params(add_order(order)) == {
        "order_type": "market",
        "side": "sell",
        "symbol": "BTC/USD",
        "order_qty": 0.00000001,
        "cl_ord_id": str(order.client_order_id),
    }


def test_order_types() -> None:
    f = factory()
    quote = params(add_order(f.market(BTC, B, Quantity("100"), quote_quantity=True)))
    assert quote["cash_order_qty"] == 100 and "order_qty" not in quote
    ioc = params(add_order(f.limit(BTC, B, Q, Price("1"), time_in_force=TimeInForce.IOC)))
    assert ioc["time_in_force"] == "ioc"
    gtd = params(
        add_order(
            f.limit(
                BTC,
                B,
                Q,
                Price("1"),
                time_in_force=TimeInForce.GTD,
                expire_time_ns=1_767_225_600_123_000_000,
            )
        )
    )
    assert (gtd["time_in_force"], gtd["expire_time"]) == ("gtd", "2026-01-01T00:00:00.123Z")
    ice = params(
        add_order(f.limit(BTC, S, Quantity("1.5"), Price("50000"), display_qty=Quantity("0.1")))
    )
    assert (ice["order_type"], ice["display_qty"]) == ("iceberg", 0.1)
    stop = params(
        add_order(f.stop_market(BTC, S, Q, Price("28000"), trigger_type=TriggerType.INDEX_PRICE))
    )
    assert stop["order_type"] == "stop-loss" and stop["triggers"] == {
        "price": 28000,
        "reference": "index",
    }
    stop_limit = params(add_order(f.stop_limit(BTC, S, Q, Price("27900"), Price("28000"))))
    assert (
        stop_limit["order_type"],
        stop_limit["limit_price"],
        stop_limit["triggers"]["price"],
    ) == ("stop-loss-limit", 27900, 28000)
    tp = params(add_order(f.market_if_touched(BTC, S, Q, Price("35000"))))
    assert tp["order_type"] == "take-profit"
    tpl = params(add_order(f.limit_if_touched(BTC, S, Q, Price("35100"), Price("35000"))))
    assert (tpl["order_type"], tpl["limit_price"]) == ("take-profit-limit", 35100)
    trail = params(
        add_order(
            f.trailing_stop_market(
                BTC,
                S,
                Q,
                trailing_offset=Decimal("150"),
                trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
            )
        )
    )
    assert trail["order_type"] == "trailing-stop" and trail["triggers"] == {
        "price": 1.5,
        "reference": "last",
        "price_type": "pct",
    }
    trail_limit = params(
        add_order(
            f.trailing_stop_limit(
                BTC, S, Q, trailing_offset=Decimal("200"), limit_offset=Decimal("50")
            )
        )
    )
    assert (
        trail_limit["order_type"],
        trail_limit["limit_price"],
        trail_limit["limit_price_type"],
    ) == ("trailing-stop-limit", 50, "quote")
    assert trail_limit["triggers"]["price_type"] == "quote"
    assert params(add_order(f.limit(BTC, B, Q, Price("1")), validate=True))["validate"] is True


def _reason(order: Order) -> str:
    with pytest.raises(NotSupported) as info:
        add_order(order)
    text = unsupported(order)
    assert text is not None and text in str(info.value) and info.value.venue == "KRAKEN"
    return text


def test_what_kraken_cannot_do_names_the_field() -> None:
    f = factory()
    assert _reason(f.limit(BTC, B, Q, Price("1"), time_in_force=TimeInForce.FOK)).startswith(
        "time_in_force"
    )
    assert _reason(f.limit(BTC, B, Q, Price("1"), time_in_force=TimeInForce.DAY)).startswith(
        "time_in_force"
    )
    assert _reason(f.stop_market(BTC, B, Q, Price("1"), time_in_force=TimeInForce.IOC)).startswith(
        "time_in_force"
    )
    assert _reason(f.create(BTC, B, OrderType.MARKET_TO_LIMIT, Q)).startswith("order_type")
    assert _reason(f.stop_limit(BTC, B, Q, Price("2"), Price("1"), post_only=True)).startswith(
        "post_only"
    )
    assert _reason(
        f.stop_limit(BTC, B, Q, Price("2"), Price("1"), display_qty=Quantity("0.001"))
    ).startswith("display_qty")
    assert _reason(f.limit(BTC, B, Q, Price("1"), reduce_only=True)).startswith("reduce_only")
    assert _reason(f.limit(BTC, B, Q, Price("1"), quote_quantity=True)).startswith("quote_quantity")
    assert _reason(
        f.stop_market(BTC, B, Q, Price("1"), trigger_type=TriggerType.MARK_PRICE)
    ).startswith("trigger_type")
    assert _reason(
        f.trailing_stop_market(
            BTC, S, Q, trailing_offset=Decimal("5"), trailing_offset_type=TrailingOffsetType.TICKS
        )
    ).startswith("trailing_offset_type")
    assert _reason(
        f.trailing_stop_market(BTC, S, Q, trailing_offset=Decimal("5"), activation_price=Price("1"))
    ).startswith("activation_price")
    assert _reason(
        f.trailing_stop_limit(
            BTC, S, Q, trailing_offset=Decimal("5"), limit_offset=Decimal("1"), price=Price("3")
        )
    ).startswith("price")
    assert _reason(
        f.limit(BTC, B, Q, Price("1"), client_order_id=ClientOrderId("x" * 19))
    ).startswith("client_order_id")


def test_client_ids() -> None:
    assert client_id("O-20260505-000001") == "O-20260505-000001"
    assert (
        client_id("6d1b345e-2821-40e2-ad83-4ecb18a06876") == "6d1b345e-2821-40e2-ad83-4ecb18a06876"
    )
    assert client_id("6d1b345e282140e2ad834ecb18a06876") == "6d1b345e282140e2ad834ecb18a06876"
    with pytest.raises(NotSupported):
        client_id("a" * 19)


def test_a_conditional_close() -> None:
    f = factory()
    entry = f.limit(BTC, B, Q, Price("30000"))
    close = f.limit(BTC, S, Q, Price("33000"))
    oto = f.oto(entry, [close])
    p = params(add_order_with_close(oto))
    assert p["conditional"] == {"order_type": "limit", "limit_price": 33000}
    assert p["cl_ord_id"] == str(entry.client_order_id)
    stop_close = f.oto(
        f.limit(BTC, B, Q, Price("30000")), [f.stop_market(BTC, S, Q, Price("28000"))]
    )
    assert params(add_order_with_close(stop_close))["conditional"] == {
        "order_type": "stop-loss",
        "trigger_price": 28000,
    }
    same_side = f.oto(f.limit(BTC, B, Q, Price("30000")), [f.limit(BTC, B, Q, Price("29000"))])
    with pytest.raises(NotSupported, match="other side"):
        add_order_with_close(same_side)
    with pytest.raises(NotSupported, match="OTO"):
        add_order_with_close(
            f.oco(
                [
                    f.market_if_touched(BTC, S, Q, Price("35000")),
                    f.stop_market(BTC, S, Q, Price("28000")),
                ]
            )
        )
    assert not CAPABILITIES.contingencies  # Kraken closes per fill: emulated by default


def test_rest_add_order_signs_like_the_published_example() -> None:
    order = factory().limit(BTC, B, Quantity("1.25"), Price("37500"))
    form = rest_add_order(order, "XBTUSD")
    assert form == {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "1.25",
        "price": "37500",
        "timeinforce": "GTC",
        "cl_ord_id": str(order.client_order_id),
    }
    # with the fields of Kraken's own example, in its order, the signature is the published one
    example = {k: form[k] for k in ("ordertype", "pair", "price", "type", "volume")}
    secret = (
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
    )
    _, headers = KrakenCredentials("k", secret).signed_request(
        "/0/private/AddOrder", example, 1616492376594
    )
    published = (
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    )
    assert headers["API-Sign"] == published
    f = factory()
    assert rest_add_order(f.stop_limit(BTC, S, Q, Price("27900"), Price("28000")), "XBTUSD") | {
        "cl_ord_id": ""
    } == {
        "pair": "XBTUSD",
        "type": "sell",
        "ordertype": "stop-loss-limit",
        "volume": "0.01",
        "price": "28000",
        "price2": "27900",
        "trigger": "last",
        "timeinforce": "GTC",
        "cl_ord_id": "",
    }
    trail = rest_add_order(
        f.trailing_stop_market(
            BTC,
            S,
            Q,
            trailing_offset=Decimal("100"),
            trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        ),
        "XBTUSD",
    )
    assert trail["price"] == "+1%"
    post = rest_add_order(
        f.limit(BTC, B, Q, Price("1"), post_only=True, display_qty=Quantity("0.001")), "XBTUSD"
    )
    assert (post["oflags"], post["displayvol"], post["ordertype"]) == ("post", "0.001", "limit")
    assert (
        rest_add_order(f.market(BTC, B, Quantity("50"), quote_quantity=True), "XBTUSD")["oflags"]
        == "viqc"
    )


def test_amend_and_cancel() -> None:
    f = factory()
    order = f.limit(BTC, B, Q, Price("30000"))
    order.apply(f.events.submitted(order))
    assert json.loads(encode_request("amend_order", amend_order(order, quantity=Quantity("0.02"))))[
        "params"
    ] == {"cl_ord_id": str(order.client_order_id), "order_qty": 0.02}
    order.apply(f.events.accepted(order, "OABC-1"))
    amend = json.loads(encode_request("amend_order", amend_order(order, price=Price("30001.5"))))
    assert amend["params"] == {"order_id": "OABC-1", "limit_price": 30001.5}
    with pytest.raises(NotSupported, match="trigger_price"):
        amend_order(order, trigger_price=Price("1"))
    with pytest.raises(InvalidInput):
        amend_order(order)
    stop = f.stop_market(BTC, S, Q, Price("28000"))
    assert amend_order(stop, trigger_price=Price("28100")).trigger_price == Decimal("28100")
    with pytest.raises(NotSupported, match="price"):
        amend_order(stop, price=Price("1"))
    other = f.limit(BTC, S, Q, Price("31000"))
    cancel = json.loads(encode_request("cancel_order", cancel_order(order, other), 5))
    assert cancel == {
        "method": "cancel_order",
        "params": {"order_id": ["OABC-1"], "cl_ord_id": [str(other.client_order_id)]},
        "req_id": 5,
    }
    with pytest.raises(InvalidInput):
        cancel_order()


# -- executions --------------------------------------------------------------------------------
def _exec(**fields: Any) -> ExecutionData:
    base = {
        "order_id": "OK4GJX-KSTLS-7DZZO5",
        "exec_type": "new",
        "order_status": "new",
        "symbol": "BTC/USD",
        "side": "sell",
        "order_type": "limit",
        "order_qty": 0.01,
        "limit_price": 26599.9,
        "time_in_force": "GTC",
        "cl_ord_id": "abc",
        "timestamp": "2023-09-22T10:33:05.709993Z",
    }
    msg = decode_ws(
        json.dumps({"channel": "executions", "type": "update", "data": [base | fields]})
    )
    assert isinstance(msg, ExecutionsMessage)
    return msg.data[0]


def test_executions_become_events() -> None:
    new = execution_update(_exec())
    assert (new.kind, new.venue_order_id, new.client_order_id) == (
        UpdateKind.ACCEPTED,
        "OK4GJX-KSTLS-7DZZO5",
        "abc",
    )
    assert new.instrument_id == InstrumentId(BTC) and new.time_in_force is TimeInForce.GTC
    assert (new.order_type, new.quantity, new.price) == (
        OrderType.LIMIT,
        Quantity("0.01"),
        Price("26599.9"),
    )
    assert new.ts_event == 1695378785709993000
    trade = execution_update(
        _exec(
            exec_type="trade",
            exec_id="TGBB7L",
            trade_id=62887576,
            last_qty=0.005,
            last_price=26599.9,
            liquidity_ind="t",
            order_status="partially_filled",
            cum_qty=0.005,
            avg_price=26599.9,
            fees=[{"asset": "USD", "qty": 0.3458}],
        )
    )
    assert trade.kind is UpdateKind.FILL and trade.fill is not None
    assert (trade.fill.trade_id, trade.fill.last_qty, trade.fill.last_px) == (
        "62887576",
        Quantity("0.005"),
        Price("26599.9"),
    )
    assert (
        trade.fill.commission == Money("0.3458", "USD")
        and trade.fill.liquidity_side is LiquiditySide.TAKER
    )
    assert trade.filled_qty == Quantity("0.005") and trade.avg_px == Decimal("26599.9")
    maker = execution_update(
        _exec(exec_type="trade", exec_id="E2", last_qty=0.005, last_price=26600, liquidity_ind="m")
    )
    assert maker.fill is not None and maker.fill.trade_id == "E2" and maker.fill.commission is None
    assert maker.fill.liquidity_side is LiquiditySide.MAKER
    assert (
        execution_update(_exec(exec_type="filled", order_status="filled")).kind is UpdateKind.STATUS
    )
    assert (
        execution_update(_exec(exec_type="pending_new", order_status="pending_new")).kind
        is UpdateKind.STATUS
    )
    canceled = execution_update(
        _exec(exec_type="canceled", order_status="canceled", reason="User requested")
    )
    assert canceled.kind is UpdateKind.CANCELED and canceled.reason == "User requested"
    post = execution_update(
        _exec(
            exec_type="canceled", order_status="canceled", reason="Post only order", post_only=True
        )
    )
    assert post.kind is UpdateKind.REJECTED and post.reject_code is RejectCode.POST_ONLY_WOULD_TAKE
    assert (
        execution_update(_exec(exec_type="expired", order_status="expired")).kind
        is UpdateKind.EXPIRED
    )
    amended = execution_update(_exec(exec_type="amended", order_qty=0.02, limit_price=26000))
    assert amended.kind is UpdateKind.UPDATED and amended.quantity == Quantity("0.02")
    partial = execution_update(ExecutionData(order_id="X", exec_type="restated", timestamp=""))
    assert (
        partial.kind is UpdateKind.UPDATED
        and partial.instrument_id is None
        and partial.side is None
    )
    assert (
        execution_update(_exec(exec_type="status", order_status="triggered")).kind
        is UpdateKind.TRIGGERED
    )


# -- properties ----------------------------------------------------------------------------------
_TRIGGERS = [
    TriggerType.DEFAULT,
    TriggerType.LAST_PRICE,
    TriggerType.INDEX_PRICE,
    TriggerType.MARK_PRICE,
]


@st.composite
def any_order(draw: st.DrawFn) -> Order:
    otype = draw(st.sampled_from(sorted(OrderType)))
    tif = draw(st.sampled_from(sorted(ALLOWED_TIME_IN_FORCE[otype])))
    kw: dict[str, Any] = {"time_in_force": tif}
    if otype in PRICE_REQUIRED_TYPES or (
        otype is OrderType.TRAILING_STOP_LIMIT and draw(st.booleans())
    ):
        kw["price"] = Price("30000.5")
    if otype in TRIGGER_REQUIRED_TYPES:
        kw["trigger_price"] = Price("29999.5")
    if otype in TRIGGERABLE_TYPES:
        kw["trigger_type"] = draw(st.sampled_from(_TRIGGERS))
    if otype in TRAILING_TYPES:
        kw["trailing_offset"] = Decimal("25")
        kw["trailing_offset_type"] = draw(st.sampled_from(list(TrailingOffsetType)[1:]))
        if draw(st.booleans()):
            kw["activation_price"] = Price("31000")
        if otype is OrderType.TRAILING_STOP_LIMIT:
            kw["limit_offset"] = Decimal("5")
    if tif is TimeInForce.GTD:
        kw["expire_time_ns"] = 2 * 10**18
    resting = tif in RESTING_TIME_IN_FORCE
    if otype in POST_ONLY_TYPES and resting:
        kw["post_only"] = draw(st.booleans())
    if otype in DISPLAY_QTY_TYPES and resting and draw(st.booleans()):
        kw["display_qty"] = Quantity("0.001")
    kw["reduce_only"] = draw(st.booleans())
    kw["quote_quantity"] = draw(st.booleans())
    try:
        return factory().create(BTC, draw(st.sampled_from([B, S])), otype, Quantity("3"), **kw)
    except InvalidOrder:
        reject()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(order=any_order())
def test_mapping_refusals_and_capabilities_agree(order: Order) -> None:
    reason = unsupported(order)
    try:
        p = add_order(order)
    except NotSupported as exc:
        assert reason is not None and reason in str(exc)
        return
    assert reason is None and isinstance(p, AddOrderParams)
    assert CAPABILITIES.supports(order) is None, CAPABILITIES.supports(order)
    # what the executions snapshot would say about the order, read back
    echo = _exec(
        order_type=p.order_type,
        side=p.side,
        order_qty=float(p.order_qty or p.cash_order_qty or 0),
        limit_price=float(p.limit_price)
        if p.limit_price is not None and not p.limit_price_type
        else None,
        time_in_force=(p.time_in_force or "gtc").upper(),
        post_only=p.post_only,
        cl_ord_id=p.cl_ord_id,
    )
    back = execution_update(echo)
    assert back.order_type is order.order_type and back.side is order.side
    assert back.quantity == order.quantity and back.post_only == order.post_only
    assert back.client_order_id == order.client_order_id
    if order.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        assert back.price == order.price
    if order.order_type is not OrderType.MARKET:
        assert back.time_in_force is order.time_in_force
