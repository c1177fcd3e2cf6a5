"""Every exception Lyra raises, in one place.

The hierarchy::

    LyraError                          root of everything Lyra raises
    ├── InvalidInput  (ValueError)     bad input: names the field and the rule it broke
    │   ├── InvalidIdentifier          a malformed identifier (InstrumentId, ClientOrderId, ...)
    │   ├── PrecisionError             too many decimal places, or a precision above the maximum
    │   ├── ValueOutOfRange            overflow, NaN/infinity, a negative quantity, a bound broken
    │   ├── InvalidInstrument          an instrument whose fields contradict each other
    │   ├── InvalidOrder               an order's specification, or a change to it, breaks a rule
    │   │   └── InvalidOrderList       an OCO/OUO/OTO/bracket list is inconsistent
    │   └── InvalidToken               a venue auth token (Coinbase CDP JWT) failed verification
    ├── InvalidTransition              an order event not allowed in the order's status
    ├── InsufficientBalance            an account asked to pay or reserve more than it holds
    ├── MissingDependency (ImportError) an optional dependency a feature needs is not installed
    ├── CurrencyMismatch (TypeError)   arithmetic or comparison across two currencies
    ├── UnknownCurrency (KeyError)     a currency code that is not registered
    ├── ClockError                     the clock was asked to do something it cannot
    │   ├── TimeWentBackwards          TestClock.advance_to / set_time to an earlier time
    │   ├── TimerNameInUse             a timer or alert name that is already armed
    │   └── TimerInPast                an alert or timer start before "now" where not allowed
    ├── BusError                       misuse of the EventBus
    │   ├── EndpointInUse              register() on an endpoint that already has a handler
    │   ├── NoEndpoint                 send()/request() to an endpoint nobody registered
    │   └── RequestTimeout             a request whose response did not arrive
    ├── NativeError                    the Rust engine refused an operation (lyra._native)
    ├── StateError                     persisted state or its store (lyra.state)
    │   ├── StateCorrupted             bad or foreign data in a store: ``key`` names where
    │   └── StoreUnavailable           the store could not be written or read
    ├── SweepBackendError              a sweep backend could not run trials at all
    ├── SweepTrialError                a sweep trial failed and its own error could not be raised
    ├── ResetNeeded (RuntimeError)     an RL environment stepped before its first reset()
    └── VenueError                     a venue could not do what was asked (stable ``code``)
        ├── NotSupported               the venue lacks a feature that was asked for
        ├── VenueNotConnected          an operation needing a connection was called without one
        ├── TransportError             the connection to the venue failed or was lost
        ├── RequestRejected            the venue refused a request (it was not executed)
        │   ├── RateLimited            refused by the venue's rate limit (``retry_after_s``)
        │   └── AuthenticationFailed   refused: bad key, signature or permissions
        ├── RequestStatusUnknown       no usable answer: the request may have executed
        ├── MalformedMessage           a venue message that could not be decoded
        └── BookSyncError              an order book lost sync
            ├── SequenceGap            a sequence number was skipped
            └── ChecksumMismatch       the venue's book checksum disagreed

Every :class:`InvalidInput` carries ``field`` (dotted path of what was wrong, e.g.
``"Price.precision"``), ``rule`` (the rule in words) and ``value`` (what was given), and its
message reads ``"<field>: <rule> (got <value>)"``, so a log line alone says what to fix.
``InvalidInput`` is also a :class:`ValueError`, so code that already catches ``ValueError``
keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = (
    "AuthenticationFailed",
    "BookSyncError",
    "BusError",
    "ChecksumMismatch",
    "ClockError",
    "CurrencyMismatch",
    "EndpointInUse",
    "InsufficientBalance",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidInstrument",
    "InvalidOrder",
    "InvalidOrderList",
    "InvalidToken",
    "InvalidTransition",
    "LyraError",
    "MalformedMessage",
    "MissingDependency",
    "NativeError",
    "NoEndpoint",
    "NotSupported",
    "PrecisionError",
    "RateLimited",
    "RequestRejected",
    "RequestStatusUnknown",
    "RequestTimeout",
    "ResetNeeded",
    "SequenceGap",
    "StateCorrupted",
    "StateError",
    "StoreUnavailable",
    "SweepBackendError",
    "SweepTrialError",
    "TimeWentBackwards",
    "TimerInPast",
    "TimerNameInUse",
    "TransportError",
    "UnknownCurrency",
    "ValueOutOfRange",
    "VenueError",
    "VenueNotConnected",
)

_NOTHING: Any = object()


def _shown(value: object, limit: int = 200) -> str:
    """repr() of a bad value for a message: never raises, never floods a log line."""
    try:
        text = repr(value)
    except Exception:  # e.g. an int too large to convert to a decimal string
        return f"<unprintable {type(value).__name__}>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class LyraError(Exception):
    """Base class of every exception raised by Lyra."""


class InvalidInput(LyraError, ValueError):
    """A value broke a documented rule; ``field`` and ``rule`` say which and how."""

    field: str
    rule: str
    value: Any

    def __init__(self, field: str, rule: str, value: Any = _NOTHING) -> None:
        self.field = field
        self.rule = rule
        self._has_value = value is not _NOTHING
        self.value = value if self._has_value else None
        message = f"{field}: {rule}"
        if self._has_value:
            message += f" (got {_shown(value)})"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.field, self.rule, self.value) if self._has_value else (self.field, self.rule)
        return (type(self), args)


class InvalidIdentifier(InvalidInput):
    """An identifier was empty, too long, or held characters its kind does not allow."""


class PrecisionError(InvalidInput):
    """A value had more decimal places than allowed, or a precision outside 0..9."""


class ValueOutOfRange(InvalidInput):
    """A value overflowed its raw range, was NaN/infinite, negative where it must not be,
    or fell outside an instrument's bounds."""


