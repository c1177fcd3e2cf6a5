"""OKX symbols and instruments: ``instId`` <-> :class:`~lyra.model.identifiers.InstrumentId`,
and ``GET /api/v5/public/instruments`` -> Lyra instruments.

Lyra names an OKX instrument by its ``instId`` on venue ``OKX``: ``BTC-USDT.OKX`` (spot),
``BTC-USDT-SWAP.OKX`` (perpetual), ``BTC-USD-250926.OKX`` (dated future). The mapping is
the identity on the symbol, so it needs no metadata and round-trips exactly.

:func:`instrument_from_okx` converts one instrument record:

=========  ===================================================================================
instType   Lyra instrument
=========  ===================================================================================
SPOT       :class:`~lyra.model.instruments.CurrencyPair`: sizes in the base currency
SWAP       :class:`~lyra.model.instruments.PerpetualSwap`: sizes in contracts; linear
           (``ctType`` linear: ``multiplier`` = ``ctVal`` x ``ctMult`` of the base currency)
           or inverse (``multiplier`` = ``ctVal`` in the quote currency, settled in the base)
FUTURES    :class:`~lyra.model.instruments.FuturesContract`, the same way, active from
           ``listTime`` to ``expTime``
OPTION     not modelled by Lyra: :class:`~lyra.errors.NotSupported`
=========  ===================================================================================

``tickSz`` is the price increment, ``lotSz`` the size increment and ``minSz`` the minimum
quantity; ``maxLmtSz`` becomes ``max_quantity`` when it fits Lyra's range. OKX publishes no
minimum notional. ``lever`` (the highest leverage) becomes ``max_leverage`` and an initial
margin of ``1 / lever``. Currencies Lyra does not know yet are registered as crypto
currencies with 8 decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Final

from lyra.errors import InvalidInput, NotSupported
from lyra.model.currency import Currency, CurrencyType
from lyra.model.identifiers import InstrumentId, Venue
from lyra.model.instruments import CurrencyPair, FuturesContract, Instrument, PerpetualSwap
from lyra.model.values import QUANTITY_MAX

from .messages import InstrumentData

__all__ = (
    "VENUE",
    "currency",
    "inst_id",
    "inst_type",
    "instrument_from_okx",
    "instrument_id",
    "instruments_from_okx",
)

VENUE: Final = Venue("OKX")
"""The venue name in every OKX :class:`~lyra.model.identifiers.InstrumentId`."""

_INST_ID: Final = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+){1,4}")
_DATE: Final = re.compile(r"\d{6}")
_NS_PER_MS: Final = 1_000_000
_DEFAULT_PRECISION: Final = 8


def instrument_id(inst_id: str) -> InstrumentId:
    """``"BTC-USDT-SWAP"`` -> ``InstrumentId("BTC-USDT-SWAP.OKX")``."""
    if not isinstance(inst_id, str) or _INST_ID.fullmatch(inst_id) is None:
        raise InvalidInput(
            "instId", "must be an OKX instrument id like 'BTC-USDT' or 'BTC-USDT-SWAP'", inst_id
        )
    return InstrumentId(f"{inst_id}.{VENUE}")


def inst_id(instrument_id: str) -> str:
    """``InstrumentId("BTC-USDT.OKX")`` -> ``"BTC-USDT"`` (the venue must be OKX)."""
    iid = InstrumentId(instrument_id)
    if iid.venue != VENUE:
        raise InvalidInput("instrument_id", f"must be on venue {VENUE}", str(iid))
    symbol = str(iid.symbol)
    if _INST_ID.fullmatch(symbol) is None:
        raise InvalidInput("instrument_id.symbol", "is not an OKX instId", symbol)
    return symbol


def inst_type(inst_id: str) -> str:
    """The instrument type an ``instId`` names: SPOT, SWAP, FUTURES or OPTION."""
    parts = inst_id.split("-")
    if len(parts) == 2:
        return "SPOT"
    if len(parts) == 3 and parts[2] == "SWAP":
        return "SWAP"
    if len(parts) == 3 and _DATE.fullmatch(parts[2]):
        return "FUTURES"
    if len(parts) == 5 and parts[4] in ("C", "P"):
        return "OPTION"
    raise InvalidInput("instId", "is not a SPOT, SWAP, FUTURES or OPTION id", inst_id)


def currency(code: str) -> Currency:
    """The Lyra currency for an OKX currency code, registering unknown ones (8 decimals)."""
    if not code:
        raise InvalidInput("currency", "must not be empty", code)
    if Currency.is_registered(code):
        return Currency.from_str(code)
    return Currency.register(Currency(code, _DEFAULT_PRECISION, currency_type=CurrencyType.CRYPTO))


def _decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"OKX instrument.{field}", "must be a decimal string", text) from None
    if not value.is_finite():
        raise InvalidInput(f"OKX instrument.{field}", "must be finite", text)
    return value


def _opt_qty(text: str) -> str | None:
    # maxLmtSz of some spot pairs (1e12) exceeds what a Quantity holds: treat it as no cap.
    if not text:
        return None
    value = Decimal(text)
    if value <= 0 or value > QUANTITY_MAX.as_decimal():
        return None
    return text


def _pair_of(data: InstrumentData) -> tuple[str, str]:
    family = data.inst_family or data.uly
    if family and "-" in family:
        base, _, quote = family.partition("-")
        return base, quote
    parts = data.inst_id.split("-")
    return parts[0], parts[1]


def _leverage(data: InstrumentData) -> tuple[Decimal | None, Decimal]:
    if not data.lever:
        return None, Decimal(0)
    lever = _decimal(data.lever, "lever")
    if lever < 1:
        return None, Decimal(0)
    return lever, (Decimal(1) / lever).quantize(Decimal("1e-9"))


def instrument_from_okx(data: InstrumentData, ts_init: int = 0) -> Instrument:
    """One OKX instrument record as a Lyra instrument (see the module table).

    Raises :class:`~lyra.errors.NotSupported` for OPTION (and any other unmodelled type)
    and :class:`~lyra.errors.InvalidInput` for a record whose fields contradict Lyra's rules.
    """
    kind = data.inst_type
    iid = instrument_id(data.inst_id)
    common = {
        "id": iid,
        "raw_symbol": data.inst_id,
        "price_increment": data.tick_sz,
        "size_increment": data.lot_sz,
        "min_quantity": data.min_sz or None,
        "max_quantity": _opt_qty(data.max_lmt_sz),
        "ts_event": ts_init,
        "ts_init": ts_init,
    }
    if kind == "SPOT":
        return CurrencyPair(
            base_currency=currency(data.base_ccy),
            quote_currency=currency(data.quote_ccy),
            **common,  # type: ignore[arg-type]
        )
    if kind not in ("SWAP", "FUTURES"):
        raise NotSupported(
            f"{kind} instruments ({data.inst_id}) are not modelled by Lyra", venue=str(VENUE)
        )
    base, quote = _pair_of(data)
    inverse = data.ct_type == "inverse"
    ct_val = _decimal(data.ct_val or "1", "ctVal")
    ct_mult = _decimal(data.ct_mult or "1", "ctMult")
    multiplier = ct_val if inverse else ct_val * ct_mult
    max_leverage, margin = _leverage(data)
    derivative = {
        **common,
        "base_currency": currency(base),
        "quote_currency": currency(quote),
        "settlement_currency": currency(data.settle_ccy or (base if inverse else quote)),
        "is_inverse": inverse,
        "multiplier": str(multiplier),
        "max_leverage": max_leverage,
        "margin_init": margin,
        "margin_maint": Decimal(0),
    }
    if kind == "SWAP":
        return PerpetualSwap(**derivative)  # type: ignore[arg-type]
    if not data.exp_time:
        raise InvalidInput("OKX instrument.expTime", "is required for FUTURES", data.inst_id)
    expiration = int(data.exp_time) * _NS_PER_MS
    activation = int(data.list_time or "0") * _NS_PER_MS
    return FuturesContract(
        activation_ns=min(activation, expiration - 1),
        expiration_ns=expiration,
        underlying=base,
        **derivative,  # type: ignore[arg-type]
    )


def instruments_from_okx(
    items: Iterable[InstrumentData], ts_init: int = 0
) -> tuple[dict[InstrumentId, Instrument], dict[str, str]]:
    """Convert many records: ``(instruments by id, {instId: why it was skipped})``.

    Records Lyra cannot model (options) or that break its rules are skipped, not fatal, so
    one odd listing never hides the rest; the second mapping says which and why.
    """
    out: dict[InstrumentId, Instrument] = {}
    skipped: dict[str, str] = {}
    for data in items:
        try:
            inst = instrument_from_okx(data, ts_init)
        except (NotSupported, InvalidInput) as exc:
            skipped[data.inst_id] = str(exc)
            continue
        out[inst.id] = inst
    return out, skipped
