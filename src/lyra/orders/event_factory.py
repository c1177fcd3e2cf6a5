"""Building an order's lifecycle events without repeating its ids and timestamps.

:class:`EventFactory` takes an :class:`~lyra.orders.Order` and the facts of what happened
(a venue order id, a fill's trade id, price and quantity) and returns the event, with the
order's ``strategy_id`` / ``instrument_id`` / ``client_order_id``, a fresh deterministic
``event_id`` (``"<id_prefix><n>"``, ``n`` counting up from ``start_count + 1``), and
``ts_init`` from the clock. ``ts_event`` defaults to the clock's time too; pass the venue's
timestamp when there is one. The factory does not apply the event: call
``order.apply(event)``.
"""

from __future__ import annotations

from lyra.errors import InvalidInput
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide
from lyra.model.identifiers import AccountId, PositionId, TradeId, VenueOrderId
from lyra.model.values import Money, Price, Quantity
from lyra.orders._time import TimeSource, as_time_fn
from lyra.orders.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEmulated,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderReleased,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.order import Order

__all__ = ("EventFactory",)


def _venue_id(value: VenueOrderId | str | None) -> VenueOrderId | None:
    if value is None or isinstance(value, VenueOrderId):
        return value
    return VenueOrderId(value)


def _account_id(value: AccountId | str | None) -> AccountId | None:
    if value is None or isinstance(value, AccountId):
        return value
    return AccountId(value)


class EventFactory:
    """Makes order events for an order, numbering them deterministically.

    ``clock`` is a :class:`lyra.clock.Clock`, a ``() -> int`` nanosecond function, or
    ``None`` for wall time.
    """

    __slots__ = ("_count", "_now", "_prefix")

    def __init__(
        self, clock: TimeSource = None, *, id_prefix: str = "E", start_count: int = 0
    ) -> None:
        if not isinstance(id_prefix, str):
            raise InvalidInput("id_prefix", "must be a str", id_prefix)
        if type(start_count) is not int or start_count < 0:
            raise InvalidInput("start_count", "must be a non-negative int", start_count)
        self._now = as_time_fn(clock)
        self._prefix = id_prefix
        self._count = start_count

    @property
    def count(self) -> int:
        """How many event ids have been issued (the last id's number)."""
        return self._count

    @property
    def id_prefix(self) -> str:
        """What every event id starts with."""
        return self._prefix

    def now(self) -> int:
        """The clock's time in nanoseconds."""
        return self._now()

    def next_event_id(self) -> str:
        """A new event id: ``id_prefix`` followed by the next number."""
        self._count += 1
        return f"{self._prefix}{self._count}"

    def denied(
        self, order: Order, reason: str, code: str, *, ts_event: int | None = None
    ) -> OrderDenied:
        """Lyra refused the order before sending it."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderDenied(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reason=reason,
            code=code,
        )

    def emulated(self, order: Order, *, ts_event: int | None = None) -> OrderEmulated:
        """The emulator took the order."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderEmulated(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
        )

    def released(
        self, order: Order, released_price: Price | None = None, *, ts_event: int | None = None
    ) -> OrderReleased:
        """The emulator released the order."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderReleased(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            released_price=released_price,
        )

    def submitted(
        self,
        order: Order,
        *,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
    ) -> OrderSubmitted:
        """The order was sent to the venue."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderSubmitted(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def accepted(
        self,
        order: Order,
        venue_order_id: VenueOrderId | str,
        *,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderAccepted:
        """The venue acknowledged the order under ``venue_order_id``."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        vid = _venue_id(venue_order_id)
        assert vid is not None
        return OrderAccepted(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=vid,
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def rejected(
        self,
        order: Order,
        reason: str,
        code: str,
        *,
        due_post_only: bool = False,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderRejected:
        """The venue refused the order."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderRejected(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
            reason=reason,
            code=code,
            due_post_only=due_post_only,
        )

    def canceled(
        self,
        order: Order,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderCanceled:
        """The order was canceled."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderCanceled(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def expired(
        self,
        order: Order,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderExpired:
        """The order expired."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderExpired(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def triggered(
        self,
        order: Order,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderTriggered:
        """The order's trigger condition was met."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderTriggered(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def pending_update(
        self,
        order: Order,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
    ) -> OrderPendingUpdate:
        """A modify request was sent."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderPendingUpdate(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def pending_cancel(
        self,
        order: Order,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
    ) -> OrderPendingCancel:
        """A cancel request was sent."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderPendingCancel(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
        )

    def modify_rejected(
        self,
        order: Order,
        reason: str,
        code: str,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderModifyRejected:
        """A modify request was refused."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderModifyRejected(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
            reason=reason,
            code=code,
        )

    def cancel_rejected(
        self,
        order: Order,
        reason: str,
        code: str,
        *,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderCancelRejected:
        """A cancel request was refused."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderCancelRejected(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
            reason=reason,
            code=code,
        )

    def updated(
        self,
        order: Order,
        *,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
        quote_quantity: bool | None = None,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderUpdated:
        """The order was modified; ``quantity`` defaults to the current one."""
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderUpdated(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=venue_order_id
            if venue_order_id is None or type(venue_order_id) is VenueOrderId
            else _venue_id(venue_order_id),
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
            quantity=order.quantity if quantity is None else quantity,
            price=price,
            trigger_price=trigger_price,
            quote_quantity=quote_quantity,
        )

    def filled(
        self,
        order: Order,
        *,
        trade_id: TradeId | str,
        last_qty: Quantity,
        last_px: Price,
        commission: Money,
        currency: Currency | None = None,
        liquidity_side: LiquiditySide = LiquiditySide.TAKER,
        venue_order_id: VenueOrderId | str | None = None,
        account_id: AccountId | str | None = None,
        position_id: PositionId | str | None = None,
        ts_event: int | None = None,
        reconciliation: bool = False,
    ) -> OrderFilled:
        """A fill of ``last_qty`` at ``last_px``.

        ``currency`` (of ``last_px``) defaults to the commission's currency;
        ``venue_order_id`` defaults to the order's and is required if it has none yet.
        """
        vid = _venue_id(venue_order_id) or order.venue_order_id
        if vid is None:
            raise InvalidInput(
                "venue_order_id", "is required: the order has no venue order id yet", None
            )
        now = self._now()
        ts = now if ts_event is None else ts_event
        return OrderFilled(
            strategy_id=order._strategy_id,
            instrument_id=order._instrument_id,
            client_order_id=order._client_order_id,
            event_id=self.next_event_id(),
            ts_event=ts,
            ts_init=now,
            reconciliation=reconciliation,
            venue_order_id=vid,
            account_id=account_id
            if account_id is None or type(account_id) is AccountId
            else _account_id(account_id),
            trade_id=trade_id if isinstance(trade_id, TradeId) else TradeId(trade_id),
            order_side=order.side,
            order_type=order.order_type,
            last_qty=last_qty,
            last_px=last_px,
            currency=commission.currency if currency is None else currency,
            commission=commission,
            liquidity_side=liquidity_side,
            position_id=(
                position_id
                if position_id is None or isinstance(position_id, PositionId)
                else PositionId(position_id)
            ),
        )
