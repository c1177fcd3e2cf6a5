"""BookSync, the snapshot-plus-diffs state machine, with Binance's spot and futures rules:
buffering before the snapshot, stale updates, bridging, gaps, a snapshot that is too old,
off-grid levels, checksums, and the changes it reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from lyra.adapters.binance.book import BinanceFuturesBookSync, BinanceSpotBookSync
from lyra.adapters.binance.messages import DepthUpdate
from lyra.adapters.book_sync import BookSync, Change, SyncedBook, SyncResult
from lyra.errors import InvalidInput
from lyra.model.instruments import CurrencyPair

R = SyncResult
INST = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.001")


def upd(
    first: int,
    last: int,
    bids: Sequence[tuple[str, str]] = (),
    asks: Sequence[tuple[str, str]] = (),
    pu: int | None = None,
) -> DepthUpdate:
    return DepthUpdate(
        event_time=1,
        symbol="BTCUSDT",
        first_id=first,
        final_id=last,
        bids=list(bids),
        asks=list(asks),
        prev_final_id=pu,
    )


def spot(**kw: Any) -> BinanceSpotBookSync:
    return BinanceSpotBookSync(SyncedBook(INST), **kw)


def test_updates_wait_for_the_snapshot_then_replay_in_order() -> None:
    seen: list[tuple[list[Change], bool]] = []
    s = spot(on_applied=lambda c, snap, u: seen.append((c, snap)))
    assert s.on_update(upd(101, 102, bids=[("100.00", "1")])) is R.BUFFERED
    assert s.on_update(upd(103, 103, asks=[("101.00", "2")])) is R.BUFFERED
    assert s.needs_snapshot and s.buffered == 2
    assert s.on_snapshot(100, [("99.00", "5")], [("102.00", "4")]) is R.APPLIED
    assert s.synced and not s.needs_snapshot and s.last_update_id == 103
    assert s.book.best_bid() is not None and str(s.book.best_bid()[0]) == "100.00"
    assert [snap for _, snap in seen] == [True, False, False]
    assert seen[0][0] == [(1, 9900, 5000), (2, 10200, 4000)]
    assert seen[2][0] == [(2, 10100, 2000)]


def test_snapshot_drops_what_it_already_contains() -> None:
    s = spot()
    s.on_update(upd(95, 98, bids=[("1.00", "1")]))
    s.on_update(upd(99, 101, bids=[("2.00", "1")]))
    assert s.on_snapshot(100, [], []) is R.APPLIED
    # 95-98 is older than the snapshot; 99-101 bridges it (99 <= 101 <= 101)
    assert s.stale == 1 and s.applied == 1
    assert s.book.best_bid() is not None and str(s.book.best_bid()[0]) == "2.00"


def test_a_snapshot_older_than_the_buffered_updates_is_refused() -> None:
    s = spot()
    s.on_update(upd(110, 112))
    assert s.on_snapshot(100, [("1.00", "1")], []) is R.SNAPSHOT_TOO_OLD
    assert not s.synced and s.needs_snapshot and s.buffered == 1
    assert s.on_snapshot(111, [], []) is R.APPLIED


def test_a_live_update_that_skips_an_id_is_a_gap_and_waits_for_a_new_snapshot() -> None:
    s = spot()
    s.on_snapshot(100, [("99.00", "1")], [])
    assert s.on_update(upd(101, 101, bids=[("98.00", "1")])) is R.APPLIED
    assert s.on_update(upd(101, 101)) is R.STALE
    assert s.on_update(upd(103, 104)) is R.GAP
    assert not s.synced and s.gaps == 1 and s.buffered == 1
    assert s.on_update(upd(105, 105)) is R.BUFFERED
    assert s.on_snapshot(104, [("97.00", "3")], []) is R.APPLIED
    assert s.last_update_id == 105
    assert s.book.best_bid() is not None and str(s.book.best_bid()[1]) == "3.000"


def test_first_update_after_a_snapshot_that_does_not_bridge_is_too_old_not_a_gap() -> None:
    s = spot()
    s.on_snapshot(100, [], [])
    assert s.on_update(upd(105, 106)) is R.SNAPSHOT_TOO_OLD
    assert s.gaps == 0 and s.needs_snapshot


def test_zero_size_deletes_and_absent_levels_are_harmless() -> None:
    s = spot()
    s.on_snapshot(1, [("99.00", "1"), ("98.00", "2")], [])
    assert s.on_update(upd(2, 2, bids=[("99.00", "0"), ("50.00", "0")])) is R.APPLIED
    assert s.book.levels(1) == [(INST.make_price("98"), INST.make_qty("2"))]


def test_off_grid_levels_are_malformed_and_drop_the_book() -> None:
    s = spot()
    s.on_snapshot(1, [("99.00", "1")], [])
    assert s.on_update(upd(2, 2, bids=[("99.005", "1")])) is R.MALFORMED
    assert not s.synced and s.malformed == 1 and s.book.book.bid_levels() == 0
    with pytest.raises(InvalidInput):
        s.book.lots("0.0001")
    assert s.on_snapshot(5, [("1e3", "1")], []) is R.MALFORMED


def test_futures_rules_use_pu_and_the_inclusive_bridge() -> None:
    f = BinanceFuturesBookSync(SyncedBook(INST))
    f.on_update(upd(90, 99, pu=80))
    f.on_update(upd(95, 105, bids=[("10.00", "1")], pu=99))
    assert f.on_snapshot(100, [], []) is R.APPLIED  # 95 <= 100 <= 105 bridges
    assert f.stale == 1 and f.last_update_id == 105
    assert f.on_update(upd(107, 110, pu=105)) is R.APPLIED  # U need not be pu + 1
    assert f.on_update(upd(111, 112, pu=109)) is R.GAP
    f.on_update(upd(113, 114, pu=112))
    assert f.on_snapshot(112, [], []) is R.APPLIED
    # the update ending exactly at the snapshot is not stale for futures (u < L drops)
    g = BinanceFuturesBookSync(SyncedBook(INST))
    g.on_update(upd(100, 100, pu=99))
    assert g.on_snapshot(100, [], []) is R.APPLIED and g.applied == 1


def test_the_buffer_is_bounded() -> None:
    s = spot(max_buffer=3)
    for i in range(10):
        s.on_update(upd(100 + i, 100 + i))
    assert s.buffered == 3
    # the oldest were dropped, so an old snapshot no longer fits
    assert s.on_snapshot(100, [], []) is R.SNAPSHOT_TOO_OLD


class _Checked(BookSync[DepthUpdate]):
    """A venue with checksums: the update's event_time is the expected best bid in ticks."""

    def first_id(self, update: DepthUpdate) -> int:
        return update.first_id

    def last_id(self, update: DepthUpdate) -> int:
        return update.final_id

    def bid_levels(self, update: DepthUpdate) -> Sequence[tuple[str, str]]:
        return update.bids

    def ask_levels(self, update: DepthUpdate) -> Sequence[tuple[str, str]]:
        return update.asks

    def verify(self, update: DepthUpdate) -> bool | None:
        return self.book.book.best_bid_price() == update.event_time


def test_a_checksum_mismatch_drops_the_book() -> None:
    s = _Checked(SyncedBook(INST))
    s.on_snapshot(1, [], [])
    ok = upd(2, 2, bids=[("10.00", "1")])
    ok.event_time = 1000
    assert s.on_update(ok) is R.APPLIED
    bad = upd(3, 3, bids=[("11.00", "1")])
    bad.event_time = 1000
    assert s.on_update(bad) is R.CHECKSUM
    assert s.checksum_failures == 1 and not s.synced and s.book.book.bid_levels() == 0


def test_reset_forgets_everything() -> None:
    s = spot()
    s.on_snapshot(1, [("1.00", "1")], [])
    s.reset()
    assert not s.synced and s.needs_snapshot and s.book.book.bid_levels() == 0
    assert "waiting" in repr(s)


def test_collect_false_reports_no_changes() -> None:
    seen: list[list[Change]] = []
    s = spot(on_applied=lambda c, snap, u: seen.append(c), collect=False)
    s.on_snapshot(1, [("1.00", "1")], [])
    s.on_update(upd(2, 2, bids=[("2.00", "1")]))
    assert seen == [[], []]
    assert s.book.book.bid_levels() == 2
