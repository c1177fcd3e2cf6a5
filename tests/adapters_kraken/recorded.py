"""The recorded Kraken data in ``shared/fixtures/recorded`` (see its README for the format)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from lyra.adapters.kraken.messages import AssetPairData, decode_rest
from lyra.adapters.kraken.symbols import instrument_from_asset_pair
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "recorded"
WS_FILE = RECORDED / "KRAKEN.ws.50.0"
REST_FILE = RECORDED / "KRAKEN.0"


def _need(path: Path) -> Path:
    assert path.exists(), f"the recorded Kraken data is missing: {path}"
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
def asset_pairs_body() -> str:
    """The recorded ``GET /0/public/AssetPairs`` body."""
    with _need(REST_FILE).open() as f:
        for line in f:
            body = line.partition(" -> ")[2].partition(": ")[2].strip()
            if body:
                return body
    raise AssertionError("no AssetPairs body in the recording")


@cache
def asset_pairs() -> dict[str, AssetPairData]:
    result = decode_rest(asset_pairs_body(), dict[str, AssetPairData]).result
    assert result is not None
    return dict(result)


@cache
def instruments() -> dict[InstrumentId, CurrencyPair]:
    out = {}
    for key, pair in asset_pairs().items():
        if pair.wsname and pair.pair_decimals <= 9:
            inst = instrument_from_asset_pair(pair, key=key)
            out[inst.id] = inst
    return out


def book_frames() -> list[list[Any]]:
    """The recorded v1 book frames, parsed with the standard library."""
    out = []
    for frame in ws_frames():
        msg = json.loads(frame)
        if isinstance(msg, list):
            out.append(msg)
    return out


def decimals(text: str) -> int:
    """How many decimals a v1 price or volume string carries."""
    return len(text.partition(".")[2])
