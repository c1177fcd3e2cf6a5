//! Conditional orders: stops, if-touched, trailing; triggers by bid/ask, last, mid, mark.

use super::*;
use crate::matching::{OrderState, TrailingOffset, TriggerType as Tt};

fn trig(id: u64) -> Event {
    Event::Triggered { id }
}

fn updated(id: u64, price: Option<i64>, trigger: Option<i64>) -> Event {
    Event::Updated { id, price, trigger }
}

#[test]
fn buy_stop_market_fires_when_the_ask_reaches_it() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 1));
    h.submit(lim(2, S, 102, 5));
    h.submit(lim(3, B, 98, 5));
    assert_eq!(
        h.submit(OrderRequest::stop_market(10, B, 101, 2).account(10)),
        vec![acc(10)]
    );
    let v = h.e.order(10).expect("live");
    assert_eq!((v.state, v.trigger), (OrderState::Pending, Some(101)));
    assert_eq!(h.e.pending(), 1);
    assert_eq!(
        h.levels(B),
        vec![(98, 5)],
        "pending orders are not on the book"
    );
    assert_eq!(
        h.submit(mkt(11, B, 1)),
        vec![
            acc(11),
            fill(11, 1, 100, 1, B),
            trig(10),
            fill(10, 2, 102, 2, B),
        ]
    );
    assert_eq!(h.e.pending(), 0);
    assert!(h.e.order(10).is_none());
}

#[test]
fn sell_stop_limit_on_last_trade_rests_what_it_cannot_fill() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 2));
    h.submit(lim(2, B, 99, 2));
    h.submit(lim(3, B, 97, 5));
    let stop = OrderRequest::stop_limit(10, S, 99, 98, 3)
        .account(10)
        .trigger_type(Tt::Last);
    assert_eq!(h.submit(stop), vec![acc(10)]);
    assert_eq!(
        h.submit(mkt(11, S, 3)),
        vec![
            acc(11),
            fill(11, 1, 100, 2, S),
            fill(11, 2, 99, 1, S),
            trig(10),
            fill(10, 2, 99, 1, S),
        ]
    );
    assert_eq!(h.levels(S), vec![(98, 2)]);
    let v = h.e.order(10).expect("rests");
    assert_eq!(
        (v.state, v.trigger, v.filled),
        (OrderState::Resting, None, 1)
    );
}

#[test]
fn last_trigger_sees_every_trade_of_a_walk() {
    // A sell walk trades 101 then 98: a sell-if-touched at 100 (last >= 100) was touched
    // by the first fill even though the walk ended lower.
    let mut h = Harness::new();
    h.submit(lim(1, B, 101, 1));
    h.submit(lim(2, B, 98, 1));
    h.submit(lim(3, B, 90, 5));
    h.submit(
        OrderRequest::market_if_touched(10, S, 100, 1)
            .account(10)
            .trigger_type(Tt::Last),
    );
    assert_eq!(
        h.submit(mkt(11, S, 2)),
        vec![
            acc(11),
            fill(11, 1, 101, 1, S),
            fill(11, 2, 98, 1, S),
            trig(10),
            fill(10, 3, 90, 1, S),
        ]
    );
}

#[test]
fn trades_of_a_fired_order_count_for_last_triggers() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 105, 1));
    h.submit(mkt(2, B, 1));
    assert_eq!(h.e.last_price(), Some(105));
    h.submit(lim(3, S, 102, 1));
    h.submit(lim(4, S, 104, 5));
    h.submit(
        OrderRequest::stop_market(10, B, 100, 2)
            .account(10)
            .trigger_type(Tt::Mark),
    );
    // Buy-if-touched at 102 on last: not touched by the last trade at 105.
    assert_eq!(
        h.submit(
            OrderRequest::market_if_touched(11, B, 102, 1)
                .account(11)
                .trigger_type(Tt::Last)
        ),
        vec![acc(11)]
    );
    // Order 10's walk trades 102 then 104: the trade at 102 touches order 11.
    assert_eq!(
        h.mark(100),
        vec![
            trig(10),
            fill(10, 3, 102, 1, B),
            fill(10, 4, 104, 1, B),
            trig(11),
            fill(11, 4, 104, 1, B),
        ]
    );
}

