"""Order lists: OCO, OUO, OTO and brackets.

An :class:`OrderList` groups orders under one ``order_list_id`` and records how they depend
on each other. The dependency itself lives on each order's contingency fields, set
consistently by the builders here:

* OCO/OUO -- every order: ``contingency_type`` OCO/OUO, ``linked_order_ids`` = the others.
* OTO -- parent: ``contingency_type`` OTO, ``linked_order_ids`` = its children; each child:
  ``parent_order_id`` = the parent and, when the children are linked to each other
  (``children_linked`` OCO/OUO), the OCO/OUO fields among the children.
* bracket -- an OTO whose two children (stop-loss, take-profit) are linked OUO (or OCO).

Semantics (enforced later by the contingency manager; FIX tag 1385 meanings): OCO -- the
first fill of one order cancels the others; OUO -- a fill reduces the others' open quantity
by the filled amount and a cancel of one cancels the others; OTO -- the parent's fills
release the children according to the list's :class:`ReleasePolicy`.

The builders take orders that are still INITIALIZED and in no list, link them in place
(the same :class:`~lyra.orders.Order` objects, with an updated ``OrderInitialized``) and
return the list. They raise :class:`~lyra.orders.InvalidOrderList` (an
:class:`~lyra.orders.InvalidOrder`) naming the field and the rule; on error no order is
changed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from typing import Any, Final

import msgspec

from lyra.errors import InvalidOrder, InvalidOrderList
from lyra.model.enums import ContingencyType, OrderSide, OrderStatus, OrderType
from lyra.model.identifiers import ClientOrderId, InstrumentId, OrderListId, StrategyId
from lyra.model.values import Price
from lyra.orders.events import OrderInitialized
from lyra.orders.order import Order
from lyra.orders.validation import validate_order

__all__ = (
    "BRACKET_ENTRY_TYPES",
    "BRACKET_STOP_LOSS_TYPES",
    "BRACKET_TAKE_PROFIT_TYPES",
    "OrderList",
    "ReleasePolicy",
    "bracket",
    "oco",
    "oto",
    "ouo",
)


class ReleasePolicy(enum.IntEnum):
    """When an OTO parent's fills release its children."""

    ON_FIRST_FILL = 1
    """Default. Release on the parent's first (partial) fill, sized to the filled quantity,
    and grow the children as more fills arrive, so a position is never left unprotected."""
    ON_FULL_FILL = 2
    """Release only once the parent is completely filled."""


_C = ContingencyType
_T = OrderType

BRACKET_ENTRY_TYPES: Final = frozenset(
    {
        _T.MARKET,
        _T.LIMIT,
        _T.STOP_MARKET,
        _T.STOP_LIMIT,
        _T.MARKET_TO_LIMIT,
        _T.MARKET_IF_TOUCHED,
        _T.LIMIT_IF_TOUCHED,
    }
)
"""Order types a bracket's entry may have."""
BRACKET_STOP_LOSS_TYPES: Final = frozenset(
    {_T.STOP_MARKET, _T.STOP_LIMIT, _T.TRAILING_STOP_MARKET, _T.TRAILING_STOP_LIMIT}
)
"""Order types a bracket's stop-loss may have."""
BRACKET_TAKE_PROFIT_TYPES: Final = frozenset({_T.LIMIT, _T.LIMIT_IF_TOUCHED, _T.MARKET_IF_TOUCHED})
"""Order types a bracket's take-profit may have."""

_PEER_TYPES: Final = frozenset({_C.OCO, _C.OUO})


