"""Parameter sweeps: run one backtest function over many parameter sets, in parallel, and
gather the results as a table.

```python
from lyra.backtest.sweep import Grid, sweep

result = sweep(run_backtest, Grid({"fast": [5, 10, 20], "slow": [50, 100]}))
print(result.sorted_by("sharpe_ratio", descending=True))
best = result.best("sharpe_ratio")
```

**The trial function.** ``fn(params)`` gets one parameter set (a ``dict`` of name to value)
and returns its result, which becomes one flat row of metrics: a mapping of names to
scalars (nested mappings are flattened to dotted names), an object with a ``metrics()``
method returning one (a :class:`~lyra.backtest.results.BacktestResult`), a ``msgspec.Struct``
(a :class:`~lyra.backtest.stats.PerformanceSummary`), a dataclass, a single scalar (the
column ``value``), or ``None`` (no metrics). Scalars are ``int``, ``float``, ``str``,
``bool``, ``None`` and ``Decimal``; NumPy scalars become Python numbers, enums their name,
Lyra values with ``as_decimal()`` (``Price``, ``Quantity``, ``Money``) a ``Decimal``. The
result is turned into its row where the trial ran, so only the row travels back.

**Worker processes import the function.** The local backend pickles ``fn`` by reference, so
worker processes must be able to import it: a function defined at module level in a file,
or a ``functools.partial`` of one (bind large inputs such as market data this way: the
partial is sent once per worker, not once per trial). A script that sweeps must guard its
entry point with ``if __name__ == "__main__":`` because the workers import it. Lambdas and
functions defined in an interactive session or a notebook cell cannot be sent: run those
with ``backend="serial"``. Workers get the parent's ``sys.path``, so modules found through
it (a project folder, a test directory) import there too. Ray's serializer also sends
functions of the driver script by value; see :class:`RayBackend`.

**Backends.** ``"local"`` (:class:`LocalBackend`): a ``ProcessPoolExecutor`` on this
machine, one worker per CPU by default. Workers start with ``forkserver`` where the platform
has it, else ``spawn``: a ``fork`` start copies the parent's memory including locks held by
its other threads (the event loop, Ray, BLAS, logging), which can deadlock the child, and
CPython deprecates it when threads are running. ``"serial"`` (:class:`SerialBackend`): every
trial in this process, in order -- for debugging (breakpoints work) and functions that
cannot be pickled. ``"ray"`` (:class:`RayBackend`): Ray tasks, for sweeps larger than one
machine (``pip install lyra[ray]``). All three give the same table for the same trials.

**Ordering and errors.** Rows are in the order of the search space whatever order the trials
finish in. A trial that raises becomes a row with ``status="error"`` and ``error`` holding
the exception type and message (``on_error="record"``, the default); with
``on_error="raise"`` the sweep stops at the first failure it sees, cancels what has not run
and re-raises that exception, with a note naming the trial and its parameters.
Ctrl-C cancels the pending trials, stops the workers and raises ``KeyboardInterrupt``. A
worker process that dies (a fault in native code, ``os._exit``, the out-of-memory killer)
takes the pool down: its trials and every unfinished one are recorded as failed
(``BrokenProcessPool``), or, if no trial had finished yet, the sweep raises
``SweepBackendError``.

**Columns.** ``trial`` (position in the search space), the parameters, the metrics (in the
order first seen), then ``status`` (``"ok"`` or ``"error"``), ``error`` and ``duration_s``
(the trial's own run time). A metric named like a parameter or one of those four columns is
stored as ``result.<name>``.

**Random search** draws each value from a SplitMix64 stream (the generator of
:mod:`lyra.backtest.synthetic`, stream 10): candidate ``c``, parameter ``j`` (in the order
given) uses uniform number ``c * len(space) + j``, so a seed gives the same samples on any
machine and Python version. A distribution is any object with ``sample(u: float)``, mapping a
uniform ``u`` in [0, 1) to a value.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import itertools
import math
import multiprocessing
import os
import pickle
import signal
import sys
import time
import traceback as traceback_module
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Final, Literal, NamedTuple, Protocol, Self, TextIO, runtime_checkable

from lyra.errors import InvalidInput, MissingDependency, SweepBackendError, SweepTrialError

__all__ = (
    "Backend",
    "Choice",
    "Distribution",
    "Grid",
    "IntRange",
    "LocalBackend",
    "LogUniform",
    "RandomSearch",
    "RayBackend",
    "SerialBackend",
    "SweepResult",
    "ProgressCallback",
    "TrialFunction",
    "TrialOutcome",
    "Uniform",
    "run_trials",
    "sweep",
)

TrialFunction = Callable[[Mapping[str, Any]], Any]
"""What a sweep runs: ``fn(params) -> result`` (see the module docs for the result)."""
ProgressCallback = Callable[[int, int, Mapping[str, Any]], object]
"""A progress callback: ``callback(done, total, row)``, called in the sweeping process as
each trial's row arrives."""

_RESERVED: Final = ("trial", "status", "error", "duration_s")
_MAX_AUTO_CHUNK: Final = 64

# -- deterministic uniforms (SplitMix64, as lyra.backtest.synthetic) ---------------------------

_MASK: Final = (1 << 64) - 1
_GOLDEN: Final = 0x9E3779B97F4A7C15
_STREAM_RANDOM: Final = 10
_STREAM_SEEDS: Final = 11


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _bits(seed: int, stream: int, index: int) -> int:
    key = _mix((seed + stream * _GOLDEN) & _MASK)
    return _mix((key + (index + 1) * _GOLDEN) & _MASK)


def _uniform(seed: int, stream: int, index: int) -> float:
    return (_bits(seed, stream, index) >> 11) * (1.0 / (1 << 53))


def _check_seed(field: str, seed: object) -> int:
    if type(seed) is not int or seed < 0:
        raise InvalidInput(field, "must be an int >= 0", seed)
    return seed


