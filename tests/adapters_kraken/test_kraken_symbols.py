"""Kraken symbols: BTC/USD with XBT (and XDG) aliases both ways, REST names through the
AssetPairs table, and pair metadata converted into Lyra instruments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.adapters.kraken.messages import PairInfo, decode_ws
from lyra.adapters.kraken.symbols import (
    KrakenSymbols,
    asset_code,
    currency,
    instrument_from_asset_pair,
    instrument_from_pair_info,
    instrument_id,
    ws_symbol,
    ws_v1_symbol,
)
from lyra.errors import InvalidInput
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity

from .recorded import asset_pairs, instruments


@pytest.mark.parametrize(
    ("venue", "lyra", "v2", "v1"),
    [
        ("XBT/USD", "BTC/USD.KRAKEN", "BTC/USD", "XBT/USD"),
        ("BTC/USD", "BTC/USD.KRAKEN", "BTC/USD", "XBT/USD"),
        ("ETH/XBT", "ETH/BTC.KRAKEN", "ETH/BTC", "ETH/XBT"),
        ("XDG/EUR", "DOGE/EUR.KRAKEN", "DOGE/EUR", "XDG/EUR"),
        ("ADA/USDT", "ADA/USDT.KRAKEN", "ADA/USDT", "ADA/USDT"),
    ],
)
def test_aliases_both_ways(venue: str, lyra: str, v2: str, v1: str) -> None:
    iid = instrument_id(venue)
    assert iid == InstrumentId(lyra)
    assert ws_symbol(iid) == v2 and ws_v1_symbol(iid) == v1
    assert instrument_id(ws_v1_symbol(iid)) == iid == instrument_id(ws_symbol(iid))


@pytest.mark.parametrize("bad", ["XBTUSD", "BTC-USD", "btc/usd", "/USD", ""])
def test_bad_symbols(bad: str) -> None:
    with pytest.raises(InvalidInput):
        instrument_id(bad)


def test_wrong_venue() -> None:
    with pytest.raises(InvalidInput, match="KRAKEN"):
        ws_symbol("BTC/USD.OKX")


@pytest.mark.parametrize(
    ("asset", "code"),
    [
        ("XXBT", "BTC"),
        ("XBT", "BTC"),
        ("ZUSD", "USD"),
        ("XETH", "ETH"),
        ("XXDG", "DOGE"),
        ("ADA", "ADA"),
        ("USDT", "USDT"),
    ],
)
def test_asset_codes(asset: str, code: str) -> None:
    assert asset_code(asset) == code
    assert currency(asset).code == code


def test_the_rest_table_resolves_every_name() -> None:
    table = KrakenSymbols.from_asset_pairs(asset_pairs())
    assert len(table) == 293
    for key in ("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD"):
        assert table.resolve(key) == InstrumentId("BTC/USD.KRAKEN")
    assert table.rest_pair("BTC/USD.KRAKEN") == "XBTUSD"
    assert table.resolve("ETH/XBT") == InstrumentId("ETH/BTC.KRAKEN")
    assert table.resolve("DOT/USD") == InstrumentId("DOT/USD.KRAKEN")  # unknown ws names still map
    with pytest.raises(InvalidInput):
        table.resolve("NOPEUSD")
    with pytest.raises(InvalidInput):
        table.rest_pair("NOPE/USD.KRAKEN")
    assert InstrumentId("BTC/USD.KRAKEN") in table.instrument_ids()


def test_instruments_from_asset_pairs() -> None:
    insts = instruments()
    assert len(insts) == 291  # 304 pairs, 11 without a ws name, 2 with 10 price decimals
    btc = insts[InstrumentId("BTC/USD.KRAKEN")]
    assert btc.raw_symbol == "BTC/USD" and btc.base_currency.code == "BTC"
    assert (btc.price_increment, btc.size_increment, btc.min_quantity) == (
        Price("0.1"),
        Quantity("0.00000001"),
        Quantity("0.0002"),
    )
    assert (btc.taker_fee, btc.maker_fee) == (Decimal("0.0026"), Decimal("0.0016"))
    with pytest.raises(InvalidInput, match="pair_decimals"):
        instrument_from_asset_pair(asset_pairs()["SCXBT"])
    with pytest.raises(InvalidInput, match="wsname"):
        instrument_from_asset_pair(
            asset_pairs()["XXBTZUSD.d"]
            if "XXBTZUSD.d" in asset_pairs()
            else asset_pairs()["XETHZUSD.d"]
        )


def test_instrument_from_the_v2_instrument_channel() -> None:
    msg = decode_ws(
        '{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD",'
        '"base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,'
        '"price_precision":1,"price_increment":0.1,"cost_precision":5,"cost_min":0.5,"qty_min":0.0001}]}}'
    )
    info = msg.data.pairs[0]  # type: ignore[union-attr]
    assert isinstance(info, PairInfo)
    pair = instrument_from_pair_info(info, ts_init=4)
    assert pair.id == InstrumentId("BTC/USD.KRAKEN") and pair.price_precision == 1
    assert pair.size_increment == Quantity("0.00000001") and pair.min_quantity == Quantity("0.0001")
    assert pair.min_notional == Money("0.5", "USD") and pair.ts_init == 4
