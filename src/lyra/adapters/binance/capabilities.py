"""What Binance supports natively, spot and USD-M futures, down to each symbol's flags.

:class:`BinanceCapabilities` is a :class:`~lyra.venue.VenueCapabilities` that also knows
Binance's rules which a flat feature list cannot say, so that an order Binance would refuse
is denied locally (``NOT_SUPPORTED``, with the rule in the reason) and a list Binance cannot
take is emulated by the contingency manager instead of being rejected:

* per symbol (from ``exchangeInfo``, in :attr:`BinanceCapabilities.symbols`): the order
  types listed, ``icebergAllowed``, ``allowTrailingStop``, ``quoteOrderQtyMarketAllowed``,
  ``ocoAllowed``, ``otoAllowed``, ``amendAllowed``;
* post-only is ``LIMIT_MAKER`` (spot) or ``GTX`` (futures): LIMIT orders only, never IOC/FOK;
* an iceberg needs GTC; a spot trailing stop starts from ``activation_price``
  (``stopPrice``), so an initial ``trigger_price`` cannot be expressed;
* lists (spot): an OCO is two orders of one side and one quantity, a limit-maker /
  take-profit leg and a stop leg; OTO and OTOCO have a LIMIT working order whose pending
  orders are placed once it has *completely* filled (``ReleasePolicy.ON_FULL_FILL``); an
  OTOCO's two pending orders form such an OCO.

:data:`SPOT_CAPABILITIES` and :data:`FUTURES_CAPABILITIES` are the venue-wide defaults
before ``exchangeInfo`` is loaded. USD-M conditional orders (stop, take-profit, trailing)
moved to Binance's separate Algo service in December 2025; this adapter does not place
them natively, so they are emulated by :class:`~lyra.emulator.OrderEmulator`.
"""

from __future__ import annotations

from typing import Final

import msgspec

