"""Positions: the exact bookkeeping of what one strategy holds in one instrument.

A :class:`Position` is changed only by fills (:meth:`Position.apply`), each in O(1): no fill
history is kept or scanned. Everything is exact integer arithmetic on the raw values
(value x 10**9) of prices, quantities and money; values are rounded only where this page says.

Rules (the worked numbers are in ``docs/explanation/positions-and-pnl.md``):

* **Cost basis (average cost).** An opening or increasing fill adds its value to the cost
  basis: ``qty x multiplier x price`` for a linear instrument (exact), ``qty x multiplier /
  price`` in the base currency for an inverse one (rounded half-even to 10**-27). A reducing
  fill releases the share ``basis x reduced / held`` of the basis (rounded half-even to
  10**-27; a full close releases all of it), so the average cost of what stays open does not
  change, and no rounding residue is ever lost: it is realized when the position closes.
* **Realized PnL** of a reducing fill: linear ``reduced value - released basis`` for a long
  (the reverse for a short); inverse ``released basis - reduced value`` (for a long that is
  ``qty x multiplier x (1/open - 1/close)``). Commissions in the settlement currency are
  subtracted from :attr:`Position.realized_pnl`, opening ones included; commissions in any
  other currency are kept per currency in :attr:`Position.commissions` and never converted.
* **Averages.** :attr:`Position.avg_px_open` is the average cost per unit of the open
  quantity (arithmetic mean weighted by quantity; for an inverse contract the
  quantity-weighted harmonic mean, which is what makes its PnL formula hold);
  :attr:`Position.avg_px_close` is the same mean over the reducing fills. Both are exact
  ratios of integer sums, given as a :class:`~fractions.Fraction` (``*_exact``) and as a
  Decimal of 40 significant digits, rounded half-even (exact whenever the ratio terminates
  there).
* **Money outputs** (:attr:`Position.realized_pnl`, :meth:`Position.unrealized_pnl`) are
  rounded half-even to 10**-9, the finest a :class:`~lyra.model.Money` holds, only when the
  exact amount needs more digits; ``*_exact`` gives the exact Decimal.
* **Flip.** A fill larger than the open opposite position first closes it (quantity = the
  position's size) and then opens the other side with the rest. Its commission is split pro
  rata by quantity: the closing part's share is ``commission x closed / filled`` rounded
  half-even to the commission's precision, and the opening part gets the remainder, so the
  two add up to the commission exactly.
* **Reopen.** Applying a fill to a closed position stores the closed cycle as a
  :class:`PositionState` in :attr:`Position.snapshots` and starts a new cycle under the same
  id (netting mode). :attr:`Position.total_realized_pnl` sums every cycle.
* **Spot fees in the base asset.** For a spot pair (multiplier 1), a positive commission in
  the base currency leaves the account with less of the asset than was bought, so it also
  reduces a long position's quantity (at its average cost, realizing nothing: the fee is
  recorded in :attr:`Position.commissions`). When the position is not long, or the fee
  exceeds it, the commission is only recorded.
* **Duplicates.** A fill whose trade id the position has already applied is ignored and
  returns no event (a set lookup, O(1)).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import Any, Final

import msgspec

from lyra.errors import InvalidInput
from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.enums import OrderSide, PositionSide
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
)
from lyra.model.instruments import CurrencyPair, Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import OrderFilled
from lyra.portfolio._fixed import (
    FINE_PER_RAW,
    POW10,
    SCALE,
    decimal_to_fine,
    decimal_to_raw,
    exact_precision,
    fine_to_decimal,
    money,
    money_from_fine,
    quantity,
    ratio_to_decimal,
    raw_to_decimal,
    rdiv,
)
from lyra.portfolio.events import (
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)

__all__ = ("Position", "PositionState")

_BUY: Final = OrderSide.BUY
_SELL: Final = OrderSide.SELL
_FLAT: Final = PositionSide.FLAT
_LONG: Final = PositionSide.LONG
_SHORT: Final = PositionSide.SHORT
_NO_SIDE: Final = OrderSide.NO_ORDER_SIDE
# 10**18: with qty_raw * mult_raw (10**-18 units) over px_raw (10**-9), gives 10**-27 units.
_INV_NUM: Final = FINE_PER_RAW


class PositionState(msgspec.Struct, frozen=True, tag=True, kw_only=True):
    """Everything a :class:`Position` knows, for persistence and exact restore.

    Sums that may exceed 64 bits are exact Decimals in natural units. The fields marked
    *derived* repeat what the others imply, for readers of a stored snapshot; restoring
    ignores them. A closed cycle kept in :attr:`Position.snapshots` is a ``PositionState``
    without ``snapshots`` and ``trade_ids``.
    """

    position_id: PositionId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    account_id: AccountId | None
    currency: Currency
    """Settlement currency (of realized and unrealized PnL)."""
    base_currency: Currency | None
    """Set for spot pairs: base-currency commissions adjust the quantity."""
    multiplier: Quantity
    is_inverse: bool
    size_precision: int
    signed_qty: Decimal
    peak_qty: Quantity
    cost_basis: Decimal
    """Signed cost of the open quantity (settlement-currency units; negative when short)."""
    ref_cost_basis: Decimal
    """Unsigned cost basis and quantity as of the last increase: ``avg_px_open``'s ratio."""
    ref_qty: Decimal
    close_qty: Decimal
    """Sum of reduced quantities and of their values: ``avg_px_close``'s ratio."""
    close_value: Decimal
    realized_trading: Decimal
    """Exact realized PnL of the cycle before commissions."""
    commissions: tuple[Money, ...]
    """Commissions of the cycle, one per currency."""
    entry: OrderSide
    opening_order_id: ClientOrderId | None
    closing_order_id: ClientOrderId | None
    last_trade_id: TradeId | None
    trade_count: int
    ts_opened: int
    ts_last: int
    ts_closed: int | None
    side: PositionSide
    """*Derived.*"""
    avg_px_open: Decimal | None
    """*Derived.*"""
    avg_px_close: Decimal | None
    """*Derived.*"""
    realized_pnl: Money
    """*Derived*: realized PnL of the cycle, settlement-currency commissions subtracted."""
    snapshots: tuple[PositionState, ...] = ()
    trade_ids: tuple[TradeId, ...] | None = None


