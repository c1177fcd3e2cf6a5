"""The Kraken venue: :class:`KrakenVenue` (spot, websocket v2 and REST).

It implements :class:`lyra.venue.Venue` on :class:`~lyra.adapters.LiveVenue`, as a thin
layer over the Kraken modules beside it (signing, messages, book, market, orders, reports,
codes, symbols):

* **Connect** (``async with``): load the pairs (``GET /0/public/AssetPairs``: instruments,
  the REST/v1/v2 names of each pair, the checksum precisions), then, with credentials,
  fetch a websocket token (``POST /0/private/GetWebSocketsToken``, signed with
  ``API-Sign`` and a rising nonce), open the private websocket and subscribe to
  ``executions``. A new token is fetched for every new private connection.
* **Orders** go over the private websocket: ``add_order``, ``amend_order`` (in place: the
  order keeps its ids and, where Kraken allows, its queue position) and ``cancel_order``,
  each with the token. The reply only says whether the request was taken (or why not:
  the error string -> :mod:`~lyra.adapters.kraken.codes`); what happens to the order
  arrives on ``executions`` and goes through ``OrderFlow.emit``, which drops duplicates. A
  reply that never comes (timeout, connection lost, ``EGeneral:Internal error``) is
  resolved by reconciling the order over REST. :meth:`KrakenVenue.cancel_all_account_orders`
  sends ``cancel_all`` (every order of the account, placed by Lyra or not).
* **Market data** on the public websocket: ``book`` (depth 10 .. 1000, default
  ``book_depth``) kept by :class:`~lyra.adapters.kraken.book.KrakenBookSync`, which checks
  the CRC32 checksum after every message -- a mismatch (or an unreadable frame)
  resubscribes the book, which brings a fresh snapshot (published with ``F_SNAPSHOT``);
  ``ticker`` with ``event_trigger: bbo`` as ``QuoteTick``; ``trade`` as ``TradeTick``.
* **Keep-alive**: ``{"method": "ping"}`` every ``ping_interval_s``, the ``pong`` swallowed;
  a connection silent for ``idle_timeout_s`` (Kraken sends a heartbeat every second) is
  reconnected.
* **Reconnects**: losing the private stream publishes RECONNECTING; once it is subscribed
  again (with a new token) every working order is reconciled before CONNECTED. Losing the
  public stream resubscribes every channel, and each book restarts from its snapshot.
* **Reconcile**: ``OpenOrders``, ``ClosedOrders`` and ``TradesHistory`` since the time
  asked (paged by ``ofs``), and ``BalanceEx``.

Private REST calls are sent one at a time, so their nonces reach Kraken in order.
Point ``urls`` at :class:`lyra.testing.FakeKraken` (``fake.urls``) to trade without
money; Kraken has no spot sandbox. aiohttp and websockets make this adapter asyncio-only.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import msgspec

from lyra import topics
from lyra.adapters.live import FeedKey, LiveVenue
from lyra.adapters.ratelimit import Backoff
from lyra.adapters.rest import PreparedRequest, RestClient
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
from lyra.model.enums import OrderSide, OrderType
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.capabilities import AmendMode, VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.events import AnomalyKind
from lyra.venue.reports import (
    BalanceReport,
    FillReport,
    OrderStatusReport,
    ReconciliationReport,
)
from lyra.venue.unset import Unset

from .book import DEPTHS, BookApplied, KrakenBookSync, ResyncNeeded
from .codes import VENUE_NAME, reason, to_error
from .market import quote_tick, trade_tick
from .messages import (
    AssetPairData,
    BalanceEx,
    BookMessage,
    ExecutionData,
    ExecutionsMessage,
    MethodResponse,
    OpenOrderInfo,
    OpenOrdersResult,
    RestResponse,
    StatusMessage,
    TickerMessage,
    TradesHistoryResult,
    TradesMessage,
    WebSocketsToken,
    decode_ws,
    subscribe_request,
)
from .orders import (
    CAPABILITIES,
    UpdateKind,
    add_order,
    amend_order,
    cancel_order,
    encode_request,
    execution_update,
)
from .reports import balance_reports, fill_report, order_status_report
from .signing import WEBSOCKETS_TOKEN_PATH, KrakenCredentials, NonceSource
from .symbols import KrakenSymbols, instrument_from_asset_pair

__all__ = (
    "PRODUCTION",
    "KrakenErrorMapper",
    "KrakenSigner",
    "KrakenUrls",
    "KrakenVenue",
)

_NS: Final = 1_000_000_000
_MAX_PAGES: Final = 20
_PAGE: Final = 50
_TRIGGERED_TYPES: Final = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
        OrderType.TRAILING_STOP_LIMIT,
    }
)


class KrakenUrls(msgspec.Struct, frozen=True, gc=False):
    """Where Kraken lives: the REST base and the public and private websocket v2 URLs."""

    rest: str
    ws_public: str
    ws_private: str


PRODUCTION: Final = KrakenUrls(
    rest="https://api.kraken.com",
    ws_public="wss://ws.kraken.com/v2",
    ws_private="wss://ws-auth.kraken.com/v2",
)
"""Kraken production (spot)."""


class KrakenSigner:
    """Signs private REST calls: the parameters become the form body, ``nonce`` first, and
    ``API-Key``/``API-Sign`` are added (the bytes signed are the bytes sent)."""

    def __init__(self, credentials: KrakenCredentials, nonces: NonceSource | None = None):
        self._credentials = credentials
        self._nonces = nonces if nonces is not None else NonceSource()

    def sign(self, request: PreparedRequest) -> None:
        """Move the parameters into a signed form body."""
        params = dict(request.params)
        request.params = []
        body, headers = self._credentials.signed_request(request.path, params, self._nonces.next())
        request.body = body.encode()
        request.headers.update(headers)

    def __repr__(self) -> str:
        return f"KrakenSigner({self._credentials!r})"


class _Envelope(msgspec.Struct, gc=False):
    error: list[str] = []


_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)


class KrakenErrorMapper:
    """Kraken answers -> exceptions: the first string of the ``error`` list through
    :func:`~lyra.adapters.kraken.codes.to_error`; a 5xx is an unknown outcome; a refused
    nonce is marked ``clock_skew`` so the request is signed again with a new one."""

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
        if not env.error:
            return None
        error = to_error(env.error[0], http_status=status)
        if isinstance(error, RequestRejected) and "Invalid nonce" in env.error[0]:
            error.clock_skew = True
        return error


class _ClosedOrdersResult(msgspec.Struct, frozen=True, gc=False):
    closed: dict[str, OpenOrderInfo] = {}
    count: int = 0


class _Book:
    """One instrument's book feed: the sync, its symbol, whether a resync is under way."""

    __slots__ = ("instrument", "resyncing", "symbol", "sync", "topic")

    def __init__(self, instrument: Instrument, sync: KrakenBookSync) -> None:
        self.instrument = instrument
        self.symbol = str(instrument.raw_symbol)
        self.sync = sync
        self.topic = topics.book_deltas(instrument.id)
        self.resyncing = False


