"""Turning a clock argument into a ``() -> int`` nanosecond time function (private)."""

from __future__ import annotations

from collections.abc import Callable
from time import time_ns
from typing import Protocol, runtime_checkable

from lyra.errors import InvalidInput

__all__ = ("ClockLike", "TimeSource", "as_time_fn")


@runtime_checkable
class ClockLike(Protocol):
    """Anything with ``timestamp_ns()`` (a :class:`lyra.clock.Clock`, for one)."""

    def timestamp_ns(self) -> int: ...


TimeSource = ClockLike | Callable[[], int] | None


def as_time_fn(clock: TimeSource) -> Callable[[], int]:
    """``clock.timestamp_ns`` for a clock, the callable itself, or wall time for ``None``."""
    if clock is None:
        return time_ns
    if isinstance(clock, ClockLike):
        return clock.timestamp_ns
    if callable(clock):
        return clock
    raise InvalidInput("clock", "must be a Clock, a () -> int nanosecond function, or None", clock)
