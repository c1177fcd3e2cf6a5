"""The venue contract's protocol-level conformance checks (lyra.venue.testing), run against
SimulatedExchange on asyncio and trio, for the default account and an added one."""

from __future__ import annotations

from typing import Any

import pytest

from lyra.bus import EventBus
from lyra.model.enums import BookType
from lyra.model.values import Money
from lyra.orders import Order
from lyra.sim import SimulatedExchange
from lyra.venue.testing import CONFORMANCE_CHECKS, ConformanceCheck, ConformanceScenario

from .helpers import BTC, BTCUSDT, T0, USDT, px, qty, quote


class _Time:
    """Deterministic time for the orders: 1 µs per read."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def _scenario(*, second_account: bool, book_type: BookType) -> ConformanceScenario:
    time = _Time()

    def make(bus: EventBus) -> Any:
        ex = SimulatedExchange(
            "SIM",
            bus=bus,
            instruments=[BTCUSDT],
            book_type=book_type,
            starting_balances=[Money("1000000", USDT), Money("100", BTC)],
            connected=False,
        )
        if second_account:
            return ex.add_account("SIM-002", [Money("1000000", USDT), Money("100", BTC)])
        return ex

    def cross(venue: Any, order: Order) -> None:
        assert order.price is not None
        ex: SimulatedExchange = venue.exchange
        step = px("1")
        if order.is_buy:
            q = quote(str(order.price - step - step), str(order.price - step), time.now)
        else:
            q = quote(str(order.price + step), str(order.price + step + step), time.now)
        if book_type is BookType.L1_MBP:
            ex.process_quote(q)
        else:
            # L2/L3: a marketable order from another account takes the resting one.
            other = ex.add_account(f"X-{time.now}", [Money("1000000", USDT), Money("100", BTC)])
            from lyra.orders import OrderFactory

            taker = OrderFactory("X", clock=time, epoch=3, id_prefix="x").limit(
                order.instrument_id,
                order.side.__class__(3 - int(order.side)),
                order.leaves_qty,
                order.price,
            )
            other.submit_order(taker)
            ex.settle()

    def settle(venue: Any) -> None:
        venue.exchange.settle()

    return ConformanceScenario(
        make_venue=make,
        instrument_id=BTCUSDT.id,
        quantity=qty("0.5"),
        resting_buy_price=px("95"),
        resting_sell_price=px("105"),
        cross=cross,
        modify_price=px("96"),
        modify_quantity=qty("0.4"),
        settle=settle,
        clock=time,
        timeout_s=2.0,
    )


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
@pytest.mark.parametrize("book_type", [BookType.L1_MBP, BookType.L3_MBO], ids=lambda b: b.name)
async def test_the_simulated_exchange_conforms(
    check: ConformanceCheck, book_type: BookType
) -> None:
    await check.run(_scenario(second_account=False, book_type=book_type))


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
async def test_an_added_account_conforms(check: ConformanceCheck) -> None:
    await check.run(_scenario(second_account=True, book_type=BookType.L1_MBP))
