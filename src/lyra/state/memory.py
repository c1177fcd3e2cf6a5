"""``MemoryStore``: the state store for tests -- the same contract, no durability.

It keeps the encoded records in dictionaries, exactly as the durable stores keep them on
disk, so a test that "restarts" by building a new recorder over the same ``MemoryStore``
goes through the same encoding, checks and replay as a real recovery. Nothing survives the
process.
"""

from __future__ import annotations

from lyra.errors import InvalidInput, StoreUnavailable
from lyra.state.protocol import BaseStore
from lyra.state.records import SCHEMA_VERSION, RawEvent, RawRecord, RawSnapshot, StateBatch

__all__ = ("MemoryStore",)


class MemoryStore(BaseStore):
    """A :class:`~lyra.state.StateStore` in memory (for tests; nothing is durable).

    ``label`` names it in messages. :meth:`put_raw` writes a raw record directly, for tests
    of what loading does with bad data.
    """

    __slots__ = (
        "_closed",
        "_contingency",
        "_cursors",
        "_events",
        "_kv",
        "_label",
        "_lists",
        "_portfolio",
        "_schema",
        "_seq",
    )

    def __init__(self, label: str = "memory") -> None:
        self._label = label
        self._closed = False
        self._events: dict[tuple[str, int], bytes] = {}
        self._lists: dict[str, bytes] = {}
        self._contingency: dict[str, bytes] = {}
        self._portfolio: bytes | None = None
        self._kv: dict[str, dict[str, bytes]] = {}
        self._cursors: dict[str, int] = {}
        self._seq = 0
        self._schema = SCHEMA_VERSION

    @property
    def name(self) -> str:
        """``"memory:<label>"``."""
        return f"memory:{self._label}"

    def _check(self) -> None:
        if self._closed:
            raise StoreUnavailable(self.name, "the store is closed")

    def commit(self, batch: StateBatch) -> None:
        """Apply ``batch`` (atomic: nothing here can fail half-way)."""
        self._check()
        self.check_batch(batch)
        events = self._events
        for cid, index, _seq, data in batch.events:
            events[(cid, index)] = data
        for lid, data in batch.lists:
            self._lists[lid] = data
        for lid, maybe in batch.contingency:
            if maybe is None:
                self._contingency.pop(lid, None)
            else:
                self._contingency[lid] = maybe
        if batch.portfolio is not None:
            self._portfolio = batch.portfolio
        for scope, key, value in batch.kv:
            if value is None:
                area = self._kv.get(scope)
                if area is not None:
                    area.pop(key, None)
                    if not area:
                        del self._kv[scope]
            else:
                self._kv.setdefault(scope, {})[key] = value
        for venue, ts in batch.cursors.items():
            if ts > self._cursors.get(venue, -1):
                self._cursors[venue] = ts
        if batch.seq > self._seq:
            self._seq = batch.seq

    def load_raw(self) -> RawSnapshot:
        """Everything held, still encoded."""
        self._check()
        raw = RawSnapshot()
        raw.events = [
            RawEvent(cid, index, data, f"orders/{cid}/{index}")
            for (cid, index), data in self._events.items()
        ]
        raw.lists = [RawRecord(lid, data, f"lists/{lid}") for lid, data in self._lists.items()]
        raw.contingency = [
            RawRecord(lid, data, f"contingency/{lid}") for lid, data in self._contingency.items()
        ]
        if self._portfolio is not None:
            raw.portfolio = RawRecord("portfolio", self._portfolio, "portfolio")
        raw.kv = {scope: dict(values) for scope, values in self._kv.items()}
        raw.cursors = dict(self._cursors)
        raw.seq = self._seq
        raw.schema = self._schema
        return raw

    def clear(self) -> None:
        """Remove everything."""
        self._check()
        self._events.clear()
        self._lists.clear()
        self._contingency.clear()
        self._portfolio = None
        self._kv.clear()
        self._cursors.clear()
        self._seq = 0
        self._schema = SCHEMA_VERSION

    def close(self) -> None:
        """Refuse further use (the data is dropped)."""
        self._closed = True

    # -- for tests ---------------------------------------------------------------------------
    def put_raw(self, kind: str, key: str, data: bytes, index: int = 0) -> None:
        """Write raw bytes where a record of ``kind`` lives: ``"event"`` (order ``key``,
        event ``index``), ``"list"``, ``"contingency"``, ``"portfolio"``; or set the
        ``"schema"`` (``data`` is its decimal text)."""
        self._check()
        if kind == "event":
            self._events[(key, index)] = data
        elif kind == "list":
            self._lists[key] = data
        elif kind == "contingency":
            self._contingency[key] = data
        elif kind == "portfolio":
            self._portfolio = data
        elif kind == "schema":
            self._schema = int(data)
        else:
            raise InvalidInput(
                "kind", "must be event, list, contingency, portfolio or schema", kind
            )
