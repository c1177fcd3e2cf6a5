"""Clocks: one protocol, a hand-driven :class:`TestClock` and a wall-time :class:`LiveClock`.

Time is an ``int`` of nanoseconds since the Unix epoch. Code that takes a :class:`Clock`
runs unchanged on either clock: in a backtest a :class:`TestClock` is advanced by hand or by
a replay and fires timers synchronously, in order; live, a :class:`LiveClock` reads the wall
clock and fires timers from a scheduler task on the running ``anyio`` event loop (asyncio or
trio). Callbacks are plain synchronous callables that receive a :class:`TimeEvent`.

Rules (the same on both clocks):

* **Names.** A name is a non-empty ``str`` with at least one non-whitespace character,
  otherwise :class:`~lyra.errors.InvalidInput` (field ``"name"``). Timers and time alerts
  share one namespace. Setting a name that is still armed raises
  :class:`~lyra.errors.TimerNameInUse`, unless ``replace=True``, which cancels the armed one
  first. A fired alert's name is free again as soon as it fires, and a timer's name as soon as
  its last tick (the last one ``<= stop_ns``) fires -- in both cases before the callback runs,
  so the callback may reuse the name.
* **Schedule.** A timer ticks at ``start_ns + k * interval_ns`` for ``k = 1, 2, ...`` while
  the tick is ``<= stop_ns`` (forever when ``stop_ns`` is ``None``). ``start_ns`` defaults to
  now, so the first tick is one interval from now. The schedule never drifts: it is computed
  from ``start_ns``, not by sleeping ``interval_ns`` after each delivery.
* **Bad numbers.** ``interval_ns <= 0`` raises :class:`~lyra.errors.ValueOutOfRange`; a time or
  interval that is not an integer (``bool`` included) raises :class:`~lyra.errors.InvalidInput`;
  a negative time raises :class:`~lyra.errors.ValueOutOfRange`; ``stop_ns`` before the first
  tick (``start_ns + interval_ns``) raises :class:`~lyra.errors.ValueOutOfRange`. Every such
  error names the field and the rule. Integer-like values (e.g. ``numpy.int64``) are accepted
  and stored as ``int``.
* **The past.** ``set_time_alert`` with ``when_ns`` before now, or ``set_timer`` whose first
  tick is before now, raises :class:`~lyra.errors.TimerInPast`. With ``allow_past=True`` the
  past is delivered late instead: the alert (or every tick of the timer that is already due)
  fires at the next :meth:`TestClock.advance_to` / at once on a running :class:`LiveClock`,
  with ``ts_event`` = its scheduled time and ``ts_init`` = the clock's time at delivery.
  ``start_ns`` itself may lie in the past; only the first tick matters. To align a timer to a
  past anchor without catching up, start it at ``now - (now - anchor) % interval_ns``.
* **Callbacks.** A timer set without ``callback`` delivers to the clock's default handler
  (:meth:`~Clock.register_default_handler`) as registered when the timer is set; setting one
  with neither raises :class:`~lyra.errors.InvalidInput` (field ``"callback"``).
* **Order.** Due events fire in ``(scheduled time, name)`` order. Timers and alerts set or
  cancelled by a callback take effect at once: a new event that is already due fires in the
  same batch, in order among the events still pending (one scheduled at the very instant being
  delivered fires right after the current callback returns).

:class:`TestClock` specifics: :meth:`~TestClock.set_time` moves time without firing;
:meth:`~TestClock.advance_to` fires every event scheduled ``<= ts_ns``, returns them as a list
and, while each callback runs, reports the event's scheduled time as now (``ts_init ==
ts_event``, unless ``set_time`` already moved past it). Going back raises
:class:`~lyra.errors.TimeWentBackwards`; advancing to the current time fires what is due now.
If a callback raises, the exception propagates out of ``advance_to``; the clock stays at that
event's time, and events still due fire on the next ``advance_to``. ``advance_to`` and
``set_time`` cannot be called from inside a callback (:class:`~lyra.errors.ClockError`).

:class:`LiveClock` specifics: ``timestamp_ns()`` is :func:`time.time_ns` clamped so that it
never decreases from one call to the next on the same clock (if the OS clock steps back, the
clock holds still until wall time catches up). Timers run while the clock is entered
(``async with clock:``) or while :meth:`~LiveClock.run` is awaited. A tick that is delivered
late (a busy loop, a stall, the scheduler not running) carries its scheduled ``ts_event`` and
``ts_init`` = the actual time; **missed ticks are all delivered, in order, never skipped** --
the same event sequence a :class:`TestClock` would produce. A callback that raises stops the
scheduler, and the exception surfaces from the ``async with`` block or ``run()``. The clock is
meant to be used from its event loop's thread; it is not thread-safe.
"""

