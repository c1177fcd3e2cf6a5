"""Exact fixed-point values: :class:`Price`, :class:`Quantity` and :class:`Money`.

Every value is an integer ``raw`` in units of 10**-9 (``FIXED_SCALAR = 10**9``, so
``FIXED_PRECISION = 9`` decimal places at most) plus a display ``precision`` (0..9): the number
of decimals the value is written with. ``Price("1.23")`` has raw ``1_230_000_000`` and
precision 2; ``Price("1.230")`` has the same raw and precision 3, and the two are equal and
hash alike, because equality, ordering and hashing are by value. A value never holds more
digits than its precision says.

Ranges (the raw integer fits the Rust engine's field for it)::

    type       raw range                          largest magnitude
    Price      -(2**63 - 1) .. 2**63 - 1 (i64)    9_223_372_036.854775807
    Quantity   0 .. 2**64 - 1            (u64)    18_446_744_073.709551615
    Money      -(2**127 - 1) .. 2**127 - 1 (i128) about 1.7e29

Construction takes a ``str``, an ``int`` or a :class:`decimal.Decimal`, all exact. A value
with more decimals than the ``precision`` asked for is refused, never rounded: rounding is
always an explicit call that names its mode (:meth:`Price.from_float`, :meth:`Price.quantize`,
:meth:`Price.round_to_increment`). A ``float`` is accepted only by ``from_float``.

Arithmetic is exact; a result that cannot be represented raises instead of rounding::

    operation                                result
    Price ± Price                            Price    (precision = max of the two)
    Quantity ± Quantity                      Quantity (negative result raises)
    Money ± Money (same currency)            Money
    Price * int, Quantity * int, Money * int same type
    -Price, abs(Price), -Money, abs(Money)   same type
    any other product or any division        Decimal  (exact product; quotient at the
                                                       decimal context's precision)

Comparisons work between values of the same type and with ``int`` and ``Decimal``
(by value); ``hash`` agrees with ``Decimal`` and ``int`` for equal values. Comparing with a
``float`` is never equal (``==``) and raises ``TypeError`` for ordering.
"""

from __future__ import annotations

import decimal
import math
import sys
from decimal import Decimal
from typing import Any, ClassVar, Final, Literal, Self, TypeVar, overload

from lyra.errors import CurrencyMismatch, InvalidInput, PrecisionError, ValueOutOfRange
from lyra.model.currency import Currency

__all__ = (
    "FIXED_PRECISION",
    "FIXED_SCALAR",
    "MONEY_MAX",
    "MONEY_RAW_MAX",
    "PRICE_MAX",
    "PRICE_RAW_MAX",
    "QUANTITY_MAX",
    "QUANTITY_RAW_MAX",
    "Money",
    "Price",
    "Quantity",
    "Rounding",
)

FIXED_PRECISION: Final = 9
"""Most decimal places a value can have."""
FIXED_SCALAR: Final = 10**FIXED_PRECISION
"""The raw value of 1: ``raw = value * FIXED_SCALAR``."""
PRICE_RAW_MAX: Final = 2**63 - 1
"""Largest raw Price (i64); the smallest is its negation."""
QUANTITY_RAW_MAX: Final = 2**64 - 1
"""Largest raw Quantity (u64); the smallest is 0."""
MONEY_RAW_MAX: Final = 2**127 - 1
"""Largest raw Money amount (i128); the smallest is its negation."""

Rounding = Literal["half_even", "half_up", "half_down", "down", "up", "floor", "ceiling"]
"""Rounding modes: ``down``/``up`` are toward/away from zero; ``floor``/``ceiling`` toward
negative/positive infinity; the ``half_*`` modes round to nearest with that tie rule."""

