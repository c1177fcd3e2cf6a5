"""The configuration structs: validation naming the field, codec round trips, from_config."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from lyra.bus import EventBus
from lyra.errors import InvalidInput
from lyra.model.codec import decode_json, decode_msgpack, encode_json, encode_msgpack
from lyra.model.enums import AccountType, BookType, OmsType
from lyra.model.session import ContinuousSession
from lyra.model.values import Money
from lyra.sim import (
    FeeConfig,
    FillConfig,
    LatencyConfig,
    QueueModel,
    SelfTradeMode,
    SimulatedExchange,
    SimulatedExchangeConfig,
)

from .helpers import BTCUSDT, USDT


def _full() -> SimulatedExchangeConfig:
    return SimulatedExchangeConfig(
        book_type=BookType.L2_MBP,
        account_type=AccountType.MARGIN,
        starting_balances=(Money("1000", USDT),),
        account_id="ACC-1",
        fees=FeeConfig(maker_fee=Decimal("-0.0001"), taker_fee="0.0004", fixed_per_fill="0.1"),
        instrument_fees={BTCUSDT.id: FeeConfig(taker_fee="0.001")},
        latency=LatencyConfig.uniform(1_000_000, jitter_ns=10),
        queue_model=QueueModel.PROPORTIONAL,
        fill=FillConfig(self_trade=SelfTradeMode.CANCEL_BOTH, market_protection_ticks=5),
        sessions={BTCUSDT.id: ContinuousSession(cutoff=datetime.time(17))},
        native_contingencies=False,
        seed=42,
    )


@pytest.mark.parametrize(
    ("encode", "decode"), [(encode_msgpack, decode_msgpack), (encode_json, decode_json)]
)
def test_a_config_round_trips_through_the_codec(encode: object, decode: object) -> None:
    config = _full()
    back = decode(encode(config), type=SimulatedExchangeConfig)  # type: ignore[operator]
    assert back == config
    assert decode(encode(config)) == config  # type: ignore[operator]  # untyped: registered


def test_from_config_uses_every_part() -> None:
    ex = SimulatedExchange.from_config("SIM", _full(), bus=EventBus(), instruments=[BTCUSDT])
    assert ex.config == _full()
    assert ex.account_id == "ACC-1"
    assert ex.account.account_type is AccountType.MARGIN
    assert ex.capabilities.contingencies == ()


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: LatencyConfig(submit_ns=-1), "LatencyConfig.submit_ns"),
        (lambda: LatencyConfig(jitter_ns=1.5), "LatencyConfig.jitter_ns"),
        (lambda: FeeConfig(taker_fee="abc"), "FeeConfig.taker_fee"),
        (lambda: FeeConfig(maker_fee=True), "FeeConfig.maker_fee"),
        (lambda: FillConfig(self_trade=9), "FillConfig.self_trade"),
        (lambda: FillConfig(market_protection_ticks=-2), "FillConfig.market_protection_ticks"),
        (lambda: SimulatedExchangeConfig(oms_type=OmsType.HEDGING), "oms_type"),
        (lambda: SimulatedExchangeConfig(book_type=7), "book_type"),
        (lambda: SimulatedExchangeConfig(seed=-1), "seed"),
        (lambda: SimulatedExchangeConfig(starting_balances=(1,)), "starting_balances[0]"),
        (lambda: SimulatedExchangeConfig(latency=None), "latency"),
    ],
)
def test_bad_values_raise_naming_the_field(make: object, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        make()  # type: ignore[operator]
    assert field in info.value.field


def test_fee_override_for_an_unknown_instrument_is_refused() -> None:
    other = BTCUSDT.__class__.simple("ETHUSDT.SIM")
    with pytest.raises(InvalidInput, match="not traded"):
        SimulatedExchange(
            "SIM", bus=EventBus(), instruments=[other], fees={BTCUSDT.id: FeeConfig(taker_fee="0")}
        )
