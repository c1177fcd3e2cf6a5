//! Taking liquidity: the walk of an aggressing order through the opposite queues, and the
//! dry run of the same walk that decides a fill-or-kill order before anything changes.
//!
//! Both drive the same per-match decision, [`step`], in the same order (price levels best
//! first, each level's queue front first, a refreshed iceberg slice behind everything
//! already queued at its price), so the dry run's quantity is exactly what the walk fills.

use std::collections::VecDeque;

use crate::book::Side;

use super::engine::{MatchingEngine, SelfTradePrevention, opposite};
use super::event::{CancelReason, Event};
use super::hash::FastMap;
use super::l3::{NIL, Order};

/// The aggressing side of a walk.
#[derive(Debug, Clone, Copy)]
pub(super) struct Taker {
    pub(super) id: u64,
    pub(super) account: u32,
    pub(super) side: Side,
    /// Worst price it may trade at; `None` = any.
    pub(super) limit: Option<i64>,
    pub(super) leaves: u64,
    pub(super) reduce_only: bool,
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
}

impl MatchingEngine {
    /// Walk the opposite side for `t`, filling as [`step`] decides; returns why it stopped.
    /// `t.leaves` is left at what remains unfilled.
    pub(super) fn take(&mut self, t: &mut Taker, out: &mut Vec<Event>) -> Halt {
        let opp = opposite(t.side);
        let stp = self.cfg.self_trade;
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
            let (maker_id, info) = (m.id, MakerInfo::of(m));
            let tp = position_of(&self.positions, t.account);
            let mp = position_of(&self.positions, info.account);
            match step(t, tp, &info, mp, stp) {
                Step::Fill(q) => {
                    out.push(Event::Filled {
                        taker: t.id,
                        maker: maker_id,
                        price,
                        qty: q,
                        aggressor: t.side,
                    });
                    self.last = Some(price);
                    self.trades = Some(match self.trades {
                        None => (price, price),
                        Some((lo, hi)) => (lo.min(price), hi.max(price)),
                    });
                    self.add_position(t.account, signed(t.side, q));
                    self.add_position(info.account, signed(opp, q));
                    t.leaves -= q;
                    self.book.fill(maker, q);
                    let m = self.book.get(maker);
                    if m.leaves() == 0 {
                        self.discard(maker);
                    } else if info.reduce_only
                        && reducible(position_of(&self.positions, info.account), opp) == 0
                    {
                        self.discard(maker);
                        out.push(Event::Canceled {
                            id: maker_id,
                            reason: CancelReason::ReduceOnly,
                        });
                    } else if m.visible == 0 {
                        self.book.requeue(maker);
                    }
                    if t.reduce_only
                        && t.leaves > 0
                        && reducible(position_of(&self.positions, t.account), t.side) == 0
                    {
                        return Halt::Canceled(CancelReason::ReduceOnly);
                    }
                }
                Step::CancelMaker(reason) => {
                    self.discard(maker);
                    out.push(Event::Canceled {
                        id: maker_id,
                        reason,
                    });
                }
                Step::StopTaker(reason) => return Halt::Canceled(reason),
                Step::CancelBoth => {
                    self.discard(maker);
                    out.push(Event::Canceled {
                        id: maker_id,
                        reason: CancelReason::SelfTrade,
                    });
                    return Halt::Canceled(CancelReason::SelfTrade);
                }
            }
        }
    }

    /// How much [`take`](Self::take) would fill for `t`, without changing anything.
    /// Stops counting once `t.leaves` is reached.
    pub(super) fn fillable(&mut self, t: &Taker) -> u64 {
        let opp = opposite(t.side);
        let stp = self.cfg.self_trade;
        let book = &self.book;
        let real = &self.positions;
        let run = &mut self.dry;
        run.positions.clear();
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
                let tp = run.position(real, t.account);
                let mp = run.position(real, info.account);
                match step(&t, tp, &info, mp, stp) {
                    Step::Fill(q) => {
                        got += q;
                        t.leaves -= q;
                        run.add(real, t.account, signed(t.side, q));
                        run.add(real, info.account, signed(opp, q));
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
}
