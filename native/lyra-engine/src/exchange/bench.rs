//! Fixed-seed workloads for timing the exchange from one call (the benchmarks of
//! `lyra._native` use them, so the whole loop runs in Rust).

use std::time::{Duration, Instant};

use crate::book::Side;
use crate::matching::OrderRequest;

use super::core::{Exchange, ExchangeConfig};
use super::event::EventKind;
use super::input::BookType;

/// xorshift64*: a tiny deterministic generator for an order flow.
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

/// Ids kept for cancelling; past this the flow cancels instead of adding.
const MAX_LIVE: usize = 20_000;

/// What [`matching_mix`] measured.
#[derive(Debug, Clone, Copy)]
pub struct MixOutcome {
    /// Commands processed (submits and cancels) in the timed part.
    pub ops: u64,
    /// Fill events among them (two per match between traders).
    pub fills: u64,
    /// Time of the timed part.
    pub elapsed: Duration,
}

/// Run `ops` commands of a limit 60 / cancel 30 / market 10 mix in a 20-tick band
/// (a fifth of the limits cross by up to two ticks) through an [`Exchange`] with one L3
/// instrument, zero latency and no market data: each command is sent and then delivered
/// with [`Exchange::advance`], and the events are drained. The flow is a function of
/// `seed` only. The book is warmed with 2,000 resting orders first (not timed).
#[must_use]
pub fn matching_mix(ops: u64, seed: u64) -> MixOutcome {
    let mut rng = Rng(seed | 1);
    let mut ex = Exchange::new(ExchangeConfig::default());
    let inst = ex.add_instrument(BookType::L3);
    let mut live: Vec<u64> = Vec::with_capacity(1 << 16);
    let mut next_id = 0u64;
    let mid = 100_000i64;
    let mut t = 0i64;
    for i in 0..2_000 {
        next_id += 1;
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let off = 1 + rng.below(20) as i64;
        let price = if side == Side::Buy {
            mid - off
        } else {
            mid + off
        };
        let r = OrderRequest::limit(next_id, side, price, 1 + rng.below(10))
            .account(next_id as u32 % 64);
        ex.submit_request(t, inst, r, true);
        live.push(next_id);
    }
    let _ = ex.advance(t);
    ex.drain();
    let mut fills = 0u64;
    let start = Instant::now();
    for _ in 0..ops {
        t += 1;
        let roll = rng.below(100);
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        next_id += 1;
        let roll = if roll < 60 && live.len() >= MAX_LIVE {
            60
        } else {
            roll
        };
        if roll < 60 {
            let off = rng.below(20) as i64;
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
            ex.submit_request(t, inst, r, true);
            live.push(next_id);
        } else if roll < 90 && !live.is_empty() {
            let i = rng.below(live.len() as u64) as usize;
            let id = live.swap_remove(i);
            let _ = ex.cancel(t, inst, id);
        } else {
            let r =
                OrderRequest::market(next_id, side, 1 + rng.below(8)).account(next_id as u32 % 64);
            ex.submit_request(t, inst, r, true);
        }
        let _ = ex.advance(t);
        fills += ex.drain().filter(|e| e.kind == EventKind::Filled).count() as u64;
    }
    MixOutcome {
        ops,
        fills,
        elapsed: start.elapsed(),
    }
}
