"""Kraken spot (websocket v2 and REST): the venue-specific layers an adapter is built from.

Import the modules you need; none of them opens a connection:

* :mod:`lyra.adapters.kraken.signing` -- ``API-Sign`` signing, nonces, credentials and
  the websocket token flow;
* :mod:`lyra.adapters.kraken.messages` -- every websocket and REST message as a typed struct;
* :mod:`lyra.adapters.kraken.book` -- the ``book`` sync (CRC32 checksum, depth truncation)
  onto the Rust book, producing Lyra book deltas;
* :mod:`lyra.adapters.kraken.market` -- trades and best bid/offer -> Lyra trade and quote ticks;
* :mod:`lyra.adapters.kraken.symbols` -- ``BTC/USD`` (and ``XBT`` aliases) <-> instrument
  id, pair metadata;
* :mod:`lyra.adapters.kraken.orders` -- Lyra orders <-> ``add_order`` requests and executions;
* :mod:`lyra.adapters.kraken.reports` -- REST queries -> reconciliation reports;
* :mod:`lyra.adapters.kraken.codes` -- Kraken error strings -> Lyra errors and reject codes;
* :mod:`lyra.adapters.kraken.venue` -- :class:`KrakenVenue`, the adapter built on all of them
  (exported here with :class:`KrakenUrls`, :data:`PRODUCTION` and
  :class:`~lyra.adapters.kraken.signing.KrakenCredentials`). The adapter runs on asyncio
  (``pip install lyra[adapters]``); :class:`lyra.testing.FakeKraken` is its fake venue.
"""

from __future__ import annotations

from lyra.adapters.kraken.signing import KrakenCredentials
from lyra.adapters.kraken.venue import (
    PRODUCTION,
    KrakenErrorMapper,
    KrakenSigner,
    KrakenUrls,
    KrakenVenue,
)

__all__ = (
    "PRODUCTION",
    "KrakenCredentials",
    "KrakenErrorMapper",
    "KrakenSigner",
    "KrakenUrls",
    "KrakenVenue",
)
