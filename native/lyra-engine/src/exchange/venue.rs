//! One instrument of the exchange: its matching engine, and the market data that moves
//! it, turned into market-data entries of the engine's book (see
//! [`crate::matching::data`]).
//!
//! * **L1** — per side, the quote's price and size. The data at the touch is one chunk
//!   (or several, around traders' orders queued at that price). While no trader's order
//!   is at, or crossed by, either side of a quote, and no conditional order is pending,
//!   a quote only updates the per-side numbers (the *fast path*); the book is brought up
//!   to date ([`Venue::sync`]) before anything reads it. The result is the same as
//!   applying every quote to the book (a test checks it).
//! * **L2** — the feed's sizes per level in an [`L2Book`]; each change of a level is
//!   applied to its chunks as an increase (behind everyone) or a decrease (trades since
//!   the last change first, the rest cancellations under the queue model).
//! * **L3** — one entry per data order, with the feed's size and the part of the next
//!   decrease already explained by trades.

use crate::book::{CLEAR, DELETE, L2Book, NO_SIDE, Side};
use crate::matching::{EngineConfig, Event, FastMap, MatchingEngine};
use crate::models::QueueModel;

use super::input::BookType;

/// One side of an L1 book.
#[derive(Debug, Clone, Copy, Default)]
struct L1Side {
    /// The quote's price on this side (`None` before the first quote).
    price: Option<i64>,
    /// The quote's size.
    feed: u64,
    /// Market-data lots left at `price` (after traders took some).
    total: u64,
    /// Lots traded at `price` since the last quote: they explain a decrease.
    explained: u64,
    /// Where the book holds this side's data (`None`: nowhere).
    mat: Option<i64>,
    /// The book does not show (`price`, `total`) yet.
    dirty: bool,
}

/// What the exchange knows about an L3 data order.
#[derive(Debug, Clone, Copy)]
struct DataRec {
    side: Side,
    price: i64,
    /// Size the feed last gave.
    feed: u64,
    /// Lots traded from it since: they explain the feed's next decrease.
    explained: u64,
}

/// Whether a price level at `p` on the other side crosses data at `price` on `side`.
#[inline]
fn crosses(side: Side, price: i64, p: i64) -> bool {
    match side {
        Side::Buy => p <= price,
        Side::Sell => p >= price,
    }
}