from lyra.model.codec import register_struct
from lyra.model.enums import (
    BarAggregation,
    ContingencyType,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.values import Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.capabilities import AmendMode, ContingencySupport, Feature, VenueCapabilities
from lyra.venue.unset import UNSET, Unset

__all__ = (
    "FUTURES_CAPABILITIES",
    "LIMIT_LEG_TYPES",
    "SPOT_CAPABILITIES",
    "STOP_LEG_TYPES",
    "BinanceCapabilities",
    "SymbolFeatures",
)

_T = OrderType
_C = ContingencyType

LIMIT_LEG_TYPES: Final = frozenset({_T.LIMIT, _T.MARKET_IF_TOUCHED, _T.LIMIT_IF_TOUCHED})
"""OCO legs sent as LIMIT_MAKER / TAKE_PROFIT / TAKE_PROFIT_LIMIT."""
STOP_LEG_TYPES: Final = frozenset({_T.STOP_MARKET, _T.STOP_LIMIT, _T.TRAILING_STOP_MARKET})
"""OCO legs sent as STOP_LOSS / STOP_LOSS_LIMIT (trailing: STOP_LOSS with trailingDelta)."""

_BARS: Final = frozenset(
    {
        BarAggregation.SECOND,
        BarAggregation.MINUTE,
        BarAggregation.HOUR,
        BarAggregation.DAY,
        BarAggregation.WEEK,
        BarAggregation.MONTH,
    }
)


class SymbolFeatures(msgspec.Struct, frozen=True, gc=False):
    """What one symbol allows, from its ``exchangeInfo`` entry."""

    order_types: frozenset[OrderType]
    post_only: bool = True
    iceberg: bool = False
    trailing: bool = False
    quote_quantity: bool = False
    oco: bool = False
    oto: bool = False
    amend: bool = False
    trading: bool = True


class BinanceCapabilities(VenueCapabilities, frozen=True, tag=True, kw_only=True, gc=False):
    """Binance's capabilities with its per-symbol flags and list shapes (see the module
    docs). ``symbols`` maps the venue symbol (``BTCUSDT``) to its :class:`SymbolFeatures`;
    ``spot`` selects the spot rules."""

    spot: bool = True
    symbols: dict[str, SymbolFeatures] = msgspec.field(default_factory=dict)

    def gaps(self, order: Order) -> tuple[tuple[Feature, str], ...]:
        found = list(super().gaps(order))
        otype = order.order_type
        if order.post_only and (
            otype is not _T.LIMIT or order.time_in_force is not TimeInForce.GTC
        ):
            found.append(
                (
                    Feature.POST_ONLY,
                    "post_only: Binance takes post-only only on GTC LIMIT orders "
                    f"({'LIMIT_MAKER' if self.spot else 'GTX'})",
                )
            )
        if order.display_qty is not None and order.time_in_force is not TimeInForce.GTC:
            found.append((Feature.ICEBERG, "display_qty: Binance icebergs must be GTC"))
        if otype is _T.TRAILING_STOP_MARKET and order.trigger_price is not None:
            found.append(
                (
                    Feature.ORDER_TYPE,
                    "trigger_price: a Binance trailing stop starts from activation_price; "
                    "an initial trigger price cannot be set",
                )
            )
        feats = self.symbols.get(order.instrument_id.symbol)
        if feats is not None:
            found.extend(_symbol_gaps(order, feats))
        return tuple(found)

    def modify_gaps(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> tuple[tuple[Feature, str], ...]:
        found = list(super().modify_gaps(order, quantity, price, trigger_price))
        feats = self.symbols.get(order.instrument_id.symbol)
        if self.spot and feats is not None and not feats.amend:
            found.append(
                (Feature.AMEND, f"modify: amending is not enabled on {order.instrument_id}")
            )
        return tuple(found)

    def supports_list(self, order_list: OrderList) -> str | None:
        reason = super().supports_list(order_list)
        if reason is not None:
            return reason
        symbol = order_list.instrument_id.symbol
        for i, order in enumerate(order_list):
            if order.instrument_id != order_list.instrument_id:
                return f"orders[{i}]: a Binance order list trades one symbol"
        feats = self.symbols.get(symbol)
        ctype = order_list.contingency_type
        if ctype == _C.OCO:
            if feats is not None and not feats.oco:
                return f"contingency_type: OCO is not enabled on {order_list.instrument_id}"
            return _oco_gap(order_list.orders, "orders")
        if ctype == _C.OTO:
            if feats is not None and not feats.oto:
                return f"contingency_type: OTO is not enabled on {order_list.instrument_id}"
            working = order_list.orders[0]
            if working.order_type is not _T.LIMIT:
                return (
                    "orders[0]: a Binance OTO working order is LIMIT or LIMIT_MAKER "
                    f"(got {working.order_type.name})"
                )
            children = order_list.children
            if len(children) == 2:
                return _oco_gap(children, "children")
        return None


def _symbol_gaps(order: Order, feats: SymbolFeatures) -> list[tuple[Feature, str]]:
    out: list[tuple[Feature, str]] = []
    iid = order.instrument_id
    if not feats.trading:
        out.append((Feature.ORDER_TYPE, f"instrument_id: {iid} is not trading"))
    if order.order_type not in feats.order_types:
        out.append(
            (Feature.ORDER_TYPE, f"order_type: {order.order_type.name} is not enabled on {iid}")
        )
    if order.post_only and not feats.post_only:
        out.append((Feature.POST_ONLY, f"post_only: LIMIT_MAKER is not enabled on {iid}"))
    if order.display_qty is not None and not feats.iceberg:
        out.append((Feature.ICEBERG, f"display_qty: icebergs are not allowed on {iid}"))
    if order.quote_quantity and not feats.quote_quantity:
        out.append(
            (Feature.QUOTE_QUANTITY, f"quote_quantity: quoteOrderQty is not allowed on {iid}")
        )
    return out


def _oco_gap(legs: tuple[Order, ...], where: str) -> str | None:
    if len(legs) != 2:
        return f"{where}: a Binance OCO has exactly two orders"
    a, b = legs
    if a.side != b.side:
        return f"{where}: the two orders of a Binance OCO have one side"
    if a.quantity != b.quantity:
        return f"{where}: the two orders of a Binance OCO have one quantity"
    kinds = {a.order_type in LIMIT_LEG_TYPES, b.order_type in LIMIT_LEG_TYPES}
    stops = {a.order_type in STOP_LEG_TYPES, b.order_type in STOP_LEG_TYPES}
    if kinds != {True, False} or stops != {True, False}:
        return (
            f"{where}: a Binance OCO pairs a limit/take-profit order with a stop order "
            f"(got {a.order_type.name} and {b.order_type.name})"
        )
    for leg in legs:
        if leg.order_type is _T.LIMIT and not leg.post_only:
            return (
                f"{where}: a LIMIT leg of a Binance OCO is sent as LIMIT_MAKER, so it must be "
                "post_only"
            )
        if leg.time_in_force is not TimeInForce.GTC:
            return f"{where}: Binance OCO legs are GTC"
    return None


SPOT_CAPABILITIES: Final = BinanceCapabilities(
    spot=True,
    order_types=frozenset(
        {
            _T.MARKET,
            _T.LIMIT,
            _T.STOP_MARKET,
            _T.STOP_LIMIT,
            _T.MARKET_IF_TOUCHED,
            _T.LIMIT_IF_TOUCHED,
            _T.TRAILING_STOP_MARKET,
        }
    ),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    post_only=True,
    reduce_only=False,
    iceberg=True,
    # quoteOrderQty fills in base units, which a quote-sized Lyra order cannot account
    # for: quote-quantity orders are refused rather than mis-tracked
    quote_quantity=frozenset(),
    trigger_types=frozenset({TriggerType.LAST_PRICE}),
    trailing_offset_types=frozenset({TrailingOffsetType.BASIS_POINTS}),
    activation_price=True,
    amend=AmendMode.IN_PLACE,
    amend_quantity=True,
    amend_quantity_increase=False,
    amend_order_types=frozenset({_T.LIMIT}),
    contingencies=(
        ContingencySupport(contingency_type=_C.OCO, max_orders=2),
        ContingencySupport(contingency_type=_C.OTO, max_orders=2),
        ContingencySupport(
            contingency_type=_C.OTO, max_orders=3, children_contingency=frozenset({_C.OCO})
        ),
    ),
    book_depths=frozenset({5, 10, 20, 50, 100, 500, 1000, 5000}),
    bars=_BARS,
)
"""Binance spot, venue-wide (per-symbol flags are added once ``exchangeInfo`` is read)."""

FUTURES_CAPABILITIES: Final = BinanceCapabilities(
    spot=False,
    order_types=frozenset({_T.MARKET, _T.LIMIT}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD}),
    post_only=True,
    reduce_only=True,
    iceberg=False,
    trigger_types=frozenset(),
    amend=AmendMode.IN_PLACE,
    amend_quantity=True,
    amend_quantity_increase=True,
    amend_price=True,
    amend_order_types=frozenset({_T.LIMIT}),
    book_depths=frozenset({5, 10, 20, 50, 100, 500, 1000}),
    bars=_BARS,
)
"""Binance USD-M futures, venue-wide (conditional orders are emulated; see the module docs)."""

register_struct(BinanceCapabilities)
