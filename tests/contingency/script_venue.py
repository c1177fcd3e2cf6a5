"""A scriptable venue for the contingency tests: the test decides every venue answer.

Commands (submit, modify, cancel) are checked and published by :class:`lyra.venue.OrderFlow`
and queued; nothing happens at the "exchange" until the test calls :meth:`process` (answer
the next queued command) or :meth:`settle` (answer everything, including what the manager
sends in reaction). Fills happen only when the test calls :meth:`fill` -- any quantity, at
any time, also while a cancel or modify is still queued (the races real venues produce).
``clip_reduce_only`` clips reduce-only fills to the venue's position, as a real venue does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from lyra.model.identifiers import InstrumentId, VenueOrderId
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderList
from lyra.venue import (
    UNSET,
    AmendMode,
    ConnectionStatus,
    OrderFlow,
    RejectCode,
    Unset,
    VenueCapabilities,
)

USD = Currency.from_str("USD")
IID = InstrumentId("BTCUSD.SIM")

FULL = VenueCapabilities(
    order_types=frozenset(OrderType),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD}),
    post_only=True,
    reduce_only=True,
    amend=AmendMode.IN_PLACE,
    amend_quantity=True,
    amend_quantity_increase=True,
    amend_price=True,
    amend_trigger_price=True,
)
"""Every order type, reduce-only, in-place amends; no native lists."""


class Ticker:
    """Deterministic time: every read is 1 µs later."""

    def __init__(self, start: int = 1_767_225_600_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


@dataclass
class Rec:
    """The venue's own record of an order."""

    order: Order
    vid: VenueOrderId
    quantity: Quantity
    filled: Quantity
    open: bool = True
    price: Price | None = None
    trigger_price: Price | None = None

    @property
    def leaves(self) -> Quantity:
        return self.quantity - self.filled if self.open else Quantity.zero(self.quantity.precision)


