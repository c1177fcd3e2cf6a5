"""Instrument definitions: what can be traded, on which grid, within which bounds, at what fee.

Four kinds, each a frozen ``msgspec.Struct`` tagged with its class name, so a stream or file of
mixed instruments decodes with ``type=AnyInstrument``:

====================  ==========================================================================
type                  what it is
====================  ==========================================================================
CurrencyPair          spot: ``base_currency`` bought and sold for ``quote_currency``
PerpetualSwap         perpetual future, linear (settled in quote or another currency) or inverse
FuturesContract       dated future: ``activation_ns`` .. ``expiration_ns``, linear or inverse
Equity                a share; optional ``isin``; usually with a :class:`TradingSession`
====================  ==========================================================================

All share :class:`Instrument`'s fields and methods. The shortest way to make one is the
``simple`` factory of each class (fees default to zero there; derivatives get a 10% initial /
5% maintenance margin)::

    pair = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.01",
                               size_increment="0.00001", taker_fee="0.001")
    pair.make_price("65000.004")      # Price('65000.00')
    pair.make_qty(0.123456789)        # Quantity('0.12345'), rounded down

Rules (each broken rule raises :class:`~lyra.errors.InvalidInstrument`, whose ``field`` is
``"<Class>.<field>"`` and whose message names the instrument):

* **Precision is derived from the increment**, never declared separately:
  ``price_precision == price_increment.precision`` and ``size_precision ==
  size_increment.precision``. Write the increment with the decimals the venue displays:
  ``Price("0.50")`` gives precision 2, ``Price("0.5")`` precision 1. Every value
  :meth:`Instrument.make_price` / :meth:`Instrument.make_qty` returns has that precision.
* ``price_increment``, ``size_increment`` and ``multiplier`` are positive; ``lot_size`` (the
  venue's round/board lot; informational) is a positive multiple of ``size_increment``.
* Each bound pair has ``min <= max``; ``max_quantity`` and ``max_notional`` are positive.
* ``min_notional`` / ``max_notional`` are in the :attr:`Instrument.notional_currency`: the quote
  currency, or the base currency for an inverse contract.
* ``maker_fee`` / ``taker_fee`` are rates (``Decimal("0.001")`` = 0.1%) with ``-1 < rate < 1``;
  a negative maker fee is a rebate. ``margin_init`` / ``margin_maint`` lie in ``0..1`` with
  ``margin_maint <= margin_init``. ``max_leverage``, when set, is at least 1.
* An inverse contract has a base currency and settles in it.
* ``ts_event`` / ``ts_init`` (and a future's ``activation_ns < expiration_ns``) are ints >= 0.

Convenience at runtime: fields also accept the exact text forms of their types (``"0.01"`` for
a Price, ``"USDT"`` for a Currency, ``"BTCUSDT.BINANCE"`` for an InstrumentId, ``"10 USDT"`` for
Money, ``"0.001"`` for a Decimal rate); they are converted once, at construction. Floats are
refused in definitions (inexact). Typed code should pass the declared types.

Grid arithmetic is exact integer arithmetic on the raw values (value x 10**9). The Rust engine
sees prices as integer **ticks** (multiples of ``price_increment``) and sizes as integer **lots**
(multiples of ``size_increment`` -- *not* of ``lot_size``); :meth:`Instrument.ticks`,
:meth:`Instrument.lots` and their inverses convert, refusing values off the grid.

Derive a variant with ``msgspec.structs.replace(inst, taker_fee=Decimal("0.0004"))``: the
result is validated again.
"""

from __future__ import annotations

import math
import operator
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NoReturn, Self

import msgspec
from msgspec.structs import force_setattr

from lyra.errors import (
    InvalidIdentifier,
    InvalidInput,
    InvalidInstrument,
    PrecisionError,
    UnknownCurrency,
    ValueOutOfRange,
)
from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide
from lyra.model.identifiers import InstrumentId, Symbol, Venue
from lyra.model.session import ContinuousSession, TradingSession
from lyra.model.values import FIXED_PRECISION, FIXED_SCALAR, Money, Price, Quantity, Rounding

__all__ = (
    "AnyInstrument",
    "CurrencyPair",
    "Equity",
    "FuturesContract",
    "Instrument",
    "NumberLike",
    "PerpetualSwap",
)

NumberLike = str | int | float | Decimal | Price | Quantity
"""What :meth:`Instrument.make_price` / :meth:`Instrument.make_qty` accept."""

_SCALE: Final = FIXED_SCALAR
_POW10: Final = tuple(10**i for i in range(FIXED_PRECISION + 1))
_ROUNDINGS: Final = frozenset(
    ("half_even", "half_up", "half_down", "down", "up", "floor", "ceiling")
)
_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_QTY_ONE: Final = Quantity(1)
_UTC_DAYS: Final = ContinuousSession()
_SEPARATORS: Final = re.compile(r"[/_\-:]")


