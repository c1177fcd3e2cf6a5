"""Columnar batches: exact round trips, vectorized construction and validation."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lyra.errors import InvalidIdentifier, InvalidInput, PrecisionError, ValueOutOfRange
from lyra.model.columnar import (
    BAR_DTYPE,
    BOOK_DELTA_DTYPE,
    QUOTE_DTYPE,
    TRADE_DTYPE,
    TRADE_ID_WIDTH,
    BarBatch,
    BookDeltaBatch,
    CustomBatch,
    QuoteBatch,
    TradeBatch,
)
from lyra.model.data import (
    Bar,
    BarSpecification,
    BarType,
    BookDelta,
    BookOrder,
    QuoteTick,
    TradeTick,
    register_data_type,
)
from lyra.model.enums import (
    AggressorSide,
    BarAggregation,
    BookAction,
    OrderSide,
    PriceType,
    RecordFlag,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.values import PRICE_RAW_MAX, QUANTITY_RAW_MAX, Price, Quantity

IID = InstrumentId("EURUSD.SIM")
BAR_TYPE = BarType(IID, BarSpecification(1, BarAggregation.MINUTE, PriceType.MID))
TS = st.integers(0, 2**63 - 1)
PRECISION = st.integers(0, 9)


@register_data_type(
    columnar_dtype=[
        ("ts_event", "<i8"),
        ("ts_init", "<i8"),
        ("value", "<f8"),
        ("count", "<u4"),
        ("side", "u1"),
        ("live", "?"),
    ]
)
class Imbalance(msgspec.Struct, frozen=True, tag=True):
    side: OrderSide
    value: float
    count: int
    live: bool
    ts_event: int
    ts_init: int


@register_data_type
class NoDtype(msgspec.Struct, frozen=True, tag=True):
    ts_event: int
    ts_init: int


@register_data_type(columnar_dtype=[("ts_event", "<i8"), ("ts_init", "<i8"), ("px", "<i8")])
class WithPrice(msgspec.Struct, frozen=True, tag=True):
    px: Price
    ts_event: int
    ts_init: int


def canon(obj: Any) -> Any:
    """Differs whenever type, value or precision differ."""
    if isinstance(obj, msgspec.Struct):
        return (type(obj).__name__, tuple(canon(getattr(obj, f)) for f in obj.__struct_fields__))
    if isinstance(obj, (Price, Quantity)):
        return (type(obj).__name__, obj.raw, obj.precision)
    if isinstance(obj, (list, tuple)):
        return tuple(canon(x) for x in obj)
    if isinstance(obj, enum.Enum):
        return (type(obj).__name__, obj.value)
    return (type(obj).__name__, obj)


def raw_at(draw: st.DrawFn, precision: int, lo: int, hi: int) -> int:
    step = 10 ** (9 - precision)
    return draw(st.integers(-(-lo // step), hi // step)) * step


# -- strategies ------------------------------------------------------------------------------
@st.composite
def quote_lists(draw: st.DrawFn) -> tuple[list[QuoteTick], int, int]:
    pp, sp = draw(PRECISION), draw(PRECISION)

    def px() -> Price:
        return Price._make(raw_at(draw, pp, -PRICE_RAW_MAX, PRICE_RAW_MAX), pp)

    def qty() -> Quantity:
        return Quantity._make(raw_at(draw, sp, 0, QUANTITY_RAW_MAX), sp)

    n = draw(st.integers(1, 30))
    quotes = [QuoteTick(IID, px(), px(), qty(), qty(), draw(TS), draw(TS)) for _ in range(n)]
    return quotes, pp, sp


TRADE_ID_TEXT = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64
)


@st.composite
def trade_lists(draw: st.DrawFn) -> list[TradeTick]:
    pp, sp = draw(PRECISION), draw(PRECISION)
    return [
        TradeTick(
            IID,
            Price._make(raw_at(draw, pp, -PRICE_RAW_MAX, PRICE_RAW_MAX), pp),
            Quantity._make(raw_at(draw, sp, 0, QUANTITY_RAW_MAX), sp),
            draw(st.sampled_from(AggressorSide)),
            TradeId(draw(TRADE_ID_TEXT)),
            draw(TS),
            draw(TS),
        )
        for _ in range(draw(st.integers(1, 20)))
    ]


@st.composite
def bar_lists(draw: st.DrawFn) -> list[Bar]:
    pp, sp = draw(PRECISION), draw(PRECISION)
    out = []
    for _ in range(draw(st.integers(1, 20))):
        raws = sorted(raw_at(draw, pp, -PRICE_RAW_MAX, PRICE_RAW_MAX) for _ in range(4))
        low, a, b, high = raws
        o, c = draw(st.permutations([a, b]))
        out.append(
            Bar(
                BAR_TYPE,
                Price._make(o, pp),
                Price._make(high, pp),
                Price._make(low, pp),
                Price._make(c, pp),
                Quantity._make(raw_at(draw, sp, 0, QUANTITY_RAW_MAX), sp),
                draw(TS),
                draw(TS),
            )
        )
    return out


@st.composite
def delta_lists(draw: st.DrawFn) -> list[BookDelta]:
    pp, sp = draw(PRECISION), draw(PRECISION)
    out = []
    for i in range(draw(st.integers(1, 20))):
        action = BookAction.ADD if i == 0 else draw(st.sampled_from(BookAction))
        order = None
        if action is not BookAction.CLEAR:
            lo = 1 if action in (BookAction.ADD, BookAction.UPDATE) else 0
            size = raw_at(draw, sp, lo, QUANTITY_RAW_MAX) or 10 ** (9 - sp)
            order = BookOrder(
                draw(st.sampled_from([OrderSide.BUY, OrderSide.SELL])),
                Price._make(raw_at(draw, pp, -PRICE_RAW_MAX, PRICE_RAW_MAX), pp),
                Quantity._make(size if lo else raw_at(draw, sp, 0, QUANTITY_RAW_MAX), sp),
                draw(st.integers(0, 2**64 - 1)),
            )
        out.append(
            BookDelta(
                IID,
                action,
                order,
                draw(TS),
                draw(TS),
                draw(st.integers(0, 255)),
                draw(st.integers(0, 2**64 - 1)),
            )
        )
    return out


# -- round trips -----------------------------------------------------------------------------
@settings(max_examples=200)
@given(quote_lists())
def test_quote_batch_round_trips_exactly(case: tuple[list[QuoteTick], int, int]) -> None:
    quotes, pp, sp = case
    batch = QuoteBatch.from_ticks(quotes)
    assert (batch.instrument_id, batch.price_precision, batch.size_precision) == (IID, pp, sp)
    assert len(batch) == len(quotes)
    assert canon(batch.to_ticks()) == canon(quotes)
    assert canon(list(batch)) == canon(quotes)
    assert canon(batch[-1]) == canon(quotes[-1])
    # the same rows built from plain columns give the same batch
    a = batch.array
    same = QuoteBatch.from_arrays(
        instrument_id=IID,
        price_precision=pp,
        size_precision=sp,
        bid_price=a["bid_price"].copy(),
        ask_price=a["ask_price"].copy(),
        bid_size=a["bid_size"].copy(),
        ask_size=a["ask_size"].copy(),
        ts_event=a["ts_event"].copy(),
        ts_init=a["ts_init"].copy(),
    )
    assert same == batch
    assert a["bid_price"].tolist() == [q.bid_price.raw for q in quotes]
    assert a["ask_size"].tolist() == [q.ask_size.raw for q in quotes]


@settings(max_examples=150)
@given(trade_lists())
def test_trade_batch_round_trips_exactly(trades: list[TradeTick]) -> None:
    batch = TradeBatch.from_ticks(trades)
    back = batch.to_ticks()
    assert canon(back) == canon(trades)
    assert all(type(t.trade_id) is TradeId for t in back)
    a = batch.array
    same = TradeBatch.from_arrays(
        instrument_id=IID,
        price_precision=batch.price_precision,
        size_precision=batch.size_precision,
        price=a["price"],
        size=a["size"],
        aggressor_side=a["aggressor_side"],
        trade_id=[str(t.trade_id) for t in trades],
        ts_event=a["ts_event"],
        ts_init=a["ts_init"],
    )
    assert same == batch


@settings(max_examples=150)
@given(bar_lists())
def test_bar_batch_round_trips_exactly(bars: list[Bar]) -> None:
    batch = BarBatch.from_bars(bars)
    assert batch.bar_type == BAR_TYPE and batch.instrument_id == IID
    assert canon(batch.to_bars()) == canon(bars)
    assert canon(list(batch)) == canon(bars)


@settings(max_examples=150)
@given(delta_lists())
def test_book_delta_batch_round_trips_exactly(deltas: list[BookDelta]) -> None:
    batch = BookDeltaBatch.from_deltas(deltas)
    assert canon(batch.to_deltas()) == canon(deltas)
    clear = batch.array["action"] == int(BookAction.CLEAR)
    assert (batch.array["side"][clear] == 0).all()


@given(
    st.lists(
        st.tuples(
            st.sampled_from(OrderSide),
            st.floats(allow_nan=False, width=64),
            st.integers(0, 2**32 - 1),
            st.booleans(),
            TS,
            TS,
        ),
        max_size=20,
    )
)
def test_custom_batch_round_trips_exactly(rows: list[tuple[Any, ...]]) -> None:
    items = [Imbalance(*row) for row in rows]
    batch = CustomBatch.from_items(items, Imbalance)
    back = batch.to_items()
    assert back == items
    assert all(type(x.side) is OrderSide for x in back)
    assert batch.data_type is Imbalance
    assert CustomBatch(Imbalance, batch.array) == batch


# -- construction helpers --------------------------------------------------------------------
def _synth_like(n: int) -> dict[str, np.ndarray]:
    """Arrays shaped like the benchmark generator's gen_quotes output."""
    rng = np.random.default_rng(1)
    bid = 110_000 + np.cumsum(rng.integers(-1, 2, n))
    return {
        "bid_ticks": bid.astype(np.int64),
        "ask_ticks": (bid + rng.integers(1, 3, n)).astype(np.int64),
        "bid_size": rng.integers(1, 11, n).astype(np.int64) * 100_000,
        "ask_size": rng.integers(1, 11, n).astype(np.int64) * 100_000,
        "ts": 1_704_067_200_000_000_000 + np.arange(n, dtype=np.int64) * 1_000_000,
    }


