"""Binance message types, one :class:`msgspec.Struct` per message, spot and USD-M futures.

Field names are Binance's own (``U``, ``u``, ``pu`` ...) mapped to readable attribute names
with ``msgspec.field(name=...)``. Unknown fields are ignored, so Binance adding a field
breaks nothing; a missing required field or a wrong type fails decoding (counted and
reported by :class:`~lyra.adapters.MessageDecoder`). Prices and quantities stay the
decimal strings Binance sends: they are converted exactly, at the edge, by the code that
needs them.

Groups: market streams (:class:`StreamEnvelope`, :class:`DepthUpdate`, :class:`Trade`,
:class:`AggTrade`, :class:`BookTicker`, :class:`KlineEvent`); REST market data
(:class:`DepthSnapshot`, :class:`ExchangeInfo`, :class:`ServerTime`); the spot user data
stream (:class:`UserEventEnvelope`, :class:`ExecutionReport`, :class:`ListStatus`,
:class:`OutboundAccountPosition`, :class:`BalanceUpdate`, :class:`StreamTerminated`);
the futures user data stream (:class:`OrderTradeUpdate`, :class:`AccountUpdate`,
:class:`ListenKeyExpired`); REST trading answers (:class:`OrderResponse`,
:class:`OrderListResponse`, :class:`AmendResponse`, :class:`SpotTrade`,
:class:`SpotAccount`, :class:`FuturesOrderResponse`, :class:`FuturesTrade`,
:class:`PositionRisk`, :class:`FuturesBalance`, :class:`ListenKey`); the websocket API
envelope (:class:`WsApiResponse`); and :class:`ErrorBody`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import field

__all__ = (
    "AccountUpdate",
    "AccountUpdateData",
    "AggTrade",
    "AmendResponse",
    "BalanceUpdate",
    "BookTicker",
    "DepthSnapshot",
    "DepthUpdate",
    "ErrorBody",
    "EventHead",
    "ExchangeInfo",
    "ExecutionReport",
    "FuturesBalance",
    "FuturesBalanceChange",
    "FuturesOrder",
    "FuturesOrderResponse",
    "FuturesPositionChange",
    "FuturesTrade",
    "Kline",
    "KlineEvent",
    "ListOrder",
    "ListStatus",
    "ListenKey",
    "ListenKeyExpired",
    "OrderListResponse",
    "OrderResponse",
    "OrderTradeUpdate",
    "OutboundAccountPosition",
    "PositionRisk",
    "RateLimitInfo",
    "ServerTime",
    "SpotAccount",
    "SpotBalance",
    "SpotTrade",
    "StreamEnvelope",
    "StreamTerminated",
    "SymbolInfo",
    "Trade",
    "UserEventEnvelope",
    "WsApiError",
    "WsApiResponse",
)

Level = tuple[str, str]


# -- market streams -------------------------------------------------------------------------
class StreamEnvelope(msgspec.Struct, gc=False):
    """A combined-stream frame: ``{"stream": "btcusdt@depth@100ms", "data": {...}}``."""

    stream: str
    data: msgspec.Raw


class EventHead(msgspec.Struct, gc=False):
    """Just the event type of a frame (``"e"``), to dispatch on before the full decode."""

    event: str = field(name="e", default="")


class DepthUpdate(msgspec.Struct, gc=False):
    """A diff-depth update; ``prev_final_id`` (``pu``) and ``transaction_time`` (``T``) are
    futures-only. Sizes are absolute; ``"0"`` removes the level."""

    event_time: int = field(name="E")
    symbol: str = field(name="s")
    first_id: int = field(name="U")
    final_id: int = field(name="u")
    bids: list[Level] = field(name="b")
    asks: list[Level] = field(name="a")
    prev_final_id: int | None = field(name="pu", default=None)
    transaction_time: int | None = field(name="T", default=None)


class Trade(msgspec.Struct, gc=False):
    """A ``<symbol>@trade`` message; ``buyer_is_maker`` (``m``) means the seller took."""

    event_time: int = field(name="E")
    symbol: str = field(name="s")
    trade_id: int = field(name="t")
    price: str = field(name="p")
    quantity: str = field(name="q")
    trade_time: int = field(name="T")
    buyer_is_maker: bool = field(name="m")


class AggTrade(msgspec.Struct, gc=False):
    """A ``<symbol>@aggTrade`` message (trades of one taker order at one price)."""

    event_time: int = field(name="E")
    symbol: str = field(name="s")
    agg_id: int = field(name="a")
    price: str = field(name="p")
    quantity: str = field(name="q")
    first_trade_id: int = field(name="f")
    last_trade_id: int = field(name="l")
    trade_time: int = field(name="T")
    buyer_is_maker: bool = field(name="m")


class BookTicker(msgspec.Struct, gc=False):
    """A ``<symbol>@bookTicker`` message (best bid and offer); futures add ``E``/``T``."""

    update_id: int = field(name="u")
    symbol: str = field(name="s")
    bid_price: str = field(name="b")
    bid_qty: str = field(name="B")
    ask_price: str = field(name="a")
    ask_qty: str = field(name="A")
    event_time: int | None = field(name="E", default=None)
    transaction_time: int | None = field(name="T", default=None)


class Kline(msgspec.Struct, gc=False):
    """The candle inside a kline event; ``closed`` (``x``) is true once it is final."""

    start_time: int = field(name="t")
    close_time: int = field(name="T")
    symbol: str = field(name="s")
    interval: str = field(name="i")
    open: str = field(name="o")
    close: str = field(name="c")
    high: str = field(name="h")
    low: str = field(name="l")
    volume: str = field(name="v")
    trades: int = field(name="n")
    closed: bool = field(name="x")


class KlineEvent(msgspec.Struct, gc=False):
    """A ``<symbol>@kline_<interval>`` message."""

    event_time: int = field(name="E")
    symbol: str = field(name="s")
    kline: Kline = field(name="k")


# -- REST market data -----------------------------------------------------------------------
class DepthSnapshot(msgspec.Struct, gc=False):
    """``GET /api/v3/depth`` / ``GET /fapi/v1/depth``."""

    last_update_id: int = field(name="lastUpdateId")
    bids: list[Level]
    asks: list[Level]
    event_time: int | None = field(name="E", default=None)
    transaction_time: int | None = field(name="T", default=None)


class ServerTime(msgspec.Struct, gc=False):
    """``GET /api/v3/time``."""

    server_time: int = field(name="serverTime")


class RateLimitInfo(msgspec.Struct, gc=False):
    """One entry of exchangeInfo's ``rateLimits``."""

    kind: str = field(name="rateLimitType")
    interval: str
    interval_num: int = field(name="intervalNum")
    limit: int


