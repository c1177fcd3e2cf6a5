"""The backtest loop: merge order, timers, bars, results, determinism, early stop, errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lyra import topics
from lyra.backtest import Backtest, BacktestResult, CustomData, bar_path_quotes
from lyra.backtest.strategies import EmaCross
from lyra.backtest.synthetic import default_quote_instrument, generate_quotes
from lyra.clock import TimeEvent
from lyra.errors import InvalidInput
from lyra.model.columnar import BAR_DTYPE, QUOTE_DTYPE, BarBatch, QuoteBatch
from lyra.model.data import BarSpecification, BarType, QuoteTick
from lyra.model.enums import AccountType, BarAggregation, OrderSide, PriceType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderFactory
from lyra.sim import SimulatedExchange

T0 = 1_700_000_000_000_000_000
SEC = 1_000_000_000


def _pair(iid: str) -> CurrencyPair:
    return CurrencyPair.simple(iid, price_increment="0.01", size_increment="1")


def _quotes(inst: CurrencyPair, times: list[int], bids: list[int] | None = None) -> QuoteBatch:
    n = len(times)
    arr = np.zeros(n, dtype=QUOTE_DTYPE)
    bid = np.asarray(bids if bids is not None else [10_000] * n, dtype=np.int64)
    arr["bid_price"] = bid * 10_000_000  # ticks of 0.01 as raw (x 1e9)
    arr["ask_price"] = (bid + 1) * 10_000_000
    arr["bid_size"] = 10 * 1_000_000_000
    arr["ask_size"] = 10 * 1_000_000_000
    arr["ts_event"] = times
    arr["ts_init"] = times
    return QuoteBatch(arr, instrument_id=inst.id, price_precision=2, size_precision=0)


def _exchange(bt: Backtest, venue: str, *insts: CurrencyPair) -> SimulatedExchange:
    return bt.add_exchange(
        SimulatedExchange(
            venue,
            bus=bt.bus,
            clock=bt.clock,
            instruments=insts,
            starting_balances=[Money("1000000", "USD"), Money("1000000", insts[0].base_currency)],
        )
    )


def _listen_all_quotes(bt: Backtest, log: list[Any]) -> None:
    for ex in bt.exchanges:
        for inst in ex.instruments:
            ex.subscribe_quotes(inst.id)
            bt.bus.subscribe(
                topics.quotes(inst.id),
                lambda q: log.append(
                    ("quote", str(q.instrument_id), q.ts_event, bt.clock.timestamp_ns())
                ),
            )


# -- merge order -------------------------------------------------------------------------------
def test_streams_merge_by_time_with_ties_in_the_order_streams_were_added() -> None:
    bt = Backtest()
    a, b, c = _pair("BTC/USD.ONE"), _pair("ETH/USD.TWO"), _pair("LTC/USD.ONE")
    _exchange(bt, "ONE", a, c)
    _exchange(bt, "TWO", b)
    times = {
        a: [T0 + 1, T0 + 3, T0 + 3, T0 + 7],
        b: [T0, T0 + 3, T0 + 7, T0 + 8],
        c: [T0 + 3],
    }
    for inst in (a, b, c):
        bt.add_data(_quotes(inst, times[inst]))
    log: list[Any] = []
    _listen_all_quotes(bt, log)
    bt.run()
    rows = [
        (t, k, r, str(inst.id))
        for k, inst in enumerate((a, b, c))
        for r, t in enumerate(times[inst])
    ]
    expected = [(iid, t) for t, _, _, iid in sorted(rows)]
    assert [(iid, ts) for _, iid, ts, _ in log] == expected
    # the clock shows each quote's time while it is handled
    assert all(ts == now for *_, ts, now in log)


def test_a_stream_read_in_chunks_replays_like_the_whole_batch() -> None:
    inst = default_quote_instrument()
    quotes = generate_quotes(3_000, seed=3, instrument=inst)
    results = []
    for chunked in (False, True):
        bt = Backtest(record_events=True)
        ex = bt.add_exchange(
            SimulatedExchange(
                inst.id.venue,
                bus=bt.bus,
                clock=bt.clock,
                instruments=[inst],
                account_type=AccountType.MARGIN,
                starting_balances=[Money("10000000", "USD")],
                leverage=10,
            )
        )
        if chunked:
            bt.add_data(quotes[i : i + 700] for i in range(0, len(quotes), 700))
        else:
            bt.add_data(quotes)
        bt.add_strategy(
            EmaCross(
                bus=bt.bus, clock=bt.clock, venue=ex, instrument=inst, quantity=Quantity("100000")
            )
        )
        results.append(bt.run())
    assert results[0].event_log == results[1].event_log
    assert len(results[0].fills) > 10


# -- timers ------------------------------------------------------------------------------------
def test_timers_fire_in_time_order_between_rows_and_before_data_at_the_same_time() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0, T0 + 10, T0 + 20, T0 + 30]))
    log: list[Any] = []
    _listen_all_quotes(bt, log)

    def on_time(event: TimeEvent) -> None:
        log.append(("timer", event.name, event.ts_event, bt.clock.timestamp_ns()))

    bt.clock.set_time(T0)
    bt.clock.set_timer("every-10", 10, start_ns=T0 - 5, callback=on_time)  # T0+5, +15, +25...
    bt.clock.set_time_alert("at-20", T0 + 20, callback=on_time)
    bt.run()
    kinds = [(k, ts) for k, _, ts, _ in log]
    assert kinds[:8] == [
        ("quote", T0),
        ("timer", T0 + 5),
        ("quote", T0 + 10),
        ("timer", T0 + 15),
        ("timer", T0 + 20),
        ("quote", T0 + 20),
        ("timer", T0 + 25),
        ("quote", T0 + 30),
    ]
    assert all(ts == now for *_, ts, now in log)


def test_an_order_sent_from_a_timer_acts_at_the_timer_time() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    ex = _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0, T0 + 100], bids=[10_000, 20_000]))
    orders = OrderFactory("T-1", clock=bt.clock)
    bt.clock.set_time(T0)

    def buy(event: TimeEvent) -> None:
        ex.submit_order(orders.market(a.id, OrderSide.BUY, Quantity("1")))

    bt.clock.set_time_alert("buy", T0 + 50, callback=buy)
    result = bt.run()
    (fill,) = result.fills
    assert fill.ts_ns == T0 + 50
    assert fill.price == "100.01"  # the ask standing at T0 + 50, not the later one


# -- cross-venue -------------------------------------------------------------------------------
def test_a_handler_on_one_venue_trades_on_another_at_the_same_time() -> None:
    bt = Backtest()
    a, b = _pair("BTC/USD.ONE"), _pair("BTC/USD.TWO")
    _exchange(bt, "ONE", a)
    two = _exchange(bt, "TWO", b)
    bt.add_data(_quotes(a, [T0 + 10]))
    bt.add_data(_quotes(b, [T0, T0 + 20], bids=[10_000, 30_000]))
    orders = OrderFactory("X-1", clock=bt.clock)
    bt.exchanges[0].subscribe_quotes(a.id)
    bt.bus.subscribe(
        topics.quotes(a.id),
        lambda q: two.submit_order(orders.market(b.id, OrderSide.BUY, Quantity("1"))),
    )
    result = bt.run()
    (fill,) = result.fills
    assert (fill.ts_ns, fill.venue, fill.price) == (T0 + 10, "TWO", "100.01")


# -- bars --------------------------------------------------------------------------------------
def _bars(inst: CurrencyPair, rows: list[tuple[int, int, int, int]], step_ns: int) -> BarBatch:
    arr = np.zeros(len(rows), dtype=BAR_DTYPE)
    for i, (o, h, lo, c) in enumerate(rows):
        arr[i] = (
            o * 10**9,
            h * 10**9,
            lo * 10**9,
            c * 10**9,
            5 * 10**9,
            T0 + (i + 1) * step_ns,
            T0 + (i + 1) * step_ns,
        )
    bar_type = BarType(inst.id, BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST))
    return BarBatch(arr, bar_type=bar_type, price_precision=2, size_precision=0)


@pytest.mark.parametrize(
    ("path", "ohlc", "order"),
    [
        ("OHLC", (100, 110, 95, 105), [100, 110, 95, 105]),
        ("OLHC", (100, 110, 95, 105), [100, 95, 110, 105]),
        ("adaptive", (100, 104, 90, 95), [100, 104, 90, 95]),  # high is nearer the open
        ("adaptive", (100, 120, 98, 115), [100, 98, 120, 115]),  # low is nearer the open
    ],
)
def test_bar_paths(path: str, ohlc: tuple[int, int, int, int], order: list[int]) -> None:
    inst = _pair("BTC/USD.ONE")
    minute = 60 * SEC
    quotes = bar_path_quotes(_bars(inst, [ohlc], minute), inst, path=path)  # type: ignore[arg-type]
    arr = quotes.array
    assert (arr["bid_price"] // 10**9).tolist() == order
    assert (arr["ask_price"] == arr["bid_price"]).all()
    end = T0 + minute
    assert arr["ts_event"].tolist() == [end - 45 * SEC, end - 30 * SEC, end - 15 * SEC, end]


def test_bar_path_times_never_go_back_for_overlapping_bars() -> None:
    inst = _pair("BTC/USD.ONE")
    bars = _bars(inst, [(100, 101, 99, 100)] * 3, SEC)  # 1-second spacing, 1-minute bars
    ts = bar_path_quotes(bars, inst).array["ts_event"]
    assert (np.diff(ts) >= 0).all()
    assert ts[3] == T0 + SEC and ts[-1] == T0 + 3 * SEC


def test_a_limit_inside_a_bar_fills_at_its_price_and_the_bar_comes_after_its_close() -> None:
    bt = Backtest()
    inst = _pair("BTC/USD.ONE")
    ex = _exchange(bt, "ONE", inst)
    bars = _bars(inst, [(100, 101, 99, 100), (100, 103, 96, 102)], 60 * SEC)
    bt.add_bars(bars, path="OHLC")
    orders = OrderFactory("B-1", clock=bt.clock)
    seen: list[tuple[int, Any]] = []

    def on_bar(bar: Any) -> None:
        seen.append((bt.clock.timestamp_ns(), ex.best_bid(inst.id)))
        if len(seen) == 1:
            ex.submit_order(orders.limit(inst.id, OrderSide.BUY, Quantity("1"), Price("97.00", 2)))

    bt.bus.subscribe(topics.bars(str(bars.bar_type)), on_bar)
    result = bt.run()
    assert [t for t, _ in seen] == [T0 + 60 * SEC, T0 + 120 * SEC]
    # the exchange had moved to the close when each bar arrived
    assert seen[0][1][0] == Price("100.00", 2) and seen[1][1][0] == Price("102.00", 2)
    (fill,) = result.fills
    assert fill.price == "97.00"
    assert fill.ts_ns == T0 + 120 * SEC - 15 * SEC  # the low, second extreme with OHLC


# -- custom data -------------------------------------------------------------------------------
def test_custom_data_is_published_in_time_order_with_the_market() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0, T0 + 10, T0 + 20]))
    bt.add_data(CustomData([T0 + 10, T0 + 15], ["news-1", "news-2"], "data.custom.news"))
    log: list[Any] = []
    _listen_all_quotes(bt, log)
    bt.bus.subscribe(
        "data.custom.news", lambda item: log.append(("news", item, bt.clock.timestamp_ns(), 0))
    )
    bt.run()
    assert [(k, x) for k, x, *_ in log] == [
        ("quote", "BTC/USD.ONE"),
        ("quote", "BTC/USD.ONE"),
        ("news", "news-1"),
        ("news", "news-2"),
        ("quote", "BTC/USD.ONE"),
    ]


# -- results -----------------------------------------------------------------------------------
def test_statistics_of_a_hand_checked_round_trip() -> None:
    bt = Backtest(base_currency="USD")
    inst = _pair("BTC/USD.ONE")
    ex = bt.add_exchange(
        SimulatedExchange(
            "ONE",
            bus=bt.bus,
            clock=bt.clock,
            instruments=[inst],
            starting_balances=[Money("1000", "USD")],
        )
    )
    # ask 100.01 at T0, bid 110.00 at T0 + 1s
    bt.add_data(_quotes(inst, [T0, T0 + SEC, T0 + 2 * SEC], bids=[10_000, 11_000, 11_000]))
    orders = OrderFactory("RT-1", clock=bt.clock)
    state = {"n": 0}
    ex.subscribe_quotes(inst.id)

    def on_quote(q: QuoteTick) -> None:
        state["n"] += 1
        if state["n"] == 1:
            ex.submit_order(orders.market(inst.id, OrderSide.BUY, Quantity("2")))
        elif state["n"] == 2:
            ex.submit_order(orders.market(inst.id, OrderSide.SELL, Quantity("2")))

    bt.bus.subscribe(topics.quotes(inst.id), on_quote)
    result = bt.run()
    assert [(f.side, f.price) for f in result.fills] == [("BUY", "100.01"), ("SELL", "110.00")]
    s = result.summary
    assert s.start_equity == pytest.approx(1000.0)
    assert s.end_equity == pytest.approx(1000.0 + 2 * (110.00 - 100.01))
    assert s.total_return == pytest.approx(2 * 9.99 / 1000.0)
    assert s.trade_count == 1 and s.win_rate == 1.0
    # traded notional over the time-weighted mean equity
    ts, eq = result.equity_ts_ns, result.equity
    mean = float(np.sum(eq[:-1] * np.diff(ts)) / (ts[-1] - ts[0]))
    assert s.turnover == pytest.approx((200.02 + 220.00) / mean)
    strat = result.summaries["strategy:RT-1"]
    assert strat.end_equity == pytest.approx(s.end_equity)
    assert result.summaries["venue:ONE"].end_equity == pytest.approx(s.end_equity)
    assert [o.status for o in result.orders] == ["FILLED", "FILLED"]
    (pos,) = result.positions
    assert pos.side == "FLAT" and Decimal(str(pos.realized_pnl)) == Decimal("19.98")


def test_results_save_and_load(tmp_path: Path) -> None:
    result = _ema_run(2_000)
    path = result.save(tmp_path / "run.lyra")
    back = BacktestResult.load(path)
    assert back.summary == result.summary
    assert back.fills == result.fills and back.orders == result.orders
    assert np.array_equal(back.equity, result.equity)
    assert back.metrics() == result.metrics()
    (tmp_path / "junk").write_bytes(b"\x00not a result")
    with pytest.raises(InvalidInput, match="not a Lyra backtest result"):
        BacktestResult.load(tmp_path / "junk")


def _ema_run(n: int, **kwargs: Any) -> BacktestResult:
    inst = default_quote_instrument()
    bt = Backtest(**kwargs)
    ex = bt.add_exchange(
        SimulatedExchange(
            inst.id.venue,
            bus=bt.bus,
            clock=bt.clock,
            instruments=[inst],
            account_type=AccountType.MARGIN,
            starting_balances=[Money("10000000", "USD")],
            leverage=10,
        )
    )
    bt.add_data(generate_quotes(n, seed=42, instrument=inst))
    bt.add_strategy(
        EmaCross(bus=bt.bus, clock=bt.clock, venue=ex, instrument=inst, quantity=Quantity("100000"))
    )
    return bt.run()


def test_the_ema_cross_matches_the_shared_reference_order_count() -> None:
    from lyra.backtest.synthetic import generate_quotes as gen

    n = 20_000
    result = _ema_run(n)
    arr = gen(n, seed=42).array
    inc = 10_000  # raw per tick of 0.00001
    bid, ask = arr["bid_price"] // inc, arr["ask_price"] // inc
    af, as_ = 2 / 11, 2 / 51
    ef = es = 0.0
    target = orders = 0
    for k, (b, a) in enumerate(zip(bid.tolist(), ask.tolist(), strict=True)):
        m = (b + a) * 0.5 * 1e-5
        if k == 0:
            ef = es = m
        ef = af * m + (1 - af) * ef
        es = as_ * m + (1 - as_) * es
        if k + 1 < 50:
            continue
        if ef > es and target != 1:
            target, orders = 1, orders + 1
        elif ef < es and target != -1:
            target, orders = -1, orders + 1
    assert len(result.orders) == orders


def test_the_same_backtest_twice_gives_byte_identical_event_logs() -> None:
    first = _ema_run(5_000, record_events=True)
    second = _ema_run(5_000, record_events=True)
    assert len(first.event_log) > 100
    assert b"".join(first.event_log) == b"".join(second.event_log)
    assert first.summary == second.summary


# -- stopping ----------------------------------------------------------------------------------
def test_stop_from_a_handler_ends_the_run_with_a_partial_result() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0 + i for i in range(100)]))
    seen: list[int] = []
    bt.exchanges[0].subscribe_quotes(a.id)

    def on_quote(q: QuoteTick) -> None:
        seen.append(q.ts_event)
        if len(seen) == 10:
            bt.stop("enough")

    bt.bus.subscribe(topics.quotes(a.id), on_quote)
    result = bt.run()
    assert len(seen) == 10 and result.stopped == "enough"
    assert result.info["rows"] == 10


def test_until_ns_stops_before_later_rows() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0 + i for i in range(100)]))
    result = bt.run(until_ns=T0 + 49)
    assert result.info["rows"] == 50
    assert result.stopped is None


# -- bad input ---------------------------------------------------------------------------------
def test_data_for_an_instrument_no_exchange_trades_is_refused() -> None:
    bt = Backtest()
    _exchange(bt, "ONE", _pair("BTC/USD.ONE"))
    with pytest.raises(InvalidInput, match="add_exchange"):
        bt.add_data(_quotes(_pair("SOL/USD.ONE"), [T0]))


def test_an_exchange_on_another_bus_is_refused() -> None:
    from lyra.bus import EventBus

    bt = Backtest()
    other = SimulatedExchange(
        "ONE", bus=EventBus(), clock=bt.clock, instruments=[_pair("BTC/USD.ONE")]
    )
    with pytest.raises(InvalidInput, match=r"bus=backtest\.bus"):
        bt.add_exchange(other)


def test_unsorted_data_is_refused_before_anything_runs() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0 + 5, T0 + 1]))
    with pytest.raises(InvalidInput, match=r"ts\[1\]"):
        bt.run()


def test_a_backtest_runs_once() -> None:
    bt = Backtest()
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0]))
    bt.run()
    with pytest.raises(InvalidInput, match="runs once"):
        bt.run()


# -- L2 book deltas ----------------------------------------------------------------------------
def test_l2_deltas_replay_into_the_book_and_publish_as_messages() -> None:
    from lyra.backtest import default_l2_instrument, generate_l2
    from lyra.model.data import BookDeltas
    from lyra.model.enums import BookType, RecordFlag

    inst = default_l2_instrument()
    data = generate_l2(3_000, seed=7, p_trade=0.1)
    bt = Backtest()
    ex = bt.add_exchange(
        SimulatedExchange(
            "SIM",
            bus=bt.bus,
            clock=bt.clock,
            instruments=[inst],
            book_type=BookType.L2_MBP,
            starting_balances=[Money("1000000", "USD"), Money("1000", "BTC")],
        )
    )
    bt.add_data(data.deltas)
    bt.add_data(data.trades)
    ex.subscribe_book(inst.id)
    messages: list[BookDeltas] = []
    bt.bus.subscribe(topics.book_deltas(inst.id), messages.append)
    bt.run()
    flags = data.deltas.array["flags"]
    # one message per F_LAST-terminated group (the tail closes the last one)
    groups = int(((flags & int(RecordFlag.F_LAST)) != 0).sum())
    if not flags[-1] & int(RecordFlag.F_LAST):
        groups += 1
    assert len(messages) == groups
    assert sum(len(m.deltas) for m in messages) == len(data.deltas)
    # the exchange's book is the data's final book (no orders of ours were in it)
    from lyra._native import L2Book

    ref = L2Book()
    arr = data.deltas.array
    inc, lot = inst.price_increment.raw, inst.size_increment.raw
    ref.apply_batch(
        np.ascontiguousarray(arr["side"]),
        np.ascontiguousarray(arr["action"]),
        np.ascontiguousarray(arr["price"] // inc),
        np.ascontiguousarray(arr["size"] // lot),
    )
    bid, ask = ex.best_bid(inst.id), ex.best_ask(inst.id)
    assert bid is not None and ask is not None
    want_bid, want_ask = ref.best_bid(), ref.best_ask()
    assert want_bid is not None and want_ask is not None
    assert (bid[0].raw // inc, int(bid[1].raw // lot)) == want_bid
    assert (ask[0].raw // inc, int(ask[1].raw // lot)) == want_ask


def test_the_progress_bar_draws_on_stderr_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    bt = Backtest(progress=True)
    a = _pair("BTC/USD.ONE")
    _exchange(bt, "ONE", a)
    bt.add_data(_quotes(a, [T0 + i for i in range(1_000)]))
    bt.run()
    err = capsys.readouterr().err
    assert "1,000/1,000 rows" in err and "100.0%" in err


def test_l3_deltas_drive_an_l3_book_with_our_order_resting_among_data_orders() -> None:
    from lyra.model.columnar import BOOK_DELTA_DTYPE, BookDeltaBatch
    from lyra.model.enums import BookAction, BookType

    inst = _pair("BTC/USD.ONE")
    bt = Backtest()
    ex = bt.add_exchange(
        SimulatedExchange(
            "ONE",
            bus=bt.bus,
            clock=bt.clock,
            instruments=[inst],
            book_type=BookType.L3_MBO,
            starting_balances=[Money("1000000", "USD"), Money("100", "BTC")],
        )
    )
    px = 10_000 * 10**7  # 100.00
    rows = [
        # (ts, side, action, price, size, order_id): data bids 1 and 3 at 100.00 around
        # our bid (sent at T0 + 5), an ask above, then bid 1 leaves
        (T0, 1, int(BookAction.ADD), px, 2 * 10**9, 1),
        (T0 + 1, 2, int(BookAction.ADD), px + 10**7, 5 * 10**9, 2),
        (T0 + 10, 1, int(BookAction.ADD), px, 3 * 10**9, 3),
        (T0 + 20, 1, int(BookAction.DELETE), px, 0, 1),
    ]
    arr = np.zeros(len(rows), dtype=BOOK_DELTA_DTYPE)
    for i, (ts, side, action, price, size, oid) in enumerate(rows):
        arr[i]["ts_event"] = arr[i]["ts_init"] = ts
        arr[i]["side"], arr[i]["action"] = side, action
        arr[i]["price"], arr[i]["size"], arr[i]["order_id"] = price, size, oid
    bt.add_data(BookDeltaBatch(arr, instrument_id=inst.id, price_precision=2, size_precision=0))
    orders = OrderFactory("L3-1", clock=bt.clock)
    bt.clock.set_time(T0)
    bt.clock.set_time_alert(
        "bid",
        T0 + 5,
        callback=lambda e: ex.submit_order(
            orders.limit(inst.id, OrderSide.BUY, Quantity("1"), Price("100.00", 2))
        ),
    )
    result = bt.run()
    (order,) = result.orders
    assert order.status == "ACCEPTED"  # resting behind data order 1, ahead of data order 3
    bid = ex.best_bid(inst.id)
    assert bid is not None and bid[0] == Price("100.00", 2)
    # 3 (data order 3) + 1 (ours) remain at 100.00 once data order 1 is deleted
    assert bid[1] == Quantity("4")


def test_a_bad_row_met_while_replaying_names_its_stream_and_row() -> None:
    from lyra.model.columnar import BOOK_DELTA_DTYPE, BookDeltaBatch
    from lyra.model.enums import BookAction, BookType

    inst = _pair("BTC/USD.ONE")
    bt = Backtest()
    ex = bt.add_exchange(
        SimulatedExchange(
            "ONE", bus=bt.bus, clock=bt.clock, instruments=[inst], book_type=BookType.L3_MBO
        )
    )
    arr = np.zeros(3, dtype=BOOK_DELTA_DTYPE)
    arr["ts_event"] = arr["ts_init"] = [T0, T0 + 1, T0 + 2]
    arr["side"], arr["action"] = 1, int(BookAction.ADD)
    arr["price"], arr["size"] = 100 * 10**9, 10**9
    arr["order_id"] = [1, 2, 0]  # an L3 book needs the data order's id
    bt.add_data(BookDeltaBatch(arr, instrument_id=inst.id, price_precision=2, size_precision=0))
    with pytest.raises(InvalidInput, match=r"deltas:BTC/USD.ONE row 2: order_id"):
        bt.run()
    assert ex.now == T0 + 1  # the rows before it were replayed, the bad one was not
