"""Nothing in these tests reaches a real venue: an adapter with its default production URLs
is stopped by the loopback guard before a byte leaves the machine, and every test of this
directory runs under that guard."""

from __future__ import annotations

import pytest

from lyra.adapters import Credentials, TransportError
from lyra.adapters.binance import (
    FUTURES_PRODUCTION,
    SPOT_PRODUCTION,
    BinanceFutures,
    BinanceSpot,
)
from lyra.bus import EventBus
from lyra.venue import ConnectionStatus

from .conftest import NetworkGuard


def test_the_defaults_are_production() -> None:
    venue = BinanceSpot(EventBus())
    assert venue.urls == SPOT_PRODUCTION and venue.rest.base_url == "https://api.binance.com"
    assert BinanceFutures(EventBus()).urls == FUTURES_PRODUCTION


@pytest.mark.anyio
@pytest.mark.parametrize("cls", [BinanceSpot, BinanceFutures])
async def test_production_is_never_contacted(network_guard: NetworkGuard, cls: type) -> None:
    venue = cls(EventBus(), credentials=Credentials("k", "s"))
    with pytest.raises(TransportError) as err:
        async with venue:
            pass
    assert venue.status is ConnectionStatus.DISCONNECTED
    assert err.value.code == "CONNECT"
    host = "api.binance.com" if cls is BinanceSpot else "fapi.binance.com"
    assert network_guard.refused and set(network_guard.refused) == {host}
