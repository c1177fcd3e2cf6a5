//! Unit cases: market and limit orders, time in force, instructions, modify, cancel.

use super::*;
use crate::matching::{
    OrderKind, OrderState, SelfTradePrevention as Stp, TimeInForce as Tif, TrailingOffset,
};

const DAY: i64 = 86_400_000_000_000;

// ----- book and priority ---------------------------------------------------------------

#[test]
fn limit_orders_rest_and_show_in_depth() {
    let mut h = Harness::new();
    assert_eq!(h.submit(lim(1, B, 99, 5)), vec![acc(1)]);
    assert_eq!(h.submit(lim(2, B, 100, 3)), vec![acc(2)]);
    assert_eq!(h.submit(lim(3, B, 100, 4)), vec![acc(3)]);
    assert_eq!(h.submit(lim(4, S, 102, 7)), vec![acc(4)]);
    assert_eq!(h.levels(B), vec![(100, 7), (99, 5)]);
    assert_eq!(h.levels(S), vec![(102, 7)]);
    assert_eq!(h.e.book().best_bid(), Some((100, 7)));
    assert_eq!(h.e.book().best_ask(), Some((102, 7)));
    assert_eq!(h.queue(B, 100), vec![2, 3]);
    assert_eq!(h.e.book().resting(), 4);
    let v = h.e.order(3).expect("live");
    assert_eq!(v.state, OrderState::Resting);
    assert_eq!(
        (v.price, v.qty, v.filled, v.visible, v.hidden),
        (Some(100), 4, 0, 4, 0)
    );
}

#[test]
fn price_then_time_priority_at_the_makers_price() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 101, 5));
    h.submit(lim(2, S, 100, 5));
    h.submit(lim(3, S, 100, 3));
    // A buy limit at 105 takes 100 (oldest first) then 101, at the makers' prices.
    assert_eq!(
        h.submit(lim(10, B, 105, 12)),
        vec![
            acc(10),
            fill(10, 2, 100, 5, B),
            fill(10, 3, 100, 3, B),
            fill(10, 1, 101, 4, B),
        ]
    );
    assert_eq!(h.levels(S), vec![(101, 1)]);
    assert_eq!(h.e.order(1).map(|o| o.filled), Some(4));
    assert!(h.e.order(2).is_none() && h.e.order(10).is_none());
    assert_eq!(h.e.last_price(), Some(101));
}

#[test]
fn limit_remainder_rests_behind_the_queue() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 2));
    h.submit(lim(2, B, 99, 1));
    assert_eq!(
        h.submit(lim(3, B, 100, 5)),
        vec![acc(3), fill(3, 1, 100, 2, B)]
    );
    assert_eq!(h.levels(B), vec![(100, 3), (99, 1)]);
    h.submit(lim(4, B, 100, 1));
    assert_eq!(h.queue(B, 100), vec![3, 4]);
    assert_eq!(
        h.submit(mkt(5, S, 4)),
        vec![acc(5), fill(5, 3, 100, 3, S), fill(5, 4, 100, 1, S)]
    );
}

// ----- market orders -------------------------------------------------------------------

#[test]
fn market_walks_the_book_and_cancels_what_it_cannot_fill() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 2));
    h.submit(lim(2, B, 98, 2));
    assert_eq!(
        h.submit(mkt(3, S, 10)),
        vec![
            acc(3),
            fill(3, 1, 100, 2, S),
            fill(3, 2, 98, 2, S),
            canceled(3, CancelReason::NoLiquidity),
        ]
    );
    assert!(h.e.book().is_empty());
    // Against an empty side: acknowledged, then canceled.
    assert_eq!(
        h.submit(mkt(4, B, 1)),
        vec![acc(4), canceled(4, CancelReason::NoLiquidity)]
    );
}

