//! `L2Book` tests: unit cases, and random delta streams checked against a `BTreeMap` model.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::book::delta::{ADD, UPDATE};

/// The obvious book: one sorted map per side. Same semantics, no cleverness.
#[derive(Default)]
struct Model {
    bids: BTreeMap<i64, u64>,
    asks: BTreeMap<i64, u64>,
    missing_deletes: u64,
}

impl Model {
    fn apply(&mut self, side: u8, action: u8, price: i64, size: u64) -> Result<(), DeltaError> {
        delta::check(side, action)?;
        if action == CLEAR {
            if side != SELL {
                self.bids.clear();
            }
            if side != BUY {
                self.asks.clear();
            }
            return Ok(());
        }
        let book = if side == BUY {
            &mut self.bids
        } else {
            &mut self.asks
        };
        if action == DELETE || size == 0 {
            if book.remove(&price).is_none() && action == DELETE {
                self.missing_deletes += 1;
            }
        } else {
            book.insert(price, size);
        }
        Ok(())
    }

    fn best_bid(&self) -> Option<(i64, u64)> {
        self.bids.last_key_value().map(|(&k, &v)| (k, v))
    }

    fn best_ask(&self) -> Option<(i64, u64)> {
        self.asks.first_key_value().map(|(&k, &v)| (k, v))
    }
}

fn assert_same(book: &L2Book, model: &Model) {
    assert_eq!(book.best_bid(), model.best_bid());
    assert_eq!(book.best_ask(), model.best_ask());
    assert_eq!(book.bid_levels(), model.bids.len());
    assert_eq!(book.ask_levels(), model.asks.len());
    assert_eq!(book.missing_deletes(), model.missing_deletes);
}

fn assert_same_levels(book: &L2Book, model: &Model) {
    assert_same(book, model);
    let bids: Vec<_> = model.bids.iter().rev().map(|(&k, &v)| (k, v)).collect();
    let asks: Vec<_> = model.asks.iter().map(|(&k, &v)| (k, v)).collect();
    assert_eq!(book.levels(Side::Buy).collect::<Vec<_>>(), bids);
    assert_eq!(book.levels(Side::Sell).collect::<Vec<_>>(), asks);
    for &(p, s) in bids.iter().chain(&asks).take(64) {
        let side = if model.bids.get(&p) == Some(&s) {
            Side::Buy
        } else {
            Side::Sell
        };
        assert_eq!(book.level(side, p), Some(s));
    }
}

fn ok(book: &mut L2Book, side: u8, action: u8, price: i64, size: u64) {
    book.apply(side, action, price, size).expect("valid delta");
    book.check_invariants();
}

#[test]
fn is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<L2Book>();
}

#[test]
fn empty_book() {
    let book = L2Book::new();
    assert_eq!(book.best_bid(), None);
    assert_eq!(book.best_ask(), None);
    assert_eq!(book.spread(), None);
    assert_eq!(book.mid(), None);
    assert!(book.is_empty());
    assert_eq!(book.depth(Side::Buy, 10), vec![]);
    assert_eq!(book.level(Side::Sell, 5), None);
}

