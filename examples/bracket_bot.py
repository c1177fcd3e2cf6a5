"""A bracket bot in one screen: buy the dip with a stop-loss and a take-profit.

The bot watches quotes from the simulated exchange. When the ask dips under 99.60 and it has
no trade on, it sends a bracket: a LIMIT buy of 1 at 99.50, a stop-loss at 98.00 and a
take-profit at 101.00. The ContingencyManager releases the exits when the entry fills (sized to
what filled), and when the take-profit is hit the stop-loss is canceled. The exchange enforces the
bracket itself when it can; run with ``--emulated`` and the manager does it, same result.

Run: ``python examples/bracket_bot.py [--emulated]``
"""

from __future__ import annotations

import sys

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.contingency import ContingencyManager
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, OrderType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderEvent, OrderFactory, OrderFilled, OrderList
from lyra.sim import SimulatedExchange

BTC = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
clock = TestClock(1_767_225_600_000_000_000)
bus = EventBus()
NATIVE = "--emulated" not in sys.argv
USDT = Currency.from_str("USDT")
exchange = SimulatedExchange("SIM", bus=bus, clock=clock, instruments=[BTC],
                             starting_balances=[Money("10000", USDT)], native_contingencies=NATIVE)
manager = ContingencyManager(exchange, bus, clock)
orders = OrderFactory("DIP-1", clock=clock, epoch=1)
trade: OrderList | None = None


def on_quote(quote: QuoteTick) -> None:
    global trade
    if trade is None and quote.ask_price < Price("99.60"):
        trade = orders.bracket(
            BTC.id, OrderSide.BUY, Quantity("1.000"), entry_type=OrderType.LIMIT,
            entry_price=Price("99.50"), stop_loss_trigger_price=Price("98.00"),
            take_profit_price=Price("101.00"),
        )
        manager.submit(trade)
        print("  bracket sent: buy 1 @ 99.50, stop-loss 98.00, take-profit 101.00")


def on_order(event: OrderEvent) -> None:
    if isinstance(event, OrderFilled) and trade is not None:
        leg = ("entry", "stop-loss", "take-profit")[[o.client_order_id for o in trade].index(
            event.client_order_id)]
        print(f"  {leg} filled {event.last_qty} @ {event.last_px}")


bus.subscribe(topics.quotes(BTC.id), on_quote)
bus.subscribe(topics.order_events("DIP-1"), on_order)
bus.subscribe(topics.contingency_events("DIP-1"), lambda e: print(f"  {type(e).__name__}"))
exchange.subscribe_quotes(BTC.id)
QUOTES = [("100.00", "100.10"), ("99.50", "99.55"), ("99.40", "99.45"), ("99.30", "99.40"),
          ("100.20", "100.30"), ("101.10", "101.20")]
for bid, ask in QUOTES:
    print(f"market {bid} / {ask}")
    now = clock.timestamp_ns() + 1_000_000_000
    clock.advance_to(now)
    size = Quantity("5")
    exchange.process_quote(QuoteTick(BTC.id, Price(bid), Price(ask), size, size, now, now))
    exchange.settle()
assert trade is not None
print("done:", ", ".join(f"{o.order_type.name} {o.status.name}" for o in trade),
      f"| position {exchange.net_position(BTC.id)} | enforced natively: {NATIVE}")
