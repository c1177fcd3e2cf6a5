"""Fixtures of the Coinbase adapter tests: loopback-only networking, the asyncio backend,
and a running FakeCoinbase.

Every test here runs under a guard that refuses any connection or name lookup that is not
loopback: no test can reach a real venue, whatever URL an adapter is given.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from lyra.testing.coinbase import FakeCoinbase

_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class NetworkGuard:
    """Records and refuses every non-loopback lookup or connection."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def check_host(self, host: Any) -> None:
        text = host.decode() if isinstance(host, bytes) else str(host)
        if text in _LOCAL_NAMES:
            return
        try:
            if ipaddress.ip_address(text).is_loopback:
                return
        except ValueError:
            pass
        self.refused.append(text)
        raise OSError(f"test network guard: {text} is not a loopback address")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    guard = NetworkGuard()
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            guard.check_host(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple):
            guard.check_host(address[0])
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple):
            guard.check_host(address[0])
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield guard


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeCoinbase]:
    async with FakeCoinbase(heartbeat_s=0.2) as server:
        yield server
