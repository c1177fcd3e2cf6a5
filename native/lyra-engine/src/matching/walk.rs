//! Taking liquidity: the walk of an aggressing order through the opposite queues, the
//! dry run of the same walk that decides a fill-or-kill order before anything changes,
//! and the walks in which market data reaches traders' resting orders.
//!
//! The first two drive the same per-match decision, [`step`], in the same order (price
//! levels best first, each level's queue front first, a refreshed iceberg slice behind
//! everything already queued at its price), so the dry run's quantity is exactly what the
//! walk fills.

use std::collections::VecDeque;

use crate::book::Side;

use super::data::MARKET_ACCOUNT;
use super::engine::{MatchingEngine, SelfTradePrevention, opposite};
use super::event::{CancelReason, Event};
use super::hash::FastMap;
use super::l3::{NIL, Order};
use super::link::LinkKind;

/// The aggressing side of a walk.
#[derive(Debug, Clone, Copy)]
pub(super) struct Taker {
    pub(super) id: u64,
    /// The taker's slot (`NIL` for market data).
    pub(super) slot: u32,
    pub(super) account: u32,
    pub(super) side: Side,
    /// Worst price it may trade at; `None` = any.
    pub(super) limit: Option<i64>,
    pub(super) leaves: u64,
    pub(super) reduce_only: bool,
    /// OCO/OUO group; 0 = none.
    pub(super) group: u32,
}

/// Why a walk stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Halt {
    /// Nothing left to fill.
    Filled,
    /// The opposite side is empty.
    Exhausted,
    /// The next opposite level is beyond the taker's limit.
    Limit,
    /// The taker's remainder must be canceled.
    Canceled(CancelReason),
}

/// What the walk needs to know about a maker.
#[derive(Debug, Clone, Copy)]
pub(super) struct MakerInfo {
    account: u32,
    reduce_only: bool,
    visible: u64,
    hidden: u64,
    display: u64,
    group: u32,
    /// Filled during the dry run so far.
    run_filled: u64,
}

impl MakerInfo {
    #[inline]
    fn of(o: &Order) -> Self {
        Self {
            account: o.account,
            reduce_only: o.reduce_only,
            visible: o.visible,
            hidden: o.hidden,
            display: o.display,
            group: o.group,
            run_filled: 0,
        }
    }
}

/// Scratch space of the dry run, kept between calls so it does not allocate.
#[derive(Debug, Clone, Default)]
pub(super) struct DryRun {
    /// Iceberg slices refreshed during the run, queued behind the level's orders.
    requeued: VecDeque<MakerInfo>,
    /// Positions as the run has changed them.
    positions: Vec<(u32, i64)>,
    /// OCO/OUO groups the run has filled into: (group, lots filled, OCO fired).
    groups: Vec<(u32, u64, bool)>,
}

/// One match decision.
enum Step {
    Fill(u64),
    CancelMaker(CancelReason),
    StopTaker(CancelReason),
    /// Self-trade with `CancelBoth`: cancel the maker, then stop.
    CancelBoth,
}

/// Lots `side` may trade while only reducing `position`.
#[inline]
pub(super) fn reducible(position: i64, side: Side) -> u64 {
    match side {
        Side::Buy if position < 0 => position.unsigned_abs(),
        Side::Sell if position > 0 => position as u64,
        _ => 0,
    }
}

/// Signed position change of a fill of `qty` on `side`.
#[inline]
fn signed(side: Side, qty: u64) -> i64 {
    match side {
        Side::Buy => qty as i64,
        Side::Sell => -(qty as i64),
    }
}

/// Whether a taker on `side` limited to `limit` may trade at `price`.
#[inline]
pub(super) fn crosses(side: Side, limit: Option<i64>, price: i64) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => price <= l,
        (Side::Sell, Some(l)) => price >= l,
    }
}

