"""The adapter conformance suite, green for CoinbaseVenue against FakeCoinbase over real
sockets on localhost."""

from __future__ import annotations

import pytest

from lyra.testing.coinbase import CoinbaseHarness, FakeCoinbase
from lyra.testing.conformance import ADAPTER_CHECKS, AdapterCheck, AdapterHarness

# checks that cannot apply to Coinbase, and why (anything else must pass outright)
_SKIPS = {
    "contingencies": "Coinbase has no native order list matching Lyra's contract",
}


@pytest.mark.anyio
@pytest.mark.parametrize("check", ADAPTER_CHECKS, ids=lambda c: c.name)
async def test_coinbase_conforms(fake: FakeCoinbase, check: AdapterCheck) -> None:
    harness = CoinbaseHarness(fake)
    assert isinstance(harness, AdapterHarness)
    assert fake.urls.rest.startswith("http://127.0.0.1:")
    note = await check.run(harness)
    if check.name in _SKIPS:
        assert note is not None and note.startswith("skipped"), note
    else:
        assert note is None, note