register_struct(PositionState)


def _split_commission(commission: Money, part: int, total: int) -> tuple[Money, Money]:
    """``commission`` split pro rata: ``part / total`` of it (rounded half-even to its
    precision) and the exact remainder."""
    precision = commission.precision
    step = POW10[9 - precision]
    raw = rdiv(commission.raw * part, total * step) * step
    first = Money.from_raw(raw, commission.currency, precision)
    return first, commission - first


_CYCLE_SLOTS: Final = (
    "_qty",
    "_peak",
    "_basis",
    "_ref_basis",
    "_ref_qty",
    "_close_qty",
    "_close_val",
    "_realized",
    "_comm_settle",
    "_entry",
    "_opening_order_id",
    "_closing_order_id",
    "_last_trade_id",
    "_trade_count",
    "_ts_opened",
    "_ts_last",
    "_ts_closed",
    "_snap_realized",
    "_snap_comm",
    "_size_prec",
)


class Position:
    """One strategy's position in one instrument, changed only by fills; see the module docs.

    ``instrument`` supplies the multiplier, whether the contract is inverse, the settlement
    currency and the size precision. ``track_trade_ids`` keeps the set of applied trade ids
    so duplicates are ignored; a :class:`~lyra.portfolio.Portfolio` turns it off because it
    keeps that set itself.
    """

    __slots__ = (
        "_account_id",
        "_adjust_ccy",
        "_all_comm",
        "_basis",
        "_close_qty",
        "_close_val",
        "_closing_order_id",
        "_comm",
        "_comm_settle",
        "_currency",
        "_entry",
        "_id",
        "_instrument_id",
        "_inverse",
        "_last_trade_id",
        "_m",
        "_opening_order_id",
        "_peak",
        "_qty",
        "_realized",
        "_ref_basis",
        "_ref_qty",
        "_size_prec",
        "_snap_comm",
        "_snap_realized",
        "_snapshots",
        "_strategy_id",
        "_trade_count",
        "_trade_ids",
        "_ts_closed",
        "_ts_last",
        "_ts_opened",
    )

    _id: PositionId
    _instrument_id: InstrumentId
    _strategy_id: StrategyId
    _account_id: AccountId | None
    _currency: Currency
    _adjust_ccy: Currency | None
    _inverse: bool
    _m: int
    _size_prec: int
    _qty: int
    _peak: int
    _basis: int
    _ref_basis: int
    _ref_qty: int
    _close_qty: int
    _close_val: int
    _realized: int
    _comm: dict[Currency, Money]
    _comm_settle: int
    _all_comm: dict[Currency, Money]
    _entry: OrderSide
    _opening_order_id: ClientOrderId | None
    _closing_order_id: ClientOrderId | None
    _last_trade_id: TradeId | None
    _trade_count: int
    _ts_opened: int
    _ts_last: int
    _ts_closed: int | None
    # closed cycles: PositionState, or the slot values it is built from on first read
    # (a tuple of _SNAPSHOT_SLOTS; see _snapshot_and_reset)
    _snapshots: list[PositionState | tuple[Any, ...]]
    _snap_realized: int
    _snap_comm: int
    _trade_ids: set[str] | None

    def __init__(
        self,
        instrument: Instrument,
        position_id: PositionId | str,
        strategy_id: StrategyId | str,
        account_id: AccountId | str | None = None,
        *,
        track_trade_ids: bool = True,
    ) -> None:
        if not isinstance(instrument, Instrument):
            raise InvalidInput("Position.instrument", "must be an Instrument", instrument)
        self._id = PositionId(position_id)
        self._instrument_id = instrument.id
        self._strategy_id = StrategyId(strategy_id)
        self._account_id = None if account_id is None else AccountId(account_id)
        self._currency = instrument.settlement_currency
        self._inverse = instrument.is_inverse
        self._m = instrument.multiplier.raw
        self._adjust_ccy = (
            instrument.base_currency
            if isinstance(instrument, CurrencyPair) and self._m == SCALE
            else None
        )
        self._size_prec = instrument.size_precision
        self._snapshots = []
        self._snap_realized = 0
        self._snap_comm = 0
        self._all_comm = {}
        self._trade_ids = set() if track_trade_ids else None
        self._reset_cycle()

    def _reset_cycle(self) -> None:
        self._qty = 0
        self._peak = 0
        self._basis = 0
        self._ref_basis = 0
        self._ref_qty = 0
        self._close_qty = 0
        self._close_val = 0
        self._realized = 0
        self._comm = {}
        self._comm_settle = 0
        self._entry = _NO_SIDE
        self._opening_order_id = None
        self._closing_order_id = None
        self._last_trade_id = None
        self._trade_count = 0
        self._ts_opened = 0
        self._ts_last = 0
        self._ts_closed = None

    # -- identity ---------------------------------------------------------------------------
    @property
    def id(self) -> PositionId:
        """The position id."""
        return self._id

    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument held."""
        return self._instrument_id

    @property
    def strategy_id(self) -> StrategyId:
        """The strategy that holds it."""
        return self._strategy_id

    @property
    def account_id(self) -> AccountId | None:
        """The account it is booked on, if known."""
        return self._account_id

    @property
    def currency(self) -> Currency:
        """The settlement currency: the currency of realized and unrealized PnL."""
        return self._currency

    @property
    def is_inverse(self) -> bool:
        """Whether the instrument is an inverse contract (PnL in the base currency)."""
        return self._inverse

    @property
    def multiplier(self) -> Quantity:
        """The instrument's contract multiplier."""
        return Quantity.from_raw(self._m, _precision_of(self._m))

    # -- quantity ---------------------------------------------------------------------------
    @property
    def side(self) -> PositionSide:
        """LONG, SHORT or FLAT."""
        q = self._qty
        return _LONG if q > 0 else _SHORT if q < 0 else _FLAT

    @property
    def entry(self) -> OrderSide:
        """BUY if the cycle opened long, SELL if short (NO_ORDER_SIDE before any fill)."""
        return self._entry

    @property
    def signed_qty(self) -> Decimal:
        """Net quantity: > 0 long, < 0 short, 0 flat."""
        return raw_to_decimal(self._qty, self._size_prec)

    @property
    def quantity(self) -> Quantity:
        """Absolute quantity held."""
        return Quantity.from_raw(abs(self._qty), self._size_prec)

    @property
    def peak_qty(self) -> Quantity:
        """Largest quantity held in this cycle."""
        return Quantity.from_raw(self._peak, self._size_prec)

    @property
    def is_open(self) -> bool:
        """Whether anything is held."""
        return self._qty != 0

    @property
    def is_closed(self) -> bool:
        """Whether the position was opened and is now flat."""
        return self._qty == 0 and self._trade_count > 0

    @property
    def is_long(self) -> bool:
        """Whether the position is long."""
        return self._qty > 0

    @property
    def is_short(self) -> bool:
        """Whether the position is short."""
        return self._qty < 0

    # -- prices -----------------------------------------------------------------------------
    @property
    def avg_px_open_exact(self) -> Fraction | None:
        """Exact average open price of this cycle (``None`` before any opening fill)."""
        n, d = self._avg_open_ratio()
        return None if d == 0 else Fraction(n, d)

    @property
    def avg_px_open(self) -> Decimal | None:
        """Average open price at 40 significant digits (see the module docs)."""
        n, d = self._avg_open_ratio()
        return None if d == 0 else ratio_to_decimal(n, d)

    @property
    def avg_px_close_exact(self) -> Fraction | None:
        """Exact average price of the reducing fills of this cycle (``None`` if none)."""
        n, d = self._avg_close_ratio()
        return None if d == 0 else Fraction(n, d)

    @property
    def avg_px_close(self) -> Decimal | None:
        """Average close price at 40 significant digits (``None`` before any reduction)."""
        n, d = self._avg_close_ratio()
        return None if d == 0 else ratio_to_decimal(n, d)

    def _avg_open_ratio(self) -> tuple[int, int]:
        rq = self._ref_qty * self._m * SCALE
        if self._inverse:
            return (rq, self._ref_basis) if self._ref_basis else (0, 0)
        return self._ref_basis, rq

    def _avg_close_ratio(self) -> tuple[int, int]:
        cq = self._close_qty * self._m * SCALE
        if self._inverse:
            return (cq, self._close_val) if self._close_val else (0, 0)
        return self._close_val, cq

    @property
    def cost_basis(self) -> Decimal:
        """Exact signed cost of the open quantity, in the settlement currency."""
        return fine_to_decimal(self._basis)

    # -- PnL --------------------------------------------------------------------------------
    @property
    def realized_pnl(self) -> Money:
        """Realized PnL of this cycle minus its settlement-currency commissions."""
        return money_from_fine(self._realized - self._comm_settle * FINE_PER_RAW, self._currency)

    @property
    def realized_pnl_exact(self) -> Decimal:
        """:attr:`realized_pnl`, exact."""
        return fine_to_decimal(self._realized - self._comm_settle * FINE_PER_RAW)

    @property
    def total_realized_pnl(self) -> Money:
        """Realized PnL of every cycle of this position (snapshots included)."""
        fine = self._snap_realized + self._realized
        comm = self._snap_comm + self._comm_settle
        return money_from_fine(fine - comm * FINE_PER_RAW, self._currency)

    @property
    def total_realized_pnl_exact(self) -> Decimal:
        """:attr:`total_realized_pnl`, exact."""
        fine = self._snap_realized + self._realized
        return fine_to_decimal(fine - (self._snap_comm + self._comm_settle) * FINE_PER_RAW)

    @property
    def commissions(self) -> dict[Currency, Money]:
        """Commissions of this cycle, per currency (settlement currency included)."""
        return self._with_settle(self._comm, self._comm_settle)

    @property
    def total_commissions(self) -> dict[Currency, Money]:
        """Commissions of every cycle, per currency."""
        return self._with_settle(self._all_comm, self._snap_comm + self._comm_settle)

    def _with_settle(self, others: dict[Currency, Money], settle: int) -> dict[Currency, Money]:
        out = dict(others)
        if settle:
            out[self._currency] = money(settle, self._currency)
        return out

    def _unrealized_fine(self, price_raw: int) -> int:
        q = self._qty
        if q == 0:
            return 0
        a = q if q > 0 else -q
        if self._inverse:
            v = rdiv(a * self._m * _INV_NUM, price_raw)
            return self._basis - (v if q > 0 else -v)
        v = a * self._m * price_raw
        return (v if q > 0 else -v) - self._basis

    def _check_price(self, price: Price) -> int:
        if type(price) is not Price:
            raise InvalidInput("price", "must be a Price", price)
        if self._inverse and price.raw <= 0:
            raise InvalidInput("price", "must be positive for an inverse contract", price)
        return price.raw

    def unrealized_pnl(self, price: Price) -> Money:
        """PnL of the open quantity if it were closed at ``price`` (zero when flat)."""
        return money_from_fine(self._unrealized_fine(self._check_price(price)), self._currency)

    def unrealized_pnl_exact(self, price: Price) -> Decimal:
        """:meth:`unrealized_pnl`, exact (an inverse value is rounded at 10**-27)."""
        return fine_to_decimal(self._unrealized_fine(self._check_price(price)))

    def total_pnl(self, price: Price) -> Money:
        """``realized_pnl + unrealized_pnl(price)`` of this cycle."""
        fine = self._realized - self._comm_settle * FINE_PER_RAW
        fine += self._unrealized_fine(self._check_price(price))
        return money_from_fine(fine, self._currency)

    def notional_value(self, price: Price) -> Money:
        """Absolute value of the open quantity at ``price`` in the settlement currency."""
        p = self._check_price(price)
        a = abs(self._qty)
        fine = rdiv(a * self._m * _INV_NUM, p) if self._inverse else a * self._m * p
        return money_from_fine(abs(fine), self._currency)

    # -- history ----------------------------------------------------------------------------
    @property
    def opening_order_id(self) -> ClientOrderId | None:
        """The order whose fill opened this cycle."""
        return self._opening_order_id

    @property
    def closing_order_id(self) -> ClientOrderId | None:
        """The order whose fill closed this cycle (``None`` while open)."""
        return self._closing_order_id

    @property
    def last_trade_id(self) -> TradeId | None:
        """Trade id of the last fill applied."""
        return self._last_trade_id

    @property
    def trade_count(self) -> int:
        """Number of fills applied in this cycle (a flipping fill counts in both cycles)."""
        return self._trade_count

    @property
    def ts_opened(self) -> int:
        """``ts_event`` of the fill that opened this cycle."""
        return self._ts_opened

    @property
    def ts_last(self) -> int:
        """``ts_event`` of the last fill applied."""
        return self._ts_last

    @property
    def ts_closed(self) -> int | None:
        """``ts_event`` of the fill that closed this cycle (``None`` while open)."""
        return self._ts_closed

    @property
    def snapshots(self) -> tuple[PositionState, ...]:
        """Earlier closed cycles of this position id, oldest first (netting reopen)."""
        return tuple(self._closed_cycles())

    def has_trade(self, trade_id: TradeId | str) -> bool:
        """Whether a fill with this trade id was applied (only with ``track_trade_ids``)."""
        ids = self._trade_ids
        return ids is not None and trade_id in ids

    # -- applying fills ---------------------------------------------------------------------
    def apply(self, fill: OrderFilled) -> tuple[PositionEvent, ...]:
        """Apply a fill; return the events it caused (none for a duplicate trade id).

        Raises :class:`~lyra.errors.InvalidInput` (the position unchanged) for a fill of
        another instrument, a side other than BUY/SELL, a zero quantity, or a non-positive
        price on an inverse contract.
        """
        if fill.instrument_id != self._instrument_id:
            raise InvalidInput(
                "OrderFilled.instrument_id",
                f"must be the position's instrument {self._instrument_id}",
                fill.instrument_id,
            )
        ids = self._trade_ids
        if ids is not None and fill.trade_id in ids:
            return ()
        sign = self._check_fill(fill)
        events = self._apply(sign, fill)
        if ids is not None:
            ids.add(fill.trade_id)
        return events

    def _check_fill(self, fill: OrderFilled) -> int:
        side = fill.order_side
        if side == _BUY:
            sign = 1
        elif side == _SELL:
            sign = -1
        else:
            raise InvalidInput("OrderFilled.order_side", "must be BUY or SELL", side)
        if fill.last_qty.raw <= 0:
            raise InvalidInput("OrderFilled.last_qty", "must be positive", fill.last_qty)
        if self._inverse and fill.last_px.raw <= 0:
            raise InvalidInput(
                "OrderFilled.last_px", "must be positive for an inverse contract", fill.last_px
            )
        return sign

    def _apply(
        self, sign: int, fill: OrderFilled, quiet: bool = False
    ) -> tuple[PositionEvent, ...]:
        """Apply a fill; its events (none when ``quiet``: the caller discards them)."""
        q = fill.last_qty.raw
        held = self._qty
        if held == 0:
            if self._trade_count:
                self._snapshot_and_reset()
            return _events(self._part(sign, q, fill, fill.commission, quiet))
        if (held > 0) != (sign > 0):
            a = held if held > 0 else -held
            if q > a:
                first_c, second_c = _split_commission(fill.commission, a, q)
                first = self._part(sign, a, fill, first_c, quiet)
                self._snapshot_and_reset()
                return _events(first, self._part(sign, q - a, fill, second_c, quiet))
        return _events(self._part(sign, q, fill, fill.commission, quiet))

    def _part(
        self, sign: int, q: int, fill: OrderFilled, commission: Money, quiet: bool = False
    ) -> PositionEvent | None:
        """Apply ``q`` (no more than the open quantity when reducing) of a fill; return its
        event (``None`` when ``quiet``: building it changes nothing)."""
        held = self._qty
        p = fill.last_px.raw
        m = self._m
        precision = fill.last_qty.precision
        if precision > self._size_prec:
            self._size_prec = precision
        opened = held == 0
        if opened:
            self._entry = _BUY if sign > 0 else _SELL
            self._opening_order_id = fill.client_order_id
            self._ts_opened = fill.ts_event
        if opened or (held > 0) == (sign > 0):
            v = rdiv(q * m * _INV_NUM, p) if self._inverse else q * m * p
            basis = self._basis + v if sign > 0 else self._basis - v
            held += q if sign > 0 else -q
            a = held if held > 0 else -held
            self._basis = basis
            self._qty = held
            if a > self._peak:
                self._peak = a
            self._ref_basis = basis if basis >= 0 else -basis
            self._ref_qty = a
        else:
            a = held if held > 0 else -held
            basis = self._basis
            released = basis if q == a else rdiv(basis * q, a)
            if self._inverse:
                v = rdiv(q * m * _INV_NUM, p)
                self._realized += released - (v if held > 0 else -v)
            else:
                v = q * m * p
                self._realized += (v if held > 0 else -v) - released
            self._basis = basis - released
            self._qty = held + (q if sign > 0 else -q)
            self._close_qty += q
            self._close_val += v
        craw = commission.raw
        if craw:
            self._add_commission(commission)
            if craw > 0 and commission.currency == self._adjust_ccy:
                self._adjust_for_base_fee(craw)
        self._trade_count += 1
        self._last_trade_id = fill.trade_id
        self._ts_last = fill.ts_event
        if self._qty == 0:
            self._closing_order_id = fill.client_order_id
            self._ts_closed = fill.ts_event
            return None if quiet else self._event(2, fill, q)
        return None if quiet else self._event(0 if opened else 1, fill, q)

    def _add_commission(self, commission: Money) -> None:
        ccy = commission.currency
        if ccy is self._currency or ccy == self._currency:
            self._comm_settle += commission.raw
            return
        # Other currencies are rare: only they pay for the per-currency dicts.
        comm = self._comm
        prev = comm.get(ccy)
        comm[ccy] = commission if prev is None else prev + commission
        total = self._all_comm
        prev = total.get(ccy)
        total[ccy] = commission if prev is None else prev + commission

    def _adjust_for_base_fee(self, fee_raw: int) -> None:
        held = self._qty
        if held <= 0 or fee_raw > held:
            return
        basis = self._basis
        released = basis if fee_raw == held else rdiv(basis * fee_raw, held)
        self._basis = basis - released
        self._qty = held - fee_raw
        self._size_prec = exact_precision(fee_raw, self._size_prec)

    def _snapshot_and_reset(self) -> None:
        if type(self) is Position:
            # Building the PositionState (Decimals, Money) waits until someone reads it: a
            # position that flips on every fill would pay for it on every fill otherwise.
            self._snapshots.append(_capture_cycle(self))
        else:
            self._snapshots.append(self._state(with_history=False))
        self._snap_realized += self._realized
        self._snap_comm += self._comm_settle
        self._reset_cycle()

    def _closed_cycles(self) -> list[PositionState]:
        """``_snapshots`` with every captured cycle built into its PositionState."""
        snaps = self._snapshots
        for i, snap in enumerate(snaps):
            if type(snap) is tuple:
                cycle = object.__new__(Position)
                for name, value in zip(_SNAPSHOT_SLOTS, snap, strict=True):
                    setattr(cycle, name, value)
                cycle._all_comm = {}
                cycle._snapshots = []
                cycle._trade_ids = None
                snaps[i] = cycle._state(with_history=False)
        return snaps  # type: ignore[return-value]  # every entry is a PositionState now

    # -- events -----------------------------------------------------------------------------
    def _event(self, kind: int, fill: OrderFilled, q: int) -> PositionEvent:
        """The event of one applied part: 0 opened, 1 changed, 2 closed (one call per fill:
        built with explicit keywords, no intermediate dict)."""
        prec = self._size_prec
        held = self._qty
        lq = fill.last_qty
        if kind == 2:
            return PositionClosed(
                position_id=self._id,
                strategy_id=self._strategy_id,
                instrument_id=self._instrument_id,
                account_id=self._account_id,
                opening_order_id=self._opening_order_id,
                entry=self._entry,
                side=_FLAT,
                signed_qty=raw_to_decimal(0, prec),
                quantity=Quantity.from_raw(0, prec),
                peak_qty=Quantity.from_raw(self._peak, prec),
                last_trade_id=fill.trade_id,
                last_qty=lq if q == lq.raw else quantity(q, prec),
                last_px=fill.last_px,
                avg_px_open=self.avg_px_open,
                realized_pnl=self.realized_pnl,
                currency=self._currency,
                ts_opened=self._ts_opened,
                ts_event=fill.ts_event,
                ts_init=fill.ts_init,
                closing_order_id=fill.client_order_id,
                avg_px_close=self.avg_px_close,
                ts_closed=fill.ts_event,
                duration_ns=fill.ts_event - self._ts_opened,
            )
        a = held if held > 0 else -held
        qty = Quantity.from_raw(a, prec)
        peak = qty if a == self._peak else Quantity.from_raw(self._peak, prec)
        fields: dict[str, Any] = {
            "position_id": self._id,
            "strategy_id": self._strategy_id,
            "instrument_id": self._instrument_id,
            "account_id": self._account_id,
            "opening_order_id": self._opening_order_id,
            "entry": self._entry,
            "side": _LONG if held > 0 else _SHORT,
            "signed_qty": raw_to_decimal(held, prec),
            "quantity": qty,
            "peak_qty": peak,
            "last_trade_id": fill.trade_id,
            "last_qty": lq if q == lq.raw else quantity(q, prec),
            "last_px": fill.last_px,
            "avg_px_open": self.avg_px_open,
            "realized_pnl": self.realized_pnl,
            "currency": self._currency,
            "ts_opened": self._ts_opened,
            "ts_event": fill.ts_event,
            "ts_init": fill.ts_init,
        }
        if kind == 0:
            return PositionOpened(**fields)
        return PositionChanged(
            **fields,
            avg_px_close=self.avg_px_close,
            unrealized_pnl=money_from_fine(self._unrealized_fine(fill.last_px.raw), self._currency),
        )

    # -- rollback (used by the portfolio when an account refuses a fill) ----------------------
    def _save(self) -> tuple[Any, ...]:
        values = tuple(getattr(self, name) for name in _CYCLE_SLOTS)
        return values, dict(self._comm), dict(self._all_comm), len(self._snapshots)

    def _restore(self, saved: tuple[Any, ...]) -> None:
        values, comm, all_comm, n_snapshots = saved
        for name, value in zip(_CYCLE_SLOTS, values, strict=True):
            setattr(self, name, value)
        self._comm = comm
        self._all_comm = all_comm
        del self._snapshots[n_snapshots:]

    # -- state ------------------------------------------------------------------------------
    def to_state(self) -> PositionState:
        """The full state (snapshots and applied trade ids included) as a serializable struct."""
        return self._state(with_history=True)

    def _state(self, *, with_history: bool) -> PositionState:
        ids = self._trade_ids
        return PositionState(
            position_id=self._id,
            strategy_id=self._strategy_id,
            instrument_id=self._instrument_id,
            account_id=self._account_id,
            currency=self._currency,
            base_currency=self._adjust_ccy,
            multiplier=self.multiplier,
            is_inverse=self._inverse,
            size_precision=self._size_prec,
            signed_qty=self.signed_qty,
            peak_qty=self.peak_qty,
            cost_basis=fine_to_decimal(self._basis),
            ref_cost_basis=fine_to_decimal(self._ref_basis),
            ref_qty=fine_to_decimal(self._ref_qty * FINE_PER_RAW),
            close_qty=fine_to_decimal(self._close_qty * FINE_PER_RAW),
            close_value=fine_to_decimal(self._close_val),
            realized_trading=fine_to_decimal(self._realized),
            commissions=tuple(sorted(self.commissions.values(), key=lambda c: c.currency.code)),
            entry=self._entry,
            opening_order_id=self._opening_order_id,
            closing_order_id=self._closing_order_id,
            last_trade_id=self._last_trade_id,
            trade_count=self._trade_count,
            ts_opened=self._ts_opened,
            ts_last=self._ts_last,
            ts_closed=self._ts_closed,
            side=self.side,
            avg_px_open=self.avg_px_open,
            avg_px_close=self.avg_px_close,
            realized_pnl=self.realized_pnl,
            snapshots=tuple(self._closed_cycles()) if with_history else (),
            trade_ids=(
                tuple(TradeId(t) for t in sorted(ids)) if with_history and ids is not None else None
            ),
        )

    @classmethod
    def from_state(cls, state: PositionState) -> Position:
        """Rebuild a position exactly from :meth:`to_state`'s result."""
        if not isinstance(state, PositionState):
            raise InvalidInput("Position.from_state.state", "must be a PositionState", state)
        pos = object.__new__(cls)
        pos._id = state.position_id
        pos._instrument_id = state.instrument_id
        pos._strategy_id = state.strategy_id
        pos._account_id = state.account_id
        pos._currency = state.currency
        pos._adjust_ccy = state.base_currency
        pos._inverse = state.is_inverse
        pos._m = state.multiplier.raw
        pos._size_prec = state.size_precision
        pos._qty = decimal_to_raw(state.signed_qty, "PositionState.signed_qty")
        pos._peak = state.peak_qty.raw
        pos._basis = decimal_to_fine(state.cost_basis, "PositionState.cost_basis")
        pos._ref_basis = decimal_to_fine(state.ref_cost_basis, "PositionState.ref_cost_basis")
        pos._ref_qty = decimal_to_raw(state.ref_qty, "PositionState.ref_qty")
        pos._close_qty = decimal_to_raw(state.close_qty, "PositionState.close_qty")
        pos._close_val = decimal_to_fine(state.close_value, "PositionState.close_value")
        pos._realized = decimal_to_fine(state.realized_trading, "PositionState.realized_trading")
        pos._comm = {c.currency: c for c in state.commissions if c.currency != state.currency}
        pos._comm_settle = sum(c.raw for c in state.commissions if c.currency == state.currency)
        pos._entry = state.entry
        pos._opening_order_id = state.opening_order_id
        pos._closing_order_id = state.closing_order_id
        pos._last_trade_id = state.last_trade_id
        pos._trade_count = state.trade_count
        pos._ts_opened = state.ts_opened
        pos._ts_last = state.ts_last
        pos._ts_closed = state.ts_closed
        pos._snapshots = list[PositionState | tuple[Any, ...]](state.snapshots)
        pos._snap_realized = 0
        pos._snap_comm = 0
        all_comm: dict[Currency, Money] = {}
        for snap in (*state.snapshots, state):
            if snap is not state:
                pos._snap_realized += decimal_to_fine(
                    snap.realized_trading, "PositionState.realized_trading"
                )
                pos._snap_comm += sum(
                    c.raw for c in snap.commissions if c.currency == state.currency
                )
            for c in snap.commissions:
                if c.currency == state.currency:
                    continue
                prev = all_comm.get(c.currency)
                all_comm[c.currency] = c if prev is None else prev + c
        pos._all_comm = all_comm
        pos._trade_ids = None if state.trade_ids is None else set(state.trade_ids)
        return pos

    def __repr__(self) -> str:
        return (
            f"Position({self._id}, {self.side.name}, qty={self.signed_qty}, "
            f"avg_px_open={self.avg_px_open}, realized={self.realized_pnl})"
        )


def _precision_of(raw: int) -> int:
    p = 0
    while p < 9 and raw % POW10[9 - p]:
        p += 1
    return p


# What _state(with_history=False) reads: every slot but the history and the running totals
# across cycles (a cycle's dict of commissions is replaced, never changed, when it closes).
_SNAPSHOT_SLOTS: Final = tuple(
    name for name in Position.__slots__ if name not in ("_all_comm", "_snapshots", "_trade_ids")
)
_capture_cycle: Final = attrgetter(*_SNAPSHOT_SLOTS)


def _events(*parts: PositionEvent | None) -> tuple[PositionEvent, ...]:
    """The events of a fill's parts (``()`` when they were applied quietly)."""
    return () if parts[0] is None else parts  # type: ignore[return-value]
