"""Mark and index prices: the market data that MARK_PRICE and INDEX_PRICE triggers follow.

The two types live in :mod:`lyra.model.data` (re-exported here). Both are registered custom
data types (:func:`lyra.model.data.register_data_type`), so they serialize with
:mod:`lyra.model.codec` and travel on the custom data topics::

    topics.custom("MarkPrice", "BTCUSDT-PERP.BINANCE")   -> "data.custom.MarkPrice.BINANCE..."
    topics.custom("IndexPrice", "BTCUSDT-PERP.BINANCE")

:func:`mark_price_topic` and :func:`index_price_topic` build those names. An
:class:`~lyra.emulator.OrderEmulator` holding a MARK_PRICE or INDEX_PRICE order subscribes to
them; publish your feed there (or call ``process_mark_price`` / ``process_index_price``).
"""

from __future__ import annotations

from lyra import topics
from lyra.model.data import IndexPrice, MarkPrice

__all__ = ("IndexPrice", "MarkPrice", "index_price_topic", "mark_price_topic")


def mark_price_topic(instrument_id: str) -> str:
    """The topic of an instrument's :class:`MarkPrice` updates."""
    return topics.custom("MarkPrice", instrument_id)


def index_price_topic(instrument_id: str) -> str:
    """The topic of an instrument's :class:`IndexPrice` updates."""
    return topics.custom("IndexPrice", instrument_id)
