"""Columnar market data: NumPy structured arrays for bulk data.

A batch holds the rows of ONE instrument (or one bar type) in a read-only NumPy structured
array, plus the metadata shared by every row: the instrument id, the price and size
precisions (and the bar type for bars). Prices are stored as their raw ``int64``
(value * 10**9), sizes as raw ``uint64``, timestamps as ``int64`` nanoseconds and enums as
``uint8``, so a batch crosses to the Rust engine as one buffer and converts back to objects
exactly: ``QuoteBatch.from_ticks(ticks).to_ticks() == ticks``, precision included.

Mixed-instrument data is grouped by instrument first (one batch per instrument). The dtypes
and the reasons for them are in ``docs/explanation/columnar.md``.

Every constructor validates the whole batch (vectorized) and raises
:class:`~lyra.errors.InvalidInput` (or :class:`~lyra.errors.PrecisionError` /
:class:`~lyra.errors.ValueOutOfRange`) naming the field, the rule and the first bad row.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import Any, ClassVar, Final, Generic, Self, TypeVar, overload

import msgspec
import numpy as np
import numpy.typing as npt

from lyra.errors import InvalidInput, PrecisionError, ValueOutOfRange
from lyra.model.data import (
    Bar,
    BarType,
    BookDelta,
    BookOrder,
    QuoteTick,
    TradeTick,
    columnar_dtype,
    data_type_name,
)
from lyra.model.enums import AggressorSide, BookAction, OrderSide
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.values import FIXED_PRECISION, PRICE_RAW_MAX, Price, Quantity

__all__ = (
    "BAR_DTYPE",
    "BOOK_DELTA_DTYPE",
    "QUOTE_DTYPE",
    "TRADE_DTYPE",
    "TRADE_ID_WIDTH",
    "BarBatch",
    "BookDeltaBatch",
    "CustomBatch",
    "QuoteBatch",
    "TradeBatch",
)

_T = TypeVar("_T")
_Array = npt.NDArray[Any]

TRADE_ID_WIDTH: Final = 64
"""Bytes reserved per trade id: TradeId's maximum length (1-64 printable ASCII)."""

# align=True gives C struct layout, so each row maps to a #[repr(C)] struct in Rust.
QUOTE_DTYPE: Final = np.dtype(
    [
        ("bid_price", "<i8"),
        ("ask_price", "<i8"),
        ("bid_size", "<u8"),
        ("ask_size", "<u8"),
        ("ts_event", "<i8"),
        ("ts_init", "<i8"),
    ],
    align=True,
)
"""One quote: raw prices (int64), raw sizes (uint64), timestamps (int64 ns). 48 bytes."""

TRADE_DTYPE: Final = np.dtype(
    [
        ("price", "<i8"),
        ("size", "<u8"),
        ("ts_event", "<i8"),
        ("ts_init", "<i8"),
        ("trade_id", f"S{TRADE_ID_WIDTH}"),
        ("aggressor_side", "u1"),
    ],
    align=True,
)
"""One trade: raw price and size, timestamps, trade id (ASCII, NUL-padded), aggressor side."""

BAR_DTYPE: Final = np.dtype(
    [
        ("open", "<i8"),
        ("high", "<i8"),
        ("low", "<i8"),
        ("close", "<i8"),
        ("volume", "<u8"),
        ("ts_event", "<i8"),
        ("ts_init", "<i8"),
    ],
    align=True,
)
"""One bar: raw OHLC (int64), raw volume (uint64), timestamps. 56 bytes."""

BOOK_DELTA_DTYPE: Final = np.dtype(
    [
        ("price", "<i8"),
        ("size", "<u8"),
        ("order_id", "<u8"),
        ("sequence", "<u8"),
        ("ts_event", "<i8"),
        ("ts_init", "<i8"),
        ("action", "u1"),
        ("side", "u1"),
        ("flags", "u1"),
    ],
    align=True,
)
"""One book delta; a CLEAR row has side, price, size and order_id 0. 56 bytes."""

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_UINT64_MAX: Final = 2**64 - 1
_ITEMSIZE_LIMITS: Final = {"i8": (_INT64_MIN, _INT64_MAX), "u8": (0, _UINT64_MAX), "u1": (0, 255)}


# -- validation helpers --------------------------------------------------------------------
def _precision(field: str, value: object) -> int:
    if type(value) is not int or not 0 <= value <= FIXED_PRECISION:
        raise PrecisionError(field, f"must be an int in 0..{FIXED_PRECISION}", value)
    return value


def _first(mask: _Array) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_multiple(col: _Array, precision: int, field: str) -> None:
    step = 10 ** (FIXED_PRECISION - precision)
    if step > 1 and col.size:
        bad = (col % np.asarray(step, dtype=col.dtype)) != 0
        if bad.any():
            row = _first(bad)
            raise PrecisionError(
                field, f"has digits beyond precision {precision} (row {row})", int(col[row])
            )


def _check_price(col: _Array, precision: int, field: str) -> None:
    # Price's range is symmetric, so the one int64 value without a Price is the minimum.
    bad = col == _INT64_MIN
    if bad.any():
        row = _first(bad)
        raise ValueOutOfRange(field, f"is outside the Price range (row {row})", int(col[row]))
    _check_multiple(col, precision, field)


def _check_ts(col: _Array, field: str) -> None:
    bad = col < 0
    if bad.any():
        row = _first(bad)
        raise ValueOutOfRange(field, f"must be >= 0 ns (row {row})", int(col[row]))


def _column(field: str, values: object, target: str, n: int | None) -> _Array:
    """``values`` as a 1-D integer array that fits ``target`` (i8, u8 or u1)."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InvalidInput(field, "must be a 1-D array", arr.shape)
    if arr.dtype.kind not in "iu":
        raise InvalidInput(
            field,
            "must be an integer array (raw fixed-point values or counts, never floats)",
            str(arr.dtype),
        )
    if n is not None and arr.shape[0] != n:
        raise InvalidInput(field, f"must have {n} rows like the other columns", arr.shape[0])
    if arr.size:
        lo, hi = _ITEMSIZE_LIMITS[target]
        mn, mx = int(arr.min()), int(arr.max())
        if mn < lo or mx > hi:
            row = _first((arr < lo) if mn < lo else (arr > hi))
            raise ValueOutOfRange(field, f"must be in {lo}..{hi} (row {row})", int(arr[row]))
    return arr


def _fill(dtype: np.dtype[Any], n: int, columns: Mapping[str, object], owner: str) -> _Array:
    out = np.zeros(n, dtype=dtype)
    for name in dtype.names or ():
        if name in columns:
            target = dtype[name].str.lstrip("<|>")
            if target.startswith("S"):
                out[name] = _trade_id_column(f"{owner}.{name}", columns[name], n)
            else:
                out[name] = _column(f"{owner}.{name}", columns[name], target, n)
    return out


def _structured(array: object, dtype: np.dtype[Any], owner: str) -> _Array:
    """A new array of ``dtype`` holding ``array``'s fields, matched by name."""
    arr = np.asarray(array)
    if arr.dtype == dtype:
        if arr.ndim != 1:
            raise InvalidInput(f"{owner}.array", "must be 1-D", arr.shape)
        return arr.copy()
    names = arr.dtype.names
    if names is None or arr.ndim != 1:
        raise InvalidInput(
            f"{owner}.array",
            f"must be a 1-D structured array with fields {dtype.names}",
            str(arr.dtype),
        )
    missing = [f for f in dtype.names or () if f not in names]
    if missing:
        raise InvalidInput(f"{owner}.array", f"is missing fields {missing}", str(arr.dtype))
    return _fill(dtype, arr.shape[0], {f: arr[f] for f in dtype.names or ()}, owner)


