"""What a backtest returns: every order, fill and position, the equity curves, statistics.

A :class:`BacktestResult` is plain data: NumPy arrays, records and
:class:`~lyra.backtest.PerformanceSummary` objects. It can be saved to one file and loaded
back (:meth:`BacktestResult.save`, :meth:`BacktestResult.load`; msgpack via msgspec), turned
into an HTML report with a PNG of the equity curve (:meth:`BacktestResult.report`), and
flattened into metrics for parameter sweeps (:meth:`BacktestResult.metrics`).

Groups: statistics and curves per venue (``"venue:BINANCE"``) and per strategy
(``"strategy:EMA-001"``) sit beside the totals in :attr:`BacktestResult.summaries` and
:attr:`BacktestResult.equity_by`. How equity and the strategy curves are valued is in
:mod:`lyra.backtest.recorder`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import msgspec

from lyra.backtest.records import FillRecord, OrderRecord, PositionRecord
from lyra.backtest.stats import DAY_NS, PerformanceSummary, summarize
from lyra.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy as np
    import numpy.typing as npt

    from lyra.backtest.recorder import Recorder
    from lyra.orders.order import Order
    from lyra.sim.exchange import SimulatedExchange

__all__ = ("BacktestResult", "format_summary")

_FILE_VERSION: Final = 1


class _Saved(msgspec.Struct, kw_only=True):
    """The on-disk form of a result (private; versioned)."""

    version: int
    title: str
    base_currency: str
    equity_ts_ns: list[int]
    equity: list[float]
    equity_by: dict[str, tuple[list[int], list[float]]]
    summary: PerformanceSummary
    summaries: dict[str, PerformanceSummary]
    fills: list[FillRecord]
    orders: list[OrderRecord]
    positions: list[PositionRecord]
    info: dict[str, str | int | float]
    stopped: str | None
    event_log: list[bytes]


class BacktestResult:
    """Everything a backtest produced; see the module docs."""

    __slots__ = (
        "_base_currency",
        "_equity",
        "_equity_by",
        "_equity_ts",
        "_event_log",
        "_fills",
        "_info",
        "_orders",
        "_positions",
        "_stopped",
        "_summaries",
        "_summary",
        "_title",
    )

    def __init__(
        self,
        *,
        title: str,
        base_currency: str,
        equity_ts_ns: npt.NDArray[np.int64],
        equity: npt.NDArray[np.float64],
        equity_by: Mapping[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
        summary: PerformanceSummary,
        summaries: Mapping[str, PerformanceSummary],
        fills: Sequence[FillRecord],
        orders: Sequence[OrderRecord] | Callable[[], Sequence[OrderRecord]],
        positions: Sequence[PositionRecord],
        info: Mapping[str, str | int | float],
        stopped: str | None = None,
        event_log: Sequence[bytes] = (),
    ) -> None:
        self._title = title
        self._base_currency = base_currency
        self._equity_ts = equity_ts_ns
        self._equity = equity
        self._equity_by = dict(equity_by)
        self._summary = summary
        self._summaries = dict(summaries)
        self._fills = tuple(fills)
        # made on first use: flattening 200,000 orders costs more than a second
        self._orders: tuple[OrderRecord, ...] | Callable[[], Sequence[OrderRecord]] = (
            orders if callable(orders) else tuple(orders)
        )
        self._positions = tuple(positions)
        self._info = dict(info)
        self._stopped = stopped
        self._event_log = tuple(event_log)

    @property
    def title(self) -> str:
        """The run's title."""
        return self._title

    @property
    def base_currency(self) -> str:
        """The currency equity is valued in."""
        return self._base_currency

    @property
    def equity_ts_ns(self) -> npt.NDArray[np.int64]:
        """Times of the equity samples (ns)."""
        return self._equity_ts

    @property
    def equity(self) -> npt.NDArray[np.float64]:
        """Total equity at each sample, in the base currency."""
        return self._equity

    @property
    def equity_by(self) -> dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
        """Per-group curves ``(ts_ns, equity)``, keyed ``"venue:X"`` / ``"strategy:Y"``."""
        return self._equity_by

    @property
    def summary(self) -> PerformanceSummary:
        """Statistics of the whole run."""
        return self._summary

    @property
    def summaries(self) -> dict[str, PerformanceSummary]:
        """Statistics per venue and per strategy (same keys as :attr:`equity_by`)."""
        return self._summaries

    @property
    def fills(self) -> tuple[FillRecord, ...]:
        """Every fill, in time order."""
        return self._fills

    @property
    def orders(self) -> tuple[OrderRecord, ...]:
        """Every order's final state, exchange by exchange in arrival order."""
        orders = self._orders
        if callable(orders):
            orders = self._orders = tuple(orders())
        return orders

    @property
    def positions(self) -> tuple[PositionRecord, ...]:
        """Every position at the end (open and closed)."""
        return self._positions

    @property
    def info(self) -> dict[str, str | int | float]:
        """Run facts: rows replayed, wall seconds, rows per second, venues, strategies."""
        return self._info

    @property
    def stopped(self) -> str | None:
        """Why the run stopped early (``None``: it replayed all its data)."""
        return self._stopped

    @property
    def event_log(self) -> tuple[bytes, ...]:
        """Every event published under ``events.`` as msgpack, in order (only with
        ``Backtest(record_events=True)``; empty otherwise)."""
        return self._event_log

    # -- views --------------------------------------------------------------------------------
    def metrics(self) -> dict[str, float | int | str]:
        """The total statistics, fill and order counts as one flat row (for sweeps)."""
        row: dict[str, float | int | str] = dict(msgspec.structs.asdict(self._summary))
        row["fills"] = len(self._fills)
        row["orders"] = len(self.orders)
        row["rows"] = int(self._info.get("rows", 0))
        return row

    def __str__(self) -> str:
        return format_summary(self)

    def __repr__(self) -> str:
        return (
            f"BacktestResult({self._title!r}, {len(self.orders)} orders, "
            f"{len(self._fills)} fills, total_return={self._summary.total_return:.4%})"
        )

    # -- files --------------------------------------------------------------------------------
    def report(self, path: str | os.PathLike[str], *, png: bool = True) -> Any:
        """Write the HTML report to ``path`` (and the equity PNG beside it); returns the
        files written (see :func:`lyra.backtest.report.write_report`)."""
        from lyra.backtest.report import write_report

        return write_report(self, path, png=png)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the result to one msgpack file (``lyra report`` reads it)."""
        saved = _Saved(
            version=_FILE_VERSION,
            title=self._title,
            base_currency=self._base_currency,
            equity_ts_ns=self._equity_ts.tolist(),
            equity=self._equity.tolist(),
            equity_by={k: (t.tolist(), e.tolist()) for k, (t, e) in self._equity_by.items()},
            summary=self._summary,
            summaries=self._summaries,
            fills=list(self._fills),
            orders=list(self.orders),
            positions=list(self._positions),
            info=self._info,
            stopped=self._stopped,
            event_log=list(self._event_log),
        )
        out = Path(path)
        out.write_bytes(msgspec.msgpack.encode(saved))
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BacktestResult:
        """Read a result written by :meth:`save`."""
        import numpy as np

        data = Path(path).read_bytes()
        try:
            saved = msgspec.msgpack.decode(data, type=_Saved)
        except msgspec.DecodeError as exc:
            raise InvalidInput(
                "path", f"is not a Lyra backtest result file ({exc})", str(path)
            ) from None
        if saved.version != _FILE_VERSION:
            raise InvalidInput(
                "path",
                f"has result file version {saved.version}; this Lyra reads {_FILE_VERSION}",
                str(path),
            )
        return cls(
            title=saved.title,
            base_currency=saved.base_currency,
            equity_ts_ns=np.asarray(saved.equity_ts_ns, dtype=np.int64),
            equity=np.asarray(saved.equity, dtype=np.float64),
            equity_by={
                k: (np.asarray(t, dtype=np.int64), np.asarray(e, dtype=np.float64))
                for k, (t, e) in saved.equity_by.items()
            },
            summary=saved.summary,
            summaries=saved.summaries,
            fills=saved.fills,
            orders=saved.orders,
            positions=saved.positions,
            info=saved.info,
            stopped=saved.stopped,
            event_log=saved.event_log,
        )


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:+.2%}"


def _num(x: float, fmt: str = ".2f") -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return format(x, fmt)


def format_summary(result: BacktestResult) -> str:
    """A short plain-text summary of ``result`` (what ``lyra demo`` prints)."""
    s = result.summary
    info = result.info
    lines = [
        f"{result.title}",
        f"  rows replayed       {int(info.get('rows', 0)):,} in "
        f"{float(info.get('wall_seconds', 0.0)):.3f} s "
        f"({float(info.get('rows_per_second', 0.0)):,.0f} rows/s)",
        f"  orders / fills      {len(result.orders):,} / {len(result.fills):,}",
        f"  equity              {_num(s.start_equity, ',.2f')} -> {_num(s.end_equity, ',.2f')} "
        f"{result.base_currency}",
        f"  total return        {_pct(s.total_return)}   annualized {_pct(s.annualized_return)}",
        f"  Sharpe / Sortino    {_num(s.sharpe_ratio)} / {_num(s.sortino_ratio)}",
        f"  max drawdown        {_pct(-s.max_drawdown)}",
        f"  trades              {s.trade_count:,}  win rate {_pct(s.win_rate)}  "
        f"profit factor {_num(s.profit_factor)}",
        f"  fees paid           {_num(s.fees_paid, ',.2f')} {result.base_currency}",
    ]
    groups = sorted(result.summaries)
    if groups:
        lines.append("  by venue / strategy:")
        for key in groups:
            g = result.summaries[key]
            lines.append(
                f"    {key:<28} return {_pct(g.total_return):>9}  trades {g.trade_count:>6,}  "
                f"fees {_num(g.fees_paid, ',.2f')}"
            )
    if result.stopped:
        lines.append(f"  stopped early: {result.stopped}")
    return "\n".join(lines)


def _order_record(order: Order, venue: str) -> OrderRecord:
    return OrderRecord(
        ts_init=order.ts_init,
        ts_last=order.ts_last,
        venue=venue,
        account_id=str(order.account_id or ""),
        strategy_id=str(order.strategy_id),
        instrument_id=str(order.instrument_id),
        client_order_id=str(order.client_order_id),
        side=order.side.name,
        order_type=order.order_type.name,
        time_in_force=order.time_in_force.name,
        quantity=str(order.quantity),
        price=None if order.price is None else str(order.price),
        trigger_price=None if order.trigger_price is None else str(order.trigger_price),
        status=order.status.name,
        filled_qty=str(order.filled_qty),
        avg_px=None if order.avg_px is None else str(order.avg_px),
    )


def _build_result(
    *,
    title: str,
    recorder: Recorder,
    exchanges: Sequence[SimulatedExchange],
    strategies: Sequence[str],
    rows: int,
    wall_seconds: float,
    stopped: str | None,
    streams: Sequence[tuple[str, int]],
) -> BacktestResult:
    """Assemble a :class:`BacktestResult` from a finished run (used by ``Backtest.run``)."""
    import numpy as np

    ts = np.asarray(recorder.ts, dtype=np.int64)
    eq = np.asarray(recorder.equity, dtype=np.float64)
    span = int(ts[-1] - ts[0]) if len(ts) > 1 else 0
    period = DAY_NS if span >= 2 * DAY_NS else max(span // 100, 1) if span else DAY_NS
    periods_per_year = 365.0 * DAY_NS / period
    exposure_all = np.zeros(len(ts))
    for key, held in recorder.group_exposure.items():
        if key.startswith("venue:"):
            n = min(len(held), len(exposure_all))
            exposure_all[:n] += np.asarray(held[:n], dtype=np.float64)
    summary = summarize(
        ts,
        eq,
        trade_pnls=recorder.trade_pnls,
        traded_notional=recorder.notionals,
        fees=recorder.fees,
        positions=exposure_all,
        period_ns=period,
        periods_per_year=periods_per_year,
    )
    summaries: dict[str, PerformanceSummary] = {}
    equity_by: dict[str, tuple[Any, Any]] = {}
    for key in sorted(recorder.group_ts):
        g_ts = np.asarray(recorder.group_ts[key], dtype=np.int64)
        g_eq = np.asarray(recorder.group_equity[key], dtype=np.float64)
        kind, _, name = key.partition(":")
        which = 0 if kind == "venue" else 1
        pnls = [
            p
            for p, lab in zip(recorder.trade_pnls, recorder.trade_labels, strict=True)
            if lab[which] == name
        ]
        sel = [i for i, lab in enumerate(recorder.fill_labels) if lab[which] == name]
        summaries[key] = summarize(
            g_ts,
            g_eq,
            trade_pnls=pnls,
            traded_notional=[recorder.notionals[i] for i in sel],
            fees=[recorder.fees[i] for i in sel],
            positions=np.asarray(recorder.group_exposure[key], dtype=np.float64),
            period_ns=period,
            periods_per_year=periods_per_year,
        )
        equity_by[key] = (g_ts, g_eq)
    sources = [(str(ex.venue), ex.orders()) for ex in exchanges]

    def orders() -> list[OrderRecord]:
        return [_order_record(o, venue) for venue, items in sources for o in items]

    positions: list[PositionRecord] = []
    for ex in exchanges:
        venue = str(ex.venue)
        portfolio = ex.portfolio
        for pos in portfolio.positions():
            mark = portfolio.mark(pos.instrument_id)
            unreal = 0.0
            if pos.is_open and mark is not None:
                unreal = float(pos.unrealized_pnl(mark[0] if pos.is_long else mark[1]))
            avg = pos.avg_px_open
            positions.append(
                PositionRecord(
                    venue=venue,
                    account_id=str(pos.account_id or ""),
                    instrument_id=str(pos.instrument_id),
                    side=pos.side.name,
                    quantity=str(pos.quantity),
                    avg_px_open=None if avg is None else str(avg),
                    realized_pnl=float(pos.realized_pnl),
                    unrealized_pnl=unreal,
                    currency=str(pos.currency),
                )
            )
    info: dict[str, str | int | float] = {
        "rows": rows,
        "wall_seconds": wall_seconds,
        "rows_per_second": rows / wall_seconds if wall_seconds > 0 else 0.0,
        "venues": ", ".join(str(ex.venue) for ex in exchanges),
        "strategies": ", ".join(strategies) if strategies else "",
        "streams": ", ".join(f"{name} ({n:,} rows)" for name, n in streams),
        "start_ns": int(ts[0]) if len(ts) else 0,
        "end_ns": int(ts[-1]) if len(ts) else 0,
    }
    return BacktestResult(
        title=title,
        base_currency=str(recorder.base),
        equity_ts_ns=ts,
        equity=eq,
        equity_by=equity_by,
        summary=summary,
        summaries=summaries,
        fills=recorder.fills,
        orders=orders,
        positions=positions,
        info=info,
        stopped=stopped,
        event_log=recorder.event_log,
    )
