"""The demo behind ``lyra demo``: generated quotes replayed through a clock and a bus.

It shows the foundation working end to end on embedded defaults (no server, no download):

1. Quotes for two instruments on two venues are generated as columnar batches (a seeded
   random walk of integer ticks), merged by timestamp (ties: the order the instruments were
   given) and turned into ``QuoteTick`` objects.
2. A ``TestClock`` is advanced to each quote's ``ts_event`` before the quote is published on
   an ``EventBus`` under the documented topic scheme, so a one-second sampling timer fires
   at the right place in the stream.
3. Subscribers track per-instrument mids and spreads through a wildcard subscription.
4. A Rust L2 book (``lyra.book``) is synced from a generated stream of depth updates in one
   batched call.

Run it with ``lyra demo`` (``--quotes``, ``--seed``); :func:`run_demo` returns the numbers it
prints, so tests can check them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock, TimeEvent
from lyra.model.data import QuoteTick
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Price

__all__ = ("DemoSummary", "InstrumentStats", "format_summary", "run_demo")

_T0_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
_SECOND = 1_000_000_000


@dataclass
class InstrumentStats:
    """What the demo's subscribers saw for one instrument."""

    instrument_id: str
    quotes: int = 0
    first_mid: Decimal | None = None
    last_mid: Decimal | None = None
    min_spread: Price | None = None
    max_spread: Price | None = None
    samples: int = 0
    """One-second sampling periods in which the instrument quoted."""


@dataclass
class DemoSummary:
    """The demo's results: counts, prices and timings."""

    quotes: int
    seed: int
    simulated_seconds: float
    timer_events: int
    instruments: list[InstrumentStats] = field(default_factory=list)
    replay_seconds: float = 0.0
    book_deltas: int = 0
    book_seconds: float = 0.0
    book_best_bid: tuple[int, int] | None = None
    book_best_ask: tuple[int, int] | None = None

    @property
    def quotes_per_second(self) -> float:
        """Replay throughput: quotes through clock and bus per wall-clock second."""
        return self.quotes / self.replay_seconds if self.replay_seconds else 0.0

    @property
    def deltas_per_second(self) -> float:
        """Rust L2 book throughput for the batched apply."""
        return self.book_deltas / self.book_seconds if self.book_seconds else 0.0


def _instruments() -> list[tuple[CurrencyPair, int, int]]:
    """(instrument, starting bid in ticks, quote interval in ns)."""
    btc = CurrencyPair.simple(
        "BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.00001", taker_fee="0.001"
    )
    eth = CurrencyPair.simple(
        "ETH-USDT.OKX", price_increment="0.01", size_increment="0.0001", taker_fee="0.0008"
    )
    return [(btc, 6_400_000, 1_000_000), (eth, 340_000, 1_500_000)]


def _generate(n: int, seed: int) -> list[list[QuoteTick]]:
    """Per instrument, ``n`` quotes of a seeded random walk, as QuoteTick lists."""
    import numpy as np

    from lyra.model.columnar import QuoteBatch

    rng = np.random.default_rng(seed)
    streams: list[list[QuoteTick]] = []
    for instrument, start, interval in _instruments():
        steps = rng.choice(np.array([-1, 0, 1], dtype=np.int64), size=n, p=[0.25, 0.5, 0.25])
        bid = start + np.cumsum(steps)
        ask = bid + rng.integers(1, 4, size=n)
        batch = QuoteBatch.from_ticks_arrays(
            bid,
            ask,
            rng.integers(1, 5_000, size=n),
            rng.integers(1, 5_000, size=n),
            _T0_NS + np.arange(n, dtype=np.int64) * interval,
            instrument_id=instrument.id,
            price_increment_raw=instrument.price_increment.raw,
            size_increment_raw=instrument.size_increment.raw,
        )
        streams.append(batch.to_ticks())
    return streams


def _merge(streams: list[list[QuoteTick]]) -> list[QuoteTick]:
    """One time-ordered stream; equal timestamps keep the order the streams were given."""
    import numpy as np

    ts = np.concatenate([np.fromiter((q.ts_event for q in s), np.int64, len(s)) for s in streams])
    which = np.concatenate([np.full(len(s), i, np.int64) for i, s in enumerate(streams)])
    index = np.concatenate([np.arange(len(s), dtype=np.int64) for s in streams])
    order = np.lexsort((which, ts))
    pairs = zip(which[order].tolist(), index[order].tolist(), strict=True)
    return [streams[w][k] for w, k in pairs]


