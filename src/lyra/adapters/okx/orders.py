"""Lyra orders <-> OKX order requests and order updates.

Out (Lyra -> OKX): :func:`place_order` turns an :class:`~lyra.orders.Order` into the body of
``POST /api/v5/trade/order`` (websocket op ``order``) or, for triggered types, of
``POST /api/v5/trade/order-algo``; :func:`place_order_list` an OCO pair into one ``oco``
algo order; :func:`amend_order` and :func:`cancel_order` the amend and cancel requests.
Each returns a ``msgspec`` struct; :func:`to_payload` gives the JSON-ready dict.

==========================================  ===============================================
Lyra                                        OKX
==========================================  ===============================================
MARKET (GTC/IOC)                            ``ordType=market``; spot: ``tgtCcy`` base_ccy
                                            (quote_ccy with ``quote_quantity``); swaps and
                                            futures with IOC: ``optimal_limit_ioc``
LIMIT GTC / post_only / IOC / FOK           ``limit`` / ``post_only`` / ``ioc`` / ``fok``
STOP_MARKET, MARKET_IF_TOUCHED              algo ``trigger``, ``orderPx=-1``
STOP_LIMIT, LIMIT_IF_TOUCHED                algo ``trigger``, ``orderPx=price``
trigger_type DEFAULT/LAST, INDEX, MARK      ``triggerPxType`` last, index, mark
TRAILING_STOP_MARKET (PRICE / BASIS_POINTS) algo ``move_order_stop`` with ``callbackSpread`` /
                                            ``callbackRatio`` (bp / 10000), ``activePx``
reduce_only (margin and derivatives)        ``reduceOnly=true``
OCO of a take-profit (MIT/LIT) and a stop   algo ``oco`` (``tp*`` and ``sl*`` fields)
(STOP_MARKET/STOP_LIMIT), same side and
quantity
client_order_id                             ``clOrdId`` / ``algoClOrdId`` (1-32 letters
                                            and digits)
==========================================  ===============================================

What OKX cannot do raises :class:`~lyra.errors.NotSupported` whose message names the field:
GTD/DAY/auction time in force, iceberg (``display_qty``), MARKET_TO_LIMIT and
TRAILING_STOP_LIMIT, trailing offsets in TICKS, trailing stops with an initial trigger
price, post-only or IOC/FOK on triggered orders, reduce-only in spot cash mode, quote
quantities except on spot MARKET, OUO/OTO lists. :data:`SPOT_CAPABILITIES` and
:data:`DERIVATIVES_CAPABILITIES` say the same for Lyra's emulator and contingency
manager, and :func:`unsupported` gives the reason for any order without raising, so an
adapter can deny it (``NOT_SUPPORTED``) before sending anything.

In (OKX -> Lyra): :func:`order_update` reads an ``orders`` channel push (or a REST order)
into an :class:`OrderUpdate` -- what happened (:class:`UpdateKind`), the order's state
after it, and the fill it reports -- which is everything an adapter needs to emit the
matching :class:`~lyra.orders.EventFactory` event. :func:`algo_update` does the same for
``orders-algo``.
"""

from __future__ import annotations

import enum
import re
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
from lyra.venue.capabilities import AmendMode, ContingencySupport, VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.unset import UNSET, Unset

from .codes import classify, reason
from .messages import AlgoOrderData, OrderData
from .symbols import VENUE, currency, inst_id, inst_type, instrument_id

__all__ = (
    "CANCEL_SOURCES",
    "DERIVATIVES_CAPABILITIES",
    "SPOT_CAPABILITIES",
    "AlgoCancelRequest",
    "AlgoOrderRequest",
    "AlgoUpdate",
    "AmendAlgoRequest",
    "AmendRequest",
    "CancelRequest",
    "Fill",
    "OrderRequest",
    "OrderUpdate",
    "UpdateKind",
    "algo_update",
    "amend_order",
    "cancel_order",
    "capabilities_for",
    "client_id",
    "order_update",
    "place_order",
    "place_order_list",
    "to_payload",
    "unsupported",
    "unsupported_list",
)

