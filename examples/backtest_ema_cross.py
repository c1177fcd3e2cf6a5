"""EMA cross backtest: one venue, generated quotes, a Python strategy, a report.

The strategy (lyra.backtest.strategies.EmaCross) is a plain object: it subscribes to quotes
on the bus and trades through a Venue, so the same object runs live against an adapter.
Run: python examples/backtest_ema_cross.py  (writes ema-report/ in a temp folder)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from lyra.backtest import Backtest, default_quote_instrument, generate_quotes
from lyra.backtest.strategies import EmaCross
from lyra.model.enums import AccountType
from lyra.model.values import Money, Quantity
from lyra.sim import SimulatedExchange

N = 20_000 if os.environ.get("LYRA_EXAMPLE_QUICK") else 1_000_000

eurusd = default_quote_instrument()  # EUR/USD.SIM, 5 dp: the shared benchmark's instrument
bt = Backtest(title="EMA(10/50) cross on EUR/USD")
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
strategy = bt.add_strategy(
    EmaCross(
        bus=bt.bus, clock=bt.clock, venue=venue, instrument=eurusd, quantity=Quantity("100000")
    )
)
result = bt.run()
print(result)
print(f"orders sent by the strategy: {strategy.orders_sent:,}")
out = Path(tempfile.mkdtemp()) / "ema-report" / "report.html"
out.parent.mkdir()
result.report(out)
print(f"report: {out}")