_POW10: Final = tuple(10**i for i in range(FIXED_PRECISION + 1))
_QUANTUM: Final = tuple(Decimal(f"1E-{p}") for p in range(FIXED_PRECISION + 1))
# Modulus of CPython's numeric hash; hashing like Decimal/Fraction keeps equal values equal.
_HASH_MOD: Final = sys.hash_info.modulus
_HASH_INV_SCALE: Final = pow(FIXED_SCALAR, _HASH_MOD - 2, _HASH_MOD)
_ROUNDINGS: Final = frozenset(
    ("half_even", "half_up", "half_down", "down", "up", "floor", "ceiling")
)
_DECIMAL_ROUNDING: Final = {
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_up": decimal.ROUND_HALF_UP,
    "half_down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}

_T = TypeVar("_T", bound="_FixedPoint")


def _numeric_hash(raw: int) -> int:
    """CPython's hash of the rational raw / 10**9, as Decimal and Fraction compute it."""
    h = (abs(raw) % _HASH_MOD) * _HASH_INV_SCALE % _HASH_MOD
    if raw < 0:
        h = -h
    return -2 if h == -1 else h


def _check_precision(field: str, precision: object) -> int:
    if type(precision) is not int or not 0 <= precision <= FIXED_PRECISION:
        raise PrecisionError(field, f"must be an int in 0..{FIXED_PRECISION}", precision)
    return precision


# Digits an in-range whole part can have (Money's is the longest: 30). Anything longer is
# out of range for every type, so it is refused before any big integer is built from it.
_MAX_WHOLE_DIGITS: Final = 30
# A raw beyond every type's range: the caller's range check then names the type's own range.
_TOO_BIG: Final = 10**60
# Exact decimal arithmetic whatever the caller's decimal context says: a product or a
# quantize of in-range values never needs more than a few dozen digits, so it is never rounded.
_EXACT: Final = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _parse_str(field: str, text: str) -> tuple[int, int]:
    """Exact (raw, decimals) of a decimal string; scientific notation goes through Decimal."""
    s = text.strip()
    neg = False
    if s[:1] in ("-", "+"):
        neg = s[0] == "-"
        s = s[1:]
    whole, _, frac = s.partition(".")
    if (
        (whole or frac)
        and (not whole or (whole.isascii() and whole.isdigit()))
        and (not frac or (frac.isascii() and frac.isdigit()))
        and "_" not in s
    ):
        decimals = len(frac)
        if decimals > FIXED_PRECISION:
            stripped = frac.rstrip("0")
            if len(stripped) > FIXED_PRECISION:
                raise PrecisionError(field, f"has more than {FIXED_PRECISION} decimal places", text)
            frac = stripped
            decimals = FIXED_PRECISION
        if len(whole) > _MAX_WHOLE_DIGITS:
            whole = whole.lstrip("0")
            if len(whole) > _MAX_WHOLE_DIGITS:
                return (-_TOO_BIG if neg else _TOO_BIG), decimals
        raw = int(whole or "0") * FIXED_SCALAR
        if frac:
            raw += int(frac) * _POW10[FIXED_PRECISION - len(frac)]
        return (-raw if neg else raw), decimals
    try:
        if not text.isascii():
            raise InvalidInput(field, "must be written with ASCII digits", text)
        d = Decimal(text)
    except decimal.InvalidOperation:
        raise InvalidInput(field, "is not a decimal number", text) from None
    return _parse_decimal(field, d)


def _parse_decimal(field: str, d: Decimal) -> tuple[int, int]:
    """Exact (raw, decimals) of a Decimal, independent of the decimal context."""
    if not d.is_finite():
        raise ValueOutOfRange(field, "must be finite (not NaN or infinity)", d)
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    if exponent < -FIXED_PRECISION:
        # More than 9 decimals written: fine only if the extra ones are zeros ("1.0000000000").
        extra = -FIXED_PRECISION - exponent
        if any(digits[-extra:]):
            raise PrecisionError(field, f"has more than {FIXED_PRECISION} decimal places", d)
        digits = digits[:-extra]
        exponent = -FIXED_PRECISION
        decimals = FIXED_PRECISION
    else:
        decimals = max(0, -exponent)
    if not any(digits):
        return 0, decimals
    if len(digits) + exponent > _MAX_WHOLE_DIGITS:
        return (-_TOO_BIG if sign else _TOO_BIG), decimals
    raw = int("".join(map(str, digits))) * 10 ** (exponent + FIXED_PRECISION)
    return (-raw if sign else raw), decimals


def _round_decimal(field: str, d: Decimal, precision: int, rounding: str) -> int:
    """Raw of ``d`` rounded to ``precision`` decimals by ``rounding`` (exact, context-free)."""
    if d and d.adjusted() >= _MAX_WHOLE_DIGITS:
        return -_TOO_BIG if d.is_signed() else _TOO_BIG
    q = d.quantize(_QUANTUM[precision], rounding=_DECIMAL_ROUNDING[rounding], context=_EXACT)
    return _parse_decimal(field, q)[0]


def _format(raw: int, precision: int) -> str:
    neg = raw < 0
    whole, frac = divmod(-raw if neg else raw, FIXED_SCALAR)
    if precision:
        text = f"{whole}.{frac // _POW10[FIXED_PRECISION - precision]:0{precision}d}"
    else:
        text = str(whole)
    return "-" + text if neg else text


def _round_div(n: int, d: int, mode: str) -> int:
    """n / d rounded to an integer by ``mode`` (d > 0)."""
    q, r = divmod(n, d)  # floor division: q * d + r == n, 0 <= r < d
    if r == 0 or mode == "floor":
        return q
    if mode == "ceiling":
        return q + 1
    if mode == "down":
        return q if n >= 0 else q + 1
    if mode == "up":
        return q + 1 if n >= 0 else q
    twice = 2 * r
    if twice < d:
        return q
    if twice > d:
        return q + 1
    if mode == "half_even":
        return q if q % 2 == 0 else q + 1
    if mode == "half_up":  # away from zero
        return q + 1 if n >= 0 else q
    if mode == "half_down":  # toward zero
        return q if n >= 0 else q + 1
    raise InvalidInput("rounding", f"must be one of {sorted(_ROUNDINGS)}", mode)


def _finite_float(field: str, value: object) -> float:
    if not isinstance(value, (float, int)) or isinstance(value, bool):
        raise InvalidInput(field, "must be a float", value)
    try:
        f = float(value)
    except OverflowError:  # an int too large for a float
        raise ValueOutOfRange(field, "is too large for a float", value) from None
    if not math.isfinite(f):
        raise ValueOutOfRange(field, "must be finite (not NaN or infinity)", value)
    return f


def _check_rounding(mode: str) -> str:
    if mode not in _ROUNDINGS:
        raise InvalidInput("rounding", f"must be one of {sorted(_ROUNDINGS)}", mode)
    return mode


class _FixedPoint:
    """Shared implementation of Price and Quantity (private; not part of the API)."""

    __slots__ = ("_precision", "_raw")

    _raw: int
    _precision: int
    _RAW_MIN: ClassVar[int] = -PRICE_RAW_MAX
    _RAW_MAX: ClassVar[int] = PRICE_RAW_MAX
    _VALUE_FIELD: ClassVar[str] = "value"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Built once per class, not per construction (the field name only shows in errors).
        cls._VALUE_FIELD = f"{cls.__name__}.value"

    def __init__(self, value: str | int | Decimal, precision: int | None = None) -> None:
        if type(value) is str:
            raw, decimals = _parse_str(self._VALUE_FIELD, value)
        elif type(value) is int:
            raw, decimals = value * FIXED_SCALAR, 0
        elif isinstance(value, Decimal):
            raw, decimals = _parse_decimal(self._VALUE_FIELD, value)
        elif isinstance(value, float):
            name = type(self).__name__
            raise InvalidInput(
                f"{name}.value",
                f"floats are not accepted (inexact); use {name}.from_float(value, precision) "
                "to round one explicitly, or pass a str/Decimal",
                value,
            )
        elif isinstance(value, int) and not isinstance(value, bool):
            raw, decimals = int(value) * FIXED_SCALAR, 0
        else:
            raise InvalidInput(self._VALUE_FIELD, "must be a str, int or Decimal", value)
        if precision is None:
            precision = decimals
        else:
            name = type(self).__name__
            _check_precision(f"{name}.precision", precision)
            if decimals > precision and raw % _POW10[FIXED_PRECISION - precision]:
                raise PrecisionError(
                    f"{name}.value",
                    f"has more decimal places than precision {precision}; round it explicitly "
                    f"with {name}.quantize or an instrument's make_* method",
                    value,
                )
        if not self._RAW_MIN <= raw <= self._RAW_MAX:
            self._check_raw(raw, value)
        self._raw = raw
        self._precision = precision

    @classmethod
    def _check_raw(cls, raw: int, shown: object) -> None:
        if not cls._RAW_MIN <= raw <= cls._RAW_MAX:
            if raw < 0 and cls._RAW_MIN == 0:
                raise ValueOutOfRange(f"{cls.__name__}.value", "must not be negative", shown)
            raise ValueOutOfRange(
                f"{cls.__name__}.value",
                f"is outside the range {_format(cls._RAW_MIN, 9)}..{_format(cls._RAW_MAX, 9)}",
                shown,
            )

    @classmethod
    def _make(cls: type[_T], raw: int, precision: int) -> _T:
        # The hot constructor: raw is known valid, skip parsing.
        obj = object.__new__(cls)
        obj._raw = raw
        obj._precision = precision
        return obj

    @classmethod
    def from_raw(cls: type[_T], raw: int, precision: int) -> _T:
        """Build from a raw integer (value * 10**9) and a display precision.

        The raw value must be in range and carry no digits beyond ``precision``.
        """
        if type(raw) is not int:
            raise InvalidInput(f"{cls.__name__}.raw", "must be an int", raw)
        if type(precision) is not int or not 0 <= precision <= FIXED_PRECISION:
            _check_precision(f"{cls.__name__}.precision", precision)
        if raw % _POW10[FIXED_PRECISION - precision]:
            raise PrecisionError(
                f"{cls.__name__}.raw",
                f"has digits beyond precision {precision}",
                raw,
            )
        if not cls._RAW_MIN <= raw <= cls._RAW_MAX:
            cls._check_raw(raw, _format(raw, FIXED_PRECISION))
        obj = object.__new__(cls)
        obj._raw = raw
        obj._precision = precision
        return obj

    @classmethod
    def from_float(
        cls: type[_T], value: float, precision: int, rounding: Rounding = "half_even"
    ) -> _T:
        """Round a float to ``precision`` decimals (from its shortest repr) with ``rounding``."""
        _check_precision(f"{cls.__name__}.precision", precision)
        _check_rounding(rounding)
        f = _finite_float(f"{cls.__name__}.value", value)
        raw = _round_decimal(f"{cls.__name__}.value", Decimal(repr(f)), precision, rounding)
        cls._check_raw(raw, value)
        return cls._make(raw, precision)

    @classmethod
    def from_decimal(
        cls: type[_T], value: Decimal, precision: int, rounding: Rounding = "half_even"
    ) -> _T:
        """Round a Decimal to ``precision`` decimals with ``rounding``."""
        _check_precision(f"{cls.__name__}.precision", precision)
        _check_rounding(rounding)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidInput(f"{cls.__name__}.value", "must be a finite Decimal", value)
        raw = _round_decimal(f"{cls.__name__}.value", value, precision, rounding)
        cls._check_raw(raw, value)
        return cls._make(raw, precision)

    @classmethod
    def zero(cls: type[_T], precision: int = 0) -> _T:
        """Zero at the given precision."""
        _check_precision(f"{cls.__name__}.precision", precision)
        return cls._make(0, precision)

    @property
    def raw(self) -> int:
        """The value * 10**9, as an exact integer."""
        return self._raw

    @property
    def precision(self) -> int:
        """Number of decimal places the value is written with (0..9)."""
        return self._precision

    def as_decimal(self) -> Decimal:
        """The exact value as a Decimal with ``precision`` decimal places."""
        return Decimal(_format(self._raw, self._precision))

    def as_float(self) -> float:
        """The value as a float (inexact; for display, statistics and ML features)."""
        return self._raw / FIXED_SCALAR

    def __float__(self) -> float:
        return self._raw / FIXED_SCALAR

    def is_zero(self) -> bool:
        """Whether the value is zero."""
        return self._raw == 0

    def is_positive(self) -> bool:
        """Whether the value is above zero."""
        return self._raw > 0

    def quantize(self: _T, precision: int, rounding: Rounding = "half_even") -> _T:
        """This value rounded (or padded) to ``precision`` decimals with ``rounding``."""
        _check_precision(f"{type(self).__name__}.precision", precision)
        step = _POW10[FIXED_PRECISION - precision]
        raw = _round_div(self._raw, step, _check_rounding(rounding)) * step
        type(self)._check_raw(raw, self)
        return type(self)._make(raw, precision)

    def round_to_increment(self: _T, increment: _T, rounding: Rounding = "half_even") -> _T:
        """This value rounded to a whole multiple of ``increment`` (e.g. a tick size).

        The result has the increment's precision: ``Quantity("1.23456")`` rounded down to a
        ``Quantity("0.001")`` lot is ``Quantity("1.234")``.
        """
        if type(increment) is not type(self) or increment._raw <= 0:
            raise InvalidInput(
                f"{type(self).__name__}.increment",
                f"must be a positive {type(self).__name__}",
                increment,
            )
        steps = _round_div(self._raw, increment._raw, _check_rounding(rounding))
        raw = steps * increment._raw
        type(self)._check_raw(raw, self)
        return type(self)._make(raw, increment._precision)

    def is_multiple_of(self: _T, increment: _T) -> bool:
        """Whether this value is a whole multiple of ``increment`` (never of zero)."""
        if type(increment) is not type(self):
            raise InvalidInput(
                f"{type(self).__name__}.increment",
                f"must be a {type(self).__name__}",
                increment,
            )
        return increment._raw != 0 and self._raw % increment._raw == 0

    # -- comparison -----------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._raw == other._raw
        if type(other) is int:
            return self._raw == other * FIXED_SCALAR
        if isinstance(other, Decimal):
            # Decimal comparison is exact whatever the context; scaling `other` would not be.
            return self.as_decimal() == other
        return NotImplemented

    def __hash__(self) -> int:
        return _numeric_hash(self._raw)

    def _cmp_raw(self, other: object) -> int | None:
        if type(other) is type(self):
            return other._raw
        if type(other) is int:
            return other * FIXED_SCALAR
        return None

    def __lt__(self, other: object) -> bool:
        o = self._cmp_raw(other)
        if o is None:
            if isinstance(other, Decimal):
                return self.as_decimal() < other
            return NotImplemented
        return self._raw < o

    def __le__(self, other: object) -> bool:
        o = self._cmp_raw(other)
        if o is None:
            if isinstance(other, Decimal):
                return self.as_decimal() <= other
            return NotImplemented
        return self._raw <= o

    def __gt__(self, other: object) -> bool:
        o = self._cmp_raw(other)
        if o is None:
            if isinstance(other, Decimal):
                return self.as_decimal() > other
            return NotImplemented
        return self._raw > o

    def __ge__(self, other: object) -> bool:
        o = self._cmp_raw(other)
        if o is None:
            if isinstance(other, Decimal):
                return self.as_decimal() >= other
            return NotImplemented
        return self._raw >= o

    def __bool__(self) -> bool:
        return self._raw != 0

    # -- arithmetic ---------------------------------------------------------------------
    # The operators below build their result inline (no _make call): they are the hot path.
    def __add__(self: _T, other: _T) -> _T:
        cls = type(self)
        if type(other) is not cls:
            return NotImplemented
        raw = self._raw + other._raw
        if not cls._RAW_MIN <= raw <= cls._RAW_MAX:
            cls._check_raw(raw, _format(raw, FIXED_PRECISION))
        p = self._precision
        q = other._precision
        obj = object.__new__(cls)
        obj._raw = raw
        obj._precision = p if p >= q else q
        return obj

    def __sub__(self: _T, other: _T) -> _T:
        cls = type(self)
        if type(other) is not cls:
            return NotImplemented
        raw = self._raw - other._raw
        if not cls._RAW_MIN <= raw <= cls._RAW_MAX:
            cls._check_raw(raw, _format(raw, FIXED_PRECISION))
        p = self._precision
        q = other._precision
        obj = object.__new__(cls)
        obj._raw = raw
        obj._precision = p if p >= q else q
        return obj

    @overload
    def __mul__(self, other: int) -> Self: ...
    @overload
    def __mul__(self, other: _FixedPoint | Decimal | Money) -> Decimal: ...
    def __mul__(self, other: object) -> Any:
        if type(other) is int:
            cls = type(self)
            raw = self._raw * other
            if not cls._RAW_MIN <= raw <= cls._RAW_MAX:
                cls._check_raw(raw, _format(raw, FIXED_PRECISION))
            obj = object.__new__(cls)
            obj._raw = raw
            obj._precision = self._precision
            return obj
        if isinstance(other, (_FixedPoint, Decimal, Money)):
            return _EXACT.multiply(self.as_decimal(), _as_decimal(other))
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Decimal:
        if isinstance(other, (_FixedPoint, Decimal)) or type(other) is int:
            return self.as_decimal() / _as_decimal(other)
        return NotImplemented

    def __rtruediv__(self, other: object) -> Decimal:
        if isinstance(other, Decimal) or type(other) is int:
            return _as_decimal(other) / self.as_decimal()
        return NotImplemented

    # -- text -----------------------------------------------------------------------------
    def __str__(self) -> str:
        return _format(self._raw, self._precision)

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{_format(self._raw, self._precision)}')"

    def __format__(self, spec: str) -> str:
        if not spec:
            return _format(self._raw, self._precision)
        return format(self.as_decimal(), spec)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._make, (self._raw, self._precision))

    def __copy__(self: _T) -> _T:
        return self

    def __deepcopy__(self: _T, memo: dict[int, Any]) -> _T:
        return self


