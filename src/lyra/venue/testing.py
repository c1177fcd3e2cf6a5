"""Conformance checks for the venue contract, at the protocol level.

Point them at any :class:`~lyra.venue.Venue` -- an in-memory toy, the simulated exchange, a
live adapter talking to a fake server on localhost -- through a
:class:`ConformanceScenario`: how to make a fresh venue on a bus, the instrument and prices
at which orders rest, and how to make the market cross an order. Each check in
:data:`CONFORMANCE_CHECKS` runs one command path against a fresh venue (``async with``, so
under asyncio or trio) and raises :class:`AssertionError` with a message naming the rule it
saw broken; a check that does not apply to the venue's capabilities returns a note saying
why it was skipped. Use them from pytest::

    @pytest.mark.anyio
    @pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
    async def test_my_venue_conforms(check):
        await check.run(SCENARIO)

The pieces are reusable on their own: :func:`check_order_events` checks one order's
published events against the event-stream rules (the socket-level adapter suite uses it on
recorded streams), and :class:`EventRecorder` records what a venue publishes.

Rules checked (``docs/explanation/venue-contract.md`` states them):

* lifecycle: ``async with`` publishes CONNECTED on entry and DISCONNECTED on exit, and can
  be repeated;
* every command's local event is published before the command returns: ``OrderSubmitted``,
  ``OrderPendingCancel``, ``OrderPendingUpdate``, or a local refusal alone (``OrderDenied``,
  ``OrderCancelRejected``, ``OrderModifyRejected`` with the contract's code);
* every request gets exactly one answer, later: submit -> accepted | rejected, cancel ->
  canceled | cancel rejected, modify -> updated | modify rejected;
* the acknowledgement comes before any fill, trigger, update; nothing is published twice;
  every published event is legal for the order state machine and was applied to the order
  first (what the bus saw for an order equals ``order.events`` after its
  ``OrderInitialized``); ``ts_init`` never decreases;
* caller errors raise (another venue's order, an order submitted twice, a modify without
  fields or with ``None``) and publish nothing;
* ``reconcile`` lists the open orders with their venue ids and the fills, round-trips
  through the codec, and raises :class:`~lyra.venue.VenueNotConnected` when not connected.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import lyra.model.identifiers as identifiers
from lyra import topics
from lyra.bus import EventBus
from lyra.errors import InvalidOrder, InvalidTransition, NotSupported, VenueNotConnected
from lyra.model.codec import decode_json, decode_msgpack, encode_json, encode_msgpack
from lyra.model.data import BarSpecification, BarType
from lyra.model.enums import (
    AggregationSource,
    BarAggregation,
    OrderSide,
    OrderStatus,
    OrderType,
    PriceType,
    TimeInForce,
)
from lyra.model.identifiers import AccountId, InstrumentId
from lyra.model.values import Price, Quantity
from lyra.orders import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderEvent,
    OrderFactory,
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
from lyra.orders.order import ApplyOutcome
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.codes import LOCAL_REJECT_CODES, RejectCode
from lyra.venue.events import ConnectionStatus, VenueAnomaly, VenueEvent, VenueStatus
from lyra.venue.protocol import Venue
from lyra.venue.reports import ReconciliationReport

__all__ = (
    "CONFORMANCE_CHECKS",
    "ConformanceCheck",
    "ConformanceScenario",
    "EventRecorder",
    "assert_order_events",
    "check_order_events",
    "run_conformance",
)

_S = OrderStatus
_Hook = Callable[..., Awaitable[None] | None]


# -- the event-stream rules, on one order's published events ---------------------------------
def check_order_events(
    order: Order | OrderInitialized,
    published: Sequence[OrderEvent],
    *,
    settled: bool = True,
) -> list[str]:
    """Check the events published for one order against the event-stream rules.

    ``order`` is the order (or its ``OrderInitialized``); ``published`` what subscribers
    saw for it, in order. With ``settled`` the stream is taken as complete: every request
    must have had its answer. Returns the problems found (empty: the stream conforms).
    """
    init = order.init if isinstance(order, Order) else order
    replay = Order(init)
    problems: list[str] = []
    started = False
    submitted = denied = False
    acked = False
    accepted = 0
    outstanding = [0, 0]  # modifies, cancels
    last_ts_init: int | None = None
    for i, event in enumerate(published):
        name = type(event).__name__
        at = f"event {i} ({name})"
        if isinstance(event, OrderInitialized):
            problems.append(f"{at}: OrderInitialized is never published by a venue")
            continue
        if last_ts_init is not None and event.ts_init < last_ts_init:
            problems.append(f"{at}: ts_init {event.ts_init} is before the previous {last_ts_init}")
        last_ts_init = event.ts_init
        if denied:
            problems.append(f"{at}: published after OrderDenied (a denied order is finished)")
        if not started and not isinstance(event, (OrderEmulated, OrderReleased)):
            started = True
            if not isinstance(event, (OrderSubmitted, OrderDenied)):
                problems.append(
                    f"{at}: the first venue event must be OrderSubmitted or OrderDenied"
                )
        if isinstance(event, OrderSubmitted):
            submitted = True
        elif isinstance(event, OrderDenied):
            denied = True
        elif isinstance(event, OrderAccepted):
            accepted += 1
            acked = True
            if accepted > 1:
                problems.append(f"{at}: a second OrderAccepted was published")
        elif isinstance(event, OrderRejected):
            acked = True
        elif isinstance(event, (OrderFilled, OrderTriggered, OrderUpdated)) and not acked:
            problems.append(f"{at}: published before the order was acknowledged (OrderAccepted)")
        if isinstance(event, OrderPendingUpdate):
            outstanding[0] += 1
        elif isinstance(event, OrderPendingCancel):
            outstanding[1] += 1
        elif isinstance(event, (OrderModifyRejected, OrderCancelRejected)) and (
            event.code in LOCAL_REJECT_CODES
        ):
            pass  # a local refusal: it answers itself, no request was sent
        elif isinstance(event, (OrderUpdated, OrderModifyRejected, OrderCancelRejected)) or (
            isinstance(event, OrderCanceled) and outstanding[1]
        ):
            kind = 1 if isinstance(event, (OrderCanceled, OrderCancelRejected)) else 0
            if outstanding[kind]:
                outstanding[kind] -= 1
            elif isinstance(event, OrderUpdated):
                if not _updates_something(replay, event):
                    problems.append(f"{at}: answers no modify request and changes nothing")
            else:
                problems.append(f"{at}: answers no outstanding request (a duplicate answer?)")
        try:
            outcome = replay.apply(event)
        except (InvalidTransition, InvalidOrder) as exc:
            problems.append(f"{at}: the order state machine refuses it: {exc}")
            continue
        if outcome is ApplyOutcome.DUPLICATE:
            problems.append(f"{at}: a duplicate that changes nothing was published")
    if settled:
        if submitted and not acked and not replay.is_closed:
            problems.append("the submit was never answered (no OrderAccepted or OrderRejected)")
        if outstanding[0]:
            problems.append(f"{outstanding[0]} modify request(s) never answered")
        if outstanding[1]:
            problems.append(f"{outstanding[1]} cancel request(s) never answered")
    return problems


def _updates_something(order: Order, event: OrderUpdated) -> bool:
    return (
        event.quantity != order.quantity
        or (event.price is not None and event.price != order.price)
        or (event.trigger_price is not None and event.trigger_price != order.trigger_price)
        or (event.quote_quantity is not None and event.quote_quantity != order.quote_quantity)
        or (event.venue_order_id is not None and event.venue_order_id != order.venue_order_id)
    )


def assert_order_events(
    order: Order, published: Sequence[OrderEvent], *, settled: bool = True
) -> None:
    """Raise :class:`AssertionError` unless ``published`` follows the event-stream rules and
    equals what ``order`` applied (``order.events`` after its ``OrderInitialized``)."""
    problems = check_order_events(order, published, settled=settled)
    applied = list(order.events[1:])
    if list(published) != applied:
        problems.append(
            "what subscribers saw differs from what the order applied: published "
            f"{_names(published)}, applied {_names(applied)}"
        )
    if problems:
        raise AssertionError(
            f"order {order.client_order_id}: "
            + "; ".join(problems)
            + f" [stream: {_names(published)}]"
        )


def _names(events: Sequence[object]) -> str:
    return ", ".join(type(e).__name__.removeprefix("Order") for e in events) or "nothing"


class EventRecorder:
    """Records what a venue publishes: every order event (``events.order.*``) and the
    venue's own events (``events.venue_status.<VENUE>``, or of every venue)."""

    __slots__ = ("_bus", "_patterns", "order_events", "venue_events")

    def __init__(self, bus: EventBus, venue: str | None = None) -> None:
        self._bus = bus
        self.order_events: list[OrderEvent] = []
        self.venue_events: list[VenueEvent] = []
        status = "events.venue_status.*" if venue is None else topics.venue_status(venue)
        self._patterns = (("events.order.*", self._on_order), (status, self._on_venue))
        for pattern, handler in self._patterns:
            bus.subscribe(pattern, handler, priority=100)

    def _on_order(self, event: OrderEvent) -> None:
        self.order_events.append(event)

    def _on_venue(self, event: VenueEvent) -> None:
        self.venue_events.append(event)

    def for_order(self, client_order_id: str) -> list[OrderEvent]:
        """The order events published for one order, in order."""
        return [e for e in self.order_events if e.client_order_id == client_order_id]

    @property
    def statuses(self) -> list[VenueStatus]:
        """The :class:`VenueStatus` events published."""
        return [e for e in self.venue_events if isinstance(e, VenueStatus)]

    @property
    def anomalies(self) -> list[VenueAnomaly]:
        """The :class:`VenueAnomaly` events published."""
        return [e for e in self.venue_events if isinstance(e, VenueAnomaly)]

    def close(self) -> None:
        """Stop recording."""
        for pattern, handler in self._patterns:
            self._bus.unsubscribe(pattern, handler)


