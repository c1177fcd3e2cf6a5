"""A resilient websocket client for venue streams (on the ``websockets`` library).

:class:`WebSocketClient` keeps one logical stream alive across any number of physical
connections:

* **connect** with a timeout (:attr:`WebSocketClient.connect_timeout_s`); TLS certificates
  are verified by default;
* **heartbeats** as the venue wants them (:class:`WsHeartbeat`): protocol-level pings and
  pong timeouts, application-level pings (OKX's ``"ping"``, Kraken's ``{"method":"ping"}``)
  whose pongs are swallowed, and an idle timeout that treats a silent connection as dead;
  a venue that pings the client (Binance) is answered automatically;
* **reconnect** after any loss with exponential back-off and jitter (:class:`Backoff`), a
  fresh URL each time if the URL is a factory (a new listen key), the ``on_open`` hook
  (log on), then **resubscription**: every message registered with
  :meth:`~WebSocketClient.subscribe` is sent again;
* a **bounded inbound queue** between the socket reader and the consumer: when the consumer
  falls behind, the reader waits (``overflow="block"``: TCP back-pressure) or drops the
  connection and reconnects (``overflow="reconnect"``), so a consumer never sees a silent
  hole in a stream.

The consumer side is three synchronous callbacks, called in stream order from one task:
``on_message(frame)`` for every frame, ``on_connected(n)`` before the first frame of the
n-th connection, ``on_disconnected(reason)`` after the last frame of a lost one. An adapter
resynchronises its books and reconciles its orders from those two.

Run it inside a task group: ``await tg.start(client.run)`` returns once the first
connection is up (or raises :class:`~lyra.adapters.TransportError` when it cannot be made);
cancel the group to stop it. The ``websockets`` and ``aiohttp`` parts run on asyncio only
(anyio's asyncio backend); under trio they raise :class:`~lyra.errors.NotSupported`.

The URL may embed a credential (a listen key): it never appears in a repr, a log line or an
exception; :attr:`WebSocketClient.name` identifies the client instead.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

from lyra.adapters.ratelimit import Backoff
from lyra.errors import InvalidInput, MissingDependency, NotSupported, TransportError

if TYPE_CHECKING:
    from anyio.abc import TaskStatus

__all__ = (
    "WIRE_LOGGER",
    "Frame",
    "WebSocketClient",
    "WsHeartbeat",
    "client_ssl_context",
    "require_asyncio",
    "unwrap",
)

_log = logging.getLogger("lyra.adapters.ws")

Frame = str | bytes
"""One websocket message as received (text or binary)."""

Overflow = Literal["block", "reconnect"]


class WsHeartbeat(msgspec.Struct, frozen=True, gc=False):
    """How a connection is kept alive and found dead.

    * ``ping_interval_s`` / ``ping_timeout_s`` -- protocol-level pings the client sends and
      how long to wait for their pong (``None``: none);
    * ``app_ping`` / ``app_ping_interval_s`` -- an application-level ping message sent
      every so often (``None``: none), and ``is_pong`` recognising its answer, which is then
      not passed to the consumer;
    * ``idle_timeout_s`` -- a connection that delivers no frame for this long is dropped
      and reconnected (``None``: never).

    Pings *from* the venue (Binance's 20 s / 3 min pings) are answered by the library
    without any setting.
    """

    ping_interval_s: float | None = 20.0
    ping_timeout_s: float | None = 20.0
    app_ping: str | None = None
    app_ping_interval_s: float | None = None
    is_pong: Callable[[Frame], bool] | None = None
    idle_timeout_s: float | None = None


class _Connected:
    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number


class _Disconnected:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_Item = Frame | _Connected | _Disconnected


def unwrap(error: BaseException) -> BaseException:
    """The one exception inside (nested) single-member exception groups, or ``error``
    itself when it holds several (or is not a group)."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        inner = error.exceptions[0]
        if not isinstance(inner, Exception) and not isinstance(inner, BaseExceptionGroup):
            break
        error = inner
    return error


def require_asyncio(what: str) -> None:
    """Raise :class:`~lyra.errors.NotSupported` unless running on asyncio."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise NotSupported(f"{what} runs on asyncio only (anyio's asyncio backend)") from None


def client_ssl_context(verify: bool = True) -> ssl.SSLContext:
    """A client TLS context: certificates and host names verified (``verify=False`` turns
    both off -- for a test venue with a self-signed certificate only)."""
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _websockets() -> Any:
    try:
        import websockets.asyncio.client as client
    except ImportError:  # pragma: no cover - installed with lyra[adapters]
        raise MissingDependency(
            "the websocket client needs the 'websockets' package: pip install lyra[adapters]"
        ) from None
    return client


class _QuietWire(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to ``websockets``: it logs every frame at DEBUG level, and frames
    carry keys and signatures, so DEBUG is never enabled for it."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


WIRE_LOGGER: Final = _QuietWire(logging.getLogger("lyra.adapters.wire"), {})
"""The logger given to the websockets library (frame-level DEBUG lines are never emitted:
they would carry keys and signatures)."""


class WebSocketClient:
    """One venue stream, kept alive across reconnects; see the module docs.

    Args:
        url: the ``ws://`` / ``wss://`` URL, or an async function returning a fresh one for
            each connection (a stream whose URL carries a listen key).
        name: names the client in logs, errors and its repr (never the URL).
        on_message: called with every frame, in order (not with swallowed pongs).
        on_open: awaited on every new connection before resubscribing (log on here; it may
            :meth:`send`; answers arrive through ``on_message``).
        on_connected: called with the connection number (1, 2, ...) before its first frame.
        on_disconnected: called with the reason after the last frame of a lost connection.
        heartbeat: the venue's keep-alive rules.
        backoff: reconnect delays.
        connect_timeout_s: limit on opening a connection (TCP, TLS and handshake).
        max_queue: frames buffered between the reader and the consumer.
        overflow: what a full queue does: ``"block"`` the reader, or ``"reconnect"``.
        max_frame_bytes: the largest frame accepted.
        verify_tls: verify the server's certificate (default); ``ssl_context`` overrides.
        max_attempts: give up (raise :class:`TransportError` from :meth:`run`) after this
            many failed reconnection attempts in a row (``None``: never).
        seed: seeds the back-off jitter (``None``: random).
        proxy: an HTTP/SOCKS proxy URL, ``True`` for the environment's proxy settings, or
            ``None`` (default) for a direct connection.
    """

    def __init__(
        self,
        url: str | Callable[[], Awaitable[str]],
        *,
        name: str,
        on_message: Callable[[Frame], None],
        on_open: Callable[[WebSocketClient], Awaitable[None]] | None = None,
        on_connected: Callable[[int], None] | None = None,
        on_disconnected: Callable[[str], None] | None = None,
        heartbeat: WsHeartbeat | None = None,
        backoff: Backoff | None = None,
        connect_timeout_s: float = 10.0,
        max_queue: int = 4096,
        overflow: Overflow = "block",
        max_frame_bytes: int = 16 * 1024 * 1024,
        verify_tls: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        max_attempts: int | None = None,
        seed: int | None = None,
        proxy: str | bool | None = None,
    ) -> None:
        if not isinstance(url, str) and not callable(url):
            raise InvalidInput("url", "must be a str or an async function returning one")
        if max_queue < 1:
            raise InvalidInput("max_queue", "must be >= 1", max_queue)
        if overflow not in ("block", "reconnect"):
            raise InvalidInput("overflow", "must be 'block' or 'reconnect'", overflow)
        self._url = url
        self.name = name
        self._on_message = on_message
        self._on_open = on_open
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self.heartbeat = heartbeat if heartbeat is not None else WsHeartbeat()
        self.backoff = backoff if backoff is not None else Backoff()
        self.connect_timeout_s = connect_timeout_s
        self.max_queue = max_queue
        self.overflow: Overflow = overflow
        self.max_frame_bytes = max_frame_bytes
        self._verify_tls = verify_tls
        self._ssl_context = ssl_context
        self.max_attempts = max_attempts
        self._rng = random.Random(seed)
        self._proxy = proxy
        self._subscriptions: dict[str, Frame] = {}
        self._ws: Any = None
        self._closing = False
        self._send_lock: Any = None
        #: connections opened so far (1 after the first connect)
        self.connections = 0
        #: frames delivered to ``on_message``
        self.frames = 0
        #: times the inbound queue was full
        self.overflows = 0
        #: the reason the last connection ended ("" while the first is up)
        self.last_close_reason = ""

    # -- state ------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Whether a connection is open now."""
        return self._ws is not None

    @property
    def subscriptions(self) -> dict[str, Frame]:
        """The messages re-sent after every reconnect, by key (a copy)."""
        return dict(self._subscriptions)

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"WebSocketClient({self.name}, {state}, connections={self.connections})"

    # -- sending ----------------------------------------------------------------------------
    async def send(self, message: Frame) -> None:
        """Send one frame now; raises :class:`TransportError` when not connected."""
        ws = self._ws
        if ws is None:
            raise TransportError(f"{self.name}: not connected")
        try:
            await ws.send(message)
        except Exception as exc:
            raise TransportError(f"{self.name}: send failed ({type(exc).__name__})") from None

    async def subscribe(self, key: str, message: Frame) -> None:
        """Remember ``message`` under ``key`` (sent again after every reconnect) and send
        it now if connected."""
        self._subscriptions[key] = message
        if self._ws is not None:
            await self.send(message)

    async def unsubscribe(self, key: str, message: Frame | None = None) -> None:
        """Forget the subscription ``key``; send ``message`` (the venue's unsubscribe) now
        if given and connected."""
        self._subscriptions.pop(key, None)
        if message is not None and self._ws is not None:
            await self.send(message)

    def forget(self, key: str) -> None:
        """Forget the subscription ``key`` without telling the venue."""
        self._subscriptions.pop(key, None)

    async def drop(self, reason: str = "dropped by the client") -> None:
        """Close the current connection; :meth:`run` reconnects (used after an overflow or
        when the venue's stream must be restarted)."""
        ws = self._ws
        if ws is not None:
            self.last_close_reason = reason
            await ws.close(code=1000, reason=reason[:100])

    async def close(self) -> None:
        """Stop for good: close the connection; :meth:`run` returns."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            await ws.close()

    # -- running ----------------------------------------------------------------------------
    async def run(self, *, task_status: TaskStatus[None] | Any = None) -> None:
        """Connect, then deliver frames and reconnect until cancelled or closed.

        Returns (after ``task_status.started()``) only through :meth:`close` or
        cancellation; raises :class:`TransportError` when the first connection cannot be
        made or ``max_attempts`` reconnections failed in a row.
        """
        import anyio

        require_asyncio("WebSocketClient")
        self._closing = False
        self._send_lock = anyio.Lock()
        send, receive = anyio.create_memory_object_stream[_Item](self.max_queue)
        try:
            await self._run(send, receive, task_status)
        except BaseExceptionGroup as group:
            # report a single failure as itself, not wrapped in the task group's group
            only = unwrap(group)
            if only is not group:
                raise only from None
            raise
        finally:
            receive.close()
            self._ws = None

    async def _run(self, send: Any, receive: Any, task_status: Any) -> None:
        import anyio

        async with anyio.create_task_group() as tg:
            tg.start_soon(self._consume, receive)
            try:
                await self._open(send)
                if task_status is not None:
                    task_status.started()
                while True:
                    reason = await self._serve(send)
                    self.last_close_reason = reason
                    if self._closing:
                        break
                    _log.info("%s: connection lost (%s); reconnecting", self.name, reason)
                    await send.send(_Disconnected(reason))
                    await self._reconnect(send)
            finally:
                await self._close_ws()
                send.close()

    async def _reconnect(self, send: Any) -> None:
        import anyio

        attempt = 0
        while True:
            attempt += 1
            if self.max_attempts is not None and attempt > self.max_attempts:
                raise TransportError(
                    f"{self.name}: gave up after {self.max_attempts} reconnection attempts "
                    f"({self.last_close_reason})"
                )
            await anyio.sleep(self.backoff.delay(attempt, self._rng))
            if self._closing:
                return
            try:
                await self._open(send)
                return
            except TransportError as exc:
                self.last_close_reason = str(exc)
                _log.info("%s: reconnection attempt %d failed", self.name, attempt)

    async def _open(self, send: Any) -> None:
        client = _websockets()
        url = self._url if isinstance(self._url, str) else await self._url()
        use_ssl: ssl.SSLContext | None = None
        if url.startswith("wss://"):
            use_ssl = self._ssl_context or client_ssl_context(self._verify_tls)
        hb = self.heartbeat
        try:
            ws = await client.connect(
                url,
                open_timeout=self.connect_timeout_s,
                ping_interval=hb.ping_interval_s,
                ping_timeout=hb.ping_timeout_s,
                close_timeout=2.0,
                max_size=self.max_frame_bytes,
                ssl=use_ssl,
                compression=None,
                proxy=self._proxy,
                logger=WIRE_LOGGER,
            )
        except TimeoutError:
            raise TransportError(
                f"{self.name}: connect timed out after {self.connect_timeout_s}s"
            ) from None
        except Exception as exc:
            raise TransportError(f"{self.name}: connect failed ({_describe(exc)})") from None
        self._ws = ws
        self.connections += 1
        try:
            if self._on_open is not None:
                await self._on_open(self)
            for message in tuple(self._subscriptions.values()):
                await ws.send(message)
        except TransportError:
            await self._close_ws()
            raise
        except Exception as exc:
            await self._close_ws()
            raise TransportError(f"{self.name}: opening failed ({_describe(exc)})") from None
        await send.send(_Connected(self.connections))

    async def _serve(self, send: Any) -> str:
        """Read frames into the queue until the connection ends; return why it ended."""
        import anyio

        ws = self._ws
        hb = self.heartbeat
        is_pong = hb.is_pong
        idle = hb.idle_timeout_s if hb.idle_timeout_s is not None else math.inf
        block = self.overflow == "block"
        reason = "closed"
        graceful = True
        async with anyio.create_task_group() as tg:
            if hb.app_ping is not None and hb.app_ping_interval_s:
                tg.start_soon(self._app_pings, hb.app_ping, hb.app_ping_interval_s)
            try:
                while True:
                    with anyio.move_on_after(idle) as scope:
                        frame = await ws.recv()
                    if scope.cancelled_caught:
                        reason = f"no message for {idle:g}s"
                        break
                    if is_pong is not None and is_pong(frame):
                        continue
                    if block:
                        await send.send(frame)
                    else:
                        try:
                            send.send_nowait(frame)
                        except anyio.WouldBlock:
                            self.overflows += 1
                            reason = f"inbound queue full ({self.max_queue} frames)"
                            graceful = False
                            break
            except Exception as exc:
                reason = _close_reason(exc)
            tg.cancel_scope.cancel()
        await self._close_ws(graceful=graceful)
        return reason

    async def _app_pings(self, message: str, interval: float) -> None:
        import anyio

        while True:
            await anyio.sleep(interval)
            ws = self._ws
            if ws is None:
                return
            try:
                await ws.send(message)
            except Exception:
                return

    async def _consume(self, receive: Any) -> None:
        on_message = self._on_message
        async for item in receive:
            if type(item) is str or type(item) is bytes:
                self.frames += 1
                try:
                    on_message(item)
                except Exception:
                    # a handler bug must not stop the stream; it is logged without the frame
                    _log.exception("%s: on_message raised", self.name)
            elif type(item) is _Connected:
                if self._on_connected is not None:
                    self._on_connected(item.number)
            elif type(item) is _Disconnected and self._on_disconnected is not None:
                self._on_disconnected(item.reason)

    async def _close_ws(self, *, graceful: bool = True) -> None:
        ws, self._ws = self._ws, None
        if ws is None:
            return
        import anyio

        # a clean close needs the venue's close frame, which may sit behind unread frames
        # (a full queue): give it a moment (none after an overflow), then cut the connection
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(1.0 if graceful else 0.0), contextlib.suppress(Exception):
                await ws.close()
            transport = getattr(ws, "transport", None)
            if transport is not None and not transport.is_closing():
                transport.abort()


def _describe(exc: BaseException) -> str:
    """A short description of a connection error that never includes a URL."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is not None:
        return f"{type(exc).__name__}: HTTP {status}"
    if isinstance(exc, OSError) and exc.errno:
        return f"{type(exc).__name__} (errno {exc.errno})"
    return type(exc).__name__


def _close_reason(exc: BaseException) -> str:
    rcvd = getattr(exc, "rcvd", None)
    if rcvd is not None:
        text = f"closed by the venue (code {rcvd.code}"
        return text + (f": {rcvd.reason})" if rcvd.reason else ")")
    return f"connection lost ({_describe(exc)})"
