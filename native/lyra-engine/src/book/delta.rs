//! Side and action codes of book deltas, and their validation.

use std::fmt;

/// Side code of a delta that applies to the whole book (only valid with [`CLEAR`]).
pub const NO_SIDE: u8 = 0;
/// Side code of the bids (buy orders).
pub const BUY: u8 = 1;
/// Side code of the asks (sell orders).
pub const SELL: u8 = 2;

/// Action code: set a level's size (same effect as [`UPDATE`]).
pub const ADD: u8 = 1;
/// Action code: set a level's size (same effect as [`ADD`]).
pub const UPDATE: u8 = 2;
/// Action code: remove a level.
pub const DELETE: u8 = 3;
/// Action code: empty one side, or the whole book with [`NO_SIDE`].
pub const CLEAR: u8 = 4;

/// A side of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Side {
    /// Bids: the best level is the highest price.
    Buy = BUY,
    /// Asks: the best level is the lowest price.
    Sell = SELL,
}

impl Side {
    /// The side for a wire code, if it is [`BUY`] or [`SELL`].
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            BUY => Some(Self::Buy),
            SELL => Some(Self::Sell),
            _ => None,
        }
    }

    /// Index of this side in per-side arrays (bids 0, asks 1).
    #[inline]
    pub(crate) const fn index(self) -> usize {
        self as usize - 1
    }
}

/// What a delta does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Action {
    /// Set the level's aggregate size (0 removes it).
    Add = ADD,
    /// Set the level's aggregate size (0 removes it).
    Update = UPDATE,
    /// Remove the level.
    Delete = DELETE,
    /// Empty the side (or the book).
    Clear = CLEAR,
}

impl Action {
    /// The action for a wire code in `1..=4`.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            ADD => Some(Self::Add),
            UPDATE => Some(Self::Update),
            DELETE => Some(Self::Delete),
            CLEAR => Some(Self::Clear),
            _ => None,
        }
    }
}

/// Why one delta was refused. The book is unchanged when this is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaError {
    /// The side code is not [`BUY`] or [`SELL`] (nor [`NO_SIDE`] with [`CLEAR`]).
    InvalidSide {
        /// The side code given.
        side: u8,
        /// The action code given with it.
        action: u8,
    },
    /// The action code is not one of [`ADD`], [`UPDATE`], [`DELETE`], [`CLEAR`].
    InvalidAction {
        /// The action code given.
        action: u8,
    },
}

impl fmt::Display for DeltaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidSide { side, action } if side == NO_SIDE => write!(
                f,
                "side 0 (NO_SIDE) is only valid with action 4 (CLEAR), got action {action}"
            ),
            Self::InvalidSide { side, .. } => {
                write!(f, "side must be 1 (BUY) or 2 (SELL), got {side}")
            }
            Self::InvalidAction { action } => write!(
                f,
                "action must be 1 (ADD), 2 (UPDATE), 3 (DELETE) or 4 (CLEAR), got {action}"
            ),
        }
    }
}

impl std::error::Error for DeltaError {}

/// Why a batch was refused. The book is unchanged when this is returned: a batch is
/// validated completely before its first delta is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchError {
    /// The four columns do not have the same length.
    LengthMismatch {
        /// Length of the side column.
        sides: usize,
        /// Length of the action column.
        actions: usize,
        /// Length of the price column.
        prices: usize,
        /// Length of the size column.
        sizes: usize,
    },
    /// The delta at `index` is invalid.
    InvalidDelta {
        /// Position of the first invalid delta in the batch.
        index: usize,
        /// What is wrong with it.
        error: DeltaError,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::LengthMismatch {
                sides,
                actions,
                prices,
                sizes,
            } => write!(
                f,
                "columns differ in length: side {sides}, action {actions}, price {prices}, \
                 size {sizes}"
            ),
            Self::InvalidDelta { index, error } => write!(f, "delta {index}: {error}"),
        }
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidDelta { error, .. } => Some(error),
            Self::LengthMismatch { .. } => None,
        }
    }
}

/// Check one (side, action) pair.
#[inline]
pub(crate) fn check(side: u8, action: u8) -> Result<(), DeltaError> {
    if !(ADD..=CLEAR).contains(&action) {
        return Err(DeltaError::InvalidAction { action });
    }
    if side == BUY || side == SELL || (side == NO_SIDE && action == CLEAR) {
        Ok(())
    } else {
        Err(DeltaError::InvalidSide { side, action })
    }
}

/// Branch-free validity of one pair, so that a whole column can be checked with SIMD.
#[inline]
fn is_valid(side: u8, action: u8) -> bool {
    let action_ok = action.wrapping_sub(ADD) < 4;
    let side_ok = side.wrapping_sub(BUY) < 2;
    let clear_all = (side == NO_SIDE) & (action == CLEAR);
    action_ok & (side_ok | clear_all)
}

/// Check a whole batch; on failure name the first bad delta.
pub(crate) fn check_columns(sides: &[u8], actions: &[u8]) -> Result<(), BatchError> {
    debug_assert_eq!(sides.len(), actions.len());
    // Fold without early exit so the common (all valid) case vectorizes; only a bad batch
    // pays for the second, locating pass.
    let all_ok = sides
        .iter()
        .zip(actions)
        .fold(true, |ok, (&s, &a)| ok & is_valid(s, a));
    if all_ok {
        return Ok(());
    }
    for (index, (&s, &a)) in sides.iter().zip(actions).enumerate() {
        if let Err(error) = check(s, a) {
            return Err(BatchError::InvalidDelta { index, error });
        }
    }
    unreachable!("is_valid and check disagree")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_and_slow_checks_agree() {
        for s in 0..=255u8 {
            for a in 0..=255u8 {
                assert_eq!(is_valid(s, a), check(s, a).is_ok(), "side {s} action {a}");
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        assert_eq!(Side::from_code(BUY), Some(Side::Buy));
        assert_eq!(Side::from_code(SELL), Some(Side::Sell));
        assert_eq!(Side::from_code(0), None);
        for code in ADD..=CLEAR {
            assert_eq!(Action::from_code(code).map(|a| a as u8), Some(code));
        }
        assert_eq!(Action::from_code(0), None);
        assert_eq!(Action::from_code(5), None);
    }

    #[test]
    fn batch_check_names_first_bad_delta() {
        assert_eq!(check_columns(&[1, 2, 0], &[1, 3, 4]), Ok(()));
        assert_eq!(
            check_columns(&[1, 2, 0, 3], &[1, 3, 1, 1]),
            Err(BatchError::InvalidDelta {
                index: 2,
                error: DeltaError::InvalidSide { side: 0, action: 1 }
            })
        );
        assert_eq!(
            check_columns(&[1, 1], &[2, 9]),
            Err(BatchError::InvalidDelta {
                index: 1,
                error: DeltaError::InvalidAction { action: 9 }
            })
        );
    }
}
