"""The StateStore contract, once, for MemoryStore, SqliteStore and RedisStore, through both
the sync and the async face."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from lyra.contingency import ContingencyCore
from lyra.errors import InvalidInput
from lyra.model.enums import OrderSide, OrderType
from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.portfolio import CashAccount, Portfolio
from lyra.state import (
    ContingencyRecord,
    ListRecord,
    PortfolioCheckpoint,
    StateBatch,
    StateSnapshot,
    StateStore,
    StoreUnavailable,
)
from lyra.state.codec import encode_record, encode_stored_event

from .conftest import StoreMaker
from .scenario import BALANCES, IID, PAIR

FACES = ("sync", "async")


def commit(store: StateStore, batch: StateBatch, face: str) -> None:
    if face == "sync":
        store.commit(batch)
    else:
        asyncio.run(store.acommit(batch))


def load(store: StateStore, face: str) -> StateSnapshot:
    if face == "sync":
        return store.load()
    return asyncio.run(store.aload())


class Writer:
    """Builds batches the way the recorder does: events numbered by a global seq."""

    def __init__(self) -> None:
        self.seq = 0
        self.counts: dict[str, int] = {}
        self.batch = StateBatch()

    def event(self, order: Order, event: Any | None = None) -> None:
        cid = order.client_order_id
        index = self.counts.get(cid, 0)
        ev = order.events[index] if event is None else event
        self.seq += 1
        self.batch.events.append((cid, index, self.seq, encode_stored_event(self.seq, ev)))
        self.batch.seq = self.seq
        self.counts[cid] = index + 1

    def take(self) -> StateBatch:
        batch = self.batch
        self.batch = StateBatch(self.seq)
        return batch


def sample_orders(n: int = 3) -> list[Order]:
    f = OrderFactory("S-1", clock=lambda: 1_000, epoch=7)
    out = []
    for i in range(n):
        o = f.limit(IID, OrderSide.BUY, Quantity(f"{i + 1}.000"), Price(f"{100 + i}.00"))
        o.apply(f.events.submitted(o, account_id="SIM-001"))
        o.apply(f.events.accepted(o, f"V{i}", account_id="SIM-001"))
        out.append(o)
    return out


def full_batch(writer: Writer) -> tuple[StateBatch, dict[str, Any]]:
    orders = sample_orders()
    for o in orders:
        for _ in o.events:
            writer.event(o)
    f = OrderFactory("S-1", clock=lambda: 2_000, epoch=8)
    bracket = f.bracket(
        IID,
        OrderSide.BUY,
        Quantity("1.000"),
        entry_type=OrderType.LIMIT,
        entry_price=Price("100.00"),
        stop_loss_trigger_price=Price("99.00"),
        take_profit_price=Price("101.00"),
    )
    for o in bracket:
        writer.event(o)
    lst = ListRecord(
        order_list_id=bracket.order_list_id,
        contingency_type=bracket.contingency_type,
        client_order_ids=tuple(o.client_order_id for o in bracket),
        release_policy=bracket.release_policy,
        children_contingency=bracket.children_contingency,
        ts_init=bracket.ts_init,
        managed=True,
    )
    core = ContingencyCore()
    core.add_list(bracket, native=False)
    crec = ContingencyRecord(seq=writer.seq, state=core.get_list(bracket.order_list_id))  # type: ignore[arg-type]
    portfolio = Portfolio(instruments=[PAIR], accounts=[CashAccount("SIM-001", BALANCES)])
    pck = PortfolioCheckpoint(seq=writer.seq, state=portfolio.to_state())
    batch = writer.take()
    batch.lists.append((lst.order_list_id, encode_record(lst)))
    batch.contingency.append((lst.order_list_id, encode_record(crec)))
    batch.portfolio = encode_record(pck)
    batch.kv.append(("S-1", "step", b"\x07"))
    batch.kv.append(("S-1", "name", b"ema"))
    batch.kv.append(("S-2", "x", b"\x00\xff"))
    batch.cursors["SIM"] = 1_500
    expect = {
        "orders": {o.client_order_id: o for o in [*orders, *bracket]},
        "list": lst,
        "contingency": crec,
        "portfolio": pck,
    }
    return batch, expect


@pytest.fixture(params=FACES)
def face(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_an_empty_store_loads_empty(maker: StoreMaker, face: str) -> None:
    snap = load(maker.open(), face)
    assert snap.is_empty
    assert snap.seq == 0
    assert snap.source == maker.open().name


def test_everything_committed_loads_back_exactly(maker: StoreMaker, face: str) -> None:
    store = maker.open()
    writer = Writer()
    batch, expect = full_batch(writer)
    commit(store, batch, face)
    snap = load(store, face)
    assert snap.seq == writer.seq
    assert set(snap.orders) == set(expect["orders"])
    for cid, pairs in snap.orders.items():
        original = expect["orders"][cid]
        assert [e for _, e in pairs] == list(original.events)
        assert Order.from_events(e for _, e in pairs) == original
        seqs = [s for s, _ in pairs]
        assert seqs == sorted(seqs)
    lid = expect["list"].order_list_id
    assert snap.lists == {lid: expect["list"]}
    assert snap.contingency[lid] == expect["contingency"]
    assert snap.portfolio == expect["portfolio"]
    assert snap.kv == {"S-1": {"step": b"\x07", "name": b"ema"}, "S-2": {"x": b"\x00\xff"}}
    assert snap.cursors == {"SIM": 1_500}
    # events come back in the global order they were recorded in
    assert [s for s, _ in snap.events_in_order()] == list(range(1, writer.seq + 1))


def test_state_survives_reopening_the_store(maker: StoreMaker, face: str) -> None:
    writer = Writer()
    batch, expect = full_batch(writer)
    first = maker.open()
    commit(first, batch, face)
    if maker.kind != "memory":
        first.close()
    again = maker.open()
    snap = load(again, face)
    assert set(snap.orders) == set(expect["orders"])
    assert snap.portfolio == expect["portfolio"]
    assert snap.seq == writer.seq


def test_later_commits_append_events_in_order(maker: StoreMaker, face: str) -> None:
    store = maker.open()
    writer = Writer()
    orders = sample_orders(2)
    for o in orders:
        writer.event(o)
    commit(store, writer.take(), face)
    for o in orders:
        writer.event(o)
        writer.event(o)
    commit(store, writer.take(), face)
    snap = load(store, face)
    for o in orders:
        assert Order.from_events(e for _, e in snap.orders[o.client_order_id]) == o


def test_a_commit_retried_after_an_unknown_outcome_duplicates_nothing(
    maker: StoreMaker, face: str
) -> None:
    store = maker.open()
    writer = Writer()
    batch, expect = full_batch(writer)
    commit(store, batch, face)
    commit(store, batch, face)  # the same batch again, as a retry after a lost reply
    snap = load(store, face)
    assert snap.event_count() == sum(o.event_count for o in expect["orders"].values())
    assert snap.seq == writer.seq


def test_cursors_and_seq_never_move_backwards(maker: StoreMaker, face: str) -> None:
    store = maker.open()
    b1 = StateBatch(seq=10)
    b1.cursors.update({"SIM": 500, "BINANCE": 700})
    commit(store, b1, face)
    b2 = StateBatch(seq=4)
    b2.cursors.update({"SIM": 400, "BINANCE": 900})
    commit(store, b2, face)
    snap = load(store, face)
    assert snap.cursors == {"SIM": 500, "BINANCE": 900}
    assert snap.seq == 10


def test_deletes_remove_kv_keys_and_contingency_records(maker: StoreMaker, face: str) -> None:
    store = maker.open()
    writer = Writer()
    batch, expect = full_batch(writer)
    commit(store, batch, face)
    lid = expect["list"].order_list_id
    later = StateBatch(writer.seq)
    later.kv.append(("S-1", "step", None))
    later.kv.append(("S-2", "x", None))
    later.kv.append(("S-1", "never-set", None))
    later.contingency.append((lid, None))
    commit(store, later, face)
    snap = load(store, face)
    assert snap.kv == {"S-1": {"name": b"ema"}}
    assert lid not in snap.contingency
    assert lid in snap.lists


def test_newer_records_replace_older_ones(maker: StoreMaker, face: str) -> None:
    store = maker.open()
    writer = Writer()
    batch, expect = full_batch(writer)
    commit(store, batch, face)
    crec: ContingencyRecord = expect["contingency"]
    crec.state.released = True
    newer = StateBatch(writer.seq)
    newer.contingency.append(
        (crec.state.order_list_id, encode_record(ContingencyRecord(seq=99, state=crec.state)))
    )
    newer.kv.append(("S-1", "step", b"\x08"))
    commit(store, newer, face)
    snap = load(store, face)
    got = snap.contingency[crec.state.order_list_id]
    assert got.seq == 99 and got.state.released
    assert snap.kv["S-1"]["step"] == b"\x08"


def test_clear_removes_everything_and_the_store_stays_usable(maker: StoreMaker, face: str) -> None:
    store = maker.open()
    writer = Writer()
    batch, _ = full_batch(writer)
    commit(store, batch, face)
    if face == "sync":
        store.clear()
    else:
        asyncio.run(store.aclear())
    snap = load(store, face)
    assert snap.is_empty and snap.seq == 0
    writer2 = Writer()
    batch2, expect2 = full_batch(writer2)
    commit(store, batch2, face)
    assert set(load(store, face).orders) == set(expect2["orders"])


def test_a_malformed_batch_is_refused_before_anything_is_written(
    maker: StoreMaker, face: str
) -> None:
    store = maker.open()
    writer = Writer()
    batch, _ = full_batch(writer)
    batch.events.append(("X-1", 0, writer.seq + 1, "not bytes"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"batch\.events\["):
        commit(store, batch, face)
    assert load(store, face).is_empty


def test_a_closed_store_refuses_every_call(maker: StoreMaker) -> None:
    store = maker.open()
    store.close()
    store.close()  # idempotent
    calls: list[Callable[[], object]] = [
        store.load,
        store.clear,
        lambda: store.commit(StateBatch()),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable):
            call()


def test_many_orders_load_back(maker: StoreMaker, face: str) -> None:
    store = maker.open(load_chunk=7) if maker.kind == "redis" else maker.open()
    writer = Writer()
    f = OrderFactory("S-1", clock=lambda: 1, epoch=9)
    orders = [f.limit(IID, OrderSide.SELL, Quantity("1.000"), Price("100.00")) for _ in range(60)]
    for o in orders:
        writer.event(o)
    commit(store, writer.take(), face)
    snap = load(store, face)
    assert len(snap.orders) == 60
    assert {cid: len(v) for cid, v in snap.orders.items()} == {o.client_order_id: 1 for o in orders}


def test_the_async_face_runs_under_trio_too(maker: StoreMaker) -> None:
    import trio

    store = maker.open()
    writer = Writer()
    batch, expect = full_batch(writer)

    async def main() -> StateSnapshot:
        await store.acommit(batch)
        return await store.aload()

    snap = trio.run(main)
    assert set(snap.orders) == set(expect["orders"])
