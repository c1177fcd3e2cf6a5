"""The sliding-window rate limiter, measured on a TestClock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from risk_support import SECOND, T0

from lyra.clock import TestClock
from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.risk import DenialCode, RateLimit, RateLimiter


def test_rate_limit_validation_and_text() -> None:
    assert str(RateLimit(100, SECOND)) == "100 per 1s"
    assert str(RateLimit(5, 250_000_000)) == "5 per 250ms"
    assert str(RateLimit(5, 1_500)) == "5 per 1500ns"
    assert RateLimit.per_second(7) == RateLimit(7, SECOND)
    with pytest.raises(ValueOutOfRange):
        RateLimit(0, SECOND)
    with pytest.raises(ValueOutOfRange):
        RateLimit(1, 0)
    with pytest.raises(ValueOutOfRange):
        RateLimit(True, SECOND)
    with pytest.raises(InvalidInput):
        RateLimiter((1, 2), TestClock())  # type: ignore[arg-type]


def test_exactly_n_in_the_window_then_denied_then_allowed_after_it_slides() -> None:
    clock = TestClock(T0)
    limiter = RateLimiter(RateLimit(3, SECOND), clock)
    assert [limiter.check() for _ in range(3)] == [None, None, None]
    denial = limiter.check()
    assert denial is not None and denial.code is DenialCode.RATE_LIMITED
    assert denial.message == (
        f"submit rate limit of 3 per 1s reached (3 submits allowed since {T0} ns, now {T0} ns); "
        f"next allowed at {T0 + SECOND} ns; denied, not queued"
    )
    clock.set_time(T0 + SECOND - 1)
    assert limiter.check() is not None
    clock.set_time(T0 + SECOND)  # the window (t - 1s, t] no longer holds T0
    assert [limiter.check() for _ in range(3)] == [None, None, None]
    assert limiter.check() is not None


def test_the_window_slides_one_command_at_a_time() -> None:
    clock = TestClock(T0)
    limiter = RateLimiter(RateLimit(3, 1000), clock)
    for t in (0, 100, 200):
        clock.set_time(T0 + t)
        assert limiter.check() is None
    clock.set_time(T0 + 999)
    assert limiter.check() is not None
    assert limiter.next_allowed_ns() == T0 + 1000
    clock.set_time(T0 + 1000)  # the command at 0 left
    assert limiter.check() is None
    clock.set_time(T0 + 1099)  # 100, 200 and 1000 are in the window
    assert limiter.check() is not None
    clock.set_time(T0 + 1100)
    assert limiter.check() is None


def test_denied_commands_are_not_counted() -> None:
    clock = TestClock(T0)
    limiter = RateLimiter(RateLimit(2, SECOND), clock)
    assert limiter.check() is None
    assert limiter.check() is None
    for step in range(1, 50):
        clock.set_time(T0 + step * 10_000_000)  # denials all through the second
        assert limiter.check() is not None
    clock.set_time(T0 + SECOND)
    assert limiter.check() is None


def test_helpers_count_nothing() -> None:
    clock = TestClock(T0)
    limiter = RateLimiter(RateLimit(2, SECOND), clock, what="modify")
    assert limiter.rate == RateLimit(2, SECOND)
    assert limiter.would_allow() and limiter.used() == 0
    assert limiter.next_allowed_ns() == T0
    limiter.check()
    limiter.check()
    assert not limiter.would_allow() and limiter.used() == 2
    denial = limiter.check()
    assert denial is not None and denial.message.startswith("modify rate limit of 2 per 1s")
    clock.set_time(T0 + SECOND)
    assert limiter.used() == 0 and limiter.would_allow()
    limiter.check()
    limiter.check()
    assert limiter.check() is not None
    limiter.reset()
    assert limiter.used() == 0 and limiter.check() is None


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 5),
    interval=st.integers(1, 50),
    gaps=st.lists(st.integers(0, 30), min_size=1, max_size=60),
)
def test_matches_a_brute_force_sliding_window(limit: int, interval: int, gaps: list[int]) -> None:
    clock = TestClock(T0)
    limiter = RateLimiter(RateLimit(limit, interval), clock)
    allowed: list[int] = []
    t = T0
    for gap in gaps:
        t += gap
        clock.set_time(t)
        in_window = sum(1 for a in allowed if a > t - interval)
        expected = in_window < limit
        assert (limiter.check() is None) is expected
        if expected:
            allowed.append(t)