#[test]
fn add_update_delete() {
    let mut book = L2Book::new();
    ok(&mut book, BUY, ADD, 100, 5);
    ok(&mut book, BUY, ADD, 99, 7);
    ok(&mut book, SELL, ADD, 101, 3);
    ok(&mut book, SELL, UPDATE, 103, 4); // UPDATE of a missing level creates it
    assert_eq!(book.best_bid(), Some((100, 5)));
    assert_eq!(book.best_ask(), Some((101, 3)));
    assert_eq!(book.spread(), Some(1));
    assert_eq!(book.mid(), Some(100.5));
    assert_eq!(
        (book.bid_levels(), book.ask_levels(), book.len()),
        (2, 2, 4)
    );

    ok(&mut book, BUY, UPDATE, 100, 8);
    assert_eq!(book.best_bid(), Some((100, 8)));
    ok(&mut book, BUY, ADD, 100, 9); // ADD of an existing level sets it too
    assert_eq!(book.level(Side::Buy, 100), Some(9));

    ok(&mut book, BUY, DELETE, 100, 12345); // size ignored
    assert_eq!(book.best_bid(), Some((99, 7)));
    ok(&mut book, SELL, UPDATE, 101, 0); // size 0 removes
    assert_eq!(book.best_ask(), Some((103, 4)));
    assert_eq!(book.level(Side::Sell, 101), None);
    assert_eq!(book.missing_deletes(), 0);

    ok(&mut book, SELL, DELETE, 500, 0);
    ok(&mut book, BUY, DELETE, 100, 0);
    assert_eq!(book.missing_deletes(), 2);
    assert_eq!(book.len(), 2);
    ok(&mut book, SELL, ADD, 102, 0); // ADD with size 0 of a missing level: nothing
    assert_eq!(book.ask_levels(), 1);
    assert_eq!(book.missing_deletes(), 2);
}

#[test]
fn depth_is_best_first() {
    let mut book = L2Book::new();
    for (i, p) in [100, 97, 99, 90].into_iter().enumerate() {
        ok(&mut book, BUY, ADD, p, i as u64 + 1);
        ok(&mut book, SELL, ADD, p + 20, i as u64 + 1);
    }
    assert_eq!(book.depth(Side::Buy, 3), vec![(100, 1), (99, 3), (97, 2)]);
    assert_eq!(
        book.depth(Side::Sell, 10),
        vec![(110, 4), (117, 2), (119, 3), (120, 1)]
    );
    assert_eq!(book.depth(Side::Sell, 0), vec![]);
}

#[test]
fn clear_side_and_whole_book() {
    let mut book = L2Book::new();
    ok(&mut book, BUY, ADD, 10, 1);
    ok(&mut book, SELL, ADD, 11, 1);
    ok(&mut book, BUY, CLEAR, 0, 0);
    assert_eq!((book.bid_levels(), book.ask_levels()), (0, 1));
    ok(&mut book, BUY, ADD, 10, 1);
    ok(&mut book, SELL, CLEAR, 0, 0);
    assert_eq!((book.bid_levels(), book.ask_levels()), (1, 0));
    ok(&mut book, SELL, ADD, 11, 1);
    ok(&mut book, NO_SIDE, CLEAR, 0, 0);
    assert!(book.is_empty());
    ok(&mut book, BUY, ADD, -5, 2);
    assert_eq!(book.best_bid(), Some((-5, 2)));
    book.clear();
    assert!(book.is_empty());
    book.clear_side(Side::Sell);
    assert!(book.is_empty());
}

#[test]
fn invalid_codes_leave_book_unchanged() {
    let mut book = L2Book::new();
    ok(&mut book, BUY, ADD, 10, 1);
    ok(&mut book, SELL, ADD, 12, 1);
    let before = book.depth(Side::Buy, 10);
    let cases = [
        (
            0,
            ADD,
            DeltaError::InvalidSide {
                side: 0,
                action: ADD,
            },
        ),
        (
            3,
            ADD,
            DeltaError::InvalidSide {
                side: 3,
                action: ADD,
            },
        ),
        (
            255,
            CLEAR,
            DeltaError::InvalidSide {
                side: 255,
                action: CLEAR,
            },
        ),
        (BUY, 0, DeltaError::InvalidAction { action: 0 }),
        (SELL, 5, DeltaError::InvalidAction { action: 5 }),
        (0, 0, DeltaError::InvalidAction { action: 0 }),
    ];
    for (side, action, err) in cases {
        assert_eq!(book.apply(side, action, 10, 0), Err(err));
        assert_eq!(book.depth(Side::Buy, 10), before);
        assert_eq!(book.best_ask(), Some((12, 1)));
    }
    assert!(
        !DeltaError::InvalidSide { side: 0, action: 1 }
            .to_string()
            .is_empty()
    );
}

