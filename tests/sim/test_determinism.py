"""Same data, same seed, same code -> the same event log, byte for byte (lyra.model.codec)."""

from __future__ import annotations

import numpy as np

from lyra.bus import EventBus
from lyra.model.codec import decode_msgpack, encode_msgpack
from lyra.model.columnar import QuoteBatch
from lyra.model.enums import OrderSide, TimeInForce
from lyra.model.values import Money
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.sim import LatencyConfig, SimulatedExchange
from lyra.venue.testing import assert_order_events

from .helpers import BTC, BTCUSDT, ETHUSDT, MS, T0, USDT

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _quotes(n: int, seed: int, instrument: object = BTCUSDT) -> QuoteBatch:
    rng = np.random.default_rng(seed)
    bid = 10_000 + np.cumsum(rng.choice([-1, 0, 0, 1], n))
    ask = bid + rng.integers(1, 3, n)
    return QuoteBatch.from_ticks_arrays(
        bid,
        ask,
        rng.integers(1, 5, n),
        rng.integers(1, 5, n),
        T0 + np.arange(n, dtype=np.int64) * MS,
        instrument_id=instrument.id,  # type: ignore[attr-defined]
        price_increment_raw=BTCUSDT.price_increment.raw,
        size_increment_raw=BTCUSDT.size_increment.raw * 1000,
    )


def _run(seed: int) -> bytes:
    bus = EventBus()
    log: list[bytes] = []
    streams: dict[str, list[OrderEvent]] = {}
    bus.subscribe("events.*", lambda e: log.append(encode_msgpack(e)))
    bus.subscribe("events.order.*", lambda e: streams.setdefault(e.client_order_id, []).append(e))
    ex = SimulatedExchange(
        "SIM",
        bus=bus,
        instruments=[BTCUSDT, ETHUSDT],
        starting_balances=[Money("10000000", USDT), Money("1000", BTC)],
        latency=LatencyConfig(submit_ns=2 * MS, cancel_ns=MS, modify_ns=MS, jitter_ns=3 * MS),
        seed=seed,
    )
    other = ex.add_account("SIM-002", [Money("10000000", USDT), Money("1000", BTC)])
    ticks = iter(range(T0, 2**62))
    f = OrderFactory("MM", clock=lambda: next(ticks), epoch=11, id_prefix="mm")
    g = OrderFactory("TK", clock=lambda: next(ticks), epoch=11, id_prefix="tk")
    working: list[Order] = []

    def on_event(event: object) -> None:
        # a strategy reacting to its fills: re-quote on the other side
        if isinstance(event, OrderFilled) and len(working) < 200:
            side = SELL if event.order_side is BUY else BUY
            step = BTCUSDT.price_increment * 3
            price = event.last_px + step if side is SELL else event.last_px - step
            o = f.limit(BTCUSDT.id, side, event.last_qty, price)
            working.append(o)
            ex.submit_order(o)

    bus.subscribe("events.order.MM", on_event)
    for i, batch in enumerate((_quotes(300, 1), _quotes(300, 2))):
        start = T0 + i * 300 * MS
        for k in range(5):
            ex.advance_time(start - (5 - k) * MS)
            px = BTCUSDT.price_from_ticks(10_000 - 2 + k)
            o = f.limit(BTCUSDT.id, BUY, BTCUSDT.qty_from_lots(1000), px)
            working.append(o)
            ex.submit_order(o)
            theirs = g.limit(
                BTCUSDT.id,
                SELL,
                BTCUSDT.qty_from_lots(500),
                BTCUSDT.price_from_ticks(10_000 + 3 + k),
                time_in_force=TimeInForce.IOC if k % 2 else TimeInForce.GTC,
            )
            working.append(theirs)
            other.submit_order(theirs)
        shifted = batch.array.copy()
        shifted["ts_event"] += i * 300 * MS
        shifted["ts_init"] += i * 300 * MS
        ex.process(
            QuoteBatch(shifted, instrument_id=BTCUSDT.id, price_precision=2, size_precision=3)
        )
        ex.cancel_all_orders(BTCUSDT.id, BUY)
        ex.settle()
    ex.advance_time(ex.now + 10 * MS)
    assert log, "nothing happened"
    assert any(type(decode_msgpack(b)) is OrderFilled for b in log)
    for order in working:  # latency, jitter, handlers: the stream rules still hold
        assert_order_events(order, streams[order.client_order_id])
    return b"".join(log)


def test_the_same_inputs_and_seed_give_a_byte_identical_event_log() -> None:
    assert _run(7) == _run(7)


def test_the_seed_matters_when_latency_has_jitter() -> None:
    assert _run(7) != _run(8)
