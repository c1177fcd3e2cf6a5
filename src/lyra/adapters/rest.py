"""A REST client for venue APIs (on ``aiohttp``): signing, rate limits, retries, errors.

:class:`RestClient` sends one request at a time per call and adds what every venue needs
around it:

* **per-venue signing** -- a :class:`Signer` gets the prepared request (method, path,
  ordered query parameters, body, headers) and adds the venue's timestamp, signature and
  key header; the client sends exactly the bytes that were signed;
* a **weight-aware rate limiter** (:class:`~lyra.adapters.WeightLimiter`): each call names
  its weights per window kind; the client waits for room first, folds in the venue's own
  usage from response headers (``header_usage``) and honours ``Retry-After``;
* **retries only for idempotent calls** (queries; a cancel is not retried: its answer
  matters) on transport failures, unknown statuses and rate limits -- and, for any call,
  after a refusal that proves the request was *not* executed and can be fixed (a timestamp
  outside the venue's window: the :class:`ServerClock` is resynchronised first);
* **server-time offset** handling (:class:`ServerClock`);
* **typed errors mapped in one place per venue**: an :class:`ErrorMapper` turns the
  venue's error answers into :class:`~lyra.adapters.RequestRejected` (and its
  :class:`~lyra.adapters.RateLimited` / :class:`~lyra.adapters.AuthenticationFailed`
  subclasses); a timeout or 5xx becomes :class:`~lyra.adapters.RequestStatusUnknown`, a
  refused connection :class:`~lyra.adapters.TransportError`.

TLS certificates are verified unless ``verify_tls=False``. No exception raised here
carries a header, a signature or a query string: only the method and the path.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, overload

import msgspec

from lyra.adapters.ratelimit import Backoff, WeightLimiter
from lyra.adapters.ws import client_ssl_context, require_asyncio
from lyra.errors import (
    InvalidInput,
    MissingDependency,
    RateLimited,
    RequestRejected,
    RequestStatusUnknown,
    TransportError,
    VenueError,
)

__all__ = (
    "ErrorMapper",
    "PreparedRequest",
    "RestClient",
    "RetryPolicy",
    "ServerClock",
    "Signer",
)

_T = TypeVar("_T")
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PreparedRequest:
    """A request before it is sent: what a :class:`Signer` reads and completes.

    ``params`` are the query parameters in order (values already strings); ``body`` the
    request body (``None`` for none) and ``headers`` the headers. :meth:`query_string` is
    the percent-encoded query the client will send, byte for byte.
    """

    __slots__ = ("body", "headers", "method", "params", "path", "signed")

    def __init__(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        signed: bool = False,
    ) -> None:
        self.method = method.upper()
        self.path = path
        self.params: list[tuple[str, str]] = list(params)
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.signed = signed

    def query_string(self) -> str:
        """The encoded query (``k=v&k2=v2``, RFC 3986 percent-encoding of non-ASCII)."""
        return urllib.parse.urlencode(self.params, quote_via=urllib.parse.quote)

    def __repr__(self) -> str:
        # parameters and headers may hold a key or a signature: never shown
        return f"PreparedRequest({self.method} {self.path}, signed={self.signed})"


class Signer(Protocol):
    """Adds a venue's authentication to a signed request (timestamp, signature, key)."""

    def sign(self, request: PreparedRequest) -> None:
        """Complete ``request`` in place."""
        ...


class ErrorMapper(Protocol):
    """Turns a venue's answer into an exception, in one place per venue."""

    def error(
        self, status: int, body: bytes, headers: Mapping[str, str], request: PreparedRequest
    ) -> VenueError | None:
        """``None`` when the answer is a success; otherwise the exception to raise (a
        :class:`~lyra.adapters.RequestRejected` for a refusal, a
        :class:`~lyra.adapters.RequestStatusUnknown` when the outcome is unknown)."""
        ...


class RetryPolicy(msgspec.Struct, frozen=True, gc=False):
    """How often and how patiently idempotent calls are retried."""

    max_attempts: int = 3
    backoff: Backoff = Backoff(initial_s=0.2, factor=2.0, max_s=5.0, jitter=0.5)

    def __post_init__(self) -> None:
        if type(self.max_attempts) is not int or self.max_attempts < 1:
            raise InvalidInput("RetryPolicy.max_attempts", "must be an int >= 1", self.max_attempts)


