"""A PNG equity chart drawn with NumPy alone: a small raster canvas, line and area
rasterization with supersampled anti-aliasing, bitmap-font labels, and a PNG encoder
(zlib + struct). No plotting library is involved, so the bytes depend only on the input."""

from __future__ import annotations

import math
import struct
import zlib
from typing import Final

import numpy as np
import numpy.typing as npt

from lyra.backtest import _font
from lyra.backtest._report_chart import (
    Ticks,
    downsample,
    drawdown,
    drawdown_floor,
    time_ticks,
    value_ticks,
)

__all__ = ("Canvas", "encode_png", "render_equity_png")

_U8 = npt.NDArray[np.uint8]
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_Mask = npt.NDArray[np.bool_]
Color = tuple[int, int, int]

_SS: Final = 3
"""Supersampling factor of the plot areas: lines are drawn 3x larger, then averaged down."""

WHITE: Final[Color] = (255, 255, 255)
TEXT: Final[Color] = (31, 41, 55)
MUTED: Final[Color] = (107, 114, 128)
GRID: Final[Color] = (229, 231, 235)
FRAME: Final[Color] = (209, 213, 219)
EQUITY: Final[Color] = (37, 99, 235)
LOSS: Final[Color] = (220, 38, 38)
GAIN: Final[Color] = (22, 163, 74)


def encode_png(rgb: _U8) -> bytes:
    """Encode an ``(height, width, 3)`` ``uint8`` image as an 8-bit RGB PNG.

    Every row uses the "Up" filter (the difference from the row above), which turns a
    chart's long vertical runs of equal pixels into zeros that deflate well.
    """
    height, width, _ = rgb.shape
    raw = np.ascontiguousarray(rgb).reshape(height, width * 3)
    rows = np.empty((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = 2
    rows[0, 1:] = raw[0]
    rows[1:, 1:] = raw[1:] - raw[:-1]  # uint8 arithmetic wraps modulo 256, as PNG wants

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)),
            chunk(b"IEND", b""),
        )
    )


class Canvas:
    """An RGB raster with clipped drawing operations; ``pixels`` is ``(height, width, 3)``."""

    __slots__ = ("height", "pixels", "width")

    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels: _U8 = np.empty((height, width, 3), dtype=np.uint8)
        self.pixels[:] = background

    def fill_rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Paint the pixels ``x0 <= x < x1``, ``y0 <= y < y1``."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 < x1 and y0 < y1:
            self.pixels[y0:y1, x0:x1] = color

    def paint(self, mask: _Mask, color: Color, alpha: float = 1.0) -> None:
        """Paint (or blend, with ``alpha < 1``) ``color`` where a canvas-sized mask is set."""
        if alpha >= 1.0:
            self.pixels[mask] = color
            return
        under = self.pixels[mask].astype(np.float64)
        blended = under * (1.0 - alpha) + np.asarray(color, dtype=np.float64) * alpha
        self.pixels[mask] = np.rint(blended).astype(np.uint8)

    def blit(self, mask: _Mask, x: int, y: int, color: Color) -> None:
        """Paint ``color`` where a small mask is set, its top-left corner at ``(x, y)``."""
        h, w = mask.shape
        sx0, sy0 = max(0, -x), max(0, -y)
        sx1, sy1 = min(w, self.width - x), min(h, self.height - y)
        if sx0 >= sx1 or sy0 >= sy1:
            return
        target = self.pixels[y + sy0 : y + sy1, x + sx0 : x + sx1]
        target[mask[sy0:sy1, sx0:sx1]] = color

    def text(
        self, x: int, y: int, text: str, color: Color, scale: int = 1, align: str = "left"
    ) -> None:
        """Draw a line of text with its cell's top at ``y``; ``align`` is about ``x``."""
        mask = _font.text_mask(text, scale)
        if align == "right":
            x -= mask.shape[1]
        elif align == "center":
            x -= mask.shape[1] // 2
        self.blit(mask, x, y, color)

    def place(self, image: _U8, x: int, y: int) -> None:
        """Copy an image onto the canvas with its top-left corner at ``(x, y)``."""
        h, w, _ = image.shape
        self.pixels[y : y + h, x : x + w] = image


def _line_mask(xs: _F64, ys: _F64, width: int, height: int, thickness: int) -> _Mask:
    """The pixels of a polyline through ``(xs, ys)``, ``thickness`` pixels wide."""
    mask = np.zeros((height, width), dtype=np.bool_)
    if xs.size == 0:
        return mask
    if xs.size == 1:
        px, py = np.rint(xs).astype(np.int64), np.rint(ys).astype(np.int64)
        thickness *= 3  # a lone sample is drawn as a dot that can be seen
    else:
        dx, dy = np.diff(xs), np.diff(ys)
        steps = np.ceil(np.maximum(np.abs(dx), np.abs(dy))).astype(np.int64) + 1
        seg = np.repeat(np.arange(steps.size), steps)
        offset = np.arange(seg.size) - np.repeat(np.cumsum(steps) - steps, steps)
        t = offset / np.maximum(steps[seg] - 1, 1)
        px = np.rint(xs[:-1][seg] + t * dx[seg]).astype(np.int64)
        py = np.rint(ys[:-1][seg] + t * dy[seg]).astype(np.int64)
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    mask[py[inside], px[inside]] = True
    return _dilate(mask, thickness)


