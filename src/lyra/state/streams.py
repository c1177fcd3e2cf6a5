"""``BusStreamer``: copy bus events to Redis Streams for other processes.

Dashboards, risk monitors and loggers in other processes read a trader's events from Redis
Streams (``XREAD``/``XREADGROUP``) without touching the trading process. The streamer
subscribes to bus topic patterns and appends each message, msgpack-encoded with
:mod:`lyra.model.codec`, to a stream per pattern::

    XADD <stream> MAXLEN ~ <maxlen> * type <message type> data <msgpack>

**It never blocks the trading loop.** The bus handler only encodes the message and appends
it to a bounded in-memory buffer (O(1)); a background task on the same asyncio loop sends
the buffer in pipelined batches. If Redis is slow or down the buffer fills, and then the
**drop policy** applies:

* ``"drop_oldest"`` (default) -- the oldest buffered message is discarded to make room:
  readers get the freshest state, with a hole in the past;
* ``"drop_newest"`` -- the new message is discarded: readers get an unbroken past that
  stops early.

Either way nothing is dropped silently: :attr:`BusStreamer.dropped` counts the losses, and
before the next message that does reach a stream the streamer writes a gap entry
``type Gap dropped <n>`` to that stream, so a reader knows exactly where and how much it
missed. Messages the codec cannot encode are counted in :attr:`BusStreamer.unencodable`
and skipped. Streaming is for observers: the state store, not the stream, is what
recovery uses.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, Literal, Self

from lyra.bus import EventBus
from lyra.errors import InvalidInput, MissingDependency
from lyra.model.codec import encode_msgpack
from lyra.state.recorder import SETTLE_PRIORITY

__all__ = ("DEFAULT_STREAMS", "BusStreamer", "DropPolicy")

DropPolicy = Literal["drop_oldest", "drop_newest"]
"""What a full buffer gives up: the oldest buffered message, or the new one."""

DEFAULT_STREAMS: Final[Mapping[str, str]] = {"events.*": "lyra:events"}
"""Every lifecycle event (orders, positions, accounts, contingency, venue status) to one
stream."""


class _Entry:
    """A message waiting for Redis; ``gap``: messages of its stream lost just before it."""

    __slots__ = ("data", "gap", "stream", "type")

    def __init__(self, stream: str, type_: str, data: bytes, gap: int = 0) -> None:
        self.stream = stream
        self.type = type_
        self.data = data
        self.gap = gap


class BusStreamer:
    """Copies messages from ``bus`` to Redis Streams (see the module docs).

    ``streams`` maps bus topic patterns to stream keys. ``maxlen`` caps each stream
    (approximately, ``MAXLEN ~``; ``None``: no cap). ``buffer`` is how many messages may
    wait for Redis; ``drop`` the policy when it is full. ``batch`` bounds one pipeline.
    ``client`` is an existing ``redis.asyncio.Redis`` to use (else one is made from
    ``url`` and closed with the streamer). Use it as ``async with BusStreamer(...)`` on
    an asyncio loop: entering starts the sender task, leaving sends what is buffered (for
    up to ``flush_timeout_s``) and stops.
    """

    def __init__(
        self,
        bus: EventBus,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        streams: Mapping[str, str] = DEFAULT_STREAMS,
        maxlen: int | None = 100_000,
        buffer: int = 10_000,
        drop: DropPolicy = "drop_oldest",
        batch: int = 500,
        priority: int = SETTLE_PRIORITY,
        flush_timeout_s: float = 5.0,
        client: Any = None,
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        if not streams:
            raise InvalidInput("streams", "must map at least one pattern to a stream", streams)
        if type(buffer) is not int or buffer < 1:
            raise InvalidInput("buffer", "must be a positive int", buffer)
        if type(batch) is not int or batch < 1:
            raise InvalidInput("batch", "must be a positive int", batch)
        if maxlen is not None and (type(maxlen) is not int or maxlen < 1):
            raise InvalidInput("maxlen", "must be a positive int or None", maxlen)
        if drop not in ("drop_oldest", "drop_newest"):
            raise InvalidInput("drop", "must be 'drop_oldest' or 'drop_newest'", drop)
        self._bus = bus
        self._url = url
        self._streams = dict(streams)
        self._maxlen = maxlen
        self._capacity = buffer
        self._drop_oldest = drop == "drop_oldest"
        self._batch = batch
        self._priority = priority
        self._flush_timeout = flush_timeout_s
        self._client = client
        self._own_client = client is None
        self._buffer: deque[_Entry] = deque()
        self._gaps: dict[str, int] = {}  # lost before the oldest buffered, per stream
        self._later: dict[str, int] = {}  # lost after the newest buffered, per stream
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._handlers: list[tuple[str, Any]] = []
        self._inflight = 0
        self.sent = 0
        """Messages written to Redis."""
        self.dropped = 0
        """Messages discarded because the buffer was full."""
        self.unencodable = 0
        """Messages skipped because the codec could not encode them."""
        self.errors = 0
        """Failed sends (each retried)."""
        self.last_error: BaseException | None = None
        """The last error from Redis, if any."""

    @property
    def pending(self) -> int:
        """Messages waiting to be sent."""
        return len(self._buffer)

    # -- the bus side: O(1), never blocks ------------------------------------------------------
    def _handler(self, stream: str) -> Any:
        def on_message(msg: Any) -> None:
            try:
                data = encode_msgpack(msg)
            except (InvalidInput, TypeError, ValueError):
                self.unencodable += 1
                return
            buffer = self._buffer
            if len(buffer) >= self._capacity:
                self.dropped += 1
                if self._drop_oldest:
                    self._lose_oldest(buffer.popleft())
                else:
                    self._later[stream] = self._later.get(stream, 0) + 1
                    return
            later = self._later
            gap = later.pop(stream, 0) if later else 0
            buffer.append(_Entry(stream, type(msg).__name__, data, gap))
            wake = self._wake
            if wake is not None and not wake.is_set():
                wake.set()

        return on_message

    def _lose_oldest(self, lost: _Entry) -> None:
        # older than everything buffered for its stream: the gap goes before the stream's
        # next message sent
        self._gaps[lost.stream] = self._gaps.get(lost.stream, 0) + lost.gap + 1

    def _lose_newest(self, lost: _Entry) -> None:
        # newer than everything buffered: the gap goes before the stream's next message
        self._later[lost.stream] = self._later.get(lost.stream, 0) + lost.gap + 1

    # -- the sender ----------------------------------------------------------------------------
    async def _send(self, entries: list[_Entry]) -> None:
        client = self._client
        gaps = self._gaps
        marked: dict[str, int] = {}
        async with client.pipeline(transaction=False) as pipe:
            for e in entries:
                missed = e.gap
                if e.stream not in marked:
                    front = gaps.get(e.stream, 0)
                    marked[e.stream] = front
                    missed += front
                if missed:
                    pipe.xadd(
                        e.stream,
                        {"type": "Gap", "dropped": missed},
                        maxlen=self._maxlen,
                        approximate=True,
                    )
                pipe.xadd(
                    e.stream,
                    {"type": e.type, "data": e.data},
                    maxlen=self._maxlen,
                    approximate=True,
                )
            await pipe.execute()
        # the gaps are reported only once they reached the stream
        for stream, n in marked.items():
            left = gaps.get(stream, 0) - n
            if left > 0:
                gaps[stream] = left
            else:
                gaps.pop(stream, None)

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        delay = 0.01
        while True:
            if not self._buffer:
                wake.clear()
                await wake.wait()
            take = min(len(self._buffer), self._batch)
            entries = [self._buffer.popleft() for _ in range(take)]
            self._inflight = take
            try:
                await self._send(entries)
            except asyncio.CancelledError:
                self._requeue(entries)
                raise
            except Exception as exc:  # Redis down or slow: keep the messages, back off
                self.errors += 1
                self.last_error = exc
                self._requeue(entries)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            finally:
                self._inflight = 0
            delay = 0.01
            self.sent += len(entries)

    def _requeue(self, entries: list[_Entry]) -> None:
        buffer = self._buffer
        for e in reversed(entries):
            if len(buffer) >= self._capacity:
                # the buffer filled meanwhile: these are the oldest, so they go (policy
                # drop_oldest) -- or the newest go (drop_newest)
                self.dropped += 1
                if self._drop_oldest:
                    self._lose_oldest(e)
                    continue
                self._lose_newest(buffer.pop())
            buffer.appendleft(e)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Subscribe and start the sender task (on the running asyncio loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise InvalidInput(
                "BusStreamer", "must be started on an asyncio event loop (redis.asyncio)"
            ) from None
        if self._task is not None:
            return
        if self._client is None:
            try:
                import redis.asyncio as redis_asyncio
            except ImportError as exc:  # pragma: no cover
                raise MissingDependency(
                    "BusStreamer needs redis-py: pip install lyra[redis]"
                ) from exc
            self._client = redis_asyncio.Redis.from_url(self._url, decode_responses=False)
        self._wake = asyncio.Event()
        for pattern, stream in self._streams.items():
            handler = self._handler(stream)
            self._bus.subscribe(pattern, handler, self._priority)
            self._handlers.append((pattern, handler))
        self._task = asyncio.get_running_loop().create_task(self._run(), name="lyra-bus-streamer")

    async def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until the buffer is empty (or ``timeout_s`` passed); True if it is."""
        deadline = None if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
        while self._buffer or self._inflight:
            if deadline is not None and asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.001)
        return True

    async def stop(self) -> None:
        """Unsubscribe, send what is buffered (up to ``flush_timeout_s``), stop."""
        for pattern, handler in self._handlers:
            self._bus.unsubscribe(pattern, handler)
        self._handlers.clear()
        task = self._task
        if task is not None:
            await self.flush(self._flush_timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._task = None
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        return (
            f"BusStreamer({list(self._streams.values())}, pending={self.pending}, "
            f"sent={self.sent}, dropped={self.dropped})"
        )
