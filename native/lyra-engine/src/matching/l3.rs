//! [`L3Book`]: live orders, and the resting ones queued FIFO per price level.
//!
//! Orders live in a slab (`Vec` plus free list) addressed by a `u32` slot, found from
//! their id through a hash index. Resting orders are linked into an intrusive doubly
//! linked list per price level, so joining the back of a queue, leaving it from
//! anywhere (cancel) and moving to the back (iceberg refresh, loss of priority) are all
//! O(1) with no allocation once the slab and maps have grown to the working size.
//!
//! The displayed size of each level is mirrored into an [`L2Book`], which gives the
//! best price of each side in O(1) and the levels in price order; a second hash map
//! finds the level (its queue) for a price.

use crate::book::{BUY, L2Book, SELL, Side, UPDATE};

use super::hash::FastMap;
use super::order::{OrderKind, OrderState, OrderView, TimeInForce, TrailingOffset, TriggerType};

/// No slot.
pub(crate) const NIL: u32 = u32::MAX;

/// A trailing order's parameters and progress.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trail {
    pub(crate) offset: TrailingOffset,
    pub(crate) limit_offset: u64,
    pub(crate) activation: Option<i64>,
    pub(crate) activated: bool,
}

/// A live order inside the engine.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent flags of one order; packing them would only obscure the hot path"
)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Order {
    /// Previous / next order in the level's queue (valid while resting).
    pub(crate) prev: u32,
    pub(crate) next: u32,
    /// The level whose queue holds it (valid while resting).
    pub(crate) level: u32,
    pub(crate) resting: bool,
    /// Waiting for a trigger (conditional orders) or activation (trailing).
    pub(crate) pending: bool,
    /// Market-data liquidity (see [`super::data`]), not an order of a trader: it has no
    /// entry in the id index, and an L3 data order with a non-zero id is found through
    /// the data index instead.
    pub(crate) data: bool,
    pub(crate) side: Side,
    pub(crate) reduce_only: bool,
    pub(crate) post_only: bool,
    pub(crate) account: u32,
    pub(crate) id: u64,
    /// Matchable slice while resting.
    pub(crate) visible: u64,
    /// Iceberg reserve while resting.
    pub(crate) hidden: u64,
    /// Iceberg slice size; 0 = not an iceberg.
    pub(crate) display: u64,
    pub(crate) qty: u64,
    pub(crate) filled: u64,
    /// Working limit price.
    pub(crate) price: Option<i64>,
    /// Trigger price while pending.
    pub(crate) trigger: Option<i64>,
    pub(crate) seq: u64,
    /// Expire time; `i64::MAX` = none.
    pub(crate) expire: i64,
    pub(crate) kind: OrderKind,
    pub(crate) tif: TimeInForce,
    pub(crate) trigger_type: TriggerType,
    pub(crate) trail: Option<Trail>,
    /// OCO/OUO group ([`super::link`]); 0 = none.
    pub(crate) group: u32,
}

impl Order {
    #[inline]
    pub(crate) const fn leaves(&self) -> u64 {
        self.qty - self.filled
    }

    /// Split `leaves` into the visible slice and the hidden reserve.
    #[inline]
    pub(crate) fn slice(&mut self) {
        let leaves = self.leaves();
        self.visible = if self.display == 0 {
            leaves
        } else {
            self.display.min(leaves)
        };
        self.hidden = leaves - self.visible;
    }

