"""Synthetic data: determinism, exact reproduction of the benchmark generator, sane markets."""

from __future__ import annotations

import importlib
import sys
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from lyra.backtest.synthetic import (
    DT_NS,
    T0_NS,
    default_l2_instrument,
    default_quote_instrument,
    generate_l2,
    generate_market,
    generate_quotes,
    uniforms,
)
from lyra.errors import InvalidInput
from lyra.model.enums import AggressorSide, BookAction
from lyra.model.instruments import CurrencyPair

BENCH = Path("/work/shared/bench")


@pytest.fixture(scope="module")
def synth() -> ModuleType:
    if not (BENCH / "synth.py").exists():
        pytest.skip(f"the benchmark generator {BENCH / 'synth.py'} is not on this machine")
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("synth")
    finally:
        sys.path.remove(str(BENCH))


def _checksum(d: dict[str, Any]) -> str:
    c = 0
    for k in sorted(d):
        c = zlib.crc32(k.encode(), c)
        c = zlib.crc32(np.ascontiguousarray(d[k]).tobytes(), c)
    return f"{c:08x}"


def test_uniforms_known_values_and_range() -> None:
    u = uniforms(42, 1, 0, 1000)
    assert u.dtype == np.float64 and u.shape == (1000,)
    assert ((u >= 0) & (u < 1)).all()
    # counter-based: any window equals the same slice of a longer run
    np.testing.assert_array_equal(uniforms(42, 1, 500, 10), u[500:510])
    assert not np.array_equal(uniforms(43, 1, 0, 10), u[:10])
    assert not np.array_equal(uniforms(42, 2, 0, 10), u[:10])


def test_uniforms_rejects_negative() -> None:
    with pytest.raises(InvalidInput, match=r"uniforms\.count"):
        uniforms(1, 1, 0, -1)


def test_uniforms_equal_synth(synth: ModuleType) -> None:
    for seed, stream in ((0, 0), (42, 1), (7, 3), (2**63 + 5, 9)):
        np.testing.assert_array_equal(
            uniforms(seed, stream, 17, 257), synth.uniforms(seed, stream, 17, 257)
        )


