"""Chart geometry shared by the SVG and PNG renderers: curve checks, downsampling,
drawdowns and axis ticks. No drawing happens here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lyra.errors import InvalidInput

__all__ = (
    "Ticks",
    "curve",
    "downsample",
    "drawdown",
    "drawdown_floor",
    "finite_points",
    "time_ticks",
    "value_ticks",
)

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = 1_000_000
_S: Final = 1_000_000_000
_MIN: Final = 60 * _S
_H: Final = 60 * _MIN
_D: Final = 24 * _H
_MONDAY: Final = 4 * _D  # 1970-01-05 was a Monday: week ticks start on Mondays
_FIXED_STEPS: Final = (
    *(k * _MS for k in (1, 2, 5, 10, 20, 50, 100, 200, 500)),
    *(k * _S for k in (1, 2, 5, 10, 15, 30)),
    *(k * _MIN for k in (1, 2, 5, 10, 15, 30)),
    *(k * _H for k in (1, 2, 3, 6, 12)),
    *(k * _D for k in (1, 2, 7, 14)),
)
_MONTH_STEPS: Final = (1, 2, 3, 6)
_YEAR_STEPS: Final = (1, 2, 5, 10, 20, 50, 100, 200, 500)


@dataclass(frozen=True, slots=True)
class Ticks:
    """An axis: its range ``lo .. hi`` and the tick positions with their labels."""

    lo: float
    hi: float
    values: tuple[float, ...]
    labels: tuple[str, ...]


def curve(ts_ns: Any, values: Any, field: str) -> tuple[_I64, _F64]:
    """Check one curve (1-D, same length, integer and sorted timestamps) and return it."""
    ts = np.asarray(ts_ns)
    eq = np.asarray(values, dtype=np.float64)
    if ts.ndim != 1 or eq.ndim != 1:
        raise InvalidInput(field, "must be one-dimensional arrays", (ts.shape, eq.shape))
    if ts.size != eq.size:
        raise InvalidInput(field, f"must have as many values as timestamps ({ts.size})", eq.size)
    if ts.size and ts.dtype.kind not in "iu":
        raise InvalidInput(field, "timestamps must be integer nanoseconds", ts.dtype.name)
    ts = ts.astype(np.int64, copy=False)
    if ts.size > 1 and bool((ts[1:] < ts[:-1]).any()):
        raise InvalidInput(field, "timestamps must be sorted in non-decreasing order")
    return ts, eq


def finite_points(ts: _I64, values: _F64) -> tuple[_I64, _F64]:
    """The samples with a finite value: a hole in a curve is skipped, not drawn to zero."""
    keep = np.isfinite(values)
    if bool(keep.all()):
        return ts, values
    return ts[keep], values[keep]


def drawdown(values: _F64) -> _F64:
    """``values / running peak - 1`` (``<= 0``); ``0`` where the peak is not positive."""
    if values.size == 0:
        return values.copy()
    peak = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: _F64 = np.where(peak > 0.0, values / peak - 1.0, 0.0)
    return out


def drawdown_floor(worst: float) -> float:
    """The bottom of a drawdown axis: the worst drawdown, or -1 % when there is almost none
    (a flat line on a hair-thin axis would exaggerate noise)."""
    return worst if worst <= -1e-4 else -0.01


def downsample(ts: _I64, values: _F64, columns: int, t_lo: int, t_hi: int) -> tuple[_I64, _F64]:
    """At most four samples per pixel column: the first, last, lowest and highest.

    Kept in time order, these draw the same line as the full curve at that width (every
    spike survives, the global minimum and maximum included), so a million-point curve costs
    a few thousand points. ``t_lo .. t_hi`` is the time range the columns split.
    """
    n = ts.size
    if n <= 4 * columns:
        return ts, values
    span = t_hi - t_lo
    if span <= 0:
        bins = np.zeros(n, dtype=np.int64)
    else:
        # float: (ts - t_lo) * columns can overflow int64 for long spans
        scaled = (ts - t_lo).astype(np.float64) * (columns / span)
        bins = np.clip(scaled.astype(np.int64), 0, columns - 1)
    change = np.flatnonzero(bins[1:] != bins[:-1]) + 1
    starts = np.concatenate((np.zeros(1, dtype=np.int64), change))
    ends = np.concatenate((change - 1, np.array([n - 1], dtype=np.int64)))
    lengths = np.diff(np.append(starts, n))
    index = np.arange(n, dtype=np.int64)
    low = np.minimum.reduceat(values, starts)
    high = np.maximum.reduceat(values, starts)
    # first position of each column's extreme: positions off the extreme count as n
    at_low = np.minimum.reduceat(np.where(values == np.repeat(low, lengths), index, n), starts)
    at_high = np.minimum.reduceat(np.where(values == np.repeat(high, lengths), index, n), starts)
    keep = np.unique(np.concatenate((starts, ends, at_low, at_high)))
    return ts[keep], values[keep]


def _nice_step(raw: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0):
        if raw <= m * magnitude * (1 + 1e-9):
            return m * magnitude
    return 10.0 * magnitude


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def value_ticks(lo: float, hi: float, target: int, *, percent: bool = False) -> Ticks:
    """Round ticks (1, 2 or 5 times a power of ten) covering ``lo .. hi``; the axis range
    is widened to whole steps. A flat range is padded so that the line sits mid-axis."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.01 or (0.01 if percent else 1.0)
        lo, hi = lo - pad, hi + pad
    step = _nice_step((hi - lo) / max(1, target))
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    values = tuple(k * step for k in range(first, last + 1))
    if percent:
        digits = _decimals(step * 100.0)
        labels = tuple(
            "0%" if abs(v) < step * 1e-9 else _number(v * 100.0, digits) + "%" for v in values
        )
    else:
        top = max(abs(values[0]), abs(values[-1]))
        if top >= 1e9:
            scale, suffix = 1e9, "B"
        elif top >= 1e6:
            scale, suffix = 1e6, "M"
        else:
            scale, suffix = 1.0, ""
        digits = _decimals(step / scale)
        labels = tuple(
            "0" if abs(v) < step * 1e-9 else _number(v / scale, digits) + suffix for v in values
        )
    return Ticks(values[0], values[-1], values, labels)


