//! Reinforcement-learning environments over the simulated exchange: the Rust core of
//! `lyra.rl.TradingEnv` and `lyra.rl.VectorTradingEnv`.
//!
//! * [`MarketData`] — one instrument's quotes (L1) or level deltas (L2), merged with its
//!   trades, held once as columns and shared by every environment (`Arc`).
//! * [`Env`] — one environment: an [`Exchange`](crate::exchange::Exchange) replaying the
//!   data, an account (position, cash, fees), and a step that turns an action into orders,
//!   feeds the market forward, settles the fills, computes a built-in reward and writes
//!   the observation into a caller's buffer.
//! * [`VecEnv`] — many environments stepped in one call, with gymnasium's autoreset
//!   modes ([`Autoreset`]).
//!
//! # One step
//!
//! 1. The action becomes orders sent at the exchange's time ([`ActionKind`]): market
//!    orders towards a position (discrete or target), or post-only quotes at offsets from
//!    the data's best prices. Without latency they act at once, on the book the agent saw.
//! 2. The market moves: the next `step_rows` rows, or every row up to `step_ns` later.
//! 3. Fills update position, cash (integer ticks × lots) and fees (maker / taker rates of
//!    the notional); the account is marked to the data's mid.
//! 4. The reward ([`RewardKind`]) is the change of that PnL (before or after fees) or the
//!    differential Sharpe ratio, minus an inventory penalty.
//! 5. The observation ([`ObsConfig`]) is written: book levels, a window of past
//!    top-of-book snapshots, recent trades, the account, time features.
//!
//! Episodes start at a seeded random row or follow one another through the data; the
//! same data, configuration, seed and actions give the same results, bit for bit.
//! `docs/explanation/rl-environments.md` describes the design.

// Money and observations are floats by definition; prices, sizes and counts far below
// 2**52 convert exactly. "PnL" is the domain's word, not an identifier.
#![allow(
    clippy::cast_precision_loss,
    clippy::doc_markdown,
    clippy::many_single_char_names
)]

mod config;
mod data;
mod env;
mod vec;

pub use config::{ActionKind, Autoreset, EnvConfig, MAX_BLOCK, ObsConfig, RewardKind, Stepping};
pub use data::{CHECKPOINT_ROWS, MarketData, ROW_DELTA, ROW_QUOTE, ROW_TRADE, TradeColumns};
pub use env::{Action, Env, OBS_BOUND, QuoteRef, STATE_COLUMNS, STATE_DIM, StepOut};
pub use vec::{Actions, Outputs, VecEnv};

#[cfg(test)]
mod tests;
