"""Binance signing: the known-answer vectors of specs/venues.md (A1, A2), the REST signer
end to end, Ed25519, and verification as the venue does it."""

from __future__ import annotations

import base64

import pytest

from lyra.adapters.binance.signing import (
    API_KEY_HEADER,
    BinanceSigner,
    ed25519_signature,
    encode_params,
    hmac_signature,
    rest_payload,
    sign_ws_params,
    verify,
    ws_api_payload,
)
from lyra.adapters.rest import PreparedRequest, ServerClock
from lyra.adapters.secrets import Credentials, Secret
from lyra.errors import InvalidInput

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
WIDE = "\uff11\uff12\uff13\uff14\uff15\uff16"  # the vectors' full-width digits 1-6


@pytest.mark.parametrize(
    ("payload", "signature"),
    [
        (
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
            "&recvWindow=5000&timestamp=1499827319559",
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
        ),
        (
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
            "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
        ),
    ],
    ids=["A1.1", "A1.2"],
)
def test_rest_known_answers(payload: str, signature: str) -> None:
    assert hmac_signature(SECRET, rest_payload(payload)) == signature
    assert hmac_signature(Secret(SECRET), payload) == signature
    # query + body concatenate without a separator
    half = len(payload) // 2
    assert hmac_signature(SECRET, rest_payload(payload[:half], payload[half:])) == signature


def test_non_ascii_is_percent_encoded_before_signing() -> None:
    query = encode_params(
        [
            ("symbol", WIDE),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
            ("recvWindow", "5000"),
            ("timestamp", "1499827319559"),
        ]
    )
    assert hmac_signature(SECRET, query) == (
        "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
    )


_WS = [
    (
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.01000000",
            "price": "52000.00",
            "recvWindow": 100,
            "timestamp": 1645423376532,
            "apiKey": KEY,
        },
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
    ),
    (
        {
            "symbol": WIDE,
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "1.00000000",
            "price": "0.10000000",
            "recvWindow": 5000,
            "timestamp": 1645423376532,
            "apiKey": KEY,
        },
        "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
    ),
    (
        {"apiKey": KEY, "timestamp": 1649729878532},
        "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed",
    ),
    (
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": "23416.10000000",
            "quantity": "0.00847000",
            "timestamp": 1660801715431,
            "apiKey": KEY,
        },
        "15af09e41c36f3cc61378c2fbe2c33719a03dd5eba8d0f9206fbda44de717c88",
    ),
]


@pytest.mark.parametrize(("params", "signature"), _WS, ids=["A2.1", "A2.2", "A2.3", "A2.4"])
def test_ws_api_known_answers(params: dict[str, object], signature: str) -> None:
    assert hmac_signature(SECRET, ws_api_payload(params)) == signature
    # the signature parameter itself never enters the payload, and order does not matter
    shuffled = dict(reversed(list({**params, "signature": "x"}.items())))
    assert hmac_signature(SECRET, ws_api_payload(shuffled)) == signature


def test_sign_ws_params_reproduces_a2_4() -> None:
    creds = Credentials(KEY, SECRET)
    params = {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "price": "23416.10000000",
        "quantity": "0.00847000",
    }
    signed = sign_ws_params(params, creds, 1660801715431)
    assert signed["signature"] == "15af09e41c36f3cc61378c2fbe2c33719a03dd5eba8d0f9206fbda44de717c88"
    assert signed["apiKey"] == KEY
    assert "signature" not in params  # the input is not changed


def test_rest_signer_reproduces_a1_1_byte_for_byte() -> None:
    clock = ServerClock(wall=lambda: 1499827319.559)
    signer = BinanceSigner(Credentials(KEY, SECRET), clock, recv_window_ms=5000)
    request = PreparedRequest(
        "POST",
        "/api/v3/order",
        [
            ("symbol", "LTCBTC"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
        ],
    )
    signer.sign(request)
    assert request.query_string() == (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        "&recvWindow=5000&timestamp=1499827319559"
        "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )
    assert request.headers[API_KEY_HEADER] == KEY
    assert KEY not in repr(request) and SECRET not in repr(signer)


def test_verify_accepts_either_case_and_refuses_a_wrong_signature() -> None:
    payload = b"symbol=LTCBTC&timestamp=1"
    good = hmac_signature(SECRET, payload)
    assert verify(payload, good.upper(), hmac_secret=SECRET)
    assert not verify(payload, good[:-1] + ("0" if good[-1] != "0" else "1"), hmac_secret=SECRET)
    assert not verify(payload + b"x", good, hmac_secret=SECRET)


def test_ed25519_signatures_verify_with_the_public_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    payload = b"apiKey=abc&timestamp=1649729878532"
    signature = ed25519_signature(Secret(pem), payload)
    assert len(base64.b64decode(signature)) == 64
    assert verify(payload, signature, ed25519_public_pem=public)
    assert not verify(payload + b"0", signature, ed25519_public_pem=public)
    # a PEM key signs REST requests with base64, percent-encoded in the query
    signer = BinanceSigner(Credentials("abc", pem), ServerClock(wall=lambda: 1.0))
    request = PreparedRequest("GET", "/api/v3/account")
    signer.sign(request)
    assert dict(request.params)["signature"] == ed25519_signature(
        pem, "recvWindow=5000&timestamp=1000"
    )


def test_bad_inputs_are_refused_without_echoing_secrets() -> None:
    with pytest.raises(InvalidInput) as err:
        ed25519_signature("-----BEGIN PRIVATE KEY-----\nnot a key\n", b"x")
    assert "not a key" not in str(err.value)
    with pytest.raises(InvalidInput):
        BinanceSigner(Credentials(KEY, SECRET), ServerClock(), recv_window_ms=70_000)
