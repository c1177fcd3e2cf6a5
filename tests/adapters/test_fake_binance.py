"""FakeBinance speaks Binance's protocol: signature and timestamp checks with Binance's
codes, filters, rate limits, the stream subscription protocol and routes, the websocket
API, listen keys, Ed25519 keys -- exercised with raw HTTP and websocket clients, so what
is checked is the server, not the adapter."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import anyio
import pytest
import websockets.asyncio.client as wsc
import yarl

from lyra.adapters.binance.signing import encode_params, hmac_signature, sign_ws_params
from lyra.adapters.secrets import Credentials
from lyra.testing.binance import FakeBinance

KEY, SECRET = "fake-key", "fake-secret"


def signed(params: list[tuple[str, str]], secret: str = SECRET, *, ts: int | None = None) -> str:
    full = [*params, ("timestamp", str(ts if ts is not None else int(time.time() * 1000)))]
    query = encode_params(full)
    return f"{query}&signature={hmac_signature(secret, query)}"


async def call(
    fake: FakeBinance,
    method: str,
    path: str,
    query: str = "",
    *,
    key: str | None = KEY,
    body: str | None = None,
) -> tuple[int, Any, dict[str, str]]:
    headers = {} if key is None else {"X-MBX-APIKEY": key}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    async with aiohttp.ClientSession() as session:
        url = yarl.URL(f"{fake.http_url}{path}" + (f"?{query}" if query else ""), encoded=True)
        async with session.request(method, url, headers=headers, data=body) as resp:
            return resp.status, await resp.json(content_type=None), dict(resp.headers)


ORDER = [
    ("symbol", "BTCUSDT"),
    ("side", "BUY"),
    ("type", "LIMIT"),
    ("timeInForce", "GTC"),
    ("quantity", "0.1"),
    ("price", "90.00"),
]


@pytest.fixture
async def spot(fake: FakeBinance) -> FakeBinance:
    fake.add_account(KEY, SECRET)
    fake.set_book("BTCUSDT.BINANCE", [("99.00", "1")], [("101.00", "1")])
    return fake


@pytest.mark.anyio
async def test_signed_requests_are_checked_as_binance_does(spot: FakeBinance) -> None:
    status, body, _ = await call(spot, "POST", "/api/v3/order", signed(ORDER))
    assert status == 200 and body["status"] == "NEW" and body["symbol"] == "BTCUSDT"
    # the same request signed with another secret
    status, body, _ = await call(spot, "POST", "/api/v3/order", signed(ORDER, "wrong"))
    assert (status, body["code"]) == (400, -1022)
    # signature over the query string followed by the body, signature in the body
    query = encode_params(ORDER[:3])
    rest = encode_params([*ORDER[3:], ("timestamp", str(int(time.time() * 1000)))])
    sig = hmac_signature(SECRET, query + rest)
    status, body, _ = await call(
        spot, "POST", "/api/v3/order", query, body=f"{rest}&signature={sig}"
    )
    assert status == 200, body
    # no key, an unknown key, no signature, an old or future timestamp, a huge recvWindow
    assert (await call(spot, "POST", "/api/v3/order", signed(ORDER), key=None))[1]["code"] == -2014
    status, body, _ = await call(spot, "POST", "/api/v3/order", signed(ORDER), key="nobody")
    assert (status, body["code"]) == (401, -2015)
    assert (await call(spot, "POST", "/api/v3/order", encode_params(ORDER)))[1]["code"] == -1102
    old = signed(ORDER, ts=int(time.time() * 1000) - 60_000)
    assert (await call(spot, "POST", "/api/v3/order", old))[1]["code"] == -1021
    ahead = signed(ORDER, ts=int(time.time() * 1000) + 5_000)
    body = (await call(spot, "POST", "/api/v3/order", ahead))[1]
    assert body["code"] == -1021 and "ahead" in body["msg"]
    wide = signed([*ORDER, ("recvWindow", "70000")])
    assert (await call(spot, "POST", "/api/v3/order", wide))[1]["code"] == -1131


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("change", "code", "msg"),
    [
        ({"price": "90.001"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"quantity": "0.100000001"}, -1111, "Parameter 'quantity' has too much precision."),
        ({"quantity": "0.100001"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.000011"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.01"}, -1013, "Filter failure: NOTIONAL"),
        ({"symbol": "NOPE"}, -1121, "Invalid symbol."),
        ({"side": "UP"}, -1117, "Invalid side."),
        ({"type": "FANCY"}, -1116, "Invalid orderType."),
        ({"timeInForce": "DAY"}, -1115, "Invalid timeInForce."),
        (
            {"price": ""},
            -1102,
            "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
        ),
        ({"newClientOrderId": "bad id!"}, -1100, None),
    ],
)
async def test_filters_and_parameters(
    spot: FakeBinance, change: dict[str, str], code: int, msg: str | None
) -> None:
    params = dict(ORDER)
    params.update(change)
    status, body, _ = await call(spot, "POST", "/api/v3/order", signed(list(params.items())))
    assert status == 400 and body["code"] == code
    if msg is not None:
        assert body["msg"] == msg


@pytest.mark.anyio
async def test_order_rejections_and_queries(spot: FakeBinance) -> None:
    maker = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT_MAKER"),
        ("quantity", "0.1"),
        ("price", "101.00"),
    ]
    body = (await call(spot, "POST", "/api/v3/order", signed(maker)))[1]
    assert body == {"code": -2010, "msg": "Order would immediately match and take."}
    big = [
        ("symbol", "BTCUSDT"),
        ("side", "SELL"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "200"),
        ("price", "110.00"),
    ]
    body = (await call(spot, "POST", "/api/v3/order", signed(big)))[1]
    assert body["code"] == -2010 and "insufficient balance" in body["msg"]
    placed = (
        await call(spot, "POST", "/api/v3/order", signed([*ORDER, ("newClientOrderId", "mine-1")]))
    )[1]
    dup = (
        await call(spot, "POST", "/api/v3/order", signed([*ORDER, ("newClientOrderId", "mine-1")]))
    )[1]
    assert dup == {"code": -2010, "msg": "Duplicate order sent."}
    got = (
        await call(
            spot,
            "GET",
            "/api/v3/order",
            signed([("symbol", "BTCUSDT"), ("origClientOrderId", "mine-1")]),
        )
    )[1]
    assert got["orderId"] == placed["orderId"] and got["isWorking"] is True
    missing = await call(
        spot, "GET", "/api/v3/order", signed([("symbol", "BTCUSDT"), ("orderId", "1")])
    )
    assert missing[1]["code"] == -2013
    cancel = await call(
        spot,
        "DELETE",
        "/api/v3/order",
        signed([("symbol", "BTCUSDT"), ("origClientOrderId", "mine-1")]),
    )
    assert cancel[1]["status"] == "CANCELED" and cancel[1]["origClientOrderId"] == "mine-1"
    again = await call(
        spot,
        "DELETE",
        "/api/v3/order",
        signed([("symbol", "BTCUSDT"), ("origClientOrderId", "mine-1")]),
    )
    assert again[1] == {"code": -2011, "msg": "Unknown order sent."}


@pytest.mark.anyio
async def test_request_weight_is_limited_with_429_and_retry_after(fake: FakeBinance) -> None:
    limited = FakeBinance(request_weight_per_minute=12)
    async with limited:
        statuses = []
        for _ in range(4):
            status, body, headers = await call(
                limited, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=10", key=None
            )
            statuses.append(status)
        assert statuses == [200, 200, 429, 429]
        assert body["code"] == -1003 and int(headers["Retry-After"]) >= 1
        assert headers["X-MBX-USED-WEIGHT-1M"] == "10"


@pytest.mark.anyio
async def test_new_orders_are_limited_per_account() -> None:
    async with FakeBinance(orders_per_10s=2) as fake:
        fake.add_account(KEY, SECRET)
        codes = [
            (await call(fake, "POST", "/api/v3/order", signed(ORDER)))[1].get("code")
            for _ in range(3)
        ]
        assert codes == [None, None, -1015]


async def recv_json(ws: Any) -> Any:
    with anyio.fail_after(5):
        return json.loads(await ws.recv())


@pytest.mark.anyio
async def test_stream_subscriptions_and_futures_routes(fake: FakeBinance) -> None:
    async with await wsc.connect(f"{fake.ws_url}/stream") as ws:
        await ws.send(
            json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 7})
        )
        assert await recv_json(ws) == {"result": None, "id": 7}
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["nope@depth"], "id": 8}))
        assert (await recv_json(ws))["error"]["code"] == 2
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 9}))
        assert await recv_json(ws) == {"result": ["btcusdt@depth@100ms"], "id": 9}
        fake.set_book("BTCUSDT.BINANCE", [("99.00", "1")], [])
        msg = await recv_json(ws)
        assert msg["stream"] == "btcusdt@depth@100ms"
        data = msg["data"]
        assert data["e"] == "depthUpdate" and data["b"] == [["99.00", "1.00000"]]
        assert data["u"] - data["U"] == 0 and "pu" not in data
        # a book change is one update, whatever it touches, and ids continue
        fake.set_book("BTCUSDT.BINANCE", [("99.50", "2")], [("101.00", "1")])
        nxt = (await recv_json(ws))["data"]
        assert nxt["U"] == data["u"] + 1 and nxt["u"] == nxt["U"] + 2
        assert sorted(nxt["b"]) == [["99.00", "0.00000"], ["99.50", "2.00000"]]
        assert nxt["a"] == [["101.00", "1.00000"]]
        with anyio.move_on_after(0.1) as scope:
            await ws.recv()
        assert scope.cancelled_caught, "one change must be one message"
    async with await wsc.connect(f"{fake.ws_url}/market/stream") as ws:
        # book data lives on the /public route since 2026-04: refused on /market
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth"], "id": 1}))
        assert (await recv_json(ws))["error"]["code"] == 2
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 2}))
        assert await recv_json(ws) == {"result": None, "id": 2}
    async with await wsc.connect(f"{fake.ws_url}/public/stream") as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth"], "id": 1}))
        assert await recv_json(ws) == {"result": None, "id": 1}
        fake.set_book("BTCUSDT.BINANCE_FUTURES", [("99.0", "1")], [("101.0", "2")])
        data = (await recv_json(ws))["data"]
        assert data["pu"] == data["U"] and data["u"] - data["U"] == 2 and "T" in data


@pytest.mark.anyio
async def test_websocket_api_user_data_subscription(fake: FakeBinance) -> None:
    fake.add_account(KEY, SECRET)
    creds = Credentials(KEY, SECRET)
    async with await wsc.connect(f"{fake.ws_url}/ws-api/v3") as ws:
        params = sign_ws_params({}, Credentials(KEY, "wrong"), int(time.time() * 1000))
        await ws.send(
            json.dumps(
                {"id": "a", "method": "userDataStream.subscribe.signature", "params": params}
            )
        )
        reply = await recv_json(ws)
        assert reply["status"] == 400 and reply["error"]["code"] == -1022
        params = sign_ws_params({}, creds, int(time.time() * 1000))
        await ws.send(
            json.dumps(
                {"id": "b", "method": "userDataStream.subscribe.signature", "params": params}
            )
        )
        assert await recv_json(ws) == {"id": "b", "status": 200, "result": {"subscriptionId": 0}}
        status, placed, _ = await call(fake, "POST", "/api/v3/order", signed(ORDER))
        assert status == 200
        event = await recv_json(ws)
        assert event["subscriptionId"] == 0
        report = event["event"]
        assert (
            report["e"] == "executionReport"
            and report["x"] == "NEW"
            and report["i"] == placed["orderId"]
        )


@pytest.mark.anyio
async def test_listen_keys(fake: FakeBinance) -> None:
    fake.add_account(KEY, SECRET, futures=True)
    assert (await call(fake, "POST", "/fapi/v1/listenKey", key=None))[1]["code"] == -2014
    key = (await call(fake, "POST", "/fapi/v1/listenKey"))[1]["listenKey"]
    assert len(key) == 64
    assert (await call(fake, "POST", "/fapi/v1/listenKey"))[1]["listenKey"] == key
    assert (await call(fake, "PUT", "/fapi/v1/listenKey"))[0] == 200
    async with await wsc.connect(f"{fake.ws_url}/private/ws/{key}") as ws:
        futures_order = [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTX"),
            ("quantity", "0.1"),
            ("price", "90.0"),
        ]
        assert (await call(fake, "POST", "/fapi/v1/order", signed(futures_order)))[0] == 200
        update = await recv_json(ws)
        assert update["e"] == "ORDER_TRADE_UPDATE" and update["o"]["f"] == "GTX"
        fake.expire_listen_key(KEY)
        assert (await recv_json(ws))["e"] == "listenKeyExpired"
    algo = [
        ("symbol", "BTCUSDT"),
        ("side", "SELL"),
        ("type", "STOP_MARKET"),
        ("quantity", "0.1"),
        ("stopPrice", "80.0"),
    ]
    assert (await call(fake, "POST", "/fapi/v1/order", signed(algo)))[1]["code"] == -4120
