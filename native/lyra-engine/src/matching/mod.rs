//! The matching core: an L3 (market-by-order) book and price-time matching.
//!
//! Everything here works on integer ticks (`i64` prices) and lots (`u64` quantities),
//! like [`crate::book`]. The engine is plain synchronous code with no clock of its own
//! and no randomness: the caller drives time ([`MatchingEngine::advance`]) and every
//! call appends what happened, in order, to a caller-provided `Vec<Event>`. The same
//! calls therefore always produce the same events.
//!
//! * [`MatchingEngine`] — submit, cancel, modify; time in force, post-only,
//!   reduce-only, icebergs, self-trade prevention, stop / if-touched / trailing orders.
//! * [`L3Book`] — the resting orders: a FIFO queue per price level, O(1) cancel by id,
//!   and the displayed depth as an [`L2Book`](crate::book::L2Book).
//! * [`OrderRequest`] — what a caller submits; [`Event`] — what comes back.
//! * [`data`] — market-data liquidity in the same book, for a simulated exchange that
//!   replays other traders' quotes, depth and trades against its own traders' orders.
//! * [`link`] — OCO and OUO groups, applied inside the engine as fills happen.
//!
//! The semantics (what happens when a market order runs out of liquidity, how modify
//! treats priority, how self-trades are prevented, …) are documented on
//! [`MatchingEngine`] and in `docs/explanation/matching.md`.

pub mod data;
mod engine;
mod event;
mod hash;
mod l3;
pub mod link;
mod order;
mod trigger;
mod walk;

pub use data::MARKET_ACCOUNT;
pub use engine::{EngineConfig, MatchingEngine, SelfTradePrevention};
pub use event::{CancelReason, Event, RejectReason};
pub(crate) use hash::FastMap;
pub use l3::{L3Book, Queue};
pub use link::{GroupNote, LinkKind};
pub use order::{
    OrderKind, OrderRequest, OrderState, OrderView, TimeInForce, TrailingOffset, TriggerType,
};

#[cfg(test)]
mod tests;
