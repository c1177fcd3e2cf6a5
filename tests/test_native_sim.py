"""The Rust simulated exchange through its binding, ``lyra._native.SimCore``.

The exchange's rules are tested in Rust (``cargo test``: worked scenarios per data mode and
rule, and property tests); these tests pin what the binding adds: every command and event
kind crossing the boundary as documented, NumPy batches giving the same events as the same
data one call at a time, typed errors that name the bad argument, and independent
instances running on threads.
"""

from __future__ import annotations

import importlib.util
import itertools
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from lyra._native import SimCore, reason_text
from lyra.errors import InvalidInput, ValueOutOfRange

_SYNTH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "synth.py"

# Event kinds and codes of the pinned API.
ACCEPTED, REJECTED, FILLED, CANCELED, EXPIRED, TRIGGERED = 1, 2, 3, 4, 5, 6
UPDATED, MODIFIED, MODIFY_REJECTED, CANCEL_REJECTED, RELEASED = 7, 8, 9, 10, 11
BUY, SELL = 1, 2
MARKET, LIMIT, STOP_MARKET, TRAILING_STOP_MARKET = 1, 2, 3, 8
GTC, IOC, FOK, GTD = 1, 2, 3, 4
L1, L2, L3 = 1, 2, 3
ADD, UPDATE, DELETE = 1, 2, 3
MAKER, TAKER = 1, 2
OCO, OUO = 1, 3

Event = tuple[int, int, int, int, int, int, int, int, int, int]


def _reason(name: str) -> int:
    """The code of reason ``name`` (its text starts with it)."""
    codes = [c for c in range(100) if _text(c).startswith(name + ":")]
    assert len(codes) == 1, name
    return codes[0]


def _text(code: int) -> str:
    try:
        return reason_text(code)
    except InvalidInput:
        return ""


