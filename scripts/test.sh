#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: cargo test, ruff, mypy (strict,
# on src/), the docs build (strict), the benchmark smoke run and pytest (tests/ and examples/).
# This is the README's test command; .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

step() { printf '\n==> %s\n' "$*"; }

step "install lyra (Rust extension in release mode) with test dependencies"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -e ".[test]"

step "cargo test (engine crate and binding crate)"
cargo test --quiet --manifest-path native/Cargo.toml --workspace

step "ruff"
"$PY" -m ruff check src tests benchmarks examples
"$PY" -m ruff format --check src

step "mypy --strict src/"
"$PY" -m mypy

step "stubs of lyra._native match the extension"
"$PY" -m mypy.stubtest lyra._native --allowlist .stubtest-allowlist

step "docs (mkdocs, strict)"
"$PY" -m mkdocs build --strict --quiet --site-dir "$(mktemp -d)"

step "benchmarks (quick smoke run: every figure prints)"
"$PY" benchmarks/run.py --quick

step "pytest"
set +e
"$PY" -m pytest -q "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: treating an empty selection as a failure" >&2
    exit 1
fi
exit "$rc"
