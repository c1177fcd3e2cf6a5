"""Trial functions for the sweep tests.

They live in a module (not in the test files) so worker processes can import them: the local
pool's workers get the test process's ``sys.path``, Ray workers get it appended to theirs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lyra import topics
from lyra.backtest import default_quote_instrument, generate_quotes
from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.enums import OrderSide
from lyra.model.values import Money, Quantity
from lyra.orders import OrderFactory, OrderFilled
from lyra.sim import SimulatedExchange


def crossover_score(params: Mapping[str, Any]) -> dict[str, Any]:
    """A cheap deterministic stand-in for a strategy's statistics."""
    fast, slow = params["fast"], params["slow"]
    return {"score": round(100.0 / (1 + abs(slow - 4 * fast)), 6), "gap": slow - fast}


def fail_on_three(params: Mapping[str, Any]) -> dict[str, Any]:
    """Raises for x == 3; other trials return their square."""
    if params["x"] == 3:
        raise ValueError(f"x={params['x']} is not allowed")
    return {"square": params["x"] ** 2}


class _Unpicklable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()  # a lock cannot be pickled


def mixed(params: Mapping[str, Any]) -> dict[str, Any]:
    """``kind`` picks what the trial does: "ok", "value_error", or "unpicklable" (raises an
    exception that cannot travel back from a worker)."""
    if params["kind"] == "value_error":
        raise ValueError(f"bad x={params['x']}")
    if params["kind"] == "unpicklable":
        raise _Unpicklable(f"cannot send x={params['x']}")
    return {"double": 2 * params["x"]}


def crash_on_two(params: Mapping[str, Any]) -> int:
    """Kills its worker process for x == 2 (as a crash in native code would)."""
    if params["x"] == 2:
        os._exit(3)
    return int(params["x"])


def touch_and_sleep(params: Mapping[str, Any]) -> int:
    """Leaves a marker file for the trial, then sleeps ``params["sleep"]`` seconds."""
    Path(params["dir"], f"trial-{params['i']}").touch()
    time.sleep(params["sleep"])
    return int(params["i"])


def last_to_finish(params: Mapping[str, Any]) -> int:
    """Trial 0 waits until every other trial of ``params["n"]`` has left its marker file, so
    it finishes last (it needs another worker to run them); the others return at once."""
    folder, i = Path(params["dir"]), params["i"]
    if i == 0:
        others = {f"trial-{k}" for k in range(1, params["n"])}
        deadline = time.monotonic() + 30
        while not others <= {p.name for p in folder.iterdir()}:
            if time.monotonic() > deadline:
                raise TimeoutError("the other trials never ran")
            time.sleep(0.01)
        time.sleep(0.2)  # let their results reach the parent first
    (folder / f"trial-{i}").touch()
    return int(i)


def worker_pid(params: Mapping[str, Any]) -> dict[str, Any]:
    """Which process ran the trial."""
    return {"pid": os.getpid()}


def tiny_backtest(params: Mapping[str, Any]) -> dict[str, Any]:
    """Replay ``n`` synthetic EUR/USD quotes into a simulated exchange, then send one market
    order of ``qty`` units on ``side``; report the fill and the account afterwards."""
    inst = default_quote_instrument()
    usd, eur = Currency.from_str("USD"), Currency.from_str("EUR")
    bus = EventBus()
    exchange = SimulatedExchange(
        "SIM",
        bus=bus,
        instruments=[inst],
        starting_balances=[Money("10000000", usd), Money("10000000", eur)],
    )
    fills: list[OrderFilled] = []
    bus.subscribe(
        topics.order_events("sweep"),
        lambda e: fills.append(e) if isinstance(e, OrderFilled) else None,
    )
    quotes = generate_quotes(params["n"], seed=params["seed"])
    exchange.process(quotes)
    orders = OrderFactory("sweep", clock=lambda: exchange.now, epoch=1)
    side = OrderSide.BUY if params["side"] == "buy" else OrderSide.SELL
    order = orders.market(inst.id, side, Quantity(str(params["qty"])))
    exchange.submit_order(order)
    exchange.settle()
    filled = order.filled_qty.as_decimal()
    return {
        "fills": len(fills),
        "filled": float(filled),
        "avg_px": float(order.avg_px) if order.avg_px is not None else None,
        "position": exchange.net_position(inst.id),
        "usd": exchange.account.balance_total(usd),
    }


def node_ip(params: Mapping[str, Any]) -> dict[str, Any]:
    """The address Ray reports for the node running the trial."""
    import ray

    return {"node_ip": ray.util.get_node_ip_address(), "x": params["x"]}
