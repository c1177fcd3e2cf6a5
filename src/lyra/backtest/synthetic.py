"""Deterministic synthetic market data for demos and tests (no downloads needed).

Every random number comes from a counter-based SplitMix64 stream, the same one as the anchor
benchmarks' ``synth.py``, so the same ``(seed, stream, index)`` gives the same value on any
machine, NumPy version or language::

    GOLDEN = 0x9E3779B97F4A7C15
    mix(z): z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
            z *= 0x94D049BB133111EB; z ^= z >> 31          (all mod 2**64)
    key      = mix(seed + stream * GOLDEN)
    u(index) = (mix(key + (index + 1) * GOLDEN) >> 11) * 2**-53      in [0, 1)

:func:`generate_quotes` and :func:`generate_l2` reproduce the benchmark generators row for
row (with their default instruments); :func:`generate_market` makes quotes and trades for
several instruments at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from lyra.errors import InvalidInput
from lyra.model.columnar import BookDeltaBatch, QuoteBatch, TradeBatch
from lyra.model.enums import AggressorSide, BookAction, OrderSide
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, Instrument

__all__ = (
    "DT_NS",
    "T0_NS",
    "L2Data",
    "MarketData",
    "default_l2_instrument",
    "default_quote_instrument",
    "generate_l2",
    "generate_market",
    "generate_quotes",
    "uniforms",
)

_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)
_INV53: Final = 1.0 / float(1 << 53)

T0_NS: Final = 1_704_067_200_000_000_000
"""Timestamp of the first generated event: 2024-01-01T00:00:00Z in ns."""
DT_NS: Final = 1_000_000
"""Default gap between consecutive generated events (1 ms)."""

_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]


def _mix(z: _U64) -> _U64:
    with np.errstate(over="ignore"):
        z = z ^ (z >> np.uint64(30))
        z = z * _M1
        z = z ^ (z >> np.uint64(27))
        z = z * _M2
        z = z ^ (z >> np.uint64(31))
    return z


def uniforms(seed: int, stream: int, start: int, count: int) -> _F64:
    """``u(start) .. u(start + count - 1)`` of the ``(seed, stream)`` SplitMix64 stream, as
    float64 in [0, 1). Identical to the benchmarks' ``synth.uniforms``."""
    for name, v in (("seed", seed), ("stream", stream), ("start", start), ("count", count)):
        if type(v) is not int or v < 0:
            raise InvalidInput(f"uniforms.{name}", "must be an int >= 0", v)
    with np.errstate(over="ignore"):
        key = _mix(np.array([seed % 2**64], dtype=np.uint64) + np.uint64(stream % 2**64) * _GOLDEN)
        idx = np.arange(start + 1, start + count + 1, dtype=np.uint64)
        z = _mix(key + idx * _GOLDEN)
    return (z >> np.uint64(11)).astype(np.float64) * _INV53


def default_quote_instrument() -> CurrencyPair:
    """The benchmark's quote instrument: EUR/USD with 0.00001 ticks and whole-unit sizes."""
    return CurrencyPair.simple(
        "EURUSD.SIM", base="EUR", quote="USD", price_increment="0.00001", size_increment="1"
    )


def default_l2_instrument() -> CurrencyPair:
    """The benchmark's L2 instrument: 0.01 ticks (100.00 at the start), whole-unit sizes."""
    return CurrencyPair.simple(
        "BTCUSD.SIM", base="BTC", quote="USD", price_increment="0.01", size_increment="1"
    )


def _check_count(field: str, n: object) -> int:
    if type(n) is not int or n < 0:
        raise InvalidInput(field, "must be an int >= 0", n)
    return n


def _quote_batch(
    inst: Instrument, bid: _I64, ask: _I64, bsz: _I64, asz: _I64, ts: _I64
) -> QuoteBatch:
    return QuoteBatch.from_ticks_arrays(
        bid,
        ask,
        bsz,
        asz,
        ts,
        instrument_id=inst.id,
        price_increment_raw=inst.price_increment.raw,
        size_increment_raw=inst.size_increment.raw,
        price_precision=inst.price_precision,
        size_precision=inst.size_precision,
    )


