"""The trailing-stop ratchet, as a small pure class: :class:`TrailingState`.

A trailing stop keeps its trigger ``offset`` away from a reference price and moves it only in
its favour: a SELL stop's trigger only up, a BUY stop's only down. A trailing stop-limit moves
its limit price the same way, ``limit_offset`` from the reference. The rules, which match the
Rust matching engine's (``native/lyra-engine/src/matching/trigger.rs``):

* **Offset.** ``PRICE``: the offset as a price distance; ``TICKS``: that many price
  increments; ``BASIS_POINTS``: ``reference * offset / 10_000`` (100 bp = 1 %). Every offset
  is rounded **down** to a whole number of price increments, so the trigger never sits
  farther from the market than asked. ``limit_offset`` has the same unit.
* **Candidate.** BUY: ``reference + offset``; SELL: ``reference - offset``. A reference that
  is not on the price grid (the mid price on a half tick) gives a candidate rounded away from
  the market (BUY up, SELL down) onto the grid.
* **Ratchet.** The trigger (and the limit) takes the candidate only when it is better for the
  order: BUY lower, SELL higher. A trigger price given with the order is the starting value,
  and moves from there only when the market improves on it.
* **Activation.** Without an activation price the order trails from the first reference it
  sees. With one, it starts trailing once the reference touches it (BUY: at or below, SELL: at
  or above); before that it has no working trigger and cannot fire.
* **Fire.** BUY when the reference is at or above the trigger; SELL at or below.
* **Reference.** The one the order fires on (:func:`lyra.emulator.reference_x2` for a BUY
  rising / a SELL falling): for the two-price trigger types the confirming one, e.g. with
  DOUBLE_BID_ASK a BUY follows the lower of bid and ask. The Rust engine trails only on
  DEFAULT/BID_ASK, LAST_PRICE and MARK_PRICE, where both agree; the emulator trails on every
  trigger type.

Prices here are raw integers (value * 10**9, see :class:`~lyra.model.values.Price`), and the
reference given to :meth:`TrailingState.step` is **doubled** (``2 * price``, or ``bid + ask``
for the mid price), so that a mid price on a half tick is exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from lyra.errors import InvalidInput
from lyra.model.enums import OrderSide, TrailingOffsetType
from lyra.model.values import FIXED_SCALAR

__all__ = ("TrailingState", "offset_raw", "trailing_candidate")

_PRICE: Final = TrailingOffsetType.PRICE
_BPS: Final = TrailingOffsetType.BASIS_POINTS
_TICKS: Final = TrailingOffsetType.TICKS


def _ratio(value: Decimal, field: str) -> tuple[int, int]:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInput(field, "must be a finite, non-negative Decimal", value)
    num, den = value.as_integer_ratio()
    return num, den


def offset_raw(
    offset_type: TrailingOffsetType, offset: Decimal, reference_raw: int, tick_raw: int
) -> int:
    """A trailing offset as a raw price distance, rounded down to whole ticks.

    ``reference_raw`` is the (undoubled) raw reference price; it matters only for
    ``BASIS_POINTS``. ``tick_raw`` is the instrument's raw price increment.
    """
    if tick_raw <= 0:
        raise InvalidInput("tick_raw", "must be positive", tick_raw)
    num, den = _ratio(offset, "offset")
    unit = TrailingOffsetType(offset_type)
    if unit is _TICKS:
        if num % den:
            raise InvalidInput("offset", "must be a whole number of ticks", offset)
        return (num // den) * tick_raw
    if unit is _PRICE:
        return (num * FIXED_SCALAR) // (den * tick_raw) * tick_raw
    if unit is _BPS:
        return (abs(reference_raw) * num) // (den * 10_000 * tick_raw) * tick_raw
    raise InvalidInput("offset_type", "must be PRICE, BASIS_POINTS or TICKS", offset_type)


def trailing_candidate(side: OrderSide, reference_x2: int, offset: int, tick_raw: int) -> int:
    """Where the trigger (or limit) would go for a doubled reference: BUY above it, SELL
    below, by ``offset`` (raw), rounded onto the grid away from the market."""
    step = 2 * tick_raw
    if side == OrderSide.BUY:
        cand = reference_x2 + 2 * offset
        return -((-cand) // step) * tick_raw
    cand = reference_x2 - 2 * offset
    return (cand // step) * tick_raw


class TrailingState:
    """The progress of one trailing order: activation, trigger, limit (see the module docs).

    ``offset`` / ``limit_offset`` are in ``offset_type`` units (``limit_offset`` only for a
    trailing stop-limit); ``activation``, ``trigger`` and ``price`` are raw prices (``None``:
    none); ``tick`` is the raw price increment. Mutable; :meth:`step` moves it.
    """

    __slots__ = (
        "_bp",
        "_fixed",
        "_lbp",
        "_lfixed",
        "activated",
        "activation",
        "buy",
        "is_limit",
        "offset_type",
        "price",
        "tick",
        "trigger",
    )

    def __init__(
        self,
        side: OrderSide,
        offset_type: TrailingOffsetType,
        offset: Decimal,
        tick: int,
        *,
        limit_offset: Decimal | None = None,
        activation: int | None = None,
        trigger: int | None = None,
        price: int | None = None,
        activated: bool = False,
    ) -> None:
        if side not in (OrderSide.BUY, OrderSide.SELL):
            raise InvalidInput("side", "must be BUY or SELL", side)
        if type(tick) is not int or tick <= 0:
            raise InvalidInput("tick", "must be a positive raw price increment", tick)
        unit = TrailingOffsetType(offset_type)
        if unit not in (_PRICE, _BPS, _TICKS):
            raise InvalidInput("offset_type", "must be PRICE, BASIS_POINTS or TICKS", unit)
        self.buy = side == OrderSide.BUY
        self.offset_type = unit
        self.tick = tick
        self.is_limit = limit_offset is not None
        self._fixed, self._bp = self._prepare(unit, offset, tick, "offset")
        if limit_offset is None:
            self._lfixed, self._lbp = 0, None
        else:
            self._lfixed, self._lbp = self._prepare(unit, limit_offset, tick, "limit_offset")
        self.activation = activation
        self.trigger = trigger
        self.price = price
        self.activated = activated

    @staticmethod
    def _prepare(
        unit: TrailingOffsetType, value: Decimal, tick: int, field: str
    ) -> tuple[int, tuple[int, int] | None]:
        """(fixed raw offset, None) for PRICE/TICKS; (0, (num, den)) for basis points."""
        if unit is _BPS:
            return 0, _ratio(value, field)
        return offset_raw(unit, value, 0, tick), None

    @property
    def side(self) -> OrderSide:
        """BUY or SELL."""
        return OrderSide.BUY if self.buy else OrderSide.SELL

    def offsets(self, reference_x2: int) -> tuple[int, int]:
        """(trigger offset, limit offset) in raw units at a doubled reference."""
        bp = self._bp
        tick = self.tick
        if bp is None:
            off = self._fixed
        else:
            off = (abs(reference_x2) * bp[0]) // (2 * bp[1] * 10_000 * tick) * tick
        lbp = self._lbp
        if lbp is None:
            loff = self._lfixed
        else:
            loff = (abs(reference_x2) * lbp[0]) // (2 * lbp[1] * 10_000 * tick) * tick
        return off, loff

    def touches_activation(self, reference_x2: int) -> bool:
        """Whether the doubled reference touches the activation price (``True`` if none)."""
        a = self.activation
        if a is None:
            return True
        return reference_x2 <= 2 * a if self.buy else reference_x2 >= 2 * a

    def fires(self, reference_x2: int) -> bool:
        """Whether the order fires at this doubled reference (never before activation)."""
        trig = self.trigger
        if not self.activated or trig is None:
            return False
        return reference_x2 >= 2 * trig if self.buy else reference_x2 <= 2 * trig

    def step(self, reference_x2: int) -> tuple[bool, bool]:
        """Follow the market to the doubled reference: activate if it may, ratchet the
        trigger (and limit) in the order's favour. Returns ``(moved, fires)``: whether the
        trigger or limit changed, and whether the order fires now."""
        buy = self.buy
        if not self.activated:
            a = self.activation
            if a is not None and (reference_x2 > 2 * a if buy else reference_x2 < 2 * a):
                return False, False
            self.activated = True
        tick = self.tick
        bp = self._bp
        if bp is None:
            off = self._fixed
        else:
            off = (abs(reference_x2) * bp[0]) // (2 * bp[1] * 10_000 * tick) * tick
        if self.is_limit:
            lbp = self._lbp
            if lbp is None:
                loff = self._lfixed
            else:
                loff = (abs(reference_x2) * lbp[0]) // (2 * lbp[1] * 10_000 * tick) * tick
        else:
            loff = 0
        step = 2 * tick
        moved = False
        if buy:
            cand = -((-(reference_x2 + 2 * off)) // step) * tick
            trig = self.trigger
            if trig is None or cand < trig:
                self.trigger = trig = cand
                moved = True
            if self.is_limit:
                lim = -((-(reference_x2 + 2 * loff)) // step) * tick
                price = self.price
                if price is None or lim < price:
                    self.price = lim
                    moved = True
            return moved, reference_x2 >= 2 * trig
        cand = ((reference_x2 - 2 * off) // step) * tick
        trig = self.trigger
        if trig is None or cand > trig:
            self.trigger = trig = cand
            moved = True
        if self.is_limit:
            lim = ((reference_x2 - 2 * loff) // step) * tick
            price = self.price
            if price is None or lim > price:
                self.price = lim
                moved = True
        return moved, reference_x2 <= 2 * trig

    def copy(self) -> TrailingState:
        """An independent copy (for what-if checks)."""
        new = object.__new__(TrailingState)
        for name in TrailingState.__slots__:
            object.__setattr__(new, name, getattr(self, name))
        return new

    def __repr__(self) -> str:
        return (
            f"TrailingState({self.side.name}, {self.offset_type.name}, "
            f"activated={self.activated}, trigger={self.trigger}, price={self.price})"
        )
