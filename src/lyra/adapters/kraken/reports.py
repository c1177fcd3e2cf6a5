"""Kraken REST query results (and the ``executions`` snapshot) -> Lyra reconciliation
reports.

==============================================  =============================================
source                                          report
==============================================  =============================================
``POST /0/private/OpenOrders`` /                :func:`order_status_report` ->
``QueryOrders`` (txid -> OpenOrderInfo)         :class:`~lyra.venue.OrderStatusReport`
``executions`` snapshot (``snap_orders``)       :func:`execution_status_report` -> the same
``POST /0/private/TradesHistory``               :func:`fill_report` ->
(txid -> TradeInfo)                             :class:`~lyra.venue.FillReport`
``POST /0/private/BalanceEx`` (or ``Balance``)  :func:`balance_reports` -> one
                                                :class:`~lyra.venue.BalanceReport` per asset
==============================================  =============================================

REST names pairs by their ``altname`` (``XBTUSD``) and assets by their legacy codes
(``XXBT``, ``ZUSD``): pass a :class:`~.symbols.KrakenSymbols` table to resolve pairs;
assets are translated by :func:`~.symbols.asset_code`. Kraken reports fees in the quote
currency as positive amounts, which is Lyra's sign already. Spot has no positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

from lyra.errors import InvalidInput
from lyra.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from lyra.model.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from lyra.model.values import Money, Price, Quantity
from lyra.venue.reports import BalanceReport, FillReport, OrderStatusReport

from .messages import BalanceEx, ExecutionData, OpenOrderInfo, TradeInfo
from .orders import execution_update
from .symbols import KrakenSymbols, currency, ws_symbol

__all__ = (
    "ORDER_STATUS",
    "balance_reports",
    "execution_status_report",
    "fill_report",
    "order_status_report",
)

_NS_PER_S: Final = 1_000_000_000
_ORDER_TYPES: Final = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "iceberg": OrderType.LIMIT,
    "stop-loss": OrderType.STOP_MARKET,
    "stop-loss-limit": OrderType.STOP_LIMIT,
    "take-profit": OrderType.MARKET_IF_TOUCHED,
    "take-profit-limit": OrderType.LIMIT_IF_TOUCHED,
    "trailing-stop": OrderType.TRAILING_STOP_MARKET,
    "trailing-stop-limit": OrderType.TRAILING_STOP_LIMIT,
}

ORDER_STATUS: Final = {
    "pending": OrderStatus.ACCEPTED,
    "open": OrderStatus.ACCEPTED,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "pending_new": OrderStatus.ACCEPTED,
    "new": OrderStatus.ACCEPTED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
}
"""Kraken order ``status`` (REST) and ``order_status`` (websocket) -> Lyra order status
(an open order with something filled is reported PARTIALLY_FILLED)."""


def _seconds(value: float | Decimal) -> int:
    return int(Decimal(str(value)) * _NS_PER_S)


def _status(text: str, filled: Quantity) -> OrderStatus:
    status = ORDER_STATUS.get(text)
    if status is None:
        raise InvalidInput("Kraken order.status", f"is not one of {sorted(ORDER_STATUS)}", text)
    if status is OrderStatus.ACCEPTED and filled.is_positive():
        return OrderStatus.PARTIALLY_FILLED
    return status


def _positive_price(text: str) -> Price | None:
    # Trailing orders describe their prices as offsets ("+50.0", "+1.5%"): not a price.
    if not text or text[0] in "+-#" or text.endswith("%"):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return Price(text) if value.is_finite() and value != 0 else None


def order_status_report(
    txid: str, info: OpenOrderInfo, symbols: KrakenSymbols, account_id: str, ts_init: int
) -> OrderStatusReport:
    """One order of ``OpenOrders``/``QueryOrders`` as an
    :class:`~lyra.venue.OrderStatusReport` (``price`` is the limit price; a stop's trigger
    is ``price`` in ``descr`` for stop types)."""
    descr = info.descr
    otype = _ORDER_TYPES.get(descr.ordertype, OrderType.LIMIT)
    filled = Quantity(info.vol_exec or "0")
    is_trigger = otype not in (OrderType.MARKET, OrderType.LIMIT)
    limit = descr.price2 if otype in (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED) else ""
    if otype is OrderType.LIMIT:
        limit = descr.price
    avg = Decimal(info.price) if info.price and Decimal(info.price) else None
    closed = info.closetm
    return OrderStatusReport(
        account_id=AccountId(account_id),
        instrument_id=symbols.resolve(descr.pair),
        venue_order_id=VenueOrderId(txid),
        client_order_id=ClientOrderId(info.cl_ord_id) if info.cl_ord_id else None,
        side=OrderSide.BUY if descr.type == "buy" else OrderSide.SELL,
        order_type=otype,
        time_in_force=TimeInForce.GTD if info.expiretm else TimeInForce.GTC,
        status=_status(info.status, filled),
        quantity=Quantity(info.vol),
        filled_qty=filled,
        price=_positive_price(limit),
        trigger_price=_positive_price(descr.price) if is_trigger else None,
        avg_px=avg,
        post_only="post" in info.oflags.split(","),
        reason=info.reason or "",
        expire_time_ns=_seconds(info.expiretm) if info.expiretm else None,
        ts_accepted=_seconds(info.opentm) if info.opentm else None,
        ts_last=_seconds(closed if closed else info.opentm),
        ts_init=ts_init,
    )


def execution_status_report(
    data: ExecutionData, account_id: str, ts_init: int
) -> OrderStatusReport:
    """One order of an ``executions`` snapshot (``snap_orders``) as an
    :class:`~lyra.venue.OrderStatusReport`; the snapshot carries every field."""
    update = execution_update(data)
    if update.instrument_id is None or update.side is None or update.quantity is None:
        raise InvalidInput(
            "Kraken execution", "needs symbol, side and order_qty for a report", data.order_id
        )
    filled = update.filled_qty or Quantity.zero(update.quantity.precision)
    return OrderStatusReport(
        account_id=AccountId(account_id),
        instrument_id=update.instrument_id,
        venue_order_id=VenueOrderId(data.order_id),
        client_order_id=ClientOrderId(data.cl_ord_id) if data.cl_ord_id else None,
        side=update.side,
        order_type=update.order_type or OrderType.LIMIT,
        time_in_force=update.time_in_force or TimeInForce.GTC,
        status=_status(data.order_status or "new", filled),
        quantity=update.quantity,
        filled_qty=filled,
        price=update.price,
        trigger_price=update.trigger_price,
        avg_px=update.avg_px,
        post_only=data.post_only,
        reduce_only=data.reduce_only,
        display_qty=None if data.display_qty is None else Quantity(data.display_qty),
        reason=data.reason,
        ts_last=update.ts_event,
        ts_init=ts_init,
    )


def fill_report(
    txid: str, trade: TradeInfo, symbols: KrakenSymbols, account_id: str, ts_init: int
) -> FillReport:
    """One fill of ``TradesHistory`` as a :class:`~lyra.venue.FillReport` (fee in the quote
    currency; ``trade_id`` is the numeric trade id when given, else the fill's txid)."""
    iid = symbols.resolve(trade.pair)
    quote = currency(ws_symbol(iid).split("/")[1])
    liquidity = LiquiditySide.NO_LIQUIDITY_SIDE
    if trade.maker is not None:
        liquidity = LiquiditySide.MAKER if trade.maker else LiquiditySide.TAKER
    return FillReport(
        account_id=AccountId(account_id),
        instrument_id=iid,
        venue_order_id=VenueOrderId(trade.ordertxid),
        trade_id=TradeId(str(trade.trade_id) if trade.trade_id is not None else txid),
        order_side=OrderSide.BUY if trade.type == "buy" else OrderSide.SELL,
        last_qty=Quantity(trade.vol),
        last_px=Price(trade.price),
        currency=quote,
        commission=Money(trade.fee or "0", quote),
        liquidity_side=liquidity,
        ts_event=_seconds(trade.time),
        ts_init=ts_init,
    )


def balance_reports(
    balances: Mapping[str, BalanceEx | str], account_id: str, ts_init: int
) -> list[BalanceReport]:
    """One :class:`~lyra.venue.BalanceReport` per asset of ``BalanceEx`` (``locked`` is
    ``hold_trade``) or of ``Balance`` (plain totals: nothing known to be locked)."""
    out: list[BalanceReport] = []
    for asset, entry in balances.items():
        ccy = currency(asset)
        if isinstance(entry, BalanceEx):
            total = Money(entry.balance, ccy)
            locked = Money(entry.hold_trade or "0", ccy)
        else:
            total = Money(entry, ccy)
            locked = Money.zero(ccy)
        out.append(
            BalanceReport(
                account_id=AccountId(account_id),
                currency=ccy,
                total=total,
                locked=locked,
                free=total - locked,
                ts_event=ts_init,
                ts_init=ts_init,
            )
        )
    return out
