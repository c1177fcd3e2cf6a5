"""What a venue supports natively: :class:`VenueCapabilities`.

Every venue describes itself with one frozen, serializable :class:`VenueCapabilities`. The
rest of Lyra reads it to decide what to do *before* a command is sent:

* a venue refuses an order it cannot take with an :class:`~lyra.orders.OrderDenied` (code
  ``NOT_SUPPORTED``) whose reason is :meth:`VenueCapabilities.supports`'s text;
* the emulator asks :meth:`~VenueCapabilities.unsupported_features` which features it must
  emulate (a stop type the venue lacks, a trigger type it does not offer);
* the contingency manager asks :meth:`~VenueCapabilities.supports_list` whether a venue can
  enforce an OCO/OUO/OTO/bracket list itself, and emulates the links when it cannot.

Each check returns ``None`` when the venue supports everything asked, otherwise a reason that
names the field and the rule (``"order_type: STOP_MARKET orders are not supported natively
(supported: LIMIT, MARKET)"``). Passing a check is necessary, not sufficient: the venue still
applies its own filters (tick size, notional, balance) and may reject the order.

A freshly made ``VenueCapabilities()`` describes the least a venue is expected to offer
(MARKET and LIMIT orders, GTC/IOC/FOK, quotes, trades and a book, no amend, no native lists);
an adapter states the rest. :meth:`VenueCapabilities.full` is everything Lyra models.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Final, TypeVar

import msgspec
from msgspec.structs import force_setattr

from lyra.errors import InvalidInput
from lyra.model.codec import register_struct
from lyra.model.data import BarType
from lyra.model.enums import (
    AggregationSource,
    BarAggregation,
    ContingencyType,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.values import Price, Quantity
from lyra.orders.lists import OrderList, ReleasePolicy
from lyra.orders.order import Order
from lyra.venue.unset import UNSET, Unset

__all__ = ("AmendMode", "ContingencySupport", "Feature", "VenueCapabilities")

_E = TypeVar("_E", bound=enum.Enum)

_C = ContingencyType
_PEER_TYPES: Final = frozenset({_C.OCO, _C.OUO})
_TRAILING: Final = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})
_VENUE_DEFAULT_TRIGGERS: Final = frozenset({TriggerType.NO_TRIGGER, TriggerType.DEFAULT})


class AmendMode(enum.IntEnum):
    """How a venue applies :meth:`~lyra.venue.Venue.modify_order`."""

    NONE = 0
    """The venue cannot change a working order: every modify is refused (``NOT_SUPPORTED``)."""
    IN_PLACE = 1
    """The venue amends the order itself: same venue order id; a quantity decrease usually
    keeps the queue position, a price change loses it."""
    CANCEL_REPLACE = 2
    """The venue cancels the order and places a new one: a new venue order id (carried by
    ``OrderUpdated``), the queue position is lost, and the order may fill in between."""


class Feature(enum.StrEnum):
    """A feature a venue may lack (value equals name); see
    :meth:`VenueCapabilities.unsupported_features`."""

    ORDER_TYPE = "ORDER_TYPE"
    TIME_IN_FORCE = "TIME_IN_FORCE"
    POST_ONLY = "POST_ONLY"
    REDUCE_ONLY = "REDUCE_ONLY"
    ICEBERG = "ICEBERG"
    QUOTE_QUANTITY = "QUOTE_QUANTITY"
    TRIGGER_TYPE = "TRIGGER_TYPE"
    TRAILING_OFFSET_TYPE = "TRAILING_OFFSET_TYPE"
    ACTIVATION_PRICE = "ACTIVATION_PRICE"
    AMEND = "AMEND"
    AMEND_QUANTITY = "AMEND_QUANTITY"
    AMEND_QUANTITY_INCREASE = "AMEND_QUANTITY_INCREASE"
    AMEND_PRICE = "AMEND_PRICE"
    AMEND_TRIGGER_PRICE = "AMEND_TRIGGER_PRICE"
    CONTINGENCY = "CONTINGENCY"
    QUOTES = "QUOTES"
    TRADES = "TRADES"
    BOOK = "BOOK"
    BOOK_DEPTH = "BOOK_DEPTH"
    BARS = "BARS"


def _names(values: Iterable[enum.Enum]) -> str:
    names = sorted(v.name for v in values)
    return ", ".join(names) if names else "none"


def _enum_set(cls: type[_E], value: object, field: str) -> frozenset[_E]:
    """``value`` as a frozenset of ``cls`` members; raises InvalidInput naming ``field``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInput(field, f"must be a set of {cls.__name__}", value)
    out: set[_E] = set()
    for item in value:
        try:
            out.add(cls(item))
        except ValueError:
            raise InvalidInput(field, f"must hold only {cls.__name__} members", item) from None
    return frozenset(out)


