"""Bars as price paths: how a backtest on OHLC bars moves the simulated market.

A bar says where the price went but not in what order. To let stops and limits inside a bar
fill sensibly, each bar becomes four price points, all at or before the bar's ``ts_event``
(its close time, so nothing is seen before it happened):

=========  =========================  ===========================================
point      time                       price
=========  =========================  ===========================================
1          ``ts - 3 * d``             open
2          ``ts - 2 * d``             the first extreme (see below)
3          ``ts - d``                 the second extreme
4          ``ts``                     close
=========  =========================  ===========================================

``d`` is a quarter of the bar's duration for time bars (``1-MINUTE`` bars: 15 s) and 1 ns for
tick, volume and value bars; a point is never earlier than the previous bar's close, so
overlapping or irregular bars still give non-decreasing times.

The order of the extremes (``path``):

* ``"OHLC"``: high first, then low;
* ``"OLHC"``: low first, then high;
* ``"adaptive"`` (the default): the extreme nearer the open comes first (ties: high
  first), the usual assumption that a price visits nearby levels before far ones.

Each point is a quote with bid = price and ask = price + ``spread_ticks`` price increments
(default 0: a locked book at the price) and both sizes equal to the bar's volume (at least
one size increment), so an order inside the bar's range trades there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from lyra.errors import InvalidInput
from lyra.model.enums import BarAggregation

if TYPE_CHECKING:
    from lyra.model.columnar import BarBatch, QuoteBatch
    from lyra.model.instruments import Instrument

__all__ = ("BarPath", "bar_duration_ns", "bar_path_quotes")

BarPath = Literal["OHLC", "OLHC", "adaptive"]
"""How the two extremes of a bar are ordered (see the module docs)."""

_UNIT_NS: Final = {
    BarAggregation.MILLISECOND: 1_000_000,
    BarAggregation.SECOND: 1_000_000_000,
    BarAggregation.MINUTE: 60_000_000_000,
    BarAggregation.HOUR: 3_600_000_000_000,
    BarAggregation.DAY: 86_400_000_000_000,
    BarAggregation.WEEK: 7 * 86_400_000_000_000,
}


def bar_duration_ns(batch: BarBatch) -> int | None:
    """The duration of ``batch``'s bars in ns, or ``None`` for tick, volume, value and
    month bars (no fixed duration)."""
    spec = batch.bar_type.spec
    unit = _UNIT_NS.get(spec.aggregation)
    return None if unit is None else unit * spec.step


def bar_path_quotes(
    batch: BarBatch,
    instrument: Instrument,
    *,
    path: BarPath = "adaptive",
    spread_ticks: int = 0,
) -> QuoteBatch:
    """The four quotes per bar of ``batch`` (see the module docs), as one ``QuoteBatch`` of
    ``instrument`` with ``4 * len(batch)`` rows in time order."""
    import numpy as np

    from lyra.model.columnar import QUOTE_DTYPE, QuoteBatch

    if path not in ("OHLC", "OLHC", "adaptive"):
        raise InvalidInput("path", "must be 'OHLC', 'OLHC' or 'adaptive'", path)
    if batch.bar_type.instrument_id != instrument.id:
        raise InvalidInput("instrument", f"must be {batch.bar_type.instrument_id}", instrument.id)
    arr = batch.array
    n = len(arr)
    o = arr["open"].astype(np.int64)
    h = arr["high"].astype(np.int64)
    lo = arr["low"].astype(np.int64)
    c = arr["close"].astype(np.int64)
    ts = arr["ts_event"].astype(np.int64)
    if path == "OHLC":
        high_first = np.ones(n, dtype=bool)
    elif path == "OLHC":
        high_first = np.zeros(n, dtype=bool)
    else:
        high_first = (h - o) <= (o - lo)
    first = np.where(high_first, h, lo)
    second = np.where(high_first, lo, h)
    prices = np.stack([o, first, second, c], axis=1).reshape(-1)
    duration = bar_duration_ns(batch)
    d = 1 if duration is None else max(duration // 4, 1)
    offsets = np.array([3 * d, 2 * d, d, 0], dtype=np.int64)
    times = (ts[:, None] - offsets[None, :]).reshape(-1)
    # never before the previous bar's close (irregular or overlapping bars)
    prev_close = np.concatenate([[np.iinfo(np.int64).min], ts[:-1]])
    floor = np.repeat(prev_close, 4)
    times = np.maximum(times, floor)
    times = np.maximum.accumulate(times) if n else times
    inc = instrument.price_increment.raw
    size_inc = instrument.size_increment.raw
    vol = arr["volume"].astype(np.uint64)
    size = np.maximum(vol, np.uint64(size_inc))
    sizes = np.repeat(size, 4)
    out = np.zeros(4 * n, dtype=QUOTE_DTYPE)
    out["bid_price"] = prices
    out["ask_price"] = prices + spread_ticks * inc
    out["bid_size"] = sizes
    out["ask_size"] = sizes
    out["ts_event"] = times
    out["ts_init"] = times
    return QuoteBatch(
        out,
        instrument_id=instrument.id,
        price_precision=batch.price_precision,
        size_precision=instrument.size_precision,
    )
