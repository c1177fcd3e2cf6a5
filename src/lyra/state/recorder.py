"""The :class:`StateRecorder`: writes what happens to a store, ahead of what depends on it.

The recorder listens to the bus and collects, in one pending :class:`~lyra.state.StateBatch`:

* every order event, the moment it is published (a handler at :data:`WRITE_PRIORITY`, ahead
  of every other subscriber), numbered with a global sequence ``seq``;
* the state of every contingency list a watched :class:`~lyra.contingency.ContingencyManager`
  changed, at each flush;
* the strategies' key/value areas (:meth:`StateRecorder.strategy_state`);
* a cursor per venue: the ``ts_event`` of the last venue event recorded;
* a portfolio checkpoint when asked (:meth:`StateRecorder.checkpoint`).

**The write-ahead rule.** :meth:`StateRecorder.flush` commits the pending batch. The venue
wrapper :class:`RecordingVenue` (``recorder.venue(venue)``) flushes before every command
it passes on, and records a new order (its ``OrderInitialized`` and any local events) in
that same flush, before the venue ever sees it. So every event a decision could depend on
is durable before the command the decision produced leaves the process, and no order can
reach a venue that the store has not heard of. What the store can miss is bounded and
documented: the events published since the last flush (they are the venue's, and recovery
fetches them again with :meth:`lyra.venue.Venue.reconcile`) and the ``OrderSubmitted`` of an
order whose submit was cut short (recovery finds the order at the venue, or not, and says
which). ``docs/explanation/state-and-recovery.md`` states the window precisely.

A failed write never passes silently: the recorder keeps the batch, raises
:class:`~lyra.state.StoreUnavailable` from the flush, and every command through a
:class:`RecordingVenue` raises it too until a flush succeeds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from lyra.bus import EventBus
from lyra.contingency.manager import OBSERVE_PRIORITY, ContingencyManager, Mode
from lyra.errors import InvalidInput, LyraError, StateError, StoreUnavailable
from lyra.model.codec import decode_msgpack, encode_msgpack
from lyra.model.data import BarType
from lyra.model.enums import OrderSide
from lyra.model.identifiers import AccountId, InstrumentId, Venue as VenueName
from lyra.model.values import Price, Quantity
from lyra.orders.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.portfolio.portfolio import Portfolio
from lyra.state.codec import encode_record, encode_stored_event
from lyra.state.protocol import StateStore
from lyra.state.records import (
    ContingencyRecord,
    ListRecord,
    PortfolioCheckpoint,
    StateBatch,
    StateSnapshot,
)
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.events import ConnectionStatus
from lyra.venue.reports import ReconciliationReport
from lyra.venue.unset import UNSET, Unset

if TYPE_CHECKING:
    from lyra.venue.protocol import Venue

__all__ = (
    "MAX_KEY_LENGTH",
    "MAX_VALUE_SIZE",
    "SETTLE_PRIORITY",
    "WRITE_PRIORITY",
    "RecordingVenue",
    "StateRecorder",
    "StrategyState",
)

WRITE_PRIORITY: Final = 2_000_000_000
"""Bus priority of the recorder's order-event handler: before every other subscriber."""
SETTLE_PRIORITY: Final = -2_000_000_000
"""Bus priority of the recorder's end-of-dispatch handler: after every other subscriber."""
_OBSERVED_PRIORITY: Final = OBSERVE_PRIORITY - 1
MAX_KEY_LENGTH: Final = 256
"""Longest key of a strategy's key/value area (characters)."""
MAX_VALUE_SIZE: Final = 1 << 20
"""Largest value of a strategy's key/value area (bytes): it is for small state."""

# Events whose ts_event is the venue's clock when they carry the venue's order id; a cursor
# moved by the local clock could skip venue events that were not received yet.
_CURSOR_TYPES: Final = frozenset(
    {OrderAccepted, OrderFilled, OrderCanceled, OrderExpired, OrderTriggered, OrderUpdated}
)
_ORDER_TOPICS: Final = "events.order.*"
_CONTINGENCY_TOPICS: Final = "events.contingency.*"


