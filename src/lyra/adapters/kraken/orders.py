"""Lyra orders <-> Kraken spot order requests (websocket v2 and REST) and executions.

Out (Lyra -> Kraken): :func:`add_order` turns an :class:`~lyra.orders.Order` into the
``params`` of a websocket v2 ``add_order`` request (:func:`rest_add_order` into the form of
``POST /0/private/AddOrder``); :func:`add_order_with_close` puts an OTO pair into one order
with a conditional close; :func:`amend_order` and :func:`cancel_order` build the amend and
cancel params; :func:`encode_request` writes a whole request with prices and quantities as
JSON numbers, as v2 expects.

==========================================  =================================================
Lyra                                        Kraken v2 ``add_order``
==========================================  =================================================
MARKET (GTC/IOC)                            ``market``; ``cash_order_qty`` with
                                            ``quote_quantity``
LIMIT GTC / IOC / GTD (+ ``expire_time``)   ``limit`` with ``time_in_force`` gtc/ioc/gtd
LIMIT with ``display_qty``                  ``iceberg`` with ``display_qty``
post_only (LIMIT)                           ``post_only: true``
STOP_MARKET / STOP_LIMIT                    ``stop-loss`` / ``stop-loss-limit`` + ``triggers``
MARKET_IF_TOUCHED / LIMIT_IF_TOUCHED        ``take-profit`` / ``take-profit-limit``
trigger_type DEFAULT/LAST, INDEX            ``triggers.reference`` last, index
TRAILING_STOP_MARKET (PRICE/BASIS_POINTS)   ``trailing-stop``, ``triggers.price_type``
                                            quote / pct (bp / 100)
TRAILING_STOP_LIMIT                         ``trailing-stop-limit``, ``limit_price`` =
                                            ``limit_offset`` (``limit_price_type`` quote/pct)
OTO: entry + one opposite close order       ``conditional`` (:func:`add_order_with_close`)
client_order_id                             ``cl_ord_id`` (<= 18 ASCII characters, or a UUID)
==========================================  =================================================

Refused with :class:`~lyra.errors.NotSupported` naming the field: FOK, DAY and auction
time in force; MARKET_TO_LIMIT; post-only or iceberg on anything but LIMIT; reduce-only
(spot); mark-price and other triggers; trailing offsets in TICKS; trailing stops with an
initial trigger or activation price, or with a fixed limit price; OCO/OUO lists. IOC is
accepted on MARKET and LIMIT only. :data:`CAPABILITIES` states the same for the emulator
and the contingency manager, and :func:`unsupported` gives the reason without raising.

About conditional closes: Kraken places a close order for **each fill** of the primary,
sized to that fill, so a partly filled entry gets several close orders. That is not how a
Lyra OTO list releases one child, so :data:`CAPABILITIES` does not declare native OTO (the
contingency manager emulates it) and :func:`add_order_with_close` is there for code that
wants Kraken's own behaviour.

In (Kraken -> Lyra): :func:`execution_update` reads one ``executions`` event into an
:class:`ExecutionUpdate` -- which order event to emit (:class:`UpdateKind`), the order's
state, and the fill it reports.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import msgspec

from lyra.errors import InvalidInput, NotSupported
from lyra.model.enums import (
    ContingencyType,
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.capabilities import AmendMode, VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.unset import UNSET, Unset

from .book import DEPTHS
from .messages import ExecutionData, parse_timestamp
from .symbols import VENUE, currency, instrument_id, ws_symbol

__all__ = (
    "CAPABILITIES",
    "AddOrderParams",
    "AmendOrderParams",
    "CancelOrderParams",
    "Conditional",
    "ExecutionUpdate",
    "Fill",
    "Triggers",
    "UpdateKind",
    "add_order",
    "add_order_with_close",
    "amend_order",
    "cancel_order",
    "client_id",
    "encode_request",
    "execution_update",
    "rest_add_order",
    "unsupported",
)

_T = OrderType
_TIF = TimeInForce
_KIND: Final = {
    _T.MARKET: "market",
    _T.LIMIT: "limit",
    _T.STOP_MARKET: "stop-loss",
    _T.STOP_LIMIT: "stop-loss-limit",
    _T.MARKET_IF_TOUCHED: "take-profit",
    _T.LIMIT_IF_TOUCHED: "take-profit-limit",
    _T.TRAILING_STOP_MARKET: "trailing-stop",
    _T.TRAILING_STOP_LIMIT: "trailing-stop-limit",
}
_FROM_KRAKEN: Final = {v: k for k, v in _KIND.items()} | {"iceberg": _T.LIMIT}
_TRIGGERED: Final = frozenset(
    {_T.STOP_MARKET, _T.STOP_LIMIT, _T.MARKET_IF_TOUCHED, _T.LIMIT_IF_TOUCHED}
)
_TRAILING: Final = frozenset({_T.TRAILING_STOP_MARKET, _T.TRAILING_STOP_LIMIT})
_LIMIT_PRICED: Final = frozenset({_T.LIMIT, _T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED})
_REFERENCE: Final = {
    TriggerType.DEFAULT: "last",
    TriggerType.LAST_PRICE: "last",
    TriggerType.INDEX_PRICE: "index",
}
_TIF_TEXT: Final = {_TIF.GTC: "gtc", _TIF.IOC: "ioc", _TIF.GTD: "gtd"}
_TIF_FROM: Final = {"gtc": _TIF.GTC, "ioc": _TIF.IOC, "gtd": _TIF.GTD}
_HUNDRED: Final = Decimal(100)
_UUID: Final = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_FREE_ID: Final = re.compile(r"[\x20-\x7e]{1,18}")

CAPABILITIES: Final = VenueCapabilities(
    order_types=frozenset(_KIND),
    time_in_force=frozenset({_TIF.GTC, _TIF.IOC, _TIF.GTD}),
    post_only=True,
    reduce_only=False,
    iceberg=True,
    quote_quantity=frozenset({_T.MARKET}),
    trigger_types=frozenset({TriggerType.LAST_PRICE, TriggerType.INDEX_PRICE}),
    trailing_offset_types=frozenset({TrailingOffsetType.PRICE, TrailingOffsetType.BASIS_POINTS}),
    activation_price=False,
    amend=AmendMode.IN_PLACE,
    amend_quantity=True,
    amend_quantity_increase=True,
    amend_price=True,
    amend_trigger_price=True,
    book_depths=DEPTHS,
)
"""What Kraken spot takes natively (conditional closes are deliberately not declared)."""


# -- requests -------------------------------------------------------------------------------------
class _Params(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    """Base of the request params: fields left at their default are omitted."""


class Triggers(_Params, frozen=True):
    """``triggers`` of a triggered order: ``price_type`` static (a price), ``quote`` (an
    offset in quote currency) or ``pct`` (an offset in percent)."""

    price: Decimal
    reference: str
    price_type: str = "static"


class Conditional(_Params, frozen=True):
    """``conditional``: the close order Kraken places when the primary fills."""

    order_type: str
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: str = ""


class AddOrderParams(_Params, frozen=True):
    """``params`` of a websocket v2 ``add_order`` (add ``token`` before sending)."""

    order_type: str
    side: str
    symbol: str
    order_qty: Decimal | None = None
    cash_order_qty: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: str = ""
    time_in_force: str = ""
    expire_time: str = ""
    post_only: bool = False
    reduce_only: bool = False
    display_qty: Decimal | None = None
    cl_ord_id: str = ""
    triggers: Triggers | None = None
    conditional: Conditional | None = None
    validate: bool = False
    token: str = ""


class AmendOrderParams(_Params, frozen=True):
    """``params`` of a websocket v2 ``amend_order`` (in place; the order keeps its ids)."""

    order_id: str = ""
    cl_ord_id: str = ""
    order_qty: Decimal | None = None
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    display_qty: Decimal | None = None
    token: str = ""


class CancelOrderParams(_Params, frozen=True):
    """``params`` of a websocket v2 ``cancel_order`` (by venue ids or client ids)."""

    order_id: list[str] = []
    cl_ord_id: list[str] = []
    token: str = ""


def _plain(value: Any) -> Any:
    # v2 wants numbers; msgspec would write a Decimal as a string, or with an exponent.
    if isinstance(value, Decimal):
        return msgspec.Raw(format(value, "f").encode())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def encode_request(method: str, params: msgspec.Struct | None = None, req_id: int = 0) -> bytes:
    """A whole websocket v2 request ``{"method", "params", "req_id"}`` as JSON bytes, with
    every Decimal written as a plain JSON number (``0.00000001``, never ``1E-8``)."""
    message: dict[str, Any] = {"method": method}
    if params is not None:
        message["params"] = msgspec.to_builtins(params, builtin_types=(Decimal,))
    if req_id:
        message["req_id"] = req_id
    return msgspec.json.encode(_plain(message))


def _no(text: str) -> NotSupported:
    return NotSupported(text, venue=str(VENUE))


def _client_id_problem(value: str) -> str | None:
    if _FREE_ID.fullmatch(value) or _UUID.fullmatch(value):
        return None
    return (
        "client_order_id: Kraken takes at most 18 ASCII characters or a UUID "
        f"(got {len(value)} characters)"
    )


def client_id(value: str) -> str:
    """``value`` if Kraken accepts it as a ``cl_ord_id`` (<= 18 printable ASCII characters,
    or a UUID), else :class:`~lyra.errors.NotSupported`. Lyra's generated ids always pass."""
    problem = _client_id_problem(value)
    if problem is not None:
        raise _no(problem)
    return value