def _opt_positive(value: object, field: str) -> None:
    if value is not None and (type(value) is not int or value <= 0):
        raise InvalidInput(field, "must be None or an int > 0", value)


class ContingencySupport(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One shape of order list a venue enforces natively.

    ``contingency_type`` is the list's top-level relation (OCO, OUO or OTO); ``max_orders``
    caps the number of orders in the list, the OTO parent included (``None``: no cap). For
    OTO lists, ``children_contingency`` is how the children may be linked to each other
    (``{NO_CONTINGENCY}`` for a plain OTO, ``OCO``/``OUO`` for brackets) and
    ``release_policies`` when the venue releases them: most venues place the children only
    once the parent is completely filled (``ON_FULL_FILL``), which is not Lyra's default
    (``ON_FIRST_FILL``), so such lists are emulated unless the list asks for full fills.

    Binance spot, for example, is ``OCO`` with ``max_orders=2``, ``OTO`` with ``max_orders=2``,
    and ``OTO`` with ``max_orders=3`` and ``children_contingency={OCO}`` (OTOCO), all
    ``ON_FULL_FILL``.
    """

    contingency_type: ContingencyType
    max_orders: int | None = None
    children_contingency: frozenset[ContingencyType] = frozenset({_C.NO_CONTINGENCY})
    release_policies: frozenset[ReleasePolicy] = frozenset({ReleasePolicy.ON_FULL_FILL})

    def __post_init__(self) -> None:
        try:
            ctype = ContingencyType(self.contingency_type)
        except ValueError:
            ctype = None
        if ctype is None or ctype == _C.NO_CONTINGENCY:
            raise InvalidInput(
                "ContingencySupport.contingency_type",
                "must be OCO, OUO or OTO",
                self.contingency_type,
            )
        force_setattr(self, "contingency_type", ctype)
        _opt_positive(self.max_orders, "ContingencySupport.max_orders")
        if self.max_orders is not None and self.max_orders < 2:
            raise InvalidInput(
                "ContingencySupport.max_orders", "must be None or at least 2", self.max_orders
            )
        children = _enum_set(
            ContingencyType, self.children_contingency, "ContingencySupport.children_contingency"
        )
        releases = _enum_set(
            ReleasePolicy, self.release_policies, "ContingencySupport.release_policies"
        )
        if ctype == _C.OTO:
            if not children or _C.OTO in children:
                raise InvalidInput(
                    "ContingencySupport.children_contingency",
                    "must be a non-empty set of NO_CONTINGENCY, OCO, OUO",
                    self.children_contingency,
                )
            if not releases:
                raise InvalidInput(
                    "ContingencySupport.release_policies", "must not be empty for OTO", releases
                )
        force_setattr(self, "children_contingency", children)
        force_setattr(self, "release_policies", releases)

    def check(self, order_list: OrderList) -> str | None:
        """Why this shape does not fit ``order_list`` (``None`` when it does)."""
        ctype = order_list.contingency_type
        if ctype != self.contingency_type:
            return (
                f"contingency_type: this shape is {self.contingency_type.name}, "
                f"the list is {ctype.name}"
            )
        n = len(order_list)
        if self.max_orders is not None and n > self.max_orders:
            return (
                f"orders: a native {ctype.name} list holds at most {self.max_orders} orders "
                f"(got {n})"
            )
        if ctype == _C.OTO:
            cc = order_list.children_contingency
            if cc not in self.children_contingency:
                return (
                    f"children_contingency: {cc.name} children are not supported natively "
                    f"(supported: {_names(self.children_contingency)})"
                )
            policy = order_list.release_policy
            if policy not in self.release_policies:
                shown = "none" if policy is None else policy.name
                return (
                    f"release_policy: {shown} is not supported natively "
                    f"(supported: {_names(self.release_policies)})"
                )
        return None


class VenueCapabilities(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """What a venue supports natively (frozen; serializable with :mod:`lyra.model.codec`).

    Orders: ``order_types``, ``time_in_force``; instructions ``post_only``, ``reduce_only``,
    ``iceberg`` (``display_qty``); ``quote_quantity`` is the set of order types that accept
    a quantity in the quote currency; ``trigger_types`` the trigger types offered beyond the
    venue's default (``DEFAULT`` and ``NO_TRIGGER`` always pass); ``trailing_offset_types``
    the units a trailing stop's offset may have; ``activation_price`` whether a trailing
    stop may carry one.

    Modify: ``amend`` (:class:`AmendMode`) and which fields it can change
    (``amend_quantity``, ``amend_quantity_increase`` -- false when a quantity may only go
    down --, ``amend_price``, ``amend_trigger_price``), on ``amend_order_types`` (``None``:
    every supported type).

    Lists: ``contingencies``, the native list shapes (:class:`ContingencySupport`); empty
    means every contingency is emulated by Lyra. ``max_open_orders`` is the venue's cap on
    open orders (``None``: none known), for pre-trade checks.

    Data: ``quotes``, ``trades``, ``book`` (with ``book_depths`` the depths a book
    subscription may ask for; empty: any), ``bars`` the bar aggregations the venue builds
    itself (EXTERNAL bars).

    Sets accept any iterable and are stored as frozensets; contradictions (``amend`` NONE
    with an amend field set, an amend mode with no field) raise
    :class:`~lyra.errors.InvalidInput`.
    """

    order_types: frozenset[OrderType] = frozenset({OrderType.MARKET, OrderType.LIMIT})
    time_in_force: frozenset[TimeInForce] = frozenset(
        {TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}
    )
    post_only: bool = False
    reduce_only: bool = False
    iceberg: bool = False
    quote_quantity: frozenset[OrderType] = frozenset()
    trigger_types: frozenset[TriggerType] = frozenset()
    trailing_offset_types: frozenset[TrailingOffsetType] = frozenset()
    activation_price: bool = False
    amend: AmendMode = AmendMode.NONE
    amend_quantity: bool = False
    amend_quantity_increase: bool = False
    amend_price: bool = False
    amend_trigger_price: bool = False
    amend_order_types: frozenset[OrderType] | None = None
    contingencies: tuple[ContingencySupport, ...] = ()
    max_open_orders: int | None = None
    quotes: bool = True
    trades: bool = True
    book: bool = True
    book_depths: frozenset[int] = frozenset()
    bars: frozenset[BarAggregation] = frozenset()

    def __post_init__(self) -> None:
        name = "VenueCapabilities"
        for field, cls in (
            ("order_types", OrderType),
            ("time_in_force", TimeInForce),
            ("quote_quantity", OrderType),
            ("trigger_types", TriggerType),
            ("trailing_offset_types", TrailingOffsetType),
            ("bars", BarAggregation),
        ):
            force_setattr(self, field, _enum_set(cls, getattr(self, field), f"{name}.{field}"))
        if self.amend_order_types is not None:
            force_setattr(
                self,
                "amend_order_types",
                _enum_set(OrderType, self.amend_order_types, f"{name}.amend_order_types"),
            )
        for field in (
            "post_only",
            "reduce_only",
            "iceberg",
            "activation_price",
            "amend_quantity",
            "amend_quantity_increase",
            "amend_price",
            "amend_trigger_price",
            "quotes",
            "trades",
            "book",
        ):
            if type(getattr(self, field)) is not bool:
                raise InvalidInput(f"{name}.{field}", "must be a bool", getattr(self, field))
        try:
            amend = AmendMode(self.amend)
        except ValueError:
            raise InvalidInput(f"{name}.amend", "must be an AmendMode", self.amend) from None
        force_setattr(self, "amend", amend)
        fields = (self.amend_quantity, self.amend_price, self.amend_trigger_price)
        if amend is AmendMode.NONE:
            if any(fields) or self.amend_quantity_increase or self.amend_order_types is not None:
                raise InvalidInput(
                    f"{name}.amend",
                    "is NONE, so amend_quantity/amend_price/amend_trigger_price/"
                    "amend_quantity_increase/amend_order_types must stay unset",
                    amend,
                )
        elif not any(fields):
            raise InvalidInput(
                f"{name}.amend",
                f"is {amend.name}, so at least one of amend_quantity, amend_price, "
                "amend_trigger_price must be true",
                amend,
            )
        if self.amend_quantity_increase and not self.amend_quantity:
            raise InvalidInput(f"{name}.amend_quantity_increase", "needs amend_quantity", True)
        contingencies: Any = self.contingencies
        if isinstance(contingencies, (str, bytes)) or not isinstance(contingencies, Iterable):
            raise InvalidInput(
                f"{name}.contingencies", "must be a sequence of ContingencySupport", contingencies
            )
        contingencies = tuple(contingencies)
        for i, c in enumerate(contingencies):
            if type(c) is not ContingencySupport:
                raise InvalidInput(f"{name}.contingencies[{i}]", "must be a ContingencySupport", c)
        force_setattr(self, "contingencies", contingencies)
        _opt_positive(self.max_open_orders, f"{name}.max_open_orders")
        depths: Any = self.book_depths
        if isinstance(depths, (str, bytes)) or not isinstance(depths, Iterable):
            raise InvalidInput(f"{name}.book_depths", "must be a set of ints > 0", depths)
        depths = frozenset(depths)
        for d in depths:
            if type(d) is not int or d <= 0:
                raise InvalidInput(f"{name}.book_depths", "must hold only ints > 0", d)
        force_setattr(self, "book_depths", depths)

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def full(cls) -> VenueCapabilities:
        """Everything Lyra models, natively (e.g. the simulated exchange's default)."""
        every_list = (_C.NO_CONTINGENCY, _C.OCO, _C.OUO)
        return cls(
            order_types=frozenset(OrderType),
            time_in_force=frozenset(TimeInForce),
            post_only=True,
            reduce_only=True,
            iceberg=True,
            quote_quantity=frozenset(OrderType),
            trigger_types=frozenset(TriggerType) - _VENUE_DEFAULT_TRIGGERS,
            trailing_offset_types=frozenset(TrailingOffsetType)
            - {TrailingOffsetType.NO_TRAILING_OFFSET},
            activation_price=True,
            amend=AmendMode.IN_PLACE,
            amend_quantity=True,
            amend_quantity_increase=True,
            amend_price=True,
            amend_trigger_price=True,
            contingencies=(
                ContingencySupport(contingency_type=_C.OCO),
                ContingencySupport(contingency_type=_C.OUO),
                ContingencySupport(
                    contingency_type=_C.OTO,
                    children_contingency=frozenset(every_list),
                    release_policies=frozenset(ReleasePolicy),
                ),
            ),
            bars=frozenset(BarAggregation),
        )

    # -- summaries -----------------------------------------------------------------------------
    @property
    def can_amend(self) -> bool:
        """Whether :meth:`~lyra.venue.Venue.modify_order` can succeed at all."""
        return self.amend is not AmendMode.NONE

    @property
    def native_contingencies(self) -> frozenset[ContingencyType]:
        """The list relations the venue enforces itself (in some shape)."""
        return frozenset(c.contingency_type for c in self.contingencies)

    @property
    def native_bracket(self) -> bool:
        """Whether some native OTO shape takes a parent with two linked (OCO/OUO) children."""
        return any(
            c.contingency_type == _C.OTO
            and bool(c.children_contingency & _PEER_TYPES)
            and (c.max_orders is None or c.max_orders >= 3)
            for c in self.contingencies
        )

    # -- orders --------------------------------------------------------------------------------
    def gaps(self, order: Order) -> tuple[tuple[Feature, str], ...]:
        """Every feature ``order`` needs that the venue lacks, with a reason for each."""
        out: list[tuple[Feature, str]] = []
        otype = order.order_type
        if otype not in self.order_types:
            out.append(
                (
                    Feature.ORDER_TYPE,
                    f"order_type: {otype.name} orders are not supported natively "
                    f"(supported: {_names(self.order_types)})",
                )
            )
        tif = order.time_in_force
        if tif not in self.time_in_force:
            out.append(
                (
                    Feature.TIME_IN_FORCE,
                    f"time_in_force: {tif.name} is not supported "
                    f"(supported: {_names(self.time_in_force)})",
                )
            )
        if order.post_only and not self.post_only:
            out.append((Feature.POST_ONLY, "post_only: post-only orders are not supported"))
        if order.reduce_only and not self.reduce_only:
            out.append((Feature.REDUCE_ONLY, "reduce_only: reduce-only orders are not supported"))
        if order.display_qty is not None and not self.iceberg:
            out.append(
                (Feature.ICEBERG, "display_qty: iceberg orders (display_qty) are not supported")
            )
        if order.quote_quantity and otype not in self.quote_quantity:
            out.append(
                (
                    Feature.QUOTE_QUANTITY,
                    f"quote_quantity: a quantity in the quote currency is not supported on "
                    f"{otype.name} orders (supported on: {_names(self.quote_quantity)})",
                )
            )
        trigger = order.trigger_type
        if trigger not in _VENUE_DEFAULT_TRIGGERS and trigger not in self.trigger_types:
            out.append(
                (
                    Feature.TRIGGER_TYPE,
                    f"trigger_type: {trigger.name} triggers are not supported natively "
                    f"(supported: DEFAULT, {_names(self.trigger_types)})",
                )
            )
        if otype in _TRAILING:
            unit = order.trailing_offset_type
            if unit not in self.trailing_offset_types:
                out.append(
                    (
                        Feature.TRAILING_OFFSET_TYPE,
                        f"trailing_offset_type: {unit.name} offsets are not supported "
                        f"(supported: {_names(self.trailing_offset_types)})",
                    )
                )
        if order.activation_price is not None and not self.activation_price:
            out.append(
                (
                    Feature.ACTIVATION_PRICE,
                    "activation_price: trailing stops with an activation price are not supported",
                )
            )
        return tuple(out)

    def supports(self, order: Order) -> str | None:
        """``None`` if the venue takes ``order`` natively, else the first reason it cannot.

        Only the order itself is checked; its contingency links are the business of
        :meth:`supports_list` (an order sent alone with :meth:`~lyra.venue.Venue.submit_order`
        is not linked at the venue).
        """
        found = self.gaps(order)
        return found[0][1] if found else None

    def unsupported_features(self, order: Order) -> frozenset[Feature]:
        """The features ``order`` needs that the venue lacks (empty when it takes it)."""
        return frozenset(f for f, _ in self.gaps(order))

    def modify_gaps(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> tuple[tuple[Feature, str], ...]:
        """Every amend feature a modify of ``order`` needs that the venue lacks. Only the
        fields given (not :data:`~lyra.venue.UNSET`) are checked."""
        if self.amend is AmendMode.NONE:
            return ((Feature.AMEND, "modify: the venue cannot amend working orders"),)
        out: list[tuple[Feature, str]] = []
        otype = order.order_type
        if self.amend_order_types is not None and otype not in self.amend_order_types:
            out.append(
                (
                    Feature.AMEND,
                    f"modify: {otype.name} orders cannot be amended "
                    f"(amendable: {_names(self.amend_order_types)})",
                )
            )
        if quantity is not UNSET:
            if not self.amend_quantity:
                out.append((Feature.AMEND_QUANTITY, "quantity: cannot be amended"))
            elif (
                not self.amend_quantity_increase
                and isinstance(quantity, Quantity)
                and quantity > order.quantity
            ):
                out.append(
                    (
                        Feature.AMEND_QUANTITY_INCREASE,
                        f"quantity: may only be reduced (from {order.quantity}; got {quantity})",
                    )
                )
        if price is not UNSET and not self.amend_price:
            out.append((Feature.AMEND_PRICE, "price: cannot be amended"))
        if trigger_price is not UNSET and not self.amend_trigger_price:
            out.append((Feature.AMEND_TRIGGER_PRICE, "trigger_price: cannot be amended"))
        return tuple(out)

    def supports_modify(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> str | None:
        """``None`` if the venue can apply this modify, else the first reason it cannot."""
        found = self.modify_gaps(order, quantity, price, trigger_price)
        return found[0][1] if found else None

    # -- lists ---------------------------------------------------------------------------------
    def supports_list(self, order_list: OrderList) -> str | None:
        """``None`` if the venue enforces ``order_list`` natively (every member supported and
        one :class:`ContingencySupport` shape fits), else the first reason it cannot."""
        for i, order in enumerate(order_list):
            reason = self.supports(order)
            if reason is not None:
                return f"orders[{i}] ({order.client_order_id}): {reason}"
        ctype = order_list.contingency_type
        reasons: list[str] = []
        for shape in self.contingencies:
            if shape.contingency_type != ctype:
                continue
            reason = shape.check(order_list)
            if reason is None:
                return None
            reasons.append(reason)
        if reasons:
            # the closest shape is one the list's size fits; its reason says more
            fitting = [r for r in reasons if not r.startswith("orders:")]
            return (fitting or reasons)[0]
        return (
            f"contingency_type: {ctype.name} lists are not supported natively "
            f"(native: {_names(self.native_contingencies)})"
        )

    # -- data ----------------------------------------------------------------------------------
    def supports_book(self, depth: int | None = None) -> str | None:
        """``None`` if the venue streams its order book at ``depth`` levels a side
        (``None``: the venue's full or default depth), else why not."""
        if not self.book:
            return "book: order book data is not available"
        if depth is not None and self.book_depths and depth not in self.book_depths:
            shown = ", ".join(str(d) for d in sorted(self.book_depths))
            return f"depth: {depth} levels is not offered (offered: {shown})"
        return None

    def supports_bars(self, bar_type: BarType) -> str | None:
        """``None`` if the venue builds ``bar_type``'s bars itself, else why not."""
        if bar_type.aggregation_source != AggregationSource.EXTERNAL:
            return (
                f"bar_type: {bar_type} is aggregated locally (INTERNAL); a venue only "
                "streams EXTERNAL bars"
            )
        agg = bar_type.spec.aggregation
        if agg not in self.bars:
            return (
                f"bar_type: {agg.name} bars are not built by the venue "
                f"(native: {_names(self.bars)})"
            )
        return None


register_struct(VenueCapabilities)
