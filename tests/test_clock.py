"""TestClock: ordering, rules, errors, and property tests against a brute-force model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lyra.clock import Clock, LiveClock, TestClock, TimeEvent
from lyra.errors import (
    ClockError,
    InvalidInput,
    TimerInPast,
    TimerNameInUse,
    TimeWentBackwards,
    ValueOutOfRange,
)


def pairs(events: list[TimeEvent]) -> list[tuple[int, str]]:
    return [(e.ts_event, e.name) for e in events]


class Recorder:
    """A callback that records events and the clock time seen while each ran."""

    def __init__(self, clock: TestClock) -> None:
        self.clock = clock
        self.events: list[TimeEvent] = []
        self.seen_now: list[int] = []

    def __call__(self, event: TimeEvent) -> None:
        self.events.append(event)
        self.seen_now.append(self.clock.timestamp_ns())


# --------------------------------------------------------------------------- basics


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(TestClock(), Clock)
    assert isinstance(LiveClock(), Clock)
    assert not isinstance(object(), Clock)


def test_time_readings() -> None:
    clock = TestClock(1_700_000_000_123_456_789)
    assert clock.timestamp_ns() == 1_700_000_000_123_456_789
    assert isinstance(clock.timestamp(), float)
    assert clock.timestamp() == pytest.approx(1_700_000_000.123456789)
    now = clock.utc_now()
    assert now.tzinfo is not None
    assert now == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)


def test_time_event_is_a_frozen_serializable_struct() -> None:
    event = TimeEvent("t", 10, 12)
    with pytest.raises(AttributeError):
        event.name = "u"  # type: ignore[misc]
    assert msgspec.json.decode(msgspec.json.encode(event), type=TimeEvent) == event
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(event), type=TimeEvent) == event


def test_same_user_code_takes_either_clock() -> None:
    def arm(clock: Clock, log: list[TimeEvent]) -> None:
        clock.set_timer("heartbeat", 1_000, callback=log.append)
        clock.set_time_alert("once", clock.timestamp_ns() + 1_500, callback=log.append)

    log: list[TimeEvent] = []
    clock = TestClock(0)
    arm(clock, log)
    clock.advance_to(2_000)
    assert pairs(log) == [(1_000, "heartbeat"), (1_500, "once"), (2_000, "heartbeat")]

    live = LiveClock()  # not running: only arming is exercised here
    arm(live, [])
    assert live.timer_names == ("heartbeat", "once")


# --------------------------------------------------------------------------- ordering


def test_ties_are_broken_by_name() -> None:
    clock = TestClock(0)
    rec = Recorder(clock)
    for name in ("delta", "alpha", "charlie", "bravo"):
        clock.set_time_alert(name, 10, callback=rec)
    fired = clock.advance_to(10)
    assert [e.name for e in fired] == ["alpha", "bravo", "charlie", "delta"]
    assert rec.events == fired


def test_timers_and_alerts_interleave_in_time_then_name_order() -> None:
    clock = TestClock(100)
    log: list[TimeEvent] = []
    clock.set_timer("t10", 10, callback=log.append)
    clock.set_timer("t15", 15, callback=log.append)
    clock.set_time_alert("a", 130, callback=log.append)
    clock.set_time_alert("z", 112, callback=log.append)
    fired = clock.advance_to(140)
    assert pairs(fired) == [
        (110, "t10"),
        (112, "z"),
        (115, "t15"),
        (120, "t10"),
        (130, "a"),
        (130, "t10"),
        (130, "t15"),
        (140, "t10"),
    ]
    assert fired == log
    assert clock.timestamp_ns() == 140


def test_repeating_timer_is_rearmed_every_interval() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []
    clock.set_timer("t", 7, callback=log.append)
    assert clock.next_time("t") == 7
    assert pairs(clock.advance_to(30)) == [(7, "t"), (14, "t"), (21, "t"), (28, "t")]
    assert clock.next_time("t") == 35
    assert clock.advance_to(34) == []
    assert pairs(clock.advance_to(35)) == [(35, "t")]
    assert len(log) == 5


def test_timer_schedule_is_anchored_at_start() -> None:
    clock = TestClock(0)
    clock.set_timer("t", 10, start_ns=3, callback=lambda e: None)
    assert pairs(clock.advance_to(40)) == [(13, "t"), (23, "t"), (33, "t")]


def test_timer_with_stop_ends_after_its_last_tick_and_frees_its_name() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []
    clock.set_timer("t", 10, stop_ns=35, callback=log.append)
    assert pairs(clock.advance_to(100)) == [(10, "t"), (20, "t"), (30, "t")]
    assert clock.timer_count == 0
    assert clock.next_time("t") is None
    clock.set_timer("t", 10, callback=log.append)  # free again
    assert clock.next_time("t") == 110


def test_stop_equal_to_a_tick_includes_that_tick() -> None:
    clock = TestClock(0)
    clock.set_timer("t", 10, stop_ns=30, callback=lambda e: None)
    assert pairs(clock.advance_to(100)) == [(10, "t"), (20, "t"), (30, "t")]


def test_fired_alert_frees_its_name() -> None:
    clock = TestClock(0)
    clock.set_time_alert("a", 5, callback=lambda e: None)
    with pytest.raises(TimerNameInUse):
        clock.set_time_alert("a", 6, callback=lambda e: None)
    clock.advance_to(5)
    assert clock.timer_names == ()
    clock.set_time_alert("a", 6, callback=lambda e: None)
    assert clock.next_time("a") == 6


def test_time_inside_callback_is_the_scheduled_time() -> None:
    clock = TestClock(0)
    rec = Recorder(clock)
    clock.set_timer("t", 3, callback=rec)
    clock.set_time_alert("a", 8, callback=rec)
    clock.advance_to(10)
    assert rec.seen_now == [e.ts_event for e in rec.events] == [3, 6, 8, 9]
    assert all(e.ts_init == e.ts_event for e in rec.events)
    assert clock.timestamp_ns() == 10


def test_advance_to_the_same_time_fires_what_is_due_now() -> None:
    clock = TestClock(50)
    clock.set_time_alert("now", 50, callback=lambda e: None)
    assert pairs(clock.advance_to(50)) == [(50, "now")]
    assert clock.advance_to(50) == []


def test_advance_with_nothing_due_moves_time_only() -> None:
    clock = TestClock(0)
    clock.set_time_alert("later", 1_000, callback=lambda e: None)
    assert clock.advance_to(999) == []
    assert clock.timestamp_ns() == 999
    assert clock.timer_names == ("later",)


def test_set_time_does_not_fire_and_overdue_events_fire_on_next_advance() -> None:
    clock = TestClock(0)
    rec = Recorder(clock)
    clock.set_timer("t", 10, callback=rec)
    clock.set_time(25)
    assert rec.events == []
    assert clock.timestamp_ns() == 25
    fired = clock.advance_to(31)
    # Overdue ticks keep their scheduled ts_event; they are delivered at the clock's time.
    assert [(e.ts_event, e.ts_init) for e in fired] == [(10, 25), (20, 25), (30, 30)]
    assert rec.seen_now == [25, 25, 30]


def test_going_back_raises() -> None:
    clock = TestClock(100)
    with pytest.raises(TimeWentBackwards, match="ts_ns: must not be before") as info:
        clock.advance_to(99)
    assert "got 99" in str(info.value)
    with pytest.raises(TimeWentBackwards):
        clock.set_time(50)
    assert clock.timestamp_ns() == 100
    clock.set_time(100)  # same time is fine


# --------------------------------------------------------------------------- callbacks reschedule


def test_callback_arming_an_alert_that_is_still_due_fires_in_the_same_advance() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []

    def chain(event: TimeEvent) -> None:
        log.append(event)
        if event.ts_event < 13:
            clock.set_time_alert(f"n{event.ts_event + 1}", clock.timestamp_ns() + 1, chain)

    clock.set_time_alert("n10", 10, chain)
    clock.set_time_alert("other", 12, log.append)
    fired = clock.advance_to(12)
    assert pairs(fired) == [(10, "n10"), (11, "n11"), (12, "n12"), (12, "other")]
    assert fired == log
    assert clock.timer_names == ("n13",)  # armed past ts: waits for the next advance
    assert pairs(clock.advance_to(20)) == [(13, "n13")]


def test_callback_arming_an_alert_at_the_current_instant_fires_right_after() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []

    def arm_now(event: TimeEvent) -> None:
        log.append(event)
        clock.set_time_alert("a-now", clock.timestamp_ns(), log.append)

    clock.set_time_alert("m", 5, arm_now)
    clock.set_time_alert("z", 5, log.append)
    # "a-now" sorts before "m" but is created while "m" is delivered: it fires next.
    assert pairs(clock.advance_to(5)) == [(5, "m"), (5, "a-now"), (5, "z")]
    assert pairs(log) == [(5, "m"), (5, "a-now"), (5, "z")]


def test_callback_cancelling_a_due_timer_prevents_it() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []

    def cancel_b(event: TimeEvent) -> None:
        log.append(event)
        assert clock.cancel_timer("b") is True

    clock.set_time_alert("a", 10, cancel_b)
    clock.set_time_alert("b", 10, log.append)
    clock.set_timer("c", 5, callback=log.append)
    assert pairs(clock.advance_to(20)) == [(5, "c"), (10, "a"), (10, "c"), (15, "c"), (20, "c")]


def test_timer_cancelling_itself_stops_repeating() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []

    def three_times(event: TimeEvent) -> None:
        log.append(event)
        if len(log) == 3:
            clock.cancel_timer(event.name)

    clock.set_timer("t", 2, callback=three_times)
    assert pairs(clock.advance_to(100)) == [(2, "t"), (4, "t"), (6, "t")]
    assert clock.timer_count == 0


def test_last_tick_may_rearm_its_own_name() -> None:
    clock = TestClock(0)

    def again(event: TimeEvent) -> None:
        if event.ts_event == 20:
            clock.set_timer("t", 100, stop_ns=220, callback=again)

    clock.set_timer("t", 10, stop_ns=20, callback=again)
    assert pairs(clock.advance_to(300)) == [(10, "t"), (20, "t"), (120, "t"), (220, "t")]


def test_cancel_timers_from_a_callback_stops_the_advance() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []

    def stop_all(event: TimeEvent) -> None:
        log.append(event)
        clock.cancel_timers()

    clock.set_timer("a", 10, callback=log.append)
    clock.set_time_alert("m", 15, stop_all)
    clock.set_time_alert("z", 16, log.append)
    assert pairs(clock.advance_to(100)) == [(10, "a"), (15, "m")]
    assert clock.timer_count == 0
    assert clock.timestamp_ns() == 100


def test_callback_exception_propagates_and_the_rest_fires_next_time() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []

    def boom(event: TimeEvent) -> None:
        raise RuntimeError("boom")

    clock.set_time_alert("a", 10, log.append)
    clock.set_time_alert("b", 20, boom)
    clock.set_time_alert("c", 30, log.append)
    with pytest.raises(RuntimeError, match="boom"):
        clock.advance_to(40)
    assert clock.timestamp_ns() == 20
    assert clock.timer_names == ("c",)
    assert pairs(clock.advance_to(40)) == [(30, "c")]
    assert pairs(log) == [(10, "a"), (30, "c")]


def test_moving_time_from_inside_a_callback_is_refused() -> None:
    clock = TestClock(0)
    caught: list[str] = []
    log: list[TimeEvent] = []

    def nested(event: TimeEvent) -> None:
        log.append(event)
        for move in (
            lambda: clock.advance_to(50),  # something due (x at 40)
            lambda: clock.advance_to(15),  # nothing due before 15 but "b" at 20 is pending
            lambda: clock.set_time(15),
        ):
            try:
                move()
            except ClockError as exc:
                caught.append(str(exc))

    clock.set_time_alert("a", 10, nested)
    clock.set_time_alert("b", 20, log.append)
    clock.set_time_alert("x", 40, log.append)
    clock.advance_to(30)
    assert len(caught) == 3
    assert all("inside a timer callback" in msg for msg in caught)
    assert [(e.name, e.ts_event, e.ts_init) for e in log] == [("a", 10, 10), ("b", 20, 20)]
    assert clock.timestamp_ns() == 30


# --------------------------------------------------------------------------- rules


def test_default_handler_receives_events_of_timers_without_callback() -> None:
    clock = TestClock(0)
    default: list[TimeEvent] = []
    own: list[TimeEvent] = []
    clock.register_default_handler(default.append)
    clock.set_timer("d", 10)
    clock.set_time_alert("o", 15, own.append)
    clock.advance_to(20)
    assert pairs(default) == [(10, "d"), (20, "d")]
    assert pairs(own) == [(15, "o")]


def test_missing_callback_and_default_handler_raises() -> None:
    clock = TestClock(0)
    with pytest.raises(InvalidInput, match="callback: is required") as info:
        clock.set_timer("t", 10)
    assert info.value.field == "callback"
    with pytest.raises(InvalidInput, match="register_default_handler"):
        clock.set_time_alert("a", 10)
    assert clock.timer_count == 0


def test_name_in_use_raises_and_replace_swaps() -> None:
    clock = TestClock(0)
    log: list[TimeEvent] = []
    clock.set_timer("x", 10, callback=log.append)
    with pytest.raises(TimerNameInUse, match=r"name: 'x' is already armed") as info:
        clock.set_time_alert("x", 5, log.append)  # timers and alerts share names
    assert "replace=True" in str(info.value)
    assert clock.next_time("x") == 10
    clock.set_time_alert("x", 5, log.append, replace=True)
    assert clock.timer_count == 1
    assert pairs(clock.advance_to(100)) == [(5, "x")]


def test_past_alert_raises_unless_allowed() -> None:
    clock = TestClock(100)
    with pytest.raises(TimerInPast, match=r"when_ns: must not be before .* 100 \(got 99\)"):
        clock.set_time_alert("a", 99, lambda e: None)
    assert clock.timer_count == 0
    clock.set_time_alert("a", 99, lambda e: None, allow_past=True)
    clock.set_time_alert("b", 101, lambda e: None)
    fired = clock.advance_to(101)
    assert [(e.name, e.ts_event, e.ts_init) for e in fired] == [("a", 99, 100), ("b", 101, 101)]


def test_timer_whose_first_tick_is_past_raises_unless_allowed() -> None:
    clock = TestClock(100)
    # start in the past is fine when the first tick is not
    clock.set_timer("ok", 10, start_ns=95, callback=lambda e: None)
    assert clock.next_time("ok") == 105
    with pytest.raises(TimerInPast, match="start_ns: the first tick"):
        clock.set_timer("bad", 10, start_ns=50, callback=lambda e: None)
    clock.set_timer("late", 20, start_ns=50, callback=lambda e: None, allow_past=True)
    fired = clock.advance_to(110)
    late = [(e.ts_event, e.ts_init) for e in fired if e.name == "late"]
    assert late == [(70, 100), (90, 100), (110, 110)]  # missed ticks are caught up, in order


def test_cancel_timer_reports_whether_anything_was_armed() -> None:
    clock = TestClock(0)
    clock.set_timer("t", 10, callback=lambda e: None)
    assert clock.cancel_timer("t") is True
    assert clock.cancel_timer("t") is False
    assert clock.cancel_timer("never") is False
    assert clock.advance_to(100) == []


def test_timer_names_count_and_next_time() -> None:
    clock = TestClock(0)
    for name, when in (("c", 30), ("a", 10), ("b", 20)):
        clock.set_time_alert(name, when, lambda e: None)
    clock.set_timer("t", 7, callback=lambda e: None)
    assert list(clock.timer_names) == ["a", "b", "c", "t"]
    assert clock.timer_count == 4
    assert clock.next_time("b") == 20
    assert clock.next_time("zz") is None
    clock.advance_to(15)
    assert list(clock.timer_names) == ["b", "c", "t"]
    assert clock.next_time("t") == 21
    clock.cancel_timers()
    assert clock.timer_names == ()
    assert clock.timer_count == 0
    assert clock.advance_to(1_000) == []


def test_many_cancellations_keep_results_exact() -> None:
    clock = TestClock(0)
    for i in range(500):
        clock.set_time_alert(f"a{i:03d}", 1_000 - i, lambda e: None)
    for i in range(500):
        if i % 5:
            clock.cancel_timer(f"a{i:03d}")
    # re-use some cancelled names at the same times (stale heap entries share (time, name))
    for i in range(1, 500, 50):
        clock.set_time_alert(f"a{i:03d}", 1_000 - i, lambda e: None)
    kept = sorted(
        [(1_000 - i, f"a{i:03d}") for i in range(0, 500, 5)]
        + [(1_000 - i, f"a{i:03d}") for i in range(1, 500, 50)]
    )
    assert pairs(clock.advance_to(1_000)) == kept
    assert clock.timer_count == 0


def test_integer_like_times_are_accepted_as_int() -> None:
    clock = TestClock(np.int64(5))  # type: ignore[arg-type]
    assert type(clock.timestamp_ns()) is int
    clock.set_timer("t", np.int64(10), start_ns=np.int64(5), callback=lambda e: None)  # type: ignore[arg-type]
    fired = clock.advance_to(np.int64(15))  # type: ignore[arg-type]
    assert [type(e.ts_event) for e in fired] == [int]
    assert type(clock.timestamp_ns()) is int


# --------------------------------------------------------------------------- bad input


def _noop(event: TimeEvent) -> None:
    pass


BAD_INPUTS: list[tuple[str, Callable[[Any], object], type[Exception], str, str]] = [
    (
        "empty name",
        lambda c: c.set_timer("", 10, callback=_noop),
        InvalidInput,
        "name",
        "non-empty",
    ),
    ("blank name", lambda c: c.set_time_alert("  ", 10, _noop), InvalidInput, "name", "non-empty"),
    ("non-str name", lambda c: c.set_time_alert(3, 10, _noop), InvalidInput, "name", "string"),
    (
        "zero interval",
        lambda c: c.set_timer("t", 0, callback=_noop),
        ValueOutOfRange,
        "interval_ns",
        "> 0",
    ),
    (
        "negative interval",
        lambda c: c.set_timer("t", -5, callback=_noop),
        ValueOutOfRange,
        "interval_ns",
        "> 0",
    ),
    (
        "float interval",
        lambda c: c.set_timer("t", 1.5, callback=_noop),
        InvalidInput,
        "interval_ns",
        "integer",
    ),
    (
        "bool interval",
        lambda c: c.set_timer("t", True, callback=_noop),
        InvalidInput,
        "interval_ns",
        "integer",
    ),
    (
        "float start",
        lambda c: c.set_timer("t", 10, start_ns=1.0, callback=_noop),
        InvalidInput,
        "start_ns",
        "integer",
    ),
    (
        "negative start",
        lambda c: c.set_timer("t", 10, start_ns=-1, callback=_noop),
        ValueOutOfRange,
        "start_ns",
        ">= 0",
    ),
    (
        "stop before first tick",
        lambda c: c.set_timer("t", 10, start_ns=100, stop_ns=105, callback=_noop),
        ValueOutOfRange,
        "stop_ns",
        "first tick",
    ),
    ("str when", lambda c: c.set_time_alert("a", "10", _noop), InvalidInput, "when_ns", "integer"),
    (
        "negative when",
        lambda c: c.set_time_alert("a", -1, _noop, allow_past=True),
        ValueOutOfRange,
        "when_ns",
        ">= 0",
    ),
    (
        "uncallable callback",
        lambda c: c.set_time_alert("a", 10, 42),
        InvalidInput,
        "callback",
        "callable",
    ),
    (
        "uncallable default",
        lambda c: c.register_default_handler(None),
        InvalidInput,
        "handler",
        "callable",
    ),
    ("float advance", lambda c: c.advance_to(1.5), InvalidInput, "ts_ns", "integer"),
    ("negative start clock", lambda c: TestClock(-1), ValueOutOfRange, "start_ns", ">= 0"),
]


@pytest.mark.parametrize(
    ("make", "exc", "field", "rule"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_raises_typed_error_naming_field_and_rule(
    make: Callable[[Any], object], exc: type[Exception], field: str, rule: str
) -> None:
    clock = TestClock(0)
    with pytest.raises(exc) as info:
        make(clock)
    assert isinstance(info.value, InvalidInput)
    assert info.value.field == field
    assert rule in info.value.rule
    assert str(info.value).startswith(f"{field}: ")
    assert clock.timer_count == 0  # nothing half-armed


# --------------------------------------------------------------------------- property tests

NAMES = [f"n{i}" for i in range(12)]
Timers = list[tuple[str, int, int, int | None]]  # (name, interval, start, stop)
Alerts = list[tuple[str, int]]  # (name, when)
Case = tuple[int, Timers, Alerts, list[int]]  # (t0, timers, alerts, advance targets)


@st.composite
def schedules(draw: st.DrawFn) -> Case:
    """(t0, timers (name, interval, start, stop), alerts (name, when), advance targets)."""
    t0 = draw(st.integers(0, 10**15))
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES)))
    split = draw(st.integers(0, len(names)))
    timers: Timers = []
    for name in names[:split]:
        interval = draw(st.integers(1, 40))
        start = t0 + draw(st.integers(0, 60))
        stop_after = draw(st.none() | st.integers(interval, 200))
        stop = None if stop_after is None else start + stop_after
        timers.append((name, interval, start, stop))
    alerts = [(name, t0 + draw(st.integers(0, 250))) for name in names[split:]]
    steps = draw(st.lists(st.integers(0, 60), min_size=1, max_size=12))
    targets: list[int] = []
    t = t0
    for step in steps:
        t += step
        targets.append(t)
    return t0, timers, alerts, targets


def reference(timers: Timers, alerts: Alerts, until: int) -> list[tuple[int, str]]:
    """Brute force: every scheduled time up to ``until``, sorted by (time, name)."""
    out = [(when, name) for name, when in alerts if when <= until]
    for name, interval, start, stop in timers:
        last = until if stop is None else min(stop, until)
        k = 1
        while start + k * interval <= last:
            out.append((start + k * interval, name))
            k += 1
    return sorted(out)


def build(t0: int, timers: Timers, alerts: Alerts, sink: Callable[[TimeEvent], None]) -> TestClock:
    clock = TestClock(t0)
    for name, interval, start, stop in timers:
        clock.set_timer(name, interval, start_ns=start, stop_ns=stop, callback=sink)
    for name, when in alerts:
        clock.set_time_alert(name, when, sink)
    return clock


@settings(max_examples=300, deadline=None)
@given(schedules())
def test_advances_match_the_reference_model(
    case: Case,
) -> None:
    t0, timers, alerts, targets = case
    delivered: list[TimeEvent] = []
    clock = build(t0, timers, alerts, delivered.append)
    batches = [clock.advance_to(t) for t in targets]
    expected = reference(timers, alerts, targets[-1])

    concatenated = [e for batch in batches for e in batch]
    assert pairs(concatenated) == expected
    assert concatenated == delivered  # callbacks saw the same events, in the same order
    assert all(e.ts_init == e.ts_event for e in concatenated)
    # each advance fires exactly the events in its own window
    previous = t0 - 1
    for target, batch in zip(targets, batches, strict=True):
        assert pairs(batch) == [(t, n) for t, n in expected if previous < t <= target]
        previous = target

    # many small advances == one big advance
    big = build(t0, timers, alerts, lambda e: None).advance_to(targets[-1])
    assert big == concatenated
    assert clock.timestamp_ns() == targets[-1]


@settings(max_examples=200, deadline=None)
@given(schedules(), st.data())
def test_cancellations_between_advances_match_the_reference_model(
    case: Case,
    data: st.DataObject,
) -> None:
    t0, timers, alerts, targets = case
    names = [t[0] for t in timers] + [a[0] for a in alerts]
    clock = build(t0, timers, alerts, lambda e: None)
    cancelled_at: dict[str, int] = {}
    fired: list[TimeEvent] = []
    for target in targets:
        fired += clock.advance_to(target)
        if names:
            name = data.draw(st.sampled_from(names))
            if clock.cancel_timer(name):
                cancelled_at.setdefault(name, target)
    expected = [
        (t, n)
        for t, n in reference(timers, alerts, targets[-1])
        if n not in cancelled_at or t <= cancelled_at[n]
    ]
    assert pairs(fired) == expected
