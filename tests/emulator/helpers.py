"""A synchronous in-memory venue and builders for the emulator tests.

``SyncVenue`` implements :class:`lyra.venue.Venue` over :class:`lyra.venue.OrderFlow` and
answers every command at once (no task, no queue), so a test sees the whole chain of events
within one call: a MARKET order is accepted and filled at the current ask (BUY) / bid (SELL),
a LIMIT order fills when marketable and otherwise rests. It records every command it gets in
``commands``, so tests can assert that the emulator sent nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.model.currency import Currency
from lyra.model.data import BarType, QuoteTick, TradeTick
from lyra.model.enums import AggressorSide, LiquiditySide, OrderSide, OrderType, TimeInForce
from lyra.model.identifiers import AccountId, InstrumentId, TradeId, Venue
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderList
from lyra.venue import (
    UNSET,
    ConnectionStatus,
    OrderFlow,
    ReconciliationReport,
    Unset,
    VenueCapabilities,
)

VENUE = "SIM"
IID = InstrumentId("BTCUSD.SIM")
ETH = InstrumentId("ETHUSD.SIM")
USD = Currency.from_str("USD")
T0 = 1_767_225_600_000_000_000
SECOND = 1_000_000_000

BTC_PAIR = CurrencyPair.simple(str(IID), price_increment="0.01", size_increment="0.001")
ETH_PAIR = CurrencyPair.simple(str(ETH), price_increment="0.05", size_increment="0.01")

BASIC = VenueCapabilities()
"""MARKET and LIMIT only, GTC/IOC/FOK: a venue that needs everything else emulated."""


class SyncVenue:
    """A venue that answers at once (see the module docs)."""

    def __init__(
        self,
        bus: EventBus,
        clock: TestClock,
        *,
        capabilities: VenueCapabilities = BASIC,
        answer: bool = True,
        raise_on_submit: Exception | None = None,
    ) -> None:
        self.flow = OrderFlow(
            VENUE,
            "SIM-001",
            bus,
            clock,
            capabilities=capabilities,
            status=ConnectionStatus.CONNECTED,
        )
        self.bus = bus
        self.clock = clock
        self.answer = answer
        self.raise_on_submit = raise_on_submit
        self.quotes: dict[InstrumentId, tuple[Price, Price]] = {}
        self.commands: list[tuple[str, str]] = []
        self.subscriptions: dict[tuple[str, InstrumentId], int] = {}
        self.resting: dict[str, Order] = {}
        self._ids = 0

    # -- identity ------------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self.flow.venue

    @property
    def account_id(self) -> AccountId:
        return self.flow.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        return self.flow.capabilities

    @property
    def status(self) -> ConnectionStatus:
        return self.flow.status

    @property
    def connected(self) -> bool:
        return self.flow.connected

    # -- commands ------------------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        self.commands.append(("submit", order.client_order_id))
        if self.raise_on_submit is not None:
            raise self.raise_on_submit
        if self.flow.begin_submit(order) and self.answer:
            self._on_new(order)

    def submit_order_list(self, order_list: OrderList) -> None:
        self.commands.append(("submit_list", str(order_list.order_list_id)))
        self.flow.begin_submit_list(order_list)

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        self.commands.append(("modify", order.client_order_id))
        if self.flow.begin_modify(order, quantity, price, trigger_price) and self.answer:
            ev = self.flow.events
            self.flow.emit(
                ev.updated(
                    order,
                    quantity=None if quantity is UNSET else quantity,
                    price=None if price is UNSET else price,
                    venue_order_id=order.venue_order_id,
                )
            )

    def cancel_order(self, order: Order) -> None:
        self.commands.append(("cancel", order.client_order_id))
        if self.flow.begin_cancel(order) and self.answer:
            self._cancel(order)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        self.commands.append(("cancel_all", str(instrument_id)))
        for order in self.flow.begin_cancel_all(instrument_id, side):
            if self.answer:
                self._cancel(order)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        batch = list(orders)
        self.commands.append(("adopt", ",".join(o.client_order_id for o in batch)))
        self.flow.adopt(batch)
        for o in batch:
            if o.is_open and o.order_type == OrderType.LIMIT:
                self.resting[o.client_order_id] = o

    # -- data ----------------------------------------------------------------------------------
    def _sub(self, kind: str, iid: InstrumentId, delta: int) -> None:
        key = (kind, InstrumentId(iid))
        self.subscriptions[key] = self.subscriptions.get(key, 0) + delta

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._sub("quotes", instrument_id, 1)

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._sub("quotes", instrument_id, -1)

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        self._sub("trades", instrument_id, 1)

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        self._sub("trades", instrument_id, -1)

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        self._sub("book", instrument_id, 1)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        self._sub("book", instrument_id, -1)

    def subscribe_bars(self, bar_type: BarType) -> None:
        pass

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        pass

    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        raise NotImplementedError

    async def __aenter__(self) -> SyncVenue:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return None

    # -- the market ----------------------------------------------------------------------------
    def set_quote(self, iid: InstrumentId, bid: str, ask: str) -> None:
        """Move the venue's market (fills resting limits it crosses); publishes nothing."""
        b, a = Price(bid), Price(ask)
        self.quotes[InstrumentId(iid)] = (b, a)
        for cid, order in list(self.resting.items()):
            if order.instrument_id != iid or not order.is_open:
                self.resting.pop(cid, None)
                continue
            assert order.price is not None
            if (order.is_buy and a <= order.price) or (order.is_sell and b >= order.price):
                del self.resting[cid]
                self._fill(order, order.price, LiquiditySide.MAKER)

    def _on_new(self, order: Order) -> None:
        ev = self.flow.events
        self._ids += 1
        self.flow.emit(ev.accepted(order, f"V-{self._ids}", account_id=self.account_id))
        quote = self.quotes.get(order.instrument_id)
        if quote is None:
            if order.order_type == OrderType.MARKET:
                self._cancel(order)
            else:
                self.resting[order.client_order_id] = order
            return
        bid, ask = quote
        px = ask if order.is_buy else bid
        if order.order_type == OrderType.MARKET:
            self._fill(order, px, LiquiditySide.TAKER)
            return
        assert order.price is not None
        if (order.is_buy and ask <= order.price) or (order.is_sell and bid >= order.price):
            self._fill(order, px, LiquiditySide.TAKER)
        elif order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
            self._cancel(order)
        else:
            self.resting[order.client_order_id] = order

    def _fill(self, order: Order, price: Price, liquidity: LiquiditySide) -> None:
        ev = self.flow.events
        self._ids += 1
        self.flow.emit(
            ev.filled(
                order,
                trade_id=f"T-{self._ids}",
                last_qty=order.leaves_qty,
                last_px=price,
                commission=Money.zero(USD),
                currency=USD,
                liquidity_side=liquidity,
                account_id=self.account_id,
            )
        )

    def _cancel(self, order: Order) -> None:
        self.resting.pop(order.client_order_id, None)
        self.flow.emit(
            self.flow.events.canceled(
                order, venue_order_id=order.venue_order_id, account_id=self.account_id
            )
        )