def _freeze(arr: _Array) -> _Array:
    arr.flags.writeable = False
    return arr


def _n_rows(columns: Mapping[str, Any], owner: str) -> int:
    # ts_event is in every batch, so length errors name the column that differs from it
    ts = columns.get("ts_event")
    for values in (ts, *columns.values()):
        if values is not None:
            return int(np.shape(values)[0]) if np.ndim(values) else 0
    raise InvalidInput(owner, "needs at least one column")


def _ticks_to_raw(field: str, ticks: object, increment_raw: int, limit: int, n: int) -> _Array:
    """ticks * increment as int64, refusing any product outside +-limit."""
    arr = _column(field, ticks, "i8", n).astype(np.int64, copy=False)
    if arr.size:
        bound = limit // increment_raw
        bad = (arr > bound) | (arr < -bound)
        if bad.any():
            row = _first(bad)
            raise ValueOutOfRange(
                field, f"times the increment overflows the raw range (row {row})", int(arr[row])
            )
    return arr * np.int64(increment_raw)


def _increment(field: str, raw: object, precision: object) -> tuple[int, int]:
    """Validate an increment's raw value; return it with the precision to use."""
    if type(raw) is not int or not 0 < raw <= _INT64_MAX:
        raise InvalidInput(field, "must be a positive raw int (increment * 10**9)", raw)
    minimal = FIXED_PRECISION
    while minimal > 0 and raw % 10 ** (FIXED_PRECISION - minimal + 1) == 0:
        minimal -= 1
    if precision is None:
        return raw, minimal
    p = _precision(f"{field}.precision", precision)
    if p < minimal:
        raise PrecisionError(
            f"{field}.precision", f"must be >= {minimal} to hold multiples of the increment", p
        )
    return raw, p


class _Interner(dict[int, Any]):
    """raw -> value, made once per distinct raw: batches repeat the same prices and sizes."""

    __slots__ = ("_make", "_precision")

    def __init__(self, make: Callable[[int, int], Any], precision: int) -> None:
        super().__init__()
        self._make = make
        self._precision = precision

    def __missing__(self, raw: int) -> Any:
        value = self[raw] = self._make(raw, self._precision)
        return value


# -- the shared batch behaviour ------------------------------------------------------------
class _Batch(Generic[_T], metaclass=abc.ABCMeta):
    """Behaviour shared by every batch (private)."""

    __slots__ = ("_array",)

    DTYPE: ClassVar[np.dtype[Any]]
    _array: _Array

    @abc.abstractmethod
    def _meta(self) -> tuple[Any, ...]:
        """The metadata every row shares (compared by ``==``)."""

    @abc.abstractmethod
    def _with(self, array: _Array) -> Self:
        """A batch with this one's metadata over ``array`` (trusted: already valid)."""

    @abc.abstractmethod
    def _objects(self, rows: list[tuple[Any, ...]]) -> list[_T]:
        """The row tuples as data objects."""

    @property
    def array(self) -> _Array:
        """The rows, as a read-only NumPy structured array (see the dtype constants)."""
        return self._array

    def __len__(self) -> int:
        return int(self._array.shape[0])

    @overload
    def __getitem__(self, index: int) -> _T: ...
    @overload
    def __getitem__(self, index: slice) -> Self: ...
    def __getitem__(self, index: int | slice) -> _T | Self:
        if isinstance(index, slice):
            return self._with(self._array[index])
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            row = self._array[int(index)]
            return self._objects([row.tolist()])[0]
        raise InvalidInput(f"{type(self).__name__}.index", "must be an int or a slice", index)

    def __iter__(self) -> Iterator[_T]:
        chunk = 4096
        for start in range(0, len(self), chunk):
            yield from self._objects(self._array[start : start + chunk].tolist())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Batch)
        return self._meta() == other._meta() and bool(np.array_equal(self._array, other._array))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        meta = ", ".join(str(m) for m in self._meta())
        return f"{type(self).__name__}({meta}, rows={len(self)})"

    @classmethod
    def concat(cls, batches: Sequence[Self]) -> Self:
        """One batch with the rows of ``batches`` in order; their metadata must be equal."""
        if not batches:
            raise InvalidInput(f"{cls.__name__}.concat", "needs at least one batch")
        first = batches[0]
        for i, b in enumerate(batches):
            if type(b) is not cls:
                raise InvalidInput(f"{cls.__name__}.concat[{i}]", f"must be a {cls.__name__}", b)
            if b._meta() != first._meta():
                raise InvalidInput(
                    f"{cls.__name__}.concat[{i}]",
                    f"has metadata {b._meta()} unlike the first batch's {first._meta()}",
                )
        return first._with(_freeze(np.concatenate([b._array for b in batches])))


def _rows(
    getter: Callable[[Any], tuple[Any, ...]], items: list[Any], dtype: np.dtype[Any], owner: str
) -> _Array:
    try:
        return np.array(list(map(getter, items)), dtype=dtype)
    except OverflowError:
        raise ValueOutOfRange(
            f"{owner}.ts_event", "timestamps must fit an int64 of nanoseconds"
        ) from None


def _first_mismatch(items: list[Any], getter: Callable[[Any], Any], want: Any) -> int:
    for i, item in enumerate(items):
        if getter(item) != want:
            return i
    return -1


def _as_list(items: Iterable[_T]) -> list[_T]:
    return items if type(items) is list else list(items)


# -- quotes --------------------------------------------------------------------------------
_QUOTE_ROW: Final = attrgetter(
    "bid_price._raw", "ask_price._raw", "bid_size._raw", "ask_size._raw", "ts_event", "ts_init"
)
_QUOTE_META: Final = attrgetter(
    "instrument_id",
    "bid_price._precision",
    "ask_price._precision",
    "bid_size._precision",
    "ask_size._precision",
)