@pytest.fixture(scope="module")
def synth() -> ModuleType:
    if not _SYNTH.exists():
        pytest.skip(f"shared benchmark data generator not found at {_SYNTH}")
    spec = importlib.util.spec_from_file_location("_lyra_synth", _SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _l1(**kwargs: Any) -> SimCore:
    core = SimCore(**kwargs)
    assert core.add_instrument(L1) == 0
    return core


def _kinds(events: list[Event]) -> list[tuple[int, int]]:
    return [(e[0], e[3]) for e in events]


# ------------------------------------------------------------------------------ basics


def test_construction_instruments_and_time() -> None:
    core = SimCore()
    assert [core.add_instrument(b) for b in (L1, L2, L3)] == [0, 1, 2]
    assert core.now == 0
    assert core.pending_events() == 0
    assert core.drain() == []
    core.advance(5)
    assert core.now == 5
    assert repr(core) == "SimCore(instruments=3, now=5, pending_events=0)"
    assert core.best_bid(0) is None and core.best_ask(2) is None
    assert core.open_order_ids(1) == []


def test_quotes_move_the_market_and_fills_cross_the_boundary() -> None:
    core = _l1()
    core.quote(0, 10, 100, 101, 5, 7)
    assert (core.best_bid(0), core.best_ask(0)) == ((100, 5), (101, 7))
    core.submit(10, 0, 1, 3, BUY, MARKET, GTC, 9)
    assert core.drain() == []  # sent, not yet delivered
    core.advance(10)
    no_liquidity = _reason("NO_LIQUIDITY")
    assert core.drain() == [
        (ACCEPTED, 10, 0, 1, 3, 0, 9, 0, 0, 0),
        (FILLED, 10, 0, 1, 3, 101, 7, TAKER, 0, 0),
        (CANCELED, 10, 0, 1, 3, 0, 0, 0, 0, no_liquidity),
    ]
    assert core.position(0, 3) == 7


def test_every_event_kind() -> None:
    core = SimCore(native_contingencies=True)
    core.add_instrument(L3)
    ts = 0

    def step(*sends: tuple[str, tuple[Any, ...], dict[str, Any]]) -> list[Event]:
        for name, args, kwargs in sends:
            getattr(core, name)(ts, 0, *args, **kwargs)
        core.advance(ts)
        return core.drain()

    # ACCEPTED, then FILLED on both sides of a match between accounts 1 and 2.
    assert step(("submit", (1, 1, SELL, LIMIT, GTC, 5), {"price": 105})) == [
        (ACCEPTED, 0, 0, 1, 1, 105, 5, 0, 0, 0)
    ]
    assert step(("submit", (2, 2, BUY, LIMIT, GTC, 2), {"price": 106})) == [
        (ACCEPTED, 0, 0, 2, 2, 106, 2, 0, 0, 0),
        (FILLED, 0, 0, 2, 2, 105, 2, TAKER, 1, 0),
        (FILLED, 0, 0, 1, 1, 105, 2, MAKER, 2, 0),
    ]
    # REJECTED with the rule's parameter in aux (post-only would take at 105).
    events = step(("submit", (3, 2, BUY, LIMIT, GTC, 1), {"price": 105, "post_only": True}))
    assert events == [(REJECTED, 0, 0, 3, 2, 0, 1, 105, 0, _reason("POST_ONLY_WOULD_TAKE"))]
    # MODIFIED, MODIFY_REJECTED, CANCELED, CANCEL_REJECTED.
    assert step(("modify", (1,), {"qty": 4, "price": 104})) == [
        (MODIFIED, 0, 0, 1, 1, 104, 4, 0, 0, 0)
    ]
    assert step(("modify", (1,), {"qty": 1})) == [
        (MODIFY_REJECTED, 0, 0, 1, 1, 0, 0, 2, 0, _reason("QTY_NOT_ABOVE_FILLED"))
    ]
    assert step(("cancel", (1,), {})) == [(CANCELED, 0, 0, 1, 1, 0, 0, 0, 0, _reason("REQUESTED"))]
    assert step(("cancel", (1,), {})) == [
        (CANCEL_REJECTED, 0, 0, 1, 0, 0, 0, 0, 0, _reason("NOT_FOUND"))
    ]
    # EXPIRED: a GTD order at its time, with no data.
    step(("submit", (4, 1, SELL, LIMIT, GTD, 1), {"price": 110, "expire_ns": 50}))
    core.advance(60)
    ts = 60
    assert core.drain() == [(EXPIRED, 50, 0, 4, 1, 0, 0, 0, 0, 0)]
    # TRIGGERED, and UPDATED from a trailing stop's first trigger.
    step(("submit", (5, 1, SELL, LIMIT, GTC, 3), {"price": 100}))
    step(("submit", (6, 1, BUY, LIMIT, GTC, 3), {"price": 90}))
    trail = {"trailing_offset": 2, "trailing_offset_type": 3}
    assert step(("submit", (7, 2, SELL, TRAILING_STOP_MARKET, GTC, 1), trail)) == [
        (ACCEPTED, 60, 0, 7, 2, 0, 1, 0, 0, 0),
        (UPDATED, 60, 0, 7, 2, 0, 1, 88, 0, 0),
    ]
    assert _kinds(step(("cancel", (7,), {}))) == [(CANCELED, 7)]
    on_last = {"trigger": 101, "trigger_type": 3}  # fires when the last trade is <= 101
    assert _kinds(step(("submit", (8, 3, SELL, STOP_MARKET, GTC, 1), on_last))) == [(ACCEPTED, 8)]
    events = step(("submit", (9, 4, BUY, LIMIT, GTC, 3), {"price": 100}))
    assert _kinds(events)[-3:] == [(TRIGGERED, 8), (FILLED, 8), (FILLED, 6)]
    # RELEASED: an OTO child held until its parent fills.
    core.submit(ts, 0, 10, 1, BUY, LIMIT, GTC, 2, price=95)
    core.submit(ts, 0, 11, 1, SELL, LIMIT, GTC, 2, price=120)
    core.hold_until_filled(10, [11])
    assert step() == [(ACCEPTED, 60, 0, 10, 1, 95, 2, 0, 0, 0)]
    assert core.open_order_ids(0) == [6, 10, 11]
    events = step(("submit", (12, 5, SELL, MARKET, GTC, 1), {}))
    # RELEASED is the held child's acknowledgement (no ACCEPTED follows).
    assert (RELEASED, 60, 0, 11, 1, 120, 1, 0, 0, 0) in events
    assert (ACCEPTED, 11) not in _kinds(events)
    events = step(("submit", (13, 5, SELL, MARKET, GTC, 1), {}))
    assert (UPDATED, 60, 0, 11, 1, 120, 2, 0, 0, 0) in events


def test_reason_texts() -> None:
    assert reason_text(0) == "NONE"
    codes = [c for c in range(200) if _text(c)]
    assert len(codes) == 39
    assert all(":" in reason_text(c) for c in codes if c)
    with pytest.raises(InvalidInput) as err:
        reason_text(999)
    assert err.value.field == "code"


def test_link_oco_and_ouo() -> None:
    core = SimCore()
    core.add_instrument(L3)
    core.submit(0, 0, 1, 1, SELL, LIMIT, GTC, 5, price=101)
    core.submit(0, 0, 2, 1, SELL, LIMIT, GTC, 5, price=103)
    core.link(OCO, [1, 2])
    core.submit(0, 0, 9, 2, BUY, MARKET, GTC, 7)
    core.advance(0)
    events = core.drain()
    assert (CANCELED, 0, 0, 2, 1, 0, 0, 0, 0, _reason("OCO")) in events
    assert sum(e[6] for e in events if e[0] == FILLED and e[3] == 9) == 5

    core = SimCore()
    core.add_instrument(L3)
    core.submit(0, 0, 1, 1, SELL, LIMIT, GTC, 5, price=101)
    core.submit(0, 0, 2, 1, SELL, LIMIT, GTC, 5, price=103)
    core.link(OUO, [1, 2])
    core.submit(0, 0, 9, 2, BUY, MARKET, GTC, 2)
    core.advance(0)
    assert core.drain()[-1] == (UPDATED, 0, 0, 2, 1, 103, 3, 0, 0, 0)


def test_positions_and_reduce_only() -> None:
    core = _l1()
    core.set_position(0, 7, 4)
    assert core.position(0, 7) == 4
    core.quote(0, 1, 100, 101, 50, 50)
    core.submit(1, 0, 1, 7, SELL, MARKET, GTC, 9, reduce_only=True)
    core.advance(1)
    events = core.drain()
    assert events[1] == (FILLED, 1, 0, 1, 7, 100, 4, TAKER, 0, 0)
    assert events[2][0] == CANCELED and events[2][9] == _reason("REDUCE_ONLY")
    assert core.position(0, 7) == 0


def test_latency_and_jitter_are_deterministic() -> None:
    def run(seed: int) -> list[Event]:
        core = SimCore(seed=seed, submit_latency_ns=100, cancel_latency_ns=50, latency_jitter_ns=80)
        core.add_instrument(L3)
        for i in range(30):
            core.submit(i, 0, i + 1, 0, BUY if i % 2 else SELL, LIMIT, GTC, 1, price=100)
            core.cancel(i, 0, i)
        core.advance(49)
        assert core.drain() == []  # nothing arrives before its latency
        core.advance(1_000)
        return core.drain()

    assert run(1) == run(1)
    assert run(1) != run(2)


# ------------------------------------------------------------------------------ batches


QuoteCols = tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint64],
]


