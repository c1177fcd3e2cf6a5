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

step "redis-server for the state tests (127.0.0.1 only; AOF, fsync on every write)"
# lyra.state's RedisStore tests need a real server: they read its address from
# LYRA_TEST_REDIS_URL and fail (not skip) in CI without it. The restart test starts its own
# servers from LYRA_REDIS_SERVER. Everything binds the loopback interface only.
REDIS_SERVER="$(command -v redis-server || true)"
if [ -z "$REDIS_SERVER" ] && [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq redis-server >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
    REDIS_SERVER="$(command -v redis-server || true)"
fi
if [ -n "$REDIS_SERVER" ]; then
    REDIS_DIR="$(mktemp -d)"
    REDIS_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    stop_redis() {
        if [ -f "$REDIS_DIR/redis.pid" ]; then
            kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
            sleep 0.2
        fi
        rm -rf "$REDIS_DIR"
    }
    trap stop_redis EXIT
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
        --save '' --appendonly yes --appendfsync always --dir "$REDIS_DIR" \
        --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    "$PY" - "$REDIS_PORT" <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
deadline = time.monotonic() + 15
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"redis-server on 127.0.0.1:{port} did not answer")
    time.sleep(0.05)
PYEOF
    export LYRA_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    export LYRA_REDIS_SERVER="$REDIS_SERVER"
    echo "redis-server $("$REDIS_SERVER" --version | cut -d' ' -f3) on $LYRA_TEST_REDIS_URL"
else
    echo "redis-server is not available (and cannot be installed): the RedisStore tests will fail" >&2
fi

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
