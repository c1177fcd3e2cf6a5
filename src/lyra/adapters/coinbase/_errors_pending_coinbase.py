"""Exceptions of the Coinbase layers, waiting to move into :mod:`lyra.errors`.

The Coinbase modules otherwise raise the toolkit's venue errors
(:mod:`lyra.adapters._errors_pending_adapters`) and :mod:`lyra.errors` classes; only the
JWT verifier of a fake server needs a class of its own.
"""

from __future__ import annotations

from lyra.errors import InvalidInput

__all__ = ("InvalidToken",)


class InvalidToken(InvalidInput):
    """A CDP JWT failed verification; ``field`` names the part that failed
    (``"jwt.signature"``, ``"jwt.claims.exp"``, ``"jwt.header.kid"``) and ``rule`` why.

    Never carries the token itself, which is a live bearer credential while it lasts.
    """