#[test]
fn batch_is_all_or_nothing() {
    let mut book = L2Book::new();
    let got = book.apply_batch(&[1, 2, 1], &[1, 1, 1], &[10, 12, 9], &[1, 2, 3]);
    assert_eq!(got, Ok(3));
    let err = book.apply_batch(&[1, 1, 7], &[3, 1, 1], &[10, 8, 8], &[0, 1, 1]);
    assert_eq!(
        err,
        Err(BatchError::InvalidDelta {
            index: 2,
            error: DeltaError::InvalidSide { side: 7, action: 1 }
        })
    );
    assert_eq!(book.depth(Side::Buy, 10), vec![(10, 1), (9, 3)]);
    let err = book.apply_batch(&[1], &[1, 1], &[10], &[1]);
    assert!(matches!(
        err,
        Err(BatchError::LengthMismatch {
            sides: 1,
            actions: 2,
            ..
        })
    ));
    assert_eq!(book.apply_batch(&[], &[], &[], &[]), Ok(0));
    assert_eq!(book.apply_batch(&[1, 0], &[3, 4], &[10, 0], &[0, 0]), Ok(2));
    assert!(book.is_empty());
}

#[test]
fn negative_and_extreme_prices() {
    let mut book = L2Book::with_max_window(64);
    for p in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
        ok(&mut book, BUY, ADD, p, 1);
        ok(&mut book, SELL, ADD, p, 2);
    }
    assert_eq!(book.best_bid(), Some((i64::MAX, 1)));
    assert_eq!(book.best_ask(), Some((i64::MIN, 2)));
    assert_eq!(
        book.spread(),
        Some(i128::from(i64::MIN) - i128::from(i64::MAX))
    );
    assert_eq!(book.mid(), Some(-0.5));
    let bids: Vec<i64> = book.levels(Side::Buy).map(|(p, _)| p).collect();
    assert_eq!(
        bids,
        vec![i64::MAX, i64::MAX - 1, 1, 0, -1, i64::MIN + 1, i64::MIN]
    );
    let asks: Vec<i64> = book.levels(Side::Sell).map(|(p, _)| p).collect();
    assert_eq!(
        asks,
        vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX]
    );
    for p in [i64::MAX, i64::MAX - 1, 1, 0, -1, i64::MIN + 1] {
        ok(&mut book, BUY, DELETE, p, 0);
    }
    assert_eq!(book.best_bid(), Some((i64::MIN, 1)));
    for p in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1] {
        ok(&mut book, SELL, DELETE, p, 0);
    }
    assert_eq!(book.best_ask(), Some((i64::MAX, 2)));
    assert_eq!(book.missing_deletes(), 0);
}

#[test]
fn window_follows_a_drifting_book() {
    let mut book = L2Book::with_max_window(256);
    let mut model = Model::default();
    // A 20-level book whose centre walks 5,000 ticks up, then 12,000 down.
    let mut centre: i64 = 1_000;
    let path = (0..5_000).map(|_| 1).chain((0..12_000).map(|_| -1));
    for step in path {
        for k in 1..=10 {
            for (side, p) in [(BUY, centre - k), (SELL, centre + k)] {
                book.apply(side, UPDATE, p, (k as u64) + 1).unwrap();
                model.apply(side, UPDATE, p, (k as u64) + 1).unwrap();
            }
        }
        // Drop the levels that fall out of the 10-level band after the move.
        let (gone_bid, gone_ask) = if step > 0 {
            (centre - 10, centre + 1)
        } else {
            (centre - 1, centre + 10)
        };
        centre += step;
        for (side, p) in [(BUY, gone_bid), (SELL, gone_ask)] {
            book.apply(side, DELETE, p, 0).unwrap();
            model.apply(side, DELETE, p, 0).unwrap();
        }
    }
    book.check_invariants();
    assert_same_levels(&book, &model);
    let (base, cap, far) = book.window(Side::Buy);
    assert!(cap <= 256 && far == 0, "window {base} {cap} {far}");
}

