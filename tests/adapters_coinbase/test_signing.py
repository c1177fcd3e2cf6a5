"""CDP API key JWTs: sign-then-verify for ES256 and Ed25519, exact header and claims,
tampered tokens refused, secrets never shown."""

from __future__ import annotations

import base64
import json
import pickle
import sys
import traceback

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings, strategies as st

from lyra.adapters.coinbase.signing import (
    ALG_ED25519,
    ALG_ES256,
    CdpKey,
    InvalidToken,
    JwtVerifier,
    decode_jwt,
    rest_uri,
)
from lyra.adapters.secrets import Secret
from lyra.errors import InvalidInput

from .samples import EC_PUBLIC, EC_SECRET, ED_SECRET, KEY_NAME

NOW = 1_775_572_201


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(params=["ES256", "EdDSA"])
def key(request: pytest.FixtureRequest) -> CdpKey:
    return CdpKey(KEY_NAME, EC_SECRET if request.param == "ES256" else ED_SECRET)


def verifier_for(key: CdpKey, **kwargs: int) -> JwtVerifier:
    v = JwtVerifier(**kwargs)
    v.add_key(KEY_NAME, key.public_key_pem())
    return v


# -- format ------------------------------------------------------------------------------
def test_rest_jwt_header_and_claims_are_exactly_the_documented_ones(key: CdpKey) -> None:
    token = key.rest_jwt("get", "/api/v3/brokerage/accounts?limit=5", now=NOW, nonce="ab12")
    head, body, sig = token.split(".")
    header = json.loads(b64url_decode(head))
    claims = json.loads(b64url_decode(body))
    assert header == {"alg": key.algorithm, "kid": KEY_NAME, "nonce": "ab12", "typ": "JWT"}
    assert claims == {
        "sub": KEY_NAME,
        "iss": "cdp",
        "nbf": NOW,
        "exp": NOW + 120,
        "uri": "GET api.coinbase.com/api/v3/brokerage/accounts",
    }
    assert len(b64url_decode(sig)) == 64
    assert "=" not in token


def test_ws_jwt_has_no_uri(key: CdpKey) -> None:
    claims = decode_jwt(key.ws_jwt(now=NOW)).claims
    assert claims == {"sub": KEY_NAME, "iss": "cdp", "nbf": NOW, "exp": NOW + 120}


def test_default_nonce_is_random_hex_and_time_is_the_wall_clock(key: CdpKey) -> None:
    import time

    a, b = decode_jwt(key.ws_jwt()), decode_jwt(key.ws_jwt())
    assert a.header["nonce"] != b.header["nonce"]
    int(a.header["nonce"], 16)
    assert len(a.header["nonce"]) == 32
    assert abs(a.claims["nbf"] - int(time.time())) <= 5


def test_key_types_are_detected() -> None:
    assert CdpKey(KEY_NAME, EC_SECRET).algorithm == ALG_ES256
    assert CdpKey(KEY_NAME, ED_SECRET).algorithm == ALG_ED25519
    # PEM pasted from JSON with literal "\n"
    assert CdpKey(KEY_NAME, EC_SECRET.replace("\n", "\\n")).algorithm == ALG_ES256


def test_the_ec_test_keys_public_half_is_the_published_one() -> None:
    assert CdpKey(KEY_NAME, EC_SECRET).public_key_pem() == EC_PUBLIC


