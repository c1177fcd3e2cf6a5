"""The decision core: OCO / OUO / OTO / bracket rules as a pure function of order events.

:class:`ContingencyCore` holds a :class:`~lyra.contingency.ContingencyState` and turns each
order event into a list of :mod:`~lyra.contingency.actions` -- submit, resize, cancel,
publish -- without doing any I/O itself. Every rule is declarative: after each event the
core computes what every member *should* be (held, working with a total quantity, or
canceled) from the fills seen so far, compares that with what it knows of the venue (and
what it already asked for), and asks only for the difference. Races therefore settle by
themselves: a fill that arrives while a resize is in flight is folded into the next
target, not lost.

The rules (``docs/explanation/contingencies.md`` has the reasoning):

* **OTO** -- children are held until the list's :class:`~lyra.orders.ReleasePolicy` says so
  (ON_FIRST_FILL: the parent's first fill; ON_FULL_FILL: the parent filled, or closed with
  some fill). A released child works a total quantity equal to the parent's filled quantity
  (capped at the child's own quantity when it is smaller than the parent's), growing with
  later fills. A parent closed with no fill cancels the held children.
* **OCO** -- the first fill of one member cancels the others; the filled member's remainder
  keeps working (``keep_oco_remainder=False``: it is canceled too).
* **OUO** -- a member's open quantity is its base quantity minus everything the group has
  filled (``proportional=True``: minus the same *fraction* of its base that each other
  member filled of its own); a member left with nothing open is canceled.
* **Cascades** -- a member canceled or expired from outside the rules (by the user, by the
  venue) cancels the other members of its OCO/OUO group; a top-level member that is
  rejected does the same. A rejected OTO child leaves its siblings working (they still
  protect the position) and raises an alert.

Events the rules cannot settle raise a :class:`~lyra.contingency.ContingencyAlert`.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Final

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
from lyra.contingency.events import (
    AlertKind,
    ContingencyAlert,
    ContingencyChildrenReleased,
    ContingencyListClosed,
    ContingencyListSubmitted,
)
from lyra.contingency.state import ContingencyState, ListState, MemberState, Role
from lyra.errors import InvalidInput, InvalidOrderList
from lyra.model.enums import ContingencyType, OrderStatus
from lyra.model.identifiers import ClientOrderId, OrderListId
from lyra.model.values import FIXED_PRECISION, Price, Quantity
from lyra.orders.events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.lists import OrderList, ReleasePolicy
from lyra.orders.state import CLOSED_STATUSES, PENDING_STATUSES, TRANSITIONS, Resolve

__all__ = ("DEFAULT_MAX_RETRIES", "ContingencyCore")

DEFAULT_MAX_RETRIES: Final = 2
"""How many times the core repeats a resize or cancel the venue refused while the order is
still open, before it raises RESIZE_FAILED / CANCEL_FAILED instead."""

_S = OrderStatus
_C = ContingencyType
_HOLD: Final = -1  # a "want" meaning: not at the venue yet (held OTO child)
_CLOSED: Final = CLOSED_STATUSES
_PENDING: Final = PENDING_STATUSES
# EMULATED: held by an emulator in front of the venue; it protects like a resting order and
# is resized / canceled the same way (the emulator does it locally).
_WORKING: Final = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED, _S.EMULATED})
_CANCELABLE: Final = _WORKING | {_S.PENDING_UPDATE}
# RELEASED: on its way from the emulator to the venue (in flight, like SUBMITTED)
_OPEN: Final = _WORKING | _PENDING | {_S.RELEASED}
_LINKED: Final = frozenset({_C.OCO, _C.OUO})
_CLOSING: Final = frozenset({OrderCanceled, OrderExpired, OrderRejected, OrderDenied})
# Events that only move a member into a waiting status: no rule can call for anything new.
_QUIET: Final = frozenset(
    {OrderSubmitted, OrderPendingUpdate, OrderPendingCancel, OrderTriggered, OrderEmulated}
)
_STAY: Final = Resolve.STAY
_PREVIOUS: Final = Resolve.PREVIOUS
_PENDING_BASE: Final = Resolve.PENDING_BASE
_IGNORE: Final = Resolve.IGNORE
_NO_ACTIONS: Final[tuple[Action, ...]] = ()
_POW10: Final = tuple(10**i for i in range(FIXED_PRECISION + 1))
# (status, event type) -> target, as a flat dict keyed on the event class for speed.
_TABLE: Final = {(s, t): v for (s, t), v in TRANSITIONS.items()}


class ContingencyCore:
    """OCO / OUO / OTO / bracket decisions, with no I/O (see the module docs).

    Feed it every order event of the managed orders with :meth:`on_event` (events of other
    orders are ignored at the cost of one dict lookup) and carry out the actions it returns,
    in order. ``state`` restores a saved :class:`~lyra.contingency.ContingencyState`;
    ``max_retries`` bounds how often a refused resize or cancel is repeated.
    """

    __slots__ = ("_index", "_lists", "_max_retries", "_state")

    def __init__(
        self, state: ContingencyState | None = None, *, max_retries: int = DEFAULT_MAX_RETRIES
    ) -> None:
        if state is None:
            state = ContingencyState()
        elif not isinstance(state, ContingencyState):
            raise InvalidInput("state", "must be a ContingencyState", state)
        if type(max_retries) is not int or max_retries < 0:
            raise InvalidInput("max_retries", "must be an int >= 0", max_retries)
        self._state = state
        self._max_retries = max_retries
        self._lists: dict[OrderListId, ListState] = {}
        self._index: dict[str, tuple[ListState, MemberState, int]] = {}
        for lst in state.lists:
            self._add_index(lst)

    # -- state ---------------------------------------------------------------------------------
    @property
    def state(self) -> ContingencyState:
        """The live state (encode it with :func:`lyra.model.codec.encode_msgpack` to save)."""
        return self._state

    def get_list(self, order_list_id: str) -> ListState | None:
        """The state of a managed list, or ``None``."""
        return self._lists.get(OrderListId(order_list_id))

    def list_of(self, client_order_id: str) -> ListState | None:
        """The state of the managed list ``client_order_id`` belongs to, or ``None``."""
        entry = self._index.get(client_order_id)
        return None if entry is None else entry[0]

    def member(self, client_order_id: str) -> MemberState | None:
        """The state of a managed member, or ``None``."""
        entry = self._index.get(client_order_id)
        return None if entry is None else entry[1]

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._index

    def forget_closed(self) -> int:
        """Drop lists whose members are all closed; returns how many. Late fills of their
        members are then ignored, so keep lists for as long as the venue may report on them."""
        gone = [lst for lst in self._state.lists if lst.closed]
        if not gone:
            return 0
        self._state.lists = [lst for lst in self._state.lists if not lst.closed]
        for lst in gone:
            del self._lists[lst.order_list_id]
            for m in lst.members:
                self._index.pop(m.client_order_id, None)
        return len(gone)

    def _add_index(self, lst: ListState) -> None:
        self._lists[lst.order_list_id] = lst
        for i, m in enumerate(lst.members):
            self._index[m.client_order_id] = (lst, m, i)

    # -- commands ------------------------------------------------------------------------------
    def add_list(
        self,
        order_list: OrderList,
        *,
        native: bool,
        reason: str = "",
        deny: str | None = None,
        keep_oco_remainder: bool = True,
        proportional: bool = False,
        ts: int = 0,
    ) -> list[Action]:
        """Take on ``order_list``; return the actions that start it.

        ``native``: the venue enforces the list (one :class:`SubmitList`); otherwise the
        core emulates it (``reason``: why the venue could not). ``deny``: refuse the whole
        list with that reason (every member gets a :class:`DenyOrder`). Raises
        :class:`~lyra.errors.InvalidOrderList` for a list already managed, a member already
        in another managed list, or a member that is not INITIALIZED. Members that need
        local emulation (``emulation_trigger``) are fine: the driver checks that its venue
        can take them (an :class:`~lyra.emulator.OrderEmulator`).
        """
        if not isinstance(order_list, OrderList):
            raise InvalidOrderList("order_list", "must be an OrderList", order_list)
        lid = order_list.order_list_id
        if lid in self._lists:
            raise InvalidOrderList("order_list_id", "is already managed", lid)
        ctype = order_list.contingency_type
        parent_qty = order_list.orders[0].quantity.raw
        precision = 0
        members: list[MemberState] = []
        for i, order in enumerate(order_list.orders):
            cid = order.client_order_id
            if cid in self._index:
                raise InvalidOrderList(f"orders[{i}]", "is already a member of a managed list", cid)
            if order.status is not _S.INITIALIZED:
                raise InvalidOrderList(
                    f"orders[{i}].status", "must be INITIALIZED (never submitted)", order.status
                )
            qty = order.quantity
            precision = max(precision, qty.precision)
            role = (Role.PARENT if i == 0 else Role.CHILD) if ctype == _C.OTO else Role.PEER
            cap = qty.raw if role is Role.CHILD and qty.raw < parent_qty else 0
            members.append(
                MemberState(
                    client_order_id=cid,
                    role=role,
                    side=order.side,
                    base_raw=qty.raw,
                    cap_raw=cap,
                    quantity_raw=qty.raw,
                )
            )
        lst = ListState(
            order_list_id=lid,
            strategy_id=order_list.strategy_id,
            contingency_type=ctype,
            children_contingency=order_list.children_contingency,
            release_policy=order_list.release_policy,
            native=bool(native) and deny is None,
            keep_oco_remainder=bool(keep_oco_remainder),
            proportional=bool(proportional),
            precision=precision,
            members=members,
        )
        self._state.lists.append(lst)
        self._add_index(lst)
        out: list[Action] = []
        if deny is not None:
            lst.denied = True
            for m in members:
                m.submit_sent = True
                out.append(DenyOrder(m.client_order_id, deny, "NOT_SUPPORTED"))
            out.append(self._alert(lst, AlertKind.LIST_DENIED, deny, ts, ts))
            return out
        out.append(
            Publish(
                ContingencyListSubmitted(
                    strategy_id=lst.strategy_id,
                    order_list_id=lid,
                    native=lst.native,
                    reason="" if lst.native else reason,
                    ts_event=ts,
                    ts_init=ts,
                )
            )
        )
        if lst.native:
            for m in members:
                m.submit_sent = True
            out.append(SubmitList(lid))
        else:
            self._evaluate(lst, out, ts, ts)
        return out

    def cancel_list(self, order_list_id: str, *, exits: bool = False, ts: int = 0) -> list[Action]:
        """Cancel a list: a top-level OCO/OUO list entirely; an OTO list's parent (its held
        children follow when it closes without a fill), and with ``exits=True`` its released
        children too. Raises :class:`~lyra.errors.InvalidInput` for a list not managed."""
        lst = self._lists.get(OrderListId(order_list_id))
        if lst is None:
            raise InvalidInput("order_list_id", "is not a managed list", order_list_id)
        if lst.contingency_type != _C.OTO or exits:
            lst.cancel_all = True
        lst.cancel_parent = True
        out: list[Action] = []
        if lst.native:
            members = lst.members if lst.cancel_all else lst.members[:1]
            for m in members:
                if m.status in _CLOSED or m.status is _S.PENDING_CANCEL or m.cancel_sent:
                    continue
                if m.status is not _S.INITIALIZED:
                    m.cancel_sent = True
                    m.by_rule = True
                    out.append(CancelOrder(m.client_order_id))
        else:
            self._evaluate(lst, out, ts, ts)
        return out

    def update_held(
        self,
        client_order_id: str,
        *,
        price: Price | None = None,
        trigger_price: Price | None = None,
    ) -> list[Action]:
        """Change the price or trigger price of a member that never left Lyra (an emulated
        OTO child still held). Raises :class:`~lyra.errors.InvalidInput` for an order that
        is not a held member of an emulated list."""
        entry = self._index.get(client_order_id)
        if entry is None:
            raise InvalidInput("client_order_id", "is not a managed order", client_order_id)
        lst, m, _ = entry
        if lst.native or m.status is not _S.INITIALIZED or m.submit_sent or m.cancel_sent:
            raise InvalidInput(
                "client_order_id",
                "is not held by the manager (modify it at the venue instead)",
                client_order_id,
            )
        return [UpdateHeld(m.client_order_id, None, price, trigger_price)]

    def on_action_failed(self, action: Action, reason: str, *, ts: int = 0) -> list[Action]:
        """The driver could not carry out ``action`` (it raised ``reason``): clear what the
        core expected of it and raise COMMAND_FAILED."""
        cid = getattr(action, "client_order_id", None)
        entry = None if cid is None else self._index.get(cid)
        if entry is None:
            lid = getattr(action, "order_list_id", None)
            lst = None if lid is None else self._lists.get(lid)
            if lst is None:
                return []
            return [self._alert(lst, AlertKind.COMMAND_FAILED, reason, ts, ts)]
        lst, m, _ = entry
        if isinstance(action, SubmitOrder):
            m.submit_sent = False
        elif isinstance(action, ModifyQuantity):
            m.requested_raw = None
            m.modify_failures += 1
        elif isinstance(action, (CancelOrder, CancelHeld)):
            m.cancel_sent = False
            m.cancel_failures += 1
        return [
            self._alert(
                lst,
                AlertKind.COMMAND_FAILED,
                f"{type(action).__name__} for {cid} failed: {reason}",
                ts,
                ts,
                cid,
            )
        ]

    # -- events --------------------------------------------------------------------------------
    def on_event(self, event: OrderEvent) -> list[Action] | tuple[Action, ...]:
        """Apply one order event; return the actions it calls for (often none).

        Events of orders that are not managed are ignored. Duplicates (a fill's trade id
        seen before, a cancel of a canceled order) change nothing. Feed events in the order
        the venue published them.
        """
        entry = self._index.get(event.client_order_id)
        if entry is None:
            return _NO_ACTIONS
        lst, m, idx = entry
        state = self._state
        state.events_processed += 1
        if event.ts_init > state.last_ts_init:
            state.last_ts_init = event.ts_init
        etype = type(event)
        ts_event = event.ts_event
        ts_init = event.ts_init
        out: list[Action] = []
        was_closed = m.status in _CLOSED
        if etype is OrderFilled:
            if not self._on_fill(lst, m, event, out):  # type: ignore[arg-type]
                return _NO_ACTIONS
        elif etype in _CLOSING:
            if not was_closed and not m.by_rule:
                m.by_rule = self._wants(lst)[idx] == 0
            if not self._move(m, etype):
                return _NO_ACTIONS
        elif etype is OrderUpdated:
            self._on_updated(lst, m, event)  # type: ignore[arg-type]
        elif etype is OrderModifyRejected:
            self._move(m, etype)
            if m.requested_raw is not None:
                m.requested_raw = None
                m.modify_failures += 1
        elif etype is OrderCancelRejected:
            self._move(m, etype)
            if m.cancel_sent and m.status not in _CLOSED:
                m.cancel_sent = False
                m.cancel_failures += 1
        elif not self._move(m, etype) or etype in _QUIET:
            return _NO_ACTIONS
        if not was_closed and m.status in _CLOSED and not lst.denied:
            if etype is OrderDenied and lst.native:
                self._raise(
                    lst,
                    out,
                    "denied",
                    AlertKind.LIST_DENIED,
                    f"the venue refused list {lst.order_list_id}: {event.reason}",  # type: ignore[union-attr]
                    ts_event,
                    ts_init,
                )
            self._on_closed(lst, m, etype, out, ts_event, ts_init)
        self._evaluate(lst, out, ts_event, ts_init)
        return out

    def _move(self, m: MemberState, etype: type) -> bool:
        """Run the state machine's table for an event with no fields to apply."""
        status = m.status
        target = _TABLE.get((status, etype))
        if target is None or target is _IGNORE:
            return False
        if target is _STAY:
            return True
        if target is _PREVIOUS:
            previous = m.previous_status
            if previous is not None:
                m.status = previous
            return True
        if target is _PENDING_BASE:
            if m.previous_status is _S.SUBMITTED:
                m.previous_status = _S.ACCEPTED
            return True
        new = _S(target)
        if new is not status:
            if status not in _PENDING:
                m.previous_status = status
            m.status = new
        return True

    def _on_fill(
        self, lst: ListState, m: MemberState, event: OrderFilled, out: list[Action]
    ) -> bool:
        trade_id = event.trade_id
        if trade_id in m.trade_ids:
            return False
        status = m.status
        if _TABLE.get((status, OrderFilled)) is None:
            return False
        m.trade_ids.append(trade_id)
        qty = event.last_qty
        m.filled_raw += qty.raw
        if qty.precision > lst.precision:
            lst.precision = qty.precision
        complete = m.filled_raw >= m.quantity_raw
        if status in _CLOSED:
            if complete and status is not _S.FILLED:
                m.previous_status = status
                m.status = _S.FILLED
        else:
            new = _S.FILLED if complete else _S.PARTIALLY_FILLED
            if new is not status:
                if status not in _PENDING:
                    m.previous_status = status
                m.status = new
        if m.role is not Role.PARENT and lst.winner is None and self._link_of(lst, m) == _C.OCO:
            lst.winner = m.client_order_id
        self._check_overfill(lst, m, out, event.ts_event, event.ts_init)
        return True

    def _on_updated(self, lst: ListState, m: MemberState, event: OrderUpdated) -> None:
        answered = m.status is _S.PENDING_UPDATE
        if not self._move(m, OrderUpdated):
            return
        new = event.quantity.raw
        if event.quantity.precision > lst.precision:
            lst.precision = event.quantity.precision
        ours = m.requested_raw is not None and (answered or new == m.requested_raw)
        if ours:
            m.requested_raw = None
            m.modify_failures = 0
        elif m.role is Role.PEER and m.status is not _S.INITIALIZED:
            # a resize made outside the rules moves the member's base quantity
            others = sum(o.filled_raw for o in lst.members if o is not m)
            m.base_raw = new + others if lst.contingency_type == _C.OUO else new
        m.quantity_raw = new
        if new <= m.filled_raw and m.status not in _CLOSED and m.status is not _S.INITIALIZED:
            m.previous_status = m.status
            m.status = _S.FILLED

    def _on_closed(
        self,
        lst: ListState,
        m: MemberState,
        etype: type,
        out: list[Action],
        ts_event: int,
        ts_init: int,
    ) -> None:
        """A member closed other than by filling or by a rule: cascade, and say so."""
        if m.status is _S.FILLED or m.by_rule:
            return
        role = m.role
        if role is Role.PEER:
            lst.torn_down = True
            return
        if role is not Role.CHILD:
            return  # a parent's close is handled by the release rules
        linked = lst.children_contingency in _LINKED
        position = self._position(lst)
        if etype is OrderRejected or etype is OrderDenied:
            fate = "its linked siblings are canceled with it" if linked else "it protects nothing"
            self._raise(
                lst,
                out,
                f"rejected:{m.client_order_id}",
                AlertKind.CHILD_REJECTED,
                f"OTO child {m.client_order_id} was {m.status.name}; {fate} while the list "
                f"holds {self._q(lst, position)}",
                ts_event,
                ts_init,
                m.client_order_id,
                position,
                0,
            )
        if linked:
            lst.torn_down = True  # the whole group goes; _check_uncovered reports the rest
        elif position > 0 and etype is not OrderRejected and etype is not OrderDenied:
            self._raise(
                lst,
                out,
                f"closed:{m.client_order_id}:{position}",
                AlertKind.EXITS_CLOSED,
                f"OTO child {m.client_order_id} was {m.status.name} from outside the "
                f"rules while the list holds {self._q(lst, position)}",
                ts_event,
                ts_init,
                m.client_order_id,
                position,
                0,
            )

    # -- the rules -----------------------------------------------------------------------------
    @staticmethod
    def _link_of(lst: ListState, m: MemberState) -> ContingencyType:
        if m.role is Role.PEER:
            return lst.contingency_type
        if m.role is Role.CHILD:
            return lst.children_contingency
        return _C.NO_CONTINGENCY

    @staticmethod
    def _position(lst: ListState) -> int:
        """What an OTO list holds: the parent's fills less the children's (0 otherwise)."""
        if lst.contingency_type != _C.OTO:
            return 0
        members = lst.members
        return members[0].filled_raw - sum(c.filled_raw for c in members[1:])

    @staticmethod
    def _release_due(lst: ListState) -> bool:
        parent = lst.members[0]
        filled = parent.filled_raw
        if filled <= 0:
            return False
        if lst.release_policy is ReleasePolicy.ON_FULL_FILL:
            return filled >= parent.quantity_raw or parent.status in _CLOSED
        return True

    def _wants(self, lst: ListState) -> list[int]:
        """Per member: the total quantity it should work, 0 (canceled) or _HOLD."""
        members = lst.members
        wants = [_HOLD] * len(members)
        if lst.contingency_type != _C.OTO:
            self._group_wants(
                lst, members, [m.base_raw for m in members], lst.contingency_type, wants, 0
            )
            return wants
        parent = members[0]
        children = members[1:]
        released = lst.released or self._release_due(lst)
        if released:
            filled = parent.filled_raw
            bases = [filled if not c.cap_raw or c.cap_raw > filled else c.cap_raw for c in children]
            self._group_wants(lst, children, bases, lst.children_contingency, wants, 1)
        elif parent.status in _CLOSED or lst.cancel_all:
            for i in range(1, len(members)):
                wants[i] = 0
        # a released child group that is done (every child closed or going) ends the trade:
        # the parent's remainder would otherwise open a position nothing protects
        finished = released and all(
            c.status in _CLOSED or wants[i] == 0 for i, c in enumerate(children, 1)
        )
        wants[0] = 0 if lst.cancel_parent or finished else parent.quantity_raw
        return wants

    def _group_wants(
        self,
        lst: ListState,
        group: list[MemberState],
        bases: list[int],
        link: ContingencyType,
        wants: list[int],
        offset: int,
    ) -> None:
        linked = link in _LINKED
        if lst.cancel_all or (linked and lst.torn_down):
            for i in range(len(group)):
                wants[offset + i] = 0
            return
        total = sum(m.filled_raw for m in group)
        winner = lst.winner if link == _C.OCO else None
        proportional = lst.proportional and link == _C.OUO
        keep = lst.keep_oco_remainder
        for i, m in enumerate(group):
            if winner is not None and (m.client_order_id != winner or not keep):
                wants[offset + i] = 0
                continue
            base = bases[i]
            if not linked:
                left = base - m.filled_raw
            elif proportional:
                left = self._proportional_left(lst, group, bases, i)
            else:
                left = base - total
            wants[offset + i] = m.filled_raw + left if left > 0 else 0

    @staticmethod
    def _proportional_left(
        lst: ListState, group: list[MemberState], bases: list[int], i: int
    ) -> int:
        base = bases[i]
        share = Fraction(0)
        for j, other in enumerate(group):
            if j != i and other.filled_raw and bases[j] > 0:
                share += Fraction(other.filled_raw, bases[j])
        left = Fraction(base) * (1 - share) - group[i].filled_raw
        if left <= 0:
            return 0
        quantum: int = _POW10[FIXED_PRECISION - lst.precision]
        # round the open quantity down to the list's precision: never over-cover
        steps = int(left / quantum)
        return steps * quantum

    def evaluate(self, lst: ListState, ts_event: int, ts_init: int | None = None) -> list[Action]:
        """Apply ``lst``'s rules to its members as they stand now and return the actions
        still owed (a release, a cancel, a quantity reduction). The rules are declarative,
        so a list that is up to date gives none; after a restart this finds exactly what a
        crash cut short."""
        out: list[Action] = []
        self._evaluate(lst, out, ts_event, ts_event if ts_init is None else ts_init)
        return out

    def _evaluate(self, lst: ListState, out: list[Action], ts_event: int, ts_init: int) -> None:
        if lst.contingency_type == _C.OTO and not lst.released and self._release_due(lst):
            lst.released = True
            parent = lst.members[0]
            out.append(
                Publish(
                    ContingencyChildrenReleased(
                        strategy_id=lst.strategy_id,
                        order_list_id=lst.order_list_id,
                        parent_order_id=parent.client_order_id,
                        child_order_ids=tuple(c.client_order_id for c in lst.members[1:]),
                        quantity=self._quantity(lst, parent.filled_raw),
                        ts_event=ts_event,
                        ts_init=ts_init,
                    )
                )
            )
        wants = self._wants(lst)
        if lst.denied:
            pass
        elif not lst.native:
            for m, want in zip(lst.members, wants, strict=True):
                if want != _HOLD and m.status not in _CLOSED:
                    self._drive(lst, m, want, out, ts_event, ts_init)
        elif lst.contingency_type == _C.OTO and wants[0] == 0:
            # a venue's native OTO does not end the trade when the children are done
            parent = lst.members[0]
            if parent.status not in _CLOSED:
                self._drive(lst, parent, 0, out, ts_event, ts_init)
        if lst.contingency_type == _C.OTO and lst.released:
            self._check_uncovered(lst, out, ts_event, ts_init)
        if not lst.closed and all(m.status in _CLOSED for m in lst.members):
            lst.closed = True
            out.append(
                Publish(
                    ContingencyListClosed(
                        strategy_id=lst.strategy_id,
                        order_list_id=lst.order_list_id,
                        ts_event=ts_event,
                        ts_init=ts_init,
                    )
                )
            )

    def _drive(
        self,
        lst: ListState,
        m: MemberState,
        want: int,
        out: list[Action],
        ts_event: int,
        ts_init: int,
    ) -> None:
        """Ask for the difference between what ``m`` should be and what it is."""
        status = m.status
        cid = m.client_order_id
        if want == 0:
            if m.cancel_sent:
                return
            if status is _S.INITIALIZED:
                m.cancel_sent = True
                m.by_rule = True
                out.append(CancelHeld(cid))
            elif status in _CANCELABLE:
                if m.cancel_failures > self._max_retries:
                    self._raise(
                        lst,
                        out,
                        f"cancel:{cid}",
                        AlertKind.CANCEL_FAILED,
                        f"the venue refused to cancel {cid} {m.cancel_failures} times; it is "
                        "still working",
                        ts_event,
                        ts_init,
                        cid,
                        0,
                        m.quantity_raw - m.filled_raw,
                    )
                    return
                m.cancel_sent = True
                m.by_rule = True
                out.append(CancelOrder(cid))
            # SUBMITTED: cancel once the venue has acknowledged it; PENDING_CANCEL: in flight
            return
        if m.cancel_sent:
            return
        if status is _S.INITIALIZED:
            if not m.submit_sent:
                m.submit_sent = True
                out.append(SubmitOrder(cid, self._quantity(lst, want)))
            return
        if status in _WORKING and m.requested_raw is None and want != m.quantity_raw:
            if m.modify_failures > self._max_retries:
                self._raise(
                    lst,
                    out,
                    f"resize:{cid}:{want}",
                    AlertKind.RESIZE_FAILED,
                    f"the venue refused to resize {cid} to {self._q(lst, want)} "
                    f"{m.modify_failures} times; it works {self._q(lst, m.quantity_raw)}",
                    ts_event,
                    ts_init,
                    cid,
                    want - m.filled_raw,
                    m.quantity_raw - m.filled_raw,
                )
                return
            m.requested_raw = want
            out.append(ModifyQuantity(cid, self._quantity(lst, want)))

    def _check_uncovered(
        self, lst: ListState, out: list[Action], ts_event: int, ts_init: int
    ) -> None:
        """Raise EXITS_CLOSED when every child is closed while the list holds a position."""
        members = lst.members
        if not all(c.status in _CLOSED for c in members[1:]):
            return
        position = self._position(lst)
        if position <= 0:
            return
        self._raise(
            lst,
            out,
            f"uncovered:{members[0].filled_raw}:{position}",
            AlertKind.EXITS_CLOSED,
            f"every OTO child of list {lst.order_list_id} is closed while the list holds "
            f"{self._q(lst, position)}: nothing protects it",
            ts_event,
            ts_init,
            None,
            position,
            0,
        )

    def _check_overfill(
        self, lst: ListState, m: MemberState, out: list[Action], ts_event: int, ts_init: int
    ) -> None:
        """Raise EXITS_OVERFILLED when a linked group executed more than it may."""
        role = m.role
        if role is Role.PARENT:
            return
        members = lst.members
        if role is Role.CHILD:
            parent_filled = members[0].filled_raw
            group = members[1:]
            link = lst.children_contingency
            caps = [c.cap_raw or parent_filled for c in group]
        else:
            group = members
            link = lst.contingency_type
            caps = [p.base_raw for p in group]
        if link == _C.OCO and role is Role.PEER:
            # a top-level OCO may execute one member only: any fill of another is a race
            winner = lst.winner
            limit = next((p.base_raw for p in group if p.client_order_id == winner), 0)
            done = limit + sum(p.filled_raw for p in group if p.client_order_id != winner)
            if done == limit:
                return
        elif link in _LINKED:
            limit = max(min(c, members[0].filled_raw) if role is Role.CHILD else c for c in caps)
            done = sum(g.filled_raw for g in group)
        else:
            limit = min(m.cap_raw or members[0].filled_raw, members[0].filled_raw)
            done = m.filled_raw
        if done > limit:
            self._raise(
                lst,
                out,
                f"overfill:{m.client_order_id}:{done}",
                AlertKind.EXITS_OVERFILLED,
                f"linked orders of list {lst.order_list_id} executed {self._q(lst, done)}, "
                f"more than the {self._q(lst, limit)} they cover (fill of "
                f"{m.client_order_id} racing its siblings or its cancel)",
                ts_event,
                ts_init,
                m.client_order_id,
                limit,
                done,
            )

    # -- audit ----------------------------------------------------------------------------------
    def audit(self, order_list_ids: Iterable[str] | None = None, *, ts: int = 0) -> list[Action]:
        """Compare what every linked order should be with what the venue last confirmed, and
        raise COVERAGE_MISMATCH for each member that differs with nothing in flight.

        Call it when the venue is quiet (e.g. after a simulation step): a venue that
        enforces a list natively may still be mid-cascade otherwise.
        """
        lists = (
            self._state.lists
            if order_list_ids is None
            else [self._lists[OrderListId(i)] for i in order_list_ids if i in self._lists]
        )
        out: list[Action] = []
        for lst in lists:
            wants = self._wants(lst)
            for m, want in zip(lst.members, wants, strict=True):
                if m.role is Role.PARENT or want == _HOLD:
                    continue
                status = m.status
                if (
                    status in _PENDING
                    or status is _S.RELEASED
                    or m.requested_raw is not None
                    or (m.cancel_sent and status not in _CLOSED)
                    or (not lst.native and status is _S.SUBMITTED)
                ):
                    continue
                working = status in _OPEN
                actual = m.quantity_raw - m.filled_raw if working else 0
                expected = max(want - m.filled_raw, 0) if want > 0 else 0
                if actual != expected:
                    self._raise(
                        lst,
                        out,
                        f"audit:{m.client_order_id}:{expected}:{actual}",
                        AlertKind.COVERAGE_MISMATCH,
                        f"{m.client_order_id} works {self._q(lst, actual)} open; the rules "
                        f"call for {self._q(lst, expected)}",
                        ts,
                        ts,
                        m.client_order_id,
                        expected,
                        actual,
                    )
        return out

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _quantity(lst: ListState, raw: int) -> Quantity:
        return Quantity.from_raw(raw, lst.precision)

    def _q(self, lst: ListState, raw: int) -> str:
        return str(self._quantity(lst, raw)) if raw >= 0 else "-" + str(self._quantity(lst, -raw))

    def _alert(
        self,
        lst: ListState,
        kind: AlertKind,
        message: str,
        ts_event: int,
        ts_init: int,
        client_order_id: ClientOrderId | None = None,
        expected: int | None = None,
        actual: int | None = None,
    ) -> Publish:
        return Publish(
            ContingencyAlert(
                strategy_id=lst.strategy_id,
                order_list_id=lst.order_list_id,
                kind=kind,
                message=message,
                client_order_id=client_order_id,
                expected=None if expected is None else self._signed(lst, expected),
                actual=None if actual is None else self._signed(lst, actual),
                ts_event=ts_event,
                ts_init=ts_init,
            )
        )

    def _signed(self, lst: ListState, raw: int) -> Quantity:
        return self._quantity(lst, max(raw, 0))

    def _raise(
        self,
        lst: ListState,
        out: list[Action],
        key: str,
        kind: AlertKind,
        message: str,
        ts_event: int,
        ts_init: int,
        client_order_id: ClientOrderId | None = None,
        expected: int | None = None,
        actual: int | None = None,
    ) -> None:
        if key in lst.alerts:
            return
        lst.alerts.append(key)
        out.append(
            self._alert(lst, kind, message, ts_event, ts_init, client_order_id, expected, actual)
        )