def _problem(order: Order) -> str | None:
    otype = order.order_type
    tif = order.time_in_force
    if otype not in _KIND:
        return f"order_type: {otype.name} orders are not offered by Kraken"
    if tif not in _TIF_TEXT:
        return f"time_in_force: {tif.name} is not offered on Kraken spot (GTC, IOC, GTD)"
    if tif is _TIF.IOC and otype not in (_T.MARKET, _T.LIMIT):
        return f"time_in_force: IOC is offered on MARKET and LIMIT orders only (got {otype.name})"
    if order.post_only and otype is not _T.LIMIT:
        return f"post_only: offered on LIMIT orders only (got {otype.name})"
    if order.display_qty is not None and otype is not _T.LIMIT:
        return f"display_qty: iceberg orders are LIMIT orders (got {otype.name})"
    if order.reduce_only:
        return "reduce_only: not offered for spot orders without margin"
    if order.quote_quantity and otype is not _T.MARKET:
        return "quote_quantity: a quote-currency quantity is offered on MARKET orders only"
    if (otype in _TRIGGERED or otype in _TRAILING) and order.trigger_type not in _REFERENCE:
        return f"trigger_type: {order.trigger_type.name} triggers are not offered (last, index)"
    if otype in _TRAILING:
        if order.trigger_type is TriggerType.INDEX_PRICE:
            return "trigger_type: Kraken trailing stops follow the last price"
        if order.trailing_offset_type not in (
            TrailingOffsetType.PRICE,
            TrailingOffsetType.BASIS_POINTS,
        ):
            return f"trailing_offset_type: {order.trailing_offset_type.name} is not offered"
        if order.trigger_price is not None:
            return "trigger_price: Kraken trailing stops take no initial trigger price"
        if order.activation_price is not None:
            return "activation_price: Kraken trailing stops take no activation price"
        if otype is _T.TRAILING_STOP_LIMIT and order.price is not None:
            return "price: a Kraken trailing-stop-limit takes a limit offset, not a price"
    return _client_id_problem(str(order.client_order_id))


