"""Identifiers: each type's rule at its limits, InstrumentId's split, str behaviour, pickling."""

from __future__ import annotations

import copy
import pickle
import string
from typing import Any

import pytest
from hypothesis import given, strategies as st

from lyra.errors import InvalidIdentifier, InvalidInput
from lyra.model import identifiers
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    Venue,
    VenueOrderId,
)

PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
WORD = string.ascii_letters + string.digits + "_-"
NOT_PRINTABLE = [" ", "\t", "\n", "\r", "\x00", "\x7f", "é", "€", "\u00a0"]

# type -> (max length, characters allowed, a character of PRINTABLE it refuses, rule words)
RULES: dict[type, tuple[int, str, str | None, str]] = {
    Symbol: (64, PRINTABLE, None, "1-64 printable ASCII"),
    Venue: (32, WORD, ".", "1-32 characters"),
    ClientOrderId: (36, WORD, ".", "1-36 characters"),
    VenueOrderId: (64, PRINTABLE, None, "1-64 printable ASCII"),
    TradeId: (64, PRINTABLE, None, "1-64 printable ASCII"),
    StrategyId: (64, WORD + ".", "/", "1-64 characters"),
    AccountId: (64, PRINTABLE, None, "1-64 printable ASCII"),
    PositionId: (64, PRINTABLE, None, "1-64 printable ASCII"),
    OrderListId: (36, WORD, ".", "1-36 characters"),
}
SIMPLE = list(RULES)
ALL = [*SIMPLE, InstrumentId]