_T = OrderType
_TIF = TimeInForce
_NS_PER_MS: Final = 1_000_000
_CLIENT_ID: Final = re.compile(r"[A-Za-z0-9]{1,32}")
_BP: Final = Decimal(10_000)
_TRIGGERED: Final = frozenset(
    {_T.STOP_MARKET, _T.STOP_LIMIT, _T.MARKET_IF_TOUCHED, _T.LIMIT_IF_TOUCHED}
)
_LIMIT_TRIGGERED: Final = frozenset({_T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED})
_TAKE_PROFIT: Final = frozenset({_T.MARKET_IF_TOUCHED, _T.LIMIT_IF_TOUCHED})
_STOP: Final = frozenset({_T.STOP_MARKET, _T.STOP_LIMIT})
_TRIGGER_PX_TYPE: Final = {
    TriggerType.DEFAULT: "last",
    TriggerType.LAST_PRICE: "last",
    TriggerType.INDEX_PRICE: "index",
    TriggerType.MARK_PRICE: "mark",
}
_TRIGGER_FROM_OKX: Final = {
    "last": TriggerType.LAST_PRICE,
    "index": TriggerType.INDEX_PRICE,
    "mark": TriggerType.MARK_PRICE,
}

CANCEL_SOURCES: Final = {
    "0": "canceled by the system",
    "1": "canceled by the user",
    "13": "FOK order not completely filled",
    "14": "IOC order partly filled; the rest canceled",
    "20": "cancel-all-after (dead man's switch) fired",
    "31": "post-only order would have taken liquidity",
    "32": "self-trade prevention",
}
"""Readable text of the ``cancelSource`` codes an adapter meets most (others are shown by
number)."""


# -- capabilities ---------------------------------------------------------------------------------
def _capabilities(*, derivatives: bool) -> VenueCapabilities:
    triggers = {TriggerType.LAST_PRICE, TriggerType.INDEX_PRICE}
    if derivatives:
        triggers.add(TriggerType.MARK_PRICE)
    return VenueCapabilities(
        order_types=frozenset({_T.MARKET, _T.LIMIT, *_TRIGGERED, _T.TRAILING_STOP_MARKET}),
        time_in_force=frozenset({_TIF.GTC, _TIF.IOC, _TIF.FOK}),
        post_only=True,
        reduce_only=derivatives,
        iceberg=False,
        quote_quantity=frozenset() if derivatives else frozenset({_T.MARKET}),
        trigger_types=frozenset(triggers),
        trailing_offset_types=frozenset(
            {TrailingOffsetType.PRICE, TrailingOffsetType.BASIS_POINTS}
        ),
        activation_price=True,
        amend=AmendMode.IN_PLACE,
        amend_quantity=True,
        amend_quantity_increase=True,
        amend_price=True,
        amend_trigger_price=True,
        amend_order_types=frozenset({_T.LIMIT, *_TRIGGERED}),
        contingencies=(ContingencySupport(contingency_type=ContingencyType.OCO, max_orders=2),),
        max_open_orders=4000,
        book_depths=frozenset({1, 5, 50, 400}),
    )


SPOT_CAPABILITIES: Final = _capabilities(derivatives=False)
"""What OKX spot (``tdMode`` cash) takes natively."""
DERIVATIVES_CAPABILITIES: Final = _capabilities(derivatives=True)
"""What OKX swaps and futures take natively (reduce-only and mark-price triggers too)."""


def capabilities_for(instrument_id: str) -> VenueCapabilities:
    """The capabilities that apply to one instrument (spot or derivative)."""
    return (
        SPOT_CAPABILITIES
        if inst_type(inst_id(instrument_id)) == "SPOT"
        else DERIVATIVES_CAPABILITIES
    )