from __future__ import annotations

import abc
import operator
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from heapq import heapify, heappop, heappush
from time import time_ns
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, SupportsIndex, runtime_checkable

import msgspec

from lyra.errors import (
    ClockError,
    InvalidInput,
    TimerInPast,
    TimerNameInUse,
    TimeWentBackwards,
    ValueOutOfRange,
)

if TYPE_CHECKING:  # anyio is imported when a LiveClock first runs, not with this module
    import anyio
    import anyio.abc

__all__ = (
    "Clock",
    "LiveClock",
    "TestClock",
    "TimeEvent",
    "TimeEventHandler",
)


class TimeEvent(msgspec.Struct, frozen=True, gc=False):
    """A timer tick or time alert: ``ts_event`` is when it was scheduled, ``ts_init`` when
    the clock delivered it (both ns since the Unix epoch)."""

    name: str
    ts_event: int
    ts_init: int


TimeEventHandler = Callable[[TimeEvent], None]
"""A synchronous callable that receives a :class:`TimeEvent`."""


@runtime_checkable
class Clock(Protocol):
    """What every Lyra clock offers; :class:`TestClock` and :class:`LiveClock` both satisfy it."""

    def timestamp_ns(self) -> int:
        """Now, in integer nanoseconds since the Unix epoch."""
        ...

    def timestamp(self) -> float:
        """Now, in seconds since the Unix epoch, as a float."""
        ...

    def utc_now(self) -> datetime:
        """Now, as a timezone-aware UTC datetime (microsecond resolution)."""
        ...

    def register_default_handler(self, handler: TimeEventHandler) -> None:
        """Receive the events of timers and alerts that are set without a callback."""
        ...

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        start_ns: int | None = None,
        stop_ns: int | None = None,
        callback: TimeEventHandler | None = None,
        *,
        allow_past: bool = False,
        replace: bool = False,
    ) -> None:
        """Arm a repeating timer ticking at ``start_ns + k * interval_ns`` (k >= 1)."""
        ...

    def set_time_alert(
        self,
        name: str,
        when_ns: int,
        callback: TimeEventHandler | None = None,
        *,
        allow_past: bool = False,
        replace: bool = False,
    ) -> None:
        """Arm a one-shot alert at ``when_ns``."""
        ...

    def cancel_timer(self, name: str) -> bool:
        """Disarm the timer or alert ``name``; return whether one was armed."""
        ...

    def cancel_timers(self) -> None:
        """Disarm every timer and alert."""
        ...

    @property
    def timer_names(self) -> tuple[str, ...]:
        """Names of the armed timers and alerts, sorted."""
        ...

    @property
    def timer_count(self) -> int:
        """How many timers and alerts are armed."""
        ...

    def next_time(self, name: str) -> int | None:
        """The next scheduled time of ``name``, or ``None`` when it is not armed."""
        ...


# No stop: later than any time a timer will reach, and still a small int for fast compares.
_FOREVER = (1 << 63) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A sleeping LiveClock wakes at least this often, so a forward step of the OS clock delays
# due timers by at most this long (the event loop sleeps on a monotonic clock).
_MAX_SLEEP_S = 1.0


class _Timer:
    """An armed timer or alert; alerts have ``interval == 0``."""

    __slots__ = ("callback", "dead", "interval", "next_ns", "stop")

    def __init__(self, next_ns: int, interval: int, stop: int, callback: TimeEventHandler) -> None:
        self.next_ns = next_ns
        self.interval = interval
        self.stop = stop
        self.callback = callback
        self.dead = False

    # Heap entries are (time, name, timer); two share (time, name) only when one of them is a
    # cancelled leftover, which is skipped, so any consistent answer does.
    def __lt__(self, other: _Timer) -> bool:
        return False


_Entry = tuple[int, str, _Timer]


def _as_int(field: str, value: object) -> int:
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise InvalidInput(field, "must be an integer number of nanoseconds", value)
    return operator.index(value)


