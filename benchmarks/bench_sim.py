"""Simulated exchange benchmarks: replaying quotes, and orders through the Python face.

Rows:

* ``sim.replay.quote_batch``: quotes replayed per second through
  ``SimulatedExchange.process(QuoteBatch)`` with no strategy (no order working, nobody
  subscribed): the batch goes to the engine in one call. Data: the shared generator's
  ``synth.gen_quotes`` (1M quotes, seed 42, EUR/USD style) when ``../shared/bench/synth.py``
  is present, else an equivalent seeded random walk; 20k quotes when quick. The time
  includes converting the batch's raw prices and sizes to ticks and lots.
* ``sim.replay.quote_batch.resting_orders``: the same replay with 20 orders resting far
  from the market, so the engine stops at every row that produces an event (none here) --
  the cost of being ready to react.
* ``sim.replay.process_quote``: ``QuoteTick`` objects fed one call each (built beforehand).
* ``sim.orders.submit_accept``: LIMIT orders (built beforehand) submitted and accepted per
  second: ``submit_order`` for each, then one ``settle()`` delivering every acceptance
  (OrderSubmitted and OrderAccepted applied and published, funds locked).
* ``sim.orders.submit_accept_settle_each``: the same with ``settle()`` after every submit.
* ``sim.orders.submit_cancel``: orders submitted, accepted, then canceled, per second
  (submit + settle + cancel + settle each).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lyra.bus import EventBus
from lyra.model.columnar import QuoteBatch
from lyra.model.enums import OrderSide
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.sim import SimulatedExchange

__all__ = ("run",)

Row = tuple[str, float, str]

EURUSD = CurrencyPair.simple("EURUSD.SIM", price_increment="0.00001", size_increment="1")
BTCUSDT = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
T0 = 1_704_067_200_000_000_000


def _quote_arrays(n: int) -> dict[str, Any]:
    shared = Path(__file__).resolve().parents[2] / "shared" / "bench"
    if (shared / "synth.py").exists():
        sys.path.insert(0, str(shared))
        try:
            import synth  # type: ignore[import-not-found]

            return synth.gen_quotes(n, seed=42)  # type: ignore[no-any-return]
        finally:
            sys.path.remove(str(shared))
    rng = np.random.default_rng(42)
    bid = 110_000 + np.cumsum(rng.choice([-1, 0, 0, 1], n))
    return {
        "bid_ticks": bid.astype(np.int64),
        "ask_ticks": (bid + rng.integers(1, 3, n)).astype(np.int64),
        "bid_size": rng.integers(1, 11, n).astype(np.int64) * 100_000,
        "ask_size": rng.integers(1, 11, n).astype(np.int64) * 100_000,
        "ts": T0 + np.arange(n, dtype=np.int64) * 1_000_000,
    }


def _batch(n: int) -> QuoteBatch:
    d = _quote_arrays(n)
    return QuoteBatch.from_ticks_arrays(
        d["bid_ticks"],
        d["ask_ticks"],
        d["bid_size"],
        d["ask_size"],
        d["ts"],
        instrument_id=EURUSD.id,
        price_increment_raw=EURUSD.price_increment.raw,
        size_increment_raw=EURUSD.size_increment.raw,
    )


def _exchange(instrument: CurrencyPair) -> SimulatedExchange:
    return SimulatedExchange(
        "SIM",
        bus=EventBus(),
        instruments=[instrument],
        starting_balances=[
            Money("1000000000000", instrument.quote_currency),
            Money("1000000000", instrument.base_currency),
        ],
    )


def _best(repeats: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(repeats))


def _replay_rate(batch: QuoteBatch, repeats: int, resting: int = 0) -> float:
    def once() -> float:
        ex = _exchange(EURUSD)
        if resting:
            f = OrderFactory("BENCH", clock=lambda: T0, epoch=1, id_prefix="r")
            for i in range(resting):
                ex.submit_order(
                    f.limit(EURUSD.id, OrderSide.BUY, Quantity("1000"), Price(f"0.{50000 + i}"))
                )
            ex.settle()
        t0 = time.perf_counter()
        ex.process(batch)
        return time.perf_counter() - t0

    return len(batch) / _best(repeats, once)


def _process_quote_rate(batch: QuoteBatch, repeats: int) -> float:
    ticks = batch.to_ticks()

    def once() -> float:
        ex = _exchange(EURUSD)
        feed = ex.process_quote
        t0 = time.perf_counter()
        for q in ticks:
            feed(q)
        return time.perf_counter() - t0

    return len(ticks) / _best(repeats, once)


def _orders(n: int, seed: int) -> list[Order]:
    f = OrderFactory("BENCH", clock=lambda: T0, epoch=seed, id_prefix="b")
    qty = Quantity("0.010")
    prices = [Price(f"{60000 - (i % 500)}.00") for i in range(500)]
    return [f.limit(BTCUSDT.id, OrderSide.BUY, qty, prices[i % 500]) for i in range(n)]


def _submit_rate(n: int, repeats: int, settle_each: bool) -> float:
    def once() -> float:
        ex = _exchange(BTCUSDT)
        orders = _orders(n, 1)
        submit, settle = ex.submit_order, ex.settle
        t0 = time.perf_counter()
        if settle_each:
            for o in orders:
                submit(o)
                settle()
        else:
            for o in orders:
                submit(o)
            settle()
        elapsed = time.perf_counter() - t0
        assert all(o.is_open for o in orders)
        return elapsed

    return n / _best(repeats, once)


def _submit_cancel_rate(n: int, repeats: int) -> float:
    def once() -> float:
        ex = _exchange(BTCUSDT)
        orders = _orders(n, 2)
        submit, cancel, settle = ex.submit_order, ex.cancel_order, ex.settle
        t0 = time.perf_counter()
        for o in orders:
            submit(o)
            settle()
            cancel(o)
            settle()
        elapsed = time.perf_counter() - t0
        assert all(o.is_closed for o in orders)
        return elapsed

    return n / _best(repeats, once)


def run(quick: bool = False) -> list[Row]:
    """Rows of (figure, value, unit); best of 3 (quick: small sizes, one repeat)."""
    repeats = 1 if quick else 3
    batch = _batch(20_000 if quick else 1_000_000)
    small = batch if quick else batch[:100_000]
    n_orders = 2_000 if quick else 20_000
    return [
        ("sim.replay.quote_batch", _replay_rate(batch, repeats), "quotes/s"),
        (
            "sim.replay.quote_batch.resting_orders",
            _replay_rate(batch, repeats, resting=20),
            "quotes/s",
        ),
        ("sim.replay.process_quote", _process_quote_rate(small, repeats), "quotes/s"),
        ("sim.orders.submit_accept", _submit_rate(n_orders, repeats, False), "orders/s"),
        (
            "sim.orders.submit_accept_settle_each",
            _submit_rate(n_orders, repeats, True),
            "orders/s",
        ),
        ("sim.orders.submit_cancel", _submit_cancel_rate(n_orders // 2, repeats), "orders/s"),
    ]


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for name, value, unit in run(quick=quick):
        print(f"{name:<48} {value:>14,.0f} {unit}")
