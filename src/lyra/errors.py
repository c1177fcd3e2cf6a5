"""Every exception Lyra raises, in one place.

The hierarchy::

    LyraError                          root of everything Lyra raises
    ├── InvalidInput  (ValueError)     bad input: names the field and the rule it broke
    │   ├── InvalidIdentifier          a malformed identifier (InstrumentId, ClientOrderId, ...)
    │   ├── PrecisionError             too many decimal places, or a precision above the maximum
    │   ├── ValueOutOfRange            overflow, NaN/infinity, a negative quantity, a bound broken
    │   ├── InvalidInstrument          an instrument whose fields contradict each other
    │   └── InvalidOrder               an order's specification, or a change to it, breaks a rule
    │       └── InvalidOrderList       an OCO/OUO/OTO/bracket list is inconsistent
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
    └── VenueError                     a venue could not do what was asked (stable ``code``)
        ├── NotSupported               the venue lacks a feature that was asked for
        └── VenueNotConnected          an operation needing a connection was called without one

Every :class:`InvalidInput` carries ``field`` (dotted path of what was wrong, e.g.
``"Price.precision"``), ``rule`` (the rule in words) and ``value`` (what was given), and its
message reads ``"<field>: <rule> (got <value>)"``, so a log line alone says what to fix.
``InvalidInput`` is also a :class:`ValueError`, so code that already catches ``ValueError``
keeps working.
"""

from __future__ import annotations

from typing import Any

__all__ = (
    "BusError",
    "ClockError",
    "CurrencyMismatch",
    "EndpointInUse",
    "InsufficientBalance",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidInstrument",
    "InvalidOrder",
    "InvalidOrderList",
    "InvalidTransition",
    "LyraError",
    "MissingDependency",
    "NativeError",
    "NoEndpoint",
    "NotSupported",
    "PrecisionError",
    "RequestTimeout",
    "TimeWentBackwards",
    "TimerInPast",
    "TimerNameInUse",
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
