"""Lyra orders -> Coinbase order configurations, and Coinbase's order updates -> Lyra fields.

**Outgoing.** :func:`order_configuration` maps a Lyra :class:`~lyra.orders.Order` to the one
``order_configuration`` Coinbase expects (docs.cdp.coinbase.com, "Create Order"; "Advanced
API Order Management"):

=================  ==================  ===============================================
Lyra order type    time in force       Coinbase configuration
=================  ==================  ===============================================
MARKET             GTC, IOC            ``market_market_ioc`` (``base_size``; a BUY with
                                       ``quote_quantity`` uses ``quote_size``)
MARKET             FOK                 ``market_market_fok`` (futures products only)
LIMIT              GTC                 ``limit_limit_gtc`` (``post_only``)
LIMIT              GTD                 ``limit_limit_gtd`` (``end_time``, ``post_only``)
LIMIT              IOC                 ``sor_limit_ioc``
LIMIT              FOK                 ``limit_limit_fok``
STOP_LIMIT         GTC                 ``stop_limit_stop_limit_gtc``
STOP_LIMIT         GTD                 ``stop_limit_stop_limit_gtd``
=================  ==================  ===============================================

A market order never rests, so GTC and IOC both mean "fill what you can now". A stop-limit's
``stop_direction`` follows its side: a BUY stop triggers on a rise (``STOP_UP``), a SELL on a
fall (``STOP_DOWN``), which is Lyra's stop semantics; Coinbase triggers on the last trade
price. Everything else raises :class:`~lyra.errors.NotSupported` naming the field: STOP_MARKET,
trailing stops and if-touched orders (the emulator holds them locally and releases a
supported order), DAY/auction time in force, ``reduce_only`` on spot, ``display_qty``
(iceberg), ``post_only`` on a stop-limit, a ``quote_quantity`` other than a market BUY, a
trigger type other than last price.

:func:`bracket_exit_configuration` maps a take-profit LIMIT and a stop-loss STOP order of the
same side and size to ``trigger_bracket_gtc``/``_gtd`` (one Coinbase order: a resting limit
exit plus a stop trigger that exits through a stop-limit 5% beyond the trigger), and
:func:`attached_bracket_request` attaches one to a MARKET or LIMIT entry
(``attached_order_configuration``). Neither matches Lyra's OCO/bracket contract exactly (the
stop leg is a collared stop-limit; the attached exit is sized by Coinbase), so
:data:`lyra.adapters.coinbase.capabilities.CAPABILITIES` does not claim native lists and the
:class:`~lyra.contingency.ContingencyManager` emulates them; these two functions are for
callers who ask for the venue's own bracket on purpose.

:func:`order_spec` is the inverse for a fake server: a configuration back to the Lyra
order fields it encodes.

**Incoming.** The ``user`` channel reports each order's cumulative state (status,
``cumulative_quantity``, ``avg_price``, ``filled_value``, ``total_fees``) but no per-fill trade
id. :class:`UserOrderTracker` keeps the last state per order and turns each message into an
:class:`OrderUpdate`: the Lyra status to report and, when the cumulative quantity grew, a
:class:`FillDelta` with the quantity, price and commission of what filled since, under a
deterministic trade id ``"<order_id>-<cumulative quantity>"``, so a repeated message yields
the same id and :meth:`lyra.orders.Order.apply` drops it as a duplicate.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final, Literal

import msgspec

from lyra.adapters.coinbase._parse import format_rfc3339, rfc3339_ns
from lyra.adapters.coinbase.messages import (
    CancelOrdersRequest,
    CreateOrderRequest,
    EditOrderRequest,
    LimitLimitFok,
    LimitLimitGtc,
    LimitLimitGtd,
    MarketIoc,
    OrderConfiguration,
    SorLimitIoc,
    StopLimitGtc,
    StopLimitGtd,
    TriggerBracketGtc,
    TriggerBracketGtd,
    UserEvent,
    UserOrder,
)
from lyra.adapters.coinbase.symbols import VENUE, product_id
from lyra.errors import InvalidInput, NotSupported
from lyra.model.currency import Currency
from lyra.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce, TriggerType
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION, Money, Price, Quantity
from lyra.orders import Order

__all__ = (
    "FillDelta",
    "OrderSpec",
    "OrderUpdate",
    "UserOrderTracker",
    "attached_bracket_request",
    "bracket_exit_configuration",
    "cancel_orders_request",
    "create_order_request",
    "edit_order_request",
    "lyra_status",
    "order_configuration",
    "order_spec",
    "parse_order_type",
    "parse_time_in_force",
)

_T = OrderType
_TIF = TimeInForce
_STOP_UP: Final = "STOP_DIRECTION_STOP_UP"
_STOP_DOWN: Final = "STOP_DIRECTION_STOP_DOWN"
_SUPPORTED_TYPES: Final = "LIMIT, MARKET, STOP_LIMIT"
_LAST_PRICE_TRIGGERS: Final = frozenset(
    {TriggerType.NO_TRIGGER, TriggerType.DEFAULT, TriggerType.LAST_PRICE}
)


def _refuse(order: Order, field: str, rule: str) -> NotSupported:
    return NotSupported(f"{field}: {rule}", venue=VENUE, client_order_id=str(order.client_order_id))


def _side(order: Order) -> Literal["BUY", "SELL"]:
    return "BUY" if order.side == OrderSide.BUY else "SELL"


def _end_time(order: Order) -> str:
    expire = order.expire_time_ns
    if expire is None:  # validation guarantees it with GTD; kept for type checkers
        raise InvalidInput("expire_time_ns", "is required when time_in_force is GTD")
    return format_rfc3339(expire)


def order_configuration(order: Order, *, product_type: str = "SPOT") -> OrderConfiguration:
    """The ``order_configuration`` of ``order`` (see the module table).

    ``product_type`` is the product's (``SPOT`` or ``FUTURE``): FOK market orders exist on
    futures only. Raises :class:`~lyra.errors.NotSupported` naming the field Coinbase lacks.
    """
    if not isinstance(order, Order):
        raise InvalidInput("order", "must be a lyra.orders.Order", order)
    kind = order.order_type
    tif = order.time_in_force
    if order.reduce_only and product_type == "SPOT":
        raise _refuse(order, "reduce_only", "Coinbase spot products have no reduce-only flag")
    if order.display_qty is not None:
        raise _refuse(order, "display_qty", "Coinbase has no iceberg orders")
    if order.quote_quantity and not (kind == _T.MARKET and order.side == OrderSide.BUY):
        raise _refuse(
            order,
            "quote_quantity",
            "Coinbase takes a quote-currency size on MARKET BUY orders only",
        )
    if tif not in (_TIF.GTC, _TIF.IOC, _TIF.FOK, _TIF.GTD):
        raise _refuse(
            order, "time_in_force", f"{tif.name} is not offered (supported: FOK, GTC, GTD, IOC)"
        )
    size = str(order.quantity)
    if kind == _T.MARKET:
        sizes = MarketIoc(quote_size=size) if order.quote_quantity else MarketIoc(base_size=size)
        if tif == _TIF.FOK:
            if product_type == "SPOT":
                raise _refuse(
                    order, "time_in_force", "FOK MARKET orders exist on futures products only"
                )
            return OrderConfiguration(market_market_fok=sizes)
        if tif == _TIF.GTD:
            raise _refuse(order, "time_in_force", "a MARKET order cannot be GTD")
        return OrderConfiguration(market_market_ioc=sizes)
    price = order.price
    if kind == _T.LIMIT:
        assert price is not None  # validation guarantees a LIMIT price
        limit = str(price)
        if tif == _TIF.GTC:
            return OrderConfiguration(
                limit_limit_gtc=LimitLimitGtc(
                    base_size=size, limit_price=limit, post_only=order.post_only
                )
            )
        if tif == _TIF.GTD:
            return OrderConfiguration(
                limit_limit_gtd=LimitLimitGtd(
                    base_size=size,
                    limit_price=limit,
                    end_time=_end_time(order),
                    post_only=order.post_only,
                )
            )
        if tif == _TIF.IOC:
            return OrderConfiguration(sor_limit_ioc=SorLimitIoc(base_size=size, limit_price=limit))
        return OrderConfiguration(limit_limit_fok=LimitLimitFok(base_size=size, limit_price=limit))
    if kind == _T.STOP_LIMIT:
        assert price is not None and order.trigger_price is not None
        if order.post_only:
            raise _refuse(order, "post_only", "Coinbase stop-limit orders cannot be post-only")
        if order.trigger_type not in _LAST_PRICE_TRIGGERS:
            raise _refuse(
                order,
                "trigger_type",
                f"{order.trigger_type.name}: Coinbase stops trigger on the last trade price "
                "(LAST_PRICE/DEFAULT)",
            )
        direction: Literal["STOP_DIRECTION_STOP_UP", "STOP_DIRECTION_STOP_DOWN"] = (
            _STOP_UP if order.side == OrderSide.BUY else _STOP_DOWN
        )
        if tif == _TIF.GTC:
            return OrderConfiguration(
                stop_limit_stop_limit_gtc=StopLimitGtc(
                    base_size=size,
                    limit_price=str(price),
                    stop_price=str(order.trigger_price),
                    stop_direction=direction,
                )
            )
        if tif == _TIF.GTD:
            return OrderConfiguration(
                stop_limit_stop_limit_gtd=StopLimitGtd(
                    base_size=size,
                    limit_price=str(price),
                    stop_price=str(order.trigger_price),
                    end_time=_end_time(order),
                    stop_direction=direction,
                )
            )
        raise _refuse(
            order, "time_in_force", f"a STOP_LIMIT order must be GTC or GTD (got {tif.name})"
        )
    raise _refuse(
        order,
        "order_type",
        f"{kind.name} orders are not offered (supported: {_SUPPORTED_TYPES}); "
        "Lyra's emulator can hold them locally",
    )


def create_order_request(
    order: Order,
    *,
    product_type: str = "SPOT",
    retail_portfolio_id: str | None = None,
) -> CreateOrderRequest:
    """The body of ``POST /orders`` for ``order``; its client order id is Lyra's."""
    return CreateOrderRequest(
        client_order_id=str(order.client_order_id),
        product_id=product_id(order.instrument_id),
        side=_side(order),
        order_configuration=order_configuration(order, product_type=product_type),
        retail_portfolio_id=retail_portfolio_id,
    )


