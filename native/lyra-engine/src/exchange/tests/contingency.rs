//! Native contingencies: OCO, OUO, OTO.

use super::*;
use crate::matching::LinkKind;

/// Two resting sells of account 1 (ids 1 at 101 and 2 at 103, 5 lots each) on an L3
/// book with no data, linked `kind`.
fn pair(kind: LinkKind) -> H {
    let mut h = H::new(BookType::L3);
    h.send(SubmitArgs {
        account: 1,
        ..lim(1, SELL, 101, 5)
    });
    h.send(SubmitArgs {
        account: 1,
        ..lim(2, SELL, 103, 5)
    });
    h.ex.link(kind, &[1, 2]).unwrap();
    h
}

#[test]
fn oco_first_fill_cancels_the_others_at_once_even_mid_walk() {
    let mut h = pair(LinkKind::Oco);
    let mut want = vec![acc(9, 0, 7)];
    want.extend(fills(9, 1, 101, 5));
    want.push(cxl(2, Reason::Oco));
    want.push(cxl(9, Reason::NoLiquidity));
    assert_eq!(h.send(mkt(9, BUY, 7)), want);
}

#[test]
fn oco_partial_fill_cancels_the_others_and_the_remainder_works() {
    let mut h = pair(LinkKind::Oco);
    let mut want = vec![acc(9, 0, 2)];
    want.extend(fills(9, 1, 101, 2));
    want.push(cxl(2, Reason::Oco));
    assert_eq!(h.send(mkt(9, BUY, 2)), want);
    assert_eq!(h.ex.open_order_ids(0).unwrap(), vec![1]);
    let mut want = vec![acc(8, 0, 3)];
    want.extend(fills(8, 1, 101, 3));
    assert_eq!(h.send(mkt(8, BUY, 3)), want);
}

#[test]
fn fok_counts_only_what_the_oco_leaves() {
    let mut h = pair(LinkKind::Oco);
    assert_eq!(
        h.send(with_tif(lim(9, BUY, 103, 10), 3)),
        vec![acc(9, 103, 10), cxl(9, Reason::FillOrKill)]
    );
    let mut h = pair(LinkKind::Ouo);
    assert_eq!(
        h.send(with_tif(lim(9, BUY, 103, 6), 3)),
        vec![acc(9, 103, 6), cxl(9, Reason::FillOrKill)]
    );
}

#[test]
fn ouo_fills_reduce_the_others_and_zero_cancels() {
    let mut h = pair(LinkKind::Ouo);
    let mut want = vec![acc(9, 0, 2)];
    want.extend(fills(9, 1, 101, 2));
    want.push(upd(2, 103, 3));
    assert_eq!(h.send(mkt(9, BUY, 2)), want);
    // Sweeping both: order 1's last 3 lots leave order 2 nothing before the walk gets there.
    let mut want = vec![acc(8, 0, 10)];
    want.extend(fills(8, 1, 101, 3));
    want.push(cxl(2, Reason::Ouo));
    want.push(cxl(8, Reason::NoLiquidity));
    assert_eq!(h.send(mkt(8, BUY, 10)), want);
}

#[test]
fn canceling_or_expiring_one_cancels_the_rest() {
    for kind in [LinkKind::Oco, LinkKind::Ouo] {
        let mut h = pair(kind);
        assert_eq!(
            h.cancel(2),
            vec![cxl(2, Reason::Requested), cxl(1, Reason::Linked)]
        );
    }
    let mut h = H::new(BookType::L3);
    h.send(SubmitArgs {
        tif: 4,
        expire_ns: 10,
        ..lim(1, SELL, 101, 5)
    });
    h.send(lim(2, SELL, 103, 5));
    h.ex.link(LinkKind::Ouo, &[1, 2]).unwrap();
    assert_eq!(
        h.step(10),
        vec![(EXP, 1, 0, 0, 0, 0, Reason::None), cxl(2, Reason::Linked)]
    );
}

