"""What a state store holds: the records, one write batch, and a loaded snapshot.

A store keeps seven kinds of record (``docs/explanation/state-and-recovery.md`` has the key
layout of each store):

* **order events** -- every applied event of every order, in the order's own order, each
  wrapped in a :class:`StoredEvent` with the recorder's global sequence number ``seq``;
  an order is rebuilt by replaying them (:meth:`lyra.orders.Order.from_events`);
* **order lists** -- a :class:`ListRecord` per list: its structure (the links themselves
  live on each member's ``OrderInitialized``);
* **contingency state** -- a :class:`ContingencyRecord` per managed list: the
  :class:`~lyra.contingency.ListState` the contingency manager had after processing every
  event up to ``seq``;
* **portfolio** -- one :class:`PortfolioCheckpoint`: positions and accounts as of ``seq``;
  fills recorded after it are replayed on top;
* **strategy state** -- a small key/value area per scope (opaque bytes);
* **cursors** -- per venue, the ``ts_event`` of the last venue event recorded;
* **meta** -- the schema version and the last ``seq``.

:class:`StateBatch` is the unit of writing: a store commits a batch atomically (all of it or
none) and durably, as far as its settings promise. Stores return what they hold as a
:class:`RawSnapshot` (bytes, with the name of the key each came from);
:func:`lyra.state.decode_snapshot` turns that into a :class:`StateSnapshot` or raises
:class:`~lyra.state.StateCorrupted` naming the bad key.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import msgspec

from lyra.contingency.state import ListState
from lyra.model.enums import ContingencyType
from lyra.model.identifiers import ClientOrderId, OrderListId
from lyra.orders.events import OrderEvent
from lyra.orders.lists import ReleasePolicy
from lyra.portfolio.portfolio import PortfolioState

__all__ = (
    "SCHEMA_VERSION",
    "ContingencyRecord",
    "ListRecord",
    "PortfolioCheckpoint",
    "RawEvent",
    "RawRecord",
    "RawSnapshot",
    "StateBatch",
    "StateSnapshot",
    "StoredEvent",
)

SCHEMA_VERSION: Final = 1
"""The layout version this Lyra writes; a store written by a newer one is refused."""


class StoredEvent(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One order event as stored: ``[seq, event]`` (msgpack array).

    ``seq`` is the recorder's global sequence number: events of all orders, in the order
    they were recorded (the order the bus published them in)."""

    seq: int
    event: OrderEvent


class ListRecord(msgspec.Struct, frozen=True, kw_only=True, tag="StateListRecord"):
    """An order list's structure. ``managed``: it was handed to a
    :class:`~lyra.contingency.ContingencyManager` (else sent natively to a venue), with
    ``mode``, ``keep_oco_remainder`` and ``proportional`` as given to
    :meth:`~lyra.contingency.ContingencyManager.submit`."""

    order_list_id: OrderListId
    contingency_type: ContingencyType
    client_order_ids: tuple[ClientOrderId, ...]
    release_policy: ReleasePolicy | None = None
    children_contingency: ContingencyType = ContingencyType.NO_CONTINGENCY
    ts_init: int = 0
    managed: bool = False
    mode: str = "auto"
    keep_oco_remainder: bool = True
    proportional: bool = False


class ContingencyRecord(msgspec.Struct, kw_only=True, tag="StateContingencyRecord"):
    """A managed list's decision state after every recorded event up to ``seq``."""

    seq: int
    state: ListState


class PortfolioCheckpoint(msgspec.Struct, frozen=True, kw_only=True, tag="StatePortfolio"):
    """Positions and accounts after every recorded fill up to ``seq``."""

    seq: int
    state: PortfolioState