def _sync_book(
    n: int, seed: int
) -> tuple[int, float, tuple[int, int] | None, tuple[int, int] | None]:
    """Apply ``n`` generated L2 updates to a Rust book in one batched call."""
    import numpy as np

    from lyra.book import ADD, BUY, DELETE, SELL, UPDATE, L2Book

    rng = np.random.default_rng(seed + 1)
    centre = 6_400_000
    side = rng.choice(np.array([BUY, SELL], dtype=np.uint8), size=n)
    distance = rng.integers(1, 200, size=n)
    price = np.where(side == BUY, centre - distance, centre + distance).astype(np.int64)
    action = rng.choice(np.array([ADD, UPDATE, DELETE], dtype=np.uint8), size=n, p=[0.3, 0.5, 0.2])
    size = np.where(action == DELETE, 0, rng.integers(1, 10_000, size=n)).astype(np.uint64)
    book = L2Book()
    started = time.perf_counter()
    applied = book.apply_batch(side, action, price, size)
    elapsed = time.perf_counter() - started
    return applied, elapsed, book.best_bid(), book.best_ask()


def run_demo(quotes: int = 200_000, seed: int = 42, book_deltas: int = 1_000_000) -> DemoSummary:
    """Run the demo and return what it measured; ``quotes`` is the total over both instruments."""
    if quotes < 2:
        from lyra.errors import InvalidInput

        raise InvalidInput("quotes", "must be at least 2", quotes)
    per_instrument = quotes // 2
    stream = _merge(_generate(per_instrument, seed))

    bus = EventBus()
    clock = TestClock(start_ns=_T0_NS)
    stats: dict[str, InstrumentStats] = {
        str(i.id): InstrumentStats(str(i.id)) for i, _, _ in _instruments()
    }
    quoted_since_sample: set[str] = set()

    def on_quote(quote: QuoteTick) -> None:
        s = stats[quote.instrument_id]
        mid = (quote.bid_price.as_decimal() + quote.ask_price.as_decimal()) / 2
        spread = quote.ask_price - quote.bid_price
        if s.first_mid is None:
            s.first_mid = mid
        s.last_mid = mid
        if s.min_spread is None or spread < s.min_spread:
            s.min_spread = spread
        if s.max_spread is None or spread > s.max_spread:
            s.max_spread = spread
        s.quotes += 1
        quoted_since_sample.add(quote.instrument_id)

    def on_sample(event: TimeEvent) -> None:
        # one sample per instrument per second in which it quoted (a 1 s bar, in effect)
        for instrument_id in quoted_since_sample:
            stats[instrument_id].samples += 1
        quoted_since_sample.clear()

    bus.subscribe("data.quotes.*", on_quote)
    clock.set_timer("sample-1s", _SECOND, callback=on_sample)
    topic_of = {str(i.id): topics.quotes(i.id) for i, _, _ in _instruments()}

    advance, publish = clock.advance_to, bus.publish
    timer_events = 0
    started = time.perf_counter()
    for quote in stream:
        timer_events += len(advance(quote.ts_event))
        publish(topic_of[quote.instrument_id], quote)
    replay_seconds = time.perf_counter() - started

    applied, book_seconds, best_bid, best_ask = _sync_book(book_deltas, seed)
    return DemoSummary(
        quotes=len(stream),
        seed=seed,
        simulated_seconds=(stream[-1].ts_event - _T0_NS) / _SECOND,
        timer_events=timer_events,
        instruments=list(stats.values()),
        replay_seconds=replay_seconds,
        book_deltas=applied,
        book_seconds=book_seconds,
        book_best_bid=best_bid,
        book_best_ask=best_ask,
    )


def format_summary(summary: DemoSummary) -> str:
    """The summary as the lines ``lyra demo`` prints."""
    lines = [
        f"Lyra demo (seed {summary.seed})",
        f"  replayed {summary.quotes:,} quotes over {summary.simulated_seconds:,.1f} simulated "
        f"seconds through TestClock + EventBus in {summary.replay_seconds:.2f} s "
        f"({summary.quotes_per_second:,.0f} quotes/s)",
        f"  sampling timer fired {summary.timer_events:,} times, in order with the data",
    ]
    lines.extend(
        f"  {s.instrument_id:<18} {s.quotes:>9,} quotes  mid {s.first_mid} -> {s.last_mid}"
        f"  spread {s.min_spread}..{s.max_spread}  samples {s.samples:,}"
        for s in summary.instruments
    )
    lines.append(
        f"  Rust L2 book: {summary.book_deltas:,} deltas in one batch in "
        f"{summary.book_seconds * 1e3:.1f} ms ({summary.deltas_per_second:,.0f} deltas/s); "
        f"best bid {summary.book_best_bid}, best ask {summary.book_best_ask} (ticks, lots)"
    )
    return "\n".join(lines)
