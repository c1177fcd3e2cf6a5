"""The toy venue of ``examples/custom_venue.py``, loaded for the tests, and its scenario."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from lyra.bus import EventBus
from lyra.model.values import Price, Quantity
from lyra.orders import Order
from lyra.venue.testing import ConformanceScenario

_PATH = Path(__file__).resolve().parents[2] / "examples" / "custom_venue.py"


def _load() -> Any:
    name = "lyra_example_custom_venue"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


custom_venue = _load()
ToyVenue = custom_venue.ToyVenue
CAPABILITIES = custom_venue.CAPABILITIES
INSTRUMENT = "BTCUSD.TOY"
START = Price("100.00")


class Ticker:
    """Deterministic time: every read is 1 µs later."""

    def __init__(self, start: int = 1_767_225_600_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def cross(venue: Any, order: Order) -> None:
    """Trade through ``order``'s limit so it fills."""
    assert order.price is not None
    step = Price("1.00")
    venue.set_price(order.instrument_id, order.price - step if order.is_buy else order.price + step)


def scenario(**venue_kwargs: Any) -> ConformanceScenario:
    """A conformance scenario for a ToyVenue made with ``venue_kwargs``."""
    clock = Ticker()

    def make(bus: EventBus) -> Any:
        return ToyVenue(bus, clock, prices={INSTRUMENT: START}, **venue_kwargs)

    return ConformanceScenario(
        make_venue=make,
        instrument_id=INSTRUMENT,
        quantity=Quantity("0.50"),
        resting_buy_price=Price("95.00"),
        resting_sell_price=Price("105.00"),
        cross=cross,
        modify_price=Price("96.00"),
        modify_quantity=Quantity("0.40"),
        clock=clock,
        timeout_s=2.0,
    )
