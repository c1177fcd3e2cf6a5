"""Construction rules: each broken rule raises InvalidOrder naming the field and the rule."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from lyra.errors import InvalidInput
from lyra.model.enums import (
    ContingencyType,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import ClientOrderId, OrderListId, StrategyId
from lyra.model.values import Price, Quantity
from lyra.orders import ALLOWED_TIME_IN_FORCE, InvalidOrder, Order, OrderInitialized
from lyra.orders.validation import DISPLAY_QTY_TYPES, POST_ONLY_TYPES

from .helpers import INSTRUMENT

T = OrderType
TIF = TimeInForce

# The minimal valid specification of each type.
VALID: dict[OrderType, dict[str, Any]] = {
    T.MARKET: {},
    T.LIMIT: {"price": Price("100")},
    T.STOP_MARKET: {"trigger_price": Price("90"), "trigger_type": TriggerType.DEFAULT},
    T.STOP_LIMIT: {
        "price": Price("89"),
        "trigger_price": Price("90"),
        "trigger_type": TriggerType.BID_ASK,
    },
    T.MARKET_TO_LIMIT: {},
    T.MARKET_IF_TOUCHED: {"trigger_price": Price("110"), "trigger_type": TriggerType.LAST_PRICE},
    T.LIMIT_IF_TOUCHED: {
        "price": Price("111"),
        "trigger_price": Price("110"),
        "trigger_type": TriggerType.MID_POINT,
    },
    T.TRAILING_STOP_MARKET: {
        "trailing_offset": Decimal("25"),
        "trailing_offset_type": TrailingOffsetType.BASIS_POINTS,
        "trigger_type": TriggerType.MARK_PRICE,
    },
    T.TRAILING_STOP_LIMIT: {
        "trailing_offset": Decimal("3"),
        "limit_offset": Decimal("1"),
        "trailing_offset_type": TrailingOffsetType.TICKS,
        "trigger_type": TriggerType.DOUBLE_BID_ASK,
    },
}


def spec(order_type: OrderType, **overrides: Any) -> OrderInitialized:
    fields: dict[str, Any] = {
        "strategy_id": StrategyId("S-1"),
        "instrument_id": INSTRUMENT,
        "client_order_id": ClientOrderId("O1"),
        "event_id": "E1",
        "ts_event": 1,
        "ts_init": 1,
        "side": OrderSide.SELL,
        "order_type": order_type,
        "quantity": Quantity("2"),
        **VALID[order_type],
    }
    fields.update(overrides)
    return OrderInitialized(**fields)


@pytest.mark.parametrize("order_type", list(T))
def test_every_minimal_specification_is_valid(order_type: OrderType) -> None:
    order = Order(spec(order_type))
    assert order.order_type is order_type


CASES: list[tuple[str, OrderType, dict[str, Any], str, str]] = [
    ("zero quantity", T.LIMIT, {"quantity": Quantity("0")}, "quantity", "must be positive"),
    ("str quantity", T.LIMIT, {"quantity": "1"}, "quantity", "must be a Quantity"),
    ("no side", T.LIMIT, {"side": OrderSide.NO_ORDER_SIDE}, "side", "BUY or SELL"),
    ("limit w/o price", T.LIMIT, {"price": None}, "price", "is required for LIMIT"),
    ("stop-limit w/o price", T.STOP_LIMIT, {"price": None}, "price", "is required"),
    ("LIT w/o price", T.LIMIT_IF_TOUCHED, {"price": None}, "price", "is required"),
    ("float price", T.LIMIT, {"price": 1.5}, "price", "must be a Price"),
    ("market with price", T.MARKET, {"price": Price("1")}, "price", "not allowed on MARKET"),
    ("stop w/ price", T.STOP_MARKET, {"price": Price("1")}, "price", "not allowed"),
    ("MTL with price", T.MARKET_TO_LIMIT, {"price": Price("1")}, "price", "not allowed"),
    ("stop w/o trigger", T.STOP_MARKET, {"trigger_price": None}, "trigger_price", "is required"),
    ("MIT w/o trigger", T.MARKET_IF_TOUCHED, {"trigger_price": None}, "trigger_price", "required"),
    ("limit w/ trigger", T.LIMIT, {"trigger_price": Price("1")}, "trigger_price", "not allowed"),
    (
        "stop w/o trigger type",
        T.STOP_MARKET,
        {"trigger_type": TriggerType.NO_TRIGGER},
        "trigger_type",
        "is required",
    ),
    (
        "limit w/ trigger type",
        T.LIMIT,
        {"trigger_type": TriggerType.LAST_PRICE},
        "trigger_type",
        "must be NO_TRIGGER",
    ),
    (
        "trailing w/o offset",
        T.TRAILING_STOP_MARKET,
        {"trailing_offset": None},
        "trailing_offset",
        "is required",
    ),
    (
        "trailing w/o offset type",
        T.TRAILING_STOP_MARKET,
        {"trailing_offset_type": TrailingOffsetType.NO_TRAILING_OFFSET},
        "trailing_offset_type",
        "is required",
    ),
    (
        "negative trailing offset",
        T.TRAILING_STOP_MARKET,
        {"trailing_offset": Decimal("-1")},
        "trailing_offset",
        "must be positive",
    ),
    (
        "zero trailing offset",
        T.TRAILING_STOP_LIMIT,
        {"trailing_offset": Decimal("0")},
        "trailing_offset",
        "must be positive",
    ),
    (
        "fractional ticks",
        T.TRAILING_STOP_LIMIT,
        {"trailing_offset": Decimal("1.5")},
        "trailing_offset",
        "whole number of ticks",
    ),
    (
        "NaN offset",
        T.TRAILING_STOP_MARKET,
        {"trailing_offset": Decimal("NaN")},
        "trailing_offset",
        "finite Decimal",
    ),
    (
        "TSL w/o limit offset",
        T.TRAILING_STOP_LIMIT,
        {"limit_offset": None},
        "limit_offset",
        "is required",
    ),
    (
        "negative limit offset",
        T.TRAILING_STOP_LIMIT,
        {"limit_offset": Decimal("-1")},
        "limit_offset",
        "must not be negative",
    ),
    (
        "limit offset on TSM",
        T.TRAILING_STOP_MARKET,
        {"limit_offset": Decimal("1")},
        "limit_offset",
        "only allowed on TRAILING_STOP_LIMIT",
    ),
    (
        "limit offset on LIMIT",
        T.LIMIT,
        {"limit_offset": Decimal("1")},
        "limit_offset",
        "only allowed on TRAILING_STOP_LIMIT",
    ),
    (
        "trailing offset on LIMIT",
        T.LIMIT,
        {"trailing_offset": Decimal("1")},
        "trailing_offset",
        "only allowed on trailing",
    ),
    (
        "offset type on STOP",
        T.STOP_MARKET,
        {"trailing_offset_type": TrailingOffsetType.PRICE},
        "trailing_offset_type",
        "NO_TRAILING_OFFSET",
    ),
    (
        "activation on LIMIT",
        T.LIMIT,
        {"activation_price": Price("1")},
        "activation_price",
        "only allowed on trailing",
    ),
    (
        "GTD w/o expire",
        T.LIMIT,
        {"time_in_force": TIF.GTD},
        "expire_time_ns",
        "is required when time_in_force is GTD",
    ),
    (
        "GTD w/ zero expire",
        T.LIMIT,
        {"time_in_force": TIF.GTD, "expire_time_ns": 0},
        "expire_time_ns",
        "positive",
    ),
    (
        "expire on GTC",
        T.LIMIT,
        {"expire_time_ns": 10},
        "expire_time_ns",
        "only allowed with time_in_force GTD",
    ),
    (
        "market GTD",
        T.MARKET,
        {"time_in_force": TIF.GTD, "expire_time_ns": 10},
        "time_in_force",
        "GTD is not allowed on MARKET",
    ),
    (
        "stop ATO",
        T.STOP_MARKET,
        {"time_in_force": TIF.AT_THE_OPEN},
        "time_in_force",
        "AT_THE_OPEN is not allowed",
    ),
    (
        "market post-only",
        T.MARKET,
        {"post_only": True},
        "post_only",
        "not allowed on MARKET",
    ),
    ("stop post-only", T.STOP_MARKET, {"post_only": True}, "post_only", "not allowed"),
    (
        "post-only IOC",
        T.LIMIT,
        {"post_only": True, "time_in_force": TIF.IOC},
        "post_only",
        "cannot be combined with time_in_force IOC",
    ),
    (
        "display above qty",
        T.LIMIT,
        {"display_qty": Quantity("3")},
        "display_qty",
        "must not exceed quantity",
    ),
    ("zero display", T.LIMIT, {"display_qty": Quantity("0")}, "display_qty", "must be positive"),
    (
        "market iceberg",
        T.MARKET,
        {"display_qty": Quantity("1")},
        "display_qty",
        "not allowed on MARKET",
    ),
    (
        "iceberg FOK",
        T.LIMIT,
        {"display_qty": Quantity("1"), "time_in_force": TIF.FOK},
        "display_qty",
        "cannot be combined with time_in_force FOK",
    ),
    (
        "emulated market",
        T.MARKET,
        {"emulation_trigger": TriggerType.BID_ASK},
        "emulation_trigger",
        "not allowed on MARKET",
    ),
    (
        "OCO w/o list",
        T.LIMIT,
        {"contingency_type": ContingencyType.OCO, "linked_order_ids": (ClientOrderId("O2"),)},
        "order_list_id",
        "is required for contingency_type OCO",
    ),
    (
        "OUO w/o links",
        T.LIMIT,
        {"contingency_type": ContingencyType.OUO, "order_list_id": OrderListId("L1")},
        "linked_order_ids",
        "must not be empty",
    ),
    (
        "links w/o contingency",
        T.LIMIT,
        {"linked_order_ids": (ClientOrderId("O2"),)},
        "linked_order_ids",
        "must be empty",
    ),
    (
        "links itself",
        T.LIMIT,
        {
            "contingency_type": ContingencyType.OCO,
            "order_list_id": OrderListId("L1"),
            "linked_order_ids": (ClientOrderId("O1"),),
        },
        "linked_order_ids",
        "must not contain the order itself",
    ),
    (
        "plain str links",
        T.LIMIT,
        {
            "contingency_type": ContingencyType.OCO,
            "order_list_id": OrderListId("L1"),
            "linked_order_ids": ("O2",),
        },
        "linked_order_ids",
        "tuple of ClientOrderId",
    ),
    (
        "parent w/o list",
        T.LIMIT,
        {"parent_order_id": ClientOrderId("O0")},
        "order_list_id",
        "is required when parent_order_id is set",
    ),
    (
        "parent is self",
        T.LIMIT,
        {"parent_order_id": ClientOrderId("O1"), "order_list_id": OrderListId("L1")},
        "parent_order_id",
        "must not be the order itself",
    ),
    ("tags not str", T.LIMIT, {"tags": (1,)}, "tags", "tuple of str"),
    ("plain strategy id", T.LIMIT, {"strategy_id": "S-1"}, "strategy_id", "StrategyId"),
    ("negative ts", T.LIMIT, {"ts_init": -1}, "ts_init", "non-negative"),
]


@pytest.mark.parametrize(
    ("order_type", "overrides", "field", "rule"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_construction_rule(
    order_type: OrderType, overrides: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(InvalidOrder) as info:
        Order(spec(order_type, **overrides))
    err = info.value
    assert err.field == field
    assert rule in err.rule, err.rule
    assert isinstance(err, InvalidInput) and isinstance(err, ValueError)
    assert str(err).startswith(f"{field}: ")


@pytest.mark.parametrize(("order_type", "tif"), list(itertools.product(T, TIF)))
def test_time_in_force_compatibility_table(order_type: OrderType, tif: TimeInForce) -> None:
    extra: dict[str, Any] = {"time_in_force": tif}
    if tif is TIF.GTD:
        extra["expire_time_ns"] = 1_000
    if tif in ALLOWED_TIME_IN_FORCE[order_type]:
        assert Order(spec(order_type, **extra)).time_in_force is tif
    else:
        with pytest.raises(InvalidOrder) as info:
            Order(spec(order_type, **extra))
        assert info.value.field == "time_in_force"


@pytest.mark.parametrize("order_type", list(T))
def test_post_only_and_iceberg_by_type(order_type: OrderType) -> None:
    for field, value, allowed in (
        ("post_only", True, POST_ONLY_TYPES),
        ("display_qty", Quantity("1"), DISPLAY_QTY_TYPES),
    ):
        if order_type in allowed:
            Order(spec(order_type, **{field: value}))
        else:
            with pytest.raises(InvalidOrder) as info:
                Order(spec(order_type, **{field: value}))
            assert info.value.field == field


def test_order_needs_an_initialized_event() -> None:
    with pytest.raises(InvalidOrder):
        Order("spec")  # type: ignore[arg-type]


def test_trailing_orders_take_optional_activation_and_trigger_prices() -> None:
    order = Order(
        spec(
            T.TRAILING_STOP_LIMIT,
            price=Price("95"),
            trigger_price=Price("96"),
            activation_price=Price("105"),
        )
    )
    assert order.activation_price == Price("105") and order.price == Price("95")
    assert order.limit_offset == Decimal("1")
    assert order.trailing_offset_type is TrailingOffsetType.TICKS
