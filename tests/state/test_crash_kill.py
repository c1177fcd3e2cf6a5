"""Recovery proven by killing the process: SIGKILL at random points, with a durable store.

A child process runs the scenario's strategy (``crash_child.py``) against a
SimulatedExchange hosted here, over a socket. The parent SIGKILLs it at randomly chosen
checkpoints -- before and after store commits, commands and venue events, inside
recovery, and sometimes a fraction of a millisecond after letting it run on, wherever
that lands -- and starts a fresh process, which recovers from the store and reconciles
with the exchange. After every step the recovered process completes, and at the end, its
orders, positions, balances and contingency lists must equal an uninterrupted run's; and
the store, restored offline, must hold exactly that state too.

At least ``LYRA_CRASH_KILLS`` (default 32) kills per durable store, over as many seeds as
that takes (some with the exchange enforcing brackets natively). Then the same with the
Redis server itself SIGKILLed and restarted mid-run (AOF, ``appendfsync always``): the
store must hold every event the trader was told was committed.
"""

from __future__ import annotations

import functools
import os
import random
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from lyra.model.codec import decode_msgpack
from lyra.orders import Order
from lyra.state import MemoryStore, RedisStore, SqliteStore, StateStore, restore

from .killer import Parent, new_host
from .redisserver import RedisServer
from .scenario import PAIR, digest_of, fresh_portfolio, run_direct

KILLS = int(os.environ.get("LYRA_CRASH_KILLS", "32"))
STEPS = 40


@functools.cache
def baseline(seed: int, native: bool) -> list[dict[str, Any]]:
    return run_direct(MemoryStore(), new_host(native), seed, STEPS)


def stored_digest(store: StateStore) -> dict[str, Any]:
    """What the store holds, restored offline (no venue, no recorder)."""
    restored = restore(store.load(), instruments=[PAIR], portfolio=fresh_portfolio())
    assert restored.portfolio is not None
    return digest_of(restored.orders, restored.portfolio, restored.contingency.values())


def kill_until(open_spec: Any, store_for: Any, label: str, seed0: int) -> list[str]:
    rng = random.Random(f"{label}-{seed0}")
    kills: list[str] = []
    seed = seed0
    while len(kills) < KILLS:
        native = seed % 3 == 0
        want = baseline(seed, native)
        spec = open_spec(seed)
        parent = Parent(spec, seed, STEPS, want, host=new_host(native))
        parent.run(min(12, KILLS - len(kills)), rng, max_point=40)
        assert parent.final is not None
        assert parent.final[0] == want[-1]
        # every step was checked against the baseline, but one a kill cut off after the
        # step was saved and before it was reported
        assert parent.compared >= STEPS - len(parent.kills)
        store = store_for(seed)
        try:
            assert stored_digest(store) == want[-1]
        finally:
            store.close()
        kills.extend(f"seed {seed} {k}" for k in parent.kills)
        seed += 1
    return kills


def test_sqlite_trader_killed_at_random_points_recovers_exactly(tmp_path: Path) -> None:
    def spec(seed: int) -> str:
        return f"sqlite:{tmp_path / f'state-{seed}.db'}"

    def store(seed: int) -> StateStore:
        return SqliteStore(tmp_path / f"state-{seed}.db")

    kills = kill_until(spec, store, "sqlite", 11)
    assert len(kills) >= KILLS
    assert any(k.split(" ", 2)[2].startswith("~") for k in kills)  # some racy kills


def test_redis_trader_killed_at_random_points_recovers_exactly(redis_url: str) -> None:
    namespaces: list[str] = []

    def spec(seed: int) -> str:
        ns = f"crash{uuid.uuid4().hex[:8]}-{seed}"
        namespaces.append(ns)
        return f"redis:{redis_url}#{ns}"

    def store(seed: int) -> StateStore:
        return RedisStore(redis_url, namespace=namespaces[-1])

    try:
        kills = kill_until(spec, store, "redis", 71)
    finally:
        for ns in namespaces:
            cleanup = RedisStore(redis_url, namespace=ns)
            cleanup.clear()
            cleanup.close()
    assert len(kills) >= KILLS


def test_redis_server_killed_and_restarted_mid_run_loses_nothing_acknowledged(
    redis_binary: str, tmp_path: Path
) -> None:
    server = RedisServer(redis_binary, tmp_path / "redis")
    server.start()
    rng = random.Random(5)
    restart_at = set(rng.sample(range(10, 200), 6))
    restarts: list[str] = []
    waiters: list[threading.Thread] = []

    def on_checkpoint(n: int, label: str) -> None:
        if n not in restart_at:
            return
        server.kill()
        restarts.append(f"{n}:{label}")
        if len(restarts) % 2:
            server.start()  # down and straight back up
        else:
            # down while the trader goes on: its next commit waits, retrying, until the
            # server is back from its AOF
            delay = rng.uniform(0.05, 0.3)
            t = threading.Timer(delay, server.start)
            t.start()
            waiters.append(t)

    seed = 3
    want = baseline(seed, False)
    parent = Parent(f"redis:{server.url}#restart", seed, STEPS, want, on_checkpoint=on_checkpoint)
    try:
        parent.run(0, rng)
        for t in waiters:
            t.join()
        assert len(restarts) >= 3, restarts
        assert parent.final is not None
        final, child_orders, child_seq = parent.final
        assert final == want[-1]
        server.kill()  # one more crash of the server, after the trader's last commit
        server.start()
        store = RedisStore(server.url, namespace="restart")
        try:
            snap = store.load()
            settings = store.persistence_settings()
        finally:
            store.close()
        assert settings["appendonly"] == "yes" and settings["appendfsync"] == "always"
        # every event the trader was told was committed is there, in order, nothing more
        assert snap.seq == child_seq
        assert set(snap.orders) == set(child_orders)
        for cid, encoded in child_orders.items():
            events = [decode_msgpack(e) for e in encoded]
            assert [e for _, e in snap.orders[cid]] == events
            assert Order.from_events(events) == Order.from_events(e for _, e in snap.orders[cid])
    finally:
        for t in waiters:
            t.cancel()
            t.join()
        server.stop()


@pytest.mark.parametrize("kind", ["sqlite"])
def test_a_kill_inside_a_commit_never_tears_a_batch(kind: str, tmp_path: Path) -> None:
    """Racy kills only: the child is killed while it runs on, often mid-commit."""
    rng = random.Random(17)
    seed = 23
    want = baseline(seed, False)
    parent = Parent(f"sqlite:{tmp_path / 's.db'}", seed, STEPS, want)
    parent.run(8, rng, max_point=30, racy_share=1.0)
    assert parent.final is not None and parent.final[0] == want[-1]
    store = SqliteStore(tmp_path / "s.db")
    try:
        assert stored_digest(store) == want[-1]
    finally:
        store.close()
