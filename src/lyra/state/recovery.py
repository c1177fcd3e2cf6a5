"""Recovery: rebuild everything from a store, then reconcile it with each venue.

Two steps, usable apart:

1. :func:`restore` (synchronous, offline) turns a :class:`~lyra.state.StateSnapshot` into
   live objects: every order rebuilt by replaying its events, the order lists, the
   portfolio (the checkpoint plus every fill recorded after it), and the contingency
   lists' states caught up with every event recorded after their last save.
2. :func:`recover` (async) does step 1 on a store, attaches a
   :class:`~lyra.state.StateRecorder`, restarts the contingency managers, and reconciles with
   each venue (:meth:`lyra.venue.Venue.reconcile`): fills that happened while the process
   was down are applied, orders the venue closed or no longer knows are closed, orders the
   venue has that the store lacks are adopted (strategy ``EXTERNAL``), positions and
   balances are compared, and contingency decisions that were cut short are carried out.
   Every difference is published as a :class:`ReconciliationDifference` on
   :func:`reconciliation_topic` of the venue and returned.

The venue's changes are replayed in the venue's own time order across all orders (fills
before other changes at the same timestamp), so the contingency managers -- listening live
-- see them in the order they happened. ``docs/explanation/state-and-recovery.md`` walks
through every case.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence, Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import msgspec
import msgspec.structs

from lyra import topics
from lyra.bus import EventBus
from lyra.contingency.actions import Publish
from lyra.contingency.core import ContingencyCore
from lyra.contingency.manager import ContingencyManager, Mode
from lyra.contingency.state import ContingencyState, ListState
from lyra.errors import (
    InsufficientBalance,
    InvalidInput,
    InvalidOrder,
    InvalidTransition,
    StateCorrupted,
)
from lyra.model.codec import register_struct
from lyra.model.enums import OrderStatus
from lyra.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    OrderListId,
    StrategyId,
    TradeId,
    Venue as VenueName,
    VenueOrderId,
)
from lyra.model.instruments import Instrument
from lyra.orders._time import TimeSource, as_time_fn
from lyra.orders.events import OrderEvent, OrderFilled, OrderInitialized
from lyra.orders.lists import OrderList
from lyra.orders.order import ApplyOutcome, Order
from lyra.portfolio.portfolio import Portfolio
from lyra.state.protocol import StateStore
from lyra.state.recorder import RecordingVenue, StateRecorder, StrategyState
from lyra.state.records import StateSnapshot
from lyra.venue.codes import RejectCode
from lyra.venue.events import AnomalyKind, ConnectionStatus, VenueAnomaly
from lyra.venue.flow import OrderFlow
from lyra.venue.reports import FillReport, OrderStatusReport, ReconciliationReport

if TYPE_CHECKING:
    from lyra.venue.protocol import Venue

__all__ = (
    "EXTERNAL_STRATEGY",
    "DifferenceKind",
    "Recovery",
    "ReconciliationDifference",
    "RestoredState",
    "reconciliation_topic",
    "recover",
    "restore",
)

EXTERNAL_STRATEGY: Final = StrategyId("EXTERNAL")
"""The strategy id of orders adopted from a venue that the store did not know."""

_S = OrderStatus
_OPEN_AT_VENUE: Final = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})
_NEVER_SENT: Final = frozenset({_S.INITIALIZED, _S.EMULATED, _S.RELEASED, _S.DENIED})
_CLOSED: Final = frozenset({_S.DENIED, _S.REJECTED, _S.CANCELED, _S.EXPIRED, _S.FILLED})
# Ranks of changes at the same venue timestamp: the acknowledgement, then fills (the
# cause), then what the venue did about them (updates, triggers), then closes.
_RANK_ACCEPT: Final = 0
_RANK_SPEC: Final = 1  # a closed order's final quantity/price: before its fills
_RANK_FILL: Final = 2
_RANK_UPDATE: Final = 3
_RANK_CANCEL_REJECTED: Final = 4
_RANK_CLOSE: Final = 5


def reconciliation_topic(venue: str) -> str:
    """Topic of reconciliation differences: ``events.reconciliation.<VENUE>`` (the same as
    :func:`lyra.topics.reconciliation_events`)."""
    if not venue:
        raise InvalidInput("venue", "must be a non-empty string", venue)
    return topics.reconciliation_events(venue)


class DifferenceKind(enum.IntEnum):
    """What a :class:`ReconciliationDifference` is about (and what recovery did)."""

    FILL_APPLIED = 1
    """A fill the venue reports that the store did not have: applied (``reconciliation``)."""
    ORDER_ACKNOWLEDGED = 2
    """The venue has an order the store had as not yet acknowledged (or not yet sent):
    marked submitted / accepted."""
    ORDER_UPDATED = 3
    """The venue's quantity or price differs (a modify answered while down): updated."""
    ORDER_TRIGGERED = 4
    """The venue triggered the order while down."""
    ORDER_CLOSED = 5
    """The venue canceled, expired or rejected the order while down: closed here too."""
    CANCEL_NOT_CONFIRMED = 6
    """A cancel was pending but the order is still open at the venue: back to open."""
    ORDER_MISSING = 7
    """An order open here is unknown to the venue (whose history is complete): closed
    (canceled, or rejected if it was never acknowledged)."""
    ORDER_UNSENT = 8
    """An order recorded but not at the venue and never sent: left INITIALIZED (submit it
    again, or let it go)."""
    ORDER_UNKNOWN = 9
    """An order open here that the venue does not list, with an incomplete history: its
    fate is unknown, so it is left as it is."""
    ORDER_ADOPTED = 10
    """An order the venue has that the store lacks: adopted under strategy ``EXTERNAL``."""
    FILL_UNMATCHED = 11
    """A fill of an order neither the store nor the venue's order list explains."""
    FILL_MISSING = 12
    """The venue reports more filled than the fills it listed: the gap is not applied."""
    POSITION_MISMATCH = 13
    """The venue's net position differs from the portfolio's after reconciliation."""
    BALANCE_MISMATCH = 14
    """The venue's balance total differs from the account's (left as it is)."""
    BALANCE_ADOPTED = 15
    """The venue's balance total differed from the account's: the venue's was taken."""
    LIST_RESUBMITTED = 16
    """A list recorded before the crash never reached the venue: submitted now."""
    CONTINGENCY_RESUMED = 17
    """A contingency decision cut short by the crash (a submit, resize or cancel that never
    left) was carried out now."""
    EVENT_REFUSED = 18
    """The order state machine refused a reconciliation event (the venue's report
    contradicts the order's history)."""


