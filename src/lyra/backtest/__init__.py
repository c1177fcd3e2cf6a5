"""Backtest building blocks: the pieces a backtest run is assembled from and reports with.

* :mod:`lyra.backtest.data` -- load market data from CSV and Parquet files into columnar
  batches, in chunks.
* :mod:`lyra.backtest.synthetic` -- deterministic synthetic market data for demos and tests.
* :mod:`lyra.backtest.stats` -- performance statistics of an equity curve and its trades
  (returns, Sharpe and Sortino ratios, drawdowns, win rate, profit factor, turnover,
  exposure), gathered in a :class:`PerformanceSummary`, overall or per venue / strategy.
"""

from __future__ import annotations

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
    "DAY_NS",
    "DT_NS",
    "FORMAT_VERSION",
    "L2Data",
    "MarketData",
    "PerformanceSummary",
    "QUOTE_CSV_COLUMNS",
    "T0_NS",
    "TRADE_CSV_COLUMNS",
    "YEAR_NS",
    "annualized_return",
    "default_l2_instrument",
    "default_quote_instrument",
    "exposure",
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
    "sharpe_ratio",
    "sortino_ratio",
    "summarize",
    "summarize_groups",
    "total_return",
    "turnover",
    "uniforms",
    "win_rate",
    "write_csv",
    "write_parquet",
)