#[inline]
const fn other(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

const SIDES: [Side; 2] = [Side::Buy, Side::Sell];

/// An instrument: engine plus market-data state.
#[derive(Debug, Clone)]
pub(crate) struct Venue {
    pub(crate) book_type: BookType,
    pub(crate) engine: MatchingEngine,
    model: QueueModel,
    /// Never take the L1 fast path (tests compare both).
    pub(crate) eager: bool,
    l1: [L1Side; 2],
    feed: L2Book,
    explained: [FastMap<i64, u64>; 2],
    l3: FastMap<u64, DataRec>,
    consumed: Vec<(u64, u64)>,
}

impl Venue {
    pub(crate) fn new(book_type: BookType, cfg: EngineConfig, model: QueueModel) -> Self {
        Self {
            book_type,
            engine: MatchingEngine::new(cfg),
            model,
            eager: false,
            l1: [L1Side::default(); 2],
            feed: L2Book::new(),
            explained: [FastMap::default(), FastMap::default()],
            l3: FastMap::default(),
            consumed: Vec::new(),
        }
    }

    /// Bring the book up to date with the L1 quotes the fast path recorded.
    #[inline]
    pub(crate) fn sync(&mut self) {
        if self.book_type != BookType::L1 || !(self.l1[0].dirty | self.l1[1].dirty) {
            return;
        }
        for side in SIDES {
            let st = &mut self.l1[side.index()];
            if !st.dirty {
                continue;
            }
            // No trader's order is at either price (the fast path checked), so where the
            // data sits in those queues does not matter. The new level goes in before the
            // old one leaves, so the book's best never jumps away (and back) on the way.
            match (st.mat, st.price) {
                (Some(m), Some(p)) if m == p => {
                    let have = self.engine.data_at(side, p);
                    if st.total > have {
                        self.engine.data_add(side, p, st.total - have, 0, false);
                    } else {
                        self.engine
                            .data_cancel(side, p, have - st.total, QueueModel::Pessimistic);
                    }
                }
                (m, p) => {
                    if let Some(p) = p {
                        self.engine.data_add(side, p, st.total, 0, false);
                    }
                    if let Some(m) = m {
                        self.engine.data_clear_level(side, m);
                    }
                }
            }
            st.mat = st.price;
            st.dirty = false;
        }
    }

    /// After the engine changed (a command, an expiry): the L1 sides' data left.
    #[inline]
    pub(crate) fn refresh(&mut self) {
        if self.book_type != BookType::L1 {
            return;
        }
        for side in SIDES {
            let st = &mut self.l1[side.index()];
            debug_assert!(!st.dirty, "refresh after sync");
            st.total = st.price.map_or(0, |p| self.engine.data_at(side, p));
        }
    }

    /// Whether a trader's order is on `side` at `price`, or crossed by data there, or
    /// was at the side's previous quote price: then the quote must go through the book.
    #[inline]
    fn busy(&self, side: Side, price: i64) -> bool {
        let e = &self.engine;
        if self.l1[side.index()]
            .price
            .is_some_and(|p| e.own_at(side, p) > 0)
            || e.own_at(side, price) > 0
        {
            return true;
        }
        // The book's best opposite (stale data included) is a cheap upper bound.
        e.book()
            .best(other(side))
            .is_some_and(|(p, _)| crosses(side, price, p))
    }

    /// Whether traders' orders on `own` are at or better than `price`.
    fn own_reach(&self, own: Side, price: i64) -> bool {
        let e = &self.engine;
        let reach = |p: i64| crosses(other(own), price, p);
        if e.book().best(own).is_none_or(|(p, _)| !reach(p)) {
            return false;
        }
        e.book()
            .depth()
            .levels(own)
            .take_while(|&(p, _)| reach(p))
            .any(|(p, _)| e.own_at(own, p) > 0)
    }

    /// An L1 quote. Ignored by L2 and L3 instruments.
    pub(crate) fn quote(
        &mut self,
        bid: i64,
        ask: i64,
        bid_size: u64,
        ask_size: u64,
        out: &mut Vec<Event>,
    ) {
        if self.book_type != BookType::L1 {
            return;
        }
        let e = &self.engine;
        let fast = !self.eager
            && e.pending() == 0
            && (e.book().is_empty() || !(self.busy(Side::Buy, bid) || self.busy(Side::Sell, ask)));
        if fast {
            self.l1_fast(Side::Buy, bid, bid_size);
            self.l1_fast(Side::Sell, ask, ask_size);
            return;
        }
        self.sync();
        self.l1_side(Side::Buy, bid, bid_size, out);
        self.l1_side(Side::Sell, ask, ask_size, out);
        self.engine.settle_market(out);
        self.refresh();
    }

    /// The fast path of one side: the same arithmetic the book would do, on the numbers.
    #[inline]
    fn l1_fast(&mut self, side: Side, price: i64, size: u64) {
        let st = &mut self.l1[side.index()];
        if st.price == Some(price) {
            let base = st.feed - st.explained.min(st.feed);
            if size >= base {
                st.total += size - base;
            } else {
                st.total -= (base - size).min(st.total);
            }
        } else {
            st.price = Some(price);
            st.total = size;
        }
        st.feed = size;
        st.explained = 0;
        st.dirty = true;
    }

    /// One side of a quote, through the book.
    fn l1_side(&mut self, side: Side, price: i64, size: u64, out: &mut Vec<Event>) {
        let st = self.l1[side.index()];
        let (old, front, explained, gone) = match st.price {
            Some(p) if p == price => (st.feed, false, st.explained, None),
            Some(p) => {
                // Reached by a move away from the spread, the level was there (unseen)
                // before traders' orders now level with it: ahead of them. Reached by a
                // move toward the spread, it is new: behind them.
                let worse = match side {
                    Side::Buy => price < p,
                    Side::Sell => price > p,
                };
                (0, worse, 0, Some(p))
            }
            None => (0, true, 0, None),
        };
        self.level(side, price, old, size, explained, front, true, out);
        if let Some(p) = gone {
            // The old level left the top: L1 no longer shows it. (Removed after the new
            // one is in, so the book's best never jumps away on the way.)
            self.engine.data_clear_level(side, p);
        }
        self.l1[side.index()] = L1Side {
            price: Some(price),
            feed: size,
            total: self.engine.data_at(side, price),
            explained: 0,
            mat: Some(price),
            dirty: false,
        };
    }

    /// The feed's size at `price` on `side` went from `old` to `new`, with `explained`
    /// lots traded there since `old` was reported (so the level held `old − explained`
    /// just before): growth beyond that first meets traders' orders it crosses, then
    /// rests (at the front or the back); shrinkage below it is cancellations. With
    /// `through` (L1), traders' orders the level is strictly through fill completely
    /// whatever the size.
    #[allow(clippy::too_many_arguments, reason = "one level change, all of it")]
    fn level(
        &mut self,
        side: Side,
        price: i64,
        old: u64,
        new: u64,
        explained: u64,
        front: bool,
        through: bool,
        out: &mut Vec<Event>,
    ) {
        let base = old - explained.min(old);
        let inc = new.saturating_sub(base);
        if through || inc > 0 {
            let used = self.engine.data_cross(side, price, inc, through, out);
            self.engine.data_add(side, price, inc - used, 0, front);
        }
        if new < base {
            self.engine.data_cancel(side, price, base - new, self.model);
        }
    }

    /// A trade print: `size` lots at `price`, aggressor `aggressor` (`None`: both sides).
    pub(crate) fn trade(
        &mut self,
        price: i64,
        size: u64,
        aggressor: Option<Side>,
        out: &mut Vec<Event>,
    ) {
        let sides: &[Side] = match aggressor {
            Some(Side::Buy) => &[Side::Buy],
            Some(Side::Sell) => &[Side::Sell],
            None => &SIDES,
        };
        if self.book_type == BookType::L1 {
            let e = &self.engine;
            let fast = !self.eager
                && e.pending() == 0
                && (e.book().is_empty() || !sides.iter().any(|&d| self.own_reach(other(d), price)));
            if fast {
                for &d in sides {
                    let st = &mut self.l1[other(d).index()];
                    if st.price == Some(price) {
                        st.total -= size.min(st.total);
                        st.explained = st.explained.saturating_add(size);
                        st.dirty = true;
                    }
                }
                self.engine.data_last(price);
                self.engine.settle_market(out);
                return;
            }
            self.sync();
        }
        for &d in sides {
            let own = other(d);
            let mut consumed = std::mem::take(&mut self.consumed);
            consumed.clear();
            let data = self.engine.data_trade(d, price, size, &mut consumed, out);
            match self.book_type {
                BookType::L1 | BookType::L2 => {
                    // The feed lost `size` lots here; those that filled traders' orders
                    // came from data further back.
                    let rest = self.engine.data_at(own, price);
                    let extra = (size - data.min(size)).min(rest);
                    self.engine
                        .data_cancel(own, price, extra, QueueModel::Pessimistic);
                    if self.book_type == BookType::L2 {
                        if self.feed.level(own, price).is_some() {
                            let e = self.explained[own.index()].entry(price).or_insert(0);
                            *e = e.saturating_add(size);
                        }
                    } else {
                        let st = &mut self.l1[own.index()];
                        if st.price == Some(price) {
                            st.explained = st.explained.saturating_add(size);
                        }
                    }
                }
                BookType::L3 => {
                    for &(id, q) in &consumed {
                        if let Some(r) = self.l3.get_mut(&id) {
                            r.explained = r.explained.saturating_add(q);
                        }
                    }
                }
            }
            self.consumed = consumed;
        }
        self.engine.data_last(price);
        self.engine.settle_market(out);
        self.refresh();
    }

    /// A book delta (codes already checked). Ignored by L1 instruments.
    pub(crate) fn delta(
        &mut self,
        side: u8,
        action: u8,
        price: i64,
        size: u64,
        id: u64,
        out: &mut Vec<Event>,
    ) {
        match self.book_type {
            BookType::L1 => return,
            BookType::L2 => self.l2_delta(side, action, price, size, out),
            BookType::L3 => self.l3_delta(side, action, price, size, id, out),
        }
        self.engine.settle_market(out);
    }

    fn sides_of(code: u8) -> &'static [Side] {
        match code {
            NO_SIDE => &SIDES,
            1 => &SIDES[..1],
            _ => &SIDES[1..],
        }
    }

    fn l2_delta(&mut self, side_code: u8, action: u8, price: i64, size: u64, out: &mut Vec<Event>) {
        if action == CLEAR {
            for &s in Self::sides_of(side_code) {
                self.engine.data_clear_side(s);
                self.feed.clear_side(s);
                self.explained[s.index()].clear();
            }
            return;
        }
        let side = Side::from_code(side_code).expect("checked by the caller");
        let old = self.feed.level(side, price).unwrap_or(0);
        let applied = self.feed.apply(side_code, action, price, size);
        debug_assert!(applied.is_ok(), "codes checked by the caller");
        let new = self.feed.level(side, price).unwrap_or(0);
        let map = &mut self.explained[side.index()];
        let explained = if map.is_empty() {
            0
        } else {
            map.remove(&price).unwrap_or(0)
        };
        self.level(side, price, old, new, explained, false, false, out);
    }

    fn l3_delta(
        &mut self,
        side_code: u8,
        action: u8,
        price: i64,
        size: u64,
        id: u64,
        out: &mut Vec<Event>,
    ) {
        if action == CLEAR {
            for &s in Self::sides_of(side_code) {
                self.engine.data_clear_side(s);
                self.l3.retain(|_, r| r.side != s);
            }
            return;
        }
        if action == DELETE {
            if self.l3.remove(&id).is_some() {
                self.engine.data_resize(id, 0);
            }
            return;
        }
        let side = Side::from_code(side_code).expect("checked by the caller");
        match self.l3.get(&id).copied() {
            Some(r) if r.side == side && r.price == price => {
                let leaves = self.engine.data_order(id).unwrap_or(0);
                if size == 0 {
                    self.l3.remove(&id);
                    self.engine.data_resize(id, 0);
                    return;
                }
                // The order's size just before this update, after the trades since the
                // last one.
                let base = r.feed - r.explained.min(r.feed);
                if size > base {
                    // A bigger order loses its place: to the back, after meeting any
                    // trader's order the new lots cross.
                    let inc = size - base;
                    let used = self.engine.data_cross(side, price, inc, false, out);
                    self.engine.data_resize(id, 0);
                    self.engine
                        .data_add(side, price, leaves + inc - used, id, false);
                } else if size < base {
                    let cancel = base - size;
                    self.engine.data_resize(id, leaves - cancel.min(leaves));
                }
                self.l3.insert(
                    id,
                    DataRec {
                        side,
                        price,
                        feed: size,
                        explained: 0,
                    },
                );
            }
            existing => {
                if existing.is_some() {
                    self.engine.data_resize(id, 0);
                }
                if size == 0 {
                    self.l3.remove(&id);
                    return;
                }
                let used = self.engine.data_cross(side, price, size, false, out);
                self.engine.data_add(side, price, size - used, id, false);
                self.l3.insert(
                    id,
                    DataRec {
                        side,
                        price,
                        feed: size,
                        explained: 0,
                    },
                );
            }
        }
    }
}
