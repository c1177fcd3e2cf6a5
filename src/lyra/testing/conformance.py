"""The adapter conformance suite: run any venue adapter against its fake server.

The venue contract's protocol-level checks (:mod:`lyra.venue.testing`) prove the event
rules with any venue. This suite adds what only a networked adapter can get wrong, over
real sockets against a fake venue server (:class:`~lyra.testing.FakeBinance`, or yours):

=======================  ================================================================
check                    what it proves
=======================  ================================================================
``contract.*``           every :data:`lyra.venue.testing.CONFORMANCE_CHECKS` check
                         (lifecycle, submit, cancel, modify, fill, market order,
                         cancel-all, reconcile, refusals, subscriptions)
``book_sync``            the synced book equals the fake's book after a snapshot and
                         after each of several changes, and the published ``BookDeltas``
                         rebuild that same book
``quotes_and_trades``    quotes follow the fake's top of book; a trade print arrives as a
                         ``TradeTick`` with its price, size and aggressor
``order_types``          every order type / time in force / instruction the harness lists
                         reaches its expected outcome (resting, filled, canceled, rejected
                         with the expected code), and resting ones cancel
``triggers``             a stop (or other conditional order) triggers and fills when the
                         market reaches it
``contingencies``        native order lists (OCO, OTO, OTOCO ...) as the harness lists:
                         accepted as a whole, then the venue enforces the links
``contingency_emulated`` a list Lyra's :class:`~lyra.contingency.ContingencyManager`
                         emulates on the adapter behaves as the contract says
``reconnect``            user and market streams dropped: RECONNECTING, then CONNECTED,
                         a fill that happened meanwhile is caught up, the book resyncs
``reconcile``            the report lists open orders, fills and balances
``fault_sequence_gap``   a skipped book update is detected (``SEQUENCE_GAP`` anomaly) and
                         the book resynchronises to the fake's
``fault_malformed``      a malformed frame is reported (``UNPARSEABLE``), counted, and the
                         stream goes on
``fault_delay``          delayed user-stream frames lose and duplicate nothing
``fault_reject``         a venue error answer becomes the right rejection event
=======================  ================================================================

After every check each order's published events are checked against the event-stream
rules (:func:`lyra.venue.testing.assert_order_events`): no event lost, none duplicated,
the order in the state its events say. A check raises :class:`AssertionError` naming the
rule it saw broken, or returns a note when it does not apply (``"skipped: ..."``).

A venue plugs in with an :class:`AdapterHarness`. Use it from pytest::

    @pytest.mark.parametrize("check", ADAPTER_CHECKS, ids=lambda c: c.name)
    async def test_my_adapter(check, harness):
        note = await check.run(harness)
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from lyra import topics
from lyra.bus import EventBus
from lyra.model.data import BookDeltas, QuoteTick, TradeTick
from lyra.model.enums import (
    AggressorSide,
    BookAction,
    OrderSide,
    OrderStatus,
    RecordFlag,
)
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Price, Quantity
from lyra.orders.factory import OrderFactory
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.events import AnomalyKind, ConnectionStatus
from lyra.venue.protocol import Venue
from lyra.venue.reports import ReconciliationReport
from lyra.venue.testing import (
    CONFORMANCE_CHECKS,
    ConformanceCheck,
    ConformanceScenario,
    EventRecorder,
    assert_order_events,
)

__all__ = (
    "ADAPTER_CHECKS",
    "AdapterCheck",
    "AdapterHarness",
    "ListRecipe",
    "OrderRecipe",
    "run_adapter_conformance",
)

_S = OrderStatus
Book = tuple[list[tuple[str, str]], list[tuple[str, str]]]


class OrderRecipe(NamedTuple):
    """One order the ``order_types`` check sends: ``make(factory)`` builds it; ``outcome``
    is what must happen -- ``"rest"`` (accepted and resting), ``"fill"`` (filled),
    ``"cancel"`` (closed unfilled by the venue: IOC/FOK), ``"reject"`` (with
    ``reject_code``)."""

    name: str
    make: Callable[[OrderFactory], Order]
    outcome: str
    reject_code: str = ""


class ListRecipe(NamedTuple):
    """One order list for ``contingencies``: ``make(factory)`` builds it; ``drive(harness,
    order_list)`` moves the market (may be async) and ``check(order_list)`` returns ``None``
    when the list ended as the venue's rules say, or what is wrong."""

    name: str
    make: Callable[[OrderFactory], OrderList]
    drive: Callable[[Any, OrderList], Awaitable[None] | None]
    check: Callable[[OrderList], str | None]


