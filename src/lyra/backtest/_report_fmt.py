"""Number, money, time and duration formatting for the backtest report.

Every function returns text meant for a person: thousands separators, percentages, short
durations ("3d 4h"). An undefined statistic (``nan``) is an em dash and an infinite one is
"∞", so a table never shows "nan" or "inf".
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Final

__all__ = (
    "DASH",
    "fmt_duration",
    "fmt_float",
    "fmt_int",
    "fmt_money",
    "fmt_num",
    "fmt_pct",
    "fmt_ratio",
    "fmt_signed_pct",
    "fmt_time",
    "fmt_value",
)

DASH: Final = "\u2014"
_INF: Final = "\u221e"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

_SECOND: Final = 1_000_000_000
_MINUTE: Final = 60 * _SECOND
_HOUR: Final = 60 * _MINUTE
_DAY: Final = 24 * _HOUR


def _special(x: float) -> str | None:
    # the shared answer for values that have no digits to show
    if math.isnan(x):
        return DASH
    if math.isinf(x):
        return _INF if x > 0 else f"-{_INF}"
    return None


def fmt_num(x: float, digits: int = 2) -> str:
    """``1234.5`` -> ``"1,234.50"``; ``nan`` -> em dash."""
    special = _special(x)
    if special is not None:
        return special
    text = f"{x:,.{digits}f}"
    # a tiny negative value rounds to "-0.00": the sign would claim a loss that is not there
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]
    return text


def fmt_int(x: int) -> str:
    """``12345`` -> ``"12,345"``."""
    return f"{x:,}"


def fmt_pct(x: float, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.1234`` -> ``"12.34%"``."""
    special = _special(x)
    if special is not None:
        return special
    return f"{fmt_num(x * 100.0, digits)}%"


def fmt_signed_pct(x: float, digits: int = 2) -> str:
    """Like :func:`fmt_pct` with an explicit ``+`` on gains."""
    text = fmt_pct(x, digits)
    if x > 0 and any(c in "123456789\u221e" for c in text):
        return "+" + text
    return text


def fmt_ratio(x: float) -> str:
    """A ratio (Sharpe, profit factor) with two decimals."""
    return fmt_num(x, 2)


def fmt_money(x: float, currency: str, digits: int = 2) -> str:
    """``1234.5, "USD"`` -> ``"1,234.50 USD"``; no currency suffix when the value is undefined."""
    special = _special(x)
    if special is not None:
        return special
    return f"{fmt_num(x, digits)} {currency}".rstrip()


def fmt_float(x: float) -> str:
    """A float of unknown scale, compactly: ``3.14159`` -> ``"3.1416"``."""
    special = _special(x)
    if special is not None:
        return special
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000.0:
        return f"{x:,.0f}"
    if abs(x) >= 1.0:
        return f"{x:,.4f}".rstrip("0").rstrip(".")
    return f"{x:.4g}"


_TIMESTAMP_FROM: Final = 10**17
"""An ``_ns`` count this large (1973 on) is a point in time; a smaller one is a span."""


def fmt_value(x: str | int | float, key: str = "") -> str:
    """A run fact: text as is, ints with separators, bools as yes/no, floats compactly.

    An int under a key ending in ``_ns`` is nanoseconds: a UTC time when it is at least
    ``10**17`` (the 1970s), otherwise a duration.
    """
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        if key.endswith("_ns"):
            return fmt_time(x) if x >= _TIMESTAMP_FROM else fmt_duration(x)
        return fmt_int(x)
    if isinstance(x, float):
        return fmt_float(x)
    return str(x)


def fmt_duration(ns: int | float) -> str:
    """A span in the two largest units: ``"3d 4h"``, ``"2h 5m"``, ``"4m 10s"``, ``"5.2s"``."""
    if isinstance(ns, float):
        special = _special(ns)
        if special is not None:
            return special
        ns = int(ns)
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns == 0:
        return "0s"
    for big, big_name, small, small_name in (
        (_DAY, "d", _HOUR, "h"),
        (_HOUR, "h", _MINUTE, "m"),
        (_MINUTE, "m", _SECOND, "s"),
    ):
        if ns >= big:
            whole, rest = divmod(ns, big)
            part = rest // small
            return f"{sign}{whole:,}{big_name}" + (f" {part}{small_name}" if part else "")
    if ns >= _SECOND:
        return f"{sign}{ns / _SECOND:.1f}".rstrip("0").rstrip(".") + "s"
    if ns >= 1_000_000:
        return f"{sign}{ns // 1_000_000}ms"
    if ns >= 1_000:
        return f"{sign}{ns // 1_000}\u00b5s"
    return f"{sign}{ns}ns"


def fmt_time(ns: int) -> str:
    """UTC timestamp, with only as many fraction digits as the value has.

    ``"2024-01-01 00:00:00"``, ``"2024-01-01 00:00:00.250"``; a value outside the calendar's
    range stays a nanosecond count.
    """
    seconds, frac = divmod(int(ns), _SECOND)
    try:
        text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    except OverflowError:
        return f"{int(ns):,} ns"
    if frac == 0:
        return text
    if frac % 1_000_000 == 0:
        return f"{text}.{frac // 1_000_000:03d}"
    if frac % 1_000 == 0:
        return f"{text}.{frac // 1_000:06d}"
    return f"{text}.{frac:09d}"