def test_from_ticks_arrays_builds_the_synthetic_quote_stream() -> None:
    d = _synth_like(1000)
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
    assert (batch.price_precision, batch.size_precision) == (5, 0)
    first = batch[0]
    assert first.bid_price == Price(f"{d['bid_ticks'][0] / 100_000:.5f}")
    assert first.bid_price.precision == 5 and first.bid_size.precision == 0
    assert first.bid_size == Quantity(int(d["bid_size"][0]))
    assert (batch.array["ts_init"] == d["ts"]).all()
    # the same quotes made one by one give the same batch
    assert QuoteBatch.from_ticks(batch.to_ticks()) == batch


def test_from_ticks_arrays_precision_rules() -> None:
    d = _synth_like(3)
    args = (d["bid_ticks"], d["ask_ticks"], d["bid_size"], d["ask_size"], d["ts"])
    b = QuoteBatch.from_ticks_arrays(
        *args,
        instrument_id=IID,
        price_increment_raw=25_000,
        size_increment_raw=10**9,
        price_precision=7,
    )
    assert b.price_precision == 7
    assert (
        QuoteBatch.from_ticks_arrays(
            *args, instrument_id=IID, price_increment_raw=25_000, size_increment_raw=10**9
        ).price_precision
        == 6
    )
    with pytest.raises(PrecisionError) as info:
        QuoteBatch.from_ticks_arrays(
            *args,
            instrument_id=IID,
            price_increment_raw=25_000,
            size_increment_raw=10**9,
            price_precision=5,
        )
    assert info.value.field == "QuoteBatch.price_increment_raw.precision"
    with pytest.raises(InvalidInput) as info:
        QuoteBatch.from_ticks_arrays(
            *args, instrument_id=IID, price_increment_raw=0, size_increment_raw=10**9
        )
    assert info.value.field == "QuoteBatch.price_increment_raw"