#[test]
fn far_levels_and_refill() {
    let mut book = L2Book::with_max_window(64);
    // Best at 1000; deep levels far below go to the sorted store.
    ok(&mut book, BUY, ADD, 1_000, 1);
    ok(&mut book, BUY, ADD, 990, 2);
    ok(&mut book, BUY, ADD, 500, 3);
    ok(&mut book, BUY, ADD, -7, 4);
    assert!(book.window(Side::Buy).2 >= 2);
    assert_eq!(book.level(Side::Buy, 500), Some(3));
    ok(&mut book, BUY, UPDATE, 500, 5); // update in the far store
    assert_eq!(book.level(Side::Buy, 500), Some(5));
    // Emptying the window pulls the next best back in.
    ok(&mut book, BUY, DELETE, 1_000, 0);
    ok(&mut book, BUY, DELETE, 990, 0);
    assert_eq!(book.best_bid(), Some((500, 5)));
    ok(&mut book, BUY, DELETE, 500, 0);
    assert_eq!(book.best_bid(), Some((-7, 4)));
    ok(&mut book, BUY, DELETE, -7, 0);
    assert_eq!(book.best_bid(), None);
    ok(&mut book, BUY, DELETE, -7, 0);
    assert_eq!(book.missing_deletes(), 1);

    // A jump far above the book pushes the old levels out of the window.
    for p in 0..40 {
        ok(&mut book, SELL, ADD, p, 1);
    }
    ok(&mut book, SELL, ADD, -1_000_000, 9); // a new best ask far below (key far above)
    assert_eq!(book.best_ask(), Some((-1_000_000, 9)));
    assert_eq!(book.ask_levels(), 41);
    ok(&mut book, SELL, DELETE, -1_000_000, 0);
    assert_eq!(book.best_ask(), Some((0, 1)));
    assert_eq!(book.depth(Side::Sell, 3), vec![(0, 1), (1, 1), (2, 1)]);
}

#[test]
fn window_grows_for_a_wide_book() {
    let mut book = L2Book::with_max_window(1 << 14);
    let mut model = Model::default();
    for i in 0..3_000 {
        let p = 50_000 - 3 * i;
        book.apply(BUY, ADD, p, 1).unwrap();
        model.apply(BUY, ADD, p, 1).unwrap();
    }
    book.check_invariants();
    let (_, cap, far) = book.window(Side::Buy);
    assert_eq!(far, 0, "a 9,000-tick book fits a 16,384 window");
    assert!(cap >= 8_192);
    assert_same_levels(&book, &model);
}

/// `SplitMix64`, for a long seeded stream without pulling in a RNG crate.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Long seeded streams: a drifting two-sided book with occasional jumps, clears and
/// far-away levels, compared with the model throughout.
#[test]
fn seeded_streams_match_model() {
    for (seed, max_window) in [(1, 64), (2, 256), (3, 1 << 16), (4, 128)] {
        let mut rng = Mix(seed);
        let mut book = L2Book::with_max_window(max_window);
        let mut model = Model::default();
        let mut centre: i64 = 0;
        for step in 0..60_000u32 {
            let r = rng.below(1000);
            if r < 15 {
                centre += rng.below(5) as i64 - 2;
            } else if r == 15 {
                centre = centre.wrapping_add(rng.next() as i64 >> rng.below(64));
            }
            let side = if rng.below(2) == 0 { BUY } else { SELL };
            let action = match rng.below(100) {
                0 => CLEAR,
                1..=40 => ADD,
                41..=75 => UPDATE,
                _ => DELETE,
            };
            let side = if action == CLEAR && rng.below(3) == 0 {
                NO_SIDE
            } else {
                side
            };
            let off = rng.below(80) as i64 + 1;
            let price = match rng.below(200) {
                0 => rng.next() as i64,
                1 => [i64::MIN, i64::MAX, 0][rng.below(3) as usize],
                _ if side == BUY => centre.saturating_sub(off),
                _ => centre.saturating_add(off),
            };
            let size = rng.below(6);
            book.apply(side, action, price, size).unwrap();
            model.apply(side, action, price, size).unwrap();
            assert_same(&book, &model);
            if max_window <= 256 || step % 1024 == 0 {
                book.check_invariants();
            }
            if step % 4096 == 0 {
                assert_same_levels(&book, &model);
            }
        }
        book.check_invariants();
        assert_same_levels(&book, &model);
    }
}

