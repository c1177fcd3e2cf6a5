"""The deterministic trading scenario the recovery and crash tests run.

A strategy trades one pair on a simulated exchange through a :class:`~.link.LinkedVenue`:
limit orders (some marketable, some resting), cancels and price modifies of earlier orders,
OCO pairs and brackets (emulated by a ContingencyManager: the exchange has no native
lists). The quote path and every decision come from ``random.Random(seed, step)``; the
exchange's ids and the strategy's ids are counters. So an uninterrupted run is a pure
function of ``(seed, steps)``, and a run that crashed and recovered must end in the same
state.

Every action is idempotent, as a strategy that survives restarts must be: an order or a
list is created only if its id is not in the recovered state (an order recorded but never
sent is sent), and a cancel or modify names its target by id and is skipped when the
target no longer needs it. The strategy's progress (the last step done) is in its
key/value area.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from lyra.bus import EventBus
from lyra.contingency import ContingencyManager, ListState
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import ContingencyType, OrderSide, OrderStatus, OrderType
from lyra.model.identifiers import ClientOrderId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.portfolio import CashAccount, Portfolio
from lyra.state import Recovery, StateStore, recover
from lyra.venue import VenueCapabilities

from .link import DirectTransport, LinkedVenue, Transport

USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
PAIR = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
IID = PAIR.id
T0 = 1_767_225_600_000_000_000
STEP_NS = 1_000_000_000
BALANCES = (Money("1000000", USDT), Money("1000", BTC))
STRATEGY = "S-1"
TICK = Decimal("0.05")


def quotes(seed: int, steps: int) -> list[QuoteTick]:
    """The market: a random walk of the mid, one quote a second."""
    rng = random.Random(f"quotes-{seed}")
    mid = Decimal(100)
    out = []
    for i in range(steps):
        mid += TICK * rng.choice((-2, -1, -1, 0, 1, 1, 2))
        size = Quantity(rng.choice(("0.8", "1.5", "3")))
        out.append(
            QuoteTick(
                IID,
                Price(f"{mid - TICK:.2f}"),
                Price(f"{mid + TICK:.2f}"),
                size,
                size,
                T0 + (i + 1) * STEP_NS,
                T0 + (i + 1) * STEP_NS,
            )
        )
    return out


def mid_of(quote: QuoteTick) -> Decimal:
    return (quote.bid_price.as_decimal() + quote.ask_price.as_decimal()) / 2


def _px(value: Decimal) -> Price:
    return Price(f"{value:.2f}")


def plan(seed: int, i: int) -> list[tuple[str, Any]]:
    """What the strategy does at step ``i`` (a pure function of the seed and the step)."""
    rng = random.Random(f"plan-{seed}-{i}")
    actions: list[tuple[str, Any]] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        roll = rng.random()
        side = rng.choice((OrderSide.BUY, OrderSide.SELL))
        if roll < 0.40:
            actions.append(
                ("limit", (side, rng.randint(-3, 3), rng.choice(("0.500", "1.000", "2.000"))))
            )
        elif roll < 0.55:
            actions.append(
                (
                    "bracket",
                    (side, rng.randint(-1, 2), rng.choice(("1.000", "2.000")), rng.random() < 0.5),
                )
            )
        elif roll < 0.65:
            actions.append(("oco", (rng.randint(2, 5), rng.choice(("0.500", "1.000")))))
        elif roll < 0.85:
            actions.append(("cancel", rng.randint(1, 8)))
        else:
            actions.append(("modify", (rng.randint(1, 8), rng.randint(-2, 2))))
    return actions


class Strategy:
    """The scenario's strategy over a recovered state (see the module docs)."""

    def __init__(self, recovery: Recovery, venue: LinkedVenue, seed: int, clock: Callable[[], int]):
        self.recovery = recovery
        self.link = venue
        self.venue = recovery.venue(venue)
        self.manager: ContingencyManager = recovery.manager(venue)
        self.state = recovery.strategy_state(STRATEGY)
        self.orders = recovery.orders
        self.seed = seed
        self.clock = clock

    @property
    def last_step(self) -> int:
        value: int = self.state.get_value("step", int, -1)
        return value

    def step(self, i: int, quote: QuoteTick) -> None:
        mid = mid_of(quote)
        for j, (kind, args) in enumerate(plan(self.seed, i)):
            # what the venue answered so far is read before each decision (the strategy
            # reads its inbox between actions); recovery's own commands never read
            self.link.pump()
            if kind == "limit":
                self._limit(i, j, mid, *args)
            elif kind == "bracket":
                self._bracket(i, j, mid, *args)
            elif kind == "oco":
                self._oco(i, j, mid, *args)
            elif kind == "cancel":
                self._cancel(i - args)
            elif kind == "modify":
                self._modify(i - args[0], mid, args[1])
        self.state.set_value("step", i)

    def _factory(self, i: int, j: int) -> OrderFactory:
        return OrderFactory(STRATEGY, clock=self.clock, epoch=1, start_count=i * 100 + j * 10)

    def _limit(self, i: int, j: int, mid: Decimal, side: OrderSide, ticks: int, qty: str) -> None:
        cid = ClientOrderId(f"S{i:04d}L{j}")
        order = self.orders.get(cid)
        if order is None:
            px = mid + TICK * ticks if side is OrderSide.BUY else mid - TICK * ticks
            order = self._factory(i, j).create(
                IID, side, OrderType.LIMIT, Quantity(qty), price=_px(px), client_order_id=cid
            )
            self.orders[cid] = order
        if order.status is OrderStatus.INITIALIZED:
            self.venue.submit_order(order)

    def _bracket(
        self, i: int, j: int, mid: Decimal, side: OrderSide, ticks: int, qty: str, oco: bool
    ) -> None:
        f = self._factory(i, j)
        sign = 1 if side is OrderSide.BUY else -1
        entry = mid + sign * TICK * ticks
        order_list = f.bracket(
            IID,
            side,
            Quantity(qty),
            entry_type=OrderType.LIMIT,
            entry_price=_px(entry),
            stop_loss_trigger_price=_px(entry - sign * Decimal("0.6")),
            take_profit_price=_px(entry + sign * Decimal("0.6")),
            exits_linked=ContingencyType.OCO if oco else ContingencyType.OUO,
        )
        if order_list.order_list_id in self.recovery.order_lists:
            return  # submitted before a restart: the recovered list carries on
        for order in order_list:
            self.orders[order.client_order_id] = order
        self.recovery.submit_list(self.venue, order_list)

    def _oco(self, i: int, j: int, mid: Decimal, away: int, qty: str) -> None:
        f = self._factory(i, j)
        buy = f.limit(IID, OrderSide.BUY, Quantity(qty), _px(mid - TICK * away))
        sell = f.limit(IID, OrderSide.SELL, Quantity(qty), _px(mid + TICK * away))
        order_list = f.oco([buy, sell])
        if order_list.order_list_id in self.recovery.order_lists:
            return
        for order in order_list:
            self.orders[order.client_order_id] = order
        self.recovery.submit_list(self.venue, order_list)

    def _target(self, k: int) -> Order | None:
        return self.orders.get(ClientOrderId(f"S{k:04d}L0")) if k >= 0 else None

    def _cancel(self, k: int) -> None:
        order = self._target(k)
        if order is not None and order.is_open and order.status is not OrderStatus.PENDING_CANCEL:
            self.venue.cancel_order(order)

    def _modify(self, k: int, mid: Decimal, ticks: int) -> None:
        order = self._target(k)
        if order is None or not order.is_open or order.is_pending:
            return
        px = _px(mid + TICK * ticks)
        if order.price != px:
            self.venue.modify_order(order, price=px)