class _InstrumentBatch(_Batch[_T]):
    """A batch of one instrument's rows at one price and one size precision (private)."""

    __slots__ = ("_instrument_id", "_price_precision", "_size_precision")

    _instrument_id: InstrumentId
    _price_precision: int
    _size_precision: int

    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument every row belongs to."""
        return self._instrument_id

    @property
    def price_precision(self) -> int:
        """Precision of prices."""
        return self._price_precision

    @property
    def size_precision(self) -> int:
        """Precision of sizes."""
        return self._size_precision

    def _meta(self) -> tuple[Any, ...]:
        return (self._instrument_id, self._price_precision, self._size_precision)

    def _with(self, array: _Array) -> Self:
        new = object.__new__(type(self))
        new._instrument_id = self._instrument_id
        new._price_precision = self._price_precision
        new._size_precision = self._size_precision
        new._array = array
        return new

    @classmethod
    def _empty(
        cls,
        instrument_id: InstrumentId | str | None,
        price_precision: int | None,
        size_precision: int | None,
    ) -> Self:
        """The empty batch ``from_ticks`` returns for no ticks: all metadata must be given."""
        if instrument_id is None or price_precision is None or size_precision is None:
            raise InvalidInput(
                f"{cls.__name__}.from_ticks",
                "needs instrument_id, price_precision and size_precision for no ticks",
            )
        return cls(
            np.zeros(0, cls.DTYPE),
            instrument_id=instrument_id,  # type: ignore[call-arg]  # subclasses take these
            price_precision=price_precision,
            size_precision=size_precision,
        )


class QuoteBatch(_InstrumentBatch[QuoteTick]):
    """Quotes of one instrument as a :data:`QUOTE_DTYPE` array.

    ``QuoteBatch(array, instrument_id=..., price_precision=..., size_precision=...)`` takes
    any 1-D structured array with the dtype's field names (copied and validated).
    """

    __slots__ = ()

    DTYPE = QUOTE_DTYPE

    def __init__(
        self,
        array: object,
        *,
        instrument_id: InstrumentId | str,
        price_precision: int,
        size_precision: int,
    ) -> None:
        self._instrument_id = InstrumentId(instrument_id)
        self._price_precision = _precision("QuoteBatch.price_precision", price_precision)
        self._size_precision = _precision("QuoteBatch.size_precision", size_precision)
        arr = _structured(array, QUOTE_DTYPE, "QuoteBatch")
        self._validate(arr)
        self._array = _freeze(arr)

    def _validate(self, arr: _Array) -> None:
        pp, sp = self._price_precision, self._size_precision
        _check_price(arr["bid_price"], pp, "QuoteBatch.bid_price")
        _check_price(arr["ask_price"], pp, "QuoteBatch.ask_price")
        _check_multiple(arr["bid_size"], sp, "QuoteBatch.bid_size")
        _check_multiple(arr["ask_size"], sp, "QuoteBatch.ask_size")
        _check_ts(arr["ts_event"], "QuoteBatch.ts_event")
        _check_ts(arr["ts_init"], "QuoteBatch.ts_init")

    def _objects(self, rows: list[tuple[Any, ...]]) -> list[QuoteTick]:
        iid = self._instrument_id
        px = _Interner(Price._make, self._price_precision)
        qty = _Interner(Quantity._make, self._size_precision)
        return [
            QuoteTick(iid, px[b], px[a], qty[bs], qty[az], te, ti) for b, a, bs, az, te, ti in rows
        ]

    def to_ticks(self) -> list[QuoteTick]:
        """Every row as a :class:`~lyra.model.data.QuoteTick` (exact, precision included)."""
        return self._objects(self._array.tolist())

    @classmethod
    def from_ticks(
        cls,
        ticks: Iterable[QuoteTick],
        *,
        instrument_id: InstrumentId | str | None = None,
        price_precision: int | None = None,
        size_precision: int | None = None,
    ) -> QuoteBatch:
        """A batch of ``ticks``, which must share one instrument and one price and one size
        precision (taken from the first tick unless given; required for an empty list)."""
        items = _as_list(ticks)
        if not items:
            return cls._empty(instrument_id, price_precision, size_precision)
        first = items[0]
        if type(first) is not QuoteTick:
            raise InvalidInput("QuoteBatch.from_ticks[0]", "must be a QuoteTick", first)
        try:
            metas = set(map(_QUOTE_META, items))
        except AttributeError:
            row = next(
                i
                for i, q in enumerate(items)
                if type(q) is not QuoteTick
                or not all(
                    hasattr(v, "_raw") for v in (q.bid_price, q.ask_price, q.bid_size, q.ask_size)
                )
            )
            raise InvalidInput(
                f"QuoteBatch.from_ticks[{row}]",
                "must be a QuoteTick of Prices and Quantities",
                items[row],
            ) from None
        first_iid, pp, _, sp, _ = _QUOTE_META(first)
        iid = first_iid if instrument_id is None else InstrumentId(instrument_id)
        pp = pp if price_precision is None else price_precision
        sp = sp if size_precision is None else size_precision
        want = (iid, pp, pp, sp, sp)
        if metas != {want}:
            row = _first_mismatch(items, _QUOTE_META, want)
            raise InvalidInput(
                f"QuoteBatch.from_ticks[{row}]",
                "must match the batch's (instrument_id, bid/ask price precision, bid/ask size "
                f"precision) = {want}; group mixed data by instrument first",
                _QUOTE_META(items[row]),
            )
        batch = object.__new__(cls)
        batch._instrument_id = iid
        batch._price_precision = _precision("QuoteBatch.price_precision", pp)
        batch._size_precision = _precision("QuoteBatch.size_precision", sp)
        arr = _rows(_QUOTE_ROW, items, QUOTE_DTYPE, "QuoteBatch")
        batch._validate(arr)
        batch._array = _freeze(arr)
        return batch

    @classmethod
    def from_arrays(
        cls,
        *,
        instrument_id: InstrumentId | str,
        price_precision: int,
        size_precision: int,
        bid_price: npt.ArrayLike,
        ask_price: npt.ArrayLike,
        bid_size: npt.ArrayLike,
        ask_size: npt.ArrayLike,
        ts_event: npt.ArrayLike,
        ts_init: npt.ArrayLike | None = None,
    ) -> QuoteBatch:
        """A batch from plain integer columns of raw values (``ts_init`` defaults to
        ``ts_event``). Columns are copied and validated."""
        cols = {
            "bid_price": bid_price,
            "ask_price": ask_price,
            "bid_size": bid_size,
            "ask_size": ask_size,
            "ts_event": ts_event,
            "ts_init": ts_event if ts_init is None else ts_init,
        }
        arr = _fill(QUOTE_DTYPE, _n_rows(cols, "QuoteBatch"), cols, "QuoteBatch")
        return cls._trusted_fields(arr, instrument_id, price_precision, size_precision)

    @classmethod
    def _trusted_fields(
        cls, arr: _Array, instrument_id: InstrumentId | str, pp: int, sp: int
    ) -> QuoteBatch:
        batch = object.__new__(cls)
        batch._instrument_id = InstrumentId(instrument_id)
        batch._price_precision = _precision("QuoteBatch.price_precision", pp)
        batch._size_precision = _precision("QuoteBatch.size_precision", sp)
        batch._validate(arr)
        batch._array = _freeze(arr)
        return batch

    @classmethod
    def from_ticks_arrays(
        cls,
        bid_ticks: npt.ArrayLike,
        ask_ticks: npt.ArrayLike,
        bid_size: npt.ArrayLike,
        ask_size: npt.ArrayLike,
        ts_event: npt.ArrayLike,
        *,
        instrument_id: InstrumentId | str,
        price_increment_raw: int,
        size_increment_raw: int,
        price_precision: int | None = None,
        size_precision: int | None = None,
        ts_init: npt.ArrayLike | None = None,
    ) -> QuoteBatch:
        """A batch from integer counts of increments, e.g. the benchmark generator's output.

        Prices are ``ticks * price_increment_raw`` and sizes ``size * size_increment_raw``
        (vectorized; overflow raises). Precisions default to the fewest decimals that hold
        the increment: for ``synth.gen_quotes`` (ticks of 0.00001, whole-unit sizes) pass
        ``price_increment_raw=10_000, size_increment_raw=1_000_000_000``.
        """
        p_inc, pp = _increment(
            "QuoteBatch.price_increment_raw", price_increment_raw, price_precision
        )
        s_inc, sp = _increment("QuoteBatch.size_increment_raw", size_increment_raw, size_precision)
        n = int(np.shape(bid_ticks)[0]) if np.ndim(bid_ticks) else 0
        arr = np.empty(n, dtype=QUOTE_DTYPE)
        arr["bid_price"] = _ticks_to_raw("QuoteBatch.bid_ticks", bid_ticks, p_inc, PRICE_RAW_MAX, n)
        arr["ask_price"] = _ticks_to_raw("QuoteBatch.ask_ticks", ask_ticks, p_inc, PRICE_RAW_MAX, n)
        arr["bid_size"] = _sizes_to_raw("QuoteBatch.bid_size", bid_size, s_inc, n)
        arr["ask_size"] = _sizes_to_raw("QuoteBatch.ask_size", ask_size, s_inc, n)
        arr["ts_event"] = _column("QuoteBatch.ts_event", ts_event, "i8", n)
        arr["ts_init"] = _column(
            "QuoteBatch.ts_init", ts_event if ts_init is None else ts_init, "i8", n
        )
        return cls._trusted_fields(arr, instrument_id, pp, sp)


def _sizes_to_raw(field: str, steps: object, increment_raw: int, n: int) -> _Array:
    arr = _column(field, steps, "u8", n).astype(np.uint64, copy=False)
    if arr.size:
        bound = _UINT64_MAX // increment_raw
        bad = arr > np.uint64(bound)
        if bad.any():
            row = _first(bad)
            raise ValueOutOfRange(
                field, f"times the increment overflows the raw range (row {row})", int(arr[row])
            )
    return arr * np.uint64(increment_raw)


# -- trades --------------------------------------------------------------------------------
_PRINTABLE_LO: Final = 0x21
_PRINTABLE_HI: Final = 0x7E


def _trade_id_column(field: str, values: object, n: int | None) -> _Array:
    """Trade ids as an ``S64`` array, each 1-64 printable ASCII bytes (TradeId's rule)."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InvalidInput(field, "must be a 1-D array", arr.shape)
    if n is not None and arr.shape[0] != n:
        raise InvalidInput(field, f"must have {n} rows like the other columns", arr.shape[0])
    if arr.dtype.kind == "U":
        if arr.dtype.itemsize // 4 > TRADE_ID_WIDTH:
            too_long = np.char.str_len(arr) > TRADE_ID_WIDTH
            if too_long.any():
                row = _first(too_long)
                raise InvalidInput(field, f"must be 1-64 characters (row {row})", str(arr[row]))
        try:
            arr = arr.astype(f"S{TRADE_ID_WIDTH}")
        except UnicodeEncodeError:
            raise InvalidInput(field, "must be printable ASCII") from None
    elif arr.dtype.kind == "S":
        if arr.dtype.itemsize > TRADE_ID_WIDTH:
            too_long = np.char.str_len(arr) > TRADE_ID_WIDTH
            if too_long.any():
                row = _first(too_long)
                raise InvalidInput(field, f"must be 1-64 bytes (row {row})", bytes(arr[row]))
        arr = arr.astype(f"S{TRADE_ID_WIDTH}")
    else:
        raise InvalidInput(field, "must be an array of str or bytes", str(arr.dtype))
    _check_trade_ids(arr, field)
    return arr


def _check_trade_ids(arr: _Array, field: str) -> None:
    if not arr.size:
        return
    b = np.ascontiguousarray(arr).view(np.uint8).reshape(arr.shape[0], TRADE_ID_WIDTH)
    nul = b == 0
    printable = (b >= _PRINTABLE_LO) & (b <= _PRINTABLE_HI)
    # NUL may only pad the end: once a row has a NUL, every later byte must be NUL too.
    ok = (
        (printable | nul).all(axis=1)
        & (np.logical_or.accumulate(nul, axis=1) == nul).all(axis=1)
        & ~nul[:, 0]
    )
    if not ok.all():
        row = _first(~ok)
        raise InvalidInput(
            field,
            f"must be 1-64 printable ASCII characters without whitespace (row {row})",
            bytes(arr[row]),
        )


_TRADE_ROW: Final = attrgetter(
    "price._raw", "size._raw", "ts_event", "ts_init", "trade_id", "aggressor_side"
)
_TRADE_META: Final = attrgetter("instrument_id", "price._precision", "size._precision")
_AGGRESSORS: Final = {int(m): m for m in AggressorSide}


def _trade_id_from_bytes(raw: bytes) -> TradeId:
    # The batch checked every id against TradeId's rule, so skip the regex per row.
    return str.__new__(TradeId, raw.decode("ascii"))


class TradeBatch(_InstrumentBatch[TradeTick]):
    """Trades of one instrument as a :data:`TRADE_DTYPE` array."""

    __slots__ = ()

    DTYPE = TRADE_DTYPE

    def __init__(
        self,
        array: object,
        *,
        instrument_id: InstrumentId | str,
        price_precision: int,
        size_precision: int,
    ) -> None:
        arr = _structured(array, TRADE_DTYPE, "TradeBatch")
        self._set(arr, instrument_id, price_precision, size_precision)

    def _set(self, arr: _Array, iid: InstrumentId | str, pp: int, sp: int) -> None:
        self._instrument_id = InstrumentId(iid)
        self._price_precision = _precision("TradeBatch.price_precision", pp)
        self._size_precision = _precision("TradeBatch.size_precision", sp)
        _check_price(arr["price"], pp, "TradeBatch.price")
        _check_multiple(arr["size"], sp, "TradeBatch.size")
        _check_ts(arr["ts_event"], "TradeBatch.ts_event")
        _check_ts(arr["ts_init"], "TradeBatch.ts_init")
        bad = ~np.isin(arr["aggressor_side"], np.array(list(_AGGRESSORS), dtype=np.uint8))
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "TradeBatch.aggressor_side",
                f"must be an AggressorSide value (row {row})",
                int(arr["aggressor_side"][row]),
            )
        _check_trade_ids(arr["trade_id"], "TradeBatch.trade_id")
        self._array = _freeze(arr)

    def _objects(self, rows: list[tuple[Any, ...]]) -> list[TradeTick]:
        iid = self._instrument_id
        px = _Interner(Price._make, self._price_precision)
        qty = _Interner(Quantity._make, self._size_precision)
        sides = _AGGRESSORS
        tid = _trade_id_from_bytes
        return [
            TradeTick(iid, px[p], qty[s], sides[a], tid(t), te, ti) for p, s, te, ti, t, a in rows
        ]

    def to_ticks(self) -> list[TradeTick]:
        """Every row as a :class:`~lyra.model.data.TradeTick` (exact, precision included)."""
        return self._objects(self._array.tolist())

    @classmethod
    def from_ticks(
        cls,
        ticks: Iterable[TradeTick],
        *,
        instrument_id: InstrumentId | str | None = None,
        price_precision: int | None = None,
        size_precision: int | None = None,
    ) -> TradeBatch:
        """A batch of ``ticks`` (one instrument, one price and one size precision; taken from
        the first tick unless given; required for an empty list)."""
        items = _as_list(ticks)
        if not items:
            return cls._empty(instrument_id, price_precision, size_precision)
        first = items[0]
        if type(first) is not TradeTick:
            raise InvalidInput("TradeBatch.from_ticks[0]", "must be a TradeTick", first)
        try:
            metas = set(map(_TRADE_META, items))
        except AttributeError:
            row = next(
                i
                for i, t in enumerate(items)
                if type(t) is not TradeTick
                or not (hasattr(t.price, "_raw") and hasattr(t.size, "_raw"))
            )
            raise InvalidInput(
                f"TradeBatch.from_ticks[{row}]",
                "must be a TradeTick of a Price and a Quantity",
                items[row],
            ) from None
        first_iid, pp, sp = _TRADE_META(first)
        iid = first_iid if instrument_id is None else InstrumentId(instrument_id)
        pp = pp if price_precision is None else price_precision
        sp = sp if size_precision is None else size_precision
        want = (iid, pp, sp)
        if metas != {want}:
            row = _first_mismatch(items, _TRADE_META, want)
            raise InvalidInput(
                f"TradeBatch.from_ticks[{row}]",
                f"must match the batch's (instrument_id, price precision, size precision) = "
                f"{want}; group mixed data by instrument first",
                _TRADE_META(items[row]),
            )
        try:
            arr = _rows(_TRADE_ROW, items, TRADE_DTYPE, "TradeBatch")
        except UnicodeEncodeError:
            raise InvalidInput("TradeBatch.trade_id", "must be printable ASCII") from None
        batch = object.__new__(cls)
        batch._set(arr, iid, pp, sp)
        return batch

    @classmethod
    def from_arrays(
        cls,
        *,
        instrument_id: InstrumentId | str,
        price_precision: int,
        size_precision: int,
        price: npt.ArrayLike,
        size: npt.ArrayLike,
        aggressor_side: npt.ArrayLike,
        trade_id: npt.ArrayLike,
        ts_event: npt.ArrayLike,
        ts_init: npt.ArrayLike | None = None,
    ) -> TradeBatch:
        """A batch from plain columns: raw integer prices and sizes, aggressor side values,
        trade ids as str or bytes (``ts_init`` defaults to ``ts_event``)."""
        cols = {
            "price": price,
            "size": size,
            "ts_event": ts_event,
            "ts_init": ts_event if ts_init is None else ts_init,
            "trade_id": trade_id,
            "aggressor_side": aggressor_side,
        }
        arr = _fill(TRADE_DTYPE, _n_rows(cols, "TradeBatch"), cols, "TradeBatch")
        batch = object.__new__(cls)
        batch._set(arr, instrument_id, price_precision, size_precision)
        return batch


