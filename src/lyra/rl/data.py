"""The market data a trading environment replays: :class:`EnvData`.

An :class:`EnvData` converts one instrument's :class:`~lyra.model.columnar.QuoteBatch` (L1)
or L2 deltas (:class:`~lyra.backtest.L2Data` / :class:`~lyra.model.columnar.BookDeltaBatch`),
with optional trades, to integer ticks and lots once, and holds them in Rust. Every
environment built on it shares that one copy, so a vector of 64 environments costs no more
memory than one.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lyra._native import RlData
from lyra.backtest.synthetic import L2Data, generate_l2, generate_quotes
from lyra.errors import InvalidInput
from lyra.model.columnar import BookDeltaBatch, QuoteBatch, TradeBatch
from lyra.model.enums import BookType
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION

__all__ = ("EnvData",)

_RAW_ONE: Final = 10**FIXED_PRECISION


def _to_units(raw: npt.NDArray[np.integer], increment: int, field: str) -> npt.NDArray[np.int64]:
    """Raw fixed-point values as whole increments (ticks or lots), exactly."""
    if raw.dtype.kind == "u":
        # sizes: divide unsigned, so that no raw value wraps on the way
        q, r = np.divmod(raw, np.uint64(increment))
        units, rest = q.astype(np.int64), r
    else:
        units, rest = np.divmod(raw.astype(np.int64), np.int64(increment))
    if np.any(rest):
        row = int(np.flatnonzero(rest)[0])
        raise InvalidInput(
            f"{field}[{row}]",
            f"must be a whole multiple of the increment (raw {increment})",
            int(raw[row]),
        )
    return units


def _increments(
    instrument_id: InstrumentId, price_precision: int, size_precision: int, inst: Instrument | None
) -> tuple[int, int, float]:
    """(price increment raw, size increment raw, money per tick per lot)."""
    if inst is None:
        p_inc = 10 ** (FIXED_PRECISION - price_precision)
        s_inc = 10 ** (FIXED_PRECISION - size_precision)
        return p_inc, s_inc, (p_inc / _RAW_ONE) * (s_inc / _RAW_ONE)
    if inst.id != instrument_id:
        raise InvalidInput(
            "EnvData.instrument", f"must be the data's instrument {instrument_id}", inst.id
        )
    p_inc = inst.price_increment.raw
    s_inc = inst.size_increment.raw
    value = float(inst.price_increment) * float(inst.size_increment) * float(inst.multiplier)
    return p_inc, s_inc, value


class EnvData:
    """One instrument's market data, converted to ticks and lots and held in Rust for the
    environments of :mod:`lyra.rl`. Build it with :meth:`from_quotes`, :meth:`from_l2` or
    :meth:`synthetic`.

    Without an ``instrument`` the tick and lot are one unit of the batch's last decimal
    place (``10**-price_precision``, ``10**-size_precision``) and the multiplier is 1.
    """

    __slots__ = (
        "_instrument_id",
        "_native",
        "_price_increment",
        "_size_increment",
        "_source",
        "_tick_value",
    )

    def __init__(
        self,
        native: RlData,
        *,
        instrument_id: InstrumentId,
        price_increment: int,
        size_increment: int,
        tick_value: float,
        source: tuple[Any, ...] = (),
    ) -> None:
        self._native = native
        # what it was built from (a constructor and its arguments), for pickling
        self._source = source
        self._instrument_id = instrument_id
        self._price_increment = price_increment
        self._size_increment = size_increment
        self._tick_value = tick_value

    @classmethod
    def from_quotes(
        cls,
        quotes: QuoteBatch,
        trades: TradeBatch | None = None,
        *,
        instrument: Instrument | None = None,
    ) -> EnvData:
        """L1 data: top-of-book ``quotes`` and optional ``trades`` of the same instrument,
        each in time order.

        Raises:
            InvalidInput: data of another instrument, a price or size off the increment,
                time going back, or trades of another instrument.
        """
        if not isinstance(quotes, QuoteBatch):
            raise InvalidInput("EnvData.from_quotes.quotes", "must be a QuoteBatch", quotes)
        p_inc, s_inc, value = _increments(
            quotes.instrument_id, quotes.price_precision, quotes.size_precision, instrument
        )
        a = quotes.array
        native = RlData.from_quotes(
            np.ascontiguousarray(a["ts_event"]),
            _to_units(a["bid_price"], p_inc, "quotes.bid_price"),
            _to_units(a["ask_price"], p_inc, "quotes.ask_price"),
            _to_units(a["bid_size"], s_inc, "quotes.bid_size").astype(np.uint64),
            _to_units(a["ask_size"], s_inc, "quotes.ask_size").astype(np.uint64),
            _trade_columns(trades, quotes.instrument_id, p_inc, s_inc),
        )
        return cls(
            native,
            instrument_id=quotes.instrument_id,
            price_increment=p_inc,
            size_increment=s_inc,
            tick_value=value,
            source=(_from_quotes, (quotes, trades, instrument)),
        )

    @classmethod
    def from_l2(
        cls,
        data: L2Data | BookDeltaBatch,
        trades: TradeBatch | None = None,
        *,
        instrument: Instrument | None = None,
    ) -> EnvData:
        """L2 data: market-by-price deltas (an :class:`~lyra.backtest.L2Data`, whose trades
        are used, or a :class:`~lyra.model.columnar.BookDeltaBatch` with optional
        ``trades``), in time order.

        Raises:
            InvalidInput: as :meth:`from_quotes`, or a delta with a bad side or action.
        """
        if isinstance(data, L2Data):
            deltas, trades = data.deltas, data.trades if trades is None else trades
        elif isinstance(data, BookDeltaBatch):
            deltas = data
        else:
            raise InvalidInput(
                "EnvData.from_l2.data", "must be an L2Data or a BookDeltaBatch", data
            )
        p_inc, s_inc, value = _increments(
            deltas.instrument_id, deltas.price_precision, deltas.size_precision, instrument
        )
        a = deltas.array
        native = RlData.from_deltas(
            np.ascontiguousarray(a["ts_event"]),
            np.ascontiguousarray(a["side"]),
            np.ascontiguousarray(a["action"]),
            _to_units(a["price"], p_inc, "deltas.price"),
            _to_units(a["size"], s_inc, "deltas.size").astype(np.uint64),
            _trade_columns(trades, deltas.instrument_id, p_inc, s_inc),
        )
        return cls(
            native,
            instrument_id=deltas.instrument_id,
            price_increment=p_inc,
            size_increment=s_inc,
            tick_value=value,
            source=(_from_l2, (deltas, trades, instrument)),
        )

    @classmethod
    def synthetic(cls, n: int = 100_000, seed: int = 42, *, l2: bool = False) -> EnvData:
        """Seeded synthetic data: ``n`` quotes of :func:`lyra.backtest.generate_quotes`, or
        with ``l2`` ``n`` events of :func:`lyra.backtest.generate_l2` with trades (10%)."""
        if l2:
            return cls.from_l2(generate_l2(n, seed, p_trade=0.1))
        return cls.from_quotes(generate_quotes(n, seed))

    @property
    def native(self) -> RlData:
        """The Rust data (:class:`lyra._native.RlData`)."""
        return self._native

    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument."""
        return self._instrument_id

    @property
    def book_type(self) -> BookType:
        """``L1_MBP`` (quotes) or ``L2_MBP`` (deltas)."""
        return BookType(self._native.book_type)

    @property
    def rows(self) -> int:
        """Rows: book rows plus trades."""
        return self._native.rows

    @property
    def trades(self) -> int:
        """Trade rows."""
        return self._native.trades

    @property
    def price_increment_raw(self) -> int:
        """One tick as a raw fixed-point value."""
        return self._price_increment

    @property
    def size_increment_raw(self) -> int:
        """One lot as a raw fixed-point value."""
        return self._size_increment

    @property
    def tick_value(self) -> float:
        """Money (quote currency) per tick per lot: what PnL in ticks x lots is worth."""
        return self._tick_value

    @property
    def size_scale(self) -> float:
        """The mean touch size in lots (the default scale of sizes in observations)."""
        return self._native.size_scale

    def __copy__(self) -> EnvData:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> EnvData:
        # Immutable and meant to be shared: copies (gymnasium deep-copies make() kwargs)
        # are the same object.
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        if not self._source:
            raise InvalidInput(
                "EnvData", "was not built by a constructor that can be pickled", self
            )
        return self._source

    def __repr__(self) -> str:
        return (
            f"EnvData({self._instrument_id}, {self.book_type.name}, rows={self.rows}, "
            f"trades={self.trades})"
        )


def _trade_columns(
    trades: TradeBatch | None, instrument_id: InstrumentId, p_inc: int, s_inc: int
) -> (
    tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint8]
    ]
    | None
):
    if trades is None or len(trades) == 0:
        return None
    if not isinstance(trades, TradeBatch):
        raise InvalidInput("EnvData.trades", "must be a TradeBatch", trades)
    if trades.instrument_id != instrument_id:
        raise InvalidInput(
            "EnvData.trades",
            f"must be of the data's instrument {instrument_id}",
            trades.instrument_id,
        )
    a = trades.array
    return (
        np.ascontiguousarray(a["ts_event"]),
        _to_units(a["price"], p_inc, "trades.price"),
        _to_units(a["size"], s_inc, "trades.size").astype(np.uint64),
        np.ascontiguousarray(a["aggressor_side"]),
    )


def _from_quotes(
    quotes: QuoteBatch, trades: TradeBatch | None, instrument: Instrument | None
) -> EnvData:
    return EnvData.from_quotes(quotes, trades, instrument=instrument)


def _from_l2(
    deltas: BookDeltaBatch, trades: TradeBatch | None, instrument: Instrument | None
) -> EnvData:
    return EnvData.from_l2(deltas, trades, instrument=instrument)
