"""CDP API key JWTs for Coinbase Advanced Trade: build them, and verify them in a fake server.

Coinbase authenticates every private REST call and every websocket subscription with a JSON
Web Token signed by the account's CDP API key (docs.cdp.coinbase.com, "Coinbase App API Key
Authentication"; official SDK ``coinbase/coinbase-advanced-py`` ``jwt_generator.py``):

* header ``{"alg": "ES256" | "EdDSA", "kid": <key name>, "nonce": <random hex>, "typ": "JWT"}``;
* claims ``{"sub": <key name>, "iss": "cdp", "nbf": <now, s>, "exp": nbf + 120}``, plus
  ``"uri": "<METHOD> <host><path>"`` for REST (``"GET api.coinbase.com/api/v3/brokerage/
  accounts"``; no query string). A websocket JWT has no ``uri``;
* signature: ES256 is ECDSA P-256 over SHA-256 written as the raw 64-byte ``r || s`` of
  RFC 7518 (not DER); EdDSA is Ed25519's 64-byte signature. Each part is base64url without
  padding, joined with dots.

A JWT lives two minutes, so :class:`CdpKey` mints a fresh one per request
(:meth:`CdpKey.rest_jwt`) and per websocket subscribe (:meth:`CdpKey.ws_jwt`). Both accept
``now`` and ``nonce`` so tests are deterministic.

Key formats (:class:`CdpKey` detects which): an EC P-256 private key in PEM (``-----BEGIN EC
PRIVATE KEY-----`` or PKCS#8), an Ed25519 key in PKCS#8 PEM, or an Ed25519 key as base64 of
the 64-byte ``seed || public key`` the CDP portal shows (its public half is checked against
the seed) or of the 32-byte seed. Literal ``\\n`` in a PEM pasted from JSON is accepted.

The secret is held in a :class:`~lyra.adapters.secrets.Secret` and the parsed private key
in the key object only; ``repr`` shows the key name and algorithm, and no exception raised
here contains the secret, the private key or a token (they are raised ``from None`` so no
chained exception carries one either).

:class:`JwtVerifier` is the server half, for fake venue servers: it checks what Coinbase
checks (see its docstring) and raises :class:`InvalidToken` naming the failed part.

Needs the ``cryptography`` package (``pip install lyra[adapters]``), imported on first use.
"""

from __future__ import annotations

import base64
import binascii
import functools
import secrets
import time
import types
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

from lyra.adapters.secrets import Secret
from lyra.errors import InvalidInput, InvalidToken, MissingDependency

if TYPE_CHECKING:  # pragma: no cover - types only
    from cryptography.hazmat.primitives.asymmetric.ec import (
        EllipticCurvePrivateKey,
        EllipticCurvePublicKey,
    )
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    _PrivateKey = EllipticCurvePrivateKey | Ed25519PrivateKey
    _PublicKey = EllipticCurvePublicKey | Ed25519PublicKey

__all__ = (
    "ALG_ED25519",
    "ALG_ES256",
    "JWT_ISSUER",
    "JWT_LIFETIME_S",
    "REST_HOST",
    "CdpKey",
    "InvalidToken",
    "JwtParts",
    "JwtVerifier",
    "decode_jwt",
    "rest_uri",
)

ALG_ES256: Final = "ES256"
"""JWS algorithm of an EC P-256 key."""
ALG_ED25519: Final = "EdDSA"
"""JWS algorithm of an Ed25519 key."""
JWT_ISSUER: Final = "cdp"
"""The ``iss`` claim of every CDP API key JWT."""
JWT_LIFETIME_S: Final = 120
"""Seconds from ``nbf`` to ``exp``: the two minutes Coinbase accepts."""
REST_HOST: Final = "api.coinbase.com"
"""The REST host signed into the ``uri`` claim."""

Algorithm = Literal["ES256", "EdDSA"]

_HTTP_METHODS: Final = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
_ES256_PART: Final = 32  # bytes of r and of s on P-256
_ENCODER: Final = msgspec.json.Encoder()
_OBJECT: Final = msgspec.json.Decoder(dict[str, Any])