def test_from_ticks_arrays_refuses_overflow() -> None:
    big = np.array([2**62], dtype=np.int64)
    one = np.array([1], dtype=np.int64)
    with pytest.raises(ValueOutOfRange) as info:
        QuoteBatch.from_ticks_arrays(
            big, one, one, one, one, instrument_id=IID, price_increment_raw=10, size_increment_raw=1
        )
    assert info.value.field == "QuoteBatch.bid_ticks"
    with pytest.raises(ValueOutOfRange) as info:
        QuoteBatch.from_ticks_arrays(
            one,
            one,
            np.array([2**63], dtype=np.uint64),
            one,
            one,
            instrument_id=IID,
            price_increment_raw=1,
            size_increment_raw=10,
        )
    assert info.value.field == "QuoteBatch.bid_size"


def test_book_delta_batch_from_l2_style_arrays() -> None:
    action = np.array([1, 1, 2, 3, 4], dtype=np.int8)
    side = np.array([1, 2, 1, 2, 0], dtype=np.int8)
    price = np.array([9999, 10001, 9999, 10001, 0], dtype=np.int64)
    qty = np.array([5, 7, 3, 0, 0], dtype=np.int64)
    ts = np.arange(5, dtype=np.int64)
    flags = np.array([0, 0, 0, 0, int(RecordFlag.F_LAST)], dtype=np.uint8)
    batch = BookDeltaBatch.from_ticks_arrays(
        action,
        side,
        price,
        qty,
        ts,
        instrument_id=IID,
        price_increment_raw=10_000_000,
        size_increment_raw=10**9,
        flags=flags,
    )
    deltas = batch.to_deltas()
    assert batch.price_precision == 2
    assert deltas[0].order == BookOrder(OrderSide.BUY, Price("99.99"), Quantity("5"))
    assert deltas[3].action is BookAction.DELETE and deltas[3].order.size == 0  # type: ignore[union-attr]
    assert deltas[4].action is BookAction.CLEAR and deltas[4].order is None
    assert deltas[4].flags == int(RecordFlag.F_LAST)


