"""Coinbase ``market_trades`` and ``ticker`` events -> Lyra :class:`~lyra.model.data.TradeTick`
and :class:`~lyra.model.data.QuoteTick`.

Aggressor side. Coinbase's Exchange feed documents that a match's ``side`` is the **maker**
order's side (a ``sell`` match is an up-tick); the Advanced Trade ``market_trades`` page
does not say. This module reads Advanced Trade the same way (``side: "BUY"`` -> the seller
was the aggressor) and keeps the choice in one place, :data:`MAKER_SIDE_REPORTED`, pending
a recorded capture to confirm it (see ``docs/explanation/venue-coinbase.md``).

Prices and sizes are put on the instrument's grid exactly (a value off it raises
:class:`~lyra.errors.PrecisionError`, never a silent rounding); ``ts_event`` is the trade's
``time``; ``ts_init`` is the caller's.
"""

from __future__ import annotations

from typing import Final

from lyra.adapters.coinbase._parse import rfc3339_ns
from lyra.adapters.coinbase.messages import MarketTrade, Ticker, TradesMessage
from lyra.errors import InvalidInput
from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import AggressorSide
from lyra.model.identifiers import TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity

__all__ = ("MAKER_SIDE_REPORTED", "aggressor_side", "quote_tick", "trade_tick", "trade_ticks")

MAKER_SIDE_REPORTED: Final = True
"""Whether ``market_trades``' ``side`` is the maker's (so the aggressor is the other side)."""


def aggressor_side(side: str) -> AggressorSide:
    """The aggressor of a trade whose Coinbase ``side`` is ``BUY`` or ``SELL``."""
    if side == "BUY":
        return AggressorSide.SELLER if MAKER_SIDE_REPORTED else AggressorSide.BUYER
    if side == "SELL":
        return AggressorSide.BUYER if MAKER_SIDE_REPORTED else AggressorSide.SELLER
    raise InvalidInput("side", "must be 'BUY' or 'SELL'", side)


def _price(instrument: Instrument, text: str) -> Price:
    # through ticks: exact, at the instrument's precision, and refused when off the grid
    return instrument.price_from_ticks(instrument.ticks(Price(text)))


def _qty(instrument: Instrument, text: str) -> Quantity:
    return instrument.qty_from_lots(instrument.lots(Quantity(text)))


def trade_tick(trade: MarketTrade, instrument: Instrument, ts_init: int) -> TradeTick:
    """One public trade as a :class:`~lyra.model.data.TradeTick`."""
    return TradeTick(
        instrument.id,
        _price(instrument, trade.price),
        _qty(instrument, trade.size),
        aggressor_side(trade.side),
        TradeId(trade.trade_id),
        rfc3339_ns(trade.time, "time"),
        ts_init,
    )


def trade_ticks(
    message: TradesMessage, instruments: dict[str, Instrument], ts_init: int
) -> list[TradeTick]:
    """Every trade of a ``market_trades`` message whose product is in ``instruments``
    (product id -> instrument), oldest first (Coinbase lists them newest first)."""
    ticks: list[TradeTick] = []
    for event in message.events:
        batch = [
            trade_tick(trade, instruments[trade.product_id], ts_init)
            for trade in event.trades
            if trade.product_id in instruments
        ]
        batch.sort(key=lambda t: t.ts_event)
        ticks.extend(batch)
    return ticks


def quote_tick(ticker: Ticker, instrument: Instrument, ts_event: int, ts_init: int) -> QuoteTick:
    """The best bid/ask of a ``ticker`` as a :class:`~lyra.model.data.QuoteTick`
    (``ts_event`` is the envelope's timestamp: tickers carry none of their own)."""
    if not (ticker.best_bid and ticker.best_ask):
        raise InvalidInput("ticker", "must carry best_bid and best_ask", ticker.product_id)
    return QuoteTick(
        instrument.id,
        _price(instrument, ticker.best_bid),
        _price(instrument, ticker.best_ask),
        _qty(instrument, ticker.best_bid_quantity or "0"),
        _qty(instrument, ticker.best_ask_quantity or "0"),
        ts_event,
        ts_init,
    )
