"""Lyra orders <-> Binance parameters and messages, spot and USD-M futures.

Outbound, an order becomes the parameters of ``POST /api/v3/order`` or
``POST /fapi/v1/order``; a list those of ``/api/v3/orderList/oco|oto|otoco``:

=========================  ==========================================  ====================
Lyra                       spot                                        futures
=========================  ==========================================  ====================
MARKET                     ``MARKET`` (``quoteOrderQty`` if quote qty)  ``MARKET``
LIMIT                      ``LIMIT`` + ``timeInForce``                  ``LIMIT``
LIMIT, post-only           ``LIMIT_MAKER``                              ``LIMIT`` + ``GTX``
LIMIT, GTD                 --                                           ``GTD`` + ``goodTillDate``
STOP_MARKET                ``STOP_LOSS``                                (emulated)
STOP_LIMIT                 ``STOP_LOSS_LIMIT``                          (emulated)
MARKET_IF_TOUCHED          ``TAKE_PROFIT``                              (emulated)
LIMIT_IF_TOUCHED           ``TAKE_PROFIT_LIMIT``                        (emulated)
TRAILING_STOP_MARKET       ``STOP_LOSS`` + ``trailingDelta`` (bps)      (emulated)
display_qty                ``icebergQty``                               --
reduce_only                --                                           ``reduceOnly=true``
=========================  ==========================================  ====================

Inbound, :func:`spot_events` and :func:`futures_events` turn an ``executionReport`` /
``ORDER_TRADE_UPDATE`` into Lyra order events for :meth:`lyra.venue.OrderFlow.emit`
(``NEW`` -> accepted, ``TRADE`` -> filled, ``CANCELED`` -> canceled, ``EXPIRED`` -> canceled
-- or expired for a GTD order --, ``REJECTED`` -> rejected, ``REPLACED``/``AMENDMENT`` ->
updated). The ``*_report`` functions build the :mod:`lyra.venue.reports` values that
``reconcile`` returns.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lyra import _native
from lyra.adapters.binance.errors import reject_code
from lyra.adapters.binance.messages import (
    ExecutionReport,
    FuturesOrder,
    FuturesOrderResponse,
    FuturesTrade,
    OrderResponse,
    SpotTrade,
)
from lyra.errors import InvalidIdentifier, InvalidInput
from lyra.model.currency import Currency, CurrencyType
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TriggerType,
)
from lyra.model.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import OrderEvent
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.reports import FillReport, OrderStatusReport

__all__ = (
    "futures_events",
    "futures_fill_report",
    "futures_order_params",
    "futures_order_report",
    "money",
    "order_list_params",
    "price_of",
    "quantity_of",
    "side_of",
    "spot_events",
    "spot_fill_report",
    "spot_order_params",
    "spot_order_report",
    "spot_order_type",
    "status_of",
)

_T = OrderType
_MS: Final = 1_000_000
_SIDE: Final = {OrderSide.BUY: "BUY", OrderSide.SELL: "SELL"}
_SIDE_BACK: Final = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}
_TIF: Final = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}
_SPOT_TYPE: Final = {
    _T.MARKET: "MARKET",
    _T.LIMIT: "LIMIT",
    _T.STOP_MARKET: "STOP_LOSS",
    _T.STOP_LIMIT: "STOP_LOSS_LIMIT",
    _T.MARKET_IF_TOUCHED: "TAKE_PROFIT",
    _T.LIMIT_IF_TOUCHED: "TAKE_PROFIT_LIMIT",
    _T.TRAILING_STOP_MARKET: "STOP_LOSS",
}
_TYPE_BACK: Final = {
    "MARKET": _T.MARKET,
    "LIMIT": _T.LIMIT,
    "LIMIT_MAKER": _T.LIMIT,
    "STOP_LOSS": _T.STOP_MARKET,
    "STOP_LOSS_LIMIT": _T.STOP_LIMIT,
    "TAKE_PROFIT": _T.MARKET_IF_TOUCHED,
    "TAKE_PROFIT_LIMIT": _T.LIMIT_IF_TOUCHED,
    "STOP": _T.STOP_LIMIT,
    "STOP_MARKET": _T.STOP_MARKET,
    "TAKE_PROFIT_MARKET": _T.MARKET_IF_TOUCHED,
    "TRAILING_STOP_MARKET": _T.TRAILING_STOP_MARKET,
}
_S = OrderStatus
_STATUS: Final = {
    "NEW": _S.ACCEPTED,
    "PENDING_NEW": _S.ACCEPTED,
    "PARTIALLY_FILLED": _S.PARTIALLY_FILLED,
    "FILLED": _S.FILLED,
    "CANCELED": _S.CANCELED,
    "PENDING_CANCEL": _S.ACCEPTED,
    "REJECTED": _S.REJECTED,
    "EXPIRED": _S.EXPIRED,
    "EXPIRED_IN_MATCH": _S.CANCELED,
}
_TIF_BACK: Final = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTX": TimeInForce.GTC,
    "GTD": TimeInForce.GTD,
}
_parse = _native.parse_fixed
_parse_size = _native.parse_fixed_unsigned


# -- values --------------------------------------------------------------------------------
def price_of(text: str, instrument: Instrument) -> Price:
    """A Binance price string as a :class:`~lyra.model.Price` at the instrument's
    precision (or the string's own, when it carries more digits)."""
    raw = _parse(text)
    prec = instrument.price_precision
    try:
        return Price.from_raw(raw, prec)
    except InvalidInput:
        return Price(text)


def quantity_of(text: str, instrument: Instrument) -> Quantity:
    """A Binance quantity string as a :class:`~lyra.model.Quantity` at the instrument's
    precision (or the string's own, when it carries more digits)."""
    raw = _parse_size(text)
    try:
        return Quantity.from_raw(raw, instrument.size_precision)
    except InvalidInput:
        return Quantity(text)


def money(amount: str, asset: str | None, fallback: Currency) -> Money:
    """A commission as :class:`~lyra.model.Money` (an unknown asset is registered)."""
    if not asset:
        return Money.zero(fallback)
    if not Currency.is_registered(asset):
        Currency.register(Currency(asset, 8, currency_type=CurrencyType.CRYPTO))
    return Money(amount, asset)


def side_of(text: str) -> OrderSide:
    """``"BUY"``/``"SELL"`` as an :class:`~lyra.model.OrderSide`."""
    return _SIDE_BACK[text]


def status_of(text: str, order_type: str = "", time_in_force: str = "") -> OrderStatus:
    """A Binance order status as the :class:`~lyra.model.OrderStatus` a report carries:
    an expired IOC/FOK/MARKET order is CANCELED, as its events say."""
    status = _STATUS.get(text)
    if status is None:
        raise InvalidInput("status", "is not a Binance order status", text)
    if status is _S.EXPIRED and time_in_force != "GTD":
        return _S.CANCELED
    return status


def _client_id(text: str) -> ClientOrderId | None:
    try:
        return ClientOrderId(text)
    except InvalidIdentifier:
        return None  # an id Binance made up for an order placed elsewhere


def spot_order_type(order: Order) -> str:
    """The spot ``type`` of ``order``."""
    if order.order_type is _T.LIMIT and order.post_only:
        return "LIMIT_MAKER"
    try:
        return _SPOT_TYPE[order.order_type]
    except KeyError:
        raise InvalidInput(
            "order_type", "has no Binance spot equivalent", order.order_type.name
        ) from None


def _trailing_bps(order: Order) -> str:
    offset = order.trailing_offset
    if offset is None:
        raise InvalidInput("trailing_offset", "is required for a trailing stop")
    if offset != offset.to_integral_value():
        raise InvalidInput("trailing_offset", "must be whole basis points on Binance", offset)
    return str(int(offset))


# -- outbound ------------------------------------------------------------------------------
def _leg(order: Order, prefix: str = "", *, with_side_qty: bool = True) -> list[tuple[str, str]]:
    """The spot parameters of one order, each name prefixed (``above`` -> ``abovePrice``)."""

    def name(key: str) -> str:
        return key if not prefix else prefix + key[0].upper() + key[1:]

    otype = spot_order_type(order)
    out: list[tuple[str, str]] = [(name("type"), otype)]
    if with_side_qty:
        out.append((name("side"), _SIDE[order.side]))
    out.append((name("clientOrderId") if prefix else "newClientOrderId", order.client_order_id))
    if with_side_qty:
        if order.quote_quantity:
            out.append(("quoteOrderQty", str(order.quantity)))
        else:
            out.append((name("quantity"), str(order.quantity)))
    if order.price is not None and otype != "MARKET":
        out.append((name("price"), str(order.price)))
    kind = order.order_type
    if kind is _T.TRAILING_STOP_MARKET:
        out.append((name("trailingDelta"), _trailing_bps(order)))
        if order.activation_price is not None:
            out.append((name("stopPrice"), str(order.activation_price)))
    elif order.trigger_price is not None:
        out.append((name("stopPrice"), str(order.trigger_price)))
    if otype in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"):
        out.append((name("timeInForce"), _TIF[order.time_in_force]))
    if order.display_qty is not None:
        out.append((name("icebergQty"), str(order.display_qty)))
    return out


def spot_order_params(order: Order, symbol: str) -> list[tuple[str, str]]:
    """The parameters of ``POST /api/v3/order`` for ``order``."""
    return [("symbol", symbol), *_leg(order), ("newOrderRespType", "RESULT")]


def futures_order_params(order: Order, symbol: str) -> list[tuple[str, str]]:
    """The parameters of ``POST /fapi/v1/order`` for ``order`` (MARKET or LIMIT)."""
    kind = order.order_type
    if kind not in (_T.MARKET, _T.LIMIT):
        raise InvalidInput("order_type", "is placed through the Algo service", kind.name)
    out = [
        ("symbol", symbol),
        ("side", _SIDE[order.side]),
        ("type", "MARKET" if kind is _T.MARKET else "LIMIT"),
        ("quantity", str(order.quantity)),
        ("newClientOrderId", order.client_order_id),
    ]
    if kind is _T.LIMIT:
        assert order.price is not None
        out.append(("price", str(order.price)))
        tif = order.time_in_force
        if order.post_only:
            out.append(("timeInForce", "GTX"))
        elif tif is TimeInForce.GTD:
            out.append(("timeInForce", "GTD"))
            assert order.expire_time_ns is not None
            out.append(("goodTillDate", str(order.expire_time_ns // _MS)))
        else:
            out.append(("timeInForce", _TIF[tif]))
    if order.reduce_only:
        out.append(("reduceOnly", "true"))
    out.append(("newOrderRespType", "RESULT"))
    return out


def _above_below(a: Order, b: Order) -> tuple[Order, Order]:
    """(above, below) legs of an OCO: a SELL's take-profit is above, a BUY's below."""
    from lyra.adapters.binance.capabilities import LIMIT_LEG_TYPES

    limit_leg, stop_leg = (a, b) if a.order_type in LIMIT_LEG_TYPES else (b, a)
    return (limit_leg, stop_leg) if a.side is OrderSide.SELL else (stop_leg, limit_leg)


def order_list_params(order_list: OrderList, symbol: str) -> tuple[str, list[tuple[str, str]]]:
    """The endpoint (``/api/v3/orderList/oco|oto|otoco``) and parameters of a spot list
    that :class:`~lyra.adapters.binance.BinanceCapabilities` accepts."""
    orders = order_list.orders
    common = [("symbol", symbol), ("listClientOrderId", order_list.order_list_id)]
    if len(orders) == 2 and order_list.parent is None:
        above, below = _above_below(*orders)
        params = [
            *common,
            ("side", _SIDE[above.side]),
            ("quantity", str(above.quantity)),
            *_leg(above, "above", with_side_qty=False),
            *_leg(below, "below", with_side_qty=False),
            ("newOrderRespType", "RESULT"),
        ]
        return "/api/v3/orderList/oco", params
    working, *pending = orders
    params = [*common, *_leg(working, "working")]
    if len(pending) == 1:
        params.extend(_leg(pending[0], "pending"))
        return "/api/v3/orderList/oto", [*params, ("newOrderRespType", "RESULT")]
    above, below = _above_below(*pending)
    params.extend(
        [
            ("pendingSide", _SIDE[above.side]),
            ("pendingQuantity", str(above.quantity)),
            *_leg(above, "pendingAbove", with_side_qty=False),
            *_leg(below, "pendingBelow", with_side_qty=False),
            ("newOrderRespType", "RESULT"),
        ]
    )
    return "/api/v3/orderList/otoco", params


# -- inbound: events -------------------------------------------------------------------------
def spot_events(
    msg: ExecutionReport,
    order: Order,
    ev: EventFactory,
    account_id: AccountId,
    instrument: Instrument,
) -> list[OrderEvent]:
    """The Lyra events an ``executionReport`` means for ``order``."""
    ts = msg.transaction_time * _MS
    vid = str(msg.order_id)
    x = msg.execution_type
    if x == "NEW":
        return [ev.accepted(order, vid, account_id=account_id, ts_event=ts)]
    if x in ("TRADE", "CALCULATED"):
        quote = instrument.quote_currency
        return [
            ev.filled(
                order,
                trade_id=str(msg.trade_id),
                last_qty=quantity_of(msg.last_qty, instrument),
                last_px=price_of(msg.last_price, instrument),
                commission=money(msg.commission, msg.commission_asset, quote),
                currency=quote,
                liquidity_side=LiquiditySide.MAKER if msg.is_maker else LiquiditySide.TAKER,
                venue_order_id=vid,
                account_id=account_id,
                ts_event=ts,
            )
        ]
    if x in ("CANCELED", "TRADE_PREVENTION") or (
        x == "EXPIRED" and order.time_in_force is not TimeInForce.GTD
    ):
        return [ev.canceled(order, venue_order_id=vid, account_id=account_id, ts_event=ts)]
    if x == "EXPIRED":
        return [ev.expired(order, venue_order_id=vid, account_id=account_id, ts_event=ts)]
    if x == "REJECTED":
        reason = msg.reject_reason
        return [
            ev.rejected(
                order,
                f"BINANCE: {reason}",
                reject_code(0, reason),
                venue_order_id=vid,
                account_id=account_id,
                ts_event=ts,
            )
        ]
    if x == "REPLACED":
        return [
            ev.updated(
                order,
                quantity=quantity_of(msg.quantity, instrument),
                venue_order_id=vid,
                account_id=account_id,
                ts_event=ts,
            )
        ]
    return []


def futures_events(
    msg: FuturesOrder,
    order: Order,
    ev: EventFactory,
    account_id: AccountId,
    instrument: Instrument,
    ts_ms: int,
) -> list[OrderEvent]:
    """The Lyra events an ``ORDER_TRADE_UPDATE`` means for ``order``."""
    ts = ts_ms * _MS
    vid = str(msg.order_id)
    x = msg.execution_type
    if x == "NEW":
        return [ev.accepted(order, vid, account_id=account_id, ts_event=ts)]
    if x in ("TRADE", "CALCULATED"):
        quote = instrument.quote_currency
        return [
            ev.filled(
                order,
                trade_id=str(msg.trade_id),
                last_qty=quantity_of(msg.last_qty, instrument),
                last_px=price_of(msg.last_price, instrument),
                commission=money(msg.commission or "0", msg.commission_asset, quote),
                currency=quote,
                liquidity_side=LiquiditySide.MAKER if msg.is_maker else LiquiditySide.TAKER,
                venue_order_id=vid,
                account_id=account_id,
                ts_event=ts,
            )
        ]
    if x == "CANCELED" or (x == "EXPIRED" and order.time_in_force is not TimeInForce.GTD):
        return [ev.canceled(order, venue_order_id=vid, account_id=account_id, ts_event=ts)]
    if x == "EXPIRED":
        return [ev.expired(order, venue_order_id=vid, account_id=account_id, ts_event=ts)]
    if x == "AMENDMENT":
        return [
            ev.updated(
                order,
                quantity=quantity_of(msg.quantity, instrument),
                price=price_of(msg.price, instrument),
                venue_order_id=vid,
                account_id=account_id,
                ts_event=ts,
            )
        ]
    return []


# -- inbound: reports ------------------------------------------------------------------------
def _opt_price(text: str, instrument: Instrument) -> Price | None:
    return None if not text or _parse(text) == 0 else price_of(text, instrument)


def spot_order_report(
    o: OrderResponse, instrument: Instrument, account_id: AccountId, now_ns: int
) -> OrderStatusReport:
    """A spot order (query / open orders / allOrders) as an
    :class:`~lyra.venue.OrderStatusReport`."""
    otype = _TYPE_BACK.get(o.order_type, _T.LIMIT)
    if otype is _T.STOP_MARKET and o.trailing_delta:
        otype = _T.TRAILING_STOP_MARKET
    filled = quantity_of(o.executed_qty, instrument)
    avg = None
    if filled.is_positive():
        avg = Decimal(o.cum_quote) / filled.as_decimal()
    iceberg = quantity_of(o.iceberg_qty, instrument) if o.iceberg_qty else None
    ts_last = (o.update_time or o.transact_time or o.time or 0) * _MS
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(o.order_id)),
        client_order_id=_client_id(o.client_order_id),
        side=side_of(o.side),
        order_type=otype,
        time_in_force=_TIF_BACK.get(o.time_in_force, TimeInForce.GTC),
        status=status_of(o.status, o.order_type, o.time_in_force),
        quantity=quantity_of(o.orig_qty, instrument),
        filled_qty=filled,
        price=_opt_price(o.price, instrument),
        trigger_price=_opt_price(o.stop_price, instrument),
        trigger_type=TriggerType.LAST_PRICE
        if otype not in (_T.MARKET, _T.LIMIT)
        else TriggerType.NO_TRIGGER,
        avg_px=avg,
        post_only=o.order_type == "LIMIT_MAKER",
        display_qty=iceberg if iceberg is not None and iceberg.is_positive() else None,
        ts_accepted=(o.time or o.transact_time or 0) * _MS or None,
        ts_last=ts_last,
        ts_init=now_ns,
    )


def spot_fill_report(
    t: SpotTrade, instrument: Instrument, account_id: AccountId, now_ns: int
) -> FillReport:
    """A ``myTrades`` entry as a :class:`~lyra.venue.FillReport`."""
    quote = instrument.quote_currency
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(t.order_id)),
        trade_id=TradeId(str(t.trade_id)),
        order_side=OrderSide.BUY if t.is_buyer else OrderSide.SELL,
        last_qty=quantity_of(t.qty, instrument),
        last_px=price_of(t.price, instrument),
        currency=quote,
        commission=money(t.commission, t.commission_asset, quote),
        liquidity_side=LiquiditySide.MAKER if t.is_maker else LiquiditySide.TAKER,
        ts_event=t.time * _MS,
        ts_init=now_ns,
    )


