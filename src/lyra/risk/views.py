"""What risk reads from the rest of an application: positions, an account, prices.

These are :class:`typing.Protocol` s, matched structurally: ``lyra.portfolio``'s accounts
implement :class:`AccountView` and its ``Portfolio`` implements :class:`PositionView` without
importing ``lyra.risk`` (the two modules are siblings and never import each other). A bot with
its own bookkeeping implements them in a few lines. All three are ``runtime_checkable``, so
``isinstance(obj, AccountView)`` checks the method names (not the signatures).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

from lyra.model.currency import Currency
from lyra.model.enums import AccountType, OrderSide
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price

__all__ = ("AccountView", "PositionView", "PriceSource")


@runtime_checkable
class PositionView(Protocol):
    """Read-only view of positions, by instrument."""

    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        """Signed net quantity held (long > 0, short < 0, 0 when flat), summed over all positions
        of that instrument (hedging mode: long minus short)."""
        ...


@runtime_checkable
class AccountView(Protocol):
    """Read-only view of one trading account."""

    @property
    def account_type(self) -> AccountType:
        """CASH, MARGIN or BETTING (:class:`lyra.model.enums.AccountType`)."""
        ...

    def free_balance(self, currency: Currency) -> Money | None:
        """Free (unlocked) balance in `currency`; None when the account holds none of it."""
        ...

    def leverage(self, instrument_id: InstrumentId) -> Decimal:
        """Leverage applied to that instrument (Decimal(1) for cash accounts)."""
        ...


@runtime_checkable
class PriceSource(Protocol):
    """Where the risk engine finds a reference price for orders that carry none (MARKET,
    MARKET_TO_LIMIT, a trailing stop without a trigger price). See
    :class:`lyra.risk.LatestPrices` for a ready-made one fed from quotes and trades."""

    def reference_price(self, instrument_id: InstrumentId, side: OrderSide) -> Price | None:
        """The price an order on ``side`` would trade at now (the ask for BUY, the bid for
        SELL, else the last trade), or ``None`` when nothing is known."""
        ...
