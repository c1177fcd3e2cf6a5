//! L2: level deltas maintain the data; traders' orders queue in the levels.

use super::*;

const ADD: u8 = 1;
const UPDATE: u8 = 2;
const DELETE: u8 = 3;
const CLEAR: u8 = 4;

fn book(h: &mut H) {
    h.delta(BUY, ADD, 100, 10, 0);
    h.delta(BUY, ADD, 99, 20, 0);
    h.delta(SELL, ADD, 101, 10, 0);
    h.delta(SELL, ADD, 102, 5, 0);
}

#[test]
fn deltas_are_the_market() {
    let mut h = H::new(BookType::L2);
    book(&mut h);
    assert_eq!((h.bid(), h.ask()), (Some((100, 10)), Some((101, 10))));
    h.delta(BUY, DELETE, 100, 0, 0);
    assert_eq!(h.bid(), Some((99, 20)));
    h.delta(SELL, UPDATE, 101, 0, 0); // size 0 removes the level
    assert_eq!(h.ask(), Some((102, 5)));
    h.delta(0, CLEAR, 0, 0, 0);
    assert_eq!((h.bid(), h.ask()), (None, None));
    // Quotes do not move an L2 book (time still moves).
    h.quote(1, 2, 3, 4);
    assert_eq!(h.bid(), None);
}

#[test]
fn market_order_walks_levels_and_consumption_persists() {
    let mut h = H::new(BookType::L2);
    book(&mut h);
    assert_eq!(
        h.send(mkt(1, BUY, 12)),
        vec![
            acc(1, 0, 12),
            dfill(1, 101, 10, TAKER),
            dfill(1, 102, 2, TAKER)
        ]
    );
    assert_eq!(h.ask(), Some((102, 3)));
    // The feed did not see us: a decrease of the level it shows comes off what is left.
    h.delta(SELL, UPDATE, 101, 4, 0);
    assert_eq!(h.ask(), Some((102, 3)));
    // An increase is new liquidity.
    h.delta(SELL, UPDATE, 101, 7, 0);
    assert_eq!(h.ask(), Some((101, 3)));
    // Deleting a level and adding it again starts afresh.
    h.delta(SELL, DELETE, 102, 0, 0);
    h.delta(SELL, ADD, 102, 5, 0);
    assert_eq!(
        h.send(mkt(2, BUY, 9)),
        vec![
            acc(2, 0, 9),
            dfill(2, 101, 3, TAKER),
            dfill(2, 102, 5, TAKER),
            cxl(2, Reason::NoLiquidity)
        ]
    );
}

#[test]
fn resting_order_queues_behind_the_level_and_trades_reach_it() {
    let mut h = H::new(BookType::L2);
    book(&mut h);
    assert_eq!(h.send(lim(1, BUY, 100, 5)), vec![acc(1, 100, 5)]); // 10 ahead
    assert_eq!(h.bid(), Some((100, 15)));
    h.delta(BUY, UPDATE, 100, 15, 0); // 5 join behind us
    assert!(h.delta(BUY, UPDATE, 100, 12, 0).is_empty()); // 3 cancel, from behind
    assert_eq!(h.trade(100, 12, SELL), vec![dfill(1, 100, 2, MAKER)]); // 10 ahead, 2 to us
    // The feed reports the trade: explained, nothing cancels.
    assert!(h.delta(BUY, UPDATE, 100, 0, 0).is_empty());
    assert_eq!(h.bid(), Some((100, 3)));
    assert_eq!(h.trade(100, 1, SELL), vec![dfill(1, 100, 1, MAKER)]);
    // A sell trade below our price went through it.
    assert_eq!(h.trade(99, 1, SELL), vec![dfill(1, 100, 2, MAKER)]);
    assert_eq!(h.pos(1), 5);
}

#[test]
fn a_new_level_crossing_a_resting_order_fills_it_from_its_size() {
    let mut h = H::new(BookType::L2);
    book(&mut h);
    h.send(lim(1, BUY, 100, 5));
    // Someone offers 3 at 99: they meet our bid at 100 first (we are the maker).
    assert_eq!(h.delta(SELL, ADD, 99, 3, 0), vec![dfill(1, 100, 3, MAKER)]);
    assert_eq!(h.ask(), Some((101, 10)));
    // The feed shrinks that level: nothing new.
    assert!(h.delta(SELL, UPDATE, 99, 2, 0).is_empty());
    // It grows by 4: 2 more for us, 2 rest at 99.
    assert_eq!(
        h.delta(SELL, UPDATE, 99, 6, 0),
        vec![dfill(1, 100, 2, MAKER)]
    );
    assert_eq!(h.ask(), Some((99, 2)));
}

#[test]
fn proportional_model() {
    let cfg = ExchangeConfig {
        queue_model: QueueModel::Proportional,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L2]);
    h.delta(BUY, ADD, 100, 100, 0);
    h.send(lim(1, BUY, 100, 20)); // 100 ahead
    h.delta(BUY, UPDATE, 100, 140, 0); // 40 behind
    h.delta(BUY, UPDATE, 100, 126, 0); // 14 of 140 cancel: 10 from ahead → 90
    h.delta(BUY, UPDATE, 100, 116, 0); // 10 of 126: floor(10*90/126) = 7 → 83
    assert!(h.trade(100, 83, SELL).is_empty());
    assert_eq!(h.trade(100, 1, SELL), vec![dfill(1, 100, 1, MAKER)]);
}

#[test]
fn two_orders_at_one_level_keep_their_order() {
    let mut h = H::new(BookType::L2);
    h.delta(BUY, ADD, 100, 4, 0);
    h.send(lim(1, BUY, 100, 3)); // 4 ahead
    h.delta(BUY, UPDATE, 100, 6, 0); // 2 between
    h.send(lim(2, BUY, 100, 3)); // 6 data + order 1 ahead
    // 4 data, order 1 (3), 2 data, then order 2.
    assert_eq!(
        h.trade(100, 10, SELL),
        vec![dfill(1, 100, 3, MAKER), dfill(2, 100, 1, MAKER)]
    );
    // A seller of ours meets order 2 first (nothing of the data is left ahead of it).
    let mut want = vec![acc(3, 0, 2)];
    want.extend(fills(3, 2, 100, 2));
    assert_eq!(h.send(mkt(3, SELL, 2)), want);
}
