//! Market-data liquidity inside the engine's L3 book.
//!
//! A simulated exchange replays what *other* traders did (quotes, depth, individual
//! orders, trades) and lets its own traders' orders trade against that. Here the data is
//! made of entries in the same FIFO queues as the traders' orders, owned by
//! [`MARKET_ACCOUNT`] and flagged as data:
//!
//! * **aggregated liquidity** (L1 quotes, L2 levels) is one or more *chunks* (id 0) per
//!   level; the chunks in front of a trader's order are exactly the lots ahead of it in
//!   the queue, so queue position is the order of the queue itself;
//! * **L3 data orders** carry their feed id, found through the book's data index.
//!
//! A trader's order walking the book takes data liquidity like any other maker
//! ([`Event::DataFill`](super::Event), taker side); the data it takes is gone
//! from the book (consumed) until the feed says otherwise. Data never trades with data.
//! The walks in which data reaches traders' resting orders are
//! [`MatchingEngine::data_cross`] and [`MatchingEngine::data_trade`].
//!
//! These are primitives: which chunk a feed update changes, and how, is the business of
//! the exchange layer ([`crate::exchange`]).

use crate::book::Side;
use crate::models::QueueModel;

use super::engine::MatchingEngine;
use super::event::Event;
use super::l3::{NIL, Order};
use super::order::{OrderKind, TimeInForce, TriggerType};

/// The account that owns market-data entries; no trader may use it.
pub const MARKET_ACCOUNT: u32 = u32::MAX;

impl MatchingEngine {
    /// Rest `qty` lots of market data at `price` on `side`, at the front of the level's
    /// queue or at its back, without matching. An aggregated chunk (`id` 0) next to
    /// another chunk at that end merges into it. Nothing happens for `qty` 0.
    pub fn data_add(&mut self, side: Side, price: i64, qty: u64, id: u64, front: bool) {
        if qty == 0 {
            return;
        }
        if id == 0 {
            let (head, tail) = self.book.ends_at(side, price);
            let end = if front { head } else { tail };
            if end != NIL {
                let o = self.book.get(end);
                if o.data && o.id == 0 {
                    let v = o.visible + qty;
                    self.book.resize_data(end, v);
                    return;
                }
            }
        }
        let slot = self.book.insert_data(Order {
            prev: NIL,
            next: NIL,
            level: NIL,
            resting: false,
            pending: false,
            data: true,
            side,
            reduce_only: false,
            post_only: false,
            account: MARKET_ACCOUNT,
            id,
            visible: qty,
            hidden: 0,
            display: 0,
            qty,
            filled: 0,
            price: Some(price),
            trigger: None,
            seq: 0,
            expire: i64::MAX,
            kind: OrderKind::Limit,
            tif: TimeInForce::Gtc,
            trigger_type: TriggerType::Default,
            trail: None,
            group: 0,
        });
        self.book.join(slot, front);
    }

    /// Market-data lots at `price` on `side`.
    #[must_use]
    pub fn data_at(&self, side: Side, price: i64) -> u64 {
        self.book.data_at(side, price)
    }

    /// Traders' displayed lots at `price` on `side`.
    #[must_use]
    pub fn own_at(&self, side: Side, price: i64) -> u64 {
        self.book.own_at(side, price)
    }

    /// Remaining lots of L3 data order `id`, if it is on the book.
    #[must_use]
    pub fn data_order(&self, id: u64) -> Option<u64> {
        self.book.data_slot(id).map(|s| self.book.get(s).visible)
    }

    /// Set L3 data order `id`'s remaining lots in place (keeping its queue position);
    /// 0 removes it. No-op if it is not on the book.
    pub fn data_resize(&mut self, id: u64, qty: u64) {
        if let Some(slot) = self.book.data_slot(id) {
            if qty == 0 {
                self.book.remove(slot);
            } else {
                self.book.resize_data(slot, qty);
            }
        }
    }

