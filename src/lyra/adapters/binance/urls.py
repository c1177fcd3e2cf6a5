"""Binance base URLs: production, testnet, demo, or any server you point the adapter at.

Every adapter takes its URLs from one of these structs, so the same code talks to
production, to Binance's test networks, or to :class:`lyra.testing.FakeBinance` on
localhost (``fake.spot_urls`` / ``fake.futures_urls``). Paths are appended by the adapter:

* spot: REST ``<rest>/api/v3/...``; market streams ``<streams>/stream`` (combined, with
  ``SUBSCRIBE``); the websocket API ``<ws_api>`` (user data subscription);
* USD-M: REST ``<rest>/fapi/v1/...``; since 2026-04-23 streams are split by route --
  ``<ws_public>/stream`` for ``@depth``/``@bookTicker``, ``<ws_market>/stream`` for
  trades and klines, ``<ws_private>/ws/<listenKey>`` for user data.

The testnet and demo futures stream routes are not confirmed by Binance's documentation
as of this writing (see ``specs/venues.md`` 1.1); check them before relying on them.
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = (
    "FUTURES_PRODUCTION",
    "FUTURES_TESTNET",
    "SPOT_DEMO",
    "SPOT_PRODUCTION",
    "SPOT_TESTNET",
    "FuturesUrls",
    "SpotUrls",
)


class SpotUrls(msgspec.Struct, frozen=True, gc=False):
    """Base URLs of Binance spot."""

    rest: str
    """REST base (``https://api.binance.com``)."""
    streams: str
    """Market stream base (``wss://stream.binance.com:9443``)."""
    ws_api: str
    """Websocket API endpoint (``wss://ws-api.binance.com:443/ws-api/v3``)."""


class FuturesUrls(msgspec.Struct, frozen=True, gc=False):
    """Base URLs of Binance USD-M futures."""

    rest: str
    """REST base (``https://fapi.binance.com``)."""
    ws_public: str
    """Book stream route (``wss://fstream.binance.com/public``)."""
    ws_market: str
    """Trade/kline stream route (``wss://fstream.binance.com/market``)."""
    ws_private: str
    """User data stream route (``wss://fstream.binance.com/private``)."""


SPOT_PRODUCTION: Final = SpotUrls(
    rest="https://api.binance.com",
    streams="wss://stream.binance.com:9443",
    ws_api="wss://ws-api.binance.com:443/ws-api/v3",
)
"""Binance spot production."""

SPOT_TESTNET: Final = SpotUrls(
    rest="https://testnet.binance.vision",
    streams="wss://stream.testnet.binance.vision",
    ws_api="wss://ws-api.testnet.binance.vision/ws-api/v3",
)
"""Binance spot testnet (separate keys)."""

SPOT_DEMO: Final = SpotUrls(
    rest="https://demo-api.binance.com",
    streams="wss://demo-stream.binance.com",
    ws_api="wss://demo-ws-api.binance.com/ws-api/v3",
)
"""Binance spot demo mode."""

FUTURES_PRODUCTION: Final = FuturesUrls(
    rest="https://fapi.binance.com",
    ws_public="wss://fstream.binance.com/public",
    ws_market="wss://fstream.binance.com/market",
    ws_private="wss://fstream.binance.com/private",
)
"""Binance USD-M futures production."""

FUTURES_TESTNET: Final = FuturesUrls(
    rest="https://testnet.binancefuture.com",
    ws_public="wss://fstream.binancefuture.com/public",
    ws_market="wss://fstream.binancefuture.com/market",
    ws_private="wss://fstream.binancefuture.com/private",
)
"""Binance USD-M futures testnet (routes unconfirmed; see the module docs)."""
