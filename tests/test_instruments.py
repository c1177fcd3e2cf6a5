"""Tests for lyra.model.instruments: validation, rounding, the tick/lot grid, money, codecs."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import pickle
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from lyra.errors import InvalidInput, InvalidInstrument, PrecisionError, ValueOutOfRange
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide
from lyra.model.identifiers import InstrumentId, Symbol
from lyra.model.instruments import (
    AnyInstrument,
    CurrencyPair,
    Equity,
    FuturesContract,
    Instrument,
    PerpetualSwap,
)
from lyra.model.session import ContinuousSession, TradingSession
from lyra.model.values import PRICE_RAW_MAX, Money, Price, Quantity

MAKER = LiquiditySide.MAKER
TAKER = LiquiditySide.TAKER
MODES = ("half_even", "half_up", "half_down", "down", "up", "floor", "ceiling")
_DECIMAL_MODES = {
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_up": decimal.ROUND_HALF_UP,
    "half_down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}


def spot(**overrides: Any) -> CurrencyPair:
    fields: dict[str, Any] = {
        "price_increment": "0.01",
        "size_increment": "0.00001",
    }
    fields.update(overrides)
    return CurrencyPair.simple("BTCUSDT.BINANCE", **fields)


# -- construction -------------------------------------------------------------------------------
def test_simple_spot_pair_infers_currencies_and_precisions() -> None:
    pair = spot()
    assert pair.id == InstrumentId("BTCUSDT.BINANCE")
    assert type(pair.id) is InstrumentId
    assert pair.raw_symbol == Symbol("BTCUSDT")
    assert pair.base_currency == Currency.from_str("BTC")
    assert pair.quote_currency == Currency.from_str("USDT")
    assert pair.settlement_currency == pair.quote_currency
    assert pair.notional_currency == pair.quote_currency
    assert pair.is_inverse is False
    assert (pair.price_precision, pair.size_precision) == (2, 5)
    assert (pair.symbol, pair.venue) == ("BTCUSDT", "BINANCE")
    assert pair.multiplier == Quantity(1)
    assert pair.maker_fee == 0 and pair.taker_fee == 0
    assert isinstance(pair.trading_session, ContinuousSession)


@pytest.mark.parametrize(
    ("instrument_id", "base", "quote"),
    [
        ("BTC-USDT.OKX", "BTC", "USDT"),
        ("XBT/USD.KRAKEN", "XBT", "USD"),
        ("ETHBTC.BINANCE", "ETH", "BTC"),
        ("USDCUSDT.BINANCE", "USDC", "USDT"),
        ("btcusdt.BINANCE", "BTC", "USDT"),
        ("BTC-USD-SWAP.OKX", "BTC", "USD"),
    ],
)
def test_simple_reads_base_and_quote_from_symbol(instrument_id: str, base: str, quote: str) -> None:
    pair = CurrencyPair.simple(instrument_id)
    assert (pair.base_currency.code, pair.quote_currency.code) == (base, quote)


def test_simple_without_recognisable_currencies_asks_for_them() -> None:
    with pytest.raises(InvalidInstrument) as info:
        CurrencyPair.simple("FOOBAR.X")
    assert info.value.field == "CurrencyPair.base_currency"
    assert "pass base= and quote=" in str(info.value)
    pair = CurrencyPair.simple("FOOBAR.X", base="BTC", quote="USD")
    assert pair.base_currency.code == "BTC"


def test_precision_is_derived_from_the_increment_as_written() -> None:
    pair = spot(price_increment="0.50")
    assert pair.price_precision == 2
    assert str(pair.make_price("100.5")) == "100.50"
    assert spot(price_increment="0.5").price_precision == 1
    assert spot(size_increment=Quantity("1")).size_precision == 0


def test_direct_construction_with_types_and_text_forms_agree() -> None:
    typed = CurrencyPair(
        id=InstrumentId("ETHUSDT.BINANCE"),
        raw_symbol=Symbol("ETHUSDT"),
        base_currency=Currency.from_str("ETH"),
        quote_currency=Currency.from_str("USDT"),
        price_increment=Price("0.01"),
        size_increment=Quantity("0.0001"),
        min_notional=Money("5", Currency.from_str("USDT")),
        taker_fee=Decimal("0.001"),
    )
    text = CurrencyPair(
        id="ETHUSDT.BINANCE",  # type: ignore[arg-type]
        raw_symbol="ETHUSDT",  # type: ignore[arg-type]
        base_currency="ETH",  # type: ignore[arg-type]
        quote_currency="USDT",  # type: ignore[arg-type]
        price_increment="0.01",  # type: ignore[arg-type]
        size_increment="0.0001",  # type: ignore[arg-type]
        min_notional="5 USDT",  # type: ignore[arg-type]
        taker_fee="0.001",  # type: ignore[arg-type]
    )
    assert typed == text
    assert hash(typed) == hash(text)
    assert type(text.id) is InstrumentId and type(text.raw_symbol) is Symbol
    assert type(text.price_increment) is Price and type(text.size_increment) is Quantity
    assert type(text.taker_fee) is Decimal and type(text.min_notional) is Money


def test_instruments_are_frozen() -> None:
    pair = spot()
    with pytest.raises(AttributeError):
        pair.taker_fee = Decimal("0.1")  # type: ignore[misc]


def test_instrument_base_is_abstract() -> None:
    with pytest.raises(InvalidInstrument) as info:
        Instrument(
            id=InstrumentId("X.Y"),
            raw_symbol=Symbol("X"),
            quote_currency=Currency.from_str("USD"),
            price_increment=Price("0.01"),
            size_increment=Quantity("1"),
        )
    assert info.value.field == "Instrument"


BAD_SPOT_FIELDS: list[tuple[dict[str, Any], str, str]] = [
    ({"price_increment": "0"}, "price_increment", "positive"),
    ({"price_increment": "-0.01"}, "price_increment", "positive"),
    ({"price_increment": 0.01}, "price_increment", "float"),
    ({"price_increment": "abc"}, "price_increment", "decimal"),
    ({"size_increment": "0"}, "size_increment", "positive"),
    ({"multiplier": "0"}, "multiplier", "positive"),
    ({"lot_size": "0.000015"}, "lot_size", "multiple of size_increment"),
    ({"lot_size": "0"}, "lot_size", "multiple of size_increment"),
    ({"min_quantity": "2", "max_quantity": "1"}, "min_quantity", "max_quantity"),
    ({"max_quantity": "0"}, "max_quantity", "positive"),
    ({"min_price": "10", "max_price": "5"}, "min_price", "max_price"),
    ({"min_notional": "5 USD"}, "min_notional", "notional currency USDT"),
    ({"max_notional": "5 BTC"}, "max_notional", "notional currency USDT"),
    ({"min_notional": "-1 USDT"}, "min_notional", "negative"),
    ({"max_notional": "0 USDT"}, "max_notional", "positive"),
    ({"min_notional": "10 USDT", "max_notional": "5 USDT"}, "min_notional", "max_notional"),
    ({"min_notional": "ten dollars"}, "min_notional", "currency code"),
    ({"maker_fee": "1"}, "maker_fee", "between -1 and 1"),
    ({"taker_fee": "-1"}, "taker_fee", "between -1 and 1"),
    ({"taker_fee": 0.001}, "taker_fee", "float"),
    ({"taker_fee": "NaN"}, "taker_fee", "finite"),
    ({"taker_fee": "x"}, "taker_fee", "decimal number"),
    ({"margin_init": "1.5"}, "margin_init", "0..1"),
    ({"margin_init": "-0.1"}, "margin_init", "0..1"),
    ({"margin_init": "0.1", "margin_maint": "0.2"}, "margin_maint", "margin_init"),
    ({"max_leverage": "0.5"}, "max_leverage", ">= 1"),
    ({"ts_event": -1}, "ts_event", ">= 0"),
    ({"ts_init": "1"}, "ts_init", "int"),
    ({"quote": "NOPE"}, "quote_currency", "not a registered currency"),
    ({"base": 7, "quote": "USDT"}, "base_currency", "Currency"),
    ({"base": "USDT", "quote": "USDT"}, "base_currency", "differ"),
    ({"raw_symbol": "has space"}, "raw_symbol", "printable"),
    ({"session": "NYSE"}, "session", "TradingSession"),
]


@pytest.mark.parametrize(("overrides", "field", "words"), BAD_SPOT_FIELDS)
def test_each_rule_raises_invalid_instrument_naming_the_field(
    overrides: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInstrument) as info:
        spot(**overrides)
    err = info.value
    assert isinstance(err, InvalidInput) and isinstance(err, ValueError)
    assert err.field == f"CurrencyPair.{field}"
    assert words in err.rule
    assert str(err).startswith(f"CurrencyPair.{field}: ")
    if field != "raw_symbol":
        assert "BTCUSDT.BINANCE" in str(err)


def test_bad_instrument_id_names_the_field() -> None:
    with pytest.raises(InvalidInstrument) as info:
        CurrencyPair(
            id="no-venue",  # type: ignore[arg-type]
            raw_symbol=Symbol("X"),
            base_currency=Currency.from_str("BTC"),
            quote_currency=Currency.from_str("USD"),
            price_increment=Price("1"),
            size_increment=Quantity("1"),
        )
    assert info.value.field == "CurrencyPair.id"
    assert "SYMBOL.VENUE" in info.value.rule


def test_inverse_swap_must_settle_in_base() -> None:
    with pytest.raises(InvalidInstrument) as info:
        PerpetualSwap.simple("BTCUSD-PERP.BINANCE", inverse=True, settlement="USD")
    assert info.value.field == "PerpetualSwap.settlement_currency"
    assert "base currency BTC" in info.value.rule


def test_inverse_notional_bounds_are_in_base_currency() -> None:
    with pytest.raises(InvalidInstrument) as info:
        PerpetualSwap.simple("BTCUSD-PERP.BINANCE", inverse=True, min_notional="10 USD")
    assert info.value.field == "PerpetualSwap.min_notional"
    assert "notional currency BTC" in info.value.rule
    assert "inverse" in info.value.rule
    ok = PerpetualSwap.simple("BTCUSD-PERP.BINANCE", inverse=True, min_notional="0.001 BTC")
    assert ok.notional_currency.code == "BTC"


def test_is_inverse_must_be_bool() -> None:
    with pytest.raises(InvalidInstrument) as info:
        PerpetualSwap.simple("BTCUSDT-PERP.BINANCE", inverse="yes")  # type: ignore[arg-type]
    assert info.value.field == "PerpetualSwap.is_inverse"


def test_linear_swap_may_settle_in_a_third_currency() -> None:
    quanto = PerpetualSwap.simple("ETHUSD-PERP.BITMEX", settlement="XBT")
    assert quanto.settlement_currency.code == "XBT"
    assert quanto.notional_currency.code == "USD"


def test_futures_dates_and_inverse_rules() -> None:
    with pytest.raises(InvalidInstrument) as info:
        FuturesContract.simple("ESZ4.XCME", quote="USD", activation_ns=10, expiration_ns=10)
    assert info.value.field == "FuturesContract.activation_ns"
    with pytest.raises(InvalidInstrument) as info:
        FuturesContract.simple("ESZ4.XCME", quote="USD", activation_ns=-1, expiration_ns=10)
    assert info.value.field == "FuturesContract.activation_ns"
    with pytest.raises(InvalidInstrument) as info:
        FuturesContract(
            id=InstrumentId("XYZ.X"),
            raw_symbol=Symbol("XYZ"),
            quote_currency=Currency.from_str("USD"),
            settlement_currency=Currency.from_str("USD"),
            price_increment=Price("1"),
            size_increment=Quantity("1"),
            activation_ns=0,
            expiration_ns=1,
            is_inverse=True,
        )
    assert info.value.field == "FuturesContract.base_currency"
    fut = FuturesContract.simple(
        "BTCUSD-240628.DERIBIT",
        inverse=True,
        activation_ns=100,
        expiration_ns=200,
        multiplier="10",
    )
    assert fut.base_currency is not None and fut.base_currency.code == "BTC"
    assert fut.settlement_currency.code == "BTC"
    assert fut.underlying == "BTC"
    assert [fut.is_active(t) for t in (99, 100, 199, 200)] == [False, True, True, False]


def test_index_future_without_base_currency() -> None:
    es = FuturesContract.simple(
        "ESZ4.XCME",
        quote="USD",
        underlying="ES",
        activation_ns=0,
        expiration_ns=1,
        price_increment="0.25",
        size_increment="1",
        multiplier="50",
    )
    assert es.base_currency is None
    assert es.underlying == "ES"
    assert es.settlement_currency.code == "USD"
    with pytest.raises(InvalidInstrument) as info:
        FuturesContract.simple("ESZ4.XCME", activation_ns=0, expiration_ns=1)
    assert info.value.field == "FuturesContract.quote_currency"


def test_equity_defaults_isin_and_session() -> None:
    nyse = TradingSession.nyse()
    aapl = Equity.simple("AAPL.XNAS", isin="US0378331005", lot_size="100", session=nyse)
    assert aapl.base_currency is None
    assert aapl.settlement_currency.code == "USD"
    assert (aapl.price_precision, aapl.size_precision) == (2, 0)
    assert aapl.lot_size == Quantity(100)
    assert aapl.trading_session is nyse
    with pytest.raises(InvalidInstrument) as info:
        Equity.simple("AAPL.XNAS", isin="US03783310")
    assert info.value.field == "Equity.isin"


def test_replace_validates_again() -> None:
    pair = spot(max_quantity="10")
    cheaper = msgspec.structs.replace(pair, taker_fee=Decimal("0.0004"))
    assert cheaper.taker_fee == Decimal("0.0004")
    with pytest.raises(InvalidInstrument) as info:
        msgspec.structs.replace(pair, min_quantity=Quantity("20"))
    assert info.value.field == "CurrencyPair.min_quantity"


# -- make_price / make_qty ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "pos", "neg"),
    [
        ("half_even", "100.00", "-100.00"),
        ("half_up", "100.01", "-100.01"),
        ("half_down", "100.00", "-100.00"),
        ("down", "100.00", "-100.00"),
        ("up", "100.01", "-100.01"),
        ("floor", "100.00", "-100.01"),
        ("ceiling", "100.01", "-100.00"),
    ],
)
def test_make_price_tie_in_every_mode(mode: str, pos: str, neg: str) -> None:
    pair = spot()
    assert str(pair.make_price("100.005", mode)) == pos  # type: ignore[arg-type]
    assert str(pair.make_price("-100.005", mode)) == neg  # type: ignore[arg-type]


def test_make_price_non_power_of_ten_tick() -> None:
    es = spot(price_increment="0.25")
    assert str(es.make_price("100.125")) == "100.00"  # 400.5 ticks, tie to even
    assert str(es.make_price("100.375")) == "100.50"  # 401.5 ticks, tie to even
    assert str(es.make_price("100.125", "half_up")) == "100.25"
    assert str(es.make_price("100.13")) == "100.25"
    assert str(es.make_price("100.12")) == "100.00"


def test_make_price_accepts_every_input_kind_and_returns_instrument_precision() -> None:
    pair = spot()
    expected = Price("65000.00")
    for value in (
        "65000.004",
        "6.5000004e4",
        65000.004,
        65000,
        Decimal("65000.004"),
        Price("65000.004"),
        Price("65000"),
        Quantity("65000.0040"),
        "65000.0049999999999999",  # more digits than a Price can hold: still exact
    ):
        got = pair.make_price(value)
        assert got == expected, value
        assert got.precision == 2, value
        assert type(got) is Price


def test_make_price_float_uses_shortest_repr() -> None:
    pair = spot()
    # 1.005 is 1.00499999999999989... in binary; Lyra reads the float as written, "1.005".
    assert str(pair.make_price(1.005, "half_up")) == "1.01"
    assert str(pair.make_price(1.005)) == "1.00"


def test_make_price_bounds() -> None:
    pair = spot(min_price="1.00", max_price="1000000")
    with pytest.raises(ValueOutOfRange) as info:
        pair.make_price("0.994")
    assert info.value.field == "price"
    assert "min_price 1.00" in info.value.rule and "BTCUSDT.BINANCE" in info.value.rule
    with pytest.raises(ValueOutOfRange) as info:
        pair.make_price("1000000.01")
    assert "max_price" in info.value.rule
    assert str(pair.make_price("0.994", check_bounds=False)) == "0.99"
    assert str(pair.make_price("0.995")) == "1.00"  # bounds apply to the rounded price


@pytest.mark.parametrize(
    "bad", [None, True, "abc", "", [1], float("nan"), float("inf"), "NaN", Decimal("Infinity")]
)
def test_make_price_refuses_bad_input(bad: Any) -> None:
    pair = spot()
    with pytest.raises(InvalidInput) as info:
        pair.make_price(bad)
    assert info.value.field == "price"
    assert not pair.is_valid_price(bad)


def test_bad_rounding_mode() -> None:
    pair = spot()
    for call in (
        lambda: pair.make_price("1", "nearest"),  # type: ignore[arg-type]
        lambda: pair.make_qty("1", "nearest"),  # type: ignore[arg-type]
        lambda: pair.notional_value(Quantity(1), Price(1), "nearest"),  # type: ignore[arg-type]
        lambda: pair.calculate_fee(Quantity(1), Price(1), TAKER, "nearest"),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidInput) as info:
            call()
        assert info.value.field == "rounding"


def test_make_qty_rounds_down_by_default() -> None:
    pair = spot()
    assert str(pair.make_qty("0.123459")) == "0.12345"
    assert str(pair.make_qty(0.3)) == "0.30000"
    assert str(spot(size_increment="0.1").make_qty(0.3)) == "0.3"  # not 0.2: repr, not binary
    assert str(pair.make_qty("0.123455", "half_even")) == "0.12346"
    assert str(pair.make_qty("0.123451", "up")) == "0.12346"
    assert pair.make_qty(2).precision == 5
    assert str(pair.make_qty(0)) == "0.00000"


def test_make_qty_bounds_and_sign() -> None:
    pair = spot(min_quantity="0.001", max_quantity="100")
    with pytest.raises(ValueOutOfRange) as info:
        pair.make_qty("0.0009")
    assert info.value.field == "quantity"
    assert "min_quantity 0.001" in info.value.rule and "BTCUSDT.BINANCE" in info.value.rule
    with pytest.raises(ValueOutOfRange) as info:
        pair.make_qty("100.00001")
    assert "max_quantity 100" in info.value.rule
    assert str(pair.make_qty("100.000009")) == "100.00000"  # rounding down keeps it in bounds
    assert str(pair.make_qty("0.0009", check_bounds=False)) == "0.00090"
    with pytest.raises(ValueOutOfRange) as info:
        pair.make_qty("-1")
    assert "negative" in info.value.rule
    with pytest.raises(ValueOutOfRange):
        pair.make_qty("-1", check_bounds=False)


def test_make_qty_positive_value_rounding_to_zero_raises() -> None:
    pair = spot()
    with pytest.raises(ValueOutOfRange) as info:
        pair.make_qty("0.000001")
    assert "rounds to zero" in info.value.rule
    assert pair.make_qty("0.000001", check_bounds=False) == 0
    assert str(pair.make_qty("0.000001", "up")) == "0.00001"


def test_is_valid_price_and_qty() -> None:
    pair = spot(min_price="1", max_price="1000", min_quantity="0.001", max_quantity="10")
    assert pair.is_valid_price(Price("100.01"))
    assert pair.is_valid_price("100.010")
    assert not pair.is_valid_price("100.011")
    assert not pair.is_valid_price("0.99")
    assert not pair.is_valid_price("1000.01")
    assert pair.is_valid_qty(Quantity("0.00123"))
    assert not pair.is_valid_qty("0.000123")
    assert not pair.is_valid_qty("0.0009")
    assert not pair.is_valid_qty("10.00001")
    assert not pair.is_valid_qty("-0.001")
    assert not pair.is_valid_qty("abc")


# -- hypothesis: rounding against a Decimal reference ------------------------------------------
@st.composite
def increments(draw: st.DrawFn) -> tuple[int, int]:
    """(increment raw, precision) with the raw a multiple of 10**(9 - precision)."""
    precision = draw(st.integers(0, 9))
    unit = 10 ** (9 - precision)
    steps = draw(st.sampled_from([1, 1, 1, 2, 5, 25, 3, 7]))
    return steps * unit, precision


def _instrument(raw_inc: int, precision: int, size_raw: int, size_precision: int) -> CurrencyPair:
    return CurrencyPair.simple(
        "BTCUSDT.SIM",
        price_increment=Price.from_raw(raw_inc, precision),
        size_increment=Quantity.from_raw(size_raw, size_precision),
    )


@settings(max_examples=300, deadline=None)
@given(
    inc=increments(),
    value=st.decimals(
        min_value=Decimal("-1e8"), max_value=Decimal("1e8"), places=12, allow_nan=False
    ),
    mode=st.sampled_from(MODES),
)
def test_make_price_matches_decimal_reference(
    inc: tuple[int, int], value: Decimal, mode: str
) -> None:
    raw_inc, precision = inc
    pair = _instrument(raw_inc, precision, 1, 9)
    step = Decimal(raw_inc).scaleb(-9)
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        ticks = (value / step).to_integral_value(rounding=_DECIMAL_MODES[mode])
        expected = ticks * step
    got = pair.make_price(value, mode)  # type: ignore[arg-type]
    assert got.as_decimal() == expected
    assert got.precision == precision
    assert pair.ticks(got) == int(ticks)
    assert pair.is_valid_price(got)
    assert pair.is_valid_price(value) == (expected == value)


@settings(max_examples=200, deadline=None)
@given(
    inc=increments(),
    value=st.decimals(min_value=0, max_value=Decimal("1e8"), places=12, allow_nan=False),
    mode=st.sampled_from(MODES),
)
def test_make_qty_matches_decimal_reference(
    inc: tuple[int, int], value: Decimal, mode: str
) -> None:
    raw_inc, precision = inc
    pair = _instrument(1, 9, raw_inc, precision)
    step = Decimal(raw_inc).scaleb(-9)
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        lots = (value / step).to_integral_value(rounding=_DECIMAL_MODES[mode])
    got = pair.make_qty(value, mode, check_bounds=False)  # type: ignore[arg-type]
    assert got.as_decimal() == lots * step
    assert got.precision == precision
    assert pair.lots(got) == int(lots)
    if mode == "down":
        assert got.as_decimal() <= value


# -- ticks and lots -----------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(inc=increments(), data=st.data())
def test_ticks_round_trip(inc: tuple[int, int], data: st.DataObject) -> None:
    raw_inc, precision = inc
    pair = _instrument(raw_inc, precision, raw_inc, precision)
    limit = PRICE_RAW_MAX // raw_inc
    ticks = data.draw(st.integers(-limit, limit))
    price = pair.price_from_ticks(ticks)
    assert price.raw == ticks * raw_inc
    assert price.precision == precision
    assert pair.ticks(price) == ticks
    assert pair.price_from_ticks(pair.ticks(price)) == price
    lots = data.draw(st.integers(0, limit))
    qty = pair.qty_from_lots(lots)
    assert pair.lots(qty) == lots
    assert pair.qty_from_lots(pair.lots(qty)) == qty


def test_ticks_and_lots_refuse_off_grid_values() -> None:
    pair = spot(price_increment="0.25")
    assert pair.ticks(Price("100.25")) == 401
    assert pair.ticks(Price("-0.50")) == -2
    with pytest.raises(PrecisionError) as info:
        pair.ticks(Price("100.10"))
    assert info.value.field == "price" and "price_increment 0.25" in info.value.rule
    with pytest.raises(PrecisionError) as qinfo:
        pair.lots(Quantity("0.000015"))
    assert qinfo.value.field == "quantity"
    with pytest.raises(InvalidInput):
        pair.ticks(Quantity("1"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        pair.lots(Price("1"))  # type: ignore[arg-type]
    with pytest.raises(ValueOutOfRange):
        pair.qty_from_lots(-1)
    with pytest.raises(InvalidInput):
        pair.price_from_ticks(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueOutOfRange):
        pair.price_from_ticks(PRICE_RAW_MAX)  # overflows the i64 raw range


def test_lots_count_size_increments_not_lot_size() -> None:
    shares = Equity.simple("AAPL.XNAS", lot_size="100")
    assert shares.lots(Quantity(250)) == 250
    assert shares.qty_from_lots(3) == Quantity(3)


# -- notional and fees: worked numbers ---------------------------------------------------------
def test_spot_notional_and_fee_worked_example() -> None:
    # Coinbase-style BTC-USD: 0.00123 BTC at 61234.56 USD, 0.6% taker, 0.01% maker rebate.
    pair = CurrencyPair.simple(
        "BTC-USD.COINBASE",
        price_increment="0.01",
        size_increment="0.00000001",
        taker_fee="0.006",
        maker_fee="-0.0001",
    )
    qty, px = Quantity("0.00123"), Price("61234.56")
    notional = pair.notional_value(qty, px)
    assert notional == Money("75.3185088", "USD")  # exact: 0.00123 x 61234.56
    assert str(notional) == "75.3185088 USD"
    # 75.3185088 x 0.006 = 0.4519110528: ceiling -> 0.46, never understating the cost
    assert pair.calculate_fee(qty, px, TAKER) == Money("0.46", "USD")
    assert pair.calculate_fee(qty, px, TAKER, "half_even") == Money("0.45", "USD")
    # rebate -0.00753185088: ceiling rounds toward zero, floor pays the full cent
    assert pair.calculate_fee(qty, px, MAKER) == Money("0.00", "USD")
    assert pair.calculate_fee(qty, px, MAKER, "floor") == Money("-0.01", "USD")
    with pytest.raises(InvalidInput) as info:
        pair.calculate_fee(qty, px, LiquiditySide.NO_LIQUIDITY_SIDE)
    assert info.value.field == "liquidity_side"


def test_spot_notional_keeps_currency_precision_at_least() -> None:
    pair = spot(taker_fee="0.001")
    notional = pair.notional_value(Quantity("0.5"), Price("65000.01"))
    assert str(notional) == "32500.00500000 USDT"
    fee = pair.calculate_fee(Quantity("0.5"), Price("65000.01"), TAKER)
    assert str(fee) == "32.50000500 USDT"


def test_notional_beyond_nine_decimals_is_rounded() -> None:
    tiny = CurrencyPair.simple(
        "PEPEUSDT.BINANCE", price_increment="0.00000001", size_increment="0.001"
    )
    # 0.001 x 0.00000123 = 1.23e-9 exactly: fits in 9 decimals
    assert tiny.notional_value(Quantity("0.001"), Price("0.00000123")).raw == 1
    # 0.003 x 0.00000015 = 4.5e-10 -> half_even 0 ; up -> 1e-9
    assert tiny.notional_value(Quantity("0.003"), Price("0.00000015")).raw == 0
    assert tiny.notional_value(Quantity("0.003"), Price("0.00000015"), "up").raw == 1


def test_linear_swap_notional_and_fee() -> None:
    swap = PerpetualSwap.simple(
        "ETHUSDT-PERP.BINANCE",
        price_increment="0.01",
        size_increment="0.001",
        maker_fee="0.0002",
        taker_fee="0.0005",
    )
    qty, px = Quantity("2.5"), Price("3000.50")
    assert swap.notional_value(qty, px) == Money("7501.25", "USDT")
    assert swap.calculate_fee(qty, px, TAKER) == Money("3.750625", "USDT")
    assert swap.calculate_fee(qty, px, MAKER) == Money("1.50025", "USDT")


def test_linear_future_with_multiplier() -> None:
    es = FuturesContract.simple(
        "ESZ4.XCME",
        quote="USD",
        activation_ns=0,
        expiration_ns=1,
        price_increment="0.25",
        size_increment="1",
        multiplier="50",
        taker_fee="0.0001",
    )
    assert es.notional_value(Quantity(2), Price("5000.25")) == Money("500025", "USD")
    # 500025 x 0.0001 = 50.0025 -> ceiling 50.01
    assert es.calculate_fee(Quantity(2), Price("5000.25"), TAKER) == Money("50.01", "USD")


def test_inverse_swap_notional_and_fee() -> None:
    # Coin-margined BTCUSD perpetual: 1 contract = 100 USD, value in BTC = 100 / price.
    inv = PerpetualSwap.simple(
        "BTCUSD-PERP.BINANCE",
        inverse=True,
        price_increment="0.1",
        size_increment="1",
        multiplier="100",
        taker_fee="0.0005",
        maker_fee="-0.0001",
    )
    assert inv.notional_currency.code == "BTC"
    qty = Quantity(10)
    assert inv.notional_value(qty, Price("25000.0")) == Money("0.04", "BTC")
    # 1000 / 30000 = 0.0333...: rounded to BTC's 8 decimals
    third = inv.notional_value(qty, Price("30000.0"))
    assert str(third) == "0.03333333 BTC"
    assert str(inv.notional_value(qty, Price("30000.0"), "up")) == "0.03333334 BTC"
    # fee from the exact notional: 0.0333.. x 0.0005 = 0.00001666.. -> ceiling 0.00001667
    assert str(inv.calculate_fee(qty, Price("30000.0"), TAKER)) == "0.00001667 BTC"
    # rebate 0.0333.. x -0.0001 = -0.00000333.. -> toward zero
    assert str(inv.calculate_fee(qty, Price("30000.0"), MAKER)) == "-0.00000333 BTC"
    with pytest.raises(ValueOutOfRange) as info:
        inv.notional_value(qty, Price("0"))
    assert info.value.field == "price"


def test_notional_rejects_wrong_types() -> None:
    pair = spot()
    with pytest.raises(InvalidInput):
        pair.notional_value("1", Price(1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        pair.notional_value(Quantity(1), "1")  # type: ignore[arg-type]


def test_fee_on_negative_price_is_charged_on_absolute_notional() -> None:
    spread = FuturesContract.simple(
        "CLSPREAD.XNYM",
        quote="USD",
        activation_ns=0,
        expiration_ns=1,
        price_increment="0.01",
        size_increment="1",
        multiplier="1000",
        taker_fee="0.001",
    )
    assert spread.notional_value(Quantity(1), Price("-1.50")) == Money("-1500", "USD")
    assert spread.calculate_fee(Quantity(1), Price("-1.50"), TAKER) == Money("1.50", "USD")


# -- serialization ------------------------------------------------------------------------------
def _enc_hook(obj: object) -> object:
    # Mirrors lyra.model.codec's rules: values as decimal strings, Money as "1.50 USD",
    # currencies as codes, identifiers as plain strings.
    if isinstance(obj, (Price, Quantity, Money, Currency, str)):
        return str(obj)
    raise NotImplementedError(type(obj))


def _dec_hook(kind: type, obj: object) -> object:
    assert isinstance(obj, str)
    if kind is Money:
        return Money.from_str(obj)
    if kind is Currency:
        return Currency.from_str(obj)
    if kind in (Price, Quantity, InstrumentId, Symbol):
        return kind(obj)
    raise NotImplementedError(kind)


def _all_kinds() -> list[Instrument]:
    nyse = TradingSession.nyse(
        holidays=(dt.date(2024, 12, 25),), half_days=(dt.date(2024, 12, 24),)
    )
    return [
        spot(
            lot_size="0.001",
            min_quantity="0.0001",
            max_quantity="9000",
            min_notional="5 USDT",
            max_notional="9000000 USDT",
            min_price="0.01",
            max_price="1000000",
            maker_fee="-0.0001",
            taker_fee="0.001",
            ts_event=1,
            ts_init=2,
        ),
        PerpetualSwap.simple(
            "BTCUSD-PERP.BINANCE",
            inverse=True,
            multiplier="100",
            size_increment="1",
            min_notional="0.0001 BTC",
            max_leverage="125",
        ),
        PerpetualSwap.simple("ETHUSDT-PERP.BINANCE", session=ContinuousSession()),
        FuturesContract.simple(
            "ESZ4.XCME",
            quote="USD",
            underlying="ES",
            activation_ns=1,
            expiration_ns=2,
            multiplier="50",
            price_increment="0.25",
            size_increment="1",
        ),
        Equity.simple("AAPL.XNAS", isin="US0378331005", lot_size="100", session=nyse),
    ]


@pytest.mark.parametrize("codec", [msgspec.json, msgspec.msgpack], ids=["json", "msgpack"])
@pytest.mark.parametrize("inst", _all_kinds(), ids=lambda i: type(i).__name__)
def test_msgspec_round_trip_as_tagged_union(codec: Any, inst: Instrument) -> None:
    data = codec.encode(inst, enc_hook=_enc_hook)
    back = codec.decode(data, type=AnyInstrument, dec_hook=_dec_hook)
    assert type(back) is type(inst)
    assert back == inst
    assert hash(back) == hash(inst)
    assert back.make_price("1.004") == inst.make_price("1.004")
    alone = codec.decode(data, type=type(inst), dec_hook=_dec_hook)
    assert alone == inst


def test_json_is_tagged_with_the_class_name() -> None:
    data = msgspec.json.decode(msgspec.json.encode(spot(), enc_hook=_enc_hook))
    assert data["type"] == "CurrencyPair"
    assert data["price_increment"] == "0.01"
    assert data["taker_fee"] == "0"


def test_decoding_an_inconsistent_instrument_fails() -> None:
    raw = msgspec.json.decode(msgspec.json.encode(spot(), enc_hook=_enc_hook))
    raw["min_quantity"], raw["max_quantity"] = "2", "1"
    with pytest.raises(msgspec.ValidationError, match="min_quantity"):
        msgspec.json.decode(msgspec.json.encode(raw), type=AnyInstrument, dec_hook=_dec_hook)


@pytest.mark.parametrize("inst", _all_kinds(), ids=lambda i: type(i).__name__)
def test_pickle_and_copy(inst: Instrument) -> None:
    assert pickle.loads(pickle.dumps(inst)) == inst
    assert copy.copy(inst) == inst
    assert copy.deepcopy(inst) == inst


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
@pytest.mark.parametrize("inst", _all_kinds(), ids=lambda i: type(i).__name__)
def test_lyra_codec_round_trip_untyped(fmt: str, inst: Instrument) -> None:
    from lyra.model import codec

    if fmt == "json":
        back = codec.decode_json(codec.encode_json(inst))
        assert codec.decode_json(codec.encode_json(inst), AnyInstrument) == inst
    else:
        back = codec.decode_msgpack(codec.encode_msgpack(inst))
    assert type(back) is type(inst)
    assert back == inst


def test_lyra_codec_wire_form_matches_local_hooks() -> None:
    from lyra.model import codec

    for inst in _all_kinds():
        assert codec.encode_json(inst) == msgspec.json.encode(inst, enc_hook=_enc_hook)
