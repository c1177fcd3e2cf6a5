"""Lyra orders -> OKX requests (and refusals naming the field), OCO lists, amends, cancels;
OKX order pushes -> the events an adapter emits; round trips and capability agreement."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, reject, settings, strategies as st

from lyra.adapters.okx.messages import AlgoOrderData, OrderData, decode_ws
from lyra.adapters.okx.orders import (
    DERIVATIVES_CAPABILITIES,
    SPOT_CAPABILITIES,
    AlgoCancelRequest,
    AlgoOrderRequest,
    AmendAlgoRequest,
    AmendRequest,
    CancelRequest,
    OrderRequest,
    UpdateKind,
    algo_update,
    amend_order,
    cancel_order,
    capabilities_for,
    client_id,
    order_update,
    place_order,
    place_order_list,
    to_payload,
    unsupported,
    unsupported_list,
)
from lyra.errors import InvalidInput, InvalidOrder, NotSupported
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import ClientOrderId
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

SPOT = "BTC-USDT.OKX"
SWAP = "BTC-USDT-SWAP.OKX"
Q = Quantity("0.010")
B, S = OrderSide.BUY, OrderSide.SELL


def factory() -> OrderFactory:
    return OrderFactory("okx-test", epoch=7)


def body(request: msgspec.Struct) -> dict[str, Any]:
    out = json.loads(msgspec.json.encode(request))
    assert out == to_payload(request)
    return out


# -- placing -------------------------------------------------------------------------------------
def test_limit_orders_map_to_ord_types() -> None:
    f = factory()
    gtc = f.limit(SPOT, B, Q, Price("30000.5"))
    assert body(place_order(gtc)) == {
        "instId": "BTC-USDT",
        "tdMode": "cash",
        "side": "buy",
        "ordType": "limit",
        "sz": "0.010",
        "px": "30000.5",
        "clOrdId": str(gtc.client_order_id),
    }
    post = f.limit(SPOT, S, Q, Price("30000"), post_only=True)
    assert body(place_order(post))["ordType"] == "post_only"
    ioc = f.limit(SPOT, S, Q, Price("30000"), time_in_force=TimeInForce.IOC)
    assert body(place_order(ioc))["ordType"] == "ioc"
    fok = f.limit(SPOT, S, Q, Price("30000"), time_in_force=TimeInForce.FOK)
    assert body(place_order(fok))["ordType"] == "fok"


def test_market_orders() -> None:
    f = factory()
    spot = body(place_order(f.market(SPOT, B, Q)))
    assert (spot["ordType"], spot["tgtCcy"]) == ("market", "base_ccy")  # OKX defaults buys to quote
    quote = body(place_order(f.market(SPOT, B, Quantity("100"), quote_quantity=True)))
    assert quote["tgtCcy"] == "quote_ccy"
    swap_ioc = body(
        place_order(
            f.market(SWAP, S, Quantity("3"), time_in_force=TimeInForce.IOC, reduce_only=True)
        )
    )
    assert swap_ioc == {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "side": "sell",
        "ordType": "optimal_limit_ioc",
        "sz": "3",
        "clOrdId": swap_ioc["clOrdId"],
        "reduceOnly": True,
    }
    isolated = body(
        place_order(f.market(SWAP, B, Quantity("1")), td_mode="isolated", pos_side="long", tag="t1")
    )
    assert (isolated["tdMode"], isolated["posSide"], isolated["tag"]) == ("isolated", "long", "t1")


def test_triggered_orders_are_algo_trigger_orders() -> None:
    f = factory()
    stop = place_order(f.stop_market(SPOT, S, Q, Price("29000")))
    assert isinstance(stop, AlgoOrderRequest)
    assert body(stop) | {"algoClOrdId": "x"} == {
        "instId": "BTC-USDT",
        "tdMode": "cash",
        "side": "sell",
        "ordType": "trigger",
        "sz": "0.010",
        "algoClOrdId": "x",
        "triggerPx": "29000",
        "orderPx": "-1",
        "triggerPxType": "last",
    }
    lit = body(
        place_order(
            f.limit_if_touched(
                SWAP,
                S,
                Quantity("2"),
                Price("31000"),
                Price("30900"),
                trigger_type=TriggerType.MARK_PRICE,
            )
        )
    )
    assert (lit["orderPx"], lit["triggerPx"], lit["triggerPxType"]) == ("31000", "30900", "mark")
    index = body(
        place_order(
            f.stop_limit(
                SPOT, B, Q, Price("31000"), Price("30950"), trigger_type=TriggerType.INDEX_PRICE
            )
        )
    )
    assert index["triggerPxType"] == "index" and index["orderPx"] == "31000"


def test_trailing_stops_are_move_order_stop() -> None:
    f = factory()
    bp = body(
        place_order(
            f.trailing_stop_market(
                SWAP,
                S,
                Quantity("1"),
                trailing_offset=Decimal("150"),
                trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
                activation_price=Price("31000"),
            )
        )
    )
    assert (bp["ordType"], bp["callbackRatio"], bp["activePx"]) == (
        "move_order_stop",
        "0.015",
        "31000",
    )
    assert "callbackSpread" not in bp
    px = body(
        place_order(
            f.trailing_stop_market(SWAP, S, Quantity("1"), trailing_offset=Decimal("250.50"))
        )
    )
    assert px["callbackSpread"] == "250.5" and "callbackRatio" not in px


def _reason(order: Order, **kw: Any) -> str:
    with pytest.raises(NotSupported) as info:
        place_order(order, **kw)
    text = unsupported(order, **kw)
    assert text is not None and text in str(info.value)
    assert info.value.code == "NOT_SUPPORTED" and info.value.venue == "OKX"
    return text


def test_what_okx_cannot_do_names_the_field() -> None:
    f = factory()
    assert _reason(
        f.limit(SPOT, B, Q, Price("1"), time_in_force=TimeInForce.GTD, expire_time_ns=10**18)
    ).startswith("time_in_force")
    assert _reason(f.limit(SPOT, B, Q, Price("1"), time_in_force=TimeInForce.DAY)).startswith(
        "time_in_force"
    )
    assert _reason(f.limit(SPOT, B, Q, Price("1"), display_qty=Quantity("0.001"))).startswith(
        "display_qty"
    )
    assert _reason(f.limit(SPOT, B, Q, Price("1"), reduce_only=True)).startswith("reduce_only")
    assert _reason(f.market(SPOT, B, Q, time_in_force=TimeInForce.FOK)).startswith("time_in_force")
    assert _reason(f.market(SWAP, B, Q, quote_quantity=True)).startswith("quote_quantity")
    assert _reason(f.limit(SPOT, B, Q, Price("1"), quote_quantity=True)).startswith(
        "quote_quantity"
    )
    assert _reason(f.create(SPOT, B, OrderType.MARKET_TO_LIMIT, Q)).startswith("order_type")
    assert _reason(f.stop_limit(SPOT, B, Q, Price("2"), Price("1"), post_only=True)).startswith(
        "post_only"
    )
    assert _reason(f.stop_market(SPOT, B, Q, Price("1"), time_in_force=TimeInForce.IOC)).startswith(
        "time_in_force"
    )
    assert _reason(
        f.stop_market(SPOT, B, Q, Price("1"), trigger_type=TriggerType.MARK_PRICE)
    ).startswith("trigger_type")
    assert _reason(
        f.stop_market(SWAP, B, Q, Price("1"), trigger_type=TriggerType.BID_ASK)
    ).startswith("trigger_type")
    assert _reason(
        f.trailing_stop_market(
            SWAP, S, Q, trailing_offset=Decimal("5"), trailing_offset_type=TrailingOffsetType.TICKS
        )
    ).startswith("trailing_offset_type")
    assert _reason(
        f.trailing_stop_market(SWAP, S, Q, trailing_offset=Decimal("5"), trigger_price=Price("100"))
    ).startswith("trigger_price")
    long_id = f.limit(SPOT, B, Q, Price("1"), client_order_id=ClientOrderId("has-dashes_and_more"))
    assert _reason(long_id).startswith("client_order_id")
    # the same order on a margin trade mode may be reduce-only
    assert unsupported(f.limit(SPOT, B, Q, Price("1"), reduce_only=True), td_mode="cross") is None


def test_client_ids() -> None:
    assert client_id("abc123XYZ") == "abc123XYZ"
    with pytest.raises(NotSupported, match="req_id"):
        client_id("a" * 33, "req_id")


# -- lists -----------------------------------------------------------------------------------
def test_an_oco_of_take_profit_and_stop_is_one_algo_order() -> None:
    f = factory()
    tp = f.limit_if_touched(
        SWAP, S, Quantity("2"), Price("35000"), Price("34900"), reduce_only=True
    )
    sl = f.stop_market(
        SWAP,
        S,
        Quantity("2"),
        Price("28000"),
        reduce_only=True,
        trigger_type=TriggerType.MARK_PRICE,
    )
    oco = f.oco([sl, tp])
    assert unsupported_list(oco) is None
    req = body(place_order_list(oco))
    assert req == {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "side": "sell",
        "ordType": "oco",
        "sz": "2",
        "algoClOrdId": str(oco.order_list_id),
        "reduceOnly": True,
        "tpTriggerPx": "34900",
        "tpOrdPx": "35000",
        "tpTriggerPxType": "last",
        "slTriggerPx": "28000",
        "slOrdPx": "-1",
        "slTriggerPxType": "mark",
    }


def test_other_lists_are_not_native() -> None:
    f = factory()
    limit_and_stop = f.oco(
        [f.limit(SPOT, S, Q, Price("35000")), f.stop_market(SPOT, S, Q, Price("28000"))]
    )
    assert "take-profit" in (unsupported_list(limit_and_stop) or "")
    with pytest.raises(NotSupported, match="order_list"):
        place_order_list(limit_and_stop)
    sides = f.oco(
        [f.market_if_touched(SPOT, S, Q, Price("35000")), f.stop_market(SPOT, B, Q, Price("28000"))]
    )
    assert "same" in (unsupported_list(sides) or "") or "share" in (unsupported_list(sides) or "")
    bracket = f.bracket(
        SPOT, B, Q, stop_loss_trigger_price=Price("28000"), take_profit_price=Price("35000")
    )
    assert "OCO" in (unsupported_list(bracket) or "")


# -- amend and cancel ---------------------------------------------------------------------------
def _working(order: Order, venue_id: str | None) -> Order:
    f = factory()
    order.apply(f.events.submitted(order))
    if venue_id is not None:
        order.apply(f.events.accepted(order, venue_id))
    return order


def test_amend_and_cancel_a_limit_order() -> None:
    f = factory()
    order = _working(f.limit(SPOT, B, Q, Price("30000")), "777")
    amend = amend_order(order, quantity=Quantity("0.020"), price=Price("30001"), req_id="r1")
    assert isinstance(amend, AmendRequest)
    assert body(amend) == {
        "instId": "BTC-USDT",
        "ordId": "777",
        "reqId": "r1",
        "newSz": "0.020",
        "newPx": "30001",
    }
    assert body(amend_order(order, price=Price("1"))) == {
        "instId": "BTC-USDT",
        "ordId": "777",
        "newPx": "1",
    }
    with pytest.raises(NotSupported, match="trigger_price"):
        amend_order(order, trigger_price=Price("1"))
    with pytest.raises(InvalidInput):
        amend_order(order)
    cancel = cancel_order(order)
    assert isinstance(cancel, CancelRequest) and body(cancel) == {
        "instId": "BTC-USDT",
        "ordId": "777",
    }
    pending = _working(f.limit(SPOT, B, Q, Price("30000")), None)
    assert body(cancel_order(pending)) == {
        "instId": "BTC-USDT",
        "clOrdId": str(pending.client_order_id),
    }


def test_amend_and_cancel_a_trigger_order() -> None:
    f = factory()
    stop = f.stop_limit(SPOT, S, Q, Price("28900"), Price("29000"))
    amend = amend_order(stop, trigger_price=Price("29100"), price=Price("29000"))
    assert isinstance(amend, AmendAlgoRequest)
    assert body(amend) == {
        "instId": "BTC-USDT",
        "algoClOrdId": str(stop.client_order_id),
        "newTriggerPx": "29100",
        "newOrdPx": "29000",
    }
    with pytest.raises(NotSupported, match="price"):
        amend_order(f.stop_market(SPOT, S, Q, Price("1")), price=Price("2"))
    trailing = f.trailing_stop_market(SWAP, S, Q, trailing_offset=Decimal("5"))
    with pytest.raises(NotSupported, match="modify"):
        amend_order(trailing, quantity=Quantity("1"))
    assert isinstance(cancel_order(trailing), AlgoCancelRequest)
    assert body(cancel_order(stop)) == {
        "instId": "BTC-USDT",
        "algoClOrdId": str(stop.client_order_id),
    }


# -- updates ------------------------------------------------------------------------------------
def _push(**fields: Any) -> OrderData:
    base = {
        "instType": "SPOT",
        "instId": "BTC-USDT",
        "ordId": "9",
        "clOrdId": "abc",
        "px": "30000",
        "sz": "0.010",
        "ordType": "limit",
        "side": "buy",
        "state": "live",
        "accFillSz": "0",
        "avgPx": "",
        "uTime": "1700000000001",
        "cTime": "1700000000000",
    }
    frame = json.dumps({"arg": {"channel": "orders", "instType": "SPOT"}, "data": [base | fields]})
    msg = decode_ws(frame)
    return msg.data[0]  # type: ignore[union-attr]


def test_order_pushes_become_events() -> None:
    live = order_update(_push())
    assert (live.kind, live.venue_order_id, live.client_order_id) == (
        UpdateKind.ACCEPTED,
        "9",
        "abc",
    )
    assert live.ts_event == 1700000000001 * 10**6 and live.fill is None
    fill = order_update(
        _push(
            state="partially_filled",
            accFillSz="0.004",
            avgPx="30000",
            fillPx="30000",
            fillSz="0.004",
            tradeId="t1",
            execType="M",
            fillFee="-0.012",
            fillFeeCcy="USDT",
            fillTime="1700000000005",
        )
    )
    assert fill.kind is UpdateKind.FILL and fill.fill is not None
    assert fill.fill.commission == Money("0.012", "USDT")  # charged: positive commission
    assert fill.fill.liquidity_side is LiquiditySide.MAKER and fill.fill.trade_id == "t1"
    assert fill.fill.ts_event == 1700000000005 * 10**6
    assert (fill.filled_qty, fill.avg_px) == (Quantity("0.004"), Decimal("30000"))
    rebate = order_update(
        _push(
            state="filled",
            fillSz="0.006",
            fillPx="30000",
            tradeId="t2",
            execType="T",
            fillFee="0.001",
            fillFeeCcy="USDT",
            accFillSz="0.010",
        )
    )
    assert rebate.fill is not None and rebate.fill.commission == Money("-0.001", "USDT")
    assert rebate.fill.liquidity_side is LiquiditySide.TAKER
    empty = order_update(_push(ordType="market", state="filled", fillSz="0", accFillSz="0.010"))
    assert empty.kind is UpdateKind.STATUS  # a spot market order's final push carries no fill
    canceled = order_update(_push(state="canceled", cancelSource="1"))
    assert canceled.kind is UpdateKind.CANCELED and canceled.reason == "canceled by the user"
    post = order_update(_push(ordType="post_only", state="canceled", cancelSource="31"))
    assert post.kind is UpdateKind.REJECTED and post.reject_code is RejectCode.POST_ONLY_WOULD_TAKE
    assert post.post_only and "31" in post.reason
    late_post = order_update(
        _push(ordType="post_only", state="canceled", cancelSource="31", accFillSz="0.001")
    )
    assert late_post.kind is UpdateKind.CANCELED
    amended = order_update(_push(amendResult="0", px="30001", reqId="r1"))
    assert amended.kind is UpdateKind.UPDATED and amended.price == Price("30001")
    failed = order_update(_push(amendResult="-1", code="51503", msg="Order modification failed"))
    assert (
        failed.kind is UpdateKind.MODIFY_REJECTED and failed.reject_code is RejectCode.UNKNOWN_ORDER
    )
    assert failed.reason == "OKX 51503: Order modification failed"
    mystery = order_update(_push(clOrdId="", cancelSource="99", state="canceled"))
    assert mystery.client_order_id is None and mystery.reason == "cancelSource 99"


def test_algo_pushes() -> None:
    def algo(state: str, **kw: str) -> AlgoOrderData:
        return AlgoOrderData(
            inst_id="BTC-USDT",
            algo_id="5",
            state=state,
            side="sell",
            ord_type="trigger",
            algo_cl_ord_id="abc",
            u_time="3",
            **kw,
        )

    assert algo_update(algo("live")).kind is UpdateKind.ACCEPTED
    fired = algo_update(algo("effective", ord_id="42", trigger_px_type="index"))
    assert (fired.kind, fired.venue_order_id, fired.trigger_type) == (
        UpdateKind.TRIGGERED,
        "42",
        TriggerType.INDEX_PRICE,
    )
    assert algo_update(algo("canceled")).kind is UpdateKind.CANCELED
    failed = algo_update(algo("order_failed", fail_code="51008"))
    assert failed.kind is UpdateKind.REJECTED and "51008" in failed.reason
    assert algo_update(algo("pause")).kind is UpdateKind.STATUS


# -- properties -----------------------------------------------------------------------------------
_TRIGGERS = [
    TriggerType.DEFAULT,
    TriggerType.LAST_PRICE,
    TriggerType.INDEX_PRICE,
    TriggerType.MARK_PRICE,
    TriggerType.BID_ASK,
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
        kw["trailing_offset_type"] = draw(
            st.sampled_from(
                [
                    TrailingOffsetType.PRICE,
                    TrailingOffsetType.BASIS_POINTS,
                    TrailingOffsetType.TICKS,
                ]
            )
        )
        if draw(st.booleans()):
            kw["trigger_price"] = Price("29000")
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
    if draw(st.booleans()):
        kw["client_order_id"] = ClientOrderId(
            draw(st.sampled_from(["abc", "a-b", "x" * 33, "Z9" * 16]))
        )
    iid = draw(st.sampled_from([SPOT, SWAP]))
    try:
        return factory().create(iid, draw(st.sampled_from([B, S])), otype, Quantity("3"), **kw)
    except InvalidOrder:
        reject()


def _echo(order: Order, request: OrderRequest) -> OrderData:
    """What OKX's orders channel would push back for the request, once live."""
    payload = to_payload(request)
    return _push(
        instId=payload["instId"],
        ordType=payload["ordType"],
        side=payload["side"],
        sz=payload["sz"],
        px=payload.get("px", ""),
        clOrdId=payload["clOrdId"],
        reduceOnly="true" if payload.get("reduceOnly") else "false",
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(order=any_order())
def test_mapping_refusals_and_capabilities_agree(order: Order) -> None:
    reason = unsupported(order)
    try:
        request = place_order(order)
    except NotSupported as exc:
        assert reason is not None and reason in str(exc)
        return
    assert reason is None
    caps = capabilities_for(order.instrument_id)
    assert caps is (SPOT_CAPABILITIES if order.instrument_id == SPOT else DERIVATIVES_CAPABILITIES)
    assert caps.supports(order) is None, caps.supports(order)  # never more than declared
    if isinstance(request, OrderRequest):
        back = order_update(_echo(order, request))
        assert back.kind is UpdateKind.ACCEPTED
        assert (back.side, back.order_type, back.quantity) == (
            order.side,
            order.order_type,
            order.quantity,
        )
        assert back.time_in_force is order.time_in_force or order.order_type is OrderType.MARKET
        assert back.post_only == order.post_only and back.reduce_only == order.reduce_only
        assert back.price == order.price and back.client_order_id == order.client_order_id
        assert back.instrument_id == order.instrument_id


def test_an_amend_of_a_partly_filled_order_is_an_update() -> None:
    amended = order_update(_push(state="partially_filled", accFillSz="0.004", amendResult="0"))
    assert amended.kind is UpdateKind.UPDATED and amended.filled_qty == Quantity("0.004")
    auto_canceled = order_update(_push(state="canceled", amendResult="1", cancelSource="1"))
    assert auto_canceled.kind is UpdateKind.CANCELED
