"""The simulated exchange: Lyra's Rust matching engine behind the ``Venue`` protocol.

* :class:`SimulatedExchange` -- a venue that matches orders in ``lyra._native.SimCore``
  against the market data it is fed (L1 quotes, L2 or L3 book deltas, trades) and against
  other orders, with latency, fees, queue position, sessions and native OCO/OUO/OTO lists;
* :class:`SimulatedVenue` -- the ``Venue`` of one more account on the same exchange
  (:meth:`SimulatedExchange.add_account`);
* :class:`PaperTrading` -- paper trading: live market data from any venue drives a
  simulated exchange on a ``LiveClock``; strategies trade through its :class:`PaperVenue`;
* configuration structs: :class:`FeeConfig`, :class:`LatencyConfig`, :class:`FillConfig`,
  :class:`QueueModel`, :class:`SelfTradeMode`, :class:`SimulatedExchangeConfig`.

Importing this package loads the Rust extension only when an exchange is made.
"""

from __future__ import annotations

from lyra.sim.config import (
    FeeConfig,
    FillConfig,
    LatencyConfig,
    QueueModel,
    SelfTradeMode,
    SimulatedExchangeConfig,
)
from lyra.sim.exchange import SimulatedExchange, SimulatedVenue
from lyra.sim.paper import MarketDataSource, PaperTrading, PaperVenue

__all__ = (
    "FeeConfig",
    "FillConfig",
    "LatencyConfig",
    "MarketDataSource",
    "PaperTrading",
    "PaperVenue",
    "QueueModel",
    "SelfTradeMode",
    "SimulatedExchange",
    "SimulatedExchangeConfig",
    "SimulatedVenue",
)
