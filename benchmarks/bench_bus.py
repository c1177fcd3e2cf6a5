"""EventBus benchmarks: publish throughput, first-publish topic resolution, empty topics.

Rows:

* ``bus.publish.1_subscriber`` / ``bus.publish.10_subscribers``: messages per second
  published on one cached topic with 1 or 10 trivial handlers (each message reaches every
  handler).
* ``bus.publish.no_subscribers``: messages per second on a cached topic nobody listens to.
* ``bus.resolve.100_patterns``: nanoseconds for the first publish on a new concrete topic
  with 100 patterns subscribed (40 ``prefix.*``, 30 with inner wildcards, 30 exact), i.e.
  matching every pattern, sorting and caching the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lyra.bus import EventBus

__all__ = ("run",)

_VENUES = ("BINANCE", "OKX", "KRAKEN", "COINBASE", "BYBIT")


def _noop(msg: Any) -> None:
    pass


def _best(repeats: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(repeats))


def _publish_rate(n_handlers: int, n: int, repeats: int) -> float:
    bus = EventBus()
    topic = "data.quotes.BINANCE.BTCUSDT"
    for i in range(n_handlers):
        # Distinct handler objects: the same function twice would be one subscription.
        bus.subscribe(topic, lambda msg: None, priority=i % 3)
    if n_handlers == 0:
        assert not bus.has_subscribers(topic)
    msg = object()
    publish = bus.publish
    publish(topic, msg)  # resolve once; the timed loop runs on the cached topic

    def once() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            publish(topic, msg)
        return time.perf_counter() - t0

    return n / _best(repeats, once)


def _patterns() -> list[str]:
    prefix = [f"data.{('quotes', 'trades')[i % 2]}.{_VENUES[i % 5]}{i}.*" for i in range(40)]
    inner = [f"data.*.{_VENUES[i % 5]}.SYM{i}?" for i in range(30)]
    exact = [f"data.quotes.{_VENUES[i % 5]}.SYM{i}" for i in range(30)]
    return prefix + inner + exact


def _resolve_cost(n_topics: int, repeats: int) -> float:
    patterns = _patterns()
    assert len(patterns) == 100

    def once() -> float:
        bus = EventBus(cache_size=n_topics + 1)
        for pat in patterns:
            bus.subscribe(pat, _noop)
        topics = [
            f"data.{('quotes', 'trades')[i % 2]}.{_VENUES[i % 5]}.SYM{i % 40}{i}"
            for i in range(n_topics)
        ]
        msg = object()
        publish = bus.publish
        t0 = time.perf_counter()
        for topic in topics:
            publish(topic, msg)
        return time.perf_counter() - t0

    return _best(repeats, once) / n_topics * 1e9


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Run the bus benchmarks; ``quick`` keeps it well under two seconds."""
    n = 50_000 if quick else 1_000_000
    n_topics = 1_000 if quick else 20_000
    repeats = 3 if quick else 5
    return [
        ("bus.publish.1_subscriber", _publish_rate(1, n, repeats), "msgs/s"),
        ("bus.publish.10_subscribers", _publish_rate(10, n // 4, repeats), "msgs/s"),
        ("bus.publish.no_subscribers", _publish_rate(0, n, repeats), "msgs/s"),
        ("bus.resolve.100_patterns", _resolve_cost(n_topics, repeats), "ns/topic"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
