"""CoinbaseVenue's own parts: the per-request JWT signer, cumulative fill ids, URLs,
construction rules -- no network."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.adapters.coinbase import (
    PRODUCTION,
    CdpKey,
    CoinbaseSigner,
    CoinbaseUrls,
    CoinbaseVenue,
    JwtVerifier,
    cumulative_fill_ids,
)
from lyra.adapters.coinbase.signing import decode_jwt
from lyra.adapters.rest import PreparedRequest
from lyra.bus import EventBus
from lyra.errors import InvalidInput
from lyra.model.enums import LiquiditySide, OrderSide, OrderType
from lyra.model.values import Money, Price, Quantity
from lyra.venue.reports import FillReport

from .samples import BTC_USD

_ED25519 = (
    "k0BUni0p0vZG1BdpVjS6ogBJ7kxm630AJ2dN+tuputDOKsRAwgyrpEQLeBtS1znTmzPX6Xr2eOWpzx6nW8knkA=="
)


def test_signer_mints_a_verifiable_token_per_request() -> None:
    key = CdpKey("organizations/o/apiKeys/k", _ED25519)
    signer = CoinbaseSigner(key, "127.0.0.1:8080")
    verifier = JwtVerifier()
    verifier.add_key(key.key_name, key)
    request = PreparedRequest("POST", "/api/v3/brokerage/orders", [("__json_body__", '{"a":1}')])
    signer.sign(request)
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = verifier.verify_rest(token, "POST", "/api/v3/brokerage/orders", host="127.0.0.1:8080")
    assert claims["uri"] == "POST 127.0.0.1:8080/api/v3/brokerage/orders"
    assert request.body == b'{"a":1}' and request.params == []
    assert request.headers["Content-Type"] == "application/json"
    again = PreparedRequest("GET", "/api/v3/brokerage/accounts", [("limit", "250")])
    signer.sign(again)
    assert again.params == [("limit", "250")] and again.body is None
    second = again.headers["Authorization"].removeprefix("Bearer ")
    assert decode_jwt(second).header["nonce"] != decode_jwt(token).header["nonce"]
    assert "k0BU" not in repr(signer)


def _fill(vid: str, qty: str, ts: int, tid: str) -> FillReport:
    return FillReport(
        account_id="COINBASE-spot",
        instrument_id=BTC_USD.id,
        venue_order_id=vid,
        trade_id=tid,
        order_side=OrderSide.BUY,
        last_qty=Quantity(qty),
        last_px=Price("100.00"),
        currency=BTC_USD.quote_currency,
        commission=Money("0", BTC_USD.quote_currency),
        liquidity_side=LiquiditySide.MAKER,
        ts_event=ts,
        ts_init=ts,
    )


def test_cumulative_fill_ids_match_the_user_channel_scheme() -> None:
    fills = [_fill("A", "0.2", 3, "t3"), _fill("A", "0.1", 1, "t1"), _fill("B", "1", 2, "t2")]
    renamed = cumulative_fill_ids(fills)
    assert [str(f.trade_id) for f in renamed] == ["A-0.3", "A-0.1", "B-1"]
    later = cumulative_fill_ids([_fill("A", "0.05", 9, "t9")], {"A": Decimal("0.3")})
    assert str(later[0].trade_id) == "A-0.35"


def test_urls_default_to_production_and_are_checked() -> None:
    assert PRODUCTION.rest == "https://api.coinbase.com"
    assert PRODUCTION.rest_host == "api.coinbase.com"
    assert PRODUCTION.ws_user == "wss://advanced-trade-ws-user.coinbase.com"
    with pytest.raises(InvalidInput):
        CoinbaseUrls(rest="ftp://x", ws_market="ws://x", ws_user="ws://x")
    with pytest.raises(InvalidInput):
        CoinbaseUrls(rest="http://x", ws_market="http://x", ws_user="ws://x")


def test_a_venue_without_a_key_takes_no_orders() -> None:
    venue = CoinbaseVenue(EventBus())
    assert venue.urls is PRODUCTION
    assert not venue.capabilities.order_types
    keyed = CoinbaseVenue(EventBus(), key=CdpKey("k", _ED25519))
    assert OrderType.STOP_LIMIT in keyed.capabilities.order_types
    assert keyed.capabilities.contingencies == ()
    with pytest.raises(InvalidInput):
        CoinbaseVenue(EventBus(), key="k")  # type: ignore[arg-type]
