"""Coinbase Advanced Trade: the venue-specific layers an adapter and a fake server stand on.

Nothing here does I/O; each module turns Coinbase's wire format into Lyra's types or back:

* :mod:`~lyra.adapters.coinbase.signing` -- CDP API key JWTs (ES256, Ed25519) and their
  verification;
* :mod:`~lyra.adapters.coinbase.messages` -- msgspec Structs and decoders for every
  websocket channel and REST body;
* :mod:`~lyra.adapters.coinbase.book` -- level2 sync by ``sequence_num`` into Lyra's Rust
  book, BookDeltas on demand;
* :mod:`~lyra.adapters.coinbase.market` -- trades and tickers as TradeTick/QuoteTick;
* :mod:`~lyra.adapters.coinbase.symbols` -- ``BTC-USD`` <-> ``BTC-USD.COINBASE``, products
  -> CurrencyPair;
* :mod:`~lyra.adapters.coinbase.orders` -- Lyra orders -> order configurations, ``user``
  channel updates -> order status and fills;
* :mod:`~lyra.adapters.coinbase.reports` -- REST orders, fills, accounts -> reconciliation
  reports;
* :mod:`~lyra.adapters.coinbase.codes` -- Coinbase errors -> Lyra venue errors;
* :mod:`~lyra.adapters.coinbase.capabilities` -- what the venue supports natively;
* :mod:`~lyra.adapters.coinbase.urls` -- production (or a fake server's) base URLs.

On top of them, :class:`CoinbaseVenue` (:mod:`~lyra.adapters.coinbase.venue`) is the
adapter: a :class:`lyra.venue.Venue` over REST and the two websocket hosts.

Importing this package loads the Rust extension (for the book); the ``cryptography``
package is imported on first JWT use, aiohttp and websockets on first connection.
"""

from __future__ import annotations

from lyra.adapters.coinbase.book import (
    BookChange,
    Level2Sync,
    SequenceTracker,
    SyncResult,
    SyncStatus,
)
from lyra.adapters.coinbase.capabilities import CAPABILITIES
from lyra.adapters.coinbase.messages import decode_rest, decode_ws, encode
from lyra.adapters.coinbase.orders import (
    OrderUpdate,
    UserOrderTracker,
    create_order_request,
    order_configuration,
    order_spec,
)
from lyra.adapters.coinbase.signing import CdpKey, InvalidToken, JwtVerifier
from lyra.adapters.coinbase.symbols import (
    VENUE,
    currency_pair,
    instrument_id,
    load_instruments,
    product_id,
)
from lyra.adapters.coinbase.urls import PRODUCTION, CoinbaseUrls
from lyra.adapters.coinbase.venue import CoinbaseSigner, CoinbaseVenue, cumulative_fill_ids

__all__ = (
    "CAPABILITIES",
    "PRODUCTION",
    "VENUE",
    "BookChange",
    "CdpKey",
    "CoinbaseSigner",
    "CoinbaseUrls",
    "CoinbaseVenue",
    "InvalidToken",
    "JwtVerifier",
    "Level2Sync",
    "OrderUpdate",
    "SequenceTracker",
    "SyncResult",
    "SyncStatus",
    "UserOrderTracker",
    "create_order_request",
    "cumulative_fill_ids",
    "currency_pair",
    "decode_rest",
    "decode_ws",
    "encode",
    "instrument_id",
    "load_instruments",
    "order_configuration",
    "order_spec",
    "product_id",
)
