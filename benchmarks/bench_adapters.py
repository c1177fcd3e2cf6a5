"""Venue adapter benchmarks: recorded Binance depth messages through the adapter's hot path.

Data: the recorded combined-stream captures in ``shared/fixtures/recorded`` (see its
README): USD-M ``BINANCE_FUTURES.ws.1.0`` (764 ``depthUpdate`` messages of 4 symbols, about
14 levels each) and spot ``BINANCE.ws.1.0`` (177 messages, about 3 levels each). Each pass
replays a capture's depth messages with their update ids shifted past the previous pass, so
every message is applied (no stale drops) and the sequence rules are checked on all of them.

Rows (best of the repeats; messages per second of the timed loop):

* ``adapters.binance_futures.depth`` / ``adapters.binance_spot.depth``: the adapter's own
  path per websocket frame -- decode the combined-stream envelope and the ``depthUpdate``
  (msgspec), check the sequence rule, apply every level to the Rust L2 book, and publish one
  ``BookDeltas`` event (with a ``BookDelta`` per level) to one bus subscriber;
* ``adapters.binance_futures.depth.no_subscriber``: the same with nobody subscribed, so
  no event objects are built (decode + sequence + book);
* ``adapters.binance_futures.decode_only``: the two msgspec decodes alone;
* ``peer.cryptofeed.kraken_l2_handler``: the peer figure from ``shared/bench/README.md``
  (cryptofeed 2.4.1, Kraken L2 updates through its message handler and callback, same
  machine), printed beside ours; it is a constant, not measured here, and its data differ
  (Kraken messages, fewer levels each).

Every timed run checks that the book ends where a plain replay ends, so a fast wrong path
cannot report a figure.
"""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path
from typing import Any

import msgspec

from lyra import topics
from lyra.adapters.binance import BinanceFutures, BinanceSpot
from lyra.adapters.binance.instruments import parse_exchange_info
from lyra.adapters.binance.messages import DepthUpdate, ExchangeInfo
from lyra.bus import EventBus
from lyra.model.data import BookDeltas

__all__ = ("run",)

_RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "recorded"
_CRYPTOFEED_KRAKEN_L2 = 153_000.0  # msgs/s, the middle of 152-154k in shared/bench/README.md


def _frames(name: str) -> list[bytes]:
    path = _RECORDED / f"{name}.ws.1.0"
    if not path.exists():
        raise FileNotFoundError(f"the recorded Binance data is missing: {path}")
    with path.open("rb") as f:
        next(f)
        return [line.split(b": ", 1)[1].strip() for line in f if b"@depth" in line[:80]]


def _exchange_info(name: str) -> ExchangeInfo:
    with (_RECORDED / f"{name}.0").open("rb") as f:
        return msgspec.json.decode(f.readline().split(b": ", 1)[1], type=ExchangeInfo)


def _passes(frames: list[bytes], n: int, futures: bool) -> list[bytes]:
    """``n`` copies of the frames, update ids shifted per copy so the sequence continues:
    copy ``k`` adds ``k * span`` to every id (``span``: the symbol's id range), and the
    first update of a symbol in a copy links to the last update of the copy before."""
    docs = [json.loads(f) for f in frames]
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for d in docs:
        sym = d["data"]["s"]
        first.setdefault(sym, d["data"]["U"])
        last[sym] = d["data"]["u"]
    span = {sym: last[sym] - first[sym] + 1 for sym in first}
    out: list[bytes] = []
    for k in range(n):
        opened: set[str] = set()
        for d in docs:
            data = dict(d["data"])
            sym = data["s"]
            shift = k * span[sym]
            data["U"] += shift
            data["u"] += shift
            if futures:
                if sym in opened:
                    data["pu"] += shift
                elif k:
                    data["pu"] = last[sym] + (k - 1) * span[sym]
            opened.add(sym)
            out.append(json.dumps({"stream": d["stream"], "data": data}).encode())
    return out