def unsupported(order: Order) -> str | None:
    """Why Kraken cannot take ``order`` as it is (``None`` when it can), without raising:
    the reason :func:`add_order` would raise, for an adapter's ``NOT_SUPPORTED`` denial."""
    return _problem(order)


def _offset(order: Order, value: Decimal) -> tuple[Decimal, str]:
    if order.trailing_offset_type is TrailingOffsetType.BASIS_POINTS:
        return (value / _HUNDRED).normalize(), "pct"
    return value.normalize(), "quote"


def _rfc3339(ts_ns: int) -> str:
    dt = datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ts_ns // 1_000_000 % 1000:03d}Z"


def add_order(order: Order, *, validate: bool = False) -> AddOrderParams:
    """The websocket v2 ``add_order`` params for ``order`` (see the module table).

    ``validate=True`` asks Kraken to check the order without placing it. Raises
    :class:`~lyra.errors.NotSupported` naming the field Kraken cannot take.
    """
    problem = _problem(order)
    if problem is not None:
        raise _no(problem)
    otype = order.order_type
    tif = order.time_in_force
    kind = _KIND[otype]
    qty = order.quantity.as_decimal()
    limit: Decimal | None = None
    limit_type = ""
    triggers: Triggers | None = None
    if otype in _LIMIT_PRICED:
        assert order.price is not None
        limit = order.price.as_decimal()
    if otype in _TRIGGERED:
        assert order.trigger_price is not None
        triggers = Triggers(order.trigger_price.as_decimal(), _REFERENCE[order.trigger_type])
    elif otype in _TRAILING:
        assert order.trailing_offset is not None
        price, price_type = _offset(order, order.trailing_offset)
        triggers = Triggers(price, "last", price_type)
        if otype is _T.TRAILING_STOP_LIMIT:
            assert order.limit_offset is not None
            limit, limit_type = _offset(order, order.limit_offset)
    display = order.display_qty
    if display is not None:
        kind = "iceberg"
    return AddOrderParams(
        order_type=kind,
        side="buy" if order.side == OrderSide.BUY else "sell",
        symbol=ws_symbol(order.instrument_id),
        order_qty=None if order.quote_quantity else qty,
        cash_order_qty=qty if order.quote_quantity else None,
        limit_price=limit,
        limit_price_type=limit_type,
        time_in_force="" if otype is _T.MARKET else _TIF_TEXT[tif],
        expire_time="" if order.expire_time_ns is None else _rfc3339(order.expire_time_ns),
        post_only=order.post_only,
        display_qty=None if display is None else display.as_decimal(),
        cl_ord_id=str(order.client_order_id),
        triggers=triggers,
        validate=validate,
    )


