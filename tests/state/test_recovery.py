"""Recovery and reconciliation, one situation at a time.

Each test runs a trader against a hosted exchange, "crashes" it (its objects and anything it
had not flushed are dropped), changes what the venue holds while it is down, and starts a
fresh trader over the same store. The restored state must match the venue, and every
difference must be reported -- returned and published on the reconciliation topic.
"""

from __future__ import annotations

from decimal import Decimal

from lyra.contingency import ContingencyManager
from lyra.model.currency import Currency
from lyra.model.enums import ContingencyType, OrderSide, OrderStatus, OrderType
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderFilled, OrderList
from lyra.state import EXTERNAL_STRATEGY, DifferenceKind, MemoryStore, restore

from .scenario import IID, PAIR
from .world import World

BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = OrderStatus


def test_a_fresh_store_starts_clean_and_checkpoints_the_starting_portfolio() -> None:
    w = World()
    r = w.start()
    assert r.orders == {} and r.differences == []
    snap = w.store.load()
    assert snap.portfolio is not None
    assert snap.portfolio.state.accounts[0].account_id == "SIM-001"


def test_fills_that_happened_while_down_are_applied_and_reported() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    order = w.limit(BUY, "2.000", "99.80")
    w.venue.submit_order(order)
    w.link.pump()
    assert order.status is S.ACCEPTED
    w.recovery.recorder.flush()
    w.crash()
    w.quote("99.60", "99.70", size="5.000", deliver=False)  # fills the resting buy
    assert w.venue_copy(order.client_order_id).status is S.FILLED
    r = w.start()
    restored = r.orders[order.client_order_id]
    assert restored.status is S.FILLED
    assert restored.filled_qty == Quantity("2.000")
    fills = [e for e in restored.events if type(e) is OrderFilled]
    assert fills and all(f.reconciliation for f in fills)
    assert "FILL_APPLIED" in w.kinds()
    assert [d.kind for d in w.published] == [d.kind for d in r.differences]
    assert r.portfolio is not None
    assert r.portfolio.net_position(IID) == Decimal("2.000")
    # and the fill is now durable: a second restart applies nothing new
    w.crash()
    r2 = w.start()
    assert "FILL_APPLIED" not in w.kinds()
    assert r2.orders[order.client_order_id].status is S.FILLED


def test_an_order_canceled_at_the_venue_while_down_is_closed() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    order = w.limit(SELL, "1.000", "101.00")
    w.venue.submit_order(order)
    w.link.pump()
    w.recovery.recorder.flush()
    w.crash()
    w.host.exchange.cancel_order(w.venue_copy(order.client_order_id))
    w.host.settle()
    r = w.start()
    assert r.orders[order.client_order_id].status is S.CANCELED
    assert w.kinds() == ["ORDER_CLOSED"]


def test_open_orders_are_restored_into_the_venue_so_they_still_cancel_and_fill() -> None:
    # nautilus #5023: restored open orders were never put back, so cancels said "not found"
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    a = w.limit(BUY, "1.000", "99.50")
    b = w.limit(BUY, "1.000", "99.40")
    w.venue.submit_order(a)
    w.venue.submit_order(b)
    w.link.pump()
    w.recovery.recorder.flush()
    w.crash()
    r = w.start()
    ra, rb = r.orders[a.client_order_id], r.orders[b.client_order_id]
    assert ra is not a and ra.status is S.ACCEPTED
    w.venue.cancel_order(ra)
    w.link.pump()
    assert ra.status is S.CANCELED
    w.quote("99.20", "99.30")  # crosses b
    assert rb.status is S.FILLED


