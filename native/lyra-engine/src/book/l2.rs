//! [`L2Book`]: a market-by-price book on integer ticks and lots.

use std::fmt;

use super::delta::{self, BUY, BatchError, CLEAR, DELETE, DeltaError, NO_SIDE, SELL, Side};
use super::ladder::{Ladder, LadderIter, MIN_WINDOW};

/// Default largest dense window per side, in ticks (512 KiB of sizes per side at most).
pub const DEFAULT_MAX_WINDOW: usize = 1 << 16;

/// XOR mask turning a price into a ladder key: identity for bids, `!price` for asks,
/// so the best level is the greatest key on both sides.
const KEY_MASK: [i64; 2] = [0, -1];

/// A price-level (market-by-price, "L2") order book.
///
/// Prices are `i64` ticks and sizes `u64` lots; each level holds one aggregate size.
///
/// # Delta semantics
///
/// A delta is `(side, action, price, size)` with the codes of [`crate::book`]:
///
/// * **`ADD` (1) and `UPDATE` (2)** both *set* the level's aggregate size at `price`:
///   they create the level if it is missing and replace its size if it exists
///   (feeds disagree on which one they send, so the book does not). A size of 0
///   removes the level.
/// * **`DELETE` (3)** removes the level; `size` is ignored. Deleting a level that does
///   not exist is a no-op, counted in [`missing_deletes`](Self::missing_deletes) so a
///   feed handler can notice a book that drifted out of sync.
/// * **`CLEAR` (4)** with side `BUY` or `SELL` empties that side; with side `NO_SIDE`
///   (0) it empties the whole book (`NautilusTrader`'s clear deltas carry no side).
///   `price` and `size` are ignored.
/// * Any other side or action code is refused with a [`DeltaError`] and the book is
///   left unchanged. [`apply_batch`](Self::apply_batch) checks the whole batch first, so
///   a bad delta anywhere in it leaves the book unchanged too.
///
/// The book does not check that it is uncrossed: it mirrors what the feed says, and
/// [`spread`](Self::spread) is negative while the feed shows a crossed book.
///
/// # Performance
///
/// Each side is a dense ladder indexed by tick offset from a base that moves (and
/// grows, up to a maximum window) as prices drift, with the best level cached and an
/// occupancy bitmap for the short scan when the best level empties; levels too far
/// from the best to keep dense live in a sorted map. Applying a delta near the top of
/// the book is a few loads, stores and compares with no allocation.
///
/// `L2Book` is `Send + Sync` (plain owned data), so books can be built and queried on
/// several threads.
#[derive(Clone)]
pub struct L2Book {
    sides: [Ladder; 2],
    missing_deletes: u64,
}

impl Default for L2Book {
    fn default() -> Self {
        Self::new()
    }
}

