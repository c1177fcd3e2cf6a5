"""The venue contract: the :class:`Venue` protocol every venue implements, and its parts.

``SimulatedExchange`` and every live adapter implement :class:`Venue` and publish the same
events, so a strategy cannot tell them apart:

* :class:`Venue` -- synchronous commands (submit, submit a list, modify, cancel, cancel
  all), counted data subscriptions, ``async with`` lifecycle, ``reconcile`` for recovery;
* :class:`VenueCapabilities` -- what a venue supports natively, with ``supports(order)``
  and friends for the emulator and the contingency manager;
* :class:`VenueStatus` / :class:`VenueAnomaly` -- the venue's own events, on
  ``lyra.topics.venue_status(venue)``;
* :class:`ReconciliationReport` and its parts -- what the venue says it holds;
* :class:`OrderFlow` -- the local half of the contract (command checks, apply-then-publish),
  written once for every implementation; :class:`SubscriptionSet` -- counted subscriptions;
* :data:`UNSET` -- "keep this field" in :meth:`Venue.modify_order`; :class:`RejectCode` --
  the stable codes of refusals and rejections.

The rules are in ``docs/explanation/venue-contract.md``; :mod:`lyra.venue.testing` checks a
venue against them.
"""

from __future__ import annotations

from lyra.errors import NotSupported, VenueError, VenueNotConnected
from lyra.venue.capabilities import AmendMode, ContingencySupport, Feature, VenueCapabilities
from lyra.venue.codes import LOCAL_REJECT_CODES, RejectCode
from lyra.venue.events import (
    VENUE_EVENT_TYPES,
    AnomalyKind,
    ConnectionStatus,
    VenueAnomaly,
    VenueEvent,
    VenueStatus,
)
from lyra.venue.flow import OrderFlow, SubscriptionSet
from lyra.venue.protocol import Venue, run_venue
from lyra.venue.reports import (
    REPORTABLE_STATUSES,
    BalanceReport,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
    ReconciliationReport,
)
from lyra.venue.unset import UNSET, Unset, is_set

__all__ = (
    "LOCAL_REJECT_CODES",
    "REPORTABLE_STATUSES",
    "UNSET",
    "VENUE_EVENT_TYPES",
    "AmendMode",
    "AnomalyKind",
    "BalanceReport",
    "ConnectionStatus",
    "ContingencySupport",
    "Feature",
    "FillReport",
    "NotSupported",
    "OrderFlow",
    "OrderStatusReport",
    "PositionStatusReport",
    "ReconciliationReport",
    "RejectCode",
    "SubscriptionSet",
    "Unset",
    "Venue",
    "VenueAnomaly",
    "VenueCapabilities",
    "VenueError",
    "VenueEvent",
    "VenueNotConnected",
    "VenueStatus",
    "is_set",
    "run_venue",
)
