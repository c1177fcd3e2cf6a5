"""A ready-made :class:`~lyra.risk.PriceSource`: the latest quote and trade per instrument."""

from __future__ import annotations

from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import OrderSide
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Price

__all__ = ("LatestPrices",)

_BUY = OrderSide.BUY


class LatestPrices:
    """Keeps the last bid/ask and last trade price of each instrument.

    Feed it with :meth:`on_quote` / :meth:`on_trade` (e.g. as bus handlers) or set a price by
    hand with :meth:`set_last`. :meth:`reference_price` answers the ask for a BUY and the bid
    for a SELL when a quote is known, else the last trade price, else ``None`` -- the price a
    market order would most likely trade at, which is what a notional or balance check needs.
    """

    __slots__ = ("_asks", "_bids", "_last")

    def __init__(self) -> None:
        self._bids: dict[InstrumentId, Price] = {}
        self._asks: dict[InstrumentId, Price] = {}
        self._last: dict[InstrumentId, Price] = {}

    def on_quote(self, quote: QuoteTick) -> None:
        """Record the quote's bid and ask."""
        self._bids[quote.instrument_id] = quote.bid_price
        self._asks[quote.instrument_id] = quote.ask_price

    def on_trade(self, trade: TradeTick) -> None:
        """Record the trade's price as the last price."""
        self._last[trade.instrument_id] = trade.price

    def set_last(self, instrument_id: InstrumentId, price: Price) -> None:
        """Set the last price of ``instrument_id`` by hand."""
        self._last[instrument_id] = price

    def reference_price(self, instrument_id: InstrumentId, side: OrderSide) -> Price | None:
        """Ask (BUY) or bid (SELL) if quoted, else the last trade price, else ``None``."""
        book = self._asks if side is _BUY else self._bids
        price = book.get(instrument_id)
        if price is None:
            price = self._last.get(instrument_id)
        return price
