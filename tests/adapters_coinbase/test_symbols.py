"""Product ids <-> instrument ids, and products metadata -> CurrencyPair."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from lyra.adapters.coinbase.messages import Product, ProductsResponse, decode_rest
from lyra.adapters.coinbase.symbols import (
    VENUE,
    currency_pair,
    instrument_id,
    load_instruments,
    market_data_product,
    product_id,
    tradable,
)
from lyra.errors import InvalidInput, NotSupported, UnknownCurrency
from lyra.model.currency import Currency
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity

from . import samples as s


def products() -> list[Product]:
    return decode_rest(s.PRODUCTS, ProductsResponse).products


def test_ids_both_ways() -> None:
    assert VENUE == "COINBASE"
    iid = instrument_id("BTC-USD")
    assert iid == "BTC-USD.COINBASE" and iid.symbol == "BTC-USD" and iid.venue == "COINBASE"
    assert product_id(iid) == "BTC-USD" and product_id("ETH-USDC.COINBASE") == "ETH-USDC"
    with pytest.raises(InvalidInput):
        product_id("BTC-USDT.OKX")
    with pytest.raises(InvalidInput):
        instrument_id("")


def test_currency_pair_fields() -> None:
    pair = currency_pair(products()[0], maker_fee="0.004", taker_fee="0.006", ts_init=9)
    assert isinstance(pair, CurrencyPair)
    assert pair.id == "BTC-USD.COINBASE" and pair.raw_symbol == "BTC-USD"
    assert pair.base_currency.code == "BTC" and pair.quote_currency.code == "USD"
    assert pair.price_increment == Price("0.01") and pair.price_precision == 2
    assert pair.size_increment == Quantity("0.00000001") and pair.size_precision == 8
    assert pair.min_quantity == Quantity("0.00000001")
    assert pair.max_quantity == Quantity("3400")
    assert pair.min_notional == Money("1", "USD")
    assert pair.max_notional == Money("150000000", "USD")
    assert pair.maker_fee == Decimal("0.004") and pair.taker_fee == Decimal("0.006")
    assert pair.ts_init == 9


def test_price_increment_falls_back_to_quote_increment() -> None:
    p = msgspec.structs.replace(products()[0], price_increment="", quote_increment="0.1")
    assert currency_pair(p).price_increment == Price("0.1")


def test_unknown_currencies_are_registered_or_refused() -> None:
    # a code no registry holds (unique to this test), with a 0-decimal base increment
    code = "ZQCBTEST"
    assert not Currency.is_registered(code)
    product = msgspec.structs.replace(
        products()[2], product_id=f"{code}-USD", base_currency_id=code
    )
    with pytest.raises(UnknownCurrency):
        currency_pair(product, register_currencies=False)
    assert not Currency.is_registered(code)
    pair = currency_pair(product)
    assert pair.base_currency.code == code and pair.base_currency.precision == 0
    assert Currency.from_str(code) == pair.base_currency
    assert pair.price_increment == Price("0.00000001")


def test_load_instruments_skips_what_it_cannot_map_and_says_why() -> None:
    pairs, skipped = load_instruments(decode_rest(s.PRODUCTS, ProductsResponse))
    assert [p.id for p in pairs] == [
        "BTC-USD.COINBASE",
        "BTC-USDC.COINBASE",
        "PEPE-USD.COINBASE",
    ]
    assert [pid for pid, _ in skipped] == ["BIT-31JAN25-CDE"]
    assert "FUTURE" in skipped[0][1]
    with pytest.raises(NotSupported):
        currency_pair(products()[3])


def test_too_fine_increments_are_skipped_not_fatal() -> None:
    odd = msgspec.structs.replace(products()[0], product_id="ODD-USD", price_increment="1e-10")
    pairs, skipped = load_instruments([odd])
    assert pairs == [] and skipped[0][0] == "ODD-USD"


def test_alias_and_tradable() -> None:
    btc_usd, btc_usdc, *_ = products()
    assert market_data_product(btc_usd) == "BTC-USD"
    assert market_data_product(btc_usdc) == "BTC-USD"
    assert tradable(btc_usd)
    for change in ({"cancel_only": True}, {"trading_disabled": True}, {"status": "delisted"}):
        assert not tradable(msgspec.structs.replace(btc_usd, **change))
    assert tradable(msgspec.structs.replace(btc_usd, limit_only=True))
