"""Fills driven by market data and the order features the engine enforces: L1 and L2 data,
queue position on L2, latency, reduce-only clipping, post-only, iceberg, stops."""

from __future__ import annotations

from decimal import Decimal

from lyra.clock import TestClock
from lyra.model.columnar import BookDeltaBatch, QuoteBatch, TradeBatch
from lyra.model.data import BookDelta, BookDeltas, BookOrder
from lyra.model.enums import (
    AccountType,
    AggressorSide,
    BookAction,
    BookType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    RecordFlag,
)
from lyra.model.values import Money
from lyra.orders import OrderRejected
from lyra.sim import LatencyConfig, QueueModel
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


def level(
    side: OrderSide,
    price: str,
    size: str,
    ts: int,
    action: BookAction = BookAction.UPDATE,
    last: bool = True,
) -> BookDeltas:
    d = BookDelta(
        BTCUSDT.id,
        action,
        BookOrder(side, px(price), qty(size)),
        ts,
        ts,
        flags=int(RecordFlag.F_LAST) if last else 0,
    )
    return BookDeltas(BTCUSDT.id, [d])


# -- L1 ---------------------------------------------------------------------------------------
def test_l1_a_marketable_limit_takes_the_shown_size_at_the_touch_and_rests_the_rest() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="2"))
    order = factory().limit(BTCUSDT.id, BUY, qty("5"), px("102"))
    ex.submit_order(order)
    ex.settle()
    (fill,) = rec.fills(order)
    assert fill.last_px == px("101") and fill.last_qty == qty("2")  # price improvement
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert order.status is S.PARTIALLY_FILLED and order.leaves_qty == qty("3")
    assert ex.open_orders() == [order]


def test_l1_a_resting_limit_crossed_through_by_a_quote_fills_completely_as_maker() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0))
    order = factory().limit(BTCUSDT.id, SELL, qty("3"), px("102"))
    ex.submit_order(order)
    ex.settle()
    ex.process_quote(quote("103", "104", T0 + MS, bid_size="1"))
    (fill,) = rec.fills(order)
    assert (fill.last_px, fill.last_qty) == (px("102"), qty("3"))
    assert fill.liquidity_side is LiquiditySide.MAKER


def test_l1_a_quote_batch_fills_at_the_row_that_crosses() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0))
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("99"))
    ex.submit_order(order)
    ex.settle()
    asks = ["100.5", "100", "99.5", "98", "97"]
    batch = QuoteBatch.from_ticks([quote("97", a, T0 + (i + 1) * MS) for i, a in enumerate(asks)])
    ex.process(batch)
    (fill,) = rec.fills(order)
    assert fill.ts_event == T0 + 4 * MS  # the first ask below 99 (98)
    assert ex.now == T0 + 5 * MS


def test_l1_worked_example_queue_at_the_bid_then_level_then_through() -> None:
    """docs/explanation/simulated-exchange.md, L1 worked example, through the Python face:
    buy 6 at 100 queues behind 10; trades and quotes fill 3, then 2 (ask level with us),
    then the last 1 (ask through us)."""
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, bid_size="10", ask_size="10"))
    order = factory().limit(BTCUSDT.id, BUY, qty("6"), px("100"))
    ex.submit_order(order)
    ex.settle()
    steps = [
        trade("100", "6", T0 + 1, AggressorSide.SELLER),
        quote("100", "101", T0 + 2, bid_size="4", ask_size="10"),
        quote("100", "101", T0 + 3, bid_size="12", ask_size="10"),
        quote("100", "101", T0 + 4, bid_size="9", ask_size="10"),
    ]
    for step in steps:
        ex.process(step)
    assert not rec.fills(order)
    ex.process_trade(trade("100", "7", T0 + 5, AggressorSide.SELLER))
    ex.process_quote(quote("99", "100", T0 + 6, ask_size="2"))
    ex.process_quote(quote("98", "99", T0 + 7))
    got = [(f.last_qty, f.liquidity_side) for f in rec.fills(order)]
    maker = LiquiditySide.MAKER
    assert got == [(qty("3"), maker), (qty("2"), maker), (qty("1"), maker)]
    assert all(f.last_px == px("100") for f in rec.fills(order))
    assert order.status is S.FILLED


