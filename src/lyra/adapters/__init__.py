"""Venue adapters: the shared toolkit every adapter uses, and one subpackage per venue.

The toolkit (importable from here; loaded on first use, so ``import lyra.adapters`` pulls
in neither aiohttp nor websockets):

* transport -- :class:`WebSocketClient` (connect timeout, per-venue heartbeats
  :class:`WsHeartbeat`, reconnect with :class:`Backoff` and jitter, resubscription, a
  bounded inbound queue) and :class:`RestClient` (per-venue :class:`Signer` and
  :class:`ErrorMapper`, the weight-aware :class:`WeightLimiter`, retries only for idempotent
  calls, :class:`ServerClock` offset);
* order books -- :class:`BookSync`, the snapshot-plus-diffs state machine a venue
  specialises with its sequence and checksum rules, on :class:`SyncedBook` (the Rust L2
  book);
* :class:`SymbolMap` (venue symbols <-> instrument ids), :class:`MessageDecoder` (msgspec
  decoding that counts and reports malformed messages), :class:`Secret` /
  :class:`Credentials` / :class:`RedactingFilter` (keys that never reach a log);
* :class:`LiveVenue`, the base class holding the venue contract's lifecycle, commands,
  subscriptions and reconnect bookkeeping;
* the exceptions: :class:`TransportError`, :class:`RequestRejected` (:class:`RateLimited`,
  :class:`AuthenticationFailed`), :class:`RequestStatusUnknown`, :class:`MalformedMessage`,
  :class:`BookSyncError` (:class:`SequenceGap`, :class:`ChecksumMismatch`).

Venues: :mod:`lyra.adapters.binance` (spot and USD-M futures), :mod:`lyra.adapters.okx`
(v5 spot and swaps), :mod:`lyra.adapters.coinbase` (Advanced Trade) and
:mod:`lyra.adapters.kraken` (spot, websocket v2). Nothing in Lyra's core
imports this package. The aiohttp/websockets transports run on asyncio (anyio's asyncio
backend); install them with ``pip install lyra[adapters]``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from lyra.errors import (
    AuthenticationFailed,
    BookSyncError,
    ChecksumMismatch,
    MalformedMessage,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    SequenceGap,
    TransportError,
)

if TYPE_CHECKING:
    from lyra.adapters.book_sync import BookSync, SyncedBook, SyncResult
    from lyra.adapters.decoding import DecodeStats, MessageDecoder
    from lyra.adapters.live import LiveVenue
    from lyra.adapters.ratelimit import Backoff, RateWindow, WeightLimiter
    from lyra.adapters.rest import (
        ErrorMapper,
        PreparedRequest,
        RestClient,
        RetryPolicy,
        ServerClock,
        Signer,
    )
    from lyra.adapters.secrets import Credentials, RedactingFilter, Secret, redact
    from lyra.adapters.symbols import SymbolMap
    from lyra.adapters.ws import WebSocketClient, WsHeartbeat

__all__ = (
    "AuthenticationFailed",
    "Backoff",
    "BookSync",
    "BookSyncError",
    "ChecksumMismatch",
    "Credentials",
    "DecodeStats",
    "ErrorMapper",
    "LiveVenue",
    "MalformedMessage",
    "MessageDecoder",
    "PreparedRequest",
    "RateLimited",
    "RateWindow",
    "RedactingFilter",
    "RequestRejected",
    "RequestStatusUnknown",
    "RestClient",
    "RetryPolicy",
    "Secret",
    "SequenceGap",
    "ServerClock",
    "Signer",
    "SymbolMap",
    "SyncResult",
    "SyncedBook",
    "TransportError",
    "WebSocketClient",
    "WeightLimiter",
    "WsHeartbeat",
    "redact",
)

_WHERE: Final = {
    "BookSync": "book_sync",
    "SyncResult": "book_sync",
    "SyncedBook": "book_sync",
    "DecodeStats": "decoding",
    "MessageDecoder": "decoding",
    "LiveVenue": "live",
    "Backoff": "ratelimit",
    "RateWindow": "ratelimit",
    "WeightLimiter": "ratelimit",
    "ErrorMapper": "rest",
    "PreparedRequest": "rest",
    "RestClient": "rest",
    "RetryPolicy": "rest",
    "ServerClock": "rest",
    "Signer": "rest",
    "Credentials": "secrets",
    "RedactingFilter": "secrets",
    "Secret": "secrets",
    "redact": "secrets",
    "SymbolMap": "symbols",
    "WebSocketClient": "ws",
    "WsHeartbeat": "ws",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'lyra.adapters' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lyra.adapters.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
