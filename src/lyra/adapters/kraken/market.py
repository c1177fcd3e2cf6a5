"""Kraken public market data -> Lyra ticks: trades and best bid/offer.

v2 ``trade`` entries become :class:`~lyra.model.data.TradeTick` (the aggressor is the taker
``side`` Kraken reports); ``ticker`` entries (including the ``bbo`` event trigger) become
:class:`~lyra.model.data.QuoteTick`. Values are exact ``Decimal`` from the wire, written at
the instrument's precision.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import AggressorSide
from lyra.model.identifiers import TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity

from .messages import TickerData, TradeData, parse_timestamp

__all__ = ("quote_tick", "trade_tick")

_SIDES: Final = {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER}


def _price(value: Decimal, instrument: Instrument) -> Price:
    return Price(value, instrument.price_precision)


def _qty(value: Decimal, instrument: Instrument) -> Quantity:
    return Quantity(value, instrument.size_precision)


def trade_tick(data: TradeData, instrument: Instrument, ts_init: int) -> TradeTick:
    """One v2 ``trade`` entry as a :class:`~lyra.model.data.TradeTick`."""
    return TradeTick(
        instrument.id,
        _price(data.price, instrument),
        _qty(data.qty, instrument),
        _SIDES.get(data.side, AggressorSide.NO_AGGRESSOR),
        TradeId(str(data.trade_id)),
        parse_timestamp(data.timestamp),
        ts_init,
    )


def quote_tick(data: TickerData, instrument: Instrument, ts_init: int) -> QuoteTick | None:
    """A v2 ``ticker`` entry as a :class:`~lyra.model.data.QuoteTick` (``None`` when a
    side is missing); ``ts_event`` is its ``timestamp`` when present, else ``ts_init``."""
    if data.bid is None or data.ask is None or data.bid_qty is None or data.ask_qty is None:
        return None
    ts_event = parse_timestamp(data.timestamp) if data.timestamp else ts_init
    return QuoteTick(
        instrument.id,
        _price(data.bid, instrument),
        _price(data.ask, instrument),
        _qty(data.bid_qty, instrument),
        _qty(data.ask_qty, instrument),
        ts_event,
        ts_init,
    )