# -- exact helpers ----------------------------------------------------------------------------
def _round_div(n: int, d: int, mode: str) -> int:
    """n / d rounded to an integer by ``mode`` (d > 0); ``mode`` already validated."""
    q, r = divmod(n, d)  # floor division: 0 <= r < d
    if r == 0 or mode == "floor":
        return q
    if mode == "down":
        return q if n >= 0 else q + 1
    if mode == "half_even" or mode == "half_up" or mode == "half_down":
        twice = 2 * r
        if twice < d:
            return q
        if twice > d:
            return q + 1
        if mode == "half_even":
            return q + (q & 1)
        if mode == "half_up":  # ties away from zero
            return q + 1 if n >= 0 else q
        return q if n >= 0 else q + 1  # half_down: ties toward zero
    if mode == "ceiling":
        return q + 1
    return q + 1 if n >= 0 else q  # up: away from zero


def _bad_rounding(mode: object) -> InvalidInput:
    return InvalidInput("rounding", f"must be one of {sorted(_ROUNDINGS)}", mode)


def _text_ratio(text: str, field: str) -> tuple[int, int]:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(field, "is not a decimal number", text) from None
    return _decimal_ratio(d, field)


def _decimal_ratio(d: Decimal, field: str) -> tuple[int, int]:
    if not d.is_finite():
        raise ValueOutOfRange(field, "must be finite (not NaN or infinity)", d)
    n, m = d.as_integer_ratio()
    return n * _SCALE, m


def _ratio(value: object, field: str) -> tuple[int, int]:
    """``(num, den)`` with ``value * 10**9 == num / den`` exactly and ``den > 0``."""
    t = type(value)
    if t is str:
        # Decimal's C parser plus an exact ratio beats hand parsing in Python.
        return _text_ratio(value, field)  # type: ignore[arg-type]
    if t is Price or t is Quantity:
        return value.raw, 1  # type: ignore[attr-defined]
    if t is int:
        return value * _SCALE, 1  # type: ignore[operator]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueOutOfRange(field, "must be finite (not NaN or infinity)", value)
        # The shortest repr is what the user wrote: 0.3 means 0.3, not 0.29999999999999998.
        return _text_ratio(repr(float(value)), field)
    if isinstance(value, Decimal):
        return _decimal_ratio(value, field)
    if isinstance(value, str):
        return _text_ratio(str(value), field)
    if not isinstance(value, bool):
        try:
            return operator.index(value) * _SCALE, 1  # type: ignore[arg-type]
        except TypeError:
            pass
    raise InvalidInput(field, "must be a str, int, float, Decimal, Price or Quantity", value)


def _as_int(value: object, field: str) -> int:
    if type(value) is int:
        return value
    if not isinstance(value, bool):
        try:
            return operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    raise InvalidInput(field, "must be an int", value)


def _money_precision(raw: int, currency: Currency) -> int:
    """Smallest precision >= the currency's that shows ``raw`` exactly."""
    p = currency.precision
    while p < FIXED_PRECISION and raw % _POW10[FIXED_PRECISION - p]:
        p += 1
    return p


def _guess_pair(symbol: str) -> tuple[Currency, Currency] | None:
    """Base and quote from a symbol like BTC/USDT, BTC-USDT-SWAP, BTCUSDT or BTCUSDT-PERP."""
    upper = symbol.upper()
    for sep in ("/", "-", "_"):
        parts = upper.split(sep)
        if (
            len(parts) >= 2
            and Currency.is_registered(parts[0])
            and Currency.is_registered(parts[1])
        ):
            return Currency.from_str(parts[0]), Currency.from_str(parts[1])
    head = _SEPARATORS.split(upper, maxsplit=1)[0]
    for cur in sorted(Currency.registered(), key=lambda c: (-len(c.code), c.code)):
        code = cur.code
        if len(head) > len(code) and head.endswith(code):
            base = head[: -len(code)]
            if Currency.is_registered(base):
                return Currency.from_str(base), cur
    return None


def _pair_for(
    cls_name: str,
    instrument_id: InstrumentId,
    base: Currency | str | None,
    quote: Currency | str | None,
) -> tuple[Currency | str, Currency | str]:
    if base is not None and quote is not None:
        return base, quote
    guess = _guess_pair(instrument_id.symbol)
    if guess is None:
        raise InvalidInstrument(
            f"{cls_name}.base_currency",
            f"cannot be inferred from symbol {instrument_id.symbol!r}; pass base= and quote=",
            str(instrument_id),
        )
    return (guess[0] if base is None else base), (guess[1] if quote is None else quote)


