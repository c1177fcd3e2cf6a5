"""The shared toolkit's pure parts: the weight limiter and back-off, the symbol map,
message decoding, secrets, the Binance error mapping, and the exceptions."""

from __future__ import annotations

import copy
import logging
import pickle
import random

import msgspec
import pytest

import lyra.adapters as adapters
from lyra.adapters import (
    AuthenticationFailed,
    Backoff,
    Credentials,
    MalformedMessage,
    MessageDecoder,
    RateLimited,
    RateWindow,
    RedactingFilter,
    RequestRejected,
    RequestStatusUnknown,
    Secret,
    SymbolMap,
    WeightLimiter,
    redact,
)
from lyra.adapters.binance.errors import BinanceErrorMapper, binance_error, reject_code
from lyra.adapters.binance.messages import BookTicker, DepthUpdate
from lyra.adapters.rest import PreparedRequest
from lyra.errors import InvalidInput, VenueError
from lyra.model.instruments import CurrencyPair
from lyra.venue import RejectCode


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_weight_limiter_counts_weights_over_every_window() -> None:
    clock = _Clock()
    lim = WeightLimiter(
        [RateWindow("REQUEST_WEIGHT", 10, 60.0), RateWindow("ORDERS", 2, 10.0)], clock=clock
    )
    assert lim.try_acquire({"REQUEST_WEIGHT": 4, "ORDERS": 1}) == 0.0
    assert lim.try_acquire({"REQUEST_WEIGHT": 4, "ORDERS": 1}) == 0.0
    wait = lim.try_acquire({"REQUEST_WEIGHT": 1, "ORDERS": 1})
    assert wait == pytest.approx(10.0)  # ORDERS is full until the first one ages out
    assert lim.used("ORDERS") == 2 and lim.used("REQUEST_WEIGHT") == 8
    assert lim.try_acquire({"REQUEST_WEIGHT": 3}) == pytest.approx(60.0)  # 8 + 3 > 10
    clock.t += 10.0
    assert lim.try_acquire({"REQUEST_WEIGHT": 1, "ORDERS": 1}) == 0.0
    assert lim.try_acquire({"REQUEST_WEIGHT": 11}) == float("inf")


def test_weight_limiter_follows_the_venue_and_retry_after() -> None:
    clock = _Clock()
    lim = WeightLimiter([RateWindow("REQUEST_WEIGHT", 100, 60.0)], clock=clock)
    lim.try_acquire({"REQUEST_WEIGHT": 10})
    lim.sync_used("REQUEST_WEIGHT", 60.0, 95)  # someone else on the IP used more
    assert lim.used("REQUEST_WEIGHT") == 95
    assert lim.try_acquire({"REQUEST_WEIGHT": 10}) > 0
    lim.sync_used("REQUEST_WEIGHT", 60.0, 5)  # lower: ignored
    assert lim.used("REQUEST_WEIGHT") == 95
    lim.block_for(30.0)
    clock.t += 61.0
    assert lim.try_acquire({"REQUEST_WEIGHT": 1}) == 0.0
    lim.block_for(5.0)
    assert lim.try_acquire({"REQUEST_WEIGHT": 1}) == pytest.approx(5.0)
    lim.replace([RateWindow("REQUEST_WEIGHT", 100, 60.0), RateWindow("ORDERS", 5, 1.0)])
    assert lim.used("REQUEST_WEIGHT") == 1  # kept across replace for the same window
    assert "REQUEST_WEIGHT" in repr(lim)


@pytest.mark.anyio
async def test_acquire_waits_for_room(monkeypatch: pytest.MonkeyPatch) -> None:
    import anyio

    clock = _Clock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.t += seconds

    monkeypatch.setattr(anyio, "sleep", sleep)
    lim = WeightLimiter([RateWindow("X", 1, 2.0)], clock=clock)
    await lim.acquire({"X": 1})
    await lim.acquire({"X": 1})
    assert slept == [pytest.approx(2.0)]
    with pytest.raises(InvalidInput):
        await lim.acquire({"X": 2})


def test_backoff_grows_caps_and_jitters() -> None:
    b = Backoff(initial_s=0.5, factor=2.0, max_s=4.0, jitter=0.5)
    rng = random.Random(1)
    delays = [b.delay(n, rng) for n in range(1, 8)]
    assert b.delay(0) == 0.0
    for n, d in enumerate(delays, start=1):
        base = min(4.0, 0.5 * 2 ** (n - 1))
        assert base / 2 <= d <= base
    assert Backoff(jitter=0.0).delay(3) == 2.0
    with pytest.raises(InvalidInput):
        Backoff(jitter=2.0)