#[test]
fn market_protection_stops_the_walk() {
    let mut h = Harness::with(EngineConfig {
        market_protection_ticks: Some(2),
        ..EngineConfig::default()
    });
    h.submit(lim(1, S, 100, 1));
    h.submit(lim(2, S, 102, 1));
    h.submit(lim(3, S, 103, 1));
    assert_eq!(
        h.submit(mkt(4, B, 3)),
        vec![
            acc(4),
            fill(4, 1, 100, 1, B),
            fill(4, 2, 102, 1, B),
            canceled(4, CancelReason::PriceProtection),
        ]
    );
    assert_eq!(h.levels(S), vec![(103, 1)]);
}

#[test]
fn market_to_limit_takes_the_best_level_then_rests_there() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 2));
    h.submit(lim(2, S, 101, 5));
    assert_eq!(
        h.submit(OrderRequest::market_to_limit(3, B, 4).account(3)),
        vec![
            acc(3),
            fill(3, 1, 100, 2, B),
            Event::Updated {
                id: 3,
                price: Some(100),
                trigger: None
            },
        ]
    );
    assert_eq!(h.levels(B), vec![(100, 2)]);
    assert_eq!(h.levels(S), vec![(101, 5)]);
    assert_eq!(h.e.order(3).and_then(|o| o.price), Some(100));
    assert_eq!(
        h.submit(OrderRequest::market_to_limit(4, S, 1).account(4)),
        vec![acc(4), fill(4, 3, 100, 1, S)]
    );
    let mut empty = Harness::new();
    assert_eq!(
        empty.submit(OrderRequest::market_to_limit(1, B, 1)),
        vec![acc(1), canceled(1, CancelReason::NoLiquidity)]
    );
}

// ----- time in force -------------------------------------------------------------------

#[test]
fn ioc_fills_what_it_can_and_cancels_the_rest() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 3));
    h.submit(lim(2, S, 101, 3));
    assert_eq!(
        h.submit(lim(3, B, 100, 5).tif(Tif::Ioc)),
        vec![
            acc(3),
            fill(3, 1, 100, 3, B),
            canceled(3, CancelReason::ImmediateOrCancel),
        ]
    );
    // Not marketable at all: accepted, then canceled.
    assert_eq!(
        h.submit(lim(4, B, 99, 5).tif(Tif::Ioc)),
        vec![acc(4), canceled(4, CancelReason::ImmediateOrCancel)]
    );
    assert_eq!(h.levels(B), vec![]);
}

#[test]
fn fok_is_decided_before_any_fill() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 3));
    h.submit(lim(2, S, 101, 3));
    h.submit(lim(3, S, 102, 3));
    // 7 lots up to 101 are not there: no fill at all, book unchanged.
    assert_eq!(
        h.submit(lim(4, B, 101, 7).tif(Tif::Fok)),
        vec![acc(4), canceled(4, CancelReason::FillOrKill)]
    );
    assert_eq!(h.levels(S), vec![(100, 3), (101, 3), (102, 3)]);
    // 6 lots are.
    assert_eq!(
        h.submit(lim(5, B, 101, 6).tif(Tif::Fok)),
        vec![acc(5), fill(5, 1, 100, 3, B), fill(5, 2, 101, 3, B)]
    );
    // Market FOK: all of the rest (3) but not 4.
    assert_eq!(
        h.submit(mkt(6, B, 4).tif(Tif::Fok)),
        vec![acc(6), canceled(6, CancelReason::FillOrKill)]
    );
    assert_eq!(
        h.submit(mkt(7, B, 3).tif(Tif::Fok)),
        vec![acc(7), fill(7, 3, 102, 3, B)]
    );
}

