"""CSV and Parquet loading: exact decimals, streaming in chunks, round trips, typed errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lyra.backtest.data import (
    iter_csv_quotes,
    iter_csv_trades,
    iter_parquet,
    iter_parquet_deltas,
    iter_parquet_quotes,
    iter_parquet_trades,
    parse_timestamp,
    read_parquet,
    write_csv,
    write_parquet,
)
from lyra.backtest.synthetic import generate_l2, generate_market, generate_quotes
from lyra.errors import InvalidInput, PrecisionError, ValueOutOfRange
from lyra.model.columnar import QuoteBatch, TradeBatch
from lyra.model.instruments import CurrencyPair

pa = pytest.importorskip("pyarrow", reason="Parquet tests need the optional pyarrow")

INST = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.05", size_increment="0.001")
_TMP = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- CSV parsing ---------------------------------------------------------------------------
def test_csv_quotes_exact_decimals(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "q.csv",
        "ts_event,bid_price,ask_price,bid_size,ask_size,venue\n"
        "1000,0.15,0.2,1.5,0.001,X\n"
        "2024-01-01T00:00:00.5Z,43210.05,43210.10,2,3.000,X\n",
    )
    (batch,) = iter_csv_quotes(p, INST)
    assert batch.instrument_id == INST.id
    assert (batch.price_precision, batch.size_precision) == (2, 3)
    ticks = batch.to_ticks()
    assert str(ticks[0].bid_price) == "0.15" and str(ticks[0].bid_size) == "1.500"
    assert str(ticks[1].ask_price) == "43210.10" and str(ticks[1].ask_size) == "3.000"
    assert ticks[0].ts_event == ticks[0].ts_init == 1000
    assert ticks[1].ts_event == 1_704_067_200_500_000_000


def test_parse_timestamp_forms() -> None:
    assert parse_timestamp("1704067200000000001") == 1_704_067_200_000_000_001
    assert parse_timestamp("2024-01-01T00:00:00Z") == 1_704_067_200_000_000_000
    assert parse_timestamp("2024-01-01 00:00:00.123456789") == 1_704_067_200_123_456_789
    assert parse_timestamp("2024-01-01T01:00:00+01:00") == 1_704_067_200_000_000_000
    for bad in ("yesterday", "2024-13-01T00:00:00", "1.5", "-5"):
        with pytest.raises(InvalidInput):
            parse_timestamp(bad)


@pytest.mark.parametrize(
    ("line", "error", "column"),
    [
        ("1000,0.13,0.2,1,1", PrecisionError, "bid_price"),  # off the 0.05 grid
        ("1000,0.15,0.2,1.0001,1", PrecisionError, "bid_size"),  # finer than 0.001
        ("1000,0.15,1e3,1,1", InvalidInput, "ask_price"),  # no exponents
        ("1000,0.15,0.2,1,-1", ValueOutOfRange, "ask_size"),
        ("soon,0.15,0.2,1,1", InvalidInput, "ts_event"),
        ("1000,0.15,0.2,1,0.0000000001", PrecisionError, "ask_size"),
        ("1000,0.15,0.2,1,99999999999999999999999", ValueOutOfRange, "ask_size"),
        ("1000,-9999999999999999999.95,0.2,1,1", ValueOutOfRange, "bid_price"),
        ("99999999999999999999,0.15,0.2,1,1", ValueOutOfRange, "ts_event"),
    ],
)
def test_csv_bad_values_name_line_and_column(
    tmp_path: Path, line: str, error: type[Exception], column: str
) -> None:
    p = _write(
        tmp_path / "bad.csv",
        "ts_event,bid_price,ask_price,bid_size,ask_size\n1,0.1,0.2,1,1\n" + line + "\n",
    )
    with pytest.raises(error) as info:
        list(iter_csv_quotes(p, INST))
    assert isinstance(info.value, InvalidInput)
    assert info.value.field == f"bad.csv[line 3].{column}"


def test_csv_missing_columns_and_short_rows(tmp_path: Path) -> None:
    p = _write(tmp_path / "q.csv", "ts_event,bid_price,ask_price,bid_size\n1,1,1,1\n")
    with pytest.raises(InvalidInput, match=r"missing columns \['ask_size'\]"):
        list(iter_csv_quotes(p, INST))
    p = _write(tmp_path / "s.csv", "ts_event,bid_price,ask_price,bid_size,ask_size\n1,1,1,1\n")
    with pytest.raises(InvalidInput, match=r"s\.csv\[line 2\]"):
        list(iter_csv_quotes(p, INST))
    with pytest.raises(InvalidInput, match="header"):
        list(iter_csv_quotes(_write(tmp_path / "e.csv", ""), INST))
    with pytest.raises(InvalidInput, match="chunk_rows"):
        list(iter_csv_quotes(p, INST, chunk_rows=0))


def test_csv_trades(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "t.csv",
        "trade_id,ts_event,price,size,aggressor_side,ts_init\n"
        "a1,10,100.05,0.5,BUYER,11\n"
        "a2,20,100.00,1,sell,21\n"
        "a3,30,99.95,2,0,31\n",
    )
    (batch,) = iter_csv_trades(p, INST)
    ticks = batch.to_ticks()
    assert [t.trade_id for t in ticks] == ["a1", "a2", "a3"]
    assert [int(t.aggressor_side) for t in ticks] == [1, 2, 0]
    assert [str(t.price) for t in ticks] == ["100.05", "100.00", "99.95"]
    assert [t.ts_init for t in ticks] == [11, 21, 31]
    bad = _write(tmp_path / "b.csv", p.read_text().replace("sell", "up"))
    with pytest.raises(InvalidInput) as info:
        list(iter_csv_trades(bad, INST))
    assert info.value.field == "b.csv[line 3].aggressor_side"
    bad = _write(tmp_path / "c.csv", p.read_text().replace("a3", "a 3"))
    with pytest.raises(InvalidInput) as info:
        list(iter_csv_trades(bad, INST))
    assert info.value.field == "c.csv[line 4].trade_id"


# -- streaming -----------------------------------------------------------------------------
def test_csv_streams_in_chunks(tmp_path: Path) -> None:
    q, t = generate_market([INST], 2500, seed=4)[INST.id]
    write_csv(q, tmp_path / "q.csv")
    write_csv(t, tmp_path / "t.csv")
    chunks = list(iter_csv_quotes(tmp_path / "q.csv", INST, chunk_rows=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert QuoteBatch.concat(chunks) == q
    tchunks = list(iter_csv_trades(tmp_path / "t.csv", INST, chunk_rows=64))
    assert len(tchunks) == -(-len(t) // 64) > 1
    assert TradeBatch.concat(tchunks) == t


def test_parquet_streams_in_chunks(tmp_path: Path) -> None:
    q = generate_quotes(10_000, 1)
    path = tmp_path / "q.parquet"
    write_parquet(q, path, row_group_rows=3000)
    pf = pa.parquet.ParquetFile(str(path))
    assert pf.num_row_groups == 4
    chunks = list(iter_parquet_quotes(path, chunk_rows=2048))
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= 2048
    assert QuoteBatch.concat(chunks) == q
    assert read_parquet(path) == q


# -- round trips ---------------------------------------------------------------------------
def test_parquet_round_trips_every_kind(tmp_path: Path) -> None:
    l2 = generate_l2(4000, 2, p_trade=0.1)
    q = generate_quotes(500, 3)
    for batch, reader in (
        (q, iter_parquet_quotes),
        (l2.trades, iter_parquet_trades),
        (l2.deltas, iter_parquet_deltas),
    ):
        path = tmp_path / "x.parquet"
        write_parquet(batch, path, row_group_rows=700)
        chunks: list[Any] = list(reader(path, chunk_rows=300))
        back = type(batch).concat(chunks)
        assert back == batch
        meta = pa.parquet.ParquetFile(str(path)).schema_arrow.metadata
        assert meta[b"lyra.instrument_id"] == str(batch.instrument_id).encode()
        assert meta[b"lyra.price_precision"] == str(batch.price_precision).encode()


def test_parquet_kind_and_instrument_checks(tmp_path: Path) -> None:
    q = generate_quotes(10, 3)
    path = tmp_path / "q.parquet"
    write_parquet(q, path)
    with pytest.raises(InvalidInput, match="TradeBatch"):
        list(iter_parquet_trades(path))
    with pytest.raises(InvalidInput, match="must match instrument"):
        list(iter_parquet(path, instrument=INST))
    plain = tmp_path / "plain.parquet"
    pa.parquet.write_table(pa.table({"x": [1, 2]}), str(plain))
    with pytest.raises(InvalidInput, match="Lyra columnar file"):
        list(iter_parquet(plain))
    empty = tmp_path / "empty.parquet"
    write_parquet(q[:0], empty)
    assert read_parquet(empty) == q[:0]


_decimals = st.integers(min_value=1, max_value=10**7)


@_TMP
@given(
    rows=st.lists(
        st.tuples(_decimals, _decimals, _decimals, _decimals, st.integers(0, 2**62)),
        max_size=20,
    ),
    chunk=st.integers(1, 7),
)
def test_quote_round_trip_property(
    tmp_path: Path, rows: list[tuple[int, int, int, int, int]], chunk: int
) -> None:
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[]] * 5
    q = QuoteBatch.from_ticks_arrays(
        np.array(cols[0], np.int64),
        np.array(cols[1], np.int64),
        np.array(cols[2], np.int64),
        np.array(cols[3], np.int64),
        np.array(cols[4], np.int64),
        instrument_id=INST.id,
        price_increment_raw=INST.price_increment.raw,
        size_increment_raw=INST.size_increment.raw,
        price_precision=INST.price_precision,
        size_precision=INST.size_precision,
    )
    write_csv(q, tmp_path / "p.csv")
    got = list(iter_csv_quotes(tmp_path / "p.csv", INST, chunk_rows=chunk))
    assert len(got) == -(-len(q) // chunk)
    if got:
        assert QuoteBatch.concat(got) == q
    write_parquet(q, tmp_path / "p.parquet", row_group_rows=chunk)
    assert read_parquet(tmp_path / "p.parquet") == q


@_TMP
@given(
    rows=st.lists(
        st.tuples(
            _decimals,
            _decimals,
            st.sampled_from([0, 1, 2]),
            st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64),
            st.integers(0, 2**62),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_trade_round_trip_property(
    tmp_path: Path, rows: list[tuple[int, int, int, str, int]]
) -> None:
    p, s, side, tid, ts = zip(*rows, strict=True)
    t = TradeBatch.from_arrays(
        instrument_id=INST.id,
        price_precision=INST.price_precision,
        size_precision=INST.size_precision,
        price=np.array(p, np.int64) * INST.price_increment.raw,
        size=np.array(s, np.uint64) * np.uint64(INST.size_increment.raw),
        aggressor_side=np.array(side, np.uint8),
        trade_id=np.array(tid, dtype="U64"),
        ts_event=np.array(ts, np.int64),
    )
    write_csv(t, tmp_path / "t.csv")
    assert TradeBatch.concat(list(iter_csv_trades(tmp_path / "t.csv", INST, chunk_rows=3))) == t
    write_parquet(t, tmp_path / "t.parquet", row_group_rows=4)
    assert read_parquet(tmp_path / "t.parquet") == t


def test_write_rejects_other_objects(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        write_parquet("nope", tmp_path / "x.parquet")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        write_csv(generate_l2(300).deltas, tmp_path / "x.csv")  # type: ignore[arg-type]


def test_missing_pyarrow_is_a_typed_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from lyra.errors import MissingDependency

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingDependency, match="pip install pyarrow"):
        write_parquet(generate_quotes(3), tmp_path / "x.parquet")
    with pytest.raises(MissingDependency, match="pip install pyarrow"):
        list(iter_parquet(tmp_path / "x.parquet"))