def test_symbol_map_both_ways() -> None:
    btc = CurrencyPair.simple("BTCUSDT.BINANCE")
    eth = CurrencyPair.simple("ETHUSDT.BINANCE")
    m = SymbolMap("BINANCE", [btc, eth], case_insensitive=True)
    assert m.instrument_id("btcusdt") == "BTCUSDT.BINANCE"
    assert m.venue_symbol("ETHUSDT.BINANCE") == "ETHUSDT"
    assert m.find("XRPUSDT") is None and len(m) == 2 and "BTCUSDT.BINANCE" in m
    with pytest.raises(InvalidInput):
        m.instrument_id("XRPUSDT")
    with pytest.raises(InvalidInput):
        m.add(CurrencyPair.simple("BTCUSDT.OKX"))
    with pytest.raises(InvalidInput):
        m.add(CurrencyPair.simple("OTHER.BINANCE", base="BTC", quote="USDT", raw_symbol="ETHUSDT"))
    renamed = CurrencyPair.simple("BTCUSDT.BINANCE", raw_symbol="XBTUSDT")
    m.add(renamed)
    assert m.find("BTCUSDT") is None and m.instrument_id("XBTUSDT") == "BTCUSDT.BINANCE"


def test_decoder_counts_and_reports_malformed_messages_without_raising() -> None:
    seen: list[MalformedMessage] = []
    dec = MessageDecoder("BINANCE", on_malformed=seen.append)
    ok = dec.try_decode(BookTicker, b'{"u":1,"s":"X","b":"1","B":"2","a":"3","A":"4","new":9}')
    assert ok is not None and ok.update_id == 1  # unknown fields are tolerated
    assert dec.try_decode(DepthUpdate, b'{"e":"depthUpdate","U":"x"}') is None
    assert dec.try_decode(DepthUpdate, b"not json") is None
    assert dec.stats.decoded == 1 and dec.stats.malformed == 2
    assert dec.stats.malformed_by_kind == {"DepthUpdate": 2}
    assert len(seen) == 2 and seen[0].venue == "BINANCE" and seen[0].kind == "DepthUpdate"
    with pytest.raises(MalformedMessage) as err:
        dec.decode(DepthUpdate, msgspec.Raw(b"{}"))
    assert isinstance(err.value, VenueError) and err.value.code == "MALFORMED_MESSAGE"
    back = pickle.loads(pickle.dumps(err.value))
    assert back.kind == "DepthUpdate" and back.excerpt == "{}"


def test_secrets_never_print() -> None:
    s = Secret("hunter2-very-secret")
    for text in (str(s), repr(s), f"{s}", f"{s!r}", format(s, ">30")):
        assert "hunter2" not in text
    assert s.reveal() == "hunter2-very-secret" and len(s) == 19
    assert s == Secret("hunter2-very-secret") and s != Secret("other")
    assert copy.deepcopy(s) is s
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        hash(s)
    with pytest.raises(InvalidInput) as err:
        Secret("")
    creds = Credentials("key-123456", "secret-abcdef", passphrase="pass-xyz")
    assert "key-123456" not in repr(creds) and "passphrase=***" in repr(creds)
    assert len(creds.secrets()) == 3
    with pytest.raises(TypeError):
        pickle.dumps(creds)
    assert "hunter2" not in str(err.value)
    assert redact("a hunter2-very-secret b", [s]) == "a *** b"


