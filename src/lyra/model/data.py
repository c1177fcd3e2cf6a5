"""Market data: quotes, trades, bars, order book deltas and depth, and custom data.

Every type is a frozen, tagged :class:`msgspec.Struct` (the tag is the class name), so it
serializes with :mod:`lyra.model.codec` and decodes without knowing its type in advance.
Market data carries ``instrument_id`` and two integer-nanosecond timestamps: ``ts_event``
(when it happened at the source) and ``ts_init`` (when Lyra saw it).

Validation. :class:`QuoteTick` and :class:`TradeTick` are built on the hot path, so their
constructors do no checks at all: their field types are checked by a type checker, by every
decoder (which validates each field), and by the columnar batches of
:mod:`lyra.model.columnar` (which also require one precision per batch). A crossed or locked
quote (bid >= ask) is valid data: venues publish them (auctions, fast markets, stale sides),
and refusing them would lose information; a consumer that cares checks ``bid_price <
ask_price`` itself. The other types check their invariants when made, and raise
:class:`~lyra.errors.InvalidInput` naming the field and the rule:

=================  =====================================================================
type               rule
=================  =====================================================================
BarSpecification   ``step`` is an int > 0; enums are valid members
BarType            ``instrument_id`` is valid; ``spec`` is a BarSpecification
Bar                ``high`` >= open, close and low; ``low`` <= open and close; values are
                   Price/Quantity; timestamps are ints in 0..2**63-1
BookDelta          CLEAR has no order (``order=None``); any other action has an order
                   whose side is BUY or SELL; ADD and UPDATE have size > 0;
                   ``flags`` in 0..255
BookDeltas         at least one delta; every delta is for ``instrument_id``
BookDepth10        at most 10 levels a side; bids strictly descending, asks strictly
                   ascending by price
=================  =====================================================================

Custom data. Any frozen, tagged struct with integer ``ts_event`` and ``ts_init`` fields can be
added with :func:`register_data_type`; it then decodes through the codec's tagged union, has a
registered name for :func:`lyra.topics.custom`, and may declare a columnar dtype for
:class:`lyra.model.columnar.CustomBatch`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Final, Protocol, TypeVar, overload, runtime_checkable

import msgspec
from msgspec.structs import force_setattr

from lyra.errors import InvalidInput
from lyra.model.codec import register_struct
from lyra.model.enums import (
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookAction,
    OrderSide,
    PriceType,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.values import Price, Quantity

__all__ = (
    "Bar",
    "BarSpecification",
    "BarType",
    "BookDelta",
    "BookDeltas",
    "BookDepth10",
    "BookLevel",
    "BookOrder",
    "DEPTH10_LEN",
    "Data",
    "IndexPrice",
    "MarkPrice",
    "QuoteTick",
    "TradeTick",
    "UnixNanos",
    "columnar_dtype",
    "data_type_name",
    "data_types",
    "get_data_type",
    "register_data_type",
)

_S = TypeVar("_S", bound=msgspec.Struct)
_E = TypeVar("_E", bound=Any)

UnixNanos = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
"""Integer nanoseconds since the Unix epoch (fits an int64; decoders enforce the range)."""

_U8 = Annotated[int, msgspec.Meta(ge=0, le=255)]
_U32 = Annotated[int, msgspec.Meta(ge=0, le=2**32 - 1)]
# msgspec bounds must fit an int64, so the u64 ceiling is checked in __post_init__.
_U64 = Annotated[int, msgspec.Meta(ge=0)]
_PositiveInt = Annotated[int, msgspec.Meta(gt=0)]

DEPTH10_LEN: Final = 10
"""The most levels a side of :class:`BookDepth10` holds."""

_TS_MAX: Final = 2**63 - 1
_U64_MAX: Final = 2**64 - 1


@runtime_checkable
class Data(Protocol):
    """Anything timestamped like market data: ``ts_event`` and ``ts_init`` in nanoseconds."""

    @property
    def ts_event(self) -> int:
        """When the event happened at its source."""
        ...

    @property
    def ts_init(self) -> int:
        """When Lyra created the object."""
        ...


# -- checks shared by the validating types -------------------------------------------------
def _enum(cls: type[_E], value: object, field: str) -> _E:
    if type(value) is cls:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return cls(value)  # type: ignore[no-any-return]
        except ValueError:
            pass
    members = ", ".join(m.name for m in cls)
    raise InvalidInput(field, f"must be a {cls.__name__} ({members})", value)


def _ts(value: object, field: str) -> None:
    if type(value) is not int or not 0 <= value <= _TS_MAX:
        raise InvalidInput(field, "must be an int of nanoseconds in 0..2**63-1", value)


def _uint(value: object, field: str, limit: int) -> None:
    if type(value) is not int or not 0 <= value <= limit:
        raise InvalidInput(field, f"must be an int in 0..{limit}", value)


def _flags_and_sequence(obj: Any, owner: str) -> None:
    flags = obj.flags
    if type(flags) is not int and isinstance(flags, int) and not isinstance(flags, bool):
        flags = int(flags)  # a RecordFlag: store the plain int the wire form decodes to
        force_setattr(obj, "flags", flags)
    _uint(flags, f"{owner}.flags", 255)
    _uint(obj.sequence, f"{owner}.sequence", _U64_MAX)


def _instrument_id(value: object, field: str) -> InstrumentId:
    if type(value) is InstrumentId:
        return value
    if isinstance(value, str):
        return InstrumentId(value)
    raise InvalidInput(field, "must be an InstrumentId", value)


def _of_type(value: object, cls: type, field: str) -> None:
    if type(value) is not cls:
        raise InvalidInput(field, f"must be a {cls.__name__}", value)


# -- quotes and trades ---------------------------------------------------------------------
class QuoteTick(msgspec.Struct, frozen=True, tag=True, gc=False):
    """Top of book: best bid and ask with their sizes.

    Not validated when made (it is on the hot path; see the module docs). A crossed quote is
    allowed. Bid and ask normally share the instrument's price precision; batches require it.
    """

    instrument_id: InstrumentId
    bid_price: Price
    ask_price: Price
    bid_size: Quantity
    ask_size: Quantity
    ts_event: UnixNanos
    ts_init: UnixNanos


class TradeTick(msgspec.Struct, frozen=True, tag=True, gc=False):
    """One trade (execution) printed by a venue. Not validated when made (hot path)."""

    instrument_id: InstrumentId
    price: Price
    size: Quantity
    aggressor_side: AggressorSide
    trade_id: TradeId
    ts_event: UnixNanos
    ts_init: UnixNanos


# -- bars ----------------------------------------------------------------------------------
def _parse_step(text: str, field: str, whole: str) -> int:
    if not (text.isascii() and text.isdigit()) or text[0] == "0":
        raise InvalidInput(field, "must be a positive integer without leading zeros", whole)
    return int(text)


def _parse_member(cls: type[_E], text: str, field: str, whole: str) -> _E:
    try:
        return cls[text]  # type: ignore[no-any-return]
    except KeyError:
        members = ", ".join(m.name for m in cls)
        raise InvalidInput(field, f"must be one of {members}", whole) from None


class BarSpecification(msgspec.Struct, frozen=True, gc=False):
    """What a bar aggregates: ``step`` units of ``aggregation`` over ``price_type`` prices.

    Its string form is ``STEP-AGGREGATION-PRICE_TYPE``, e.g. ``1-MINUTE-LAST``.
    """

    step: _PositiveInt
    aggregation: BarAggregation
    price_type: PriceType

    def __post_init__(self) -> None:
        step = self.step
        if type(step) is not int or step <= 0:
            raise InvalidInput("BarSpecification.step", "must be an int > 0", step)
        agg = _enum(BarAggregation, self.aggregation, "BarSpecification.aggregation")
        if agg is not self.aggregation:
            force_setattr(self, "aggregation", agg)
        pt = _enum(PriceType, self.price_type, "BarSpecification.price_type")
        if pt is not self.price_type:
            force_setattr(self, "price_type", pt)

    def __str__(self) -> str:
        return f"{self.step}-{self.aggregation.name}-{self.price_type.name}"

    @classmethod
    def from_str(cls, text: str) -> BarSpecification:
        """Parse ``STEP-AGGREGATION-PRICE_TYPE`` (the form ``str()`` gives)."""
        if not isinstance(text, str):
            raise InvalidInput("BarSpecification", "must be a str", text)
        parts = text.split("-")
        if len(parts) != 3:
            raise InvalidInput(
                "BarSpecification", "must be written 'STEP-AGGREGATION-PRICE_TYPE'", text
            )
        step, agg, pt = parts
        return cls(
            _parse_step(step, "BarSpecification.step", text),
            _parse_member(BarAggregation, agg, "BarSpecification.aggregation", text),
            _parse_member(PriceType, pt, "BarSpecification.price_type", text),
        )


class BarType(msgspec.Struct, frozen=True, gc=False):
    """Names a bar series: instrument, specification and where bars are aggregated.

    Its string form is ``INSTRUMENT_ID-STEP-AGGREGATION-PRICE_TYPE-SOURCE``, e.g.
    ``BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL``; :meth:`from_str` reads it from the right, so
    symbols and venues containing ``-`` and ``.`` are fine. A plain ``str`` instrument id is
    accepted and validated.
    """

    instrument_id: InstrumentId
    spec: BarSpecification
    aggregation_source: AggregationSource = AggregationSource.EXTERNAL

    def __post_init__(self) -> None:
        iid = _instrument_id(self.instrument_id, "BarType.instrument_id")
        if iid is not self.instrument_id:
            force_setattr(self, "instrument_id", iid)
        _of_type(self.spec, BarSpecification, "BarType.spec")
        src = _enum(AggregationSource, self.aggregation_source, "BarType.aggregation_source")
        if src is not self.aggregation_source:
            force_setattr(self, "aggregation_source", src)

    def __str__(self) -> str:
        spec = self.spec
        return (
            f"{self.instrument_id}-{spec.step}-{spec.aggregation.name}-"
            f"{spec.price_type.name}-{self.aggregation_source.name}"
        )

    @classmethod
    def from_str(cls, text: str) -> BarType:
        """Parse ``INSTRUMENT_ID-STEP-AGGREGATION-PRICE_TYPE-SOURCE`` (the ``str()`` form)."""
        if not isinstance(text, str):
            raise InvalidInput("BarType", "must be a str", text)
        parts = text.rsplit("-", 4)
        if len(parts) != 5 or not parts[0]:
            raise InvalidInput(
                "BarType",
                "must be written 'INSTRUMENT_ID-STEP-AGGREGATION-PRICE_TYPE-SOURCE' "
                "(e.g. 'BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL')",
                text,
            )
        iid, step, agg, pt, src = parts
        spec = BarSpecification(
            _parse_step(step, "BarType.step", text),
            _parse_member(BarAggregation, agg, "BarType.aggregation", text),
            _parse_member(PriceType, pt, "BarType.price_type", text),
        )
        return cls(
            InstrumentId(iid),
            spec,
            _parse_member(AggregationSource, src, "BarType.aggregation_source", text),
        )


class Bar(msgspec.Struct, frozen=True, tag=True, gc=False):
    """An OHLCV bar. ``ts_event`` is the bar's close time by convention.

    ``high`` must be >= open, close and low, and ``low`` <= open and close.
    """

    bar_type: BarType
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Quantity
    ts_event: UnixNanos
    ts_init: UnixNanos

    def __post_init__(self) -> None:
        _of_type(self.bar_type, BarType, "Bar.bar_type")
        o, h, lo, c = self.open, self.high, self.low, self.close
        for value, field in ((o, "Bar.open"), (h, "Bar.high"), (lo, "Bar.low"), (c, "Bar.close")):
            if type(value) is not Price:
                raise InvalidInput(field, "must be a Price", value)
        if type(self.volume) is not Quantity:
            raise InvalidInput("Bar.volume", "must be a Quantity", self.volume)
        h_raw, lo_raw = h._raw, lo._raw
        if h_raw < lo_raw or h_raw < o._raw or h_raw < c._raw:
            raise InvalidInput("Bar.high", "must be >= open, low and close", h)
        if lo_raw > o._raw or lo_raw > c._raw:
            raise InvalidInput("Bar.low", "must be <= open, high and close", lo)
        _ts(self.ts_event, "Bar.ts_event")
        _ts(self.ts_init, "Bar.ts_init")

    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument of the bar type."""
        return self.bar_type.instrument_id


