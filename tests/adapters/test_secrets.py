"""API keys, secrets and listen keys never reach a log line, a repr, an exception message
or a traceback: a whole session (connect, trade, reconnect, a refused login) runs with
every logger at DEBUG, and everything it produced is scanned for them."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import anyio
import pytest

from lyra.adapters import AuthenticationFailed, Backoff, Credentials
from lyra.adapters.binance import BinanceFutures, BinanceSpot
from lyra.bus import EventBus
from lyra.model import OrderSide, OrderStatus
from lyra.model.values import Price, Quantity
from lyra.orders import OrderFactory
from lyra.testing.binance import FakeBinance
from lyra.venue.testing import EventRecorder

KEY = "KEYab12cd34ef56gh78ij90kl12mn34op56qr78st90uv12wx34yz56AB78CD90EF"
SECRET = "SECRETzy98xw76vu54ts32rq10po98nm76lk54ji32hg10fe98dc76ba54ZY32XW10"
FAST = Backoff(initial_s=0.02, max_s=0.1)


def scan(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            # also a long prefix: a truncated log line must not leak half a key either
            assert secret not in text and secret[:16] not in text, f"leaked in: {text[:300]!r}"


async def wait_for(condition: Any, timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.005)


@pytest.mark.anyio
async def test_a_whole_session_leaks_no_secret(
    fake: FakeBinance, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add_account(KEY, SECRET)
    fake.add_account(KEY, SECRET, futures=True)
    fake.set_book("BTCUSDT.BINANCE", [("99.00", "1")], [("101.00", "1")])
    outputs: list[str] = []
    errors: list[BaseException] = []
    orders = OrderFactory("SECRETS", id_prefix="s")
    listen_keys: list[str] = []

    bus = EventBus()
    rec = EventRecorder(bus)
    creds = Credentials(KEY, SECRET)
    spot = BinanceSpot(
        bus, credentials=creds, urls=fake.spot_urls, backoff=FAST, connect_timeout_s=0.5
    )
    futures = BinanceFutures(bus, credentials=creds, urls=fake.futures_urls, backoff=FAST)
    async with spot, futures:
        listen_keys.append(fake.futures.accounts[KEY].listen_key or "")  # type: ignore[union-attr]
        spot.subscribe_book("BTCUSDT.BINANCE")  # type: ignore[arg-type]
        o = orders.limit("BTCUSDT.BINANCE", OrderSide.BUY, Quantity("0.1"), Price("90.00"))
        spot.submit_order(o)
        p = orders.limit("BTCUSDT.BINANCE_FUTURES", OrderSide.BUY, Quantity("0.1"), Price("90.0"))
        futures.submit_order(p)
        await wait_for(
            lambda: o.status is OrderStatus.ACCEPTED and p.status is OrderStatus.ACCEPTED
        )
        fake.faults.drop_connections("all")
        fake.faults.malformed_frame("user")
        await anyio.sleep(0.05)
        await wait_for(lambda: spot.connected and futures.connected)
        spot.cancel_order(o)
        futures.cancel_order(p)
        await wait_for(lambda: o.is_closed and p.is_closed)
        outputs += [repr(x) for x in (spot, futures, spot.rest, futures.rest, creds, spot.symbols)]
        outputs += [
            repr(spot._signer),
            repr(spot._user),
            repr(futures._user),
            repr(spot.server_clock),
        ]
        report = await spot.reconcile(0)
        outputs.append(repr(report))

    # a refused login: the exception and its traceback
    bad = BinanceSpot(EventBus(), credentials=Credentials(KEY, SECRET + "x"), urls=fake.spot_urls)
    with pytest.raises(AuthenticationFailed) as err:
        async with bad:
            pass
    errors.append(err.value)
    fbad = BinanceFutures(
        EventBus(), credentials=Credentials(KEY + "x", SECRET), urls=fake.futures_urls
    )
    with pytest.raises(AuthenticationFailed) as err2:
        async with fbad:
            pass
    errors.append(err2.value)

    for exc in errors:
        outputs += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    outputs += [repr(e) for e in rec.venue_events]
    outputs.append(caplog.text)
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err]
    assert caplog.records, "the session should have logged something at DEBUG"
    assert listen_keys[0]
    scan(outputs, [KEY, SECRET, listen_keys[0]])
