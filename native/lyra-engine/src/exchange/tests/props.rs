//! Property tests: the exchange against the bare engine (L3, no data), the L1 fast path
//! against the book path, and the L2 queue against [`QueuePosition`].

use proptest::prelude::*;

use super::*;
use crate::book::Side;
use crate::matching::{Event, LinkKind, MatchingEngine, SelfTradePrevention};
use crate::models::QueuePosition;

#[derive(Debug, Clone)]
enum Op {
    Limit {
        account: u32,
        buy: bool,
        price: i64,
        qty: u64,
        tif: u8,
        post_only: bool,
        reduce_only: bool,
        display: u64,
    },
    Market {
        account: u32,
        buy: bool,
        qty: u64,
        fok: bool,
        reduce_only: bool,
    },
    Stop {
        account: u32,
        buy: bool,
        kind: u8,
        trigger: i64,
        price: i64,
        qty: u64,
        trigger_type: u8,
    },
    Cancel(usize),
    Modify {
        pick: usize,
        qty: Option<u64>,
        price: Option<i64>,
    },
    Advance(i64),
    /// L1 only: a quote `bid_step` from the last bid, `spread` wide.
    Quote {
        bid_step: i64,
        spread: i64,
        bid_size: u64,
        ask_size: u64,
    },
    /// A trade `offset` ticks from the bid.
    Trade {
        offset: i64,
        size: u64,
        aggressor: u8,
    },
    /// Read the top of book (which brings a lazy L1 book up to date).
    Peek,
}

fn order_op(center: i64) -> impl Strategy<Value = Op> {
    let limit = (
        (0..3u32, any::<bool>(), center - 5..=center + 5, 1..=10u64),
        (
            0..5u8,
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
        ),
        prop::option::weighted(0.2, 1..=4u64),
    )
        .prop_map(
            |((account, buy, price, qty), (tif, post_only, reduce_only), display)| Op::Limit {
                account,
                buy,
                price,
                qty,
                tif,
                post_only,
                reduce_only,
                display: display.map_or(0, |d| d.min(qty)),
            },
        );
    let market = (
        0..3u32,
        any::<bool>(),
        1..=15u64,
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(account, buy, qty, fok, reduce_only)| Op::Market {
            account,
            buy,
            qty,
            fok,
            reduce_only,
        });
    let stop = (
        (0..3u32, any::<bool>(), 0..4u8),
        (center - 5..=center + 5, center - 5..=center + 5, 1..=10u64),
        prop::sample::select(vec![1u8, 2, 3, 4, 5, 6, 7]),
    )
        .prop_map(
            |((account, buy, kind), (trigger, price, qty), trigger_type)| Op::Stop {
                account,
                buy,
                kind,
                trigger,
                price,
                qty,
                trigger_type,
            },
        );
    let modify = (
        any::<usize>(),
        prop::option::of(1..=12u64),
        prop::option::of(center - 5..=center + 5),
    )
        .prop_map(|(pick, qty, price)| Op::Modify { pick, qty, price });
    prop_oneof![
        8 => limit,
        3 => market,
        3 => stop,
        3 => any::<usize>().prop_map(Op::Cancel),
        2 => modify,
        1 => (0..15i64).prop_map(Op::Advance),
    ]
}

/// The raw submit an order op sends as `id` at time `now`.
fn args(o: &Op, id: u64, now: i64) -> SubmitArgs {
    let side = |buy: bool| if buy { BUY } else { SELL };
    match *o {
        Op::Limit {
            account,
            buy,
            price,
            qty,
            tif,
            post_only,
            reduce_only,
            display,
        } => {
            let tif = [1u8, 2, 3, 4, 5][tif as usize];
            SubmitArgs {
                order_id: id,
                account,
                side: side(buy),
                order_type: 2,
                tif,
                qty,
                price: Some(price),
                expire_ns: if tif == 4 {
                    now + 1 + (id as i64 % 30)
                } else {
                    0
                },
                display_qty: display,
                post_only,
                reduce_only,
                ..SubmitArgs::default()
            }
        }
        Op::Market {
            account,
            buy,
            qty,
            fok,
            reduce_only,
        } => SubmitArgs {
            order_id: id,
            account,
            side: side(buy),
            order_type: 1,
            tif: if fok { 3 } else { 1 },
            qty,
            reduce_only,
            ..SubmitArgs::default()
        },
        Op::Stop {
            account,
            buy,
            kind,
            trigger,
            price,
            qty,
            trigger_type,
        } => {
            let order_type = [3u8, 4, 6, 7][kind as usize];
            SubmitArgs {
                order_id: id,
                account,
                side: side(buy),
                order_type,
                qty,
                price: matches!(order_type, 4 | 7).then_some(price),
                trigger: Some(trigger),
                trigger_type,
                ..SubmitArgs::default()
            }
        }
        _ => unreachable!("order ops only"),
    }
}