class ServerClock:
    """The venue's clock as seen from here: local time plus a measured offset.

    Signed requests carry the venue's time (Binance refuses one more than 1 s ahead or
    older than ``recvWindow``); :meth:`sync` measures the offset with a round trip.
    """

    __slots__ = ("_wall", "offset_ms", "rtt_ms", "synced")

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self.offset_ms = 0
        self.rtt_ms = 0
        self.synced = False

    def now_ms(self) -> int:
        """The venue's time now, in milliseconds."""
        return int(self._wall() * 1000) + self.offset_ms

    async def sync(self, fetch_server_ms: Callable[[], Awaitable[int]]) -> int:
        """Measure the offset: ``fetch_server_ms`` returns the venue's time; the offset
        assumes the venue read its clock halfway through the round trip. Returns it."""
        t0 = self._wall()
        server_ms = await fetch_server_ms()
        t1 = self._wall()
        self.rtt_ms = int((t1 - t0) * 1000)
        self.offset_ms = int(server_ms - (t0 + t1) * 500)
        self.synced = True
        return self.offset_ms

    def __repr__(self) -> str:
        return f"ServerClock(offset_ms={self.offset_ms}, rtt_ms={self.rtt_ms})"


def _aiohttp() -> Any:
    try:
        import aiohttp
    except ImportError:  # pragma: no cover - installed with lyra[adapters]
        raise MissingDependency(
            "the REST client needs the 'aiohttp' package: pip install lyra[adapters]"
        ) from None
    return aiohttp


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class RestClient:
    """HTTP requests to one venue base URL; see the module docs.

    Args:
        base_url: ``https://api.binance.com``, a testnet, or a fake server's
            ``http://127.0.0.1:<port>``.
        venue: the venue's name (in errors).
        signer: adds authentication to signed calls (``None``: public calls only).
        error_mapper: the venue's error mapping.
        limiter: the rate limiter shared by every call (``None``: no limit).
        header_usage: ``(header, kind, interval_s)`` triples: response headers holding the
            venue's count of a limit (Binance ``X-MBX-USED-WEIGHT-1M``).
        retry: the retry policy of idempotent calls.
        timeout_s: limit on one request.
        verify_tls: verify certificates (default).
        server_clock: the venue's clock (shared with the signer).
        resync_clock: awaited after a timestamp refusal, before the retry.
        user_agent: the User-Agent header.
    """

    def __init__(
        self,
        base_url: str,
        *,
        venue: str,
        error_mapper: ErrorMapper,
        signer: Signer | None = None,
        limiter: WeightLimiter | None = None,
        header_usage: Sequence[tuple[str, str, float]] = (),
        retry: RetryPolicy | None = None,
        timeout_s: float = 10.0,
        verify_tls: bool = True,
        server_clock: ServerClock | None = None,
        resync_clock: Callable[[], Awaitable[Any]] | None = None,
        user_agent: str = "lyra",
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput("base_url", "must start with http:// or https://", base_url)
        self.base_url = base_url.rstrip("/")
        self.venue = venue
        self.signer = signer
        self.error_mapper = error_mapper
        self.limiter = limiter if limiter is not None else WeightLimiter()
        self.header_usage = tuple(header_usage)
        self.retry = retry if retry is not None else RetryPolicy()
        self.timeout_s = timeout_s
        self._verify_tls = verify_tls
        self.server_clock = server_clock if server_clock is not None else ServerClock()
        self.resync_clock = resync_clock
        self.user_agent = user_agent
        self._session: Any = None
        #: requests sent (attempts included)
        self.requests = 0
        #: retries made
        self.retries = 0

    def __repr__(self) -> str:
        return f"RestClient({self.venue}, {self.base_url})"

    async def open(self) -> None:
        """Create the HTTP session (done by the first request otherwise)."""
        require_asyncio("RestClient")
        if self._session is None:
            aiohttp = _aiohttp()
            ssl_arg: Any = (
                client_ssl_context(self._verify_tls)
                if self.base_url.startswith("https://")
                else None
            )
            connector = aiohttp.TCPConnector(ssl=ssl_arg if ssl_arg is not None else True)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                headers={"User-Agent": self.user_agent},
                trust_env=False,
            )

    async def close(self) -> None:
        """Close the HTTP session."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def __aenter__(self) -> RestClient:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @overload
    async def request(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, Any]] | Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
        weights: Mapping[str, int] | None = None,
        idempotent: bool | None = None,
        body_params: bool = False,
        keyed: bool = False,
        response_type: None = None,
    ) -> Any: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, Any]] | Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
        weights: Mapping[str, int] | None = None,
        idempotent: bool | None = None,
        body_params: bool = False,
        keyed: bool = False,
        response_type: type[_T],
    ) -> _T: ...

    async def request(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, Any]] | Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
        weights: Mapping[str, int] | None = None,
        idempotent: bool | None = None,
        body_params: bool = False,
        keyed: bool = False,
        response_type: type[_T] | None = None,
    ) -> Any:
        """Send a request and return its decoded JSON (as ``response_type`` if given).

        ``params`` are sent in the query string (or form-encoded in the body with
        ``body_params``); ``None`` values are dropped, others are ``str()``-ed (pass
        decimal strings for prices). ``weights`` are counted against the rate limiter.
        ``idempotent`` (default: the method is GET) enables retries on transport errors,
        unknown statuses and rate limits. ``keyed`` sends the API key without a signature
        (endpoints that identify the account but are not signed), through the signer's
        ``add_key``.
        """
        items = params.items() if isinstance(params, Mapping) else (params or ())
        clean = [(k, v if isinstance(v, str) else _text(v)) for k, v in items if v is not None]
        retryable = method.upper() in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        policy = self.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                body = await self._once(method, path, clean, signed, weights, body_params, keyed)
            except (TransportError, RequestStatusUnknown, RateLimited, RequestRejected) as exc:
                if attempt >= policy.max_attempts or not self._may_retry(exc, retryable):
                    raise
                self.retries += 1
                await self._before_retry(exc, attempt)
                continue
            if response_type is None:
                return msgspec.json.decode(body) if body else None
            return msgspec.json.decode(body, type=response_type)

    def _may_retry(self, exc: VenueError, retryable: bool) -> bool:
        if isinstance(exc, RateLimited):
            return True  # refused before execution
        if isinstance(exc, RequestRejected):
            return exc.clock_skew  # refused before execution, and fixable
        if isinstance(exc, TransportError) and exc.code == "CONNECT":
            return True  # nothing was sent
        return retryable

    async def _before_retry(self, exc: VenueError, attempt: int) -> None:
        import anyio

        if isinstance(exc, RequestRejected) and exc.clock_skew and self.resync_clock is not None:
            await self.resync_clock()
            return
        delay = self.retry.backoff.delay(attempt)
        if isinstance(exc, RateLimited) and exc.retry_after_s is not None:
            delay = max(delay, exc.retry_after_s)
        await anyio.sleep(delay)

    async def _once(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        signed: bool,
        weights: Mapping[str, int] | None,
        body_params: bool,
        keyed: bool = False,
    ) -> bytes:
        if self._session is None:
            await self.open()
        if weights:
            await self.limiter.acquire(weights)
        request = PreparedRequest(method, path, params, signed=signed)
        if signed:
            if self.signer is None:
                raise InvalidInput("signed", "needs a signer: the client has no credentials")
            self.signer.sign(request)
        elif keyed:
            add_key = getattr(self.signer, "add_key", None)
            if add_key is None:
                raise InvalidInput("keyed", "needs a signer with add_key: no credentials")
            add_key(request)
        query = request.query_string()
        data: bytes | None = request.body
        if body_params:
            data, query = query.encode(), ""
            request.headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        import yarl

        # the URL goes out exactly as signed: no re-quoting by the HTTP library
        url = yarl.URL(self.base_url + path + (f"?{query}" if query else ""), encoded=True)
        aiohttp = _aiohttp()
        self.requests += 1
        where = f"{method.upper()} {path}"
        try:
            async with self._session.request(
                request.method, url, data=data, headers=request.headers, allow_redirects=False
            ) as resp:
                status = resp.status
                headers = resp.headers
                body = await resp.read()
        except aiohttp.ClientConnectorError as exc:
            raise TransportError(
                f"{self.venue} {where}: cannot connect ({_os_reason(exc)})",
                code="CONNECT",
                venue=self.venue,
            ) from None
        except TimeoutError:
            raise RequestStatusUnknown(
                f"{where}: no answer within {self.timeout_s}s", venue=self.venue
            ) from None
        except aiohttp.ClientError as exc:
            raise RequestStatusUnknown(
                f"{where}: the connection failed during the request ({type(exc).__name__})",
                venue=self.venue,
            ) from None
        for header, kind, interval in self.header_usage:
            used = headers.get(header)
            if used is not None and used.isdigit():
                self.limiter.sync_used(kind, interval, int(used))
        error = self.error_mapper.error(status, body, headers, request)
        if error is not None:
            if isinstance(error, RateLimited):
                wait = error.retry_after_s
                if wait is None:
                    wait = _retry_after(headers)
                    error.retry_after_s = wait
                if wait is not None:
                    self.limiter.block_for(wait)
            raise error
        return bytes(body)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _os_reason(exc: BaseException) -> str:
    os_error = getattr(exc, "os_error", None)
    if isinstance(os_error, OSError) and os_error.strerror:
        return os_error.strerror
    return type(exc).__name__
