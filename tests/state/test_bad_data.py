"""Bad or foreign data in a store gives a clear error naming the key; it never drops state.

Each case writes the bad bytes the way that store keeps data (a row in SQLite, a hash
field in Redis, an entry in MemoryStore), next to good records, and checks that loading
raises StateCorrupted naming exactly that record -- not a generic decode error, and not a
snapshot with the record silently missing.
"""

from __future__ import annotations

import sqlite3

import msgspec
import pytest

from lyra.model.codec import encode_msgpack
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.state import MemoryStore, SqliteStore, StateCorrupted, StateStore, restore

from .conftest import StoreMaker
from .scenario import IID
from .test_store_contract import Writer, sample_orders


def put_event(
    maker: StoreMaker, store: StateStore, cid: str, index: int, data: bytes, seq: int
) -> None:
    """Write raw bytes as event ``index`` of order ``cid``, bypassing the store's API."""
    if isinstance(store, MemoryStore):
        store.put_raw("event", cid, data, index)
    elif isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as conn:
            done = conn.execute(
                "UPDATE events SET data = ? WHERE client_order_id = ? AND idx = ?",
                (data, cid, index),
            ).rowcount
            if not done:
                conn.execute(
                    "INSERT INTO events VALUES ((SELECT max(seq) + 1 FROM events), ?, ?, ?)",
                    (cid, index, data),
                )
    else:
        import redis

        client = redis.Redis.from_url(store.url)  # type: ignore[attr-defined]
        try:
            client.sadd(f"{maker.namespace}:orders", cid)
            client.hset(f"{maker.namespace}:order:{cid}", str(index), data)
        finally:
            client.close()


def put_record(maker: StoreMaker, store: StateStore, kind: str, key: str, data: bytes) -> None:
    if isinstance(store, MemoryStore):
        store.put_raw(kind, key, data)
    elif isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as conn:
            if kind == "list":
                conn.execute("INSERT OR REPLACE INTO lists VALUES (?, ?)", (key, data))
            elif kind == "portfolio":
                conn.execute("INSERT OR REPLACE INTO portfolio VALUES (1, ?)", (data,))
            elif kind == "schema":
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (int(data),))
    else:
        import redis

        ns = maker.namespace
        client = redis.Redis.from_url(store.url)  # type: ignore[attr-defined]
        try:
            if kind == "list":
                client.hset(f"{ns}:lists", key, data)
            elif kind == "portfolio":
                client.set(f"{ns}:portfolio", data)
            elif kind == "schema":
                client.hset(f"{ns}:meta", "schema", data)
        finally:
            client.close()


def good_store(maker: StoreMaker) -> tuple[StateStore, Writer, list[Order]]:
    store = maker.open()
    writer = Writer()
    orders = sample_orders()
    for o in orders:
        for _ in o.events:
            writer.event(o)
    store.commit(writer.take())
    return store, writer, orders


def corrupted(store: StateStore) -> StateCorrupted:
    with pytest.raises(StateCorrupted) as info:
        store.load()
    return info.value


