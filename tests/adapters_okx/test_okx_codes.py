"""OKX error codes -> Lyra error classes and reject codes, the venue's words kept."""

from __future__ import annotations

import pickle

import pytest

from lyra.adapters.okx.codes import ack_error, check_response, classify, reason, to_error
from lyra.adapters.okx.messages import InstrumentData, OrderAck, decode_rest
from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    VenueError,
)
from lyra.venue.codes import LOCAL_REJECT_CODES, RejectCode


@pytest.mark.parametrize(
    ("code", "cls", "reject", "retry"),
    [
        ("50001", RequestRejected, RejectCode.VENUE_REJECTED, True),
        ("50004", RequestStatusUnknown, RejectCode.VENUE_REJECTED, False),
        ("50011", RateLimited, RejectCode.RATE_LIMITED, True),
        ("50061", RateLimited, RejectCode.RATE_LIMITED, True),
        ("50102", AuthenticationFailed, RejectCode.VENUE_REJECTED, False),
        ("50113", AuthenticationFailed, RejectCode.VENUE_REJECTED, False),
        ("60009", AuthenticationFailed, RejectCode.VENUE_REJECTED, False),
        ("51008", RequestRejected, RejectCode.INSUFFICIENT_BALANCE, False),
        ("51008_1000", RequestRejected, RejectCode.INSUFFICIENT_BALANCE, False),
        (51400, RequestRejected, RejectCode.UNKNOWN_ORDER, False),
        ("51603", RequestRejected, RejectCode.UNKNOWN_ORDER, False),
        ("51028", RequestRejected, RejectCode.MARKET_CLOSED, False),
        ("51000", RequestRejected, RejectCode.INVALID_ORDER, False),
        ("51006", RequestRejected, RejectCode.INVALID_ORDER, False),
        ("50071", RequestRejected, RejectCode.VENUE_REJECTED, False),
        ("59999", RequestRejected, RejectCode.VENUE_REJECTED, False),
    ],
)
def test_classification(code: str | int, cls: type, reject: RejectCode, retry: bool) -> None:
    info = classify(code, "the venue's words")
    assert (info.error_class, info.reject_code, info.retryable) == (cls, reject, retry)
    assert info.reject_code not in LOCAL_REJECT_CODES  # an answer never uses a local code
    err = to_error(code, "the venue's words", client_order_id="abc")
    assert type(err) is cls and isinstance(err, VenueError)
    assert "the venue's words" in str(err) and err.venue == "OKX"
    assert err.client_order_id == "abc"
    if isinstance(err, RequestRejected):
        assert err.reject_code == reject.value and err.venue_code == str(code)
        assert err.reason == f"OKX {code}: the venue's words"
    restored = pickle.loads(pickle.dumps(err))
    assert type(restored) is cls and str(restored) == str(err)


def test_reason_text() -> None:
    assert reason("51008", "Order failed") == "OKX 51008: Order failed"
    assert reason(1) == "OKX 1"


def test_order_acks() -> None:
    assert ack_error(OrderAck(s_code="0")) is None
    info = ack_error(OrderAck(s_code="51008", s_msg="Insufficient balance", cl_ord_id="c1"))
    assert info is not None and info.reject_code is RejectCode.INSUFFICIENT_BALANCE


def test_check_response() -> None:
    check_response(decode_rest('{"code":"0","data":[]}', InstrumentData))
    with pytest.raises(AuthenticationFailed, match="Invalid Sign"):
        check_response(
            decode_rest('{"code":"50113","msg":"Invalid Sign","data":[]}', InstrumentData)
        )
    failed = decode_rest(
        '{"code":"1","msg":"All operations failed","data":[{"clOrdId":"c1","sCode":"51008",'
        '"sMsg":"Insufficient balance"}]}',
        OrderAck,
    )
    with pytest.raises(RequestRejected) as info:
        check_response(failed)
    assert info.value.reject_code == "INSUFFICIENT_BALANCE"
    assert info.value.client_order_id == "c1"
