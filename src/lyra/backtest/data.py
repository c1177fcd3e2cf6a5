"""Load market data from CSV and Parquet files into columnar batches, in chunks.

Readers are generators: they read ``chunk_rows`` rows at a time and yield one batch per chunk,
so a file larger than memory streams through. CSV decimals are parsed to integer ticks exactly
(no floats): a value off the instrument's grid raises :class:`~lyra.errors.PrecisionError`
naming the file, the line and the column.

Parquet files in the *Lyra columnar format* (see ``docs/explanation/data-format.md``) hold
one batch kind of one instrument: the columns of the batch's dtype and key-value metadata
(``lyra.kind``, ``lyra.instrument_id``, ``lyra.price_precision``, ``lyra.size_precision``,
``lyra.format_version``), so :func:`write_parquet` then :func:`read_parquet` round-trips
exactly. Parquet needs the optional dependency ``pyarrow``.
"""

from __future__ import annotations

import csv
import importlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np

from lyra.errors import InvalidInput, MissingDependency, PrecisionError, ValueOutOfRange
from lyra.model.columnar import (
    BOOK_DELTA_DTYPE,
    QUOTE_DTYPE,
    TRADE_DTYPE,
    BookDeltaBatch,
    QuoteBatch,
    TradeBatch,
)
from lyra.model.enums import AggressorSide
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION, PRICE_RAW_MAX

__all__ = (
    "FORMAT_VERSION",
    "QUOTE_CSV_COLUMNS",
    "TRADE_CSV_COLUMNS",
    "iter_csv_quotes",
    "iter_csv_trades",
    "iter_parquet",
    "iter_parquet_deltas",
    "iter_parquet_quotes",
    "iter_parquet_trades",
    "parse_timestamp",
    "read_parquet",
    "write_csv",
    "write_parquet",
)

_PathLike = str | PathLike[str]
_AnyBatch = QuoteBatch | TradeBatch | BookDeltaBatch
_B = TypeVar("_B", QuoteBatch, TradeBatch, BookDeltaBatch)

FORMAT_VERSION: Final = "1"
"""Version of the Lyra columnar (Parquet) format written by :func:`write_parquet`."""

QUOTE_CSV_COLUMNS: Final = ("ts_event", "bid_price", "ask_price", "bid_size", "ask_size")
"""Required header columns of a quote CSV (``ts_init`` is optional; others are ignored)."""
TRADE_CSV_COLUMNS: Final = ("ts_event", "price", "size", "aggressor_side", "trade_id")
"""Required header columns of a trade CSV (``ts_init`` is optional; others are ignored)."""

_DEFAULT_CHUNK: Final = 100_000
_INT64_MAX: Final = 2**63 - 1
_UINT64_MAX: Final = 2**64 - 1
_DECIMAL: Final = re.compile(r"\s*([+-]?)(\d*)(?:\.(\d*))?\s*\Z")
_ISO: Final = re.compile(
    r"\s*(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?\s*\Z"
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_AGGRESSOR_NAMES: Final = {
    **{m.name: int(m) for m in AggressorSide},
    **{str(int(m)): int(m) for m in AggressorSide},
    "BUY": int(AggressorSide.BUYER),
    "SELL": int(AggressorSide.SELLER),
    "": int(AggressorSide.NO_AGGRESSOR),
}
_KINDS: Final[dict[str, type[_AnyBatch]]] = {
    "quotes": QuoteBatch,
    "trades": TradeBatch,
    "book_deltas": BookDeltaBatch,
}


# -- parsing helpers -----------------------------------------------------------------------
def _raw(text: str, field: str) -> int:
    """A decimal string as its exact raw value (value * 10**9); no exponents, no floats."""
    m = _DECIMAL.match(text)
    if m is None or not (m.group(2) or m.group(3)):
        raise InvalidInput(field, "must be a decimal number like 1.2345", text)
    sign, whole, frac = m.group(1), m.group(2) or "0", m.group(3) or ""
    if len(frac) > FIXED_PRECISION:
        if frac[FIXED_PRECISION:].strip("0"):
            raise PrecisionError(field, f"has more than {FIXED_PRECISION} decimals", text)
        frac = frac[:FIXED_PRECISION]
    raw = int(whole) * 10**FIXED_PRECISION + int(frac.ljust(FIXED_PRECISION, "0") or "0")
    return -raw if sign == "-" else raw


def _on_grid(text: str, field: str, increment_raw: int, what: str) -> int:
    q, r = divmod(_raw(text, field), increment_raw)
    if r:
        raise PrecisionError(field, f"is not a multiple of the instrument's {what}", text)
    return q


def parse_timestamp(text: str, field: str = "ts_event") -> int:
    """Nanoseconds since the epoch from an integer (ns) or an ISO-8601 string.

    ISO strings may carry up to 9 fractional digits and a ``Z`` or ``+HH:MM`` offset; without
    an offset they are read as UTC. Raises :class:`~lyra.errors.InvalidInput` otherwise.
    """
    s = text.strip()
    if s.isdigit():
        return int(s)
    m = _ISO.match(s)
    if m is None:
        raise InvalidInput(field, "must be integer ns or an ISO-8601 timestamp", text)
    base, frac, tz = m.group(1), m.group(2) or "", m.group(3) or "+00:00"
    if tz == "Z":
        tz = "+00:00"
    try:
        dt = datetime.fromisoformat(base.replace(" ", "T") + tz)
    except ValueError:
        raise InvalidInput(field, "is not a valid date and time", text) from None
    seconds = (dt - _EPOCH) // _ONE_SECOND
    ns = seconds * 1_000_000_000 + int(frac.ljust(9, "0"))
    if ns < 0:
        raise ValueOutOfRange(field, "must not be before 1970-01-01", text)
    return ns


_ONE_SECOND: Final = datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC) - _EPOCH