class ReconciliationDifference(msgspec.Struct, frozen=True, tag=True, kw_only=True):
    """One difference between the store and a venue, and what recovery did about it.

    ``local`` is what Lyra had, ``remote`` what the venue reports (both as text, for
    people and logs); the ids say which order, fill or instrument it concerns.
    """

    venue: VenueName
    kind: DifferenceKind
    message: str
    client_order_id: ClientOrderId | None = None
    venue_order_id: VenueOrderId | None = None
    instrument_id: InstrumentId | None = None
    trade_id: TradeId | None = None
    order_list_id: OrderListId | None = None
    local: str = ""
    remote: str = ""
    ts_event: int
    ts_init: int


register_struct(ReconciliationDifference)


# -- restore: snapshot -> objects ---------------------------------------------------------------
class RestoredState:
    """What :func:`restore` rebuilt from a snapshot.

    ``orders`` (every order, by client order id), ``order_lists`` (every recorded list),
    ``portfolio`` (``None`` when neither a checkpoint nor a starting portfolio was given),
    ``contingency`` (the managed lists' states, caught up), ``managed`` (the options each
    managed list was submitted with), ``kv`` (strategy key/value areas), ``cursors``,
    ``seq`` and ``problems`` (things that could be restored only in part, as text).
    """

    __slots__ = (
        "contingency",
        "cursors",
        "kv",
        "list_options",
        "order_lists",
        "orders",
        "portfolio",
        "problems",
        "seq",
        "snapshot",
        "unstarted_lists",
    )

    def __init__(self, snapshot: StateSnapshot) -> None:
        self.snapshot = snapshot
        self.orders: dict[ClientOrderId, Order] = {}
        self.order_lists: dict[OrderListId, OrderList] = {}
        self.list_options: dict[OrderListId, tuple[Mode, bool, bool]] = {}
        self.unstarted_lists: list[OrderListId] = []
        self.portfolio: Portfolio | None = None
        self.contingency: dict[OrderListId, ListState] = {}
        self.kv = snapshot.kv
        self.cursors = dict(snapshot.cursors)
        self.seq = snapshot.seq
        self.problems: list[str] = []

    def open_orders(self) -> list[Order]:
        """Orders that are not closed (open, in flight, or never sent)."""
        return [o for o in self.orders.values() if not o.is_closed]

    def __repr__(self) -> str:
        return (
            f"RestoredState(orders={len(self.orders)}, lists={len(self.order_lists)}, "
            f"contingency={len(self.contingency)}, portfolio={self.portfolio is not None}, "
            f"seq={self.seq})"
        )


def _replay(cid: str, pairs: Sequence[tuple[int, OrderEvent]], source: str) -> Order:
    first = pairs[0][1]
    try:
        order = Order(first)  # type: ignore[arg-type]  # decode_snapshot checked the type
    except InvalidOrder as exc:
        raise StateCorrupted(f"{source}:order {cid}[0]", f"does not make an order: {exc}") from exc
    for i in range(1, len(pairs)):
        event = pairs[i][1]
        try:
            outcome = order.apply(event)
        except (InvalidOrder, InvalidTransition) as exc:
            raise StateCorrupted(
                f"{source}:order {cid}[{i}]",
                f"{type(event).__name__} does not replay onto the order's earlier events: {exc}",
            ) from exc
        if outcome is ApplyOutcome.DUPLICATE:
            raise StateCorrupted(
                f"{source}:order {cid}[{i}]",
                f"{type(event).__name__} duplicates an earlier event (a trade id or "
                "acknowledgement recorded twice); a store never holds duplicates",
            )
    return order


def restore(
    snapshot: StateSnapshot,
    *,
    instruments: Iterable[Instrument] = (),
    portfolio: Portfolio | None = None,
) -> RestoredState:
    """Rebuild orders, lists, the portfolio and contingency states from ``snapshot``.

    ``portfolio`` is the starting portfolio, used only when the store has no checkpoint
    (a first run); ``instruments`` must include every instrument the checkpoint or the
    recorded fills hold. Raises :class:`~lyra.state.StateCorrupted` when an order's events
    do not replay.
    """
    source = snapshot.source or "store"
    out = RestoredState(snapshot)
    orders = out.orders
    for cid, pairs in snapshot.orders.items():
        orders[cid] = _replay(cid, pairs, source)

    # lists
    for lid, rec in snapshot.lists.items():
        members = [orders.get(cid) for cid in rec.client_order_ids]
        if any(m is None for m in members):
            missing = [c for c, m in zip(rec.client_order_ids, members, strict=True) if m is None]
            raise StateCorrupted(
                f"{source}:list {lid}", f"names orders the store does not hold: {missing}"
            )
        try:
            out.order_lists[lid] = OrderList(
                lid,
                [m for m in members if m is not None],
                contingency_type=rec.contingency_type,
                release_policy=rec.release_policy,
                children_contingency=rec.children_contingency,
                ts_init=rec.ts_init,
            )
        except InvalidOrder as exc:
            raise StateCorrupted(f"{source}:list {lid}", f"is not a valid list: {exc}") from exc
        if rec.managed:
            mode = rec.mode if rec.mode in ("auto", "native", "emulated") else "auto"
            out.list_options[lid] = (mode, rec.keep_oco_remainder, rec.proportional)  # type: ignore[assignment]
            if lid not in snapshot.contingency:
                if all(m is not None and m.status is _S.INITIALIZED for m in members):
                    out.unstarted_lists.append(lid)
                elif not all(m is not None and m.is_closed for m in members):
                    # (a finished list the manager forgot has no state left: nothing to say)
                    out.problems.append(
                        f"list {lid} was sent but its contingency state was never saved; it "
                        "is restored without contingency management"
                    )

    # portfolio: the checkpoint (or the starting portfolio) plus every later fill
    registry: dict[InstrumentId, Instrument] = {}
    for instrument in instruments:
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instruments", "must hold Instruments", instrument)
        registry[instrument.id] = instrument
    after = -1
    pf: Portfolio | None = None
    if snapshot.portfolio is not None:
        if portfolio is not None:
            for iid in _registered(portfolio):
                found = portfolio.instrument(iid)
                if found is not None:
                    registry.setdefault(iid, found)
        try:
            pf = Portfolio.from_state(snapshot.portfolio.state, registry)
        except InvalidInput as exc:
            raise InvalidInput(
                "instruments",
                f"must include every instrument of the stored portfolio ({exc})",
            ) from exc
        after = snapshot.portfolio.seq
    elif portfolio is not None:
        pf = portfolio
        for instrument in registry.values():
            if pf.instrument(instrument.id) is None:
                pf.add_instrument(instrument)
    events = snapshot.events_in_order()
    if pf is not None:
        # replaying: the position events are not wanted
        apply = pf.replay_fill
        for seq, event in events:
            if seq > after and type(event) is OrderFilled:
                try:
                    apply(event)
                except InsufficientBalance as exc:
                    out.problems.append(f"fill {event.trade_id} not booked: {exc}")
    out.portfolio = pf

    # contingency: the saved list states, caught up with the events recorded after them
    if snapshot.contingency:
        states: list[ListState] = []
        marks: dict[str, int] = {}
        for lid, crec in snapshot.contingency.items():
            lst = crec.state
            missing = [m.client_order_id for m in lst.members if m.client_order_id not in orders]
            if missing:
                out.problems.append(
                    f"contingency state of list {lid} names orders the store does not hold "
                    f"({missing}); the list is not managed after the restart"
                )
                continue
            states.append(lst)
            marks[lid] = crec.seq
        core = ContingencyCore(ContingencyState(lists=states))
        for seq, event in events:
            owning = core.list_of(event.client_order_id)
            if owning is not None and seq > marks[owning.order_list_id]:
                core.on_event(event)  # decided before the crash: the actions are not redone
        for lst in states:
            out.contingency[lst.order_list_id] = lst
    return out