@runtime_checkable
class AdapterHarness(Protocol):
    """A venue adapter and its fake server, as the suite sees them.

    ``make_venue(bus)`` returns a fresh adapter on a fresh account of the running fake,
    with the fake's book reset to the harness's standard book; the other members describe
    that market and move it.
    """

    name: str
    instrument_id: InstrumentId
    quantity: Quantity
    resting_buy_price: Price
    resting_sell_price: Price
    modify_price: Price | None
    modify_quantity: Quantity | None
    timeout_s: float

    def make_venue(self, bus: EventBus) -> Venue:
        """A fresh, not yet entered adapter on a fresh account."""
        ...

    def cross(self, venue: Any, order: Order) -> Awaitable[None] | None:
        """Make the market trade through ``order`` so that it fills completely."""
        ...

    def fake_book(self) -> Book:
        """The fake's published book, as decimal strings, best first."""
        ...

    def venue_book(self, venue: Any) -> Book | None:
        """The adapter's synced book (``None`` if not synced yet)."""
        ...

    def move_book(self, step: int) -> None:
        """Change the fake's public book (a different change for each ``step``)."""
        ...

    def print_trade(self, price: Price, quantity: Quantity, aggressor: AggressorSide) -> None:
        """Print a trade on the fake."""
        ...

    def order_recipes(self) -> Sequence[OrderRecipe]:
        """Every order the adapter supports natively, with its expected outcome."""
        ...

    def trigger_recipes(self) -> Sequence[tuple[OrderRecipe, Price, AggressorSide]]:
        """Conditional orders with the print (price, aggressor) that triggers them."""
        ...

    def list_recipes(self) -> Sequence[ListRecipe]:
        """The native order lists, with how to drive them and what must result."""
        ...

    def emulated_list(self, factory: OrderFactory) -> OrderList | None:
        """A list the contingency manager emulates on this venue (``None``: skip)."""
        ...

    def drop(self, kind: str) -> int:
        """Close the fake's websocket connections of ``kind`` (user/market/all)."""
        ...

    def skip_sequence(self) -> None:
        """Make the fake skip the instrument's next book update."""
        ...

    def malformed(self) -> None:
        """Make the fake send a malformed frame on the market stream next."""
        ...

    def delay_user(self, seconds: float) -> None:
        """Make the fake hold the next user-stream frame for ``seconds``."""
        ...

    def rejection(self) -> tuple[str, int | str, str, str]:
        """``(endpoint, venue code, message, expected RejectCode)`` for ``fault_reject``."""
        ...

    def reject_next(self, endpoint: str, code: int | str, message: str) -> None:
        """Make the fake answer the next request to ``endpoint`` with that error."""
        ...


class AdapterCheck(NamedTuple):
    """One check of the suite: ``await check.run(harness)``."""

    name: str
    description: str
    run: Callable[[Any], Awaitable[str | None]]