    pub(crate) fn view(&self) -> OrderView {
        OrderView {
            id: self.id,
            account: self.account,
            side: self.side,
            kind: self.kind,
            tif: self.tif,
            state: if self.resting {
                OrderState::Resting
            } else {
                OrderState::Pending
            },
            price: self.price,
            trigger: if self.pending { self.trigger } else { None },
            qty: self.qty,
            filled: self.filled,
            visible: if self.resting { self.visible } else { 0 },
            hidden: if self.resting { self.hidden } else { 0 },
            expire_time: (self.expire != i64::MAX).then_some(self.expire),
            seq: self.seq,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Level {
    price: i64,
    head: u32,
    tail: u32,
    /// Sum of the queued orders' visible quantities.
    visible: u64,
    /// The part of `visible` that is market data.
    data: u64,
}

const SIDE_CODE: [u8; 2] = [BUY, SELL];

/// The live orders of one instrument: resting ones in FIFO queues per price level, and
/// pending conditional ones off the book.
///
/// Read it through [`MatchingEngine::book`](super::MatchingEngine::book); only the engine
/// changes it.
#[derive(Debug, Clone)]
pub struct L3Book {
    nodes: Vec<Order>,
    free: Vec<u32>,
    index: FastMap<u64, u32>,
    /// L3 market-data orders by their feed id.
    data_index: FastMap<u64, u32>,
    levels: Vec<Level>,
    free_levels: Vec<u32>,
    level_at: [FastMap<i64, u32>; 2],
    depth: L2Book,
    resting: usize,
}

impl Default for L3Book {
    fn default() -> Self {
        Self::new()
    }
}

impl L3Book {
    /// An empty book.
    #[must_use]
    pub fn new() -> Self {
        Self {
            nodes: Vec::new(),
            free: Vec::new(),
            index: FastMap::default(),
            data_index: FastMap::default(),
            levels: Vec::new(),
            free_levels: Vec::new(),
            level_at: [FastMap::default(), FastMap::default()],
            depth: L2Book::new(),
            resting: 0,
        }
    }

    /// Displayed depth: per price level, the sum of the resting orders' visible
    /// quantities (iceberg reserves excluded) — what the venue's L2 feed would show.
    #[must_use]
    pub fn depth(&self) -> &L2Book {
        &self.depth
    }

    /// Best bid as (price, displayed size).
    #[inline]
    #[must_use]
    pub fn best_bid(&self) -> Option<(i64, u64)> {
        self.depth.best_bid()
    }

    /// Best ask as (price, displayed size).
    #[inline]
    #[must_use]
    pub fn best_ask(&self) -> Option<(i64, u64)> {
        self.depth.best_ask()
    }

    /// Best level of `side` as (price, displayed size).
    #[inline]
    #[must_use]
    pub fn best(&self, side: Side) -> Option<(i64, u64)> {
        self.depth.best(side)
    }

    /// Number of live orders (resting and pending; market data not counted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no live orders (market data not counted).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Displayed quantity of traders' orders (market data excluded) at `price` on `side`.
    #[must_use]
    pub fn own_at(&self, side: Side, price: i64) -> u64 {
        self.level_at[side.index()].get(&price).map_or(0, |&l| {
            let lv = &self.levels[l as usize];
            lv.visible - lv.data
        })
    }

    /// Market-data quantity at `price` on `side`.
    #[must_use]
    pub fn data_at(&self, side: Side, price: i64) -> u64 {
        self.level_at[side.index()]
            .get(&price)
            .map_or(0, |&l| self.levels[l as usize].data)
    }

    /// Number of resting orders (market-data entries included).
    #[must_use]
    pub fn resting(&self) -> usize {
        self.resting
    }

    /// A snapshot of the live order `id`.
    #[must_use]
    pub fn order(&self, id: u64) -> Option<OrderView> {
        self.index.get(&id).map(|&s| self.nodes[s as usize].view())
    }

    /// The ids queued at `price` on `side`, front of the queue first (a market-data
    /// entry shows its feed id, 0 for aggregated L1/L2 liquidity).
    #[must_use]
    pub fn queue(&self, side: Side, price: i64) -> Queue<'_> {
        let head = self.level_at[side.index()]
            .get(&price)
            .map_or(NIL, |&l| self.levels[l as usize].head);
        Queue {
            nodes: &self.nodes,
            cur: head,
        }
    }

    // ----- engine-side access -------------------------------------------------------

    #[inline]
    pub(crate) fn slot(&self, id: u64) -> Option<u32> {
        self.index.get(&id).copied()
    }

    #[inline]
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.index.contains_key(&id)
    }

    /// Slot of the L3 market-data order with feed id `id`.
    #[inline]
    pub(crate) fn data_slot(&self, id: u64) -> Option<u32> {
        self.data_index.get(&id).copied()
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &Order {
        &self.nodes[slot as usize]
    }

    /// Mutable access for orders off the book; resting orders change only through the
    /// queue operations below, which keep the level sizes in step.
    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Order {
        let o = &mut self.nodes[slot as usize];
        debug_assert!(!o.resting, "resting orders change through queue operations");
        o
    }

    /// Mutable access to any node, for fields the queues do not mirror (its group, or the
    /// total quantity of an order off the book).
    #[inline]
    pub(crate) fn node_mut(&mut self, slot: u32) -> &mut Order {
        &mut self.nodes[slot as usize]
    }

    /// Add a trader's order, off the book. Its id must not be live.
    #[inline]
    pub(crate) fn insert(&mut self, order: Order) -> u32 {
        debug_assert!(!order.data);
        let slot = self.alloc(order);
        let prev = self.index.insert(order.id, slot);
        debug_assert!(prev.is_none(), "duplicate id inserted");
        slot
    }

    /// Add a market-data entry, off the book; one with a non-zero id is indexed by it
    /// (which must not be in use).
    pub(crate) fn insert_data(&mut self, order: Order) -> u32 {
        debug_assert!(order.data);
        let slot = self.alloc(order);
        if order.id != 0 {
            let prev = self.data_index.insert(order.id, slot);
            debug_assert!(prev.is_none(), "duplicate data id inserted");
        }
        slot
    }

    #[inline]
    fn alloc(&mut self, mut order: Order) -> u32 {
        order.resting = false;
        order.prev = NIL;
        order.next = NIL;
        order.level = NIL;
        if let Some(s) = self.free.pop() {
            self.nodes[s as usize] = order;
            s
        } else {
            let s = u32::try_from(self.nodes.len()).expect("fewer than 2^32 - 1 live orders");
            assert!(s != NIL, "fewer than 2^32 - 1 live orders");
            self.nodes.push(order);
            s
        }
    }

    /// Remove an order (leaving its queue if resting).
    pub(crate) fn remove(&mut self, slot: u32) {
        let o = &self.nodes[slot as usize];
        if o.resting {
            self.unrest(slot);
        }
        let o = &self.nodes[slot as usize];
        if !o.data {
            self.index.remove(&o.id);
        } else if o.id != 0 {
            self.data_index.remove(&o.id);
        }
        self.free.push(slot);
    }

    /// Join the back of the queue at the order's price. `visible` must be positive.
    #[inline]
    pub(crate) fn rest(&mut self, slot: u32) {
        let (side, price, visible, data) = {
            let o = &self.nodes[slot as usize];
            debug_assert!(!o.resting && o.visible > 0);
            (
                o.side,
                o.price.expect("resting orders have a price"),
                o.visible,
                o.data,
            )
        };
        let s = side.index();
        let level = match self.level_at[s].get(&price) {
            Some(&l) => l,
            None => self.new_level(s, price),
        };
        let lv = &mut self.levels[level as usize];
        let tail = lv.tail;
        lv.tail = slot;
        if tail == NIL {
            lv.head = slot;
        }
        lv.visible += visible;
        if data {
            lv.data += visible;
        }
        let total = lv.visible;
        if tail != NIL {
            self.nodes[tail as usize].next = slot;
        }
        let o = &mut self.nodes[slot as usize];
        o.prev = tail;
        o.next = NIL;
        o.level = level;
        o.resting = true;
        self.resting += 1;
        self.set_depth(s, price, total);
    }

    /// Join the queue at the order's price, at its front if `front`, else at its back.
    pub(crate) fn join(&mut self, slot: u32, front: bool) {
        if !front {
            self.rest(slot);
            return;
        }
        let (side, price, visible, data) = {
            let o = &self.nodes[slot as usize];
            debug_assert!(!o.resting && o.visible > 0);
            (
                o.side,
                o.price.expect("resting orders have a price"),
                o.visible,
                o.data,
            )
        };
        let s = side.index();
        let level = match self.level_at[s].get(&price) {
            Some(&l) => l,
            None => self.new_level(s, price),
        };
        let lv = &mut self.levels[level as usize];
        let head = lv.head;
        lv.head = slot;
        if head == NIL {
            lv.tail = slot;
        }
        lv.visible += visible;
        if data {
            lv.data += visible;
        }
        let total = lv.visible;
        if head != NIL {
            self.nodes[head as usize].prev = slot;
        }
        let o = &mut self.nodes[slot as usize];
        o.prev = NIL;
        o.next = head;
        o.level = level;
        o.resting = true;
        self.resting += 1;
        self.set_depth(s, price, total);
    }

    /// Leave the queue (the order stays live, off the book).
    pub(crate) fn unrest(&mut self, slot: u32) {
        let n = &mut self.nodes[slot as usize];
        debug_assert!(n.resting);
        let (s, level, prev, next, visible, data) = (
            n.side.index(),
            n.level as usize,
            n.prev,
            n.next,
            n.visible,
            n.data,
        );
        n.resting = false;
        n.prev = NIL;
        n.next = NIL;
        n.level = NIL;
        if prev == NIL {
            self.levels[level].head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.levels[level].tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        self.resting -= 1;
        let lv = &mut self.levels[level];
        lv.visible -= visible;
        if data {
            lv.data -= visible;
        }
        let (price, total, empty) = (lv.price, lv.visible, lv.head == NIL);
        if empty {
            self.level_at[s].remove(&price);
            self.free_levels.push(level as u32);
        }
        self.set_depth(s, price, total);
    }

    /// A resting order trades `qty` of its visible slice.
    #[inline]
    pub(crate) fn fill(&mut self, slot: u32, qty: u64) {
        let o = &mut self.nodes[slot as usize];
        debug_assert!(o.resting && qty <= o.visible);
        o.visible -= qty;
        o.filled += qty;
        let (s, level, data) = (o.side.index(), o.level as usize, o.data);
        let lv = &mut self.levels[level];
        lv.visible -= qty;
        if data {
            lv.data -= qty;
        }
        let (price, total) = (lv.price, lv.visible);
        self.set_depth(s, price, total);
    }

    /// Set a resting market-data entry's quantity in place (keeping its queue position).
    /// `visible` must be positive.
    pub(crate) fn resize_data(&mut self, slot: u32, visible: u64) {
        let o = &mut self.nodes[slot as usize];
        debug_assert!(o.resting && o.data && visible > 0);
        let old = o.visible;
        o.visible = visible;
        o.qty = o.filled + visible;
        let (s, level) = (o.side.index(), o.level as usize);
        let lv = &mut self.levels[level];
        lv.visible = lv.visible - old + visible;
        lv.data = lv.data - old + visible;
        let (price, total) = (lv.price, lv.visible);
        self.set_depth(s, price, total);
    }

    /// Head and tail of the queue at `price` on `side` (`(NIL, NIL)` if there is none).
    #[inline]
    pub(crate) fn ends_at(&self, side: Side, price: i64) -> (u32, u32) {
        self.level_at[side.index()]
            .get(&price)
            .map_or((NIL, NIL), |&l| {
                let lv = &self.levels[l as usize];
                (lv.head, lv.tail)
            })
    }

    /// Show an iceberg's next slice at the back of its queue.
    pub(crate) fn requeue(&mut self, slot: u32) {
        self.unrest(slot);
        let o = &mut self.nodes[slot as usize];
        debug_assert!(o.visible == 0 && o.hidden > 0);
        o.slice();
        self.rest(slot);
    }

    /// Lower a resting order's remaining quantity in place, keeping its queue position:
    /// the hidden reserve shrinks first, then the visible slice. `leaves` must be positive
    /// and not above the current one.
    pub(crate) fn reduce(&mut self, slot: u32, leaves: u64) {
        let o = &mut self.nodes[slot as usize];
        debug_assert!(o.resting && leaves > 0 && leaves <= o.leaves());
        let old_visible = o.visible;
        if leaves >= o.visible {
            o.hidden = leaves - o.visible;
        } else {
            o.visible = leaves;
            o.hidden = 0;
        }
        o.qty = o.filled + leaves;
        let cut = old_visible - o.visible;
        let (s, level, data) = (o.side.index(), o.level as usize, o.data);
        let lv = &mut self.levels[level];
        lv.visible -= cut;
        if data {
            lv.data -= cut;
        }
        let (price, total) = (lv.price, lv.visible);
        self.set_depth(s, price, total);
    }

    /// Front of the best queue on `side`.
    #[inline]
    pub(crate) fn best_head(&self, side: Side) -> Option<(i64, u32)> {
        let (price, _) = self.depth.best(side)?;
        let level = self.level_at[side.index()][&price];
        Some((price, self.levels[level as usize].head))
    }

    /// Front of the queue at `price` on `side` (`NIL` if there is none).
    #[inline]
    pub(crate) fn head_at(&self, side: Side, price: i64) -> u32 {
        self.level_at[side.index()]
            .get(&price)
            .map_or(NIL, |&l| self.levels[l as usize].head)
    }

    fn new_level(&mut self, s: usize, price: i64) -> u32 {
        let lv = Level {
            price,
            head: NIL,
            tail: NIL,
            visible: 0,
            data: 0,
        };
        let level = if let Some(l) = self.free_levels.pop() {
            self.levels[l as usize] = lv;
            l
        } else {
            self.levels.push(lv);
            (self.levels.len() - 1) as u32
        };
        self.level_at[s].insert(price, level);
        level
    }

    #[inline]
    fn set_depth(&mut self, s: usize, price: i64, total: u64) {
        let r = self.depth.apply(SIDE_CODE[s], UPDATE, price, total);
        debug_assert!(r.is_ok(), "constant codes are valid");
    }

    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let mut resting = 0;
        for s in 0..2 {
            let side = if s == 0 { Side::Buy } else { Side::Sell };
            let mut levels = 0;
            for (price, shown) in self.depth.levels(side) {
                levels += 1;
                let l = self.level_at[s][&price];
                let lv = &self.levels[l as usize];
                assert_eq!(lv.price, price);
                let mut sum = 0;
                let mut data = 0;
                let mut prev = NIL;
                let mut cur = lv.head;
                while cur != NIL {
                    let o = &self.nodes[cur as usize];
                    assert!(o.resting && o.side == side && o.price == Some(price));
                    assert_eq!(o.prev, prev);
                    assert_eq!(o.level, l);
                    assert!(o.visible > 0);
                    assert_eq!(o.visible + o.hidden, o.leaves());
                    sum += o.visible;
                    if o.data {
                        assert!(o.hidden == 0 && !o.pending && o.expire == i64::MAX);
                        data += o.visible;
                    }
                    resting += 1;
                    prev = cur;
                    cur = o.next;
                }
                assert_eq!(lv.tail, prev);
                assert_eq!(sum, shown);
                assert_eq!(lv.visible, shown);
                assert_eq!(lv.data, data);
            }
            assert_eq!(levels, self.level_at[s].len());
        }
        assert_eq!(resting, self.resting);
        for (&id, &slot) in &self.index {
            assert_eq!(self.nodes[slot as usize].id, id);
            assert!(!self.nodes[slot as usize].data);
        }
        for (&id, &slot) in &self.data_index {
            let o = &self.nodes[slot as usize];
            assert!(o.data && o.resting && o.id == id);
        }
    }
}

/// Ids in one price level's queue, front first (from [`L3Book::queue`]).
pub struct Queue<'a> {
    nodes: &'a [Order],
    cur: u32,
}

impl Iterator for Queue<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.cur == NIL {
            return None;
        }
        let o = &self.nodes[self.cur as usize];
        self.cur = o.next;
        Some(o.id)
    }
}
