"""Kraken spot messages as typed ``msgspec`` structs: websocket v2, REST, and websocket v1
book frames (for recorded data).

Websocket v2: :func:`decode_ws` turns one text frame into one typed message:

====================================  ==========================================================
frame                                 type
====================================  ==========================================================
``book`` channel                      :class:`BookMessage` (``type`` snapshot/update)
``trade``                             :class:`TradesMessage`
``ticker`` (also its ``bbo`` trigger) :class:`TickerMessage`
``instrument``                        :class:`InstrumentMessage` (pairs and assets)
``executions`` (private)              :class:`ExecutionsMessage`
``status``                            :class:`StatusMessage`
``heartbeat``                         :class:`Heartbeat`
any other channel                     :class:`OtherChannel` (its ``data`` left undecoded)
a method reply (subscribe,            :class:`MethodResponse` (``success``, ``error``,
add_order, amend_order, cancel_order) ``result``)
``pong``                              :class:`Pong`
====================================  ==========================================================

v2 sends prices and quantities as JSON **numbers**; they are decoded straight to
:class:`~decimal.Decimal` from their text, so nothing is lost to binary floats (the book
checksum depends on it).

REST: :func:`decode_rest` reads the ``{"error": [...], "result": ...}`` envelope into a
:class:`RestResponse`; a non-empty ``error`` list means failure (see ``codes``). Result types:
:class:`AssetPairData` (``AssetPairs``, keyed by pair), :class:`AddOrderResult`,
:class:`CancelOrderResult`, :class:`AmendOrderResult`, :class:`OpenOrdersResult`,
:class:`TradesHistoryResult`, :class:`WebSocketsToken`, and plain dicts for ``Balance``.

Websocket v1 (``wss://ws.kraken.com``, the format of the recorded capture): only its book
frames and events are read, by :func:`decode_ws_v1`.

:func:`subscribe_request` builds a v2 ``subscribe``/``unsubscribe`` request.

Unknown fields are ignored everywhere. A malformed frame raises
:class:`~lyra.errors.InvalidInput` naming the message and the bad value's path.
"""

from __future__ import annotations

import calendar
from decimal import Decimal
from typing import Any, Final, Generic, TypeVar

import msgspec

from lyra.errors import InvalidInput

__all__ = (
    "AddOrderDescription",
    "AddOrderResult",
    "AmendOrderResult",
    "AssetInfo",
    "AssetPairData",
    "BalanceEx",
    "BookData",
    "BookLevel",
    "BookMessage",
    "CancelOrderResult",
    "ExecutionData",
    "ExecutionFee",
    "ExecutionsMessage",
    "Heartbeat",
    "InstrumentData",
    "InstrumentMessage",
    "KrakenWsMessage",
    "MethodResponse",
    "MethodResult",
    "OpenOrderDescription",
    "OpenOrderInfo",
    "OpenOrdersResult",
    "OtherChannel",
    "PairInfo",
    "Pong",
    "RestResponse",
    "StatusData",
    "StatusMessage",
    "TickerData",
    "TickerMessage",
    "TradeData",
    "TradeInfo",
    "TradesHistoryResult",
    "TradesMessage",
    "V1BookMessage",
    "V1Event",
    "WebSocketsToken",
    "decode_rest",
    "decode_ws",
    "decode_ws_v1",
    "parse_timestamp",
    "subscribe_request",
)

_T = TypeVar("_T")


class _Kraken(msgspec.Struct, frozen=True, gc=False):
    """Base of the Kraken structs (snake_case on the wire; unknown fields ignored)."""


# -- market data (v2) ---------------------------------------------------------------------------
class BookLevel(_Kraken, frozen=True):
    """One price level: ``qty`` 0 removes it."""

    price: Decimal
    qty: Decimal


class BookData(_Kraken, frozen=True):
    """One symbol's book snapshot or update; ``checksum`` is the unsigned CRC32 of the top
    10 levels after applying it."""

    symbol: str
    bids: list[BookLevel] = []
    asks: list[BookLevel] = []
    checksum: int | None = None
    timestamp: str = ""


class BookMessage(_Kraken, frozen=True):
    """A ``book`` channel message; ``type`` is ``snapshot`` or ``update``."""

    channel: str
    type: str
    data: list[BookData]


