"""Coinbase error answers -> Lyra's venue errors and reject codes, the venue's words kept.

Coinbase reports a refusal in several places:

* a refused order: ``{"success": false, "error_response": {"error",
  "new_order_failure_reason", "preview_failure_reason", "message", "error_details"}}``
  (``new_order_failure_reason`` supersedes the other two; older answers carry a top-level
  ``failure_reason``);
* a refused cancel: ``{"success": false, "failure_reason": "UNKNOWN_CANCEL_ORDER"}`` per
  order of ``batch_cancel``;
* a refused edit: ``{"success": false, "errors": [{"edit_failure_reason",
  "preview_failure_reason"}]}``;
* an HTTP error: status 401/403 (credentials), 404, 400, 429 (rate limit), 5xx, with a
  body ``{"error": "NOT_FOUND", "message": ..., "error_details": ...}``;
* a websocket error: ``{"type": "error", "message": "authentication failure"}``.

:func:`reject_code` maps any failure reason string to a :class:`~lyra.venue.RejectCode`;
the other functions build the toolkit's venue errors
(:mod:`lyra.errors`): :class:`RequestRejected` (the request was
not executed; ``code`` is the reject code, ``venue_code``/``venue_message`` Coinbase's own,
``reason`` the text for an order event), :class:`AuthenticationFailed`,
:class:`RateLimited`, and :class:`RequestStatusUnknown` for a 5xx (the venue may have acted:
reconcile). Enum values are from Coinbase's published API schema (``NewOrderFailureReason``,
``PreviewFailureReason``, ``CancelOrderFailureReason``, ``EditOrderFailureReason``).
"""

from __future__ import annotations

from typing import Final

import msgspec

from lyra.adapters.coinbase.messages import (
    CancelResult,
    CreateOrderResponse,
    EditOrderResponse,
    ErrorResponse,
    WsError,
)
from lyra.adapters.coinbase.symbols import VENUE
from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    VenueError,
)
from lyra.venue.codes import RejectCode

__all__ = (
    "cancel_rejection",
    "create_order_rejection",
    "edit_rejection",
    "http_error",
    "reject_code",
    "ws_error",
)

_R = RejectCode

_EXACT: Final[dict[str, RejectCode]] = {
    # balance
    "INSUFFICIENT_FUND": _R.INSUFFICIENT_BALANCE,
    "INSUFFICIENT_FUNDS": _R.INSUFFICIENT_BALANCE,
    "INVALID_LEDGER_BALANCE": _R.INSUFFICIENT_BALANCE,
    "INSUFFICIENT_LEDGER_BALANCE": _R.INSUFFICIENT_BALANCE,
    "INSUFFICIENT_FUNDS_FOR_FUTURES": _R.INSUFFICIENT_BALANCE,
    "INVALID_MARGIN_HEALTH": _R.INSUFFICIENT_BALANCE,
    "IN_LIQUIDATION": _R.INSUFFICIENT_BALANCE,
    # post-only
    "INVALID_LIMIT_PRICE_POST_ONLY": _R.POST_ONLY_WOULD_TAKE,
    # the market, not the order
    "ORDER_ENTRY_DISABLED": _R.MARKET_CLOSED,
    "UNTRADABLE_PRODUCT": _R.MARKET_CLOSED,
    "INVALID_FCM_TRADING_SESSION": _R.MARKET_CLOSED,
    "INVALID_CANCEL_FCM_TRADING_SESSION": _R.MARKET_CLOSED,
    "NOT_ALLOWED_BY_MARKET_STATE": _R.MARKET_CLOSED,
    "PRODUCT_TRADING_HALTED": _R.MARKET_CLOSED,
    "TRADING_DISABLED": _R.MARKET_CLOSED,
    "INVALID_EQUITY_TRADING_SESSION": _R.MARKET_CLOSED,
    "MARKET_ORDERS_PROHIBITED_DURING_NON_CORE_SESSION": _R.MARKET_CLOSED,
    "FUTURES_AFTER_HOUR_INVALID_ORDER_TYPE": _R.MARKET_CLOSED,
    "FUTURES_AFTER_HOUR_INVALID_TIME_IN_FORCE": _R.MARKET_CLOSED,
    # rate
    "RFQ_RATE_LIMITED": _R.RATE_LIMITED,
    "RATE_LIMIT_EXCEEDED": _R.RATE_LIMITED,
    # the order is not (or no longer) there
    "UNKNOWN_CANCEL_ORDER": _R.UNKNOWN_ORDER,
    "ORDER_NOT_FOUND": _R.UNKNOWN_ORDER,
    "ORDER_IS_FULLY_FILLED": _R.UNKNOWN_ORDER,
    "ONLY_OPEN_ORDERS_CAN_BE_EDITED": _R.UNKNOWN_ORDER,
    "FUTURES_VENUE_ORDER_NOT_FOUND": _R.UNKNOWN_ORDER,
    # conditions of the market or of other requests, not of the order's fields
    "INVALID_NO_LIQUIDITY": _R.VENUE_REJECTED,
    "MISSING_MARKET_TRADE_DATA": _R.VENUE_REJECTED,
    "DUPLICATE_CLIENT_ORDER_ID": _R.VENUE_REJECTED,
    "DUPLICATE_CANCEL_REQUEST": _R.VENUE_REJECTED,
    "ORDER_IS_BEING_REPLACED": _R.VENUE_REJECTED,
    "ORDER_IS_ALREADY_BEING_REPLACED": _R.VENUE_REJECTED,
    "ORDER_IS_PENDING_CANCEL": _R.VENUE_REJECTED,
    "CANNOT_EDIT_ORDER_PENDING_CANCEL": _R.VENUE_REJECTED,
    "TOO_MANY_PENDING_REPLACES": _R.VENUE_REJECTED,
    "NOT_ALLOWED_TO_CANCEL": _R.VENUE_REJECTED,
    "COMMANDER_REJECTED_NEW_ORDER": _R.VENUE_REJECTED,
    "COMMANDER_REJECTED_CANCEL_ORDER": _R.VENUE_REJECTED,
    "COMMANDER_REJECTED_EDIT_ORDER": _R.VENUE_REJECTED,
    "GEOFENCING_RESTRICTION": _R.VENUE_REJECTED,
    "INELIGIBLE_PAIR": _R.VENUE_REJECTED,
    "UNKNOWN_FAILURE_REASON": _R.VENUE_REJECTED,
    "UNKNOWN_CANCEL_FAILURE_REASON": _R.VENUE_REJECTED,
    "UNKNOWN_EDIT_ORDER_FAILURE_REASON": _R.VENUE_REJECTED,
    "UNKNOWN_PREVIEW_FAILURE_REASON": _R.VENUE_REJECTED,
    "BREACHED_ACCOUNT_POSITION_LIMIT": _R.VENUE_REJECTED,
    "BREACHED_COMPANY_POSITION_LIMIT": _R.VENUE_REJECTED,
    "BREACHED_OPEN_INTEREST_LIMIT": _R.VENUE_REJECTED,
    "BREACHED_RISK_LIMIT": _R.VENUE_REJECTED,
    "COMPLIANCE_PURCHASE_LIMIT_EXCEEDED": _R.VENUE_REJECTED,
    "MAX_DAILY_VOLUME_NOTIONAL_BREACHED": _R.VENUE_REJECTED,
}