def _dilate(mask: _Mask, size: int) -> _Mask:
    if size <= 1:
        return mask
    before = (size - 1) // 2
    h, w = mask.shape
    padded = np.zeros((h + size - 1, w + size - 1), dtype=np.bool_)
    padded[before : before + h, before : before + w] = mask
    wide = np.zeros((h + size - 1, w), dtype=np.bool_)
    for k in range(size):
        wide |= padded[:, k : k + w]
    out = np.zeros((h, w), dtype=np.bool_)
    for k in range(size):
        out |= wide[k : k + h]
    return out


def _column_extent(xs: _F64, ys: _F64, width: int, deepest: bool) -> tuple[_F64, int, int]:
    """Per pixel column, the curve's y (the topmost or the deepest point in the column)."""
    lo = max(0, math.ceil(float(xs[0])))
    hi = min(width - 1, math.floor(float(xs[-1])))
    cols = np.arange(width, dtype=np.float64)
    y = np.interp(cols, xs, ys)
    at = np.rint(xs).astype(np.int64)
    ok = (at >= 0) & (at < width)
    if deepest:
        np.maximum.at(y, at[ok], ys[ok])
    else:
        np.minimum.at(y, at[ok], ys[ok])
    return y, lo, hi


def _area_mask(xs: _F64, ys: _F64, base: float, width: int, height: int, deepest: bool) -> _Mask:
    """The pixels between a curve and the horizontal line ``y = base``."""
    mask = np.zeros((height, width), dtype=np.bool_)
    if xs.size < 2:
        return mask
    y, lo, hi = _column_extent(xs, ys, width, deepest)
    rows = np.arange(height, dtype=np.float64)[:, None]
    top = np.minimum(y, base)[None, :]
    bottom = np.maximum(y, base)[None, :]
    mask[:] = (rows >= top) & (rows <= bottom)
    mask[:, :lo] = False
    mask[:, hi + 1 :] = False
    return mask