# -- batch behaviour -------------------------------------------------------------------------
def _quotes(n: int = 5) -> list[QuoteTick]:
    return [
        QuoteTick(
            IID,
            Price(f"1.{i:05d}"),
            Price(f"1.{i + 1:05d}"),
            Quantity("1"),
            Quantity("2"),
            i,
            i + 1,
        )
        for i in range(n)
    ]


def test_slicing_indexing_iteration_and_concat() -> None:
    quotes = _quotes(10)
    batch = QuoteBatch.from_ticks(quotes)
    part = batch[2:5]
    assert isinstance(part, QuoteBatch) and part.to_ticks() == quotes[2:5]
    assert batch[::3].to_ticks() == quotes[::3]
    assert batch[-1] == quotes[-1] and batch[np.int64(3)] == quotes[3]
    assert list(batch) == quotes
    assert QuoteBatch.concat([batch[:4], batch[4:]]) == batch
    assert QuoteBatch.concat([batch]) == batch
    with pytest.raises(IndexError):
        batch[10]
    with pytest.raises(InvalidInput):
        batch["bid_price"]  # type: ignore[call-overload]
    assert "EURUSD.SIM" in repr(batch) and "rows=10" in repr(batch)


def test_concat_requires_the_same_metadata() -> None:
    a = QuoteBatch.from_ticks(_quotes())
    b = QuoteBatch.from_ticks([], instrument_id=IID, price_precision=6, size_precision=0)
    with pytest.raises(InvalidInput, match="must match the batch"):
        QuoteBatch.from_ticks(_quotes(), price_precision=6)  # ticks have precision 5
    c = QuoteBatch.from_ticks([], instrument_id="X.Y", price_precision=5, size_precision=0)
    for other in (b, c):
        with pytest.raises(InvalidInput) as info:
            QuoteBatch.concat([a, other])
        assert info.value.field == "QuoteBatch.concat[1]"
    with pytest.raises(InvalidInput):
        QuoteBatch.concat([])


def test_batches_are_read_only_and_own_their_data() -> None:
    bid = np.array([100, 200], dtype=np.int64) * 10**7
    size = np.array([1, 2], dtype=np.uint64) * 10**9
    ts = np.array([1, 2], dtype=np.int64)
    batch = QuoteBatch.from_arrays(
        instrument_id=IID,
        price_precision=2,
        size_precision=0,
        bid_price=bid,
        ask_price=bid,
        bid_size=size,
        ask_size=size,
        ts_event=ts,
    )
    bid[0] = 7
    assert batch.array["bid_price"][0] == 10**9
    assert (batch.array["ts_init"] == ts).all()  # defaults to ts_event
    with pytest.raises(ValueError, match="read-only"):
        batch.array["bid_price"][0] = 1
    assert batch.array.dtype == QUOTE_DTYPE and QUOTE_DTYPE.itemsize == 48


