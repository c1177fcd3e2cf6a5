"""The demo behind ``lyra demo`` (the README's main command)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.cli import main
from lyra.demo import format_summary, run_demo
from lyra.errors import InvalidInput


def test_demo_replays_every_quote_in_time_order_with_timers_interleaved() -> None:
    summary = run_demo(quotes=20_000, seed=7, book_deltas=50_000)
    assert summary.quotes == 20_000
    assert [s.quotes for s in summary.instruments] == [10_000, 10_000]
    # BTC quotes every 1 ms (10 s of data), ETH every 1.5 ms (15 s): the 1 s timer fires once
    # per whole simulated second reached by the last quote, and BTC quoted in only 10 of them
    assert summary.simulated_seconds == pytest.approx(14.9985)
    assert summary.timer_events == 14
    btc, eth = summary.instruments
    assert (btc.instrument_id, eth.instrument_id) == ("BTCUSDT.BINANCE", "ETH-USDT.OKX")
    assert btc.samples == 10 and eth.samples == 14
    # the walk starts at bid 64000.00 (one step of at most a tick, spread 1..3 ticks)
    assert btc.first_mid is not None and eth.first_mid is not None
    assert Decimal("63999.99") < btc.first_mid < Decimal("64000.03")
    assert Decimal("3399.99") < eth.first_mid < Decimal("3400.03")
    assert btc.min_spread is not None and btc.max_spread is not None
    assert str(btc.min_spread) == "0.01" and str(btc.max_spread) == "0.03"
    assert summary.book_deltas == 50_000
    assert summary.book_best_bid is not None and summary.book_best_ask is not None
    assert summary.book_best_bid[0] < summary.book_best_ask[0]


def test_demo_is_deterministic_for_a_seed() -> None:
    a = run_demo(quotes=4_000, seed=3, book_deltas=10_000)
    b = run_demo(quotes=4_000, seed=3, book_deltas=10_000)
    c = run_demo(quotes=4_000, seed=4, book_deltas=10_000)
    assert a.instruments == b.instruments and a.book_best_bid == b.book_best_bid
    assert a.instruments != c.instruments


def test_demo_refuses_too_few_quotes() -> None:
    with pytest.raises(InvalidInput) as info:
        run_demo(quotes=1)
    assert info.value.field == "quotes"


def test_cli_demo_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--quotes", "2_000", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    expected = format_summary(run_demo(quotes=2_000, seed=5)).splitlines()
    got = out.strip().splitlines()
    assert got[0] == expected[0] == "Lyra demo (seed 5)"
    assert "replayed 2,000 quotes" in got[1]
    assert got[3:5] == expected[3:5]  # per-instrument lines: deterministic, no timings
    assert got[-1].startswith("  Rust L2 book: 1,000,000 deltas")


def test_cli_without_a_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().err