def test_a_truncated_event_names_its_key(maker: StoreMaker) -> None:
    store, writer, orders = good_store(maker)
    cid = orders[1].client_order_id
    good = encode_msgpack([writer.seq + 1, orders[1].events[0]])
    # event 1 of orders[1] replaced by a cut-off copy of a record
    put_event(maker, store, cid, 1, good[: len(good) // 2], 2)
    err = corrupted(store)
    assert cid in err.key and "1" in err.key
    assert "truncated" in err.reason


def test_an_unknown_event_type_from_a_newer_version_names_its_key(maker: StoreMaker) -> None:
    store, writer, orders = good_store(maker)
    cid = orders[0].client_order_id
    event = msgspec.to_builtins(orders[0].events[1], enc_hook=str)
    event["type"] = "OrderTeleported"
    put_event(maker, store, cid, 3, msgspec.msgpack.encode([writer.seq + 1, event]), writer.seq + 1)
    put_record(maker, store, "schema", "", b"1")
    err = corrupted(store)
    assert cid in err.key and "3" in err.key
    assert "unknown order event type 'OrderTeleported'" in err.reason
    assert "newer version" in err.reason


def test_not_msgpack_at_all_names_its_key(maker: StoreMaker) -> None:
    store, writer, orders = good_store(maker)
    cid = orders[2].client_order_id
    put_event(maker, store, cid, 3, b"\xc1\xc1 not a record", writer.seq + 1)
    err = corrupted(store)
    assert cid in err.key


def test_a_gap_in_an_orders_events_is_refused(maker: StoreMaker) -> None:
    store, writer, orders = good_store(maker)
    cid = orders[0].client_order_id
    # event 5 without 3 and 4: replaying would silently skip state
    data = encode_msgpack([writer.seq + 1, orders[0].events[2]])
    put_event(maker, store, cid, 5, data, writer.seq + 1)
    err = corrupted(store)
    assert cid in err.key
    assert "event 3 is missing" in err.reason


def test_an_event_of_another_order_under_this_key_is_refused(maker: StoreMaker) -> None:
    store, writer, orders = good_store(maker)
    stray = encode_msgpack([writer.seq + 1, orders[1].events[0]])
    put_event(maker, store, orders[0].client_order_id, 3, stray, writer.seq + 1)
    err = corrupted(store)
    assert orders[0].client_order_id in err.key
    assert f"order {orders[1].client_order_id}" in err.reason


def test_an_order_that_does_not_start_with_its_initialization_is_refused(maker: StoreMaker) -> None:
    store = maker.open()
    o = sample_orders(1)[0]
    writer = Writer()
    writer.event(o, o.events[1])  # the OrderSubmitted as event 0
    store.commit(writer.take())
    err = corrupted(store)
    assert o.client_order_id in err.key
    assert "must be OrderInitialized" in err.reason


def test_a_foreign_record_in_the_lists_names_its_key(maker: StoreMaker) -> None:
    store, _, orders = good_store(maker)
    put_record(maker, store, "list", "L-1", encode_msgpack(orders[0].init))
    err = corrupted(store)
    assert "L-1" in err.key
    assert "unknown order list type 'OrderInitialized'" in err.reason


def test_a_truncated_portfolio_checkpoint_names_its_key(maker: StoreMaker) -> None:
    store, _, _ = good_store(maker)
    put_record(maker, store, "portfolio", "", b"\x82\xa4type")
    err = corrupted(store)
    assert "portfolio" in err.key


def test_a_store_written_by_a_newer_schema_is_refused(maker: StoreMaker) -> None:
    store, _, _ = good_store(maker)
    put_record(maker, store, "schema", "", b"2")
    err = corrupted(store)
    assert err.key == "meta:schema"
    assert "newer Lyra" in err.reason


def test_a_duplicate_fill_in_the_store_is_refused_not_applied_twice() -> None:
    # nautilus #3081: the same trade recorded twice made restarts fail; here it is named
    f = OrderFactory("S-1", clock=lambda: 5, epoch=3)
    o = f.limit(IID, OrderSide.BUY, Quantity("2.000"), Price("100.00"))
    o.apply(f.events.submitted(o, account_id="SIM-001"))
    o.apply(f.events.accepted(o, "V1", account_id="SIM-001"))
    store = MemoryStore()
    writer = Writer()
    for _ in o.events:
        writer.event(o)
    usdt = Currency.from_str("USDT")
    fill = f.events.filled(
        o,
        trade_id="T-1",
        last_qty=Quantity("1.000"),
        last_px=Price("100.00"),
        commission=Money("0", usdt),
        currency=usdt,
        liquidity_side=LiquiditySide.MAKER,
        venue_order_id="V1",
    )
    writer.event(o, fill)
    writer.event(o, fill)
    store.commit(writer.take())
    snap = store.load()
    with pytest.raises(StateCorrupted) as info:
        restore(snap)
    assert o.client_order_id in info.value.key and "[4]" in info.value.key
    assert "duplicates" in info.value.reason
