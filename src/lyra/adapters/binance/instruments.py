"""Binance ``exchangeInfo`` -> Lyra instruments, filters and rate limits.

Each symbol's filters become instrument fields, so Lyra's own checks (the risk engine,
``Instrument.make_price``/``make_qty``) refuse what Binance would refuse:

==========================================  ====================================================
Binance                                     Lyra
==========================================  ====================================================
``PRICE_FILTER.tickSize``                   ``price_increment`` (trailing zeros dropped)
``PRICE_FILTER.minPrice`` / ``maxPrice``    ``min_price`` / ``max_price`` (0 means none)
``LOT_SIZE.stepSize``                       ``size_increment``
``LOT_SIZE.minQty`` / ``maxQty``            ``min_quantity`` / ``max_quantity``
``NOTIONAL`` / ``MIN_NOTIONAL``             ``min_notional`` / ``max_notional`` (quote currency)
futures ``requiredMarginPercent`` / maint.  ``margin_init`` / ``margin_maint``
==========================================  ====================================================

Spot symbols become :class:`~lyra.model.CurrencyPair`; USD-M ``PERPETUAL`` contracts
:class:`~lyra.model.PerpetualSwap` and dated ones :class:`~lyra.model.FuturesContract`.
Assets Lyra does not know are registered as crypto currencies with the asset's precision.
The filters Lyra's instrument has no field for (``MARKET_LOT_SIZE``, ``ICEBERG_PARTS``,
``TRAILING_DELTA``, ``MAX_NUM_ORDERS``, ``PERCENT_PRICE``) are kept in
:class:`SymbolFilters`; the per-symbol order types and flags in
:class:`~lyra.adapters.binance.SymbolFeatures`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import msgspec

from lyra.adapters.binance.capabilities import SymbolFeatures
from lyra.adapters.binance.messages import ExchangeInfo, RateLimitInfo, SymbolInfo
from lyra.adapters.ratelimit import RateWindow
from lyra.model.currency import Currency, CurrencyType
from lyra.model.enums import OrderType
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, FuturesContract, Instrument, PerpetualSwap
from lyra.model.values import Money, Price, Quantity

__all__ = (
    "BinanceSymbol",
    "SymbolFilters",
    "features_of",
    "filters_of",
    "normalize_decimal",
    "parse_exchange_info",
    "rate_windows",
)

_INTERVAL_S: Final = {"SECOND": 1.0, "MINUTE": 60.0, "HOUR": 3600.0, "DAY": 86400.0}
_MS_TO_NS: Final = 1_000_000

_SPOT_TYPES: Final = {
    "MARKET": (OrderType.MARKET,),
    "LIMIT": (OrderType.LIMIT,),
    "STOP_LOSS": (OrderType.STOP_MARKET,),
    "STOP_LOSS_LIMIT": (OrderType.STOP_LIMIT,),
    "TAKE_PROFIT": (OrderType.MARKET_IF_TOUCHED,),
    "TAKE_PROFIT_LIMIT": (OrderType.LIMIT_IF_TOUCHED,),
}
_FUTURES_TYPES: Final = {"MARKET": (OrderType.MARKET,), "LIMIT": (OrderType.LIMIT,)}


def normalize_decimal(text: str) -> str:
    """A decimal string without trailing zeros (``"0.01000000"`` -> ``"0.01"``)."""
    d = Decimal(text).normalize()
    out = format(d, "f")
    return out


class SymbolFilters(msgspec.Struct, frozen=True, gc=False):
    """A symbol's filters as Binance enforces them (decimal strings; ``""``: absent)."""

    tick_size: str = ""
    min_price: str = ""
    max_price: str = ""
    step_size: str = ""
    min_qty: str = ""
    max_qty: str = ""
    market_step_size: str = ""
    market_min_qty: str = ""
    market_max_qty: str = ""
    min_notional: str = ""
    apply_min_to_market: bool = True
    max_notional: str = ""
    apply_max_to_market: bool = False
    iceberg_parts: int = 0
    max_num_orders: int = 0
    min_trailing_delta: int = 0
    max_trailing_delta: int = 0


