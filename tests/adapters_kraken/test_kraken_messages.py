"""Kraken message decoding: every recorded v1 frame and the AssetPairs body, the documented
v2 shapes, exact decimals, timestamps, tolerance of unknown fields and typed errors."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from lyra.adapters.kraken.messages import (
    AddOrderResult,
    AssetPairData,
    BalanceEx,
    BookMessage,
    CancelOrderResult,
    ExecutionsMessage,
    Heartbeat,
    InstrumentMessage,
    MethodResponse,
    OpenOrdersResult,
    OtherChannel,
    Pong,
    StatusMessage,
    TickerMessage,
    TradesHistoryResult,
    TradesMessage,
    V1BookMessage,
    V1Event,
    WebSocketsToken,
    decode_rest,
    decode_ws,
    decode_ws_v1,
    parse_timestamp,
)
from lyra.errors import InvalidInput

from .recorded import asset_pairs, asset_pairs_body, ws_frames


def test_every_recorded_frame_decodes() -> None:
    decoded = [decode_ws_v1(f) for f in ws_frames()]
    kinds = Counter((type(m).__name__, getattr(m, "snapshot", None)) for m in decoded)
    assert kinds == {
        ("V1BookMessage", False): 4269,
        ("V1BookMessage", True): 10,
        ("V1Event", None): 42,
    }
    events = Counter(m.event for m in decoded if isinstance(m, V1Event))
    assert events == {"heartbeat": 31, "subscriptionStatus": 10, "systemStatus": 1}
    books = [m for m in decoded if isinstance(m, V1BookMessage)]
    assert sum(m.checksum is not None for m in books) == 4269
    # levels keep their exact strings and order; a frame with both sides merges them
    raw = [json.loads(f) for f in ws_frames()]
    both = next(i for i, r in enumerate(raw) if isinstance(r, list) and len(r) == 5)
    msg = decoded[both]
    assert isinstance(msg, V1BookMessage)
    assert msg.asks == raw[both][1]["a"] and msg.bids == raw[both][2]["b"]
    assert msg.checksum == int(raw[both][2]["c"]) and msg.pair == "SC/EUR"


def test_the_recorded_asset_pairs_decode() -> None:
    response = decode_rest(asset_pairs_body(), dict[str, AssetPairData])
    assert response.ok and response.result is not None and len(response.result) == 304
    btc = asset_pairs()["XXBTZUSD"]
    assert (btc.altname, btc.wsname, btc.base, btc.quote) == ("XBTUSD", "XBT/USD", "XXBT", "ZUSD")
    assert (btc.pair_decimals, btc.lot_decimals, btc.ordermin) == (1, 8, "0.0002")
    assert btc.fees[0] == (Decimal("0"), Decimal("0.26"))  # floats on the wire, exact here
    assert sum(1 for p in asset_pairs().values() if not p.wsname) == 11


BOOK = (
    '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,'
    '"qty":0.10000000}],"asks":[{"price":45285.2,"qty":0.00100000}],"checksum":3310070434,'
    '"timestamp":"2023-10-06T17:35:55.440295Z","extra":1}],"more":true}'
)


def test_v2_book_keeps_exact_decimals() -> None:
    msg = decode_ws(BOOK)
    assert isinstance(msg, BookMessage) and msg.type == "snapshot"
    (data,) = msg.data
    assert data.bids[0].qty == Decimal("0.10000000") and str(data.bids[0].qty) == "0.10000000"
    assert data.asks[0].price == Decimal("45285.2") and data.checksum == 3310070434


@pytest.mark.parametrize(
    ("frame", "kind", "check"),
    [
        (
            '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":'
            '105944.20,"qty":0.00027625,"ord_type":"limit","trade_id":10218208,"timestamp":'
            '"2023-10-06T17:35:55.440295Z"}]}',
            TradesMessage,
            lambda m: m.data[0].price == Decimal("105944.20") and m.data[0].trade_id == 10218208,
        ),
        (
            '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":1.5,"bid_qty":2,'
            '"ask":1.6,"ask_qty":3,"last":1.55,"volume":10,"vwap":1.5,"low":1,"high":2,"change":0.1,'
            '"change_pct":1.2}]}',
            TickerMessage,
            lambda m: m.data[0].bid == Decimal("1.5") and m.data[0].ask_qty == 3,
        ),
        ('{"channel":"heartbeat"}', Heartbeat, lambda m: True),
        (
            '{"channel":"status","type":"update","data":[{"system":"online","api_version":"v2",'
            '"connection_id":123,"version":"2.0.0"}]}',
            StatusMessage,
            lambda m: m.data[0].system == "online",
        ),
        (
            '{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC","status":'
            '"enabled","precision":10,"precision_display":5,"borrowable":true}],"pairs":[{"symbol":'
            '"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,'
            '"qty_increment":0.00000001,"price_precision":1,"price_increment":0.1,"cost_precision":5,'
            '"cost_min":0.5,"qty_min":0.0001,"marginable":true,"has_index":true}]}}',
            InstrumentMessage,
            lambda m: (
                m.data.pairs[0].price_precision == 1
                and m.data.pairs[0].qty_min == Decimal("0.0001")
            ),
        ),
        (
            '{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5",'
            '"order_userref":3,"exec_id":"TGBB7L-HT5LX-J3BZ4A","exec_type":"trade","trade_id":62887576,'
            '"symbol":"BTC/USD","side":"sell","last_qty":0.005,"last_price":26599.9,"liquidity_ind":"t",'
            '"cost":132.9995,"order_type":"limit","timestamp":"2023-09-22T10:33:05.709993Z",'
            '"order_status":"partially_filled","cum_qty":0.005,"cum_cost":132.9995,"avg_price":26599.9,'
            '"fee_usd_equiv":0.3458,"fees":[{"asset":"USD","qty":0.3458}]}],"sequence":2}',
            ExecutionsMessage,
            lambda m: m.sequence == 2 and m.data[0].fees[0].qty == Decimal("0.3458"),
        ),
        (
            '{"method":"add_order","req_id":42,"result":{"order_id":"OXXXXX-XXXXX-XXXXXX","cl_ord_id":'
            '"abc"},"success":true,"time_in":"a","time_out":"b"}',
            MethodResponse,
            lambda m: m.success and m.result.order_id == "OXXXXX-XXXXX-XXXXXX" and m.req_id == 42,
        ),
        (
            '{"method":"add_order","req_id":7,"success":false,"error":"EOrder:Insufficient funds"}',
            MethodResponse,
            lambda m: not m.success and m.error == "EOrder:Insufficient funds" and m.result is None,
        ),
        (
            '{"method":"subscribe","result":{"channel":"book","symbol":"BTC/USD","depth":10,'
            '"snapshot":true},"success":true,"req_id":1}',
            MethodResponse,
            lambda m: m.result.depth == 10 and m.result.channel == "book",
        ),
        (
            '{"method":"pong","req_id":101,"time_in":"x","time_out":"y"}',
            Pong,
            lambda m: m.req_id == 101,
        ),
        (
            '{"channel":"ohlc","type":"update","data":[{"symbol":"BTC/USD","open":1}]}',
            OtherChannel,
            lambda m: m.channel == "ohlc" and json.loads(m.data)[0]["open"] == 1,
        ),
    ],
)
def test_v2_messages(frame: str, kind: type, check: object) -> None:
    msg = decode_ws(frame)
    assert type(msg) is kind
    assert check(msg)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("frame", "field", "rule_part"),
    [
        ("not json", "Kraken websocket message", "malformed"),
        ('{"foo":1}', "Kraken websocket message", "'channel' or a 'method'"),
        (
            '{"channel":"book","type":"update","data":[{"symbol":"X","bids":[{"price":1,"qty":"abc"}]}]}',
            "Kraken book message data",
            "$[0].bids[0].qty",
        ),
        (
            '{"channel":"executions","type":"update","data":[{"exec_type":"new"}]}',
            "Kraken executions message data",
            "order_id",
        ),
    ],
)
def test_malformed_v2_frames_name_what_is_wrong(frame: str, field: str, rule_part: str) -> None:
    with pytest.raises(InvalidInput) as info:
        decode_ws(frame)
    assert info.value.field == field and rule_part in info.value.rule


@pytest.mark.parametrize(
    "frame",
    [
        '[1,{"a":[["1","2","3"]],"c":"x"},"book-10","XBT/USD"]',
        '[1,"x","book-10","XBT/USD"]',
        '[1,{"a":[]},"trade","XBT/USD"]',
        "[1,2]",
        "{}",
        "bad",
    ],
)
def test_malformed_v1_frames(frame: str) -> None:
    with pytest.raises(InvalidInput):
        decode_ws_v1(frame)


def test_rest_results() -> None:
    add = decode_rest(
        '{"error":[],"result":{"descr":{"order":"buy 1.25 XBTUSD @ limit 37500"},'
        '"txid":["OUF4EM-FRGI2-MQMWZD"]}}',
        AddOrderResult,
    )
    assert add.ok and add.result.txid == ["OUF4EM-FRGI2-MQMWZD"]
    failed = decode_rest('{"error":["EOrder:Insufficient funds"],"result":{}}', AddOrderResult)
    assert not failed.ok and failed.error == ["EOrder:Insufficient funds"]
    assert decode_rest('{"error":[],"result":{"count":1}}', CancelOrderResult).result.count == 1
    opened = decode_rest(
        '{"error":[],"result":{"open":{"OQCLML-BW3P3-BUCMWZ":{"refid":null,"userref":0,"status":"open",'
        '"opentm":1688666559.8974,"starttm":0,"expiretm":0,"descr":{"pair":"XBTUSD","type":"buy",'
        '"ordertype":"limit","price":"30010.0","price2":"0","leverage":"none","order":"x","close":""},'
        '"vol":"1.25000000","vol_exec":"0.37500000","cost":"11253.7","fee":"0.00000","price":"30010.0",'
        '"stopprice":"0.00000","limitprice":"0.00000","misc":"","oflags":"fciq","trades":["T1"]}}}}',
        OpenOrdersResult,
    )
    order = opened.result.open["OQCLML-BW3P3-BUCMWZ"]
    assert order.vol_exec == "0.37500000" and order.descr.pair == "XBTUSD"
    trades = decode_rest(
        '{"error":[],"result":{"trades":{"THVRQM-33VKH-UCI7BS":{"ordertxid":"OQCLML-BW3P3-BUCMWZ",'
        '"postxid":"TKH2SE-M7IF5-CFI7LT","pair":"XXBTZUSD","time":1688667796.8802,"type":"buy",'
        '"ordertype":"limit","price":"30010.00000","cost":"600.20000","fee":"0.00000","vol":'
        '"0.02000000","margin":"0.00000","misc":"","trade_id":93748276,"maker":true}},"count":1}}',
        TradesHistoryResult,
    )
    fill = trades.result.trades["THVRQM-33VKH-UCI7BS"]
    assert fill.time == Decimal("1688667796.8802") and fill.maker is True
    balances = decode_rest(
        '{"error":[],"result":{"XXBT":{"balance":"1.5","hold_trade":"0.5"}}}', dict[str, BalanceEx]
    )
    assert balances.result["XXBT"].hold_trade == "0.5"
    plain = decode_rest('{"error":[],"result":{"ZUSD":"100.0"}}', dict[str, str])
    assert plain.result == {"ZUSD": "100.0"}
    token = decode_rest(
        '{"error":[],"result":{"token":"1Dwc4lzSwN","expires":900}}', WebSocketsToken
    )
    assert token.result.token == "1Dwc4lzSwN"
    with pytest.raises(InvalidInput, match="WebSocketsToken"):
        decode_rest('{"error":[],"result":{"expires":900}}', WebSocketsToken)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2023-10-06T17:35:55.440295Z", 1696613755440295000),
        ("2023-10-06T17:35:55Z", 1696613755000000000),
        ("2023-10-06T17:35:55.1Z", 1696613755100000000),
        ("2023-10-06T17:35:55.123456789Z", 1696613755123456789),
        ("1970-01-01T00:00:00.000000Z", 0),
        ("", 0),
    ],
)
def test_timestamps_are_exact(text: str, ns: int) -> None:
    assert parse_timestamp(text) == ns


@pytest.mark.parametrize(
    "bad",
    [
        "2023-10-06 17:35",
        "2023-10-06T17:35:55.1234567891Z",
        "2023-10-06T17:35:55+01:00",
        "yesterday",
    ],
)
def test_bad_timestamps(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_timestamp(bad)


def test_subscribe_requests() -> None:
    from lyra.adapters.kraken.messages import subscribe_request

    assert subscribe_request("book", ["BTC/USD"], depth=10, req_id=1) == {
        "method": "subscribe",
        "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 10, "snapshot": True},
        "req_id": 1,
    }
    assert subscribe_request("executions", token="T", snapshot=False) == {
        "method": "subscribe",
        "params": {"channel": "executions", "snapshot": False, "token": "T"},
    }
    assert subscribe_request("trade", ["BTC/USD"], unsubscribe=True)["method"] == "unsubscribe"
    with pytest.raises(InvalidInput):
        subscribe_request("book", ["BTC/USD"], depth=7)
    with pytest.raises(InvalidInput):
        subscribe_request("")
