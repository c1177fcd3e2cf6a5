"""OKX API v5 messages as typed ``msgspec`` structs, and the functions that decode them.

Websocket: :func:`decode_ws` turns one text frame into one typed message:

==========================  ==============================================================
frame                       type
==========================  ==============================================================
``books``, ``books5``,      :class:`BookMessage` (``action`` ``snapshot``/``update``; the
``bbo-tbt``, ``books-l2-     one-shot channels have no action and are whole snapshots)
tbt``, ``books50-l2-tbt``
``trades``, ``trades-all``  :class:`TradesMessage`
``tickers``                 :class:`TickersMessage`
``orders``                  :class:`OrdersMessage` (private)
``orders-algo``             :class:`AlgoOrdersMessage` (business URL)
any other channel           :class:`OtherPush` (its ``data`` left undecoded)
``subscribe``/``unsub...``  :class:`SubscribeEvent`
``login``                   :class:`LoginEvent`
``error``                   :class:`ErrorEvent`
``notice`` and others       :class:`NoticeEvent`
an ``op`` reply (order,     :class:`OpResponse`
cancel-order, amend-order)
the text ``pong``           :class:`Pong`
==========================  ==============================================================

REST: :func:`decode_rest` reads the ``{"code","msg","data":[...]}`` envelope into a
:class:`RestResponse` whose ``data`` holds items of the type asked for
(:class:`InstrumentData`, :class:`OrderAck`, :class:`OrderData`, :class:`AlgoOrderData`,
:class:`FillData`, :class:`BalanceData`, :class:`PositionData`).

:func:`subscribe_request` builds the ``subscribe``/``unsubscribe`` op.

Every struct ignores fields it does not know, so new venue fields never break decoding.
Every value OKX sends as a string stays a string here (prices and sizes keep their exact
text, which the book checksum needs); conversion to Lyra values happens in the modules that
use them. A frame that is not valid JSON, or whose known fields have the wrong type, raises
:class:`~lyra.errors.InvalidInput` whose ``field`` says which message and whose ``rule``
carries the path of the bad value (``$.data[0].asks[3]``).
"""

from __future__ import annotations

from typing import Final, Generic, TypeVar

import msgspec

from lyra.errors import InvalidInput

__all__ = (
    "AlgoOrderData",
    "AlgoOrdersMessage",
    "BalanceData",
    "BalanceDetail",
    "BookData",
    "BookMessage",
    "ErrorEvent",
    "FillData",
    "InstrumentData",
    "LoginEvent",
    "NoticeEvent",
    "OkxWsMessage",
    "OpResponse",
    "OrderAck",
    "OrderData",
    "OrdersMessage",
    "OtherPush",
    "Pong",
    "PositionData",
    "RestResponse",
    "SubscribeEvent",
    "TickerData",
    "TickersMessage",
    "TradeData",
    "TradesMessage",
    "WsArg",
    "decode_rest",
    "decode_ws",
    "subscribe_request",
)

_T = TypeVar("_T")


