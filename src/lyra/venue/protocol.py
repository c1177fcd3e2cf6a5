"""The :class:`Venue` protocol: the one contract every venue implements.

``SimulatedExchange`` and every live adapter (Binance, OKX, Coinbase, Kraken, ...) implement
it and publish the same events, so a strategy written against :class:`Venue` cannot tell
them apart. The rules every implementation follows -- which events each command produces, in
what order, what is decided locally, what raises -- are in
``docs/explanation/venue-contract.md``; an adapter author starts from
``docs/how-to/write-a-venue-adapter.md`` and :class:`lyra.venue.OrderFlow`, which implements
the local half of those rules once.

In short:

* **Commands are synchronous and return ``None`` at once.** ``submit_order``,
  ``submit_order_list``, ``modify_order``, ``cancel_order`` and ``cancel_all_orders`` publish
  their local event (``OrderSubmitted``, ``OrderPendingUpdate``, ``OrderPendingCancel``, or a
  local refusal) before they return; the venue's answer arrives later, as order events on
  :func:`lyra.topics.order_events` of the order's strategy, applied to the order first.
* **Data subscriptions** are synchronous too and counted; data arrives on the
  :mod:`lyra.topics` data topics. A subscription the venue cannot serve raises
  :class:`~lyra.venue.NotSupported`.
* **Lifecycle** is ``async with venue:`` -- connect, keep alive, reconnect, and disconnect
  on exit -- with :class:`~lyra.venue.VenueStatus` events on
  :func:`lyra.topics.venue_status`. :func:`run_venue` holds a venue open inside a task
  group instead.
* **Recovery:** ``await venue.reconcile(since_ns)`` returns a
  :class:`~lyra.venue.ReconciliationReport`; ``adopt_orders`` hands a venue the orders
  restored after a restart so their events are applied again.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

import lyra.model.identifiers as identifiers
from lyra.model.data import BarType
from lyra.model.enums import OrderSide
from lyra.model.identifiers import AccountId, InstrumentId
from lyra.model.values import Price, Quantity
from lyra.orders.lists import OrderList
from lyra.orders.order import Order
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.events import ConnectionStatus
from lyra.venue.reports import ReconciliationReport
from lyra.venue.unset import UNSET, Unset

if TYPE_CHECKING:
    from anyio.abc import TaskStatus

__all__ = ("Venue", "run_venue")


@runtime_checkable
class Venue(Protocol):
    """A trading venue: commands in, events out on the bus.

    (Not to be confused with :class:`lyra.model.identifiers.Venue`, the venue's *name*,
    which :attr:`venue` returns.) A venue is made with the :class:`~lyra.bus.EventBus` it
    publishes on and the :class:`~lyra.clock.Clock` that stamps ``ts_init``; how is up to
    each implementation. ``isinstance(obj, Venue)`` checks that every member is present.
    """

    # -- identity ----------------------------------------------------------------------------
    @property
    def venue(self) -> identifiers.Venue:
        """The venue's name (``BINANCE``, ``SIM``): the ``VENUE`` of its instrument ids."""
        ...

    @property
    def account_id(self) -> AccountId:
        """The account this venue object trades in."""
        ...

    @property
    def capabilities(self) -> VenueCapabilities:
        """What the venue supports natively."""
        ...

    @property
    def status(self) -> ConnectionStatus:
        """The connection's current status."""
        ...

    @property
    def connected(self) -> bool:
        """Whether :attr:`status` is CONNECTED (commands are sent only then)."""
        ...

    # -- order commands ----------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """Send ``order`` on its own (its contingency links, if any, are not enforced by the
        venue; that is the contingency manager's job).

        Publishes ``OrderSubmitted`` -- or, when refused locally, ``OrderDenied`` and nothing
        else -- before returning; later ``OrderAccepted`` or ``OrderRejected``, then the
        order's life. Raises :class:`~lyra.errors.InvalidOrder` for an order of another venue
        or one still held by the emulator, :class:`~lyra.errors.InvalidTransition` for an
        order that was already submitted; nothing is published then.
        """
        ...

    def submit_order_list(self, order_list: OrderList) -> None:
        """Send ``order_list`` for the venue to enforce natively, all or nothing.

        Every member gets ``OrderSubmitted`` (in list order), or, when the venue cannot take
        the list as a whole (:meth:`VenueCapabilities.supports_list`), every member gets
        ``OrderDenied``. Raises like :meth:`submit_order`.
        """
        ...

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """Change a working order; arguments left :data:`~lyra.venue.UNSET` keep their value.

        ``quantity`` is the new *total* quantity (filled part included). Publishes
        ``OrderPendingUpdate`` (later ``OrderUpdated`` or ``OrderModifyRejected``), or, when
        refused locally, ``OrderModifyRejected`` alone. Raises
        :class:`~lyra.errors.InvalidOrder` when no field is given, a field is ``None``, or
        the order type has no such field.
        """
        ...

    def cancel_order(self, order: Order) -> None:
        """Cancel a working order: ``OrderPendingCancel``, later ``OrderCanceled`` or
        ``OrderCancelRejected``; or, when refused locally, ``OrderCancelRejected`` alone.
        Raises :class:`~lyra.errors.InvalidTransition` for an order that never left Lyra."""
        ...

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        """Cancel every working order of ``instrument_id`` (of one ``side`` if given) that
        this venue tracks and that has no cancel outstanding: each as :meth:`cancel_order`."""
        ...

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        """Track orders this venue object did not submit (restored after a restart), so that
        their venue events are applied and published again."""
        ...

    # -- market data -------------------------------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Publish ``QuoteTick`` on :func:`lyra.topics.quotes` of the instrument."""
        ...

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_quotes`."""
        ...

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Publish ``TradeTick`` on :func:`lyra.topics.trades` of the instrument."""
        ...

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_trades`."""
        ...

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Publish ``BookDeltas`` on :func:`lyra.topics.book_deltas`: a snapshot (flag
        ``F_SNAPSHOT``) first and after every resync, then deltas; ``depth`` levels a side
        (``None``: the venue's full or default depth)."""
        ...

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_book`."""
        ...

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Publish the venue's own (EXTERNAL) ``Bar`` values on :func:`lyra.topics.bars`."""
        ...

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Undo one :meth:`subscribe_bars`."""
        ...

    # -- recovery ----------------------------------------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        """Ask the venue what it holds: open orders, orders closed and fills since
        ``since_ns``, positions, balances (of ``instrument_ids`` only, if given). Raises
        :class:`~lyra.venue.VenueNotConnected` without a connection."""
        ...

    # -- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        """Connect (publishing CONNECTING, then CONNECTED); keep the connection alive and
        reconnect in the background until the block exits."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Disconnect (publishing DISCONNECTED); subscriptions and tracked orders are kept
        for the next ``async with``."""
        ...


async def run_venue(venue: Venue, *, task_status: TaskStatus[None] | Any = None) -> None:
    """Hold ``venue`` connected until cancelled, for task groups::

    async with anyio.create_task_group() as tg:
        await tg.start(run_venue, venue)   # returns once the venue is connected
        ...
        tg.cancel_scope.cancel()           # disconnects
    """
    import anyio

    async with venue:
        if task_status is not None:
            task_status.started()
        await anyio.sleep_forever()
