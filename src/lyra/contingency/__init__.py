"""Contingent orders: OCO, OUO, OTO and brackets on any venue, native or emulated.

Two layers:

* :class:`ContingencyCore` -- the rules as a pure decision core: order events in, plain
  :mod:`~lyra.contingency.actions` out (submit, resize, cancel, publish), no I/O. Its whole
  state is a serializable :class:`ContingencyState`.
* :class:`ContingencyManager` -- the thin driver: routes each list to the venue's native
  support when ``venue.capabilities`` has it and emulates it otherwise, feeds the core from
  the bus and carries out its actions on the venue. Members that need local emulation
  (a type the venue lacks, an ``emulation_trigger``) work when the venue is an
  :class:`~lyra.emulator.OrderEmulator` in front of the real one: it is a venue too.

What the manager did, and what it could not resolve, is published as contingency events
(:class:`ContingencyListSubmitted`, :class:`ContingencyChildrenReleased`,
:class:`ContingencyListClosed`, :class:`ContingencyAlert`) on
:func:`lyra.topics.contingency_events` of the list's strategy. The rules are in
``docs/explanation/contingencies.md``.
"""

from __future__ import annotations

from lyra.contingency.actions import (
    Action,
    CancelHeld,
    CancelOrder,
    DenyOrder,
    ModifyQuantity,
    Publish,
    SubmitList,
    SubmitOrder,
    UpdateHeld,
)
from lyra.contingency.core import DEFAULT_MAX_RETRIES, ContingencyCore
from lyra.contingency.events import (
    CONTINGENCY_EVENT_TYPES,
    AlertKind,
    ContingencyAlert,
    ContingencyChildrenReleased,
    ContingencyEvent,
    ContingencyListClosed,
    ContingencyListSubmitted,
)
from lyra.contingency.manager import (
    ACT_PRIORITY,
    OBSERVE_PRIORITY,
    ContingencyManager,
    Mode,
    emulation_gap,
)
from lyra.contingency.state import ContingencyState, ListState, MemberState, Role

__all__ = (
    "ACT_PRIORITY",
    "CONTINGENCY_EVENT_TYPES",
    "DEFAULT_MAX_RETRIES",
    "OBSERVE_PRIORITY",
    "Action",
    "AlertKind",
    "CancelHeld",
    "CancelOrder",
    "ContingencyAlert",
    "ContingencyChildrenReleased",
    "ContingencyCore",
    "ContingencyEvent",
    "ContingencyListClosed",
    "ContingencyListSubmitted",
    "ContingencyManager",
    "ContingencyState",
    "DenyOrder",
    "ListState",
    "MemberState",
    "Mode",
    "ModifyQuantity",
    "Publish",
    "Role",
    "SubmitList",
    "SubmitOrder",
    "UpdateHeld",
    "emulation_gap",
)
