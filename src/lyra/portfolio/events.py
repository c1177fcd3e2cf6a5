"""Position events: what happened to a position after a fill, as immutable records.

:meth:`lyra.portfolio.Portfolio.apply_fill` (and :meth:`lyra.portfolio.Position.apply`) return
one event per position touched by a fill, and a portfolio built with a bus publishes them on
:func:`lyra.topics.position_events` of the fill's strategy:

=================  ============================================================================
event              when
=================  ============================================================================
PositionOpened     a fill opened a position from flat
PositionChanged    a fill increased or reduced an open position without closing it
PositionClosed     a fill (or its first part, in a flip) brought the position to flat
=================  ============================================================================

A fill that flips a position (sells 3 when long 1) gives ``PositionClosed`` then
``PositionOpened``: ``last_qty`` is then the part of the fill each event applies (1, then 2).

Every event is a frozen ``msgspec.Struct`` tagged with its class name and registered with
:func:`lyra.model.codec.register_struct`, so ``lyra.model.codec.decode_msgpack(data)`` decodes
it without a type. ``ts_event`` and ``ts_init`` are the fill's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeAlias

import msgspec

from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.enums import OrderSide, PositionSide
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
)
from lyra.model.values import Money, Price, Quantity

__all__ = (
    "POSITION_EVENT_TYPES",
    "PositionChanged",
    "PositionClosed",
    "PositionEvent",
    "PositionOpened",
)


class _PositionEventBase(msgspec.Struct, frozen=True, tag=True, gc=False, kw_only=True):
    """Fields every position event carries (private base)."""

    position_id: PositionId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    account_id: AccountId | None
    opening_order_id: ClientOrderId | None
    """The order whose fill opened the position (this cycle, for a reopened netting one)."""
    entry: OrderSide
    """BUY for a long position, SELL for a short one."""
    side: PositionSide
    """FLAT, LONG or SHORT after the fill."""
    signed_qty: Decimal
    """Net quantity after the fill: > 0 long, < 0 short, 0 flat."""
    quantity: Quantity
    """``abs(signed_qty)``."""
    peak_qty: Quantity
    """Largest quantity held since the position opened."""
    last_trade_id: TradeId
    last_qty: Quantity
    """Quantity of the fill applied to this position (one part of a flipping fill)."""
    last_px: Price
    avg_px_open: Decimal | None
    """Average open price (see :attr:`lyra.portfolio.Position.avg_px_open`)."""
    realized_pnl: Money
    """Realized PnL of the position so far, commissions in :attr:`currency` subtracted."""
    currency: Currency
    """Settlement currency: the currency of ``realized_pnl``."""
    ts_opened: int
    ts_event: int
    ts_init: int


class PositionOpened(_PositionEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """A position opened from flat."""


class PositionChanged(_PositionEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """An open position was increased or reduced and is still open.

    ``unrealized_pnl`` is valued at ``last_px``.
    """

    avg_px_close: Decimal | None
    unrealized_pnl: Money


class PositionClosed(_PositionEventBase, frozen=True, tag=True, gc=False, kw_only=True):
    """A position went flat. ``realized_pnl`` is final for this position (cycle)."""

    closing_order_id: ClientOrderId
    avg_px_close: Decimal | None
    ts_closed: int
    duration_ns: int


PositionEvent: TypeAlias = PositionOpened | PositionChanged | PositionClosed
"""Any position event (a tagged union: the ``"type"`` key names the class)."""

POSITION_EVENT_TYPES: tuple[type[PositionEvent], ...] = (
    PositionOpened,
    PositionChanged,
    PositionClosed,
)
"""Every position event class."""

for _cls in POSITION_EVENT_TYPES:
    register_struct(_cls)
del _cls
