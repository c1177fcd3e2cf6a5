"""Kraken book sync: the recorded v1 stream replays with every checksum verified, the v2
worked example, depth truncation, corruption caught, and deltas that rebuild the book."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from lyra.adapters.kraken.book import (
    BookApplied,
    KrakenBookSync,
    ResyncNeeded,
    ResyncReason,
    checksum,
    checksum_text,
    level_text,
)
from lyra.adapters.kraken.messages import BookMessage, V1BookMessage, decode_ws, decode_ws_v1
from lyra.adapters.kraken.symbols import instrument_id
from lyra.book import BUY, SELL
from lyra.errors import InvalidInput
from lyra.model.enums import BookAction, OrderSide, RecordFlag
from lyra.model.instruments import CurrencyPair

from .recorded import book_frames, decimals, instruments, ws_frames

BTC_USD = CurrencyPair.simple("BTC/USD.KRAKEN", price_increment="0.1", size_increment="0.00000001")

# Kraken's worked example ("Book checksum (WebSocket v2)"), venues.md A6
EXAMPLE_BIDS = [
    ("45283.5", "0.10000000"),
    ("45283.4", "1.54582015"),
    ("45282.1", "0.10000000"),
    ("45281.0", "0.10000000"),
    ("45280.3", "1.54592586"),
    ("45279.0", "0.07990000"),
    ("45277.6", "0.03310103"),
    ("45277.5", "0.30000000"),
    ("45277.3", "1.54602737"),
    ("45276.6", "0.15445238"),
]
EXAMPLE_ASKS = [
    ("45285.2", "0.00100000"),
    ("45286.4", "1.54571953"),
    ("45286.6", "1.54571109"),
    ("45289.6", "1.54560911"),
    ("45290.2", "0.15890660"),
    ("45291.8", "1.54553491"),
    ("45294.7", "0.04454749"),
    ("45296.1", "0.35380000"),
    ("45297.5", "0.09945542"),
    ("45299.5", "0.18772827"),
]
EXAMPLE_CHECKSUM = 3310070434


def _v2(
    kind: str, bids: Any = (), asks: Any = (), checksum: int | None = None, symbol: str = "BTC/USD"
) -> BookMessage:
    data: dict[str, Any] = {
        "symbol": symbol,
        "timestamp": "2023-10-06T17:35:55.440295Z",
        "bids": [{"price": p, "qty": q} for p, q in bids],
        "asks": [{"price": p, "qty": q} for p, q in asks],
    }
    if checksum is not None:
        data["checksum"] = checksum
    # numbers on the wire, as v2 sends them
    text = json.dumps({"channel": "book", "type": kind, "data": [data]})
    for p, q in [*bids, *asks]:
        text = text.replace(f'"{p}"', p, 1).replace(f'"{q}"', q, 1)
    msg = decode_ws(text)
    assert isinstance(msg, BookMessage)
    return msg


# -- the checksum itself ------------------------------------------------------------------------
def test_the_worked_example() -> None:
    text = checksum_text(EXAMPLE_ASKS, EXAMPLE_BIDS, 1, 8)
    assert text.startswith("452852100000452864154571953452866154571109")
    assert checksum(EXAMPLE_ASKS, EXAMPLE_BIDS, 1, 8) == EXAMPLE_CHECKSUM
    sync = KrakenBookSync(BTC_USD, 10)
    result = sync.apply(_v2("snapshot", EXAMPLE_BIDS, EXAMPLE_ASKS, EXAMPLE_CHECKSUM), ts_init=3)
    assert (
        type(result) is BookApplied
        and result.checksum_verified
        and result.checksum == EXAMPLE_CHECKSUM
    )
    assert sync.checksum_text() == text


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        ("45285.2", 1, "452852"),
        ("0.001", 8, "100000"),
        ("0.10000000", 8, "10000000"),
        ("1", 0, "1"),
        ("0.000022900", 9, "22900"),
        ("5", 2, "500"),
        (Decimal("1E-8"), 8, "1"),
    ],
)
def test_level_text(value: str | Decimal, precision: int, text: str) -> None:
    assert level_text(value, precision) == text


# -- the recorded stream (websocket v1) ----------------------------------------------------------
def _replay(emit: bool) -> tuple[dict[str, KrakenBookSync], list[Any]]:
    syncs: dict[str, KrakenBookSync] = {}
    results = []
    for frame in ws_frames():
        msg = decode_ws_v1(frame)
        if not isinstance(msg, V1BookMessage):
            continue
        if msg.pair not in syncs:
            first = (msg.asks or msg.bids)[0]
            syncs[msg.pair] = KrakenBookSync(
                instruments()[instrument_id(msg.pair)],
                1000,
                emit_deltas=emit,
                price_precision=decimals(first[0]),
                qty_precision=decimals(first[1]),
            )
        results.append(syncs[msg.pair].apply_v1(msg, ts_init=1))
    return syncs, results


def test_every_recorded_checksum_verifies() -> None:
    frames = book_frames()
    carrying = sum(1 for f in frames if any(isinstance(p, dict) and "c" in p for p in f[1:-2]))
    snapshots = sum(1 for f in frames if "as" in f[1] or "bs" in f[1])
    assert (len(frames), carrying, snapshots) == (4279, 4269, 10)  # what the file holds
    syncs, results = _replay(emit=False)
    bad = [r for r in results if type(r) is not BookApplied]
    assert not bad, bad[:1]
    assert sum(r.checksum_verified for r in results) == carrying
    assert sum(s.checksums_verified for s in syncs.values()) == carrying
    assert sum(r.snapshot for r in results) == snapshots and len(syncs) == 10
    assert all(s.is_synced for s in syncs.values())


def test_the_last_checksum_of_each_pair_matches_the_final_book() -> None:
    syncs, _ = _replay(emit=False)
    last: dict[str, int] = {}
    for f in book_frames():
        for part in f[1:-2]:
            if "c" in part:
                last[f[-1]] = int(part["c"])
    assert {pair: s.compute_checksum() for pair, s in syncs.items()} == last


def test_published_deltas_rebuild_the_same_books() -> None:
    syncs, results = _replay(emit=True)
    books: dict[str, dict[int, dict[Any, Any]]] = defaultdict(lambda: {BUY: {}, SELL: {}})
    for r in results:
        if r.deltas is None:
            continue
        book = books[str(r.instrument_id)]
        for d in r.deltas.deltas:
            if d.action is BookAction.CLEAR:
                book[BUY].clear(), book[SELL].clear()
                continue
            side = BUY if d.order.side is OrderSide.BUY else SELL
            if d.action is BookAction.DELETE:
                book[side].pop(d.order.price, None)
            else:
                book[side][d.order.price] = d.order.size
    out_of_range = 0
    for sync in syncs.values():
        book = books[str(sync.instrument_id)]
        for side, best_first in ((BUY, True), (SELL, False)):
            levels = sync.book.depth(side, 10_000)
            # a level beyond Lyra's Price range (XBT/CHF has an ask at 9,999,999,997) stays
            # in the book and the checksum but cannot be published
            shown = [(p, s) for p, s in levels if p * sync.price(1).raw <= 2**63 - 1]
            out_of_range += len(levels) - len(shown)
            assert sorted(book[side].items(), reverse=best_first) == [
                (sync.price(p), sync.size(s)) for p, s in shown
            ]
    assert out_of_range == 1
    assert syncs["XBT/CHF"].levels_not_published >= 1


def test_a_corrupted_update_fails_the_checksum() -> None:
    frames = ws_frames()
    syncs: dict[str, KrakenBookSync] = {}
    target = None
    for i, frame in enumerate(frames):
        msg = decode_ws_v1(frame)
        if not isinstance(msg, V1BookMessage):
            continue
        if msg.pair not in syncs:
            first = (msg.asks or msg.bids)[0]
            syncs[msg.pair] = KrakenBookSync(
                instruments()[instrument_id(msg.pair)],
                1000,
                price_precision=decimals(first[0]),
                qty_precision=decimals(first[1]),
            )
        if not msg.snapshot and msg.pair == "XMR/USD" and i > 200:
            target = msg
            break
        assert type(syncs[msg.pair].apply_v1(msg)) is BookApplied
    assert target is not None
    levels = target.bids or target.asks
    price, volume, ts = levels[0][:3]
    wrong = f"{Decimal(volume) + Decimal('0.00000001'):.8f}"
    bad = V1BookMessage(
        target.channel_id,
        target.channel_name,
        target.pair,
        False,
        [] if target.bids else [[price, wrong, ts]],
        [[price, wrong, ts]] if target.bids else [],
        target.checksum,
    )
    sync = syncs["XMR/USD"]
    result = sync.apply_v1(bad)
    assert type(result) is ResyncNeeded and result.reason is ResyncReason.CHECKSUM_MISMATCH
    assert result.expected == target.checksum and result.received != target.checksum
    assert not sync.is_synced and sync.book.bid_levels() == 0
    again = sync.apply_v1(target)
    assert type(again) is ResyncNeeded and again.reason is ResyncReason.NO_SNAPSHOT


# -- v2 rules ------------------------------------------------------------------------------------
def test_updates_truncate_to_the_subscribed_depth() -> None:
    sync = KrakenBookSync(BTC_USD, 10)
    bids = [(f"{100 - i}.0", "1.0") for i in range(10)]
    asks = [(f"{200 + i}.0", "1.0") for i in range(10)]
    cs = checksum(asks, bids, 1, 8)
    assert type(sync.apply(_v2("snapshot", bids, asks, cs))) is BookApplied
    # a better bid pushes the worst (91.0) out: Kraken sends no delete for it
    new_bids = [("100.5", "2.0"), *bids[:9]]
    result = sync.apply(
        _v2("update", [("100.5", "2.0")], (), checksum(asks, new_bids, 1, 8)), ts_init=9
    )
    assert type(result) is BookApplied and result.checksum_verified
    assert sync.book.bid_levels() == 10 and sync.book.level(BUY, 910) is None
    assert result.deltas is not None
    actions = [(d.action, str(d.order.price)) for d in result.deltas.deltas]  # type: ignore[union-attr]
    assert actions == [(BookAction.UPDATE, "100.5"), (BookAction.DELETE, "91.0")]
    assert result.deltas.deltas[-1].flags & RecordFlag.F_LAST


def test_snapshot_deltas_and_deletes() -> None:
    sync = KrakenBookSync(BTC_USD, 10)
    snap = sync.apply(
        _v2(
            "snapshot",
            [("100.1", "1.5")],
            [("100.2", "2")],
            checksum([("100.2", "2")], [("100.1", "1.5")], 1, 8),
        )
    )
    assert type(snap) is BookApplied and snap.deltas is not None
    deltas = snap.deltas.deltas
    assert deltas[0].action is BookAction.CLEAR
    assert [d.action for d in deltas[1:]] == [BookAction.ADD, BookAction.ADD]
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in deltas)
    assert deltas[0].ts_event == 1696613755440295000
    upd = sync.apply(_v2("update", [("100.1", "0")], (), checksum([("100.2", "2")], [], 1, 8)))
    assert type(upd) is BookApplied and upd.deltas is not None
    assert [d.action for d in upd.deltas.deltas] == [BookAction.DELETE]
    assert sync.book.best_bid() is None


def test_updates_before_a_snapshot_and_other_pairs_are_refused() -> None:
    sync = KrakenBookSync(BTC_USD, 10)
    first = sync.apply(_v2("update", [("1.0", "1.0")]))
    assert type(first) is ResyncNeeded and first.reason is ResyncReason.NO_SNAPSHOT
    other = sync.apply(_v2("snapshot", symbol="ETH/USD"))
    assert type(other) is ResyncNeeded and other.reason is ResyncReason.WRONG_INSTRUMENT
    v1_spelling = KrakenBookSync(
        CurrencyPair.simple("BTC/USD.KRAKEN", price_increment="0.1", size_increment="0.00000001"),
        10,
    )
    assert type(v1_spelling.apply(_v2("snapshot", symbol="BTC/USD"))) is BookApplied


@pytest.mark.parametrize("level", [("100.15", "1"), ("100.1", "0.000000001"), ("100.1", "-1")])
def test_bad_levels_ask_for_a_resync(level: tuple[str, str]) -> None:
    sync = KrakenBookSync(BTC_USD, 10)
    result = sync.apply(_v2("snapshot", [level]))
    assert type(result) is ResyncNeeded and result.reason is ResyncReason.BAD_LEVEL


def test_precision_and_depth_are_checked() -> None:
    with pytest.raises(InvalidInput, match="coarser"):
        KrakenBookSync(BTC_USD, 10, price_precision=0)
    with pytest.raises(InvalidInput):
        KrakenBookSync(BTC_USD, 5)
    sync = KrakenBookSync(BTC_USD, 10, verify_checksum=False)
    result = sync.apply(_v2("snapshot", [("1.0", "1")], (), checksum=1))
    assert type(result) is BookApplied and not result.checksum_verified


_levels = st.dictionaries(
    st.integers(min_value=1, max_value=9_999),
    st.integers(min_value=1, max_value=10**10),
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(bids=_levels, asks=_levels, price_precision=st.integers(min_value=1, max_value=4))
def test_the_integer_checksum_equals_the_literal_reference(
    bids: dict[int, int], asks: dict[int, int], price_precision: int
) -> None:
    """Kraken's own formatting rule, written literally with Decimal quantize, against the
    sync's integer fast path, on random books with a checksum precision finer than the
    grid (as v1 data has)."""
    pair = CurrencyPair.simple("BTC/USD.KRAKEN", price_increment="0.1", size_increment="0.00000001")
    asks = {t + 10_000: s for t, s in asks.items()}

    def text(ticks: int, lots: int) -> tuple[str, str]:
        return format(Decimal(ticks).scaleb(-1), "f"), format(Decimal(lots).scaleb(-8), "f")

    bid_levels = [text(t, s) for t, s in sorted(bids.items(), reverse=True)]
    ask_levels = [text(t, s) for t, s in sorted(asks.items())]
    literal = "".join(
        format(Decimal(p).quantize(Decimal(1).scaleb(-price_precision)), "f")
        .replace(".", "")
        .lstrip("0")
        + format(Decimal(q).quantize(Decimal("1E-8")), "f").replace(".", "").lstrip("0")
        for p, q in [*ask_levels[:10], *bid_levels[:10]]
    )
    expected = zlib.crc32(literal.encode())
    assert checksum(ask_levels, bid_levels, price_precision, 8) == expected
    sync = KrakenBookSync(pair, 1000, price_precision=price_precision, emit_deltas=False)
    msg = V1BookMessage(
        1,
        "book-1000",
        "XBT/USD",
        True,
        [[p, q, "1.0"] for p, q in ask_levels],
        [[p, q, "1.0"] for p, q in bid_levels],
    )
    result = sync.apply_v1(msg)
    assert type(result) is BookApplied and result.checksum == expected
    assert sync.compute_checksum() == expected


def _as_v2(frame: list[Any]) -> str:
    """A recorded v1 book frame rewritten as the v2 message of the same change (numbers on
    the wire written with the v1 text, the v1 checksum kept: it covers the same book)."""
    parts = frame[1:-2]
    snapshot = any("as" in p or "bs" in p for p in parts)
    asks = [lv for p in parts for lv in p.get("as", p.get("a", []))]
    bids = [lv for p in parts for lv in p.get("bs", p.get("b", []))]
    check = next((int(p["c"]) for p in parts if "c" in p), None)

    def levels(rows: list[list[str]]) -> str:
        return ",".join(f'{{"price":{r[0]},"qty":{r[1]}}}' for r in rows)

    cs = "" if check is None else f',"checksum":{check}'
    symbol = instrument_id(frame[-1]).symbol
    kind = "snapshot" if snapshot else "update"
    return (
        f'{{"channel":"book","type":"{kind}","data":[{{"symbol":"{symbol}","bids":[{levels(bids)}],'
        f'"asks":[{levels(asks)}]{cs},"timestamp":"2021-04-17T16:48:53.365913Z"}}]}}'
    )


def test_the_recording_replayed_through_the_v2_path_verifies_too() -> None:
    frames = book_frames()
    syncs: dict[str, KrakenBookSync] = {}
    verified = 0
    for frame in frames:
        msg = decode_ws(_as_v2(frame))
        assert isinstance(msg, BookMessage)
        symbol = msg.data[0].symbol
        if symbol not in syncs:
            first = (frame[1].get("as") or frame[1].get("bs"))[0]
            syncs[symbol] = KrakenBookSync(
                instruments()[instrument_id(symbol)],
                1000,
                price_precision=decimals(first[0]),
                qty_precision=decimals(first[1]),
            )
        result = syncs[symbol].apply(msg)
        assert type(result) is BookApplied, result
        verified += result.checksum_verified
    assert verified == 4269