class TradeData(_Kraken, frozen=True):
    """One public trade; ``side`` is the taker's."""

    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    trade_id: int
    timestamp: str
    ord_type: str = ""


class TradesMessage(_Kraken, frozen=True):
    """A ``trade`` channel message (snapshot of recent trades, or updates)."""

    channel: str
    type: str
    data: list[TradeData]


class TickerData(_Kraken, frozen=True):
    """Best bid/ask and 24 h statistics of one symbol."""

    symbol: str
    bid: Decimal | None = None
    bid_qty: Decimal | None = None
    ask: Decimal | None = None
    ask_qty: Decimal | None = None
    last: Decimal | None = None
    volume: Decimal | None = None
    vwap: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    timestamp: str = ""


class TickerMessage(_Kraken, frozen=True):
    """A ``ticker`` channel message."""

    channel: str
    type: str
    data: list[TickerData]


class AssetInfo(_Kraken, frozen=True):
    """One asset of the ``instrument`` channel."""

    id: str
    status: str = ""
    precision: int = 8
    precision_display: int = 8
    borrowable: bool = False
    collateral_value: Decimal | None = None
    margin_rate: Decimal | None = None


class PairInfo(_Kraken, frozen=True):
    """One pair of the ``instrument`` channel: its grid and limits.

    ``price_precision``/``qty_precision`` are also the precisions the book checksum formats
    prices and quantities with.
    """

    symbol: str
    base: str
    quote: str
    price_increment: Decimal
    qty_increment: Decimal
    price_precision: int
    qty_precision: int
    status: str = "online"
    qty_min: Decimal | None = None
    cost_min: Decimal | None = None
    cost_precision: int | None = None
    marginable: bool = False
    has_index: bool = False
    margin_initial: Decimal | None = None
    position_limit_long: int | None = None
    position_limit_short: int | None = None
    tick_size: Decimal | None = None


class InstrumentData(_Kraken, frozen=True):
    """The ``instrument`` channel's payload: every asset and pair."""

    assets: list[AssetInfo] = []
    pairs: list[PairInfo] = []


class InstrumentMessage(_Kraken, frozen=True):
    """An ``instrument`` channel message."""

    channel: str
    type: str
    data: InstrumentData


# -- executions (v2, private) -------------------------------------------------------------------
class ExecutionFee(_Kraken, frozen=True):
    """One fee of an execution, in ``asset``."""

    asset: str
    qty: Decimal


class ExecutionData(_Kraken, frozen=True):
    """One ``executions`` event: an order's change (``exec_type``) and its state after it
    (``order_status``).

    ``exec_type``: ``pending_new``, ``new``, ``trade``, ``filled``, ``iceberg_refill``,
    ``canceled``, ``expired``, ``amended``, ``restated``, ``status``. ``order_status``:
    ``pending_new``, ``new``, ``partially_filled``, ``filled``, ``canceled``, ``expired``.
    The ``last_*``, ``exec_id``, ``trade_id``, ``liquidity_ind`` and ``fees`` fields are set
    on trades; ``cum_*``/``avg_price`` are cumulative.
    """

    order_id: str
    exec_type: str
    exec_id: str = ""
    order_status: str = ""
    symbol: str = ""
    side: str = ""
    order_type: str = ""
    order_qty: Decimal | None = None
    order_userref: int | None = None
    cl_ord_id: str = ""
    limit_price: Decimal | None = None
    limit_price_type: str = ""
    trigger_price: Decimal | None = None
    time_in_force: str = ""
    post_only: bool = False
    reduce_only: bool = False
    display_qty: Decimal | None = None
    expire_time: str = ""
    trade_id: int | None = None
    last_qty: Decimal | None = None
    last_price: Decimal | None = None
    liquidity_ind: str = ""
    cost: Decimal | None = None
    cum_qty: Decimal | None = None
    cum_cost: Decimal | None = None
    avg_price: Decimal | None = None
    fee_usd_equiv: Decimal | None = None
    fee_ccy_pref: str = ""
    fees: list[ExecutionFee] = []
    reason: str = ""
    amended: bool = False
    timestamp: str = ""


class ExecutionsMessage(_Kraken, frozen=True):
    """An ``executions`` message; ``sequence`` rises by one per message on a connection."""

    channel: str
    type: str
    data: list[ExecutionData]
    sequence: int | None = None


