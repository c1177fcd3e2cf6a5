"""Parameter sweeps: search spaces, the serial and local-pool backends, errors, results."""

from __future__ import annotations

import csv
import enum
import functools
import math
import multiprocessing
import os
import sys
import time
import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lyra.backtest.stats import PerformanceSummary, summarize
from lyra.backtest.sweep import (
    Choice,
    Grid,
    IntRange,
    LocalBackend,
    LogUniform,
    RandomSearch,
    SerialBackend,
    SweepResult,
    TrialOutcome,
    Uniform,
    run_trials,
    sweep,
)
from lyra.backtest.synthetic import uniforms
from lyra.errors import InvalidInput, MissingDependency, SweepBackendError, SweepTrialError
from lyra.model.currency import Currency
from lyra.model.values import Money

from . import _sweep_trials as trials

DROP = ("duration_s",)


def table(result: SweepResult) -> list[dict[str, Any]]:
    """The rows without the run times (which differ from run to run)."""
    return [{k: v for k, v in r.items() if k not in DROP} for r in result.to_records()]


# -- search spaces ------------------------------------------------------------------------------


def test_grid_is_the_cartesian_product_in_nested_loop_order() -> None:
    grid = Grid({"fast": [5, 10], "slow": [20, 50, 100], "venue": "SIM"})
    combos = list(grid)
    assert combos == [
        {"fast": f, "slow": s, "venue": "SIM"} for f in (5, 10) for s in (20, 50, 100)
    ]
    assert len(grid) == 6
    assert grid.names == ("fast", "slow", "venue")
    assert list(grid) == combos  # iterating again gives the same order


def test_grid_constraint_drops_invalid_combinations() -> None:
    grid = Grid(
        {"fast": IntRange(5, 30, step=5), "slow": [10, 20, 30]},
        constraint=lambda p: p["fast"] < p["slow"],
    )
    combos = list(grid)
    assert all(p["fast"] < p["slow"] for p in combos)
    assert combos[:3] == [{"fast": 5, "slow": 10}, {"fast": 5, "slow": 20}, {"fast": 5, "slow": 30}]
    assert len(grid) == len(combos) == 3 + 2 + 2 + 1 + 1  # fast 5, 10, 15, 20, 25
    assert list(Grid({"mode": Choice(["a", "b"])})) == [{"mode": "a"}, {"mode": "b"}]


def test_grid_turns_numpy_values_into_python_scalars() -> None:
    combos = list(Grid({"x": np.array([1, 2])}))
    assert combos == [{"x": 1}, {"x": 2}]
    assert type(combos[0]["x"]) is int