def _header(reader: Iterator[list[str]], path: Path, required: tuple[str, ...]) -> dict[str, int]:
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(f"{path.name}[line 1]", "must be a header row", "") from None
    index = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in required if c not in index]
    if missing:
        raise InvalidInput(f"{path.name}[line 1]", f"is missing columns {missing}", header)
    return index


def _cells(
    reader: Any, path: Path, index: dict[str, int], names: tuple[str, ...], chunk_rows: int
) -> Iterator[tuple[list[int], list[list[str]]]]:
    """(line numbers, [column cells...]) per chunk of up to ``chunk_rows`` data rows."""
    cols = [index[c] for c in names]
    width = max(cols) + 1
    lines: list[int] = []
    rows: list[list[str]] = []
    for row in reader:
        if not row:
            continue
        line = reader.line_num
        if len(row) < width:
            raise InvalidInput(f"{path.name}[line {line}]", f"must have {width} columns", row)
        lines.append(line)
        rows.append([row[i] for i in cols])
        if len(rows) == chunk_rows:
            yield lines, [list(c) for c in zip(*rows, strict=True)]
            lines, rows = [], []
    if rows:
        yield lines, [list(c) for c in zip(*rows, strict=True)]


def _check_chunk(chunk_rows: object) -> int:
    if type(chunk_rows) is not int or chunk_rows < 1:
        raise InvalidInput("chunk_rows", "must be an int >= 1", chunk_rows)
    return chunk_rows


def _column(
    path: Path, lines: list[int], name: str, cells: list[str], parse: Any, *args: Any
) -> list[int]:
    out: list[int] = []
    append = out.append
    i = 0
    try:
        for i, text in enumerate(cells):  # noqa: B007  # i names the bad row below
            append(parse(text, name, *args))
    except InvalidInput as exc:
        raise type(exc)(f"{path.name}[line {lines[i]}].{name}", exc.rule, exc.value) from None
    return out


def _bounded(
    path: Path, lines: list[int], name: str, cells: list[str], values: list[int], lo: int, hi: int
) -> list[int]:
    """``values`` unchanged, or a typed error naming the first value outside ``lo..hi``."""
    if values and (min(values) < lo or max(values) > hi):
        i = next(i for i, v in enumerate(values) if not lo <= v <= hi)
        rule = "must be >= 0" if lo == 0 and values[i] < 0 else "is out of the raw range"
        raise ValueOutOfRange(f"{path.name}[line {lines[i]}].{name}", rule, cells[i])
    return values