def _registered(portfolio: Portfolio) -> list[InstrumentId]:
    return list(portfolio.instrument_ids)


# -- recover: restore + reconcile -------------------------------------------------------------
class Recovery:
    """What :func:`recover` returns: the restored state, attached and reconciled.

    * ``recorder`` -- the :class:`~lyra.state.StateRecorder` now recording to the store;
    * :meth:`venue` -- the write-ahead wrapper of each venue (use it for every command);
    * :meth:`manager` -- the :class:`~lyra.contingency.ContingencyManager` of a venue
      (restored, or new), watched by the recorder;
    * ``orders``, ``order_lists``, ``portfolio`` -- as restored and reconciled;
    * :meth:`strategy_state` -- a strategy's key/value area;
    * ``differences`` -- every :class:`ReconciliationDifference` published;
    * ``reports`` -- each venue's :class:`~lyra.venue.ReconciliationReport`;
    * ``problems`` -- what could be restored only in part (text).
    """

    __slots__ = (
        "_clock",
        "_managers",
        "_prefer_native",
        "_venues",
        "bus",
        "differences",
        "order_lists",
        "orders",
        "portfolio",
        "problems",
        "recorder",
        "reports",
        "restored",
    )

    def __init__(
        self,
        restored: RestoredState,
        recorder: StateRecorder,
        bus: EventBus,
        clock: Callable[[], int],
        prefer_native: bool,
    ) -> None:
        self.restored = restored
        self.recorder = recorder
        self.bus = bus
        self.orders = restored.orders
        self.order_lists = restored.order_lists
        self.portfolio = restored.portfolio
        self.problems = restored.problems
        self.differences: list[ReconciliationDifference] = []
        self.reports: dict[VenueName, ReconciliationReport] = {}
        self._clock = clock
        self._prefer_native = prefer_native
        self._venues: list[RecordingVenue] = []
        self._managers: dict[int, ContingencyManager] = {}

    def venue(self, venue: Venue | str) -> RecordingVenue:
        """The write-ahead wrapper of ``venue`` (the venue object, or its name when only one
        account of it was given)."""
        if isinstance(venue, str):
            found = [v for v in self._venues if v.venue == venue]
            if len(found) != 1:
                raise InvalidInput(
                    "venue", "must name exactly one of the venues given to recover()", venue
                )
            return found[0]
        for wrapped in self._venues:
            if wrapped is venue or wrapped.inner is venue:
                return wrapped
        raise InvalidInput("venue", "is not one of the venues given to recover()", venue)

    @property
    def venues(self) -> tuple[RecordingVenue, ...]:
        """Every venue, wrapped, in the order given."""
        return tuple(self._venues)

    def manager(self, venue: Venue | str) -> ContingencyManager:
        """The contingency manager of ``venue`` (made, and watched, on first use)."""
        wrapped = self.venue(venue)
        manager = self._managers.get(id(wrapped))
        if manager is None:
            manager = ContingencyManager(
                wrapped,
                self.bus,
                self._clock,
                prefer_native=self._prefer_native,
                id_prefix=f"CM{self._clock():x}-",
            )
            self._managers[id(wrapped)] = manager
            self.recorder.watch(manager)
        return manager

    @property
    def managers(self) -> tuple[ContingencyManager, ...]:
        """The contingency managers made so far."""
        return tuple(self._managers.values())

    def strategy_state(self, scope: str) -> StrategyState:
        """A strategy's key/value area (see :meth:`StateRecorder.strategy_state`)."""
        return self.recorder.strategy_state(scope)

    def submit_list(
        self,
        venue: Venue | str,
        order_list: OrderList,
        *,
        mode: Mode = "auto",
        keep_oco_remainder: bool = True,
        proportional: bool = False,
    ) -> None:
        """Record ``order_list`` and hand it to the venue's contingency manager."""
        self.recorder.submit_list(
            self.manager(venue),
            order_list,
            mode=mode,
            keep_oco_remainder=keep_oco_remainder,
            proportional=proportional,
        )
        self.order_lists[order_list.order_list_id] = order_list

    def __repr__(self) -> str:
        return (
            f"Recovery(orders={len(self.orders)}, lists={len(self.order_lists)}, "
            f"venues={[v.venue for v in self._venues]}, differences={len(self.differences)})"
        )


class _Change:
    """One change the venue made while Lyra was down (private), to replay in time order."""

    __slots__ = ("make", "rank", "seq", "ts")

    def __init__(self, ts: int, rank: int, seq: int, make: Callable[[], None]) -> None:
        self.ts = ts
        self.rank = rank
        self.seq = seq
        self.make = make