#[test]
fn fok_counts_iceberg_reserves_and_stops_at_own_orders() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 10).display(2));
    assert_eq!(h.levels(S), vec![(100, 2)]);
    assert_eq!(
        h.submit(lim(2, B, 100, 9).tif(Tif::Fok)),
        vec![
            acc(2),
            fill(2, 1, 100, 2, B),
            fill(2, 1, 100, 2, B),
            fill(2, 1, 100, 2, B),
            fill(2, 1, 100, 2, B),
            fill(2, 1, 100, 1, B),
        ]
    );
    // Account 7's own order sits behind 3 lots: with cancel-taker only 3 can fill.
    h.submit(OrderRequest::limit(3, S, 101, 3).account(8));
    h.submit(OrderRequest::limit(4, S, 101, 5).account(7));
    h.submit(OrderRequest::limit(5, S, 101, 5).account(9));
    // 1 lot left of the iceberg at 100, 3 at 101 before the own order: 4, not 5.
    assert_eq!(
        h.submit(OrderRequest::limit(6, B, 101, 5).account(7).tif(Tif::Fok)),
        vec![acc(6), canceled(6, CancelReason::FillOrKill)]
    );
    assert_eq!(h.queue(S, 100), vec![1]);
    assert_eq!(h.queue(S, 101), vec![3, 4, 5]);
    assert_eq!(
        h.submit(OrderRequest::limit(6, B, 101, 4).account(7).tif(Tif::Fok)),
        vec![acc(6), fill(6, 1, 100, 1, B), fill(6, 3, 101, 3, B)]
    );
}

#[test]
fn gtd_expires_when_time_reaches_it() {
    let mut h = Harness::new();
    h.advance(1_000);
    assert_eq!(
        h.submit(lim(1, B, 100, 1).gtd(1_000)),
        vec![rejected(1, RejectReason::ExpireTimeInPast { now: 1_000 })]
    );
    let mut no_time = lim(1, B, 100, 1).tif(Tif::Gtd);
    assert_eq!(
        h.submit(no_time),
        vec![rejected(1, RejectReason::ExpireTimeRequired)]
    );
    no_time.tif = Tif::Gtc;
    no_time.expire_time = Some(5_000);
    assert_eq!(
        h.submit(no_time),
        vec![rejected(1, RejectReason::ExpireTimeNotAllowed)]
    );
    h.submit(lim(1, B, 100, 1).gtd(3_000));
    h.submit(lim(2, B, 101, 1).gtd(2_000));
    h.submit(lim(3, B, 99, 1).gtd(2_000));
    h.submit(lim(4, B, 98, 1));
    assert_eq!(h.e.order(2).and_then(|o| o.expire_time), Some(2_000));
    assert_eq!(h.advance(1_999), vec![]);
    // Same expire time: arrival order.
    assert_eq!(
        h.advance(2_000),
        vec![Event::Expired { id: 2 }, Event::Expired { id: 3 }]
    );
    // Time does not go back.
    assert_eq!(h.advance(10), vec![]);
    assert_eq!(h.e.now(), 2_000);
    assert_eq!(h.advance(9_000), vec![Event::Expired { id: 1 }]);
    assert_eq!(h.levels(B), vec![(98, 1)]);
    // A canceled or filled GTD order is not expired later.
    h.submit(lim(5, B, 99, 1).gtd(10_000));
    h.submit(lim(6, B, 96, 1).gtd(10_000));
    h.submit(lim(7, B, 95, 1).gtd(10_000));
    h.cancel(6);
    assert_eq!(h.submit(mkt(8, S, 1)), vec![acc(8), fill(8, 5, 99, 1, S)]);
    assert_eq!(h.advance(20_000), vec![Event::Expired { id: 7 }]);
}

#[test]
fn market_gtd_and_auction_tifs_are_rejected() {
    let mut h = Harness::new();
    assert_eq!(
        h.submit(mkt(1, B, 1).gtd(10)),
        vec![rejected(1, RejectReason::TifNotAllowed)]
    );
    assert_eq!(
        h.submit(lim(2, B, 1, 1).tif(Tif::AtTheOpen)),
        vec![rejected(2, RejectReason::Unsupported)]
    );
    assert_eq!(
        h.submit(lim(3, B, 1, 1).tif(Tif::AtTheClose)),
        vec![rejected(3, RejectReason::Unsupported)]
    );
}