# -- the base class ---------------------------------------------------------------------------
class Instrument(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Fields and methods every instrument has. Abstract: make one of the subclasses.

    See the module documentation for the validation rules.
    """

    id: InstrumentId
    """``SYMBOL.VENUE`` as Lyra names it."""
    raw_symbol: Symbol
    """The venue's own symbol (``BTC-USDT-SWAP``, ``XBTUSD``)."""
    quote_currency: Currency
    """Currency prices are quoted in."""
    price_increment: Price
    """Tick size; its precision is the instrument's price precision."""
    size_increment: Quantity
    """Smallest size step; its precision is the instrument's size precision."""
    multiplier: Quantity = _QTY_ONE
    """Contract size: units of the underlying (linear) or of quote currency (inverse) per 1."""
    lot_size: Quantity | None = None
    """The venue's round (board) lot, e.g. 100 shares; informational."""
    min_quantity: Quantity | None = None
    """Smallest order quantity (``None``: no minimum beyond the grid)."""
    max_quantity: Quantity | None = None
    """Largest order quantity."""
    min_notional: Money | None = None
    """Smallest order value, in :attr:`notional_currency`."""
    max_notional: Money | None = None
    """Largest order value, in :attr:`notional_currency`."""
    min_price: Price | None = None
    """Lowest accepted price (checked by :meth:`make_price`)."""
    max_price: Price | None = None
    """Highest accepted price (checked by :meth:`make_price`)."""
    maker_fee: Decimal = _ZERO
    """Fee rate for liquidity-adding fills; negative is a rebate."""
    taker_fee: Decimal = _ZERO
    """Fee rate for liquidity-taking fills."""
    margin_init: Decimal = _ZERO
    """Initial margin as a fraction of notional (0 = not margined)."""
    margin_maint: Decimal = _ZERO
    """Maintenance margin as a fraction of notional."""
    max_leverage: Decimal | None = None
    """Highest leverage the venue allows, when it caps it (>= 1)."""
    session: TradingSession | ContinuousSession | None = None
    """Trading hours; ``None`` means 24/7 with the trading day ending at UTC midnight."""
    ts_event: int = 0
    """When the venue published this definition (ns since the epoch)."""
    ts_init: int = 0
    """When Lyra created this object (ns since the epoch)."""

    # -- validation -------------------------------------------------------------------------
    def __post_init__(self) -> None:
        if type(self) is Instrument:
            raise InvalidInstrument(
                "Instrument",
                "is abstract; make a CurrencyPair, PerpetualSwap, FuturesContract or Equity",
            )
        self._fix_identifier("id", InstrumentId)
        self._fix_identifier("raw_symbol", Symbol)
        self._fix_currency("quote_currency", optional=False)
        self._fix_fixed("price_increment", Price, optional=False)
        self._fix_fixed("size_increment", Quantity, optional=False)
        self._fix_fixed("multiplier", Quantity, optional=False)
        for name in ("lot_size", "min_quantity", "max_quantity"):
            self._fix_fixed(name, Quantity, optional=True)
        for name in ("min_price", "max_price"):
            self._fix_fixed(name, Price, optional=True)
        for name in ("maker_fee", "taker_fee", "margin_init", "margin_maint"):
            self._fix_decimal(name, optional=False)
        self._fix_decimal("max_leverage", optional=True)
        self._fix_timestamp("ts_event")
        self._fix_timestamp("ts_init")
        if self.session is not None and not isinstance(
            self.session, (TradingSession, ContinuousSession)
        ):
            self._fail(
                "session", "must be a TradingSession, a ContinuousSession or None", self.session
            )
        self._validate_kind()
        self._fix_money("min_notional")
        self._fix_money("max_notional")
        self._validate_rules()

    def _fail(self, name: str, rule: str, value: object) -> NoReturn:
        raise InvalidInstrument(
            f"{type(self).__name__}.{name}", f"{rule} (instrument {self.id})", value
        )

    def _fix_identifier(self, name: str, kind: type[InstrumentId] | type[Symbol]) -> None:
        value = getattr(self, name)
        if type(value) is kind:
            return
        if not isinstance(value, str):
            self._fail(name, f"must be a {kind.__name__}", value)
        try:
            force_setattr(self, name, kind(value))
        except InvalidIdentifier as exc:
            raise InvalidInstrument(f"{type(self).__name__}.{name}", exc.rule, value) from None

    def _fix_currency(self, name: str, *, optional: bool) -> None:
        value = getattr(self, name)
        if isinstance(value, Currency) or (value is None and optional):
            return
        if not isinstance(value, str):
            self._fail(name, "must be a Currency or a registered currency code", value)
        try:
            force_setattr(self, name, Currency.from_str(value))
        except UnknownCurrency:
            self._fail(
                name,
                "is not a registered currency code; register it with Currency.register first",
                value,
            )

    def _fix_fixed(self, name: str, kind: type[Price] | type[Quantity], *, optional: bool) -> None:
        value = getattr(self, name)
        if type(value) is kind or (value is None and optional):
            return
        if isinstance(value, float):
            self._fail(name, f"must be a {kind.__name__} (floats are inexact; pass a str)", value)
        if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
            self._fail(name, f"must be a {kind.__name__}", value)
        try:
            force_setattr(self, name, kind(value))
        except InvalidInput as exc:
            self._fail(name, exc.rule, value)

    def _fix_decimal(self, name: str, *, optional: bool) -> None:
        value = getattr(self, name)
        if value is None and optional:
            return
        if isinstance(value, float):
            self._fail(name, "must be a Decimal (floats are inexact; pass a str)", value)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            try:
                value = Decimal(value)
            except InvalidOperation:
                self._fail(name, "must be a decimal number", value)
            force_setattr(self, name, value)
        if not isinstance(value, Decimal) or not value.is_finite():
            self._fail(name, "must be a finite Decimal", value)

    def _fix_money(self, name: str) -> None:
        value = getattr(self, name)
        if value is None or isinstance(value, Money):
            return
        if not isinstance(value, str):
            self._fail(name, "must be Money or '<amount> <currency code>'", value)
        try:
            force_setattr(self, name, Money.from_str(value))
        except (InvalidInput, UnknownCurrency):
            self._fail(name, "must be Money or '<amount> <currency code>'", value)

    def _fix_timestamp(self, name: str) -> None:
        value = getattr(self, name)
        if type(value) is not int or value < 0:
            self._fail(name, "must be an int of nanoseconds since the epoch, >= 0", value)

    def _fix_bool(self, name: str) -> None:
        value = getattr(self, name)
        if type(value) is not bool:
            self._fail(name, "must be a bool", value)

    def _validate_kind(self) -> None:
        """Coerce and check the fields a subclass adds (runs before the shared rules)."""

    def _validate_rules(self) -> None:
        if not self.price_increment.is_positive():
            self._fail("price_increment", "must be positive", self.price_increment)
        if not self.size_increment.is_positive():
            self._fail("size_increment", "must be positive", self.size_increment)
        if not self.multiplier.is_positive():
            self._fail("multiplier", "must be positive", self.multiplier)
        lot = self.lot_size
        if lot is not None and (not lot.is_positive() or lot.raw % self.size_increment.raw):
            self._fail(
                "lot_size",
                f"must be a positive multiple of size_increment {self.size_increment}",
                lot,
            )
        lo_q, hi_q = self.min_quantity, self.max_quantity
        if hi_q is not None and not hi_q.is_positive():
            self._fail("max_quantity", "must be positive", hi_q)
        if lo_q is not None and hi_q is not None and lo_q.raw > hi_q.raw:
            self._fail("min_quantity", f"must be <= max_quantity {hi_q}", lo_q)
        lo_p, hi_p = self.min_price, self.max_price
        if lo_p is not None and hi_p is not None and lo_p.raw > hi_p.raw:
            self._fail("min_price", f"must be <= max_price {hi_p}", lo_p)
        currency = self.notional_currency
        lo_n, hi_n = self.min_notional, self.max_notional
        for name, bound in (("min_notional", lo_n), ("max_notional", hi_n)):
            if bound is None:
                continue
            if bound.currency != currency:
                self._fail(
                    name,
                    f"must be in the notional currency {currency.code}"
                    + (" (the base currency of an inverse contract)" if self.is_inverse else ""),
                    bound,
                )
            if bound.raw < 0:
                self._fail(name, "must not be negative", bound)
        if hi_n is not None and hi_n.raw == 0:
            self._fail("max_notional", "must be positive", hi_n)
        if lo_n is not None and hi_n is not None and lo_n.raw > hi_n.raw:
            self._fail("min_notional", f"must be <= max_notional {hi_n}", lo_n)
        for name in ("maker_fee", "taker_fee"):
            rate: Decimal = getattr(self, name)
            if not -_ONE < rate < _ONE:
                self._fail(name, "must be a rate strictly between -1 and 1 (0.001 = 0.1%)", rate)
        for name in ("margin_init", "margin_maint"):
            rate = getattr(self, name)
            if not _ZERO <= rate <= _ONE:
                self._fail(name, "must be a fraction in 0..1 (0.05 = 5%)", rate)
        if self.margin_maint > self.margin_init:
            self._fail(
                "margin_maint", f"must be <= margin_init {self.margin_init}", self.margin_maint
            )
        if self.max_leverage is not None and self.max_leverage < _ONE:
            self._fail("max_leverage", "must be >= 1", self.max_leverage)

    # -- derived properties -----------------------------------------------------------------
    @property
    def base_currency(self) -> Currency | None:
        """The base currency, or ``None`` for instruments without one (equities)."""
        return None

    @property
    def settlement_currency(self) -> Currency:
        """The currency profit and loss settles in (the quote currency for spot and shares)."""
        return self.quote_currency

    @property
    def is_inverse(self) -> bool:
        """Whether notional is quantity x multiplier / price in the base currency."""
        return False

    @property
    def notional_currency(self) -> Currency:
        """Currency of :meth:`notional_value`, fees and notional bounds."""
        if self.is_inverse:
            base = self.base_currency
            assert base is not None  # validated: an inverse contract has a base currency
            return base
        return self.quote_currency

    @property
    def price_precision(self) -> int:
        """Decimals of every price (that of ``price_increment``)."""
        return self.price_increment.precision

    @property
    def size_precision(self) -> int:
        """Decimals of every quantity (that of ``size_increment``)."""
        return self.size_increment.precision

    @property
    def symbol(self) -> Symbol:
        """The symbol part of :attr:`id`."""
        return self.id.symbol

    @property
    def venue(self) -> Venue:
        """The venue part of :attr:`id`."""
        return self.id.venue

    @property
    def trading_session(self) -> TradingSession | ContinuousSession:
        """:attr:`session`, or a 24/7 :class:`ContinuousSession` cut at UTC midnight."""
        return _UTC_DAYS if self.session is None else self.session

    # -- prices and quantities ----------------------------------------------------------------
    def make_price(
        self, value: NumberLike, rounding: Rounding = "half_even", *, check_bounds: bool = True
    ) -> Price:
        """``value`` rounded to a multiple of ``price_increment`` at the price precision.

        Rounding is exact and by ``rounding`` (default ``half_even``). Floats are read from
        their shortest repr. With ``check_bounds``, a result outside ``min_price`` ..
        ``max_price`` raises :class:`~lyra.errors.ValueOutOfRange`.
        """
        if rounding not in _ROUNDINGS:
            raise _bad_rounding(rounding)
        num, den = _ratio(value, "price")
        inc = self.price_increment
        price = inc * _round_div(num, inc.raw * den, rounding)
        if check_bounds:
            lo = self.min_price
            if lo is not None and price.raw < lo.raw:
                raise ValueOutOfRange("price", f"must be >= min_price {lo} of {self.id}", price)
            hi = self.max_price
            if hi is not None and price.raw > hi.raw:
                raise ValueOutOfRange("price", f"must be <= max_price {hi} of {self.id}", price)
        return price

    def make_qty(
        self, value: NumberLike, rounding: Rounding = "down", *, check_bounds: bool = True
    ) -> Quantity:
        """``value`` rounded to a multiple of ``size_increment`` at the size precision.

        The default rounding ``down`` (toward zero) never returns more than was asked for.
        A negative value raises :class:`~lyra.errors.ValueOutOfRange`. With
        ``check_bounds``, so does a result outside ``min_quantity`` .. ``max_quantity``, and a
        positive value that rounds to zero.
        """
        if rounding not in _ROUNDINGS:
            raise _bad_rounding(rounding)
        num, den = _ratio(value, "quantity")
        if num < 0:
            raise ValueOutOfRange("quantity", "must not be negative", value)
        inc = self.size_increment
        qty = inc * _round_div(num, inc.raw * den, rounding)
        if check_bounds:
            raw = qty.raw
            lo = self.min_quantity
            if lo is not None and raw < lo.raw:
                raise ValueOutOfRange("quantity", f"must be >= min_quantity {lo} of {self.id}", qty)
            if raw == 0 and num:
                raise ValueOutOfRange(
                    "quantity",
                    f"rounds to zero at size_increment {inc} of {self.id} (rounding {rounding!r})",
                    value,
                )
            hi = self.max_quantity
            if hi is not None and raw > hi.raw:
                raise ValueOutOfRange("quantity", f"must be <= max_quantity {hi} of {self.id}", qty)
        return qty

    def is_valid_price(self, value: object) -> bool:
        """Whether :meth:`make_price` would return ``value`` unchanged (on the grid, in bounds)."""
        try:
            num, den = _ratio(value, "price")
        except InvalidInput:
            return False
        if num % (self.price_increment.raw * den):
            return False
        raw = num // den
        lo, hi = self.min_price, self.max_price
        return (lo is None or raw >= lo.raw) and (hi is None or raw <= hi.raw)

    def is_valid_qty(self, value: object) -> bool:
        """Whether :meth:`make_qty` would return ``value`` unchanged (on the grid, in bounds)."""
        try:
            num, den = _ratio(value, "quantity")
        except InvalidInput:
            return False
        if num < 0 or num % (self.size_increment.raw * den):
            return False
        raw = num // den
        lo, hi = self.min_quantity, self.max_quantity
        return (lo is None or raw >= lo.raw) and (hi is None or raw <= hi.raw)

    # -- the engine's integer grid ------------------------------------------------------------
    def ticks(self, price: Price) -> int:
        """``price`` as an integer number of ``price_increment`` s; off-grid raises.

        Raises :class:`~lyra.errors.PrecisionError` when ``price`` is not a whole multiple of
        the increment (round it first with :meth:`make_price`).
        """
        if type(price) is not Price:
            raise InvalidInput("price", "must be a Price", price)
        inc = self.price_increment
        q, r = divmod(price.raw, inc.raw)
        if r:
            raise PrecisionError(
                "price", f"is not a multiple of price_increment {inc} of {self.id}", price
            )
        return q

    def price_from_ticks(self, ticks: int) -> Price:
        """The price ``ticks`` increments from zero, at the price precision."""
        return self.price_increment * _as_int(ticks, "ticks")

    def lots(self, quantity: Quantity) -> int:
        """``quantity`` as an integer number of ``size_increment`` s; off-grid raises.

        A lot here is one ``size_increment`` (the engine's size unit), not ``lot_size``.
        Raises :class:`~lyra.errors.PrecisionError` when ``quantity`` is off the grid.
        """
        if type(quantity) is not Quantity:
            raise InvalidInput("quantity", "must be a Quantity", quantity)
        inc = self.size_increment
        q, r = divmod(quantity.raw, inc.raw)
        if r:
            raise PrecisionError(
                "quantity",
                f"is not a multiple of size_increment {inc} of {self.id}",
                quantity,
            )
        return q

    def qty_from_lots(self, lots: int) -> Quantity:
        """The quantity of ``lots`` size increments, at the size precision (``lots >= 0``)."""
        n = _as_int(lots, "lots")
        if n < 0:
            raise ValueOutOfRange("lots", "must not be negative", n)
        return self.size_increment * n

    # -- money ----------------------------------------------------------------------------------
    def _check_pq(self, quantity: object, price: object) -> tuple[int, int]:
        if type(quantity) is not Quantity:
            raise InvalidInput("quantity", "must be a Quantity", quantity)
        if type(price) is not Price:
            raise InvalidInput("price", "must be a Price", price)
        if self.is_inverse and price.raw <= 0:
            raise ValueOutOfRange(
                "price", f"must be positive for the inverse contract {self.id}", price
            )
        return quantity.raw, price.raw

    def notional_value(
        self, quantity: Quantity, price: Price, rounding: Rounding = "half_even"
    ) -> Money:
        """The value of ``quantity`` at ``price``, in :attr:`notional_currency`.

        Linear: ``quantity x multiplier x price`` in the quote currency, exact, shown with the
        currency's precision or more (rounded by ``rounding`` only if it needs more than 9
        decimals). Inverse: ``quantity x multiplier / price`` in the base currency, rounded by
        ``rounding`` (default ``half_even``) to the base currency's precision.
        """
        if rounding not in _ROUNDINGS:
            raise _bad_rounding(rounding)
        q, p = self._check_pq(quantity, price)
        m = self.multiplier.raw
        currency = self.notional_currency
        if self.is_inverse:
            step = _POW10[FIXED_PRECISION - currency.precision]
            raw = _round_div(q * m, p * step, rounding) * step
            return Money.from_raw(raw, currency, currency.precision)
        raw = _round_div(q * m * p, _SCALE * _SCALE, rounding)
        return Money.from_raw(raw, currency, _money_precision(raw, currency))

    def fee_rate(self, liquidity_side: LiquiditySide) -> Decimal:
        """``maker_fee`` for MAKER, ``taker_fee`` for TAKER."""
        if liquidity_side == LiquiditySide.MAKER:
            return self.maker_fee
        if liquidity_side == LiquiditySide.TAKER:
            return self.taker_fee
        raise InvalidInput("liquidity_side", "must be MAKER or TAKER", liquidity_side)

    def calculate_fee(
        self,
        quantity: Quantity,
        price: Price,
        liquidity_side: LiquiditySide,
        rounding: Rounding = "ceiling",
    ) -> Money:
        """Fee for a fill: ``|notional| x rate``, in :attr:`notional_currency`.

        Computed from the exact (unrounded) notional, then rounded once to the currency's
        precision by ``rounding``. The default ``ceiling`` never understates a cost: a fee is
        rounded up and a rebate (negative fee) toward zero.
        """
        if rounding not in _ROUNDINGS:
            raise _bad_rounding(rounding)
        rate = self.fee_rate(liquidity_side)
        q, p = self._check_pq(quantity, price)
        n, d = rate.as_integer_ratio()
        m = self.multiplier.raw
        currency = self.notional_currency
        step = _POW10[FIXED_PRECISION - currency.precision]
        if self.is_inverse:
            raw = _round_div(q * m * n, p * d * step, rounding) * step
        else:
            raw = _round_div(abs(q * m * p) * n, _SCALE * _SCALE * d * step, rounding) * step
        return Money.from_raw(raw, currency, currency.precision)


# -- concrete kinds ---------------------------------------------------------------------------
class CurrencyPair(Instrument, frozen=True, kw_only=True):
    """A spot currency pair: ``base_currency`` priced in ``quote_currency``."""

    base_currency: Currency  # narrows the base class's read-only property
    """The currency bought and sold."""

    def _validate_kind(self) -> None:
        self._fix_currency("base_currency", optional=False)
        if self.base_currency == self.quote_currency:
            self._fail("base_currency", "must differ from quote_currency", self.base_currency)

    @classmethod
    def simple(
        cls,
        instrument_id: str,
        *,
        base: Currency | str | None = None,
        quote: Currency | str | None = None,
        price_increment: str | int | Decimal | Price = "0.01",
        size_increment: str | int | Decimal | Quantity = "0.00001",
        maker_fee: str | Decimal = "0",
        taker_fee: str | Decimal = "0",
        **fields: Any,
    ) -> Self:
        """A spot pair in one line; ``base``/``quote`` are read from the symbol when omitted.

        ``raw_symbol`` defaults to the symbol part of the id. Any other field may be passed by
        name in ``fields``.
        """
        iid = InstrumentId(instrument_id)
        base_c, quote_c = _pair_for(cls.__name__, iid, base, quote)
        fields.setdefault("raw_symbol", iid.symbol)
        return cls(
            id=iid,
            base_currency=base_c,  # type: ignore[arg-type]  # codes are coerced
            quote_currency=quote_c,  # type: ignore[arg-type]
            price_increment=price_increment,  # type: ignore[arg-type]
            size_increment=size_increment,  # type: ignore[arg-type]
            maker_fee=maker_fee,  # type: ignore[arg-type]
            taker_fee=taker_fee,  # type: ignore[arg-type]
            **fields,
        )


class _Derivative(Instrument, frozen=True, kw_only=True):
    """Shared rules of swaps and futures (private base)."""

    def _check_derivative(self) -> None:
        self._fix_currency("settlement_currency", optional=False)
        self._fix_bool("is_inverse")
        if self.is_inverse:
            base = self.base_currency
            if base is None:
                self._fail("base_currency", "is required for an inverse contract", None)
            if self.settlement_currency != base:
                self._fail(
                    "settlement_currency",
                    f"must be the base currency {base} for an inverse contract",
                    self.settlement_currency,
                )


class PerpetualSwap(_Derivative, frozen=True, kw_only=True):
    """A perpetual future: linear (USDT-margined) or inverse (coin-margined, ``is_inverse``)."""

    base_currency: Currency
    """The underlying currency."""
    settlement_currency: Currency
    """Currency profit and loss (and margin) settle in."""
    is_inverse: bool = False
    """Coin-margined: valued as quantity x multiplier / price and settled in the base currency."""

    def _validate_kind(self) -> None:
        self._fix_currency("base_currency", optional=False)
        self._check_derivative()

    @classmethod
    def simple(
        cls,
        instrument_id: str,
        *,
        base: Currency | str | None = None,
        quote: Currency | str | None = None,
        settlement: Currency | str | None = None,
        inverse: bool = False,
        price_increment: str | int | Decimal | Price = "0.1",
        size_increment: str | int | Decimal | Quantity = "0.001",
        multiplier: str | int | Decimal | Quantity = "1",
        maker_fee: str | Decimal = "0",
        taker_fee: str | Decimal = "0",
        margin_init: str | Decimal = "0.10",
        margin_maint: str | Decimal = "0.05",
        **fields: Any,
    ) -> Self:
        """A swap in one line. Settlement defaults to the quote currency, or the base one
        when ``inverse``; margins default to 10% initial / 5% maintenance."""
        iid = InstrumentId(instrument_id)
        base_c, quote_c = _pair_for(cls.__name__, iid, base, quote)
        if settlement is None:
            settlement = base_c if inverse else quote_c
        fields.setdefault("raw_symbol", iid.symbol)
        return cls(
            id=iid,
            base_currency=base_c,  # type: ignore[arg-type]
            quote_currency=quote_c,  # type: ignore[arg-type]
            settlement_currency=settlement,  # type: ignore[arg-type]
            is_inverse=inverse,
            price_increment=price_increment,  # type: ignore[arg-type]
            size_increment=size_increment,  # type: ignore[arg-type]
            multiplier=multiplier,  # type: ignore[arg-type]
            maker_fee=maker_fee,  # type: ignore[arg-type]
            taker_fee=taker_fee,  # type: ignore[arg-type]
            margin_init=margin_init,  # type: ignore[arg-type]
            margin_maint=margin_maint,  # type: ignore[arg-type]
            **fields,
        )


class FuturesContract(_Derivative, frozen=True, kw_only=True):
    """A dated future, tradable from ``activation_ns`` until ``expiration_ns``.

    ``underlying`` names what it is on (``"BTC"``, ``"ES"``); ``base_currency`` is optional
    (an index future has none) but required when ``is_inverse``.
    """

    activation_ns: int
    """First moment the contract trades (ns since the epoch)."""
    expiration_ns: int
    """Expiry (ns since the epoch); the contract no longer trades from then on."""
    settlement_currency: Currency
    """Currency profit and loss settles in."""
    underlying: str = ""
    """What the contract is on; defaults to the base currency's code when there is one."""
    base_currency: Currency | None = None
    """The underlying currency, if it is one; required when ``is_inverse``."""
    is_inverse: bool = False
    """Quoted in quote currency per base unit but valued and settled in the base currency."""

    def _validate_kind(self) -> None:
        self._fix_currency("base_currency", optional=True)
        if not isinstance(self.underlying, str):
            self._fail("underlying", "must be a str", self.underlying)
        if not self.underlying and self.base_currency is not None:
            force_setattr(self, "underlying", self.base_currency.code)
        self._fix_timestamp("activation_ns")
        self._fix_timestamp("expiration_ns")
        if self.activation_ns >= self.expiration_ns:
            self._fail(
                "activation_ns",
                f"must be before expiration_ns {self.expiration_ns}",
                self.activation_ns,
            )
        self._check_derivative()

    def is_active(self, ts_ns: int) -> bool:
        """Whether the contract trades at ``ts_ns``: ``activation_ns <= ts < expiration_ns``."""
        return self.activation_ns <= ts_ns < self.expiration_ns

    @classmethod
    def simple(
        cls,
        instrument_id: str,
        *,
        activation_ns: int,
        expiration_ns: int,
        base: Currency | str | None = None,
        quote: Currency | str | None = None,
        settlement: Currency | str | None = None,
        inverse: bool = False,
        price_increment: str | int | Decimal | Price = "0.1",
        size_increment: str | int | Decimal | Quantity = "0.001",
        multiplier: str | int | Decimal | Quantity = "1",
        maker_fee: str | Decimal = "0",
        taker_fee: str | Decimal = "0",
        margin_init: str | Decimal = "0.10",
        margin_maint: str | Decimal = "0.05",
        **fields: Any,
    ) -> Self:
        """A dated future in one line; defaults as for :meth:`PerpetualSwap.simple`.

        ``base``/``quote`` are read from the symbol when omitted and it names two registered
        currencies (``BTCUSDT-240628``); otherwise pass ``quote`` (and ``base`` if it has one).
        """
        iid = InstrumentId(instrument_id)
        if quote is None or (base is None and inverse):
            guess = _guess_pair(iid.symbol)
            if guess is not None:
                base = guess[0] if base is None else base
                quote = guess[1] if quote is None else quote
        if quote is None:
            raise InvalidInstrument(
                f"{cls.__name__}.quote_currency",
                f"cannot be inferred from symbol {iid.symbol!r}; pass quote=",
                str(iid),
            )
        if settlement is None:
            settlement = base if inverse and base is not None else quote
        fields.setdefault("raw_symbol", iid.symbol)
        return cls(
            id=iid,
            base_currency=base,  # type: ignore[arg-type]
            quote_currency=quote,  # type: ignore[arg-type]
            settlement_currency=settlement,  # type: ignore[arg-type]
            is_inverse=inverse,
            activation_ns=activation_ns,
            expiration_ns=expiration_ns,
            price_increment=price_increment,  # type: ignore[arg-type]
            size_increment=size_increment,  # type: ignore[arg-type]
            multiplier=multiplier,  # type: ignore[arg-type]
            maker_fee=maker_fee,  # type: ignore[arg-type]
            taker_fee=taker_fee,  # type: ignore[arg-type]
            margin_init=margin_init,  # type: ignore[arg-type]
            margin_maint=margin_maint,  # type: ignore[arg-type]
            **fields,
        )


class Equity(Instrument, frozen=True, kw_only=True):
    """A share, priced in ``quote_currency``; give it a :class:`TradingSession` for DAY,
    AT_THE_OPEN and AT_THE_CLOSE orders."""

    isin: str | None = None
    """International Securities Identification Number (12 letters and digits)."""

    def _validate_kind(self) -> None:
        if self.isin is not None and (
            not isinstance(self.isin, str)
            or len(self.isin) != 12
            or not self.isin.isascii()
            or not self.isin.isalnum()
        ):
            self._fail("isin", "must be 12 ASCII letters and digits, or None", self.isin)

    @classmethod
    def simple(
        cls,
        instrument_id: str,
        *,
        quote: Currency | str = "USD",
        price_increment: str | int | Decimal | Price = "0.01",
        size_increment: str | int | Decimal | Quantity = "1",
        maker_fee: str | Decimal = "0",
        taker_fee: str | Decimal = "0",
        session: TradingSession | ContinuousSession | None = None,
        **fields: Any,
    ) -> Self:
        """A share in one line (USD, cent ticks, whole shares by default)."""
        iid = InstrumentId(instrument_id)
        fields.setdefault("raw_symbol", iid.symbol)
        return cls(
            id=iid,
            quote_currency=quote,  # type: ignore[arg-type]
            price_increment=price_increment,  # type: ignore[arg-type]
            size_increment=size_increment,  # type: ignore[arg-type]
            maker_fee=maker_fee,  # type: ignore[arg-type]
            taker_fee=taker_fee,  # type: ignore[arg-type]
            session=session,
            **fields,
        )


AnyInstrument = CurrencyPair | PerpetualSwap | FuturesContract | Equity
"""Every concrete instrument type (a msgspec tagged union: decode with ``type=AnyInstrument``)."""

# Join the codec's tagged union, so untyped decoding (lyra.model.codec.decode_json) finds them.
for _kind in (CurrencyPair, PerpetualSwap, FuturesContract, Equity):
    register_struct(_kind)