/// The rules applied to each (taker, front maker) pair, in this order: the taker's
/// reduce-only room, self-trade prevention, the maker's reduce-only room, then the
/// quantity (the smaller of the taker's leaves and the maker's visible slice, clipped
/// by each reduce-only room).
#[inline]
fn step(
    t: &Taker,
    taker_pos: i64,
    m: &MakerInfo,
    maker_pos: i64,
    stp: SelfTradePrevention,
) -> Step {
    let mut q = t.leaves.min(m.visible);
    if t.reduce_only {
        let room = reducible(taker_pos, t.side);
        if room == 0 {
            return Step::StopTaker(CancelReason::ReduceOnly);
        }
        q = q.min(room);
    }
    if m.account == t.account {
        match stp {
            SelfTradePrevention::Allow => {}
            SelfTradePrevention::CancelTaker => return Step::StopTaker(CancelReason::SelfTrade),
            SelfTradePrevention::CancelMaker => {
                return Step::CancelMaker(CancelReason::SelfTrade);
            }
            SelfTradePrevention::CancelBoth => return Step::CancelBoth,
        }
    }
    if m.reduce_only {
        let room = reducible(maker_pos, opposite(t.side));
        if room == 0 {
            return Step::CancelMaker(CancelReason::ReduceOnly);
        }
        q = q.min(room);
    }
    Step::Fill(q)
}

#[inline]
fn position_of(positions: &FastMap<u32, i64>, account: u32) -> i64 {
    positions.get(&account).copied().unwrap_or(0)
}

impl DryRun {
    fn position(&self, real: &FastMap<u32, i64>, account: u32) -> i64 {
        self.positions
            .iter()
            .find(|&&(a, _)| a == account)
            .map_or_else(|| position_of(real, account), |&(_, p)| p)
    }

    fn add(&mut self, real: &FastMap<u32, i64>, account: u32, delta: i64) {
        if let Some(e) = self.positions.iter_mut().find(|e| e.0 == account) {
            e.1 = e.1.saturating_add(delta);
        } else {
            let p = position_of(real, account).saturating_add(delta);
            self.positions.push((account, p));
        }
    }

    fn group(&self, group: u32) -> (u64, bool) {
        self.groups
            .iter()
            .find(|e| e.0 == group)
            .map_or((0, false), |e| (e.1, e.2))
    }

    fn group_fill(&mut self, group: u32, qty: u64) {
        if let Some(e) = self.groups.iter_mut().find(|e| e.0 == group) {
            e.1 += qty;
            e.2 = true;
        } else {
            self.groups.push((group, qty, true));
        }
    }
}

/// How a market-data walk treats the orders of one price level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LevelMode {
    /// Every trader's order fills completely (market data went through the price).
    Full,
    /// Traders' orders fill from the shared budget, front first; data is skipped.
    Budget,
    /// The whole queue, market data included, fills from the budget front first (a
    /// trade at the level).
    Queue,
}

