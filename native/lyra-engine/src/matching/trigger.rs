//! Conditional orders: stops, if-touched and trailing orders waiting for their trigger.
//!
//! Plain conditional orders are indexed by (trigger, arrival sequence) in one ordered set
//! per (reference price, direction), so finding those a price move fired is a range scan
//! over exactly the fired ones. Trailing orders move their trigger with the market, so
//! they are kept in arrival order and all re-evaluated whenever the engine settles.
//!
//! References are compared doubled, as `i128`, so that the mid price `(bid + ask) / 2`
//! is exact even on a half tick and no sum of two `i64` prices overflows.

use std::collections::{BTreeMap, BTreeSet};

use crate::book::Side;

use super::engine::MatchingEngine;
use super::event::Event;
use super::l3::Order;
use super::order::{OrderKind, TriggerType};

const BID: usize = 0;
const ASK: usize = 1;
const LAST: usize = 2;
const MID: usize = 3;
const MARK: usize = 4;
/// Both bid and ask: a rise is seen by the lower of the two, a fall by the higher.
const DOUBLE_BID_ASK: usize = 5;
/// The last two trades: a rise is seen by the lower of the two, a fall by the higher.
const DOUBLE_LAST: usize = 6;
/// Last trade or best ask (buy orders): whichever reaches the trigger first.
const LAST_OR_ASK: usize = 7;
/// Last trade or best bid (sell orders).
const LAST_OR_BID: usize = 8;
const SOURCES: usize = 9;

/// Fires when the reference is at or above the trigger.
const RISE: usize = 0;
/// Fires when the reference is at or below the trigger.
const FALL: usize = 1;

/// What a conditional order does on arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arm {
    /// Wait for the trigger.
    Wait,
    /// Its trigger (or activation) is already reached at this reference price.
    InMarket(i64),
}

/// The pending conditional orders.
#[derive(Debug, Clone, Default)]
pub(super) struct Triggers {
    /// `sets[source][direction]`: (trigger, seq, slot).
    sets: [[BTreeSet<(i64, u64, u32)>; 2]; SOURCES],
    /// Trailing orders by arrival sequence.
    trailing: BTreeMap<u64, u32>,
    count: usize,
    /// Scratch lists of the orders fired in one pass, and their ids.
    fired: Vec<u32>,
    fired_ids: Vec<u64>,
}

/// Which reference an order watches.
const fn source(side: Side, tt: TriggerType) -> usize {
    match tt {
        TriggerType::Default | TriggerType::BidAsk => match side {
            Side::Buy => ASK,
            Side::Sell => BID,
        },
        TriggerType::Last => LAST,
        TriggerType::Mid => MID,
        TriggerType::Mark => MARK,
        TriggerType::DoubleBidAsk => DOUBLE_BID_ASK,
        TriggerType::DoubleLast => DOUBLE_LAST,
        TriggerType::LastOrBidAsk => match side {
            Side::Buy => LAST_OR_ASK,
            Side::Sell => LAST_OR_BID,
        },
    }
}

/// Which way the reference must cross: stops fire on a move through the trigger against
/// the order (buy: up, sell: down), if-touched orders on a move in its favour.
const fn direction(side: Side, kind: OrderKind) -> usize {
    match (side, kind.is_touch()) {
        (Side::Buy, false) | (Side::Sell, true) => RISE,
        (Side::Sell, false) | (Side::Buy, true) => FALL,
    }
}

/// `r` moved away from the market by `off` in the direction that protects `side`.
fn away(side: Side, r: i64, off: i64) -> i64 {
    match side {
        Side::Buy => r.saturating_add(off),
        Side::Sell => r.saturating_sub(off),
    }
}

/// Whether `new` is a ratchet in the favour of `side` over `old` (buy: lower, sell: higher).
fn better(side: Side, new: i64, old: i64) -> bool {
    match side {
        Side::Buy => new < old,
        Side::Sell => new > old,
    }
}

/// Whether the reference `r` touches an activation price `a` for `side`.
fn touched(side: Side, r: i64, a: i64) -> bool {
    match side {
        Side::Buy => r <= a,
        Side::Sell => r >= a,
    }
}

impl Triggers {
    pub(super) fn len(&self) -> usize {
        self.count
    }

