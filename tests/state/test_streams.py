"""BusStreamer: bus events to Redis Streams, bounded, never blocking, drops accounted for."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import redis.asyncio as redis_asyncio

from lyra.bus import EventBus
from lyra.errors import InvalidInput
from lyra.model.codec import decode_msgpack
from lyra.model.enums import OrderSide
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory
from lyra.state import BusStreamer

from .redisserver import RedisServer, free_port
from .scenario import IID, T0


def events(n: int) -> list[object]:
    f = OrderFactory("S-1", clock=lambda: T0, epoch=4)
    out: list[object] = []
    for i in range(n):
        o = f.limit(IID, OrderSide.BUY, Quantity("1.000"), Price(f"{100 + i}.00"))
        out.append(f.events.submitted(o, account_id="SIM-001"))
    return out


async def read(url: str, stream: str) -> list[dict[bytes, bytes]]:
    client = redis_asyncio.Redis.from_url(url)
    try:
        entries = await client.xrange(stream)
    finally:
        await client.aclose()
    return [fields for _, fields in entries]


def test_bus_events_reach_a_stream_in_order(redis_url: str) -> None:
    stream = f"t{uuid.uuid4().hex[:8]}:orders"
    sent = events(25)

    async def main() -> BusStreamer:
        bus = EventBus()
        async with BusStreamer(
            bus, redis_url, streams={"events.order.*": stream}, batch=7
        ) as streamer:
            for e in sent:
                bus.publish("events.order.S-1", e)
            bus.publish("events.position.S-1", sent[0])  # not streamed: another pattern
            assert await streamer.flush(5)
        return streamer

    streamer = asyncio.run(main())
    got = asyncio.run(read(redis_url, stream))
    assert [decode_msgpack(f[b"data"]) for f in got] == sent
    assert {f[b"type"] for f in got} == {b"OrderSubmitted"}
    assert streamer.sent == 25 and streamer.dropped == 0 and streamer.pending == 0


def test_a_full_buffer_drops_the_oldest_and_marks_the_gap(
    redis_binary: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    stream = "lyra:gappy"
    sent = events(20)

    async def main() -> BusStreamer:
        bus = EventBus()
        streamer = BusStreamer(bus, url, streams={"events.order.*": stream}, buffer=5)
        await streamer.start()
        # no server yet: publishing must neither block nor fail; the buffer keeps 5
        for e in sent:
            bus.publish("events.order.S-1", e)
        assert streamer.dropped == 15 and streamer.pending <= 5
        while not streamer.errors:  # the sender tries, fails, keeps the messages
            await asyncio.sleep(0.001)
        assert streamer.pending == 5
        server = RedisServer(redis_binary, tmp_path / "redis", port)
        server.start()
        try:
            assert await streamer.flush(10)
            await streamer.stop()
            return streamer
        finally:
            got = await read(url, stream)
            server.stop()
            types = [f[b"type"] for f in got]
            assert types[0] == b"Gap" and got[0][b"dropped"] == b"15"
            assert [decode_msgpack(f[b"data"]) for f in got[1:]] == sent[15:]

    streamer = asyncio.run(main())
    assert streamer.errors >= 1 and streamer.last_error is not None


def test_drop_newest_keeps_the_past_unbroken(redis_url: str) -> None:
    stream = f"t{uuid.uuid4().hex[:8]}:newest"
    sent = events(12)

    async def main() -> BusStreamer:
        bus = EventBus()
        streamer = BusStreamer(
            bus, redis_url, streams={"events.order.*": stream}, buffer=4, drop="drop_newest"
        )
        await streamer.start()
        for e in sent:  # the sender task has not run yet: the buffer fills
            bus.publish("events.order.S-1", e)
        assert streamer.dropped == 8
        bus.publish("events.order.S-1", sent[0])  # still full: dropped too
        await streamer.flush(5)
        bus.publish("events.order.S-1", sent[-1])  # room again: goes through, after a gap
        await streamer.stop()
        return streamer

    streamer = asyncio.run(main())
    got = asyncio.run(read(redis_url, stream))
    # the four kept, then the gap where the nine were lost, then the one after
    assert [f[b"type"] for f in got] == [b"OrderSubmitted"] * 4 + [b"Gap", b"OrderSubmitted"]
    assert got[4][b"dropped"] == b"9"
    assert [decode_msgpack(got[i][b"data"]) for i in (0, 1, 2, 3, 5)] == [*sent[:4], sent[-1]]
    assert streamer.dropped == 9


def test_what_cannot_be_encoded_is_counted_not_streamed(redis_url: str) -> None:
    stream = f"t{uuid.uuid4().hex[:8]}:odd"

    async def main() -> BusStreamer:
        bus = EventBus()
        async with BusStreamer(bus, redis_url, streams={"x.*": stream}) as streamer:
            bus.publish("x.y", object())
            bus.publish("x.y", {"fine": 1})
            await streamer.flush(5)
        return streamer

    streamer = asyncio.run(main())
    assert streamer.unencodable == 1 and streamer.sent == 1


def test_bad_settings_are_refused() -> None:
    bus = EventBus()
    with pytest.raises(InvalidInput):
        BusStreamer(bus, buffer=0)
    with pytest.raises(InvalidInput):
        BusStreamer(bus, drop="drop_random")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        BusStreamer(bus, streams={})
    with pytest.raises(InvalidInput, match="asyncio"):
        import trio

        trio.run(BusStreamer(bus).start)
