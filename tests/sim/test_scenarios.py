"""Worked scenarios from nautilus-semantics.md §10 ("Suggested conformance scenarios" and
the traps listed above them), adapted to Lyra's decisions (shared/specs/order-semantics.md,
docs/explanation/matching.md). One test per scenario; the docstring states it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.errors import InvalidInput, NotSupported
from lyra.model.data import Bar, BarSpecification, BarType
from lyra.model.enums import (
    AccountType,
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PriceType,
    TimeInForce,
    TriggerType,
)
from lyra.model.session import ContinuousSession
from lyra.model.values import Money
from lyra.orders import OrderFilled, OrderRejected, OrderUpdated, ReleasePolicy
from lyra.risk import RiskConfig, RiskEngine, TradingState
from lyra.risk.rate_limit import RateLimit
from lyra.sim import SimulatedExchange
from lyra.venue import RejectCode

from .helpers import (
    BTC,
    BTCUSDT,
    MS,
    PERP,
    T0,
    USDT,
    Recorder,
    factory,
    make_exchange,
    px,
    qty,
    quote,
    trade,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = OrderStatus
RICH = [Money("100000000", USDT), Money("1000", BTC)]


def _l3(**kwargs: object) -> tuple[SimulatedExchange, EventBus]:
    return make_exchange(book_type=BookType.L3_MBO, **kwargs)  # type: ignore[arg-type]


def test_scenario_01_l1_buy_limit_at_the_bid_fills_only_when_the_ask_comes_down() -> None:
    """(1) L1 quote-driven: a BUY LIMIT at the bid never fills while the ask stays above its
    price, however often the quotes change; when a quote's ask moves through the limit it
    fills completely, at its own limit price, as MAKER."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0))
    order = factory().limit(BTCUSDT.id, BUY, qty("2"), px("100"))
    ex.submit_order(order)
    ex.settle()
    for i, ask in enumerate(("100.50", "101.00", "100.01", "100.20")):
        ex.process_quote(quote("100", ask, T0 + (i + 1) * MS, bid_size="5", ask_size="5"))
    assert order.status is S.ACCEPTED and not rec.fills(order)
    ex.process_quote(quote("99", "99.50", T0 + 10 * MS, ask_size="5"))
    (fill,) = rec.fills(order)
    assert order.status is S.FILLED
    assert fill.last_px == px("100") and fill.last_qty == qty("2")
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert fill.ts_event == T0 + 10 * MS


def test_scenario_02_non_marketable_ioc_is_accepted_then_canceled() -> None:
    """(2) An IOC limit that cannot trade on arrival is acknowledged, then canceled: the
    same path as every other order (Accepted first), no fill."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0))
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100.5"), time_in_force=TimeInForce.IOC)
    ex.submit_order(order)
    ex.settle()
    assert rec.names(order) == ["Submitted", "Accepted", "Canceled"]


def test_scenario_03_fok_larger_than_the_top_is_canceled_with_no_fill() -> None:
    """(3) FOK is all or nothing, decided before any fill: with 1 shown at the ask a FOK for
    2 is canceled and fills nothing; a FOK for 1 fills at once."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="1"))
    f = factory()
    big = f.limit(BTCUSDT.id, BUY, qty("2"), px("101"), time_in_force=TimeInForce.FOK)
    ex.submit_order(big)
    ex.settle()
    assert rec.names(big) == ["Submitted", "Accepted", "Canceled"]
    assert big.filled_qty == qty("0")
    small = f.limit(BTCUSDT.id, BUY, qty("1"), px("101"), time_in_force=TimeInForce.FOK)
    ex.submit_order(small)
    ex.settle()
    assert small.status is S.FILLED and rec.fills(small)[0].last_px == px("101")


