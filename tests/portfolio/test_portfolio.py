"""The Portfolio: routing fills to positions and accounts, queries, events, restore."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.errors import InvalidInput
from lyra.model.codec import decode_msgpack, encode_msgpack
from lyra.model.data import QuoteTick
from lyra.model.enums import OmsType, PositionSide
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.portfolio import (
    AccountState,
    CashAccount,
    InsufficientBalance,
    MarginAccount,
    Portfolio,
    PortfolioState,
    PositionChanged,
    PositionClosed,
    PositionOpened,
)

from .helpers import AAPL, BTC, BTCUSDT, PERP, USD, USDT, XBTUSD, D, fill

SPOT = BTCUSDT.id
SWAP = PERP.id
INV = XBTUSD.id


def usdt(text: str) -> Money:
    return Money(text, USDT)


def test_spot_cash_portfolio_end_to_end() -> None:
    acct = CashAccount("BINANCE-SPOT", [usdt("100000")])
    pf = Portfolio(instruments=[BTCUSDT])
    pf.add_account(acct, venue="BINANCE")
    (ev,) = pf.apply_fill(fill(SPOT, "BUY", "0.5", "64000", commission="32 USDT"))
    assert isinstance(ev, PositionOpened) and ev.account_id == "BINANCE-SPOT"
    assert acct.balance_total(USDT) == usdt("67968")
    assert acct.balance_total(BTC) == Money("0.5", BTC)
    pf.update_mark(SPOT, Price("66000"))
    assert pf.unrealized_pnl(SPOT) == usdt("1000")  # 0.5 x (66,000 - 64,000)
    assert pf.net_exposure(SPOT) == usdt("33000")
    # spot assets are balances of their own currency: USDT equity is the USDT balance
    assert pf.equity("BINANCE-SPOT", USDT) == usdt("67968")
    pf.apply_fill(fill(SPOT, "SELL", "0.5", "66000", commission="33 USDT"))
    assert pf.realized_pnl(SPOT) == usdt("935")  # 1,000 - 32 - 33
    assert acct.balance_total(USDT) == usdt("100935")  # the same 935, in cash
    assert pf.is_flat(SPOT) and pf.positions(open_only=True) == []


def test_netting_flip_through_the_portfolio() -> None:
    """Long 1 @ 100 (fee 0.10), sell 3 @ 110 (fee 0.33): +10 - 0.10 - 0.11 closes the long,
    a short of 2 @ 110 opens with the remaining 0.22 fee."""
    pf = Portfolio(instruments=[PERP])
    pf.apply_fill(fill(SWAP, "BUY", "1", "100", commission="0.10 USDT"))
    closed, opened = pf.apply_fill(fill(SWAP, "SELL", "3", "110", commission="0.33 USDT"))
    assert isinstance(closed, PositionClosed) and isinstance(opened, PositionOpened)
    assert closed.realized_pnl == usdt("9.79") and opened.signed_qty == -2
    assert pf.net_position(SWAP) == -2
    pos = pf.position(f"{SWAP}-S-1")
    assert pos is not None and pos.avg_px_open == 110 and len(pos.snapshots) == 1
    assert pf.realized_pnl(SWAP) == usdt("9.57")  # both cycles: 9.79 - 0.22
    assert pf.commissions() == {USDT: usdt("0.43")}


def test_netting_one_position_per_strategy() -> None:
    pf = Portfolio(instruments=[PERP])
    pf.apply_fill(fill(SWAP, "BUY", "3", "100", strategy="A"))
    pf.apply_fill(fill(SWAP, "SELL", "1", "101", strategy="B"))
    assert pf.net_position(SWAP) == 2
    assert {p.id for p in pf.positions()} == {f"{SWAP}-A", f"{SWAP}-B"}
    assert [p.id for p in pf.positions(strategy_id="B")] == [f"{SWAP}-B"]
    pf.update_mark(SWAP, Price("102"))
    assert pf.unrealized_pnl(SWAP) == usdt("5")  # A: 3 x 2, B: 1 x -1


def test_hedging_long_and_short_at_once() -> None:
    pf = Portfolio(instruments=[PERP], oms_type=OmsType.HEDGING)
    pf.apply_fill(fill(SWAP, "BUY", "1", "100", position_id="L1"))
    (ev,) = pf.apply_fill(fill(SWAP, "SELL", "2", "105", position_id="S1"))
    assert isinstance(ev, PositionOpened)  # the sell opened a short; it did not reduce L1
    long, short = pf.position("L1"), pf.position("S1")
    assert long is not None and long.side is PositionSide.LONG and long.signed_qty == 1
    assert short is not None and short.side is PositionSide.SHORT and short.signed_qty == -2
    assert pf.net_position(SWAP) == -1  # long minus short
    # long valued at the bid, short at the ask: 1 x (102 - 100) + 2 x (105 - 102.5) = 7
    pf.update_quote(QuoteTick(SWAP, Price("102"), Price("102.5"), Quantity(1), Quantity(1), 0, 0))
    assert pf.unrealized_pnl(SWAP) == usdt("7")
    pf.update_mark(SWAP, Price("102"))
    assert pf.unrealized_pnl(SWAP) == usdt("8")  # 2 + 6
    (ev,) = pf.apply_fill(fill(SWAP, "SELL", "1", "103", position_id="L1"))
    assert isinstance(ev, PositionClosed) and ev.realized_pnl == usdt("3")
    with pytest.raises(InvalidInput):  # a closed hedging position never reopens
        pf.apply_fill(fill(SWAP, "BUY", "1", "100", position_id="L1"))
    # buying 3 against the short of 2 closes it (+2) and opens S1F long 1 @ 104
    closed, opened = pf.apply_fill(fill(SWAP, "BUY", "3", "104", position_id="S1"))
    assert isinstance(closed, PositionClosed) and closed.realized_pnl == usdt("2")
    assert opened.position_id == "S1F" and opened.signed_qty == 1
    assert pf.realized_pnl(SWAP) == usdt("5")
    assert pf.net_position(SWAP) == 1
    # a fill naming no position opens a new one with a generated id
    (ev,) = pf.apply_fill(fill(SWAP, "SELL", "1", "104"))
    assert ev.position_id == f"P-{SWAP}-S-1-1" and pf.net_position(SWAP) == 0
    assert len(pf.positions(open_only=True)) == 2


def test_hedging_per_venue() -> None:
    pf = Portfolio(instruments=[PERP, XBTUSD])
    pf.set_oms_type("BITMEX", OmsType.HEDGING)
    assert pf.oms_type("BITMEX") is OmsType.HEDGING and pf.oms_type() is OmsType.NETTING
    pf.apply_fill(fill(INV, "BUY", "10", "40000", commission="0 BTC"))
    pf.apply_fill(fill(INV, "SELL", "10", "40000", commission="0 BTC"))
    assert len(pf.positions(instrument_id=INV)) == 2  # two hedged positions, net flat
    assert pf.net_position(INV) == 0


def test_margin_account_through_the_portfolio() -> None:
    """PERP margins 10% / 5%, leverage 5, 10,000 USDT.

    Buy 2 @ 50,000 (fee 40): balance 9,960; maintenance 100,000 x 0.05 / 5 = 1,000.
    Mark 51,000: maintenance 1,020; unrealized +2,000; equity 11,960.
    Sell 2 @ 51,000 (fee 40.80): realized 2,000 into USDT: 9,960 + 2,000 - 40.80 = 11,919.20.
    """
    acct = MarginAccount("BINANCE-FUT", [usdt("10000")], leverages={SWAP: Decimal(5)})
    pf = Portfolio(instruments=[PERP])
    pf.add_account(acct, venue="BINANCE")
    pf.apply_fill(fill(SWAP, "BUY", "2", "50000", commission="40 USDT"))
    assert acct.balance_total(USDT) == usdt("9960")
    assert acct.margin_maint(SWAP) == usdt("1000")
    assert acct.free_balance(USDT) == usdt("8960")
    assert acct.balance_total(BTC) is None
    pf.update_mark(SWAP, Price("51000"))
    assert acct.margin_maint(SWAP) == usdt("1020")
    assert pf.unrealized_pnl(SWAP) == usdt("2000")
    assert pf.equity("BINANCE-FUT", USDT) == usdt("11960")
    pf.apply_fill(fill(SWAP, "SELL", "2", "51000", commission="40.80 USDT"))
    assert acct.balance_total(USDT) == usdt("11919.20")
    assert acct.margin_maint(SWAP) is None and acct.free_balance(USDT) == usdt("11919.20")
    assert pf.realized_pnl(SWAP) == usdt("1919.20")  # 2,000 - 40 - 40.80
    assert pf.realized_pnl() == {USDT: usdt("1919.20")}


def test_inverse_swap_through_the_portfolio() -> None:
    """Long 1,000 contracts @ 50,000, sold @ 40,000: 1000 x (1/50000 - 1/40000) = -0.005 BTC,
    credited to the BTC balance of the margin account."""
    acct = MarginAccount("BITMEX-1", [Money("1", BTC)])
    pf = Portfolio(instruments=[XBTUSD])
    pf.add_account(acct, venue="BITMEX")
    pf.apply_fill(fill(INV, "BUY", "1000", "50000", commission="0 BTC"))
    pf.update_mark(INV, Price("40000"))
    assert pf.net_exposure(INV) == Money("0.025", BTC)  # 1000 / 40,000
    assert pf.unrealized_pnl(INV) == Money("-0.005", BTC)
    pf.apply_fill(fill(INV, "SELL", "1000", "40000", commission="0 BTC"))
    assert pf.realized_pnl(INV) == Money("-0.005", BTC)
    assert acct.balance_total(BTC) == Money("0.995", BTC)


def test_duplicate_trade_ids_are_ignored() -> None:
    acct = CashAccount("C", [usdt("100000")])
    pf = Portfolio(instruments=[BTCUSDT], oms_type=OmsType.HEDGING)
    pf.add_account(acct, venue="BINANCE")
    f = fill(SPOT, "BUY", "0.5", "64000", commission="32 USDT")
    assert pf.apply_fill(f)
    # a replay, and a different event reusing the trade id: both ignored
    assert pf.apply_fill(f) == ()
    assert pf.apply_fill(fill(SPOT, "BUY", "9", "1", trade_id=str(f.trade_id))) == ()
    assert acct.balance_total(USDT) == usdt("67968")
    assert len(pf.positions()) == 1 and pf.net_position(SPOT) == D("0.5")
    # the same trade id on another instrument is another trade
    pf.apply_fill(fill(SWAP, "BUY", "1", "100", trade_id=str(f.trade_id)), PERP)
    assert pf.net_position(SWAP) == 1


def test_refused_fill_leaves_everything_unchanged() -> None:
    """A swap held in a strict cash account: a loss larger than the balance is refused."""
    acct = CashAccount("C", [usdt("100")])
    pf = Portfolio(instruments=[PERP])
    pf.add_account(acct, venue="BINANCE")
    pf.apply_fill(fill(SWAP, "BUY", "1", "50000", commission="10 USDT"))
    before = pf.to_state()
    loss = fill(SWAP, "SELL", "3", "49800")  # -200 realized and a flip: would leave -110
    with pytest.raises(InsufficientBalance):
        pf.apply_fill(loss)
    assert pf.to_state() == before
    pos = pf.position(f"{SWAP}-S-1")
    assert pos is not None and pos.snapshots == () and pos.signed_qty == 1
    acct.deposit(usdt("1000"))
    closed, _ = pf.apply_fill(loss)  # not marked as seen by the refused attempt
    assert closed.realized_pnl == usdt("-210")
    assert acct.balance_total(USDT) == usdt("890")  # 1,100 - 10 - 200


def test_cash_account_cannot_short_shares() -> None:
    acct = CashAccount("BROKER", [Money("10000", USD)])
    pf = Portfolio(instruments=[AAPL])
    pf.add_account(acct, venue="XNAS")
    pf.apply_fill(fill("AAPL.XNAS", "BUY", "10", "100", commission="0 USD"))
    with pytest.raises(InsufficientBalance):
        pf.apply_fill(fill("AAPL.XNAS", "SELL", "15", "100", commission="0 USD"))
    pf.apply_fill(fill("AAPL.XNAS", "SELL", "4", "110", commission="1 USD"))
    assert acct.balance_total(USD) == Money("9439", USD)  # 10,000 - 1,000 + 440 - 1
    pf.update_mark(InstrumentId("AAPL.XNAS"), Price("120"))
    assert pf.equity("BROKER", USD) == Money("10159", USD)  # 9,439 + 6 x 120


def test_fill_routing_by_account_id() -> None:
    a = CashAccount("A", [usdt("100000")])
    b = CashAccount("B", [usdt("100000")])
    pf = Portfolio(instruments=[BTCUSDT], accounts=[a, b])
    pf.apply_fill(fill(SPOT, "BUY", "1", "100", account_id="B"))
    assert a.balance_total(USDT) == usdt("100000") and b.balance_total(USDT) == usdt("99900")
    assert pf.account("B") is b and pf.accounts() == (a, b)
    # no account named and none for the venue: positions only
    pf.apply_fill(fill(SPOT, "BUY", "1", "100"))
    assert pf.net_position(SPOT) == 2


def test_events_are_published_on_the_bus() -> None:
    bus = EventBus()
    seen: list[tuple[str, Any]] = []
    bus.subscribe("events.position.*", lambda m: seen.append(("position", m)))
    bus.subscribe("events.account.*", lambda m: seen.append(("account", m)))
    acct = MarginAccount("M", [usdt("1000")])
    pf = Portfolio(instruments=[PERP], bus=bus)
    pf.add_account(acct, venue="BINANCE")
    events = pf.apply_fill(fill(SWAP, "BUY", "1", "100", strategy="EMA-1"))
    events += pf.apply_fill(fill(SWAP, "SELL", "0.5", "101", strategy="EMA-1"))
    assert [m for k, m in seen if k == "position"] == list(events)
    assert isinstance(events[1], PositionChanged)
    assert events[1].unrealized_pnl == usdt("0.5")  # 0.5 x (101 - 100) at the fill price
    states = [m for k, m in seen if k == "account"]
    assert len(states) == 2 and isinstance(states[-1], AccountState)
    assert states[-1].balances[0].total == usdt("1000.5")
    assert topics.position_events("EMA-1") == "events.position.EMA-1"


def test_on_event_is_a_bus_handler() -> None:
    bus = EventBus()
    pf = Portfolio(instruments=[PERP])
    bus.subscribe("events.order.*", pf.on_event)
    bus.subscribe("data.quotes.*", pf.on_event)
    bus.publish(topics.order_events("S-1"), fill(SWAP, "BUY", "2", "100"))
    quote = QuoteTick(SWAP, Price("99"), Price("99.5"), Quantity(1), Quantity(1), 0, 0)
    bus.publish(topics.quotes(SWAP), quote)
    assert pf.net_position(SWAP) == 2 and pf.unrealized_pnl(SWAP) == usdt("-2")
    pf.on_event("something else")  # ignored


def test_unknown_instrument_and_missing_marks() -> None:
    pf = Portfolio()
    with pytest.raises(InvalidInput):
        pf.apply_fill(fill(SWAP, "BUY", "1", "100"))
    with pytest.raises(InvalidInput):
        pf.apply_fill(fill(SWAP, "BUY", "1", "100"), BTCUSDT)  # not the fill's instrument
    pf.apply_fill(fill(SWAP, "BUY", "1", "100"), PERP)  # registers it
    assert pf.instrument(SWAP) is PERP
    assert pf.unrealized_pnl(SWAP) is None and pf.unpriced() == [SWAP]
    assert pf.unrealized_pnl() == {} and pf.net_exposure(SWAP) is None
    assert pf.realized_pnl(InstrumentId("NOPE.X")) is None
    assert pf.net_position(InstrumentId("NOPE.X")) == 0


def test_state_round_trip_and_identical_behaviour_after_restore() -> None:
    spot = CashAccount("SPOT", [usdt("100000")])
    fut = MarginAccount("FUT", [usdt("50000"), Money("2", BTC)], default_leverage=3)
    pf = Portfolio(instruments=[BTCUSDT, PERP, XBTUSD])
    pf.add_account(spot, venue="BINANCE")
    pf.add_account(fut)
    pf.set_oms_type("BITMEX", OmsType.HEDGING)
    pf.add_account(fut, venue="BITMEX")
    fills = [
        fill(SPOT, "BUY", "0.3", "64000.5", commission="0.0003 BTC"),
        fill(SWAP, "BUY", "1.5", "50000", commission="30 USDT", account_id="FUT"),
        fill(SWAP, "SELL", "4", "50500", commission="80.8 USDT", account_id="FUT"),  # flip
        fill(SWAP, "BUY", "2.5", "50100", account_id="FUT"),  # close
        fill(SWAP, "SELL", "1", "50200", account_id="FUT"),  # reopen (snapshot)
        fill(INV, "BUY", "1000", "40000", commission="0 BTC"),
        fill(INV, "SELL", "300", "41000", commission="0 BTC"),
    ]
    for f in fills:
        pf.apply_fill(f)
    pf.update_mark(SWAP, Price("50300"))
    pf.update_quote(
        QuoteTick(INV, Price("41000"), Price("41000.5"), Quantity(1), Quantity(1), 0, 0)
    )
    state = pf.to_state()
    back = decode_msgpack(encode_msgpack(state))
    assert isinstance(back, PortfolioState) and back == state
    restored = Portfolio.from_state(back, [BTCUSDT, PERP, XBTUSD])
    assert restored.to_state() == state
    for query in ("realized_pnl", "unrealized_pnl", "net_exposure"):
        assert getattr(restored, query)() == getattr(pf, query)()
    assert restored.equity("FUT", USDT) == pf.equity("FUT", USDT)
    # replays are still recognised, and new fills give the same events on both
    assert all(restored.apply_fill(f) == () for f in fills)
    nxt = [
        fill(SWAP, "BUY", "3", "50000", account_id="FUT"),
        fill(INV, "SELL", "900", "39000", commission="0 BTC"),
        fill(SPOT, "SELL", "0.2997", "65000", commission="19.48 USDT"),
    ]
    for f in nxt:
        assert restored.apply_fill(f) == pf.apply_fill(f)
    assert restored.to_state() == pf.to_state()


def test_position_events_decode_without_a_type() -> None:
    pf = Portfolio(instruments=[PERP])
    events = pf.apply_fill(fill(SWAP, "BUY", "1", "100", commission="0.1 USDT"))
    events += pf.apply_fill(fill(SWAP, "BUY", "1", "102"))
    events += pf.apply_fill(fill(SWAP, "SELL", "3", "101"))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["PositionOpened", "PositionChanged", "PositionClosed", "PositionOpened"]
    for event in events:
        assert decode_msgpack(encode_msgpack(event)) == event
    closed = events[2]
    assert isinstance(closed, PositionClosed) and closed.avg_px_close == 101
    assert closed.realized_pnl == usdt("-0.1")  # 1 - 1 - 0.1 fee


def test_replay_fill_books_like_apply_fill_but_publishes_no_position_events() -> None:
    fills = [
        fill(SWAP, "BUY", "1", "100", strategy="EMA-1"),
        fill(SWAP, "SELL", "1.5", "101", strategy="EMA-1"),
    ]
    live_bus, replay_bus = EventBus(), EventBus()
    seen: list[Any] = []
    replay_bus.subscribe("events.position.*", seen.append)
    books = []
    for bus, replay in ((live_bus, False), (replay_bus, True)):
        pf = Portfolio(instruments=[PERP], bus=bus)
        pf.add_account(MarginAccount("M", [usdt("1000")]), venue="BINANCE")
        for f in fills:
            if replay:
                pf.replay_fill(f)
            else:
                pf.apply_fill(f)
        books.append(pf)
    live, replayed = books
    assert seen == []
    assert replayed.net_position(PERP.id) == live.net_position(PERP.id) == D("-0.5")
    assert replayed.realized_pnl(PERP.id) == live.realized_pnl(PERP.id)
    assert replayed.instrument_ids == (PERP.id,)
