//! Lyra's engine: the pure-Rust core behind the `lyra` Python package.
//!
//! This crate holds no Python types. The `lyra-python` crate wraps it with pyo3 and
//! exposes it as `lyra._native`; everything here is usable (and tested) from plain Rust,
//! so later pieces — matching, replay, backtests on several threads — can build on it
//! without the interpreter.
//!
//! * [`fixed`] — Lyra's fixed-point convention (9 decimals in an `i64`/`u64`), exact
//!   decimal parsing and formatting, and conversion between raw values and ticks.
//! * [`book`] — order books on integer ticks and lots; [`book::L2Book`] is the
//!   market-by-price book.
//! * [`matching`] — the L3 book and price-time matching engine of one instrument.
//! * [`models`] — auction uncross, queue position, latency, fees, random numbers.
//! * [`exchange`] — the simulated exchange: instruments moved by market data, traders'
//!   orders matched against it with latency, expiry and contingencies.
//! * [`replay`] — many data streams merged by time into several exchanges.

pub mod book;
pub mod exchange;
pub mod fixed;
pub mod matching;
pub mod models;
pub mod replay;
pub mod rl;

pub use book::{BatchError, DeltaError, L2Book};
pub use fixed::{FIXED_PRECISION, FIXED_SCALAR, FixedError, Rounding};
