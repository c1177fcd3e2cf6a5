"""Every order event, order and order list survives msgpack and JSON exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from lyra.errors import InvalidInput
from lyra.model import codec
from lyra.model.enums import (
    ContingencyType,
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    OrderListId,
    PositionId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from lyra.model.values import Money, Price, Quantity
from lyra.orders import (
    ORDER_EVENT_TYPES,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRecord,
    OrderRejected,
    OrderReleased,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
    decode_event,
    decode_order,
    encode_event,
    encode_order,
)

from .helpers import BNB, INSTRUMENT, USDT, fill, order_in

BASE: dict[str, Any] = {
    "strategy_id": StrategyId("S-1"),
    "instrument_id": INSTRUMENT,
    "client_order_id": ClientOrderId("abc123"),
    "event_id": "e-17",
    "ts_event": 1_700_000_000_123_456_789,
    "ts_init": 1_700_000_000_123_456_999,
}
VENUE: dict[str, Any] = {
    **BASE,
    "venue_order_id": VenueOrderId("8389765"),
    "account_id": AccountId("BINANCE-001"),
    "reconciliation": True,
}

# One fully populated instance of every event type (every optional field set).
SAMPLES: list[OrderEvent] = [
    OrderInitialized(
        **BASE,
        side=OrderSide.SELL,
        order_type=OrderType.TRAILING_STOP_LIMIT,
        quantity=Quantity("1.2500"),
        time_in_force=TimeInForce.GTD,
        price=Price("99.10"),
        trigger_price=Price("99.500"),
        trigger_type=TriggerType.LAST_OR_BID_ASK,
        expire_time_ns=1_800_000_000_000_000_000,
        post_only=True,
        reduce_only=True,
        quote_quantity=True,
        display_qty=Quantity("0.2500"),
        trailing_offset=Decimal("12.5"),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        limit_offset=Decimal("0.10"),
        activation_price=Price("101.00"),
        emulation_trigger=TriggerType.BID_ASK,
        contingency_type=ContingencyType.OUO,
        order_list_id=OrderListId("L1"),
        linked_order_ids=(ClientOrderId("abc124"), ClientOrderId("abc125")),
        parent_order_id=ClientOrderId("abc100"),
        tags=("grid", "level-3"),
        reconciliation=True,
    ),
    OrderDenied(**BASE, reason="rate limit: 101 submits in 1s", code="RATE_LIMITED"),
    OrderEmulated(**BASE),
    OrderReleased(**BASE, released_price=Price("99.50")),
    OrderSubmitted(**BASE, account_id=AccountId("BINANCE-001")),
    OrderAccepted(**VENUE),
    OrderRejected(**VENUE, reason="would take", code="-2010", due_post_only=True),
    OrderCanceled(**VENUE),
    OrderExpired(**VENUE),
    OrderTriggered(**VENUE),
    OrderPendingUpdate(**VENUE),
    OrderPendingCancel(**VENUE),
    OrderModifyRejected(**VENUE, reason="qty below filled", code="51000"),
    OrderCancelRejected(**VENUE, reason="unknown order", code="-2011"),
    OrderUpdated(
        **VENUE,
        quantity=Quantity("2.000"),
        price=Price("98.70"),
        trigger_price=Price("99.00"),
        quote_quantity=False,
    ),
    OrderFilled(
        **VENUE,
        trade_id=TradeId("T-991"),
        order_side=OrderSide.SELL,
        order_type=OrderType.LIMIT,
        last_qty=Quantity("0.5000"),
        last_px=Price("99.100"),
        currency=USDT,
        commission=Money("0.00012345", BNB),
        liquidity_side=LiquiditySide.MAKER,
        position_id=PositionId("BTCUSDT.BINANCE-S-1"),
    ),
]


def test_there_is_a_sample_of_every_event_type() -> None:
    assert [type(s) for s in SAMPLES] == list(ORDER_EVENT_TYPES)


def _texts(event: msgspec.Struct) -> dict[str, str]:
    """Field values as text, so precision ("1.2500" vs "1.25") must survive too."""
    return {f: repr(getattr(event, f)) for f in event.__struct_fields__}


@pytest.mark.parametrize("fmt", ["msgpack", "json"])
@pytest.mark.parametrize("event", SAMPLES, ids=[type(s).__name__ for s in SAMPLES])
def test_every_event_round_trips_exactly(event: OrderEvent, fmt: str) -> None:
    data = encode_event(event, fmt)  # type: ignore[arg-type]
    back = decode_event(data, fmt)  # type: ignore[arg-type]
    assert type(back) is type(event)
    assert back == event
    assert _texts(back) == _texts(event)
    for f in event.__struct_fields__:
        assert type(getattr(back, f)) is type(getattr(event, f)), f
    # the codec's untyped union knows order events too
    generic = (codec.decode_msgpack if fmt == "msgpack" else codec.decode_json)(data)
    assert generic == event


def test_json_is_readable() -> None:
    data = encode_event(SAMPLES[-1], "json")
    assert b'"type":"OrderFilled"' in data
    assert b'"last_px":"99.100"' in data and b'"commission":"0.00012345 BNB"' in data


def test_defaults_are_omitted_on_the_wire() -> None:
    small = OrderCanceled(**BASE)
    assert b"reconciliation" not in encode_event(small, "json")
    assert decode_event(encode_event(small)) == small


@pytest.mark.parametrize("fmt", ["msgpack", "json"])
def test_orders_round_trip_by_their_events(fmt: str) -> None:
    from lyra.model.enums import OrderStatus

    order, ev = order_in(OrderStatus.PARTIALLY_FILLED)
    order.apply(fill(ev, order, "0.10", "100.125"))
    data = encode_order(order, fmt)  # type: ignore[arg-type]
    back = decode_order(data, fmt)  # type: ignore[arg-type]
    assert back == order
    assert back.avg_px == order.avg_px and back.filled_qty == order.filled_qty
    assert codec.decode_msgpack(encode_order(order)) == OrderRecord.of(order)


def test_bad_format_and_bad_data() -> None:
    with pytest.raises(InvalidInput):
        encode_event(SAMPLES[1], "yaml")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        decode_event(b"\x00", "yaml")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        decode_event(b'{"type":"OrderCanceled"}', "json")  # required fields missing