def _plain(value: Any) -> Any:
    """NumPy scalars as Python scalars (cleaner rows, and picklable without NumPy)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


# -- distributions --------------------------------------------------------------------------------


@runtime_checkable
class Distribution(Protocol):
    """A random-search dimension: maps a uniform ``u`` in [0, 1) to a value."""

    def sample(self, u: float) -> Any:
        """The value for the uniform number ``u``."""
        ...


@dataclass(frozen=True, slots=True)
class IntRange:
    """Integers ``low, low + step, ...`` up to ``high`` inclusive, equally likely. Also a grid
    dimension: ``Grid({"fast": IntRange(5, 30, 5)})`` enumerates 5, 10, ..., 30."""

    low: int
    high: int
    step: int = 1

    def __post_init__(self) -> None:
        for name in ("low", "high", "step"):
            v = getattr(self, name)
            if type(v) is not int:
                raise InvalidInput(f"IntRange.{name}", "must be an int", v)
        if self.step < 1 or self.high < self.low:
            raise InvalidInput("IntRange", "needs step >= 1 and high >= low", self)

    def __len__(self) -> int:
        return (self.high - self.low) // self.step + 1

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.low, self.high + 1, self.step))

    def sample(self, u: float) -> int:
        """The ``floor(u * len)``-th value."""
        k = len(self)
        return self.low + self.step * min(int(u * k), k - 1)


@dataclass(frozen=True, slots=True)
class Uniform:
    """Floats uniform in ``[low, high)``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.high > self.low):
            raise InvalidInput("Uniform", "needs finite low < high", self)

    def sample(self, u: float) -> float:
        """``low + u * (high - low)``."""
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True, slots=True)
class LogUniform:
    """Floats whose logarithm is uniform: ``low`` to ``high`` (both > 0), for scales such as
    learning rates or fee levels spanning decades."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (0 < self.low < self.high and math.isfinite(self.high)):
            raise InvalidInput("LogUniform", "needs 0 < low < high, finite", self)

    def sample(self, u: float) -> float:
        """``exp(log(low) + u * (log(high) - log(low)))``, kept within ``[low, high]``."""
        lo, hi = math.log(self.low), math.log(self.high)
        return min(max(math.exp(lo + u * (hi - lo)), self.low), self.high)


@dataclass(frozen=True, slots=True)
class Choice:
    """One of ``options``, equally likely or in proportion to ``weights``. Also a grid
    dimension (every option, in order)."""

    options: tuple[Any, ...]
    weights: tuple[float, ...] | None = None

    def __init__(self, options: Iterable[Any], weights: Iterable[float] | None = None) -> None:
        opts = tuple(_plain(o) for o in options)
        if not opts:
            raise InvalidInput("Choice.options", "must not be empty", opts)
        w = None if weights is None else tuple(float(x) for x in weights)
        if w is not None and (
            len(w) != len(opts) or any(not (x >= 0 and math.isfinite(x)) for x in w) or sum(w) <= 0
        ):
            raise InvalidInput(
                "Choice.weights", "must be one finite weight >= 0 per option, not all 0", w
            )
        object.__setattr__(self, "options", opts)
        object.__setattr__(self, "weights", w)

    def __len__(self) -> int:
        return len(self.options)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.options)

    def sample(self, u: float) -> Any:
        """The option whose share of ``[0, 1)`` holds ``u``."""
        if self.weights is None:
            return self.options[min(int(u * len(self.options)), len(self.options) - 1)]
        target = u * sum(self.weights)
        acc = 0.0
        last = 0
        for i, w in enumerate(self.weights):
            if w > 0:
                last = i
                acc += w
                if target < acc:
                    return self.options[i]
        return self.options[last]


@dataclass(frozen=True, slots=True)
class _Fixed:
    value: Any

    def sample(self, u: float) -> Any:
        return self.value


# -- search spaces ------------------------------------------------------------------------------


def _check_names(owner: str, space: Any) -> None:
    if isinstance(space, Grid | RandomSearch) or not isinstance(space, Mapping):
        raise InvalidInput(owner, "must be a mapping of parameter name to values", space)
    for name in space:
        if type(name) is not str or not name:
            raise InvalidInput(f"{owner}", "parameter names must be non-empty str", name)
        if name in _RESERVED:
            raise InvalidInput(
                f"{owner}.{name}", f"is a reserved column name ({', '.join(_RESERVED)})"
            )


def _grid_values(name: str, values: Any) -> tuple[Any, ...]:
    field = f"Grid.{name}"
    if isinstance(values, Uniform | LogUniform) or (
        hasattr(values, "sample") and not isinstance(values, Iterable)
    ):
        raise InvalidInput(
            field,
            "a continuous distribution cannot be enumerated: list values or use RandomSearch",
            values,
        )
    if isinstance(values, set | frozenset):
        raise InvalidInput(field, "must be an ordered sequence, not a set", values)
    if isinstance(values, Mapping):
        raise InvalidInput(field, "must be a sequence of values, not a mapping", values)
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return (_plain(values),)  # one fixed value
    out = tuple(_plain(v) for v in values)
    if not out:
        raise InvalidInput(field, "must have at least one value", values)
    return out


class Grid:
    """Every combination of the given values (the cartesian product), in a fixed order: the
    first parameter varies slowest, as nested loops written in the mapping's order.

    A value that is not a sequence (a number, a string) is a fixed parameter; an
    :class:`IntRange` or :class:`Choice` is enumerated. ``constraint(params) -> bool`` drops
    the combinations it returns false for (e.g. ``lambda p: p["fast"] < p["slow"]``).
    """

    __slots__ = ("_constraint", "_names", "_values")

    def __init__(
        self,
        space: Mapping[str, Any],
        *,
        constraint: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> None:
        _check_names("Grid.space", space)
        if constraint is not None and not callable(constraint):
            raise InvalidInput("Grid.constraint", "must be callable", constraint)
        self._names = tuple(space)
        self._values = tuple(_grid_values(n, v) for n, v in space.items())
        self._constraint = constraint

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in order."""
        return self._names

    def __iter__(self) -> Iterator[dict[str, Any]]:
        keep = self._constraint
        for combo in itertools.product(*self._values):
            params = dict(zip(self._names, combo, strict=True))
            if keep is None or keep(params):
                yield params

    def __len__(self) -> int:
        if self._constraint is None:
            return math.prod(len(v) for v in self._values)
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        dims = ", ".join(f"{n}: {len(v)}" for n, v in zip(self._names, self._values, strict=True))
        return f"Grid({{{dims}}}, {len(self)} combinations)"


