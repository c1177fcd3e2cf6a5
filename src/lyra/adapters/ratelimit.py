"""Weight-aware rate limiting and reconnect back-off for venue clients.

Venues count requests in weights over several sliding windows at once: Binance spot counts
``REQUEST_WEIGHT`` per minute (an order book snapshot of 5000 levels weighs 250, an order
1), ``ORDERS`` per 10 seconds and per day, ``RAW_REQUESTS`` per 5 minutes. A
:class:`WeightLimiter` holds one :class:`RateWindow` per such limit and admits a request only
when every window it counts in has room, so a client never earns a 429 (and never the ban
that repeated 429s bring). :meth:`WeightLimiter.acquire` waits for room;
:meth:`WeightLimiter.try_acquire` answers at once (what a fake server uses to enforce the
venue's limits). :meth:`WeightLimiter.sync_used` folds in the venue's own count from its
response headers and :meth:`WeightLimiter.block_for` honours a ``Retry-After``.

:class:`Backoff` gives reconnect delays: exponential with a cap, and random jitter so that
many clients cut off at once do not reconnect in lock step.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import msgspec

from lyra.errors import InvalidInput

__all__ = ("Backoff", "RateWindow", "WeightLimiter")

_EPS: Final = 1e-9


class RateWindow(msgspec.Struct, frozen=True, gc=False):
    """At most ``limit`` units of ``kind`` in any sliding ``interval_s`` seconds."""

    kind: str
    limit: int
    interval_s: float

    def __post_init__(self) -> None:
        if not self.kind:
            raise InvalidInput("RateWindow.kind", "must be a non-empty str", self.kind)
        if type(self.limit) is not int or self.limit < 1:
            raise InvalidInput("RateWindow.limit", "must be an int >= 1", self.limit)
        if not self.interval_s > 0:
            raise InvalidInput("RateWindow.interval_s", "must be > 0", self.interval_s)


class _Window:
    __slots__ = ("entries", "rule", "total")

    def __init__(self, rule: RateWindow) -> None:
        self.rule = rule
        self.entries: deque[tuple[float, int]] = deque()
        self.total = 0

    def prune(self, now: float) -> None:
        start = now - self.rule.interval_s
        entries = self.entries
        while entries and entries[0][0] <= start:
            self.total -= entries.popleft()[1]

    def wait_for(self, now: float, amount: int) -> float:
        """Seconds until ``amount`` more fits (0: now). Assumes pruned."""
        limit = self.rule.limit
        if self.total + amount <= limit:
            return 0.0
        if amount > limit:
            return float("inf")
        # drop the oldest entries until enough room is free
        need = self.total + amount - limit
        freed = 0
        for t, w in self.entries:
            freed += w
            if freed >= need:
                return max(0.0, t + self.rule.interval_s - now)
        return self.rule.interval_s  # pragma: no cover - entries always cover the excess


class WeightLimiter:
    """Sliding-window limits over several windows; see the module docs.

    ``clock`` returns seconds on a monotonic scale (default :func:`time.monotonic`).
    """

    __slots__ = ("_blocked_until", "_clock", "_windows")

    def __init__(
        self,
        windows: Iterable[RateWindow] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._windows: list[_Window] = []
        self._blocked_until = 0.0
        for w in windows:
            self.add(w)

    def add(self, window: RateWindow) -> None:
        """Add a window (e.g. after reading the venue's published limits)."""
        if not isinstance(window, RateWindow):
            raise InvalidInput("window", "must be a RateWindow", window)
        self._windows.append(_Window(window))

    def replace(self, windows: Iterable[RateWindow]) -> None:
        """Replace every window (usage counted so far is kept for windows of equal shape)."""
        old = {(w.rule.kind, w.rule.interval_s): w for w in self._windows}
        fresh: list[_Window] = []
        for rule in windows:
            keep = old.get((rule.kind, rule.interval_s))
            win = _Window(rule)
            if keep is not None:
                win.entries, win.total = keep.entries, keep.total
            fresh.append(win)
        self._windows = fresh

    @property
    def windows(self) -> tuple[RateWindow, ...]:
        """The limits in force."""
        return tuple(w.rule for w in self._windows)

    def _delay(self, weights: Mapping[str, int], now: float) -> float:
        delay = self._blocked_until - now if self._blocked_until > now else 0.0
        for win in self._windows:
            amount = weights.get(win.rule.kind, 0)
            if amount <= 0:
                continue
            win.prune(now)
            d = win.wait_for(now, amount)
            if d > delay:
                delay = d
        return delay

    def _count(self, weights: Mapping[str, int], now: float) -> None:
        for win in self._windows:
            amount = weights.get(win.rule.kind, 0)
            if amount > 0:
                win.entries.append((now, amount))
                win.total += amount

    def try_acquire(self, weights: Mapping[str, int]) -> float:
        """Count ``weights`` (kind -> units) now if every window has room and return 0.0;
        otherwise count nothing and return how many seconds to wait (``inf`` when a request
        is heavier than a whole window)."""
        now = self._clock()
        delay = self._delay(weights, now)
        if delay > _EPS:
            return delay
        self._count(weights, now)
        return 0.0

    async def acquire(self, weights: Mapping[str, int]) -> None:
        """Wait until ``weights`` fit, then count them. Raises
        :class:`~lyra.errors.InvalidInput` for a request heavier than a whole window."""
        import anyio

        while True:
            delay = self.try_acquire(weights)
            if delay == 0.0:
                return
            if delay == float("inf"):
                raise InvalidInput("weights", "exceed a whole rate window", dict(weights))
            await anyio.sleep(delay)

    def sync_used(self, kind: str, interval_s: float, used: int) -> None:
        """Fold in the venue's own count ``used`` of ``kind`` over ``interval_s`` (from a
        response header): if the venue counts more than we did, the difference is
        recorded now (others share the limit: the same IP, another process)."""
        now = self._clock()
        for win in self._windows:
            rule = win.rule
            if rule.kind == kind and abs(rule.interval_s - interval_s) < _EPS:
                win.prune(now)
                if used > win.total:
                    win.entries.append((now, used - win.total))
                    win.total = used

    def block_for(self, seconds: float) -> None:
        """Admit nothing for ``seconds`` (the venue's ``Retry-After``)."""
        until = self._clock() + max(0.0, seconds)
        if until > self._blocked_until:
            self._blocked_until = until

    def used(self, kind: str) -> int:
        """Units of ``kind`` counted in the first window of that kind."""
        now = self._clock()
        for win in self._windows:
            if win.rule.kind == kind:
                win.prune(now)
                return win.total
        return 0

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{w.rule.kind} {w.total}/{w.rule.limit} per {w.rule.interval_s:g}s"
            for w in self._windows
        )
        return f"WeightLimiter({shown})"


class Backoff(msgspec.Struct, frozen=True, gc=False):
    """Reconnect delays: ``initial_s * factor ** (attempt - 1)`` capped at ``max_s``, minus
    up to ``jitter`` of it at random (``jitter`` 0.5: between half and all of the delay).
    """

    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not self.initial_s >= 0:
            raise InvalidInput("Backoff.initial_s", "must be >= 0", self.initial_s)
        if not self.factor >= 1:
            raise InvalidInput("Backoff.factor", "must be >= 1", self.factor)
        if not self.max_s >= self.initial_s:
            raise InvalidInput("Backoff.max_s", "must be >= initial_s", self.max_s)
        if not 0 <= self.jitter <= 1:
            raise InvalidInput("Backoff.jitter", "must be in 0..1", self.jitter)

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The delay before reconnection attempt ``attempt`` (1 for the first)."""
        if attempt < 1:
            return 0.0
        base = self.initial_s * self.factor ** min(attempt - 1, 64)
        base = min(base, self.max_s)
        r = (rng or random).random()
        return base * (1.0 - self.jitter * r)