# -- L2: queue position -----------------------------------------------------------------------
def test_l2_a_resting_order_queues_behind_the_shown_size_and_fills_by_trades() -> None:
    """We bid 1 at 100 behind 5 shown: 3 traded at 100 leave 2 ahead; 3 more take those 2
    and fill 1 of ours (pessimistic queue model)."""
    ex, bus = make_exchange(book_type=BookType.L2_MBP, queue_model=QueueModel.PESSIMISTIC)
    rec = Recorder(bus)
    ex.process_book_deltas(level(BUY, "100", "5", T0, BookAction.ADD))
    ex.process_book_deltas(level(SELL, "101", "5", T0, BookAction.ADD))
    order = factory().limit(BTCUSDT.id, BUY, qty("2"), px("100"))
    ex.submit_order(order)
    ex.settle()
    assert order.status is S.ACCEPTED
    ex.process_trade(trade("100", "3", T0 + MS, AggressorSide.SELLER))
    ex.process_book_deltas(level(BUY, "100", "2", T0 + MS))
    assert not rec.fills(order)
    ex.process_trade(trade("100", "3", T0 + 2 * MS, AggressorSide.SELLER))
    (fill,) = rec.fills(order)
    assert (fill.last_px, fill.last_qty) == (px("100"), qty("1"))
    assert fill.liquidity_side is LiquiditySide.MAKER
    # a trade through our price fills what is left
    ex.process_trade(trade("99.5", "1", T0 + 3 * MS, AggressorSide.SELLER))
    assert order.status is S.FILLED
    assert rec.fills(order)[-1].last_qty == qty("1")


def test_l2_the_proportional_model_is_never_behind_the_pessimistic_one() -> None:
    filled: dict[QueueModel, Decimal] = {}
    for model in QueueModel:
        ex, _bus = make_exchange(book_type=BookType.L2_MBP, queue_model=model)
        ex.process_book_deltas(level(BUY, "100", "10", T0, BookAction.ADD))
        ex.process_book_deltas(level(SELL, "101", "10", T0, BookAction.ADD))
        order = factory().limit(BTCUSDT.id, BUY, qty("5"), px("100"))
        ex.submit_order(order)
        ex.settle()
        ex.process_book_deltas(level(BUY, "100", "4", T0 + MS))  # 6 canceled
        ex.process_trade(trade("100", "5", T0 + 2 * MS, AggressorSide.SELLER))
        filled[model] = order.filled_qty.as_decimal()
    assert filled[QueueModel.PROPORTIONAL] >= filled[QueueModel.PESSIMISTIC]
    assert filled[QueueModel.PROPORTIONAL] > 0


def test_l2_a_marketable_order_walks_the_data_book_level_by_level() -> None:
    ex, bus = make_exchange(book_type=BookType.L2_MBP)
    rec = Recorder(bus)
    for price, size in (("101", "1"), ("102", "2"), ("103", "5")):
        ex.process_book_deltas(level(SELL, price, size, T0, BookAction.ADD))
    order = factory().market(BTCUSDT.id, BUY, qty("4"))
    ex.submit_order(order)
    ex.settle()
    got = [(f.last_px, f.last_qty) for f in rec.fills(order)]
    assert got == [(px("101"), qty("1")), (px("102"), qty("2")), (px("103"), qty("1"))]


def test_l2_batches_of_deltas_and_trades_drive_the_same_fills() -> None:
    def run(batched: bool) -> list[tuple[object, ...]]:
        ex, bus = make_exchange(book_type=BookType.L2_MBP)
        rec = Recorder(bus)
        book = [
            level(BUY, "100", "5", T0, BookAction.ADD).deltas[0],
            level(SELL, "101", "5", T0, BookAction.ADD).deltas[0],
        ]
        if batched:
            ex.process(BookDeltaBatch.from_deltas(book))
        else:
            for d in book:
                ex.process_book_deltas(d)
        order = factory().limit(BTCUSDT.id, BUY, qty("2"), px("100"))
        ex.submit_order(order)
        ex.settle()
        trades = [
            trade("100", "4", T0 + (i + 1) * MS, AggressorSide.SELLER, trade_id=f"M{i}")
            for i in range(3)
        ]
        if batched:
            ex.process(TradeBatch.from_ticks(trades))
        else:
            for t in trades:
                ex.process_trade(t)
        return [(f.ts_event, f.last_px, f.last_qty) for f in rec.fills(order)]

    assert run(batched=True) == run(batched=False)
    assert run(batched=True)


