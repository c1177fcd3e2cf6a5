"""Cross-venue arbitrage over two simulated venues that quote the same asset.

Venue B's quotes follow venue A's with a lag and noise, so B's ask sometimes falls below A's
bid (or the reverse). The strategy buys the cheap venue and sells the dear one at market
while flat, and unwinds when the mids cross back. Both venues run on one clock and one bus;
quotes are merged by time.
"""

from __future__ import annotations

import os

import numpy as np

from lyra.backtest import Backtest, generate_quotes
from lyra.backtest.strategies import CrossVenueArbitrage
from lyra.model.columnar import QuoteBatch
from lyra.model.enums import AccountType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Quantity
from lyra.sim import SimulatedExchange

N = 20_000 if os.environ.get("LYRA_EXAMPLE_QUICK") else 300_000
pair_a = CurrencyPair.simple("BTCUSD.ALPHA", price_increment="0.5", size_increment="0.001")
pair_b = CurrencyPair.simple("BTCUSD.BETA", price_increment="0.5", size_increment="0.001")

quotes_a = generate_quotes(N, seed=11, instrument=pair_a, start_ticks=120_000, lot=1_000)
# venue B: A's book 25 quotes later plus a -2..+2 tick wobble, half a millisecond behind
arr = quotes_a.array.copy()
lag = 25
rng = np.random.default_rng(5)
wobble = rng.integers(-2, 3, size=N) * pair_a.price_increment.raw
arr["bid_price"][lag:] = arr["bid_price"][:-lag] + wobble[lag:]
arr["ask_price"][lag:] = arr["ask_price"][:-lag] + wobble[lag:]
arr["ts_event"] += 500_000
arr["ts_init"] += 500_000
quotes_b = QuoteBatch(arr, instrument_id=pair_b.id, price_precision=1, size_precision=3)

bt = Backtest(title="Cross-venue arbitrage ALPHA/BETA")
venues = [
    bt.add_exchange(
        SimulatedExchange(
            pair.id.venue,
            bus=bt.bus,
            clock=bt.clock,
            instruments=[pair],
            account_type=AccountType.MARGIN,
            starting_balances=[Money("1000000", "USD")],
            leverage=5,
        )
    )
    for pair in (pair_a, pair_b)
]
bt.add_data(quotes_a)
bt.add_data(quotes_b)
arb = bt.add_strategy(
    CrossVenueArbitrage(
        bus=bt.bus,
        clock=bt.clock,
        venue_a=venues[0],
        instrument_a=pair_a,
        venue_b=venues[1],
        instrument_b=pair_b,
        quantity=Quantity("0.100", 3),
        min_edge="1.0",
    )
)
result = bt.run()
print(result)
print(f"round trips: {arb.round_trips:,}")