class InvalidInstrument(InvalidInput):
    """An instrument definition is inconsistent (e.g. min quantity above max quantity)."""


class InvalidOrder(InvalidInput):
    """An order's specification, or a change applied to it, breaks an order rule.

    ``field`` names the field (``"price"``, ``"OrderUpdated.quantity"``) and ``rule`` the rule,
    e.g. ``InvalidOrder("expire_time_ns", "is required when time_in_force is GTD")``.
    """


class InvalidOrderList(InvalidOrder):
    """An order list (OCO, OUO, OTO, bracket) is inconsistent: wrong sides, prices on the
    wrong side of the entry, mismatched quantities, orders already in a list, ..."""


class InvalidTransition(LyraError):
    """An event is not allowed in the order's current status; the order is left unchanged.

    ``client_order_id``, ``status`` (an ``OrderStatus``) and ``event_type`` (the event class
    name) say which order, where it was, and what arrived.
    """

    client_order_id: str
    status: Any
    event_type: str

    def __init__(self, client_order_id: str, status: Any, event_type: str) -> None:
        self.client_order_id = client_order_id
        self.status = status
        self.event_type = event_type
        name = getattr(status, "name", status)
        super().__init__(f"order {client_order_id}: {event_type} is not allowed in status {name}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.client_order_id, self.status, self.event_type))


class InsufficientBalance(LyraError):
    """An account was asked to pay or reserve more than it holds; it is left unchanged.

    Raised by a cash account (without ``allow_borrowing``) when a fill, a withdrawal or a
    balance update would make a total negative, and by any account when a lock would reserve
    more than the free balance. ``account_id``, ``currency`` (its code), ``required`` and
    ``available`` (decimal strings) say which balance and by how much.
    """

    account_id: str
    currency: str
    required: str
    available: str

    def __init__(self, account_id: str, currency: str, required: str, available: str) -> None:
        self.account_id = account_id
        self.currency = currency
        self.required = required
        self.available = available
        super().__init__(
            f"account {account_id}: {currency} balance is insufficient: "
            f"needs {required}, has {available}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.account_id, self.currency, self.required, self.available))


class MissingDependency(LyraError, ImportError):
    """An optional dependency that a feature needs is not installed; the message says which
    package to install (e.g. ``pip install pyarrow``)."""


class CurrencyMismatch(LyraError, TypeError):
    """Two money amounts in different currencies were combined or compared."""


class UnknownCurrency(LyraError, KeyError):
    """A currency code was looked up that is not registered."""

    def __str__(self) -> str:  # KeyError's default repr-quotes the message
        return str(self.args[0]) if self.args else ""


class ClockError(LyraError):
    """The clock was asked to do something it cannot do."""


class TimeWentBackwards(ClockError, ValueError):
    """A TestClock was set or advanced to a time earlier than its current time."""


class TimerNameInUse(ClockError, ValueError):
    """A timer or time alert was set under a name that is already armed."""


class TimerInPast(ClockError, ValueError):
    """An alert or a timer's first tick lies before the clock's time where that is not allowed."""


class BusError(LyraError):
    """The EventBus was used in a way it does not support."""


class EndpointInUse(BusError, ValueError):
    """A point-to-point endpoint already has a handler."""


class NoEndpoint(BusError, LookupError):
    """A message was sent to an endpoint that nobody registered."""


class RequestTimeout(BusError, TimeoutError):
    """A request's response did not arrive before its deadline."""


class NativeError(LyraError):
    """The Rust engine (``lyra._native``) refused an operation."""


class VenueError(LyraError):
    """A venue could not do what was asked.

    ``code`` is a stable, machine-readable code (the same vocabulary as
    :class:`lyra.venue.RejectCode`), ``venue`` names the venue and ``client_order_id`` the
    order concerned, when there is one. Order commands never raise this for conditions of
    the market or the connection: those arrive as events (see the venue contract).
    """

    code: str
    venue: str | None
    client_order_id: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str = "VENUE_ERROR",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        self.code = code
        self.venue = venue
        self.client_order_id = client_order_id
        where = f"{venue}: " if venue else ""
        which = f" (order {client_order_id})" if client_order_id else ""
        super().__init__(f"{where}{message}{which} [{code}]")
        self._message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (type(self), self._message, self.code, self.venue, self.client_order_id),
        )


def _rebuild(
    cls: type[VenueError],
    message: str,
    code: str,
    venue: str | None,
    client_order_id: str | None,
) -> VenueError:
    return cls(message, code=code, venue=venue, client_order_id=client_order_id)


class NotSupported(VenueError):
    """The venue lacks a feature that was asked for (e.g. native bars, a book depth).

    Raised synchronously by data subscriptions, which have no event to carry a refusal.
    Order commands never raise it: an unsupported order is denied with an
    :class:`~lyra.orders.OrderDenied` event (code ``NOT_SUPPORTED``) instead.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "NOT_SUPPORTED",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)


class VenueNotConnected(VenueError):
    """An operation that needs a live connection (e.g. ``reconcile``) was called without one.

    Order commands never raise it: without a connection they are refused with an event
    (code ``NOT_CONNECTED``) instead.
    """

    def __init__(
        self,
        message: str = "the venue is not connected",
        *,
        code: str = "NOT_CONNECTED",
        venue: str | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, venue=venue, client_order_id=client_order_id)


# -- errors of the backtest, state, adapter and RL layers ----------------------------


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


class InvalidToken(InvalidInput):
    """A CDP JWT failed verification; ``field`` names the part that failed
    (``"jwt.signature"``, ``"jwt.claims.exp"``, ``"jwt.header.kid"``) and ``rule`` why.

    Never carries the token itself, which is a live bearer credential while it lasts.
    """


class SweepBackendError(LyraError):
    """A sweep backend could not run trials at all: e.g. the local pool's worker processes
    died before a single trial finished (they could not start, or the first trials crashed
    them). The message names the likely causes."""


class SweepTrialError(LyraError):
    """A sweep trial failed under ``on_error="raise"`` and its own exception could not be
    re-raised: the exception did not survive the trip back from the worker (it could not be
    pickled), or the worker process died while running the trial.

    ``index`` is the trial's position in the search space, ``params`` its parameters,
    ``error_type`` / ``error`` the failure's type name and message, and ``traceback`` the
    worker's traceback text (empty when there is none).
    """

    index: int
    params: dict[str, Any]
    error_type: str
    error: str
    traceback: str

    def __init__(
        self,
        index: int,
        params: Mapping[str, Any],
        error_type: str,
        error: str,
        traceback: str = "",
    ) -> None:
        self.index = index
        self.params = dict(params)
        self.error_type = error_type
        self.error = error
        self.traceback = traceback
        super().__init__(f"sweep trial {index} {self.params!r} failed: {error_type}: {error}")

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.index, self.params, self.error_type, self.error, self.traceback)
        return (type(self), args)


class ResetNeeded(LyraError, RuntimeError):
    """An environment was stepped before its first ``reset()`` (gymnasium requires a reset to
    start every run)."""


class StateError(LyraError):
    """Something is wrong with persisted state or the store that holds it."""


class StateCorrupted(StateError):
    """A store holds data this version of Lyra cannot read back exactly.

    ``key`` names the record (``"orders:O-1[3]"``, ``"sqlite:events seq=17"``,
    ``"lyra:main:order:O-1 field 3"``) and ``reason`` says what is wrong with it. Loading
    never skips such a record: state is either restored whole or not at all.
    """

    key: str
    reason: str

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.key, self.reason))


class StoreUnavailable(StateError):
    """The store refused or failed a read or a write; ``store`` names it.

    A failed commit leaves the batch pending in the recorder, so the next flush retries it;
    until one succeeds, commands that need durable state are refused with this error.
    """

    store: str

    def __init__(self, store: str, message: str) -> None:
        self.store = store
        self._message = message
        super().__init__(f"{store}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.store, self._message))
