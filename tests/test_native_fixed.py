"""Fixed-point parsing, formatting and tick conversion in ``lyra._native``, checked against
``decimal.Decimal`` and Python integer arithmetic."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

import pytest
from hypothesis import given, strategies as st

from lyra._native import (
    FIXED_PRECISION,
    FIXED_SCALAR,
    format_fixed,
    parse_fixed,
    parse_fixed_unsigned,
    raw_to_ticks,
    ticks_to_raw,
)
from lyra.errors import InvalidInput, PrecisionError, ValueOutOfRange

I64_MIN, I64_MAX, U64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_EXACT = Context(prec=80)
_I64 = st.integers(I64_MIN, I64_MAX)


def _decimal_text(d: Decimal) -> str:
    """Plain (non-exponent) text of ``d``, without a sign on zero."""
    return format(d.copy_abs() if d.is_zero() else d, "f")


def test_constants() -> None:
    assert FIXED_PRECISION == 9 and FIXED_SCALAR == 10**9


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("-12.3400", -12_340_000_000),
        ("5", 5 * 10**9),
        ("+5", 5 * 10**9),
        ("0.000000001", 1),
        ("-0.000000001", -1),
        ("-0", 0),
        ("007.50", 7_500_000_000),
        ("9223372036.854775807", I64_MAX),
        ("-9223372036.854775808", I64_MIN),
    ],
)
def test_parse_examples(text: str, raw: int) -> None:
    assert parse_fixed(text) == raw


@pytest.mark.parametrize(
    ("text", "exc"),
    [
        ("", InvalidInput),
        ("-", InvalidInput),
        ("5.", InvalidInput),
        (".5", InvalidInput),
        ("1.2.3", InvalidInput),
        ("1e5", InvalidInput),
        (" 1", InvalidInput),
        ("1_0", InvalidInput),
        ("NaN", InvalidInput),
        ("\u0661", InvalidInput),  # a digit to Unicode, not to a decimal price
        ("0.0000000001", PrecisionError),
        ("1.0000000000", PrecisionError),
        ("9223372036.854775808", ValueOutOfRange),
        ("-9223372036.854775809", ValueOutOfRange),
        ("1" * 40, ValueOutOfRange),
    ],
)
def test_parse_errors(text: str, exc: type[InvalidInput]) -> None:
    with pytest.raises(exc) as info:
        parse_fixed(text)
    assert type(info.value) is exc  # the most specific class, not just a subclass of it
    assert isinstance(info.value, ValueError)
    assert info.value.field == "text" and info.value.value == text


def test_parse_error_names_the_character() -> None:
    with pytest.raises(InvalidInput, match=r"'x' at offset 3"):
        parse_fixed("1.5x")


def test_unsigned_parse() -> None:
    assert parse_fixed_unsigned("18446744073.709551615") == U64_MAX
    assert parse_fixed_unsigned("-0") == 0
    with pytest.raises(ValueOutOfRange):
        parse_fixed_unsigned("-0.1")
    with pytest.raises(ValueOutOfRange):
        parse_fixed_unsigned("18446744073.709551616")


@given(
    d=st.decimals(
        min_value=Decimal(I64_MIN) / FIXED_SCALAR,
        max_value=Decimal(I64_MAX) / FIXED_SCALAR,
        places=9,
        allow_nan=False,
        allow_infinity=False,
    ),
    places=st.integers(0, 9),
)
def test_parse_matches_decimal(d: Decimal, places: int) -> None:
    d = d.quantize(Decimal(1).scaleb(-places), context=_EXACT)
    if not Decimal(I64_MIN) <= d * FIXED_SCALAR <= Decimal(I64_MAX):
        return  # quantizing can step just outside the range
    text = _decimal_text(d)
    raw = parse_fixed(text)
    assert raw == int(d * FIXED_SCALAR)
    assert format_fixed(raw, places) == text


@given(raw=_I64, precision=st.integers(0, 9))
def test_format_matches_decimal(raw: int, precision: int) -> None:
    value = Decimal(raw).scaleb(-9, context=_EXACT)
    if raw % 10 ** (9 - precision):
        with pytest.raises(PrecisionError) as info:
            format_fixed(raw, precision)
        assert info.value.field == "raw"
        return
    text = format_fixed(raw, precision)
    assert text == _decimal_text(value.quantize(Decimal(1).scaleb(-precision), context=_EXACT))
    assert parse_fixed(text) == raw


@given(raw=st.integers(0, U64_MAX))
def test_unsigned_round_trip(raw: int) -> None:
    text = format_fixed(raw, 9)
    assert Decimal(text) * FIXED_SCALAR == raw
    assert parse_fixed_unsigned(text) == raw


@pytest.mark.parametrize(
    ("raw", "precision", "exc", "field"),
    [
        (1, 10, PrecisionError, "precision"),
        (1, -1, PrecisionError, "precision"),
        (1, 2**70, PrecisionError, "precision"),
        (2**64, 9, ValueOutOfRange, "raw"),
        (I64_MIN - 1, 9, ValueOutOfRange, "raw"),
        (1, 8, PrecisionError, "raw"),
    ],
)
def test_format_errors(raw: int, precision: int, exc: type[InvalidInput], field: str) -> None:
    with pytest.raises(exc) as info:
        format_fixed(raw, precision)
    assert info.value.field == field


@given(raw=_I64, tick=st.one_of(st.integers(1, 10**12), st.integers(1, I64_MAX)))
def test_raw_to_ticks_matches_integer_math(raw: int, tick: int) -> None:
    down = raw // tick
    up = -(-raw // tick)
    nearest = (Decimal(raw) / Decimal(tick)).quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN, context=_EXACT
    )
    assert raw_to_ticks(raw, tick, "down") == down
    assert raw_to_ticks(raw, tick, "up") == up
    assert raw_to_ticks(raw, tick, "half_even") == int(nearest)
    if raw % tick == 0:
        assert raw_to_ticks(raw, tick) == down
        assert ticks_to_raw(down, tick) == raw
    else:
        with pytest.raises(InvalidInput) as info:
            raw_to_ticks(raw, tick)
        assert info.value.field == "raw"


@given(ticks=_I64, tick=st.integers(1, I64_MAX))
def test_ticks_to_raw_checks_overflow(ticks: int, tick: int) -> None:
    product = ticks * tick
    if I64_MIN <= product <= I64_MAX:
        assert ticks_to_raw(ticks, tick) == product
    else:
        with pytest.raises(ValueOutOfRange) as info:
            ticks_to_raw(ticks, tick)
        assert info.value.field == "ticks"


def test_tick_conversion_examples_and_errors() -> None:
    tick = 10_000_000  # 0.01
    assert raw_to_ticks(parse_fixed("100.25"), tick) == 10_025
    assert raw_to_ticks(parse_fixed("-0.015"), tick, "half_even") == -2
    assert raw_to_ticks(parse_fixed("0.025"), tick, "half_even") == 2
    assert raw_to_ticks(parse_fixed("0.035"), tick, "half_even") == 4
    assert ticks_to_raw(10_025, tick) == parse_fixed("100.25")
    # Called through Any: these deliberately break the stubs' types.
    to_ticks: Any = raw_to_ticks
    parse: Any = parse_fixed
    bad: list[tuple[Any, type[Exception], str | None]] = [
        (lambda: to_ticks(1, 0), ValueOutOfRange, "tick"),
        (lambda: to_ticks(1, -5, "down"), ValueOutOfRange, "tick"),
        (lambda: ticks_to_raw(1, 0), ValueOutOfRange, "tick"),
        (lambda: to_ticks(1, 3, "nearest"), InvalidInput, "rounding"),
        (lambda: to_ticks(2**63, 3), ValueOutOfRange, "raw"),
        (lambda: to_ticks(1.0, 3), TypeError, None),
        (lambda: parse(5), TypeError, None),
    ]
    for call, exc, field in bad:
        with pytest.raises(exc) as info:
            call()
        if field is not None:
            assert getattr(info.value, "field", None) == field