class OrderList:
    """Orders linked by a contingency, under one ``order_list_id``.

    ``contingency_type`` is the list's top-level relation: OCO, OUO or OTO (a bracket is
    OTO). For OTO lists the first order is the parent and the rest its children;
    ``release_policy`` says when the children are released and ``children_contingency``
    how the children relate to each other (NO_CONTINGENCY, OCO or OUO). Constructing one
    checks that the orders' contingency fields match that structure.
    """

    __slots__ = (
        "_children_contingency",
        "_contingency_type",
        "_order_list_id",
        "_orders",
        "_release_policy",
        "_ts_init",
    )

    def __init__(
        self,
        order_list_id: OrderListId,
        orders: Sequence[Order],
        *,
        contingency_type: ContingencyType,
        release_policy: ReleasePolicy | None = None,
        children_contingency: ContingencyType = ContingencyType.NO_CONTINGENCY,
        ts_init: int = 0,
    ) -> None:
        if not isinstance(order_list_id, OrderListId):
            raise InvalidOrderList("order_list_id", "must be an OrderListId", order_list_id)
        if type(ts_init) is not int or ts_init < 0:
            raise InvalidOrderList("ts_init", "must be a non-negative int", ts_init)
        self._order_list_id = order_list_id
        self._orders = tuple(orders)
        self._contingency_type = ContingencyType(contingency_type)
        self._release_policy = None if release_policy is None else ReleasePolicy(release_policy)
        self._children_contingency = ContingencyType(children_contingency)
        self._ts_init = ts_init
        self._check_structure()

    def _check_structure(self) -> None:
        orders = self._orders
        lid = self._order_list_id
        ctype = self._contingency_type
        if not orders or not all(isinstance(o, Order) for o in orders):
            raise InvalidOrderList("orders", "must be a non-empty sequence of Order", orders)
        ids = [o.client_order_id for o in orders]
        if len(set(ids)) != len(ids):
            raise InvalidOrderList("orders", "must not repeat a client order id", ids)
        for o in orders:
            if o.order_list_id != lid:
                raise InvalidOrderList(
                    f"{o.client_order_id}.order_list_id", f"must be the list's id {lid}", o
                )
        if ctype in _PEER_TYPES:
            if self._release_policy is not None:
                raise InvalidOrderList(
                    "release_policy", "is only for OTO lists", self._release_policy
                )
            if self._children_contingency != _C.NO_CONTINGENCY:
                raise InvalidOrderList(
                    "children_contingency", "is only for OTO lists", self._children_contingency
                )
            _check_peers(orders, ctype, None)
        elif ctype == _C.OTO:
            if self._release_policy is None:
                raise InvalidOrderList("release_policy", "is required for OTO lists", None)
            parent, children = orders[0], orders[1:]
            if not children:
                raise InvalidOrderList("orders", "an OTO list needs a parent and children", ids)
            child_ids = tuple(c.client_order_id for c in children)
            if (
                parent.contingency_type != _C.OTO
                or parent.linked_order_ids != child_ids
                or parent.parent_order_id is not None
            ):
                raise InvalidOrderList(
                    f"{parent.client_order_id}.linked_order_ids",
                    "an OTO parent must have contingency_type OTO and link exactly its children",
                    parent.linked_order_ids,
                )
            cc = self._children_contingency
            if cc not in _PEER_TYPES and cc != _C.NO_CONTINGENCY:
                raise InvalidOrderList(
                    "children_contingency", "must be NO_CONTINGENCY, OCO or OUO", cc
                )
            if cc in _PEER_TYPES and len(children) < 2:
                raise InvalidOrderList(
                    "children_contingency", f"{cc.name} needs at least two children", cc
                )
            _check_peers(children, cc, parent.client_order_id)
        else:
            raise InvalidOrderList("contingency_type", "must be OCO, OUO or OTO", ctype)

    # -- accessors ------------------------------------------------------------------------
    @property
    def order_list_id(self) -> OrderListId:
        """The list's id (every member's ``order_list_id``)."""
        return self._order_list_id

    @property
    def orders(self) -> tuple[Order, ...]:
        """Every order in the list (for OTO: the parent first)."""
        return self._orders

    @property
    def contingency_type(self) -> ContingencyType:
        """The list's top-level relation: OCO, OUO or OTO."""
        return self._contingency_type

    @property
    def release_policy(self) -> ReleasePolicy | None:
        """When an OTO parent releases its children (``None`` for OCO/OUO lists)."""
        return self._release_policy

    @property
    def children_contingency(self) -> ContingencyType:
        """How an OTO list's children are linked to each other."""
        return self._children_contingency

    @property
    def ts_init(self) -> int:
        """When the list was created (ns)."""
        return self._ts_init

    @property
    def first(self) -> Order:
        """The first order."""
        return self._orders[0]

    @property
    def instrument_id(self) -> InstrumentId:
        """The first order's instrument."""
        return self._orders[0].instrument_id

    @property
    def strategy_id(self) -> StrategyId:
        """The strategy that owns the list."""
        return self._orders[0].strategy_id

    @property
    def parent(self) -> Order | None:
        """An OTO list's parent (entry), else ``None``."""
        return self._orders[0] if self._contingency_type == _C.OTO else None

    @property
    def children(self) -> tuple[Order, ...]:
        """An OTO list's children, else ``()``."""
        return self._orders[1:] if self._contingency_type == _C.OTO else ()

    @property
    def is_bracket(self) -> bool:
        """An OTO whose two children are linked OCO/OUO and reduce the entry's position."""
        if self._contingency_type != _C.OTO or len(self._orders) != 3:
            return False
        entry = self._orders[0]
        return self._children_contingency in _PEER_TYPES and all(
            c.reduce_only and c.side == entry.side.opposite for c in self._orders[1:]
        )

    def get(self, client_order_id: str) -> Order | None:
        """The member with that client order id, or ``None``."""
        for o in self._orders:
            if o.client_order_id == client_order_id:
                return o
        return None

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders)

    def __getitem__(self, index: int) -> Order:
        return self._orders[index]

    def _key(self) -> tuple[Any, ...]:
        return (
            self._order_list_id,
            self._contingency_type,
            self._release_policy,
            self._children_contingency,
            self._ts_init,
            self._orders,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderList):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # holds mutable orders

    def __repr__(self) -> str:
        ids = ", ".join(o.client_order_id for o in self._orders)
        extra = f", release={self._release_policy.name}" if self._release_policy else ""
        return f"OrderList({self._order_list_id}, {self._contingency_type.name}, [{ids}]{extra})"


