//! Throughput of the matching engine on a limit / cancel / market mix.
//!
//! Run with `cargo run --release --example match_bench` (from `native/`). Prints, per
//! scenario, the operations (submits and cancels) processed per second, best of five.
//! The order flow comes from a fixed-seed generator, so every run replays the same flow.

#![allow(
    clippy::cast_precision_loss,
    reason = "rates are printed as floats; counts stay far below 2^52"
)]

use std::time::{Duration, Instant};

use lyra_engine::book::Side;
use lyra_engine::matching::{Event, MatchingEngine, OrderRequest};

/// xorshift64*: a tiny deterministic generator, good enough for an order flow.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Ids kept for cancelling (some already filled: their cancel is refused, which is part
/// of the mix); past this the flow cancels instead of adding.
const MAX_LIVE: usize = 20_000;

struct Mix {
    name: &'static str,
    /// Out of 100: limit submits, cancels; the rest are market orders.
    limit: u64,
    cancel: u64,
    /// Limit prices are drawn within this many ticks of the mid, on the passive side
    /// mostly, with some crossing.
    spread: u64,
}

struct Outcome {
    ops: u64,
    fills: u64,
    elapsed: Duration,
}

fn run(mix: &Mix, ops: u64, seed: u64) -> Outcome {
    let mut rng = Rng(seed);
    let mut engine = MatchingEngine::default();
    let mut out: Vec<Event> = Vec::with_capacity(1024);
    let mut live: Vec<u64> = Vec::with_capacity(1 << 16);
    let mut next_id = 0u64;
    let mut fills = 0u64;
    let mid = 100_000i64;
    // Warm the book with resting orders on both sides.
    for i in 0..2_000 {
        next_id += 1;
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let off = 1 + rng.below(mix.spread) as i64;
        let price = if side == Side::Buy {
            mid - off
        } else {
            mid + off
        };
        let r = OrderRequest::limit(next_id, side, price, 1 + rng.below(10))
            .account(next_id as u32 % 64);
        engine.submit(&r, &mut out);
        live.push(next_id);
    }
    out.clear();
    let start = Instant::now();
    for _ in 0..ops {
        let roll = rng.below(100);
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        next_id += 1;
        // Keep the book near its working size: past it, a limit submit becomes a cancel.
        let roll = if roll < mix.limit && live.len() >= MAX_LIVE {
            mix.limit
        } else {
            roll
        };
        if roll < mix.limit {
            // A fifth of limits cross by up to two ticks; the rest rest behind the touch.
            let off = rng.below(mix.spread) as i64;
            let off = if rng.below(5) == 0 {
                -(off % 3)
            } else {
                1 + off
            };
            let price = if side == Side::Buy {
                mid - off
            } else {
                mid + off
            };
            let r = OrderRequest::limit(next_id, side, price, 1 + rng.below(10))
                .account(next_id as u32 % 64);
            engine.submit(&r, &mut out);
            live.push(next_id);
        } else if roll < mix.limit + mix.cancel && !live.is_empty() {
            let i = rng.below(live.len() as u64) as usize;
            let id = live.swap_remove(i);
            engine.cancel(id, &mut out);
        } else {
            let r =
                OrderRequest::market(next_id, side, 1 + rng.below(8)).account(next_id as u32 % 64);
            engine.submit(&r, &mut out);
        }
        fills += out
            .iter()
            .filter(|e| matches!(e, Event::Filled { .. }))
            .count() as u64;
        out.clear();
    }
    let elapsed = start.elapsed();
    std::hint::black_box(&engine);
    Outcome {
        ops,
        fills,
        elapsed,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let ops = if quick { 200_000 } else { 2_000_000 };
    let mixes = [
        Mix {
            name: "limit 60 / cancel 30 / market 10, 20-tick band",
            limit: 60,
            cancel: 30,
            spread: 20,
        },
        Mix {
            name: "limit 50 / cancel 45 / market 5, 200-tick band",
            limit: 50,
            cancel: 45,
            spread: 200,
        },
        Mix {
            name: "limit 40 / cancel 20 / market 40, 10-tick band",
            limit: 40,
            cancel: 20,
            spread: 10,
        },
    ];
    for mix in &mixes {
        let best = (0..5)
            .map(|_| run(mix, ops, 0x9E37_79B9_7F4A_7C15))
            .min_by_key(|o| o.elapsed)
            .expect("five runs");
        let secs = best.elapsed.as_secs_f64();
        println!(
            "{:<48} {:>14.0} ops/s  ({} ops, {} fills, {:.1} ns/op)",
            mix.name,
            best.ops as f64 / secs,
            best.ops,
            best.fills,
            secs * 1e9 / best.ops as f64,
        );
    }
}
