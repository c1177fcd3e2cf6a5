"""Exceptions of :mod:`lyra.rl` waiting to move into :mod:`lyra.errors`."""

from __future__ import annotations

from lyra.errors import LyraError

__all__ = ("ResetNeeded",)


class ResetNeeded(LyraError, RuntimeError):
    """An environment was stepped before its first ``reset()`` (gymnasium requires a reset to
    start every run)."""