# Words that mark a refusal of the order's own fields (price, size, time, type, flags).
_FIELD_WORDS: Final = (
    "INVALID_",
    "UNSUPPORTED_",
    "_NOT_SUPPORTED",
    "_NOT_ALLOWED",
    "CANNOT_",
    "_TOO_LARGE",
    "_TOO_SMALL",
    "_TOO_HIGH",
    "_TOO_LOW",
    "_TOO_FAR",
    "_OUT_OF_BOUNDS",
    "_MUST_",
    "FOK_",
    "GTD_",
    "END_TIME",
    "PRICE_",
    "STOP_",
    "SIZE_",
    "DURATION_",
    "BRACKET",
    "ATTACHED",
    "REDUCE_ONLY",
    "ICEBERG",
    "EDIT_REQUEST_EQUAL",
    "ONLY_LIMIT_ORDER_EDITS",
    "BELOW_MIN",
    "EXCEEDS",
)


def reject_code(reason: str) -> RejectCode:
    """The :class:`~lyra.venue.RejectCode` of a Coinbase failure reason (new-order, preview,
    cancel or edit; a ``PREVIEW_`` prefix is ignored). Reasons about the order's own fields
    are INVALID_ORDER; unknown ones VENUE_REJECTED. Never a locally-decided code."""
    key = reason.upper().strip()
    if key.startswith("PREVIEW_"):
        key = key[8:]
    found = _EXACT.get(key)
    if found is not None:
        return found
    if any(word in key for word in _FIELD_WORDS):
        return _R.INVALID_ORDER
    return _R.VENUE_REJECTED


def _rejected(
    venue_code: str,
    message: str,
    *,
    http_status: int = 0,
    client_order_id: str | None = None,
) -> RequestRejected:
    code = reject_code(venue_code) if venue_code else _R.VENUE_REJECTED
    if code is _R.RATE_LIMITED:
        return RateLimited(
            message or venue_code,
            venue_code=venue_code,
            http_status=http_status,
            venue=VENUE,
            client_order_id=client_order_id,
        )
    return RequestRejected(
        message or venue_code,
        venue_code=venue_code or "UNKNOWN",
        http_status=http_status,
        reject_code=code.value,
        venue=VENUE,
        client_order_id=client_order_id,
    )