class BinanceSymbol(msgspec.Struct, frozen=True, gc=False):
    """One symbol: the Lyra instrument, Binance's filters and its feature flags."""

    instrument: Instrument
    filters: SymbolFilters
    features: SymbolFeatures
    status: str


def filters_of(info: SymbolInfo) -> SymbolFilters:
    """The filters of one ``exchangeInfo`` symbol."""
    kw: dict[str, Any] = {}
    for f in info.filters:
        kind = f.get("filterType")
        if kind == "PRICE_FILTER":
            kw.update(tick_size=f["tickSize"], min_price=f["minPrice"], max_price=f["maxPrice"])
        elif kind == "LOT_SIZE":
            kw.update(step_size=f["stepSize"], min_qty=f["minQty"], max_qty=f["maxQty"])
        elif kind == "MARKET_LOT_SIZE":
            kw.update(
                market_step_size=f.get("stepSize", ""),
                market_min_qty=f.get("minQty", ""),
                market_max_qty=f.get("maxQty", ""),
            )
        elif kind == "MIN_NOTIONAL":
            kw["min_notional"] = str(f.get("minNotional", f.get("notional", "")))
            kw["apply_min_to_market"] = bool(f.get("applyToMarket", True))
        elif kind == "NOTIONAL":
            kw["min_notional"] = str(f.get("minNotional", ""))
            kw["apply_min_to_market"] = bool(f.get("applyMinToMarket", True))
            kw["max_notional"] = str(f.get("maxNotional", ""))
            kw["apply_max_to_market"] = bool(f.get("applyMaxToMarket", False))
        elif kind == "ICEBERG_PARTS":
            kw["iceberg_parts"] = int(f.get("limit", 0))
        elif kind == "MAX_NUM_ORDERS":
            kw["max_num_orders"] = int(f.get("maxNumOrders", f.get("limit", 0)))
        elif kind == "TRAILING_DELTA":
            kw["min_trailing_delta"] = int(f.get("minTrailingAboveDelta", 0))
            kw["max_trailing_delta"] = int(f.get("maxTrailingAboveDelta", 0))
    return SymbolFilters(**kw)


def features_of(info: SymbolInfo, *, spot: bool) -> SymbolFeatures:
    """The order types and flags of one ``exchangeInfo`` symbol."""
    table = _SPOT_TYPES if spot else _FUTURES_TYPES
    types: set[OrderType] = set()
    for name in info.order_types:
        types.update(table.get(name, ()))
    trailing = info.allow_trailing_stop and "STOP_LOSS" in info.order_types
    if spot and trailing:
        types.add(OrderType.TRAILING_STOP_MARKET)
    return SymbolFeatures(
        order_types=frozenset(types),
        post_only=("LIMIT_MAKER" in info.order_types) if spot else ("GTX" in info.time_in_force),
        iceberg=info.iceberg_allowed,
        trailing=trailing,
        quote_quantity=info.quote_order_qty_market_allowed,
        oco=info.oco_allowed,
        oto=info.oto_allowed,
        amend=info.amend_allowed,
        trading=info.status == "TRADING",
    )


def _currency(code: str, precision: int) -> Currency:
    if Currency.is_registered(code):
        return Currency.from_str(code)
    return Currency.register(
        Currency(code, min(max(precision, 0), 9), currency_type=CurrencyType.CRYPTO)
    )


def _positive(text: str) -> bool:
    return bool(text) and Decimal(text) > 0


