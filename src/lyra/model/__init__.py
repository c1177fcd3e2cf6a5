"""The trading model: exact values, identifiers, enums, instruments and market data.

``lyra.model`` depends on nothing else in Lyra. Everything here is importable from
``lyra.model`` directly; the columnar (NumPy) forms are loaded on first use, so importing
``lyra.model`` does not import NumPy. Serialization lives in :mod:`lyra.model.codec`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lyra.model.currency import (
    Currency as Currency,
    CurrencyType as CurrencyType,
)
from lyra.model.data import (
    DEPTH10_LEN as DEPTH10_LEN,
    Bar as Bar,
    BarSpecification as BarSpecification,
    BarType as BarType,
    BookDelta as BookDelta,
    BookDeltas as BookDeltas,
    BookDepth10 as BookDepth10,
    BookLevel as BookLevel,
    BookOrder as BookOrder,
    Data as Data,
    IndexPrice as IndexPrice,
    MarkPrice as MarkPrice,
    QuoteTick as QuoteTick,
    TradeTick as TradeTick,
    UnixNanos as UnixNanos,
    columnar_dtype as columnar_dtype,
    data_type_name as data_type_name,
    data_types as data_types,
    get_data_type as get_data_type,
    register_data_type as register_data_type,
)
from lyra.model.enums import (
    AccountType as AccountType,
    AggregationSource as AggregationSource,
    AggressorSide as AggressorSide,
    BarAggregation as BarAggregation,
    BookAction as BookAction,
    BookType as BookType,
    ContingencyType as ContingencyType,
    LiquiditySide as LiquiditySide,
    OmsType as OmsType,
    OrderSide as OrderSide,
    OrderStatus as OrderStatus,
    OrderType as OrderType,
    PositionSide as PositionSide,
    PriceType as PriceType,
    RecordFlag as RecordFlag,
    TimeInForce as TimeInForce,
    TrailingOffsetType as TrailingOffsetType,
    TriggerType as TriggerType,
)
from lyra.model.identifiers import (
    AccountId as AccountId,
    ClientOrderId as ClientOrderId,
    InstrumentId as InstrumentId,
    OrderListId as OrderListId,
    PositionId as PositionId,
    StrategyId as StrategyId,
    Symbol as Symbol,
    TradeId as TradeId,
    Venue as Venue,
    VenueOrderId as VenueOrderId,
)
from lyra.model.instruments import (
    AnyInstrument as AnyInstrument,
    CurrencyPair as CurrencyPair,
    Equity as Equity,
    FuturesContract as FuturesContract,
    Instrument as Instrument,
    NumberLike as NumberLike,
    PerpetualSwap as PerpetualSwap,
)
from lyra.model.session import (
    AnySession as AnySession,
    ContinuousSession as ContinuousSession,
    TradingSession as TradingSession,
    daily_cutoff as daily_cutoff,
)
from lyra.model.values import (
    FIXED_PRECISION as FIXED_PRECISION,
    FIXED_SCALAR as FIXED_SCALAR,
    MONEY_MAX as MONEY_MAX,
    MONEY_RAW_MAX as MONEY_RAW_MAX,
    PRICE_MAX as PRICE_MAX,
    PRICE_RAW_MAX as PRICE_RAW_MAX,
    QUANTITY_MAX as QUANTITY_MAX,
    QUANTITY_RAW_MAX as QUANTITY_RAW_MAX,
    Money as Money,
    Price as Price,
    Quantity as Quantity,
    Rounding as Rounding,
)

if TYPE_CHECKING:
    from lyra.model.columnar import (
        BAR_DTYPE as BAR_DTYPE,
        BOOK_DELTA_DTYPE as BOOK_DELTA_DTYPE,
        QUOTE_DTYPE as QUOTE_DTYPE,
        TRADE_DTYPE as TRADE_DTYPE,
        TRADE_ID_WIDTH as TRADE_ID_WIDTH,
        BarBatch as BarBatch,
        BookDeltaBatch as BookDeltaBatch,
        CustomBatch as CustomBatch,
        QuoteBatch as QuoteBatch,
        TradeBatch as TradeBatch,
    )

_COLUMNAR = frozenset(
    (
        "BAR_DTYPE",
        "BOOK_DELTA_DTYPE",
        "BarBatch",
        "BookDeltaBatch",
        "CustomBatch",
        "QUOTE_DTYPE",
        "QuoteBatch",
        "TRADE_DTYPE",
        "TRADE_ID_WIDTH",
        "TradeBatch",
    )
)


def __getattr__(name: str) -> Any:
    # The columnar forms need NumPy; load them only when someone asks for one.
    if name in _COLUMNAR:
        from lyra.model import columnar

        return getattr(columnar, name)
    raise AttributeError(f"module 'lyra.model' has no attribute {name!r}")


__all__ = (
    "AccountId",
    "AccountType",
    "AggregationSource",
    "AggressorSide",
    "AnyInstrument",
    "AnySession",
    "BAR_DTYPE",
    "BOOK_DELTA_DTYPE",
    "Bar",
    "BarAggregation",
    "BarBatch",
    "BarSpecification",
    "BarType",
    "BookAction",
    "BookDelta",
    "BookDeltaBatch",
    "BookDeltas",
    "BookDepth10",
    "BookLevel",
    "BookOrder",
    "BookType",
    "ClientOrderId",
    "ContingencyType",
    "ContinuousSession",
    "Currency",
    "CurrencyPair",
    "CurrencyType",
    "CustomBatch",
    "DEPTH10_LEN",
    "Data",
    "IndexPrice",
    "MarkPrice",
    "Equity",
    "FIXED_PRECISION",
    "FIXED_SCALAR",
    "FuturesContract",
    "Instrument",
    "InstrumentId",
    "LiquiditySide",
    "MONEY_MAX",
    "MONEY_RAW_MAX",
    "Money",
    "NumberLike",
    "OmsType",
    "OrderListId",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PRICE_MAX",
    "PRICE_RAW_MAX",
    "PerpetualSwap",
    "PositionId",
    "PositionSide",
    "Price",
    "PriceType",
    "QUANTITY_MAX",
    "QUANTITY_RAW_MAX",
    "QUOTE_DTYPE",
    "Quantity",
    "QuoteBatch",
    "QuoteTick",
    "RecordFlag",
    "Rounding",
    "StrategyId",
    "Symbol",
    "TRADE_DTYPE",
    "TRADE_ID_WIDTH",
    "TimeInForce",
    "TradeBatch",
    "TradeId",
    "TradeTick",
    "TradingSession",
    "TrailingOffsetType",
    "TriggerType",
    "UnixNanos",
    "Venue",
    "VenueOrderId",
    "columnar_dtype",
    "daily_cutoff",
    "data_type_name",
    "data_types",
    "get_data_type",
    "register_data_type",
)