def _check_peers(
    orders: Sequence[Order], ctype: ContingencyType, parent: ClientOrderId | None
) -> None:
    for o in orders:
        if o.parent_order_id != parent:
            raise InvalidOrderList(
                f"{o.client_order_id}.parent_order_id", f"must be {parent}", o.parent_order_id
            )
        if o.contingency_type != ctype:
            raise InvalidOrderList(
                f"{o.client_order_id}.contingency_type", f"must be {ctype.name}", o.contingency_type
            )
        expected = (
            {p.client_order_id for p in orders if p is not o} if ctype in _PEER_TYPES else set()
        )
        if set(o.linked_order_ids) != expected or len(o.linked_order_ids) != len(expected):
            raise InvalidOrderList(
                f"{o.client_order_id}.linked_order_ids",
                "must link exactly the other orders of the group",
                o.linked_order_ids,
            )


# -- builders ------------------------------------------------------------------------------
def _check_fresh(orders: Sequence[Order], what: str) -> None:
    if not all(isinstance(o, Order) for o in orders):
        raise InvalidOrderList(what, "must be Order objects", orders)
    ids = [o.client_order_id for o in orders]
    if len(set(ids)) != len(ids):
        raise InvalidOrderList(what, "must not repeat a client order id", ids)
    venue = orders[0].instrument_id.venue
    strategy = orders[0].strategy_id
    for o in orders:
        cid = o.client_order_id
        if o.status != OrderStatus.INITIALIZED or o.event_count != 1:
            raise InvalidOrderList(
                f"{what}.{cid}", "must be INITIALIZED with no events applied", o.status
            )
        if o.order_list_id is not None or o.contingency_type != _C.NO_CONTINGENCY:
            raise InvalidOrderList(
                f"{what}.{cid}", f"is already in order list {o.order_list_id}", o.order_list_id
            )
        if o.instrument_id.venue != venue:
            raise InvalidOrderList(
                f"{what}.{cid}.instrument_id", f"must be on one venue ({venue})", o.instrument_id
            )
        if o.strategy_id != strategy:
            raise InvalidOrderList(
                f"{what}.{cid}.strategy_id", f"must be one strategy ({strategy})", o.strategy_id
            )


def _link(plan: Sequence[tuple[Order, OrderInitialized]]) -> None:
    # validate every new specification first, so a failure leaves every order as it was
    for order, init in plan:
        try:
            validate_order(init)
        except InvalidOrder as exc:
            raise InvalidOrderList(
                f"{order.client_order_id}.{exc.field}", exc.rule, exc.value
            ) from exc
    for order, init in plan:
        order._replace_init(init)


def _peer_plan(
    orders: Sequence[Order],
    ctype: ContingencyType,
    list_id: OrderListId,
    parent: ClientOrderId | None,
) -> list[tuple[Order, OrderInitialized]]:
    ids = [o.client_order_id for o in orders]
    return [
        (
            o,
            msgspec.structs.replace(
                o.init,
                contingency_type=ctype,
                order_list_id=list_id,
                linked_order_ids=tuple(i for i in ids if i != o.client_order_id)
                if ctype in _PEER_TYPES
                else (),
                parent_order_id=parent,
            ),
        )
        for o in orders
    ]


