"""``SqliteStore``: the default durable store -- one SQLite file, no server (stdlib sqlite3).

The database runs in WAL mode. Each :meth:`SqliteStore.commit` is one ``BEGIN IMMEDIATE``
... ``COMMIT`` transaction, so a batch is written whole or not at all, whatever kills the
process. What a committed transaction survives depends on ``synchronous``:

* ``"full"`` (default) -- SQLite syncs the WAL to disk on every commit: a committed batch
  survives a process crash, an OS crash and a power cut (as far as the disk honours fsync).
* ``"normal"`` -- the WAL is synced only at checkpoints: a committed batch survives the
  process being killed (the data is in the OS's page cache), but an OS crash or power cut
  may lose the last transactions (never corrupt the file). Several times faster.

Tables (the schema is also in ``docs/explanation/state-and-recovery.md``)::

    meta(key TEXT PRIMARY KEY, value)                  schema, seq
    events(seq INTEGER PRIMARY KEY, client_order_id TEXT, idx INTEGER, data BLOB)
           UNIQUE (client_order_id, idx)
    lists(order_list_id TEXT PRIMARY KEY, data BLOB)
    contingency(order_list_id TEXT PRIMARY KEY, data BLOB)
    portfolio(id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB)
    kv(scope TEXT, key TEXT, value BLOB, PRIMARY KEY (scope, key))
    cursors(venue TEXT PRIMARY KEY, ts INTEGER)

One process writes a database at a time (SQLite serialises writers; Lyra's recorder assumes
it is the only one).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Final, Literal

from lyra.errors import InvalidInput, StateCorrupted, StoreUnavailable
from lyra.state.protocol import BaseStore
from lyra.state.records import (
    SCHEMA_VERSION,
    RawEvent,
    RawRecord,
    RawSnapshot,
    StateBatch,
    StateSnapshot,
)

__all__ = ("SqliteStore", "Synchronous")

Synchronous = Literal["full", "normal"]
"""How hard a commit syncs: ``"full"`` (every commit reaches the disk) or ``"normal"``
(survives a killed process, not a power cut)."""

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)",
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, client_order_id TEXT NOT NULL,"
    " idx INTEGER NOT NULL, data BLOB NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS events_order ON events (client_order_id, idx)",
    "CREATE TABLE IF NOT EXISTS lists (order_list_id TEXT PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS contingency (order_list_id TEXT PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS portfolio (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kv (scope TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
    " PRIMARY KEY (scope, key))",
    "CREATE TABLE IF NOT EXISTS cursors (venue TEXT PRIMARY KEY, ts INTEGER NOT NULL)",
)
_TABLES: Final = ("events", "lists", "contingency", "portfolio", "kv", "cursors")


class SqliteStore(BaseStore):
    """A :class:`~lyra.state.StateStore` in one SQLite file (see the module docs).

    ``path`` is the database file (created with its tables if missing; ``":memory:"`` works
    for tests but is not durable). ``synchronous`` is ``"full"`` (default) or
    ``"normal"``. The async face runs each call in a worker thread, one at a time.
    """

    __slots__ = ("_conn", "_lock", "_path", "_synchronous")

    def __init__(self, path: str | os.PathLike[str], *, synchronous: Synchronous = "full") -> None:
        if synchronous not in ("full", "normal"):
            raise InvalidInput("synchronous", "must be 'full' or 'normal'", synchronous)
        self._path = str(path) if str(path) == ":memory:" else str(Path(path))
        self._synchronous = synchronous
        self._lock = threading.Lock()
        try:
            conn = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
        except sqlite3.Error as exc:
            raise StoreUnavailable(self.name, f"cannot open the database: {exc}") from exc
        self._conn: sqlite3.Connection | None = conn
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.close()
            self._conn = None
            raise StoreUnavailable(self.name, f"cannot prepare the database: {exc}") from exc

    @property
    def name(self) -> str:
        """``"sqlite:<path>"``."""
        return f"sqlite:{self._path}"

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    @property
    def synchronous(self) -> Synchronous:
        """The sync level of commits."""
        return self._synchronous

    def _connection(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            raise StoreUnavailable(self.name, "the store is closed")
        return conn

    # -- writing ---------------------------------------------------------------------------
    def commit(self, batch: StateBatch) -> None:
        """Write ``batch`` in one transaction (durable as ``synchronous`` says)."""
        self.check_batch(batch)
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    self._write(conn, batch)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreUnavailable(self.name, f"commit failed: {exc}") from exc

    @staticmethod
    def _write(conn: sqlite3.Connection, batch: StateBatch) -> None:
        if batch.events:
            # a retried batch rewrites identical rows: OR REPLACE keeps that harmless
            conn.executemany(
                "INSERT OR REPLACE INTO events (seq, client_order_id, idx, data) "
                "VALUES (?, ?, ?, ?)",
                [(seq, cid, index, data) for cid, index, seq, data in batch.events],
            )
        if batch.lists:
            conn.executemany("INSERT OR REPLACE INTO lists VALUES (?, ?)", batch.lists)
        for lid, maybe in batch.contingency:
            if maybe is None:
                conn.execute("DELETE FROM contingency WHERE order_list_id = ?", (lid,))
            else:
                conn.execute("INSERT OR REPLACE INTO contingency VALUES (?, ?)", (lid, maybe))
        if batch.portfolio is not None:
            conn.execute("INSERT OR REPLACE INTO portfolio VALUES (1, ?)", (batch.portfolio,))
        for scope, key, value in batch.kv:
            if value is None:
                conn.execute("DELETE FROM kv WHERE scope = ? AND key = ?", (scope, key))
            else:
                conn.execute("INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", (scope, key, value))
        for venue, ts in batch.cursors.items():
            conn.execute(
                "INSERT INTO cursors VALUES (?, ?) ON CONFLICT (venue) "
                "DO UPDATE SET ts = max(ts, excluded.ts)",
                (venue, ts),
            )
        conn.execute(
            "INSERT INTO meta VALUES ('seq', ?) ON CONFLICT (key) "
            "DO UPDATE SET value = max(value, excluded.value)",
            (batch.seq,),
        )

    # -- reading ---------------------------------------------------------------------------
    def load_raw(self) -> RawSnapshot:
        """Everything held, still encoded (one read transaction: a consistent view)."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN")
                try:
                    return self._read(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreUnavailable(self.name, f"read failed: {exc}") from exc

    def _read(self, conn: sqlite3.Connection) -> RawSnapshot:
        raw = RawSnapshot()
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        schema = meta.get("schema", SCHEMA_VERSION)
        seq = meta.get("seq", 0)
        if type(schema) is not int or type(seq) is not int:
            raise StateCorrupted("sqlite:meta", f"schema and seq must be integers ({meta!r})")
        raw.schema = schema
        raw.seq = seq
        events: list[RawEvent] = []
        for seq_, cid, index, data in conn.execute(
            "SELECT seq, client_order_id, idx, data FROM events"
        ):
            key = f"sqlite:events[seq={seq_}, client_order_id={cid}, idx={index}]"
            if type(data) is not bytes:
                raise StateCorrupted(key, f"data must be a BLOB, not {type(data).__name__}")
            events.append(RawEvent(cid, index, data, key))
        raw.events = events
        raw.lists = [
            RawRecord(lid, _blob(data, f"sqlite:lists[{lid}]"), f"sqlite:lists[{lid}]")
            for lid, data in conn.execute("SELECT order_list_id, data FROM lists")
        ]
        raw.contingency = [
            RawRecord(lid, _blob(data, f"sqlite:contingency[{lid}]"), f"sqlite:contingency[{lid}]")
            for lid, data in conn.execute("SELECT order_list_id, data FROM contingency")
        ]
        row = conn.execute("SELECT data FROM portfolio WHERE id = 1").fetchone()
        if row is not None:
            raw.portfolio = RawRecord(
                "portfolio", _blob(row[0], "sqlite:portfolio"), "sqlite:portfolio"
            )
        kv: dict[str, dict[str, bytes]] = {}
        for scope, key, value in conn.execute("SELECT scope, key, value FROM kv"):
            kv.setdefault(scope, {})[key] = _blob(value, f"sqlite:kv[{scope}, {key}]")
        raw.kv = kv
        raw.cursors = dict(conn.execute("SELECT venue, ts FROM cursors").fetchall())
        return raw

    # -- housekeeping ----------------------------------------------------------------------
    def clear(self) -> None:
        """Remove everything (the schema stays)."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                for table in _TABLES:
                    conn.execute(f"DELETE FROM {table}")
                conn.execute("DELETE FROM meta WHERE key != 'schema'")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreUnavailable(self.name, f"clear failed: {exc}") from exc

    def close(self) -> None:
        """Close the database (idempotent)."""
        with self._lock:
            conn = self._conn
            self._conn = None
            if conn is not None:
                conn.close()

    # -- the async face: a worker thread, one call at a time ------------------------------------
    async def acommit(self, batch: StateBatch) -> None:
        """:meth:`commit` in a worker thread."""
        import anyio.to_thread

        self.check_batch(batch)
        await anyio.to_thread.run_sync(self.commit, batch)

    async def aload(self) -> StateSnapshot:
        """:meth:`load` in a worker thread."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.load)

    async def aclear(self) -> None:
        """:meth:`clear` in a worker thread."""
        import anyio.to_thread

        await anyio.to_thread.run_sync(self.clear)


def _blob(data: object, key: str) -> bytes:
    if type(data) is not bytes:
        raise StateCorrupted(key, f"data must be a BLOB, not {type(data).__name__}")
    return data