def test_ed25519_seed_and_pkcs8_forms_give_the_same_key() -> None:
    raw = base64.b64decode(ED_SECRET)
    seed_only = CdpKey(KEY_NAME, base64.b64encode(raw[:32]).decode())
    pem = (
        ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    from_pem = CdpKey(KEY_NAME, pem)
    full = CdpKey(KEY_NAME, ED_SECRET)
    assert seed_only.public_key_pem() == from_pem.public_key_pem() == full.public_key_pem()


def test_a_64_byte_ed25519_key_whose_halves_disagree_is_refused() -> None:
    raw = bytearray(base64.b64decode(ED_SECRET))
    raw[40] ^= 1
    with pytest.raises(InvalidInput, match="public half does not match"):
        CdpKey(KEY_NAME, base64.b64encode(bytes(raw)).decode())


def test_an_ec_key_on_another_curve_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    with pytest.raises(InvalidInput, match="secp384r1"):
        CdpKey(KEY_NAME, other.decode())


def test_rest_uri() -> None:
    assert rest_uri("post", "/api/v3/brokerage/orders") == (
        "POST api.coinbase.com/api/v3/brokerage/orders"
    )
    assert rest_uri("GET", "/p?q=1", "127.0.0.1:8080") == "GET 127.0.0.1:8080/p"
    for bad in (("FETCH", "/p"), ("GET", "p"), ("GET", "")):
        with pytest.raises(InvalidInput):
            rest_uri(*bad)


# -- sign then verify ------------------------------------------------------------------------
def test_rest_sign_then_verify(key: CdpKey) -> None:
    token = key.rest_jwt("POST", "/api/v3/brokerage/orders", now=NOW)
    claims = verifier_for(key).verify_rest(token, "POST", "/api/v3/brokerage/orders", now=NOW + 60)
    assert claims["uri"] == "POST api.coinbase.com/api/v3/brokerage/orders"


def test_ws_sign_then_verify(key: CdpKey) -> None:
    assert verifier_for(key).verify_ws(key.ws_jwt(now=NOW), now=NOW)["sub"] == KEY_NAME


def test_the_signature_verifies_with_cryptography_directly(key: CdpKey) -> None:
    # independent check of the JWS encoding: raw r||s for ES256, plain Ed25519 otherwise
    parts = decode_jwt(key.rest_jwt("GET", "/x", now=NOW))
    public = serialization.load_pem_public_key(key.public_key_pem().encode())
    if key.algorithm == ALG_ES256:
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        r = int.from_bytes(parts.signature[:32], "big")
        s = int.from_bytes(parts.signature[32:], "big")
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(encode_dss_signature(r, s), parts.signing_input, ec.ECDSA(hashes.SHA256()))
    else:
        assert isinstance(public, ed25519.Ed25519PublicKey)
        public.verify(parts.signature, parts.signing_input)


@settings(max_examples=25, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT"]),
    path=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?"),
        max_size=40,
    ).map(lambda s: "/" + s),
    now=st.integers(min_value=0, max_value=4_000_000_000),
)
def test_any_request_signs_and_verifies_and_no_other_does(method: str, path: str, now: int) -> None:
    key = CdpKey(KEY_NAME, ED_SECRET)
    v = verifier_for(key)
    token = key.rest_jwt(method, path, now=now)
    assert v.verify_rest(token, method, path, now=now)["nbf"] == now
    with pytest.raises(InvalidToken, match="uri"):
        v.verify_rest(token, method, path + "x", now=now)


# -- tampering ---------------------------------------------------------------------------
def _reencode(token: str, *, header: dict | None = None, claims: dict | None = None) -> str:
    head, body, sig = token.split(".")
    if header is not None:
        head = b64url(json.dumps(header).encode())
    if claims is not None:
        body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{sig}"


def test_a_changed_claim_breaks_the_signature(key: CdpKey) -> None:
    token = key.rest_jwt("GET", "/a", now=NOW)
    parts = decode_jwt(token)
    forged = _reencode(token, claims={**parts.claims, "uri": "GET api.coinbase.com/b"})
    with pytest.raises(InvalidToken) as info:
        verifier_for(key).verify_rest(forged, "GET", "/b", now=NOW)
    assert info.value.field == "jwt.signature"


def test_a_flipped_signature_bit_fails(key: CdpKey) -> None:
    token = key.ws_jwt(now=NOW)
    head, body, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[5] ^= 0x01
    with pytest.raises(InvalidToken, match="signature"):
        verifier_for(key).verify_ws(f"{head}.{body}.{b64url(bytes(raw))}", now=NOW)