def _peers(
    kind: ContingencyType, order_list_id: OrderListId, orders: Sequence[Order], ts_init: int
) -> OrderList:
    orders = list(orders)
    if len(orders) < 2:
        raise InvalidOrderList("orders", f"an {kind.name} list needs at least two orders", orders)
    _check_fresh(orders, "orders")
    _link(_peer_plan(orders, kind, order_list_id, None))
    return OrderList(order_list_id, orders, contingency_type=kind, ts_init=ts_init)


def oco(order_list_id: OrderListId, orders: Sequence[Order], *, ts_init: int = 0) -> OrderList:
    """Link ``orders`` one-cancels-other: the first fill of one cancels the rest."""
    return _peers(_C.OCO, order_list_id, orders, ts_init)


def ouo(order_list_id: OrderListId, orders: Sequence[Order], *, ts_init: int = 0) -> OrderList:
    """Link ``orders`` one-updates-other: a fill of one reduces the others' open quantity."""
    return _peers(_C.OUO, order_list_id, orders, ts_init)


def oto(
    order_list_id: OrderListId,
    parent: Order,
    children: Sequence[Order],
    *,
    release: ReleasePolicy = ReleasePolicy.ON_FIRST_FILL,
    children_linked: ContingencyType = ContingencyType.NO_CONTINGENCY,
    ts_init: int = 0,
) -> OrderList:
    """Link ``parent`` one-triggers-other to ``children``, released per ``release``.

    ``children_linked`` OCO or OUO also links the children to each other (a bracket's exits).
    """
    children = list(children)
    if not children:
        raise InvalidOrderList("children", "an OTO list needs at least one child", children)
    release = ReleasePolicy(release)
    children_linked = ContingencyType(children_linked)
    if children_linked not in _PEER_TYPES and children_linked != _C.NO_CONTINGENCY:
        raise InvalidOrderList(
            "children_linked", "must be NO_CONTINGENCY, OCO or OUO", children_linked
        )
    if children_linked in _PEER_TYPES and len(children) < 2:
        raise InvalidOrderList(
            "children_linked", f"{children_linked.name} needs at least two children", children
        )
    _check_fresh([parent, *children], "orders")
    parent_init = msgspec.structs.replace(
        parent.init,
        contingency_type=_C.OTO,
        order_list_id=order_list_id,
        linked_order_ids=tuple(c.client_order_id for c in children),
        parent_order_id=None,
    )
    plan = [(parent, parent_init)]
    plan += _peer_plan(children, children_linked, order_list_id, parent.client_order_id)
    _link(plan)
    return OrderList(
        order_list_id,
        [parent, *children],
        contingency_type=_C.OTO,
        release_policy=release,
        children_contingency=children_linked,
        ts_init=ts_init,
    )


def _entry_reference(entry: Order) -> Price | None:
    t = entry.order_type
    if t in (_T.LIMIT, _T.STOP_LIMIT, _T.LIMIT_IF_TOUCHED):
        return entry.price
    if t in (_T.STOP_MARKET, _T.MARKET_IF_TOUCHED):
        return entry.trigger_price
    return None  # MARKET, MARKET_TO_LIMIT: the fill price is unknown


def _exit_reference(order: Order) -> Price | None:
    t = order.order_type
    if t in (_T.LIMIT, _T.LIMIT_IF_TOUCHED):
        return order.price
    return order.trigger_price  # stops, MIT; trailing stops may have none yet