# -- requests -------------------------------------------------------------------------------------
class _Request(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True, gc=False):
    """Base of the request bodies: camelCase, fields left at their default are omitted."""


class OrderRequest(_Request, frozen=True):
    """``POST /api/v5/trade/order`` (websocket op ``order``)."""

    inst_id: str
    td_mode: str
    side: str
    ord_type: str
    sz: str
    px: str = ""
    cl_ord_id: str = ""
    tag: str = ""
    pos_side: str = ""
    reduce_only: bool = False
    tgt_ccy: str = ""


class AlgoOrderRequest(_Request, frozen=True):
    """``POST /api/v5/trade/order-algo``: trigger, move_order_stop and oco orders."""

    inst_id: str
    td_mode: str
    side: str
    ord_type: str
    sz: str
    algo_cl_ord_id: str = ""
    tag: str = ""
    pos_side: str = ""
    reduce_only: bool = False
    tgt_ccy: str = ""
    trigger_px: str = ""
    order_px: str = ""
    trigger_px_type: str = ""
    tp_trigger_px: str = ""
    tp_ord_px: str = ""
    tp_trigger_px_type: str = ""
    sl_trigger_px: str = ""
    sl_ord_px: str = ""
    sl_trigger_px_type: str = ""
    callback_ratio: str = ""
    callback_spread: str = ""
    active_px: str = ""


class AmendRequest(_Request, frozen=True):
    """``POST /api/v5/trade/amend-order`` (websocket op ``amend-order``); ``newSz`` is the
    new total quantity, filled part included."""

    inst_id: str
    ord_id: str = ""
    cl_ord_id: str = ""
    req_id: str = ""
    new_sz: str = ""
    new_px: str = ""
    cxl_on_fail: bool = False


class AmendAlgoRequest(_Request, frozen=True):
    """``POST /api/v5/trade/amend-algos`` for a trigger order."""

    inst_id: str
    algo_id: str = ""
    algo_cl_ord_id: str = ""
    req_id: str = ""
    new_sz: str = ""
    new_trigger_px: str = ""
    new_ord_px: str = ""


class CancelRequest(_Request, frozen=True):
    """``POST /api/v5/trade/cancel-order`` (websocket op ``cancel-order``)."""

    inst_id: str
    ord_id: str = ""
    cl_ord_id: str = ""


class AlgoCancelRequest(_Request, frozen=True):
    """One entry of ``POST /api/v5/trade/cancel-algos`` (a list of up to 10)."""

    inst_id: str
    algo_id: str = ""
    algo_cl_ord_id: str = ""


def to_payload(request: msgspec.Struct) -> dict[str, Any]:
    """A request struct as the JSON-ready dict OKX expects (defaults omitted)."""
    out = msgspec.to_builtins(request)
    assert isinstance(out, dict)
    return out


def _no(text: str) -> NotSupported:
    return NotSupported(text, venue=str(VENUE))


def _client_id_problem(value: str, field: str) -> str | None:
    if _CLIENT_ID.fullmatch(value) is None:
        return f"{field}: OKX needs 1-32 letters and digits (got {value!r})"
    return None


def client_id(value: str, field: str = "client_order_id") -> str:
    """``value`` if OKX accepts it as a ``clOrdId`` (1-32 letters and digits), else
    :class:`~lyra.errors.NotSupported` naming ``field``. Lyra's generated ids always pass."""
    problem = _client_id_problem(value, field)
    if problem is not None:
        raise _no(problem)
    return value


def _trigger_px_type(order: Order, kind: str) -> str | None:
    px_type = _TRIGGER_PX_TYPE.get(order.trigger_type)
    if px_type is None or (px_type == "mark" and kind == "SPOT"):
        return None
    return px_type


