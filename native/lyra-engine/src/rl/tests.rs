//! Tests of the environment core: data layout, one environment's accounting and actions,
//! episodes and seeding, and the vector environment against single ones.

// Exact float comparisons are the point here: same inputs, same bits.
#![allow(clippy::float_cmp, clippy::type_complexity, clippy::cast_lossless)]

use std::sync::Arc;

use super::*;
use crate::book::L2Book;
use crate::exchange::BookType;
use crate::models::SplitMixStream;

const T0: i64 = 1_704_067_200_000_000_000;
const MS: i64 = 1_000_000;

/// `n` quotes: a seeded random walk of the bid, a 1–2 tick spread, sizes 10..=100 lots.
fn quotes(n: usize, seed: u64) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<u64>, Vec<u64>) {
    let s = SplitMixStream::new(seed, 1);
    let mut bid = 10_000i64;
    let (mut ts, mut b, mut a, mut bs, mut az) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n as u64 {
        bid += s.below(4 * i, 3) as i64 - 1;
        ts.push(T0 + i as i64 * MS);
        b.push(bid);
        a.push(bid + 1 + s.below(4 * i + 1, 2) as i64);
        bs.push(10 * (1 + s.below(4 * i + 2, 10)));
        az.push(10 * (1 + s.below(4 * i + 3, 10)));
    }
    (ts, b, a, bs, az)
}

fn l1(n: usize, seed: u64) -> Arc<MarketData> {
    let (ts, b, a, bs, az) = quotes(n, seed);
    Arc::new(MarketData::from_quotes(&ts, &b, &a, &bs, &az, None).unwrap())
}

/// An L2 stream: 20 levels per side around a drifting centre, random level updates.
fn l2_columns(n: usize, seed: u64) -> (Vec<i64>, Vec<u8>, Vec<u8>, Vec<i64>, Vec<u64>) {
    let s = SplitMixStream::new(seed, 2);
    let mut rows: Vec<(i64, u8, u8, i64, u64)> = Vec::new();
    let mut c = 1_000i64;
    for k in 1..=20 {
        rows.push((T0, 1, 1, c - k, 5 + k as u64));
        rows.push((T0, 2, 1, c + k, 5 + k as u64));
    }
    let mut i = 0u64;
    while rows.len() < n {
        let t = T0 + rows.len() as i64 * MS;
        if s.below(i, 100) < 5 {
            // the centre moves: the touch of one side goes, a level appears on the other
            if s.below(i + 1, 2) == 0 {
                rows.push((t, 2, 3, c + 1, 0));
                rows.push((t, 1, 1, c, 7));
                c += 1;
            } else {
                rows.push((t, 1, 3, c - 1, 0));
                rows.push((t, 2, 1, c, 7));
                c -= 1;
            }
        } else {
            let k = 1 + s.below(i + 2, 20) as i64;
            let q = s.below(i + 3, 30);
            let (side, p) = if s.below(i + 4, 2) == 0 {
                (1, c - k)
            } else {
                (2, c + k)
            };
            rows.push((t, side, if q == 0 { 3 } else { 2 }, p, q));
        }
        i += 5;
    }
    rows.truncate(n);
    let mut out = (vec![], vec![], vec![], vec![], vec![]);
    for (t, sd, ac, p, q) in rows {
        out.0.push(t);
        out.1.push(sd);
        out.2.push(ac);
        out.3.push(p);
        out.4.push(q);
    }
    out
}

fn l2(n: usize, seed: u64) -> Arc<MarketData> {
    let (ts, sd, ac, px, sz) = l2_columns(n, seed);
    Arc::new(MarketData::from_deltas(&ts, &sd, &ac, &px, &sz, None).unwrap())
}

fn cfg() -> EnvConfig {
    EnvConfig {
        trade_size: 2,
        max_position: 4,
        episode_steps: 50,
        ..EnvConfig::default()
    }
}

/// Step `env` with `actions`, returning every observation, reward and flag.
fn run(env: &mut Env, actions: &[Action]) -> Vec<(Vec<f32>, f64, bool, bool)> {
    let mut out = Vec::new();
    let mut obs = vec![0f32; env.obs_dim()];
    let mut st = vec![0f64; STATE_DIM];
    for &a in actions {
        let r = env.step(a, &mut obs, &mut st).unwrap();
        out.push((obs.clone(), r.reward, r.terminated, r.truncated));
    }
    out
}

fn disc(xs: &[i64]) -> Vec<Action> {
    xs.iter().map(|&x| Action::Discrete(x)).collect()
}

