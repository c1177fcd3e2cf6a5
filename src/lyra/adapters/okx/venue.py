"""The OKX venue: :class:`OkxVenue` (API v5, spot or perpetual swaps).

It implements :class:`lyra.venue.Venue` on :class:`~lyra.adapters.LiveVenue`, as a thin
layer over the OKX modules beside it (signing, messages, book, market, orders, reports,
codes, symbols):

* **Connect** (``async with``): measure the server-time offset
  (``/api/v5/public/time``), load the instruments of the market
  (``/api/v5/public/instruments``), then, with credentials, log on to the private
  websocket (``orders``) and the business websocket (``orders-algo``) and catch up on
  adopted orders.
* **Orders** go over REST with signed JSON bodies: ``/api/v5/trade/order``,
  ``amend-order``, ``cancel-order``; triggered orders, trailing stops and OCO pairs through
  ``order-algo``, ``amend-algos``, ``cancel-algos``. The REST answer only says whether the
  request was taken (or why not: ``sCode`` -> :mod:`~lyra.adapters.okx.codes`); what
  happens to the order arrives on ``orders`` / ``orders-algo`` and goes through
  ``OrderFlow.emit``, which drops duplicates. An answer that never comes (timeout,
  ``50004``) is resolved by reconciling the order.
* **Market data** on the public websocket: ``books`` (``books5`` for depth 5, ``bbo-tbt``
  for depth 1) kept by :class:`~lyra.adapters.okx.book.OkxBookSync` -- a ``seqId`` gap or a
  checksum mismatch resubscribes the channel, which brings a fresh snapshot (published with
  ``F_SNAPSHOT``); ``bbo-tbt`` as ``QuoteTick``; ``trades`` as ``TradeTick``.
* **Keep-alive**: the text ``ping`` every ``ping_interval_s`` (< 30 s), ``pong`` swallowed;
  a connection silent for longer than ``idle_timeout_s`` is dropped and reconnected.
* **Reconnects**: losing a private stream publishes RECONNECTING; once both are logged on
  and subscribed again every working order is reconciled before CONNECTED. Losing the
  public stream resubscribes every channel, and each book restarts from its snapshot.

Point ``urls`` at :class:`lyra.testing.FakeOkx` (``fake.urls``) or at OKX's demo hosts
(:data:`DEMO`, with ``demo=True`` for the ``x-simulated-trading`` header) to trade without
money. aiohttp and websockets make this adapter asyncio-only.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import msgspec

from lyra import topics
from lyra.adapters.live import FeedKey, LiveVenue
from lyra.adapters.ratelimit import Backoff
from lyra.adapters.rest import PreparedRequest, RestClient, ServerClock
from lyra.adapters.symbols import SymbolMap
from lyra.adapters.ws import Frame, WebSocketClient, WsHeartbeat
from lyra.bus import EventBus
from lyra.clock import Clock
from lyra.errors import (
    InvalidInput,
    MalformedMessage,
    NotSupported,
    RequestRejected,
    RequestStatusUnknown,
    TransportError,
    VenueError,
)
from lyra.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce, TriggerType
from lyra.model.identifiers import ClientOrderId, InstrumentId, TradeId, VenueOrderId
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.capabilities import AmendMode, VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.events import AnomalyKind
from lyra.venue.reports import (
    BalanceReport,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
    ReconciliationReport,
)
from lyra.venue.unset import UNSET, Unset

from .book import BookApplied, OkxBookSync, ResyncNeeded
from .codes import VENUE_NAME, check_response, reason, to_error
from .market import bbo_quote, trade_tick
from .messages import (
    AlgoOrderData,
    AlgoOrdersMessage,
    BalanceData,
    BookMessage,
    ErrorEvent,
    FillData,
    InstrumentData,
    LoginEvent,
    NoticeEvent,
    OrderAck,
    OrderData,
    OrdersMessage,
    PositionData,
    RestResponse,
    SubscribeEvent,
    TradesMessage,
    decode_ws,
    subscribe_request,
)
from .orders import (
    DERIVATIVES_CAPABILITIES,
    SPOT_CAPABILITIES,
    AlgoCancelRequest,
    AlgoOrderRequest,
    AmendAlgoRequest,
    UpdateKind,
    algo_update,
    amend_order,
    cancel_order,
    order_update,
    place_order,
    place_order_list,
    to_payload,
)
from .reports import balance_reports, fill_report, order_status_report, position_report
from .signing import OkxCredentials
from .symbols import instruments_from_okx

__all__ = ("DEMO", "PRODUCTION", "OkxErrorMapper", "OkxSigner", "OkxUrls", "OkxVenue")

_MS: Final = 1_000_000
_DAY_MS: Final = 86_400_000
_JSON_BODY: Final = "__okx_json_body__"
_ALGO_TYPES: Final = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
    }
)
_ALGO_KINDS: Final = ("trigger", "oco", "move_order_stop")
_S = OrderStatus


class OkxUrls(msgspec.Struct, frozen=True, gc=False):
    """Where OKX lives: the REST base and the three websocket URLs."""

    rest: str
    ws_public: str
    ws_private: str
    ws_business: str


PRODUCTION: Final = OkxUrls(
    rest="https://www.okx.com",
    ws_public="wss://ws.okx.com:8443/ws/v5/public",
    ws_private="wss://ws.okx.com:8443/ws/v5/private",
    ws_business="wss://ws.okx.com:8443/ws/v5/business",
)
"""OKX production."""

DEMO: Final = OkxUrls(
    rest="https://www.okx.com",
    ws_public="wss://wspap.okx.com:8443/ws/v5/public",
    ws_private="wss://wspap.okx.com:8443/ws/v5/private",
    ws_business="wss://wspap.okx.com:8443/ws/v5/business",
)
"""OKX demo trading (use with ``demo=True``: REST requests carry ``x-simulated-trading``)."""


class OkxSigner:
    """Signs REST requests with the ``OK-ACCESS-*`` headers at the venue's time.

    A POST's parameters are sent as the JSON body the venue expects: the adapter passes the
    body text under one parameter, which the signer moves into the body (so the bytes signed
    are the bytes sent).
    """

    def __init__(self, credentials: OkxCredentials, clock: ServerClock, *, demo: bool = False):
        self._credentials = credentials
        self._clock = clock
        self._demo = demo

    def sign(self, request: PreparedRequest) -> None:
        """Add the signature headers (and the JSON body of a POST) to ``request``."""
        body = ""
        if request.method != "GET":
            body = next((v for k, v in request.params if k == _JSON_BODY), "")
            request.params = [(k, v) for k, v in request.params if k != _JSON_BODY]
            request.body = body.encode()
        query = request.query_string()
        path = request.path + (f"?{query}" if query else "")
        ts = self._clock.now_ms() * _MS
        request.headers.update(self._credentials.rest_headers(request.method, path, body, ts_ns=ts))
        if self._demo:
            request.headers["x-simulated-trading"] = "1"

    def __repr__(self) -> str:
        return f"OkxSigner({self._credentials!r})"


class _Envelope(msgspec.Struct, gc=False):
    code: str | int = "0"
    msg: str = ""
    data: list[Any] = []


_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)


class OkxErrorMapper:
    """OKX answers -> exceptions: the envelope's ``code`` (or the first failing ``sCode``)
    through :func:`~lyra.adapters.okx.codes.to_error`; a 5xx is an unknown outcome; a
    refused timestamp (``50102``) is marked ``clock_skew`` so the request is re-signed."""

    def error(
        self, status: int, body: bytes, headers: Mapping[str, str], request: PreparedRequest
    ) -> VenueError | None:
        """``None`` for a success; otherwise the exception (see the class docs)."""
        if status >= 500:
            return RequestStatusUnknown(
                f"{request.method} {request.path}: HTTP {status}", venue=VENUE_NAME
            )
        try:
            env = _ENVELOPE.decode(body)
        except msgspec.MsgspecError:
            if status >= 400:
                return RequestRejected(
                    f"HTTP {status}", http_status=status, venue=VENUE_NAME, venue_code=status
                )
            return None
        code = str(env.code)
        if code == "0":
            return None
        err_code, message = code, env.msg
        for item in env.data:
            if isinstance(item, dict) and str(item.get("sCode", "0")) not in ("", "0"):
                err_code, message = str(item["sCode"]), str(item.get("sMsg", ""))
                break
        error = to_error(err_code, message, http_status=status)
        if isinstance(error, RequestRejected):
            if err_code in ("50102", "50112"):
                error.clock_skew = True
            if status == 429 and not error.http_status:
                error.http_status = 429
        return error


class _Book:
    """One instrument's book feed: the sync, its channel, whether a resync is under way."""

    __slots__ = ("channel", "instrument", "resyncing", "sync", "topic")

    def __init__(self, instrument: Instrument, channel: str) -> None:
        self.instrument = instrument
        self.channel = channel
        self.sync = OkxBookSync(instrument)
        self.topic = topics.book_deltas(instrument.id)
        self.resyncing = False