def generate_quotes(
    n: int,
    seed: int = 42,
    *,
    instrument: Instrument | None = None,
    start_ticks: int = 110_000,
    lot: int = 100_000,
    t0_ns: int = T0_NS,
    dt_ns: int = DT_NS,
) -> QuoteBatch:
    """``n`` top-of-book quotes: a random walk of the bid, a 1-2 tick spread, random sizes.

    Four uniforms per quote (stream 1, index ``4*i + j``): ``j=0`` moves the bid -1 tick if
    u < 0.25, +1 if u >= 0.75; ``j=1`` spread 1 tick if u < 0.5 else 2; ``j=2``/``j=3`` bid /
    ask size ``(1 + floor(10u)) * lot`` (in ``size_increment`` s). ``ts_event`` is
    ``t0_ns + i * dt_ns``. With the defaults (and :func:`default_quote_instrument`) the rows
    equal ``synth.gen_quotes(n, seed)``.
    """
    n = _check_count("generate_quotes.n", n)
    inst = default_quote_instrument() if instrument is None else instrument
    u = uniforms(seed, 1, 0, 4 * n).reshape(n, 4)
    step = np.where(u[:, 0] < 0.25, -1, np.where(u[:, 0] >= 0.75, 1, 0)).astype(np.int64)
    bid = start_ticks + np.cumsum(step)
    ask = bid + np.where(u[:, 1] < 0.5, 1, 2)
    bid_sz = (1 + np.floor(u[:, 2] * 10).astype(np.int64)) * lot
    ask_sz = (1 + np.floor(u[:, 3] * 10).astype(np.int64)) * lot
    ts = t0_ns + np.arange(n, dtype=np.int64) * dt_ns
    return _quote_batch(inst, bid, ask, bid_sz, ask_sz, ts)


class L2Data(NamedTuple):
    """An L2 stream: the depth deltas and the trades, each in time order."""

    deltas: BookDeltaBatch
    trades: TradeBatch


_BUY: Final = int(OrderSide.BUY)
_SELL: Final = int(OrderSide.SELL)
_ADD: Final = int(BookAction.ADD)
_UPDATE: Final = int(BookAction.UPDATE)
_DELETE: Final = int(BookAction.DELETE)
_CHUNK: Final = 65536


def _l2_events(
    n: int,
    seed: int,
    w: int,
    p_move: float,
    p_trade: float,
    p_delete: float,
    max_qty: int,
    center: int,
) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """(kind, side, action, price ticks, qty) lists of ``synth.gen_l2`` (same algorithm)."""
    kind: list[int] = []
    side: list[int] = []
    action: list[int] = []
    price: list[int] = []
    qty: list[int] = []
    ka, sa, aa, pa, qa = kind.append, side.append, action.append, price.append, qty.append

    def emit(k: int, s: int, a: int, p: int, q: int) -> None:
        ka(k)
        sa(s)
        aa(a)
        pa(p)
        qa(q)

    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    c = center
    u0 = uniforms(seed, 2, 0, 2 * w).tolist()
    for k in range(1, w + 1):
        q = 1 + int(u0[k - 1] * max_qty)
        bids[c - k] = q
        emit(0, _BUY, _ADD, c - k, q)
    for k in range(1, w + 1):
        q = 1 + int(u0[w + k - 1] * max_qty)
        asks[c + k] = q
        emit(0, _SELL, _ADD, c + k, q)

    p_mt = p_move + p_trade
    s0 = 0
    while len(kind) < n:
        u = uniforms(seed, 3, 6 * s0, 6 * _CHUNK).tolist()
        s0 += _CHUNK
        for j in range(0, 6 * _CHUNK, 6):
            if len(kind) >= n:
                break
            a = u[j]
            b = u[j + 1]
            if a < p_move:
                # the centre moves one tick: the touch on one side goes, a level appears
                if b < 0.5:
                    if c + 1 in asks:
                        del asks[c + 1]
                        emit(0, _SELL, _DELETE, c + 1, 0)
                    if c - w in bids:
                        del bids[c - w]
                        emit(0, _BUY, _DELETE, c - w, 0)
                    q = 1 + int(u[j + 2] * max_qty)
                    bids[c] = q
                    emit(0, _BUY, _ADD, c, q)
                    q = 1 + int(u[j + 3] * max_qty)
                    asks[c + 1 + w] = q
                    emit(0, _SELL, _ADD, c + 1 + w, q)
                    c += 1
                else:
                    if c - 1 in bids:
                        del bids[c - 1]
                        emit(0, _BUY, _DELETE, c - 1, 0)
                    if c + w in asks:
                        del asks[c + w]
                        emit(0, _SELL, _DELETE, c + w, 0)
                    q = 1 + int(u[j + 2] * max_qty)
                    asks[c] = q
                    emit(0, _SELL, _ADD, c, q)
                    q = 1 + int(u[j + 3] * max_qty)
                    bids[c - 1 - w] = q
                    emit(0, _BUY, _ADD, c - 1 - w, q)
                    c -= 1
            elif a < p_mt:
                if b < 0.5:
                    p = c + 1
                    while p not in asks and p <= c + w:
                        p += 1
                    if p > c + w:
                        continue
                    lq = asks[p]
                    tq = 1 + int(u[j + 2] * min(lq, 20))
                    emit(1, _BUY, 0, p, tq)
                    if tq >= lq:
                        del asks[p]
                        emit(0, _SELL, _DELETE, p, 0)
                    else:
                        asks[p] = lq - tq
                        emit(0, _SELL, _UPDATE, p, lq - tq)
                else:
                    p = c - 1
                    while p not in bids and p >= c - w:
                        p -= 1
                    if p < c - w:
                        continue
                    lq = bids[p]
                    tq = 1 + int(u[j + 2] * min(lq, 20))
                    emit(1, _SELL, 0, p, tq)
                    if tq >= lq:
                        del bids[p]
                        emit(0, _BUY, _DELETE, p, 0)
                    else:
                        bids[p] = lq - tq
                        emit(0, _BUY, _UPDATE, p, lq - tq)
            else:
                k = 1 + int(u[j + 2] * w)
                if b < 0.5:
                    book, p, sd = bids, c - k, _BUY
                else:
                    book, p, sd = asks, c + k, _SELL
                if p not in book:
                    q = 1 + int(u[j + 3] * max_qty)
                    book[p] = q
                    emit(0, sd, _ADD, p, q)
                elif u[j + 4] < p_delete:
                    del book[p]
                    emit(0, sd, _DELETE, p, 0)
                else:
                    q = 1 + int(u[j + 3] * max_qty)
                    book[p] = q
                    emit(0, sd, _UPDATE, p, q)

    del kind[n:], side[n:], action[n:], price[n:], qty[n:]
    return kind, side, action, price, qty