@pytest.mark.parametrize(
    ("space", "field"),
    [
        ({"x": {1, 2}}, "Grid.x"),
        ({"x": []}, "Grid.x"),
        ({"x": Uniform(0.0, 1.0)}, "Grid.x"),
        ({"x": {"a": 1}}, "Grid.x"),
        ({"status": [1]}, "Grid.space.status"),
        ({1: [1]}, "Grid.space"),
    ],
)
def test_grid_rejects_bad_dimensions(space: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Grid(space)
    assert info.value.field == field


def test_random_search_is_deterministic_for_a_seed() -> None:
    space = {
        "fast": IntRange(5, 30),
        "alpha": Uniform(0.1, 0.9),
        "mode": Choice(["a", "b"]),
        "lr": LogUniform(1e-4, 1e-1),
        "venue": "SIM",
    }
    first = list(RandomSearch(space, n=20, seed=0))
    assert first == list(RandomSearch(space, n=20, seed=0))
    assert first != list(RandomSearch(space, n=20, seed=1))
    assert len(first) == 20 and len(RandomSearch(space, n=20)) == 20
    for p in first:
        assert type(p["fast"]) is int and 5 <= p["fast"] <= 30
        assert 0.1 <= p["alpha"] < 0.9
        assert p["mode"] in ("a", "b")
        assert 1e-4 <= p["lr"] <= 1e-1
        assert p["venue"] == "SIM"
    assert len({p["fast"] for p in first}) > 5  # it really varies
    # draws come from the SplitMix64 stream 10 of lyra.backtest.synthetic: candidate c,
    # parameter j uses uniform c * 5 + j, the same on any machine and Python version
    u = uniforms(0, 10, 0, 10)
    assert first[0]["fast"] == IntRange(5, 30).sample(u[0])
    assert first[0]["alpha"] == Uniform(0.1, 0.9).sample(u[1])
    assert first[0]["mode"] == Choice(["a", "b"]).sample(u[2])
    assert first[1]["lr"] == LogUniform(1e-4, 1e-1).sample(u[8])


def test_random_search_constraint_and_draw_limit() -> None:
    space = {"fast": IntRange(1, 50), "slow": IntRange(1, 50)}
    rs = RandomSearch(space, n=15, seed=3, constraint=lambda p: p["fast"] < p["slow"])
    samples = list(rs)
    assert len(samples) == 15 and all(p["fast"] < p["slow"] for p in samples)
    impossible = RandomSearch(space, n=2, seed=3, constraint=lambda p: False, max_draws=50)
    with pytest.raises(InvalidInput, match="accepted only 0 of 2 samples in 50 draws"):
        list(impossible)


def test_distributions_cover_their_range() -> None:
    assert IntRange(5, 30, 5).sample(0.0) == 5
    assert IntRange(5, 30, 5).sample(0.999999) == 30
    assert list(IntRange(5, 30, 5)) == [5, 10, 15, 20, 25, 30]
    assert LogUniform(1e-4, 1e-1).sample(0.0) == pytest.approx(1e-4)
    assert LogUniform(1e-4, 1e-1).sample(0.5) == pytest.approx(10**-2.5)
    weighted = Choice(["never", "always"], weights=[0.0, 1.0])
    assert {weighted.sample(u / 100) for u in range(100)} == {"always"}
    assert Choice(["a", "b", "c"]).sample(0.5) == "b"
    with pytest.raises(InvalidInput):
        IntRange(10, 5)
    with pytest.raises(InvalidInput):
        LogUniform(0.0, 1.0)
    with pytest.raises(InvalidInput):
        Choice([])
    with pytest.raises(InvalidInput):
        Choice(["a"], weights=[1.0, 2.0])


# -- serial sweeps and results ------------------------------------------------------------------


def test_serial_sweep_builds_the_table_in_space_order() -> None:
    grid = Grid({"fast": [5, 10], "slow": [20, 50]})
    result = sweep(trials.crossover_score, grid, backend="serial")
    assert len(result) == 4 and result.backend == "serial"
    assert result.columns == (
        "trial",
        "fast",
        "slow",
        "score",
        "gap",
        "status",
        "error",
        "duration_s",
    )
    assert result.params == ("fast", "slow") and result.metrics == ("score", "gap")
    assert [(r["trial"], r["fast"], r["slow"]) for r in result] == [
        (0, 5, 20),
        (1, 5, 50),
        (2, 10, 20),
        (3, 10, 50),
    ]
    assert result[0]["score"] == 100.0 and result[0]["gap"] == 15
    assert all(r["status"] == "ok" and r["error"] is None for r in result)
    assert all(r["duration_s"] >= 0 for r in result)
    assert result.elapsed_s >= 0


def test_serial_backend_runs_lambdas_and_any_iterable_of_mappings() -> None:
    result = sweep(lambda p: p["x"] * 10, [{"x": 1}, {"x": 2}], backend=SerialBackend())
    assert result.column("value") == [10, 20]


@dataclass
class _Stats:
    pnl: float
    trades: int


class _Mode(enum.Enum):
    FAST = 1


class _WithMetrics:
    def metrics(self) -> dict[str, float | int | str]:
        return {"total_return": 0.1, "fills": 3, "title": "run"}


def _summary() -> PerformanceSummary:
    day = 86_400_000_000_000
    return summarize(np.arange(5, dtype=np.int64) * day, np.array([100.0, 101, 99, 102, 104]))


def test_results_are_normalized_into_flat_rows() -> None:
    usd = Currency.from_str("USD")
    cases: dict[str, Any] = {
        "mapping": {"a": 1, "nested": {"b": 2.5, "c": {"d": "x"}}},
        "metrics": _WithMetrics(),
        "struct": _summary(),
        "dataclass": _Stats(pnl=1.5, trades=2),
        "scalar": 42,
        "none": None,
        "numpy": {"n": np.float64(0.25), "i": np.int64(7)},
        "lyra": {"balance": Money("12.50", usd), "mode": _Mode.FAST},
        "collide": {"case": "shadowed", "status": "mine"},
        "bad": {"arr": [1, 2]},
    }
    result = sweep(lambda p: cases[p["case"]], Grid({"case": list(cases)}), backend="serial")
    rows = {r["case"]: r for r in result}
    assert rows["mapping"]["a"] == 1 and rows["mapping"]["nested.b"] == 2.5
    assert rows["mapping"]["nested.c.d"] == "x"
    assert rows["metrics"]["total_return"] == 0.1 and rows["metrics"]["title"] == "run"
    assert rows["struct"]["trade_count"] == 0
    assert rows["struct"]["total_return"] == pytest.approx(0.04)
    assert set(PerformanceSummary.__struct_fields__) <= set(result.metrics)
    assert rows["dataclass"]["pnl"] == 1.5 and rows["dataclass"]["trades"] == 2
    assert rows["scalar"]["value"] == 42
    assert rows["none"]["status"] == "ok"
    assert rows["numpy"]["n"] == 0.25 and type(rows["numpy"]["i"]) is int
    assert rows["lyra"]["balance"] == Decimal("12.50") and rows["lyra"]["mode"] == "FAST"
    assert rows["collide"]["case"] == "collide"  # the parameter wins
    assert rows["collide"]["result.case"] == "shadowed"
    assert rows["collide"]["result.status"] == "mine" and rows["collide"]["status"] == "ok"
    assert rows["bad"]["status"] == "error"
    assert rows["bad"]["error"].startswith("InvalidInput: sweep result arr: must be a number")
    assert rows["mapping"]["trade_count"] is None  # a metric a trial did not report


def test_seed_gives_each_trial_a_reproducible_seed() -> None:
    grid = Grid({"x": [1, 2, 3]})
    a = sweep(trials.worker_pid, grid, backend="serial", seed=7)
    b = sweep(trials.worker_pid, grid, backend="serial", seed=7)
    seeds = a.column("seed")
    assert seeds == b.column("seed") and len(set(seeds)) == 3
    assert all(type(s) is int and 0 <= s < 2**63 for s in seeds)
    assert seeds != sweep(trials.worker_pid, grid, backend="serial", seed=8).column("seed")
    assert a.params == ("x", "seed")
    with pytest.raises(InvalidInput, match="'seed' parameter"):
        sweep(trials.worker_pid, [{"seed": 1}], backend="serial", seed=7)


def _scored() -> SweepResult:
    rows = [
        {"x": 1, "sharpe": 0.5, "name": "b"},
        {"x": 2, "sharpe": float("nan"), "name": "a"},
        {"x": 3, "sharpe": 1.5, "name": "c"},
        {"x": 4, "sharpe": None, "name": None},
        {"x": 5, "sharpe": -0.2, "name": "d"},
    ]
    return sweep(lambda p: rows[p["x"] - 1], Grid({"x": [1, 2, 3, 4, 5]}), backend="serial")


def test_best_and_sorted_by() -> None:
    result = _scored()
    assert result.best("sharpe")["x"] == 3
    assert result.best("sharpe", maximize=False)["x"] == 5
    assert [r["x"] for r in result.sorted_by("sharpe")] == [5, 1, 3, 2, 4]
    assert [r["x"] for r in result.sorted_by("sharpe", descending=True)] == [3, 1, 5, 2, 4]
    assert [r["x"] for r in result.sorted_by("name")] == [2, 1, 3, 5, 4]
    assert result.sorted_by("x").columns == result.columns
    assert [r["x"] for r in result.filter(lambda r: r["x"] > 3)] == [4, 5]
    with pytest.raises(InvalidInput) as info:
        result.best("nope")
    assert info.value.field == "best.metric"
    with pytest.raises(InvalidInput, match="no successful trial"):
        result.filter(lambda r: r["x"] in (2, 4)).best("sharpe")


def test_best_skips_failed_trials() -> None:
    result = sweep(trials.fail_on_three, Grid({"x": [1, 3, 2]}), backend="serial")
    assert result.best("square")["x"] == 2
    assert result.best("x")["x"] == 2  # a parameter works as well


def test_exports(tmp_path: Path) -> None:
    result = _scored()
    records = result.to_records()
    assert list(records[0]) == list(result.columns)
    records[0]["x"] = 99
    assert result[0]["x"] == 1  # copies

    path = tmp_path / "sweep.csv"
    result.to_csv(path)
    with path.open(newline="") as f:
        read = list(csv.DictReader(f))
    assert list(read[0]) == list(result.columns)
    assert read[0]["sharpe"] == "0.5" and read[3]["sharpe"] == "" and read[1]["sharpe"] == "nan"
    assert read[0]["status"] == "ok" and read[0]["error"] == ""

    arrays = result.to_arrays()
    assert arrays["x"].dtype == np.int64 and arrays["x"].tolist() == [1, 2, 3, 4, 5]
    assert arrays["sharpe"].dtype == np.float64 and math.isnan(arrays["sharpe"][3])
    assert arrays["name"].dtype.kind == "U" and arrays["name"][3] == ""
    assert arrays["error"].tolist() == [""] * 5
    assert arrays["duration_s"].dtype == np.float64


def test_to_pandas_needs_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingDependency, match="pip install pandas"):
        _scored().to_pandas()


