"""LiveClock on asyncio and trio: alerts, repeating timers, cancels, lifecycle.

Real waits are tens of milliseconds; assertions are about order and counts, and any bound on
time is generous (seconds) and only there to stop a broken scheduler from hanging the run.
"""

from __future__ import annotations

import anyio
import pytest

import lyra.clock
from lyra.clock import Clock, LiveClock, TimeEvent
from lyra.errors import ClockError, TimerInPast

MS = 1_000_000
GUARD_S = 5.0  # upper bound that only a hung scheduler would reach


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Collector:
    """Callback that records events and signals once it has ``want`` of them."""

    def __init__(self, want: int = 1) -> None:
        self.want = want
        self.events: list[TimeEvent] = []
        self.done = anyio.Event()

    def __call__(self, event: TimeEvent) -> None:
        self.events.append(event)
        if len(self.events) >= self.want:
            self.done.set()

    async def wait(self) -> None:
        with anyio.fail_after(GUARD_S):
            await self.done.wait()


@pytest.mark.anyio
async def test_alert_fires_with_its_scheduled_time() -> None:
    clock = LiveClock()
    got = Collector()
    async with clock:
        assert clock.is_running
        when = clock.timestamp_ns() + 20 * MS
        clock.set_time_alert("ping", when, got)
        await got.wait()
    [event] = got.events
    assert event.name == "ping"
    assert event.ts_event == when
    assert event.ts_init >= when
    assert clock.timer_count == 0  # the name is free again


@pytest.mark.anyio
async def test_repeating_timer_fires_in_order_spaced_by_the_interval() -> None:
    clock = LiveClock()
    got = Collector(want=5)
    start = clock.timestamp_ns()
    clock.set_timer("tick", 10 * MS, start_ns=start, callback=got)
    async with clock:
        await got.wait()
        clock.cancel_timer("tick")
    ticks = got.events[:5]
    assert [e.ts_event for e in ticks] == [start + k * 10 * MS for k in range(1, 6)]
    assert all(e.name == "tick" for e in ticks)
    assert all(e.ts_init >= e.ts_event for e in ticks)
    inits = [e.ts_init for e in ticks]
    assert inits == sorted(inits)


@pytest.mark.anyio
async def test_timer_with_stop_fires_its_ticks_then_frees_the_name() -> None:
    clock = LiveClock()
    got = Collector(want=3)
    start = clock.timestamp_ns()
    clock.set_timer("t", 5 * MS, start_ns=start, stop_ns=start + 15 * MS, callback=got)
    async with clock:
        await got.wait()
        await anyio.sleep(0.03)
    assert [e.ts_event for e in got.events] == [start + 5 * MS, start + 10 * MS, start + 15 * MS]
    assert clock.timer_names == ()


@pytest.mark.anyio
async def test_cancel_stops_a_timer() -> None:
    clock = LiveClock()
    got = Collector(want=2)
    async with clock:
        clock.set_timer("t", 5 * MS, callback=got)
        await got.wait()
        assert clock.cancel_timer("t") is True
        count = len(got.events)
        await anyio.sleep(0.05)  # ten more intervals
        assert len(got.events) == count
        assert clock.timer_names == ()


@pytest.mark.anyio
async def test_timer_cancelling_itself_from_its_callback() -> None:
    clock = LiveClock()
    events: list[TimeEvent] = []

    def three(event: TimeEvent) -> None:
        events.append(event)
        if len(events) == 3:
            clock.cancel_timer("t")

    async with clock:
        clock.set_timer("t", 3 * MS, callback=three)
        with anyio.fail_after(GUARD_S):
            while len(events) < 3:
                await anyio.sleep(0.005)
        await anyio.sleep(0.03)
    assert len(events) == 3


@pytest.mark.anyio
async def test_setting_timers_from_inside_a_callback() -> None:
    clock = LiveClock()
    got = Collector(want=3)

    def first(event: TimeEvent) -> None:
        got(event)
        clock.set_time_alert("second", event.ts_event + 10 * MS, got)
        clock.set_timer(
            "third",
            30 * MS,
            start_ns=event.ts_event,
            stop_ns=event.ts_event + 30 * MS,
            callback=got,
        )

    async with clock:
        when = clock.timestamp_ns() + 10 * MS
        clock.set_time_alert("first", when, first)
        await got.wait()
    assert [(e.name, e.ts_event) for e in got.events] == [
        ("first", when),
        ("second", when + 10 * MS),
        ("third", when + 30 * MS),
    ]


@pytest.mark.anyio
async def test_earlier_timer_wakes_a_sleeping_scheduler() -> None:
    clock = LiveClock()
    got = Collector()
    async with clock:
        clock.set_time_alert("far", clock.timestamp_ns() + 3_600 * 1_000 * MS, got)
        await anyio.sleep(0.01)  # the scheduler is now asleep until "far"
        clock.set_time_alert("near", clock.timestamp_ns() + 5 * MS, got)
        # The scheduler never sleeps more than 1 s at a time; well under that shows the wake-up.
        with anyio.fail_after(0.9):
            await got.done.wait()
    assert [e.name for e in got.events] == ["near"]
    assert clock.timer_names == ("far",)


