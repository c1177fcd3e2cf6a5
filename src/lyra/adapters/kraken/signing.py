"""Kraken spot REST signing (``API-Sign``) and the websocket token flow.

Every private REST call is a ``POST /0/private/<Method>`` with a form-encoded body that
includes an ever-increasing ``nonce``. Two headers authenticate it:

* ``API-Key``: the public key;
* ``API-Sign``: ``base64(HMAC-SHA512(key=base64decode(secret), msg=uri_path +
  SHA256(nonce + postdata)))`` where ``uri_path`` is the path (``/0/private/AddOrder``),
  ``nonce`` the nonce as text and ``postdata`` the exact encoded body (which contains the
  nonce too). Kraken publishes a known-answer example; the tests reproduce it.

The websocket v2 private endpoint (``wss://ws-auth.kraken.com/v2``) takes no signature: a
client calls ``POST /0/private/GetWebSocketsToken`` (signed as above), gets a ``token``
(valid 15 minutes to start, then as long as a private subscription is held) and puts it in
the ``params`` of every private request (``subscribe`` to ``executions``, ``add_order``,
...). A new connection needs a new token.

:class:`KrakenCredentials` holds the key and the secret; its ``repr``, pickles (refused)
and every exception raised here show neither (the key appears by its last four characters
only). :class:`NonceSource` issues strictly increasing nonces from the clock.
:func:`verify_signature` is for fake venue servers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Mapping
from typing import Final, NoReturn

from lyra.errors import InvalidInput

__all__ = (
    "API_KEY",
    "API_SIGN",
    "WEBSOCKETS_TOKEN_PATH",
    "KrakenCredentials",
    "NonceSource",
    "encode_body",
    "sign",
    "verify_signature",
)

API_KEY: Final = "API-Key"
"""Header carrying the public API key."""
API_SIGN: Final = "API-Sign"
"""Header carrying the base64 HMAC-SHA512 signature."""
WEBSOCKETS_TOKEN_PATH: Final = "/0/private/GetWebSocketsToken"
"""The REST path that issues the token for private websocket requests."""


class _Secret:
    """Key material that never shows itself in a repr, str, pickle or traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("credentials cannot be pickled")


def _decode_secret(secret: object) -> bytes:
    # Errors name the field and the rule only; the (possibly partly valid) secret is never
    # echoed, and the binascii error is not chained because its text can quote the input.
    if not isinstance(secret, str) or not secret:
        raise InvalidInput("KrakenCredentials.secret", "must be a non-empty base64 str")
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("KrakenCredentials.secret", "must be valid base64") from None
    if not key:
        raise InvalidInput("KrakenCredentials.secret", "must decode to a non-empty key")
    return key


def encode_body(params: Mapping[str, object]) -> str:
    """``params`` form-encoded in the given order (``nonce=1&pair=XBTUSD&...``); sign and
    send exactly this text."""
    return urllib.parse.urlencode([(k, str(v)) for k, v in params.items()])


def sign(secret: str, uri_path: str, nonce: str | int, postdata: str) -> str:
    """The ``API-Sign`` value for one request (``secret`` is the base64 key Kraken issued).

    Raises :class:`~lyra.errors.InvalidInput` (without echoing it) if the secret is not
    base64.
    """
    key = _decode_secret(secret)
    return _sign(key, uri_path, str(nonce), postdata)


def _sign(key: bytes, uri_path: str, nonce: str, postdata: str) -> str:
    inner = hashlib.sha256((nonce + postdata).encode()).digest()
    mac = hmac.new(key, uri_path.encode() + inner, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode("ascii")


class NonceSource:
    """Strictly increasing nonces: the clock in milliseconds, or the previous nonce + 1
    when the clock has not moved on (Kraken refuses a nonce not above the last one)."""

    __slots__ = ("_last",)

    def __init__(self, start: int = 0) -> None:
        if type(start) is not int or start < 0:
            raise InvalidInput("start", "must be an int >= 0", start)
        self._last = start

    def next(self, now_ns: int | None = None) -> int:
        """The next nonce (``now_ns`` defaults to the wall clock)."""
        ms = (time.time_ns() if now_ns is None else now_ns) // 1_000_000
        self._last = ms if ms > self._last else self._last + 1
        return self._last


class KrakenCredentials:
    """A Kraken API key and its base64 secret; signs private REST requests.

    Nothing secret appears in ``repr``/``str``, in pickles (refused) or in exceptions.
    """

    __slots__ = ("_api_key", "_key")

    def __init__(self, api_key: str, secret: str) -> None:
        if not isinstance(api_key, str) or not api_key or not api_key.isascii():
            raise InvalidInput("KrakenCredentials.api_key", "must be a non-empty ASCII str")
        self._api_key = api_key
        self._key = _Secret(_decode_secret(secret))

    def __repr__(self) -> str:
        return f"KrakenCredentials(api_key='...{self._api_key[-4:]}', secret=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("KrakenCredentials cannot be pickled (they hold secrets)")

    @property
    def api_key(self) -> str:
        """The public API key (sent in clear in every request)."""
        return self._api_key

    def sign(self, uri_path: str, nonce: str | int, postdata: str) -> str:
        """The ``API-Sign`` value for a request."""
        return _sign(self._key.reveal(), uri_path, str(nonce), postdata)

    def signed_request(
        self, uri_path: str, params: Mapping[str, object], nonce: int
    ) -> tuple[str, dict[str, str]]:
        """``(body, headers)`` of a private REST call: the form body (``nonce`` first,
        then ``params`` in order) and the ``API-Key``/``API-Sign``/``Content-Type``
        headers."""
        if "nonce" in params:
            raise InvalidInput("params.nonce", "is added by signed_request; do not pass it")
        body = encode_body({"nonce": nonce, **params})
        headers = {
            API_KEY: self._api_key,
            API_SIGN: self.sign(uri_path, nonce, body),
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        }
        return body, headers


def verify_signature(secret: str, signature: str, uri_path: str, postdata: str) -> bool:
    """Whether ``signature`` is right for this request (for fake servers): the nonce is
    read from ``postdata`` itself, as the venue does. Compared in constant time."""
    fields = urllib.parse.parse_qs(postdata, keep_blank_values=True)
    nonces = fields.get("nonce")
    if not nonces or len(nonces) != 1:
        return False
    expected = sign(secret, uri_path, nonces[0], postdata)
    return hmac.compare_digest(expected, signature)
