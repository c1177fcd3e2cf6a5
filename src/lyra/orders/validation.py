"""The construction rules of an order, and the tables they come from.

:func:`validate_order` checks an :class:`~lyra.orders.OrderInitialized` and raises
:class:`~lyra.orders.InvalidOrder` naming the first field that breaks a rule (``.field``) and
the rule (``.rule``). Every :class:`~lyra.orders.Order` is validated when it is made, whether
by :class:`~lyra.orders.OrderFactory`, by replay or by hand.

Which fields each order type takes (R = required, O = optional, - = not allowed)::

    type                   price  trigger_price  trailing_offset  limit_offset  activation
    MARKET                   -         -               -               -            -
    LIMIT                    R         -               -               -            -
    STOP_MARKET              -         R               -               -            -
    STOP_LIMIT               R         R               -               -            -
    MARKET_TO_LIMIT          -         -               -               -            -
    MARKET_IF_TOUCHED        -         R               -               -            -
    LIMIT_IF_TOUCHED         R         R               -               -            -
    TRAILING_STOP_MARKET     -         O               R               -            O
    TRAILING_STOP_LIMIT      O         O               R               R            O

(MARKET_TO_LIMIT gets its price from the venue through an ``OrderUpdated`` after its first
fill.) Stop, if-touched and trailing types need a ``trigger_type`` other than
``NO_TRIGGER``; the others must leave it at ``NO_TRIGGER``. Trailing types need a
``trailing_offset_type`` other than ``NO_TRAILING_OFFSET``.

Time in force each type can carry (:data:`ALLOWED_TIME_IN_FORCE`)::

    type                          GTC IOC FOK GTD DAY AT_THE_OPEN AT_THE_CLOSE
    MARKET                         x   x   x   -   x       x           x
    LIMIT                          x   x   x   x   x       x           x
    MARKET_TO_LIMIT, stop,
    if-touched and trailing types  x   x   x   x   x       -           -

Instructions:

* ``post_only`` only on types that rest at a limit price (LIMIT, STOP_LIMIT,
  LIMIT_IF_TOUCHED, TRAILING_STOP_LIMIT) and only with GTC, GTD or DAY (an order that must
  add liquidity cannot be IOC/FOK or go to an auction).
* ``display_qty`` (iceberg) on the same types and time in force; ``0 < display_qty <=
  quantity``.
* ``expire_time_ns`` is required (and positive) with GTD and not allowed otherwise.
* ``emulation_trigger`` only on types with a price or trigger (not MARKET, MARKET_TO_LIMIT).
* Contingency fields agree with each other: a contingency type needs an ``order_list_id``
  and linked orders; no links without a contingency type (OTO children carry only
  ``parent_order_id``); an order never links to itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from lyra.errors import InvalidOrder
from lyra.model.enums import (
    ContingencyType,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    OrderListId,
    StrategyId,
)
from lyra.model.values import Price, Quantity
from lyra.orders.events import OrderInitialized

__all__ = (
    "ACTIVATION_PRICE_TYPES",
    "ALLOWED_TIME_IN_FORCE",
    "DISPLAY_QTY_TYPES",
    "EMULATION_TYPES",
    "LIMIT_OFFSET_TYPES",
    "POST_ONLY_TYPES",
    "PRICE_OPTIONAL_TYPES",
    "PRICE_REQUIRED_TYPES",
    "RESTING_TIME_IN_FORCE",
    "TRAILING_TYPES",
    "TRIGGERABLE_TYPES",
    "TRIGGER_OPTIONAL_TYPES",
    "TRIGGER_REQUIRED_TYPES",
    "validate_order",
)

_T = OrderType
_TIF = TimeInForce

PRICE_REQUIRED_TYPES: Final = frozenset({_T.LIMIT, _T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED})
"""Types that must have a ``price``."""
PRICE_OPTIONAL_TYPES: Final = frozenset({_T.TRAILING_STOP_LIMIT})
"""Types that may have a ``price`` (otherwise derived from the trailing offsets)."""
TRIGGER_REQUIRED_TYPES: Final = frozenset(
    {_T.STOP_MARKET, _T.STOP_LIMIT, _T.MARKET_IF_TOUCHED, _T.LIMIT_IF_TOUCHED}
)
"""Types that must have a ``trigger_price``."""
TRAILING_TYPES: Final = frozenset({_T.TRAILING_STOP_MARKET, _T.TRAILING_STOP_LIMIT})
"""Trailing-stop types: they need a trailing offset and its type."""
TRIGGER_OPTIONAL_TYPES: Final = TRAILING_TYPES
"""Types that may have a ``trigger_price`` (trailing stops: the initial trigger)."""
TRIGGERABLE_TYPES: Final = TRIGGER_REQUIRED_TYPES | TRAILING_TYPES
"""Types with a trigger condition: they carry a ``trigger_type`` and may be TRIGGERED."""
LIMIT_OFFSET_TYPES: Final = frozenset({_T.TRAILING_STOP_LIMIT})
"""Types that carry a ``limit_offset`` (required there)."""
ACTIVATION_PRICE_TYPES: Final = TRAILING_TYPES
"""Types that may carry an ``activation_price``."""
POST_ONLY_TYPES: Final = frozenset(
    {_T.LIMIT, _T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED, _T.TRAILING_STOP_LIMIT}
)
"""Types that may be ``post_only`` (they rest at a limit price)."""
DISPLAY_QTY_TYPES: Final = POST_ONLY_TYPES
"""Types that may be icebergs (``display_qty``)."""
EMULATION_TYPES: Final = frozenset(_T) - {_T.MARKET, _T.MARKET_TO_LIMIT}
"""Types the emulator can hold locally (``emulation_trigger``)."""
RESTING_TIME_IN_FORCE: Final = frozenset({_TIF.GTC, _TIF.GTD, _TIF.DAY})
"""Time in force under which an order rests in the book (needed by post-only, iceberg)."""

_CONDITIONAL_TIF: Final = frozenset({_TIF.GTC, _TIF.IOC, _TIF.FOK, _TIF.GTD, _TIF.DAY})
ALLOWED_TIME_IN_FORCE: Final[Mapping[OrderType, frozenset[TimeInForce]]] = MappingProxyType(
    {
        _T.MARKET: frozenset(_TIF) - {_TIF.GTD},
        _T.LIMIT: frozenset(_TIF),
        _T.STOP_MARKET: _CONDITIONAL_TIF,
        _T.STOP_LIMIT: _CONDITIONAL_TIF,
        _T.MARKET_TO_LIMIT: _CONDITIONAL_TIF,
        _T.MARKET_IF_TOUCHED: _CONDITIONAL_TIF,
        _T.LIMIT_IF_TOUCHED: _CONDITIONAL_TIF,
        _T.TRAILING_STOP_MARKET: _CONDITIONAL_TIF,
        _T.TRAILING_STOP_LIMIT: _CONDITIONAL_TIF,
    }
)
"""The time in force each order type can carry."""

_SIDES: Final = frozenset({OrderSide.BUY, OrderSide.SELL})
_TRIGGER_TYPES: Final = frozenset(TriggerType)
_TIFS: Final = frozenset(TimeInForce)
_ORDER_TYPES: Final = {int(t): t for t in OrderType}
_NO_CONTINGENCY: Final = ContingencyType.NO_CONTINGENCY
_LINKED_TYPES: Final = frozenset({ContingencyType.OCO, ContingencyType.OUO, ContingencyType.OTO})


def _fail(field: str, rule: str, value: Any) -> InvalidOrder:
    return InvalidOrder(field, rule, value)


def _name(t: OrderType) -> str:
    return OrderType(t).name


def _check_type(field: str, value: object, cls: type, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, cls):
        raise _fail(field, f"must be a {cls.__name__}", value)


def _has_id_types(strategy: object, instrument: object, client: object, event: object) -> bool:
    # one cheap test for the common case; the field-by-field checks name the culprit
    return (
        isinstance(strategy, StrategyId)
        and isinstance(instrument, InstrumentId)
        and isinstance(client, ClientOrderId)
        and isinstance(event, str)
    )


def _check_ns(field: str, value: object) -> None:
    if type(value) is not int or value < 0:
        raise _fail(field, "must be a non-negative int (nanoseconds since the Unix epoch)", value)


def _check_offset(field: str, value: object, allow_zero: bool) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _fail(field, "must be a finite Decimal", value)
    if value < 0 or (value == 0 and not allow_zero):
        raise _fail(field, "must not be negative" if allow_zero else "must be positive", value)
    return value


def validate_order(init: OrderInitialized) -> None:
    """Check an order specification against every construction rule.

    Raises :class:`~lyra.orders.InvalidOrder` naming the field and the rule. Rules are listed
    in this module's documentation.
    """
    try:
        if _plainly_valid(init):
            return
    except TypeError:  # e.g. an unhashable enum field: the full checks name it
        pass
    _validate_full(init)


# Per order type, for types without trailing offsets: (price required, trigger required,
# triggerable, post-only / iceberg allowed, allowed time in force).
_PLAIN_RULES: Final[dict[int, tuple[bool, bool, bool, bool, frozenset[TimeInForce]]]] = {
    int(t): (
        t in PRICE_REQUIRED_TYPES,
        t in TRIGGER_REQUIRED_TYPES,
        t in TRIGGERABLE_TYPES,
        t in POST_ONLY_TYPES,
        ALLOWED_TIME_IN_FORCE[t],
    )
    for t in OrderType
    if t not in TRAILING_TYPES
}
_NO_TRIGGER: Final = TriggerType.NO_TRIGGER
_NO_TRAILING: Final = TrailingOffsetType.NO_TRAILING_OFFSET
_GTD: Final = TimeInForce.GTD


def _plainly_valid(init: OrderInitialized) -> bool:
    """A quick pass over the common shapes of order: ``True`` only when every rule of
    :func:`_validate_full` holds (it is stricter about types); ``False`` means "check fully"."""
    if not (
        type(init.strategy_id) is StrategyId
        and type(init.instrument_id) is InstrumentId
        and type(init.client_order_id) is ClientOrderId
        and isinstance(init.event_id, str)
    ):
        return False
    ts = init.ts_event
    if type(ts) is not int or ts < 0:
        return False
    ts = init.ts_init
    if type(ts) is not int or ts < 0:
        return False
    if init.side not in _SIDES:
        return False
    rules = _PLAIN_RULES.get(init.order_type)
    if rules is None:
        return False
    price_required, trigger_required, triggerable, post_only_ok, tifs = rules
    qty = init.quantity
    if type(qty) is not Quantity or qty._raw <= 0:
        return False
    price = init.price
    if price is None:
        if price_required:
            return False
    elif not price_required or type(price) is not Price:
        return False
    trigger = init.trigger_price
    if trigger is None:
        if trigger_required:
            return False
    elif not trigger_required or type(trigger) is not Price:
        return False
    trigger_type = init.trigger_type
    if triggerable:
        if trigger_type not in _TRIGGER_TYPES or trigger_type == _NO_TRIGGER:
            return False
    elif trigger_type != _NO_TRIGGER:
        return False
    if (
        init.trailing_offset is not None
        or init.trailing_offset_type != _NO_TRAILING
        or init.limit_offset is not None
        or init.activation_price is not None
    ):
        return False
    tif = init.time_in_force
    if tif not in tifs:
        return False
    expire = init.expire_time_ns
    if tif == _GTD:
        if type(expire) is not int or expire <= 0:
            return False
    elif expire is not None:
        return False
    if init.post_only and (not post_only_ok or tif not in RESTING_TIME_IN_FORCE):
        return False
    if init.display_qty is not None or init.emulation_trigger != _NO_TRIGGER:
        return False
    tags = init.tags
    if type(tags) is not tuple:
        return False
    for tag in tags:
        if type(tag) is not str:
            return False
    return (
        init.order_list_id is None
        and init.parent_order_id is None
        and init.linked_order_ids == ()
        and init.contingency_type == _NO_CONTINGENCY
    )


def _validate_full(init: OrderInitialized) -> None:
    """Every rule, in order; raises on the first one broken."""
    if not _has_id_types(init.strategy_id, init.instrument_id, init.client_order_id, init.event_id):
        _check_type("strategy_id", init.strategy_id, StrategyId)
        _check_type("instrument_id", init.instrument_id, InstrumentId)
        _check_type("client_order_id", init.client_order_id, ClientOrderId)
        _check_type("event_id", init.event_id, str)
    _check_ns("ts_event", init.ts_event)
    _check_ns("ts_init", init.ts_init)

    if init.side not in _SIDES:
        raise _fail("side", "must be BUY or SELL", init.side)
    t = _ORDER_TYPES.get(init.order_type)
    if t is None:
        raise _fail("order_type", "must be an OrderType", init.order_type)

    qty = init.quantity
    _check_type("quantity", qty, Quantity)
    if not qty.is_positive():
        raise _fail("quantity", "must be positive", qty)

    # price / trigger price presence by type
    price = init.price
    _check_type("price", price, Price, optional=True)
    if price is None:
        if t in PRICE_REQUIRED_TYPES:
            raise _fail("price", f"is required for {_name(t)} orders", None)
    elif t not in PRICE_REQUIRED_TYPES and t not in PRICE_OPTIONAL_TYPES:
        raise _fail("price", f"is not allowed on {_name(t)} orders", price)

    trigger = init.trigger_price
    _check_type("trigger_price", trigger, Price, optional=True)
    if trigger is None:
        if t in TRIGGER_REQUIRED_TYPES:
            raise _fail("trigger_price", f"is required for {_name(t)} orders", None)
    elif t not in TRIGGER_REQUIRED_TYPES and t not in TRIGGER_OPTIONAL_TYPES:
        raise _fail("trigger_price", f"is not allowed on {_name(t)} orders", trigger)

    if t in TRIGGERABLE_TYPES:
        if init.trigger_type not in _TRIGGER_TYPES or init.trigger_type == TriggerType.NO_TRIGGER:
            raise _fail("trigger_type", f"is required (not NO_TRIGGER) for {_name(t)} orders", None)
    elif init.trigger_type != TriggerType.NO_TRIGGER:
        raise _fail(
            "trigger_type",
            f"must be NO_TRIGGER on {_name(t)} orders (they have no trigger)",
            init.trigger_type,
        )

    # trailing offsets
    if t in TRAILING_TYPES:
        if init.trailing_offset_type not in (
            TrailingOffsetType.PRICE,
            TrailingOffsetType.BASIS_POINTS,
            TrailingOffsetType.TICKS,
        ):
            raise _fail(
                "trailing_offset_type",
                f"is required (PRICE, BASIS_POINTS or TICKS) for {_name(t)} orders",
                init.trailing_offset_type,
            )
        if init.trailing_offset is None:
            raise _fail("trailing_offset", f"is required for {_name(t)} orders", None)
        offset = _check_offset("trailing_offset", init.trailing_offset, allow_zero=False)
        is_ticks = init.trailing_offset_type == TrailingOffsetType.TICKS
        if is_ticks and offset != offset.to_integral_value():
            raise _fail("trailing_offset", "must be a whole number of ticks", offset)
        if t in LIMIT_OFFSET_TYPES:
            if init.limit_offset is None:
                raise _fail("limit_offset", f"is required for {_name(t)} orders", None)
            limit_offset = _check_offset("limit_offset", init.limit_offset, allow_zero=True)
            if is_ticks and limit_offset != limit_offset.to_integral_value():
                raise _fail("limit_offset", "must be a whole number of ticks", limit_offset)
        elif init.limit_offset is not None:
            raise _fail(
                "limit_offset", "is only allowed on TRAILING_STOP_LIMIT orders", init.limit_offset
            )
        _check_type("activation_price", init.activation_price, Price, optional=True)
    else:
        if init.trailing_offset is not None:
            raise _fail(
                "trailing_offset",
                "is only allowed on trailing-stop orders",
                init.trailing_offset,
            )
        if init.trailing_offset_type != TrailingOffsetType.NO_TRAILING_OFFSET:
            raise _fail(
                "trailing_offset_type",
                "must be NO_TRAILING_OFFSET on non-trailing orders",
                init.trailing_offset_type,
            )
        if init.limit_offset is not None:
            raise _fail(
                "limit_offset", "is only allowed on TRAILING_STOP_LIMIT orders", init.limit_offset
            )
        if init.activation_price is not None:
            raise _fail(
                "activation_price",
                "is only allowed on trailing-stop orders",
                init.activation_price,
            )

    # time in force
    tif = init.time_in_force
    if tif not in ALLOWED_TIME_IN_FORCE[t]:
        if tif not in _TIFS:
            raise _fail("time_in_force", "must be a TimeInForce", tif)
        raise _fail(
            "time_in_force",
            f"{TimeInForce(tif).name} is not allowed on {_name(t)} orders "
            f"(allowed: {', '.join(x.name for x in sorted(ALLOWED_TIME_IN_FORCE[t]))})",
            tif,
        )
    expire = init.expire_time_ns
    if tif == TimeInForce.GTD:
        if expire is None:
            raise _fail("expire_time_ns", "is required when time_in_force is GTD", None)
        if type(expire) is not int or expire <= 0:
            raise _fail("expire_time_ns", "must be a positive int of nanoseconds", expire)
    elif expire is not None:
        raise _fail(
            "expire_time_ns",
            f"is only allowed with time_in_force GTD (got {TimeInForce(tif).name})",
            expire,
        )

    # execution instructions
    if init.post_only:
        if t not in POST_ONLY_TYPES:
            raise _fail(
                "post_only",
                f"is not allowed on {_name(t)} orders (only on LIMIT, STOP_LIMIT, "
                "LIMIT_IF_TOUCHED, TRAILING_STOP_LIMIT)",
                True,
            )
        if tif not in RESTING_TIME_IN_FORCE:
            raise _fail(
                "post_only",
                f"cannot be combined with time_in_force {TimeInForce(tif).name} "
                "(a post-only order must rest: GTC, GTD or DAY)",
                True,
            )
    display = init.display_qty
    if display is not None:
        _check_type("display_qty", display, Quantity)
        if t not in DISPLAY_QTY_TYPES:
            raise _fail("display_qty", f"is not allowed on {_name(t)} orders", display)
        if not display.is_positive():
            raise _fail("display_qty", "must be positive", display)
        if display > qty:
            raise _fail("display_qty", f"must not exceed quantity {qty}", display)
        if tif not in RESTING_TIME_IN_FORCE:
            raise _fail(
                "display_qty",
                f"cannot be combined with time_in_force {TimeInForce(tif).name} "
                "(an iceberg must rest: GTC, GTD or DAY)",
                display,
            )
    if init.emulation_trigger != TriggerType.NO_TRIGGER:
        if init.emulation_trigger not in _TRIGGER_TYPES:
            raise _fail("emulation_trigger", "must be a TriggerType", init.emulation_trigger)
        if t not in EMULATION_TYPES:
            raise _fail(
                "emulation_trigger",
                f"is not allowed on {_name(t)} orders (nothing to trigger locally)",
                init.emulation_trigger,
            )
    if not isinstance(init.tags, tuple) or not all(isinstance(x, str) for x in init.tags):
        raise _fail("tags", "must be a tuple of str", init.tags)

    _validate_contingency(init)


def _validate_contingency(init: OrderInitialized) -> None:
    ctype = init.contingency_type
    links = init.linked_order_ids
    list_id = init.order_list_id
    parent = init.parent_order_id
    if list_id is None and parent is None and links == () and ctype == _NO_CONTINGENCY:
        return  # the common case: an order in no list
    _check_type("order_list_id", list_id, OrderListId, optional=True)
    _check_type("parent_order_id", parent, ClientOrderId, optional=True)
    if not isinstance(links, tuple) or not all(isinstance(x, ClientOrderId) for x in links):
        raise _fail("linked_order_ids", "must be a tuple of ClientOrderId", links)
    if ctype in _LINKED_TYPES:
        if list_id is None:
            raise _fail(
                "order_list_id",
                f"is required for contingency_type {ContingencyType(ctype).name}",
                None,
            )
        if not links:
            raise _fail(
                "linked_order_ids",
                f"must not be empty for contingency_type {ContingencyType(ctype).name}",
                links,
            )
    elif ctype == ContingencyType.NO_CONTINGENCY:
        if links:
            raise _fail(
                "linked_order_ids", "must be empty when contingency_type is NO_CONTINGENCY", links
            )
    else:
        raise _fail("contingency_type", "must be a ContingencyType", ctype)
    if init.client_order_id in links:
        raise _fail("linked_order_ids", "must not contain the order itself", links)
    if len(set(links)) != len(links):
        raise _fail("linked_order_ids", "must not repeat an id", links)
    if parent is not None:
        if list_id is None:
            raise _fail("order_list_id", "is required when parent_order_id is set", None)
        if parent == init.client_order_id:
            raise _fail("parent_order_id", "must not be the order itself", parent)
        if parent in links:
            raise _fail("linked_order_ids", "must not contain the parent order", links)