// ----- data ---------------------------------------------------------------------------

#[test]
fn quotes_and_trades_merge_by_time_with_book_rows_first() {
    let ts = [10, 20, 30];
    let d = MarketData::from_quotes(
        &ts,
        &[100, 101, 102],
        &[102, 103, 104],
        &[1, 2, 3],
        &[4, 5, 6],
        Some((&[15, 20, 40], &[101, 102, 103], &[1, 1, 2], &[1, 2, 0])),
    )
    .unwrap();
    assert_eq!(d.rows(), 6);
    let kinds: Vec<u8> = d.rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            ROW_QUOTE, ROW_TRADE, ROW_QUOTE, ROW_TRADE, ROW_QUOTE, ROW_TRADE
        ]
    );
    let ts: Vec<i64> = d.rows.iter().map(|r| r.ts).collect();
    assert_eq!(ts, [10, 15, 20, 20, 30, 40]);
    // the top carries through trade rows
    assert_eq!(d.top(1), (100, 102, 1, 4));
    assert_eq!(d.top(3), (101, 103, 2, 5));
    let seen: Vec<u32> = d.rows.iter().map(|r| r.trades_upto).collect();
    assert_eq!(seen, [0, 1, 1, 2, 2, 3]);
    assert_eq!(d.first_ready(), Some(0));
    assert!((d.size_scale() - 3.5).abs() < 1e-12);
}

#[test]
fn bad_columns_name_the_field_and_row() {
    let e = MarketData::from_quotes(&[1, 0], &[1, 1], &[2, 2], &[1, 1], &[1, 1], None).unwrap_err();
    assert_eq!((e.field.as_ref(), e.value), ("ts[1]", 0));
    let e = MarketData::from_quotes(&[1], &[1, 1], &[2], &[1], &[1], None).unwrap_err();
    assert_eq!(e.field, "quotes");
    let e = MarketData::from_deltas(&[1], &[0], &[1], &[5], &[1], None).unwrap_err();
    assert_eq!(e.field, "side[0]");
    let e = MarketData::from_deltas(&[1], &[1], &[7], &[5], &[1], None).unwrap_err();
    assert_eq!(e.field, "action[0]");
    let e = MarketData::from_quotes(&[1], &[1], &[2], &[1], &[1], Some((&[1], &[1], &[1], &[3])))
        .unwrap_err();
    assert_eq!(e.field, "trade_aggressor[0]");
}

#[test]
fn l2_top_of_book_and_checkpoints_match_a_full_replay() {
    let (ts, sd, ac, px, sz) = l2_columns(3 * CHECKPOINT_ROWS + 100, 5);
    let d = MarketData::from_deltas(&ts, &sd, &ac, &px, &sz, None).unwrap();
    let mut book = L2Book::new();
    for r in 0..d.rows() {
        if r % CHECKPOINT_ROWS == 0 {
            let cp = d.checkpoint_for(r);
            assert_eq!(cp.row, r);
            let mut want: Vec<(u8, i64, u64)> = book
                .levels(crate::book::Side::Buy)
                .map(|(p, q)| (1, p, q))
                .collect();
            want.extend(book.levels(crate::book::Side::Sell).map(|(p, q)| (2, p, q)));
            assert_eq!(cp.levels, want);
        }
        book.apply(sd[r], ac[r], px[r], sz[r]).unwrap();
        let (b, a, bs, az) = d.top(r);
        if let Some((p, q)) = book.best_bid() {
            assert_eq!((b, bs), (p, q));
        }
        if let Some((p, q)) = book.best_ask() {
            assert_eq!((a, az), (p, q));
        }
    }
    assert_eq!(d.first_ready(), Some(1));
}

// ----- one environment ----------------------------------------------------------------

#[test]
fn a_buy_fills_at_the_ask_and_is_marked_to_the_mid() {
    let d = l1(500, 1);
    let mut env = Env::new(d.clone(), cfg(), 3).unwrap();
    let row = env.cursor() - 1;
    let (_, ask, _, ask_size) = d.top(row);
    assert!(ask_size >= 2, "test data: enough at the ask");
    let mut obs = vec![0f32; env.obs_dim()];
    let mut st = [0f64; STATE_DIM];
    let r = env.step(Action::Discrete(1), &mut obs, &mut st).unwrap();
    assert_eq!(env.position(), 2);
    let now = env.cursor() - 1;
    let (b, a, _, _) = d.top(now);
    let mid = (b + a) as f64 / 2.0;
    let want = 2.0 * (mid - ask as f64);
    assert!((r.reward - want).abs() < 1e-9, "{} vs {want}", r.reward);
    assert!((st[0] - want).abs() < 1e-9);
    assert_eq!(st[3], 2.0);
    assert_eq!(st[5], 2.0);
    assert!((env.equity() - want).abs() < 1e-9);
    // account block: position fraction, unrealized, equity
    let acc = obs.len() - 6;
    assert_eq!(obs[acc], 0.5);
    assert!((f64::from(obs[acc + 1]) - want).abs() < 1e-6);
    assert!((f64::from(obs[acc + 2]) - want).abs() < 1e-6);
}

