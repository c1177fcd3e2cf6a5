"""Test your trading code against a simulated exchange, from pytest, in a few lines.

Copy this file next to your tests. ``SimulatedExchange`` is a real :class:`lyra.venue.Venue`
(the same contract as a live adapter), so the code under test needs no test double: give it
the exchange, feed market data, and look at the orders, the events and the account.

Run: ``pytest examples/test_simulated_exchange.py``
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, OrderStatus
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderEvent, OrderFactory, OrderFilled
from lyra.sim import SimulatedExchange
from lyra.venue import Venue

BTCUSDT = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
USDT = Currency.from_str("USDT")
T0 = 1_767_225_600_000_000_000  # 2026-01-01 UTC, in ns


def quote(bid: str, ask: str, ts: int, size: str = "1") -> QuoteTick:
    return QuoteTick(BTCUSDT.id, Price(bid), Price(ask), Quantity(size), Quantity(size), ts, ts)


class DipBuyer:
    """The code under test: bids 1% under the first ask it sees, once."""

    def __init__(self, venue: Venue, bus: EventBus) -> None:
        self.venue = venue
        self.orders = OrderFactory("DIP", clock=lambda: T0, epoch=1)
        self.bid = None
        bus.subscribe(topics.quotes(BTCUSDT.id), self.on_quote)
        venue.subscribe_quotes(BTCUSDT.id)

    def on_quote(self, q: QuoteTick) -> None:
        if self.bid is None:
            price = BTCUSDT.make_price(q.ask_price.as_decimal() * Decimal("0.99"), "down")
            self.bid = self.orders.limit(BTCUSDT.id, OrderSide.BUY, Quantity("0.5"), price)
            self.venue.submit_order(self.bid)


@pytest.fixture
def market() -> tuple[SimulatedExchange, EventBus, list[OrderEvent]]:
    bus = EventBus()
    exchange = SimulatedExchange(
        "SIM", bus=bus, instruments=[BTCUSDT], starting_balances=[Money("10000", USDT)]
    )
    events: list[OrderEvent] = []
    bus.subscribe(topics.order_events("DIP"), events.append)
    return exchange, bus, events


def test_the_dip_buyer_bids_and_fills_when_the_market_drops(
    market: tuple[SimulatedExchange, EventBus, list[OrderEvent]],
) -> None:
    exchange, bus, events = market
    strategy = DipBuyer(exchange, bus)

    exchange.process_quote(quote("99.50", "100.00", T0))  # the strategy bids 99.00
    assert strategy.bid is not None and strategy.bid.status is OrderStatus.ACCEPTED
    assert strategy.bid.price == Price("99.00")

    exchange.process_quote(quote("98.00", "98.50", T0 + 1_000_000))  # the ask falls through
    assert strategy.bid.status is OrderStatus.FILLED
    fill = next(e for e in events if isinstance(e, OrderFilled))
    assert fill.last_px == Price("99.00") and fill.last_qty == Quantity("0.5")
    assert exchange.account.balance_total(USDT) == Money("9950.5", USDT)  # 49.50 spent
    assert exchange.net_position(BTCUSDT.id) == Decimal("0.5")


def test_an_order_the_account_cannot_pay_for_is_rejected(
    market: tuple[SimulatedExchange, EventBus, list[OrderEvent]],
) -> None:
    exchange, _, events = market
    orders = OrderFactory("DIP", clock=lambda: T0, epoch=2)
    order = orders.limit(BTCUSDT.id, OrderSide.BUY, Quantity("200"), Price("100.00"))
    exchange.submit_order(order)
    exchange.settle()  # deliver the exchange's answer
    assert order.status is OrderStatus.REJECTED
    assert events[-1].code == "INSUFFICIENT_BALANCE"  # type: ignore[union-attr]