def test_scenario_04_l1_market_order_larger_than_the_top_takes_only_what_is_shown() -> None:
    """(4) Lyra decision: an L1 market order larger than the size shown at the touch takes
    the shown size at the ask and the rest is canceled; no fill one tick worse is invented
    (NautilusTrader fills the remainder a tick through the book)."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="3"))
    order = factory().market(BTCUSDT.id, BUY, qty("5"))
    ex.submit_order(order)
    ex.settle()
    assert rec.names(order) == ["Submitted", "Accepted", "Filled", "Canceled"]
    (fill,) = rec.fills(order)
    assert fill.last_px == px("101") and fill.last_qty == qty("3")
    assert order.filled_qty == qty("3") and order.status is S.CANCELED


def test_scenario_05_bars_do_not_move_the_simulated_market() -> None:
    """(5) Bar O-H-L-C ordering does not arise: the exchange executes against quotes,
    trades and book deltas only. A bar fed to it is refused with a reason, and it streams
    no bars (subscribe_bars raises NotSupported)."""
    ex, _ = make_exchange()
    bar_type = BarType(
        BTCUSDT.id,
        BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
        AggregationSource.EXTERNAL,
    )
    bar = Bar(bar_type, px("100"), px("102"), px("99"), px("101"), qty("10"), T0, T0)
    with pytest.raises(InvalidInput, match="QuoteBatch"):
        ex.process(bar)
    with pytest.raises(NotSupported):
        ex.subscribe_bars(bar_type)


def test_scenario_06_a_stop_market_gapped_through_fills_at_the_market_not_the_trigger() -> None:
    """(6) A SELL STOP_MARKET at 95 watching the bid: the market gaps from 100 to 90 in one
    quote; the stop triggers and sells at the bid actually there (90), as TAKER -- not at its
    trigger price (Lyra has no bar move-through rule)."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, bid_size="5"))
    stop = factory().stop_market(BTCUSDT.id, SELL, qty("1"), px("95"))
    ex.submit_order(stop)
    ex.settle()
    assert stop.status is S.ACCEPTED
    ex.process_quote(quote("90", "91", T0 + MS, bid_size="5"))
    assert rec.names(stop) == ["Submitted", "Accepted", "Triggered", "Filled"]
    (fill,) = rec.fills(stop)
    assert fill.last_px == px("90") and fill.liquidity_side is LiquiditySide.TAKER


def test_scenario_07_bracket_children_are_released_sized_to_a_partial_entry_fill() -> None:
    """(7) A bracket with a LIMIT entry partly filled: with the default ON_FIRST_FILL policy
    the exchange releases both exits at once, sized to what the entry filled (1 of 3), so
    the position is never unprotected; more entry fills grow them. An ON_FULL_FILL bracket
    is not enforced natively here: it is denied NOT_SUPPORTED (the contingency manager
    emulates it)."""
    ex, bus = _l3(balances=RICH)
    seller = ex.add_account("SIM-002", RICH)
    rec = Recorder(bus)
    f = factory()
    entry = f.limit(BTCUSDT.id, BUY, qty("3"), px("100"))
    sl = f.stop_market(BTCUSDT.id, SELL, qty("3"), px("90"), reduce_only=True)
    tp = f.limit(BTCUSDT.id, SELL, qty("3"), px("120"), reduce_only=True)
    bracket = f.bracket_from(entry, sl, tp)
    ex.submit_order_list(bracket)
    ex.settle()
    assert entry.status is S.ACCEPTED
    # the exits are held off the book, unacknowledged, until the entry fills
    assert sl.status is S.SUBMITTED and tp.status is S.SUBMITTED
    g = factory("B")
    seller.submit_order(g.limit(BTCUSDT.id, SELL, qty("1"), px("100")))
    ex.settle()
    assert entry.filled_qty == qty("1")
    assert sl.quantity == qty("1") and tp.quantity == qty("1")
    assert sl.is_open and tp.is_open
    seller.submit_order(g.limit(BTCUSDT.id, SELL, qty("1"), px("100")))
    ex.settle()
    assert sl.quantity == qty("2") and tp.quantity == qty("2")
    full = factory("C")
    other = full.bracket(
        BTCUSDT.id,
        BUY,
        qty("1"),
        entry_type=OrderType.LIMIT,
        entry_price=px("100"),
        stop_loss_trigger_price=px("90"),
        take_profit_price=px("120"),
        release=ReleasePolicy.ON_FULL_FILL,
    )
    ex.submit_order_list(other)
    for o in other:
        assert o.status is S.DENIED
        assert rec.of(o)[-1].code == RejectCode.NOT_SUPPORTED  # type: ignore[union-attr]


