"""Coinbase product ids <-> Lyra instrument ids, and products metadata -> Lyra instruments.

Lyra keeps a venue's own symbol as the symbol part of the id, so the Coinbase product
``BTC-USD`` is ``BTC-USD.COINBASE`` (the same form as ``ETH-USDT.OKX``); its
``raw_symbol`` is ``BTC-USD`` too. :func:`instrument_id` and :func:`product_id` convert.

:func:`currency_pair` turns one product of ``GET /api/v3/brokerage/products`` into a
:class:`~lyra.model.instruments.CurrencyPair`:

==========================  ===================================================
Lyra field                  Coinbase field
==========================  ===================================================
``price_increment``         ``price_increment`` (``quote_increment`` if absent)
``size_increment``          ``base_increment``
``min_quantity``            ``base_min_size``
``max_quantity``            ``base_max_size``
``min_notional``            ``quote_min_size`` in the quote currency
``max_notional``            ``quote_max_size`` in the quote currency
``base_currency``           ``base_currency_id``
``quote_currency``          ``quote_currency_id``
==========================  ===================================================

Fees are per account tier at Coinbase (``GET /transaction_summary``), not per product, so
they are parameters here. Currencies Lyra does not know yet (most altcoins) are registered as
crypto currencies with the precision of the product's increment, unless
``register_currencies=False``, in which case such a product is skipped by
:func:`load_instruments` (and refused by :func:`currency_pair`).

Only spot products become instruments; :func:`load_instruments` skips the others and says why.
:func:`market_data_product` gives the product whose book a product's market channels carry
(``BTC-USDC`` is an ``alias`` of ``BTC-USD``: subscribing to it returns ``BTC-USD`` data).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from lyra.adapters.coinbase._parse import decimal_places
from lyra.adapters.coinbase.messages import Product, ProductsResponse
from lyra.errors import InvalidInput, LyraError, NotSupported, UnknownCurrency
from lyra.model.currency import Currency, CurrencyType
from lyra.model.identifiers import InstrumentId, Venue
from lyra.model.instruments import CurrencyPair
from lyra.model.values import FIXED_PRECISION, Money, Price, Quantity

__all__ = (
    "VENUE",
    "currency_pair",
    "instrument_id",
    "load_instruments",
    "market_data_product",
    "product_id",
    "tradable",
)

VENUE: Final = Venue("COINBASE")
"""The venue name in every Coinbase instrument id."""

_SUFFIX: Final = "." + VENUE


def instrument_id(product_id: str) -> InstrumentId:
    """``BTC-USD`` -> ``InstrumentId("BTC-USD.COINBASE")``."""
    if not isinstance(product_id, str) or not product_id:
        raise InvalidInput("product_id", "must be a non-empty str such as 'BTC-USD'", product_id)
    return InstrumentId(product_id + _SUFFIX)


def product_id(instrument: InstrumentId | str) -> str:
    """``BTC-USD.COINBASE`` -> ``"BTC-USD"``; an id of another venue is refused."""
    iid = InstrumentId(instrument)
    if iid.venue != VENUE:
        raise InvalidInput("instrument_id", f"must be an instrument of {VENUE}", instrument)
    return str(iid.symbol)


def market_data_product(product: Product) -> str:
    """The product id market channels use for ``product``'s book and trades: its ``alias``
    when it has one (``BTC-USDC`` -> ``BTC-USD``), else its own id."""
    return product.alias or product.product_id


def tradable(product: Product) -> bool:
    """Whether new orders are accepted: online, not disabled, not cancel-only, not
    view-only (``limit_only``/``post_only`` products still take those orders)."""
    return (
        product.status in ("online", "")
        and not product.trading_disabled
        and not product.is_disabled
        and not product.cancel_only
        and not product.view_only
    )


def _currency(code: str, increment: str, field: str, register: bool) -> Currency:
    if not code:
        raise InvalidInput(field, "must name a currency", code)
    try:
        return Currency.from_str(code)
    except UnknownCurrency:
        if not register:
            raise
    precision = min(decimal_places(increment), FIXED_PRECISION)
    return Currency.register(Currency(code, precision, currency_type=CurrencyType.CRYPTO))


def _quantity(text: str) -> Quantity | None:
    if not text:
        return None
    return Quantity(text)


def currency_pair(
    product: Product,
    *,
    maker_fee: str | Decimal = "0",
    taker_fee: str | Decimal = "0",
    ts_event: int = 0,
    ts_init: int = 0,
    register_currencies: bool = True,
) -> CurrencyPair:
    """The :class:`~lyra.model.instruments.CurrencyPair` of a spot ``product`` (see the
    module table).

    Raises :class:`~lyra.errors.NotSupported` for a product that is not ``SPOT``,
    :class:`~lyra.errors.UnknownCurrency` for an unknown currency when
    ``register_currencies`` is false, and :class:`~lyra.errors.InvalidInstrument` when the
    metadata contradicts itself (e.g. an increment with more than 9 decimals).
    """
    if product.product_type not in ("SPOT", ""):
        raise NotSupported(
            f"product_type {product.product_type} of {product.product_id}: only SPOT "
            "products map to a CurrencyPair",
            venue=VENUE,
        )
    base = _currency(
        product.base_currency_id, product.base_increment, "base_currency_id", register_currencies
    )
    quote = _currency(
        product.quote_currency_id,
        product.quote_increment,
        "quote_currency_id",
        register_currencies,
    )
    tick = product.price_increment or product.quote_increment
    min_notional = Money(product.quote_min_size, quote) if product.quote_min_size else None
    max_notional = Money(product.quote_max_size, quote) if product.quote_max_size else None
    return CurrencyPair(
        id=instrument_id(product.product_id),
        raw_symbol=product.product_id,  # type: ignore[arg-type]  # coerced to Symbol
        base_currency=base,
        quote_currency=quote,
        price_increment=Price(tick),
        size_increment=Quantity(product.base_increment),
        min_quantity=_quantity(product.base_min_size),
        max_quantity=_quantity(product.base_max_size),
        min_notional=min_notional,
        max_notional=max_notional,
        maker_fee=maker_fee,  # type: ignore[arg-type]  # coerced to Decimal
        taker_fee=taker_fee,  # type: ignore[arg-type]
        ts_event=ts_event,
        ts_init=ts_init,
    )


def load_instruments(
    products: ProductsResponse | Iterable[Product],
    *,
    maker_fee: str | Decimal = "0",
    taker_fee: str | Decimal = "0",
    ts_init: int = 0,
    register_currencies: bool = True,
) -> tuple[list[CurrencyPair], list[tuple[str, str]]]:
    """Every spot product as a CurrencyPair, and ``(product_id, reason)`` for each product
    skipped (not spot, an unknown currency, metadata Lyra cannot represent)."""
    items = products.products if isinstance(products, ProductsResponse) else products
    pairs: list[CurrencyPair] = []
    skipped: list[tuple[str, str]] = []
    for product in items:
        try:
            pairs.append(
                currency_pair(
                    product,
                    maker_fee=maker_fee,
                    taker_fee=taker_fee,
                    ts_init=ts_init,
                    register_currencies=register_currencies,
                )
            )
        except (LyraError, ValueError) as exc:
            skipped.append((product.product_id, str(exc)))
    return pairs, skipped
