"""OKX REST query results -> reconciliation reports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.adapters.okx.messages import BalanceData, FillData, OrderData, PositionData, decode_rest
from lyra.adapters.okx.reports import (
    balance_reports,
    fill_report,
    order_status_report,
    position_report,
)
from lyra.errors import InvalidInput
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from lyra.model.values import Money, Price, Quantity


def _order(**kw: str) -> OrderData:
    base = {
        "instId": "BTC-USDT-SWAP",
        "ordId": "11",
        "clOrdId": "c1",
        "state": "partially_filled",
        "side": "sell",
        "ordType": "post_only",
        "sz": "5",
        "px": "30000.1",
        "accFillSz": "2",
        "avgPx": "30000.1",
        "reduceOnly": "true",
        "cTime": "1000",
        "uTime": "2000",
    }
    data = decode_rest(
        '{"code":"0","data":[' + __import__("json").dumps(base | kw) + "]}", OrderData
    )
    return data.data[0]


def test_order_status_report() -> None:
    report = order_status_report(_order(), "OKX-1", ts_init=9)
    assert str(report.instrument_id) == "BTC-USDT-SWAP.OKX" and report.venue_order_id == "11"
    assert report.client_order_id == "c1" and report.side is OrderSide.SELL
    assert (report.order_type, report.time_in_force, report.post_only) == (
        OrderType.LIMIT,
        TimeInForce.GTC,
        True,
    )
    assert report.status is OrderStatus.PARTIALLY_FILLED and report.is_open
    assert (report.quantity, report.filled_qty, report.leaves_qty) == (
        Quantity("5"),
        Quantity("2"),
        Quantity("3"),
    )
    assert (
        report.price == Price("30000.1")
        and report.avg_px == Decimal("30000.1")
        and report.reduce_only
    )
    assert (report.ts_accepted, report.ts_last, report.ts_init) == (10**9, 2 * 10**9, 9)
    canceled = order_status_report(
        _order(state="canceled", cancelSource="20", clOrdId=""), "OKX-1", 0
    )
    assert canceled.status is OrderStatus.CANCELED and canceled.client_order_id is None
    assert "cancel-all-after" in canceled.reason
    with pytest.raises(InvalidInput, match="state"):
        order_status_report(_order(state="weird"), "OKX-1", 0)


def test_fill_report_flips_the_fee_sign() -> None:
    data = decode_rest(
        '{"code":"0","data":[{"instId":"BTC-USDT","tradeId":"123","ordId":"456","clOrdId":"c1",'
        '"fillPx":"30000","fillSz":"0.01","side":"buy","execType":"T","fee":"-0.3","feeCcy":"USDT",'
        '"ts":"1700000000000"}]}',
        FillData,
    ).data[0]
    fill = fill_report(data, "OKX-1", ts_init=1)
    assert fill.commission == Money("0.3", "USDT") and fill.currency.code == "USDT"
    assert (fill.trade_id, fill.venue_order_id, fill.client_order_id) == ("123", "456", "c1")
    assert fill.order_side is OrderSide.BUY and fill.liquidity_side is LiquiditySide.TAKER
    assert (fill.last_qty, fill.last_px, fill.ts_event) == (
        Quantity("0.01"),
        Price("30000"),
        1700000000000 * 10**6,
    )


def test_balance_reports() -> None:
    data = decode_rest(
        '{"code":"0","data":[{"uTime":"5","details":[{"ccy":"USDT","availBal":"90.5","frozenBal":"10",'
        '"uTime":"6"},{"ccy":"BTC","availBal":"1","frozenBal":""}]}]}',
        BalanceData,
    ).data[0]
    usdt, btc = balance_reports(data, "OKX-1", ts_init=1)
    assert (usdt.total, usdt.free, usdt.locked) == (
        Money("100.5", "USDT"),
        Money("90.5", "USDT"),
        Money("10", "USDT"),
    )
    assert usdt.ts_event == 6 * 10**6 and btc.ts_event == 5 * 10**6
    assert btc.locked == Money("0", "BTC")


@pytest.mark.parametrize(
    ("pos", "pos_side", "side", "qty"),
    [
        ("-3", "net", PositionSide.SHORT, "3"),
        ("2", "net", PositionSide.LONG, "2"),
        ("0", "net", PositionSide.FLAT, "0"),
        ("4", "short", PositionSide.SHORT, "4"),
        ("4", "long", PositionSide.LONG, "4"),
    ],
)
def test_position_reports(pos: str, pos_side: str, side: PositionSide, qty: str) -> None:
    data = PositionData(
        inst_id="BTC-USDT-SWAP", pos=pos, pos_side=pos_side, pos_id="77", avg_px="30000", u_time="8"
    )
    report = position_report(data, "OKX-1", ts_init=1)
    assert (report.side, report.quantity) == (side, Quantity(qty))
    assert report.position_id == ("77" if pos_side != "net" else None)
    assert report.avg_px_open == Decimal("30000") and report.ts_last == 8 * 10**6
