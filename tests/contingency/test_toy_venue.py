"""The manager on the toy venue of ``examples/custom_venue.py``: no native lists, answers
delivered asynchronously, and (noisy) fills before acknowledgements and every answer twice."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.contingency import ContingencyAlert, ContingencyManager
from lyra.model.enums import OrderSide, OrderStatus
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory

from .script_venue import Ticker

INSTRUMENT = "BTCUSD.TOY"


def _toy_module() -> Any:
    # the same loader (and module name) as tests/venue/toy.py: examples/ is not a package
    name = "lyra_example_custom_venue"
    module = sys.modules.get(name)
    if module is None:
        path = Path(__file__).resolve().parents[2] / "examples" / "custom_venue.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


ToyVenue = _toy_module().ToyVenue


def run(scenario: Any, noisy: bool) -> Any:
    async def main() -> Any:
        clock = Ticker()
        bus = EventBus()
        venue = ToyVenue(bus, clock, prices={INSTRUMENT: Price("100.00")}, noisy=noisy)
        manager = ContingencyManager(venue, bus, clock)
        orders = OrderFactory("TOY-1", clock=clock, epoch=3)
        alerts: list[Any] = []
        bus.subscribe(
            topics.contingency_events("TOY-1"),
            lambda e: alerts.append(e) if isinstance(e, ContingencyAlert) else None,
        )
        async with venue:
            result = await scenario(venue, manager, orders)
            await venue.settled()
        assert alerts == []
        return result

    return anyio.run(main)


def limit(orders: OrderFactory, side: OrderSide, qty: str, price: str) -> Any:
    return orders.limit(INSTRUMENT, side, Quantity(qty), Price(price))


@pytest.mark.parametrize("noisy", [False, True])
def test_oco_on_the_toy_venue(noisy: bool) -> None:
    async def scenario(venue: Any, manager: ContingencyManager, orders: OrderFactory) -> Any:
        a = limit(orders, OrderSide.BUY, "1", "99.00")
        b = limit(orders, OrderSide.SELL, "1", "101.00")
        manager.submit(orders.oco([a, b]))
        await venue.settled()
        assert manager.is_native(a.order_list_id) is False
        venue.set_price(INSTRUMENT, Price("98.50"))  # a fills
        await venue.settled()
        return a.status, b.status

    assert run(scenario, noisy) == (OrderStatus.FILLED, OrderStatus.CANCELED)


@pytest.mark.parametrize("noisy", [False, True])
def test_oto_on_the_toy_venue(noisy: bool) -> None:
    async def scenario(venue: Any, manager: ContingencyManager, orders: OrderFactory) -> Any:
        parent = limit(orders, OrderSide.BUY, "2", "99.00")
        child = limit(orders, OrderSide.SELL, "2", "103.00")
        manager.submit(orders.oto(parent, [child]))
        await venue.settled()
        assert child.status is OrderStatus.INITIALIZED
        venue.set_price(INSTRUMENT, Price("98.00"))  # the parent fills, the child goes out
        await venue.settled()
        assert child.status is OrderStatus.ACCEPTED and child.quantity == Quantity("2")
        venue.set_price(INSTRUMENT, Price("104.00"))
        await venue.settled()
        return parent.status, child.status

    assert run(scenario, noisy) == (OrderStatus.FILLED, OrderStatus.FILLED)


@pytest.mark.parametrize("noisy", [False, True])
def test_ouo_on_the_toy_venue(noisy: bool) -> None:
    async def scenario(venue: Any, manager: ContingencyManager, orders: OrderFactory) -> Any:
        a = limit(orders, OrderSide.BUY, "1", "99.00")
        b = limit(orders, OrderSide.BUY, "3", "97.00")
        manager.submit(orders.ouo([a, b]))
        await venue.settled()
        venue.set_price(INSTRUMENT, Price("98.50"))  # a (1) fills: b keeps 3 - 1
        await venue.settled()
        return a.status, b.status, b.quantity

    assert run(scenario, noisy) == (OrderStatus.FILLED, OrderStatus.ACCEPTED, Quantity("2"))
