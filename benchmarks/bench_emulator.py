"""Speed of order emulation (lyra.emulator).

1,000 emulated stop orders rest across 10 instruments (100 each: buy stops above the market,
sell stops below it, 1 to 50 ticks away); quotes random-walk inside the band so that none
triggers. Figures, best of several repeats, timed with ``time.perf_counter``:

* ``emulator.quote.bus.1000_resting`` -- quotes per second published on the
  :class:`~lyra.bus.EventBus` and handled by the :class:`~lyra.emulator.OrderEmulator`
  (the real path: bus dispatch, the per-instrument handler, the trigger book).
* ``emulator.quote.direct.1000_resting`` -- quotes per second given to
  ``OrderEmulator.process_quote``.
* ``emulator.trigger_book.on_quote.100_resting`` -- one instrument's
  :class:`~lyra.emulator.TriggerBook` alone, raw integer prices.
* ``emulator.quote.naive_scan.1000_resting`` -- the baseline the ladders avoid: every quote
  checks every order of its instrument with :func:`~lyra.emulator.is_triggered`.
* ``emulator.quote.bus.1000_resting_100_trailing`` -- as the first, with 10 of each
  instrument's 100 orders trailing stops (re-evaluated on every quote of their instrument).
* ``emulator.trigger_and_release`` -- stop orders per second taken, triggered by a quote and
  released to a venue (``OrderEmulated``, ``OrderReleased``, the venue's ``OrderSubmitted``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.emulator import MarketState, OrderEmulator, TriggerBook, is_triggered
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide, OrderType, TriggerType
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.venue import ConnectionStatus, OrderFlow, VenueCapabilities

__all__ = ("run",)

_T0 = 1_700_000_000_000_000_000
_N_INSTRUMENTS = 10
_PER_INSTRUMENT = 100
_MID_TICKS = 10_000  # 100.00 at a 0.01 tick
_TICK = Price("0.01")
_SIZE = Quantity("1.000")


class _NullVenue:
    """Just enough of a Venue: local checks and OrderSubmitted, no answers."""

    def __init__(self, bus: EventBus, clock: TestClock) -> None:
        self._flow = OrderFlow("BENCH", "BENCH-1", bus, clock, status=ConnectionStatus.CONNECTED)
        self.capabilities = VenueCapabilities()
        self.venue = self._flow.venue

    def submit_order(self, order: Order) -> None:
        self._flow.begin_submit(order)

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        pass

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        pass

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        pass

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        pass


def _instruments() -> list[CurrencyPair]:
    bases = ("BTC", "ETH", "SOL", "XRP", "ADA", "DOT", "LTC", "BCH", "LINK", "AVAX")
    return [
        CurrencyPair.simple(
            f"{b}USD.BENCH", base="BTC", quote="USD", price_increment="0.01", size_increment="0.001"
        )
        for b in bases[:_N_INSTRUMENTS]
    ]


def _setup(trailing_per_instrument: int = 0) -> tuple[EventBus, OrderEmulator, list[Any]]:
    clock = TestClock(_T0)
    bus = EventBus()
    venue = _NullVenue(bus, clock)
    pairs = _instruments()
    emu = OrderEmulator(venue, bus, clock, instruments=pairs)  # type: ignore[arg-type]
    orders = OrderFactory("bench", clock=clock, epoch=1)
    rng = random.Random(7)
    for pair in pairs:
        bus.publish(
            topics.quotes(pair.id),
            QuoteTick(pair.id, _px(_MID_TICKS - 1), _px(_MID_TICKS + 1), _SIZE, _SIZE, _T0, _T0),
        )
        for k in range(_PER_INSTRUMENT):
            buy = k % 2 == 0
            side = OrderSide.BUY if buy else OrderSide.SELL
            if k < trailing_per_instrument:
                o = orders.trailing_stop_market(
                    pair.id,
                    side,
                    _SIZE,
                    trailing_offset=Decimal(60),
                    trailing_offset_type=3,  # type: ignore[arg-type]
                    emulation_trigger=TriggerType.BID_ASK,
                )
            else:
                away = rng.randint(25, 75)  # beyond the walk's reach
                trig = _MID_TICKS + away if buy else _MID_TICKS - away
                o = orders.stop_market(
                    pair.id, side, _SIZE, _px(trig), emulation_trigger=TriggerType.BID_ASK
                )
            emu.submit_order(o)
    assert len(emu.held_orders()) == _N_INSTRUMENTS * _PER_INSTRUMENT
    # quotes: a bounded random walk per instrument, round robin across instruments
    ticks: list[Any] = []
    mids = [_MID_TICKS] * _N_INSTRUMENTS
    for n in range(20_000):
        i = n % _N_INSTRUMENTS
        mids[i] = min(_MID_TICKS + 20, max(_MID_TICKS - 20, mids[i] + rng.choice((-1, 0, 1))))
        m = mids[i]
        ts = _T0 + n
        ticks.append(
            (
                topics.quotes(pairs[i].id),
                QuoteTick(pairs[i].id, _px(m - 1), _px(m + 1), _SIZE, _SIZE, ts, ts),
            )
        )
    return bus, emu, ticks


def _px(ticks: int) -> Price:
    return Price.from_raw(ticks * _TICK.raw, 2)


def _best_rate(fn: Callable[[], int], repeats: int) -> float:
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        n = fn()
        elapsed = time.perf_counter() - start
        best = max(best, n / elapsed)
    return best


def _bench_bus(quick: bool, trailing: int = 0) -> float:
    bus, emu, ticks = _setup(trailing)
    n = 2_000 if quick else len(ticks)
    batch = ticks[:n]
    publish = bus.publish

    def go() -> int:
        for topic, tick in batch:
            publish(topic, tick)
        return n

    rate = _best_rate(go, 2 if quick else 5)
    assert len(emu.held_orders()) == _N_INSTRUMENTS * _PER_INSTRUMENT  # nothing triggered
    return rate


def _bench_direct(quick: bool) -> float:
    _, emu, ticks = _setup()
    n = 2_000 if quick else len(ticks)
    batch = [t for _, t in ticks[:n]]
    process = emu.process_quote

    def go() -> int:
        for tick in batch:
            process(tick)
        return n

    return _best_rate(go, 2 if quick else 5)


def _book_and_quotes(quick: bool) -> tuple[TriggerBook, list[tuple[int, int]], list[Any]]:
    book = TriggerBook()
    rng = random.Random(3)
    tick = _TICK.raw
    specs = []
    for k in range(_PER_INSTRUMENT):
        buy = k % 2 == 0
        away = rng.randint(25, 75)
        trig = (_MID_TICKS + away if buy else _MID_TICKS - away) * tick
        side = OrderSide.BUY if buy else OrderSide.SELL
        book.add(
            k,
            side=side,
            order_type=OrderType.STOP_MARKET,
            trigger_type=TriggerType.BID_ASK,
            trigger=trig,
            seq=k,
        )
        specs.append((side, trig))
    quotes = []
    m = _MID_TICKS
    for _ in range(2_000 if quick else 50_000):
        m = min(_MID_TICKS + 20, max(_MID_TICKS - 20, m + rng.choice((-1, 0, 1))))
        quotes.append(((m - 1) * tick, (m + 1) * tick))
    return book, quotes, specs


def _bench_book(quick: bool) -> float:
    book, quotes, _ = _book_and_quotes(quick)
    on_quote = book.on_quote

    def go() -> int:
        for bid, ask in quotes:
            on_quote(bid, ask)
        return len(quotes)

    rate = _best_rate(go, 2 if quick else 5)
    assert len(book) == _PER_INSTRUMENT
    return rate


def _bench_naive(quick: bool) -> float:
    _, quotes, specs = _book_and_quotes(quick)
    quotes = quotes[: 500 if quick else 5_000]
    state = MarketState()
    stop = OrderType.STOP_MARKET
    bid_ask = TriggerType.BID_ASK

    def go() -> int:
        for bid, ask in quotes:
            state.bid = bid
            state.ask = ask
            for side, trig in specs:
                if is_triggered(state, side, stop, bid_ask, trig):
                    raise AssertionError("nothing should trigger")
        return len(quotes)

    return _best_rate(go, 2 if quick else 3)


def _bench_release(quick: bool) -> float:
    n = 200 if quick else 5_000
    pair = _instruments()[0]
    best = 0.0
    for _ in range(2 if quick else 3):
        clock = TestClock(_T0)
        bus = EventBus()
        venue = _NullVenue(bus, clock)
        emu = OrderEmulator(venue, bus, clock, instruments=[pair])  # type: ignore[arg-type]
        factory = OrderFactory("rel", clock=clock, epoch=1)
        topic = topics.quotes(pair.id)
        low = QuoteTick(pair.id, _px(9_998), _px(10_000), _SIZE, _SIZE, _T0, _T0)
        high = QuoteTick(pair.id, _px(10_001), _px(10_003), _SIZE, _SIZE, _T0, _T0)
        orders = [
            factory.stop_market(
                pair.id, OrderSide.BUY, _SIZE, _px(10_002), emulation_trigger=TriggerType.BID_ASK
            )
            for _ in range(n)
        ]
        start = time.perf_counter()
        for o in orders:
            bus.publish(topic, low)
            emu.submit_order(o)
            bus.publish(topic, high)
        elapsed = time.perf_counter() - start
        assert all(o.status.name == "SUBMITTED" for o in orders)
        best = max(best, n / elapsed)
    return best


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure and return (figure, value, unit) rows."""
    return [
        ("emulator.quote.bus.1000_resting", _bench_bus(quick), "quotes/s"),
        ("emulator.quote.direct.1000_resting", _bench_direct(quick), "quotes/s"),
        ("emulator.trigger_book.on_quote.100_resting", _bench_book(quick), "quotes/s"),
        ("emulator.quote.naive_scan.1000_resting", _bench_naive(quick), "quotes/s"),
        (
            "emulator.quote.bus.1000_resting_100_trailing",
            _bench_bus(quick, trailing=10),
            "quotes/s",
        ),
        ("emulator.trigger_and_release", _bench_release(quick), "orders/s"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