def bracket(
    order_list_id: OrderListId,
    entry: Order,
    stop_loss: Order,
    take_profit: Order,
    *,
    exits_linked: ContingencyType = ContingencyType.OUO,
    release: ReleasePolicy = ReleasePolicy.ON_FIRST_FILL,
    ts_init: int = 0,
) -> OrderList:
    """Link an entry with a stop-loss and a take-profit: an OTO whose exits are OUO (or OCO).

    Rules (each broken rule raises :class:`~lyra.orders.InvalidOrderList`):

    * entry type in :data:`BRACKET_ENTRY_TYPES`; stop-loss in
      :data:`BRACKET_STOP_LOSS_TYPES`; take-profit in :data:`BRACKET_TAKE_PROFIT_TYPES`;
    * one instrument; exits on the opposite side, ``reduce_only``, with the entry's
      quantity; no leg uses ``quote_quantity``;
    * prices on the right side: for a BUY entry, stop-loss trigger < entry < take-profit
      (SELL: the mirror image), where the entry's reference is its limit price (LIMIT,
      STOP_LIMIT, LIMIT_IF_TOUCHED) or trigger (STOP_MARKET, MARKET_IF_TOUCHED) and a
      take-profit's is its limit price (LIMIT, LIMIT_IF_TOUCHED) or trigger
      (MARKET_IF_TOUCHED). With a MARKET entry only stop-loss < take-profit is checked.
    """
    for name, order in (("entry", entry), ("stop_loss", stop_loss), ("take_profit", take_profit)):
        if not isinstance(order, Order):
            raise InvalidOrderList(f"bracket.{name}", "must be an Order", order)
        if order.quote_quantity:
            raise InvalidOrderList(
                f"bracket.{name}.quote_quantity",
                "is not supported in brackets (exit quantities must equal the entry's)",
                True,
            )
    exits_linked = ContingencyType(exits_linked)
    if exits_linked not in _PEER_TYPES:
        raise InvalidOrderList("bracket.exits_linked", "must be OUO or OCO", exits_linked)
    if entry.order_type not in BRACKET_ENTRY_TYPES:
        raise InvalidOrderList(
            "bracket.entry.order_type",
            "must be one of " + ", ".join(t.name for t in sorted(BRACKET_ENTRY_TYPES)),
            entry.order_type,
        )
    if stop_loss.order_type not in BRACKET_STOP_LOSS_TYPES:
        raise InvalidOrderList(
            "bracket.stop_loss.order_type",
            "must be one of " + ", ".join(t.name for t in sorted(BRACKET_STOP_LOSS_TYPES)),
            stop_loss.order_type,
        )
    if take_profit.order_type not in BRACKET_TAKE_PROFIT_TYPES:
        raise InvalidOrderList(
            "bracket.take_profit.order_type",
            "must be one of " + ", ".join(t.name for t in sorted(BRACKET_TAKE_PROFIT_TYPES)),
            take_profit.order_type,
        )
    exit_side = entry.side.opposite
    for name, order in (("stop_loss", stop_loss), ("take_profit", take_profit)):
        if order.instrument_id != entry.instrument_id:
            raise InvalidOrderList(
                f"bracket.{name}.instrument_id",
                f"must be the entry's instrument {entry.instrument_id}",
                order.instrument_id,
            )
        if order.side != exit_side:
            raise InvalidOrderList(
                f"bracket.{name}.side",
                f"must be {exit_side.name}, opposite to the entry",
                order.side,
            )
        if not order.reduce_only:
            raise InvalidOrderList(f"bracket.{name}.reduce_only", "must be True", False)
        if order.quantity != entry.quantity:
            raise InvalidOrderList(
                f"bracket.{name}.quantity",
                f"must equal the entry's quantity {entry.quantity}",
                order.quantity,
            )
    _check_bracket_prices(entry, stop_loss, take_profit)
    return oto(
        order_list_id,
        entry,
        [stop_loss, take_profit],
        release=release,
        children_linked=exits_linked,
        ts_init=ts_init,
    )


def _check_bracket_prices(entry: Order, stop_loss: Order, take_profit: Order) -> None:
    buy = entry.side == OrderSide.BUY
    ref = _entry_reference(entry)
    sl = _exit_reference(stop_loss)
    tp = _exit_reference(take_profit)
    below, above = ("below", "above") if buy else ("above", "below")

    def wrong(a: Price, b: Price) -> bool:  # True when a is not strictly on the "below" side
        return a >= b if buy else a <= b

    if ref is not None:
        if sl is not None and wrong(sl, ref):
            raise InvalidOrderList(
                "bracket.stop_loss.trigger_price",
                f"must be {below} the {entry.side.name} entry's price {ref}",
                sl,
            )
        if tp is not None and wrong(ref, tp):
            field = "price" if take_profit.price is not None else "trigger_price"
            raise InvalidOrderList(
                f"bracket.take_profit.{field}",
                f"must be {above} the {entry.side.name} entry's price {ref}",
                tp,
            )
    if sl is not None and tp is not None and wrong(sl, tp):
        raise InvalidOrderList(
            "bracket.stop_loss.trigger_price",
            f"must be {below} the take-profit price {tp} for a {entry.side.name} entry",
            sl,
        )
