"""FakeOkx speaks OKX v5: signatures checked as OKX does, the envelope and its error codes,
the websocket login, ping/pong, and the books channel's seqId chain and checksum."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
import websockets.asyncio.client as ws_client

from lyra.adapters.okx.book import OkxBookSync
from lyra.adapters.okx.messages import BookMessage, decode_ws
from lyra.adapters.okx.signing import OkxCredentials
from lyra.adapters.okx.venue import PRODUCTION
from lyra.testing.okx import FakeOkx

pytestmark = pytest.mark.anyio

_ORDER = {
    "instId": "BTC-USDT",
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "sz": "0.1",
    "px": "90",
    "clOrdId": "abc1",
}


async def _post(
    fake: FakeOkx, creds: OkxCredentials, path: str, payload: Any, *, ts_ns: int | None = None
) -> dict[str, Any]:
    body = json.dumps(payload)
    headers = creds.rest_headers("POST", path, body, ts_ns=ts_ns)
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.http_url + path, data=body, headers=headers) as resp,
    ):
        result: dict[str, Any] = await resp.json()
        return result


async def test_urls_are_loopback(fake: FakeOkx) -> None:
    urls = fake.urls
    for url in (urls.rest, urls.ws_public, urls.ws_private, urls.ws_business):
        assert url.split("//", 1)[1].startswith("127.0.0.1:")
    assert "okx.com" in PRODUCTION.rest  # the default, never used by a test


async def test_signed_order_is_acknowledged(fake: FakeOkx) -> None:
    fake.add_account("k1", "s1", "p1")
    answer = await _post(fake, OkxCredentials("k1", "s1", "p1"), "/api/v5/trade/order", _ORDER)
    assert answer["code"] == "0", answer
    ack = answer["data"][0]
    assert ack["sCode"] == "0" and ack["clOrdId"] == "abc1" and ack["ordId"]
    rec = fake.order("k1", "abc1")
    assert rec is not None and rec.state == "live" and rec.px is not None


@pytest.mark.parametrize(
    ("creds", "ts_shift_s", "code"),
    [
        (("k1", "wrong", "p1"), 0, "50113"),
        (("k1", "s1", "nope"), 0, "50105"),
        (("unknown", "s1", "p1"), 0, "50111"),
        (("k1", "s1", "p1"), -60, "50102"),
    ],
)
async def test_authentication_errors(
    fake: FakeOkx, creds: tuple[str, str, str], ts_shift_s: int, code: str
) -> None:
    fake.add_account("k1", "s1", "p1")
    ts = time.time_ns() + ts_shift_s * 1_000_000_000
    answer = await _post(fake, OkxCredentials(*creds), "/api/v5/trade/order", _ORDER, ts_ns=ts)
    assert answer["code"] == code, answer
    assert fake.order("k1", "abc1") is None  # nothing was executed


async def test_order_errors_use_scode(fake: FakeOkx) -> None:
    fake.add_account("k1", "s1", "p1")
    creds = OkxCredentials("k1", "s1", "p1")
    bad = await _post(fake, creds, "/api/v5/trade/order", {**_ORDER, "px": "90.05"})
    assert bad["code"] == "1" and bad["data"][0]["sCode"] == "51000"
    unknown = await _post(fake, creds, "/api/v5/trade/order", {**_ORDER, "instId": "NOPE-USDT"})
    assert unknown["data"][0]["sCode"] == "51001"
    poor = await _post(fake, creds, "/api/v5/trade/order", {**_ORDER, "sz": "20000", "px": "100"})
    assert poor["data"][0]["sCode"] == "51008", poor
    cancel = await _post(
        fake, creds, "/api/v5/trade/cancel-order", {"instId": "BTC-USDT", "clOrdId": "zzz"}
    )
    assert cancel["data"][0]["sCode"] == "51400"


async def test_ping_login_and_orders_channel(fake: FakeOkx) -> None:
    fake.add_account("k1", "s1", "p1")
    creds = OkxCredentials("k1", "s1", "p1")
    async with ws_client.connect(fake.urls.ws_private) as ws:
        await ws.send("ping")
        assert await ws.recv() == "pong"
        await ws.send(
            json.dumps({"op": "subscribe", "args": [{"channel": "orders", "instType": "SPOT"}]})
        )
        assert json.loads(await ws.recv())["code"] == "60011"  # not logged in
        bad = OkxCredentials("k1", "other", "p1").ws_login()
        await ws.send(json.dumps(bad))
        assert json.loads(await ws.recv())["code"] == "60009"
        await ws.send(json.dumps(creds.ws_login()))
        assert json.loads(await ws.recv())["event"] == "login"
        await ws.send(
            json.dumps({"op": "subscribe", "args": [{"channel": "orders", "instType": "SPOT"}]})
        )
        assert json.loads(await ws.recv())["event"] == "subscribe"
        await _post(fake, creds, "/api/v5/trade/order", _ORDER)
        push = json.loads(await ws.recv())
        assert push["arg"]["channel"] == "orders"
        assert push["data"][0]["state"] == "live" and push["data"][0]["clOrdId"] == "abc1"


async def test_books_chain_and_checksum(fake: FakeOkx) -> None:
    inst = fake.instruments["BTC-USDT"]
    fake.set_book(inst.id, bids=[("99", "1"), ("98", "2")], asks=[("101", "1")])
    sync = OkxBookSync(inst)
    async with ws_client.connect(fake.urls.ws_public) as ws:
        arg = {"channel": "books", "instId": "BTC-USDT"}
        await ws.send(json.dumps({"op": "subscribe", "args": [arg]}))
        assert json.loads(await ws.recv())["event"] == "subscribe"
        snap = decode_ws(await ws.recv())
        assert isinstance(snap, BookMessage) and snap.data[0].prev_seq_id == -1
        assert type(sync.apply(snap)).__name__ == "BookApplied"
        fake.set_book(inst.id, bids=[("99", "3")], asks=[("101", "1"), ("102", "4")])
        update = decode_ws(await ws.recv())
        assert isinstance(update, BookMessage)
        assert update.data[0].prev_seq_id == snap.data[0].seq_id
        result = sync.apply(update)
        assert type(result).__name__ == "BookApplied" and result.checksum_verified  # type: ignore[union-attr]
        assert sync.checksums_verified == 2
        fake.corrupt_checksum("BTC-USDT")
        fake.set_book(inst.id, bids=[("99", "1")], asks=[("101", "1")])
        bad = decode_ws(await ws.recv())
        assert isinstance(bad, BookMessage)
        assert type(sync.apply(bad)).__name__ == "ResyncNeeded"
        assert fake.faults.applied["checksum"] == 1
        fake.faults.skip_sequence("BTC-USDT")
        fake.set_book(inst.id, bids=[("99", "2")], asks=[("101", "1")])
        fake.set_book(inst.id, bids=[("99", "5")], asks=[("101", "1")])
        after = decode_ws(await ws.recv())
        assert isinstance(after, BookMessage)
        assert after.data[0].prev_seq_id != bad.data[0].seq_id  # one update never sent


def test_given_balances_open_one_market_and_are_not_counted_twice() -> None:
    from lyra.model.values import Money
    from lyra.testing.okx import FakeOkx

    fake = FakeOkx()  # default instruments: spot and swaps
    account = fake.add_account("k", "s", "p", balances=["1 BTC", "100000 USDT"])
    totals: dict[str, Money] = {}
    for venue in account.venues.values():
        for ccy, bal in venue.account.balances().items():
            totals[ccy.code] = bal.total if ccy.code not in totals else totals[ccy.code] + bal.total
    assert totals == {"BTC": Money("1", "BTC"), "USDT": Money("100000", "USDT")}