# -- L3 data orders ---------------------------------------------------------------------------
def test_l3_own_orders_queue_behind_earlier_data_orders() -> None:
    ex, bus = make_exchange(book_type=BookType.L3_MBO, balances=RICH)
    taker = ex.add_account("SIM-002", RICH)
    rec = Recorder(bus)
    data = BookDelta(
        BTCUSDT.id,
        BookAction.ADD,
        BookOrder(SELL, px("101"), qty("2"), 77),
        T0,
        T0,
        flags=int(RecordFlag.F_LAST),
    )
    ex.process_book_deltas(data)
    mine = factory().limit(BTCUSDT.id, SELL, qty("1"), px("101"))
    ex.submit_order(mine)
    ex.settle()
    buy = factory("B").limit(BTCUSDT.id, BUY, qty("2"), px("101"))
    taker.submit_order(buy)
    ex.settle()
    assert buy.status is S.FILLED
    assert mine.status is S.ACCEPTED  # the data order was first in the queue
    taker.submit_order(factory("C").limit(BTCUSDT.id, BUY, qty("1"), px("101")))
    ex.settle()
    assert mine.status is S.FILLED and rec.fills(mine)[0].liquidity_side is LiquiditySide.MAKER


# -- time -------------------------------------------------------------------------------------
def test_latency_an_order_sent_at_t_is_accepted_at_t_plus_latency() -> None:
    clock = TestClock(T0)
    ex, bus = make_exchange(clock=clock, latency=LatencyConfig(submit_ns=5 * MS, cancel_ns=MS))
    rec = Recorder(bus)
    order = factory(clock=clock).limit(BTCUSDT.id, BUY, qty("1"), px("100"))
    ex.submit_order(order)
    clock.advance_to(T0 + 4 * MS)
    ex.settle()
    assert order.status is S.SUBMITTED
    clock.advance_to(T0 + 5 * MS)
    ex.settle()
    accepted = rec.of(order)[1]
    assert type(accepted).__name__ == "OrderAccepted" and accepted.ts_event == T0 + 5 * MS
    ex.cancel_order(order)  # sent at T0 + 5 ms, arrives 1 ms later
    ex.advance_time(T0 + 6 * MS)
    assert rec.of(order)[-1].ts_event == T0 + 6 * MS and order.status is S.CANCELED


def test_latency_market_data_in_between_is_seen_by_the_order_on_arrival() -> None:
    ex, bus = make_exchange(latency=LatencyConfig(submit_ns=10 * MS))
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="5"))
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100.5"))
    ex.submit_order(order)  # sent at T0; the ask moves before it arrives
    ex.process_quote(quote("99", "100", T0 + 5 * MS, ask_size="5"))
    assert order.status is S.SUBMITTED
    ex.process_quote(quote("99", "100", T0 + 10 * MS, ask_size="5"))
    (fill,) = rec.fills(order)
    assert fill.last_px == px("100") and fill.ts_event == T0 + 10 * MS


def test_a_rejection_the_exchange_makes_itself_also_waits_for_the_latency() -> None:
    ex, bus = make_exchange(latency=LatencyConfig(submit_ns=3 * MS))
    rec = Recorder(bus)
    ex.advance_time(T0)
    order = factory().limit(BTCUSDT.id, BUY, qty("1"), px("100.001"))
    ex.submit_order(order)
    ex.settle()
    assert order.status is S.SUBMITTED
    ex.advance_time(T0 + 3 * MS)
    assert order.status is S.REJECTED
    event = rec.of(order)[-1]
    assert isinstance(event, OrderRejected) and event.ts_event == T0 + 3 * MS


