"""Kraken REST results and the executions snapshot -> reconciliation reports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.adapters.kraken.messages import (
    BalanceEx,
    ExecutionData,
    OpenOrdersResult,
    TradesHistoryResult,
    decode_rest,
)
from lyra.adapters.kraken.reports import (
    balance_reports,
    execution_status_report,
    fill_report,
    order_status_report,
)
from lyra.adapters.kraken.symbols import KrakenSymbols
from lyra.errors import InvalidInput
from lyra.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity

from .recorded import asset_pairs

OPEN = (
    '{"error":[],"result":{"open":{"OQCLML-BW3P3-BUCMWZ":{"refid":null,"userref":0,"cl_ord_id":"abc",'
    '"status":"open","opentm":1688666559.8974,"starttm":0,"expiretm":0,"descr":{"pair":"XBTUSD",'
    '"type":"buy","ordertype":"limit","price":"30010.0","price2":"0","leverage":"none","order":"x",'
    '"close":""},"vol":"1.25000000","vol_exec":"0.37500000","cost":"11253.7","fee":"0.00000",'
    '"price":"30010.0","stopprice":"0.00000","limitprice":"0.00000","misc":"","oflags":"fciq,post"},'
    '"OB5VMB-B4U2U-DK2WRW":{"status":"open","opentm":1688665496.7808,"expiretm":1688999999,"descr":'
    '{"pair":"XBTUSD","type":"sell","ordertype":"stop-loss-limit","price":"27500.0","price2":"27400.0"},'
    '"vol":"0.5","vol_exec":"0.0","oflags":""}}}}'
)


def test_open_orders() -> None:
    table = KrakenSymbols.from_asset_pairs(asset_pairs())
    result = decode_rest(OPEN, OpenOrdersResult).result
    assert result is not None
    limit = order_status_report(
        "OQCLML-BW3P3-BUCMWZ", result.open["OQCLML-BW3P3-BUCMWZ"], table, "K-1", 7
    )
    assert limit.instrument_id == InstrumentId("BTC/USD.KRAKEN") and limit.client_order_id == "abc"
    assert limit.status is OrderStatus.PARTIALLY_FILLED and limit.post_only
    assert (limit.order_type, limit.side, limit.price) == (
        OrderType.LIMIT,
        OrderSide.BUY,
        Price("30010.0"),
    )
    assert (limit.quantity, limit.filled_qty, limit.avg_px) == (
        Quantity("1.25"),
        Quantity("0.375"),
        Decimal("30010.0"),
    )
    assert limit.ts_accepted == 1688666559897400000 and limit.time_in_force is TimeInForce.GTC
    stop = order_status_report(
        "OB5VMB-B4U2U-DK2WRW", result.open["OB5VMB-B4U2U-DK2WRW"], table, "K-1", 7
    )
    assert stop.order_type is OrderType.STOP_LIMIT and stop.status is OrderStatus.ACCEPTED
    assert (stop.trigger_price, stop.price) == (Price("27500.0"), Price("27400.0"))
    assert stop.time_in_force is TimeInForce.GTD and stop.expire_time_ns == 1688999999 * 10**9
    assert stop.client_order_id is None and stop.avg_px is None


def test_an_unknown_status_is_refused() -> None:
    table = KrakenSymbols.from_asset_pairs(asset_pairs())
    result = decode_rest(
        OPEN.replace('"status":"open","opentm":1688666559', '"status":"weird","opentm":1688666559'),
        OpenOrdersResult,
    ).result
    assert result is not None
    with pytest.raises(InvalidInput, match="status"):
        order_status_report(
            "OQCLML-BW3P3-BUCMWZ", result.open["OQCLML-BW3P3-BUCMWZ"], table, "K-1", 7
        )


def test_fills() -> None:
    table = KrakenSymbols.from_asset_pairs(asset_pairs())
    trades = decode_rest(
        '{"error":[],"result":{"trades":{"THVRQM-33VKH-UCI7BS":{"ordertxid":"OQCLML-BW3P3-BUCMWZ",'
        '"pair":"XXBTZUSD","time":1688667796.8802,"type":"buy","ordertype":"limit","price":"30010.00000",'
        '"cost":"600.20000","fee":"0.96000","vol":"0.02000000","trade_id":93748276,"maker":true},'
        '"TTEUX3-HDAAA-RC2RUO":{"ordertxid":"OB5VMB","pair":"XETHXXBT","time":1688667769.6396,"type":"sell",'
        '"ordertype":"market","price":"0.05","cost":"0.1","fee":"0.0002","vol":"2"}},"count":2}}',
        TradesHistoryResult,
    ).result
    assert trades is not None
    fill = fill_report("THVRQM-33VKH-UCI7BS", trades.trades["THVRQM-33VKH-UCI7BS"], table, "K-1", 1)
    assert fill.instrument_id == InstrumentId("BTC/USD.KRAKEN") and fill.trade_id == "93748276"
    assert fill.commission == Money("0.96", "USD") and fill.liquidity_side is LiquiditySide.MAKER
    assert fill.ts_event == 1688667796880200000 and fill.last_qty == Quantity("0.02")
    other = fill_report(
        "TTEUX3-HDAAA-RC2RUO", trades.trades["TTEUX3-HDAAA-RC2RUO"], table, "K-1", 1
    )
    assert (
        other.instrument_id == InstrumentId("ETH/BTC.KRAKEN")
        and other.trade_id == "TTEUX3-HDAAA-RC2RUO"
    )
    assert (
        other.commission == Money("0.0002", "BTC")
        and other.liquidity_side is LiquiditySide.NO_LIQUIDITY_SIDE
    )


def test_balances() -> None:
    ex = {"XXBT": BalanceEx(balance="1.5", hold_trade="0.5"), "ZUSD": BalanceEx(balance="100")}
    btc, usd = balance_reports(ex, "K-1", 3)
    assert (btc.currency.code, btc.total, btc.locked, btc.free) == (
        "BTC",
        Money("1.5", "BTC"),
        Money("0.5", "BTC"),
        Money("1", "BTC"),
    )
    assert usd.currency.code == "USD" and usd.locked.is_zero()
    (plain,) = balance_reports({"XETH": "2.0"}, "K-1", 3)
    assert plain.currency.code == "ETH" and plain.free == plain.total == Money("2", "ETH")


def test_execution_snapshot_report() -> None:
    data = ExecutionData(
        order_id="O1",
        exec_type="new",
        order_status="partially_filled",
        symbol="BTC/USD",
        side="sell",
        order_type="stop-loss-limit",
        order_qty=Decimal("0.5"),
        cum_qty=Decimal("0.1"),
        limit_price=Decimal("27400"),
        trigger_price=Decimal("27500"),
        time_in_force="gtc",
        cl_ord_id="abc",
        timestamp="2023-09-22T10:33:05Z",
    )
    report = execution_status_report(data, "K-1", 1)
    assert (
        report.status is OrderStatus.PARTIALLY_FILLED and report.order_type is OrderType.STOP_LIMIT
    )
    assert (report.price, report.trigger_price, report.filled_qty) == (
        Price("27400"),
        Price("27500"),
        Quantity("0.1"),
    )
    with pytest.raises(InvalidInput):
        execution_status_report(ExecutionData(order_id="O2", exec_type="new"), "K-1", 1)


def test_trailing_offsets_are_not_prices() -> None:
    table = KrakenSymbols.from_asset_pairs(asset_pairs())
    text = OPEN.replace(
        '"ordertype":"stop-loss-limit","price":"27500.0","price2":"27400.0"',
        '"ordertype":"trailing-stop","price":"+1.5000%","price2":"0"',
    )
    result = decode_rest(text, OpenOrdersResult).result
    assert result is not None
    report = order_status_report(
        "OB5VMB-B4U2U-DK2WRW", result.open["OB5VMB-B4U2U-DK2WRW"], table, "K-1", 7
    )
    assert report.order_type is OrderType.TRAILING_STOP_MARKET
    assert report.trigger_price is None and report.price is None
