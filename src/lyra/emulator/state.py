"""What an :class:`~lyra.emulator.OrderEmulator` needs to resume after a restart.

:meth:`OrderEmulator.snapshot() <lyra.emulator.OrderEmulator.snapshot>` returns an
:class:`EmulatorState`; :meth:`OrderEmulator.restore() <lyra.emulator.OrderEmulator.restore>`
puts it back into a new emulator. Every part is a frozen :class:`msgspec.Struct` registered
with :mod:`lyra.model.codec`, so::

    data = codec.encode_msgpack(emulator.snapshot())
    state = codec.decode_msgpack(data, type=EmulatorState)

Orders travel as :class:`~lyra.orders.OrderRecord` (their events), so a state restores on its
own; pass your own order objects to ``restore`` to keep using them instead. Market prices
are not part of it: after a restart the emulator waits for fresh data before it triggers.
"""

from __future__ import annotations

import msgspec

from lyra.model.codec import register_struct
from lyra.model.enums import TriggerType
from lyra.model.values import Price
from lyra.orders.events import OrderInitialized
from lyra.orders.serialization import OrderRecord

__all__ = ("EmulatorState", "HeldOrderState", "ReleasedOrderState")


class HeldOrderState(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An order the emulator holds (EMULATED): its events and its trigger progress.

    ``trigger_type`` is the price stream it follows; ``auto`` whether the emulator chose to
    emulate it (the venue lacked something) rather than the order asking; ``seq`` its arrival
    number; ``activated``, ``trigger_price`` and ``price`` a trailing order's progress (the
    current trigger and limit) or a plain order's trigger.
    """

    order: OrderRecord
    trigger_type: TriggerType
    auto: bool
    seq: int
    activated: bool = False
    trigger_price: Price | None = None
    price: Price | None = None


class ReleasedOrderState(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An order the emulator released to the venue: its events, the specification of the
    venue order that carries it (same client order id), and whether ``OrderTriggered`` was
    already reported (``trigger_ts``: when the market triggered it)."""

    order: OrderRecord
    venue_order: OrderInitialized
    trigger_reported: bool
    trigger_ts: int


class EmulatorState(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Everything an emulator needs to resume: held and released orders, and the counters
    that keep event ids and arrival order unique across the restart."""

    held: tuple[HeldOrderState, ...] = ()
    released: tuple[ReleasedOrderState, ...] = ()
    event_count: int = 0
    seq: int = 0
    ts_snapshot: int = 0


for _cls in (HeldOrderState, ReleasedOrderState, EmulatorState):
    register_struct(_cls)
del _cls