# -- instructions -----------------------------------------------------------------------------
def test_reduce_only_fills_are_clipped_to_the_position() -> None:
    ex, bus = make_exchange(
        book_type=BookType.L3_MBO,
        instruments=[PERP],
        account_type=AccountType.MARGIN,
        balances=RICH,
    )
    other = ex.add_account("SIM-002", RICH)
    rec = Recorder(bus)
    f, g = factory(), factory("B")
    other.submit_order(g.limit(PERP.id, SELL, qty("1.5"), px("100")))
    ex.submit_order(f.limit(PERP.id, BUY, qty("1.5"), px("100")))
    ex.settle()
    assert ex.net_position(PERP.id) == Decimal("1.5")
    for price in ("99", "98"):
        other.submit_order(g.limit(PERP.id, BUY, qty("1"), px(price)))
    exit_ = f.market(PERP.id, SELL, qty("5"), reduce_only=True)
    ex.submit_order(exit_)
    ex.settle()
    got = [(f_.last_px, f_.last_qty) for f_ in rec.fills(exit_)]
    assert got == [(px("99"), qty("1")), (px("98"), qty("0.5"))]
    assert exit_.status is S.CANCELED and ex.net_position(PERP.id) == 0
    again = f.limit(PERP.id, SELL, qty("1"), px("90"), reduce_only=True)
    ex.submit_order(again)
    ex.settle()
    assert again.status is S.REJECTED  # flat: it would open a position


def test_post_only_that_would_take_is_rejected() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0))
    f = factory()
    taker = f.limit(BTCUSDT.id, BUY, qty("1"), px("101"), post_only=True)
    maker = f.limit(BTCUSDT.id, BUY, qty("1"), px("100.99"), post_only=True)
    ex.submit_order(taker)
    ex.submit_order(maker)
    ex.settle()
    event = rec.of(taker)[-1]
    assert isinstance(event, OrderRejected)
    assert event.due_post_only and event.code == RejectCode.POST_ONLY_WOULD_TAKE
    assert maker.status is S.ACCEPTED
    ex.modify_order(maker, price=px("101.5"))
    ex.settle()
    assert type(rec.of(maker)[-1]).__name__ == "OrderModifyRejected"
    assert maker.price == px("100.99")


def test_iceberg_shows_one_slice_and_the_next_joins_the_back_of_the_queue() -> None:
    ex, bus = make_exchange(book_type=BookType.L3_MBO, balances=RICH)
    b = ex.add_account("SIM-002", RICH)
    c = ex.add_account("SIM-003", RICH)
    rec = Recorder(bus)
    ice = factory().limit(BTCUSDT.id, SELL, qty("3"), px("100"), display_qty=qty("1"))
    ex.submit_order(ice)
    ex.settle()
    assert ex.best_ask(BTCUSDT.id) == (px("100"), qty("1"))  # only the slice shows
    plain = factory("B").limit(BTCUSDT.id, SELL, qty("1"), px("100"))
    b.submit_order(plain)
    ex.settle()
    taker = factory("C").limit(BTCUSDT.id, BUY, qty("2"), px("100"))
    c.submit_order(taker)
    ex.settle()
    assert ice.filled_qty == qty("1")  # first slice
    assert plain.status is S.FILLED  # then the order queued behind the first slice
    assert [f.last_qty for f in rec.fills(taker)] == [qty("1"), qty("1")]


def test_a_stop_limit_triggers_then_works_as_a_limit() -> None:
    ex, bus = make_exchange()
    rec = Recorder(bus)
    ex.process_quote(quote("100", "101", T0, ask_size="5"))
    stop = factory().stop_limit(BTCUSDT.id, BUY, qty("1"), px("102.5"), px("102"))
    ex.submit_order(stop)
    ex.settle()
    ex.process_quote(quote("101", "102", T0 + MS, ask_size="5"))
    assert rec.names(stop)[-2:] == ["Triggered", "Filled"]
    assert rec.fills(stop)[0].last_px == px("102")
