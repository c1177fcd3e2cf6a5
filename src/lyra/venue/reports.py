"""What a venue says it holds: the reports :meth:`Venue.reconcile` returns, for recovery.

A :class:`ReconciliationReport` is a snapshot of the venue's side of an account, taken by
querying the venue (never from Lyra's own state): the orders it has open (and those that
closed since a time, where it can list them), the fills since that time, the positions and
the balances. Recovery code compares it with the orders and positions it restored and emits
the missing events (marked ``reconciliation=True``); see ``docs/explanation/venue-contract.md``.

Every report is a frozen, tagged :class:`msgspec.Struct` registered with
:mod:`lyra.model.codec`, so a report can be stored and compared later. Lists given as lists
are stored as tuples. Invariants are checked when a report is made and raise
:class:`~lyra.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

import msgspec
from msgspec.structs import force_setattr

from lyra.errors import InvalidInput
from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TriggerType,
)
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    TradeId,
    Venue,
    VenueOrderId,
)
from lyra.model.values import Money, Price, Quantity

__all__ = (
    "REPORTABLE_STATUSES",
    "BalanceReport",
    "FillReport",
    "OrderStatusReport",
    "PositionStatusReport",
    "ReconciliationReport",
)

_S = OrderStatus
REPORTABLE_STATUSES: Final = frozenset(
    {
        _S.ACCEPTED,
        _S.TRIGGERED,
        _S.PARTIALLY_FILLED,
        _S.FILLED,
        _S.CANCELED,
        _S.EXPIRED,
        _S.REJECTED,
    }
)
"""The statuses a venue can report for an order (never a local or a pending status)."""
_OPEN: Final = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})


def _ts(value: object, field: str) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(field, "must be an int of nanoseconds >= 0", value)


def _tuple_of(obj: Any, field: str, cls: type) -> None:
    value = getattr(obj, field)
    if type(value) is not tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise InvalidInput(
                f"{type(obj).__name__}.{field}", f"must be a sequence of {cls.__name__}", value
            )
        value = tuple(value)
        force_setattr(obj, field, value)
    for i, item in enumerate(value):
        if type(item) is not cls:
            raise InvalidInput(
                f"{type(obj).__name__}.{field}[{i}]", f"must be a {cls.__name__}", item
            )


class OrderStatusReport(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """One order as the venue sees it.

    ``client_order_id`` is ``None`` for an order placed outside Lyra (or whose client id the
    venue does not keep). ``status`` is one of :data:`REPORTABLE_STATUSES`. ``quantity`` is
    the total quantity, ``filled_qty`` what has filled, ``avg_px`` the venue's average fill
    price (``None`` before a fill). ``reason`` is the venue's cancel/reject reason, if any.
    ``ts_accepted`` is when the venue accepted it (``None`` if unknown), ``ts_last`` the time
    of its last change at the venue, ``ts_init`` when Lyra made the report.
    """

    account_id: AccountId
    instrument_id: InstrumentId
    venue_order_id: VenueOrderId
    client_order_id: ClientOrderId | None = None
    side: OrderSide
    order_type: OrderType
    time_in_force: TimeInForce
    status: OrderStatus
    quantity: Quantity
    filled_qty: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    trigger_type: TriggerType = TriggerType.NO_TRIGGER
    avg_px: Decimal | None = None
    post_only: bool = False
    reduce_only: bool = False
    display_qty: Quantity | None = None
    expire_time_ns: int | None = None
    reason: str = ""
    ts_accepted: int | None = None
    ts_last: int
    ts_init: int

    def __post_init__(self) -> None:
        try:
            status = OrderStatus(self.status)
        except ValueError:
            status = None
        if status not in REPORTABLE_STATUSES:
            raise InvalidInput(
                "OrderStatusReport.status",
                "must be a status a venue can report: ACCEPTED, TRIGGERED, PARTIALLY_FILLED, "
                "FILLED, CANCELED, EXPIRED or REJECTED",
                self.status,
            )
        force_setattr(self, "status", status)
        if type(self.quantity) is not Quantity or type(self.filled_qty) is not Quantity:
            raise InvalidInput(
                "OrderStatusReport.quantity", "quantity and filled_qty must be Quantity values"
            )
        _ts(self.ts_last, "OrderStatusReport.ts_last")
        _ts(self.ts_init, "OrderStatusReport.ts_init")

    @property
    def is_open(self) -> bool:
        """Whether the order is still working at the venue."""
        return self.status in _OPEN

    @property
    def leaves_qty(self) -> Quantity:
        """What is still working: ``quantity - filled_qty`` while open, else 0."""
        if not self.is_open or self.filled_qty >= self.quantity:
            return Quantity.zero(self.quantity.precision)
        return self.quantity - self.filled_qty


class FillReport(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """One execution as the venue reports it.

    ``trade_id`` identifies it (unique per instrument on the venue); ``currency`` is the
    currency ``last_px`` is quoted in; ``commission`` may be in another one.
    ``client_order_id`` is ``None`` when the venue does not know it (an order placed outside
    Lyra).
    """

    account_id: AccountId
    instrument_id: InstrumentId
    venue_order_id: VenueOrderId
    client_order_id: ClientOrderId | None = None
    trade_id: TradeId
    order_side: OrderSide
    last_qty: Quantity
    last_px: Price
    currency: Currency
    commission: Money
    liquidity_side: LiquiditySide = LiquiditySide.NO_LIQUIDITY_SIDE
    position_id: PositionId | None = None
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        if type(self.last_qty) is not Quantity or not self.last_qty.is_positive():
            raise InvalidInput("FillReport.last_qty", "must be a positive Quantity", self.last_qty)
        if self.order_side not in (OrderSide.BUY, OrderSide.SELL):
            raise InvalidInput("FillReport.order_side", "must be BUY or SELL", self.order_side)
        _ts(self.ts_event, "FillReport.ts_event")
        _ts(self.ts_init, "FillReport.ts_init")


class PositionStatusReport(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """A position as the venue reports it (derivatives, margin; spot venues report none).

    ``side`` is FLAT, LONG or SHORT and ``quantity`` its size (never negative; 0 exactly when
    FLAT). ``position_id`` is the venue's id in hedging mode (``None`` when netting).
    ``avg_px_open`` is the venue's entry price, if it reports one.
    """

    account_id: AccountId
    instrument_id: InstrumentId
    side: PositionSide
    quantity: Quantity
    avg_px_open: Decimal | None = None
    position_id: PositionId | None = None
    ts_last: int
    ts_init: int

    def __post_init__(self) -> None:
        if self.side not in (PositionSide.FLAT, PositionSide.LONG, PositionSide.SHORT):
            raise InvalidInput(
                "PositionStatusReport.side", "must be FLAT, LONG or SHORT", self.side
            )
        if type(self.quantity) is not Quantity:
            raise InvalidInput("PositionStatusReport.quantity", "must be a Quantity", self.quantity)
        if (self.side == PositionSide.FLAT) != self.quantity.is_zero():
            raise InvalidInput(
                "PositionStatusReport.quantity",
                "must be 0 exactly when side is FLAT",
                self.quantity,
            )
        _ts(self.ts_last, "PositionStatusReport.ts_last")
        _ts(self.ts_init, "PositionStatusReport.ts_init")

    @property
    def signed_qty(self) -> Decimal:
        """The size with its sign: positive long, negative short, 0 flat."""
        q = self.quantity.as_decimal()
        return -q if self.side == PositionSide.SHORT else q


class BalanceReport(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """One currency's balance as the venue reports it: ``total = free + locked``."""

    account_id: AccountId
    currency: Currency
    total: Money
    locked: Money
    free: Money
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        for field in ("total", "locked", "free"):
            value = getattr(self, field)
            if type(value) is not Money or value.currency != self.currency:
                raise InvalidInput(
                    f"BalanceReport.{field}", f"must be Money in {self.currency}", value
                )
        if self.free + self.locked != self.total:
            raise InvalidInput(
                "BalanceReport.total",
                f"must equal free + locked ({self.free} + {self.locked})",
                self.total,
            )
        _ts(self.ts_event, "BalanceReport.ts_event")
        _ts(self.ts_init, "BalanceReport.ts_init")


