"""Stable codes for refusals and rejections that every venue uses the same way.

A venue puts one of these in the ``code`` of an :class:`~lyra.orders.OrderDenied`,
:class:`~lyra.orders.OrderRejected`, :class:`~lyra.orders.OrderModifyRejected` or
:class:`~lyra.orders.OrderCancelRejected` whenever one fits, and the venue's own code and
message in ``reason`` (``"BINANCE -2010: Order would immediately match and take."``), so a
strategy can react to ``event.code`` without knowing which venue it trades on. The codes are
a ``str`` enum whose values equal their names: ``event.code == "ORDER_CLOSED"`` works, and
they serialize unchanged. Codes are stable; new ones may be added, none is renamed.

The first group (:data:`LOCAL_REJECT_CODES`) is reserved for what a venue decides
**locally**, before anything is sent (see the venue contract: such a refusal is the only
event the command produces); the second is how the venue's own answers are normalised, and
an answer from the venue never uses a code of the first group (a venue that says "not
supported" is ``INVALID_ORDER`` or ``VENUE_REJECTED``, with its words in ``reason``).
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ("LOCAL_REJECT_CODES", "RejectCode")


class RejectCode(enum.StrEnum):
    """Machine-readable reason of a venue's refusal or rejection (value equals name)."""

    # -- decided locally, nothing reaches the venue ------------------------------------------
    NOT_SUPPORTED = "NOT_SUPPORTED"
    """The venue's capabilities lack a feature the order, list or modify needs."""
    NOT_CONNECTED = "NOT_CONNECTED"
    """The venue is not connected; the command was not sent (it is not queued either)."""
    ORDER_CLOSED = "ORDER_CLOSED"
    """Cancel or modify of an order that is already closed (filled, canceled, expired,
    rejected)."""
    CANCEL_PENDING = "CANCEL_PENDING"
    """Modify of an order whose cancel request is still outstanding."""
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    """Another order with the same client order id already went through this venue."""

    # -- answers from the venue, normalised ----------------------------------------------------
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    """The venue does not know the order (never received, or no longer open there)."""
    POST_ONLY_WOULD_TAKE = "POST_ONLY_WOULD_TAKE"
    """A post-only order (or modify) would have taken liquidity."""
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    """The venue found the balance or margin insufficient."""
    RATE_LIMITED = "RATE_LIMITED"
    """The venue's own rate limit refused the request."""
    INVALID_ORDER = "INVALID_ORDER"
    """The venue's rules refused a field (price, quantity, notional filters, ...)."""
    MARKET_CLOSED = "MARKET_CLOSED"
    """The instrument is not trading (halted, closed, cancel-only)."""
    VENUE_REJECTED = "VENUE_REJECTED"
    """Any other venue refusal; ``reason`` carries the venue's code and message."""


LOCAL_REJECT_CODES: Final = frozenset(
    {
        RejectCode.NOT_SUPPORTED,
        RejectCode.NOT_CONNECTED,
        RejectCode.ORDER_CLOSED,
        RejectCode.CANCEL_PENDING,
        RejectCode.DUPLICATE_CLIENT_ORDER_ID,
    }
)
"""The codes of refusals decided locally: an ``OrderCancelRejected`` or
``OrderModifyRejected`` that answers no request (no ``OrderPending*`` before it) carries one
of these."""