#[test]
fn day_orders_expire_at_the_daily_cutoff() {
    let mut h = Harness::new();
    h.advance(3 * DAY + 5);
    h.submit(lim(1, B, 100, 1).tif(Tif::Day));
    assert_eq!(h.e.order(1).and_then(|o| o.expire_time), Some(4 * DAY));
    assert_eq!(h.advance(4 * DAY - 1), vec![]);
    assert_eq!(h.advance(4 * DAY), vec![Event::Expired { id: 1 }]);
    // A cut-off at 22:00 UTC; an order at exactly the cut-off lives until the next one.
    let cut = 22 * 3_600_000_000_000;
    let mut h = Harness::with(EngineConfig {
        day_cutoff_ns: cut,
        ..EngineConfig::default()
    });
    h.advance(DAY + cut);
    h.submit(lim(1, B, 100, 1).tif(Tif::Day));
    assert_eq!(
        h.e.order(1).and_then(|o| o.expire_time),
        Some(2 * DAY + cut)
    );
}

// ----- instructions --------------------------------------------------------------------

#[test]
fn post_only_is_rejected_if_it_would_take() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 1));
    assert_eq!(
        h.submit(lim(2, B, 100, 1).post_only()),
        vec![rejected(2, RejectReason::PostOnlyWouldTake { best: 100 })]
    );
    assert_eq!(h.submit(lim(3, B, 99, 1).post_only()), vec![acc(3)]);
    // A modify into the spread's other side is refused; the order stays.
    assert_eq!(
        h.modify(3, Some(101), None, None),
        vec![Event::ModifyRejected {
            id: 3,
            reason: RejectReason::PostOnlyWouldTake { best: 100 }
        }]
    );
    assert_eq!(h.e.order(3).and_then(|o| o.price), Some(99));
    for (id, r) in [
        (4, lim(4, B, 99, 1).post_only().tif(Tif::Ioc)),
        (5, lim(5, B, 99, 1).post_only().tif(Tif::Fok)),
        (6, mkt(6, B, 1).post_only()),
        (7, OrderRequest::market_to_limit(7, B, 1).post_only()),
    ] {
        assert_eq!(
            h.submit(r),
            vec![rejected(id, RejectReason::PostOnlyNotAllowed)]
        );
    }
}

#[test]
fn reduce_only_is_rejected_if_it_would_increase() {
    let mut h = Harness::new();
    assert_eq!(
        h.submit(mkt(1, S, 1).reduce_only()),
        vec![rejected(
            1,
            RejectReason::ReduceOnlyWouldIncrease { position: 0 }
        )]
    );
    h.e.set_position(2, 5);
    assert_eq!(
        h.submit(lim(2, B, 100, 1).reduce_only()),
        vec![rejected(
            2,
            RejectReason::ReduceOnlyWouldIncrease { position: 5 }
        )]
    );
    assert_eq!(h.submit(lim(2, S, 100, 1).reduce_only()), vec![acc(2)]);
}

#[test]
fn reduce_only_taker_is_clipped_across_levels() {
    let mut h = Harness::new();
    h.e.set_position(9, 5);
    h.submit(lim(1, B, 100, 3));
    h.submit(lim(2, B, 99, 3));
    h.submit(lim(3, B, 98, 3));
    assert_eq!(
        h.submit(OrderRequest::market(4, S, 9).account(9).reduce_only()),
        vec![
            acc(4),
            fill(4, 1, 100, 3, S),
            fill(4, 2, 99, 2, S),
            canceled(4, CancelReason::ReduceOnly),
        ]
    );
    assert_eq!(h.e.position(9), 0);
    assert_eq!(h.e.position(1), 3);
    assert_eq!(h.e.position(2), 2);
    assert_eq!(h.levels(B), vec![(99, 1), (98, 3)]);
}

