"""Position bookkeeping with worked numbers a reader can check by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from lyra.errors import InvalidInput
from lyra.model.codec import decode_json, decode_msgpack, encode_json, encode_msgpack
from lyra.model.enums import OrderSide, PositionSide
from lyra.model.instruments import PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.portfolio import (
    Position,
    PositionChanged,
    PositionClosed,
    PositionOpened,
    PositionState,
)

from .helpers import BNB, BTC, BTCUSDT, PERP, USDT, XBTUSD, D, fill

P = "BTCUSDT-PERP.BINANCE"


def new(instrument: object = PERP) -> Position:
    return Position(instrument, "P-1", "S-1")  # type: ignore[arg-type]


def test_open_increase_reduce_close_long() -> None:
    pos = new()
    # buy 2 @ 100 (fee 0.20) -> long 2, cost 200
    (ev,) = pos.apply(fill(P, "BUY", "2", "100", commission="0.20 USDT"))
    assert isinstance(ev, PositionOpened)
    assert pos.side is PositionSide.LONG and pos.signed_qty == 2
    assert pos.avg_px_open == 100
    assert pos.realized_pnl == Money("-0.20", USDT)  # opening fee counts at once
    # buy 1 @ 106 -> long 3, cost 200 + 106 = 306, avg 102
    (ev,) = pos.apply(fill(P, "BUY", "1", "106"))
    assert isinstance(ev, PositionChanged)
    assert pos.avg_px_open == 102 and pos.cost_basis == 306
    # sell 1 @ 110 -> releases 306/3 = 102 of cost: realized 110 - 102 = 8
    pos.apply(fill(P, "SELL", "1", "110", commission="0.11 USDT"))
    assert pos.signed_qty == 2 and pos.cost_basis == 204
    assert pos.avg_px_open == 102  # average cost does not move on a reduce
    assert pos.avg_px_close == 110
    assert pos.realized_pnl == Money("7.69", USDT)  # 8 - 0.20 - 0.11
    # unrealized at 101: 2 x (101 - 102) = -2
    assert pos.unrealized_pnl(Price("101")) == Money("-2", USDT)
    # sell 2 @ 99 -> realized 2 x (99 - 102) = -6; closes
    (ev,) = pos.apply(fill(P, "SELL", "2", "99", ts=50))
    assert isinstance(ev, PositionClosed)
    assert pos.side is PositionSide.FLAT and pos.is_closed
    assert pos.realized_pnl == Money("1.69", USDT)  # 8 - 6 - 0.31
    # avg close = (1 x 110 + 2 x 99) / 3 = 308 / 3
    assert pos.avg_px_close_exact == Fraction(308, 3)
    assert pos.avg_px_close == Decimal("102.6666666666666666666666666666666666667")
    assert ev.realized_pnl == pos.realized_pnl and ev.duration_ns == 50
    assert pos.unrealized_pnl(Price("500")) == Money("0", USDT)


def test_netting_flip_worked_example() -> None:
    """Long 1 @ 100, sell 3 @ 110: the long closes with +10 and a short of 2 @ 110 opens.

    Fees are 0.1%: 0.10 on the buy (1 x 100), 0.33 on the sell (3 x 110). The sell's fee is
    split pro rata: 1/3 (0.11) to the closing part, the remaining 0.22 to the new short.
    Closed cycle realized: 10 - 0.10 - 0.11 = 9.79. New short: -0.22 (its opening fee).
    """
    pos = new()
    pos.apply(fill(P, "BUY", "1", "100", commission="0.10 USDT", order_id="O-A", ts=1))
    closed, opened = pos.apply(
        fill(P, "SELL", "3", "110", commission="0.33 USDT", order_id="O-B", ts=2)
    )
    assert isinstance(closed, PositionClosed) and isinstance(opened, PositionOpened)
    assert closed.last_qty == Quantity("1") and opened.last_qty == Quantity("2")
    assert closed.realized_pnl == Money("9.79", USDT)
    assert opened.realized_pnl == Money("-0.22", USDT)
    assert opened.position_id == closed.position_id == "P-1"
    assert pos.side is PositionSide.SHORT and pos.signed_qty == -2
    assert pos.avg_px_open == 110 and pos.entry is OrderSide.SELL
    assert pos.opening_order_id == "O-B" and pos.ts_opened == 2
    assert pos.commissions == {USDT: Money("0.22", USDT)}
    # the closed cycle is kept as a snapshot; totals span both cycles
    (snap,) = pos.snapshots
    assert snap.realized_pnl == Money("9.79", USDT)
    assert snap.avg_px_open == 100 and snap.avg_px_close == 110
    assert snap.closing_order_id == "O-B" and snap.side is PositionSide.FLAT
    assert pos.total_realized_pnl == Money("9.57", USDT)
    # short 2 @ 110 marked at 105: +10
    assert pos.unrealized_pnl(Price("105")) == Money("10", USDT)


def test_flip_commission_split_rounding_rule() -> None:
    """0.10 USDT split 1:2 -> 0.033333333... rounds half-even at USDT's 8 decimals to
    0.03333333; the opening part gets the exact rest, 0.06666667."""
    pos = new()
    pos.apply(fill(P, "BUY", "1", "100"))
    closed, opened = pos.apply(fill(P, "SELL", "3", "100", commission="0.10 USDT"))
    assert closed.realized_pnl == Money("-0.03333333", USDT)
    assert opened.realized_pnl == Money("-0.06666667", USDT)
    assert pos.total_realized_pnl == Money("-0.10", USDT)


def test_short_pnl() -> None:
    pos = new()
    pos.apply(fill(P, "SELL", "3", "200"))
    pos.apply(fill(P, "SELL", "1", "220"))  # short 4, cost 820, avg 205
    assert pos.avg_px_open == 205 and pos.cost_basis == -820
    assert pos.unrealized_pnl(Price("200")) == Money("20", USDT)  # 4 x (205 - 200)
    pos.apply(fill(P, "BUY", "2", "190"))  # 2 x (205 - 190) = 30
    assert pos.realized_pnl == Money("30", USDT)
    assert pos.signed_qty == -2 and pos.peak_qty == Quantity("4")


def test_avg_price_exact_after_several_fills() -> None:
    pos = new()
    legs = [("1.001", "100.1"), ("2.5", "100.3"), ("0.333", "99.9"), ("7", "101.7")]
    for qty, px in legs:
        pos.apply(fill(P, "BUY", qty, px))
    ref = sum(Fraction(q) * Fraction(p) for q, p in legs) / sum(Fraction(q) for q, _ in legs)
    assert pos.avg_px_open_exact == ref
    avg = pos.avg_px_open  # the Decimal: 40 significant digits of the exact ratio
    assert avg is not None and abs(Fraction(avg) - ref) < Fraction(1, 10**35)
    # a partial reduce keeps the average cost (up to the documented 1e-27 basis rounding)
    pos.apply(fill(P, "SELL", "3.3", "102"))
    assert pos.avg_px_open_exact == ref
    cost_left = Fraction(pos.cost_basis)
    assert abs(cost_left - ref * Fraction("7.534")) <= Fraction(1, 10**27)


def test_avg_close_and_realized_are_exact_fractions() -> None:
    pos = new()
    pos.apply(fill(P, "BUY", "3", "100"))
    pos.apply(fill(P, "BUY", "3", "101"))  # avg 100.5
    pos.apply(fill(P, "SELL", "1", "100.3"))
    pos.apply(fill(P, "SELL", "2", "100.9"))
    assert pos.avg_px_close_exact == Fraction("100.7")  # (100.3 + 201.8) / 3
    assert pos.realized_pnl_exact == D("0.6")  # 3 x (100.7 - 100.5)


def test_linear_multiplier() -> None:
    es = PerpetualSwap.simple(
        "ESUSD-PERP.CME", base="BTC", quote="USD", multiplier="50", price_increment="0.25",
        size_increment="1",
    )
    pos = Position(es, "P-ES", "S-1")
    pos.apply(fill("ESUSD-PERP.CME", "BUY", "2", "5000.25", commission="0 USD"))
    pos.apply(fill("ESUSD-PERP.CME", "SELL", "1", "5010.75", commission="0 USD"))
    # 1 contract x 50 x (5010.75 - 5000.25) = 525 USD
    assert pos.realized_pnl == Money("525", "USD")
    assert pos.unrealized_pnl(Price("4990.25")) == Money("-500", "USD")  # 50 x -10
    assert pos.notional_value(Price("5000")) == Money("250000", "USD")


def test_inverse_swap_pnl_in_base_currency() -> None:
    """1 contract = 1 USD. Long 1000 @ 50,000, sell @ 40,000:
    1000 x (1/50000 - 1/40000) = 0.02 - 0.025 = -0.005 BTC."""
    pos = Position(XBTUSD, "P-X", "S-1")
    pos.apply(fill("BTCUSD-PERP.BITMEX", "BUY", "1000", "50000", commission="0 BTC"))
    assert pos.currency == BTC
    assert pos.unrealized_pnl(Price("40000")) == Money("-0.005", BTC)
    pos.apply(fill("BTCUSD-PERP.BITMEX", "SELL", "1000", "40000", commission="0.00000500 BTC"))
    assert pos.realized_pnl == Money("-0.005005", BTC)  # PnL minus the BTC fee
    assert pos.realized_pnl_exact == D("-0.005005")


def test_inverse_averages_are_harmonic() -> None:
    """Long 10,000 @ 40,000 (0.25 BTC) and 10,000 @ 50,000 (0.2 BTC): cost 0.45 BTC for
    20,000 contracts, so avg_px_open = 20000 / 0.45 = 44,444.44...; selling all at 50,000
    (0.4 BTC) realizes 0.45 - 0.4 = 0.05 BTC = 10000 x (1/40000 - 1/50000)."""
    iid = "BTCUSD-PERP.BITMEX"
    pos = Position(XBTUSD, "P-X", "S-1")
    pos.apply(fill(iid, "BUY", "10000", "40000", commission="0 BTC"))
    pos.apply(fill(iid, "BUY", "10000", "50000", commission="0 BTC"))
    assert pos.avg_px_open_exact == Fraction(20000) / Fraction("0.45")
    assert pos.cost_basis == D("0.45")
    # unrealized at 60,000: 0.45 - 20000/60000 = 0.1166666666... -> half-even at 1e-9
    assert pos.unrealized_pnl(Price("60000")) == Money("0.116666667", BTC)
    pos.apply(fill(iid, "SELL", "20000", "50000", commission="0 BTC"))
    assert pos.realized_pnl == Money("0.05", BTC)
    assert pos.avg_px_close == 50000


def test_inverse_short() -> None:
    iid = "BTCUSD-PERP.BITMEX"
    pos = Position(XBTUSD, "P-X", "S-1")
    pos.apply(fill(iid, "SELL", "1000", "40000", commission="0 BTC"))
    pos.apply(fill(iid, "BUY", "1000", "50000", commission="0 BTC"))
    # short: 1000 x (1/50000 - 1/40000) = -0.005 BTC
    assert pos.realized_pnl == Money("-0.005", BTC)


def test_fee_in_quote_and_other_currency() -> None:
    pos = Position(BTCUSDT, "P-S", "S-1")
    pos.apply(fill("BTCUSDT.BINANCE", "BUY", "0.5", "64000", commission="32 USDT"))
    pos.apply(fill("BTCUSDT.BINANCE", "SELL", "0.2", "65000", commission="0.01 BNB"))
    # realized: 0.2 x (65000 - 64000) = 200, minus the USDT fee only
    assert pos.realized_pnl == Money("168", USDT)
    assert pos.commissions == {USDT: Money("32", USDT), BNB: Money("0.01", BNB)}
    assert pos.signed_qty == D("0.3")


def test_fee_in_base_currency_reduces_spot_quantity() -> None:
    """Buy 0.5 BTC with a 0.1% fee taken in BTC: 0.4995 BTC held, still at 64,000 each."""
    pos = Position(BTCUSDT, "P-S", "S-1")
    (ev,) = pos.apply(fill("BTCUSDT.BINANCE", "BUY", "0.5", "64000", commission="0.0005 BTC"))
    assert pos.signed_qty == D("0.4995") and ev.signed_qty == D("0.4995")
    assert pos.avg_px_open == 64000
    assert pos.realized_pnl == Money("0", USDT)  # the BTC fee is not converted
    assert pos.commissions == {BTC: Money("0.0005", BTC)}
    # 0.4995 x (65000 - 64000)
    assert pos.unrealized_pnl(Price("65000")) == Money("499.5", USDT)
    pos.apply(fill("BTCUSDT.BINANCE", "SELL", "0.4995", "65000", commission="0 USDT"))
    assert pos.is_closed and pos.realized_pnl == Money("499.5", USDT)


def test_duplicate_trade_id_is_ignored() -> None:
    pos = new()
    f = fill(P, "BUY", "1", "100", commission="0.1 USDT")
    assert pos.apply(f)
    assert pos.apply(f) == ()
    assert pos.apply(fill(P, "SELL", "1", "150", trade_id=str(f.trade_id))) == ()
    assert pos.signed_qty == 1 and pos.realized_pnl == Money("-0.1", USDT)
    assert pos.has_trade(f.trade_id)


def test_reopen_keeps_snapshots_and_totals() -> None:
    pos = new()
    pos.apply(fill(P, "BUY", "1", "100"))
    pos.apply(fill(P, "SELL", "1", "105"))  # +5
    assert pos.is_closed and pos.snapshots == ()
    pos.apply(fill(P, "SELL", "2", "105"))  # reopen short
    assert len(pos.snapshots) == 1 and pos.id == "P-1"
    pos.apply(fill(P, "BUY", "2", "103"))  # +4
    pos.apply(fill(P, "BUY", "1", "90"))  # reopen long
    assert [s.realized_pnl for s in pos.snapshots] == [Money("5", USDT), Money("4", USDT)]
    assert pos.realized_pnl == Money("0", USDT)
    assert pos.total_realized_pnl == Money("9", USDT)
    assert pos.avg_px_close is None and pos.avg_px_open == 90


def test_invalid_fills_raise_and_change_nothing() -> None:
    pos = new()
    with pytest.raises(InvalidInput):
        pos.apply(fill("BTCUSDT.BINANCE", "BUY", "1", "100"))
    with pytest.raises(InvalidInput):
        pos.apply(fill(P, "NO_ORDER_SIDE", "1", "100"))
    with pytest.raises(InvalidInput):
        pos.apply(fill(P, "BUY", "0", "100"))
    assert pos.trade_count == 0 and not pos.is_open


@pytest.mark.parametrize("codec", ["msgpack", "json"])
def test_state_round_trip_is_exact(codec: str) -> None:
    pos = new()
    for f in (
        fill(P, "BUY", "1.001", "100.1", commission="0.1 USDT"),
        fill(P, "BUY", "2", "100.3", commission="0.05 BNB"),
        fill(P, "SELL", "1.7", "101.3"),  # partial reduce: basis rounded at 1e-27
        fill(P, "SELL", "5", "99.9", commission="0.01 USDT"),  # flip
    ):
        pos.apply(f)
    state = pos.to_state()
    data = encode_msgpack(state) if codec == "msgpack" else encode_json(state)
    back = decode_msgpack(data) if codec == "msgpack" else decode_json(data)
    assert isinstance(back, PositionState) and back == state
    restored = Position.from_state(back)
    assert restored.to_state() == state
    # the restored position keeps behaving identically
    nxt = fill(P, "BUY", "4.7", "100.7", commission="0.2 USDT")
    assert restored.apply(nxt) == pos.apply(nxt)
    assert restored.to_state() == pos.to_state()
    assert restored.total_realized_pnl == pos.total_realized_pnl
    assert restored.total_commissions == pos.total_commissions
    assert restored.apply(nxt) == ()  # trade ids survived


def test_unrealized_rejects_bad_price() -> None:
    pos = Position(XBTUSD, "P-X", "S-1")
    pos.apply(fill("BTCUSD-PERP.BITMEX", "BUY", "10", "100", commission="0 BTC"))
    with pytest.raises(InvalidInput):
        pos.unrealized_pnl(Price("0"))
    with pytest.raises(InvalidInput):
        pos.unrealized_pnl(Decimal("100"))  # type: ignore[arg-type]
