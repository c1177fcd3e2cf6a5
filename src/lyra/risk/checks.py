"""Pre-trade checks, each usable alone: ``check_*(order, ...) -> Denial | None``.

Each function answers one question about one order and returns ``None`` (allowed) or a
:class:`~lyra.risk.Denial` whose message names the field, the rule and the numbers. None of
them changes the order. :class:`~lyra.risk.RiskEngine` runs the same checks (the same code) as
one pipeline, configured once; use the functions directly when you want only some of them.

=========================  ====================================================================
function                   question
=========================  ====================================================================
check_price                are the limit / trigger / activation prices on the tick grid, with
                           no more decimals than the instrument's, positive (unless the
                           instrument's ``min_price`` allows otherwise), within
                           ``min_price`` .. ``max_price``?
check_quantity             is the quantity positive, on the ``size_increment`` grid, within
                           ``min_quantity`` .. ``max_quantity`` (a quote-quantity order's
                           quantity converted to base at the reference price)?
check_notional             is quantity x multiplier x price within ``min_notional`` ..
                           ``max_notional``?
MaxOrderSize.check         is the order within a configured maximum quantity and/or notional?
check_expire_time          is a GTD order's expire time after now?
check_reduce_only          does a reduce-only order only reduce the position?
check_balance              does the account's free balance cover the order (cash or margin)?
check_trading_state        does the trading state (ACTIVE / REDUCING / HALTED) allow it?
=========================  ====================================================================

**Quantities and prices are compared by value** (``Price("1.230") == Price("1.23")``): a value
with trailing zeros beyond the instrument's precision is on the grid; a value with a non-zero
digit beyond it is denied ``*_PRECISION_EXCEEDED``, and any other value off the grid
``PRICE_NOT_ON_TICK`` / ``QTY_NOT_ON_INCREMENT``. The price codes are shared by every price
field (limit ``price``, ``trigger_price``, ``activation_price``); :attr:`Denial.field` and the
message say which one.

**The reference price** of an order (what its notional and cost are valued at) is its limit
price for LIMIT, STOP_LIMIT and LIMIT_IF_TOUCHED; its trigger price for STOP_MARKET and
MARKET_IF_TOUCHED; the limit price, else the trigger price, for trailing stops; otherwise
(MARKET, MARKET_TO_LIMIT, a trailing stop with neither) the ``reference_price`` argument,
which :class:`~lyra.risk.RiskEngine` takes from ``last_price=`` or its
:class:`~lyra.risk.PriceSource`. With none, the checks that need one deny
``NO_REFERENCE_PRICE``.

**Reduce-only** (:func:`check_reduce_only`): the order must be on the side opposite to the net
position (a SELL against a long, a BUY against a short) and its open quantity no larger than
the position: BUY/SELL against a flat or same-side position is
``REDUCE_ONLY_WOULD_INCREASE``, a larger one ``REDUCE_ONLY_EXCEEDS_POSITION``. Open reduce-only
orders are **not** aggregated: each is checked against the whole position. A venue clips every
reduce-only fill to the position that remains (see the order semantics), so several
reduce-only orders over one position -- a bracket's stop-loss and take-profit, each the size
of the position -- can never together increase it, and denying the second would break every
bracket.

**Balance** (:func:`check_balance`; free balance means not locked by open orders):

* CASH, BUY: the free balance in the settlement currency (the quote currency for spot and
  shares) must cover notional + estimated taker fee (``notional x taker_fee`` rounded up to
  the currency's precision, as :meth:`~lyra.model.instruments.Instrument.calculate_fee`
  does). Worked example: BUY 0.5 BTCUSDT at 65000.00 with a 0.1% taker fee needs 32500 +
  32.5 = 32532.50 USDT free.
* CASH, SELL of a spot pair: the free balance in the base currency must cover quantity x
  multiplier (SELL 0.5 BTCUSDT needs 0.5 BTC free). SELL of an equity: a long position of
  at least the quantity (no short selling on a cash account), checked when a
  :class:`~lyra.risk.PositionView` is given. A derivative on a cash account costs the same
  on either side (notional + fee), as ``lyra.portfolio``'s cash account locks it.
* MARGIN: the free balance in the settlement currency must cover the initial margin
  ``notional x margin_init / leverage`` (``leverage`` from
  :meth:`~lyra.risk.AccountView.leverage`; an instrument with ``margin_init`` 0, such as a
  spot pair on a margin account, counts as 1). Fees are not added: venues check initial
  margin, and the fee is taken from the fill. The part of an order that reduces an existing
  position (given a :class:`~lyra.risk.PositionView`) needs no margin. Worked example: BUY 2
  BTCUSDT-PERP at 30000.0, ``margin_init`` 0.10, leverage 5: 60000 x 0.10 / 5 = 1200 USDT.
* BETTING accounts are not checked. A currency the account holds none of counts as zero.

All money arithmetic is exact integer arithmetic on the values' raw integers; a requirement is
rounded only to print it in a message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

import msgspec

from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.model.currency import Currency
from lyra.model.enums import AccountType, OrderSide, OrderType, TimeInForce
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, Equity, Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.order import Order
from lyra.risk.denials import Denial, DenialCode, TradingState
from lyra.risk.views import AccountView, PositionView

__all__ = (
    "MaxOrderSize",
    "check_balance",
    "check_expire_time",
    "check_notional",
    "check_price",
    "check_quantity",
    "check_reduce_only",
    "check_trading_state",
    "order_reference_price",
    "reduces_position",
)

_SCALE: Final = 10**9
_SCALE2: Final = 10**18
_POW10: Final = tuple(10**i for i in range(10))
_ZERO: Final = Decimal(0)
_BUY: Final = OrderSide.BUY
_SELL: Final = OrderSide.SELL
_CASH: Final = AccountType.CASH
_MARGIN: Final = AccountType.MARGIN
_GTD: Final = TimeInForce.GTD
_T = OrderType
# Types whose own limit price values them, and those valued at their trigger price.
_LIMIT_PRICED: Final = frozenset({_T.LIMIT, _T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED})
_TRIGGER_PRICED: Final = frozenset({_T.STOP_MARKET, _T.MARKET_IF_TOUCHED})
_TRAILING: Final = frozenset({_T.TRAILING_STOP_MARKET, _T.TRAILING_STOP_LIMIT})

_C = DenialCode
# What a cash SELL spends: the base currency (spot), a long position (shares), or -- for a
# derivative on a cash account -- its cost, like a BUY (as lyra.portfolio locks it).
_PAIR: Final = 1
_EQUITY: Final = 2
_OTHER: Final = 3


# -- small helpers ------------------------------------------------------------------------------
def _fixed_text(num: int, den: int, precision: int, *, up: bool = False) -> str:
    """``num / den`` (in raw 10**-9 units) written with ``precision`` decimals.

    Rounded up (``up``) or half-even; used only to print numbers in messages.
    """
    step = _POW10[9 - precision] * den
    q, r = divmod(num, step)
    if r and (up or 2 * r > step or (2 * r == step and q & 1)):
        q += 1
    raw = q * _POW10[9 - precision]
    neg = raw < 0
    whole, frac = divmod(-raw if neg else raw, _SCALE)
    text = f"{whole}.{frac // _POW10[9 - precision]:0{precision}d}" if precision else str(whole)
    return "-" + text if neg else text


def _money_text(num: int, den: int, currency: Currency, *, up: bool = False) -> str:
    return f"{_fixed_text(num, den, currency.precision, up=up)} {currency.code}"


def _iso(ns: int) -> str:
    secs, rem = divmod(ns, _SCALE)
    try:
        stamp = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"{ns} ns"
    return f"{stamp}.{rem:09d}Z"


def _side_name(side: OrderSide) -> str:
    return "BUY" if side is _BUY else "SELL"


def _position_text(net: Decimal) -> str:
    if net > 0:
        return f"long {net}"
    if net < 0:
        return f"short {net.copy_abs()}"
    return "flat"


class MaxOrderSize(msgspec.Struct, frozen=True, gc=False):
    """A risk limit on one order's size: at most ``quantity`` (in the instrument's units)
    and/or at most ``notional`` (in the instrument's notional currency). ``None`` = no limit.

    Give one globally and/or per instrument to :class:`~lyra.risk.RiskConfig`, or call
    :meth:`check` directly. A global ``notional`` limits only instruments whose notional
    currency is its currency (give the others their own); a per-instrument one in another
    currency is refused when the instrument is registered.
    """

    quantity: Quantity | None = None
    notional: Money | None = None

    def __post_init__(self) -> None:
        q = self.quantity
        if q is not None and (type(q) is not Quantity or not q.is_positive()):
            raise ValueOutOfRange("MaxOrderSize.quantity", "must be a positive Quantity or None", q)
        n = self.notional
        if n is not None and (type(n) is not Money or n.raw <= 0):
            raise ValueOutOfRange("MaxOrderSize.notional", "must be positive Money or None", n)

    def check(
        self,
        order: Order,
        instrument: Instrument,
        *,
        reference_price: Price | None = None,
        quantity: Quantity | None = None,
    ) -> Denial | None:
        """Deny ``MAX_ORDER_QTY_EXCEEDED`` / ``MAX_ORDER_NOTIONAL_EXCEEDED`` (or
        ``NO_REFERENCE_PRICE`` when a notional limit applies and no price is known)."""
        rules = _rules_for(instrument)
        limits = rules.compile_limits(self, strict=False)
        if limits is None:
            return None
        qty = order.quantity if quantity is None else quantity
        quote_qty = order.quote_quantity
        if limits.notional is None and not quote_qty:
            return rules.check_limits(limits, qty, None, quote_qty, 0, 1)
        price = order_reference_price(order, reference_price)
        if price is None:
            return rules.no_reference(order)
        if not rules.price_usable(price):
            return rules.no_reference(order, price)
        num, den = rules.notional(qty.raw, price.raw, quote_qty)
        return rules.check_limits(limits, qty, price, quote_qty, num, den)


class _Limits:
    """A :class:`MaxOrderSize` as raw integers for one instrument (private)."""

    __slots__ = ("notional", "notional_money", "quantity", "quantity_qty")

    def __init__(self, quantity: Quantity | None, notional: Money | None) -> None:
        self.quantity_qty = quantity
        self.quantity = None if quantity is None else quantity.raw
        self.notional_money = notional
        self.notional = None if notional is None else notional.raw


class _InstrumentRules:
    """An instrument's constants, hoisted once, and the checks that use them (private).

    Every check of this module and of the engine runs through these methods.
    """

    __slots__ = (
        "allow_nonpositive",
        "base",
        "fee",
        "instrument",
        "instrument_id",
        "inverse",
        "kind",
        "margin_rate",
        "max_notional",
        "max_price",
        "max_qty",
        "min_notional",
        "min_price",
        "min_qty",
        "mult",
        "ncur",
        "nstep",
        "price_inc",
        "price_step",
        "scur",
        "size_inc",
        "size_step",
    )

    instrument: Instrument
    instrument_id: InstrumentId
    price_inc: int
    price_step: int
    size_inc: int
    size_step: int
    inverse: bool
    min_price: int | None
    max_price: int | None
    allow_nonpositive: bool
    min_qty: int | None
    max_qty: int | None
    mult: int
    ncur: Currency
    scur: Currency
    nstep: int
    min_notional: int | None
    max_notional: int | None
    fee: tuple[int, int] | None
    margin_rate: tuple[int, int]
    base: Currency | None
    kind: int

    def __init__(self, instrument: Instrument) -> None:
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instrument", "must be an Instrument", instrument)
        self.instrument = instrument
        self.instrument_id = instrument.id
        self.price_inc = instrument.price_increment.raw
        self.price_step = _POW10[9 - instrument.price_increment.precision]
        self.size_inc = instrument.size_increment.raw
        self.size_step = _POW10[9 - instrument.size_increment.precision]
        self.inverse = instrument.is_inverse
        lo_p, hi_p = instrument.min_price, instrument.max_price
        self.min_price = None if lo_p is None else lo_p.raw
        self.max_price = None if hi_p is None else hi_p.raw
        # A price of zero or below is allowed only where the instrument says so explicitly.
        self.allow_nonpositive = not self.inverse and lo_p is not None and lo_p.raw <= 0
        lo_q, hi_q = instrument.min_quantity, instrument.max_quantity
        self.min_qty = None if lo_q is None else lo_q.raw
        self.max_qty = None if hi_q is None else hi_q.raw
        self.mult = instrument.multiplier.raw
        self.ncur = instrument.notional_currency
        self.nstep = _POW10[9 - self.ncur.precision]
        # Costs and margins are paid in the settlement currency, 1:1 with the notional (as
        # lyra.portfolio books them): the same currency except for quanto-like contracts.
        self.scur = instrument.settlement_currency
        lo_n, hi_n = instrument.min_notional, instrument.max_notional
        self.min_notional = None if lo_n is None else lo_n.raw
        self.max_notional = None if hi_n is None else hi_n.raw
        fee = instrument.taker_fee
        self.fee = fee.as_integer_ratio() if fee > 0 else None
        rate = instrument.margin_init
        self.margin_rate = rate.as_integer_ratio() if rate > 0 else (1, 1)
        self.base = instrument.base_currency
        self.kind = (
            _PAIR
            if isinstance(instrument, CurrencyPair)
            else _EQUITY
            if isinstance(instrument, Equity)
            else _OTHER
        )

    # -- configuration ------------------------------------------------------------------------
    def compile_limits(self, size: MaxOrderSize | None, *, strict: bool) -> _Limits | None:
        """Raw limits for this instrument; a notional limit in another currency is refused
        (``strict``) or ignored (a global limit)."""
        if size is None:
            return None
        notional = size.notional
        if notional is not None and notional.currency != self.ncur:
            if strict:
                raise InvalidInput(
                    "MaxOrderSize.notional",
                    f"must be in the notional currency {self.ncur.code} of {self.instrument_id}",
                    notional,
                )
            notional = None
        if size.quantity is None and notional is None:
            return None
        return _Limits(size.quantity, notional)

    # -- prices ---------------------------------------------------------------------------------
    def price_usable(self, price: Price) -> bool:
        """Whether a reference price can value an order (an inverse contract needs > 0)."""
        return price.raw > 0 or (not self.inverse and price.raw != 0)

    def check_price(self, value: Price, field: str) -> Denial | None:
        """Grid, sign and bounds of one price field."""
        raw = value.raw
        if raw % self.price_inc:
            return self._price_grid(value, field)
        if raw <= 0 and not self.allow_nonpositive:
            return Denial(
                _C.PRICE_NOT_POSITIVE,
                f"{field} {value} must be positive (the instrument {self.instrument_id} "
                "sets no min_price at or below zero)",
                field,
            )
        lo = self.min_price
        if lo is not None and raw < lo:
            return Denial(
                _C.PRICE_BELOW_MIN,
                f"{field} {value} is below the instrument minimum "
                f"{self.instrument.min_price} of {self.instrument_id}",
                field,
            )
        hi = self.max_price
        if hi is not None and raw > hi:
            return Denial(
                _C.PRICE_ABOVE_MAX,
                f"{field} {value} is above the instrument maximum "
                f"{self.instrument.max_price} of {self.instrument_id}",
                field,
            )
        return None

    def _price_grid(self, value: Price, field: str) -> Denial:
        inc = self.instrument.price_increment
        if value.raw % self.price_step:
            return Denial(
                _C.PRICE_PRECISION_EXCEEDED,
                f"{field} {value} has more decimals than the price precision {inc.precision} "
                f"of {self.instrument_id}",
                field,
            )
        return Denial(
            _C.PRICE_NOT_ON_TICK,
            f"{field} {value} is not a multiple of the price increment {inc} "
            f"of {self.instrument_id}",
            field,
        )

    def check_order_prices(
        self, order: Order, price: Price | None, trigger_price: Price | None
    ) -> Denial | None:
        """Every price field of the order (``price`` / ``trigger_price`` override)."""
        if price is None:
            price = order.price
        if price is not None:
            denial = self.check_price(price, "price")
            if denial is not None:
                return denial
        if trigger_price is None:
            trigger_price = order.trigger_price
        if trigger_price is not None:
            denial = self.check_price(trigger_price, "trigger_price")
            if denial is not None:
                return denial
        activation = order.init.activation_price
        if activation is not None:
            return self.check_price(activation, "activation_price")
        return None

    # -- quantities -----------------------------------------------------------------------------
    def check_qty(self, value: Quantity, field: str) -> Denial | None:
        """Positive, on the grid and within the instrument's min/max (``quantity``)."""
        raw = value.raw
        if raw % self.size_inc:
            return self._qty_grid(value, field)
        if raw == 0:
            return Denial(_C.QTY_NOT_POSITIVE, f"{field} {value} must be positive", field)
        lo = self.min_qty
        if lo is not None and raw < lo:
            return self._qty_below(str(value), field)
        hi = self.max_qty
        if hi is not None and raw > hi:
            return self._qty_above(str(value), field)
        return None

    def check_qty_grid(self, value: Quantity, field: str) -> Denial | None:
        """Only the grid (for ``display_qty``)."""
        if value.raw % self.size_inc:
            return self._qty_grid(value, field)
        return None

    def _qty_grid(self, value: Quantity, field: str) -> Denial:
        inc = self.instrument.size_increment
        if value.raw % self.size_step:
            return Denial(
                _C.QTY_PRECISION_EXCEEDED,
                f"{field} {value} has more decimals than the size precision {inc.precision} "
                f"of {self.instrument_id}",
                field,
            )
        return Denial(
            _C.QTY_NOT_ON_INCREMENT,
            f"{field} {value} is not a multiple of the size increment {inc} "
            f"of {self.instrument_id}",
            field,
        )

    def _qty_below(self, shown: str, field: str) -> Denial:
        return Denial(
            _C.QTY_BELOW_MIN,
            f"{field} {shown} is below the instrument minimum {self.instrument.min_quantity} "
            f"of {self.instrument_id}",
            field,
        )

    def _qty_above(self, shown: str, field: str) -> Denial:
        return Denial(
            _C.QTY_ABOVE_MAX,
            f"{field} {shown} is above the instrument maximum {self.instrument.max_quantity} "
            f"of {self.instrument_id}",
            field,
        )

    def base_qty(self, qty_raw: int, price_raw: int, quote_qty: bool) -> tuple[int, int]:
        """The order's size in instrument units (raw), as ``num / den``."""
        if not quote_qty:
            return qty_raw, 1
        if self.inverse:  # quote amount / contract size
            return qty_raw * _SCALE, self.mult
        return qty_raw * _SCALE2, abs(price_raw) * self.mult

    def check_quote_qty(self, qty: Quantity, price: Price) -> Denial | None:
        """A quote-quantity order's size, converted to instrument units, within min/max."""
        lo, hi = self.min_qty, self.max_qty
        if lo is None and hi is None:
            return None
        num, den = self.base_qty(qty.raw, price.raw, True)
        if (lo is not None and num < lo * den) or (hi is not None and num > hi * den):
            prec = self.instrument.size_increment.precision
            shown = (
                f"{_fixed_text(num, den, prec)} (quote quantity {qty} "
                f"{self.instrument.quote_currency.code} at {price})"
            )
            if lo is not None and num < lo * den:
                return self._qty_below(shown, "quantity")
            return self._qty_above(shown, "quantity")
        return None

    # -- notional -------------------------------------------------------------------------------
    def notional(self, qty_raw: int, price_raw: int, quote_qty: bool) -> tuple[int, int]:
        """The notional in the notional currency, raw (x 10**9), as exact ``num / den``."""
        if quote_qty:
            if self.inverse:
                return qty_raw * _SCALE, price_raw
            return qty_raw, 1
        if self.inverse:
            return qty_raw * self.mult, price_raw
        return qty_raw * self.mult * abs(price_raw), _SCALE2

    def _notional_shown(
        self, num: int, den: int, qty: Quantity, price: Price, quote_qty: bool
    ) -> str:
        money = _money_text(num, den, self.ncur)
        if quote_qty:
            return f"{money} (quote quantity {qty} at {price})"
        mult = "" if self.mult == _SCALE else f" x multiplier {self.instrument.multiplier}"
        return f"{money} (quantity {qty}{mult} at price {price})"

    def check_notional(
        self, num: int, den: int, qty: Quantity, price: Price, quote_qty: bool
    ) -> Denial | None:
        """The instrument's min/max notional."""
        lo = self.min_notional
        if lo is not None and num < lo * den:
            return Denial(
                _C.NOTIONAL_BELOW_MIN,
                f"notional {self._notional_shown(num, den, qty, price, quote_qty)} is below the "
                f"instrument minimum {self.instrument.min_notional} of {self.instrument_id}",
                "notional",
            )
        hi = self.max_notional
        if hi is not None and num > hi * den:
            return Denial(
                _C.NOTIONAL_ABOVE_MAX,
                f"notional {self._notional_shown(num, den, qty, price, quote_qty)} is above the "
                f"instrument maximum {self.instrument.max_notional} of {self.instrument_id}",
                "notional",
            )
        return None

    def check_limits(
        self,
        limits: _Limits,
        qty: Quantity,
        price: Price | None,
        quote_qty: bool,
        num: int,
        den: int,
    ) -> Denial | None:
        """A configured :class:`MaxOrderSize` (``price`` may be None without a notional limit
        on a base-quantity order)."""
        lq = limits.quantity
        if lq is not None:
            if not quote_qty:
                if qty.raw > lq:
                    return Denial(
                        _C.MAX_ORDER_QTY_EXCEEDED,
                        f"quantity {qty} is above the configured maximum order quantity "
                        f"{limits.quantity_qty} for {self.instrument_id}",
                        "quantity",
                    )
            elif price is not None:
                bn, bd = self.base_qty(qty.raw, price.raw, True)
                if bn > lq * bd:
                    prec = self.instrument.size_increment.precision
                    return Denial(
                        _C.MAX_ORDER_QTY_EXCEEDED,
                        f"quantity {_fixed_text(bn, bd, prec)} (quote quantity {qty} at {price}) "
                        f"is above the configured maximum order quantity {limits.quantity_qty} "
                        f"for {self.instrument_id}",
                        "quantity",
                    )
        ln = limits.notional
        if ln is not None and price is not None and num > ln * den:
            return Denial(
                _C.MAX_ORDER_NOTIONAL_EXCEEDED,
                f"notional {self._notional_shown(num, den, qty, price, quote_qty)} is above the "
                f"configured maximum order notional {limits.notional_money} "
                f"for {self.instrument_id}",
                "notional",
            )
        return None

    def no_reference(self, order: Order, price: Price | None = None) -> Denial:
        """``NO_REFERENCE_PRICE`` for an order that cannot be valued."""
        kind = OrderType(order.init.order_type).name
        if price is not None:
            return Denial(
                _C.NO_REFERENCE_PRICE,
                f"{kind} order cannot be valued at reference price {price} "
                f"(an inverse contract needs a positive price) for {self.instrument_id}",
                "price",
            )
        return Denial(
            _C.NO_REFERENCE_PRICE,
            f"{kind} order needs a reference price for its notional and balance checks and "
            f"none is known for {self.instrument_id} (pass last_price= or configure a "
            "PriceSource)",
            "price",
        )

    # -- balance ----------------------------------------------------------------------------
    def fee_raw(self, num: int, den: int) -> int:
        """Estimated taker fee of a notional, raw, rounded up to the currency's precision."""
        fee = self.fee
        if fee is None:
            return 0
        n, d = fee
        step = self.nstep
        q, r = divmod(num * n, den * d * step)
        return (q + 1) * step if r else q * step

    def check_balance(
        self,
        account: AccountView,
        side: OrderSide,
        qty: Quantity,
        price: Price,
        quote_qty: bool,
        num: int,
        den: int,
        positions: PositionView | None,
        leverage: tuple[int, int] | None,
    ) -> Denial | None:
        """Free balance against the order's cost (see the module docs).

        ``num / den`` is the order's notional (raw); ``positions`` gives the net position
        where it matters; ``leverage`` is the account's leverage ratio (margin accounts).
        """
        atype = account.account_type
        if atype == _CASH:
            kind = self.kind
            if side is _BUY or kind == _OTHER:
                return self._cash_cost(account, side, num, den)
            base = self.base
            if kind == _PAIR and base is not None:
                bn, bd = self.base_qty(qty.raw, price.raw, quote_qty)
                # base units = contracts x multiplier
                bn *= self.mult
                bd *= _SCALE
                free = account.free_balance(base)
                free_raw = 0 if free is None else free.raw
                if free_raw * bd < bn:
                    return Denial(
                        _C.INSUFFICIENT_BALANCE,
                        f"cash SELL of {qty}{' (quote quantity)' if quote_qty else ''} on "
                        f"{self.instrument_id} needs "
                        f"{_money_text(bn, bd, base, up=True)} free but "
                        f"{_free_text(free, base)} is free",
                        "quantity",
                    )
                return None
            if positions is None:
                return None
            net = positions.net_position(self.instrument_id)
            nn, nd = net.as_integer_ratio()
            bn, bd = self.base_qty(qty.raw, price.raw, quote_qty)
            if nn * bd * _SCALE < bn * nd:
                return Denial(
                    _C.INSUFFICIENT_BALANCE,
                    f"cash SELL of {qty} on {self.instrument_id} needs a long position of at "
                    f"least {_fixed_text(bn, bd, self.instrument.size_increment.precision)} "
                    f"(a cash account cannot sell short) but the position is "
                    f"{_position_text(net)}",
                    "quantity",
                )
            return None
        if atype == _MARGIN:
            assert leverage is not None
            open_num, open_den = num, den
            held_net = None if positions is None else positions.net_position(self.instrument_id)
            if held_net and ((held_net > 0) is (side is _SELL)):
                # The part of the order that closes the position needs no margin: scale the
                # notional by (size - held) / size, exactly.
                bn, bd = self.base_qty(qty.raw, price.raw, quote_qty)
                nn, nd = held_net.copy_abs().as_integer_ratio()
                held = nn * bd * _SCALE  # the position, in units of bn / nd
                size = bn * nd
                if held >= size:
                    return None
                open_num = num * (size - held)
                open_den = den * size
            rn, rd = self.margin_rate
            ln, ld = leverage
            need_num = open_num * rn * ld
            need_den = open_den * rd * ln
            cur = self.scur
            free = account.free_balance(cur)
            free_raw = 0 if free is None else free.raw
            if free_raw * need_den < need_num:
                rate = self.instrument.margin_init if self.instrument.margin_init > 0 else 1
                lev = Decimal(ln) / Decimal(ld)
                partial = " (the part not reducing the position)" if open_den != den else ""
                return Denial(
                    _C.INSUFFICIENT_MARGIN,
                    f"initial margin {_money_text(need_num, need_den, cur, up=True)} "
                    f"(notional {_money_text(open_num, open_den, cur)}{partial} x margin "
                    f"rate {rate} / leverage {lev}) for {_side_name(side)} {qty} on "
                    f"{self.instrument_id} exceeds the free balance {_free_text(free, cur)}",
                    "notional",
                )
        return None

    def _cash_cost(
        self, account: AccountView, side: OrderSide, num: int, den: int
    ) -> Denial | None:
        fee = self.fee_raw(num, den)
        cur = self.scur
        free = account.free_balance(cur)
        free_raw = 0 if free is None else free.raw
        if free_raw * den < num + fee * den:
            return Denial(
                _C.INSUFFICIENT_BALANCE,
                f"cash {_side_name(side)} on {self.instrument_id} needs "
                f"{_money_text(num + fee * den, den, cur, up=True)} (notional "
                f"{_money_text(num, den, cur)} + estimated taker fee "
                f"{_money_text(fee, 1, cur)}) but {_free_text(free, cur)} is free",
                "notional",
            )
        return None


def _free_text(free: Money | None, currency: Currency) -> str:
    if free is None:
        return f"0 {currency.code} (the account holds no {currency.code})"
    return str(free)


_RULES: dict[InstrumentId, _InstrumentRules] = {}


def _rules_for(instrument: Instrument) -> _InstrumentRules:
    """The cached rules of ``instrument`` (rebuilt when a new definition arrives)."""
    rules = _RULES.get(instrument.id)
    if rules is None or rules.instrument is not instrument:
        rules = _InstrumentRules(instrument)
        _RULES[instrument.id] = rules
    return rules


def _leverage_ratio(leverage: Decimal, instrument_id: InstrumentId) -> tuple[int, int]:
    """``leverage`` as an integer ratio; refuses a leverage that is not positive."""
    if not isinstance(leverage, Decimal) or not leverage.is_finite() or leverage <= 0:
        raise ValueOutOfRange(
            "AccountView.leverage", f"must be a positive Decimal for {instrument_id}", leverage
        )
    return leverage.as_integer_ratio()


# -- the public checks ------------------------------------------------------------------------
def order_reference_price(
    order: Order, reference_price: Price | None = None, *, at_release: bool = False
) -> Price | None:
    """The price an order is valued at (see the module docs), or ``None`` if unknown.

    ``reference_price`` is the market price, used when the order has no price of its own.
    With ``at_release`` (an emulated order being released) the types that become market
    orders on release -- STOP_MARKET, MARKET_IF_TOUCHED, TRAILING_STOP_MARKET -- are valued
    at ``reference_price`` (where the market is now), falling back to their trigger price.
    """
    ot = order.init.order_type
    if ot in _LIMIT_PRICED:
        return order.price
    if ot in _TRIGGER_PRICED:
        if at_release and reference_price is not None:
            return reference_price
        return order.trigger_price
    if ot in _TRAILING:
        price = order.price
        if price is not None:
            return price
        if at_release and reference_price is not None:
            return reference_price
        trigger = order.trigger_price
        return reference_price if trigger is None else trigger
    return reference_price


def check_price(
    order: Order,
    instrument: Instrument,
    *,
    price: Price | None = None,
    trigger_price: Price | None = None,
) -> Denial | None:
    """Every price of the order (``price``, ``trigger_price``, ``activation_price``) on the
    grid, positive unless allowed, within the instrument's bounds. ``price`` /
    ``trigger_price`` replace the order's (a modify)."""
    return _rules_for(instrument).check_order_prices(order, price, trigger_price)


def check_quantity(
    order: Order,
    instrument: Instrument,
    *,
    quantity: Quantity | None = None,
    reference_price: Price | None = None,
) -> Denial | None:
    """The quantity (``quantity`` replaces the order's) positive, on the grid, within the
    instrument's min/max; an iceberg's ``display_qty`` on the grid.

    A quote-quantity order's quantity is an amount of quote currency, not on the size grid:
    it is converted to instrument units at the order's reference price and that is held to
    min/max (skipped when no price is known).
    """
    rules = _rules_for(instrument)
    qty = order.quantity if quantity is None else quantity
    if order.quote_quantity:
        if not qty.raw:
            return Denial(_C.QTY_NOT_POSITIVE, f"quantity {qty} must be positive", "quantity")
        price = order_reference_price(order, reference_price)
        if price is None or not rules.price_usable(price):
            return None
        return rules.check_quote_qty(qty, price)
    denial = rules.check_qty(qty, "quantity")
    if denial is None and (display := order.display_qty) is not None:
        denial = rules.check_qty_grid(display, "display_qty")
    return denial


def check_notional(
    order: Order,
    instrument: Instrument,
    *,
    reference_price: Price | None = None,
    quantity: Quantity | None = None,
) -> Denial | None:
    """The order's notional within the instrument's ``min_notional`` .. ``max_notional``
    (``NO_REFERENCE_PRICE`` when the instrument has a bound and no price is known)."""
    rules = _rules_for(instrument)
    if rules.min_notional is None and rules.max_notional is None:
        return None
    price = order_reference_price(order, reference_price)
    if price is None:
        return rules.no_reference(order)
    if not rules.price_usable(price):
        return rules.no_reference(order, price)
    qty = order.quantity if quantity is None else quantity
    quote_qty = order.quote_quantity
    num, den = rules.notional(qty.raw, price.raw, quote_qty)
    return rules.check_notional(num, den, qty, price, quote_qty)


def check_expire_time(order: Order, now_ns: int) -> Denial | None:
    """A GTD order's ``expire_time_ns`` must be after ``now_ns`` (``GTD_EXPIRED``)."""
    init = order.init
    if init.time_in_force != _GTD:
        return None
    expire = init.expire_time_ns
    if expire is None or expire > now_ns:
        return None
    return _gtd_denial(expire, now_ns)


def _gtd_denial(expire: int, now_ns: int) -> Denial:
    return Denial(
        _C.GTD_EXPIRED,
        f"expire_time_ns {expire} ({_iso(expire)}) of the GTD order is not after now "
        f"{now_ns} ({_iso(now_ns)})",
        "expire_time_ns",
    )


def _reduce_only_denial(
    side: OrderSide, leaves: Quantity, net: Decimal, instrument_id: InstrumentId
) -> Denial | None:
    name = _side_name(side)
    if not net:
        return Denial(
            _C.REDUCE_ONLY_WOULD_INCREASE,
            f"reduce-only {name} {leaves} would open a position: {instrument_id} is flat",
            "reduce_only",
        )
    if (net > 0) is (side is _BUY):
        return Denial(
            _C.REDUCE_ONLY_WOULD_INCREASE,
            f"reduce-only {name} {leaves} would increase the {_position_text(net)} "
            f"position of {instrument_id}",
            "reduce_only",
        )
    if leaves > net.copy_abs():
        return Denial(
            _C.REDUCE_ONLY_EXCEEDS_POSITION,
            f"reduce-only {name} {leaves} is larger than the {_position_text(net)} position "
            f"of {instrument_id} (it would flip it)",
            "quantity",
        )
    return None


def _leaves(order: Order, quantity: Quantity | None) -> Quantity:
    qty = order.quantity if quantity is None else quantity
    filled = order.filled_qty
    if not filled.raw:
        return qty
    return Quantity.from_raw(max(qty.raw - filled.raw, 0), max(qty.precision, filled.precision))


def check_reduce_only(
    order: Order, positions: PositionView, *, quantity: Quantity | None = None
) -> Denial | None:
    """A reduce-only order must be opposite to the net position and no larger than it
    (its open quantity: ``quantity`` replaces the order's total, minus what is filled).
    Orders that are not reduce-only pass. Open reduce-only orders are not aggregated."""
    if not order.init.reduce_only:
        return None
    net = positions.net_position(order.instrument_id)
    return _reduce_only_denial(order.side, _leaves(order, quantity), net, order.instrument_id)


def reduces_position(side: OrderSide, leaves: Quantity, net: Decimal) -> bool:
    """Whether an order of ``side`` for ``leaves`` only reduces the net position ``net``:
    opposite side, and no larger than it (from flat nothing reduces)."""
    if not net or (net > 0) is (side is _BUY):
        return False
    return leaves <= net.copy_abs()


def _state_denial(
    state: TradingState,
    side: OrderSide,
    leaves: Quantity,
    net: Decimal | None,
    where: str,
) -> Denial | None:
    if state is TradingState.HALTED:
        return Denial(
            _C.TRADING_HALTED,
            f"trading is HALTED {where}: new orders and modifies are denied (cancels are allowed)",
            "",
        )
    if state is TradingState.REDUCING:
        if net is None:
            return Denial(
                _C.TRADING_REDUCING,
                f"trading is REDUCING {where} and no PositionView is configured to show that "
                f"{_side_name(side)} {leaves} reduces a position",
                "",
            )
        if not reduces_position(side, leaves, net):
            return Denial(
                _C.TRADING_REDUCING,
                f"trading is REDUCING {where}: {_side_name(side)} {leaves} does not reduce the "
                f"position (it is {_position_text(net)}); only orders opposite to the "
                "position and no larger than it are allowed",
                "side",
            )
    return None


def check_trading_state(
    order: Order,
    state: TradingState,
    positions: PositionView | None = None,
    *,
    quantity: Quantity | None = None,
) -> Denial | None:
    """HALTED denies every order (``TRADING_HALTED``); REDUCING allows only an order that
    reduces the net position -- opposite side, open quantity no larger than the position --
    and denies everything else (``TRADING_REDUCING``), including opening from flat and any
    order when no ``positions`` view is given. ACTIVE allows everything."""
    state = TradingState(state)
    if state is TradingState.ACTIVE:
        return None
    net = None if positions is None else positions.net_position(order.instrument_id)
    where = f"for {order.instrument_id}"
    return _state_denial(state, order.side, _leaves(order, quantity), net, where)


def check_balance(
    order: Order,
    instrument: Instrument,
    account: AccountView,
    *,
    reference_price: Price | None = None,
    positions: PositionView | None = None,
    quantity: Quantity | None = None,
) -> Denial | None:
    """The account's free balance covers the order (see the module docs for the rules).

    ``positions`` lets a margin order that reduces a position skip margin for that part, and
    a cash SELL of an instrument without a base currency check the long position.
    """
    rules = _rules_for(instrument)
    if account.account_type not in (_CASH, _MARGIN):
        return None
    price = order_reference_price(order, reference_price)
    if price is None:
        return rules.no_reference(order)
    if not rules.price_usable(price):
        return rules.no_reference(order, price)
    qty = _leaves(order, quantity)
    quote_qty = order.quote_quantity
    num, den = rules.notional(qty.raw, price.raw, quote_qty)
    leverage = None
    if account.account_type == _MARGIN:
        iid = order.instrument_id
        leverage = _leverage_ratio(account.leverage(iid), iid)
    return rules.check_balance(
        account, order.side, qty, price, quote_qty, num, den, positions, leverage
    )
