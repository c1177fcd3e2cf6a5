"""Backtesting: replay many data streams through simulated exchanges, and report on it.

* :class:`Backtest` -- the loop: exchanges, data streams (quotes, trades, book deltas,
  bars as price paths, custom data; in memory or streamed in chunks), a ``TestClock`` and
  an ``EventBus``; replayed in Rust, Python entered only for what strategies subscribe to.
* :class:`BacktestResult` -- orders, fills, positions, equity curves and statistics, per
  venue and strategy; saved, loaded, and turned into an HTML report.
* :mod:`lyra.backtest.report` -- a self-contained HTML report (equity and drawdown
  charts, statistics, positions, orders, fills) and a PNG of the equity curve.
* :mod:`lyra.backtest.sweep` -- parameter sweeps (grid or random search) on a local process
  pool or a Ray cluster, gathered as a table.
* :mod:`lyra.backtest.strategies` -- reference strategies (EMA cross, market maker,
  cross-venue arbitrage, bar breakout) that run unchanged live.

* :mod:`lyra.backtest.data` -- load market data from CSV and Parquet files into columnar
  batches, in chunks.
* :mod:`lyra.backtest.synthetic` -- deterministic synthetic market data for demos and tests.
* :mod:`lyra.backtest.stats` -- performance statistics of an equity curve and its trades
  (returns, Sharpe and Sortino ratios, drawdowns, win rate, profit factor, turnover,
  exposure), gathered in a :class:`PerformanceSummary`, overall or per venue / strategy.
"""

from __future__ import annotations

from lyra.backtest.bars import BarPath, bar_duration_ns, bar_path_quotes
from lyra.backtest.data import (
    FORMAT_VERSION,
    QUOTE_CSV_COLUMNS,
    TRADE_CSV_COLUMNS,
    iter_csv_quotes,
    iter_csv_trades,
    iter_parquet,
    iter_parquet_deltas,
    iter_parquet_quotes,
    iter_parquet_trades,
    parse_timestamp,
    read_parquet,
    write_csv,
    write_parquet,
)
from lyra.backtest.engine import Backtest, CustomData
from lyra.backtest.records import FillRecord, OrderRecord, PositionRecord
from lyra.backtest.report import (
    ReportFiles,
    ReportSource,
    render_html,
    render_png,
    write_report,
)
from lyra.backtest.results import BacktestResult, format_summary
from lyra.backtest.stats import (
    DAY_NS,
    YEAR_NS,
    PerformanceSummary,
    annualized_return,
    exposure,
    max_drawdown,
    max_drawdown_duration_ns,
    periodic_returns,
    profit_factor,
    sharpe_ratio,
    sortino_ratio,
    summarize,
    summarize_groups,
    total_return,
    turnover,
    win_rate,
)
from lyra.backtest.sweep import (
    Choice,
    Grid,
    IntRange,
    LocalBackend,
    LogUniform,
    RandomSearch,
    RayBackend,
    SerialBackend,
    SweepResult,
    Uniform,
    sweep,
)
from lyra.backtest.synthetic import (
    DT_NS,
    T0_NS,
    L2Data,
    MarketData,
    default_l2_instrument,
    default_quote_instrument,
    generate_l2,
    generate_market,
    generate_quotes,
    uniforms,
)

__all__ = (
    "Backtest",
    "BacktestResult",
    "BarPath",
    "Choice",
    "CustomData",
    "DAY_NS",
    "DT_NS",
    "FORMAT_VERSION",
    "FillRecord",
    "Grid",
    "IntRange",
    "L2Data",
    "LocalBackend",
    "LogUniform",
    "MarketData",
    "OrderRecord",
    "PerformanceSummary",
    "PositionRecord",
    "QUOTE_CSV_COLUMNS",
    "RandomSearch",
    "RayBackend",
    "ReportFiles",
    "ReportSource",
    "SerialBackend",
    "SweepResult",
    "T0_NS",
    "TRADE_CSV_COLUMNS",
    "Uniform",
    "YEAR_NS",
    "annualized_return",
    "bar_duration_ns",
    "bar_path_quotes",
    "default_l2_instrument",
    "default_quote_instrument",
    "exposure",
    "format_summary",
    "generate_l2",
    "generate_market",
    "generate_quotes",
    "iter_csv_quotes",
    "iter_csv_trades",
    "iter_parquet",
    "iter_parquet_deltas",
    "iter_parquet_quotes",
    "iter_parquet_trades",
    "max_drawdown",
    "max_drawdown_duration_ns",
    "parse_timestamp",
    "periodic_returns",
    "profit_factor",
    "read_parquet",
    "render_html",
    "render_png",
    "sharpe_ratio",
    "sortino_ratio",
    "summarize",
    "summarize_groups",
    "sweep",
    "total_return",
    "turnover",
    "uniforms",
    "win_rate",
    "write_csv",
    "write_parquet",
    "write_report",
)
