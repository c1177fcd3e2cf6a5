"""Performance statistics of a backtest: returns, risk ratios, drawdowns, trade statistics.

Pure functions over NumPy arrays, no engine state. An *equity curve* is two 1-D arrays of
the same length: ``ts_ns`` (``int64`` nanosecond timestamps, non-decreasing) and ``equity``
(``float64`` account value, finite and strictly positive, since returns are ratios of
equity). Statistics are approximate measures, so floats are fine here; the exact money
amounts stay in the portfolio's decimal values. Several samples at the same timestamp are
allowed; where a statistic needs "the equity at time t" it takes the last sample at or before
``t``.

Definitions (every one is spelled out with worked numbers in
``docs/explanation/performance-statistics.md``):

* :func:`total_return` -- ``equity[-1] / equity[0] - 1``.
* :func:`annualized_return` -- ``(1 + total) ** (1 / years) - 1`` with
  ``years = (ts_ns[-1] - ts_ns[0]) / YEAR_NS`` and a 365-day year.
* :func:`periodic_returns` -- simple returns between the equity observed at a grid
  ``ts_ns[0] + k * period_ns``; the last, possibly partial, period ends at the last sample.
* :func:`sharpe_ratio` -- ``mean(x) / std(x, ddof=1) * sqrt(periods_per_year)`` where
  ``x = r - risk_free / periods_per_year`` are the excess periodic returns.
* :func:`sortino_ratio` -- ``mean(x) * sqrt(periods_per_year) / dd`` with the downside
  deviation ``dd = sqrt(sum(min(x, 0) ** 2) / len(x))`` (every period counts in the divisor).
* :func:`max_drawdown` -- the largest fall from the running peak, as a fraction of that peak
  and as an amount (the two maxima may occur at different times).
* :func:`max_drawdown_duration_ns` -- the longest time under water: from the last sample at
  the peak before a fall to the first sample back at or above it, or to the last sample if
  the curve never recovers.
* :func:`win_rate` -- winning trades (PnL > 0) over all closed trades.
* :func:`profit_factor` -- gross profit over gross loss of closed trades.
* :func:`turnover` -- total absolute traded notional over time-weighted average equity.
* :func:`exposure` -- the share of time a position was held (position samples are held until
  the next sample).

Undefined values are ``nan``, never an exception: a ratio over fewer than two periods, a
ratio whose denominator is zero (flat equity has zero volatility, so its Sharpe ratio is
``nan``: there is no risk to reward), a win rate of zero trades. The exceptions are a
Sortino ratio or profit factor with gains and no losses, which is ``inf``. Malformed input
(mismatched lengths, unsorted timestamps, non-finite or non-positive equity, a non-positive
period) raises :class:`~lyra.errors.InvalidInput` naming the field and the rule.

:func:`summarize` gathers everything into a :class:`PerformanceSummary`, and
:func:`summarize_groups` does so per label (venue, strategy, ...) from labelled inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from lyra.errors import InvalidInput
from lyra.model.codec import register_struct

__all__ = (
    "DAY_NS",
    "YEAR_NS",
    "PerformanceSummary",
    "annualized_return",
    "exposure",
    "max_drawdown",
    "max_drawdown_duration_ns",
    "periodic_returns",
    "profit_factor",
    "sharpe_ratio",
    "sortino_ratio",
    "summarize",
    "summarize_groups",
    "total_return",
    "turnover",
    "win_rate",
)

DAY_NS: Final = 86_400_000_000_000
"""One day in nanoseconds: the default resampling period of the risk ratios."""

YEAR_NS: Final = 365 * DAY_NS
"""One year (365 days) in nanoseconds: the year :func:`annualized_return` uses."""

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_Labels = Sequence[str] | npt.NDArray[np.str_] | npt.NDArray[np.object_]
_NAN: Final = float("nan")
_INF: Final = float("inf")


# -- validation ----------------------------------------------------------------------------


def _vector(values: Any, dtype: type[Any] | None, field: str) -> Any:
    try:
        arr = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(field, "must convert to a 1-D numeric array") from exc
    if arr.ndim != 1:
        raise InvalidInput(field, "must be one-dimensional", arr.shape)
    return arr


def _floats(values: Any, field: str) -> _F64:
    arr: _F64 = _vector(values, np.float64, field)
    if not np.isfinite(arr).all():
        raise InvalidInput(field, "must hold only finite numbers")
    return arr


def _times(values: Any, field: str, *, check_order: bool = True) -> _I64:
    raw = _vector(values, None, field)
    # a float nanosecond count is inexact and np.asarray(..., int64) would truncate it quietly
    if raw.size and raw.dtype.kind not in "iu":
        raise InvalidInput(field, "must hold integer nanoseconds", raw.dtype.name)
    arr: _I64 = raw.astype(np.int64, copy=False)
    if check_order and arr.size > 1 and bool((np.diff(arr) < 0).any()):
        bad = int(np.argmax(np.diff(arr) < 0)) + 1
        raise InvalidInput(field, f"must be sorted in non-decreasing order (index {bad})")
    return arr


def _curve(ts_ns: Any, equity: Any) -> tuple[_I64, _F64]:
    ts = _times(ts_ns, "ts_ns")
    eq = _floats(equity, "equity")
    if ts.size != eq.size:
        raise InvalidInput("equity", f"must have the same length as ts_ns ({ts.size})", eq.size)
    if eq.size and not bool((eq > 0.0).all()):
        raise InvalidInput("equity", "must be strictly positive (returns are equity ratios)")
    return ts, eq


def _period(period_ns: int, periods_per_year: float) -> None:
    if not isinstance(period_ns, (int, np.integer)) or isinstance(period_ns, bool):
        raise InvalidInput("period_ns", "must be an int", period_ns)
    if period_ns <= 0:
        raise InvalidInput("period_ns", "must be positive", period_ns)
    if not math.isfinite(periods_per_year) or periods_per_year <= 0:
        raise InvalidInput("periods_per_year", "must be finite and positive", periods_per_year)


# -- returns -------------------------------------------------------------------------------


def total_return(equity: Any) -> float:
    """``equity[-1] / equity[0] - 1``; ``nan`` for an empty curve, ``0.0`` for one point."""
    eq = _floats(equity, "equity")
    if eq.size == 0:
        return _NAN
    if not bool((eq > 0.0).all()):
        raise InvalidInput("equity", "must be strictly positive (returns are equity ratios)")
    return float(eq[-1] / eq[0] - 1.0)


def annualized_return(ts_ns: Any, equity: Any) -> float:
    """Compound annual growth rate over the elapsed time ``ts_ns[-1] - ts_ns[0]``.

    ``(equity[-1] / equity[0]) ** (YEAR_NS / elapsed) - 1`` with a 365-day year
    (:data:`YEAR_NS`). ``nan`` when no time elapsed (empty curve, one point, or all samples at
    one timestamp). Short spans extrapolate aggressively: a 1 % gain in one day annualizes to
    about 3678 %. A result too large for a float is ``inf``.
    """
    ts, eq = _curve(ts_ns, equity)
    if ts.size < 2 or ts[-1] == ts[0]:
        return _NAN
    years = float(ts[-1] - ts[0]) / YEAR_NS
    growth = float(eq[-1]) / float(eq[0])
    try:
        # Python floats raise OverflowError where NumPy's would only warn
        return float(growth ** (1.0 / years)) - 1.0
    except OverflowError:
        return _INF


def periodic_returns(ts_ns: Any, equity: Any, period_ns: int = DAY_NS) -> _F64:
    """Simple returns of the curve resampled on a grid of ``period_ns`` (default one day).

    The grid is ``g_k = ts_ns[0] + k * period_ns`` for ``k = 0 .. K`` with
    ``K = ceil((ts_ns[-1] - ts_ns[0]) / period_ns)``; the equity at ``g_k`` is the last sample
    at or before ``g_k`` (so the last, possibly partial, period ends at the last sample), and
    return ``k`` is ``E(g_k) / E(g_{k-1}) - 1``. ``K`` returns in all; none for fewer than two
    distinct timestamps. A period with no sample has a return of zero.
    """
    ts, eq = _curve(ts_ns, equity)
    _period(period_ns, 1.0)
    if ts.size < 2 or ts[-1] == ts[0]:
        return np.empty(0, dtype=np.float64)
    elapsed = int(ts[-1] - ts[0])
    count = -(-elapsed // int(period_ns))
    grid = ts[0] + np.arange(count + 1, dtype=np.int64) * np.int64(period_ns)
    idx = np.searchsorted(ts, grid, side="right") - 1
    sampled = eq[idx]
    out: _F64 = sampled[1:] / sampled[:-1] - 1.0
    return out


def _excess(
    ts_ns: Any, equity: Any, period_ns: int, periods_per_year: float, risk_free: float
) -> _F64:
    _period(period_ns, periods_per_year)
    if not math.isfinite(risk_free):
        raise InvalidInput("risk_free", "must be finite", risk_free)
    out: _F64 = periodic_returns(ts_ns, equity, period_ns) - risk_free / periods_per_year
    return out


def sharpe_ratio(
    ts_ns: Any,
    equity: Any,
    *,
    period_ns: int = DAY_NS,
    periods_per_year: float = 365.0,
    risk_free: float = 0.0,
) -> float:
    """Annualized Sharpe ratio of the :func:`periodic_returns`.

    ``x = r - risk_free / periods_per_year`` (``risk_free`` is an annual simple rate, e.g.
    ``0.04``); the ratio is ``mean(x) / std(x, ddof=1) * sqrt(periods_per_year)``. The
    defaults (daily periods, 365 a year) suit markets that trade every day; use
    ``periods_per_year=252`` for exchange trading days. ``nan`` with fewer than two periods or
    zero standard deviation (flat equity has no risk to reward).
    """
    x = _excess(ts_ns, equity, period_ns, periods_per_year, risk_free)
    if x.size < 2:
        return _NAN
    sd = float(np.std(x, ddof=1))
    if sd == 0.0:
        return _NAN
    return float(np.mean(x)) / sd * math.sqrt(periods_per_year)


def sortino_ratio(
    ts_ns: Any,
    equity: Any,
    *,
    period_ns: int = DAY_NS,
    periods_per_year: float = 365.0,
    risk_free: float = 0.0,
) -> float:
    """Annualized Sortino ratio of the :func:`periodic_returns`.

    With ``x`` the excess returns as in :func:`sharpe_ratio`, the downside deviation is
    ``dd = sqrt(sum(min(x, 0) ** 2) / len(x))`` -- the target is the risk-free rate and every
    period counts in the divisor, not only the losing ones -- and the ratio is
    ``mean(x) / dd * sqrt(periods_per_year)``. ``nan`` with fewer than two periods; with no
    period below the target (``dd == 0``) it is ``inf`` if ``mean(x) > 0`` and ``nan``
    otherwise.
    """
    x = _excess(ts_ns, equity, period_ns, periods_per_year, risk_free)
    if x.size < 2:
        return _NAN
    mean = float(np.mean(x))
    downside = np.minimum(x, 0.0)
    dd = math.sqrt(float(np.sum(downside * downside)) / x.size)
    if dd == 0.0:
        return _INF if mean > 0.0 else _NAN
    return mean / dd * math.sqrt(periods_per_year)


# -- drawdowns -----------------------------------------------------------------------------


def max_drawdown(equity: Any) -> tuple[float, float]:
    """Largest fall from the running peak: ``(fraction, amount)``, both ``>= 0``.

    ``fraction = max((peak_t - E_t) / peak_t)`` and ``amount = max(peak_t - E_t)`` where
    ``peak_t`` is the highest equity up to and including ``t``. Each is maximized on its own,
    so they can come from different falls. ``(0.0, 0.0)`` for an empty or never-falling curve.
    """
    eq = _floats(equity, "equity")
    if eq.size == 0:
        return 0.0, 0.0
    if not bool((eq > 0.0).all()):
        raise InvalidInput("equity", "must be strictly positive (returns are equity ratios)")
    peak = np.maximum.accumulate(eq)
    fall = peak - eq
    return float(np.max(fall / peak)), float(np.max(fall))


def max_drawdown_duration_ns(ts_ns: Any, equity: Any) -> int:
    """Longest time under water, in nanoseconds.

    A spell under water is a run of samples strictly below the running peak. It lasts from the
    sample just before the run (the last one at the peak) to the first sample after the run
    (the recovery, at or above the old peak), or to the last sample of the curve when the
    run reaches the end without recovering. ``0`` if the curve never falls.
    """
    ts, eq = _curve(ts_ns, equity)
    if eq.size < 2:
        return 0
    under = eq < np.maximum.accumulate(eq)
    if not bool(under.any()):
        return 0
    edges = np.diff(under.astype(np.int8))
    # sample 0 is its own peak, so a run never starts there: start - 1 is always valid
    starts = np.flatnonzero(edges == 1)  # the last sample at the peak
    ends = np.flatnonzero(edges == -1) + 1  # the first sample back at or above it
    if ends.size < starts.size:
        ends = np.append(ends, ts.size - 1)
    return int(np.max(ts[ends] - ts[starts]))


# -- trades, turnover, exposure ------------------------------------------------------------


def win_rate(trade_pnls: Any) -> float:
    """Share of closed trades with PnL ``> 0``; a break-even trade counts as not a win.

    ``nan`` when there are no trades.
    """
    pnl = _floats(trade_pnls, "trade_pnls")
    if pnl.size == 0:
        return _NAN
    return float(np.count_nonzero(pnl > 0.0)) / pnl.size


def profit_factor(trade_pnls: Any) -> float:
    """Gross profit over gross loss: ``sum(pnl > 0) / -sum(pnl < 0)``.

    ``inf`` with profits and no losses; ``nan`` with no trades or neither profit nor loss
    (only break-even trades); ``0.0`` with losses and no profit.
    """
    pnl = _floats(trade_pnls, "trade_pnls")
    gain = float(np.sum(pnl[pnl > 0.0]))
    loss = -float(np.sum(pnl[pnl < 0.0]))
    if loss == 0.0:
        return _INF if gain > 0.0 else _NAN
    return gain / loss


def _time_weights(ts: _I64) -> _I64:
    # each sample holds until the next one; the last sample has no duration of its own
    out: _I64 = np.diff(ts)
    return out


def turnover(traded_notional: Any, ts_ns: Any, equity: Any) -> float:
    """Total absolute traded notional over the time-weighted average equity.

    The average holds each equity sample until the next sample:
    ``sum(E_i * (t_{i+1} - t_i)) / (t_last - t_first)``; with no elapsed time it is the plain
    mean of the samples. ``0.0`` when nothing traded over a non-empty curve, ``nan`` for an
    empty curve. Notional signs are ignored (buys and sells both count).
    """
    notional = _floats(traded_notional, "traded_notional")
    ts, eq = _curve(ts_ns, equity)
    if eq.size == 0:
        return _NAN
    traded = float(np.sum(np.abs(notional)))
    elapsed = int(ts[-1] - ts[0])
    if elapsed == 0:
        average = float(np.mean(eq))
    else:
        average = float(np.sum(eq[:-1] * _time_weights(ts))) / elapsed
    return traded / average


def exposure(ts_ns: Any, positions: Any) -> float:
    """Share of time with a non-zero position, from position-size samples.

    Each sample holds until the next one, so the result is
    ``sum((t_{i+1} - t_i) * (p_i != 0)) / (t_last - t_first)``. With no elapsed time it is the
    share of samples that are non-zero; ``nan`` with no samples. Pass gross size (or the
    number of open positions) to measure exposure across several instruments.
    """
    ts = _times(ts_ns, "position_ts_ns")
    pos = _floats(positions, "positions")
    if ts.size != pos.size:
        raise InvalidInput(
            "positions", f"must have the same length as position_ts_ns ({ts.size})", pos.size
        )
    if pos.size == 0:
        return _NAN
    held = pos != 0.0
    elapsed = int(ts[-1] - ts[0])
    if elapsed == 0:
        return float(np.count_nonzero(held)) / pos.size
    return float(np.sum(_time_weights(ts)[held[:-1]])) / elapsed


# -- summaries -----------------------------------------------------------------------------


class PerformanceSummary(msgspec.Struct, frozen=True, tag=True, kw_only=True):
    """Every statistic of one equity curve and its trades (see the module docs).

    Undefined statistics are ``nan`` (``inf`` where documented); they survive msgpack
    encoding, while JSON writes them as ``null``. An empty curve has ``start_ns`` and
    ``end_ns`` of ``0`` and ``nan`` equities.
    """

    start_ns: int
    end_ns: int
    start_equity: float
    end_equity: float
    total_return: float
    annualized_return: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    max_drawdown_amount: float
    max_drawdown_duration_ns: int
    trade_count: int
    win_rate: float
    profit_factor: float
    turnover: float
    fees_paid: float
    exposure: float


register_struct(PerformanceSummary)


def summarize(
    ts_ns: Any,
    equity: Any,
    *,
    trade_pnls: Any = (),
    traded_notional: Any = (),
    fees: Any = (),
    position_ts_ns: Any = None,
    positions: Any = None,
    period_ns: int = DAY_NS,
    periods_per_year: float = 365.0,
    risk_free: float = 0.0,
) -> PerformanceSummary:
    """Compute every statistic at once.

    ``trade_pnls`` are the closed trades' PnLs, ``traded_notional`` the fills' notionals,
    ``fees`` the fees paid (summed; a rebate is negative). ``positions`` are position-size
    samples at ``position_ts_ns`` (``ts_ns`` when omitted); without them ``exposure`` is
    ``nan``. ``period_ns``, ``periods_per_year`` and ``risk_free`` go to the risk ratios.
    """
    ts, eq = _curve(ts_ns, equity)
    _period(period_ns, periods_per_year)
    pnl = _floats(trade_pnls, "trade_pnls")
    fee = _floats(fees, "fees")
    if positions is None:
        if position_ts_ns is not None:
            raise InvalidInput("positions", "must be given when position_ts_ns is")
        held = _NAN
    else:
        held = exposure(ts if position_ts_ns is None else position_ts_ns, positions)
    fraction, amount = max_drawdown(eq)
    ratios: dict[str, Any] = {
        "period_ns": period_ns,
        "periods_per_year": periods_per_year,
        "risk_free": risk_free,
    }
    return PerformanceSummary(
        start_ns=int(ts[0]) if ts.size else 0,
        end_ns=int(ts[-1]) if ts.size else 0,
        start_equity=float(eq[0]) if eq.size else _NAN,
        end_equity=float(eq[-1]) if eq.size else _NAN,
        total_return=total_return(eq),
        annualized_return=annualized_return(ts, eq),
        sharpe_ratio=sharpe_ratio(ts, eq, **ratios),
        sortino_ratio=sortino_ratio(ts, eq, **ratios),
        max_drawdown=fraction,
        max_drawdown_amount=amount,
        max_drawdown_duration_ns=max_drawdown_duration_ns(ts, eq),
        trade_count=int(pnl.size),
        win_rate=win_rate(pnl),
        profit_factor=profit_factor(pnl),
        turnover=turnover(traded_notional, ts, eq),
        fees_paid=float(np.sum(fee)),
        exposure=held,
    )


def _labels(labels: Any, length: int, field: str, of: str) -> npt.NDArray[np.object_]:
    arr: npt.NDArray[np.object_] = np.empty(len(labels), dtype=object)
    arr[:] = list(labels)
    if arr.size != length:
        raise InvalidInput(field, f"must have the same length as {of} ({length})", arr.size)
    for label in arr:
        if not isinstance(label, str):
            raise InvalidInput(field, "must hold only str labels", label)
    return arr


def summarize_groups(
    ts_ns: Any,
    equity: Any,
    labels: _Labels,
    *,
    trade_pnls: Any = (),
    trade_labels: _Labels = (),
    traded_notional: Any = (),
    notional_labels: _Labels = (),
    fees: Any = (),
    fee_labels: _Labels = (),
    position_ts_ns: Any = None,
    positions: Any = None,
    position_labels: _Labels = (),
    period_ns: int = DAY_NS,
    periods_per_year: float = 365.0,
    risk_free: float = 0.0,
) -> dict[str, PerformanceSummary]:
    """One :class:`PerformanceSummary` per label (a venue, a strategy, ...), sorted by label.

    Inputs are in long form: ``labels[i]`` says whose curve the sample
    ``(ts_ns[i], equity[i])`` belongs to, and ``trade_labels``, ``notional_labels``,
    ``fee_labels`` and ``position_labels`` do the same for the other arrays (each the same
    length as what it labels; a list or a NumPy array of str). Each label's samples, kept in
    input order, must form a valid curve on their own. Every label seen in any input gets a
    summary; one with no equity samples is summarized over an empty curve. Errors name the
    label, e.g. ``ts_ns[BINANCE]``.
    """
    # order is checked per label, by summarize: the labels' samples may interleave
    ts = _times(ts_ns, "ts_ns", check_order=False)
    eq = _floats(equity, "equity")
    if ts.size != eq.size:
        raise InvalidInput("equity", f"must have the same length as ts_ns ({ts.size})", eq.size)
    curve_of = _labels(labels, ts.size, "labels", "ts_ns")
    pnl = _floats(trade_pnls, "trade_pnls")
    pnl_of = _labels(trade_labels, pnl.size, "trade_labels", "trade_pnls")
    notional = _floats(traded_notional, "traded_notional")
    notional_of = _labels(notional_labels, notional.size, "notional_labels", "traded_notional")
    fee = _floats(fees, "fees")
    fee_of = _labels(fee_labels, fee.size, "fee_labels", "fees")
    groups = set(curve_of) | set(pnl_of) | set(notional_of) | set(fee_of)
    pos_ts: Any = None
    pos: Any = None
    pos_of: npt.NDArray[np.object_] | None = None
    if positions is not None:
        pos = _floats(positions, "positions")
        pos_ts = (
            ts
            if position_ts_ns is None
            else _times(position_ts_ns, "position_ts_ns", check_order=False)
        )
        if pos_ts.size != pos.size:
            raise InvalidInput(
                "positions",
                f"must have the same length as position_ts_ns ({pos_ts.size})",
                pos.size,
            )
        pos_of = _labels(position_labels, pos.size, "position_labels", "positions")
        groups |= set(pos_of)
    elif position_ts_ns is not None:
        raise InvalidInput("positions", "must be given when position_ts_ns is")
    out: dict[str, PerformanceSummary] = {}
    for label in sorted(groups):
        label = str(label)  # np.str_ from a NumPy label array becomes a plain key
        mine = curve_of == label
        try:
            out[label] = summarize(
                ts[mine],
                eq[mine],
                trade_pnls=pnl[pnl_of == label],
                traded_notional=notional[notional_of == label],
                fees=fee[fee_of == label],
                position_ts_ns=None if pos_of is None else pos_ts[pos_of == label],
                positions=None if pos_of is None else pos[pos_of == label],
                period_ns=period_ns,
                periods_per_year=periods_per_year,
                risk_free=risk_free,
            )
        except InvalidInput as exc:
            raise InvalidInput(f"{exc.field}[{label}]", exc.rule) from exc
    return out
