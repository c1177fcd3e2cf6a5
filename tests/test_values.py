"""Price, Quantity and Money checked against ``decimal.Decimal`` (and ``Fraction``) as the
reference: parsing, formatting, arithmetic, ordering, hashing, rounding, errors and limits."""

from __future__ import annotations

import copy
import decimal
import math
import operator
import pickle
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings, strategies as st

from lyra.errors import (
    CurrencyMismatch,
    InvalidInput,
    PrecisionError,
    ValueOutOfRange,
)
from lyra.model.currency import Currency
from lyra.model.values import (
    FIXED_PRECISION,
    FIXED_SCALAR,
    MONEY_MAX,
    MONEY_RAW_MAX,
    PRICE_MAX,
    PRICE_RAW_MAX,
    QUANTITY_MAX,
    QUANTITY_RAW_MAX,
    Money,
    Price,
    Quantity,
)

ROUNDINGS = ("half_even", "half_up", "half_down", "down", "up", "floor", "ceiling")
DEC_ROUNDING = {
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_up": decimal.ROUND_HALF_UP,
    "half_down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}
# Reference arithmetic: wide enough that sums and products of in-range values are exact, and
# trapping Inexact so that a reference result that had to be rounded fails the test loudly.
EXACT = decimal.Context(prec=400, Emax=10**6, Emin=-(10**6), traps=[decimal.Inexact])
# Reference rounding: the same width, without the Inexact trap (rounding is the point).
ROUND = decimal.Context(prec=400, Emax=10**6, Emin=-(10**6))

USD = Currency.from_str("USD")
EUR = Currency.from_str("EUR")
BTC = Currency.from_str("BTC")
JPY = Currency.from_str("JPY")

RANGES: dict[type, tuple[int, int]] = {
    Price: (-PRICE_RAW_MAX, PRICE_RAW_MAX),
    Quantity: (0, QUANTITY_RAW_MAX),
    Money: (-MONEY_RAW_MAX, MONEY_RAW_MAX),
}


# -- helpers ------------------------------------------------------------------------------
def quantum(precision: int) -> Decimal:
    return Decimal(f"1E-{precision}")


def raw_of(d: Decimal) -> int:
    """Exact raw (value * 10**9) of a Decimal that has at most 9 decimals."""
    scaled = EXACT.multiply(d, Decimal(FIXED_SCALAR))
    assert scaled == scaled.to_integral_value()
    return int(scaled)


def in_range(cls: type[Any], d: Decimal) -> bool:
    lo, hi = RANGES[cls]
    return lo <= raw_of(d) <= hi


def decimals_of(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@contextmanager
def raises_input(cls: type[InvalidInput], field: str, rule_part: str) -> Iterator[None]:
    """Expect exactly ``cls`` whose ``field`` is ``field`` and whose rule mentions ``rule_part``;
    the message must read ``"<field>: <rule>..."`` so a log line alone says what to fix."""
    with pytest.raises(cls) as info:
        yield
    err = info.value
    assert type(err) is cls, f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    assert err.field == field, err
    assert rule_part in err.rule, err
    assert str(err).startswith(f"{field}: {err.rule}")


# -- strategies ---------------------------------------------------------------------------
@st.composite
def units_in(draw: st.DrawFn, lo: int, hi: int) -> int:
    """An integer in lo..hi, biased toward zero, small values and both ends."""
    return draw(
        st.one_of(
            st.integers(lo, hi),
            st.integers(max(lo, -10_000), min(hi, 10_000)),
            st.sampled_from(sorted({lo, hi, min(max(0, lo), hi)})),
            st.integers(max(lo, hi - 1000), hi),
            st.integers(lo, min(hi, lo + 1000)),
        )
    )


@st.composite
def values(
    draw: st.DrawFn, cls: type[Any], currency: Currency | None = None, min_precision: int = 0
) -> Any:
    """A Price/Quantity/Money anywhere in its range, at a random precision."""
    precision = draw(st.integers(min_precision, FIXED_PRECISION))
    step = 10 ** (FIXED_PRECISION - precision)
    lo, hi = RANGES[cls]
    units = draw(units_in(-(-lo // step), hi // step))
    if cls is Money:
        assert currency is not None
        return Money.from_raw(units * step, currency, precision)
    return cls.from_raw(units * step, precision)


prices = values(Price)
quantities = values(Quantity)
usd = values(Money, USD, 2)
btc = values(Money, BTC, 8)


def min_precision(raw: int) -> int:
    """Fewest decimals that show ``raw`` exactly."""
    p = FIXED_PRECISION
    while p > 0 and raw % 10 ** (FIXED_PRECISION - p + 1) == 0:
        p -= 1
    return p


@st.composite
def same_value_other_precision(draw: st.DrawFn, cls: type[Any]) -> tuple[Any, Any]:
    a = draw(values(cls))
    p = draw(st.integers(min_precision(a.raw), FIXED_PRECISION))
    return a, cls.from_raw(a.raw, p)


@st.composite
def neighbours(draw: st.DrawFn, cls: type[Any]) -> tuple[Any, Any]:
    a = draw(values(cls))
    lo, hi = RANGES[cls]
    delta = draw(st.sampled_from([-1, 1])) * 10 ** (FIXED_PRECISION - a.precision)
    raw = a.raw + delta if lo <= a.raw + delta <= hi else a.raw - delta
    return a, cls.from_raw(raw, a.precision)


def pairs(cls: type[Any]) -> st.SearchStrategy[tuple[Any, Any]]:
    return st.one_of(
        st.tuples(values(cls), values(cls)),
        same_value_other_precision(cls),
        neighbours(cls),
    )


@st.composite
def decimal_strings(draw: st.DrawFn, max_whole: int, signed: bool = True) -> tuple[str, int]:
    """A decimal string as people write them (signs, leading and trailing zeros, "1.", ".5")
    and the number of decimals written."""
    sign = draw(st.sampled_from(["", "-", "+"] if signed else ["", "+"]))
    whole = draw(st.one_of(st.integers(0, max_whole), st.integers(0, 1000)))
    lead = "0" * draw(st.integers(0, 3))
    ndec = draw(st.integers(0, FIXED_PRECISION))
    frac = draw(st.text(alphabet="0123456789", min_size=ndec, max_size=ndec))
    if ndec and draw(st.booleans()):  # force trailing zeros
        cut = draw(st.integers(0, ndec))
        frac = frac[:cut] + "0" * (ndec - cut)
    whole_text = f"{lead}{whole}"
    if ndec and whole == 0 and not lead and draw(st.booleans()):
        whole_text = ""  # ".5"
    if ndec:
        return f"{sign}{whole_text}.{frac}", ndec
    return f"{sign}{whole_text}{'.' if draw(st.booleans()) else ''}", 0


# -- parsing and formatting ---------------------------------------------------------------
CANONICAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


@given(decimal_strings(PRICE_RAW_MAX // FIXED_SCALAR - 1))
@example(("-0012.3400", 4))
@example(("+.5", 1))
@example(("7.", 0))
@example(("-0.000000000", 9))
@example(("9223372036.854775807", 9))
@example(("-9223372036.854775807", 9))
def test_price_parses_like_decimal(case: tuple[str, int]) -> None:
    text, ndec = case
    p = Price(text)
    assert p.as_decimal() == Decimal(text)
    assert p.precision == ndec == decimals_of(Decimal(text))
    assert p.as_decimal().as_tuple().exponent == -ndec
    assert p.raw == raw_of(Decimal(text))


@given(decimal_strings(QUANTITY_RAW_MAX // FIXED_SCALAR - 1, signed=False))
def test_quantity_parses_like_decimal(case: tuple[str, int]) -> None:
    text, ndec = case
    q = Quantity(text)
    assert q.as_decimal() == Decimal(text)
    assert q.precision == ndec


@given(decimal_strings(10**20))
def test_money_parses_like_decimal(case: tuple[str, int]) -> None:
    text, ndec = case
    m = Money(text, USD)
    assert m.as_decimal() == Decimal(text)
    assert m.precision == max(ndec, USD.precision)
    assert m.currency is USD


@given(decimal_strings(PRICE_RAW_MAX // FIXED_SCALAR - 1))
def test_decimal_input_is_the_same_as_string_input(case: tuple[str, int]) -> None:
    text, _ = case
    a, b = Price(text), Price(Decimal(text))
    assert (a.raw, a.precision) == (b.raw, b.precision)


@pytest.mark.parametrize("cls", [Price, Quantity])
@given(data=st.data())
def test_str_round_trips(cls: type[Any], data: st.DataObject) -> None:
    v = data.draw(values(cls))
    text = str(v)
    assert CANONICAL.fullmatch(text), text
    assert len(text.partition(".")[2]) == v.precision
    back = cls(text)
    assert back == v
    assert (back.raw, back.precision) == (v.raw, v.precision)
    assert repr(v) == f"{cls.__name__}('{text}')"
    assert eval(repr(v), {cls.__name__: cls}) == v
    assert f"{v}" == text
    assert Decimal(text) == v.as_decimal()


@given(usd)
def test_money_str_round_trips(m: Money) -> None:
    text = str(m)
    assert text.endswith(" USD")
    back = Money.from_str(text)
    assert back == m
    assert back.precision == m.precision
    assert repr(m) == f"Money('{text[:-4]}', USD)"


def test_precision_is_the_number_of_decimals_written() -> None:
    assert Price("1.23").precision == 2
    assert Price("1.230").precision == 3
    assert Price("1.230").raw == Price("1.23").raw == 1_230_000_000
    assert str(Price("1.230")) == "1.230"
    assert Price("100").precision == 0
    assert Price(5).precision == 0
    assert Price(Decimal("1.50")).precision == 2
    assert Price("1.5e3") == 1500
    assert Price("1.5e3").precision == 0
    assert Price("15E-4").precision == 4
    assert Price("1_000.25") == Decimal("1000.25")
    assert str(Price("-0.00")) == "0.00"  # no negative zero


def test_explicit_precision_pads_and_may_drop_zero_decimals_only() -> None:
    assert str(Price("1.5", 4)) == "1.5000"
    assert str(Price(2, 3)) == "2.000"
    assert str(Price("1.50", 1)) == "1.5"
    assert str(Price(Decimal("1.2300"), 2)) == "1.23"
    with raises_input(PrecisionError, "Price.value", "more decimal places than precision 2"):
        Price("1.234", 2)
    with raises_input(PrecisionError, "Quantity.value", "round it explicitly"):
        Quantity(Decimal("0.001"), 2)


def test_ten_decimals_with_a_trailing_zero_is_allowed_at_precision_9() -> None:
    for v in ("1.0000000000", Decimal("1.0000000000"), "1.12345678900000", "-0.0000000000"):
        p = Price(v)
        assert p.precision == 9
        assert p == Decimal(str(v))
    assert str(Price("1.0000000000")) == "1.000000000"
    assert str(Price("1.0000000000", 2)) == "1.00"
    assert Price("1." + "0" * 5000) == 1  # long but exact
    assert Money("2.50000000000", USD).precision == 9


@pytest.mark.parametrize(
    "value",
    ["1.0000000001", "0.1234567891", Decimal("1.0000000001"), "1e-10", Decimal("-5E-12")],
)
def test_more_than_9_decimals_is_refused(value: Any) -> None:
    for cls in (Price, Quantity):
        with raises_input(PrecisionError, f"{cls.__name__}.value", "more than 9 decimal places"):
            cls(value)
    with raises_input(PrecisionError, "Money.value", "more than 9 decimal places"):
        Money(value, USD)


def test_a_long_decimal_is_refused_not_truncated() -> None:
    # 40 significant digits: more than the default decimal context holds.
    d = Decimal("1234567890123456789012345.1234567891")
    with raises_input(PrecisionError, "Money.value", "more than 9 decimal places"):
        Money(d, USD)
    with raises_input(PrecisionError, "Price.value", "more than 9 decimal places"):
        Price(Decimal("1000000000000000000000000000000.0000000001"))


@pytest.mark.parametrize("text", ["nan", "NaN", "-nan", "sNaN", "inf", "-inf", "Infinity"])
def test_nan_and_infinity_strings_are_refused(text: str) -> None:
    for cls in (Price, Quantity):
        with raises_input(ValueOutOfRange, f"{cls.__name__}.value", "finite"):
            cls(text)
        with raises_input(ValueOutOfRange, f"{cls.__name__}.value", "finite"):
            cls(Decimal(text))
    with raises_input(ValueOutOfRange, "Money.value", "finite"):
        Money(text, USD)


@pytest.mark.parametrize("text", ["", " ", "abc", "1.2.3", "--1", "+-1", "1e", "1,5", "0x10", "."])
def test_non_numbers_are_refused(text: str) -> None:
    for cls in (Price, Quantity):
        with raises_input(InvalidInput, f"{cls.__name__}.value", "not a decimal number"):
            cls(text)
    with raises_input(InvalidInput, "Money.value", "not a decimal number"):
        Money(text, USD)


@pytest.mark.parametrize("cls", [Price, Quantity])
def test_floats_are_refused_by_the_constructor(cls: type[Any]) -> None:
    with raises_input(InvalidInput, f"{cls.__name__}.value", "from_float"):
        cls(1.5)
    with raises_input(InvalidInput, f"{cls.__name__}.value", "from_float"):
        cls(1.5, 2)


def test_money_refuses_floats() -> None:
    with raises_input(InvalidInput, "Money.value", "from_float"):
        Money(1.5, USD)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [True, False, None, [1], b"1", Fraction(1, 2), 1j])
def test_other_types_and_bools_are_refused(value: Any) -> None:
    for cls in (Price, Quantity):
        with raises_input(InvalidInput, f"{cls.__name__}.value", "must be a str, int or Decimal"):
            cls(value)
    with raises_input(InvalidInput, "Money.value", "must be a str, int or Decimal"):
        Money(value, USD)


def test_bools_are_not_precisions_or_multipliers() -> None:
    with raises_input(PrecisionError, "Price.precision", "must be an int in 0..9"):
        Price("1", True)
    with pytest.raises(TypeError):
        Price("1") * True


@pytest.mark.parametrize("precision", [-1, 10, 99, 1.0, "2", None])
def test_precision_out_of_range(precision: Any) -> None:
    field = "Price.precision"
    rule = "must be an int in 0..9"
    if precision is not None:
        with raises_input(PrecisionError, field, rule):
            Price("1", precision)
    with raises_input(PrecisionError, field, rule):
        Price.from_raw(0, precision)
    with raises_input(PrecisionError, field, rule):
        Price.zero(precision)
    with raises_input(PrecisionError, field, rule):
        Price("1").quantize(precision)
    with raises_input(PrecisionError, field, rule):
        Price.from_float(1.0, precision)
    with raises_input(PrecisionError, field, rule):
        Price.from_decimal(Decimal(1), precision)
    with raises_input(PrecisionError, "Quantity.precision", rule):
        Quantity.from_raw(0, precision)
    if precision is not None:
        with raises_input(PrecisionError, "Money.precision", rule):
            Money.from_raw(0, USD, precision)


def test_from_raw_checks_type_and_digits() -> None:
    assert Price.from_raw(1_230_000_000, 2) == Decimal("1.23")
    with raises_input(PrecisionError, "Price.raw", "digits beyond precision 2"):
        Price.from_raw(1_234_000_000, 2)
    with raises_input(InvalidInput, "Price.raw", "must be an int"):
        Price.from_raw(1.0, 2)  # type: ignore[arg-type]
    with raises_input(InvalidInput, "Quantity.raw", "must be an int"):
        Quantity.from_raw(True, 0)
    with raises_input(PrecisionError, "Money.raw", "digits beyond precision 2"):
        Money.from_raw(1, USD)
    assert Money.from_raw(1, USD, 9).precision == 9


def test_huge_inputs_are_out_of_range_quickly() -> None:
    for text in ("1" * 5000, "-" + "9" * 100 + ".5", "1e1000000000", "-1E+400"):
        with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
            Price(text)
        with raises_input(ValueOutOfRange, "Money.value", "outside"):
            Money(text, USD)
    with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
        Price(10**100)
    with raises_input(ValueOutOfRange, "Quantity.value", "outside the range"):
        Quantity(Decimal("9e999999"))
    assert Price("0e1000000000") == 0
    assert Price("0e-1000000000") == 0
    assert Price("0" * 5000 + "1.5") == Decimal("1.5")
    with raises_input(PrecisionError, "Price.value", "more than 9 decimal places"):
        Price("1e-1000000000")


# -- limits -------------------------------------------------------------------------------
def test_documented_maxima() -> None:
    assert PRICE_RAW_MAX == 2**63 - 1
    assert QUANTITY_RAW_MAX == 2**64 - 1
    assert MONEY_RAW_MAX == 2**127 - 1
    assert str(PRICE_MAX) == "9223372036.854775807"
    assert str(QUANTITY_MAX) == "18446744073.709551615"
    assert EXACT.divide(Decimal(MONEY_RAW_MAX), Decimal(FIXED_SCALAR)) == MONEY_MAX
    assert str(MONEY_MAX) == "170141183460469231731687303715.884105727"


@pytest.mark.parametrize(
    ("cls", "lo", "hi"),
    [
        (Price, -PRICE_RAW_MAX, PRICE_RAW_MAX),
        (Quantity, 0, QUANTITY_RAW_MAX),
    ],
)
def test_boundaries_price_quantity(cls: type[Any], lo: int, hi: int) -> None:
    name = cls.__name__
    for raw in (lo, hi):
        text = str(cls.from_raw(raw, 9))
        assert cls(text).raw == raw
        assert cls(Decimal(text)).raw == raw
        assert cls.from_decimal(Decimal(text), 9).raw == raw
    assert cls(hi // FIXED_SCALAR).raw == hi // FIXED_SCALAR * FIXED_SCALAR
    with raises_input(ValueOutOfRange, f"{name}.value", "outside the range"):
        cls.from_raw(hi + 1, 9)
    with raises_input(ValueOutOfRange, f"{name}.value", "outside the range"):
        cls(str(Decimal(hi + 1).scaleb(-9)))
    with raises_input(ValueOutOfRange, f"{name}.value", "outside the range"):
        cls(hi // FIXED_SCALAR + 1)
    below = "must not be negative" if lo == 0 else "outside the range"
    with raises_input(ValueOutOfRange, f"{name}.value", below):
        cls.from_raw(lo - 1, 9)
    with raises_input(ValueOutOfRange, f"{name}.value", below):
        cls(str(Decimal(lo - 1).scaleb(-9)))
    # the message shows the range
    with pytest.raises(ValueOutOfRange) as info:
        cls.from_raw(hi + 1, 9)
    assert str(cls.from_raw(hi, 9)) in str(info.value)


def test_boundaries_money() -> None:
    top = Decimal(MONEY_RAW_MAX).scaleb(-9, ROUND)
    assert Money(str(top), USD).raw == MONEY_RAW_MAX
    assert Money(top.copy_negate(), USD).raw == -MONEY_RAW_MAX
    assert Money.from_raw(MONEY_RAW_MAX, USD, 9).as_decimal() == MONEY_MAX
    beyond = Decimal(MONEY_RAW_MAX + 1).scaleb(-9, ROUND)
    for bad in (str(beyond), beyond.copy_negate()):
        with raises_input(ValueOutOfRange, "Money.value", "outside"):
            Money(bad, USD)
    with raises_input(ValueOutOfRange, "Money.value", "outside"):
        Money.from_raw(MONEY_RAW_MAX + 1, USD, 9)
    with raises_input(ValueOutOfRange, "Money.value", "outside"):
        Money.from_raw(-MONEY_RAW_MAX - 1, USD, 9)
    # an in-range amount with more digits than the default decimal context: exact
    assert Money.from_decimal(Decimal("1e25"), BTC).raw == 10**34
    assert Money.from_decimal(top, USD, "down").as_decimal() == top.quantize(
        quantum(2), rounding=decimal.ROUND_DOWN, context=ROUND
    )


def test_arithmetic_overflow_raises() -> None:
    one = Price.from_raw(1, 9)
    with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
        PRICE_MAX + one
    with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
        -PRICE_MAX - one
    with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
        PRICE_MAX * 2
    assert PRICE_MAX * 1 == PRICE_MAX
    assert -PRICE_MAX - Price(0) == -PRICE_MAX
    with raises_input(ValueOutOfRange, "Quantity.value", "outside the range"):
        QUANTITY_MAX + Quantity.from_raw(1, 9)
    with raises_input(ValueOutOfRange, "Quantity.value", "outside the range"):
        QUANTITY_MAX * 2
    top = Money.from_raw(MONEY_RAW_MAX, USD, 9)
    cent = Money("0.01", USD)
    with raises_input(ValueOutOfRange, "Money.value", "outside"):
        top + cent
    with raises_input(ValueOutOfRange, "Money.value", "outside"):
        -top - cent
    with raises_input(ValueOutOfRange, "Money.value", "outside"):
        top * 2
    assert (top - cent) + cent == top


def test_quantity_is_never_negative() -> None:
    rule = "must not be negative"
    for bad in ("-1", "-0.000000001", -1, Decimal("-1")):
        with raises_input(ValueOutOfRange, "Quantity.value", rule):
            Quantity(bad)
    with raises_input(ValueOutOfRange, "Quantity.value", rule):
        Quantity.from_raw(-1, 9)
    with raises_input(ValueOutOfRange, "Quantity.value", rule):
        Quantity("1") - Quantity("1.5")
    with raises_input(ValueOutOfRange, "Quantity.value", rule):
        Quantity("1") * -1
    with raises_input(ValueOutOfRange, "Quantity.value", rule):
        Quantity.from_float(-0.5, 1)
    assert Quantity("-0") == 0
    assert Quantity.from_float(-0.001, 2) == 0  # rounds to zero first
    assert Quantity("1.5") - Quantity("1.5") == 0
    with pytest.raises(TypeError):
        -Quantity("1")  # type: ignore[operator]


# -- arithmetic ---------------------------------------------------------------------------
def _check_binary(
    cls: type[Any],
    a: Any,
    b: Any,
    op: Callable[[Any, Any], Any],
    ref: Callable[[Decimal, Decimal], Decimal],
) -> None:
    expected = ref(a.as_decimal(), b.as_decimal())
    if in_range(cls, expected):
        result = op(a, b)
        assert type(result) is cls
        assert result.as_decimal() == expected
        assert result.precision == max(a.precision, b.precision)
        if cls is Money:
            assert result.currency == a.currency
    else:
        field = f"{cls.__name__}.value"
        rule = "must not be negative" if cls is Quantity and expected < 0 else "outside"
        with raises_input(ValueOutOfRange, field, rule):
            op(a, b)


@pytest.mark.parametrize("strategy", [prices, quantities, usd, btc], ids=["P", "Q", "USD", "BTC"])
@given(data=st.data())
def test_add_sub_agree_with_decimal(strategy: Any, data: st.DataObject) -> None:
    a = data.draw(strategy)
    b = data.draw(st.one_of(strategy, st.just(a)))
    cls = type(a)
    _check_binary(cls, a, b, operator.add, EXACT.add)
    _check_binary(cls, a, b, operator.sub, EXACT.subtract)
    _check_binary(cls, b, a, operator.sub, EXACT.subtract)


@pytest.mark.parametrize("strategy", [prices, quantities, usd], ids=["P", "Q", "USD"])
@given(
    data=st.data(),
    k=st.one_of(
        st.integers(-1000, 1000), st.integers(-(2**80), 2**80), st.sampled_from([0, 1, -1])
    ),
)
def test_mul_int_agrees_with_decimal(strategy: Any, data: st.DataObject, k: int) -> None:
    a = data.draw(strategy)
    cls = type(a)
    expected = EXACT.multiply(a.as_decimal(), Decimal(k))
    if in_range(cls, expected):
        for result in (a * k, k * a):
            assert type(result) is cls
            assert result.as_decimal() == expected
            assert result.precision == a.precision
    else:
        with pytest.raises(ValueOutOfRange):
            a * k
        with pytest.raises(ValueOutOfRange):
            k * a


@given(a=prices, b=st.one_of(prices, quantities))
def test_products_are_exact_decimals(a: Price, b: Any) -> None:
    expected = EXACT.multiply(a.as_decimal(), b.as_decimal())
    for result in (a * b, b * a, a * b.as_decimal(), b.as_decimal() * a):
        assert type(result) is Decimal
        assert result == expected


def test_products_stay_exact_beyond_the_default_context() -> None:
    exact = Decimal("85070591730234615847.396907784232501249")
    assert exact == PRICE_MAX * PRICE_MAX
    m = Money("123456789012345678901.23", USD)
    product = m * Price("1.000000001")
    assert len(product.as_tuple().digits) > 28  # the default context would have rounded it
    assert product == EXACT.multiply(Decimal("123456789012345678901.23"), Decimal("1.000000001"))


def test_division_returns_decimal() -> None:
    assert Price("10") / Price("4") == Decimal("2.5")
    assert Price("10") / 4 == Decimal("2.5")
    assert 5 / Price("2") == Decimal("2.5")
    assert Quantity("3") / Decimal("2") == Decimal("1.5")
    assert Money("10", USD) / Money("4", USD) == Decimal("2.5")
    assert Money("10", USD) / 4 == Decimal("2.5")
    assert type(Money("10", USD) / Price("2")) is Decimal


def test_mixed_types_do_not_add() -> None:
    with pytest.raises(TypeError):
        Price("1") + Quantity("1")  # type: ignore[operator]
    with pytest.raises(TypeError):
        Price("1") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Price("1") + Decimal(1)  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money("1", USD) + Price("1")  # type: ignore[operator]
    with pytest.raises(TypeError):
        Price("1") * 1.5  # type: ignore[operator]


@given(prices)
def test_unary_price(p: Price) -> None:
    assert (-p).as_decimal() == p.as_decimal().copy_negate()
    assert abs(p).as_decimal() == p.as_decimal().copy_abs()
    assert +p is p
    assert (-p).precision == abs(p).precision == p.precision
    assert bool(p) == (p.as_decimal() != 0) == (not p.is_zero())
    assert p.is_positive() == (p.as_decimal() > 0)
    assert float(p) == p.as_float() == float(Fraction(p.raw, FIXED_SCALAR))


@given(usd)
def test_unary_money(m: Money) -> None:
    # copy_negate/copy_abs: unary minus and abs() on a Decimal round to the context
    assert (-m).as_decimal() == m.as_decimal().copy_negate()
    assert abs(m).as_decimal() == m.as_decimal().copy_abs()
    assert (-m).currency is m.currency
    assert +m is m
    assert bool(m) == (not m.is_zero())
    assert float(m) == m.as_float() == float(Fraction(m.raw, FIXED_SCALAR))


# -- equality, ordering, hashing ----------------------------------------------------------
OPS = (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge)


@pytest.mark.parametrize("cls", [Price, Quantity])
@given(data=st.data())
def test_ordering_and_equality_agree_with_decimal(cls: type[Any], data: st.DataObject) -> None:
    a, b = data.draw(pairs(cls))
    da, db = a.as_decimal(), b.as_decimal()
    for op in OPS:
        expected = op(da, db)
        assert op(a, b) is expected, op
        assert op(a, db) is expected, op  # with a Decimal on either side
        assert op(da, b) is expected, op
    if db == db.to_integral_value():
        n = int(db)
        for op in OPS:
            assert op(a, n) is op(da, n), op
            assert op(n, a) is op(n, da), op


@given(same_value_other_precision(Price))
def test_equal_values_hash_alike(pair: tuple[Price, Price]) -> None:
    a, b = pair
    assert a == b
    assert hash(a) == hash(b)
    assert hash(a) == hash(a.as_decimal()) == hash(Fraction(a.raw, FIXED_SCALAR))
    assert len({a, b, a.as_decimal()}) == 1


@pytest.mark.parametrize("cls", [Price, Quantity])
@given(data=st.data())
def test_hash_agrees_with_decimal(cls: type[Any], data: st.DataObject) -> None:
    v = data.draw(values(cls))
    assert hash(v) == hash(v.as_decimal())
    if v.raw % FIXED_SCALAR == 0:
        assert hash(v) == hash(v.raw // FIXED_SCALAR)
        assert v == v.raw // FIXED_SCALAR


def test_hash_examples() -> None:
    assert hash(Price(-1)) == hash(-1) == hash(Decimal("-1.00")) == -2  # CPython's -1 -> -2 rule
    assert hash(Price("-1.000")) == -2
    assert hash(Price("0.5")) == hash(Decimal("0.5")) == hash(0.5)
    assert hash(Price(0)) == hash(Quantity("0.00")) == 0
    assert hash(Price("1e9")) == hash(10**9)


def test_equality_examples() -> None:
    assert Price("1.23") == Price("1.230")
    assert Price("1.23") != Price("1.231")
    assert Price("1.23") == Decimal("1.2300000")
    assert Price("2") == 2
    assert Price("2.000") == 2
    assert Price("-0.5") < 0 < Price("0.5")
    assert sorted([Price("2"), Price("-1.5"), Price("0.25")]) == [
        Price("-1.5"),
        Price("0.25"),
        Price("2"),
    ]
    assert {Price("1.5"): "x"}[Price("1.50")] == "x"


def test_equality_with_long_decimals_is_exact() -> None:
    # 30 significant digits: equal to 1 only if all of them are compared.
    d = Decimal("1.00000000000000000000000000001")
    assert d != Decimal(1)
    assert Price(1) != d
    assert not Price(1) == d  # noqa: SIM201
    assert Price(1) < d
    assert Price("1.5") == Decimal("1.5000000000000000000000000000000000")
    assert Price("1.5") != Decimal("NaN")
    assert Price("1.5") != Decimal("Infinity")
    assert Price("1.5") < Decimal("Infinity")


def test_floats_never_compare_equal_and_cannot_be_ordered() -> None:
    assert Price("1.5") != 1.5
    assert not Price("1.5") == 1.5  # noqa: SIM201
    assert Quantity("2") != 2.0
    with pytest.raises(TypeError):
        Price("1.5") < 2.0  # noqa: B015
    with pytest.raises(TypeError):
        Quantity("1.5") >= 1.0  # noqa: B015


def test_different_types_are_not_equal_or_ordered() -> None:
    assert Price("1") != Quantity("1")
    with pytest.raises(TypeError):
        Price("1") < Quantity("2")  # noqa: B015
    assert Money("1", USD) != 1
    assert Money("1", USD) != Decimal(1)
    assert Money("1", USD) != Price("1")


@given(a=usd, b=usd)
def test_money_ordering_agrees_with_decimal(a: Money, b: Money) -> None:
    da, db = a.as_decimal(), b.as_decimal()
    for op in OPS:
        assert op(a, b) is op(da, db), op
    if a == b:
        assert hash(a) == hash(b)


def test_money_equality_across_precisions_and_currencies() -> None:
    assert Money("1.5", USD) == Money("1.500", USD)
    assert hash(Money("1.5", USD)) == hash(Money("1.500", USD))
    assert Money("1.5", USD) != Money("1.5", EUR)
    assert not Money("1.5", USD) == Money("1.5", EUR)  # noqa: SIM201
    assert Money(0, USD) != Money(0, EUR)
    assert len({Money("1", USD), Money("1", EUR), Money("1.00", USD)}) == 2


@pytest.mark.parametrize(
    "op",
    [
        operator.add,
        operator.sub,
        operator.lt,
        operator.le,
        operator.gt,
        operator.ge,
        operator.truediv,
    ],
)
def test_money_across_currencies_raises(op: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(CurrencyMismatch) as info:
        op(Money("1", USD), Money("1", EUR))
    assert isinstance(info.value, TypeError)
    assert "USD" in str(info.value)
    assert "EUR" in str(info.value)
    assert str(info.value).startswith("Money.currency:")


# -- rounding -----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [Price, Quantity])
@given(data=st.data(), target=st.integers(0, 9), mode=st.sampled_from(ROUNDINGS))
def test_quantize_agrees_with_decimal(
    cls: type[Any], data: st.DataObject, target: int, mode: str
) -> None:
    v = data.draw(values(cls))
    expected = v.as_decimal().quantize(quantum(target), rounding=DEC_ROUNDING[mode], context=ROUND)
    if in_range(cls, expected):
        r = v.quantize(target, mode)
        assert type(r) is cls
        assert r.as_decimal() == expected
        assert r.precision == target
        assert str(r) == format(expected.copy_abs() if expected.is_zero() else expected, "f")
    else:
        with raises_input(ValueOutOfRange, f"{cls.__name__}.value", "outside the range"):
            v.quantize(target, mode)


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.345", "half_even", "2.34"),
        ("2.355", "half_even", "2.36"),
        ("2.345", "half_up", "2.35"),
        ("2.345", "half_down", "2.34"),
        ("-2.345", "half_up", "-2.35"),
        ("-2.345", "half_down", "-2.34"),
        ("2.341", "up", "2.35"),
        ("-2.341", "up", "-2.35"),
        ("2.349", "down", "2.34"),
        ("-2.349", "down", "-2.34"),
        ("-2.341", "floor", "-2.35"),
        ("-2.349", "ceiling", "-2.34"),
    ],
)
def test_quantize_examples(value: str, mode: str, expected: str) -> None:
    r = Price(value).quantize(2, mode)  # type: ignore[arg-type]
    assert str(r) == expected


def test_quantize_pads_and_default_mode_is_half_even() -> None:
    assert str(Price("1.5").quantize(4)) == "1.5000"
    assert str(Price("0.125").quantize(2)) == "0.12"
    assert str(Price("0.135").quantize(2)) == "0.14"
    with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
        PRICE_MAX.quantize(0, "up")
    assert PRICE_MAX.quantize(0, "down") == 9223372036


def test_bad_rounding_mode() -> None:
    for call in (
        lambda: Price("1.25").quantize(1, "bankers"),  # type: ignore[arg-type]
        lambda: Price("1.25").round_to_increment(Price("0.1"), "nearest"),  # type: ignore[arg-type]
        lambda: Price.from_float(1.25, 1, "HALF_EVEN"),  # type: ignore[arg-type]
        lambda: Money.from_decimal(Decimal(1), USD, "round"),  # type: ignore[arg-type]
        lambda: Money("1.255", USD).round_to_currency("x"),  # type: ignore[arg-type]
    ):
        with raises_input(InvalidInput, "rounding", "must be one of"):
            call()


@pytest.mark.parametrize("cls", [Price, Quantity])
@given(
    data=st.data(),
    exponent=st.integers(-9, 3),
    inc_precision=st.integers(0, 9),
    mode=st.sampled_from(ROUNDINGS),
)
def test_round_to_power_of_ten_increment_agrees_with_decimal(
    cls: type[Any], data: st.DataObject, exponent: int, inc_precision: int, mode: str
) -> None:
    v = data.draw(values(cls))
    inc_precision = max(inc_precision, -exponent)
    inc = cls(Decimal(f"1E{exponent}"), inc_precision)
    expected = v.as_decimal().quantize(
        Decimal(f"1E{exponent}"), rounding=DEC_ROUNDING[mode], context=ROUND
    )
    if in_range(cls, expected):
        r = v.round_to_increment(inc, mode)
        assert type(r) is cls
        assert r.as_decimal() == expected
        assert r.precision == inc.precision
        assert r.is_multiple_of(inc)
    else:
        with pytest.raises(ValueOutOfRange):
            v.round_to_increment(inc, mode)


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


# Textbook definitions, written independently of the implementation's branch structure.
FRACTION_ROUND: dict[str, Callable[[Fraction], int]] = {
    "floor": math.floor,
    "ceiling": math.ceil,
    "down": math.trunc,
    "up": lambda x: _sign(x) * math.ceil(abs(x)),
    "half_even": round,  # Fraction.__round__ is round-half-even
    "half_up": lambda x: _sign(x) * math.floor(abs(x) + Fraction(1, 2)),
    "half_down": lambda x: _sign(x) * math.ceil(abs(x) - Fraction(1, 2)),
}


@st.composite
def value_and_increment(draw: st.DrawFn, cls: type[Any]) -> tuple[Any, Any]:
    p = draw(st.integers(0, 9))
    step = 10 ** (9 - p)
    inc = cls.from_raw(draw(st.integers(1, 10_000)) * step, p)
    if draw(st.booleans()) or inc.raw % 2:
        return draw(values(cls)), inc
    # an exact tie: an odd number of half increments
    lo, hi = RANGES[cls]
    bound = min(hi // inc.raw - 1, 10**6)
    k = draw(st.integers(0 if lo == 0 else -bound, bound))
    return cls.from_raw((2 * k + 1) * (inc.raw // 2), 9), inc


@pytest.mark.parametrize("cls", [Price, Quantity])
@given(data=st.data(), mode=st.sampled_from(ROUNDINGS))
def test_round_to_any_increment_agrees_with_fractions(
    cls: type[Any], data: st.DataObject, mode: str
) -> None:
    v, inc = data.draw(value_and_increment(cls))
    steps = FRACTION_ROUND[mode](Fraction(v.raw, inc.raw))
    expected_raw = steps * inc.raw
    lo, hi = RANGES[cls]
    if lo <= expected_raw <= hi:
        r = v.round_to_increment(inc, mode)
        assert r.raw == expected_raw
        assert r.precision == inc.precision
        assert r.is_multiple_of(inc)
        assert abs(Fraction(r.raw - v.raw, inc.raw)) <= 1
    else:
        with pytest.raises(ValueOutOfRange):
            v.round_to_increment(inc, mode)


@pytest.mark.parametrize(
    ("value", "inc", "mode", "expected"),
    [
        ("1.37", "0.25", "half_even", "1.25"),
        ("1.375", "0.25", "half_even", "1.50"),  # tie, 5 is odd -> 6
        ("1.125", "0.25", "half_even", "1.00"),  # tie, 4 is even
        ("1.125", "0.25", "half_up", "1.25"),
        ("-1.125", "0.25", "half_up", "-1.25"),
        ("-1.125", "0.25", "half_down", "-1.00"),
        ("1.01", "0.25", "up", "1.25"),
        ("-1.01", "0.25", "floor", "-1.25"),
        ("7", "5", "half_even", "5"),
        ("7.5", "5", "half_even", "10"),
    ],
)
def test_round_to_increment_examples(value: str, inc: str, mode: str, expected: str) -> None:
    r = Price(value).round_to_increment(Price(inc), mode)  # type: ignore[arg-type]
    assert str(r) == expected


def test_round_to_increment_refuses_bad_increments() -> None:
    for bad in (Price(0), Price("-0.5"), Quantity("0.5"), Decimal("0.5"), 1):
        with raises_input(InvalidInput, "Price.increment", "must be a positive Price"):
            Price("1").round_to_increment(bad)  # type: ignore[arg-type]
    assert Price("1.5").is_multiple_of(Price("0.5"))
    assert not Price("1.5").is_multiple_of(Price("0.4"))
    assert not Price("1.5").is_multiple_of(Price("0"))
    assert Price("-1.5").is_multiple_of(Price("-0.5"))
    for bad in (Quantity("0.5"), Decimal("0.5"), 1):
        with raises_input(InvalidInput, "Price.increment", "must be a Price"):
            Price("1").is_multiple_of(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [Price, Quantity])
@given(
    f=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.decimals(places=4, min_value=-1000, max_value=1000).map(float),
    ),
    precision=st.integers(0, 9),
    mode=st.sampled_from(ROUNDINGS),
)
@example(f=2.675, precision=2, mode="half_even")  # binary value is below .675; repr is not
@example(f=0.125, precision=2, mode="half_even")
@example(f=9223372036.854775, precision=6, mode="up")
@example(f=1e20, precision=9, mode="half_even")
def test_from_float_agrees_with_decimal_repr(
    cls: type[Any], f: float, precision: int, mode: str
) -> None:
    expected = Decimal(repr(f)).quantize(
        quantum(precision), rounding=DEC_ROUNDING[mode], context=ROUND
    )
    if in_range(cls, expected):
        v = cls.from_float(f, precision, mode)
        assert type(v) is cls
        assert v.as_decimal() == expected
        assert v.precision == precision
    else:
        with pytest.raises(ValueOutOfRange) as info:
            cls.from_float(f, precision, mode)
        assert info.value.field == f"{cls.__name__}.value"


def test_from_float_examples_and_errors() -> None:
    assert str(Price.from_float(2.675, 2)) == "2.68"  # from repr "2.675", not the binary value
    assert str(Price.from_float(0.1 + 0.2, 2)) == "0.30"
    assert str(Price.from_float(1.005, 2, "down")) == "1.00"
    assert str(Price.from_float(3, 2)) == "3.00"
    for bad in (math.nan, math.inf, -math.inf):
        with raises_input(ValueOutOfRange, "Price.value", "finite"):
            Price.from_float(bad, 2)
        with raises_input(ValueOutOfRange, "Money.value", "finite"):
            Money.from_float(bad, USD)
    for wrong in ("1.5", Decimal("1.5"), True, None):
        with raises_input(InvalidInput, "Price.value", "must be a float"):
            Price.from_float(wrong, 2)  # type: ignore[arg-type]
        with raises_input(InvalidInput, "Money.value", "must be a float"):
            Money.from_float(wrong, USD)  # type: ignore[arg-type]
    with raises_input(ValueOutOfRange, "Price.value", "too large for a float"):
        Price.from_float(10**400, 2)


@given(
    d=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12),
        st.decimals(allow_nan=False, allow_infinity=False, places=12, min_value=-5, max_value=5),
    ),
    precision=st.integers(0, 9),
    mode=st.sampled_from(ROUNDINGS),
)
def test_from_decimal_agrees_with_decimal_quantize(d: Decimal, precision: int, mode: str) -> None:
    expected = d.quantize(quantum(precision), rounding=DEC_ROUNDING[mode], context=ROUND)
    if in_range(Price, expected):
        v = Price.from_decimal(d, precision, mode)  # type: ignore[arg-type]
        assert v.as_decimal() == expected
        assert v.precision == precision
    else:
        with raises_input(ValueOutOfRange, "Price.value", "outside the range"):
            Price.from_decimal(d, precision, mode)  # type: ignore[arg-type]


@given(f=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_money_from_float_rounds_to_the_currency(f: float) -> None:
    for currency in (USD, JPY, BTC):
        m = Money.from_float(f, currency)
        expected = Decimal(repr(f)).quantize(
            quantum(currency.precision), rounding=decimal.ROUND_HALF_EVEN, context=ROUND
        )
        assert m.as_decimal() == expected
        assert m.precision == currency.precision
        assert m.currency is currency


@given(m=values(Money, USD, 2), mode=st.sampled_from(ROUNDINGS))
def test_round_to_currency_agrees_with_decimal(m: Money, mode: str) -> None:
    expected = m.as_decimal().quantize(quantum(2), rounding=DEC_ROUNDING[mode], context=ROUND)
    if in_range(Money, expected):
        r = m.round_to_currency(mode)  # type: ignore[arg-type]
        assert r.as_decimal() == expected
        assert r.precision == 2
        assert r.currency is USD


def test_money_precision_rules() -> None:
    assert Money("1.5", USD).precision == 2
    assert str(Money("1.5", USD)) == "1.50 USD"
    assert str(Money("1.2345", USD)) == "1.2345 USD"  # exact, never rounded silently
    assert str(Money("1.2345", USD).round_to_currency()) == "1.23 USD"
    assert str(Money(5, JPY)) == "5 JPY"
    assert str(Money("1", "BTC")) == "1.00000000 BTC"
    assert Money("1", "BTC").currency is BTC
    assert str(Money.zero(USD)) == "0.00 USD"
    assert str(Money.from_decimal(Decimal("2.345"), USD)) == "2.34 USD"
    assert str(Money.from_decimal(Decimal("2.345"), USD, "half_up")) == "2.35 USD"
    assert f"{Money('1.5', USD):.3f}" == "1.500 USD"


def test_money_accepts_a_currency_or_a_code_everywhere() -> None:
    assert Money("1", "USD") == Money("1", USD)
    assert Money.from_raw(1_500_000_000, "USD") == Money("1.5", USD)
    assert Money.from_float(1.005, "USD", "up") == Money("1.01", USD)
    assert Money.from_decimal(Decimal("2.345"), "EUR").currency is EUR
    assert Money.zero("JPY").currency is JPY
    not_a_currency: Any = 840
    calls: list[Callable[[], object]] = [
        lambda: Money.from_raw(0, not_a_currency),
        lambda: Money.from_float(1.0, not_a_currency),
        lambda: Money.zero(not_a_currency),
        lambda: Money(1, not_a_currency),
    ]
    for call in calls:
        with raises_input(InvalidInput, "Money.currency", "must be a Currency or a currency code"):
            call()
    with pytest.raises(KeyError):
        Money.zero("NOPE")


def test_money_constructor_errors() -> None:
    with pytest.raises(KeyError):
        Money("1", "NOPE")
    with raises_input(InvalidInput, "Money.currency", "must be a Currency or a currency code"):
        Money("1", 840)  # type: ignore[arg-type]
    with raises_input(InvalidInput, "Money", "'<amount> <currency code>'"):
        Money.from_str("1.50")
    assert Money.from_str("-1.50 EUR") == Money("-1.5", EUR)


def test_money_products() -> None:
    m = Money("10.50", USD)
    assert m * 3 == Money("31.50", USD)
    assert 3 * m == Money("31.50", USD)
    assert (m * 3).precision == 2
    fee = m * Decimal("0.001")
    assert type(fee) is Decimal
    assert fee == Decimal("0.0105")
    assert m * Quantity("2") == Decimal("21")
    assert Price("2") * m == Decimal("21")


# -- context independence -----------------------------------------------------------------
def test_results_do_not_depend_on_the_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        ctx.traps[decimal.Rounded] = True
        assert Price("123456.78") == Decimal("123456.78")
        assert Price(Decimal("123456.1234567890")).raw == 123456_123456789
        assert str(Price.from_float(123456.785, 2, "half_up")) == "123456.79"
        assert str(Price.from_decimal(Decimal("98765.4321"), 2)) == "98765.43"
        assert str(Money.from_float(123456.78, USD)) == "123456.78 USD"
        assert Price("123456.78") * Quantity("3") == Decimal("370370.34")
        assert str(Price("123456.789").quantize(1)) == "123456.8"
        assert hash(Price("123456.78")) == hash(Fraction(12345678, 100))


# -- copies -------------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", [prices, quantities, usd, btc], ids=["P", "Q", "USD", "BTC"])
@given(data=st.data())
def test_pickle_and_copy_round_trip(strategy: Any, data: st.DataObject) -> None:
    v = data.draw(strategy)
    copies = [copy.copy(v), copy.deepcopy(v)]
    copies += [pickle.loads(pickle.dumps(v, proto)) for proto in range(pickle.HIGHEST_PROTOCOL + 1)]
    for c in copies:
        assert type(c) is type(v)
        assert c == v
        assert (c.raw, c.precision, str(c)) == (v.raw, v.precision, str(v))
        if isinstance(v, Money):
            assert c.currency is v.currency


@settings(max_examples=25)
@given(prices)
def test_values_are_immutable(p: Price) -> None:
    with pytest.raises(AttributeError):
        p.raw = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.extra = 1  # type: ignore[attr-defined]
