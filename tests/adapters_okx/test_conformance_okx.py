"""The adapter conformance suite, green for OKX spot and swaps against FakeOkx over real
sockets on localhost."""

from __future__ import annotations

import pytest

from lyra.testing.conformance import ADAPTER_CHECKS, AdapterCheck, AdapterHarness
from lyra.testing.okx import FakeOkx, OkxHarness

# checks that cannot apply to a venue, and why (anything else must pass outright)
_SKIPS: dict[tuple[str, str], str] = {}


@pytest.mark.anyio
@pytest.mark.parametrize("market", ["spot", "swap"])
@pytest.mark.parametrize("check", ADAPTER_CHECKS, ids=lambda c: c.name)
async def test_okx_conforms(fake: FakeOkx, market: str, check: AdapterCheck) -> None:
    harness = OkxHarness(fake, swap=market == "swap")
    assert isinstance(harness, AdapterHarness)
    assert harness.make_venue.__self__ is harness
    note = await check.run(harness)
    if (market, check.name) in _SKIPS:
        assert note is not None and note.startswith("skipped"), note
    else:
        assert note is None, note
