"""State persistence and crash recovery.

A trading process writes what it does to a store as it goes, ahead of what depends on it,
and a fresh process rebuilds everything from the store and reconciles it with the venues:

* :class:`StateStore` -- the protocol; :class:`MemoryStore` (tests), :class:`SqliteStore`
  (the embedded default: one file, no server), :class:`RedisStore` (redis-py's asyncio
  client, pipelined; ``pip install lyra[redis]``);
* :class:`StateRecorder` -- records order events, lists, contingency state, cursors and the
  strategies' own key/value areas (:class:`StrategyState`); :class:`RecordingVenue` (from
  ``recorder.venue(venue)``) makes state durable before every command it sends;
* :func:`recover` -- loads a store, rebuilds orders (by replaying their events), positions,
  accounts and the contingency managers, then reconciles with each venue and reports every
  difference as a :class:`ReconciliationDifference`; :func:`restore` is its offline half;
* :class:`BusStreamer` -- copies bus events to Redis Streams for other processes, with a
  bounded buffer that never blocks the trading loop.

The key layouts, the encoding, the write-ahead window, what each Redis persistence setting
can lose and the stream drop policy are in ``docs/explanation/state-and-recovery.md``.
Names that need an optional dependency are loaded on first use, so ``import lyra.state``
does not import redis.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from lyra.errors import StateCorrupted, StateError, StoreUnavailable
from lyra.state.codec import decode_snapshot
from lyra.state.memory import MemoryStore
from lyra.state.protocol import BaseStore, StateStore
from lyra.state.recorder import (
    SETTLE_PRIORITY,
    WRITE_PRIORITY,
    RecordingVenue,
    StateRecorder,
    StrategyState,
)
from lyra.state.records import (
    SCHEMA_VERSION,
    ContingencyRecord,
    ListRecord,
    PortfolioCheckpoint,
    RawSnapshot,
    StateBatch,
    StateSnapshot,
    StoredEvent,
)
from lyra.state.recovery import (
    EXTERNAL_STRATEGY,
    DifferenceKind,
    ReconciliationDifference,
    Recovery,
    RestoredState,
    reconciliation_topic,
    recover,
    restore,
)
from lyra.state.sqlite import SqliteStore

if TYPE_CHECKING:
    from lyra.state.redis import RedisStore
    from lyra.state.streams import BusStreamer, DropPolicy

__all__ = (
    "EXTERNAL_STRATEGY",
    "SCHEMA_VERSION",
    "SETTLE_PRIORITY",
    "WRITE_PRIORITY",
    "BaseStore",
    "BusStreamer",
    "ContingencyRecord",
    "DifferenceKind",
    "DropPolicy",
    "ListRecord",
    "MemoryStore",
    "PortfolioCheckpoint",
    "RawSnapshot",
    "ReconciliationDifference",
    "RecordingVenue",
    "Recovery",
    "RedisStore",
    "RestoredState",
    "SqliteStore",
    "StateBatch",
    "StateCorrupted",
    "StateError",
    "StateRecorder",
    "StateSnapshot",
    "StateStore",
    "StoreUnavailable",
    "StoredEvent",
    "StrategyState",
    "decode_snapshot",
    "reconciliation_topic",
    "recover",
    "restore",
)

_LAZY: Final = {
    "RedisStore": "lyra.state.redis",
    "BusStreamer": "lyra.state.streams",
    "DropPolicy": "lyra.state.streams",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lyra.state' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
