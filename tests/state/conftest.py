"""Fixtures of the state tests: a Redis server, and stores of every kind.

Redis: ``LYRA_TEST_REDIS_URL`` names the server CI started (``scripts/test.sh``). Without it
the tests fail in CI (``CI`` set) -- they never skip -- and otherwise start a private
redis-server (loopback, AOF) for the session, or fail saying how to get one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lyra.state import MemoryStore, RedisStore, SqliteStore, StateStore

from .redisserver import RedisServer, redis_server_binary

KINDS = ("memory", "sqlite", "redis")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("LYRA_TEST_REDIS_URL")
    if url:
        yield url
        return
    if os.environ.get("CI"):
        pytest.fail(
            "LYRA_TEST_REDIS_URL is not set: CI must run a Redis server for the RedisStore "
            "tests (scripts/test.sh starts one)"
        )
    binary = redis_server_binary()
    if binary is None:
        pytest.fail(
            "no Redis server for the RedisStore tests: set LYRA_TEST_REDIS_URL, or install "
            "redis-server (apt-get install redis-server) so a private one can start"
        )
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_binary() -> str:
    binary = redis_server_binary()
    if binary is None:
        pytest.fail(
            "redis-server is needed to restart a server mid-run: install it or set "
            "LYRA_REDIS_SERVER to its path"
        )
    return binary


class StoreMaker:
    """Opens stores of one kind over the same data (``open`` again = a restart)."""

    def __init__(self, kind: str, path: Path, redis_url: Callable[[], str]) -> None:
        self.kind = kind
        self.path = path
        self._redis_url = redis_url
        self.namespace = f"t{uuid.uuid4().hex[:12]}"
        self._memory: MemoryStore | None = None
        self.opened: list[StateStore] = []

    def open(self, **options: object) -> StateStore:
        store: StateStore
        if self.kind == "memory":
            if self._memory is None:
                self._memory = MemoryStore()
            return self._memory
        if self.kind == "sqlite":
            store = SqliteStore(self.path / "state.db", **options)  # type: ignore[arg-type]
        else:
            store = RedisStore(
                self._redis_url(),
                namespace=self.namespace,
                **options,  # type: ignore[arg-type]
            )
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()
        self.opened.clear()


@pytest.fixture(params=KINDS)
def maker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreMaker]:
    def url() -> str:
        value: str = request.getfixturevalue("redis_url")
        return value

    made = StoreMaker(request.param, tmp_path, url)
    try:
        yield made
    finally:
        if made.kind == "redis":
            cleanup = RedisStore(url(), namespace=made.namespace)
            cleanup.clear()
            cleanup.close()
        made.close_all()
