"""The driver: :class:`ContingencyManager` runs the decision core against a ``Venue``.

The manager is thin. It decides, per list, whether the venue enforces it natively
(``venue.capabilities.supports_list``) or the manager emulates it; feeds every order event
of its lists to :class:`~lyra.contingency.ContingencyCore`; and carries out the actions the
core returns on the venue (submit, modify, cancel) and the bus (local order events for
orders that never left Lyra, contingency events).

**Ordering on the bus.** The manager subscribes twice to each strategy's order topic: an
*observer* at a high priority (:data:`OBSERVE_PRIORITY`) that feeds the core, and an *actor*
at a low priority (:data:`ACT_PRIORITY`) that carries out what the core asked for. So the
core sees every event in the order the venue published it, even when another handler sends
commands from inside its own handler (the bus dispatches depth-first), and every other
subscriber sees an event before the commands it caused.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final, Literal

from lyra import topics
from lyra.bus import EventBus
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
from lyra.contingency.events import ContingencyAlert
from lyra.contingency.state import ContingencyState, ListState, Role
from lyra.errors import InvalidInput, InvalidOrderList, LyraError
from lyra.model.codec import decode_msgpack, encode_msgpack
from lyra.model.enums import ContingencyType, OrderStatus, TriggerType
from lyra.model.identifiers import OrderListId, StrategyId
from lyra.model.values import FIXED_PRECISION, Price, Quantity
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import OrderEvent
from lyra.orders.lists import OrderList, ReleasePolicy
from lyra.orders.order import Order
from lyra.venue.unset import UNSET, Unset

if TYPE_CHECKING:
    from lyra.clock import Clock
    from lyra.venue.capabilities import VenueCapabilities
    from lyra.venue.protocol import Venue

__all__ = ("ACT_PRIORITY", "OBSERVE_PRIORITY", "ContingencyManager", "Mode", "emulation_gap")

OBSERVE_PRIORITY: Final = 1_000_000
"""Bus priority of the handler that feeds order events to the core (runs first)."""
ACT_PRIORITY: Final = -1_000_000
"""Bus priority of the handler that carries out the core's actions (runs last)."""

Mode = Literal["auto", "native", "emulated"]
"""How :meth:`ContingencyManager.submit` routes a list: ``"auto"`` -- natively when the venue
can enforce it, else emulated; ``"native"`` -- always ``submit_order_list`` (the venue
denies what it cannot take); ``"emulated"`` -- always emulated."""

_C = ContingencyType


def _step(q: Quantity) -> int:
    step: int = 10 ** (FIXED_PRECISION - q.precision)
    return step


def _needs_local_emulation(order_list: OrderList) -> str | None:
    for i, order in enumerate(order_list):
        if order.emulation_trigger is not TriggerType.NO_TRIGGER:
            return (
                f"orders[{i}] ({order.client_order_id}) is emulated locally "
                f"(emulation_trigger {order.emulation_trigger.name})"
            )
    return None


def _emulates(venue: object) -> bool:
    """Whether ``venue`` holds orders locally (an :class:`~lyra.emulator.OrderEmulator`, or
    anything with its ``needs_emulation`` / ``is_held`` queries)."""
    return callable(getattr(venue, "needs_emulation", None)) and callable(
        getattr(venue, "is_held", None)
    )


def emulation_gap(order_list: OrderList, capabilities: VenueCapabilities) -> str | None:
    """Why the manager cannot emulate ``order_list`` on a venue with ``capabilities``
    (``None`` when it can).

    Emulating needs every member supported on its own (``capabilities.supports``), a
    quantity *decrease* on every OUO member (the open quantity shrinks as siblings fill) and,
    for an OTO list released on the first fill, a quantity *increase* on every child (it
    grows with the parent's fills).
    """
    for i, order in enumerate(order_list):
        reason = capabilities.supports(order)
        if reason is not None:
            return f"orders[{i}] ({order.client_order_id}): {reason}"
    ctype = order_list.contingency_type
    if ctype == _C.OTO:
        children = order_list.children
        if order_list.release_policy is ReleasePolicy.ON_FIRST_FILL:
            for c in children:
                bigger = Quantity.from_raw(c.quantity.raw + _step(c.quantity), c.quantity.precision)
                gap = capabilities.supports_modify(c, quantity=bigger)
                if gap is not None:
                    return (
                        f"release_policy: ON_FIRST_FILL grows child {c.client_order_id} with "
                        f"the parent's fills, and the venue cannot ({gap}); use "
                        "ReleasePolicy.ON_FULL_FILL"
                    )
        shrinking = children if order_list.children_contingency == _C.OUO else ()
    else:
        shrinking = order_list.orders if ctype == _C.OUO else ()
    for o in shrinking:
        raw = o.quantity.raw - _step(o.quantity)
        if raw <= 0:
            continue
        gap = capabilities.supports_modify(o, quantity=Quantity.from_raw(raw, o.quantity.precision))
        if gap is not None:
            return (
                f"OUO reduces {o.client_order_id} as its siblings fill, and the venue "
                f"cannot ({gap})"
            )
    return None


