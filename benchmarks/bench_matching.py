"""Simulated-exchange benchmarks: matching and quote replay in Rust, through ``lyra._native``.

Rows (best of the repeats):

* ``matching.exchange.limit_cancel_market``: commands per second of a fixed-seed order flow
  (limit 60 % / cancel 30 % / market 10 % in a 20-tick band, a fifth of the limits crossing
  by up to two ticks, 64 accounts, 2,000 orders resting first) through a ``SimCore``-equivalent
  exchange with one L3 instrument and zero latency: each command is sent, delivered by
  ``advance`` and its events drained, all inside one ``_bench_matching(n_ops, seed)`` call, so
  the figure is the Rust loop's own rate. 1,000,000 commands (20,000 with ``quick=True``).
* ``sim.quotes.l1.batch.*``: quotes per second replayed through one ``SimCore.quotes`` call on
  an L1 instrument, on ``gen_quotes(1_000_000, seed=42)`` from the shared generator (input
  checksum ``497aa0c3``, checked; 20,000 quotes with ``quick=True``):

  * ``no_orders``: nothing resting;
  * ``resting_orders``: four resting limits (two bids, two asks) outside the range the
    quotes ever reach, so they rest throughout — the cost of having orders to watch;
  * ``pending_stop``: a resting limit and a pending stop, both out of reach: every quote
    goes through the book (triggers are re-checked on each), the slow path.

  Each timed run must end on the generator's final top of book.
* ``sim.quotes.l1.per_call``: ``SimCore.quote`` called from a Python loop over prebuilt
  tuples (no orders): the binding's per-call cost.
"""

from __future__ import annotations

import gc
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from lyra._native import SimCore, _bench_matching

__all__ = ("run",)

_SYNTH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "synth.py"
_SEED = 42
_CHECKSUM_1M = "497aa0c3"
_L1, _BUY, _SELL, _LIMIT, _STOP_MARKET, _GTC = 1, 1, 2, 2, 3, 1


def _synth() -> ModuleType:
    if not _SYNTH.exists():
        raise FileNotFoundError(f"the shared data generator is missing: {_SYNTH}")
    spec = importlib.util.spec_from_file_location("_lyra_bench_synth", _SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(repeats: int, once: Callable[[], float]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        times.append(once())
    return min(times)


def _core(orders: str, low: int, high: int) -> SimCore:
    """An L1 exchange with the orders of a row, all out of the quotes' reach."""
    core = SimCore()
    core.add_instrument(_L1)
    if orders in ("resting_orders", "pending_stop"):
        core.submit(0, 0, 1, 0, _BUY, _LIMIT, _GTC, 100, price=low - 1_000)
    if orders == "resting_orders":
        core.submit(0, 0, 2, 1, _BUY, _LIMIT, _GTC, 100, price=low - 1_010)
        core.submit(0, 0, 3, 0, _SELL, _LIMIT, _GTC, 100, price=high + 1_000)
        core.submit(0, 0, 4, 1, _SELL, _LIMIT, _GTC, 100, price=high + 1_010)
    if orders == "pending_stop":
        core.submit(0, 0, 5, 0, _BUY, _STOP_MARKET, _GTC, 100, trigger=high + 1_000)
    core.advance(0)
    core.drain()
    return core


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure the simulated exchange; return (figure, value, unit) rows."""
    rows: list[tuple[str, float, str]] = []
    repeats = 3 if quick else 5

    n_ops = 20_000 if quick else 1_000_000
    seconds = _best(repeats, lambda: _bench_matching(n_ops, 0x9E3779B97F4A7C15))
    rows.append(("matching.exchange.limit_cancel_market", n_ops / seconds, "orders/s"))

    synth = _synth()
    n = 20_000 if quick else 1_000_000
    d = synth.gen_quotes(n, seed=_SEED)
    if n == 1_000_000 and synth.checksum(d) != _CHECKSUM_1M:
        raise RuntimeError(f"gen_quotes input differs: checksum {synth.checksum(d)}")
    cols = (
        d["ts"].astype(np.int64),
        d["bid_ticks"].astype(np.int64),
        d["ask_ticks"].astype(np.int64),
        d["bid_size"].astype(np.uint64),
        d["ask_size"].astype(np.uint64),
    )
    low, high = int(cols[1].min()), int(cols[2].max())
    final = (int(cols[1][-1]), int(cols[3][-1]))

    for orders in ("no_orders", "resting_orders", "pending_stop"):

        def once(orders: str = orders) -> float:
            core = _core(orders, low, high)
            start = time.perf_counter()
            done = core.quotes(0, *cols)
            elapsed = time.perf_counter() - start
            if done != n or core.best_bid(0) != final or core.pending_events():
                raise RuntimeError(f"replay {orders} did not end on the generator's top")
            return elapsed

        rows.append((f"sim.quotes.l1.batch.{orders}", n / _best(repeats, once), "quotes/s"))

    tuples: list[tuple[Any, ...]] = list(zip(*(c.tolist() for c in cols), strict=True))

    def per_call() -> float:
        core = _core("no_orders", low, high)
        quote = core.quote
        start = time.perf_counter()
        for t, b, a, bs, az in tuples:
            quote(0, t, b, a, bs, az)
        elapsed = time.perf_counter() - start
        if core.best_bid(0) != final:
            raise RuntimeError("per-call replay did not end on the generator's top")
        return elapsed

    rows.append(("sim.quotes.l1.per_call", n / _best(repeats, per_call), "quotes/s"))
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
