"""The parent side of the crash tests: hosts the exchange, runs the strategy in a child
process, and SIGKILLs the child (or the Redis server) at chosen checkpoints.

The child stops at every checkpoint (before and after each store commit, each command it
sends, each venue event it applies, and inside recovery) and waits for the parent's
``ok``. To kill it at checkpoint *k* the parent either never answers and SIGKILLs it there
(an exact point), or answers and SIGKILLs it a fraction of a millisecond later (a "racy"
kill that lands wherever the child has got to -- inside a commit, half-way through a
handler). Commands the child had written to the socket before it died still reach the
venue, as they would over a real connection.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from lyra.bus import EventBus
from lyra.model.codec import encode_msgpack
from lyra.sim import SimulatedExchange

from .link import VenueHost, host_args, recv_msg, send_msg
from .scenario import BALANCES, PAIR, T0, quotes

CHILD = Path(__file__).resolve().parent / "crash_child.py"
COMMANDS = ("submit", "submit_list", "cancel", "modify", "reconcile")


def new_host(native: bool = False) -> VenueHost:
    bus = EventBus()
    exchange = SimulatedExchange(
        "SIM",
        bus=bus,
        instruments=[PAIR],
        starting_balances=BALANCES,
        native_contingencies=native,
    )
    return VenueHost(exchange, bus)


class ChildDied(AssertionError):
    """The child exited without being killed (its stderr is in the message)."""


class Parent:
    """Runs one scenario (``seed``, ``steps``) in a series of child processes."""

    def __init__(
        self,
        store_spec: str,
        seed: int,
        steps: int,
        baseline: list[dict[str, Any]],
        *,
        host: VenueHost | None = None,
        on_checkpoint: Callable[[int, str], None] | None = None,
    ) -> None:
        self.store_spec = store_spec
        self.seed = seed
        self.steps = steps
        self.baseline = baseline
        self.host = host if host is not None else new_host()
        self.quotes = quotes(seed, steps)
        self.fed = -1
        self.kills: list[str] = []
        self.children = 0
        self.final: tuple[Any, ...] | None = None
        self.on_checkpoint = on_checkpoint
        self.compared = 0

    # -- one child ---------------------------------------------------------------------------
    def run_child(self, kill_at: int | None, racy: bool, rng: random.Random) -> bool:
        """Start a child; returns True when the scenario finished, False when it was
        killed (at checkpoint ``kill_at``)."""
        parent, child = socket.socketpair()
        self.children += 1
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(child.fileno()), self.store_spec, str(self.seed)],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONWARNINGS="error"),
        )
        child.close()
        try:
            return self._talk(parent, proc, kill_at, racy, rng)
        finally:
            parent.close()
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()
            if proc.stderr is not None:
                proc.stderr.close()

    def _talk(
        self,
        sock: socket.socket,
        proc: subprocess.Popen[bytes],
        kill_at: int | None,
        racy: bool,
        rng: random.Random,
    ) -> bool:
        now = self.quotes[self.fed].ts_event if self.fed >= 0 else T0
        caps = msgspec.msgpack.decode(encode_msgpack(self.host.exchange.capabilities))
        send_msg(sock, ["start", [now, caps, self.steps]])
        points = 0
        while True:
            try:
                kind, args = recv_msg(sock)
            except EOFError:
                proc.wait(timeout=30)
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise ChildDied(
                    f"child exited with {proc.returncode} (kills so far {self.kills}):\n{err}"
                ) from None
            if kind == "checkpoint":
                points += 1
                label = args[1]
                if self.on_checkpoint is not None:
                    self.on_checkpoint(points, label)
                if points == kill_at:
                    if racy:
                        send_msg(sock, ["ok"])
                        time.sleep(rng.uniform(0, 0.002))
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
                    self.kills.append(f"{'~' if racy else ''}{points}:{label}")
                    self._drain(sock)
                    self.host.take()  # what the venue sent the dead child is lost with it
                    return False
                send_msg(sock, ["ok"])
            elif kind in COMMANDS:
                result = self.host.handle(kind, host_args(kind, args))
                if kind == "reconcile":
                    send_msg(sock, ["reply", result])
                else:
                    send_msg(sock, ["reply", result])
            elif kind == "ready":
                self._next(sock, args[0] + 1)
            elif kind == "done":
                i, got = args
                want = self.baseline[i]
                if got != want:
                    raise AssertionError(self._explain(i, want, got))
                self.compared += 1
                self._next(sock, i + 1)
            elif kind == "final":
                self.final = tuple(args)
                return True
            else:
                raise AssertionError(f"unexpected message {kind!r}")

    def _next(self, sock: socket.socket, i: int) -> None:
        if i >= self.steps:
            send_msg(sock, ["finish", []])
            return
        if i > self.fed:
            events = self.host.feed(self.quotes[i])
            self.fed = i
        else:
            events = []  # the quote went in before the crash; reconciliation has the rest
        send_msg(sock, ["step", [i, events]])

    def _drain(self, sock: socket.socket) -> None:
        """Commands the child wrote before it died still reach the venue."""
        sock.settimeout(0.0)
        buffered = b""
        try:
            while True:
                chunk = sock.recv(1 << 16)
                if not chunk:
                    break
                buffered += chunk
        except (BlockingIOError, OSError):
            pass
        sock.settimeout(None)
        offset = 0
        while len(buffered) - offset >= 4:
            size = int.from_bytes(buffered[offset : offset + 4], "big")
            if len(buffered) - offset - 4 < size:
                break  # a message cut off by the kill: never fully sent
            kind, args = msgspec.msgpack.decode(buffered[offset + 4 : offset + 4 + size])
            offset += 4 + size
            if kind in COMMANDS and kind != "reconcile":
                self.host.handle(kind, host_args(kind, args))

    def _explain(self, i: int, want: dict[str, Any], got: dict[str, Any]) -> str:
        lines = [
            f"seed {self.seed}: state after step {i} differs from the uninterrupted run "
            f"(kills: {self.kills})"
        ]
        for part in want:
            a, b = want[part], got.get(part, {})
            lines.extend(
                f"  {part}[{key}]: want {a.get(key)} got {b.get(key)}"
                for key in sorted(set(a) | set(b), key=str)
                if a.get(key) != b.get(key)
            )
        return "\n".join(lines)

    # -- a whole run ---------------------------------------------------------------------------
    def run(
        self, kills: int, rng: random.Random, *, max_point: int = 60, racy_share: float = 0.3
    ) -> None:
        """Kill children until ``kills`` kills happened (or the scenario ended), then let
        the last child finish."""
        while True:
            if len(self.kills) < kills:
                kill_at: int | None = rng.randint(1, max_point)
                racy = rng.random() < racy_share
            else:
                kill_at, racy = None, False
            if self.run_child(kill_at, racy, rng):
                return