impl MatchingEngine {
    /// Walk the opposite side for `t`, filling as [`step`] decides; returns why it stopped.
    /// `t.leaves` is left at what remains unfilled.
    pub(super) fn take(&mut self, t: &mut Taker, out: &mut Vec<Event>) -> Halt {
        let opp = opposite(t.side);
        let stp = self.cfg.self_trade;
        // `out.len()` just after this walk's last data fill, while it is the last event.
        let mut data_fill_at: Option<usize> = None;
        loop {
            if t.leaves == 0 {
                return Halt::Filled;
            }
            let Some((price, maker)) = self.book.best_head(opp) else {
                return Halt::Exhausted;
            };
            if !crosses(t.side, t.limit, price) {
                return Halt::Limit;
            }
            let m = self.book.get(maker);
            let (maker_id, data, info) = (m.id, m.data, MakerInfo::of(m));
            let tp = position_of(&self.positions, t.account);
            let mp = position_of(&self.positions, info.account);
            match step(t, tp, &info, mp, stp) {
                Step::Fill(q) => {
                    if data {
                        // Market data is one counterparty: consecutive data entries at a
                        // price (chunks around traders' orders) make one fill.
                        let merged = data_fill_at == Some(out.len()) && {
                            match out.last_mut() {
                                Some(Event::DataFill { price: p, qty, .. }) if *p == price => {
                                    *qty += q;
                                    true
                                }
                                _ => false,
                            }
                        };
                        if !merged {
                            out.push(Event::DataFill {
                                id: t.id,
                                price,
                                qty: q,
                                maker: false,
                            });
                            data_fill_at = Some(out.len());
                        }
                    } else {
                        out.push(Event::Filled {
                            taker: t.id,
                            maker: maker_id,
                            price,
                            qty: q,
                            aggressor: t.side,
                        });
                        self.add_position(info.account, signed(opp, q));
                    }
                    self.record_trade(price);
                    self.add_position(t.account, signed(t.side, q));
                    t.leaves -= q;
                    self.book.fill(maker, q);
                    let done = self.book.get(maker).leaves() == 0;
                    if done {
                        self.discard(maker);
                    }
                    let linked = (info.group | t.group) != 0;
                    if linked {
                        if info.group != 0 {
                            self.linked_fill(info.group, maker, q, out);
                        }
                        if t.group != 0 {
                            self.linked_fill(t.group, t.slot, q, out);
                        }
                    }
                    // The group rules may have canceled the maker.
                    if !done && (!linked || self.book.slot(maker_id) == Some(maker)) {
                        if info.reduce_only
                            && reducible(position_of(&self.positions, info.account), opp) == 0
                        {
                            self.kill(maker, Some(CancelReason::ReduceOnly), out);
                        } else if self.book.get(maker).visible == 0 {
                            self.book.requeue(maker);
                        }
                    }
                    if let Some(h) = self.walker_halt(t, out) {
                        return h;
                    }
                    if t.reduce_only
                        && t.leaves > 0
                        && reducible(position_of(&self.positions, t.account), t.side) == 0
                    {
                        return Halt::Canceled(CancelReason::ReduceOnly);
                    }
                }
                Step::CancelMaker(reason) => {
                    self.kill(maker, Some(reason), out);
                    if let Some(h) = self.walker_halt(t, out) {
                        return h;
                    }
                }
                Step::StopTaker(reason) => return Halt::Canceled(reason),
                Step::CancelBoth => {
                    self.kill(maker, Some(CancelReason::SelfTrade), out);
                    return Halt::Canceled(CancelReason::SelfTrade);
                }
            }
        }
    }

    /// What group rules did to the walking taker since the last check.
    #[inline]
    fn walker_halt(&mut self, t: &mut Taker, out: &mut Vec<Event>) -> Option<Halt> {
        if self.taker_kill.is_none() && self.taker_cut == 0 {
            return None;
        }
        match self.walker_check(t.slot, t.leaves, out) {
            Ok(leaves) => {
                t.leaves = leaves;
                None
            }
            Err(reason) => Some(Halt::Canceled(reason)),
        }
    }

    /// How much [`take`](Self::take) would fill for `t`, without changing anything.
    /// Stops counting once `t.leaves` is reached.
    pub(super) fn fillable(&mut self, t: &Taker) -> u64 {
        let opp = opposite(t.side);
        let stp = self.cfg.self_trade;
        let book = &self.book;
        let real = &self.positions;
        let groups = &self.groups;
        let run = &mut self.dry;
        run.positions.clear();
        run.groups.clear();
        let mut t = *t;
        let mut got = 0;
        for (price, _) in book.depth().levels(opp) {
            if !crosses(t.side, t.limit, price) {
                break;
            }
            let mut cur = book.head_at(opp, price);
            run.requeued.clear();
            // A maker left with visible quantity after a fill (possible only when the fill
            // was clipped by reduce-only room that a self-trade did not use up) stays first.
            let mut held: Option<MakerInfo> = None;
            loop {
                let mut info = if let Some(i) = held.take() {
                    i
                } else if cur != NIL {
                    let m = book.get(cur);
                    cur = m.next;
                    MakerInfo::of(m)
                } else if let Some(i) = run.requeued.pop_front() {
                    i
                } else {
                    break;
                };
                if info.group != 0 {
                    // What the group rules would have done to this maker by now.
                    let live = groups.get(&info.group).filter(|g| !g.closed);
                    if let Some(g) = live {
                        let (acc, fired) = run.group(info.group);
                        match g.kind {
                            LinkKind::Oco if fired && info.run_filled == 0 => continue,
                            LinkKind::Oco => {}
                            LinkKind::Ouo => {
                                let cut = acc - info.run_filled.min(acc);
                                let leaves = (info.visible + info.hidden).saturating_sub(cut);
                                if leaves == 0 {
                                    continue;
                                }
                                info.visible = info.visible.min(leaves);
                                info.hidden = leaves - info.visible;
                            }
                        }
                    }
                }
                let tp = run.position(real, t.account);
                let mp = run.position(real, info.account);
                match step(&t, tp, &info, mp, stp) {
                    Step::Fill(q) => {
                        got += q;
                        t.leaves -= q;
                        run.add(real, t.account, signed(t.side, q));
                        run.add(real, info.account, signed(opp, q));
                        if info.group != 0 {
                            run.group_fill(info.group, q);
                            info.run_filled += q;
                        }
                        if t.group != 0 {
                            run.group_fill(t.group, q);
                        }
                        info.visible -= q;
                        let maker_done = info.visible + info.hidden == 0
                            || (info.reduce_only
                                && reducible(run.position(real, info.account), opp) == 0);
                        if maker_done {
                        } else if info.visible == 0 {
                            info.visible = info.display.min(info.hidden);
                            info.hidden -= info.visible;
                            run.requeued.push_back(info);
                        } else {
                            held = Some(info);
                        }
                        if t.leaves == 0
                            || (t.reduce_only
                                && reducible(run.position(real, t.account), t.side) == 0)
                        {
                            return got;
                        }
                    }
                    Step::CancelMaker(_) => {}
                    Step::StopTaker(_) | Step::CancelBoth => return got,
                }
            }
        }
        got
    }

