"""Every crash point, cheaply: the strategy side "crashes" (an exception nothing catches) at
a checkpoint, its objects and unflushed writes are dropped, and a fresh side recovers from
the store. Same checks as the SIGKILL tests -- state equal to the uninterrupted run after
every step -- but in one process, so many more points fit in the time: this is where a
regression shows first; ``test_crash_kill.py`` proves it with real processes.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path
from typing import Any

import pytest

from lyra.state import MemoryStore, SqliteStore, StateStore

from .killer import new_host
from .scenario import run_direct, run_with_crashes

STEPS = 40


@functools.cache
def baseline(seed: int, native: bool) -> list[dict[str, Any]]:
    return run_direct(MemoryStore(), new_host(native), seed, STEPS)


@pytest.mark.parametrize("native", [False, True], ids=["emulated-lists", "native-lists"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_crashes_at_many_points_recover_to_the_same_state(seed: int, native: bool) -> None:
    rng = random.Random(f"{seed}-{native}")
    want = baseline(seed, native)
    hits = 0
    for _ in range(12):
        store = MemoryStore()
        points = rng.sample(range(1, 100), 4)
        hits += len(
            run_with_crashes(lambda s=store: s, new_host(native), seed, STEPS, points, want)
        )
    assert hits >= 24  # a few points lie beyond where a restarted run ends


def test_crash_points_with_sqlite_reopened_each_time(tmp_path: Path) -> None:
    rng = random.Random(9)
    want = baseline(4, False)
    opened: list[StateStore] = []

    def reopen() -> StateStore:
        for s in opened:
            s.close()
        opened.clear()
        store = SqliteStore(tmp_path / "s.db", synchronous="normal")
        opened.append(store)
        return store

    try:
        hits = run_with_crashes(
            reopen, new_host(False), 4, STEPS, rng.sample(range(1, 150), 6), want
        )
    finally:
        for s in opened:
            s.close()
    assert len(hits) >= 2
