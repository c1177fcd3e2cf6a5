"""FakeKraken speaks Kraken: signed REST with rising nonces, AssetPairs with Kraken's three
spellings of a pair, the websocket token, and the private websocket methods; and the
KrakenVenue features the conformance suite does not reach."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from lyra.adapters.kraken.signing import KrakenCredentials
from lyra.adapters.kraken.venue import PRODUCTION, KrakenVenue
from lyra.bus import EventBus
from lyra.errors import AuthenticationFailed
from lyra.model.enums import OrderSide, OrderStatus
from lyra.model.identifiers import InstrumentId
from lyra.orders.factory import OrderFactory
from lyra.testing.kraken import FakeKraken, KrakenHarness
from lyra.venue.testing import EventRecorder, assert_order_events

pytestmark = pytest.mark.anyio

SECRET = base64.b64encode(b"fake-kraken-secret").decode()


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.005)


async def _post(
    fake: FakeKraken, path: str, creds: KrakenCredentials, nonce: int, **params: str
) -> Any:
    import aiohttp

    body, headers = creds.signed_request(path, params, nonce)
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.http_url + path, data=body, headers=headers) as resp,
    ):
        return json.loads(await resp.text())


async def test_signatures_and_nonces_are_checked(fake: FakeKraken) -> None:
    fake.add_account("key-1", SECRET)
    good = KrakenCredentials("key-1", SECRET)
    path = "/0/private/Balance"
    answer = await _post(fake, path, good, 1000)
    assert answer["error"] == [] and answer["result"]["ZUSD"] == "1000000.00"
    assert answer["result"]["XXBT"].startswith("100")
    assert (await _post(fake, path, good, 1000))["error"] == ["EAPI:Invalid nonce"]
    wrong = KrakenCredentials("key-1", base64.b64encode(b"another").decode())
    assert (await _post(fake, path, wrong, 2000))["error"] == ["EAPI:Invalid signature"]
    stranger = KrakenCredentials("key-2", SECRET)
    assert (await _post(fake, path, stranger, 3000))["error"] == ["EAPI:Invalid key"]
    token = await _post(fake, "/0/private/GetWebSocketsToken", good, 4000)
    assert token["result"]["token"] and token["result"]["expires"] == 900


async def test_asset_pairs_carry_every_spelling(fake: FakeKraken) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(fake.http_url + "/0/public/AssetPairs?pair=XBTUSD") as resp,
    ):
        pairs = json.loads(await resp.text())["result"]
    assert list(pairs) == ["XXBTZUSD"]
    pair = pairs["XXBTZUSD"]
    assert (pair["altname"], pair["wsname"], pair["base"], pair["quote"]) == (
        "XBTUSD",
        "XBT/USD",
        "XXBT",
        "ZUSD",
    )
    async with KrakenVenue(EventBus(), urls=fake.urls) as venue:
        iid = InstrumentId("BTC/USD.KRAKEN")
        assert {i.id for i in venue.instruments} == {iid, InstrumentId("ETH/USD.KRAKEN")}
        for name in ("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD"):
            assert venue.symbols.resolve(name) == iid
        assert venue.symbols.rest_pair(iid) == "XBTUSD"
        inst = venue.instrument(iid)
        assert str(inst.price_increment) == "0.1" and inst.size_precision == 8


async def test_the_adapter_only_talks_to_the_fake(fake: FakeKraken) -> None:
    urls = fake.urls
    for url in (urls.rest, urls.ws_public, urls.ws_private):
        assert url.split("//", 1)[1].startswith("127.0.0.1:")
    assert PRODUCTION.rest == "https://api.kraken.com"
    venue = KrakenHarness(fake).make_venue(EventBus())
    assert venue.urls == urls and venue.rest.base_url == urls.rest


async def test_private_methods_need_a_token(fake: FakeKraken) -> None:
    from websockets.asyncio.client import connect

    async with connect(fake.urls.ws_private) as ws:
        status = json.loads(await ws.recv())
        assert status["channel"] == "status" and status["data"][0]["system"] == "online"
        await ws.send(json.dumps({"method": "add_order", "params": {"token": "x"}, "req_id": 7}))
        reply = json.loads(await ws.recv())
        assert reply == {**reply, "method": "add_order", "success": False, "req_id": 7}
        assert reply["error"] == "EAPI:Invalid token"
        await ws.send(json.dumps({"method": "ping", "req_id": 8}))
        assert json.loads(await ws.recv())["method"] == "pong"


async def test_wrong_secret_fails_to_connect(fake: FakeKraken) -> None:
    fake.add_account("key-9", SECRET)
    creds = KrakenCredentials("key-9", base64.b64encode(b"not it").decode())
    venue = KrakenVenue(EventBus(), credentials=creds, urls=fake.urls)
    with pytest.raises(AuthenticationFailed):
        async with venue:
            pass
    assert venue.status.name == "DISCONNECTED"


async def test_amend_iceberg_and_cancel_all(fake: FakeKraken) -> None:
    h = KrakenHarness(fake)
    bus = EventBus()
    venue = h.make_venue(bus)
    rec = EventRecorder(bus, venue.venue)
    f = OrderFactory("FAKE-TEST", id_prefix="k")
    p, q = h.instrument.make_price, h.instrument.make_qty
    async with venue:
        buy = f.limit(h.instrument_id, OrderSide.BUY, q("0.1"), p("90"))
        iceberg = f.limit(h.instrument_id, OrderSide.SELL, q("3"), p("110"), display_qty=q("0.5"))
        for o in (buy, iceberg):
            venue.submit_order(o)
        await _until(lambda: buy.status is iceberg.status is OrderStatus.ACCEPTED)
        assert ("110.0", "0.50000000") in fake.book(h.instrument_id)[1]
        venue.modify_order(buy, quantity=q("0.3"), price=p("91"))
        await _until(lambda: buy.status is OrderStatus.ACCEPTED and buy.price == p("91"))
        assert buy.quantity == q("0.3")
        assert ("91.0", "0.30000000") in fake.book(h.instrument_id)[0]
        assert await venue.cancel_all_account_orders() == 2
        await _until(lambda: buy.status is iceberg.status is OrderStatus.CANCELED)
    for o in (buy, iceberg):
        assert_order_events(o, rec.for_order(o.client_order_id))


async def test_quotes_follow_the_top_of_book(fake: FakeKraken) -> None:
    from lyra import topics
    from lyra.model.data import QuoteTick

    h = KrakenHarness(fake)
    bus = EventBus()
    quotes: list[QuoteTick] = []
    bus.subscribe(topics.quotes(h.instrument_id), quotes.append)
    async with KrakenVenue(bus, urls=fake.urls) as venue:
        h.reset_book()
        venue.subscribe_quotes(h.instrument_id)
        await _until(lambda: bool(quotes))
        fake.set_book(h.instrument_id, bids=[("99.5", "1")], asks=[("100.5", "4")])
        await _until(lambda: str(quotes[-1].bid_price) == "99.5")
        last = quotes[-1]
        assert (str(last.ask_price), str(last.ask_size)) == ("100.5", "4.00000000")
        order = OrderFactory("X", id_prefix="x").limit(
            h.instrument_id, OrderSide.BUY, h.quantity, h.resting_buy_price
        )
        venue.submit_order(order)  # no credentials: denied locally
        assert order.status is OrderStatus.DENIED