    #[inline]
    pub(super) fn add_position(&mut self, account: u32, delta: i64) {
        let p = self.positions.entry(account).or_insert(0);
        *p = p.saturating_add(delta);
    }

    // ----- market data reaching traders' resting orders ---------------------------------

    /// Market data on `data_side` offers `budget` lots at `price` that cross traders'
    /// resting orders on the other side (a data bid at or above an own ask, a data ask at
    /// or below an own bid). Those orders fill as makers at their own prices, best price
    /// first and front of the queue first, from the budget; with `through`, orders at
    /// prices strictly better than `price` fill completely without using it (the market
    /// moved through them). Market data resting on the traders' side is skipped: data
    /// never trades with data. Returns the budget used.
    pub fn data_cross(
        &mut self,
        data_side: Side,
        price: i64,
        budget: u64,
        through: bool,
        out: &mut Vec<Event>,
    ) -> u64 {
        let own = opposite(data_side);
        // Usually nothing crosses: answer that from the best level alone.
        if self
            .book
            .best(own)
            .is_none_or(|(p, _)| !crosses(data_side, Some(price), p))
        {
            return 0;
        }
        let mut levels = std::mem::take(&mut self.level_scratch);
        levels.clear();
        levels.extend(
            self.book
                .depth()
                .levels(own)
                .map(|(p, _)| p)
                .take_while(|&p| crosses(data_side, Some(price), p)),
        );
        let mut used = 0;
        for &p in &levels {
            let mode = if through && p != price {
                LevelMode::Full
            } else {
                LevelMode::Budget
            };
            if mode == LevelMode::Budget && used == budget {
                break;
            }
            used += self.data_level_walk(own, p, mode, budget - used, None, out);
        }
        self.level_scratch = levels;
        used
    }

    /// A market-data trade of `qty` lots at `price` whose aggressor was on `data_side`
    /// (a sell trade reaches resting bids). Traders' orders at prices strictly better than
    /// `price` fill completely (the trade went through them); at `price` the queue fills
    /// front first from `qty`, market data included (it was ahead). Market-data entries
    /// it consumes shrink; for L3 data orders (non-zero id) each `(id, lots)` is pushed
    /// to `consumed`. Returns the market-data lots consumed at `price`. Does not set the
    /// last price or settle triggers.
    pub fn data_trade(
        &mut self,
        data_side: Side,
        price: i64,
        qty: u64,
        consumed: &mut Vec<(u64, u64)>,
        out: &mut Vec<Event>,
    ) -> u64 {
        let own = opposite(data_side);
        let mut levels = std::mem::take(&mut self.level_scratch);
        levels.clear();
        let through = |p: i64| crosses(data_side, Some(price), p) && p != price;
        if self.book.best(own).is_some_and(|(p, _)| through(p)) {
            levels.extend(
                self.book
                    .depth()
                    .levels(own)
                    .map(|(p, _)| p)
                    .take_while(|&p| through(p)),
            );
        }
        for &p in &levels {
            self.data_level_walk(own, p, LevelMode::Full, 0, None, out);
        }
        self.level_scratch = levels;
        let mut data = 0;
        self.data_level_walk(
            own,
            price,
            LevelMode::Queue,
            qty,
            Some((consumed, &mut data)),
            out,
        );
        data
    }

