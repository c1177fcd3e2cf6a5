"""Level2 sync: snapshot then updates, sequence_num continuity across the whole connection,
gaps answered with RESYNC_NEEDED and never passed over, Lyra BookDeltas on demand."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from lyra.adapters.coinbase.book import Level2Sync, SequenceTracker, SyncStatus
from lyra.adapters.coinbase.messages import L2DataMessage, decode_ws
from lyra.book import BUY, SELL
from lyra.errors import InvalidInput
from lyra.model.data import BookDeltas
from lyra.model.enums import BookAction, OrderSide, RecordFlag
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Price, Quantity

from . import samples as s


def l2(
    sequence: int, kind: str, levels: list[dict[str, str]], product: str = "BTC-USD"
) -> L2DataMessage:
    msg = decode_ws(s.l2(sequence, kind, levels, product))
    assert isinstance(msg, L2DataMessage)
    return msg


def synced() -> Level2Sync:
    sync = Level2Sync([s.BTC_USD, s.ETH_USD])
    result = sync.on_message(decode_ws(s.SNAPSHOT))
    assert result is not None and result.status is SyncStatus.SNAPSHOT
    return sync


def test_snapshot_builds_the_book_in_ticks_and_lots() -> None:
    sync = synced()
    book = sync.book("BTC-USD")
    assert sync.is_live("BTC-USD") and not sync.is_live("ETH-USD")
    assert book.best_bid() == (6_890_000, 200_000_000)
    assert book.best_ask() == (6_890_100, 125_000_000)
    assert book.depth(BUY, 5) == [(6_890_000, 200_000_000), (6_889_950, 50_000_000)]
    assert book.depth(SELL, 5) == [(6_890_100, 125_000_000), (6_890_225, 300_000_000)]


def test_updates_set_and_remove_levels() -> None:
    sync = synced()
    r = sync.on_l2(
        l2(
            1,
            "update",
            [
                s.level("bid", "68900.00", "1.5"),
                s.level("offer", "68901.00", "0"),
                s.level("offer", "68901.50", "0.00000001"),
            ],
        )
    )
    assert r.status is SyncStatus.UPDATE and r.sequence == 1 and not r.resync
    book = sync.book("BTC-USD")
    assert book.best_bid() == (6_890_000, 150_000_000)
    assert book.best_ask() == (6_890_150, 1)
    (change,) = r.changes
    assert (change.sides, change.prices, change.sizes) == (
        [BUY, SELL, SELL],
        [6_890_000, 6_890_100, 6_890_150],
        [150_000_000, 0, 1],
    )
    assert not change.snapshot and len(change) == 3


def test_a_gap_needs_a_resync_and_is_never_passed_over() -> None:
    sync = synced()
    eth = l2(1, "snapshot", [s.level("bid", "3000.00", "1")], "ETH-USD")
    assert sync.on_l2(eth).status is SyncStatus.SNAPSHOT
    gap = sync.on_l2(l2(3, "update", [s.level("bid", "68000.00", "1")]))
    assert gap.status is SyncStatus.RESYNC_NEEDED and gap.resync_needed
    assert gap.resync == ("BTC-USD", "ETH-USD")  # every book of the connection
    assert gap.reason == "sequence_num gap: expected 2, got 3"
    assert gap.changes == ()
    for pid in ("BTC-USD", "ETH-USD"):
        assert not sync.is_live(pid)
        assert sync.book(pid).best_bid() is None  # cleared, not left stale
    # updates keep being refused (WAITING) until a snapshot arrives
    waiting = sync.on_l2(l2(4, "update", [s.level("bid", "68000.00", "1")]))
    assert waiting.status is SyncStatus.WAITING and waiting.changes == ()
    assert "BTC-USD" in waiting.reason
    assert sync.book("BTC-USD").best_bid() is None
    again = sync.on_l2(l2(5, "snapshot", [s.level("offer", "70000.00", "1")]))
    assert again.status is SyncStatus.SNAPSHOT and sync.is_live("BTC-USD")
    assert not sync.is_live("ETH-USD")
    assert sync.book("BTC-USD").best_ask() == (7_000_000, 100_000_000)


def test_a_gap_seen_on_another_channel_counts() -> None:
    sync = synced()
    assert sync.on_message(decode_ws(s.SUBSCRIPTIONS)) is None  # sequence 1
    hb = json.loads(s.HEARTBEAT)
    hb["sequence_num"] = 2
    assert sync.on_message(decode_ws(json.dumps(hb))) is None
    hb["sequence_num"] = 4
    result = sync.on_message(decode_ws(json.dumps(hb)))
    assert result is not None and result.status is SyncStatus.RESYNC_NEEDED
    assert result.resync == ("BTC-USD", "ETH-USD") and result.sequence == 4
    assert not sync.is_live("BTC-USD")


def test_a_snapshot_in_the_message_that_shows_the_gap_is_still_applied() -> None:
    sync = synced()
    r = sync.on_l2(l2(9, "snapshot", [s.level("bid", "1.00", "1")]))
    assert r.status is SyncStatus.RESYNC_NEEDED
    assert r.resync == ("ETH-USD",)  # BTC-USD is live again from this very snapshot
    assert sync.is_live("BTC-USD") and sync.book("BTC-USD").best_bid() == (100, 100_000_000)
    assert len(r.changes) == 1 and r.changes[0].snapshot


def test_sequence_going_back_or_repeating_is_a_gap() -> None:
    sync = synced()
    sync.on_l2(l2(1, "update", [s.level("bid", "1.00", "1")]))
    r = sync.on_l2(l2(1, "update", [s.level("bid", "1.00", "2")]))
    assert r.status is SyncStatus.RESYNC_NEEDED and "went back" in r.reason


def test_the_connection_must_start_at_zero_unless_told_otherwise() -> None:
    sync = Level2Sync([s.BTC_USD])
    r = sync.on_l2(l2(5, "snapshot", [s.level("bid", "1.00", "1")]))
    assert r.status is SyncStatus.RESYNC_NEEDED and "first message must be 0" in r.reason
    lax = Level2Sync([s.BTC_USD], first_sequence=None)
    assert lax.on_l2(l2(5, "snapshot", [s.level("bid", "1.00", "1")])).status is SyncStatus.SNAPSHOT


def test_reset_forgets_the_connection() -> None:
    sync = synced()
    sync.on_l2(l2(1, "update", [s.level("bid", "1.00", "1")]))
    sync.reset()
    assert sync.last_sequence is None and not sync.is_live("BTC-USD")
    assert sync.book("BTC-USD").best_bid() is None
    assert sync.on_message(decode_ws(s.SNAPSHOT)).status is SyncStatus.SNAPSHOT  # type: ignore[union-attr]


def test_invalidate_by_hand() -> None:
    sync = synced()
    r = sync.invalidate(["BTC-USD"], "unsubscribed")
    assert r.status is SyncStatus.RESYNC_NEEDED and r.resync == ("BTC-USD",)
    assert r.reason == "unsubscribed" and not sync.is_live("BTC-USD")


def test_unknown_products_are_reported_not_applied() -> None:
    sync = synced()
    r = sync.on_l2(l2(1, "update", [s.level("bid", "1.00", "1")], "DOGE-USD"))
    assert r.status is SyncStatus.IGNORED and r.reason == "unknown product: DOGE-USD"


def test_an_unreadable_level_resyncs_that_book_only() -> None:
    sync = synced()
    eth = l2(1, "snapshot", [s.level("bid", "3000.00", "1")], "ETH-USD")
    sync.on_l2(eth)
    before = sync.book("BTC-USD").best_bid()
    r = sync.on_l2(
        l2(2, "update", [s.level("bid", "68900.00", "9"), s.level("bid", "68900.001", "1")])
    )
    assert r.status is SyncStatus.RESYNC_NEEDED and r.resync == ("BTC-USD",)
    assert "68900.001" in r.reason and "price_level" in r.reason
    assert before is not None and sync.book("BTC-USD").best_bid() is None
    assert sync.is_live("ETH-USD")
    for bad in ("1e5", " 1", "1_000", "+1", "0x10", ""):
        sync2 = synced()
        r2 = sync2.on_l2(l2(1, "update", [s.level("bid", bad or "", "1")]))
        assert r2.status is SyncStatus.RESYNC_NEEDED, bad


def test_alias_product_ids() -> None:
    btc_usdc = CurrencyPair.simple(
        "BTC-USDC.COINBASE", price_increment="0.01", size_increment="0.00000001"
    )
    sync = Level2Sync({"BTC-USD": btc_usdc})
    sync.on_message(decode_ws(s.SNAPSHOT))
    assert sync.instrument("BTC-USD") is btc_usdc and sync.is_live("BTC-USD")
    with pytest.raises(InvalidInput):
        sync.book("BTC-USDC")


def test_coarser_increments_divide_exactly() -> None:
    inst = CurrencyPair.simple(
        "X-USD.COINBASE", base="ETH", quote="USD", price_increment="0.05", size_increment="0.5"
    )
    sync = Level2Sync([inst])
    r = sync.on_l2(
        l2(0, "snapshot", [s.level("bid", "10.05", "1.5"), s.level("offer", "10.10", "2")], "X-USD")
    )
    assert r.status is SyncStatus.SNAPSHOT
    assert sync.book("X-USD").best_bid() == (201, 3)
    bad = sync.on_l2(l2(1, "update", [s.level("bid", "10.07", "1")], "X-USD"))
    assert bad.status is SyncStatus.RESYNC_NEEDED and "multiple of 0.05" in bad.reason


# -- BookDeltas ------------------------------------------------------------------------------
def test_snapshot_deltas() -> None:
    sync = Level2Sync([s.BTC_USD])
    r = sync.on_message(decode_ws(s.SNAPSHOT))
    assert r is not None
    deltas = r.changes[0].book_deltas(ts_init=42)
    assert isinstance(deltas, BookDeltas) and deltas.instrument_id == "BTC-USD.COINBASE"
    first, *levels = deltas.deltas
    assert first.action is BookAction.CLEAR and first.flags & RecordFlag.F_SNAPSHOT
    assert [(d.action, d.order.side, d.order.price, d.order.size) for d in levels] == [  # type: ignore[union-attr]
        (BookAction.ADD, OrderSide.BUY, Price("68900.00"), Quantity("2.00000000")),
        (BookAction.ADD, OrderSide.BUY, Price("68899.50"), Quantity("0.50000000")),
        (BookAction.ADD, OrderSide.SELL, Price("68901.00"), Quantity("1.25000000")),
        (BookAction.ADD, OrderSide.SELL, Price("68902.25"), Quantity("3.00000000")),
    ]
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in deltas.deltas)
    assert [bool(d.flags & RecordFlag.F_LAST) for d in deltas.deltas] == [False] * 4 + [True]
    assert all(d.ts_event == s.TS_NS and d.ts_init == 42 and d.sequence == 0 for d in deltas.deltas)


def test_update_deltas_with_per_level_times() -> None:
    sync = synced()
    r = sync.on_l2(
        l2(
            1,
            "update",
            [
                s.level("bid", "68900.00", "1", "2026-04-07T14:30:02.1Z"),
                s.level("offer", "68901.00", "0", "2026-04-07T14:30:02.123456789Z"),
            ],
        )
    )
    deltas = r.changes[0].book_deltas(ts_init=7).deltas
    assert [d.action for d in deltas] == [BookAction.UPDATE, BookAction.DELETE]
    assert [d.ts_event for d in deltas] == [
        1_775_572_202_100_000_000,
        1_775_572_202_123_456_789,
    ]
    assert deltas[1].order is not None and deltas[1].order.size == Quantity("0.00000000")
    assert [d.flags for d in deltas] == [0, int(RecordFlag.F_LAST)]
    assert all(d.sequence == 1 for d in deltas)


def test_an_empty_update_has_no_deltas() -> None:
    sync = synced()
    r = sync.on_l2(l2(1, "update", []))
    assert r.status is SyncStatus.UPDATE and r.changes[0].book_deltas(1) is None
    assert sync.book("BTC-USD").best_bid() == (6_890_000, 200_000_000)


def test_sequence_tracker_alone() -> None:
    t = SequenceTracker()
    assert t.check(0) is None and t.check(1) is None
    assert t.check(5) == "sequence_num gap: expected 2, got 5"
    assert t.check(6) is None  # reported once; 5 is the new baseline
    assert t.last == 6
    with pytest.raises(InvalidInput):
        SequenceTracker(-1)


# -- properties ----------------------------------------------------------------------------------
_prices = st.integers(min_value=1, max_value=400).map(lambda t: f"{68800 + t / 4:.2f}")
_sizes = st.one_of(
    st.just("0"), st.integers(min_value=1, max_value=10**9).map(lambda n: f"{n / 1e8:.8f}")
)
_levels = st.lists(st.tuples(st.sampled_from(["bid", "offer"]), _prices, _sizes), max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(_levels, min_size=1, max_size=30))
def test_the_book_equals_a_dict_model(batches: list[list[tuple[str, str, str]]]) -> None:
    sync = synced()
    model: dict[tuple[str, int], int] = {}
    for lv in json.loads(s.SNAPSHOT)["events"][0]["updates"]:
        model[(lv["side"], round(float(lv["price_level"]) * 100))] = round(
            float(lv["new_quantity"]) * 1e8
        )
    for seq, batch in enumerate(batches, start=1):
        r = sync.on_l2(l2(seq, "update", [s.level(a, b, c) for a, b, c in batch]))
        assert r.status is SyncStatus.UPDATE
        for side, price, size in batch:
            key = (side, round(float(price) * 100))
            lots = round(float(size) * 1e8)
            if lots:
                model[key] = lots
            else:
                model.pop(key, None)
    book = sync.book("BTC-USD")
    bids = sorted(((p, q) for (sd, p), q in model.items() if sd == "bid"), reverse=True)
    asks = sorted((p, q) for (sd, p), q in model.items() if sd == "offer")
    assert book.depth(BUY, 10_000) == bids
    assert book.depth(SELL, 10_000) == asks


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=2, max_value=20), dropped=st.data())
def test_dropping_any_message_is_always_detected(n: int, dropped: st.DataObject) -> None:
    lost = dropped.draw(st.integers(min_value=1, max_value=n - 1))
    sync = synced()
    statuses = []
    for seq in range(1, n + 1):
        if seq == lost:
            continue
        statuses.append(sync.on_l2(l2(seq, "update", [s.level("bid", "1.00", str(seq))])).status)
    # every message before the loss applies; the first after it asks for a resync; the rest
    # are refused until a snapshot: never a silent UPDATE after a gap
    before = lost - 1
    assert statuses[:before] == [SyncStatus.UPDATE] * before
    assert statuses[before] is SyncStatus.RESYNC_NEEDED
    assert all(st_ is SyncStatus.WAITING for st_ in statuses[before + 1 :])
