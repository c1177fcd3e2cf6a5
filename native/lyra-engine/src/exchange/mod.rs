//! The simulated exchange: several instruments whose markets move with replayed data
//! (L1 quotes, L2 level deltas, L3 order deltas, trades), on which traders' orders
//! match — against that data and against each other — with latency, GTD/DAY expiry,
//! positions for reduce-only, and native OCO / OUO / OTO contingencies.
//!
//! [`Exchange`] is the whole of it, in plain Rust; `lyra._native.SimCore` is its Python
//! face. Prices are integer ticks, sizes integer lots, times integer nanoseconds, and
//! the codes of every enum are those of `lyra.model.enums`.
//!
//! # How data and orders meet
//!
//! Each instrument has one [`MatchingEngine`](crate::matching::MatchingEngine) whose
//! price-time FIFO queues hold the traders' orders *and* the market data, as entries of
//! [`MARKET_ACCOUNT`](crate::matching::MARKET_ACCOUNT) (see [`crate::matching::data`]):
//!
//! * **L1** (`L1_MBP`): each quote sets the data at the best bid and ask. A marketable
//!   order takes the displayed size and the rest follows the engine's out-of-liquidity
//!   rule. A resting order fills completely when a quote's opposite price is strictly
//!   through its price, fills from the displayed size when the opposite price equals
//!   it, and queues behind the displayed size when it is level with its own side.
//! * **L2** (`L2_MBP`): each level's size is data in the level's queue; an increase
//!   joins the back, a decrease is first the trades since the last change and then
//!   cancellations, taken from the queue by the [`QueueModel`](crate::models::QueueModel)
//!   — the same rules as [`QueuePosition`](crate::models::QueuePosition). What traders
//!   take stays taken until the feed reports more.
//! * **L3** (`L3_MBO`): each data order is an entry with its own queue position.
//! * **Trades** set the last price and reach resting orders: completely at prices the
//!   trade went through, front of the queue first at its price.
//!
//! Commands (submit, cancel, modify, cancel-all) arrive after their latency and act
//! when time reaches them. Events accumulate in order and are drained by the caller.
//!
//! `docs/explanation/simulated-exchange.md` describes every rule with examples.

mod core;
mod event;
mod input;
mod venue;

pub mod bench;

pub use self::core::{Exchange, ExchangeConfig, MAX_DATA_LOTS};
pub use event::{EventKind, ExEvent, MAKER, Reason, TAKER, reason_text};
pub use input::{
    BookType, InputError, SIDE_RULE, SubmitArgs, aggressor, link_kind, queue_model, self_trade,
    side,
};

#[cfg(test)]
mod tests;