# -- bars ----------------------------------------------------------------------------------
_BAR_ROW: Final = attrgetter(
    "open._raw", "high._raw", "low._raw", "close._raw", "volume._raw", "ts_event", "ts_init"
)
_BAR_META: Final = attrgetter(
    "bar_type",
    "open._precision",
    "high._precision",
    "low._precision",
    "close._precision",
    "volume._precision",
)


class BarBatch(_Batch[Bar]):
    """Bars of one bar type as a :data:`BAR_DTYPE` array."""

    __slots__ = ("_bar_type", "_price_precision", "_size_precision")

    DTYPE = BAR_DTYPE

    def __init__(
        self, array: object, *, bar_type: BarType, price_precision: int, size_precision: int
    ) -> None:
        arr = _structured(array, BAR_DTYPE, "BarBatch")
        self._set(arr, bar_type, price_precision, size_precision)

    def _set(self, arr: _Array, bar_type: BarType, pp: int, sp: int) -> None:
        if type(bar_type) is not BarType:
            raise InvalidInput("BarBatch.bar_type", "must be a BarType", bar_type)
        self._bar_type = bar_type
        self._price_precision = _precision("BarBatch.price_precision", pp)
        self._size_precision = _precision("BarBatch.size_precision", sp)
        for name in ("open", "high", "low", "close"):
            _check_price(arr[name], pp, f"BarBatch.{name}")
        _check_multiple(arr["volume"], sp, "BarBatch.volume")
        o, h, lo, c = arr["open"], arr["high"], arr["low"], arr["close"]
        bad = (h < lo) | (h < o) | (h < c)
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "BarBatch.high", f"must be >= open, low and close (row {row})", int(h[row])
            )
        bad = (lo > o) | (lo > c)
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "BarBatch.low", f"must be <= open, high and close (row {row})", int(lo[row])
            )
        _check_ts(arr["ts_event"], "BarBatch.ts_event")
        _check_ts(arr["ts_init"], "BarBatch.ts_init")
        self._array = _freeze(arr)

    @property
    def bar_type(self) -> BarType:
        """The bar type of every row."""
        return self._bar_type

    @property
    def instrument_id(self) -> InstrumentId:
        """The bar type's instrument."""
        return self._bar_type.instrument_id

    @property
    def price_precision(self) -> int:
        """Precision of open, high, low and close."""
        return self._price_precision

    @property
    def size_precision(self) -> int:
        """Precision of the volume."""
        return self._size_precision

    def _meta(self) -> tuple[Any, ...]:
        return (self._bar_type, self._price_precision, self._size_precision)

    def _with(self, array: _Array) -> Self:
        new = object.__new__(type(self))
        new._bar_type = self._bar_type
        new._price_precision = self._price_precision
        new._size_precision = self._size_precision
        new._array = array
        return new

    def _objects(self, rows: list[tuple[Any, ...]]) -> list[Bar]:
        bt = self._bar_type
        px = _Interner(Price._make, self._price_precision)
        qty = _Interner(Quantity._make, self._size_precision)
        return [
            Bar(bt, px[o], px[h], px[lo], px[c], qty[v], te, ti) for o, h, lo, c, v, te, ti in rows
        ]

    def to_bars(self) -> list[Bar]:
        """Every row as a :class:`~lyra.model.data.Bar` (exact, precision included)."""
        return self._objects(self._array.tolist())

    @classmethod
    def from_bars(
        cls,
        bars: Iterable[Bar],
        *,
        bar_type: BarType | None = None,
        price_precision: int | None = None,
        size_precision: int | None = None,
    ) -> BarBatch:
        """A batch of ``bars`` (one bar type, one price and one volume precision; taken from
        the first bar unless given; required for an empty list)."""
        items = _as_list(bars)
        if not items:
            if bar_type is None or price_precision is None or size_precision is None:
                raise InvalidInput(
                    "BarBatch.from_bars",
                    "needs bar_type, price_precision and size_precision for no bars",
                )
            return cls(
                np.zeros(0, BAR_DTYPE),
                bar_type=bar_type,
                price_precision=price_precision,
                size_precision=size_precision,
            )
        first = items[0]
        if type(first) is not Bar:
            raise InvalidInput("BarBatch.from_bars[0]", "must be a Bar", first)
        bt = first.bar_type if bar_type is None else bar_type
        pp = first.open.precision if price_precision is None else price_precision
        sp = first.volume.precision if size_precision is None else size_precision
        want = (bt, pp, pp, pp, pp, sp)
        try:
            metas = set(map(_BAR_META, items))
        except AttributeError:
            row = next(i for i, b in enumerate(items) if type(b) is not Bar)
            raise InvalidInput(f"BarBatch.from_bars[{row}]", "must be a Bar", items[row]) from None
        if metas != {want}:
            row = _first_mismatch(items, _BAR_META, want)
            raise InvalidInput(
                f"BarBatch.from_bars[{row}]",
                f"must match the batch's (bar_type, OHLC precisions, volume precision) = {want}",
                _BAR_META(items[row]),
            )
        arr = _rows(_BAR_ROW, items, BAR_DTYPE, "BarBatch")
        batch = object.__new__(cls)
        batch._set(arr, bt, pp, sp)
        return batch

    @classmethod
    def from_arrays(
        cls,
        *,
        bar_type: BarType,
        price_precision: int,
        size_precision: int,
        open: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
        ts_event: npt.ArrayLike,
        ts_init: npt.ArrayLike | None = None,
    ) -> BarBatch:
        """A batch from plain integer columns of raw values (``ts_init`` defaults to
        ``ts_event``)."""
        cols = {
            "open": open,
            "high": high,
            "low": low,
            "close": close,
            "volume": volume,
            "ts_event": ts_event,
            "ts_init": ts_event if ts_init is None else ts_init,
        }
        arr = _fill(BAR_DTYPE, _n_rows(cols, "BarBatch"), cols, "BarBatch")
        batch = object.__new__(cls)
        batch._set(arr, bar_type, price_precision, size_precision)
        return batch