def test_another_keys_token_fails() -> None:
    ours = CdpKey(KEY_NAME, EC_SECRET)
    theirs = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = CdpKey(KEY_NAME, theirs.decode()).ws_jwt(now=NOW)
    with pytest.raises(InvalidToken, match="signature"):
        verifier_for(ours).verify_ws(token, now=NOW)


def test_a_der_encoded_es256_signature_fails() -> None:
    key = CdpKey(KEY_NAME, EC_SECRET)
    token = key.ws_jwt(now=NOW)
    head, body, _ = token.split(".")
    private = serialization.load_pem_private_key(EC_SECRET.encode(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    der = private.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidToken, match="signature"):
        verifier_for(key).verify_ws(f"{head}.{body}.{b64url(der)}", now=NOW)


@pytest.mark.parametrize(
    ("header_change", "field"),
    [
        ({"alg": "none"}, "jwt.header.alg"),
        ({"alg": "HS256"}, "jwt.header.alg"),
        ({"kid": "organizations/x/apiKeys/other"}, "jwt.header.kid"),
        ({"typ": "JOSE+JSON"}, "jwt.header.typ"),
        ({"nonce": ""}, "jwt.header.nonce"),
    ],
)
def test_header_rules(key: CdpKey, header_change: dict, field: str) -> None:
    token = key.ws_jwt(now=NOW)
    forged = _reencode(token, header={**decode_jwt(token).header, **header_change})
    with pytest.raises(InvalidToken) as info:
        verifier_for(key).verify_ws(forged, now=NOW)
    assert info.value.field == field


def test_the_other_algorithm_for_a_key_fails() -> None:
    key = CdpKey(KEY_NAME, ED_SECRET)
    token = key.ws_jwt(now=NOW)
    forged = _reencode(token, header={**decode_jwt(token).header, "alg": "ES256"})
    with pytest.raises(InvalidToken, match="EdDSA"):
        verifier_for(key).verify_ws(forged, now=NOW)


def test_missing_nonce_fails(key: CdpKey) -> None:
    token = key.ws_jwt(now=NOW)
    header = dict(decode_jwt(token).header)
    del header["nonce"]
    with pytest.raises(InvalidToken, match="nonce"):
        verifier_for(key).verify_ws(_reencode(token, header=header), now=NOW)


def test_times(key: CdpKey) -> None:
    v = verifier_for(key)
    token = key.ws_jwt(now=NOW)
    v.verify_ws(token, now=NOW + 119)
    with pytest.raises(InvalidToken, match="has passed") as expired:
        v.verify_ws(token, now=NOW + 120)
    assert expired.value.field == "jwt.claims.exp"
    with pytest.raises(InvalidToken, match="future") as early:
        v.verify_ws(token, now=NOW - 1)
    assert early.value.field == "jwt.claims.nbf"
    lenient = verifier_for(key, leeway_s=5)
    lenient.verify_ws(token, now=NOW - 5)
    lenient.verify_ws(token, now=NOW + 124)


def test_claims_rules_are_checked_after_the_signature(key: CdpKey) -> None:
    # a correctly signed token with wrong claims: sign the forged claims ourselves
    v = verifier_for(key)
    for change, field in (
        ({"iss": "coinbase-cloud"}, "jwt.claims.iss"),
        ({"sub": "someone-else"}, "jwt.claims.sub"),
        ({"exp": NOW + 600}, "jwt.claims.exp"),
        ({"nbf": "now"}, "jwt.claims.nbf"),
    ):
        token = _signed_with_claims(key, change)
        with pytest.raises(InvalidToken) as info:
            v.verify_ws(token, now=NOW)
        assert info.value.field == field


def _signed_with_claims(key: CdpKey, change: dict) -> str:
    from lyra.adapters.coinbase import signing

    header = {"alg": key.algorithm, "kid": KEY_NAME, "nonce": "00", "typ": "JWT"}
    claims = {"sub": KEY_NAME, "iss": "cdp", "nbf": NOW, "exp": NOW + 120, **change}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = signing._sign(key.algorithm, key._key, signing_input.encode())
    return f"{signing_input}.{b64url(sig)}"


@pytest.mark.parametrize(
    "token", ["", "a.b", "a.b.c.d", "!!.e30.AA", "e30=.e30.AA", "W10.e30.AA", "e30.e30."]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    v = JwtVerifier()
    v.add_key(KEY_NAME, EC_PUBLIC)
    with pytest.raises(InvalidToken):
        v.verify_ws(token, now=NOW)


def test_rest_token_for_another_path_or_host_fails(key: CdpKey) -> None:
    v = verifier_for(key)
    token = key.rest_jwt("GET", "/api/v3/brokerage/accounts", now=NOW)
    with pytest.raises(InvalidToken, match="uri"):
        v.verify_rest(token, "GET", "/api/v3/brokerage/orders", now=NOW)
    with pytest.raises(InvalidToken, match="uri"):
        v.verify_rest(token, "GET", "/api/v3/brokerage/accounts", host="127.0.0.1", now=NOW)
    with pytest.raises(InvalidToken, match="uri"):
        v.verify_rest(key.ws_jwt(now=NOW), "GET", "/api/v3/brokerage/accounts", now=NOW)


# -- secrets stay secret -----------------------------------------------------------------------
def _secret_fragments(secret: str) -> list[str]:
    body = secret.replace("-----BEGIN EC PRIVATE KEY-----", "").replace(
        "-----END EC PRIVATE KEY-----", ""
    )
    return [line for line in body.split("\n") if len(line) >= 16] or [secret]


@pytest.mark.parametrize("secret", [EC_SECRET, ED_SECRET])
def test_repr_and_pickle_never_show_the_secret(secret: str) -> None:
    key = CdpKey(KEY_NAME, secret)
    text = repr(key) + str(key) + f"{key}"
    for fragment in _secret_fragments(secret):
        assert fragment not in text
    assert KEY_NAME in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)


@pytest.mark.parametrize(
    "bad_secret",
    [
        EC_SECRET.replace("MHcCAQEEIKwf", "MHcCAQEEIKwX"),  # corrupted PEM
        ED_SECRET[:-8] + "AAAAAAA=",  # wrong length / mismatched halves
        "not a key at all but long enough to look like one 0123456789",
    ],
)
def test_a_bad_secret_leaves_no_trace_in_the_error_or_traceback(bad_secret: str) -> None:
    with pytest.raises(InvalidInput) as info:
        CdpKey(KEY_NAME, bad_secret)
    exc = info.value
    assert exc.__cause__ is None and exc.__context__ is None
    # every frame from CdpKey.__init__ down (the test's own frame holds its own copy)
    assert exc.__traceback__ is not None and exc.__traceback__.tb_next is not None
    frames = traceback.StackSummary.extract(
        traceback.walk_tb(exc.__traceback__.tb_next), capture_locals=True
    )
    assert any(f.name == "__init__" for f in frames)
    rendered = "".join(frames.format()) + str(exc)
    for fragment in _secret_fragments(bad_secret):
        assert fragment not in rendered
        assert fragment not in str(exc)
    assert "CdpKey.secret" in str(exc)


def test_a_secret_object_is_accepted_and_stays_masked() -> None:
    key = CdpKey(KEY_NAME, Secret(EC_SECRET))
    assert key.algorithm == ALG_ES256
    assert "MHcCAQ" not in repr(key)


def test_the_verifier_errors_never_carry_the_token(key: CdpKey) -> None:
    token = key.ws_jwt(now=NOW)
    with pytest.raises(InvalidToken) as info:
        verifier_for(key).verify_ws(token, now=NOW + 1000)
    assert token not in str(info.value)
    assert token.split(".")[2] not in str(info.value)


def test_signing_needs_no_import_until_used() -> None:
    # cryptography is imported lazily: the module itself does not pull it in
    import subprocess

    code = "import sys; import lyra.adapters.coinbase.signing;print('cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