class RandomSearch:
    """``n`` parameter sets drawn at random, the same ones for the same ``seed``.

    Each entry of ``space`` is a distribution (:class:`IntRange`, :class:`Uniform`,
    :class:`LogUniform`, :class:`Choice` or any object with ``sample(u)``), a list or tuple
    (a :class:`Choice` of its items) or a fixed value. With ``constraint``, draws it rejects
    are skipped until ``n`` are accepted; after ``max_draws`` draws (default ``max(1000,
    100 * n)``) iterating raises :class:`~lyra.errors.InvalidInput`. Draws are independent,
    so a small space can give the same parameter set twice.
    """

    __slots__ = ("_constraint", "_dists", "_max_draws", "_n", "_names", "_seed")

    def __init__(
        self,
        space: Mapping[str, Any],
        n: int,
        seed: int = 0,
        *,
        constraint: Callable[[Mapping[str, Any]], bool] | None = None,
        max_draws: int | None = None,
    ) -> None:
        _check_names("RandomSearch.space", space)
        if type(n) is not int or n < 0:
            raise InvalidInput("RandomSearch.n", "must be an int >= 0", n)
        self._seed = _check_seed("RandomSearch.seed", seed)
        if constraint is not None and not callable(constraint):
            raise InvalidInput("RandomSearch.constraint", "must be callable", constraint)
        if max_draws is not None and (type(max_draws) is not int or max_draws < n):
            raise InvalidInput("RandomSearch.max_draws", "must be an int >= n", max_draws)
        self._names = tuple(space)
        self._dists: tuple[Any, ...] = tuple(self._dist(k, v) for k, v in space.items())
        self._n = n
        self._constraint = constraint
        self._max_draws = max_draws if max_draws is not None else max(1000, 100 * n)

    @staticmethod
    def _dist(name: str, value: Any) -> Any:
        if isinstance(value, Distribution):
            return value
        if isinstance(value, list | tuple):
            return Choice(value)
        if isinstance(value, set | frozenset | Mapping):
            raise InvalidInput(
                f"RandomSearch.{name}", "must be a distribution, a list, or a fixed value", value
            )
        return _Fixed(_plain(value))

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in order."""
        return self._names

    @property
    def seed(self) -> int:
        """The seed the samples are drawn with."""
        return self._seed

    def __iter__(self) -> Iterator[dict[str, Any]]:
        width = len(self._names)
        made = 0
        draw = 0
        while made < self._n:
            if draw >= self._max_draws:
                raise InvalidInput(
                    "RandomSearch.constraint",
                    f"accepted only {made} of {self._n} samples in {self._max_draws} draws",
                )
            params = {
                name: _plain(dist.sample(_uniform(self._seed, _STREAM_RANDOM, draw * width + j)))
                for j, (name, dist) in enumerate(zip(self._names, self._dists, strict=True))
            }
            draw += 1
            if self._constraint is None or self._constraint(params):
                made += 1
                yield params

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"RandomSearch({list(self._names)}, n={self._n}, seed={self._seed})"


def _materialize(space: Any) -> list[dict[str, Any]]:
    if isinstance(space, Mapping):
        raise InvalidInput(
            "sweep.space",
            "a mapping of value lists is not a search space: wrap it in Grid(...) or "
            "RandomSearch(...)",
            type(space).__name__,
        )
    if isinstance(space, str | bytes) or not isinstance(space, Iterable):
        raise InvalidInput(
            "sweep.space", "must be a Grid, a RandomSearch or an iterable of mappings", space
        )
    trials: list[dict[str, Any]] = []
    for i, params in enumerate(space):
        if not isinstance(params, Mapping):
            raise InvalidInput(f"sweep.space[{i}]", "must be a mapping of name to value", params)
        _check_names(f"sweep.space[{i}]", params)
        trials.append({k: _plain(v) for k, v in params.items()})
    return trials


# -- running trials -----------------------------------------------------------------------------


class TrialOutcome(NamedTuple):
    """What running one trial gave: its metrics row, or the error it raised."""

    trial: int
    """The trial's position in the search space (its ``trial`` column)."""
    metrics: dict[str, Any] | None
    """The result as a flat row (``None`` when the trial failed)."""
    duration_s: float
    """How long the trial ran, in seconds."""
    error_type: str | None = None
    """The exception's type name, when it failed."""
    error: str | None = None
    """The exception's message, when it failed."""
    traceback: str | None = None
    """The formatted traceback, when it failed."""
    exception: BaseException | None = None
    """The exception itself, when it could be kept (always in-process; from workers only
    when it survives pickling)."""


_SCALARS: Final = (int, float, str, bool, Decimal, type(None))
_RULE: Final = (
    "must be a number, str, bool or None, a mapping of them, a msgspec Struct, a "
    "dataclass, or an object with a metrics() method"
)


