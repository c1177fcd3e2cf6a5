//! The error type of the fixed-point functions.

use std::fmt;

/// Why a fixed-point parse, format or conversion failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixedError {
    /// The text to parse was empty.
    Empty,
    /// A digit was expected at byte offset `pos` (after a sign, or after the point).
    MissingDigit {
        /// Byte offset where the digit was expected.
        pos: usize,
    },
    /// A character that has no place in a decimal number.
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its byte offset in the text.
        pos: usize,
    },
    /// More decimal places than [`FIXED_PRECISION`](super::FIXED_PRECISION).
    TooManyDecimals {
        /// How many decimal places the text had.
        decimals: usize,
    },
    /// The value does not fit the raw integer type.
    Overflow,
    /// A negative value where only non-negative ones are allowed (quantities).
    Negative,
    /// A display precision outside `0..=9`.
    PrecisionOutOfRange {
        /// The precision asked for.
        precision: u8,
    },
    /// The raw value has non-zero digits beyond the display precision asked for, so it
    /// cannot be written exactly at that precision.
    Inexact {
        /// The raw value.
        raw: i128,
        /// The display precision asked for.
        precision: u8,
    },
    /// A tick size that is zero or negative.
    InvalidTick {
        /// The tick size, in raw units.
        tick: i64,
    },
    /// The raw value is not a whole number of ticks and no rounding mode was given.
    NotMultipleOfTick {
        /// The raw value.
        raw: i64,
        /// The tick size, in raw units.
        tick: i64,
    },
}

impl fmt::Display for FixedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty text is not a number"),
            Self::MissingDigit { pos } => write!(f, "expected a digit at offset {pos}"),
            Self::InvalidChar { ch, pos } => write!(f, "invalid character {ch:?} at offset {pos}"),
            Self::TooManyDecimals { decimals } => write!(
                f,
                "{decimals} decimal places, at most {} allowed",
                super::FIXED_PRECISION
            ),
            Self::Overflow => f.write_str("value out of the raw integer range"),
            Self::Negative => f.write_str("value must not be negative"),
            Self::PrecisionOutOfRange { precision } => {
                write!(f, "precision {precision} outside 0..=9")
            }
            Self::Inexact { raw, precision } => {
                write!(f, "raw value {raw} has digits beyond precision {precision}")
            }
            Self::InvalidTick { tick } => write!(f, "tick size {tick} must be positive"),
            Self::NotMultipleOfTick { raw, tick } => {
                write!(
                    f,
                    "raw value {raw} is not a multiple of the tick size {tick}"
                )
            }
        }
    }
}

impl std::error::Error for FixedError {}