class _Okx(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """Base of the OKX structs: camelCase on the wire, unknown fields ignored."""


class WsArg(_Okx, frozen=True):
    """The ``arg`` of a subscription or push: which channel and instrument."""

    channel: str
    inst_id: str = ""
    inst_type: str = ""
    inst_family: str = ""
    uid: str = ""


# -- market data --------------------------------------------------------------------------------
class BookData(_Okx, frozen=True):
    """One book push: levels ``[px, sz, "0", numOrders]`` as strings, best first.

    ``checksum`` is the venue's signed CRC32 (0 once OKX stopped sending it); ``seq_id`` /
    ``prev_seq_id`` are absent on old captures and on ``books5``.
    """

    asks: list[list[str]] = []
    bids: list[list[str]] = []
    ts: str = "0"
    checksum: int = 0
    seq_id: int | None = None
    prev_seq_id: int | None = None
    inst_id: str = ""


class BookMessage(_Okx, frozen=True):
    """A push of a book channel; ``action`` is ``snapshot``, ``update`` or empty."""

    arg: WsArg
    data: list[BookData]
    action: str = ""


class TradeData(_Okx, frozen=True):
    """One public trade; ``side`` is the taker's side, ``count`` how many fills it merges."""

    inst_id: str
    trade_id: str
    px: str
    sz: str
    side: str
    ts: str
    count: str = ""


class TradesMessage(_Okx, frozen=True):
    """A ``trades`` / ``trades-all`` push."""

    arg: WsArg
    data: list[TradeData]


class TickerData(_Okx, frozen=True):
    """A ticker: last trade and best bid/ask (strings; empty when the venue has none)."""

    inst_id: str
    ts: str
    inst_type: str = ""
    last: str = ""
    last_sz: str = ""
    ask_px: str = ""
    ask_sz: str = ""
    bid_px: str = ""
    bid_sz: str = ""
    open24h: str = ""
    high24h: str = ""
    low24h: str = ""
    vol24h: str = ""
    vol_ccy24h: str = ""


class TickersMessage(_Okx, frozen=True):
    """A ``tickers`` push."""

    arg: WsArg
    data: list[TickerData]


# -- orders -------------------------------------------------------------------------------------
class OrderData(_Okx, frozen=True):
    """An order as the ``orders`` channel and the REST order queries report it.

    ``fill_*`` and ``trade_id`` describe the fill this push reports (empty when it reports
    none); ``acc_fill_sz``, ``avg_px`` and ``fee`` are cumulative. ``fee`` is negative when
    charged and positive for a rebate. ``state`` is ``live``, ``partially_filled``,
    ``filled``, ``canceled`` or ``mmp_canceled``.
    """

    inst_id: str
    ord_id: str
    state: str
    side: str
    ord_type: str
    sz: str
    inst_type: str = ""
    cl_ord_id: str = ""
    tag: str = ""
    px: str = ""
    pos_side: str = ""
    td_mode: str = ""
    tgt_ccy: str = ""
    acc_fill_sz: str = "0"
    avg_px: str = ""
    fill_px: str = ""
    fill_sz: str = ""
    fill_time: str = ""
    fill_fee: str = ""
    fill_fee_ccy: str = ""
    trade_id: str = ""
    exec_type: str = ""
    fee: str = ""
    fee_ccy: str = ""
    rebate: str = ""
    rebate_ccy: str = ""
    pnl: str = ""
    reduce_only: str = "false"
    cancel_source: str = ""
    cancel_source_reason: str = ""
    amend_result: str = ""
    amend_source: str = ""
    req_id: str = ""
    algo_id: str = ""
    algo_cl_ord_id: str = ""
    code: str = "0"
    msg: str = ""
    c_time: str = "0"
    u_time: str = "0"


class OrdersMessage(_Okx, frozen=True):
    """An ``orders`` push (private)."""

    arg: WsArg
    data: list[OrderData]


class AlgoOrderData(_Okx, frozen=True):
    """An algo order (trigger, conditional, oco, move_order_stop, ...) as the
    ``orders-algo`` channel and the REST algo queries report it.

    ``state``: ``live``, ``pause``, ``partially_effective``, ``effective``, ``canceled``,
    ``order_failed`` (and ``partially_failed``). ``ord_id`` is the regular order the algo
    placed once triggered.
    """

    inst_id: str
    algo_id: str
    state: str
    side: str
    ord_type: str
    sz: str = ""
    inst_type: str = ""
    algo_cl_ord_id: str = ""
    cl_ord_id: str = ""
    ord_id: str = ""
    td_mode: str = ""
    pos_side: str = ""
    reduce_only: str = "false"
    trigger_px: str = ""
    trigger_px_type: str = ""
    ord_px: str = ""
    tp_trigger_px: str = ""
    tp_trigger_px_type: str = ""
    tp_ord_px: str = ""
    sl_trigger_px: str = ""
    sl_trigger_px_type: str = ""
    sl_ord_px: str = ""
    callback_ratio: str = ""
    callback_spread: str = ""
    active_px: str = ""
    actual_px: str = ""
    actual_sz: str = ""
    actual_side: str = ""
    trigger_time: str = ""
    fail_code: str = ""
    c_time: str = "0"
    u_time: str = "0"


class AlgoOrdersMessage(_Okx, frozen=True):
    """An ``orders-algo`` push (business URL)."""

    arg: WsArg
    data: list[AlgoOrderData]


class OtherPush(msgspec.Struct, frozen=True, gc=False):
    """A push of a channel this module does not model; ``data`` is the raw JSON."""

    arg: WsArg
    data: bytes


# -- events and replies -------------------------------------------------------------------------
class SubscribeEvent(_Okx, frozen=True):
    """The reply to a ``subscribe`` or ``unsubscribe`` (``event`` says which)."""

    event: str
    arg: WsArg | None = None
    conn_id: str = ""
    id: str = ""


class LoginEvent(_Okx, frozen=True):
    """A successful ``login`` reply (``code`` ``"0"``)."""

    event: str
    code: str = "0"
    msg: str = ""
    conn_id: str = ""


class ErrorEvent(_Okx, frozen=True):
    """An ``error`` event (a failed login, a bad subscription, ...): ``code`` and ``msg``."""

    event: str
    code: str
    msg: str = ""
    conn_id: str = ""
    id: str = ""


class NoticeEvent(_Okx, frozen=True):
    """Any other event: ``notice`` (e.g. ``64008`` upcoming disconnect),
    ``channel-conn-count``, ``channel-conn-count-error``."""

    event: str
    code: str = ""
    msg: str = ""
    channel: str = ""
    conn_count: str = ""
    conn_id: str = ""


class OrderAck(_Okx, frozen=True):
    """One order's result in a place/cancel/amend reply (REST or websocket ``op``).

    ``s_code`` ``"0"`` is success; otherwise ``s_code``/``s_msg`` say why. Algo replies
    carry ``algo_id``/``algo_cl_ord_id`` instead of the order ids.
    """

    s_code: str = "0"
    s_msg: str = ""
    ord_id: str = ""
    cl_ord_id: str = ""
    tag: str = ""
    ts: str = ""
    req_id: str = ""
    algo_id: str = ""
    algo_cl_ord_id: str = ""


class OpResponse(_Okx, frozen=True):
    """The reply to a websocket ``op`` (``order``, ``cancel-order``, ``amend-order``,
    ``batch-*``): envelope ``code`` ``"0"`` all ok, ``"1"`` all failed, ``"2"`` partial."""

    op: str
    code: str
    id: str = ""
    msg: str = ""
    data: list[OrderAck] = []
    in_time: str = ""
    out_time: str = ""


class Pong(msgspec.Struct, frozen=True, gc=False):
    """The server's ``pong`` text frame (the answer to the client's ``ping``)."""


OkxWsMessage = (
    BookMessage
    | TradesMessage
    | TickersMessage
    | OrdersMessage
    | AlgoOrdersMessage
    | OtherPush
    | SubscribeEvent
    | LoginEvent
    | ErrorEvent
    | NoticeEvent
    | OpResponse
    | Pong
)
"""Everything :func:`decode_ws` returns."""


# -- REST ---------------------------------------------------------------------------------------
class RestResponse(msgspec.Struct, Generic[_T], frozen=True, gc=False):
    """The REST envelope: ``code`` ``"0"`` is success; ``data`` holds the items."""

    code: str
    msg: str = ""
    data: list[_T] = []

    @property
    def ok(self) -> bool:
        """Whether the envelope says success (per-order results still carry ``s_code``)."""
        return self.code == "0"


class InstrumentData(_Okx, frozen=True):
    """One instrument of ``GET /api/v5/public/instruments``.

    Sizes are in base currency for SPOT and in contracts for derivatives; ``ct_val`` is the
    contract value in ``ct_val_ccy`` and ``ct_type`` ``linear`` or ``inverse``.
    """

    inst_type: str
    inst_id: str
    tick_sz: str
    lot_sz: str
    min_sz: str
    state: str = "live"
    base_ccy: str = ""
    quote_ccy: str = ""
    settle_ccy: str = ""
    ct_val: str = ""
    ct_mult: str = ""
    ct_val_ccy: str = ""
    ct_type: str = ""
    uly: str = ""
    inst_family: str = ""
    exp_time: str = ""
    list_time: str = ""
    lever: str = ""
    max_lmt_sz: str = ""
    max_mkt_sz: str = ""
    max_lmt_amt: str = ""
    max_mkt_amt: str = ""
    opt_type: str = ""
    stk: str = ""


class FillData(_Okx, frozen=True):
    """One fill of ``GET /api/v5/trade/fills`` (and ``fills-history``).

    ``fee`` is negative when charged; ``exec_type`` ``T`` taker, ``M`` maker.
    """

    inst_id: str
    trade_id: str
    ord_id: str
    fill_px: str
    fill_sz: str
    side: str
    ts: str
    inst_type: str = ""
    cl_ord_id: str = ""
    bill_id: str = ""
    tag: str = ""
    exec_type: str = ""
    fee: str = "0"
    fee_ccy: str = ""
    pos_side: str = ""
    fill_time: str = ""


class BalanceDetail(_Okx, frozen=True):
    """One currency of an account balance; ``avail_bal`` + ``frozen_bal`` is the cash."""

    ccy: str
    eq: str = ""
    cash_bal: str = ""
    avail_bal: str = ""
    frozen_bal: str = ""
    avail_eq: str = ""
    u_time: str = ""


class BalanceData(_Okx, frozen=True):
    """``GET /api/v5/account/balance``: the account and its per-currency ``details``."""

    details: list[BalanceDetail] = []
    total_eq: str = ""
    u_time: str = "0"


class PositionData(_Okx, frozen=True):
    """One position of ``GET /api/v5/account/positions``.

    ``pos`` is signed in net mode (negative = short); in long/short mode ``pos_side`` says
    which and ``pos`` is positive.
    """

    inst_id: str
    pos: str
    inst_type: str = ""
    pos_side: str = "net"
    pos_id: str = ""
    avg_px: str = ""
    mgn_mode: str = ""
    upl: str = ""
    lever: str = ""
    u_time: str = "0"


# -- decoding -----------------------------------------------------------------------------------
class _Envelope(_Okx, frozen=True):
    # Every top-level field OKX uses; ``data`` stays raw until the channel is known.
    event: str | None = None
    op: str | None = None
    arg: WsArg | None = None
    action: str = ""
    data: msgspec.Raw = msgspec.Raw()
    code: str | int | None = None
    msg: str = ""
    id: str = ""
    conn_id: str = ""
    channel: str = ""
    conn_count: str = ""
    in_time: str = ""
    out_time: str = ""


_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)
_BOOKS: Final = msgspec.json.Decoder(list[BookData])
_TRADES: Final = msgspec.json.Decoder(list[TradeData])
_TICKERS: Final = msgspec.json.Decoder(list[TickerData])
_ORDERS: Final = msgspec.json.Decoder(list[OrderData])
_ALGOS: Final = msgspec.json.Decoder(list[AlgoOrderData])
_ACKS: Final = msgspec.json.Decoder(list[OrderAck])
_BOOK_CHANNELS: Final = frozenset({"books", "books5", "bbo-tbt", "books-l2-tbt", "books50-l2-tbt"})
_PONG: Final = Pong()
_REST_DECODERS: dict[type, msgspec.json.Decoder[RestResponse[object]]] = {}


