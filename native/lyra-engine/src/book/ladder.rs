//! One side of a price-level book.
//!
//! Levels are addressed by a *key*: the price for bids and `!price` for asks, so that on
//! both sides the best level is the greatest key and one implementation serves both
//! (`!` is an order-reversing bijection on `i64`, unlike negation, which overflows).
//!
//! Storage is a dense window of `cap` slots (a power of two) starting at key `base`,
//! holding each level's size (0 = no level), with one occupancy bit per slot, plus a
//! sorted `far` map for the rare levels that do not fit the window. Invariants:
//!
//! 1. every key in `far` is below `base` (so no level lies above the window);
//! 2. if the side has any level, the window has at least one, so the best level is
//!    always `base + best` — an O(1) read;
//! 3. `best` is the highest occupied slot, or -1 when the window is empty.
//!
//! A set inside the window is a store, an occupancy-bit toggle and a compare; only when
//! the best level empties does it scan the occupancy words downwards (64 slots per
//! step). Keys outside the window take a cold path that moves the window (re-centring
//! and growing it up to `max_window` slots) or, for levels too far below the best to
//! keep dense, uses `far`.

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::iter::Rev;

/// Window size a side starts with, in slots (8 KiB of sizes).
const INITIAL_WINDOW: usize = 1024;
/// Smallest window: one occupancy word.
pub(crate) const MIN_WINDOW: usize = 64;

#[derive(Clone)]
pub(crate) struct Ladder {
    /// Key of slot 0. `base + cap - 1` never overflows.
    base: i64,
    /// Size per slot, 0 for no level; `len()` is the window size `cap`.
    sizes: Vec<u64>,
    /// Occupancy bit per slot (`sizes[i] != 0`), `cap / 64` words.
    occ: Vec<u64>,
    /// Highest occupied slot, -1 if the window is empty.
    best: isize,
    /// Number of occupied slots.
    dense_len: usize,
    /// Levels outside the window; all keys are below `base`.
    far: BTreeMap<i64, u64>,
    /// Largest window this side may grow to (a power of two, at least `MIN_WINDOW`).
    max_window: usize,
}

impl Ladder {
    /// An empty side whose window may grow to `max_window` slots (a power of two ≥ 64).
    pub(crate) fn new(max_window: usize) -> Self {
        debug_assert!(max_window.is_power_of_two() && max_window >= MIN_WINDOW);
        let cap = INITIAL_WINDOW.min(max_window);
        Self {
            base: 0,
            sizes: vec![0; cap],
            occ: vec![0; cap / 64],
            best: -1,
            dense_len: 0,
            far: BTreeMap::new(),
            max_window,
        }
    }

