"""The trailing-stop ratchet: offsets in price, basis points and ticks, activation price,
limit ratchet, favourable direction only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from lyra.emulator import (
    Arm,
    TrailingState,
    TriggerBook,
    offset_raw,
    trailing_candidate,
)
from lyra.errors import InvalidInput
from lyra.model.enums import OrderSide, OrderType, TrailingOffsetType, TriggerType
from lyra.model.values import Price

BUY, SELL = OrderSide.BUY, OrderSide.SELL
PRICE, BPS, TICKS = (
    TrailingOffsetType.PRICE,
    TrailingOffsetType.BASIS_POINTS,
    TrailingOffsetType.TICKS,
)
TSM = OrderType.TRAILING_STOP_MARKET
TSL = OrderType.TRAILING_STOP_LIMIT
TICK = Price("0.01").raw


def r(text: str) -> int:
    return Price(text).raw


def p(raw: int | None) -> str | None:
    return None if raw is None else str(Price.from_raw(raw, 2))


def trailing_book(
    side: OrderSide,
    unit: TrailingOffsetType,
    offset: str,
    *,
    limit_offset: str | None = None,
    activation: str | None = None,
    trigger: str | None = None,
    tt: TriggerType = TriggerType.BID_ASK,
    reject: bool = True,
) -> TriggerBook:
    book = TriggerBook(reject_in_market=reject)
    t = TrailingState(
        side,
        unit,
        Decimal(offset),
        TICK,
        limit_offset=None if limit_offset is None else Decimal(limit_offset),
        activation=None if activation is None else r(activation),
        trigger=None if trigger is None else r(trigger),
    )
    otype = TSL if limit_offset is not None else TSM
    assert book.add("o", side=side, order_type=otype, trigger_type=tt, trailing=t) is Arm.WAIT
    return book


def trig(book: TriggerBook) -> str | None:
    e = book.entry("o")
    assert e is not None
    return p(e.trigger)


def test_sell_trailing_stop_by_price_moves_only_up() -> None:
    book = trailing_book(SELL, PRICE, "1.00")
    assert trig(book) is None  # no market yet: not activated
    assert not book.on_quote(r("100.00"), r("100.10"))
    assert trig(book) == "99.00"
    assert [e.key for e in book.moves] == ["o"]
    book.moves.clear()
    assert not book.on_quote(r("101.00"), r("101.10"))
    assert trig(book) == "100.00"
    book.moves.clear()
    assert not book.on_quote(r("100.50"), r("100.60"))  # a fall does not move it down
    assert trig(book) == "100.00"
    assert book.moves == []
    fired = book.on_quote(r("100.00"), r("100.10"))
    assert [e.key for e in fired] == ["o"]
    assert len(book) == 0


def test_buy_trailing_stop_by_ticks_moves_only_down() -> None:
    book = trailing_book(BUY, TICKS, "5")
    book.on_quote(r("99.90"), r("100.00"))
    assert trig(book) == "100.05"
    book.on_quote(r("99.80"), r("99.90"))
    assert trig(book) == "99.95"
    book.on_quote(r("99.85"), r("99.94"))  # up, but not to the trigger: stays
    assert trig(book) == "99.95"
    assert [e.key for e in book.on_quote(r("99.90"), r("99.95"))] == ["o"]


def test_basis_points_offset_is_rounded_down_to_a_tick() -> None:
    book = trailing_book(SELL, BPS, "50")
    book.on_quote(r("100.00"), r("100.01"))
    assert trig(book) == "99.50"  # 0.5 % of 100.00 = 0.50
    book.on_quote(r("103.33"), r("103.34"))
    # 0.5 % of 103.33 = 0.51665 -> 0.51: the trigger is 102.82, not 102.81
    assert trig(book) == "102.82"


def test_fractional_basis_points() -> None:
    assert offset_raw(BPS, Decimal("12.5"), r("100.00"), TICK) == r("0.12")
    assert offset_raw(BPS, Decimal("12.5"), r("200.00"), TICK) == r("0.25")


def test_price_offset_is_rounded_down_to_a_tick() -> None:
    assert offset_raw(PRICE, Decimal("0.015"), 0, TICK) == r("0.01")
    assert offset_raw(PRICE, Decimal("0.005"), 0, TICK) == 0
    assert offset_raw(TICKS, Decimal(3), 0, TICK) == r("0.03")
    with pytest.raises(InvalidInput):
        offset_raw(TICKS, Decimal("1.5"), 0, TICK)
    with pytest.raises(InvalidInput):
        offset_raw(PRICE, Decimal("-1"), 0, TICK)


def test_activation_price_delays_trailing() -> None:
    book = trailing_book(SELL, PRICE, "1.00", activation="105.00")
    book.on_quote(r("100.00"), r("100.10"))
    assert trig(book) is None
    assert book.moves == []
    # far below any would-be trigger: nothing fires before activation
    assert not book.on_quote(r("90.00"), r("90.10"))
    book.on_quote(r("104.99"), r("105.05"))
    assert trig(book) is None
    book.on_quote(r("105.00"), r("105.10"))  # touched: bid >= 105
    assert trig(book) == "104.00"
    assert not book.on_quote(r("104.50"), r("104.60"))
    assert [e.key for e in book.on_quote(r("104.00"), r("104.10"))] == ["o"]


def test_buy_activation_is_touched_at_or_below() -> None:
    book = trailing_book(BUY, PRICE, "1.00", activation="95.00")
    book.on_quote(r("95.00"), r("95.01"))
    assert trig(book) is None
    book.on_quote(r("94.99"), r("95.00"))
    assert trig(book) == "96.00"


def test_activation_touched_on_arrival() -> None:
    book = TriggerBook(reject_in_market=True)
    book.on_quote(r("100.00"), r("100.10"))
    t = TrailingState(SELL, PRICE, Decimal("1.00"), TICK, activation=r("99.00"))
    arm = book.add("o", side=SELL, order_type=TSM, trigger_type=TriggerType.BID_ASK, trailing=t)
    assert arm is Arm.IN_MARKET and not t.activated
    book2 = TriggerBook(reject_in_market=False)
    book2.on_quote(r("100.00"), r("100.10"))
    t2 = TrailingState(SELL, PRICE, Decimal("1.00"), TICK, activation=r("99.00"))
    arm = book2.add("o", side=SELL, order_type=TSM, trigger_type=TriggerType.BID_ASK, trailing=t2)
    assert arm is Arm.WAIT and t2.activated and t2.trigger == r("99.00")


def test_trailing_stop_limit_ratchets_its_limit_too() -> None:
    book = trailing_book(SELL, PRICE, "1.00", limit_offset="1.50")
    book.on_quote(r("100.00"), r("100.10"))
    e = book.entry("o")
    assert e is not None
    assert (p(e.trigger), p(e.price)) == ("99.00", "98.50")
    book.on_quote(r("102.00"), r("102.10"))
    assert (p(e.trigger), p(e.price)) == ("101.00", "100.50")
    book.on_quote(r("101.50"), r("101.60"))
    assert (p(e.trigger), p(e.price)) == ("101.00", "100.50")


def test_a_given_trigger_is_the_starting_point() -> None:
    book = trailing_book(SELL, PRICE, "1.00", trigger="99.50")
    book.on_quote(r("100.00"), r("100.10"))  # 99.00 would be worse than 99.50: kept
    assert trig(book) == "99.50"
    book.on_quote(r("101.00"), r("101.10"))
    assert trig(book) == "100.00"


def test_mid_reference_rounds_away_from_the_market() -> None:
    buy = TrailingState(BUY, TICKS, Decimal(1), TICK)
    sell = TrailingState(SELL, TICKS, Decimal(1), TICK)
    mid_x2 = r("100.00") + r("100.01")  # mid 100.005
    buy.step(mid_x2)
    sell.step(mid_x2)
    assert (buy.trigger, sell.trigger) == (r("100.02"), r("99.99"))
    assert trailing_candidate(BUY, mid_x2, r("0.01"), TICK) == r("100.02")
    assert trailing_candidate(SELL, mid_x2, r("0.01"), TICK) == r("99.99")


def test_last_price_trailing_follows_trades_only() -> None:
    book = trailing_book(SELL, PRICE, "1.00", tt=TriggerType.LAST_PRICE)
    book.on_quote(r("200.00"), r("200.10"))
    assert trig(book) is None
    book.on_trade(r("100.00"))
    assert trig(book) == "99.00"
    assert [e.key for e in book.on_trade(r("99.00"))] == ["o"]


def test_last_or_bid_ask_trailing_follows_both_streams() -> None:
    book = trailing_book(SELL, PRICE, "1.00", tt=TriggerType.LAST_OR_BID_ASK)
    book.on_trade(r("100.00"))
    assert trig(book) == "99.00"
    # a SELL follows the lower of last and bid: a higher bid alone does not lift it
    book.on_quote(r("101.00"), r("101.10"))
    assert trig(book) == "99.00"
    book.on_trade(r("102.00"))  # now min(last 102, bid 101) = 101
    assert trig(book) == "100.00"
    # either stream reaching the trigger fires it
    assert [e.key for e in book.on_quote(r("100.00"), r("100.10"))] == ["o"]


def test_trailing_state_validation() -> None:
    with pytest.raises(InvalidInput):
        TrailingState(OrderSide.NO_ORDER_SIDE, PRICE, Decimal(1), TICK)
    with pytest.raises(InvalidInput):
        TrailingState(BUY, PRICE, Decimal(1), 0)
    with pytest.raises(InvalidInput):
        TrailingState(BUY, TrailingOffsetType.NO_TRAILING_OFFSET, Decimal(1), TICK)
    t = TrailingState(BUY, PRICE, Decimal(1), TICK)
    assert t.copy() is not t and repr(t).startswith("TrailingState(BUY")
    assert not t.fires(10**12)  # not activated: never fires


@settings(max_examples=200, deadline=None)
@given(
    side=st.sampled_from([BUY, SELL]),
    unit=st.sampled_from([PRICE, BPS, TICKS]),
    offset=st.integers(1, 300),
    limit=st.one_of(st.none(), st.integers(0, 300)),
    walk=st.lists(st.integers(-50, 50), min_size=1, max_size=60),
)
def test_trigger_and_limit_only_ever_move_in_the_orders_favour(
    side: OrderSide, unit: TrailingOffsetType, offset: int, limit: int | None, walk: list[int]
) -> None:
    scale = {PRICE: Decimal("0.01"), BPS: Decimal(1), TICKS: Decimal(1)}[unit]
    t = TrailingState(
        side,
        unit,
        offset * scale,
        TICK,
        limit_offset=None if limit is None else limit * scale,
    )
    price = 10_000  # ticks
    prev_trig = prev_px = None
    for step in walk:
        price = max(1, price + step)
        moved, fires = t.step(2 * price * TICK)
        assert t.trigger is not None
        if prev_trig is not None:
            if side is BUY:
                assert t.trigger <= prev_trig
            else:
                assert t.trigger >= prev_trig
        if t.price is not None and prev_px is not None:
            assert (t.price <= prev_px) if side is BUY else (t.price >= prev_px)
        assert moved == (t.trigger != prev_trig or t.price != prev_px)
        # fires exactly when the reference reaches the trigger
        assert fires == (price * TICK >= t.trigger if side is BUY else price * TICK <= t.trigger)
        assert t.trigger % TICK == 0
        prev_trig, prev_px = t.trigger, t.price