    pub(super) fn insert(&mut self, o: &Order, slot: u32) {
        if o.trail.is_some() {
            self.trailing.insert(o.seq, slot);
        } else {
            let trig = o.trigger.expect("conditional orders have a trigger");
            self.sets[source(o.side, o.trigger_type)][direction(o.side, o.kind)]
                .insert((trig, o.seq, slot));
        }
        self.count += 1;
    }

    pub(super) fn remove(&mut self, o: &Order, slot: u32) {
        let removed = if o.trail.is_some() {
            self.trailing.remove(&o.seq).is_some()
        } else {
            let trig = o.trigger.expect("conditional orders have a trigger");
            self.sets[source(o.side, o.trigger_type)][direction(o.side, o.kind)]
                .remove(&(trig, o.seq, slot))
        };
        debug_assert!(removed, "pending order was indexed");
        self.count -= 1;
    }
}

impl MatchingEngine {
    /// The references, doubled, per direction (`None` where there is none yet): the
    /// current value for both directions, except that last-price triggers see the
    /// highest trade since the last check for [`RISE`] and the lowest for [`FALL`].
    fn references(&self, trades: Option<(i64, i64)>) -> [[Option<i128>; 2]; SOURCES] {
        let bid = self.book.best_bid().map(|(p, _)| i128::from(p));
        let ask = self.book.best_ask().map(|(p, _)| i128::from(p));
        let both = |v: Option<i128>| [v, v];
        let mut r = [[None; 2]; SOURCES];
        r[BID] = both(bid.map(|p| 2 * p));
        r[ASK] = both(ask.map(|p| 2 * p));
        r[LAST] = match trades {
            Some((lo, hi)) => [Some(2 * i128::from(hi)), Some(2 * i128::from(lo))],
            None => both(self.last.map(|p| 2 * i128::from(p))),
        };
        r[MID] = both(bid.zip(ask).map(|(b, a)| b + a));
        r[MARK] = both(self.mark.map(|p| 2 * i128::from(p)));
        let pair = |x: Option<i128>, y: Option<i128>| match x.zip(y) {
            Some((x, y)) => [Some(x.min(y)), Some(x.max(y))],
            None => [None, None],
        };
        r[DOUBLE_BID_ASK] = pair(r[BID][RISE], r[ASK][RISE]);
        let two = |p: Option<i64>| p.map(|p| 2 * i128::from(p));
        r[DOUBLE_LAST] = pair(two(self.prev_last), two(self.last));
        // Either reference reaching the trigger fires: the higher one for a rise.
        let either = |last: [Option<i128>; 2], quote: Option<i128>| {
            let pick = |a: Option<i128>, f: fn(i128, i128) -> i128| match (a, quote) {
                (Some(a), Some(q)) => Some(f(a, q)),
                (a, q) => a.or(q),
            };
            [pick(last[RISE], i128::max), pick(last[FALL], i128::min)]
        };
        r[LAST_OR_ASK] = either(r[LAST], r[ASK][RISE]);
        r[LAST_OR_BID] = either(r[LAST], r[BID][RISE]);
        r
    }

    /// The reference price at which the plain conditional order `o` is already
    /// triggered, if it is.
    pub(super) fn in_market(&self, o: &Order) -> Option<i64> {
        let dir = direction(o.side, o.kind);
        let r2 = self.references(None)[source(o.side, o.trigger_type)][dir]?;
        let t2 = 2 * i128::from(o.trigger?);
        let hit = if dir == RISE { r2 >= t2 } else { r2 <= t2 };
        hit.then(|| r2.div_euclid(2) as i64)
    }

    /// Decide what conditional order `o` does on arrival; a trailing order that can
    /// activate is activated (its trigger set) here.
    pub(super) fn arm(&self, o: &mut Order) -> Arm {
        let Some(t) = o.trail else {
            return self.in_market(o).map_or(Arm::Wait, Arm::InMarket);
        };
        let Some(r2) = self.references(None)[source(o.side, o.trigger_type)][RISE] else {
            return Arm::Wait;
        };
        let r = (r2 / 2) as i64;
        if t.activation.is_some_and(|a| touched(o.side, r, a)) && self.cfg.reject_stops_in_market {
            return Arm::InMarket(r);
        }
        let (_, fire) = trail(o, r);
        if fire { Arm::InMarket(r) } else { Arm::Wait }
    }

    /// Release conditional order `slot` (already out of the pending index).
    pub(super) fn fire(&mut self, slot: u32, out: &mut Vec<Event>) {
        let o = self.book.get_mut(slot);
        o.pending = false;
        out.push(Event::Triggered { id: o.id });
        self.execute(slot, out);
    }

