"""Currency: validation, the registry and its duplicate rules, lookups, pickling."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from typing import Any

import pytest

from lyra.errors import InvalidInput, LyraError, PrecisionError, UnknownCurrency
from lyra.model.currency import Currency, CurrencyType
from lyra.model.values import Money


@pytest.fixture(autouse=True)
def _private_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test registers into a copy, so nothing leaks into other tests."""
    monkeypatch.setattr(Currency, "_registry", dict(Currency._registry))
    yield


@pytest.mark.parametrize(
    ("code", "precision", "kind", "iso"),
    [
        ("USD", 2, CurrencyType.FIAT, 840),
        ("EUR", 2, CurrencyType.FIAT, 978),
        ("JPY", 0, CurrencyType.FIAT, 392),
        ("BTC", 8, CurrencyType.CRYPTO, 0),
        ("USDT", 8, CurrencyType.CRYPTO, 0),
        ("XRP", 6, CurrencyType.CRYPTO, 0),
        ("XAU", 2, CurrencyType.COMMODITY, 959),
    ],
)
def test_builtin_currencies(code: str, precision: int, kind: CurrencyType, iso: int) -> None:
    c = Currency.from_str(code)
    assert c.code == code
    assert c.precision == precision
    assert c.currency_type is kind
    assert c.iso4217 == iso
    assert c.name
    assert Currency.is_registered(code)
    assert Currency.from_str(code) is c


def test_registered_is_sorted_and_complete() -> None:
    regs = Currency.registered()
    codes = [c.code for c in regs]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert {"USD", "EUR", "BTC", "ETH", "USDT", "USDC", "JPY"} <= set(codes)
    assert all(Currency.from_str(c.code) is c for c in regs)


def test_identity_is_the_code() -> None:
    a = Currency("ABC", 2)
    b = Currency("ABC", 4, currency_type=CurrencyType.FIAT, name="other")
    assert a == b
    assert hash(a) == hash(b) == hash("ABC")
    assert a != Currency("ABD", 2)
    assert a != "ABC"
    assert str(a) == "ABC"
    assert repr(a) == "Currency('ABC', precision=2)"
    assert a.name == "ABC"  # defaults to the code
    assert a.currency_type is CurrencyType.CRYPTO


def test_register_new_and_look_up() -> None:
    c = Currency("LYRA", 4, name="Lyra token")
    assert not Currency.is_registered("LYRA")
    assert Currency.register(c) is c
    assert Currency.from_str("LYRA") is c
    assert c in Currency.registered()
    assert Money("1.5", "LYRA").precision == 4


def test_registering_the_same_definition_twice_is_a_no_op() -> None:
    first = Currency.register(Currency("LYRA", 4, name="Lyra token"))
    again = Currency.register(Currency("LYRA", 4, name="Lyra token"))
    assert again is first
    assert Currency.from_str("LYRA") is first
    # the built-ins too
    name = "United States dollar"
    usd = Currency("USD", 2, currency_type=CurrencyType.FIAT, iso4217=840, name=name)
    assert Currency.register(usd) is Currency.from_str("USD")


@pytest.mark.parametrize(
    "changed",
    [
        {"precision": 6},
        {"name": "Something else"},
        {"currency_type": CurrencyType.FIAT},
        {"iso4217": 999},
    ],
)
def test_a_different_definition_under_a_used_code_is_refused(changed: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "precision": 4,
        "currency_type": CurrencyType.CRYPTO,
        "iso4217": 0,
        "name": "Lyra token",
    }
    first = Currency.register(Currency("LYRA", **base))
    other = Currency("LYRA", **{**base, **changed})
    with pytest.raises(InvalidInput) as info:
        Currency.register(other)
    err = info.value
    assert type(err) is InvalidInput
    assert err.field == "Currency.code"
    assert "already registered" in err.rule
    assert "overwrite=True" in err.rule
    assert err.value is other
    assert Currency.from_str("LYRA") is first
    # overwrite replaces it
    assert Currency.register(other, overwrite=True) is other
    assert Currency.from_str("LYRA") is other


def test_unknown_code() -> None:
    with pytest.raises(UnknownCurrency) as info:
        Currency.from_str("NOPE")
    err = info.value
    assert isinstance(err, KeyError)
    assert isinstance(err, LyraError)
    assert str(err).startswith("Currency.code: 'NOPE' is not registered")
    assert "Currency.register" in str(err)
    assert not Currency.is_registered("NOPE")
    with pytest.raises(UnknownCurrency):
        Currency.from_str("usd")  # codes are case-sensitive
    with pytest.raises(UnknownCurrency) as info2:
        Currency.from_str([])  # type: ignore[arg-type]
    assert "must be a str" in str(info2.value)
    with pytest.raises(UnknownCurrency):
        Money("1", "NOPE")


@pytest.mark.parametrize("code", ["", "X" * 17, "US D", "USD\n", "\nUSD", "ÜSD", "US$", 840, None])
def test_invalid_codes(code: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        Currency(code, 2)
    err = info.value
    assert type(err) is InvalidInput
    assert err.field == "Currency.code"
    assert "1-16 characters" in err.rule
    assert err.value == code


@pytest.mark.parametrize("code", ["X", "X" * 16, "1INCH", "USDT.e", "BTC-PERP", "a_b"])
def test_valid_codes(code: str) -> None:
    assert Currency(code, 2).code == code


@pytest.mark.parametrize("precision", [-1, 10, True, 1.0, "2", None])
def test_invalid_precision(precision: Any) -> None:
    with pytest.raises(PrecisionError) as info:
        Currency("ABC", precision)
    assert info.value.field == "Currency.precision"
    assert "0..9" in info.value.rule


def test_precision_bounds_are_inclusive() -> None:
    assert Currency("ABC", 0).precision == 0
    assert Currency("ABC", 9).precision == 9


def test_invalid_iso_code() -> None:
    with pytest.raises(InvalidInput) as info:
        Currency("ABC", 2, iso4217=-1)
    assert info.value.field == "Currency.iso4217"
    assert "non-negative" in info.value.rule


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_returns_the_registered_instance(proto: int) -> None:
    usd = Currency.from_str("USD")
    assert pickle.loads(pickle.dumps(usd, proto)) is usd
    custom = Currency.register(Currency("LYRA", 4, name="Lyra token"))
    assert pickle.loads(pickle.dumps(custom, proto)) is custom
    money = pickle.loads(pickle.dumps(Money("1.25", usd), proto))
    assert money.currency is usd


def test_pickle_of_an_unregistered_or_redefined_currency() -> None:
    loose = Currency("LOOSE", 3, currency_type=CurrencyType.FIAT, iso4217=7, name="Loose")
    back = pickle.loads(pickle.dumps(loose))
    assert back is not loose
    assert (back.code, back.precision, back.currency_type, back.iso4217, back.name) == (
        "LOOSE",
        3,
        CurrencyType.FIAT,
        7,
        "Loose",
    )
    assert not Currency.is_registered("LOOSE")  # unpickling registers nothing
    # a pickle made under another definition keeps its own definition
    old = Currency("LYRA", 2)
    data = pickle.dumps(old)
    new = Currency.register(Currency("LYRA", 6))
    back = pickle.loads(data)
    assert back is not new
    assert back.precision == 2


def test_copy_keeps_the_definition() -> None:
    usd = Currency.from_str("USD")
    for c in (copy.copy(usd), copy.deepcopy(usd)):
        assert c == usd
        assert c.precision == usd.precision