class StateBatch:
    """Writes to commit together (atomically). Values are already encoded.

    * ``events`` -- ``(client_order_id, index, seq, stored_event_bytes)``: the order's
      ``index``-th event (0 is its ``OrderInitialized``), recorded as number ``seq``;
    * ``lists`` -- ``(order_list_id, list_record_bytes)``;
    * ``contingency`` -- ``(order_list_id, contingency_record_bytes or None to delete)``;
    * ``portfolio`` -- checkpoint bytes to replace the stored one, or ``None``;
    * ``kv`` -- ``(scope, key, value or None to delete)``;
    * ``cursors`` -- venue -> ``ts_event`` (only ever moves forward);
    * ``seq`` -- the last sequence number used, kept in meta.
    """

    __slots__ = ("contingency", "cursors", "events", "kv", "lists", "portfolio", "seq")

    def __init__(self, seq: int = 0) -> None:
        self.events: list[tuple[str, int, int, bytes]] = []
        self.lists: list[tuple[str, bytes]] = []
        self.contingency: list[tuple[str, bytes | None]] = []
        self.portfolio: bytes | None = None
        self.kv: list[tuple[str, str, bytes | None]] = []
        self.cursors: dict[str, int] = {}
        self.seq = seq

    def is_empty(self) -> bool:
        """Whether there is nothing to write (``seq`` alone is not written)."""
        return not (
            self.events
            or self.lists
            or self.contingency
            or self.portfolio is not None
            or self.kv
            or self.cursors
        )

    def __len__(self) -> int:
        return (
            len(self.events)
            + len(self.lists)
            + len(self.contingency)
            + (self.portfolio is not None)
            + len(self.kv)
            + len(self.cursors)
        )

    def __repr__(self) -> str:
        return (
            f"StateBatch(seq={self.seq}, events={len(self.events)}, lists={len(self.lists)}, "
            f"contingency={len(self.contingency)}, portfolio={self.portfolio is not None}, "
            f"kv={len(self.kv)}, cursors={len(self.cursors)})"
        )


class RawEvent(NamedTuple):
    """One stored order event as read back: the order, the event's index in it, the bytes,
    and the key
    (in the store's own terms) for error messages."""

    client_order_id: str
    idx: int
    data: bytes
    key: str


class RawRecord(NamedTuple):
    """One stored record as read back: its id, the bytes, and the store's key for it."""

    id: str
    data: bytes
    key: str


class RawSnapshot:
    """Everything a store holds, still encoded (see :func:`lyra.state.decode_snapshot`)."""

    __slots__ = ("contingency", "cursors", "events", "kv", "lists", "portfolio", "schema", "seq")

    def __init__(self) -> None:
        self.events: list[RawEvent] = []
        self.lists: list[RawRecord] = []
        self.contingency: list[RawRecord] = []
        self.portfolio: RawRecord | None = None
        self.kv: dict[str, dict[str, bytes]] = {}
        self.cursors: dict[str, int] = {}
        self.seq = 0
        self.schema = SCHEMA_VERSION


class StateSnapshot:
    """Everything a store holds, decoded and checked.

    ``orders`` maps each client order id to its ``(seq, event)`` pairs in the order's own
    order (the first is its ``OrderInitialized``); ``source`` names the store.
    """

    __slots__ = ("contingency", "cursors", "kv", "lists", "orders", "portfolio", "seq", "source")

    def __init__(
        self,
        *,
        orders: dict[ClientOrderId, list[tuple[int, OrderEvent]]] | None = None,
        lists: dict[OrderListId, ListRecord] | None = None,
        contingency: dict[OrderListId, ContingencyRecord] | None = None,
        portfolio: PortfolioCheckpoint | None = None,
        kv: dict[str, dict[str, bytes]] | None = None,
        cursors: dict[str, int] | None = None,
        seq: int = 0,
        source: str = "",
    ) -> None:
        self.source = source  # the store's name, for messages
        self.orders = orders if orders is not None else {}
        self.lists = lists if lists is not None else {}
        self.contingency = contingency if contingency is not None else {}
        self.portfolio = portfolio
        self.kv = kv if kv is not None else {}
        self.cursors = cursors if cursors is not None else {}
        self.seq = seq

    @property
    def is_empty(self) -> bool:
        """Whether the store held nothing at all."""
        return not (
            self.orders
            or self.lists
            or self.contingency
            or self.portfolio is not None
            or self.kv
            or self.cursors
        )

    def event_count(self) -> int:
        """How many order events the snapshot holds."""
        return sum(len(v) for v in self.orders.values())

    def events_in_order(self) -> list[tuple[int, OrderEvent]]:
        """Every order event with its ``seq``, in recorded (global) order."""
        out = [pair for events in self.orders.values() for pair in events]
        out.sort(key=_seq_of)
        return out

    def __repr__(self) -> str:
        return (
            f"StateSnapshot(seq={self.seq}, orders={len(self.orders)}, "
            f"events={self.event_count()}, lists={len(self.lists)}, "
            f"contingency={len(self.contingency)}, portfolio={self.portfolio is not None}, "
            f"kv scopes={len(self.kv)}, cursors={self.cursors})"
        )


def _seq_of(pair: tuple[int, OrderEvent]) -> int:
    return pair[0]
