"""Property tests: the risk checks agree with the instrument's own grid predicates and with
exact Decimal arithmetic."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings, strategies as st
from risk_support import BTCUSDT, FakeAccount, factory, spot

from lyra.model.enums import AccountType, LiquiditySide, OrderSide
from lyra.model.values import Money, Price, Quantity
from lyra.risk import DenialCode, check_balance, check_notional, check_price, check_quantity

_INST = spot(
    price_increment="0.05",
    size_increment="0.001",
    min_quantity="0.002",
    max_quantity="50",
    min_price="1.00",
    max_price="100000",
    taker_fee="0.0015",
)
_F = factory()

prices = st.integers(0, 200_000 * 10**9).map(lambda raw: Price.from_raw(raw - raw % 10**6, 3))
quantities = st.integers(1, 6 * 10**6).map(lambda n: Quantity.from_raw(n * 10**4, 5))


@settings(max_examples=300, deadline=None)
@given(price=prices)
def test_price_check_agrees_with_is_valid_price(price: Price) -> None:
    order = _F.limit(BTCUSDT, OrderSide.BUY, Quantity("1"), Price("1.00"))
    allowed = check_price(order, _INST, price=price) is None
    assert allowed == _INST.is_valid_price(price)


@settings(max_examples=300, deadline=None)
@given(qty=quantities)
def test_quantity_check_agrees_with_is_valid_qty(qty: Quantity) -> None:
    order = _F.limit(BTCUSDT, OrderSide.BUY, Quantity("1"), Price("1.00"))
    allowed = check_quantity(order, _INST, quantity=qty) is None
    assert allowed == _INST.is_valid_qty(qty)


@settings(max_examples=300, deadline=None)
@given(
    qty=st.integers(2, 50_000).map(lambda n: Quantity.from_raw(n * 10**6, 3)),
    ticks=st.integers(20, 2_000_000),
    lo=st.integers(0, 10**6),
    span=st.integers(1, 10**7),
)
def test_notional_bounds_match_exact_decimal_arithmetic(
    qty: Quantity, ticks: int, lo: int, span: int
) -> None:
    price = Price("0.05") * ticks
    inst = spot(
        price_increment="0.05",
        size_increment="0.001",
        min_notional=f"{Decimal(lo) / 100} USDT",
        max_notional=f"{Decimal(lo + span) / 100} USDT",
    )
    order = _F.limit(BTCUSDT, OrderSide.BUY, qty, price)
    with localcontext() as ctx:
        ctx.prec = 60
        notional = qty.as_decimal() * price.as_decimal()
    d = check_notional(order, inst)
    if notional < Decimal(lo) / 100:
        assert d is not None and d.code is DenialCode.NOTIONAL_BELOW_MIN
    elif notional > Decimal(lo + span) / 100:
        assert d is not None and d.code is DenialCode.NOTIONAL_ABOVE_MAX
    else:
        assert d is None


@settings(max_examples=300, deadline=None)
@given(qty=quantities, ticks=st.integers(20, 2_000_000), cents=st.integers(0, 10**9))
def test_cash_buy_is_allowed_iff_free_covers_notional_plus_fee(
    qty: Quantity, ticks: int, cents: int
) -> None:
    price = Price("0.05") * ticks
    free = Money.from_raw(cents * 10**7, Money("0", "USDT").currency)
    order = _F.limit(BTCUSDT, OrderSide.BUY, qty, price)
    need = _INST.notional_value(qty, price) + _INST.calculate_fee(qty, price, LiquiditySide.TAKER)
    account = FakeAccount(AccountType.CASH)
    account.balances[free.currency] = free
    allowed = check_balance(order, _INST, account) is None
    assert allowed == (free >= need)
