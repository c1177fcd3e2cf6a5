"""Kraken error strings -> Lyra error classes and reject codes, the text kept."""

from __future__ import annotations

import pytest

from lyra.adapters.kraken.codes import check_response, classify, first_error, reason, to_error
from lyra.adapters.kraken.messages import AddOrderResult, decode_rest, decode_ws
from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
)
from lyra.venue.codes import LOCAL_REJECT_CODES, RejectCode


@pytest.mark.parametrize(
    ("error", "cls", "code"),
    [
        ("EAPI:Invalid key", AuthenticationFailed, RejectCode.VENUE_REJECTED),
        ("EAPI:Invalid signature", AuthenticationFailed, RejectCode.VENUE_REJECTED),
        ("EAPI:Invalid nonce", AuthenticationFailed, RejectCode.VENUE_REJECTED),
        ("EGeneral:Permission denied", AuthenticationFailed, RejectCode.VENUE_REJECTED),
        ("EAPI:Rate limit exceeded", RateLimited, RejectCode.RATE_LIMITED),
        ("EOrder:Rate limit exceeded", RateLimited, RejectCode.RATE_LIMITED),
        ("EService: Throttled: 1700000000", RateLimited, RejectCode.RATE_LIMITED),
        ("EGeneral:Temporary lockout", RateLimited, RejectCode.RATE_LIMITED),
        ("EService:Unavailable", RequestRejected, RejectCode.VENUE_REJECTED),
        ("EService:Busy", RequestRejected, RejectCode.VENUE_REJECTED),
        ("EGeneral:Internal error", RequestStatusUnknown, RejectCode.VENUE_REJECTED),
        ("EOrder:Insufficient funds", RequestRejected, RejectCode.INSUFFICIENT_BALANCE),
        ("EOrder:Unknown order", RequestRejected, RejectCode.UNKNOWN_ORDER),
        ("EOrder:Post only order", RequestRejected, RejectCode.POST_ONLY_WOULD_TAKE),
        ("EService:Market in cancel_only mode", RequestRejected, RejectCode.MARKET_CLOSED),
        ("EOrder:Market in post_only mode", RequestRejected, RejectCode.MARKET_CLOSED),
        ("EGeneral:Invalid arguments:volume", RequestRejected, RejectCode.INVALID_ORDER),
        ("EQuery:Unknown asset pair", RequestRejected, RejectCode.INVALID_ORDER),
        ("EOrder:Order minimum not met", RequestRejected, RejectCode.INVALID_ORDER),
        ("EOrder:Orders limit exceeded", RequestRejected, RejectCode.VENUE_REJECTED),
        ("Something new", RequestRejected, RejectCode.VENUE_REJECTED),
    ],
)
def test_classification(error: str, cls: type, code: RejectCode) -> None:
    info = classify(error)
    assert (info.error_class, info.reject_code) == (cls, code)
    assert info.reject_code not in LOCAL_REJECT_CODES
    err = to_error(error, client_order_id="c1")
    assert type(err) is cls and err.venue == "KRAKEN" and err.client_order_id == "c1"
    if isinstance(err, RequestRejected):
        assert err.reject_code == code.value
        if ":" in error:
            assert err.venue_code == error.split(":")[0]
    assert error.split(":")[-1].strip() in str(err)


def test_text_is_kept() -> None:
    assert reason(" EOrder:Insufficient funds ") == "KRAKEN EOrder:Insufficient funds"
    err = to_error("EGeneral:Invalid arguments:volume")
    assert isinstance(err, RequestRejected)
    assert (err.venue_code, err.venue_message) == ("EGeneral", "Invalid arguments:volume")


def test_check_response() -> None:
    check_response(decode_rest('{"error":[],"result":{"txid":["X"]}}', AddOrderResult))
    with pytest.raises(RequestRejected, match="Insufficient funds"):
        check_response(decode_rest('{"error":["EOrder:Insufficient funds"]}', AddOrderResult))
    reply = decode_ws(
        '{"method":"add_order","success":false,"error":"EAPI:Invalid key","req_id":1}'
    )
    with pytest.raises(AuthenticationFailed):
        check_response(reply)  # type: ignore[arg-type]
    check_response(decode_ws('{"method":"cancel_order","success":true}'))  # type: ignore[arg-type]
    assert first_error([]) is None
    assert first_error(["EOrder:Unknown order", "x"]).reject_code is RejectCode.UNKNOWN_ORDER  # type: ignore[union-attr]