class Recorder:
    """Every order event published on the bus, in order, as (name, client id, status after)."""

    def __init__(self, bus: EventBus, orders: dict[str, Order] | None = None) -> None:
        self.events: list[OrderEvent] = []
        self.orders = orders if orders is not None else {}
        self.seen: list[tuple[str, str]] = []
        bus.subscribe("events.order.*", self.on_event)

    def on_event(self, event: OrderEvent) -> None:
        self.events.append(event)
        order = self.orders.get(event.client_order_id)
        status = order.status.name if order is not None else "?"
        self.seen.append((type(event).__name__, status))

    def names(self, client_order_id: str | None = None) -> list[str]:
        return [
            type(e).__name__
            for e in self.events
            if client_order_id is None or e.client_order_id == client_order_id
        ]


class World:
    """A bus, a test clock, a SyncVenue, an order factory, and helpers to move the market."""

    def __init__(self, **venue_kwargs: Any) -> None:
        self.clock = TestClock(T0)
        self.bus = EventBus()
        self.venue = SyncVenue(self.bus, self.clock, **venue_kwargs)
        self.orders = OrderFactory("S-1", clock=self.clock, epoch=1)
        self.tracked: dict[str, Order] = {}
        self.rec = Recorder(self.bus, self.tracked)
        self._trades = 0

    def track(self, order: Order) -> Order:
        self.tracked[order.client_order_id] = order
        return order

    def step(self, ns: int = SECOND) -> int:
        self.clock.advance_to(self.clock.timestamp_ns() + ns)
        return self.clock.timestamp_ns()

    def quote(self, bid: str, ask: str, iid: InstrumentId = IID) -> None:
        """The market moves: the venue's book and the bus's quote topic."""
        now = self.step()
        self.venue.set_quote(iid, bid, ask)
        size = Quantity("1.000")
        self.bus.publish(
            topics.quotes(iid), QuoteTick(iid, Price(bid), Price(ask), size, size, now, now)
        )

    def trade(self, price: str, iid: InstrumentId = IID) -> None:
        now = self.step()
        self._trades += 1
        self.bus.publish(
            topics.trades(iid),
            TradeTick(
                iid,
                Price(price),
                Quantity("1.000"),
                AggressorSide.NO_AGGRESSOR,
                TradeId(f"M{self._trades}"),
                now,
                now,
            ),
        )


def money(amount: str = "0") -> Money:
    return Money(amount, USD)


def side(name: str) -> OrderSide:
    return OrderSide[name]