    /// One level of a market-data walk; returns the budget used. In
    /// [`LevelMode::Queue`], `sink` receives the consumed L3 data orders and the total of
    /// market data consumed.
    fn data_level_walk(
        &mut self,
        own: Side,
        price: i64,
        mode: LevelMode,
        budget: u64,
        mut sink: Option<(&mut Vec<(u64, u64)>, &mut u64)>,
        out: &mut Vec<Event>,
    ) -> u64 {
        let stp = self.cfg.self_trade;
        let data_side = opposite(own);
        let mut used = 0u64;
        loop {
            if mode != LevelMode::Full && used == budget {
                break;
            }
            // Every node visited is removed, requeued or ends the walk, so the next one to
            // look at is always the first eligible one from the front.
            let (mut cur, _) = self.book.ends_at(own, price);
            if mode != LevelMode::Queue {
                while cur != NIL && self.book.get(cur).data {
                    cur = self.book.get(cur).next;
                }
            }
            if cur == NIL {
                break;
            }
            let o = self.book.get(cur);
            if o.data {
                let take = (budget - used).min(o.visible);
                let (id, left) = (o.id, o.visible - take);
                used += take;
                if let Some((consumed, data)) = sink.as_mut() {
                    **data += take;
                    if id != 0 {
                        consumed.push((id, take));
                    }
                }
                if left == 0 {
                    self.book.remove(cur);
                } else {
                    self.book.resize_data(cur, left);
                }
                continue;
            }
            let (id, account, group, full_leaves) = (o.id, o.account, o.group, o.leaves());
            let mut info = MakerInfo::of(o);
            if mode == LevelMode::Full {
                info.visible = full_leaves;
            }
            let t = Taker {
                id: 0,
                slot: NIL,
                account: MARKET_ACCOUNT,
                side: data_side,
                limit: Some(price),
                leaves: if mode == LevelMode::Full {
                    full_leaves
                } else {
                    budget - used
                },
                reduce_only: false,
                group: 0,
            };
            let mp = position_of(&self.positions, account);
            let q = match step(&t, 0, &info, mp, stp) {
                Step::Fill(q) => q,
                Step::CancelMaker(reason) => {
                    self.kill(cur, Some(reason), out);
                    continue;
                }
                // A market-data taker has no account of its own to protect or clip.
                Step::StopTaker(_) | Step::CancelBoth => unreachable!("data never self-trades"),
            };
            out.push(Event::DataFill {
                id,
                price,
                qty: q,
                maker: true,
            });
            self.record_trade(price);
            self.add_position(account, signed(own, q));
            if mode == LevelMode::Full {
                self.book.unrest(cur);
                self.book.get_mut(cur).filled += q;
            } else {
                used += q;
                self.book.fill(cur, q);
            }
            let done = self.book.get(cur).leaves() == 0;
            if done {
                self.discard(cur);
            }
            if group != 0 {
                self.linked_fill(group, cur, q, out);
            }
            if done || (group != 0 && self.book.slot(id) != Some(cur)) {
                continue;
            }
            let n = self.book.get(cur);
            if !n.resting
                || (n.reduce_only && reducible(position_of(&self.positions, account), own) == 0)
            {
                // Off the book after a complete fill clipped by reduce-only room, or flat.
                self.kill(cur, Some(CancelReason::ReduceOnly), out);
            } else if n.visible == 0 {
                self.book.requeue(cur);
            }
        }
        used
    }
}
