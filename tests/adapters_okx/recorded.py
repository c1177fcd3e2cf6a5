"""The recorded OKX data in ``shared/fixtures/recorded`` (see its README for the format)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from lyra.adapters.okx.messages import InstrumentData, decode_rest
from lyra.adapters.okx.symbols import instruments_from_okx
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import Instrument

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "recorded"
WS_FILE = RECORDED / "OKX.ws.1.0"
REST_FILE = RECORDED / "OKX.0"


def _need(path: Path) -> Path:
    assert path.exists(), f"the recorded OKX data is missing: {path}"
    return path


@cache
def ws_frames() -> tuple[str, ...]:
    """Every frame the server sent, in order (client frames and the header dropped)."""
    frames = []
    with _need(WS_FILE).open() as f:
        next(f)
        for line in f:
            if not line.strip() or " <- " in line:
                continue
            frames.append(line.partition(": ")[2].strip())
    return tuple(frames)


@cache
def rest_bodies() -> tuple[tuple[str, str], ...]:
    """``(url, body)`` of every recorded REST response."""
    out = []
    with _need(REST_FILE).open() as f:
        for line in f:
            url, _, rest = line.partition(" -> ")
            body = rest.partition(": ")[2].strip()
            if body:
                out.append((url, body))
    return tuple(out)


@cache
def instruments() -> dict[InstrumentId, Instrument]:
    """Every instrument Lyra can model from the recorded instruments responses."""
    out: dict[InstrumentId, Instrument] = {}
    for _, body in rest_bodies():
        got, _ = instruments_from_okx(decode_rest(body, InstrumentData).data)
        out.update(got)
    return out


def book_frames() -> list[dict[str, Any]]:
    """The recorded ``books`` pushes, parsed with the standard library (independently of the
    code under test)."""
    out = []
    for frame in ws_frames():
        msg = json.loads(frame)
        if msg.get("arg", {}).get("channel") == "books" and "data" in msg:
            out.append(msg)
    return out