#[test]
fn members_in_flight_join_on_arrival_and_a_closed_group_refuses_them() {
    let cfg = ExchangeConfig {
        submit_latency_ns: 10,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L3]);
    h.ex.submit(0, 0, &lim(1, SELL, 101, 5)).unwrap();
    h.ex.submit(5, 0, &lim(2, SELL, 103, 5)).unwrap();
    h.ex.link(LinkKind::Ouo, &[1, 2]).unwrap();
    h.ex.submit(10, 0, &mkt(9, BUY, 2)).unwrap();
    // Order 1 arrives at 10, order 2 at 15, and the market order at 20: its fill of order 1
    // reduces order 2.
    assert_eq!(h.step(10), vec![acc(1, 101, 5)]);
    assert_eq!(h.step(5), vec![acc(2, 103, 5)]);
    let mut want = vec![acc(9, 0, 2)];
    want.extend(fills(9, 1, 101, 2));
    want.push(upd(2, 103, 3));
    assert_eq!(h.step(5), want);

    // A member still in flight when the group closes is refused on arrival.
    let mut h = H::with(cfg, &[BookType::L3]);
    h.ex.submit(0, 0, &lim(1, SELL, 101, 5)).unwrap();
    h.ex.submit(20, 0, &lim(2, SELL, 103, 5)).unwrap();
    h.ex.link(LinkKind::Oco, &[1, 2]).unwrap();
    h.ex.submit(5, 0, &mkt(9, BUY, 1)).unwrap();
    let ev = h.step(30);
    assert_eq!(
        ev.last(),
        Some(&(REJ, 2, 0, 5, 0, 0, Reason::ContingencyClosed))
    );
    // An OUO member in flight loses what the others filled before it arrived.
    let mut h = H::with(cfg, &[BookType::L3]);
    h.ex.submit(0, 0, &lim(1, SELL, 101, 5)).unwrap();
    h.ex.submit(20, 0, &lim(2, SELL, 103, 5)).unwrap();
    h.ex.link(LinkKind::Ouo, &[1, 2]).unwrap();
    h.ex.submit(5, 0, &mkt(9, BUY, 2)).unwrap();
    let ev = h.step(30);
    // Accepted as sent, then reduced at once (before anything else can happen to it).
    assert_eq!(&ev[ev.len() - 2..], &[acc(2, 103, 5), upd(2, 103, 3)]);
}

#[test]
fn link_checks_its_arguments() {
    let mut h = H::with(ExchangeConfig::default(), &[BookType::L3, BookType::L3]);
    h.ex.submit(0, 0, &lim(1, SELL, 101, 5)).unwrap();
    h.ex.submit(0, 0, &lim(2, SELL, 103, 5)).unwrap();
    h.ex.submit(0, 1, &lim(3, SELL, 103, 5)).unwrap();
    let e = h.ex.link(LinkKind::Oco, &[1]).unwrap_err();
    assert_eq!(e.field, "order_ids");
    let e = h.ex.link(LinkKind::Oco, &[1, 4]).unwrap_err();
    assert_eq!(e.field, "order_ids[1]");
    let e = h.ex.link(LinkKind::Oco, &[1, 1]).unwrap_err();
    assert_eq!(e.field, "order_ids[1]");
    let e = h.ex.link(LinkKind::Oco, &[1, 3]).unwrap_err();
    assert_eq!(e.field, "order_ids[1]");
    h.ex.link(LinkKind::Oco, &[1, 2]).unwrap();
    let e = h.ex.link(LinkKind::Ouo, &[2, 1]).unwrap_err();
    assert_eq!(e.field, "order_ids[0]");
    let e = h.ex.hold_until_filled(9, &[3]).unwrap_err();
    assert_eq!(e.field, "parent_id");
    h.ex.advance(0).unwrap();
    let e = h.ex.hold_until_filled(1, &[3]).unwrap_err();
    assert_eq!(e.field, "child_ids[0]"); // already arrived
    let off = ExchangeConfig {
        native_contingencies: false,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(off, &[BookType::L3]);
    h.ex.submit(0, 0, &lim(1, SELL, 101, 5)).unwrap();
    h.ex.submit(0, 0, &lim(2, SELL, 103, 5)).unwrap();
    let e = h.ex.link(LinkKind::Oco, &[1, 2]).unwrap_err();
    assert_eq!(e.field, "native_contingencies");
    assert_eq!(
        h.ex.hold_until_filled(1, &[2]).unwrap_err().field,
        "native_contingencies"
    );
}

/// A bracket: entry buy limit 100 × 10 (id 1) with a take-profit sell limit 110 (id 2)
/// and a stop-loss sell stop 90 (id 3), both reduce-only, held under the entry and
/// linked OUO. Account 1; an L3 book with no data.
fn bracket() -> H {
    let mut h = H::new(BookType::L3);
    h.ex.submit(
        0,
        0,
        &SubmitArgs {
            account: 1,
            ..lim(1, BUY, 100, 10)
        },
    )
    .unwrap();
    let tp = SubmitArgs {
        account: 1,
        reduce_only: true,
        ..lim(2, SELL, 110, 10)
    };
    let sl = SubmitArgs {
        account: 1,
        reduce_only: true,
        trigger: Some(90),
        ..order(3, SELL, 3, 10)
    };
    h.ex.submit(0, 0, &tp).unwrap();
    h.ex.submit(0, 0, &sl).unwrap();
    h.ex.hold_until_filled(1, &[2, 3]).unwrap();
    h.ex.link(LinkKind::Ouo, &[2, 3]).unwrap();
    assert_eq!(h.step(0), vec![acc(1, 100, 10)]);
    assert_eq!(h.ex.open_order_ids(0).unwrap(), vec![1, 2, 3]);
    h
}

fn rel(id: u64, price: i64, qty: u64) -> Ev {
    (REL, id, price, qty, 0, 0, Reason::None)
}

#[test]
fn oto_children_are_released_sized_to_the_fill_and_grow_with_it() {
    let mut h = bracket();
    let mut want = vec![acc(9, 0, 4)];
    want.extend(fills(9, 1, 100, 4));
    // RELEASED is the child's acknowledgement: it is in the book with 4.
    want.extend([rel(2, 110, 4), rel(3, 0, 4)]);
    assert_eq!(h.send(mkt(9, SELL, 4)), want);
    assert_eq!(h.pos(1), 4);
    let mut want = vec![acc(8, 0, 6)];
    want.extend(fills(8, 1, 100, 6));
    want.extend([upd(2, 110, 10), (UPD, 3, 0, 10, 90, 0, Reason::None)]);
    assert_eq!(h.send(mkt(8, SELL, 6)), want);
    // The take-profit fills 3: the stop-loss keeps the position's 7.
    let mut want = vec![acc(7, 0, 3)];
    want.extend(fills(7, 2, 110, 3));
    want.push((UPD, 3, 0, 7, 90, 0, Reason::None));
    assert_eq!(h.send(mkt(7, BUY, 3)), want);
    assert_eq!(h.pos(1), 7);
}

#[test]
fn oto_parent_ending_unfilled_cancels_held_children() {
    let mut h = bracket();
    assert_eq!(
        h.cancel(1),
        vec![
            cxl(1, Reason::Requested),
            cxl(2, Reason::ParentClosed),
            cxl(3, Reason::ParentClosed)
        ]
    );
    assert!(h.ex.open_order_ids(0).unwrap().is_empty());
    // A child arriving after the parent ended unfilled is refused.
    let cfg = ExchangeConfig {
        submit_latency_ns: 10,
        cancel_latency_ns: 1,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L3]);
    h.ex.submit(0, 0, &lim(1, BUY, 100, 10)).unwrap();
    h.ex.submit(5, 0, &lim(2, SELL, 110, 10)).unwrap();
    h.ex.hold_until_filled(1, &[2]).unwrap();
    h.ex.cancel(10, 0, 1).unwrap();
    let ev = h.step(20);
    assert_eq!(
        ev,
        vec![
            acc(1, 100, 10),
            cxl(1, Reason::Requested),
            (REJ, 2, 0, 10, 0, 0, Reason::ContingencyClosed)
        ]
    );
}

