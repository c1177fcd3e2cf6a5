"""Exceptions of :mod:`lyra.state`, waiting to move into :mod:`lyra.errors`.

* :class:`StateError` -- root of everything the state layer raises about the store itself;
* :class:`StateCorrupted` -- bad or foreign data in a store (a truncated record, an event
  type this version does not know, a schema from a newer Lyra): ``key`` names where it is;
* :class:`StoreUnavailable` -- the store could not be written or read (I/O error, Redis
  down, a recorder that already failed): nothing after the failure was made durable.
"""

from __future__ import annotations

from typing import Any

from lyra.errors import LyraError

__all__ = ("StateCorrupted", "StateError", "StoreUnavailable")


class StateError(LyraError):
    """Something is wrong with persisted state or the store that holds it."""


class StateCorrupted(StateError):
    """A store holds data this version of Lyra cannot read back exactly.

    ``key`` names the record (``"orders:O-1[3]"``, ``"sqlite:events seq=17"``,
    ``"lyra:main:order:O-1 field 3"``) and ``reason`` says what is wrong with it. Loading
    never skips such a record: state is either restored whole or not at all.
    """

    key: str
    reason: str

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.key, self.reason))


class StoreUnavailable(StateError):
    """The store refused or failed a read or a write; ``store`` names it.

    A failed commit leaves the batch pending in the recorder, so the next flush retries it;
    until one succeeds, commands that need durable state are refused with this error.
    """

    store: str

    def __init__(self, store: str, message: str) -> None:
        self.store = store
        self._message = message
        super().__init__(f"{store}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.store, self._message))
