"""OKX REST query results -> Lyra reconciliation reports.

An adapter's ``reconcile`` queries OKX and converts what it gets with these functions:

==========================================  =========================================
query                                       report
==========================================  =========================================
``GET /api/v5/trade/orders-pending``,       :func:`order_status_report` ->
``GET /api/v5/trade/order`` (OrderData)     :class:`~lyra.venue.OrderStatusReport`
``GET /api/v5/trade/fills`` (FillData)      :func:`fill_report` -> :class:`~lyra.venue.FillReport`
``GET /api/v5/account/balance``             :func:`balance_reports` -> one
(BalanceData)                               :class:`~lyra.venue.BalanceReport` per currency
``GET /api/v5/account/positions``           :func:`position_report` ->
(PositionData)                              :class:`~lyra.venue.PositionStatusReport`
==========================================  =========================================

Fees: OKX reports a charged fee as a negative number; Lyra's ``commission`` is positive when
paid, so the sign is flipped.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lyra.errors import InvalidInput
from lyra.model.enums import LiquiditySide, OrderSide, OrderStatus, PositionSide
from lyra.model.identifiers import AccountId, ClientOrderId, PositionId, TradeId, VenueOrderId
from lyra.model.values import Money, Price, Quantity
from lyra.venue.reports import BalanceReport, FillReport, OrderStatusReport, PositionStatusReport

from .messages import BalanceData, FillData, OrderData, PositionData
from .orders import CANCEL_SOURCES, order_update
from .symbols import currency, instrument_id

__all__ = (
    "ORDER_STATUS",
    "balance_reports",
    "fill_report",
    "order_status_report",
    "position_report",
)

_NS_PER_MS: Final = 1_000_000

ORDER_STATUS: Final = {
    "live": OrderStatus.ACCEPTED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "mmp_canceled": OrderStatus.CANCELED,
}
"""OKX order ``state`` -> Lyra order status."""


def _ms(text: str) -> int:
    return int(text or "0") * _NS_PER_MS


def order_status_report(data: OrderData, account_id: str, ts_init: int) -> OrderStatusReport:
    """One OKX order as an :class:`~lyra.venue.OrderStatusReport`."""
    status = ORDER_STATUS.get(data.state)
    if status is None:
        raise InvalidInput("OKX order.state", f"is not one of {sorted(ORDER_STATUS)}", data.state)
    update = order_update(data)
    reason = ""
    if status is OrderStatus.CANCELED and data.cancel_source:
        reason = CANCEL_SOURCES.get(data.cancel_source, f"cancelSource {data.cancel_source}")
    return OrderStatusReport(
        account_id=AccountId(account_id),
        instrument_id=update.instrument_id,
        venue_order_id=VenueOrderId(data.ord_id),
        client_order_id=ClientOrderId(data.cl_ord_id) if data.cl_ord_id else None,
        side=update.side,
        order_type=update.order_type,
        time_in_force=update.time_in_force,
        status=status,
        quantity=update.quantity,
        filled_qty=update.filled_qty,
        price=update.price,
        avg_px=update.avg_px,
        post_only=update.post_only,
        reduce_only=update.reduce_only,
        reason=reason,
        ts_accepted=_ms(data.c_time) or None,
        ts_last=_ms(data.u_time),
        ts_init=ts_init,
    )


def fill_report(data: FillData, account_id: str, ts_init: int) -> FillReport:
    """One OKX fill as a :class:`~lyra.venue.FillReport`; ``currency`` is the quote
    currency of the instrument (the settlement currency for derivatives is not known from
    the fill alone, so the quote part of the instId is used)."""
    iid = instrument_id(data.inst_id)
    quote = currency(data.inst_id.split("-")[1])
    fee_ccy = currency(data.fee_ccy) if data.fee_ccy else quote
    liquidity = {"T": LiquiditySide.TAKER, "M": LiquiditySide.MAKER}.get(
        data.exec_type, LiquiditySide.NO_LIQUIDITY_SIDE
    )
    return FillReport(
        account_id=AccountId(account_id),
        instrument_id=iid,
        venue_order_id=VenueOrderId(data.ord_id),
        client_order_id=ClientOrderId(data.cl_ord_id) if data.cl_ord_id else None,
        trade_id=TradeId(data.trade_id),
        order_side=OrderSide.BUY if data.side == "buy" else OrderSide.SELL,
        last_qty=Quantity(data.fill_sz),
        last_px=Price(data.fill_px),
        currency=quote,
        commission=-Money(data.fee or "0", fee_ccy),
        liquidity_side=liquidity,
        ts_event=_ms(data.fill_time or data.ts),
        ts_init=ts_init,
    )


def balance_reports(data: BalanceData, account_id: str, ts_init: int) -> list[BalanceReport]:
    """One :class:`~lyra.venue.BalanceReport` per currency of an account balance:
    ``free`` is ``availBal``, ``locked`` is ``frozenBal`` and ``total`` their sum."""
    out: list[BalanceReport] = []
    for detail in data.details:
        ccy = currency(detail.ccy)
        free = Money(detail.avail_bal or "0", ccy)
        locked = Money(detail.frozen_bal or "0", ccy)
        out.append(
            BalanceReport(
                account_id=AccountId(account_id),
                currency=ccy,
                total=free + locked,
                locked=locked,
                free=free,
                ts_event=_ms(detail.u_time or data.u_time),
                ts_init=ts_init,
            )
        )
    return out


def position_report(data: PositionData, account_id: str, ts_init: int) -> PositionStatusReport:
    """One OKX position as a :class:`~lyra.venue.PositionStatusReport` (``pos`` in
    contracts; signed in net mode, with ``posSide`` long/short otherwise)."""
    pos = Decimal(data.pos or "0")
    if data.pos_side == "short":
        pos = -abs(pos)
    elif data.pos_side == "long":
        pos = abs(pos)
    hedged = data.pos_side in ("long", "short")
    side = PositionSide.FLAT if pos == 0 else PositionSide.LONG if pos > 0 else PositionSide.SHORT
    return PositionStatusReport(
        account_id=AccountId(account_id),
        instrument_id=instrument_id(data.inst_id),
        side=side,
        quantity=Quantity(abs(pos)),
        avg_px_open=Decimal(data.avg_px) if data.avg_px else None,
        position_id=PositionId(data.pos_id) if hedged and data.pos_id else None,
        ts_last=_ms(data.u_time),
        ts_init=ts_init,
    )
