"""OrderFactory: venue-safe, unique, reproducible ids, and one builder per order type."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from lyra.clock import TestClock
from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce, TriggerType
from lyra.model.identifiers import ClientOrderId, OrderListId
from lyra.model.values import Price, Quantity
from lyra.orders import ClientIdGenerator, InvalidOrder, OrderFactory
from lyra.orders.ids import EPOCH_LIMIT, MAX_PREFIX_LENGTH, to_base36

from .helpers import INSTRUMENT, Ticker, new_factory

VENUE_SAFE = re.compile(r"^[A-Za-z0-9]{1,18}$")
# the venues' own rules, for the record
BINANCE = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
OKX = re.compile(r"^[a-zA-Z0-9]{1,32}$")


prefixes = st.text(alphabet="abcxyz", min_size=0, max_size=MAX_PREFIX_LENGTH)
epochs = st.integers(min_value=0, max_value=EPOCH_LIMIT - 1)


@settings(max_examples=200, deadline=None)
@given(prefix=prefixes, epoch=epochs, start=st.integers(0, 10**6), n=st.integers(1, 400))
def test_generated_ids_are_venue_safe_unique_and_sorted(
    prefix: str, epoch: int, start: int, n: int
) -> None:
    gen = ClientIdGenerator(epoch=epoch, id_prefix=prefix, start_count=start)
    ids = [gen.next_id() for _ in range(n)]
    for i in ids:
        assert VENUE_SAFE.match(i) and BINANCE.match(i) and OKX.match(i)
        assert len(i) == 18 and i.startswith(prefix)
    assert len(set(ids)) == n
    assert ids == sorted(ids)  # fixed width: creation order is lexicographic order
    assert gen.count == start + n


@settings(max_examples=100, deadline=None)
@given(
    a=st.tuples(prefixes, epochs, st.integers(0, 3000)),
    b=st.tuples(prefixes, epochs, st.integers(0, 3000)),
)
def test_generators_with_a_different_prefix_or_epoch_never_collide(
    a: tuple[str, int, int], b: tuple[str, int, int]
) -> None:
    if a[:2] == b[:2]:
        return  # the same prefix and epoch is the one documented collision case
    ga = ClientIdGenerator(id_prefix=a[0], epoch=a[1], start_count=a[2])
    gb = ClientIdGenerator(id_prefix=b[0], epoch=b[1], start_count=b[2])
    ids_a = {ga.next_id() for _ in range(50)}
    ids_b = {gb.next_id() for _ in range(50)}
    assert not ids_a & ids_b


def test_counter_crosses_the_cached_high_digits_correctly() -> None:
    gen = ClientIdGenerator(epoch=0, start_count=1290)
    ids = [gen.next_id() for _ in range(20)]
    counters = [int(i[8:], 36) for i in ids]
    assert counters == list(range(1290, 1310))


def test_the_format_is_prefix_epoch_counter() -> None:
    gen = ClientIdGenerator(epoch=1_700_000_000_000, id_prefix="mm", start_count=41)
    assert gen.next_id() == "mm" + to_base36(1_700_000_000_000, 8) + "00000015"
    assert gen.next_id() == "mmLOYW3V2800000016"


def test_a_restart_continues_the_counter_or_takes_a_new_epoch() -> None:
    first = new_factory(epoch=77, id_prefix="s")
    issued = {first.next_client_order_id() for _ in range(10)}
    resumed = new_factory(epoch=first.epoch, start_count=first.count, id_prefix="s")
    assert resumed.next_client_order_id() not in issued
    # default epoch: the clock's milliseconds, so a later start never repeats ids
    t0 = 1_700_000_000_000_000_000
    run1 = OrderFactory("S", clock=TestClock(t0))
    run2 = OrderFactory("S", clock=TestClock(t0 + 5_000_000))  # 5 ms later
    assert run1.epoch != run2.epoch
    ids1 = {run1.next_client_order_id() for _ in range(100)}
    ids2 = {run2.next_client_order_id() for _ in range(100)}
    assert not ids1 & ids2


def test_ids_events_and_timestamps_are_reproducible() -> None:
    def run() -> list[object]:
        f = OrderFactory("S-1", clock=TestClock(5_000), epoch=42, id_prefix="x")
        o = f.limit(INSTRUMENT, OrderSide.BUY, Quantity("1"), Price("10"))
        return [o.client_order_id, o.init, f.events.submitted(o)]

    assert run() == run()


def test_wall_clock_default() -> None:
    f = OrderFactory("S-1")
    o = f.market(INSTRUMENT, OrderSide.BUY, Quantity("1"))
    assert o.ts_init > 1_600_000_000 * 10**9
    assert VENUE_SAFE.match(o.client_order_id)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id_prefix": "TOOLONG"}, "id_prefix"),
        ({"id_prefix": "a-b"}, "id_prefix"),
        ({"id_prefix": "AB"}, "id_prefix"),
        ({"id_prefix": "a1"}, "id_prefix"),
        ({"epoch": -1}, "epoch"),
        ({"epoch": EPOCH_LIMIT}, "epoch"),
        ({"start_count": -1}, "start_count"),
        ({"clock": 3}, "clock"),
    ],
)
def test_bad_factory_arguments(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        new_factory(**kwargs)
    assert info.value.field == field


def test_running_out_of_ids_raises_instead_of_wrapping() -> None:
    gen = ClientIdGenerator(epoch=0, id_prefix="abcd", start_count=36**6 - 1)
    assert gen.next_id().endswith("ZZZZZZ")
    with pytest.raises(ValueOutOfRange):
        gen.next_id()


def test_list_ids_share_the_counter_and_the_format() -> None:
    f = new_factory()
    a = f.next_client_order_id()
    lst = f.next_order_list_id()
    b = f.next_client_order_id()
    assert isinstance(lst, OrderListId) and isinstance(a, ClientOrderId)
    assert len({a, lst, b}) == 3 and VENUE_SAFE.match(lst)


def test_every_builder_returns_an_initialized_order_of_its_type() -> None:
    f = new_factory(id_prefix="b")
    q = Quantity("1.5")
    s = OrderSide.BUY
    orders = {
        OrderType.MARKET: f.market(INSTRUMENT, s, q, time_in_force=TimeInForce.IOC),
        OrderType.LIMIT: f.limit(
            INSTRUMENT,
            s,
            q,
            Price("10"),
            time_in_force=TimeInForce.GTD,
            expire_time_ns=10**19,
            post_only=True,
            display_qty=Quantity("0.5"),
            tags=("grid", "L1"),
        ),
        OrderType.STOP_MARKET: f.stop_market(INSTRUMENT, s, q, Price("11"), reduce_only=True),
        OrderType.STOP_LIMIT: f.stop_limit(
            INSTRUMENT, s, q, Price("12"), Price("11"), trigger_type=TriggerType.LAST_PRICE
        ),
        OrderType.MARKET_TO_LIMIT: f.market_to_limit(INSTRUMENT, s, q),
        OrderType.MARKET_IF_TOUCHED: f.market_if_touched(INSTRUMENT, s, q, Price("9")),
        OrderType.LIMIT_IF_TOUCHED: f.limit_if_touched(INSTRUMENT, s, q, Price("9"), Price("9.1")),
        OrderType.TRAILING_STOP_MARKET: f.trailing_stop_market(
            INSTRUMENT, s, q, trailing_offset=Decimal("0.5"), activation_price=Price("9")
        ),
        OrderType.TRAILING_STOP_LIMIT: f.trailing_stop_limit(
            INSTRUMENT, s, q, trailing_offset=Decimal("0.5"), limit_offset=Decimal("0.1")
        ),
    }
    assert set(orders) == set(OrderType)
    for order_type, order in orders.items():
        assert order.order_type is order_type
        assert order.status is OrderStatus.INITIALIZED
        assert order.strategy_id == "S-1" and order.instrument_id == INSTRUMENT
        assert order.quantity == q and order.event_count == 1
        assert VENUE_SAFE.match(order.client_order_id)
    assert len({o.client_order_id for o in orders.values()}) == len(orders)
    lim = orders[OrderType.LIMIT]
    assert lim.tags == ("grid", "L1") and lim.post_only and lim.display_qty == Quantity("0.5")
    assert lim.expire_time_ns == 10**19
    assert orders[OrderType.STOP_MARKET].reduce_only
    assert orders[OrderType.STOP_MARKET].trigger_type is TriggerType.DEFAULT
    assert orders[OrderType.LIMIT].trigger_type is TriggerType.NO_TRIGGER


def test_builders_validate() -> None:
    f = new_factory()
    with pytest.raises(InvalidOrder) as info:
        f.limit(INSTRUMENT, OrderSide.BUY, Quantity("1"), Price("1"), time_in_force=TimeInForce.GTD)
    assert info.value.field == "expire_time_ns"


def test_explicit_client_order_id_and_string_instrument() -> None:
    f = new_factory()
    o = f.market(
        "ETHUSDT.BINANCE", OrderSide.SELL, Quantity("1"), client_order_id=ClientOrderId("mine")
    )
    assert o.client_order_id == "mine" and o.instrument_id == "ETHUSDT.BINANCE"


def test_factory_clock_can_be_a_function() -> None:
    ticker = Ticker(100)
    f = OrderFactory("S", clock=ticker, epoch=0)
    o = f.market(INSTRUMENT, OrderSide.BUY, Quantity("1"))
    assert o.ts_init == 1_100
    assert f.events.submitted(o).ts_init == 2_100