def futures_order_report(
    o: FuturesOrderResponse, instrument: Instrument, account_id: AccountId, now_ns: int
) -> OrderStatusReport:
    """A futures order as an :class:`~lyra.venue.OrderStatusReport`."""
    filled = quantity_of(o.executed_qty, instrument)
    avg = Decimal(o.avg_price) if filled.is_positive() else None
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(o.order_id)),
        client_order_id=_client_id(o.client_order_id),
        side=side_of(o.side),
        order_type=_TYPE_BACK.get(o.order_type, _T.LIMIT),
        time_in_force=_TIF_BACK.get(o.time_in_force, TimeInForce.GTC),
        status=status_of(o.status, o.order_type, o.time_in_force),
        quantity=quantity_of(o.orig_qty, instrument),
        filled_qty=filled,
        price=_opt_price(o.price, instrument),
        trigger_price=_opt_price(o.stop_price, instrument),
        avg_px=avg,
        post_only=o.time_in_force == "GTX",
        reduce_only=o.reduce_only,
        expire_time_ns=o.good_till_date * _MS if o.good_till_date else None,
        ts_accepted=(o.time or 0) * _MS or None,
        ts_last=(o.update_time or o.time or 0) * _MS,
        ts_init=now_ns,
    )


def futures_fill_report(
    t: FuturesTrade, instrument: Instrument, account_id: AccountId, now_ns: int
) -> FillReport:
    """A ``userTrades`` entry as a :class:`~lyra.venue.FillReport`."""
    quote = instrument.quote_currency
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(t.order_id)),
        trade_id=TradeId(str(t.trade_id)),
        order_side=side_of(t.side),
        last_qty=quantity_of(t.qty, instrument),
        last_px=price_of(t.price, instrument),
        currency=quote,
        commission=money(t.commission, t.commission_asset, quote),
        liquidity_side=LiquiditySide.MAKER if t.maker else LiquiditySide.TAKER,
        ts_event=t.time * _MS,
        ts_init=now_ns,
    )
