"""OKX and Kraken book sync on recorded venue data: messages handled per second.

Data: the live captures in ``shared/fixtures/recorded`` -- ``OKX.ws.1.0`` (290 ``books``
pushes on 3 instruments, every one with a CRC32 checksum) and ``KRAKEN.ws.50.0`` (4,279
websocket v1 ``book-1000`` frames on 10 pairs, 4,269 checksums). Instruments come from the
recorded metadata (``OKX.0``, ``KRAKEN.0``). Kraken's v2 path is measured on the same
capture rewritten as v2 ``book`` messages (prices and quantities as JSON numbers, decoded to
``Decimal``, the v1 checksums kept: they cover the same book).

A pass replays the whole recording from its snapshots with fresh syncs; every pass must
verify every checksum, so a fast wrong sync cannot report a figure. Rows (best of the
repeats; rates are recorded book messages per second):

* ``<venue>.decode``: frame bytes -> typed message only;
* ``<venue>.sync``: decode + continuity/checksum checks + Rust ``L2Book`` apply (the
  adapter's hot path when nobody subscribes to book deltas);
* ``<venue>.sync_deltas``: the same, also building the Lyra ``BookDeltas`` to publish;
* ``<venue>.messages`` / ``<venue>.checksums``: the counts one pass handles (not rates).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lyra.adapters.kraken.book import KrakenBookSync
from lyra.adapters.kraken.messages import (
    AssetPairData,
    V1BookMessage,
    decode_rest as kraken_rest,
    decode_ws as kraken_ws,
    decode_ws_v1,
)
from lyra.adapters.kraken.symbols import instrument_from_asset_pair, instrument_id
from lyra.adapters.okx.book import OkxBookSync
from lyra.adapters.okx.messages import (
    BookMessage,
    InstrumentData,
    decode_rest as okx_rest,
    decode_ws as okx_ws,
)
from lyra.adapters.okx.symbols import instruments_from_okx
from lyra.model.instruments import Instrument

__all__ = ("run",)

_RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "recorded"


def _lines(name: str) -> list[str]:
    path = _RECORDED / name
    if not path.exists():
        raise FileNotFoundError(f"the recorded venue data is missing: {path}")
    return path.read_text().splitlines()


def _frames(name: str, marker: str) -> list[bytes]:
    out = []
    for line in _lines(name)[1:]:
        if not line.strip() or " <- " in line:
            continue
        frame = line.partition(": ")[2].strip()
        if marker in frame:
            out.append(frame.encode())
    return out


def _okx_instruments() -> dict[str, Instrument]:
    out: dict[str, Instrument] = {}
    for line in _lines("OKX.0")[:3]:  # SPOT, SWAP, FUTURES (the file repeats them)
        body = line.partition(" -> ")[2].partition(": ")[2]
        got, _ = instruments_from_okx(okx_rest(body, InstrumentData).data)
        out.update({str(k.symbol): v for k, v in got.items()})
    return out


def _kraken_instruments() -> dict[str, Instrument]:
    body = _lines("KRAKEN.0")[0].partition(" -> ")[2].partition(": ")[2]
    pairs = kraken_rest(body, dict[str, AssetPairData]).result or {}
    out: dict[str, Instrument] = {}
    for key, pair in pairs.items():
        if pair.wsname and pair.pair_decimals <= 9:
            out[pair.wsname] = instrument_from_asset_pair(pair, key=key)
    return out


def _v1_to_v2(frame: bytes) -> bytes:
    """A recorded v1 book frame as the v2 ``book`` message of the same change."""
    msg = json.loads(frame)
    parts = [p for p in msg[1:-2]]
    snapshot = any("as" in p or "bs" in p for p in parts)
    asks = [lv for p in parts for lv in p.get("as", p.get("a", []))]
    bids = [lv for p in parts for lv in p.get("bs", p.get("b", []))]
    check = next((int(p["c"]) for p in parts if "c" in p), None)

    def levels(rows: list[list[str]]) -> str:
        return ",".join(f'{{"price":{r[0]},"qty":{r[1]}}}' for r in rows)

    symbol = str(instrument_id(msg[-1]).symbol)
    cs = "" if check is None else f',"checksum":{check}'
    kind = "snapshot" if snapshot else "update"
    return (
        f'{{"channel":"book","type":"{kind}","data":[{{"symbol":"{symbol}","bids":[{levels(bids)}],'
        f'"asks":[{levels(asks)}]{cs},"timestamp":"2021-04-17T16:48:53.365913Z"}}]}}'
    ).encode()


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def _best(repeats: int, once: Callable[[], float]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        times.append(once())
    return min(times)


def _okx_pass(frames: list[bytes], insts: dict[str, Instrument], emit: bool) -> tuple[int, int]:
    syncs: dict[str, OkxBookSync] = {}
    verified = 0
    for frame in frames:
        msg = okx_ws(frame)
        assert isinstance(msg, BookMessage)
        key = msg.arg.inst_id
        sync = syncs.get(key)
        if sync is None:
            sync = syncs[key] = OkxBookSync(insts[key], emit_deltas=emit)
        sync.apply(msg)
    verified = sum(s.checksums_verified for s in syncs.values())
    return len(frames), verified


def _kraken_v1_pass(
    frames: list[bytes], insts: dict[str, Instrument], emit: bool
) -> tuple[int, int]:
    syncs: dict[str, KrakenBookSync] = {}
    for frame in frames:
        msg = decode_ws_v1(frame)
        assert isinstance(msg, V1BookMessage)
        sync = syncs.get(msg.pair)
        if sync is None:
            first = (msg.asks or msg.bids)[0]
            sync = syncs[msg.pair] = KrakenBookSync(
                insts[msg.pair],
                1000,
                price_precision=_decimals(first[0]),
                qty_precision=_decimals(first[1]),
                emit_deltas=emit,
            )
        sync.apply_v1(msg)
    return len(frames), sum(s.checksums_verified for s in syncs.values())


def _kraken_v2_pass(
    frames: list[bytes],
    insts: dict[str, Instrument],
    precisions: dict[str, tuple[int, int]],
    emit: bool,
) -> tuple[int, int]:
    syncs: dict[str, KrakenBookSync] = {}
    for frame in frames:
        msg = kraken_ws(frame)
        symbol = msg.data[0].symbol  # type: ignore[union-attr]
        sync = syncs.get(symbol)
        if sync is None:
            pp, qp = precisions[symbol]
            sync = syncs[symbol] = KrakenBookSync(
                insts[symbol], 1000, price_precision=pp, qty_precision=qp, emit_deltas=emit
            )
        sync.apply(msg)  # type: ignore[arg-type]
    return len(frames), sum(s.checksums_verified for s in syncs.values())


def _measure(
    rows: list[tuple[str, float, str]],
    name: str,
    frames: list[bytes],
    decode: Callable[[bytes], Any],
    replay: Callable[[bool], tuple[int, int]],
    passes: int,
    repeats: int,
    expected_checksums: int,
) -> None:
    def timed(body: Callable[[], None]) -> float:
        start = time.perf_counter()
        for _ in range(passes):
            body()
        return time.perf_counter() - start

    def decode_all() -> None:
        for frame in frames:
            decode(frame)

    def sync(emit: bool) -> Callable[[], None]:
        def once() -> None:
            _, verified = replay(emit)
            if verified != expected_checksums:
                raise RuntimeError(f"{name}: {verified} of {expected_checksums} checksums verified")

        return once

    n = len(frames) * passes
    rows.append((f"{name}.decode", n / _best(repeats, lambda: timed(decode_all)), "msgs/s"))
    rows.append((f"{name}.sync", n / _best(repeats, lambda: timed(sync(False))), "msgs/s"))
    rows.append((f"{name}.sync_deltas", n / _best(repeats, lambda: timed(sync(True))), "msgs/s"))
    rows.append((f"{name}.messages", float(len(frames)), "msgs"))
    rows.append((f"{name}.checksums", float(expected_checksums), "checksums"))


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Replay the recorded OKX and Kraken books; return (figure, value, unit) rows."""
    okx_frames = _frames("OKX.ws.1.0", '"channel":"books"')
    okx_frames = [f for f in okx_frames if b'"data"' in f]
    okx_insts = _okx_instruments()
    kraken_frames = [f for f in _frames("KRAKEN.ws.50.0", '"book-') if f.startswith(b"[")]
    kraken_insts = _kraken_instruments()
    v2_frames = [_v1_to_v2(f) for f in kraken_frames]
    precisions: dict[str, tuple[int, int]] = {}
    for frame in kraken_frames:
        msg = json.loads(frame)
        symbol = str(instrument_id(msg[-1]).symbol)
        if symbol not in precisions:
            first = (msg[1].get("as") or msg[1].get("bs"))[0]
            precisions[symbol] = (_decimals(first[0]), _decimals(first[1]))
    v2_insts = {str(instrument_id(k).symbol): v for k, v in kraken_insts.items()}

    repeats = 1 if quick else 3
    rows: list[tuple[str, float, str]] = []
    _measure(
        rows,
        "okx.books",
        okx_frames,
        okx_ws,
        lambda emit: _okx_pass(okx_frames, okx_insts, emit),
        passes=1 if quick else 20,
        repeats=repeats,
        expected_checksums=290,
    )
    _measure(
        rows,
        "kraken.book_v1",
        kraken_frames,
        decode_ws_v1,
        lambda emit: _kraken_v1_pass(kraken_frames, kraken_insts, emit),
        passes=1,
        repeats=repeats,
        expected_checksums=4269,
    )
    _measure(
        rows,
        "kraken.book_v2",
        v2_frames,
        kraken_ws,
        lambda emit: _kraken_v2_pass(v2_frames, v2_insts, precisions, emit),
        passes=1,
        repeats=repeats,
        expected_checksums=4269,
    )
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
