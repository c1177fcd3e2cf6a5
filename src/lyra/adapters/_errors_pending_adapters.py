"""Exceptions of the adapter toolkit, waiting to move into :mod:`lyra.errors`.

Every class subclasses :class:`~lyra.errors.VenueError`, so code catching ``VenueError``
already catches them. None of them ever carries an API key, a secret, a signature or a
listen key in its message or attributes: the transport builds them from the venue's code
and message and the request's method and path only.

* :class:`TransportError` -- the connection failed (connect timeout, refused, reset, TLS).
* :class:`RequestRejected` -- the venue answered with an error: it did **not** execute the
  request. ``venue_code``/``venue_message`` are the venue's own, ``reject_code`` the
  normalised :class:`~lyra.venue.RejectCode` value. Subclasses:
  :class:`RateLimited` (with ``retry_after_s``) and :class:`AuthenticationFailed`.
* :class:`RequestStatusUnknown` -- no usable answer (timeout, 5xx, "status unknown" codes):
  the venue may or may not have executed the request; reconcile.
* :class:`MalformedMessage` -- a message that could not be decoded.
* :class:`BookSyncError` -- an order book lost sync: :class:`SequenceGap`,
  :class:`ChecksumMismatch`.
"""

from __future__ import annotations

from typing import Any

from lyra.errors import VenueError

__all__ = (
    "AuthenticationFailed",
    "BookSyncError",
    "ChecksumMismatch",
    "MalformedMessage",
    "RateLimited",
    "RequestRejected",
    "RequestStatusUnknown",
    "SequenceGap",
    "TransportError",
)


class TransportError(VenueError):
    """The connection to the venue failed or was lost (no answer to interpret)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "TRANSPORT",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)


class RequestRejected(VenueError):
    """The venue refused a request with an error answer; the request was not executed.

    ``venue_code`` is the venue's error code (``-2010``, ``"51008"``, ``"EOrder:..."``),
    ``venue_message`` its text, ``http_status`` the HTTP status (0 on a websocket), and
    ``reject_code`` the :class:`~lyra.venue.RejectCode` value it normalises to (also in
    ``code``).
    """

    venue_code: int | str
    venue_message: str
    http_status: int
    reject_code: str
    clock_skew: bool = False
    """True when the venue refused the request's timestamp: resynchronise the clock and the
    request may be sent again (it was not executed)."""

    def __init__(
        self,
        venue_message: str,
        *,
        venue_code: int | str = 0,
        http_status: int = 0,
        reject_code: str = "VENUE_REJECTED",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        self.venue_code = venue_code
        self.venue_message = venue_message
        self.http_status = http_status
        self.reject_code = reject_code
        shown = f"{venue_code}: {venue_message}" if venue_code != 0 else venue_message
        super().__init__(shown, code=reject_code, venue=venue, client_order_id=client_order_id)

    @property
    def reason(self) -> str:
        """``"<VENUE> <code>: <message>"``, the text an order event's ``reason`` carries."""
        where = f"{self.venue} " if self.venue else ""
        return f"{where}{self.venue_code}: {self.venue_message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_rejected,
            (
                type(self),
                self.venue_message,
                self.venue_code,
                self.http_status,
                self.reject_code,
                self.venue,
                self.client_order_id,
                dict(self.__dict__),
            ),
        )


def _rebuild_rejected(
    cls: type[RequestRejected],
    venue_message: str,
    venue_code: int | str,
    http_status: int,
    reject_code: str,
    venue: str | None,
    client_order_id: str | None,
    state: dict[str, Any],
) -> RequestRejected:
    obj = RequestRejected.__new__(cls)
    RequestRejected.__init__(
        obj,
        venue_message,
        venue_code=venue_code,
        http_status=http_status,
        reject_code=reject_code,
        venue=venue,
        client_order_id=client_order_id,
    )
    obj.__dict__.update(state)
    return obj


class RateLimited(RequestRejected):
    """The venue's rate limit refused the request; ``retry_after_s`` says when to retry
    (``None`` if the venue did not say)."""

    retry_after_s: float | None

    def __init__(
        self,
        venue_message: str,
        *,
        venue_code: int | str = 0,
        http_status: int = 429,
        reject_code: str = "RATE_LIMITED",
        retry_after_s: float | None = None,
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(
            venue_message,
            venue_code=venue_code,
            http_status=http_status,
            reject_code=reject_code,
            venue=venue,
            client_order_id=client_order_id,
        )
        self.retry_after_s = retry_after_s


class AuthenticationFailed(RequestRejected):
    """The venue refused the credentials: a bad key, a bad signature, missing permissions,
    or a timestamp outside the allowed window."""


class RequestStatusUnknown(VenueError):
    """The request got no usable answer (timeout, 5xx, a "status unknown" code): the venue
    may have executed it or not. The adapter reconciles the order concerned."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "STATUS_UNKNOWN",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)


class MalformedMessage(VenueError):
    """A venue message could not be decoded into its expected shape.

    ``kind`` names the expected message type; ``excerpt`` holds at most the first 200
    characters of the message (market data and execution reports never carry secrets).
    """

    kind: str
    excerpt: str

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        excerpt: str = "",
        code: str = "MALFORMED_MESSAGE",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)
        self.kind = kind
        self.excerpt = excerpt[:200]

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_malformed,
            (type(self), self._message, self.kind, self.excerpt, self.code, self.venue),
        )


def _rebuild_malformed(
    cls: type[MalformedMessage],
    message: str,
    kind: str,
    excerpt: str,
    code: str,
    venue: str | None,
) -> MalformedMessage:
    return cls(message, kind=kind, excerpt=excerpt, code=code, venue=venue)


class BookSyncError(VenueError):
    """An order book lost sync with the venue and must be rebuilt from a snapshot."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "BOOK_OUT_OF_SYNC",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)


class SequenceGap(BookSyncError):
    """The venue's update ids skipped: at least one update was missed."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "SEQUENCE_GAP",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)


class ChecksumMismatch(BookSyncError):
    """The book's checksum differs from the one the venue sent with an update."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "CHECKSUM_MISMATCH",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)
