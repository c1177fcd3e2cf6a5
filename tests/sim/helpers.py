"""Builders shared by the simulated-exchange tests: instruments, an exchange, a recorder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import AggressorSide
from lyra.model.identifiers import TradeId
from lyra.model.instruments import CurrencyPair, Equity, Instrument, PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderEvent, OrderFactory, OrderFilled
from lyra.sim import SimulatedExchange

T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z
MS = 1_000_000
USD = Currency.from_str("USD")
USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")

BTCUSDT = CurrencyPair.simple(
    "BTCUSDT.SIM",
    price_increment="0.01",
    size_increment="0.001",
    taker_fee="0.001",
    maker_fee="0.0005",
)
ETHUSDT = CurrencyPair.simple("ETHUSDT.SIM", price_increment="0.01", size_increment="0.01")
PERP = PerpetualSwap.simple("BTCUSDT-PERP.SIM", price_increment="0.1", size_increment="0.001")
AAPL = Equity.simple("AAPL.SIM")


def px(text: str) -> Price:
    return Price(text)


def qty(text: str) -> Quantity:
    return Quantity(text)


def make_exchange(
    *,
    instruments: Iterable[Instrument] = (BTCUSDT,),
    balances: Iterable[Money] = (Money("1000000", USDT), Money("100", BTC)),
    bus: EventBus | None = None,
    **kwargs: Any,
) -> tuple[SimulatedExchange, EventBus]:
    bus = bus or EventBus()
    ex = SimulatedExchange(
        "SIM", bus=bus, instruments=list(instruments), starting_balances=list(balances), **kwargs
    )
    return ex, bus


def factory(strategy: str = "S-1", clock: Any = None) -> OrderFactory:
    ticks = iter(range(T0, 2**62, 1))
    prefix = "".join(c for c in strategy.lower() if c.isalpha())[:4]
    return OrderFactory(strategy, clock=clock or (lambda: next(ticks)), epoch=7, id_prefix=prefix)


def quote(
    bid: str,
    ask: str,
    ts: int,
    bid_size: str = "1",
    ask_size: str = "1",
    instrument: Instrument = BTCUSDT,
) -> QuoteTick:
    p = instrument.make_price
    s = instrument.make_qty
    return QuoteTick(instrument.id, p(bid), p(ask), s(bid_size), s(ask_size), ts, ts)


def trade(
    price: str,
    size: str,
    ts: int,
    aggressor: AggressorSide = AggressorSide.BUYER,
    instrument: Instrument = BTCUSDT,
    trade_id: str = "M1",
) -> TradeTick:
    return TradeTick(
        instrument.id,
        instrument.make_price(price),
        instrument.make_qty(size),
        aggressor,
        TradeId(trade_id),
        ts,
        ts,
    )


class Recorder:
    """Every order event published on the bus, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[OrderEvent] = []
        bus.subscribe("events.order.*", self.events.append)

    def of(self, order: Any) -> list[OrderEvent]:
        return [e for e in self.events if e.client_order_id == order.client_order_id]

    def names(self, order: Any) -> list[str]:
        return [type(e).__name__.removeprefix("Order") for e in self.of(order)]

    def fills(self, order: Any) -> list[OrderFilled]:
        return [e for e in self.of(order) if isinstance(e, OrderFilled)]
