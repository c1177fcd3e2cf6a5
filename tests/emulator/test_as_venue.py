"""The OrderEmulator is a full ``Venue``: the venue contract's conformance checks pass against
an emulator in front of the toy venue (examples/custom_venue.py) and in front of a
SimulatedExchange, and the delegated members answer as the wrapped venue does."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.emulator import OrderEmulator, emulated_capabilities
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, OrderStatus, OrderType, TrailingOffsetType, TriggerType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.venue import Venue, VenueCapabilities
from lyra.venue.testing import CONFORMANCE_CHECKS, ConformanceCheck, ConformanceScenario

T0 = 1_767_225_600_000_000_000
_TOY_PATH = Path(__file__).resolve().parents[1] / "venue" / "toy.py"


def _toy() -> Any:
    name = "lyra_tests_venue_toy"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, _TOY_PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


toy = _toy()


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _toy_scenario() -> ConformanceScenario:
    base: ConformanceScenario = toy.scenario()

    def make(bus: EventBus) -> Any:
        return OrderEmulator(base.make_venue(bus), bus, TestClock(T0))

    def cross(venue: Any, order: Order) -> None:
        toy.cross(venue.inner, order)

    return dataclasses.replace(base, make_venue=make, cross=cross)


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
async def test_an_emulator_over_the_toy_venue_conforms(check: ConformanceCheck) -> None:
    note = await check.run(_toy_scenario())
    assert note is None, note


# -- over the simulated exchange ----------------------------------------------------------------
USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
PAIR = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")


class _Time:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def _sim_scenario() -> ConformanceScenario:
    import lyra.sim as sim

    time = _Time()

    def make(bus: EventBus) -> Any:
        ex = sim.SimulatedExchange(
            "SIM",
            bus=bus,
            instruments=[PAIR],
            starting_balances=[Money("1000000", USDT), Money("100", BTC)],
            connected=False,
        )
        return OrderEmulator(ex, bus, TestClock(T0), instruments=[PAIR])

    def cross(venue: Any, order: Order) -> None:
        assert order.price is not None
        step = Price("1.00")
        if order.is_buy:
            bid, ask = order.price - step - step, order.price - step
        else:
            bid, ask = order.price + step, order.price + step + step
        now = time.now
        venue.inner.process_quote(
            QuoteTick(PAIR.id, bid, ask, Quantity("10.000"), Quantity("10.000"), now, now)
        )

    def settle(venue: Any) -> None:
        venue.inner.settle()

    return ConformanceScenario(
        make_venue=make,
        instrument_id=PAIR.id,
        quantity=Quantity("0.500"),
        resting_buy_price=Price("95.00"),
        resting_sell_price=Price("105.00"),
        cross=cross,
        modify_price=Price("96.00"),
        modify_quantity=Quantity("0.400"),
        settle=settle,
        clock=time,
        timeout_s=2.0,
    )


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
async def test_an_emulator_over_the_simulated_exchange_conforms(check: ConformanceCheck) -> None:
    await check.run(_sim_scenario())


# -- the delegated members ------------------------------------------------------------------------
def _toy_emulator() -> tuple[OrderEmulator, Any, EventBus]:
    bus = EventBus()
    venue = toy.ToyVenue(bus, toy.Ticker(), prices={toy.INSTRUMENT: toy.START})
    return OrderEmulator(venue, bus, TestClock(T0)), venue, bus


def test_identity_and_capabilities_come_from_the_wrapped_venue() -> None:
    emu, venue, _ = _toy_emulator()
    assert isinstance(emu, Venue)
    assert emu.inner is venue
    assert emu.venue == venue.venue and emu.account_id == venue.account_id
    assert emu.status == venue.status and emu.connected == venue.connected
    inner: VenueCapabilities = venue.capabilities
    caps = emu.capabilities
    assert caps == emulated_capabilities(inner)
    assert inner.order_types <= caps.order_types
    assert {OrderType.STOP_MARKET, OrderType.LIMIT_IF_TOUCHED} <= caps.order_types
    assert TriggerType.MARK_PRICE in caps.trigger_types
    assert TrailingOffsetType.TICKS in caps.trailing_offset_types and caps.activation_price
    assert caps.contingencies == () and caps.native_contingencies == frozenset()
    assert caps.time_in_force == inner.time_in_force and caps.amend == inner.amend


def test_emulated_types_follow_what_the_venue_can_release_to() -> None:
    only_market = VenueCapabilities(order_types=frozenset({OrderType.MARKET}))
    caps = emulated_capabilities(only_market)
    # stops and market-if-touched release as MARKET; limit-releasing types need LIMIT
    assert OrderType.STOP_MARKET in caps.order_types
    assert OrderType.MARKET_IF_TOUCHED in caps.order_types
    assert OrderType.STOP_LIMIT not in caps.order_types
    assert OrderType.LIMIT not in caps.order_types


@pytest.mark.anyio
async def test_lifecycle_and_data_go_to_the_wrapped_venue(anyio_backend: str) -> None:
    emu, venue, _ = _toy_emulator()
    assert not emu.connected
    async with emu as entered:
        assert entered is emu
        assert emu.connected and venue.connected
        with anyio.fail_after(2):
            report = await emu.reconcile(0)
        assert report.venue == venue.venue
    assert not emu.connected and not venue.connected


def test_submit_order_list_is_refused_as_a_whole() -> None:
    emu, _, _ = _toy_emulator()
    f = OrderFactory("S-1", clock=toy.Ticker(), epoch=1)
    a = f.limit(toy.INSTRUMENT, OrderSide.BUY, Quantity("1"), Price("90.00"))
    b = f.limit(toy.INSTRUMENT, OrderSide.BUY, Quantity("1"), Price("89.00"))
    lst = f.oco([a, b])
    emu.submit_order_list(lst)
    assert a.status is OrderStatus.DENIED and b.status is OrderStatus.DENIED
