"""Kraken signing: the published API-Sign known answer, sign-then-verify, nonces, and that
no secret ever shows in a repr, a pickle or an exception."""

from __future__ import annotations

import base64
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from lyra.adapters.kraken.signing import (
    API_KEY,
    API_SIGN,
    WEBSOCKETS_TOKEN_PATH,
    KrakenCredentials,
    NonceSource,
    encode_body,
    sign,
    verify_signature,
)
from lyra.errors import InvalidInput

# Kraken's own example ("Spot REST Authentication"), venues.md A3
SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
NONCE = 1616492376594
POSTDATA = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
PATH = "/0/private/AddOrder"
EXPECTED = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)
KEY = "pubkey-Abcd1234"


def test_the_published_known_answer() -> None:
    assert sign(SECRET, PATH, NONCE, POSTDATA) == EXPECTED
    assert sign(SECRET, PATH, str(NONCE), POSTDATA) == EXPECTED
    assert KrakenCredentials(KEY, SECRET).sign(PATH, NONCE, POSTDATA) == EXPECTED


def test_signed_request_builds_the_same_body_and_headers() -> None:
    creds = KrakenCredentials(KEY, SECRET)
    params = {
        "ordertype": "limit",
        "pair": "XBTUSD",
        "price": "37500",
        "type": "buy",
        "volume": "1.25",
    }
    body, headers = creds.signed_request(PATH, params, NONCE)
    assert body == POSTDATA
    assert headers[API_KEY] == KEY and headers[API_SIGN] == EXPECTED
    assert headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    with pytest.raises(InvalidInput, match="nonce"):
        creds.signed_request(PATH, {"nonce": 1}, NONCE)
    token_body, _ = creds.signed_request(WEBSOCKETS_TOKEN_PATH, {}, 5)
    assert token_body == "nonce=5"


def test_verify_signature() -> None:
    assert verify_signature(SECRET, EXPECTED, PATH, POSTDATA)
    assert not verify_signature(SECRET, EXPECTED, "/0/private/CancelOrder", POSTDATA)
    assert not verify_signature(SECRET, EXPECTED, PATH, POSTDATA.replace("1.25", "1.26"))
    assert not verify_signature(
        SECRET, EXPECTED, PATH, POSTDATA.replace("nonce=1616492376594&", "")
    )


@settings(max_examples=50, deadline=None)
@given(
    params=st.dictionaries(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_[]", min_size=1, max_size=10).filter(
            lambda k: k != "nonce"
        ),
        st.text(max_size=20),
        max_size=6,
    ),
    nonce=st.integers(min_value=1, max_value=2**63),
    key=st.binary(min_size=16, max_size=64),
)
def test_sign_then_verify(params: dict[str, str], nonce: int, key: bytes) -> None:
    secret = base64.b64encode(key).decode()
    body, headers = KrakenCredentials(KEY, secret).signed_request(PATH, params, nonce)
    assert body == encode_body({"nonce": nonce, **params})
    assert verify_signature(secret, headers[API_SIGN], PATH, body)
    other = base64.b64encode(key + b"x").decode()
    assert not verify_signature(other, headers[API_SIGN], PATH, body)


def test_nonces_always_increase() -> None:
    nonces = NonceSource()
    a = nonces.next(now_ns=5_000_000_000)
    b = nonces.next(now_ns=5_000_000_000)  # same millisecond
    c = nonces.next(now_ns=4_000_000_000)  # the clock stepped back
    d = nonces.next(now_ns=9_000_000_000)
    assert a == 5000 and b == 5001 and c == 5002 and d == 9000
    assert NonceSource(start=10**13).next(now_ns=0) == 10**13 + 1
    with pytest.raises(InvalidInput):
        NonceSource(start=-1)
    assert NonceSource().next() > 1_600_000_000_000


def test_secrets_never_show() -> None:
    creds = KrakenCredentials(KEY, SECRET)
    for text in (repr(creds), str(creds), f"{creds}", repr(creds._key)):
        assert SECRET not in text and KEY not in text
        assert SECRET[:20] not in text
    assert "1234" in repr(creds)
    with pytest.raises(TypeError) as info:
        pickle.dumps(creds)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("bad", ["not base64 at all!", "abc", "", "a" * 5])
def test_a_bad_secret_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        KrakenCredentials(KEY, bad)
    assert info.value.field == "KrakenCredentials.secret"
    assert info.value.value is None and info.value.__cause__ is None
    if bad:
        assert bad not in str(info.value)
    with pytest.raises(InvalidInput) as info:
        sign(bad, PATH, 1, "nonce=1")
    assert info.value.value is None
    with pytest.raises(InvalidInput):
        KrakenCredentials("", SECRET)
