"""Coinbase error answers -> Lyra venue errors and reject codes, the venue's words kept."""

from __future__ import annotations

import pickle

import pytest

from lyra.adapters.coinbase.codes import (
    cancel_rejection,
    create_order_rejection,
    edit_rejection,
    http_error,
    reject_code,
    ws_error,
)
from lyra.adapters.coinbase.messages import (
    CancelOrdersResponse,
    CreateOrderResponse,
    EditOrderResponse,
    ErrorResponse,
    WsError,
    decode_rest,
    decode_ws,
)
from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    VenueError,
)
from lyra.venue import LOCAL_REJECT_CODES, RejectCode

from . import samples as s

R = RejectCode


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("INSUFFICIENT_FUND", R.INSUFFICIENT_BALANCE),
        ("PREVIEW_INSUFFICIENT_FUND", R.INSUFFICIENT_BALANCE),
        ("INVALID_LEDGER_BALANCE", R.INSUFFICIENT_BALANCE),
        ("INVALID_LIMIT_PRICE_POST_ONLY", R.POST_ONLY_WOULD_TAKE),
        ("PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY", R.POST_ONLY_WOULD_TAKE),
        ("INVALID_SIZE_PRECISION", R.INVALID_ORDER),
        ("INVALID_PRICE_PRECISION", R.INVALID_ORDER),
        ("UNSUPPORTED_ORDER_CONFIGURATION", R.INVALID_ORDER),
        ("PREVIEW_INVALID_BASE_SIZE_TOO_SMALL", R.INVALID_ORDER),
        ("GTD_ORDERS_MUST_HAVE_END_TIME", R.INVALID_ORDER),
        ("POST_ONLY_NOT_ALLOWED_WITH_FOK", R.INVALID_ORDER),
        ("CANNOT_EDIT_TO_BELOW_FILLED_SIZE", R.INVALID_ORDER),
        ("ORDER_ENTRY_DISABLED", R.MARKET_CLOSED),
        ("PRODUCT_TRADING_HALTED", R.MARKET_CLOSED),
        ("UNKNOWN_CANCEL_ORDER", R.UNKNOWN_ORDER),
        ("ORDER_IS_FULLY_FILLED", R.UNKNOWN_ORDER),
        ("ORDER_NOT_FOUND", R.UNKNOWN_ORDER),
        ("RFQ_RATE_LIMITED", R.RATE_LIMITED),
        ("INVALID_NO_LIQUIDITY", R.VENUE_REJECTED),
        ("DUPLICATE_CLIENT_ORDER_ID", R.VENUE_REJECTED),
        ("COMMANDER_REJECTED_NEW_ORDER", R.VENUE_REJECTED),
        ("UNKNOWN_FAILURE_REASON", R.VENUE_REJECTED),
        ("SOMETHING_NEW_FROM_COINBASE", R.VENUE_REJECTED),
    ],
)
def test_reject_codes(reason: str, code: RejectCode) -> None:
    assert reject_code(reason) is code
    assert reject_code(reason) not in LOCAL_REJECT_CODES  # venue answers never use them


def test_create_order_rejection_keeps_the_venue_words() -> None:
    resp = decode_rest(s.CREATE_FAILED, CreateOrderResponse)
    err = create_order_rejection(resp, client_order_id="O-1")
    assert type(err) is RequestRejected and isinstance(err, VenueError)
    assert err.code == "INSUFFICIENT_BALANCE" and err.reject_code == "INSUFFICIENT_BALANCE"
    assert err.venue_code == "INSUFFICIENT_FUND"
    assert err.venue_message == "Insufficient balance in source account"
    assert err.reason == "COINBASE INSUFFICIENT_FUND: Insufficient balance in source account"
    assert err.venue == "COINBASE" and err.client_order_id == "O-1"
    assert pickle.loads(pickle.dumps(err)).reason == err.reason


def test_create_order_rejection_prefers_the_specific_reason() -> None:
    body = (
        b'{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","error_response":'
        b'{"error":"UNKNOWN_FAILURE_REASON","new_order_failure_reason":"UNKNOWN_FAILURE_REASON",'
        b'"preview_failure_reason":"PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY","message":"would take"}}'
    )
    err = create_order_rejection(decode_rest(body, CreateOrderResponse))
    assert err.venue_code == "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY"
    assert err.code == "POST_ONLY_WOULD_TAKE"
    bare = create_order_rejection(decode_rest(b'{"success":false}', CreateOrderResponse))
    assert bare.venue_code == "UNKNOWN_FAILURE_REASON" and bare.code == "VENUE_REJECTED"
    with pytest.raises(ValueError):
        create_order_rejection(decode_rest(s.CREATE_OK, CreateOrderResponse))


def test_cancel_and_edit_rejections() -> None:
    results = decode_rest(s.CANCEL, CancelOrdersResponse).results
    err = cancel_rejection(results[1], client_order_id="O-2")
    assert err.code == "UNKNOWN_ORDER" and err.venue_code == "UNKNOWN_CANCEL_ORDER"
    assert "b" in err.venue_message
    with pytest.raises(ValueError):
        cancel_rejection(results[0])
    edit = edit_rejection(decode_rest(s.EDIT_FAILED, EditOrderResponse))
    assert edit.code == "INVALID_ORDER" and edit.venue_code == "CANNOT_EDIT_TO_BELOW_FILLED_SIZE"


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (401, b"Unauthorized", AuthenticationFailed, "VENUE_REJECTED"),
        (
            403,
            b'{"error":"PERMISSION_DENIED","message":"Missing required scopes"}',
            AuthenticationFailed,
            "VENUE_REJECTED",
        ),
        (
            429,
            b'{"error":"rate_limit_exceeded","message":"Too many requests"}',
            RateLimited,
            "RATE_LIMITED",
        ),
        (404, s.HTTP_NOT_FOUND, RequestRejected, "UNKNOWN_ORDER"),
        (
            400,
            b'{"error":"INVALID_ARGUMENT","message":"bad size"}',
            RequestRejected,
            "INVALID_ORDER",
        ),
        (500, b'{"error":"INTERNAL","message":"oops"}', RequestStatusUnknown, "STATUS_UNKNOWN"),
        (503, b"<html>busy</html>", RequestStatusUnknown, "STATUS_UNKNOWN"),
    ],
)
def test_http_errors(status: int, body: bytes, cls: type, code: str) -> None:
    err = http_error(status, body)
    assert type(err) is cls and err.code == code and err.venue == "COINBASE"


def test_http_error_keeps_message_and_retry_after() -> None:
    err = http_error(404, decode_rest(s.HTTP_NOT_FOUND, ErrorResponse))
    assert isinstance(err, RequestRejected) and err.http_status == 404
    assert err.venue_message == "order with this orderID was not found"
    limited = http_error(429, b"", retry_after_s=1.5)
    assert isinstance(limited, RateLimited) and limited.retry_after_s == 1.5
    raw = http_error(418, b"teapot")
    assert isinstance(raw, RequestRejected) and raw.venue_message == "teapot"


def test_ws_errors() -> None:
    auth = decode_ws(s.WS_ERROR)
    assert isinstance(auth, WsError)
    assert type(ws_error(auth)) is AuthenticationFailed
    other = ws_error(WsError(type="error", message="Failed to subscribe", reason="bad channel"))
    assert type(other) is RequestRejected
    assert other.venue_message == "Failed to subscribe - bad channel"
