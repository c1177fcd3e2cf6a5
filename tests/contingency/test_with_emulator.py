"""A ContingencyManager over an OrderEmulator over a real SimulatedExchange: a bracket whose
stop-loss is emulated locally (``emulation_trigger``) while the take-profit rests at the
exchange. The emulator is a ``Venue``, so the manager drives it like any other."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.contingency import ContingencyAlert, ContingencyManager
from lyra.emulator import EmulatorConfig, OrderEmulator
from lyra.model.currency import Currency
from lyra.model.data import TradeTick
from lyra.model.enums import AggressorSide, BookType, OrderSide, OrderStatus, OrderType, TriggerType
from lyra.model.identifiers import TradeId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderList
from lyra.sim import SimulatedExchange
from lyra.venue import Venue

S = OrderStatus
USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
PAIR = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
IID = PAIR.id
T0 = 1_767_225_600_000_000_000
RICH = [Money("100000000", USDT), Money("1000", BTC)]
BUY, SELL = OrderSide.BUY, OrderSide.SELL


@dataclass
class World:
    """Exchange, emulator in front of it, manager in front of the emulator, two
    counterparties (so that they can trade with each other to move the last price)."""

    clock: TestClock = field(default_factory=lambda: TestClock(T0))
    bus: EventBus = field(default_factory=EventBus)
    alerts: list[ContingencyAlert] = field(default_factory=list)
    events: list[OrderEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ex = SimulatedExchange(
            "SIM",
            bus=self.bus,
            clock=self.clock,
            instruments=[PAIR],
            book_type=BookType.L3_MBO,
            starting_balances=RICH,
        )
        self.them = self.ex.add_account("SIM-002", RICH)
        self.third = self.ex.add_account("SIM-003", RICH)
        self.emulator = OrderEmulator(
            self.ex, self.bus, self.clock, instruments=[PAIR], config=EmulatorConfig()
        )
        self.manager = ContingencyManager(self.emulator, self.bus, self.clock)
        self.orders = OrderFactory("S-1", clock=self.clock, epoch=1)
        self.other = OrderFactory("THEM", clock=self.clock, epoch=2)
        self.bus.subscribe(topics.contingency_events("S-1"), self._on_contingency)
        self.bus.subscribe(topics.order_events("S-1"), self.events.append)

    def _on_contingency(self, event: Any) -> None:
        if isinstance(event, ContingencyAlert):
            self.alerts.append(event)

    def settle(self) -> None:
        self.clock.advance_to(self.clock.timestamp_ns() + 1_000_000)
        self.ex.settle()

    def trade(self, who: Any, side: OrderSide, qty: str, price: str) -> None:
        who.submit_order(self.other.limit(IID, side, Quantity(qty), Price(price)))
        self.settle()

    def tape(self, price: str, size: str = "1") -> None:
        """A trade on the exchange's market data feed (what the emulator's LAST_PRICE
        trigger follows)."""
        ts = self.clock.timestamp_ns()
        self.ex.process_trade(
            TradeTick(
                IID,
                PAIR.make_price(price),
                PAIR.make_qty(size),
                AggressorSide.SELLER,
                TradeId(f"T{ts}"),
                ts,
                ts,
            )
        )

    def position(self) -> Decimal:
        return self.ex.net_position(IID)

    def bracket(self, qty: str = "10") -> OrderList:
        q = Quantity(qty)
        o = self.orders
        entry = o.limit(IID, BUY, q, Price("100.00"))
        sl = o.stop_market(
            IID,
            SELL,
            q,
            Price("90.00"),
            reduce_only=True,
            emulation_trigger=TriggerType.LAST_PRICE,
        )
        tp = o.limit(IID, SELL, q, Price("120.00"), reduce_only=True)
        return o.bracket_from(entry, sl, tp)

    def check(self, sl: Order, tp: Order) -> None:
        """The invariant: nothing alerted, the core agrees with the orders (audit finds no
        mismatch), and every open exit covers exactly the position."""
        assert self.alerts == []
        assert self.manager.audit() == []
        pos = self.position()
        for exit_ in (sl, tp):
            if exit_.status in (S.EMULATED, S.ACCEPTED, S.PARTIALLY_FILLED):
                assert exit_.leaves_qty.as_decimal() == pos, (exit_, pos)


def test_emulator_is_a_venue_with_emulated_types() -> None:
    w = World()
    emu = w.emulator
    assert isinstance(emu, Venue)
    assert emu.venue == w.ex.venue and emu.account_id == w.ex.account_id
    assert emu.inner is w.ex
    assert emu.status == w.ex.status and emu.connected == w.ex.connected
    caps = emu.capabilities
    assert caps.contingencies == ()  # lists are the manager's job over an emulator
    assert w.ex.capabilities.order_types <= caps.order_types
    assert {OrderType.STOP_MARKET, OrderType.TRAILING_STOP_MARKET} <= caps.order_types
    assert TriggerType.INDEX_PRICE in caps.trigger_types
    assert caps is emu.capabilities  # cached while the venue's stay the same


def test_bracket_with_emulated_stop_loss_over_the_exchange() -> None:
    w = World()
    b = w.bracket()
    entry, sl, tp = b.orders
    w.manager.submit(b)
    w.settle()
    assert not w.manager.is_native(b.order_list_id)
    assert entry.status is S.ACCEPTED
    assert sl.status is S.INITIALIZED and tp.status is S.INITIALIZED  # held by the manager
    w.check(sl, tp)

    # the entry fills partially: the exits are released sized to the fill; the stop-loss
    # is held by the emulator, the take-profit rests at the exchange
    w.trade(w.them, SELL, "4", "100.00")
    assert entry.status is S.PARTIALLY_FILLED and w.position() == Decimal("4")
    assert sl.status is S.EMULATED and w.emulator.is_held(sl)
    assert sl.quantity == Quantity("4")
    assert sl.client_order_id not in {o.client_order_id for o in w.ex.open_orders(IID)}
    assert tp.status is S.ACCEPTED and tp.quantity == Quantity("4")
    assert tp.client_order_id in {o.client_order_id for o in w.ex.open_orders(IID)}
    w.check(sl, tp)

    # more of the entry fills: both exits grow (the held stop locally)
    w.trade(w.them, SELL, "2", "100.00")
    assert w.position() == Decimal("6")
    assert sl.status is S.EMULATED and sl.quantity == Quantity("6")
    assert tp.quantity == Quantity("6")
    w.check(sl, tp)

    # stop buying; the released exits keep protecting the 6 bought
    w.manager.cancel(b.order_list_id)
    w.settle()
    assert entry.status is S.CANCELED
    assert sl.status is S.EMULATED and tp.status is S.ACCEPTED
    w.check(sl, tp)

    # the market falls through the stop: bids at 89, then the exchange's tape trades there
    w.trade(w.third, BUY, "50", "89.00")
    assert sl.status is S.EMULATED  # resting bids are no trade
    w.tape("89.00")
    w.settle()
    assert sl.status is S.FILLED
    assert w.emulator.venue_order(sl) is not None
    assert sl.avg_px is not None and sl.avg_px == Decimal("89.00")
    assert tp.status is S.CANCELED  # OUO: the take-profit went with the stop's fill
    assert w.position() == Decimal("0")
    w.check(sl, tp)
    assert not w.emulator.held_orders()
    assert w.ex.open_orders(IID) == [] or all(
        o.client_order_id not in {entry.client_order_id, sl.client_order_id, tp.client_order_id}
        for o in w.ex.open_orders(IID)
    )
    assert w.manager.list_state(b.order_list_id).closed  # type: ignore[union-attr]


def test_plain_venue_refuses_lists_with_emulated_members() -> None:
    w = World()
    manager = ContingencyManager(w.ex, w.bus, w.clock, id_prefix="CM2-")
    b = w.bracket()
    manager.submit(b)
    assert all(o.status is S.DENIED for o in b.orders)
    assert "OrderEmulator" in (b.orders[1].events[-1].reason)  # type: ignore[attr-defined]
    assert w.alerts and "OrderEmulator" in w.alerts[-1].message


def test_emulator_refuses_native_lists() -> None:
    w = World()
    b = w.bracket()
    w.emulator.submit_order_list(b)
    assert all(o.status is S.DENIED for o in b.orders)
    with pytest.raises(Exception):  # noqa: B017 - already denied: InvalidTransition
        w.emulator.submit_order_list(b)


def test_restart_with_a_held_emulated_stop_loss() -> None:
    w = World()
    b = w.bracket()
    _entry, sl, tp = b.orders
    w.manager.submit(b)
    w.settle()
    w.trade(w.them, SELL, "4", "100.00")
    assert sl.status is S.EMULATED and sl.quantity == Quantity("4")
    w.check(sl, tp)

    # "crash": both snapshots taken, then the manager and the emulator stop listening
    emu_state = w.emulator.snapshot()
    cm_state = w.manager.snapshot()
    w.emulator.close()
    w.manager.close()
    mark = len(w.events)

    # while down the entry fills 2 more: nobody grows the exits
    w.trade(w.them, SELL, "2", "100.00")
    assert w.position() == Decimal("6")
    assert sl.quantity == Quantity("4") and tp.quantity == Quantity("4")
    missed = w.events[mark:]
    assert missed

    # restart: restore the emulator (it holds the stop again), then the manager over it,
    # and replay what the manager missed
    emulator = OrderEmulator(
        w.ex, w.bus, w.clock, instruments=[PAIR], config=EmulatorConfig(id_prefix="EMU2-")
    )
    assert emulator.restore(emu_state, orders=[sl]) == ()
    assert emulator.is_held(sl)
    manager = ContingencyManager(
        emulator, w.bus, w.clock, state=cm_state, orders=b.orders, id_prefix="CM2-"
    )
    w.emulator, w.manager = emulator, manager
    manager.replay(missed)
    w.settle()
    assert sl.status is S.EMULATED and sl.quantity == Quantity("6")
    assert tp.status is S.ACCEPTED and tp.quantity == Quantity("6")
    w.check(sl, tp)

    manager.cancel(b.order_list_id)
    w.settle()
    w.trade(w.third, BUY, "50", "89.00")
    w.tape("89.00")
    w.settle()
    assert sl.status is S.FILLED and tp.status is S.CANCELED
    assert w.position() == Decimal("0")
    w.check(sl, tp)


def test_native_mode_over_an_emulator_still_emulates_the_list() -> None:
    w = World()
    b = w.bracket()
    entry, sl, tp = b.orders
    w.manager.submit(b, mode="native")
    w.settle()
    assert not w.manager.is_native(b.order_list_id)
    assert entry.status is S.ACCEPTED and sl.status is S.INITIALIZED
    w.trade(w.them, SELL, "10", "100.00")
    assert sl.status is S.EMULATED and sl.quantity == Quantity("10")
    assert tp.status is S.ACCEPTED
    w.check(sl, tp)