def _exit_prices(take_profit: Order, stop_loss: Order) -> tuple[str, str]:
    if take_profit.order_type != _T.LIMIT or take_profit.price is None:
        raise _refuse(
            take_profit, "order_type", "a Coinbase bracket's take-profit must be a LIMIT order"
        )
    if stop_loss.order_type not in (_T.STOP_MARKET, _T.STOP_LIMIT) or (
        stop_loss.trigger_price is None
    ):
        raise _refuse(
            stop_loss,
            "order_type",
            "a Coinbase bracket's stop-loss must be a STOP_MARKET or STOP_LIMIT order",
        )
    if take_profit.side != stop_loss.side:
        raise _refuse(stop_loss, "side", "both exits of a Coinbase bracket have one side")
    if take_profit.quantity != stop_loss.quantity:
        raise _refuse(stop_loss, "quantity", "both exits of a Coinbase bracket have one size")
    return str(take_profit.price), str(stop_loss.trigger_price)


def bracket_exit_configuration(take_profit: Order, stop_loss: Order) -> OrderConfiguration:
    """``trigger_bracket_gtc`` (or ``_gtd``) exiting a position at ``take_profit``'s limit
    price or, once the last trade reaches ``stop_loss``'s trigger, through a stop-limit 5%
    beyond it. Both orders have one side, one size, and GTC (or GTD with one expiry)."""
    limit, trigger = _exit_prices(take_profit, stop_loss)
    size = str(take_profit.quantity)
    tifs = {take_profit.time_in_force, stop_loss.time_in_force}
    if tifs == {_TIF.GTC}:
        return OrderConfiguration(
            trigger_bracket_gtc=TriggerBracketGtc(
                base_size=size, limit_price=limit, stop_trigger_price=trigger
            )
        )
    if tifs == {_TIF.GTD} and take_profit.expire_time_ns == stop_loss.expire_time_ns:
        return OrderConfiguration(
            trigger_bracket_gtd=TriggerBracketGtd(
                base_size=size,
                limit_price=limit,
                stop_trigger_price=trigger,
                end_time=_end_time(take_profit),
            )
        )
    raise _refuse(
        stop_loss,
        "time_in_force",
        "both exits of a Coinbase bracket are GTC, or GTD with the same expiry",
    )