def _quote_ticks(batch: Any) -> dict[str, Any]:
    a = batch.array
    return {
        "bid_ticks": (a["bid_price"] // 10_000).astype(np.int64),
        "ask_ticks": (a["ask_price"] // 10_000).astype(np.int64),
        "bid_size": (a["bid_size"] // 10**9).astype(np.int64),
        "ask_size": (a["ask_size"] // 10**9).astype(np.int64),
        "ts": a["ts_event"].astype(np.int64),
    }


def test_generate_quotes_reproduces_synth(synth: ModuleType) -> None:
    batch = generate_quotes(10_000, 42)
    assert batch.instrument_id == default_quote_instrument().id
    assert (batch.price_precision, batch.size_precision) == (5, 0)
    mine = _quote_ticks(batch)
    ref = synth.gen_quotes(10_000, 42)
    for k in ref:
        np.testing.assert_array_equal(mine[k], ref[k], err_msg=k)
    assert _checksum(mine) == synth.checksum(ref)


def test_generate_quotes_is_deterministic_and_seeded() -> None:
    assert generate_quotes(2000, 5) == generate_quotes(2000, 5)
    assert generate_quotes(2000, 5) != generate_quotes(2000, 6)
    # a prefix of a longer run is the shorter run
    assert generate_quotes(3000, 5)[:2000] == generate_quotes(2000, 5)


def test_generate_quotes_shape() -> None:
    a = generate_quotes(5000, 1).array
    spread = a["ask_price"] - a["bid_price"]
    assert set(np.unique(spread // 10_000).tolist()) == {1, 2}
    assert (np.abs(np.diff(a["bid_price"])) <= 10_000).all()
    assert a["ts_event"][0] == T0_NS and (np.diff(a["ts_event"]) == DT_NS).all()
    sizes = np.unique(a["bid_size"] // 10**9)
    assert set(sizes.tolist()) <= {k * 100_000 for k in range(1, 11)}


def test_generate_quotes_other_instrument_and_empty() -> None:
    inst = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.5", size_increment="0.001")
    b = generate_quotes(100, 3, instrument=inst, start_ticks=200_000, lot=1)
    assert b.instrument_id == inst.id and b.price_precision == 1 and b.size_precision == 3
    assert b.array["bid_price"][0] % inst.price_increment.raw == 0
    assert len(generate_quotes(0)) == 0
    with pytest.raises(InvalidInput, match=r"generate_quotes\.n"):
        generate_quotes(-1)


def _l2_rebuilt(n: int, seed: int, **kw: Any) -> dict[str, Any]:
    l2 = generate_l2(n, seed, **kw)
    kind = np.zeros(n, np.int8)
    side = np.zeros(n, np.int8)
    action = np.zeros(n, np.int8)
    price = np.zeros(n, np.int64)
    qty = np.zeros(n, np.int64)
    d, t = l2.deltas.array, l2.trades.array
    di = ((d["ts_event"] - T0_NS) // DT_NS).astype(np.int64)
    ti = ((t["ts_event"] - T0_NS) // DT_NS).astype(np.int64)
    assert len(di) + len(ti) == n and len(np.intersect1d(di, ti)) == 0
    np.testing.assert_array_equal(d["sequence"], di.astype(np.uint64))
    side[di], action[di] = d["side"], d["action"]
    price[di], qty[di] = d["price"] // 10**7, d["size"] // 10**9
    kind[ti], side[ti] = 1, t["aggressor_side"]
    price[ti], qty[ti] = t["price"] // 10**7, t["size"] // 10**9
    return {
        "kind": kind,
        "side": side,
        "action": action,
        "price": price,
        "qty": qty,
        "ts": T0_NS + np.arange(n, dtype=np.int64) * DT_NS,
    }


@pytest.mark.parametrize(("n", "seed", "kw"), [(20_000, 7, {}), (20_000, 3, {"p_trade": 0.1})])
def test_generate_l2_reproduces_synth(
    synth: ModuleType, n: int, seed: int, kw: dict[str, Any]
) -> None:
    mine = _l2_rebuilt(n, seed, **kw)
    ref = synth.gen_l2(n, seed, **kw)
    for k in ref:
        np.testing.assert_array_equal(mine[k], ref[k], err_msg=k)
    assert _checksum(mine) == synth.checksum(ref)


def test_generate_l2_book_stays_consistent() -> None:
    l2 = generate_l2(5000, 11, p_trade=0.2, levels_per_side=20)
    assert l2.deltas.instrument_id == default_l2_instrument().id
    assert len(l2.trades) > 0
    books: dict[int, dict[int, int]] = {1: {}, 2: {}}
    for p, s, _oid, _seq, _te, _ti, a, sd, _fl in l2.deltas.array.tolist():
        book = books[sd]
        if a == BookAction.DELETE:
            assert p in book
            del book[p]
        else:
            assert (p in book) == (a == BookAction.UPDATE)
            book[p] = s
    assert max(books[1]) < min(books[2])  # never crossed
    assert set(l2.trades.array["aggressor_side"].tolist()) <= {1, 2}
    assert generate_l2(5000, 11, p_trade=0.2, levels_per_side=20) == l2


def test_generate_l2_rejects_bad_parameters() -> None:
    with pytest.raises(InvalidInput):
        generate_l2(10, levels_per_side=0)


def test_generate_market() -> None:
    a = default_quote_instrument()
    b = CurrencyPair.simple("ETHUSDT.SIM", price_increment="0.01", size_increment="0.001")
    m = generate_market([a, b], 3000, seed=9, start_ticks={b.id: 250_000}, trade_probability=0.2)
    assert list(m) == [a.id, b.id]
    assert m == generate_market(
        [a, b], 3000, seed=9, start_ticks={b.id: 250_000}, trade_probability=0.2
    )
    for k, inst in enumerate((a, b)):
        q, t = m[inst.id]
        assert len(q) == 3000 and 400 < len(t) < 800
        qa, ta = q.array, t.array
        spread = (qa["ask_price"] - qa["bid_price"]) // inst.price_increment.raw
        assert spread.min() >= 1 and spread.max() <= 3
        assert (qa["bid_price"] > 0).all()
        assert (qa["ts_event"] - T0_NS)[0] == k
        # every trade is at the touch of the quote just before it, within the touch size
        row = np.searchsorted(qa["ts_event"], ta["ts_event"]) - 1
        buyer = ta["aggressor_side"] == int(AggressorSide.BUYER)
        assert buyer.any() and (~buyer).any()
        np.testing.assert_array_equal(
            ta["price"], np.where(buyer, qa["ask_price"][row], qa["bid_price"][row])
        )
        touch = np.where(buyer, qa["ask_size"][row], qa["bid_size"][row])
        assert (ta["size"] <= touch).all() and (ta["size"] > 0).all()
    assert m[b.id].quotes.array["bid_price"][0] // 10**7 in range(249_990, 250_011)
    with pytest.raises(InvalidInput, match="repeat"):
        generate_market([a, a], 10)
    with pytest.raises(InvalidInput):
        generate_market([a], 10, trade_probability=1.5)