class StatusData(_Kraken, frozen=True):
    """The exchange's state: ``system`` is ``online``, ``maintenance``, ``cancel_only`` or
    ``post_only``."""

    system: str
    api_version: str = ""
    connection_id: int | None = None
    version: str = ""


class StatusMessage(_Kraken, frozen=True):
    """A ``status`` channel message (sent on connect and when the state changes)."""

    channel: str
    type: str
    data: list[StatusData]


class Heartbeat(_Kraken, frozen=True):
    """The ``heartbeat`` channel's once-a-second message."""


class OtherChannel(msgspec.Struct, frozen=True, gc=False):
    """A message of a channel this module does not model; ``data`` is the raw JSON."""

    channel: str
    type: str
    data: bytes


class MethodResult(_Kraken, frozen=True):
    """The ``result`` of a method reply: order ids for order methods, the subscription
    for ``subscribe``/``unsubscribe`` (fields not used by a method stay at their default)."""

    order_id: str = ""
    cl_ord_id: str = ""
    order_userref: int | None = None
    amend_id: str = ""
    channel: str = ""
    symbol: str = ""
    depth: int | None = None
    snapshot: bool | None = None
    warnings: list[str] = []


class MethodResponse(_Kraken, frozen=True):
    """The reply to a request (``method``); ``success`` false carries ``error``."""

    method: str
    success: bool = True
    req_id: int | None = None
    error: str = ""
    result: MethodResult | None = None
    time_in: str = ""
    time_out: str = ""


class Pong(_Kraken, frozen=True):
    """The reply to a ``ping`` request."""

    req_id: int | None = None
    time_in: str = ""
    time_out: str = ""


KrakenWsMessage = (
    BookMessage
    | TradesMessage
    | TickerMessage
    | InstrumentMessage
    | ExecutionsMessage
    | StatusMessage
    | Heartbeat
    | OtherChannel
    | MethodResponse
    | Pong
)
"""Everything :func:`decode_ws` returns."""


# -- websocket v1 (recorded data) ---------------------------------------------------------------
class V1BookMessage(msgspec.Struct, frozen=True, gc=False):
    """A v1 ``book-N`` frame: levels ``[price, volume, timestamp(, "r")]`` as strings.

    ``snapshot`` is true for the ``as``/``bs`` form. ``checksum`` (updates only) is the
    unsigned CRC32 as an int, ``None`` when absent.
    """

    channel_id: int
    channel_name: str
    pair: str
    snapshot: bool
    asks: list[list[str]]
    bids: list[list[str]]
    checksum: int | None = None


class V1Event(msgspec.Struct, frozen=True, gc=False):
    """A v1 event frame (``heartbeat``, ``systemStatus``, ``subscriptionStatus``, ...)."""

    event: str
    status: str = ""
    pair: str = ""
    channel_name: str = ""
    error_message: str = ""


# -- REST ---------------------------------------------------------------------------------------
class RestResponse(msgspec.Struct, Generic[_T], frozen=True, gc=False):
    """The REST envelope: an empty ``error`` list is success."""

    error: list[str] = []
    result: _T | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return not self.error


class AssetPairData(_Kraken, frozen=True):
    """One pair of ``GET /0/public/AssetPairs`` (the key of the result map is the pair)."""

    altname: str
    base: str
    quote: str
    pair_decimals: int
    lot_decimals: int
    wsname: str = ""
    cost_decimals: int | None = None
    tick_size: str = ""
    ordermin: str = ""
    costmin: str = ""
    status: str = "online"
    lot_multiplier: int = 1
    fees: list[tuple[Decimal, Decimal]] = []
    fees_maker: list[tuple[Decimal, Decimal]] = []
    leverage_buy: list[int] = []
    leverage_sell: list[int] = []


class AddOrderDescription(_Kraken, frozen=True):
    """``descr`` of an AddOrder result: the order (and its close order) in words."""

    order: str = ""
    close: str = ""


class AddOrderResult(_Kraken, frozen=True):
    """``POST /0/private/AddOrder``: the new order's ``txid`` list."""

    txid: list[str] = []
    descr: AddOrderDescription | None = None


