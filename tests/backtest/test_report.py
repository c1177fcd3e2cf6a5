"""lyra.backtest.report: a valid PNG that draws what the data says, well-formed and escaped
HTML with human figures, row limits, downsampling that keeps the extremes, determinism."""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import msgspec
import numpy as np
import numpy.typing as npt
import pytest

from lyra.backtest import _font
from lyra.backtest._report_chart import downsample, drawdown, time_ticks, value_ticks
from lyra.backtest._report_fmt import (
    fmt_duration,
    fmt_float,
    fmt_money,
    fmt_num,
    fmt_pct,
    fmt_signed_pct,
    fmt_time,
    fmt_value,
)
from lyra.backtest.records import FillRecord, OrderRecord, PositionRecord
from lyra.backtest.report import (
    ReportFiles,
    ReportSource,
    render_html,
    render_png,
    write_report,
)
from lyra.backtest.stats import DAY_NS, PerformanceSummary, summarize
from lyra.errors import InvalidInput

T0 = 1_704_067_200_000_000_000  # 2024-01-01 00:00:00 UTC
HOUR = 3_600_000_000_000
NAN = float("nan")
INF = float("inf")

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]


# -- a stand-in result -------------------------------------------------------------------


@dataclass
class FakeResult:
    title: str = "Test run"
    base_currency: str = "USD"
    equity_ts_ns: _I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    equity: _F64 = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    equity_by: Mapping[str, tuple[_I64, _F64]] = field(default_factory=dict)
    summary: PerformanceSummary = field(default_factory=lambda: summarize([], []))
    summaries: Mapping[str, PerformanceSummary] = field(default_factory=dict)
    fills: Sequence[FillRecord] = ()
    orders: Sequence[OrderRecord] = ()
    positions: Sequence[PositionRecord] = ()
    info: Mapping[str, str | int | float] = field(default_factory=dict)


def _fill(i: int, *, strategy: str = "EMA-1", ts: int = T0) -> FillRecord:
    return FillRecord(
        ts_ns=ts + i * HOUR,
        venue="BINANCE",
        account_id="A-1",
        strategy_id=strategy,
        instrument_id="BTCUSDT.BINANCE",
        client_order_id=f"O-{i}",
        venue_order_id=f"V-{i}",
        trade_id=f"T-{i}",
        side="BUY" if i % 2 else "SELL",
        quantity="0.010",
        price="42000.50",
        commission="0.42",
        commission_currency="USDT",
        liquidity="TAKER",
        notional=420.005,
    )


def _order(i: int) -> OrderRecord:
    return OrderRecord(
        ts_init=T0 + i * HOUR,
        ts_last=T0 + i * HOUR + 1_000_000,
        venue="BINANCE",
        account_id="A-1",
        strategy_id="EMA-1",
        instrument_id="BTCUSDT.BINANCE",
        client_order_id=f"O-{i}",
        side="BUY",
        order_type="LIMIT",
        time_in_force="GTC",
        quantity="0.010",
        price="42000.00",
        trigger_price=None,
        status="FILLED",
        filled_qty="0.010",
        avg_px="42000.00",
    )


def _position() -> PositionRecord:
    return PositionRecord(
        venue="BINANCE",
        account_id="A-1",
        instrument_id="BTCUSDT.BINANCE",
        side="LONG",
        quantity="0.030",
        avg_px_open="42001.50",
        realized_pnl=1234.5,
        unrealized_pnl=-12.25,
        currency="USDT",
    )


def _result(n: int = 500, *, fills: int = 3, seed: int = 1) -> FakeResult:
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR
    a = 60_000.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.004, n)))
    b = 40_000.0 * np.exp(np.cumsum(rng.normal(0.0001, 0.003, n)))
    eq = a + b
    by = {
        "venue:BINANCE": (ts, a),
        "venue:OKX": (ts, b),
        "strategy:EMA-1": (ts, eq * 0.6),
        "strategy:MM-2": (ts, eq * 0.4),
    }
    return FakeResult(
        title="EMA cross",
        base_currency="USD",
        equity_ts_ns=ts,
        equity=eq,
        equity_by=by,
        summary=summarize(ts, eq, trade_pnls=[10.0, -5.0, 7.5]),
        summaries={k: summarize(t, v) for k, (t, v) in by.items()},
        fills=[_fill(i) for i in range(fills)],
        orders=[_order(i) for i in range(fills)],
        positions=[_position()],
        info={
            "data_rows": 1_234_567,
            "wall_seconds": 2.5,
            "seed": "42",
            "start_ns": T0,
            "warmup_ns": 2 * HOUR,
        },
    )


