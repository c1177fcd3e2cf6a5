//! Uncross tests: hand-computed examples, each tie-break rule, and a brute-force check
//! that tries every grid price.

use proptest::prelude::*;

use super::*;

fn buy(id: u64, limit: Option<i64>, qty: u64, seq: u64) -> AuctionOrder {
    AuctionOrder {
        id,
        side: Side::Buy,
        limit,
        qty,
        seq,
    }
}

fn sell(id: u64, limit: Option<i64>, qty: u64, seq: u64) -> AuctionOrder {
    AuctionOrder {
        id,
        side: Side::Sell,
        limit,
        qty,
        seq,
    }
}

fn fill(id: u64, side: Side, qty: u64) -> AuctionFill {
    AuctionFill { id, side, qty }
}

/// (price, volume, imbalance side, imbalance qty)
fn summary(u: &Uncross) -> (i64, u64, Option<Side>, u64) {
    (u.price, u.volume, u.imbalance.side, u.imbalance.qty)
}

#[test]
fn worked_example_from_the_docs() {
    // p    :  99  100  101  102  103
    // D(p) : 150  150  130   80   30
    // S(p) :  50   90  140  140  170
    // V(p) :  50   90  130   80   30   → 101, sell imbalance 140 − 130 = 10.
    let orders = [
        buy(1, None, 30, 1),
        buy(2, Some(102), 50, 2),
        buy(3, Some(101), 40, 3),
        buy(4, Some(100), 20, 4),
        buy(5, Some(101), 10, 5),
        sell(6, None, 20, 6),
        sell(7, Some(99), 30, 7),
        sell(8, Some(100), 40, 8),
        sell(9, Some(101), 50, 9),
        sell(10, Some(103), 30, 10),
    ];
    let u = uncross(&orders, 100, 1).unwrap();
    assert_eq!(summary(&u), (101, 130, Some(Side::Sell), 10));
    assert_eq!((u.buy_eligible, u.sell_eligible), (130, 140));
    assert_eq!(
        u.fills,
        [
            fill(1, Side::Buy, 30),
            fill(2, Side::Buy, 50),
            fill(3, Side::Buy, 40),
            fill(5, Side::Buy, 10),
            fill(6, Side::Sell, 20),
            fill(7, Side::Sell, 30),
            fill(8, Side::Sell, 40),
            fill(9, Side::Sell, 40),
        ]
    );
}

#[test]
fn volume_is_maximised_before_anything_else() {
    // At 100: D = 10 + 5 = 15, S = 4 → V 4. At 101: D 10, S 4 + 8 = 12 → V 10 (I = −2).
    // At 102: D 0. The reference (100) and a zero imbalance elsewhere do not matter.
    let orders = [
        buy(1, Some(101), 10, 1),
        buy(2, Some(100), 5, 2),
        sell(3, Some(100), 4, 3),
        sell(4, Some(101), 8, 4),
    ];
    let u = uncross(&orders, 100, 1).unwrap();
    assert_eq!(summary(&u), (101, 10, Some(Side::Sell), 2));
    assert_eq!(
        u.fills,
        [
            fill(1, Side::Buy, 10),
            fill(3, Side::Sell, 4),
            fill(4, Side::Sell, 6)
        ]
    );
}

#[test]
fn smaller_imbalance_beats_the_reference() {
    // At 100: D = 15, S = 10 → V 10, I +5. At 101: D = 10, S = 10 → V 10, I 0.
    // Same volume; 101 has the smaller imbalance, even though 100 is the reference.
    let orders = [
        buy(1, Some(101), 10, 1),
        buy(2, Some(100), 5, 2),
        sell(3, Some(100), 10, 3),
    ];
    let u = uncross(&orders, 100, 1).unwrap();
    assert_eq!(summary(&u), (101, 10, None, 0));
    assert_eq!(u.fills, [fill(1, Side::Buy, 10), fill(3, Side::Sell, 10)]);
}