    /// Fire every conditional order the market now triggers, repeatedly, until none is.
    /// Orders fired by the same market state execute in arrival order.
    pub(super) fn settle(&mut self, out: &mut Vec<Event>) {
        if self.triggers.len() == 0 {
            self.trades = None;
            return;
        }
        let mut fired = std::mem::take(&mut self.triggers.fired);
        let mut ids = std::mem::take(&mut self.triggers.fired_ids);
        loop {
            // The trades of the call on the first pass, of the orders just fired after.
            let trades = self.trades.take();
            fired.clear();
            self.collect(trades, &mut fired, out);
            if fired.is_empty() {
                break;
            }
            fired.sort_unstable_by_key(|&s| self.book.get(s).seq);
            ids.clear();
            for &s in &fired {
                let o = *self.book.get(s);
                ids.push(o.id);
                self.triggers.remove(&o, s);
                self.book.get_mut(s).pending = false;
            }
            for (&s, &id) in fired.iter().zip(&ids) {
                // An OCO/OUO rule set off by an order fired before it may have canceled it.
                if self.book.slot(id) == Some(s) {
                    self.fire(s, out);
                }
            }
        }
        self.triggers.fired = fired;
        self.triggers.fired_ids = ids;
    }

    /// The pending orders the current market fires; trailing orders are moved first
    /// ([`Event::Updated`] for each move).
    fn collect(&mut self, trades: Option<(i64, i64)>, fired: &mut Vec<u32>, out: &mut Vec<Event>) {
        let refs = self.references(trades);
        for (src, sets) in self.triggers.sets.iter().enumerate() {
            if let Some(r2) = refs[src][RISE] {
                fired.extend(
                    sets[RISE]
                        .iter()
                        .take_while(|&&(t, _, _)| 2 * i128::from(t) <= r2)
                        .map(|&(_, _, s)| s),
                );
            }
            if let Some(r2) = refs[src][FALL] {
                fired.extend(
                    sets[FALL]
                        .iter()
                        .rev()
                        .take_while(|&&(t, _, _)| 2 * i128::from(t) >= r2)
                        .map(|&(_, _, s)| s),
                );
            }
        }
        if self.triggers.trailing.is_empty() {
            return;
        }
        // Trailing orders follow the current price (the walk's final one for last).
        let now = if trades.is_none() {
            refs
        } else {
            self.references(None)
        };
        for &slot in self.triggers.trailing.values() {
            let o = self.book.get_mut(slot);
            let Some(r2) = now[source(o.side, o.trigger_type)][RISE] else {
                continue;
            };
            let (changed, fire) = trail(o, (r2 / 2) as i64);
            if changed {
                out.push(Event::Updated {
                    id: o.id,
                    price: o.price,
                    trigger: o.trigger,
                });
            }
            if fire {
                fired.push(slot);
            }
        }
    }
}

/// Move trailing order `o` with reference `r`: activate it if it may, ratchet its trigger
/// (and a stop-limit's limit) in its favour only. Returns (moved, triggered).
fn trail(o: &mut Order, r: i64) -> (bool, bool) {
    let side = o.side;
    let Some(t) = o.trail.as_mut() else {
        return (false, false);
    };
    let off = t.offset.ticks(r);
    let lo = t.limit_offset.min(i64::MAX as u64) as i64;
    let is_limit = o.kind == OrderKind::TrailingStopLimit;
    let mut changed = false;
    if t.activated {
        let cand = away(side, r, off);
        if o.trigger.is_none_or(|old| better(side, cand, old)) {
            o.trigger = Some(cand);
            changed = true;
        }
        if is_limit {
            let cand = away(side, r, lo);
            if o.price.is_none_or(|old| better(side, cand, old)) {
                o.price = Some(cand);
                changed = true;
            }
        }
    } else {
        if t.activation.is_some_and(|a| !touched(side, r, a)) {
            return (false, false);
        }
        t.activated = true;
        o.trigger = Some(away(side, r, off));
        if is_limit {
            o.price = Some(away(side, r, lo));
        }
        changed = true;
    }
    let trig = o.trigger.unwrap_or(r);
    let fire = match side {
        Side::Buy => r >= trig,
        Side::Sell => r <= trig,
    };
    (changed, fire)
}
