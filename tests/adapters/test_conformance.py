"""The adapter conformance suite, green for Binance spot and USD-M futures against
FakeBinance over real sockets on localhost."""

from __future__ import annotations

import pytest

from lyra.testing.binance import BinanceHarness, FakeBinance
from lyra.testing.conformance import ADAPTER_CHECKS, AdapterCheck, AdapterHarness

# checks that cannot apply to a venue, and why (anything else must pass outright)
_SKIPS = {
    ("usdm", "triggers"): "conditional orders live in Binance's Algo service",
    ("usdm", "contingencies"): "USD-M has no native order lists",
}


@pytest.mark.anyio
@pytest.mark.parametrize("market", ["spot", "usdm"])
@pytest.mark.parametrize("check", ADAPTER_CHECKS, ids=lambda c: c.name)
async def test_binance_conforms(fake: FakeBinance, market: str, check: AdapterCheck) -> None:
    harness = BinanceHarness(fake, futures=market == "usdm")
    assert isinstance(harness, AdapterHarness)
    note = await check.run(harness)
    if (market, check.name) in _SKIPS:
        assert note is not None and note.startswith("skipped"), note
    else:
        assert note is None, note
