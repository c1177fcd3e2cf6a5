"""L2 order book benchmarks: the Rust ``L2Book`` through its Python binding.

Data: ``gen_l2(n, seed=7)`` from the shared generator (``../shared/bench/synth.py``), the
workload of the peer figures in ``shared/bench/README.md``: 100 levels a side around a
drifting centre, about 19% ADD, 62% UPDATE and 19% DELETE. n is 1,000,000 (input checksum
``461776c5``, checked) or 20,000 with ``quick=True``. Every timed run must end on the
generator's own final top of book, so a fast wrong book cannot report a figure.

Rows (best of the repeats; each rate is deltas or query pairs per second of the timed loop):

* ``book.apply.per_call``: ``book.apply(side, action, price, size)`` from a Python loop over
  a prebuilt list of tuples (the peers' per-call figures likewise iterate prebuilt objects).
* ``book.apply_top.per_call``: the same, each apply followed by ``best_bid()`` and
  ``best_ask()`` (each returns a ``(price, size)`` tuple).
* ``book.apply_top_prices.per_call``: the same with ``best_bid_price()``/``best_ask_price()``.
* ``book.top.queries``: ``best_bid()`` + ``best_ask()`` pairs on the final book.
* ``book.top_prices.queries``: ``best_bid_price()`` + ``best_ask_price()`` pairs.
* ``book.apply_batch.100``: ``apply_batch`` on prebuilt NumPy slices of 100 deltas.
* ``book.apply_batch.whole``: one ``apply_batch`` over all n deltas: the Rust loop itself
  plus one call's overhead, i.e. the engine's own rate.

Peers on the same data: ``shared/bench/orderbook_bench.py`` runs NautilusTrader 1.221's Rust
book (pyo3 and Cython bindings) on it; its figures are in ``shared/bench/README.md``.
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

from lyra.book import L2Book

__all__ = ("run",)

_SYNTH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "synth.py"
_SEED = 7
_CHECKSUM_1M = "461776c5"


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


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure the book on ``gen_l2``; return (figure, value, unit) rows."""
    synth = _synth()
    n = 20_000 if quick else 1_000_000
    repeats = 3 if quick else 5
    d = synth.gen_l2(n, seed=_SEED)
    if n == 1_000_000 and synth.checksum(d) != _CHECKSUM_1M:
        raise RuntimeError(f"gen_l2 input differs: checksum {synth.checksum(d)}")
    bb, bq, ba, aq = synth.final_l2_top(d)
    expected = ((bb, bq), (ba, aq))

    side = d["side"].astype(np.uint8)
    action = d["action"].astype(np.uint8)
    price = d["price"].astype(np.int64)
    size = d["qty"].astype(np.uint64)
    rows: list[tuple[int, int, int, int]] = list(
        zip(side.tolist(), action.tolist(), price.tolist(), size.tolist(), strict=True)
    )
    batches = [
        (side[i : i + 100], action[i : i + 100], price[i : i + 100], size[i : i + 100])
        for i in range(0, n, 100)
    ]

    def check(book: L2Book) -> None:
        if (book.best_bid(), book.best_ask()) != expected:
            raise RuntimeError(f"wrong final book {book!r}, expected {expected}")

    def timed(body: Callable[[L2Book], Any]) -> Callable[[], float]:
        def once() -> float:
            book = L2Book()
            t0 = time.perf_counter()
            body(book)
            elapsed = time.perf_counter() - t0
            check(book)
            return elapsed

        return once

    def per_call(book: L2Book) -> None:
        apply = book.apply
        for row in rows:
            apply(*row)

    def apply_top(book: L2Book) -> None:
        apply, bid, ask = book.apply, book.best_bid, book.best_ask
        for row in rows:
            apply(*row)
            bid()
            ask()

    def apply_top_prices(book: L2Book) -> None:
        apply, bid, ask = book.apply, book.best_bid_price, book.best_ask_price
        for row in rows:
            apply(*row)
            bid()
            ask()

    def batch100(book: L2Book) -> None:
        apply_batch = book.apply_batch
        for cols in batches:
            apply_batch(*cols)

    def whole(book: L2Book) -> None:
        book.apply_batch(side, action, price, size)

    final = L2Book()
    final.apply_batch(side, action, price, size)

    def queries(bid: Callable[[], object], ask: Callable[[], object]) -> Callable[[], float]:
        def once() -> float:
            t0 = time.perf_counter()
            for _ in range(n):
                bid()
                ask()
            return time.perf_counter() - t0

        return once

    out: list[tuple[str, float, str]] = []
    for name, body in (
        ("book.apply.per_call", per_call),
        ("book.apply_top.per_call", apply_top),
        ("book.apply_top_prices.per_call", apply_top_prices),
    ):
        out.append((name, n / _best(repeats, timed(body)), "deltas/s"))
    top = queries(final.best_bid, final.best_ask)
    out.append(("book.top.queries", n / _best(repeats, top), "query_pairs/s"))
    top = queries(final.best_bid_price, final.best_ask_price)
    out.append(("book.top_prices.queries", n / _best(repeats, top), "query_pairs/s"))
    out.append(("book.apply_batch.100", n / _best(repeats, timed(batch100)), "deltas/s"))
    # The whole-array call is short, so repeat it more to get a stable best.
    out.append(("book.apply_batch.whole", n / _best(repeats * 4, timed(whole)), "deltas/s"))
    return out


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
