"""market_trades and ticker -> TradeTick and QuoteTick; capabilities; timestamps."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from lyra.adapters.coinbase import CAPABILITIES
from lyra.adapters.coinbase._parse import decimal_units, format_rfc3339, rfc3339_ns
from lyra.adapters.coinbase.market import aggressor_side, quote_tick, trade_ticks
from lyra.adapters.coinbase.messages import TickerMessage, TradesMessage, decode_ws
from lyra.errors import InvalidInput, PrecisionError
from lyra.model.enums import AggressorSide, OrderType, TimeInForce
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory
from lyra.venue import AmendMode

from . import samples as s


def test_trades_oldest_first_with_the_maker_side_convention() -> None:
    msg = decode_ws(s.MARKET_TRADES)
    assert isinstance(msg, TradesMessage)
    ticks = trade_ticks(msg, {"BTC-USD": s.BTC_USD}, ts_init=5)
    assert [t.trade_id for t in ticks] == ["634591177", "634591178"]
    first, second = ticks
    assert first.price == Price("68900.00") and first.size == Quantity("0.01000000")
    assert first.aggressor_side is AggressorSide.BUYER  # maker SELL
    assert second.aggressor_side is AggressorSide.SELLER  # maker BUY
    assert first.ts_event == 1_775_572_201_400_000_000 and first.ts_init == 5
    assert trade_ticks(msg, {}, ts_init=5) == []
    with pytest.raises(InvalidInput):
        aggressor_side("buy")


def test_a_trade_off_the_grid_is_refused_not_rounded() -> None:
    msg = decode_ws(s.MARKET_TRADES.replace(b'"68901.00"', b'"68901.005"'))
    assert isinstance(msg, TradesMessage)
    with pytest.raises(PrecisionError):
        trade_ticks(msg, {"BTC-USD": s.BTC_USD}, ts_init=0)


def test_quote_from_ticker() -> None:
    msg = decode_ws(s.TICKER)
    assert isinstance(msg, TickerMessage)
    q = quote_tick(msg.events[0].tickers[0], s.BTC_USD, ts_event=s.TS_NS, ts_init=9)
    assert (q.bid_price, q.ask_price) == (Price("68900.00"), Price("68901.00"))
    assert (q.bid_size, q.ask_size) == (Quantity("1.50000000"), Quantity("0.50000000"))
    assert q.ts_event == s.TS_NS


def test_capabilities_match_the_order_mapping() -> None:
    c = CAPABILITIES
    assert c.order_types == {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT}
    assert TimeInForce.DAY not in c.time_in_force and c.post_only and not c.reduce_only
    assert c.amend is AmendMode.IN_PLACE and c.amend_order_types == {OrderType.LIMIT}
    assert c.contingencies == ()  # lists are emulated by the ContingencyManager
    f = OrderFactory("S", epoch=1, clock=lambda: 1)
    stop = f.stop_market("BTC-USD.COINBASE", 1, Quantity("1"), Price("1"))
    assert c.supports(stop) is not None  # the emulator will hold it


def test_rfc3339() -> None:
    assert rfc3339_ns("2026-04-07T14:30:01.456789Z") == s.TS_NS
    assert rfc3339_ns("2026-04-07T14:30:01Z") == 1_775_572_201_000_000_000
    assert rfc3339_ns("2026-04-07T14:30:01.123456789+00:00") == 1_775_572_201_123_456_789
    assert rfc3339_ns("1970-01-01T00:00:00.5Z") == 500_000_000
    for bad in (
        "2026-04-07T14:30:01",
        "2026-04-07T14:30:01+02:00",
        "2026-13-07T14:30:01Z",
        "2026-04-07T24:30:01Z",
        "2026-04-07T14:30:01.1234567891Z",
        "yesterday",
        "2026-04-07T14:30:01.Z",
    ):
        with pytest.raises(InvalidInput):
            rfc3339_ns(bad)


@given(st.integers(min_value=0, max_value=4_102_444_800 * 10**9))
def test_rfc3339_round_trip(ns: int) -> None:
    assert rfc3339_ns(format_rfc3339(ns)) == ns


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=0, max_value=9))
def test_decimal_units_is_exact(units: int, scale: int) -> None:
    from decimal import Decimal

    text = f"{Decimal(units).scaleb(-scale):f}"
    assert decimal_units(text, scale, "x") == units
    if "." in text:  # trailing zeros beyond the scale are allowed
        assert decimal_units(text + "000", scale, "x") == units


def test_decimal_units_refuses_what_is_not_a_plain_decimal() -> None:
    assert decimal_units("1.50", 8, "x") == 150_000_000
    assert decimal_units("7", 2, "x") == 700
    with pytest.raises(PrecisionError):
        decimal_units("1.001", 2, "x")
    for bad in ("", ".5", "5.", "1e3", " 1", "1_0", "+1", "--1", "1.2.3", "\u0661"):
        with pytest.raises(InvalidInput):
            decimal_units(bad, 2, "x")
