//! Queue position of one of *our* resting orders when the market is known only as L2
//! (aggregated size per price level).
//!
//! Our simulated order is not in the market data: the feed's level size is everybody
//! else's orders. What we track is `ahead`, the part of that size that would trade
//! before us.
//!
//! # Rules
//!
//! * **Arrival.** We join the back of the queue: `ahead = level size`.
//! * **Trade at our price** of `q` lots ([`QueuePosition::on_trade`]): it consumes
//!   `ahead` first; what is left of `q` fills us, up to our remaining quantity. The
//!   trade's `q` is remembered as *explained* decrease for the next level change.
//! * **Level change** `old → new` ([`QueuePosition::on_level_change`]):
//!   * an increase joins behind us (`ahead` unchanged);
//!   * a decrease is first explained by the trades reported since the previous change
//!     (they already moved `ahead`); the rest, `c`, is cancellations somewhere in the
//!     queue:
//!     * [`QueueModel::Pessimistic`]: they came from behind us, `ahead` is unchanged;
//!     * [`QueueModel::Proportional`]: they came from everywhere in proportion,
//!       `ahead -= floor(c × ahead / s)` where `s = old − explained` is the level's size
//!       just before the cancellations (integer arithmetic; the *reduction* rounds down,
//!       so `ahead` rounds up — the conservative side);
//!   * in every case `ahead` is then capped at the new size (a queue cannot have more in
//!     front of us than there is), and the explained-trade memory is cleared.
//! * **Trade through our price** — at a price worse for our side (below our bid, above
//!   our ask, [`QueuePosition::on_trade_through`]): the whole level traded, so we are
//!   filled for everything that remains, and `ahead = 0`.
//!
//! Deliver each trade *before* the level change that reports its effect on the book
//! (the order of most feeds and of Lyra's replay); otherwise the decrease is taken for
//! cancellations and the trade is counted twice.
//!
//! # Worked example (pessimistic)
//!
//! ```
//! use lyra_engine::book::Side;
//! use lyra_engine::models::{QueueModel, QueuePosition};
//!
//! // We bid 10 lots at 100 where 50 are already shown: 50 ahead.
//! let mut q = QueuePosition::new(QueueModel::Pessimistic, Side::Buy, 100, 50, 10);
//! q.on_level_change(50, 70); // 20 more join, behind us
//! assert_eq!(q.ahead(), 50);
//! q.on_level_change(70, 60); // 10 cancel: pessimistically, from behind us
//! assert_eq!(q.ahead(), 50);
//! assert_eq!(q.on_trade(30), 0); // a 30-lot trade at 100: 20 left ahead
//! q.on_level_change(60, 30); // 30 explained by the trade
//! assert_eq!(q.ahead(), 20);
//! q.on_level_change(30, 15); // 15 cancel; only 15 lots are left, so at most 15 ahead
//! assert_eq!(q.ahead(), 15);
//! assert_eq!(q.on_trade(22), 7); // 15 ahead, then 7 of the trade fill us
//! assert_eq!((q.filled(), q.remaining()), (7, 3));
//! assert_eq!(q.on_trade_through(), 3); // a trade at 99 sweeps our level
//! assert!(q.is_filled());
//! ```

use crate::book::Side;

/// Where cancellations at our level are assumed to come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QueueModel {
    /// From behind us: we never move up on a cancellation (a lower bound on fills).
    #[default]
    Pessimistic,
    /// From every position in proportion to its share of the level.
    Proportional,
}

/// Our resting order's place in an L2 level's queue, and its fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueuePosition {
    model: QueueModel,
    side: Side,
    price: i64,
    ahead: u64,
    level_size: u64,
    remaining: u64,
    filled: u64,
    /// Traded at our price since the last level change: decrease already accounted for.
    traded_since_change: u64,
}

impl QueuePosition {
    /// Our order of `qty` lots joins the back of the `level_size` lots shown at `price`
    /// on `side`.
    #[must_use]
    pub const fn new(model: QueueModel, side: Side, price: i64, level_size: u64, qty: u64) -> Self {
        Self {
            model,
            side,
            price,
            ahead: level_size,
            level_size,
            remaining: qty,
            filled: 0,
            traded_since_change: 0,
        }
    }

    /// Lots in front of us.
    #[must_use]
    pub const fn ahead(&self) -> u64 {
        self.ahead
    }