def _common_problem(order: Order, kind: str, td_mode: str) -> str | None:
    otype = order.order_type
    if otype in (_T.MARKET_TO_LIMIT, _T.TRAILING_STOP_LIMIT):
        return f"order_type: {otype.name} orders are not offered by OKX"
    tif = order.time_in_force
    if tif not in (_TIF.GTC, _TIF.IOC, _TIF.FOK):
        return f"time_in_force: {tif.name} is not offered (only GTC, IOC, FOK)"
    if order.display_qty is not None:
        return "display_qty: iceberg orders are not offered through the order API"
    if order.reduce_only and td_mode == "cash":
        return "reduce_only: reduce-only needs a margin or derivatives trade mode, not cash"
    if order.quote_quantity and (otype is not _T.MARKET or kind != "SPOT"):
        return "quote_quantity: a quote-currency quantity is offered on spot MARKET orders only"
    if otype is _T.MARKET and tif is _TIF.FOK:
        return "time_in_force: FOK market orders are not offered (use a FOK limit)"
    if otype is _T.MARKET or otype is _T.LIMIT:
        return _client_id_problem(str(order.client_order_id), "client_order_id")
    if tif is not _TIF.GTC:
        return f"time_in_force: {otype.name} orders are GTC only on OKX"
    if order.post_only:
        return f"post_only: {otype.name} orders cannot be post-only on OKX"
    if otype in _TRIGGERED and _trigger_px_type(order, kind) is None:
        return f"trigger_type: {order.trigger_type.name} triggers are not offered for {kind}"
    if otype is _T.TRAILING_STOP_MARKET:
        if order.trigger_price is not None:
            return "trigger_price: OKX trailing stops take no initial trigger price"
        if order.trigger_type not in (TriggerType.DEFAULT, TriggerType.LAST_PRICE):
            return "trigger_type: OKX trailing stops follow the last price only"
        unit = order.trailing_offset_type
        if unit not in (TrailingOffsetType.BASIS_POINTS, TrailingOffsetType.PRICE):
            return f"trailing_offset_type: {unit.name} offsets are not offered"
    return _client_id_problem(str(order.client_order_id), "client_order_id")


def _mode(kind: str, td_mode: str | None) -> str:
    return td_mode or ("cash" if kind == "SPOT" else "cross")


def unsupported(order: Order, *, td_mode: str | None = None) -> str | None:
    """Why OKX cannot take ``order`` as it is (``None`` when it can), without raising: the
    reason :func:`place_order` would raise, for an adapter's ``NOT_SUPPORTED`` denial."""
    kind = inst_type(inst_id(order.instrument_id))
    return _common_problem(order, kind, _mode(kind, td_mode))