def _as_ns(field: str, value: object) -> int:
    ns = _as_int(field, value)
    if ns < 0:
        raise ValueOutOfRange(field, "must be >= 0 (ns since the Unix epoch)", ns)
    return ns


def _check_name(name: object) -> str:
    if type(name) is not str or not name.strip():
        raise InvalidInput(
            "name", "must be a non-empty string with a non-whitespace character", name
        )
    return name


class _TimerBook(abc.ABC):
    """Timers and alerts in a heap keyed by (time, name); shared by both clocks."""

    __slots__ = ("_dead", "_default", "_heap", "_timers")

    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}
        self._heap: list[_Entry] = []
        self._dead = 0  # cancelled entries still in the heap
        self._default: TimeEventHandler | None = None

    @abc.abstractmethod
    def timestamp_ns(self) -> int:
        """Now, in integer nanoseconds since the Unix epoch."""

    def timestamp(self) -> float:
        """Now, in seconds since the Unix epoch, as a float."""
        return self.timestamp_ns() / 1_000_000_000

    def utc_now(self) -> datetime:
        """Now, as a timezone-aware UTC datetime (truncated to microseconds)."""
        return _EPOCH + timedelta(microseconds=self.timestamp_ns() // 1_000)

    def register_default_handler(self, handler: TimeEventHandler) -> None:
        """Receive the events of timers and alerts set from now on without a callback."""
        if not callable(handler):
            raise InvalidInput("handler", "must be callable", handler)
        self._default = handler

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        start_ns: int | None = None,
        stop_ns: int | None = None,
        callback: TimeEventHandler | None = None,
        *,
        allow_past: bool = False,
        replace: bool = False,
    ) -> None:
        """Arm a repeating timer ticking at ``start_ns + k * interval_ns`` (k >= 1, tick <=
        ``stop_ns``); ``start_ns`` defaults to now. See the module docstring for the rules."""
        name = _check_name(name)
        if type(interval_ns) is not int or interval_ns <= 0:
            interval_ns = _as_int("interval_ns", interval_ns)
            if interval_ns <= 0:
                raise ValueOutOfRange("interval_ns", "must be > 0", interval_ns)
        now = self.timestamp_ns()
        start = now if start_ns is None else _as_ns("start_ns", start_ns)
        first = start + interval_ns
        stop = _FOREVER if stop_ns is None else _as_ns("stop_ns", stop_ns)
        if stop < first:
            raise ValueOutOfRange(
                "stop_ns", f"must be >= the first tick start_ns + interval_ns = {first}", stop
            )
        if first < now and not allow_past:
            raise TimerInPast(
                f"start_ns: the first tick start_ns + interval_ns = {first} is before the "
                f"clock's current time {now} (got start_ns={start}); pass allow_past=True "
                "to have the past ticks delivered late"
            )
        self._arm(name, _Timer(first, interval_ns, stop, self._handler(callback)), replace)

    def set_time_alert(
        self,
        name: str,
        when_ns: int,
        callback: TimeEventHandler | None = None,
        *,
        allow_past: bool = False,
        replace: bool = False,
    ) -> None:
        """Arm a one-shot alert at ``when_ns``. See the module docstring for the rules."""
        name = _check_name(name)
        when = _as_ns("when_ns", when_ns)
        if not allow_past:
            now = self.timestamp_ns()
            if when < now:
                raise TimerInPast(
                    f"when_ns: must not be before the clock's current time {now} "
                    f"(got {when}); pass allow_past=True to have it delivered late"
                )
        self._arm(name, _Timer(when, 0, when, self._handler(callback)), replace)

    def cancel_timer(self, name: str) -> bool:
        """Disarm the timer or alert ``name``; return whether one was armed."""
        timer = self._timers.pop(name, None)
        if timer is None:
            return False
        timer.dead = True
        self._dead += 1
        heap = self._heap
        if self._dead > 64 and self._dead * 2 > len(heap):
            # In place: an advance in progress holds a reference to this list.
            heap[:] = [entry for entry in heap if not entry[2].dead]
            heapify(heap)
            self._dead = 0
        return True

    def cancel_timers(self) -> None:
        """Disarm every timer and alert."""
        for timer in self._timers.values():
            timer.dead = True
        self._timers.clear()
        self._heap.clear()  # in place, as above
        self._dead = 0

    @property
    def timer_names(self) -> tuple[str, ...]:
        """Names of the armed timers and alerts, sorted."""
        return tuple(sorted(self._timers))

    @property
    def timer_count(self) -> int:
        """How many timers and alerts are armed."""
        return len(self._timers)

    def next_time(self, name: str) -> int | None:
        """The next scheduled time of ``name``, or ``None`` when it is not armed."""
        timer = self._timers.get(name)
        return None if timer is None else timer.next_ns

    def next_time_ns(self) -> int | None:
        """When the earliest armed timer or alert fires next, or ``None`` when none is."""
        heap = self._heap
        while heap and heap[0][2].dead:
            heappop(heap)
            self._dead -= 1
        return heap[0][0] if heap else None

    def _handler(self, callback: TimeEventHandler | None) -> TimeEventHandler:
        if callback is None:
            if self._default is None:
                raise InvalidInput(
                    "callback",
                    "is required when the clock has no default handler "
                    "(see register_default_handler)",
                )
            return self._default
        if not callable(callback):
            raise InvalidInput("callback", "must be callable", callback)
        return callback

    def _arm(self, name: str, timer: _Timer, replace: bool) -> None:
        old = self._timers.get(name)
        if old is not None:
            if not replace:
                raise TimerNameInUse(
                    f"name: {name!r} is already armed (next at {old.next_ns}); cancel it "
                    "first or pass replace=True"
                )
            self.cancel_timer(name)
        self._timers[name] = timer
        entry = (timer.next_ns, name, timer)
        heap = self._heap
        heappush(heap, entry)
        if heap[0] is entry:
            self._new_head()

    def _new_head(self) -> None:  # noqa: B027 - an optional hook; the default does nothing
        """Called when an arm makes the earliest entry change."""