class CancelOrderResult(_Kraken, frozen=True):
    """``POST /0/private/CancelOrder``: how many orders were canceled."""

    count: int = 0
    pending: bool = False


class AmendOrderResult(_Kraken, frozen=True):
    """``POST /0/private/AmendOrder``: the amend's id."""

    amend_id: str = ""


class OpenOrderDescription(_Kraken, frozen=True):
    """``descr`` of an order in ``OpenOrders``/``QueryOrders``."""

    pair: str
    type: str
    ordertype: str
    price: str = "0"
    price2: str = "0"
    leverage: str = ""
    order: str = ""
    close: str = ""


class OpenOrderInfo(_Kraken, frozen=True):
    """One order of ``POST /0/private/OpenOrders`` (keyed by txid).

    ``status``: ``pending``, ``open``, ``closed``, ``canceled``, ``expired``. ``vol`` is the
    quantity, ``vol_exec`` the filled part, ``price`` the average fill price, ``fee`` and
    ``cost`` in the quote currency; ``oflags`` is a comma-separated flag list (``post``).
    """

    status: str
    descr: OpenOrderDescription
    vol: str
    vol_exec: str = "0"
    opentm: float = 0.0
    closetm: float | None = None
    expiretm: float = 0.0
    cost: str = "0"
    fee: str = "0"
    price: str = "0"
    stopprice: str = "0"
    limitprice: str = "0"
    misc: str = ""
    oflags: str = ""
    userref: int | None = None
    cl_ord_id: str = ""
    reason: str | None = None


class OpenOrdersResult(_Kraken, frozen=True):
    """``POST /0/private/OpenOrders``: open orders by txid."""

    open: dict[str, OpenOrderInfo] = {}


class TradeInfo(_Kraken, frozen=True):
    """One fill of ``POST /0/private/TradesHistory`` (keyed by its txid).

    ``type`` is the order side; ``maker`` says whether it added liquidity; ``fee`` is in the
    quote currency; ``time`` is seconds since the epoch (a float on the wire).
    """

    ordertxid: str
    pair: str
    time: Decimal
    type: str
    ordertype: str
    price: str
    cost: str
    fee: str
    vol: str
    trade_id: int | None = None
    maker: bool | None = None
    postxid: str = ""
    misc: str = ""


class TradesHistoryResult(_Kraken, frozen=True):
    """``POST /0/private/TradesHistory``: fills by txid, and how many match in total."""

    trades: dict[str, TradeInfo] = {}
    count: int = 0


class BalanceEx(_Kraken, frozen=True):
    """One asset of ``POST /0/private/BalanceEx``: ``balance`` in total, ``hold_trade`` of
    it held by open orders."""

    balance: str
    hold_trade: str = "0"


class WebSocketsToken(_Kraken, frozen=True):
    """``POST /0/private/GetWebSocketsToken``: the token for private websocket requests
    (use it within ``expires`` seconds; it stays valid while a private subscription lasts)."""

    token: str
    expires: int = 900


# -- decoding -----------------------------------------------------------------------------------
class _Envelope(_Kraken, frozen=True):
    channel: str | None = None
    type: str = ""
    method: str | None = None
    data: msgspec.Raw = msgspec.Raw()
    success: bool | None = None
    error: str = ""
    result: MethodResult | None = None
    req_id: int | None = None
    time_in: str = ""
    time_out: str = ""
    sequence: int | None = None


class _V1Payload(msgspec.Struct, frozen=True, gc=False):
    # One dict element of a v1 book frame; ``as``/``bs`` are snapshot sides.
    a: list[list[str]] | None = None
    b: list[list[str]] | None = None
    as_: list[list[str]] | None = msgspec.field(default=None, name="as")
    bs: list[list[str]] | None = None
    c: str | None = None


class _V1EventRaw(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    event: str
    status: str = ""
    pair: str = ""
    channel_name: str = ""
    error_message: str = ""


_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)
_BOOKS: Final = msgspec.json.Decoder(list[BookData])
_TRADES: Final = msgspec.json.Decoder(list[TradeData])
_TICKERS: Final = msgspec.json.Decoder(list[TickerData])
_INSTRUMENTS: Final = msgspec.json.Decoder(InstrumentData)
_EXECUTIONS: Final = msgspec.json.Decoder(list[ExecutionData])
_STATUS: Final = msgspec.json.Decoder(list[StatusData])
_V1: Final = msgspec.json.Decoder(list[int | str | _V1Payload] | _V1EventRaw)
_HEARTBEAT: Final = Heartbeat()
_REST_DECODERS: dict[object, msgspec.json.Decoder[Any]] = {}


