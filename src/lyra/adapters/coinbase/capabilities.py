"""What Coinbase Advanced Trade offers natively, as a :class:`~lyra.venue.VenueCapabilities`.

=====================  ==================================================================
orders                 MARKET, LIMIT, STOP_LIMIT (see :mod:`lyra.adapters.coinbase.orders`)
time in force          GTC, IOC, FOK, GTD (no DAY, no auctions)
post-only              yes (limit GTC/GTD)
reduce-only, iceberg   no (spot)
quote quantity         MARKET (buys)
triggers               last trade price
amend                  in place (``POST /orders/edit``): price and size of GTC LIMIT orders,
                       size up or down; the order keeps its id
lists                  none natively: OCO/OUO/OTO/brackets are emulated by the
                       :class:`~lyra.contingency.ContingencyManager` (Coinbase's
                       ``trigger_bracket`` exits through a collared stop-limit, which is not
                       Lyra's bracket contract; see :func:`lyra.adapters.coinbase.orders.
                       bracket_exit_configuration` to use it deliberately)
data                   quotes (the ``level2`` book's top: ``ticker`` moves on trades only),
                       trades (``market_trades``), full-depth books (``level2``); candles
                       are 5-minute only, so bars are built by Lyra
=====================  ==================================================================

STOP_MARKET, trailing and if-touched orders are held by Lyra's emulator and released as
orders Coinbase takes. An amend of a GTD limit order is refused by Coinbase (edits are for
GTC limit orders); the adapter refuses it before sending.
"""

from __future__ import annotations

from typing import Final

from lyra.model.enums import OrderType, TimeInForce, TriggerType
from lyra.venue.capabilities import AmendMode, VenueCapabilities

__all__ = ("CAPABILITIES",)

CAPABILITIES: Final = VenueCapabilities(
    order_types=frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD}),
    post_only=True,
    reduce_only=False,
    iceberg=False,
    quote_quantity=frozenset({OrderType.MARKET}),
    trigger_types=frozenset({TriggerType.LAST_PRICE}),
    amend=AmendMode.IN_PLACE,
    amend_quantity=True,
    amend_quantity_increase=True,
    amend_price=True,
    amend_trigger_price=False,
    amend_order_types=frozenset({OrderType.LIMIT}),
    contingencies=(),
    quotes=True,
    trades=True,
    book=True,
)
"""Coinbase Advanced Trade spot, natively (see the module table)."""
