"""The OrderEmulator end to end: hold, trigger, release, risk at submit and release, local
cancel/modify, expiry, auto-emulation, the released order's life."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.emulator import (
    EmulatorCode,
    EmulatorConfig,
    MarkPrice,
    OrderEmulator,
    emulation_trigger_type,
    mark_price_topic,
    release_init,
)
from lyra.errors import InvalidOrder, InvalidTransition, VenueError
from lyra.model.enums import (
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Price, Quantity
from lyra.orders import (
    OrderCanceled,
    OrderDenied,
    OrderModifyRejected,
    OrderReleased,
    OrderTriggered,
    OrderUpdated,
)
from lyra.risk import Denial, DenialCode, RiskConfig, RiskEngine, TradingState
from lyra.venue import AmendMode, VenueCapabilities
from lyra.venue.events import VenueAnomaly

from .helpers import BTC_PAIR, ETH, ETH_PAIR, IID, SECOND, World

BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = OrderStatus
AMENDS = VenueCapabilities(amend=AmendMode.IN_PLACE, amend_price=True, amend_quantity=True)
Q = Quantity("1.000")
EMU = TriggerType.BID_ASK


def make(world: World, **kwargs: object) -> OrderEmulator:
    return OrderEmulator(
        world.venue,
        world.bus,
        world.clock,
        instruments=[BTC_PAIR, ETH_PAIR],
        **kwargs,  # type: ignore[arg-type]
    )


def stop(world: World, side: OrderSide, trigger: str, **kw: object) -> object:
    kw.setdefault("emulation_trigger", EMU)
    return world.track(world.orders.stop_market(IID, side, Q, Price(trigger), **kw))  # type: ignore[arg-type]


# -- the basic cycle ---------------------------------------------------------------------------
def test_emulated_stop_market_is_held_then_released_as_a_market_order() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.EMULATED and emu.is_held(o)
    assert w.venue.commands == []
    w.quote("99.50", "99.60")
    assert o.status is S.EMULATED
    w.quote("99.00", "99.10")  # the bid reaches the sell stop
    assert o.status is S.FILLED
    assert o.filled_qty == Q and o.avg_px == Decimal("99.00")
    venue_order = emu.venue_order(o)
    assert venue_order is not None and venue_order.order_type is OrderType.MARKET
    assert venue_order.client_order_id == o.client_order_id  # the id rule
    assert w.venue.commands == [("submit", o.client_order_id)]
    assert w.rec.names(o.client_order_id) == [
        "OrderEmulated",
        "OrderReleased",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderTriggered",
        "OrderFilled",
    ]
    # every subscriber saw the order already updated by each event
    assert [s for _, s in w.rec.seen] == [
        "EMULATED",
        "RELEASED",
        "SUBMITTED",
        "ACCEPTED",
        "TRIGGERED",
        "FILLED",
    ]
    released = next(e for e in w.rec.events if isinstance(e, OrderReleased))
    assert released.released_price == Price("99.00")  # the bid, for a SELL
    triggered = next(e for e in w.rec.events if isinstance(e, OrderTriggered))
    assert triggered.ts_event == released.ts_event  # when the market triggered it
    # the order's history is exactly what was published, once each
    assert list(o.events[1:]) == w.rec.events
    assert not emu.is_held(o) and emu.released_orders() == [o]


def test_stop_limit_is_released_as_a_limit_order_at_its_price() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_limit(IID, BUY, Q, Price("100.50"), Price("101.00"), emulation_trigger=EMU)
    )
    emu.submit_order(o)
    w.quote("100.40", "101.00")  # ask reaches the trigger; the limit 100.50 is below the ask
    assert o.status is S.TRIGGERED
    vo = emu.venue_order(o)
    assert vo is not None and vo.order_type is OrderType.LIMIT and vo.price == Price("100.50")
    assert vo.status is S.ACCEPTED
    w.venue.set_quote(IID, "100.30", "100.50")  # the venue's market comes down to the limit
    assert o.status is S.FILLED and o.avg_px == Decimal("100.50")


def test_if_touched_orders_fire_on_a_move_in_their_favour() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    mit = w.track(w.orders.market_if_touched(IID, BUY, Q, Price("99.00"), emulation_trigger=EMU))
    lit = w.track(
        w.orders.limit_if_touched(
            IID, SELL, Q, Price("101.00"), Price("101.50"), emulation_trigger=EMU
        )
    )
    emu.submit_order(mit)
    emu.submit_order(lit)
    w.quote("99.50", "100.00")
    assert mit.status is S.EMULATED
    w.quote("98.90", "99.00")
    assert mit.status is S.FILLED and lit.status is S.EMULATED
    w.quote("101.50", "101.60")
    vo = emu.venue_order(lit)
    assert vo is not None and vo.order_type is OrderType.LIMIT and vo.price == Price("101.00")
    assert lit.status is S.FILLED


def test_emulated_limit_order_is_held_until_touched() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.limit(IID, BUY, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.EMULATED and w.venue.commands == []
    w.quote("98.95", "99.00")
    assert o.status is S.FILLED
    assert w.rec.names(o.client_order_id)[-2:] == ["OrderAccepted", "OrderFilled"]
    assert "OrderTriggered" not in w.rec.names()  # a LIMIT has no trigger to report


def test_marketable_emulated_limit_is_released_at_once() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.limit(IID, BUY, Q, Price("101.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.FILLED


# -- trigger types through the emulator --------------------------------------------------------
def test_last_price_trigger_follows_trades() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_market(
            IID,
            BUY,
            Q,
            Price("101.00"),
            trigger_type=TriggerType.LAST_PRICE,
            emulation_trigger=TriggerType.DEFAULT,
        )
    )
    assert emulation_trigger_type(o) is TriggerType.LAST_PRICE
    emu.submit_order(o)
    w.quote("101.50", "101.60")  # quotes do not move a LAST trigger
    assert o.status is S.EMULATED
    w.trade("101.00")
    assert o.status is S.FILLED


def test_mark_price_trigger_via_the_bus() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_market(IID, SELL, Q, Price("95.00"), emulation_trigger=TriggerType.MARK_PRICE)
    )
    emu.submit_order(o)
    w.quote("90.00", "90.10")
    w.trade("90.00")
    assert o.status is S.EMULATED  # never before a mark is supplied
    now = w.step()
    w.bus.publish(mark_price_topic(IID), MarkPrice(IID, Price("95.00"), now, now))
    assert o.status is S.FILLED


def test_double_bid_ask_through_the_emulator() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_market(
            IID, BUY, Q, Price("101.00"), emulation_trigger=TriggerType.DOUBLE_BID_ASK
        )
    )
    emu.submit_order(o)
    w.quote("100.90", "101.10")
    assert o.status is S.EMULATED
    w.quote("101.00", "101.10")
    assert o.status is S.FILLED


# -- arrival -----------------------------------------------------------------------------------
def test_stop_already_in_the_market_is_denied_with_the_market_shown() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("100.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.DENIED
    denied = w.rec.events[-1]
    assert isinstance(denied, OrderDenied) and denied.code == EmulatorCode.TRIGGER_IN_MARKET
    assert "bid=100.00" in denied.reason and "ask=100.10" in denied.reason
    assert "trigger 100.00" in denied.reason
    assert w.venue.commands == []


def test_stop_in_the_market_fires_at_once_when_configured() -> None:
    w = World()
    emu = make(w, config=EmulatorConfig(reject_in_market=False))
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("100.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.FILLED
    assert w.rec.names(o.client_order_id)[:2] == ["OrderEmulated", "OrderReleased"]


def test_refusals_at_submit() -> None:
    w = World()
    emu = make(w)
    unknown = CurrencyPair.simple("XRPUSD.SIM", price_increment="0.0001")
    o = w.orders.stop_market(unknown.id, SELL, Q, Price("0.5000"), emulation_trigger=EMU)
    emu.submit_order(o)
    assert o.status is S.DENIED and o.last_event.code == EmulatorCode.INSTRUMENT_NOT_FOUND  # type: ignore[union-attr]
    a = w.orders.stop_market(IID, SELL, Q, Price("90.00"), emulation_trigger=EMU)
    emu.submit_order(a)
    twin = w.orders.stop_market(
        IID, SELL, Q, Price("91.00"), emulation_trigger=EMU, client_order_id=a.client_order_id
    )
    emu.submit_order(twin)
    assert twin.status is S.DENIED and twin.last_event.code == "DUPLICATE_CLIENT_ORDER_ID"  # type: ignore[union-attr]
    with pytest.raises(InvalidTransition):
        emu.submit_order(a)  # already EMULATED
    other = CurrencyPair.simple("BTCUSD.OTHER")
    with pytest.raises(InvalidOrder):
        emu.submit_order(
            w.orders.stop_market(other.id, SELL, Q, Price("90.00"), emulation_trigger=EMU)
        )
    small = w.orders.trailing_stop_market(
        IID, SELL, Q, trailing_offset=Decimal("0.001"), emulation_trigger=EMU
    )
    emu.submit_order(small)
    assert small.status is S.DENIED and "less than one price increment" in small.last_event.reason  # type: ignore[union-attr]


def test_a_release_order_the_venue_cannot_take_is_denied_up_front() -> None:
    w = World()  # the basic venue has no post-only
    emu = make(w)
    o = w.orders.stop_limit(
        IID, BUY, Q, Price("101.00"), Price("101.00"), post_only=True, emulation_trigger=EMU
    )
    emu.submit_order(o)
    assert o.status is S.DENIED
    assert o.last_event.code == "NOT_SUPPORTED" and "post_only" in o.last_event.reason  # type: ignore[union-attr]


# -- automatic emulation -----------------------------------------------------------------------
def test_a_stop_the_venue_lacks_is_emulated_automatically() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00")))
    assert o.emulation_trigger is TriggerType.NO_TRIGGER
    assert emu.needs_emulation(o)
    emu.submit_order(o)
    assert o.status is S.EMULATED and w.venue.commands == []
    w.quote("98.90", "99.00")
    assert o.status is S.FILLED


def test_a_trigger_type_the_venue_lacks_is_emulated_even_if_it_has_the_order_type() -> None:
    caps = VenueCapabilities(
        order_types=frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET})
    )
    w = World(capabilities=caps)
    emu = make(w)
    native = w.orders.stop_market(IID, SELL, Q, Price("99.00"))
    assert not emu.needs_emulation(native)
    emu.submit_order(native)
    assert native.status is S.ACCEPTED  # went to the venue
    last = w.orders.stop_market(IID, SELL, Q, Price("99.00"), trigger_type=TriggerType.LAST_PRICE)
    assert emu.needs_emulation(last)
    off = make(w, config=EmulatorConfig(auto_emulate=False))
    assert not off.needs_emulation(last)


def test_an_order_emulation_cannot_help_goes_to_the_venue() -> None:
    w = World()
    emu = make(w)
    # DAY is not offered by the venue: emulating the stop would not help
    o = w.orders.stop_market(IID, SELL, Q, Price("99.00"), time_in_force=TimeInForce.DAY)
    assert not emu.needs_emulation(o)
    emu.submit_order(o)
    assert o.status is S.DENIED and o.last_event.code == "NOT_SUPPORTED"  # type: ignore[union-attr]
    plain = w.orders.limit(IID, BUY, Q, Price("90.00"))
    emu.submit_order(plain)
    assert plain.status is S.ACCEPTED


# -- risk --------------------------------------------------------------------------------------
def risk_engine(w: World, **kw: object) -> RiskEngine:
    return RiskEngine(w.clock, instruments=[BTC_PAIR, ETH_PAIR], config=RiskConfig(), **kw)  # type: ignore[arg-type]


def test_risk_denial_at_submit() -> None:
    w = World()
    risk = risk_engine(w)
    risk.set_trading_state(TradingState.HALTED)
    emu = make(w, risk=risk)
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.DENIED and o.last_event.code == DenialCode.TRADING_HALTED  # type: ignore[union-attr]
    assert not emu.is_held(o) and w.venue.commands == []


def test_risk_denial_at_release_denies_the_released_order_and_sends_nothing() -> None:
    w = World()
    risk = risk_engine(w)
    emu = make(w, risk=risk)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    assert o.status is S.EMULATED
    risk.set_trading_state(TradingState.HALTED, IID)  # the market halts while it is held
    w.quote("98.90", "99.00")
    assert o.status is S.DENIED
    assert w.rec.names(o.client_order_id) == ["OrderEmulated", "OrderReleased", "OrderDenied"]
    assert w.rec.seen[-2:] == [("OrderReleased", "RELEASED"), ("OrderDenied", "DENIED")]
    assert o.last_event.code == DenialCode.TRADING_HALTED  # type: ignore[union-attr]
    assert w.venue.commands == []
    assert emu.venue_order(o) is None


def test_release_check_values_a_stop_market_at_the_release_price() -> None:
    seen: list[Price | None] = []

    def spy(order: object, instrument: object) -> Denial | None:
        seen.append(getattr(order, "status", None))  # type: ignore[arg-type]
        return None

    w = World()
    risk = risk_engine(w, checks=[spy])
    emu = make(w, risk=risk)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    w.quote("98.00", "98.10")
    # checked twice: at submit (INITIALIZED) and at release (RELEASED)
    assert seen == [S.INITIALIZED, S.RELEASED]
    assert o.status is S.FILLED


def test_the_rate_limit_counts_the_submit_once() -> None:
    from lyra.risk import RateLimit

    w = World()
    risk = RiskEngine(
        w.clock, instruments=[BTC_PAIR], config=RiskConfig(submit_rate=RateLimit(1, 60 * SECOND))
    )
    emu = make(w, risk=risk)
    w.quote("100.00", "100.10")
    a = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(a)
    w.quote("98.90", "99.00")
    assert a.status is S.FILLED  # the release was not throttled by the earlier submit
    b = w.track(w.orders.stop_market(IID, SELL, Q, Price("90.00"), emulation_trigger=EMU))
    emu.submit_order(b)
    assert b.status is S.DENIED and b.last_event.code == DenialCode.RATE_LIMITED  # type: ignore[union-attr]


# -- local cancel and modify -------------------------------------------------------------------
def test_cancel_of_a_held_order_is_local() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    emu.cancel_order(o)
    assert o.status is S.CANCELED
    assert isinstance(w.rec.events[-1], OrderCanceled)
    assert w.venue.commands == []
    assert len(emu.trigger_book(IID)) == 0
    w.quote("90.00", "90.10")  # nothing left to trigger
    assert o.status is S.CANCELED and w.venue.commands == []


def test_modify_of_a_held_order_is_local_and_moves_the_trigger() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_limit(IID, SELL, Q, Price("98.50"), Price("99.00"), emulation_trigger=EMU)
    )
    emu.submit_order(o)
    emu.modify_order(
        o, quantity=Quantity("2.000"), trigger_price=Price("98.00"), price=Price("97.50")
    )
    assert o.status is S.EMULATED
    assert (o.quantity, o.trigger_price, o.price) == (
        Quantity("2.000"),
        Price("98.00"),
        Price("97.50"),
    )
    updated = w.rec.events[-1]
    assert isinstance(updated, OrderUpdated) and updated.trigger_price == Price("98.00")
    assert w.venue.commands == []
    w.quote("98.50", "98.60")  # the old trigger: nothing
    assert o.status is S.EMULATED
    w.quote("98.00", "98.10")
    vo = emu.venue_order(o)
    assert vo is not None and vo.quantity == Quantity("2.000") and vo.price == Price("97.50")


def test_modify_into_the_market_is_refused_locally() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    emu.modify_order(o, trigger_price=Price("100.50"))
    refusal = w.rec.events[-1]
    assert isinstance(refusal, OrderModifyRejected)
    assert refusal.code == EmulatorCode.TRIGGER_IN_MARKET and "bid=100.00" in refusal.reason
    # the order is unchanged and still held
    assert o.status is S.EMULATED and o.trigger_price == Price("99.00") and emu.is_held(o)
    assert w.venue.commands == []


def test_modify_refused_by_risk() -> None:
    w = World()
    risk = risk_engine(w)
    emu = make(w, risk=risk)
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    emu.modify_order(o, trigger_price=Price("98.005"))
    assert isinstance(w.rec.events[-1], OrderModifyRejected)
    assert o.trigger_price == Price("99.00")


def test_bad_modify_arguments_raise() -> None:
    w = World()
    emu = make(w)
    o = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    emu.submit_order(o)
    with pytest.raises(InvalidOrder):
        emu.modify_order(o)
    with pytest.raises(InvalidOrder):
        emu.modify_order(o, price=Price("1.00"))  # a stop-market has no limit price
    with pytest.raises(InvalidOrder):
        emu.modify_order(o, trigger_price=None)  # type: ignore[arg-type]


def test_cancel_all_cancels_held_orders_locally_and_asks_the_venue() -> None:
    w = World()
    emu = make(w)
    a = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    b = w.orders.stop_market(IID, BUY, Q, Price("101.00"), emulation_trigger=EMU)
    c = w.orders.stop_market(ETH, SELL, Q, Price("90.00"), emulation_trigger=EMU)
    for o in (a, b, c):
        emu.submit_order(o)
    emu.cancel_all_orders(IID, SELL)
    assert (a.status, b.status, c.status) == (S.CANCELED, S.EMULATED, S.EMULATED)
    assert w.venue.commands == [("cancel_all", str(IID))]


# -- the released order's life -----------------------------------------------------------------
def test_released_order_is_commanded_through_its_venue_order() -> None:
    w = World(capabilities=AMENDS)
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_limit(IID, SELL, Q, Price("98.00"), Price("99.00"), emulation_trigger=EMU)
    )
    emu.submit_order(o)
    w.quote("99.00", "99.10")  # triggers; a SELL limit at 98.00 is marketable: it fills
    assert o.status is S.FILLED
    p = w.track(
        w.orders.stop_limit(IID, SELL, Q, Price("100.00"), Price("99.00"), emulation_trigger=EMU)
    )
    w.quote("99.50", "99.60")
    emu.submit_order(p)
    w.quote("98.90", "99.00")  # triggers; the limit 100.00 is above the bid: it rests
    assert p.status is S.TRIGGERED
    emu.modify_order(p, price=Price("100.50"))
    assert p.price == Price("100.50") and p.status is S.TRIGGERED
    emu.cancel_order(p)
    assert p.status is S.CANCELED
    vo = emu.venue_order(p)
    assert vo is not None and vo.status is S.CANCELED
    assert w.venue.commands[-2:] == [("modify", p.client_order_id), ("cancel", p.client_order_id)]
    assert w.rec.names(p.client_order_id) == [
        "OrderEmulated",
        "OrderReleased",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderTriggered",
        "OrderPendingUpdate",
        "OrderUpdated",
        "OrderPendingCancel",
        "OrderCanceled",
    ]
    assert emu.forget_closed() == 2 and emu.released_orders() == []


def test_a_venue_that_raises_on_the_release_order_denies_the_order() -> None:
    w = World(raise_on_submit=VenueError("boom"))
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    w.quote("98.00", "98.10")
    assert o.status is S.DENIED and o.last_event.code == EmulatorCode.RELEASE_FAILED  # type: ignore[union-attr]
    assert emu.released_orders() == []


def test_a_venue_that_is_not_connected_denies_the_release_order() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    from lyra.venue import ConnectionStatus

    w.venue.flow.set_status(ConnectionStatus.DISCONNECTED)
    w.quote("98.00", "98.10")
    assert o.status is S.DENIED and o.last_event.code == "NOT_CONNECTED"  # type: ignore[union-attr]


def test_cancel_from_a_handler_of_order_released_stops_the_release() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))

    def on_event(event: object) -> None:
        if isinstance(event, OrderReleased):
            emu.cancel_order(o)

    w.bus.subscribe("events.order.*", on_event)
    emu.submit_order(o)
    w.quote("98.00", "98.10")
    assert o.status is S.CANCELED
    assert w.venue.commands == []


def test_a_venue_event_the_emulated_order_refuses_is_reported_loudly() -> None:
    w = World()
    emu = make(w)
    anomalies: list[VenueAnomaly] = []
    w.bus.subscribe("events.venue_status.*", anomalies.append)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_limit(IID, SELL, Q, Price("100.00"), Price("99.00"), emulation_trigger=EMU)
    )
    emu.submit_order(o)
    w.quote("98.90", "99.00")  # released; the limit 100.00 rests
    assert o.status is S.TRIGGERED
    # something outside the emulator closes the order behind its back
    o.apply(w.orders.events.canceled(o))
    emu.cancel_order(o)  # the venue order gets OrderPendingCancel; the order cannot take it
    vo = emu.venue_order(o)
    assert vo is not None and vo.status is S.CANCELED
    # OrderPendingCancel is refused (CANCELED takes no request); the OrderCanceled that follows
    # is a duplicate for it, which is no error
    assert [a.kind.name for a in anomalies] == ["REFUSED_EVENT"]
    assert anomalies[0].client_order_id == o.client_order_id
    assert "OrderPendingCancel" in anomalies[0].message


# -- expiry ------------------------------------------------------------------------------------
def test_gtd_order_expires_on_the_clock_without_data() -> None:
    w = World()
    emu = make(w)
    expire = w.clock.timestamp_ns() + 10 * SECOND
    o = w.track(
        w.orders.stop_market(
            IID,
            SELL,
            Q,
            Price("99.00"),
            time_in_force=TimeInForce.GTD,
            expire_time_ns=expire,
            emulation_trigger=EMU,
        )
    )
    emu.submit_order(o)
    w.clock.advance_to(expire - 1)
    assert o.status is S.EMULATED
    w.clock.advance_to(expire)
    assert o.status is S.EXPIRED and o.last_event.ts_event == expire
    assert not emu.is_held(o) and w.venue.commands == []


def test_gtd_already_past_is_denied() -> None:
    w = World()
    emu = make(w)
    o = w.orders.stop_market(
        IID,
        SELL,
        Q,
        Price("99.00"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=w.clock.timestamp_ns(),
        emulation_trigger=EMU,
    )
    emu.submit_order(o)
    assert o.status is S.DENIED and o.last_event.code == EmulatorCode.GTD_EXPIRED  # type: ignore[union-attr]


def test_day_order_expires_at_the_session_close() -> None:
    w = World(
        capabilities=VenueCapabilities(
            time_in_force=frozenset(TimeInForce)
            - {TimeInForce.AT_THE_OPEN, TimeInForce.AT_THE_CLOSE}
        )
    )
    emu = make(w)
    o = w.track(
        w.orders.stop_market(
            IID, SELL, Q, Price("99.00"), time_in_force=TimeInForce.DAY, emulation_trigger=EMU
        )
    )
    emu.submit_order(o)
    close = BTC_PAIR.trading_session.next_close(w.clock.timestamp_ns())
    w.clock.advance_to(close - 1)
    assert o.status is S.EMULATED
    w.clock.advance_to(close)
    assert o.status is S.EXPIRED


def test_a_released_gtd_stop_market_goes_out_as_gtc() -> None:
    w = World(
        capabilities=VenueCapabilities(time_in_force=frozenset({TimeInForce.GTC, TimeInForce.GTD}))
    )
    o = w.orders.stop_market(
        IID,
        SELL,
        Q,
        Price("99.00"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=w.clock.timestamp_ns() + SECOND,
        emulation_trigger=EMU,
    )
    init = release_init(o, event_id="x", ts_ns=1)
    assert (init.order_type, init.time_in_force, init.expire_time_ns) == (
        OrderType.MARKET,
        TimeInForce.GTC,
        None,
    )
    limit = w.orders.stop_limit(
        IID,
        SELL,
        Q,
        Price("98.00"),
        Price("99.00"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=w.clock.timestamp_ns() + SECOND,
        emulation_trigger=EMU,
        display_qty=Quantity("0.100"),
    )
    init = release_init(limit, event_id="y", ts_ns=1)
    assert (init.order_type, init.time_in_force, init.price, init.display_qty) == (
        OrderType.LIMIT,
        TimeInForce.GTD,
        Price("98.00"),
        Quantity("0.100"),
    )
    tsl = w.orders.trailing_stop_limit(
        IID, SELL, Q, trailing_offset=Decimal(1), limit_offset=Decimal(1), emulation_trigger=EMU
    )
    with pytest.raises(InvalidOrder):
        release_init(tsl, event_id="z", ts_ns=1)  # no limit price yet


# -- trailing stops through the emulator -------------------------------------------------------
def test_trailing_stop_publishes_each_move_and_releases() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.trailing_stop_market(
            IID,
            SELL,
            Q,
            trailing_offset=Decimal("1.00"),
            trailing_offset_type=TrailingOffsetType.PRICE,
            emulation_trigger=EMU,
        )
    )
    emu.submit_order(o)
    assert o.trigger_price == Price("99.00")  # activated on arrival
    assert emu.current_trigger(o) == Price("99.00")
    w.quote("101.00", "101.10")
    assert o.trigger_price == Price("100.00")
    w.quote("100.50", "100.60")
    assert o.trigger_price == Price("100.00")
    w.quote("100.00", "100.10")
    assert o.status is S.FILLED
    names = w.rec.names(o.client_order_id)
    assert names[:3] == ["OrderEmulated", "OrderUpdated", "OrderUpdated"]
    assert names.count("OrderUpdated") == 2


def test_trailing_stop_limit_releases_at_its_trailed_limit() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.trailing_stop_limit(
            IID,
            SELL,
            Q,
            trailing_offset=Decimal(100),
            limit_offset=Decimal(300),
            trailing_offset_type=TrailingOffsetType.TICKS,
            emulation_trigger=EMU,
        )
    )
    emu.submit_order(o)
    w.quote("102.00", "102.10")
    assert (o.trigger_price, o.price) == (Price("101.00"), Price("99.00"))
    w.quote("101.00", "101.10")
    vo = emu.venue_order(o)
    assert vo is not None and vo.price == Price("99.00")
    assert o.status is S.FILLED


# -- data feeds --------------------------------------------------------------------------------
def test_venue_data_is_requested_while_orders_need_it() -> None:
    w = World()
    emu = make(w)
    subs = w.venue.subscriptions
    a = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    emu.submit_order(a)
    assert subs[("quotes", IID)] == 1 and subs.get(("trades", IID), 0) == 0
    b = w.orders.stop_market(
        IID, SELL, Q, Price("98.00"), emulation_trigger=TriggerType.LAST_OR_BID_ASK
    )
    emu.submit_order(b)
    assert subs[("quotes", IID)] == 1 and subs[("trades", IID)] == 1
    emu.cancel_order(b)
    assert subs[("trades", IID)] == 0
    emu.cancel_order(a)
    assert subs[("quotes", IID)] == 0
    emu.close()
    # after close the bus no longer drives it
    c = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    assert c.status is S.INITIALIZED


def test_no_data_requests_when_disabled() -> None:
    w = World()
    emu = make(w, config=EmulatorConfig(request_data=False))
    emu.submit_order(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    assert w.venue.subscriptions == {}


def test_feeding_data_directly() -> None:
    from lyra.model.data import QuoteTick

    w = World()
    emu = make(w)
    o = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    emu.submit_order(o)
    w.venue.set_quote(IID, "98.00", "98.10")
    now = w.step()
    emu.process_quote(QuoteTick(IID, Price("98.00"), Price("98.10"), Q, Q, now, now))
    assert o.status is S.FILLED


def test_orders_are_listed_in_arrival_order() -> None:
    w = World()
    emu = make(w)
    a = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    b = w.orders.stop_market(ETH, SELL, Q, Price("90.00"), emulation_trigger=EMU)
    c = w.orders.stop_market(IID, BUY, Q, Price("101.00"), emulation_trigger=EMU)
    for o in (a, b, c):
        emu.submit_order(o)
    assert emu.held_orders() == [a, b, c]
    assert emu.held_orders(IID) == [a, c]
    assert "3 held" in repr(emu)


# -- more paths --------------------------------------------------------------------------------
def test_direct_feeds_for_trades_marks_and_indexes() -> None:
    from lyra.emulator import IndexPrice
    from lyra.model.data import TradeTick
    from lyra.model.enums import AggressorSide
    from lyra.model.identifiers import TradeId

    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    t = w.track(
        w.orders.stop_market(IID, BUY, Q, Price("101.00"), emulation_trigger=TriggerType.LAST_PRICE)
    )
    m = w.track(
        w.orders.stop_market(IID, BUY, Q, Price("101.00"), emulation_trigger=TriggerType.MARK_PRICE)
    )
    i = w.track(
        w.orders.stop_market(
            IID, BUY, Q, Price("101.00"), emulation_trigger=TriggerType.INDEX_PRICE
        )
    )
    for o in (t, m, i):
        emu.submit_order(o)
    now = w.step()
    emu.process_trade(
        TradeTick(IID, Price("101.00"), Q, AggressorSide.BUYER, TradeId("x"), now, now)
    )
    emu.process_mark_price(MarkPrice(IID, Price("101.00"), now, now))
    emu.process_index_price(IndexPrice(IID, Price("101.00"), now, now))
    assert (t.status, m.status, i.status) == (S.FILLED, S.FILLED, S.FILLED)
    # unknown instruments are ignored
    other = CurrencyPair.simple("DOGEUSD.SIM").id
    emu.process_trade(
        TradeTick(other, Price("1.00"), Q, AggressorSide.BUYER, TradeId("y"), now, now)
    )


def test_index_price_via_the_bus() -> None:
    from lyra.emulator import IndexPrice, index_price_topic

    w = World()
    emu = make(w)
    o = w.track(
        w.orders.stop_market(
            IID, SELL, Q, Price("95.00"), emulation_trigger=TriggerType.INDEX_PRICE
        )
    )
    w.quote("100.00", "100.10")
    emu.submit_order(o)
    now = w.step()
    w.bus.publish(index_price_topic(IID), IndexPrice(IID, Price("94.00"), now, now))
    assert o.status is S.FILLED


def test_modify_of_a_held_limit_moves_its_trigger_and_may_release_it() -> None:
    w = World()
    emu = make(w)
    w.quote("100.00", "100.10")
    o = w.track(w.orders.limit(IID, BUY, Q, Price("98.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    emu.modify_order(o, price=Price("99.00"))
    assert o.status is S.EMULATED and o.price == Price("99.00")
    w.quote("99.05", "99.10")
    assert o.status is S.EMULATED
    emu.modify_order(o, price=Price("100.10"))  # now touched: a limit is released, not refused
    assert o.status is S.FILLED and o.avg_px == Decimal("99.10")  # at the ask


def test_modify_into_the_market_releases_when_configured() -> None:
    w = World()
    emu = make(w, config=EmulatorConfig(reject_in_market=False))
    w.quote("100.00", "100.10")
    o = w.track(w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU))
    emu.submit_order(o)
    emu.modify_order(o, trigger_price=Price("100.00"))
    assert o.status is S.FILLED
    names = w.rec.names(o.client_order_id)
    assert names[:3] == ["OrderEmulated", "OrderUpdated", "OrderReleased"]


def test_risk_checks_orders_passed_through_and_released_modifies() -> None:
    w = World(capabilities=AMENDS)
    risk = risk_engine(w)
    emu = make(w, risk=risk)
    plain = w.track(w.orders.limit(IID, BUY, Q, Price("90.005")))  # off the tick grid
    emu.submit_order(plain)
    assert plain.status is S.DENIED and w.venue.commands == []
    w.quote("100.00", "100.10")
    o = w.track(
        w.orders.stop_limit(IID, SELL, Q, Price("100.00"), Price("99.00"), emulation_trigger=EMU)
    )
    emu.submit_order(o)
    w.quote("98.90", "99.00")
    assert o.status is S.TRIGGERED
    emu.modify_order(o, price=Price("100.005"))  # denied by risk before reaching the venue
    assert isinstance(w.rec.events[-1], OrderModifyRejected)
    assert o.status is S.TRIGGERED and o.price == Price("100.00")
    assert ("modify", o.client_order_id) not in w.venue.commands


def test_cancel_of_a_held_gtd_order_disarms_its_alert() -> None:
    w = World()
    emu = make(w)
    o = w.orders.stop_market(
        IID,
        SELL,
        Q,
        Price("99.00"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=w.clock.timestamp_ns() + SECOND,
        emulation_trigger=EMU,
    )
    emu.submit_order(o)
    assert any(name.startswith("EMU-expire:") for name in w.clock.timer_names)
    emu.cancel_order(o)
    assert w.clock.timer_names == ()
    w.clock.advance_to(w.clock.timestamp_ns() + 2 * SECOND)
    assert o.status is S.CANCELED


def test_a_feed_the_venue_cannot_stream_is_not_requested() -> None:
    from lyra.errors import NotSupported

    w = World(capabilities=VenueCapabilities(trades=False))
    emu = make(w)
    emu.submit_order(
        w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=TriggerType.LAST_PRICE)
    )
    assert w.venue.subscriptions == {}

    def refuse(instrument_id: object) -> None:
        raise NotSupported("no quotes for this one")

    w.venue.subscribe_quotes = refuse  # type: ignore[method-assign]
    o = w.orders.stop_market(IID, SELL, Q, Price("99.00"), emulation_trigger=EMU)
    emu.submit_order(o)
    assert o.status is S.EMULATED  # the data may come from elsewhere