def test_table_text() -> None:
    result = _scored()
    text = str(result)
    lines = text.splitlines()
    assert lines[0].split() == list(result.columns)
    assert len(lines) == 2 + len(result)
    assert "1.5" in lines[4] and "ok" in lines[4]
    short = result.table(columns=["x", "sharpe"], max_rows=2)
    assert short.splitlines()[0].split() == ["x", "sharpe"]
    assert "... (3 more rows)" in short
    assert repr(result).startswith("SweepResult(5 trials, 5 ok, 0 failed")


def test_progress_bar_and_callback(capsys: pytest.CaptureFixture[str]) -> None:
    grid = Grid({"x": [1, 2, 3]})
    sweep(trials.fail_on_three, grid, backend="serial", progress=True)
    err = capsys.readouterr().err
    assert "sweep [" in err and "3/3" in err and "1 failed" in err and err.endswith("\n")
    sweep(trials.fail_on_three, grid, backend="serial")  # not a terminal: no bar
    assert capsys.readouterr().err == ""
    seen: list[tuple[int, int, Any]] = []
    sweep(
        trials.fail_on_three,
        grid,
        backend="serial",
        progress=lambda d, t, row: seen.append((d, t, row["x"])),
    )
    assert seen == [(1, 3, 1), (2, 3, 2), (3, 3, 3)]