class SymbolInfo(msgspec.Struct, gc=False):
    """One symbol of exchangeInfo, spot or futures (fields of the other market default)."""

    symbol: str
    status: str
    base_asset: str = field(name="baseAsset")
    quote_asset: str = field(name="quoteAsset")
    filters: list[dict[str, Any]] = []
    order_types: list[str] = field(name="orderTypes", default_factory=list)
    base_asset_precision: int = field(name="baseAssetPrecision", default=8)
    quote_asset_precision: int = field(name="quoteAssetPrecision", default=8)
    iceberg_allowed: bool = field(name="icebergAllowed", default=False)
    oco_allowed: bool = field(name="ocoAllowed", default=False)
    oto_allowed: bool = field(name="otoAllowed", default=False)
    quote_order_qty_market_allowed: bool = field(name="quoteOrderQtyMarketAllowed", default=False)
    allow_trailing_stop: bool = field(name="allowTrailingStop", default=False)
    amend_allowed: bool = field(name="amendAllowed", default=False)
    permissions: list[str] = []
    # futures
    contract_type: str = field(name="contractType", default="")
    margin_asset: str = field(name="marginAsset", default="")
    time_in_force: list[str] = field(name="timeInForce", default_factory=list)
    maint_margin_percent: str = field(name="maintMarginPercent", default="0")
    required_margin_percent: str = field(name="requiredMarginPercent", default="0")
    onboard_date: int = field(name="onboardDate", default=0)
    delivery_date: int = field(name="deliveryDate", default=0)


