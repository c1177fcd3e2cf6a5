"""The recorded Binance spot and USD-M streams replayed through the adapter's decoding and
book sync: every message decodes, the venue's sequence rules hold across the whole file,
nothing is reported as a gap or as malformed, and the published deltas rebuild the book.

The captures hold no depth snapshot, so each book starts from an empty snapshot whose
``lastUpdateId`` is placed where Binance's procedure accepts the first recorded update
(spot: ``U - 1``; futures: ``U``); every later update must then pass the rules unaided.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from lyra.adapters.binance.book import BinanceFuturesBookSync, BinanceSpotBookSync
from lyra.adapters.binance.instruments import parse_exchange_info, rate_windows
from lyra.adapters.binance.messages import (
    AggTrade,
    BookTicker,
    DepthUpdate,
    ExchangeInfo,
    KlineEvent,
    StreamEnvelope,
)
from lyra.adapters.book_sync import Change, SyncedBook, SyncResult
from lyra.adapters.decoding import MessageDecoder
from lyra.model.instruments import CurrencyPair, PerpetualSwap

from .recorded import exchange_info, frames

_KINDS = {"bookTicker": BookTicker, "aggTrade": AggTrade}


def _instruments(name: str, spot: bool) -> dict[str, object]:
    info = msgspec.json.decode(exchange_info(name), type=ExchangeInfo)
    venue = "BINANCE" if spot else "BINANCE_FUTURES"
    return {
        s.instrument.raw_symbol: s.instrument
        for s in parse_exchange_info(info, venue=venue, spot=spot)
    }


@pytest.mark.parametrize(("name", "spot"), [("BINANCE", True), ("BINANCE_FUTURES", False)])
def test_every_recorded_message_decodes_and_every_book_stays_in_sequence(
    name: str, spot: bool
) -> None:
    instruments = _instruments(name, spot)
    decoder = MessageDecoder(name)
    syncs: dict[str, BinanceSpotBookSync | BinanceFuturesBookSync] = {}
    mirrors: dict[str, dict[tuple[int, int], int]] = {}
    counts: dict[str, int] = {}
    prev_u: dict[str, int] = {}
    for frame in frames(name):
        env = decoder.decode(StreamEnvelope, frame)
        kind = env.stream.split("@", 1)[1]
        counts[kind] = counts.get(kind, 0) + 1
        if kind.startswith("depth"):
            update = decoder.decode(DepthUpdate, env.data)
            symbol = update.symbol
            # the file's own continuity, independently of the sync machine
            if symbol in prev_u:
                if spot:
                    assert update.first_id == prev_u[symbol] + 1
                else:
                    assert update.prev_final_id == prev_u[symbol]
            prev_u[symbol] = update.final_id
            sync = syncs.get(symbol)
            if sync is None:
                cls = BinanceSpotBookSync if spot else BinanceFuturesBookSync
                mirror = mirrors[symbol] = {}

                def rebuild(changes: list[Change], snapshot: bool, _u: object, m=mirror) -> None:
                    if snapshot:
                        m.clear()
                    for side, px, lots in changes:
                        if lots:
                            m[(side, px)] = lots
                        else:
                            m.pop((side, px), None)

                sync = syncs[symbol] = cls(SyncedBook(instruments[symbol]), on_applied=rebuild)
                assert sync.on_update(update) is SyncResult.BUFFERED
                snapshot_id = update.first_id - 1 if spot else update.first_id
                assert sync.on_snapshot(snapshot_id, [], []) is SyncResult.APPLIED
            else:
                assert sync.on_update(update) is SyncResult.APPLIED
        elif kind.startswith("kline"):
            decoder.decode(KlineEvent, env.data)
        else:
            decoder.decode(_KINDS[kind], env.data)
    assert decoder.stats.malformed == 0
    depth = sum(n for k, n in counts.items() if k.startswith("depth"))
    assert depth == (177 if spot else 764)
    assert set(syncs) == (
        {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"}
        if spot
        else {"SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT"}
    )
    for symbol, sync in syncs.items():
        assert sync.synced and sync.gaps == 0 and sync.malformed == 0
        assert sync.applied + sync.snapshots >= 1
        book = sync.book.book
        assert book.bid_levels() + book.ask_levels() > 0
        # what on_applied reported is exactly the Rust book's content
        mirror = mirrors[symbol]
        bids = {(1, p): s for p, s in book.depth(1, book.bid_levels())}
        asks = {(2, p): s for p, s in book.depth(2, book.ask_levels())}
        assert mirror == {**bids, **asks}
        best_bid, best_ask = sync.book.best_bid(), sync.book.best_ask()
        if best_bid and best_ask:
            assert best_bid[0] < best_ask[0]


def test_a_dropped_recorded_update_is_detected_as_a_gap() -> None:
    instruments = _instruments("BINANCE_FUTURES", False)
    updates = [
        msgspec.json.decode(msgspec.json.decode(f, type=StreamEnvelope).data, type=DepthUpdate)
        for f in frames("BINANCE_FUTURES")
        if b"@depth" in f[:60]
    ]
    sushi = [u for u in updates if u.symbol == "SUSHIUSDT"]
    sync = BinanceFuturesBookSync(SyncedBook(instruments["SUSHIUSDT"]))
    sync.on_update(sushi[0])
    sync.on_snapshot(sushi[0].first_id, [], [])
    assert sync.on_update(sushi[1]) is SyncResult.APPLIED
    assert sync.on_update(sushi[3]) is SyncResult.GAP  # sushi[2] went missing
    assert sync.needs_snapshot and not sync.synced and sync.gaps == 1
    # the update that revealed the gap waits for the next snapshot
    assert sync.buffered == 1


def test_recorded_exchange_info_becomes_instruments_with_their_filters() -> None:
    spot = _instruments("BINANCE", True)
    ethbtc = spot["ETHBTC"]
    assert isinstance(ethbtc, CurrencyPair)
    assert str(ethbtc.price_increment) == "0.000001"
    assert str(ethbtc.size_increment) == "0.0001"
    assert str(ethbtc.min_quantity) == "0.0001" and str(ethbtc.max_quantity) == "100000"
    assert ethbtc.min_notional is not None and ethbtc.min_notional.currency.code == "BTC"
    futures = _instruments("BINANCE_FUTURES", False)
    btc = futures["BTCUSDT"]
    assert isinstance(btc, PerpetualSwap)
    assert str(btc.price_increment) == "0.01" and str(btc.min_price) == "556.72"
    assert btc.margin_init == Decimal("0.05") and btc.margin_maint == Decimal("0.025")
    info = msgspec.json.decode(exchange_info("BINANCE_FUTURES"), type=ExchangeInfo)
    windows = {(w.kind, w.interval_s): w.limit for w in rate_windows(info.rate_limits)}
    assert windows == {
        ("REQUEST_WEIGHT", 60.0): 2400,
        ("ORDERS", 60.0): 1200,
        ("ORDERS", 10.0): 300,
    }
