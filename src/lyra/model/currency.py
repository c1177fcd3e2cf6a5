"""Currencies and the registry that maps codes to them.

A :class:`Currency` is identified by its code (``"USD"``, ``"BTC"``); two currencies with the
same code are the same currency. The registry holds the common fiat and crypto currencies
and any a user adds with :meth:`Currency.register`; :meth:`Currency.from_str` looks one up.
"""

from __future__ import annotations

import enum
import re
from typing import Any, ClassVar

from lyra.errors import InvalidInput, PrecisionError, UnknownCurrency

__all__ = ("Currency", "CurrencyType")

FIXED_PRECISION = 9
# Used with fullmatch: a "^...$" match() would let a trailing newline through.
_CODE_RE = re.compile(r"[A-Za-z0-9_.-]{1,16}")


class CurrencyType(enum.IntEnum):
    """What kind of asset a currency is."""

    FIAT = 1
    CRYPTO = 2
    COMMODITY = 3


class Currency:
    """A currency: its code, the number of decimal places it is quoted in, and its kind.

    ``precision`` is the currency's conventional number of decimals (2 for USD, 8 for BTC);
    it is the precision :class:`~lyra.model.Money` amounts get by default.
    """

    __slots__ = ("_code", "_currency_type", "_iso4217", "_name", "_precision")

    _registry: ClassVar[dict[str, Currency]] = {}

    def __init__(
        self,
        code: str,
        precision: int,
        *,
        currency_type: CurrencyType = CurrencyType.CRYPTO,
        iso4217: int = 0,
        name: str = "",
    ) -> None:
        if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
            raise InvalidInput(
                "Currency.code", "must be 1-16 characters of A-Z, a-z, 0-9, '_', '.', '-'", code
            )
        if (
            not isinstance(precision, int)
            or isinstance(precision, bool)
            or not 0 <= precision <= FIXED_PRECISION
        ):
            raise PrecisionError(
                "Currency.precision", f"must be an int in 0..{FIXED_PRECISION}", precision
            )
        if not isinstance(iso4217, int) or iso4217 < 0:
            raise InvalidInput("Currency.iso4217", "must be a non-negative int", iso4217)
        self._code = code
        self._precision = precision
        self._currency_type = CurrencyType(currency_type)
        self._iso4217 = iso4217
        self._name = name or code

    @property
    def code(self) -> str:
        """The currency code, e.g. ``"USD"``."""
        return self._code

    @property
    def precision(self) -> int:
        """Conventional number of decimal places."""
        return self._precision

    @property
    def currency_type(self) -> CurrencyType:
        """Fiat, crypto or commodity."""
        return self._currency_type

    @property
    def iso4217(self) -> int:
        """ISO 4217 numeric code, 0 when there is none."""
        return self._iso4217

    @property
    def name(self) -> str:
        """Human-readable name."""
        return self._name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Currency):
            return self._code == other._code
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._code)

    def __str__(self) -> str:
        return self._code

    def __repr__(self) -> str:
        return f"Currency({self._code!r}, precision={self._precision})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _restore_currency,
            (self._code, self._precision, int(self._currency_type), self._iso4217, self._name),
        )

    @classmethod
    def register(cls, currency: Currency, *, overwrite: bool = False) -> Currency:
        """Add ``currency`` to the registry and return the registered instance.

        Registering an identical definition again is a no-op. A different definition under a
        code that is already registered raises :class:`~lyra.errors.InvalidInput` unless
        ``overwrite`` is true.
        """
        existing = cls._registry.get(currency.code)
        if existing is not None and not overwrite:
            if _same_definition(existing, currency):
                return existing
            raise InvalidInput(
                "Currency.code",
                f"{currency.code} is already registered with a different definition "
                f"({existing!r}); pass overwrite=True to replace it",
                currency,
            )
        cls._registry[currency.code] = currency
        return currency

    @classmethod
    def from_str(cls, code: str) -> Currency:
        """The registered currency with this code; :class:`~lyra.errors.UnknownCurrency` if none."""
        try:
            return cls._registry[code]
        except KeyError:
            raise UnknownCurrency(
                f"Currency.code: {code!r} is not registered; "
                "register it first with Currency.register(Currency(code, precision))"
            ) from None
        except TypeError:
            raise UnknownCurrency(f"Currency.code: must be a str (got {code!r})") from None

    @classmethod
    def is_registered(cls, code: str) -> bool:
        """Whether a currency with this code is registered."""
        return code in cls._registry

    @classmethod
    def registered(cls) -> tuple[Currency, ...]:
        """Every registered currency, sorted by code."""
        return tuple(sorted(cls._registry.values(), key=lambda c: c.code))