def test_an_order_the_venue_never_heard_of_is_closed_and_reported() -> None:
    w = World()
    w.start()
    # recorded as sent and accepted, but the venue has no such order (lost, or its history
    # was wiped): it must not stay "open" forever
    ghost = w.limit(BUY, "1.000", "99.00")
    w.recovery.recorder.register(ghost)
    ghost.apply(w.factory.events.submitted(ghost, account_id="SIM-001"))
    ghost.apply(w.factory.events.accepted(ghost, "SIM-999", account_id="SIM-001"))
    unacked = w.limit(BUY, "1.000", "98.00")
    w.recovery.recorder.register(unacked)
    unacked.apply(w.factory.events.submitted(unacked, account_id="SIM-001"))
    w.recovery.recorder.register(ghost)  # records the events applied since
    w.recovery.recorder.register(unacked)
    w.recovery.recorder.flush()
    w.crash()
    r = w.start()
    assert r.orders[ghost.client_order_id].status is S.CANCELED
    assert r.orders[unacked.client_order_id].status is S.REJECTED
    assert w.kinds().count("ORDER_MISSING") == 2


def test_an_order_recorded_but_never_sent_stays_to_be_sent() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    order = w.limit(BUY, "1.000", "99.50")
    w.recovery.recorder.register(order)
    w.recovery.recorder.flush()
    w.crash()
    r = w.start()
    restored = r.orders[order.client_order_id]
    assert restored.status is S.INITIALIZED
    assert w.kinds() == ["ORDER_UNSENT"]
    w.venue.submit_order(restored)
    w.link.pump()
    assert restored.status is S.ACCEPTED


def test_a_submit_that_reached_the_venue_before_its_record_did_is_acknowledged() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    order = w.limit(BUY, "1.000", "99.50")
    w.venue.submit_order(order)  # durable as INITIALIZED; OrderSubmitted only pending
    w.crash()
    r = w.start()
    restored = r.orders[order.client_order_id]
    assert restored.status is S.ACCEPTED
    assert "ORDER_ACKNOWLEDGED" in w.kinds()
    assert restored.venue_order_id == w.venue_copy(order.client_order_id).venue_order_id


def test_a_pending_cancel_the_venue_never_got_returns_the_order_to_open() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    order = w.limit(BUY, "1.000", "99.50")
    w.venue.submit_order(order)
    w.link.pump()
    order.apply(w.factory.events.pending_cancel(order))  # as if the cancel were on its way
    w.recovery.recorder.register(order)
    w.recovery.recorder.flush()
    w.crash()
    r = w.start()
    assert r.orders[order.client_order_id].status is S.ACCEPTED
    assert "CANCEL_NOT_CONFIRMED" in w.kinds()


def test_orders_the_venue_has_but_the_store_lacks_are_adopted_as_external() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    w.crash()
    # someone traded by hand on the account while the trader was down
    by_hand = w.factory.limit(IID, SELL, Quantity("1.500"), Price("100.50"))
    w.host.copies[by_hand.client_order_id] = by_hand
    w.host.exchange.submit_order(by_hand)
    w.host.settle()
    r = w.start()
    adopted = r.orders[by_hand.client_order_id]
    assert adopted.strategy_id == EXTERNAL_STRATEGY and "EXTERNAL" in adopted.tags
    assert adopted.status is S.ACCEPTED
    assert w.kinds() == ["ORDER_ADOPTED", "ORDER_ACKNOWLEDGED"]
    w.quote("100.55", "100.60")  # lifts it: the venue applies its events to the adopted order
    assert adopted.status is S.FILLED
    w.recovery.recorder.flush()
    assert w.store.load().orders[adopted.client_order_id][-1][1].event_id  # recorded


def test_adoption_can_be_refused_and_the_position_gap_is_reported() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    w.crash()
    by_hand = w.factory.limit(IID, BUY, Quantity("2.000"), Price("100.20"))
    w.host.copies[by_hand.client_order_id] = by_hand
    w.host.exchange.submit_order(by_hand)
    w.host.settle()
    assert by_hand.status is S.FILLED
    w.start(adopt_external=False)
    kinds = w.kinds()
    assert "FILL_UNMATCHED" in kinds and "POSITION_MISMATCH" in kinds
    assert "ORDER_ADOPTED" not in kinds