#[test]
fn held_children_can_be_modified_and_canceled() {
    let mut h = bracket();
    assert_eq!(
        h.modify(2, Some(8), Some(111)),
        vec![(MOD, 2, 111, 8, 0, 0, Reason::None)]
    );
    // Canceling a held OUO member closes the group: the other held member goes too.
    assert_eq!(
        h.cancel(2),
        vec![cxl(2, Reason::Requested), cxl(3, Reason::Linked)]
    );
    assert_eq!(h.ex.open_order_ids(0).unwrap(), vec![1]);
    // The parent's later fill releases nothing.
    let mut want = vec![acc(9, 0, 1)];
    want.extend(fills(9, 1, 100, 1));
    assert_eq!(h.send(mkt(9, SELL, 1)), want);
}

#[test]
fn oto_release_from_market_data_fills() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 10, 10);
    h.ex.submit(h.t, 0, &lim(1, BUY, 100, 5)).unwrap();
    h.ex.submit(h.t, 0, &lim(2, SELL, 105, 5)).unwrap();
    h.ex.hold_until_filled(1, &[2]).unwrap();
    assert_eq!(h.step(0), vec![acc(1, 100, 5)]);
    // The ask drops through the entry: it fills, and the child is released.
    assert_eq!(
        h.quote(98, 99, 10, 10),
        vec![dfill(1, 100, 5, MAKER), rel(2, 105, 5)]
    );
}

#[test]
fn a_price_modify_of_a_released_child_keeps_its_growth() {
    let mut h = bracket();
    h.send(mkt(9, SELL, 4)); // entry fills 4: both exits released with 4
    // Move the stop: its quantity (4) is not a cap the trader asked for.
    h.ex.modify(h.t, 0, 3, None, None, Some(91)).unwrap();
    assert_eq!(h.step(0), vec![(MOD, 3, 0, 4, 91, 0, Reason::None)]);
    let mut want = vec![acc(8, 0, 6)];
    want.extend(fills(8, 1, 100, 6));
    want.extend([upd(2, 110, 10), (UPD, 3, 0, 10, 91, 0, Reason::None)]);
    assert_eq!(h.send(mkt(8, SELL, 6)), want);
    // A quantity the trader sets is the new cap.
    h.ex.modify(h.t, 0, 2, Some(8), None, None).unwrap();
    assert_eq!(h.step(0), vec![(MOD, 2, 110, 8, 0, 0, Reason::None)]);
}