def _as_decimal(x: object) -> Decimal:
    if isinstance(x, _FixedPoint):
        return x.as_decimal()
    if isinstance(x, Money):
        return x.as_decimal()
    if isinstance(x, Decimal):
        return x
    return Decimal(x)  # type: ignore[arg-type]


class Price(_FixedPoint):
    """An exact price (may be negative: spreads, some futures). See the module docs."""

    __slots__ = ()

    def __neg__(self) -> Price:
        return Price._make(-self._raw, self._precision)

    def __abs__(self) -> Price:
        return Price._make(abs(self._raw), self._precision)

    def __pos__(self) -> Price:
        return self


class Quantity(_FixedPoint):
    """An exact, non-negative quantity. See the module docs."""

    __slots__ = ()
    _RAW_MIN = 0
    _RAW_MAX = QUANTITY_RAW_MAX


PRICE_MAX: Final = Price.from_raw(PRICE_RAW_MAX, FIXED_PRECISION)
"""The largest Price, 9223372036.854775807."""
QUANTITY_MAX: Final = Quantity.from_raw(QUANTITY_RAW_MAX, FIXED_PRECISION)
"""The largest Quantity, 18446744073.709551615."""


class Money:
    """An exact amount of one :class:`~lyra.model.Currency`.

    The precision is the currency's (2 for USD) unless the amount needs more decimals, up to 9
    (so fees computed from a rate stay exact); :meth:`round_to_currency` rounds explicitly.
    Amounts in different currencies never combine: that raises
    :class:`~lyra.errors.CurrencyMismatch`.
    """

    __slots__ = ("_currency", "_precision", "_raw")

    _raw: int
    _precision: int
    _currency: Currency

    def __init__(self, value: str | int | Decimal, currency: Currency | str) -> None:
        if type(currency) is not Currency:
            currency = _to_currency(currency)
        if type(value) is str:
            raw, decimals = _parse_str("Money.value", value)
        elif type(value) is int:
            raw, decimals = value * FIXED_SCALAR, 0
        elif isinstance(value, Decimal):
            raw, decimals = _parse_decimal("Money.value", value)
        elif isinstance(value, float):
            raise InvalidInput(
                "Money.value",
                "floats are not accepted (inexact); use Money.from_float(value, currency)",
                value,
            )
        else:
            raise InvalidInput("Money.value", "must be a str, int or Decimal", value)
        _check_money_raw(raw, value)
        self._raw = raw
        self._precision = max(decimals, currency.precision)
        self._currency = currency

    @classmethod
    def _make(cls, raw: int, precision: int, currency: Currency) -> Money:
        obj = object.__new__(cls)
        obj._raw = raw
        obj._precision = precision
        obj._currency = currency
        return obj

    @classmethod
    def from_raw(cls, raw: int, currency: Currency | str, precision: int | None = None) -> Money:
        """Build from a raw integer (amount * 10**9).

        ``precision`` defaults to the currency's; like the constructor, an amount is never
        written with fewer decimals than its currency's precision.
        """
        currency = _to_currency(currency)
        if type(raw) is not int:
            raise InvalidInput("Money.raw", "must be an int", raw)
        p = currency.precision if precision is None else precision
        _check_precision("Money.precision", p)
        p = max(p, currency.precision)
        if raw % _POW10[FIXED_PRECISION - p]:
            raise PrecisionError("Money.raw", f"has digits beyond precision {p}", raw)
        _check_money_raw(raw, raw)
        return cls._make(raw, p, currency)

    @classmethod
    def from_float(
        cls, value: float, currency: Currency | str, rounding: Rounding = "half_even"
    ) -> Money:
        """Round a float to the currency's precision with ``rounding``."""
        f = _finite_float("Money.value", value)
        return cls.from_decimal(Decimal(repr(f)), currency, rounding)

    @classmethod
    def from_decimal(
        cls, value: Decimal, currency: Currency | str, rounding: Rounding = "half_even"
    ) -> Money:
        """Round a Decimal to the currency's precision with ``rounding``."""
        currency = _to_currency(currency)
        _check_rounding(rounding)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidInput("Money.value", "must be a finite Decimal", value)
        raw = _round_decimal("Money.value", value, currency.precision, rounding)
        _check_money_raw(raw, value)
        return cls._make(raw, currency.precision, currency)

    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        """Zero of ``currency``."""
        currency = _to_currency(currency)
        return cls._make(0, currency.precision, currency)

    @property
    def raw(self) -> int:
        """The amount * 10**9, as an exact integer."""
        return self._raw

    @property
    def precision(self) -> int:
        """Number of decimal places the amount is written with."""
        return self._precision

    @property
    def currency(self) -> Currency:
        """The currency of the amount."""
        return self._currency

    def as_decimal(self) -> Decimal:
        """The exact amount as a Decimal."""
        return Decimal(_format(self._raw, self._precision))

    def as_float(self) -> float:
        """The amount as a float (inexact)."""
        return self._raw / FIXED_SCALAR

    def __float__(self) -> float:
        return self._raw / FIXED_SCALAR

    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return self._raw == 0

    def round_to_currency(self, rounding: Rounding = "half_even") -> Money:
        """The amount rounded to the currency's precision with ``rounding``."""
        p = self._currency.precision
        step = _POW10[FIXED_PRECISION - p]
        raw = _round_div(self._raw, step, _check_rounding(rounding)) * step
        return Money._make(raw, p, self._currency)

    def _same(self, other: Money) -> None:
        if other._currency != self._currency:
            raise CurrencyMismatch(
                f"Money.currency: cannot combine {self._currency.code} with "
                f"{other._currency.code}; convert one first"
            )

    def __eq__(self, other: object) -> bool:
        if type(other) is Money:
            return self._raw == other._raw and self._currency == other._currency
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._raw, self._currency.code))

    def __lt__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other)
        return self._raw < other._raw

    def __le__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other)
        return self._raw <= other._raw

    def __gt__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other)
        return self._raw > other._raw

    def __ge__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other)
        return self._raw >= other._raw

    def __bool__(self) -> bool:
        return self._raw != 0

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money:
            return NotImplemented
        currency = self._currency
        if other._currency is not currency and other._currency != currency:
            self._same(other)
        raw = self._raw + other._raw
        if not -MONEY_RAW_MAX <= raw <= MONEY_RAW_MAX:
            _check_money_raw(raw, raw)
        p = self._precision
        q = other._precision
        obj = object.__new__(Money)
        obj._raw = raw
        obj._precision = p if p >= q else q
        obj._currency = currency
        return obj

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money:
            return NotImplemented
        currency = self._currency
        if other._currency is not currency and other._currency != currency:
            self._same(other)
        raw = self._raw - other._raw
        if not -MONEY_RAW_MAX <= raw <= MONEY_RAW_MAX:
            _check_money_raw(raw, raw)
        p = self._precision
        q = other._precision
        obj = object.__new__(Money)
        obj._raw = raw
        obj._precision = p if p >= q else q
        obj._currency = currency
        return obj

    @overload
    def __mul__(self, other: int) -> Money: ...
    @overload
    def __mul__(self, other: _FixedPoint | Decimal) -> Decimal: ...
    def __mul__(self, other: object) -> Any:
        if type(other) is int:
            raw = self._raw * other
            _check_money_raw(raw, raw)
            return Money._make(raw, self._precision, self._currency)
        if isinstance(other, (Decimal, _FixedPoint)):
            return _EXACT.multiply(self.as_decimal(), _as_decimal(other))
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Decimal:
        if type(other) is Money:
            self._same(other)
            return self.as_decimal() / other.as_decimal()
        if isinstance(other, (Decimal, _FixedPoint)) or type(other) is int:
            return self.as_decimal() / _as_decimal(other)
        return NotImplemented

    def __neg__(self) -> Money:
        return Money._make(-self._raw, self._precision, self._currency)

    def __abs__(self) -> Money:
        return Money._make(abs(self._raw), self._precision, self._currency)

    def __pos__(self) -> Money:
        return self

    def __str__(self) -> str:
        return f"{_format(self._raw, self._precision)} {self._currency.code}"

    def __repr__(self) -> str:
        return f"Money('{_format(self._raw, self._precision)}', {self._currency.code})"

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        return f"{format(self.as_decimal(), spec)} {self._currency.code}"

    @classmethod
    def from_str(cls, text: str) -> Money:
        """Parse ``"<amount> <CODE>"`` (the form ``str(money)`` produces)."""
        amount, _, code = text.strip().rpartition(" ")
        if not amount or not code:
            raise InvalidInput("Money", "must be written '<amount> <currency code>'", text)
        return cls(amount, Currency.from_str(code))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money._make, (self._raw, self._precision, self._currency))

    def __copy__(self) -> Money:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Money:
        return self


MONEY_MAX: Final = Decimal(_format(MONEY_RAW_MAX, FIXED_PRECISION))
"""The largest Money amount, as an exact Decimal (about 1.7e29)."""


def _to_currency(currency: object) -> Currency:
    if isinstance(currency, Currency):
        return currency
    if isinstance(currency, str):
        return Currency.from_str(currency)
    raise InvalidInput("Money.currency", "must be a Currency or a currency code", currency)


def _check_money_raw(raw: int, shown: object) -> None:
    if not -MONEY_RAW_MAX <= raw <= MONEY_RAW_MAX:
        raise ValueOutOfRange("Money.value", f"is outside ±{MONEY_MAX}", shown)