def _sizes(path: Path, lines: list[int], name: str, cells: list[str], inst: Instrument) -> Any:
    inc = inst.size_increment.raw
    lots = _column(path, lines, name, cells, _on_grid, inc, "size_increment")
    return np.array(_bounded(path, lines, name, cells, lots, 0, _UINT64_MAX // inc), np.uint64)


def _ticks(path: Path, lines: list[int], name: str, cells: list[str], inst: Instrument) -> Any:
    inc = inst.price_increment.raw
    ticks = _column(path, lines, name, cells, _on_grid, inc, "price_increment")
    bound = PRICE_RAW_MAX // inc
    return np.array(_bounded(path, lines, name, cells, ticks, -bound, bound), np.int64)


def _times(path: Path, lines: list[int], name: str, cells: list[str]) -> Any:
    ts = _column(path, lines, name, cells, parse_timestamp)
    return np.array(_bounded(path, lines, name, cells, ts, 0, _INT64_MAX), np.int64)


# -- CSV -----------------------------------------------------------------------------------
def iter_csv_quotes(
    path: _PathLike, instrument: Instrument, *, chunk_rows: int = _DEFAULT_CHUNK
) -> Iterator[QuoteBatch]:
    """Yield the quotes of a CSV file as :class:`QuoteBatch` es of up to ``chunk_rows`` rows.

    The header must name :data:`QUOTE_CSV_COLUMNS` (any order; ``ts_init`` optional, other
    columns ignored). Prices and sizes are decimal strings on the instrument's grid;
    timestamps integer ns or ISO-8601. Errors name the file, line and column.
    """
    chunk_rows = _check_chunk(chunk_rows)
    p = Path(path)
    p_inc, s_inc = instrument.price_increment.raw, instrument.size_increment.raw
    with p.open(newline="") as f:
        reader = csv.reader(f)
        index = _header(reader, p, QUOTE_CSV_COLUMNS)
        names = QUOTE_CSV_COLUMNS + (("ts_init",) if "ts_init" in index else ())
        for lines, cols in _cells(reader, p, index, names, chunk_rows):
            ts = _times(p, lines, "ts_event", cols[0])
            yield QuoteBatch.from_ticks_arrays(
                _ticks(p, lines, "bid_price", cols[1], instrument),
                _ticks(p, lines, "ask_price", cols[2], instrument),
                _sizes(p, lines, "bid_size", cols[3], instrument),
                _sizes(p, lines, "ask_size", cols[4], instrument),
                ts,
                instrument_id=instrument.id,
                price_increment_raw=p_inc,
                size_increment_raw=s_inc,
                price_precision=instrument.price_precision,
                size_precision=instrument.size_precision,
                ts_init=_times(p, lines, "ts_init", cols[5]) if len(cols) > 5 else None,
            )


def _aggressor(text: str, field: str) -> int:
    value = _AGGRESSOR_NAMES.get(text.strip().upper())
    if value is None:
        raise InvalidInput(field, "must be BUYER, SELLER, NO_AGGRESSOR (or 1, 2, 0)", text)
    return value


def iter_csv_trades(
    path: _PathLike, instrument: Instrument, *, chunk_rows: int = _DEFAULT_CHUNK
) -> Iterator[TradeBatch]:
    """Yield the trades of a CSV file as :class:`TradeBatch` es of up to ``chunk_rows`` rows.

    The header must name :data:`TRADE_CSV_COLUMNS` (``ts_init`` optional). ``aggressor_side``
    is ``BUYER``/``SELLER``/``NO_AGGRESSOR`` (also ``BUY``/``SELL``, ``1``/``2``/``0``).
    """
    chunk_rows = _check_chunk(chunk_rows)
    p = Path(path)
    p_inc, s_inc = instrument.price_increment.raw, instrument.size_increment.raw
    with p.open(newline="") as f:
        reader = csv.reader(f)
        index = _header(reader, p, TRADE_CSV_COLUMNS)
        names = TRADE_CSV_COLUMNS + (("ts_init",) if "ts_init" in index else ())
        for lines, cols in _cells(reader, p, index, names, chunk_rows):
            ts = _times(p, lines, "ts_event", cols[0])
            ticks = _ticks(p, lines, "price", cols[1], instrument)
            lots = _sizes(p, lines, "size", cols[2], instrument)
            side = np.array(_column(p, lines, "aggressor_side", cols[3], _aggressor), np.uint8)
            ids = cols[4]
            for i, tid in enumerate(ids):
                if (
                    not tid
                    or len(tid) > 64
                    or not tid.isascii()
                    or not tid.isprintable()
                    or " " in tid
                ):
                    raise InvalidInput(
                        f"{p.name}[line {lines[i]}].trade_id",
                        "must be 1-64 printable ASCII characters",
                        tid,
                    )
            yield TradeBatch.from_arrays(
                instrument_id=instrument.id,
                price_precision=instrument.price_precision,
                size_precision=instrument.size_precision,
                price=ticks * np.int64(p_inc),
                size=lots * np.uint64(s_inc),
                aggressor_side=side,
                trade_id=np.array(ids, dtype="U64"),
                ts_event=ts,
                ts_init=_times(p, lines, "ts_init", cols[5]) if len(cols) > 5 else None,
            )


def _decimal_text(raw: int, precision: int) -> str:
    digits = raw // 10 ** (FIXED_PRECISION - precision)
    sign = "-" if digits < 0 else ""
    digits = abs(digits)
    if precision == 0:
        return f"{sign}{digits}"
    whole, frac = divmod(digits, 10**precision)
    return f"{sign}{whole}.{frac:0{precision}d}"


def write_csv(batch: QuoteBatch | TradeBatch, path: _PathLike) -> None:
    """Write a quote or trade batch as CSV in the columns its reader expects (plus
    ``ts_init``), decimals at the batch's precisions, timestamps as integer ns."""
    arr = batch.array
    pp, sp = batch.price_precision, batch.size_precision
    with Path(path).open("w", newline="") as f:
        w = csv.writer(f)
        if isinstance(batch, QuoteBatch):
            w.writerow((*QUOTE_CSV_COLUMNS, "ts_init"))
            for b, a, bs, az, te, ti in arr.tolist():
                w.writerow(
                    (
                        te,
                        _decimal_text(b, pp),
                        _decimal_text(a, pp),
                        _decimal_text(bs, sp),
                        _decimal_text(az, sp),
                        ti,
                    )
                )
        elif isinstance(batch, TradeBatch):
            w.writerow((*TRADE_CSV_COLUMNS, "ts_init"))
            names = {int(m): m.name for m in AggressorSide}
            for p, s, te, ti, tid, side in arr.tolist():
                w.writerow(
                    (
                        te,
                        _decimal_text(p, pp),
                        _decimal_text(s, sp),
                        names[side],
                        tid.decode("ascii"),
                        ti,
                    )
                )
        else:
            raise InvalidInput("write_csv.batch", "must be a QuoteBatch or a TradeBatch", batch)


# -- Parquet -------------------------------------------------------------------------------
def _pyarrow() -> tuple[Any, Any]:
    try:
        # import_module keeps pyarrow optional and untyped code out of mypy's view
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise MissingDependency(
            "Parquet support needs the optional dependency pyarrow: pip install pyarrow"
        ) from exc
    return pa, pq


def _kind_of(batch: object) -> str:
    for kind, cls in _KINDS.items():
        if type(batch) is cls:
            return kind
    raise InvalidInput(
        "write_parquet.batch", "must be a QuoteBatch, TradeBatch or BookDeltaBatch", batch
    )


def write_parquet(batch: _AnyBatch, path: _PathLike, *, row_group_rows: int = 1_000_000) -> None:
    """Write ``batch`` as a Lyra columnar Parquet file (one column per dtype field, the
    instrument and precisions in the file's metadata; ``row_group_rows`` rows per group)."""
    pa, pq = _pyarrow()
    kind = _kind_of(batch)
    if type(row_group_rows) is not int or row_group_rows < 1:
        raise InvalidInput("write_parquet.row_group_rows", "must be an int >= 1", row_group_rows)
    arr = batch.array
    columns: dict[str, Any] = {}
    for name in arr.dtype.names or ():
        col = np.ascontiguousarray(arr[name])
        if col.dtype.kind == "S":
            # numpy strips the NUL padding; ids are ASCII, so a string column is exact
            columns[name] = pa.array(np.char.decode(col, "ascii").tolist(), type=pa.string())
        else:
            columns[name] = pa.array(col)
    meta = {
        "lyra.format_version": FORMAT_VERSION,
        "lyra.kind": kind,
        "lyra.instrument_id": str(batch.instrument_id),
        "lyra.price_precision": str(batch.price_precision),
        "lyra.size_precision": str(batch.size_precision),
    }
    table = pa.table(columns).replace_schema_metadata(meta)
    pq.write_table(table, str(path), row_group_size=row_group_rows)


def _file_meta(pf: Any, path: Path) -> tuple[str, str, int, int]:
    raw = pf.schema_arrow.metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items()}
    field = f"{path.name}.metadata"
    if meta.get("lyra.format_version") != FORMAT_VERSION:
        raise InvalidInput(
            field,
            f"must be a Lyra columnar file (lyra.format_version {FORMAT_VERSION})",
            meta.get("lyra.format_version"),
        )
    kind = meta.get("lyra.kind", "")
    if kind not in _KINDS:
        raise InvalidInput(f"{field}.lyra.kind", f"must be one of {sorted(_KINDS)}", kind)
    try:
        pp = int(meta["lyra.price_precision"])
        sp = int(meta["lyra.size_precision"])
        iid = meta["lyra.instrument_id"]
    except (KeyError, ValueError):
        raise InvalidInput(field, "must hold instrument_id and integer precisions", meta) from None
    return kind, iid, pp, sp


_DTYPES: Final = {"quotes": QUOTE_DTYPE, "trades": TRADE_DTYPE, "book_deltas": BOOK_DELTA_DTYPE}


def iter_parquet(
    path: _PathLike, *, chunk_rows: int = _DEFAULT_CHUNK, instrument: Instrument | None = None
) -> Iterator[_AnyBatch]:
    """Yield the batches of a Lyra columnar Parquet file, ``chunk_rows`` rows at most each,
    reading record batches (never the whole file). With ``instrument``, the file's instrument
    id and precisions must match it."""
    _, pq = _pyarrow()
    chunk_rows = _check_chunk(chunk_rows)
    p = Path(path)
    pf = pq.ParquetFile(str(p))
    kind, iid, pp, sp = _file_meta(pf, p)
    if instrument is not None and (
        str(instrument.id),
        instrument.price_precision,
        instrument.size_precision,
    ) != (iid, pp, sp):
        raise InvalidInput(
            f"{p.name}.metadata",
            f"must match instrument {instrument.id} (precisions {instrument.price_precision}, "
            f"{instrument.size_precision})",
            (iid, pp, sp),
        )
    cls = _KINDS[kind]
    dtype = _DTYPES[kind]
    names = list(dtype.names or ())
    missing = [n for n in names if n not in pf.schema_arrow.names]
    if missing:
        raise InvalidInput(f"{p.name}.columns", f"is missing columns {missing}")
    for rb in pf.iter_batches(batch_size=chunk_rows, columns=names):
        arr = np.zeros(rb.num_rows, dtype=dtype)
        for name in names:
            col = rb.column(name)
            if dtype[name].kind == "S":
                arr[name] = np.array(col.to_pylist(), dtype=f"U{dtype[name].itemsize}")
            else:
                arr[name] = col.to_numpy(zero_copy_only=False)
        yield cls(arr, instrument_id=iid, price_precision=pp, size_precision=sp)


def _typed(
    path: _PathLike, cls: type[_B], chunk_rows: int, instrument: Instrument | None
) -> Iterator[_B]:
    for batch in iter_parquet(path, chunk_rows=chunk_rows, instrument=instrument):
        if not isinstance(batch, cls):
            raise InvalidInput(
                f"{Path(path).name}.metadata.lyra.kind",
                f"must hold {cls.__name__} rows",
                type(batch).__name__,
            )
        yield batch


def iter_parquet_quotes(
    path: _PathLike, *, chunk_rows: int = _DEFAULT_CHUNK, instrument: Instrument | None = None
) -> Iterator[QuoteBatch]:
    """:func:`iter_parquet` for a file of quotes (another kind raises InvalidInput)."""
    return _typed(path, QuoteBatch, chunk_rows, instrument)


def iter_parquet_trades(
    path: _PathLike, *, chunk_rows: int = _DEFAULT_CHUNK, instrument: Instrument | None = None
) -> Iterator[TradeBatch]:
    """:func:`iter_parquet` for a file of trades (another kind raises InvalidInput)."""
    return _typed(path, TradeBatch, chunk_rows, instrument)


def iter_parquet_deltas(
    path: _PathLike, *, chunk_rows: int = _DEFAULT_CHUNK, instrument: Instrument | None = None
) -> Iterator[BookDeltaBatch]:
    """:func:`iter_parquet` for a file of book deltas (another kind raises InvalidInput)."""
    return _typed(path, BookDeltaBatch, chunk_rows, instrument)


def read_parquet(path: _PathLike, *, instrument: Instrument | None = None) -> _AnyBatch:
    """A whole Lyra columnar Parquet file as one batch (for files that fit in memory)."""
    batches = list(iter_parquet(path, instrument=instrument))
    if not batches:
        # an empty file still has its metadata: build the empty batch from it
        _, pq = _pyarrow()
        p = Path(path)
        kind, iid, pp, sp = _file_meta(pq.ParquetFile(str(p)), p)
        return _KINDS[kind](
            np.zeros(0, _DTYPES[kind]), instrument_id=iid, price_precision=pp, size_precision=sp
        )
    first = batches[0]
    return type(first).concat(batches)  # type: ignore[arg-type]