class ContingencyManager:
    """OCO / OUO / OTO / bracket lists on any :class:`~lyra.venue.Venue`.

    ``venue`` takes the commands; ``bus`` is the one the venue publishes order events on;
    ``clock`` (a :class:`~lyra.clock.Clock`, a ``() -> int`` function or ``None`` for wall
    time) stamps the manager's own events. ``prefer_native=False`` emulates every list even
    where the venue could enforce it. ``max_retries`` bounds repeats of a refused resize or
    cancel. To resume after a restart pass the saved ``state`` (a
    :class:`~lyra.contingency.ContingencyState` or its msgpack bytes) and the restored
    ``orders`` (every member of every list in it), then :meth:`replay` the order events the
    manager missed. Local order events get ids ``"<id_prefix><n>"``.
    """

    __slots__ = (
        "_bus",
        "_core",
        "_events",
        "_lists",
        "_orders",
        "_prefer_native",
        "_queue",
        "_running",
        "_topics",
        "_venue",
    )

    def __init__(
        self,
        venue: Venue,
        bus: EventBus,
        clock: Clock | Callable[[], int] | None = None,
        *,
        prefer_native: bool = True,
        max_retries: int = DEFAULT_MAX_RETRIES,
        state: ContingencyState | bytes | None = None,
        orders: Iterable[Order] = (),
        id_prefix: str = "CM-",
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        if isinstance(state, (bytes, bytearray, memoryview)):
            state = decode_msgpack(state, ContingencyState)
        self._venue = venue
        self._bus = bus
        self._events = EventFactory(clock, id_prefix=id_prefix)
        self._core = ContingencyCore(state, max_retries=max_retries)
        self._prefer_native = bool(prefer_native)
        self._orders: dict[str, Order] = {}
        self._lists: dict[OrderListId, OrderList] = {}
        self._queue: deque[Action] = deque()
        self._running = False
        self._topics: set[str] = set()
        for order in orders:
            if not isinstance(order, Order):
                raise InvalidInput("orders", "must hold Order objects", order)
            self._orders[order.client_order_id] = order
        live = [lst for lst in self._core.state.lists if not lst.closed]
        for lst in live:
            for m in lst.members:
                if m.client_order_id not in self._orders:
                    raise InvalidInput(
                        "orders",
                        f"must include every member of the restored list {lst.order_list_id}",
                        m.client_order_id,
                    )
        for lst in self._core.state.lists:  # closed lists too: late fills still count
            self._subscribe(lst.strategy_id)

    # -- properties ----------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        """The venue the manager commands."""
        return self._venue

    @property
    def core(self) -> ContingencyCore:
        """The decision core."""
        return self._core

    @property
    def state(self) -> ContingencyState:
        """The core's live state."""
        return self._core.state

    def snapshot(self) -> bytes:
        """The state as msgpack bytes (pass them back as ``state=`` after a restart)."""
        return encode_msgpack(self._core.state)

    def list_state(self, order_list_id: str) -> ListState | None:
        """The state of a managed list, or ``None``."""
        return self._core.get_list(order_list_id)

    def is_native(self, order_list_id: str) -> bool:
        """Whether the venue enforces the list (``False`` when emulated or unknown)."""
        lst = self._core.get_list(order_list_id)
        return lst is not None and lst.native

    # -- commands --------------------------------------------------------------------------------
    def submit(
        self,
        order_list: OrderList,
        *,
        mode: Mode = "auto",
        keep_oco_remainder: bool = True,
        proportional: bool = False,
    ) -> None:
        """Send ``order_list`` and enforce its contingencies from now on.

        ``mode`` routes it (see :data:`Mode`). ``keep_oco_remainder=False`` cancels an OCO
        leg's remainder at its first fill; ``proportional=True`` makes OUO reductions
        proportional; either option makes ``"auto"`` emulate the list (native lists follow
        the default rules). A list the venue cannot take natively and the manager cannot emulate
        there (:func:`emulation_gap`) is refused: every member gets ``OrderDenied`` (code
        ``NOT_SUPPORTED``) and a LIST_DENIED alert is published. A list with a member that
        has an ``emulation_trigger`` is always emulated, and needs a venue that holds orders
        locally (an :class:`~lyra.emulator.OrderEmulator` in front of the real one); on any
        other venue it is refused that way. Raises
        :class:`~lyra.errors.InvalidOrderList` for a list already managed or with members
        already submitted or emulated.
        """
        if not isinstance(order_list, OrderList):
            raise InvalidOrderList("order_list", "must be an OrderList", order_list)
        if mode not in ("auto", "native", "emulated"):
            raise InvalidInput("mode", "must be 'auto', 'native' or 'emulated'", mode)
        caps = self._venue.capabilities
        reason = caps.supports_list(order_list)
        held = _needs_local_emulation(order_list)
        if held is not None:
            # the venue never sees these members until they are released, so it cannot link
            # them: the list is enforced here, and the venue (an OrderEmulator) holds them
            reason = reason or held
            if mode == "native" or not _emulates(self._venue):
                mode = "emulated"
                if not _emulates(self._venue):
                    reason = (
                        f"{held}, and the venue does not emulate orders (put an "
                        "lyra.emulator.OrderEmulator in front of it)"
                    )
        if reason is None and (proportional or not keep_oco_remainder):
            # a venue's native OCO/OUO has the default rules only
            reason = (
                "proportional OUO reduction is emulated"
                if proportional
                else "canceling an OCO leg's remainder is emulated"
            )
        if mode == "native":
            native = True
        elif mode == "emulated":
            native = False
            reason = reason or "emulation requested"
        else:
            native = self._prefer_native and reason is None
            if reason is None and not native:
                reason = "native lists disabled (prefer_native=False)"
        deny = None if native else emulation_gap(order_list, caps)
        if deny is None and held is not None and not _emulates(self._venue):
            deny = reason
        actions = self._core.add_list(
            order_list,
            native=native,
            reason=reason or "",
            deny=None
            if deny is None
            else f"cannot emulate list {order_list.order_list_id}: {deny}",
            keep_oco_remainder=keep_oco_remainder,
            proportional=proportional,
            ts=self._events.now(),
        )
        self._lists[order_list.order_list_id] = order_list
        for order in order_list:
            self._orders[order.client_order_id] = order
        self._subscribe(order_list.strategy_id)
        self._execute(actions)

    def cancel(self, order_list_id: str, *, exits: bool = False) -> None:
        """Cancel a list: an OCO/OUO list entirely; an OTO list's parent (held children go
        with it when it closes unfilled; released children keep protecting what it filled),
        and with ``exits=True`` its released children too."""
        self._execute(self._core.cancel_list(order_list_id, exits=exits, ts=self._events.now()))

    def modify(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """Modify a member (or any order): held OTO children are changed locally (their new
        price applies when they are released), everything else goes to
        ``venue.modify_order``. An OTO child's quantity follows its parent's fills and
        cannot be set, nor can a proportional OUO member's: those raise
        :class:`~lyra.errors.InvalidInput`.
        """
        core = self._core
        m = core.member(order.client_order_id)
        lst = core.list_of(order.client_order_id)
        if m is not None and lst is not None and quantity is not UNSET:
            if m.role is Role.CHILD:
                raise InvalidInput(
                    "quantity",
                    "an OTO child's quantity follows its parent's fills; change the parent's",
                    quantity,
                )
            if m.role is Role.PEER and lst.proportional:
                raise InvalidInput(
                    "quantity", "cannot be set on a member of a proportional OUO list", quantity
                )
        if (
            m is not None
            and lst is not None
            and not lst.native
            and m.status is OrderStatus.INITIALIZED
            and not m.submit_sent
        ):
            if price is None or trigger_price is None:
                raise InvalidInput("modify", "fields must not be None (use UNSET)", None)
            if quantity is not UNSET:  # a held parent/peer cannot exist; be explicit anyway
                raise InvalidInput("quantity", "cannot be set on a held order", quantity)
            self._execute(
                core.update_held(
                    order.client_order_id,
                    price=None if price is UNSET else price,
                    trigger_price=None if trigger_price is UNSET else trigger_price,
                )
            )
            return
        self._venue.modify_order(order, quantity, price, trigger_price)

    def audit(self, order_list_ids: Iterable[str] | None = None) -> list[ContingencyAlert]:
        """Check every list (or those given) against the rules now; publish and return a
        COVERAGE_MISMATCH alert for each member that differs with nothing in flight. Call it
        when the venue is quiet."""
        actions = self._core.audit(order_list_ids, ts=self._events.now())
        self._execute(actions)
        return [a.event for a in actions if isinstance(a, Publish)]  # type: ignore[misc]

    def replay(self, events: Iterable[OrderEvent]) -> None:
        """Feed order events the manager missed (e.g. while it was down) in the order they
        happened, acting on each as if it had been live. The events must already be applied
        to the orders (as the venue or the state store does)."""
        core = self._core
        for event in events:
            actions = core.on_event(event)
            if actions:
                self._execute(actions)

    def forget_closed(self) -> int:
        """Drop lists whose members are all closed (and the manager's references to their
        orders); returns how many. Late fills of their members are then ignored, so keep them
        for as long as the venue may still report on them."""
        closed = [lst for lst in self._core.state.lists if lst.closed]
        n = self._core.forget_closed()
        for lst in closed:
            self._lists.pop(lst.order_list_id, None)
            for m in lst.members:
                self._orders.pop(m.client_order_id, None)
        return n

    def close(self) -> None:
        """Stop listening to the bus (the state is kept)."""
        for topic in self._topics:
            self._bus.unsubscribe(topic, self._observe)
            self._bus.unsubscribe(topic, self._act)
        self._topics.clear()

    # -- the bus -----------------------------------------------------------------------------------
    def _subscribe(self, strategy_id: StrategyId) -> None:
        topic = topics.order_events(strategy_id)
        if topic in self._topics:
            return
        self._topics.add(topic)
        self._bus.subscribe(topic, self._observe, OBSERVE_PRIORITY)
        self._bus.subscribe(topic, self._act, ACT_PRIORITY)

    def _observe(self, event: OrderEvent) -> None:
        actions = self._core.on_event(event)
        if actions:
            self._queue.extend(actions)

    def _act(self, event: OrderEvent) -> None:
        if self._queue and not self._running:
            self._drain()

    # -- carrying out actions -------------------------------------------------------------------
    def resume(self, lst: ListState, ts_event: int, ts_init: int | None = None) -> list[Action]:
        """Evaluate ``lst`` now (:meth:`ContingencyCore.evaluate`) and carry out what its
        rules still ask for, as after a restart; returns the actions taken."""
        actions = self._core.evaluate(lst, ts_event, ts_init)
        if actions:
            self._execute(actions)
        return actions

    def _execute(self, actions: Iterable[Action]) -> None:
        self._queue.extend(actions)
        if not self._running:
            self._drain()

    def _drain(self) -> None:
        self._running = True
        queue = self._queue
        try:
            while queue:
                action = queue.popleft()
                try:
                    self._do(action)
                except LyraError as exc:
                    queue.extend(
                        self._core.on_action_failed(action, str(exc), ts=self._events.now())
                    )
        finally:
            self._running = False

    def _order(self, client_order_id: str) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise InvalidInput(
                "client_order_id", "is not an order the manager knows", client_order_id
            )
        return order

    def _do(self, action: Action) -> None:
        venue = self._venue
        events = self._events
        if isinstance(action, Publish):
            event = action.event
            self._bus.publish(topics.contingency_events(event.strategy_id), event)
        elif isinstance(action, SubmitOrder):
            order = self._order(action.client_order_id)
            if order.quantity != action.quantity:
                self._local(order, events.updated(order, quantity=action.quantity))
            venue.submit_order(order)
        elif isinstance(action, ModifyQuantity):
            venue.modify_order(self._order(action.client_order_id), quantity=action.quantity)
        elif isinstance(action, CancelOrder):
            venue.cancel_order(self._order(action.client_order_id))
        elif isinstance(action, CancelHeld):
            order = self._order(action.client_order_id)
            self._local(order, events.canceled(order))
        elif isinstance(action, UpdateHeld):
            order = self._order(action.client_order_id)
            self._local(
                order,
                events.updated(
                    order,
                    quantity=action.quantity,
                    price=action.price,
                    trigger_price=action.trigger_price,
                ),
            )
        elif isinstance(action, DenyOrder):
            order = self._order(action.client_order_id)
            self._local(order, events.denied(order, action.reason, action.code))
        elif isinstance(action, SubmitList):
            order_list = self._lists.get(action.order_list_id)
            if order_list is None:
                raise InvalidInput("order_list_id", "is not a list the manager knows", action)
            venue.submit_order_list(order_list)

    def _local(self, order: Order, event: OrderEvent) -> None:
        """Apply an event the manager made for an order that never left Lyra, then publish
        it like a venue would (the order first, subscribers second)."""
        order.apply(event)
        self._bus.publish(topics.order_events(order.strategy_id), event)

    def __repr__(self) -> str:
        lists = self._core.state.lists
        open_ = sum(1 for lst in lists if not lst.closed)
        return f"ContingencyManager({len(lists)} lists, {open_} open, venue={self._venue.venue})"