class _Panel:
    """One plot area: pixel rectangle plus the data ranges mapped onto it."""

    def __init__(
        self, x: int, y: int, w: int, h: int, inset: int, times: Ticks, values: Ticks
    ) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h
        # data stays `inset` pixels inside the frame, so a line on the range's edge shows whole
        self.inset = inset * _SS
        self.times = times
        self.values = values

    def px(self, t: _F64 | float) -> _F64:
        """A time as a column of the supersampled grid (continuous)."""
        span = self.times.hi - self.times.lo
        frac = (np.asarray(t, dtype=np.float64) - self.times.lo) / span
        out: _F64 = self.inset + frac * (self.w * _SS - 1 - 2 * self.inset)
        return out

    def py(self, v: _F64 | float) -> _F64:
        """A value as a row of the supersampled grid (continuous)."""
        span = self.values.hi - self.values.lo
        frac = (self.values.hi - np.asarray(v, dtype=np.float64)) / span
        out: _F64 = self.inset + frac * (self.h * _SS - 1 - 2 * self.inset)
        return out

    def render(
        self,
        ts: _F64,
        values: _F64,
        line: Color,
        fill_alpha: float,
        fill_to: float | None,
        deepest: bool,
        thickness: int,
    ) -> _U8:
        """The panel's pixels: grid, area fill, then the line, anti-aliased."""
        w, h = self.w * _SS, self.h * _SS
        big = Canvas(w, h)
        for v in self.values.values:
            row = round(float(self.py(v)))
            big.fill_rect(0, row - 1, w, row + 2, GRID)
        for t in self.times.values:
            col = round(float(self.px(t)))
            big.fill_rect(col - 1, 0, col + 2, h, GRID)
        xs, ys = self.px(ts), self.py(values)
        if fill_to is not None and xs.size > 1:
            base = min(max(float(self.py(fill_to)), 0.0), float(h - 1))
            big.paint(_area_mask(xs, ys, base, w, h, deepest), line, fill_alpha)
        big.paint(_line_mask(xs, ys, w, h, thickness), line)
        pooled = big.pixels.reshape(self.h, _SS, self.w, _SS, 3).astype(np.uint16)
        # + half the divisor rounds to nearest
        out: _U8 = ((pooled.sum(axis=(1, 3)) + _SS * _SS // 2) // (_SS * _SS)).astype(np.uint8)
        return out


def _fit(text: str, max_px: int, scale: int) -> str:
    room = max(0, (max_px // scale + 1) // _font.ADVANCE)
    if len(text) <= room:
        return text
    return text[: max(0, room - 3)] + "..." if room >= 3 else ""


def render_equity_png(
    ts_ns: _I64,
    equity: _F64,
    *,
    width: int,
    height: int,
    title: str,
    currency: str,
    headline: str,
) -> bytes:
    """An equity line chart over a shaded drawdown panel, as PNG bytes.

    ``ts_ns`` / ``equity`` hold finite samples in time order; ``headline`` is drawn at the
    top right (e.g. the last equity and the total return).
    """
    scale = 2 if width >= 800 and height >= 360 else 1
    line_h = _font.HEIGHT * scale
    pad = 8 * scale
    top = pad + line_h + pad
    bottom = pad // 2 + line_h + pad
    right = 12 * scale + pad
    avail = height - top - bottom
    gap = line_h + pad  # room for the drawdown panel's caption
    eq_h = max(8, round((avail - gap) * 0.68))
    dd_h = max(8, avail - gap - eq_h)
    canvas = Canvas(width, height)

    if ts_ns.size:
        t_lo, t_hi = int(ts_ns[0]), int(ts_ns[-1])
        eq_ticks = value_ticks(
            float(equity.min()), float(equity.max()), max(2, eq_h // (28 * scale))
        )
        dd = drawdown(equity)
        dd_ticks = value_ticks(
            drawdown_floor(float(dd.min())), 0.0, max(1, dd_h // (24 * scale)), percent=True
        )
    else:
        t_lo = t_hi = 0
        eq_ticks = value_ticks(0.0, 1.0, 2)
        dd_ticks = value_ticks(-0.01, 0.0, 1, percent=True)
        dd = equity
    label_w = max(_font.text_width(s, scale) for s in (*eq_ticks.labels, *dd_ticks.labels))
    left = pad + label_w + pad
    plot_w = max(8, width - left - right)
    times = time_ticks(
        t_lo, t_hi, max(1, plot_w // (_font.text_width("0000-00-00", scale) + 24 * scale))
    )
    if not ts_ns.size:
        times = Ticks(0.0, 1.0, (), ())
    inset = 3 * scale
    eq_panel = _Panel(left, top, plot_w, eq_h, inset, times, eq_ticks)
    dd_panel = _Panel(left, top + eq_h + gap, plot_w, dd_h, inset, times, dd_ticks)

    if ts_ns.size:
        rel = ts_ns - t_lo  # exact int offsets before going to float
        base = float(t_lo)
        t_eq, v_eq = downsample(rel, equity, plot_w * _SS, 0, t_hi - t_lo)
        t_dd, v_dd = downsample(rel, dd, plot_w * _SS, 0, t_hi - t_lo)
        eq_img = eq_panel.render(
            t_eq.astype(np.float64) + base, v_eq, EQUITY, 0.10, eq_ticks.lo, False, 2 * _SS
        )
        dd_img = dd_panel.render(t_dd.astype(np.float64) + base, v_dd, LOSS, 0.25, 0.0, True, _SS)
    else:
        empty = np.empty(0, dtype=np.float64)
        eq_img = eq_panel.render(empty, empty, EQUITY, 0.0, None, False, 1)
        dd_img = dd_panel.render(empty, empty, LOSS, 0.0, None, True, 1)
    canvas.place(eq_img, eq_panel.x, eq_panel.y)
    canvas.place(dd_img, dd_panel.x, dd_panel.y)
    for panel in (eq_panel, dd_panel):
        x0, y0, x1, y1 = panel.x - 1, panel.y - 1, panel.x + panel.w, panel.y + panel.h
        canvas.fill_rect(x0, y0, x1 + 1, y0 + 1, FRAME)
        canvas.fill_rect(x0, y1, x1 + 1, y1 + 1, FRAME)
        canvas.fill_rect(x0, y0, x0 + 1, y1 + 1, FRAME)
        canvas.fill_rect(x1, y0, x1 + 1, y1 + 1, FRAME)
        cap = _font.HEIGHT - 2  # center on the cap height, not the descenders
        for v, label in zip(panel.values.values, panel.values.labels, strict=True):
            row = panel.y + round(float(panel.py(v)) / _SS)
            canvas.text(panel.x - pad, row - cap * scale // 2, label, MUTED, scale, "right")
    label_y = dd_panel.y + dd_panel.h + pad // 2 + scale
    for t, label in zip(times.values, times.labels, strict=True):
        col = left + round(float(eq_panel.px(t)) / _SS)
        half = _font.text_width(label, scale) // 2
        col = min(max(col, half), width - half - 1)
        canvas.text(col, label_y, label, MUTED, scale, "center")
    canvas.text(dd_panel.x, dd_panel.y - gap + pad // 2 + scale, "Drawdown", MUTED, scale)
    if not ts_ns.size:
        mid = eq_panel.y + eq_panel.h // 2 - line_h // 2
        canvas.text(left + plot_w // 2, mid, "No data", MUTED, scale, "center")

    head_w = _font.text_width(headline, scale)
    canvas.text(width - right, pad, headline, TEXT, scale, "right")
    suffix = f" ({currency})" if currency else ""
    room = width - right - head_w - 3 * pad - left
    canvas.text(left, pad, _fit(title + suffix, room, scale), TEXT, scale)
    return encode_png(canvas.pixels)