def place_order(
    order: Order, *, td_mode: str | None = None, tag: str = "", pos_side: str = ""
) -> OrderRequest | AlgoOrderRequest:
    """The OKX request that places ``order`` (see the module table).

    ``td_mode`` defaults to ``cash`` for spot and ``cross`` for swaps and futures;
    ``pos_side`` is needed only in long/short position mode. Raises
    :class:`~lyra.errors.NotSupported` naming the field OKX cannot take.
    """
    inst = inst_id(order.instrument_id)
    kind = inst_type(inst)
    mode = _mode(kind, td_mode)
    problem = _common_problem(order, kind, mode)
    if problem is not None:
        raise _no(problem)
    otype = order.order_type
    tif = order.time_in_force
    side = "buy" if order.side == OrderSide.BUY else "sell"
    sz = str(order.quantity)
    cid = str(order.client_order_id)
    reduce = order.reduce_only
    if otype is _T.MARKET:
        ord_type = "optimal_limit_ioc" if tif is _TIF.IOC and kind != "SPOT" else "market"
        tgt = ("quote_ccy" if order.quote_quantity else "base_ccy") if kind == "SPOT" else ""
        return OrderRequest(
            inst,
            mode,
            side,
            ord_type,
            sz,
            cl_ord_id=cid,
            tag=tag,
            pos_side=pos_side,
            reduce_only=reduce,
            tgt_ccy=tgt,
        )
    if otype is _T.LIMIT:
        if order.post_only:
            ord_type = "post_only"
        else:
            ord_type = {_TIF.GTC: "limit", _TIF.IOC: "ioc", _TIF.FOK: "fok"}[tif]
        return OrderRequest(
            inst,
            mode,
            side,
            ord_type,
            sz,
            px=str(order.price),
            cl_ord_id=cid,
            tag=tag,
            pos_side=pos_side,
            reduce_only=reduce,
        )
    if otype in _TRIGGERED:
        return AlgoOrderRequest(
            inst,
            mode,
            side,
            "trigger",
            sz,
            algo_cl_ord_id=cid,
            tag=tag,
            pos_side=pos_side,
            reduce_only=reduce,
            trigger_px=str(order.trigger_price),
            order_px=str(order.price) if otype in _LIMIT_TRIGGERED else "-1",
            trigger_px_type=_trigger_px_type(order, kind) or "last",
        )
    # TRAILING_STOP_MARKET (the only type left after the checks)
    offset = order.trailing_offset
    assert offset is not None
    ratio = spread = ""
    if order.trailing_offset_type is TrailingOffsetType.BASIS_POINTS:
        ratio = format((offset / _BP).normalize(), "f")
    else:
        spread = format(offset.normalize(), "f")
    return AlgoOrderRequest(
        inst,
        mode,
        side,
        "move_order_stop",
        sz,
        algo_cl_ord_id=cid,
        tag=tag,
        pos_side=pos_side,
        reduce_only=reduce,
        callback_ratio=ratio,
        callback_spread=spread,
        active_px="" if order.activation_price is None else str(order.activation_price),
    )


def _list_problem(order_list: OrderList, td_mode: str | None) -> str | None:
    if order_list.contingency_type != ContingencyType.OCO or len(order_list) != 2:
        return "order_list: only two-order OCO lists are native on OKX"
    a, b = order_list.orders
    tp, sl = (a, b) if a.order_type in _TAKE_PROFIT else (b, a)
    if tp.order_type not in _TAKE_PROFIT or sl.order_type not in _STOP:
        return (
            "order_list: an OKX OCO is one take-profit (MARKET_IF_TOUCHED/LIMIT_IF_TOUCHED) "
            "and one stop (STOP_MARKET/STOP_LIMIT)"
        )
    if tp.side != sl.side or tp.quantity != sl.quantity or tp.instrument_id != sl.instrument_id:
        return "order_list: both orders of an OKX OCO share instrument, side and quantity"
    if tp.reduce_only != sl.reduce_only:
        return "order_list: both orders of an OKX OCO must agree on reduce_only"
    kind = inst_type(inst_id(tp.instrument_id))
    for order in (tp, sl):
        problem = _common_problem(order, kind, _mode(kind, td_mode))
        if problem is not None:
            return f"{order.client_order_id}: {problem}"
    return _client_id_problem(str(order_list.order_list_id), "order_list_id")


def unsupported_list(order_list: OrderList, *, td_mode: str | None = None) -> str | None:
    """Why OKX cannot enforce ``order_list`` natively (``None`` when it can), without
    raising; the contingency manager emulates what is refused here."""
    return _list_problem(order_list, td_mode)