# -- scenarios and checks ------------------------------------------------------------------------
@dataclass(frozen=True)
class ConformanceScenario:
    """Everything the checks need to know about a venue under test.

    * ``make_venue(bus)`` -- a fresh venue publishing on ``bus`` (not entered yet);
    * ``instrument_id``, ``quantity`` -- what to trade and how much per order;
    * ``resting_buy_price`` / ``resting_sell_price`` -- LIMIT orders at these prices rest
      without filling;
    * ``cross(venue, order)`` -- make the market trade through ``order`` so that it fills
      completely (may be async);
    * ``modify_price`` -- another resting BUY price, for the modify check (or
      ``modify_quantity``, used when the venue cannot amend prices);
    * ``settle(venue)`` -- optional: let the venue make progress (advance a test clock,
      process a queue); called while the checks wait, may be async;
    * ``clock`` -- the time source for the orders (``None``: wall time);
    * ``timeout_s`` -- how long to wait for an answer; ``quiet_s`` -- how long to watch
      for events that must not come.
    """

    make_venue: Callable[[EventBus], Venue]
    instrument_id: InstrumentId | str
    quantity: Quantity
    resting_buy_price: Price
    resting_sell_price: Price
    cross: Callable[[Any, Order], Awaitable[None] | None]
    modify_price: Price | None = None
    modify_quantity: Quantity | None = None
    settle: Callable[[Any], Awaitable[None] | None] | None = None
    clock: Callable[[], int] | None = None
    strategy_id: str = "CONFORMANCE"
    timeout_s: float = 5.0
    quiet_s: float = 0.02


