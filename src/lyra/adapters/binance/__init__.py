"""Binance spot and USD-M futures: the venues, and the pure layers they are built from.

* :class:`BinanceSpot` / :class:`BinanceFutures` -- :class:`lyra.venue.Venue` adapters
  (REST orders, websocket market data and user data; see :mod:`lyra.adapters.binance.venue`);
* URLs -- :class:`SpotUrls` / :class:`FuturesUrls` and the production, testnet and demo
  constants; point them at :class:`lyra.testing.FakeBinance` to trade on localhost;
* signing -- :class:`BinanceSigner`, :func:`hmac_signature`, :func:`rest_payload`,
  :func:`ws_api_payload`, :func:`sign_ws_params` (the documented known-answer vectors pass);
* messages -- :mod:`lyra.adapters.binance.messages` (one msgspec Struct per message);
* books -- :class:`BinanceSpotBookSync`, :class:`BinanceFuturesBookSync`;
* instruments -- :func:`parse_exchange_info` (filters become instrument fields);
* capabilities -- :class:`BinanceCapabilities` with :data:`SPOT_CAPABILITIES` and
  :data:`FUTURES_CAPABILITIES`;
* errors -- :class:`BinanceErrorMapper`, :func:`binance_error`, :func:`reject_code`.
"""

from __future__ import annotations

from lyra.adapters.binance.book import BinanceFuturesBookSync, BinanceSpotBookSync
from lyra.adapters.binance.capabilities import (
    FUTURES_CAPABILITIES,
    SPOT_CAPABILITIES,
    BinanceCapabilities,
    SymbolFeatures,
)
from lyra.adapters.binance.errors import BinanceErrorMapper, binance_error, reject_code
from lyra.adapters.binance.instruments import (
    BinanceSymbol,
    SymbolFilters,
    parse_exchange_info,
    rate_windows,
)
from lyra.adapters.binance.signing import (
    BinanceSigner,
    hmac_signature,
    rest_payload,
    sign_ws_params,
    ws_api_payload,
)
from lyra.adapters.binance.urls import (
    FUTURES_PRODUCTION,
    FUTURES_TESTNET,
    SPOT_DEMO,
    SPOT_PRODUCTION,
    SPOT_TESTNET,
    FuturesUrls,
    SpotUrls,
)
from lyra.adapters.binance.venue import BinanceFutures, BinanceSpot

__all__ = (
    "FUTURES_CAPABILITIES",
    "FUTURES_PRODUCTION",
    "FUTURES_TESTNET",
    "SPOT_CAPABILITIES",
    "SPOT_DEMO",
    "SPOT_PRODUCTION",
    "SPOT_TESTNET",
    "BinanceCapabilities",
    "BinanceErrorMapper",
    "BinanceFutures",
    "BinanceFuturesBookSync",
    "BinanceSigner",
    "BinanceSpot",
    "BinanceSpotBookSync",
    "BinanceSymbol",
    "FuturesUrls",
    "SpotUrls",
    "SymbolFeatures",
    "SymbolFilters",
    "binance_error",
    "hmac_signature",
    "parse_exchange_info",
    "rate_windows",
    "reject_code",
    "rest_payload",
    "sign_ws_params",
    "ws_api_payload",
)