    /// Remove every market-data entry at `price` on `side`.
    pub fn data_clear_level(&mut self, side: Side, price: i64) {
        let mut slots = self.data_slots(side, price);
        for &s in &slots {
            self.book.remove(s);
        }
        slots.clear();
        self.slot_scratch = slots;
    }

    /// Remove every market-data entry on `side`.
    pub fn data_clear_side(&mut self, side: Side) {
        let mut levels = std::mem::take(&mut self.level_scratch);
        levels.clear();
        levels.extend(
            self.book
                .depth()
                .levels(side)
                .map(|(p, _)| p)
                .filter(|&p| self.book.data_at(side, p) > 0),
        );
        for &p in &levels {
            self.data_clear_level(side, p);
        }
        self.level_scratch = levels;
    }

    /// Take `qty` market-data lots away at `price` on `side` as cancellations under
    /// `model` (at most what there is):
    ///
    /// * [`QueueModel::Pessimistic`]: from the back of the queue forward (behind traders'
    ///   orders first, so nobody moves up);
    /// * [`QueueModel::Proportional`]: from every chunk in proportion to its share — the
    ///   first `k` data lots of the queue lose `floor(qty × k / total)`, so a trader's
    ///   order with `a` data lots ahead of it keeps `a − floor(qty × a / total)` of them,
    ///   exactly [`QueuePosition`](crate::models::QueuePosition)'s rule.
    pub fn data_cancel(&mut self, side: Side, price: i64, qty: u64, model: QueueModel) {
        if qty == 0 {
            return;
        }
        let mut slots = self.data_slots(side, price);
        let total: u64 = slots.iter().map(|&s| self.book.get(s).visible).sum();
        let qty = qty.min(total);
        match model {
            QueueModel::Pessimistic => {
                let mut left = qty;
                for &s in slots.iter().rev() {
                    if left == 0 {
                        break;
                    }
                    let v = self.book.get(s).visible;
                    let cut = left.min(v);
                    left -= cut;
                    self.set_chunk(s, v - cut);
                }
            }
            QueueModel::Proportional => {
                let (q, t) = (u128::from(qty), u128::from(total));
                let mut before = 0u64;
                for &s in &slots {
                    let v = self.book.get(s).visible;
                    let after = before + v;
                    let cut = (q * u128::from(after) / t - q * u128::from(before) / t) as u64;
                    before = after;
                    self.set_chunk(s, v - cut);
                }
            }
        }
        slots.clear();
        self.slot_scratch = slots;
    }

    /// Take `qty` market-data lots away at `price` on `side` from the front of the queue
    /// (at most what there is).
    pub fn data_consume_front(&mut self, side: Side, price: i64, qty: u64) {
        let mut slots = self.data_slots(side, price);
        let mut left = qty;
        for &s in &slots {
            if left == 0 {
                break;
            }
            let v = self.book.get(s).visible;
            let cut = left.min(v);
            left -= cut;
            self.set_chunk(s, v - cut);
        }
        slots.clear();
        self.slot_scratch = slots;
    }

    /// A market-data trade at `price` happened: it becomes the last price (last-price
    /// triggers see it at the next [`settle_market`](Self::settle_market)).
    pub fn data_last(&mut self, price: i64) {
        self.record_trade(price);
    }

    /// Fire the conditional orders the market now triggers (after market data changed
    /// the book or the last price), and whatever their fills trigger in turn.
    pub fn settle_market(&mut self, out: &mut Vec<Event>) {
        self.settle(out);
    }

    /// The market-data entries at a level, front first, in the scratch list.
    fn data_slots(&mut self, side: Side, price: i64) -> Vec<u32> {
        let mut slots = std::mem::take(&mut self.slot_scratch);
        slots.clear();
        let (mut cur, _) = self.book.ends_at(side, price);
        while cur != NIL {
            let o = self.book.get(cur);
            if o.data {
                slots.push(cur);
            }
            cur = o.next;
        }
        slots
    }

    fn set_chunk(&mut self, slot: u32, visible: u64) {
        if visible == 0 {
            self.book.remove(slot);
        } else {
            self.book.resize_data(slot, visible);
        }
    }
}