# -- book deltas ---------------------------------------------------------------------------
_ACTIONS: Final = {int(m): m for m in BookAction}
_SIDES: Final = {int(m): m for m in OrderSide}
_CLEAR: Final = int(BookAction.CLEAR)
_ADD_UPDATE: Final = (int(BookAction.ADD), int(BookAction.UPDATE))
_BUY_SELL: Final = (int(OrderSide.BUY), int(OrderSide.SELL))


def _delta_row(d: BookDelta) -> tuple[Any, ...]:
    o = d.order
    if o is None:
        return (0, 0, 0, d.sequence, d.ts_event, d.ts_init, d.action, 0, d.flags)
    return (
        o.price._raw,
        o.size._raw,
        o.order_id,
        d.sequence,
        d.ts_event,
        d.ts_init,
        d.action,
        o.side,
        d.flags,
    )


class BookDeltaBatch(_InstrumentBatch[BookDelta]):
    """Order book deltas of one instrument as a :data:`BOOK_DELTA_DTYPE` array.

    A CLEAR row has side, price, size and order_id 0 (it becomes ``order=None``).
    """

    __slots__ = ()

    DTYPE = BOOK_DELTA_DTYPE

    def __init__(
        self,
        array: object,
        *,
        instrument_id: InstrumentId | str,
        price_precision: int,
        size_precision: int,
    ) -> None:
        arr = _structured(array, BOOK_DELTA_DTYPE, "BookDeltaBatch")
        self._set(arr, instrument_id, price_precision, size_precision)

    def _set(self, arr: _Array, iid: InstrumentId | str, pp: int, sp: int) -> None:
        self._instrument_id = InstrumentId(iid)
        self._price_precision = _precision("BookDeltaBatch.price_precision", pp)
        self._size_precision = _precision("BookDeltaBatch.size_precision", sp)
        _check_price(arr["price"], pp, "BookDeltaBatch.price")
        _check_multiple(arr["size"], sp, "BookDeltaBatch.size")
        _check_ts(arr["ts_event"], "BookDeltaBatch.ts_event")
        _check_ts(arr["ts_init"], "BookDeltaBatch.ts_init")
        action, side = arr["action"], arr["side"]
        bad = ~np.isin(action, np.array(list(_ACTIONS), dtype=np.uint8))
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "BookDeltaBatch.action", f"must be a BookAction value (row {row})", int(action[row])
            )
        clear = action == _CLEAR
        bad = clear & (
            (side != 0) | (arr["price"] != 0) | (arr["size"] != 0) | (arr["order_id"] != 0)
        )
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "BookDeltaBatch.side",
                f"must be 0 with price, size and order_id 0 for a CLEAR (row {row})",
                int(side[row]),
            )
        bad = ~clear & ~np.isin(side, np.array(_BUY_SELL, dtype=np.uint8))
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "BookDeltaBatch.side", f"must be BUY or SELL (row {row})", int(side[row])
            )
        bad = np.isin(action, np.array(_ADD_UPDATE, dtype=np.uint8)) & (arr["size"] == 0)
        if bad.any():
            row = _first(bad)
            raise InvalidInput(
                "BookDeltaBatch.size", f"must be > 0 for ADD and UPDATE (row {row})", 0
            )
        self._array = _freeze(arr)

    def _objects(self, rows: list[tuple[Any, ...]]) -> list[BookDelta]:
        iid = self._instrument_id
        px = _Interner(Price._make, self._price_precision)
        qty = _Interner(Quantity._make, self._size_precision)
        actions, sides, clear = _ACTIONS, _SIDES, _CLEAR
        out: list[BookDelta] = []
        append = out.append
        for p, s, oid, seq, te, ti, a, sd, fl in rows:
            order = None if a == clear else BookOrder(sides[sd], px[p], qty[s], oid)
            append(BookDelta(iid, actions[a], order, te, ti, fl, seq))
        return out

    def to_deltas(self) -> list[BookDelta]:
        """Every row as a :class:`~lyra.model.data.BookDelta` (exact, precision included)."""
        return self._objects(self._array.tolist())

    @classmethod
    def from_deltas(
        cls,
        deltas: Iterable[BookDelta],
        *,
        instrument_id: InstrumentId | str | None = None,
        price_precision: int | None = None,
        size_precision: int | None = None,
    ) -> BookDeltaBatch:
        """A batch of ``deltas`` (one instrument; one price and one size precision across
        every non-CLEAR delta). Metadata defaults to the first delta with an order."""
        items = _as_list(deltas)
        for i, d in enumerate(items):
            if type(d) is not BookDelta:
                raise InvalidInput(f"BookDeltaBatch.from_deltas[{i}]", "must be a BookDelta", d)
        iid = (
            InstrumentId(instrument_id)
            if instrument_id is not None
            else items[0].instrument_id
            if items
            else None
        )
        orders = [d.order for d in items if d.order is not None]
        pp = (
            price_precision
            if price_precision is not None
            else (orders[0].price.precision if orders else None)
        )
        sp = (
            size_precision
            if size_precision is not None
            else (orders[0].size.precision if orders else None)
        )
        if iid is None or pp is None or sp is None:
            raise InvalidInput(
                "BookDeltaBatch.from_deltas",
                "needs instrument_id, price_precision and size_precision when no delta has an "
                "order",
            )
        row = _first_mismatch(items, attrgetter("instrument_id"), iid)
        if row >= 0:
            raise InvalidInput(
                f"BookDeltaBatch.from_deltas[{row}].instrument_id",
                f"must be {iid}; group mixed data by instrument first",
                items[row].instrument_id,
            )
        want = (pp, sp)
        for i, d in enumerate(items):
            o = d.order
            if o is not None and (o.price.precision, o.size.precision) != want:
                raise InvalidInput(
                    f"BookDeltaBatch.from_deltas[{i}].order",
                    f"must have (price precision, size precision) = {want}",
                    (o.price.precision, o.size.precision),
                )
        try:
            arr = np.array(list(map(_delta_row, items)), dtype=BOOK_DELTA_DTYPE)
        except OverflowError:
            raise ValueOutOfRange(
                "BookDeltaBatch.from_deltas", "a value does not fit its column"
            ) from None
        batch = object.__new__(cls)
        batch._set(arr.reshape(-1), iid, pp, sp)
        return batch

    @classmethod
    def from_arrays(
        cls,
        *,
        instrument_id: InstrumentId | str,
        price_precision: int,
        size_precision: int,
        action: npt.ArrayLike,
        side: npt.ArrayLike,
        price: npt.ArrayLike,
        size: npt.ArrayLike,
        ts_event: npt.ArrayLike,
        ts_init: npt.ArrayLike | None = None,
        order_id: npt.ArrayLike | None = None,
        flags: npt.ArrayLike | None = None,
        sequence: npt.ArrayLike | None = None,
    ) -> BookDeltaBatch:
        """A batch from plain integer columns: enum values, raw prices and sizes
        (``ts_init`` defaults to ``ts_event``; order_id, flags and sequence to 0)."""
        cols: dict[str, object] = {
            "action": action,
            "side": side,
            "price": price,
            "size": size,
            "ts_event": ts_event,
            "ts_init": ts_event if ts_init is None else ts_init,
        }
        optional = (("order_id", order_id), ("flags", flags), ("sequence", sequence))
        cols.update({name: values for name, values in optional if values is not None})
        arr = _fill(BOOK_DELTA_DTYPE, _n_rows(cols, "BookDeltaBatch"), cols, "BookDeltaBatch")
        batch = object.__new__(cls)
        batch._set(arr, instrument_id, price_precision, size_precision)
        return batch

    @classmethod
    def from_ticks_arrays(
        cls,
        action: npt.ArrayLike,
        side: npt.ArrayLike,
        price_ticks: npt.ArrayLike,
        size: npt.ArrayLike,
        ts_event: npt.ArrayLike,
        *,
        instrument_id: InstrumentId | str,
        price_increment_raw: int,
        size_increment_raw: int,
        price_precision: int | None = None,
        size_precision: int | None = None,
        ts_init: npt.ArrayLike | None = None,
        flags: npt.ArrayLike | None = None,
        sequence: npt.ArrayLike | None = None,
    ) -> BookDeltaBatch:
        """A batch from counts of increments, e.g. ``synth.gen_l2``'s depth rows (select
        ``kind == 0`` first; pass ``price_increment_raw=10_000_000`` for its 0.01 tick and
        ``size_increment_raw=1_000_000_000``)."""
        p_inc, pp = _increment(
            "BookDeltaBatch.price_increment_raw", price_increment_raw, price_precision
        )
        s_inc, sp = _increment(
            "BookDeltaBatch.size_increment_raw", size_increment_raw, size_precision
        )
        n = int(np.shape(action)[0]) if np.ndim(action) else 0
        cols: dict[str, object] = {
            "action": action,
            "side": side,
            "price": _ticks_to_raw(
                "BookDeltaBatch.price_ticks", price_ticks, p_inc, PRICE_RAW_MAX, n
            ),
            "size": _sizes_to_raw("BookDeltaBatch.size", size, s_inc, n),
            "ts_event": ts_event,
            "ts_init": ts_event if ts_init is None else ts_init,
        }
        if flags is not None:
            cols["flags"] = flags
        if sequence is not None:
            cols["sequence"] = sequence
        arr = _fill(BOOK_DELTA_DTYPE, n, cols, "BookDeltaBatch")
        batch = object.__new__(cls)
        batch._set(arr, instrument_id, pp, sp)
        return batch