def attached_bracket_request(
    entry: Order,
    take_profit: Order,
    stop_loss: Order,
    *,
    retail_portfolio_id: str | None = None,
) -> CreateOrderRequest:
    """``POST /orders`` for a MARKET or LIMIT ``entry`` with a take-profit/stop-loss exit
    attached (``attached_order_configuration.trigger_bracket_gtc``, no size: Coinbase
    sizes it from the entry's fills). The exits are on the other side of the entry."""
    if entry.order_type not in (_T.MARKET, _T.LIMIT):
        raise _refuse(
            entry, "order_type", "Coinbase attaches a bracket to MARKET or LIMIT orders only"
        )
    limit, trigger = _exit_prices(take_profit, stop_loss)
    if take_profit.side == entry.side:
        raise _refuse(take_profit, "side", "the exits must be on the other side of the entry")
    if take_profit.quantity != entry.quantity:
        raise _refuse(take_profit, "quantity", "the exits must be the entry's size")
    request = create_order_request(entry, retail_portfolio_id=retail_portfolio_id)
    return msgspec.structs.replace(
        request,
        attached_order_configuration=OrderConfiguration(
            trigger_bracket_gtc=TriggerBracketGtc(limit_price=limit, stop_trigger_price=trigger)
        ),
    )


def edit_order_request(venue_order_id: str, quantity: Quantity, price: Price) -> EditOrderRequest:
    """``POST /orders/edit``: Coinbase edits GTC limit orders, always both price and size."""
    if not venue_order_id:
        raise InvalidInput("venue_order_id", "must be non-empty", venue_order_id)
    return EditOrderRequest(order_id=str(venue_order_id), price=str(price), size=str(quantity))


