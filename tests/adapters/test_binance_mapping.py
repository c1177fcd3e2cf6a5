"""Binance mapping and capabilities: Lyra orders -> request parameters (every type, lists),
Binance messages -> Lyra events and reports (from the documented examples), and the rules
BinanceCapabilities adds (post-only, iceberg, list shapes, per-symbol flags)."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from lyra.adapters.binance.capabilities import (
    FUTURES_CAPABILITIES,
    SPOT_CAPABILITIES,
    SymbolFeatures,
)
from lyra.adapters.binance.mapping import (
    futures_events,
    futures_order_params,
    order_list_params,
    spot_events,
    spot_order_params,
    spot_order_report,
)
from lyra.adapters.binance.messages import ExecutionReport, OrderResponse, OrderTradeUpdate
from lyra.model import (
    ClientOrderId,
    ContingencyType,
    CurrencyPair,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PerpetualSwap,
    TimeInForce,
    TrailingOffsetType,
)
from lyra.model.values import Price, Quantity
from lyra.orders import (
    OrderAccepted,
    OrderCanceled,
    OrderFactory,
    OrderFilled,
    OrderUpdated,
    ReleasePolicy,
)
from lyra.orders.event_factory import EventFactory

SPOT = "BTCUSDT.BINANCE"
ETH = CurrencyPair.simple("ETHBTC.BINANCE", price_increment="0.00000001", size_increment="0.0001")
PERP = PerpetualSwap.simple(
    "BTCUSDT.BINANCE_FUTURES", price_increment="0.01", size_increment="0.001"
)
f = OrderFactory("MAP", id_prefix="m")
Q, P = Quantity("0.5"), Price("100.00")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def params(order: object) -> dict[str, str]:
    return dict(spot_order_params(order, "BTCUSDT"))  # type: ignore[arg-type]


def test_spot_order_parameters_for_every_type() -> None:
    o = f.limit(SPOT, BUY, Q, P, time_in_force=TimeInForce.IOC)
    assert spot_order_params(o, "BTCUSDT") == [
        ("symbol", "BTCUSDT"),
        ("type", "LIMIT"),
        ("side", "BUY"),
        ("newClientOrderId", o.client_order_id),
        ("quantity", "0.5"),
        ("price", "100.00"),
        ("timeInForce", "IOC"),
        ("newOrderRespType", "RESULT"),
    ]
    maker = params(f.limit(SPOT, SELL, Q, P, post_only=True, display_qty=Quantity("0.1")))
    assert maker["type"] == "LIMIT_MAKER" and "timeInForce" not in maker
    assert maker["icebergQty"] == "0.1"
    market = params(f.market(SPOT, BUY, Q))
    assert market["type"] == "MARKET" and "price" not in market and "timeInForce" not in market
    stop = params(f.stop_market(SPOT, SELL, Q, Price("95")))
    assert (stop["type"], stop["stopPrice"]) == ("STOP_LOSS", "95")
    stop_limit = params(f.stop_limit(SPOT, SELL, Q, Price("94"), Price("95")))
    assert stop_limit["type"] == "STOP_LOSS_LIMIT" and stop_limit["price"] == "94"
    assert stop_limit["stopPrice"] == "95" and stop_limit["timeInForce"] == "GTC"
    tp = params(f.market_if_touched(SPOT, SELL, Q, Price("105")))
    assert (tp["type"], tp["stopPrice"]) == ("TAKE_PROFIT", "105")
    tpl = params(f.limit_if_touched(SPOT, SELL, Q, Price("106"), Price("105")))
    assert (tpl["type"], tpl["price"], tpl["stopPrice"]) == ("TAKE_PROFIT_LIMIT", "106", "105")
    trail = params(
        f.trailing_stop_market(
            SPOT,
            SELL,
            Q,
            trailing_offset=Decimal(150),
            trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
            activation_price=Price("110"),
        )
    )
    assert (trail["type"], trail["trailingDelta"], trail["stopPrice"]) == (
        "STOP_LOSS",
        "150",
        "110",
    )


def test_futures_order_parameters() -> None:
    gtx = dict(futures_order_params(f.limit(PERP.id, BUY, Q, P, post_only=True), "BTCUSDT"))
    assert gtx["timeInForce"] == "GTX" and gtx["type"] == "LIMIT"
    gtd = dict(
        futures_order_params(
            f.limit(
                PERP.id,
                SELL,
                Q,
                P,
                time_in_force=TimeInForce.GTD,
                expire_time_ns=1_767_225_600_123_456_789,
                reduce_only=True,
            ),
            "BTCUSDT",
        )
    )
    assert gtd["timeInForce"] == "GTD" and gtd["goodTillDate"] == "1767225600123"
    assert gtd["reduceOnly"] == "true"
    assert "reduceOnly" not in dict(futures_order_params(f.market(PERP.id, BUY, Q), "BTCUSDT"))


def test_order_list_parameters() -> None:
    oco = f.oco(
        [
            f.limit(SPOT, SELL, Q, Price("110"), post_only=True),
            f.stop_market(SPOT, SELL, Q, Price("90")),
        ]
    )
    path, p = order_list_params(oco, "BTCUSDT")
    d = dict(p)
    assert path == "/api/v3/orderList/oco"
    assert (d["side"], d["quantity"], d["aboveType"], d["belowType"]) == (
        "SELL",
        "0.5",
        "LIMIT_MAKER",
        "STOP_LOSS",
    )
    assert d["abovePrice"] == "110" and d["belowStopPrice"] == "90"
    assert d["aboveClientOrderId"] == oco.orders[0].client_order_id
    buy_oco = f.oco(
        [
            f.limit(SPOT, BUY, Q, Price("90"), post_only=True),
            f.stop_limit(SPOT, BUY, Q, Price("111"), Price("110")),
        ]
    )
    d = dict(order_list_params(buy_oco, "BTCUSDT")[1])
    assert (d["aboveType"], d["belowType"]) == ("STOP_LOSS_LIMIT", "LIMIT_MAKER")
    assert d["aboveTimeInForce"] == "GTC"
    oto = f.oto(
        f.limit(SPOT, BUY, Q, P),
        [f.limit(SPOT, SELL, Q, Price("110"))],
        release=ReleasePolicy.ON_FULL_FILL,
    )
    path, p = order_list_params(oto, "BTCUSDT")
    d = dict(p)
    assert path == "/api/v3/orderList/oto"
    assert (d["workingType"], d["workingSide"], d["workingPrice"]) == ("LIMIT", "BUY", "100.00")
    assert (d["pendingType"], d["pendingSide"], d["pendingPrice"]) == ("LIMIT", "SELL", "110")
    otoco = f.oto(
        f.limit(SPOT, BUY, Q, P),
        [
            f.limit(SPOT, SELL, Q, Price("110"), post_only=True),
            f.stop_market(SPOT, SELL, Q, Price("90")),
        ],
        release=ReleasePolicy.ON_FULL_FILL,
        children_linked=ContingencyType.OCO,
    )
    path, p = order_list_params(otoco, "BTCUSDT")
    d = dict(p)
    assert path == "/api/v3/orderList/otoco"
    assert (d["pendingSide"], d["pendingAboveType"], d["pendingBelowType"]) == (
        "SELL",
        "LIMIT_MAKER",
        "STOP_LOSS",
    )


def test_capabilities_refuse_what_binance_refuses() -> None:
    caps = SPOT_CAPABILITIES
    assert caps.supports(f.limit(SPOT, BUY, Q, P, post_only=True)) is None
    assert "GTC LIMIT" in (caps.supports(f.stop_limit(SPOT, BUY, Q, P, P, post_only=True)) or "")
    trailing = f.trailing_stop_market(
        SPOT,
        SELL,
        Q,
        trailing_offset=Decimal(100),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        trigger_price=Price("99"),
    )
    assert "activation_price" in (caps.supports(trailing) or "")
    assert caps.supports(f.limit(SPOT, BUY, Q, P, time_in_force=TimeInForce.DAY)) is not None
    assert caps.supports(f.market(SPOT, BUY, Q, quote_quantity=True)) is not None
    assert FUTURES_CAPABILITIES.supports(f.stop_market(PERP.id, SELL, Q, Price("90"))) is not None
    assert FUTURES_CAPABILITIES.supports(f.limit(PERP.id, SELL, Q, P, reduce_only=True)) is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda: f.oco(
                [
                    f.limit(SPOT, SELL, Q, Price("110"), post_only=True),
                    f.stop_market(SPOT, BUY, Q, Price("90")),
                ]
            ),
            "one side",
        ),
        (
            lambda: f.oco(
                [
                    f.limit(SPOT, SELL, Q, Price("110"), post_only=True),
                    f.stop_market(SPOT, SELL, Quantity("1"), Price("90")),
                ]
            ),
            "one quantity",
        ),
        (
            lambda: f.oco(
                [f.limit(SPOT, SELL, Q, Price("110")), f.stop_market(SPOT, SELL, Q, Price("90"))]
            ),
            "post_only",
        ),
        (
            lambda: f.oco(
                [
                    f.limit(SPOT, SELL, Q, Price("110"), post_only=True),
                    f.limit(SPOT, SELL, Q, Price("111"), post_only=True),
                ]
            ),
            "pairs",
        ),
        (
            lambda: f.oto(
                f.market(SPOT, BUY, Q),
                [f.limit(SPOT, SELL, Q, P)],
                release=ReleasePolicy.ON_FULL_FILL,
            ),
            "LIMIT or LIMIT_MAKER",
        ),
        (
            lambda: f.oto(f.limit(SPOT, BUY, Q, P), [f.limit(SPOT, SELL, Q, Price("110"))]),
            "release_policy",
        ),
        (
            lambda: f.ouo(
                [f.limit(SPOT, SELL, Q, Price("110")), f.limit(SPOT, SELL, Q, Price("111"))]
            ),
            "OUO",
        ),
    ],
)
def test_list_shapes_binance_cannot_take_are_not_native(make: object, reason: str) -> None:
    found = SPOT_CAPABILITIES.supports_list(make())  # type: ignore[operator]
    assert found is not None and reason in found


def test_per_symbol_flags_narrow_the_capabilities() -> None:
    caps = msgspec.structs.replace(
        SPOT_CAPABILITIES,
        symbols={
            "BTCUSDT": SymbolFeatures(
                order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}), iceberg=False, oco=False
            )
        },
    )
    assert "STOP_MARKET is not enabled" in (
        caps.supports(f.stop_market(SPOT, SELL, Q, Price("90"))) or ""
    )
    assert "icebergs" in (
        caps.supports(f.limit(SPOT, SELL, Q, P, display_qty=Quantity("0.1"))) or ""
    )
    oco = f.oco(
        [
            f.limit(SPOT, SELL, Q, Price("110"), post_only=True),
            f.stop_market(SPOT, SELL, Q, Price("90")),
        ]
    )
    assert "not enabled" in (caps.supports_list(oco) or "")
    order = f.limit(SPOT, BUY, Q, P)
    assert "amending is not enabled" in (
        caps.supports_modify(order, quantity=Quantity("0.1")) or ""
    )


_REPORT = (
    b'{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY",'
    b'"o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000",'
    b'"g":-1,"C":"","x":"NEW","X":"NEW","r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000",'
    b'"L":"0.00000000","n":"0","N":null,"T":1499405658657,"t":-1,"I":8641984,"w":true,"m":false,'
    b'"M":false,"O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000",'
    b'"W":1499405658657,"V":"NONE"}'
)


def test_spot_execution_reports_become_events() -> None:
    ev = EventFactory(lambda: 1, id_prefix="E-")
    order = f.limit(
        ETH.id,
        BUY,
        Quantity("1"),
        Price("0.10264410"),
        client_order_id=ClientOrderId("mUvoqJxFIILMdfAW5iGSOW"),
    )
    new = msgspec.json.decode(_REPORT, type=ExecutionReport)
    (acc,) = spot_events(new, order, ev, "A-1", ETH)  # type: ignore[arg-type]
    assert isinstance(acc, OrderAccepted) and acc.venue_order_id == "4293153"
    assert acc.ts_event == 1499405658657 * 1_000_000
    trade = msgspec.structs.replace(
        new,
        execution_type="TRADE",
        order_status="PARTIALLY_FILLED",
        last_qty="0.40000000",
        last_price="0.10264410",
        trade_id=77,
        commission="0.00040000",
        commission_asset="ETH",
        is_maker=True,
    )
    (fill,) = spot_events(trade, order, ev, "A-1", ETH)  # type: ignore[arg-type]
    assert isinstance(fill, OrderFilled)
    assert (fill.trade_id, fill.last_qty, fill.last_px) == (
        "77",
        Quantity("0.4000"),
        Price("0.10264410"),
    )
    assert fill.liquidity_side is LiquiditySide.MAKER and str(fill.commission) == "0.00040000 ETH"
    ioc = f.limit(ETH.id, BUY, Quantity("1"), Price("0.1"), time_in_force=TimeInForce.IOC)
    expired = msgspec.structs.replace(new, execution_type="EXPIRED", order_status="EXPIRED")
    assert isinstance(spot_events(expired, ioc, ev, "A-1", ETH)[0], OrderCanceled)  # type: ignore[arg-type]
    replaced = msgspec.structs.replace(new, execution_type="REPLACED", quantity="0.50000000")
    (upd,) = spot_events(replaced, order, ev, "A-1", ETH)  # type: ignore[arg-type]
    assert isinstance(upd, OrderUpdated) and upd.quantity == Quantity("0.5")


def test_futures_order_trade_update_becomes_a_fill() -> None:
    raw = (
        b'{"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465651,"o":{"s":"BTCUSDT","c":"TEST",'
        b'"S":"BUY","o":"LIMIT","f":"GTC","q":"0.001","p":"7100.50","ap":"7100.50","sp":"0","x":"TRADE",'
        b'"X":"PARTIALLY_FILLED","i":8886774,"l":"0.001","z":"0.001","L":"7100.50","N":"USDT","n":"0.01000000",'
        b'"T":1568879465651,"t":12345678,"b":"0","a":"0","m":true,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT",'
        b'"ps":"LONG","cp":false,"AP":"0","cr":"0","pP":false,"si":0,"ss":0,"rp":"12.34","V":"EXPIRE_TAKER"}}'
    )
    msg = msgspec.json.decode(raw, type=OrderTradeUpdate)
    order = f.limit(
        PERP.id, BUY, Quantity("0.002"), Price("7100.50"), client_order_id=ClientOrderId("TEST")
    )
    ev = EventFactory(lambda: 1, id_prefix="E-")
    (fill,) = futures_events(msg.order, order, ev, "A-1", PERP, msg.order.trade_time)  # type: ignore[arg-type]
    assert isinstance(fill, OrderFilled) and fill.trade_id == "12345678"
    assert fill.last_qty == Quantity("0.001") and str(fill.commission) == "0.01000000 USDT"


def test_rest_orders_become_status_reports() -> None:
    raw = (
        b'{"symbol":"ETHBTC","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP",'
        b'"price":"0.10000000","origQty":"10.00000000","executedQty":"4.00000000",'
        b'"cummulativeQuoteQty":"0.40000000","status":"PARTIALLY_FILLED","timeInForce":"GTC",'
        b'"type":"LIMIT_MAKER","side":"SELL","stopPrice":"0.00000000","icebergQty":"0.00000000",'
        b'"time":1507725176595,"updateTime":1507725176600,"isWorking":true}'
    )
    o = msgspec.json.decode(raw, type=OrderResponse)
    r = spot_order_report(o, ETH, "A-1", 5)  # type: ignore[arg-type]
    assert r.status is OrderStatus.PARTIALLY_FILLED and r.is_open and r.post_only
    assert (
        r.quantity == Quantity("10")
        and r.filled_qty == Quantity("4")
        and r.avg_px == Decimal("0.1")
    )
    assert r.client_order_id == "6gCrw2kRUAF9CvJDGP16IP" and r.venue_order_id == "28"
    web = msgspec.structs.replace(o, client_order_id="web_$odd id", status="EXPIRED")
    r2 = spot_order_report(web, ETH, "A-1", 5)  # type: ignore[arg-type]
    assert r2.client_order_id is None and r2.status is OrderStatus.CANCELED