class ConformanceCheck(NamedTuple):
    """One conformance check: ``await check.run(scenario)`` raises :class:`AssertionError`
    on a violation and returns ``None``, or a note when the check does not apply."""

    name: str
    description: str
    run: Callable[[ConformanceScenario], Awaitable[str | None]]


async def _maybe_await(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class _Session:
    """One check's fresh bus, venue, recorder and order factory."""

    def __init__(self, scenario: ConformanceScenario, check: str) -> None:
        self.sc = scenario
        self.check = check
        self.bus = EventBus()
        self.venue = scenario.make_venue(self.bus)
        _require(
            isinstance(self.venue, Venue),
            f"{check}: make_venue returned {type(self.venue).__name__}, which lacks members "
            "of the Venue protocol",
        )
        self.rec = EventRecorder(self.bus, self.venue.venue)
        self.factory = OrderFactory(scenario.strategy_id, clock=scenario.clock, id_prefix="conf")
        self.iid = InstrumentId(scenario.instrument_id)
        self.orders: list[Order] = []

    @property
    def caps(self) -> VenueCapabilities:
        return self.venue.capabilities

    def limit(self, side: OrderSide, price: Price, **kwargs: Any) -> Order:
        order = self.factory.limit(self.iid, side, self.sc.quantity, price, **kwargs)
        self.orders.append(order)
        return order

    def buy(self) -> Order:
        return self.limit(OrderSide.BUY, self.sc.resting_buy_price)

    def sell(self) -> Order:
        return self.limit(OrderSide.SELL, self.sc.resting_sell_price)

    def published(self, order: Order) -> list[OrderEvent]:
        return self.rec.for_order(order.client_order_id)

    async def settle(self) -> None:
        if self.sc.settle is not None:
            await _maybe_await(self.sc.settle(self.venue))

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        import anyio

        try:
            with anyio.fail_after(self.sc.timeout_s):
                while not condition():
                    await self.settle()
                    if condition():
                        break
                    await anyio.sleep(0.001)
        except TimeoutError:
            raise AssertionError(
                f"{self.check}: waited {self.sc.timeout_s}s for {what}; published so far: "
                + "; ".join(
                    f"{o.client_order_id} [{_names(self.published(o))}] {o.status.name}"
                    for o in self.orders
                )
            ) from None

    async def quiet(self) -> None:
        import anyio

        await self.settle()
        await anyio.sleep(self.sc.quiet_s)
        await self.settle()

    async def accepted(self, *orders: Order) -> None:
        for order in orders:
            self.venue.submit_order(order)
        await self.until(
            lambda: all(o.status is not _S.SUBMITTED for o in orders), "the orders' answers"
        )
        for order in orders:
            _require(
                order.status is _S.ACCEPTED,
                f"{self.check}: a resting LIMIT {order.side.name} at {order.price} should be "
                f"ACCEPTED, it is {order.status.name} [{_names(self.published(order))}]",
            )

    def sync_events(self, order: Order, before: int, expected: Sequence[type]) -> None:
        """The events published for ``order`` since ``before`` (an index into its stream)
        are exactly ``expected``, before the command returned."""
        got = self.published(order)[before:]
        names = [t.__name__ for t in expected]
        _require(
            [type(e) for e in got] == list(expected),
            f"{self.check}: before the command returned, {order.client_order_id} should have "
            f"published {names}, got [{_names(got)}]",
        )

    def verify(self) -> None:
        cids = [o.client_order_id for o in self.orders]
        for order in self.orders:
            published = self.published(order)
            if cids.count(order.client_order_id) > 1:  # the duplicate-id check: split by object
                own = {id(e) for e in order.events}
                published = [e for e in published if id(e) in own]
            try:
                assert_order_events(order, published)
            except AssertionError as exc:
                raise AssertionError(f"{self.check}: {exc}") from None
        anomalies = self.rec.anomalies
        _require(
            not anomalies,
            f"{self.check}: the venue reported anomalies: "
            + "; ".join(f"{a.kind.name}: {a.message}" for a in anomalies),
        )


def _code(event: OrderEvent) -> str:
    return str(getattr(event, "code", ""))


async def _check_lifecycle(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "lifecycle")
    v = s.venue
    _require(
        isinstance(v.venue, identifiers.Venue),
        "lifecycle: venue must be a lyra.model.identifiers.Venue",
    )
    _require(isinstance(v.account_id, AccountId), "lifecycle: account_id must be an AccountId")
    _require(
        isinstance(v.capabilities, VenueCapabilities),
        "lifecycle: capabilities must be a VenueCapabilities",
    )
    _require(
        s.iid.venue == v.venue,
        f"lifecycle: the scenario's instrument {s.iid} is not on venue {v.venue}",
    )
    for round_ in (1, 2):
        async with v:
            st = s.rec.statuses
            _require(
                v.connected and v.status is ConnectionStatus.CONNECTED,
                f"lifecycle: inside `async with` (round {round_}) the venue must be CONNECTED, "
                f"it is {v.status!r}",
            )
            _require(
                bool(st) and st[-1].status is ConnectionStatus.CONNECTED,
                f"lifecycle: entering must publish VenueStatus CONNECTED (round {round_}); "
                f"published {[e.status.name for e in st]}",
            )
        st = s.rec.statuses
        _require(
            not v.connected and v.status is ConnectionStatus.DISCONNECTED,
            f"lifecycle: after `async with` (round {round_}) the venue must be DISCONNECTED, "
            f"it is {v.status!r}",
        )
        _require(
            st[-1].status is ConnectionStatus.DISCONNECTED,
            f"lifecycle: leaving must publish VenueStatus DISCONNECTED (round {round_})",
        )
    for e in s.rec.venue_events:
        _require(e.venue == v.venue, f"lifecycle: a status event names venue {e.venue}")
    ts = [e.ts_init for e in s.rec.venue_events]
    _require(ts == sorted(ts), "lifecycle: VenueStatus ts_init must not decrease")
    return None


async def _check_submit(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "submit")
    async with s.venue:
        order = s.buy()
        s.venue.submit_order(order)
        s.sync_events(order, 0, [OrderSubmitted])
        _require(
            order.status is _S.SUBMITTED,
            f"submit: right after submit_order the order must be SUBMITTED, "
            f"it is {order.status.name}",
        )
        await s.until(lambda: order.status is not _S.SUBMITTED, "OrderAccepted")
        _require(
            order.status is _S.ACCEPTED,
            f"submit: a resting LIMIT BUY must be ACCEPTED, it is {order.status.name}",
        )
        _require(order.venue_order_id is not None, "submit: OrderAccepted carries no venue id")
        _require(
            order.account_id == s.venue.account_id,
            f"submit: the order's account is {order.account_id}, the venue's {s.venue.account_id}",
        )
        await s.quiet()
        _require(
            order.status is _S.ACCEPTED,
            f"submit: a resting order must keep resting, it is {order.status.name}",
        )
    s.verify()
    return None


async def _check_cancel(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "cancel")
    async with s.venue:
        order = s.buy()
        await s.accepted(order)
        n = len(s.published(order))
        s.venue.cancel_order(order)
        s.sync_events(order, n, [OrderPendingCancel])
        await s.until(lambda: order.status is not _S.PENDING_CANCEL, "OrderCanceled")
        _require(
            order.status is _S.CANCELED,
            f"cancel: a resting order must be CANCELED, it is {order.status.name}",
        )
        await s.quiet()
    s.verify()
    return None


async def _check_modify(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "modify")
    caps = s.caps
    async with s.venue:
        order = s.buy()
        await s.accepted(order)
        n = len(s.published(order))
        kwargs: dict[str, Any] = {}
        if (
            sc.modify_price is not None
            and caps.supports_modify(order, price=sc.modify_price) is None
        ):
            kwargs = {"price": sc.modify_price}
        elif (
            sc.modify_quantity is not None
            and caps.supports_modify(order, quantity=sc.modify_quantity) is None
        ):
            kwargs = {"quantity": sc.modify_quantity}
        if not kwargs:
            if caps.can_amend:
                return "skipped: the scenario gives no modify the venue can make"
            s.venue.modify_order(order, price=sc.resting_buy_price)
            s.sync_events(order, n, [OrderModifyRejected])
            event = s.published(order)[-1]
            _require(
                _code(event) == RejectCode.NOT_SUPPORTED,
                f"modify: a venue that cannot amend refuses with code NOT_SUPPORTED, "
                f"got {_code(event)!r}",
            )
            await s.quiet()
            s.verify()
            return None
        s.venue.modify_order(order, **kwargs)
        s.sync_events(order, n, [OrderPendingUpdate])
        await s.until(lambda: order.status is not _S.PENDING_UPDATE, "OrderUpdated")
        _require(
            order.status is _S.ACCEPTED,
            f"modify: after the update the order must be ACCEPTED, it is {order.status.name}",
        )
        last = s.published(order)[-1]
        _require(
            isinstance(last, OrderUpdated),
            f"modify: the answer must be OrderUpdated, got {type(last).__name__}",
        )
        if "price" in kwargs:
            _require(order.price == sc.modify_price, "modify: the new price was not applied")
        else:
            _require(
                order.quantity == sc.modify_quantity, "modify: the new quantity was not applied"
            )
        await s.quiet()
    s.verify()
    return None


async def _check_fill(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "fill")
    async with s.venue:
        order = s.buy()
        await s.accepted(order)
        vid = order.venue_order_id
        await _maybe_await(sc.cross(s.venue, order))
        await s.until(lambda: order.status is _S.FILLED, "the order to fill")
        fills = [e for e in s.published(order) if isinstance(e, OrderFilled)]
        _require(
            sum((f.last_qty.as_decimal() for f in fills), start=0) == order.quantity.as_decimal(),
            "fill: the fills must add up to the order's quantity",
        )
        _require(len({f.trade_id for f in fills}) == len(fills), "fill: trade ids must be unique")
        _require(
            all(f.venue_order_id == vid for f in fills),
            "fill: fills must carry the order's venue order id",
        )
        n = len(s.published(order))
        s.venue.cancel_order(order)
        s.sync_events(order, n, [OrderCancelRejected])
        _require(
            _code(s.published(order)[-1]) == RejectCode.ORDER_CLOSED,
            "fill: cancel of a filled order is refused locally with code ORDER_CLOSED",
        )
        s.venue.modify_order(order, price=sc.resting_buy_price)
        s.sync_events(order, n + 1, [OrderModifyRejected])
        _require(
            _code(s.published(order)[-1]) == RejectCode.ORDER_CLOSED,
            "fill: modify of a filled order is refused locally with code ORDER_CLOSED",
        )
        await s.quiet()
    s.verify()
    return None


async def _check_cancel_all(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "cancel_all")
    async with s.venue:
        buys = (s.buy(), s.buy())
        sell = s.sell()
        await s.accepted(*buys, sell)
        counts = {o.client_order_id: len(s.published(o)) for o in (*buys, sell)}
        s.venue.cancel_all_orders(s.iid, OrderSide.BUY)
        for o in buys:
            s.sync_events(o, counts[o.client_order_id], [OrderPendingCancel])
        s.sync_events(sell, counts[sell.client_order_id], [])
        await s.until(lambda: all(o.status is _S.CANCELED for o in buys), "the BUYs canceled")
        await s.quiet()
        _require(
            sell.status is _S.ACCEPTED,
            f"cancel_all: side=BUY must leave the SELL working, it is {sell.status.name}",
        )
        s.venue.cancel_all_orders(s.iid)
        await s.until(lambda: sell.status is _S.CANCELED, "the SELL canceled")
        await s.quiet()
    s.verify()
    return None


async def _check_reconcile(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "reconcile")
    async with s.venue:
        buy, sell = s.buy(), s.sell()
        await s.accepted(buy, sell)
        report = await s.venue.reconcile(0)
        _require(isinstance(report, ReconciliationReport), "reconcile: must return a report")
        _require(
            report.venue == s.venue.venue and report.account_id == s.venue.account_id,
            "reconcile: the report must name the venue and the account",
        )
        for o in (buy, sell):
            r = report.order(o.client_order_id)
            _require(
                r is not None and r.is_open,
                f"reconcile: open order {o.client_order_id} is missing from the report",
            )
            assert r is not None
            _require(
                r.venue_order_id == o.venue_order_id
                and r.side == o.side
                and r.quantity == o.quantity
                and r.instrument_id == o.instrument_id,
                f"reconcile: the report of {o.client_order_id} does not match the order: {r}",
            )
        await _maybe_await(sc.cross(s.venue, buy))
        await s.until(lambda: buy.status is _S.FILLED, "the BUY to fill")
        report = await s.venue.reconcile(0, [s.iid])
        r = report.order(buy.client_order_id)
        _require(
            r is None or not r.is_open,
            "reconcile: a filled order must not be reported open",
        )
        _require(
            {f.trade_id for f in report.fills if f.venue_order_id == buy.venue_order_id}
            == set(buy.trade_ids),
            "reconcile: the report's fills of the filled order must be its trade ids",
        )
        _require(
            report.order(sell.client_order_id) is not None,
            "reconcile: the SELL still open must be reported",
        )
        for encode, decode in ((encode_msgpack, decode_msgpack), (encode_json, decode_json)):
            back = decode(encode(report))
            _require(back == report, f"reconcile: the report must round-trip ({encode.__name__})")
        s.venue.cancel_order(sell)
        await s.until(lambda: sell.status is _S.CANCELED, "the SELL canceled")
    try:
        await s.venue.reconcile(0)
    except VenueNotConnected:
        pass
    else:
        raise AssertionError("reconcile: without a connection it must raise VenueNotConnected")
    s.verify()
    return None


def _unsupported_order(s: _Session) -> Order | None:
    """An order the venue's capabilities refuse, or None if it takes everything tried."""
    f, iid, q, px = s.factory, s.iid, s.sc.quantity, s.sc.resting_buy_price
    buy = OrderSide.BUY
    candidates: list[Callable[[], Order]] = [
        lambda: f.stop_market(iid, buy, q, s.sc.resting_sell_price),
        lambda: f.stop_limit(iid, buy, q, s.sc.resting_sell_price, s.sc.resting_sell_price),
        lambda: f.market_if_touched(iid, buy, q, px),
        lambda: f.limit(iid, buy, q, px, time_in_force=TimeInForce.DAY),
        lambda: f.limit(iid, buy, q, px, time_in_force=TimeInForce.AT_THE_CLOSE),
        lambda: f.limit(iid, buy, q, px, reduce_only=True),
        lambda: f.limit(iid, buy, q, px, post_only=True),
        lambda: f.limit(iid, buy, q, px, display_qty=q),
    ]
    for make in candidates:
        order = make()
        if s.caps.supports(order) is not None:
            s.orders.append(order)
            return order
    return None


async def _check_refusals(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "refusals")
    notes: list[str] = []
    v = s.venue
    async with v:
        order = _unsupported_order(s)
        if order is None:
            notes.append("no unsupported order found to deny")
        else:
            v.submit_order(order)
            s.sync_events(order, 0, [OrderDenied])
            _require(
                _code(s.published(order)[0]) == RejectCode.NOT_SUPPORTED,
                "refusals: an unsupported order is denied with code NOT_SUPPORTED",
            )
        buy, sell = s.buy(), s.sell()
        oco = s.factory.oco([buy, sell])
        native = s.caps.supports_list(oco) is None
        v.submit_order_list(oco)
        if native:
            for o in (buy, sell):
                s.sync_events(o, 0, [OrderSubmitted])
            await s.until(
                lambda: all(o.status is not _S.SUBMITTED for o in (buy, sell)), "list answers"
            )
            v.cancel_all_orders(s.iid)
            await s.until(lambda: buy.is_closed and sell.is_closed, "the list canceled")
        else:
            for o in (buy, sell):
                s.sync_events(o, 0, [OrderDenied])
                _require(
                    _code(s.published(o)[0]) == RejectCode.NOT_SUPPORTED,
                    "refusals: a list the venue cannot enforce is denied NOT_SUPPORTED",
                )
        first = s.buy()
        twin = s.factory.limit(
            s.iid,
            OrderSide.BUY,
            sc.quantity,
            sc.resting_buy_price,
            client_order_id=first.client_order_id,
        )
        s.orders.append(twin)
        await s.accepted(first)
        n = len(s.published(first))
        v.submit_order(twin)
        s.sync_events(twin, n, [OrderDenied])
        _require(
            twin.status is _S.DENIED and first.status is _S.ACCEPTED,
            "refusals: the duplicate is DENIED and the first order keeps working",
        )
        _require(
            _code(s.published(twin)[-1]) == RejectCode.DUPLICATE_CLIENT_ORDER_ID,
            "refusals: a second order with a used client order id is denied "
            "DUPLICATE_CLIENT_ORDER_ID",
        )
        before = len(s.rec.order_events)
        other = s.factory.limit(
            InstrumentId.from_parts(s.iid.symbol, "ELSEWHERE"),
            OrderSide.BUY,
            sc.quantity,
            sc.resting_buy_price,
        )
        calls: list[tuple[str, Callable[[], None], type[Exception]]] = [
            ("submit of another venue's order", lambda: v.submit_order(other), InvalidOrder),
            ("a second submit of one order", lambda: v.submit_order(first), InvalidTransition),
            ("modify with no field", lambda: v.modify_order(first), InvalidOrder),
            (
                "modify with quantity=None",
                lambda: v.modify_order(first, quantity=None),  # type: ignore[arg-type]
                InvalidOrder,
            ),
            ("cancel of an order never sent", lambda: v.cancel_order(other), InvalidOrder),
            (
                "cancel of an INITIALIZED order",
                lambda: v.cancel_order(
                    s.factory.limit(s.iid, OrderSide.BUY, sc.quantity, sc.resting_buy_price)
                ),
                InvalidTransition,
            ),
        ]
        for what, call, error in calls:
            try:
                call()
            except error:
                pass
            else:
                raise AssertionError(f"refusals: {what} must raise {error.__name__}")
        _require(
            len(s.rec.order_events) == before,
            "refusals: a command that raises must publish nothing",
        )
        internal = BarType(
            s.iid,
            BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
            AggregationSource.INTERNAL,
        )
        try:
            v.subscribe_bars(internal)
        except NotSupported:
            pass
        else:
            raise AssertionError("refusals: subscribing to INTERNAL bars must raise NotSupported")
        v.cancel_order(first)
        await s.until(lambda: first.is_closed, "the first order canceled")
        await s.quiet()
    s.verify()
    return "; ".join(notes) or None


async def _check_not_connected(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "not_connected")
    if s.venue.connected:
        return "skipped: the venue is connected without being entered (a venue without I/O)"
    order = s.buy()
    s.venue.submit_order(order)
    s.sync_events(order, 0, [OrderDenied])
    _require(
        _code(s.published(order)[0]) == RejectCode.NOT_CONNECTED,
        "not_connected: a submit without a connection is denied NOT_CONNECTED",
    )
    try:
        await s.venue.reconcile(0)
    except VenueNotConnected:
        pass
    else:
        raise AssertionError("not_connected: reconcile must raise VenueNotConnected")
    s.verify()
    return None


async def _check_market_order(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "market_order")
    if OrderType.MARKET not in s.caps.order_types:
        return "skipped: the venue takes no MARKET orders"
    async with s.venue:
        order = s.factory.market(s.iid, OrderSide.BUY, sc.quantity)
        s.orders.append(order)
        s.venue.submit_order(order)
        s.sync_events(order, 0, [OrderSubmitted])
        await s.until(lambda: order.is_closed, "the market order to fill or be rejected")
        kinds = [type(e) for e in s.published(order)]
        if OrderFilled in kinds:
            _require(
                kinds.index(OrderAccepted) < kinds.index(OrderFilled)
                if OrderAccepted in kinds
                else False,
                "market_order: a market order is acknowledged before it fills",
            )
        await s.quiet()
    s.verify()
    return None


async def _check_subscriptions(sc: ConformanceScenario) -> str | None:
    s = _Session(sc, "subscriptions")
    v, caps, iid = s.venue, s.caps, s.iid
    pairs: list[tuple[str, bool, Callable[[], None], Callable[[], None]]] = [
        ("quotes", caps.quotes, lambda: v.subscribe_quotes(iid), lambda: v.unsubscribe_quotes(iid)),
        ("trades", caps.trades, lambda: v.subscribe_trades(iid), lambda: v.unsubscribe_trades(iid)),
        ("book", caps.book, lambda: v.subscribe_book(iid), lambda: v.unsubscribe_book(iid)),
    ]
    async with v:
        for name, supported, sub, unsub in pairs:
            if supported:
                sub()
                sub()
                unsub()
                unsub()
                unsub()  # one too many: does nothing
            else:
                try:
                    sub()
                except NotSupported:
                    pass
                else:
                    raise AssertionError(
                        f"subscriptions: {name} is not in the capabilities, so subscribing "
                        "must raise NotSupported"
                    )
    return None


CONFORMANCE_CHECKS: tuple[ConformanceCheck, ...] = (
    ConformanceCheck(
        "lifecycle", "async with connects and disconnects, repeatably", _check_lifecycle
    ),
    ConformanceCheck(
        "not_connected", "commands without a connection are denied", _check_not_connected
    ),
    ConformanceCheck("submit", "submit -> Submitted (sync) -> Accepted", _check_submit),
    ConformanceCheck("cancel", "cancel -> PendingCancel (sync) -> Canceled", _check_cancel),
    ConformanceCheck(
        "modify", "modify -> PendingUpdate (sync) -> Updated, or refused", _check_modify
    ),
    ConformanceCheck(
        "fill", "a crossed order fills; closed orders refuse cancel/modify", _check_fill
    ),
    ConformanceCheck(
        "market_order", "a market order is acknowledged before it fills", _check_market_order
    ),
    ConformanceCheck("cancel_all", "cancel_all by side, then all", _check_cancel_all),
    ConformanceCheck("reconcile", "reconcile lists open orders and fills", _check_reconcile),
    ConformanceCheck("refusals", "local refusals are events; caller errors raise", _check_refusals),
    ConformanceCheck(
        "subscriptions", "counted subscriptions; unsupported ones raise", _check_subscriptions
    ),
)
"""Every protocol-level conformance check, in a sensible order."""


async def run_conformance(
    scenario: ConformanceScenario, checks: Sequence[ConformanceCheck] = CONFORMANCE_CHECKS
) -> list[tuple[str, str]]:
    """Run ``checks`` one after another; returns ``(name, "passed" | note)`` for each, and
    raises :class:`AssertionError` at the first violation."""
    results: list[tuple[str, str]] = []
    for check in checks:
        note = await check.run(scenario)
        results.append((check.name, note or "passed"))
    return results