def _flatten(prefix: str, value: Any, out: dict[str, Any], depth: int = 0) -> None:
    if isinstance(value, _SCALARS) and not isinstance(value, enum.Enum):
        out[prefix or "value"] = value
        return
    if isinstance(value, enum.Enum):
        out[prefix or "value"] = value.name
        return
    plain = _plain(value)
    if plain is not value:
        _flatten(prefix, plain, out, depth)
        return
    if depth > 8:
        raise InvalidInput(f"sweep result {prefix}", "nests too deeply", type(value).__name__)
    mapping: Mapping[Any, Any] | None = None
    if isinstance(value, Mapping):
        mapping = value
    elif callable(getattr(value, "metrics", None)):
        mapping = value.metrics()
        if not isinstance(mapping, Mapping):
            raise InvalidInput(f"sweep result {prefix}.metrics()", "must return a mapping")
    elif type(value).__module__ != "builtins" and _is_struct(value):
        import msgspec.structs

        mapping = msgspec.structs.asdict(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        mapping = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif callable(getattr(value, "as_decimal", None)):
        out[prefix or "value"] = value.as_decimal()
        return
    if mapping is None:
        raise InvalidInput(f"sweep result {prefix or 'value'}".rstrip(), _RULE, value)
    for key, item in mapping.items():
        if type(key) is not str:
            raise InvalidInput(f"sweep result {prefix}".rstrip(), "keys must be str", key)
        _flatten(f"{prefix}.{key}" if prefix else key, item, out, depth + 1)


def _is_struct(value: Any) -> bool:
    msgspec = sys.modules.get("msgspec")  # no Struct exists unless msgspec is imported
    return msgspec is not None and isinstance(value, msgspec.Struct)


def _metrics_row(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    out: dict[str, Any] = {}
    _flatten("", value, out)
    return out


def _portable(exc: BaseException) -> BaseException | None:
    """``exc`` if it survives a pickle round trip (so the parent can re-raise it), else None."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return None
    return exc


def _run_one(
    fn: TrialFunction, index: int, params: Mapping[str, Any], portable: bool
) -> TrialOutcome:
    start = time.perf_counter()
    try:
        metrics = _metrics_row(fn(params))
    except Exception as e:
        elapsed = time.perf_counter() - start
        tb = "".join(traceback_module.format_exception(e))
        return TrialOutcome(
            index, None, elapsed, type(e).__name__, str(e), tb, _portable(e) if portable else e
        )
    return TrialOutcome(index, metrics, time.perf_counter() - start)


def run_trials(
    fn: TrialFunction, trials: Iterable[tuple[int, Mapping[str, Any]]], *, portable: bool = False
) -> list[TrialOutcome]:
    """Run ``fn`` on each ``(index, params)`` here, in order, catching each trial's error.

    The building block of a custom :class:`Backend`: call it where the trials should run
    (a worker, a remote task) and hand the outcomes back. With ``portable=True`` an
    exception is kept only if it survives pickling, so the outcomes can always be sent.
    """
    return [_run_one(fn, i, p, portable) for i, p in trials]


def _failed_chunk(
    chunk: Sequence[tuple[int, Mapping[str, Any]]], exc: BaseException
) -> list[TrialOutcome]:
    """Outcomes for trials lost with their worker (it died, or the task could not run)."""
    message = str(exc) or "the worker running this trial stopped"
    if isinstance(exc, BrokenProcessPool):
        message = (
            "a worker process died (a fault in native code, os._exit, killed for memory); "
            "the trials it was running and every unfinished one were lost"
        )
    return [TrialOutcome(i, None, 0.0, type(exc).__name__, message) for i, _ in chunk]


# -- worker side of the local pool --------------------------------------------------------------

_WORKER_FN: TrialFunction | None = None
_WORKER_LOAD_ERROR: str | None = None


def _init_worker(paths: Sequence[str], payload: bytes) -> None:
    global _WORKER_FN, _WORKER_LOAD_ERROR
    # Ctrl-C reaches the whole process group: only the parent handles it (it stops us)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    known = set(paths)
    sys.path[:] = [*paths, *(p for p in sys.path if p not in known)]
    try:
        _WORKER_FN = pickle.loads(payload)
    except BaseException as e:  # reported to the parent with the first chunk
        _WORKER_LOAD_ERROR = f"{type(e).__name__}: {e}"


class _LoadFailed(NamedTuple):
    message: str


def _run_chunk(chunk: Sequence[tuple[int, Mapping[str, Any]]]) -> list[TrialOutcome] | _LoadFailed:
    if _WORKER_FN is None:
        return _LoadFailed(_WORKER_LOAD_ERROR or "no trial function was loaded")
    return run_trials(_WORKER_FN, chunk, portable=True)


# -- backends -----------------------------------------------------------------------------------

_Chunk = Sequence[tuple[int, dict[str, Any]]]
_Report = Callable[[Sequence[TrialOutcome]], bool]


@runtime_checkable
class Backend(Protocol):
    """Where a sweep's trials run.

    ``run`` executes ``fn`` on every ``(index, params)`` of ``trials`` and calls
    ``report(outcomes)`` in this process as outcomes arrive (in any order, any batch size;
    :func:`run_trials` makes them). When ``report`` returns ``False`` the sweep is over:
    cancel what has not run and return. An exception (Ctrl-C included) must also cancel
    what is pending before it propagates.
    """

    @property
    def name(self) -> str:
        """A short name for the result (``"local"``, ``"ray"``, ...)."""
        ...

    def run(self, fn: TrialFunction, trials: _Chunk, report: _Report) -> None:
        """Run the trials, reporting outcomes as they complete."""
        ...


class SerialBackend:
    """Every trial in this process, one after the other, in order. For debugging (a
    breakpoint in ``fn`` works, the original traceback is kept) and for functions that
    cannot be pickled (lambdas, functions defined in a notebook)."""

    __slots__ = ()

    @property
    def name(self) -> str:
        """``"serial"``."""
        return "serial"

    def run(self, fn: TrialFunction, trials: _Chunk, report: _Report) -> None:
        """Run each trial here and report it at once."""
        for index, params in trials:
            if not report([_run_one(fn, index, params, portable=False)]):
                return

    def __repr__(self) -> str:
        return "SerialBackend()"


def _cpu_count() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return os.cpu_count() or 1


def _default_start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _check_count(field: str, value: object) -> int | None:
    if value is not None and (type(value) is not int or value < 1):
        raise InvalidInput(field, "must be an int >= 1 or None", value)
    return value


def _chunked(trials: _Chunk, workers: int, chunksize: int | None) -> list[_Chunk]:
    # several trials per task amortize the inter-process round trip for cheap trials, while
    # ~8 tasks per worker keep the load balanced and the progress bar moving
    size = chunksize or max(1, min(_MAX_AUTO_CHUNK, len(trials) // (workers * 8)))
    return [trials[i : i + size] for i in range(0, len(trials), size)]


def _dumps_fn(fn: TrialFunction) -> bytes:
    try:
        return pickle.dumps(fn)
    except Exception as e:
        raise InvalidInput(
            "sweep.fn",
            "must be picklable to run in worker processes: a module-level function or a "
            f"functools.partial of one, or use backend='serial' ({type(e).__name__}: {e})",
            fn,
        ) from e


def _terminate(pool: ProcessPoolExecutor, futures: Iterable[Future[Any]]) -> None:
    for f in futures:
        f.cancel()
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()


class LocalBackend:
    """A pool of worker processes on this machine (``concurrent.futures``).

    Args:
        workers: how many processes (default: the CPUs this process may use); never more
            than there are tasks.
        chunksize: trials per task (default: automatic, 1 for few trials, up to 64 for many
            cheap ones).
        start_method: ``multiprocessing`` start method (default ``"forkserver"`` where
            available, else ``"spawn"``; see the module docs for why not ``"fork"``).

    Each worker receives ``fn`` once, when it starts; tasks carry only parameters.
    """

    __slots__ = ("_chunksize", "_start_method", "_workers")

    def __init__(
        self,
        workers: int | None = None,
        *,
        chunksize: int | None = None,
        start_method: str | None = None,
    ) -> None:
        self._workers = _check_count("LocalBackend.workers", workers)
        self._chunksize = _check_count("LocalBackend.chunksize", chunksize)
        if start_method is not None and start_method not in multiprocessing.get_all_start_methods():
            raise InvalidInput(
                "LocalBackend.start_method",
                f"must be one of {multiprocessing.get_all_start_methods()}",
                start_method,
            )
        self._start_method = start_method

    @property
    def name(self) -> str:
        """``"local"``."""
        return "local"

    @property
    def workers(self) -> int:
        """The most worker processes a sweep starts."""
        return self._workers or _cpu_count()

    def run(self, fn: TrialFunction, trials: _Chunk, report: _Report) -> None:
        """Run the trials in worker processes, reporting each task's outcomes."""
        if not trials:
            return
        payload = _dumps_fn(fn)
        chunks = _chunked(trials, min(self.workers, len(trials)), self._chunksize)
        workers = min(self.workers, len(chunks))
        if sys.platform == "win32":
            workers = min(workers, 61)  # the most ProcessPoolExecutor accepts there
        context = multiprocessing.get_context(self._start_method or _default_start_method())
        pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(tuple(sys.path), payload),
        )
        futures: dict[Future[Any], _Chunk] = {}
        finished = False
        try:
            futures = {pool.submit(_run_chunk, chunk): chunk for chunk in chunks}
            pending = set(futures)
            completed = 0
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: futures[f][0][0]):
                    broken = isinstance(fut.exception(), BrokenProcessPool)
                    if broken and not completed:
                        raise SweepBackendError(
                            "the worker processes died before any trial finished: they could "
                            "not start (see their error output; e.g. a main module that cannot "
                            "be imported again, such as a script read from stdin) or the first "
                            "trials crashed them (a fault in native code, os._exit, memory)"
                        )
                    completed += 1
                    if not report(self._outcomes(fut, futures[fut], fn)):
                        return
            finished = True
        finally:
            if not finished:  # stopped early, an error, or Ctrl-C: nothing more may run
                _terminate(pool, futures)
            pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _outcomes(fut: Future[Any], chunk: _Chunk, fn: TrialFunction) -> list[TrialOutcome]:
        exc = fut.exception()
        if exc is not None:  # the worker died (BrokenProcessPool) or the task was refused
            return _failed_chunk(chunk, exc)
        result = fut.result()
        if isinstance(result, _LoadFailed):
            raise InvalidInput(
                "sweep.fn",
                f"could not be loaded in a worker process ({result.message}); it must be "
                "importable there: define it at module level in a file, guard the script "
                "with if __name__ == '__main__', or use backend='serial'",
                fn,
            )
        outcomes: list[TrialOutcome] = result
        return outcomes

    def __repr__(self) -> str:
        return f"LocalBackend(workers={self.workers})"


