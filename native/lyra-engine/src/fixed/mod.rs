//! Lyra's fixed-point convention.
//!
//! A decimal value is stored as a *raw* integer equal to the value times
//! [`FIXED_SCALAR`] (10^9), so every value with up to [`FIXED_PRECISION`] (9) decimal
//! places is exact and arithmetic on raws is plain integer arithmetic:
//!
//! * prices (which may be negative) are raw `i64`: ±9,223,372,036.854775807;
//! * quantities are raw `u64`: up to 18,446,744,073.709551615.
//!
//! Books and the matching engine do not work on raws directly but on *ticks* (a price
//! divided by the instrument's tick size) and *lots* (a quantity divided by its lot
//! size); [`raw_to_ticks`] and [`ticks_to_raw`] convert between the two.
//!
//! Parsing and formatting never go through floating point. Every failure is a
//! [`FixedError`] that says what was wrong.

mod error;
mod format;
mod parse;
mod ticks;

pub use error::FixedError;
pub use format::{format_raw, format_raw_unsigned};
pub use parse::{parse_raw, parse_raw_unsigned};
pub use ticks::{Rounding, raw_to_ticks, ticks_to_raw};

/// Number of decimal places a raw value carries.
pub const FIXED_PRECISION: u8 = 9;

/// `10^FIXED_PRECISION`: the raw value of `1`.
pub const FIXED_SCALAR: i64 = 1_000_000_000;

/// [`FIXED_SCALAR`] as `u64`, for quantities.
pub(crate) const SCALAR_U64: u64 = FIXED_SCALAR as u64;

/// `POW10[k] == 10^k` for `k` in `0..=9`.
pub(crate) const POW10: [u64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];
