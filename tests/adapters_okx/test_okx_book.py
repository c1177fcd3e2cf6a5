"""OKX book sync: the recorded ``books`` stream replays with every checksum verified, the
seqId/prevSeqId rules (gaps, keep-alives, resets), corruption is caught, and the published
deltas rebuild the same book."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from lyra.adapters.okx.book import (
    BookApplied,
    OkxBookSync,
    ResyncNeeded,
    ResyncReason,
    checksum,
    checksum_text,
)
from lyra.adapters.okx.messages import BookMessage, decode_ws
from lyra.book import BUY, SELL
from lyra.model.enums import BookAction, OrderSide, RecordFlag
from lyra.model.instruments import CurrencyPair

from .recorded import book_frames, instruments, ws_frames

PAIR = CurrencyPair.simple("BTC-USDT.OKX", price_increment="0.1", size_increment="0.00000001")


def _signed(crc: int) -> int:
    return crc - (1 << 32) if crc >= 1 << 31 else crc


# -- the checksum itself ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bids", "asks", "text", "expected"),
    [
        (
            [("3366.1", "7"), ("3366", "6")],
            [("3366.8", "9"), ("3368", "8")],
            "3366.1:7:3366.8:9:3366:6:3368:8",
            -1881014294,
        ),
        (
            [("3366.1", "7")],
            [("3366.8", "9"), ("3368", "8"), ("3372", "8")],
            "3366.1:7:3366.8:9:3368:8:3372:8",
            831078360,
        ),
        (
            [("43231.1", "4"), ("43231", "6")],
            [("43232.8", "9"), ("43232.9", "8")],
            "43231.1:4:43232.8:9:43231:6:43232.9:8",
            -1504501796,
        ),
    ],
)
def test_checksum_vectors(
    bids: list[tuple[str, str]], asks: list[tuple[str, str]], text: str, expected: int
) -> None:
    assert checksum_text(bids, asks) == text
    assert checksum(bids, asks) == expected


def test_checksum_covers_25_levels_a_side() -> None:
    bids = [(str(100 - i), "1") for i in range(30)]
    asks = [(str(200 + i), "1") for i in range(30)]
    assert checksum_text(bids, asks) == checksum_text(bids[:25], asks[:25])
    assert checksum_text(bids, asks).count(":") == 25 * 4 - 1


# -- the recorded stream ------------------------------------------------------------------------
def _replay(emit: bool) -> tuple[dict[str, OkxBookSync], list[Any]]:
    syncs: dict[str, OkxBookSync] = {}
    results = []
    insts = instruments()
    for frame in ws_frames():
        msg = decode_ws(frame)
        if not isinstance(msg, BookMessage):
            continue
        key = msg.arg.inst_id
        if key not in syncs:
            syncs[key] = OkxBookSync(insts[f"{key}.OKX"], emit_deltas=emit)  # type: ignore[index]
        results.append(syncs[key].apply(msg, ts_init=1))
    return syncs, results


def test_every_recorded_checksum_verifies() -> None:
    frames = book_frames()
    carrying = sum(1 for m in frames for d in m["data"] if d.get("checksum"))
    assert len(frames) == 290 and carrying == 290  # what the file holds
    syncs, results = _replay(emit=False)
    assert all(type(r) is BookApplied for r in results), [
        r for r in results if type(r) is not BookApplied
    ][:1]
    assert sum(r.checksum_verified for r in results) == carrying
    assert sum(s.checksums_verified for s in syncs.values()) == carrying
    assert sum(s.messages_applied for s in syncs.values()) == 290
    assert {k: s.is_synced for k, s in syncs.items()} == {
        "BTC-USD-220527": True,
        "UNI-USD-SWAP": True,
        "BTC-USDT": True,
    }


def test_recorded_book_matches_the_last_message_checksum_and_time_order() -> None:
    syncs, _ = _replay(emit=False)
    last: dict[str, int] = {}
    ts_by_inst: dict[str, list[int]] = defaultdict(list)
    for msg in book_frames():
        last[msg["arg"]["instId"]] = msg["data"][0]["checksum"]
        ts_by_inst[msg["arg"]["instId"]].append(int(msg["data"][0]["ts"]))
    for inst, sync in syncs.items():
        assert sync.compute_checksum() == last[inst]
    # the capture has no seqId; its books are in time order per instrument
    assert all(ts == sorted(ts) for ts in ts_by_inst.values())


def _chained(step: int = 3) -> list[str]:
    """The recorded books frames with a seqId/prevSeqId chain added (as today's feed has)."""
    out = []
    seq: dict[str, int] = {}
    for msg in book_frames():
        inst = msg["arg"]["instId"]
        data = msg["data"][0]
        if msg["action"] == "snapshot":
            data["prevSeqId"] = -1
            data["seqId"] = seq[inst] = 1000
        else:
            data["prevSeqId"] = seq[inst]
            data["seqId"] = seq[inst] = seq[inst] + step
        out.append(json.dumps(msg))
    return out


def _sync_for(frames: list[str], inst: str = "BTC-USDT") -> tuple[OkxBookSync, list[BookMessage]]:
    msgs = [
        m for m in map(decode_ws, frames) if isinstance(m, BookMessage) and m.arg.inst_id == inst
    ]
    return OkxBookSync(instruments()[f"{inst}.OKX"]), msgs  # type: ignore[index]


def test_sequence_continuity_holds_over_the_chained_recording() -> None:
    frames = _chained()
    for inst in ("BTC-USDT", "UNI-USD-SWAP", "BTC-USD-220527"):
        sync, msgs = _sync_for(frames, inst)
        results = [sync.apply(m) for m in msgs]
        assert all(type(r) is BookApplied and r.checksum_verified for r in results)
        assert [r.sequence for r in results] == [m.data[0].seq_id for m in msgs]  # type: ignore[union-attr]
        assert sync.last_sequence == msgs[-1].data[0].seq_id


def test_a_missing_message_is_a_gap_and_the_book_waits_for_a_snapshot() -> None:
    sync, msgs = _sync_for(_chained())
    for m in msgs[:10]:
        assert type(sync.apply(m)) is BookApplied
    gap = sync.apply(msgs[11])  # msgs[10] was lost
    assert type(gap) is ResyncNeeded
    assert gap.reason is ResyncReason.SEQUENCE_GAP
    assert (gap.expected, gap.received) == (msgs[9].data[0].seq_id, msgs[10].data[0].seq_id)
    assert not sync.is_synced and sync.book.bid_levels() == 0
    after = sync.apply(msgs[12])
    assert type(after) is ResyncNeeded and after.reason is ResyncReason.NO_SNAPSHOT
    snapshot = next(m for m in msgs if m.action == "snapshot")
    assert type(sync.apply(snapshot)) is BookApplied and sync.is_synced


def _frame(
    action: str, *, seq: int, prev: int, bids: Any = (), asks: Any = (), cs: int = 0
) -> BookMessage:
    data = {
        "asks": [list(a) for a in asks],
        "bids": [list(b) for b in bids],
        "ts": "1700000000000",
        "checksum": cs,
        "seqId": seq,
        "prevSeqId": prev,
    }
    msg = decode_ws(
        json.dumps(
            {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]}
        )
    )
    assert isinstance(msg, BookMessage)
    return msg


