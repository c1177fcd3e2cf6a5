"""Shared set-up for the contingency tests: a bus, a scriptable venue, a manager, recorders."""

from __future__ import annotations

from typing import Any

from lyra import topics
from lyra.bus import EventBus
from lyra.contingency import AlertKind, ContingencyAlert, ContingencyManager
from lyra.model.enums import ContingencyType, OrderSide, OrderType
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory, OrderList, ReleasePolicy

from .script_venue import IID, ScriptVenue, Ticker


class Harness:
    """One strategy trading through a ContingencyManager on a ScriptVenue."""

    def __init__(self, **venue_kwargs: Any) -> None:
        self.clock = Ticker()
        self.bus = EventBus()
        self.venue = ScriptVenue(self.bus, self.clock, **venue_kwargs)
        self.manager = ContingencyManager(self.venue, self.bus, self.clock)  # type: ignore[arg-type]
        self.orders = OrderFactory("S-1", clock=self.clock, epoch=1)
        self.contingency: list[Any] = []
        self.order_events: list[Any] = []
        self.bus.subscribe(topics.contingency_events("S-1"), self.contingency.append)
        self.bus.subscribe(topics.order_events("S-1"), self.order_events.append)

    @property
    def alerts(self) -> list[ContingencyAlert]:
        return [e for e in self.contingency if isinstance(e, ContingencyAlert)]

    def alert_kinds(self) -> list[AlertKind]:
        return [a.kind for a in self.alerts]

    def bracket(
        self,
        qty: str = "10",
        *,
        release: ReleasePolicy = ReleasePolicy.ON_FIRST_FILL,
        exits: ContingencyType = ContingencyType.OUO,
    ) -> OrderList:
        return self.orders.bracket(
            IID,
            OrderSide.BUY,
            Quantity(qty),
            entry_type=OrderType.LIMIT,
            entry_price=Price("100.00"),
            stop_loss_trigger_price=Price("90.00"),
            take_profit_price=Price("110.00"),
            exits_linked=exits,
            release=release,
        )

    def limit(self, side: OrderSide, qty: str, price: str, **kw: Any) -> Any:
        return self.orders.limit(IID, side, Quantity(qty), Price(price), **kw)
