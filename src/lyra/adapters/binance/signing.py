"""Binance request signing: REST and websocket API, HMAC-SHA256 and Ed25519.

Two payload rules (``specs/venues.md`` A1/A2, from Binance's documentation):

* **REST** -- the payload is the query string *concatenated with* the request body, exactly
  as sent, with non-ASCII characters percent-encoded *before* signing
  (:func:`rest_payload`). The signature is appended as ``signature=<hex>``; the key goes in
  the ``X-MBX-APIKEY`` header.
* **Websocket API** -- every ``params`` entry except ``signature`` (``apiKey`` included),
  sorted by name, joined as ``k=v`` with ``&``, raw UTF-8 (:func:`ws_api_payload`).

HMAC signatures are lower-case hex (Binance accepts either case); Ed25519 signatures are
base64 over the same payload (and percent-encoded when placed in a query string, which
:class:`~lyra.adapters.PreparedRequest` does). :class:`BinanceSigner` signs REST requests
for :class:`~lyra.adapters.RestClient`; :func:`sign_ws_params` completes websocket API
parameters. :func:`verify` checks a signature the way the venue does (the fake server uses
it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final

from lyra.adapters.rest import PreparedRequest, ServerClock
from lyra.adapters.secrets import Credentials, Secret
from lyra.errors import InvalidInput, MissingDependency

__all__ = (
    "API_KEY_HEADER",
    "BinanceSigner",
    "ed25519_signature",
    "encode_params",
    "hmac_signature",
    "is_ed25519_key",
    "rest_payload",
    "sign_ws_params",
    "verify",
    "ws_api_payload",
)

API_KEY_HEADER: Final = "X-MBX-APIKEY"
"""The header that carries the API key on REST calls."""

_PEM_PRIVATE: Final = "-----BEGIN PRIVATE KEY-----"


def encode_params(params: Mapping[str, Any] | list[tuple[str, Any]]) -> str:
    """Percent-encode parameters as Binance expects them in a query or form body."""
    items = params.items() if isinstance(params, Mapping) else params
    return urllib.parse.urlencode([(k, str(v)) for k, v in items], quote_via=urllib.parse.quote)


def rest_payload(query: str, body: str | bytes = "") -> bytes:
    """The bytes a REST signature covers: the query string then the body, no separator."""
    if isinstance(body, bytes):
        return query.encode() + body
    return (query + body).encode()


def ws_api_payload(params: Mapping[str, Any]) -> bytes:
    """The bytes a websocket API signature covers: every parameter but ``signature``,
    sorted by name, ``k=v`` joined with ``&``, raw UTF-8."""
    parts = [f"{k}={_ws_value(v)}" for k, v in sorted(params.items()) if k != "signature"]
    return "&".join(parts).encode()


def _ws_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def hmac_signature(secret: Secret | str | bytes, payload: bytes | str) -> str:
    """HMAC-SHA256 of ``payload`` with ``secret``, lower-case hex."""
    key = (
        secret.reveal_bytes()
        if isinstance(secret, Secret)
        else (secret.encode() if isinstance(secret, str) else secret)
    )
    data = payload.encode() if isinstance(payload, str) else payload
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def is_ed25519_key(secret: Secret | str) -> bool:
    """Whether ``secret`` is a PEM private key (Ed25519) rather than an HMAC secret."""
    value = secret.reveal() if isinstance(secret, Secret) else secret
    return value.lstrip().startswith(_PEM_PRIVATE)


def _ed25519_key(pem: str) -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # pragma: no cover - installed with lyra[adapters]
        raise MissingDependency(
            "Ed25519 keys need the 'cryptography' package: pip install lyra[adapters]"
        ) from None
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidInput("api_secret", "is not a readable PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("api_secret", "must be an Ed25519 private key (or an HMAC secret)")
    return key


def ed25519_signature(private_key_pem: Secret | str, payload: bytes | str) -> str:
    """Ed25519 signature of ``payload`` with a PEM (PKCS#8) private key, base64."""
    pem = private_key_pem.reveal() if isinstance(private_key_pem, Secret) else private_key_pem
    data = payload.encode() if isinstance(payload, str) else payload
    return base64.b64encode(_ed25519_key(pem).sign(data)).decode()


def _sign(secret: Secret, payload: bytes) -> str:
    if is_ed25519_key(secret):
        return ed25519_signature(secret, payload)
    return hmac_signature(secret, payload)


def verify(
    payload: bytes,
    signature: str,
    *,
    hmac_secret: Secret | str | None = None,
    ed25519_public_pem: str | None = None,
) -> bool:
    """Check ``signature`` over ``payload`` as Binance does: HMAC hex compared without
    regard to case, or an Ed25519 base64 signature against the registered public key."""
    if hmac_secret is not None:
        expected = hmac_signature(hmac_secret, payload)
        return hmac.compare_digest(expected, signature.lower())
    if ed25519_public_pem is not None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        key = load_pem_public_key(ed25519_public_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            return False
        try:
            key.verify(base64.b64decode(signature, validate=True), payload)
        except (InvalidSignature, ValueError):
            return False
        return True
    return False


class BinanceSigner:
    """Signs REST requests for :class:`~lyra.adapters.RestClient`.

    Adds ``recvWindow`` (when set) and ``timestamp`` (the venue's time from
    ``server_clock``) to the query, signs query + body, appends ``signature``, and sets the
    ``X-MBX-APIKEY`` header. Requests that are not signed but need the key (listen keys)
    get the header only when ``keyed`` is set on them by the caller via
    :meth:`add_key`.
    """

    __slots__ = ("_credentials", "clock", "recv_window_ms")

    def __init__(
        self,
        credentials: Credentials,
        server_clock: ServerClock,
        *,
        recv_window_ms: int | None = 5000,
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise InvalidInput("credentials", "must be Credentials")
        if recv_window_ms is not None and not 0 < recv_window_ms <= 60_000:
            raise InvalidInput("recv_window_ms", "must be in 1..60000", recv_window_ms)
        self._credentials = credentials
        self.clock = server_clock
        self.recv_window_ms = recv_window_ms

    def add_key(self, request: PreparedRequest) -> None:
        """Set the API key header only (``USER_STREAM`` endpoints are keyed, not signed)."""
        request.headers[API_KEY_HEADER] = self._credentials.api_key.reveal()

    def sign(self, request: PreparedRequest) -> None:
        """Add timestamp, recvWindow, signature and the key header to ``request``."""
        if self.recv_window_ms is not None:
            request.params.append(("recvWindow", str(self.recv_window_ms)))
        request.params.append(("timestamp", str(self.clock.now_ms())))
        body = request.body or b""
        payload = rest_payload(request.query_string(), body)
        request.params.append(("signature", _sign(self._credentials.api_secret, payload)))
        self.add_key(request)

    def __repr__(self) -> str:
        return f"BinanceSigner(recv_window_ms={self.recv_window_ms})"


def sign_ws_params(
    params: dict[str, Any],
    credentials: Credentials,
    timestamp_ms: int,
    *,
    recv_window_ms: int | None = None,
) -> dict[str, Any]:
    """``params`` completed for a signed websocket API request: ``apiKey``, ``timestamp``
    (and ``recvWindow``), then ``signature`` over the sorted parameters."""
    out = dict(params)
    out["apiKey"] = credentials.api_key.reveal()
    out["timestamp"] = timestamp_ms
    if recv_window_ms is not None:
        out["recvWindow"] = recv_window_ms
    out["signature"] = _sign(credentials.api_secret, ws_api_payload(out))
    return out
