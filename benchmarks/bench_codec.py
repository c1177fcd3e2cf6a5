"""Market data construction, msgpack/JSON codecs and columnar conversion throughput.

Data: the shared generator's quote stream (``synth.gen_quotes``, EUR/USD style, 5 dp) when
``../shared/bench/synth.py`` is present, else an equivalent seeded random walk. The codec
caches decoded/encoded prices; a synthetic quote stream repeats a few hundred prices, so the
``distinct_prices`` rows repeat the measurement with every price different (cache misses).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lyra.model import codec
from lyra.model.columnar import QuoteBatch
from lyra.model.data import QuoteTick
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Price, Quantity

Row = tuple[str, float, str]


def _quote_arrays(n: int) -> dict[str, Any]:
    shared = Path(__file__).resolve().parents[2] / "shared" / "bench"
    if (shared / "synth.py").exists():
        sys.path.insert(0, str(shared))
        try:
            import synth  # type: ignore[import-not-found]

            return synth.gen_quotes(n)  # type: ignore[no-any-return]
        finally:
            sys.path.remove(str(shared))
    rng = np.random.default_rng(42)
    bid = 110_000 + np.cumsum(rng.choice([-1, 0, 0, 1], n))
    return {
        "bid_ticks": bid.astype(np.int64),
        "ask_ticks": (bid + rng.integers(1, 3, n)).astype(np.int64),
        "bid_size": rng.integers(1, 11, n).astype(np.int64) * 100_000,
        "ask_size": rng.integers(1, 11, n).astype(np.int64) * 100_000,
        "ts": 1_704_067_200_000_000_000 + np.arange(n, dtype=np.int64) * 1_000_000,
    }


def _best(fn: Callable[[], object], repeats: int, cold: bool = False) -> float:
    best = float("inf")
    for _ in range(repeats):
        if cold:
            codec.clear_caches()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(quick: bool = False) -> list[Row]:
    """Rows of (figure, value, unit), best of 3; ``quick`` uses 5k quotes, else 100k."""
    n = 5_000 if quick else 100_000
    repeats = 3
    d = _quote_arrays(n)
    batch = QuoteBatch.from_ticks_arrays(
        d["bid_ticks"],
        d["ask_ticks"],
        d["bid_size"],
        d["ask_size"],
        d["ts"],
        instrument_id="EURUSD.SIM",
        price_increment_raw=10_000,
        size_increment_raw=10**9,
    )
    quotes = batch.to_ticks()
    iid = InstrumentId("EURUSD.SIM")
    args = [
        (q.bid_price, q.ask_price, q.bid_size, q.ask_size, q.ts_event, q.ts_init) for q in quotes
    ]
    rows: list[Row] = []

    def construct() -> None:
        qt = QuoteTick
        for b, a, bs, az, te, ti in args:
            qt(iid, b, a, bs, az, te, ti)

    rows.append(("data.quote_tick.construct", n / _best(construct, repeats), "objects/s"))

    codecs: list[tuple[str, Callable[[Any], bytes], Callable[[bytes, Any], Any]]] = [
        ("msgpack", codec.encode_msgpack, codec.decode_msgpack),
        ("json", codec.encode_json, codec.decode_json),
    ]
    for fmt, encode, decode in codecs:
        encoded = [encode(q) for q in quotes]

        def enc_all(enc: Callable[[Any], bytes] = encode) -> None:
            for q in quotes:
                enc(q)

        def dec_all(dec: Callable[[bytes, Any], Any] = decode, e: list[bytes] = encoded) -> None:
            for b in e:
                dec(b, QuoteTick)

        rows.append((f"codec.{fmt}.encode.quote_tick", n / _best(enc_all, repeats), "msgs/s"))
        rows.append((f"codec.{fmt}.decode.quote_tick", n / _best(dec_all, repeats), "msgs/s"))
    encoded = [codec.encode_msgpack(q) for q in quotes]
    t = _best(lambda: [codec.decode_msgpack(b) for b in encoded], repeats)
    rows.append(("codec.msgpack.decode.quote_tick.untyped", n / t, "msgs/s"))

    # every price distinct: no help from the value caches
    distinct = [
        QuoteTick(
            iid,
            Price._make(1_000_000_000 + 10_000 * i, 5),
            Price._make(1_000_010_000 + 10_000 * i, 5),
            Quantity._make(10**9 * (i + 1), 0),
            Quantity._make(10**9 * (i + 2), 0),
            i,
            i,
        )
        for i in range(n)
    ]
    encoded = [codec.encode_msgpack(q) for q in distinct]
    t_enc = _best(lambda: [codec.encode_msgpack(q) for q in distinct], repeats, cold=True)
    t_dec = _best(lambda: [codec.decode_msgpack(b, QuoteTick) for b in encoded], repeats, cold=True)
    rows.append(("codec.msgpack.encode.quote_tick.distinct_prices", n / t_enc, "msgs/s"))
    rows.append(("codec.msgpack.decode.quote_tick.distinct_prices", n / t_dec, "msgs/s"))

    t = _best(lambda: QuoteBatch.from_ticks(quotes), repeats)
    rows.append(("columnar.quote_batch.from_ticks", n / t, "rows/s"))
    t = _best(batch.to_ticks, repeats)
    rows.append(("columnar.quote_batch.to_ticks", n / t, "rows/s"))
    t = _best(
        lambda: QuoteBatch.from_ticks_arrays(
            d["bid_ticks"],
            d["ask_ticks"],
            d["bid_size"],
            d["ask_size"],
            d["ts"],
            instrument_id="EURUSD.SIM",
            price_increment_raw=10_000,
            size_increment_raw=10**9,
        ),
        repeats,
    )
    rows.append(("columnar.quote_batch.from_ticks_arrays", n / t, "rows/s"))
    return rows


if __name__ == "__main__":
    for name, value, unit in run(quick="--quick" in sys.argv):
        print(f"{name:<48} {value:>14,.0f} {unit}")
