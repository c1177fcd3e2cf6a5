"""The trading process of the crash tests, run as a child: ``python crash_child.py FD STORE
SEED``. It talks to the parent (which hosts the SimulatedExchange) over the socket FD,
recovers from STORE (``sqlite:<path>`` or ``redis:<url>#<namespace>``), then runs the
scenario's steps as the parent hands them out, until told to finish. The parent may
SIGKILL it at any checkpoint.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path
from typing import Any


def open_store(spec: str) -> Any:
    from lyra.state import RedisStore, SqliteStore

    kind, _, rest = spec.partition(":")
    if kind == "sqlite":
        return SqliteStore(rest)
    if kind == "redis":
        url, _, namespace = rest.partition("#")
        return RedisStore(url, namespace=namespace, retry_timeout_s=30.0)
    raise SystemExit(f"unknown store {spec!r}")


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from lyra.model.codec import encode_msgpack
    from state.link import SocketTransport, decode_struct
    from state.scenario import digest, quotes, run_step, start

    fd, spec, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    sock = socket.socket(fileno=fd)
    transport = SocketTransport(sock)
    kind, (now_ns, caps, steps) = transport.recv()
    assert kind == "start"
    capabilities = decode_struct(caps)
    store = open_store(spec)
    now = [now_ns]
    strategy, venue = asyncio.run(start(store, transport, capabilities, seed, now))
    qs = quotes(seed, steps)
    transport.send("ready", strategy.last_step)
    while True:
        kind, args = transport.recv()
        if kind == "step":
            i, events = args
            now[0] = qs[i].ts_event
            run_step(strategy, venue, i, qs[i], [decode_struct(e) for e in events])
            transport.send("done", i, digest(strategy))
        elif kind == "finish":
            strategy.recovery.recorder.close()
            orders = {
                cid: [encode_msgpack(e) for e in o.events] for cid, o in strategy.orders.items()
            }
            transport.send("final", digest(strategy), orders, strategy.recovery.recorder.seq)
            store.close()
            return
        else:
            raise SystemExit(f"unexpected message {kind!r}")


if __name__ == "__main__":
    main()
