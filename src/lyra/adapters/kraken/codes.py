"""Kraken error strings -> Lyra: the :class:`~lyra.venue.RejectCode` for order events and
the :class:`~lyra.errors.VenueError` class for calls that raise.

Kraken reports errors as text ``"<severity><category>:<message>[:<detail>]"``, e.g.
``"EOrder:Insufficient funds"`` or ``"EGeneral:Invalid arguments:volume"``: a list of them in
REST (``{"error": [...], "result": ...}``) and one ``error`` string in a websocket v2 reply.
:func:`classify` maps one to an :class:`ErrorInfo`:

=============================================  ========================  =====================
Kraken error                                   error class               reject code
=============================================  ========================  =====================
``EAPI:Invalid key``, ``EAPI:Invalid           ``AuthenticationFailed``  VENUE_REJECTED
signature``, ``EAPI:Invalid nonce``,
``EGeneral:Permission denied``, ``EAPI:Bad
request``, ``EOrder:Trading agreement
required``
``EAPI:Rate limit exceeded``, ``EOrder:Rate    ``RateLimited``           RATE_LIMITED
limit exceeded``, ``EService:Throttled...``,
``EGeneral:Temporary lockout``
``EService:Unavailable``, ``EService:Busy``    ``RequestRejected``       VENUE_REJECTED
``EGeneral:Internal error``, ``EService:       ``RequestStatusUnknown``  --
Deadline elapsed`` (may or may not have
happened)
``EOrder:Insufficient funds``, ``...           ``RequestRejected``       INSUFFICIENT_BALANCE
Insufficient margin``
``EOrder:Unknown order``                       ``RequestRejected``       UNKNOWN_ORDER
any text with "post only"                      ``RequestRejected``       POST_ONLY_WOULD_TAKE
``EOrder:...cancel_only...``, ``...post_only   ``RequestRejected``       MARKET_CLOSED
mode``, ``EService:Market in ...``
``EGeneral:Invalid arguments...``, ``EQuery:   ``RequestRejected``       INVALID_ORDER
Unknown asset pair``, ``EOrder:Invalid
price``, ``EOrder:Order minimum not met``,
``EOrder:Cost minimum not met``, ``EOrder:Tick
size check failed``, ``EOrder:Invalid order``
anything else                                  ``RequestRejected``       VENUE_REJECTED
=============================================  ========================  =====================

The classes are the adapter toolkit's (:mod:`lyra.errors`, all
:class:`~lyra.errors.VenueError`): a ``RequestRejected`` was not executed, a
``RequestStatusUnknown`` may have been (query before acting).

The text is always kept: :func:`reason` writes ``"KRAKEN EOrder:Insufficient funds"``.
(The exact wording of Kraken's post-only rejection is not pinned down in its
documentation, hence the loose match.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from lyra.errors import (
    AuthenticationFailed,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    VenueError,
)
from lyra.venue.codes import RejectCode

from .messages import MethodResponse, RestResponse

__all__ = (
    "VENUE_NAME",
    "ErrorInfo",
    "check_response",
    "classify",
    "first_error",
    "reason",
    "to_error",
)

VENUE_NAME: Final = "KRAKEN"
"""The venue name used in error messages and reasons."""

_R = RejectCode
_AFTER_COLON: Final = re.compile(r":\s+")


class ErrorInfo(NamedTuple):
    """What a Kraken error means to Lyra (see :func:`classify`)."""

    venue_error: str
    reject_code: RejectCode
    error_class: type[VenueError]
    retryable: bool


_AUTH: Final = (
    "EAPI:Invalid key",
    "EAPI:Invalid signature",
    "EAPI:Invalid nonce",
    "EAPI:Bad request",
    "EGeneral:Permission denied",
    "EOrder:Trading agreement required",
)
_RATE: Final = (
    "EAPI:Rate limit exceeded",
    "EOrder:Rate limit exceeded",
    "EService:Throttled",
    "EGeneral:Temporary lockout",
)
_UNAVAILABLE: Final = ("EService:Unavailable", "EService:Busy")
_UNKNOWN_OUTCOME: Final = ("EGeneral:Internal error", "EService:Deadline elapsed")
_BALANCE: Final = (
    "EOrder:Insufficient funds",
    "EOrder:Insufficient margin",
    "EFunding:Insufficient",
)
_UNKNOWN_ORDER: Final = ("EOrder:Unknown order",)
# The market-state words Kraken uses when a pair is not fully trading.
_MODES: Final = ("cancel_only", "post_only", "limit_only", "reduce_only mode")
_INVALID: Final = (
    "EGeneral:Invalid arguments",
    "EQuery:Unknown asset pair",
    "EOrder:Invalid price",
    "EOrder:Invalid order",
    "EOrder:Order minimum not met",
    "EOrder:Cost minimum not met",
    "EOrder:Tick size check failed",
    "EOrder:Invalid",
)


def classify(error: str) -> ErrorInfo:
    """The Lyra meaning of one Kraken error string (see the module table)."""
    text = error.strip()
    # Kraken sometimes writes a space after a colon ("EService: Throttled: <ts>").
    squeezed = _AFTER_COLON.sub(":", text)
    lower = squeezed.lower()
    if squeezed.startswith(_AUTH):
        return ErrorInfo(text, _R.VENUE_REJECTED, AuthenticationFailed, False)
    if squeezed.startswith(_RATE):
        return ErrorInfo(text, _R.RATE_LIMITED, RateLimited, True)
    if "market in" in lower or any(mode in lower for mode in _MODES):
        return ErrorInfo(text, _R.MARKET_CLOSED, RequestRejected, True)
    if "post only" in lower or "post-only" in lower:
        return ErrorInfo(text, _R.POST_ONLY_WOULD_TAKE, RequestRejected, False)
    if squeezed.startswith(_UNAVAILABLE):
        return ErrorInfo(text, _R.VENUE_REJECTED, RequestRejected, True)
    if squeezed.startswith(_UNKNOWN_OUTCOME):
        return ErrorInfo(text, _R.VENUE_REJECTED, RequestStatusUnknown, False)
    if squeezed.startswith(_BALANCE):
        return ErrorInfo(text, _R.INSUFFICIENT_BALANCE, RequestRejected, False)
    if squeezed.startswith(_UNKNOWN_ORDER):
        return ErrorInfo(text, _R.UNKNOWN_ORDER, RequestRejected, False)
    if squeezed.startswith(_INVALID):
        return ErrorInfo(text, _R.INVALID_ORDER, RequestRejected, False)
    return ErrorInfo(text, _R.VENUE_REJECTED, RequestRejected, False)


def reason(error: str) -> str:
    """The venue's text as an event reason: ``"KRAKEN EOrder:Insufficient funds"``."""
    return f"{VENUE_NAME} {error.strip()}"


