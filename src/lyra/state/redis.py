"""``RedisStore``: state in Redis, through redis-py's asyncio client, pipelined.

**Two faces, one client.** The store owns a small I/O thread running an asyncio event loop
with one ``redis.asyncio.Redis`` client; every operation is a coroutine on that loop. The
async face (``await store.acommit(batch)``) schedules the coroutine there and awaits it
without blocking the caller's loop (asyncio or trio); the sync face (``store.commit``)
waits for the same coroutine -- which is what a write-ahead flush must do, since the
command it protects is a synchronous call. Commits run one at a time, in the order they
were made.

**Writes.** A commit is one ``MULTI``/``EXEC`` transaction sent as a single pipeline (one
round trip), so Redis applies the batch whole or not at all; with AOF on, a transaction cut
off by a crash is discarded when the AOF is loaded. Every write is idempotent (an event is
stored under its index; cursors and ``seq`` only move forward), so after a dropped
connection the whole transaction is simply sent again, until ``retry_timeout_s`` runs out
(then :class:`~lyra.state.StoreUnavailable`).

**Key layout** (``<ns>`` is ``namespace``; values are the msgpack records of
:mod:`lyra.state.codec`)::

    <ns>:meta                 HASH   schema, seq
    <ns>:orders               SET    every client order id
    <ns>:order:<client id>    HASH   <index> -> [seq, event]   (index 0: OrderInitialized)
    <ns>:lists                HASH   <order list id> -> ListRecord
    <ns>:contingency          HASH   <order list id> -> ContingencyRecord
    <ns>:portfolio            STRING PortfolioCheckpoint
    <ns>:kv                   SET    every key/value scope
    <ns>:kv:<scope>           HASH   <key> -> value (opaque bytes)
    <ns>:cursors              HASH   <venue> -> ts_event (decimal)

**Durability** is the server's: an acknowledged commit survives a Redis restart only as its
persistence settings promise. ``docs/explanation/state-and-recovery.md`` has the table; in
short, use ``appendonly yes`` with ``appendfsync always`` to lose nothing acknowledged, or
``everysec`` to risk up to about a second of acknowledged writes on a server crash (a
process crash of the trader loses nothing either way). ``require_aof=True`` refuses to
start against a server whose AOF is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Final, TypeVar

from lyra.errors import InvalidInput, MissingDependency, StateCorrupted, StoreUnavailable
from lyra.state.protocol import BaseStore
from lyra.state.records import (
    SCHEMA_VERSION,
    RawEvent,
    RawRecord,
    RawSnapshot,
    StateBatch,
    StateSnapshot,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ("RedisStore",)

_T = TypeVar("_T")

# HSET a field only if the new value is larger (cursors and seq never move backwards).
_MAX_SCRIPT: Final = """
for i = 1, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if (not current) or tonumber(current) < tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 0
"""


def _redis_module() -> Any:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as exc:  # pragma: no cover - the test environment has redis
        raise MissingDependency("RedisStore needs redis-py: pip install lyra[redis]") from exc
    return redis_asyncio


class RedisStore(BaseStore):
    """A :class:`~lyra.state.StateStore` in Redis (see the module docs).

    ``url`` is a ``redis://`` URL (``rediss://`` for TLS). ``namespace`` prefixes every key
    (several traders can share a server, one namespace each; one writer per namespace).
    ``retry_timeout_s`` bounds how long a commit keeps retrying through a dropped connection
    or a restarting server; ``socket_timeout_s`` bounds each attempt. ``require_aof``
    checks ``CONFIG GET appendonly`` at start and refuses a server without AOF.
    ``load_chunk`` is how many orders one pipelined read fetches.
    """

    __slots__ = (
        "_chunk",
        "_client",
        "_closed",
        "_lock",
        "_loop",
        "_namespace",
        "_retry_timeout",
        "_socket_timeout",
        "_thread",
        "_url",
    )

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        namespace: str = "lyra",
        retry_timeout_s: float = 30.0,
        socket_timeout_s: float = 5.0,
        require_aof: bool = False,
        load_chunk: int = 1000,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
            raise InvalidInput("url", "must be a redis://, rediss:// or unix:// URL", url)
        if not isinstance(namespace, str) or not namespace or any(c.isspace() for c in namespace):
            raise InvalidInput("namespace", "must be a non-empty string without spaces", namespace)
        if retry_timeout_s < 0 or socket_timeout_s <= 0:
            raise InvalidInput(
                "retry_timeout_s", "timeouts must be positive", (retry_timeout_s, socket_timeout_s)
            )
        if type(load_chunk) is not int or load_chunk < 1:
            raise InvalidInput("load_chunk", "must be a positive int", load_chunk)
        redis_asyncio = _redis_module()
        self._url = url
        self._namespace = namespace
        self._retry_timeout = float(retry_timeout_s)
        self._socket_timeout = float(socket_timeout_s)
        self._chunk = load_chunk
        self._closed = False
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name=f"lyra-redis-{namespace}", daemon=True
        )
        self._thread.start()
        self._lock: asyncio.Lock | None = None

        async def connect() -> Redis:
            self._lock = asyncio.Lock()
            client: Redis = redis_asyncio.Redis.from_url(
                url,
                socket_timeout=socket_timeout_s,
                socket_connect_timeout=socket_timeout_s,
                decode_responses=False,
            )
            return client

        # redis-py's annotations do not tell sync and async return types apart: Any here
        self._client: Any = self._run(connect())
        try:
            self._run(self._retrying(self._prepare))
            if require_aof:
                self._run(self._check_aof())
        except BaseException:
            self.close()
            raise

    # -- the I/O thread ------------------------------------------------------------------------
    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the I/O loop and wait for it (the sync face)."""
        if self._closed:
            coro.close()
            raise StoreUnavailable(self.name, "the store is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result()

    async def _await(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the I/O loop and await it from the caller's loop (the async face)."""
        if self._closed:
            coro.close()
            raise StoreUnavailable(self.name, "the store is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not asyncio (trio): wait in a worker thread
            import anyio.to_thread

            return await anyio.to_thread.run_sync(future.result)
        return await asyncio.wrap_future(future)

    async def _retrying(self, op: Callable[[], Awaitable[_T]]) -> _T:
        """Run ``op`` (idempotent), again after connection errors, until the deadline."""
        import redis.exceptions as errors

        deadline = time.monotonic() + self._retry_timeout
        delay = 0.01
        while True:
            try:
                return await op()
            except (errors.ConnectionError, errors.TimeoutError, OSError) as exc:
                if time.monotonic() + delay > deadline:
                    raise StoreUnavailable(
                        self.name, f"no answer within {self._retry_timeout:g} s: {exc}"
                    ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
            except errors.ResponseError as exc:
                raise StoreUnavailable(self.name, f"the server refused: {exc}") from exc

    # -- keys ------------------------------------------------------------------------------------
    def _key(self, *parts: str) -> str:
        return ":".join((self._namespace, *parts))

    @property
    def name(self) -> str:
        """``"redis:<namespace>"``."""
        return f"redis:{self._namespace}"

    @property
    def namespace(self) -> str:
        """The key prefix."""
        return self._namespace

    @property
    def url(self) -> str:
        """The server's URL."""
        return self._url

    # -- setup -----------------------------------------------------------------------------------
    async def _prepare(self) -> None:
        meta = self._key("meta")
        await self._client.hsetnx(meta, "schema", SCHEMA_VERSION)

    async def _check_aof(self) -> None:
        import redis.exceptions as errors

        try:
            config = await self._client.config_get("appendonly")
        except errors.ResponseError as exc:
            raise StoreUnavailable(
                self.name, f"cannot check the server's AOF setting (CONFIG GET refused: {exc})"
            ) from exc
        value = config.get(b"appendonly", config.get("appendonly"))
        if value not in (b"yes", "yes"):
            raise StoreUnavailable(
                self.name,
                "the server runs without AOF (appendonly no): acknowledged writes may be lost "
                "when it restarts; set appendonly yes (and appendfsync always to lose nothing)",
            )

    async def persistence(self) -> dict[str, str]:
        """The server's persistence settings (``appendonly``, ``appendfsync``, ``save``), as
        far as ``CONFIG GET`` is allowed."""
        out: dict[str, str] = {}
        for name in ("appendonly", "appendfsync", "save"):
            with contextlib.suppress(Exception):
                got = await self._client.config_get(name)
                for k, v in got.items():
                    key = k.decode() if isinstance(k, bytes) else str(k)
                    out[key] = v.decode() if isinstance(v, bytes) else str(v)
        return out

    def persistence_settings(self) -> dict[str, str]:
        """:meth:`persistence`, from sync code."""
        return self._run(self.persistence())

    # -- writing -----------------------------------------------------------------------------------
    async def _commit(self, batch: StateBatch) -> None:
        assert self._lock is not None
        async with self._lock:
            await self._retrying(lambda: self._transaction(batch))

    async def _transaction(self, batch: StateBatch) -> None:
        key = self._key
        async with self._client.pipeline(transaction=True) as pipe:
            if batch.events:
                per_order: dict[str, dict[str, bytes]] = {}
                for cid, index, _seq, data in batch.events:
                    per_order.setdefault(cid, {})[str(index)] = data
                pipe.sadd(key("orders"), *per_order)
                for cid, fields in per_order.items():
                    pipe.hset(key("order", cid), mapping=fields)
            if batch.lists:
                pipe.hset(key("lists"), mapping=dict(batch.lists))
            for lid, maybe in batch.contingency:
                if maybe is None:
                    pipe.hdel(key("contingency"), lid)
                else:
                    pipe.hset(key("contingency"), lid, maybe)
            if batch.portfolio is not None:
                pipe.set(key("portfolio"), batch.portfolio)
            for scope, k, value in batch.kv:
                if value is None:
                    pipe.hdel(key("kv", scope), k)
                else:
                    pipe.sadd(key("kv"), scope)
                    pipe.hset(key("kv", scope), k, value)
            if batch.cursors:
                args: list[Any] = []
                for venue, ts in batch.cursors.items():
                    args.extend((venue, ts))
                pipe.eval(_MAX_SCRIPT, 1, key("cursors"), *args)
            pipe.eval(_MAX_SCRIPT, 1, key("meta"), "seq", batch.seq)
            await pipe.execute()

    def commit(self, batch: StateBatch) -> None:
        """Write ``batch`` in one MULTI/EXEC transaction and wait for the server's answer."""
        self.check_batch(batch)
        self._run(self._commit(batch))

    async def acommit(self, batch: StateBatch) -> None:
        """:meth:`commit` without blocking the caller's event loop."""
        self.check_batch(batch)
        await self._await(self._commit(batch))

    # -- reading --------------------------------------------------------------------------------
    async def _read(self) -> RawSnapshot:
        client = self._client
        key = self._key
        raw = RawSnapshot()
        meta = await client.hgetall(key("meta"))
        raw.schema = _int(
            meta.get(b"schema", str(SCHEMA_VERSION).encode()), f"{key('meta')} schema"
        )
        raw.seq = _int(meta.get(b"seq", b"0"), f"{key('meta')} seq")
        cids = sorted(m.decode() for m in await client.smembers(key("orders")))
        events: list[RawEvent] = []
        for start in range(0, len(cids), self._chunk):
            chunk = cids[start : start + self._chunk]
            async with client.pipeline(transaction=False) as pipe:
                for cid in chunk:
                    pipe.hgetall(key("order", cid))
                results = await pipe.execute()
            for cid, fields in zip(chunk, results, strict=True):
                name = key("order", cid)
                if not fields:
                    raise StateCorrupted(name, "listed in the order index but holds no events")
                for field, data in fields.items():
                    index = _int(field, f"{name} field {field!r}")
                    events.append(RawEvent(cid, index, data, f"redis:{name} field {index}"))
        raw.events = events
        lists = await client.hgetall(key("lists"))
        raw.lists = [
            RawRecord(lid.decode(), data, f"redis:{key('lists')} field {lid.decode()}")
            for lid, data in lists.items()
        ]
        contingency = await client.hgetall(key("contingency"))
        raw.contingency = [
            RawRecord(lid.decode(), data, f"redis:{key('contingency')} field {lid.decode()}")
            for lid, data in contingency.items()
        ]
        portfolio = await client.get(key("portfolio"))
        if portfolio is not None:
            raw.portfolio = RawRecord("portfolio", portfolio, f"redis:{key('portfolio')}")
        scopes = sorted(s.decode() for s in await client.smembers(key("kv")))
        for scope in scopes:
            values = await client.hgetall(key("kv", scope))
            if values:
                raw.kv[scope] = {k.decode(): v for k, v in values.items()}
        cursors = await client.hgetall(key("cursors"))
        raw.cursors = {
            venue.decode(): _int(ts, f"{key('cursors')} field {venue.decode()}")
            for venue, ts in cursors.items()
        }
        return raw

    def load_raw(self) -> RawSnapshot:
        """Everything held, still encoded."""
        return self._run(self._retrying(self._read))

    async def aload(self) -> StateSnapshot:
        """:meth:`load` without blocking the caller's event loop."""
        from lyra.state.codec import decode_snapshot

        raw = await self._await(self._retrying(self._read))
        snapshot = decode_snapshot(raw)
        snapshot.source = self.name
        return snapshot

    # -- housekeeping -----------------------------------------------------------------------------
    async def _clear(self) -> None:
        client = self._client
        pattern = f"{self._namespace}:*"
        batch: list[bytes] = []
        async for name in client.scan_iter(match=pattern, count=1000):
            batch.append(name)
            if len(batch) >= 1000:
                await client.unlink(*batch)
                batch = []
        if batch:
            await client.unlink(*batch)
        await client.hset(self._key("meta"), "schema", SCHEMA_VERSION)

    def clear(self) -> None:
        """Delete every key of the namespace."""
        self._run(self._retrying(self._clear))

    async def aclear(self) -> None:
        """:meth:`clear` without blocking the caller's event loop."""
        await self._await(self._retrying(self._clear))

    def close(self) -> None:
        """Close the connection and stop the I/O thread (idempotent)."""
        if self._closed:
            return
        client = getattr(self, "_client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(client.aclose(), self._loop).result(timeout=5)
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def aclose(self) -> None:
        """:meth:`close` (it waits briefly for the I/O thread to stop)."""
        self.close()

    def __del__(self) -> None:
        # a store dropped without close() must not leave its thread and socket behind
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):
                self.close()


def _int(value: object, key: str) -> int:
    try:
        if isinstance(value, bytes):
            return int(value.decode("ascii"))
        if isinstance(value, (int, str)):
            return int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise StateCorrupted(f"redis:{key}", f"must be a decimal integer, not {value!r}")
