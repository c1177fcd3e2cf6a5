"""Breakout on one-minute bars with bracket orders (stop-loss and take-profit).

Bars are made here from generated quotes (the mid's open/high/low/close per minute). The
backtest replays each bar as a price path (open, the extreme nearer the open, the other
extreme, close), so the bracket's stop and target inside a bar trigger where the path says.
"""

from __future__ import annotations

import os

import numpy as np

from lyra.backtest import Backtest, generate_quotes
from lyra.backtest.strategies import BarBreakout
from lyra.model.columnar import BAR_DTYPE, BarBatch
from lyra.model.data import BarSpecification, BarType
from lyra.model.enums import AccountType, BarAggregation, PriceType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Quantity
from lyra.sim import SimulatedExchange

MINUTES = 2_000 if os.environ.get("LYRA_EXAMPLE_QUICK") else 50_000
pair = CurrencyPair.simple("ETHUSD.SIM", price_increment="0.01", size_increment="0.001")
per_bar = 600  # quotes per minute (100 ms apart)
quotes = generate_quotes(
    MINUTES * per_bar, seed=3, instrument=pair, start_ticks=300_000, lot=1_000, dt_ns=100_000_000
).array
mid = ((quotes["bid_price"] + quotes["ask_price"]) // 2).reshape(MINUTES, per_bar)
inc = pair.price_increment.raw
mid = mid // inc * inc
bars = np.zeros(MINUTES, dtype=BAR_DTYPE)
bars["open"], bars["high"] = mid[:, 0], mid.max(axis=1)
bars["low"], bars["close"] = mid.min(axis=1), mid[:, -1]
bars["volume"] = 50 * pair.size_increment.raw * 1_000
bars["ts_event"] = quotes["ts_event"].reshape(MINUTES, per_bar)[:, -1] + 100_000_000
bars["ts_init"] = bars["ts_event"]
bar_type = BarType(pair.id, BarSpecification(1, BarAggregation.MINUTE, PriceType.MID))
batch = BarBatch(bars, bar_type=bar_type, price_precision=2, size_precision=3)

bt = Backtest(title="Bar breakout with brackets")
venue = bt.add_exchange(
    SimulatedExchange(
        "SIM",
        bus=bt.bus,
        clock=bt.clock,
        instruments=[pair],
        account_type=AccountType.MARGIN,
        starting_balances=[Money("100000", "USD")],
        leverage=5,
    )
)
bt.add_bars(batch, path="adaptive")
breakout = bt.add_strategy(
    BarBreakout(
        bus=bt.bus,
        clock=bt.clock,
        venue=venue,
        instrument=pair,
        bar_type=bar_type,
        quantity=Quantity("1.000", 3),
        lookback=30,
        stop_ticks=150,
        target_ticks=300,
    )
)
result = bt.run()
print(result)
print(f"bracket entries: {breakout.entries:,}")