class _Private:
    """One logged-on stream (private ``orders`` or business ``orders-algo``)."""

    def __init__(self, venue: OkxVenue, url: str, name: str, channel: str) -> None:
        import anyio

        self.venue = venue
        self.channel = channel
        self.ready = anyio.Event()
        self.error: VenueError | None = None
        self.up = False
        self.number = 0
        self.client = WebSocketClient(
            url,
            name=name,
            on_message=self.on_frame,
            on_open=self._login,
            on_connected=self._connected,
            on_disconnected=self._lost,
            heartbeat=venue._heartbeat,
            backoff=venue._backoff,
            connect_timeout_s=venue._connect_timeout_s,
            verify_tls=venue._verify_tls,
        )

    async def _login(self, client: WebSocketClient) -> None:
        creds = self.venue._credentials
        assert creds is not None
        ts = self.venue.server_clock.now_ms() * _MS
        await client.send(json.dumps(creds.ws_login(ts_ns=ts)))

    def _connected(self, number: int) -> None:
        self.number = number

    def _lost(self, reason: str) -> None:
        self.up = False
        self.venue._private_lost(f"{self.channel}: {reason}")

    def on_frame(self, frame: Frame) -> None:
        venue = self.venue
        try:
            msg = decode_ws(frame)
        except InvalidInput as exc:
            venue._malformed(self.channel, frame, exc)
            venue._user_malformed()
            return
        if type(msg) is OrdersMessage:
            for data in msg.data:
                venue._on_order(data)
        elif type(msg) is AlgoOrdersMessage:
            for algo in msg.data:
                venue._on_algo(algo)
        elif type(msg) is LoginEvent:
            venue._spawn(self._subscribe)
        elif type(msg) is SubscribeEvent:
            if msg.event == "subscribe" and msg.arg is not None and msg.arg.channel == self.channel:
                self.up = True
                self.ready.set()
                if self.number > 1:
                    venue._private_restored()
        elif type(msg) is ErrorEvent:
            self.error = to_error(msg.code, msg.msg or "websocket error")
            if not self.ready.is_set():
                self.ready.set()
            else:
                venue.flow.anomaly(
                    AnomalyKind.UNPARSEABLE, f"{self.channel}: {reason(msg.code, msg.msg)}"
                )
        elif type(msg) is NoticeEvent and msg.code == "64008":
            # the venue will close this connection for an upgrade: move now
            venue._spawn(self.client.drop, "OKX 64008 service upgrade notice")

    async def _subscribe(self) -> None:
        kind = self.venue._inst_type
        request = subscribe_request([{"channel": self.channel, "instType": kind}])
        await self.client.send(json.dumps(request))


