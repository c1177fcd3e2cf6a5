"""The enumerations of the trading model.

All are :class:`enum.IntEnum` with explicit values, so they cross to Rust and NumPy as small
integers and serialize compactly. Where NautilusTrader has the same enum the values match
(``OrderSide.BUY == 1``, ``BookAction.ADD == 1``), so data converts one-to-one.
"""

from __future__ import annotations

import enum

__all__ = (
    "AccountType",
    "AggregationSource",
    "AggressorSide",
    "BarAggregation",
    "BookAction",
    "BookType",
    "ContingencyType",
    "LiquiditySide",
    "OmsType",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PositionSide",
    "PriceType",
    "RecordFlag",
    "TimeInForce",
    "TrailingOffsetType",
    "TriggerType",
)


class OrderSide(enum.IntEnum):
    """Buy or sell. ``NO_ORDER_SIDE`` marks data with no side (e.g. a CLEAR book delta)."""

    NO_ORDER_SIDE = 0
    BUY = 1
    SELL = 2

    @property
    def opposite(self) -> OrderSide:
        """SELL for BUY and BUY for SELL."""
        if self is OrderSide.BUY:
            return OrderSide.SELL
        if self is OrderSide.SELL:
            return OrderSide.BUY
        return self


class OrderType(enum.IntEnum):
    """The order types Lyra models."""

    MARKET = 1
    LIMIT = 2
    STOP_MARKET = 3
    STOP_LIMIT = 4
    MARKET_TO_LIMIT = 5
    MARKET_IF_TOUCHED = 6
    LIMIT_IF_TOUCHED = 7
    TRAILING_STOP_MARKET = 8
    TRAILING_STOP_LIMIT = 9


class TimeInForce(enum.IntEnum):
    """How long an order stays working."""

    GTC = 1
    IOC = 2
    FOK = 3
    GTD = 4
    DAY = 5
    AT_THE_OPEN = 6
    AT_THE_CLOSE = 7


class TriggerType(enum.IntEnum):
    """Which price stream triggers a stop, if-touched or trailing order."""

    NO_TRIGGER = 0
    DEFAULT = 1
    BID_ASK = 2
    LAST_PRICE = 3
    DOUBLE_LAST = 4
    DOUBLE_BID_ASK = 5
    LAST_OR_BID_ASK = 6
    MID_POINT = 7
    MARK_PRICE = 8
    INDEX_PRICE = 9


class TrailingOffsetType(enum.IntEnum):
    """The unit of a trailing stop's offset."""

    NO_TRAILING_OFFSET = 0
    PRICE = 1
    BASIS_POINTS = 2
    TICKS = 3


class OrderStatus(enum.IntEnum):
    """The states of the order state machine."""

    INITIALIZED = 1
    DENIED = 2
    EMULATED = 3
    RELEASED = 4
    SUBMITTED = 5
    ACCEPTED = 6
    REJECTED = 7
    CANCELED = 8
    EXPIRED = 9
    TRIGGERED = 10
    PENDING_UPDATE = 11
    PENDING_CANCEL = 12
    PARTIALLY_FILLED = 13
    FILLED = 14


class ContingencyType(enum.IntEnum):
    """How orders in a list depend on each other (FIX tag 1385)."""

    NO_CONTINGENCY = 0
    OCO = 1
    """One-cancels-other: a fill of one cancels the others."""
    OTO = 2
    """One-triggers-other: the parent's fill releases the children."""
    OUO = 3
    """One-updates-other: a fill reduces the others' open quantity."""


class LiquiditySide(enum.IntEnum):
    """Whether a fill added (maker) or removed (taker) liquidity."""

    NO_LIQUIDITY_SIDE = 0
    MAKER = 1
    TAKER = 2


class OmsType(enum.IntEnum):
    """Position bookkeeping: one net position per instrument, or one per opening order."""

    UNSPECIFIED = 0
    NETTING = 1
    HEDGING = 2


class AccountType(enum.IntEnum):
    """The kind of account at a venue."""

    CASH = 1
    MARGIN = 2
    BETTING = 3


class BookType(enum.IntEnum):
    """Order book granularity: top of book, price levels, or individual orders."""

    L1_MBP = 1
    L2_MBP = 2
    L3_MBO = 3


class BookAction(enum.IntEnum):
    """What a book delta does."""

    ADD = 1
    UPDATE = 2
    DELETE = 3
    CLEAR = 4


class AggressorSide(enum.IntEnum):
    """Which side of a trade took liquidity."""

    NO_AGGRESSOR = 0
    BUYER = 1
    SELLER = 2


class PositionSide(enum.IntEnum):
    """The side of a position."""

    NO_POSITION_SIDE = 0
    FLAT = 1
    LONG = 2
    SHORT = 3


class PriceType(enum.IntEnum):
    """Which price a bar or a valuation is built from."""

    BID = 1
    ASK = 2
    MID = 3
    LAST = 4
    MARK = 5


class BarAggregation(enum.IntEnum):
    """What a bar's step counts."""

    # Gaps are NautilusTrader's imbalance/runs kinds, which Lyra does not model.
    TICK = 1
    VOLUME = 4
    VALUE = 7
    MILLISECOND = 10
    SECOND = 11
    MINUTE = 12
    HOUR = 13
    DAY = 14
    WEEK = 15
    MONTH = 16


class AggregationSource(enum.IntEnum):
    """Whether bars come from the venue or are aggregated locally."""

    EXTERNAL = 1
    INTERNAL = 2


class RecordFlag(enum.IntFlag):
    """Flags on book deltas (bit values match NautilusTrader's)."""

    F_LAST = 1 << 7
    """Last delta of an atomic batch: a book is consistent after applying it."""
    F_TOB = 1 << 6
    """Top-of-book message, not full depth."""
    F_SNAPSHOT = 1 << 5
    """Part of a snapshot rather than an incremental update."""
    F_MBP = 1 << 4
    """Aggregated market-by-price data."""