/// What the exchange must report for engine event `ev` (an independent translation).
fn expected(
    ev: &Event,
    e: &MatchingEngine,
    req: &std::collections::HashMap<u64, SubmitArgs>,
    now: i64,
    out: &mut Vec<ExEvent>,
) {
    let acct = |id: u64| req.get(&id).map_or(0, |a| a.account);
    let mk = |kind, id: u64, price: i64, qty: u64, aux: i64, other: u64, reason| ExEvent {
        kind,
        ts: now,
        instrument: 0,
        order_id: id,
        account: acct(id),
        price,
        qty,
        aux,
        other_id: other,
        reason,
    };
    match *ev {
        Event::Accepted { id } => {
            let a = req[&id];
            out.push(mk(ACC, id, a.price.unwrap_or(0), a.qty, 0, 0, Reason::None));
        }
        Event::Rejected { id, reason } => {
            let (r, aux) = Reason::of_reject(reason);
            out.push(mk(REJ, id, 0, req[&id].qty, aux, 0, r));
        }
        Event::Filled {
            taker,
            maker,
            price,
            qty,
            ..
        } => {
            out.push(mk(FIL, taker, price, qty, TAKER, maker, Reason::None));
            out.push(mk(FIL, maker, price, qty, MAKER, taker, Reason::None));
        }
        Event::Canceled { id, reason } => {
            out.push(mk(CXL, id, 0, 0, 0, 0, Reason::of_cancel(reason)));
        }
        Event::Expired { id } => out.push(mk(EXP, id, 0, 0, 0, 0, Reason::None)),
        Event::Triggered { id } => out.push(mk(TRG, id, 0, 0, 0, 0, Reason::None)),
        Event::Updated { id, price, trigger } => {
            let qty = e.order(id).map_or(req[&id].qty, |o| o.qty);
            out.push(mk(
                UPD,
                id,
                price.unwrap_or(0),
                qty,
                trigger.unwrap_or(0),
                0,
                Reason::None,
            ));
        }
        Event::Modified {
            id,
            price,
            trigger,
            qty,
        } => out.push(mk(
            MOD,
            id,
            price.unwrap_or(0),
            qty,
            trigger.unwrap_or(0),
            0,
            Reason::None,
        )),
        // The exchange knows the account of live orders only.
        Event::ModifyRejected { id, reason } => {
            let (r, aux) = Reason::of_reject(reason);
            let mut ev = mk(EventKind::ModifyRejected, id, 0, 0, aux, 0, r);
            ev.account = if e.order(id).is_some() { ev.account } else { 0 };
            out.push(ev);
        }
        Event::CancelRejected { id, reason } => {
            let (r, aux) = Reason::of_reject(reason);
            let mut ev = mk(CREJ, id, 0, 0, aux, 0, r);
            ev.account = if e.order(id).is_some() { ev.account } else { 0 };
            out.push(ev);
        }
        Event::DataFill { .. } | Event::Resized { .. } => {
            unreachable!("no data, no groups")
        }
    }
}

fn stp() -> impl Strategy<Value = SelfTradePrevention> {
    prop_oneof![
        Just(SelfTradePrevention::Allow),
        Just(SelfTradePrevention::CancelTaker),
        Just(SelfTradePrevention::CancelMaker),
        Just(SelfTradePrevention::CancelBoth),
    ]
}