# -- order book ----------------------------------------------------------------------------
class BookOrder(msgspec.Struct, frozen=True, gc=False):
    """An order (L3) or a price level (L2, ``order_id`` 0) in a book update."""

    side: OrderSide
    price: Price
    size: Quantity
    order_id: _U64 = 0


_CLEAR: Final = BookAction.CLEAR
_ADD: Final = BookAction.ADD
_UPDATE: Final = BookAction.UPDATE
_SIDES: Final = (OrderSide.BUY, OrderSide.SELL)


class BookDelta(msgspec.Struct, frozen=True, tag=True, gc=False):
    """One change to an order book: add, update or delete an order or level, or clear it.

    A CLEAR has ``order=None``. ``flags`` are :class:`~lyra.model.enums.RecordFlag` bits
    (``F_LAST`` marks the last delta of an atomic batch); ``sequence`` is the venue's.
    """

    instrument_id: InstrumentId
    action: BookAction
    order: BookOrder | None
    ts_event: UnixNanos
    ts_init: UnixNanos
    flags: _U8 = 0
    sequence: _U64 = 0

    def __post_init__(self) -> None:
        action = self.action
        if type(action) is not BookAction:
            action = _enum(BookAction, action, "BookDelta.action")
            force_setattr(self, "action", action)
        order = self.order
        if action is _CLEAR:
            if order is not None:
                raise InvalidInput("BookDelta.order", "must be None for a CLEAR", order)
        else:
            if type(order) is not BookOrder:
                raise InvalidInput(
                    "BookDelta.order", f"must be a BookOrder for {action.name}", order
                )
            if order.side not in _SIDES:
                raise InvalidInput("BookDelta.order.side", "must be BUY or SELL", order.side)
            if type(order.price) is not Price:
                raise InvalidInput("BookDelta.order.price", "must be a Price", order.price)
            size = order.size
            if type(size) is not Quantity:
                raise InvalidInput("BookDelta.order.size", "must be a Quantity", size)
            if size._raw == 0 and (action is _ADD or action is _UPDATE):
                raise InvalidInput("BookDelta.order.size", f"must be > 0 for {action.name}", size)
            _uint(order.order_id, "BookDelta.order.order_id", _U64_MAX)
        _flags_and_sequence(self, "BookDelta")

    @classmethod
    def clear(
        cls,
        instrument_id: InstrumentId,
        ts_event: int,
        ts_init: int,
        flags: int = 0,
        sequence: int = 0,
    ) -> BookDelta:
        """A CLEAR delta (empties the book; usually the start of a snapshot)."""
        return cls(instrument_id, _CLEAR, None, ts_event, ts_init, flags, sequence)


