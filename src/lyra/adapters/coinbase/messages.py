"""Coinbase Advanced Trade messages as msgspec Structs, and the functions that decode them.

Every websocket message is an envelope ``{"channel", "client_id", "timestamp",
"sequence_num", "events": [...]}`` (docs.cdp.coinbase.com, "Advanced Trade WebSocket
channels"); the ``channel`` value picks the Struct. ``sequence_num`` counts every message on
the connection, whatever its channel, which is why it sits on each envelope here.

=====================  =======================  ======================================
``channel`` value      Struct                   ``events`` items
=====================  =======================  ======================================
``l2_data``            L2DataMessage            :class:`L2Event` (``level2`` channel)
``market_trades``      TradesMessage            :class:`TradesEvent`
``ticker``             TickerMessage            :class:`TickerEvent`
``ticker_batch``       TickerBatchMessage       :class:`TickerEvent`
``heartbeats``         HeartbeatsMessage        :class:`HeartbeatEvent`
``candles``            CandlesMessage           :class:`CandlesEvent`
``status``             StatusMessage            :class:`StatusEvent`
``user``               UserMessage              :class:`UserEvent`
``subscriptions``      SubscriptionsMessage     :class:`SubscriptionsEvent`
any other              UnknownChannelMessage    kept as decoded JSON
(no channel)           WsError                  ``{"type": "error", "message", "reason"}``
=====================  =======================  ======================================

REST bodies have one Struct each (:class:`ProductsResponse`, :class:`CreateOrderResponse`,
:class:`CancelOrdersResponse`, :class:`EditOrderResponse`, :class:`GetOrderResponse`,
:class:`ListOrdersResponse`, :class:`ListFillsResponse`, :class:`ListAccountsResponse`,
:class:`ProductBookResponse`, :class:`ErrorResponse`), and requests too
(:class:`CreateOrderRequest` with :class:`OrderConfiguration`, :class:`CancelOrdersRequest`,
:class:`EditOrderRequest`, :class:`SubscribeRequest`), so a fake server decodes what a client
encodes with the same types.

Prices, sizes and money stay decimal **strings**, exactly as sent; conversion to Lyra values
happens where the instrument is known (:mod:`lyra.adapters.coinbase.book`,
:mod:`lyra.adapters.coinbase.orders`). Unknown fields are ignored, so a field Coinbase adds
breaks nothing. A missing required field, a wrong type or a bad enum value raises
:class:`~lyra.errors.MalformedMessage` whose message names the
message kind and the JSON path (``l2_data: Invalid enum value 'ask' - at
`$.events[0].updates[1].side```); its ``excerpt`` holds the start of the message.
"""

from __future__ import annotations

from typing import Any, Final, Literal, TypeAlias, TypeVar

import msgspec

from lyra.errors import MalformedMessage

__all__ = (
    "Account",
    "AccountBalance",
    "CancelOrdersRequest",
    "CancelOrdersResponse",
    "CancelResult",
    "Candle",
    "CandlesEvent",
    "CandlesMessage",
    "CreateOrderError",
    "CreateOrderRequest",
    "CreateOrderResponse",
    "CreateOrderSuccess",
    "EditOrderError",
    "EditOrderRequest",
    "EditOrderResponse",
    "ErrorResponse",
    "Fill",
    "GetOrderResponse",
    "HeartbeatEvent",
    "HeartbeatsMessage",
    "L2DataMessage",
    "L2Event",
    "L2Update",
    "LimitLimitFok",
    "LimitLimitGtc",
    "LimitLimitGtd",
    "ListAccountsResponse",
    "ListFillsResponse",
    "ListOrdersResponse",
    "MarketIoc",
    "MarketTrade",
    "Order",
    "OrderConfiguration",
    "PriceBook",
    "PriceLevel",
    "Product",
    "ProductBookResponse",
    "ProductsResponse",
    "RestMessage",
    "SorLimitIoc",
    "StatusEvent",
    "StatusMessage",
    "StatusProduct",
    "StopLimitGtc",
    "StopLimitGtd",
    "SubscribeRequest",
    "SubscriptionsEvent",
    "SubscriptionsMessage",
    "Ticker",
    "TickerBatchMessage",
    "TickerEvent",
    "TickerMessage",
    "TradesEvent",
    "TradesMessage",
    "TriggerBracketGtc",
    "TriggerBracketGtd",
    "UnknownChannelMessage",
    "UserEvent",
    "UserMessage",
    "UserOrder",
    "WsError",
    "WsMessage",
    "decode_rest",
    "decode_ws",
    "encode",
)