fn check_l3_equals_engine(stp: SelfTradePrevention, start: [i64; 3], ops: &[Op]) {
    let cfg = ExchangeConfig {
        self_trade: stp,
        ..ExchangeConfig::default()
    };
    let mut ex = Exchange::new(cfg);
    ex.add_instrument(BookType::L3);
    let mut e = MatchingEngine::new(crate::matching::EngineConfig {
        self_trade: stp,
        ..crate::matching::EngineConfig::default()
    });
    for (a, &p) in start.iter().enumerate() {
        ex.set_position(0, a as u32, p).unwrap();
        e.set_position(a as u32, p);
    }
    let mut reqs = std::collections::HashMap::new();
    let mut ids: Vec<u64> = Vec::new();
    let (mut now, mut next) = (0i64, 0u64);
    let (mut raw, mut want) = (Vec::new(), Vec::new());
    for (step, o) in ops.iter().enumerate() {
        raw.clear();
        want.clear();
        match *o {
            Op::Limit { .. } | Op::Market { .. } | Op::Stop { .. } => {
                next += 1;
                ids.push(next);
                let a = args(o, next, now);
                reqs.insert(next, a);
                ex.submit(now, 0, &a).unwrap();
                let (r, _) = a.request().unwrap();
                e.submit(&r, &mut raw);
            }
            Op::Cancel(pick) => {
                let id = if ids.is_empty() {
                    99
                } else {
                    ids[pick % ids.len()]
                };
                ex.cancel(now, 0, id).unwrap();
                e.cancel(id, &mut raw);
            }
            Op::Modify { pick, qty, price } => {
                let id = if ids.is_empty() {
                    99
                } else {
                    ids[pick % ids.len()]
                };
                ex.modify(now, 0, id, qty, price, None).unwrap();
                e.modify(id, price, None, qty, &mut raw);
            }
            Op::Advance(dt) => {
                // The exchange handles each expire time at that time, in order: step the
                // engine the same way.
                let to = now + dt;
                while let Some(t) = e.next_expiry().filter(|&t| t <= to) {
                    e.advance(t, &mut raw);
                    for ev in raw.drain(..) {
                        expected(&ev, &e, &reqs, t, &mut want);
                    }
                }
                now = to;
                e.advance(now, &mut raw);
            }
            _ => unreachable!("order ops only"),
        }
        ex.advance(now).unwrap();
        for ev in &raw {
            expected(ev, &e, &reqs, now, &mut want);
        }
        let got: Vec<ExEvent> = ex.drain().collect();
        assert_eq!(got, want, "events differ at step {step}: {o:?}");
        let xe = ex.engine(0).unwrap();
        xe.book().check_invariants();
        for side in [Side::Buy, Side::Sell] {
            let a: Vec<_> = xe.book().depth().levels(side).collect();
            let b: Vec<_> = e.book().depth().levels(side).collect();
            assert_eq!(a, b, "{side:?} depth after step {step}");
        }
        for a in 0..3 {
            assert_eq!(ex.position(0, a).unwrap(), e.position(a));
        }
        let mut live: Vec<u64> = ids
            .iter()
            .copied()
            .filter(|&i| e.order(i).is_some())
            .collect();
        live.sort_unstable();
        assert_eq!(
            ex.open_order_ids(0).unwrap(),
            live,
            "open orders after {step}"
        );
    }
}

/// A data or order op on an L1 book around 100.
fn l1_op() -> impl Strategy<Value = Op> {
    let quote = (-2..=2i64, 1..=3i64, 0..=12u64, 0..=12u64).prop_map(
        |(bid_step, spread, bid_size, ask_size)| Op::Quote {
            bid_step,
            spread,
            bid_size,
            ask_size,
        },
    );
    let trade = (-2..=3i64, 0..=10u64, 0..=2u8).prop_map(|(offset, size, aggressor)| Op::Trade {
        offset,
        size,
        aggressor,
    });
    prop_oneof![
        6 => quote,
        3 => trade,
        6 => order_op(100),
        1 => Just(Op::Peek),
    ]
}

