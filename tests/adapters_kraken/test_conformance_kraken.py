"""The adapter conformance suite, green for Kraken spot against FakeKraken over real sockets
on localhost."""

from __future__ import annotations

from typing import Any

import pytest

from lyra.testing.conformance import ADAPTER_CHECKS, AdapterCheck, AdapterHarness
from lyra.testing.kraken import FakeKraken, KrakenHarness

# checks that cannot apply to Kraken spot, and why (anything else must pass outright)
_SKIPS: dict[str, str] = {
    "contingencies": "Kraken spot has no native OCO; its conditional close is not a Lyra OTO",
}


@pytest.mark.anyio
@pytest.mark.parametrize("check", ADAPTER_CHECKS, ids=lambda c: c.name)
async def test_kraken_conforms(fake: FakeKraken, check: AdapterCheck) -> None:
    harness: Any = KrakenHarness(fake)
    assert isinstance(harness, AdapterHarness)
    note = await check.run(harness)
    if check.name in _SKIPS:
        assert note is not None and note.startswith("skipped"), note
    else:
        assert note is None, note
