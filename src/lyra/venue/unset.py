"""``UNSET``: the "leave this field as it is" marker of :meth:`Venue.modify_order`.

``None`` is not used for that, on purpose: in a modify, ``price=None`` could mean "keep the
price" or "remove the price", and a variable that is ``None`` by mistake would silently
change nothing. So an argument left out (``UNSET``) keeps the current value, and an explicit
``None`` is refused with :class:`~lyra.errors.InvalidOrder`. ``UNSET`` is a singleton (an
enum member): compare with ``is``; it is falsy, survives ``copy`` and ``pickle`` as itself,
and type checkers narrow ``x is UNSET`` / ``x is not UNSET``.
"""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias, TypeVar

__all__ = ("UNSET", "Unset", "is_set")

_T = TypeVar("_T")


class _UnsetType(enum.Enum):
    """The type of :data:`UNSET` (private; use :data:`Unset` in annotations)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _UnsetType.UNSET
"""Leave the field unchanged (the default of every optional :meth:`modify_order` argument)."""

Unset: TypeAlias = Literal[_UnsetType.UNSET]
"""The type of :data:`UNSET`, for annotations: ``price: Price | Unset = UNSET``."""


def is_set(value: _T | Unset) -> bool:
    """Whether ``value`` was given (is not :data:`UNSET`)."""
    return value is not UNSET
