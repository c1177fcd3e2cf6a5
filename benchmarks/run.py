"""Run every Lyra benchmark and print one line per figure: name, value, unit.

    python benchmarks/run.py            # full run (a minute or two)
    python benchmarks/run.py --quick    # smoke run: every figure, tiny sizes (CI)
    python benchmarks/run.py book bus   # only bench_book.py and bench_bus.py

Each ``benchmarks/bench_<area>.py`` exposes ``run(quick: bool = False)`` returning rows of
``(name, value, unit)``. Figures are measured, never asserted; see docs/explanation/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help="bench_<area>.py files to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)

    paths = sorted(HERE.glob("bench_*.py"))
    if args.areas:
        wanted = {f"bench_{a.removeprefix('bench_').removesuffix('.py')}" for a in args.areas}
        paths = [p for p in paths if p.stem in wanted]
        missing = wanted - {p.stem for p in paths}
        if missing:
            parser.error(f"no such benchmark: {', '.join(sorted(missing))}")
    print(f"# lyra benchmarks on {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, quick={args.quick}")
    failed = 0
    for path in paths:
        module = _load(path)
        started = time.perf_counter()
        try:
            rows = module.run(quick=args.quick)
        except Exception as exc:  # a broken benchmark must fail the run, loudly
            print(f"{path.stem:<52} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed += 1
            continue
        for name, value, unit in rows:
            print(f"{name:<52} {value:>16,.1f} {unit}")
        print(f"# {path.stem} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
