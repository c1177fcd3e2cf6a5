"""The order state machine: one explicit ``(status, event type) -> target`` table.

:data:`TRANSITIONS` is the whole machine, built once. A pair that is not in it is illegal:
:meth:`~lyra.orders.Order.apply` raises :class:`~lyra.orders.InvalidTransition` and leaves the
order unchanged. A target is either the next :class:`~lyra.model.enums.OrderStatus` or a
:class:`Resolve` rule for the cells whose outcome depends on the order:

* ``STAY`` -- the event is applied (fields updated, event recorded); the status does not
  change. An ``OrderUpdated`` that brings ``quantity`` down to the filled quantity makes the
  order FILLED.
* ``BY_FILL`` -- PARTIALLY_FILLED while filled < quantity, else FILLED (an overfill is
  applied and reported).
* ``LATE_FILL`` -- a fill that arrives after the venue closed the order (CANCELED,
  EXPIRED): applied; FILLED if it completes the quantity, otherwise the status stays closed.
* ``PREVIOUS`` -- back to the status held before the pending request.
* ``PENDING_BASE`` -- an acknowledgement or trigger while a modify/cancel is pending: the
  status stays pending, and the status it will return to becomes ACCEPTED / TRIGGERED (if
  that is news; otherwise a duplicate).
* ``IGNORE`` -- a duplicate or late message with nothing left to apply: no change, not
  recorded, ``apply`` returns ``ApplyOutcome.DUPLICATE``.

Acknowledgements (``OrderAccepted``) and triggers (``OrderTriggered``) on a ``STAY`` cell are
also reported as duplicates when they change nothing. A fill whose ``trade_id`` the order has
already applied is a duplicate wherever fills are legal.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

from lyra.model.enums import OrderStatus
from lyra.orders.events import (
    ORDER_EVENT_TYPES,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderReleased,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)

__all__ = (
    "CLOSED_STATUSES",
    "INFLIGHT_STATUSES",
    "LOCAL_STATUSES",
    "OPEN_STATUSES",
    "PENDING_STATUSES",
    "TRANSITIONS",
    "Resolve",
    "TransitionTarget",
    "transition",
)


class Resolve(enum.IntEnum):
    """Table targets that depend on the order rather than naming a status."""

    STAY = 101
    """Apply and record the event; the status does not change."""
    BY_FILL = 102
    """PARTIALLY_FILLED while filled < quantity, else FILLED."""
    LATE_FILL = 103
    """A fill after the venue closed the order: FILLED if complete, else stay closed."""
    PREVIOUS = 104
    """Back to the status held before the pending request."""
    PENDING_BASE = 105
    """Stay pending; the status to return to becomes ACCEPTED / TRIGGERED."""
    IGNORE = 106
    """Duplicate or late message: nothing changes, nothing is recorded."""


_S = OrderStatus
_R = Resolve
TransitionTarget: TypeAlias = OrderStatus | Resolve
"""What a cell of :data:`TRANSITIONS` holds: the next status, or a :class:`Resolve` rule."""

LOCAL_STATUSES: Final = frozenset({_S.INITIALIZED, _S.EMULATED, _S.RELEASED})
"""The order has not left Lyra."""
PENDING_STATUSES: Final = frozenset({_S.PENDING_UPDATE, _S.PENDING_CANCEL})
"""A modify or cancel request is waiting for the venue's answer."""
INFLIGHT_STATUSES: Final = frozenset({_S.SUBMITTED}) | PENDING_STATUSES
"""A request is on its way to or from the venue."""
OPEN_STATUSES: Final = frozenset(
    {_S.ACCEPTED, _S.TRIGGERED, _S.PENDING_UPDATE, _S.PENDING_CANCEL, _S.PARTIALLY_FILLED}
)
"""The order is working at the venue."""
CLOSED_STATUSES: Final = frozenset({_S.DENIED, _S.REJECTED, _S.CANCELED, _S.EXPIRED, _S.FILLED})
"""Final statuses: nothing is working any more (late fills are still applied, see the table)."""

# Answers to earlier requests that may arrive after the order moved on: recorded, no change.
_LATE_ANSWERS: Final[dict[type[OrderEvent], TransitionTarget]] = {
    OrderModifyRejected: _R.STAY,
    OrderCancelRejected: _R.STAY,
}

