"""FakeCoinbase speaks Advanced Trade: JWT checks, order rules, failure reasons, and the
websocket envelope with its connection-wide sequence_num -- tested with raw HTTP and
websocket clients, no adapter in between."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
import websockets.asyncio.client as ws_client

from lyra.adapters.coinbase import CdpKey
from lyra.testing.coinbase import CoinbaseHarness, FakeCoinbase

pytestmark = pytest.mark.anyio

_API = "/api/v3/brokerage"


def _key(fake: FakeCoinbase) -> CdpKey:
    return CoinbaseHarness(fake).new_key()


def _host(fake: FakeCoinbase) -> str:
    return fake.urls.rest_host


async def _call(
    fake: FakeCoinbase,
    method: str,
    path: str,
    *,
    key: CdpKey | None = None,
    body: Any = None,
    token: str | None = None,
    query: str = "",
) -> tuple[int, Any]:
    headers = {}
    if token is None and key is not None:
        token = key.rest_jwt(method, _API + path, host=_host(fake))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body)
    if data is not None:
        headers["Content-Type"] = "application/json"
    url = fake.http_url + _API + path + (f"?{query}" if query else "")
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, data=data, headers=headers) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def _limit(cid: str, side: str, size: str, price: str, **extra: Any) -> dict[str, Any]:
    return {
        "client_order_id": cid,
        "product_id": "BTC-USD",
        "side": side,
        "order_configuration": {
            "limit_limit_gtc": {"base_size": size, "limit_price": price, **extra}
        },
    }


async def test_urls_are_loopback(fake: FakeCoinbase) -> None:
    urls = fake.urls
    assert urls.rest.startswith("http://127.0.0.1:")
    assert urls.ws_market.startswith("ws://127.0.0.1:")
    assert urls.ws_user == urls.ws_market + "/user"


async def test_public_products_need_no_token(fake: FakeCoinbase) -> None:
    status, body = await _call(fake, "GET", "/market/products")
    assert status == 200
    (product,) = body["products"]
    assert product["product_id"] == "BTC-USD"
    assert product["base_increment"] == "0.00000001"
    assert product["price_increment"] == "0.01"
    assert product["quote_currency_id"] == "USD"


async def test_private_calls_verify_the_jwt(fake: FakeCoinbase) -> None:
    key = _key(fake)
    status, body = await _call(fake, "GET", "/accounts")
    assert (status, body["error"]) == (401, "UNAUTHENTICATED")
    # signed for another path: the uri claim does not match
    wrong = key.rest_jwt("GET", _API + "/orders/historical/batch", host=_host(fake))
    status, body = await _call(fake, "GET", "/accounts", token=wrong)
    assert status == 401 and "uri" in body["message"]
    # signed for another host
    other_host = key.rest_jwt("GET", _API + "/accounts", host="api.coinbase.com")
    assert (await _call(fake, "GET", "/accounts", token=other_host))[0] == 401
    # a key the venue does not know
    stranger = CdpKey(
        "organizations/x/apiKeys/unknown",
        "k0BUni0p0vZG1BdpVjS6ogBJ7kxm630AJ2dN+tuputDOKsRAwgyrpEQLeBtS1znTmzPX6Xr2eOWpzx6nW8knkA==",
    )
    assert (await _call(fake, "GET", "/accounts", key=stranger))[0] == 401
    # an expired token
    old = key.rest_jwt("GET", _API + "/accounts", host=_host(fake), now=1_000_000)
    assert (await _call(fake, "GET", "/accounts", token=old))[0] == 401
    status, body = await _call(fake, "GET", "/accounts", key=key)
    assert status == 200
    assert {a["currency"] for a in body["accounts"]} == {"BTC", "USD"}


async def test_both_key_algorithms_are_accepted(fake: FakeCoinbase) -> None:
    harness = CoinbaseHarness(fake)
    keys = [harness.new_key(), harness.new_key()]
    assert {k.algorithm for k in keys} == {"ES256", "EdDSA"}
    for key in keys:
        assert (await _call(fake, "GET", "/accounts", key=key))[0] == 200


async def test_create_order_answers_and_failure_reasons(fake: FakeCoinbase) -> None:
    key = _key(fake)
    CoinbaseHarness(fake).reset_book()
    status, ok = await _call(
        fake, "POST", "/orders", key=key, body=_limit("a1", "BUY", "0.1", "90")
    )
    assert status == 200 and ok["success"] is True
    oid = ok["success_response"]["order_id"]
    assert ok["success_response"]["client_order_id"] == "a1"
    # a reused client order id answers with the existing order
    _, again = await _call(fake, "POST", "/orders", key=key, body=_limit("a1", "BUY", "0.2", "91"))
    assert again["success_response"]["order_id"] == oid
    cases = [
        (_limit("a2", "BUY", "0.123456789", "90"), "INVALID_SIZE_PRECISION"),
        (_limit("a3", "BUY", "0.1", "90.001"), "INVALID_PRICE_PRECISION"),
        (_limit("a4", "BUY", "0.1", "101", post_only=True), "INVALID_LIMIT_PRICE_POST_ONLY"),
        (_limit("a5", "SELL", "3000", "110"), "INSUFFICIENT_FUND"),
    ]
    for body, reason in cases:
        status, refused = await _call(fake, "POST", "/orders", key=key, body=body)
        assert status == 200 and refused["success"] is False, body
        assert refused["error_response"]["new_order_failure_reason"] == reason
    _, small = await _call(
        fake, "POST", "/orders", key=key, body=_limit("a6", "BUY", "0.000001", "90")
    )
    assert (
        small["error_response"]["preview_failure_reason"] == "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"
    )
    _, listed = await _call(
        fake, "GET", "/orders/historical/batch", key=key, query="order_status=OPEN"
    )
    assert [o["client_order_id"] for o in listed["orders"]] == ["a1"]
    status, one = await _call(fake, "GET", f"/orders/historical/{oid}", key=key)
    assert one["order"]["status"] == "OPEN"
    assert one["order"]["order_configuration"]["limit_limit_gtc"]["limit_price"] == "90"


async def test_edit_and_cancel_rules(fake: FakeCoinbase) -> None:
    key = _key(fake)
    CoinbaseHarness(fake).reset_book()
    gtd = {
        "client_order_id": "g1",
        "product_id": "BTC-USD",
        "side": "SELL",
        "order_configuration": {
            "limit_limit_gtd": {
                "base_size": "0.1",
                "limit_price": "110",
                "end_time": "2099-01-01T00:00:00Z",
            }
        },
    }
    _, made = await _call(fake, "POST", "/orders", key=key, body=gtd)
    gtd_id = made["success_response"]["order_id"]
    _, edited = await _call(
        fake,
        "POST",
        "/orders/edit",
        key=key,
        body={"order_id": gtd_id, "price": "111", "size": "0.1"},
    )
    assert edited["errors"][0]["edit_failure_reason"] == "ONLY_LIMIT_ORDER_EDITS_SUPPORTED"
    _, made = await _call(fake, "POST", "/orders", key=key, body=_limit("c1", "BUY", "0.1", "90"))
    oid = made["success_response"]["order_id"]
    _, edited = await _call(
        fake, "POST", "/orders/edit", key=key, body={"order_id": oid, "price": "91", "size": "0.3"}
    )
    assert edited == {"success": True, "errors": []}
    rec = fake.order(key.key_name, "c1")
    assert rec is not None and (rec.price, rec.quantity) == (Decimal("91"), Decimal("0.3"))
    _, done = await _call(
        fake, "POST", "/orders/batch_cancel", key=key, body={"order_ids": [oid, "nope"]}
    )
    assert [(r["order_id"], r["success"]) for r in done["results"]] == [
        (oid, True),
        ("nope", False),
    ]
    assert done["results"][1]["failure_reason"] == "UNKNOWN_CANCEL_ORDER"
    assert rec.status == "CANCELLED"


async def _recv(ws: Any) -> dict[str, Any]:
    return json.loads(await ws.recv())  # type: ignore[no-any-return]


async def test_websocket_envelope_and_connection_wide_sequence(fake: FakeCoinbase) -> None:
    CoinbaseHarness(fake).reset_book()
    async with ws_client.connect(fake.urls.ws_market) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": "heartbeats"}))
        await ws.send(
            json.dumps({"type": "subscribe", "channel": "level2", "product_ids": ["BTC-USD"]})
        )
        seen: list[dict[str, Any]] = []
        while len(seen) < 4 or not any(m["channel"] == "heartbeats" for m in seen):
            seen.append(await _recv(ws))
        assert [m["sequence_num"] for m in seen] == list(range(len(seen)))
        assert seen[0]["channel"] == "subscriptions"
        snap = next(m for m in seen if m["channel"] == "l2_data")
        assert snap["events"][0]["type"] == "snapshot"
        assert {u["side"] for u in snap["events"][0]["updates"]} == {"bid", "offer"}
        last = seen[-1]["sequence_num"]
        fake.faults.skip_sequence("BTC-USD")
        fake.set_book("BTC-USD.COINBASE", [("99.00", "1")], [("101.00", "1")])
        fake.set_book("BTC-USD.COINBASE", [("99.00", "3")], [("101.00", "1")])
        while True:
            m = await _recv(ws)
            if m["channel"] == "l2_data":
                break
            last = m["sequence_num"]
        assert m["events"][0]["type"] == "update"
        assert m["sequence_num"] == last + 2  # exactly one number used up, never sent


async def test_websocket_user_channel_needs_a_valid_jwt(fake: FakeCoinbase) -> None:
    key = _key(fake)
    async with ws_client.connect(fake.urls.ws_user) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": "user"}))
        assert (await _recv(ws)) == {
            "type": "error",
            "message": "authentication failure",
            "reason": "",
        }
        rest_token = key.rest_jwt("GET", "/x", host=_host(fake))
        await ws.send(json.dumps({"type": "subscribe", "channel": "user", "jwt": rest_token[:-4]}))
        assert (await _recv(ws))["message"] == "authentication failure"
        await ws.send(json.dumps({"type": "subscribe", "channel": "user", "jwt": key.ws_jwt()}))
        subs = await _recv(ws)
        assert subs["channel"] == "subscriptions" and "user" in subs["events"][0]["subscriptions"]
        snap = await _recv(ws)
        assert snap["channel"] == "user" and snap["events"][0]["type"] == "snapshot"
        await ws.send(json.dumps({"type": "subscribe", "channel": "level2", "product_ids": ["X"]}))
        assert (await _recv(ws))["type"] == "error"


async def test_user_channel_reports_cumulative_fills(fake: FakeCoinbase) -> None:
    key = _key(fake)
    harness = CoinbaseHarness(fake)
    harness.reset_book()
    async with ws_client.connect(fake.urls.ws_user) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": "user", "jwt": key.ws_jwt()}))
        await _recv(ws)
        await _recv(ws)
        await _call(fake, "POST", "/orders", key=key, body=_limit("u1", "BUY", "0.3", "90"))
        fake.trade("BTC-USD.COINBASE", "90.00", "0.1")
        fake.trade("BTC-USD.COINBASE", "90.00", "0.2")
        states = []
        while len(states) < 3:
            m = await _recv(ws)
            if m["channel"] == "user":
                o = m["events"][0]["orders"][0]
                states.append((o["status"], o["cumulative_quantity"], o["leaves_quantity"]))
        assert states == [("OPEN", "0", "0.3"), ("OPEN", "0.1", "0.2"), ("FILLED", "0.3", "0")]
    _, fills = await _call(fake, "GET", "/orders/historical/fills", key=key)
    assert sorted(f["size"] for f in fills["fills"]) == ["0.1", "0.2"]
    assert {f["liquidity_indicator"] for f in fills["fills"]} == {"MAKER"}
