"""Market maker with inventory skew on a simulated venue with a maker rebate.

Every 10th quote it cancels its two quotes and posts new post-only limits one tick outside
the touch, shifted against its inventory (long: lower bid, ask closer), and stops quoting a
side once the inventory reaches the limit.
"""

from __future__ import annotations

import os
from decimal import Decimal

from lyra.backtest import Backtest, default_quote_instrument, generate_quotes
from lyra.backtest.strategies import MarketMaker
from lyra.model.enums import AccountType
from lyra.model.values import Money, Quantity
from lyra.sim import FeeConfig, SimulatedExchange

N = 20_000 if os.environ.get("LYRA_EXAMPLE_QUICK") else 500_000

eurusd = default_quote_instrument()
bt = Backtest(title="Market maker with inventory skew")
venue = bt.add_exchange(
    SimulatedExchange(
        "SIM",
        bus=bt.bus,
        clock=bt.clock,
        instruments=[eurusd],
        account_type=AccountType.MARGIN,
        starting_balances=[Money("1000000", "USD")],
        leverage=30,
        fees=FeeConfig(maker_fee=Decimal("-0.00002"), taker_fee=Decimal("0.0001")),
    )
)
bt.add_data(generate_quotes(N, seed=7))
mm = bt.add_strategy(
    MarketMaker(
        bus=bt.bus,
        clock=bt.clock,
        venue=venue,
        instrument=eurusd,
        quantity=Quantity("100000"),
        every=10,
        skew_ticks_per_unit=1.0,
        max_inventory_units=5,
    )
)
result = bt.run()
print(result)
print(
    f"quotes posted {mm.orders_sent:,}, cancels {mm.cancels_sent:,}, final inventory {mm.inventory}"
)
