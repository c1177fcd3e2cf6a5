"""Decoding venue messages with msgspec: typed, tolerant, counted, never fatal.

Each message type of a venue is a :class:`msgspec.Struct` whose fields carry the venue's
names (``U``, ``u``, ``b`` ...). Unknown fields are ignored (msgspec's default), so a venue
adding a field breaks nothing; a missing required field or a wrong type is a
:class:`~lyra.adapters.MalformedMessage` -- counted in :class:`DecodeStats`, reported to the
adapter (which publishes a ``VenueAnomaly`` UNPARSEABLE), and the connection loop goes on
with the next message.

:class:`MessageDecoder` caches one ``msgspec.json.Decoder`` per type, so decoding is one C
call; :meth:`MessageDecoder.decode` raises, :meth:`MessageDecoder.try_decode` counts and
returns ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from lyra.errors import MalformedMessage

__all__ = ("DecodeStats", "MessageDecoder")

_T = TypeVar("_T")


class DecodeStats:
    """How many messages were decoded and how many were malformed, per message kind."""

    __slots__ = ("decoded", "last_error", "malformed", "malformed_by_kind")

    def __init__(self) -> None:
        self.decoded = 0
        self.malformed = 0
        self.malformed_by_kind: dict[str, int] = {}
        self.last_error: MalformedMessage | None = None

    def record(self, error: MalformedMessage) -> None:
        """Count one malformed message."""
        self.malformed += 1
        self.malformed_by_kind[error.kind] = self.malformed_by_kind.get(error.kind, 0) + 1
        self.last_error = error

    def __repr__(self) -> str:
        return f"DecodeStats(decoded={self.decoded}, malformed={self.malformed})"


def _excerpt(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else data
    return text[:200]


class MessageDecoder:
    """Decodes JSON messages into their Struct types for one venue.

    ``venue`` names the venue in errors; ``on_malformed`` (optional) is called with every
    :class:`~lyra.adapters.MalformedMessage` that :meth:`try_decode` swallows.
    """

    __slots__ = ("_decoders", "_on_malformed", "stats", "venue")

    def __init__(
        self,
        venue: str,
        *,
        on_malformed: Callable[[MalformedMessage], None] | None = None,
    ) -> None:
        self.venue = venue
        self.stats = DecodeStats()
        self._decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
        self._on_malformed = on_malformed

    def decoder(self, kind: type[_T]) -> msgspec.json.Decoder[_T]:
        """The cached decoder of ``kind`` (hoist it out of a hot loop)."""
        found = self._decoders.get(kind)
        if found is None:
            found = self._decoders[kind] = msgspec.json.Decoder(kind)
        return found

    def decode(self, kind: type[_T], data: bytes | str | msgspec.Raw) -> _T:
        """Decode ``data`` as ``kind``; raises :class:`~lyra.adapters.MalformedMessage`."""
        try:
            value = self.decoder(kind).decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raw = bytes(data) if isinstance(data, msgspec.Raw) else data
            raise MalformedMessage(
                f"{getattr(kind, '__name__', kind)}: {exc}",
                kind=getattr(kind, "__name__", str(kind)),
                excerpt=_excerpt(raw),
                venue=self.venue,
            ) from None
        self.stats.decoded += 1
        return value

    def try_decode(self, kind: type[_T], data: bytes | str | msgspec.Raw) -> _T | None:
        """Decode ``data`` as ``kind``, or count it as malformed, report it and return
        ``None``."""
        try:
            return self.decode(kind, data)
        except MalformedMessage as exc:
            self.malformed(exc)
            return None

    def malformed(self, error: MalformedMessage) -> None:
        """Count and report a malformed message found by other means."""
        self.stats.record(error)
        if self._on_malformed is not None:
            self._on_malformed(error)

    def __repr__(self) -> str:
        return f"MessageDecoder({self.venue}, {self.stats!r})"
