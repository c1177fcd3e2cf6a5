"""The backtest loop: many data streams, several simulated exchanges, one clock and bus.

A :class:`Backtest` owns a :class:`~lyra.clock.TestClock` and an
:class:`~lyra.bus.EventBus` (or uses the ones given). The user adds
:class:`~lyra.sim.SimulatedExchange` objects built on that bus and clock, adds data, wires
strategies to the bus and the exchanges' venues however they like, then calls
:meth:`Backtest.run`.

**The loop.** Data rows from every stream are merged by ``ts_event`` and fed to their
exchanges by Rust (:class:`lyra._native.Replay`). Python runs only when something needs it:

* a row produced exchange events (an order accepted, filled, expired): they are dispatched
  before the next row, at the row's time;
* a row is *published*: a strategy subscribed to it (a venue subscription such as
  ``venue.subscribe_quotes(...)`` plus a bus handler on its topic; bars and custom data:
  just a bus handler). The exchange moves first, then the object is published, then commands
  sent from handlers reach the exchange (all at the row's time);
* a timer, a time alert or an exchange's deferred answer is due before the next row.

**Order at equal times** (the tie-break), for one timestamp ``t``: exchanges' deferred
answers due at ``t``, then timers and alerts due at ``t`` (in ``(time, name)`` order), then
the data rows at ``t``: in the order their streams were added, and within a stream in row
order. Put differently, the data is a stable sort of all rows by time over the streams
concatenated in the order they were added. Bars become four price points ending at their
``ts_event`` (see :mod:`lyra.backtest.bars`), and the bar itself is published after its
close point.

**Same code live.** Strategies see only the bus, a clock and ``Venue`` objects; nothing in
this module is visible to them.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from lyra import topics
from lyra.backtest.bars import BarPath, bar_path_quotes
from lyra.backtest.recorder import Recorder
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.errors import InvalidInput
from lyra.model.columnar import BarBatch, BookDeltaBatch, CustomBatch, QuoteBatch, TradeBatch
from lyra.model.data import BookDeltas
from lyra.model.enums import RecordFlag
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Price

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from lyra.backtest.results import BacktestResult
    from lyra.sim.exchange import SimulatedExchange, _Inst

__all__ = ("Backtest", "CustomData")

_END: Final = 0
_NEED_DATA: Final = 1
_TIME: Final = 2
_FED: Final = 3
_FOREVER: Final = (1 << 63) - 1
_F_LAST: Final = int(RecordFlag.F_LAST)


class CustomData:
    """Objects of the user's own (published at their times on ``topic``).

    ``ts_ns`` are the objects' times (non-decreasing ints) and ``items`` the objects, one
    per time. They reach no exchange; handlers on ``topic`` receive each object at its time.
    """

    __slots__ = ("items", "topic", "ts_ns")

    def __init__(
        self, ts_ns: Sequence[int] | npt.NDArray[np.int64], items: Sequence[Any], topic: str
    ):
        import numpy as np

        ts = np.ascontiguousarray(np.asarray(ts_ns, dtype=np.int64))
        if ts.ndim != 1 or len(ts) != len(items):
            raise InvalidInput(
                "CustomData.items", f"must have one item per time ({len(ts)} times)", len(items)
            )
        if not isinstance(topic, str) or not topic:
            raise InvalidInput("CustomData.topic", "must be a non-empty topic string", topic)
        self.ts_ns = ts
        self.items = list(items)
        self.topic = topic

    def __len__(self) -> int:
        return len(self.items)


_Data = QuoteBatch | TradeBatch | BookDeltaBatch | BarBatch | CustomData | CustomBatch


class _Stream:
    """One data stream: its chunks, where its rows go and how a row is published."""

    __slots__ = (
        "chunk",
        "chunks",
        "exchange",
        "exchange_index",
        "group_start",
        "index",
        "inst",
        "items",
        "kind",
        "name",
        "publish",
        "rows",
        "sub_kind",
        "topic",
        "total",
        "ts0",
        "ts_end",
    )

    def __init__(
        self,
        name: str,
        kind: str,
        chunks: Iterator[Any],
        exchange: SimulatedExchange | None,
        exchange_index: int | None,
        inst: _Inst | None,
        topic: str,
        sub_kind: str | None,
        total: int | None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.chunks = chunks
        self.exchange = exchange
        self.exchange_index = exchange_index
        self.inst = inst
        self.topic = topic
        self.sub_kind = sub_kind
        self.total = total
        self.index = -1
        self.chunk: Any = None
        self.items: list[Any] | None = None
        self.publish = False
        self.rows = 0
        self.group_start = 0
        self.ts0: int | None = None
        self.ts_end: int | None = None  # the last row's time, once the last chunk is in


class Backtest:
    """A backtest: exchanges, data streams and a clock, replayed in time order.

    Args:
        clock: the clock everything runs on (default: a new ``TestClock`` at the first
            data time).
        bus: where events and data are published (default: a new ``EventBus``).
        title: a name for the run (the report's heading).
        base_currency: the currency the equity curve is valued in (default: the settlement
            currency of the first exchange's first instrument).
        equity_interval_ns: how often the equity curve is sampled (simulated time); it is
            also sampled at the start and the end. Default: 1/500 of the data's time span
            when every stream is in memory (at least 1 ms), else one minute.
        record_events: keep every order event published on the bus, encoded as msgpack, in
            ``result.event_log`` (for determinism checks and audits; costs a few
            microseconds per event).
        progress: draw a progress bar on stderr (default: only when stderr is a terminal).
    """

    def __init__(
        self,
        *,
        clock: TestClock | None = None,
        bus: EventBus | None = None,
        title: str = "Backtest",
        base_currency: str | None = None,
        equity_interval_ns: int | None = None,
        record_events: bool = False,
        progress: bool | None = None,
    ) -> None:
        if clock is not None and not isinstance(clock, TestClock):
            raise InvalidInput("clock", "must be a TestClock", clock)
        if equity_interval_ns is not None and (
            type(equity_interval_ns) is not int or equity_interval_ns <= 0
        ):
            raise InvalidInput("equity_interval_ns", "must be a positive int", equity_interval_ns)
        self._clock = clock if clock is not None else TestClock()
        self._clock_given = clock is not None
        self._bus = bus if bus is not None else EventBus(clock=self._clock)
        self._title = title
        self._base_currency = base_currency
        self._equity_interval = equity_interval_ns
        self._record_events = record_events
        self._progress = progress
        self._exchanges: list[SimulatedExchange] = []
        self._streams: list[_Stream] = []
        self._strategies: list[tuple[str, Any]] = []
        self._stop_requested: str | None = None
        self._ran = False

    # -- set-up ------------------------------------------------------------------------------
    @property
    def clock(self) -> TestClock:
        """The clock the run moves (give it to exchanges and strategies)."""
        return self._clock

    @property
    def bus(self) -> EventBus:
        """The bus events and data are published on."""
        return self._bus

    @property
    def exchanges(self) -> tuple[SimulatedExchange, ...]:
        """The exchanges added, in order."""
        return tuple(self._exchanges)

    def add_exchange(self, exchange: SimulatedExchange) -> SimulatedExchange:
        """Replay data into ``exchange`` (which must publish on this backtest's bus and run
        on its clock); returns it."""
        from lyra.sim.exchange import SimulatedExchange

        if not isinstance(exchange, SimulatedExchange):
            raise InvalidInput("exchange", "must be a SimulatedExchange", exchange)
        if exchange._bus is not self._bus:
            raise InvalidInput("exchange", "must be built with bus=backtest.bus", exchange.venue)
        if exchange._clock is not self._clock:
            raise InvalidInput(
                "exchange", "must be built with clock=backtest.clock", exchange.venue
            )
        if any(e.venue == exchange.venue for e in self._exchanges):
            raise InvalidInput("exchange", "must be a venue not added yet", exchange.venue)
        self._exchanges.append(exchange)
        return exchange

    def add_strategy(self, strategy: Any, *, name: str | None = None) -> Any:
        """Register ``strategy`` (any object; returns it). Its ``on_start()`` is called when
        the run starts and ``on_stop()`` when it ends, if it has them. Registration is
        optional: a strategy wired to the bus and venues runs without it."""
        label = name or str(getattr(strategy, "strategy_id", "") or type(strategy).__name__)
        self._strategies.append((label, strategy))
        return strategy

    def add_data(self, data: _Data | Iterable[_Data], *, name: str | None = None) -> None:
        """Add a data stream: a ``QuoteBatch``, ``TradeBatch`` or ``BookDeltaBatch`` (fed to
        the exchange of its instrument's venue), a ``BarBatch`` (fed as price paths, see
        :meth:`add_bars`), :class:`CustomData` or a ``CustomBatch`` (published only), or an
        iterable of batches of one kind and instrument: a stream read chunk by chunk (e.g.
        from :func:`lyra.backtest.iter_parquet_quotes`), never held whole."""
        if isinstance(data, BarBatch):
            self.add_bars(data, name=name)
            return
        if isinstance(data, _Data.__args__):
            first: Any = data
            rest: Iterator[Any] = iter(())
            total: int | None = len(data)
        else:
            try:
                it = iter(data)  # type: ignore[arg-type]
            except TypeError:
                raise InvalidInput(
                    "data",
                    "must be a QuoteBatch, TradeBatch, BookDeltaBatch, BarBatch, CustomData, "
                    "CustomBatch or an iterable of them",
                    type(data).__name__,
                ) from None
            first = next(it, None)
            if first is None:
                return
            if isinstance(first, BarBatch):
                raise InvalidInput("data", "bars must be added with add_bars", "BarBatch")
            rest = it
            total = None
        self._add_stream(first, rest, total, name)

    def add_bars(
        self,
        bars: BarBatch | Iterable[BarBatch],
        *,
        path: BarPath = "adaptive",
        spread_ticks: int = 0,
        name: str | None = None,
    ) -> None:
        """Replay bars as price paths: each bar becomes four quotes (open, the two extremes,
        close) ending at its ``ts_event``, then the ``Bar`` itself is published on
        ``topics.bars(bar_type)``. ``path`` orders the extremes: ``"OHLC"``, ``"OLHC"`` or
        ``"adaptive"`` (the extreme nearer the open first); see :mod:`lyra.backtest.bars`.
        ``spread_ticks`` puts the ask that many ticks above the bid (0: bid = ask = price)."""
        if type(spread_ticks) is not int or spread_ticks < 0:
            raise InvalidInput("spread_ticks", "must be an int >= 0", spread_ticks)
        single = isinstance(bars, BarBatch)
        source: Iterator[Any] = iter([bars] if single else bars)
        first = next(source, None)
        if first is None:
            return
        if not isinstance(first, BarBatch):
            raise InvalidInput("bars", "must be a BarBatch or an iterable of them", first)
        _, inst = self._route(first.bar_type.instrument_id)
        instrument = inst.instrument
        # Two streams read one source: the price path (fed to the exchange, never
        # published) and the bars themselves (published after their close point).
        for_path, for_bars = itertools.tee(_chain(first, source, BarBatch))

        def paths() -> Iterator[QuoteBatch]:
            for b in for_path:
                yield bar_path_quotes(b, instrument, path=path, spread_ticks=spread_ticks)

        label = name or str(first.bar_type)
        total = len(first) if single else None
        path_iter = paths()
        self._add_stream(
            next(path_iter),
            path_iter,
            None if total is None else 4 * total,
            label + ":path",
            publish_ok=False,
        )
        bar_iter = iter(for_bars)
        self._add_stream(next(bar_iter), bar_iter, total, label)

    def stop(self, reason: str = "stopped by request") -> None:
        """Ask the run to stop at the next point Python is entered (a handler may call it);
        the result covers what ran."""
        self._stop_requested = reason

    # -- streams -----------------------------------------------------------------------------
    def _route(self, iid: InstrumentId) -> tuple[SimulatedExchange, _Inst]:
        for ex in self._exchanges:
            inst = ex._by_id.get(iid)
            if inst is not None:
                return ex, inst
        raise InvalidInput(
            "data", "must be for an instrument of an exchange added first (add_exchange)", iid
        )

    def _add_stream(
        self,
        first: Any,
        rest: Iterator[Any],
        total: int | None,
        name: str | None,
        *,
        publish_ok: bool = True,
    ) -> None:
        chunks = _chain(first, rest, type(first))
        ex: SimulatedExchange | None = None
        inst: _Inst | None = None
        ex_index: int | None = None
        sub_kind: str | None = None
        if isinstance(first, (QuoteBatch, TradeBatch, BookDeltaBatch)):
            ex, inst = self._route(first.instrument_id)
            ex_index = self._exchanges.index(ex)
            if isinstance(first, QuoteBatch):
                kind, sub_kind, topic = "quotes", "quotes", inst.quote_topic
            elif isinstance(first, TradeBatch):
                kind, sub_kind, topic = "trades", "trades", inst.trade_topic
            else:
                kind, sub_kind, topic = "deltas", "book", inst.book_topic
            label = name or f"{kind}:{first.instrument_id}"
        elif isinstance(first, BarBatch):
            kind, topic = "bars", topics.bars(str(first.bar_type))
            label = name or str(first.bar_type)
        elif isinstance(first, CustomData):
            kind, topic = "custom", first.topic
            label = name or topic
        elif isinstance(first, CustomBatch):
            kind = "custom_batch"
            topic = topics.custom(first.data_type.__name__)
            label = name or topic
        else:
            raise InvalidInput("data", "is not a supported batch", type(first).__name__)
        if not publish_ok:
            sub_kind = None
            topic = ""
        self._streams.append(
            _Stream(label, kind, chunks, ex, ex_index, inst, topic, sub_kind, total)
        )

    # -- the run -----------------------------------------------------------------------------
    def run(self, *, until_ns: int | None = None) -> BacktestResult:
        """Replay every stream to its end (or to ``until_ns``, or until :meth:`stop`) and
        return the :class:`~lyra.backtest.BacktestResult`. A backtest runs once.

        ``KeyboardInterrupt`` stops the run cleanly too: the result covers what ran and
        says so in ``result.stopped``."""
        from lyra import _native
        from lyra.backtest.results import _build_result

        if self._ran:
            raise InvalidInput("run", "a Backtest runs once; build a new one", self._title)
        if not self._exchanges:
            raise InvalidInput("exchanges", "must have at least one (add_exchange)", 0)
        if not self._streams:
            raise InvalidInput("data", "must have at least one stream (add_data)", 0)
        self._ran = True
        exchanges = self._exchanges
        clock = self._clock
        replay = _native.Replay([ex._core for ex in exchanges])
        streams = self._streams
        for st in streams:
            st.index = replay.add_stream(st.exchange_index, st.inst.index if st.inst else 0)
            self._next_chunk(replay, st)
        start_ns = self._first_time()
        if not self._clock_given and start_ns is not None and clock.timestamp_ns() < start_ns:
            clock.set_time(start_ns)
        recorder = Recorder(
            self._bus,
            clock,
            exchanges,
            base_currency=self._base_currency,
            interval_ns=self._interval(start_ns),
            record_events=self._record_events,
            initial_marks=self._initial_marks(),
        )
        recorder.start()
        for _, strategy in self._strategies:
            hook = getattr(strategy, "on_start", None)
            if callable(hook):
                hook()
        bar = _Progress.create(self._progress, sum(s.total or 0 for s in streams) or None)
        wall0 = time.perf_counter()
        stopped: str | None = None
        try:
            stopped = self._loop(replay, until_ns, bar)
        except KeyboardInterrupt:
            stopped = "KeyboardInterrupt"
        except InvalidInput as exc:
            # name the stream rather than its index: "quotes:BTCUSDT.BINANCE row 7: ..."
            field = exc.field
            if field.startswith("stream[") and "]" in field:
                k = int(field[7 : field.index("]")])
                if 0 <= k < len(streams):
                    field = streams[k].name + field[field.index("]") + 1 :]
            raise InvalidInput(field, exc.rule, exc.value) from None
        finally:
            if bar is not None:
                bar.close(replay.rows_fed)
        wall = time.perf_counter() - wall0
        if stopped is None:
            for ex in exchanges:
                ex.settle()
        for _, strategy in self._strategies:
            hook = getattr(strategy, "on_stop", None)
            if callable(hook):
                hook()
        for ex in exchanges:
            if ex._dirty:
                ex._run_until(max(int(ex._core.now), clock.timestamp_ns()))
        recorder.finish()
        return _build_result(
            title=self._title,
            recorder=recorder,
            exchanges=exchanges,
            strategies=[label for label, _ in self._strategies],
            rows=replay.rows_fed,
            wall_seconds=wall,
            stopped=stopped,
            streams=[(s.name, s.rows) for s in streams],
        )

    def _interval(self, start_ns: int | None) -> int:
        if self._equity_interval is not None:
            return self._equity_interval
        ends = [s.ts_end for s in self._streams]
        if start_ns is None or any(t is None for t in ends):
            return 60_000_000_000
        span = max(t for t in ends if t is not None) - start_ns
        return max(span // 500, 1_000_000)

    def _initial_marks(self) -> dict[str, tuple[Any, Any]]:
        """(bid, ask) of each instrument's first quote or trade row, for valuing balances
        before the exchanges have seen data."""
        marks: dict[str, tuple[Any, Any]] = {}
        for st in self._streams:
            if st.inst is None or st.chunk is None or str(st.inst.id) in marks:
                continue
            arr = st.chunk.array
            pp = st.chunk.price_precision

            def make(raw: int, pp: int = pp) -> Price:
                return Price.from_raw(raw, pp)

            if st.kind == "quotes":
                marks[str(st.inst.id)] = (
                    make(int(arr["bid_price"][0])),
                    make(int(arr["ask_price"][0])),
                )
            elif st.kind == "trades":
                px = make(int(arr["price"][0]))
                marks[str(st.inst.id)] = (px, px)
        return marks

    def _first_time(self) -> int | None:
        times = [s.ts0 for s in self._streams if s.ts0 is not None]
        return min(times) if times else None

    def _loop(self, replay: Any, until_ns: int | None, bar: _Progress | None) -> str | None:
        clock = self._clock
        bus = self._bus
        exchanges = self._exchanges
        streams = self._streams
        heap = clock._heap
        limit = _FOREVER if until_ns is None else until_ns + 1
        gen = -1
        run = replay.run
        publish = bus.publish
        next_bar = 0 if bar is None else replay.rows_fed + bar.every
        while True:
            if self._stop_requested is not None:
                return self._stop_requested
            # publish flags follow subscriptions, which change only while Python runs
            if bus._generation != gen:
                gen = bus._generation
                self._refresh_publish(replay)
            stop_ts = heap[0][0] if heap else limit
            if stop_ts > limit:
                stop_ts = limit
            for ex in exchanges:
                d = ex._deferred
                if d and d[0][0] < stop_ts:
                    stop_ts = d[0][0]
            reason, s, row, ts, events = run(stop_ts)
            if reason == _FED:
                st = streams[s]
                if ts > clock._now:
                    clock._now = ts
                ex = st.exchange
                if events and ex is not None:
                    ex._dispatch()
                if st.publish:
                    items = st.items
                    if items is None:
                        items = st.items = _objects(st)
                    if st.kind == "deltas":
                        self._publish_deltas(st, row, items)
                    else:
                        publish(st.topic, items[row])
                for e in exchanges:
                    if e._dirty:
                        e._run_until(ts)
                if bar is not None and replay.rows_fed >= next_bar:
                    bar.update(replay.rows_fed, clock._now)
                    next_bar = replay.rows_fed + bar.every
            elif reason == _TIME:
                if ts >= limit:
                    self._advance(limit - 1)
                    return None
                self._advance(ts)
            elif reason == _NEED_DATA:
                self._next_chunk(replay, streams[s])
                if bar is not None:
                    bar.update(replay.rows_fed, clock._now)
            else:
                return None

    def _advance(self, target: int) -> None:
        """Deliver deferred exchange answers and fire timers due at or before ``target``, in
        time order (answers before timers at the same time)."""
        clock = self._clock
        heap = clock._heap
        exchanges = self._exchanges
        while True:
            t_def = _FOREVER
            for ex in exchanges:
                d = ex._deferred
                if d and d[0][0] < t_def:
                    t_def = d[0][0]
            while heap and heap[0][2].dead:
                clock.next_time_ns()  # drops cancelled entries
            t_timer = heap[0][0] if heap else _FOREVER
            t = t_def if t_def <= t_timer else t_timer
            if t > target:
                return
            now = clock._now
            if t_def <= t_timer:
                if t > now:
                    clock.set_time(t)
                for ex in exchanges:
                    d = ex._deferred
                    if d and d[0][0] <= t:
                        ex._catch_up(t)
            else:
                clock.advance_to(t if t > now else now)
            for ex in exchanges:
                if ex._dirty:
                    ex._run_until(max(t, int(ex._core.now)))

    def _refresh_publish(self, replay: Any) -> None:
        bus = self._bus
        for st in self._streams:
            if st.sub_kind is not None:
                ex = st.exchange
                assert ex is not None and st.inst is not None
                want = ex._publishes(st.sub_kind, st.inst, st.topic)
            elif st.topic:
                want = bus.has_subscribers(st.topic)
            else:
                want = False
            if want != st.publish:
                st.publish = want
                replay.set_publish(st.index, want)

    def _publish_deltas(self, st: _Stream, row: int, items: list[Any]) -> None:
        flags = st.chunk.array["flags"]
        if row + 1 < len(items) and not int(flags[row]) & _F_LAST:
            return
        start = st.group_start if st.group_start <= row else row
        group = tuple(items[start : row + 1])
        st.group_start = row + 1
        self._bus.publish(st.topic, BookDeltas(st.inst.id, group))  # type: ignore[union-attr]

    def _next_chunk(self, replay: Any, st: _Stream) -> None:
        import numpy as np

        chunk = next(st.chunks, None)
        while chunk is not None and len(chunk) == 0:
            chunk = next(st.chunks, None)
        if chunk is None:
            replay.end_stream(st.index)
            st.chunk = None
            st.items = None
            return
        st.rows += len(chunk)
        st.chunk = chunk
        st.items = None
        st.group_start = 0
        if st.kind in ("custom",):
            ts = chunk.ts_ns
        else:
            ts = np.ascontiguousarray(chunk.array["ts_event"], dtype=np.int64)
        if st.ts0 is None:
            st.ts0 = int(ts[0])
        peek_last = False
        if st.total is not None and st.rows >= st.total:
            peek_last = True
            st.ts_end = int(ts[-1])
        idx = st.index
        if st.kind == "quotes":
            inst = st.inst
            assert inst is not None
            cols = st.exchange._batch_columns(chunk)  # type: ignore[union-attr]
            replay.set_quotes(idx, *cols, last=peek_last)
        elif st.kind == "trades":
            cols = st.exchange._batch_columns(chunk)  # type: ignore[union-attr]
            replay.set_trades(idx, *cols, last=peek_last)
        elif st.kind == "deltas":
            cols = st.exchange._batch_columns(chunk)  # type: ignore[union-attr]
            replay.set_deltas(idx, *cols, last=peek_last)
        else:
            replay.set_times(idx, ts, last=peek_last)


def _skip_first(it: Iterator[Any]) -> Iterator[Any]:
    next(it, None)
    return it


def _chain(first: Any, rest: Iterator[Any], kind: type) -> Iterator[Any]:
    yield first
    for item in rest:
        chunk: Any = item
        if type(chunk) is not kind:
            raise InvalidInput(
                "data", f"must be {kind.__name__} chunks throughout", type(chunk).__name__
            )
        iid = getattr(first, "instrument_id", None)
        other = getattr(chunk, "instrument_id", None)
        if iid is not None and other != iid:
            raise InvalidInput("data", f"must all be for {iid}", other)
        yield chunk


def _objects(st: _Stream) -> list[Any]:
    chunk = st.chunk
    if st.kind == "quotes" or st.kind == "trades":
        return chunk.to_ticks()  # type: ignore[no-any-return]
    if st.kind == "deltas":
        return chunk.to_deltas()  # type: ignore[no-any-return]
    if st.kind == "bars":
        return chunk.to_bars()  # type: ignore[no-any-return]
    if st.kind == "custom":
        return chunk.items  # type: ignore[no-any-return]
    return chunk.to_items()  # type: ignore[no-any-return]


class _Progress:
    """A one-line progress bar on stderr: rows fed, simulated time, rate, ETA."""

    __slots__ = ("every", "last", "out", "start", "total")

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.out = sys.stderr
        self.start = time.perf_counter()
        self.last = 0.0
        self.every = 1 << 16

    @classmethod
    def create(cls, enabled: bool | None, total: int | None) -> _Progress | None:
        if enabled is None:
            enabled = sys.stderr.isatty() and not os.environ.get("CI")
        return cls(total) if enabled else None

    def update(self, rows: int, now_ns: int) -> None:
        t = time.perf_counter()
        if t - self.last < 0.2:
            return
        self.last = t
        self.out.write("\r" + self._line(rows, t))
        self.out.flush()

    def _line(self, rows: int, t: float) -> str:
        elapsed = max(t - self.start, 1e-9)
        rate = rows / elapsed
        if self.total:
            frac = min(rows / self.total, 1.0)
            filled = int(frac * 30)
            eta = (self.total - rows) / rate if rate > 0 else math.inf
            eta_s = f"{eta:5.1f}s" if math.isfinite(eta) else "  ?  "
            return (
                f"[{'#' * filled}{'.' * (30 - filled)}] {frac:6.1%} "
                f"{rows:,}/{self.total:,} rows  {rate:,.0f} rows/s  ETA {eta_s}"
            )
        return f"{rows:,} rows  {rate:,.0f} rows/s  {elapsed:5.1f}s"

    def close(self, rows: int) -> None:
        self.out.write("\r" + self._line(rows, time.perf_counter()) + "\n")
        self.out.flush()