    /// The level's size as of the last level change (or arrival).
    #[must_use]
    pub const fn level_size(&self) -> u64 {
        self.level_size
    }

    /// Our quantity not yet filled.
    #[must_use]
    pub const fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Our quantity filled so far.
    #[must_use]
    pub const fn filled(&self) -> u64 {
        self.filled
    }

    /// Whether nothing remains.
    #[must_use]
    pub const fn is_filled(&self) -> bool {
        self.remaining == 0
    }

    /// The cancellation model in use.
    #[must_use]
    pub const fn model(&self) -> QueueModel {
        self.model
    }

    /// Our side.
    #[must_use]
    pub const fn side(&self) -> Side {
        self.side
    }

    /// Our price.
    #[must_use]
    pub const fn price(&self) -> i64 {
        self.price
    }

    fn fill(&mut self, qty: u64) -> u64 {
        let f = qty.min(self.remaining);
        self.remaining -= f;
        self.filled += f;
        f
    }

    /// A trade of `qty` lots at our price; returns the lots it fills of ours.
    pub fn on_trade(&mut self, qty: u64) -> u64 {
        self.traded_since_change = self.traded_since_change.saturating_add(qty);
        let consumed = qty.min(self.ahead);
        self.ahead -= consumed;
        self.fill(qty - consumed)
    }

    /// A trade at a price worse than ours for our side: fills all that remains.
    pub fn on_trade_through(&mut self) -> u64 {
        self.ahead = 0;
        self.fill(self.remaining)
    }

    /// A trade of `qty` lots at `price`: dispatches to [`on_trade`](Self::on_trade) at our
    /// price, [`on_trade_through`](Self::on_trade_through) beyond it (below our bid,
    /// above our ask), and does nothing on the other side of it. Returns our fill.
    pub fn on_trade_at(&mut self, price: i64, qty: u64) -> u64 {
        let through = match self.side {
            Side::Buy => price < self.price,
            Side::Sell => price > self.price,
        };
        if price == self.price {
            self.on_trade(qty)
        } else if through {
            self.on_trade_through()
        } else {
            0
        }
    }

    /// The level's displayed size went from `old_size` to `new_size` (0: the level was
    /// deleted). See the module docs for how `ahead` moves.
    pub fn on_level_change(&mut self, old_size: u64, new_size: u64) {
        if new_size < old_size {
            let decrease = old_size - new_size;
            let explained = decrease.min(self.traded_since_change);
            let cancelled = decrease - explained;
            if cancelled > 0 && self.model == QueueModel::Proportional {
                let before = old_size - explained; // >= cancelled > 0
                let cut = u128::from(cancelled) * u128::from(self.ahead) / u128::from(before);
                // cancelled <= before, so cut <= ahead.
                self.ahead -= cut as u64;
            }
        }
        self.ahead = self.ahead.min(new_size);
        self.level_size = new_size;
        self.traded_since_change = 0;
    }