#[test]
fn reduce_only_limit_rests_and_is_clipped_as_maker() {
    let mut h = Harness::new();
    h.e.set_position(9, 4);
    h.submit(OrderRequest::limit(1, S, 101, 10).account(9).reduce_only());
    h.submit(lim(2, S, 101, 3));
    // Maker 1 can only sell 4: clipped, then canceled; the taker goes on to maker 2.
    assert_eq!(
        h.submit(mkt(3, B, 6)),
        vec![
            acc(3),
            fill(3, 1, 101, 4, B),
            canceled(1, CancelReason::ReduceOnly),
            fill(3, 2, 101, 2, B),
        ]
    );
    assert_eq!(h.e.position(9), 0);
    // A resting reduce-only order whose position went flat elsewhere is canceled when it
    // would trade, and the taker carries on.
    h.e.set_position(8, 2);
    h.submit(OrderRequest::limit(4, S, 101, 2).account(8).reduce_only());
    h.e.set_position(8, 0);
    assert_eq!(
        h.submit(mkt(5, B, 2)),
        vec![
            acc(5),
            fill(5, 2, 101, 1, B),
            canceled(4, CancelReason::ReduceOnly),
            canceled(5, CancelReason::NoLiquidity),
        ]
    );
}

#[test]
fn iceberg_shows_its_slice_and_refreshes_at_the_back() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 5).display(2));
    h.submit(lim(2, S, 100, 3));
    assert_eq!(h.levels(S), vec![(100, 5)]);
    let v = h.e.order(1).expect("live");
    assert_eq!((v.visible, v.hidden), (2, 3));
    // Take the slice: the next one goes behind order 2.
    assert_eq!(h.submit(mkt(3, B, 2)), vec![acc(3), fill(3, 1, 100, 2, B)]);
    assert_eq!(h.queue(S, 100), vec![2, 1]);
    assert_eq!(h.levels(S), vec![(100, 5)]);
    // One taker meets order 2, then the iceberg again, slice by slice.
    assert_eq!(
        h.submit(mkt(4, B, 6)),
        vec![
            acc(4),
            fill(4, 2, 100, 3, B),
            fill(4, 1, 100, 2, B),
            fill(4, 1, 100, 1, B),
        ]
    );
    assert!(h.e.book().is_empty());
    // Display equal to the quantity is a plain order; above it, or zero, is refused.
    h.submit(lim(5, S, 100, 3).display(3));
    assert_eq!(h.e.order(5).map(|o| (o.visible, o.hidden)), Some((3, 0)));
    assert_eq!(
        h.submit(lim(6, S, 100, 3).display(4)),
        vec![rejected(6, RejectReason::InvalidDisplayQty)]
    );
    assert_eq!(
        h.submit(lim(6, S, 100, 3).display(0)),
        vec![rejected(6, RejectReason::InvalidDisplayQty)]
    );
    assert_eq!(
        h.submit(mkt(6, S, 3).display(1)),
        vec![rejected(6, RejectReason::InvalidDisplayQty)]
    );
}

#[test]
fn iceberg_takes_its_whole_quantity_as_taker() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 10));
    assert_eq!(
        h.submit(lim(2, B, 100, 8).display(1)),
        vec![acc(2), fill(2, 1, 100, 8, B)]
    );
    h.submit(lim(3, B, 100, 5).display(1));
    assert_eq!(h.levels(S), vec![]);
    assert_eq!(h.levels(B), vec![(100, 1)]);
    assert_eq!(
        h.e.order(3).map(|o| (o.filled, o.visible, o.hidden)),
        Some((2, 1, 2))
    );
}

// ----- self-trade prevention -----------------------------------------------------------

fn stp_book(stp: Stp) -> Harness {
    let mut h = Harness::with(EngineConfig {
        self_trade: stp,
        ..EngineConfig::default()
    });
    h.submit(OrderRequest::limit(1, S, 100, 2).account(1));
    h.submit(OrderRequest::limit(2, S, 100, 2).account(7));
    h.submit(OrderRequest::limit(3, S, 101, 2).account(1));
    h
}