@functools.cache
def _crypto() -> Any:
    """The ``cryptography`` primitives, imported on first use."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils
    except ImportError:  # pragma: no cover - the test environment has it
        raise MissingDependency(
            "Coinbase JWT signing needs the 'cryptography' package: pip install lyra[adapters]"
        ) from None
    return types.SimpleNamespace(
        InvalidSignature=InvalidSignature,
        hashes=hashes,
        serialization=serialization,
        ec=ec,
        ed25519=ed25519,
        utils=utils,
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str, field: str) -> bytes:
    if not text or "=" in text or not text.isascii():
        raise InvalidToken(field, "must be non-empty unpadded base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidToken(field, "must be non-empty unpadded base64url") from None


def rest_uri(method: str, path: str, host: str = REST_HOST) -> str:
    """The ``uri`` claim of a REST call: ``"<METHOD> <host><path>"`` without the query.

    ``path`` starts with ``/`` (``/api/v3/brokerage/orders``); a ``?query`` on it is dropped,
    as Coinbase signs the path only.
    """
    verb = method.upper() if isinstance(method, str) else method
    if verb not in _HTTP_METHODS:
        raise InvalidInput("method", f"must be one of {sorted(_HTTP_METHODS)}", method)
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidInput("path", "must be a str starting with '/'", path)
    if not isinstance(host, str) or not host or "/" in host or " " in host:
        raise InvalidInput("host", "must be a host name such as 'api.coinbase.com'", host)
    return f"{verb} {host}{path.partition('?')[0]}"


# -- private keys --------------------------------------------------------------------------
_KEY_FORMATS: Final = (
    "must be an EC P-256 private key in PEM, an Ed25519 private key in PKCS#8 PEM, or "
    "base64 of a 64-byte (seed + public key) or 32-byte Ed25519 key"
)


def _parse_private_key(secret: Secret) -> tuple[Algorithm, _PrivateKey] | str:
    """The key, or the rule it broke. Never raises: an exception raised here would keep this
    frame, whose locals hold the secret's text, alive in its traceback."""
    c = _crypto()
    try:
        text = secret.reveal().strip().replace("\\n", "\n")
        if text.startswith("-----BEGIN"):
            key = c.serialization.load_pem_private_key(text.encode(), password=None)
            if isinstance(key, c.ec.EllipticCurvePrivateKey):
                if key.curve.name != "secp256r1":
                    return f"is an EC key on {key.curve.name}; ES256 needs P-256"
                return ALG_ES256, key
            if isinstance(key, c.ed25519.Ed25519PrivateKey):
                return ALG_ED25519, key
            return _KEY_FORMATS
        raw = base64.b64decode(text, validate=True)
        if len(raw) not in (32, 64):
            return _KEY_FORMATS
        key = c.ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
        if len(raw) == 64:
            public = key.public_key().public_bytes(
                c.serialization.Encoding.Raw, c.serialization.PublicFormat.Raw
            )
            if public != raw[32:]:
                return "is a 64-byte Ed25519 key whose public half does not match its seed"
        return ALG_ED25519, key
    except Exception:
        return _KEY_FORMATS


def _load_private_key(secret: Secret) -> tuple[Algorithm, _PrivateKey]:
    """Parse the key; a failure is an InvalidInput with no trace of the secret."""
    parsed = _parse_private_key(secret)
    if isinstance(parsed, str):
        # raised outside any except block: no chained exception, no frame with the text
        raise InvalidInput("CdpKey.secret", parsed)
    return parsed


def _load_public_key(public_key: str | bytes) -> tuple[Algorithm, _PublicKey]:
    c = _crypto()
    data = public_key.encode() if isinstance(public_key, str) else public_key
    bad = InvalidInput(
        "public_key", "must be an EC P-256 or Ed25519 public key in PEM (SubjectPublicKeyInfo)"
    )
    try:
        key = c.serialization.load_pem_public_key(data)
    except Exception:
        raise bad from None
    if isinstance(key, c.ec.EllipticCurvePublicKey):
        if key.curve.name != "secp256r1":
            raise bad
        return ALG_ES256, key
    if isinstance(key, c.ed25519.Ed25519PublicKey):
        return ALG_ED25519, key
    raise bad