def test_scenario_08_ouo_partial_fill_reduces_the_sibling_by_the_filled_amount() -> None:
    """(8) OUO: a partial fill of one order reduces the open quantity of the other by the
    filled amount (absolute), announced by OrderUpdated; canceling one cancels the other."""
    ex, bus = _l3(balances=RICH)
    buyer = ex.add_account("SIM-002", RICH)
    rec = Recorder(bus)
    f = factory()
    a = f.limit(BTCUSDT.id, SELL, qty("4"), px("110"))
    b = f.limit(BTCUSDT.id, SELL, qty("4"), px("120"))
    ex.submit_order_list(f.ouo([a, b]))
    ex.settle()
    buyer.submit_order(factory("B").limit(BTCUSDT.id, BUY, qty("1"), px("110")))
    ex.settle()
    assert a.filled_qty == qty("1") and a.status is S.PARTIALLY_FILLED
    assert b.quantity == qty("3")
    assert isinstance(rec.of(b)[-1], OrderUpdated)
    ex.cancel_order(a)
    ex.settle()
    assert a.status is S.CANCELED and b.status is S.CANCELED


def test_scenario_09_oco_partial_fill_cancels_the_sibling_and_the_leg_keeps_working() -> None:
    """(9) OCO, Lyra decision: the first (partial) fill of one order cancels the others; the
    filled order's remainder keeps working (NautilusTrader also cancels it)."""
    ex, _bus = _l3(balances=RICH)
    buyer = ex.add_account("SIM-002", RICH)
    f = factory()
    a = f.limit(BTCUSDT.id, SELL, qty("4"), px("110"))
    b = f.limit(BTCUSDT.id, SELL, qty("4"), px("120"))
    ex.submit_order_list(f.oco([a, b]))
    ex.settle()
    buyer.submit_order(factory("B").limit(BTCUSDT.id, BUY, qty("1"), px("110")))
    ex.settle()
    assert b.status is S.CANCELED
    assert a.status is S.PARTIALLY_FILLED and a.leaves_qty == qty("3")
    assert ex.open_orders(BTCUSDT.id) == [a]


def test_scenario_09b_canceling_one_oco_leg_cancels_the_other() -> None:
    """Trap: canceling one leg of an OCO list cancels its sibling."""
    ex, _ = _l3(balances=RICH)
    f = factory()
    a = f.limit(BTCUSDT.id, SELL, qty("1"), px("110"))
    b = f.limit(BTCUSDT.id, BUY, qty("1"), px("90"))
    ex.submit_order_list(f.oco([a, b]))
    ex.settle()
    ex.cancel_order(b)
    ex.settle()
    assert a.status is S.CANCELED and b.status is S.CANCELED


def test_scenario_10_canceling_an_oto_parent_cancels_its_held_children() -> None:
    """(10) An OTO parent canceled before any fill takes its held children with it; a child
    held unacknowledged ends canceled without an OrderAccepted (venue contract, rule 2)."""
    ex, bus = _l3(balances=RICH)
    rec = Recorder(bus)
    f = factory()
    parent = f.limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    child = f.limit(BTCUSDT.id, SELL, qty("1"), px("110"))
    ex.submit_order_list(f.oto(parent, [child]))
    ex.settle()
    assert parent.status is S.ACCEPTED
    ex.cancel_order(parent)
    ex.settle()
    assert parent.status is S.CANCELED
    assert child.status is S.CANCELED
    assert rec.names(child) == ["Submitted", "Canceled"]
    assert ex.open_orders() == []