_ROWS: Final[dict[OrderStatus, dict[type[OrderEvent], TransitionTarget]]] = {
    _S.INITIALIZED: {
        OrderDenied: _S.DENIED,
        OrderEmulated: _S.EMULATED,
        OrderReleased: _S.RELEASED,
        OrderSubmitted: _S.SUBMITTED,
        # external orders met while reconciling start from INITIALIZED:
        OrderAccepted: _S.ACCEPTED,
        OrderRejected: _S.REJECTED,
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderTriggered: _S.TRIGGERED,
        OrderUpdated: _R.STAY,
    },
    _S.EMULATED: {
        OrderReleased: _S.RELEASED,
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderUpdated: _R.STAY,
        # the emulator refuses a local modify or cancel: recorded, the order keeps waiting
        OrderModifyRejected: _R.STAY,
        OrderCancelRejected: _R.STAY,
    },
    _S.RELEASED: {
        OrderDenied: _S.DENIED,
        OrderSubmitted: _S.SUBMITTED,
        OrderCanceled: _S.CANCELED,
        OrderUpdated: _R.STAY,
    },
    _S.SUBMITTED: {
        OrderAccepted: _S.ACCEPTED,
        OrderRejected: _S.REJECTED,
        OrderCanceled: _S.CANCELED,  # IOC/FOK canceled before the ack
        OrderExpired: _S.EXPIRED,
        OrderTriggered: _S.TRIGGERED,
        OrderPendingUpdate: _S.PENDING_UPDATE,
        OrderPendingCancel: _S.PENDING_CANCEL,
        OrderUpdated: _R.STAY,
        OrderFilled: _R.BY_FILL,  # a fill can beat the ack
        **_LATE_ANSWERS,
    },
    _S.ACCEPTED: {
        OrderAccepted: _R.STAY,  # duplicate ack: idempotent
        OrderRejected: _S.REJECTED,  # e.g. a stop-limit refused at trigger time
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderTriggered: _S.TRIGGERED,
        OrderPendingUpdate: _S.PENDING_UPDATE,
        OrderPendingCancel: _S.PENDING_CANCEL,
        OrderUpdated: _R.STAY,
        OrderFilled: _R.BY_FILL,
        **_LATE_ANSWERS,
    },
    _S.TRIGGERED: {
        OrderAccepted: _R.STAY,
        OrderTriggered: _R.STAY,
        OrderRejected: _S.REJECTED,
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderPendingUpdate: _S.PENDING_UPDATE,
        OrderPendingCancel: _S.PENDING_CANCEL,
        OrderUpdated: _R.STAY,
        OrderFilled: _R.BY_FILL,
        **_LATE_ANSWERS,
    },
    _S.PENDING_UPDATE: {
        OrderAccepted: _R.PENDING_BASE,
        OrderTriggered: _R.PENDING_BASE,
        OrderRejected: _S.REJECTED,
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderPendingUpdate: _R.STAY,
        OrderPendingCancel: _S.PENDING_CANCEL,
        OrderModifyRejected: _R.PREVIOUS,
        OrderCancelRejected: _R.STAY,
        OrderUpdated: _R.PREVIOUS,
        OrderFilled: _R.BY_FILL,
    },
    _S.PENDING_CANCEL: {
        OrderAccepted: _R.PENDING_BASE,
        OrderTriggered: _R.PENDING_BASE,
        OrderRejected: _S.REJECTED,
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderPendingCancel: _R.STAY,
        OrderModifyRejected: _R.STAY,  # answer to a modify sent before the cancel
        OrderCancelRejected: _R.PREVIOUS,
        OrderUpdated: _R.STAY,  # a modify sent before the cancel was applied
        OrderFilled: _R.BY_FILL,  # a fill racing the cancel request
    },
    _S.PARTIALLY_FILLED: {
        OrderAccepted: _R.STAY,  # late ack
        OrderTriggered: _R.STAY,  # late trigger report
        OrderCanceled: _S.CANCELED,
        OrderExpired: _S.EXPIRED,
        OrderPendingUpdate: _S.PENDING_UPDATE,
        OrderPendingCancel: _S.PENDING_CANCEL,
        OrderUpdated: _R.STAY,
        OrderFilled: _R.BY_FILL,
        **_LATE_ANSWERS,
    },
    _S.FILLED: {
        OrderAccepted: _R.IGNORE,  # the ack lost the race with the fills
        OrderTriggered: _R.IGNORE,
        OrderFilled: _R.BY_FILL,  # a new trade id: an overfill, applied and reported
        **_LATE_ANSWERS,  # "too late to cancel/modify"
    },
    _S.CANCELED: {
        OrderCanceled: _R.IGNORE,  # the same cancel reported twice
        OrderAccepted: _R.IGNORE,
        OrderTriggered: _R.IGNORE,
        OrderFilled: _R.LATE_FILL,  # executed before the cancel, reported after it
        **_LATE_ANSWERS,
    },
    _S.EXPIRED: {
        OrderExpired: _R.IGNORE,
        OrderAccepted: _R.IGNORE,
        OrderTriggered: _R.IGNORE,
        OrderFilled: _R.LATE_FILL,
        **_LATE_ANSWERS,
    },
    _S.REJECTED: {
        OrderRejected: _R.IGNORE,  # the same rejection from two channels
        **_LATE_ANSWERS,
    },
    _S.DENIED: {},
}

_Key: TypeAlias = tuple[OrderStatus, type[OrderEvent]]
TRANSITIONS: Final[Mapping[_Key, TransitionTarget]] = MappingProxyType(
    {
        (status, event_type): target
        for status, row in _ROWS.items()
        for event_type, target in row.items()
    }
)
"""The state machine: ``(status, event type) -> OrderStatus | Resolve``. Absent = illegal."""

assert set(_ROWS) == set(OrderStatus)
assert all(t in ORDER_EVENT_TYPES for row in _ROWS.values() for t in row)
assert not any(OrderInitialized in row for row in _ROWS.values())


def transition(status: OrderStatus, event_type: type[OrderEvent]) -> TransitionTarget | None:
    """The table's target for ``(status, event_type)``, or ``None`` if the pair is illegal."""
    return TRANSITIONS.get((status, event_type))
