//! L3: data orders and traders' orders share the FIFO queues.

use super::*;

const ADD: u8 = 1;
const UPDATE: u8 = 2;
const DELETE: u8 = 3;
const CLEAR: u8 = 4;

#[test]
fn traders_queue_behind_earlier_data_orders() {
    let mut h = H::new(BookType::L3);
    h.delta(BUY, ADD, 100, 5, 11);
    h.delta(BUY, ADD, 100, 3, 12);
    h.send(lim(1, BUY, 100, 4));
    h.delta(BUY, ADD, 100, 2, 13); // behind us
    assert_eq!(h.bid(), Some((100, 14)));
    // A 6-lot sell trade takes 11 and one lot of 12.
    assert!(h.trade(100, 6, SELL).is_empty());
    // The feed confirms: 11 gone, 12 down to 2 (explained by the trade).
    h.delta(BUY, DELETE, 100, 0, 11);
    h.delta(BUY, UPDATE, 100, 2, 12);
    assert_eq!(h.bid(), Some((100, 8)));
    // Next trade of 5: 12's two lots, then three of ours.
    assert_eq!(h.trade(100, 5, SELL), vec![dfill(1, 100, 3, MAKER)]);
    // 12 leaves the queue (a cancel the feed reports): we are first.
    h.delta(BUY, DELETE, 100, 0, 12);
    assert_eq!(h.trade(100, 1, SELL), vec![dfill(1, 100, 1, MAKER)]);
}

#[test]
fn a_bigger_data_order_loses_its_place_a_smaller_one_keeps_it() {
    let mut h = H::new(BookType::L3);
    h.delta(SELL, ADD, 101, 5, 21);
    h.delta(SELL, ADD, 101, 5, 22);
    h.delta(SELL, UPDATE, 101, 4, 22); // keeps its place
    h.delta(SELL, UPDATE, 101, 6, 21); // to the back
    let q: Vec<u64> =
        h.ex.engine(0)
            .unwrap()
            .book()
            .queue(crate::book::Side::Sell, 101)
            .collect();
    assert_eq!(q, vec![22, 21]);
    assert_eq!(h.ask(), Some((101, 10)));
    // Moving to another price is a new order there.
    h.delta(SELL, UPDATE, 102, 6, 21);
    assert_eq!(h.ask(), Some((101, 4)));
    h.delta(0, CLEAR, 0, 0, 0);
    assert_eq!(h.ask(), None);
}

#[test]
fn takers_walk_data_orders_and_consumption_lasts_until_the_feed_changes_them() {
    let mut h = H::new(BookType::L3);
    h.delta(SELL, ADD, 101, 5, 21);
    h.delta(SELL, ADD, 102, 5, 22);
    assert_eq!(
        h.send(mkt(1, BUY, 7)),
        vec![
            acc(1, 0, 7),
            dfill(1, 101, 5, TAKER),
            dfill(1, 102, 2, TAKER)
        ]
    );
    // 21 is used up for us, though the feed still lists it; its shrinking adds nothing.
    h.delta(SELL, UPDATE, 101, 3, 21);
    assert_eq!(h.ask(), Some((102, 3)));
    // ...and growing adds only the increase.
    h.delta(SELL, UPDATE, 101, 6, 21);
    assert_eq!(h.ask(), Some((101, 3)));
}

#[test]
fn a_data_order_crossing_a_resting_order_trades_with_it() {
    let mut h = H::new(BookType::L3);
    h.send(lim(1, BUY, 100, 5));
    assert_eq!(h.delta(SELL, ADD, 99, 3, 31), vec![dfill(1, 100, 3, MAKER)]);
    assert_eq!(
        h.delta(SELL, ADD, 100, 4, 32),
        vec![dfill(1, 100, 2, MAKER)]
    );
    assert_eq!(h.ask(), Some((100, 2)));
    assert_eq!(h.pos(1), 5);
}