class ReconciliationReport(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """The venue's side of an account, for recovery (what :meth:`Venue.reconcile` returns).

    * ``orders`` -- every order open at the venue (always complete), plus the orders that
      closed at or after ``since_ns`` as far as the venue can list them;
    * ``fills`` -- every fill at or after ``since_ns``, oldest first;
    * ``positions`` and ``balances`` -- as of ``ts_event``.

    ``instrument_ids`` is the scope asked for (``None``: the whole account). ``complete`` is
    false when the venue's history does not reach back to ``since_ns`` (fills or closed
    orders may be missing: treat what is absent as unknown, not as "did not happen").
    ``ts_event`` is when the venue took the snapshot (its clock, or the local one if it gives
    none); ``ts_init`` when Lyra made the report.
    """

    venue: Venue
    account_id: AccountId
    since_ns: int
    instrument_ids: tuple[InstrumentId, ...] | None = None
    orders: tuple[OrderStatusReport, ...] = ()
    fills: tuple[FillReport, ...] = ()
    positions: tuple[PositionStatusReport, ...] = ()
    balances: tuple[BalanceReport, ...] = ()
    complete: bool = True
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        _ts(self.since_ns, "ReconciliationReport.since_ns")
        _ts(self.ts_event, "ReconciliationReport.ts_event")
        _ts(self.ts_init, "ReconciliationReport.ts_init")
        if self.instrument_ids is not None:
            ids: Sequence[Any] = tuple(self.instrument_ids)
            force_setattr(self, "instrument_ids", tuple(InstrumentId(i) for i in ids))
        _tuple_of(self, "orders", OrderStatusReport)
        _tuple_of(self, "fills", FillReport)
        _tuple_of(self, "positions", PositionStatusReport)
        _tuple_of(self, "balances", BalanceReport)

    @property
    def open_orders(self) -> tuple[OrderStatusReport, ...]:
        """The orders still working at the venue."""
        return tuple(o for o in self.orders if o.is_open)

    def order(self, client_order_id: str) -> OrderStatusReport | None:
        """The report of the order with that client order id, or ``None``."""
        for o in self.orders:
            if o.client_order_id == client_order_id:
                return o
        return None

    def fills_for(self, venue_order_id: str) -> tuple[FillReport, ...]:
        """The fills of the order with that venue order id, oldest first."""
        return tuple(f for f in self.fills if f.venue_order_id == venue_order_id)


for _cls in (
    OrderStatusReport,
    FillReport,
    PositionStatusReport,
    BalanceReport,
    ReconciliationReport,
):
    register_struct(_cls)
del _cls
