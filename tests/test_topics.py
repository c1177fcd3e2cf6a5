"""Tests for lyra.topics: the topic builders and how wildcard patterns meet them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lyra import topics
from lyra.bus import EventBus
from lyra.errors import InvalidIdentifier


@pytest.mark.parametrize(
    ("builder", "prefix"),
    [
        (topics.quotes, "data.quotes."),
        (topics.trades, "data.trades."),
        (topics.book_deltas, "data.book_deltas."),
        (topics.book_depth, "data.book_depth."),
        (topics.instruments, "data.instruments."),
    ],
)
def test_instrument_topics_put_venue_before_symbol(
    builder: Callable[[str], str], prefix: str
) -> None:
    assert builder("BTCUSDT.BINANCE") == prefix + "BINANCE.BTCUSDT"
    # Split on the LAST dot: the symbol keeps its own dots.
    assert builder("BRK.B.XNYS") == prefix + "XNYS.BRK.B"
    assert builder("BTC-USDT-SWAP.OKX") == prefix + "OKX.BTC-USDT-SWAP"


@pytest.mark.parametrize("bad", ["", "BTCUSDT", ".BINANCE", "BTCUSDT.", "."])
def test_bad_instrument_ids_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        topics.quotes(bad)
    assert info.value.field == "instrument_id"
    assert info.value.value == bad


def test_instrument_id_type_works() -> None:
    import lyra.model.identifiers as identifiers
    iid = identifiers.InstrumentId("BTCUSDT.BINANCE")
    assert topics.quotes(iid) == "data.quotes.BINANCE.BTCUSDT"
    assert topics.trades(iid) == topics.trades("BTCUSDT.BINANCE")


def test_other_builders() -> None:
    assert topics.bars("BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL") == (
        "data.bars.BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL"
    )
    assert topics.custom("FundingRate") == "data.custom.FundingRate"
    assert topics.custom("FundingRate", "BTCUSDT-PERP.BINANCE") == (
        "data.custom.FundingRate.BINANCE.BTCUSDT-PERP"
    )
    assert topics.order_events("EMA-001") == "events.order.EMA-001"
    assert topics.position_events("EMA-001") == "events.position.EMA-001"
    assert topics.contingency_events("EMA-001") == "events.contingency.EMA-001"
    assert topics.account_events("BINANCE-001") == "events.account.BINANCE-001"
    assert topics.venue_status("BINANCE") == "events.venue_status.BINANCE"
    assert topics.time_events("heartbeat") == "events.time.heartbeat"
    assert topics.risk_events() == "events.risk"
    assert topics.BUS_ERRORS == "lyra.bus.errors"


@pytest.mark.parametrize(
    "call",
    [
        lambda: topics.bars(""),
        lambda: topics.custom(""),
        lambda: topics.custom("X", "nodot"),
        lambda: topics.order_events(""),
        lambda: topics.position_events(""),
        lambda: topics.contingency_events(""),
        lambda: topics.account_events(""),
        lambda: topics.venue_status(""),
        lambda: topics.time_events(""),
    ],
)
def test_empty_parts_are_rejected(call: Callable[[], str]) -> None:
    with pytest.raises(InvalidIdentifier):
        call()


def test_every_public_name_is_exported() -> None:
    ignored = {"annotations", "InvalidIdentifier"}
    public = {n for n in vars(topics) if not n.startswith("_")} - ignored
    assert public == set(topics.__all__)


def _reaches(pattern: str, topic: str) -> bool:
    bus = EventBus()
    bus.subscribe(pattern, lambda msg: None)
    return bus.has_subscribers(topic)


def test_documented_wildcards_meet_the_builders() -> None:
    # The examples of docs/explanation/topics.md.
    assert _reaches("data.quotes.BINANCE.*", topics.quotes("BTCUSDT.BINANCE"))
    assert not _reaches("data.quotes.BINANCE.*", topics.quotes("BTC-USDT.OKX"))
    assert not _reaches("data.quotes.BINANCE.*", topics.trades("BTCUSDT.BINANCE"))
    assert _reaches("data.*.BINANCE.BTCUSDT", topics.trades("BTCUSDT.BINANCE"))
    assert _reaches("data.*.BINANCE.BTCUSDT", topics.book_deltas("BTCUSDT.BINANCE"))
    assert _reaches("events.order.*", topics.order_events("EMA-001"))
    assert not _reaches("events.order.*", topics.position_events("EMA-001"))
    assert _reaches("data.quotes.XNYS.*", topics.quotes("BRK.B.XNYS"))
    # '*' crosses dots: a prefix of a dotted symbol also matches its longer siblings.
    assert _reaches("data.quotes.XNYS.BRK*", topics.quotes("BRK.B.XNYS"))
    assert _reaches("data.quotes.XNYS.BRK.?", topics.quotes("BRK.A.XNYS"))
    assert not _reaches("data.quotes.XNYS.BRK.?", topics.quotes("BRKX.XNYS"))
    assert _reaches("data.bars.BTCUSDT.BINANCE-*", topics.bars("BTCUSDT.BINANCE-1-MINUTE-LAST"))
    # The error topic is outside events.*, but '*' sees it.
    assert not _reaches("events.*", topics.BUS_ERRORS)
    assert _reaches("*", topics.BUS_ERRORS)