def _same_definition(a: Currency, b: Currency) -> bool:
    return (a.code, a.precision, a.currency_type, a.iso4217, a.name) == (
        b.code,
        b.precision,
        b.currency_type,
        b.iso4217,
        b.name,
    )


def _restore_currency(code: str, precision: int, ctype: int, iso: int, name: str) -> Currency:
    registered = Currency._registry.get(code)
    candidate = Currency(code, precision, currency_type=CurrencyType(ctype), iso4217=iso, name=name)
    if registered is not None and _same_definition(registered, candidate):
        return registered
    return candidate


_FIAT = (
    ("USD", 2, 840, "United States dollar"),
    ("EUR", 2, 978, "Euro"),
    ("GBP", 2, 826, "Pound sterling"),
    ("JPY", 0, 392, "Japanese yen"),
    ("CHF", 2, 756, "Swiss franc"),
    ("AUD", 2, 36, "Australian dollar"),
    ("CAD", 2, 124, "Canadian dollar"),
    ("NZD", 2, 554, "New Zealand dollar"),
    ("HKD", 2, 344, "Hong Kong dollar"),
    ("SGD", 2, 702, "Singapore dollar"),
    ("CNY", 2, 156, "Chinese yuan"),
    ("KRW", 0, 410, "South Korean won"),
    ("TRY", 2, 949, "Turkish lira"),
    ("BRL", 2, 986, "Brazilian real"),
    ("INR", 2, 356, "Indian rupee"),
    ("MXN", 2, 484, "Mexican peso"),
    ("SEK", 2, 752, "Swedish krona"),
    ("NOK", 2, 578, "Norwegian krone"),
)
_CRYPTO = (
    ("BTC", 8, "Bitcoin"),
    ("XBT", 8, "Bitcoin (Kraken code)"),
    ("ETH", 8, "Ether"),
    ("USDT", 8, "Tether"),
    ("USDC", 8, "USD Coin"),
    ("FDUSD", 8, "First Digital USD"),
    ("DAI", 8, "Dai"),
    ("BNB", 8, "BNB"),
    ("SOL", 8, "Solana"),
    ("XRP", 6, "XRP"),
    ("ADA", 6, "Cardano"),
    ("DOGE", 8, "Dogecoin"),
    ("LTC", 8, "Litecoin"),
    ("DOT", 8, "Polkadot"),
    ("AVAX", 8, "Avalanche"),
    ("LINK", 8, "Chainlink"),
    ("TRX", 6, "Tron"),
    ("OKB", 8, "OKB"),
    ("SHIB", 8, "Shiba Inu"),
    ("PEPE", 8, "Pepe"),
)
_COMMODITY = (("XAU", 2, 959, "Gold (troy ounce)"), ("XAG", 2, 961, "Silver (troy ounce)"))

for _code, _prec, _iso, _name in _FIAT:
    Currency.register(
        Currency(_code, _prec, currency_type=CurrencyType.FIAT, iso4217=_iso, name=_name)
    )
for _code, _prec, _name in _CRYPTO:
    Currency.register(Currency(_code, _prec, currency_type=CurrencyType.CRYPTO, name=_name))
for _code, _prec, _iso, _name in _COMMODITY:
    Currency.register(
        Currency(_code, _prec, currency_type=CurrencyType.COMMODITY, iso4217=_iso, name=_name)
    )
