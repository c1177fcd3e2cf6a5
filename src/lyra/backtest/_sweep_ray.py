"""The Ray side of :mod:`lyra.backtest.sweep`: connecting (loopback-only when local), the
remote task, and the submit/wait loop. Ray is imported only here, and only when used."""

from __future__ import annotations

import contextlib
import importlib
import ipaddress
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lyra.errors import InvalidInput, MissingDependency

if TYPE_CHECKING:
    from lyra.backtest.sweep import TrialOutcome

__all__ = ()

LOOPBACK = "127.0.0.1"

# Read by Ray when it decides a node's address: with it off, Ray keeps 127.0.0.1 instead of
# swapping it for the machine's routable address (ray._private.services.resolve_ip_for_localhost)
_CLUSTER_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
_USAGE_ENV = "RAY_USAGE_STATS_ENABLED"
_ADDRESS_ENV = "RAY_ADDRESS"


def import_ray() -> Any:
    """The ``ray`` module, or :class:`MissingDependency` naming the extra."""
    try:
        return importlib.import_module("ray")
    except ImportError as e:
        raise MissingDependency("the Ray sweep backend needs Ray: pip install lyra[ray]") from e


def is_loopback_host(address: str) -> bool:
    """Whether a Ray address (``host:port``, ``ray://host:port``, ``localhost``) names this
    machine's loopback interface."""
    host = address.split("://", 1)[-1].rsplit("@", 1)[-1]
    if host.startswith("["):  # [::1]:6379
        host = host[1 : host.find("]")]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def _scoped_env(loopback: bool, start_local: bool) -> Iterator[None]:
    """Environment for ``ray.init``: processes Ray starts inherit it; restored afterwards."""
    saved = {k: os.environ.get(k) for k in (_CLUSTER_ENV, _USAGE_ENV, _ADDRESS_ENV)}
    constants: Any = None
    saved_flag: Any = None
    try:
        if start_local:
            os.environ.pop(_ADDRESS_ENV, None)
            # a cluster started here never reports usage statistics anywhere
            os.environ[_USAGE_ENV] = "0"
        if loopback:
            os.environ[_CLUSTER_ENV] = "0"
            # already-imported Ray read the variable at import time; the flag is consulted at
            # call time, so set it for the duration of ray.init as well
            constants = sys.modules.get("ray._private.ray_constants")
            if constants is not None and hasattr(constants, "ENABLE_RAY_CLUSTER"):
                saved_flag = constants.ENABLE_RAY_CLUSTER
                constants.ENABLE_RAY_CLUSTER = False
        yield
    finally:
        if constants is not None and saved_flag is not None:
            constants.ENABLE_RAY_CLUSTER = saved_flag
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def connect(
    address: str | None, init_kwargs: Mapping[str, Any] | None, workers: int | None
) -> tuple[Any, bool]:
    """Make sure this process is connected to Ray; returns ``(ray, started_here)``.

    An initialized Ray is used as it is. Otherwise, with ``address`` Ray connects to that
    cluster; without, a local single-node cluster starts bound to 127.0.0.1 only.
    """
    ray = import_ray()
    if ray.is_initialized():
        if address is not None:
            raise InvalidInput(
                "sweep.ray_address",
                "Ray is already initialized in this process: call ray.shutdown() first, "
                "or leave the address unset to use the running connection",
                address,
            )
        return ray, False
    kwargs: dict[str, Any]
    if address is None:
        kwargs = {
            # "local" always starts a new cluster (RAY_ADDRESS and running clusters ignored)
            "address": "local",
            "_node_ip_address": LOOPBACK,
            "include_dashboard": False,
            "dashboard_host": LOOPBACK,
        }
        if workers is not None:
            kwargs["num_cpus"] = workers
        kwargs.update(init_kwargs or {})
        node_ip = str(kwargs.get("_node_ip_address") or "")
        loopback = bool(node_ip) and is_loopback_host(node_ip)
        start_local = True
    else:
        kwargs = {"address": address, **(init_kwargs or {})}
        loopback = is_loopback_host(address)
        start_local = False
    with _scoped_env(loopback, start_local):
        ray.init(**kwargs)
    return ray, True


# -- the remote side ----------------------------------------------------------------------------

_CACHED: tuple[str, Any] | None = None


def run_remote_chunk(
    token: str, fn_bytes: bytes, paths: Sequence[str], chunk: Sequence[tuple[int, Any]]
) -> list[TrialOutcome] | str:
    """Runs in a Ray worker: load ``fn`` once per sweep (``token``), run the chunk. A str
    is the error that kept ``fn`` from loading."""
    global _CACHED
    from lyra.backtest.sweep import run_trials

    if _CACHED is None or _CACHED[0] != token:
        # driver paths go last: the worker's own environment wins, but a module the driver
        # imported from its working tree (tests, a project folder) is found on this machine
        sys.path.extend(p for p in paths if p not in sys.path)
        cloudpickle = importlib.import_module("ray.cloudpickle")
        try:
            _CACHED = (token, cloudpickle.loads(fn_bytes))
        except Exception as e:
            return f"{type(e).__name__}: {e}"
    return run_trials(_CACHED[1], chunk, portable=True)


def run(
    ray: Any,
    fn: Any,
    chunks: Sequence[Sequence[tuple[int, dict[str, Any]]]],
    report: Callable[[Sequence[TrialOutcome]], bool],
    *,
    in_flight: int,
    num_cpus: float,
    failed: Callable[[Sequence[tuple[int, dict[str, Any]]], BaseException], list[TrialOutcome]],
) -> None:
    """Submit chunks as Ray tasks (at most ``in_flight`` at a time) and report each as it
    completes; cancel whatever is left on an early stop or an interrupt."""
    cloudpickle = importlib.import_module("ray.cloudpickle")
    try:
        fn_bytes = cloudpickle.dumps(fn)
    except Exception as e:
        raise InvalidInput(
            "sweep.fn", f"must be serializable by Ray ({type(e).__name__}: {e})", fn
        ) from e
    remote = ray.remote(num_cpus=num_cpus, max_retries=0)(run_remote_chunk)
    token = uuid.uuid4().hex
    fn_ref = ray.put(fn_bytes)
    paths = [p for p in sys.path if p]
    todo = iter(chunks)
    pending: dict[Any, Sequence[tuple[int, dict[str, Any]]]] = {}

    def submit() -> None:
        for chunk in todo:
            pending[remote.remote(token, fn_ref, paths, chunk)] = chunk
            if len(pending) >= in_flight:
                return

    finished = False
    try:
        submit()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                chunk = pending.pop(ref)
                try:
                    outcomes: list[TrialOutcome] | str = ray.get(ref)
                except Exception as e:  # the worker died, the task was lost
                    outcomes = failed(chunk, e)
                if isinstance(outcomes, str):
                    raise InvalidInput(
                        "sweep.fn",
                        f"could not be loaded in a Ray worker ({outcomes}); its module must be "
                        "importable on every node (install it there, or use Ray's runtime_env)",
                        fn,
                    )
                if not report(outcomes):
                    return
            submit()
        finished = True
    finally:
        if not finished:
            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