_CLOSE_TYPES: Final = frozenset({_T.LIMIT, *_TRIGGERED})


def add_order_with_close(order_list: OrderList) -> AddOrderParams:
    """One ``add_order`` for an OTO list of an entry and one close order: the close becomes
    the entry's ``conditional``. The close must be on the other side, for the same
    quantity, and a LIMIT, stop or if-touched order (its own id is not sent: Kraken creates
    the close orders itself, one per fill of the entry)."""
    if order_list.contingency_type != ContingencyType.OTO or len(order_list) != 2:
        raise _no("order_list: a conditional close is a two-order OTO list")
    entry, close = order_list.orders
    if close.side == entry.side or close.quantity != entry.quantity:
        raise _no("order_list: the close order is on the other side, for the same quantity")
    if close.instrument_id != entry.instrument_id:
        raise _no("order_list: the close order is for the entry's instrument")
    if close.order_type not in _CLOSE_TYPES:
        raise _no(f"order_list: a {close.order_type.name} close order is not offered")
    problem = _problem(close)
    if problem is not None:
        raise _no(f"{close.client_order_id}: {problem}")
    params = add_order(entry)
    conditional = Conditional(
        order_type=_KIND[close.order_type],
        limit_price=None if close.price is None else close.price.as_decimal(),
        trigger_price=None if close.trigger_price is None else close.trigger_price.as_decimal(),
    )
    return msgspec.structs.replace(params, conditional=conditional)