def fresh_portfolio() -> Portfolio:
    return Portfolio(
        instruments=[PAIR], accounts=[CashAccount("SIM-001", BALANCES, allow_borrowing=True)]
    )


def digest(strategy: Strategy) -> dict[str, Any]:
    """What must be equal between a run that crashed and one that did not."""
    pf = strategy.recovery.portfolio
    assert pf is not None
    return digest_of(strategy.orders, pf, strategy.manager.state.lists)


def digest_of(
    orders: Mapping[str, Order], pf: Portfolio, lists: Iterable[ListState]
) -> dict[str, Any]:
    """The digest of orders, a portfolio and contingency lists, as plain data."""
    out_orders = {}
    for cid, o in sorted(orders.items()):
        if o.strategy_id != STRATEGY:
            continue
        out_orders[str(cid)] = [
            o.status.name,
            str(o.quantity),
            str(o.filled_qty),
            str(o.avg_px),
            str(o.price),
            str(o.trigger_price),
            None if o.venue_order_id is None else str(o.venue_order_id),
            sorted(str(t) for t in o.trade_ids),
        ]
    positions = {}
    for p in pf.positions():
        positions[str(p.id)] = [
            str(p.signed_qty),
            str(p.avg_px_open),
            str(p.avg_px_close),
            str(p.realized_pnl),
            sorted(str(c) for c in p.total_commissions.values()),
            p.trade_count,
        ]
    balances = {
        str(a.account_id): {
            c.code: str(b.total) for c, b in sorted(a.balances().items(), key=_code)
        }
        for a in pf.accounts()
    }
    out_lists = {}
    for lst in lists:
        out_lists[str(lst.order_list_id)] = [
            lst.released,
            None if lst.winner is None else str(lst.winner),
            lst.closed,
            lst.torn_down,
            lst.cancel_all,
            lst.cancel_parent,
            [
                [str(m.client_order_id), m.status.name, m.filled_raw, m.quantity_raw]
                for m in lst.members
            ],
        ]
    return {"orders": out_orders, "positions": positions, "balances": balances, "lists": out_lists}


