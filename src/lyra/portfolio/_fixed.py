"""Exact integer helpers shared by accounts and positions (private).

Scales used in this package:

* ``raw``  -- units of 10**-9, as in :class:`~lyra.model.Price`, :class:`~lyra.model.Quantity`
  and :class:`~lyra.model.Money`;
* ``fine`` -- units of 10**-27 of a currency: the exact product ``qty_raw * mult_raw * px_raw``
  of three raw values, so a linear contract's value needs no rounding at all.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Final

from lyra.errors import InvalidInput
from lyra.model.currency import Currency
from lyra.model.values import MONEY_RAW_MAX, Money, Quantity

__all__ = ()

SCALE: Final = 10**9
FINE_PER_RAW: Final = 10**18
FINE_DIGITS: Final = 27
POW10: Final = tuple(10**i for i in range(FINE_DIGITS + 1))
# Average prices are shown with 40 significant digits (exact whenever the quotient terminates
# within them; the exact rational is available as a Fraction).
AVG_CONTEXT: Final = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)
_EXACT: Final = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def rdiv(n: int, d: int) -> int:
    """``n / d`` rounded half-even to an integer (``d > 0``)."""
    q, r = divmod(n, d)
    twice = r + r
    if twice > d or (twice == d and q & 1):
        return q + 1
    return q


def ceil_div(n: int, d: int) -> int:
    """``n / d`` rounded toward positive infinity (``d > 0``)."""
    return -((-n) // d)


def money_precision(raw: int, currency: Currency) -> int:
    """Smallest precision >= the currency's that shows ``raw`` exactly."""
    p = currency.precision
    while p < 9 and raw % POW10[9 - p]:
        p += 1
    return p


def money(raw: int, currency: Currency) -> Money:
    """Money of ``raw`` (10**-9 units), shown with the currency's precision or more."""
    if not -MONEY_RAW_MAX <= raw <= MONEY_RAW_MAX:
        return Money.from_raw(raw, currency, money_precision(raw, currency))  # raises
    # money_precision shows raw exactly, so Money.from_raw's checks would all pass
    p = currency.precision
    while p < 9 and raw % POW10[9 - p]:
        p += 1
    return _make_money(raw, p, currency)


def money_from_fine(fine: int, currency: Currency) -> Money:
    """Money of ``fine`` (10**-27 units) rounded half-even to 10**-9."""
    return money(rdiv(fine, FINE_PER_RAW), currency)


_make_money: Final = Money._make


def fine_to_decimal(fine: int) -> Decimal:
    """The exact value of ``fine`` (10**-27 units) as a Decimal, without trailing zeros."""
    if fine == 0:
        return Decimal(0)
    digits = FINE_DIGITS
    while digits and fine % POW10[FINE_DIGITS - digits + 1] == 0:
        digits -= 1
    return Decimal(fine // POW10[FINE_DIGITS - digits]).scaleb(-digits, context=_EXACT)


def decimal_to_fine(value: Decimal, field: str) -> int:
    """The exact ``fine`` integer of ``value``; more than 27 decimals raises."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(field, "must be a finite Decimal", value)
    scaled = value.scaleb(FINE_DIGITS, context=_EXACT)
    if scaled != scaled.to_integral_value(context=_EXACT):
        raise InvalidInput(field, "has more than 27 decimal places", value)
    return int(scaled)


def exact_precision(raw: int, precision: int) -> int:
    """``precision``, raised as far as needed (up to 9) to show ``raw`` exactly."""
    while precision < 9 and raw % POW10[9 - precision]:
        precision += 1
    return precision


def raw_to_decimal(raw: int, precision: int) -> Decimal:
    """The exact value of ``raw`` (10**-9 units) with ``precision`` decimals or more."""
    if raw % POW10[9 - precision]:
        precision = exact_precision(raw, precision)
    return Decimal(raw // POW10[9 - precision]).scaleb(-precision, context=_EXACT)


def quantity(raw: int, precision: int) -> Quantity:
    """Quantity of ``raw`` with ``precision`` decimals or more (never rounded)."""
    if raw % POW10[9 - precision]:
        precision = exact_precision(raw, precision)
    return Quantity.from_raw(raw, precision)


def decimal_to_raw(value: Decimal, field: str) -> int:
    """The exact raw (10**-9 units) of ``value``; more than 9 decimals raises."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(field, "must be a finite Decimal", value)
    scaled = value.scaleb(9, context=_EXACT)
    if scaled != scaled.to_integral_value(context=_EXACT):
        raise InvalidInput(field, "has more than 9 decimal places", value)
    return int(scaled)


def ratio_to_decimal(num: int, den: int) -> Decimal:
    """``num / den`` at 40 significant digits, half-even (exact when it terminates there)."""
    return AVG_CONTEXT.divide(Decimal(num), Decimal(den))


def fraction(num: int, den: int) -> Fraction:
    """``num / den`` as an exact Fraction."""
    return Fraction(num, den)
