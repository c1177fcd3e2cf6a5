"""The exception hierarchy: one root, the documented parents, and InvalidInput's
field/rule/value contract (message format, pickling)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from lyra import errors
from lyra.errors import (
    AuthenticationFailed,
    BookSyncError,
    BusError,
    ChecksumMismatch,
    ClockError,
    CurrencyMismatch,
    EndpointInUse,
    InsufficientBalance,
    InvalidIdentifier,
    InvalidInput,
    InvalidInstrument,
    InvalidOrder,
    InvalidOrderList,
    InvalidToken,
    InvalidTransition,
    LyraError,
    MalformedMessage,
    MissingDependency,
    NativeError,
    NoEndpoint,
    NotSupported,
    PrecisionError,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    RequestTimeout,
    ResetNeeded,
    SequenceGap,
    StateCorrupted,
    StateError,
    StoreUnavailable,
    SweepBackendError,
    SweepTrialError,
    TimerInPast,
    TimerNameInUse,
    TimeWentBackwards,
    TransportError,
    UnknownCurrency,
    ValueOutOfRange,
    VenueError,
    VenueNotConnected,
)

ALL = [getattr(errors, name) for name in errors.__all__]
INVALID_INPUTS = [
    InvalidInput,
    InvalidIdentifier,
    PrecisionError,
    ValueOutOfRange,
    InvalidInstrument,
    InvalidOrder,
    InvalidOrderList,
]

# The hierarchy in the module docstring: class -> (direct Lyra parent, builtin it also is)
PARENTS: dict[type[Exception], tuple[type[Exception], type[Exception] | None]] = {
    LyraError: (Exception, None),
    InvalidInput: (LyraError, ValueError),
    InvalidIdentifier: (InvalidInput, ValueError),
    PrecisionError: (InvalidInput, ValueError),
    ValueOutOfRange: (InvalidInput, ValueError),
    InvalidInstrument: (InvalidInput, ValueError),
    InvalidOrder: (InvalidInput, ValueError),
    InvalidOrderList: (InvalidOrder, ValueError),
    InvalidTransition: (LyraError, None),
    InsufficientBalance: (LyraError, None),
    MissingDependency: (LyraError, ImportError),
    CurrencyMismatch: (LyraError, TypeError),
    UnknownCurrency: (LyraError, KeyError),
    ClockError: (LyraError, None),
    TimeWentBackwards: (ClockError, ValueError),
    TimerNameInUse: (ClockError, ValueError),
    TimerInPast: (ClockError, ValueError),
    BusError: (LyraError, None),
    EndpointInUse: (BusError, ValueError),
    NoEndpoint: (BusError, LookupError),
    RequestTimeout: (BusError, TimeoutError),
    NativeError: (LyraError, None),
    VenueError: (LyraError, None),
    NotSupported: (VenueError, None),
    VenueNotConnected: (VenueError, None),
    TransportError: (VenueError, None),
    RequestRejected: (VenueError, None),
    RateLimited: (RequestRejected, None),
    AuthenticationFailed: (RequestRejected, None),
    RequestStatusUnknown: (VenueError, None),
    MalformedMessage: (VenueError, None),
    BookSyncError: (VenueError, None),
    SequenceGap: (BookSyncError, None),
    ChecksumMismatch: (BookSyncError, None),
    InvalidToken: (InvalidInput, ValueError),
    StateError: (LyraError, None),
    StateCorrupted: (StateError, None),
    StoreUnavailable: (StateError, None),
    SweepBackendError: (LyraError, None),
    SweepTrialError: (LyraError, None),
    ResetNeeded: (LyraError, RuntimeError),
}


def test_all_is_complete_and_sorted() -> None:
    assert set(errors.__all__) == {c.__name__ for c in PARENTS}
    assert list(errors.__all__) == sorted(errors.__all__)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_error_is_a_lyra_error(cls: type[Exception]) -> None:
    assert issubclass(cls, LyraError)
    assert cls.__doc__
    assert cls.__module__ == "lyra.errors"


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_documented_parents(cls: type[Exception]) -> None:
    parent, builtin = PARENTS[cls]
    assert issubclass(cls, parent)
    if builtin is not None:
        assert issubclass(cls, builtin)


@pytest.mark.parametrize("cls", INVALID_INPUTS, ids=lambda c: c.__name__)
def test_invalid_inputs_are_value_errors(cls: type[InvalidInput]) -> None:
    err = cls("Price.precision", "must be an int in 0..9", 12)
    assert isinstance(err, ValueError)
    assert isinstance(err, InvalidInput)
    expected = r"^Price\.precision: must be an int in 0\.\.9 \(got 12\)$"
    with pytest.raises(ValueError, match=expected):
        raise err


@pytest.mark.parametrize("cls", INVALID_INPUTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", [12, "1.2345", None, ("a", 1), b"x"])
def test_message_format_and_attributes(cls: type[InvalidInput], value: Any) -> None:
    err = cls("Quantity.value", "must not be negative", value)
    assert err.field == "Quantity.value"
    assert err.rule == "must not be negative"
    assert err.value == value
    assert str(err) == f"Quantity.value: must not be negative (got {value!r})"


def test_message_without_a_value() -> None:
    err = InvalidInput("Order.side", "must be BUY or SELL")
    assert str(err) == "Order.side: must be BUY or SELL"
    assert err.value is None


@pytest.mark.parametrize("cls", INVALID_INPUTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_keeps_field_rule_value(cls: type[InvalidInput], proto: int) -> None:
    err = cls("Price.value", "has more than 9 decimal places", "1.0000000001")
    back = pickle.loads(pickle.dumps(err, proto))
    assert type(back) is cls
    assert (back.field, back.rule, back.value) == (err.field, err.rule, err.value)
    assert str(back) == str(err)
    c = copy.copy(err)
    assert type(c) is cls
    assert (c.field, c.rule, c.value, str(c)) == (err.field, err.rule, err.value, str(err))


def test_pickling_an_error_without_a_value_keeps_its_message() -> None:
    err = InvalidInput("Order.side", "must be BUY or SELL")
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_unknown_currency_message_is_not_quoted() -> None:
    err = UnknownCurrency("Currency.code: 'XYZ' is not registered")
    assert str(err) == "Currency.code: 'XYZ' is not registered"
    assert isinstance(err, KeyError)
    assert str(UnknownCurrency()) == ""
    with pytest.raises(KeyError):
        raise err


def test_one_except_clause_catches_everything_lyra_raises() -> None:
    raised: list[Exception] = []
    for cls in ALL:
        if issubclass(cls, InvalidInput):
            exc_to_raise = cls("Some.field", "some rule")
        elif cls is InvalidTransition:
            exc_to_raise = InvalidTransition("O1", "FILLED", "OrderAccepted")
        elif cls is InsufficientBalance:
            exc_to_raise = InsufficientBalance("SIM-001", "USD", "10.00", "5.00")
        elif cls is StateCorrupted:
            exc_to_raise = StateCorrupted("orders:O-1", "truncated record")
        elif cls is StoreUnavailable:
            exc_to_raise = StoreUnavailable("sqlite", "disk full")
        elif cls is SweepTrialError:
            exc_to_raise = SweepTrialError(0, {"fast": 5}, "ValueError", "boom")
        else:
            exc_to_raise = cls("x")
        try:
            raise exc_to_raise
        except LyraError as exc:
            raised.append(exc)
    assert len(raised) == len(ALL)


def test_a_value_too_large_to_print_still_gives_a_typed_error() -> None:
    from lyra.errors import ValueOutOfRange
    from lyra.model.values import Price

    with pytest.raises(ValueOutOfRange) as info:
        Price(10**5000)
    assert info.value.field == "Price.value"
    assert len(str(info.value)) < 400


def test_a_long_value_is_shortened_in_the_message() -> None:
    err = InvalidInput("Order.tags", "too long", "x" * 10_000)
    assert len(str(err)) < 300 and str(err).endswith("...)")


def test_invalid_transition_names_the_order_status_and_event_and_pickles() -> None:
    err = InvalidTransition("O-1", "FILLED", "OrderAccepted")
    assert str(err) == "order O-1: OrderAccepted is not allowed in status FILLED"
    back = pickle.loads(pickle.dumps(err))
    assert (back.client_order_id, back.status) == ("O-1", "FILLED")
    assert back.event_type == "OrderAccepted"


def test_venue_errors_carry_a_stable_code_and_pickle() -> None:
    err = NotSupported("native bars", venue="SIM", client_order_id="O1")
    assert err.code == "NOT_SUPPORTED" and err.venue == "SIM"
    assert str(err) == "SIM: native bars (order O1) [NOT_SUPPORTED]"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is NotSupported and str(back) == str(err)
    assert VenueNotConnected().code == "NOT_CONNECTED"
