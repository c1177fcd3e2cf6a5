"""Serialization: exact msgpack/JSON round trips of every data type, the tagged union, the
wire forms of value types, and typed errors for malformed input."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from lyra.errors import InvalidIdentifier, InvalidInput, PrecisionError
from lyra.model import codec
from lyra.model.codec import (
    Decoder,
    Encoder,
    decode_json,
    decode_msgpack,
    encode_json,
    encode_msgpack,
    register_struct,
)
from lyra.model.currency import Currency
from lyra.model.data import (
    Bar,
    BarSpecification,
    BarType,
    BookDelta,
    BookDeltas,
    BookDepth10,
    BookLevel,
    BookOrder,
    QuoteTick,
    TradeTick,
    UnixNanos,
    register_data_type,
)
from lyra.model.enums import (
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookAction,
    OrderSide,
    PriceType,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.values import PRICE_RAW_MAX, QUANTITY_RAW_MAX, Money, Price, Quantity

# -- a custom data type with every value type the codec handles ---------------------------


@register_data_type
class CodecProbe(msgspec.Struct, frozen=True, tag=True):
    instrument_id: InstrumentId
    price: Price
    size: Quantity
    fee: Money
    currency: Currency
    ratio: Decimal
    trade_id: TradeId | None
    ts_event: UnixNanos
    ts_init: UnixNanos


class Ping(msgspec.Struct, frozen=True, tag=True):  # not data: no timestamps
    seq: int


class LateStruct(msgspec.Struct, frozen=True, tag=True):
    note: str


register_struct(Ping)

# -- strategies ------------------------------------------------------------------------------
PRECISION = st.integers(0, 9)
TS = st.integers(0, 2**63 - 1)
SYMBOL = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64)
VENUE = st.from_regex(r"[A-Za-z0-9_\-]{1,32}", fullmatch=True)
INSTRUMENT_IDS = st.builds(InstrumentId.from_parts, SYMBOL, VENUE)
TRADE_IDS = st.builds(TradeId, SYMBOL)
SIDES = st.sampled_from([OrderSide.BUY, OrderSide.SELL])


@st.composite
def prices(draw: st.DrawFn, precision: int | None = None, positive: bool = False) -> Price:
    p = draw(PRECISION) if precision is None else precision
    step = 10 ** (9 - p)
    lo = 1 if positive else -(PRICE_RAW_MAX // step)
    return Price.from_raw(draw(st.integers(lo, PRICE_RAW_MAX // step)) * step, p)


@st.composite
def quantities(draw: st.DrawFn, precision: int | None = None, positive: bool = False) -> Quantity:
    p = draw(PRECISION) if precision is None else precision
    step = 10 ** (9 - p)
    lo = 1 if positive else 0
    return Quantity.from_raw(draw(st.integers(lo, QUANTITY_RAW_MAX // step)) * step, p)


@st.composite
def moneys(draw: st.DrawFn) -> Money:
    cur = draw(st.sampled_from([Currency.from_str(c) for c in ("USD", "JPY", "BTC", "XRP")]))
    p = draw(st.integers(cur.precision, 9))
    step = 10 ** (9 - p)
    return Money.from_raw(draw(st.integers(-(10**30), 10**30)) // step * step, cur, p)


QUOTES = st.builds(
    QuoteTick, INSTRUMENT_IDS, prices(), prices(), quantities(), quantities(), TS, TS
)
TRADES = st.builds(
    TradeTick,
    INSTRUMENT_IDS,
    prices(),
    quantities(),
    st.sampled_from(AggressorSide),
    TRADE_IDS,
    TS,
    TS,
)
SPECS = st.builds(
    BarSpecification,
    st.integers(1, 10**9),
    st.sampled_from(BarAggregation),
    st.sampled_from(PriceType),
)
BAR_TYPES = st.builds(BarType, INSTRUMENT_IDS, SPECS, st.sampled_from(AggregationSource))


@st.composite
def bars(draw: st.DrawFn) -> Bar:
    four = sorted(draw(st.lists(prices(), min_size=4, max_size=4)), key=lambda p: p.raw)
    low, a, b, high = four
    o, c = draw(st.permutations([a, b]))
    return Bar(draw(BAR_TYPES), o, high, low, c, draw(quantities()), draw(TS), draw(TS))


@st.composite
def book_deltas(draw: st.DrawFn, instrument_id: InstrumentId | None = None) -> BookDelta:
    iid = draw(INSTRUMENT_IDS) if instrument_id is None else instrument_id
    action = draw(st.sampled_from(BookAction))
    order = None
    if action is not BookAction.CLEAR:
        positive = action in (BookAction.ADD, BookAction.UPDATE)
        order = BookOrder(
            draw(SIDES),
            draw(prices()),
            draw(quantities(positive=positive)),
            draw(st.integers(0, 2**64 - 1)),
        )
    return BookDelta(
        iid,
        action,
        order,
        draw(TS),
        draw(TS),
        draw(st.integers(0, 255)),
        draw(st.integers(0, 2**64 - 1)),
    )


@st.composite
def book_deltas_batches(draw: st.DrawFn) -> BookDeltas:
    iid = draw(INSTRUMENT_IDS)
    return BookDeltas(iid, draw(st.lists(book_deltas(iid), min_size=1, max_size=5)))


@st.composite
def levels(draw: st.DrawFn, descending: bool) -> list[BookLevel]:
    raws = draw(st.lists(st.integers(-(10**12), 10**12), max_size=10, unique=True))
    raws.sort(reverse=descending)
    return [
        BookLevel(Price.from_raw(r * 1000, 6), draw(quantities()), draw(st.integers(0, 2**32 - 1)))
        for r in raws
    ]


DEPTHS = st.builds(
    BookDepth10,
    INSTRUMENT_IDS,
    levels(True),
    levels(False),
    TS,
    TS,
    st.integers(0, 255),
    st.integers(0, 2**64 - 1),
)
PROBES = st.builds(
    CodecProbe,
    INSTRUMENT_IDS,
    prices(),
    quantities(),
    moneys(),
    st.sampled_from(Currency.registered()),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.none() | TRADE_IDS,
    TS,
    TS,
)
ANY_DATA = st.one_of(QUOTES, TRADES, bars(), book_deltas(), book_deltas_batches(), DEPTHS, PROBES)


def canon(obj: Any) -> Any:
    """A form that differs whenever type, value or precision differ (== alone ignores
    precision: Price("1.0") == Price("1.00"))."""
    if isinstance(obj, msgspec.Struct):
        return (type(obj).__name__, tuple(canon(getattr(obj, f)) for f in obj.__struct_fields__))
    if isinstance(obj, (Price, Quantity)):
        return (type(obj).__name__, obj.raw, obj.precision)
    if isinstance(obj, Money):
        return ("Money", obj.raw, obj.precision, obj.currency.code)
    if isinstance(obj, (tuple, list)):
        return (type(obj).__name__, tuple(canon(x) for x in obj))
    if isinstance(obj, enum.Enum):
        return (type(obj).__name__, obj.value)
    if isinstance(obj, (Decimal, Currency)):
        return (type(obj).__name__, str(obj))
    return (type(obj).__name__, obj)


# -- round trips -----------------------------------------------------------------------------
@settings(max_examples=300)
@given(ANY_DATA)
def test_every_data_type_round_trips_exactly_through_msgpack(obj: Any) -> None:
    data = encode_msgpack(obj)
    typed = decode_msgpack(data, type(obj))
    untyped = decode_msgpack(data)
    assert typed == obj and canon(typed) == canon(obj)
    assert type(untyped) is type(obj) and canon(untyped) == canon(obj)


@settings(max_examples=300)
@given(ANY_DATA)
def test_every_data_type_round_trips_exactly_through_json(obj: Any) -> None:
    data = encode_json(obj)
    typed = decode_json(data, type(obj))
    untyped = decode_json(data.decode())  # str input works too
    assert typed == obj and canon(typed) == canon(obj)
    assert type(untyped) is type(obj) and canon(untyped) == canon(obj)


@given(st.one_of(BAR_TYPES, SPECS, st.builds(BookOrder, SIDES, prices(), quantities())))
def test_value_structs_round_trip_when_typed(obj: Any) -> None:
    for enc, dec in ((encode_msgpack, decode_msgpack), (encode_json, decode_json)):
        assert canon(dec(enc(obj), type(obj))) == canon(obj)


@given(st.lists(QUOTES, max_size=5))
def test_containers_of_data_decode_with_a_container_type(quotes: list[QuoteTick]) -> None:
    back = Decoder(list[QuoteTick], "json").decode(encode_json(quotes))
    assert canon(back) == canon(quotes)
    assert decode_msgpack(encode_msgpack(quotes), list[QuoteTick]) == quotes


def test_tagged_union_picks_the_right_type() -> None:
    iid = InstrumentId("EURUSD.SIM")
    trade = TradeTick(iid, Price("1"), Quantity("1"), AggressorSide.BUYER, TradeId("1"), 1, 1)
    objs = [
        QuoteTick(iid, Price("1.10000"), Price("1.10001"), Quantity("1"), Quantity("1"), 1, 1),
        trade,
        BookDelta.clear(iid, 1, 1),
        Ping(3),
    ]
    for obj in objs:
        assert type(decode_msgpack(encode_msgpack(obj))) is type(obj)
        assert type(decode_json(encode_json(obj))) is type(obj)
    assert "QuoteTick" in codec.registered_structs()
    assert "Ping" in codec.registered_structs()


# -- wire forms ------------------------------------------------------------------------------
def test_wire_forms_of_value_types() -> None:
    probe = CodecProbe(
        InstrumentId("BTC-USD.COINBASE"),
        Price("1.2300"),
        Quantity("0.500"),
        Money("1.50", "USD"),
        Currency.from_str("BTC"),
        Decimal("0.0001"),
        TradeId("t-9"),
        1,
        2,
    )
    assert encode_json(probe) == (
        b'{"type":"CodecProbe","instrument_id":"BTC-USD.COINBASE","price":"1.2300",'
        b'"size":"0.500","fee":"1.50 USD","currency":"BTC","ratio":"0.0001","trade_id":"t-9",'
        b'"ts_event":1,"ts_init":2}'
    )
    back = decode_json(encode_json(probe), CodecProbe)
    assert back.price.precision == 4 and back.size.precision == 3
    assert type(back.instrument_id) is InstrumentId and type(back.trade_id) is TradeId


@pytest.mark.parametrize(
    ("raw", "precision", "text"),
    [
        (0, 0, "0"),
        (0, 3, "0.000"),
        (1, 9, "0.000000001"),
        (-1, 9, "-0.000000001"),
        (1_230_000_000, 4, "1.2300"),
        (-5_000_000_000, 2, "-5.00"),
        (PRICE_RAW_MAX, 9, "9223372036.854775807"),
        (-PRICE_RAW_MAX, 9, "-9223372036.854775807"),
        (123_000_000_000, 0, "123"),
    ],
)
def test_price_text_on_the_wire(raw: int, precision: int, text: str) -> None:
    price = Price.from_raw(raw, precision)
    assert codec.enc_hook(price) == text == str(price)
    back = codec.dec_hook(Price, text)
    assert (back.raw, back.precision) == (raw, precision)


_DECIMAL_TEXT = st.builds(
    lambda sign, whole, frac, zeros: sign + whole + ("" if frac is None else f".{frac}{zeros}"),
    st.sampled_from(["", "-", "+"]),
    st.from_regex(r"[0-9]{0,12}", fullmatch=True),
    st.none() | st.from_regex(r"[0-9]{0,9}", fullmatch=True),
    st.sampled_from(["", "0", "00", "0000000000"]),  # trailing zeros count toward precision
)


@settings(max_examples=300)
@given(st.one_of(_DECIMAL_TEXT, st.text(max_size=14)))
def test_decoding_a_price_agrees_with_the_constructor(text: str) -> None:
    for cls in (Price, Quantity):
        try:
            want: Any = cls(text)
        except InvalidInput:
            want = None
        try:
            got: Any = codec.dec_hook(cls, text)
        except InvalidInput:
            got = None
        if want is None:
            assert got is None
        else:
            assert type(got) is cls and (got.raw, got.precision) == (want.raw, want.precision)


def test_other_constructor_forms_decode_but_floats_never_do() -> None:
    msg = (
        b'{"type":"QuoteTick","instrument_id":"A.B","bid_price":"1e-3","ask_price":2,'
        b'"bid_size":"1","ask_size":"1","ts_event":1,"ts_init":1}'
    )
    q = decode_json(msg, QuoteTick)
    assert (q.bid_price.raw, q.bid_price.precision) == (1_000_000, 3)
    assert q.ask_price == Price(2)
    with pytest.raises(InvalidInput) as info:
        decode_json(msg.replace(b"2,", b"2.5,"), QuoteTick)
    assert info.value.field == "QuoteTick.ask_price"
    assert "float" in info.value.rule


def test_value_caches_stay_bounded_and_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "_CACHE_MAX", 3)
    for i in range(20):
        text = f"{i}.{i:03d}"
        assert codec.dec_hook(Price, text) == Price(text)
        assert codec.dec_hook(Quantity, text) == Quantity(text)
        assert codec.enc_hook(Price(text)) == text
        assert codec.dec_hook(InstrumentId, f"S{i}.V") == f"S{i}.V"
    assert len(codec._PRICE_CACHE) <= 3 and len(codec._QUANTITY_CACHE) <= 3
    assert len(codec._FMT_CACHES[3]) <= 3  # the texts above all have 3 decimals


# -- errors ----------------------------------------------------------------------------------
_QUOTE = QuoteTick(
    InstrumentId("EURUSD.SIM"),
    Price("1.10000"),
    Price("1.10002"),
    Quantity("100000"),
    Quantity("200000"),
    1,
    2,
)


def test_every_truncation_of_a_message_is_a_typed_error() -> None:
    for encode, decode in ((encode_msgpack, decode_msgpack), (encode_json, decode_json)):
        data = encode(_QUOTE)
        for cut in range(len(data)):
            for tp in (None, QuoteTick):
                with pytest.raises(InvalidInput):
                    decode(data[:cut], tp)


@settings(max_examples=300)
@given(st.binary(max_size=120))
def test_garbage_bytes_decode_or_raise_invalid_input(data: bytes) -> None:
    for decode in (decode_msgpack, decode_json):
        try:
            obj = decode(data)
        except InvalidInput:
            continue
        assert codec.is_registered_struct(type(obj))


def test_malformed_input_names_the_format_and_type() -> None:
    with pytest.raises(InvalidInput) as info:
        decode_msgpack(b"\xc1", QuoteTick)
    assert info.value.field == "QuoteTick"
    assert info.value.rule.startswith("is not valid msgpack")
    assert isinstance(info.value.__cause__, msgspec.DecodeError)
    with pytest.raises(InvalidInput) as info:
        decode_json(b"{nope", QuoteTick)
    assert info.value.rule.startswith("is not valid json")
    with pytest.raises(InvalidInput) as info:
        decode_json(b"[1, 2]")
    assert info.value.field == "message"


def _json_quote(**override: Any) -> bytes:
    fields: dict[str, Any] = {
        "type": "QuoteTick",
        "instrument_id": "EURUSD.SIM",
        "bid_price": "1.10000",
        "ask_price": "1.10002",
        "bid_size": "1",
        "ask_size": "1",
        "ts_event": 1,
        "ts_init": 2,
    }
    fields.update(override)
    return msgspec.json.encode({k: v for k, v in fields.items() if v is not ...})


@pytest.mark.parametrize(
    ("message", "field", "rule", "cls"),
    [
        (_json_quote(ts_event="x"), "QuoteTick.ts_event", "Expected `int`", InvalidInput),
        (_json_quote(ts_event=-1), "QuoteTick.ts_event", ">= 0", InvalidInput),
        (_json_quote(ts_init=...), "QuoteTick", "missing required field `ts_init`", InvalidInput),
        (
            _json_quote(bid_price="1.0000000001"),
            "QuoteTick.bid_price",
            "more than 9 decimal",
            PrecisionError,
        ),
        (_json_quote(bid_size="-1"), "QuoteTick.bid_size", "must not be negative", InvalidInput),
        (
            _json_quote(instrument_id="NOVENUE"),
            "QuoteTick.instrument_id",
            "SYMBOL.VENUE",
            InvalidIdentifier,
        ),
        (_json_quote(type="Nope"), "message.type", "Invalid value 'Nope'", InvalidInput),
    ],
)
def test_invalid_fields_raise_typed_errors_naming_the_path(
    message: bytes, field: str, rule: str, cls: type[InvalidInput]
) -> None:
    tp = None if b'"Nope"' in message else QuoteTick
    for decode in (
        lambda m: decode_json(m, tp),
        lambda m: decode_msgpack(msgspec.msgpack.encode(msgspec.json.decode(m)), tp),
    ):
        with pytest.raises(cls) as info:
            decode(message)
        assert info.value.field == field
        assert rule in info.value.rule


def test_untyped_decoding_names_the_tagged_type_in_errors() -> None:
    with pytest.raises(InvalidInput) as info:
        decode_json(_json_quote(ts_event="x"))
    assert info.value.field == "QuoteTick.ts_event"


def test_nested_errors_carry_the_full_path_and_keep_their_class() -> None:
    iid = InstrumentId("X.Y")
    ds = BookDeltas(
        iid,
        [
            BookDelta.clear(iid, 1, 1),
            BookDelta(
                iid, BookAction.ADD, BookOrder(OrderSide.BUY, Price("1.5"), Quantity("1")), 1, 1
            ),
        ],
    )
    bad = encode_json(ds).replace(b'"1.5"', b'"1.5000000001"')
    for tp in (BookDeltas, None):
        with pytest.raises(PrecisionError) as info:
            decode_json(bad, tp)
        assert info.value.field == "BookDeltas.deltas[1].order.price"
        assert info.value.rule.startswith("Price.value: has more than 9 decimal places")


def test_struct_invariants_are_enforced_when_decoding() -> None:
    bt = BarType.from_str("A.B-1-MINUTE-LAST-EXTERNAL")
    good = Bar(bt, Price("1"), Price("2"), Price("1"), Price("1"), Quantity("1"), 1, 1)
    bad = encode_json(good).replace(b'"high":"2"', b'"high":"0"')
    with pytest.raises(InvalidInput) as info:
        decode_json(bad)
    assert info.value.field == "Bar.high"
    clear = encode_json(BookDelta.clear(InstrumentId("A.B"), 1, 1))
    with_order = clear.replace(b'"order":null', b'"order":{"side":1,"price":"1","size":"1"}')
    with pytest.raises(InvalidInput) as info:
        decode_json(with_order, BookDelta)
    assert info.value.field == "BookDelta.order"
    big_id = encode_json(
        BookDelta(
            InstrumentId("A.B"),
            BookAction.ADD,
            BookOrder(OrderSide.BUY, Price("1"), Quantity("1"), 2**64 - 1),
            1,
            1,
        )
    )
    assert decode_json(big_id, BookDelta).order.order_id == 2**64 - 1  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as info:
        decode_json(big_id.replace(b"18446744073709551615", b"18446744073709551616"), BookDelta)
    assert info.value.field.startswith("BookDelta.order")


def test_unknown_currency_is_a_typed_error() -> None:
    probe = CodecProbe(
        InstrumentId("A.B"),
        Price("1"),
        Quantity("1"),
        Money("1", "USD"),
        Currency.from_str("USD"),
        Decimal(1),
        None,
        1,
        1,
    )
    data = encode_json(probe)
    with pytest.raises(InvalidInput) as info:
        decode_json(data.replace(b'"1.00 USD"', b'"1.00 ZZZ"'), CodecProbe)
    assert info.value.field == "CodecProbe.fee"
    with pytest.raises(InvalidInput) as info:
        decode_json(data.replace(b'"currency":"USD"', b'"currency":"ZZZ"'), CodecProbe)
    assert info.value.field == "CodecProbe.currency"


def test_encoding_an_unsupported_object_is_a_typed_error() -> None:
    for encode in (encode_msgpack, encode_json, Encoder("json").encode):
        with pytest.raises(InvalidInput) as info:
            encode({"x": object()})
        assert info.value.field == "codec.encode"


# -- encoders, decoders and the registry -----------------------------------------------------
def test_encoder_and_decoder_objects() -> None:
    enc = Encoder()
    assert enc.format == "msgpack" and enc.encode(_QUOTE) == encode_msgpack(_QUOTE)
    buf = bytearray(b"xx")
    enc.encode_into(_QUOTE, buf, 2)
    assert bytes(buf[2:]) == encode_msgpack(_QUOTE)
    dec = Decoder(QuoteTick)
    assert dec.decode(enc.encode(_QUOTE)) == _QUOTE
    assert Decoder(QuoteTick, "json").decode(Encoder("json").encode(_QUOTE)) == _QUOTE
    assert "QuoteTick" in repr(dec) and "union" in repr(Decoder())
    with pytest.raises(InvalidInput):
        Encoder("xml")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Decoder(QuoteTick, "xml")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as info:
        Decoder(object())  # not a type msgspec can decode
    assert info.value.field == "codec.type"


def test_a_union_decoder_sees_structs_registered_after_it_was_made() -> None:
    dec = Decoder()
    data = encode_msgpack(LateStruct("hi"))
    with pytest.raises(InvalidInput):
        dec.decode(data)
    register_struct(LateStruct)
    assert dec.decode(data) == LateStruct("hi")
    assert decode_json(encode_json(LateStruct("x"))) == LateStruct("x")
    assert codec.union_type() is not None


def test_register_struct_rules() -> None:
    class Untagged(msgspec.Struct):
        x: int

    with pytest.raises(InvalidInput) as info:
        register_struct(Untagged)
    assert info.value.field.endswith("Untagged.tag")
    with pytest.raises(InvalidInput) as info:
        register_struct(dict)  # type: ignore[type-var]
    assert info.value.field == "register_struct.cls"
    assert register_struct(Ping) is Ping  # again: a no-op
    assert not codec.is_registered_struct(Untagged)
