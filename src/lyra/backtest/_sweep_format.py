"""Text, CSV and column views of sweep rows (private helpers of :mod:`lyra.backtest.sweep`)."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ()

_MAX_CELL = 40


def cell(value: Any) -> str:
    """One table cell: short, aligned-friendly text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 3] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def format_table(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]], max_rows: int | None
) -> str:
    """A plain-text table; numbers right-aligned, text left-aligned. With ``max_rows``, the
    first and last rows are shown around a ``...`` line."""
    shown: list[Mapping[str, Any] | None] = list(rows)
    hidden = 0
    if max_rows is not None and len(rows) > max_rows:
        head = max(1, max_rows // 2)
        tail = max(0, max_rows - head)
        hidden = len(rows) - head - tail
        shown = [*rows[:head], None, *(rows[len(rows) - tail :] if tail else [])]
    numeric = {
        c: all(r is None or r.get(c) is None or _is_number(r.get(c)) for r in shown)
        for c in columns
    }
    cells = [[cell(r.get(c)) for c in columns] if r is not None else None for r in shown]
    widths = [len(c) for c in columns]
    for line in cells:
        if line is not None:
            widths = [max(w, len(t)) for w, t in zip(widths, line, strict=True)]

    def fmt(texts: Sequence[str]) -> str:
        parts = [
            t.rjust(w) if numeric[c] else t.ljust(w)
            for c, t, w in zip(columns, texts, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [fmt(list(columns)), "  ".join("-" * w for w in widths)]
    out.extend(f"... ({hidden} more rows)" if line is None else fmt(line) for line in cells)
    return "\n".join(out)


def write_csv(
    path: str | os.PathLike[str], columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Write ``rows`` as CSV with a header; ``None`` is an empty field, floats round-trip."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_field(row.get(c)) for c in columns])


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_arrays(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One NumPy array per column (see :meth:`lyra.backtest.sweep.SweepResult.to_arrays`)."""
    import numpy as np

    out: dict[str, Any] = {}
    for c in columns:
        values = [r.get(c) for r in rows]
        present = [v for v in values if v is not None]
        missing = len(present) != len(values)
        if present and all(isinstance(v, bool) for v in present):
            out[c] = np.array(values, dtype=object if missing else np.bool_)
        elif present and all(type(v) is int for v in present) and not missing:
            try:
                out[c] = np.array(values, dtype=np.int64)
            except OverflowError:
                out[c] = np.array(values, dtype=object)
        elif present and all(_is_number(v) for v in present):
            out[c] = np.array(
                [math.nan if v is None else float(v) for v in values], dtype=np.float64
            )
        elif all(isinstance(v, str) for v in present):
            out[c] = np.array(["" if v is None else v for v in values], dtype=np.str_)
        else:
            out[c] = np.array(values, dtype=object)
    return out
