"""Binance error codes -> typed exceptions and stable reject codes, in one place.

Binance answers an error with an HTTP status and ``{"code": <negative int>, "msg": ...}``
(the websocket API puts the same pair under ``"error"``). :func:`binance_error` turns one
into the toolkit's exceptions:

* :class:`~lyra.adapters.RateLimited` -- HTTP 429/418, ``-1003`` (too many requests),
  ``-1015`` (too many new orders), ``-1008`` (server busy);
* :class:`~lyra.adapters.AuthenticationFailed` -- ``-1021`` (timestamp outside
  ``recvWindow``; marked ``clock_skew`` so the client resynchronises and retries),
  ``-1022`` (bad signature), ``-2014``/``-2015`` (bad key, IP or permissions), HTTP 401;
* :class:`~lyra.adapters.RequestStatusUnknown` -- ``-1000``, ``-1001``, ``-1006``,
  ``-1007`` and HTTP 5xx: the request may have been executed;
* :class:`~lyra.adapters.RequestRejected` for the rest, with the
  :class:`~lyra.venue.RejectCode` from :func:`reject_code`: ``-2010`` "would immediately
  match and take" / ``-5022`` (GTX) -> ``POST_ONLY_WOULD_TAKE``; insufficient balance /
  ``-2019`` margin -> ``INSUFFICIENT_BALANCE``; ``-2011`` / ``-2013`` unknown order ->
  ``UNKNOWN_ORDER``; filter and parameter errors (``-1013``, ``-11xx``, ``-4xxx``) ->
  ``INVALID_ORDER``; "market is closed" -> ``MARKET_CLOSED``; anything else
  ``VENUE_REJECTED``.

The venue's code and text stay in the exception (``venue_code``, ``venue_message``) and in
the ``reason`` of the order event built from it: ``"BINANCE -2010: Order would
immediately match and take."``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import msgspec

from lyra.adapters.rest import PreparedRequest
from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    VenueError,
)
from lyra.venue.codes import RejectCode

__all__ = (
    "CODE_TEXT",
    "BinanceErrorMapper",
    "binance_error",
    "reject_code",
)

CODE_TEXT: Final[Mapping[int, str]] = {
    -1000: "An unknown error occurred while processing the request.",
    -1001: "Internal error; unable to process your request. Please try again.",
    -1003: "Too many requests; current limit is exceeded.",
    -1006: "An unexpected response was received from the message bus.",
    -1007: "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown.",
    -1008: "Server is currently overloaded with other requests. Please try again in a few minutes.",
    -1013: "Invalid quantity.",
    -1015: "Too many new orders.",
    -1021: "Timestamp for this request is outside of the recvWindow.",
    -1022: "Signature for this request is not valid.",
    -1100: "Illegal characters found in parameter.",
    -1101: "Too many parameters sent for this endpoint.",
    -1102: "A mandatory parameter was not sent, was empty/null, or malformed.",
    -1104: "Not all sent parameters were read.",
    -1106: "A parameter was sent when not required.",
    -1111: "Precision is over the maximum defined for this asset.",
    -1116: "Invalid orderType.",
    -1117: "Invalid side.",
    -1121: "Invalid symbol.",
    -1131: "recvWindow must be less than 60000",
    -2010: "New order rejected.",
    -2011: "Unknown order sent.",
    -2013: "Order does not exist.",
    -2014: "API-key format invalid.",
    -2015: "Invalid API-key, IP, or permissions for action.",
    -2019: "Margin is insufficient.",
    -2022: "ReduceOnly Order is rejected.",
    -2038: "Order amend rejected.",
    -4164: "Order's notional must be no smaller than the minimum.",
    -5022: "Due to the order could not be executed as maker, the Post Only order will be "
    "rejected. The order will not be recorded in the order history",
}
"""The documented text of the codes this module knows (used by the fake server)."""

_RATE: Final = frozenset({-1003, -1015, -1008})
_AUTH: Final = frozenset({-1021, -1022, -2014, -2015})
_UNKNOWN: Final = frozenset({-1000, -1001, -1006, -1007})
_UNKNOWN_ORDER: Final = frozenset({-2011, -2013})


def reject_code(code: int, message: str) -> RejectCode:
    """The :class:`~lyra.venue.RejectCode` a Binance error normalises to."""
    text = message.lower()
    if code == -5022 or "immediately match and take" in text:
        return RejectCode.POST_ONLY_WOULD_TAKE
    if code == -2019 or "insufficient balance" in text or "margin is insufficient" in text:
        return RejectCode.INSUFFICIENT_BALANCE
    if code in _UNKNOWN_ORDER or "unknown order" in text or "does not exist" in text:
        return RejectCode.UNKNOWN_ORDER
    if code in _RATE:
        return RejectCode.RATE_LIMITED
    if "market is closed" in text or "trading is disabled" in text:
        return RejectCode.MARKET_CLOSED
    if code == -1013 or -1199 <= code <= -1100 or -4999 <= code <= -4000:
        return RejectCode.INVALID_ORDER
    return RejectCode.VENUE_REJECTED


def binance_error(
    code: int,
    message: str,
    *,
    http_status: int = 0,
    venue: str = "BINANCE",
    retry_after_s: float | None = None,
) -> VenueError:
    """The exception for a Binance error answer (see the module docs)."""
    if code in _RATE or http_status in (418, 429):
        return RateLimited(
            message,
            venue_code=code,
            http_status=http_status,
            retry_after_s=retry_after_s,
            venue=venue,
        )
    if code in _UNKNOWN or http_status >= 500:
        shown = f"{code}: {message}" if code else message
        return RequestStatusUnknown(f"{shown} (HTTP {http_status})", venue=venue)
    if code in _AUTH or http_status == 401:
        err = AuthenticationFailed(
            message,
            venue_code=code,
            http_status=http_status,
            reject_code=RejectCode.VENUE_REJECTED,
            venue=venue,
        )
        err.clock_skew = code == -1021
        return err
    return RequestRejected(
        message,
        venue_code=code,
        http_status=http_status,
        reject_code=reject_code(code, message),
        venue=venue,
    )


_ERROR_DECODER: Final = msgspec.json.Decoder(dict[str, object])


class BinanceErrorMapper:
    """The :class:`~lyra.adapters.ErrorMapper` of Binance REST answers."""

    __slots__ = ("venue",)

    def __init__(self, venue: str = "BINANCE") -> None:
        self.venue = venue

    def error(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        request: PreparedRequest,
    ) -> VenueError | None:
        """``None`` for a 2xx answer; else the mapped exception."""
        if status < 400:
            return None
        code, message = 0, f"HTTP {status}"
        try:
            data = _ERROR_DECODER.decode(body)
            raw_code = data.get("code")
            if isinstance(raw_code, int):
                code = raw_code
            raw_msg = data.get("msg")
            if isinstance(raw_msg, str):
                message = raw_msg
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass
        retry = headers.get("Retry-After")
        retry_after = float(retry) if retry is not None and retry.isdigit() else None
        return binance_error(
            code, message, http_status=status, venue=self.venue, retry_after_s=retry_after
        )

    def __repr__(self) -> str:
        return f"BinanceErrorMapper({self.venue})"
