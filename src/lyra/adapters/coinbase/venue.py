""":class:`CoinbaseVenue`: Coinbase Advanced Trade (spot) as a :class:`lyra.venue.Venue`.

A thin layer over the pure Coinbase modules, on :class:`~lyra.adapters.LiveVenue`:

* **Connect** (``async with``): load the products (``GET /products``, or the public
  ``/market/products`` without a key) as instruments, open the user websocket
  (``advanced-trade-ws-user``), subscribe ``user`` and ``heartbeats`` with a freshly minted
  JWT, wait for Coinbase's ``subscriptions`` answer, and catch up on adopted orders.
* **Authentication**: every REST call carries ``Authorization: Bearer <JWT>`` minted for
  that call by :class:`~lyra.adapters.coinbase.CdpKey` (ES256 or Ed25519; ``uri`` = method,
  host and path); every websocket subscribe carries its own fresh JWT, so a reconnect never
  reuses an expired token.
* **Orders** over REST: ``POST /orders`` (every configuration
  :func:`~lyra.adapters.coinbase.order_configuration` maps), ``POST /orders/batch_cancel``
  (cancel, and cancel-all in batches of 100), ``POST /orders/edit`` (price and size of GTC
  limit orders). The answer acknowledges or refuses (Coinbase's failure reason kept in the
  event's ``reason``; the code from :mod:`~lyra.adapters.coinbase.codes`); what happens
  afterwards arrives on the ``user`` channel, whose cumulative quantities
  :class:`~lyra.adapters.coinbase.UserOrderTracker` turns into fills named
  ``"<order_id>-<cumulative quantity>"``. An answer that never comes is resolved by
  reconciling the order.
* **Market data** on ``advanced-trade-ws``: ``level2`` synced by
  :class:`~lyra.adapters.coinbase.Level2Sync` (snapshot, absolute updates, and the
  connection-wide ``sequence_num``: any gap, on any channel of the connection, clears every
  book and resubscribes it) and published as ``BookDeltas``; quotes are the synced book's
  top of book (Coinbase's ``ticker`` moves only on trades); ``market_trades`` updates as
  ``TradeTick`` (the snapshot of past trades is not republished). ``heartbeats`` keep each
  connection alive; a silent one is dropped and reconnected.
* **Reconcile** (``reconcile()`` and after every reconnect of the user channel): open
  orders, orders and fills since a time (``/orders/historical/batch`` and ``/fills``, all
  pages), balances (``/accounts``). REST fills are reported under the same
  cumulative-quantity ids as live fills, so a fill seen live is never applied twice.
* **Contingencies**: Coinbase has no OCO/OTO/bracket that matches Lyra's contract, so
  :attr:`capabilities` claims none and :class:`~lyra.contingency.ContingencyManager`
  emulates them on this venue.

Point ``urls`` at :class:`lyra.testing.FakeCoinbase` (``fake.urls``) to trade on
localhost. aiohttp and websockets make this adapter asyncio-only (anyio's asyncio backend).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final

import msgspec

from lyra import topics
from lyra.adapters.coinbase._parse import format_rfc3339, rfc3339_ns
from lyra.adapters.coinbase.book import Level2Sync, SequenceTracker, SyncResult, SyncStatus
from lyra.adapters.coinbase.capabilities import CAPABILITIES
from lyra.adapters.coinbase.codes import (
    cancel_rejection,
    create_order_rejection,
    edit_rejection,
    http_error,
    ws_error,
)
from lyra.adapters.coinbase.market import trade_tick
from lyra.adapters.coinbase.messages import (
    CancelOrdersResponse,
    CreateOrderResponse,
    EditOrderResponse,
    Fill as RestFill,
    L2DataMessage,
    ListAccountsResponse,
    Order as RestOrder,
    ProductsResponse,
    SubscribeRequest,
    SubscriptionsMessage,
    TradesMessage,
    UserMessage,
    WsError,
    decode_rest,
    decode_ws,
    encode,
)
from lyra.adapters.coinbase.orders import (
    OrderUpdate,
    UserOrderTracker,
    cancel_orders_request,
    create_order_request,
    edit_order_request,
)
from lyra.adapters.coinbase.reports import balance_report, fill_report, order_status_report
from lyra.adapters.coinbase.signing import CdpKey
from lyra.adapters.coinbase.symbols import load_instruments
from lyra.adapters.coinbase.urls import PRODUCTION, CoinbaseUrls
from lyra.adapters.decoding import MessageDecoder
from lyra.adapters.live import FeedKey, LiveVenue
from lyra.adapters.ratelimit import Backoff, RateWindow, WeightLimiter
from lyra.adapters.rest import PreparedRequest, RestClient
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
from lyra.model.data import QuoteTick
from lyra.model.enums import (
    AccountType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.portfolio.account import AccountBalance, AccountState
from lyra.venue.capabilities import AmendMode, VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.events import AnomalyKind
from lyra.venue.reports import BalanceReport, FillReport, OrderStatusReport, ReconciliationReport
from lyra.venue.unset import UNSET, Unset

__all__ = ("CoinbaseSigner", "CoinbaseVenue", "cumulative_fill_ids")

_API: Final = "/api/v3/brokerage"
_JSON_BODY: Final = "__json_body__"
_PRIVATE: Final = {"PRIVATE": 1}
_PUBLIC: Final = {"PUBLIC": 1}
_S = OrderStatus
_F_LAST_SIDE: Final = {OrderSide.BUY: "BUY", OrderSide.SELL: "SELL"}
_BATCH: Final = 100
_MAX_PAGES: Final = 50


class CoinbaseSigner:
    """Signs REST requests with a fresh CDP JWT per call (``Authorization: Bearer``).

    ``host`` is the REST host signed into the ``uri`` claim. A request whose only parameter
    is the private JSON-body marker gets that text as its JSON body (the toolkit's
    :class:`~lyra.adapters.RestClient` sends parameters in the query string otherwise).
    """

    __slots__ = ("_host", "_key")

    def __init__(self, key: CdpKey, host: str) -> None:
        if not isinstance(key, CdpKey):
            raise InvalidInput("key", "must be a lyra.adapters.coinbase.CdpKey", type(key).__name__)
        self._key = key
        self._host = host

    def sign(self, request: PreparedRequest) -> None:
        """Add the JWT (and move a JSON body into place)."""
        params = request.params
        if len(params) == 1 and params[0][0] == _JSON_BODY:
            request.body = params[0][1].encode()
            request.params = []
            request.headers["Content-Type"] = "application/json"
        token = self._key.rest_jwt(request.method, request.path, host=self._host)
        request.headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"CoinbaseSigner({self._key!r}, host={self._host!r})"


class _ErrorMapper:
    """HTTP errors -> venue errors (an order refusal is a 200 answer, read by the caller)."""

    def error(
        self, status: int, body: bytes, headers: Any, request: PreparedRequest
    ) -> VenueError | None:
        if 200 <= status < 300:
            return None
        retry = headers.get("Retry-After") if headers is not None else None
        try:
            wait = float(retry) if retry is not None else None
        except ValueError:
            wait = None
        return http_error(status, body, retry_after_s=wait)


def cumulative_fill_ids(
    fills: Iterable[FillReport], filled_before: dict[str, Decimal] | None = None
) -> list[FillReport]:
    """REST fills renamed ``"<order_id>-<cumulative quantity>"``, the ids live ``user``
    channel fills get (:class:`~lyra.adapters.coinbase.UserOrderTracker`).

    Fills are taken oldest first per order; ``filled_before`` gives, per venue order id,
    what had filled before the first fill listed (when the list starts after the order's
    first fill). Returns the renamed fills in the order given.
    """
    items = list(fills)
    cum: dict[str, Decimal] = dict(filled_before or {})
    renamed: dict[int, FillReport] = {}
    for i in sorted(range(len(items)), key=lambda j: (items[j].ts_event, j)):
        f = items[i]
        vid = str(f.venue_order_id)
        total = cum.get(vid, Decimal(0)) + f.last_qty.as_decimal()
        cum[vid] = total
        renamed[i] = msgspec.structs.replace(f, trade_id=TradeId(f"{vid}-{total.normalize():f}"))
    return [renamed[i] for i in range(len(items))]


class _Stream:
    """One Coinbase websocket connection: channels subscribed, fresh-JWT resubscription."""

    def __init__(
        self,
        venue: CoinbaseVenue,
        url: str,
        name: str,
        on_frame: Callable[[Frame], None],
        on_connected: Callable[[int], None],
        on_disconnected: Callable[[str], None],
    ) -> None:
        self.venue = venue
        self.channels: dict[str, set[str]] = {"heartbeats": set()}
        self.client = WebSocketClient(
            url,
            name=name,
            on_message=on_frame,
            on_open=self._on_open,
            on_connected=on_connected,
            on_disconnected=on_disconnected,
            heartbeat=venue._heartbeat,
            backoff=venue._backoff,
            connect_timeout_s=venue._connect_timeout_s,
            verify_tls=venue._verify_tls,
        )

    def message(self, kind: str, channel: str, products: Iterable[str]) -> str:
        key = self.venue._key
        request = SubscribeRequest(
            type=kind,  # type: ignore[arg-type]
            product_ids=sorted(products),
            channel=channel,
            jwt=key.ws_jwt() if key is not None else None,
        )
        return encode(request).decode()

    async def _on_open(self, client: WebSocketClient) -> None:
        # a fresh JWT for every subscribe: a token lives two minutes
        for channel, products in list(self.channels.items()):
            await client.send(self.message("subscribe", channel, products))

    async def subscribe(self, channel: str, products: Iterable[str]) -> None:
        wanted = set(products)
        self.channels.setdefault(channel, set()).update(wanted)
        if self.client.connected:
            await self.client.send(self.message("subscribe", channel, wanted))

    async def unsubscribe(self, channel: str, products: Iterable[str]) -> None:
        gone = set(products)
        current = self.channels.get(channel)
        if current is None:
            return
        current.difference_update(gone)
        if not current:
            del self.channels[channel]
        if self.client.connected:
            await self.client.send(self.message("unsubscribe", channel, gone))


class _Product:
    """What the adapter follows of one product (private)."""

    __slots__ = ("book_subs", "instrument", "last_top", "pid", "quote_subs", "resyncing")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.pid = str(instrument.raw_symbol)
        self.book_subs = False
        self.quote_subs = False
        self.resyncing = False
        self.last_top: tuple[Any, ...] | None = None


class CoinbaseVenue(LiveVenue):
    """Coinbase Advanced Trade spot as a :class:`lyra.venue.Venue`; see the module docs.

    Args:
        bus: where events and data are published.
        key: the CDP API key (:class:`~lyra.adapters.coinbase.CdpKey`); ``None`` for market
            data only (every order is then denied ``NOT_SUPPORTED`` locally).
        urls: base URLs (default production; ``FakeCoinbase.urls`` for the fake).
        clock: stamps ``ts_init`` (``None``: wall time).
        venue: the venue name of the instrument ids (``COINBASE``).
        account_id: the account id on events (default ``COINBASE-spot``).
        products: load only these product ids (default: every spot product).
        maker_fee / taker_fee: fee rates put on the instruments (Coinbase's are per account
            tier, not per product).
        retail_portfolio_id: the portfolio orders are placed in (default: the key's).
        verify_tls / connect_timeout_s / request_timeout_s: transport settings.
        backoff: reconnect delays; heartbeat: keep-alive rules (default: websocket pings
            every 20 s and a connection silent for 15 s -- heartbeats come every second --
            is dropped and reconnected).
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        key: CdpKey | None = None,
        urls: CoinbaseUrls = PRODUCTION,
        clock: Clock | Callable[[], int] | None = None,
        venue: str = "COINBASE",
        account_id: str | None = None,
        products: Iterable[str] | None = None,
        maker_fee: Decimal | str = "0.004",
        taker_fee: Decimal | str = "0.006",
        retail_portfolio_id: str | None = None,
        verify_tls: bool = True,
        connect_timeout_s: float = 10.0,
        request_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        heartbeat: WsHeartbeat | None = None,
    ) -> None:
        if key is not None and not isinstance(key, CdpKey):
            raise InvalidInput("key", "must be a lyra.adapters.coinbase.CdpKey or None")
        if not isinstance(urls, CoinbaseUrls):
            raise InvalidInput("urls", "must be CoinbaseUrls", urls)
        import time

        caps = CAPABILITIES if key is not None else _data_only(CAPABILITIES)
        session = f"{venue}-{time.time_ns() // 1_000_000:x}-"
        super().__init__(
            venue,
            account_id or f"{venue}-spot",
            bus=bus,
            clock=clock,
            capabilities=caps,
            id_prefix=session,
        )
        self.urls = urls
        self._key = key
        self._wanted = None if products is None else frozenset(products)
        self._maker_fee = Decimal(maker_fee)
        self._taker_fee = Decimal(taker_fee)
        self._portfolio = retail_portfolio_id
        self._verify_tls = verify_tls
        self._connect_timeout_s = connect_timeout_s
        self._backoff = backoff if backoff is not None else Backoff()
        self._heartbeat = heartbeat if heartbeat is not None else WsHeartbeat(idle_timeout_s=15.0)
        self.limiter = WeightLimiter([RateWindow("PRIVATE", 27, 1.0), RateWindow("PUBLIC", 9, 1.0)])
        self.rest = RestClient(
            urls.rest,
            venue=venue,
            error_mapper=_ErrorMapper(),
            signer=None if key is None else CoinbaseSigner(key, urls.rest_host),
            limiter=self.limiter,
            timeout_s=request_timeout_s,
            verify_tls=verify_tls,
            user_agent="lyra-coinbase",
        )
        self.decoder = MessageDecoder(venue, on_malformed=self._report_malformed)
        self.symbols: SymbolMap[Instrument] = SymbolMap(venue)
        self.level2 = Level2Sync()
        self._products: dict[str, _Product] = {}
        self._tracker = UserOrderTracker({})
        self._user_seq = SequenceTracker()
        self._market: _Stream | None = None
        self._market_ready: Any = None
        self._user: _Stream | None = None
        self._user_ready: Any = None
        self._user_error: VenueError | None = None
        self._user_number = 0
        self._recovering = False
        self._balances: dict[str, AccountBalance] = {}
        self._rest_state: dict[str, tuple[str, str, str]] = {}

    # -- info ---------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The instruments loaded at connect time."""
        return self.symbols.instruments

    @property
    def balances(self) -> dict[str, AccountBalance]:
        """The balances of the last :meth:`reconcile` (Coinbase streams none for spot)."""
        return dict(self._balances)

    def book_levels(
        self, instrument_id: InstrumentId | str
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
        """The synced book of a subscribed instrument as decimal strings, best first
        (``None`` while it waits for a snapshot or is not subscribed)."""
        product = self._products.get(self._pid(instrument_id))
        if product is None or not (product.book_subs or product.quote_subs):
            return None
        pid = product.pid
        if pid not in self.level2.product_ids or not self.level2.is_live(pid):
            return None
        book = self.level2.book(pid)
        inst = product.instrument
        tick, lot = inst.price_increment, inst.size_increment

        def side(levels: list[tuple[int, int]]) -> list[tuple[str, str]]:
            return [(str(tick * p), str(lot * s)) for p, s in levels]

        from lyra.book import BUY, SELL

        return side(book.depth(BUY, 1 << 30)), side(book.depth(SELL, 1 << 30))

    def _pid(self, instrument_id: InstrumentId | str) -> str:
        inst = self.symbols.get(instrument_id)
        return str(inst.raw_symbol) if inst is not None else str(InstrumentId(instrument_id).symbol)

    def _check_instrument(self, instrument_id: InstrumentId) -> None:
        if len(self.symbols) and self.symbols.get(instrument_id) is None:
            raise InvalidInput(
                "instrument_id", f"is not a loaded instrument of {self.venue}", instrument_id
            )

    # -- lifecycle ----------------------------------------------------------------------------
    async def _open(self) -> None:
        await self.rest.open()
        await self._load_instruments()
        if self._key is not None:
            await self._open_user_stream()
            await self.catch_up()

    async def _close(self) -> None:
        for stream in (self._market, self._user):
            if stream is not None:
                await stream.client.close()
        self._market = self._user = None
        self._market_ready = None
        self.level2.reset()
        for product in self._products.values():
            product.resyncing = False
            product.last_top = None
        await self.rest.close()

    async def _load_instruments(self) -> None:
        path = f"{_API}/products" if self._key is not None else f"{_API}/market/products"
        body = await self._get(path, [("product_type", "SPOT")])
        response = decode_rest(msgspec.json.encode(body), ProductsResponse)
        chosen = [
            p for p in response.products if self._wanted is None or p.product_id in self._wanted
        ]
        pairs, _skipped = load_instruments(
            chosen, maker_fee=self._maker_fee, taker_fee=self._taker_fee, ts_init=self.now_ns()
        )
        by_pid: dict[str, Instrument] = {}
        for pair in pairs:
            inst: Instrument = pair
            if pair.id.venue != self.venue:
                inst = msgspec.structs.replace(
                    pair, id=InstrumentId.from_parts(pair.id.symbol, self.venue)
                )
            if self.symbols.get(inst.id) is None:
                self.symbols.add(inst)
            by_pid[str(inst.raw_symbol)] = inst
            if str(inst.raw_symbol) not in self._products:
                self._products[str(inst.raw_symbol)] = _Product(inst)
        self._tracker = UserOrderTracker(by_pid)

    async def _get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        private = self._key is not None and "/market/" not in path
        return await self.rest.request(
            "GET", path, params, signed=private, weights=_PRIVATE if private else _PUBLIC
        )

    async def _post(self, path: str, body: msgspec.Struct) -> bytes:
        text = encode(body).decode()
        result = await self.rest.request(
            "POST",
            path,
            [(_JSON_BODY, text)],
            signed=True,
            weights=_PRIVATE,
            idempotent=False,
        )
        return msgspec.json.encode(result)

    # -- the user channel ---------------------------------------------------------------------
    async def _open_user_stream(self) -> None:
        import anyio

        self._user_ready = anyio.Event()
        self._user_error = None
        stream = _Stream(
            self,
            self.urls.ws_user,
            f"{self.venue} user",
            self._on_user_frame,
            self._user_connected,
            self._user_lost,
        )
        stream.channels["user"] = set()
        self._user = stream
        assert self._tg is not None
        await self._tg.start(stream.client.run)
        with anyio.fail_after(self._connect_timeout_s):
            await self._user_ready.wait()
        if self._user_error is not None:
            raise self._user_error

    def _user_connected(self, number: int) -> None:
        import anyio

        self._user_number = number
        self._user_seq.reset()
        if number > 1:
            self._user_ready = anyio.Event()
            self._spawn(self._watch_subscription, self._user_ready)

    async def _watch_subscription(self, ready: Any) -> None:
        """A reconnect whose subscription is never confirmed is dropped and tried again."""
        import anyio

        with anyio.move_on_after(self._connect_timeout_s):
            await ready.wait()
            return
        if self._user is not None:
            await self._user.client.drop("no answer to the user subscription")

    def _user_lost(self, reason: str) -> None:
        self.connection_lost(f"user channel: {reason}")

    def _on_user_frame(self, frame: Frame) -> None:
        try:
            msg = decode_ws(frame)
        except MalformedMessage as exc:
            self.decoder.malformed(exc)
            self._user_malformed()
            return
        seq = getattr(msg, "sequence_num", None)
        if seq is not None:
            problem = self._user_seq.check(seq)
            if problem is not None:
                # a lost user message may have said anything about an order: ask the venue
                self._user_malformed()
        t = type(msg)
        if t is UserMessage:
            assert isinstance(msg, UserMessage)
            ts = rfc3339_ns(msg.timestamp) if msg.timestamp else self.now_ns()
            for event in msg.events:
                for order in event.orders:
                    try:
                        update = self._tracker.on_order(
                            order, ts, snapshot=event.type == "snapshot"
                        )
                    except InvalidInput as exc:
                        self.flow.anomaly(
                            AnomalyKind.UNPARSEABLE,
                            f"user order {order.order_id}: {exc}",
                            venue_order_id=order.order_id,
                        )
                        continue
                    self._on_order_update(update)
        elif t is SubscriptionsMessage:
            assert isinstance(msg, SubscriptionsMessage)
            subs = msg.events[0].subscriptions if msg.events else {}
            if "user" in subs:
                self._user_confirmed()
        elif t is WsError:
            assert isinstance(msg, WsError)
            error = ws_error(msg)
            if self._user_ready is not None and not self._user_ready.is_set():
                self._user_error = error
                self._user_ready.set()
            else:
                self.flow.anomaly(AnomalyKind.UNRECONCILED, f"user channel error: {error}")

    def _user_confirmed(self) -> None:
        ready = self._user_ready
        if ready is None or ready.is_set():
            return
        ready.set()
        if self._user_number > 1:
            self.connection_restored()

    def _user_malformed(self) -> None:
        """Whatever an unreadable or lost user message said is recovered by reconciling
        every working order (once, shortly after)."""
        if self._recovering or self._tg is None:
            return
        self._recovering = True
        self._spawn(self._recover)

    async def _recover(self) -> None:
        import anyio

        try:
            await anyio.sleep(0.05)  # one reconcile for a burst of bad frames
            await self.catch_up()
        finally:
            self._recovering = False

    def _on_order_update(self, u: OrderUpdate) -> None:
        flow = self.flow
        order = flow.get(u.client_order_id) if u.client_order_id else None
        if order is None:
            order = flow.find(u.venue_order_id)
        if order is None:
            if not u.snapshot:
                flow.anomaly(
                    AnomalyKind.UNKNOWN_ORDER,
                    f"user update {u.venue_status} for order {u.venue_order_id} "
                    f"({u.client_order_id}), which {self.venue} does not track",
                    venue_order_id=u.venue_order_id,
                    ts_event=u.ts_event,
                )
            return
        ev = flow.events
        aid = self.account_id
        vid = u.venue_order_id
        ts = u.ts_event
        status = u.status
        if order.ts_accepted is None and not order.is_closed and status not in (None, _S.REJECTED):
            flow.emit(ev.accepted(order, vid, account_id=aid, ts_event=ts))
        fill = u.fill
        if fill is not None:
            flow.emit(
                ev.filled(
                    order,
                    trade_id=fill.trade_id,
                    last_qty=fill.last_qty,
                    last_px=fill.last_px,
                    commission=fill.commission,
                    liquidity_side=_liquidity(order),
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )
        if status is _S.TRIGGERED and order.ts_triggered is None:
            flow.emit(ev.triggered(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        elif status is _S.CANCELED and not order.is_closed:
            flow.emit(ev.canceled(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        elif status is _S.EXPIRED and not order.is_closed:
            flow.emit(ev.expired(order, venue_order_id=vid, account_id=aid, ts_event=ts))
        elif status is _S.REJECTED and not order.is_closed:
            flow.emit(
                ev.rejected(
                    order,
                    f"{self.venue} {u.venue_status}: {u.reason or 'the order failed'}",
                    RejectCode.VENUE_REJECTED,
                    venue_order_id=vid,
                    account_id=aid,
                    ts_event=ts,
                )
            )

    # -- market data ----------------------------------------------------------------------------
    async def _market_stream(self) -> _Stream:
        import anyio

        stream = self._market
        if stream is not None:
            await self._market_ready.wait()
            return stream
        stream = self._market = _Stream(
            self,
            self.urls.ws_market,
            f"{self.venue} market data",
            self._on_market_frame,
            self._market_connected,
            self._market_lost,
        )
        self._market_ready = anyio.Event()
        assert self._tg is not None
        try:
            await self._tg.start(stream.client.run)
        except BaseException:
            self._market = None
            self._market_ready.set()
            raise
        self._market_ready.set()
        return stream

    def _market_connected(self, number: int) -> None:
        self.level2.reset()
        for product in self._products.values():
            product.resyncing = False
            product.last_top = None

    def _market_lost(self, reason: str) -> None:
        self.level2.reset()

    async def _start_feed(self, key: FeedKey) -> None:
        kind, target = key
        iid = InstrumentId(target)
        product = self._products.get(self._pid(iid))
        if product is None:
            raise InvalidInput("instrument_id", f"is not a product of {self.venue}", iid)
        pid = product.pid
        stream = await self._market_stream()
        if kind == "trades":
            await stream.subscribe("market_trades", [pid])
            return
        first = not (product.book_subs or product.quote_subs)
        if kind == "book":
            product.book_subs = True
        else:
            product.quote_subs = True
            product.last_top = None
        if first:
            if pid not in self.level2.product_ids:
                self.level2.add(product.instrument, product_id=pid)
            else:
                self.level2.invalidate([pid], "subscribing")
            await stream.subscribe("level2", [pid])
        elif self.level2.is_live(pid):
            if kind == "book":
                self._publish_snapshot(product)
            else:
                self._publish_quote(product, self.now_ns())

    async def _stop_feed(self, key: FeedKey) -> None:
        kind, target = key
        product = self._products.get(self._pid(InstrumentId(target)))
        stream = self._market
        if product is None or stream is None:
            return
        if kind == "trades":
            await stream.unsubscribe("market_trades", [product.pid])
            return
        if kind == "book":
            product.book_subs = False
        else:
            product.quote_subs = False
        if not (product.book_subs or product.quote_subs):
            self.level2.invalidate([product.pid], "unsubscribed")
            await stream.unsubscribe("level2", [product.pid])

    def _on_market_frame(self, frame: Frame) -> None:
        try:
            msg = decode_ws(frame)
        except MalformedMessage as exc:
            # it may have been a book update: the next sequence_num shows the gap
            self.decoder.malformed(exc)
            return
        t = type(msg)
        if t is L2DataMessage:
            assert isinstance(msg, L2DataMessage)
            self._on_l2(self.level2.on_l2(msg))
            return
        result = self.level2.on_message(msg)
        if result is not None:
            self._on_l2(result)
        if t is TradesMessage:
            assert isinstance(msg, TradesMessage)
            self._on_trades(msg)
        elif t is WsError:
            assert isinstance(msg, WsError)
            self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"market data error: {ws_error(msg)}")

    def _on_l2(self, result: SyncResult) -> None:
        now = self.now_ns()
        for change in result.changes:
            product = self._products.get(change.product_id)
            if product is None:
                continue
            if change.snapshot:
                product.resyncing = False
            if product.book_subs:
                topic = topics.book_deltas(product.instrument.id)
                if self.bus.has_subscribers(topic):
                    deltas = change.book_deltas(now)
                    if deltas is not None:
                        self.bus.publish(topic, deltas)
            if product.quote_subs:
                self._publish_quote(product, now)
        if result.status is SyncStatus.RESYNC_NEEDED:
            wanted = [
                p
                for p in result.resync
                if (pr := self._products.get(p)) is not None
                and (pr.book_subs or pr.quote_subs)
                and not pr.resyncing
            ]
            if wanted:
                self.flow.anomaly(
                    AnomalyKind.SEQUENCE_GAP,
                    f"level2 {', '.join(wanted)}: {result.reason}; resubscribing",
                )
                for pid in wanted:
                    self._products[pid].resyncing = True
                self._spawn(self._resubscribe, wanted)

    async def _resubscribe(self, pids: list[str]) -> None:
        stream = self._market
        if stream is None or not stream.client.connected:
            return  # a reconnect resubscribes everything
        await stream.client.send(stream.message("unsubscribe", "level2", pids))
        await stream.client.send(stream.message("subscribe", "level2", pids))

    def _publish_snapshot(self, product: _Product) -> None:
        levels = self.book_levels(product.instrument.id)
        if levels is None:
            return
        from lyra.model.data import BookDelta, BookDeltas, BookOrder
        from lyra.model.enums import BookAction, RecordFlag

        inst = product.instrument
        now = self.now_ns()
        flags = int(RecordFlag.F_SNAPSHOT)
        deltas = [BookDelta.clear(inst.id, now, now, flags, 0)]
        for side, rows in ((OrderSide.BUY, levels[0]), (OrderSide.SELL, levels[1])):
            for px, qty in rows:
                order = BookOrder(side, inst.make_price(px), inst.make_qty(qty))
                deltas.append(BookDelta(inst.id, BookAction.ADD, order, now, now, flags, 0))
        last = deltas[-1]
        deltas[-1] = msgspec.structs.replace(last, flags=last.flags | int(RecordFlag.F_LAST))
        self.bus.publish(topics.book_deltas(inst.id), BookDeltas(inst.id, deltas))

    def _publish_quote(self, product: _Product, now: int) -> None:
        book = self.level2.book(product.pid)
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return
        top = (bid, ask)
        if top == product.last_top:
            return
        product.last_top = top
        inst = product.instrument
        tick, lot = inst.price_increment, inst.size_increment
        self.bus.publish(
            topics.quotes(inst.id),
            QuoteTick(inst.id, tick * bid[0], tick * ask[0], lot * bid[1], lot * ask[1], now, now),
        )

    def _on_trades(self, msg: TradesMessage) -> None:
        now = self.now_ns()
        for event in msg.events:
            if event.type != "update":
                continue  # the snapshot repeats trades of the past
            ticks = []
            for trade in event.trades:
                product = self._products.get(trade.product_id)
                if product is None:
                    continue
                try:
                    ticks.append(trade_tick(trade, product.instrument, now))
                except InvalidInput as exc:
                    self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"market_trades: {exc}")
            ticks.sort(key=lambda t: t.ts_event)
            for tick in ticks:
                self.bus.publish(topics.trades(tick.instrument_id), tick)

    def _report_malformed(self, error: MalformedMessage) -> None:
        self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"{error.kind}: {error} [{error.excerpt[:120]}]")

    # -- commands ----------------------------------------------------------------------------------
    def _reject(self, order: Order, err: RequestRejected) -> None:
        code = err.reject_code
        self.flow.emit(
            self.flow.events.rejected(
                order,
                err.reason,
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
                err.reason,
                code,
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    def _modify_refused(self, order: Order, reason: str, code: str) -> None:
        self.flow.emit(
            self.flow.events.modify_rejected(
                order,
                reason,
                code,
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    async def _resolve(self, orders: Iterable[Order]) -> None:
        """Answer requests whose outcome is unknown by asking the venue."""
        import anyio

        await anyio.sleep(0.05)
        await self.catch_up(list(orders))

    async def _send_submit(self, order: Order) -> None:
        try:
            body = create_order_request(order, retail_portfolio_id=self._portfolio)
        except NotSupported as exc:
            self.flow.emit(
                self.flow.events.rejected(
                    order,
                    f"{self.venue}: {exc}",
                    RejectCode.NOT_SUPPORTED,
                    account_id=self.account_id,
                )
            )
            return
        try:
            raw = await self._post(f"{_API}/orders", body)
        except RequestRejected as err:
            self._reject(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        resp = decode_rest(raw, CreateOrderResponse)
        if not resp.success:
            refusal = create_order_rejection(resp, client_order_id=order.client_order_id)
            self._reject(order, refusal)
            return
        vid = resp.success_response.order_id if resp.success_response else resp.order_id
        if order.ts_accepted is None and not order.is_closed and vid:
            self.flow.emit(self.flow.events.accepted(order, vid, account_id=self.account_id))

    async def _send_submit_list(self, order_list: OrderList) -> None:
        raise NotSupported("Coinbase has no native order lists", venue=self.venue)

    async def _send_modify(
        self,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        if order.order_type is not OrderType.LIMIT or order.time_in_force is not TimeInForce.GTC:
            self._modify_refused(
                order,
                f"{self.venue}: Coinbase edits GTC limit orders only",
                RejectCode.NOT_SUPPORTED,
            )
            return
        qty = order.quantity if quantity is UNSET else quantity
        px = order.price if price is UNSET else price
        vid = order.venue_order_id
        assert isinstance(qty, Quantity) and isinstance(px, Price)
        if vid is None:
            await self._resolve([order])
            return
        try:
            raw = await self._post(f"{_API}/orders/edit", edit_order_request(str(vid), qty, px))
        except RequestRejected as err:
            self._modify_refused(order, err.reason, _modify_code(err.reject_code))
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        resp = decode_rest(raw, EditOrderResponse)
        if not resp.success:
            refusal = edit_rejection(resp, client_order_id=order.client_order_id)
            self._modify_refused(order, refusal.reason, _modify_code(refusal.reject_code))
            return
        self.flow.emit(
            self.flow.events.updated(
                order, quantity=qty, price=px, venue_order_id=vid, account_id=self.account_id
            )
        )

    async def _send_cancel(self, order: Order) -> None:
        await self._cancel_batch([order])

    async def _send_cancel_all(
        self, instrument_id: InstrumentId, side: OrderSide | None, targets: list[Order]
    ) -> None:
        # Coinbase has no cancel-all: batch_cancel the orders Lyra tracks, 100 at a time
        for i in range(0, len(targets), _BATCH):
            await self._cancel_batch(targets[i : i + _BATCH])

    async def _cancel_batch(self, orders: list[Order]) -> None:
        known = [o for o in orders if o.venue_order_id is not None]
        unknown = [o for o in orders if o.venue_order_id is None]
        if unknown:
            await self._resolve(unknown)
        if not known:
            return
        try:
            raw = await self._post(
                f"{_API}/orders/batch_cancel",
                cancel_orders_request([str(o.venue_order_id) for o in known]),
            )
        except RequestRejected as err:
            for order in known:
                self._cancel_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve(known)
            return
        resp = decode_rest(raw, CancelOrdersResponse)
        results = {r.order_id: r for r in resp.results}
        ev = self.flow.events
        for order in known:
            vid = str(order.venue_order_id)
            result = results.get(vid)
            if result is None:
                await self._resolve([order])
            elif result.success:
                if not order.is_closed:
                    self.flow.emit(
                        ev.canceled(order, venue_order_id=vid, account_id=self.account_id)
                    )
            else:
                self._cancel_refused(
                    order, cancel_rejection(result, client_order_id=order.client_order_id)
                )

    # -- reconcile -------------------------------------------------------------------------------
    async def _pages(self, path: str, params: list[tuple[str, str]], field: str) -> list[Any]:
        items: list[Any] = []
        cursor = ""
        for _ in range(_MAX_PAGES):
            query = [*params, ("limit", "250")] + ([("cursor", cursor)] if cursor else [])
            body = await self._get(path, query)
            items.extend(body.get(field, ()))
            cursor = str(body.get("cursor") or "")
            if not cursor or body.get("has_next") is False:
                break
        return items

    async def _query(
        self, since_ns: int, instrument_ids: tuple[InstrumentId, ...] | None
    ) -> ReconciliationReport:
        if self._key is None:
            raise NotSupported("reconcile needs an API key", venue=self.venue)
        now = self.now_ns()
        aid = self.account_id
        wanted = None if instrument_ids is None else set(instrument_ids)
        products = [] if wanted is None else [("product_ids", self._pid(i)) for i in sorted(wanted)]
        since = format_rfc3339(max(since_ns, 0))
        raw_orders = await self._pages(
            f"{_API}/orders/historical/batch",
            [*products, ("order_status", "OPEN"), ("order_status", "PENDING")],
            "orders",
        )
        raw_orders += await self._pages(
            f"{_API}/orders/historical/batch", [*products, ("start_date", since)], "orders"
        )
        rest_orders: dict[str, RestOrder] = {}
        for item in raw_orders:
            o = decode_rest(msgspec.json.encode(item), RestOrder)
            rest_orders.setdefault(o.order_id, o)
        raw_fills = await self._pages(
            f"{_API}/orders/historical/fills",
            [*products, ("start_sequence_timestamp", since)],
            "fills",
        )
        fills_by_order: dict[str, list[RestFill]] = {}
        for item in raw_fills:
            f = decode_rest(msgspec.json.encode(item), RestFill)
            fills_by_order.setdefault(f.order_id, []).append(f)
        # what had filled before the window's first fill, for the cumulative ids
        before: dict[str, Decimal] = {}
        for vid, fills in fills_by_order.items():
            rest = rest_orders.get(vid)
            if rest is None:
                body = await self._get(f"{_API}/orders/historical/{vid}")
                rest = decode_rest(msgspec.json.encode(body["order"]), RestOrder)
                rest_orders[vid] = rest
            window = sum((Decimal(f.size) for f in fills if not f.size_in_quote), Decimal(0))
            before[vid] = max(Decimal(rest.filled_size or "0") - window, Decimal(0))
        reports: list[OrderStatusReport] = []
        for o in rest_orders.values():
            inst = self._tracker_instrument(o.product_id)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            try:
                reports.append(order_status_report(o, inst, aid, now))
            except InvalidInput as exc:
                self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"order {o.order_id}: {exc}")
        fill_reports: list[FillReport] = []
        for fills in fills_by_order.values():
            for f in fills:
                inst = self._tracker_instrument(f.product_id)
                if inst is None or (wanted is not None and inst.id not in wanted):
                    continue
                fill_reports.append(fill_report(f, inst, aid, now))
        fill_reports = cumulative_fill_ids(fill_reports, before)
        fill_reports.sort(key=lambda f: (f.ts_event, str(f.trade_id)))
        self._rest_state = {
            o.order_id: (o.filled_size, o.filled_value, o.total_fees) for o in rest_orders.values()
        }
        balances = await self._balances_now(now)
        return ReconciliationReport(
            venue=self.venue,
            account_id=aid,
            since_ns=since_ns,
            instrument_ids=instrument_ids,
            orders=tuple(reports),
            fills=tuple(fill_reports),
            balances=tuple(balances),
            complete=True,
            ts_event=now,
            ts_init=now,
        )

    def _tracker_instrument(self, product_id: str) -> Instrument | None:
        product = self._products.get(product_id)
        return None if product is None else product.instrument

    async def _balances_now(self, now: int) -> list[BalanceReport]:
        items = await self._pages(f"{_API}/accounts", [], "accounts")
        response = decode_rest(msgspec.json.encode({"accounts": items}), ListAccountsResponse)
        reports = []
        for account in response.accounts:
            try:
                report = balance_report(account, self.account_id, now, now)
            except InvalidInput:
                continue  # a currency no loaded product uses
            reports.append(report)
            self._balances[account.currency] = AccountBalance(
                total=report.total, locked=report.locked, free=report.free
            )
        if reports:
            self.bus.publish(
                topics.account_events(self.account_id),
                AccountState(
                    account_id=self.account_id,
                    account_type=AccountType.CASH,
                    balances=tuple(self._balances[k] for k in sorted(self._balances)),
                    ts_event=now,
                    ts_init=now,
                ),
            )
        return reports

    async def catch_up(self, orders: Iterable[Order] | None = None) -> None:
        """Bring ``orders`` (default: every working order) in line with the venue: what
        they missed is emitted with ``reconciliation=True``. Fills the order already has
        (by quantity: a live fill may stand for several REST fills) are not applied again."""
        targets = list(self.flow.working_orders() if orders is None else orders)
        if not targets:
            return
        since = min(o.ts_init for o in targets)
        ids = tuple({o.instrument_id for o in targets})
        report = await self._query(since, ids)
        state = self._rest_state
        for order in targets:
            if order.is_closed:
                continue
            reported = report.order(order.client_order_id)
            vid = order.venue_order_id or (reported.venue_order_id if reported else None)
            fills: tuple[FillReport, ...] = ()
            if vid is not None:
                have = order.filled_qty.as_decimal()
                fills = tuple(
                    f
                    for f in report.fills_for(vid)
                    if Decimal(str(f.trade_id).rsplit("-", 1)[-1]) > have
                )
            self.flow.sync_order(order, reported, fills, complete=report.complete)
            if vid is not None and str(vid) in state:
                filled, value, fees = state[str(vid)]
                if not order.is_closed:
                    self._tracker.seed(str(vid), filled or "0", value or "0", fees or "0")

    def __repr__(self) -> str:
        return (
            f"CoinbaseVenue({self.venue}, {self.account_id}, {self.status.name}, "
            f"{len(self.symbols)} instruments)"
        )


def _liquidity(order: Order) -> LiquiditySide:
    """The user channel says nothing of liquidity: what the order type implies."""
    if order.post_only:
        return LiquiditySide.MAKER
    if order.order_type is OrderType.MARKET or order.time_in_force in (
        TimeInForce.IOC,
        TimeInForce.FOK,
    ):
        return LiquiditySide.TAKER
    return LiquiditySide.NO_LIQUIDITY_SIDE


def _modify_code(code: str) -> str:
    return RejectCode.VENUE_REJECTED if code == RejectCode.NOT_SUPPORTED else code


def _data_only(caps: VenueCapabilities) -> VenueCapabilities:
    """Capabilities of a venue without a key: it takes no orders."""
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