def _sign(algorithm: Algorithm, key: Any, message: bytes) -> bytes:
    c = _crypto()
    if algorithm == ALG_ES256:
        der = key.sign(message, c.ec.ECDSA(c.hashes.SHA256()))
        r, s = c.utils.decode_dss_signature(der)
        raw: bytes = r.to_bytes(_ES256_PART, "big") + s.to_bytes(_ES256_PART, "big")
        return raw
    signature: bytes = key.sign(message)
    return signature


def _verify(algorithm: Algorithm, key: Any, signature: bytes, message: bytes) -> bool:
    c = _crypto()
    try:
        if algorithm == ALG_ES256:
            if len(signature) != 2 * _ES256_PART:
                return False
            r = int.from_bytes(signature[:_ES256_PART], "big")
            s = int.from_bytes(signature[_ES256_PART:], "big")
            key.verify(c.utils.encode_dss_signature(r, s), message, c.ec.ECDSA(c.hashes.SHA256()))
        else:
            if len(signature) != 64:
                return False
            key.verify(signature, message)
    except c.InvalidSignature:
        return False
    return True


def _nonce() -> str:
    return secrets.token_hex(16)


class CdpKey:
    """A CDP API key: its name (``organizations/{org}/apiKeys/{id}`` or a bare id) and its
    private key. Mints the JWTs Coinbase expects.

    ``secret`` may be a ``str`` or a :class:`~lyra.adapters.secrets.Secret`; it is wrapped at
    once and parsed here (a malformed key raises :class:`~lyra.errors.InvalidInput` that
    names the accepted formats, never the value). The repr shows the key name and the
    algorithm only.
    """

    __slots__ = ("_algorithm", "_key", "_key_name")

    _key_name: str
    _algorithm: Algorithm
    _key: _PrivateKey

    def __init__(self, key_name: str, secret: str | Secret) -> None:
        if not isinstance(key_name, str) or not key_name or not key_name.isprintable():
            raise InvalidInput("CdpKey.key_name", "must be a non-empty printable str", key_name)
        if not isinstance(secret, (str, Secret)):
            raise InvalidInput("CdpKey.secret", "must be a str or a Secret")
        holder = secret if isinstance(secret, Secret) else Secret(secret)
        # the plain str must not stay in this frame's locals while the key is parsed: a
        # traceback rendered with locals (pytest --showlocals, a debugger) would show it
        del secret
        self._key_name = key_name
        self._algorithm, self._key = _load_private_key(holder)

    @property
    def key_name(self) -> str:
        """The key's name: the JWT's ``kid`` and ``sub``."""
        return self._key_name

    @property
    def algorithm(self) -> Algorithm:
        """``"ES256"`` or ``"EdDSA"``."""
        return self._algorithm

    def public_key_pem(self) -> str:
        """The public half in PEM (SubjectPublicKeyInfo), to register with a verifier."""
        c = _crypto()
        return str(
            self._key.public_key()
            .public_bytes(
                c.serialization.Encoding.PEM, c.serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def jwt(self, *, uri: str | None, now: int | None = None, nonce: str | None = None) -> str:
        """A JWT with ``uri`` as its ``uri`` claim (``None``: none, as for a websocket).

        ``now`` (seconds since the epoch) defaults to the wall clock and becomes ``nbf``;
        ``exp`` is ``nbf + 120``. ``nonce`` defaults to 32 random hex digits.
        """
        issued = int(time.time()) if now is None else now
        if type(issued) is not int or issued < 0:
            raise InvalidInput("now", "must be an int of seconds since the epoch, >= 0", now)
        header = {
            "alg": self._algorithm,
            "kid": self._key_name,
            "nonce": _nonce() if nonce is None else nonce,
            "typ": "JWT",
        }
        claims: dict[str, Any] = {
            "sub": self._key_name,
            "iss": JWT_ISSUER,
            "nbf": issued,
            "exp": issued + JWT_LIFETIME_S,
        }
        if uri is not None:
            claims["uri"] = uri
        signing_input = _b64url(_ENCODER.encode(header)) + "." + _b64url(_ENCODER.encode(claims))
        signature = _sign(self._algorithm, self._key, signing_input.encode("ascii"))
        return signing_input + "." + _b64url(signature)

    def rest_jwt(
        self,
        method: str,
        path: str,
        *,
        host: str = REST_HOST,
        now: int | None = None,
        nonce: str | None = None,
    ) -> str:
        """The JWT for one REST call (``Authorization: Bearer <jwt>``)."""
        return self.jwt(uri=rest_uri(method, path, host), now=now, nonce=nonce)

    def ws_jwt(self, *, now: int | None = None, nonce: str | None = None) -> str:
        """The JWT for a websocket subscribe message (its ``"jwt"`` field): no ``uri``."""
        return self.jwt(uri=None, now=now, nonce=nonce)

    def __repr__(self) -> str:
        # getattr: a key whose secret failed to parse is still shown (in a traceback's locals)
        name = getattr(self, "_key_name", "?")
        algorithm = getattr(self, "_algorithm", "?")
        return f"CdpKey({name!r}, algorithm={algorithm!r}, secret=***)"

    def __reduce__(self) -> Any:
        raise TypeError("a CdpKey cannot be pickled")


# -- parsing and verification ----------------------------------------------------------------
class JwtParts(msgspec.Struct, frozen=True, gc=False):
    """A JWT split and decoded, not verified: ``header`` and ``claims`` as dicts, the
    ``signing_input`` (``header.claims`` as sent) and the raw ``signature`` bytes."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def decode_jwt(token: str) -> JwtParts:
    """Split and decode ``token`` without verifying it; raises :class:`InvalidToken`."""
    if not isinstance(token, str):
        raise InvalidToken("jwt", "must be a str")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("jwt", "must have three dot-separated parts")
    decoded = []
    for part, name in zip(parts[:2], ("header", "claims"), strict=True):
        raw = _b64url_decode(part, f"jwt.{name}")
        try:
            decoded.append(_OBJECT.decode(raw))
        except msgspec.MsgspecError:
            raise InvalidToken(f"jwt.{name}", "must be a JSON object") from None
    signature = _b64url_decode(parts[2], "jwt.signature")
    return JwtParts(decoded[0], decoded[1], f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _int_claim(claims: dict[str, Any], name: str) -> int:
    value = claims.get(name)
    if type(value) is not int:
        raise InvalidToken(f"jwt.claims.{name}", "must be an integer number of seconds", value)
    return value


class JwtVerifier:
    """Verifies CDP JWTs as Coinbase does, for fake venue servers.

    Register each key's public half with :meth:`add_key`; then :meth:`verify_rest` checks a
    REST ``Authorization`` token against the request's method, host and path, and
    :meth:`verify_ws` a subscribe message's token. A token passes only when:

    * it is three base64url parts whose header and claims are JSON objects;
    * ``header.kid`` names a registered key and ``header.alg`` is that key's algorithm
      (``ES256`` for P-256, ``EdDSA`` for Ed25519: no other algorithm, never ``none``);
      ``header.typ``, when present, is ``JWT``; ``header.nonce`` is a non-empty string;
    * the signature verifies with that key (ES256 as raw ``r || s``; a DER signature fails);
    * ``claims.iss`` is ``cdp`` and ``claims.sub`` equals the key name;
    * ``nbf <= now + leeway_s`` and ``now - leeway_s < exp``, and ``0 < exp - nbf <=
      max_lifetime_s`` (120 s);
    * for REST, ``claims.uri`` equals ``"<METHOD> <host><path>"`` exactly (no query).
      A websocket token's ``uri``, if any, is not checked.

    Coinbase does not publish its verifier; these rules are the documented token format
    read strictly (``docs/explanation/venue-coinbase.md``). Failures raise
    :class:`InvalidToken` naming the part; the server answers 401 (REST) or
    ``{"type": "error", "message": "authentication failure"}`` (websocket).
    """

    __slots__ = ("_keys", "_leeway", "_lifetime")

    def __init__(self, *, leeway_s: int = 0, max_lifetime_s: int = JWT_LIFETIME_S) -> None:
        if type(leeway_s) is not int or leeway_s < 0:
            raise InvalidInput("leeway_s", "must be an int >= 0", leeway_s)
        if type(max_lifetime_s) is not int or max_lifetime_s <= 0:
            raise InvalidInput("max_lifetime_s", "must be an int > 0", max_lifetime_s)
        self._keys: dict[str, tuple[Algorithm, _PublicKey]] = {}
        self._leeway = leeway_s
        self._lifetime = max_lifetime_s

    def add_key(self, key_name: str, public_key: str | bytes | CdpKey) -> None:
        """Accept tokens of ``key_name`` signed by ``public_key`` (PEM, or a :class:`CdpKey`
        whose public half is taken)."""
        if not isinstance(key_name, str) or not key_name:
            raise InvalidInput("key_name", "must be a non-empty str", key_name)
        pem = public_key.public_key_pem() if isinstance(public_key, CdpKey) else public_key
        self._keys[key_name] = _load_public_key(pem)

    def verify_rest(
        self,
        token: str,
        method: str,
        path: str,
        *,
        host: str = REST_HOST,
        now: int | None = None,
    ) -> dict[str, Any]:
        """Verify a REST token for ``method host path``; return its claims."""
        claims = self._verify(token, now)
        expected = rest_uri(method, path, host)
        uri = claims.get("uri")
        if uri != expected:
            raise InvalidToken("jwt.claims.uri", f"must be {expected!r}", uri)
        return claims

    def verify_ws(self, token: str, *, now: int | None = None) -> dict[str, Any]:
        """Verify a websocket subscribe token; return its claims."""
        return self._verify(token, now)

    def _verify(self, token: str, now: int | None) -> dict[str, Any]:
        parts = decode_jwt(token)
        header, claims = parts.header, parts.claims
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in self._keys:
            raise InvalidToken("jwt.header.kid", "must name a registered API key", kid)
        algorithm, key = self._keys[kid]
        alg = header.get("alg")
        if alg != algorithm:
            raise InvalidToken("jwt.header.alg", f"must be {algorithm} for this key", alg)
        if "typ" in header and header["typ"] != "JWT":
            raise InvalidToken("jwt.header.typ", "must be 'JWT' when present", header["typ"])
        nonce = header.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise InvalidToken("jwt.header.nonce", "must be a non-empty string", nonce)
        if not _verify(algorithm, key, parts.signature, parts.signing_input):
            raise InvalidToken("jwt.signature", "does not verify with the key's public key")
        if claims.get("iss") != JWT_ISSUER:
            raise InvalidToken("jwt.claims.iss", f"must be {JWT_ISSUER!r}", claims.get("iss"))
        if claims.get("sub") != kid:
            raise InvalidToken("jwt.claims.sub", "must equal header.kid", claims.get("sub"))
        nbf = _int_claim(claims, "nbf")
        exp = _int_claim(claims, "exp")
        if not 0 < exp - nbf <= self._lifetime:
            raise InvalidToken(
                "jwt.claims.exp", f"must be 1..{self._lifetime} s after nbf {nbf}", exp
            )
        moment = int(time.time()) if now is None else now
        if nbf > moment + self._leeway:
            raise InvalidToken("jwt.claims.nbf", f"is in the future (now {moment})", nbf)
        if exp <= moment - self._leeway:
            raise InvalidToken("jwt.claims.exp", f"has passed (now {moment})", exp)
        return claims

    def __repr__(self) -> str:
        return f"JwtVerifier({len(self._keys)} keys, leeway_s={self._leeway})"
