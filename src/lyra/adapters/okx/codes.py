"""OKX error codes -> Lyra: the :class:`~lyra.venue.RejectCode` for order events and the
:class:`~lyra.errors.VenueError` class for calls that raise.

OKX answers every request with a ``code`` (``"0"`` success) and a ``msg``; order requests
add a per-order ``sCode``/``sMsg`` (the envelope then says ``"1"`` all failed or ``"2"``
partly failed). :func:`classify` maps any of these codes to an :class:`ErrorInfo`:

===========================================  ========================  ====================
OKX codes                                    error class               reject code
===========================================  ========================  ====================
50004 (endpoint timeout: outcome unknown)    ``RequestStatusUnknown``  --
50011, 50061, 60014 (rate limits)            ``RateLimited``           RATE_LIMITED
50100-50114, 50120, 60004-60007, 60009       ``AuthenticationFailed``  VENUE_REJECTED
(key, signature, timestamp, passphrase,
permission, login)
50001, 50013, 50026 (unavailable, busy)      ``RequestRejected``       VENUE_REJECTED
51008, 51119, 51131 (insufficient balance)   ``RequestRejected``       INSUFFICIENT_BALANCE
51400-51402, 51503, 51603 (order unknown,    ``RequestRejected``       UNKNOWN_ORDER
already filled or canceled)
51027-51030 (contract expired, delivering,   ``RequestRejected``       MARKET_CLOSED
settling)
50014, 51000-51006, 60012, 60013 (bad        ``RequestRejected``       INVALID_ORDER
parameters, unknown instrument, price limit)
anything else                                ``RequestRejected``       VENUE_REJECTED
===========================================  ========================  ====================

The classes are the adapter toolkit's (:mod:`lyra.errors`, all
:class:`~lyra.errors.VenueError`): a ``RequestRejected`` was not executed, a
``RequestStatusUnknown`` may have been (query before acting).

The venue's code and message are always kept: :func:`reason` writes them as
``"OKX 51008: Order failed. Insufficient balance"``, the text an
:class:`~lyra.orders.OrderRejected` carries. (A post-only order that would take is not an
error on OKX: the order is canceled with ``cancelSource`` 31; see ``orders``.)
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    VenueError,
)
from lyra.venue.codes import RejectCode

from .messages import OrderAck, RestResponse

__all__ = (
    "VENUE_NAME",
    "ErrorInfo",
    "ack_error",
    "check_response",
    "classify",
    "reason",
    "to_error",
)

VENUE_NAME: Final = "OKX"
"""The venue name used in error messages and reasons."""

_R = RejectCode


class ErrorInfo(NamedTuple):
    """What an OKX code means to Lyra.

    ``error_class`` is the exception to raise for it, ``reject_code`` the code an order
    event carries, ``retryable`` whether the same request may succeed later unchanged.
    """

    venue_code: str
    message: str
    reject_code: RejectCode
    error_class: type[VenueError]
    retryable: bool


_UNAVAILABLE: Final = frozenset({"50001", "50013", "50026"})
_UNKNOWN_OUTCOME: Final = frozenset({"50004"})
_RATE: Final = frozenset({"50011", "50061", "60014"})
_AUTH: Final = frozenset(
    {str(c) for c in range(50100, 50115)} | {"50120", "60004", "60005", "60006", "60007", "60009"}
)
_BALANCE: Final = frozenset({"51008", "51119", "51131"})
_UNKNOWN_ORDER: Final = frozenset({"51400", "51401", "51402", "51503", "51603"})
_CLOSED: Final = frozenset({"51027", "51028", "51029", "51030"})
_INVALID: Final = frozenset(
    {"50014", "51000", "51001", "51002", "51003", "51004", "51005", "51006", "60012", "60013"}
)


def classify(code: str | int, message: str = "") -> ErrorInfo:
    """The Lyra meaning of an OKX ``code``/``sCode`` (see the module table).

    Sub-codes such as ``51008_1000`` are classified by their main code.
    """
    text = str(code).strip()
    main = text.split("_", 1)[0]
    if main in _UNAVAILABLE:
        return ErrorInfo(text, message, _R.VENUE_REJECTED, RequestRejected, True)
    if main in _UNKNOWN_OUTCOME:
        return ErrorInfo(text, message, _R.VENUE_REJECTED, RequestStatusUnknown, False)
    if main in _RATE:
        return ErrorInfo(text, message, _R.RATE_LIMITED, RateLimited, True)
    if main in _AUTH:
        return ErrorInfo(text, message, _R.VENUE_REJECTED, AuthenticationFailed, False)
    if main in _BALANCE:
        return ErrorInfo(text, message, _R.INSUFFICIENT_BALANCE, RequestRejected, False)
    if main in _UNKNOWN_ORDER:
        return ErrorInfo(text, message, _R.UNKNOWN_ORDER, RequestRejected, False)
    if main in _CLOSED:
        return ErrorInfo(text, message, _R.MARKET_CLOSED, RequestRejected, False)
    if main in _INVALID:
        return ErrorInfo(text, message, _R.INVALID_ORDER, RequestRejected, False)
    return ErrorInfo(text, message, _R.VENUE_REJECTED, RequestRejected, False)


def reason(code: str | int, message: str = "") -> str:
    """The venue's code and message as one line: ``"OKX 51008: Order failed. ..."``."""
    return f"{VENUE_NAME} {code}: {message}" if message else f"{VENUE_NAME} {code}"


def to_error(
    code: str | int, message: str = "", *, http_status: int = 0, client_order_id: str | None = None
) -> VenueError:
    """The exception for an OKX error (returned, not raised): a ``RequestRejected`` (or its
    ``RateLimited``/``AuthenticationFailed`` subclasses) carrying the venue's code and
    message and the reject code, or a ``RequestStatusUnknown``."""
    info = classify(code, message)
    if info.error_class is RequestStatusUnknown:
        return RequestStatusUnknown(
            reason(info.venue_code, message), venue=VENUE_NAME, client_order_id=client_order_id
        )
    cls = info.error_class
    assert issubclass(cls, RequestRejected)
    return cls(
        message or info.venue_code,
        venue_code=info.venue_code,
        http_status=http_status,
        reject_code=info.reject_code.value,
        venue=VENUE_NAME,
        client_order_id=client_order_id,
    )


def ack_error(ack: OrderAck) -> ErrorInfo | None:
    """The error of one order's result in a place/cancel/amend reply (``None``: success)."""
    if ack.s_code in ("", "0"):
        return None
    return classify(ack.s_code, ack.s_msg)


def check_response(response: RestResponse[Any]) -> None:
    """Raise the mapped :class:`~lyra.errors.VenueError` unless ``response`` succeeded.

    For a failed order envelope (``"1"``/``"2"``) the first failing ``sCode`` is reported,
    since the envelope's own message is generic.
    """
    if response.code == "0":
        return
    for item in response.data:
        if isinstance(item, OrderAck):
            info = ack_error(item)
            if info is not None:
                raise to_error(
                    info.venue_code, info.message, client_order_id=item.cl_ord_id or None
                )
    raise to_error(response.code, response.msg)
