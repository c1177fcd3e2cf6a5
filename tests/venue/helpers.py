"""Shared builders for the venue tests."""

from __future__ import annotations

from typing import Any

from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.enums import OrderSide
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.venue import ConnectionStatus, OrderFlow, VenueCapabilities
from lyra.venue.testing import EventRecorder

from .toy import CAPABILITIES, Ticker

VENUE = "TOY"
IID = "BTCUSD.TOY"
USD = Currency.from_str("USD")


def flow(
    *,
    connected: bool = True,
    capabilities: VenueCapabilities = CAPABILITIES,
    **kwargs: Any,
) -> tuple[OrderFlow, EventRecorder, OrderFactory]:
    clock = Ticker()
    bus = EventBus()
    f = OrderFlow(
        VENUE,
        "TOY-001",
        bus,
        clock,
        capabilities=capabilities,
        status=ConnectionStatus.CONNECTED if connected else ConnectionStatus.DISCONNECTED,
        **kwargs,
    )
    return f, EventRecorder(bus, VENUE), OrderFactory("S-1", clock=clock, epoch=1)


def buy(factory: OrderFactory, price: str = "95.00", qty: str = "1.0", **kw: Any) -> Order:
    return factory.limit(IID, OrderSide.BUY, Quantity(qty), Price(price), **kw)


def zero() -> Money:
    return Money.zero(USD)
