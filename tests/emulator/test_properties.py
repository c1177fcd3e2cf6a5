"""Property tests: the indexed TriggerBook against a reference written the obvious way
(``reference.py``), over random orders of every type and trigger type and random market
data, adds, removes and modifies; and ``is_triggered`` against the same rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings, strategies as st

from lyra.emulator import Arm, MarketState, TrailingState, TriggerBook, is_triggered
from lyra.model.enums import OrderSide, OrderType, TrailingOffsetType, TriggerType
from lyra.model.values import Price

from .reference import TRAILING, RefBook, RefOrder

TICK = Price("0.01").raw
PLAIN_TYPES = [
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.MARKET_IF_TOUCHED,
    OrderType.LIMIT_IF_TOUCHED,
    OrderType.LIMIT,
]
TRIGGERS = [t for t in TriggerType if t is not TriggerType.NO_TRIGGER]
UNITS = [TrailingOffsetType.PRICE, TrailingOffsetType.BASIS_POINTS, TrailingOffsetType.TICKS]

ticks = st.integers(95, 105)


def offsets(unit: TrailingOffsetType) -> st.SearchStrategy[Decimal]:
    if unit is TrailingOffsetType.TICKS:
        return st.integers(0, 4).map(Decimal)
    if unit is TrailingOffsetType.PRICE:
        return st.integers(0, 60).map(lambda n: Decimal(n) / 1000)  # sub-tick values too
    return st.integers(0, 800).map(lambda n: Decimal(n) / 4)  # fractional basis points


@st.composite
def order_specs(draw: st.DrawFn, trailing_only: bool = False) -> dict[str, Any]:
    trailing = trailing_only or draw(st.booleans())
    spec: dict[str, Any] = {
        "side": draw(st.sampled_from([OrderSide.BUY, OrderSide.SELL])),
        "tt": draw(st.sampled_from(TRIGGERS)),
    }
    if not trailing:
        spec["otype"] = draw(st.sampled_from(PLAIN_TYPES))
        spec["trigger"] = draw(ticks) * TICK
        return spec
    unit = draw(st.sampled_from(UNITS))
    spec["otype"] = draw(st.sampled_from(sorted(TRAILING)))
    spec["unit"] = unit
    spec["offset"] = draw(offsets(unit))
    spec["limit_offset"] = (
        draw(offsets(unit)) if spec["otype"] is OrderType.TRAILING_STOP_LIMIT else None
    )
    spec["activation"] = draw(st.one_of(st.none(), ticks.map(lambda t: t * TICK)))
    spec["trigger"] = draw(st.one_of(st.none(), ticks.map(lambda t: t * TICK)))
    return spec


def scripts(trailing_only: bool = False) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Random market updates, adds, removes and modifies."""
    return st.lists(
        st.one_of(
            st.tuples(st.just("quote"), ticks, st.integers(-1, 3)),
            st.tuples(st.just("trade"), ticks),
            st.tuples(st.just("mark"), ticks),
            st.tuples(st.just("index"), ticks),
            st.tuples(st.just("add"), order_specs(trailing_only)),
            st.tuples(st.just("add"), order_specs(trailing_only)),
            st.tuples(st.just("remove"), st.integers(0, 40)),
            st.tuples(st.just("update"), st.integers(0, 40), ticks),
        ),
        max_size=70,
    )


def _add(book: TriggerBook, ref: RefBook, key: int, spec: dict[str, Any]) -> None:
    otype: OrderType = spec["otype"]
    if otype in TRAILING:
        t = TrailingState(
            spec["side"],
            spec["unit"],
            spec["offset"],
            TICK,
            limit_offset=spec["limit_offset"],
            activation=spec["activation"],
            trigger=spec["trigger"],
        )
        arm = book.add(
            key, side=spec["side"], order_type=otype, trigger_type=spec["tt"], trailing=t, seq=key
        )
        ro = RefOrder(
            key,
            key,
            spec["side"],
            otype,
            spec["tt"],
            trigger=spec["trigger"],
            unit=spec["unit"],
            offset=spec["offset"],
            limit_offset=spec["limit_offset"],
            activation=spec["activation"],
            tick=TICK,
        )
    else:
        arm = book.add(
            key,
            side=spec["side"],
            order_type=otype,
            trigger_type=spec["tt"],
            trigger=spec["trigger"],
            seq=key,
        )
        ro = RefOrder(key, key, spec["side"], otype, spec["tt"], trigger=spec["trigger"])
    in_market = ref.add(ro)
    assert (arm is Arm.IN_MARKET) == in_market, (spec, ref)
    if in_market:  # refused (or released at once): either way it leaves the book
        assert book.remove(key) is not None
        ref.remove(key)