def test_serial_raise_keeps_the_original_exception() -> None:
    with pytest.raises(ValueError, match="x=3 is not allowed") as info:
        sweep(trials.fail_on_three, Grid({"x": [1, 3, 4]}), backend="serial", on_error="raise")
    assert info.value.__notes__ == ["in sweep trial 1 with params {'x': 3}"]
    assert info.traceback[-1].name == "fail_on_three"  # the traceback reaches the trial


def test_empty_space() -> None:
    result = sweep(trials.crossover_score, Grid({"x": [1]}, constraint=lambda p: False))
    assert len(result) == 0 and result.columns == ("trial", "status", "error", "duration_s")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"space": {"x": [1, 2]}}, "sweep.space"),
        ({"space": [1, 2]}, "sweep.space[0]"),
        ({"space": [{"trial": 1}]}, "sweep.space[0].trial"),
        ({"backend": "dask"}, "sweep.backend"),
        ({"backend": object()}, "sweep.backend"),
        ({"backend": SerialBackend(), "workers": 2}, "sweep.workers"),
        ({"backend": "serial", "workers": 2}, "sweep.workers"),
        ({"ray_address": "127.0.0.1:6379"}, "sweep.ray_address"),
        ({"on_error": "ignore"}, "sweep.on_error"),
        ({"progress": "yes"}, "sweep.progress"),
        ({"seed": -1}, "sweep.seed"),
        ({"backend": "local", "workers": 0}, "LocalBackend.workers"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"space": [{"x": 1}], "backend": "serial", **kwargs}
    space = args.pop("space")
    with pytest.raises(InvalidInput) as info:
        sweep(trials.worker_pid, space, **args)
    assert info.value.field == field