# -- custom data ---------------------------------------------------------------------------
class _CustomLayout:
    """How one custom data type maps to its declared dtype (private, cached per type)."""

    __slots__ = ("dtype", "from_row", "to_row")

    def __init__(self, cls: type[msgspec.Struct]) -> None:
        name = cls.__qualname__
        spec = columnar_dtype(cls)
        if spec is None:
            raise InvalidInput(
                f"{name}.columnar_dtype",
                "must be declared: register_data_type(cls, columnar_dtype=...)",
            )
        try:
            dtype = np.dtype(spec)  # type: ignore[call-overload]
        except TypeError as exc:
            raise InvalidInput(
                f"{name}.columnar_dtype", f"is not a NumPy dtype ({exc})", spec
            ) from None
        names = dtype.names
        if names is None:
            raise InvalidInput(f"{name}.columnar_dtype", "must be a structured dtype", str(dtype))
        info = msgspec.inspect.type_info(cls)
        assert isinstance(info, msgspec.inspect.StructType)
        fields = [f.name for f in info.fields]
        if sorted(fields) != sorted(names):
            raise InvalidInput(
                f"{name}.columnar_dtype",
                f"must have exactly the struct's fields {fields}",
                list(names),
            )
        converters: list[Callable[[Any], Any] | None] = []
        for f in info.fields:
            kind = dtype[f.name].kind
            ftype = f.type
            if isinstance(ftype, msgspec.inspect.IntType):
                ok = kind in "iu"
                conv = None
            elif isinstance(ftype, msgspec.inspect.BoolType):
                ok, conv = kind == "b", None
            elif isinstance(ftype, msgspec.inspect.FloatType):
                ok, conv = kind == "f" and dtype[f.name].itemsize == 8, None
            elif isinstance(ftype, msgspec.inspect.BytesType):
                ok, conv = kind == "S", None
            elif isinstance(ftype, msgspec.inspect.EnumType) and all(
                isinstance(m.value, int) for m in ftype.cls
            ):
                ok = kind in "iu"
                members = {int(m.value): m for m in ftype.cls}
                conv = members.__getitem__
            else:
                ok, conv = False, None
            if not ok:
                raise InvalidInput(
                    f"{name}.{f.name}",
                    "must be an int, bool, float, bytes or int enum field matching its dtype "
                    f"kind (dtype {dtype[f.name]})",
                    ftype,
                )
            converters.append(conv)
        for ts in ("ts_event", "ts_init"):
            if dtype[ts].kind not in "iu" or dtype[ts].itemsize != 8:
                raise InvalidInput(
                    f"{name}.columnar_dtype.{ts}", "must be a 64-bit integer", str(dtype[ts])
                )
        self.dtype = dtype
        self.to_row: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
        order = itemgetter(*[names.index(f) for f in fields])
        convs = tuple(converters)
        if any(c is not None for c in convs):

            def from_row(row: tuple[Any, ...]) -> Any:
                values = order(row)
                return cls(*[v if c is None else c(v) for v, c in zip(values, convs, strict=True)])

        else:

            def from_row(row: tuple[Any, ...]) -> Any:
                return cls(*order(row))

        self.from_row = from_row


