"""State persistence benchmarks: order events persisted per second, and recovery time.

Rows (``<store>`` is ``memory``, ``sqlite_full`` -- every commit synced to disk, the default
--, ``sqlite_normal`` -- synced at checkpoints, survives a killed process --, and ``redis``
-- AOF with ``appendfsync always``, on a private loopback server this benchmark starts, or
the one ``LYRA_BENCH_REDIS_URL`` / ``LYRA_TEST_REDIS_URL`` names):

* ``state.persist.<store>.commit_per_event``: order events persisted per second through a
  :class:`~lyra.state.StateRecorder` when every event is committed on its own (the strict
  write-ahead case: a flush before every command, one event between commands);
* ``state.persist.<store>.commit_per_100``: the same with 100 events per commit (a flush per
  burst of venue events);
* ``state.recover.<store>.<n>_orders``: milliseconds to load and rebuild ``n`` orders of four
  events each (initialized, submitted, accepted, filled) with the portfolio replaying every
  fill -- ``load()`` plus :func:`~lyra.state.restore`. 100k orders in a full run, 2k in the
  quick one (the figure's name says which).

Redis rows are left out, with a note on stderr, when no redis-server can be started.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec.structs

from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide
from lyra.model.identifiers import ClientOrderId, TradeId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory
from lyra.portfolio import CashAccount, Portfolio
from lyra.state import MemoryStore, RedisStore, SqliteStore, StateBatch, StateRecorder, restore
from lyra.state.codec import encode_stored_event

__all__ = ("run",)

_PAIR = CurrencyPair.simple("BTCUSDT.SIM", price_increment="0.01", size_increment="0.001")
_USDT = Currency.from_str("USDT")
_BTC = Currency.from_str("BTC")


def _template() -> list[OrderEvent]:
    """One order's life: initialized, submitted, accepted, filled."""
    f = OrderFactory("S-1", clock=lambda: 1_700_000_000_000_000_000, epoch=1)
    o = f.limit(_PAIR.id, OrderSide.BUY, Quantity("1.000"), Price("100.00"))
    o.apply(f.events.submitted(o, account_id="SIM-001"))
    o.apply(f.events.accepted(o, "V-1", account_id="SIM-001"))
    o.apply(
        f.events.filled(
            o,
            trade_id="T-1",
            last_qty=Quantity("1.000"),
            last_px=Price("100.00"),
            commission=Money("0.01", _USDT),
            currency=_USDT,
            liquidity_side=LiquiditySide.MAKER,
            venue_order_id="V-1",
            account_id="SIM-001",
        )
    )
    return list(o.events)


def _orders(n: int) -> Iterator[list[OrderEvent]]:
    """``n`` distinct orders (ids, venue ids and trade ids differ), as event lists."""
    template = _template()
    replace = msgspec.structs.replace
    for i in range(n):
        cid = ClientOrderId(f"B{i:017d}")
        events: list[OrderEvent] = []
        for e in template:
            e2 = replace(e, client_order_id=cid)
            if hasattr(e2, "trade_id"):
                e2 = replace(e2, trade_id=TradeId(f"T{i}"), venue_order_id=f"V{i}")
            elif getattr(e2, "venue_order_id", None) is not None:
                e2 = replace(e2, venue_order_id=f"V{i}")
            events.append(e2)
        yield events


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _redis_url() -> Iterator[str | None]:
    url = os.environ.get("LYRA_BENCH_REDIS_URL") or os.environ.get("LYRA_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = os.environ.get("LYRA_REDIS_SERVER") or shutil.which("redis-server")
    if binary is None:
        print("bench_state: no redis-server: Redis rows left out", file=sys.stderr)
        yield None
        return
    port = _free_port()
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", d],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        print("bench_state: redis-server did not start", file=sys.stderr)
                        yield None
                        return
                    time.sleep(0.01)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _persist(store: Any, n_orders: int, per_commit: int) -> float:
    """Events persisted per second through a recorder, committing every ``per_commit``."""
    recorder = StateRecorder(store, EventBus())
    lives = list(_orders(n_orders))
    total = sum(len(x) for x in lives)
    started = time.perf_counter()
    pending = 0
    for events in lives:
        order = Order(events[0])  # type: ignore[arg-type]
        recorder.register(order)
        pending += 1
        if pending >= per_commit:
            recorder.flush()
            pending = 0
        for e in events[1:]:
            order.apply(e)
            recorder.register(order)
            pending += 1
            if pending >= per_commit:
                recorder.flush()
                pending = 0
    recorder.flush()
    elapsed = time.perf_counter() - started
    recorder.close()
    return total / elapsed


def _fill_store(store: Any, n_orders: int) -> None:
    seq = 0
    batch = StateBatch()
    for events in _orders(n_orders):
        cid = events[0].client_order_id
        for index, e in enumerate(events):
            seq += 1
            batch.events.append((cid, index, seq, encode_stored_event(seq, e)))
        if len(batch.events) >= 20_000:
            batch.seq = seq
            store.commit(batch)
            batch = StateBatch()
    batch.seq = seq
    store.commit(batch)


def _recover_ms(store: Any) -> float:
    portfolio = Portfolio(
        instruments=[_PAIR],
        accounts=[CashAccount("SIM-001", [Money("1000000000", _USDT), Money("0", _BTC)])],
    )
    started = time.perf_counter()
    restored = restore(store.load(), instruments=[_PAIR], portfolio=portfolio)
    elapsed = time.perf_counter() - started
    assert restored.portfolio is not None
    return elapsed * 1000


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    single = 200 if quick else 2_000  # orders (x4 events) committed one event at a time
    batched = 500 if quick else 10_000
    recover_n = 2_000 if quick else 100_000
    label = f"{recover_n // 1000}k_orders"
    with tempfile.TemporaryDirectory() as d, _redis_url() as redis_url:
        makers: list[tuple[str, Callable[[str], Any]]] = [
            ("memory", lambda tag: MemoryStore()),
            ("sqlite_full", lambda tag: SqliteStore(Path(d) / f"full-{tag}.db")),
            (
                "sqlite_normal",
                lambda tag: SqliteStore(Path(d) / f"normal-{tag}.db", synchronous="normal"),
            ),
        ]
        if redis_url is not None:
            makers.append(("redis", lambda tag: RedisStore(redis_url, namespace=f"bench-{tag}")))
        for name, make in makers:
            for tag, n, per in (("one", single // (4 if name == "sqlite_full" else 1), 1),
                                ("batch", batched, 100)):
                store = make(tag)
                try:
                    store.clear()
                    rate = _persist(store, max(n, 10), per)
                finally:
                    store.clear()
                    store.close()
                row = "commit_per_event" if per == 1 else "commit_per_100"
                rows.append((f"state.persist.{name}.{row}", rate, "events/s"))
            if name == "sqlite_normal":
                continue  # same file format and reads as sqlite_full
            store = make("recover")
            try:
                store.clear()
                _fill_store(store, recover_n)
                rows.append((f"state.recover.{name}.{label}", _recover_ms(store), "ms"))
            finally:
                store.clear()
                store.close()
    return rows


if __name__ == "__main__":
    for name, value, unit in run(quick="--quick" in sys.argv):
        print(f"{name:<48} {value:>14,.0f} {unit}")
