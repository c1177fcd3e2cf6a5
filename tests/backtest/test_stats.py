"""lyra.backtest.stats: worked numbers by hand, edge cases, and a pure-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lyra.backtest import stats
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
from lyra.errors import InvalidInput
from lyra.model.codec import decode_msgpack, encode_msgpack

HOUR_NS = 3_600_000_000_000


def _days(*d: float) -> np.ndarray:
    return np.array([round(x * DAY_NS) for x in d], dtype=np.int64)


# Curve A, one sample a day:      day   0     1     2      3       4
#                              equity 100   110    99   108.9  119.79
# daily returns r = +0.10, -0.10, +0.10, +0.10
# mean = 0.05; deviations +0.05 -0.15 +0.05 +0.05; squares sum to 0.03;
# sample variance = 0.03 / 3 = 0.01, std = 0.1
# Sharpe (periods_per_year=4) = 0.05 / 0.1 * sqrt(4) = 1.0
# Sortino: downside min(r, 0) = 0, -0.1, 0, 0 -> dd = sqrt(0.01 / 4) = 0.05
#          -> 0.05 / 0.05 * sqrt(4) = 2.0
# total return = 119.79 / 100 - 1 = 0.1979
# max drawdown: peak 110 (day 1), trough 99 (day 2) -> 11 / 110 = 0.10, amount 11
# under water on days 2 and 3 (108.9 < 110), back above on day 4: duration = 4 - 1 = 3 days
TS_A = _days(0, 1, 2, 3, 4)
EQ_A = np.array([100.0, 110.0, 99.0, 108.9, 119.79])


def test_worked_curve_a() -> None:
    np.testing.assert_allclose(periodic_returns(TS_A, EQ_A), [0.1, -0.1, 0.1, 0.1])
    assert sharpe_ratio(TS_A, EQ_A, periods_per_year=4) == pytest.approx(1.0)
    assert sortino_ratio(TS_A, EQ_A, periods_per_year=4) == pytest.approx(2.0)
    assert total_return(EQ_A) == pytest.approx(0.1979)
    fraction, amount = max_drawdown(EQ_A)
    assert fraction == pytest.approx(0.10)
    assert amount == pytest.approx(11.0)
    assert max_drawdown_duration_ns(TS_A, EQ_A) == 3 * DAY_NS


def test_default_annualization_is_sqrt_365() -> None:
    # same curve, 365 periods a year: 0.5 * sqrt(365)
    assert sharpe_ratio(TS_A, EQ_A) == pytest.approx(0.5 * math.sqrt(365))
    assert sharpe_ratio(TS_A, EQ_A, periods_per_year=252) == pytest.approx(0.5 * math.sqrt(252))


def test_risk_free_is_an_annual_simple_rate() -> None:
    # risk_free 0.08 with 4 periods a year -> 0.02 a period; excess = 0.08, -0.12, 0.08, 0.08
    # mean 0.03, std unchanged 0.1 -> Sharpe 0.03 / 0.1 * 2 = 0.6
    # downside min(x, 0) = -0.12 only -> dd = sqrt(0.0144 / 4) = 0.06 -> Sortino 0.03/0.06*2 = 1
    assert sharpe_ratio(TS_A, EQ_A, periods_per_year=4, risk_free=0.08) == pytest.approx(0.6)
    assert sortino_ratio(TS_A, EQ_A, periods_per_year=4, risk_free=0.08) == pytest.approx(1.0)


def test_annualized_return_uses_a_365_day_year() -> None:
    # 100 -> 121 over exactly two 365-day years: sqrt(1.21) - 1 = 0.10
    assert annualized_return([0, 2 * YEAR_NS], [100.0, 121.0]) == pytest.approx(0.10)
    # half a year, +10 %: 1.1 ** 2 - 1 = 0.21
    assert annualized_return([0, YEAR_NS // 2], [100.0, 110.0]) == pytest.approx(0.21)
    # a loss: 100 -> 81 over two years: 0.9 - 1 = -0.10
    assert annualized_return([5, 5 + 2 * YEAR_NS], [100.0, 81.0]) == pytest.approx(-0.10)
    assert YEAR_NS == 365 * 86_400 * 10**9
    # a doubling in one nanosecond annualizes beyond any float: inf, and no warning
    assert annualized_return([0, 1], [100.0, 200.0]) == math.inf
    # all samples at one timestamp: no time elapsed
    assert math.isnan(annualized_return([9, 9], [100.0, 200.0]))
    # unsigned and range timestamps are integers too
    assert annualized_return(np.array([0, 2 * YEAR_NS], dtype=np.uint64), [100.0, 121.0]) == (
        pytest.approx(0.10)
    )
    assert annualized_return(range(0, 4 * YEAR_NS, 2 * YEAR_NS), [100.0, 121.0]) == (
        pytest.approx(0.10)
    )


def test_resampling_takes_the_last_sample_at_or_before_each_grid_point() -> None:
    # samples at 0h, 6h, 25h, 60h with equity 100, 105, 102, 110; daily grid 0, 24h, 48h, 72h
    # (elapsed 60h -> ceil(2.5) = 3 periods, the last one partial and ending at the last sample)
    # E(0)=100, E(24h)=105 (the 6h sample), E(48h)=102 (the 25h sample), E(72h)=110
    ts = np.array([0, 6, 25, 60], dtype=np.int64) * HOUR_NS
    eq = np.array([100.0, 105.0, 102.0, 110.0])
    np.testing.assert_allclose(
        periodic_returns(ts, eq), [0.05, 102 / 105 - 1, 110 / 102 - 1], rtol=1e-12
    )
    # periods with no new sample carry the equity forward: zero returns until day 3
    np.testing.assert_allclose(
        periodic_returns(_days(0, 3), [100.0, 90.0]), [0.0, 0.0, -0.1], atol=1e-15
    )
    # a custom period: 12 hours over 60h -> 5 periods
    assert periodic_returns(ts, eq, period_ns=12 * HOUR_NS).size == 5
    # several samples at one timestamp: the last wins
    np.testing.assert_allclose(periodic_returns(_days(0, 1, 1), [100.0, 50.0, 120.0]), [0.2])


def test_drawdown_duration_to_the_end_when_not_recovered() -> None:
    # day:    0    1    2    3    4    5    6
    # equity 100  95  100  120   90  100  110
    # spell 1: from day 0 (peak 100) to day 2 (back at 100): 2 days
    # spell 2: from day 3 (peak 120), never back: to the last sample, day 6 -> 3 days
    ts = _days(0, 1, 2, 3, 4, 5, 6)
    eq = [100.0, 95.0, 100.0, 120.0, 90.0, 100.0, 110.0]
    assert max_drawdown_duration_ns(ts, eq) == 3 * DAY_NS
    # deepest fall 120 -> 90: 30 / 120 = 0.25, amount 30
    assert max_drawdown(eq) == pytest.approx((0.25, 30.0))
    # the duration starts at the *last* sample at the peak: 100 on days 0 and 1, drop on day 2,
    # recovery on day 5 -> 4 days, not 5
    assert max_drawdown_duration_ns(_days(0, 1, 2, 5), [100.0, 100.0, 90.0, 101.0]) == 4 * DAY_NS


def test_drawdown_fraction_and_amount_can_come_from_different_falls() -> None:
    # 100 -> 50: 50 %, 50;  then 1000 -> 900: 10 %, 100
    assert max_drawdown([100.0, 50.0, 1000.0, 900.0]) == pytest.approx((0.5, 100.0))


def test_trade_statistics() -> None:
    # wins 10, 20; losses -5, -15; one break-even (not a win)
    # win rate 2 / 5 = 0.4; profit factor (10 + 20) / (5 + 15) = 1.5
    pnls = [10.0, -5.0, 20.0, 0.0, -15.0]
    assert win_rate(pnls) == pytest.approx(0.4)
    assert profit_factor(pnls) == pytest.approx(1.5)
    # all winning: win rate 1, profit factor inf
    assert win_rate([1.0, 2.0]) == 1.0
    assert profit_factor([1.0, 2.0]) == math.inf
    # all losing: 0 and 0
    assert win_rate([-1.0]) == 0.0
    assert profit_factor([-1.0, -2.0]) == 0.0
    # nothing to measure: nan
    assert math.isnan(win_rate([]))
    assert math.isnan(profit_factor([]))
    assert math.isnan(profit_factor([0.0, 0.0]))


def test_turnover_uses_time_weighted_average_equity() -> None:
    # equity 100 for 1 day, 200 for 2 days (the last sample, 300, holds no time):
    # average = (100 * 1 + 200 * 2) / 3 = 500 / 3; traded |100| + |-150| + |250| = 500 -> 3.0
    ts = _days(0, 1, 3)
    assert turnover([100.0, -150.0, 250.0], ts, [100.0, 200.0, 300.0]) == pytest.approx(3.0)
    assert turnover([], ts, [100.0, 200.0, 300.0]) == 0.0
    # no elapsed time: the plain mean (150) -> 300 / 150 = 2
    assert turnover([300.0], [7, 7], [100.0, 200.0]) == pytest.approx(2.0)
    assert math.isnan(turnover([1.0], [], []))


def test_exposure_is_time_weighted() -> None:
    # positions 0 (day 0-1), 2 (day 1-3), -1 (day 3-4), 0 at day 4 -> held 3 of 4 days
    assert exposure(_days(0, 1, 3, 4), [0.0, 2.0, -1.0, 0.0]) == pytest.approx(0.75)
    assert exposure(_days(0, 1), [0.0, 5.0]) == 0.0  # the last sample holds no time
    assert exposure([3, 3], [0.0, 1.0]) == 0.5  # no elapsed time: share of samples
    assert math.isnan(exposure([], []))


# -- edge cases ----------------------------------------------------------------------------


def test_empty_curve() -> None:
    assert math.isnan(total_return([]))
    assert math.isnan(annualized_return([], []))
    assert periodic_returns([], []).size == 0
    assert math.isnan(sharpe_ratio([], []))
    assert math.isnan(sortino_ratio([], []))
    assert max_drawdown([]) == (0.0, 0.0)
    assert max_drawdown_duration_ns([], []) == 0


def test_one_point() -> None:
    assert total_return([100.0]) == 0.0
    assert math.isnan(annualized_return([5], [100.0]))
    assert periodic_returns([5], [100.0]).size == 0
    assert math.isnan(sharpe_ratio([5], [100.0]))
    assert max_drawdown([100.0]) == (0.0, 0.0)
    assert max_drawdown_duration_ns([5], [100.0]) == 0


def test_one_period_is_not_enough_for_a_ratio() -> None:
    assert math.isnan(sharpe_ratio(_days(0, 1), [100.0, 110.0]))
    assert math.isnan(sortino_ratio(_days(0, 1), [100.0, 110.0]))


def test_flat_equity() -> None:
    ts = _days(0, 1, 2, 3)
    eq = [100.0] * 4
    assert total_return(eq) == 0.0
    assert annualized_return(ts, eq) == 0.0
    assert math.isnan(sharpe_ratio(ts, eq))  # zero volatility: nothing to reward
    assert math.isnan(sortino_ratio(ts, eq))  # no downside and no mean excess
    assert max_drawdown(eq) == (0.0, 0.0)
    assert max_drawdown_duration_ns(ts, eq) == 0


def test_only_gains() -> None:
    ts = _days(0, 1, 2, 3)
    eq = [100.0, 110.0, 115.0, 130.0]
    assert sortino_ratio(ts, eq) == math.inf
    assert sharpe_ratio(ts, eq) > 0
    assert max_drawdown_duration_ns(ts, eq) == 0
    # gains below the risk-free rate are downside
    assert sortino_ratio(ts, eq, risk_free=365.0) < 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: total_return([1.0, 0.0]), "equity"),
        (lambda: total_return([1.0, float("nan")]), "equity"),
        (lambda: max_drawdown([1.0, -1.0]), "equity"),
        (lambda: annualized_return([0, 1, 2], [1.0, 2.0]), "equity"),
        (lambda: annualized_return([0, 2, 1], [1.0, 2.0, 3.0]), "ts_ns"),
        (lambda: annualized_return(np.array([0.0, 1.0]), [1.0, 2.0]), "ts_ns"),
        (lambda: annualized_return([0.0, 1.5], [1.0, 2.0]), "ts_ns"),
        (lambda: annualized_return(["a", "b"], [1.0, 2.0]), "ts_ns"),
        (lambda: annualized_return([True, True], [1.0, 2.0]), "ts_ns"),
        (lambda: annualized_return([[0, 1]], [[1.0, 2.0]]), "ts_ns"),
        (lambda: annualized_return([0, 1], [[1.0, 2.0]]), "equity"),
        (lambda: annualized_return([0, 1], ["x", "y"]), "equity"),
        (lambda: periodic_returns([0, 1], [1.0, 2.0], period_ns=0), "period_ns"),
        (lambda: sharpe_ratio([0, 1], [1.0, 2.0], periods_per_year=0), "periods_per_year"),
        (lambda: sharpe_ratio([0, 1], [1.0, 2.0], risk_free=math.inf), "risk_free"),
        (lambda: win_rate([1.0, math.inf]), "trade_pnls"),
        (lambda: turnover([math.nan], [0], [1.0]), "traded_notional"),
        (lambda: exposure([0, 1], [1.0]), "positions"),
        (lambda: exposure([1, 0], [1.0, 1.0]), "position_ts_ns"),
        (lambda: summarize([0], [1.0], position_ts_ns=[0]), "positions"),
        (lambda: summarize([0], [1.0], fees=[math.nan]), "fees"),
    ],
)
def test_malformed_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field
    assert info.value.rule


def test_unsorted_error_says_where() -> None:
    with pytest.raises(InvalidInput, match=r"non-decreasing order \(index 2\)"):
        max_drawdown_duration_ns([0, 5, 4], [1.0, 1.0, 1.0])


# -- summaries -----------------------------------------------------------------------------


def test_summarize_curve_a() -> None:
    s = summarize(
        TS_A,
        EQ_A,
        trade_pnls=[10.0, -5.0, 20.0, 0.0, -15.0],
        traded_notional=[100.0, -100.0],
        fees=[0.5, 0.25, -0.125],
        positions=[0.0, 1.0, 1.0, 0.0, 0.0],
        periods_per_year=4,
    )
    assert s.start_ns == 0 and s.end_ns == 4 * DAY_NS
    assert (s.start_equity, s.end_equity) == (100.0, 119.79)
    assert s.total_return == pytest.approx(0.1979)
    assert s.annualized_return == pytest.approx(1.1979 ** (365 / 4) - 1)
    assert s.sharpe_ratio == pytest.approx(1.0)
    assert s.sortino_ratio == pytest.approx(2.0)
    assert s.max_drawdown == pytest.approx(0.1)
    assert s.max_drawdown_amount == pytest.approx(11.0)
    assert s.max_drawdown_duration_ns == 3 * DAY_NS
    assert s.trade_count == 5
    assert s.win_rate == pytest.approx(0.4)
    assert s.profit_factor == pytest.approx(1.5)
    # average equity (100 + 110 + 99 + 108.9) / 4 = 104.475 (equal spacing); traded 200
    assert s.turnover == pytest.approx(200 / 104.475)
    assert s.fees_paid == pytest.approx(0.625)
    assert s.exposure == pytest.approx(0.5)  # held from day 1 to day 3 of 4


def test_summarize_empty_and_without_positions() -> None:
    s = summarize([], [])
    assert (s.start_ns, s.end_ns, s.trade_count, s.max_drawdown_duration_ns) == (0, 0, 0, 0)
    assert math.isnan(s.start_equity) and math.isnan(s.total_return)
    assert math.isnan(s.exposure) and math.isnan(s.turnover) and math.isnan(s.win_rate)
    assert s.fees_paid == 0.0


def test_summary_is_frozen_and_round_trips_through_the_codec() -> None:
    s = summarize(TS_A, EQ_A, trade_pnls=[1.0, 2.0], positions=[1.0] * 5)
    assert s.profit_factor == math.inf
    with pytest.raises(AttributeError):
        s.sharpe_ratio = 0.0  # type: ignore[misc]
    back = decode_msgpack(encode_msgpack(s))
    assert isinstance(back, PerformanceSummary)
    assert back == s
    # nan survives msgpack too
    empty = decode_msgpack(encode_msgpack(summarize([], [])))
    assert isinstance(empty, PerformanceSummary) and math.isnan(empty.total_return)


def test_summarize_groups_matches_per_label_summaries() -> None:
    # two venues' curves interleaved in time, trades and fills labelled the same way
    ts = _days(0, 0, 1, 1, 2, 2, 3)
    eq = [100.0, 50.0, 110.0, 45.0, 99.0, 60.0, 108.0]
    labels = ["A", "B", "A", "B", "A", "B", "A"]
    groups = summarize_groups(
        ts,
        eq,
        labels,
        trade_pnls=[1.0, -2.0, 3.0],
        trade_labels=["B", "A", "A"],
        traded_notional=[10.0, 20.0],
        notional_labels=["A", "B"],
        fees=[0.1],
        fee_labels=["C"],  # a label with no curve still gets a summary
        positions=[1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        position_labels=labels,
        periods_per_year=4,
    )
    assert list(groups) == ["A", "B", "C"]
    # labels may come as a NumPy array; keys are plain str either way
    from_numpy = summarize_groups(ts, eq, np.array(labels), periods_per_year=4)
    assert [type(k) for k in from_numpy] == [str, str]
    assert from_numpy["B"] == summarize(_days(0, 1, 2), [50.0, 45.0, 60.0], periods_per_year=4)
    assert groups["A"] == summarize(
        _days(0, 1, 2, 3),
        [100.0, 110.0, 99.0, 108.0],
        trade_pnls=[-2.0, 3.0],
        traded_notional=[10.0],
        positions=[1.0, 1.0, 0.0, 0.0],
        periods_per_year=4,
    )
    b = groups["B"]
    assert b.total_return == pytest.approx(0.2)
    assert b.max_drawdown == pytest.approx(0.1)
    assert b.trade_count == 1 and b.win_rate == 1.0
    assert b.exposure == pytest.approx(0.5)
    c = groups["C"]
    assert c.fees_paid == pytest.approx(0.1) and math.isnan(c.total_return)
    assert c.trade_count == 0


def test_summarize_groups_names_the_label_in_errors() -> None:
    with pytest.raises(InvalidInput) as info:
        summarize_groups([0, 2, 1, 3], [1.0, 1.0, 1.0, 1.0], ["A", "B", "B", "A"])
    assert info.value.field == "ts_ns[B]"
    with pytest.raises(InvalidInput) as info:
        summarize_groups([0], [1.0], ["A"], trade_pnls=[1.0, 2.0], trade_labels=["A"])
    assert info.value.field == "trade_labels"
    with pytest.raises(InvalidInput) as info:
        summarize_groups([0], [1.0], [7])  # type: ignore[list-item]
    assert info.value.field == "labels"


# -- a straightforward pure-Python reference -----------------------------------------------


def _ref_returns(ts: list[int], eq: list[float], period: int) -> list[float]:
    if len(ts) < 2 or ts[-1] == ts[0]:
        return []
    k_max = -(-(ts[-1] - ts[0]) // period)
    sampled = []
    for k in range(k_max + 1):
        g = ts[0] + k * period
        value = eq[0]
        for t, e in zip(ts, eq, strict=True):
            if t <= g:
                value = e
        sampled.append(value)
    return [sampled[i] / sampled[i - 1] - 1 for i in range(1, len(sampled))]


def _ref_sharpe(r: list[float], ppy: float) -> float:
    if len(r) < 2:
        return math.nan
    mean = sum(r) / len(r)
    var = sum((x - mean) ** 2 for x in r) / (len(r) - 1)
    if var == 0:
        return math.nan
    return mean / math.sqrt(var) * math.sqrt(ppy)


def _ref_sortino(r: list[float], ppy: float) -> float:
    if len(r) < 2:
        return math.nan
    mean = sum(r) / len(r)
    dd = math.sqrt(sum(min(x, 0.0) ** 2 for x in r) / len(r))
    if dd == 0:
        return math.inf if mean > 0 else math.nan
    return mean / dd * math.sqrt(ppy)


def _ref_drawdown(ts: list[int], eq: list[float]) -> tuple[float, float, int]:
    peak, peak_t = -math.inf, 0
    frac = amount = 0.0
    longest = 0
    under_since: int | None = None
    for t, e in zip(ts, eq, strict=True):
        if e >= peak:
            if under_since is not None:
                longest = max(longest, t - under_since)
                under_since = None
            peak, peak_t = e, t
        else:
            if under_since is None:
                under_since = peak_t
            frac = max(frac, (peak - e) / peak)
            amount = max(amount, peak - e)
    if under_since is not None:
        longest = max(longest, ts[-1] - under_since)
    return frac, amount, longest


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)


@st.composite
def _curves(draw: st.DrawFn) -> tuple[list[int], list[float]]:
    n = draw(st.integers(0, 25))
    gaps = draw(st.lists(st.integers(0, 3 * DAY_NS), min_size=n, max_size=n))
    start = draw(st.integers(-(10**15), 10**15))
    ts = []
    t = start
    for g in gaps:
        t += g
        ts.append(t)
    # a small value set makes ties with the peak and flat stretches common
    eq = draw(
        st.lists(
            st.one_of(st.sampled_from([50.0, 100.0, 150.0]), st.floats(1.0, 1000.0)),
            min_size=n,
            max_size=n,
        )
    )
    return ts, eq


@settings(max_examples=300, deadline=None)
@given(
    _curves(),
    st.sampled_from([HOUR_NS, DAY_NS, 7 * DAY_NS]),
    st.sampled_from([365.0, 252.0, 52.0]),
)
def test_matches_a_pure_python_reference(
    curve: tuple[list[int], list[float]], period: int, ppy: float
) -> None:
    ts, eq = curve
    ref_r = _ref_returns(ts, eq, period)
    got_r = periodic_returns(ts, eq, period_ns=period)
    assert len(got_r) == len(ref_r)
    assert all(_same(float(a), b) for a, b in zip(got_r, ref_r, strict=True))
    kw = {"period_ns": period, "periods_per_year": ppy}
    assert _same(sharpe_ratio(ts, eq, **kw), _ref_sharpe(ref_r, ppy))  # type: ignore[arg-type]
    assert _same(sortino_ratio(ts, eq, **kw), _ref_sortino(ref_r, ppy))  # type: ignore[arg-type]
    frac, amount, longest = _ref_drawdown(ts, eq)
    got_frac, got_amount = max_drawdown(eq)
    assert _same(got_frac, frac) and _same(got_amount, amount)
    assert max_drawdown_duration_ns(ts, eq) == longest
    if eq:
        assert _same(total_return(eq), eq[-1] / eq[0] - 1)
    # exposure and turnover: each sample holds until the next one
    positions = [0.0 if e < 100.0 else e for e in eq]
    notional = sum(eq)
    if ts and ts[-1] > ts[0]:
        spans = [ts[i + 1] - ts[i] for i in range(len(ts) - 1)]
        held = sum(d for d, p in zip(spans, positions, strict=False) if p != 0.0)
        average = sum(d * e for d, e in zip(spans, eq, strict=False)) / (ts[-1] - ts[0])
        assert _same(exposure(ts, positions), held / (ts[-1] - ts[0]))
        assert _same(turnover(eq, ts, eq), notional / average)
    elif ts:
        assert _same(exposure(ts, positions), sum(p != 0.0 for p in positions) / len(ts))
        assert _same(turnover(eq, ts, eq), notional / (sum(eq) / len(eq)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), max_size=30))
def test_trade_statistics_match_a_reference(pnls: list[float]) -> None:
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    assert _same(win_rate(pnls), len(wins) / len(pnls) if pnls else math.nan)
    gain, loss = sum(wins), -sum(losses)
    expected = gain / loss if loss else (math.inf if gain > 0 else math.nan)
    assert _same(profit_factor(pnls), expected)


def test_module_exports() -> None:
    assert stats.__all__ == tuple(sorted(stats.__all__, key=lambda n: (not n.isupper(), n)))
