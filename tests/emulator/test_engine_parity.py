"""The emulator decides like the Rust matching engine.

The same random price sequences and conditional orders go through a
:class:`lyra.emulator.TriggerBook` and through ``lyra._native.SimCore`` (the simulated
exchange's engine, in integer ticks); after every step both must agree on which orders were
refused as already in the market, which fired, and where every trailing stop's trigger is.
Skipped when the extension has no ``SimCore``.

Scenarios keep the engine's own orders from moving the prices that triggers read (the engine
counts its fills as trades, and its best bid and ask include resting orders): quote-driven
orders trade 1 lot against quotes of 10**9 lots; trade-driven orders see no quotes, so a
triggered market order finds no liquidity, and a triggered limit order rests far from the
market (behind the quotes, where there are quotes). Trailing stops are compared for the
trigger types the engine trails on (DEFAULT/BID_ASK, LAST_PRICE, MARK_PRICE); it refuses
trailing stops on MID_POINT, DOUBLE_BID_ASK, DOUBLE_LAST and LAST_OR_BID_ASK, which the
emulator supports (following the reference the order fires on), so those are compared for
plain orders only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

import lyra._native as native
from lyra.emulator import Arm, TrailingState, TriggerBook
from lyra.model.enums import OrderSide, OrderType, TrailingOffsetType, TriggerType

_T = TriggerType
OT = OrderType
BUY, SELL = OrderSide.BUY, OrderSide.SELL
REJECTED, TRIGGERED, UPDATED = 2, 6, 7
TRIGGER_IN_MARKET = 20  # the engine's reject reason code
FAR_LOW, FAR_HIGH = 1, 10_000_000
HUGE = 10**9
BASE = 10_000  # prices around 100.00 in 0.01 ticks


class Pair:
    """One engine and one trigger book, fed the same steps."""

    def __init__(self, reject: bool) -> None:
        self.core = native.SimCore(reject_stops_in_market=reject)
        self.inst = self.core.add_instrument(1)  # L1_MBP
        self.book = TriggerBook(reject_in_market=reject)
        self.reject = reject
        self.ts = 1_000
        self.step = 0
        self.core_log: dict[int, tuple[int, str]] = {}
        self.book_log: dict[int, tuple[int, str]] = {}
        self.core_trigger: dict[int, int] = {}
        self.trailing: set[int] = set()
        self.otype: dict[int, OrderType] = {}

    # -- feeding both ----------------------------------------------------------------------
    def _drain(self) -> None:
        for ev in self.core.drain():
            kind, oid, aux, reason = ev[0], ev[3], ev[7], ev[9]
            if kind == REJECTED:
                what = "in_market" if reason == TRIGGER_IN_MARKET else f"rejected {reason}"
                self.core_log.setdefault(oid, (self.step, what))
            elif kind == TRIGGERED:
                self.core_log.setdefault(oid, (self.step, "fired"))
            elif kind == UPDATED and oid in self.trailing:
                self.core_trigger[oid] = aux

    def _fired(self, fired: Any) -> None:
        for e in fired:
            self.book_log.setdefault(e.key, (self.step, "fired"))

    def _next(self) -> int:
        self.step += 1
        self.ts += 1
        return self.ts

    def quote(self, bid: int, ask: int) -> None:
        ts = self._next()
        self.core.quote(self.inst, ts, bid, ask, HUGE, HUGE)
        self._drain()
        self._fired(self.book.on_quote(bid, ask))
        self.book.moves.clear()

    def trade(self, price: int) -> None:
        ts = self._next()
        self.core.trade(self.inst, ts, price, 1, 0)
        self._drain()
        self._fired(self.book.on_trade(price))
        self.book.moves.clear()

    def mark(self, price: int) -> None:
        ts = self._next()
        self.core.mark(self.inst, ts, price)
        self._drain()
        self._fired(self.book.on_mark(price))
        self.book.moves.clear()

    def submit(self, oid: int, spec: dict[str, Any]) -> None:
        ts = self._next()
        otype: OrderType = spec["otype"]
        side: OrderSide = spec["side"]
        self.otype[oid] = otype
        trailing = otype in (OT.TRAILING_STOP_MARKET, OT.TRAILING_STOP_LIMIT)
        price = None
        if otype in (OT.STOP_LIMIT, OT.LIMIT_IF_TOUCHED):
            price = FAR_LOW if side is BUY else FAR_HIGH  # never fills
        unit = spec.get("unit")
        self.core.submit(
            ts, self.inst, oid, 0, int(side), int(otype), 1, 1,
            price,
            None if trailing else spec["trigger"],
            int(spec["tt"]),
            None, None, False, False,
            spec["offset"] if trailing else None,
            int(unit) if trailing else None,
            None,
            spec.get("activation"),
        )  # fmt: skip
        self.core.advance(ts)
        if trailing:
            self.trailing.add(oid)
        self._drain()
        t = None
        if trailing:
            t = TrailingState(
                side, unit, Decimal(spec["offset"]), 1, activation=spec.get("activation")
            )
        arm = self.book.add(
            oid,
            side=side,
            order_type=otype,
            trigger_type=spec["tt"],
            trigger=None if trailing else spec["trigger"],
            trailing=t,
            seq=oid,
        )
        if arm is Arm.IN_MARKET:
            self.book.remove(oid)
            self.book_log[oid] = (self.step, "in_market" if self.reject else "fired")

    def check(self) -> None:
        assert self.book_log == self.core_log
        for e in self.book:
            if e.key in self.trailing and e.trigger is not None:
                assert self.core_trigger.get(e.key) == e.trigger, (e, self.core_trigger)


def _spec(
    draw: st.DrawFn, tts: list[TriggerType], plain: list[OrderType], trail_tts: list[TriggerType]
) -> dict[str, Any]:
    side = draw(st.sampled_from([BUY, SELL]))
    if trail_tts and draw(st.booleans()):
        unit = draw(st.sampled_from([TrailingOffsetType.TICKS, TrailingOffsetType.BASIS_POINTS]))
        offset = draw(st.integers(1, 8) if unit is TrailingOffsetType.TICKS else st.integers(1, 9))
        return {
            "side": side,
            "otype": OT.TRAILING_STOP_MARKET,
            "tt": draw(st.sampled_from(trail_tts)),
            "unit": unit,
            "offset": offset,
            "activation": draw(st.one_of(st.none(), st.integers(BASE - 8, BASE + 8))),
        }
    return {
        "side": side,
        "otype": draw(st.sampled_from(plain)),
        "tt": draw(st.sampled_from(tts)),
        "trigger": draw(st.integers(BASE - 8, BASE + 8)),
    }


@st.composite
def quote_script(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    tts = [_T.DEFAULT, _T.BID_ASK, _T.MID_POINT, _T.DOUBLE_BID_ASK]
    plain = [OT.STOP_MARKET, OT.STOP_LIMIT, OT.MARKET_IF_TOUCHED, OT.LIMIT_IF_TOUCHED]
    ops: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(5, 40))):
        if draw(st.integers(0, 3)) == 0:
            ops.append(("submit", _spec(draw, tts, plain, [_T.DEFAULT, _T.BID_ASK])))
        else:
            bid = draw(st.integers(BASE - 10, BASE + 10))
            ops.append(("quote", bid, bid + draw(st.integers(1, 3))))
    return ops


@st.composite
def trade_script(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    tts = [_T.LAST_PRICE, _T.DOUBLE_LAST]
    plain = [OT.STOP_MARKET, OT.STOP_LIMIT, OT.MARKET_IF_TOUCHED, OT.LIMIT_IF_TOUCHED]
    ops: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(5, 40))):
        if draw(st.integers(0, 3)) == 0:
            ops.append(("submit", _spec(draw, tts, plain, [_T.LAST_PRICE])))
        else:
            ops.append(("trade", draw(st.integers(BASE - 10, BASE + 10))))
    return ops


@st.composite
def mixed_script(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    tts = [_T.LAST_OR_BID_ASK, _T.LAST_PRICE, _T.BID_ASK, _T.DOUBLE_LAST]
    plain = [OT.STOP_LIMIT, OT.LIMIT_IF_TOUCHED]  # they rest far away: no own trades
    # a quote first: the engine's bid and ask include resting orders, and a triggered limit
    # resting far away must not become the best price of an empty side
    ops: list[tuple[Any, ...]] = [("quote", BASE - 1, BASE + 1)]
    for _ in range(draw(st.integers(5, 40))):
        k = draw(st.integers(0, 4))
        if k == 0:
            ops.append(("submit", _spec(draw, tts, plain, [])))
        elif k in (1, 2):
            bid = draw(st.integers(BASE - 10, BASE + 10))
            ops.append(("quote", bid, bid + draw(st.integers(1, 3))))
        else:
            ops.append(("trade", draw(st.integers(BASE - 10, BASE + 10))))
    return ops


@st.composite
def mark_script(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    plain = [OT.STOP_MARKET, OT.MARKET_IF_TOUCHED]
    ops: list[tuple[Any, ...]] = [("quote", BASE - 1, BASE + 1)]  # liquidity for the fills
    for _ in range(draw(st.integers(5, 40))):
        if draw(st.integers(0, 3)) == 0:
            ops.append(("submit", _spec(draw, [_T.MARK_PRICE], plain, [_T.MARK_PRICE])))
        else:
            ops.append(("mark", draw(st.integers(BASE - 10, BASE + 10))))
    return ops


def _run(reject: bool, script: list[tuple[Any, ...]]) -> None:
    pair = Pair(reject)
    oid = 0
    for op in script:
        if op[0] == "submit":
            oid += 1
            pair.submit(oid, op[1])
        elif op[0] == "quote":
            pair.quote(op[1], op[2])
        elif op[0] == "trade":
            pair.trade(op[1])
        else:
            pair.mark(op[1])
        pair.check()


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(reject=st.booleans(), script=quote_script())
def test_quote_driven_triggers_match_the_engine(
    reject: bool, script: list[tuple[Any, ...]]
) -> None:
    _run(reject, script)


@_SETTINGS
@given(reject=st.booleans(), script=trade_script())
def test_trade_driven_triggers_match_the_engine(
    reject: bool, script: list[tuple[Any, ...]]
) -> None:
    _run(reject, script)


@_SETTINGS
@given(reject=st.booleans(), script=mixed_script())
def test_last_or_bid_ask_matches_the_engine(reject: bool, script: list[tuple[Any, ...]]) -> None:
    _run(reject, script)


@_SETTINGS
@given(reject=st.booleans(), script=mark_script())
def test_mark_price_triggers_match_the_engine(reject: bool, script: list[tuple[Any, ...]]) -> None:
    _run(reject, script)


# -- end to end: the emulator in front of the simulated exchange --------------------------------
def test_an_emulated_stop_fills_when_the_same_native_stop_does() -> None:
    """A STOP_MARKET resting natively at the simulated exchange and the same stop emulated in
    front of it (released as a MARKET order) fill on the same quote at the same price."""
    import lyra.sim as sim_mod
    from lyra import topics
    from lyra.bus import EventBus
    from lyra.clock import TestClock
    from lyra.emulator import OrderEmulator
    from lyra.model.currency import Currency
    from lyra.model.data import QuoteTick
    from lyra.model.enums import AccountType, OrderStatus
    from lyra.model.instruments import CurrencyPair
    from lyra.model.values import Money, Price, Quantity
    from lyra.orders import OrderFactory, OrderFilled
    clock = TestClock(1_767_225_600_000_000_000)
    bus = EventBus()
    pair = CurrencyPair.simple("BTCUSD.SIM", price_increment="0.01", size_increment="0.001")
    sim = sim_mod.SimulatedExchange(
        "SIM",
        bus=bus,
        clock=clock,
        instruments=[pair],
        account_type=AccountType.MARGIN,
        starting_balances=[Money("1000000", Currency.from_str("USD"))],
    )
    emulator = OrderEmulator(sim, bus, clock, instruments=[pair])
    orders = OrderFactory("S-1", clock=clock, epoch=1)
    fills: list[OrderFilled] = []
    bus.subscribe(
        topics.order_events("S-1"),
        lambda e: fills.append(e) if isinstance(e, OrderFilled) else None,
    )

    def quote(bid: str, ask: str) -> None:
        clock.advance_to(clock.timestamp_ns() + 1_000_000_000)
        now = clock.timestamp_ns()
        size = Quantity("100.000")
        sim.process_quote(QuoteTick(pair.id, Price(bid), Price(ask), size, size, now, now))
        sim.settle()

    quote("100.00", "100.10")
    qty = Quantity("1.000")
    native_stop = orders.stop_market(pair.id, OrderSide.SELL, qty, Price("99.00"))
    emulated_stop = orders.stop_market(
        pair.id, OrderSide.SELL, qty, Price("99.00"), emulation_trigger=TriggerType.BID_ASK
    )
    emulator.submit_order(native_stop)  # the exchange has stops: straight through
    emulator.submit_order(emulated_stop)
    sim.settle()
    assert native_stop.status is OrderStatus.ACCEPTED
    assert emulated_stop.status is OrderStatus.EMULATED
    for bid, ask in (("99.50", "99.60"), ("99.01", "99.10")):
        quote(bid, ask)
        assert not fills
    quote("98.90", "99.00")
    assert native_stop.status is OrderStatus.FILLED
    assert emulated_stop.status is OrderStatus.FILLED
    assert native_stop.avg_px == emulated_stop.avg_px
    by_order = {f.client_order_id: f for f in fills}
    assert (
        by_order[native_stop.client_order_id].ts_event
        == by_order[emulated_stop.client_order_id].ts_event
    )