class BookDeltas(msgspec.Struct, frozen=True, tag=True, gc=False):
    """A batch of deltas for one instrument, applied together.

    ``deltas`` is stored as a tuple (a list is accepted). ``flags``, ``sequence``,
    ``ts_event`` and ``ts_init`` are those of the last delta.
    """

    instrument_id: InstrumentId
    deltas: Sequence[BookDelta]

    def __post_init__(self) -> None:
        iid = _instrument_id(self.instrument_id, "BookDeltas.instrument_id")
        if iid is not self.instrument_id:
            force_setattr(self, "instrument_id", iid)
        deltas: Any = self.deltas
        if type(deltas) is not tuple:
            if isinstance(deltas, (str, bytes)) or not isinstance(deltas, Sequence):
                raise InvalidInput("BookDeltas.deltas", "must be a sequence of BookDelta", deltas)
            deltas = tuple(deltas)
            force_setattr(self, "deltas", deltas)
        if not deltas:
            raise InvalidInput("BookDeltas.deltas", "must not be empty", deltas)
        for i, delta in enumerate(deltas):
            if type(delta) is not BookDelta:
                raise InvalidInput(f"BookDeltas.deltas[{i}]", "must be a BookDelta", delta)
            if delta.instrument_id != iid:
                raise InvalidInput(
                    f"BookDeltas.deltas[{i}].instrument_id",
                    f"must be {iid} like the batch (one instrument per BookDeltas)",
                    delta.instrument_id,
                )

    @property
    def flags(self) -> int:
        """Flags of the last delta."""
        return self.deltas[-1].flags

    @property
    def sequence(self) -> int:
        """Sequence number of the last delta."""
        return self.deltas[-1].sequence

    @property
    def ts_event(self) -> int:
        """``ts_event`` of the last delta."""
        return self.deltas[-1].ts_event

    @property
    def ts_init(self) -> int:
        """``ts_init`` of the last delta."""
        return self.deltas[-1].ts_init


