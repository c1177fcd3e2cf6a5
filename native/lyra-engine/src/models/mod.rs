//! Models the simulated exchange is built from: call auctions, queue position, latency,
//! fees, and the deterministic random numbers behind them.
//!
//! Each model is free-standing — plain functions and small value types on integer
//! prices (ticks, `i64`), sizes (lots, `u64`) and times (nanoseconds) — so the matching
//! engine, a backtest loop or a test can use any one of them alone.
//!
//! * [`auction`] — [`uncross`]: the clearing price of an opening/closing call auction
//!   (maximum volume, then smallest imbalance, then nearest the reference price) and the
//!   per-order allocation.
//! * [`queue`] — [`QueuePosition`]: where our resting order sits in an L2 level's queue,
//!   under a [`QueueModel`] of where cancellations come from.
//! * [`latency`] — [`LatencyModel`] (per-command delays with deterministic jitter) and
//!   [`CommandQueue`] (commands in flight, popped in arrival order).
//! * [`fees`] — [`FeeModel`]: maker/taker rates in parts per billion and a fixed part per
//!   fill, exact integer arithmetic rounded in the venue's favour.
//! * [`rng`] — [`SplitMixStream`]: the counter-based `SplitMix64` generator shared with
//!   Lyra's benchmark data.
//!
//! `docs/explanation/simulation-models.md` explains the rules with worked examples.

pub mod auction;
pub mod fees;
pub mod latency;
pub mod queue;
pub mod rng;

pub use auction::{AuctionFill, AuctionOrder, Imbalance, NoUncross, Uncross, uncross};
pub use fees::{FeeModel, FeeOverflow, FeeRate, Liquidity};
pub use latency::{CommandKind, CommandQueue, Jitter, LatencyModel};
pub use queue::{QueueModel, QueuePosition};
pub use rng::SplitMixStream;