#[test]
fn positions_stay_within_the_limit_and_flatten_closes() {
    let mut env = Env::new(l1(500, 2), cfg(), 0).unwrap();
    run(&mut env, &disc(&[1, 1, 1, 1]));
    assert_eq!(env.position(), 4);
    run(&mut env, &disc(&[2]));
    assert_eq!(env.position(), 2);
    run(&mut env, &disc(&[3]));
    assert_eq!(env.position(), 0);
    run(&mut env, &disc(&[2, 2, 2]));
    assert_eq!(env.position(), -4);
    run(&mut env, &disc(&[0, 0]));
    assert_eq!(env.position(), -4);
}

#[test]
fn the_reward_sums_to_the_episode_pnl_and_fees_are_charged() {
    let c = EnvConfig {
        taker_fee: 0.001,
        tick_value: 0.5,
        pnl_scale: 2.0,
        ..cfg()
    };
    let mut env = Env::new(l1(2_000, 3), c, 9).unwrap();
    let out = run(&mut env, &disc(&[1, 0, 2, 2, 0, 3, 1, 0, 0, 3]));
    let total: f64 = out.iter().map(|o| o.1).sum();
    assert!((total - 2.0 * env.equity()).abs() < 1e-9);
    // gross PnL change minus fees, with the fee a fraction of each fill's notional
    let c0 = EnvConfig {
        tick_value: 0.5,
        pnl_scale: 2.0,
        ..cfg()
    };
    let mut free = Env::new(l1(2_000, 3), c0, 9).unwrap();
    let out0 = run(&mut free, &disc(&[1, 0, 2, 2, 0, 3, 1, 0, 0, 3]));
    let gross: f64 = out0.iter().map(|o| o.1).sum();
    assert!(gross > total, "fees reduce the reward");
    let mut env2 = Env::new(l1(2_000, 3), c, 9).unwrap();
    let mut obs = vec![0f32; env2.obs_dim()];
    let mut st = [0f64; STATE_DIM];
    let before = env2.cursor() - 1;
    let (_, ask, _, _) = env2.data().top(before);
    env2.step(Action::Discrete(1), &mut obs, &mut st).unwrap();
    let want_fee = ask as f64 * 2.0 * 0.5 * 0.001;
    assert!((st[1] - want_fee).abs() < 1e-12);
}

#[test]
fn inventory_penalty_is_quadratic_in_trade_sizes() {
    let c = EnvConfig {
        inventory_penalty: 0.25,
        ..cfg()
    };
    let mut a = Env::new(l1(500, 4), c, 1).unwrap();
    let mut b = Env::new(l1(500, 4), cfg(), 1).unwrap();
    let ra = run(&mut a, &disc(&[1, 1, 0]));
    let rb = run(&mut b, &disc(&[1, 1, 0]));
    let penalties: Vec<f64> = ra.iter().zip(&rb).map(|(x, y)| y.1 - x.1).collect();
    assert!((penalties[0] - 0.25).abs() < 1e-12);
    assert!((penalties[1] - 1.0).abs() < 1e-12);
    assert!((penalties[2] - 1.0).abs() < 1e-12);
}