_R = TypeVar("_R", bound=msgspec.Struct)


class _Struct(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Base of every Coinbase Struct (private)."""


class _Envelope(_Struct, frozen=True, kw_only=True, gc=False, tag_field="channel"):
    """Fields every websocket message carries (private base)."""

    client_id: str = ""
    timestamp: str = ""
    sequence_num: int


# -- level2 -----------------------------------------------------------------------------
class L2Update(_Struct, frozen=True, kw_only=True, gc=False):
    """One price level: ``new_quantity`` is the level's new total (``"0"`` removes it)."""

    side: Literal["bid", "offer"]
    event_time: str = ""
    price_level: str
    new_quantity: str


class L2Event(_Struct, frozen=True, kw_only=True, gc=False):
    """A whole book (``snapshot``) or the levels that changed (``update``) of one product."""

    type: Literal["snapshot", "update"]
    product_id: str
    updates: list[L2Update]


class L2DataMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="l2_data"):
    """A ``level2`` message (its channel reads ``l2_data``)."""

    events: list[L2Event]


# -- market_trades ----------------------------------------------------------------------
class MarketTrade(_Struct, frozen=True, kw_only=True, gc=False):
    """One public trade. ``side`` is Coinbase's; see
    :func:`lyra.adapters.coinbase.market.aggressor_side` for how it maps to the aggressor."""

    trade_id: str
    product_id: str
    price: str
    size: str
    side: Literal["BUY", "SELL"]
    time: str


class TradesEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """Trades collected over the last 250 ms (``update``) or the latest ones (``snapshot``)."""

    type: Literal["snapshot", "update"]
    trades: list[MarketTrade]


class TradesMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="market_trades"):
    """A ``market_trades`` message."""

    events: list[TradesEvent]


# -- ticker / ticker_batch ------------------------------------------------------------------
class Ticker(_Struct, frozen=True, kw_only=True, gc=False):
    """Last price, 24 h/52 w statistics and best bid/ask of one product."""

    type: str = "ticker"
    product_id: str
    price: str = ""
    volume_24_h: str = ""
    low_24_h: str = ""
    high_24_h: str = ""
    low_52_w: str = ""
    high_52_w: str = ""
    price_percent_chg_24_h: str = ""
    best_bid: str = ""
    best_bid_quantity: str = ""
    best_ask: str = ""
    best_ask_quantity: str = ""


class TickerEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """Tickers of a ``ticker`` or ``ticker_batch`` message."""

    type: Literal["snapshot", "update"]
    tickers: list[Ticker]


class TickerMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="ticker"):
    """A ``ticker`` message (sent on every trade)."""

    events: list[TickerEvent]


class TickerBatchMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="ticker_batch"):
    """A ``ticker_batch`` message (every 5 s)."""

    events: list[TickerEvent]


# -- heartbeats, candles, status, subscriptions ------------------------------------------
class HeartbeatEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """One heartbeat: the server's time (free text) and a counter that rises by 1 a second."""

    current_time: str = ""
    heartbeat_counter: int | str


class HeartbeatsMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="heartbeats"):
    """A ``heartbeats`` message."""

    events: list[HeartbeatEvent]


