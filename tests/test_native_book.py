"""The Rust L2 book through its Python binding (``lyra.book`` / ``lyra._native``).

The engine's own logic is tested in Rust (``cargo test``); these tests pin what the binding
adds: argument conversion, NumPy columns, error mapping, GIL release, and that a batch gives
the same book as the same deltas applied one call at a time.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings, strategies as st

import lyra.book
from lyra.book import ADD, BUY, CLEAR, DELETE, NO_SIDE, SELL, UPDATE, L2Book
from lyra.errors import InvalidInput, ValueOutOfRange

I64_MIN, I64_MAX, U64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_SYNTH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "synth.py"

Columns = tuple[
    npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.uint64]
]


@pytest.fixture(scope="module")
def synth() -> ModuleType:
    if not _SYNTH.exists():
        pytest.skip(f"shared benchmark data generator not found at {_SYNTH}")
    spec = importlib.util.spec_from_file_location("_lyra_synth", _SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns(d: dict[str, Any]) -> Columns:
    return (
        d["side"].astype(np.uint8),
        d["action"].astype(np.uint8),
        d["price"].astype(np.int64),
        d["qty"].astype(np.uint64),
    )


def _cols(rows: list[tuple[int, int, int, int]]) -> Columns:
    return (
        np.array([r[0] for r in rows], dtype=np.uint8),
        np.array([r[1] for r in rows], dtype=np.uint8),
        np.array([r[2] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=np.uint64),
    )


def _slice(cols: Columns, start: int, stop: int) -> Columns:
    return (cols[0][start:stop], cols[1][start:stop], cols[2][start:stop], cols[3][start:stop])


def _snapshot(book: L2Book) -> tuple[Any, ...]:
    return (
        book.depth(BUY, 1 << 30),
        book.depth(SELL, 1 << 30),
        book.bid_levels(),
        book.ask_levels(),
        book.missing_deletes,
    )


class _Model:
    """Two dicts and the documented semantics: the reference for random streams."""

    def __init__(self) -> None:
        self.sides: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
        self.missing_deletes = 0

    def apply(self, side: int, action: int, price: int, size: int) -> None:
        if action == CLEAR:
            for s in (BUY, SELL):
                if side in (s, NO_SIDE):
                    self.sides[s].clear()
            return
        levels = self.sides[side]
        if action == DELETE or size == 0:
            if levels.pop(price, None) is None and action == DELETE:
                self.missing_deletes += 1
        else:
            levels[price] = size

    def snapshot(self) -> tuple[Any, ...]:
        bids, asks = self.sides[BUY], self.sides[SELL]
        return (
            sorted(bids.items(), reverse=True),
            sorted(asks.items()),
            len(bids),
            len(asks),
            self.missing_deletes,
        )


# ------------------------------------------------------------------------------ basics


def test_public_face_reexports_the_native_book() -> None:
    import lyra._native as native

    assert lyra.book.L2Book is native.L2Book
    assert (NO_SIDE, BUY, SELL) == (0, 1, 2)
    assert (ADD, UPDATE, DELETE, CLEAR) == (1, 2, 3, 4)
    assert isinstance(lyra.book.__all__, tuple)


def test_importing_lyra_book_loads_the_extension_but_lyra_does_not() -> None:
    code = (
        "import sys, lyra; a = 'lyra._native' in sys.modules; import lyra.book;"
        "print(a, 'lyra._native' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_every_action() -> None:
    book = L2Book()
    assert book.best_bid() is None and book.best_ask() is None
    assert book.spread() is None and book.mid() is None
    book.apply(BUY, ADD, 100, 5)
    book.apply(BUY, ADD, 98, 7)
    book.apply(SELL, ADD, 101, 3)
    book.apply(SELL, UPDATE, 104, 4)  # UPDATE of a missing level creates it
    assert book.best_bid() == (100, 5) and book.best_ask() == (101, 3)
    assert book.best_bid_price() == 100 and book.best_ask_price() == 101
    assert book.spread() == 1 and book.mid() == 100.5
    book.apply(BUY, UPDATE, 100, 9)
    book.apply(BUY, ADD, 98, 8)  # ADD of an existing level replaces its size
    assert book.depth(BUY, 10) == [(100, 9), (98, 8)]
    assert book.level(BUY, 98) == 8 and book.level(BUY, 99) is None
    book.apply(BUY, DELETE, 100, 12345)  # size ignored
    assert book.best_bid() == (98, 8)
    book.apply(SELL, UPDATE, 101, 0)  # size 0 removes the level
    assert book.best_ask() == (104, 4) and book.ask_levels() == 1
    book.apply(SELL, ADD, 103, 0)  # size 0 on a missing level: nothing
    assert book.ask_levels() == 1 and book.missing_deletes == 0
    book.apply(SELL, DELETE, 500, 0)  # deleting a missing level: counted no-op
    assert book.missing_deletes == 1 and book.ask_levels() == 1
    book.apply(BUY, CLEAR, 0, 0)
    assert book.bid_levels() == 0 and book.ask_levels() == 1
    book.apply(BUY, ADD, 1, 1)
    book.apply(SELL, CLEAR, 0, 0)
    assert (book.bid_levels(), book.ask_levels()) == (1, 0)
    book.apply(SELL, ADD, 2, 1)
    book.apply(NO_SIDE, CLEAR, 0, 0)  # the whole book
    assert (book.bid_levels(), book.ask_levels()) == (0, 0)
    book.apply(BUY, ADD, 5, 1)
    book.clear()
    assert book.best_bid() is None
    assert book.missing_deletes == 1  # counters survive clear()


def test_queries_and_repr() -> None:
    book = L2Book()
    for i, p in enumerate((100, 97, 99, 90)):
        book.apply(BUY, ADD, p, i + 1)
        book.apply(SELL, ADD, p + 20, i + 1)
    assert book.depth(BUY, 3) == [(100, 1), (99, 3), (97, 2)]
    assert book.depth(SELL, 10) == [(110, 4), (117, 2), (119, 3), (120, 1)]
    assert book.depth(SELL, 0) == []
    assert repr(book) == "L2Book(best_bid=(100, 1), best_ask=(110, 4), bid_levels=4, ask_levels=4)"
    assert repr(L2Book()) == "L2Book(best_bid=None, best_ask=None, bid_levels=0, ask_levels=0)"
    assert book.best_bid_price() == 100 and L2Book().best_ask_price() is None


def test_extreme_and_negative_prices_and_sizes() -> None:
    book = L2Book(max_window=64)
    for p in (I64_MIN, -1, 0, I64_MAX):
        book.apply(BUY, ADD, p, U64_MAX)
        book.apply(SELL, ADD, p, 1)
    assert book.best_bid() == (I64_MAX, U64_MAX)
    assert book.best_ask() == (I64_MIN, 1)
    assert book.spread() == I64_MIN - I64_MAX  # exact, beyond int64
    assert [p for p, _ in book.depth(BUY, 10)] == [I64_MAX, 0, -1, I64_MIN]
    book.apply(SELL, DELETE, I64_MIN, 0)
    assert book.best_ask() == (-1, 1)


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("side", "action", "field"),
    [
        (0, ADD, "side"),
        (3, ADD, "side"),
        (255, DELETE, "side"),
        (7, CLEAR, "side"),
        (BUY, 0, "action"),
        (SELL, 5, "action"),
        (BUY, 255, "action"),
    ],
)
def test_invalid_codes_raise_and_leave_the_book_unchanged(
    side: int, action: int, field: str
) -> None:
    book = L2Book()
    book.apply(BUY, ADD, 10, 1)
    book.apply(SELL, ADD, 12, 2)
    before = _snapshot(book)
    with pytest.raises(InvalidInput) as info:
        book.apply(side, action, 10, 0)
    assert isinstance(info.value, ValueError)
    assert info.value.field == field
    assert _snapshot(book) == before


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((300, ADD, 1, 1), "side"),
        ((-1, ADD, 1, 1), "side"),
        ((BUY, 256, 1, 1), "action"),
        ((BUY, ADD, 2**63, 1), "price"),
        ((BUY, ADD, I64_MIN - 1, 1), "price"),
        ((BUY, ADD, 1, -1), "size"),
        ((BUY, ADD, 1, 2**64), "size"),
    ],
)
def test_out_of_range_ints_are_value_errors(args: tuple[int, int, int, int], field: str) -> None:
    book = L2Book()
    with pytest.raises(ValueOutOfRange) as info:
        book.apply(*args)
    assert (
        info.value.field == field
        and info.value.value == args[("side", "action", "price", "size").index(field)]
    )
    assert _snapshot(book) == _snapshot(L2Book())


def test_non_int_arguments_are_type_errors() -> None:
    book = L2Book()
    with pytest.raises(TypeError):
        book.apply(BUY, ADD, 1.5, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        book.apply(BUY, ADD, 1, "3")  # type: ignore[arg-type]


def test_query_side_must_be_buy_or_sell() -> None:
    book = L2Book()
    for side in (0, 3):
        with pytest.raises(InvalidInput, match="side"):
            book.depth(side, 5)
        with pytest.raises(InvalidInput, match="side"):
            book.level(side, 5)
    with pytest.raises(ValueOutOfRange):
        book.depth(BUY, -1)


def test_bad_delta_in_a_batch_names_it_and_applies_nothing() -> None:
    book = L2Book()
    book.apply(BUY, ADD, 10, 1)
    before = _snapshot(book)
    cols = _cols([(BUY, ADD, 11, 1), (SELL, ADD, 12, 1), (NO_SIDE, ADD, 0, 0), (BUY, 9, 1, 1)])
    with pytest.raises(InvalidInput) as info:
        book.apply_batch(*cols)
    assert info.value.field == "side[2]"
    assert _snapshot(book) == before
    cols = _cols([(BUY, ADD, 11, 1), (BUY, 9, 1, 1)])
    with pytest.raises(InvalidInput) as info:
        book.apply_batch(*cols)
    assert info.value.field == "action[1]"
    assert _snapshot(book) == before


def test_batch_columns_are_checked() -> None:
    book = L2Book()
    side, action, price, size = _cols([(BUY, ADD, 11, 1), (SELL, ADD, 12, 2)])
    bad: list[tuple[tuple[Any, ...], str]] = [
        ((side.astype(np.int8), action, price, size), "side"),
        ((side, action.astype(np.int64), price, size), "action"),
        ((side, action, price.astype(np.uint64), size), "price"),
        ((side, action, price, size.astype(np.int64)), "size"),
        ((side, action, price.astype(np.float64), size), "price"),
        ((list(side), action, price, size), "side"),
        ((side, action, price, np.repeat(size, 2)[::2]), "size"),  # not contiguous
        ((side, action, price.reshape(1, 2), size), "price"),  # 2-D
        ((side, action, price, size[:1]), "apply_batch"),  # lengths differ
    ]
    for args, field in bad:
        with pytest.raises(InvalidInput) as info:
            book.apply_batch(*args)
        assert info.value.field == field, args
        assert "dtype" in str(info.value) or field == "apply_batch"
    assert _snapshot(book) == _snapshot(L2Book())
    with pytest.raises(InvalidInput, match="uint8"):
        book.apply_batch(side.astype(np.int8), action, price, size)


def test_batch_accepts_read_only_and_empty_columns() -> None:
    book = L2Book()
    cols = _cols([(BUY, ADD, 11, 1), (SELL, ADD, 12, 2)])
    for col in cols:
        col.flags.writeable = False
    assert book.apply_batch(*cols) == 2
    assert book.best_bid() == (11, 1) and book.best_ask() == (12, 2)
    empty = _cols([])
    assert book.apply_batch(*empty) == 0
    # the same array may be passed for two columns (both are only read)
    codes = np.array([BUY, BUY], dtype=np.uint8)
    assert book.apply_batch(codes, codes, np.array([5, 6], dtype=np.int64), cols[3]) == 2
    assert book.best_bid() == (11, 1) and book.level(BUY, 6) == 2


# ------------------------------------------------------------------------------ synthetic data


def test_batch_equals_per_call_on_synthetic_l2(synth: ModuleType) -> None:
    d = synth.gen_l2(60_000, seed=7)
    cols = _columns(d)
    per_call = L2Book()
    apply = per_call.apply
    for s, a, p, q in zip(*(c.tolist() for c in cols), strict=True):
        apply(s, a, p, q)
    whole = L2Book()
    assert whole.apply_batch(*cols) == len(cols[0])
    chunked = L2Book()
    for start in range(0, len(cols[0]), 777):
        chunked.apply_batch(*_slice(cols, start, start + 777))
    model = _Model()
    for s, a, p, q in zip(*(c.tolist() for c in cols), strict=True):
        model.apply(s, a, p, q)
    assert _snapshot(per_call) == _snapshot(whole) == _snapshot(chunked) == model.snapshot()
    bb, bq, ba, aq = synth.final_l2_top(d)
    assert whole.best_bid() == (bb, bq) and whole.best_ask() == (ba, aq)
    assert whole.missing_deletes == 0  # the generator never deletes a missing level


def test_threads_apply_batches_to_their_own_books(synth: ModuleType) -> None:
    cols = _columns(synth.gen_l2(100_000, seed=11))
    reference = L2Book()
    reference.apply_batch(*cols)
    expected = _snapshot(reference)
    results: list[tuple[Any, ...]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work() -> None:
        try:
            book = L2Book()
            barrier.wait()
            for _ in range(3):
                book.clear()
                for start in range(0, len(cols[0]), 5_000):  # >= 1024: the GIL is released
                    book.apply_batch(*_slice(cols, start, start + 5_000))
            results.append(_snapshot(book))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(results) == 2
    assert results[0][:4] == results[1][:4] == expected[:4]


# ------------------------------------------------------------------------------ random streams

_PRICES = st.one_of(
    st.integers(-40, 40),
    st.sampled_from([I64_MIN, I64_MIN + 1, I64_MAX, I64_MAX - 1, 10**12, -(10**12)]),
    st.integers(I64_MIN, I64_MAX),
)
_DELTAS = st.lists(
    st.tuples(
        st.sampled_from([BUY, SELL]),
        st.sampled_from([ADD, UPDATE, DELETE, DELETE, ADD]),
        _PRICES,
        st.integers(0, 9),
    ),
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(deltas=_DELTAS, clears=st.lists(st.integers(0, 299), max_size=3))
def test_random_streams_match_a_dict_model(
    deltas: list[tuple[int, int, int, int]], clears: list[int]
) -> None:
    for i in sorted(clears, reverse=True):
        if i <= len(deltas):
            deltas.insert(i, ((NO_SIDE, BUY, SELL)[i % 3], CLEAR, 0, 0))
    model = _Model()
    per_call = L2Book(max_window=64)
    for delta in deltas:
        model.apply(*delta)
        per_call.apply(*delta)
        assert per_call.best_bid() == (max(model.sides[BUY].items()) if model.sides[BUY] else None)
        assert per_call.best_ask() == (
            min(model.sides[SELL].items()) if model.sides[SELL] else None
        )
    batched = L2Book()
    batched.apply_batch(*_cols(deltas))
    assert _snapshot(per_call) == _snapshot(batched) == model.snapshot()


# ------------------------------------------------------------------------------ docs


def test_runtime_docstrings_match_the_stub() -> None:
    """The binding's Rust doc comments (runtime ``__doc__``, which the API reference shows)
    and the hand-written stub must say the same thing."""
    import ast
    import inspect

    import lyra._native as native

    stub = ast.parse((Path(lyra.book.__file__).parent / "_native.pyi").read_text())
    checked = 0
    for node in stub.body:
        pairs: list[tuple[ast.FunctionDef | ast.ClassDef, Any]]
        if isinstance(node, ast.FunctionDef):
            pairs = [(node, getattr(native, node.name))]
        elif isinstance(node, ast.ClassDef):
            cls = getattr(native, node.name)
            pairs = [(node, cls)] + [
                (sub, getattr(cls, sub.name))
                for sub in node.body
                if isinstance(sub, ast.FunctionDef) and ast.get_docstring(sub)
            ]
        else:
            continue
        for stub_node, runtime in pairs:
            want = ast.get_docstring(stub_node)
            assert want, f"{stub_node.name} has no docstring in the stub"
            assert inspect.cleandoc(runtime.__doc__ or "") == want, stub_node.name
            checked += 1
    assert checked >= 20
