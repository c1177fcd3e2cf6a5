"""OKX API v5 request signing: REST headers and the websocket login.

OKX signs with HMAC-SHA256 over ``timestamp + METHOD + requestPath + body`` and sends the
base64 digest in ``OK-ACCESS-SIGN``, next to the key, the timestamp and the passphrase:

* REST: ``timestamp`` is ISO-8601 UTC with milliseconds (``2020-12-08T09:08:57.715Z``);
  ``requestPath`` includes the query string of a GET (``/api/v5/account/balance?ccy=BTC``);
  ``body`` is the exact JSON text sent (empty for a GET). The server refuses a timestamp
  more than 30 s away from its clock (``50102``).
* Websocket login (private and business URLs): the same HMAC over
  ``timestamp + "GET" + "/users/self/verify"`` with ``timestamp`` in **seconds**; the
  signature is valid for 30 s.

The secret is used as its UTF-8 bytes (it is not base64-decoded). OKX publishes no
reproducible example signature, so the tests use self-derived vectors and sign-then-verify
(``docs/explanation/venue-okx.md``).

:class:`OkxCredentials` holds the key, secret and passphrase; its ``repr`` and every
exception it raises show none of them (the key is shown by its last four characters only).
The ``verify_*`` functions are for fake venue servers, which must check what a client sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any, Final, NoReturn

from lyra.errors import InvalidInput

__all__ = (
    "OKX_ACCESS_KEY",
    "OKX_ACCESS_PASSPHRASE",
    "OKX_ACCESS_SIGN",
    "OKX_ACCESS_TIMESTAMP",
    "WS_LOGIN_PATH",
    "OkxCredentials",
    "iso_timestamp",
    "prehash",
    "sign",
    "verify_rest",
    "verify_ws_login",
)

OKX_ACCESS_KEY: Final = "OK-ACCESS-KEY"
"""Header carrying the API key."""
OKX_ACCESS_SIGN: Final = "OK-ACCESS-SIGN"
"""Header carrying the base64 HMAC-SHA256 signature."""
OKX_ACCESS_TIMESTAMP: Final = "OK-ACCESS-TIMESTAMP"
"""Header carrying the ISO-8601 millisecond timestamp that was signed."""
OKX_ACCESS_PASSPHRASE: Final = "OK-ACCESS-PASSPHRASE"
"""Header carrying the passphrase chosen when the key was created."""
WS_LOGIN_PATH: Final = "/users/self/verify"
"""The request path the websocket login signs (with method ``GET`` and no body)."""

_NS_PER_MS: Final = 1_000_000
_NS_PER_S: Final = 1_000_000_000


class _Secret:
    """A credential string that never shows itself in a repr, str, pickle or traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("credentials cannot be pickled")


def _credential(value: object, field: str) -> _Secret:
    # The rule text names the field and the rule only: the value itself is never echoed.
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"OkxCredentials.{field}", "must be a non-empty str")
    if not value.isascii() or any(c.isspace() for c in value):
        raise InvalidInput(f"OkxCredentials.{field}", "must be ASCII without whitespace")
    return _Secret(value)


def iso_timestamp(ts_ns: int) -> str:
    """``ts_ns`` (ns since the epoch) as OKX's REST timestamp: ``2020-12-08T09:08:57.715Z``."""
    if type(ts_ns) is not int or ts_ns < 0:
        raise InvalidInput("ts_ns", "must be an int of nanoseconds >= 0", ts_ns)
    ms = ts_ns // _NS_PER_MS
    dt = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def prehash(timestamp: str, method: str, request_path: str, body: str = "") -> str:
    """The exact text OKX signs: ``timestamp + METHOD + requestPath + body``."""
    return f"{timestamp}{method.upper()}{request_path}{body}"


def sign(secret: str, message: str) -> str:
    """base64(HMAC-SHA256(secret as UTF-8, message as UTF-8)), as OKX expects."""
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class OkxCredentials:
    """An OKX API key with its secret and passphrase; signs REST requests and the WS login.

    Nothing secret appears in ``repr``/``str``, in pickles (refused) or in the exceptions
    raised here.
    """

    __slots__ = ("_api_key", "_passphrase", "_secret")

    def __init__(self, api_key: str, secret: str, passphrase: str) -> None:
        self._api_key = _credential(api_key, "api_key")
        self._secret = _credential(secret, "secret")
        self._passphrase = _credential(passphrase, "passphrase")

    def __repr__(self) -> str:
        key = self._api_key.reveal()
        return f"OkxCredentials(api_key='...{key[-4:]}', secret=<redacted>, passphrase=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("OkxCredentials cannot be pickled (they hold secrets)")

    @property
    def api_key(self) -> str:
        """The public API key (sent in clear in every signed request)."""
        return self._api_key.reveal()

    def sign(self, message: str) -> str:
        """The base64 HMAC-SHA256 of ``message`` under this key's secret."""
        return sign(self._secret.reveal(), message)

    def rest_headers(
        self, method: str, request_path: str, body: str = "", *, ts_ns: int | None = None
    ) -> dict[str, str]:
        """The four ``OK-ACCESS-*`` headers (plus ``Content-Type``) for one REST request.

        ``request_path`` includes the query string of a GET; ``body`` must be the exact text
        that will be sent. ``ts_ns`` defaults to the wall clock.
        """
        ts = iso_timestamp(time.time_ns() if ts_ns is None else ts_ns)
        return {
            OKX_ACCESS_KEY: self._api_key.reveal(),
            OKX_ACCESS_SIGN: self.sign(prehash(ts, method, request_path, body)),
            OKX_ACCESS_TIMESTAMP: ts,
            OKX_ACCESS_PASSPHRASE: self._passphrase.reveal(),
            "Content-Type": "application/json",
        }

    def ws_login_args(self, *, ts_ns: int | None = None) -> dict[str, str]:
        """The one ``args`` entry of a websocket ``login`` op (timestamp in seconds)."""
        seconds = str((time.time_ns() if ts_ns is None else ts_ns) // _NS_PER_S)
        return {
            "apiKey": self._api_key.reveal(),
            "passphrase": self._passphrase.reveal(),
            "timestamp": seconds,
            "sign": self.sign(prehash(seconds, "GET", WS_LOGIN_PATH)),
        }

    def ws_login(self, *, ts_ns: int | None = None) -> dict[str, Any]:
        """The whole websocket login request: ``{"op": "login", "args": [...]}``."""
        return {"op": "login", "args": [self.ws_login_args(ts_ns=ts_ns)]}


def verify_rest(
    secret: str,
    signature: str,
    timestamp: str,
    method: str,
    request_path: str,
    body: str = "",
) -> bool:
    """Whether ``signature`` is the right one for this request (constant-time compare)."""
    expected = sign(secret, prehash(timestamp, method, request_path, body))
    return hmac.compare_digest(expected, signature)


def verify_ws_login(secret: str, args: dict[str, Any]) -> bool:
    """Whether a websocket login's ``args`` entry carries the right signature."""
    timestamp = args.get("timestamp")
    signature = args.get("sign")
    if not isinstance(timestamp, str) or not isinstance(signature, str):
        return False
    return verify_rest(secret, signature, timestamp, "GET", WS_LOGIN_PATH)
