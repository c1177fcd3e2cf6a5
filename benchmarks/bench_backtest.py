"""Backtest throughput on the shared workloads (../shared/bench/README.md), side by side
with the NautilusTrader figures there.

Data: ``lyra.backtest.generate_quotes(n, seed=42)``, which reproduces the shared generator
``synth.gen_quotes`` bit for bit (EUR/USD, 5 dp, 1 ms apart). Venue: a MARGIN account of 1e9
USD, leverage 100, no latency. Workloads:

* replay -- quotes through the exchange, no strategy;
* ema -- :class:`lyra.backtest.strategies.EmaCross` EMA(10/50) on the mid, market orders of
  100k (200k to flip), a Python handler per quote;
* mm -- :class:`lyra.backtest.strategies.MarketMaker`: every 10th quote cancel both sides
  and post GTC post-only limits of 100k one tick outside the touch.

Each figure is ticks per wall second of ``Backtest.run`` (result building included). The
``scaling`` rows are the 1M rate over the 100k rate (linear cost in the data = 100%).
"""

from __future__ import annotations

import time
from typing import Any

from lyra.backtest import Backtest, default_quote_instrument, generate_quotes
from lyra.backtest.strategies import EmaCross, MarketMaker
from lyra.model.enums import AccountType
from lyra.model.values import Money, Quantity
from lyra.sim import SimulatedExchange

Row = tuple[str, float, str]


def _run(n: int, workload: str) -> tuple[float, Any]:
    inst = default_quote_instrument()
    quotes = generate_quotes(n, seed=42, instrument=inst)
    bt = Backtest(title=workload, progress=False)
    ex = bt.add_exchange(
        SimulatedExchange(
            inst.id.venue,
            bus=bt.bus,
            clock=bt.clock,
            instruments=[inst],
            account_type=AccountType.MARGIN,
            starting_balances=[Money("1000000000", "USD")],
            leverage=100,
        )
    )
    bt.add_data(quotes)
    qty = Quantity("100000")
    if workload == "ema":
        bt.add_strategy(
            EmaCross(bus=bt.bus, clock=bt.clock, venue=ex, instrument=inst, quantity=qty)
        )
    elif workload == "mm":
        bt.add_strategy(
            MarketMaker(bus=bt.bus, clock=bt.clock, venue=ex, instrument=inst, quantity=qty)
        )
    t0 = time.perf_counter()
    result = bt.run()
    return time.perf_counter() - t0, result


def run(quick: bool = False) -> list[Row]:
    sizes = [20_000] if quick else [100_000, 1_000_000]
    rows: list[Row] = []
    for workload in ("replay", "ema", "mm"):
        rates = {}
        for n in sizes:
            seconds, result = _run(n, workload)
            label = f"{n // 1000}k"
            rates[n] = n / seconds
            rows.append((f"backtest.{workload}.{label}", rates[n], "ticks/s"))
            if workload != "replay":
                rows.append((f"backtest.{workload}.{label}.orders", len(result.orders), "orders"))
                rows.append((f"backtest.{workload}.{label}.fills", len(result.fills), "fills"))
        if len(sizes) == 2:
            rows.append(
                (
                    f"backtest.{workload}.scaling_1m_vs_100k",
                    100 * rates[sizes[1]] / rates[sizes[0]],
                    "%",
                )
            )
    return rows


if __name__ == "__main__":
    import sys

    for name, value, unit in run(quick="--quick" in sys.argv):
        print(f"{name:<48} {value:>14,.0f} {unit}")