def test_scenario_11_gtd_expires_at_its_time_even_without_data() -> None:
    """(11) Lyra decision: a GTD order expires at its expire time, not at the first data
    after it: moving the clock is enough, and the event carries the expire time."""
    clock = TestClock(T0)
    ex, bus = make_exchange(clock=clock)
    rec = Recorder(bus)
    expire = T0 + 60_000 * MS
    order = factory(clock=clock).limit(
        BTCUSDT.id,
        BUY,
        qty("1"),
        px("100"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=expire,
    )
    ex.submit_order(order)
    ex.settle()
    clock.advance_to(expire - 1)
    ex.settle()
    assert order.status is S.ACCEPTED
    clock.advance_to(expire + 5 * MS)
    ex.settle()
    assert rec.names(order)[-1] == "Expired"
    assert rec.of(order)[-1].ts_event == expire


def test_scenario_11b_day_orders_expire_at_the_session_close() -> None:
    """Trap: DAY is not GTC. On a 24/7 instrument a DAY order expires at the daily cut-off
    (UTC midnight by default, here a 17:00 UTC cut-off from the venue's session)."""
    session = ContinuousSession(cutoff=__import__("datetime").time(17, 0))
    ex, bus = make_exchange(sessions={BTCUSDT.id: session})
    rec = Recorder(bus)
    ex.advance_time(T0 + 3_600 * 1_000 * MS)  # 01:00 UTC
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100"), time_in_force=TimeInForce.DAY)
    ex.submit_order(order)
    ex.settle()
    close = T0 + 17 * 3_600 * 1_000 * MS
    ex.advance_time(close - 1)
    assert order.status is S.ACCEPTED
    ex.advance_time(close)
    assert rec.names(order)[-1] == "Expired" and rec.of(order)[-1].ts_event == close


def test_scenario_11c_auction_time_in_force_is_denied_on_a_venue_without_auctions() -> None:
    """Trap: AT_THE_OPEN / AT_THE_CLOSE need call auctions; this exchange has none, so such
    orders are refused before they leave (OrderDenied, NOT_SUPPORTED, naming the TIF)."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = factory().limit(
        BTCUSDT.id, BUY, qty("1"), px("100"), time_in_force=TimeInForce.AT_THE_OPEN
    )
    ex.submit_order(order)
    (denied,) = rec.of(order)
    assert denied.code == RejectCode.NOT_SUPPORTED  # type: ignore[union-attr]
    assert "AT_THE_OPEN" in denied.reason  # type: ignore[union-attr]


@pytest.mark.parametrize(("book", "allowed"), [("flat", False), ("long", True), ("short", False)])
def test_scenario_12_risk_reducing_state_against_the_exchange_positions(
    book: str, allowed: bool
) -> None:
    """(12) REDUCING (Lyra decision: only orders that reduce an existing position): with the
    exchange's account as the risk engine's position view, a SELL is allowed only when it
    reduces a long; flat and short books deny it."""
    clock = TestClock(T0)
    risk = RiskEngine(clock, instruments=[PERP])
    ex, _bus = make_exchange(
        instruments=[PERP],
        balances=[Money("10000000", USDT)],
        account_type=AccountType.MARGIN,
        clock=clock,
        book_type=BookType.L3_MBO,
        risk=risk,
    )
    risk.positions = ex  # the account's own net positions (a PositionView)
    other = ex.add_account("SIM-002", [Money("10000000", USDT)])
    f = factory("S-1", clock=clock)
    if book != "flat":
        side = BUY if book == "long" else SELL
        opposite = SELL if side is BUY else BUY
        other.submit_order(factory("B", clock=clock).limit(PERP.id, opposite, qty("1"), px("100")))
        ex.submit_order(f.limit(PERP.id, side, qty("1"), px("100")))
        ex.settle()
        assert ex.net_position(PERP.id) == (Decimal(1) if book == "long" else Decimal(-1))
    risk.set_trading_state(TradingState.REDUCING)
    sell = f.limit(PERP.id, SELL, qty("1"), px("150"))
    ex.submit_order(sell)
    if allowed:
        assert sell.status is S.SUBMITTED
    else:
        assert sell.status is S.DENIED


def test_scenario_13_the_101st_submit_inside_one_second_is_denied() -> None:
    """(13) Rate-limited submits are denied, not queued: 100 per second pass, the 101st in
    the same second is denied RATE_LIMITED; a second later submits pass again."""
    clock = TestClock(T0)
    risk = RiskEngine(
        clock,
        instruments=[BTCUSDT],
        config=RiskConfig(submit_rate=RateLimit(100, 1_000_000_000)),
    )
    ex, bus = make_exchange(clock=clock, risk=risk)
    rec = Recorder(bus)
    f = factory(clock=clock)
    orders = [f.limit(BTCUSDT.id, BUY, qty("0.001"), px("1")) for _ in range(101)]
    for o in orders:
        ex.submit_order(o)
    assert all(o.status is S.SUBMITTED for o in orders[:100])
    assert orders[100].status is S.DENIED
    assert rec.of(orders[100])[-1].code == "RATE_LIMITED"  # type: ignore[union-attr]
    clock.advance_to(T0 + 1_000_000_000)
    late = f.limit(BTCUSDT.id, BUY, qty("0.001"), px("1"))
    ex.submit_order(late)
    assert late.status is S.SUBMITTED


def test_scenario_16_netting_reopen_keeps_the_position_id() -> None:
    """(16) NETTING: the exchange's own portfolio keeps one position per instrument and
    strategy; when it goes flat and reopens, the same id is reused and the closed cycle is
    kept as a snapshot."""
    ex, _bus = _l3(balances=RICH)
    other = ex.add_account("SIM-002", RICH)
    f, g = factory(), factory("B")

    def cross(side: OrderSide) -> None:
        opposite = SELL if side is BUY else BUY
        other.submit_order(g.limit(BTCUSDT.id, opposite, qty("1"), px("100")))
        ex.submit_order(f.limit(BTCUSDT.id, side, qty("1"), px("100")))
        ex.settle()

    cross(BUY)
    cross(SELL)
    (pos,) = ex.portfolio.positions(instrument_id=BTCUSDT.id, strategy_id=f.strategy_id)
    assert pos.is_closed
    cross(BUY)
    (again,) = ex.portfolio.positions(instrument_id=BTCUSDT.id, strategy_id=f.strategy_id)
    assert again.id == pos.id == f"{BTCUSDT.id}-{f.strategy_id}"
    assert again.is_open and len(again.snapshots) == 1


def test_scenario_17_a_flip_splits_the_commission_pro_rata() -> None:
    """(17) A fill larger than the open opposite position closes it and opens the other
    side; the exchange's portfolio splits that fill's commission pro rata between the two."""
    ex, bus = _l3(balances=RICH, account_type=AccountType.MARGIN, instruments=[PERP])
    other = ex.add_account("SIM-002", RICH)
    rec = Recorder(bus)
    f, g = factory(), factory("B")
    other.submit_order(g.limit(PERP.id, SELL, qty("1"), px("100")))
    ex.submit_order(f.limit(PERP.id, BUY, qty("1"), px("100")))
    ex.settle()
    other.submit_order(g.limit(PERP.id, BUY, qty("3"), px("100")))
    flip = f.limit(PERP.id, SELL, qty("3"), px("100"))
    ex.submit_order(flip)
    ex.settle()
    assert ex.net_position(PERP.id) == Decimal(-2)
    (fill,) = rec.fills(flip)
    assert isinstance(fill, OrderFilled)
    (pos,) = ex.portfolio.positions(instrument_id=PERP.id, strategy_id=f.strategy_id)
    assert pos.is_short and pos.quantity == qty("2")


def test_trap_market_orders_are_acknowledged_like_every_other_order() -> None:
    """Trap: NautilusTrader's simulator sends market orders from SUBMITTED straight to
    FILLED; Lyra acknowledges every order first, so user code has one path."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="5"))
    order = factory().market(BTCUSDT.id, BUY, qty("1"))
    ex.submit_order(order)
    ex.settle()
    assert rec.names(order) == ["Submitted", "Accepted", "Filled"]


def test_trap_prices_more_precise_than_the_instrument_are_rejected() -> None:
    """Trap: v1 accepted prices with fewer decimals and silently took more precise ones;
    Lyra rejects any price that is not on the instrument's tick grid, naming the field."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100.123"))
    ex.submit_order(order)
    ex.settle()
    event = rec.of(order)[-1]
    assert isinstance(event, OrderRejected) and "price: 100.123" in event.reason
    coarse = factory("C").limit(BTCUSDT.id, BUY, qty("1"), px("100.1"))  # on the grid
    ex.submit_order(coarse)
    ex.settle()
    assert coarse.status is S.ACCEPTED


def test_trap_the_trigger_type_is_honoured() -> None:
    """Trap: NautilusTrader's simulator ignores trigger_type for stops. A BUY stop on
    LAST_PRICE does not fire when the ask crosses its trigger, only when a trade does."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="5"))
    stop = factory().stop_market(
        BTCUSDT.id, BUY, qty("1"), px("103"), trigger_type=TriggerType.LAST_PRICE
    )
    ex.submit_order(stop)
    ex.settle()
    ex.process_quote(quote("103", "104", T0 + MS, ask_size="5"))
    assert stop.status is S.ACCEPTED
    ex.process_trade(trade("103", "1", T0 + 2 * MS, AggressorSide.BUYER))
    assert "Triggered" in rec.names(stop)
    assert stop.status is S.FILLED and rec.fills(stop)[0].last_px == px("104")


def test_trap_a_mark_price_stop_fires_on_marks_only() -> None:
    """Trap (trigger types): a SELL stop on MARK_PRICE ignores quotes and trades through its
    trigger and fires on the first mark at or below it."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, bid_size="5"))
    stop = factory().stop_market(
        BTCUSDT.id, SELL, qty("1"), px("95"), trigger_type=TriggerType.MARK_PRICE
    )
    ex.submit_order(stop)
    ex.settle()
    ex.process_quote(quote("94", "94.5", T0 + MS, bid_size="5"))
    ex.process_trade(trade("94", "1", T0 + 2 * MS, AggressorSide.SELLER))
    ex.process_mark(BTCUSDT.id, px("96"), T0 + 3 * MS)
    assert stop.status is S.ACCEPTED
    ex.process_mark(BTCUSDT.id, px("95"), T0 + 4 * MS)
    assert rec.names(stop)[-2:] == ["Triggered", "Filled"]
    assert rec.fills(stop)[0].last_px == px("94")


def test_trap_a_stop_already_in_the_market_is_rejected_showing_the_market() -> None:
    """Trap: a stop whose trigger is already reached on arrival is rejected, with the
    reference price in the reason (unless the venue is configured to fire it)."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0))
    stop = factory().stop_market(BTCUSDT.id, BUY, qty("1"), px("100.5"))
    ex.submit_order(stop)
    ex.settle()
    event = rec.of(stop)[-1]
    assert isinstance(event, OrderRejected)
    assert "101" in event.reason or "10100" in event.reason


def test_topic_of_order_events_is_the_strategys() -> None:
    """(15, adapted) Each strategy's events arrive on its own topic only."""
    ex, bus = make_exchange()
    a_seen: list[object] = []
    bus.subscribe(topics.order_events("A"), a_seen.append)
    ex.submit_order(factory("B").limit(BTCUSDT.id, BUY, qty("1"), px("100")))
    ex.settle()
    assert a_seen == []