@pytest.mark.anyio
async def test_past_alert_is_refused_or_delivered_late() -> None:
    clock = LiveClock()
    got = Collector()
    past = clock.timestamp_ns() - 50 * MS
    with pytest.raises(TimerInPast, match="when_ns"):
        clock.set_time_alert("late", past, got)
    clock.set_time_alert("late", past, got, allow_past=True)
    async with clock:
        await got.wait()
    [event] = got.events
    assert event.ts_event == past
    assert event.ts_init > past


@pytest.mark.anyio
async def test_scheduler_exits_cleanly_and_missed_ticks_are_delivered_on_restart() -> None:
    clock = LiveClock()
    got = Collector(want=1)
    start = clock.timestamp_ns()
    clock.set_timer("t", 10 * MS, start_ns=start, callback=got)
    async with clock:
        await got.wait()
    assert not clock.is_running
    assert clock.timer_names == ("t",)  # still armed while stopped
    seen = len(got.events)
    await anyio.sleep(0.05)
    assert len(got.events) == seen  # nothing fires while stopped

    got.want, got.done = seen + 5, anyio.Event()
    async with clock:
        await got.wait()
        clock.cancel_timers()
    # no tick was skipped across the stop: the schedule is start + k * interval, k = 1, 2, ...
    assert [e.ts_event for e in got.events] == [
        start + k * 10 * MS for k in range(1, len(got.events) + 1)
    ]


@pytest.mark.anyio
async def test_run_in_a_task_group() -> None:
    clock = LiveClock()
    got = Collector(want=2)
    async with anyio.create_task_group() as tg:
        await tg.start(clock.run)
        assert clock.is_running
        clock.set_timer("t", 5 * MS, callback=got)
        await got.wait()
        tg.cancel_scope.cancel()
    assert not clock.is_running


@pytest.mark.anyio
async def test_running_twice_is_refused() -> None:
    clock = LiveClock()
    async with clock:
        with pytest.raises(ClockError, match="already running"):
            await clock.run()
        with pytest.raises(ClockError, match="already running"):
            async with clock.running():
                pass
    assert not clock.is_running


@pytest.mark.anyio
async def test_body_exception_propagates_unwrapped() -> None:
    clock = LiveClock()
    with pytest.raises(KeyError, match="body"):
        async with clock:
            raise KeyError("body")
    assert not clock.is_running


@pytest.mark.anyio
async def test_callback_exception_stops_the_scheduler_and_surfaces() -> None:
    clock = LiveClock()

    def boom(event: TimeEvent) -> None:
        raise RuntimeError("boom")

    reached_end = False
    with pytest.raises(RuntimeError, match="boom"):
        async with clock:
            clock.set_time_alert("a", clock.timestamp_ns() + 5 * MS, boom)
            with anyio.fail_after(GUARD_S):
                await anyio.sleep_forever()
            reached_end = True
    assert not reached_end
    assert not clock.is_running


@pytest.mark.anyio
async def test_outer_cancellation_exits_cleanly() -> None:
    clock = LiveClock()
    got = Collector(want=1_000_000)
    with anyio.move_on_after(0.05) as scope:
        async with clock:
            clock.set_timer("t", 5 * MS, callback=got)
            await anyio.sleep_forever()
    assert scope.cancelled_caught
    assert not clock.is_running
    count = len(got.events)
    assert count >= 1
    await anyio.sleep(0.03)
    assert len(got.events) == count


@pytest.mark.anyio
async def test_code_written_against_the_protocol_runs_live() -> None:
    def arm(clock: Clock, sink: Collector) -> None:
        clock.set_timer("heartbeat", 5 * MS, callback=sink)
        clock.set_time_alert("once", clock.timestamp_ns() + 12 * MS, sink)

    clock = LiveClock()
    got = Collector(want=3)
    async with clock:
        arm(clock, got)
        await got.wait()
        clock.cancel_timers()
    assert [e.name for e in got.events[:3]] == ["heartbeat", "heartbeat", "once"]


def test_timestamp_never_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([1_000, 2_000, 1_500, 1_999, 2_500])
    monkeypatch.setattr(lyra.clock, "time_ns", lambda: next(readings))
    clock = LiveClock()
    assert [clock.timestamp_ns() for _ in range(5)] == [1_000, 2_000, 2_000, 2_000, 2_500]


def test_time_readings_are_consistent() -> None:
    clock = LiveClock()
    ns = clock.timestamp_ns()
    seconds = clock.timestamp()
    now = clock.utc_now()
    assert isinstance(ns, int)
    assert isinstance(seconds, float)
    assert now.tzinfo is not None
    assert ns / 1e9 <= seconds <= now.timestamp() + 1e-6 + 1.0
    assert ns > 1_600_000_000 * 10**9  # it is wall time, not a monotonic counter
