"""A venue in another place: a SimulatedExchange behind a message link, for recovery tests.

A process that crashes loses its objects, not the venue's. To test that honestly the venue
must not share Order objects with the strategy: :class:`VenueHost` holds a
:class:`~lyra.sim.SimulatedExchange` and its own copy of every order; :class:`LinkedVenue`
is the strategy's side, a full :class:`~lyra.venue.Venue` built on
:class:`~lyra.venue.OrderFlow` that sends commands over a :class:`Transport` and applies
the venue's answers when :meth:`LinkedVenue.pump` runs. The transport is a direct call in
one process (:class:`DirectTransport`) or a socket between two (:class:`SocketTransport`,
used by the crash tests, where the parent hosts the exchange and SIGKILLs the child).

Every command is answered with the events the exchange published for it (after settling),
so a run is deterministic: the same inputs give the same events in the same order.
"""

from __future__ import annotations

import socket
import struct
from collections import deque
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self

import msgspec
import msgspec.structs

from lyra.bus import EventBus
from lyra.errors import NotSupported
from lyra.model.codec import decode_msgpack, encode_msgpack
from lyra.model.data import BarType, QuoteTick
from lyra.model.enums import OrderSide
from lyra.model.identifiers import AccountId, InstrumentId, OrderListId, Venue as VenueName
from lyra.model.values import Price, Quantity
from lyra.orders import (
    Order,
    OrderDenied,
    OrderEvent,
    OrderList,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
)
from lyra.venue import ConnectionStatus, OrderFlow, ReconciliationReport, VenueCapabilities
from lyra.venue.unset import UNSET, Unset

# The strategy side makes these itself (OrderFlow's local half); the host never forwards them.
LOCAL_TYPES = (OrderSubmitted, OrderPendingCancel, OrderPendingUpdate)


def _local_events(order: Order) -> list[OrderEvent]:
    """An order's events without the strategy side's own submit (the host submits again)."""
    return [e for e in order.events if type(e) is not OrderSubmitted]


class VenueHost:
    """The venue's side: a SimulatedExchange and its own copies of the orders it was sent."""

    def __init__(self, exchange: Any, bus: EventBus) -> None:
        self.exchange = exchange
        self.bus = bus
        self.copies: dict[str, Order] = {}
        self.outbox: list[OrderEvent] = []
        self.commands = 0
        bus.subscribe("events.order.*", self._forward)

    def _forward(self, event: OrderEvent) -> None:
        if type(event) in LOCAL_TYPES:
            return
        if type(event) is OrderDenied:
            # the exchange refused a command the strategy side already marked as sent: to
            # the strategy that is the venue rejecting it
            event = OrderRejected(
                strategy_id=event.strategy_id,
                instrument_id=event.instrument_id,
                client_order_id=event.client_order_id,
                event_id=event.event_id,
                ts_event=event.ts_event,
                ts_init=event.ts_init,
                reason=event.reason,
                code=event.code,
            )
        self.outbox.append(event)

    def take(self) -> list[OrderEvent]:
        out = self.outbox
        self.outbox = []
        return out

    def settle(self) -> list[OrderEvent]:
        self.exchange.settle()
        return self.take()

    # -- commands ------------------------------------------------------------------------------
    def handle(self, kind: str, args: tuple[Any, ...]) -> Any:
        self.commands += 1
        if kind == "submit":
            (events,) = args
            order = Order.from_events(events)
            cid = order.client_order_id
            if cid in self.copies:
                raise AssertionError(f"order {cid} submitted twice to the venue")
            self.copies[cid] = order
            self.exchange.submit_order(order)
            return self.settle()
        if kind == "submit_list":
            lid, ctype, release, children, ts_init, members = args
            orders = [Order.from_events(events) for events in members]
            for order in orders:
                if order.client_order_id in self.copies:
                    raise AssertionError(f"order {order.client_order_id} submitted twice")
                self.copies[order.client_order_id] = order
            order_list = OrderList(
                OrderListId(lid),
                orders,
                contingency_type=ctype,
                release_policy=release,
                children_contingency=children,
                ts_init=ts_init,
            )
            self.exchange.submit_order_list(order_list)
            return self.settle()
        if kind == "cancel":
            (cid,) = args
            self.exchange.cancel_order(self.copies[cid])
            return self.settle()
        if kind == "modify":
            cid, qty, px, trig = args
            self.exchange.modify_order(
                self.copies[cid],
                UNSET if qty is None else Quantity(qty),
                UNSET if px is None else Price(px),
                UNSET if trig is None else Price(trig),
            )
            return self.settle()
        if kind == "reconcile":
            (since,) = args
            session = self.exchange._session
            return self.exchange._reconcile(session, since, None)
        raise AssertionError(f"unknown command {kind!r}")

    def feed(self, quote: QuoteTick) -> list[OrderEvent]:
        self.exchange.process_quote(quote)
        return self.settle()


