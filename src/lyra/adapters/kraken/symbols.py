"""Kraken symbols and instruments: ``BTC/USD`` (and its ``XBT`` aliases) <->
:class:`~lyra.model.identifiers.InstrumentId`, and pair metadata -> Lyra instruments.

Lyra names a Kraken spot pair by its websocket v2 symbol on venue ``KRAKEN``:
``BTC/USD.KRAKEN``. Kraken spells some assets differently in different places; every
spelling maps to the one Lyra uses, and back:

==============================  ==================  ================================
where                           Bitcoin / Dogecoin  example pair
==============================  ==================  ================================
websocket v2, Lyra              ``BTC`` / ``DOGE``  ``BTC/USD``
websocket v1 (``wsname``)       ``XBT`` / ``XDG``   ``XBT/USD``
REST pair names (``altname``)   ``XBT`` / ``XDG``   ``XBTUSD`` (key ``XXBTZUSD``)
REST asset codes                ``XXBT`` / ``XXDG``  ``ZUSD`` for USD
==============================  ==================  ================================

:func:`instrument_id` accepts the v2 and v1 spellings; :func:`ws_symbol` and
:func:`ws_v1_symbol` go back. REST pair names carry no separator, so they are resolved
through a :class:`KrakenSymbols` table built from ``AssetPairs`` (or the ``instrument``
channel), which also remembers each pair's ``altname`` for REST requests.

Instruments: :func:`instrument_from_asset_pair` (REST ``AssetPairs``) and
:func:`instrument_from_pair_info` (websocket v2 ``instrument`` channel) build a
:class:`~lyra.model.instruments.CurrencyPair`: ``tick_size`` (or ``10**-pair_decimals``) is
the price increment, ``10**-lot_decimals`` the size increment, ``ordermin`` the minimum
quantity and ``costmin`` the minimum notional in the quote currency; the first fee tier
gives the taker and maker fees. Unknown currencies are registered with 8 decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

from lyra.errors import InvalidInput
from lyra.model.currency import Currency, CurrencyType
from lyra.model.identifiers import InstrumentId, Venue
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money

from .messages import AssetPairData, PairInfo

__all__ = (
    "VENUE",
    "KrakenSymbols",
    "asset_code",
    "currency",
    "instrument_from_asset_pair",
    "instrument_from_pair_info",
    "instrument_id",
    "ws_symbol",
    "ws_v1_symbol",
)

VENUE: Final = Venue("KRAKEN")
"""The venue name in every Kraken :class:`~lyra.model.identifiers.InstrumentId`."""

# Kraken's own spellings -> the common codes Lyra uses (and v2 uses).
_ALIASES: Final = {"XBT": "BTC", "XDG": "DOGE"}
_V1_ALIASES: Final = {v: k for k, v in _ALIASES.items()}
# REST asset codes of the oldest assets carry an X (crypto) or Z (fiat) prefix.
_LEGACY_ASSETS: Final = {
    "XXBT": "BTC",
    "XBT": "BTC",
    "XXDG": "DOGE",
    "XDG": "DOGE",
    "XETH": "ETH",
    "XETC": "ETC",
    "XLTC": "LTC",
    "XMLN": "MLN",
    "XREP": "REP",
    "XXLM": "XLM",
    "XXMR": "XMR",
    "XXRP": "XRP",
    "XZEC": "ZEC",
    "ZUSD": "USD",
    "ZEUR": "EUR",
    "ZGBP": "GBP",
    "ZCAD": "CAD",
    "ZJPY": "JPY",
    "ZAUD": "AUD",
}
_ASSET: Final = re.compile(r"[A-Z0-9.]{1,16}")
_PERCENT: Final = Decimal(100)


def asset_code(asset: str) -> str:
    """A Kraken asset code in Lyra's spelling: ``XXBT``/``XBT`` -> ``BTC``, ``ZUSD`` ->
    ``USD``, ``XDG`` -> ``DOGE``; other codes unchanged."""
    if not isinstance(asset, str) or _ASSET.fullmatch(asset) is None:
        raise InvalidInput("asset", "must be a Kraken asset code (A-Z, 0-9, '.')", asset)
    return _LEGACY_ASSETS.get(asset, asset)


def _split(symbol: str) -> tuple[str, str]:
    if not isinstance(symbol, str):
        raise InvalidInput("symbol", "must be a str like 'BTC/USD'", symbol)
    base, sep, quote = symbol.partition("/")
    if not sep or _ASSET.fullmatch(base) is None or _ASSET.fullmatch(quote) is None:
        raise InvalidInput("symbol", "must be 'BASE/QUOTE' like 'BTC/USD' or 'XBT/USD'", symbol)
    return base, quote


def instrument_id(symbol: str) -> InstrumentId:
    """``"BTC/USD"`` or ``"XBT/USD"`` -> ``InstrumentId("BTC/USD.KRAKEN")``."""
    base, quote = _split(symbol)
    return InstrumentId(f"{_ALIASES.get(base, base)}/{_ALIASES.get(quote, quote)}.{VENUE}")


def _symbol_of(instrument_id: str) -> tuple[str, str]:
    iid = InstrumentId(instrument_id)
    if iid.venue != VENUE:
        raise InvalidInput("instrument_id", f"must be on venue {VENUE}", str(iid))
    return _split(str(iid.symbol))


def ws_symbol(instrument_id: str) -> str:
    """``InstrumentId("BTC/USD.KRAKEN")`` -> ``"BTC/USD"`` (websocket v2 spelling)."""
    base, quote = _symbol_of(instrument_id)
    return f"{_ALIASES.get(base, base)}/{_ALIASES.get(quote, quote)}"


def ws_v1_symbol(instrument_id: str) -> str:
    """``InstrumentId("BTC/USD.KRAKEN")`` -> ``"XBT/USD"`` (websocket v1 / ``wsname``)."""
    base, quote = _symbol_of(instrument_id)
    base, quote = _ALIASES.get(base, base), _ALIASES.get(quote, quote)
    return f"{_V1_ALIASES.get(base, base)}/{_V1_ALIASES.get(quote, quote)}"


def currency(code: str) -> Currency:
    """The Lyra currency for a Kraken asset (any spelling), registering unknown ones."""
    lyra_code = asset_code(code)
    if Currency.is_registered(lyra_code):
        return Currency.from_str(lyra_code)
    return Currency.register(Currency(lyra_code, 8, currency_type=CurrencyType.CRYPTO))


def _increment(decimals: int, field: str) -> str:
    if type(decimals) is not int or not 0 <= decimals <= 9:
        raise InvalidInput(field, "must be an int in 0..9 (Lyra's finest grid)", decimals)
    return "1" if decimals == 0 else f"0.{'0' * (decimals - 1)}1"


def _fee(tiers: list[tuple[Decimal, Decimal]]) -> Decimal:
    # The first tier (zero volume) is what a new account pays; percent -> rate.
    return tiers[0][1] / _PERCENT if tiers else Decimal(0)


def _positive(text: str | Decimal | None) -> str | None:
    if text is None or text == "":
        return None
    value = Decimal(text)
    if value <= 0:
        return None
    return text if isinstance(text, str) else format(value, "f")


def instrument_from_asset_pair(
    pair: AssetPairData, ts_init: int = 0, *, key: str = ""
) -> CurrencyPair:
    """A REST ``AssetPairs`` entry as a :class:`~lyra.model.instruments.CurrencyPair`.

    The pair must have a ``wsname`` (pairs without one are not tradable on websockets).
    ``raw_symbol`` is the v2 symbol; :class:`KrakenSymbols` keeps the ``altname``.
    """
    if not pair.wsname:
        raise InvalidInput(
            "AssetPairs.wsname", "is missing: the pair has no websocket name", key or pair.altname
        )
    iid = instrument_id(pair.wsname)
    base, quote = _split(ws_symbol(iid))
    quote_ccy = currency(quote)
    tick = pair.tick_size or _increment(pair.pair_decimals, "AssetPairs.pair_decimals")
    costmin = _positive(pair.costmin)
    return CurrencyPair(
        id=iid,
        raw_symbol=ws_symbol(iid),  # type: ignore[arg-type]
        base_currency=currency(base),
        quote_currency=quote_ccy,
        price_increment=tick,  # type: ignore[arg-type]
        size_increment=_increment(pair.lot_decimals, "AssetPairs.lot_decimals"),  # type: ignore[arg-type]
        min_quantity=_positive(pair.ordermin),  # type: ignore[arg-type]
        min_notional=None if costmin is None else Money(costmin, quote_ccy),
        taker_fee=_fee(pair.fees),
        maker_fee=_fee(pair.fees_maker or pair.fees),
        ts_event=ts_init,
        ts_init=ts_init,
    )


def instrument_from_pair_info(info: PairInfo, ts_init: int = 0) -> CurrencyPair:
    """A websocket v2 ``instrument`` channel pair as a
    :class:`~lyra.model.instruments.CurrencyPair` (fees are not in that channel: 0)."""
    iid = instrument_id(info.symbol)
    quote_ccy = currency(info.quote)
    cost_min = _positive(info.cost_min)
    return CurrencyPair(
        id=iid,
        raw_symbol=ws_symbol(iid),  # type: ignore[arg-type]
        base_currency=currency(info.base),
        quote_currency=quote_ccy,
        price_increment=format(info.tick_size or info.price_increment, "f"),  # type: ignore[arg-type]
        size_increment=format(info.qty_increment, "f"),  # type: ignore[arg-type]
        min_quantity=_positive(info.qty_min),  # type: ignore[arg-type]
        min_notional=None if cost_min is None else Money(cost_min, quote_ccy),
        ts_event=ts_init,
        ts_init=ts_init,
    )


class KrakenSymbols:
    """Every name Kraken gives a pair, resolved to one :class:`InstrumentId`.

    Built from REST ``AssetPairs`` (:meth:`from_asset_pairs`) so that REST pair keys
    (``XXBTZUSD``), altnames (``XBTUSD``) and websocket names (``XBT/USD``, ``BTC/USD``)
    all resolve, and :meth:`rest_pair` gives the name to send in REST requests.
    """

    __slots__ = ("_by_name", "_rest")

    def __init__(self) -> None:
        self._by_name: dict[str, InstrumentId] = {}
        self._rest: dict[InstrumentId, str] = {}

    def add(self, instrument_id: InstrumentId, *names: str, rest_name: str = "") -> None:
        """Make ``names`` resolve to ``instrument_id``; ``rest_name`` is its REST pair name."""
        iid = InstrumentId(instrument_id)
        for name in (*names, str(iid.symbol)):
            if name:
                self._by_name[name] = iid
        if rest_name:
            self._rest[iid] = rest_name

    @classmethod
    def from_asset_pairs(cls, pairs: Mapping[str, AssetPairData]) -> KrakenSymbols:
        """A table of every pair with a websocket name in an ``AssetPairs`` result."""
        table = cls()
        for key, pair in pairs.items():
            if not pair.wsname:
                continue
            iid = instrument_id(pair.wsname)
            table.add(iid, key, pair.altname, pair.wsname, rest_name=pair.altname)
        return table

    def __len__(self) -> int:
        return len(self._rest) or len(set(self._by_name.values()))

    def resolve(self, name: str) -> InstrumentId:
        """The instrument any known Kraken name (REST key, altname, ws name) refers to."""
        iid = self._by_name.get(name)
        if iid is not None:
            return iid
        if "/" in name:
            return instrument_id(name)
        raise InvalidInput("pair", "is not a known Kraken pair name", name)

    def rest_pair(self, instrument_id: str) -> str:
        """The REST pair name (``altname``) for an instrument, e.g. ``XBTUSD``."""
        iid = InstrumentId(instrument_id)
        name = self._rest.get(iid)
        if name is None:
            raise InvalidInput("instrument_id", "has no known Kraken REST pair name", str(iid))
        return name

    def instrument_ids(self) -> Iterable[InstrumentId]:
        """Every instrument in the table."""
        return tuple(dict.fromkeys(self._by_name.values()))