def check_refused(cls: type[Any], value: Any, rule_part: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        cls(value)
    err = info.value
    assert isinstance(err, InvalidInput)
    assert isinstance(err, ValueError)
    assert err.field == cls.__name__
    assert rule_part in err.rule
    assert err.value == value
    assert str(err).startswith(f"{cls.__name__}: {err.rule}")


def test_all_types_are_exported() -> None:
    assert set(identifiers.__all__) == {c.__name__ for c in ALL}


@pytest.mark.parametrize("cls", SIMPLE)
def test_length_limits(cls: type[Any]) -> None:
    limit, _, _, rule = RULES[cls]
    assert cls("a") == "a"
    assert cls("a" * limit) == "a" * limit
    check_refused(cls, "", rule)
    check_refused(cls, "a" * (limit + 1), rule)


@pytest.mark.parametrize("cls", SIMPLE)
def test_charset(cls: type[Any]) -> None:
    limit, allowed, refused, rule = RULES[cls]
    for i in range(0, len(allowed), limit):  # every allowed character is accepted
        assert cls(allowed[i : i + limit]) == allowed[i : i + limit]
    for ch in NOT_PRINTABLE:
        check_refused(cls, f"ab{ch}c", rule)
        check_refused(cls, f"abc{ch}", rule)
    if refused is not None:
        check_refused(cls, f"ab{refused}c", rule)
    # trailing newline: fullmatch, not "$"
    check_refused(cls, "abc\n", rule)


@pytest.mark.parametrize("cls", SIMPLE)
@given(data=st.data())
def test_generated_valid_ids(cls: type[Any], data: st.DataObject) -> None:
    limit, allowed, _, _ = RULES[cls]
    text = data.draw(st.text(alphabet=allowed, min_size=1, max_size=limit))
    ident = cls(text)
    assert ident == text
    assert type(ident) is cls
    assert ident.value == text
    assert type(ident.value) is str


@pytest.mark.parametrize("cls", SIMPLE)
@given(data=st.data())
def test_generated_invalid_ids(cls: type[Any], data: st.DataObject) -> None:
    limit, allowed, _, rule = RULES[cls]
    good = data.draw(st.text(alphabet=allowed, min_size=0, max_size=limit - 1))
    bad_char = data.draw(st.characters(codec="utf-8").filter(lambda c: c not in allowed))
    at = data.draw(st.integers(0, len(good)))
    check_refused(cls, good[:at] + bad_char + good[at:], rule)


def test_typical_values() -> None:
    assert Symbol("BTC-USD-SWAP") == "BTC-USD-SWAP"
    assert Symbol("XBT/USD") == "XBT/USD"
    assert Venue("BINANCE_FUTURES") == "BINANCE_FUTURES"
    assert ClientOrderId("O-20240101-000001-001-1") == "O-20240101-000001-001-1"
    assert StrategyId("ema.cross-1") == "ema.cross-1"
    assert AccountId("BINANCE-spot-001") == "BINANCE-spot-001"
    assert TradeId("T-1a2b:3") == "T-1a2b:3"


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("value", [None, 1, b"ABC.X", ["A"]])
def test_non_strings_are_refused(cls: type[Any], value: Any) -> None:
    check_refused(cls, value, "must be a str")


# -- InstrumentId -------------------------------------------------------------------------
IID_RULE = "must be 'SYMBOL.VENUE'"


@pytest.mark.parametrize(
    ("text", "symbol", "venue"),
    [
        ("BTCUSDT.BINANCE", "BTCUSDT", "BINANCE"),
        ("BRK.B.XNYS", "BRK.B", "XNYS"),
        ("AUD/USD.SIM", "AUD/USD", "SIM"),
        ("BTC-USD-SWAP.OKX", "BTC-USD-SWAP", "OKX"),
        ("A..B", "A.", "B"),
        ("S" * 64 + "." + "V" * 32, "S" * 64, "V" * 32),
    ],
)
def test_instrument_id_splits_on_the_last_dot(text: str, symbol: str, venue: str) -> None:
    iid = InstrumentId(text)
    assert iid == text
    assert iid.symbol == symbol
    assert iid.venue == venue
    assert type(iid.symbol) is Symbol
    assert type(iid.venue) is Venue
    assert InstrumentId.from_parts(symbol, venue) == iid
    assert type(InstrumentId.from_parts(symbol, venue)) is InstrumentId


@pytest.mark.parametrize(
    "text",
    [
        "",
        "BTCUSDT",
        ".BINANCE",
        "BTCUSDT.",
        "BTC USDT.BINANCE",
        "BTCUSDT.BIN ANCE",
        "BTCUSDT.BINANCE\n",
        "BTCUSDT.BIN/ANCE",
        "S" * 65 + ".V",
        "S." + "V" * 33,
        "BTCÜ.BINANCE",
    ],
)
def test_invalid_instrument_ids(text: str) -> None:
    check_refused(InstrumentId, text, IID_RULE)


def test_from_parts_validates_each_part() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        InstrumentId.from_parts("BTC USDT", "BINANCE")
    assert info.value.field == "Symbol"
    with pytest.raises(InvalidIdentifier) as info:
        InstrumentId.from_parts("BTCUSDT", "BIN.ANCE")
    assert info.value.field == "Venue"
    with pytest.raises(InvalidIdentifier) as info:
        InstrumentId.from_parts("", "BINANCE")
    assert info.value.field == "Symbol"


@given(
    symbol=st.text(alphabet=PRINTABLE, min_size=1, max_size=64),
    venue=st.text(alphabet=WORD, min_size=1, max_size=32),
)
def test_from_parts_round_trips(symbol: str, venue: str) -> None:
    iid = InstrumentId.from_parts(symbol, venue)
    assert iid == f"{symbol}.{venue}"
    assert InstrumentId(f"{symbol}.{venue}") == iid
    assert (iid.symbol, iid.venue) == (symbol, venue)


def test_symbol_and_venue_are_identifiers_too() -> None:
    iid = InstrumentId("BRK.B.XNYS")
    assert InstrumentId.from_parts(iid.symbol, iid.venue) == iid
    assert InstrumentId(Symbol("BRK.B.XNYS")) == iid  # a str subclass is accepted
    assert type(InstrumentId(Symbol("BRK.B.XNYS"))) is InstrumentId


# -- str behaviour ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cls", "text"),
    [
        (InstrumentId, "BTCUSDT.BINANCE"),
        (Symbol, "BTCUSDT"),
        (Venue, "BINANCE"),
        (ClientOrderId, "O-1"),
        (VenueOrderId, "12345"),
        (TradeId, "T-9"),
        (StrategyId, "mm.1"),
        (AccountId, "ACC-1"),
        (PositionId, "P-1"),
        (OrderListId, "OL-1"),
    ],
)
def test_behaves_like_its_text(cls: type[Any], text: str) -> None:
    ident: Any = cls(text)
    assert issubclass(type(ident), str)
    assert ident == text
    assert text == ident
    assert hash(ident) == hash(text)
    assert {text: 1}[ident] == 1
    assert {ident: 1}[text] == 1
    assert str(ident) == text
    assert f"{ident}" == text
    assert repr(ident) == f"{cls.__name__}({text!r})"
    assert ident.value == text
    assert type(ident.value) is str
    assert ident != text + "x"
    assert sorted([cls(text + "b"), ident]) == [text, text + "b"]
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(ident, proto))
        assert type(back) is cls
        assert back == ident
    for c in (copy.copy(ident), copy.deepcopy(ident)):
        assert type(c) is cls
        assert c == ident


def test_identifiers_have_no_instance_dict() -> None:
    iid = InstrumentId("BTCUSDT.BINANCE")
    with pytest.raises(AttributeError):
        iid.extra = 1  # type: ignore[attr-defined]