class BookLevel(msgspec.Struct, frozen=True, gc=False):
    """One price level of a depth snapshot; ``count`` is its number of orders (0 if unknown)."""

    price: Price
    size: Quantity
    count: _U32 = 0


def _levels(value: object, field: str, descending: bool) -> tuple[BookLevel, ...]:
    if type(value) is tuple:
        levels: tuple[Any, ...] = value
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        levels = tuple(value)
    else:
        raise InvalidInput(field, "must be a sequence of BookLevel", value)
    if len(levels) > DEPTH10_LEN:
        raise InvalidInput(field, f"must hold at most {DEPTH10_LEN} levels", len(levels))
    prev: int | None = None
    for i, level in enumerate(levels):
        if type(level) is not BookLevel:
            raise InvalidInput(f"{field}[{i}]", "must be a BookLevel", level)
        if type(level.price) is not Price or type(level.size) is not Quantity:
            raise InvalidInput(f"{field}[{i}]", "must hold a Price and a Quantity", level)
        raw = level.price._raw
        if prev is not None and (raw >= prev if descending else raw <= prev):
            order = "descending" if descending else "ascending"
            raise InvalidInput(f"{field}[{i}].price", f"must be strictly {order}", level.price)
        prev = raw
    return levels


class BookDepth10(msgspec.Struct, frozen=True, tag=True, gc=False):
    """A snapshot of up to ten levels a side: bids best (highest) first, asks best (lowest)
    first. Lists are accepted and stored as tuples. A crossed snapshot is allowed data."""

    instrument_id: InstrumentId
    bids: Sequence[BookLevel]
    asks: Sequence[BookLevel]
    ts_event: UnixNanos
    ts_init: UnixNanos
    flags: _U8 = 0
    sequence: _U64 = 0

    def __post_init__(self) -> None:
        iid = _instrument_id(self.instrument_id, "BookDepth10.instrument_id")
        if iid is not self.instrument_id:
            force_setattr(self, "instrument_id", iid)
        bids = _levels(self.bids, "BookDepth10.bids", descending=True)
        if bids is not self.bids:
            force_setattr(self, "bids", bids)
        asks = _levels(self.asks, "BookDepth10.asks", descending=False)
        if asks is not self.asks:
            force_setattr(self, "asks", asks)
        _ts(self.ts_event, "BookDepth10.ts_event")
        _ts(self.ts_init, "BookDepth10.ts_init")
        _flags_and_sequence(self, "BookDepth10")