impl L2Book {
    /// An empty book with the default largest dense window ([`DEFAULT_MAX_WINDOW`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_window(DEFAULT_MAX_WINDOW)
    }

    /// An empty book whose dense window per side may grow to `max_window` ticks
    /// (rounded up to a power of two, at least 64). Levels further than half of it
    /// below the best are kept in a slower sorted map; results are the same either way.
    #[must_use]
    pub fn with_max_window(max_window: usize) -> Self {
        let max_window = max_window
            .max(MIN_WINDOW)
            .checked_next_power_of_two()
            .unwrap_or(1 << (usize::BITS - 1));
        Self {
            sides: [Ladder::new(max_window), Ladder::new(max_window)],
            missing_deletes: 0,
        }
    }

    /// Apply one delta (see the type's docs for the semantics).
    ///
    /// On error the book is unchanged.
    #[inline]
    pub fn apply(&mut self, side: u8, action: u8, price: i64, size: u64) -> Result<(), DeltaError> {
        delta::check(side, action)?;
        self.apply_checked(side, action, price, size);
        Ok(())
    }

    /// Apply a batch of deltas given as four columns of equal length, in order.
    ///
    /// The whole batch is validated first: if any delta is invalid (or the lengths
    /// differ) nothing is applied and the error names the first bad delta. Returns the
    /// number of deltas applied.
    pub fn apply_batch(
        &mut self,
        sides: &[u8],
        actions: &[u8],
        prices: &[i64],
        sizes: &[u64],
    ) -> Result<usize, BatchError> {
        let n = sides.len();
        if actions.len() != n || prices.len() != n || sizes.len() != n {
            return Err(BatchError::LengthMismatch {
                sides: n,
                actions: actions.len(),
                prices: prices.len(),
                sizes: sizes.len(),
            });
        }
        delta::check_columns(sides, actions)?;
        for (((&s, &a), &p), &q) in sides.iter().zip(actions).zip(prices).zip(sizes) {
            self.apply_checked(s, a, p, q);
        }
        Ok(n)
    }

    /// Apply a delta whose side and action codes have been validated.
    #[inline]
    fn apply_checked(&mut self, side: u8, action: u8, price: i64, size: u64) {
        if action == CLEAR {
            self.clear_code(side);
            return;
        }
        // side is BUY (1) or SELL (2) here; the mask keeps the index provably in bounds.
        let s = usize::from(side.wrapping_sub(BUY)) & 1;
        let is_delete = action == DELETE;
        let old = self.sides[s].set(price ^ KEY_MASK[s], if is_delete { 0 } else { size });
        self.missing_deletes += u64::from(is_delete & (old == 0));
    }

    #[cold]
    fn clear_code(&mut self, side: u8) {
        match side {
            BUY => self.sides[0].clear(),
            SELL => self.sides[1].clear(),
            NO_SIDE => self.clear(),
            _ => unreachable!("side validated before apply"),
        }
    }

    /// Best bid as (price, size): the highest bid price.
    #[inline]
    #[must_use]
    pub fn best_bid(&self) -> Option<(i64, u64)> {
        self.sides[0].best()
    }

    /// Best ask as (price, size): the lowest ask price.
    #[inline]
    #[must_use]
    pub fn best_ask(&self) -> Option<(i64, u64)> {
        self.sides[1].best().map(|(k, v)| (!k, v))
    }

    /// Best level of `side` as (price, size).
    #[must_use]
    pub fn best(&self, side: Side) -> Option<(i64, u64)> {
        match side {
            Side::Buy => self.best_bid(),
            Side::Sell => self.best_ask(),
        }
    }

    /// Size of the level at `price` on `side`, if there is one.
    #[must_use]
    pub fn level(&self, side: Side, price: i64) -> Option<u64> {
        let s = side.index();
        match self.sides[s].get(price ^ KEY_MASK[s]) {
            0 => None,
            size => Some(size),
        }
    }

    /// The best `n` levels of `side` (fewer if the side has fewer), best first.
    #[must_use]
    pub fn depth(&self, side: Side, n: usize) -> Vec<(i64, u64)> {
        self.levels(side).take(n).collect()
    }

    /// Every level of `side`, best first, as (price, size).
    #[must_use]
    pub fn levels(&self, side: Side) -> Levels<'_> {
        let s = side.index();
        Levels {
            inner: self.sides[s].iter(),
            mask: KEY_MASK[s],
        }
    }

    /// Number of bid levels.
    #[inline]
    #[must_use]
    pub fn bid_levels(&self) -> usize {
        self.sides[0].len()
    }

    /// Number of ask levels.
    #[inline]
    #[must_use]
    pub fn ask_levels(&self) -> usize {
        self.sides[1].len()
    }

    /// Number of levels on both sides.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bid_levels() + self.ask_levels()
    }

    /// Whether both sides are empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remove every level on both sides. Counters are kept.
    pub fn clear(&mut self) {
        self.sides[0].clear();
        self.sides[1].clear();
    }

    /// Remove every level on one side.
    pub fn clear_side(&mut self, side: Side) {
        self.sides[side.index()].clear();
    }

    /// Best ask minus best bid, in ticks (negative while crossed); `None` unless both
    /// sides have a level. `i128` because two extreme `i64` prices can be 2^64 apart.
    #[must_use]
    pub fn spread(&self) -> Option<i128> {
        let (bid, _) = self.best_bid()?;
        let (ask, _) = self.best_ask()?;
        Some(i128::from(ask) - i128::from(bid))
    }

    /// Mid price in ticks, `(best bid + best ask) / 2`, as a float (it may fall on a
    /// half tick); `None` unless both sides have a level. Exact while
    /// `|bid + ask| < 2^53`.
    #[must_use]
    pub fn mid(&self) -> Option<f64> {
        let (bid, _) = self.best_bid()?;
        let (ask, _) = self.best_ask()?;
        #[allow(
            clippy::cast_precision_loss,
            reason = "documented: a float the caller asked for"
        )]
        Some((i128::from(bid) + i128::from(ask)) as f64 / 2.0)
    }

    /// How many `DELETE`s named a level that did not exist (cumulative; [`clear`]
    /// does not reset it).
    ///
    /// [`clear`]: Self::clear
    #[must_use]
    pub fn missing_deletes(&self) -> u64 {
        self.missing_deletes
    }

    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        self.sides[0].check_invariants();
        self.sides[1].check_invariants();
    }

    #[cfg(test)]
    pub(crate) fn window(&self, side: Side) -> (i64, usize, usize) {
        self.sides[side.index()].window()
    }
}

// Shows the top of the book and counts rather than thousands of ladder slots.
#[allow(
    clippy::missing_fields_in_debug,
    reason = "the ladders are summarised, not dumped"
)]
impl fmt::Debug for L2Book {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("L2Book")
            .field("best_bid", &self.best_bid())
            .field("best_ask", &self.best_ask())
            .field("bid_levels", &self.bid_levels())
            .field("ask_levels", &self.ask_levels())
            .field("missing_deletes", &self.missing_deletes)
            .finish()
    }
}

/// Levels of one side of an [`L2Book`], best first, as (price, size).
pub struct Levels<'a> {
    inner: LadderIter<'a>,
    mask: i64,
}

impl Iterator for Levels<'_> {
    type Item = (i64, u64);

    #[inline]
    fn next(&mut self) -> Option<(i64, u64)> {
        self.inner.next().map(|(k, v)| (k ^ self.mask, v))
    }
}

#[cfg(test)]
mod tests;