def _bad(what: str, exc: Exception, frame: bytes | str) -> InvalidInput:
    text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
    return InvalidInput(f"OKX {what}", f"is malformed: {exc}", text)


def _code(value: str | int | None) -> str:
    return "" if value is None else str(value)


def decode_ws(frame: bytes | str) -> OkxWsMessage:
    """Decode one websocket text frame into its typed message (see the module table).

    Raises :class:`~lyra.errors.InvalidInput` naming the message and the bad value's path.
    """
    if frame == "pong" or frame == b"pong":
        return _PONG
    try:
        env = _ENVELOPE.decode(frame)
    except msgspec.MsgspecError as exc:
        raise _bad("websocket message", exc, frame) from None
    arg = env.arg
    if env.event is None and env.op is None:
        if arg is None or not env.data:
            raise InvalidInput(
                "OKX websocket message",
                "must have an 'event', an 'op', or an 'arg' with 'data'",
                frame,
            )
        channel = arg.channel
        try:
            if channel in _BOOK_CHANNELS:
                return BookMessage(arg, _BOOKS.decode(env.data), env.action)
            if channel == "trades" or channel == "trades-all":
                return TradesMessage(arg, _TRADES.decode(env.data))
            if channel == "tickers":
                return TickersMessage(arg, _TICKERS.decode(env.data))
            if channel == "orders":
                return OrdersMessage(arg, _ORDERS.decode(env.data))
            if channel == "orders-algo":
                return AlgoOrdersMessage(arg, _ALGOS.decode(env.data))
        except msgspec.MsgspecError as exc:
            raise _bad(f"{channel} push data", exc, frame) from None
        return OtherPush(arg, bytes(env.data))
    if env.op is not None and env.event is None:
        try:
            acks = _ACKS.decode(env.data) if env.data else []
        except msgspec.MsgspecError as exc:
            raise _bad(f"{env.op} reply data", exc, frame) from None
        return OpResponse(
            op=env.op,
            code=_code(env.code),
            id=env.id,
            msg=env.msg,
            data=acks,
            in_time=env.in_time,
            out_time=env.out_time,
        )
    event = env.event or ""
    if event == "subscribe" or event == "unsubscribe":
        return SubscribeEvent(event, arg, env.conn_id, env.id)
    if event == "login":
        return LoginEvent(event, _code(env.code) or "0", env.msg, env.conn_id)
    if event == "error":
        return ErrorEvent(event, _code(env.code), env.msg, env.conn_id, env.id)
    return NoticeEvent(event, _code(env.code), env.msg, env.channel, env.conn_count, env.conn_id)