def test_constructor_takes_any_structured_array_with_the_fields() -> None:
    batch = QuoteBatch.from_ticks(_quotes())
    reordered = np.zeros(len(batch), dtype=[(n, "<i8") for n in reversed(QUOTE_DTYPE.names)])
    for name in QUOTE_DTYPE.names:
        reordered[name] = batch.array[name]
    again = QuoteBatch(reordered, instrument_id=IID, price_precision=5, size_precision=0)
    assert again == batch
    with pytest.raises(InvalidInput, match="missing fields"):
        QuoteBatch(
            reordered[["bid_price", "ask_price"]],
            instrument_id=IID,
            price_precision=5,
            size_precision=0,
        )
    with pytest.raises(InvalidInput, match="structured"):
        QuoteBatch(np.zeros(3), instrument_id=IID, price_precision=5, size_precision=0)


def test_empty_batches() -> None:
    with pytest.raises(InvalidInput, match="needs instrument_id"):
        QuoteBatch.from_ticks([])
    empty = QuoteBatch.from_ticks([], instrument_id=IID, price_precision=5, size_precision=0)
    assert len(empty) == 0 and empty.to_ticks() == [] and list(empty) == []
    assert (
        len(TradeBatch.from_ticks([], instrument_id=IID, price_precision=1, size_precision=1)) == 0
    )
    assert len(BarBatch.from_bars([], bar_type=BAR_TYPE, price_precision=1, size_precision=1)) == 0
    assert (
        len(BookDeltaBatch.from_deltas([], instrument_id=IID, price_precision=1, size_precision=1))
        == 0
    )
    with pytest.raises(InvalidInput):
        BookDeltaBatch.from_deltas([BookDelta.clear(IID, 1, 1)])  # no order: no precision


# -- validation ------------------------------------------------------------------------------
def test_from_ticks_refuses_mixed_instruments_and_precisions() -> None:
    quotes = _quotes()
    other = QuoteTick(
        InstrumentId("GBPUSD.SIM"),
        *(
            getattr(quotes[0], f)
            for f in ("bid_price", "ask_price", "bid_size", "ask_size", "ts_event", "ts_init")
        ),
    )
    with pytest.raises(InvalidInput) as info:
        QuoteBatch.from_ticks([*quotes, other])
    assert info.value.field == "QuoteBatch.from_ticks[5]"
    assert "group mixed data by instrument" in info.value.rule
    coarse = QuoteTick(IID, Price("1.1"), Price("1.2"), Quantity("1"), Quantity("1"), 1, 1)
    with pytest.raises(InvalidInput) as info:
        QuoteBatch.from_ticks([*quotes, coarse])
    assert info.value.field == "QuoteBatch.from_ticks[5]"
    with pytest.raises(InvalidInput) as info:
        QuoteBatch.from_ticks([*quotes, "x"])  # type: ignore[list-item]
    assert info.value.field == "QuoteBatch.from_ticks[5]"
    with pytest.raises(InvalidInput) as info:
        QuoteBatch.from_ticks([QuoteTick(IID, 1.0, 1.0, 1, 1, 1, 1)])  # type: ignore[arg-type]
    assert info.value.field == "QuoteBatch.from_ticks[0]"
    neg_ts = QuoteTick(IID, Price("1.00000"), Price("1.00000"), Quantity("1"), Quantity("1"), -5, 1)
    with pytest.raises(ValueOutOfRange) as info:
        QuoteBatch.from_ticks([neg_ts])
    assert info.value.field == "QuoteBatch.ts_event"


