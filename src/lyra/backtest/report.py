"""Backtest reports: one self-contained HTML page and a PNG of the equity curve.

The report reads anything shaped like a backtest result -- the :class:`ReportSource`
protocol, which :class:`~lyra.backtest.BacktestResult` satisfies -- and shows it for people:

* a header with the run's facts (``info``) and the period covered;
* summary cards: total and annualized return, Sharpe and Sortino ratios, maximum drawdown
  and its duration, win rate, profit factor, turnover, fees, exposure, trade count;
* an equity chart over a shaded drawdown panel (inline SVG), then one chart per kind of
  group (``venue:...``, ``strategy:...``) with a line and a legend entry per group;
* statistics per group, then the positions, orders and fills tables (long tables show
  their first and last rows, with a note of how many were left out).

The page has no script and loads nothing from the network: CSS and charts are inline, so
the file can be mailed or archived as is. :func:`render_png` draws the equity and drawdown
chart as a PNG with NumPy alone (no plotting library). Output is deterministic: the same
result gives the same bytes, and long curves are downsampled to a few points per pixel
column (keeping every column's extremes) so a million-sample curve renders quickly.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

from lyra.backtest import _png
from lyra.backtest._report_chart import curve, finite_points
from lyra.backtest._report_fmt import (
    DASH,
    fmt_duration,
    fmt_int,
    fmt_money,
    fmt_num,
    fmt_pct,
    fmt_ratio,
    fmt_signed_pct,
    fmt_time,
    fmt_value,
)
from lyra.backtest._svg import Line, chart_svg
from lyra.backtest.records import FillRecord, OrderRecord, PositionRecord
from lyra.backtest.stats import PerformanceSummary
from lyra.errors import InvalidInput

__all__ = ("ReportFiles", "ReportSource", "render_html", "render_png", "write_report")

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_T = TypeVar("_T")

_PALETTE: Final = (
    "#2563eb",
    "#16a34a",
    "#d97706",
    "#9333ea",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#4b5563",
    "#ea580c",
    "#0d9488",
)
_LOSS: Final = "#dc2626"


@runtime_checkable
class ReportSource(Protocol):
    """What a report reads: a backtest result, or anything with these attributes.

    ``equity_ts_ns`` (``int64`` nanoseconds, non-decreasing) and ``equity`` (``float64``, in
    ``base_currency``) are the total equity curve, possibly empty. ``equity_by`` and
    ``summaries`` are keyed by group, ``"<kind>:<name>"`` such as ``"venue:BINANCE"`` or
    ``"strategy:EMA-1"``. ``info`` holds run facts for the header (data rows, wall seconds,
    seed, ...): text is shown as is, ints with thousands separators, floats compactly, and
    an int under a key ending in ``_ns`` as a UTC time (or as a duration when it is below
    ``10**17``, i.e. before 1973).
    """

    @property
    def title(self) -> str:
        """The report's heading."""
        ...

    @property
    def base_currency(self) -> str:
        """The currency the equity curves and money statistics are in."""
        ...

    @property
    def equity_ts_ns(self) -> npt.NDArray[np.int64]:
        """Timestamps of the total equity curve."""
        ...

    @property
    def equity(self) -> npt.NDArray[np.float64]:
        """Total equity at each timestamp."""
        ...

    @property
    def equity_by(self) -> Mapping[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
        """Per-group curves: ``{"venue:BINANCE": (ts_ns, equity), ...}``."""
        ...

    @property
    def summary(self) -> PerformanceSummary:
        """Statistics of the whole run."""
        ...

    @property
    def summaries(self) -> Mapping[str, PerformanceSummary]:
        """Statistics per group, keyed like :attr:`equity_by`."""
        ...

    @property
    def fills(self) -> Sequence[FillRecord]:
        """Every fill, in time order."""
        ...

    @property
    def orders(self) -> Sequence[OrderRecord]:
        """Every order's final state, in submission order."""
        ...

    @property
    def positions(self) -> Sequence[PositionRecord]:
        """Every position at the end of the run."""
        ...

    @property
    def info(self) -> Mapping[str, str | int | float]:
        """Facts about the run, shown in the header table, in mapping order."""
        ...


class ReportFiles(NamedTuple):
    """The files :func:`write_report` wrote."""

    html: Path
    """The HTML report."""
    png: Path | None
    """The equity PNG, or ``None`` when none was asked for."""


# -- PNG ---------------------------------------------------------------------------------


def render_png(
    ts_ns: Any,
    equity: Any,
    *,
    width: int = 1200,
    height: int = 500,
    title: str = "Equity",
    currency: str = "",
) -> bytes:
    """The equity curve over a shaded drawdown panel, as PNG bytes (8-bit RGB).

    ``ts_ns`` (integer nanoseconds, non-decreasing) and ``equity`` are one curve of the same
    length; it may be empty (an empty chart saying so) or a single point. Non-finite values
    are skipped. The title (with ``currency`` in brackets when given) is drawn top left, the
    last equity and the total return top right. ``width`` must be 160..8192 pixels and
    ``height`` 120..8192.
    """
    _size("width", width, 160)
    _size("height", height, 120)
    ts, eq = finite_points(*curve(ts_ns, equity, "equity"))
    headline = ""
    if eq.size:
        headline = f"Last {fmt_money(float(eq[-1]), currency)}"
        if eq[0] > 0:
            headline += f"  {fmt_signed_pct(float(eq[-1] / eq[0] - 1.0))}"
    return _png.render_equity_png(
        ts, eq, width=width, height=height, title=title, currency=currency, headline=headline
    )


def _size(field: str, value: int, least: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= 8192:
        raise InvalidInput(field, f"must be an int from {least} to 8192 pixels", value)


# -- HTML --------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _tone(x: float) -> str:
    if not math.isfinite(x) or x == 0:
        return ""
    return "pos" if x > 0 else "neg"


def _label(key: str) -> str:
    # "data_rows" reads better as "Data rows"; a key already in words stays as written
    text = key.removesuffix("_ns").replace("_", " ")
    return text[:1].upper() + text[1:]


_CSS: Final = """
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f5f6f8;--card:#fff;
--pos:#15803d;--neg:#b91c1c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px}
header{display:flex;flex-wrap:wrap;justify-content:space-between;gap:16px;margin-bottom:8px}
h1{font-size:24px;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:16px;margin:0 0 12px}
.sub{color:var(--muted);margin:0}
table.info{width:auto;font-size:13px}
table.info th{position:static;background:none;color:var(--muted);font-weight:normal}
table.info td,table.info th{padding:2px 8px;border:0;vertical-align:top}
table.info td{white-space:normal;max-width:520px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;
margin:16px 0 20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums;margin-top:2px}
.card .n{color:var(--muted);font-size:12px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:16px;margin:0 0 20px}
svg.chart{width:100%;height:auto;display:block;font-family:inherit}
svg .frame{fill:none;stroke:#d1d5db}
svg .grid{stroke:#eef0f3}
svg .tick{fill:var(--muted);font-variant-numeric:tabular-nums}
svg .caption{fill:var(--muted)}
svg .curve{fill:none;stroke-linejoin:round;stroke-linecap:round}
svg .area{opacity:.14;stroke:none}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 8px;padding:0;
font-size:13px}
.sw{display:inline-block;width:16px;height:4px;border-radius:2px;vertical-align:middle;
margin-right:6px}
.scroll{overflow:auto;max-height:600px;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{position:sticky;top:0;background:#f3f4f6;font-weight:600;z-index:1}
.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}
.pos,.BUY,.LONG{color:var(--pos)}
.neg,.SELL,.SHORT{color:var(--neg)}
table.stats tbody tr:first-child td{font-weight:600}
tr.gap td{text-align:center;color:var(--muted);font-style:italic}
p.note{color:var(--muted);font-size:13px;margin:0 0 8px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:4px}
@media print{body{background:#fff}section,.card{break-inside:avoid}.scroll{max-height:none}}
"""


def _cards(s: PerformanceSummary, ccy: str, fills: int, orders: int) -> str:
    elapsed = s.end_ns - s.start_ns
    cards = (
        (
            "Total return",
            fmt_signed_pct(s.total_return),
            _tone(s.total_return),
            f"{fmt_num(s.start_equity)} \u2192 {fmt_money(s.end_equity, ccy)}",
        ),
        (
            "Annualized return",
            fmt_signed_pct(s.annualized_return),
            _tone(s.annualized_return),
            f"over {fmt_duration(elapsed)}",
        ),
        ("Sharpe ratio", fmt_ratio(s.sharpe_ratio), "", "annualized"),
        ("Sortino ratio", fmt_ratio(s.sortino_ratio), "", "annualized"),
        (
            "Max drawdown",
            _loss(s.max_drawdown),
            "neg" if s.max_drawdown > 0 else "",
            fmt_money(s.max_drawdown_amount, ccy),
        ),
        ("Longest drawdown", fmt_duration(s.max_drawdown_duration_ns), "", "time under water"),
        ("Win rate", fmt_pct(s.win_rate, 1), "", f"of {fmt_int(s.trade_count)} closed trades"),
        ("Profit factor", fmt_ratio(s.profit_factor), "", "gross profit / gross loss"),
        ("Turnover", _times(s.turnover), "", "traded notional / average equity"),
        ("Fees", fmt_money(s.fees_paid, ccy), "", "rebates count negative"),
        ("Exposure", fmt_pct(s.exposure, 1), "", "share of time in the market"),
        (
            "Trades",
            fmt_int(s.trade_count),
            "",
            f"{fmt_int(fills)} fills, {fmt_int(orders)} orders",
        ),
    )
    out = ['<div class="cards">']
    for key, value, tone, note in cards:
        cls = f"v {tone}" if tone else "v"
        out.append(
            f'<div class="card"><div class="k">{_e(key)}</div>'
            f'<div class="{cls}">{_e(value)}</div><div class="n">{_e(note)}</div></div>'
        )
    out.append("</div>")
    return "".join(out)


def _loss(fraction: float) -> str:
    # a drawdown is stored as a positive fall; shown as the negative change it was
    return fmt_pct(-fraction) if fraction > 0 else fmt_pct(fraction)


def _times(x: float) -> str:
    text = fmt_num(x)
    return text if text == DASH else f"{text}\u00d7"


def _stats_table(total: PerformanceSummary, groups: Mapping[str, PerformanceSummary]) -> str:
    head = (
        ("Group", ""),
        ("Return", "num"),
        ("Annualized", "num"),
        ("Sharpe", "num"),
        ("Sortino", "num"),
        ("Max DD", "num"),
        ("Longest DD", "num"),
        ("Trades", "num"),
        ("Win rate", "num"),
        ("Profit factor", "num"),
        ("Turnover", "num"),
        ("Fees", "num"),
        ("Exposure", "num"),
        ("End equity", "num"),
    )

    def row(name: str, s: PerformanceSummary) -> list[tuple[str, str]]:
        return [
            (name, ""),
            (fmt_signed_pct(s.total_return), _tone(s.total_return)),
            (fmt_signed_pct(s.annualized_return), _tone(s.annualized_return)),
            (fmt_ratio(s.sharpe_ratio), ""),
            (fmt_ratio(s.sortino_ratio), ""),
            (_loss(s.max_drawdown), ""),
            (fmt_duration(s.max_drawdown_duration_ns), ""),
            (fmt_int(s.trade_count), ""),
            (fmt_pct(s.win_rate, 1), ""),
            (fmt_ratio(s.profit_factor), ""),
            (_times(s.turnover), ""),
            (fmt_num(s.fees_paid), ""),
            (fmt_pct(s.exposure, 1), ""),
            (fmt_num(s.end_equity), ""),
        ]

    rows = [row("Total", total), *(row(key, groups[key]) for key in sorted(groups))]
    return _table_markup(head, rows, "stats")


def _table_markup(
    head: Sequence[tuple[str, str]],
    rows: Sequence[list[tuple[str, str]] | str],
    table_class: str = "",
) -> str:
    """A table in a scroll box; a str row is a full-width note (the omitted-rows gap)."""
    opening = f'<table class="{table_class}">' if table_class else "<table>"
    out = [f'<div class="scroll">{opening}<thead><tr>']
    out.extend(
        f'<th class="{cls}">{_e(name)}</th>' if cls else f"<th>{_e(name)}</th>"
        for name, cls in head
    )
    out.append("</tr></thead><tbody>")
    for row in rows:
        if isinstance(row, str):
            out.append(f'<tr class="gap"><td colspan="{len(head)}">{_e(row)}</td></tr>')
            continue
        out.append("<tr>")
        for (text, tone), (_, align) in zip(row, head, strict=True):
            cls = " ".join(c for c in (align, tone) if c)
            out.append(f'<td class="{_e(cls)}">{_e(text)}</td>' if cls else f"<td>{_e(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _records(
    noun: tuple[str, str],
    items: Sequence[_T],
    head: Sequence[tuple[str, str]],
    cells: Callable[[_T], list[tuple[str, str]]],
    max_rows: int,
) -> str:
    """A table of records: all of them, or the first and last rows around a gap."""
    total = len(items)
    one, many = noun
    if total == 0:
        return f'<p class="note">No {_e(many)}.</p>'
    if total <= max_rows:
        note = f"{fmt_int(total)} {one if total == 1 else many}."
        rows: list[list[tuple[str, str]] | str] = [cells(item) for item in items]
    else:
        first, last = (max_rows + 1) // 2, max_rows // 2
        omitted = total - first - last
        note = (
            f"{fmt_int(total)} {many}: showing the first {fmt_int(first)} and the last "
            f"{fmt_int(last)}; {fmt_int(omitted)} omitted."
        )
        rows = [cells(items[i]) for i in range(first)]
        rows.append(f"\u2026 {fmt_int(omitted)} rows omitted \u2026")
        rows.extend(cells(items[i]) for i in range(total - last, total))
    return f'<p class="note">{_e(note)}</p>' + _table_markup(head, rows)


def _opt(text: str | None) -> str:
    return DASH if text is None or text == "" else text


_FILL_HEAD: Final = (
    ("Time (UTC)", ""),
    ("Venue", ""),
    ("Strategy", ""),
    ("Instrument", ""),
    ("Side", ""),
    ("Quantity", "num"),
    ("Price", "num"),
    ("Notional", "num"),
    ("Commission", "num"),
    ("Liquidity", ""),
    ("Client order ID", ""),
    ("Trade ID", ""),
)


def _fill_cells(f: FillRecord) -> list[tuple[str, str]]:
    return [
        (fmt_time(f.ts_ns), ""),
        (f.venue, ""),
        (f.strategy_id, ""),
        (f.instrument_id, ""),
        (f.side, f.side),
        (f.quantity, ""),
        (f.price, ""),
        (fmt_num(f.notional), ""),
        (f"{f.commission} {f.commission_currency}".strip(), ""),
        (f.liquidity, ""),
        (f.client_order_id, ""),
        (f.trade_id, ""),
    ]


_ORDER_HEAD: Final = (
    ("Created (UTC)", ""),
    ("Last event (UTC)", ""),
    ("Venue", ""),
    ("Strategy", ""),
    ("Instrument", ""),
    ("Side", ""),
    ("Type", ""),
    ("TIF", ""),
    ("Quantity", "num"),
    ("Price", "num"),
    ("Trigger", "num"),
    ("Status", ""),
    ("Filled", "num"),
    ("Avg price", "num"),
    ("Client order ID", ""),
)


def _order_cells(o: OrderRecord) -> list[tuple[str, str]]:
    return [
        (fmt_time(o.ts_init), ""),
        (fmt_time(o.ts_last), ""),
        (o.venue, ""),
        (o.strategy_id, ""),
        (o.instrument_id, ""),
        (o.side, o.side),
        (o.order_type, ""),
        (o.time_in_force, ""),
        (o.quantity, ""),
        (_opt(o.price), ""),
        (_opt(o.trigger_price), ""),
        (o.status, ""),
        (o.filled_qty, ""),
        (_opt(o.avg_px), ""),
        (o.client_order_id, ""),
    ]


_POSITION_HEAD: Final = (
    ("Venue", ""),
    ("Account", ""),
    ("Instrument", ""),
    ("Side", ""),
    ("Quantity", "num"),
    ("Avg open price", "num"),
    ("Realized PnL", "num"),
    ("Unrealized PnL", "num"),
    ("Currency", ""),
)


def _position_cells(p: PositionRecord) -> list[tuple[str, str]]:
    return [
        (p.venue, ""),
        (p.account_id, ""),
        (p.instrument_id, ""),
        (p.side, p.side),
        (p.quantity, ""),
        (_opt(p.avg_px_open), ""),
        (fmt_num(p.realized_pnl), _tone(p.realized_pnl)),
        (fmt_num(p.unrealized_pnl), _tone(p.unrealized_pnl)),
        (p.currency, ""),
    ]


def _group_charts(
    groups: Mapping[str, tuple[Any, Any]], t_lo: int, t_hi: int
) -> list[tuple[str, str, str]]:
    """``(heading, legend markup, svg)`` per kind of group, kinds and groups sorted."""
    kinds: dict[str, list[str]] = {}
    for key in sorted(groups):
        kind = key.split(":", 1)[0] if ":" in key else ""
        kinds.setdefault(kind, []).append(key)
    out: list[tuple[str, str, str]] = []
    for kind in sorted(kinds):
        lines: list[Line] = []
        legend = ['<ul class="legend">']
        for i, key in enumerate(kinds[kind]):
            ts, eq = finite_points(*curve(*groups[key], f"equity_by[{key}]"))
            color = _PALETTE[i % len(_PALETTE)]
            name = key.split(":", 1)[1] if kind else key
            lines.append(Line(key, color, ts, eq))
            legend.append(
                f'<li title="{_e(key)}"><span class="sw" style="background:{color}"></span>'
                f"{_e(name)}</li>"
            )
        legend.append("</ul>")
        heading = f"Equity by {kind}" if kind else "Equity by group"
        svg = chart_svg(lines, t_lo=t_lo, t_hi=t_hi, caption=heading, loss_color=_LOSS)
        out.append((heading, "".join(legend), svg))
    return out


def render_html(source: ReportSource, *, max_rows: int = 500) -> str:
    """The whole report as one self-contained HTML document (a ``str``).

    ``max_rows`` caps each of the positions, orders and fills tables: a longer table shows
    its first ``ceil(max_rows / 2)`` and last ``floor(max_rows / 2)`` rows and says how many
    it left out. Raises :class:`~lyra.errors.InvalidInput` for a negative ``max_rows`` or a
    malformed curve (lengths differ, timestamps not integers or not sorted).
    """
    if not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 0:
        raise InvalidInput("max_rows", "must be a non-negative int", max_rows)
    ccy = str(source.base_currency)
    title = str(source.title)
    ts, eq = finite_points(*curve(source.equity_ts_ns, source.equity, "equity"))
    groups = source.equity_by
    group_curves = [curve(*groups[k], f"equity_by[{k}]") for k in groups]
    starts = [int(t[0]) for t, _ in (*group_curves, (ts, eq)) if t.size]
    ends = [int(t[-1]) for t, _ in (*group_curves, (ts, eq)) if t.size]
    t_lo, t_hi = (min(starts), max(ends)) if starts else (0, 0)
    summary = source.summary
    fills, orders, positions = source.fills, source.orders, source.positions

    if starts:
        period = (
            f"{fmt_time(t_lo)} \u2192 {fmt_time(t_hi)} UTC \u00b7 {fmt_duration(t_hi - t_lo)}"
            f" \u00b7 base currency {ccy}"
        )
    else:
        period = f"No equity samples \u00b7 base currency {ccy}"
    info_rows = "".join(
        f"<tr><th>{_e(_label(str(k)))}</th><td>{_e(fmt_value(v, str(k)))}</td></tr>"
        for k, v in source.info.items()
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="Lyra">',
        f"<title>{_e(title)} \u2014 backtest report</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f'<header><div><h1>{_e(title)}</h1><p class="sub">{_e(period)}</p></div>'
        + (f'<table class="info"><tbody>{info_rows}</tbody></table>' if info_rows else "")
        + "</header>",
        _cards(summary, ccy, len(fills), len(orders)),
        '<section><h2>Equity and drawdown</h2><ul class="legend">'
        f'<li><span class="sw" style="background:{_PALETTE[0]}"></span>'
        f"Total equity ({_e(ccy)})</li>"
        f'<li><span class="sw" style="background:{_LOSS}"></span>Drawdown</li></ul>',
        chart_svg(
            [Line("Total equity", _PALETTE[0], ts, eq)],
            t_lo=t_lo,
            t_hi=t_hi,
            caption=f"Equity and drawdown of {title}",
            loss_color=_LOSS,
        ),
        "</section>",
    ]
    for heading, legend, svg in _group_charts(groups, t_lo, t_hi):
        parts.append(f"<section><h2>{_e(heading)} ({_e(ccy)})</h2>{legend}{svg}</section>")
    parts.append("<section><h2>Statistics</h2>")
    parts.append(_stats_table(summary, source.summaries))
    parts.append("</section>")
    for heading, table in (
        (
            "Positions",
            _records(
                ("position", "positions"), positions, _POSITION_HEAD, _position_cells, max_rows
            ),
        ),
        ("Orders", _records(("order", "orders"), orders, _ORDER_HEAD, _order_cells, max_rows)),
        ("Fills", _records(("fill", "fills"), fills, _FILL_HEAD, _fill_cells, max_rows)),
    ):
        parts.append(f"<section><h2>{heading}</h2>{table}</section>")
    parts.append("<footer>Generated by Lyra. Times are UTC.</footer></main></body></html>")
    return "\n".join(p for p in parts if p) + "\n"


# -- files -------------------------------------------------------------------------------


def write_report(
    source: ReportSource,
    path: str | os.PathLike[str],
    *,
    png: bool | str | os.PathLike[str] = True,
    max_rows: int = 500,
) -> ReportFiles:
    """Write the HTML report (and the equity PNG) to disk and return their paths.

    ``path`` ending in ``.html`` / ``.htm`` is the HTML file itself; any other path is a
    directory (created if missing) that receives ``report.html``. ``png=True`` writes the
    PNG beside the HTML -- ``equity.png`` in a directory, ``<name>.png`` next to a named
    ``<name>.html`` -- a path writes it there, and ``False`` writes none. Parent
    directories are created; existing files are replaced.
    """
    target = Path(path)
    if target.suffix.lower() in (".html", ".htm"):
        html_path = target
        png_default = target.with_suffix(".png")
    else:
        html_path = target / "report.html"
        png_default = target / "equity.png"
    if png is True:
        png_path: Path | None = png_default
    elif png is False:
        png_path = None
    else:
        png_path = Path(png)
    page = render_html(source, max_rows=max_rows)
    image = (
        render_png(
            source.equity_ts_ns, source.equity, title=source.title, currency=source.base_currency
        )
        if png_path is not None
        else None
    )
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_bytes(page.encode("utf-8"))
    if png_path is not None and image is not None:
        png_path.parent.mkdir(parents=True, exist_ok=True)
        png_path.write_bytes(image)
    return ReportFiles(html_path, png_path)