def generate_l2(
    n: int,
    seed: int = 7,
    *,
    instrument: Instrument | None = None,
    levels_per_side: int = 100,
    p_move: float = 0.02,
    p_trade: float = 0.0,
    p_delete: float = 0.2,
    max_qty: int = 100,
    center: int = 10_000,
    t0_ns: int = T0_NS,
    dt_ns: int = DT_NS,
) -> L2Data:
    """An L2 (market-by-price) stream of ``n`` events: depth deltas plus trades.

    The algorithm is ``synth.gen_l2``'s: a window of ``2 * levels_per_side`` price levels
    around a drifting centre (``center`` ticks at the start), built by ADDs, then random
    ADD/UPDATE/DELETE of levels, centre moves (probability ``p_move``) and trades at the
    touch (probability ``p_trade``, each followed by the UPDATE/DELETE of the level it hit).
    Event ``i`` (delta or trade) has ``ts_event = t0_ns + i * dt_ns``; the events split into
    :attr:`L2Data.deltas` and :attr:`L2Data.trades` (trade id ``"L2-<i>"``). Prices are in
    ticks of the instrument (default :func:`default_l2_instrument`), sizes in size increments.
    """
    n = _check_count("generate_l2.n", n)
    w = _check_count("generate_l2.levels_per_side", levels_per_side)
    if w == 0 or max_qty < 1 or center <= w:
        raise InvalidInput(
            "generate_l2", "needs levels_per_side >= 1, max_qty >= 1 and center > levels_per_side"
        )
    inst = default_l2_instrument() if instrument is None else instrument
    kind_l, side_l, action_l, price_l, qty_l = _l2_events(
        n, seed, w, p_move, p_trade, p_delete, max_qty, center
    )
    kind = np.array(kind_l, dtype=np.int8)
    side = np.array(side_l, dtype=np.uint8)
    action = np.array(action_l, dtype=np.uint8)
    price = np.array(price_l, dtype=np.int64)
    qty = np.array(qty_l, dtype=np.int64)
    ts = t0_ns + np.arange(n, dtype=np.int64) * dt_ns
    depth = kind == 0
    deltas = BookDeltaBatch.from_ticks_arrays(
        action[depth],
        side[depth],
        price[depth],
        qty[depth],
        ts[depth],
        instrument_id=inst.id,
        price_increment_raw=inst.price_increment.raw,
        size_increment_raw=inst.size_increment.raw,
        price_precision=inst.price_precision,
        size_precision=inst.size_precision,
        sequence=np.flatnonzero(depth).astype(np.uint64),
    )
    trade_rows = np.flatnonzero(~depth)
    trades = _trade_batch(
        inst,
        price[trade_rows],
        qty[trade_rows],
        side[trade_rows],  # BUY/SELL of the aggressor == AggressorSide BUYER/SELLER
        np.array([f"L2-{i}" for i in trade_rows.tolist()], dtype="S64"),
        ts[trade_rows],
    )
    return L2Data(deltas, trades)


