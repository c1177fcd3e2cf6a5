"""Contingency benchmarks: order events processed per second by the decision core.

Rows:

* ``contingency.core.bracket_events``: order events of emulated brackets processed per second
  by ``ContingencyCore.on_event`` -- each event updates the member's state, re-evaluates the
  list's rules and returns the actions (release, resize, cancel, contingency events). The
  stream is a realistic bracket life: entry submitted and accepted, filled in several parts
  (children released, then grown), a partial take-profit (stop resized), the rest of the
  position taken by the stop-loss (take-profit canceled). It is generated once by a small
  in-process venue; each repeat replays it into a core restored from the same saved state.
* ``contingency.core.ouo_events``: the same for top-level OUO pairs (partial fills resize
  the sibling).
* ``contingency.core.unmanaged_events``: order events of orders in no managed list, which the
  core must skip (one dict lookup), per second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lyra.contingency import (
    CancelHeld,
    CancelOrder,
    ContingencyCore,
    ContingencyState,
    ModifyQuantity,
    SubmitOrder,
)
from lyra.model.codec import decode_msgpack, encode_msgpack
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderType
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity
from lyra.orders import EventFactory, Order, OrderEvent, OrderFactory

__all__ = ("run",)

_IID = InstrumentId("BTCUSDT.BINANCE")
_USDT = Currency.from_str("USDT")


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000_000_000

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


class _Venue:
    """Answers the core's actions at once and records every event (generation only)."""

    def __init__(self, core: ContingencyCore, clock: _Clock) -> None:
        self.core = core
        self.ev = EventFactory(clock, id_prefix="V-")
        self.orders: dict[str, Order] = {}
        self.log: list[OrderEvent] = []
        self.trades = 0

    def send(self, event: OrderEvent) -> None:
        self.orders[event.client_order_id].apply(event)
        self.log.append(event)
        for action in self.core.on_event(event):
            self.act(action)

    def act(self, action: Any) -> None:
        ev = self.ev
        if isinstance(action, SubmitOrder):
            o = self.orders[action.client_order_id]
            if o.quantity != action.quantity:
                self.send(ev.updated(o, quantity=action.quantity))
            self.send(ev.submitted(o))
            self.send(ev.accepted(o, f"V{o.client_order_id}"))
        elif isinstance(action, ModifyQuantity):
            o = self.orders[action.client_order_id]
            self.send(ev.pending_update(o, venue_order_id=o.venue_order_id))
            self.send(ev.updated(o, quantity=action.quantity, venue_order_id=o.venue_order_id))
        elif isinstance(action, CancelOrder):
            o = self.orders[action.client_order_id]
            self.send(ev.pending_cancel(o, venue_order_id=o.venue_order_id))
            self.send(ev.canceled(o, venue_order_id=o.venue_order_id))
        elif isinstance(action, CancelHeld):
            self.send(ev.canceled(self.orders[action.client_order_id]))

    def fill(self, o: Order, qty: str) -> None:
        self.trades += 1
        self.send(
            self.ev.filled(
                o,
                trade_id=f"T{self.trades}",
                last_qty=Quantity(qty),
                last_px=Price("65000.00"),
                commission=Money.zero(_USDT),
                currency=_USDT,
                liquidity_side=LiquiditySide.MAKER,
                venue_order_id=o.venue_order_id or "V",
            )
        )


def _generate(n: int, kind: str) -> tuple[bytes, list[OrderEvent], int]:
    """Saved core state (lists added), the event stream, and how many actions it caused."""
    clock = _Clock()
    core = ContingencyCore()
    venue = _Venue(core, clock)
    factory = OrderFactory("BENCH-1", clock=clock, epoch=1, id_prefix="c")
    lists = []
    for _ in range(n):
        if kind == "bracket":
            lst = factory.bracket(
                _IID,
                OrderSide.BUY,
                Quantity("1.0"),
                entry_type=OrderType.LIMIT,
                entry_price=Price("65000.00"),
                stop_loss_trigger_price=Price("64000.00"),
                take_profit_price=Price("66000.00"),
            )
        else:
            a = factory.limit(_IID, OrderSide.BUY, Quantity("1.0"), Price("64990.00"))
            b = factory.limit(_IID, OrderSide.BUY, Quantity("1.0"), Price("64980.00"))
            lst = factory.ouo([a, b])
        for o in lst:
            venue.orders[o.client_order_id] = o
        lists.append(lst)
    pending = [core.add_list(lst, native=False) for lst in lists]
    saved = encode_msgpack(core.state)
    for started in pending:
        for action in started:
            venue.act(action)
    for lst in lists:
        if kind == "bracket":
            entry, sl, tp = lst.orders
            for q in ("0.3", "0.3", "0.4"):
                venue.fill(entry, q)
            venue.fill(tp, "0.4")
            venue.fill(sl, "0.6")
        else:
            a, b = lst.orders
            for q in ("0.2", "0.3", "0.5"):
                venue.fill(a, q)
    actions = 0
    replay = ContingencyCore(decode_msgpack(saved, ContingencyState))
    for event in venue.log:
        actions += len(replay.on_event(event))
    return saved, venue.log, actions


def _best(repeats: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(repeats))


def _managed_rate(n: int, kind: str, repeats: int) -> float:
    saved, log, _ = _generate(n, kind)

    def once() -> float:
        core = ContingencyCore(decode_msgpack(saved, ContingencyState))
        on_event = core.on_event
        t0 = time.perf_counter()
        for event in log:
            on_event(event)
        return time.perf_counter() - t0

    return len(log) / _best(repeats, once)


def _unmanaged_rate(n: int, repeats: int) -> float:
    saved, _, _ = _generate(100, "bracket")
    clock = _Clock()
    factory = OrderFactory("OTHER-1", clock=clock, epoch=2, id_prefix="u")
    ev = EventFactory(clock)
    orders = [factory.limit(_IID, OrderSide.BUY, Quantity("1"), Price("1.00")) for _ in range(64)]
    events = [ev.submitted(orders[i % 64]) for i in range(n)]

    def once() -> float:
        core = ContingencyCore(decode_msgpack(saved, ContingencyState))
        on_event = core.on_event
        t0 = time.perf_counter()
        for event in events:
            on_event(event)
        return time.perf_counter() - t0

    return n / _best(repeats, once)


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure and return ``(name, value, unit)`` rows."""
    lists = 40 if quick else 2_000
    repeats = 2 if quick else 5
    return [
        (
            "contingency.core.bracket_events",
            _managed_rate(lists, "bracket", repeats),
            "events/s",
        ),
        ("contingency.core.ouo_events", _managed_rate(lists, "ouo", repeats), "events/s"),
        (
            "contingency.core.unmanaged_events",
            _unmanaged_rate(5_000 if quick else 500_000, repeats),
            "events/s",
        ),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