class ExchangeInfo(msgspec.Struct, gc=False):
    """``GET /api/v3/exchangeInfo`` / ``GET /fapi/v1/exchangeInfo``."""

    server_time: int = field(name="serverTime")
    rate_limits: list[RateLimitInfo] = field(name="rateLimits", default_factory=list)
    symbols: list[SymbolInfo] = []
    timezone: str = "UTC"


# -- spot user data stream ----------------------------------------------------------------
class UserEventEnvelope(msgspec.Struct, gc=False):
    """A user data event on the websocket API: ``{"subscriptionId": 0, "event": {...}}``."""

    subscription_id: int = field(name="subscriptionId")
    event: msgspec.Raw


class ExecutionReport(msgspec.Struct, gc=False):
    """A spot ``executionReport``: one change of one order."""

    event_time: int = field(name="E")
    symbol: str = field(name="s")
    client_order_id: str = field(name="c")
    side: str = field(name="S")
    order_type: str = field(name="o")
    time_in_force: str = field(name="f")
    quantity: str = field(name="q")
    price: str = field(name="p")
    stop_price: str = field(name="P")
    execution_type: str = field(name="x")
    order_status: str = field(name="X")
    order_id: int = field(name="i")
    last_qty: str = field(name="l")
    cum_qty: str = field(name="z")
    last_price: str = field(name="L")
    commission: str = field(name="n")
    commission_asset: str | None = field(name="N")
    transaction_time: int = field(name="T")
    trade_id: int = field(name="t")
    is_maker: bool = field(name="m")
    creation_time: int = field(name="O")
    cum_quote: str = field(name="Z")
    iceberg_qty: str = field(name="F", default="0")
    order_list_id: int = field(name="g", default=-1)
    orig_client_order_id: str = field(name="C", default="")
    reject_reason: str = field(name="r", default="NONE")
    is_working: bool = field(name="w", default=False)
    trailing_delta: int | None = field(name="d", default=None)
    working_time: int | None = field(name="W", default=None)
    expiry_reason: str | None = field(name="eR", default=None)


class ListOrder(msgspec.Struct, gc=False):
    """One member of a list status (``{"s", "i", "c"}``)."""

    symbol: str = field(name="s")
    order_id: int = field(name="i")
    client_order_id: str = field(name="c")


class ListStatus(msgspec.Struct, gc=False):
    """A spot ``listStatus`` (an OCO/OTO/OTOCO list changed)."""

    event_time: int = field(name="E")
    symbol: str = field(name="s")
    order_list_id: int = field(name="g")
    contingency_type: str = field(name="c")
    list_status_type: str = field(name="l")
    list_order_status: str = field(name="L")
    list_client_order_id: str = field(name="C")
    transaction_time: int = field(name="T")
    orders: list[ListOrder] = field(name="O")
    reject_reason: str = field(name="r", default="NONE")


class SpotBalance(msgspec.Struct, gc=False):
    """One balance (``{"a", "f", "l"}`` on the stream; ``asset/free/locked`` over REST)."""

    asset: str
    free: str
    locked: str


class _StreamBalance(msgspec.Struct, gc=False):
    asset: str = field(name="a")
    free: str = field(name="f")
    locked: str = field(name="l")


class OutboundAccountPosition(msgspec.Struct, gc=False):
    """A spot ``outboundAccountPosition``: the balances an event changed."""

    event_time: int = field(name="E")
    last_update: int = field(name="u")
    balances: list[_StreamBalance] = field(name="B")


class BalanceUpdate(msgspec.Struct, gc=False):
    """A spot ``balanceUpdate`` (deposit, withdrawal, transfer)."""

    event_time: int = field(name="E")
    asset: str = field(name="a")
    delta: str = field(name="d")
    clear_time: int = field(name="T")


class StreamTerminated(msgspec.Struct, gc=False):
    """``eventStreamTerminated``: the subscription ended (log out, key revoked)."""

    event_time: int = field(name="E")


