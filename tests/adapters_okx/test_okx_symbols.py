"""OKX symbols and instruments: instId <-> InstrumentId, and the recorded instruments
metadata converted into Lyra instruments."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from lyra.adapters.okx.messages import InstrumentData, decode_rest
from lyra.adapters.okx.symbols import (
    currency,
    inst_id,
    inst_type,
    instrument_from_okx,
    instrument_id,
    instruments_from_okx,
)
from lyra.errors import InvalidInput, NotSupported
from lyra.model.currency import Currency
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, FuturesContract, PerpetualSwap
from lyra.model.values import Price, Quantity

from .recorded import instruments, rest_bodies


@pytest.mark.parametrize(
    ("venue_id", "kind"),
    [
        ("BTC-USDT", "SPOT"),
        ("BTC-USDT-SWAP", "SWAP"),
        ("BTC-USD-250926", "FUTURES"),
        ("BTC-USD-250926-60000-C", "OPTION"),
    ],
)
def test_symbols_round_trip(venue_id: str, kind: str) -> None:
    iid = instrument_id(venue_id)
    assert iid == InstrumentId(f"{venue_id}.OKX")
    assert inst_id(iid) == venue_id
    assert inst_type(venue_id) == kind


@pytest.mark.parametrize("bad", ["BTCUSDT", "btc-usdt", "BTC_USDT", "", "BTC-USDT-SWAP-X-Y-Z"])
def test_bad_inst_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        instrument_id(bad)


def test_inst_id_needs_the_okx_venue() -> None:
    with pytest.raises(InvalidInput, match="venue OKX"):
        inst_id("BTC-USDT.BINANCE")
    with pytest.raises(InvalidInput):
        inst_type("BTC-USDT-PERP")


def test_recorded_instruments_convert() -> None:
    kinds: Counter[str] = Counter()
    skipped: dict[str, str] = {}
    for _, body in rest_bodies()[:5]:  # the file repeats the same five responses
        got, why = instruments_from_okx(decode_rest(body, InstrumentData).data, ts_init=5)
        kinds.update(type(i).__name__ for i in got.values())
        skipped.update(why)
    assert kinds == {"CurrencyPair": 499, "PerpetualSwap": 164, "FuturesContract": 104}
    options = [k for k in skipped if inst_type(k) == "OPTION"]
    assert len(options) == 696 and all("NOT_SUPPORTED" in skipped[k] for k in options)
    finer = {k: v for k, v in skipped.items() if inst_type(k) != "OPTION"}
    # tick sizes finer than Lyra's 9 decimals (e.g. BABYDOGE at 1e-12) cannot be modelled
    assert len(finer) == 16 and all("9 decimal places" in v for v in finer.values())


def test_spot_pair_fields() -> None:
    btc = instruments()[InstrumentId("BTC-USDT.OKX")]
    assert isinstance(btc, CurrencyPair)
    assert btc.raw_symbol == "BTC-USDT"
    assert (btc.base_currency.code, btc.quote_currency.code) == ("BTC", "USDT")
    assert btc.price_increment == Price("0.1") and btc.size_increment == Quantity("0.00000001")
    assert btc.min_quantity == Quantity("0.00001") and btc.max_quantity == Quantity("9999999999")
    assert btc.min_notional is None


def test_linear_swap_fields() -> None:
    swap = instruments()[InstrumentId("BTC-USDT-SWAP.OKX")]
    assert isinstance(swap, PerpetualSwap) and not swap.is_inverse
    assert swap.multiplier == Quantity("0.01")  # 0.01 BTC a contract
    assert swap.size_increment == Quantity("1") and swap.min_quantity == Quantity("1")
    assert (swap.base_currency.code, swap.quote_currency.code) == ("BTC", "USDT")
    assert swap.settlement_currency.code == "USDT"
    assert swap.max_leverage == Decimal(125) and swap.margin_init == Decimal("0.008")


def test_inverse_swap_and_future_fields() -> None:
    uni = instruments()[InstrumentId("UNI-USD-SWAP.OKX")]
    assert isinstance(uni, PerpetualSwap) and uni.is_inverse
    assert uni.multiplier == Quantity("10")  # 10 USD a contract
    assert uni.settlement_currency.code == "UNI" and Currency.is_registered("UNI")
    fut = instruments()[InstrumentId("BTC-USD-220527.OKX")]
    assert isinstance(fut, FuturesContract) and fut.is_inverse
    assert fut.expiration_ns == 1653638400000 * 10**6
    assert fut.activation_ns == 1652429400854 * 10**6
    assert fut.is_active(1652459225 * 10**9)


def test_options_are_not_supported() -> None:
    data = InstrumentData(
        inst_type="OPTION",
        inst_id="BTC-USD-220514-22000-C",
        tick_sz="0.0005",
        lot_sz="1",
        min_sz="1",
    )
    with pytest.raises(NotSupported, match="OPTION"):
        instrument_from_okx(data)


def test_unknown_currencies_are_registered_once() -> None:
    first = currency("ZZOKXTEST")
    assert first.precision == 8 and currency("ZZOKXTEST") is first
    with pytest.raises(InvalidInput):
        currency("")
