"""Text helpers shared by the Coinbase modules: decimals to integers, RFC 3339 to nanoseconds.

Coinbase sends every price and size as a decimal string and every time as an RFC 3339 string
with up to nine fractional digits (``2023-02-09T20:32:50.714964855Z``). These helpers turn
them into Lyra's integers exactly, without a ``Decimal`` in between, because they run once
per book level on the market-data path.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Final

from lyra.errors import InvalidInput, PrecisionError

__all__ = ()

_POW10: Final = tuple(10**i for i in range(19))
_NS_PER_S: Final = 1_000_000_000

# The last "YYYY-MM-DDTHH:MM:SS" prefix seen and its epoch seconds: messages in a stream
# share their second far more often than not, so one comparison replaces a calendar
# computation. One tuple, replaced whole, so a reader never sees a torn pair.
_last_second: tuple[str, int] = ("", 0)


def decimal_units(text: str, scale: int, field: str) -> int:
    """``text`` (a plain decimal such as ``"68900.01"``) times ``10**scale``, exactly.

    Digits beyond ``scale`` must be zeros. Exponents, spaces, ``+`` and underscores are
    refused (``int()`` alone would accept some of them).
    """
    whole, dot, frac = text.partition(".")
    digits = whole[1:] if whole[:1] == "-" else whole
    if not (digits.isascii() and digits.isdigit()) or (
        dot and not (frac.isascii() and frac.isdigit())
    ):
        raise InvalidInput(field, "must be a plain decimal number such as '123.45'", text)
    n = len(frac)
    if n > scale:
        if frac[scale:].strip("0"):
            raise PrecisionError(field, f"has more than {scale} decimal places", text)
        frac = frac[:scale]
        n = scale
    value: int = int(whole + frac) * _POW10[scale - n]
    return value


def decimal_places(text: str) -> int:
    """How many decimals ``text`` is written with (``"0.010"`` -> 3)."""
    _, dot, frac = text.partition(".")
    return len(frac) if dot else 0


def rfc3339_ns(text: str, field: str = "time") -> int:
    """Nanoseconds since the epoch of an RFC 3339 time in UTC (``Z`` or ``+00:00``).

    Up to nine fractional digits are kept exactly. Any other offset is refused: Coinbase
    writes UTC, and a different offset here means a malformed message.
    """
    global _last_second
    head = text[:19]
    cached_head, base = _last_second
    if head != cached_head:
        digits = head[0:4] + head[5:7] + head[8:10] + head[11:13] + head[14:16] + head[17:19]
        if (
            len(head) != 19
            or head[4] != "-"
            or head[7] != "-"
            or head[10] not in "Tt "
            or head[13] != ":"
            or head[16] != ":"
            or not (digits.isascii() and digits.isdigit())
        ):
            raise InvalidInput(field, "must be an RFC 3339 UTC time", text)
        try:
            moment = datetime(
                int(head[0:4]),
                int(head[5:7]),
                int(head[8:10]),
                int(head[11:13]),
                int(head[14:16]),
                int(head[17:19]),
            )
        except ValueError:
            raise InvalidInput(field, "must be an RFC 3339 UTC time", text) from None
        base = calendar.timegm(moment.timetuple())
        _last_second = (head, base)
    rest = text[19:]
    frac_ns = 0
    if rest[:1] == ".":
        end = 1
        size = len(rest)
        while end < size and rest[end].isdigit():
            end += 1
        digits = rest[1:end]
        if not digits or len(digits) > 9 or not digits.isascii():
            raise InvalidInput(field, "must have 1 to 9 fractional digits", text)
        frac_ns = int(digits) * _POW10[9 - len(digits)]
        rest = rest[end:]
    if rest not in ("Z", "z", "+00:00", "-00:00", "+0000"):
        raise InvalidInput(field, "must be an RFC 3339 time in UTC ('Z' or '+00:00')", text)
    return base * _NS_PER_S + frac_ns


def format_rfc3339(ns: int) -> str:
    """``ns`` since the epoch as RFC 3339 UTC, fractional digits trimmed
    (``2026-04-07T14:30:01.5Z``; whole seconds have none)."""
    seconds, frac = divmod(ns, _NS_PER_S)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        stamp += "." + f"{frac:09d}".rstrip("0")
    return stamp + "Z"