# -- futures user data stream ---------------------------------------------------------------
class FuturesOrder(msgspec.Struct, gc=False):
    """The order inside an ``ORDER_TRADE_UPDATE``."""

    symbol: str = field(name="s")
    client_order_id: str = field(name="c")
    side: str = field(name="S")
    order_type: str = field(name="o")
    time_in_force: str = field(name="f")
    quantity: str = field(name="q")
    price: str = field(name="p")
    avg_price: str = field(name="ap")
    stop_price: str = field(name="sp")
    execution_type: str = field(name="x")
    order_status: str = field(name="X")
    order_id: int = field(name="i")
    last_qty: str = field(name="l")
    cum_qty: str = field(name="z")
    last_price: str = field(name="L")
    trade_time: int = field(name="T")
    trade_id: int = field(name="t")
    is_maker: bool = field(name="m")
    reduce_only: bool = field(name="R")
    commission_asset: str | None = field(name="N", default=None)
    commission: str | None = field(name="n", default=None)
    position_side: str = field(name="ps", default="BOTH")
    realized_pnl: str = field(name="rp", default="0")
    original_type: str = field(name="ot", default="")
    good_till_date: int | None = field(name="gtd", default=None)


class OrderTradeUpdate(msgspec.Struct, gc=False):
    """A futures ``ORDER_TRADE_UPDATE``."""

    event_time: int = field(name="E")
    transaction_time: int = field(name="T")
    order: FuturesOrder = field(name="o")


class FuturesBalanceChange(msgspec.Struct, gc=False):
    """A balance inside an ``ACCOUNT_UPDATE``."""

    asset: str = field(name="a")
    wallet_balance: str = field(name="wb")
    cross_wallet_balance: str = field(name="cw", default="0")
    balance_change: str = field(name="bc", default="0")


class FuturesPositionChange(msgspec.Struct, gc=False):
    """A position inside an ``ACCOUNT_UPDATE``."""

    symbol: str = field(name="s")
    amount: str = field(name="pa")
    entry_price: str = field(name="ep")
    unrealized_pnl: str = field(name="up", default="0")
    position_side: str = field(name="ps", default="BOTH")


class AccountUpdateData(msgspec.Struct, gc=False):
    """The body of an ``ACCOUNT_UPDATE``."""

    reason: str = field(name="m")
    balances: list[FuturesBalanceChange] = field(name="B")
    positions: list[FuturesPositionChange] = field(name="P")


class AccountUpdate(msgspec.Struct, gc=False):
    """A futures ``ACCOUNT_UPDATE`` (balances and positions after an event)."""

    event_time: int = field(name="E")
    transaction_time: int = field(name="T")
    data: AccountUpdateData = field(name="a")


class ListenKeyExpired(msgspec.Struct, gc=False):
    """``listenKeyExpired``: the stream's listen key lapsed; get a new one."""

    event_time: int = field(name="E")


# -- REST trading answers -------------------------------------------------------------------
class OrderResponse(msgspec.Struct, gc=False):
    """A spot order as REST returns it (new-order RESULT, query, open orders, cancel)."""

    symbol: str
    order_id: int = field(name="orderId")
    client_order_id: str = field(name="clientOrderId")
    order_list_id: int = field(name="orderListId", default=-1)
    transact_time: int | None = field(name="transactTime", default=None)
    price: str = "0"
    orig_qty: str = field(name="origQty", default="0")
    executed_qty: str = field(name="executedQty", default="0")
    cum_quote: str = field(name="cummulativeQuoteQty", default="0")
    status: str = ""
    time_in_force: str = field(name="timeInForce", default="GTC")
    order_type: str = field(name="type", default="")
    side: str = ""
    stop_price: str = field(name="stopPrice", default="0")
    iceberg_qty: str = field(name="icebergQty", default="0")
    time: int | None = None
    update_time: int | None = field(name="updateTime", default=None)
    working_time: int | None = field(name="workingTime", default=None)
    orig_client_order_id: str = field(name="origClientOrderId", default="")
    trailing_delta: int | None = field(name="trailingDelta", default=None)


