"""Local emulation of order types and triggers a venue lacks.

:class:`OrderEmulator` sits in front of a :class:`~lyra.venue.Venue` and holds the orders the
venue cannot take -- stop-market, stop-limit, market/limit-if-touched, trailing stops, any
trigger type (bid/ask, last, mid, mark, index, double bid/ask, double last, last-or-bid/ask)
-- or that ask to be held (``emulation_trigger``). It follows market data on the bus and, at
trigger, releases a MARKET or LIMIT order to the venue under the same client order id, with
risk checks at submit and at release.

The trigger logic is usable alone: :class:`TriggerBook` (the orders of one instrument,
indexed so that a quote touches only the orders it fires), :func:`is_triggered` (one order,
one market state) and :class:`TrailingState` (the trailing-stop ratchet). State for a restart
is :class:`EmulatorState`. The how-to is ``docs/how-to/emulated-orders.md``.
"""

from __future__ import annotations

from lyra.emulator.data import IndexPrice, MarkPrice, index_price_topic, mark_price_topic
from lyra.emulator.emulator import (
    MIRROR_PRIORITY,
    RELEASED_AS,
    TRIGGER_REPORT_PRIORITY,
    EmulatorCode,
    EmulatorConfig,
    OrderEmulator,
    emulated_capabilities,
    emulation_trigger_type,
    release_init,
)
from lyra.emulator.state import EmulatorState, HeldOrderState, ReleasedOrderState
from lyra.emulator.trailing import TrailingState, offset_raw, trailing_candidate
from lyra.emulator.triggers import (
    Arm,
    Direction,
    MarketState,
    TriggerBook,
    TriggerEntry,
    is_triggered,
    reference_x2,
    trigger_direction,
)

__all__ = (
    "MIRROR_PRIORITY",
    "RELEASED_AS",
    "TRIGGER_REPORT_PRIORITY",
    "Arm",
    "Direction",
    "EmulatorCode",
    "EmulatorConfig",
    "EmulatorState",
    "HeldOrderState",
    "IndexPrice",
    "MarkPrice",
    "MarketState",
    "OrderEmulator",
    "ReleasedOrderState",
    "TrailingState",
    "TriggerBook",
    "TriggerEntry",
    "emulated_capabilities",
    "emulation_trigger_type",
    "index_price_topic",
    "is_triggered",
    "mark_price_topic",
    "offset_raw",
    "reference_x2",
    "release_init",
    "trailing_candidate",
    "trigger_direction",
)
