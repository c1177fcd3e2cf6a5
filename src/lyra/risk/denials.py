"""What a risk check returns when it refuses an order: a :class:`Denial` with a stable code.

Every check in :mod:`lyra.risk` returns ``None`` (allowed) or a :class:`Denial`. A denial is a
pure value: nothing has happened to the order yet. :class:`~lyra.risk.RiskEngine` turns one
into an :class:`~lyra.orders.OrderDenied` (or :class:`~lyra.orders.OrderModifyRejected`) event
whose ``code`` is :attr:`Denial.code` and whose ``reason`` is :attr:`Denial.message`, and
applies it to the order only when asked to.

Codes are a :class:`DenialCode` (a ``str`` enum whose values equal their names), so they
compare equal to plain strings and survive serialization unchanged: ``event.code ==
"QTY_BELOW_MIN"``. The codes are stable; new ones may be added, none is renamed.
"""

from __future__ import annotations

import enum

import msgspec

__all__ = ("Denial", "DenialCode", "TradingState")


class DenialCode(enum.StrEnum):
    """Machine-readable reason of a denial (the value equals the name)."""

    INSTRUMENT_NOT_FOUND = "INSTRUMENT_NOT_FOUND"
    """The order's instrument is not registered with the risk engine."""
    PRICE_PRECISION_EXCEEDED = "PRICE_PRECISION_EXCEEDED"
    """A price (limit, trigger or activation) has more decimals than the instrument's."""
    PRICE_NOT_ON_TICK = "PRICE_NOT_ON_TICK"
    """A price is not a whole multiple of the instrument's ``price_increment``."""
    PRICE_NOT_POSITIVE = "PRICE_NOT_POSITIVE"
    """A price is zero or negative and the instrument's ``min_price`` does not allow that."""
    PRICE_BELOW_MIN = "PRICE_BELOW_MIN"
    """A price is below the instrument's ``min_price``."""
    PRICE_ABOVE_MAX = "PRICE_ABOVE_MAX"
    """A price is above the instrument's ``max_price``."""
    QTY_NOT_POSITIVE = "QTY_NOT_POSITIVE"
    """The quantity is zero."""
    QTY_PRECISION_EXCEEDED = "QTY_PRECISION_EXCEEDED"
    """A quantity has more decimals than the instrument's size precision."""
    QTY_NOT_ON_INCREMENT = "QTY_NOT_ON_INCREMENT"
    """A quantity is not a whole multiple of the instrument's ``size_increment``."""
    QTY_BELOW_MIN = "QTY_BELOW_MIN"
    """The quantity is below the instrument's ``min_quantity``."""
    QTY_ABOVE_MAX = "QTY_ABOVE_MAX"
    """The quantity is above the instrument's ``max_quantity``."""
    NOTIONAL_BELOW_MIN = "NOTIONAL_BELOW_MIN"
    """The order's notional is below the instrument's ``min_notional``."""
    NOTIONAL_ABOVE_MAX = "NOTIONAL_ABOVE_MAX"
    """The order's notional is above the instrument's ``max_notional``."""
    MAX_ORDER_QTY_EXCEEDED = "MAX_ORDER_QTY_EXCEEDED"
    """The quantity is above the configured maximum order quantity (a risk limit)."""
    MAX_ORDER_NOTIONAL_EXCEEDED = "MAX_ORDER_NOTIONAL_EXCEEDED"
    """The notional is above the configured maximum order notional (a risk limit)."""
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    """A market-priced order needs a reference price and none is known."""
    GTD_EXPIRED = "GTD_EXPIRED"
    """A GTD order's expire time is not after the clock's current time."""
    REDUCE_ONLY_WOULD_INCREASE = "REDUCE_ONLY_WOULD_INCREASE"
    """A reduce-only order is on the same side as the position, or the position is flat."""
    REDUCE_ONLY_EXCEEDS_POSITION = "REDUCE_ONLY_EXCEEDS_POSITION"
    """A reduce-only order is larger than the position it reduces (it would flip it)."""
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    """A cash account's free balance does not cover the order."""
    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"
    """A margin account's free balance does not cover the order's initial margin."""
    TRADING_HALTED = "TRADING_HALTED"
    """Trading is HALTED (globally or for the instrument): no new orders or modifies."""
    TRADING_REDUCING = "TRADING_REDUCING"
    """Trading is REDUCING and the order (or modify) does not reduce the position."""
    RATE_LIMITED = "RATE_LIMITED"
    """The submit or modify rate limit is reached; the command is denied, not queued."""


class Denial(msgspec.Struct, frozen=True, gc=False):
    """A refused order: a stable :attr:`code`, a :attr:`message` for people that names the
    field, the rule and the numbers, and the :attr:`field` that broke the rule (``""`` when
    no single field did, e.g. a rate limit).

    Lyra's checks always use a :class:`DenialCode`; your own checks may use one too, or a
    code of their own as a plain upper-snake-case ``str`` (``"MAX_POSITION_EXCEEDED"``).
    """

    code: DenialCode | str
    message: str
    field: str = ""

    def __str__(self) -> str:
        return f"{self.code!s}: {self.message}"


class TradingState(enum.IntEnum):
    """Whether new orders may be sent (values match NautilusTrader's).

    * ``ACTIVE`` -- every check applies as usual.
    * ``HALTED`` -- every new order and every modify is denied; cancels are allowed.
    * ``REDUCING`` -- only orders that reduce an existing position are allowed (opposite side
      and no larger than it); opening from flat is denied.
    """

    ACTIVE = 1
    HALTED = 2
    REDUCING = 3