class OrderListResponse(msgspec.Struct, gc=False):
    """A spot order list (OCO/OTO/OTOCO) as REST returns it."""

    order_list_id: int = field(name="orderListId")
    contingency_type: str = field(name="contingencyType")
    list_status_type: str = field(name="listStatusType")
    list_order_status: str = field(name="listOrderStatus")
    list_client_order_id: str = field(name="listClientOrderId")
    transaction_time: int = field(name="transactionTime")
    symbol: str
    orders: list[dict[str, Any]]
    order_reports: list[OrderResponse] = field(name="orderReports", default_factory=list)


class AmendResponse(msgspec.Struct, gc=False):
    """``PUT /api/v3/order/amend/keepPriority``."""

    transact_time: int = field(name="transactTime")
    amended_order: OrderResponse = field(name="amendedOrder")


class SpotTrade(msgspec.Struct, gc=False):
    """One fill of ``GET /api/v3/myTrades``."""

    symbol: str
    trade_id: int = field(name="id")
    order_id: int = field(name="orderId")
    price: str
    qty: str
    commission: str
    commission_asset: str = field(name="commissionAsset")
    time: int
    is_buyer: bool = field(name="isBuyer")
    is_maker: bool = field(name="isMaker")
    quote_qty: str = field(name="quoteQty", default="0")


class SpotAccount(msgspec.Struct, gc=False):
    """``GET /api/v3/account``."""

    balances: list[SpotBalance]
    update_time: int = field(name="updateTime", default=0)
    can_trade: bool = field(name="canTrade", default=True)


class FuturesOrderResponse(msgspec.Struct, gc=False):
    """A futures order as REST returns it."""

    symbol: str
    order_id: int = field(name="orderId")
    client_order_id: str = field(name="clientOrderId")
    price: str = "0"
    orig_qty: str = field(name="origQty", default="0")
    executed_qty: str = field(name="executedQty", default="0")
    cum_quote: str = field(name="cumQuote", default="0")
    avg_price: str = field(name="avgPrice", default="0")
    status: str = ""
    time_in_force: str = field(name="timeInForce", default="GTC")
    order_type: str = field(name="type", default="")
    side: str = ""
    stop_price: str = field(name="stopPrice", default="0")
    reduce_only: bool = field(name="reduceOnly", default=False)
    position_side: str = field(name="positionSide", default="BOTH")
    time: int | None = None
    update_time: int | None = field(name="updateTime", default=None)
    good_till_date: int | None = field(name="goodTillDate", default=None)


class FuturesTrade(msgspec.Struct, gc=False):
    """One fill of ``GET /fapi/v1/userTrades``."""

    symbol: str
    trade_id: int = field(name="id")
    order_id: int = field(name="orderId")
    side: str
    price: str
    qty: str
    commission: str
    commission_asset: str = field(name="commissionAsset")
    time: int
    maker: bool
    realized_pnl: str = field(name="realizedPnl", default="0")


class PositionRisk(msgspec.Struct, gc=False):
    """One position of ``GET /fapi/v2/positionRisk``."""

    symbol: str
    position_amt: str = field(name="positionAmt")
    entry_price: str = field(name="entryPrice")
    position_side: str = field(name="positionSide", default="BOTH")
    update_time: int = field(name="updateTime", default=0)
    unrealized_profit: str = field(name="unRealizedProfit", default="0")


class FuturesBalance(msgspec.Struct, gc=False):
    """One asset of ``GET /fapi/v2/balance``."""

    asset: str
    balance: str
    available_balance: str = field(name="availableBalance")
    update_time: int = field(name="updateTime", default=0)


class ListenKey(msgspec.Struct, gc=False):
    """``POST /fapi/v1/listenKey``."""

    listen_key: str = field(name="listenKey")


class ErrorBody(msgspec.Struct, gc=False):
    """An error answer: ``{"code": -1121, "msg": "Invalid symbol."}``."""

    code: int
    msg: str = ""


class WsApiError(msgspec.Struct, gc=False):
    """The ``error`` of a websocket API answer."""

    code: int
    msg: str = ""


class WsApiResponse(msgspec.Struct, gc=False):
    """A websocket API answer: ``{"id", "status", "result" | "error"}``."""

    id: str | int | None
    status: int
    result: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    error: WsApiError | None = None