class ScriptVenue:
    """Implements the commands of :class:`lyra.venue.Venue` the manager uses."""

    def __init__(
        self,
        bus: EventBus,
        clock: Callable[[], int] | None = None,
        *,
        capabilities: VenueCapabilities = FULL,
        clip_reduce_only: bool = True,
    ) -> None:
        self.clock = clock or Ticker()
        self._flow = OrderFlow(
            "SIM",
            "SIM-001",
            bus,
            self.clock,
            capabilities=capabilities,
            status=ConnectionStatus.CONNECTED,
        )
        self.outbox: deque[tuple[Any, ...]] = deque()
        self.book: dict[str, Rec] = {}
        self.position = Quantity.zero(3)  # signed by side is not needed: tests go long
        self.short = False
        self.clip = clip_reduce_only
        self.reject_submit: Callable[[Order], str | None] = lambda order: None
        self.reject_modify: Callable[[Order], str | None] = lambda order: None
        self.reject_cancel: Callable[[Order], str | None] = lambda order: None
        self._ids = 0
        self.commands: list[str] = []

    # -- identity ------------------------------------------------------------------------------
    @property
    def venue(self) -> Any:
        return self._flow.venue

    @property
    def account_id(self) -> Any:
        return self._flow.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        return self._flow.capabilities

    @property
    def flow(self) -> OrderFlow:
        return self._flow

    # -- commands ------------------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        if self._flow.begin_submit(order):
            self.commands.append(f"submit {order.client_order_id} {order.quantity}")
            self.outbox.append(("submit", order))

    def submit_order_list(self, order_list: OrderList) -> None:
        self._flow.begin_submit_list(order_list)  # no native lists: every member denied

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        if self._flow.begin_modify(order, quantity, price, trigger_price):
            self.commands.append(f"modify {order.client_order_id} {quantity}")
            self.outbox.append(("modify", order, quantity, price, trigger_price))

    def cancel_order(self, order: Order) -> None:
        if self._flow.begin_cancel(order):
            self.commands.append(f"cancel {order.client_order_id}")
            self.outbox.append(("cancel", order))

    def cancel_all_orders(self, instrument_id: Any, side: Any = None) -> None:
        for order in self._flow.begin_cancel_all(instrument_id, side):
            self.outbox.append(("cancel", order))

    # -- the exchange ----------------------------------------------------------------------------
    def process(self, n: int = 1) -> int:
        """Answer the next ``n`` queued commands (fewer if fewer are queued)."""
        done = 0
        while self.outbox and done < n:
            self._answer(self.outbox.popleft())
            done += 1
        return done

    def settle(self, limit: int = 10_000) -> None:
        """Answer every queued command, including those sent in reaction, until quiet."""
        for _ in range(limit):
            if not self.process():
                return
        raise AssertionError("the venue never settled")

    def _answer(self, cmd: tuple[Any, ...]) -> None:
        ev = self._flow.events
        kind, order = cmd[0], cmd[1]
        rec = self.book.get(order.client_order_id)
        if kind == "submit":
            reason = self.reject_submit(order)
            if reason is not None:
                self._flow.emit(ev.rejected(order, reason, RejectCode.VENUE_REJECTED))
                return
            self._ids += 1
            rec = Rec(
                order,
                VenueOrderId(f"V-{self._ids}"),
                order.quantity,
                Quantity.zero(order.quantity.precision),
                price=order.price,
                trigger_price=order.trigger_price,
            )
            self.book[order.client_order_id] = rec
            self._flow.emit(ev.accepted(order, rec.vid, account_id=self.account_id))
        elif kind == "modify":
            _, _, quantity, price, trigger = cmd
            reason = self.reject_modify(order)
            if rec is None or not rec.open:
                reason = "the order is not open"
            elif quantity is not UNSET and quantity <= rec.filled:
                reason = f"quantity {quantity} not above filled {rec.filled}"
            if reason is not None:
                self._flow.emit(ev.modify_rejected(order, reason, RejectCode.VENUE_REJECTED))
                return
            assert rec is not None
            if quantity is not UNSET:
                rec.quantity = quantity
            if price is not UNSET:
                rec.price = price
            if trigger is not UNSET:
                rec.trigger_price = trigger
            self._flow.emit(
                ev.updated(
                    order,
                    quantity=rec.quantity,
                    price=None if price is UNSET else price,
                    trigger_price=None if trigger is UNSET else trigger,
                    venue_order_id=rec.vid,
                )
            )
        elif kind == "cancel":
            reason = self.reject_cancel(order)
            if rec is None or not rec.open:
                reason = "too late to cancel"
            if reason is not None:
                self._flow.emit(ev.cancel_rejected(order, reason, RejectCode.VENUE_REJECTED))
                return
            assert rec is not None
            rec.open = False
            self._flow.emit(ev.canceled(order, venue_order_id=rec.vid))

    def fill(self, order: Order, qty: str | Quantity, price: str = "100.00") -> Quantity:
        """Fill ``qty`` of ``order`` now (clipped to what is open, and for reduce-only orders
        to the position when clipping); returns what filled."""
        rec = self.book[order.client_order_id]
        want = Quantity(qty) if isinstance(qty, str) else qty
        if not rec.open:
            return Quantity.zero(want.precision)
        q = min(want, rec.quantity - rec.filled)
        if order.reduce_only and self.clip:
            q = min(q, self.position)
        if not q.is_positive():
            return Quantity.zero(want.precision)
        return self._fill(rec, q, price)

    def late_fill(self, order: Order, qty: str | Quantity, price: str = "100.00") -> Quantity:
        """A fill that executed before the order's cancel but is reported after it."""
        rec = self.book[order.client_order_id]
        q = Quantity(qty) if isinstance(qty, str) else qty
        return self._fill(rec, q, price)

    def _fill(self, rec: Rec, q: Quantity, price: str) -> Quantity:
        ev = self._flow.events
        order = rec.order
        rec.filled = rec.filled + q
        if rec.filled >= rec.quantity:
            rec.open = False
        if order.side is OrderSide.BUY:
            self.position = self.position + q
        else:
            self.position = self.position - q if self.position >= q else Quantity.zero(3)
        self._ids += 1
        self._flow.emit(
            ev.filled(
                order,
                trade_id=f"T-{self._ids}",
                last_qty=q,
                last_px=Price(price),
                commission=Money.zero(USD),
                currency=USD,
                liquidity_side=LiquiditySide.MAKER,
                venue_order_id=rec.vid,
                account_id=self.account_id,
            )
        )
        return q

    def expire(self, order: Order) -> None:
        rec = self.book[order.client_order_id]
        rec.open = False
        self._flow.emit(self._flow.events.expired(order, venue_order_id=rec.vid))

    def working(self) -> dict[str, str]:
        """What the exchange works now: client order id -> open quantity."""
        return {cid: str(r.leaves) for cid, r in self.book.items() if r.open}