_LAYOUTS: Final[dict[type, _CustomLayout]] = {}


def _layout(cls: type[msgspec.Struct]) -> _CustomLayout:
    layout = _LAYOUTS.get(cls)
    if layout is None:
        data_type_name(cls)  # raises unless registered
        layout = _LAYOUTS[cls] = _CustomLayout(cls)
    return layout


class CustomBatch(_Batch[Any]):
    """Rows of a registered custom data type that declared a ``columnar_dtype``.

    The dtype's fields are the struct's fields (any order); supported field types are int,
    bool, float, bytes and int enums, so a round trip is exact. Store fixed-point values in
    such a struct as raw ints.
    """

    __slots__ = ("_data_type", "_layout")

    def __init__(self, data_type: type[msgspec.Struct], array: object) -> None:
        layout = _layout(data_type)
        arr = np.asarray(array)
        if arr.dtype != layout.dtype or arr.ndim != 1:
            raise InvalidInput(
                "CustomBatch.array", f"must be a 1-D array of dtype {layout.dtype}", str(arr.dtype)
            )
        arr = arr.copy()
        _check_ts(arr["ts_event"], "CustomBatch.ts_event")
        _check_ts(arr["ts_init"], "CustomBatch.ts_init")
        self._data_type = data_type
        self._layout = layout
        self._array = _freeze(arr)

    @property
    def data_type(self) -> type[msgspec.Struct]:
        """The struct type of every row."""
        return self._data_type

    def _meta(self) -> tuple[Any, ...]:
        return (self._data_type,)

    def _with(self, array: _Array) -> Self:
        new = object.__new__(type(self))
        new._data_type = self._data_type
        new._layout = self._layout
        new._array = array
        return new

    def _objects(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        return list(map(self._layout.from_row, rows))

    def to_items(self) -> list[Any]:
        """Every row as an instance of :attr:`data_type`."""
        return self._objects(self._array.tolist())

    @classmethod
    def from_items(
        cls, items: Iterable[Any], data_type: type[msgspec.Struct] | None = None
    ) -> CustomBatch:
        """A batch of ``items`` (all of one registered type; give ``data_type`` if empty)."""
        values = _as_list(items)
        if data_type is None:
            if not values:
                raise InvalidInput("CustomBatch.from_items", "needs data_type for no items")
            data_type = type(values[0])
        for i, v in enumerate(values):
            if type(v) is not data_type:
                raise InvalidInput(
                    f"CustomBatch.from_items[{i}]", f"must be a {data_type.__qualname__}", v
                )
        layout = _layout(data_type)
        try:
            arr = np.array(list(map(layout.to_row, values)), dtype=layout.dtype)
        except (OverflowError, ValueError, TypeError) as exc:
            raise InvalidInput(
                "CustomBatch.from_items", f"a value does not fit its column ({exc})"
            ) from None
        batch = cls.__new__(cls)
        _check_ts(arr["ts_event"], "CustomBatch.ts_event")
        _check_ts(arr["ts_init"], "CustomBatch.ts_init")
        batch._data_type = data_type
        batch._layout = layout
        batch._array = _freeze(arr)
        return batch
