"""Trigger evaluation: every trigger type, both directions, arrival, ordering, bookkeeping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.emulator import (
    Arm,
    Direction,
    MarketState,
    TrailingState,
    TriggerBook,
    is_triggered,
    reference_x2,
    trigger_direction,
)
from lyra.errors import InvalidInput
from lyra.model.enums import OrderSide, OrderType, TrailingOffsetType, TriggerType
from lyra.model.values import Price

BUY, SELL = OrderSide.BUY, OrderSide.SELL
T = TriggerType
SM = OrderType.STOP_MARKET
SL = OrderType.STOP_LIMIT
MIT = OrderType.MARKET_IF_TOUCHED
LIT = OrderType.LIMIT_IF_TOUCHED
TICK = Price("0.01").raw


def r(text: str) -> int:
    return Price(text).raw


def keys(fired: object) -> list[object]:
    return [e.key for e in fired]  # type: ignore[attr-defined]


def book_with(**orders: tuple[OrderSide, OrderType, TriggerType, str]) -> TriggerBook:
    book = TriggerBook()
    for seq, (key, (side, otype, tt, trig)) in enumerate(orders.items(), 1):
        assert (
            book.add(key, side=side, order_type=otype, trigger_type=tt, trigger=r(trig), seq=seq)
            is Arm.WAIT
        )
    return book


# -- direction ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("side", "otype", "expected"),
    [
        (BUY, SM, Direction.RISE),
        (SELL, SM, Direction.FALL),
        (BUY, SL, Direction.RISE),
        (BUY, OrderType.TRAILING_STOP_MARKET, Direction.RISE),
        (SELL, OrderType.TRAILING_STOP_LIMIT, Direction.FALL),
        (BUY, MIT, Direction.FALL),
        (SELL, MIT, Direction.RISE),
        (BUY, LIT, Direction.FALL),
        (BUY, OrderType.LIMIT, Direction.FALL),
        (SELL, OrderType.LIMIT, Direction.RISE),
    ],
)
def test_direction(side: OrderSide, otype: OrderType, expected: Direction) -> None:
    assert trigger_direction(side, otype) is expected


def test_market_orders_have_no_direction() -> None:
    with pytest.raises(InvalidInput):
        trigger_direction(BUY, OrderType.MARKET)


# -- bid/ask -----------------------------------------------------------------------------------
@pytest.mark.parametrize("tt", [T.BID_ASK, T.DEFAULT])
def test_buy_stop_watches_the_ask_and_sell_stop_the_bid(tt: TriggerType) -> None:
    book = book_with(buy=(BUY, SM, tt, "101.00"), sell=(SELL, SM, tt, "99.00"))
    # a (crossed) bid at the buy stop does not fire it, nor an ask at the sell stop
    assert keys(book.on_quote(r("101.00"), r("100.99"))) == []
    assert keys(book.on_quote(r("99.01"), r("99.00"))) == []
    # the ask reaching the buy stop does (the bid still below it)
    assert keys(book.on_quote(r("100.50"), r("101.00"))) == ["buy"]
    # the bid reaching the sell stop does (the ask still above it)
    assert keys(book.on_quote(r("99.00"), r("99.50"))) == ["sell"]
    assert len(book) == 0


def test_stop_fires_at_equality_not_before() -> None:
    book = book_with(b=(BUY, SM, T.BID_ASK, "101.00"))
    assert keys(book.on_quote(r("100.98"), r("100.99"))) == []
    assert keys(book.on_quote(r("100.99"), r("101.00"))) == ["b"]


def test_if_touched_fires_on_a_move_in_its_favour() -> None:
    book = book_with(
        buy_mit=(BUY, MIT, T.BID_ASK, "99.00"),
        sell_lit=(SELL, LIT, T.BID_ASK, "101.00"),
    )
    assert keys(book.on_quote(r("100.00"), r("100.50"))) == []
    assert keys(book.on_quote(r("98.90"), r("99.00"))) == ["buy_mit"]  # ask <= 99
    assert keys(book.on_quote(r("101.00"), r("101.20"))) == ["sell_lit"]  # bid >= 101


# -- last --------------------------------------------------------------------------------------
def test_last_price_ignores_quotes() -> None:
    book = book_with(b=(BUY, SM, T.LAST_PRICE, "101.00"), s=(SELL, SM, T.LAST_PRICE, "99.00"))
    assert keys(book.on_quote(r("102.00"), r("102.10"))) == []
    assert keys(book.on_trade(r("100.99"))) == []
    assert keys(book.on_trade(r("101.00"))) == ["b"]
    assert keys(book.on_quote(r("98.00"), r("98.10"))) == []
    assert keys(book.on_trade(r("98.99"))) == ["s"]


# -- mid ---------------------------------------------------------------------------------------
def test_mid_point_is_exact_on_a_half_tick() -> None:
    book = book_with(b=(BUY, SM, T.MID_POINT, "100.01"), s=(SELL, SM, T.MID_POINT, "99.99"))
    # mid 100.005: not yet at 100.01
    assert keys(book.on_quote(r("100.00"), r("100.01"))) == []
    # mid 100.01 exactly
    assert keys(book.on_quote(r("100.00"), r("100.02"))) == ["b"]
    # mid 99.995 is below 99.99? no: 99.995 > 99.99
    assert keys(book.on_quote(r("99.99"), r("100.00"))) == []
    # mid 99.985 <= 99.99
    assert keys(book.on_quote(r("99.98"), r("99.99"))) == ["s"]


def test_is_triggered_mid_on_half_tick() -> None:
    st = MarketState(bid=r("100.00"), ask=r("100.01"))
    assert reference_x2(st, T.MID_POINT, BUY, Direction.RISE) == r("200.01")
    assert not is_triggered(st, BUY, SM, T.MID_POINT, r("100.01"))
    assert is_triggered(st, SELL, SM, T.MID_POINT, r("100.01"))


# -- mark and index ----------------------------------------------------------------------------
@pytest.mark.parametrize(("tt", "feed"), [(T.MARK_PRICE, "on_mark"), (T.INDEX_PRICE, "on_index")])
def test_mark_and_index_never_fire_before_they_are_supplied(tt: TriggerType, feed: str) -> None:
    book = book_with(s=(SELL, SM, tt, "99.00"))
    assert keys(book.on_quote(r("50.00"), r("50.10"))) == []
    assert keys(book.on_trade(r("50.00"))) == []
    assert len(book) == 1
    assert keys(getattr(book, feed)(r("99.01"))) == []
    assert keys(getattr(book, feed)(r("99.00"))) == ["s"]


def test_mark_is_not_index() -> None:
    book = book_with(m=(BUY, SM, T.MARK_PRICE, "101.00"), i=(BUY, SM, T.INDEX_PRICE, "101.00"))
    assert keys(book.on_index(r("105.00"))) == ["i"]
    assert keys(book.on_mark(r("105.00"))) == ["m"]


# -- double bid/ask ----------------------------------------------------------------------------
def test_double_bid_ask_needs_both_sides_through_the_trigger() -> None:
    book = book_with(
        b=(BUY, SM, T.DOUBLE_BID_ASK, "101.00"), s=(SELL, SM, T.DOUBLE_BID_ASK, "99.00")
    )
    # ask through 101 but bid not: a plain BID_ASK buy stop would fire, this one waits
    assert keys(book.on_quote(r("100.90"), r("101.10"))) == []
    assert keys(book.on_quote(r("101.00"), r("101.10"))) == ["b"]
    # bid below 99 but ask not
    assert keys(book.on_quote(r("98.90"), r("99.10"))) == []
    assert keys(book.on_quote(r("98.80"), r("99.00"))) == ["s"]


def test_double_bid_ask_with_a_crossed_quote_takes_min_and_max() -> None:
    st = MarketState(bid=r("101.20"), ask=r("101.00"))
    assert reference_x2(st, T.DOUBLE_BID_ASK, BUY, Direction.RISE) == 2 * r("101.00")
    assert reference_x2(st, T.DOUBLE_BID_ASK, SELL, Direction.FALL) == 2 * r("101.20")


# -- double last -------------------------------------------------------------------------------
def test_double_last_needs_two_trades_through_the_trigger() -> None:
    book = book_with(b=(BUY, SM, T.DOUBLE_LAST, "101.00"), s=(SELL, SM, T.DOUBLE_LAST, "99.00"))
    assert keys(book.on_trade(r("101.50"))) == []  # only one trade known
    assert keys(book.on_trade(r("100.50"))) == []  # a second, but below
    assert keys(book.on_trade(r("101.00"))) == []  # 100.50 then 101.00: not both
    assert keys(book.on_trade(r("101.20"))) == ["b"]  # 101.00 then 101.20
    assert keys(book.on_trade(r("98.00"))) == []
    assert keys(book.on_trade(r("99.00"))) == ["s"]  # 98.00 then 99.00: both <= 99


def test_double_last_needs_a_previous_trade() -> None:
    st = MarketState(last=r("101.00"))
    assert reference_x2(st, T.DOUBLE_LAST, BUY, Direction.RISE) is None
    assert not is_triggered(st, BUY, SM, T.DOUBLE_LAST, r("100.00"))


# -- last or bid/ask ---------------------------------------------------------------------------
def test_last_or_bid_ask_fires_on_whichever_comes_first() -> None:
    book = book_with(
        by_trade=(BUY, SM, T.LAST_OR_BID_ASK, "101.00"),
        by_quote=(BUY, SM, T.LAST_OR_BID_ASK, "102.00"),
        sell=(SELL, SM, T.LAST_OR_BID_ASK, "99.00"),
    )
    assert keys(book.on_trade(r("101.00"))) == ["by_trade"]
    assert keys(book.on_quote(r("101.90"), r("102.00"))) == ["by_quote"]  # the ask
    # a sell watches the bid, not the ask
    assert keys(book.on_quote(r("99.00"), r("99.05"))) == ["sell"]
    assert len(book) == 0
    assert book.needs_quotes == 0 and book.needs_trades == 0


def test_last_or_bid_ask_entry_leaves_both_ladders_when_it_fires() -> None:
    book = book_with(b=(BUY, SM, T.LAST_OR_BID_ASK, "101.00"))
    assert keys(book.on_trade(r("101.00"))) == ["b"]
    # gone from the ask ladder too: a later quote does not fire it again
    assert keys(book.on_quote(r("105.00"), r("105.10"))) == []


def test_last_or_bid_ask_reference_with_one_side_known() -> None:
    st = MarketState(ask=r("100.00"))
    assert reference_x2(st, T.LAST_OR_BID_ASK, BUY, Direction.RISE) == 2 * r("100.00")
    st = MarketState(last=r("100.00"), ask=r("101.00"))
    assert reference_x2(st, T.LAST_OR_BID_ASK, BUY, Direction.RISE) == 2 * r("101.00")
    assert reference_x2(st, T.LAST_OR_BID_ASK, BUY, Direction.FALL) == 2 * r("100.00")


# -- arrival, ordering, bookkeeping ------------------------------------------------------------
def test_arrival_in_market_is_reported_and_the_entry_kept() -> None:
    book = TriggerBook()
    book.on_quote(r("100.00"), r("100.10"))
    arm = book.add("s", side=SELL, order_type=SM, trigger_type=T.BID_ASK, trigger=r("100.00"))
    assert arm is Arm.IN_MARKET
    assert "s" in book
    assert book.remove("s") is not None and len(book) == 0
    arm = book.add("s", side=SELL, order_type=SM, trigger_type=T.BID_ASK, trigger=r("99.99"))
    assert arm is Arm.WAIT


def test_no_market_means_wait() -> None:
    book = TriggerBook()
    assert book.add("b", side=BUY, order_type=SM, trigger_type=T.BID_ASK, trigger=1) is Arm.WAIT


def test_simultaneous_fires_come_in_arrival_order() -> None:
    book = TriggerBook()
    # arrival order differs from price order and from ladder order
    book.add("c", side=BUY, order_type=SM, trigger_type=T.BID_ASK, trigger=r("101.00"), seq=1)
    book.add("a", side=BUY, order_type=SM, trigger_type=T.BID_ASK, trigger=r("100.50"), seq=2)
    book.add("m", side=BUY, order_type=SM, trigger_type=T.MID_POINT, trigger=r("100.00"), seq=3)
    book.add("b", side=SELL, order_type=MIT, trigger_type=T.BID_ASK, trigger=r("100.00"), seq=4)
    book.add("x", side=BUY, order_type=SM, trigger_type=T.BID_ASK, trigger=r("101.00"), seq=0)
    assert keys(book.on_quote(r("101.00"), r("101.10"))) == ["x", "c", "a", "m", "b"]


def test_a_quote_only_walks_the_orders_it_fires() -> None:
    book = TriggerBook()
    for i in range(100):
        book.add(
            i,
            side=BUY,
            order_type=SM,
            trigger_type=T.BID_ASK,
            trigger=r("101.00") + i * TICK,
            seq=i,
        )
    fired = book.on_quote(r("101.00"), r("101.04"))
    assert keys(fired) == [0, 1, 2, 3, 4]
    assert len(book) == 95


def test_remove_and_update() -> None:
    book = book_with(a=(BUY, SM, T.BID_ASK, "101.00"), b=(BUY, SM, T.BID_ASK, "101.00"))
    assert book.remove("a") is not None
    assert book.remove("a") is None
    assert book.update("b", trigger=r("102.00")) is Arm.WAIT
    assert keys(book.on_quote(r("101.00"), r("101.50"))) == []
    assert keys(book.on_quote(r("101.00"), r("102.00"))) == ["b"]


def test_update_into_the_market_is_reported() -> None:
    book = book_with(s=(SELL, SM, T.BID_ASK, "90.00"))
    book.on_quote(r("100.00"), r("100.10"))
    assert book.update("s", trigger=r("100.00")) is Arm.IN_MARKET


def test_feed_counts_follow_the_orders() -> None:
    book = TriggerBook()
    book.add("q", side=BUY, order_type=SM, trigger_type=T.BID_ASK, trigger=1)
    book.add("t", side=BUY, order_type=SM, trigger_type=T.LAST_PRICE, trigger=1)
    book.add("e", side=BUY, order_type=SM, trigger_type=T.LAST_OR_BID_ASK, trigger=1)
    book.add("m", side=BUY, order_type=SM, trigger_type=T.MARK_PRICE, trigger=1)
    book.add("i", side=BUY, order_type=SM, trigger_type=T.INDEX_PRICE, trigger=1)
    assert (book.needs_quotes, book.needs_trades, book.needs_marks, book.needs_indexes) == (
        2,
        2,
        1,
        1,
    )
    for k in "qtemi":
        book.remove(k)
    assert (book.needs_quotes, book.needs_trades, book.needs_marks, book.needs_indexes) == (
        0,
        0,
        0,
        0,
    )


def test_duplicate_key_and_missing_fields_are_refused() -> None:
    book = book_with(a=(BUY, SM, T.BID_ASK, "101.00"))
    with pytest.raises(InvalidInput):
        book.add("a", side=BUY, order_type=SM, trigger_type=T.BID_ASK, trigger=1)
    with pytest.raises(InvalidInput):
        book.add("b", side=BUY, order_type=SM, trigger_type=T.BID_ASK)
    with pytest.raises(InvalidInput):
        book.add("c", side=BUY, order_type=OrderType.TRAILING_STOP_MARKET, trigger_type=T.BID_ASK)
    with pytest.raises(InvalidInput):
        book.add("d", side=BUY, order_type=SM, trigger_type=T.NO_TRIGGER, trigger=1)
    trailing = TrailingState(SELL, TrailingOffsetType.TICKS, Decimal(5), TICK)
    with pytest.raises(InvalidInput):  # wrong side
        book.add(
            "e",
            side=BUY,
            order_type=OrderType.TRAILING_STOP_MARKET,
            trigger_type=T.BID_ASK,
            trailing=trailing,
        )


def test_market_state_updates() -> None:
    st = MarketState()
    st.update_trade(5)
    st.update_trade(6)
    assert (st.prev_last, st.last) == (5, 6)
    st.update_quote(1, 2)
    st.update_mark(3)
    st.update_index(4)
    assert (st.bid, st.ask, st.mark, st.index) == (1, 2, 3, 4)
    st.clear_quotes()
    st.clear_trades()
    assert (st.bid, st.ask, st.last, st.prev_last) == (None, None, None, None)