#[test]
fn a_price_between_limits_can_win() {
    // Markets 10/10 plus a buy 5 @ 100 and a sell 5 @ 102:
    // 100: D 15, S 10 (I +5); 101: D 10, S 10 (I 0); 102: D 10, S 15 (I −5).
    // 101 is no order's limit, yet it is the only price with no imbalance.
    let orders = [
        buy(1, None, 10, 1),
        buy(2, Some(100), 5, 2),
        sell(3, None, 10, 3),
        sell(4, Some(102), 5, 4),
    ];
    for reference in [-1_000, 100, 102, 5_000] {
        let u = uncross(&orders, reference, 1).unwrap();
        assert_eq!(summary(&u), (101, 10, None, 0), "reference {reference}");
        assert_eq!(u.fills, [fill(1, Side::Buy, 10), fill(3, Side::Sell, 10)]);
    }
}

#[test]
fn reference_breaks_ties_within_the_best_range() {
    // Every price from 100 to 105 trades 10 with no imbalance.
    let orders = [buy(1, Some(105), 10, 1), sell(2, Some(100), 10, 2)];
    let price = |r| uncross(&orders, r, 1).unwrap().price;
    assert_eq!(price(103), 103); // inside the range: the reference itself
    assert_eq!(price(90), 100); // below: the nearest end
    assert_eq!(price(110), 105); // above: the nearest end
    assert_eq!(price(100), 100);
}

#[test]
fn lower_price_breaks_an_exact_tie() {
    // Tick 2: grid prices 100..=106 all trade 10 with no imbalance. The reference 103 is
    // off the grid, 1 away from both 102 and 104: the lower one wins.
    let orders = [buy(1, Some(106), 10, 1), sell(2, Some(100), 10, 2)];
    assert_eq!(uncross(&orders, 103, 2).unwrap().price, 102);
    assert_eq!(uncross(&orders, 105, 2).unwrap().price, 104);
    // Negative prices round the same way (toward the lower price on a tie).
    let orders = [buy(1, Some(-2), 10, 1), sell(2, Some(-10), 10, 2)];
    assert_eq!(uncross(&orders, -5, 2).unwrap().price, -6);
    assert_eq!(uncross(&orders, -7, 2).unwrap().price, -8);
}

#[test]
fn only_market_orders_use_the_reference() {
    let orders = [buy(1, None, 7, 1), sell(2, None, 5, 2), sell(3, None, 4, 3)];
    let u = uncross(&orders, 250, 1).unwrap();
    assert_eq!(summary(&u), (250, 7, Some(Side::Sell), 2));
    assert_eq!(
        u.fills,
        [
            fill(1, Side::Buy, 7),
            fill(2, Side::Sell, 5),
            fill(3, Side::Sell, 2)
        ]
    );
    // Off-grid reference: the nearest grid price, the lower on a tie.
    assert_eq!(uncross(&orders, 251, 5).unwrap().price, 250);
    assert_eq!(uncross(&orders, 253, 5).unwrap().price, 255);
    assert_eq!(uncross(&orders, 255, 10).unwrap().price, 250);
}

#[test]
fn market_orders_against_limits() {
    // A market buy of 10 against sells 5 @ 100 and 5 @ 101: every price from 101 up
    // trades 10 with no imbalance, so the reference decides within [101, ∞).
    let orders = [
        buy(1, None, 10, 1),
        sell(2, Some(100), 5, 2),
        sell(3, Some(101), 5, 3),
    ];
    assert_eq!(
        summary(&uncross(&orders, 110, 1).unwrap()),
        (110, 10, None, 0)
    );
    assert_eq!(
        summary(&uncross(&orders, 50, 1).unwrap()),
        (101, 10, None, 0)
    );
    // A market buy too large for the book: the market buy fills partially at the price
    // nearest the reference among those trading the most.
    let orders = [buy(1, None, 20, 1), sell(2, Some(100), 5, 2)];
    let u = uncross(&orders, 90, 1).unwrap();
    assert_eq!(summary(&u), (100, 5, Some(Side::Buy), 15));
    assert_eq!(u.fills, [fill(1, Side::Buy, 5), fill(2, Side::Sell, 5)]);
}

