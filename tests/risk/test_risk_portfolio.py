"""The risk engine against the real lyra.portfolio accounts and Portfolio (the views
contract), and the protocols against the fakes the other tests use."""

from __future__ import annotations

from decimal import Decimal

import pytest
from risk_support import BTCUSDT, PERP, T0, FakeAccount, FakePositions, factory, perp, spot

import lyra.portfolio as portfolio
from lyra.clock import TestClock
from lyra.model.enums import OrderSide
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.risk import (
    AccountView,
    DenialCode,
    LatestPrices,
    PositionView,
    PriceSource,
    RiskConfig,
    RiskEngine,
    TradingState,
)

BUY = OrderSide.BUY
SELL = OrderSide.SELL


def test_fakes_and_helpers_satisfy_the_protocols() -> None:
    assert isinstance(FakeAccount(), AccountView)
    assert isinstance(FakePositions(), PositionView)
    assert isinstance(LatestPrices(), PriceSource)
    assert not isinstance(object(), AccountView)
    prices = LatestPrices()
    iid = factory().limit(BTCUSDT, BUY, Quantity("1"), Price("1.00")).instrument_id
    assert prices.reference_price(iid, BUY) is None
    prices.set_last(iid, Price("5.00"))
    assert prices.reference_price(iid, SELL) == Price("5.00")


def test_real_accounts_and_portfolio_satisfy_the_protocols() -> None:
    assert isinstance(portfolio.CashAccount("A-1"), AccountView)
    assert isinstance(portfolio.MarginAccount("A-2"), AccountView)
    assert isinstance(portfolio.Portfolio(), PositionView)


def _engine(account: object, positions: object | None = None) -> tuple[RiskEngine, OrderFactory]:
    clock = TestClock(T0)
    engine = RiskEngine(
        clock,
        instruments=[spot(), perp()],
        config=RiskConfig(submit_rate=None, modify_rate=None),
        account=account,  # type: ignore[arg-type]
        positions=positions,  # type: ignore[arg-type]
    )
    return engine, factory(clock)


def test_cash_account_free_balance_excludes_what_open_orders_lock() -> None:
    account = portfolio.CashAccount("CASH-1", [Money("32532.50", "USDT")])
    engine, f = _engine(account)
    inst = spot()
    first = f.limit(BTCUSDT, BUY, Quantity("0.5"), Price("65000.00"))
    assert engine.check_submit(first) is None
    # the account locks what the risk check required: notional + taker fee
    locked = account.lock_order(
        str(first.client_order_id), inst, BUY, Quantity("0.5"), Price("65000.00")
    )
    assert locked == Money("32532.50", "USDT")
    second = f.limit(BTCUSDT, BUY, Quantity("0.0001"), Price("65000.00"))
    d = engine.check_submit(second)
    assert d is not None and d.code is DenialCode.INSUFFICIENT_BALANCE
    account.release(str(first.client_order_id))
    assert engine.check_submit(second) is None


def test_cash_sell_reads_the_base_balance_of_the_real_account() -> None:
    account = portfolio.CashAccount("CASH-1", [Money("0.3", "BTC")])
    engine, f = _engine(account)
    assert engine.check_submit(f.limit(BTCUSDT, SELL, Quantity("0.3"), Price("65000.00"))) is None
    d = engine.check_submit(f.limit(BTCUSDT, SELL, Quantity("0.30001"), Price("65000.00")))
    assert d is not None and d.code is DenialCode.INSUFFICIENT_BALANCE


@pytest.mark.parametrize(("qty", "px", "lev"), [("2", "30000.0", "5"), ("0.333", "29999.9", "3")])
def test_margin_requirement_matches_the_accounts_initial_margin(
    qty: str, px: str, lev: str
) -> None:
    inst = perp()
    probe = portfolio.MarginAccount("M-0", default_leverage=lev)
    need = probe.calculate_margin_init(inst, Quantity(qty), Price(px))
    unit = Money.from_raw(10 ** (9 - need.currency.precision), need.currency)
    enough = portfolio.MarginAccount("M-1", [need], default_leverage=lev)
    short = portfolio.MarginAccount("M-2", [need - unit], default_leverage=lev)
    order = factory().limit(PERP, BUY, Quantity(qty), Price(px))
    assert _engine(enough)[0].check_submit(order) is None
    d = _engine(short)[0].check_submit(order)
    assert d is not None and d.code is DenialCode.INSUFFICIENT_MARGIN
    assert f"initial margin {need}" in d.message


def _fill(f: OrderFactory, order: Order, trade_id: str) -> object:
    order.apply(f.events.submitted(order, account_id="CASH-1"))
    order.apply(f.events.accepted(order, "V-" + trade_id))
    fill = f.events.filled(
        order,
        trade_id=trade_id,
        last_qty=order.quantity,
        last_px=order.price or Price("65000.00"),
        commission=Money("0", "USDT"),
        account_id="CASH-1",
    )
    order.apply(fill)
    return fill


def test_reduce_only_and_reducing_against_real_positions() -> None:
    account = portfolio.CashAccount("CASH-1", [Money("1000000", "USDT")])
    book = portfolio.Portfolio(instruments=[spot()], accounts=[account])
    engine, f = _engine(account, book)
    entry = f.limit(BTCUSDT, BUY, Quantity("1"), Price("65000.00"))
    assert engine.check_submit(entry) is None
    book.apply_fill(_fill(f, entry, "T-1"))
    assert book.net_position(entry.instrument_id) == Decimal(1)
    stop = f.limit(BTCUSDT, SELL, Quantity("1"), Price("60000.00"), reduce_only=True)
    too_big = f.limit(BTCUSDT, SELL, Quantity("1.5"), Price("60000.00"), reduce_only=True)
    wrong_side = f.limit(BTCUSDT, BUY, Quantity("0.1"), Price("60000.00"), reduce_only=True)
    # selling needs BTC on a cash account: the fill credited it
    assert engine.check_submit(stop) is None
    assert engine.check_submit(too_big).code is DenialCode.REDUCE_ONLY_EXCEEDS_POSITION  # type: ignore[union-attr]
    assert engine.check_submit(wrong_side).code is DenialCode.REDUCE_ONLY_WOULD_INCREASE  # type: ignore[union-attr]
    engine.set_trading_state(TradingState.REDUCING)
    more = f.limit(BTCUSDT, BUY, Quantity("0.1"), Price("60000.00"))
    assert engine.check_submit(more).code is DenialCode.TRADING_REDUCING  # type: ignore[union-attr]
    assert engine.check_submit(stop) is None
