"""Coinbase REST orders, fills and accounts -> Lyra's reconciliation reports.

``Venue.reconcile`` returns what the venue holds; for Coinbase that is ``GET
/orders/historical/batch`` (orders), ``GET /orders/historical/fills`` (fills) and ``GET
/accounts`` (balances). These functions turn one item of each into
:class:`~lyra.venue.OrderStatusReport`, :class:`~lyra.venue.FillReport` and
:class:`~lyra.venue.BalanceReport`.

Fill ids. REST fills carry Coinbase's real ``trade_id``; the ``user`` channel carries none,
and :class:`lyra.adapters.coinbase.orders.UserOrderTracker` names its fills
``"<order_id>-<cumulative quantity>"``. The two never match, so the adapter renames REST
fills into the live scheme (:func:`lyra.adapters.coinbase.venue.cumulative_fill_ids`) and,
when catching up, applies only fills beyond the quantity an order already has.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lyra.adapters.coinbase._parse import rfc3339_ns
from lyra.adapters.coinbase.messages import Account, Fill, Order
from lyra.adapters.coinbase.orders import lyra_status, order_spec, parse_time_in_force
from lyra.adapters.coinbase.symbols import VENUE
from lyra.errors import InvalidInput, UnknownCurrency
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from lyra.model.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.venue.reports import BalanceReport, FillReport, OrderStatusReport

__all__ = ("balance_report", "fill_report", "order_status_report")

_LIQUIDITY: Final = {"MAKER": LiquiditySide.MAKER, "TAKER": LiquiditySide.TAKER}
_OPEN_VENUE: Final = frozenset({"OPEN", "QUEUED", "PENDING", "CANCEL_QUEUED"})


def _client_id(text: str) -> ClientOrderId | None:
    try:
        return ClientOrderId(text) if text else None
    except InvalidInput:
        return None  # an order placed outside Lyra with an id Lyra cannot hold


def _qty(instrument: Instrument, text: str, field: str) -> Quantity:
    try:
        return instrument.qty_from_lots(instrument.lots(Quantity(text or "0")))
    except InvalidInput:
        raise InvalidInput(
            field, f"is not a multiple of {instrument.size_increment} of {instrument.id}", text
        ) from None


def _price(instrument: Instrument, text: str) -> Price:
    return instrument.price_from_ticks(instrument.ticks(Price(text)))


def order_status_report(
    order: Order, instrument: Instrument, account_id: AccountId | str, ts_init: int
) -> OrderStatusReport:
    """The report of one historical order.

    ``PENDING``/``QUEUED``/``CANCEL_QUEUED`` orders are still working, so they report
    ACCEPTED (PARTIALLY_FILLED once filled); an ``UNKNOWN_ORDER_STATUS`` raises
    :class:`~lyra.errors.InvalidInput`. The quantity is the configuration's base size (for a
    quote-sized order, what filled).
    """
    filled = _qty(instrument, order.filled_size, "filled_size")
    spec = order_spec(order.order_configuration) if order.order_configuration else None
    status = lyra_status(order.status, filled.is_positive(), order.trigger_status)
    if status is None and order.status in _OPEN_VENUE:
        status = OrderStatus.PARTIALLY_FILLED if filled.is_positive() else OrderStatus.ACCEPTED
    if status is None:
        raise InvalidInput("Order.status", "is not a status Lyra can report", order.status)
    quantity = filled
    price = trigger = None
    order_type = OrderType.MARKET
    tif = parse_time_in_force(order.time_in_force)
    post_only = False
    expire = None
    if spec is not None:
        order_type = spec.order_type
        if spec.quantity is not None and not spec.quote_quantity:
            quantity = _qty(instrument, spec.quantity, "base_size")
        price = _price(instrument, spec.price) if spec.price else None
        trigger = _price(instrument, spec.trigger_price) if spec.trigger_price else None
        post_only = spec.post_only
        expire = spec.expire_time_ns
        tif = tif or spec.time_in_force
    created = rfc3339_ns(order.created_time, "created_time") if order.created_time else None
    last = order.last_fill_time or order.created_time
    return OrderStatusReport(
        account_id=AccountId(account_id),
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(order.order_id),
        client_order_id=_client_id(order.client_order_id),
        side=OrderSide.BUY if order.side == "BUY" else OrderSide.SELL,
        order_type=order_type,
        time_in_force=tif or TimeInForce.GTC,
        status=status,
        quantity=max(quantity, filled),
        filled_qty=filled,
        price=price,
        trigger_price=trigger,
        avg_px=Decimal(order.average_filled_price) if filled.is_positive() else None,
        post_only=post_only,
        expire_time_ns=expire,
        reason=order.reject_message or order.cancel_message,
        ts_accepted=created,
        ts_last=rfc3339_ns(last, "last_fill_time") if last else ts_init,
        ts_init=ts_init,
    )


def fill_report(
    fill: Fill, instrument: Instrument, account_id: AccountId | str, ts_init: int
) -> FillReport:
    """The report of one REST fill; its commission is in the quote currency. A fill with
    ``size_in_quote`` has its ``size`` in the quote currency and is converted to base."""
    price = _price(instrument, fill.price)
    if fill.size_in_quote:
        base = Decimal(fill.size) / Decimal(fill.price)
        qty = instrument.make_qty(base)
    else:
        qty = _qty(instrument, fill.size, "size")
    return FillReport(
        account_id=AccountId(account_id),
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(fill.order_id),
        trade_id=TradeId(fill.trade_id),
        order_side=OrderSide.BUY if fill.side == "BUY" else OrderSide.SELL,
        last_qty=qty,
        last_px=price,
        currency=instrument.quote_currency,
        commission=Money(fill.commission or "0", instrument.quote_currency),
        liquidity_side=_LIQUIDITY.get(fill.liquidity_indicator, LiquiditySide.NO_LIQUIDITY_SIDE),
        ts_event=rfc3339_ns(fill.trade_time, "trade_time"),
        ts_init=ts_init,
    )


def balance_report(
    account: Account, account_id: AccountId | str, ts_event: int, ts_init: int
) -> BalanceReport:
    """The balance of one currency account: ``free`` is ``available_balance``, ``locked``
    is ``hold``. The currency must be registered (see :mod:`lyra.adapters.coinbase.symbols`,
    which registers those of the loaded products)."""
    try:
        currency = Currency.from_str(account.currency)
    except UnknownCurrency:
        raise InvalidInput(
            "Account.currency", f"is not a registered currency ({VENUE})", account.currency
        ) from None
    free = Money(account.available_balance.value, currency)
    locked = Money(account.hold.value if account.hold else "0", currency)
    return BalanceReport(
        account_id=AccountId(account_id),
        currency=currency,
        total=free + locked,
        locked=locked,
        free=free,
        ts_event=ts_event,
        ts_init=ts_init,
    )