#[test]
fn priority_market_then_price_then_time() {
    // Clearing at 100 (buys 100 eligible, sells 45: sell side short → buys share 45).
    let orders = [
        buy(1, Some(100), 10, 1), // at the price, earliest
        buy(2, Some(101), 10, 9), // strictly better, but late
        buy(3, None, 10, 20),     // market: first whatever its time
        buy(4, Some(100), 10, 0), // at the price, earlier than 1
        buy(5, Some(102), 10, 10),
        buy(6, Some(100), 50, 0), // same seq as 4: input order decides
        sell(7, Some(100), 45, 3),
    ];
    let u = uncross(&orders, 100, 1).unwrap();
    assert_eq!(summary(&u), (100, 45, Some(Side::Buy), 55));
    assert_eq!(
        u.fills,
        [
            fill(3, Side::Buy, 10),
            fill(5, Side::Buy, 10),
            fill(2, Side::Buy, 10),
            fill(4, Side::Buy, 10),
            fill(6, Side::Buy, 5),
            fill(7, Side::Sell, 45),
        ]
    );
}

#[test]
fn sells_prefer_the_lowest_limit() {
    let orders = [
        buy(1, Some(105), 30, 1),
        sell(2, Some(105), 10, 0),
        sell(3, Some(99), 10, 5),
        sell(4, Some(100), 10, 2),
        sell(5, None, 5, 9),
    ];
    // D = 30 up to 105; S(p): 99:15, 100:25, 105:35 → V 30 at 105 only (I −5).
    let u = uncross(&orders, 100, 1).unwrap();
    assert_eq!(summary(&u), (105, 30, Some(Side::Sell), 5));
    assert_eq!(
        u.fills,
        [
            fill(1, Side::Buy, 30),
            fill(5, Side::Sell, 5),
            fill(3, Side::Sell, 10),
            fill(4, Side::Sell, 10),
            fill(2, Side::Sell, 5),
        ]
    );
}

