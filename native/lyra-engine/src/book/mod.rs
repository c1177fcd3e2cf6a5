//! Order books on integer prices (ticks, `i64`) and sizes (lots, `u64`).
//!
//! # Conventions
//!
//! Books never see decimals: a price is a whole number of ticks of the instrument's
//! tick size and a size a whole number of lots (see [`crate::fixed`] for converting raw
//! fixed-point values). Any `i64` price works, negative ones included.
//!
//! A *delta* is `(side, action, price, size)` with the same codes as
//! `NautilusTrader`'s `OrderSide` / `BookAction` and Lyra's synthetic data:
//!
//! | code | side | | code | action |
//! |---|---|---|---|---|
//! | 0 | [`NO_SIDE`] (only with `CLEAR`) | | 1 | [`ADD`] |
//! | 1 | [`BUY`]: bids | | 2 | [`UPDATE`] |
//! | 2 | [`SELL`]: asks | | 3 | [`DELETE`] |
//! | | | | 4 | [`CLEAR`] |
//!
//! [`L2Book`] is the market-by-price book; its semantics are documented there.

mod delta;
mod l2;
mod ladder;

pub use delta::{
    ADD, Action, BUY, BatchError, CLEAR, DELETE, DeltaError, NO_SIDE, SELL, Side, UPDATE,
};
pub use l2::{DEFAULT_MAX_WINDOW, L2Book, Levels};
