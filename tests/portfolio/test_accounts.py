"""Cash and margin accounts: balances, fees, locks, margins, snapshots (worked numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.model.codec import decode_json, decode_msgpack, encode_json, encode_msgpack
from lyra.model.enums import AccountType, OrderSide
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.portfolio import (
    Account,
    AccountBalance,
    AccountState,
    CashAccount,
    InsufficientBalance,
    MarginAccount,
)

from .helpers import AAPL, BNB, BTC, BTCUSDT, PERP, USD, USDT, XBTUSD, fill

SPOT = "BTCUSDT.BINANCE"


def usdt(text: str) -> Money:
    return Money(text, USDT)


def cash(*balances: str, **kw: bool) -> CashAccount:
    return CashAccount("CASH-1", [Money.from_str(b) for b in balances], **kw)


def test_spot_buy_fee_in_quote() -> None:
    """Buy 0.5 BTC at 64,000 with a 0.1% taker fee in USDT: 32,000 + 32 USDT out, 0.5 BTC in."""
    acct = cash("100000 USDT")
    acct.apply_fill(fill(SPOT, "BUY", "0.5", "64000", commission="32 USDT"), BTCUSDT)
    assert acct.balance_total(USDT) == usdt("67968")  # 100,000 - 32,000 - 32
    assert acct.balance_total(BTC) == Money("0.5", BTC)
    assert acct.free_balance(USDT) == usdt("67968")


def test_spot_buy_fee_in_base() -> None:
    """Same buy with the fee in BTC: 0.5 - 0.0005 = 0.4995 BTC credited, 32,000 USDT out."""
    acct = cash("100000 USDT")
    acct.apply_fill(fill(SPOT, "BUY", "0.5", "64000", commission="0.0005 BTC"), BTCUSDT)
    assert acct.balance_total(BTC) == Money("0.4995", BTC)
    assert acct.balance_total(USDT) == usdt("68000")


def test_spot_fee_in_third_currency() -> None:
    acct = cash("100000 USDT", "1 BNB")
    acct.apply_fill(fill(SPOT, "BUY", "0.5", "64000", commission="0.024 BNB"), BTCUSDT)
    assert acct.balance_total(BNB) == Money("0.976", BNB)
    assert acct.balance_total(USDT) == usdt("68000")
    acct.apply_fill(fill(SPOT, "SELL", "0.5", "66000", commission="0.025 BNB"), BTCUSDT)
    assert acct.balance_total(USDT) == usdt("101000")  # 68,000 + 33,000
    assert acct.balance_total(BTC) == Money("0", BTC)
    assert acct.balance_total(BNB) == Money("0.951", BNB)


def test_cash_account_refuses_to_go_negative_and_changes_nothing() -> None:
    acct = cash("1000 USDT")
    with pytest.raises(InsufficientBalance) as info:
        acct.apply_fill(fill(SPOT, "BUY", "0.1", "64000", commission="6.4 USDT"), BTCUSDT)
    assert info.value.currency == "USDT" and info.value.available == "1000.00000000"
    assert acct.balance_total(USDT) == usdt("1000") and acct.balance_total(BTC) is None
    # selling BTC it does not hold is refused too
    with pytest.raises(InsufficientBalance):
        acct.apply_fill(fill(SPOT, "SELL", "0.01", "64000"), BTCUSDT)
    # a fee that cannot be paid is refused even when the trade itself can be
    with pytest.raises(InsufficientBalance):
        acct.apply_fill(fill(SPOT, "BUY", "0.01", "64000", commission="0.1 BNB"), BTCUSDT)
    assert acct.balances() == {USDT: AccountBalance(usdt("1000"), usdt("0"), usdt("1000"))}


def test_allow_borrowing_lets_balances_go_negative() -> None:
    acct = cash("1000 USDT", allow_borrowing=True)
    acct.apply_fill(fill(SPOT, "BUY", "0.1", "64000"), BTCUSDT)
    assert acct.balance_total(USDT) == usdt("-5400")


def test_share_fill_moves_quote_only() -> None:
    acct = CashAccount("C", [Money("10000", USD)])
    acct.apply_fill(fill("AAPL.XNAS", "BUY", "10", "190.25", commission="1 USD"), AAPL)
    assert acct.balance_total(USD) == Money("8096.50", USD)  # 10,000 - 1,902.50 - 1
    assert acct.currencies() == (USD,)


def test_locks_reserve_funds_and_fills_draw_on_them() -> None:
    acct = cash("100000 USDT")
    # buy limit 0.5 @ 64,000: notional 32,000 + 0.1% taker fee 32 = 32,032 locked
    locked = acct.lock_order("O-1", BTCUSDT, OrderSide.BUY, Quantity("0.5"), Price("64000"))
    assert locked == usdt("32032")
    assert acct.balance(USDT) == AccountBalance(usdt("100000"), usdt("32032"), usdt("67968"))
    # a second order cannot reserve more than is free
    with pytest.raises(InsufficientBalance):
        acct.lock("O-2", usdt("67968.01"))
    acct.lock("O-2", usdt("67968"))
    assert acct.free_balance(USDT) == usdt("0")
    acct.release("O-2")
    # half the order fills at 63,900 (fee 31.95): the lock shrinks by what was paid
    acct.apply_fill(
        fill(SPOT, "BUY", "0.25", "63900", commission="15.975 USDT", order_id="O-1"), BTCUSDT
    )
    paid = Decimal("15975") + Decimal("15.975")
    assert acct.locked_for("O-1") == usdt(str(Decimal("32032") - paid))
    assert acct.balance_total(USDT) == usdt(str(Decimal("100000") - paid))
    assert acct.free_balance(USDT) == usdt("67968")  # free is untouched by a reserved fill
    # the order is done: what is left of the lock is released
    assert acct.release("O-1") == usdt("16041.025")
    assert acct.balance_locked(USDT) == usdt("0") and acct.release("O-1") is None


def test_spot_sell_locks_base() -> None:
    acct = cash("1 BTC")
    amount = acct.lock_order("O-1", BTCUSDT, OrderSide.SELL, Quantity("0.4"), Price("70000"))
    assert amount == Money("0.4", BTC)
    assert acct.free_balance(BTC) == Money("0.6", BTC)
    acct.lock("O-1", Money("0.3", BTC))  # replaces, never adds
    assert acct.free_balance(BTC) == Money("0.7", BTC)
    acct.lock("O-1", Money("0", BTC))  # zero releases
    assert acct.locks() == ()


def test_lock_and_amount_validation() -> None:
    acct = cash("10 USDT")
    with pytest.raises(ValueOutOfRange):
        acct.lock("O-1", usdt("-1"))
    with pytest.raises(InvalidInput):
        acct.lock("", usdt("1"))
    with pytest.raises(ValueOutOfRange):
        acct.deposit(usdt("0"))
    with pytest.raises(InsufficientBalance):
        acct.withdraw(usdt("10.01"))
    acct.withdraw(usdt("10"))
    assert acct.free_balance(USDT) == usdt("0")
    with pytest.raises(InsufficientBalance):
        acct.set_balance(usdt("-1"))
    assert acct.free_balance(BTC) is None
    assert acct.leverage(InstrumentId(SPOT)) == 1
    assert acct.account_type is AccountType.CASH


def test_margin_account_initial_and_maintenance_margin_with_leverage() -> None:
    """PERP: 10% initial, 5% maintenance margin. Leverage 5.

    Order buy 2 @ 50,000: notional 100,000; initial margin 100,000 x 0.10 / 5 = 2,000.
    Position 2 @ 50,000: maintenance 100,000 x 0.05 / 5 = 1,000.
    """
    acct = MarginAccount("M-1", [usdt("10000")], leverages={PERP.id: Decimal(5)})
    assert acct.leverage(PERP.id) == 5 and acct.leverage(InstrumentId("X.Y")) == 1
    init = acct.lock_order("O-1", PERP, OrderSide.BUY, Quantity("2"), Price("50000"))
    assert init == usdt("2000")
    margin = acct.margin(PERP.id)
    assert margin is not None and margin.initial == usdt("2000")
    assert acct.free_balance(USDT) == usdt("8000")
    maint = acct.calculate_margin_maint(PERP, Quantity("2"), Price("50000"))
    assert maint == usdt("1000")
    acct.release("O-1")
    acct.update_margin_maint(PERP.id, maint)
    assert acct.balance(USDT) == AccountBalance(usdt("10000"), usdt("1000"), usdt("9000"))
    # default leverage 1: 20,000 x 0.10 = 2,000 for another instrument
    other = MarginAccount("M-2", [usdt("10000")])
    assert other.calculate_margin_init(PERP, Quantity("0.4"), Price("50000")) == usdt("2000")


def test_margin_rounds_up_to_currency_precision() -> None:
    acct = MarginAccount("M", [usdt("100")], default_leverage=3)
    # 1 x 100 x 0.10 / 3 = 3.3333333333... -> 3.33333334 USDT
    assert acct.calculate_margin_init(PERP, Quantity("1"), Price("100")) == usdt("3.33333334")


def test_margin_inverse_contract_in_base() -> None:
    acct = MarginAccount("M", [Money("1", BTC)], default_leverage=2)
    # 10,000 contracts of 1 USD at 40,000: 0.25 BTC notional; x 0.10 / 2 = 0.0125 BTC
    assert acct.calculate_margin_init(XBTUSD, Quantity("10000"), Price("40000")) == Money(
        "0.0125", BTC
    )


def test_margin_account_books_realized_pnl_not_base() -> None:
    acct = MarginAccount("M", [usdt("1000")])
    acct.apply_fill(
        fill(PERP.id, "SELL", "1", "50000", commission="20 USDT"), PERP, realized_pnl=usdt("150")
    )
    assert acct.balance_total(USDT) == usdt("1130")
    assert acct.balance_total(BTC) is None  # no base balance moves on a swap
    # losses may take a margin account below zero (the venue's numbers rule)
    acct.apply_fill(fill(PERP.id, "BUY", "1", "50000"), PERP, realized_pnl=usdt("-2000"))
    assert acct.balance_total(USDT) == usdt("-870")
    with pytest.raises(ValueOutOfRange):
        MarginAccount("M", default_leverage=Decimal("0.5"))


@pytest.mark.parametrize("codec", ["msgpack", "json"])
def test_account_state_round_trip(codec: str) -> None:
    acct = MarginAccount("M-1", [usdt("10000"), Money("0.1", BTC)], default_leverage=2)
    acct.set_leverage(PERP.id, 10)
    acct.lock_order("O-1", PERP, OrderSide.SELL, Quantity("1"), Price("50000"))
    acct.lock("O-2", Money("0.01", BTC))
    acct.update_margin_maint(PERP.id, usdt("250"))
    state = acct.to_state(ts_event=5, ts_init=6)
    assert state.account_type is AccountType.MARGIN
    data = encode_msgpack(state) if codec == "msgpack" else encode_json(state)
    back = decode_msgpack(data) if codec == "msgpack" else decode_json(data)
    assert isinstance(back, AccountState) and back == state
    restored = Account.from_state(back)
    assert isinstance(restored, MarginAccount)
    assert restored.to_state(5, 6) == state
    assert restored.balances() == acct.balances()
    assert restored.margin(PERP.id) == acct.margin(PERP.id)
    assert restored.leverage(PERP.id) == 10


def test_cash_state_round_trip_and_inconsistent_state_is_refused() -> None:
    acct = cash("500 USDT", "2 BTC")
    acct.lock("O-1", usdt("100"))
    state = acct.to_state()
    restored = Account.from_state(state)
    assert isinstance(restored, CashAccount) and restored.to_state() == state
    bad = AccountState(
        account_id=state.account_id,
        account_type=AccountType.CASH,
        balances=tuple(
            AccountBalance(b.total, b.total, b.total - b.total) for b in state.balances
        ),
    )
    with pytest.raises(InvalidInput):
        Account.from_state(bad)
