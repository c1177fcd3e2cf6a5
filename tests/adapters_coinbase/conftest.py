"""Fixtures of the Coinbase adapter tests: loopback-only networking (the guard of
``tests/adapters``: any connection or name lookup that is not loopback is refused, so no
test can reach a real venue, whatever URL an adapter is given), the asyncio backend, and a
running FakeCoinbase."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.adapters.conftest import NetworkGuard, network_guard

from lyra.testing.coinbase import FakeCoinbase

__all__ = ("NetworkGuard", "network_guard")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeCoinbase]:
    async with FakeCoinbase(heartbeat_s=0.2) as server:
        yield server
