"""Contingency events: what the contingency manager did and what it could not do.

Every event is a frozen, tagged :class:`msgspec.Struct` registered with
:mod:`lyra.model.codec`, published on :func:`lyra.topics.contingency_events` of the list's
strategy. They carry ``ts_event`` / ``ts_init`` (nanoseconds) taken from the order event that
caused them (or, for a command, from the manager's clock), so a replay of the same order
events yields byte-identical contingency events.

* :class:`ContingencyListSubmitted` -- a list was taken on, natively or emulated (and why);
* :class:`ContingencyChildrenReleased` -- an OTO parent's fills released its children;
* :class:`ContingencyListClosed` -- every member of a list is closed;
* :class:`ContingencyAlert` -- a situation the rules cannot resolve on their own (a race, a
  venue refusal); :class:`AlertKind` lists them, and ``docs/explanation/contingencies.md``
  says when each is raised and what to do about it.
"""

from __future__ import annotations

import enum
from typing import TypeAlias

import msgspec

from lyra.model.codec import register_struct
from lyra.model.identifiers import ClientOrderId, OrderListId, StrategyId
from lyra.model.values import Quantity

__all__ = (
    "CONTINGENCY_EVENT_TYPES",
    "AlertKind",
    "ContingencyAlert",
    "ContingencyChildrenReleased",
    "ContingencyEvent",
    "ContingencyListClosed",
    "ContingencyListSubmitted",
)


class AlertKind(enum.IntEnum):
    """Why a :class:`ContingencyAlert` was raised."""

    EXITS_OVERFILLED = 1
    """Linked orders executed more than the list allows: sibling fills in the same instant,
    or a fill that arrived after its cancel was sent. For a bracket the exits closed more than
    the entry opened (the position may have flipped unless the venue clipped reduce-only)."""
    CHILD_REJECTED = 2
    """A released OTO child was rejected or denied: the quantity it was to protect is not
    protected by it. Its linked siblings keep working."""
    EXITS_CLOSED = 3
    """An OTO child group was canceled or expired (not by the manager's own rules) while the
    list still held a position, or the parent filled after its children were gone."""
    RESIZE_FAILED = 4
    """The venue kept refusing to resize a linked order; it is left at the wrong quantity."""
    CANCEL_FAILED = 5
    """The venue kept refusing to cancel a linked order that should no longer work."""
    COMMAND_FAILED = 6
    """A command the rules called for raised before reaching the venue."""
    COVERAGE_MISMATCH = 7
    """:meth:`~lyra.contingency.ContingencyManager.audit` found a linked order whose open
    quantity differs from what the rules call for, with nothing in flight."""
    LIST_DENIED = 8
    """The manager refused a list before sending anything: the venue lacks what emulating
    it needs (every member got ``OrderDenied``)."""


class _Base(msgspec.Struct, frozen=True, tag=True, gc=False, kw_only=True, omit_defaults=True):
    """Fields every contingency event carries (private base)."""

    strategy_id: StrategyId
    order_list_id: OrderListId
    ts_event: int
    ts_init: int


class ContingencyListSubmitted(_Base, frozen=True, tag=True, gc=False, kw_only=True):
    """The manager took on a list. ``native``: the venue enforces it (``submit_order_list``);
    otherwise the manager emulates it and ``reason`` says why the venue could not."""

    native: bool
    reason: str = ""


class ContingencyChildrenReleased(_Base, frozen=True, tag=True, gc=False, kw_only=True):
    """An OTO parent's fills released its children, each sized to ``quantity`` (the parent's
    filled quantity, capped at a child's own quantity when that is smaller)."""

    parent_order_id: ClientOrderId
    child_order_ids: tuple[ClientOrderId, ...]
    quantity: Quantity


class ContingencyListClosed(_Base, frozen=True, tag=True, gc=False, kw_only=True):
    """Every member of the list is closed; the manager forgets nothing but acts no more."""


class ContingencyAlert(_Base, frozen=True, tag=True, gc=False, kw_only=True):
    """A situation the contingency rules cannot resolve on their own (see :class:`AlertKind`).

    ``client_order_id`` is the member concerned (if one); ``expected`` / ``actual`` are the
    quantities compared, when the alert is about a quantity.
    """

    kind: AlertKind
    message: str
    client_order_id: ClientOrderId | None = None
    expected: Quantity | None = None
    actual: Quantity | None = None


ContingencyEvent: TypeAlias = (
    ContingencyListSubmitted
    | ContingencyChildrenReleased
    | ContingencyListClosed
    | ContingencyAlert
)
"""Any contingency event."""

CONTINGENCY_EVENT_TYPES: tuple[type[ContingencyEvent], ...] = (
    ContingencyListSubmitted,
    ContingencyChildrenReleased,
    ContingencyListClosed,
    ContingencyAlert,
)
"""Every contingency event class."""

for _cls in CONTINGENCY_EVENT_TYPES:
    register_struct(_cls)
del _cls