_SECONDS_CACHE: dict[str, int] = {}
_FRACTION_SCALE: Final[tuple[int, ...]] = tuple(10 ** (9 - n) for n in range(10))
_NS_PER_S: Final = 1_000_000_000


def parse_timestamp(text: str) -> int:
    """An RFC 3339 UTC time as Kraken writes it (``2023-10-06T17:35:55.440295Z``) in
    nanoseconds since the epoch, exactly (up to 9 fractional digits). Empty text is 0."""
    if not text:
        return 0
    if len(text) < 20 or text[-1] != "Z":
        raise InvalidInput("timestamp", "must be RFC 3339 UTC 'YYYY-MM-DDTHH:MM:SS[.f]Z'", text)
    head = text[:19]
    seconds = _SECONDS_CACHE.get(head)
    if seconds is None:
        if head[4] != "-" or head[7] != "-" or head[10] not in "Tt" or head[13] != ":":
            raise InvalidInput("timestamp", "must be RFC 3339 UTC 'YYYY-MM-DDTHH:MM:SS[.f]Z'", text)
        try:
            y, mo, d = int(head[0:4]), int(head[5:7]), int(head[8:10])
            h, mi, sec = int(head[11:13]), int(head[14:16]), int(head[17:19])
        except ValueError:
            raise InvalidInput(
                "timestamp", "must be RFC 3339 UTC 'YYYY-MM-DDTHH:MM:SS[.f]Z'", text
            ) from None
        seconds = calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0)) * _NS_PER_S
        if len(_SECONDS_CACHE) > 4096:
            _SECONDS_CACHE.clear()
        _SECONDS_CACHE[head] = seconds
    if len(text) == 20:
        return seconds
    frac = text[20:-1]
    if text[19] != "." or not frac:
        raise InvalidInput("timestamp", "must be RFC 3339 UTC 'YYYY-MM-DDTHH:MM:SS[.f]Z'", text)
    if len(frac) > 9 or not frac.isdigit():
        raise InvalidInput("timestamp", "must have at most 9 fractional digits", text)
    return seconds + int(frac) * _FRACTION_SCALE[len(frac)]


def _bad(what: str, exc: Exception, frame: bytes | str) -> InvalidInput:
    text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
    return InvalidInput(f"Kraken {what}", f"is malformed: {exc}", text)


def decode_ws(frame: bytes | str) -> KrakenWsMessage:
    """Decode one websocket v2 text frame into its typed message (see the module table).

    Raises :class:`~lyra.errors.InvalidInput` naming the message and the bad value's path.
    """
    try:
        env = _ENVELOPE.decode(frame)
    except msgspec.MsgspecError as exc:
        raise _bad("websocket message", exc, frame) from None
    channel = env.channel
    if channel is not None:
        kind = env.type
        try:
            if channel == "book":
                return BookMessage(channel, kind, _BOOKS.decode(env.data))
            if channel == "heartbeat":
                return _HEARTBEAT
            if channel == "trade":
                return TradesMessage(channel, kind, _TRADES.decode(env.data))
            if channel == "ticker":
                return TickerMessage(channel, kind, _TICKERS.decode(env.data))
            if channel == "executions":
                return ExecutionsMessage(channel, kind, _EXECUTIONS.decode(env.data), env.sequence)
            if channel == "instrument":
                return InstrumentMessage(channel, kind, _INSTRUMENTS.decode(env.data))
            if channel == "status":
                return StatusMessage(channel, kind, _STATUS.decode(env.data))
        except msgspec.MsgspecError as exc:
            raise _bad(f"{channel} message data", exc, frame) from None
        return OtherChannel(channel, kind, bytes(env.data))
    method = env.method
    if method is None:
        raise InvalidInput("Kraken websocket message", "must have a 'channel' or a 'method'", frame)
    if method == "pong":
        return Pong(env.req_id, env.time_in, env.time_out)
    return MethodResponse(
        method,
        True if env.success is None else env.success,
        env.req_id,
        env.error,
        env.result,
        env.time_in,
        env.time_out,
    )


