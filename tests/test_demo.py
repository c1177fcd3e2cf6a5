"""The demo behind ``lyra demo`` (the README's main command) and the ``lyra`` CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lyra.backtest import BacktestResult
from lyra.cli import main
from lyra.demo import format_demo, run_demo


def test_the_demo_runs_two_strategies_on_two_venues_and_writes_the_report(tmp_path: Path) -> None:
    run = run_demo(quotes=20_000, seed=7, out=tmp_path)
    result = run.result
    assert {f.venue for f in result.fills} == {"BINANCE", "OKX"}
    assert {o.strategy_id for o in result.orders} == {"EMA-001", "MM-001"}
    assert set(result.summaries) == {
        "venue:BINANCE",
        "venue:OKX",
        "strategy:EMA-001",
        "strategy:MM-001",
    }
    # the EMA strategy trades only on Binance and the market maker only on OKX
    assert {f.venue for f in result.fills if f.strategy_id == "EMA-001"} == {"BINANCE"}
    assert {f.venue for f in result.fills if f.strategy_id == "MM-001"} == {"OKX"}
    names = sorted(p.name for p in run.files)
    assert names == ["report.html", "report.png", "result.lyra"]
    html = (tmp_path / "report.html").read_text()
    assert "EMA-001" in html and "MM-001" in html
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    back = BacktestResult.load(tmp_path / "result.lyra")
    assert back.summary == result.summary
    text = format_demo(run)
    assert "venue:OKX" in text and "report.html" in text


def test_the_demo_is_deterministic_for_a_seed() -> None:
    a = run_demo(quotes=5_000, seed=3, out=None).result
    b = run_demo(quotes=5_000, seed=3, out=None).result
    c = run_demo(quotes=5_000, seed=4, out=None).result
    assert a.fills == b.fills and a.summary == b.summary
    assert a.fills != c.fills


def test_cli_demo_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--quotes", "4000", "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "Lyra demo" in out and "strategy:MM-001" in out
    assert (tmp_path / "d" / "report.html").is_file()


def test_cli_report_rewrites_the_report_of_a_saved_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_demo(quotes=3_000, seed=1, out=tmp_path)
    assert (
        main(["report", str(tmp_path / "result.lyra"), "--out", str(tmp_path / "again.html")]) == 0
    )
    assert (tmp_path / "again.html").read_text().startswith("<!DOCTYPE html>")
    assert main(["report", str(tmp_path / "missing.lyra")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_data_generate_then_backtest_a_factory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "quotes.parquet"
    assert main(["data", "generate", "--kind", "quotes", "--rows", "5000", "--out", str(data)]) == 0
    (tmp_path / "my_setup.py").write_text(
        textwrap.dedent(
            """
            from lyra.backtest.strategies import EmaCross
            from lyra.backtest.synthetic import default_quote_instrument
            from lyra.model.enums import AccountType
            from lyra.model.values import Money, Quantity
            from lyra.sim import SimulatedExchange

            def build(bt):
                inst = default_quote_instrument()
                ex = bt.add_exchange(SimulatedExchange(
                    inst.id.venue, bus=bt.bus, clock=bt.clock, instruments=[inst],
                    account_type=AccountType.MARGIN, leverage=10,
                    starting_balances=[Money("10000000", "USD")]))
                bt.add_strategy(EmaCross(bus=bt.bus, clock=bt.clock, venue=ex,
                                         instrument=inst, quantity=Quantity("100000")))
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "bt"
    code = main(["backtest", "my_setup:build", "--data", str(data), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "strategy:EMA-001" in printed and "5,000" in printed
    assert BacktestResult.load(out / "result.lyra").info["rows"] == 5_000
    assert main(["backtest", "my_setup"]) == 2
    assert "MODULE:FACTORY" in capsys.readouterr().err


def test_cli_without_a_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().err
