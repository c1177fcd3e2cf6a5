"""The contingency manager's state, as serializable :class:`msgspec.Struct` values.

Everything the decision core knows lives here -- the lists, their links, which children are
still held, every member's quantity, fills and outstanding requests, the target quantities
it asked the venue for -- so the persistence layer can store a
:class:`ContingencyState` with :func:`lyra.model.codec.encode_msgpack` and hand it back to
:class:`~lyra.contingency.ContingencyCore` after a restart. Quantities are raw integers
(units of 10**-9, as :attr:`lyra.model.values.Quantity.raw`); ``precision`` says how to show
them.
"""

from __future__ import annotations

import enum

import msgspec

from lyra.model.codec import register_struct
from lyra.model.enums import ContingencyType, OrderSide, OrderStatus
from lyra.model.identifiers import ClientOrderId, OrderListId, StrategyId
from lyra.orders.lists import ReleasePolicy

__all__ = ("ContingencyState", "ListState", "MemberState", "Role")


class Role(enum.IntEnum):
    """A member's place in its list."""

    PARENT = 1
    """An OTO parent (a bracket's entry)."""
    CHILD = 2
    """An OTO child (a bracket's stop-loss or take-profit)."""
    PEER = 3
    """A member of a top-level OCO or OUO list."""


class MemberState(msgspec.Struct, kw_only=True):
    """One member of a list, as the core sees it.

    ``base_raw`` is the quantity the rules start from: a peer's own quantity (moved by a
    modify made outside the rules), a parent's quantity. ``cap_raw`` caps an OTO child that
    is smaller than its parent (0: no cap, the child follows the parent's fills).
    ``quantity_raw`` is the total quantity last confirmed (or set locally while held),
    ``filled_raw`` the sum of its fills (late fills included). ``status`` /
    ``previous_status`` mirror the order state machine. ``requested_raw`` is the total
    quantity of a resize the manager sent and the venue has not answered;
    ``submit_sent`` / ``cancel_sent`` mark a submit or cancel the manager issued;
    ``by_rule``: the member was (or is being) canceled by a contingency rule, so its cancel
    does not cascade. The failure counters bound retries.
    """

    client_order_id: ClientOrderId
    role: Role
    side: OrderSide
    base_raw: int
    cap_raw: int = 0
    quantity_raw: int
    filled_raw: int = 0
    status: OrderStatus = OrderStatus.INITIALIZED
    previous_status: OrderStatus | None = None
    trade_ids: list[str] = msgspec.field(default_factory=list)
    requested_raw: int | None = None
    submit_sent: bool = False
    cancel_sent: bool = False
    by_rule: bool = False
    modify_failures: int = 0
    cancel_failures: int = 0


class ListState(msgspec.Struct, kw_only=True):
    """One managed list.

    ``contingency_type`` is the top-level relation; for OTO lists ``children_contingency``
    links the children and ``release_policy`` releases them. ``native``: the venue enforces
    the list and the core only watches. Options: ``keep_oco_remainder`` (an OCO leg's
    unfilled remainder keeps working after its first fill), ``proportional`` (OUO reduces
    proportionally instead of by the absolute filled amount). Progress: ``released`` (OTO
    children released), ``winner`` (the OCO member whose fill was seen first),
    ``torn_down`` (the linked group was canceled from outside the rules, so every member
    goes), ``cancel_parent`` / ``cancel_all`` (the user canceled the list), ``closed``
    (every member closed; announced once), ``denied`` (refused before anything was sent).
    ``alerts`` holds the keys of alerts already raised, so a condition is reported once.
    """

    order_list_id: OrderListId
    strategy_id: StrategyId
    contingency_type: ContingencyType
    children_contingency: ContingencyType = ContingencyType.NO_CONTINGENCY
    release_policy: ReleasePolicy | None = None
    native: bool = False
    keep_oco_remainder: bool = True
    proportional: bool = False
    precision: int = 0
    members: list[MemberState] = msgspec.field(default_factory=list)
    released: bool = False
    winner: ClientOrderId | None = None
    torn_down: bool = False
    cancel_parent: bool = False
    cancel_all: bool = False
    closed: bool = False
    denied: bool = False
    alerts: list[str] = msgspec.field(default_factory=list)


class ContingencyState(msgspec.Struct, kw_only=True, tag=True):
    """The whole state of a :class:`~lyra.contingency.ContingencyCore` (a registered, tagged
    struct: ``lyra.model.codec.decode_msgpack`` finds it without a type).

    ``events_processed`` counts order events that touched a managed list and
    ``last_ts_init`` is the largest ``ts_init`` among them: the persistence layer replays
    the events it recorded after that point.
    """

    lists: list[ListState] = msgspec.field(default_factory=list)
    events_processed: int = 0
    last_ts_init: int = 0


register_struct(ContingencyState)
