"""The demo behind ``lyra demo``: a two-venue, two-strategy backtest with a report.

Everything is embedded: no server, no download. It

1. generates seeded quotes and trades for ``BTCUSDT.BINANCE`` and ``BTC-USDT.OKX``
   (:func:`lyra.backtest.generate_market`: a random-walk mid with a spread, touch sizes and
   trades at the touch);
2. builds two :class:`~lyra.sim.SimulatedExchange` venues (4 bp taker fee, a 0.5 bp maker
   rebate, a margin account with 100,000 USDT each) on one clock and one bus;
3. runs an EMA(10/50) cross (:class:`~lyra.backtest.strategies.EmaCross`) on Binance and a
   market maker with inventory skew (:class:`~lyra.backtest.strategies.MarketMaker`) on
   OKX, through :class:`~lyra.backtest.Backtest`;
4. writes ``report.html``, ``report.png`` and ``result.lyra`` (reopen it with
   ``lyra report``) to the output folder and prints the summary.

:func:`run_demo` returns the result and the files, so tests can check them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lyra.backtest.engine import Backtest
from lyra.backtest.results import BacktestResult, format_summary
from lyra.backtest.strategies import EmaCross, MarketMaker
from lyra.backtest.synthetic import generate_market
from lyra.model.enums import AccountType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Quantity
from lyra.sim import FeeConfig, SimulatedExchange

__all__ = ("DemoRun", "demo_instruments", "format_demo", "run_demo")


@dataclass
class DemoRun:
    """What :func:`run_demo` produced."""

    result: BacktestResult
    files: list[Path] = field(default_factory=list)
    strategies: dict[str, Any] = field(default_factory=dict)


def demo_instruments() -> tuple[CurrencyPair, CurrencyPair]:
    """The demo's two instruments: BTC/USDT on Binance and on OKX."""
    binance = CurrencyPair.simple(
        "BTCUSDT.BINANCE", base="BTC", quote="USDT", price_increment="0.01", size_increment="0.001"
    )
    okx = CurrencyPair.simple(
        "BTC-USDT.OKX", base="BTC", quote="USDT", price_increment="0.1", size_increment="0.001"
    )
    return binance, okx


def run_demo(
    quotes: int = 200_000,
    seed: int = 42,
    *,
    out: str | Path | None = "lyra-demo",
    progress: bool | None = None,
) -> DemoRun:
    """Run the demo backtest over ``quotes`` quotes per venue; write the report to ``out``
    (``None``: write nothing)."""
    binance_pair, okx_pair = demo_instruments()
    data = generate_market(
        [binance_pair, okx_pair],
        quotes,
        seed,
        start_ticks={binance_pair.id: 6_400_000, okx_pair.id: 640_000},
        max_size_lots=2_000,
        dt_ns=1_000_000_000,  # a quote a second per venue: 200,000 quotes are 2.3 days
    )
    bt = Backtest(
        title=f"Lyra demo: EMA cross on Binance, market maker on OKX (seed {seed})",
        progress=progress,
    )
    fees = FeeConfig(maker_fee=Decimal("-0.00005"), taker_fee=Decimal("0.0004"))
    venues = []
    for pair in (binance_pair, okx_pair):
        venues.append(
            bt.add_exchange(
                SimulatedExchange(
                    pair.id.venue,
                    bus=bt.bus,
                    clock=bt.clock,
                    instruments=[pair],
                    account_type=AccountType.MARGIN,
                    starting_balances=[Money("100000", "USDT")],
                    leverage=10,
                    fees=fees,
                )
            )
        )
        bt.add_data(data[pair.id].quotes)
        bt.add_data(data[pair.id].trades)
    binance, okx = venues
    ema = bt.add_strategy(
        EmaCross(
            bus=bt.bus,
            clock=bt.clock,
            venue=binance,
            instrument=binance_pair,
            quantity=Quantity("0.100", 3),
            fast=50,
            slow=400,
            strategy_id="EMA-001",
        )
    )
    mm = bt.add_strategy(
        MarketMaker(
            bus=bt.bus,
            clock=bt.clock,
            venue=okx,
            instrument=okx_pair,
            quantity=Quantity("0.050", 3),
            every=50,
            skew_ticks_per_unit=1.0,
            max_inventory_units=10,
            strategy_id="MM-001",
        )
    )
    result = bt.run()
    files: list[Path] = []
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        written = result.report(folder / "report.html")
        files.extend(Path(p) for p in _paths(written))
        files.append(result.save(folder / "result.lyra"))
    return DemoRun(result=result, files=files, strategies={"EMA-001": ema, "MM-001": mm})


def _paths(written: Any) -> list[Any]:
    if isinstance(written, (str, Path)):
        return [written]
    if isinstance(written, (list, tuple)):
        return list(written)
    return [getattr(written, name) for name in ("html", "png") if getattr(written, name, None)]


def format_demo(run: DemoRun) -> str:
    """The text ``lyra demo`` prints: the result summary and the files written."""
    lines = [format_summary(run.result)]
    if run.files:
        lines.append("  files:")
        lines.extend(f"    {p}" for p in run.files)
    return "\n".join(lines)
