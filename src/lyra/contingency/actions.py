"""Actions: what the decision core asks its driver to do, as plain values.

:class:`~lyra.contingency.ContingencyCore` never calls a venue or publishes anything; it
returns a list of these, in the order they must be carried out.
:class:`~lyra.contingency.ContingencyManager` carries them out on a
:class:`~lyra.venue.Venue` and the bus. Tests compare them directly.
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from lyra.contingency.events import ContingencyEvent
from lyra.model.identifiers import ClientOrderId, OrderListId
from lyra.model.values import Price, Quantity

__all__ = (
    "Action",
    "CancelHeld",
    "CancelOrder",
    "DenyOrder",
    "ModifyQuantity",
    "Publish",
    "SubmitList",
    "SubmitOrder",
    "UpdateHeld",
)


class SubmitList(msgspec.Struct, frozen=True, gc=False):
    """Send the whole list for the venue to enforce (``venue.submit_order_list``)."""

    order_list_id: OrderListId


class SubmitOrder(msgspec.Struct, frozen=True, gc=False):
    """Send one member on its own (``venue.submit_order``) with total ``quantity``; when that
    differs from the order's quantity, the driver first applies a local ``OrderUpdated``."""

    client_order_id: ClientOrderId
    quantity: Quantity


class ModifyQuantity(msgspec.Struct, frozen=True, gc=False):
    """Change a working member's total quantity (``venue.modify_order(quantity=...)``)."""

    client_order_id: ClientOrderId
    quantity: Quantity


class CancelOrder(msgspec.Struct, frozen=True, gc=False):
    """Cancel a member at the venue (``venue.cancel_order``)."""

    client_order_id: ClientOrderId


class CancelHeld(msgspec.Struct, frozen=True, gc=False):
    """Cancel a member that never left Lyra (a held OTO child): the driver applies and
    publishes a local ``OrderCanceled``."""

    client_order_id: ClientOrderId


class UpdateHeld(msgspec.Struct, frozen=True, gc=False):
    """Change a member that never left Lyra: the driver applies and publishes a local
    ``OrderUpdated`` (``None`` keeps a field)."""

    client_order_id: ClientOrderId
    quantity: Quantity | None = None
    price: Price | None = None
    trigger_price: Price | None = None


class DenyOrder(msgspec.Struct, frozen=True, gc=False):
    """Refuse a member before it left Lyra: the driver applies and publishes a local
    ``OrderDenied`` with ``code`` and ``reason``."""

    client_order_id: ClientOrderId
    reason: str
    code: str


class Publish(msgspec.Struct, frozen=True, gc=False):
    """Publish ``event`` on the list's contingency topic."""

    event: ContingencyEvent


Action: TypeAlias = (
    SubmitList
    | SubmitOrder
    | ModifyQuantity
    | CancelOrder
    | CancelHeld
    | UpdateHeld
    | DenyOrder
    | Publish
)
"""Anything the core asks for."""