class OkxVenue(LiveVenue):
    """OKX spot (``market="spot"``, cash mode) or perpetual swaps (``market="swap"``, cross
    margin by default) as a :class:`lyra.venue.Venue`; see the module docs.

    Args:
        bus: where events and data are published.
        credentials: API key, secret and passphrase; ``None`` for market data only (every
            order is then denied ``NOT_SUPPORTED`` locally).
        urls: where OKX is (default :data:`PRODUCTION`; ``FakeOkx.urls`` in tests).
        market: ``"spot"`` or ``"swap"``.
        clock: stamps ``ts_init`` (``None``: wall time).
        account_id: the account id on events (default ``OKX-spot`` / ``OKX-swap``).
        inst_ids: load only these ``instId`` values (default: all of the market).
        td_mode: OKX trade mode (default ``cash`` for spot, ``cross`` for swaps).
        demo: send ``x-simulated-trading: 1`` (demo trading keys).
        verify_tls / connect_timeout_s / request_timeout_s / backoff: transport settings.
        ping_interval_s: how often the text ``ping`` is sent (OKX drops a connection silent
            for 30 s); idle_timeout_s: a connection silent this long is reconnected.
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        credentials: OkxCredentials | None = None,
        urls: OkxUrls = PRODUCTION,
        market: Literal["spot", "swap"] = "spot",
        clock: Clock | Callable[[], int] | None = None,
        account_id: str | None = None,
        inst_ids: Iterable[str] | None = None,
        td_mode: str | None = None,
        demo: bool = False,
        verify_tls: bool = True,
        connect_timeout_s: float = 10.0,
        request_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        ping_interval_s: float = 20.0,
        idle_timeout_s: float | None = 45.0,
    ) -> None:
        if not isinstance(urls, OkxUrls):
            raise InvalidInput("urls", "must be OkxUrls", urls)
        if market not in ("spot", "swap"):
            raise InvalidInput("market", "must be 'spot' or 'swap'", market)
        if credentials is not None and not isinstance(credentials, OkxCredentials):
            raise InvalidInput("credentials", "must be OkxCredentials or None")
        if not 0 < ping_interval_s < 30:
            raise InvalidInput(
                "ping_interval_s", "must be between 0 and 30 (exclusive)", ping_interval_s
            )
        self.urls = urls
        self.market = market
        self._inst_type = "SPOT" if market == "spot" else "SWAP"
        caps = SPOT_CAPABILITIES if market == "spot" else DERIVATIVES_CAPABILITIES
        if credentials is None:
            caps = _data_only(caps)
        session = f"OKX-{time.time_ns() // _MS:x}-"
        super().__init__(
            VENUE_NAME,
            account_id or f"OKX-{market}",
            bus=bus,
            clock=clock,
            capabilities=caps,
            id_prefix=session,
        )
        self._credentials = credentials
        self._inst_ids = None if inst_ids is None else frozenset(inst_ids)
        self._td_mode = td_mode
        self._verify_tls = verify_tls
        self._connect_timeout_s = connect_timeout_s
        self._backoff = backoff if backoff is not None else Backoff()
        self._heartbeat = WsHeartbeat(
            ping_interval_s=None,
            ping_timeout_s=None,
            app_ping="ping",
            app_ping_interval_s=ping_interval_s,
            is_pong=_is_pong,
            idle_timeout_s=idle_timeout_s,
        )
        self.server_clock = ServerClock()
        self._signer = (
            None if credentials is None else OkxSigner(credentials, self.server_clock, demo=demo)
        )
        self.rest = RestClient(
            urls.rest,
            venue=VENUE_NAME,
            error_mapper=OkxErrorMapper(),
            signer=self._signer,
            timeout_s=request_timeout_s,
            verify_tls=verify_tls,
            server_clock=self.server_clock,
            resync_clock=self._sync_time,
            user_agent="lyra-okx",
        )
        self.symbols: SymbolMap[Instrument] = SymbolMap(VENUE_NAME)
        self.skipped_instruments: dict[str, str] = {}
        self._public: WebSocketClient | None = None
        self._public_ready: Any = None
        self._private: list[_Private] = []
        self._books: dict[InstrumentId, _Book] = {}
        self._handlers: dict[tuple[str, str], Callable[[Any], None]] = {}
        self._oco: dict[str, tuple[Order, Order]] = {}
        self._algo_children: dict[str, Order] = {}
        self._held: dict[str, list[OrderData]] = {}
        self._recovering = False
        self._req_ids = itertools.count(1)
        self._malformed_count = 0

    # -- info -------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The instruments loaded at connect time."""
        return self.symbols.instruments

    def book_sync(self, instrument_id: InstrumentId | str) -> OkxBookSync | None:
        """The sync of a subscribed instrument's book (``None`` if not subscribed)."""
        feed = self._books.get(InstrumentId(instrument_id))
        return None if feed is None else feed.sync

    def _check_instrument(self, instrument_id: InstrumentId) -> None:
        if len(self.symbols) and self.symbols.get(instrument_id) is None:
            raise InvalidInput(
                "instrument_id", f"is not a loaded instrument of OKX {self.market}", instrument_id
            )

    def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        return self.symbols.instrument(instrument_id)

    # -- lifecycle ----------------------------------------------------------------------------
    async def _open(self) -> None:
        await self.rest.open()
        await self._sync_time()
        await self._load_instruments()
        if self._credentials is not None:
            await self._open_private()
            await self.catch_up()

    async def _close(self) -> None:
        public, self._public = self._public, None
        if public is not None:
            await public.close()
        for stream in self._private:
            await stream.client.close()
        self._private = []
        for feed in self._books.values():
            feed.sync.reset()
        self._books.clear()
        self._handlers.clear()
        await self.rest.close()

    async def _sync_time(self) -> None:
        async def fetch() -> int:
            body = await self.rest.request("GET", "/api/v5/public/time")
            return int(body["data"][0]["ts"])

        await self.server_clock.sync(fetch)

    async def _load_instruments(self) -> None:
        resp = await self.rest.request(
            "GET",
            "/api/v5/public/instruments",
            [("instType", self._inst_type)],
            response_type=RestResponse[InstrumentData],
        )
        check_response(resp)
        items = [d for d in resp.data if self._inst_ids is None or d.inst_id in self._inst_ids]
        found, skipped = instruments_from_okx(items, self.now_ns())
        self.skipped_instruments = skipped
        for inst in found.values():
            self.symbols.add(inst)

    async def _open_private(self) -> None:
        import anyio

        assert self._tg is not None
        streams = [
            _Private(self, self.urls.ws_private, "OKX private", "orders"),
            _Private(self, self.urls.ws_business, "OKX business", "orders-algo"),
        ]
        self._private = streams
        for stream in streams:
            await self._tg.start(stream.client.run)
        with anyio.fail_after(self._connect_timeout_s):
            for stream in streams:
                await stream.ready.wait()
        for stream in streams:
            if stream.error is not None:
                raise stream.error

    def _private_lost(self, why: str) -> None:
        self.connection_lost(why)

    def _private_restored(self) -> None:
        if all(s.up for s in self._private):
            self.connection_restored()

    # -- REST helpers -----------------------------------------------------------------------
    async def _post(self, path: str, payload: Any) -> RestResponse[OrderAck]:
        body = json.dumps(payload, separators=(",", ":"))
        return await self.rest.request(
            "POST",
            path,
            [(_JSON_BODY, body)],
            signed=True,
            idempotent=False,
            response_type=RestResponse[OrderAck],
        )

    async def _get(self, path: str, params: list[tuple[str, str]], kind: type[Any]) -> list[Any]:
        resp = await self.rest.request(
            "GET",
            path,
            params,
            signed=True,
            response_type=RestResponse[kind],  # type: ignore[valid-type]
        )
        check_response(resp)
        return list(resp.data)

    # -- market data ------------------------------------------------------------------------
    async def _public_client(self) -> WebSocketClient:
        import anyio

        client = self._public
        if client is not None:
            await self._public_ready.wait()
            return client
        self._public_ready = anyio.Event()
        client = self._public = WebSocketClient(
            self.urls.ws_public,
            name="OKX public",
            on_message=self._on_public,
            on_connected=self._public_connected,
            on_disconnected=self._public_lost,
            heartbeat=self._heartbeat,
            backoff=self._backoff,
            connect_timeout_s=self._connect_timeout_s,
            verify_tls=self._verify_tls,
        )
        assert self._tg is not None
        try:
            await self._tg.start(client.run)
        except BaseException:
            self._public = None
            raise
        finally:
            self._public_ready.set()
        return client

    def _public_connected(self, number: int) -> None:
        if number > 1:
            for feed in self._books.values():
                feed.sync.reset()
                feed.resyncing = False

    def _public_lost(self, reason: str) -> None:
        for feed in self._books.values():
            feed.sync.reset()

    def _channel_of(self, kind: str, iid: InstrumentId) -> str:
        if kind == "quotes":
            return "bbo-tbt"
        if kind == "trades":
            return "trades"
        depth = self.book_depth(iid)
        return {1: "bbo-tbt", 5: "books5"}.get(depth or 0, "books")

    async def _start_feed(self, key: FeedKey) -> None:
        kind, target = key
        if kind == "bars":
            raise NotSupported(
                "bars: OKX candles are not offered by this adapter", venue=self.venue
            )
        iid = InstrumentId(target)
        instrument = self._instrument(iid)
        inst_id = instrument.raw_symbol
        channel = self._channel_of(kind, iid)
        if kind == "book":
            feed = _Book(instrument, channel)
            self._books[iid] = feed
            handler: Callable[[Any], None] = self._book_handler(feed)
            if channel == "bbo-tbt":
                quotes = self._handlers.get(("bbo-tbt", inst_id))
                book_handler = handler

                def both(msg: Any) -> None:
                    book_handler(msg)
                    if quotes is not None:
                        quotes(msg)

                handler = both
        elif kind == "quotes":
            handler = self._quote_handler(instrument)
            existing = self._books.get(iid)
            if existing is not None and existing.channel == "bbo-tbt":
                book_handler2 = self._book_handler(existing)
                quote_handler = handler

                def both2(msg: Any) -> None:
                    book_handler2(msg)
                    quote_handler(msg)

                handler = both2
        else:
            handler = self._trade_handler(instrument)
        self._handlers[(channel, inst_id)] = handler
        client = await self._public_client()
        arg = {"channel": channel, "instId": inst_id}
        await client.subscribe(f"{channel}:{inst_id}", json.dumps(subscribe_request([arg])))

    async def _stop_feed(self, key: FeedKey) -> None:
        kind, target = key
        if kind == "bars":
            return
        iid = InstrumentId(target)
        inst_id = self.symbols.venue_symbol(iid)
        channel = self._channel_of(kind, iid)
        if kind == "book":
            self._books.pop(iid, None)
        if channel == "bbo-tbt" and (("quotes", iid) in self._subs or ("book", iid) in self._subs):
            return  # the other user of the channel still needs it
        self._handlers.pop((channel, inst_id), None)
        client = self._public
        if client is not None:
            arg = {"channel": channel, "instId": inst_id}
            await client.unsubscribe(
                f"{channel}:{inst_id}",
                json.dumps(subscribe_request([arg], unsubscribe=True))
                if client.connected
                else None,
            )

    def _on_public(self, frame: Frame) -> None:
        try:
            msg = decode_ws(frame)
        except InvalidInput as exc:
            self._malformed("public", frame, exc)
            return
        arg = getattr(msg, "arg", None)
        if type(msg) is ErrorEvent:
            self.flow.anomaly(
                AnomalyKind.UNPARSEABLE, f"public stream: {reason(msg.code, msg.msg)}"
            )
            return
        if arg is None or type(msg) in (SubscribeEvent, NoticeEvent):
            return
        handler = self._handlers.get((arg.channel, arg.inst_id))
        if handler is not None:
            handler(msg)

    def _book_handler(self, feed: _Book) -> Callable[[Any], None]:
        sync = feed.sync
        bus = self.bus
        topic = feed.topic
        now = self.now_ns
        one_shot = feed.channel != "books"

        def on_book(msg: Any) -> None:
            if type(msg) is not BookMessage:
                return
            if one_shot:
                msg = msgspec.structs.replace(msg, action="snapshot")
            result = sync.apply(msg, now())
            if type(result) is BookApplied:
                if result.snapshot:
                    feed.resyncing = False
                deltas = result.deltas
                if deltas is not None and bus.has_subscribers(topic):
                    bus.publish(topic, deltas)
                return
            assert type(result) is ResyncNeeded
            if feed.resyncing:
                return  # updates still in flight before the new snapshot
            self.flow.anomaly(
                AnomalyKind.SEQUENCE_GAP,
                f"{feed.instrument.id} book: {result.reason.name}: {result.detail}; resubscribing",
            )
            self._resync(feed)

        return on_book

    def _resync(self, feed: _Book) -> None:
        if feed.resyncing or self._tg is None:
            return
        feed.resyncing = True
        self._spawn(self._resubscribe, feed)

    async def _resubscribe(self, feed: _Book) -> None:
        """OKX sends a channel's snapshot on subscribe: unsubscribe, then subscribe again."""
        client = self._public
        if client is None or not client.connected:
            return
        arg = {"channel": feed.channel, "instId": feed.instrument.raw_symbol}
        await client.send(json.dumps(subscribe_request([arg], unsubscribe=True)))
        await client.send(json.dumps(subscribe_request([arg])))

    def _quote_handler(self, instrument: Instrument) -> Callable[[Any], None]:
        topic = topics.quotes(instrument.id)
        bus = self.bus
        now = self.now_ns

        def on_bbo(msg: Any) -> None:
            if type(msg) is not BookMessage:
                return
            for data in msg.data:
                quote = bbo_quote(data, instrument, now())
                if quote is not None:
                    bus.publish(topic, quote)

        return on_bbo

    def _trade_handler(self, instrument: Instrument) -> Callable[[Any], None]:
        topic = topics.trades(instrument.id)
        bus = self.bus
        now = self.now_ns

        def on_trades(msg: Any) -> None:
            if type(msg) is not TradesMessage:
                return
            for data in msg.data:
                bus.publish(topic, trade_tick(data, instrument, now()))

        return on_trades

    # -- malformed messages -------------------------------------------------------------------
    def _malformed(self, kind: str, raw: Frame, exc: Exception) -> None:
        self._malformed_count += 1
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        error = MalformedMessage(f"{kind}: {exc}", kind=kind, excerpt=text, venue=VENUE_NAME)
        self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"{error.kind}: {error} [{error.excerpt[:120]}]")

    @property
    def malformed_messages(self) -> int:
        """How many frames could not be read."""
        return self._malformed_count

    def _user_malformed(self) -> None:
        """An order message could not be read: reconcile every working order once."""
        if self._recovering or self._tg is None:
            return
        self._recovering = True
        self._spawn(self._recover)

    async def _recover(self) -> None:
        import anyio

        try:
            await anyio.sleep(0.05)
            await self.catch_up()
        finally:
            self._recovering = False

    # -- order events -------------------------------------------------------------------------
    def _order_for(self, data: OrderData) -> Order | None:
        flow = self.flow
        if data.cl_ord_id:
            found = flow.get(data.cl_ord_id)
            if found is not None:
                return found
        if data.algo_cl_ord_id or data.algo_id:
            child = self._algo_children.get(data.ord_id)
            if child is not None:
                return child
        return flow.find(data.ord_id)

    def _on_order(self, data: OrderData) -> None:
        order = self._order_for(data)
        if order is None and data.algo_cl_ord_id:
            # a triggered algo's order seen before the algo's own push: hold it until then
            self._held.setdefault(data.algo_cl_ord_id, []).append(data)
            return
        if order is None:
            self.flow.anomaly(
                AnomalyKind.UNKNOWN_ORDER,
                f"orders push {data.state} for order {data.ord_id} ({data.cl_ord_id}), which "
                "OKX does not track here",
                venue_order_id=data.ord_id,
                ts_event=int(data.u_time or "0") * _MS,
            )
            return
        instrument = self.symbols.find(data.inst_id)
        if instrument is None:
            return
        update = order_update(data)
        ev = self.flow.events
        aid = self.account_id
        is_algo = order.order_type in _ALGO_TYPES
        vid = order.venue_order_id if is_algo and order.venue_order_id else data.ord_id
        ts = update.ts_event or None
        kind = update.kind
        if (
            is_algo
            and order.ts_triggered is None
            and not order.is_closed
            and kind
            in (
                UpdateKind.FILL,
                UpdateKind.ACCEPTED,
                UpdateKind.CANCELED,
            )
        ):
            # the algo placed this order: its trigger fired
            self.flow.emit(ev.triggered(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        if kind is UpdateKind.ACCEPTED:
            if not is_algo:
                self.flow.emit(ev.accepted(order, vid, account_id=aid, ts_event=ts))
        elif kind is UpdateKind.FILL:
            fill = update.fill
            assert fill is not None
            commission = fill.commission
            if commission is None:
                commission = _zero_fee(instrument)
            self.flow.emit(
                ev.filled(
                    order,
                    trade_id=TradeId(fill.trade_id),
                    last_qty=instrument.make_qty(fill.last_qty, check_bounds=False),
                    last_px=instrument.make_price(fill.last_px, check_bounds=False),
                    commission=commission,
                    liquidity_side=fill.liquidity_side,
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=fill.ts_event or ts,
                )
            )
        elif kind is UpdateKind.UPDATED:
            self.flow.emit(
                ev.updated(
                    order,
                    quantity=instrument.make_qty(update.quantity, check_bounds=False),
                    price=(
                        instrument.make_price(update.price, check_bounds=False)
                        if update.price is not None
                        else None
                    ),
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )
        elif kind is UpdateKind.MODIFY_REJECTED:
            self.flow.emit(
                ev.modify_rejected(
                    order,
                    update.reason,
                    _modify_code(update.reject_code),
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )
        elif kind is UpdateKind.CANCELED:
            self.flow.emit(ev.canceled(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        elif kind is UpdateKind.REJECTED:
            code = update.reject_code or RejectCode.VENUE_REJECTED
            self.flow.emit(
                ev.rejected(
                    order,
                    update.reason,
                    code,
                    due_post_only=code == RejectCode.POST_ONLY_WOULD_TAKE,
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )

    def _algo_orders(self, algo_cl_ord_id: str) -> list[Order]:
        pair = self._oco.get(algo_cl_ord_id)
        if pair is not None:
            return list(pair)
        order = self.flow.get(algo_cl_ord_id)
        return [] if order is None else [order]

    def _on_algo(self, data: AlgoOrderData) -> None:
        update = algo_update(data)
        cid = update.algo_client_id or ""
        orders = self._algo_orders(cid)
        if not orders:
            self.flow.anomaly(
                AnomalyKind.UNKNOWN_ORDER,
                f"orders-algo push {data.state} for algo {data.algo_id} ({cid}), which OKX "
                "does not track here",
                venue_order_id=data.algo_id,
            )
            return
        ev = self.flow.events
        aid = self.account_id
        vid = data.algo_id
        ts = update.ts_event or None
        kind = update.kind
        for order in orders:
            if order.is_closed:
                continue
            if kind is UpdateKind.ACCEPTED:
                self.flow.emit(ev.accepted(order, vid, account_id=aid, ts_event=ts))
            elif kind is UpdateKind.CANCELED:
                self.flow.emit(ev.canceled(order, venue_order_id=vid, account_id=aid, ts_event=ts))
            elif kind is UpdateKind.REJECTED:
                if order.ts_accepted is None:
                    self.flow.emit(
                        ev.rejected(
                            order,
                            update.reason,
                            RejectCode.VENUE_REJECTED,
                            venue_order_id=vid,
                            account_id=aid,
                            ts_event=ts,
                        )
                    )
                else:
                    self.flow.emit(
                        ev.canceled(order, venue_order_id=vid, account_id=aid, ts_event=ts)
                    )
        if kind is UpdateKind.TRIGGERED:
            fired = orders[0]
            if len(orders) == 2:
                tp, sl = orders
                fired, other = (tp, sl) if data.actual_side == "tp" else (sl, tp)
                if not other.is_closed:
                    self.flow.emit(
                        ev.canceled(other, venue_order_id=vid, account_id=aid, ts_event=ts)
                    )
            if fired.ts_triggered is None and not fired.is_closed:
                self.flow.emit(ev.triggered(fired, venue_order_id=vid, account_id=aid, ts_event=ts))
            if update.venue_order_id:
                self._algo_children[update.venue_order_id] = fired
            for held in self._held.pop(cid, ()):
                self._on_order(held)

    # -- commands -----------------------------------------------------------------------------
    def _reject(self, order: Order, err: RequestRejected) -> None:
        code = err.reject_code
        self.flow.emit(
            self.flow.events.rejected(
                order,
                reason(err.venue_code, err.venue_message),
                code,
                due_post_only=code == RejectCode.POST_ONLY_WOULD_TAKE,
                account_id=self.account_id,
            )
        )

    def _cancel_refused(self, order: Order, err: RequestRejected) -> None:
        code = err.reject_code
        if code not in (RejectCode.UNKNOWN_ORDER, RejectCode.RATE_LIMITED):
            code = RejectCode.VENUE_REJECTED
        self.flow.emit(
            self.flow.events.cancel_rejected(
                order,
                reason(err.venue_code, err.venue_message),
                code,
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    def _modify_refused(self, order: Order, err: RequestRejected) -> None:
        self.flow.emit(
            self.flow.events.modify_rejected(
                order,
                reason(err.venue_code, err.venue_message),
                _modify_code(RejectCode(err.reject_code)),
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    async def _resolve(self, orders: Iterable[Order]) -> None:
        import anyio

        await anyio.sleep(0.05)
        await self.catch_up(list(orders))

    def _not_supported(self, order: Order, exc: NotSupported) -> None:
        self.flow.emit(
            self.flow.events.rejected(
                order, f"OKX: {exc}", RejectCode.NOT_SUPPORTED, account_id=self.account_id
            )
        )

    async def _send_submit(self, order: Order) -> None:
        try:
            request = place_order(order, td_mode=self._td_mode)
        except NotSupported as exc:
            self._not_supported(order, exc)
            return
        path = (
            "/api/v5/trade/order-algo"
            if isinstance(request, AlgoOrderRequest)
            else "/api/v5/trade/order"
        )
        try:
            await self._post(path, to_payload(request))
        except RequestRejected as err:
            self._reject(order, err)
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])

    async def _send_submit_list(self, order_list: OrderList) -> None:
        try:
            request = place_order_list(order_list, td_mode=self._td_mode)
        except NotSupported as exc:
            for order in order_list:
                self._not_supported(order, exc)
            return
        a, b = order_list.orders
        tp, sl = (
            (a, b)
            if a.order_type in (OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED)
            else (b, a)
        )
        self._oco[str(order_list.order_list_id)] = (tp, sl)
        try:
            await self._post("/api/v5/trade/order-algo", to_payload(request))
        except RequestRejected as err:
            for order in order_list:
                self._reject(order, err)
        except (RequestStatusUnknown, TransportError):
            await self._resolve(order_list.orders)

    def _oco_of(self, order: Order) -> str | None:
        for list_id, pair in self._oco.items():
            if order in pair:
                return list_id
        return None

    async def _send_modify(
        self,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        req_id = f"r{next(self._req_ids)}"
        try:
            request = amend_order(order, quantity, price, trigger_price, req_id=req_id)
        except NotSupported as exc:
            self._modify_refused(
                order,
                RequestRejected(str(exc), reject_code=RejectCode.VENUE_REJECTED.value),
            )
            return
        algo = isinstance(request, AmendAlgoRequest)
        path = "/api/v5/trade/amend-algos" if algo else "/api/v5/trade/amend-order"
        try:
            await self._post(path, to_payload(request))
        except RequestRejected as err:
            self._modify_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        if algo:
            # the algo channel carries the new values but no amend result: answer here
            self.flow.emit(
                self.flow.events.updated(
                    order,
                    quantity=order.quantity if quantity is UNSET else quantity,
                    price=None if price is UNSET else price,
                    trigger_price=None if trigger_price is UNSET else trigger_price,
                    venue_order_id=order.venue_order_id,
                    account_id=self.account_id,
                )
            )

    async def _send_cancel(self, order: Order) -> None:
        list_id = self._oco_of(order)
        if list_id is not None:
            payload: Any = [
                to_payload(
                    AlgoCancelRequest(
                        self.symbols.venue_symbol(order.instrument_id),
                        algo_id=str(order.venue_order_id or ""),
                        algo_cl_ord_id="" if order.venue_order_id else list_id,
                    )
                )
            ]
            path = "/api/v5/trade/cancel-algos"
        else:
            request = cancel_order(order)
            if isinstance(request, AlgoCancelRequest):
                if order.ts_triggered is not None and order.venue_order_id is not None:
                    child = next((k for k, v in self._algo_children.items() if v is order), None)
                    if child is not None:
                        request = None  # type: ignore[assignment]
                        payload = {
                            "instId": self.symbols.venue_symbol(order.instrument_id),
                            "ordId": child,
                        }
                        path = "/api/v5/trade/cancel-order"
                if request is not None:
                    if order.venue_order_id:
                        request = msgspec.structs.replace(
                            request, algo_id=str(order.venue_order_id), algo_cl_ord_id=""
                        )
                    payload = [to_payload(request)]
                    path = "/api/v5/trade/cancel-algos"
            else:
                payload = to_payload(request)
                path = "/api/v5/trade/cancel-order"
        try:
            await self._post(path, payload)
        except RequestRejected as err:
            self._cancel_refused(order, err)
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])

    async def _send_cancel_all(
        self, instrument_id: InstrumentId, side: OrderSide | None, targets: list[Order]
    ) -> None:
        # OKX has no cancel-all for spot and swaps: one cancel per order (this also leaves
        # orders placed outside Lyra alone)
        for order in targets:
            self._command(order.client_order_id, self._send_cancel, order)

    # -- reconcile ----------------------------------------------------------------------------
    async def _query(
        self, since_ns: int, instrument_ids: tuple[InstrumentId, ...] | None
    ) -> ReconciliationReport:
        now = self.now_ns()
        now_ms = self.server_clock.now_ms()
        since_ms = since_ns // _MS
        complete = True
        if now_ms - since_ms > 3 * _DAY_MS:
            since_ms = now_ms - 3 * _DAY_MS + 1000  # /trade/fills covers three days
            complete = False
        aid = str(self.account_id)
        kind = [("instType", self._inst_type)]
        wanted = None if instrument_ids is None else set(instrument_ids)
        pending = await self._get("/api/v5/trade/orders-pending", kind, OrderData)
        history = await self._get(
            "/api/v5/trade/orders-history", [*kind, ("begin", str(since_ms))], OrderData
        )
        fills = await self._get("/api/v5/trade/fills", [*kind, ("begin", str(since_ms))], FillData)
        complete = complete and len(history) < 100 and len(fills) < 100
        algos: list[AlgoOrderData] = []
        for ord_type in _ALGO_KINDS:
            algos += await self._get(
                "/api/v5/trade/orders-algo-pending", [("ordType", ord_type)], AlgoOrderData
            )
            algos += await self._get(
                "/api/v5/trade/orders-algo-history",
                [("ordType", ord_type), ("state", "effective,canceled,order_failed")],
                AlgoOrderData,
            )
        # orders an algo placed belong to the Lyra order of the algo
        children: dict[str, OrderData] = {}
        reports: dict[str, OrderStatusReport] = {}
        for data in [*pending, *history]:
            inst = self.symbols.find(data.inst_id)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            if data.algo_id:
                children[data.ord_id] = data
                continue
            if data.ord_id in reports:
                continue
            reports[data.ord_id] = _normalise_report(order_status_report(data, aid, now), inst)
        algo_of_child: dict[str, tuple[str, str]] = {}
        for algo in algos:
            inst = self.symbols.find(algo.inst_id)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            for order, report in self._algo_reports(algo, inst, children, now):
                reports[f"{algo.algo_id}:{order.client_order_id}"] = report
            if algo.ord_id:
                fired = self._algo_fired(algo)
                if fired is not None:
                    algo_of_child[algo.ord_id] = (algo.algo_id, str(fired.client_order_id))
        fill_reports: list[FillReport] = []
        for f in fills:
            inst = self.symbols.find(f.inst_id)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            fr = _normalise_fill(fill_report(f, aid, now), inst)
            owner = algo_of_child.get(f.ord_id)
            if owner is not None:
                fr = msgspec.structs.replace(
                    fr,
                    venue_order_id=VenueOrderId(owner[0]),
                    client_order_id=ClientOrderId(owner[1]),
                )
            fill_reports.append(fr)
        balances: list[BalanceReport] = []
        for data in await self._get("/api/v5/account/balance", [], BalanceData):
            balances += [b for b in balance_reports(data, aid, now) if not (b.total.is_zero())]
        positions: list[PositionStatusReport] = []
        if self._inst_type != "SPOT":
            for p in await self._get("/api/v5/account/positions", kind, PositionData):
                inst = self.symbols.find(p.inst_id)
                if inst is None or (wanted is not None and inst.id not in wanted):
                    continue
                pos = position_report(p, aid, now)
                positions.append(
                    msgspec.structs.replace(
                        pos, quantity=inst.make_qty(pos.quantity, check_bounds=False)
                    )
                )
        fill_reports.sort(key=lambda f: (f.ts_event, f.trade_id))
        return ReconciliationReport(
            venue=self.venue,
            account_id=self.account_id,
            since_ns=since_ns,
            instrument_ids=instrument_ids,
            orders=tuple(reports.values()),
            fills=tuple(fill_reports),
            positions=tuple(positions),
            balances=tuple(balances),
            complete=complete,
            ts_event=now_ms * _MS,
            ts_init=now,
        )

    def _algo_fired(self, algo: AlgoOrderData) -> Order | None:
        orders = self._algo_orders(algo.algo_cl_ord_id)
        if not orders:
            return None
        if len(orders) == 2:
            return orders[0] if algo.actual_side == "tp" else orders[1]
        return orders[0]

    def _algo_reports(
        self,
        algo: AlgoOrderData,
        inst: Instrument,
        children: Mapping[str, OrderData],
        now: int,
    ) -> list[tuple[Order, OrderStatusReport]]:
        orders = self._algo_orders(algo.algo_cl_ord_id)
        fired = self._algo_fired(algo)
        child = children.get(algo.ord_id) if algo.ord_id else None
        out = []
        for order in orders:
            status = {
                "live": _S.ACCEPTED,
                "pause": _S.ACCEPTED,
                "partially_effective": _S.TRIGGERED,
                "effective": _S.TRIGGERED,
                "canceled": _S.CANCELED,
                "order_failed": _S.REJECTED,
                "partially_failed": _S.REJECTED,
            }.get(algo.state, _S.ACCEPTED)
            filled = Quantity.zero(inst.size_precision)
            avg = None
            if status is _S.TRIGGERED:
                if order is not fired:
                    status = _S.CANCELED
                elif child is not None:
                    status = {
                        "filled": _S.FILLED,
                        "partially_filled": _S.PARTIALLY_FILLED,
                        "canceled": _S.CANCELED,
                        "mmp_canceled": _S.CANCELED,
                    }.get(child.state, _S.TRIGGERED)
                    filled = inst.make_qty(child.acc_fill_sz or "0", check_bounds=False)
                    avg = Decimal(child.avg_px) if child.avg_px else None
            out.append(
                (
                    order,
                    OrderStatusReport(
                        account_id=self.account_id,
                        instrument_id=inst.id,
                        venue_order_id=VenueOrderId(algo.algo_id),
                        client_order_id=order.client_order_id,
                        side=order.side,
                        order_type=order.order_type,
                        time_in_force=TimeInForce.GTC,
                        status=status,
                        quantity=order.quantity,
                        filled_qty=filled,
                        price=order.price,
                        trigger_price=order.trigger_price,
                        trigger_type=order.trigger_type
                        if order.trigger_type is not TriggerType.NO_TRIGGER
                        else TriggerType.NO_TRIGGER,
                        avg_px=avg,
                        reduce_only=order.reduce_only,
                        ts_accepted=int(algo.c_time or "0") * _MS or None,
                        ts_last=int(algo.u_time or "0") * _MS,
                        ts_init=now,
                    ),
                )
            )
        return out

    def __repr__(self) -> str:
        return (
            f"OkxVenue({self.market}, {self.account_id}, {self.status.name}, "
            f"{len(self.symbols)} instruments)"
        )


def _is_pong(frame: Frame) -> bool:
    return frame == "pong" or frame == b"pong"


def _modify_code(code: RejectCode | None) -> RejectCode:
    if code is None or code == RejectCode.NOT_SUPPORTED:
        return RejectCode.VENUE_REJECTED
    return code


def _zero_fee(instrument: Instrument) -> Any:
    from lyra.model.values import Money

    return Money.zero(instrument.quote_currency)


def _normalise_report(report: OrderStatusReport, inst: Instrument) -> OrderStatusReport:
    """Quantities and prices at the instrument's precision (OKX trims trailing zeros)."""
    return msgspec.structs.replace(
        report,
        quantity=inst.make_qty(report.quantity, check_bounds=False),
        filled_qty=inst.make_qty(report.filled_qty, check_bounds=False),
        price=None if report.price is None else inst.make_price(report.price, check_bounds=False),
    )


def _normalise_fill(report: FillReport, inst: Instrument) -> FillReport:
    return msgspec.structs.replace(
        report,
        last_qty=inst.make_qty(report.last_qty, check_bounds=False),
        last_px=inst.make_price(report.last_px, check_bounds=False),
    )


def _data_only(caps: VenueCapabilities) -> VenueCapabilities:
    """Capabilities of a venue without credentials: it takes no orders."""
    return msgspec.structs.replace(
        caps,
        order_types=frozenset(),
        quote_quantity=frozenset(),
        contingencies=(),
        amend=AmendMode.NONE,
        amend_quantity=False,
        amend_quantity_increase=False,
        amend_price=False,
        amend_trigger_price=False,
        amend_order_types=None,
    )