def to_error(error: str, *, http_status: int = 0, client_order_id: str | None = None) -> VenueError:
    """The exception for a Kraken error string (returned, not raised): a
    ``RequestRejected`` (or ``RateLimited``/``AuthenticationFailed``) whose ``venue_code``
    is the category (``EOrder``) and ``venue_message`` the rest, or a
    ``RequestStatusUnknown``."""
    info = classify(error)
    if info.error_class is RequestStatusUnknown:
        return RequestStatusUnknown(
            reason(error), venue=VENUE_NAME, client_order_id=client_order_id
        )
    category, sep, rest = info.venue_error.partition(":")
    rest = rest.strip()
    cls = info.error_class
    assert issubclass(cls, RequestRejected)
    return cls(
        rest if sep else info.venue_error,
        venue_code=category if sep else "E",
        http_status=http_status,
        reject_code=info.reject_code.value,
        venue=VENUE_NAME,
        client_order_id=client_order_id,
    )


def first_error(errors: Sequence[str]) -> ErrorInfo | None:
    """The classification of the first error of a REST ``error`` list (``None`` if empty)."""
    return classify(errors[0]) if errors else None


def check_response(response: RestResponse[Any] | MethodResponse) -> None:
    """Raise the mapped :class:`~lyra.errors.VenueError` unless ``response`` succeeded (a
    REST envelope with an empty ``error`` list, or a websocket reply with ``success``)."""
    if isinstance(response, MethodResponse):
        if not response.success:
            raise to_error(response.error or "EGeneral:Unknown error")
        return
    if response.error:
        raise to_error(response.error[0])