def _code(item: tuple[Currency, Any]) -> str:
    return item[0].code


async def start(
    store: StateStore,
    transport: Transport,
    capabilities: VenueCapabilities,
    seed: int,
    now: list[int],
) -> tuple[Strategy, LinkedVenue]:
    """Recover (or start fresh) and build the strategy over the recovered state."""
    bus = EventBus()

    def clock() -> int:
        return now[0]

    venue = LinkedVenue(transport, bus, clock, capabilities, id_prefix=f"L{now[0]:x}-")
    recovery = await recover(
        store,
        bus,
        venues=[venue],
        instruments=[PAIR],
        portfolio=fresh_portfolio(),
        clock=clock,
    )
    venue.pump()
    return Strategy(recovery, venue, seed, clock), venue


def run_step(
    strategy: Strategy, venue: LinkedVenue, i: int, quote: QuoteTick, events: list[Any]
) -> None:
    """One step: the market's events, then the strategy, then everything they caused."""
    venue.deliver(events)
    venue.pump()
    strategy.step(i, quote)
    venue.pump()
    strategy.recovery.recorder.flush()


def run_direct(store: StateStore, host: Any, seed: int, steps: int) -> list[dict[str, Any]]:
    """An uninterrupted run in one process (the baseline); returns the digest after each
    step."""
    now = [T0]
    strategy, venue = asyncio.run(
        start(store, DirectTransport(host), host.exchange.capabilities, seed, now)
    )
    out = []
    for i, quote in enumerate(quotes(seed, steps)):
        now[0] = quote.ts_event
        events = host.feed(quote)
        run_step(strategy, venue, i, quote, events)
        out.append(digest(strategy))
    return out


class Crash(BaseException):
    """A simulated crash: nothing after it runs, nothing pending is saved."""


class CrashingTransport(DirectTransport):
    """A direct link that "crashes" the strategy side at its ``at``-th checkpoint."""

    def __init__(self, host: Any, at: int | None) -> None:
        super().__init__(host)
        self.at = at
        self.points = 0
        self.labels: list[str] = []

    def checkpoint(self, label: str) -> None:
        self.points += 1
        if self.at is not None and self.points == self.at:
            self.labels.append(label)
            raise Crash(label)


def run_with_crashes(
    open_store: Callable[[], StateStore],
    host: Any,
    seed: int,
    steps: int,
    kill_points: list[int],
    baseline: list[dict[str, Any]],
) -> list[str]:
    """Run the scenario, crashing the strategy side at each of ``kill_points`` (checkpoint
    numbers counted from each restart) and recovering in a fresh set of objects; after each
    completed step the state must equal the baseline's. Returns where each crash hit."""
    qs = quotes(seed, steps)
    fed = -1
    hits: list[str] = []
    points = list(kill_points)
    while True:
        at = points.pop(0) if points else None
        transport = CrashingTransport(host, at)
        store = open_store()
        now = [qs[fed].ts_event if fed >= 0 else T0]
        try:
            strategy, venue = asyncio.run(
                start(store, transport, host.exchange.capabilities, seed, now)
            )
            i = strategy.last_step + 1
            while i < steps:
                if i > fed:
                    events = host.feed(qs[i])
                    fed = i
                else:
                    events = []
                now[0] = qs[i].ts_event
                run_step(strategy, venue, i, qs[i], events)
                got = digest(strategy)
                if got != baseline[i]:
                    raise AssertionError(_difference(i, baseline[i], got, hits))
                i += 1
            strategy.recovery.recorder.close()
            return hits
        except Crash as crash:
            hits.append(f"{at}: {crash}")
            host.take()  # what the venue sent the dead process is lost with it


def _difference(i: int, want: dict[str, Any], got: dict[str, Any], hits: list[str]) -> str:
    lines = [f"state after step {i} differs from the uninterrupted run (crashes: {hits})"]
    for part in want:
        a, b = want[part], got[part]
        lines.extend(
            f"  {part}[{key}]: want {a.get(key)} got {b.get(key)}"
            for key in sorted(set(a) | set(b), key=str)
            if a.get(key) != b.get(key)
        )
    return "\n".join(lines)