# -- the data-type registry ----------------------------------------------------------------
_DATA_TYPES: Final[dict[str, type[msgspec.Struct]]] = {}
_COLUMNAR_DTYPES: Final[dict[type, object]] = {}


def _tag_of(cls: type[msgspec.Struct]) -> str:
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


def _check_data_type(cls: object) -> None:
    if not isinstance(cls, type) or not issubclass(cls, msgspec.Struct):
        raise InvalidInput("register_data_type.cls", "must be a msgspec.Struct subclass", cls)
    name = cls.__qualname__
    config = cls.__struct_config__
    if not config.frozen:
        raise InvalidInput(
            f"{name}.frozen", "must be True: data is immutable once published", False
        )
    if config.tag is None:
        raise InvalidInput(
            f"{name}.tag", "must be set: declare the struct with tag=True (or a str tag)", None
        )
    try:
        info = msgspec.inspect.type_info(cls)
    except Exception as exc:
        raise InvalidInput(
            f"{name}.annotations", f"must resolve at module level ({exc})", cls
        ) from None
    assert isinstance(info, msgspec.inspect.StructType)
    fields = {f.name: f.type for f in info.fields}
    for ts in ("ts_event", "ts_init"):
        if ts not in fields:
            raise InvalidInput(
                f"{name}.{ts}", "must be a field: data carries ts_event and ts_init (int ns)"
            )
        if not isinstance(fields[ts], msgspec.inspect.IntType):
            raise InvalidInput(
                f"{name}.{ts}",
                "must be annotated int (nanoseconds since the epoch)",
                fields[ts],
            )


