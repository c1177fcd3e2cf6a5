"""OKX message decoding: every recorded frame and REST body, the documented shapes of the
channels the capture lacks, tolerance of unknown fields, and typed errors."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from lyra.adapters.okx.messages import (
    AlgoOrdersMessage,
    BalanceData,
    BookMessage,
    ErrorEvent,
    FillData,
    InstrumentData,
    LoginEvent,
    NoticeEvent,
    OpResponse,
    OrderAck,
    OrderData,
    OrdersMessage,
    OtherPush,
    Pong,
    PositionData,
    SubscribeEvent,
    TickersMessage,
    TradesMessage,
    decode_rest,
    decode_ws,
)
from lyra.errors import InvalidInput

from .recorded import rest_bodies, ws_frames


def test_every_recorded_frame_decodes() -> None:
    kinds = Counter(type(decode_ws(frame)).__name__ for frame in ws_frames())
    # counted independently with the standard library
    expected: Counter[str] = Counter()
    for frame in ws_frames():
        msg = json.loads(frame)
        if "event" in msg:
            expected["SubscribeEvent"] += 1
        else:
            channel = msg["arg"]["channel"]
            expected[
                {"books": "BookMessage", "trades": "TradesMessage"}.get(channel, "TickersMessage")
            ] += 1
    assert kinds == expected
    assert kinds == {
        "BookMessage": 290,
        "TradesMessage": 74,
        "TickersMessage": 28,
        "SubscribeEvent": 18,
    }


def test_recorded_frames_keep_their_values() -> None:
    books = [m for m in map(decode_ws, ws_frames()) if isinstance(m, BookMessage)]
    assert sum(m.action == "snapshot" for m in books) == 3
    first = books[0]
    raw = json.loads(next(f for f in ws_frames() if '"books"' in f and "action" in f))
    assert first.arg.inst_id == raw["arg"]["instId"]
    assert first.data[0].asks == raw["data"][0]["asks"]  # the exact strings, "30316" included
    assert first.data[0].checksum == raw["data"][0]["checksum"]
    assert first.data[0].seq_id is None  # the capture predates seqId
    trade = next(m for m in map(decode_ws, ws_frames()) if isinstance(m, TradesMessage))
    assert trade.data[0].side in ("buy", "sell") and trade.data[0].trade_id
    ticker = next(m for m in map(decode_ws, ws_frames()) if isinstance(m, TickersMessage))
    assert ticker.data[0].bid_px and ticker.data[0].ask_px


def test_every_recorded_rest_body_decodes() -> None:
    counts: Counter[str] = Counter()
    for url, body in rest_bodies():
        response = decode_rest(body, InstrumentData)
        assert response.ok and response.code == "0"
        kind = url.split("instType=")[1].split("&")[0]
        counts[kind] += len(response.data)
        assert all(i.inst_type == kind for i in response.data)
    assert counts == {"SPOT": 513 * 5, "SWAP": 166 * 5, "FUTURES": 104 * 5, "OPTION": 696 * 5}


def test_a_current_books_message_with_sequence_numbers() -> None:
    msg = decode_ws(
        '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":'
        '[["8476.98","0","0","0"]],"bids":[],"ts":"1597026383185","checksum":0,"prevSeqId":'
        '123456,"seqId":123457,"newField":{"x":1}}],"extra":true}'
    )
    assert isinstance(msg, BookMessage)
    assert msg.action == "update"
    (data,) = msg.data
    assert (data.prev_seq_id, data.seq_id, data.checksum) == (123456, 123457, 0)
    assert data.asks == [["8476.98", "0", "0", "0"]] and data.bids == []


def test_bbo_and_books5_are_book_messages_without_action() -> None:
    msg = decode_ws(
        '{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["8476.98","415",'
        '"0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","seqId":363996337}]}'
    )
    assert isinstance(msg, BookMessage) and msg.action == "" and msg.data[0].seq_id == 363996337


ORDERS_PUSH = (
    '{"arg":{"channel":"orders","instType":"SPOT","instId":"BTC-USDT","uid":"614488474791936"},'
    '"data":[{"instType":"SPOT","instId":"BTC-USDT","ordId":"452197707845865472","clOrdId":"",'
    '"tag":"","px":"31527.1","sz":"0.001","ordType":"limit","side":"sell","posSide":"",'
    '"tdMode":"cash","state":"filled","accFillSz":"0.001","avgPx":"31527.1","fillPx":"31527.1",'
    '"fillSz":"0.001","fillTime":"1654084353263","tradeId":"242589207","execType":"M",'
    '"fillFee":"-0.02522168","fillFeeCcy":"USDT","fee":"-0.02522168","feeCcy":"USDT",'
    '"rebate":"0","rebateCcy":"BTC","pnl":"0","reduceOnly":"false","cancelSource":"",'
    '"amendResult":"","reqId":"","code":"0","msg":"","cTime":"1654084334977",'
    '"uTime":"1654084353264"}]}'
)


def test_orders_push() -> None:
    msg = decode_ws(ORDERS_PUSH)
    assert isinstance(msg, OrdersMessage)
    (order,) = msg.data
    assert (order.ord_id, order.state, order.fill_fee, order.exec_type) == (
        "452197707845865472",
        "filled",
        "-0.02522168",
        "M",
    )
    assert msg.arg.uid == "614488474791936"


def test_algo_orders_push() -> None:
    msg = decode_ws(
        '{"arg":{"channel":"orders-algo","instType":"ANY"},"data":[{"instId":"BTC-USDT",'
        '"algoId":"7","algoClOrdId":"abc","state":"effective","side":"sell","ordType":"trigger",'
        '"sz":"1","triggerPx":"50000","triggerPxType":"last","ordPx":"-1","ordId":"99",'
        '"uTime":"1"}]}'
    )
    assert isinstance(msg, AlgoOrdersMessage)
    assert (msg.data[0].algo_id, msg.data[0].ord_id, msg.data[0].state) == ("7", "99", "effective")


@pytest.mark.parametrize(
    ("frame", "kind", "check"),
    [
        (
            '{"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4"}',
            SubscribeEvent,
            lambda m: m.arg.inst_id == "BTC-USDT" and m.id == "1512" and m.conn_id == "a4",
        ),
        (
            '{"event":"unsubscribe","arg":{"channel":"books","instId":"BTC-USDT"}}',
            SubscribeEvent,
            lambda m: m.event == "unsubscribe",
        ),
        (
            '{"event":"login","code":"0","msg":"","connId":"a4d3ae55"}',
            LoginEvent,
            lambda m: m.code == "0" and m.conn_id == "a4d3ae55",
        ),
        (
            '{"event":"error","code":"60009","msg":"Login failed.","connId":"x"}',
            ErrorEvent,
            lambda m: m.code == "60009" and m.msg == "Login failed.",
        ),
        (
            '{"event":"error","code":60012,"msg":"Invalid request"}',
            ErrorEvent,
            lambda m: m.code == "60012",
        ),
        (
            '{"event":"notice","code":"64008","msg":"The connection will soon be closed"}',
            NoticeEvent,
            lambda m: m.code == "64008",
        ),
        (
            '{"event":"channel-conn-count","channel":"orders","connCount":"2","connId":"abc"}',
            NoticeEvent,
            lambda m: m.conn_count == "2" and m.channel == "orders",
        ),
        ("pong", Pong, lambda m: True),
        (b"pong", Pong, lambda m: True),
        (
            '{"id":"1512","op":"order","data":[{"clOrdId":"","ordId":"12345689","tag":"","ts":'
            '"1695190491421","sCode":"0","sMsg":""}],"code":"0","msg":"","inTime":"1","outTime":"2"}',
            OpResponse,
            lambda m: m.op == "order" and m.data[0].ord_id == "12345689" and m.in_time == "1",
        ),
        (
            '{"id":"1513","op":"cancel-order","data":[{"ordId":"1","sCode":"51400","sMsg":'
            '"Cancellation failed"}],"code":"1","msg":""}',
            OpResponse,
            lambda m: m.code == "1" and m.data[0].s_code == "51400",
        ),
        (
            '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1597026383085","8533"]]}',
            OtherPush,
            lambda m: m.arg.channel == "candle1m" and json.loads(m.data)[0][1] == "8533",
        ),
    ],
)
def test_events_and_replies(frame: str | bytes, kind: type, check: object) -> None:
    msg = decode_ws(frame)
    assert type(msg) is kind
    assert check(msg)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("frame", "field", "rule_part"),
    [
        ("{not json", "OKX websocket message", "malformed"),
        ('{"arg":{"channel":"books"}}', "OKX websocket message", "'data'"),
        (
            '{"arg":{"channel":"books","instId":"X"},"data":[{"asks":[[1]]}]}',
            "OKX books push data",
            "$[0].asks[0][0]",
        ),
        (
            '{"arg":{"channel":"orders"},"data":[{"instId":"X"}]}',
            "OKX orders push data",
            "ordId",
        ),
        ('{"op":"order","code":"0","data":[{"sCode":5}]}', "OKX order reply data", "sCode"),
        ('{"event":"login","arg":5}', "OKX websocket message", "$.arg"),
    ],
)
def test_malformed_frames_name_what_is_wrong(frame: str, field: str, rule_part: str) -> None:
    with pytest.raises(InvalidInput) as info:
        decode_ws(frame)
    assert info.value.field == field
    assert rule_part in info.value.rule
    assert info.value.value == frame


def test_rest_items_of_each_kind() -> None:
    ack = decode_rest(
        '{"code":"1","msg":"All operations failed","data":[{"clOrdId":"a1","ordId":"","sCode":'
        '"51008","sMsg":"Order failed. Insufficient USDT balance in account."}]}',
        OrderAck,
    )
    assert not ack.ok and ack.data[0].s_code == "51008"
    pending = decode_rest(
        '{"code":"0","data":[' + json.dumps(json.loads(ORDERS_PUSH)["data"][0]) + "]}", OrderData
    )
    assert pending.data[0].trade_id == "242589207"
    fills = decode_rest(
        '{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","tradeId":"123",'
        '"ordId":"456","clOrdId":"c1","billId":"1","fillPx":"30000","fillSz":"0.01","side":"buy",'
        '"execType":"T","fee":"-0.3","feeCcy":"USDT","ts":"1700000000000"}]}',
        FillData,
    )
    assert fills.data[0].fee == "-0.3"
    balance = decode_rest(
        '{"code":"0","data":[{"totalEq":"100","uTime":"5","details":[{"ccy":"USDT",'
        '"availBal":"90","frozenBal":"10","eq":"100","cashBal":"100","uTime":"5"}]}]}',
        BalanceData,
    )
    assert balance.data[0].details[0].frozen_bal == "10"
    positions = decode_rest(
        '{"code":"0","data":[{"instId":"BTC-USDT-SWAP","pos":"-3","posSide":"net","avgPx":'
        '"30000","uTime":"7"}]}',
        PositionData,
    )
    assert positions.data[0].pos == "-3"
    with pytest.raises(InvalidInput) as info:
        decode_rest('{"code":"0","data":[{"instId":1}]}', PositionData)
    assert info.value.field == "OKX REST PositionData response"


def test_subscribe_requests() -> None:
    from lyra.adapters.okx.messages import subscribe_request

    args = [{"channel": "books", "instId": "BTC-USDT"}]
    assert subscribe_request(args, request_id="1512") == {
        "op": "subscribe",
        "args": args,
        "id": "1512",
    }
    assert subscribe_request(args, unsubscribe=True) == {"op": "unsubscribe", "args": args}
    with pytest.raises(InvalidInput):
        subscribe_request([])
    with pytest.raises(InvalidInput):
        subscribe_request(args, request_id="not-alnum")