class TestClock(_TimerBook):
    """A clock that moves only when told to, firing due timers synchronously and in order.

    ``start_ns`` is the initial time (ns since the Unix epoch, >= 0).
    """

    __test__ = False  # not a pytest test class, despite the name
    __slots__ = ("_advancing", "_now")

    def __init__(self, start_ns: int = 0) -> None:
        super().__init__()
        self._now = _as_ns("start_ns", start_ns)
        self._advancing = False

    def timestamp_ns(self) -> int:
        """The clock's current time (during a callback: that event's scheduled time)."""
        return self._now

    def set_time(self, ts_ns: int) -> None:
        """Move the clock to ``ts_ns`` without firing anything; what is due fires on the next
        :meth:`advance_to`, with ``ts_init`` = the clock's time then."""
        if self._advancing:
            raise ClockError("set_time: cannot be called from inside a timer callback")
        if type(ts_ns) is not int:
            ts_ns = _as_ns("ts_ns", ts_ns)
        if ts_ns < self._now:
            raise TimeWentBackwards(
                f"ts_ns: must not be before the clock's current time {self._now} (got {ts_ns})"
            )
        self._now = ts_ns

    def advance_to(self, ts_ns: int) -> list[TimeEvent]:
        """Fire every timer tick and alert scheduled ``<= ts_ns`` in (time, name) order, then
        leave the clock at ``ts_ns``; return the fired events in the order delivered."""
        if self._advancing:
            raise ClockError("advance_to: cannot be called from inside a timer callback")
        if type(ts_ns) is not int:
            ts_ns = _as_ns("ts_ns", ts_ns)
        now = self._now
        if ts_ns < now:
            raise TimeWentBackwards(
                f"ts_ns: must not be before the clock's current time {now} (got {ts_ns})"
            )
        heap = self._heap
        if not heap or heap[0][0] > ts_ns:
            self._now = ts_ns
            return []
        self._advancing = True
        fired: list[TimeEvent] = []
        append = fired.append
        timers = self._timers
        try:
            while heap:
                entry = heap[0]
                when = entry[0]
                if when > ts_ns:
                    break
                heappop(heap)
                timer = entry[2]
                if timer.dead:
                    self._dead -= 1
                    continue
                if when > now:
                    now = self._now = when
                name = entry[1]
                nxt = when + timer.interval
                if nxt != when and nxt <= timer.stop:
                    timer.next_ns = nxt
                    heappush(heap, (nxt, name, timer))
                else:
                    del timers[name]  # free before the callback, so it may reuse the name
                event = TimeEvent(name, when, now)
                append(event)
                timer.callback(event)
            self._now = ts_ns
        finally:
            self._advancing = False
        return fired


