"""Flat records of what happened in a backtest: one row per order, fill and position.

They are what a :class:`~lyra.backtest.BacktestResult` keeps after the run (the live
``Order`` and ``Position`` objects stay with the exchanges), what the HTML report shows
in its tables, and what ``BacktestResult.save`` writes. Decimal values are strings, so
they stay exact through JSON and msgpack; enums are their names.
"""

from __future__ import annotations

import msgspec

from lyra.model.codec import register_struct

__all__ = ("FillRecord", "OrderRecord", "PositionRecord")


class FillRecord(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """One fill (an ``OrderFilled`` event), flattened."""

    ts_ns: int
    venue: str
    account_id: str
    strategy_id: str
    instrument_id: str
    client_order_id: str
    venue_order_id: str
    trade_id: str
    side: str
    """``"BUY"`` or ``"SELL"``."""
    quantity: str
    price: str
    commission: str
    commission_currency: str
    liquidity: str
    """``"MAKER"``, ``"TAKER"`` or ``"NO_LIQUIDITY_SIDE"``."""
    notional: float
    """``quantity * price`` (times the multiplier) in the quote currency, as a float."""


class OrderRecord(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """One order's final state, flattened."""

    ts_init: int
    ts_last: int
    venue: str
    account_id: str
    strategy_id: str
    instrument_id: str
    client_order_id: str
    side: str
    order_type: str
    time_in_force: str
    quantity: str
    price: str | None
    trigger_price: str | None
    status: str
    filled_qty: str
    avg_px: str | None


class PositionRecord(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """One position at the end of the run (open or closed), flattened."""

    venue: str
    account_id: str
    instrument_id: str
    side: str
    """``"LONG"``, ``"SHORT"`` or ``"FLAT"``."""
    quantity: str
    avg_px_open: str | None
    realized_pnl: float
    unrealized_pnl: float
    currency: str
    """The currency both PnL figures are in."""


for _cls in (FillRecord, OrderRecord, PositionRecord):
    register_struct(_cls)