def _summary(**changes: float | int) -> PerformanceSummary:
    base = PerformanceSummary(
        start_ns=T0,
        end_ns=T0 + 10 * DAY_NS,
        start_equity=100_000.0,
        end_equity=112_340.0,
        total_return=0.1234,
        annualized_return=2.5,
        sharpe_ratio=1.2345,
        sortino_ratio=2.0,
        max_drawdown=0.0525,
        max_drawdown_amount=5_432.1,
        max_drawdown_duration_ns=3 * DAY_NS + 4 * HOUR,
        trade_count=1_234,
        win_rate=0.6,
        profit_factor=1.75,
        turnover=2.5,
        fees_paid=1_234.5,
        exposure=0.42,
    )
    return msgspec.structs.replace(base, **changes)


# -- a stdlib-only PNG decoder -----------------------------------------------------------


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> npt.NDArray[np.uint8]:
    """Decode an 8-bit RGB, non-interlaced PNG, checking the structure and every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds, idat, header = 8, [], b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        kinds.append(kind)
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert pos == len(data)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height, depth, color, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", header
    )
    assert (depth, color, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(idat)
    stride = width * 3
    assert len(raw) == height * (stride + 1)
    out = bytearray(height * stride)
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 2:
            line = bytearray((v + u) & 0xFF for v, u in zip(line, prev, strict=True))
        elif kind != 0:
            for i in range(stride):
                left = line[i - 3] if i >= 3 else 0
                up, corner = prev[i], (prev[i - 3] if i >= 3 else 0)
                pred = {1: left, 3: (left + up) // 2, 4: _paeth(left, up, corner)}[kind]
                line[i] = (line[i] + pred) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(height, width, 3)


def _blue(img: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Pixels of the equity line (strong blue), not its pale area fill."""
    r, g, b = (img[..., k].astype(int) for k in range(3))
    out: npt.NDArray[np.bool_] = (b > 180) & (r < 120) & (b - g > 60)
    return out