class LiveClock(_TimerBook):
    """Wall-clock time in ns, never decreasing; timers fire from an ``anyio`` scheduler task.

    Run the scheduler with ``async with clock:`` (or ``async with clock.running():``) or by
    awaiting :meth:`run` in a task group. ``set_timer``, ``set_time_alert`` and the cancels stay
    synchronous and may be called at any time from the loop's thread, callbacks included.
    """

    __slots__ = ("_cm", "_last_ns", "_running", "_wakeup")

    def __init__(self) -> None:
        super().__init__()
        self._last_ns = 0
        self._running = False
        self._wakeup: anyio.Event | None = None
        self._cm: AbstractAsyncContextManager[LiveClock] | None = None

    def timestamp_ns(self) -> int:
        """Wall time (:func:`time.time_ns`), clamped so it never goes back between calls."""
        now = time_ns()
        if now < self._last_ns:
            return self._last_ns
        self._last_ns = now
        return now

    @property
    def is_running(self) -> bool:
        """Whether the scheduler task is running."""
        return self._running

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] | None = None) -> None:
        """Fire timers on the current event loop until cancelled (works with
        ``TaskGroup.start``). A callback's exception stops it and propagates."""
        import anyio
        import anyio.lowlevel

        if self._running:
            raise ClockError("LiveClock.run: the scheduler is already running")
        self._running = True
        try:
            self._wakeup = anyio.Event()
            if task_status is not None:
                task_status.started()
            while True:
                self._fire_due()
                delay = self._next_delay_s()
                wakeup = self._wakeup
                if delay is None:
                    await wakeup.wait()
                elif delay > 0.0:
                    with anyio.move_on_after(min(delay, _MAX_SLEEP_S)):
                        await wakeup.wait()
                else:
                    # Still behind after a batch: let other tasks run before catching up.
                    await anyio.lowlevel.checkpoint()
                if wakeup.is_set():
                    self._wakeup = anyio.Event()
        finally:
            self._running = False
            self._wakeup = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """Run the scheduler for the duration of the ``async with`` block.

        An exception from the block, or from a callback, propagates as itself (not wrapped
        in an exception group).
        """
        import anyio

        if self._running:
            raise ClockError("LiveClock.running: the scheduler is already running")
        failure: list[Exception] = []
        body_error: BaseException | None = None
        async with anyio.create_task_group() as tg:
            await tg.start(self._supervised_run, tg.cancel_scope, failure)
            try:
                yield self
            except BaseException as exc:
                body_error = exc
            tg.cancel_scope.cancel()
        if failure:
            cancelled = anyio.get_cancelled_exc_class()
            if body_error is None or isinstance(body_error, cancelled):
                raise failure[0]
            raise failure[0] from body_error
        if body_error is not None:
            raise body_error

    async def __aenter__(self) -> Self:
        cm = self.running()
        result = await cm.__aenter__()
        self._cm = cm
        return result

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        cm, self._cm = self._cm, None
        assert cm is not None, "__aexit__ without __aenter__"
        return await cm.__aexit__(exc_type, exc, tb)

    async def _supervised_run(
        self,
        scope: anyio.CancelScope,
        failure: list[Exception],
        *,
        task_status: anyio.abc.TaskStatus[None] | None = None,
    ) -> None:
        try:
            await self.run(task_status=task_status)
        except Exception as exc:
            # Keep the callback's exception as is; the task group would wrap it in a group.
            failure.append(exc)
            scope.cancel()

    def _new_head(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def _next_delay_s(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2].dead:
            heappop(heap)
            self._dead -= 1
        if not heap:
            return None
        return (heap[0][0] - self.timestamp_ns()) / 1e9

    def _fire_due(self) -> None:
        # One batch: everything due as of now. Events that fall due while callbacks run are
        # left for the next batch, after the loop has had a turn.
        heap = self._heap
        timers = self._timers
        horizon = self.timestamp_ns()
        while heap:
            entry = heap[0]
            when = entry[0]
            if when > horizon:
                break
            heappop(heap)
            timer = entry[2]
            if timer.dead:
                self._dead -= 1
                continue
            name = entry[1]
            nxt = when + timer.interval
            if nxt != when and nxt <= timer.stop:
                timer.next_ns = nxt
                heappush(heap, (nxt, name, timer))
            else:
                del timers[name]
            timer.callback(TimeEvent(name, when, self.timestamp_ns()))
