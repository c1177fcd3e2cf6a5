"""Portfolio: accounts (cash, margin), positions (netting, hedging) and exact PnL.

* :class:`CashAccount` / :class:`MarginAccount` -- multi-currency balances (total, locked,
  free), locks for open orders, margins, fills booked in every currency they touch.
* :class:`Position` -- one strategy's holding in one instrument: exact average prices,
  realized and unrealized PnL (linear and inverse), flips, netting snapshots.
* :class:`Portfolio` -- accounts and positions fed by :class:`~lyra.orders.OrderFilled`
  events from anywhere; O(1) per fill, queries never scan history; position events
  returned and optionally published on the bus.

Every account and position can be snapshotted (:class:`AccountState`,
:class:`PositionState`, :class:`PortfolioState`, all serializable with
:mod:`lyra.model.codec`) and restored exactly. The rules, with worked numbers, are in
``docs/explanation/positions-and-pnl.md``.
"""

from __future__ import annotations

from lyra.errors import InsufficientBalance
from lyra.portfolio.account import (
    Account,
    AccountBalance,
    AccountState,
    CashAccount,
    MarginAccount,
    MarginBalance,
    OrderLock,
)
from lyra.portfolio.events import (
    POSITION_EVENT_TYPES,
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from lyra.portfolio.portfolio import Portfolio, PortfolioState
from lyra.portfolio.position import Position, PositionState

__all__ = (
    "POSITION_EVENT_TYPES",
    "Account",
    "AccountBalance",
    "AccountState",
    "CashAccount",
    "InsufficientBalance",
    "MarginAccount",
    "MarginBalance",
    "OrderLock",
    "Portfolio",
    "PortfolioState",
    "Position",
    "PositionChanged",
    "PositionClosed",
    "PositionEvent",
    "PositionOpened",
    "PositionState",
)
