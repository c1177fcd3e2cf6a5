"""The ``lyra`` command line.

lyra demo [--quotes N] [--seed S] [--out DIR]
    a two-venue, two-strategy backtest on generated data; writes the report, prints the
    summary
lyra backtest MODULE:FACTORY [--data FILE ...] [--out DIR] [--until NS]
    ``FACTORY(backtest)`` adds exchanges, strategies (and data, if it likes) to a
    :class:`lyra.backtest.Backtest`; ``--data`` adds Parquet files written by Lyra (streamed
    in chunks); runs it, writes the report and the result file
lyra report RESULT [--out FILE]
    the HTML report (and PNG) of a saved result
lyra data generate --kind quotes|trades|l2|market --rows N [--seed S] --out PATH
    seeded synthetic data as Parquet (``market`` writes quotes and trades of the demo's two
    instruments into the folder PATH)
lyra --version
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lyra import __version__

__all__ = ("main",)


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2 (got {value})")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lyra", description="Lyra: composable building blocks for automated trading."
    )
    parser.add_argument("--version", action="version", version=f"lyra {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="backtest two strategies on two simulated venues; write the report"
    )
    demo.add_argument(
        "--quotes", type=_count, default=200_000, help="quotes per venue (default 200000)"
    )
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument("--out", default="lyra-demo", help="output folder (default ./lyra-demo)")
    demo.add_argument("--no-report", action="store_true", help="write no files")

    bt = commands.add_parser("backtest", help="run a backtest set up by MODULE:FACTORY")
    bt.add_argument("target", metavar="MODULE:FACTORY", help="e.g. mybot.setup:build")
    bt.add_argument("--data", action="append", default=[], help="a Parquet file (repeatable)")
    bt.add_argument("--out", default="lyra-backtest", help="output folder")
    bt.add_argument("--title", default=None, help="the report's title")
    bt.add_argument("--until", type=int, default=None, help="stop at this time (ns)")

    rep = commands.add_parser("report", help="write the HTML report of a saved result")
    rep.add_argument("result", help="a result file (result.lyra)")
    rep.add_argument("--out", default=None, help="the HTML file (default: beside the result)")

    data = commands.add_parser("data", help="data tools")
    data_cmds = data.add_subparsers(dest="data_command", metavar="ACTION")
    gen = data_cmds.add_parser("generate", help="write seeded synthetic data as Parquet")
    gen.add_argument("--kind", choices=("quotes", "trades", "l2", "market"), default="quotes")
    gen.add_argument("--rows", type=_count, default=1_000_000, help="rows (default 1000000)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", required=True, help="a .parquet file (a folder for 'market')")
    return parser


def _fail(message: str) -> int:
    print(f"lyra: error: {message}", file=sys.stderr)
    return 2


def _demo(args: argparse.Namespace) -> int:
    from lyra.demo import format_demo, run_demo

    run = run_demo(quotes=args.quotes, seed=args.seed, out=None if args.no_report else args.out)
    print(format_demo(run))
    return 0


def _load_factory(target: str) -> Any:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"{target!r} must be written MODULE:FACTORY")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # the current folder, like `python -m`
    module = importlib.import_module(module_name)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f"{module_name} has no callable {attr!r}")
    return factory


def _backtest(args: argparse.Namespace) -> int:
    from lyra.backtest import Backtest, format_summary, iter_parquet

    try:
        factory = _load_factory(args.target)
    except (ImportError, ValueError) as exc:
        return _fail(str(exc))
    bt = Backtest(title=args.title or args.target)
    extra = factory(bt)
    if extra is not None:
        for item in extra if isinstance(extra, (list, tuple)) else [extra]:
            bt.add_data(item)
    for path in args.data:
        if not Path(path).is_file():
            return _fail(f"--data {path}: no such file")
        bt.add_data(iter_parquet(path))
    result = bt.run(until_ns=args.until)
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    result.report(folder / "report.html")
    saved = result.save(folder / "result.lyra")
    print(format_summary(result))
    print(f"  files: {folder / 'report.html'}, {saved}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from lyra.backtest import BacktestResult
    from lyra.errors import InvalidInput

    path = Path(args.result)
    if not path.is_file():
        return _fail(f"{path}: no such file")
    try:
        result = BacktestResult.load(path)
    except InvalidInput as exc:
        return _fail(str(exc))
    out = Path(args.out) if args.out else path.with_suffix(".html")
    result.report(out)
    print(f"wrote {out}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from lyra.backtest import (
        default_quote_instrument,
        generate_l2,
        generate_market,
        generate_quotes,
        write_parquet,
    )

    out = Path(args.out)
    if args.kind == "market":
        from lyra.demo import demo_instruments

        out.mkdir(parents=True, exist_ok=True)
        pairs = demo_instruments()
        data = generate_market(pairs, args.rows, args.seed)
        for pair in pairs:
            stem = str(pair.id).replace("/", "_")
            write_parquet(data[pair.id].quotes, out / f"{stem}.quotes.parquet")
            write_parquet(data[pair.id].trades, out / f"{stem}.trades.parquet")
        print(f"wrote quotes and trades of {len(pairs)} instruments to {out}")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.kind == "quotes":
        write_parquet(generate_quotes(args.rows, args.seed), out)
    elif args.kind == "trades":
        inst = default_quote_instrument()
        write_parquet(generate_market([inst], args.rows, args.seed)[inst.id].trades, out)
    else:
        write_parquet(generate_l2(args.rows, args.seed).deltas, out)
    print(f"wrote {args.rows:,} rows of {args.kind} to {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lyra`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "backtest":
        return _backtest(args)
    if args.command == "report":
        return _report(args)
    if args.command == "data" and getattr(args, "data_command", None) == "generate":
        return _generate(args)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
