"""The :class:`StateStore` protocol: what every store does, with a sync and an async face.

A store is a dumb, durable container: it commits a :class:`~lyra.state.StateBatch`
atomically and hands back everything it holds. What goes into a batch, and when, is the
:class:`~lyra.state.StateRecorder`'s business; rebuilding orders, positions and contingency
state from a snapshot is :mod:`lyra.state.recovery`'s.

Both faces do the same thing. The trading core is synchronous, so the recorder writes with
:meth:`StateStore.commit` (a write-ahead flush must be done before the command it protects
is sent, and a command is a synchronous call); async code that wants to make state durable
without blocking its event loop awaits :meth:`StateStore.acommit`. ``MemoryStore`` and
``SqliteStore`` are synchronous at heart (``SqliteStore``'s async face runs in a worker
thread); ``RedisStore`` is redis-py's asyncio client at heart, and its sync face waits for
the same coroutine on the store's own I/O thread. See
``docs/explanation/state-and-recovery.md``.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from lyra.errors import InvalidInput
from lyra.state.codec import decode_snapshot
from lyra.state.records import RawSnapshot, StateBatch, StateSnapshot

__all__ = ("BaseStore", "StateStore")


@runtime_checkable
class StateStore(Protocol):
    """A durable home for state (see the module docs).

    Contract (checked by ``tests/state/test_store_contract.py`` for every store):

    * ``commit(batch)`` writes all of the batch or none of it; when it returns, the batch is
      as durable as the store's settings promise (each store's docs say what that covers);
    * writing an order's event ``index`` again with the same bytes is harmless (a retried
      commit must not duplicate anything); cursors never move backwards;
    * ``load()`` returns everything committed, decoded and checked, or raises
      :class:`~lyra.state.StateCorrupted` naming the bad key; it never drops a record;
    * ``clear()`` removes everything (call it *before* loading when a fresh start is wanted);
    * after ``close()`` every call raises :class:`~lyra.state.StoreUnavailable`.
    """

    @property
    def name(self) -> str:
        """Names the store in messages (``"sqlite:/path/state.db"``)."""
        ...

    def commit(self, batch: StateBatch) -> None:
        """Write ``batch`` atomically and durably."""
        ...

    def load_raw(self) -> RawSnapshot:
        """Everything the store holds, still encoded."""
        ...

    def load(self) -> StateSnapshot:
        """Everything the store holds, decoded and checked."""
        ...

    def clear(self) -> None:
        """Remove everything the store holds."""
        ...

    def close(self) -> None:
        """Release connections and files (idempotent)."""
        ...

    async def acommit(self, batch: StateBatch) -> None:
        """:meth:`commit` without blocking the event loop."""
        ...

    async def aload(self) -> StateSnapshot:
        """:meth:`load` without blocking the event loop."""
        ...

    async def aclear(self) -> None:
        """:meth:`clear` without blocking the event loop."""
        ...

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        ...


class BaseStore(abc.ABC):
    """Shared parts of the stores: ``load`` decodes ``load_raw``, the async face runs the
    sync one, and ``with`` / ``async with`` close the store."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """Names the store in messages."""
        ...

    @abc.abstractmethod
    def commit(self, batch: StateBatch) -> None:
        """Write ``batch`` atomically and durably."""
        ...

    @abc.abstractmethod
    def load_raw(self) -> RawSnapshot:
        """Everything the store holds, still encoded."""
        ...

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove everything."""
        ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release resources."""
        ...

    @staticmethod
    def check_batch(batch: StateBatch) -> None:
        """Refuse a malformed batch before anything is written (so a commit never fails
        half-way for the caller's mistake)."""
        if not isinstance(batch, StateBatch):
            raise InvalidInput("batch", "must be a StateBatch", batch)
        for i, item in enumerate(batch.events):
            if (
                len(item) != 4
                or not isinstance(item[0], str)
                or type(item[1]) is not int
                or item[1] < 0
                or type(item[2]) is not int
                or type(item[3]) is not bytes
            ):
                raise InvalidInput(
                    f"batch.events[{i}]",
                    "must be (client_order_id, index >= 0, seq, bytes)",
                    item,
                )
        for name, items in (("lists", batch.lists), ("contingency", batch.contingency)):
            for i, pair in enumerate(items):
                if (
                    len(pair) != 2
                    or not isinstance(pair[0], str)
                    or not (type(pair[1]) is bytes or (pair[1] is None and name == "contingency"))
                ):
                    raise InvalidInput(f"batch.{name}[{i}]", "must be (id, bytes)", pair)
        if batch.portfolio is not None and type(batch.portfolio) is not bytes:
            raise InvalidInput("batch.portfolio", "must be bytes or None", batch.portfolio)
        for i, kv in enumerate(batch.kv):
            if (
                len(kv) != 3
                or not isinstance(kv[0], str)
                or not isinstance(kv[1], str)
                or not (kv[2] is None or type(kv[2]) is bytes)
            ):
                raise InvalidInput(f"batch.kv[{i}]", "must be (scope, key, bytes or None)", kv)
        for venue, ts in batch.cursors.items():
            if not isinstance(venue, str) or type(ts) is not int or ts < 0:
                raise InvalidInput("batch.cursors", "must map venue names to ints >= 0", venue)
        if type(batch.seq) is not int or batch.seq < 0:
            raise InvalidInput("batch.seq", "must be an int >= 0", batch.seq)

    def load(self) -> StateSnapshot:
        """Everything the store holds, decoded and checked."""
        snapshot = decode_snapshot(self.load_raw())
        snapshot.source = self.name
        return snapshot

    async def acommit(self, batch: StateBatch) -> None:
        """:meth:`commit` (runs inline)."""
        self.commit(batch)

    async def aload(self) -> StateSnapshot:
        """:meth:`load` (runs inline)."""
        return self.load()

    async def aclear(self) -> None:
        """:meth:`clear` (runs inline)."""
        self.clear()

    async def aclose(self) -> None:
        """:meth:`close` (runs inline)."""
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"