def test_redacting_filter_scrubs_log_records(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.redact")
    flt = RedactingFilter([Secret("sekrit-value")])
    flt.add("listen-key-1")
    caplog.handler.addFilter(flt)
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            log.info("key %s and %s", "sekrit-value", "listen-key-1")
    finally:
        caplog.handler.removeFilter(flt)
    assert "sekrit-value" not in caplog.text and "listen-key-1" not in caplog.text
    assert "key *** and ***" in caplog.text


@pytest.mark.parametrize(
    ("code", "msg", "status", "cls", "reject"),
    [
        (
            -2010,
            "Order would immediately match and take.",
            400,
            RequestRejected,
            RejectCode.POST_ONLY_WOULD_TAKE,
        ),
        (
            -5022,
            "Due to the order could not be executed as maker...",
            400,
            RequestRejected,
            RejectCode.POST_ONLY_WOULD_TAKE,
        ),
        (
            -2010,
            "Account has insufficient balance for requested action.",
            400,
            RequestRejected,
            RejectCode.INSUFFICIENT_BALANCE,
        ),
        (-2019, "Margin is insufficient.", 400, RequestRejected, RejectCode.INSUFFICIENT_BALANCE),
        (-2011, "Unknown order sent.", 400, RequestRejected, RejectCode.UNKNOWN_ORDER),
        (-2013, "Order does not exist.", 400, RequestRejected, RejectCode.UNKNOWN_ORDER),
        (-1013, "Filter failure: PRICE_FILTER", 400, RequestRejected, RejectCode.INVALID_ORDER),
        (-1121, "Invalid symbol.", 400, RequestRejected, RejectCode.INVALID_ORDER),
        (
            -4164,
            "Order's notional must be no smaller than 5",
            400,
            RequestRejected,
            RejectCode.INVALID_ORDER,
        ),
        (-2010, "Market is closed.", 400, RequestRejected, RejectCode.MARKET_CLOSED),
        (-2010, "Duplicate order sent.", 400, RequestRejected, RejectCode.VENUE_REJECTED),
        (-1003, "Too many requests", 429, RateLimited, RejectCode.RATE_LIMITED),
        (-1015, "Too many new orders", 429, RateLimited, RejectCode.RATE_LIMITED),
        (
            -1022,
            "Signature for this request is not valid.",
            400,
            AuthenticationFailed,
            RejectCode.VENUE_REJECTED,
        ),
        (
            -2015,
            "Invalid API-key, IP, or permissions for action.",
            401,
            AuthenticationFailed,
            RejectCode.VENUE_REJECTED,
        ),
    ],
)
def test_binance_errors_map_in_one_place(
    code: int, msg: str, status: int, cls: type[Exception], reject: RejectCode
) -> None:
    err = binance_error(code, msg, http_status=status, venue="BINANCE")
    assert type(err) is cls
    assert isinstance(err, RequestRejected)
    assert err.reject_code == reject and err.code == reject
    assert err.venue_code == code and err.venue_message == msg
    assert err.reason == f"BINANCE {code}: {msg}"
    assert reject_code(code, msg) == reject or cls is not RequestRejected
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and back.venue_code == code and back.reason == err.reason


def test_unknown_outcomes_and_clock_skew() -> None:
    assert type(binance_error(-1007, "Timeout", http_status=408)) is RequestStatusUnknown
    assert type(binance_error(0, "Service Unavailable", http_status=503)) is RequestStatusUnknown
    skew = binance_error(-1021, "Timestamp for this request is outside of the recvWindow.")
    assert isinstance(skew, AuthenticationFailed) and skew.clock_skew
    limited = binance_error(-1003, "x", http_status=429, retry_after_s=7)
    assert isinstance(limited, RateLimited) and limited.retry_after_s == 7
    mapper = BinanceErrorMapper()
    req = PreparedRequest("GET", "/api/v3/account")
    assert mapper.error(200, b"{}", {}, req) is None
    err = mapper.error(418, b'{"code":-1003,"msg":"banned"}', {"Retry-After": "120"}, req)
    assert isinstance(err, RateLimited) and err.retry_after_s == 120.0
    odd = mapper.error(502, b"<html>", {}, req)
    assert isinstance(odd, RequestStatusUnknown)


def test_the_package_loads_names_lazily() -> None:
    assert adapters.SymbolMap is SymbolMap
    assert "WebSocketClient" in dir(adapters)
    with pytest.raises(AttributeError):
        _ = adapters.NoSuchThing  # type: ignore[attr-defined]


def test_tls_is_verified_by_default() -> None:
    import ssl

    from lyra.adapters.rest import RestClient
    from lyra.adapters.ws import WebSocketClient, client_ssl_context

    ctx = client_ssl_context()
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname
    off = client_ssl_context(verify=False)
    assert off.verify_mode is ssl.CERT_NONE and not off.check_hostname
    rest = RestClient("https://api.example", venue="X", error_mapper=BinanceErrorMapper())
    assert rest._verify_tls
    ws = WebSocketClient("wss://stream.example", name="x", on_message=lambda f: None)
    assert ws._verify_tls
    with pytest.raises(InvalidInput):
        RestClient("ftp://x", venue="X", error_mapper=BinanceErrorMapper())