def _quote_cols(**override: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {
        "instrument_id": IID,
        "price_precision": 2,
        "size_precision": 0,
        "bid_price": np.array([10**9, 2 * 10**9]),
        "ask_price": np.array([10**9, 2 * 10**9]),
        "bid_size": np.array([10**9, 10**9]),
        "ask_size": np.array([10**9, 10**9]),
        "ts_event": np.array([1, 2]),
    }
    cols.update(override)
    return cols


@pytest.mark.parametrize(
    ("override", "error", "field"),
    [
        ({"bid_price": np.array([10**9, 10**9 + 1])}, PrecisionError, "QuoteBatch.bid_price"),
        ({"ask_price": np.array([-(2**63), 0])}, ValueOutOfRange, "QuoteBatch.ask_price"),
        ({"bid_size": np.array([-1, 0])}, ValueOutOfRange, "QuoteBatch.bid_size"),
        ({"ask_size": np.array([10**9, 5])}, PrecisionError, "QuoteBatch.ask_size"),
        ({"bid_price": np.array([1.0, 2.0])}, InvalidInput, "QuoteBatch.bid_price"),
        ({"bid_price": np.array([1, 2, 3])}, InvalidInput, "QuoteBatch.bid_price"),
        ({"bid_price": np.array([[1, 2]])}, InvalidInput, "QuoteBatch.bid_price"),
        ({"ts_event": np.array([1, -1])}, ValueOutOfRange, "QuoteBatch.ts_event"),
        (
            {"ts_event": np.array([1, 2**64 - 1], dtype=np.uint64)},
            ValueOutOfRange,
            "QuoteBatch.ts_event",
        ),
        ({"price_precision": 10}, PrecisionError, "QuoteBatch.price_precision"),
        ({"instrument_id": "novenue"}, InvalidIdentifier, "InstrumentId"),
    ],
)
def test_from_arrays_validation(
    override: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as info:
        QuoteBatch.from_arrays(**_quote_cols(**override))
    assert isinstance(info.value, InvalidInput)
    assert info.value.field == field


def test_errors_name_the_first_bad_row() -> None:
    with pytest.raises(PrecisionError) as info:
        QuoteBatch.from_arrays(**_quote_cols(bid_price=np.array([10**9, 10**9 + 1])))
    assert "(row 1)" in info.value.rule and info.value.value == 10**9 + 1


def test_bar_batch_validates_ohlc() -> None:
    one = np.array([10**9])
    two = np.array([2 * 10**9])
    base = {
        "bar_type": BAR_TYPE,
        "price_precision": 0,
        "size_precision": 0,
        "open": one,
        "high": two,
        "low": one,
        "close": two,
        "volume": one,
        "ts_event": np.array([1]),
    }
    assert len(BarBatch.from_arrays(**base)) == 1
    with pytest.raises(InvalidInput) as info:
        BarBatch.from_arrays(**{**base, "high": np.array([0])})
    assert info.value.field == "BarBatch.high"
    with pytest.raises(InvalidInput) as info:
        BarBatch.from_arrays(**{**base, "low": two, "open": one, "high": two})
    assert info.value.field == "BarBatch.low"
    with pytest.raises(InvalidInput) as info:
        BarBatch.from_arrays(**{**base, "bar_type": "x"})
    assert info.value.field == "BarBatch.bar_type"
    assert BAR_DTYPE.itemsize == 56


def _delta_cols(**override: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {
        "instrument_id": IID,
        "price_precision": 0,
        "size_precision": 0,
        "action": np.array([1, 4]),
        "side": np.array([1, 0]),
        "price": np.array([10**9, 0]),
        "size": np.array([10**9, 0]),
        "ts_event": np.array([1, 2]),
    }
    cols.update(override)
    return cols


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ({"action": np.array([1, 9])}, "BookDeltaBatch.action", "BookAction"),
        ({"side": np.array([1, 1])}, "BookDeltaBatch.side", "for a CLEAR"),
        ({"price": np.array([10**9, 10**9])}, "BookDeltaBatch.side", "for a CLEAR"),
        ({"side": np.array([0, 0])}, "BookDeltaBatch.side", "BUY or SELL"),
        ({"size": np.array([0, 0])}, "BookDeltaBatch.size", "> 0 for ADD"),
        ({"flags": np.array([0, 256])}, "BookDeltaBatch.flags", "0..255"),
        ({"order_id": np.array([-1, 0])}, "BookDeltaBatch.order_id", "0.."),
    ],
)
def test_book_delta_batch_validation(override: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        BookDeltaBatch.from_arrays(**_delta_cols(**override))
    assert info.value.field == field
    assert rule in info.value.rule


def test_book_delta_batch_dtype_and_mixed_instruments() -> None:
    assert BOOK_DELTA_DTYPE.itemsize == 56
    d1 = BookDelta(IID, BookAction.ADD, BookOrder(OrderSide.BUY, Price("1"), Quantity("1")), 1, 1)
    d2 = BookDelta(InstrumentId("X.Y"), BookAction.CLEAR, None, 1, 1)
    with pytest.raises(InvalidInput) as info:
        BookDeltaBatch.from_deltas([d1, d2])
    assert info.value.field == "BookDeltaBatch.from_deltas[1].instrument_id"
    d3 = BookDelta(IID, BookAction.ADD, BookOrder(OrderSide.BUY, Price("1.5"), Quantity("1")), 1, 1)
    with pytest.raises(InvalidInput) as info:
        BookDeltaBatch.from_deltas([d1, d3])
    assert info.value.field == "BookDeltaBatch.from_deltas[1].order"


# -- trade ids ---------------------------------------------------------------------------------
def _trade_cols(ids: Any) -> dict[str, Any]:
    n = len(ids)
    return {
        "instrument_id": IID,
        "price_precision": 0,
        "size_precision": 0,
        "price": np.full(n, 10**9),
        "size": np.full(n, 10**9),
        "aggressor_side": np.full(n, int(AggressorSide.BUYER)),
        "trade_id": ids,
        "ts_event": np.arange(n),
    }


@given(st.binary(min_size=0, max_size=70))
def test_trade_id_column_rule_matches_trade_id(raw: bytes) -> None:
    try:
        TradeId(raw.decode("ascii"))
        valid = True
    except (UnicodeDecodeError, InvalidInput):
        valid = False
    try:
        batch = TradeBatch.from_arrays(**_trade_cols(np.array([raw], dtype=object).astype("S")))
    except InvalidInput:
        accepted = False
    else:
        accepted = True
        assert batch[0].trade_id == raw.decode("ascii")
    # numpy's S dtype drops trailing NULs, so b"abc\0" reads as b"abc"; it is still refused
    # by TradeId, but the batch sees the same bytes as b"abc"
    if raw.rstrip(b"\0") != raw and raw.rstrip(b"\0"):
        return
    assert accepted == valid


@pytest.mark.parametrize(
    "ids",
    [["ok", ""], ["ok", "has space"], ["ok", "é"], ["ok", "x" * 65], [b"a\0b", b"ok"]],
)
def test_bad_trade_ids_are_refused(ids: list[Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        TradeBatch.from_arrays(**_trade_cols(np.array(ids)))
    assert info.value.field == "TradeBatch.trade_id"


def test_trade_batch_dtype_and_aggressor_rule() -> None:
    assert TRADE_DTYPE["trade_id"].itemsize == TRADE_ID_WIDTH == 64
    cols = _trade_cols(["a", "b"])
    cols["aggressor_side"] = np.array([1, 7])
    with pytest.raises(InvalidInput) as info:
        TradeBatch.from_arrays(**cols)
    assert info.value.field == "TradeBatch.aggressor_side"
    with pytest.raises(InvalidInput) as info:
        TradeBatch.from_arrays(**_trade_cols(np.array([1, 2])))
    assert "str or bytes" in info.value.rule


# -- custom batches ----------------------------------------------------------------------------
def test_custom_batch_needs_a_usable_declared_dtype() -> None:
    with pytest.raises(InvalidInput, match="must be declared"):
        CustomBatch.from_items([NoDtype(1, 2)])
    with pytest.raises(InvalidInput) as info:
        CustomBatch.from_items([WithPrice(Price("1"), 1, 2)])
    assert info.value.field == "WithPrice.px"
    with pytest.raises(InvalidInput, match="needs data_type"):
        CustomBatch.from_items([])
    with pytest.raises(InvalidInput):
        CustomBatch.from_items([Imbalance(OrderSide.BUY, 1.0, 1, True, 1, 2), NoDtype(1, 2)])
    with pytest.raises(InvalidInput, match="not a registered data type"):
        CustomBatch.from_items([], msgspec.Struct)
    with pytest.raises(InvalidInput, match="must be declared"):
        CustomBatch.from_items([], QuoteTick)
    with pytest.raises(ValueOutOfRange):
        CustomBatch.from_items([Imbalance(OrderSide.BUY, 1.0, 1, True, -1, 2)])
    with pytest.raises(InvalidInput):
        CustomBatch.from_items([Imbalance(OrderSide.BUY, 1.0, 2**40, True, 1, 2)])