class _Reconciler:
    """Reconciles one venue (private)."""

    def __init__(
        self,
        recovery: Recovery,
        venue: RecordingVenue,
        report: ReconciliationReport,
        *,
        adopt_external: bool,
        adopt_balances: bool,
        managed: AbstractSet[str],
        native_lists: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.recovery = recovery
        self.venue = venue
        self.native_lists = native_lists
        # native list of each member: the venue took the list whole or not at all, and it
        # may hold members (OTO children) without listing them
        self.native_of: dict[str, str] = {
            cid: lid for lid, cids in native_lists.items() for cid in cids
        }
        self.report = report
        self.adopt_external = adopt_external
        self.adopt_balances = adopt_balances
        self.managed = managed
        self.name = venue.venue
        self.bus = recovery.bus
        now = recovery._clock
        self.now = now
        self.flow = OrderFlow(
            venue.venue,
            venue.account_id,
            recovery.bus,
            now,
            capabilities=venue.capabilities,
            id_prefix=f"R{now():x}-{venue.venue}-",
            status=ConnectionStatus.CONNECTED,
        )
        self.topic = reconciliation_topic(venue.venue)
        self.changes: list[_Change] = []
        self.local: list[Order] = []
        self.by_cid: dict[str, OrderStatusReport] = {}
        self.by_vid: dict[str, OrderStatusReport] = {}
        self.mine: dict[str, Order] = {}
        self.local_vids: dict[str, Order] = {}
        self.reports: dict[str, OrderStatusReport] = {}
        self.sent_before: set[str] = set()

    # -- differences ---------------------------------------------------------------------------
    def diff(
        self,
        kind: DifferenceKind,
        message: str,
        *,
        order: Order | None = None,
        venue_order_id: str | None = None,
        instrument_id: InstrumentId | None = None,
        trade_id: str | None = None,
        order_list_id: str | None = None,
        local: str = "",
        remote: str = "",
    ) -> None:
        now = self.now()
        difference = ReconciliationDifference(
            venue=self.name,
            kind=kind,
            message=message,
            client_order_id=None if order is None else order.client_order_id,
            venue_order_id=VenueOrderId(venue_order_id)
            if venue_order_id is not None
            else (None if order is None else order.venue_order_id),
            instrument_id=instrument_id
            if instrument_id is not None
            else (None if order is None else order.instrument_id),
            trade_id=None if trade_id is None else TradeId(trade_id),
            order_list_id=None if order_list_id is None else OrderListId(order_list_id),
            local=local,
            remote=remote,
            ts_event=self.report.ts_event,
            ts_init=now,
        )
        self.recovery.differences.append(difference)
        self.bus.publish(self.topic, difference)

    def emit(self, order: Order, event: OrderEvent) -> bool:
        """Apply and publish a reconciliation event; False if it changed nothing."""
        outcome = self.flow.emit(event)
        return outcome is not None and outcome is not ApplyOutcome.DUPLICATE

    # -- the whole venue --------------------------------------------------------------------------
    def prepare(self, local: list[Order]) -> None:
        """Match the venue's report to the local orders, and mark the orders the venue has
        but the store never saw leave as submitted (a fact, not a decision)."""
        report = self.report
        by_cid: dict[str, OrderStatusReport] = {}
        by_vid: dict[str, OrderStatusReport] = {}
        for r in report.orders:
            by_vid[r.venue_order_id] = r
            if r.client_order_id is not None:
                by_cid[r.client_order_id] = r
        mine: dict[str, Order] = {o.client_order_id: o for o in local}
        local_vids: dict[str, Order] = {}
        for o in local:
            for vid in o.venue_order_ids:
                local_vids[vid] = o
        self.flow.adopt(local)

        # the venue's report of each local order
        reports: dict[str, OrderStatusReport] = {}
        for o in local:
            rep = by_cid.get(o.client_order_id)
            if rep is None:
                for vid in o.venue_order_ids:
                    rep = by_vid.get(vid)
                    if rep is not None:
                        break
            if rep is not None:
                reports[o.client_order_id] = rep

        # 1. orders the venue has but the store never saw leave Lyra: they were sent (and
        #    so was every member of a native list one of them belongs to)
        sent: list[tuple[Order, str]] = []
        for cid, r in reports.items():
            o = mine[cid]
            if o.status in (_S.INITIALIZED, _S.RELEASED):
                sent.append((o, r.status.name))
            lid = self.native_of.get(cid)
            if lid is not None:
                for other in self.native_lists[lid]:
                    member = mine.get(other)
                    if (
                        member is not None
                        and other not in reports
                        and member.status
                        in (
                            _S.INITIALIZED,
                            _S.RELEASED,
                        )
                    ):
                        sent.append((member, f"held in list {lid}"))
        done: set[str] = set()
        for o, remote in sent:
            cid = o.client_order_id
            if cid in done:
                continue
            done.add(cid)
            sub = self.flow.events.submitted(o, account_id=self.venue.account_id)
            sub = msgspec.structs.replace(sub, reconciliation=True, ts_event=report.ts_event)
            before = o.status.name
            if self.emit(o, sub):
                self.diff(
                    DifferenceKind.ORDER_ACKNOWLEDGED,
                    f"order {cid} reached the venue, but its submit was not recorded",
                    order=o,
                    local=before,
                    remote=remote,
                )

        self.local = local
        # what was at (or on its way to) the venue when it made its report; anything sent
        # after this (resumed decisions) is not in the report and must not look missing
        self.sent_before = {o.client_order_id for o in local if o.status not in _NEVER_SENT}
        self.by_cid = by_cid
        self.by_vid = by_vid
        self.mine = mine
        self.local_vids = local_vids
        self.reports = reports

    def finish(self) -> None:
        """Everything else: adopt, replay the venue's changes in time order, close what the
        venue does not know, compare positions and balances."""
        report = self.report
        orders = self.recovery.orders
        local = self.local
        by_vid = self.by_vid
        mine = self.mine
        local_vids = self.local_vids
        reports = self.reports

        # 2. orders the venue has that the store lacks: adopt them (EXTERNAL)
        claimed = set(reports[c].venue_order_id for c in reports)
        for r in report.orders:
            if r.venue_order_id in claimed or r.venue_order_id in local_vids:
                continue
            if r.client_order_id is not None and r.client_order_id in orders:
                continue  # an order of another account or venue object
            if not self.adopt_external:
                continue
            adopted = self.adopt(r)
            if adopted is not None:
                mine[adopted.client_order_id] = adopted
                reports[adopted.client_order_id] = r
                claimed.add(r.venue_order_id)
                for vid in (r.venue_order_id,):
                    local_vids[vid] = adopted

        # 3. the venue's changes, in the venue's time order across every order
        seq = 0
        for f in report.fills:
            owner: Order | None = None
            if f.client_order_id is not None:
                owner = mine.get(f.client_order_id)
            if owner is None:
                owner = local_vids.get(f.venue_order_id)
                if owner is None:
                    listed = by_vid.get(f.venue_order_id)
                    if listed is not None and listed.client_order_id is not None:
                        owner = mine.get(listed.client_order_id)
            if owner is None:
                self.diff(
                    DifferenceKind.FILL_UNMATCHED,
                    f"fill {f.trade_id} of venue order {f.venue_order_id} matches no order",
                    venue_order_id=f.venue_order_id,
                    instrument_id=f.instrument_id,
                    trade_id=f.trade_id,
                    remote=f"{f.order_side.name} {f.last_qty} @ {f.last_px}",
                )
                continue
            if f.trade_id in owner.trade_ids:
                continue
            seq += 1
            self.changes.append(_Change(f.ts_event, _RANK_FILL, seq, self._filler(owner, f)))
        for cid, r in reports.items():
            o = mine[cid]
            ts = r.ts_last
            if o.ts_accepted is None and (r.is_open or r.ts_accepted is not None):
                accepted_at = r.ts_accepted if r.ts_accepted is not None else ts
                seq += 1
                self.changes.append(_Change(accepted_at, _RANK_ACCEPT, seq, self._acker(o, r)))
            seq += 1
            if r.is_open:
                self.changes.append(_Change(ts, _RANK_UPDATE, seq, self._updater(o, r)))
                seq += 1
                self.changes.append(
                    _Change(ts, _RANK_CANCEL_REJECTED, seq, self._cancel_unconfirmed(o, r))
                )
            else:
                # the venue's last word on the order's quantity and price came before it
                # closed, and may have come before its fills: apply it first
                accepted_at = o.ts_accepted or r.ts_accepted or ts
                self.changes.append(_Change(accepted_at, _RANK_SPEC, seq, self._updater(o, r)))
                seq += 1
                self.changes.append(_Change(ts, _RANK_CLOSE, seq, self._closer(o, r)))
        self.changes.sort(key=_change_key)
        for change in self.changes:
            change.make()
        for cid, r in reports.items():
            o = mine[cid]
            if r.filled_qty > o.filled_qty:
                self.diff(
                    DifferenceKind.FILL_MISSING,
                    f"order {cid}: the venue reports {r.filled_qty} filled, the fills it "
                    f"listed add up to {o.filled_qty}",
                    order=o,
                    local=str(o.filled_qty),
                    remote=str(r.filled_qty),
                )

        # 4. local orders the venue does not list
        for o in local:
            cid = o.client_order_id
            if cid in reports or o.is_closed:
                continue
            if o.status in _NEVER_SENT or cid not in self.sent_before:
                if o.status is _S.INITIALIZED and not self._is_managed(o):
                    self.diff(
                        DifferenceKind.ORDER_UNSENT,
                        f"order {cid} was recorded but never reached the venue",
                        order=o,
                        local=o.status.name,
                        remote="unknown to the venue",
                    )
                continue
            lid = self.native_of.get(cid)
            if (
                lid is not None
                and o.ts_accepted is None
                and any(c in reports for c in self.native_lists[lid])
            ):
                # a venue holds a native list's members (OTO children) until they are due,
                # often without listing them: not listed is not gone
                self.diff(
                    DifferenceKind.ORDER_UNKNOWN,
                    f"order {cid} is held by the venue as part of list {lid}, which the venue "
                    "lists only in part; it is left as it is",
                    order=o,
                    order_list_id=lid,
                    local=o.status.name,
                    remote="not listed (held in a native list)",
                )
                continue
            if not report.complete:
                self.diff(
                    DifferenceKind.ORDER_UNKNOWN,
                    f"order {cid} is {o.status.name} here; the venue does not list it and "
                    "its history is incomplete, so it is left as it is",
                    order=o,
                    local=o.status.name,
                    remote="not listed (incomplete history)",
                )
                continue
            before = o.status.name
            if o.ts_accepted is None:
                event: OrderEvent = self.flow.events.rejected(
                    o,
                    f"{self.name}: the venue does not know the order (reconciled)",
                    RejectCode.UNKNOWN_ORDER,
                    account_id=self.venue.account_id,
                    reconciliation=True,
                    ts_event=report.ts_event,
                )
            else:
                event = self.flow.events.canceled(
                    o,
                    venue_order_id=o.venue_order_id,
                    account_id=self.venue.account_id,
                    reconciliation=True,
                    ts_event=report.ts_event,
                )
            if self.emit(o, event):
                self.diff(
                    DifferenceKind.ORDER_MISSING,
                    f"order {cid} is not known to the venue any more: {o.status.name} here now",
                    order=o,
                    local=before,
                    remote="unknown to the venue",
                )

        self.positions()
        self.balances()

    def _is_managed(self, order: Order) -> bool:
        lid = order.order_list_id
        return lid is not None and lid in self.managed

    # -- the change makers ------------------------------------------------------------------------
    def _filler(self, o: Order, f: FillReport) -> Callable[[], None]:
        def make() -> None:
            if f.trade_id in o.trade_ids:
                return
            if o.status in (_S.INITIALIZED, _S.RELEASED):
                return  # step 1 failed for it; the refusal was reported
            event = self.flow.events.filled(
                o,
                trade_id=f.trade_id,
                last_qty=f.last_qty,
                last_px=f.last_px,
                commission=f.commission,
                currency=f.currency,
                liquidity_side=f.liquidity_side,
                venue_order_id=f.venue_order_id,
                account_id=f.account_id,
                position_id=f.position_id,
                ts_event=f.ts_event,
                reconciliation=True,
            )
            if self.emit(o, event):
                self.diff(
                    DifferenceKind.FILL_APPLIED,
                    f"order {o.client_order_id} filled {f.last_qty} @ {f.last_px} while down",
                    order=o,
                    trade_id=f.trade_id,
                    venue_order_id=f.venue_order_id,
                    local="not applied",
                    remote=f"{f.order_side.name} {f.last_qty} @ {f.last_px}",
                )

        return make

    def _acker(self, o: Order, r: OrderStatusReport) -> Callable[[], None]:
        def make() -> None:
            if o.ts_accepted is not None or o.is_closed:
                return
            event = self.flow.events.accepted(
                o,
                r.venue_order_id,
                account_id=self.venue.account_id,
                ts_event=r.ts_accepted if r.ts_accepted is not None else r.ts_last,
                reconciliation=True,
            )
            before = o.status.name
            if self.emit(o, event):
                self.diff(
                    DifferenceKind.ORDER_ACKNOWLEDGED,
                    f"order {o.client_order_id} was accepted by the venue while down",
                    order=o,
                    local=before,
                    remote=r.status.name,
                )

        return make

    def _updater(self, o: Order, r: OrderStatusReport) -> Callable[[], None]:
        def make() -> None:
            if o.is_closed:
                return
            changed = (
                r.quantity != o.quantity
                or (r.price is not None and r.price != o.price)
                or (r.trigger_price is not None and r.trigger_price != o.trigger_price)
            )
            if changed or o.status is _S.PENDING_UPDATE:
                before = f"{o.quantity} @ {o.price}"
                event = self.flow.events.updated(
                    o,
                    quantity=r.quantity,
                    price=r.price,
                    trigger_price=r.trigger_price,
                    venue_order_id=r.venue_order_id,
                    account_id=self.venue.account_id,
                    ts_event=r.ts_last,
                    reconciliation=True,
                )
                if self.emit(o, event):
                    self.diff(
                        DifferenceKind.ORDER_UPDATED,
                        f"order {o.client_order_id} is {r.quantity} @ {r.price} at the venue",
                        order=o,
                        local=before,
                        remote=f"{r.quantity} @ {r.price}",
                    )
            if r.status is _S.TRIGGERED and o.ts_triggered is None and not o.is_closed:
                event2 = self.flow.events.triggered(
                    o,
                    venue_order_id=r.venue_order_id,
                    account_id=self.venue.account_id,
                    ts_event=r.ts_last,
                    reconciliation=True,
                )
                if self.emit(o, event2):
                    self.diff(
                        DifferenceKind.ORDER_TRIGGERED,
                        f"order {o.client_order_id} was triggered while down",
                        order=o,
                        local="not triggered",
                        remote=r.status.name,
                    )

        return make

    def _cancel_unconfirmed(self, o: Order, r: OrderStatusReport) -> Callable[[], None]:
        def make() -> None:
            if o.status is not _S.PENDING_CANCEL:
                return
            event = self.flow.events.cancel_rejected(
                o,
                f"{self.name}: the order is still open at the venue (reconciled)",
                RejectCode.VENUE_REJECTED,
                venue_order_id=r.venue_order_id,
                account_id=self.venue.account_id,
                ts_event=r.ts_last,
                reconciliation=True,
            )
            if self.emit(o, event):
                self.diff(
                    DifferenceKind.CANCEL_NOT_CONFIRMED,
                    f"a cancel of order {o.client_order_id} was pending, but the venue still "
                    "has it open",
                    order=o,
                    local="PENDING_CANCEL",
                    remote=r.status.name,
                )

        return make

    def _closer(self, o: Order, r: OrderStatusReport) -> Callable[[], None]:
        def make() -> None:
            if o.is_closed or r.status is _S.FILLED:
                return
            aid = self.venue.account_id
            # an order the venue never acknowledged (a held OTO child) closes without an id,
            # as it does live
            vid = r.venue_order_id if o.ts_accepted is not None else None
            before = o.status.name
            event: OrderEvent
            if r.status is _S.CANCELED:
                event = self.flow.events.canceled(
                    o, venue_order_id=vid, account_id=aid, ts_event=r.ts_last, reconciliation=True
                )
            elif r.status is _S.EXPIRED:
                event = self.flow.events.expired(
                    o, venue_order_id=vid, account_id=aid, ts_event=r.ts_last, reconciliation=True
                )
            else:
                event = self.flow.events.rejected(
                    o,
                    f"{self.name}: {r.reason or 'rejected'} (reconciled)",
                    RejectCode.VENUE_REJECTED,
                    # the order never worked at the venue: like a live rejection, no id
                    venue_order_id=o.venue_order_id,
                    account_id=aid,
                    ts_event=r.ts_last,
                    reconciliation=True,
                )
            if self.emit(o, event):
                self.diff(
                    DifferenceKind.ORDER_CLOSED,
                    f"order {o.client_order_id} was {r.status.name} by the venue while down",
                    order=o,
                    local=before,
                    remote=r.status.name,
                )

        return make

    # -- adoption ---------------------------------------------------------------------------------
    def adopt(self, r: OrderStatusReport) -> Order | None:
        cid = r.client_order_id
        if cid is None:
            cid = ClientOrderId(_external_id(r.venue_order_id))
        now = self.now()
        try:
            init = OrderInitialized(
                strategy_id=EXTERNAL_STRATEGY,
                instrument_id=r.instrument_id,
                client_order_id=cid,
                event_id=self.flow.events.next_event_id(),
                ts_event=r.ts_accepted if r.ts_accepted is not None else r.ts_last,
                ts_init=now,
                reconciliation=True,
                side=r.side,
                order_type=r.order_type,
                quantity=r.quantity,
                time_in_force=r.time_in_force,
                price=r.price,
                trigger_price=r.trigger_price,
                trigger_type=r.trigger_type,
                expire_time_ns=r.expire_time_ns,
                post_only=r.post_only,
                reduce_only=r.reduce_only,
                display_qty=r.display_qty,
                tags=("EXTERNAL",),
            )
            order = Order(init)
        except (InvalidInput, InvalidOrder) as exc:
            self.diff(
                DifferenceKind.ORDER_ADOPTED,
                f"venue order {r.venue_order_id} could not be adopted: {exc}",
                venue_order_id=r.venue_order_id,
                instrument_id=r.instrument_id,
                remote=r.status.name,
                local="cannot be represented",
            )
            return None
        self.recovery.recorder.register(order)
        self.recovery.orders[order.client_order_id] = order
        self.flow.track(order)
        submitted = self.flow.events.submitted(order, account_id=self.venue.account_id)
        self.emit(
            order,
            msgspec.structs.replace(submitted, reconciliation=True, ts_event=init.ts_event),
        )
        self.diff(
            DifferenceKind.ORDER_ADOPTED,
            f"venue order {r.venue_order_id} ({r.side.name} {r.quantity} {r.instrument_id}, "
            f"{r.status.name}) was unknown to the store: adopted as {cid} (strategy EXTERNAL)",
            order=order,
            venue_order_id=r.venue_order_id,
            local="unknown",
            remote=r.status.name,
        )
        return order

    # -- positions and balances ------------------------------------------------------------------
    def positions(self) -> None:
        pf = self.recovery.portfolio
        if pf is None:
            return
        for p in self.report.positions:
            local = pf.net_position(p.instrument_id)
            remote = p.signed_qty
            if Decimal(local) != remote:
                self.diff(
                    DifferenceKind.POSITION_MISMATCH,
                    f"{p.instrument_id}: the portfolio holds {local}, the venue {remote} "
                    "(not corrected: no order is made up to close the gap)",
                    instrument_id=p.instrument_id,
                    local=str(local),
                    remote=str(remote),
                )

    def balances(self) -> None:
        pf = self.recovery.portfolio
        if pf is None:
            return
        for b in self.report.balances:
            account = pf.account(b.account_id)
            if account is None:
                continue
            total = account.balance_total(b.currency)
            if total == b.total:
                continue
            shown = "none" if total is None else str(total)
            if self.adopt_balances:
                try:
                    account.set_balance(b.total)
                except (InvalidInput, InsufficientBalance) as exc:
                    self.diff(
                        DifferenceKind.BALANCE_MISMATCH,
                        f"{b.account_id} {b.currency.code}: the venue's {b.total} could not be "
                        f"taken: {exc}",
                        local=shown,
                        remote=str(b.total),
                    )
                    continue
                self.diff(
                    DifferenceKind.BALANCE_ADOPTED,
                    f"{b.account_id} {b.currency.code}: {shown} here, {b.total} at the venue; "
                    "the venue's total was taken",
                    local=shown,
                    remote=str(b.total),
                )
            else:
                self.diff(
                    DifferenceKind.BALANCE_MISMATCH,
                    f"{b.account_id} {b.currency.code}: {shown} here, {b.total} at the venue",
                    local=shown,
                    remote=str(b.total),
                )


def _change_key(change: _Change) -> tuple[int, int, int]:
    return (change.ts, change.rank, change.seq)


def _external_id(venue_order_id: str) -> str:
    """A client order id for an adopted order that has none: ``X`` + the venue's id,
    kept to the characters and length client order ids allow."""
    text = "".join(c if c.isalnum() or c in "_-" else "_" for c in venue_order_id)
    return ("X-" + text)[:36]


def _venue_of(order: Order) -> str:
    return order.instrument_id.venue


async def recover(
    store: StateStore,
    bus: EventBus,
    *,
    venues: Iterable[Venue],
    instruments: Iterable[Instrument] = (),
    portfolio: Portfolio | None = None,
    clock: TimeSource = None,
    lookback_ns: int = 0,
    adopt_external: bool = True,
    adopt_balances: bool = True,
    prefer_native: bool = True,
    autoflush: bool = False,
    checkpoint_every: int | None = None,
    fresh: bool = False,
) -> Recovery:
    """Restore everything ``store`` holds and reconcile it with ``venues``.

    ``bus`` is where the venues publish; ``instruments`` the instruments the portfolio
    trades; ``portfolio`` the starting portfolio of a first run (ignored once the store
    holds a checkpoint). ``clock`` stamps the events recovery makes. ``lookback_ns`` asks
    each venue for fills from that long before the venue's cursor (venue clocks and
    delivery order are not perfect). ``adopt_external`` adopts venue orders the store lacks;
    ``adopt_balances`` takes the venue's balance totals where they differ. ``fresh=True``
    clears the store first (before anything is loaded, so nothing stale survives).
    ``autoflush`` and ``checkpoint_every`` configure the recorder.

    The portfolio (if any) is subscribed to ``events.order.*`` and the managers of restored
    lists to their strategies' order topics before reconciliation starts, so they see every
    reconciliation event. Returns a :class:`Recovery`.
    """
    if type(lookback_ns) is not int or lookback_ns < 0:
        raise InvalidInput("lookback_ns", "must be an int >= 0", lookback_ns)
    now = as_time_fn(clock)
    if fresh:
        await store.aclear()
    snapshot = await store.aload()
    restored = restore(snapshot, instruments=instruments, portfolio=portfolio)
    pf = restored.portfolio
    recorder = StateRecorder(
        store,
        bus,
        snapshot=snapshot,
        portfolio=pf,
        autoflush=autoflush,
        checkpoint_every=checkpoint_every,
    )
    for order in restored.orders.values():
        recorder.register(order)
    if pf is not None:
        bus.subscribe("events.order.*", pf.on_event)
    recovery = Recovery(restored, recorder, bus, now, prefer_native)
    given = list(venues)
    if not given:
        raise InvalidInput("venues", "must name at least one venue", given)
    for v in given:
        recovery._venues.append(recorder.venue(v))

    # contingency managers for the restored lists, one per venue
    by_venue: dict[int, list[ListState]] = {}
    for lid, lst in restored.contingency.items():
        first = restored.orders[lst.members[0].client_order_id]
        wrapped = _venue_for(recovery._venues, first)
        if wrapped is None:
            restored.problems.append(
                f"list {lid} trades on {_venue_of(first)}, which is not among the venues given; "
                "it is not managed"
            )
            continue
        by_venue.setdefault(id(wrapped), []).append(lst)
    for wrapped in recovery._venues:
        lists = by_venue.get(id(wrapped))
        if not lists:
            continue
        members = [restored.orders[m.client_order_id] for lst in lists for m in lst.members]
        manager = ContingencyManager(
            wrapped,
            bus,
            now,
            prefer_native=prefer_native,
            state=ContingencyState(lists=lists),
            orders=members,
            id_prefix=f"CM{now():x}-",
        )
        recovery._managers[id(wrapped)] = manager
        recorder.watch(manager)
    managed = frozenset(restored.contingency)

    # reconcile each venue
    for wrapped in recovery._venues:
        local = [
            o
            for o in restored.orders.values()
            if _venue_of(o) == wrapped.venue
            and (o.account_id is None or o.account_id == wrapped.account_id)
        ]
        working = [o for o in local if not o.is_closed and o.status not in _NEVER_SENT]
        if working:
            wrapped.adopt_orders(working)
        cursor = restored.cursors.get(wrapped.venue)
        if cursor is not None:
            since = max(cursor - lookback_ns, 0)
        else:
            pending = [o.ts_init for o in local if not o.is_closed]
            since = max(min(pending) - lookback_ns, 0) if pending else 0
        report = await wrapped.reconcile(since)
        recovery.reports[wrapped.venue] = report
        reconciler = _Reconciler(
            recovery,
            wrapped,
            report,
            adopt_external=adopt_external,
            adopt_balances=adopt_balances,
            managed=managed,
            native_lists=_native_lists(restored),
        )
        anomalies: list[VenueAnomaly] = []
        status_topic = f"events.venue_status.{wrapped.venue}"

        def _collect(msg: Any, into: list[VenueAnomaly] = anomalies) -> None:
            if isinstance(msg, VenueAnomaly):
                into.append(msg)

        bus.subscribe(status_topic, _collect)
        try:
            reconciler.prepare([o for o in local if not o.is_closed or _has_report(o, report)])
            # decisions the crash cut short are carried out before anything the venue did
            # meanwhile is applied: the live process would have sent them first
            restarted = recovery._managers.get(id(wrapped))
            if restarted is not None:
                _resume(recovery, wrapped, restarted, reconciler.reports, now())
            reconciler.finish()
        finally:
            bus.unsubscribe(status_topic, _collect)
        # orders reconciliation found working at the venue (sent but never acknowledged
        # here, adopted) must be tracked by the venue too, or their next events are lost
        now_working = [
            o
            for o in restored.orders.values()
            if _venue_of(o) == wrapped.venue
            and o.account_id in (None, wrapped.account_id)
            and not o.is_closed
            and o.status not in _NEVER_SENT
        ]
        if now_working:
            wrapped.adopt_orders(now_working)
        for anomaly in anomalies:
            if anomaly.kind in (AnomalyKind.REFUSED_EVENT, AnomalyKind.UNRECONCILED):
                reconciler.diff(
                    DifferenceKind.EVENT_REFUSED,
                    anomaly.message,
                    order=restored.orders.get(anomaly.client_order_id)
                    if anomaly.client_order_id is not None
                    else None,
                )

    # contingency: lists never started, then decisions cut short
    for lid in restored.unstarted_lists:
        order_list = restored.order_lists[lid]
        wrapped = _venue_for(recovery._venues, order_list.first)
        if wrapped is None:
            continue
        mode, keep, proportional = restored.list_options[lid]
        recovery.manager(wrapped).submit(
            order_list, mode=mode, keep_oco_remainder=keep, proportional=proportional
        )
        _resumed(recovery, wrapped, lid, "the list was recorded but never started: submitted now")

    if pf is not None:
        recorder.checkpoint()
    await recorder.aflush()
    return recovery


def _native_lists(restored: RestoredState) -> dict[str, tuple[str, ...]]:
    """Lists the venue enforces itself: sent with ``submit_order_list`` (not managed), or
    managed lists the contingency manager routed natively."""
    out: dict[str, tuple[str, ...]] = {}
    records = restored.snapshot.lists
    for lid, order_list in restored.order_lists.items():
        rec = records.get(lid)
        managed = rec is not None and rec.managed
        state = restored.contingency.get(lid)
        if (not managed) or (state is not None and state.native):
            out[lid] = tuple(o.client_order_id for o in order_list)
    return out


def _has_report(order: Order, report: ReconciliationReport) -> bool:
    cid = order.client_order_id
    vids = set(order.venue_order_ids)
    return any(r.client_order_id == cid or r.venue_order_id in vids for r in report.orders) or any(
        f.client_order_id == cid or f.venue_order_id in vids for f in report.fills
    )


def _venue_for(venues: Sequence[RecordingVenue], order: Order) -> RecordingVenue | None:
    name = _venue_of(order)
    candidates = [v for v in venues if v.venue == name]
    if len(candidates) > 1 and order.account_id is not None:
        candidates = [v for v in candidates if v.account_id == order.account_id] or candidates
    return candidates[0] if candidates else None


def _resumed(recovery: Recovery, wrapped: RecordingVenue, lid: str, message: str) -> None:
    now = recovery._clock()
    report = recovery.reports.get(wrapped.venue)
    difference = ReconciliationDifference(
        venue=wrapped.venue,
        kind=DifferenceKind.LIST_RESUBMITTED,
        message=f"list {lid}: {message}",
        order_list_id=OrderListId(lid),
        ts_event=report.ts_event if report is not None else now,
        ts_init=now,
    )
    recovery.differences.append(difference)
    recovery.bus.publish(reconciliation_topic(wrapped.venue), difference)


def _resume(
    recovery: Recovery,
    wrapped: RecordingVenue,
    manager: ContingencyManager,
    reports: Mapping[str, OrderStatusReport],
    ts: int,
) -> None:
    """Carry out contingency decisions the crash cut short.

    The saved state marks a command as sent when the core decides it. A submit whose order
    is still INITIALIZED (the venue did not list it), a cancel of an order the venue still
    has open and not pending a cancel here, a resize the venue has not applied and that is
    not pending here -- these never reached the venue: the mark is cleared and the rules
    are evaluated again for every open list, which asks for exactly those commands.
    """
    core = manager.core
    orders = recovery.orders
    for lst in core.state.lists:
        if lst.closed or lst.denied:
            continue
        members = [orders.get(m.client_order_id) for m in lst.members]
        if lst.native and all(o is not None and o.status is _S.INITIALIZED for o in members):
            order_list = recovery.order_lists.get(lst.order_list_id)
            if order_list is not None:
                wrapped.submit_order_list(order_list)
                _resumed(
                    recovery,
                    wrapped,
                    lst.order_list_id,
                    "the venue never received the list: submitted again",
                )
            continue
        for m, o in zip(lst.members, members, strict=True):
            if o is None:
                continue
            rep = reports.get(o.client_order_id)
            if m.submit_sent and o.status is _S.INITIALIZED:
                m.submit_sent = False
            if (
                m.cancel_sent
                and o.status is not _S.PENDING_CANCEL
                and o.status not in _CLOSED
                and (rep is None or rep.is_open)
            ):
                m.cancel_sent = False
            if (
                m.requested_raw is not None
                and o.status is not _S.PENDING_UPDATE
                and (rep is None or rep.quantity.raw != m.requested_raw)
            ):
                m.requested_raw = None
        # the rules are declarative: evaluating a list asks for exactly what is missing
        actions = manager.resume(lst, ts)
        if actions:
            commands = [a for a in actions if not isinstance(a, Publish)]
            if commands:
                now = recovery._clock()
                report = recovery.reports.get(wrapped.venue)
                difference = ReconciliationDifference(
                    venue=wrapped.venue,
                    kind=DifferenceKind.CONTINGENCY_RESUMED,
                    message=f"list {lst.order_list_id}: "
                    + ", ".join(
                        f"{type(a).__name__} {getattr(a, 'client_order_id', '')}".strip()
                        for a in commands
                    ),
                    order_list_id=lst.order_list_id,
                    ts_event=report.ts_event if report is not None else now,
                    ts_init=now,
                )
                recovery.differences.append(difference)
                recovery.bus.publish(reconciliation_topic(wrapped.venue), difference)


if TYPE_CHECKING:
    _unused: Mapping[str, Any]
