"""The Binance venues: :class:`BinanceSpot` and :class:`BinanceFutures` (USD-M).

Both implement :class:`lyra.venue.Venue` on :class:`~lyra.adapters.LiveVenue`:

* **Connect** (``async with``): load ``exchangeInfo`` (instruments, filters, per-symbol
  flags, the venue's rate limits), measure the server-time offset, open the user data
  stream -- spot: the websocket API's ``userDataStream.subscribe.signature``; futures: a
  listen key (kept alive every 30 minutes) and ``<ws_private>/ws/<listenKey>`` -- and
  catch up on orders adopted after a restart.
* **Orders** go over REST (``POST /api/v3/order``, ``/api/v3/orderList/oco|oto|otoco``,
  ``PUT /api/v3/order/amend/keepPriority``, ``DELETE /api/v3/order``,
  ``DELETE /api/v3/openOrders``; futures ``/fapi/v1/order`` with ``PUT`` to modify). The
  REST answer acknowledges or rejects; everything after arrives on the user data stream
  (``executionReport`` / ``ORDER_TRADE_UPDATE``) and goes through ``OrderFlow.emit``,
  which drops duplicates. An answer that never comes (timeout, 5xx, ``-1007``) is resolved
  by querying the order.
* **Market data** on combined streams (``SUBSCRIBE`` on ``/stream``): ``@depth@100ms``
  synced with the documented snapshot procedure into Lyra's Rust book and published as
  ``BookDeltas``; ``@bookTicker`` as ``QuoteTick``; ``@trade`` (spot) / ``@aggTrade``
  (futures) as ``TradeTick``; ``@kline_<interval>`` as closed ``Bar`` values. Futures
  streams use the 2026 routes (``/public`` for book data, ``/market`` for the rest).
* **Balances and positions**: every balance change is published as an
  :class:`~lyra.portfolio.AccountState` and every futures position change as a
  :class:`~lyra.venue.PositionStatusReport`, both on
  :func:`lyra.topics.account_events` of the account.
* **Reconnects**: losing the user data stream publishes RECONNECTING; when it is back, every
  working order is reconciled (missed fills and cancels are emitted with
  ``reconciliation=True``) before CONNECTED. Losing a market stream resynchronises its books
  (a new snapshot, published with ``F_SNAPSHOT``).

Point ``urls`` at a testnet or at :class:`lyra.testing.FakeBinance` to trade without money.
aiohttp and websockets make these adapters asyncio-only (anyio's asyncio backend).
"""

from __future__ import annotations

import abc
import itertools
import json
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, ClassVar, Final

import msgspec

