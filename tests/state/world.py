"""A small world for recovery tests: a hosted exchange, and a trader that can crash.

:class:`World` keeps the venue (a :class:`~.link.VenueHost` over a SimulatedExchange) and
the store across "restarts"; the trader's side -- bus, linked venue, recovery, recorder --
is made fresh by each :meth:`World.start`, and :meth:`World.crash` throws it away with
whatever it had not flushed, as a killed process would.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lyra.bus import EventBus
from lyra.model.data import QuoteTick
from lyra.model.enums import OrderSide
from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.state import MemoryStore, ReconciliationDifference, Recovery, StateStore, recover

from .killer import new_host
from .link import DirectTransport, LinkedVenue
from .scenario import IID, PAIR, T0, fresh_portfolio


class World:
    def __init__(self, *, native: bool = False, store: StateStore | None = None) -> None:
        self.host = new_host(native)
        self.store: StateStore = store if store is not None else MemoryStore()
        self.now = [T0]
        self.restarts = 0
        self.bus = EventBus()
        self.link: LinkedVenue
        self.recovery: Recovery
        self.published: list[ReconciliationDifference] = []
        self.factory = OrderFactory("S-1", clock=self.clock, epoch=1)

    def clock(self) -> int:
        return self.now[0]

    def start(self, **options: Any) -> Recovery:
        self.restarts += 1
        self.bus = EventBus()
        self.published = []
        self.bus.subscribe("events.reconciliation.*", self.published.append)
        self.link = LinkedVenue(
            DirectTransport(self.host),
            self.bus,
            self.clock,
            self.host.exchange.capabilities,
            id_prefix=f"L{self.restarts}-",
        )
        options.setdefault("portfolio", fresh_portfolio())
        self.recovery = asyncio.run(
            recover(
                self.store,
                self.bus,
                venues=[self.link],
                instruments=[PAIR],
                clock=self.clock,
                **options,
            )
        )
        self.link.pump()
        # a fresh factory per run, with its own ids (as a restarted strategy would make)
        self.factory = OrderFactory("S-1", clock=self.clock, epoch=self.restarts)
        return self.recovery

    @property
    def venue(self) -> Any:
        return self.recovery.venue(self.link)

    def crash(self) -> None:
        """The trader dies: its objects and anything not flushed are gone."""
        self.host.take()
        del self.recovery

    def quote(self, bid: str, ask: str, size: str = "5.000", *, deliver: bool = True) -> None:
        """The market moves; the trader hears of it (unless it is down)."""
        self.now[0] += 1_000_000_000
        q = QuoteTick(
            IID, Price(bid), Price(ask), Quantity(size), Quantity(size), self.now[0], self.now[0]
        )
        events = self.host.feed(q)
        if deliver:
            self.link.deliver(events)
            self.link.pump()

    def limit(self, side: OrderSide, qty: str, price: str) -> Order:
        return self.factory.limit(IID, side, Quantity(qty), Price(price))

    def kinds(self) -> list[str]:
        return [d.kind.name for d in self.recovery.differences]

    def venue_copy(self, cid: str) -> Order:
        return self.host.copies[cid]