async def _maybe(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result


def _answered(*orders: Order) -> Callable[[], bool]:
    return lambda: all(o.status is not _S.SUBMITTED for o in orders)


def _status(order: Order, status: OrderStatus) -> Callable[[], bool]:
    return lambda: order.status is status


def _closed(*orders: Order) -> Callable[[], bool]:
    return lambda: all(o.is_closed for o in orders)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class _Run:
    """One check's bus, adapter, recorder and factory."""

    def __init__(
        self, harness: Any, check: str, *, allowed: frozenset[AnomalyKind] = frozenset()
    ) -> None:
        self.h = harness
        self.check = check
        self.bus = EventBus()
        self.venue = harness.make_venue(self.bus)
        self.rec = EventRecorder(self.bus, self.venue.venue)
        self.factory = OrderFactory(f"CONF-{check}".replace("_", "-")[:40], id_prefix="ad")
        self.iid = InstrumentId(harness.instrument_id)
        self.orders: list[Order] = []
        self.allowed = allowed

    def track(self, *orders: Order) -> None:
        self.orders.extend(orders)

    async def until(
        self, condition: Callable[[], bool], what: str, timeout: float | None = None
    ) -> None:
        import anyio

        limit = self.h.timeout_s if timeout is None else timeout
        try:
            with anyio.fail_after(limit):
                while not condition():
                    await anyio.sleep(0.005)
        except TimeoutError:
            states = "; ".join(
                f"{o.client_order_id} {o.status.name} "
                f"[{', '.join(type(e).__name__ for e in self.rec.for_order(o.client_order_id))}]"
                for o in self.orders
            )
            raise AssertionError(f"{self.check}: waited {limit}s for {what}; {states}") from None

    async def quiet(self, seconds: float = 0.05) -> None:
        import anyio

        await anyio.sleep(seconds)

    async def accepted(self, *orders: Order) -> None:
        self.track(*orders)
        for o in orders:
            self.venue.submit_order(o)
        await self.until(lambda: all(o.status is not _S.SUBMITTED for o in orders), "acks")
        for o in orders:
            _require(
                o.status is _S.ACCEPTED,
                f"{self.check}: {o.client_order_id} should rest ACCEPTED, it is {o.status.name}",
            )

    def verify(self) -> None:
        for order in self.orders:
            try:
                assert_order_events(order, self.rec.for_order(order.client_order_id))
            except AssertionError as exc:
                raise AssertionError(f"{self.check}: {exc}") from None
        bad = [a for a in self.rec.anomalies if a.kind not in self.allowed]
        _require(
            not bad,
            f"{self.check}: the adapter reported anomalies: "
            + "; ".join(f"{a.kind.name}: {a.message}" for a in bad),
        )


def _scenario(harness: Any) -> ConformanceScenario:
    return ConformanceScenario(
        make_venue=harness.make_venue,
        instrument_id=harness.instrument_id,
        quantity=harness.quantity,
        resting_buy_price=harness.resting_buy_price,
        resting_sell_price=harness.resting_sell_price,
        cross=harness.cross,
        modify_price=harness.modify_price,
        modify_quantity=harness.modify_quantity,
        timeout_s=harness.timeout_s,
        quiet_s=0.05,
    )


def _contract(check: ConformanceCheck) -> AdapterCheck:
    async def run(harness: Any) -> str | None:
        return await check.run(_scenario(harness))

    return AdapterCheck(f"contract.{check.name}", check.description, run)


# -- book and data ----------------------------------------------------------------------------
class _BookMirror:
    """Rebuilds a book from published BookDeltas (to prove what subscribers get)."""

    def __init__(self) -> None:
        self.bids: dict[Price, Quantity] = {}
        self.asks: dict[Price, Quantity] = {}
        self.snapshots = 0

    def __call__(self, msg: BookDeltas) -> None:
        for d in msg.deltas:
            if d.action is BookAction.CLEAR:
                self.bids.clear()
                self.asks.clear()
                if d.flags & RecordFlag.F_SNAPSHOT:
                    self.snapshots += 1
                continue
            o = d.order
            assert o is not None
            side = self.bids if o.side is OrderSide.BUY else self.asks
            if d.action is BookAction.DELETE or not o.size.is_positive():
                side.pop(o.price, None)
            else:
                side[o.price] = o.size

    def levels(self) -> Book:
        bids = sorted(self.bids.items(), key=lambda kv: kv[0], reverse=True)
        asks = sorted(self.asks.items(), key=lambda kv: kv[0])
        return [(str(p), str(q)) for p, q in bids], [(str(p), str(q)) for p, q in asks]


def _same(a: Book | None, b: Book) -> bool:
    """Equal books, comparing decimal values (``"1.0"`` equals ``"1.00000"``)."""
    if a is None:
        return False
    from decimal import Decimal

    def norm(book: Book) -> tuple[list[tuple[Decimal, Decimal]], ...]:
        return tuple([(Decimal(p), Decimal(q)) for p, q in side] for side in book)

    return norm(a) == norm(b)


async def _synced(run: _Run, mirror: _BookMirror | None = None) -> None:
    h = run.h

    def equal() -> bool:
        ok = _same(h.venue_book(run.venue), h.fake_book())
        if mirror is not None:
            ok = ok and _same(mirror.levels(), h.fake_book())
        return ok

    try:
        await run.until(equal, "the book to match the fake's")
    except AssertionError:
        raise AssertionError(
            f"{run.check}: the adapter's book differs from the fake's: "
            f"adapter {h.venue_book(run.venue)}, published {mirror.levels() if mirror else '-'},"
            f" fake {h.fake_book()}"
        ) from None


async def _check_book_sync(h: Any) -> str | None:
    run = _Run(h, "book_sync")
    if not run.venue.capabilities.book:
        return "skipped: the venue has no book data"
    mirror = _BookMirror()
    run.bus.subscribe(topics.book_deltas(run.iid), mirror)
    async with run.venue:
        run.venue.subscribe_book(run.iid)
        await _synced(run, mirror)
        _require(mirror.snapshots >= 1, "book_sync: the first BookDeltas must be a snapshot")
        for step in range(1, 6):
            h.move_book(step)
            await _synced(run, mirror)
        run.venue.unsubscribe_book(run.iid)
    run.verify()
    return None


async def _check_quotes_and_trades(h: Any) -> str | None:
    run = _Run(h, "quotes_and_trades")
    quotes: list[QuoteTick] = []
    trades: list[TradeTick] = []
    run.bus.subscribe(topics.quotes(run.iid), quotes.append)
    run.bus.subscribe(topics.trades(run.iid), trades.append)
    async with run.venue:
        run.venue.subscribe_quotes(run.iid)
        run.venue.subscribe_trades(run.iid)
        await run.quiet(0.1)
        h.move_book(7)

        def top_matches() -> bool:
            bids, asks = h.fake_book()
            if not quotes or not bids or not asks:
                return False
            q = quotes[-1]
            return _same(
                ([(str(q.bid_price), str(q.bid_size))], [(str(q.ask_price), str(q.ask_size))]),
                ([bids[0]], [asks[0]]),
            )

        await run.until(top_matches, "a quote equal to the fake's top of book")
        bids, _ = h.fake_book()
        price = Price(bids[0][0])
        n = len(trades)
        h.print_trade(price, h.quantity, AggressorSide.BUYER)
        await run.until(lambda: len(trades) > n, "a TradeTick")
        t = trades[-1]
        _require(
            t.price == price and t.size == h.quantity and t.aggressor_side is AggressorSide.BUYER,
            f"quotes_and_trades: the trade print arrived as {t}",
        )
        _require(t.instrument_id == run.iid, "quotes_and_trades: wrong instrument id on the trade")
    run.verify()
    return None


# -- orders -------------------------------------------------------------------------------------
async def _check_order_types(h: Any) -> str | None:
    run = _Run(h, "order_types")
    recipes = list(h.order_recipes())
    if not recipes:
        return "skipped: the harness lists no order recipes"
    notes: list[str] = []
    async with run.venue:
        for recipe in recipes:
            order = recipe.make(run.factory)
            run.track(order)
            gap = run.venue.capabilities.supports(order)
            if gap is not None:
                notes.append(f"{recipe.name}: not native ({gap})")
                run.venue.submit_order(order)
                _require(order.status is _S.DENIED, f"order_types: {recipe.name} must be denied")
                continue
            run.venue.submit_order(order)
            await run.until(_answered(order), f"{recipe.name} answer")
            if recipe.outcome == "rest":
                await run.quiet(0.02)
                _require(
                    order.status is _S.ACCEPTED,
                    f"order_types: {recipe.name} should rest, it is {order.status.name}",
                )
                run.venue.cancel_order(order)
                await run.until(_status(order, _S.CANCELED), f"{recipe.name} canceled")
            elif recipe.outcome == "fill":
                await run.until(_status(order, _S.FILLED), f"{recipe.name} filled")
            elif recipe.outcome == "cancel":
                await run.until(_closed(order), f"{recipe.name} closed")
                _require(
                    order.status in (_S.CANCELED, _S.EXPIRED, _S.FILLED),
                    f"order_types: {recipe.name} should end canceled/expired, it is "
                    f"{order.status.name}",
                )
                _require(
                    order.status is not _S.FILLED,
                    f"order_types: {recipe.name} must not fill completely",
                )
            elif recipe.outcome == "reject":
                await run.until(_closed(order), f"{recipe.name} rejected")
                last = run.rec.for_order(order.client_order_id)[-1]
                _require(
                    order.status is _S.REJECTED
                    and str(getattr(last, "code", "")) == recipe.reject_code,
                    f"order_types: {recipe.name} should be rejected {recipe.reject_code}, got "
                    f"{order.status.name} {getattr(last, 'code', '')} "
                    f"{getattr(last, 'reason', '')}",
                )
            else:
                raise AssertionError(f"order_types: unknown outcome {recipe.outcome!r}")
        await run.quiet()
    run.verify()
    return "; ".join(notes) or None


async def _check_triggers(h: Any) -> str | None:
    run = _Run(h, "triggers")
    recipes = list(h.trigger_recipes())
    if not recipes:
        return "skipped: no conditional orders are native on this venue"
    async with run.venue:
        for recipe, price, aggressor in recipes:
            order = recipe.make(run.factory)
            await run.accepted(order)
            h.print_trade(price, Quantity.from_raw(h.quantity.raw, h.quantity.precision), aggressor)
            if recipe.outcome == "fill":
                await run.until(_status(order, _S.FILLED), f"{recipe.name} filled")
            else:
                await run.until(_closed(order), f"{recipe.name} closed")
        await run.quiet()
    run.verify()
    return None


async def _check_contingencies(h: Any) -> str | None:
    run = _Run(h, "contingencies")
    recipes = list(h.list_recipes())
    if not recipes:
        return "skipped: the venue has no native order lists"
    async with run.venue:
        for recipe in recipes:
            order_list = recipe.make(run.factory)
            gap = run.venue.capabilities.supports_list(order_list)
            _require(gap is None, f"contingencies: {recipe.name} is not native: {gap}")
            run.track(*order_list.orders)
            run.venue.submit_order_list(order_list)
            await run.until(_answered(*order_list.orders), f"{recipe.name} acknowledged")
            for o in order_list:
                _require(
                    o.status is _S.ACCEPTED,
                    f"contingencies: {recipe.name} member {o.client_order_id} is "
                    f"{o.status.name}, expected ACCEPTED",
                )
            await _maybe(recipe.drive(h, order_list))
            await _follows(run, recipe, order_list)
            run.venue.cancel_all_orders(run.iid)
            await run.until(_closed(*order_list.orders), f"{recipe.name} cleaned up")
        await run.quiet()
    run.verify()
    return None


async def _follows(run: _Run, recipe: ListRecipe, order_list: OrderList) -> None:
    problem: list[str | None] = [None]

    def settled() -> bool:
        problem[0] = recipe.check(order_list)
        return problem[0] is None

    try:
        await run.until(settled, f"{recipe.name} to follow its rules")
    except AssertionError:
        raise AssertionError(f"contingencies: {recipe.name}: {problem[0]}") from None


async def _check_contingency_emulated(h: Any) -> str | None:
    from lyra.contingency import ContingencyManager

    run = _Run(h, "contingency_emulated")
    order_list = h.emulated_list(run.factory)
    if order_list is None:
        return "skipped: the harness gives no list to emulate"
    async with run.venue:
        manager = ContingencyManager(run.venue, run.bus, prefer_native=False)
        run.track(*order_list.orders)
        manager.submit(order_list)
        parent = order_list.orders[0]
        await run.until(lambda: parent.status is _S.ACCEPTED, "the parent acknowledged")
        await _maybe(h.cross(run.venue, parent))
        await run.until(lambda: parent.status is _S.FILLED, "the parent filled")
        children = order_list.orders[1:]
        await run.until(
            lambda: all(c.status is _S.ACCEPTED for c in children), "the children working"
        )
        first = children[0]
        await _maybe(h.cross(run.venue, first))
        await run.until(
            lambda: first.status is _S.FILLED and all(c.is_closed for c in children),
            "the first child filled and the other canceled (OCO)",
        )
        _require(
            all(c.status is _S.CANCELED for c in children[1:]),
            "contingency_emulated: the other children must be canceled",
        )
        manager.close()
        await run.quiet()
    run.verify()
    return None


# -- connection faults ----------------------------------------------------------------------------
async def _check_reconnect(h: Any) -> str | None:
    run = _Run(h, "reconnect")
    statuses: list[ConnectionStatus] = []
    run.bus.subscribe(
        topics.venue_status(run.venue.venue),
        lambda e: statuses.append(getattr(e, "status", None)),  # type: ignore[arg-type]
    )
    async with run.venue:
        run.venue.subscribe_book(run.iid)
        await _synced(run)
        buy = run.factory.limit(run.iid, OrderSide.BUY, h.quantity, h.resting_buy_price)
        sell = run.factory.limit(run.iid, OrderSide.SELL, h.quantity, h.resting_sell_price)
        await run.accepted(buy, sell)
        n = len(statuses)
        _require(h.drop("user") > 0, "reconnect: the fake had no user-stream connection to drop")
        await run.until(
            lambda: ConnectionStatus.RECONNECTING in statuses[n:], "RECONNECTING", timeout=5
        )
        # a fill while the stream is down must be caught up after the reconnect
        await _maybe(h.cross(run.venue, buy))
        await run.until(lambda: run.venue.status is ConnectionStatus.CONNECTED, "CONNECTED again")
        await run.until(lambda: buy.status is _S.FILLED, "the missed fill")
        _require(sell.status is _S.ACCEPTED, f"reconnect: the SELL is {sell.status.name}")
        h.drop("market")
        h.move_book(3)
        await _synced(run)
        run.venue.cancel_order(sell)
        await run.until(lambda: sell.status is _S.CANCELED, "the SELL canceled")
        await run.quiet()
    run.verify()
    return None


async def _check_reconcile(h: Any) -> str | None:
    run = _Run(h, "reconcile")
    async with run.venue:
        buy = run.factory.limit(run.iid, OrderSide.BUY, h.quantity, h.resting_buy_price)
        other = run.factory.limit(run.iid, OrderSide.SELL, h.quantity, h.resting_sell_price)
        await run.accepted(buy, other)
        await _maybe(h.cross(run.venue, buy))
        await run.until(lambda: buy.status is _S.FILLED, "the BUY filled")
        report: ReconciliationReport = await run.venue.reconcile(0)
        r = report.order(other.client_order_id)
        _require(r is not None and r.is_open, "reconcile: the open order is missing")
        fills = report.fills_for(buy.venue_order_id or "")
        _require(
            {f.trade_id for f in fills} == set(buy.trade_ids),
            f"reconcile: fills {[f.trade_id for f in fills]} != {sorted(buy.trade_ids)}",
        )
        _require(bool(report.balances), "reconcile: the report lists no balance")
        run.venue.cancel_order(other)
        await run.until(lambda: other.is_closed, "the open order canceled")
    run.verify()
    return None


async def _check_fault_sequence_gap(h: Any) -> str | None:
    run = _Run(h, "fault_sequence_gap", allowed=frozenset({AnomalyKind.SEQUENCE_GAP}))
    mirror = _BookMirror()
    run.bus.subscribe(topics.book_deltas(run.iid), mirror)
    async with run.venue:
        run.venue.subscribe_book(run.iid)
        await _synced(run, mirror)
        snapshots = mirror.snapshots
        h.skip_sequence()
        h.move_book(2)
        h.move_book(4)
        await run.until(
            lambda: any(a.kind is AnomalyKind.SEQUENCE_GAP for a in run.rec.anomalies),
            "a SEQUENCE_GAP anomaly",
        )
        await _synced(run, mirror)
        _require(mirror.snapshots > snapshots, "fault_sequence_gap: no new snapshot was published")
    run.verify()
    return None


async def _check_fault_malformed(h: Any) -> str | None:
    run = _Run(
        h, "fault_malformed", allowed=frozenset({AnomalyKind.UNPARSEABLE, AnomalyKind.SEQUENCE_GAP})
    )
    async with run.venue:
        run.venue.subscribe_book(run.iid)
        await _synced(run)
        h.malformed()
        h.move_book(5)
        await run.until(
            lambda: any(a.kind is AnomalyKind.UNPARSEABLE for a in run.rec.anomalies),
            "an UNPARSEABLE anomaly",
        )
        h.move_book(6)
        await _synced(run)
        _require(run.venue.connected, "fault_malformed: the adapter must stay connected")
    run.verify()
    return None


async def _check_fault_delay(h: Any) -> str | None:
    run = _Run(h, "fault_delay")
    async with run.venue:
        orders = [
            run.factory.limit(run.iid, OrderSide.BUY, h.quantity, h.resting_buy_price)
            for _ in range(3)
        ]
        h.delay_user(0.2)
        await run.accepted(*orders)
        for o in orders:
            run.venue.cancel_order(o)
        await run.until(lambda: all(o.status is _S.CANCELED for o in orders), "cancels")
        await run.quiet(0.3)
    run.verify()
    return None


async def _check_fault_reject(h: Any) -> str | None:
    run = _Run(h, "fault_reject")
    endpoint, code, message, expected = h.rejection()
    async with run.venue:
        order = run.factory.limit(run.iid, OrderSide.BUY, h.quantity, h.resting_buy_price)
        run.track(order)
        h.reject_next(endpoint, code, message)
        run.venue.submit_order(order)
        await run.until(lambda: order.is_closed, "the rejection")
        last = run.rec.for_order(order.client_order_id)[-1]
        _require(
            order.status is _S.REJECTED and str(getattr(last, "code", "")) == expected,
            f"fault_reject: expected REJECTED {expected}, got {order.status.name} "
            f"{getattr(last, 'code', '')}",
        )
        _require(
            str(code) in str(getattr(last, "reason", "")),
            f"fault_reject: the venue's code {code} must be in the reason "
            f"({getattr(last, 'reason', '')!r})",
        )
    run.verify()
    return None


ADAPTER_CHECKS: tuple[AdapterCheck, ...] = (
    *(_contract(c) for c in CONFORMANCE_CHECKS),
    AdapterCheck("book_sync", "snapshot + diffs equal the fake's book", _check_book_sync),
    AdapterCheck(
        "quotes_and_trades", "quotes and trades arrive as published", _check_quotes_and_trades
    ),
    AdapterCheck(
        "order_types", "every supported order type reaches its outcome", _check_order_types
    ),
    AdapterCheck("triggers", "conditional orders trigger and fill", _check_triggers),
    AdapterCheck(
        "contingencies", "native order lists follow the venue's rules", _check_contingencies
    ),
    AdapterCheck(
        "contingency_emulated",
        "an emulated OTO/OCO list over the adapter",
        _check_contingency_emulated,
    ),
    AdapterCheck("reconnect", "dropped streams reconnect and catch up", _check_reconnect),
    AdapterCheck("reconcile", "reconcile reports orders, fills and balances", _check_reconcile),
    AdapterCheck(
        "fault_sequence_gap", "a skipped update forces a resync", _check_fault_sequence_gap
    ),
    AdapterCheck(
        "fault_malformed", "a malformed frame is reported, not fatal", _check_fault_malformed
    ),
    AdapterCheck("fault_delay", "delayed user frames lose nothing", _check_fault_delay),
    AdapterCheck("fault_reject", "a venue error becomes the right rejection", _check_fault_reject),
)
"""Every adapter check, the venue contract's first."""


async def run_adapter_conformance(
    harness: Any, checks: Sequence[AdapterCheck] = ADAPTER_CHECKS
) -> list[tuple[str, str]]:
    """Run ``checks`` in order; returns ``(name, "passed" | note)`` for each and raises
    :class:`AssertionError` at the first violation."""
    results: list[tuple[str, str]] = []
    for check in checks:
        note = await check.run(harness)
        results.append((check.name, note or "passed"))
    return results