@overload
def register_data_type(cls: type[_S], /, *, columnar_dtype: object | None = None) -> type[_S]: ...
@overload
def register_data_type(
    cls: None = None, /, *, columnar_dtype: object | None = None
) -> Callable[[type[_S]], type[_S]]: ...
def register_data_type(
    cls: type[_S] | None = None, /, *, columnar_dtype: object | None = None
) -> type[_S] | Callable[[type[_S]], type[_S]]:
    """Register a custom data type; returns it, so it also works as a class decorator.

    Rules (a broken one raises :class:`~lyra.errors.InvalidInput` naming it): ``cls`` is a
    frozen :class:`msgspec.Struct` with a tag (``tag=True`` uses the class name), int fields
    ``ts_event`` and ``ts_init``, and it meets :func:`lyra.model.codec.register_struct`'s rules
    (tag field ``"type"``, not array-like, tag unused by another struct). The tag is the type's
    registered name (:func:`data_type_name`), used in topics.

    ``columnar_dtype`` optionally declares a NumPy structured dtype (or anything
    ``numpy.dtype`` accepts) whose field names are the struct's fields, for
    :class:`lyra.model.columnar.CustomBatch`; it is checked when a batch is first made.
    Registering the same class again is a no-op (it may add a dtype, not change one).
    """
    if cls is None:

        def decorator(c: type[_S]) -> type[_S]:
            return register_data_type(c, columnar_dtype=columnar_dtype)

        return decorator
    _check_data_type(cls)
    tag = cls.__struct_config__.tag
    if isinstance(tag, str) and _DATA_TYPES.get(tag) is cls:
        previous = _COLUMNAR_DTYPES.get(cls)
        if columnar_dtype is None or previous is columnar_dtype:
            return cls
        if previous is not None and bool(previous != columnar_dtype):
            raise InvalidInput(
                f"{cls.__qualname__}.columnar_dtype",
                "differs from the one it was registered with",
                columnar_dtype,
            )
        _COLUMNAR_DTYPES[cls] = columnar_dtype
        return cls
    register_struct(cls)
    _DATA_TYPES[_tag_of(cls)] = cls
    if columnar_dtype is not None:
        _COLUMNAR_DTYPES[cls] = columnar_dtype
    return cls


def data_type_name(data: object) -> str:
    """The registered name (tag) of a data type or instance, e.g. ``"QuoteTick"``.

    It is what :func:`lyra.topics.custom` takes as ``type_name``.
    """
    cls = data if isinstance(data, type) else type(data)
    config = getattr(cls, "__struct_config__", None)
    tag = getattr(config, "tag", None)
    if isinstance(tag, str) and _DATA_TYPES.get(tag) is cls:
        return tag
    raise InvalidInput(
        "data_type", "is not a registered data type; call register_data_type(cls) first", cls
    )


def get_data_type(name: str) -> type[msgspec.Struct]:
    """The data type registered under ``name``."""
    try:
        return _DATA_TYPES[name]
    except (KeyError, TypeError):
        raise InvalidInput(
            "data_type", "no data type is registered under this name", name
        ) from None


def data_types() -> dict[str, type[msgspec.Struct]]:
    """Every registered data type, built-in and custom: name -> class."""
    return dict(_DATA_TYPES)


def columnar_dtype(cls: type) -> object | None:
    """The columnar dtype a custom data type declared, or None."""
    return _COLUMNAR_DTYPES.get(cls)


def _register_builtin(cls: type[msgspec.Struct]) -> None:
    # BookDeltas has its timestamps as properties, so built-ins skip the field checks.
    register_struct(cls)
    _DATA_TYPES[_tag_of(cls)] = cls


for _cls in (QuoteTick, TradeTick, Bar, BookDelta, BookDeltas, BookDepth10):
    _register_builtin(_cls)
del _cls


class MarkPrice(msgspec.Struct, frozen=True, tag=True, gc=False):
    """An instrument's mark price (what a derivatives venue values positions at and what
    ``MARK_PRICE`` triggers follow). Published on ``topics.custom("MarkPrice", iid)``."""

    instrument_id: InstrumentId
    value: Price
    ts_event: UnixNanos
    ts_init: UnixNanos


class IndexPrice(msgspec.Struct, frozen=True, tag=True, gc=False):
    """An instrument's index price (the spot index a derivative tracks; ``INDEX_PRICE``
    triggers follow it). Published on ``topics.custom("IndexPrice", iid)``."""

    instrument_id: InstrumentId
    value: Price
    ts_event: UnixNanos
    ts_init: UnixNanos


# registered as custom data: they travel on the custom-data topics
register_data_type(MarkPrice)
register_data_type(IndexPrice)