class RayBackend:
    """Trials as Ray tasks: on a cluster, or on a local Ray started for the sweep.

    Which Ray it uses, in order: an already-initialized Ray in this process (used as it is,
    never shut down here); the cluster at ``address`` (``"host:port"``, ``"ray://..."``,
    ``"auto"``); otherwise a new single-node Ray on this machine that listens on 127.0.0.1
    only (``_node_ip_address="127.0.0.1"``, no dashboard; Ray would otherwise pick the
    machine's routable address) and sends no usage statistics. ``init_kwargs`` go to
    ``ray.init`` over these defaults. A Ray started or connected here is shut down by
    :meth:`close` (or leaving the ``with`` block); a one-off ``sweep(..., backend="ray")``
    does that itself.

    Args:
        address: the cluster to connect to (default: start a local one).
        workers: for a local start, its CPUs (``num_cpus``); always the most tasks in flight.
        init_kwargs: more ``ray.init`` arguments.
        chunksize: trials per task (default: automatic, as :class:`LocalBackend`).
        num_cpus_per_trial: CPUs Ray reserves for each task.

    ``fn`` travels with Ray's serializer (functions of a driver script are sent by value);
    a module it comes from must be importable on every node (install it there, or use Ray's
    ``runtime_env``). The driver's ``sys.path`` is appended to each worker's, which is enough
    on one machine. Lyra itself must be installed on every node.
    """

    __slots__ = ("_address", "_chunksize", "_cpus", "_init_kwargs", "_owned", "_ray", "_workers")

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int | None = None,
        init_kwargs: Mapping[str, Any] | None = None,
        chunksize: int | None = None,
        num_cpus_per_trial: float = 1.0,
    ) -> None:
        if address is not None and (type(address) is not str or not address):
            raise InvalidInput("RayBackend.address", "must be a non-empty str or None", address)
        if init_kwargs is not None and not isinstance(init_kwargs, Mapping):
            raise InvalidInput("RayBackend.init_kwargs", "must be a mapping or None", init_kwargs)
        if not (isinstance(num_cpus_per_trial, int | float) and num_cpus_per_trial >= 0):
            raise InvalidInput("RayBackend.num_cpus_per_trial", "must be >= 0", num_cpus_per_trial)
        self._address = address
        self._workers = _check_count("RayBackend.workers", workers)
        self._init_kwargs = dict(init_kwargs or {})
        self._chunksize = _check_count("RayBackend.chunksize", chunksize)
        self._cpus = float(num_cpus_per_trial)
        self._ray: Any = None
        self._owned = False

    @property
    def name(self) -> str:
        """``"ray"``."""
        return "ray"

    @property
    def owns_cluster(self) -> bool:
        """Whether this backend started (or connected) the Ray it uses, and so will shut
        it down on :meth:`close`."""
        return self._owned

    def start(self) -> Self:
        """Connect to Ray (or start a local one) now rather than at the first sweep."""
        from lyra.backtest import _sweep_ray

        if self._ray is None or not self._ray.is_initialized():
            self._ray, self._owned = _sweep_ray.connect(
                self._address, self._init_kwargs, self._workers
            )
        return self

    def close(self) -> None:
        """Shut down the Ray this backend started or connected; leave any other alone."""
        ray, owned = self._ray, self._owned
        self._ray, self._owned = None, False
        if ray is not None and owned and ray.is_initialized():
            ray.shutdown()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def run(self, fn: TrialFunction, trials: _Chunk, report: _Report) -> None:
        """Run the trials as Ray tasks, reporting each task's outcomes as it completes."""
        from lyra.backtest import _sweep_ray

        if not trials:
            return
        self.start()
        ray = self._ray
        per_task = self._cpus or 1.0
        capacity = self._workers or max(
            1, int(float(ray.cluster_resources().get("CPU", 1.0)) // per_task)
        )
        chunks = _chunked(trials, capacity, self._chunksize)
        _sweep_ray.run(
            ray,
            fn,
            chunks,
            report,
            in_flight=max(1, 2 * capacity),
            num_cpus=self._cpus,
            failed=_failed_chunk,
        )

    def __repr__(self) -> str:
        where = self._address or "local"
        return f"RayBackend({where!r}, workers={self._workers})"


# -- results ------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a real number (not NaN), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    f = float(value)
    return None if math.isnan(f) else f


class SweepResult:
    """The table a sweep produced: one row per trial, in search-space order.

    Each row is a ``dict`` of every column, in order: ``trial``, the parameters, the
    metrics, ``status`` (``"ok"`` / ``"error"``), ``error`` (``"Type: message"`` or
    ``None``) and ``duration_s``; a value a trial did not report is ``None``.
    """

    __slots__ = ("_backend", "_columns", "_elapsed", "_metrics", "_params", "_rows", "_tbs")

    def __init__(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        params: Sequence[str] = (),
        elapsed_s: float = 0.0,
        backend: str = "",
        tracebacks: Mapping[int, str] | None = None,
    ) -> None:
        given = [dict(r) for r in rows]
        self._params = tuple(params)
        seen: dict[str, None] = {}
        for row in given:
            for key in row:
                if key not in _RESERVED and key not in self._params:
                    seen.setdefault(key, None)
        self._metrics = tuple(seen)
        self._columns = ("trial", *self._params, *self._metrics, *_RESERVED[1:])
        self._rows: tuple[dict[str, Any], ...] = tuple(
            {c: r.get(c) for c in self._columns} for r in given
        )
        self._elapsed = float(elapsed_s)
        self._backend = backend
        self._tbs = dict(tracebacks or {})

    # -- shape --------------------------------------------------------------------------------
    @property
    def rows(self) -> tuple[dict[str, Any], ...]:
        """Every row, in order (treat them as read-only)."""
        return self._rows

    @property
    def columns(self) -> tuple[str, ...]:
        """``trial``, the parameters, the metrics, ``status``, ``error``, ``duration_s``."""
        return self._columns

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter columns."""
        return self._params

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric columns, in the order first seen."""
        return self._metrics

    @property
    def elapsed_s(self) -> float:
        """Wall-clock seconds the whole sweep took."""
        return self._elapsed

    @property
    def backend(self) -> str:
        """The name of the backend that ran it."""
        return self._backend

    @property
    def ok(self) -> tuple[dict[str, Any], ...]:
        """The rows of trials that succeeded."""
        return tuple(r for r in self._rows if r.get("status") == "ok")

    @property
    def failed(self) -> tuple[dict[str, Any], ...]:
        """The rows of trials that raised."""
        return tuple(r for r in self._rows if r.get("status") == "error")

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self._rows[i]

    def column(self, name: str) -> list[Any]:
        """One column's values, in row order."""
        self._check_column("column.name", name)
        return [r.get(name) for r in self._rows]

    def traceback(self, trial: int) -> str | None:
        """The traceback text of trial number ``trial`` (its ``trial`` column), if it failed."""
        return self._tbs.get(trial)

    def _check_column(self, field: str, name: str) -> None:
        if name not in self._columns:
            raise InvalidInput(field, f"must be one of the columns {list(self._columns)}", name)

    # -- queries ------------------------------------------------------------------------------
    def best(self, metric: str, maximize: bool = True) -> dict[str, Any]:
        """The successful row with the highest (``maximize=False``: lowest) numeric value of
        ``metric``; NaN and missing values are skipped, ties go to the earlier trial."""
        self._check_column("best.metric", metric)
        best: dict[str, Any] | None = None
        best_value = 0.0
        for row in self._rows:
            if row.get("status") != "ok":
                continue
            value = _number(row.get(metric))
            if value is None:
                continue
            if best is None or (value > best_value if maximize else value < best_value):
                best, best_value = row, value
        if best is None:
            raise InvalidInput("best.metric", "no successful trial has a number for it", metric)
        return best

    def sorted_by(self, column: str, *, descending: bool = False) -> SweepResult:
        """The same table with rows ordered by ``column`` (stable); missing values and NaN
        go last either way."""
        self._check_column("sorted_by.column", column)
        present = [r for r in self._rows if not _missing(r.get(column))]
        absent = [r for r in self._rows if _missing(r.get(column))]
        try:
            present.sort(key=lambda r: r[column], reverse=descending)
        except TypeError as e:
            raise InvalidInput(
                "sorted_by.column", "holds values that cannot be compared with each other", column
            ) from e
        return self._with_rows([*present, *absent])

    def filter(self, keep: Callable[[Mapping[str, Any]], bool]) -> SweepResult:
        """The rows for which ``keep(row)`` is true."""
        return self._with_rows([r for r in self._rows if keep(r)])

    def _with_rows(self, rows: Iterable[Mapping[str, Any]]) -> SweepResult:
        out = SweepResult(
            rows,
            params=self._params,
            elapsed_s=self._elapsed,
            backend=self._backend,
            tracebacks=self._tbs,
        )
        out._metrics = self._metrics  # keep every column, even one only dropped rows had
        out._columns = self._columns
        return out

    # -- exports ------------------------------------------------------------------------------
    def to_records(self) -> list[dict[str, Any]]:
        """The rows as new dicts."""
        return [dict(r) for r in self._rows]

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as CSV (header row; ``None`` as an empty field)."""
        from lyra.backtest._sweep_format import write_csv

        write_csv(path, self._columns, self._rows)

    def to_arrays(self) -> dict[str, Any]:
        """One NumPy array per column: ``int64`` for whole-int columns, ``float64`` for
        numbers (``nan`` where missing), ``bool``, ``str`` (``""`` where missing) or
        ``object`` otherwise."""
        from lyra.backtest._sweep_format import to_arrays

        return to_arrays(self._columns, self._rows)

    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame`` (needs pandas)."""
        try:
            pd = importlib.import_module("pandas")
        except ImportError as e:
            raise MissingDependency("SweepResult.to_pandas needs pandas: pip install pandas") from e
        return pd.DataFrame(self.to_records(), columns=list(self._columns))

    def table(self, columns: Sequence[str] | None = None, max_rows: int | None = 40) -> str:
        """The table as aligned text: ``columns`` (default all), at most ``max_rows`` rows
        (the first and last ones; ``None`` for all)."""
        cols = tuple(self._columns if columns is None else columns)
        for c in cols:
            self._check_column("table.columns", c)
        from lyra.backtest._sweep_format import format_table

        return format_table(cols, self._rows, max_rows)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        failed = len(self.failed)
        return (
            f"SweepResult({len(self._rows)} trials, {len(self._rows) - failed} ok, "
            f"{failed} failed, columns={list(self._columns)})"
        )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# -- progress -----------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    s = int(seconds + 0.5)
    if s < 60:
        return f"{seconds:.1f}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class _Bar:
    """``sweep [#####.....] 12/20  60%  3.2s elapsed  ETA 2.1s  1 failed`` on stderr."""

    __slots__ = ("last", "out", "start", "total", "width")

    def __init__(self, total: int, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.start = time.perf_counter()
        self.last = 0.0
        self.width = 0

    def line(self, done: int, failed: int) -> str:
        elapsed = time.perf_counter() - self.start
        frac = done / self.total if self.total else 1.0
        eta = elapsed * (self.total - done) / done if done else math.inf
        filled = int(frac * 24)
        text = (
            f"sweep [{'#' * filled}{'.' * (24 - filled)}] {done}/{self.total} {frac:4.0%}  "
            f"{_clock(elapsed)} elapsed  ETA {_clock(eta)}"
        )
        return text + (f"  {failed} failed" if failed else "")

    def draw(self, text: str, end: str = "") -> None:
        # pad over the previous line: a shorter one would leave its tail on screen
        self.out.write("\r" + text.ljust(self.width) + end)
        self.out.flush()
        self.width = len(text)

    def update(self, done: int, failed: int) -> None:
        now = time.perf_counter()
        if now - self.last >= 0.1 and done < self.total:  # the last line is close()'s
            self.last = now
            self.draw(self.line(done, failed))

    def close(self, done: int, failed: int) -> None:
        self.draw(self.line(done, failed), "\n")


def _progress(
    progress: bool | ProgressCallback | None, total: int
) -> tuple[_Bar | None, ProgressCallback | None]:
    if callable(progress):
        return None, progress
    if progress is None:
        progress = sys.stderr.isatty() and not os.environ.get("CI")
    elif not isinstance(progress, bool):
        raise InvalidInput("sweep.progress", "must be a bool, None or a callable", progress)
    return (_Bar(total, sys.stderr) if progress and total else None), None


# -- the sweep ----------------------------------------------------------------------------------


def _backend(
    backend: str | Backend,
    workers: int | None,
    ray_address: str | None,
    ray_init_kwargs: Mapping[str, Any] | None,
) -> tuple[Backend, bool]:
    """The backend object, and whether the sweep made it (and so closes it)."""
    if backend != "ray" and (ray_address is not None or ray_init_kwargs is not None):
        raise InvalidInput(
            "sweep.ray_address", "and ray_init_kwargs apply only to backend='ray'", backend
        )
    if backend == "local":
        return LocalBackend(workers), True
    if backend == "serial":
        if workers not in (None, 1):
            raise InvalidInput("sweep.workers", "must be None or 1 for backend='serial'", workers)
        return SerialBackend(), True
    if backend == "ray":
        return RayBackend(ray_address, workers=workers, init_kwargs=ray_init_kwargs), True
    if isinstance(backend, str):
        raise InvalidInput(
            "sweep.backend", "must be 'local', 'serial', 'ray' or a Backend object", backend
        )
    if not callable(getattr(backend, "run", None)):
        raise InvalidInput("sweep.backend", "must have a run(fn, trials, report) method", backend)
    if workers is not None:
        raise InvalidInput(
            "sweep.workers", "configure a Backend object itself, not through sweep()", workers
        )
    return backend, False


def _trial_seed(seed: int, index: int) -> int:
    return _bits(seed, _STREAM_SEEDS, index) >> 1  # 63 bits: fits every seed argument


def sweep(
    fn: TrialFunction,
    space: Grid | RandomSearch | Iterable[Mapping[str, Any]],
    *,
    backend: Literal["local", "serial", "ray"] | Backend = "local",
    workers: int | None = None,
    progress: bool | ProgressCallback | None = None,
    ray_address: str | None = None,
    ray_init_kwargs: Mapping[str, Any] | None = None,
    on_error: Literal["record", "raise"] = "record",
    seed: int | None = None,
) -> SweepResult:
    """Run ``fn(params)`` for every parameter set of ``space`` and gather the table.

    Args:
        fn: the trial function (module level, or a ``functools.partial`` of one, for the
            process and Ray backends; see the module docs for what it may return).
        space: a :class:`Grid`, a :class:`RandomSearch` or any iterable of mappings.
        backend: ``"local"`` (processes on this machine), ``"serial"`` (in this process),
            ``"ray"``, or a :class:`Backend` object (e.g. a configured :class:`LocalBackend`
            or a :class:`RayBackend` kept open across sweeps).
        workers: processes (local) or CPUs / tasks in flight (Ray); default: all CPUs.
        progress: a progress bar on stderr (``None``: only when stderr is a terminal and
            ``CI`` is unset), or ``callback(done, total, row)`` called as each row arrives.
        ray_address: the Ray cluster to connect to (default: an initialized Ray, else a new
            local one bound to 127.0.0.1).
        ray_init_kwargs: more ``ray.init`` arguments.
        on_error: ``"record"`` failures as rows, or ``"raise"`` the first one.
        seed: if given, each trial's parameters get a ``"seed"`` entry derived from it and
            the trial's position, the same on every backend (for Monte-Carlo sweeps).

    Returns:
        a :class:`SweepResult`, rows in the order of ``space``.
    """
    if not callable(fn):
        raise InvalidInput("sweep.fn", "must be callable", fn)
    if on_error not in ("record", "raise"):
        raise InvalidInput("sweep.on_error", "must be 'record' or 'raise'", on_error)
    trials = _materialize(space)
    if seed is not None:
        _check_seed("sweep.seed", seed)
        for i, params in enumerate(trials):
            if "seed" in params:
                raise InvalidInput(
                    "sweep.seed", "cannot be given when the space has a 'seed' parameter", seed
                )
            params["seed"] = _trial_seed(seed, i)
    names: dict[str, None] = {}
    for params in trials:
        names.update(dict.fromkeys(params))
    runner, made_here = _backend(backend, workers, ray_address, ray_init_kwargs)
    bar, callback = _progress(progress, len(trials))

    total = len(trials)
    rows: list[dict[str, Any] | None] = [None] * total
    tracebacks: dict[int, str] = {}
    state = {"done": 0, "failed": 0}
    stop: list[TrialOutcome] = []

    def report(outcomes: Sequence[TrialOutcome]) -> bool:
        for outcome in outcomes:
            i = outcome.trial
            if not 0 <= i < total or rows[i] is not None:
                continue  # a duplicate or foreign outcome from a custom backend
            row = _row(i, trials[i], outcome)
            rows[i] = row
            state["done"] += 1
            if outcome.error_type is not None:
                state["failed"] += 1
                if outcome.traceback:
                    tracebacks[i] = outcome.traceback
            if bar is not None:
                bar.update(state["done"], state["failed"])
            if callback is not None:
                callback(state["done"], total, row)
            if outcome.error_type is not None and on_error == "raise":
                stop.append(outcome)
                return False
        return True

    start = time.perf_counter()
    try:
        runner.run(fn, list(enumerate(trials)), report)
    finally:
        if bar is not None:
            bar.close(state["done"], state["failed"])
        if made_here and isinstance(runner, RayBackend):
            runner.close()
    if stop:
        _reraise(stop[0], trials[stop[0].trial], isinstance(runner, SerialBackend))
    final = [
        r
        if r is not None
        else _row(i, trials[i], TrialOutcome(i, None, 0.0, "NotRun", "the backend did not run it"))
        for i, r in enumerate(rows)
    ]
    return SweepResult(
        final,
        params=tuple(names),
        elapsed_s=time.perf_counter() - start,
        backend=runner.name,
        tracebacks=tracebacks,
    )


def _row(index: int, params: Mapping[str, Any], outcome: TrialOutcome) -> dict[str, Any]:
    row: dict[str, Any] = {"trial": index, **params}
    for key, value in (outcome.metrics or {}).items():
        row[f"result.{key}" if key in row or key in _RESERVED else key] = value
    if outcome.error_type is None:
        row.update(status="ok", error=None, duration_s=outcome.duration_s)
    else:
        row.update(
            status="error",
            error=f"{outcome.error_type}: {outcome.error}",
            duration_s=outcome.duration_s,
        )
    return row


def _reraise(outcome: TrialOutcome, params: Mapping[str, Any], in_process: bool) -> None:
    exc = outcome.exception
    if exc is None:
        raise SweepTrialError(
            outcome.trial,
            params,
            outcome.error_type or "Exception",
            outcome.error or "",
            outcome.traceback or "",
        )
    exc.add_note(f"in sweep trial {outcome.trial} with params {dict(params)!r}")
    if not in_process and outcome.traceback:
        exc.add_note("traceback in the worker:\n" + outcome.traceback.rstrip())
    raise exc
