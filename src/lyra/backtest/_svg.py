"""Inline SVG charts for the HTML report: equity lines over a drawdown panel.

The markup is plain SVG 1.1 text (no script), styled by the page's CSS classes, with every
label escaped. Curves are downsampled to at most four points per horizontal unit first, so
the file stays small whatever the curve's length.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from lyra.backtest._report_chart import (
    Ticks,
    downsample,
    drawdown,
    drawdown_floor,
    time_ticks,
    value_ticks,
)

__all__ = ("Line", "chart_svg")

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]

_CHAR_W: Final = 7.0
"""Estimated width of one label character at the 12px label size (digits are tabular)."""
_FONT: Final = 12


@dataclass(frozen=True, slots=True)
class Line:
    """One curve to draw: its legend label, CSS color, and finite samples in time order."""

    label: str
    color: str
    ts: _I64
    values: _F64


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _points(xs: _F64, ys: _F64) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True))


class _Frame:
    """A plot rectangle and the linear maps from data to it."""

    def __init__(self, x: float, y: float, w: float, h: float, times: Ticks, values: Ticks):
        self.x, self.y, self.w, self.h = x, y, w, h
        self.times, self.values = times, values

    def px(self, t: _F64) -> _F64:
        out: _F64 = self.x + (t - self.times.lo) / (self.times.hi - self.times.lo) * self.w
        return out

    def py(self, v: _F64) -> _F64:
        out: _F64 = self.y + (self.values.hi - v) / (self.values.hi - self.values.lo) * self.h
        return out

    def x_of(self, t: float) -> float:
        return self.x + (t - self.times.lo) / (self.times.hi - self.times.lo) * self.w

    def y_of(self, v: float) -> float:
        return self.y + (self.values.hi - v) / (self.values.hi - self.values.lo) * self.h

    def grid(self, parts: list[str], *, x_labels: bool) -> None:
        x0, x1, y0, y1 = self.x, self.x + self.w, self.y, self.y + self.h
        parts.append(
            f'<rect class="frame" x="{x0:.1f}" y="{y0:.1f}" '
            f'width="{self.w:.1f}" height="{self.h:.1f}"/>'
        )
        for v, label in zip(self.values.values, self.values.labels, strict=True):
            y = self.y_of(v)
            parts.append(
                f'<line class="grid" x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}"/>'
            )
            parts.append(
                f'<text class="tick" x="{x0 - 6:.1f}" y="{y + 4:.1f}" '
                f'text-anchor="end">{_e(label)}</text>'
            )
        for t, label in zip(self.times.values, self.times.labels, strict=True):
            x = self.x_of(t)
            parts.append(
                f'<line class="grid" x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}"/>'
            )
            if x_labels:
                half = len(label) * _CHAR_W / 2
                anchor_x = min(max(x, x0 - 8 + half), x1 + 8 - half)
                parts.append(
                    f'<text class="tick" x="{anchor_x:.1f}" y="{y1 + 17:.1f}" '
                    f'text-anchor="middle">{_e(label)}</text>'
                )


def _curve(
    parts: list[str],
    frame: _Frame,
    ts: _I64,
    values: _F64,
    *,
    color: str,
    label: str,
    width: float,
    area_to: float | None,
) -> None:
    if ts.size == 0:
        return
    xs = frame.px(ts.astype(np.float64))
    ys = frame.py(values)
    title = f"<title>{_e(label)}</title>"
    if ts.size == 1:
        parts.append(
            f'<circle cx="{xs[0]:.1f}" cy="{ys[0]:.1f}" r="{width + 2:.1f}" '
            f'fill="{_e(color)}">{title}</circle>'
        )
        return
    pts = _points(xs, ys)
    if area_to is not None:
        base = min(max(area_to, frame.y), frame.y + frame.h)
        parts.append(
            f'<polygon class="area" fill="{_e(color)}" points="{xs[0]:.1f},{base:.1f} {pts} '
            f'{xs[-1]:.1f},{base:.1f}"/>'
        )
    parts.append(
        f'<polyline class="curve" stroke="{_e(color)}" stroke-width="{width:g}" '
        f'points="{pts}">{title}</polyline>'
    )


def chart_svg(
    lines: Sequence[Line],
    *,
    t_lo: int,
    t_hi: int,
    caption: str,
    loss_color: str = "#dc2626",
    width: int = 960,
    height: int = 400,
) -> str:
    """Equity lines over a drawdown panel sharing the time axis ``t_lo .. t_hi``.

    With one line its areas are shaded (equity in its color, drawdown in ``loss_color``);
    with several, each line's drawdown is a thin line of the same color.
    """
    drawn = [ln for ln in lines if ln.ts.size]
    top, gap, bottom, right = 10.0, 30.0, 26.0, 18.0
    avail = height - top - gap - bottom
    eq_h, dd_h = round(avail * 0.68), avail - round(avail * 0.68)
    dds = [drawdown(ln.values) for ln in drawn]
    if drawn:
        lo = min(float(ln.values.min()) for ln in drawn)
        hi = max(float(ln.values.max()) for ln in drawn)
        worst = min(float(dd.min()) for dd in dds)
        eq_ticks = value_ticks(lo, hi, max(2, int(eq_h // 45)))
        dd_ticks = value_ticks(drawdown_floor(worst), 0.0, max(1, int(dd_h // 35)), percent=True)
    else:
        eq_ticks = value_ticks(0.0, 1.0, 2)
        dd_ticks = value_ticks(-0.01, 0.0, 1, percent=True)
    longest = max(len(s) for s in (*eq_ticks.labels, *dd_ticks.labels))
    left = 14.0 + longest * _CHAR_W
    plot_w = width - left - right
    no_times = Ticks(0.0, 1.0, (), ())
    times = time_ticks(t_lo, t_hi, max(1, int(plot_w // 110))) if drawn else no_times
    eq = _Frame(left, top, plot_w, eq_h, times, eq_ticks)
    dd = _Frame(left, top + eq_h + gap, plot_w, dd_h, times, dd_ticks)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(caption)}" font-size="{_FONT}">'
    ]
    eq.grid(parts, x_labels=False)
    dd.grid(parts, x_labels=True)
    parts.append(
        f'<text class="caption" x="{left:.1f}" y="{top + eq_h + gap - 8:.1f}">Drawdown</text>'
    )
    if not drawn:
        parts.append(
            f'<text class="caption" x="{left + plot_w / 2:.1f}" y="{top + eq_h / 2:.1f}" '
            f'text-anchor="middle">No equity data</text>'
        )
    # two samples per unit of width: sharp at the usual display scale, half the bytes
    columns = max(1, math.ceil(plot_w / 2))
    shade = len(drawn) == 1
    span = t_hi - t_lo
    for ln, ddv in zip(drawn, dds, strict=True):
        rel = ln.ts - t_lo
        t_a, v_a = downsample(rel, ln.values, columns, 0, span)
        t_b, v_b = downsample(rel, ddv, columns, 0, span)
        t_a, t_b = t_a + t_lo, t_b + t_lo
        _curve(
            parts,
            eq,
            t_a,
            v_a,
            color=ln.color,
            label=ln.label,
            width=2.0 if shade else 1.5,
            area_to=eq.y + eq.h if shade else None,
        )
        _curve(
            parts,
            dd,
            t_b,
            v_b,
            color=loss_color if shade else ln.color,
            label=f"{ln.label} drawdown",
            width=1.0,
            area_to=dd.y_of(0.0) if shade else None,
        )
    parts.append("</svg>")
    return "".join(parts)
