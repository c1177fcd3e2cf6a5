"""Fixtures of the Kraken adapter tests: loopback-only networking, the asyncio backend, and
a running FakeKraken."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.adapters.conftest import NetworkGuard, network_guard

from lyra.testing.kraken import FakeKraken

__all__ = ("NetworkGuard", "network_guard")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeKraken]:
    async with FakeKraken() as server:
        yield server