def place_order_list(
    order_list: OrderList, *, td_mode: str | None = None, tag: str = "", pos_side: str = ""
) -> AlgoOrderRequest:
    """One OKX ``oco`` algo order for a Lyra OCO list of a take-profit (MARKET_IF_TOUCHED or
    LIMIT_IF_TOUCHED) and a stop (STOP_MARKET or STOP_LIMIT) on the same instrument, side
    and quantity; ``algoClOrdId`` is the list id. Anything else raises
    :class:`~lyra.errors.NotSupported` (see :func:`unsupported_list`)."""
    problem = _list_problem(order_list, td_mode)
    if problem is not None:
        raise _no(problem)
    a, b = order_list.orders
    tp, sl = (a, b) if a.order_type in _TAKE_PROFIT else (b, a)
    inst = inst_id(tp.instrument_id)
    kind = inst_type(inst)
    return AlgoOrderRequest(
        inst,
        _mode(kind, td_mode),
        "buy" if tp.side == OrderSide.BUY else "sell",
        "oco",
        str(tp.quantity),
        algo_cl_ord_id=str(order_list.order_list_id),
        tag=tag,
        pos_side=pos_side,
        reduce_only=tp.reduce_only,
        tp_trigger_px=str(tp.trigger_price),
        tp_ord_px=str(tp.price) if tp.order_type is _T.LIMIT_IF_TOUCHED else "-1",
        tp_trigger_px_type=_trigger_px_type(tp, kind) or "last",
        sl_trigger_px=str(sl.trigger_price),
        sl_ord_px=str(sl.price) if sl.order_type is _T.STOP_LIMIT else "-1",
        sl_trigger_px_type=_trigger_px_type(sl, kind) or "last",
    )


def amend_order(
    order: Order,
    quantity: Quantity | Unset = UNSET,
    price: Price | Unset = UNSET,
    trigger_price: Price | Unset = UNSET,
    *,
    req_id: str = "",
) -> AmendRequest | AmendAlgoRequest:
    """The amend request for a working order; ``UNSET`` fields are left as they are.

    LIMIT orders amend quantity and price (``amend-order``); triggered orders quantity,
    trigger price and limit price (``amend-algos``). ``req_id`` (1-32 letters and digits)
    lets the reply be matched to the request.
    """
    inst = inst_id(order.instrument_id)
    if req_id:
        client_id(req_id, "req_id")
    new_sz = "" if quantity is UNSET else str(quantity)
    new_px = "" if price is UNSET else str(price)
    new_trigger = "" if trigger_price is UNSET else str(trigger_price)
    if not (new_sz or new_px or new_trigger):
        raise InvalidInput("modify", "must change at least one of quantity, price, trigger_price")
    otype = order.order_type
    if otype is _T.LIMIT:
        if new_trigger:
            raise _no("trigger_price: a LIMIT order has no trigger price")
        vid = str(order.venue_order_id or "")
        return AmendRequest(
            inst,
            ord_id=vid,
            cl_ord_id="" if vid else str(order.client_order_id),
            req_id=req_id,
            new_sz=new_sz,
            new_px=new_px,
        )
    if otype in _TRIGGERED:
        if new_px and otype not in _LIMIT_TRIGGERED:
            raise _no(f"price: a {otype.name} order has no limit price")
        return AmendAlgoRequest(
            inst,
            algo_cl_ord_id=str(order.client_order_id),
            req_id=req_id,
            new_sz=new_sz,
            new_trigger_px=new_trigger,
            new_ord_px=new_px,
        )
    raise _no(f"modify: {otype.name} orders cannot be amended on OKX")


def cancel_order(order: Order) -> CancelRequest | AlgoCancelRequest:
    """The cancel request for ``order``: by venue id when known, else by client id; algo
    orders (triggers, trailing stops) through ``cancel-algos``."""
    inst = inst_id(order.instrument_id)
    if order.order_type in _TRIGGERED or order.order_type is _T.TRAILING_STOP_MARKET:
        return AlgoCancelRequest(inst, algo_cl_ord_id=str(order.client_order_id))
    vid = str(order.venue_order_id or "")
    return CancelRequest(inst, ord_id=vid, cl_ord_id="" if vid else str(order.client_order_id))