def _quote_cols(d: dict[str, Any]) -> QuoteCols:
    return (
        d["ts"].astype(np.int64),
        d["bid_ticks"].astype(np.int64),
        d["ask_ticks"].astype(np.int64),
        d["bid_size"].astype(np.uint64),
        d["ask_size"].astype(np.uint64),
    )


def _orders_around(core: SimCore, bid: int, ask: int, ts: int) -> None:
    """Resting limits and stops near the touch, so that the data fills them."""
    for i in range(10):
        core.submit(ts, 0, 100 + i, i % 3, BUY, LIMIT, GTC, 50_000 * (i + 1), price=bid - i)
        core.submit(ts, 0, 200 + i, i % 3, SELL, LIMIT, GTC, 50_000 * (i + 1), price=ask + i)
    core.submit(ts, 0, 300, 0, SELL, STOP_MARKET, GTC, 100_000, trigger=bid - 20)
    core.submit(ts, 0, 301, 1, BUY, STOP_MARKET, GTC, 100_000, trigger=ask + 20)
    core.advance(ts)


def test_quote_batches_equal_per_call_on_synthetic_quotes(synth: ModuleType) -> None:
    ts, bid, ask, bsz, asz = _quote_cols(synth.gen_quotes(20_000, seed=42))
    start = (int(bid[0]), int(ask[0]))

    def fresh() -> SimCore:
        core = _l1()
        core.quote(0, int(ts[0]), start[0], start[1], int(bsz[0]), int(asz[0]))
        _orders_around(core, *start, int(ts[0]))
        return core

    per_call = fresh()
    for i in range(1, len(ts)):
        per_call.quote(0, int(ts[i]), int(bid[i]), int(ask[i]), int(bsz[i]), int(asz[i]))
    want = per_call.drain()
    assert sum(e[0] == FILLED for e in want) > 20  # the data really reaches the orders

    whole = fresh()
    assert whole.quotes(0, ts, bid, ask, bsz, asz, start=1) == len(ts)
    assert whole.drain() == want

    stepped = fresh()
    got: list[Event] = []
    row, stops = 1, 0
    while row < len(ts):
        row = stepped.quotes(0, ts, bid, ask, bsz, asz, start=row, stop_on_event=True)
        events = stepped.drain()
        assert events or row == len(ts)  # it stops only right after an event
        got += events
        stops += 1
    assert got == want
    assert stops > 5
    assert stepped.now == whole.now == int(ts[-1])
    assert stepped.best_bid(0) == whole.best_bid(0) == per_call.best_bid(0)