#[test]
fn differential_sharpe_follows_its_recursion() {
    let c = EnvConfig {
        reward: RewardKind::DifferentialSharpe,
        sharpe_eta: 0.1,
        ..cfg()
    };
    let mut s = Env::new(l1(2_000, 6), c, 2).unwrap();
    let mut p = Env::new(l1(2_000, 6), cfg(), 2).unwrap();
    let acts = disc(&[1, 0, 0, 2, 0, 1, 1, 0, 3, 0, 2, 0, 0, 1, 0]);
    let rs = run(&mut s, &acts);
    let rp = run(&mut p, &acts);
    let (mut a, mut b) = (0.0f64, 0.0f64);
    for (x, y) in rs.iter().zip(&rp) {
        let r = y.1;
        let var = b - a * a;
        let want = if var > 1e-12 {
            (b * (r - a) - 0.5 * a * (r * r - b)) / var.powf(1.5)
        } else {
            0.0
        };
        assert!(
            (x.1 - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{} vs {want}",
            x.1
        );
        a += 0.1 * (r - a);
        b += 0.1 * (r * r - b);
    }
}

#[test]
fn target_actions_trade_the_difference_in_whole_trade_sizes() {
    let c = EnvConfig {
        action: ActionKind::Target,
        ..cfg()
    };
    let mut env = Env::new(l1(500, 7), c, 0).unwrap();
    let t = |x| Action::Continuous(x, 0.0);
    run(&mut env, &[t(1.0)]);
    assert_eq!(env.position(), 4);
    run(&mut env, &[t(-0.3)]);
    assert_eq!(env.position(), -2); // -0.3 * 2 units rounds to -1 unit
    run(&mut env, &[t(-7.0)]);
    assert_eq!(env.position(), -4);
    run(&mut env, &[t(0.1)]);
    assert_eq!(env.position(), 0);
}

#[test]
fn quotes_rest_at_their_offsets_and_fill_when_the_market_crosses() {
    let c = EnvConfig {
        action: ActionKind::Quote,
        max_offset: 4,
        episode_steps: 400,
        ..cfg()
    };
    let d = l1(3_000, 8);
    let mut env = Env::new(d.clone(), c, 5).unwrap();
    let mut obs = vec![0f32; env.obs_dim()];
    let mut st = [0f64; STATE_DIM];
    let row = env.cursor() - 1;
    let (b, a, _, _) = d.top(row);
    // offsets: bid (−1+1)/2*4 = 0 ticks, ask (0+1)/2*4 = 2 ticks
    env.step(Action::Continuous(-1.0, 0.0), &mut obs, &mut st)
        .unwrap();
    let eng = env.exchange().events();
    assert!(eng.is_empty(), "events are drained each step");
    let bid = env.quotes().0.expect("a bid works");
    let ask = env.quotes().1.expect("an ask works");
    assert_eq!((bid.1, ask.1), (b, a + 2));
    // unchanged prices keep the same orders
    let (id_b, id_a) = (bid.0, ask.0);
    let mut filled = 0u64;
    for _ in 0..300 {
        let row = env.cursor() - 1;
        let (b, a, _, _) = d.top(row);
        env.step(Action::Continuous(-1.0, 0.0), &mut obs, &mut st)
            .unwrap();
        filled += st[5] as u64;
        let _ = (b, a);
    }
    assert!(filled > 0, "a random walk crosses resting quotes");
    assert!(env.position().abs() <= 4);
    assert!(id_b != 0 && id_a != 0);
}

#[test]
fn a_quote_left_in_place_keeps_its_id() {
    let c = EnvConfig {
        action: ActionKind::Quote,
        max_offset: 10,
        ..cfg()
    };
    let mut env = Env::new(l1(500, 9), c, 1).unwrap();
    let mut obs = vec![0f32; env.obs_dim()];
    let mut st = [0f64; STATE_DIM];
    // far from the touch: nothing fills, and the price only moves with the data's best
    env.step(Action::Continuous(1.0, 1.0), &mut obs, &mut st)
        .unwrap();
    let mut prev = env.quotes().0.unwrap();
    let mut kept = 0;
    for _ in 0..20 {
        let row = env.cursor() - 1;
        let want = env.data().top(row).0 - 10;
        env.step(Action::Continuous(1.0, 1.0), &mut obs, &mut st)
            .unwrap();
        let now = env.quotes().0.unwrap();
        assert_eq!(now.1, want);
        if now.1 == prev.1 {
            assert_eq!(now.0, prev.0, "an unchanged quote stays");
            kept += 1;
        } else {
            assert_ne!(now.0, prev.0, "a moved quote is a new order");
        }
        prev = now;
    }
    assert!(kept > 0);
    assert_eq!(env.exchange().open_order_ids(0).unwrap().len(), 2);
}

#[test]
fn the_same_seed_gives_the_same_episode_and_others_differ() {
    let d = l1(5_000, 10);
    let acts = disc(&[1, 0, 2, 3, 1, 1, 0, 2, 0, 0, 3, 1]);
    let mut a = Env::new(d.clone(), cfg(), 42).unwrap();
    let mut b = Env::new(d.clone(), cfg(), 42).unwrap();
    assert_eq!(run(&mut a, &acts), run(&mut b, &acts));
    a.reset(None).unwrap();
    b.reset(Some(7)).unwrap();
    b.reset(Some(42)).unwrap();
    b.reset(None).unwrap();
    assert_eq!(a.cursor(), b.cursor());
    assert_eq!(run(&mut a, &acts), run(&mut b, &acts));
    let starts: std::collections::BTreeSet<usize> = (0..20)
        .map(|s| Env::new(d.clone(), cfg(), s).unwrap().cursor())
        .collect();
    assert!(starts.len() > 15, "random starts spread: {starts:?}");
    let (lo, hi) = a.start_range();
    assert!(starts.iter().all(|&s| (lo..=hi).contains(&s)));
}

#[test]
fn episodes_truncate_at_their_length_and_sequential_ones_follow_each_other() {
    let c = EnvConfig {
        random_start: false,
        episode_steps: 10,
        stepping: Stepping::Rows(3),
        ..cfg()
    };
    let mut env = Env::new(l1(100, 11), c, 0).unwrap();
    let first = env.cursor();
    assert_eq!(first, 1);
    let out = run(&mut env, &disc(&[0; 10]));
    assert!(out[..9].iter().all(|o| !o.3));
    assert!(out[9].3 && !out[9].2);
    assert_eq!(env.cursor(), first + 30);
    env.reset(None).unwrap();
    assert_eq!(env.cursor(), first + 30);
    run(&mut env, &disc(&[0; 10]));
    env.reset(None).unwrap();
    assert_eq!(env.cursor(), first + 60);
    run(&mut env, &disc(&[0; 10]));
    // 91 + 30 > 100: back to the start
    env.reset(None).unwrap();
    assert_eq!(env.cursor(), first);
}

#[test]
fn time_stepping_feeds_every_row_up_to_the_step_end() {
    let c = EnvConfig {
        random_start: false,
        episode_steps: 5,
        stepping: Stepping::Nanos(10 * MS),
        ..cfg()
    };
    let d = l1(200, 12);
    let mut env = Env::new(d.clone(), c, 0).unwrap();
    let t0 = d.ts(env.cursor() - 1);
    run(&mut env, &disc(&[0, 0]));
    assert_eq!(d.ts(env.cursor() - 1), t0 + 20 * MS);
    assert_eq!(env.exchange().now(), t0 + 20 * MS);
}

#[test]
fn a_loss_limit_terminates() {
    let c = EnvConfig {
        max_loss: 1.0,
        episode_steps: 1000,
        taker_fee: 0.01,
        ..cfg()
    };
    let mut env = Env::new(l1(5_000, 13), c, 0).unwrap();
    let out = run(&mut env, &disc(&[1, 2, 1, 2, 1, 2]));
    assert!(
        out[0].2,
        "a 1% fee on ~10_000 ticks loses more than 1 at once"
    );
    assert!(!out[0].3);
}

#[test]
fn an_l2_episode_rebuilds_the_book_it_starts_in() {
    let d = l2(3 * CHECKPOINT_ROWS, 14);
    let c = EnvConfig {
        obs: ObsConfig {
            depth: 5,
            window: 2,
            ..ObsConfig::default()
        },
        ..cfg()
    };
    for seed in 0..4 {
        let env = Env::new(d.clone(), c, seed).unwrap();
        let start = env.cursor();
        let mut book = L2Book::new();
        let (ts, sd, ac, px, sz) = l2_columns(3 * CHECKPOINT_ROWS, 14);
        for r in 0..start {
            book.apply(sd[r], ac[r], px[r], sz[r]).unwrap();
        }
        let _ = ts;
        let depth = |b: &L2Book, side| b.depth(side, 5);
        assert_eq!(
            depth(env.depth_book(), crate::book::Side::Buy),
            depth(&book, crate::book::Side::Buy)
        );
        assert_eq!(
            depth(env.depth_book(), crate::book::Side::Sell),
            depth(&book, crate::book::Side::Sell)
        );
        // the exchange shows the same top of book
        let mut ex_env = Env::new(d.clone(), c, seed).unwrap();
        let bb = ex_env.exchange_mut().best_bid(0).unwrap().map(|x| x.0);
        assert_eq!(bb, book.best_bid().map(|x| x.0));
        let _ = &mut ex_env;
    }
}

#[test]
fn l2_observations_show_the_depth_levels() {
    let d = l2(2_000, 15);
    let c = EnvConfig {
        obs: ObsConfig {
            depth: 3,
            window: 0,
            trades: 0,
            account: false,
            time: false,
            stride: 1,
        },
        size_scale: 1.0,
        ..cfg()
    };
    let mut env = Env::new(d.clone(), c, 3).unwrap();
    let mut obs = vec![0f32; 12];
    let mut st = [0f64; STATE_DIM];
    env.step(Action::Discrete(0), &mut obs, &mut st).unwrap();
    let row = env.cursor() - 1;
    let (b, a, _, _) = d.top(row);
    let mid = (b + a) as f32 / 2.0;
    let bids = env.depth_book().depth(crate::book::Side::Buy, 3);
    let asks = env.depth_book().depth(crate::book::Side::Sell, 3);
    for k in 0..3 {
        assert_eq!(obs[2 * k], mid - bids[k].0 as f32);
        assert_eq!(obs[2 * k + 1], bids[k].1 as f32);
        assert_eq!(obs[6 + 2 * k], asks[k].0 as f32 - mid);
        assert_eq!(obs[6 + 2 * k + 1], asks[k].1 as f32);
    }
}

#[test]
fn trades_and_windows_are_observed_newest_first() {
    let ts: Vec<i64> = (0..40).map(|i| T0 + i * MS).collect();
    let bid: Vec<i64> = (0..40).map(|i| 100 + i).collect();
    let ask: Vec<i64> = bid.iter().map(|b| b + 2).collect();
    let sz = vec![5u64; 40];
    let tts = [T0 + 5 * MS + 1, T0 + 7 * MS + 1];
    let d = Arc::new(
        MarketData::from_quotes(
            &ts,
            &bid,
            &ask,
            &sz,
            &sz,
            Some((&tts, &[106, 107], &[2, 3], &[1, 2])),
        )
        .unwrap(),
    );
    let c = EnvConfig {
        random_start: false,
        episode_steps: 5,
        obs: ObsConfig {
            depth: 0,
            window: 3,
            stride: 2,
            trades: 3,
            account: false,
            time: false,
        },
        size_scale: 1.0,
        ..cfg()
    };
    let mut env = Env::new(d, c, 0).unwrap();
    let mut obs = vec![0f32; 12 + 9];
    let mut st = [0f64; STATE_DIM];
    // rows: q0..q5 (0-5), t0 (6), q6 (7), q7 (8), t1 (9), q8 (10), ...
    // the first episode starts after row 0; the second where it stopped
    for _ in 0..4 {
        env.step(Action::Discrete(0), &mut obs, &mut st).unwrap();
    }
    env.reset(None).unwrap();
    assert_eq!(env.cursor(), 5);
    let mut last = None;
    for _ in 0..5 {
        last = Some(env.step(Action::Discrete(0), &mut obs, &mut st).unwrap());
    }
    assert!(last.unwrap().truncated);
    assert_eq!(env.cursor(), 10);
    // row 9 is trade t1; the top is still q7's 107/109 (mid 108)
    assert_eq!(&obs[..4], &[0.0, 2.0, 5.0, 5.0]);
    assert_eq!(&obs[4..8], &[-1.0, 2.0, 5.0, 5.0]); // row 7: q6, 106/108
    assert_eq!(&obs[8..12], &[-2.0, 2.0, 5.0, 5.0]); // row 5: q5, 105/107
    let trades = &obs[12..];
    assert_eq!(&trades[..3], &[-1.0, -3.0, 0.0]); // t1: 107, seller, now
    assert_eq!(trades[3..5], [-2.0, 2.0]); // t0: 106, buyer
    assert!((trades[5] - 0.002).abs() < 1e-7);
    assert_eq!(&trades[6..], &[0.0, 0.0, 0.0]);
}

// ----- vector ---------------------------------------------------------------------------

fn outputs(
    n: usize,
    dim: usize,
) -> (
    Vec<f32>,
    Vec<f64>,
    Vec<bool>,
    Vec<bool>,
    Vec<f64>,
    Vec<f32>,
    Vec<bool>,
) {
    (
        vec![0.0; n * dim],
        vec![0.0; n],
        vec![false; n],
        vec![false; n],
        vec![0.0; n * STATE_DIM],
        vec![0.0; n * dim],
        vec![false; n],
    )
}

macro_rules! out {
    ($b:expr) => {
        Outputs {
            obs: &mut $b.0,
            reward: &mut $b.1,
            terminated: &mut $b.2,
            truncated: &mut $b.3,
            state: &mut $b.4,
            final_obs: &mut $b.5,
            final_mask: &mut $b.6,
        }
    };
}

#[test]
fn a_vector_env_equals_single_envs_with_next_step_autoreset() {
    let d = l1(3_000, 16);
    let c = EnvConfig {
        episode_steps: 7,
        ..cfg()
    };
    let n = 5;
    let mut v = VecEnv::new(&d, c, n, 100, Autoreset::NextStep).unwrap();
    let dim = v.obs_dim();
    let mut b = outputs(n, dim);
    let seeds: Vec<Option<u64>> = (0..n as u64).map(|i| Some(100 + i)).collect();
    v.reset(&seeds, None, &mut out!(b)).unwrap();
    let mut singles: Vec<Env> = (0..n)
        .map(|i| Env::new(d.clone(), c, 100 + i as u64).unwrap())
        .collect();
    let mut pending = vec![false; n];
    let s = SplitMixStream::new(1, 1);
    for t in 0..40u64 {
        let acts: Vec<i64> = (0..n as u64)
            .map(|i| s.below(t * 8 + i, 4) as i64)
            .collect();
        v.step(Actions::Discrete(&acts), &mut out!(b)).unwrap();
        for i in 0..n {
            let mut obs = vec![0f32; dim];
            let mut st = [0f64; STATE_DIM];
            let (r, te, tr) = if pending[i] {
                singles[i].reset(None).unwrap();
                singles[i].observe(&mut obs);
                pending[i] = false;
                (0.0, false, false)
            } else {
                let o = singles[i]
                    .step(Action::Discrete(acts[i]), &mut obs, &mut st)
                    .unwrap();
                pending[i] = o.terminated || o.truncated;
                (o.reward, o.terminated, o.truncated)
            };
            assert_eq!(
                &b.0[i * dim..(i + 1) * dim],
                &obs[..],
                "obs of env {i} at {t}"
            );
            assert_eq!((b.1[i], b.2[i], b.3[i]), (r, te, tr), "env {i} at {t}");
        }
    }
}

#[test]
fn same_step_autoreset_keeps_the_final_observation() {
    let d = l1(3_000, 17);
    let c = EnvConfig {
        episode_steps: 4,
        ..cfg()
    };
    let n = 3;
    let mut v = VecEnv::new(&d, c, n, 5, Autoreset::SameStep).unwrap();
    let dim = v.obs_dim();
    let mut b = outputs(n, dim);
    let seeds: Vec<Option<u64>> = (0..n as u64).map(|i| Some(5 + i)).collect();
    v.reset(&seeds, None, &mut out!(b)).unwrap();
    let mut singles: Vec<Env> = (0..n)
        .map(|i| Env::new(d.clone(), c, 5 + i as u64).unwrap())
        .collect();
    for t in 0..12 {
        let acts = vec![(t % 4) as i64; n];
        v.step(Actions::Discrete(&acts), &mut out!(b)).unwrap();
        for i in 0..n {
            let mut obs = vec![0f32; dim];
            let mut st = [0f64; STATE_DIM];
            let o = singles[i]
                .step(Action::Discrete(acts[i]), &mut obs, &mut st)
                .unwrap();
            assert_eq!(b.1[i], o.reward);
            assert_eq!(b.4[i * STATE_DIM..(i + 1) * STATE_DIM], st);
            if o.truncated {
                assert!(b.6[i]);
                assert_eq!(&b.5[i * dim..(i + 1) * dim], &obs[..]);
                singles[i].reset(None).unwrap();
                singles[i].observe(&mut obs);
            } else {
                assert!(!b.6[i]);
            }
            assert_eq!(&b.0[i * dim..(i + 1) * dim], &obs[..]);
        }
    }
}

#[test]
fn disabled_autoreset_refuses_to_step_an_ended_env_until_it_is_reset() {
    let d = l1(1_000, 18);
    let c = EnvConfig {
        episode_steps: 2,
        ..cfg()
    };
    let mut v = VecEnv::new(&d, c, 2, 0, Autoreset::Disabled).unwrap();
    let dim = v.obs_dim();
    let mut b = outputs(2, dim);
    v.reset(&[None, None], None, &mut out!(b)).unwrap();
    v.step(Actions::Discrete(&[0, 0]), &mut out!(b)).unwrap();
    v.step(Actions::Discrete(&[0, 0]), &mut out!(b)).unwrap();
    assert_eq!(&b.3, &[true, true]);
    let e = v
        .step(Actions::Discrete(&[0, 0]), &mut out!(b))
        .unwrap_err();
    assert_eq!(e.field, "reset_mask");
    v.reset(&[None, None], Some(&[true, false]), &mut out!(b))
        .unwrap();
    assert!(v.step(Actions::Discrete(&[0, 0]), &mut out!(b)).is_err());
    v.reset(&[None, None], Some(&[false, true]), &mut out!(b))
        .unwrap();
    v.step(Actions::Discrete(&[0, 0]), &mut out!(b)).unwrap();
}

#[test]
fn a_bad_action_changes_nothing() {
    let d = l1(1_000, 19);
    let mut v = VecEnv::new(&d, cfg(), 3, 0, Autoreset::NextStep).unwrap();
    let dim = v.obs_dim();
    let mut b = outputs(3, dim);
    v.reset(&[None, None, None], None, &mut out!(b)).unwrap();
    let before: Vec<usize> = (0..3).map(|i| v.env(i).cursor()).collect();
    let e = v
        .step(Actions::Discrete(&[1, 1, 9]), &mut out!(b))
        .unwrap_err();
    assert_eq!(e.field, "action[2]");
    let after: Vec<usize> = (0..3).map(|i| v.env(i).cursor()).collect();
    assert_eq!(before, after);
    assert!(
        v.step(Actions::Continuous(&[0.0, 0.0, 0.0]), &mut out!(b))
            .is_err()
    );
}

#[test]
fn configurations_are_checked() {
    let d = l1(100, 20);
    let bad = |c: EnvConfig| Env::new(d.clone(), c, 0).unwrap_err().field;
    assert_eq!(
        bad(EnvConfig {
            trade_size: 0,
            ..cfg()
        }),
        "trade_size"
    );
    assert_eq!(
        bad(EnvConfig {
            max_position: 3,
            ..cfg()
        }),
        "max_position"
    );
    assert_eq!(
        bad(EnvConfig {
            episode_steps: 1_000,
            ..cfg()
        }),
        "episode_steps"
    );
    assert_eq!(
        bad(EnvConfig {
            tick_value: 0.0,
            ..cfg()
        }),
        "tick_value"
    );
    assert_eq!(
        bad(EnvConfig {
            sharpe_eta: 1.0,
            ..cfg()
        }),
        "sharpe_eta"
    );
    let deep = EnvConfig {
        obs: ObsConfig {
            depth: 2,
            ..ObsConfig::default()
        },
        ..cfg()
    };
    assert_eq!(bad(deep), "depth");
    let none = EnvConfig {
        obs: ObsConfig {
            depth: 0,
            window: 0,
            trades: 0,
            account: false,
            time: false,
            stride: 1,
        },
        ..cfg()
    };
    assert_eq!(bad(none), "observation");
    assert_eq!(BookType::L1, d.book_type());
}

/// Not a test of behaviour: prints steps per second of the core (release builds only mean
/// anything). `cargo test --release -p lyra-engine rl::tests::speed -- --ignored --nocapture`
#[test]
#[ignore = "timing probe"]
fn speed() {
    let d = l1(1_000_000, 42);
    for (name, kind) in [
        ("discrete", ActionKind::Discrete),
        ("quote", ActionKind::Quote),
    ] {
        let c = EnvConfig {
            action: kind,
            trade_size: 10,
            max_position: 10,
            episode_steps: 1_000,
            ..EnvConfig::default()
        };
        let n = 64;
        let mut v = VecEnv::new(&d, c, n, 0, Autoreset::NextStep).unwrap();
        let dim = v.obs_dim();
        let mut b = outputs(n, dim);
        v.reset(&vec![None; n], None, &mut out!(b)).unwrap();
        let s = SplitMixStream::new(3, 3);
        let steps = 40_000u64;
        let da: Vec<Vec<i64>> = (0..64)
            .map(|t| {
                (0..n as u64)
                    .map(|i| s.below(t * 100 + i, 4) as i64)
                    .collect()
            })
            .collect();
        let ca: Vec<Vec<f32>> = (0..64)
            .map(|t| {
                (0..2 * n as u64)
                    .map(|i| s.uniform(t * 1000 + i) as f32 * 2.0 - 1.0)
                    .collect()
            })
            .collect();
        let t0 = std::time::Instant::now();
        for t in 0..steps {
            let k = (t % 64) as usize;
            let a = if kind == ActionKind::Discrete {
                Actions::Discrete(&da[k])
            } else {
                Actions::Continuous(&ca[k])
            };
            v.step(a, &mut out!(b)).unwrap();
        }
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{name} random: {:.0} env-steps/s",
            (steps * n as u64) as f64 / dt
        );
    }
}
