"""Configuration of a :class:`~lyra.sim.SimulatedExchange`: small frozen structs, one per model.

Each struct is a frozen :class:`msgspec.Struct`, validated when it is made (a broken rule
raises :class:`~lyra.errors.InvalidInput` naming the field), and serializable with
:mod:`lyra.model.codec`, so a backtest can store the exact venue it ran against:

* :class:`FeeConfig` -- maker/taker rates that replace the instruments' own, and a fixed
  amount per fill;
* :class:`LatencyConfig` -- how long a submit, modify or cancel takes to reach the matching
  engine, with optional seeded jitter;
* :class:`FillConfig` -- the matching rules a venue chooses: self-trade prevention, stops
  already in the market, market-order price protection;
* :class:`QueueModel` -- where cancellations at a price level come from when only L2 data is
  known (pessimistic or proportional);
* :class:`SimulatedExchangeConfig` -- all of the above plus the book type, the account type,
  the OMS, the starting balances, per-instrument sessions and the seed, for
  :meth:`SimulatedExchange.from_config <lyra.sim.SimulatedExchange.from_config>`.

The rules behind each model are in ``docs/explanation/simulation-models.md`` and
``docs/explanation/matching.md``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec
from msgspec.structs import force_setattr

from lyra.errors import InvalidInput
from lyra.model.codec import register_struct
from lyra.model.enums import AccountType, BookType, OmsType
from lyra.model.identifiers import AccountId, InstrumentId
from lyra.model.session import ContinuousSession, TradingSession
from lyra.model.values import Money

__all__ = (
    "FeeConfig",
    "FillConfig",
    "LatencyConfig",
    "QueueModel",
    "SelfTradeMode",
    "SimulatedExchangeConfig",
)


class SelfTradeMode(enum.IntEnum):
    """What the engine does when an incoming order meets a resting order of its own account."""

    CANCEL_TAKER = 0
    """Default: the incoming order's remainder is canceled; the resting order keeps its place."""
    CANCEL_MAKER = 1
    """The resting order is canceled and matching goes on."""
    CANCEL_BOTH = 2
    """Both are canceled."""
    ALLOW = 3
    """They trade (the account's position does not change)."""


class QueueModel(enum.IntEnum):
    """Where cancellations at a price level come from, for a resting order's queue position
    when only L2 (market-by-price) data is known."""

    PESSIMISTIC = 0
    """Default: every cancellation is from behind us; what is ahead only shrinks by trades."""
    PROPORTIONAL = 1
    """Cancellations come from everywhere in the queue in proportion (rounded against us)."""


def _non_negative_int(obj: Any, field: str) -> None:
    value = getattr(obj, field)
    if type(value) is not int or value < 0:
        raise InvalidInput(f"{type(obj).__name__}.{field}", "must be an int >= 0", value)


def _rate(obj: Any, field: str) -> None:
    value = getattr(obj, field)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise InvalidInput(
            f"{type(obj).__name__}.{field}", "must be a Decimal (or its text), or None", value
        )
    try:
        rate = Decimal(value)
    except ArithmeticError:
        raise InvalidInput(f"{type(obj).__name__}.{field}", "must be a number", value) from None
    if not rate.is_finite():
        raise InvalidInput(f"{type(obj).__name__}.{field}", "must be finite", value)
    force_setattr(obj, field, rate)


class FeeConfig(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Fees charged on the simulated exchange, replacing the instruments' own.

    ``maker_fee`` / ``taker_fee`` are rates of the fill's notional (``Decimal("0.001")`` is
    10 bp; negative is a rebate); ``None`` keeps the instrument's rate. ``fixed_per_fill``
    is an amount in the fill's fee currency (the instrument's notional currency) added to
    every fill. The fee of a fill is :meth:`Instrument.calculate_fee
    <lyra.model.instruments.Instrument.calculate_fee>` at those rates (rounded up to the
    currency's precision, in the venue's favour) plus the fixed amount.
    """

    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None
    fixed_per_fill: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _rate(self, "maker_fee")
        _rate(self, "taker_fee")
        _rate(self, "fixed_per_fill")


class LatencyConfig(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Delays from sending a command to the matching engine acting on it, in nanoseconds.

    ``submit_ns`` for orders and order lists, ``modify_ns`` for modifies, ``cancel_ns`` for
    cancels (one or all). ``jitter_ns`` adds a uniform ``0..=jitter_ns`` to each delay,
    drawn from the exchange's seeded random stream, so a run repeats exactly for a seed.
    Commands are processed in arrival order; a cancel sent after a submit can overtake it
    when its delay is shorter, as on a venue reached over several connections.
    """

    submit_ns: int = 0
    modify_ns: int = 0
    cancel_ns: int = 0
    jitter_ns: int = 0

    def __post_init__(self) -> None:
        for field in ("submit_ns", "modify_ns", "cancel_ns", "jitter_ns"):
            _non_negative_int(self, field)

    @classmethod
    def uniform(cls, delay_ns: int, jitter_ns: int = 0) -> LatencyConfig:
        """The same delay for every command."""
        return cls(submit_ns=delay_ns, modify_ns=delay_ns, cancel_ns=delay_ns, jitter_ns=jitter_ns)


