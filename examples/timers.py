"""Timers and alerts on a TestClock, then the same code on a LiveClock.

A small "strategy" closes a bar every second, sends a heartbeat every 400 ms until 2 s, and
arms a one-shot alert that arms a follow-up from its own callback. A replay drives a
TestClock through a few market-data timestamps; every timer fires in (time, name) order,
with the clock reading the event's scheduled time inside each callback. The same Clock
calls then run a 10 ms timer on a LiveClock for a moment.

Run: ``python examples/timers.py``
"""

from __future__ import annotations

import anyio

from lyra.clock import Clock, LiveClock, TestClock, TimeEvent

__all__ = ("Strategy", "main")

MS = 1_000_000
SECOND = 1_000 * MS
T0 = 1_700_000_000 * SECOND  # 2023-11-14 22:13:20 UTC


class Strategy:
    """Code written against the Clock protocol: it cannot tell backtest from live."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.log: list[str] = []
        start = clock.timestamp_ns()
        clock.set_timer("bar-close", SECOND, callback=self.on_bar_close)
        clock.set_timer("heartbeat", 400 * MS, stop_ns=start + 2 * SECOND, callback=self.on_event)
        clock.set_time_alert("check-risk", start + 1_500 * MS, self.on_check_risk)

    def on_event(self, event: TimeEvent) -> None:
        lag_ns = event.ts_init - event.ts_event
        offset_ms = (event.ts_event - T0) / MS
        self.log.append(f"{event.name:<12} scheduled T0+{offset_ms:>7.1f} ms  (lag {lag_ns} ns)")

    def on_bar_close(self, event: TimeEvent) -> None:
        self.on_event(event)
        if self.clock.next_time("heartbeat") is None:  # heartbeat finished: stop bars too
            self.clock.cancel_timer("bar-close")

    def on_check_risk(self, event: TimeEvent) -> None:
        self.on_event(event)
        # Time inside a TestClock callback is the event's scheduled time, so this follow-up
        # is 250 ms after the check, and fires in the same advance if that is still due.
        self.clock.set_time_alert("recheck", self.clock.timestamp_ns() + 250 * MS, self.on_event)


def backtest() -> list[TimeEvent]:
    """Drive a TestClock through a replay's timestamps and return every fired event."""
    clock = TestClock(T0)
    strategy = Strategy(clock)
    fired: list[TimeEvent] = []
    for ts in (T0 + 120 * MS, T0 + 1_600 * MS, T0 + 1_900 * MS, T0 + 3_500 * MS):
        fired += clock.advance_to(ts)  # returns the events it fired, in order
    print("backtest (TestClock):")
    for line in strategy.log:
        print("  " + line)
    print(f"  {len(fired)} events, armed now: {list(clock.timer_names)}")
    return fired


async def live() -> None:
    """A 10 ms timer on wall time for a moment (asyncio here; trio works the same)."""

    def show(event: TimeEvent) -> None:
        lag_us = (event.ts_init - event.ts_event) / 1_000
        print(f"  {event.name} at {clock.utc_now():%H:%M:%S.%f} UTC (lag {lag_us:.0f} us)")

    clock = LiveClock()
    async with clock:  # runs the scheduler task until the block ends
        clock.set_timer("tick", 10 * MS, callback=show)
        await anyio.sleep(0.035)
        clock.cancel_timers()


def main() -> None:
    """Run the backtest, check its order, then show a LiveClock briefly."""
    fired = backtest()
    keys = [(e.ts_event, e.name) for e in fired]
    assert keys == sorted(keys), "events fire in (time, name) order"
    assert [e.name for e in fired].count("heartbeat") == 5  # 400 ms .. 2000 ms
    print("live (LiveClock, asyncio):")
    anyio.run(live)


if __name__ == "__main__":
    main()
