"""Sweeps on a local Ray cluster that listens on 127.0.0.1 only.

One cluster (two CPUs) serves the whole module; it is started by :class:`RayBackend` itself
so its loopback-only start is what is tested, and shut down at the end.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lyra.backtest.sweep import Grid, RayBackend, SweepResult, sweep
from lyra.errors import InvalidInput

from . import _sweep_trials as trials

ray = pytest.importorskip("ray", reason="Ray not installed: pip install lyra[ray]")


@pytest.fixture(scope="module")
def ray_backend() -> Iterator[RayBackend]:
    assert not ray.is_initialized(), "another test left Ray running"
    backend = RayBackend(workers=2)
    backend.start()
    try:
        yield backend
    finally:
        backend.close()
    assert not ray.is_initialized()


def table(result: SweepResult) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "duration_s"} for r in result.to_records()]


def _descendants(pid: int) -> set[int]:
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in found]
        found.update(kids)
        frontier.extend(kids)
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _address(hex_addr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes.fromhex(hex_addr)
    # /proc/net stores each 32-bit word in host (little-endian) order
    fixed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    addr = ipaddress.ip_address(fixed)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _inet_sockets(inodes: set[str]) -> list[tuple[str, Any, Any]]:
    """(table, local address, remote address) of every TCP/UDP socket among ``inodes``."""
    out = []
    for name in ("tcp", "tcp6", "udp", "udp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            cols = line.split()
            if cols[9] in inodes:
                local = _address(cols[1].split(":")[0])
                remote = _address(cols[2].split(":")[0])
                out.append((name, local, remote))
    return out


def test_the_local_cluster_is_bound_to_loopback(ray_backend: RayBackend) -> None:
    assert ray_backend.owns_cluster
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    assert [n["NodeManagerAddress"] for n in ray.nodes()] == ["127.0.0.1"]
    assert ray.cluster_resources().get("CPU") == 2.0
    # the workers see the same address
    result = sweep(trials.node_ip, Grid({"x": [1, 2, 3]}), backend=ray_backend)
    assert result.column("node_ip") == ["127.0.0.1"] * 3
    assert result.column("result.x") == [1, 2, 3]
    if not sys.platform.startswith("linux"):
        return
    # every socket of Ray's processes (GCS, raylet, agents, workers) is on 127.0.0.1
    inodes: set[str] = set()
    for pid in _descendants(os.getpid()):
        inodes |= _socket_inodes(pid)
    sockets = _inet_sockets(inodes)
    assert sockets, "found no socket of Ray's processes"
    for table_name, local, remote in sockets:
        assert local.is_loopback, (table_name, local, remote)
        assert remote.is_loopback or remote.is_unspecified, (table_name, local, remote)


def test_a_ray_sweep_gives_the_same_table_as_serial(ray_backend: RayBackend) -> None:
    grid = Grid(
        {"fast": [2, 4, 6, 8], "slow": [10, 20, 30]},
        constraint=lambda p: p["fast"] * 2 < p["slow"],
    )
    serial = sweep(trials.crossover_score, grid, backend="serial", seed=3)
    seen: list[int] = []
    remote = sweep(
        trials.crossover_score,
        grid,
        backend=ray_backend,
        seed=3,
        progress=lambda d, t, row: seen.append(d),
    )
    assert remote.backend == "ray"
    assert table(remote) == table(serial)
    assert seen == list(range(1, len(grid) + 1))


def test_ray_runs_real_lyra_backtests(ray_backend: RayBackend) -> None:
    grid = Grid({"side": ["buy", "sell"], "qty": [100_000], "seed": [1, 2], "n": 300})
    serial = sweep(trials.tiny_backtest, grid, backend="serial")
    remote = sweep(trials.tiny_backtest, grid, backend=ray_backend)
    assert table(remote) == table(serial)
    assert all(r["status"] == "ok" and r["fills"] == 1 for r in remote)


def test_ray_records_and_raises_trial_errors(ray_backend: RayBackend) -> None:
    space = [{"x": 1, "kind": "ok"}, {"x": 2, "kind": "value_error"}]
    result = sweep(trials.mixed, space, backend=ray_backend)
    assert result.column("status") == ["ok", "error"]
    assert result[1]["error"] == "ValueError: bad x=2"
    with pytest.raises(ValueError, match="bad x=2") as info:
        sweep(trials.mixed, space, backend=ray_backend, on_error="raise")
    assert info.value.__notes__[0] == (
        "in sweep trial 1 with params {'x': 2, 'kind': 'value_error'}"
    )


def test_backend_name_reuses_a_running_ray_and_leaves_it_running(
    ray_backend: RayBackend,
) -> None:
    result = sweep(trials.fail_on_three, Grid({"x": [1, 2]}), backend="ray")
    assert result.column("square") == [1, 4]
    assert ray.is_initialized()  # the sweep did not start it, so it did not stop it
    with pytest.raises(InvalidInput) as info:
        sweep(trials.fail_on_three, [{"x": 1}], backend="ray", ray_address="127.0.0.1:1")
    assert info.value.field == "sweep.ray_address"