def test_a_balance_the_venue_changed_is_taken_or_only_reported() -> None:
    usdt = Currency.from_str("USDT")
    for adopt in (True, False):
        w = World()
        w.start()
        w.crash()
        w.host.exchange.accounts[0].deposit(Money("250", usdt))  # a transfer in, while down
        r = w.start(adopt_balances=adopt)
        assert r.portfolio is not None
        total = r.portfolio.account("SIM-001").balance_total(usdt)  # type: ignore[union-attr]
        if adopt:
            assert w.kinds() == ["BALANCE_ADOPTED"]
            assert total == Money("1000250", usdt)
            w.crash()
            w.start()  # the adopted balance was checkpointed: nothing to report again
            assert w.kinds() == []
        else:
            assert w.kinds() == ["BALANCE_MISMATCH"]
            assert total == Money("1000000", usdt)


def test_flushing_on_start_clears_before_anything_is_loaded() -> None:
    # nautilus #3550: the flush ran after the stale state was already in memory
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    order = w.limit(BUY, "1.000", "99.50")
    w.venue.submit_order(order)
    w.link.pump()
    w.recovery.recorder.strategy_state("S-1").set("k", b"v")
    w.recovery.recorder.flush()
    w.crash()
    r = w.start(fresh=True, adopt_external=False)
    assert order.client_order_id not in r.orders
    assert r.strategy_state("S-1").get("k") is None
    assert r.portfolio is not None and r.portfolio.positions() == []


def bracket(w: World, entry: str = "99.50") -> OrderList:
    return w.factory.bracket(
        IID,
        BUY,
        Quantity("1.000"),
        entry_type=OrderType.LIMIT,
        entry_price=Price(entry),
        stop_loss_trigger_price=Price("98.00"),
        take_profit_price=Price("101.00"),
        exits_linked=ContingencyType.OCO,
    )


def test_a_bracket_whose_entry_filled_while_down_releases_its_exits_after_recovery() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    b = bracket(w)
    w.recovery.submit_list(w.link, b)
    w.link.pump()
    entry, sl, _ = b.orders
    assert entry.status is S.ACCEPTED and sl.status is S.INITIALIZED
    w.recovery.recorder.flush()
    w.crash()
    w.quote("99.30", "99.40", deliver=False)  # fills the entry; nobody is there to react
    r = w.start()
    w.link.pump()
    rentry, rsl, rtp = (r.orders[o.client_order_id] for o in b.orders)
    assert rentry.status is S.FILLED
    assert rsl.status is S.ACCEPTED and rtp.status is S.ACCEPTED  # released by the manager
    assert w.venue_copy(rsl.client_order_id).status is S.ACCEPTED
    manager = r.manager(w.link)
    assert isinstance(manager, ContingencyManager)
    lst = manager.list_state(b.order_list_id)
    assert lst is not None and lst.released
    # and the OCO between the exits works after the restart
    w.quote("101.00", "101.10")  # the take-profit sells at 101.00
    assert rtp.status is S.FILLED and rsl.status is S.CANCELED


def test_a_list_recorded_but_never_started_is_submitted_on_recovery() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    b = bracket(w)
    w.recovery.recorder.record_list(b, managed=True)
    w.recovery.recorder.flush()
    w.crash()
    r = w.start()
    w.link.pump()
    assert "LIST_RESUBMITTED" in w.kinds()
    assert r.orders[b.orders[0].client_order_id].status is S.ACCEPTED


def test_restore_rebuilds_the_portfolio_from_the_checkpoint_and_later_fills() -> None:
    w = World()
    w.start()
    w.quote("99.90", "100.10")
    for px in ("100.10", "100.20"):
        o = w.limit(BUY, "1.000", px)
        w.venue.submit_order(o)
        w.link.pump()
    w.recovery.recorder.flush()
    live = w.recovery.portfolio
    assert live is not None
    snap = w.store.load()
    assert snap.portfolio is not None
    assert any(type(e) is OrderFilled and s > snap.portfolio.seq for s, e in snap.events_in_order())
    restored = restore(snap, instruments=[PAIR])
    assert restored.portfolio is not None
    assert restored.portfolio.to_state() == live.to_state()


def test_restore_of_an_empty_snapshot() -> None:
    restored = restore(MemoryStore().load())
    assert restored.orders == {} and restored.portfolio is None
    assert restored.open_orders() == []
    assert DifferenceKind.FILL_APPLIED.name == "FILL_APPLIED"