#[derive(Debug, Clone)]
struct Op {
    side: u8,
    action: u8,
    /// How the price is chosen: near a drifting centre, a jump, or an extreme.
    kind: u8,
    offset: i64,
    wide: i64,
    size: u64,
}

fn op() -> impl Strategy<Value = Op> {
    (
        prop_oneof![10 => Just(BUY), 10 => Just(SELL), 1 => Just(NO_SIDE), 1 => 3u8..=255],
        prop_oneof![8 => Just(ADD), 8 => Just(UPDATE), 6 => Just(DELETE), 1 => Just(CLEAR),
                    1 => Just(0u8), 1 => 5u8..=255],
        0u8..100,
        -60i64..60,
        any::<i64>(),
        prop_oneof![1 => Just(0u64), 6 => 1u64..10, 1 => any::<u64>()],
    )
        .prop_map(|(side, action, kind, offset, wide, size)| Op {
            side,
            action,
            kind,
            offset,
            wide,
            size,
        })
}

fn run_ops(ops: &[Op], max_window: usize, batched: bool) {
    let mut book = L2Book::with_max_window(max_window);
    let mut model = Model::default();
    let mut centre: i64 = 0;
    let mut cols: (Vec<u8>, Vec<u8>, Vec<i64>, Vec<u64>) = Default::default();
    for op in ops {
        let price = match op.kind {
            0..=79 => centre.saturating_add(op.offset),
            80..=89 => {
                centre = centre.saturating_add(op.offset / 4);
                centre.saturating_add(op.offset)
            }
            90..=94 => {
                centre = op.wide;
                centre
            }
            95..=97 => op.wide,
            _ => [i64::MIN, i64::MAX][usize::from(op.kind & 1)],
        };
        let want = model.apply(op.side, op.action, price, op.size);
        if batched {
            cols.0.push(op.side);
            cols.1.push(op.action);
            cols.2.push(price);
            cols.3.push(op.size);
            continue;
        }
        let got = book.apply(op.side, op.action, price, op.size);
        assert_eq!(got, want);
        if max_window <= 1024 {
            book.check_invariants();
        }
        assert_same(&book, &model);
        if let Some(side) = Side::from_code(op.side) {
            let map = if side == Side::Buy {
                &model.bids
            } else {
                &model.asks
            };
            assert_eq!(book.level(side, price), map.get(&price).copied());
        }
    }
    if batched {
        let valid = cols
            .0
            .iter()
            .zip(&cols.1)
            .all(|(&s, &a)| delta::check(s, a).is_ok());
        let got = book.apply_batch(&cols.0, &cols.1, &cols.2, &cols.3);
        if valid {
            assert_eq!(got, Ok(ops.len()));
        } else {
            assert!(matches!(got, Err(BatchError::InvalidDelta { .. })));
            assert!(book.is_empty(), "a refused batch must not touch the book");
            return;
        }
    }
    book.check_invariants();
    assert_same_levels(&book, &model);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn matches_model_small_window(ops in prop::collection::vec(op(), 0..400)) {
        run_ops(&ops, 64, false);
    }

    #[test]
    fn matches_model_default_window(ops in prop::collection::vec(op(), 0..400)) {
        run_ops(&ops, DEFAULT_MAX_WINDOW, false);
    }

    #[test]
    fn batch_matches_model(ops in prop::collection::vec(op(), 0..400)) {
        run_ops(&ops, 128, true);
    }

    #[test]
    fn batch_of_valid_deltas_matches_model(
        ops in prop::collection::vec(op().prop_filter("valid", |o| delta::check(o.side, o.action).is_ok()), 0..400)
    ) {
        run_ops(&ops, 256, true);
    }
}