def create_order_rejection(
    response: CreateOrderResponse, *, client_order_id: str | None = None
) -> RequestRejected:
    """The error of an unsuccessful ``POST /orders`` answer. The venue code is the most
    specific reason given (``new_order_failure_reason``, then ``error``, then
    ``preview_failure_reason``, then ``failure_reason``); the message keeps Coinbase's
    ``message`` and ``error_details``."""
    if response.success:
        raise ValueError("create_order_rejection: the order was accepted")
    err = response.error_response
    reasons = (
        (err.new_order_failure_reason, err.error, err.preview_failure_reason) if err else ()
    ) + (response.failure_reason,)
    venue_code = next(
        (r for r in reasons if r and not r.startswith("UNKNOWN_")),
        next((r for r in reasons if r), "UNKNOWN_FAILURE_REASON"),
    )
    parts = [p for p in ((err.message, err.error_details) if err else ()) if p]
    message = " - ".join(dict.fromkeys(parts)) or venue_code
    return _rejected(venue_code, message, client_order_id=client_order_id)


def cancel_rejection(
    result: CancelResult, *, client_order_id: str | None = None
) -> RequestRejected:
    """The error of one unsuccessful ``batch_cancel`` result."""
    if result.success:
        raise ValueError("cancel_rejection: the cancel succeeded")
    reason = result.failure_reason or "UNKNOWN_CANCEL_FAILURE_REASON"
    return _rejected(
        reason, f"cancel of {result.order_id} refused", client_order_id=client_order_id
    )


def edit_rejection(
    response: EditOrderResponse, *, client_order_id: str | None = None
) -> RequestRejected:
    """The error of an unsuccessful ``POST /orders/edit`` answer (its first error)."""
    if response.success:
        raise ValueError("edit_rejection: the edit succeeded")
    first = response.errors[0] if response.errors else None
    reason = ""
    if first is not None:
        reason = first.edit_failure_reason
        if not reason or reason.startswith("UNKNOWN_"):
            reason = first.preview_failure_reason or reason
    reason = reason or "UNKNOWN_EDIT_ORDER_FAILURE_REASON"
    return _rejected(reason, "edit refused", client_order_id=client_order_id)


_BODY: Final = msgspec.json.Decoder(ErrorResponse)


def http_error(
    status: int,
    body: bytes | str | ErrorResponse = b"",
    *,
    retry_after_s: float | None = None,
    client_order_id: str | None = None,
) -> VenueError:
    """The error of a non-2xx HTTP answer.

    401/403 -> :class:`AuthenticationFailed`; 429 (or ``RESOURCE_EXHAUSTED``) ->
    :class:`RateLimited` (with ``retry_after_s`` from the response's headers, if known);
    5xx -> :class:`RequestStatusUnknown` (the request may have been executed: reconcile);
    404 -> :class:`RequestRejected` UNKNOWN_ORDER; other 4xx -> :class:`RequestRejected`
    INVALID_ORDER when the error names a field, else VENUE_REJECTED. An unreadable body is
    kept as the message (its first 200 characters).
    """
    if isinstance(body, ErrorResponse):
        parsed: ErrorResponse | None = body
    else:
        try:
            parsed = _BODY.decode(body) if body else None
        except msgspec.MsgspecError:
            parsed = None
    if isinstance(body, str):
        text = body
    elif isinstance(body, (bytes, bytearray)):
        text = bytes(body).decode("utf-8", "replace")
    else:
        text = ""
    error = parsed.error if parsed else ""
    parts = [p for p in ((parsed.message, parsed.error_details) if parsed else ()) if p]
    message = " - ".join(dict.fromkeys(parts)) or text[:200] or f"HTTP {status}"
    venue_code = error or f"HTTP_{status}"
    if status in (401, 403) or error in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        return AuthenticationFailed(
            message,
            venue_code=venue_code,
            http_status=status,
            reject_code=_R.VENUE_REJECTED.value,
            venue=VENUE,
            client_order_id=client_order_id,
        )
    if status == 429 or error == "RESOURCE_EXHAUSTED":
        return RateLimited(
            message,
            venue_code=venue_code,
            http_status=status,
            retry_after_s=retry_after_s,
            venue=VENUE,
            client_order_id=client_order_id,
        )
    if status >= 500:
        return RequestStatusUnknown(
            f"HTTP {status} {venue_code}: {message}", venue=VENUE, client_order_id=client_order_id
        )
    if status == 404 or error == "NOT_FOUND":
        code = _R.UNKNOWN_ORDER
    elif error and error not in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
        code = reject_code(error)
    else:
        code = _R.INVALID_ORDER if status == 400 else _R.VENUE_REJECTED
    return RequestRejected(
        message,
        venue_code=venue_code,
        http_status=status,
        reject_code=code.value,
        venue=VENUE,
        client_order_id=client_order_id,
    )


def ws_error(message: WsError) -> RequestRejected:
    """The error of a websocket ``{"type": "error"}`` message: ``authentication failure``
    -> :class:`AuthenticationFailed`, anything else a :class:`RequestRejected` (a refused
    subscribe), with ``message`` and ``reason`` kept."""
    text = " - ".join(p for p in (message.message, message.reason) if p) or "error"
    if "authentication" in message.message.lower():
        return AuthenticationFailed(
            text, venue_code="authentication failure", reject_code="VENUE_REJECTED", venue=VENUE
        )
    return RequestRejected(text, venue_code="error", reject_code="VENUE_REJECTED", venue=VENUE)
