"""A complete custom venue: implement ``lyra.venue.Venue`` in memory, then trade on it.

``ToyVenue`` is a whole venue in about 250 lines: one traded price per instrument, market
orders fill at that price, limit orders fill at once when the price is at or through their
limit and otherwise rest until :meth:`ToyVenue.set_price` crosses them. It modifies in place,
cancels, cancels all, streams quotes and trades, and answers ``reconcile``. Its answers are
queued and delivered by a background task while the venue is entered (``async with``), as a
network venue's would be. :class:`lyra.venue.OrderFlow` does the contract's local half --
checks, refusals, apply-then-publish -- so the class only models the exchange.

The strategy below knows only the ``Venue`` protocol. It runs twice: on a quiet ToyVenue,
and on a noisy one that reports each fill before the acknowledgement and sends every answer
twice, as live venues do over REST plus websocket. The strategy sees the same events both
times. ``tests/venue/`` runs the conformance checks of :mod:`lyra.venue.testing` against
this class.

Run: ``python examples/custom_venue.py``
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

import anyio
import anyio.lowlevel

from lyra import topics
from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.data import BarType, QuoteTick, TradeTick
from lyra.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from lyra.model.identifiers import AccountId, InstrumentId, TradeId, Venue, VenueOrderId
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled, OrderList
from lyra.venue import (  # lyra.model's Venue is the venue's *name*; this one is the protocol
    UNSET,
    AmendMode,
    ConnectionStatus,
    FillReport,
    NotSupported,
    OrderFlow,
    OrderStatusReport,
    PositionStatusReport,
    ReconciliationReport,
    RejectCode,
    SubscriptionSet,
    Unset,
    Venue as VenueProtocol,
    VenueCapabilities,
    VenueNotConnected,
)

CAPABILITIES = VenueCapabilities(
    order_types=frozenset({OrderType.MARKET, OrderType.LIMIT}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    post_only=True,
    amend=AmendMode.IN_PLACE,
    amend_quantity=True,
    amend_quantity_increase=True,
    amend_price=True,
    book=False,
)
"""What ToyVenue supports: MARKET and LIMIT, post-only, in-place amends; no native lists."""


@dataclass
class _VenueOrder:
    """The venue's own record of an order (what it would report), separate from Lyra's."""

    order: Order
    venue_order_id: VenueOrderId
    price: Price | None
    quantity: Quantity
    status: OrderStatus
    ts_accepted: int
    ts_last: int
    avg_px: Price | None = None


class ToyVenue:
    """An in-memory venue implementing :class:`lyra.venue.Venue` (see the module docs).

    ``prices`` are the starting traded prices; ``currency`` the quote currency of every
    instrument; ``capabilities`` default to :data:`CAPABILITIES`. With ``noisy=True`` a
    marketable order's fill is reported before its acknowledgement and every answer is sent
    twice.
    """

    def __init__(
        self,
        bus: EventBus,
        clock: Callable[[], int] | None = None,
        *,
        venue: str = "TOY",
        account_id: str = "TOY-001",
        prices: dict[str, Price] | None = None,
        currency: str = "USD",
        capabilities: VenueCapabilities = CAPABILITIES,
        noisy: bool = False,
    ) -> None:
        self._flow = OrderFlow(venue, account_id, bus, clock, capabilities=capabilities)
        self._bus = bus
        self._prices = {InstrumentId(k): v for k, v in (prices or {}).items()}
        self._currency = Currency.from_str(currency)
        self._noisy = noisy
        self._book: dict[str, _VenueOrder] = {}  # every order the venue took, by client id
        self._fills: list[FillReport] = []
        self._outbox: deque[Callable[[], None]] = deque()
        self._subs: SubscriptionSet[tuple[str, InstrumentId]] = SubscriptionSet()
        self._ids = 0
        self.messages = 0  # venue messages sent, duplicates included
        self._wakeup: anyio.Event | None = None
        self._cm: Any = None

    # -- identity -----------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self._flow.venue

    @property
    def account_id(self) -> AccountId:
        return self._flow.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        return self._flow.capabilities

    @property
    def status(self) -> ConnectionStatus:
        return self._flow.status

    @property
    def connected(self) -> bool:
        return self._flow.connected

    # -- commands: OrderFlow checks and publishes, the venue answers later ---------------------
    def submit_order(self, order: Order) -> None:
        if self._flow.begin_submit(order):
            self._send(lambda: self._on_new(order))

    def submit_order_list(self, order_list: OrderList) -> None:
        if self._flow.begin_submit_list(order_list):  # never true here: no native lists
            for order in order_list:
                self._send(lambda o=order: self._on_new(o))  # type: ignore[misc]

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        if self._flow.begin_modify(order, quantity, price, trigger_price):
            self._send(lambda: self._on_modify(order, quantity, price))

    def cancel_order(self, order: Order) -> None:
        if self._flow.begin_cancel(order):
            self._send(lambda: self._on_cancel(order))

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        for order in self._flow.begin_cancel_all(instrument_id, side):
            self._send(lambda o=order: self._on_cancel(o))  # type: ignore[misc]

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        self._flow.adopt(orders)

    # -- market data ----------------------------------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._subs.add(("quotes", self._own(instrument_id)))

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._subs.remove(("quotes", self._own(instrument_id)))

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        self._subs.add(("trades", self._own(instrument_id)))

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        self._subs.remove(("trades", self._own(instrument_id)))

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        reason = self.capabilities.supports_book(depth)
        raise NotSupported(reason or "book: not streamed", venue=self.venue)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        pass  # nothing was ever subscribed

    def subscribe_bars(self, bar_type: BarType) -> None:
        reason = self.capabilities.supports_bars(bar_type)
        raise NotSupported(reason or "bars: not streamed", venue=self.venue)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        pass

    # -- recovery -------------------------------------------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        if not self.connected:
            raise VenueNotConnected(venue=self.venue)
        await anyio.lowlevel.checkpoint()  # a real venue would query here
        scope = None if instrument_ids is None else set(instrument_ids)
        now = self._flow.now()
        orders = tuple(
            self._report(v, now)
            for v in self._book.values()
            if (scope is None or v.order.instrument_id in scope)
            and (v.status == OrderStatus.ACCEPTED or v.ts_last >= since_ns)
        )
        fills = tuple(
            f
            for f in self._fills
            if f.ts_event >= since_ns and (scope is None or f.instrument_id in scope)
        )
        net: dict[InstrumentId, Decimal] = {}
        for f in self._fills:
            signed = f.last_qty.as_decimal() * (1 if f.order_side == OrderSide.BUY else -1)
            net[f.instrument_id] = net.get(f.instrument_id, Decimal(0)) + signed
        positions = tuple(
            PositionStatusReport(
                account_id=self.account_id,
                instrument_id=iid,
                side=PositionSide.FLAT
                if not q
                else PositionSide.LONG
                if q > 0
                else PositionSide.SHORT,
                quantity=Quantity(abs(q)),
                ts_last=now,
                ts_init=now,
            )
            for iid, q in net.items()
            if scope is None or iid in scope
        )
        return ReconciliationReport(
            venue=self.venue,
            account_id=self.account_id,
            since_ns=since_ns,
            instrument_ids=None if scope is None else tuple(scope),
            orders=orders,
            fills=fills,
            positions=positions,
            ts_event=now,
            ts_init=now,
        )

    # -- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> ToyVenue:
        self._cm = self._running()
        await self._cm.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        cm, self._cm = self._cm, None
        return bool(await cm.__aexit__(exc_type, exc, tb))

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self._flow.set_status(ConnectionStatus.CONNECTING, "opening the in-memory venue")
        body_error: BaseException | None = None
        try:
            async with anyio.create_task_group() as tg:
                self._wakeup = anyio.Event()
                tg.start_soon(self._pump)
                self._flow.set_status(ConnectionStatus.CONNECTED, "ready")
                try:
                    yield
                except BaseException as exc:  # re-raised below, outside the task group
                    body_error = exc
                tg.cancel_scope.cancel()
        finally:  # also when the exit happens under cancellation
            self._wakeup = None
            self._flow.set_status(ConnectionStatus.DISCONNECTED, "closed by user")
        if body_error is not None:
            raise body_error

    async def _pump(self) -> None:
        while True:
            self.process()
            self._wakeup = wakeup = anyio.Event()
            if not self._outbox:
                await wakeup.wait()

    def process(self) -> int:
        """Deliver every queued answer now; returns how many (the background task calls it)."""
        n = 0
        while self._outbox:
            self._outbox.popleft()()
            n += 1
        return n

    async def settled(self) -> None:
        """Wait until every queued answer has been delivered."""
        while self._outbox:
            await anyio.sleep(0)

    # -- the exchange -----------------------------------------------------------------------------
    def set_price(self, instrument_id: str, price: Price) -> None:
        """The market now trades at ``price``: publish data, fill the orders it crosses."""
        iid = self._own(InstrumentId(instrument_id))
        self._prices[iid] = price
        now = self._flow.now()
        if ("quotes", iid) in self._subs:
            size = Quantity("1")
            tick = QuoteTick(iid, price, price, size, size, now, now)
            self._bus.publish(topics.quotes(iid), tick)
        if ("trades", iid) in self._subs:
            self._ids += 1
            trade = TradeTick(
                iid,
                price,
                Quantity("1"),
                AggressorSide.NO_AGGRESSOR,
                TradeId(f"M{self._ids}"),
                now,
                now,
            )
            self._bus.publish(topics.trades(iid), trade)
        for record in list(self._book.values()):
            if (
                record.status == OrderStatus.ACCEPTED
                and record.order.instrument_id == iid
                and self._crosses(record.order.side, record.price, price)
            ):
                assert record.price is not None
                self._say(self._fill(record, record.price, LiquiditySide.MAKER))

    def _on_new(self, order: Order) -> None:
        ev = self._flow.events
        now = ev.now()
        market = self._prices.get(order.instrument_id)
        is_market = order.order_type == OrderType.MARKET
        takes = market is not None and (is_market or self._crosses(order.side, order.price, market))
        if is_market and market is None:
            self._say(
                ev.rejected(order, f"{self.venue}: no market price", RejectCode.MARKET_CLOSED)
            )
            return
        if order.post_only and takes:
            self._say(
                ev.rejected(
                    order,
                    f"{self.venue}: post-only order would take liquidity at {market}",
                    RejectCode.POST_ONLY_WOULD_TAKE,
                    due_post_only=True,
                )
            )
            return
        self._ids += 1
        record = _VenueOrder(
            order,
            VenueOrderId(f"{self.venue}-{self._ids}"),
            order.price,
            order.quantity,
            OrderStatus.ACCEPTED,
            now,
            now,
        )
        self._book[order.client_order_id] = record
        accepted = ev.accepted(
            order, record.venue_order_id, account_id=self.account_id, ts_event=now
        )
        if takes:
            assert market is not None
            fill = self._fill(record, market, LiquiditySide.TAKER)
            for event in (fill, accepted) if self._noisy else (accepted, fill):
                self._say(event)
        elif order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
            record.status = OrderStatus.CANCELED
            self._say(accepted)
            self._say(ev.canceled(order, venue_order_id=record.venue_order_id, ts_event=now))
        else:
            self._say(accepted)

    def _on_modify(self, order: Order, quantity: Quantity | Unset, price: Price | Unset) -> None:
        ev = self._flow.events
        record = self._book.get(order.client_order_id)
        if record is None or record.status != OrderStatus.ACCEPTED:
            reason = f"{self.venue}: the order is not open"
            self._say(ev.modify_rejected(order, reason, RejectCode.UNKNOWN_ORDER))
            return
        new_price = record.price if price is UNSET else price
        market = self._prices.get(order.instrument_id)
        takes = market is not None and self._crosses(order.side, new_price, market)
        if order.post_only and takes:
            reason = f"{self.venue}: post-only order would take liquidity at {market}"
            self._say(ev.modify_rejected(order, reason, RejectCode.POST_ONLY_WOULD_TAKE))
            return
        record.price = new_price
        if quantity is not UNSET:
            record.quantity = quantity
        record.ts_last = ev.now()
        self._say(
            ev.updated(
                order,
                quantity=record.quantity,
                price=None if price is UNSET else price,
                venue_order_id=record.venue_order_id,
                ts_event=record.ts_last,
            )
        )
        if takes:
            assert market is not None
            self._say(self._fill(record, market, LiquiditySide.TAKER))

    def _on_cancel(self, order: Order) -> None:
        ev = self._flow.events
        record = self._book.get(order.client_order_id)
        if record is None or record.status != OrderStatus.ACCEPTED:
            reason = f"{self.venue}: the order is not open"
            self._say(ev.cancel_rejected(order, reason, RejectCode.UNKNOWN_ORDER))
            return
        record.status = OrderStatus.CANCELED
        record.ts_last = ev.now()
        self._say(ev.canceled(order, venue_order_id=record.venue_order_id, ts_event=record.ts_last))

    def _fill(self, record: _VenueOrder, price: Price, liquidity: LiquiditySide) -> OrderFilled:
        """Fill what is left of ``record`` at ``price``; record it as the venue would."""
        ev = self._flow.events
        now = ev.now()
        self._ids += 1
        order = record.order
        record.status = OrderStatus.FILLED
        record.avg_px = price
        record.ts_last = now
        fill = ev.filled(
            order,
            trade_id=f"{self.venue}-T{self._ids}",
            last_qty=record.quantity,
            last_px=price,
            commission=Money.zero(self._currency),
            currency=self._currency,
            liquidity_side=liquidity,
            venue_order_id=record.venue_order_id,
            account_id=self.account_id,
            ts_event=now,
        )
        self._fills.append(
            FillReport(
                account_id=self.account_id,
                instrument_id=order.instrument_id,
                venue_order_id=record.venue_order_id,
                client_order_id=order.client_order_id,
                trade_id=fill.trade_id,
                order_side=order.side,
                last_qty=fill.last_qty,
                last_px=price,
                currency=self._currency,
                commission=fill.commission,
                liquidity_side=liquidity,
                ts_event=now,
                ts_init=now,
            )
        )
        return fill

    def _report(self, v: _VenueOrder, now: int) -> OrderStatusReport:
        o = v.order
        filled = v.status == OrderStatus.FILLED
        return OrderStatusReport(
            account_id=self.account_id,
            instrument_id=o.instrument_id,
            venue_order_id=v.venue_order_id,
            client_order_id=o.client_order_id,
            side=o.side,
            order_type=o.order_type,
            time_in_force=o.time_in_force,
            status=v.status,
            quantity=v.quantity,
            filled_qty=v.quantity if filled else Quantity.zero(v.quantity.precision),
            price=v.price,
            avg_px=v.avg_px.as_decimal() if v.avg_px is not None else None,
            post_only=o.post_only,
            ts_accepted=v.ts_accepted,
            ts_last=v.ts_last,
            ts_init=now,
        )

    # -- helpers ----------------------------------------------------------------------------------
    def _say(self, event: OrderEvent) -> None:
        self.messages += 1
        self._flow.emit(event)
        if self._noisy:
            self.messages += 1
            self._flow.emit(event)  # the same message again, from the second channel

    def _send(self, answer: Callable[[], None]) -> None:
        self._outbox.append(answer)
        if self._wakeup is not None:
            self._wakeup.set()

    def _own(self, instrument_id: InstrumentId) -> InstrumentId:
        iid = InstrumentId(instrument_id)
        if iid.venue != self.venue:
            raise NotSupported(f"{iid} is not traded on {self.venue}", venue=self.venue)
        return iid

    @staticmethod
    def _crosses(side: OrderSide, limit: Price | None, market: Price) -> bool:
        if limit is None:
            return True
        return market <= limit if side == OrderSide.BUY else market >= limit


# -- a strategy that only knows the Venue protocol --------------------------------------------
BTC = InstrumentId("BTCUSD.TOY")


class DipBuyer:
    """Buys a little at market, bids below the market, takes profit above its bid's fill,
    re-prices a second bid and then cancels everything left. It sees order events on its own
    topic, already applied to its orders."""

    def __init__(self, venue: VenueProtocol, bus: EventBus, orders: OrderFactory) -> None:
        self.venue = venue
        self.orders = orders
        self.seen: list[str] = []
        self.entry: Order | None = None
        bus.subscribe(topics.order_events(orders.strategy_id), self.on_order_event)

    def start(self) -> None:
        self.venue.submit_order(self.orders.market(BTC, OrderSide.BUY, Quantity("0.1")))
        self.entry = self.orders.limit(BTC, OrderSide.BUY, Quantity("0.5"), Price("99.00"))
        self.venue.submit_order(self.entry)
        second = self.orders.limit(BTC, OrderSide.BUY, Quantity("0.5"), Price("95.00"))
        self.venue.submit_order(second)
        self.second = second

    def reprice(self) -> None:
        self.venue.modify_order(self.second, price=Price("96.00"))

    def stop(self) -> None:
        self.venue.cancel_all_orders(BTC)

    def on_order_event(self, event: OrderEvent) -> None:
        self.seen.append(f"{event.client_order_id[-3:]} {type(event).__name__}")
        entry = self.entry
        if (
            isinstance(event, OrderFilled)
            and entry
            and event.client_order_id == entry.client_order_id
        ):
            exit_ = self.orders.limit(BTC, OrderSide.SELL, event.last_qty, Price("101.00"))
            self.venue.submit_order(exit_)


async def trade(noisy: bool) -> tuple[list[str], ReconciliationReport, int]:
    ticks = iter(range(1_767_225_600_000_000_000, 2**62, 1_000_000))
    clock: Callable[[], int] = lambda: next(ticks)  # noqa: E731  (deterministic time)
    bus = EventBus()
    venue = ToyVenue(bus, clock, prices={BTC: Price("100.00")}, noisy=noisy)
    assert isinstance(venue, VenueProtocol)
    strategy = DipBuyer(venue, bus, OrderFactory("dip-1", clock=clock, epoch=1))
    async with venue:
        strategy.start()
        await venue.settled()
        venue.set_price(BTC, Price("98.50"))  # the entry fills; the exit is sent
        await venue.settled()
        strategy.reprice()
        await venue.settled()
        venue.set_price(BTC, Price("101.20"))  # the exit fills
        strategy.stop()  # cancels the re-priced bid
        await venue.settled()
        report = await venue.reconcile(since_ns=0)
    return strategy.seen, report, venue.messages


async def main() -> None:
    quiet, report, sent = await trade(noisy=False)
    noisy, _, noisy_sent = await trade(noisy=True)
    print("What the strategy saw (last 3 characters of the client order id, event):")
    for line in quiet:
        print("  " + line)
    same = "the same" if quiet == noisy else "DIFFERENT"
    print(
        f"Quiet venue: {sent} venue messages. Noisy venue (fills before acks, every answer "
        f"twice): {noisy_sent} messages, and the strategy saw {same} {len(noisy)} events."
    )
    assert quiet == noisy
    held = [f"{p.instrument_id} {p.side.name} {p.quantity}" for p in report.positions]
    print(
        f"reconcile(): {len(report.open_orders)} open orders, {len(report.fills)} fills, "
        f"positions: {', '.join(held)}"
    )


if __name__ == "__main__":
    anyio.run(main)
