"""OKX public market data -> Lyra ticks: trades and best bid/offer.

``trades`` pushes become :class:`~lyra.model.data.TradeTick` (the aggressor is the taker
``side`` OKX reports); ``tickers`` pushes and one-level ``bbo-tbt`` book pushes become
:class:`~lyra.model.data.QuoteTick`. Prices and sizes are written at the instrument's
precision, so every tick of an instrument shares one precision (columnar batches need it).
"""

from __future__ import annotations

from typing import Final

from lyra.errors import InvalidInput
from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import AggressorSide
from lyra.model.identifiers import TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity

from .messages import BookData, TickerData, TradeData

__all__ = ("bbo_quote", "quote_tick", "trade_tick")

_NS_PER_MS: Final = 1_000_000
_SIDES: Final = {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER}


def trade_tick(data: TradeData, instrument: Instrument, ts_init: int) -> TradeTick:
    """One ``trades`` entry as a :class:`~lyra.model.data.TradeTick`."""
    return TradeTick(
        instrument.id,
        Price(data.px, instrument.price_precision),
        Quantity(data.sz, instrument.size_precision),
        _SIDES.get(data.side, AggressorSide.NO_AGGRESSOR),
        TradeId(data.trade_id),
        int(data.ts) * _NS_PER_MS,
        ts_init,
    )


def quote_tick(data: TickerData, instrument: Instrument, ts_init: int) -> QuoteTick | None:
    """A ``tickers`` entry as a :class:`~lyra.model.data.QuoteTick` (``None`` when a side
    is empty, as on a market without bids or asks)."""
    if not (data.bid_px and data.ask_px and data.bid_sz and data.ask_sz):
        return None
    pp = instrument.price_precision
    sp = instrument.size_precision
    return QuoteTick(
        instrument.id,
        Price(data.bid_px, pp),
        Price(data.ask_px, pp),
        Quantity(data.bid_sz, sp),
        Quantity(data.ask_sz, sp),
        int(data.ts) * _NS_PER_MS,
        ts_init,
    )


def bbo_quote(data: BookData, instrument: Instrument, ts_init: int) -> QuoteTick | None:
    """A ``bbo-tbt`` (or ``books5``) push's best levels as a
    :class:`~lyra.model.data.QuoteTick` (``None`` when a side is empty)."""
    if not data.bids or not data.asks:
        return None
    bid, ask = data.bids[0], data.asks[0]
    if len(bid) < 2 or len(ask) < 2:
        raise InvalidInput("OKX bbo level", "must be [px, sz, ...]", [bid, ask])
    pp = instrument.price_precision
    sp = instrument.size_precision
    return QuoteTick(
        instrument.id,
        Price(bid[0], pp),
        Price(ask[0], pp),
        Quantity(bid[1], sp),
        Quantity(ask[1], sp),
        int(data.ts) * _NS_PER_MS,
        ts_init,
    )