class Candle(_Struct, frozen=True, kw_only=True, gc=False):
    """A 5-minute candle; ``start`` is its opening time in UNIX seconds (a string)."""

    start: str
    high: str
    low: str
    open: str
    close: str
    volume: str
    product_id: str


class CandlesEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """Candles of a ``candles`` message."""

    type: Literal["snapshot", "update"]
    candles: list[Candle]


class CandlesMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="candles"):
    """A ``candles`` message."""

    events: list[CandlesEvent]


class StatusProduct(_Struct, frozen=True, kw_only=True, gc=False):
    """A product's trading status as the ``status`` channel reports it."""

    product_type: str = ""
    id: str
    base_currency: str = ""
    quote_currency: str = ""
    base_increment: str = ""
    quote_increment: str = ""
    display_name: str = ""
    status: str = ""
    status_message: str = ""
    min_market_funds: str = ""


class StatusEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """Products of a ``status`` message."""

    type: Literal["snapshot", "update"]
    products: list[StatusProduct]


class StatusMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="status"):
    """A ``status`` message."""

    events: list[StatusEvent]


class SubscriptionsEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """Every channel this connection is now subscribed to, with its product ids."""

    subscriptions: dict[str, list[str]]


class SubscriptionsMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="subscriptions"):
    """The answer to a subscribe or unsubscribe."""

    events: list[SubscriptionsEvent]


# -- user --------------------------------------------------------------------------------
class UserOrder(_Struct, frozen=True, kw_only=True, gc=False):
    """An order as the ``user`` channel reports it after each change.

    Quantities are cumulative (``cumulative_quantity``, ``total_fees``, ``filled_value``);
    the channel carries no per-fill trade id (see :class:`lyra.adapters.coinbase.orders.
    UserOrderTracker`). ``order_type`` is written ``Limit``/``Market``/``StopLimit`` here
    and ``LIMIT``/``MARKET``/``STOP_LIMIT`` in REST.
    """

    order_id: str
    client_order_id: str = ""
    product_id: str
    order_side: Literal["BUY", "SELL"]
    order_type: str = ""
    status: str
    time_in_force: str = ""
    cumulative_quantity: str = "0"
    leaves_quantity: str = "0"
    avg_price: str = "0"
    total_fees: str = "0"
    filled_value: str = ""
    number_of_fills: str | int = ""
    limit_price: str = ""
    stop_price: str = ""
    post_only: bool = False
    end_time: str = ""
    creation_time: str = ""
    cancel_reason: str = ""
    reject_reason: str = ""
    total_value_after_fees: str = ""
    trigger_status: str = ""
    product_type: str = ""
    outstanding_hold_amount: str = ""
    completion_percentage: str = ""


class UserEvent(_Struct, frozen=True, kw_only=True, gc=False):
    """Orders (and, for derivatives accounts, positions) of a ``user`` message. A
    ``snapshot`` lists open orders in batches of 50, possibly over several messages."""

    type: Literal["snapshot", "update"]
    orders: list[UserOrder] = []
    positions: Any = None


class UserMessage(_Envelope, frozen=True, kw_only=True, gc=False, tag="user"):
    """A ``user`` message."""

    events: list[UserEvent]


class UnknownChannelMessage(_Struct, frozen=True, kw_only=True, gc=False):
    """A message of a channel this module does not model (``futures_balance_summary``, a
    channel added later). Its ``sequence_num`` still counts toward the connection's."""

    channel: str
    client_id: str = ""
    timestamp: str = ""
    sequence_num: int | None = None
    events: Any = None


class WsError(_Struct, frozen=True, kw_only=True, gc=False):
    """``{"type": "error", "message": ..., "reason": ...}``: a refused subscribe, a failed
    authentication (``"authentication failure"``), a malformed request."""

    type: Literal["error"]
    message: str = ""
    reason: str = ""