#[test]
fn stop_already_in_the_market_is_rejected_or_fired() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 5));
    assert_eq!(
        h.submit(OrderRequest::stop_market(10, B, 99, 1).account(10)),
        vec![rejected(
            10,
            RejectReason::TriggerInMarket { reference: 100 }
        )]
    );
    let mut h = Harness::with(EngineConfig {
        reject_stops_in_market: false,
        ..EngineConfig::default()
    });
    h.submit(lim(1, S, 100, 5));
    assert_eq!(
        h.submit(OrderRequest::stop_market(10, B, 99, 1).account(10)),
        vec![acc(10), trig(10), fill(10, 1, 100, 1, B)]
    );
}

#[test]
fn if_touched_orders_fire_on_a_favourable_touch() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 105, 1));
    h.submit(lim(5, B, 95, 1));
    h.submit(OrderRequest::market_if_touched(10, B, 103, 1).account(10));
    h.submit(OrderRequest::limit_if_touched(11, S, 97, 96, 2).account(11));
    assert_eq!(h.e.pending(), 2);
    assert_eq!(
        h.submit(lim(2, S, 103, 1)),
        vec![acc(2), trig(10), fill(10, 2, 103, 1, B)]
    );
    assert_eq!(
        h.submit(lim(3, B, 97, 1)),
        vec![acc(3), trig(11), fill(11, 3, 97, 1, S)]
    );
    assert_eq!(h.levels(S), vec![(96, 1), (105, 1)]);
}

#[test]
fn mid_trigger_is_exact_on_half_ticks() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 99, 5));
    h.submit(lim(2, S, 102, 5));
    // Mid 100.5: a buy stop at 101 waits.
    h.submit(
        OrderRequest::stop_market(10, B, 101, 1)
            .account(10)
            .trigger_type(Tt::Mid),
    );
    assert_eq!(h.submit(lim(3, B, 99, 1)), vec![acc(3)]);
    // Mid 101.
    assert_eq!(
        h.submit(lim(4, B, 100, 1)),
        vec![acc(4), trig(10), fill(10, 2, 102, 1, B)]
    );
    // Mid is now 101 (bid 100, ask 102): a sell stop at 101 is already reached.
    assert_eq!(
        h.submit(
            OrderRequest::stop_market(11, S, 101, 1)
                .account(11)
                .trigger_type(Tt::Mid)
        ),
        vec![rejected(
            11,
            RejectReason::TriggerInMarket { reference: 101 }
        )]
    );
}

#[test]
fn mark_trigger_waits_for_a_mark_price() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 90, 5));
    h.submit(
        OrderRequest::stop_market(10, S, 95, 2)
            .account(10)
            .trigger_type(Tt::Mark),
    );
    assert_eq!(h.mark(96), vec![]);
    assert_eq!(h.e.mark_price(), Some(96));
    assert_eq!(h.mark(95), vec![trig(10), fill(10, 1, 90, 2, S)]);
}

#[test]
fn trailing_sell_stop_ratchets_up_only() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 10));
    h.submit(lim(2, S, 110, 5));
    assert_eq!(
        h.submit(
            OrderRequest::trailing_stop_market(10, S, TrailingOffset::Ticks(3), 2).account(10)
        ),
        vec![acc(10), updated(10, None, Some(97))]
    );
    assert_eq!(
        h.submit(lim(3, B, 102, 1)),
        vec![acc(3), updated(10, None, Some(99))]
    );
    assert_eq!(h.submit(lim(4, B, 101, 1)), vec![acc(4)]);
    // The bid falls back: the trigger stays.
    assert_eq!(h.cancel(3), vec![canceled(3, CancelReason::Requested)]);
    assert_eq!(h.cancel(4), vec![canceled(4, CancelReason::Requested)]);
    assert_eq!(h.e.order(10).and_then(|o| o.trigger), Some(99));
    h.submit(lim(6, B, 99, 5));
    assert_eq!(
        h.submit(mkt(5, S, 10)),
        vec![
            acc(5),
            fill(5, 1, 100, 10, S),
            trig(10),
            fill(10, 6, 99, 2, S),
        ]
    );
}