class StrategyState:
    """A strategy's own small key/value area in the store (see
    :meth:`StateRecorder.strategy_state`).

    Keys are strings of at most :data:`MAX_KEY_LENGTH` characters, values bytes of at most
    :data:`MAX_VALUE_SIZE` (or any value :mod:`lyra.model.codec` can encode, through
    :meth:`set_value` / :meth:`get_value`). A change is in the pending batch at once and
    durable after the next flush; reads see it at once.
    """

    __slots__ = ("_recorder", "_scope", "_values")

    def __init__(self, recorder: StateRecorder, scope: str, values: dict[str, bytes]) -> None:
        self._recorder = recorder
        self._scope = scope
        self._values = values

    @property
    def scope(self) -> str:
        """The area's name (usually the strategy id)."""
        return self._scope

    def get(self, key: str, default: bytes | None = None) -> bytes | None:
        """The value stored under ``key``, or ``default``."""
        return self._values.get(key, default)

    def set(self, key: str, value: bytes) -> None:
        """Store ``value`` (bytes) under ``key``."""
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(
                "StrategyState.key", f"must be a string of 1-{MAX_KEY_LENGTH} characters", key
            )
        if type(value) is not bytes:
            raise InvalidInput("StrategyState.value", "must be bytes (or use set_value)", value)
        if len(value) > MAX_VALUE_SIZE:
            raise InvalidInput(
                "StrategyState.value",
                f"must be at most {MAX_VALUE_SIZE} bytes: the area is for small state",
                f"{len(value)} bytes",
            )
        if self._values.get(key) == value:
            return
        self._values[key] = value
        self._recorder._put_kv(self._scope, key, value)

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error if absent)."""
        if self._values.pop(key, None) is not None:
            self._recorder._put_kv(self._scope, key, None)

    def get_value(self, key: str, type: Any = None, default: Any = None) -> Any:
        """The value under ``key`` decoded from msgpack (as ``type`` if given), or
        ``default``."""
        data = self._values.get(key)
        if data is None:
            return default
        # no type: plain msgpack (dicts, lists, strings), not the registered-struct union
        return decode_msgpack(data, Any if type is None else type)

    def set_value(self, key: str, value: Any) -> None:
        """Store any value :mod:`lyra.model.codec` encodes (a struct, a dict of ints, a
        Price...) under ``key``, as msgpack."""
        self.set(key, encode_msgpack(value))

    def keys(self) -> list[str]:
        """Every key, sorted."""
        return sorted(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __repr__(self) -> str:
        return f"StrategyState({self._scope!r}, {len(self._values)} keys)"


class StateRecorder:
    """Records orders, lists, contingency state, cursors and strategy state to ``store``.

    ``bus`` is where the venues publish order events. ``snapshot`` is what the store held
    when the process started (recovery passes the one it loaded; without it the recorder
    loads the store itself, to continue its sequence numbers). ``autoflush=True`` commits
    at the end of every top-level dispatch (each event the venue publishes, with everything
    its handlers did), on top of the write-ahead flushes before commands. ``portfolio`` is
    checkpointed by :meth:`checkpoint` (and every ``checkpoint_every`` recorded fills, if
    set); it must see every fill the recorder records.
    """

    __slots__ = (
        "_autoflush",
        "_batch",
        "_bus",
        "_checkpoint_every",
        "_closed",
        "_counts",
        "_cursors",
        "_depth",
        "_dirty_lists",
        "_failure",
        "_fills_since_checkpoint",
        "_kv",
        "_list_bytes",
        "_lists",
        "_managers",
        "_observing",
        "_orders",
        "_pending_checkpoint",
        "_portfolio",
        "_seq",
        "_store",
        "_unobserved",
        "_venues",
    )

    def __init__(
        self,
        store: StateStore,
        bus: EventBus,
        *,
        snapshot: StateSnapshot | None = None,
        portfolio: Portfolio | None = None,
        autoflush: bool = False,
        checkpoint_every: int | None = None,
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        if checkpoint_every is not None and (
            type(checkpoint_every) is not int or checkpoint_every < 1
        ):
            raise InvalidInput(
                "checkpoint_every", "must be a positive int or None", checkpoint_every
            )
        if snapshot is None:
            snapshot = store.load()
        self._store = store
        self._bus = bus
        self._autoflush = bool(autoflush)
        self._checkpoint_every = checkpoint_every
        self._portfolio = portfolio
        self._seq = snapshot.seq
        self._batch = StateBatch(self._seq)
        self._counts: dict[str, int] = {cid: len(ev) for cid, ev in snapshot.orders.items()}
        self._orders: dict[str, Order] = {}
        self._lists: set[str] = set(snapshot.lists)
        self._list_bytes: dict[str, bytes] = {}
        self._dirty_lists: set[str] = set()
        self._cursors: dict[str, int] = dict(snapshot.cursors)
        self._kv: dict[str, dict[str, bytes]] = {k: dict(v) for k, v in snapshot.kv.items()}
        self._managers: list[ContingencyManager] = []
        self._venues: dict[int, RecordingVenue] = {}
        self._failure: BaseException | None = None
        self._depth = 0
        self._unobserved: dict[int, None] = {}
        self._observing: dict[int, tuple[int, int]] = {}
        self._fills_since_checkpoint = 0
        self._pending_checkpoint = False
        self._closed = False
        bus.subscribe(_ORDER_TOPICS, self._on_order_event, WRITE_PRIORITY)
        bus.subscribe(_ORDER_TOPICS, self._after_observe, _OBSERVED_PRIORITY)
        bus.subscribe(_ORDER_TOPICS, self._after_dispatch, SETTLE_PRIORITY)
        bus.subscribe(_CONTINGENCY_TOPICS, self._on_contingency_event, SETTLE_PRIORITY)

    # -- properties --------------------------------------------------------------------------
    @property
    def store(self) -> StateStore:
        """The store written to."""
        return self._store

    @property
    def bus(self) -> EventBus:
        """The bus listened to."""
        return self._bus

    @property
    def seq(self) -> int:
        """The last sequence number given to an event (committed or pending)."""
        return self._seq

    @property
    def pending(self) -> int:
        """How many writes wait for the next flush."""
        return len(self._batch)

    @property
    def failure(self) -> BaseException | None:
        """The first error that stopped recording (an event of an order never registered, a
        failed commit), or ``None``."""
        return self._failure

    @property
    def portfolio(self) -> Portfolio | None:
        """The portfolio :meth:`checkpoint` saves."""
        return self._portfolio

    @portfolio.setter
    def portfolio(self, value: Portfolio | None) -> None:
        if value is not None and not isinstance(value, Portfolio):
            raise InvalidInput("portfolio", "must be a Portfolio or None", value)
        self._portfolio = value

    def cursor(self, venue: str) -> int | None:
        """The ``ts_event`` of the last venue event recorded for ``venue``, or ``None``."""
        return self._cursors.get(venue)

    def knows(self, client_order_id: str) -> bool:
        """Whether the order is recorded (or pending)."""
        return client_order_id in self._counts

    def recorded_events(self, client_order_id: str) -> int:
        """How many events of the order are recorded or pending."""
        return self._counts.get(client_order_id, 0)

    # -- registering orders, lists, managers --------------------------------------------------
    def register(self, order: Order) -> None:
        """Record ``order`` (every event it has that is not recorded yet) and follow it:
        its later events are taken from the order itself, in its own order."""
        if not isinstance(order, Order):
            raise InvalidInput("order", "must be an Order", order)
        cid = order.client_order_id
        if cid not in self._counts:
            self._counts[cid] = 0
        self._orders[cid] = order
        self._sync(order)

    def record_list(
        self,
        order_list: OrderList,
        *,
        managed: bool = False,
        mode: Mode = "auto",
        keep_oco_remainder: bool = True,
        proportional: bool = False,
    ) -> None:
        """Record an order list's structure and every member (``managed``: it goes to a
        contingency manager, with these options, rather than natively to a venue)."""
        if not isinstance(order_list, OrderList):
            raise InvalidInput("order_list", "must be an OrderList", order_list)
        for order in order_list:
            self.register(order)
        lid = order_list.order_list_id
        if lid in self._lists:
            return
        self._lists.add(lid)
        record = ListRecord(
            order_list_id=lid,
            contingency_type=order_list.contingency_type,
            client_order_ids=tuple(o.client_order_id for o in order_list),
            release_policy=order_list.release_policy,
            children_contingency=order_list.children_contingency,
            ts_init=order_list.ts_init,
            managed=managed,
            mode=mode,
            keep_oco_remainder=keep_oco_remainder,
            proportional=proportional,
        )
        self._batch.lists.append((lid, encode_record(record)))

    def watch(self, manager: ContingencyManager) -> None:
        """Save ``manager``'s list states at every flush (the lists it changed, and every
        open list)."""
        if not isinstance(manager, ContingencyManager):
            raise InvalidInput("manager", "must be a ContingencyManager", manager)
        if manager not in self._managers:
            self._managers.append(manager)
            for lst in manager.core.state.lists:
                self._dirty_lists.add(lst.order_list_id)

    def submit_list(
        self,
        manager: ContingencyManager,
        order_list: OrderList,
        *,
        mode: Mode = "auto",
        keep_oco_remainder: bool = True,
        proportional: bool = False,
    ) -> None:
        """Record ``order_list`` durably, then hand it to ``manager``
        (:meth:`ContingencyManager.submit`). Use this instead of ``manager.submit`` so that
        every member -- held OTO children included -- can be restored after a crash."""
        self.watch(manager)
        self.record_list(
            order_list,
            managed=True,
            mode=mode,
            keep_oco_remainder=keep_oco_remainder,
            proportional=proportional,
        )
        self.flush()
        manager.submit(
            order_list, mode=mode, keep_oco_remainder=keep_oco_remainder, proportional=proportional
        )

    def venue(self, venue: Venue) -> RecordingVenue:
        """The write-ahead wrapper of ``venue`` (one per venue object): give it to your
        strategies and contingency managers instead of the venue itself."""
        if isinstance(venue, RecordingVenue):
            if venue.recorder is not self:
                raise InvalidInput("venue", "is wrapped by another recorder", venue)
            return venue
        wrapped = self._venues.get(id(venue))
        if wrapped is None:
            wrapped = self._venues[id(venue)] = RecordingVenue(venue, self)
        return wrapped

    def strategy_state(self, scope: str) -> StrategyState:
        """The key/value area ``scope`` (e.g. a strategy id): small state a strategy needs
        back after a restart (counters, its last decision, parameters)."""
        if not isinstance(scope, str) or not scope or len(scope) > MAX_KEY_LENGTH:
            raise InvalidInput("scope", f"must be a string of 1-{MAX_KEY_LENGTH} characters", scope)
        return StrategyState(self, scope, self._kv.setdefault(scope, {}))

    def forget_closed(self) -> int:
        """Stop holding closed orders in memory (their records stay in the store; a late
        event of one is still recorded, as the order's next event); returns how many."""
        gone = [cid for cid, order in self._orders.items() if order.is_closed]
        for cid in gone:
            del self._orders[cid]
        return len(gone)

    # -- the bus -------------------------------------------------------------------------------
    def _on_order_event(self, event: OrderEvent) -> None:
        self._depth += 1
        cid = event.client_order_id
        order = self._orders.get(cid)
        before = self._seq
        if order is not None:
            self._sync(order)
        else:
            index = self._counts.get(cid)
            if index is None:
                self._fail(
                    StateError(
                        f"{type(event).__name__} of order {cid}, which was never recorded: "
                        "send orders through StateRecorder.venue(...) (or register() them) "
                        "so they are durable before they reach the venue"
                    )
                )
                return
            self._append(cid, index, event)
        if self._managers and self._seq != before:
            for manager in self._managers:
                core = manager.core
                if cid in core:
                    lst = core.list_of(cid)
                    if lst is not None:
                        self._dirty_lists.add(lst.order_list_id)
                    for seq in range(before + 1, self._seq + 1):
                        self._unobserved[seq] = None
                    self._observing[id(event)] = (before + 1, self._seq)
                    break

    def _after_observe(self, event: OrderEvent) -> None:
        # The managers (OBSERVE_PRIORITY) have now seen this event: its seqs count as
        # applied to their state. Only events of managed lists are tracked.
        if self._observing:
            span = self._observing.pop(id(event), None)
            if span is not None:
                for seq in range(span[0], span[1] + 1):
                    self._unobserved.pop(seq, None)

    def _after_dispatch(self, event: OrderEvent) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        self._depth = 0
        if self._pending_checkpoint:
            self._checkpoint_now()
        if self._autoflush and not self._batch.is_empty():
            # a failure is kept in _failure: the next command through a RecordingVenue raises
            with contextlib.suppress(LyraError):
                self.flush()

    def _on_contingency_event(self, event: Any) -> None:
        lid = getattr(event, "order_list_id", None)
        if lid is not None:
            self._dirty_lists.add(lid)

    # -- internals ------------------------------------------------------------------------------
    def _sync(self, order: Order) -> None:
        cid = order.client_order_id
        index = self._counts[cid]
        total = order.event_count
        if total == index + 1:
            self._append(cid, index, order.last_event)
        elif total > index:
            for event in order.events[index:]:
                self._append(cid, index, event)
                index += 1

    def _append(self, cid: str, index: int, event: OrderEvent) -> None:
        self._seq = seq = self._seq + 1
        batch = self._batch
        batch.events.append((cid, index, seq, encode_stored_event(seq, event)))
        batch.seq = seq
        self._counts[cid] = index + 1
        etype = type(event)
        if etype in _CURSOR_TYPES and getattr(event, "venue_order_id", None) is not None:
            venue = event.instrument_id.venue
            if event.ts_event > self._cursors.get(venue, -1):
                self._cursors[venue] = event.ts_event
                batch.cursors[venue] = event.ts_event
        if etype is OrderFilled and self._checkpoint_every is not None:
            self._fills_since_checkpoint += 1
            if self._fills_since_checkpoint >= self._checkpoint_every:
                self._pending_checkpoint = True

    def _put_kv(self, scope: str, key: str, value: bytes | None) -> None:
        self._batch.kv.append((scope, key, value))

    def _fail(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc

    def _collect_lists(self) -> None:
        if not self._managers:
            return
        # every event with a seq below the first one the managers have not observed yet
        # is in their state
        watermark = next(iter(self._unobserved)) - 1 if self._unobserved else self._seq
        dirty = self._dirty_lists
        written = self._list_bytes
        batch = self._batch
        managed: set[str] = set()
        for manager in self._managers:
            for lst in manager.core.state.lists:
                lid = lst.order_list_id
                managed.add(lid)
                if lst.closed and lid not in dirty and lid in written:
                    continue
                data = encode_record(ContingencyRecord(seq=watermark, state=lst))
                if written.get(lid) != data:
                    written[lid] = data
                    batch.contingency.append((lid, data))
        if len(written) > len(managed):
            # lists a manager forgot (forget_closed): their records go too, or every
            # restart would bring them back
            for gone in [key for key in written if key not in managed]:
                del written[gone]
                batch.contingency.append((gone, None))
        dirty.clear()

    def _take(self) -> StateBatch:
        self._collect_lists()
        batch = self._batch
        self._batch = StateBatch(self._seq)
        return batch

    def _restore(self, batch: StateBatch) -> None:
        """Put a batch that failed back in front of what was added since."""
        newer = self._batch
        batch.events.extend(newer.events)
        batch.lists.extend(newer.lists)
        batch.contingency.extend(newer.contingency)
        if newer.portfolio is not None:
            batch.portfolio = newer.portfolio
        batch.kv.extend(newer.kv)
        for venue, ts in newer.cursors.items():
            if ts > batch.cursors.get(venue, -1):
                batch.cursors[venue] = ts
        batch.seq = max(batch.seq, newer.seq)
        self._batch = batch
        # the encodings of the failed batch's lists may not be stored: write them again
        for lid, _ in batch.contingency:
            self._list_bytes.pop(lid, None)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable(self._store.name, "the recorder is closed")

    # -- durability ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Commit everything pending (and the changed contingency states) now.

        Raises :class:`~lyra.state.StoreUnavailable` when the commit fails (the batch stays
        pending and the next flush retries it) or :class:`~lyra.state.StateError` when
        recording already failed for another reason.
        """
        self._check_open()
        if self._failure is not None and not isinstance(self._failure, StoreUnavailable):
            raise StateError(f"recording stopped: {self._failure}") from self._failure
        batch = self._take()
        if batch.is_empty():
            return
        try:
            self._store.commit(batch)
        except StoreUnavailable as exc:
            self._restore(batch)
            self._fail(exc)
            raise
        except Exception as exc:
            self._restore(batch)
            failure = StoreUnavailable(self._store.name, f"commit failed: {exc}")
            self._fail(failure)
            raise failure from exc
        if isinstance(self._failure, StoreUnavailable):
            self._failure = None

    async def aflush(self) -> None:
        """:meth:`flush` without blocking the event loop (for the stores whose async face
        does not block; a concurrent :meth:`flush` waits for it)."""
        self._check_open()
        if self._failure is not None and not isinstance(self._failure, StoreUnavailable):
            raise StateError(f"recording stopped: {self._failure}") from self._failure
        batch = self._take()
        if batch.is_empty():
            return
        try:
            await self._store.acommit(batch)
        except StoreUnavailable as exc:
            self._restore(batch)
            self._fail(exc)
            raise
        except Exception as exc:
            self._restore(batch)
            failure = StoreUnavailable(self._store.name, f"commit failed: {exc}")
            self._fail(failure)
            raise failure from exc
        if isinstance(self._failure, StoreUnavailable):
            self._failure = None

    def ensure_durable(self) -> None:
        """The write-ahead point: flush, raising if state cannot be made durable (what
        :class:`RecordingVenue` calls before every command)."""
        if self._failure is not None or not self._batch.is_empty() or self._managers:
            self.flush()

    def checkpoint(self) -> None:
        """Save the portfolio (positions and accounts) with the current ``seq``, so recovery
        replays only the fills recorded after it. Taken at once when no dispatch is in
        progress, else when the current one ends; durable at the next flush."""
        if self._portfolio is None:
            raise InvalidInput("portfolio", "the recorder has no portfolio to checkpoint", None)
        if self._depth > 0:
            self._pending_checkpoint = True
        else:
            self._checkpoint_now()

    def _checkpoint_now(self) -> None:
        self._pending_checkpoint = False
        self._fills_since_checkpoint = 0
        portfolio = self._portfolio
        if portfolio is None:
            return
        self._batch.portfolio = encode_record(
            PortfolioCheckpoint(seq=self._seq, state=portfolio.to_state())
        )

    def close(self) -> None:
        """Flush what is pending and stop listening (the store stays open)."""
        if self._closed:
            return
        try:
            if self._failure is None or isinstance(self._failure, StoreUnavailable):
                self.flush()
        finally:
            self._closed = True
            bus = self._bus
            bus.unsubscribe(_ORDER_TOPICS, self._on_order_event)
            bus.unsubscribe(_ORDER_TOPICS, self._after_observe)
            bus.unsubscribe(_ORDER_TOPICS, self._after_dispatch)
            bus.unsubscribe(_CONTINGENCY_TOPICS, self._on_contingency_event)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"StateRecorder({self._store.name}, seq={self._seq}, orders={len(self._counts)}, "
            f"pending={self.pending})"
        )


class RecordingVenue:
    """A :class:`~lyra.venue.Venue` that makes state durable before each command.

    Made by :meth:`StateRecorder.venue`. ``submit_order`` records the order and flushes,
    then submits; ``submit_order_list`` records the list and every member, flushes, then
    submits; ``modify_order``, ``cancel_order`` and ``cancel_all_orders`` flush first (the
    events that led to them become durable), then pass on; ``adopt_orders`` records the
    orders. Every other member is the wrapped venue's. When the state cannot be made
    durable, the command raises :class:`~lyra.state.StoreUnavailable` and is not sent.
    """

    __slots__ = ("_recorder", "_venue")

    def __init__(self, venue: Venue, recorder: StateRecorder) -> None:
        self._venue = venue
        self._recorder = recorder

    @property
    def inner(self) -> Venue:
        """The wrapped venue."""
        return self._venue

    @property
    def recorder(self) -> StateRecorder:
        """The recorder that makes state durable."""
        return self._recorder

    # -- identity ----------------------------------------------------------------------------
    @property
    def venue(self) -> VenueName:
        """The wrapped venue's name."""
        return self._venue.venue

    @property
    def account_id(self) -> AccountId:
        """The wrapped venue's account."""
        return self._venue.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        """The wrapped venue's capabilities."""
        return self._venue.capabilities

    @property
    def status(self) -> ConnectionStatus:
        """The wrapped venue's connection status."""
        return self._venue.status

    @property
    def connected(self) -> bool:
        """Whether the wrapped venue is connected."""
        return self._venue.connected

    # -- commands: durable first ---------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """Record ``order``, flush, then submit it."""
        self._recorder.register(order)
        self._recorder.flush()
        self._venue.submit_order(order)

    def submit_order_list(self, order_list: OrderList) -> None:
        """Record the list and its members, flush, then submit it."""
        self._recorder.record_list(order_list)
        self._recorder.flush()
        self._venue.submit_order_list(order_list)

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """Flush, then modify."""
        self._recorder.ensure_durable()
        self._venue.modify_order(order, quantity, price, trigger_price)

    def cancel_order(self, order: Order) -> None:
        """Flush, then cancel."""
        self._recorder.ensure_durable()
        self._venue.cancel_order(order)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        """Flush, then cancel all."""
        self._recorder.ensure_durable()
        self._venue.cancel_all_orders(instrument_id, side)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        """Record the orders, then hand them to the venue."""
        batch = list(orders)
        for order in batch:
            self._recorder.register(order)
        self._venue.adopt_orders(batch)

    # -- market data and recovery: passed on ---------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Passed on."""
        self._venue.subscribe_quotes(instrument_id)

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Passed on."""
        self._venue.unsubscribe_quotes(instrument_id)

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Passed on."""
        self._venue.subscribe_trades(instrument_id)

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Passed on."""
        self._venue.unsubscribe_trades(instrument_id)

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Passed on."""
        self._venue.subscribe_book(instrument_id, depth)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Passed on."""
        self._venue.unsubscribe_book(instrument_id)

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Passed on."""
        self._venue.subscribe_bars(bar_type)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Passed on."""
        self._venue.unsubscribe_bars(bar_type)

    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        """Passed on."""
        return await self._venue.reconcile(since_ns, instrument_ids)

    async def __aenter__(self) -> Self:
        await self._venue.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return await self._venue.__aexit__(exc_type, exc, tb)

    def __repr__(self) -> str:
        return f"RecordingVenue({self._venue!r})"


if TYPE_CHECKING:

    def _is_a_venue(v: RecordingVenue) -> Venue:
        return v