/// Run `ops` on an L1 exchange; returns every event, and the top of book after each op
/// that reads it.
fn run_l1(ops: &[Op], eager: bool, model: QueueModel) -> Vec<ExEvent> {
    let cfg = ExchangeConfig {
        queue_model: model,
        ..ExchangeConfig::default()
    };
    let mut ex = Exchange::new(cfg);
    ex.add_instrument(BookType::L1);
    ex.set_eager(0, eager);
    let (mut now, mut next, mut bid) = (0i64, 0u64, 100i64);
    let mut ids: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    for o in ops {
        match *o {
            Op::Limit { .. } | Op::Market { .. } | Op::Stop { .. } => {
                next += 1;
                ids.push(next);
                ex.submit(now, 0, &args(o, next, now)).unwrap();
                ex.advance(now).unwrap();
            }
            Op::Cancel(pick) => {
                let id = if ids.is_empty() {
                    99
                } else {
                    ids[pick % ids.len()]
                };
                ex.cancel(now, 0, id).unwrap();
                ex.advance(now).unwrap();
            }
            Op::Modify { pick, qty, price } => {
                let id = if ids.is_empty() {
                    99
                } else {
                    ids[pick % ids.len()]
                };
                ex.modify(now, 0, id, qty, price, None).unwrap();
                ex.advance(now).unwrap();
            }
            Op::Advance(dt) => {
                now += dt;
                ex.advance(now).unwrap();
            }
            Op::Quote {
                bid_step,
                spread,
                bid_size,
                ask_size,
            } => {
                now += 1;
                bid = (bid + bid_step).clamp(90, 110);
                ex.quote(0, now, bid, bid + spread, bid_size, ask_size)
                    .unwrap();
            }
            Op::Trade {
                offset,
                size,
                aggressor,
            } => {
                now += 1;
                let a = super::super::aggressor(aggressor).unwrap();
                ex.trade(0, now, bid + offset, size, a).unwrap();
            }
            Op::Peek => {
                let top = (ex.best_bid(0).unwrap(), ex.best_ask(0).unwrap());
                let (b, a) = (top.0.unwrap_or((0, 0)), top.1.unwrap_or((0, 0)));
                // Record the top as a pseudo-event so both runs must agree on it.
                out.push(ExEvent {
                    kind: EventKind::Updated,
                    ts: -1,
                    instrument: 0,
                    order_id: 0,
                    account: 0,
                    price: b.0,
                    qty: b.1,
                    aux: a.0,
                    other_id: a.1,
                    reason: Reason::None,
                });
            }
        }
        out.extend(ex.drain());
        ex.engine(0).unwrap().book().check_invariants();
    }
    out
}

/// One of our bids at 100 in an L2 level, against [`QueuePosition`] on the same events.
#[derive(Debug, Clone)]
enum Q {
    Level(u64),
    Trade(u64),
    Through,
}

fn q_op() -> impl Strategy<Value = Q> {
    prop_oneof![
        8 => (0u64..200).prop_map(Q::Level),
        6 => (0u64..60).prop_map(Q::Trade),
        1 => Just(Q::Through),
    ]
}

fn check_queue(model: QueueModel, level: u64, qty: u64, ops: &[Q]) {
    let cfg = ExchangeConfig {
        queue_model: model,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L2]);
    if level > 0 {
        h.delta(BUY, 1, 100, level, 0);
    }
    h.send(lim(1, BUY, 100, qty));
    let mut q = QueuePosition::new(model, Side::Buy, 100, level, qty);
    let mut filled = 0;
    for (i, o) in ops.iter().enumerate() {
        let ev = match *o {
            Q::Level(n) => {
                q.on_level_size(n);
                h.delta(BUY, 2, 100, n, 0)
            }
            Q::Trade(n) => {
                q.on_trade(n);
                h.trade(100, n, SELL)
            }
            Q::Through => {
                q.on_trade_through();
                h.trade(99, 1, SELL)
            }
        };
        filled += ev.iter().map(|e| e.3).sum::<u64>();
        assert_eq!(filled, q.filled(), "fills differ after op {i}: {o:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// With no market data, an L3 instrument is the bare matching engine: same events
    /// (translated), same book, positions and open orders after every command.
    #[test]
    fn l3_without_data_is_the_bare_engine(
        stp in stp(),
        start in prop::array::uniform3(-8..=8i64),
        ops in prop::collection::vec(order_op(100), 1..120),
    ) {
        check_l3_equals_engine(stp, start, &ops);
    }

    /// The L1 fast path (quotes recorded without touching the book while no order is
    /// involved) gives exactly the events and top of book of applying every quote.
    #[test]
    fn l1_fast_path_equals_the_book_path(
        ops in prop::collection::vec(l1_op(), 1..150),
        proportional in any::<bool>(),
    ) {
        let model = if proportional { QueueModel::Proportional } else { QueueModel::Pessimistic };
        prop_assert_eq!(run_l1(&ops, false, model), run_l1(&ops, true, model));
    }

    /// One resting order in an L2 level fills exactly as [`QueuePosition`] says.
    #[test]
    fn l2_queue_is_queue_position(
        proportional in any::<bool>(),
        level in 0u64..200,
        qty in 1u64..80,
        ops in prop::collection::vec(q_op(), 0..60),
    ) {
        let model = if proportional { QueueModel::Proportional } else { QueueModel::Pessimistic };
        check_queue(model, level, qty, &ops);
    }
}

#[test]
fn l1_long_fixed_run_fast_equals_book() {
    // A long deterministic run (with many resting orders) through both paths.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % n
    };
    let mut ops = Vec::new();
    for _ in 0..4_000 {
        ops.push(match next(10) {
            0..=4 => Op::Quote {
                bid_step: next(5) as i64 - 2,
                spread: 1 + next(3) as i64,
                bid_size: next(13),
                ask_size: next(13),
            },
            5..=6 => Op::Trade {
                offset: next(6) as i64 - 2,
                size: next(11),
                aggressor: next(3) as u8,
            },
            7 => Op::Limit {
                account: next(3) as u32,
                buy: next(2) == 0,
                price: 95 + next(11) as i64,
                qty: 1 + next(10),
                tif: next(5) as u8,
                post_only: next(7) == 0,
                reduce_only: next(7) == 0,
                display: 0,
            },
            8 => Op::Cancel(next(1 << 20) as usize),
            _ => Op::Stop {
                account: next(3) as u32,
                buy: next(2) == 0,
                kind: next(4) as u8,
                trigger: 95 + next(11) as i64,
                price: 95 + next(11) as i64,
                qty: 1 + next(10),
                trigger_type: 1 + next(7) as u8,
            },
        });
    }
    for model in [QueueModel::Pessimistic, QueueModel::Proportional] {
        let a = run_l1(&ops, false, model);
        assert_eq!(a, run_l1(&ops, true, model));
        assert!(a.iter().filter(|e| e.kind == FIL).count() > 100);
    }
}

