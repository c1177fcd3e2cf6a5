"""Serializing orders, order lists and order events (msgpack and JSON), exactly.

Wire forms are :mod:`lyra.model.codec`'s (prices and quantities as decimal strings with their
precision, money as ``"<amount> <CODE>"``, ids as strings, enums as integers). An event is
its tagged struct; an order is an :class:`OrderRecord` holding its events (decoding replays
them, so the order comes back equal, ``==``, to the original); an order list is an
:class:`OrderListRecord` holding its structure and each member's events.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from lyra.errors import InvalidInput
from lyra.model.codec import Decoder, Format, encode_json, encode_msgpack, register_struct
from lyra.model.enums import ContingencyType
from lyra.model.identifiers import OrderListId
from lyra.orders.events import OrderEvent
from lyra.orders.lists import OrderList, ReleasePolicy
from lyra.orders.order import Order

__all__ = (
    "OrderListRecord",
    "OrderRecord",
    "decode_event",
    "decode_order",
    "decode_order_list",
    "encode_event",
    "encode_order",
    "encode_order_list",
)


class OrderRecord(msgspec.Struct, frozen=True, tag="Order"):
    """The wire form of an :class:`~lyra.orders.Order`: its events, oldest first."""

    events: tuple[OrderEvent, ...]

    @classmethod
    def of(cls, order: Order) -> OrderRecord:
        """The record of ``order``."""
        return cls(events=order.events)

    def to_order(self) -> Order:
        """Rebuild the order by replaying the events."""
        return Order.from_events(self.events)


class OrderListRecord(msgspec.Struct, frozen=True, tag="OrderList"):
    """The wire form of an :class:`~lyra.orders.OrderList`."""

    order_list_id: OrderListId
    contingency_type: ContingencyType
    orders: tuple[OrderRecord, ...]
    release_policy: ReleasePolicy | None = None
    children_contingency: ContingencyType = ContingencyType.NO_CONTINGENCY
    ts_init: int = 0

    @classmethod
    def of(cls, order_list: OrderList) -> OrderListRecord:
        """The record of ``order_list``."""
        return cls(
            order_list_id=order_list.order_list_id,
            contingency_type=order_list.contingency_type,
            orders=tuple(OrderRecord.of(o) for o in order_list.orders),
            release_policy=order_list.release_policy,
            children_contingency=order_list.children_contingency,
            ts_init=order_list.ts_init,
        )

    def to_order_list(self) -> OrderList:
        """Rebuild the list (its structure is checked again)."""
        return OrderList(
            self.order_list_id,
            [r.to_order() for r in self.orders],
            contingency_type=self.contingency_type,
            release_policy=self.release_policy,
            children_contingency=self.children_contingency,
            ts_init=self.ts_init,
        )


_T = TypeVar("_T")

register_struct(OrderRecord)
register_struct(OrderListRecord)

_EVENT_DECODERS: dict[str, Decoder[OrderEvent]] = {
    "msgpack": Decoder(OrderEvent, "msgpack"),
    "json": Decoder(OrderEvent, "json"),
}
_ORDER_DECODERS: dict[str, Decoder[OrderRecord]] = {
    "msgpack": Decoder(OrderRecord, "msgpack"),
    "json": Decoder(OrderRecord, "json"),
}
_LIST_DECODERS: dict[str, Decoder[OrderListRecord]] = {
    "msgpack": Decoder(OrderListRecord, "msgpack"),
    "json": Decoder(OrderListRecord, "json"),
}


def _encode(obj: msgspec.Struct, format: Format) -> bytes:
    if format == "msgpack":
        return encode_msgpack(obj)
    if format == "json":
        return encode_json(obj)
    raise InvalidInput("format", "must be 'msgpack' or 'json'", format)


def _decoder(table: dict[str, Decoder[_T]], format: str) -> Decoder[_T]:
    dec = table.get(format)
    if dec is None:
        raise InvalidInput("format", "must be 'msgpack' or 'json'", format)
    return dec


def encode_event(event: OrderEvent, format: Format = "msgpack") -> bytes:
    """Serialize one order event."""
    return _encode(event, format)


def decode_event(data: bytes | str, format: Format = "msgpack") -> OrderEvent:
    """Deserialize one order event (any type: the tag says which)."""
    return _decoder(_EVENT_DECODERS, format).decode(data)


def encode_order(order: Order, format: Format = "msgpack") -> bytes:
    """Serialize an order (as its events)."""
    return _encode(OrderRecord.of(order), format)


def decode_order(data: bytes | str, format: Format = "msgpack") -> Order:
    """Deserialize an order by replaying its events."""
    return _decoder(_ORDER_DECODERS, format).decode(data).to_order()


def encode_order_list(order_list: OrderList, format: Format = "msgpack") -> bytes:
    """Serialize an order list with every member order."""
    return _encode(OrderListRecord.of(order_list), format)


def decode_order_list(data: bytes | str, format: Format = "msgpack") -> OrderList:
    """Deserialize an order list, rebuilding its orders."""
    return _decoder(_LIST_DECODERS, format).decode(data).to_order_list()