# -- updates --------------------------------------------------------------------------------------
class UpdateKind(enum.StrEnum):
    """What an order update reports, i.e. which order event an adapter emits for it."""

    ACCEPTED = "ACCEPTED"
    """The venue acknowledged the order (``accepted``)."""
    FILL = "FILL"
    """A fill (``filled``, with :attr:`OrderUpdate.fill`)."""
    UPDATED = "UPDATED"
    """An amend took effect (``updated``)."""
    MODIFY_REJECTED = "MODIFY_REJECTED"
    """An amend failed; the order is unchanged (``modify_rejected``)."""
    CANCELED = "CANCELED"
    """The order was canceled (``canceled``), by the user or the venue."""
    REJECTED = "REJECTED"
    """The venue refused the order (``rejected``), e.g. a post-only that would take."""
    TRIGGERED = "TRIGGERED"
    """An algo order's trigger fired (``triggered``)."""
    STATUS = "STATUS"
    """Nothing to emit (a state echo, a spot market order's final push without a fill)."""


class Fill(msgspec.Struct, frozen=True, gc=False):
    """One execution: ``commission`` is positive when paid, negative for a rebate."""

    trade_id: str
    last_qty: Quantity
    last_px: Price
    commission: Money | None
    liquidity_side: LiquiditySide
    ts_event: int


class OrderUpdate(msgspec.Struct, frozen=True, gc=False):
    """An ``orders`` push read for Lyra: the event to emit (``kind``) and the order's state.

    ``client_order_id`` is ``None`` for orders placed outside Lyra. ``filled_qty`` and
    ``avg_px`` are cumulative; ``reason`` is the venue's words (cancel source, error);
    ``reject_code`` is set for REJECTED and MODIFY_REJECTED. ``algo_client_id`` links the
    order to the algo order (trigger, OCO) that placed it.
    """

    kind: UpdateKind
    instrument_id: InstrumentId
    venue_order_id: str
    client_order_id: str | None
    side: OrderSide
    order_type: OrderType
    time_in_force: TimeInForce
    quantity: Quantity
    filled_qty: Quantity
    price: Price | None
    avg_px: Decimal | None
    post_only: bool
    reduce_only: bool
    fill: Fill | None
    reason: str
    reject_code: RejectCode | None
    algo_client_id: str
    ts_event: int


_ORD_TYPES: Final = {
    "market": (_T.MARKET, _TIF.GTC, False),
    "limit": (_T.LIMIT, _TIF.GTC, False),
    "post_only": (_T.LIMIT, _TIF.GTC, True),
    "ioc": (_T.LIMIT, _TIF.IOC, False),
    "fok": (_T.LIMIT, _TIF.FOK, False),
    "optimal_limit_ioc": (_T.MARKET, _TIF.IOC, False),
}


def _ms(text: str) -> int:
    return int(text or "0") * _NS_PER_MS


def _qty(text: str) -> Quantity:
    return Quantity(text or "0")


def _fill(data: OrderData) -> Fill | None:
    if not data.trade_id or not data.fill_sz or Decimal(data.fill_sz) == 0:
        return None
    commission = None
    if data.fill_fee and data.fill_fee_ccy:
        # OKX: negative fee = charged; Lyra: positive commission = paid.
        commission = -Money(data.fill_fee, currency(data.fill_fee_ccy))
    liquidity = {"T": LiquiditySide.TAKER, "M": LiquiditySide.MAKER}.get(
        data.exec_type, LiquiditySide.NO_LIQUIDITY_SIDE
    )
    return Fill(
        data.trade_id,
        Quantity(data.fill_sz),
        Price(data.fill_px),
        commission,
        liquidity,
        _ms(data.fill_time or data.u_time),
    )