#[test]
fn self_trade_cancel_taker() {
    let mut h = stp_book(Stp::CancelTaker);
    assert_eq!(
        h.submit(OrderRequest::market(4, B, 5).account(7)),
        vec![
            acc(4),
            fill(4, 1, 100, 2, B),
            canceled(4, CancelReason::SelfTrade),
        ]
    );
    assert_eq!(h.queue(S, 100), vec![2]);
}

#[test]
fn self_trade_cancel_maker() {
    let mut h = stp_book(Stp::CancelMaker);
    assert_eq!(
        h.submit(OrderRequest::market(4, B, 5).account(7)),
        vec![
            acc(4),
            fill(4, 1, 100, 2, B),
            canceled(2, CancelReason::SelfTrade),
            fill(4, 3, 101, 2, B),
            canceled(4, CancelReason::NoLiquidity),
        ]
    );
}

#[test]
fn self_trade_cancel_both() {
    let mut h = stp_book(Stp::CancelBoth);
    assert_eq!(
        h.submit(OrderRequest::limit(4, B, 101, 5).account(7)),
        vec![
            acc(4),
            fill(4, 1, 100, 2, B),
            canceled(2, CancelReason::SelfTrade),
            canceled(4, CancelReason::SelfTrade),
        ]
    );
    assert_eq!(h.levels(S), vec![(101, 2)]);
}

#[test]
fn self_trade_allowed_leaves_the_position_unchanged() {
    let mut h = stp_book(Stp::Allow);
    assert_eq!(
        h.submit(OrderRequest::market(4, B, 4).account(7)),
        vec![acc(4), fill(4, 1, 100, 2, B), fill(4, 2, 100, 2, B)]
    );
    assert_eq!(h.e.position(7), 2);
    assert_eq!(h.e.position(1), -2);
}

// ----- modify and cancel ---------------------------------------------------------------

#[test]
fn modify_qty_down_keeps_priority_up_loses_it() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 5));
    h.submit(lim(2, B, 100, 5));
    assert_eq!(
        h.modify(1, None, None, Some(3)),
        vec![Event::Modified {
            id: 1,
            price: Some(100),
            trigger: None,
            qty: 3
        }]
    );
    assert_eq!(h.queue(B, 100), vec![1, 2]);
    assert_eq!(h.levels(B), vec![(100, 8)]);
    h.modify(1, None, None, Some(4));
    assert_eq!(h.queue(B, 100), vec![2, 1]);
    assert_eq!(h.levels(B), vec![(100, 9)]);
    // Same price, same quantity: acknowledged, place kept.
    h.modify(2, Some(100), None, Some(5));
    assert_eq!(h.queue(B, 100), vec![2, 1]);
}

#[test]
fn modify_price_moves_to_the_back_and_may_trade() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 99, 5));
    h.submit(lim(2, B, 100, 5));
    h.submit(lim(3, S, 102, 2));
    h.modify(1, Some(100), None, None);
    assert_eq!(h.queue(B, 100), vec![2, 1]);
    assert_eq!(h.levels(B), vec![(100, 10)]);
    assert_eq!(
        h.modify(2, Some(103), None, None),
        vec![
            Event::Modified {
                id: 2,
                price: Some(103),
                trigger: None,
                qty: 5
            },
            fill(2, 3, 102, 2, B),
        ]
    );
    assert_eq!(h.levels(B), vec![(103, 3), (100, 5)]);
    assert_eq!(h.e.order(2).map(|o| (o.qty, o.filled)), Some((5, 2)));
}

