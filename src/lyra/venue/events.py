"""The venue's own events: connection status and anomalies.

Both are published on :func:`lyra.topics.venue_status` of the venue
(``events.venue_status.<VENUE>``); order events go to the strategies' own topics instead.

* :class:`VenueStatus` -- the connection moved: CONNECTING, CONNECTED, RECONNECTING (with the
  attempt number), DISCONNECTED, each with a reason for people.
* :class:`VenueAnomaly` -- something arrived that the venue could not turn into a published
  order event: a message about an order it does not track, an event the order state machine
  refused, an overfill, a gap in the venue's sequence numbers, a message it could not parse,
  an order it could not bring in line with the venue's report.
  Nothing is lost silently: recovery code subscribes here and reconciles.

Both are frozen, tagged :class:`msgspec.Struct` registered with the codec.
"""

from __future__ import annotations

import enum
from typing import TypeAlias

import msgspec

from lyra.model.codec import register_struct
from lyra.model.identifiers import ClientOrderId, Venue, VenueOrderId

__all__ = (
    "VENUE_EVENT_TYPES",
    "AnomalyKind",
    "ConnectionStatus",
    "VenueAnomaly",
    "VenueEvent",
    "VenueStatus",
)


class ConnectionStatus(enum.IntEnum):
    """Where a venue's connection stands (:attr:`lyra.venue.Venue.status`)."""

    DISCONNECTED = 1
    """Not connected: before ``async with venue`` and after it, or after giving up."""
    CONNECTING = 2
    """The first connection is being made."""
    CONNECTED = 3
    """Connected, authenticated, subscriptions and order state in step: commands are sent."""
    RECONNECTING = 4
    """The connection was lost and is being restored; commands are refused meanwhile."""


class VenueStatus(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """The venue's connection changed to ``status``.

    ``reason`` says why for people (``"connection reset by peer"``, ``"closed by user"``);
    ``attempt`` counts reconnection attempts since the last CONNECTED (0 otherwise).
    ``ts_event`` and ``ts_init`` are the local clock's time (a connection has no venue
    timestamp).
    """

    venue: Venue
    status: ConnectionStatus
    reason: str = ""
    attempt: int = 0
    ts_event: int
    ts_init: int


class AnomalyKind(enum.IntEnum):
    """What kind of :class:`VenueAnomaly` it is."""

    UNKNOWN_ORDER = 1
    """A venue message about an order the venue does not track (placed outside this
    process, or not adopted after a restart). It will show up in ``reconcile()``."""
    REFUSED_EVENT = 2
    """The order state machine refused an event (an illegal transition, a fill on the
    wrong side, ...): the order is unchanged and the event was not published."""
    OVERFILL = 3
    """A fill took an order beyond its quantity. The fill *was* applied and published."""
    SEQUENCE_GAP = 4
    """The venue's messages skipped a sequence number: something may have been missed."""
    UNPARSEABLE = 5
    """A venue message could not be understood."""
    UNRECONCILED = 6
    """An order's state at the venue could not be reached with the events known (e.g. its
    fills are older than the venue's history): the order is left as it was."""


class VenueAnomaly(msgspec.Struct, frozen=True, tag=True, kw_only=True, gc=False):
    """Something the venue could not publish as an order event, or must flag.

    ``message`` explains it for people (for ``REFUSED_EVENT``: the error, naming the event
    and the order's status). ``client_order_id`` / ``venue_order_id`` name the order when
    known. ``ts_event`` is the venue's time when the message had one, else the local
    clock's; ``ts_init`` the local clock's.
    """

    venue: Venue
    kind: AnomalyKind
    message: str
    client_order_id: ClientOrderId | None = None
    venue_order_id: VenueOrderId | None = None
    ts_event: int
    ts_init: int


VenueEvent: TypeAlias = VenueStatus | VenueAnomaly
"""Anything a venue publishes on its ``events.venue_status.<VENUE>`` topic."""

VENUE_EVENT_TYPES: tuple[type[VenueEvent], ...] = (VenueStatus, VenueAnomaly)
"""Every venue event class."""

for _cls in VENUE_EVENT_TYPES:
    register_struct(_cls)
del _cls