    /// Number of levels on this side.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.dense_len + self.far.len()
    }

    /// Best (greatest key) level as (key, size).
    #[inline]
    pub(crate) fn best(&self) -> Option<(i64, u64)> {
        if self.best < 0 {
            None
        } else {
            let i = self.best as usize;
            Some((self.base + i as i64, self.sizes[i]))
        }
    }

    /// Size at `key`, 0 if there is no level.
    pub(crate) fn get(&self, key: i64) -> u64 {
        let off = key.wrapping_sub(self.base) as u64;
        if off < self.sizes.len() as u64 {
            self.sizes[off as usize]
        } else {
            self.far.get(&key).copied().unwrap_or(0)
        }
    }

    /// Set the size at `key` (0 removes the level); returns the previous size (0 if none).
    #[inline]
    pub(crate) fn set(&mut self, key: i64, size: u64) -> u64 {
        // Wrapping subtraction maps every key below the window to a huge offset, so one
        // unsigned compare tests both ends (the window never wraps past i64::MAX).
        let off = key.wrapping_sub(self.base) as u64;
        if off >= self.sizes.len() as u64 {
            return self.set_outside(key, size);
        }
        let i = off as usize;
        let old = self.sizes[i];
        self.sizes[i] = size;
        let was = old != 0;
        let now = size != 0;
        // Branch-free bookkeeping: updates (was == now) leave bits and counts alone.
        self.occ[i >> 6] ^= u64::from(was != now) << (i & 63);
        self.dense_len = self.dense_len + usize::from(now & !was) - usize::from(was & !now);
        let ii = i as isize;
        if now {
            if ii > self.best {
                self.best = ii;
            }
        } else if ii == self.best {
            // `best` is occupied, so this really removed the best level.
            self.best_removed(i);
        }
        old
    }

    /// Remove every level.
    pub(crate) fn clear(&mut self) {
        if self.dense_len > 0 {
            self.sizes.fill(0);
            self.occ.fill(0);
        }
        self.far.clear();
        self.dense_len = 0;
        self.best = -1;
    }

    /// Levels from the best (greatest key) down, as (key, size).
    pub(crate) fn iter(&self) -> LadderIter<'_> {
        LadderIter {
            sizes: &self.sizes,
            occ: &self.occ,
            base: self.base,
            word: self.occ.len(),
            bits: 0,
            far: self.far.iter().rev(),
        }
    }

    #[cold]
    #[inline(never)]
    fn best_removed(&mut self, i: usize) {
        if let Some(j) = self.highest_below(i) {
            self.best = j as isize;
        } else {
            self.best = -1;
            if let Some((&top, _)) = self.far.last_key_value() {
                // Invariant 2: bring the new best (and what surrounds it) into the window.
                self.rebuild(top, top);
            }
        }
    }

    /// Highest occupied slot below `i`.
    fn highest_below(&self, i: usize) -> Option<usize> {
        if self.dense_len == 0 {
            return None;
        }
        let mut w = i >> 6;
        let mut bits = self.occ[w] & ((1u64 << (i & 63)) - 1);
        loop {
            if bits != 0 {
                return Some((w << 6) + 63 - bits.leading_zeros() as usize);
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            bits = self.occ[w];
        }
    }

    /// Lowest occupied slot (the window must not be empty).
    fn lowest_occupied(&self) -> usize {
        let (w, bits) = self
            .occ
            .iter()
            .enumerate()
            .find(|&(_, &b)| b != 0)
            .map(|(w, &b)| (w, b))
            .expect("lowest_occupied on an empty window");
        (w << 6) + bits.trailing_zeros() as usize
    }

    /// Half the largest window: the widest span of levels kept dense when the window
    /// moves, so that there is room left around them to move into.
    fn half_max(&self) -> i128 {
        (self.max_window / 2) as i128
    }

    #[cold]
    #[inline(never)]
    fn set_outside(&mut self, key: i64, size: u64) -> u64 {
        if key > self.base {
            // Above the window: no level can be there (invariant 1).
            if size != 0 {
                self.insert_above(key, size);
            }
            0
        } else if size == 0 {
            self.far.remove(&key).unwrap_or(0)
        } else if let Some(v) = self.far.get_mut(&key) {
            std::mem::replace(v, size)
        } else {
            self.insert_below(key, size);
            0
        }
    }

    /// A new level above the window: it becomes the best, so the window must move up.
    fn insert_above(&mut self, key: i64, size: u64) {
        let lo = if self.dense_len == 0 {
            key
        } else {
            let lowest = self.base + self.lowest_occupied() as i64;
            if i128::from(key) - i128::from(lowest) < self.half_max() {
                lowest
            } else {
                // Too wide to keep everything dense: the deepest levels go to `far`.
                (i128::from(key) - self.half_max() + 1) as i64
            }
        };
        self.rebuild(lo, key);
        let prev = self.set(key, size);
        debug_assert_eq!(prev, 0);
    }

    /// A new level below the window (not in `far`).
    fn insert_below(&mut self, key: i64, size: u64) {
        if self.dense_len == 0 {
            // The side is empty (invariant 2), so the window can simply move.
            self.rebuild(key, key);
        } else {
            let top = self.base + self.best as i64;
            if i128::from(top) - i128::from(key) < self.half_max() {
                self.rebuild(key, top);
            } else {
                self.far.insert(key, size);
                return;
            }
        }
        let prev = self.set(key, size);
        debug_assert_eq!(prev, 0);
    }

    /// Move (and maybe grow) the window so that it covers keys `lo..=hi`, where `hi` is
    /// at least every key on this side and `hi - lo < max_window / 2`. Levels that end
    /// up below the new window go to `far`; `far` levels inside it come back.
    fn rebuild(&mut self, lo: i64, hi: i64) {
        let span = (i128::from(hi) - i128::from(lo) + 1) as usize;
        debug_assert!(span >= 1 && span as i128 <= self.half_max());
        let cap = (span * 2)
            .next_power_of_two()
            .clamp(self.sizes.len(), self.max_window);
        // Centre lo..=hi in the window, kept inside the i64 range.
        let margin = ((cap - span) / 2) as i128;
        let new_base = (i128::from(lo) - margin)
            .clamp(i128::from(i64::MIN), i128::from(i64::MAX) - cap as i128 + 1)
            as i64;

        let mut sizes = vec![0u64; cap];
        let mut occ = vec![0u64; cap / 64];
        let mut dense_len = 0;
        let mut put = |key: i64, size: u64| {
            let i = (key - new_base) as usize;
            debug_assert!(i < cap && sizes[i] == 0);
            sizes[i] = size;
            occ[i >> 6] |= 1 << (i & 63);
            dense_len += 1;
        };
        for (key, size) in self.iter_dense() {
            if key >= new_base {
                put(key, size);
            } else {
                self.far.insert(key, size);
            }
        }
        for (key, size) in self.far.split_off(&new_base) {
            put(key, size);
        }

        self.base = new_base;
        self.sizes = sizes;
        self.occ = occ;
        self.dense_len = dense_len;
        self.best = match self.occ.iter().rposition(|&b| b != 0) {
            Some(w) => ((w << 6) + 63 - self.occ[w].leading_zeros() as usize) as isize,
            None => -1,
        };
    }

    /// Window levels only, as (key, size), collected so the window can be replaced.
    fn iter_dense(&self) -> Vec<(i64, u64)> {
        let mut out = Vec::with_capacity(self.dense_len);
        for (w, &word) in self.occ.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = (w << 6) + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                out.push((self.base + i as i64, self.sizes[i]));
            }
        }
        out
    }

    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        assert!(self.sizes.len().is_power_of_two() && self.sizes.len() <= self.max_window);
        assert_eq!(self.occ.len() * 64, self.sizes.len());
        assert!(i128::from(self.base) + self.sizes.len() as i128 - 1 <= i128::from(i64::MAX));
        let mut count = 0;
        let mut highest = -1isize;
        for (i, &s) in self.sizes.iter().enumerate() {
            let bit = self.occ[i >> 6] >> (i & 63) & 1 == 1;
            assert_eq!(bit, s != 0, "occupancy bit of slot {i}");
            if s != 0 {
                count += 1;
                highest = i as isize;
            }
        }
        assert_eq!(count, self.dense_len);
        assert_eq!(highest, self.best);
        if let Some((&k, _)) = self.far.last_key_value() {
            assert!(k < self.base, "far key {k} not below base {}", self.base);
            assert!(self.dense_len > 0, "far levels with an empty window");
        }
        assert!(self.far.values().all(|&v| v != 0));
    }

    #[cfg(test)]
    pub(crate) fn window(&self) -> (i64, usize, usize) {
        (self.base, self.sizes.len(), self.far.len())
    }
}

/// Levels of one side from the best down, as (key, size).
pub(crate) struct LadderIter<'a> {
    sizes: &'a [u64],
    occ: &'a [u64],
    base: i64,
    /// Index of the occupancy word `bits` came from (words below it are still to come).
    word: usize,
    bits: u64,
    far: Rev<btree_map::Iter<'a, i64, u64>>,
}

impl Iterator for LadderIter<'_> {
    type Item = (i64, u64);

    fn next(&mut self) -> Option<(i64, u64)> {
        loop {
            if self.bits != 0 {
                let b = 63 - self.bits.leading_zeros() as usize;
                self.bits &= !(1u64 << b);
                let i = (self.word << 6) + b;
                return Some((self.base + i as i64, self.sizes[i]));
            }
            if self.word == 0 {
                break;
            }
            self.word -= 1;
            self.bits = self.occ[self.word];
        }
        self.far.next().map(|(&k, &v)| (k, v))
    }
}