def _number(v: float, digits: int) -> str:
    text = f"{v:,.{digits}f}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]
    return text


def _datetime(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1_000)


def _from_datetime(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _S + delta.microseconds * 1_000


def _calendar_ticks(t_lo: int, t_hi: int, months: int) -> list[int]:
    start = _datetime(t_lo)
    index = start.year * 12 + start.month - 1
    index = -(-index // months) * months
    out: list[int] = []
    while True:
        year, month = divmod(index, 12)
        if year > 9999:
            break
        tick = _from_datetime(datetime(year, month + 1, 1, tzinfo=UTC))
        if tick > t_hi:
            break
        if tick >= t_lo:
            out.append(tick)
        index += months
    return out


def _label(ns: int, step: int, span: int) -> str:
    moment = _datetime(ns)
    if step >= 365 * _D:
        return f"{moment.year:04d}"
    if step >= 28 * _D:
        return f"{moment.year:04d}-{moment.month:02d}"
    if step >= _D:
        return moment.strftime("%Y-%m-%d")
    if step >= _MIN:
        text = moment.strftime("%H:%M")
    elif step >= _S:
        text = moment.strftime("%H:%M:%S")
    else:
        text = moment.strftime("%H:%M:%S") + f".{(ns // _MS) % 1000:03d}"
    return (moment.strftime("%m-%d ") + text) if span >= _D else text


def time_ticks(t_lo: int, t_hi: int, target: int) -> Ticks:
    """Ticks at round times (seconds, hours, days, month and year starts, UTC) in
    ``t_lo .. t_hi``, labelled as precisely as the step needs. The range is the data's own;
    a single instant gets a small range around it and one tick."""
    target = max(1, target)
    if t_hi <= t_lo:
        moment = _datetime(t_lo)
        label = moment.strftime("%Y-%m-%d %H:%M:%S")
        return Ticks(float(t_lo - _S), float(t_lo + _S), (float(t_lo),), (label,))
    span = t_hi - t_lo
    ticks: list[int] = []
    step = 0
    for fixed in _FIXED_STEPS:
        if span / fixed <= target:
            step = fixed
            offset = _MONDAY if fixed >= 7 * _D else 0
            first = -(-(t_lo - offset) // fixed) * fixed + offset
            ticks = list(range(first, t_hi + 1, fixed))
            break
    else:
        for months in _MONTH_STEPS:
            if span / (months * 30 * _D) <= target:
                step = months * 28 * _D
                ticks = _calendar_ticks(t_lo, t_hi, months)
                break
        else:
            for years in _YEAR_STEPS:
                if span / (years * 365 * _D) <= target or years == _YEAR_STEPS[-1]:
                    step = years * 365 * _D
                    ticks = _calendar_ticks(t_lo, t_hi, years * 12)
                    break
    labels = tuple(_label(t, step, span) for t in ticks)
    return Ticks(float(t_lo), float(t_hi), tuple(float(t) for t in ticks), labels)