def _cs(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    return checksum(bids, asks)


def test_keep_alive_and_sequence_reset_are_accepted() -> None:
    sync = OkxBookSync(PAIR)
    bids, asks = [("100.1", "1.5", "0", "1")], [("100.2", "2", "0", "1")]
    cs = _cs([("100.1", "1.5")], [("100.2", "2")])
    assert (
        type(sync.apply(_frame("snapshot", seq=10, prev=-1, bids=bids, asks=asks, cs=cs)))
        is BookApplied
    )
    keep_alive = sync.apply(_frame("update", seq=10, prev=10))  # nothing changed for a while
    assert type(keep_alive) is BookApplied and keep_alive.deltas is None
    assert not keep_alive.checksum_verified  # checksum 0: not provided
    # after maintenance the sequence restarts lower: still linked to the previous message
    reset = sync.apply(
        _frame(
            "update",
            seq=3,
            prev=10,
            bids=[("100.0", "1", "0", "1")],
            cs=_cs([("100.1", "1.5"), ("100.0", "1")], [("100.2", "2")]),
        )
    )
    assert type(reset) is BookApplied and reset.checksum_verified and sync.last_sequence == 3
    assert type(sync.apply(_frame("update", seq=4, prev=3))) is BookApplied
    gap = sync.apply(_frame("update", seq=9, prev=5))
    assert type(gap) is ResyncNeeded and gap.reason is ResyncReason.SEQUENCE_GAP


def test_a_corrupted_update_fails_the_checksum() -> None:
    frames = book_frames()
    target = next(
        i
        for i, m in enumerate(frames)
        if m["action"] == "update" and m["data"][0]["asks"] and m["arg"]["instId"] == "BTC-USDT"
    )
    corrupted = json.loads(json.dumps(frames[target]))
    level = corrupted["data"][0]["asks"][0]
    level[1] = str(Decimal(level[1]) + 1) if Decimal(level[1]) else "1"
    sync, _ = _sync_for([])
    for m in frames[:target]:
        if m["arg"]["instId"] == "BTC-USDT":
            assert type(sync.apply(decode_ws(json.dumps(m)))) is BookApplied  # type: ignore[arg-type]
    bad = sync.apply(decode_ws(json.dumps(corrupted)))  # type: ignore[arg-type]
    assert type(bad) is ResyncNeeded and bad.reason is ResyncReason.CHECKSUM_MISMATCH
    assert bad.expected == frames[target]["data"][0]["checksum"] and bad.received != bad.expected
    assert not sync.is_synced


def test_checksum_can_be_switched_off_and_zero_means_absent() -> None:
    sync = OkxBookSync(PAIR, verify_checksum=False)
    result = sync.apply(_frame("snapshot", seq=1, prev=-1, bids=[("1", "1", "0", "1")], cs=12345))
    assert type(result) is BookApplied and not result.checksum_verified


@pytest.mark.parametrize(
    ("level", "why"),
    [
        (("100.15", "1", "0", "1"), "tick"),
        (("100.1", "0.000000001", "0", "1"), "lot"),
        (("abc", "1"), "decimal"),
        (("100.1",), "index"),
    ],
)
def test_bad_levels_ask_for_a_resync(level: tuple[str, ...], why: str) -> None:
    sync = OkxBookSync(PAIR)
    result = sync.apply(_frame("snapshot", seq=1, prev=-1, bids=[level]))
    assert type(result) is ResyncNeeded and result.reason is ResyncReason.BAD_LEVEL
    assert not sync.is_synced


def test_updates_before_a_snapshot_and_other_instruments_are_refused() -> None:
    sync = OkxBookSync(PAIR)
    first = sync.apply(_frame("update", seq=2, prev=1))
    assert type(first) is ResyncNeeded and first.reason is ResyncReason.NO_SNAPSHOT
    other = decode_ws(
        '{"arg":{"channel":"books","instId":"ETH-USDT"},"action":"snapshot","data":[{"asks":[],"bids":[],"ts":"1"}]}'
    )
    assert isinstance(other, BookMessage)
    wrong = sync.apply(other)
    assert type(wrong) is ResyncNeeded and wrong.reason is ResyncReason.WRONG_INSTRUMENT


def test_deltas_describe_the_change() -> None:
    sync = OkxBookSync(PAIR)
    snap = sync.apply(
        _frame(
            "snapshot",
            seq=5,
            prev=-1,
            bids=[("100.1", "1.5", "0", "1")],
            asks=[("100.2", "2", "0", "1"), ("100.3", "1", "0", "1")],
        ),
        ts_init=77,
    )
    assert type(snap) is BookApplied and snap.snapshot and snap.deltas is not None
    deltas = snap.deltas.deltas
    assert deltas[0].action is BookAction.CLEAR and deltas[0].flags & RecordFlag.F_SNAPSHOT
    assert [d.action for d in deltas[1:]] == [BookAction.ADD] * 3
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in deltas)
    assert deltas[-1].flags & RecordFlag.F_LAST and not deltas[-2].flags & RecordFlag.F_LAST
    assert {d.sequence for d in deltas} == {5} and {d.ts_init for d in deltas} == {77}
    assert deltas[0].ts_event == 1_700_000_000_000 * 10**6
    bid = deltas[1].order
    assert bid is not None and bid.side is OrderSide.BUY and str(bid.price) == "100.1"
    assert str(bid.size) == "1.50000000"  # the instrument's size precision
    upd = sync.apply(
        _frame(
            "update",
            seq=6,
            prev=5,
            asks=[("100.2", "0", "0", "0")],
            bids=[("100.1", "3", "0", "2")],
        )
    )
    assert type(upd) is BookApplied and upd.deltas is not None
    assert [(d.action, d.order.side) for d in upd.deltas.deltas] == [  # type: ignore[union-attr]
        (BookAction.UPDATE, OrderSide.BUY),
        (BookAction.DELETE, OrderSide.SELL),
    ]
    assert sync.book.best_ask() == (1003, 100_000_000) and sync.book.best_bid() == (
        1001,
        300_000_000,
    )
    assert sync.top() == ([("100.1", "3")], [("100.3", "1")])