def _red(img: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Pixels of the drawdown panel's line or fill (reddish)."""
    r, g, b = (img[..., k].astype(int) for k in range(3))
    out: npt.NDArray[np.bool_] = (r - g > 25) & (r - b > 25)
    return out


# -- PNG ---------------------------------------------------------------------------------


def test_png_is_a_valid_image_of_the_asked_size() -> None:
    ts = T0 + np.arange(100, dtype=np.int64) * HOUR
    img = decode_png(render_png(ts, np.linspace(100.0, 120.0, 100), width=640, height=300))
    assert img.shape == (300, 640, 3)
    assert (img[0, 0] == 255).all()  # white background


@pytest.mark.parametrize("rising", [True, False])
def test_png_line_goes_where_the_data_goes(rising: bool) -> None:
    ts = T0 + np.arange(200, dtype=np.int64) * HOUR
    eq = np.linspace(100.0, 200.0, 200)
    img = decode_png(render_png(ts, eq if rising else eq[::-1], width=800, height=400))
    rows, cols = np.nonzero(_blue(img))
    assert cols.size > 0
    left_row = rows[cols == cols.min()].mean()
    right_row = rows[cols == cols.max()].mean()
    # rows grow downwards: a rising curve ends higher up, i.e. at a smaller row
    assert (right_row < left_row - 100) if rising else (right_row > left_row + 100)
    assert cols.max() - cols.min() > 600  # the line spans the plot's width


def test_png_shades_the_drawdown_only_when_there_is_one() -> None:
    ts = T0 + np.arange(100, dtype=np.int64) * HOUR
    rising = decode_png(render_png(ts, np.linspace(100.0, 120.0, 100)))
    falls = np.concatenate([np.linspace(100, 130, 40), np.linspace(130, 90, 30), [95] * 30])
    falling = decode_png(render_png(ts, falls))
    lower = slice(falling.shape[0] * 2 // 3, None)
    assert _red(falling[lower]).sum() > 5 * max(1, _red(rising[lower]).sum())


def test_png_keeps_a_one_sample_spike_in_a_long_curve() -> None:
    n = 300_000
    ts = T0 + np.arange(n, dtype=np.int64) * 1_000_000_000
    eq = np.full(n, 100.0)
    eq[n // 2] = 150.0
    img = decode_png(render_png(ts, eq, width=600, height=300))
    rows, cols = np.nonzero(_blue(img))
    top = rows.min()
    peak_cols = cols[rows == top]
    middle = (cols.min() + cols.max()) / 2
    assert abs(peak_cols.mean() - middle) < 5
    assert rows.max() - top > 100  # the spike stands far above the flat line


def test_png_empty_and_single_point_curves() -> None:
    empty = decode_png(render_png(np.empty(0, np.int64), np.empty(0), width=400, height=200))
    assert empty.shape == (200, 400, 3)
    assert not _blue(empty).any()
    one = decode_png(render_png(np.array([T0]), np.array([100.0]), width=400, height=200))
    _, cols = np.nonzero(_blue(one))
    assert cols.size > 0
    assert abs(cols.mean() - 200) < 40  # a lone sample sits mid-plot


def test_png_draws_the_title_and_headline() -> None:
    def ink(title: str, eq: list[float]) -> tuple[int, int]:
        ts = T0 + np.arange(len(eq), dtype=np.int64) * HOUR
        img = decode_png(render_png(ts, eq, width=800, height=400, title=title))
        band = img[:30].astype(int).sum(axis=2) < 300  # dark text in the title row
        return int(band[:, :400].sum()), int(band[:, 400:].sum())

    assert ink("", []) == (0, 0)
    left, right = ink("Equity", [1.0, 2.0])
    assert left > 50 and right > 50  # the title at the left, "Last 2.00  +100.00%" right


def test_png_skips_non_finite_values() -> None:
    ts = T0 + np.arange(4, dtype=np.int64) * HOUR
    plain = render_png(ts[[0, 1, 3]], np.array([1.0, 2.0, 3.0]))
    holed = render_png(ts, np.array([1.0, 2.0, NAN, 3.0]))
    assert plain == holed


def test_png_is_deterministic() -> None:
    r = _result()
    assert render_png(r.equity_ts_ns, r.equity, title="x") == render_png(
        r.equity_ts_ns, r.equity, title="x"
    )


@pytest.mark.parametrize(("width", "height"), [(100, 300), (600, 50), (600.0, 300), (True, 300)])
def test_png_rejects_bad_sizes(width: object, height: object) -> None:
    with pytest.raises(InvalidInput):
        render_png([T0], [1.0], width=width, height=height)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ts", "eq"),
    [
        ([T0, T0 + 1], [1.0]),  # lengths differ
        ([T0 + 1, T0], [1.0, 2.0]),  # unsorted
        ([1.5, 2.5], [1.0, 2.0]),  # float timestamps
        ([[T0]], [[1.0]]),  # not 1-D
    ],
)
def test_malformed_curves_are_refused(ts: object, eq: object) -> None:
    with pytest.raises(InvalidInput):
        render_png(ts, eq)
    with pytest.raises(InvalidInput):
        render_html(FakeResult(equity_ts_ns=np.asarray(ts), equity=np.asarray(eq)))


# -- HTML --------------------------------------------------------------------------------

_VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr"}


class _Checker(HTMLParser):
    """Checks that tags balance, and collects the text a reader would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self._skip += 1
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _check(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert page.startswith("<!DOCTYPE html>")
    return checker


def _visible(page: str) -> str:
    return " ".join(_check(page).text)


def test_html_is_well_formed_and_self_contained() -> None:
    page = render_html(_result(fills=5))
    checker = _check(page)
    tags = {tag for tag, _ in checker.tags}
    assert {"html", "head", "body", "svg", "polyline", "table"} <= tags
    assert "script" not in tags and "link" not in tags and "img" not in tags
    urls = re.findall(r"https?://[^\"' )]+", page)
    assert set(urls) <= {"http://www.w3.org/2000/svg"}  # the SVG namespace, not a fetch


def test_html_shows_the_figures_formatted_for_people() -> None:
    r = replace(_result(), summary=_summary())
    text = _visible(render_html(r))
    for expected in (
        "+12.34%",  # total return
        "+250.00%",  # annualized return
        "1.23",  # Sharpe
        "-5.25%",  # max drawdown
        "5,432.10 USD",  # its amount
        "3d 4h",  # its duration
        "60.0%",  # win rate
        "1.75",  # profit factor
        "2.50\u00d7",  # turnover
        "1,234.50 USD",  # fees
        "42.0%",  # exposure
        "1,234",  # trades
        "100,000.00 \u2192 112,340.00 USD",
        "1,234,567",  # an int run fact
        "Data rows",  # its key, in words
        "2024-01-01 00:00:00",  # start_ns: a time
        "2h",  # warmup_ns: a duration
    ):
        assert expected in text, expected


def test_html_shows_undefined_and_infinite_statistics_as_symbols() -> None:
    s = _summary(sharpe_ratio=NAN, sortino_ratio=INF, profit_factor=INF, win_rate=NAN)
    r = replace(_result(), summary=s, summaries={"venue:X": s})
    text = _visible(render_html(r))
    assert "\u2014" in text and "\u221e" in text
    assert not re.search(r"\b(nan|inf|NaN|Infinity)\b", text)


def test_html_escapes_hostile_strings() -> None:
    evil = '<script>alert("x")</script>'
    r = _result(fills=0)
    r = replace(
        r,
        title=evil,
        base_currency='U"SD',
        fills=[_fill(0, strategy='"><img src=x onerror=alert(1)>')],
        equity_by={f"strategy:{evil}": (r.equity_ts_ns, r.equity)},
        summaries={f"strategy:{evil}": r.summary},
        info={evil: evil},
    )
    page = render_html(r)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;" in page
    checker = _check(page)
    assert 'alert("x")' in " ".join(checker.text)  # shown to the reader as text
    for _, attrs in checker.tags:  # and no attribute smuggled in
        assert not any(name.startswith("on") for name in attrs)


def test_html_handles_an_empty_result() -> None:
    page = render_html(FakeResult())
    text = _visible(page)
    assert "No equity data" in text
    assert "No fills." in text and "No orders." in text and "No positions." in text
    assert "No equity samples" in text


def test_html_handles_a_single_point_curve() -> None:
    ts, eq = np.array([T0]), np.array([100.0])
    r = FakeResult(equity_ts_ns=ts, equity=eq, summary=summarize(ts, eq))
    page = render_html(r)
    _check(page)
    assert "<circle" in page


def test_html_draws_one_chart_per_kind_of_group_with_a_legend() -> None:
    page = render_html(_result())
    assert page.count("<svg") == 3  # total, by strategy, by venue
    for key in ("venue:BINANCE", "venue:OKX", "strategy:EMA-1", "strategy:MM-2"):
        assert f"<title>{key}</title>" in page  # its equity line
        assert f"<title>{key} drawdown</title>" in page
        assert f'<li title="{key}">' in page  # its legend entry
    assert page.index("Equity by strategy") < page.index("Equity by venue")


def test_html_keeps_the_first_and_last_rows_of_long_tables() -> None:
    r = _result(fills=1_200)
    page = render_html(r, max_rows=10)
    text = _visible(page)
    assert "1,200 fills: showing the first 5 and the last 5; 1,190 omitted." in text
    shown = re.findall(r"<td>(T-\d+)</td>", page)
    assert shown == [f"T-{i}" for i in (0, 1, 2, 3, 4, 1195, 1196, 1197, 1198, 1199)]
    assert "\u2026 1,190 rows omitted \u2026" in text
    assert len(re.findall(r"<td>(O-\d+)</td>", page)) == 20  # orders and fills both cut
    assert "1 position." in text


def test_html_row_limit_zero_and_validation() -> None:
    page = render_html(_result(fills=3), max_rows=0)
    assert not re.findall(r"<td>(T-\d+)</td>", page)
    assert "3 fills: showing the first 0 and the last 0; 3 omitted." in _visible(page)
    for bad in (-1, 1.5, True):
        with pytest.raises(InvalidInput):
            render_html(_result(), max_rows=bad)  # type: ignore[arg-type]


def test_html_is_deterministic_whatever_the_mapping_order() -> None:
    r = _result()
    flipped = replace(
        r,
        equity_by=dict(reversed(list(r.equity_by.items()))),
        summaries=dict(reversed(list(r.summaries.items()))),
    )
    assert render_html(r) == render_html(r) == render_html(flipped)


def test_html_stays_small_for_a_long_curve() -> None:
    n = 1_000_000
    ts = T0 + np.arange(n, dtype=np.int64) * 1_000_000_000
    eq = 100.0 + np.sin(np.arange(n) / 5_000.0)
    eq[123_456] = 50.0  # one deep spike
    r = FakeResult(equity_ts_ns=ts, equity=eq, summary=summarize(ts, eq))
    page = render_html(r)
    assert len(page) < 150_000
    points = re.search(r'<polyline class="curve"[^>]*points="([^"]+)"', page)
    assert points is not None
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert len(ys) < 4_000
    low = max(ys)  # the spike is the lowest point: the largest y
    others = sorted(ys)[-2]
    assert low - others > 20  # it survived downsampling, well below the sine's trough


def test_fake_result_satisfies_the_protocol() -> None:
    assert isinstance(_result(), ReportSource)


# -- files -------------------------------------------------------------------------------


def test_write_report_into_a_directory(tmp_path: Path) -> None:
    r = _result()
    files = write_report(r, tmp_path / "out")
    assert files == ReportFiles(tmp_path / "out" / "report.html", tmp_path / "out" / "equity.png")
    assert files.html.read_text(encoding="utf-8") == render_html(r)
    assert files.png is not None
    assert files.png.read_bytes() == render_png(
        r.equity_ts_ns, r.equity, title=r.title, currency=r.base_currency
    )


def test_write_report_to_named_files(tmp_path: Path) -> None:
    r = _result()
    files = write_report(r, tmp_path / "a" / "run1.html")
    assert files == ReportFiles(tmp_path / "a" / "run1.html", tmp_path / "a" / "run1.png")
    assert files.png is not None and files.png.exists()
    only = write_report(r, tmp_path / "b", png=False)
    assert only.png is None and not (tmp_path / "b" / "equity.png").exists()
    elsewhere = write_report(r, tmp_path / "c.html", png=tmp_path / "img" / "curve.png")
    assert elsewhere.png == tmp_path / "img" / "curve.png"
    decode_png(elsewhere.png.read_bytes())


# -- pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_downsample_keeps_each_columns_extremes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 20_000 + seed * 1_000
    ts = np.sort(rng.integers(0, 10**12, n)).astype(np.int64)
    values = np.cumsum(rng.normal(size=n))
    values[rng.integers(0, n, 5)] += rng.normal(0, 100, 5)  # spikes
    columns = 97
    t, v = downsample(ts, values, columns, int(ts[0]), int(ts[-1]))
    assert v.max() == values.max() and v.min() == values.min()
    assert t.size <= 4 * columns
    assert (np.diff(t) >= 0).all()
    # a subset of the samples, in order
    index = np.searchsorted(ts, t, side="left")
    assert np.isin(v, values).all() and (np.diff(index) >= 0).all()
    span = int(ts[-1] - ts[0])
    col = np.minimum((ts - ts[0]).astype(float) * columns / span, columns - 1).astype(int)
    kept_col = np.minimum((t - ts[0]).astype(float) * columns / span, columns - 1).astype(int)
    for c in np.unique(col):
        mine = values[col == c]
        kept = v[kept_col == c]
        assert kept.max() == mine.max() and kept.min() == mine.min()
        assert kept[0] == mine[0] and kept[-1] == mine[-1]


def test_downsample_leaves_short_curves_and_handles_one_instant() -> None:
    ts = np.arange(10, dtype=np.int64)
    values = np.arange(10.0)
    t, v = downsample(ts, values, 5, 0, 9)
    assert (t == ts).all() and (v == values).all()
    same = np.zeros(100, dtype=np.int64)
    noise = np.random.default_rng(0).normal(size=100)
    t, v = downsample(same, noise, 3, 0, 0)
    assert v.size <= 4 and v.max() == noise.max() and v.min() == noise.min()


def test_drawdown() -> None:
    dd = drawdown(np.array([100.0, 110.0, 99.0, 121.0]))
    assert dd == pytest.approx([0.0, 0.0, -0.1, 0.0])
    assert drawdown(np.empty(0)).size == 0


def test_value_ticks_cover_the_range_with_round_steps() -> None:
    t = value_ticks(98_765.4, 112_345.6, 5)
    assert t.lo <= 98_765.4 and t.hi >= 112_345.6
    assert t.labels == ("95,000", "100,000", "105,000", "110,000", "115,000")
    assert value_ticks(-0.1234, 0.0, 3, percent=True).labels == ("-15%", "-10%", "-5%", "0%")
    assert value_ticks(2.5e6, 3.1e6, 5).labels[0] == "2.4M"
    flat = value_ticks(5.0, 5.0, 4)
    assert flat.lo < 5.0 < flat.hi


def test_time_ticks_fall_on_round_times() -> None:
    days = time_ticks(T0 + 123, T0 + 40 * DAY_NS, 8)
    assert days.labels[0] == "2024-01-08"  # weeks start on Mondays
    assert all(T0 <= v <= T0 + 40 * DAY_NS for v in days.values)
    hours = time_ticks(T0, T0 + 6 * HOUR, 6)
    assert hours.labels[:2] == ("00:00", "01:00")
    months = time_ticks(T0, T0 + 400 * DAY_NS, 6)
    assert months.labels[0] == "2024-01" and months.labels[1] == "2024-04"
    one = time_ticks(T0, T0, 5)
    assert one.values == (float(T0),) and one.lo < T0 < one.hi


def test_formatting() -> None:
    assert fmt_pct(0.1234) == "12.34%"
    assert fmt_signed_pct(0.1234) == "+12.34%" and fmt_signed_pct(-0.5) == "-50.00%"
    assert fmt_signed_pct(1e-7) == "0.00%" and fmt_signed_pct(INF) == "+\u221e"
    assert fmt_num(-0.001) == "0.00" and fmt_num(1234567.891) == "1,234,567.89"
    assert fmt_num(NAN) == "\u2014" and fmt_num(-INF) == "-\u221e"
    assert fmt_money(1234.5, "USD") == "1,234.50 USD" and fmt_money(NAN, "USD") == "\u2014"
    assert fmt_duration(3 * DAY_NS + 4 * HOUR + 59 * 60 * 10**9) == "3d 4h"
    assert fmt_duration(2 * HOUR) == "2h"
    assert fmt_duration(125 * 10**9) == "2m 5s"
    assert fmt_duration(5_200_000_000) == "5.2s"
    assert fmt_duration(850_000_000) == "850ms" and fmt_duration(0) == "0s"
    assert fmt_duration(400 * DAY_NS) == "400d"
    assert fmt_time(T0) == "2024-01-01 00:00:00"
    assert fmt_time(T0 + 250_000_000) == "2024-01-01 00:00:00.250"
    assert fmt_time(T0 + 1) == "2024-01-01 00:00:00.000000001"
    assert fmt_float(math.pi) == "3.1416" and fmt_float(12.0) == "12"
    assert fmt_value(True) == "yes" and fmt_value(1234) == "1,234" and fmt_value("a_b") == "a_b"
    assert fmt_value(288_748.354) == "288,748" and fmt_value(0.000123) == "0.000123"
    assert fmt_value(T0, "end_ns") == "2024-01-01 00:00:00" and fmt_value(HOUR, "x_ns") == "1h"


def test_font_glyphs_are_well_shaped() -> None:
    for char, rows in _font._GLYPHS.items():
        lines = rows.split("|")
        assert 7 <= len(lines) <= _font.HEIGHT, char
        assert all(len(line) == _font.WIDTH and set(line) <= {".", "#"} for line in lines), char
    assert (_font.glyph("\u2603") == _font.glyph("?")).all()  # no glyph: a question mark
    assert _font.text_mask("ab", 2).shape == (_font.HEIGHT * 2, _font.text_width("ab", 2))