def _v1_checksum(text: str, frame: bytes | str) -> int:
    if not text.isdigit():
        raise InvalidInput("Kraken v1 book frame.c", "must be an unsigned integer string", frame)
    return int(text)


def decode_ws_v1(frame: bytes | str) -> V1BookMessage | V1Event:
    """Decode one websocket **v1** frame: a book frame or an event.

    Book frames are ``[channelID, {...}, ({...},) channelName, pair]``; other array frames
    (trades, spreads) raise :class:`~lyra.errors.InvalidInput` (they are not modelled).
    """
    try:
        msg = _V1.decode(frame)
    except msgspec.MsgspecError as exc:
        raise _bad("v1 frame", exc, frame) from None
    if isinstance(msg, _V1EventRaw):
        return V1Event(msg.event, msg.status, msg.pair, msg.channel_name, msg.error_message)
    if len(msg) < 4:
        raise InvalidInput("Kraken v1 frame", "must have at least 4 elements", frame)
    channel_id, name, pair = msg[0], msg[-2], msg[-1]
    if (
        not isinstance(channel_id, int)
        or not isinstance(name, str)
        or not isinstance(pair, str)
        or not name.startswith("book")
    ):
        raise InvalidInput("Kraken v1 frame", "must be [channelID, {...}, 'book-N', pair]", frame)
    asks: list[list[str]] = []
    bids: list[list[str]] = []
    snapshot = False
    check: int | None = None
    for part in msg[1:-2]:
        if not isinstance(part, _V1Payload):
            raise InvalidInput("Kraken v1 book frame", "payload must be an object", frame)
        if part.as_ is not None or part.bs is not None:
            snapshot = True
            asks.extend(part.as_ or ())
            bids.extend(part.bs or ())
        if part.a is not None:
            asks.extend(part.a)
        if part.b is not None:
            bids.extend(part.b)
        if part.c is not None:
            check = _v1_checksum(part.c, frame)
    return V1BookMessage(channel_id, name, pair, snapshot, asks, bids, check)


def decode_rest(body: bytes | str, result_type: Any) -> RestResponse[Any]:
    """Decode a REST body whose ``result`` is ``result_type`` (e.g. :class:`AddOrderResult`,
    ``dict[str, AssetPairData]``, ``dict[str, str]``).

    The ``error`` list is not acted on here: see :attr:`RestResponse.ok` and ``codes``.
    Raises :class:`~lyra.errors.InvalidInput` on a malformed body.
    """
    decoder = _REST_DECODERS.get(result_type)
    if decoder is None:
        decoder = msgspec.json.Decoder(RestResponse[result_type])
        _REST_DECODERS[result_type] = decoder
    try:
        return decoder.decode(body)  # type: ignore[no-any-return]
    except msgspec.MsgspecError as exc:
        name = getattr(result_type, "__name__", str(result_type))
        raise _bad(f"REST {name} response", exc, body) from None


def subscribe_request(
    channel: str,
    symbols: list[str] | None = None,
    *,
    depth: int | None = None,
    snapshot: bool = True,
    token: str = "",
    req_id: int = 0,
    unsubscribe: bool = False,
) -> dict[str, Any]:
    """A websocket v2 ``subscribe`` (or ``unsubscribe``) request: ``channel`` ``book``
    (with ``depth`` 10/25/100/500/1000), ``trade``, ``ticker``, ``instrument``, or the
    private ``executions`` (pass the ``token``). The reply is a :class:`MethodResponse`."""
    if not channel:
        raise InvalidInput("channel", "must not be empty", channel)
    params: dict[str, Any] = {"channel": channel}
    if symbols:
        params["symbol"] = list(symbols)
    if depth is not None:
        if depth not in (10, 25, 100, 500, 1000):
            raise InvalidInput("depth", "must be one of 10, 25, 100, 500, 1000", depth)
        params["depth"] = depth
    if not unsubscribe:
        params["snapshot"] = snapshot
    if token:
        params["token"] = token
    request: dict[str, Any] = {"method": "unsubscribe" if unsubscribe else "subscribe"}
    request["params"] = params
    if req_id:
        request["req_id"] = req_id
    return request
