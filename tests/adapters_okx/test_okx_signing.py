"""OKX signing: the self-derived regression vectors of venues.md A4, sign-then-verify, and
that no secret ever shows in a repr, a pickle or an exception."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings, strategies as st

from lyra.adapters.okx.signing import (
    OKX_ACCESS_KEY,
    OKX_ACCESS_PASSPHRASE,
    OKX_ACCESS_SIGN,
    OKX_ACCESS_TIMESTAMP,
    OkxCredentials,
    iso_timestamp,
    prehash,
    sign,
    verify_rest,
    verify_ws_login,
)
from lyra.errors import InvalidInput

SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
KEY = "985d5b66-57ce-40fb-b714-afc0b9787083"
PASSPHRASE = "Correct-Horse-9"
# 2020-12-08T09:08:57.715Z in nanoseconds
TS_NS = int(datetime(2020, 12, 8, 9, 8, 57, tzinfo=UTC).timestamp()) * 10**9 + 715 * 10**6


def creds() -> OkxCredentials:
    return OkxCredentials(KEY, SECRET, PASSPHRASE)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC",
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
        ),
        (
            '2020-12-08T09:08:57.715ZPOST/api/v5/account/set-leverage{"instId":"BTC-USDT",'
            '"lever":"5","mgnMode":"isolated"}',
            "eCnnCgWLjlQ9XnpUkrcny3qNq3WW/81KNrDr/XR6Xv8=",
        ),
        ("1704876947GET/users/self/verify", "5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU="),
    ],
)
def test_regression_vectors(message: str, expected: str) -> None:
    assert sign(SECRET, message) == expected
    assert creds().sign(message) == expected


def test_iso_timestamp_has_milliseconds_and_z() -> None:
    assert iso_timestamp(TS_NS) == "2020-12-08T09:08:57.715Z"
    assert iso_timestamp(TS_NS + 999_999) == "2020-12-08T09:08:57.715Z"  # truncated, not rounded
    assert iso_timestamp(0) == "1970-01-01T00:00:00.000Z"
    with pytest.raises(InvalidInput):
        iso_timestamp(-1)


def test_rest_headers_sign_the_get_with_its_query() -> None:
    headers = creds().rest_headers("get", "/api/v5/account/balance?ccy=BTC", ts_ns=TS_NS)
    assert headers[OKX_ACCESS_KEY] == KEY
    assert headers[OKX_ACCESS_TIMESTAMP] == "2020-12-08T09:08:57.715Z"
    assert headers[OKX_ACCESS_PASSPHRASE] == PASSPHRASE
    assert headers[OKX_ACCESS_SIGN] == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="


def test_rest_headers_sign_the_post_body() -> None:
    body = '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'
    headers = creds().rest_headers("POST", "/api/v5/account/set-leverage", body, ts_ns=TS_NS)
    assert headers[OKX_ACCESS_SIGN] == "eCnnCgWLjlQ9XnpUkrcny3qNq3WW/81KNrDr/XR6Xv8="


def test_ws_login_signs_seconds_and_the_verify_path() -> None:
    login = creds().ws_login(ts_ns=1704876947 * 10**9 + 123_456_789)
    assert login["op"] == "login"
    (args,) = login["args"]
    assert args == {
        "apiKey": KEY,
        "passphrase": PASSPHRASE,
        "timestamp": "1704876947",
        "sign": "5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU=",
    }
    assert verify_ws_login(SECRET, args)
    assert not verify_ws_login("another-secret", args)
    assert not verify_ws_login(SECRET, {**args, "timestamp": "1704876948"})
    assert not verify_ws_login(SECRET, {"sign": args["sign"]})


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz/-?=&0123456789", min_size=1, max_size=40),
    body=st.text(max_size=60),
    ts_ms=st.integers(min_value=0, max_value=4_102_444_800_000),
)
def test_sign_then_verify(method: str, path: str, body: str, ts_ms: int) -> None:
    headers = creds().rest_headers(method, "/" + path, body, ts_ns=ts_ms * 10**6)
    ts = headers[OKX_ACCESS_TIMESTAMP]
    signature = headers[OKX_ACCESS_SIGN]
    assert verify_rest(SECRET, signature, ts, method, "/" + path, body)
    # any change to what was signed breaks the signature
    assert not verify_rest(SECRET, signature, ts, method, "/" + path, body + "x")
    assert not verify_rest(SECRET, signature, ts, method, "/x" + path, body)
    assert not verify_rest(SECRET + "0", signature, ts, method, "/" + path, body)
    assert prehash(ts, method.lower(), "/" + path, body) == f"{ts}{method}/{path}{body}"


def test_secrets_never_show() -> None:
    c = creds()
    for text in (repr(c), str(c), f"{c}", repr(c._secret), repr(c._passphrase)):
        assert SECRET not in text
        assert PASSPHRASE not in text
        assert KEY not in text
    assert repr(c).endswith("passphrase=<redacted>)")
    assert "7083" in repr(c)  # the key's last four characters identify it
    with pytest.raises(TypeError) as info:
        pickle.dumps(c)
    assert SECRET not in str(info.value)
    with pytest.raises(TypeError):
        pickle.dumps(c._secret)


@pytest.mark.parametrize("field", ["api_key", "secret", "passphrase"])
def test_a_bad_credential_is_refused_without_echoing_it(field: str) -> None:
    bad = "sk live with spaces 1234567890"
    values = {"api_key": KEY, "secret": SECRET, "passphrase": PASSPHRASE, field: bad}
    with pytest.raises(InvalidInput) as info:
        OkxCredentials(**values)
    assert info.value.field == f"OkxCredentials.{field}"
    assert bad not in str(info.value)
    assert info.value.value is None
    with pytest.raises(InvalidInput):
        OkxCredentials(**{**values, field: ""})