def rest_add_order(order: Order, pair: str) -> dict[str, str]:
    """The form fields of ``POST /0/private/AddOrder`` for ``order`` (``pair`` is the REST
    pair name, e.g. ``XBTUSD``; add ``nonce`` when signing). Same rules as
    :func:`add_order`; REST names: ``ordertype``, ``type``, ``volume``, ``price`` (limit or
    trigger), ``price2`` (limit of stop-limit types), ``trigger``, ``oflags``,
    ``timeinforce``, ``expiretm``, ``displayvol``, ``cl_ord_id``."""
    params = add_order(order)
    form: dict[str, str] = {
        "pair": pair,
        "type": params.side,
        "ordertype": params.order_type if params.order_type != "iceberg" else "limit",
    }
    qty = params.order_qty if params.order_qty is not None else params.cash_order_qty
    assert qty is not None
    form["volume"] = format(qty, "f")
    trig = params.triggers
    otype = order.order_type
    if trig is not None:
        prefix = "+" if trig.price_type in ("quote", "pct") else ""
        suffix = "%" if trig.price_type == "pct" else ""
        form["price"] = f"{prefix}{format(trig.price, 'f')}{suffix}"
        if params.limit_price is not None:
            lsuffix = "%" if params.limit_price_type == "pct" else ""
            lprefix = "+" if params.limit_price_type else ""
            form["price2"] = f"{lprefix}{format(params.limit_price, 'f')}{lsuffix}"
        form["trigger"] = trig.reference
    elif params.limit_price is not None:
        form["price"] = format(params.limit_price, "f")
    if order.quote_quantity:
        form["oflags"] = "viqc"
    if params.post_only:
        form["oflags"] = "post"
    if otype is not _T.MARKET:
        form["timeinforce"] = params.time_in_force.upper()
    if order.expire_time_ns is not None:
        form["expiretm"] = str(order.expire_time_ns // 1_000_000_000)
    if params.display_qty is not None:
        form["displayvol"] = format(params.display_qty, "f")
    form["cl_ord_id"] = params.cl_ord_id
    return form


def amend_order(
    order: Order,
    quantity: Quantity | Unset = UNSET,
    price: Price | Unset = UNSET,
    trigger_price: Price | Unset = UNSET,
) -> AmendOrderParams:
    """``amend_order`` params changing the given fields in place (by venue id when known,
    else by client id). ``quantity`` is the new total quantity."""
    if quantity is UNSET and price is UNSET and trigger_price is UNSET:
        raise InvalidInput("modify", "must change at least one of quantity, price, trigger_price")
    otype = order.order_type
    if price is not UNSET and otype not in _LIMIT_PRICED:
        raise _no(f"price: a {otype.name} order has no limit price to amend")
    if trigger_price is not UNSET and otype not in _TRIGGERED:
        raise _no(f"trigger_price: a {otype.name} order has no trigger price to amend")
    vid = str(order.venue_order_id or "")
    return AmendOrderParams(
        order_id=vid,
        cl_ord_id="" if vid else str(order.client_order_id),
        order_qty=None if quantity is UNSET else quantity.as_decimal(),
        limit_price=None if price is UNSET else price.as_decimal(),
        trigger_price=None if trigger_price is UNSET else trigger_price.as_decimal(),
    )


def cancel_order(*orders: Order) -> CancelOrderParams:
    """``cancel_order`` params for one or more orders: venue ids where known, client ids
    for the rest."""
    if not orders:
        raise InvalidInput("orders", "must name at least one order")
    vids = [str(o.venue_order_id) for o in orders if o.venue_order_id is not None]
    cids = [str(o.client_order_id) for o in orders if o.venue_order_id is None]
    return CancelOrderParams(order_id=vids, cl_ord_id=cids)


# -- executions -----------------------------------------------------------------------------------
class UpdateKind(enum.StrEnum):
    """What an execution reports, i.e. which order event an adapter emits for it."""

    ACCEPTED = "ACCEPTED"
    """The order is working (``accepted``): ``exec_type`` new."""
    FILL = "FILL"
    """A fill (``filled``, with :attr:`ExecutionUpdate.fill`): ``exec_type`` trade."""
    UPDATED = "UPDATED"
    """An amend or a venue restatement took effect (``updated``)."""
    CANCELED = "CANCELED"
    """The order was canceled (``canceled``)."""
    EXPIRED = "EXPIRED"
    """The order expired (``expired``): GTD time reached."""
    REJECTED = "REJECTED"
    """Canceled before any fill because a post-only order would have taken (``rejected``
    with ``POST_ONLY_WOULD_TAKE``)."""
    TRIGGERED = "TRIGGERED"
    """A triggered order's trigger fired (``triggered``)."""
    STATUS = "STATUS"
    """Nothing to emit: ``pending_new``, the separate ``filled`` after the last trade,
    ``iceberg_refill``, ``status``."""


class Fill(msgspec.Struct, frozen=True, gc=False):
    """One execution: ``commission`` is positive when paid (``None`` if not reported)."""

    trade_id: str
    last_qty: Quantity
    last_px: Price
    commission: Money | None
    liquidity_side: LiquiditySide
    ts_event: int


class ExecutionUpdate(msgspec.Struct, frozen=True, gc=False):
    """One ``executions`` event read for Lyra: the event to emit (``kind``) and the state.

    Fields the event does not carry are ``None`` (Kraken sends only what changed on most
    events); ``filled_qty`` and ``avg_px`` are cumulative when present.
    """

    kind: UpdateKind
    venue_order_id: str
    client_order_id: str | None
    instrument_id: InstrumentId | None
    side: OrderSide | None
    order_type: OrderType | None
    time_in_force: TimeInForce | None
    quantity: Quantity | None
    filled_qty: Quantity | None
    price: Price | None
    trigger_price: Price | None
    avg_px: Decimal | None
    post_only: bool
    fill: Fill | None
    reason: str
    reject_code: RejectCode | None
    ts_event: int


def _q(value: Decimal | None) -> Quantity | None:
    return None if value is None else Quantity(value)


def _p(value: Decimal | None) -> Price | None:
    return None if value is None else Price(value)


def _exec_fill(data: ExecutionData, ts_event: int) -> Fill | None:
    if data.last_qty is None or data.last_price is None or not data.last_qty:
        return None
    commission = None
    if data.fees:
        fee = data.fees[0]
        commission = Money(fee.qty, currency(fee.asset))
    liquidity = {"m": LiquiditySide.MAKER, "t": LiquiditySide.TAKER}.get(
        data.liquidity_ind, LiquiditySide.NO_LIQUIDITY_SIDE
    )
    trade_id = str(data.trade_id) if data.trade_id is not None else data.exec_id
    return Fill(
        trade_id, Quantity(data.last_qty), Price(data.last_price), commission, liquidity, ts_event
    )


def execution_update(data: ExecutionData) -> ExecutionUpdate:
    """Read one ``executions`` event for Lyra (see :class:`UpdateKind`).

    A ``canceled`` event of an order with nothing filled whose reason mentions post-only
    is REJECTED with ``POST_ONLY_WOULD_TAKE``; an ``order_status`` of ``triggered`` (or
    ``exec_type`` triggered) is TRIGGERED.
    """
    ts_event = parse_timestamp(data.timestamp)
    exec_type = data.exec_type
    fill = None
    code: RejectCode | None = None
    why = data.reason
    if exec_type == "trade":
        fill = _exec_fill(data, ts_event)
        kind = UpdateKind.FILL if fill is not None else UpdateKind.STATUS
    elif exec_type == "new":
        kind = UpdateKind.ACCEPTED
    elif exec_type in ("amended", "restated"):
        kind = UpdateKind.UPDATED
    elif exec_type == "canceled":
        lower = why.lower()
        nothing_filled = not data.cum_qty
        if nothing_filled and ("post only" in lower or "post-only" in lower):
            kind, code = UpdateKind.REJECTED, RejectCode.POST_ONLY_WOULD_TAKE
        else:
            kind = UpdateKind.CANCELED
    elif exec_type == "expired":
        kind = UpdateKind.EXPIRED
    elif exec_type == "triggered" or data.order_status == "triggered":
        kind = UpdateKind.TRIGGERED
    else:
        kind = UpdateKind.STATUS
    otype = _FROM_KRAKEN.get(data.order_type) if data.order_type else None
    side = None
    if data.side:
        side = OrderSide.BUY if data.side == "buy" else OrderSide.SELL
    return ExecutionUpdate(
        kind=kind,
        venue_order_id=data.order_id,
        client_order_id=data.cl_ord_id or None,
        instrument_id=instrument_id(data.symbol) if data.symbol else None,
        side=side,
        order_type=otype,
        time_in_force=_TIF_FROM.get(data.time_in_force.lower()) if data.time_in_force else None,
        quantity=_q(data.order_qty),
        filled_qty=_q(data.cum_qty),
        price=_p(data.limit_price) if data.limit_price_type in ("", "static") else None,
        trigger_price=_p(data.trigger_price),
        avg_px=data.avg_price if data.avg_price else None,
        post_only=data.post_only,
        fill=fill,
        reason=why,
        reject_code=code,
        ts_event=ts_event,
    )