class _Setup:
    """A connected-looking adapter whose depth feeds are fed by hand (no sockets)."""

    def __init__(self, name: str, futures: bool, subscribed: bool) -> None:
        from lyra.adapters.binance.venue import _MarketStream

        self.bus = EventBus()
        cls = BinanceFutures if futures else BinanceSpot
        self.venue = cls(self.bus)
        venue = self.venue
        symbols = parse_exchange_info(_exchange_info(name), venue=venue.venue, spot=not futures)
        for sym in symbols:
            venue.symbols.add(sym.instrument)
        self.stream = _MarketStream(venue, "ws://127.0.0.1:1/stream", "bench")
        self.feeds = []
        self.events = 0
        wanted = {json.loads(f)["data"]["s"] for f in _frames(name)}
        for symbol in sorted(wanted):
            instrument = venue.symbols.find(symbol)
            assert instrument is not None
            feed = venue._new_book(instrument)
            venue._books[instrument.id] = feed
            stream = f"{symbol.lower()}@depth@100ms"
            self.stream.handlers[stream] = venue._depth_handler(feed)
            self.feeds.append(feed)
            if subscribed:
                self.bus.subscribe(topics.book_deltas(instrument.id), self._count)

    def _count(self, msg: BookDeltas) -> None:
        self.events += 1

    def prime(self, first: list[bytes], futures: bool) -> None:
        """Sync each book with an empty snapshot the first update bridges."""
        seen: set[str] = set()
        for frame in first:
            data = json.loads(frame)["data"]
            if data["s"] in seen:
                continue
            seen.add(data["s"])
            for feed in self.feeds:
                if feed.instrument.raw_symbol == data["s"]:
                    snap = data["U"] if futures else data["U"] - 1
                    feed.sync.on_snapshot(snap, [], [])

    def state(self) -> list[Any]:
        return [
            (f.sync.last_update_id, f.sync.book.book.depth(1, 5), f.sync.book.book.depth(2, 5))
            for f in self.feeds
        ]

    def gaps(self) -> int:
        return sum(f.sync.gaps for f in self.feeds) + self.venue.decoder.stats.malformed


def _measure(
    name: str, futures: bool, frames: list[bytes], subscribed: bool, repeats: int
) -> tuple[float, Any]:
    best = float("inf")
    final = None
    for _ in range(repeats):
        setup = _Setup(name, futures, subscribed)
        setup.prime(frames, futures)
        setup.events = 0  # the priming snapshots are not counted
        on_frame = setup.stream.on_frame
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            for frame in frames:
                on_frame(frame)
            elapsed = time.perf_counter() - t0
        finally:
            gc.enable()
        if setup.gaps():
            raise RuntimeError(f"{name}: the replay broke the sequence rules")
        if subscribed and setup.events != len(frames):
            raise RuntimeError(f"{name}: {setup.events} events for {len(frames)} messages")
        state = setup.state()
        if final is not None and state != final:
            raise RuntimeError(f"{name}: the final book differs between runs")
        final = state
        best = min(best, elapsed)
    return len(frames) / best, final


def _decode_only(frames: list[bytes], repeats: int) -> float:
    from lyra.adapters.binance.venue import _MarketFrame

    env = msgspec.json.Decoder(_MarketFrame)
    dec = msgspec.json.Decoder(DepthUpdate)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for frame in frames:
            dec.decode(env.decode(frame).data)
        best = min(best, time.perf_counter() - t0)
    return len(frames) / best


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Replay the recorded depth streams through the adapter; return (figure, value, unit)."""
    passes = 2 if quick else 40
    repeats = 2 if quick else 5
    futures = _passes(_frames("BINANCE_FUTURES"), passes, True)
    spot = _passes(_frames("BINANCE"), passes * 4, False)
    rows: list[tuple[str, float, str]] = []
    rate, book_a = _measure("BINANCE_FUTURES", True, futures, True, repeats)
    rows.append(("adapters.binance_futures.depth", rate, "msgs/s"))
    rate, book_b = _measure("BINANCE_FUTURES", True, futures, False, repeats)
    if book_a != book_b:
        raise RuntimeError("the book differs with and without a subscriber")
    rows.append(("adapters.binance_futures.depth.no_subscriber", rate, "msgs/s"))
    rate, _ = _measure("BINANCE", False, spot, True, repeats)
    rows.append(("adapters.binance_spot.depth", rate, "msgs/s"))
    rows.append(("adapters.binance_futures.decode_only", _decode_only(futures, repeats), "msgs/s"))
    rows.append(("peer.cryptofeed.kraken_l2_handler (README)", _CRYPTOFEED_KRAKEN_L2, "msgs/s"))
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