class KrakenVenue(LiveVenue):
    """Kraken spot as a :class:`lyra.venue.Venue`; see the module docs.

    Args:
        bus: where events and data are published.
        credentials: API key and base64 secret; ``None`` for market data only (every
            order is then denied ``NOT_SUPPORTED`` locally).
        urls: where Kraken is (default :data:`PRODUCTION`; ``FakeKraken.urls`` in tests).
        clock: stamps ``ts_init`` (``None``: wall time).
        account_id: the account id on events (default ``KRAKEN-spot``).
        symbols: load only these v2 symbols (``"BTC/USD"``; default: every pair).
        book_depth: the ``book`` depth when a subscription asks for none (10, 25, 100, 500
            or 1000).
        verify_tls / connect_timeout_s / request_timeout_s / backoff: transport settings.
        ping_interval_s: how often ``{"method": "ping"}`` is sent; idle_timeout_s: a
            connection silent this long is reconnected.
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        credentials: KrakenCredentials | None = None,
        urls: KrakenUrls = PRODUCTION,
        clock: Clock | Callable[[], int] | None = None,
        account_id: str | None = None,
        symbols: Iterable[str] | None = None,
        book_depth: int = 100,
        verify_tls: bool = True,
        connect_timeout_s: float = 10.0,
        request_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        ping_interval_s: float = 15.0,
        idle_timeout_s: float | None = 45.0,
    ) -> None:
        if not isinstance(urls, KrakenUrls):
            raise InvalidInput("urls", "must be KrakenUrls", urls)
        if credentials is not None and not isinstance(credentials, KrakenCredentials):
            raise InvalidInput("credentials", "must be KrakenCredentials or None")
        if book_depth not in DEPTHS:
            raise InvalidInput("book_depth", "must be one of 10, 25, 100, 500, 1000", book_depth)
        if not ping_interval_s > 0:
            raise InvalidInput("ping_interval_s", "must be > 0", ping_interval_s)
        caps = CAPABILITIES if credentials is not None else _data_only(CAPABILITIES)
        super().__init__(
            VENUE_NAME,
            account_id or "KRAKEN-spot",
            bus=bus,
            clock=clock,
            capabilities=caps,
        )
        self.urls = urls
        self._credentials = credentials
        self._wanted = None if symbols is None else frozenset(symbols)
        self._default_depth = book_depth
        self._verify_tls = verify_tls
        self._connect_timeout_s = connect_timeout_s
        self._request_timeout_s = request_timeout_s
        self._backoff = backoff if backoff is not None else Backoff()
        self._heartbeat = WsHeartbeat(
            ping_interval_s=None,
            ping_timeout_s=None,
            app_ping='{"method":"ping"}',
            app_ping_interval_s=ping_interval_s,
            is_pong=_is_pong,
            idle_timeout_s=idle_timeout_s,
        )
        self.rest = RestClient(
            urls.rest,
            venue=VENUE_NAME,
            error_mapper=KrakenErrorMapper(),
            signer=None if credentials is None else KrakenSigner(credentials),
            timeout_s=request_timeout_s,
            verify_tls=verify_tls,
            user_agent="lyra-kraken",
        )
        self.symbols = KrakenSymbols()
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._precisions: dict[InstrumentId, tuple[int, int]] = {}
        #: pairs of AssetPairs that could not be read, with why
        self.skipped_instruments: dict[str, str] = {}
        self._public: WebSocketClient | None = None
        self._public_ready: Any = None
        self._private: WebSocketClient | None = None
        self._private_ready: Any = None
        self._private_error: VenueError | None = None
        self._private_number = 0
        self._token = ""
        self._fresh_token = ""
        self._pending: dict[int, list[Any]] = {}
        self._books: dict[str, _Book] = {}
        self._quotes: dict[str, Instrument] = {}
        self._trades: dict[str, Instrument] = {}
        self._req_ids = itertools.count(1)
        self._rest_lock: Any = None
        self._recovering = False
        self._malformed_count = 0
        #: the exchange's state from the ``status`` channel (``online``, ``maintenance``,
        #: ``cancel_only``, ``post_only``; ``""`` before the first message)
        self.system_status = ""

    # -- info -------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The instruments loaded at connect time."""
        return tuple(self._instruments.values())

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        """A loaded instrument (``InvalidInput`` when Kraken does not list it)."""
        found = self._instruments.get(InstrumentId(instrument_id))
        if found is None:
            raise InvalidInput("instrument_id", "is not a loaded Kraken pair", instrument_id)
        return found

    def book_sync(self, instrument_id: InstrumentId | str) -> KrakenBookSync | None:
        """The sync of a subscribed instrument's book (``None`` if not subscribed)."""
        inst = self._instruments.get(InstrumentId(instrument_id))
        feed = None if inst is None else self._books.get(str(inst.raw_symbol))
        return None if feed is None else feed.sync

    @property
    def malformed_messages(self) -> int:
        """How many frames could not be read."""
        return self._malformed_count

    def _check_instrument(self, instrument_id: InstrumentId) -> None:
        if self._instruments and instrument_id not in self._instruments:
            raise InvalidInput("instrument_id", "is not a loaded Kraken pair", instrument_id)

    # -- lifecycle ----------------------------------------------------------------------------
    async def _open(self) -> None:
        import anyio

        self._rest_lock = anyio.Lock()
        await self.rest.open()
        await self._load_instruments()
        if self._credentials is not None:
            await self._open_private()
            await self.catch_up()

    async def _close(self) -> None:
        for client in (self._public, self._private):
            if client is not None:
                await client.close()
        self._public = self._private = None
        self._fail_pending()
        for feed in self._books.values():
            feed.sync.reset()
        self._books.clear()
        self._quotes.clear()
        self._trades.clear()
        await self.rest.close()

    async def _load_instruments(self) -> None:
        resp = await self.rest.request(
            "GET", "/0/public/AssetPairs", response_type=RestResponse[dict[str, AssetPairData]]
        )
        now = self.now_ns()
        pairs: dict[str, AssetPairData] = {}
        for key, pair in (resp.result or {}).items():
            try:
                inst = instrument_from_asset_pair(pair, now, key=key)
            except (InvalidInput, ValueError) as exc:
                self.skipped_instruments[key] = str(exc)
                continue
            if self._wanted is not None and str(inst.raw_symbol) not in self._wanted:
                continue
            pairs[key] = pair
            self._instruments[inst.id] = inst
            self._precisions[inst.id] = (pair.pair_decimals, pair.lot_decimals)
        self.symbols = KrakenSymbols.from_asset_pairs(pairs)

    async def _private_post(self, path: str, params: list[tuple[str, str]], kind: Any) -> Any:
        """A signed private call, one at a time so nonces arrive in order."""
        async with self._rest_lock:
            resp = await self.rest.request(
                "POST", path, params, signed=True, idempotent=True, response_type=RestResponse[kind]
            )
        return resp.result

    # -- the private stream ---------------------------------------------------------------------
    async def _open_private(self) -> None:
        import anyio

        assert self._tg is not None
        self._private_ready = anyio.Event()
        self._private_error = None
        self._fresh_token = await self._fetch_token()
        client = self._private = WebSocketClient(
            self.urls.ws_private,
            name="Kraken private",
            on_message=self._on_private,
            on_open=self._private_open,
            on_connected=self._private_connected,
            on_disconnected=self._private_lost,
            heartbeat=self._heartbeat,
            backoff=self._backoff,
            connect_timeout_s=self._connect_timeout_s,
            verify_tls=self._verify_tls,
        )
        await self._tg.start(client.run)
        with anyio.fail_after(self._connect_timeout_s):
            await self._private_ready.wait()
        if self._private_error is not None:
            raise self._private_error

    async def _fetch_token(self) -> str:
        token: WebSocketsToken = await self._private_post(
            WEBSOCKETS_TOKEN_PATH, [], WebSocketsToken
        )
        return token.token

    async def _private_open(self, client: WebSocketClient) -> None:
        # a new connection needs a new token (the first one is fetched before connecting,
        # so that refused credentials raise as themselves)
        fresh, self._fresh_token = self._fresh_token, ""
        self._token = fresh or await self._fetch_token()
        request = subscribe_request("executions", token=self._token, req_id=next(self._req_ids))
        request["params"].update(snap_orders=False, snap_trades=False, order_status=True)
        await client.send(json.dumps(request))

    def _private_connected(self, number: int) -> None:
        self._private_number = number

    def _private_lost(self, why: str) -> None:
        self._fail_pending()
        self.connection_lost(f"private stream: {why}")

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for slot in pending.values():
            slot[0].set()

    def _on_private(self, frame: Frame) -> None:
        try:
            msg = decode_ws(frame)
        except InvalidInput as exc:
            self._malformed("private", frame, exc)
            self._user_malformed()
            return
        if type(msg) is ExecutionsMessage:
            if msg.type == "snapshot":
                return  # open orders are reconciled over REST, not from the snapshot
            for data in msg.data:
                self._on_execution(data, frame)
        elif type(msg) is MethodResponse:
            slot = self._pending.pop(msg.req_id, None) if msg.req_id is not None else None
            if slot is not None:
                slot[1] = msg
                slot[2] = frame
                slot[0].set()
            elif msg.method == "subscribe" and (
                msg.result is None or msg.result.channel in ("executions", "")
            ):
                self._executions_subscribed(msg)
        elif type(msg) is StatusMessage and msg.data:
            self.system_status = msg.data[0].system

    def _executions_subscribed(self, msg: MethodResponse) -> None:
        ready = self._private_ready
        if not msg.success:
            error = to_error(msg.error or "EGeneral:Unknown error")
            if ready is not None and not ready.is_set():
                self._private_error = error
                ready.set()
            else:
                self.flow.anomaly(
                    AnomalyKind.UNRECONCILED, f"executions: {reason(msg.error)}; reconnecting"
                )
                if self._private is not None:
                    self._spawn(self._private.drop, "executions subscription refused")
            return
        if ready is not None and not ready.is_set():
            ready.set()
        if self._private_number > 1:
            self.connection_restored()

    async def _request(self, method: str, params: Any) -> MethodResponse:
        """Send a private request and wait for its reply; ``RequestStatusUnknown`` when none
        comes (timeout, connection lost), ``TransportError`` when it cannot be sent."""
        return (await self._exchange(method, params))[0]

    async def _exchange(self, method: str, params: Any) -> tuple[MethodResponse, Frame]:
        import anyio

        client = self._private
        if client is None or not client.connected:
            raise TransportError(f"{method}: the private stream is not connected", venue=VENUE_NAME)
        req_id = next(self._req_ids)
        slot: list[Any] = [anyio.Event(), None, b""]
        self._pending[req_id] = slot
        params = msgspec.structs.replace(params, token=self._token)
        try:
            await client.send(encode_request(method, params, req_id).decode())
            with anyio.move_on_after(self._request_timeout_s):
                await slot[0].wait()
        finally:
            self._pending.pop(req_id, None)
        response: MethodResponse | None = slot[1]
        if response is None:
            raise RequestStatusUnknown(f"{method}: no answer", venue=VENUE_NAME)
        return response, slot[2]

    # -- order events -------------------------------------------------------------------------
    def _on_execution(self, data: ExecutionData, frame: Frame) -> None:
        flow = self.flow
        order = flow.get(data.cl_ord_id) if data.cl_ord_id else None
        if order is None and data.order_id:
            order = flow.find(data.order_id)
        if order is None:
            flow.anomaly(
                AnomalyKind.UNKNOWN_ORDER,
                f"executions {data.exec_type} for order {data.order_id} ({data.cl_ord_id}), "
                "which Lyra does not track here",
                venue_order_id=data.order_id,
            )
            return
        try:
            update = execution_update(data)
        except InvalidInput as exc:
            self._malformed("executions", frame, exc)
            self._user_malformed()
            return
        inst = self._instruments.get(order.instrument_id)
        if inst is None:
            return
        ev = flow.events
        aid = self.account_id
        vid = data.order_id or str(order.venue_order_id or "")
        ts = update.ts_event or None
        kind = update.kind
        if kind is UpdateKind.ACCEPTED:
            flow.emit(ev.accepted(order, vid, account_id=aid, ts_event=ts))
        elif kind is UpdateKind.FILL:
            fill = update.fill
            assert fill is not None
            if (
                order.order_type in _TRIGGERED_TYPES
                and order.ts_triggered is None
                and not order.is_closed
            ):
                # Kraken does not always say that the trigger fired before the fill
                flow.emit(ev.triggered(order, venue_order_id=vid, account_id=aid, ts_event=ts))
            commission = fill.commission
            if commission is None:
                commission = Money.zero(inst.quote_currency)
            flow.emit(
                ev.filled(
                    order,
                    trade_id=TradeId(fill.trade_id),
                    last_qty=inst.make_qty(fill.last_qty, check_bounds=False),
                    last_px=inst.make_price(fill.last_px, check_bounds=False),
                    commission=commission,
                    liquidity_side=fill.liquidity_side,
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=fill.ts_event or ts,
                )
            )
        elif kind is UpdateKind.UPDATED:
            flow.emit(
                ev.updated(
                    order,
                    quantity=(
                        inst.make_qty(update.quantity, check_bounds=False)
                        if update.quantity is not None
                        else order.quantity
                    ),
                    price=(
                        inst.make_price(update.price, check_bounds=False)
                        if update.price is not None and order.price is not None
                        else None
                    ),
                    trigger_price=(
                        inst.make_price(update.trigger_price, check_bounds=False)
                        if update.trigger_price is not None and order.trigger_price is not None
                        else None
                    ),
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )
        elif kind is UpdateKind.CANCELED:
            flow.emit(ev.canceled(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        elif kind is UpdateKind.EXPIRED:
            flow.emit(ev.expired(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        elif kind is UpdateKind.REJECTED:
            code = update.reject_code or RejectCode.VENUE_REJECTED
            flow.emit(
                ev.rejected(
                    order,
                    reason(update.reason or "canceled"),
                    code,
                    due_post_only=code == RejectCode.POST_ONLY_WOULD_TAKE,
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )
        elif kind is UpdateKind.TRIGGERED and order.ts_triggered is None and not order.is_closed:
            flow.emit(ev.triggered(order, venue_order_id=vid, account_id=aid, ts_event=ts))

    # -- commands -----------------------------------------------------------------------------
    def _reject(self, order: Order, error: str, code: RejectCode) -> None:
        self.flow.emit(
            self.flow.events.rejected(
                order,
                reason(error),
                code,
                due_post_only=code == RejectCode.POST_ONLY_WOULD_TAKE,
                account_id=self.account_id,
            )
        )

    def _not_supported(self, order: Order, exc: NotSupported) -> None:
        self.flow.emit(
            self.flow.events.rejected(
                order, f"KRAKEN: {exc}", RejectCode.NOT_SUPPORTED, account_id=self.account_id
            )
        )

    async def _resolve(self, orders: Iterable[Order]) -> None:
        import anyio

        await anyio.sleep(0.05)
        await self.catch_up(list(orders))

    async def _call(self, method: str, params: Any, orders: list[Order]) -> MethodResponse | None:
        """Send a request; ``None`` when its outcome is unknown (the orders are then
        reconciled), else the reply (``success`` false carries the error)."""
        try:
            response = await self._request(method, params)
        except (RequestStatusUnknown, TransportError):
            await self._resolve(orders)
            return None
        if not response.success and isinstance(
            to_error(response.error or "EGeneral:Unknown error"), RequestStatusUnknown
        ):
            await self._resolve(orders)
            return None
        return response

    async def _send_submit(self, order: Order) -> None:
        try:
            params = add_order(order)
        except NotSupported as exc:
            self._not_supported(order, exc)
            return
        response = await self._call("add_order", params, [order])
        if response is not None and not response.success:
            error = response.error or "EGeneral:Unknown error"
            err = to_error(error)
            code = RejectCode(err.code) if isinstance(err, RequestRejected) else None
            self._reject(order, error, code or RejectCode.VENUE_REJECTED)

    async def _send_submit_list(self, order_list: OrderList) -> None:
        # CAPABILITIES declares no native list, so OrderFlow never lets one through
        exc = NotSupported("order lists: Kraken spot has no native OCO/OTO", venue=VENUE_NAME)
        for order in order_list:
            self._not_supported(order, exc)

    async def _send_modify(
        self,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        try:
            params = amend_order(order, quantity, price, trigger_price)
        except NotSupported as exc:
            self._modify_refused(order, f"EGeneral:Invalid arguments:{exc}")
            return
        response = await self._call("amend_order", params, [order])
        if response is not None and not response.success:
            self._modify_refused(order, response.error or "EGeneral:Unknown error")

    def _modify_refused(self, order: Order, error: str) -> None:
        err = to_error(error)
        code = RejectCode(err.code) if isinstance(err, RequestRejected) else None
        if code is None or code == RejectCode.NOT_SUPPORTED:
            code = RejectCode.VENUE_REJECTED
        self.flow.emit(
            self.flow.events.modify_rejected(
                order,
                reason(error),
                code,
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    async def _send_cancel(self, order: Order) -> None:
        response = await self._call("cancel_order", cancel_order(order), [order])
        if response is None or response.success:
            return
        error = response.error or "EGeneral:Unknown error"
        err = to_error(error)
        code = RejectCode(err.code) if isinstance(err, RequestRejected) else None
        if code not in (RejectCode.UNKNOWN_ORDER, RejectCode.RATE_LIMITED):
            code = RejectCode.VENUE_REJECTED
        self.flow.emit(
            self.flow.events.cancel_rejected(
                order,
                reason(error),
                code,
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    async def _send_cancel_all(
        self, instrument_id: InstrumentId, side: OrderSide | None, targets: list[Order]
    ) -> None:
        # Kraken's cancel_all takes every order of the account, on every pair and side: one
        # cancel per order keeps orders placed outside this call alone
        for order in targets:
            self._command(order.client_order_id, self._send_cancel, order)

    async def cancel_all_account_orders(self) -> int:
        """Send Kraken's ``cancel_all``: every open order of the account, on every pair,
        placed through Lyra or not. Returns how many Kraken canceled; the cancels arrive
        as events."""
        from lyra.adapters.kraken.orders import CancelOrderParams

        response, frame = await self._exchange("cancel_all", CancelOrderParams())
        if not response.success:
            raise to_error(response.error or "EGeneral:Unknown error")
        return _count(frame)

    # -- malformed messages -------------------------------------------------------------------
    def _malformed(self, kind: str, raw: Frame, exc: Exception) -> None:
        self._malformed_count += 1
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        error = MalformedMessage(f"{kind}: {exc}", kind=kind, excerpt=text, venue=VENUE_NAME)
        self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"{error.kind}: {error} [{error.excerpt[:120]}]")

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
            name="Kraken public",
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

    def _public_lost(self, why: str) -> None:
        for feed in self._books.values():
            feed.sync.reset()

    def _depth(self, iid: InstrumentId) -> int:
        return self.book_depth(iid) or self._default_depth

    def _sub_message(self, kind: str, symbol: str, iid: InstrumentId, *, unsub: bool) -> str:
        if kind == "book":
            req = subscribe_request("book", [symbol], depth=self._depth(iid), unsubscribe=unsub)
        elif kind == "quotes":
            req = subscribe_request("ticker", [symbol], unsubscribe=unsub)
            req["params"]["event_trigger"] = "bbo"
        else:
            req = subscribe_request("trade", [symbol], snapshot=False, unsubscribe=unsub)
        return json.dumps(req)

    async def _start_feed(self, key: FeedKey) -> None:
        kind, target = key
        if kind == "bars":
            raise NotSupported("bars: Kraken ohlc is not offered by this adapter", venue=self.venue)
        iid = InstrumentId(target)
        inst = self.instrument(iid)
        symbol = str(inst.raw_symbol)
        if kind == "book":
            pp, qp = self._precisions[iid]
            sync = KrakenBookSync(inst, self._depth(iid), price_precision=pp, qty_precision=qp)
            self._books[symbol] = _Book(inst, sync)
        elif kind == "quotes":
            self._quotes[symbol] = inst
        else:
            self._trades[symbol] = inst
        client = await self._public_client()
        await client.subscribe(
            f"{kind}:{symbol}", self._sub_message(kind, symbol, iid, unsub=False)
        )

    async def _stop_feed(self, key: FeedKey) -> None:
        kind, target = key
        if kind == "bars":
            return
        iid = InstrumentId(target)
        inst = self._instruments.get(iid)
        if inst is None:
            return
        symbol = str(inst.raw_symbol)
        message = self._sub_message(kind, symbol, iid, unsub=True)
        if kind == "book":
            self._books.pop(symbol, None)
        elif kind == "quotes":
            self._quotes.pop(symbol, None)
        else:
            self._trades.pop(symbol, None)
        client = self._public
        if client is not None:
            await client.unsubscribe(f"{kind}:{symbol}", message if client.connected else None)

    def _on_public(self, frame: Frame) -> None:
        try:
            msg = decode_ws(frame)
        except InvalidInput as exc:
            self._malformed("public", frame, exc)
            # the lost frame may have been a book update: start every book again
            for feed in self._books.values():
                feed.sync.reset()
                self._resync(feed)
            return
        if isinstance(msg, BookMessage):
            self._on_book(msg)
        elif isinstance(msg, TradesMessage):
            if msg.type == "snapshot":
                return  # history, not new trades
            now = self.now_ns()
            bus = self.bus
            for data in msg.data:
                inst = self._trades.get(data.symbol)
                if inst is not None:
                    bus.publish(topics.trades(inst.id), trade_tick(data, inst, now))
        elif isinstance(msg, TickerMessage):
            now = self.now_ns()
            for tick in msg.data:
                found = self._quotes.get(tick.symbol)
                if found is not None:
                    quote = quote_tick(tick, found, now)
                    if quote is not None:
                        self.bus.publish(topics.quotes(found.id), quote)
        elif isinstance(msg, MethodResponse):
            err = msg.error
            if not msg.success and "Already subscribed" not in err and "Not Found" not in err:
                self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"public stream: {reason(err)}")
        elif isinstance(msg, StatusMessage) and msg.data:
            self.system_status = msg.data[0].system

    def _on_book(self, msg: BookMessage) -> None:
        snapshot = msg.type == "snapshot"
        now = self.now_ns()
        bus = self.bus
        for data in msg.data:
            feed = self._books.get(data.symbol)
            if feed is None:
                continue
            result = feed.sync.apply_data(data, snapshot, now)
            if type(result) is BookApplied:
                if result.snapshot:
                    feed.resyncing = False
                deltas = result.deltas
                if deltas is not None and bus.has_subscribers(feed.topic):
                    bus.publish(feed.topic, deltas)
                continue
            assert type(result) is ResyncNeeded
            if feed.resyncing:
                continue  # updates still in flight before the new snapshot
            self.flow.anomaly(
                AnomalyKind.SEQUENCE_GAP,
                f"{feed.instrument.id} book: {result.reason.name}: {result.detail}; resubscribing",
            )
            self._resync(feed)

    def _resync(self, feed: _Book) -> None:
        if feed.resyncing or self._tg is None:
            return
        feed.resyncing = True
        self._spawn(self._resubscribe, feed)

    async def _resubscribe(self, feed: _Book) -> None:
        """Kraken sends a book's snapshot on subscribe: unsubscribe, then subscribe again."""
        client = self._public
        if client is None or not client.connected:
            return
        iid = feed.instrument.id
        await client.send(self._sub_message("book", feed.symbol, iid, unsub=True))
        await client.send(self._sub_message("book", feed.symbol, iid, unsub=False))

    # -- reconcile ----------------------------------------------------------------------------
    async def _pages(
        self, path: str, since_s: str, kind: Any, field: str
    ) -> tuple[dict[str, Any], bool]:
        rows: dict[str, Any] = {}
        for page in range(_MAX_PAGES):
            result = await self._private_post(
                path, [("start", since_s), ("ofs", str(page * _PAGE))], kind
            )
            got = getattr(result, field)
            rows.update(got)
            if len(rows) >= result.count or not got:
                return rows, True
        return rows, False

    async def _query(
        self, since_ns: int, instrument_ids: tuple[InstrumentId, ...] | None
    ) -> ReconciliationReport:
        now = self.now_ns()
        aid = str(self.account_id)
        wanted = None if instrument_ids is None else set(instrument_ids)
        since_s = format(Decimal(max(since_ns, 0) - _NS) / _NS, "f")
        opened: OpenOrdersResult = await self._private_post(
            "/0/private/OpenOrders", [], OpenOrdersResult
        )
        closed, closed_done = await self._pages(
            "/0/private/ClosedOrders", since_s, _ClosedOrdersResult, "closed"
        )
        trades, trades_done = await self._pages(
            "/0/private/TradesHistory", since_s, TradesHistoryResult, "trades"
        )
        orders: dict[str, OrderStatusReport] = {}
        for txid, info in [*closed.items(), *opened.open.items()]:
            inst = self._pair(info.descr.pair, wanted)
            if inst is not None:
                orders[txid] = _normalise_report(
                    order_status_report(txid, info, self.symbols, aid, now), inst
                )
        fills: list[FillReport] = []
        for txid, trade in trades.items():
            inst = self._pair(trade.pair, wanted)
            if inst is not None:
                fills.append(
                    _normalise_fill(fill_report(txid, trade, self.symbols, aid, now), inst)
                )
        fills.sort(key=lambda f: (f.ts_event, f.trade_id))
        raw_balances: dict[str, BalanceEx] = await self._private_post(
            "/0/private/BalanceEx", [], dict[str, BalanceEx]
        )
        balances: list[BalanceReport] = [
            b for b in balance_reports(raw_balances, aid, now) if not b.total.is_zero()
        ]
        return ReconciliationReport(
            venue=self.venue,
            account_id=self.account_id,
            since_ns=since_ns,
            instrument_ids=instrument_ids,
            orders=tuple(orders.values()),
            fills=tuple(fills),
            positions=(),
            balances=tuple(balances),
            complete=closed_done and trades_done,
            ts_event=now,
            ts_init=now,
        )

    def _pair(self, name: str, wanted: set[InstrumentId] | None) -> Instrument | None:
        try:
            iid = self.symbols.resolve(name)
        except InvalidInput:
            return None
        if wanted is not None and iid not in wanted:
            return None
        return self._instruments.get(iid)

    def __repr__(self) -> str:
        return (
            f"KrakenVenue({self.account_id}, {self.status.name}, "
            f"{len(self._instruments)} instruments)"
        )


def _is_pong(frame: Frame) -> bool:
    if isinstance(frame, str):
        return frame.startswith('{"method":"pong"')
    return frame.startswith(b'{"method":"pong"')


class _CountResult(msgspec.Struct, frozen=True, gc=False):
    count: int = 0


class _CountReply(msgspec.Struct, frozen=True, gc=False):
    result: _CountResult | None = None


_COUNT: Final = msgspec.json.Decoder(_CountReply)


def _count(frame: Frame) -> int:
    # cancel_all answers {"result": {"count": n}}, which MethodResult does not model
    try:
        reply = _COUNT.decode(frame)
    except msgspec.MsgspecError:
        return 0
    return reply.result.count if reply.result is not None else 0


def _normalise_report(report: OrderStatusReport, inst: Instrument) -> OrderStatusReport:
    """Quantities and prices at the instrument's precision."""
    return msgspec.structs.replace(
        report,
        quantity=inst.make_qty(report.quantity, check_bounds=False),
        filled_qty=inst.make_qty(report.filled_qty, check_bounds=False),
        price=None if report.price is None else inst.make_price(report.price, check_bounds=False),
        trigger_price=(
            None
            if report.trigger_price is None
            else inst.make_price(report.trigger_price, check_bounds=False)
        ),
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