def _instrument(
    info: SymbolInfo,
    filters: SymbolFilters,
    *,
    venue: str,
    spot: bool,
    maker_fee: Decimal,
    taker_fee: Decimal,
    ts_ns: int,
) -> Instrument:
    iid = InstrumentId.from_parts(info.symbol, venue)
    base = _currency(info.base_asset, info.base_asset_precision)
    quote = _currency(info.quote_asset, info.quote_asset_precision)
    tick = Price(normalize_decimal(filters.tick_size or "0.00000001"))
    step = Quantity(normalize_decimal(filters.step_size or "0.00000001"))
    fields: dict[str, Any] = {
        "id": iid,
        "raw_symbol": info.symbol,
        "quote_currency": quote,
        "price_increment": tick,
        "size_increment": step,
        "maker_fee": maker_fee,
        "taker_fee": taker_fee,
        "ts_event": ts_ns,
        "ts_init": ts_ns,
    }
    if _positive(filters.min_price):
        fields["min_price"] = Price(normalize_decimal(filters.min_price))
    if _positive(filters.max_price):
        fields["max_price"] = Price(normalize_decimal(filters.max_price))
    if _positive(filters.min_qty):
        fields["min_quantity"] = Quantity(normalize_decimal(filters.min_qty))
    if _positive(filters.max_qty):
        fields["max_quantity"] = Quantity(normalize_decimal(filters.max_qty))
    if _positive(filters.min_notional):
        fields["min_notional"] = Money(normalize_decimal(filters.min_notional), quote)
    if _positive(filters.max_notional):
        fields["max_notional"] = Money(normalize_decimal(filters.max_notional), quote)
    if spot:
        return CurrencyPair(base_currency=base, **fields)
    settle = _currency(info.margin_asset or info.quote_asset, info.quote_asset_precision)
    margins: dict[str, Any] = {
        "margin_init": Decimal(info.required_margin_percent) / 100,
        "margin_maint": Decimal(info.maint_margin_percent) / 100,
    }
    if info.contract_type in ("PERPETUAL", ""):
        return PerpetualSwap(base_currency=base, settlement_currency=settle, **fields, **margins)
    return FuturesContract(
        base_currency=base,
        settlement_currency=settle,
        underlying=info.base_asset,
        activation_ns=info.onboard_date * _MS_TO_NS,
        expiration_ns=info.delivery_date * _MS_TO_NS,
        **fields,
        **margins,
    )


def parse_exchange_info(
    info: ExchangeInfo,
    *,
    venue: str,
    spot: bool,
    symbols: frozenset[str] | None = None,
    maker_fee: Decimal | str = "0.001",
    taker_fee: Decimal | str = "0.001",
) -> list[BinanceSymbol]:
    """The symbols of an ``exchangeInfo`` answer (only ``symbols`` if given), as Lyra
    instruments with their filters and flags. Symbols whose filters Lyra cannot represent
    (a tick finer than 1e-9) are skipped."""
    out: list[BinanceSymbol] = []
    maker, taker = Decimal(maker_fee), Decimal(taker_fee)
    ts = info.server_time * _MS_TO_NS
    for sym in info.symbols:
        if symbols is not None and sym.symbol not in symbols:
            continue
        filters = filters_of(sym)
        try:
            instrument = _instrument(
                sym,
                filters,
                venue=venue,
                spot=spot,
                maker_fee=maker,
                taker_fee=taker,
                ts_ns=ts,
            )
        except ValueError:
            continue  # e.g. a tick below Lyra's 9 decimal places
        out.append(
            BinanceSymbol(
                instrument=instrument,
                filters=filters,
                features=features_of(sym, spot=spot),
                status=sym.status,
            )
        )
    return out


def rate_windows(limits: list[RateLimitInfo]) -> list[RateWindow]:
    """exchangeInfo ``rateLimits`` as :class:`~lyra.adapters.RateWindow` values."""
    out: list[RateWindow] = []
    for rl in limits:
        seconds = _INTERVAL_S.get(rl.interval)
        if seconds is None or rl.limit < 1:
            continue
        out.append(RateWindow(rl.kind, rl.limit, seconds * rl.interval_num))
    return out