def test_published_deltas_rebuild_the_same_books() -> None:
    syncs, results = _replay(emit=True)
    books: dict[str, dict[int, dict[Any, Any]]] = defaultdict(lambda: {BUY: {}, SELL: {}})
    for r in results:
        assert type(r) is BookApplied
        if r.deltas is None:
            continue
        book = books[str(r.instrument_id)]
        for d in r.deltas.deltas:
            if d.action is BookAction.CLEAR:
                book[BUY].clear(), book[SELL].clear()
                continue
            assert d.order is not None
            side = BUY if d.order.side is OrderSide.BUY else SELL
            if d.action is BookAction.DELETE:
                book[side].pop(d.order.price, None)
            else:
                book[side][d.order.price] = d.order.size
    for inst, sync in syncs.items():
        book = books[f"{inst}.OKX"]
        for side, best_first in ((BUY, True), (SELL, False)):
            mine = sorted(book[side].items(), reverse=best_first)
            theirs = [(sync.price(p), sync.size(s)) for p, s in sync.book.depth(side, 10_000)]
            assert mine == theirs


_levels = st.dictionaries(
    st.integers(min_value=1, max_value=5_000),
    st.integers(min_value=1, max_value=10**7),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(bids=_levels, asks=_levels, trailing=st.booleans())
def test_the_book_checksum_equals_the_literal_string_reference(
    bids: dict[int, int], asks: dict[int, int], trailing: bool
) -> None:
    # prices written as the venue might: "100", "100.5" or with a trailing zero "100.50"
    def px(t: int) -> str:
        whole, tenth = divmod(t, 10)
        return (
            f"{whole}.{tenth}0"
            if trailing and tenth
            else f"{whole}.{tenth}"
            if tenth
            else str(whole)
        )

    def sz(lots: int) -> str:
        size = Decimal(lots).scaleb(-8)
        return format(size if trailing else size.normalize(), "f")

    asks = {t + 5_000: s for t, s in asks.items()}  # keep the book uncrossed
    bid_levels = [(px(t), sz(s), "0", "1") for t, s in bids.items()]
    ask_levels = [(px(t), sz(s), "0", "1") for t, s in asks.items()]
    ref_bids = [(px(t), sz(s)) for t, s in sorted(bids.items(), reverse=True)]
    ref_asks = [(px(t), sz(s)) for t, s in sorted(asks.items())]
    literal = []
    for i in range(25):
        if i < len(ref_bids):
            literal += list(ref_bids[i])
        if i < len(ref_asks):
            literal += list(ref_asks[i])
    expected = _signed(zlib.crc32(":".join(literal).encode()))
    sync = OkxBookSync(PAIR)
    result = sync.apply(
        _frame("snapshot", seq=1, prev=-1, bids=bid_levels, asks=ask_levels, cs=expected or 1)
    )
    if expected == 0:
        return
    assert type(result) is BookApplied and result.checksum_verified
    assert sync.compute_checksum() == expected == checksum(ref_bids, ref_asks)


def test_results_are_plain_values() -> None:
    r = ResyncNeeded(PAIR.id, ResyncReason.SEQUENCE_GAP, "x", 1, 2)
    assert msgspec.structs.asdict(r)["reason"] == "SEQUENCE_GAP"
    assert ResyncReason.CHECKSUM_MISMATCH == "CHECKSUM_MISMATCH"