/// Anything goes: data of every kind, orders, links, holds and latency on L1, L2 and L3
/// books. Checks what must always hold: the books' invariants, no event for an order
/// after it ended, fills never above the order's quantity, and positions equal to the
/// fills.
#[derive(Debug, Clone)]
enum Any {
    Order(Op),
    Cancel(usize),
    Modify(usize, Option<u64>, Option<i64>),
    Level {
        side: u8,
        price: i64,
        size: u64,
        id: u64,
    },
    Delete {
        side: u8,
        price: i64,
        id: u64,
    },
    Quote {
        bid: i64,
        spread: i64,
        bsz: u64,
        asz: u64,
    },
    Trade {
        price: i64,
        size: u64,
        aggressor: u8,
    },
    Link(bool),
    Hold,
    Advance(i64),
}

fn any_op() -> impl Strategy<Value = Any> {
    prop_oneof![
        6 => order_op(100)
            .prop_filter("a new order", |o| matches!(o, Op::Limit { .. } | Op::Market { .. } | Op::Stop { .. }))
            .prop_map(Any::Order),
        2 => any::<usize>().prop_map(Any::Cancel),
        1 => (any::<usize>(), prop::option::of(1..=12u64), prop::option::of(95..=105i64))
            .prop_map(|(p, q, x)| Any::Modify(p, q, x)),
        4 => (1..=2u8, 95..=105i64, 0..=12u64, 1..=8u64)
            .prop_map(|(side, price, size, id)| Any::Level { side, price, size, id }),
        1 => (1..=2u8, 95..=105i64, 1..=8u64).prop_map(|(side, price, id)| Any::Delete { side, price, id }),
        3 => (96..=104i64, 1..=3i64, 0..=12u64, 0..=12u64)
            .prop_map(|(bid, spread, bsz, asz)| Any::Quote { bid, spread, bsz, asz }),
        3 => (95..=105i64, 0..=10u64, 0..=2u8).prop_map(|(price, size, aggressor)| Any::Trade { price, size, aggressor }),
        1 => any::<bool>().prop_map(Any::Link),
        1 => Just(Any::Hold),
        2 => (0..20i64).prop_map(Any::Advance),
    ]
}