def test_ray_backend_without_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependency, match=r"pip install lyra\[ray\]"):
        sweep(trials.worker_pid, [{"x": 1}], backend="ray")


def test_run_trials_is_the_building_block_of_a_custom_backend() -> None:
    class Reversed:
        name = "reversed"

        def run(self, fn: Any, todo: Any, report: Any) -> None:
            for item in reversed(todo):
                report(run_trials(fn, [item], portable=True))

    order: list[int] = []
    result = sweep(
        trials.fail_on_three,
        Grid({"x": [1, 2, 3]}),
        backend=Reversed(),
        progress=lambda d, t, row: order.append(row["x"]),
    )
    assert order == [3, 2, 1] and result.column("x") == [1, 2, 3]
    assert result.backend == "reversed" and result[2]["error"] == "ValueError: x=3 is not allowed"
    outcome = run_trials(trials.fail_on_three, [(0, {"x": 3})])[0]
    assert isinstance(outcome, TrialOutcome) and outcome.error_type == "ValueError"
    assert isinstance(outcome.exception, ValueError)


# -- the local process pool ---------------------------------------------------------------------


def test_local_pool_gives_the_same_table_as_serial() -> None:
    grid = Grid(
        {"fast": IntRange(2, 12, 2), "slow": [10, 20, 30, 40]},
        constraint=lambda p: p["fast"] * 2 < p["slow"],
    )
    serial = sweep(trials.crossover_score, grid, backend="serial", seed=5)
    local = sweep(trials.crossover_score, grid, backend="local", workers=2, seed=5)
    assert local.backend == "local" and len(local) == len(grid) > 10
    assert table(local) == table(serial)
    assert local.columns == serial.columns


def test_local_pool_uses_several_processes_and_keeps_space_order(tmp_path: Path) -> None:
    # trial 0 finishes last (it waits for the others), yet the rows stay in space order
    space = [{"i": i, "dir": str(tmp_path), "n": 4} for i in range(4)]
    seen: list[int] = []
    result = sweep(
        trials.last_to_finish,
        space,
        backend=LocalBackend(2, chunksize=1),
        progress=lambda d, t, row: seen.append(row["i"]),
    )
    assert result.column("status") == ["ok"] * 4
    assert result.column("value") == [0, 1, 2, 3]
    assert seen[-1] == 0 and sorted(seen) == [0, 1, 2, 3]  # completion order differed
    pids = sweep(trials.worker_pid, Grid({"x": [1, 2, 3]}), backend=LocalBackend(2))
    assert os.getpid() not in pids.column("pid")


def test_local_pool_runs_real_lyra_backtests() -> None:
    grid = Grid({"side": ["buy", "sell"], "qty": [100_000, 300_000], "seed": [1, 2], "n": 300})
    serial = sweep(trials.tiny_backtest, grid, backend="serial")
    local = sweep(trials.tiny_backtest, grid, backend="local", workers=2)
    assert table(local) == table(serial)
    assert all(r["status"] == "ok" and r["fills"] >= 1 for r in local)
    buy = local[0]
    assert buy["side"] == "buy" and buy["position"] == Decimal(buy["qty"])
    assert buy["usd"] < Decimal("10000000")  # it paid for what it bought
    by_key = {(r["side"], r["qty"], r["seed"]): r for r in local}
    for qty in (100_000, 300_000):
        for seed in (1, 2):  # a buyer lifts the ask, a seller hits the lower bid
            assert by_key["buy", qty, seed]["avg_px"] > by_key["sell", qty, seed]["avg_px"]
    # bound inputs travel with the function (once per worker)
    fn = functools.partial(trials.tiny_backtest)
    assert table(sweep(fn, grid, backend="local", workers=2)) == table(serial)