#[test]
fn no_uncross_reasons() {
    assert_eq!(uncross(&[], 0, 1), Err(NoUncross::NoOrders));
    assert_eq!(
        uncross(&[buy(1, None, 1, 0)], 0, 1),
        Err(NoUncross::OneSided { side: Side::Buy })
    );
    assert_eq!(
        uncross(&[sell(1, Some(3), 1, 0), sell(2, None, 1, 1)], 0, 1),
        Err(NoUncross::OneSided { side: Side::Sell })
    );
    let apart = [
        buy(1, Some(99), 5, 0),
        buy(2, Some(98), 5, 1),
        sell(3, Some(100), 5, 2),
        sell(4, Some(101), 5, 3),
    ];
    let err = uncross(&apart, 100, 1).unwrap_err();
    assert_eq!(
        err,
        NoUncross::NotCrossed {
            best_bid: 99,
            best_ask: 100
        }
    );
    assert_eq!(
        err.to_string(),
        "auction does not cross: best bid 99 < best ask 100"
    );
    assert_eq!(
        uncross(&[buy(1, Some(1), 1, 0), sell(7, None, 0, 0)], 0, 1),
        Err(NoUncross::ZeroQuantity { id: 7 })
    );
    assert_eq!(
        uncross(&[buy(1, Some(-3), 1, 0), sell(2, None, 1, 0)], 0, 2),
        Err(NoUncross::OffTick { id: 1, price: -3 })
    );
    assert_eq!(
        uncross(&[buy(1, None, 1, 0), sell(2, None, 1, 0)], 0, 0),
        Err(NoUncross::InvalidTick { tick: 0 })
    );
    assert_eq!(
        uncross(
            &[
                buy(1, None, u64::MAX, 0),
                buy(2, Some(1), 1, 0),
                sell(3, None, 1, 0)
            ],
            0,
            1
        ),
        Err(NoUncross::QuantityOverflow { side: Side::Buy })
    );
    for e in [
        NoUncross::NoOrders,
        NoUncross::OneSided { side: Side::Sell },
        NoUncross::InvalidTick { tick: -1 },
        NoUncross::ZeroQuantity { id: 1 },
        NoUncross::OffTick { id: 1, price: 3 },
        NoUncross::QuantityOverflow { side: Side::Sell },
    ] {
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn touching_limits_cross() {
    // Bid = ask is a cross.
    let u = uncross(&[buy(1, Some(100), 3, 0), sell(2, Some(100), 5, 1)], 0, 1).unwrap();
    assert_eq!(summary(&u), (100, 3, Some(Side::Sell), 2));
}

#[test]
fn prices_at_the_ends_of_i64() {
    let max = i64::MAX;
    // Sell limited at the largest price, market buy, reference at the top.
    let orders = [buy(1, None, 1, 0), sell(2, Some(max - 1), 1, 1)];
    assert_eq!(uncross(&orders, max, 1).unwrap().price, max);
    assert_eq!(uncross(&orders, 0, 1).unwrap().price, max - 1);
    let orders = [buy(1, Some(i64::MIN + 1), 1, 0), sell(2, None, 1, 1)];
    assert_eq!(uncross(&orders, i64::MIN, 1).unwrap().price, i64::MIN);
    // With tick 10 the grid stops inside the i64 range.
    let top = max - max % 10;
    let orders = [buy(1, None, 1, 0), sell(2, Some(top), 1, 1)];
    assert_eq!(uncross(&orders, max, 10).unwrap().price, top);
    let orders = [buy(1, None, 1, 0), sell(2, None, 1, 1)];
    assert_eq!(uncross(&orders, max, 10).unwrap().price, top);
    assert_eq!(uncross(&orders, i64::MIN, 10).unwrap().price, i64::MIN + 8);
}

// --------------------------------------------------------------------------------------
// Brute force: every grid price in a range wide enough to hold the answer.
// --------------------------------------------------------------------------------------

/// (price, D, S) of the best grid price by the four rules, found by trying them all.
fn brute(orders: &[AuctionOrder], reference: i64, tick: i64) -> Option<(i64, u64, u64)> {
    let prices: Vec<i64> = orders.iter().filter_map(|o| o.limit).collect();
    let lo = prices.iter().copied().chain([reference]).min().unwrap();
    let hi = prices.iter().copied().chain([reference]).max().unwrap();
    let start = (lo.div_euclid(tick) - 2) * tick;
    let end = (hi.div_euclid(tick) + 3) * tick;
    let mut best: Option<(i64, u64, u64)> = None;
    let mut p = start;
    while p <= end {
        let mut d = 0u64;
        let mut s = 0u64;
        for o in orders {
            match (o.side, o.limit) {
                (Side::Buy, None) => d += o.qty,
                (Side::Buy, Some(l)) if l >= p => d += o.qty,
                (Side::Sell, None) => s += o.qty,
                (Side::Sell, Some(l)) if l <= p => s += o.qty,
                _ => {}
            }
        }
        let v = d.min(s);
        let better = match best {
            _ if v == 0 => false,
            None => true,
            Some((bp, bd, bs)) => {
                let bv = bd.min(bs);
                if v != bv {
                    v > bv
                } else if d.abs_diff(s) != bd.abs_diff(bs) {
                    d.abs_diff(s) < bd.abs_diff(bs)
                } else if p.abs_diff(reference) != bp.abs_diff(reference) {
                    p.abs_diff(reference) < bp.abs_diff(reference)
                } else {
                    p < bp
                }
            }
        };
        if better {
            best = Some((p, d, s));
        }
        p += tick;
    }
    best
}

fn order_strategy(tick: i64) -> impl Strategy<Value = (bool, Option<i64>, u64, u64)> {
    (
        any::<bool>(),
        prop_oneof![1 => Just(None), 4 => (-4i64..8).prop_map(move |m| Some(m * tick))],
        1u64..40,
        0u64..12,
    )
}

fn orders_strategy() -> impl Strategy<Value = (Vec<AuctionOrder>, i64, i64)> {
    (1i64..5).prop_flat_map(|tick| {
        (
            proptest::collection::vec(order_strategy(tick), 0..14),
            -30i64..40,
            Just(tick),
        )
            .prop_map(|(raw, reference, tick)| {
                let orders = raw
                    .into_iter()
                    .enumerate()
                    .map(|(i, (is_buy, limit, qty, seq))| AuctionOrder {
                        id: i as u64,
                        side: if is_buy { Side::Buy } else { Side::Sell },
                        limit,
                        qty,
                        seq,
                    })
                    .collect();
                (orders, reference, tick)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn matches_brute_force((orders, reference, tick) in orders_strategy()) {
        let got = uncross(&orders, reference, tick);
        match (brute(&orders, reference, tick), got) {
            (None, Err(e)) => {
                let has = |side| orders.iter().any(|o| o.side == side);
                let expected = if orders.is_empty() {
                    NoUncross::NoOrders
                } else if !has(Side::Sell) {
                    NoUncross::OneSided { side: Side::Buy }
                } else if !has(Side::Buy) {
                    NoUncross::OneSided { side: Side::Sell }
                } else {
                    let bid = orders.iter().filter(|o| o.side == Side::Buy)
                        .map(|o| o.limit.unwrap()).max().unwrap();
                    let ask = orders.iter().filter(|o| o.side == Side::Sell)
                        .map(|o| o.limit.unwrap()).min().unwrap();
                    prop_assert!(bid < ask);
                    NoUncross::NotCrossed { best_bid: bid, best_ask: ask }
                };
                prop_assert_eq!(e, expected);
            }
            (Some((price, d, s)), Ok(u)) => {
                prop_assert_eq!(u.price, price);
                prop_assert_eq!((u.buy_eligible, u.sell_eligible), (d, s));
                prop_assert_eq!(u.volume, d.min(s));
                prop_assert_eq!(u.imbalance.qty, d.abs_diff(s));
                let side = match d.cmp(&s) {
                    Ordering::Greater => Some(Side::Buy),
                    Ordering::Less => Some(Side::Sell),
                    Ordering::Equal => None,
                };
                prop_assert_eq!(u.imbalance.side, side);
                check_allocation(&orders, &u)?;
            }
            (want, got) => prop_assert!(false, "brute {want:?} vs {got:?}"),
        }
    }
}

/// Allocation rules, checked from the outside.
fn check_allocation(orders: &[AuctionOrder], u: &Uncross) -> Result<(), TestCaseError> {
    let mut filled = vec![0u64; orders.len()];
    for f in &u.fills {
        prop_assert!(f.qty > 0);
        let i = f.id as usize; // ids are input positions in the generator
        prop_assert_eq!(orders[i].side, f.side);
        prop_assert_eq!(filled[i], 0, "one fill per order");
        filled[i] = f.qty;
    }
    for side in [Side::Buy, Side::Sell] {
        let eligible = |o: &AuctionOrder| {
            o.side == side
                && o.limit.is_none_or(|l| match side {
                    Side::Buy => l >= u.price,
                    Side::Sell => l <= u.price,
                })
        };
        let total: u64 = orders
            .iter()
            .zip(&filled)
            .filter(|(o, _)| o.side == side)
            .map(|(_, &f)| f)
            .sum();
        prop_assert_eq!(total, u.volume);
        // Priority rank: market < better price < worse price; then seq; then position.
        let rank = |i: usize| {
            let o = &orders[i];
            let agg = match (side, o.limit) {
                (_, None) => i64::MIN,
                (Side::Buy, Some(l)) => -l,
                (Side::Sell, Some(l)) => l,
            };
            (o.limit.is_some(), agg, o.seq, i)
        };
        for i in 0..orders.len() {
            if orders[i].side != side {
                continue;
            }
            prop_assert!(filled[i] <= orders[i].qty);
            if !eligible(&orders[i]) {
                prop_assert_eq!(filled[i], 0);
                continue;
            }
            // Whoever is not filled completely blocks every lower-priority order.
            if filled[i] < orders[i].qty {
                for j in 0..orders.len() {
                    if j != i && orders[j].side == side && rank(j) > rank(i) {
                        prop_assert_eq!(filled[j], 0);
                    }
                }
            }
        }
    }
    Ok(())
}