#[test]
fn modify_and_cancel_refusals() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 5));
    h.submit(mkt(2, B, 3));
    assert_eq!(
        h.modify(1, None, None, Some(3)),
        vec![Event::ModifyRejected {
            id: 1,
            reason: RejectReason::QtyNotAboveFilled { filled: 3 }
        }]
    );
    assert_eq!(
        h.modify(1, None, Some(5), None),
        vec![Event::ModifyRejected {
            id: 1,
            reason: RejectReason::TriggerNotAllowed
        }]
    );
    assert_eq!(
        h.modify(9, None, None, Some(3)),
        vec![Event::ModifyRejected {
            id: 9,
            reason: RejectReason::NotFound
        }]
    );
    // Raising the quantity of a partly filled order: leaves = new qty - filled.
    h.modify(1, None, None, Some(10));
    assert_eq!(h.levels(S), vec![(100, 7)]);
    assert_eq!(h.cancel(1), vec![canceled(1, CancelReason::Requested)]);
    assert_eq!(
        h.cancel(1),
        vec![Event::CancelRejected {
            id: 1,
            reason: RejectReason::NotFound
        }]
    );
    assert!(h.e.book().is_empty());
    assert_eq!(h.levels(S), vec![]);
}

#[test]
fn modify_iceberg_qty_down_trims_the_reserve_first() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 10).display(3));
    h.submit(lim(2, S, 100, 1));
    h.modify(1, None, None, Some(5));
    assert_eq!(h.e.order(1).map(|o| (o.visible, o.hidden)), Some((3, 2)));
    h.modify(1, None, None, Some(2));
    assert_eq!(h.e.order(1).map(|o| (o.visible, o.hidden)), Some((2, 0)));
    assert_eq!(h.queue(S, 100), vec![1, 2]);
    assert_eq!(h.levels(S), vec![(100, 3)]);
}

// ----- validation ----------------------------------------------------------------------

#[test]
fn malformed_requests_are_rejected_with_the_rule() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 1));
    let cases = [
        (lim(1, B, 100, 1), RejectReason::DuplicateId),
        (lim(2, B, 100, 0), RejectReason::InvalidQuantity),
        (lim(2, B, 100, u64::MAX), RejectReason::InvalidQuantity),
        (
            OrderRequest::new(2, OrderKind::Limit, B, 1),
            RejectReason::PriceRequired,
        ),
        (
            OrderRequest {
                price: Some(5),
                ..mkt(2, B, 1)
            },
            RejectReason::PriceNotAllowed,
        ),
        (
            OrderRequest::new(2, OrderKind::StopMarket, B, 1),
            RejectReason::TriggerRequired,
        ),
        (
            OrderRequest {
                trigger: Some(5),
                ..lim(2, B, 100, 1)
            },
            RejectReason::TriggerNotAllowed,
        ),
        (
            OrderRequest::new(2, OrderKind::TrailingStopMarket, B, 1),
            RejectReason::TrailingOffsetRequired,
        ),
        (
            OrderRequest {
                limit_offset: None,
                ..OrderRequest::trailing_stop_limit(2, B, TrailingOffset::Ticks(1), 1, 1)
            },
            RejectReason::TrailingOffsetRequired,
        ),
        (
            lim(2, B, 100, 1).activation(5),
            RejectReason::TrailingNotAllowed,
        ),
    ];
    for (r, reason) in cases {
        assert_eq!(h.submit(r), vec![rejected(r.id, reason)], "{r:?}");
    }
    assert_eq!(h.e.book().len(), 1);
    // Once order 1 is done its id can be used again.
    h.cancel(1);
    assert_eq!(h.submit(lim(1, B, 100, 1)), vec![acc(1)]);
}

#[test]
fn same_calls_give_the_same_events() {
    let run = || {
        let mut h = Harness::new();
        let mut all = Vec::new();
        for i in 0..200u64 {
            let side = if i % 3 == 0 { S } else { B };
            let price = 100 + (i * 7 % 11) as i64 - 5;
            let r = match i % 5 {
                0 => mkt(i, side, 1 + i % 4),
                1 => lim(i, side, price, 1 + i % 6).display(1),
                _ => lim(i, side, price, 1 + i % 6),
            };
            all.extend(h.submit(r));
            if i % 4 == 0 {
                all.extend(h.cancel(i / 2));
            }
        }
        all
    };
    assert_eq!(run(), run());
}
