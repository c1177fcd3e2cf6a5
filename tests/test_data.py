"""Market data types: construction, validation rules, BarType strings and custom data."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest
from hypothesis import given, strategies as st

from lyra.errors import InvalidIdentifier, InvalidInput
from lyra.model import codec
from lyra.model.data import (
    DEPTH10_LEN,
    Bar,
    BarSpecification,
    BarType,
    BookDelta,
    BookDeltas,
    BookDepth10,
    BookLevel,
    BookOrder,
    Data,
    QuoteTick,
    TradeTick,
    UnixNanos,
    columnar_dtype,
    data_type_name,
    data_types,
    get_data_type,
    register_data_type,
)
from lyra.model.enums import (
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookAction,
    OrderSide,
    PriceType,
    RecordFlag,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.values import Price, Quantity

IID = InstrumentId("BTCUSDT.BINANCE")
OTHER = InstrumentId("ETHUSDT.BINANCE")
SPEC = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
BAR_TYPE = BarType(IID, SPEC)


def quote(bid: str = "100.00", ask: str = "100.01") -> QuoteTick:
    return QuoteTick(IID, Price(bid), Price(ask), Quantity("1.5"), Quantity("2.0"), 10, 11)


def bar(o: str = "10", h: str = "12", lo: str = "9", c: str = "11") -> Bar:
    return Bar(BAR_TYPE, Price(o), Price(h), Price(lo), Price(c), Quantity("5"), 1, 2)


def add(price: str = "1.0", size: str = "1", side: OrderSide = OrderSide.BUY) -> BookDelta:
    return BookDelta(IID, BookAction.ADD, BookOrder(side, Price(price), Quantity(size), 7), 1, 2)


# -- custom data types used by the registration tests (module level: annotations resolve) --
class Signal(msgspec.Struct, frozen=True, tag=True):
    instrument_id: InstrumentId
    value: Price
    ts_event: UnixNanos
    ts_init: UnixNanos


class NotFrozen(msgspec.Struct, tag=True):
    ts_event: int
    ts_init: int


class Untagged(msgspec.Struct, frozen=True):
    ts_event: int
    ts_init: int


class NoTsInit(msgspec.Struct, frozen=True, tag=True):
    ts_event: int


class StrTs(msgspec.Struct, frozen=True, tag=True):
    ts_event: str
    ts_init: int


class ArrayLike(msgspec.Struct, frozen=True, tag=True, array_like=True):
    ts_event: int
    ts_init: int


class OtherTagField(msgspec.Struct, frozen=True, tag=True, tag_field="kind"):
    ts_event: int
    ts_init: int


class BadTag(msgspec.Struct, frozen=True, tag="has space"):
    ts_event: int
    ts_init: int


class Renamed(msgspec.Struct, frozen=True, tag="RenamedSignal"):
    ts_event: int
    ts_init: int


def _make_clashing_quote_tick() -> type[msgspec.Struct]:
    class QuoteTick(msgspec.Struct, frozen=True, tag=True):  # same tag as the built-in
        ts_event: int
        ts_init: int

    return QuoteTick


# -- quotes and trades ---------------------------------------------------------------------
def test_quote_tick_holds_its_fields_and_is_frozen_and_hashable() -> None:
    q = quote()
    assert q.instrument_id == "BTCUSDT.BINANCE"
    assert q.bid_price == Price("100.00") and q.ask_price == Price("100.01")
    assert (q.ts_event, q.ts_init) == (10, 11)
    with pytest.raises(AttributeError):
        q.bid_price = Price("1")  # type: ignore[misc]
    assert hash(q) == hash(quote()) and q == quote()
    assert q != quote(ask="100.02")


def test_crossed_quote_is_allowed_data() -> None:
    q = quote(bid="101", ask="100")
    assert q.bid_price > q.ask_price


def test_trade_tick_fields() -> None:
    t = TradeTick(IID, Price("1.5"), Quantity("2"), AggressorSide.BUYER, TradeId("t-1"), 3, 4)
    assert t.trade_id == "t-1" and t.aggressor_side is AggressorSide.BUYER


def test_every_data_type_satisfies_the_data_protocol() -> None:
    deltas = BookDeltas(IID, [add()])
    depth = BookDepth10(IID, [], [], 1, 2)
    trade = TradeTick(IID, Price("1"), Quantity("1"), AggressorSide.SELLER, TradeId("x"), 1, 2)
    for obj in (quote(), trade, bar(), add(), deltas, depth):
        assert isinstance(obj, Data)
    assert not isinstance(Price("1"), Data)


# -- bar specification and bar type ----------------------------------------------------------
def test_bar_type_string_form() -> None:
    assert str(SPEC) == "1-MINUTE-LAST"
    assert str(BAR_TYPE) == "BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL"
    internal = BarType(
        IID, BarSpecification(5, BarAggregation.SECOND, PriceType.MID), AggregationSource.INTERNAL
    )
    assert str(internal) == "BTCUSDT.BINANCE-5-SECOND-MID-INTERNAL"


@pytest.mark.parametrize(
    "text",
    [
        "BTC-USD-SWAP.OKX-1-MINUTE-LAST-EXTERNAL",
        "BRK.B.XNYS-5-SECOND-BID-INTERNAL",
        "A-1.B-C-15-TICK-MID-EXTERNAL",  # venue with '-' and a step-like symbol part
        "X-1-MINUTE-LAST-EXTERNAL.V--100-VOLUME-ASK-INTERNAL",  # venue ending in '-'
        "XBT/USD.KRAKEN-1-DAY-LAST-EXTERNAL",
    ],
)
def test_bar_type_from_str_parses_from_the_right(text: str) -> None:
    bt = BarType.from_str(text)
    assert str(bt) == text
    assert BarType.from_str(str(bt)) == bt


def test_bar_type_from_str_splits_awkward_instrument_ids_correctly() -> None:
    bt = BarType.from_str("A-1.B-C-15-TICK-MID-EXTERNAL")
    assert bt.instrument_id == "A-1.B-C"
    assert bt.instrument_id.venue == "B-C"
    assert bt.spec == BarSpecification(15, BarAggregation.TICK, PriceType.MID)
    assert bt.aggregation_source is AggregationSource.EXTERNAL


_SYMBOL = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64)
_VENUE = st.from_regex(r"[A-Za-z0-9_\-]{1,32}", fullmatch=True)


@given(
    symbol=_SYMBOL,
    venue=_VENUE,
    step=st.integers(1, 10**12),
    agg=st.sampled_from(BarAggregation),
    pt=st.sampled_from(PriceType),
    src=st.sampled_from(AggregationSource),
)
def test_bar_type_string_round_trip(
    symbol: str,
    venue: str,
    step: int,
    agg: BarAggregation,
    pt: PriceType,
    src: AggregationSource,
) -> None:
    bt = BarType(InstrumentId.from_parts(symbol, venue), BarSpecification(step, agg, pt), src)
    text = str(bt)
    back = BarType.from_str(text)
    assert back == bt
    assert back.instrument_id.symbol == symbol and back.instrument_id.venue == venue
    assert BarSpecification.from_str(str(bt.spec)) == bt.spec


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("BTCUSDT.BINANCE-1-MINUTE-LAST", "BarType"),  # source missing
        ("1-MINUTE-LAST-EXTERNAL", "BarType"),
        ("BTCUSDT.BINANCE-0-MINUTE-LAST-EXTERNAL", "BarType.step"),
        ("BTCUSDT.BINANCE-01-MINUTE-LAST-EXTERNAL", "BarType.step"),
        ("BTCUSDT.BINANCE-x-MINUTE-LAST-EXTERNAL", "BarType.step"),
        ("BTCUSDT.BINANCE-1-MINUTES-LAST-EXTERNAL", "BarType.aggregation"),
        ("BTCUSDT.BINANCE-1-minute-LAST-EXTERNAL", "BarType.aggregation"),
        ("BTCUSDT.BINANCE-1-MINUTE-LATEST-EXTERNAL", "BarType.price_type"),
        ("BTCUSDT.BINANCE-1-MINUTE-LAST-OUTSIDE", "BarType.aggregation_source"),
    ],
)
def test_bar_type_from_str_rejects_malformed_text(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        BarType.from_str(text)
    assert info.value.field == field


def test_bar_type_from_str_rejects_a_bad_instrument_id() -> None:
    with pytest.raises(InvalidIdentifier):
        BarType.from_str("NOVENUE-1-MINUTE-LAST-EXTERNAL")
    with pytest.raises(InvalidInput, match="must be a str"):
        BarType.from_str(5)  # type: ignore[arg-type]


def test_bar_specification_from_str() -> None:
    assert BarSpecification.from_str("100-VOLUME-BID") == BarSpecification(
        100, BarAggregation.VOLUME, PriceType.BID
    )
    with pytest.raises(InvalidInput) as info:
        BarSpecification.from_str("1-MINUTE")
    assert info.value.field == "BarSpecification"


@pytest.mark.parametrize("step", [0, -1, True, "1", 1.0])
def test_bar_specification_step_must_be_a_positive_int(step: object) -> None:
    with pytest.raises(InvalidInput) as info:
        BarSpecification(step, BarAggregation.MINUTE, PriceType.LAST)  # type: ignore[arg-type]
    assert info.value.field == "BarSpecification.step"
    assert "int > 0" in info.value.rule


def test_bar_specification_coerces_enum_values_and_rejects_unknown_ones() -> None:
    spec = BarSpecification(1, int(BarAggregation.HOUR), int(PriceType.ASK))  # type: ignore[arg-type]
    assert spec.aggregation is BarAggregation.HOUR and spec.price_type is PriceType.ASK
    with pytest.raises(InvalidInput) as info:
        BarSpecification(1, 999, PriceType.ASK)  # type: ignore[arg-type]
    assert info.value.field == "BarSpecification.aggregation"
    with pytest.raises(InvalidInput) as info:
        BarSpecification(1, BarAggregation.HOUR, "ASK")  # type: ignore[arg-type]
    assert info.value.field == "BarSpecification.price_type"


def test_bar_type_validates_and_coerces() -> None:
    bt = BarType("BTCUSDT.BINANCE", SPEC)  # type: ignore[arg-type]
    assert type(bt.instrument_id) is InstrumentId
    assert bt == BAR_TYPE and hash(bt) == hash(BAR_TYPE)
    with pytest.raises(InvalidInput) as info:
        BarType(IID, "1-MINUTE-LAST")  # type: ignore[arg-type]
    assert info.value.field == "BarType.spec"
    with pytest.raises(InvalidIdentifier):
        BarType("no venue", SPEC)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as info:
        BarType(IID, SPEC, 99)  # type: ignore[arg-type]
    assert info.value.field == "BarType.aggregation_source"


# -- bars ----------------------------------------------------------------------------------
def test_bar_accepts_valid_ohlc_including_a_flat_bar() -> None:
    b = bar()
    assert b.instrument_id == IID
    flat = bar("10", "10", "10", "10")
    assert flat.high == flat.low


@pytest.mark.parametrize(
    ("ohlc", "field"),
    [
        (("13", "12", "9", "11"), "Bar.high"),  # open above high
        (("10", "12", "9", "13"), "Bar.high"),  # close above high
        (("10", "8", "9", "9"), "Bar.high"),  # high below low
        (("8", "12", "9", "11"), "Bar.low"),  # open below low
        (("10", "12", "9", "8"), "Bar.low"),  # close below low
    ],
)
def test_bar_high_low_rules(ohlc: tuple[str, str, str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        bar(*ohlc)
    assert info.value.field == field
    assert "must be" in info.value.rule


def test_bar_rejects_wrong_types_and_timestamps() -> None:
    with pytest.raises(InvalidInput) as info:
        Bar(BAR_TYPE, 1.0, Price("2"), Price("1"), Price("1"), Quantity("1"), 1, 1)  # type: ignore[arg-type]
    assert info.value.field == "Bar.open"
    with pytest.raises(InvalidInput) as info:
        Bar(BAR_TYPE, Price("1"), Price("2"), Price("1"), Price("1"), Price("1"), 1, 1)  # type: ignore[arg-type]
    assert info.value.field == "Bar.volume"
    with pytest.raises(InvalidInput) as info:
        Bar("x", Price("1"), Price("2"), Price("1"), Price("1"), Quantity("1"), 1, 1)  # type: ignore[arg-type]
    assert info.value.field == "Bar.bar_type"
    with pytest.raises(InvalidInput) as info:
        Bar(BAR_TYPE, Price("1"), Price("2"), Price("1"), Price("1"), Quantity("1"), -1, 1)
    assert info.value.field == "Bar.ts_event"


# -- book deltas -----------------------------------------------------------------------------
def test_book_delta_add_and_clear() -> None:
    d = add()
    assert d.order is not None and d.order.order_id == 7
    c = BookDelta.clear(IID, 5, 6, flags=RecordFlag.F_SNAPSHOT, sequence=9)
    assert c.action is BookAction.CLEAR and c.order is None
    assert (c.flags, c.sequence, c.ts_event) == (int(RecordFlag.F_SNAPSHOT), 9, 5)
    assert type(c.flags) is int  # stored as the plain int its wire form decodes to


def test_book_delta_coerces_an_int_action() -> None:
    d = BookDelta(
        IID, int(BookAction.DELETE), BookOrder(OrderSide.SELL, Price("1"), Quantity(0)), 1, 1
    )  # type: ignore[arg-type]
    assert d.action is BookAction.DELETE  # and DELETE may carry size 0


@pytest.mark.parametrize(
    ("action", "order", "field", "rule"),
    [
        (
            BookAction.CLEAR,
            BookOrder(OrderSide.BUY, Price("1"), Quantity("1")),
            "BookDelta.order",
            "None for a CLEAR",
        ),
        (BookAction.ADD, None, "BookDelta.order", "must be a BookOrder"),
        (
            BookAction.UPDATE,
            BookOrder(OrderSide.NO_ORDER_SIDE, Price("1"), Quantity("1")),
            "BookDelta.order.side",
            "BUY or SELL",
        ),
        (
            BookAction.ADD,
            BookOrder(OrderSide.BUY, Price("1"), Quantity("0")),
            "BookDelta.order.size",
            "> 0 for ADD",
        ),
        (
            BookAction.UPDATE,
            BookOrder(OrderSide.BUY, Price("1"), Quantity("0")),
            "BookDelta.order.size",
            "> 0 for UPDATE",
        ),
        (
            BookAction.ADD,
            BookOrder(OrderSide.BUY, 1.0, Quantity("1")),  # type: ignore[arg-type]
            "BookDelta.order.price",
            "must be a Price",
        ),
        (
            BookAction.ADD,
            BookOrder(OrderSide.BUY, Price("1"), Quantity("1"), -1),
            "BookDelta.order.order_id",
            "0..",
        ),
        (99, None, "BookDelta.action", "must be a BookAction"),
    ],
)
def test_book_delta_rules(action: object, order: object, field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        BookDelta(IID, action, order, 1, 1)  # type: ignore[arg-type]
    assert info.value.field == field
    assert rule in info.value.rule


def test_book_delta_flags_and_sequence_ranges() -> None:
    with pytest.raises(InvalidInput) as info:
        BookDelta(IID, BookAction.CLEAR, None, 1, 1, flags=256)
    assert info.value.field == "BookDelta.flags"
    with pytest.raises(InvalidInput) as info:
        BookDelta(IID, BookAction.CLEAR, None, 1, 1, sequence=2**64)
    assert info.value.field == "BookDelta.sequence"
    assert BookDelta(IID, BookAction.CLEAR, None, 1, 1, 255, 2**64 - 1).sequence == 2**64 - 1


def test_book_deltas_takes_a_list_and_exposes_the_last_delta() -> None:
    last = BookDelta(
        IID,
        BookAction.DELETE,
        BookOrder(OrderSide.SELL, Price("2"), Quantity("0")),
        20,
        21,
        int(RecordFlag.F_LAST),
        42,
    )
    ds = BookDeltas("BTCUSDT.BINANCE", [add(), last])  # type: ignore[arg-type]
    assert type(ds.deltas) is tuple and len(ds.deltas) == 2
    assert type(ds.instrument_id) is InstrumentId
    assert (ds.flags, ds.sequence, ds.ts_event, ds.ts_init) == (int(RecordFlag.F_LAST), 42, 20, 21)
    assert hash(ds) == hash(BookDeltas(IID, (add(), last)))


def test_book_deltas_rules() -> None:
    with pytest.raises(InvalidInput) as info:
        BookDeltas(IID, [])
    assert info.value.field == "BookDeltas.deltas" and "empty" in info.value.rule
    foreign = BookDelta(OTHER, BookAction.CLEAR, None, 1, 1)
    with pytest.raises(InvalidInput) as info:
        BookDeltas(IID, [add(), foreign])
    assert info.value.field == "BookDeltas.deltas[1].instrument_id"
    with pytest.raises(InvalidInput) as info:
        BookDeltas(IID, [add(), "x"])  # type: ignore[list-item]
    assert info.value.field == "BookDeltas.deltas[1]"
    with pytest.raises(InvalidInput) as info:
        BookDeltas(IID, "abc")  # type: ignore[arg-type]
    assert info.value.field == "BookDeltas.deltas"


# -- depth -----------------------------------------------------------------------------------
def _level(price: str, size: str = "1", count: int = 1) -> BookLevel:
    return BookLevel(Price(price), Quantity(size), count)


def test_depth10_holds_up_to_ten_sorted_levels() -> None:
    bids = [_level(str(100 - i)) for i in range(DEPTH10_LEN)]
    asks = [_level(str(101 + i)) for i in range(3)]
    depth = BookDepth10(IID, bids, asks, 1, 2, flags=0, sequence=5)
    assert type(depth.bids) is tuple and len(depth.bids) == 10 and len(depth.asks) == 3
    assert depth.bids[0].price == Price("100")


def test_depth10_allows_a_crossed_snapshot() -> None:
    depth = BookDepth10(IID, [_level("101")], [_level("100")], 1, 2)
    assert depth.bids[0].price > depth.asks[0].price


@pytest.mark.parametrize(
    ("bids", "asks", "field"),
    [
        ([_level(str(100 - i)) for i in range(11)], [], "BookDepth10.bids"),
        ([_level("99"), _level("100")], [], "BookDepth10.bids[1].price"),
        ([_level("99"), _level("99")], [], "BookDepth10.bids[1].price"),
        ([], [_level("101"), _level("100")], "BookDepth10.asks[1].price"),
        ([], [_level("101"), "x"], "BookDepth10.asks[1]"),
        ([], "x", "BookDepth10.asks"),
    ],
)
def test_depth10_rules(bids: object, asks: object, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        BookDepth10(IID, bids, asks, 1, 2)  # type: ignore[arg-type]
    assert info.value.field == field


# -- custom data registration ------------------------------------------------------------------
def test_register_a_custom_data_type() -> None:
    assert register_data_type(Signal) is Signal
    assert register_data_type(Signal) is Signal  # again: a no-op
    assert data_type_name(Signal) == "Signal"
    sig = Signal(IID, Price("0.25"), 1, 2)
    assert data_type_name(sig) == "Signal"
    assert get_data_type("Signal") is Signal
    assert data_types()["Signal"] is Signal
    assert codec.is_registered_struct(Signal)
    assert isinstance(sig, Data)


def test_registered_name_builds_a_custom_topic() -> None:
    from lyra import topics

    register_data_type(Signal)
    sig = Signal(InstrumentId("BTCUSDT-PERP.BINANCE"), Price("0.0001"), 1, 2)
    topic = topics.custom(data_type_name(sig), sig.instrument_id)
    assert topic == "data.custom.Signal.BINANCE.BTCUSDT-PERP"
    assert codec.decode_msgpack(codec.encode_msgpack(sig)) == sig


def test_register_as_a_decorator_with_a_columnar_dtype_and_a_custom_tag() -> None:
    spec = [("ts_event", "<i8"), ("ts_init", "<i8")]
    assert register_data_type(columnar_dtype=spec)(Renamed) is Renamed
    assert data_type_name(Renamed) == "RenamedSignal"
    assert columnar_dtype(Renamed) == spec
    assert columnar_dtype(QuoteTick) is None
    assert register_data_type(Renamed) is Renamed  # again without a dtype: keeps it
    assert columnar_dtype(Renamed) == spec
    with pytest.raises(InvalidInput) as info:
        register_data_type(Renamed, columnar_dtype=[("ts_event", "<i4")])
    assert info.value.field == "Renamed.columnar_dtype"


class IntTag(msgspec.Struct, frozen=True, tag=7):
    ts_event: int
    ts_init: int


def test_an_int_tag_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        register_data_type(IntTag)
    assert info.value.field == "IntTag.tag"


@pytest.mark.parametrize(
    ("cls", "field", "rule"),
    [
        (int, "register_data_type.cls", "msgspec.Struct"),
        (NotFrozen, "NotFrozen.frozen", "must be True"),
        (Untagged, "Untagged.tag", "tag=True"),
        (NoTsInit, "NoTsInit.ts_init", "must be a field"),
        (StrTs, "StrTs.ts_event", "annotated int"),
        (ArrayLike, "ArrayLike.array_like", "must be False"),
        (OtherTagField, "OtherTagField.tag_field", "'type'"),
        (BadTag, "BadTag.tag", "1-64 characters"),
    ],
)
def test_register_data_type_rules(cls: type, field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        register_data_type(cls)
    assert info.value.field == field
    assert rule in info.value.rule
    assert not codec.is_registered_struct(cls)


def test_register_rejects_a_tag_already_taken() -> None:
    clash = _make_clashing_quote_tick()
    with pytest.raises(InvalidInput) as info:
        register_data_type(clash)
    assert info.value.field == "_make_clashing_quote_tick.<locals>.QuoteTick.tag"
    assert "already used by lyra.model.data.QuoteTick" in info.value.rule
    assert get_data_type("QuoteTick") is QuoteTick


def test_data_type_lookups_fail_with_typed_errors() -> None:
    with pytest.raises(InvalidInput, match="not a registered data type"):
        data_type_name(Untagged)
    with pytest.raises(InvalidInput, match="not a registered data type"):
        data_type_name(Price("1"))
    with pytest.raises(InvalidInput, match="no data type is registered"):
        get_data_type("Nope")


def test_builtin_data_types_are_registered_by_name() -> None:
    names = data_types()
    for cls in (QuoteTick, TradeTick, Bar, BookDelta, BookDeltas, BookDepth10):
        assert names[cls.__name__] is cls
        assert data_type_name(cls) == cls.__name__
    assert "BarType" not in names  # a value type, not data


def test_data_and_codec_do_not_import_numpy() -> None:
    code = "import sys, lyra.model.data, lyra.model.codec;print('numpy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
