"""OKX (API v5: spot, swaps, futures): the venue-specific layers an adapter is built from.

Import the modules you need; none of them opens a connection:

* :mod:`lyra.adapters.okx.signing` -- REST and websocket-login signatures, credentials;
* :mod:`lyra.adapters.okx.messages` -- every websocket and REST message as a typed struct;
* :mod:`lyra.adapters.okx.book` -- the ``books`` sync (seqId continuity, CRC32 checksum)
  onto the Rust book, producing Lyra book deltas;
* :mod:`lyra.adapters.okx.market` -- trades and best bid/offer -> Lyra trade and quote ticks;
* :mod:`lyra.adapters.okx.symbols` -- ``instId`` <-> instrument id, instruments metadata;
* :mod:`lyra.adapters.okx.orders` -- Lyra orders <-> OKX requests and order updates;
* :mod:`lyra.adapters.okx.reports` -- REST queries -> reconciliation reports;
* :mod:`lyra.adapters.okx.codes` -- OKX error codes -> Lyra errors and reject codes;
* :mod:`lyra.adapters.okx.venue` -- :class:`OkxVenue`, the adapter built on all of them
  (exported here with :class:`OkxUrls`, :data:`PRODUCTION`, :data:`DEMO` and
  :class:`~lyra.adapters.okx.signing.OkxCredentials`). The adapter runs on asyncio
  (``pip install lyra[adapters]``); :class:`lyra.testing.FakeOkx` is its fake venue.
"""

from __future__ import annotations

from lyra.adapters.okx.signing import OkxCredentials
from lyra.adapters.okx.venue import DEMO, PRODUCTION, OkxErrorMapper, OkxSigner, OkxUrls, OkxVenue

__all__ = (
    "DEMO",
    "PRODUCTION",
    "OkxCredentials",
    "OkxErrorMapper",
    "OkxSigner",
    "OkxUrls",
    "OkxVenue",
)