def cancel_orders_request(venue_order_ids: list[str]) -> CancelOrdersRequest:
    """``POST /orders/batch_cancel`` for the given venue order ids (cancel needs them)."""
    ids = [str(i) for i in venue_order_ids]
    if not ids or not all(ids):
        raise InvalidInput("venue_order_ids", "must be a non-empty list of ids", venue_order_ids)
    return CancelOrdersRequest(order_ids=ids)


# -- the inverse: configuration -> Lyra fields ---------------------------------------------------
class OrderSpec(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The Lyra order fields an ``order_configuration`` encodes (for a fake server).

    ``quantity`` is the base size, or the quote size when ``quote_quantity``;
    ``trigger_price`` is the stop price (a bracket's ``stop_trigger_price``); ``bracket``
    marks a ``trigger_bracket_*`` exit; ``stop_direction`` is Coinbase's, when given.
    """

    kind: str
    order_type: OrderType
    time_in_force: TimeInForce
    quantity: str | None
    quote_quantity: bool = False
    price: str | None = None
    trigger_price: str | None = None
    expire_time_ns: int | None = None
    post_only: bool = False
    stop_direction: str | None = None
    bracket: bool = False


def _sized(base: str | None, quote: str | None) -> tuple[str | None, bool]:
    if base is not None and quote is not None:
        raise InvalidInput("order_configuration", "must give base_size or quote_size, not both")
    return (quote, True) if quote is not None else (base, False)


def order_spec(configuration: OrderConfiguration) -> OrderSpec:
    """What ``configuration`` asks for, in Lyra's terms; raises
    :class:`~lyra.errors.InvalidInput` unless exactly one known configuration is set."""
    set_fields = [n for n in configuration.__struct_fields__ if getattr(configuration, n)]
    if len(set_fields) != 1:
        raise InvalidInput(
            "order_configuration", "must set exactly one known configuration", set_fields
        )
    kind = set_fields[0]
    c = getattr(configuration, kind)
    if isinstance(c, MarketIoc):
        qty, in_quote = _sized(c.base_size, c.quote_size)
        tif = _TIF.FOK if kind == "market_market_fok" else _TIF.IOC
        return OrderSpec(
            kind=kind,
            order_type=_T.MARKET,
            time_in_force=tif,
            quantity=qty,
            quote_quantity=in_quote,
        )
    if isinstance(c, (SorLimitIoc, LimitLimitGtc, LimitLimitGtd, LimitLimitFok)):
        qty, in_quote = _sized(c.base_size, c.quote_size)
        tif = {
            "sor_limit_ioc": _TIF.IOC,
            "limit_limit_gtc": _TIF.GTC,
            "limit_limit_gtd": _TIF.GTD,
            "limit_limit_fok": _TIF.FOK,
        }[kind]
        return OrderSpec(
            kind=kind,
            order_type=_T.LIMIT,
            time_in_force=tif,
            quantity=qty,
            quote_quantity=in_quote,
            price=c.limit_price,
            expire_time_ns=(
                rfc3339_ns(c.end_time, "end_time") if isinstance(c, LimitLimitGtd) else None
            ),
            post_only=getattr(c, "post_only", False),
        )
    if isinstance(c, (StopLimitGtc, StopLimitGtd)):
        return OrderSpec(
            kind=kind,
            order_type=_T.STOP_LIMIT,
            time_in_force=_TIF.GTD if isinstance(c, StopLimitGtd) else _TIF.GTC,
            quantity=c.base_size,
            price=c.limit_price,
            trigger_price=c.stop_price,
            expire_time_ns=(
                rfc3339_ns(c.end_time, "end_time") if isinstance(c, StopLimitGtd) else None
            ),
            stop_direction=c.stop_direction,
        )
    assert isinstance(c, (TriggerBracketGtc, TriggerBracketGtd))
    return OrderSpec(
        kind=kind,
        order_type=_T.LIMIT,
        time_in_force=_TIF.GTD if isinstance(c, TriggerBracketGtd) else _TIF.GTC,
        quantity=c.base_size,
        price=c.limit_price,
        trigger_price=c.stop_trigger_price,
        expire_time_ns=(
            rfc3339_ns(c.end_time, "end_time") if isinstance(c, TriggerBracketGtd) else None
        ),
        bracket=True,
    )


# -- incoming: statuses and the user channel ----------------------------------------------------
_TIF_NAMES: Final = {
    "GOOD_UNTIL_CANCELLED": _TIF.GTC,
    "GOOD_UNTIL_DATE_TIME": _TIF.GTD,
    "IMMEDIATE_OR_CANCEL": _TIF.IOC,
    "FILL_OR_KILL": _TIF.FOK,
}
_TYPE_NAMES: Final = {
    "MARKET": _T.MARKET,
    "LIMIT": _T.LIMIT,
    "STOPLIMIT": _T.STOP_LIMIT,
    "STOP_LIMIT": _T.STOP_LIMIT,
    "STOP": _T.STOP_MARKET,
    "BRACKET": _T.LIMIT,
}
_S = OrderStatus
_CLOSED_VENUE: Final = frozenset({"FILLED", "CANCELLED", "EXPIRED", "FAILED"})


def parse_time_in_force(text: str) -> TimeInForce | None:
    """``GOOD_UNTIL_CANCELLED`` -> GTC, ``GOOD_UNTIL_DATE_TIME`` -> GTD,
    ``IMMEDIATE_OR_CANCEL`` -> IOC, ``FILL_OR_KILL`` -> FOK; anything else -> ``None``."""
    return _TIF_NAMES.get(text)


def parse_order_type(text: str) -> OrderType | None:
    """``Limit``/``LIMIT`` -> LIMIT, ``Market`` -> MARKET, ``StopLimit``/``STOP_LIMIT`` ->
    STOP_LIMIT, ``Bracket`` -> LIMIT (its resting leg); anything else -> ``None``."""
    return _TYPE_NAMES.get(text.upper())


def lyra_status(status: str, filled: bool, trigger_status: str = "") -> OrderStatus | None:
    """The status Lyra reports for a Coinbase order ``status`` (``filled``: whether any of it
    has filled).

    ``OPEN``/``QUEUED`` -> ACCEPTED (PARTIALLY_FILLED once filled, TRIGGERED for a triggered
    stop), ``FILLED`` -> FILLED, ``CANCELLED`` -> CANCELED, ``EXPIRED`` -> EXPIRED,
    ``FAILED`` -> REJECTED. ``PENDING`` (not yet acknowledged), ``CANCEL_QUEUED`` (a cancel in
    flight: the adapter has already published OrderPendingCancel) and unknown values give
    ``None``: no status event.
    """
    if status in ("OPEN", "QUEUED"):
        if filled:
            return _S.PARTIALLY_FILLED
        if trigger_status == "STOP_TRIGGERED":
            return _S.TRIGGERED
        return _S.ACCEPTED
    if status == "FILLED":
        return _S.FILLED
    if status == "CANCELLED":
        return _S.CANCELED
    if status == "EXPIRED":
        return _S.EXPIRED
    if status == "FAILED":
        return _S.REJECTED
    return None


class FillDelta(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What filled between two ``user`` messages of one order.

    ``trade_id`` is ``"<order_id>-<cumulative quantity>"``; ``last_px`` is the mean price
    of the quantity that filled in between (exact up to 9 decimals, then rounded half-even),
    ``commission`` the growth of ``total_fees`` (in the quote currency).
    """

    trade_id: str
    last_qty: Quantity
    last_px: Price
    commission: Money


class OrderUpdate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One ``user`` message about one order, in Lyra's terms.

    ``status`` is what to report (``None``: no status event, see :func:`lyra_status`),
    ``venue_status`` Coinbase's own; ``filled_qty``, ``avg_px`` and ``total_fees`` are
    cumulative (``leaves_qty`` is Coinbase's ``leaves_quantity`` as a Decimal); ``fill``
    is set when the cumulative quantity grew; ``reason`` is the cancel or reject reason;
    ``snapshot`` marks the open-orders snapshot sent after subscribing.
    """

    venue_order_id: str
    client_order_id: str
    product_id: str
    instrument: Instrument
    side: OrderSide
    order_type: OrderType | None
    time_in_force: TimeInForce | None
    status: OrderStatus | None
    venue_status: str
    filled_qty: Quantity
    leaves_qty: Decimal
    avg_px: Decimal | None
    total_fees: Money
    reason: str
    snapshot: bool
    ts_event: int
    fill: FillDelta | None = None


def _dec(text: str | int, field: str) -> Decimal:
    if text == "" or text is None:
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(field, "must be a decimal number", text) from None
    if not value.is_finite():
        raise InvalidInput(field, "must be finite", text)
    return value


_NINE: Final = Decimal(1).scaleb(-FIXED_PRECISION)


def _price_of(value: Decimal, instrument: Instrument) -> Price:
    if value.as_tuple().exponent < -FIXED_PRECISION:  # type: ignore[operator]
        value = value.quantize(_NINE, rounding=ROUND_HALF_EVEN)
    price = Price(value)
    if price.precision < instrument.price_precision:
        price = price.quantize(instrument.price_precision)
    return price


def _money(value: Decimal, currency: Currency) -> Money:
    if value.as_tuple().exponent < -FIXED_PRECISION:  # type: ignore[operator]
        value = value.quantize(_NINE, rounding=ROUND_HALF_EVEN)
    return Money(value, currency)


def _qty_of(value: Decimal, instrument: Instrument, field: str) -> Quantity:
    try:
        return instrument.qty_from_lots(instrument.lots(Quantity(value)))
    except InvalidInput:
        raise InvalidInput(
            field, f"is not a multiple of {instrument.size_increment} of {instrument.id}", value
        ) from None


class _State:
    __slots__ = ("fees", "filled", "value")

    def __init__(self, filled: Decimal, value: Decimal, fees: Decimal) -> None:
        self.filled = filled
        self.value = value
        self.fees = fees


class UserOrderTracker:
    """Turns ``user`` channel order updates into :class:`OrderUpdate` values.

    ``instruments`` maps product ids to instruments (orders of other products raise
    :class:`~lyra.errors.InvalidInput`). Orders seen first in a snapshot are taken as
    they are (their earlier fills belong to reconciliation: :meth:`seed` tells the tracker
    what Lyra already has); an order seen first in an update starts from nothing filled.
    Closed orders are forgotten, but the last ``remember_closed`` closed ones are kept so a
    late repeat yields no new fill.
    """

    __slots__ = ("_closed", "_instruments", "_orders", "_remember")

    def __init__(
        self, instruments: dict[str, Instrument], *, remember_closed: int = 10_000
    ) -> None:
        self._instruments = dict(instruments)
        self._orders: dict[str, _State] = {}
        self._closed: OrderedDict[str, None] = OrderedDict()
        self._remember = remember_closed

    def seed(
        self,
        venue_order_id: str,
        filled_qty: Quantity | Decimal | str,
        filled_value: Decimal | str = "0",
        total_fees: Decimal | str = "0",
    ) -> None:
        """Start ``venue_order_id`` from what is already known (after a restart)."""
        self._orders[venue_order_id] = _State(
            _dec(str(filled_qty), "filled_qty"),
            _dec(str(filled_value), "filled_value"),
            _dec(str(total_fees), "total_fees"),
        )

    def open_orders(self) -> tuple[str, ...]:
        """Venue ids of the orders being tracked (not closed)."""
        return tuple(self._orders)

    def on_event(self, event: UserEvent, ts_event: int) -> list[OrderUpdate]:
        """Every order of one ``user`` event (``ts_event``: the message's timestamp)."""
        snapshot = event.type == "snapshot"
        return [self.on_order(o, ts_event, snapshot=snapshot) for o in event.orders]

    def on_order(self, order: UserOrder, ts_event: int, *, snapshot: bool = False) -> OrderUpdate:
        """One order's update."""
        instrument = self._instruments.get(order.product_id)
        if instrument is None:
            raise InvalidInput("product_id", "is not a tracked product", order.product_id)
        oid = order.order_id
        filled = _dec(order.cumulative_quantity, "cumulative_quantity")
        fees = _dec(order.total_fees, "total_fees")
        avg = _dec(order.avg_price, "avg_price")
        value = _dec(order.filled_value, "filled_value") if order.filled_value else avg * filled
        quote = instrument.quote_currency
        fill: FillDelta | None = None
        state = self._orders.get(oid)
        if oid in self._closed:
            state = None  # a late repeat of a closed order: nothing new can have filled
        elif state is None:
            state = _State(Decimal(0), Decimal(0), Decimal(0))
            if snapshot:
                state = _State(filled, value, fees)
            self._orders[oid] = state
        if state is not None and filled > state.filled:
            qty = filled - state.filled
            fill = FillDelta(
                trade_id=f"{oid}-{filled.normalize():f}",
                last_qty=_qty_of(qty, instrument, "cumulative_quantity"),
                last_px=_price_of((value - state.value) / qty, instrument),
                commission=_money(max(fees - state.fees, Decimal(0)), quote),
            )
            state.filled, state.value, state.fees = filled, value, fees
        if order.status in _CLOSED_VENUE and oid not in self._closed:
            self._orders.pop(oid, None)
            self._closed[oid] = None
            if len(self._closed) > self._remember:
                self._closed.popitem(last=False)
        leaves = _dec(order.leaves_quantity, "leaves_quantity")
        return OrderUpdate(
            venue_order_id=oid,
            client_order_id=order.client_order_id,
            product_id=order.product_id,
            instrument=instrument,
            side=OrderSide.BUY if order.order_side == "BUY" else OrderSide.SELL,
            order_type=parse_order_type(order.order_type),
            time_in_force=parse_time_in_force(order.time_in_force),
            status=lyra_status(order.status, filled > 0, order.trigger_status),
            venue_status=order.status,
            filled_qty=_qty_of(filled, instrument, "cumulative_quantity"),
            leaves_qty=leaves,
            avg_px=avg if filled > 0 else None,
            total_fees=_money(fees, quote),
            reason=order.reject_reason or order.cancel_reason,
            snapshot=snapshot,
            ts_event=ts_event,
            fill=fill,
        )

    def __repr__(self) -> str:
        return f"UserOrderTracker({len(self._orders)} open, {len(self._closed)} closed)"