    /// [`on_level_change`](Self::on_level_change) from the size this tracker last saw.
    pub fn on_level_size(&mut self, new_size: u64) {
        self.on_level_change(self.level_size, new_size);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn pos(model: QueueModel, level: u64, qty: u64) -> QueuePosition {
        QueuePosition::new(model, Side::Buy, 100, level, qty)
    }

    #[test]
    fn arrival_sits_behind_the_level() {
        let q = pos(QueueModel::Pessimistic, 42, 5);
        assert_eq!(
            (q.ahead(), q.level_size(), q.remaining(), q.filled()),
            (42, 42, 5, 0)
        );
        assert_eq!(
            (q.side(), q.price(), q.model()),
            (Side::Buy, 100, QueueModel::Pessimistic)
        );
        assert!(!q.is_filled());
        // Joining an empty level: first in line.
        assert_eq!(pos(QueueModel::Proportional, 0, 5).ahead(), 0);
    }

    #[test]
    fn trades_consume_ahead_then_fill_us() {
        let mut q = pos(QueueModel::Pessimistic, 30, 10);
        assert_eq!(q.on_trade(12), 0); // 30 → 18 ahead
        assert_eq!(q.ahead(), 18);
        assert_eq!(q.on_trade(18), 0); // exactly the rest ahead: front of the queue now
        assert_eq!(q.ahead(), 0);
        assert_eq!(q.on_trade(4), 4);
        assert_eq!(q.on_trade(100), 6); // never more than remains
        assert_eq!(q.on_trade(5), 0);
        assert!(q.is_filled());
        assert_eq!(q.filled(), 10);
    }

    #[test]
    fn pessimistic_worked_scenario() {
        // Level 100 lots, we bid 20 behind them.
        let mut q = pos(QueueModel::Pessimistic, 100, 20);
        q.on_level_size(130); // +30 join behind
        assert_eq!(q.ahead(), 100);
        q.on_level_size(90); // −40 cancelled: from behind (30 behind us, so 10 from ahead)
        assert_eq!(q.ahead(), 90);
        q.on_level_size(60); // −30 more: we are capped at the level
        assert_eq!(q.ahead(), 60);
        assert_eq!(q.on_trade(25), 0); // 60 → 35
        q.on_level_size(35); // the trade's 25: explained, no cancellation
        assert_eq!(q.ahead(), 35);
        assert_eq!(q.on_trade(40), 5); // 35 ahead, 5 for us
        q.on_level_size(0); // level gone (DELETE): nobody ahead
        assert_eq!(q.ahead(), 0);
        assert_eq!(q.on_trade(3), 3);
        assert_eq!((q.filled(), q.remaining()), (8, 12));
    }

    #[test]
    fn proportional_worked_scenario() {
        // Level 100 lots, 100 ahead. 40 more join behind: 140, still 100 ahead.
        let mut q = pos(QueueModel::Proportional, 100, 20);
        q.on_level_size(140);
        assert_eq!(q.ahead(), 100);
        // 14 cancelled out of 140: ahead loses 14 × 100 / 140 = 10 → 90.
        q.on_level_size(126);
        assert_eq!(q.ahead(), 90);
        // 10 cancelled out of 126: 10 × 90 / 126 = 7.14 → floor 7 → ahead 83.
        q.on_level_size(116);
        assert_eq!(q.ahead(), 83);
        // Trade 16 at our price (83 → 67), then the level drops 116 → 90 = 26:
        // 16 explained by the trade, 10 cancelled out of the 100 that were left:
        // 10 × 67 / 100 = 6.7 → 6 → ahead 61.
        assert_eq!(q.on_trade(16), 0);
        assert_eq!(q.ahead(), 67);
        q.on_level_size(90);
        assert_eq!(q.ahead(), 61);
        // An increase and a trade in the same change: trade 11 (61 → 50), level 90 → 95
        // (11 traded and 16 joined): nothing cancelled, ahead stays 50.
        assert_eq!(q.on_trade(11), 0);
        q.on_level_size(95);
        assert_eq!(q.ahead(), 50);
        // Everything but 1 lot cancelled: 94 × 50 / 95 = 49.47 → 49 → ahead 1.
        q.on_level_size(1);
        assert_eq!(q.ahead(), 1);
        assert_eq!(q.on_trade(5), 4);
    }

    #[test]
    fn explained_trades_are_forgotten_after_a_change() {
        // A trade reported, then an unrelated increase: the trade's memory is cleared, so
        // a later decrease counts as cancellation.
        let mut q = pos(QueueModel::Proportional, 100, 5);
        assert_eq!(q.on_trade(20), 0); // ahead 80
        q.on_level_change(100, 100); // the feed showed no change (e.g. replenished)
        q.on_level_change(100, 50); // 50 cancelled of 100: 50 × 80 / 100 = 40 → 40
        assert_eq!(q.ahead(), 40);
    }

    #[test]
    fn trade_through_and_dispatch() {
        let mut bid = QueuePosition::new(QueueModel::Pessimistic, Side::Buy, 100, 50, 10);
        assert_eq!(bid.on_trade_at(101, 1_000), 0); // above our bid: not our business
        assert_eq!(bid.on_trade_at(100, 55), 5); // at our price
        assert_eq!(bid.on_trade_at(99, 1), 5); // below our bid: we would have been hit
        assert!(bid.is_filled());
        assert_eq!(bid.on_trade_at(98, 1), 0);

        let mut ask = QueuePosition::new(QueueModel::Proportional, Side::Sell, 100, 50, 10);
        assert_eq!(ask.on_trade_at(99, 1_000), 0);
        assert_eq!(ask.on_trade_at(100, 20), 0);
        assert_eq!(ask.ahead(), 30);
        assert_eq!(ask.on_trade_at(101, 1), 10);
        assert_eq!(ask.ahead(), 0);
    }

    #[derive(Debug, Clone)]
    enum Ev {
        Trade(u64),
        Through,
        Level(u64),
    }

    fn ev() -> impl Strategy<Value = Ev> {
        prop_oneof![
            6 => (0u64..60).prop_map(Ev::Trade),
            1 => Just(Ev::Through),
            8 => (0u64..200).prop_map(Ev::Level),
        ]
    }

    fn apply(q: &mut QueuePosition, e: &Ev) -> u64 {
        match *e {
            Ev::Trade(n) => q.on_trade(n),
            Ev::Through => q.on_trade_through(),
            Ev::Level(n) => {
                q.on_level_size(n);
                0
            }
        }
    }

    proptest! {
        #[test]
        fn invariants_hold(
            level in 0u64..200,
            qty in 0u64..80,
            events in proptest::collection::vec(ev(), 0..60),
        ) {
            for model in [QueueModel::Pessimistic, QueueModel::Proportional] {
                let mut q = QueuePosition::new(model, Side::Sell, 7, level, qty);
                let mut fills = 0u64;
                for e in &events {
                    let before = q;
                    let f = apply(&mut q, e);
                    fills += f;
                    // Fills never exceed what remained; the books balance.
                    prop_assert!(f <= before.remaining());
                    prop_assert_eq!(q.filled() + q.remaining(), qty);
                    prop_assert_eq!(q.filled(), fills);
                    // `ahead` only ever moves forward, and never past the known level.
                    prop_assert!(q.ahead() <= before.ahead());
                    prop_assert!(q.ahead() <= q.level_size());
                    // A trade fills us only once nothing is ahead.
                    if f > 0 {
                        prop_assert_eq!(q.ahead(), 0);
                    }
                }
            }
        }

        /// Proportional is never behind pessimistic: it has at most as much ahead and at
        /// least as much filled, event by event.
        #[test]
        fn proportional_dominates_pessimistic(
            level in 0u64..200,
            qty in 0u64..80,
            events in proptest::collection::vec(ev(), 0..60),
        ) {
            let mut p = QueuePosition::new(QueueModel::Pessimistic, Side::Buy, 7, level, qty);
            let mut r = QueuePosition::new(QueueModel::Proportional, Side::Buy, 7, level, qty);
            for e in &events {
                apply(&mut p, e);
                apply(&mut r, e);
                prop_assert!(r.ahead() <= p.ahead());
                prop_assert!(r.filled() >= p.filled());
            }
        }

        /// Pessimistic equals an explicit queue of the market's lots around ours:
        /// `ahead` in front, `behind` after; trades eat from the front, joins go to the
        /// back, cancels leave from the back (so they reach `ahead` only when `behind` is
        /// empty).
        #[test]
        fn pessimistic_matches_explicit_queue(
            level in 0u64..200,
            qty in 0u64..80,
            events in proptest::collection::vec(ev(), 0..60),
        ) {
            let mut q = QueuePosition::new(QueueModel::Pessimistic, Side::Buy, 7, level, qty);
            let (mut ahead, mut behind, mut remaining) = (level, 0u64, qty);
            for e in &events {
                let got = apply(&mut q, e);
                let want = match *e {
                    Ev::Trade(n) => {
                        let from_ahead = n.min(ahead);
                        ahead -= from_ahead;
                        behind -= (n - from_ahead).min(behind);
                        let f = (n - from_ahead).min(remaining);
                        remaining -= f;
                        f
                    }
                    Ev::Through => {
                        (ahead, behind) = (0, 0);
                        std::mem::take(&mut remaining)
                    }
                    Ev::Level(n) => {
                        let now = ahead + behind;
                        if n >= now {
                            behind += n - now;
                        } else {
                            let mut gone = now - n;
                            let from_behind = gone.min(behind);
                            behind -= from_behind;
                            gone -= from_behind;
                            ahead -= gone;
                        }
                        0
                    }
                };
                prop_assert_eq!(got, want);
                prop_assert_eq!(q.remaining(), remaining);
                prop_assert_eq!(q.ahead(), ahead);
            }
        }
    }
}
