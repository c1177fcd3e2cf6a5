"""Kill a trading process with SIGKILL, then read its state back from SQLite.

A child process trades a bracket and a few limit orders on a simulated exchange, recording
everything to a SQLite file through ``lyra.state``: orders (as their events), the bracket's
contingency state, the portfolio, and the strategy's own key/value state. Half-way through
a tick it is killed with SIGKILL -- no cleanup, no flush. The parent then restores the
state from the file: every order rebuilt from its events, the position and balances, the
bracket exactly where the contingency manager left it, the strategy's last tick.

(In a real restart the restored state is also reconciled with the venue, which outlived
the crash: ``lyra.state.recover`` does both; see docs/how-to/persistence.md.)

Run: ``python examples/crash_recovery.py``
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import msgspec

from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, OrderType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderFactory
from lyra.portfolio import CashAccount, Portfolio
from lyra.sim import SimulatedExchange
from lyra.state import SqliteStore, recover, restore

BTC = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
USDT, COIN = Currency.from_str("USDT"), Currency.from_str("BTC")
START = [Money("10000", USDT), Money("5", COIN)]
T0 = 1_767_225_600_000_000_000
ASKS = ["100.10", "99.90", "99.55", "99.40", "99.80", "100.30", "100.60", "101.20", "100.90"]


def portfolio() -> Portfolio:
    return Portfolio(instruments=[BTC], accounts=[CashAccount("SIM-001", START)])


async def trade(db: str) -> None:
    """The trading process: records everything, and is killed at tick 6."""
    clock = TestClock(T0)
    bus = EventBus()
    exchange = SimulatedExchange("SIM", bus=bus, clock=clock, instruments=[BTC],
                                 starting_balances=START, native_contingencies=False)
    state = await recover(SqliteStore(db), bus, venues=[exchange], instruments=[BTC],
                          portfolio=portfolio(), clock=clock)
    venue = state.venue(exchange)            # commands go through the write-ahead wrapper
    memory = state.strategy_state("DIP-1")   # the strategy's own small state
    orders = OrderFactory("DIP-1", clock=clock, epoch=1)
    for tick, ask in enumerate(ASKS):
        clock.advance_to(T0 + (tick + 1) * 1_000_000_000)
        px = Price(ask)
        exchange.process_quote(QuoteTick(BTC.id, px - Price("0.20"), px, Quantity("3"),
                                         Quantity("3"), clock.timestamp_ns(), clock.timestamp_ns()))
        if tick == 2:  # a dip: buy it with a stop-loss and a take-profit
            state.submit_list(exchange, orders.bracket(
                BTC.id, OrderSide.BUY, Quantity("1.000"), entry_type=OrderType.LIMIT,
                entry_price=Price("99.50"), stop_loss_trigger_price=Price("98.00"),
                take_profit_price=Price("101.00")))
        if tick in (1, 4):
            venue.submit_order(orders.limit(BTC.id, OrderSide.SELL, Quantity("0.500"),
                                            Price("102.00")))
        memory.set_value("tick", tick)
        state.recorder.flush()                # the end of a tick: everything durable
        if tick == 6:
            venue.submit_order(orders.limit(BTC.id, OrderSide.BUY, Quantity("0.250"),
                                            Price("95.00")))  # durable before it is sent
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no last flush


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "state.db")
        child = subprocess.run([sys.executable, __file__, "--trade", db])
        print(f"trading process ended with signal {-child.returncode} (SIGKILL)")
        store = SqliteStore(db)
        snapshot = store.load()
        store.close()
        restored = restore(snapshot, instruments=[BTC], portfolio=portfolio())
        print(f"restored {len(restored.orders)} orders from {snapshot.event_count()} events:")
        for order in restored.orders.values():
            print(f"  {order.client_order_id} {order.side.name} {order.quantity} "
                  f"{order.order_type.name} @ {order.price or order.trigger_price}: "
                  f"{order.status.name}, filled {order.filled_qty}")
        for lst in restored.contingency.values():
            members = ", ".join(m.status.name for m in lst.members)
            print(f"bracket {lst.order_list_id}: released={lst.released} ({members})")
        assert restored.portfolio is not None
        print(f"position: {restored.portfolio.net_position(BTC.id)} BTC")
        account = restored.portfolio.account("SIM-001")
        assert account is not None
        print("balances:", ", ".join(str(b.total) for b in account.balances().values()))
        tick = msgspec.msgpack.decode(restored.kv["DIP-1"]["tick"])
        print(f"strategy state: the last tick done was {tick}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--trade":
        asyncio.run(trade(sys.argv[2]))
    else:
        main()
