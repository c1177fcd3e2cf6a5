"""Enums: explicit integer values that match NautilusTrader's where it has the same enum, so
data converts one-to-one, and the few behaviours they carry."""

from __future__ import annotations

import enum
import pickle

import msgspec
import pytest

from lyra.model import enums
from lyra.model.enums import (
    AccountType,
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookAction,
    BookType,
    ContingencyType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    PriceType,
    RecordFlag,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)

# NautilusTrader's values (crates/model/src/enums.rs and the v1 Cython enums), for the members
# Lyra has. Where NautilusTrader has members Lyra lacks, Lyra keeps the gaps.
NAUTILUS: dict[type[enum.IntEnum] | type[enum.IntFlag], dict[str, int]] = {
    OrderSide: {"NO_ORDER_SIDE": 0, "BUY": 1, "SELL": 2},
    OrderType: {
        "MARKET": 1,
        "LIMIT": 2,
        "STOP_MARKET": 3,
        "STOP_LIMIT": 4,
        "MARKET_TO_LIMIT": 5,
        "MARKET_IF_TOUCHED": 6,
        "LIMIT_IF_TOUCHED": 7,
        "TRAILING_STOP_MARKET": 8,
        "TRAILING_STOP_LIMIT": 9,
    },
    TimeInForce: {
        "GTC": 1,
        "IOC": 2,
        "FOK": 3,
        "GTD": 4,
        "DAY": 5,
        "AT_THE_OPEN": 6,
        "AT_THE_CLOSE": 7,
    },
    # NautilusTrader v1 (Cython, 1.x) order; its newest Rust crate renumbered these.
    TriggerType: {
        "NO_TRIGGER": 0,
        "DEFAULT": 1,
        "BID_ASK": 2,
        "LAST_PRICE": 3,
        "DOUBLE_LAST": 4,
        "DOUBLE_BID_ASK": 5,
        "LAST_OR_BID_ASK": 6,
        "MID_POINT": 7,
        "MARK_PRICE": 8,
        "INDEX_PRICE": 9,
    },
    TrailingOffsetType: {"NO_TRAILING_OFFSET": 0, "PRICE": 1, "BASIS_POINTS": 2, "TICKS": 3},
    OrderStatus: {
        "INITIALIZED": 1,
        "DENIED": 2,
        "EMULATED": 3,
        "RELEASED": 4,
        "SUBMITTED": 5,
        "ACCEPTED": 6,
        "REJECTED": 7,
        "CANCELED": 8,
        "EXPIRED": 9,
        "TRIGGERED": 10,
        "PENDING_UPDATE": 11,
        "PENDING_CANCEL": 12,
        "PARTIALLY_FILLED": 13,
        "FILLED": 14,
    },
    ContingencyType: {"NO_CONTINGENCY": 0, "OCO": 1, "OTO": 2, "OUO": 3},
    LiquiditySide: {"NO_LIQUIDITY_SIDE": 0, "MAKER": 1, "TAKER": 2},
    OmsType: {"UNSPECIFIED": 0, "NETTING": 1, "HEDGING": 2},
    AccountType: {"CASH": 1, "MARGIN": 2, "BETTING": 3},
    BookType: {"L1_MBP": 1, "L2_MBP": 2, "L3_MBO": 3},
    BookAction: {"ADD": 1, "UPDATE": 2, "DELETE": 3, "CLEAR": 4},
    AggressorSide: {"NO_AGGRESSOR": 0, "BUYER": 1, "SELLER": 2},
    PositionSide: {"NO_POSITION_SIDE": 0, "FLAT": 1, "LONG": 2, "SHORT": 3},
    PriceType: {"BID": 1, "ASK": 2, "MID": 3, "LAST": 4, "MARK": 5},
    BarAggregation: {
        "TICK": 1,
        "VOLUME": 4,
        "VALUE": 7,
        "MILLISECOND": 10,
        "SECOND": 11,
        "MINUTE": 12,
        "HOUR": 13,
        "DAY": 14,
        "WEEK": 15,
        "MONTH": 16,
    },
    AggregationSource: {"EXTERNAL": 1, "INTERNAL": 2},
    RecordFlag: {"F_LAST": 128, "F_TOB": 64, "F_SNAPSHOT": 32, "F_MBP": 16},
}


def test_every_enum_is_covered() -> None:
    assert {e.__name__ for e in NAUTILUS} == set(enums.__all__)


@pytest.mark.parametrize("cls", list(NAUTILUS), ids=lambda c: c.__name__)
def test_values_match_nautilus(cls: type[enum.IntEnum] | type[enum.IntFlag]) -> None:
    assert {m.name: m.value for m in cls} == NAUTILUS[cls]


@pytest.mark.parametrize("cls", list(NAUTILUS), ids=lambda c: c.__name__)
def test_enums_are_small_unique_ints(cls: type[enum.IntEnum] | type[enum.IntFlag]) -> None:
    assert issubclass(cls, int)
    values = [m.value for m in cls]
    assert len(set(values)) == len(values)
    assert all(0 <= v < 256 for v in values)  # fits a u8 on the Rust side
    assert cls.__doc__
    for m in cls:
        assert cls(m.value) is m
        assert m.name is not None
        assert cls[m.name] is m
        assert pickle.loads(pickle.dumps(m)) is m
        assert msgspec.json.decode(msgspec.json.encode(m), type=cls) is m


def test_nautilus_documented_values() -> None:
    assert (OrderSide.BUY, OrderSide.SELL) == (1, 2)
    assert [BookAction.ADD, BookAction.UPDATE, BookAction.DELETE, BookAction.CLEAR] == [1, 2, 3, 4]
    assert (RecordFlag.F_LAST, RecordFlag.F_TOB, RecordFlag.F_SNAPSHOT, RecordFlag.F_MBP) == (
        1 << 7,
        1 << 6,
        1 << 5,
        1 << 4,
    )


def test_opposite_side() -> None:
    assert OrderSide.BUY.opposite is OrderSide.SELL
    assert OrderSide.SELL.opposite is OrderSide.BUY
    assert OrderSide.NO_ORDER_SIDE.opposite is OrderSide.NO_ORDER_SIDE
    for side in OrderSide:
        assert side.opposite.opposite is side


def test_record_flags_combine_as_bits() -> None:
    flags = RecordFlag.F_LAST | RecordFlag.F_SNAPSHOT
    assert flags == 160
    assert RecordFlag.F_LAST in flags
    assert RecordFlag.F_TOB not in flags
    assert RecordFlag(160) == flags
    assert int(RecordFlag(0)) == 0
    raw = 128 | 32
    assert raw & RecordFlag.F_LAST
    assert not raw & RecordFlag.F_MBP