#[test]
fn trailing_buy_stop_with_activation_price() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 1));
    let order = OrderRequest::trailing_stop_market(10, B, TrailingOffset::Ticks(2), 1)
        .account(10)
        .activation(98);
    assert_eq!(h.submit(order), vec![acc(10)]);
    assert_eq!(h.e.order(10).and_then(|o| o.trigger), None);
    assert_eq!(
        h.submit(lim(2, S, 98, 1)),
        vec![acc(2), updated(10, None, Some(100))]
    );
    assert_eq!(
        h.submit(lim(3, S, 97, 1)),
        vec![acc(3), updated(10, None, Some(99))]
    );
    assert_eq!(
        h.submit(mkt(4, B, 2)),
        vec![
            acc(4),
            fill(4, 3, 97, 1, B),
            fill(4, 2, 98, 1, B),
            trig(10),
            fill(10, 1, 100, 1, B),
        ]
    );
    // Activation already reached on arrival: rejected by default.
    h.submit(lim(5, S, 100, 1));
    assert_eq!(
        h.submit(
            OrderRequest::trailing_stop_market(11, B, TrailingOffset::Ticks(2), 1)
                .account(11)
                .activation(101)
        ),
        vec![rejected(
            11,
            RejectReason::TriggerInMarket { reference: 100 }
        )]
    );
}

#[test]
fn trailing_stop_limit_trails_its_limit_too() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 1));
    h.submit(lim(2, B, 90, 1));
    let order = OrderRequest::trailing_stop_limit(10, S, TrailingOffset::Ticks(3), 5, 2)
        .account(10)
        .trigger_type(Tt::BidAsk);
    assert_eq!(
        h.submit(order),
        vec![acc(10), updated(10, Some(95), Some(97))]
    );
    assert_eq!(
        h.submit(lim(3, B, 101, 1)),
        vec![acc(3), updated(10, Some(96), Some(98))]
    );
    // Bid falls to 90: triggered, the limit at 96 cannot fill and rests.
    assert_eq!(
        h.submit(mkt(4, S, 2)),
        vec![
            acc(4),
            fill(4, 3, 101, 1, S),
            fill(4, 1, 100, 1, S),
            trig(10),
        ]
    );
    assert_eq!(h.levels(S), vec![(96, 2)]);
}

#[test]
fn basis_point_offsets() {
    assert_eq!(TrailingOffset::BasisPoints(100).ticks(10_000), 100);
    assert_eq!(TrailingOffset::BasisPoints(25).ticks(-10_000), 25);
    assert_eq!(TrailingOffset::BasisPoints(1).ticks(9_999), 0);
    assert_eq!(TrailingOffset::Ticks(7).ticks(123), 7);
    let mut h = Harness::new();
    h.submit(lim(1, B, 10_000, 1));
    assert_eq!(
        h.submit(
            OrderRequest::trailing_stop_market(10, S, TrailingOffset::BasisPoints(50), 1)
                .account(10)
        ),
        vec![acc(10), updated(10, None, Some(9_950))]
    );
}

#[test]
fn cascading_stops_fire_in_turn() {
    let mut h = Harness::new();
    h.submit(lim(1, B, 100, 1));
    h.submit(lim(2, B, 99, 1));
    h.submit(lim(3, B, 98, 1));
    h.submit(lim(4, B, 97, 5));
    let stop = |id, trigger| {
        OrderRequest::stop_market(id, S, trigger, 1)
            .account(id as u32)
            .trigger_type(Tt::Last)
    };
    h.submit(stop(10, 99));
    h.submit(stop(11, 98));
    assert_eq!(
        h.submit(mkt(20, S, 1)),
        vec![acc(20), fill(20, 1, 100, 1, S)]
    );
    assert_eq!(
        h.submit(mkt(21, S, 1)),
        vec![
            acc(21),
            fill(21, 2, 99, 1, S),
            trig(10),
            fill(10, 3, 98, 1, S),
            trig(11),
            fill(11, 4, 97, 1, S),
        ]
    );
}

#[test]
fn orders_fired_together_execute_in_arrival_order() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 1));
    h.submit(lim(2, S, 102, 1));
    h.submit(lim(3, S, 103, 1));
    h.submit(OrderRequest::stop_market(10, B, 102, 1).account(10));
    h.submit(OrderRequest::stop_market(11, B, 101, 1).account(11));
    // Both fire when the ask reaches 102; order 10 arrived first, so it goes first.
    assert_eq!(
        h.submit(mkt(12, B, 1)),
        vec![
            acc(12),
            fill(12, 1, 100, 1, B),
            trig(10),
            fill(10, 2, 102, 1, B),
            trig(11),
            fill(11, 3, 103, 1, B),
        ]
    );
}