class Transport:
    """How a :class:`LinkedVenue` reaches its host."""

    def call(self, kind: str, *args: Any) -> Any:
        raise NotImplementedError

    def checkpoint(self, label: str) -> None:
        """A point where the crash tests may kill the process (no-op by default)."""


class DirectTransport(Transport):
    """Same process: a direct call."""

    def __init__(self, host: VenueHost) -> None:
        self.host = host

    def call(self, kind: str, *args: Any) -> Any:
        return self.host.handle(kind, args)


# -- the socket protocol: length-prefixed msgpack; Lyra structs go through lyra's codec ------
_HEADER = struct.Struct("!I")


def send_msg(sock: socket.socket, message: Any) -> None:
    data = encode_msgpack(message)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            raise EOFError("the link is closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv_msg(sock: socket.socket) -> Any:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    return msgspec.msgpack.decode(_recv_exact(sock, size))


def decode_struct(obj: Any) -> Any:
    """A Lyra struct that went through msgpack as a dict (registered: typed by its tag)."""
    return decode_msgpack(msgspec.msgpack.encode(obj))


class SocketTransport(Transport):
    """The strategy side of a socket to a host in another process.

    Messages are ``[kind, args]``; the host answers each command with ``["reply", value]``
    and each checkpoint with ``["ok"]`` (or kills the process instead).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.points = 0

    def call(self, kind: str, *args: Any) -> Any:
        send_msg(self.sock, [kind, list(_wire(a) for a in args)])
        reply = recv_msg(self.sock)
        assert reply[0] == "reply", reply
        value = reply[1]
        if kind == "reconcile":
            return decode_struct(value)
        return [decode_struct(e) for e in value]

    def checkpoint(self, label: str) -> None:
        self.points += 1
        send_msg(self.sock, ["checkpoint", [self.points, label]])
        reply = recv_msg(self.sock)
        assert reply[0] == "ok", reply

    def send(self, kind: str, *args: Any) -> None:
        send_msg(self.sock, [kind, list(args)])

    def recv(self) -> Any:
        return recv_msg(self.sock)


def _wire(value: Any) -> Any:
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def host_args(kind: str, args: list[Any]) -> tuple[Any, ...]:
    """Decode a command's arguments on the host side."""
    if kind == "submit":
        return ([decode_struct(e) for e in args[0]],)
    if kind == "submit_list":
        lid, ctype, release, children, ts_init, members = args
        return (
            lid,
            ctype,
            release,
            children,
            ts_init,
            [[decode_struct(e) for e in events] for events in members],
        )
    return tuple(args)


class LinkedVenue:
    """The strategy's side of a linked venue: a :class:`~lyra.venue.Venue`.

    Local checks and local events come from an :class:`~lyra.venue.OrderFlow`, exactly as in
    a live adapter; commands go over the transport; the venue's answers wait in an inbox
    until :meth:`pump` applies and publishes them (as a websocket reader would).
    """

    def __init__(
        self,
        transport: Transport,
        bus: EventBus,
        clock: Callable[[], int],
        capabilities: VenueCapabilities,
        *,
        venue: str = "SIM",
        account_id: str = "SIM-001",
        id_prefix: str = "L-",
    ) -> None:
        self._transport = transport
        self._flow = OrderFlow(
            venue,
            account_id,
            bus,
            clock,
            capabilities=capabilities,
            id_prefix=id_prefix,
            status=ConnectionStatus.CONNECTED,
        )
        self._inbox: deque[OrderEvent] = deque()
        # how deep the bus is in dispatching order events: the "socket reader" (pump) runs
        # only between dispatches, as an adapter's reader task would
        self._depth = 0
        bus.subscribe("events.order.*", self._enter, 2**62)
        bus.subscribe("events.order.*", self._leave, -(2**62))

    def _enter(self, event: object) -> None:
        self._depth += 1

    def _leave(self, event: object) -> None:
        self._depth -= 1

    # -- identity --------------------------------------------------------------------------------
    @property
    def venue(self) -> VenueName:
        return self._flow.venue

    @property
    def account_id(self) -> AccountId:
        return self._flow.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        return self._flow.capabilities

    @property
    def status(self) -> ConnectionStatus:
        return self._flow.status

    @property
    def connected(self) -> bool:
        return self._flow.connected

    @property
    def flow(self) -> OrderFlow:
        return self._flow

    # -- the inbox ---------------------------------------------------------------------------------
    def deliver(self, events: Iterable[OrderEvent]) -> None:
        self._inbox.extend(events)

    def pump(self) -> int:
        """Apply and publish every waiting venue event (handlers may add more); returns
        how many."""
        n = 0
        inbox = self._inbox
        while inbox and self._depth == 0:
            event = inbox.popleft()
            self._transport.checkpoint(f"emit {type(event).__name__} {event.client_order_id}")
            order = self._flow.get(event.client_order_id)
            if order is not None and order.strategy_id != event.strategy_id:
                # a venue knows no strategies: an adapter tags events with its order's
                event = msgspec.structs.replace(event, strategy_id=order.strategy_id)
            self._flow.emit(event)
            n += 1
        return n

    def _send(self, kind: str, *args: Any) -> None:
        self._transport.checkpoint(f"send {kind}")
        events = self._transport.call(kind, *args)
        self._transport.checkpoint(f"sent {kind}")
        self._inbox.extend(events)

    # -- commands --------------------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        if self._flow.begin_submit(order):
            self._send("submit", _local_events(order))

    def submit_order_list(self, order_list: OrderList) -> None:
        if self._flow.begin_submit_list(order_list):
            self._send(
                "submit_list",
                order_list.order_list_id,
                int(order_list.contingency_type),
                None if order_list.release_policy is None else int(order_list.release_policy),
                int(order_list.children_contingency),
                order_list.ts_init,
                [_local_events(o) for o in order_list],
            )

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        if self._flow.begin_modify(order, quantity, price, trigger_price):
            self._send(
                "modify",
                order.client_order_id,
                None if quantity is UNSET else str(quantity),
                None if price is UNSET else str(price),
                None if trigger_price is UNSET else str(trigger_price),
            )

    def cancel_order(self, order: Order) -> None:
        if self._flow.begin_cancel(order):
            self._send("cancel", order.client_order_id)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        for order in self._flow.begin_cancel_all(instrument_id, side):
            self._send("cancel", order.client_order_id)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        self._flow.adopt(orders)

    # -- data: not used by these tests ------------------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        raise NotSupported("data is fed by the host", venue=self.venue)

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        pass

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        raise NotSupported("data is fed by the host", venue=self.venue)

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        pass

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        raise NotSupported("data is fed by the host", venue=self.venue)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        pass

    def subscribe_bars(self, bar_type: BarType) -> None:
        raise NotSupported("data is fed by the host", venue=self.venue)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        pass

    # -- recovery --------------------------------------------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        self._transport.checkpoint("reconcile")
        report: ReconciliationReport = self._transport.call("reconcile", since_ns)
        return report

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return None