def test_depth_and_trade_batches_equal_per_call_on_synthetic_l2(synth: ModuleType) -> None:
    d = synth.gen_l2(30_000, seed=7, p_trade=0.1)
    kind = d["kind"]
    ts = d["ts"].astype(np.int64)
    side = d["side"].astype(np.uint8)
    action = d["action"].astype(np.uint8)
    price = d["price"].astype(np.int64)
    size = d["qty"].astype(np.uint64)
    ids = np.zeros(len(ts), dtype=np.uint64)

    def fresh() -> SimCore:
        core = SimCore(queue_model=1)
        core.add_instrument(L2)
        for i in range(200):  # the book builds first (200 ADDs)
            core.delta(0, int(ts[i]), int(side[i]), int(action[i]), int(price[i]), int(size[i]))
        core.drain()
        bid, ask = core.best_bid(0), core.best_ask(0)
        assert bid is not None and ask is not None
        _orders_around(core, bid[0], ask[0], int(ts[199]))
        return core

    per_call = fresh()
    for i in range(200, len(ts)):
        if kind[i] == 1:
            per_call.trade(0, int(ts[i]), int(price[i]), int(size[i]), int(side[i]))
        else:
            per_call.delta(0, int(ts[i]), int(side[i]), int(action[i]), int(price[i]), int(size[i]))
    want = per_call.drain()
    assert sum(e[0] == FILLED for e in want) > 20

    batched = fresh()
    # Runs of one data type, each handed over as one batch.
    bounds = [200, *(np.flatnonzero(np.diff(kind[200:]) != 0) + 201), len(ts)]
    for lo, hi in itertools.pairwise(bounds):
        if kind[lo] == 1:
            batched.trades(0, ts[lo:hi], price[lo:hi], size[lo:hi], side[lo:hi])
        else:
            batched.deltas(
                0, ts[lo:hi], side[lo:hi], action[lo:hi], price[lo:hi], size[lo:hi], ids[lo:hi]
            )
    assert batched.drain() == want


def test_l3_deltas_batch() -> None:
    core = SimCore()
    core.add_instrument(L3)
    ts = np.arange(1, 5, dtype=np.int64)
    side = np.array([BUY, BUY, SELL, BUY], dtype=np.uint8)
    action = np.array([ADD, ADD, ADD, DELETE], dtype=np.uint8)
    price = np.array([100, 100, 102, 100], dtype=np.int64)
    size = np.array([5, 3, 4, 0], dtype=np.uint64)
    oid = np.array([11, 12, 21, 11], dtype=np.uint64)
    assert core.deltas(0, ts, side, action, price, size, oid) == 4
    assert (core.best_bid(0), core.best_ask(0)) == ((100, 3), (102, 4))


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (lambda c: c.submit(0, 0, 1, 0, 3, LIMIT, GTC, 1, price=1), InvalidInput, "side"),
        (lambda c: c.submit(0, 0, 1, 0, BUY, 10, GTC, 1), InvalidInput, "order_type"),
        (lambda c: c.submit(0, 0, 1, 0, BUY, LIMIT, 8, 1, price=1), InvalidInput, "tif"),
        (lambda c: c.submit(0, 0, 0, 0, BUY, LIMIT, GTC, 1, price=1), InvalidInput, "order_id"),
        (lambda c: c.submit(0, 9, 1, 0, BUY, LIMIT, GTC, 1, price=1), InvalidInput, "instrument"),
        (lambda c: c.submit(0, 0, 1, 0, BUY, LIMIT, GTC, -1, price=1), ValueOutOfRange, "qty"),
        (
            lambda c: c.submit(0, 0, 1, 0, BUY, LIMIT, GTC, 1, price=2**63),
            ValueOutOfRange,
            "price",
        ),
        (
            lambda c: c.submit(0, 0, 1, 2**32 - 1, BUY, LIMIT, GTC, 1, price=1),
            InvalidInput,
            "account",
        ),
        (
            lambda c: c.submit(0, 0, 1, 0, BUY, 8, GTC, 1, trailing_offset_type=5),
            InvalidInput,
            "trailing_offset_type",
        ),
        (lambda c: c.cancel_all(0, 0, 1, side=3), InvalidInput, "side"),
        (lambda c: c.trade(0, 1, 100, 1, 3), InvalidInput, "aggressor"),
        (lambda c: c.delta(2, 1, BUY, ADD, 100, 1), InvalidInput, "order_id"),
        (lambda c: c.delta(1, 1, 0, ADD, 100, 1), InvalidInput, "side"),
        (lambda c: c.delta(1, 1, BUY, 9, 100, 1), InvalidInput, "action"),
        (lambda c: c.add_instrument(4), InvalidInput, "book_type"),
        (lambda c: c.link(2, [1, 2]), InvalidInput, "kind"),
        (lambda c: c.link(OCO, [1, 2]), InvalidInput, "order_ids[0]"),
        (lambda c: c.hold_until_filled(5, [6]), InvalidInput, "parent_id"),
        (lambda c: c.advance(-1), InvalidInput, "ts"),
        (lambda c: c.quote(0, -5, 1, 2, 1, 1), InvalidInput, "ts"),
        (lambda c: c.position(7, 0), InvalidInput, "instrument"),
        (lambda c: c.quote(0, 1, 100, 101, 2**56, 1), InvalidInput, "bid_size"),
        (lambda c: c.delta(1, 1, BUY, ADD, 100, 2**64), ValueOutOfRange, "size"),
    ],
)
def test_bad_input_raises_a_typed_error_naming_the_field(
    call: Any, error: type[Exception], field: str
) -> None:
    core = SimCore()
    for book in (L1, L2, L3):
        core.add_instrument(book)
    with pytest.raises(error) as err:
        call(core)
    assert isinstance(err.value, InvalidInput)
    assert err.value.field == field
    assert core.drain() == []


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"self_trade": 4}, InvalidInput, "self_trade"),
        ({"queue_model": 2}, InvalidInput, "queue_model"),
        ({"submit_latency_ns": -1}, ValueOutOfRange, "submit_latency_ns"),
        ({"seed": 2**64}, ValueOutOfRange, "seed"),
    ],
)
def test_bad_configuration(kwargs: dict[str, Any], error: type[Exception], field: str) -> None:
    with pytest.raises(error) as err:
        SimCore(**kwargs)
    assert isinstance(err.value, InvalidInput) and err.value.field == field


