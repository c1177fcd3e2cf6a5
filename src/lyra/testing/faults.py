"""Faults a fake venue server injects on request, to prove an adapter survives them.

A test asks a fake server (``fake.faults``) for a fault; the server applies it at the next
matching moment and records that it did:

* :meth:`Faults.drop_connections` -- close websocket connections now (market data, user
  data, or all), as a venue's maintenance or a network cut does;
* :meth:`Faults.skip_sequence` -- drop the next order book update of a symbol, so the
  update ids skip: the adapter must see the gap and resynchronise;
* :meth:`Faults.delay` -- hold back the next frames of a stream kind for a while, or the
  next REST answer (the request itself is carried out at once, as when a venue's answer
  is lost in transit);
* :meth:`Faults.malformed_frame` -- replace the next frame of a stream kind by one that
  does not decode;
* :meth:`Faults.reject_next` -- answer the next request to an endpoint with a given venue
  error code and message.

Everything is one-shot and counted (:attr:`Faults.applied`), so a test can assert that the
fault really happened before it asserts that the adapter recovered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Literal

import msgspec

from lyra.errors import InvalidInput

__all__ = ("Faults", "Rejection", "StreamKind")

StreamKind = Literal["market", "user", "all"]
"""Which websocket connections a fault concerns."""

_KINDS = ("market", "user", "all")


class Rejection(msgspec.Struct, frozen=True, gc=False):
    """A prepared error answer: ``code`` and ``message`` as the venue writes them, with
    the HTTP ``status``."""

    code: int | str
    message: str
    status: int = 400


def _kind(kind: str) -> str:
    if kind not in _KINDS:
        raise InvalidInput("kind", "must be 'market', 'user' or 'all'", kind)
    return kind


class Faults:
    """The fault queue of one fake server (see the module docs)."""

    def __init__(self, on_drop: Callable[[str], int] | None = None) -> None:
        self._on_drop = on_drop
        self._skip: dict[str, int] = {}
        self._malformed: dict[str, int] = {}
        self._delays: dict[str, deque[float]] = {}
        self._rejections: dict[str, deque[Rejection]] = {}
        #: faults applied so far, by name (``"drop"``, ``"skip"``, ``"delay"``,
        #: ``"malformed"``, ``"reject"``)
        self.applied: dict[str, int] = {}

    def _count(self, name: str, n: int = 1) -> None:
        self.applied[name] = self.applied.get(name, 0) + n

    # -- asking ---------------------------------------------------------------------------
    def drop_connections(self, kind: StreamKind = "all") -> int:
        """Close the websocket connections of ``kind`` now; returns how many."""
        _kind(kind)
        if self._on_drop is None:
            return 0
        n = self._on_drop(kind)
        self._count("drop", n)
        return n

    def skip_sequence(self, symbol: str, count: int = 1) -> None:
        """Drop the next ``count`` book updates of ``symbol`` (the venue's symbol): their
        update ids are used up but never sent."""
        self._skip[symbol] = self._skip.get(symbol, 0) + count

    def malformed_frame(self, kind: StreamKind = "market", count: int = 1) -> None:
        """Replace the next ``count`` frames sent on ``kind`` connections by frames that
        do not decode as the venue's messages."""
        self._malformed[_kind(kind)] = self._malformed.get(kind, 0) + count

    def delay(self, seconds: float, kind: StreamKind | Literal["rest"] = "market") -> None:
        """Hold the next frame of ``kind`` (or the next REST answer) for ``seconds``;
        frames behind it wait too, so order is kept."""
        if kind != "rest":
            _kind(kind)
        if seconds < 0:
            raise InvalidInput("seconds", "must be >= 0", seconds)
        self._delays.setdefault(kind, deque()).append(seconds)

    def reject_next(self, endpoint: str, code: int | str, message: str, status: int = 400) -> None:
        """Answer the next request to ``endpoint`` (``"POST /api/v3/order"``) with the
        venue error ``code``/``message``."""
        method, _, path = endpoint.partition(" ")
        if not path:
            raise InvalidInput("endpoint", "must be 'METHOD /path'", endpoint)
        key = f"{method.upper()} {path}"
        self._rejections.setdefault(key, deque()).append(Rejection(code, message, status))

    def clear(self) -> None:
        """Forget every pending fault."""
        self._skip.clear()
        self._malformed.clear()
        self._delays.clear()
        self._rejections.clear()

    # -- taking (the server side) ---------------------------------------------------------
    def take_skip(self, symbol: str) -> bool:
        """Whether the next book update of ``symbol`` must be dropped (counts it)."""
        n = self._skip.get(symbol, 0)
        if not n:
            return False
        if n == 1:
            del self._skip[symbol]
        else:
            self._skip[symbol] = n - 1
        self._count("skip")
        return True

    def take_malformed(self, kind: str) -> bool:
        """Whether the next frame on a ``kind`` connection must be malformed."""
        for key in (kind, "all"):
            n = self._malformed.get(key, 0)
            if n:
                if n == 1:
                    del self._malformed[key]
                else:
                    self._malformed[key] = n - 1
                self._count("malformed")
                return True
        return False

    def take_delay(self, kind: str) -> float:
        """Seconds to hold the next frame of ``kind`` (0: none)."""
        for key in (kind, "all"):
            q = self._delays.get(key)
            if q:
                self._count("delay")
                return q.popleft()
        return 0.0

    def take_rejection(self, method: str, path: str) -> Rejection | None:
        """The prepared error for this request, if one is queued."""
        q = self._rejections.get(f"{method.upper()} {path}")
        if q:
            self._count("reject")
            return q.popleft()
        return None

    def __repr__(self) -> str:
        return f"Faults(applied={self.applied})"