def test_local_pool_records_errors_per_trial() -> None:
    space = [
        {"x": 1, "kind": "ok"},
        {"x": 2, "kind": "value_error"},
        {"x": 3, "kind": "unpicklable"},
        {"x": 4, "kind": "ok"},
    ]
    result = sweep(trials.mixed, space, backend=LocalBackend(2, chunksize=1))
    assert result.column("status") == ["ok", "error", "error", "ok"]
    assert result.column("double") == [2, None, None, 8]
    assert result[1]["error"] == "ValueError: bad x=2"
    assert result[2]["error"] == "_Unpicklable: cannot send x=3"
    assert "Traceback" in (result.traceback(1) or "") and "bad x=2" in (result.traceback(1) or "")
    assert result.traceback(0) is None
    assert [r["x"] for r in result.failed] == [2, 3]


def test_local_pool_raise_names_the_params() -> None:
    space = [{"x": 1, "kind": "ok"}, {"x": 2, "kind": "value_error"}]
    with pytest.raises(ValueError, match="bad x=2") as info:
        sweep(trials.mixed, space, backend=LocalBackend(1), on_error="raise")
    notes = info.value.__notes__
    assert notes[0] == "in sweep trial 1 with params {'x': 2, 'kind': 'value_error'}"
    assert "traceback in the worker" in notes[1] and "mixed" in notes[1]
    with pytest.raises(SweepTrialError) as lost:
        sweep(trials.mixed, [{"x": 3, "kind": "unpicklable"}], backend="local", on_error="raise")
    assert lost.value.params == {"x": 3, "kind": "unpicklable"}
    assert lost.value.error_type == "_Unpicklable" and "cannot send x=3" in str(lost.value)


def test_a_dead_worker_fails_its_trials_not_the_sweep() -> None:
    result = sweep(
        trials.crash_on_two, Grid({"x": [1, 2, 3]}), backend=LocalBackend(1, chunksize=1)
    )
    assert result[0]["status"] == "ok" and result[0]["value"] == 1
    assert result[1]["error"].startswith("BrokenProcessPool: a worker process died")
    assert result[2]["status"] == "error"  # lost with the pool
    # a pool that dies before any trial finished is a failure of the sweep, not of trials
    with pytest.raises(SweepBackendError, match="died before any trial finished"):
        sweep(trials.crash_on_two, [{"x": 2}, {"x": 1}], backend=LocalBackend(1, chunksize=1))


def test_ctrl_c_cancels_pending_trials_and_stops_the_workers(tmp_path: Path) -> None:
    space = [{"i": i, "dir": str(tmp_path), "sleep": 0.3} for i in range(6)]

    def interrupt(done: int, total: int, row: Mapping[str, Any]) -> None:
        raise KeyboardInterrupt

    before = set(multiprocessing.active_children())
    with pytest.raises(KeyboardInterrupt):
        sweep(
            trials.touch_and_sleep, space, backend=LocalBackend(1, chunksize=1), progress=interrupt
        )
    assert set(multiprocessing.active_children()) <= before  # the worker was stopped, reaped
    started = {p.name for p in tmp_path.iterdir()}
    time.sleep(0.4)
    assert {p.name for p in tmp_path.iterdir()} == started  # nothing ran afterwards
    assert "trial-0" in started and len(started) <= 2


def test_local_pool_refuses_functions_it_cannot_send() -> None:
    with pytest.raises(InvalidInput, match="must be picklable") as info:
        sweep(lambda p: 1, [{"x": 1}], backend="local", workers=1)
    assert info.value.field == "sweep.fn"


def test_local_pool_explains_a_function_workers_cannot_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # importable here (registered by hand) but not in a fresh worker process
    ghost = types.ModuleType("lyra_sweep_ghost_module")

    def ghost_trial(params: Mapping[str, Any]) -> int:
        return 1

    ghost_trial.__module__ = ghost.__name__
    ghost_trial.__qualname__ = "ghost_trial"
    ghost.ghost_trial = ghost_trial  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, ghost.__name__, ghost)
    with pytest.raises(InvalidInput, match="could not be loaded in a worker process"):
        sweep(ghost_trial, [{"x": 1}], backend="local", workers=1)