def _same_orders(book: TriggerBook, ref: RefBook) -> None:
    assert sorted(e.key for e in book) == sorted(o.key for o in ref.orders)
    for o in ref.orders:
        e = book.entry(o.key)
        assert e is not None
        assert e.trigger == o.trigger, (o, e)
        if o.otype in TRAILING:
            assert e.price == o.price
            assert e.trailing is not None and e.trailing.activated == o.activated


@settings(max_examples=400, deadline=None)
@given(reject=st.booleans(), script=scripts())
def test_trigger_book_matches_the_reference(reject: bool, script: list[tuple[Any, ...]]) -> None:
    _check(reject, script)


@settings(max_examples=400, deadline=None)
@given(reject=st.booleans(), script=scripts(trailing_only=True))
def test_trailing_orders_match_the_reference(reject: bool, script: list[tuple[Any, ...]]) -> None:
    _check(reject, script)


def _check(reject: bool, script: list[tuple[Any, ...]]) -> None:
    book = TriggerBook(reject_in_market=reject)
    ref = RefBook(reject_in_market=reject)
    keys: list[int] = []
    for op in script:
        kind = op[0]
        if kind == "add":
            key = len(keys)
            keys.append(key)
            _add(book, ref, key, op[1])
        elif kind == "remove":
            if keys:
                key = keys[op[1] % len(keys)]
                removed = book.remove(key)
                assert (removed is not None) == any(o.key == key for o in ref.orders)
                ref.remove(key)
        elif kind == "update":
            if keys:
                key = keys[op[1] % len(keys)]
                e = book.entry(key)
                ro = next((o for o in ref.orders if o.key == key), None)
                assert (e is None) == (ro is None)
                if e is not None and ro is not None:
                    new = op[2] * TICK
                    arm = book.update(key, trigger=new)
                    ro.trigger = new
                    r = ref.reference(ro)
                    in_market = (
                        r is not None
                        and (ro.otype not in TRAILING or ro.activated)
                        and ref.through(ro, r, new)
                    )
                    assert (arm is Arm.IN_MARKET) == in_market
                    if in_market:
                        book.remove(key)
                        ref.remove(key)
        else:
            price = op[1] * TICK
            if kind == "quote":
                bid, ask = price, price + op[2] * TICK  # spread -1..3 ticks: crossed too
                fired = book.on_quote(bid, ask)
                want, moved = ref.quote(bid, ask)
            elif kind == "trade":
                fired = book.on_trade(price)
                want, moved = ref.trade(price)
            elif kind == "mark":
                fired = book.on_mark(price)
                want, moved = ref.mark_price(price)
            else:
                fired = book.on_index(price)
                want, moved = ref.index_price(price)
            assert [e.key for e in fired] == want
            assert sorted(e.key for e in book.moves) == sorted(moved)
            book.moves.clear()
        _same_orders(book, ref)
        assert book.needs_quotes >= 0 and book.needs_trades >= 0


@settings(max_examples=500, deadline=None)
@given(
    side=st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
    otype=st.sampled_from(PLAIN_TYPES),
    tt=st.sampled_from(TRIGGERS),
    trigger=ticks,
    bid=st.one_of(st.none(), ticks),
    ask=st.one_of(st.none(), ticks),
    last=st.one_of(st.none(), ticks),
    prev=st.one_of(st.none(), ticks),
    mark=st.one_of(st.none(), ticks),
    index=st.one_of(st.none(), ticks),
)
def test_is_triggered_matches_the_reference(
    side: OrderSide,
    otype: OrderType,
    tt: TriggerType,
    trigger: int,
    bid: int | None,
    ask: int | None,
    last: int | None,
    prev: int | None,
    mark: int | None,
    index: int | None,
) -> None:
    def raw(t: int | None) -> int | None:
        return None if t is None else t * TICK

    if last is None:
        prev = None
    state = MarketState(
        bid=raw(bid),
        ask=raw(ask),
        last=raw(last),
        prev_last=raw(prev),
        mark=raw(mark),
        index=raw(index),
    )
    ref = RefBook(
        bid=raw(bid),
        ask=raw(ask),
        last=raw(last),
        prev_last=raw(prev),
        mark=raw(mark),
        index=raw(index),
    )
    ro = RefOrder(0, 0, side, otype, tt, trigger=trigger * TICK)
    r = ref.reference(ro)
    want = r is not None and ref.through(ro, r, trigger * TICK)
    assert is_triggered(state, side, otype, tt, trigger * TICK) == want
