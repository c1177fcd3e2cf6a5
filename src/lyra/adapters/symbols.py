"""Venue symbols <-> Lyra instrument ids, with the instruments loaded from the venue.

Each venue names instruments its own way (``BTCUSDT``, ``BTC-USDT``, ``XBT/USD``,
``BTC-USD``); the rest of Lyra sees one form, ``SYMBOL.VENUE``. A :class:`SymbolMap` is
filled once at connect time from the venue's metadata endpoint (each adapter turns that
endpoint's answer into :class:`~lyra.model.Instrument` values, filters becoming the
instrument's ``price_increment``, ``size_increment``, ``min_quantity``, ``min_notional``,
...), and answers both directions in one dict lookup.

The venue's own symbol is always the instrument's ``raw_symbol``; the Lyra symbol is the
symbol part of its id. Lookups of an unknown name raise :class:`~lyra.errors.InvalidInput`
(:meth:`SymbolMap.find` returns ``None`` instead, for the message paths that must not raise).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from lyra.errors import InvalidInput
from lyra.model.identifiers import InstrumentId, Venue
from lyra.model.instruments import Instrument

__all__ = ("SymbolMap",)

_I = TypeVar("_I", bound=Instrument)


class SymbolMap(Generic[_I]):
    """Both directions between a venue's symbols and Lyra's instrument ids.

    ``venue`` is the venue every instrument must belong to. ``case_insensitive`` makes
    venue-symbol lookups ignore case (Binance stream names are lower case, its REST symbols
    upper case).
    """

    __slots__ = ("_by_id", "_by_symbol", "_fold", "_venue")

    def __init__(
        self, venue: Venue | str, instruments: Iterable[_I] = (), *, case_insensitive: bool = False
    ) -> None:
        self._venue = Venue(venue)
        self._fold = case_insensitive
        self._by_symbol: dict[str, _I] = {}
        self._by_id: dict[InstrumentId, _I] = {}
        for instrument in instruments:
            self.add(instrument)

    @property
    def venue(self) -> Venue:
        """The venue of every instrument."""
        return self._venue

    def add(self, instrument: _I) -> None:
        """Add or replace ``instrument`` (matched on its id and its ``raw_symbol``)."""
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instrument", "must be an Instrument", instrument)
        if instrument.venue != self._venue:
            raise InvalidInput(
                "instrument", f"must be an instrument of venue {self._venue}", instrument.id
            )
        key = instrument.raw_symbol.upper() if self._fold else str(instrument.raw_symbol)
        old = self._by_id.get(instrument.id)
        if old is not None:
            old_key = old.raw_symbol.upper() if self._fold else str(old.raw_symbol)
            self._by_symbol.pop(old_key, None)
        clash = self._by_symbol.get(key)
        if clash is not None and clash.id != instrument.id:
            raise InvalidInput(
                "instrument.raw_symbol",
                f"is already the venue symbol of {clash.id}",
                instrument.raw_symbol,
            )
        self._by_symbol[key] = instrument
        self._by_id[instrument.id] = instrument

    def find(self, venue_symbol: str) -> _I | None:
        """The instrument the venue calls ``venue_symbol``, or ``None``."""
        return self._by_symbol.get(venue_symbol.upper() if self._fold else venue_symbol)

    def instrument_id(self, venue_symbol: str) -> InstrumentId:
        """The Lyra id of the venue's ``venue_symbol``."""
        found = self.find(venue_symbol)
        if found is None:
            raise InvalidInput(
                "venue_symbol", f"is not a known symbol of {self._venue}", venue_symbol
            )
        return found.id

    def venue_symbol(self, instrument_id: InstrumentId | str) -> str:
        """The venue's symbol of ``instrument_id``."""
        return str(self.instrument(instrument_id).raw_symbol)

    def instrument(self, instrument_id: InstrumentId | str) -> _I:
        """The instrument with that Lyra id."""
        found = self._by_id.get(InstrumentId(instrument_id))
        if found is None:
            raise InvalidInput(
                "instrument_id", f"is not a loaded instrument of {self._venue}", instrument_id
            )
        return found

    def get(self, instrument_id: InstrumentId | str) -> _I | None:
        """The instrument with that Lyra id, or ``None``."""
        return self._by_id.get(InstrumentId(instrument_id))

    @property
    def instruments(self) -> tuple[_I, ...]:
        """Every instrument, in the order added."""
        return tuple(self._by_id.values())

    def __contains__(self, instrument_id: object) -> bool:
        return instrument_id in self._by_id

    def __iter__(self) -> Iterator[_I]:
        return iter(tuple(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"SymbolMap({self._venue}, {len(self._by_id)} instruments)"
