"""The ``lyra`` command line.

lyra demo [--quotes N] [--seed S]    generated quotes through clock, bus and the Rust book
lyra --version
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lyra import __version__

__all__ = ("main",)


def _positive_int(text: str) -> int:
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
        "demo", help="replay generated quotes through the clock and the bus; print a summary"
    )
    demo.add_argument(
        "--quotes", type=_positive_int, default=200_000, help="total quotes (default 200000)"
    )
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lyra`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from lyra.demo import format_summary, run_demo

        print(format_summary(run_demo(quotes=args.quotes, seed=args.seed)))
        return 0
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