#[allow(clippy::too_many_lines, reason = "one arm per op, then the checks")]
fn check_anything(book: BookType, latency: u64, jitter: u64, ops: &[Any]) {
    use std::collections::HashMap;
    let cfg = ExchangeConfig {
        submit_latency_ns: latency,
        cancel_latency_ns: latency / 2,
        modify_latency_ns: latency,
        latency_jitter_ns: jitter,
        seed: 3,
        ..ExchangeConfig::default()
    };
    let mut ex = Exchange::new(cfg);
    ex.add_instrument(book);
    let (mut now, mut next) = (0i64, 0u64);
    let mut sent: Vec<(u64, SubmitArgs)> = Vec::new();
    let mut ended: HashMap<u64, bool> = HashMap::new();
    let mut qty: HashMap<u64, u64> = HashMap::new();
    let mut filled: HashMap<u64, u64> = HashMap::new();
    let mut pos: HashMap<u32, i64> = HashMap::new();
    for (step, o) in ops.iter().enumerate() {
        match o {
            Any::Order(op) => {
                next += 1;
                let a = args(op, next, now);
                ex.submit(now, 0, &a).unwrap();
                sent.push((next, a));
                qty.insert(next, a.qty);
            }
            Any::Cancel(p) if !sent.is_empty() => {
                ex.cancel(now, 0, sent[p % sent.len()].0).unwrap();
            }
            Any::Modify(p, q, x) if !sent.is_empty() => {
                ex.modify(now, 0, sent[p % sent.len()].0, *q, *x, None)
                    .unwrap();
            }
            Any::Level {
                side,
                price,
                size,
                id,
            } => {
                now += 1;
                ex.delta(0, now, *side, 1, *price, *size, *id).unwrap();
            }
            Any::Delete { side, price, id } => {
                now += 1;
                ex.delta(0, now, *side, 3, *price, 0, *id).unwrap();
            }
            Any::Quote {
                bid,
                spread,
                bsz,
                asz,
            } => {
                now += 1;
                ex.quote(0, now, *bid, bid + spread, *bsz, *asz).unwrap();
            }
            Any::Trade {
                price,
                size,
                aggressor,
            } => {
                now += 1;
                let a = super::super::aggressor(*aggressor).unwrap();
                ex.trade(0, now, *price, *size, a).unwrap();
            }
            Any::Link(oco) if sent.len() >= 2 => {
                let ids = [sent[sent.len() - 2].0, sent[sent.len() - 1].0];
                let kind = if *oco { LinkKind::Oco } else { LinkKind::Ouo };
                let _ = ex.link(kind, &ids);
            }
            Any::Hold if sent.len() >= 3 => {
                let n = sent.len();
                let _ = ex.hold_until_filled(sent[n - 3].0, &[sent[n - 2].0, sent[n - 1].0]);
            }
            Any::Advance(dt) => {
                now += dt;
                ex.advance(now).unwrap();
            }
            _ => {}
        }
        ex.engine(0).unwrap().book().check_invariants();
        for e in ex.drain() {
            let id = e.order_id;
            assert!(
                !ended.get(&id).copied().unwrap_or(false)
                    || matches!(e.kind, CREJ | EventKind::ModifyRejected)
                    || (e.kind == REJ && e.reason == Reason::DuplicateId),
                "event after the end of order {id} at step {step}: {e:?}"
            );
            match e.kind {
                FIL => {
                    let f = filled.entry(id).or_insert(0);
                    *f += e.qty;
                    let a = sent.iter().find(|(i, _)| *i == id).expect("sent").1;
                    assert!(*f <= qty[&id], "overfill of {id} at step {step}");
                    let d = if a.side == BUY {
                        e.qty as i64
                    } else {
                        -(e.qty as i64)
                    };
                    *pos.entry(a.account).or_insert(0) += d;
                    if *f == qty[&id] {
                        ended.insert(id, true);
                    }
                }
                UPD | MOD | REL => {
                    qty.insert(id, e.qty);
                }
                REJ if e.reason == Reason::DuplicateId => {}
                REJ | CXL | EXP => {
                    ended.insert(id, true);
                }
                _ => {}
            }
        }
        for (&a, &p) in &pos {
            assert_eq!(
                ex.position(0, a).unwrap(),
                p,
                "position of {a} at step {step}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn anything_keeps_the_books_and_orders_consistent(
        book in prop_oneof![Just(BookType::L1), Just(BookType::L2), Just(BookType::L3)],
        latency in prop_oneof![Just(0u64), 1..10u64],
        jitter in prop_oneof![Just(0u64), 1..5u64],
        ops in prop::collection::vec(any_op(), 1..150),
    ) {
        check_anything(book, latency, jitter, &ops);
    }
}
