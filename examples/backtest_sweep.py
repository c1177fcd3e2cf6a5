"""A parameter sweep: EMA cross periods over a grid, run in parallel on a process pool.

`run_trial` builds and runs one backtest from a parameter mapping and returns its metrics;
`lyra.backtest.sweep` runs it for every grid point on the local pool (or on Ray with
backend="ray") and gathers a table. The trial function must be importable by the workers:
it lives at module level here, and the `__main__` guard keeps workers from re-running the
sweep.
"""

from __future__ import annotations

import os
from typing import Any

from lyra.backtest import Backtest, Grid, default_quote_instrument, generate_quotes, sweep
from lyra.backtest.strategies import EmaCross
from lyra.model.enums import AccountType
from lyra.model.values import Money, Quantity
from lyra.sim import SimulatedExchange

N = 10_000 if os.environ.get("LYRA_EXAMPLE_QUICK") else 200_000


def run_trial(params: dict[str, Any]) -> dict[str, float | int | str]:
    eurusd = default_quote_instrument()
    bt = Backtest(title=f"EMA {params['fast']}/{params['slow']}", progress=False)
    venue = bt.add_exchange(
        SimulatedExchange(
            "SIM",
            bus=bt.bus,
            clock=bt.clock,
            instruments=[eurusd],
            account_type=AccountType.MARGIN,
            starting_balances=[Money("1000000", "USD")],
            leverage=30,
        )
    )
    bt.add_data(generate_quotes(N, seed=42))
    bt.add_strategy(
        EmaCross(
            bus=bt.bus,
            clock=bt.clock,
            venue=venue,
            instrument=eurusd,
            quantity=Quantity("100000"),
            fast=params["fast"],
            slow=params["slow"],
        )
    )
    return bt.run().metrics()


if __name__ == "__main__":
    grid = Grid(
        {"fast": [5, 10, 20], "slow": [50, 100]}, constraint=lambda p: p["fast"] < p["slow"]
    )
    result = sweep(run_trial, grid, backend="local", workers=2, progress=False)
    print(result.table(columns=["fast", "slow", "total_return", "sharpe_ratio", "orders"]))
    best = result.best("total_return")
    print(f"best: fast={best['fast']} slow={best['slow']} return={best['total_return']:.6f}")