def decode_rest(body: bytes | str, item_type: type[_T]) -> RestResponse[_T]:
    """Decode a REST body whose ``data`` items are ``item_type`` (e.g. :class:`OrderData`).

    The envelope's ``code`` is not checked here: see :attr:`RestResponse.ok` and the
    ``codes`` module. Raises :class:`~lyra.errors.InvalidInput` on a malformed body.
    """
    decoder = _REST_DECODERS.get(item_type)
    if decoder is None:
        decoder = msgspec.json.Decoder(RestResponse[item_type])  # type: ignore[valid-type]
        _REST_DECODERS[item_type] = decoder
    try:
        return decoder.decode(body)  # type: ignore[return-value]
    except msgspec.MsgspecError as exc:
        raise _bad(f"REST {item_type.__name__} response", exc, body) from None


def subscribe_request(
    args: list[dict[str, str]], *, unsubscribe: bool = False, request_id: str = ""
) -> dict[str, object]:
    """A websocket ``subscribe`` (or ``unsubscribe``) op for ``args`` such as
    ``[{"channel": "books", "instId": "BTC-USDT"}]``; the reply is a :class:`SubscribeEvent`
    (or an :class:`ErrorEvent`). ``request_id`` (up to 32 letters and digits) is echoed."""
    if not args or not all(isinstance(a, dict) and a.get("channel") for a in args):
        raise InvalidInput("args", "must be a non-empty list of {'channel': ..., ...}", args)
    op: dict[str, object] = {"op": "unsubscribe" if unsubscribe else "subscribe", "args": args}
    if request_id:
        if not (request_id.isascii() and request_id.isalnum() and len(request_id) <= 32):
            raise InvalidInput("request_id", "must be 1-32 letters and digits", request_id)
        op["id"] = request_id
    return op