def order_update(data: OrderData) -> OrderUpdate:
    """Read an ``orders`` push (or a REST order) for Lyra (see :class:`UpdateKind`).

    ``state`` live -> ACCEPTED (UPDATED after a successful amend); a push with a fill ->
    FILL; canceled -> CANCELED, or REJECTED with ``POST_ONLY_WOULD_TAKE`` when a post-only
    order was canceled before any fill because it would have taken (``cancelSource`` 31);
    a failed amend (``amendResult`` -1) -> MODIFY_REJECTED.
    """
    otype, tif, post_only = _ORD_TYPES.get(data.ord_type, (_T.LIMIT, _TIF.GTC, False))
    fill = _fill(data)
    state = data.state
    kind = UpdateKind.STATUS
    why = ""
    code: RejectCode | None = None
    if data.amend_result == "-1":
        kind = UpdateKind.MODIFY_REJECTED
        why = reason(data.code, data.msg)
        code = classify(data.code, data.msg).reject_code
    elif fill is not None:
        kind = UpdateKind.FILL
    elif data.amend_result == "0" and state in ("live", "partially_filled"):
        kind = UpdateKind.UPDATED
    elif state in ("canceled", "mmp_canceled"):
        source = data.cancel_source
        why = CANCEL_SOURCES.get(source, f"cancelSource {source}" if source else "canceled")
        if source == "31" and Decimal(data.acc_fill_sz or "0") == 0:
            kind, code = UpdateKind.REJECTED, RejectCode.POST_ONLY_WOULD_TAKE
            why = f"OKX cancelSource 31: {why}"
        else:
            kind = UpdateKind.CANCELED
    elif state == "live":
        kind = UpdateKind.ACCEPTED
    return OrderUpdate(
        kind=kind,
        instrument_id=instrument_id(data.inst_id),
        venue_order_id=data.ord_id,
        client_order_id=data.cl_ord_id or None,
        side=OrderSide.BUY if data.side == "buy" else OrderSide.SELL,
        order_type=otype,
        time_in_force=tif,
        quantity=_qty(data.sz),
        filled_qty=_qty(data.acc_fill_sz),
        price=Price(data.px) if data.px and otype is _T.LIMIT else None,
        avg_px=Decimal(data.avg_px) if data.avg_px and Decimal(data.avg_px) else None,
        post_only=post_only,
        reduce_only=data.reduce_only == "true",
        fill=fill,
        reason=why,
        reject_code=code,
        algo_client_id=data.algo_cl_ord_id,
        ts_event=_ms(data.u_time),
    )


class AlgoUpdate(msgspec.Struct, frozen=True, gc=False):
    """An ``orders-algo`` push read for Lyra.

    ``kind`` is ACCEPTED (live), TRIGGERED (effective: ``venue_order_ids`` names the order it
    placed, whose fills then arrive on the ``orders`` channel), CANCELED, REJECTED
    (order_failed) or STATUS. ``trigger_type`` is the trigger's reference price.
    """

    kind: UpdateKind
    instrument_id: InstrumentId
    algo_id: str
    algo_client_id: str | None
    ord_type: str
    venue_order_id: str
    trigger_type: TriggerType
    reason: str
    ts_event: int


def algo_update(data: AlgoOrderData) -> AlgoUpdate:
    """Read an ``orders-algo`` push (or a REST algo order) for Lyra."""
    state = data.state
    kind = {
        "live": UpdateKind.ACCEPTED,
        "effective": UpdateKind.TRIGGERED,
        "partially_effective": UpdateKind.TRIGGERED,
        "canceled": UpdateKind.CANCELED,
        "order_failed": UpdateKind.REJECTED,
        "partially_failed": UpdateKind.REJECTED,
    }.get(state, UpdateKind.STATUS)
    px_type = data.trigger_px_type or data.sl_trigger_px_type or data.tp_trigger_px_type
    why = ""
    if kind is UpdateKind.REJECTED:
        why = reason(data.fail_code or "order_failed", state)
    return AlgoUpdate(
        kind,
        instrument_id(data.inst_id),
        data.algo_id,
        data.algo_cl_ord_id or None,
        data.ord_type,
        data.ord_id,
        _TRIGGER_FROM_OKX.get(px_type, TriggerType.DEFAULT),
        why,
        _ms(data.u_time),
    )
