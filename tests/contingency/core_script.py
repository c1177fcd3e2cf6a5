"""Drive a bare ContingencyCore with hand-made venue events (no venue, no bus)."""

from __future__ import annotations

from typing import Any

from lyra.contingency import Action, ContingencyCore, Publish
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderType
from lyra.model.values import Money, Price, Quantity
from lyra.orders import EventFactory, Order, OrderEvent, OrderFactory

from .script_venue import IID, Ticker

USD = Currency.from_str("USD")


class Script:
    """Makes venue events for orders, applies them to the orders and feeds the core."""

    def __init__(self, core: ContingencyCore | None = None) -> None:
        self.clock = Ticker()
        self.core = core or ContingencyCore()
        self.orders = OrderFactory("S-1", clock=self.clock, epoch=1)
        self.ev = EventFactory(self.clock, id_prefix="V-")
        self.trades = 0
        self.log: list[OrderEvent] = []
        self.by_id: dict[str, Order] = {}

    def feed(self, event: OrderEvent) -> list[Action]:
        order = self.by_id[event.client_order_id]
        order.apply(event)
        self.log.append(event)
        return list(self.core.on_event(event))

    def track(self, *orders: Order) -> None:
        for o in orders:
            self.by_id[o.client_order_id] = o

    # -- venue events ----------------------------------------------------------------------
    def submitted(self, o: Order) -> list[Action]:
        return self.feed(self.ev.submitted(o))

    def accepted(self, o: Order) -> list[Action]:
        return self.feed(self.ev.accepted(o, f"V{o.client_order_id[-3:]}"))

    def live(self, *orders: Order) -> list[Action]:
        out: list[Action] = []
        for o in orders:
            out += self.submitted(o)
            out += self.accepted(o)
        return out

    def fill(self, o: Order, qty: str, trade_id: str | None = None) -> list[Action]:
        self.trades += 1
        return self.feed(
            self.ev.filled(
                o,
                trade_id=trade_id or f"T{self.trades}",
                last_qty=Quantity(qty),
                last_px=Price("100.00"),
                commission=Money.zero(USD),
                currency=USD,
                liquidity_side=LiquiditySide.MAKER,
                venue_order_id=o.venue_order_id or f"V{o.client_order_id[-3:]}",
            )
        )

    def canceled(self, o: Order) -> list[Action]:
        return self.feed(self.ev.canceled(o, venue_order_id=o.venue_order_id))

    def expired(self, o: Order) -> list[Action]:
        return self.feed(self.ev.expired(o, venue_order_id=o.venue_order_id))

    def rejected(self, o: Order, reason: str = "no") -> list[Action]:
        return self.feed(self.ev.rejected(o, reason, "VENUE_REJECTED"))

    def pending_update(self, o: Order) -> list[Action]:
        return self.feed(self.ev.pending_update(o, venue_order_id=o.venue_order_id))

    def updated(self, o: Order, qty: str) -> list[Action]:
        return self.feed(
            self.ev.updated(o, quantity=Quantity(qty), venue_order_id=o.venue_order_id)
        )

    def modify_rejected(self, o: Order) -> list[Action]:
        return self.feed(self.ev.modify_rejected(o, "no", "VENUE_REJECTED"))

    def pending_cancel(self, o: Order) -> list[Action]:
        return self.feed(self.ev.pending_cancel(o, venue_order_id=o.venue_order_id))

    def cancel_rejected(self, o: Order) -> list[Action]:
        return self.feed(self.ev.cancel_rejected(o, "no", "VENUE_REJECTED"))

    # -- orders --------------------------------------------------------------------------------
    def bracket(self, qty: str = "10", **kw: Any) -> Any:
        b = self.orders.bracket(
            IID,
            OrderSide.BUY,
            Quantity(qty),
            entry_type=OrderType.LIMIT,
            entry_price=Price("100.00"),
            stop_loss_trigger_price=Price("90.00"),
            take_profit_price=Price("110.00"),
            **kw,
        )
        self.track(*b.orders)
        return b

    def limit(self, side: OrderSide, qty: str, price: str, **kw: Any) -> Order:
        o = self.orders.limit(IID, side, Quantity(qty), Price(price), **kw)
        self.track(o)
        return o


def commands(actions: list[Action]) -> list[tuple[str, ...]]:
    """Actions other than Publish, as (kind, client order id[, quantity]) tuples."""
    out: list[tuple[str, ...]] = []
    for a in actions:
        if isinstance(a, Publish):
            continue
        q = getattr(a, "quantity", None)
        cid = getattr(a, "client_order_id", None) or getattr(a, "order_list_id", "")
        out.append(
            (type(a).__name__, str(cid)) if q is None else (type(a).__name__, str(cid), str(q))
        )
    return out


def published(actions: list[Action]) -> list[Any]:
    return [a.event for a in actions if isinstance(a, Publish)]
