"""Order benchmarks: creating orders, applying events, serializing events.

Rows:

* ``orders.factory.limit``: LIMIT orders created per second by ``OrderFactory.limit``
  (id generation, the ``OrderInitialized`` event, validation, the ``Order`` object).
* ``orders.apply.typical_lifecycle``: events applied per second, replaying a typical life
  (submitted, accepted, partial fill, fill) onto fresh orders; events are built beforehand.
* ``orders.apply.fill``: ``OrderFilled`` events applied per second (partial fills of one big
  order; the exact average price and per-currency commissions are kept each time).
* ``orders.encode.msgpack.OrderFilled``: ``OrderFilled`` events encoded to msgpack per second.
* ``orders.decode.msgpack.OrderFilled``: the same bytes decoded per second.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lyra.model.currency import Currency
from lyra.model.enums import OrderSide
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, decode_event, encode_event

__all__ = ("run",)

_INSTRUMENT = InstrumentId("BTCUSDT.BINANCE")
_USDT = Currency.from_str("USDT")


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000_000_000

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def _best(repeats: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(repeats))


def _factory() -> OrderFactory:
    return OrderFactory("BENCH-1", clock=_Clock(), epoch=1, id_prefix="b")


def _create_rate(n: int, repeats: int) -> float:
    factory = _factory()
    limit = factory.limit
    qty, px, side = Quantity("0.010"), Price("65000.10"), OrderSide.BUY

    def once() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            limit(_INSTRUMENT, side, qty, px)
        return time.perf_counter() - t0

    return n / _best(repeats, once)


def _lifecycles(n: int) -> list[tuple[OrderEvent, ...]]:
    factory = _factory()
    ev = factory.events
    out = []
    commission = Money("0.0065", _USDT)
    for i in range(n):
        order = factory.limit(_INSTRUMENT, OrderSide.BUY, Quantity("1.000"), Price("65000.10"))
        events = [ev.submitted(order), ev.accepted(order, f"V{i}")]
        order.apply(events[0])
        order.apply(events[1])
        for k, q in enumerate(("0.400", "0.600")):
            f = ev.filled(
                order,
                trade_id=f"T{i}-{k}",
                last_qty=Quantity(q),
                last_px=Price("65000.10"),
                commission=commission,
            )
            order.apply(f)
            events.append(f)
        out.append((order.init, *events))
    return out


def _apply_rate(n: int, repeats: int) -> float:
    lives = _lifecycles(n)
    per_order = len(lives[0]) - 1

    def once() -> float:
        orders = [Order(life[0]) for life in lives]  # creation is not timed
        t0 = time.perf_counter()
        for order, life in zip(orders, lives, strict=True):
            apply = order.apply
            for event in life[1:]:
                apply(event)
        return time.perf_counter() - t0

    return n * per_order / _best(repeats, once)


def _fill_rate(n: int, repeats: int) -> float:
    factory = _factory()
    ev = factory.events
    template = factory.limit(_INSTRUMENT, OrderSide.SELL, Quantity(n * 2), Price("100.00"))
    template.apply(ev.submitted(template))
    template.apply(ev.accepted(template, "V-1"))
    fills = [
        ev.filled(
            template,
            trade_id=f"T{i}",
            last_qty=Quantity("1"),
            last_px=Price("100.00") if i % 2 else Price("100.05"),
            commission=Money("0.01", _USDT),
        )
        for i in range(n)
    ]
    head = template.events

    def once() -> float:
        order = Order.from_events(head)
        apply = order.apply
        t0 = time.perf_counter()
        for f in fills:
            apply(f)
        return time.perf_counter() - t0

    return n / _best(repeats, once)


def _sample_fill() -> OrderEvent:
    return _lifecycles(1)[0][-1]


def _encode_rate(n: int, repeats: int) -> float:
    event = _sample_fill()

    def once() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            encode_event(event)
        return time.perf_counter() - t0

    return n / _best(repeats, once)


def _decode_rate(n: int, repeats: int) -> float:
    data = encode_event(_sample_fill())

    def once() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            decode_event(data)
        return time.perf_counter() - t0

    return n / _best(repeats, once)


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure every figure; ``quick`` uses tiny sizes (a smoke run)."""
    n = 2_000 if quick else 50_000
    repeats = 2 if quick else 5
    return [
        ("orders.factory.limit", _create_rate(n, repeats), "orders/s"),
        ("orders.apply.typical_lifecycle", _apply_rate(n // 4, repeats), "events/s"),
        ("orders.apply.fill", _fill_rate(n, repeats), "events/s"),
        ("orders.encode.msgpack.OrderFilled", _encode_rate(n, repeats), "msgs/s"),
        ("orders.decode.msgpack.OrderFilled", _decode_rate(n, repeats), "msgs/s"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