from lyra import topics
from lyra.adapters.binance.book import BinanceFuturesBookSync, BinanceSpotBookSync
from lyra.adapters.binance.capabilities import (
    FUTURES_CAPABILITIES,
    SPOT_CAPABILITIES,
    BinanceCapabilities,
)
from lyra.adapters.binance.errors import BinanceErrorMapper, binance_error
from lyra.adapters.binance.instruments import BinanceSymbol, parse_exchange_info, rate_windows
from lyra.adapters.binance.mapping import (
    futures_events,
    futures_fill_report,
    futures_order_params,
    futures_order_report,
    order_list_params,
    price_of,
    quantity_of,
    spot_events,
    spot_fill_report,
    spot_order_params,
    spot_order_report,
)
from lyra.adapters.binance.messages import (
    AccountUpdate,
    AggTrade,
    AmendResponse,
    BookTicker,
    DepthSnapshot,
    DepthUpdate,
    EventHead,
    ExchangeInfo,
    ExecutionReport,
    FuturesBalance,
    FuturesOrderResponse,
    FuturesTrade,
    KlineEvent,
    ListenKey,
    OrderListResponse,
    OrderResponse,
    OrderTradeUpdate,
    OutboundAccountPosition,
    PositionRisk,
    ServerTime,
    SpotAccount,
    SpotTrade,
    Trade,
)
from lyra.adapters.binance.signing import BinanceSigner, sign_ws_params
from lyra.adapters.binance.urls import (
    FUTURES_PRODUCTION,
    SPOT_PRODUCTION,
    FuturesUrls,
    SpotUrls,
)
from lyra.adapters.book_sync import BookSync, Change, SyncedBook, SyncResult
from lyra.adapters.decoding import MessageDecoder
from lyra.adapters.live import FeedKey, LiveVenue
from lyra.adapters.ratelimit import Backoff, RateWindow, WeightLimiter
from lyra.adapters.rest import RestClient, ServerClock
from lyra.adapters.secrets import Credentials
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
from lyra.model.currency import Currency
from lyra.model.data import (
    Bar,
    BarType,
    BookDelta,
    BookDeltas,
    BookOrder,
    QuoteTick,
    TradeTick,
)
from lyra.model.enums import (
    AccountType,
    AggressorSide,
    BarAggregation,
    BookAction,
    OrderSide,
    PositionSide,
    RecordFlag,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.portfolio.account import AccountBalance, AccountState
from lyra.venue.capabilities import AmendMode
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

__all__ = ("BinanceFutures", "BinanceSpot")

_MS: Final = 1_000_000
_DAY_MS: Final = 86_400_000
_F_LAST: Final = int(RecordFlag.F_LAST)
_F_SNAPSHOT: Final = int(RecordFlag.F_SNAPSHOT)
_BUY_SIDE: Final = OrderSide.BUY
_SELL_SIDE: Final = OrderSide.SELL
_UPDATE: Final = BookAction.UPDATE
_DELETE: Final = BookAction.DELETE
_ADD: Final = BookAction.ADD
_KLINE_STEPS: Final = {
    BarAggregation.SECOND: ("s", {1}),
    BarAggregation.MINUTE: ("m", {1, 3, 5, 15, 30}),
    BarAggregation.HOUR: ("h", {1, 2, 4, 6, 8, 12}),
    BarAggregation.DAY: ("d", {1, 3}),
    BarAggregation.WEEK: ("w", {1}),
    BarAggregation.MONTH: ("M", {1}),
}
_SPOT_SNAPSHOT_LIMITS: Final = (5, 10, 20, 50, 100, 500, 1000, 5000)
_FUTURES_SNAPSHOT_LIMITS: Final = (5, 10, 20, 50, 100, 500, 1000)
_ORDER_WEIGHTS: Final = {"REQUEST_WEIGHT": 1, "ORDERS": 1, "RAW_REQUESTS": 1}
_ONE: Final = {"REQUEST_WEIGHT": 1, "RAW_REQUESTS": 1}
_CACHE_MAX: Final = 4096


class _MarketFrame(msgspec.Struct, gc=False):
    stream: str | None = None
    data: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    id: int | str | None = None
    result: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    error: dict[str, Any] | None = None


class _UserFrame(msgspec.Struct, gc=False):
    id: str | int | None = None
    status: int | None = None
    result: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    error: dict[str, Any] | None = None
    subscriptionId: int | None = None
    event: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    e: str | None = None


def _interval(bar_type: BarType) -> str:
    spec = bar_type.spec
    unit = _KLINE_STEPS.get(spec.aggregation)
    if unit is None or spec.step not in unit[1]:
        raise NotSupported(
            f"bar_type: Binance has no {spec.step}-{spec.aggregation.name} klines",
            venue=bar_type.instrument_id.venue,
        )
    return f"{spec.step}{unit[0]}"


class _MarketStream:
    """One combined-stream connection: subscriptions, acks, and dispatch by stream name."""

    def __init__(self, venue: _BinanceVenue, url: str, name: str) -> None:
        import anyio

        self.venue = venue
        self.ready = anyio.Event()
        self.reconnected: list[Any] = []
        self.handlers: dict[str, Callable[[msgspec.Raw], None]] = {}
        self.streams: set[str] = set()
        self._ids = itertools.count(1)
        self._acks: dict[int, Any] = {}
        self._frame = msgspec.json.Decoder(_MarketFrame)
        self.client = WebSocketClient(
            url,
            name=name,
            on_message=self.on_frame,
            on_open=self._on_open,
            on_connected=self._on_connected,
            on_disconnected=self._on_disconnected,
            heartbeat=venue._heartbeat,
            backoff=venue._backoff,
            connect_timeout_s=venue._connect_timeout_s,
            verify_tls=venue._verify_tls,
        )

    async def _on_open(self, client: WebSocketClient) -> None:
        import anyio

        streams = sorted(self.streams)
        acks = []
        # Binance counts at most 5 incoming messages a second: subscribe in large batches
        for i in range(0, len(streams), 200):
            if i:
                await anyio.sleep(0.25)
            rid, message = self._request("SUBSCRIBE", streams[i : i + 200])
            acks.append(self._acks.setdefault(rid, anyio.Event()))
            await client.send(message)
        self.reconnected = acks

    async def wait_resubscribed(self) -> None:
        """Wait (up to 5 s) for the venue to confirm the subscriptions of a reconnect."""
        import anyio

        with anyio.move_on_after(5.0):
            for event in self.reconnected:
                await event.wait()

    def _on_connected(self, number: int) -> None:
        if number > 1:
            self.venue._market_reconnected(self)

    def _on_disconnected(self, reason: str) -> None:
        self.venue._market_lost(self)

    def _request(self, method: str, streams: list[str]) -> tuple[int, str]:
        rid = next(self._ids)
        return rid, json.dumps({"method": method, "params": streams, "id": rid})

    async def subscribe(self, stream: str, handler: Callable[[msgspec.Raw], None]) -> None:
        import anyio

        self.handlers[stream] = handler
        if stream in self.streams:
            return
        self.streams.add(stream)
        if not self.client.connected:
            return
        rid, message = self._request("SUBSCRIBE", [stream])
        event = self._acks[rid] = anyio.Event()
        await self.client.send(message)
        with anyio.move_on_after(5.0):
            await event.wait()

    async def unsubscribe(self, stream: str) -> None:
        self.handlers.pop(stream, None)
        if stream not in self.streams:
            return
        self.streams.discard(stream)
        if self.client.connected:
            await self.client.send(self._request("UNSUBSCRIBE", [stream])[1])

    def on_frame(self, frame: Frame) -> None:
        try:
            msg = self._frame.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self.venue._malformed("stream frame", frame, exc)
            return
        stream = msg.stream
        if stream is not None and msg.data:
            handler = self.handlers.get(stream)
            if handler is not None:
                handler(msg.data)
            return
        if msg.error is not None:
            self.venue.flow.anomaly(
                AnomalyKind.UNPARSEABLE, f"stream request {msg.id} refused: {msg.error}"
            )
        if isinstance(msg.id, int):
            event = self._acks.pop(msg.id, None)
            if event is not None:
                event.set()


class _Book:
    """One instrument's book feed: the sync machine and its publishing."""

    __slots__ = ("depth", "fetching", "instrument", "prices", "sizes", "stream", "sync", "topic")

    def __init__(self, instrument: Instrument, sync: BookSync[DepthUpdate], depth: int) -> None:
        self.instrument = instrument
        self.sync = sync
        self.depth = depth
        self.topic = topics.book_deltas(instrument.id)
        self.fetching = False
        self.stream = ""
        # prices and sizes recur level after level: reuse their (immutable) values
        self.prices: dict[int, Price] = {}
        self.sizes: dict[int, Quantity] = {}


class _BinanceVenue(LiveVenue):
    """What spot and futures share (private base)."""

    _spot: ClassVar[bool] = True
    _default_venue: ClassVar[str] = "BINANCE"

    def __init__(
        self,
        bus: EventBus,
        *,
        credentials: Credentials | None,
        clock: Clock | Callable[[], int] | None,
        venue: str,
        account_id: str | None,
        rest_url: str,
        capabilities: BinanceCapabilities,
        symbols: Iterable[str] | None,
        recv_window_ms: int,
        maker_fee: Decimal | str,
        taker_fee: Decimal | str,
        verify_tls: bool,
        connect_timeout_s: float,
        request_timeout_s: float,
        backoff: Backoff | None,
        heartbeat: WsHeartbeat | None,
    ) -> None:
        if credentials is not None and not isinstance(credentials, Credentials):
            raise InvalidInput("credentials", "must be lyra.adapters.Credentials or None")
        acct = account_id or f"{venue}-{'spot' if self._spot else 'usdm'}"
        if credentials is None:
            capabilities = _data_only(capabilities)
        session = f"{venue}-{time.time_ns() // _MS:x}-"
        super().__init__(
            venue, acct, bus=bus, clock=clock, capabilities=capabilities, id_prefix=session
        )
        self._credentials = credentials
        self._symbols_wanted = None if symbols is None else frozenset(s.upper() for s in symbols)
        self._maker_fee = Decimal(maker_fee)
        self._taker_fee = Decimal(taker_fee)
        self._verify_tls = verify_tls
        self._connect_timeout_s = connect_timeout_s
        self._backoff = backoff if backoff is not None else Backoff()
        self._heartbeat = heartbeat if heartbeat is not None else WsHeartbeat()
        self.server_clock = ServerClock()
        self.limiter = WeightLimiter()
        signer = (
            None
            if credentials is None
            else BinanceSigner(credentials, self.server_clock, recv_window_ms=recv_window_ms)
        )
        self._signer = signer
        self.rest = RestClient(
            rest_url,
            venue=venue,
            error_mapper=BinanceErrorMapper(venue),
            signer=signer,
            limiter=self.limiter,
            header_usage=(("X-MBX-USED-WEIGHT-1M", "REQUEST_WEIGHT", 60.0),),
            timeout_s=request_timeout_s,
            verify_tls=verify_tls,
            server_clock=self.server_clock,
            resync_clock=self._sync_time,
            user_agent="lyra-binance",
        )
        self.decoder = MessageDecoder(venue, on_malformed=self._report_malformed)
        self.symbols: SymbolMap[Instrument] = SymbolMap(venue, case_insensitive=True)
        self.binance_symbols: dict[str, BinanceSymbol] = {}
        self._streams: dict[str, _MarketStream] = {}
        self._books: dict[InstrumentId, _Book] = {}
        self._topics: dict[tuple[str, InstrumentId], str] = {}
        self._balances: dict[str, AccountBalance] = {}
        self._positions: dict[InstrumentId, PositionStatusReport] = {}
        self._user: WebSocketClient | None = None
        self._recovering = False
        self._dec_depth = self.decoder.decoder(DepthUpdate)
        self._dec_ticker = self.decoder.decoder(BookTicker)

    # -- info ---------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The instruments loaded at connect time."""
        return self.symbols.instruments

    @property
    def positions(self) -> dict[InstrumentId, PositionStatusReport]:
        """The latest position per instrument the user data stream reported (futures)."""
        return dict(self._positions)

    @property
    def balances(self) -> dict[str, AccountBalance]:
        """The latest balance per asset the user data stream reported."""
        return dict(self._balances)

    def book(self, instrument_id: InstrumentId | str) -> SyncedBook | None:
        """The synced book of a subscribed instrument (``None`` if not subscribed)."""
        feed = self._books.get(InstrumentId(instrument_id))
        return None if feed is None else feed.sync.book

    def book_sync(self, instrument_id: InstrumentId | str) -> BookSync[DepthUpdate] | None:
        """The sync machine of a subscribed instrument's book (its counters, its state)."""
        feed = self._books.get(InstrumentId(instrument_id))
        return None if feed is None else feed.sync

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Publish the venue's closed klines as ``Bar`` values (EXTERNAL bar types of
        Binance's intervals: 1s, 1/3/5/15/30m, 1/2/4/6/8/12h, 1/3d, 1w, 1M)."""
        reason = self.capabilities.supports_bars(bar_type)
        if reason is not None:
            raise NotSupported(reason, venue=self.venue)
        _interval(bar_type)
        super().subscribe_bars(bar_type)

    def _check_instrument(self, instrument_id: InstrumentId) -> None:
        if len(self.symbols) and self.symbols.get(instrument_id) is None:
            raise InvalidInput(
                "instrument_id", f"is not a loaded instrument of {self.venue}", instrument_id
            )

    def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        return self.symbols.instrument(instrument_id)

    def _symbol(self, instrument_id: InstrumentId) -> str:
        return self.symbols.venue_symbol(instrument_id)

    # -- lifecycle ------------------------------------------------------------------------
    async def _open(self) -> None:
        await self.rest.open()
        await self._sync_time()
        await self._load_instruments()
        if self._credentials is not None:
            await self._open_user_stream()
            await self.catch_up()

    async def _close(self) -> None:
        for stream in self._streams.values():
            await stream.client.close()
        self._streams.clear()
        for feed in self._books.values():
            feed.sync.reset()
            feed.fetching = False
        self._books.clear()
        await self._close_user_stream()
        await self.rest.close()

    async def _sync_time(self) -> None:
        async def fetch() -> int:
            t = await self.rest.request(
                "GET", self._path("time"), weights=_ONE, response_type=ServerTime
            )
            return t.server_time

        await self.server_clock.sync(fetch)

    async def _load_instruments(self) -> None:
        params: list[tuple[str, str]] = []
        wanted = self._symbols_wanted
        if wanted is not None and self._spot:
            params.append(("symbols", json.dumps(sorted(wanted), separators=(",", ":"))))
        info = await self.rest.request(
            "GET",
            self._path("exchangeInfo"),
            params,
            weights={"REQUEST_WEIGHT": 20 if self._spot else 1, "RAW_REQUESTS": 1},
            response_type=ExchangeInfo,
        )
        parsed = parse_exchange_info(
            info,
            venue=self.venue,
            spot=self._spot,
            symbols=wanted,
            maker_fee=self._maker_fee,
            taker_fee=self._taker_fee,
        )
        for sym in parsed:
            self.symbols.add(sym.instrument)
            self.binance_symbols[sym.instrument.raw_symbol] = sym
        windows = rate_windows(info.rate_limits)
        if windows:
            # leave a margin for others sharing the IP
            self.limiter.replace(
                RateWindow(w.kind, max(1, int(w.limit * 0.9)), w.interval_s) for w in windows
            )
        caps = self.flow.capabilities
        assert isinstance(caps, BinanceCapabilities)
        self.flow.capabilities = msgspec.structs.replace(
            caps, symbols={s: b.features for s, b in self.binance_symbols.items()}
        )

    def _path(self, name: str) -> str:
        return f"/api/v3/{name}" if self._spot else f"/fapi/v1/{name}"

    # -- user data stream (per market) -------------------------------------------------------
    @abc.abstractmethod
    async def _open_user_stream(self) -> None:
        """Open this market's user data stream (spot and USD-M differ)."""

    async def _close_user_stream(self) -> None:
        user, self._user = self._user, None
        if user is not None:
            await user.close()

    def _user_lost(self, reason: str) -> None:
        self.connection_lost(f"user data stream: {reason}")

    def _user_malformed(self) -> None:
        """A user-stream message could not be read: whatever it said about an order is
        recovered by reconciling every working order (once, shortly after)."""
        if self._recovering or self._tg is None:
            return
        self._recovering = True
        self._spawn(self._recover)

    async def _recover(self) -> None:
        import anyio

        try:
            await anyio.sleep(0.05)  # let a burst of bad frames pass: one reconcile for all
            await self.catch_up()
        finally:
            self._recovering = False

    # -- market data ----------------------------------------------------------------------
    def _route(self, stream: str) -> str:
        return "spot"

    @abc.abstractmethod
    def _stream_url(self, route: str) -> str:
        """The websocket URL of a market-data route on this market."""

    async def _market(self, stream: str) -> _MarketStream:
        route = self._route(stream)
        ms = self._streams.get(route)
        if ms is None:
            ms = self._streams[route] = _MarketStream(
                self, self._stream_url(route), f"{self.venue} {route} streams"
            )
            assert self._tg is not None
            try:
                await self._tg.start(ms.client.run)
            except BaseException:
                self._streams.pop(route, None)
                raise
            ms.ready.set()
        else:
            await ms.ready.wait()
        return ms

    async def _start_feed(self, key: FeedKey) -> None:
        kind, target = key
        if kind == "bars":
            bar_type: BarType = target
            iid = bar_type.instrument_id
            stream = f"{self._symbol(iid).lower()}@kline_{_interval(bar_type)}"
            ms = await self._market(stream)
            await ms.subscribe(stream, self._kline_handler(bar_type))
            return
        iid = InstrumentId(target)
        instrument = self._instrument(iid)
        low = instrument.raw_symbol.lower()
        if kind == "quotes":
            stream = f"{low}@bookTicker"
            ms = await self._market(stream)
            await ms.subscribe(stream, self._ticker_handler(instrument))
        elif kind == "trades":
            stream = f"{low}@{'trade' if self._spot else 'aggTrade'}"
            ms = await self._market(stream)
            await ms.subscribe(stream, self._trade_handler(instrument))
        elif kind == "book":
            stream = f"{low}@depth@100ms"
            feed = self._new_book(instrument)
            feed.stream = stream
            self._books[iid] = feed
            ms = await self._market(stream)
            await ms.subscribe(stream, self._depth_handler(feed))
            self._want_snapshot(feed)

    async def _stop_feed(self, key: FeedKey) -> None:
        kind, target = key
        if kind == "bars":
            bar_type: BarType = target
            stream = f"{self._symbol(bar_type.instrument_id).lower()}@kline_{_interval(bar_type)}"
        else:
            iid = InstrumentId(target)
            low = self._symbol(iid).lower()
            if kind == "quotes":
                stream = f"{low}@bookTicker"
            elif kind == "trades":
                stream = f"{low}@{'trade' if self._spot else 'aggTrade'}"
            else:
                stream = f"{low}@depth@100ms"
                self._books.pop(iid, None)
        ms = self._streams.get(self._route(stream))
        if ms is not None:
            await ms.unsubscribe(stream)

    def _topic(self, kind: str, iid: InstrumentId) -> str:
        key = (kind, iid)
        found = self._topics.get(key)
        if found is None:
            maker = {"quotes": topics.quotes, "trades": topics.trades}[kind]
            found = self._topics[key] = maker(iid)
        return found

    def _ticker_handler(self, instrument: Instrument) -> Callable[[msgspec.Raw], None]:
        iid = instrument.id
        topic = self._topic("quotes", iid)
        bus = self.bus
        now = self.now_ns
        dec = self._dec_ticker

        def on_ticker(raw: msgspec.Raw) -> None:
            try:
                m = dec.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                self._malformed("bookTicker", raw, exc)
                return
            ts = now()
            ts_event = m.event_time * _MS if m.event_time else ts
            bus.publish(
                topic,
                QuoteTick(
                    iid,
                    price_of(m.bid_price, instrument),
                    price_of(m.ask_price, instrument),
                    quantity_of(m.bid_qty, instrument),
                    quantity_of(m.ask_qty, instrument),
                    ts_event,
                    ts,
                ),
            )

        return on_ticker

    def _trade_handler(self, instrument: Instrument) -> Callable[[msgspec.Raw], None]:
        iid = instrument.id
        topic = self._topic("trades", iid)
        bus = self.bus
        now = self.now_ns
        spot = self._spot
        dec_t = self.decoder.decoder(Trade)
        dec_a = self.decoder.decoder(AggTrade)

        def on_trade(raw: msgspec.Raw) -> None:
            try:
                m: Trade | AggTrade = dec_t.decode(raw) if spot else dec_a.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                self._malformed("trade", raw, exc)
                return
            tid = m.trade_id if isinstance(m, Trade) else m.agg_id
            bus.publish(
                topic,
                TradeTick(
                    iid,
                    price_of(m.price, instrument),
                    quantity_of(m.quantity, instrument),
                    AggressorSide.SELLER if m.buyer_is_maker else AggressorSide.BUYER,
                    TradeId(str(tid)),
                    m.trade_time * _MS,
                    now(),
                ),
            )

        return on_trade

    def _kline_handler(self, bar_type: BarType) -> Callable[[msgspec.Raw], None]:
        topic = topics.bars(str(bar_type))
        instrument = self._instrument(bar_type.instrument_id)
        bus = self.bus
        now = self.now_ns
        dec = self.decoder.decoder(KlineEvent)

        def on_kline(raw: msgspec.Raw) -> None:
            try:
                m = dec.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                self._malformed("kline", raw, exc)
                return
            k = m.kline
            if not k.closed:
                return
            bus.publish(
                topic,
                Bar(
                    bar_type,
                    price_of(k.open, instrument),
                    price_of(k.high, instrument),
                    price_of(k.low, instrument),
                    price_of(k.close, instrument),
                    quantity_of(k.volume, instrument),
                    (k.close_time + 1) * _MS,
                    now(),
                ),
            )

        return on_kline

    # -- books ------------------------------------------------------------------------------
    def _new_book(self, instrument: Instrument) -> _Book:
        depth = self.book_depth(instrument.id) or 1000
        limits = _SPOT_SNAPSHOT_LIMITS if self._spot else _FUTURES_SNAPSHOT_LIMITS
        limit = next((n for n in limits if n >= depth), limits[-1])
        book = SyncedBook(instrument)
        holder: list[_Book] = []

        def applied(changes: list[Change], snapshot: bool, update: DepthUpdate | None) -> None:
            self._publish_book(holder[0], changes, snapshot, update)

        cls = BinanceSpotBookSync if self._spot else BinanceFuturesBookSync
        feed = _Book(instrument, cls(book, on_applied=applied), limit)
        holder.append(feed)
        return feed

    def _depth_handler(self, feed: _Book) -> Callable[[msgspec.Raw], None]:
        dec = self._dec_depth
        sync = feed.sync
        on_update = sync.on_update
        done = (SyncResult.APPLIED, SyncResult.STALE)

        def on_depth(raw: msgspec.Raw) -> None:
            try:
                update = dec.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                self._malformed("depthUpdate", raw, exc)
                return
            result = on_update(update)
            if result in done:
                return
            if result is SyncResult.BUFFERED:
                if sync.needs_snapshot and not feed.fetching:
                    self._want_snapshot(feed)
                return
            self.flow.anomaly(
                AnomalyKind.SEQUENCE_GAP,
                f"{feed.instrument.id} book: {result.name} at update {update.first_id}-"
                f"{update.final_id} (book at {sync.last_update_id}); resynchronising",
                ts_event=update.event_time * _MS,
            )
            self._want_snapshot(feed)

        return on_depth

    def _want_snapshot(self, feed: _Book) -> None:
        if feed.fetching or self._tg is None:
            return
        feed.fetching = True
        self._spawn(self._fetch_snapshot, feed)

    async def _fetch_snapshot(self, feed: _Book) -> None:
        import anyio

        try:
            for attempt in range(1, 11):
                if self._books.get(feed.instrument.id) is not feed:
                    return
                snap = await self.rest.request(
                    "GET",
                    self._path("depth"),
                    [("symbol", feed.instrument.raw_symbol), ("limit", str(feed.depth))],
                    weights={"REQUEST_WEIGHT": self._depth_weight(feed.depth)},
                    response_type=DepthSnapshot,
                )
                result = feed.sync.on_snapshot(snap.last_update_id, snap.bids, snap.asks)
                if result is SyncResult.APPLIED:
                    return
                await anyio.sleep(min(1.0, 0.05 * attempt))
            self.flow.anomaly(
                AnomalyKind.SEQUENCE_GAP,
                f"{feed.instrument.id} book: could not synchronise after 10 snapshots",
            )
        finally:
            feed.fetching = False

    def _depth_weight(self, limit: int) -> int:
        if self._spot:
            return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
        return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20

    def _publish_book(
        self, feed: _Book, changes: list[Change], snapshot: bool, update: DepthUpdate | None
    ) -> None:
        bus = self.bus
        topic = feed.topic
        if not bus.has_subscribers(topic):
            return
        book = feed.sync.book
        iid = feed.instrument.id
        now = self.now_ns()
        ts = update.event_time * _MS if update is not None else now
        seq = update.final_id if update is not None else feed.sync.snapshot_id
        tick, lot = book.tick_raw, book.lot_raw
        pp, sp = book.price_precision, book.size_precision
        prices, sizes = feed.prices, feed.sizes
        if len(prices) > _CACHE_MAX:
            prices.clear()
        if len(sizes) > _CACHE_MAX:
            sizes.clear()
        deltas: list[BookDelta] = []
        flags = _F_SNAPSHOT if snapshot else 0
        n = len(changes)
        if snapshot:
            deltas.append(BookDelta.clear(iid, ts, now, flags if n else flags | _F_LAST, seq))
        elif not n:
            return
        last = n - 1
        for i, (side, p, s) in enumerate(changes):
            price = prices.get(p)
            if price is None:
                price = prices[p] = Price.from_raw(p * tick, pp)
            size = sizes.get(s)
            if size is None:
                size = sizes[s] = Quantity.from_raw(s * lot, sp)
            order = BookOrder(_BUY_SIDE if side == 1 else _SELL_SIDE, price, size)
            action = _ADD if snapshot else (_UPDATE if s else _DELETE)
            f = flags | _F_LAST if i == last else flags
            deltas.append(BookDelta(iid, action, order, ts, now, f, seq))
        bus.publish(topic, BookDeltas(iid, deltas))

    def _market_lost(self, stream: _MarketStream) -> None:
        for feed in self._books.values():
            if feed.stream in stream.streams:
                feed.sync.reset()

    def _market_reconnected(self, stream: _MarketStream) -> None:
        feeds = [f for f in self._books.values() if f.stream in stream.streams]
        for feed in feeds:
            feed.sync.reset()
            feed.fetching = True  # until the subscriptions are confirmed
        self._spawn(self._resync_after_reconnect, stream, feeds)

    async def _resync_after_reconnect(self, stream: _MarketStream, feeds: list[_Book]) -> None:
        await stream.wait_resubscribed()
        for feed in feeds:
            feed.fetching = False
            self._want_snapshot(feed)

    # -- malformed messages -------------------------------------------------------------------
    def _malformed(self, kind: str, raw: Any, exc: Exception) -> None:
        data = bytes(raw) if isinstance(raw, msgspec.Raw) else raw
        excerpt = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        self.decoder.malformed(
            MalformedMessage(f"{kind}: {exc}", kind=kind, excerpt=excerpt, venue=self.venue)
        )

    def _report_malformed(self, error: MalformedMessage) -> None:
        self.flow.anomaly(AnomalyKind.UNPARSEABLE, f"{error.kind}: {error} [{error.excerpt[:120]}]")

    # -- account events -------------------------------------------------------------------
    def _publish_account(self, ts_ms: int) -> None:
        state = AccountState(
            account_id=self.account_id,
            account_type=AccountType.CASH if self._spot else AccountType.MARGIN,
            balances=tuple(self._balances[k] for k in sorted(self._balances)),
            ts_event=ts_ms * _MS,
            ts_init=self.now_ns(),
        )
        self.bus.publish(topics.account_events(self.account_id), state)

    def _set_balance(self, asset: str, free: str, locked: str) -> None:
        currency = _currency(asset)
        f = Money(free, currency)
        lk = Money(locked, currency)
        self._balances[asset] = AccountBalance(total=f + lk, locked=lk, free=f)

    # -- commands helpers -----------------------------------------------------------------
    def _reject(self, order: Order, err: RequestRejected) -> None:
        ev = self.flow.events
        code = err.reject_code
        self.flow.emit(
            ev.rejected(
                order,
                err.reason,
                code,
                due_post_only=code == RejectCode.POST_ONLY_WOULD_TAKE,
                account_id=self.account_id,
            )
        )

    def _cancel_refused(self, order: Order, err: RequestRejected) -> None:
        ev = self.flow.events
        code = err.reject_code
        if code not in (RejectCode.UNKNOWN_ORDER, RejectCode.RATE_LIMITED):
            code = RejectCode.VENUE_REJECTED
        self.flow.emit(
            ev.cancel_rejected(
                order,
                err.reason,
                code,
                venue_order_id=order.venue_order_id,
                account_id=self.account_id,
            )
        )

    def _modify_refused(self, order: Order, err: RequestRejected) -> None:
        ev = self.flow.events
        code = err.reject_code
        if code == RejectCode.NOT_SUPPORTED:
            code = RejectCode.VENUE_REJECTED
        self.flow.emit(
            ev.modify_rejected(
                order,
                err.reason,
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

    def _accepted_from_rest(self, order: Order, order_id: int, ts_ms: int | None) -> None:
        ev = self.flow.events
        self.flow.emit(
            ev.accepted(
                order,
                str(order_id),
                account_id=self.account_id,
                ts_event=(ts_ms or 0) * _MS or None,
            )
        )

    def _order_of(self, client_order_id: str, order_id: int) -> Order | None:
        flow = self.flow
        return flow.get(client_order_id) or flow.find(str(order_id))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.venue}, {self.account_id}, {self.status.name}, "
            f"{len(self.symbols)} instruments)"
        )


def _data_only(caps: BinanceCapabilities) -> BinanceCapabilities:
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


def _currency(asset: str) -> Currency:
    if Currency.is_registered(asset):
        return Currency.from_str(asset)
    from lyra.model.currency import CurrencyType

    return Currency.register(Currency(asset, 8, currency_type=CurrencyType.CRYPTO))


class BinanceSpot(_BinanceVenue):
    """Binance spot as a :class:`lyra.venue.Venue`; see the module docs.

    Args:
        bus: where events and data are published.
        credentials: API key and secret (HMAC, or an Ed25519 PEM private key); ``None``
            for market data only: every order is then denied ``NOT_SUPPORTED`` locally.
        urls: base URLs (default production; :data:`~lyra.adapters.binance.SPOT_TESTNET`,
            or ``FakeBinance.spot_urls``).
        clock: stamps ``ts_init`` (``None``: wall time).
        venue: the venue name of the instrument ids (``BINANCE``).
        account_id: the account id on events (default ``<venue>-spot``).
        symbols: load only these symbols (default: all).
        recv_window_ms: Binance's ``recvWindow`` on signed requests.
        maker_fee / taker_fee: fee rates put on the instruments (exchangeInfo has none).
        verify_tls: verify certificates (default).
        connect_timeout_s / request_timeout_s: transport limits.
        backoff: reconnect delays; heartbeat: keep-alive rules (Binance pings the client).
    """

    _spot = True
    _default_venue = "BINANCE"

    def __init__(
        self,
        bus: EventBus,
        *,
        credentials: Credentials | None = None,
        urls: SpotUrls = SPOT_PRODUCTION,
        clock: Clock | Callable[[], int] | None = None,
        venue: str = "BINANCE",
        account_id: str | None = None,
        symbols: Iterable[str] | None = None,
        recv_window_ms: int = 5000,
        maker_fee: Decimal | str = "0.001",
        taker_fee: Decimal | str = "0.001",
        verify_tls: bool = True,
        connect_timeout_s: float = 10.0,
        request_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        heartbeat: WsHeartbeat | None = None,
    ) -> None:
        if not isinstance(urls, SpotUrls):
            raise InvalidInput("urls", "must be SpotUrls", urls)
        self.urls = urls
        self._recv_window_ms = recv_window_ms
        super().__init__(
            bus,
            credentials=credentials,
            clock=clock,
            venue=venue,
            account_id=account_id,
            rest_url=urls.rest,
            capabilities=SPOT_CAPABILITIES,
            symbols=symbols,
            recv_window_ms=recv_window_ms,
            maker_fee=maker_fee,
            taker_fee=taker_fee,
            verify_tls=verify_tls,
            connect_timeout_s=connect_timeout_s,
            request_timeout_s=request_timeout_s,
            backoff=backoff,
            heartbeat=heartbeat,
        )
        self._user_ready: Any = None
        self._user_number = 0
        self._user_error: VenueError | None = None
        self._uds_ids = itertools.count(1)
        self._user_frame = msgspec.json.Decoder(_UserFrame)
        self._dec_report = self.decoder.decoder(ExecutionReport)
        self._dec_position = self.decoder.decoder(OutboundAccountPosition)
        self._head = self.decoder.decoder(EventHead)

    def _stream_url(self, route: str) -> str:
        return f"{self.urls.streams}/stream"

    # -- user data stream --------------------------------------------------------------------
    async def _open_user_stream(self) -> None:
        import anyio

        self._user_ready = anyio.Event()
        self._user_error = None
        client = WebSocketClient(
            self.urls.ws_api,
            name=f"{self.venue} user data",
            on_message=self._on_user_frame,
            on_open=self._subscribe_user_data,
            on_connected=self._user_connected,
            on_disconnected=self._user_lost,
            heartbeat=self._heartbeat,
            backoff=self._backoff,
            connect_timeout_s=self._connect_timeout_s,
            verify_tls=self._verify_tls,
        )
        self._user = client
        assert self._tg is not None
        await self._tg.start(client.run)
        with anyio.fail_after(self._connect_timeout_s):
            await self._user_ready.wait()
        if self._user_error is not None:
            raise self._user_error

    async def _subscribe_user_data(self, client: WebSocketClient) -> None:
        import anyio

        assert self._credentials is not None
        if self._user_ready is None or self._user_ready.is_set():
            self._user_ready = anyio.Event()
        params = sign_ws_params(
            {},
            self._credentials,
            self.server_clock.now_ms(),
            recv_window_ms=self._recv_window_ms,
        )
        request = {
            "id": f"uds-{next(self._uds_ids)}",
            "method": "userDataStream.subscribe.signature",
            "params": params,
        }
        await client.send(json.dumps(request))

    def _user_connected(self, number: int) -> None:
        self._user_number = number
        if number > 1 and self._user_ready is not None:
            self._spawn(self._watch_subscription, self._user_ready)

    async def _watch_subscription(self, ready: Any) -> None:
        """A reconnect whose subscription is never confirmed is dropped and tried again."""
        import anyio

        with anyio.move_on_after(self._connect_timeout_s):
            await ready.wait()
            return
        if self._user is not None:
            await self._user.drop("no answer to the user data subscription")

    def _on_user_frame(self, frame: Frame) -> None:
        try:
            msg = self._user_frame.decode(frame)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._malformed("user data frame", frame, exc)
            self._user_malformed()
            return
        if msg.event:
            self._on_user_event(msg.event)
            return
        if msg.status is not None:
            self._on_api_response(msg)

    def _on_api_response(self, msg: _UserFrame) -> None:
        if not isinstance(msg.id, str) or not msg.id.startswith("uds-"):
            return
        if msg.error is not None or (msg.status or 0) >= 400:
            err = msg.error or {}
            code = err.get("code", 0)
            self._user_error = binance_error(
                code if isinstance(code, int) else 0,
                str(err.get("msg", "user data subscription refused")),
                http_status=msg.status or 0,
                venue=self.venue,
            )
        ready = self._user_ready
        if ready is not None:
            ready.set()
        if self._user_error is None and self._user_number > 1:
            self.connection_restored()

    def _on_user_event(self, raw: msgspec.Raw) -> None:
        try:
            kind = self._head.decode(raw).event
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._malformed("user event", raw, exc)
            self._user_malformed()
            return
        if kind == "executionReport":
            report = self.decoder.try_decode(ExecutionReport, raw)
            if report is None:
                self._user_malformed()
            else:
                self._on_execution_report(report)
        elif kind == "outboundAccountPosition":
            pos = self.decoder.try_decode(OutboundAccountPosition, raw)
            if pos is not None:
                for b in pos.balances:
                    self._set_balance(b.asset, b.free, b.locked)
                self._publish_account(pos.event_time)
        elif kind == "eventStreamTerminated" and self._user is not None:
            self._spawn(self._user.drop, "event stream terminated")

    def _on_execution_report(self, msg: ExecutionReport) -> None:
        cid = msg.orig_client_order_id or msg.client_order_id
        order = self._order_of(cid, msg.order_id)
        if order is None:
            self.flow.anomaly(
                AnomalyKind.UNKNOWN_ORDER,
                f"executionReport {msg.execution_type} for order {msg.order_id} "
                f"({cid}), which {self.venue} does not track",
                venue_order_id=str(msg.order_id),
                ts_event=msg.event_time * _MS,
            )
            return
        instrument = self.symbols.find(msg.symbol)
        if instrument is None:
            return
        for event in spot_events(msg, order, self.flow.events, self.account_id, instrument):
            self.flow.emit(event)

    # -- commands ---------------------------------------------------------------------------
    async def _send_submit(self, order: Order) -> None:
        symbol = self._symbol(order.instrument_id)
        try:
            resp = await self.rest.request(
                "POST",
                "/api/v3/order",
                spot_order_params(order, symbol),
                signed=True,
                weights=_ORDER_WEIGHTS,
                idempotent=False,
                response_type=OrderResponse,
            )
        except RequestRejected as err:
            self._reject(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        self._accepted_from_rest(order, resp.order_id, resp.transact_time)

    async def _send_submit_list(self, order_list: OrderList) -> None:
        symbol = self._symbol(order_list.instrument_id)
        path, params = order_list_params(order_list, symbol)
        try:
            resp = await self.rest.request(
                "POST",
                path,
                params,
                signed=True,
                weights={"REQUEST_WEIGHT": 1, "ORDERS": len(order_list), "RAW_REQUESTS": 1},
                idempotent=False,
                response_type=OrderListResponse,
            )
        except RequestRejected as err:
            for order in order_list:
                self._reject(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve(order_list.orders)
            return
        for entry in resp.orders:
            member = self.flow.get(str(entry.get("clientOrderId", "")))
            if member is not None:
                self._accepted_from_rest(member, int(entry["orderId"]), resp.transaction_time)

    async def _send_modify(
        self,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        assert quantity is not UNSET  # the capabilities allow quantity decreases only
        try:
            resp = await self.rest.request(
                "PUT",
                "/api/v3/order/amend/keepPriority",
                [
                    ("symbol", self._symbol(order.instrument_id)),
                    ("origClientOrderId", order.client_order_id),
                    ("newClientOrderId", order.client_order_id),
                    ("newQty", str(quantity)),
                ],
                signed=True,
                weights={"REQUEST_WEIGHT": 4, "RAW_REQUESTS": 1},
                idempotent=False,
                response_type=AmendResponse,
            )
        except RequestRejected as err:
            self._modify_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        instrument = self._instrument(order.instrument_id)
        amended = resp.amended_order
        self.flow.emit(
            self.flow.events.updated(
                order,
                quantity=quantity_of(amended.orig_qty, instrument),
                venue_order_id=str(amended.order_id),
                account_id=self.account_id,
                ts_event=resp.transact_time * _MS,
            )
        )

    async def _send_cancel(self, order: Order) -> None:
        params = [("symbol", self._symbol(order.instrument_id))]
        params.append(("origClientOrderId", order.client_order_id))
        try:
            resp = await self.rest.request(
                "DELETE",
                "/api/v3/order",
                params,
                signed=True,
                weights=_ONE,
                idempotent=False,
                response_type=OrderResponse,
            )
        except RequestRejected as err:
            self._cancel_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        self.flow.emit(
            self.flow.events.canceled(
                order,
                venue_order_id=str(resp.order_id),
                account_id=self.account_id,
                ts_event=(resp.transact_time or 0) * _MS or None,
            )
        )

    async def _send_cancel_all(
        self, instrument_id: InstrumentId, side: OrderSide | None, targets: list[Order]
    ) -> None:
        if side is not None:
            for order in targets:
                self._command(order.client_order_id, self._send_cancel, order)
            return
        try:
            resp = await self.rest.request(
                "DELETE",
                "/api/v3/openOrders",
                [("symbol", self._symbol(instrument_id))],
                signed=True,
                weights=_ONE,
                idempotent=False,
            )
        except RequestRejected as err:
            for order in targets:
                self._cancel_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve(targets)
            return
        canceled: dict[str, int] = {}
        for entry in resp if isinstance(resp, list) else ():
            if "orderId" in entry:
                canceled[str(entry.get("origClientOrderId") or entry["clientOrderId"])] = int(
                    entry["orderId"]
                )
            for report in entry.get("orderReports", ()):
                canceled[str(report.get("origClientOrderId") or report["clientOrderId"])] = int(
                    report["orderId"]
                )
        ev = self.flow.events
        for order in targets:
            oid = canceled.get(order.client_order_id)
            if oid is not None:
                self.flow.emit(
                    ev.canceled(order, venue_order_id=str(oid), account_id=self.account_id)
                )
            else:
                self.flow.emit(
                    ev.cancel_rejected(
                        order,
                        f"{self.venue}: the order was not open at the venue",
                        RejectCode.UNKNOWN_ORDER,
                        venue_order_id=order.venue_order_id,
                        account_id=self.account_id,
                    )
                )

    # -- reconcile ---------------------------------------------------------------------------
    async def _query(
        self, since_ns: int, instrument_ids: tuple[InstrumentId, ...] | None
    ) -> ReconciliationReport:
        now = self.now_ns()
        now_ms = self.server_clock.now_ms()
        since_ms = since_ns // _MS
        complete = True
        if now_ms - since_ms > _DAY_MS:
            since_ms = now_ms - _DAY_MS + 1000  # myTrades spans at most 24 hours
            complete = False
        aid = self.account_id
        orders: dict[int, OrderStatusReport] = {}
        fills: list[FillReport] = []
        open_params: list[tuple[str, str]] = []
        if instrument_ids is not None and len(instrument_ids) == 1:
            open_params.append(("symbol", self._symbol(instrument_ids[0])))
        open_orders = await self.rest.request(
            "GET",
            "/api/v3/openOrders",
            open_params,
            signed=True,
            weights={"REQUEST_WEIGHT": 6 if open_params else 80},
            response_type=list[OrderResponse],
        )
        wanted = None if instrument_ids is None else set(instrument_ids)
        scope: set[InstrumentId] = set(wanted or ())
        for o in open_orders:
            inst = self.symbols.find(o.symbol)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            orders[o.order_id] = spot_order_report(o, inst, aid, now)
            scope.add(inst.id)
        if wanted is None:
            scope.update(o.instrument_id for o in self.flow.orders)
        for iid in sorted(scope):
            inst = self.symbols.get(iid)
            if inst is None:
                continue
            base = [("symbol", inst.raw_symbol), ("startTime", str(since_ms))]
            history = await self.rest.request(
                "GET",
                "/api/v3/allOrders",
                [*base, ("limit", "1000")],
                signed=True,
                weights={"REQUEST_WEIGHT": 20},
                response_type=list[OrderResponse],
            )
            complete = complete and len(history) < 1000
            for o in history:
                orders.setdefault(o.order_id, spot_order_report(o, inst, aid, now))
            trades = await self.rest.request(
                "GET",
                "/api/v3/myTrades",
                [*base, ("limit", "1000")],
                signed=True,
                weights={"REQUEST_WEIGHT": 20},
                response_type=list[SpotTrade],
            )
            complete = complete and len(trades) < 1000
            fills.extend(spot_fill_report(t, inst, aid, now) for t in trades)
        account = await self.rest.request(
            "GET",
            "/api/v3/account",
            signed=True,
            weights={"REQUEST_WEIGHT": 20},
            response_type=SpotAccount,
        )
        balances = []
        for b in account.balances:
            if Decimal(b.free) == 0 and Decimal(b.locked) == 0:
                continue
            cur = _currency(b.asset)
            free, locked = Money(b.free, cur), Money(b.locked, cur)
            balances.append(
                BalanceReport(
                    account_id=aid,
                    currency=cur,
                    total=free + locked,
                    locked=locked,
                    free=free,
                    ts_event=account.update_time * _MS or now,
                    ts_init=now,
                )
            )
        fills.sort(key=lambda f: (f.ts_event, f.trade_id))
        return ReconciliationReport(
            venue=self.venue,
            account_id=aid,
            since_ns=since_ns,
            instrument_ids=instrument_ids,
            orders=tuple(orders.values()),
            fills=tuple(fills),
            balances=tuple(balances),
            complete=complete,
            ts_event=now_ms * _MS,
            ts_init=now,
        )


class BinanceFutures(_BinanceVenue):
    """Binance USD-M futures as a :class:`lyra.venue.Venue`; see the module docs.

    Arguments as :class:`BinanceSpot`, with ``urls`` a
    :class:`~lyra.adapters.binance.FuturesUrls`, the venue named ``BINANCE_FUTURES`` by
    default, and ``listen_key_keepalive_s`` the interval of the listen key's keep-alive.
    The account trades in one-way mode (``positionSide=BOTH``).
    """

    _spot = False
    _default_venue = "BINANCE_FUTURES"

    def __init__(
        self,
        bus: EventBus,
        *,
        credentials: Credentials | None = None,
        urls: FuturesUrls = FUTURES_PRODUCTION,
        clock: Clock | Callable[[], int] | None = None,
        venue: str = "BINANCE_FUTURES",
        account_id: str | None = None,
        symbols: Iterable[str] | None = None,
        recv_window_ms: int = 5000,
        maker_fee: Decimal | str = "0.0002",
        taker_fee: Decimal | str = "0.0005",
        verify_tls: bool = True,
        connect_timeout_s: float = 10.0,
        request_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        heartbeat: WsHeartbeat | None = None,
        listen_key_keepalive_s: float = 1800.0,
    ) -> None:
        if not isinstance(urls, FuturesUrls):
            raise InvalidInput("urls", "must be FuturesUrls", urls)
        self.urls = urls
        self._keepalive_s = listen_key_keepalive_s
        super().__init__(
            bus,
            credentials=credentials,
            clock=clock,
            venue=venue,
            account_id=account_id,
            rest_url=urls.rest,
            capabilities=FUTURES_CAPABILITIES,
            symbols=symbols,
            recv_window_ms=recv_window_ms,
            maker_fee=maker_fee,
            taker_fee=taker_fee,
            verify_tls=verify_tls,
            connect_timeout_s=connect_timeout_s,
            request_timeout_s=request_timeout_s,
            backoff=backoff,
            heartbeat=heartbeat,
        )
        self._head = self.decoder.decoder(EventHead)

    def _route(self, stream: str) -> str:
        return "public" if ("@depth" in stream or stream.endswith("@bookTicker")) else "market"

    def _stream_url(self, route: str) -> str:
        base = self.urls.ws_public if route == "public" else self.urls.ws_market
        return f"{base}/stream"

    # -- user data stream --------------------------------------------------------------------
    async def _user_url(self) -> str:
        # a POST returns the account's active listen key and extends it: fresh per connect
        resp = await self.rest.request(
            "POST",
            "/fapi/v1/listenKey",
            keyed=True,
            weights=_ONE,
            idempotent=True,
            response_type=ListenKey,
        )
        return f"{self.urls.ws_private}/ws/{resp.listen_key}"

    async def _open_user_stream(self) -> None:
        client = WebSocketClient(
            self._user_url,
            name=f"{self.venue} user data",
            on_message=self._on_user_frame,
            on_connected=self._user_connected,
            on_disconnected=self._user_lost,
            heartbeat=self._heartbeat,
            backoff=self._backoff,
            connect_timeout_s=self._connect_timeout_s,
            verify_tls=self._verify_tls,
        )
        self._user = client
        assert self._tg is not None
        await self._tg.start(client.run)
        self._tg.start_soon(self._keep_listen_key_alive)

    async def _keep_listen_key_alive(self) -> None:
        import anyio

        while True:
            await anyio.sleep(self._keepalive_s)
            try:
                await self.rest.request(
                    "PUT", "/fapi/v1/listenKey", keyed=True, weights=_ONE, idempotent=True
                )
            except VenueError as exc:
                self.flow.anomaly(
                    AnomalyKind.UNRECONCILED, f"listen key keep-alive failed: {exc.code}"
                )

    def _user_connected(self, number: int) -> None:
        if number > 1:
            self.connection_restored()

    def _on_user_frame(self, frame: Frame) -> None:
        try:
            kind = self._head.decode(frame).event
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self._malformed("user event", frame, exc)
            self._user_malformed()
            return
        if kind == "ORDER_TRADE_UPDATE":
            msg = self.decoder.try_decode(OrderTradeUpdate, frame)
            if msg is None:
                self._user_malformed()
            else:
                self._on_order_update(msg)
        elif kind == "ACCOUNT_UPDATE":
            acct = self.decoder.try_decode(AccountUpdate, frame)
            if acct is not None:
                self._on_account_update(acct)
        elif kind == "listenKeyExpired" and self._user is not None:
            self._spawn(self._user.drop, "listen key expired")

    def _on_order_update(self, msg: OrderTradeUpdate) -> None:
        o = msg.order
        order = self._order_of(o.client_order_id, o.order_id)
        if order is None:
            self.flow.anomaly(
                AnomalyKind.UNKNOWN_ORDER,
                f"ORDER_TRADE_UPDATE {o.execution_type} for order {o.order_id} "
                f"({o.client_order_id}), which {self.venue} does not track",
                venue_order_id=str(o.order_id),
                ts_event=msg.event_time * _MS,
            )
            return
        instrument = self.symbols.find(o.symbol)
        if instrument is None:
            return
        ts = o.trade_time or msg.transaction_time
        for event in futures_events(o, order, self.flow.events, self.account_id, instrument, ts):
            self.flow.emit(event)

    def _on_account_update(self, msg: AccountUpdate) -> None:
        now = self.now_ns()
        for b in msg.data.balances:
            cur = _currency(b.asset)
            total = Money(b.wallet_balance, cur)
            self._balances[b.asset] = AccountBalance(
                total=total, locked=Money.zero(cur), free=total
            )
        self._publish_account(msg.event_time)
        topic = topics.account_events(self.account_id)
        for p in msg.data.positions:
            inst = self.symbols.find(p.symbol)
            if inst is None:
                continue
            report = _position_report(
                inst, p.amount, p.entry_price, self.account_id, msg.event_time, now
            )
            self._positions[inst.id] = report
            self.bus.publish(topic, report)

    # -- commands ---------------------------------------------------------------------------
    async def _send_submit(self, order: Order) -> None:
        symbol = self._symbol(order.instrument_id)
        try:
            resp = await self.rest.request(
                "POST",
                "/fapi/v1/order",
                futures_order_params(order, symbol),
                signed=True,
                weights={"ORDERS": 1},
                idempotent=False,
                response_type=FuturesOrderResponse,
            )
        except RequestRejected as err:
            self._reject(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        self._accepted_from_rest(order, resp.order_id, resp.update_time)

    async def _send_submit_list(self, order_list: OrderList) -> None:
        raise NotSupported("Binance USD-M has no native order lists", venue=self.venue)

    async def _send_modify(
        self,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        qty = order.quantity if quantity is UNSET else quantity
        px = order.price if price is UNSET else price
        assert isinstance(qty, Quantity) and isinstance(px, Price)
        try:
            resp = await self.rest.request(
                "PUT",
                "/fapi/v1/order",
                [
                    ("symbol", self._symbol(order.instrument_id)),
                    ("origClientOrderId", order.client_order_id),
                    ("side", "BUY" if order.side is OrderSide.BUY else "SELL"),
                    ("quantity", str(qty)),
                    ("price", str(px)),
                ],
                signed=True,
                weights={"ORDERS": 1},
                idempotent=False,
                response_type=FuturesOrderResponse,
            )
        except RequestRejected as err:
            self._modify_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        instrument = self._instrument(order.instrument_id)
        self.flow.emit(
            self.flow.events.updated(
                order,
                quantity=quantity_of(resp.orig_qty, instrument),
                price=price_of(resp.price, instrument),
                venue_order_id=str(resp.order_id),
                account_id=self.account_id,
                ts_event=(resp.update_time or 0) * _MS or None,
            )
        )

    async def _send_cancel(self, order: Order) -> None:
        try:
            resp = await self.rest.request(
                "DELETE",
                "/fapi/v1/order",
                [
                    ("symbol", self._symbol(order.instrument_id)),
                    ("origClientOrderId", order.client_order_id),
                ],
                signed=True,
                weights={"REQUEST_WEIGHT": 1},
                idempotent=False,
                response_type=FuturesOrderResponse,
            )
        except RequestRejected as err:
            self._cancel_refused(order, err)
            return
        except (RequestStatusUnknown, TransportError):
            await self._resolve([order])
            return
        self.flow.emit(
            self.flow.events.canceled(
                order,
                venue_order_id=str(resp.order_id),
                account_id=self.account_id,
                ts_event=(resp.update_time or 0) * _MS or None,
            )
        )

    async def _send_cancel_all(
        self, instrument_id: InstrumentId, side: OrderSide | None, targets: list[Order]
    ) -> None:
        # one cancel per order: DELETE allOpenOrders answers no list, and would also cancel
        # orders placed outside Lyra
        for order in targets:
            self._command(order.client_order_id, self._send_cancel, order)

    # -- reconcile ---------------------------------------------------------------------------
    async def _query(
        self, since_ns: int, instrument_ids: tuple[InstrumentId, ...] | None
    ) -> ReconciliationReport:
        now = self.now_ns()
        now_ms = self.server_clock.now_ms()
        since_ms = since_ns // _MS
        complete = True
        if now_ms - since_ms > 7 * _DAY_MS:
            since_ms = now_ms - 7 * _DAY_MS + 1000
            complete = False
        aid = self.account_id
        orders: dict[int, OrderStatusReport] = {}
        fills: list[FillReport] = []
        open_orders = await self.rest.request(
            "GET",
            "/fapi/v1/openOrders",
            signed=True,
            weights={"REQUEST_WEIGHT": 40},
            response_type=list[FuturesOrderResponse],
        )
        wanted = None if instrument_ids is None else set(instrument_ids)
        scope: set[InstrumentId] = set(wanted or ())
        for o in open_orders:
            inst = self.symbols.find(o.symbol)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            orders[o.order_id] = futures_order_report(o, inst, aid, now)
            scope.add(inst.id)
        if wanted is None:
            scope.update(o.instrument_id for o in self.flow.orders)
        for iid in sorted(scope):
            inst = self.symbols.get(iid)
            if inst is None:
                continue
            base = [("symbol", inst.raw_symbol), ("startTime", str(since_ms))]
            history = await self.rest.request(
                "GET",
                "/fapi/v1/allOrders",
                [*base, ("limit", "1000")],
                signed=True,
                weights={"REQUEST_WEIGHT": 5},
                response_type=list[FuturesOrderResponse],
            )
            complete = complete and len(history) < 1000
            for o in history:
                orders.setdefault(o.order_id, futures_order_report(o, inst, aid, now))
            trades = await self.rest.request(
                "GET",
                "/fapi/v1/userTrades",
                [*base, ("limit", "1000")],
                signed=True,
                weights={"REQUEST_WEIGHT": 5},
                response_type=list[FuturesTrade],
            )
            complete = complete and len(trades) < 1000
            fills.extend(futures_fill_report(t, inst, aid, now) for t in trades)
        risks = await self.rest.request(
            "GET",
            "/fapi/v2/positionRisk",
            signed=True,
            weights={"REQUEST_WEIGHT": 5},
            response_type=list[PositionRisk],
        )
        positions = []
        for r in risks:
            inst = self.symbols.find(r.symbol)
            if inst is None or (wanted is not None and inst.id not in wanted):
                continue
            positions.append(
                _position_report(inst, r.position_amt, r.entry_price, aid, r.update_time, now)
            )
        assets = await self.rest.request(
            "GET",
            "/fapi/v2/balance",
            signed=True,
            weights={"REQUEST_WEIGHT": 5},
            response_type=list[FuturesBalance],
        )
        balances = []
        for a in assets:
            cur = _currency(a.asset)
            total = Money(a.balance, cur)
            free = Money(a.available_balance, cur)
            if total.is_zero() and free.is_zero():
                continue
            balances.append(
                BalanceReport(
                    account_id=aid,
                    currency=cur,
                    total=total,
                    locked=total - free,
                    free=free,
                    ts_event=a.update_time * _MS or now,
                    ts_init=now,
                )
            )
        fills.sort(key=lambda f: (f.ts_event, f.trade_id))
        return ReconciliationReport(
            venue=self.venue,
            account_id=aid,
            since_ns=since_ns,
            instrument_ids=instrument_ids,
            orders=tuple(orders.values()),
            fills=tuple(fills),
            positions=tuple(positions),
            balances=tuple(balances),
            complete=complete,
            ts_event=now_ms * _MS,
            ts_init=now,
        )


def _position_report(
    instrument: Instrument,
    amount: str,
    entry_price: str,
    account_id: Any,
    ts_ms: int,
    now: int,
) -> PositionStatusReport:
    signed = Decimal(amount)
    side = (
        PositionSide.FLAT
        if signed == 0
        else (PositionSide.LONG if signed > 0 else PositionSide.SHORT)
    )
    qty = quantity_of(str(abs(signed)) if signed else "0", instrument)
    entry = Decimal(entry_price)
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        side=side,
        quantity=qty,
        avg_px_open=entry if signed else None,
        ts_last=ts_ms * _MS,
        ts_init=now,
    )
