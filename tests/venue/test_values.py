"""UNSET, the reports and venue events (validation, codec round trips), RejectCode, the
pending exceptions, and the Venue protocol's runtime check."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal
from typing import Any

import anyio
import pytest

from lyra.bus import EventBus
from lyra.errors import InvalidInput, LyraError
from lyra.model.codec import decode_json, decode_msgpack, encode_json, encode_msgpack
from lyra.model.currency import Currency
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from lyra.model.values import Money, Price, Quantity
from lyra.venue import (
    UNSET,
    VENUE_EVENT_TYPES,
    AnomalyKind,
    BalanceReport,
    ConnectionStatus,
    FillReport,
    NotSupported,
    OrderStatusReport,
    PositionStatusReport,
    ReconciliationReport,
    RejectCode,
    Venue,
    VenueAnomaly,
    VenueError,
    VenueNotConnected,
    VenueStatus,
    is_set,
    run_venue,
)

from .toy import ToyVenue

USD = Currency.from_str("USD")
IID = "BTCUSD.TOY"
T = 1_767_225_600_000_000_000


# -- UNSET ---------------------------------------------------------------------------------------
def test_unset_is_a_falsy_singleton_distinct_from_none() -> None:
    assert UNSET is not None and UNSET != None  # noqa: E711
    assert not UNSET and repr(UNSET) == "UNSET"
    assert copy.copy(UNSET) is UNSET and copy.deepcopy(UNSET) is UNSET
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET
    assert not is_set(UNSET) and is_set(None) and is_set(0)


# -- reports -------------------------------------------------------------------------------------
def order_report(**kw: Any) -> OrderStatusReport:
    fields: dict[str, Any] = {
        "account_id": "TOY-001",
        "instrument_id": IID,
        "venue_order_id": "V1",
        "client_order_id": "C1",
        "side": OrderSide.BUY,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "status": OrderStatus.PARTIALLY_FILLED,
        "quantity": Quantity("1.00"),
        "filled_qty": Quantity("0.25"),
        "price": Price("95.00"),
        "avg_px": Decimal("94.5"),
        "ts_accepted": T,
        "ts_last": T + 5,
        "ts_init": T + 9,
    }
    fields.update(kw)
    return OrderStatusReport(**fields)


def fill_report() -> FillReport:
    return FillReport(
        account_id="TOY-001",
        instrument_id=IID,
        venue_order_id="V1",
        client_order_id="C1",
        trade_id="T1",
        order_side=OrderSide.BUY,
        last_qty=Quantity("0.25"),
        last_px=Price("94.50"),
        currency=USD,
        commission=Money("0.01", "USD"),
        liquidity_side=LiquiditySide.MAKER,
        ts_event=T + 5,
        ts_init=T + 6,
    )


def full_report() -> ReconciliationReport:
    return ReconciliationReport(
        venue="TOY",
        account_id="TOY-001",
        since_ns=T,
        instrument_ids=[IID],  # type: ignore[arg-type]
        orders=[
            order_report(),
            order_report(
                client_order_id=None,
                venue_order_id="V2",  # type: ignore[arg-type]
                status=OrderStatus.CANCELED,
            ),
        ],
        fills=[fill_report()],  # type: ignore[arg-type]
        positions=(
            PositionStatusReport(
                account_id="TOY-001",
                instrument_id=IID,
                side=PositionSide.SHORT,
                quantity=Quantity("0.25"),
                avg_px_open=Decimal("94.5"),
                ts_last=T,
                ts_init=T,
            ),
        ),
        balances=(
            BalanceReport(
                account_id="TOY-001",
                currency=USD,
                total=Money("100.00", USD),
                locked=Money("23.75", USD),
                free=Money("76.25", USD),
                ts_event=T,
                ts_init=T,
            ),
        ),
        complete=False,
        ts_event=T + 10,
        ts_init=T + 11,
    )


def test_report_helpers() -> None:
    report = full_report()
    assert type(report.orders) is tuple and type(report.instrument_ids) is tuple
    assert [o.venue_order_id for o in report.open_orders] == ["V1"]
    assert report.order("C1") is report.orders[0] and report.order("nope") is None
    assert report.fills_for("V1") == report.fills and report.fills_for("V2") == ()
    assert report.orders[0].leaves_qty == Quantity("0.75")
    assert report.orders[1].leaves_qty == Quantity("0")
    assert report.positions[0].signed_qty == Decimal("-0.25")


@pytest.mark.parametrize("fmt", ["msgpack", "json"])
def test_reports_round_trip_through_the_codec(fmt: str) -> None:
    report = full_report()
    items: list[Any] = [report, *report.orders, *report.fills, *report.positions, *report.balances]
    for item in items:
        if fmt == "msgpack":
            back = decode_msgpack(encode_msgpack(item))
        else:
            back = decode_json(encode_json(item))
        assert back == item and type(back) is type(item)
    assert decode_msgpack(encode_msgpack(report), ReconciliationReport) == report


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: order_report(status=OrderStatus.PENDING_CANCEL), "OrderStatusReport.status"),
        (lambda: order_report(status=OrderStatus.SUBMITTED), "OrderStatusReport.status"),
        (lambda: order_report(ts_last=-1), "OrderStatusReport.ts_last"),
        (
            lambda: PositionStatusReport(
                account_id="A",
                instrument_id=IID,
                side=PositionSide.FLAT,
                quantity=Quantity("1"),
                ts_last=0,
                ts_init=0,
            ),
            "PositionStatusReport.quantity",
        ),
        (
            lambda: BalanceReport(
                account_id="A",
                currency=USD,
                total=Money("1", USD),
                locked=Money("1", USD),
                free=Money("1", USD),
                ts_event=0,
                ts_init=0,
            ),
            "BalanceReport.total",
        ),
        (
            lambda: BalanceReport(
                account_id="A",
                currency=USD,
                total=Money("1", "EUR"),
                locked=Money("0", USD),
                free=Money("1", USD),
                ts_event=0,
                ts_init=0,
            ),
            "BalanceReport.total",
        ),
        (
            lambda: ReconciliationReport(
                venue="TOY",
                account_id="A",
                since_ns=0,
                orders=("x",),  # type: ignore[arg-type]
                ts_event=0,
                ts_init=0,
            ),
            "ReconciliationReport.orders[0]",
        ),
    ],
)
def test_report_invariants_are_checked(make: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        make()
    assert info.value.field == field


def test_decoding_refuses_an_invalid_report() -> None:
    data = encode_json(order_report()).replace(b'"status":13', b'"status":12')
    with pytest.raises(InvalidInput):
        decode_json(data)


# -- venue events --------------------------------------------------------------------------------
def test_venue_events_round_trip() -> None:
    status = VenueStatus(
        venue="TOY",
        status=ConnectionStatus.RECONNECTING,
        reason="reset",
        attempt=2,
        ts_event=T,
        ts_init=T,
    )
    anomaly = VenueAnomaly(
        venue="TOY",
        kind=AnomalyKind.SEQUENCE_GAP,
        message="seq 7 after 5",
        venue_order_id="V1",
        ts_event=T,
        ts_init=T,
    )
    for event in (status, anomaly):
        assert decode_msgpack(encode_msgpack(event)) == event
        assert decode_json(encode_json(event)) == event
    assert (VenueStatus, VenueAnomaly) == VENUE_EVENT_TYPES


# -- codes and errors ----------------------------------------------------------------------------
def test_reject_codes_are_strings_equal_to_their_names() -> None:
    for code in RejectCode:
        assert code == code.name and isinstance(code, str)
    assert RejectCode("ORDER_CLOSED") is RejectCode.ORDER_CLOSED


@pytest.mark.parametrize("cls", [VenueError, NotSupported, VenueNotConnected])
def test_pending_exceptions(cls: type[VenueError]) -> None:
    exc = cls("the thing failed", venue="TOY", client_order_id="C1")
    assert isinstance(exc, LyraError)
    assert str(exc).startswith("TOY: the thing failed (order C1) [")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls and str(back) == str(exc) and back.code == exc.code
    assert NotSupported("x").code == "NOT_SUPPORTED"
    assert VenueNotConnected().code == "NOT_CONNECTED"
    assert issubclass(cls, VenueError)


# -- the protocol ----------------------------------------------------------------------------------
def test_the_toy_venue_is_a_venue_and_other_things_are_not() -> None:
    assert isinstance(ToyVenue(EventBus()), Venue)
    assert not isinstance(object(), Venue)

    class HalfAVenue:
        def submit_order(self, order: object) -> None: ...

    assert not isinstance(HalfAVenue(), Venue)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.anyio
async def test_run_venue_holds_the_venue_open_in_a_task_group() -> None:
    venue = ToyVenue(EventBus())
    async with anyio.create_task_group() as tg:
        await tg.start(run_venue, venue)
        assert venue.connected
        tg.cancel_scope.cancel()
    assert venue.status is ConnectionStatus.DISCONNECTED
