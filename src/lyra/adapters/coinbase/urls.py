"""Where Coinbase Advanced Trade lives: REST base and the two websocket hosts.

Market data streams from ``advanced-trade-ws``; the ``user`` channel (order updates) from
``advanced-trade-ws-user`` (docs.cdp.coinbase.com, "Advanced Trade WebSocket overview").
Point a :class:`CoinbaseUrls` at :class:`lyra.testing.FakeCoinbase` (``fake.urls``) to
trade on localhost.
"""

from __future__ import annotations

import urllib.parse
from typing import Final

import msgspec

from lyra.errors import InvalidInput

__all__ = ("PRODUCTION", "CoinbaseUrls")


class CoinbaseUrls(msgspec.Struct, frozen=True, gc=False):
    """The base URLs of one Coinbase Advanced Trade deployment."""

    rest: str
    ws_market: str
    ws_user: str

    def __post_init__(self) -> None:
        if not self.rest.startswith(("http://", "https://")):
            raise InvalidInput(
                "CoinbaseUrls.rest", "must start with http:// or https://", self.rest
            )
        for name in ("ws_market", "ws_user"):
            value = getattr(self, name)
            if not value.startswith(("ws://", "wss://")):
                raise InvalidInput(f"CoinbaseUrls.{name}", "must start with ws:// or wss://", value)

    @property
    def rest_host(self) -> str:
        """The REST host as signed into a JWT's ``uri`` claim (``api.coinbase.com``; with a
        port when the URL has one)."""
        return urllib.parse.urlsplit(self.rest).netloc


PRODUCTION: Final = CoinbaseUrls(
    rest="https://api.coinbase.com",
    ws_market="wss://advanced-trade-ws.coinbase.com",
    ws_user="wss://advanced-trade-ws-user.coinbase.com",
)
"""Coinbase Advanced Trade production."""
