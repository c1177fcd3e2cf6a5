"""SimulatedExchange: the Venue contract, commands, events, accounts, data publication."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.errors import InvalidInput, InvalidOrder, InvalidTransition, NotSupported
from lyra.model.columnar import QuoteBatch
from lyra.model.data import BarSpecification, BarType, QuoteTick
from lyra.model.enums import (
    AccountType,
    AggregationSource,
    BarAggregation,
    BookType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    PriceType,
    TimeInForce,
)
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Quantity
from lyra.orders import (
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
)
from lyra.risk import RiskConfig, RiskEngine, TradingState
from lyra.sim import FeeConfig, SimulatedExchange, SimulatedVenue
from lyra.venue import ConnectionStatus, RejectCode, Venue, VenueCapabilities

from .helpers import (
    AAPL,
    BTC,
    BTCUSDT,
    ETHUSDT,
    MS,
    T0,
    USD,
    USDT,
    Recorder,
    factory,
    make_exchange,
    px,
    qty,
    quote,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = OrderStatus


def two_accounts(**kwargs: object) -> tuple[SimulatedExchange, SimulatedVenue, EventBus]:
    ex, bus = make_exchange(**kwargs)  # type: ignore[arg-type]
    other = ex.add_account("SIM-002", [Money("1000000", USDT), Money("100", BTC)])
    return ex, other, bus


# -- the contract -----------------------------------------------------------------------------
def test_it_is_a_venue_with_the_simulators_capabilities() -> None:
    ex, _ = make_exchange()
    assert isinstance(ex, Venue)
    assert isinstance(ex.add_account("B"), Venue)
    caps = ex.capabilities
    assert isinstance(caps, VenueCapabilities)
    assert caps.post_only and caps.reduce_only and caps.iceberg
    assert TimeInForce.GTD in caps.time_in_force and TimeInForce.DAY in caps.time_in_force
    assert TimeInForce.AT_THE_OPEN not in caps.time_in_force
    assert caps.can_amend
    assert ex.venue == "SIM" and ex.account_id == "SIM-001"
    assert ex.connected and ex.status is ConnectionStatus.CONNECTED


def test_submit_publishes_submitted_at_once_and_the_answer_only_later() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    assert rec.names(order) == ["Submitted"]
    assert order.status is S.SUBMITTED
    ex.settle()
    assert rec.names(order) == ["Submitted", "Accepted"]
    accepted = rec.of(order)[1]
    assert isinstance(accepted, OrderAccepted)
    assert accepted.venue_order_id == order.venue_order_id == "SIM-1"
    assert accepted.account_id == order.account_id == "SIM-001"
    assert list(order.events[1:]) == rec.of(order)  # applied before published


def test_commands_that_are_caller_errors_raise_and_publish_nothing() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    f = factory()
    elsewhere = f.limit(InstrumentId("BTCUSDT.OTHER"), BUY, qty("1"), px("100"))
    with pytest.raises(InvalidOrder):
        ex.submit_order(elsewhere)
    order = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    with pytest.raises(InvalidTransition):
        ex.submit_order(order)
    with pytest.raises(InvalidOrder):
        ex.modify_order(order)
    assert rec.names(order) == ["Submitted"]
    assert not rec.of(elsewhere)


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("price", lambda f: f.limit(BTCUSDT.id, BUY, qty("1"), px("100.001"))),
        ("quantity", lambda f: f.limit(BTCUSDT.id, BUY, qty("1.0005"), px("100"))),
        (
            "trigger_price",
            lambda f: f.stop_market(BTCUSDT.id, BUY, qty("1"), px("100.005")),
        ),
        (
            "display_qty",
            lambda f: f.limit(BTCUSDT.id, BUY, qty("1"), px("100"), display_qty=qty("0.0001")),
        ),
    ],
)
def test_off_grid_values_are_rejected_naming_the_field(field: str, make: object) -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = make(factory())  # type: ignore[operator]
    ex.submit_order(order)
    assert rec.names(order) == ["Submitted"]
    ex.settle()
    assert rec.names(order) == ["Submitted", "Rejected"]
    rejected = rec.of(order)[-1]
    assert isinstance(rejected, OrderRejected)
    assert rejected.code == RejectCode.INVALID_ORDER
    assert rejected.reason.startswith(f"SIM: {field}: ")
    assert "increment" in rejected.reason
    assert ex.open_orders() == []


def test_a_quantity_beyond_the_engines_range_is_rejected_not_raised() -> None:
    fine = CurrencyPair.simple(
        "SATUSDT.SIM", base="BTC", quote="USDT", size_increment="0.000000001"
    )
    ex, bus = make_exchange(instruments=[fine], account_type=AccountType.MARGIN)
    rec = Recorder(bus)
    huge = Quantity.from_raw(2**63 + 5, 9)  # more lots than the engine's i64 allows
    order = factory().limit(fine.id, BUY, huge, px("0.01"), reduce_only=True)
    ex.submit_order(order)
    ex.settle()
    event = rec.of(order)[-1]
    assert isinstance(event, OrderRejected) and event.code == RejectCode.INVALID_ORDER
    assert "quantity" in event.reason.lower()


def test_an_instrument_the_exchange_does_not_trade_is_rejected() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = factory().limit(ETHUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    ex.settle()
    event = rec.of(order)[-1]
    assert isinstance(event, OrderRejected)
    assert "instrument_id" in event.reason and str(ETHUSDT.id) in event.reason


def test_a_cash_account_that_cannot_pay_is_rejected_at_submit() -> None:
    ex, bus = make_exchange(balances=[Money("1000", USDT)])
    rec = Recorder(bus)
    f = factory()
    ok = f.limit(BTCUSDT.id, BUY, qty("5"), px("100"))  # 500 + 0.5 taker fee
    too_much = f.limit(BTCUSDT.id, BUY, qty("5"), px("100"))  # 1000.5 > 499.5 free
    ex.submit_order(ok)
    ex.submit_order(too_much)
    ex.settle()
    assert ok.status is S.ACCEPTED
    assert too_much.status is S.REJECTED
    event = rec.of(too_much)[-1]
    assert isinstance(event, OrderRejected)
    assert event.code == RejectCode.INSUFFICIENT_BALANCE
    assert "500.50000000 USDT" in event.reason and "499.50000000 USDT" in event.reason
    account = ex.account
    assert account.balance_locked(USDT) == Money("500.5", USDT)
    ex.cancel_order(ok)
    ex.settle()
    assert ok.status is S.CANCELED
    assert account.balance_locked(USDT) == Money("0", USDT)


def test_a_cash_account_cannot_sell_what_it_does_not_hold() -> None:
    ex, bus = make_exchange(
        instruments=[BTCUSDT, AAPL], balances=[Money("1000", USDT), Money("1000", USD)]
    )
    rec = Recorder(bus)
    f = factory()
    btc = f.limit(BTCUSDT.id, SELL, qty("1"), px("100"))
    share = f.limit(AAPL.id, SELL, qty("1"), px("100"))
    ex.submit_order(btc)
    ex.submit_order(share)
    ex.settle()
    assert btc.status is S.REJECTED and share.status is S.REJECTED
    assert rec.of(btc)[-1].code == RejectCode.INSUFFICIENT_BALANCE  # type: ignore[union-attr]
    assert "sell short" in rec.of(share)[-1].reason  # type: ignore[union-attr]


def test_a_market_order_is_acknowledged_before_it_fills() -> None:
    ex, other, bus = two_accounts()
    rec = Recorder(bus)
    f, g = factory("A"), factory("B")
    maker = g.limit(BTCUSDT.id, SELL, qty("2"), px("101"))
    other.submit_order(maker)
    ex.settle()
    taker = f.market(BTCUSDT.id, BUY, qty("1.5"))
    ex.submit_order(taker)
    ex.settle()
    assert rec.names(taker) == ["Submitted", "Accepted", "Filled"]
    fill = rec.fills(taker)[0]
    assert fill.last_px == px("101") and fill.last_qty == qty("1.5")
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert fill.account_id == "SIM-001"
    made = rec.fills(maker)[0]
    assert made.liquidity_side is LiquiditySide.MAKER and made.account_id == "SIM-002"
    assert maker.status is S.PARTIALLY_FILLED and maker.leaves_qty == qty("0.5")
    # commissions: instrument rates (taker 10 bp, maker 5 bp) on 151.5 USDT
    assert fill.commission == Money("0.1515", USDT)
    assert made.commission == Money("0.07575", USDT)
    assert fill.trade_id != made.trade_id
    # the exchange's own books moved
    assert ex.net_position(BTCUSDT.id) == Decimal("1.5")
    assert ex.net_position(BTCUSDT.id, "SIM-002") == Decimal("-1.5")
    assert ex.account.balance_total(BTC) == Money("101.5", BTC)
    assert ex.account.balance_total(USDT) == Money("1000000", USDT) - Money("151.6515", USDT)


def test_a_fee_override_replaces_the_instrument_rates() -> None:
    fees = FeeConfig(maker_fee=Decimal("-0.0001"), taker_fee=Decimal("0.002"), fixed_per_fill="1")
    ex, bus = make_exchange(fees=fees)
    other = ex.add_account("B", [Money("1000", BTC), Money("1000000", USDT)])
    rec = Recorder(bus)
    f, g = factory("A"), factory("B")
    maker = g.limit(BTCUSDT.id, SELL, qty("1"), px("100"))
    other.submit_order(maker)
    taker = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(taker)
    ex.settle()
    assert rec.fills(taker)[0].commission == Money("1.2", USDT)  # 0.2 + 1 fixed
    assert rec.fills(maker)[0].commission == Money("0.99", USDT)  # rebate 0.01 + 1 fixed


def test_orders_of_different_accounts_match_and_one_account_does_not_trade_with_itself() -> None:
    ex, other, bus = two_accounts()
    rec = Recorder(bus)
    f = factory("A")
    mine = f.limit(BTCUSDT.id, SELL, qty("1"), px("100"))
    again = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(mine)
    ex.submit_order(again)
    ex.settle()
    assert mine.status is S.ACCEPTED
    assert again.status is S.CANCELED  # self-trade prevention: the taker is canceled
    theirs = factory("B").limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    other.submit_order(theirs)
    ex.settle()
    assert mine.status is S.FILLED and theirs.status is S.FILLED
    assert rec.fills(theirs)[0].account_id == "SIM-002"
    assert other.account is ex.portfolio.account("SIM-002")


def test_modify_and_cancel_answer_later_through_the_engine() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    ex.settle()
    ex.modify_order(order, quantity=qty("2"), price=px("99"))
    assert rec.names(order)[-1] == "PendingUpdate"
    ex.settle()
    assert rec.names(order)[-1] == "Updated"
    assert order.quantity == qty("2") and order.price == px("99")
    assert ex.account.balance_locked(USDT) == Money("198.198", USDT)  # 2 x 99 + 10 bp
    ex.cancel_order(order)
    assert rec.names(order)[-1] == "PendingCancel"
    ex.settle()
    assert order.status is S.CANCELED
    assert ex.account.balance_locked(USDT) == Money("0", USDT)


def test_a_modify_the_account_cannot_pay_for_is_refused() -> None:
    ex, bus = make_exchange(balances=[Money("1000", USDT)])
    rec = Recorder(bus)
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    ex.settle()
    ex.modify_order(order, quantity=qty("20"))
    ex.settle()
    event = rec.of(order)[-1]
    assert type(event).__name__ == "OrderModifyRejected"
    assert event.code == RejectCode.INSUFFICIENT_BALANCE  # type: ignore[union-attr]
    assert order.quantity == qty("1") and order.status is S.ACCEPTED


def test_cancel_all_by_side_then_all() -> None:
    ex, _bus = make_exchange()
    f = factory()
    buys = [f.limit(BTCUSDT.id, BUY, qty("1"), px(p)) for p in ("99", "98")]
    sell = f.limit(BTCUSDT.id, SELL, qty("1"), px("105"))
    for o in (*buys, sell):
        ex.submit_order(o)
    ex.settle()
    ex.cancel_all_orders(BTCUSDT.id, BUY)
    ex.settle()
    assert [o.status for o in buys] == [S.CANCELED, S.CANCELED]
    assert sell.status is S.ACCEPTED
    assert ex.open_orders(BTCUSDT.id) == [sell]
    ex.cancel_all_orders(BTCUSDT.id)
    ex.settle()
    assert sell.status is S.CANCELED and ex.open_orders() == []


def test_a_closed_order_refuses_cancel_and_modify_locally() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100"), time_in_force=TimeInForce.IOC)
    ex.submit_order(order)
    ex.settle()
    assert rec.names(order) == ["Submitted", "Accepted", "Canceled"]
    ex.cancel_order(order)
    assert rec.of(order)[-1].code == RejectCode.ORDER_CLOSED  # type: ignore[union-attr]


def test_handlers_may_send_commands_and_they_are_processed_at_the_same_time() -> None:
    ex, other, bus = two_accounts()
    f = factory("A")
    placed = []

    def on_event(event: object) -> None:
        if isinstance(event, OrderFilled) and not placed:
            hedge = f.limit(BTCUSDT.id, SELL, event.last_qty, px("110"))
            placed.append(hedge)
            ex.submit_order(hedge)

    bus.subscribe(topics.order_events("A"), on_event)
    other.submit_order(factory("B").limit(BTCUSDT.id, SELL, qty("1"), px("100")))
    ex.submit_order(f.limit(BTCUSDT.id, BUY, qty("1"), px("100")))
    ex.settle()
    assert placed and placed[0].status is S.ACCEPTED


def test_many_instruments_trade_side_by_side_on_one_exchange() -> None:
    ex, bus = make_exchange(instruments=[BTCUSDT, ETHUSDT])
    rec = Recorder(bus)
    f = factory()
    btc = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    eth = f.limit(ETHUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(btc)
    ex.submit_order(eth)
    ex.settle()
    eth_quote = quote("98", "99", T0, instrument=ETHUSDT)
    ex.process_quote(eth_quote)  # crosses the ETH bid only
    assert eth.status is S.FILLED and btc.status is S.ACCEPTED
    assert rec.fills(eth)[0].instrument_id == ETHUSDT.id
    assert ex.open_orders(BTCUSDT.id) == [btc] and ex.open_orders(ETHUSDT.id) == []
    assert ex.best_ask(ETHUSDT.id) == (px("99"), qty("1"))
    assert ex.best_ask(BTCUSDT.id) is None


def test_without_native_contingencies_lists_are_denied_for_emulation() -> None:
    ex, bus = make_exchange(native_contingencies=False)
    rec = Recorder(bus)
    assert ex.capabilities.contingencies == ()
    f = factory()
    a = f.limit(BTCUSDT.id, SELL, qty("1"), px("110"))
    b = f.limit(BTCUSDT.id, BUY, qty("1"), px("90"))
    oco = f.oco([a, b])
    assert ex.capabilities.supports_list(oco) is not None
    ex.submit_order_list(oco)
    for o in (a, b):
        assert rec.names(o) == ["Denied"]
        assert rec.of(o)[0].code == RejectCode.NOT_SUPPORTED  # type: ignore[union-attr]
    ex.submit_order(f.limit(BTCUSDT.id, SELL, qty("1"), px("110")))  # alone: fine
    ex.settle()
    assert len(ex.open_orders()) == 1


def test_several_exchanges_in_one_process_are_independent() -> None:
    bus = EventBus()
    rec = Recorder(bus)
    a = SimulatedExchange(
        "SIM", bus=bus, instruments=[BTCUSDT], starting_balances=[Money("1000", USDT)]
    )
    other = BTCUSDT.__class__.simple("BTCUSDT.ALT", price_increment="0.5", size_increment="1")
    b = SimulatedExchange(
        "ALT", bus=bus, instruments=[other], starting_balances=[Money("1000", USDT)]
    )
    f = factory()
    oa = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ob = f.limit(other.id, BUY, qty("1"), px("100.5"))
    a.submit_order(oa)
    b.submit_order(ob)
    a.settle()
    assert oa.status is S.ACCEPTED and ob.status is S.SUBMITTED
    b.settle()
    assert ob.status is S.ACCEPTED
    assert oa.venue_order_id == "SIM-1" and ob.venue_order_id == "ALT-1"
    assert {e.event_id for e in rec.events if isinstance(e, OrderSubmitted)} == {
        "SIM-001-1",
        "ALT-001-1",
    }


def test_the_configuration_is_checked() -> None:
    with pytest.raises(InvalidInput, match="oms_type"):
        make_exchange(oms_type=OmsType.HEDGING)
    with pytest.raises(InvalidInput, match="account_type"):
        make_exchange(account_type=AccountType.BETTING)
    with pytest.raises(InvalidInput, match="instruments"):
        SimulatedExchange("OTHER", bus=EventBus(), instruments=[BTCUSDT])
    with pytest.raises(InvalidInput, match="starting_balances"):
        make_exchange(balances=[Money("1", USDT), Money("2", USDT)])


# -- data: published only when subscribed and listened to -------------------------------------
def test_quotes_are_published_only_when_subscribed_and_listened_to() -> None:
    ex, bus = make_exchange()
    seen: list[object] = []
    topic = topics.quotes(BTCUSDT.id)
    ex.process_quote(quote("99", "101", T0))
    bus.subscribe(topic, seen.append)
    ex.process_quote(quote("99", "101", T0 + 1))
    assert seen == []  # listened to, not subscribed
    ex.subscribe_quotes(BTCUSDT.id)
    q = quote("99.5", "101", T0 + 2)
    ex.process_quote(q)
    assert seen == [q]
    ex.unsubscribe_quotes(BTCUSDT.id)
    ex.process_quote(quote("99", "101", T0 + 3))
    assert seen == [q]


def test_a_batch_nobody_listens_to_builds_no_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    ex, _bus = make_exchange()
    ex.subscribe_quotes(BTCUSDT.id)  # subscribed, but no handler on the topic
    batch = QuoteBatch.from_ticks([quote("99", "101", T0 + i) for i in range(50)])

    def boom(self: object) -> list[QuoteTick]:
        raise AssertionError("built QuoteTick objects for data nobody listens to")

    monkeypatch.setattr(QuoteBatch, "to_ticks", boom)
    monkeypatch.setattr(QuoteBatch, "__getitem__", boom)
    ex.process(batch)
    assert ex.best_bid(BTCUSDT.id) == (px("99"), qty("1"))
    assert ex.now == T0 + 49


def test_a_listened_batch_is_published_row_by_row_in_order() -> None:
    ex, bus = make_exchange()
    ex.subscribe_quotes(BTCUSDT.id)
    seen: list[QuoteTick] = []
    bus.subscribe(topics.quotes(BTCUSDT.id), seen.append)
    ticks = [quote("99", f"{101 + i}", T0 + i) for i in range(5)]
    ex.process(QuoteBatch.from_ticks(ticks))
    assert seen == ticks


def test_unsupported_subscriptions_raise() -> None:
    ex, _ = make_exchange()
    bar = BarType(
        BTCUSDT.id,
        BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
        AggregationSource.EXTERNAL,
    )
    with pytest.raises(NotSupported):
        ex.subscribe_bars(bar)
    with pytest.raises(NotSupported):
        ex.subscribe_quotes(ETHUSDT.id)


def test_off_grid_market_data_raises() -> None:
    ex, _ = make_exchange()
    bad = QuoteTick(BTCUSDT.id, px("99.001"), px("101"), qty("1"), qty("1"), T0, T0)
    with pytest.raises(InvalidInput, match="bid_price"):
        ex.process_quote(bad)


# -- risk -------------------------------------------------------------------------------------
def test_a_risk_engine_denies_before_anything_is_sent() -> None:
    clock = TestClock(T0)
    risk = RiskEngine(clock, instruments=[BTCUSDT], config=RiskConfig())
    ex, bus = make_exchange(risk=risk, clock=clock)
    rec = Recorder(bus)
    risk.set_trading_state(TradingState.HALTED)
    order = factory(clock=clock).limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    assert rec.names(order) == ["Denied"]
    assert order.status is S.DENIED
    ex.settle()
    assert ex.open_orders() == []


def test_a_risk_denial_of_a_modify_is_a_local_refusal_alone() -> None:
    clock = TestClock(T0)
    risk = RiskEngine(clock, instruments=[BTCUSDT], config=RiskConfig())
    ex, bus = make_exchange(risk=risk, clock=clock)
    rec = Recorder(bus)
    order = factory(clock=clock).limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    ex.settle()
    risk.set_trading_state(TradingState.HALTED)
    ex.modify_order(order, price=px("101"))
    assert rec.names(order) == ["Submitted", "Accepted", "ModifyRejected"]
    assert rec.of(order)[-1].code == "TRADING_HALTED"  # type: ignore[union-attr]
    assert order.status is S.ACCEPTED and order.price == px("100")
    ex.cancel_order(order)  # cancels are never checked
    ex.settle()
    assert order.status is S.CANCELED


def test_a_risk_denial_of_one_list_member_denies_the_whole_list() -> None:
    clock = TestClock(T0)
    risk = RiskEngine(clock, instruments=[BTCUSDT], config=RiskConfig())
    ex, _bus = make_exchange(risk=risk, clock=clock, book_type=BookType.L3_MBO)
    f = factory(clock=clock)
    good = f.limit(BTCUSDT.id, SELL, qty("1"), px("110"))
    bad = f.limit(BTCUSDT.id, SELL, qty("1"), px("110.001"))  # off the tick grid
    ex.submit_order_list(f.oco([good, bad]))
    assert good.status is S.DENIED and bad.status is S.DENIED
    assert "PRICE" in str(bad.last_event.code)  # type: ignore[union-attr]


# -- recovery ---------------------------------------------------------------------------------
def test_reconcile_reports_open_orders_fills_positions_and_balances() -> None:
    ex, other, _bus = two_accounts()
    f = factory("A")
    resting = f.limit(BTCUSDT.id, BUY, qty("1"), px("90"))
    filled = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    other.submit_order(factory("B").limit(BTCUSDT.id, SELL, qty("1"), px("100")))
    ex.submit_order(resting)
    ex.submit_order(filled)
    ex.settle()
    report = anyio.run(ex.reconcile, 0)
    assert report.venue == "SIM" and report.account_id == "SIM-001"
    r = report.order(resting.client_order_id)
    assert r is not None and r.is_open and r.venue_order_id == resting.venue_order_id
    f_report = report.order(filled.client_order_id)
    assert f_report is not None and f_report.status is S.FILLED
    assert {x.trade_id for x in report.fills} == set(filled.trade_ids)
    (pos,) = report.positions
    assert pos.quantity == qty("1") and pos.side.name == "LONG"
    usdt = next(b for b in report.balances if b.currency == USDT)
    assert usdt.locked == Money("90.09", USDT)  # the resting bid's lock
    theirs = anyio.run(other.reconcile, 0)
    assert theirs.account_id == "SIM-002" and theirs.positions[0].side.name == "SHORT"


def test_lifecycle_is_trivial_but_present() -> None:
    ex, bus = make_exchange()
    statuses: list[object] = []
    bus.subscribe(topics.venue_status("SIM"), statuses.append)

    async def main() -> None:
        async with ex:
            assert ex.connected
        assert not ex.connected

    anyio.run(main)
    assert [s.status for s in statuses] == [  # type: ignore[attr-defined]
        ConnectionStatus.CONNECTING,
        ConnectionStatus.CONNECTED,
        ConnectionStatus.DISCONNECTED,
    ]
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    assert order.status is S.DENIED  # NOT_CONNECTED after leaving


def test_time_moves_with_data_and_the_clock_stamps_ts_init() -> None:
    clock = TestClock(T0)
    ex, bus = make_exchange(clock=clock)
    rec = Recorder(bus)
    ex.process_quote(quote("99", "101", T0 + 5 * MS))
    order = factory(clock=clock).limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)  # sent at the exchange's time (later than the clock)
    ex.settle()
    accepted = rec.of(order)[1]
    assert accepted.ts_event == T0 + 5 * MS
    assert accepted.ts_init == T0  # the clock's time


def test_modifying_a_partly_filled_order_written_with_fewer_decimals_than_its_fills() -> None:
    # Quantity("2") has precision 0, the 0.4 fill has 3 decimals: the lock for the 1.6 left
    # must be computed at the finer precision, not refused with a PrecisionError
    ex, bus = make_exchange(balances=[Money("1000000", USDT)])
    rec = Recorder(bus)
    order = factory().limit(BTCUSDT.id, BUY, Quantity("2"), px("100"))
    ex.submit_order(order)
    ex.settle()
    ex.process_quote(quote("99", "100", T0 + 10, ask_size="0.4"))
    assert order.filled_qty == Quantity("0.4")
    ex.modify_order(order, price=px("99.50"))
    ex.settle()
    assert type(rec.of(order)[-1]).__name__ == "OrderUpdated"
    assert order.price == px("99.50") and order.leaves_qty == Quantity("1.6")
