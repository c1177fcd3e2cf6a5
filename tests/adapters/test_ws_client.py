"""WebSocketClient against a local websockets server: delivery in order, reconnect with
resubscription and a fresh URL, application heartbeats, the idle timeout, the bounded
queue, connect failures, and giving up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from websockets.asyncio.server import ServerConnection, serve

from lyra.adapters import Backoff, TransportError, WebSocketClient, WsHeartbeat
from lyra.errors import NotSupported

FAST = Backoff(initial_s=0.01, max_s=0.05, jitter=0.0)


@asynccontextmanager
async def server(handler: Callable[[ServerConnection], Any]) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0, ping_interval=None, close_timeout=0.2) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


class Log:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def message(self, frame: Any) -> None:
        self.items.append(("msg", frame))

    def connected(self, n: int) -> None:
        self.items.append(("connected", n))

    def lost(self, reason: str) -> None:
        self.items.append(("lost", reason))

    def frames(self) -> list[Any]:
        return [x[1] for x in self.items if x[0] == "msg"]


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.005)


@pytest.mark.anyio
async def test_reconnects_resubscribes_and_keeps_order() -> None:
    connections: list[list[str]] = []

    async def handler(ws: ServerConnection) -> None:
        received: list[str] = []
        connections.append(received)
        n = len(connections)
        async for msg in ws:
            received.append(str(msg))
            if msg == "go":
                for i in range(5):
                    await ws.send(f"{n}:{i}")
                if n == 1:
                    await ws.close()
                    return

    log = Log()
    opened: list[int] = []

    async def on_open(client: WebSocketClient) -> None:
        opened.append(client.connections)
        await client.send(json.dumps({"logon": client.connections}))

    async with server(handler) as url:
        client = WebSocketClient(
            url,
            name="test",
            on_message=log.message,
            on_open=on_open,
            on_connected=log.connected,
            on_disconnected=log.lost,
            backoff=FAST,
        )
        async with anyio.create_task_group() as tg:
            await tg.start(client.run)
            await client.subscribe("go", "go")
            await wait_for(lambda: len(log.frames()) == 10)
            tg.cancel_scope.cancel()
    assert opened == [1, 2]
    # log on first, then the remembered subscription, on every connection
    assert connections[0] == ['{"logon": 1}', "go"]
    assert connections[1] == ['{"logon": 2}', "go"]
    kinds = [x[0] for x in log.items]
    assert kinds[0] == "connected" and kinds.index("lost") == 6 and kinds[7] == "connected"
    assert log.frames() == [f"1:{i}" for i in range(5)] + [f"2:{i}" for i in range(5)]
    assert client.frames == 10 and not client.connected
    assert "test" in repr(client) and "127.0.0.1" not in repr(client)


@pytest.mark.anyio
async def test_a_url_factory_gives_each_connection_a_fresh_url() -> None:
    paths: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        paths.append(ws.request.path)
        await ws.close()

    async with server(handler) as url:
        n = 0

        async def fresh() -> str:
            nonlocal n
            n += 1
            return f"{url}/ws/key{n}"

        client = WebSocketClient(fresh, name="user", on_message=lambda f: None, backoff=FAST)
        async with anyio.create_task_group() as tg:
            await tg.start(client.run)
            await wait_for(lambda: len(paths) >= 3)
            tg.cancel_scope.cancel()
    assert paths[:3] == ["/ws/key1", "/ws/key2", "/ws/key3"]


@pytest.mark.anyio
async def test_application_pings_are_sent_and_pongs_swallowed() -> None:
    got: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        async for msg in ws:
            got.append(str(msg))
            if msg == "ping":
                await ws.send("pong")
                await ws.send("data")

    log = Log()
    hb = WsHeartbeat(app_ping="ping", app_ping_interval_s=0.02, is_pong=lambda f: f == "pong")
    async with server(handler) as url:
        client = WebSocketClient(url, name="hb", on_message=log.message, heartbeat=hb)
        async with anyio.create_task_group() as tg:
            await tg.start(client.run)
            await wait_for(lambda: len(log.frames()) >= 2)
            tg.cancel_scope.cancel()
    assert "pong" not in log.frames() and set(log.frames()) == {"data"}
    assert got.count("ping") >= 2


@pytest.mark.anyio
async def test_a_silent_connection_is_dropped_after_the_idle_timeout() -> None:
    count = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal count
        count += 1
        await ws.wait_closed()

    log = Log()
    hb = WsHeartbeat(idle_timeout_s=0.05)
    async with server(handler) as url:
        client = WebSocketClient(
            url,
            name="idle",
            on_message=log.message,
            on_disconnected=log.lost,
            heartbeat=hb,
            backoff=FAST,
        )
        async with anyio.create_task_group() as tg:
            await tg.start(client.run)
            await wait_for(lambda: client.connections >= 2)
            tg.cancel_scope.cancel()
    assert ("lost", "no message for 0.05s") in log.items


@pytest.mark.anyio
async def test_a_full_queue_can_force_a_reconnect() -> None:
    async def handler(ws: ServerConnection) -> None:
        for i in range(50):
            await ws.send(str(i))
        async for _ in ws:
            pass

    seen: list[Any] = []

    def slow(frame: Any) -> None:
        seen.append(frame)

    async with server(handler) as url:
        client = WebSocketClient(
            url, name="small", on_message=slow, max_queue=2, overflow="reconnect", backoff=FAST
        )
        async with anyio.create_task_group() as tg:
            # the reader takes buffered frames without yielding, so it outruns the
            # consumer task and fills a 2-frame queue
            await tg.start(client.run)
            await wait_for(lambda: client.overflows >= 1 or client.connections >= 2)
            tg.cancel_scope.cancel()
    assert client.overflows >= 1 and "inbound queue full" in client.last_close_reason


@pytest.mark.anyio
async def test_connect_failures_are_transport_errors() -> None:
    with anyio.fail_after(5):
        async with serve(lambda ws: None, "127.0.0.1", 0) as srv:
            port = next(iter(srv.sockets)).getsockname()[1]
    client = WebSocketClient(f"ws://127.0.0.1:{port}/x", name="down", on_message=lambda f: None)
    with pytest.raises(TransportError) as err:
        await client.run()
    assert "down: connect failed" in str(err.value) and str(port) not in str(err.value)
    assert "/x" not in str(err.value)


@pytest.mark.anyio
async def test_it_gives_up_after_max_attempts() -> None:
    holder: list[Any] = []

    async def handler(ws: ServerConnection) -> None:
        holder[0].close()  # stop listening: every reconnection is refused
        await ws.close()

    async with serve(handler, "127.0.0.1", 0, ping_interval=None) as srv:
        holder.append(srv)
        url = f"ws://127.0.0.1:{next(iter(srv.sockets)).getsockname()[1]}"
        client = WebSocketClient(
            url, name="flaky", on_message=lambda f: None, backoff=FAST, max_attempts=2
        )
        with pytest.raises(TransportError, match="gave up after 2"), anyio.fail_after(5):
            await client.run()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_is_refused_clearly() -> None:
    client = WebSocketClient("ws://127.0.0.1:1", name="trio", on_message=lambda f: None)
    with pytest.raises(NotSupported, match="asyncio"):
        await client.run()
