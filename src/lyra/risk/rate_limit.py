"""Submit and modify rate limits: at most ``limit`` commands in any sliding window of
``interval_ns``, measured on a :class:`~lyra.clock.Clock`.

The window is exact, not bucketed: a command at time ``t`` is allowed when fewer than
``limit`` commands were allowed in ``(t - interval_ns, t]``. So with ``limit=N`` the first N
commands at one instant pass, the N+1th is denied, and a command is allowed again at exactly
``t0 + interval_ns`` where ``t0`` is the time of the oldest of the last N allowed commands.
Denied commands are not counted and not queued: the caller decides whether to retry. On a
:class:`~lyra.clock.TestClock` the outcome depends only on the clock's readings, so it is
deterministic.

The limiter keeps the times of the last ``limit`` allowed commands in a ring, so a check is a
few integer operations whatever ``limit`` is.
"""

from __future__ import annotations

from typing import Final

import msgspec

from lyra.clock import Clock
from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.risk.denials import Denial, DenialCode

__all__ = ("RateLimit", "RateLimiter")

_SECOND: Final = 1_000_000_000
# Older than any real clock reading minus any interval: the ring starts "empty".
_LONG_AGO: Final = -(2**62)


def _fmt_interval(ns: int) -> str:
    if ns % _SECOND == 0:
        return f"{ns // _SECOND}s"
    if ns % 1_000_000 == 0:
        return f"{ns // 1_000_000}ms"
    if ns % 1_000 == 0:
        return f"{ns // 1_000}us"
    return f"{ns}ns"


class RateLimit(msgspec.Struct, frozen=True, gc=False):
    """``limit`` commands per sliding window of ``interval_ns`` nanoseconds.

    The default risk configuration uses ``RateLimit(100, 1_000_000_000)`` (100 per second) for
    submits and for modifies, as NautilusTrader does.
    """

    limit: int
    interval_ns: int

    def __post_init__(self) -> None:
        if type(self.limit) is not int or self.limit < 1:
            raise ValueOutOfRange("RateLimit.limit", "must be an int >= 1", self.limit)
        if type(self.interval_ns) is not int or self.interval_ns < 1:
            raise ValueOutOfRange(
                "RateLimit.interval_ns", "must be an int of nanoseconds >= 1", self.interval_ns
            )

    @classmethod
    def per_second(cls, limit: int) -> RateLimit:
        """``limit`` commands per second."""
        return cls(limit, _SECOND)

    def __str__(self) -> str:
        return f"{self.limit} per {_fmt_interval(self.interval_ns)}"


class RateLimiter:
    """A sliding-window limiter on a clock. ``what`` names the commands in denial messages
    (``"submit"``, ``"modify"``).

    :meth:`check` is the whole protocol: it returns ``None`` and counts the command when the
    window has room, or a ``RATE_LIMITED`` :class:`~lyra.risk.Denial` (counting nothing).
    """

    __slots__ = ("_idx", "_interval", "_limit", "_now", "_rate", "_ring", "_what")

    def __init__(self, rate: RateLimit, clock: Clock, *, what: str = "submit") -> None:
        if not isinstance(rate, RateLimit):
            raise InvalidInput("rate", "must be a RateLimit", rate)
        self._rate = rate
        self._limit = rate.limit
        self._interval = rate.interval_ns
        self._now = clock.timestamp_ns
        self._what = what
        self._ring = [_LONG_AGO] * rate.limit
        self._idx = 0  # slot of the oldest of the last `limit` allowed commands

    @property
    def rate(self) -> RateLimit:
        """The configured limit."""
        return self._rate

    def check(self) -> Denial | None:
        """Count one command now if the window has room; else deny it (not counted)."""
        now = self._now()
        ring = self._ring
        idx = self._idx
        oldest = ring[idx]
        if now - oldest < self._interval:
            return self._denial(now, oldest)
        ring[idx] = now
        idx += 1
        self._idx = 0 if idx == self._limit else idx
        return None

    def would_allow(self) -> bool:
        """Whether :meth:`check` would allow a command now (counts nothing)."""
        return self._now() - self._ring[self._idx] >= self._interval

    def used(self) -> int:
        """How many allowed commands lie in the current window."""
        start = self._now() - self._interval
        return sum(1 for t in self._ring if t > start)

    def next_allowed_ns(self) -> int:
        """The earliest time at which a command would be allowed (now, if it would be)."""
        return max(self._now(), self._ring[self._idx] + self._interval)

    def reset(self) -> None:
        """Forget every counted command."""
        self._ring = [_LONG_AGO] * self._limit
        self._idx = 0

    def _denial(self, now: int, oldest: int) -> Denial:
        return Denial(
            DenialCode.RATE_LIMITED,
            f"{self._what} rate limit of {self._rate} reached ({self._limit} {self._what}s "
            f"allowed since {oldest} ns, now {now} ns); next allowed at "
            f"{oldest + self._interval} ns; denied, not queued",
        )