def test_contingencies_off_name_the_rule() -> None:
    core = SimCore(native_contingencies=False)
    core.add_instrument(L3)
    core.submit(0, 0, 1, 0, SELL, LIMIT, GTC, 1, price=101)
    core.submit(0, 0, 2, 0, SELL, LIMIT, GTC, 1, price=102)
    with pytest.raises(InvalidInput) as err:
        core.link(OCO, [1, 2])
    assert err.value.field == "native_contingencies"
    with pytest.raises(InvalidInput) as err:
        core.hold_until_filled(1, [2])
    assert err.value.field == "native_contingencies"


def test_bad_columns_name_the_column_and_change_nothing() -> None:
    core = _l1()
    i64 = np.array([1, 2], dtype=np.int64)
    u64 = np.array([1, 1], dtype=np.uint64)
    cases: list[tuple[tuple[Any, ...], str]] = [
        ((i64, i64.astype(np.float64), i64, u64, u64), "bid"),
        ((i64, i64, i64, u64.astype(np.int64), u64), "bid_size"),
        ((i64, i64, i64[:1], u64, u64), "columns"),
        ((i64[::-1].copy(), i64, i64, u64, u64), "ts[1]"),
        ((i64, i64, [1, 2], u64, u64), "ask"),
        ((np.zeros((2, 2), dtype=np.int64), i64, i64, u64, u64), "ts"),
    ]
    for cols, field in cases:
        with pytest.raises(InvalidInput) as err:
            core.quotes(0, *cols)
        assert err.value.field == field
    with pytest.raises(InvalidInput) as err:
        core.quotes(0, i64, i64, i64 + 1, u64, u64, start=3)
    assert err.value.field == "start"
    with pytest.raises(InvalidInput) as err:
        core.trades(0, i64, i64, u64, np.array([1, 7], dtype=np.uint8))
    assert err.value.field == "aggressor[1]"
    assert core.now == 0 and core.best_bid(0) is None


# ------------------------------------------------------------------------------ threads


def test_two_threads_each_run_their_own_core(synth: ModuleType) -> None:
    cols = _quote_cols(synth.gen_quotes(200_000, seed=42))

    def run() -> tuple[list[Event], tuple[int, int] | None]:
        core = _l1()
        core.quote(0, int(cols[0][0]), int(cols[1][0]), int(cols[2][0]), 1, 1)
        _orders_around(core, int(cols[1][0]), int(cols[2][0]), int(cols[0][0]))
        core.quotes(0, cols[0], cols[1], cols[2], cols[3], cols[4], start=1)
        return core.drain(), core.best_bid(0)

    reference = run()
    results: list[tuple[list[Event], tuple[int, int] | None]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(run())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [reference, reference]