def _trade_batch(
    inst: Instrument, ticks: _I64, lots: _I64, aggressor: Any, ids: Any, ts: _I64
) -> TradeBatch:
    p_inc = inst.price_increment.raw
    s_inc = inst.size_increment.raw
    return TradeBatch.from_arrays(
        instrument_id=inst.id,
        price_precision=inst.price_precision,
        size_precision=inst.size_precision,
        price=ticks.astype(np.int64) * np.int64(p_inc),
        size=lots.astype(np.uint64) * np.uint64(s_inc),
        aggressor_side=aggressor,
        trade_id=ids,
        ts_event=ts,
    )


class MarketData(NamedTuple):
    """Quotes and trades of one instrument."""

    quotes: QuoteBatch
    trades: TradeBatch


def generate_market(
    instruments: Iterable[Instrument],
    n: int,
    seed: int = 0,
    *,
    start_ticks: Mapping[InstrumentId, int] | None = None,
    max_spread_ticks: int = 3,
    max_size_lots: int = 100,
    trade_probability: float = 0.1,
    t0_ns: int = T0_NS,
    dt_ns: int = DT_NS,
) -> dict[InstrumentId, MarketData]:
    """``n`` quotes (and the trades between them) for each instrument.

    Per instrument ``k`` (in the given order; stream ``100 + k``, six uniforms per step):
    the mid ticks walk -1/0/+1 (reflected to stay >= 1 tick), the spread is 1..
    ``max_spread_ticks`` ticks, touch sizes 1..``max_size_lots`` size increments, and with
    probability ``trade_probability`` a trade follows the quote at the touch: a buyer lifts the
    ask or a seller hits the bid, for 1..(touch size) increments, half a step later. Quote
    ``i`` is at ``t0_ns + i * dt_ns + k`` so merged streams have a fixed order. Start prices
    default to 10_000 ticks.
    """
    n = _check_count("generate_market.n", n)
    if max_spread_ticks < 1 or max_size_lots < 1 or not 0.0 <= trade_probability <= 1.0:
        raise InvalidInput(
            "generate_market",
            "needs max_spread_ticks >= 1, max_size_lots >= 1 and 0 <= trade_probability <= 1",
        )
    out: dict[InstrumentId, MarketData] = {}
    for k, inst in enumerate(instruments):
        if inst.id in out:
            raise InvalidInput("generate_market.instruments", "must not repeat an id", inst.id)
        start = 10_000 if start_ticks is None else int(start_ticks.get(inst.id, 10_000))
        u = uniforms(seed, 100 + k, 0, 6 * n).reshape(n, 6)
        step = np.where(u[:, 0] < 1 / 3, -1, np.where(u[:, 0] >= 2 / 3, 1, 0)).astype(np.int64)
        bid = start + np.cumsum(step)
        bid = np.where(bid < 1, 2 - bid, bid)  # reflect at 1 tick: prices stay positive
        ask = bid + 1 + np.floor(u[:, 1] * max_spread_ticks).astype(np.int64)
        bsz = 1 + np.floor(u[:, 2] * max_size_lots).astype(np.int64)
        asz = 1 + np.floor(u[:, 3] * max_size_lots).astype(np.int64)
        ts = t0_ns + np.arange(n, dtype=np.int64) * dt_ns + k
        quotes = _quote_batch(inst, bid, ask, bsz, asz, ts)
        rows = np.flatnonzero(u[:, 4] < trade_probability)
        buyer = u[rows, 5] < 0.5
        touch = np.where(buyer, asz[rows], bsz[rows])
        # reuse u5 (its position within its half) for the size, so a trade costs no extra draw
        frac = np.where(buyer, u[rows, 5] * 2.0, u[rows, 5] * 2.0 - 1.0)
        tsize = 1 + np.floor(frac * touch).astype(np.int64)
        tsize = np.minimum(tsize, touch)
        trades = _trade_batch(
            inst,
            np.where(buyer, ask[rows], bid[rows]),
            tsize,
            np.where(buyer, int(AggressorSide.BUYER), int(AggressorSide.SELLER)).astype(np.uint8),
            np.array([f"{k}-{i}" for i in rows.tolist()], dtype="S64"),
            ts[rows] + dt_ns // 2,
        )
        out[inst.id] = MarketData(quotes, trades)
    return out
