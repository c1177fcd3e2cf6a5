"""Fixtures of the OKX adapter tests: loopback-only networking, the asyncio backend, and a
running FakeOkx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.adapters.conftest import NetworkGuard, network_guard

from lyra.testing.okx import FakeOkx

__all__ = ("NetworkGuard", "network_guard")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOkx]:
    async with FakeOkx() as server:
        yield server
