"""The recorded Binance captures in ``shared/fixtures/recorded`` (format in its README)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "recorded"


def _need(name: str) -> Path:
    path = RECORDED / name
    assert path.exists(), f"the recorded Binance data is missing: {path}"
    return path


@cache
def frames(name: str) -> tuple[bytes, ...]:
    """Every frame the server sent in ``<name>.ws.1.0`` (header and blank lines dropped)."""
    out = []
    with _need(f"{name}.ws.1.0").open("rb") as f:
        next(f)
        for line in f:
            if not line.strip() or b" <- " in line.split(b": ", 1)[0]:
                continue
            out.append(line.split(b": ", 1)[1].strip())
    return tuple(out)


@cache
def exchange_info(name: str) -> bytes:
    """The recorded ``exchangeInfo`` body of ``<name>.0``."""
    with _need(f"{name}.0").open("rb") as f:
        for line in f:
            head, _, body = line.partition(b": ")
            if b"exchangeInfo" in head:
                return body.strip()
    raise AssertionError(f"{name}.0 holds no exchangeInfo")
