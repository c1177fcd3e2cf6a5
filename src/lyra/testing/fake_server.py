"""The base of fake venue servers: a real HTTP and websocket server on localhost, backed by
Lyra's :class:`~lyra.sim.SimulatedExchange`.

A fake venue speaks a real venue's protocol -- its REST paths, its websocket messages, its
signatures, its error codes -- so an adapter (Lyra's or anyone's) talks to it exactly as it
would talk to the venue, over real sockets, with no network and no keys. The venue-specific
part (:class:`lyra.testing.FakeBinance`) writes the protocol; this module provides what
every fake venue needs:

* :class:`FakeMarket` -- one simulated market: the exchange, a *liquidity* account whose
  resting orders are the public order book (:meth:`FakeMarket.set_book`), the client
  accounts (one per API key), the book as the venue would publish it (every resting
  order's visible quantity, aggregated by price: :meth:`FakeMarket.displayed`), and
  tools to move the market (:meth:`FakeMarket.trade` prints a trade through the book);
* :class:`FakeVenueServer` -- the servers (aiohttp for REST, ``websockets`` for streams),
  bound to ``127.0.0.1`` on free ports, the websocket connections
  (:class:`FakeConnection`, each with its own ordered outbox), a periodic tick that lets
  time-driven events happen (GTD expiry), and the fault injector
  (:class:`~lyra.testing.Faults`).

Both only ever bind the loopback interface. The servers need asyncio (aiohttp and
websockets); run them under anyio's asyncio backend or plain asyncio.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Final, Self

from lyra.adapters.ws import WIRE_LOGGER, require_asyncio
from lyra.bus import EventBus
from lyra.clock import Clock, LiveClock
from lyra.errors import InvalidInput, MissingDependency
from lyra.model.data import TradeTick
from lyra.model.enums import (
    AccountType,
    AggressorSide,
    BookType,
    OrderSide,
    OrderStatus,
    OrderType,
)
from lyra.model.identifiers import ClientOrderId, InstrumentId, TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import OrderEvent
from lyra.orders.factory import OrderFactory
from lyra.orders.order import Order
from lyra.sim.exchange import SimulatedExchange, SimulatedVenue
from lyra.testing.faults import Faults

__all__ = ("LOOPBACK", "FakeConnection", "FakeMarket", "FakeVenueServer", "Level")

_log = logging.getLogger("lyra.testing")

LOOPBACK: Final = "127.0.0.1"
"""The only address a fake server binds."""

Level = tuple[Price, Quantity]
"""A price level: price and aggregate visible quantity."""

_S = OrderStatus
_T = OrderType
_RESTING_LIMIT: Final = frozenset({_T.LIMIT})
_LIMIT_AFTER_TRIGGER: Final = frozenset(
    {_T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED, _T.TRAILING_STOP_LIMIT}
)
_WORKING: Final = frozenset(
    {_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED, _S.PENDING_UPDATE, _S.PENDING_CANCEL}
)
_BIG: Final = Decimal("1000000000")


def _visible(order: Order) -> Quantity | None:
    """What ``order`` shows in the book, or ``None`` if it is not resting there."""
    if order.status not in _WORKING or order.price is None:
        return None
    kind = order.order_type
    if kind not in _RESTING_LIMIT and not (
        kind in _LIMIT_AFTER_TRIGGER and order.ts_triggered is not None
    ):
        return None
    leaves = order.leaves_qty
    shown = order.display_qty
    if shown is not None and shown < leaves:
        return shown
    return leaves


class FakeMarket:
    """One simulated market behind a fake venue; see the module docs.

    ``venue`` names it (the ``VENUE`` of its instrument ids); ``account_type`` is CASH for
    spot, MARGIN for derivatives. ``on_event`` (set by the venue) receives every order
    event of every account, liquidity included; ``on_book`` receives the level changes
    of an instrument after each :meth:`settle` as ``(side, price, size)`` with size 0 for
    a removed level.
    """

    def __init__(
        self,
        venue: str,
        instruments: Sequence[Instrument],
        *,
        clock: Clock,
        account_type: AccountType = AccountType.CASH,
        leverage: int | str = 10,
    ) -> None:
        if not instruments:
            raise InvalidInput("instruments", "must hold at least one instrument", instruments)
        self.venue = venue
        self.clock = clock
        self.bus = EventBus()
        self.instruments: dict[InstrumentId, Instrument] = {i.id: i for i in instruments}
        self.exchange = SimulatedExchange(
            venue,
            bus=self.bus,
            clock=clock,
            instruments=instruments,
            book_type=BookType.L2_MBP,
            account_type=account_type,
            account_id=f"{venue}-HOUSE",
            leverage=leverage,
        )
        self.account_type = account_type
        self.factory = OrderFactory("FAKE", clock=clock)
        self._ids = itertools.count(1)
        balances: dict[str, Money] = {}
        for inst in instruments:
            for cur in (inst.base_currency, inst.quote_currency, inst.settlement_currency):
                if cur is not None:
                    balances[cur.code] = Money(_BIG, cur)
        self.liquidity: SimulatedVenue = self.exchange.add_account(
            f"{venue}-LIQUIDITY", balances.values()
        )
        self.on_event: Callable[[OrderEvent], None] | None = None
        self.on_book: Callable[[InstrumentId, list[tuple[int, Price, Quantity]]], None] | None = (
            None
        )
        self._shown: dict[InstrumentId, tuple[dict[Price, Quantity], dict[Price, Quantity]]] = {}
        self._print_ids = itertools.count(1)
        self.bus.subscribe("events.order.*", self._dispatch)

    # -- ids and orders ---------------------------------------------------------------------
    def new_client_order_id(self, prefix: str = "F") -> ClientOrderId:
        """A fresh internal client order id (unique in this market)."""
        return ClientOrderId(f"{prefix}{next(self._ids)}")

    def add_account(self, account_id: str, balances: Iterable[Money] = ()) -> SimulatedVenue:
        """Open a client account with ``balances``; returns the venue bound to it."""
        return self.exchange.add_account(account_id, balances)

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        """The instrument with that id."""
        found = self.instruments.get(InstrumentId(instrument_id))
        if found is None:
            raise InvalidInput("instrument_id", f"is not traded on {self.venue}", instrument_id)
        return found

    # -- time and events ------------------------------------------------------------------------
    def settle(self) -> None:
        """Let the exchange deliver everything due now, then publish book changes."""
        self.exchange.settle()
        self.publish_books()

    def _dispatch(self, event: OrderEvent) -> None:
        handler = self.on_event
        if handler is not None:
            handler(event)

    # -- the book as published ------------------------------------------------------------------
    def displayed(self, instrument_id: InstrumentId | str) -> tuple[list[Level], list[Level]]:
        """The book as the venue publishes it: every resting order's visible quantity,
        aggregated by price; bids high to low, asks low to high."""
        bids, asks = self._levels(InstrumentId(instrument_id))
        return (
            sorted(bids.items(), key=lambda kv: kv[0], reverse=True),
            sorted(asks.items(), key=lambda kv: kv[0]),
        )

    def _levels(self, iid: InstrumentId) -> tuple[dict[Price, Quantity], dict[Price, Quantity]]:
        bids: dict[Price, Quantity] = {}
        asks: dict[Price, Quantity] = {}
        for order in self.exchange.open_orders(iid):
            shown = _visible(order)
            if shown is None or not shown.is_positive():
                continue
            side = bids if order.side is OrderSide.BUY else asks
            px = order.price
            assert px is not None
            prev = side.get(px)
            side[px] = shown if prev is None else prev + shown
        return bids, asks

    def publish_books(self) -> None:
        """Compare each book with what was last published and report the changes."""
        for iid in self.instruments:
            now = self._levels(iid)
            before = self._shown.get(iid, ({}, {}))
            changes: list[tuple[int, Price, Quantity]] = []
            for side, (new, old) in ((1, (now[0], before[0])), (2, (now[1], before[1]))):
                for px, qty in new.items():
                    if old.get(px) != qty:
                        changes.append((side, px, qty))
                for px, qty in old.items():
                    if px not in new:
                        changes.append((side, px, Quantity.zero(qty.precision)))
            self._shown[iid] = now
            if changes and self.on_book is not None:
                changes.sort(key=lambda c: (c[0], c[1]))
                self.on_book(iid, changes)

    # -- moving the market ------------------------------------------------------------------------
    def set_book(
        self,
        instrument_id: InstrumentId | str,
        bids: Iterable[tuple[Price | str, Quantity | str]],
        asks: Iterable[tuple[Price | str, Quantity | str]],
    ) -> None:
        """Make the liquidity account's resting orders of an instrument exactly these levels
        (other accounts' orders stay): levels that change are replaced, the rest kept, all in
        one step, so the book moves in one update. A level that crosses resting orders
        trades with them."""
        iid = InstrumentId(instrument_id)
        inst = self.instrument(iid)
        self.exchange.settle()
        wanted: dict[tuple[OrderSide, Price], Quantity] = {}
        for side, levels in ((OrderSide.BUY, bids), (OrderSide.SELL, asks)):
            for px, qty in levels:
                wanted[(side, inst.make_price(px))] = inst.make_qty(qty)
        liquidity = self.liquidity
        mine = liquidity.account_id
        for order in self.exchange.open_orders(iid):
            if order.account_id != mine or order.price is None:
                continue
            key = (order.side, order.price)
            if wanted.get(key) == order.leaves_qty and order.status in _WORKING:
                del wanted[key]  # already there
            elif order.status not in (_S.PENDING_CANCEL,):
                liquidity.cancel_order(order)
        for (side, px), qty in wanted.items():
            order = self.factory.limit(
                iid, side, qty, px, client_order_id=self.new_client_order_id("L")
            )
            liquidity.submit_order(order)
        self.settle()

    def liquidity_order(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        price: Price | str | None,
        quantity: Quantity | str,
    ) -> Order:
        """Send one order from the liquidity account (a LIMIT at ``price``, or a MARKET
        order when ``price`` is ``None``): the rest of the market trading."""
        iid = InstrumentId(instrument_id)
        inst = self.instrument(iid)
        cid = self.new_client_order_id("L")
        if price is None:
            order = self.factory.market(iid, side, inst.make_qty(quantity), client_order_id=cid)
        else:
            order = self.factory.limit(
                iid, side, inst.make_qty(quantity), inst.make_price(price), client_order_id=cid
            )
        self.liquidity.submit_order(order)
        self.settle()
        return order

    def trade(
        self,
        instrument_id: InstrumentId | str,
        price: Price | str,
        quantity: Quantity | str,
        aggressor: AggressorSide = AggressorSide.NO_AGGRESSOR,
    ) -> TradeTick:
        """Print a trade of ``quantity`` at ``price``: resting orders the trade went
        through fill completely, orders at the price fill in queue order (the exchange's
        trade rules). Returns the print."""
        iid = InstrumentId(instrument_id)
        inst = self.instrument(iid)
        self.exchange.settle()
        now = self.clock.timestamp_ns()
        tick = TradeTick(
            iid,
            inst.make_price(price),
            inst.make_qty(quantity),
            AggressorSide(aggressor),
            TradeId(f"P{next(self._print_ids)}"),
            max(now, self.exchange.now),
            now,
        )
        self.exchange.process_trade(tick)
        self.settle()
        return tick

    def __repr__(self) -> str:
        return f"FakeMarket({self.venue}, {len(self.instruments)} instruments)"


class FakeConnection:
    """One websocket connection of a fake server: an ordered outbox and what the venue
    protocol attaches to it (``kind``, ``subscriptions``, ``account``, ``meta``)."""

    def __init__(self, server: FakeVenueServer, ws: Any, path: str, number: int) -> None:
        self.server = server
        self.ws = ws
        self.path = path
        self.number = number
        self.kind = "market"
        self.subscriptions: set[str] = set()
        self.account: Any = None
        self.meta: dict[str, Any] = {}
        self.closed = False
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task."""
        self._writer = asyncio.get_running_loop().create_task(self._write())

    def send(self, text: str) -> None:
        """Queue one frame (never blocks the exchange)."""
        if not self.closed:
            self._outbox.put_nowait(text)

    def close_soon(self) -> None:
        """Close the connection after the frames already queued."""
        if not self.closed:
            self.closed = True
            self._outbox.put_nowait(None)

    async def _write(self) -> None:
        faults = self.server.faults
        ws = self.ws
        try:
            while True:
                text = await self._outbox.get()
                if text is None:
                    await ws.close(code=1001, reason="going away")
                    return
                delay = faults.take_delay(self.kind)
                if delay:
                    await asyncio.sleep(delay)
                if faults.take_malformed(self.kind):
                    text = self.server.malformed(text)
                await ws.send(text)
        except Exception:  # the peer went away: nothing left to deliver
            self.closed = True

    async def stop(self) -> None:
        """Stop the writer."""
        self.closed = True
        task, self._writer = self._writer, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def __repr__(self) -> str:
        return f"FakeConnection({self.kind}, #{self.number}, {len(self.subscriptions)} subs)"


def _aiohttp_web() -> Any:
    try:
        from aiohttp import web
    except ImportError:  # pragma: no cover
        raise MissingDependency("fake servers need aiohttp: pip install lyra[adapters]") from None
    return web


class FakeVenueServer(abc.ABC):
    """The servers and plumbing of a fake venue; a venue subclass adds its protocol.

    Subclasses implement :meth:`add_routes` (REST), :meth:`serve` (one websocket
    connection) and :meth:`malformed` (a frame that breaks the protocol), and append their
    :class:`FakeMarket` values to :attr:`markets` (the tick settles them). Use it as
    ``async with FakeX(...) as fake:``; :attr:`http_url` and :attr:`ws_url` are the bases to
    point an adapter at.
    """

    def __init__(self, *, clock: Clock | None = None, tick_s: float = 0.02) -> None:
        self.clock: Clock = clock if clock is not None else LiveClock()
        self.tick_s = tick_s
        self.faults = Faults(on_drop=self._drop)
        self.markets: list[FakeMarket] = []
        self.connections: set[FakeConnection] = set()
        #: every REST request served, as ``"METHOD /path"``
        self.requests: list[str] = []
        self.http_port = 0
        self.ws_port = 0
        self._runner: Any = None
        self._ws_server: Any = None
        self._tick: asyncio.Task[None] | None = None
        self._numbers = itertools.count(1)
        self._running = False

    # -- what a venue implements -------------------------------------------------------------
    @abc.abstractmethod
    def add_routes(self, app: Any) -> None:
        """Add the venue's REST routes to the aiohttp application."""
        ...

    @abc.abstractmethod
    async def serve(self, conn: FakeConnection) -> None:
        """Speak the venue's websocket protocol on ``conn`` until it closes."""
        ...

    def malformed(self, frame: str) -> str:
        """A broken version of ``frame`` (for :meth:`Faults.malformed_frame`)."""
        return frame[: max(1, len(frame) // 2)]

    # -- addresses --------------------------------------------------------------------------
    @property
    def http_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:<port>``."""
        return f"ws://{LOOPBACK}:{self.ws_port}"

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind both servers to free loopback ports and start serving."""
        require_asyncio(type(self).__name__)
        if self._running:
            return
        web = _aiohttp_web()
        try:
            from websockets.asyncio.server import serve
        except ImportError:  # pragma: no cover
            raise MissingDependency(
                "fake servers need websockets: pip install lyra[adapters]"
            ) from None
        app = web.Application(middlewares=[self._middleware])
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, 0)
        await site.start()
        self._runner = runner
        self.http_port = runner.addresses[0][1]
        self._ws_server = await serve(
            self._accept,
            LOOPBACK,
            0,
            ping_interval=None,
            compression=None,
            max_size=2**22,
            logger=WIRE_LOGGER,
        )
        self.ws_port = next(iter(self._ws_server.sockets)).getsockname()[1]
        self._tick = asyncio.get_running_loop().create_task(self._ticker())
        self._running = True

    async def close(self) -> None:
        """Close every connection and stop both servers."""
        if not self._running:
            return
        self._running = False
        tick, self._tick = self._tick, None
        if tick is not None:
            tick.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tick
        for conn in list(self.connections):
            conn.close_soon()
        server, self._ws_server = self._ws_server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for conn in list(self.connections):
            await conn.stop()
        self.connections.clear()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- plumbing ------------------------------------------------------------------------------
    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            for market in self.markets:
                try:
                    market.settle()
                except Exception:  # a bug in a handler must not stop time
                    _log.exception("fake venue tick failed")

    @property
    def _middleware(self) -> Any:
        web = _aiohttp_web()

        @web.middleware  # type: ignore[untyped-decorator]
        async def record(request: Any, handler: Any) -> Any:
            self.requests.append(f"{request.method} {request.path}")
            response = await handler(request)
            # a delayed answer: the request is done, the client just does not know yet
            delay = self.faults.take_delay("rest")
            if delay:
                await asyncio.sleep(delay)
            return response

        return record

    async def _accept(self, ws: Any) -> None:
        path = ws.request.path if ws.request is not None else "/"
        conn = FakeConnection(self, ws, path, next(self._numbers))
        conn.start()
        self.connections.add(conn)
        try:
            await self.serve(conn)
        except Exception:  # the peer went away
            pass
        finally:
            self.connections.discard(conn)
            await conn.stop()

    def _drop(self, kind: str) -> int:
        n = 0
        for conn in list(self.connections):
            if kind == "all" or conn.kind == kind:
                conn.close_soon()
                n += 1
        return n

    def connections_of(self, kind: str) -> list[FakeConnection]:
        """The open connections of ``kind`` (``"market"``, ``"user"``, ``"api"``)."""
        return [c for c in self.connections if c.kind == kind and not c.closed]

    def __repr__(self) -> str:
        state = f"{self.http_url} / {self.ws_url}" if self._running else "not running"
        return f"{type(self).__name__}({state})"