class FillConfig(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Matching rules a venue chooses.

    * ``self_trade`` -- self-trade prevention between orders of one account
      (:class:`SelfTradeMode`; default: cancel the incoming order's remainder);
    * ``reject_stops_in_market`` -- a stop, if-touched or trailing order whose trigger is
      already reached on arrival is rejected (default) or fires at once;
    * ``market_protection_ticks`` -- market-style orders stop this many ticks through the
      best opposite price they started at; the rest is canceled (0: off).
    """

    self_trade: SelfTradeMode = SelfTradeMode.CANCEL_TAKER
    reject_stops_in_market: bool = True
    market_protection_ticks: int = 0

    def __post_init__(self) -> None:
        try:
            force_setattr(self, "self_trade", SelfTradeMode(self.self_trade))
        except ValueError:
            raise InvalidInput(
                "FillConfig.self_trade", "must be a SelfTradeMode", self.self_trade
            ) from None
        if type(self.reject_stops_in_market) is not bool:
            raise InvalidInput(
                "FillConfig.reject_stops_in_market", "must be a bool", self.reject_stops_in_market
            )
        _non_negative_int(self, "market_protection_ticks")


def _enum_field(obj: Any, field: str, cls: type[enum.IntEnum], allowed: tuple[Any, ...]) -> None:
    value = getattr(obj, field)
    try:
        member = cls(value)
    except ValueError:
        member = None
    if member is None or member not in allowed:
        names = ", ".join(m.name for m in allowed)
        raise InvalidInput(f"{type(obj).__name__}.{field}", f"must be one of {names}", value)
    force_setattr(obj, field, member)


class SimulatedExchangeConfig(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Everything that defines a simulated venue, in one serializable value.

    ``book_type`` says which data moves the market (L1 quotes, L2 or L3 deltas);
    ``account_type`` (CASH or MARGIN), ``oms_type`` (NETTING) and ``starting_balances``
    describe the default account ``account_id`` (``None``: ``"<VENUE>-001"``); ``fees``
    replaces every instrument's fees and ``instrument_fees`` one instrument's;
    ``sessions`` gives an instrument a trading session other than its own (DAY orders
    expire at its close). ``seed`` drives the latency jitter. With ``native_contingencies``
    the exchange enforces OCO, OUO and OTO (ON_FIRST_FILL) lists itself.
    """

    book_type: BookType = BookType.L1_MBP
    account_type: AccountType = AccountType.CASH
    oms_type: OmsType = OmsType.NETTING
    starting_balances: tuple[Money, ...] = ()
    account_id: AccountId | None = None
    fees: FeeConfig | None = None
    instrument_fees: dict[InstrumentId, FeeConfig] = msgspec.field(default_factory=dict)
    latency: LatencyConfig = msgspec.field(default_factory=LatencyConfig)
    queue_model: QueueModel = QueueModel.PESSIMISTIC
    fill: FillConfig = msgspec.field(default_factory=FillConfig)
    sessions: dict[InstrumentId, TradingSession | ContinuousSession] = msgspec.field(
        default_factory=dict
    )
    native_contingencies: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        name = "SimulatedExchangeConfig"
        _enum_field(self, "book_type", BookType, tuple(BookType))
        _enum_field(self, "account_type", AccountType, (AccountType.CASH, AccountType.MARGIN))
        _enum_field(self, "oms_type", OmsType, (OmsType.NETTING,))
        _enum_field(self, "queue_model", QueueModel, tuple(QueueModel))
        balances: Any = self.starting_balances
        if isinstance(balances, (str, bytes, Money)) or not hasattr(balances, "__iter__"):
            raise InvalidInput(f"{name}.starting_balances", "must be a sequence of Money", balances)
        balances = tuple(balances)
        seen = set()
        for i, m in enumerate(balances):
            if type(m) is not Money:
                raise InvalidInput(f"{name}.starting_balances[{i}]", "must be a Money", m)
            if m.currency in seen:
                raise InvalidInput(
                    f"{name}.starting_balances", "must hold one amount per currency", m.currency
                )
            seen.add(m.currency)
        force_setattr(self, "starting_balances", balances)
        if self.account_id is not None:
            force_setattr(self, "account_id", AccountId(self.account_id))
        for field, cls in (("fees", FeeConfig), ("latency", LatencyConfig), ("fill", FillConfig)):
            value = getattr(self, field)
            if not (value is None and field == "fees") and type(value) is not cls:
                raise InvalidInput(f"{name}.{field}", f"must be a {cls.__name__}", value)
        fees = _keyed(self.instrument_fees, FeeConfig, f"{name}.instrument_fees")
        force_setattr(self, "instrument_fees", fees)
        force_setattr(
            self,
            "sessions",
            _keyed(self.sessions, (TradingSession, ContinuousSession), f"{name}.sessions"),
        )
        if type(self.native_contingencies) is not bool:
            raise InvalidInput(
                f"{name}.native_contingencies", "must be a bool", self.native_contingencies
            )
        if type(self.seed) is not int or not 0 <= self.seed < 2**64:
            raise InvalidInput(f"{name}.seed", "must be an int in 0 .. 2**64 - 1", self.seed)


def _keyed(value: object, cls: type | tuple[type, ...], field: str) -> dict[InstrumentId, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(field, "must be a mapping of instrument id to value", value)
    out: dict[InstrumentId, Any] = {}
    for key, item in value.items():
        if not isinstance(item, cls):
            raise InvalidInput(f"{field}[{key}]", "has the wrong type", item)
        out[InstrumentId(key)] = item
    return out


for _cls in (FeeConfig, LatencyConfig, FillConfig, SimulatedExchangeConfig):
    register_struct(_cls)
del _cls
