"""The contract with lyra.risk: accounts are AccountViews, the Portfolio is a PositionView.

The Protocols are imported from ``lyra.risk`` (the test imports it; ``lyra.portfolio`` never
does). The pinned copies below are checked too, so the contract holds even if one side's
Protocol text drifts.
"""

from __future__ import annotations

import importlib
import inspect
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import pytest

from lyra.model.currency import Currency
from lyra.model.enums import AccountType
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money
from lyra.portfolio import CashAccount, MarginAccount, Portfolio

from .helpers import BTC, PERP, USDT, fill


@runtime_checkable
class PinnedPositionView(Protocol):
    def net_position(self, instrument_id: InstrumentId) -> Decimal: ...


@runtime_checkable
class PinnedAccountView(Protocol):
    @property
    def account_type(self) -> AccountType: ...
    def free_balance(self, currency: Currency) -> Money | None: ...
    def leverage(self, instrument_id: InstrumentId) -> Decimal: ...


def _risk_views() -> tuple[Any, Any]:
    try:
        risk = importlib.import_module("lyra.risk")
        return risk.AccountView, risk.PositionView
    except (ImportError, AttributeError):
        views = importlib.import_module("lyra.risk.views")
        return views.AccountView, views.PositionView


def test_accounts_are_account_views() -> None:
    account_view, _ = _risk_views()
    cash = CashAccount("C", [Money("100", USDT)])
    margin = MarginAccount("M", [Money("1", BTC)], default_leverage=Decimal(10))
    for acct in (cash, margin):
        assert isinstance(acct, account_view)
        assert isinstance(acct, PinnedAccountView)
    assert cash.account_type is AccountType.CASH and margin.account_type is AccountType.MARGIN
    assert cash.free_balance(USDT) == Money("100", USDT) and cash.free_balance(BTC) is None
    assert cash.leverage(PERP.id) == Decimal(1)
    assert margin.leverage(PERP.id) == Decimal(10)
    assert isinstance(margin.leverage(PERP.id), Decimal)


def test_portfolio_is_a_position_view() -> None:
    _, position_view = _risk_views()
    pf = Portfolio(instruments=[PERP])
    assert isinstance(pf, position_view) and isinstance(pf, PinnedPositionView)
    pf.apply_fill(fill(PERP.id, "SELL", "1.5", "100"))
    value = pf.net_position(PERP.id)
    assert isinstance(value, Decimal) and value == Decimal("-1.5")


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (CashAccount, "free_balance"),
        (CashAccount, "leverage"),
        (MarginAccount, "leverage"),
        (Portfolio, "net_position"),
    ],
)
def test_signatures_match_the_contract(cls: type, name: str) -> None:
    params = list(inspect.signature(getattr(cls, name)).parameters)
    expected = {"free_balance": "currency", "leverage": "instrument_id"}.get(
        name, "instrument_id"
    )
    assert params == ["self", expected]
