"""Exceptions of :mod:`lyra.backtest.sweep` waiting to move into :mod:`lyra.errors`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lyra.errors import LyraError

__all__ = ("SweepBackendError", "SweepTrialError")


class SweepBackendError(LyraError):
    """A sweep backend could not run trials at all: e.g. the local pool's worker processes
    died before a single trial finished (they could not start, or the first trials crashed
    them). The message names the likely causes."""


class SweepTrialError(LyraError):
    """A sweep trial failed under ``on_error="raise"`` and its own exception could not be
    re-raised: the exception did not survive the trip back from the worker (it could not be
    pickled), or the worker process died while running the trial.

    ``index`` is the trial's position in the search space, ``params`` its parameters,
    ``error_type`` / ``error`` the failure's type name and message, and ``traceback`` the
    worker's traceback text (empty when there is none).
    """

    index: int
    params: dict[str, Any]
    error_type: str
    error: str
    traceback: str

    def __init__(
        self,
        index: int,
        params: Mapping[str, Any],
        error_type: str,
        error: str,
        traceback: str = "",
    ) -> None:
        self.index = index
        self.params = dict(params)
        self.error_type = error_type
        self.error = error
        self.traceback = traceback
        super().__init__(f"sweep trial {index} {self.params!r} failed: {error_type}: {error}")

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.index, self.params, self.error_type, self.error, self.traceback)
        return (type(self), args)
