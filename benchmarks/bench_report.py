"""Report rendering speed: the HTML page and the PNG for long equity curves.

Workload: a random-walk equity curve of N samples one second apart, two venue curves and
two strategy curves of the same length, 1,000 fills and orders (the tables show 500).
Figures are equity samples per wall second (best of a few repeats), and the HTML size.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lyra.backtest.records import FillRecord, OrderRecord, PositionRecord
from lyra.backtest.report import render_html, render_png
from lyra.backtest.stats import PerformanceSummary, summarize

Row = tuple[str, float, str]
T0 = 1_704_067_200_000_000_000


@dataclass
class _Result:
    title: str
    base_currency: str
    equity_ts_ns: Any
    equity: Any
    equity_by: Mapping[str, tuple[Any, Any]]
    summary: PerformanceSummary
    summaries: Mapping[str, PerformanceSummary]
    fills: Sequence[FillRecord]
    orders: Sequence[OrderRecord]
    positions: Sequence[PositionRecord]
    info: Mapping[str, str | int | float]


def _result(n: int) -> _Result:
    rng = np.random.default_rng(1)
    ts = T0 + np.arange(n, dtype=np.int64) * 1_000_000_000
    a = 60_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-4, n)))
    b = 40_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-4, n)))
    eq = a + b
    by = {
        "venue:A": (ts, a),
        "venue:B": (ts, b),
        "strategy:X": (ts, eq * 0.5),
        "strategy:Y": (ts, eq * 0.5),
    }
    fills = [
        FillRecord(
            ts_ns=T0 + i,
            venue="A",
            account_id="A-1",
            strategy_id="X",
            instrument_id="BTCUSDT.A",
            client_order_id=f"O-{i}",
            venue_order_id=f"V-{i}",
            trade_id=f"T-{i}",
            side="BUY",
            quantity="0.010",
            price="42000.00",
            commission="0.42",
            commission_currency="USDT",
            liquidity="TAKER",
            notional=420.0,
        )
        for i in range(1_000)
    ]
    orders = [
        OrderRecord(
            ts_init=T0 + i,
            ts_last=T0 + i,
            venue="A",
            account_id="A-1",
            strategy_id="X",
            instrument_id="BTCUSDT.A",
            client_order_id=f"O-{i}",
            side="BUY",
            order_type="MARKET",
            time_in_force="IOC",
            quantity="0.010",
            price=None,
            trigger_price=None,
            status="FILLED",
            filled_qty="0.010",
            avg_px="42000.00",
        )
        for i in range(1_000)
    ]
    summary = summarize(ts[:: max(1, n // 10_000)], eq[:: max(1, n // 10_000)])
    return _Result(
        "bench", "USD", ts, eq, by, summary, dict.fromkeys(by, summary), fills, orders, [], {}
    )


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(quick: bool = False) -> list[Row]:
    """Equity samples per second for ``render_html`` and ``render_png``, and the page size."""
    sizes = (20_000,) if quick else (100_000, 1_000_000)
    repeats = 1 if quick else 3
    rows: list[Row] = []
    for n in sizes:
        r = _result(n)
        label = f"{n // 1000}k"
        html_s = _best(lambda r=r: render_html(r), repeats)  # type: ignore[misc]
        png_s = _best(lambda r=r: render_png(r.equity_ts_ns, r.equity), repeats)  # type: ignore[misc]
        rows.append((f"report.html.{label}_points_x5_curves", n / html_s, "points/s"))
        rows.append((f"report.png.{label}_points", n / png_s, "points/s"))
        rows.append((f"report.html.{label}_size", len(render_html(r)) / 1024, "KiB"))
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
