"""Each pre-trade check of lyra.risk.checks used alone: allowed and denied cases, codes,
messages with their numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from risk_support import (
    AAPL,
    BTCUSDT,
    INVERSE,
    PERP,
    SECOND,
    T0,
    FakeAccount,
    FakePositions,
    equity,
    factory,
    inverse_perp,
    perp,
    spot,
    to_accepted,
)

from lyra.errors import ValueOutOfRange
from lyra.model.enums import AccountType, OrderSide, TimeInForce, TrailingOffsetType
from lyra.model.values import Money, Price, Quantity
from lyra.risk import (
    Denial,
    DenialCode,
    MaxOrderSize,
    TradingState,
    check_balance,
    check_expire_time,
    check_notional,
    check_price,
    check_quantity,
    check_reduce_only,
    check_trading_state,
    order_reference_price,
    reduces_position,
)

BUY = OrderSide.BUY
SELL = OrderSide.SELL
C = DenialCode


def _limit(qty: str, px: str, side: OrderSide = BUY, iid: str = BTCUSDT, **kw: object):  # type: ignore[no-untyped-def]
    return factory().limit(iid, side, Quantity(qty), Price(px), **kw)  # type: ignore[arg-type]


def _code(denial: Denial | None) -> DenialCode | str | None:
    return None if denial is None else denial.code


# -- Denial ------------------------------------------------------------------------------------
def test_denial_codes_are_stable_strings() -> None:
    for code in DenialCode:
        assert code.value == code.name
    assert DenialCode.QTY_BELOW_MIN == "QTY_BELOW_MIN"
    d = Denial(C.RATE_LIMITED, "too fast")
    assert str(d) == "RATE_LIMITED: too fast"
    assert d.field == ""


# -- prices --------------------------------------------------------------------------------------
def test_price_on_tick_passes() -> None:
    assert check_price(_limit("0.5", "65000.01"), spot()) is None


def test_price_with_trailing_zeros_beyond_precision_is_on_tick() -> None:
    # compared by value: 65000.010 is 65000.01
    assert check_price(_limit("0.5", "65000.010"), spot()) is None


def test_price_with_too_many_decimals() -> None:
    d = check_price(_limit("0.5", "65000.001"), spot())
    assert d is not None
    assert d.code is C.PRICE_PRECISION_EXCEEDED
    assert d.field == "price"
    assert d.message == (
        "price 65000.001 has more decimals than the price precision 2 of BTCUSDT.BINANCE"
    )


def test_price_off_a_coarse_tick() -> None:
    inst = spot(price_increment="0.05")
    d = check_price(_limit("0.5", "100.03"), inst)
    assert d is not None
    assert d.code is C.PRICE_NOT_ON_TICK
    assert (
        d.message == "price 100.03 is not a multiple of the price increment 0.05 of BTCUSDT.BINANCE"
    )
    assert check_price(_limit("0.5", "100.05"), inst) is None


def test_price_must_be_positive_unless_min_price_allows() -> None:
    d = check_price(_limit("0.5", "0"), spot())
    assert _code(d) is C.PRICE_NOT_POSITIVE
    d = check_price(_limit("0.5", "-1.00"), spot())
    assert _code(d) is C.PRICE_NOT_POSITIVE
    allows = spot(min_price="-100")
    assert check_price(_limit("0.5", "-1.00"), allows) is None
    assert check_price(_limit("0.5", "0"), allows) is None
    d = check_price(_limit("0.5", "-100.01"), allows)
    assert _code(d) is C.PRICE_BELOW_MIN


def test_price_bounds() -> None:
    inst = spot(min_price="1.00", max_price="100000")
    d = check_price(_limit("0.5", "0.99"), inst)
    assert d is not None and d.code is C.PRICE_BELOW_MIN
    assert d.message == "price 0.99 is below the instrument minimum 1.00 of BTCUSDT.BINANCE"
    d = check_price(_limit("0.5", "100000.01"), inst)
    assert d is not None and d.code is C.PRICE_ABOVE_MAX
    assert d.message == (
        "price 100000.01 is above the instrument maximum 100000 of BTCUSDT.BINANCE"
    )
    assert check_price(_limit("0.5", "1.00"), inst) is None
    assert check_price(_limit("0.5", "100000"), inst) is None


def test_trigger_and_activation_prices_are_checked_and_named() -> None:
    f = factory()
    stop = f.stop_limit(BTCUSDT, SELL, Quantity("0.5"), Price("60000.00"), Price("60100.005"))
    d = check_price(stop, spot())
    assert d is not None and d.code is C.PRICE_PRECISION_EXCEEDED and d.field == "trigger_price"
    assert d.message.startswith("trigger_price 60100.005 ")
    trailing = f.trailing_stop_market(
        BTCUSDT,
        SELL,
        Quantity("0.5"),
        trailing_offset=Decimal("100"),
        trailing_offset_type=TrailingOffsetType.PRICE,
        activation_price=Price("61000.001"),
    )
    d = check_price(trailing, spot())
    assert d is not None and d.field == "activation_price"


def test_price_overrides_for_a_modify() -> None:
    order = _limit("0.5", "65000.00")
    assert _code(check_price(order, spot(), price=Price("65000.005"))) is (
        C.PRICE_PRECISION_EXCEEDED
    )
    assert check_price(order, spot(), price=Price("65000.05")) is None


# -- quantities ----------------------------------------------------------------------------------
def test_quantity_below_min_names_field_rule_and_numbers() -> None:
    d = check_quantity(_limit("0.00001", "65000.00"), spot())
    assert d is not None
    assert d.code is C.QTY_BELOW_MIN
    assert d.field == "quantity"
    assert d.message == "quantity 0.00001 is below the instrument minimum 0.0001 of BTCUSDT.BINANCE"


def test_quantity_checks() -> None:
    inst = spot(max_quantity="100")
    assert check_quantity(_limit("0.0001", "1.00"), inst) is None
    assert check_quantity(_limit("100", "1.00"), inst) is None
    d = check_quantity(_limit("100.00001", "1.00"), inst)
    assert d is not None and d.code is C.QTY_ABOVE_MAX
    assert "above the instrument maximum 100 " in d.message
    d = check_quantity(_limit("0.123456", "1.00"), inst)
    assert d is not None and d.code is C.QTY_PRECISION_EXCEEDED
    assert d.message == (
        "quantity 0.123456 has more decimals than the size precision 5 of BTCUSDT.BINANCE"
    )
    coarse = spot(size_increment="0.5", min_quantity="0.5")
    d = check_quantity(_limit("1.2", "1.00"), coarse)
    assert d is not None and d.code is C.QTY_NOT_ON_INCREMENT
    assert "not a multiple of the size increment 0.5" in d.message
    assert _code(check_quantity(_limit("0.5", "1.00"), spot(), quantity=Quantity(0))) is (
        C.QTY_NOT_POSITIVE
    )


def test_display_quantity_must_be_on_the_grid() -> None:
    order = _limit("1", "1.00", display_qty=Quantity("0.123456"))
    d = check_quantity(order, spot())
    assert d is not None and d.field == "display_qty" and d.code is C.QTY_PRECISION_EXCEEDED


def test_quote_quantity_is_converted_to_base_for_the_bounds() -> None:
    f = factory()
    inst = spot(max_quantity="1")
    # 100 USDT at 65000 is 0.0015.. BTC: within 0.0001..1
    small = f.limit(BTCUSDT, BUY, Quantity("100"), Price("65000.00"), quote_quantity=True)
    assert check_quantity(small, inst) is None
    # 5 USDT at 65000 is 0.0000769 BTC: below 0.0001
    tiny = f.limit(BTCUSDT, BUY, Quantity("5"), Price("65000.00"), quote_quantity=True)
    d = check_quantity(tiny, inst)
    assert d is not None and d.code is C.QTY_BELOW_MIN
    assert "quote quantity 5 USDT at 65000.00" in d.message
    big = f.limit(BTCUSDT, BUY, Quantity("70000"), Price("65000.00"), quote_quantity=True)
    assert _code(check_quantity(big, inst)) is C.QTY_ABOVE_MAX
    # a market order in quote quantity needs a price to be converted; without one it is skipped
    market = f.market(BTCUSDT, BUY, Quantity("5"), quote_quantity=True)
    assert check_quantity(market, inst) is None
    assert _code(check_quantity(market, inst, reference_price=Price("65000"))) is (C.QTY_BELOW_MIN)


# -- notional ------------------------------------------------------------------------------------
def test_notional_bounds_with_worked_numbers() -> None:
    inst = spot(min_notional="10 USDT", max_notional="100000 USDT")
    # 0.0001 x 50000 = 5 USDT < 10
    d = check_notional(_limit("0.0001", "50000.00"), inst)
    assert d is not None and d.code is C.NOTIONAL_BELOW_MIN and d.field == "notional"
    assert d.message == (
        "notional 5.00000000 USDT (quantity 0.0001 at price 50000.00) is below the instrument "
        "minimum 10.00000000 USDT of BTCUSDT.BINANCE"
    )
    assert check_notional(_limit("0.0002", "50000.00"), inst) is None  # exactly 10
    assert check_notional(_limit("2", "50000.00"), inst) is None  # exactly 100000
    d = check_notional(_limit("2.00001", "50000.00"), inst)
    assert d is not None and d.code is C.NOTIONAL_ABOVE_MAX
    assert "100000.50000000 USDT" in d.message


def test_notional_uses_the_multiplier_and_inverse_formula() -> None:
    linear = perp(multiplier="10", min_notional="1000 USDT")
    # 0.001 x 10 x 30000 = 300 USDT
    d = check_notional(factory().limit(PERP, BUY, Quantity("0.001"), Price("30000.0")), linear)
    assert d is not None and d.code is C.NOTIONAL_BELOW_MIN
    assert "x multiplier 10" in d.message
    inv = inverse_perp(min_notional="0.001 BTC")
    # 10 contracts x 1 USD / 20000 = 0.0005 BTC < 0.001
    d = check_notional(factory().limit(INVERSE, BUY, Quantity("10"), Price("20000.0")), inv)
    assert d is not None and d.code is C.NOTIONAL_BELOW_MIN
    assert "0.00050000 BTC" in d.message
    assert (
        check_notional(factory().limit(INVERSE, BUY, Quantity("20"), Price("20000.0")), inv) is None
    )


def test_market_order_needs_a_reference_price_when_notional_matters() -> None:
    inst = spot(min_notional="10 USDT")
    market = factory().market(BTCUSDT, BUY, Quantity("0.0001"))
    d = check_notional(market, inst)
    assert d is not None and d.code is C.NO_REFERENCE_PRICE
    assert "MARKET order needs a reference price" in d.message
    assert _code(check_notional(market, inst, reference_price=Price("50000"))) is (
        C.NOTIONAL_BELOW_MIN
    )
    assert check_notional(market, inst, reference_price=Price("200000")) is None
    # no bounds: nothing to value
    assert check_notional(market, spot()) is None


def test_reference_price_by_order_type() -> None:
    f = factory()
    ref = Price("1.00")
    limit = f.limit(BTCUSDT, BUY, Quantity("1"), Price("2.00"))
    assert order_reference_price(limit, ref) == Price("2.00")
    stop = f.stop_market(BTCUSDT, BUY, Quantity("1"), Price("3.00"))
    assert order_reference_price(stop, ref) == Price("3.00")
    assert order_reference_price(stop, ref, at_release=True) == ref
    assert order_reference_price(stop, None, at_release=True) == Price("3.00")
    market = f.market(BTCUSDT, BUY, Quantity("1"))
    assert order_reference_price(market, ref) == ref
    assert order_reference_price(market) is None
    trailing = f.trailing_stop_market(
        BTCUSDT,
        SELL,
        Quantity("1"),
        trailing_offset=Decimal("1"),
        trailing_offset_type=TrailingOffsetType.PRICE,
    )
    assert order_reference_price(trailing, ref) == ref
    assert order_reference_price(trailing) is None


# -- max order size ------------------------------------------------------------------------------
def test_max_order_size_quantity_and_notional() -> None:
    inst = spot()
    limits = MaxOrderSize(quantity=Quantity("2"), notional=Money("100000", "USDT"))
    assert limits.check(_limit("2", "50000.00"), inst) is None
    d = limits.check(_limit("2.5", "10.00"), inst)
    assert d is not None and d.code is C.MAX_ORDER_QTY_EXCEEDED
    assert d.message == (
        "quantity 2.5 is above the configured maximum order quantity 2 for BTCUSDT.BINANCE"
    )
    d = limits.check(_limit("1.5", "70000.00"), inst)
    assert d is not None and d.code is C.MAX_ORDER_NOTIONAL_EXCEEDED
    assert "105000.00000000 USDT" in d.message
    assert "maximum order notional 100000.00000000 USDT" in d.message


def test_max_order_size_in_another_currency_does_not_apply() -> None:
    limits = MaxOrderSize(notional=Money("1", "BTC"))
    assert limits.check(_limit("2", "50000.00"), spot()) is None


def test_max_order_size_validation() -> None:
    with pytest.raises(ValueOutOfRange):
        MaxOrderSize(quantity=Quantity(0))
    with pytest.raises(ValueOutOfRange):
        MaxOrderSize(notional=Money("0", "USDT"))


# -- GTD ----------------------------------------------------------------------------------------
def test_gtd_expire_time_must_be_after_now() -> None:
    f = factory()
    order = f.limit(
        BTCUSDT,
        BUY,
        Quantity("1"),
        Price("1.00"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=T0 + SECOND,
    )
    assert check_expire_time(order, T0) is None
    assert check_expire_time(order, T0 + SECOND - 1) is None
    d = check_expire_time(order, T0 + SECOND)
    assert d is not None and d.code is C.GTD_EXPIRED and d.field == "expire_time_ns"
    assert d.message == (
        f"expire_time_ns {T0 + SECOND} (2023-11-14T22:13:21.000000000Z) of the GTD order is "
        f"not after now {T0 + SECOND} (2023-11-14T22:13:21.000000000Z)"
    )
    assert _code(check_expire_time(order, T0 + 5 * SECOND)) is C.GTD_EXPIRED
    assert check_expire_time(_limit("1", "1.00"), T0 + 5 * SECOND) is None  # GTC


# -- reduce-only ---------------------------------------------------------------------------------
def _ro(side: OrderSide, qty: str):  # type: ignore[no-untyped-def]
    return _limit(qty, "100.00", side, reduce_only=True)


@pytest.mark.parametrize(
    ("net", "side", "qty", "code"),
    [
        ("2", SELL, "2", None),  # long: sell all of it
        ("2", SELL, "0.5", None),
        ("2", SELL, "2.00001", C.REDUCE_ONLY_EXCEEDS_POSITION),
        ("2", BUY, "0.1", C.REDUCE_ONLY_WOULD_INCREASE),
        ("-3", BUY, "3", None),  # short: buy back
        ("-3", BUY, "4", C.REDUCE_ONLY_EXCEEDS_POSITION),
        ("-3", SELL, "1", C.REDUCE_ONLY_WOULD_INCREASE),
        ("0", BUY, "1", C.REDUCE_ONLY_WOULD_INCREASE),  # flat
        ("0", SELL, "1", C.REDUCE_ONLY_WOULD_INCREASE),
    ],
)
def test_reduce_only(net: str, side: OrderSide, qty: str, code: DenialCode | None) -> None:
    positions = FakePositions().set(BTCUSDT, net)
    assert _code(check_reduce_only(_ro(side, qty), positions)) is code


def test_reduce_only_messages() -> None:
    positions = FakePositions().set(BTCUSDT, "2")
    d = check_reduce_only(_ro(BUY, "1"), positions)
    assert d is not None
    assert d.message == ("reduce-only BUY 1 would increase the long 2 position of BTCUSDT.BINANCE")
    d = check_reduce_only(_ro(SELL, "3"), positions)
    assert d is not None
    assert d.message == (
        "reduce-only SELL 3 is larger than the long 2 position of BTCUSDT.BINANCE "
        "(it would flip it)"
    )
    d = check_reduce_only(_ro(SELL, "1"), FakePositions())
    assert d is not None
    assert d.message == "reduce-only SELL 1 would open a position: BTCUSDT.BINANCE is flat"


def test_reduce_only_orders_are_not_aggregated() -> None:
    # a bracket's stop-loss and take-profit, each the size of the position, both pass
    positions = FakePositions().set(BTCUSDT, "1")
    assert check_reduce_only(_ro(SELL, "1"), positions) is None
    assert check_reduce_only(_ro(SELL, "1"), positions) is None


def test_reduce_only_ignores_ordinary_orders_and_uses_open_quantity() -> None:
    positions = FakePositions().set(BTCUSDT, "1")
    assert check_reduce_only(_limit("5", "1.00", BUY), positions) is None
    assert positions.calls == 0
    f = factory()
    order = f.limit(BTCUSDT, SELL, Quantity("3"), Price("100.00"), reduce_only=True)
    to_accepted(order, f)
    order.apply(
        f.events.filled(
            order,
            venue_order_id="V-1",
            trade_id="T-1",
            last_qty=Quantity("2"),
            last_px=Price("100.00"),
            commission=Money("0", "USDT"),
        )
    )
    # 1 of 3 is still open: it fits the long 1 that remains
    assert check_reduce_only(order, positions) is None
    assert _code(check_reduce_only(order, positions, quantity=Quantity("3.5"))) is (
        C.REDUCE_ONLY_EXCEEDS_POSITION
    )


def test_reduces_position_predicate() -> None:
    q = Quantity("1")
    assert reduces_position(SELL, q, Decimal("1"))
    assert reduces_position(BUY, q, Decimal("-1.5"))
    assert not reduces_position(BUY, q, Decimal("1"))
    assert not reduces_position(SELL, q, Decimal("0"))
    assert not reduces_position(SELL, Quantity("1.1"), Decimal("1"))


# -- trading state -------------------------------------------------------------------------------
def test_trading_state_active_allows_everything() -> None:
    assert check_trading_state(_limit("1", "1.00"), TradingState.ACTIVE) is None


def test_trading_state_halted_denies() -> None:
    d = check_trading_state(_limit("1", "1.00"), TradingState.HALTED)
    assert d is not None and d.code is C.TRADING_HALTED
    assert d.message == (
        "trading is HALTED for BTCUSDT.BINANCE: new orders and modifies are denied "
        "(cancels are allowed)"
    )


@pytest.mark.parametrize(
    ("net", "side", "qty", "allowed"),
    [
        ("2", SELL, "1", True),
        ("2", SELL, "2", True),
        ("2", SELL, "3", False),  # would flip to short
        ("2", BUY, "1", False),
        ("-2", BUY, "2", True),
        ("-2", SELL, "1", False),
        ("0", BUY, "1", False),  # REDUCING does not allow opening from flat
        ("0", SELL, "1", False),
    ],
)
def test_trading_state_reducing(net: str, side: OrderSide, qty: str, allowed: bool) -> None:
    positions = FakePositions().set(BTCUSDT, net)
    d = check_trading_state(_limit(qty, "1.00", side), TradingState.REDUCING, positions)
    assert (d is None) is allowed
    if d is not None:
        assert d.code is C.TRADING_REDUCING
        assert "does not reduce the position" in d.message


def test_trading_state_reducing_without_positions_denies() -> None:
    d = check_trading_state(_limit("1", "1.00", SELL), TradingState.REDUCING)
    assert d is not None and d.code is C.TRADING_REDUCING
    assert "no PositionView" in d.message


# -- balance: cash -------------------------------------------------------------------------------
def test_cash_buy_needs_notional_plus_taker_fee() -> None:
    # BUY 0.5 at 65000.00 with a 0.1% taker fee: 32500 + 32.50 = 32532.50 USDT
    order = _limit("0.5", "65000.00")
    enough = FakeAccount().fund("32532.50", "USDT")
    assert check_balance(order, spot(), enough) is None
    short = FakeAccount().fund("32532.49", "USDT")
    d = check_balance(order, spot(), short)
    assert d is not None and d.code is C.INSUFFICIENT_BALANCE
    assert d.message == (
        "cash BUY on BTCUSDT.BINANCE needs 32532.50000000 USDT (notional 32500.00000000 USDT "
        "+ estimated taker fee 32.50000000 USDT) but 32532.49000000 USDT is free"
    )


def test_cash_buy_fee_rounds_up_to_the_currency_precision() -> None:
    # AAPL in USD (2 decimals), 0.1% fee: BUY 3 at 10.01 = 30.03 + 0.03003 -> fee 0.04
    inst = equity(taker_fee="0.001")
    order = factory().limit(AAPL, BUY, Quantity("3"), Price("10.01"))
    assert check_balance(order, inst, FakeAccount().fund("30.07", "USD")) is None
    d = check_balance(order, inst, FakeAccount().fund("30.06", "USD"))
    assert d is not None and "estimated taker fee 0.04 USD" in d.message


def test_cash_buy_without_the_currency() -> None:
    d = check_balance(_limit("0.5", "65000.00"), spot(), FakeAccount().fund("1", "BTC"))
    assert d is not None and d.code is C.INSUFFICIENT_BALANCE
    assert "0 USDT (the account holds no USDT) is free" in d.message


def test_cash_sell_needs_the_base_currency() -> None:
    order = _limit("0.5", "65000.00", SELL)
    assert check_balance(order, spot(), FakeAccount().fund("0.5", "BTC")) is None
    d = check_balance(order, spot(), FakeAccount().fund("0.49999", "BTC"))
    assert d is not None and d.code is C.INSUFFICIENT_BALANCE and d.field == "quantity"
    assert d.message == (
        "cash SELL of 0.5 on BTCUSDT.BINANCE needs 0.50000000 BTC free but 0.49999000 BTC is free"
    )
    # quote currency is irrelevant to a sell
    assert _code(check_balance(order, spot(), FakeAccount().fund("1000000", "USDT"))) is (
        C.INSUFFICIENT_BALANCE
    )


def test_cash_sell_of_an_equity_needs_a_long_position() -> None:
    inst = equity()
    order = factory().limit(AAPL, SELL, Quantity("10"), Price("150.00"))
    account = FakeAccount().fund("0", "USD")
    assert check_balance(order, inst, account) is None  # no position view: cannot tell
    d = check_balance(order, inst, account, positions=FakePositions().set(AAPL, "5"))
    assert d is not None and d.code is C.INSUFFICIENT_BALANCE
    assert "cannot sell short" in d.message and "long 5" in d.message
    assert check_balance(order, inst, account, positions=FakePositions().set(AAPL, "10")) is None


def test_cash_market_order_needs_a_price() -> None:
    market = factory().market(BTCUSDT, BUY, Quantity("0.5"))
    account = FakeAccount().fund("40000", "USDT")
    assert _code(check_balance(market, spot(), account)) is C.NO_REFERENCE_PRICE
    assert check_balance(market, spot(), account, reference_price=Price("65000")) is None
    assert _code(check_balance(market, spot(), account, reference_price=Price("80000"))) is (
        C.INSUFFICIENT_BALANCE
    )


# -- balance: margin -----------------------------------------------------------------------------
def test_margin_needs_initial_margin_over_leverage() -> None:
    # BUY 2 at 30000.0, margin_init 0.10, leverage 5: 60000 x 0.10 / 5 = 1200 USDT
    order = factory().limit(PERP, BUY, Quantity("2"), Price("30000.0"))
    inst = perp()
    ok = FakeAccount(AccountType.MARGIN, leverage="5").fund("1200", "USDT")
    assert check_balance(order, inst, ok) is None
    low = FakeAccount(AccountType.MARGIN, leverage="5").fund("1199.99", "USDT")
    d = check_balance(order, inst, low)
    assert d is not None and d.code is C.INSUFFICIENT_MARGIN
    assert d.message == (
        "initial margin 1200.00000000 USDT (notional 60000.00000000 USDT x margin rate 0.10 / "
        "leverage 5) for BUY 2 on BTCUSDT-PERP.BINANCE exceeds the free balance "
        "1199.99000000 USDT"
    )
    # leverage 1: the whole 10%
    assert _code(
        check_balance(order, inst, FakeAccount(AccountType.MARGIN).fund("5999", "USDT"))
    ) is (C.INSUFFICIENT_MARGIN)


def test_margin_on_an_unmargined_instrument_counts_the_whole_notional() -> None:
    # a spot pair on a margin account: margin_init 0 counts as 1 -> 32500 / 2 = 16250
    order = _limit("0.5", "65000.00")
    assert (
        check_balance(order, spot(), FakeAccount(AccountType.MARGIN, "2").fund("16250", "USDT"))
        is None
    )
    assert _code(
        check_balance(order, spot(), FakeAccount(AccountType.MARGIN, "2").fund("16249", "USDT"))
    ) is (C.INSUFFICIENT_MARGIN)


def test_margin_relief_for_the_part_that_reduces() -> None:
    inst = perp()
    broke = FakeAccount(AccountType.MARGIN, leverage="5").fund("0", "USDT")
    short2 = FakePositions().set(PERP, "-2")
    closing = factory().limit(PERP, BUY, Quantity("2"), Price("30000.0"))
    assert check_balance(closing, inst, broke, positions=short2) is None
    # BUY 3 against short 2: 1 opens -> 30000 x 0.10 / 5 = 600 USDT
    flipping = factory().limit(PERP, BUY, Quantity("3"), Price("30000.0"))
    d = check_balance(flipping, inst, broke, positions=short2)
    assert d is not None and d.code is C.INSUFFICIENT_MARGIN
    assert "initial margin 600.00000000 USDT" in d.message
    assert "the part not reducing the position" in d.message
    funded = FakeAccount(AccountType.MARGIN, leverage="5").fund("600", "USDT")
    assert check_balance(flipping, inst, funded, positions=short2) is None
    # same side as the position: no relief
    long2 = FakePositions().set(PERP, "2")
    assert _code(check_balance(closing, inst, broke, positions=long2)) is C.INSUFFICIENT_MARGIN


def test_margin_leverage_must_be_positive() -> None:
    order = factory().limit(PERP, BUY, Quantity("2"), Price("30000.0"))
    with pytest.raises(ValueOutOfRange):
        check_balance(order, perp(), FakeAccount(AccountType.MARGIN, leverage="0"))


def test_inverse_margin_is_in_the_base_currency() -> None:
    # 20000 USD contracts at 20000 = 1 BTC notional; 10% / leverage 1 = 0.1 BTC
    order = factory().limit(INVERSE, BUY, Quantity("20000"), Price("20000.0"))
    inst = inverse_perp()
    assert check_balance(order, inst, FakeAccount(AccountType.MARGIN).fund("0.1", "BTC")) is None
    d = check_balance(order, inst, FakeAccount(AccountType.MARGIN).fund("0.09999999", "BTC"))
    assert d is not None and "initial margin 0.10000000 BTC" in d.message


def test_betting_accounts_are_not_checked() -> None:
    assert (
        check_balance(_limit("0.5", "65000.00"), spot(), FakeAccount(AccountType.BETTING)) is None
    )