WsMessage: TypeAlias = (
    L2DataMessage
    | TradesMessage
    | TickerMessage
    | TickerBatchMessage
    | HeartbeatsMessage
    | CandlesMessage
    | StatusMessage
    | UserMessage
    | SubscriptionsMessage
    | UnknownChannelMessage
    | WsError
)
"""Anything :func:`decode_ws` returns."""


class SubscribeRequest(_Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``{"type": "subscribe"|"unsubscribe", "product_ids", "channel", "jwt"}``: one channel
    per message; ``jwt`` is required for ``user`` and recommended for all; an empty
    ``product_ids`` is left out (``heartbeats``, ``user`` for every product)."""

    type: Literal["subscribe", "unsubscribe"]  # no default: omit_defaults would drop it
    product_ids: list[str] = []
    channel: str
    jwt: str | None = None


# -- order configurations (requests and responses) --------------------------------------------
class _Config(_Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """Base of the order configuration Structs (private)."""


class MarketIoc(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``market_market_ioc`` (and ``market_market_fok``): exactly one of the sizes."""

    quote_size: str | None = None
    base_size: str | None = None


class SorLimitIoc(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``sor_limit_ioc``: a limit order whose rest is canceled at once."""

    quote_size: str | None = None
    base_size: str | None = None
    limit_price: str


class LimitLimitGtc(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``limit_limit_gtc``."""

    quote_size: str | None = None
    base_size: str | None = None
    limit_price: str
    post_only: bool = False


class LimitLimitGtd(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``limit_limit_gtd``: ``end_time`` is RFC 3339."""

    quote_size: str | None = None
    base_size: str | None = None
    limit_price: str
    end_time: str
    post_only: bool = False


class LimitLimitFok(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``limit_limit_fok``."""

    quote_size: str | None = None
    base_size: str | None = None
    limit_price: str


class StopLimitGtc(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``stop_limit_stop_limit_gtc``: triggers when the last trade crosses ``stop_price``
    in ``stop_direction``."""

    base_size: str | None = None
    limit_price: str
    stop_price: str
    stop_direction: Literal["STOP_DIRECTION_STOP_UP", "STOP_DIRECTION_STOP_DOWN"]


class StopLimitGtd(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``stop_limit_stop_limit_gtd``."""

    base_size: str | None = None
    limit_price: str
    stop_price: str
    end_time: str
    stop_direction: Literal["STOP_DIRECTION_STOP_UP", "STOP_DIRECTION_STOP_DOWN"]


class TriggerBracketGtc(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``trigger_bracket_gtc``: a limit order at ``limit_price`` that is exited by a
    stop-limit (5% collar) when the last trade reaches ``stop_trigger_price``. As an
    ``attached_order_configuration`` the size is left out."""

    base_size: str | None = None
    limit_price: str
    stop_trigger_price: str


class TriggerBracketGtd(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``trigger_bracket_gtd``."""

    base_size: str | None = None
    limit_price: str
    stop_trigger_price: str
    end_time: str


class OrderConfiguration(_Config, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """``order_configuration``: exactly one field set (:attr:`kind` names it). A kind this
    module does not model (``twap_limit_gtd``, ``scaled_...``) decodes with none set."""

    market_market_ioc: MarketIoc | None = None
    market_market_fok: MarketIoc | None = None
    sor_limit_ioc: SorLimitIoc | None = None
    limit_limit_gtc: LimitLimitGtc | None = None
    limit_limit_gtd: LimitLimitGtd | None = None
    limit_limit_fok: LimitLimitFok | None = None
    stop_limit_stop_limit_gtc: StopLimitGtc | None = None
    stop_limit_stop_limit_gtd: StopLimitGtd | None = None
    trigger_bracket_gtc: TriggerBracketGtc | None = None
    trigger_bracket_gtd: TriggerBracketGtd | None = None

    @property
    def kind(self) -> str:
        """The name of the one field that is set (``""`` if none is)."""
        for name in self.__struct_fields__:
            if getattr(self, name) is not None:
                return name
        return ""

    @property
    def value(self) -> _Config | None:
        """The one configuration that is set."""
        kind = self.kind
        return getattr(self, kind) if kind else None


class CreateOrderRequest(_Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """Body of ``POST /api/v3/brokerage/orders``."""

    client_order_id: str
    product_id: str
    side: Literal["BUY", "SELL"]
    order_configuration: OrderConfiguration
    attached_order_configuration: OrderConfiguration | None = None
    retail_portfolio_id: str | None = None
    preview_id: str | None = None
    leverage: str | None = None
    margin_type: str | None = None


class CancelOrdersRequest(_Struct, frozen=True, kw_only=True, gc=False):
    """Body of ``POST /api/v3/brokerage/orders/batch_cancel``."""

    order_ids: list[str]


class EditOrderRequest(_Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """Body of ``POST /api/v3/brokerage/orders/edit`` (GTC limit orders: price and size)."""

    order_id: str
    price: str
    size: str


# -- REST responses ---------------------------------------------------------------------------
class CreateOrderSuccess(_Struct, frozen=True, kw_only=True, gc=False):
    """``success_response`` of a created order."""

    order_id: str
    product_id: str = ""
    side: str = ""
    client_order_id: str = ""
    attached_order_id: str = ""


class CreateOrderError(_Struct, frozen=True, kw_only=True, gc=False):
    """``error_response`` of a refused order; ``new_order_failure_reason`` supersedes
    ``error`` and ``preview_failure_reason`` (see :mod:`lyra.adapters.coinbase.codes`)."""

    error: str = ""
    message: str = ""
    error_details: str = ""
    preview_failure_reason: str = ""
    new_order_failure_reason: str = ""


class CreateOrderResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``POST /orders``: ``success`` with ``success_response``, or not with
    ``error_response`` (``failure_reason`` is an older top-level field)."""

    success: bool
    success_response: CreateOrderSuccess | None = None
    error_response: CreateOrderError | None = None
    failure_reason: str = ""
    order_id: str = ""
    order_configuration: OrderConfiguration | None = None


class CancelResult(_Struct, frozen=True, kw_only=True, gc=False):
    """One order's cancel outcome; ``failure_reason`` is meaningful when not ``success``."""

    success: bool
    failure_reason: str = ""
    order_id: str = ""


class CancelOrdersResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``POST /orders/batch_cancel``: one result per order id."""

    results: list[CancelResult]


class EditOrderError(_Struct, frozen=True, kw_only=True, gc=False):
    """Why an edit failed."""

    edit_failure_reason: str = ""
    preview_failure_reason: str = ""


class EditOrderResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``POST /orders/edit``."""

    success: bool
    errors: list[EditOrderError] = []


class Order(_Struct, frozen=True, kw_only=True, gc=False):
    """An order as ``GET /orders/historical/{id}`` and ``.../batch`` report it."""

    order_id: str
    product_id: str
    side: Literal["BUY", "SELL"]
    client_order_id: str = ""
    order_configuration: OrderConfiguration | None = None
    status: str
    time_in_force: str = ""
    created_time: str = ""
    completion_percentage: str = ""
    filled_size: str = "0"
    average_filled_price: str = "0"
    number_of_fills: str | int = ""
    filled_value: str = ""
    pending_cancel: bool = False
    size_in_quote: bool = False
    total_fees: str = "0"
    size_inclusive_of_fees: bool = False
    total_value_after_fees: str = ""
    trigger_status: str = ""
    order_type: str = ""
    reject_reason: str = ""
    reject_message: str = ""
    cancel_message: str = ""
    settled: bool = False
    product_type: str = ""
    outstanding_hold_amount: str = ""
    last_fill_time: str | None = None
    retail_portfolio_id: str = ""
    attached_order_id: str = ""
    originating_order_id: str = ""


class GetOrderResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``GET /orders/historical/{order_id}``."""

    order: Order


class ListOrdersResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``GET /orders/historical/batch`` (paged by ``cursor``)."""

    orders: list[Order]
    sequence: str = ""
    has_next: bool = False
    cursor: str = ""


class Fill(_Struct, frozen=True, kw_only=True, gc=False):
    """One execution, from ``GET /orders/historical/fills``; ``commission`` is in the quote
    currency, ``liquidity_indicator`` is ``MAKER``/``TAKER``."""

    entry_id: str = ""
    trade_id: str
    order_id: str
    trade_time: str
    trade_type: str = ""
    price: str
    size: str
    commission: str = "0"
    product_id: str
    sequence_timestamp: str = ""
    liquidity_indicator: str = ""
    size_in_quote: bool = False
    user_id: str = ""
    side: Literal["BUY", "SELL"]
    retail_portfolio_id: str = ""


class ListFillsResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``GET /orders/historical/fills``."""

    fills: list[Fill]
    cursor: str = ""


class AccountBalance(_Struct, frozen=True, kw_only=True, gc=False):
    """``{"value", "currency"}``."""

    value: str
    currency: str


class Account(_Struct, frozen=True, kw_only=True, gc=False):
    """One currency account: ``available_balance`` is free, ``hold`` is locked by orders."""

    uuid: str
    name: str = ""
    currency: str
    available_balance: AccountBalance
    hold: AccountBalance | None = None
    default: bool = False
    active: bool = True
    type: str = ""
    ready: bool = True
    retail_portfolio_id: str = ""


class ListAccountsResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``GET /api/v3/brokerage/accounts`` (paged by ``cursor``)."""

    accounts: list[Account]
    has_next: bool = False
    cursor: str = ""
    size: int = 0


class Product(_Struct, frozen=True, kw_only=True, gc=False):
    """A product's metadata from ``GET /products`` (see
    :func:`lyra.adapters.coinbase.symbols.currency_pair`).

    ``alias`` names the product whose book this one shares (``BTC-USDC`` -> ``BTC-USD``:
    market channels of the alias carry the data); ``alias_to`` lists the reverse.
    """

    product_id: str
    price: str = ""
    base_increment: str
    quote_increment: str
    price_increment: str = ""
    base_min_size: str = ""
    base_max_size: str = ""
    quote_min_size: str = ""
    quote_max_size: str = ""
    status: str = ""
    trading_disabled: bool = False
    is_disabled: bool = False
    cancel_only: bool = False
    limit_only: bool = False
    post_only: bool = False
    auction_mode: bool = False
    view_only: bool = False
    product_type: str = "SPOT"
    base_currency_id: str = ""
    quote_currency_id: str = ""
    base_display_symbol: str = ""
    quote_display_symbol: str = ""
    display_name: str = ""
    alias: str = ""
    alias_to: list[str] = []


class ProductsResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``GET /api/v3/brokerage/products``."""

    products: list[Product]
    num_products: int = 0


class PriceLevel(_Struct, frozen=True, kw_only=True, gc=False):
    """``{"price", "size"}`` of the REST book."""

    price: str
    size: str


class PriceBook(_Struct, frozen=True, kw_only=True, gc=False):
    """A REST book snapshot."""

    product_id: str
    bids: list[PriceLevel]
    asks: list[PriceLevel]
    time: str = ""


class ProductBookResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """Answer of ``GET /api/v3/brokerage/product_book``."""

    pricebook: PriceBook


class ErrorResponse(_Struct, frozen=True, kw_only=True, gc=False):
    """An HTTP error body: ``{"error": "NOT_FOUND", "message", "error_details"}`` (some
    answers also carry a numeric gRPC ``code`` and ``details``)."""

    error: str = ""
    code: int | str | None = None
    message: str = ""
    error_details: str = ""
    details: Any = None


RestMessage: TypeAlias = (
    ProductsResponse
    | ProductBookResponse
    | CreateOrderResponse
    | CancelOrdersResponse
    | EditOrderResponse
    | GetOrderResponse
    | ListOrdersResponse
    | ListFillsResponse
    | ListAccountsResponse
    | ErrorResponse
    | CreateOrderRequest
    | CancelOrdersRequest
    | EditOrderRequest
    | SubscribeRequest
)
"""The REST bodies (and requests) :func:`decode_rest` reads."""


# -- decoding ---------------------------------------------------------------------------------
_CHANNELS: Final = (
    L2DataMessage,
    TradesMessage,
    TickerMessage,
    TickerBatchMessage,
    HeartbeatsMessage,
    CandlesMessage,
    StatusMessage,
    UserMessage,
    SubscriptionsMessage,
)
_KNOWN_CHANNELS: Final = frozenset(cls.__struct_config__.tag for cls in _CHANNELS)
_WS: Final = msgspec.json.Decoder(
    L2DataMessage
    | TradesMessage
    | TickerMessage
    | TickerBatchMessage
    | HeartbeatsMessage
    | CandlesMessage
    | StatusMessage
    | UserMessage
    | SubscriptionsMessage
)


class _Probe(msgspec.Struct, gc=False):
    channel: Any = None
    type: Any = None


_PROBE: Final = msgspec.json.Decoder(_Probe)
_UNKNOWN: Final = msgspec.json.Decoder(UnknownChannelMessage)
_ERROR: Final = msgspec.json.Decoder(WsError)
_REST: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_ENCODER: Final = msgspec.json.Encoder()


def _excerpt(data: bytes | str) -> str:
    text = data if isinstance(data, str) else bytes(data).decode("utf-8", "replace")
    return text[:200]


def _malformed(kind: str, exc: Exception, data: bytes | str) -> MalformedMessage:
    return MalformedMessage(f"{kind}: {exc}", kind=kind, excerpt=_excerpt(data), venue="COINBASE")


def decode_ws(data: bytes | str) -> WsMessage:
    """Decode one websocket frame into its Struct (see the module table).

    Raises :class:`~lyra.errors.MalformedMessage` naming the
    channel and the JSON path of what was wrong.
    """
    try:
        message: WsMessage = _WS.decode(data)
        return message
    except msgspec.ValidationError as exc:
        error = exc
    except msgspec.DecodeError as exc:
        raise _malformed("websocket message", exc, data) from None
    # Not a modelled channel, or a modelled one that is malformed: find out which.
    try:
        probe = _PROBE.decode(data)
    except msgspec.MsgspecError:
        raise _malformed("websocket message", error, data) from None
    channel = probe.channel
    try:
        if channel is None and probe.type == "error":
            return _ERROR.decode(data)
        if isinstance(channel, str) and channel not in _KNOWN_CHANNELS:
            return _UNKNOWN.decode(data)
    except msgspec.ValidationError as exc:
        raise _malformed(str(channel or "error"), exc, data) from None
    kind = channel if isinstance(channel, str) else "websocket message"
    raise _malformed(kind, error, data) from None


def decode_rest(data: bytes | str, kind: type[_R]) -> _R:
    """Decode a REST body (or request) as ``kind``, e.g. ``decode_rest(body,
    ProductsResponse)``; raises :class:`~lyra.errors.
    MalformedMessage` naming ``kind`` and the JSON path."""
    decoder = _REST.get(kind)
    if decoder is None:
        decoder = _REST[kind] = msgspec.json.Decoder(kind)
    try:
        return decoder.decode(data)  # type: ignore[no-any-return]
    except msgspec.MsgspecError as exc:
        raise _malformed(kind.__name__, exc, data) from None


def encode(message: msgspec.Struct) -> bytes:
    """A request (or, in a fake server, a response) as the JSON bytes Coinbase exchanges;
    fields left at ``None`` in request Structs are omitted."""
    return _ENCODER.encode(message)
