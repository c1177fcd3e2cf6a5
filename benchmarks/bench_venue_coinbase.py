"""Coinbase Advanced Trade venue layer: level2 messages handled per second, JWTs per second.

Data: the shared L2 stream ``gen_l2(n, seed=7)`` (``../shared/bench/synth.py``; 100 levels a
side around a drifting centre, tick 0.01) written as Coinbase ``l2_data`` websocket frames,
exactly as Coinbase sends them: the first 200 deltas are one ``snapshot`` message, the rest
are ``update`` messages of 1 to 4 levels each (sizes 1, 2, 3, 4, 1, 2, ...), each level a
``{"side", "event_time", "price_level", "new_quantity"}`` object with decimal strings
(``"100.37"``, ``"0.04200000"``; a delete is ``"0"``), one ``sequence_num`` per message. n is
300,000 deltas (about 120,000 messages) or 12,000 with ``quick=True``. Every timed run must
end on the generator's own final top of book, so a fast wrong sync cannot report a figure.

Rows (best of the repeats):

* ``venue.coinbase.l2.decode``: ``decode_ws`` alone (JSON bytes -> Structs), messages/s.
* ``venue.coinbase.l2.handle``: ``decode_ws`` + ``Level2Sync.on_message`` (sequence check,
  decimal strings -> ticks/lots, apply to the Rust ``L2Book``), messages/s: the figure the
  issue asks for.
* ``venue.coinbase.l2.handle.levels``: the same run counted in price levels/s.
* ``venue.coinbase.l2.handle+deltas``: also building Lyra ``BookDeltas`` for every message
  (what a subscriber to book data costs), messages/s.
* ``venue.coinbase.jwt.sign.es256`` / ``.eddsa`` and ``venue.coinbase.jwt.verify.es256`` /
  ``.eddsa``: a REST JWT minted or verified per call, tokens/s.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from lyra.adapters.coinbase.book import Level2Sync
from lyra.adapters.coinbase.messages import decode_ws
from lyra.adapters.coinbase.signing import CdpKey, JwtVerifier
from lyra.model.instruments import CurrencyPair

__all__ = ("run",)

_SYNTH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "synth.py"
_SEED = 7
_W = 100  # levels a side in gen_l2: its first 2W deltas build the book
_GROUPS = (1, 2, 3, 4)
_TIME = "2026-04-07T14:30:%02d.%06dZ"

# The official SDK's test key (coinbase/coinbase-advanced-py tests/constants.py).
_KEY_NAME = "organizations/test-organization/apiKeys/test-api-key"
_EC = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIKwf3Uox30cRWzRBOPoPOH5p0Gpb0Dt8zUKXUEM5fMkGoAoGCCqGSM49\n"
    "AwEHoUQDQgAEbAtpLlSZYVOwYICz+uEyxcS29vRIujiES/gQ1DC7FV4zK4JuYE9v\n"
    "qDyGZQYjdXHLM7I6f/QnnOITL+dXYWBHRA==\n"
    "-----END EC PRIVATE KEY-----\n"
)
_ED = "k0BUni0p0vZG1BdpVjS6ogBJ7kxm630AJ2dN+tuputDOKsRAwgyrpEQLeBtS1znTmzPX6Xr2eOWpzx6nW8knkA=="


def _synth() -> ModuleType:
    if not _SYNTH.exists():
        raise FileNotFoundError(f"the shared data generator is missing: {_SYNTH}")
    spec = importlib.util.spec_from_file_location("_lyra_bench_synth", _SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _level(side: int, price: int, qty: int, i: int) -> dict[str, str]:
    ms = i // 1000
    return {
        "side": "bid" if side == 1 else "offer",
        "event_time": _TIME % (ms // 1000 % 60, ms % 1000 * 1000 + i % 1000),
        "price_level": f"{price // 100}.{price % 100:02d}",
        "new_quantity": f"0.{qty * 100_000:08d}" if qty else "0",
    }


def _frames(d: dict) -> tuple[list[bytes], int]:  # type: ignore[type-arg]
    """The stream as Coinbase frames, and how many levels they carry."""
    side, action = d["side"].tolist(), d["action"].tolist()
    price, qty = d["price"].tolist(), d["qty"].tolist()
    n = len(side)

    def frame(seq: int, kind: str, lo: int, hi: int) -> bytes:
        levels = [
            _level(side[i], price[i], 0 if action[i] == 3 else qty[i], i) for i in range(lo, hi)
        ]
        event = {"type": kind, "product_id": "BTC-USD", "updates": levels}
        envelope = {
            "channel": "l2_data",
            "client_id": "",
            "timestamp": levels[-1]["event_time"],
            "sequence_num": seq,
            "events": [event],
        }
        return json.dumps(envelope, separators=(",", ":")).encode()

    frames = [frame(0, "snapshot", 0, 2 * _W)]
    i, g = 2 * _W, 0
    while i < n:
        size = _GROUPS[g % len(_GROUPS)]
        frames.append(frame(len(frames), "update", i, min(i + size, n)))
        i += size
        g += 1
    return frames, n


def _best(repeats: int, once: Callable[[], float]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        times.append(once())
    return min(times)


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure the Coinbase layer on Coinbase-shaped ``gen_l2`` frames; return rows."""
    synth = _synth()
    n = 12_000 if quick else 300_000
    repeats = 2 if quick else 3
    d = synth.gen_l2(n, seed=_SEED)
    bb, bq, ba, aq = synth.final_l2_top(d)
    expected = ((bb, bq * 100_000), (ba, aq * 100_000))  # qty q is q/1000 BTC: lots of 1e-8
    frames, levels = _frames(d)
    btc = CurrencyPair.simple(
        "BTC-USD.COINBASE", price_increment="0.01", size_increment="0.00000001"
    )

    def check(sync: Level2Sync) -> None:
        book = sync.book("BTC-USD")
        if (book.best_bid(), book.best_ask()) != expected or not sync.is_live("BTC-USD"):
            raise RuntimeError(f"wrong final book {book.best_bid()} {book.best_ask()}")

    def decode_only() -> float:
        t0 = time.perf_counter()
        for f in frames:
            decode_ws(f)
        return time.perf_counter() - t0

    def handle() -> float:
        sync = Level2Sync([btc])
        on_message = sync.on_message
        t0 = time.perf_counter()
        for f in frames:
            on_message(decode_ws(f))
        elapsed = time.perf_counter() - t0
        check(sync)
        return elapsed

    def handle_deltas() -> float:
        sync = Level2Sync([btc])
        on_message = sync.on_message
        t0 = time.perf_counter()
        for i, f in enumerate(frames):
            result = on_message(decode_ws(f))
            assert result is not None
            for change in result.changes:
                change.book_deltas(i)
        elapsed = time.perf_counter() - t0
        check(sync)
        return elapsed

    m = len(frames)
    t_decode = _best(repeats, decode_only)
    t_handle = _best(repeats, handle)
    t_deltas = _best(repeats if quick else 1, handle_deltas)
    rows = [
        ("venue.coinbase.l2.decode", m / t_decode, "msgs/s"),
        ("venue.coinbase.l2.handle", m / t_handle, "msgs/s"),
        ("venue.coinbase.l2.handle.levels", levels / t_handle, "levels/s"),
        ("venue.coinbase.l2.handle+deltas", m / t_deltas, "msgs/s"),
    ]

    tokens = 200 if quick else 2_000
    now = int(time.time())
    for label, secret in (("es256", _EC), ("eddsa", _ED)):
        key = CdpKey(_KEY_NAME, secret)
        verifier = JwtVerifier()
        verifier.add_key(_KEY_NAME, key)

        def sign(key: CdpKey = key) -> float:
            t0 = time.perf_counter()
            for _ in range(tokens):
                key.rest_jwt("POST", "/api/v3/brokerage/orders", now=now)
            return time.perf_counter() - t0

        signed = [key.rest_jwt("POST", "/api/v3/brokerage/orders", now=now) for _ in range(tokens)]

        def verify(verifier: JwtVerifier = verifier, signed: list[str] = signed) -> float:
            t0 = time.perf_counter()
            for token in signed:
                verifier.verify_rest(token, "POST", "/api/v3/brokerage/orders", now=now)
            return time.perf_counter() - t0

        rows.append((f"venue.coinbase.jwt.sign.{label}", tokens / _best(repeats, sign), "tokens/s"))
        rows.append(
            (f"venue.coinbase.jwt.verify.{label}", tokens / _best(repeats, verify), "tokens/s")
        )
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