#[test]
fn pending_orders_expire_cancel_and_modify() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 1));
    h.submit(lim(2, S, 102, 5));
    h.submit(
        OrderRequest::stop_market(10, B, 105, 1)
            .account(10)
            .gtd(500),
    );
    h.submit(OrderRequest::stop_market(11, B, 105, 1).account(11));
    assert_eq!(h.advance(500), vec![Event::Expired { id: 10 }]);
    assert_eq!(h.e.pending(), 1);
    assert_eq!(
        h.modify(11, None, Some(99), None),
        vec![Event::ModifyRejected {
            id: 11,
            reason: RejectReason::TriggerInMarket { reference: 100 }
        }]
    );
    assert_eq!(
        h.modify(11, None, Some(102), Some(2)),
        vec![Event::Modified {
            id: 11,
            price: None,
            trigger: Some(102),
            qty: 2
        }]
    );
    assert_eq!(
        h.modify(11, Some(101), None, None),
        vec![Event::ModifyRejected {
            id: 11,
            reason: RejectReason::PriceNotAllowed
        }]
    );
    assert_eq!(
        h.submit(mkt(12, B, 1)),
        vec![
            acc(12),
            fill(12, 1, 100, 1, B),
            trig(11),
            fill(11, 2, 102, 2, B),
        ]
    );
    h.submit(OrderRequest::stop_market(13, B, 110, 1).account(13));
    assert_eq!(h.cancel(13), vec![canceled(13, CancelReason::Requested)]);
    assert_eq!(h.e.pending(), 0);
}

#[test]
fn post_only_stop_limit_that_would_take_is_canceled() {
    let mut h = Harness::new();
    h.submit(lim(1, S, 100, 1));
    h.submit(lim(2, S, 102, 5));
    h.submit(
        OrderRequest::stop_limit(10, B, 101, 103, 1)
            .account(10)
            .post_only(),
    );
    assert_eq!(
        h.submit(mkt(11, B, 1)),
        vec![
            acc(11),
            fill(11, 1, 100, 1, B),
            trig(10),
            canceled(10, CancelReason::PostOnlyWouldTake),
        ]
    );
}

#[test]
fn reduce_only_stop_with_no_position_left_is_canceled_when_fired() {
    let mut h = Harness::new();
    h.e.set_position(10, 5);
    h.submit(lim(1, B, 99, 5));
    h.submit(
        OrderRequest::stop_market(10, S, 99, 5)
            .account(10)
            .trigger_type(Tt::Last)
            .reduce_only(),
    );
    h.e.set_position(10, 0);
    assert_eq!(
        h.submit(mkt(2, S, 1)),
        vec![
            acc(2),
            fill(2, 1, 99, 1, S),
            trig(10),
            canceled(10, CancelReason::ReduceOnly),
        ]
    );
}

#[test]
fn trailing_validation() {
    let mut h = Harness::new();
    assert_eq!(
        h.submit(
            OrderRequest::trailing_stop_market(1, S, TrailingOffset::Ticks(1), 1)
                .trigger_type(Tt::Mid)
        ),
        vec![rejected(1, RejectReason::TriggerTypeUnsupported)]
    );
    assert_eq!(
        h.submit(OrderRequest {
            limit_offset: Some(2),
            ..OrderRequest::trailing_stop_market(1, S, TrailingOffset::Ticks(1), 1)
        }),
        vec![rejected(1, RejectReason::TrailingNotAllowed)]
    );
    // No reference yet: waits unactivated, then activates on the first bid.
    assert_eq!(
        h.submit(OrderRequest::trailing_stop_market(
            1,
            S,
            TrailingOffset::Ticks(1),
            1
        )),
        vec![acc(1)]
    );
    assert_eq!(
        h.submit(lim(2, B, 50, 1)),
        vec![acc(2), updated(1, None, Some(49))]
    );
    assert_eq!(
        h.modify(1, None, Some(40), None),
        vec![Event::ModifyRejected {
            id: 1,
            reason: RejectReason::NotModifiable
        }]
    );
}
