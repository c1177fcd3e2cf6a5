"""Testing tools: fake venue servers on localhost and the adapter conformance suite.

* :class:`FakeBinance` -- Binance spot and USD-M futures spoken over real sockets on
  ``127.0.0.1``, backed by :class:`~lyra.sim.SimulatedExchange`: signatures verified as
  Binance does, filters and rate limits with Binance's error codes, depth/trade/ticker
  streams and execution reports in Binance's JSON, and faults on request (:class:`Faults`).
  Run a bot against it with no network and no keys.
* :class:`FakeOkx` -- OKX v5 (spot and swaps) the same way: signed REST, public, private and
  business websockets, ``books`` with the ``seqId`` chain and CRC32 checksums, algo orders.
* :class:`FakeCoinbase` -- Coinbase Advanced Trade: JWT-checked REST, ``level2`` with
  connection-wide ``sequence_num``, ``market_trades``, ``user`` and ``heartbeats``.
* :class:`FakeKraken` -- Kraken spot: ``API-Sign`` REST, websocket v2 with tokens, the
  ``book`` channel with CRC32 checksums, ``executions`` and order entry over websocket.
* :class:`FakeVenueServer` / :class:`FakeMarket` / :class:`FakeConnection` -- the base a
  fake server for another venue is built on.
* :mod:`lyra.testing.conformance` -- the adapter conformance suite: any adapter with a fake
  server (a :class:`~lyra.testing.conformance.AdapterHarness`) runs
  :data:`~lyra.testing.conformance.ADAPTER_CHECKS` -- connect, book sync, every supported
  order type and time in force, cancel, amend, contingencies, reconnect, reconcile and
  fault recovery.

The servers use aiohttp and websockets (asyncio; ``pip install lyra[adapters]``); names
are loaded on first use, so ``import lyra.testing`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from lyra.testing.binance import (
        BinanceHarness,
        FakeBinance,
        FakeBinanceAccount,
        FakeBinanceOrder,
    )
    from lyra.testing.coinbase import (
        CoinbaseHarness,
        FakeCoinbase,
        FakeCoinbaseAccount,
        FakeCoinbaseOrder,
    )
    from lyra.testing.conformance import (
        ADAPTER_CHECKS,
        AdapterCheck,
        AdapterHarness,
        run_adapter_conformance,
    )
    from lyra.testing.fake_server import FakeConnection, FakeMarket, FakeVenueServer
    from lyra.testing.faults import Faults, Rejection
    from lyra.testing.kraken import (
        FakeKraken,
        FakeKrakenAccount,
        FakeKrakenOrder,
        KrakenHarness,
    )
    from lyra.testing.okx import FakeOkx, FakeOkxAccount, FakeOkxAlgo, FakeOkxOrder, OkxHarness

__all__ = (
    "ADAPTER_CHECKS",
    "AdapterCheck",
    "AdapterHarness",
    "BinanceHarness",
    "CoinbaseHarness",
    "FakeBinance",
    "FakeBinanceAccount",
    "FakeBinanceOrder",
    "FakeCoinbase",
    "FakeCoinbaseAccount",
    "FakeCoinbaseOrder",
    "FakeConnection",
    "FakeKraken",
    "FakeKrakenAccount",
    "FakeKrakenOrder",
    "FakeMarket",
    "FakeOkx",
    "FakeOkxAccount",
    "FakeOkxAlgo",
    "FakeOkxOrder",
    "FakeVenueServer",
    "Faults",
    "KrakenHarness",
    "OkxHarness",
    "Rejection",
    "run_adapter_conformance",
)

_WHERE: Final = {
    "ADAPTER_CHECKS": "conformance",
    "AdapterCheck": "conformance",
    "AdapterHarness": "conformance",
    "run_adapter_conformance": "conformance",
    "BinanceHarness": "binance",
    "FakeBinance": "binance",
    "FakeBinanceAccount": "binance",
    "FakeBinanceOrder": "binance",
    "FakeConnection": "fake_server",
    "FakeMarket": "fake_server",
    "FakeVenueServer": "fake_server",
    "Faults": "faults",
    "CoinbaseHarness": "coinbase",
    "FakeCoinbase": "coinbase",
    "FakeCoinbaseAccount": "coinbase",
    "FakeCoinbaseOrder": "coinbase",
    "FakeKraken": "kraken",
    "FakeKrakenAccount": "kraken",
    "FakeKrakenOrder": "kraken",
    "KrakenHarness": "kraken",
    "FakeOkx": "okx",
    "FakeOkxAccount": "okx",
    "FakeOkxAlgo": "okx",
    "FakeOkxOrder": "okx",
    "OkxHarness": "okx",
    "Rejection": "faults",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'lyra.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lyra.testing.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
