//! [`MatchingEngine`]: orders in, events out.

use std::collections::BTreeSet;

use crate::book::Side;

use super::event::{CancelReason, Event, RejectReason};
use super::hash::FastMap;
use super::l3::{L3Book, NIL, Order, Trail};
use super::link::{Group, GroupNote};
use super::order::{OrderKind, OrderRequest, OrderView, TimeInForce, TriggerType};
use super::trigger::{Arm, Triggers};
use super::walk::{DryRun, Halt, Taker, reducible};

/// Nanoseconds in a day.
const DAY_NS: i64 = 86_400_000_000_000;

/// The fields of an order that [`MatchingEngine::execute`] works with (a copy of the
/// whole order would cost more than the work itself).
#[derive(Clone, Copy)]
struct Working {
    id: u64,
    account: u32,
    side: Side,
    kind: OrderKind,
    tif: TimeInForce,
    price: Option<i64>,
    leaves: u64,
    post_only: bool,
    reduce_only: bool,
    group: u32,
}

/// What happens when an order would trade with a resting order of the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SelfTradePrevention {
    /// Let them trade (a wash trade; the account's position does not change).
    Allow,
    /// Cancel the rest of the incoming order; the resting order keeps its place.
    /// Fills made before reaching the own order stand. The default.
    #[default]
    CancelTaker,
    /// Cancel the resting order and keep matching the incoming one.
    CancelMaker,
    /// Cancel both the resting order and the rest of the incoming one.
    CancelBoth,
}

/// Venue rules of a [`MatchingEngine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// Self-trade prevention (default [`SelfTradePrevention::CancelTaker`]).
    pub self_trade: SelfTradePrevention,
    /// Market-style orders (market, and triggered stop-market, market-if-touched and
    /// trailing stop-market) trade no further than this many ticks from the best opposite
    /// price when they start; the rest is canceled with
    /// [`CancelReason::PriceProtection`]. `None` (the default): no bound.
    pub market_protection_ticks: Option<u64>,
    /// Reject a conditional order whose trigger (or activation price) is already reached
    /// on arrival or on modify (default `true`); `false` triggers it at once instead.
    pub reject_stops_in_market: bool,
    /// DAY orders expire at the first `k × 24 h + day_cutoff_ns` (nanoseconds since the
    /// epoch) after their arrival: 0 (the default) is UTC midnight.
    pub day_cutoff_ns: i64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            self_trade: SelfTradePrevention::CancelTaker,
            market_protection_ticks: None,
            reject_stops_in_market: true,
            day_cutoff_ns: 0,
        }
    }
}

/// A price-time priority matching engine for one instrument.
///
/// Every call appends its events, in the order they happened, to the caller's `Vec`;
/// nothing else is returned and nothing is allocated per call once the internal tables
/// have grown to the working size. The engine has no clock and no randomness: time moves
/// only through [`advance`](Self::advance), so the same calls give the same events.
///
/// # Matching
///
/// * **Price-time priority.** An incoming order trades with the best opposite price
///   first, and within a price with the order that has waited longest. It trades at the
///   resting order's price (price improvement goes to the taker).
/// * **Market orders** walk the book level by level. When liquidity runs out the rest is
///   canceled with [`CancelReason::NoLiquidity`] — a market order never rests, and one
///   arriving at an empty side is accepted and then canceled. With
///   [`EngineConfig::market_protection_ticks`] it also stops at the protection price
///   ([`CancelReason::PriceProtection`]).
/// * **Limit orders** take what they cross, then rest at their price at the back of the
///   queue. IOC cancels the rest ([`CancelReason::ImmediateOrCancel`]); FOK first works
///   out, without changing anything, whether the whole quantity would fill, and if not
///   is canceled with [`CancelReason::FillOrKill`] and no fills.
/// * **GTD** orders expire when [`advance`](Self::advance) reaches their expire time
///   (which must be after the engine's time on arrival); **DAY** orders at the next daily
///   cut-off. Auction time in force is rejected ([`RejectReason::Unsupported`]).
///
/// # Instructions
///
/// * **Post-only**: rejected if its price would take on arrival; a modify that would
///   make it take is refused; a post-only stop-limit that would take when triggered is
///   canceled.
/// * **Reduce-only** (per account, with the signed net position the engine keeps from
///   fills, seeded by [`set_position`](Self::set_position)): rejected on arrival if the
///   account is flat or on the order's side. Each fill — as taker across every level it
///   walks, or as maker — is clipped to what is left of the position; once the position
///   is flat the order's remainder is canceled ([`CancelReason::ReduceOnly`]). A resting
///   reduce-only order is checked when it is about to trade, not each time the position
///   changes.
/// * **Iceberg** (display quantity): only the displayed slice is shown in the depth and
///   matchable; when it is used up the next slice joins the back of the queue at the same
///   price, so an incoming order can meet it again after everyone queued behind it.
///   As a taker an iceberg takes its whole quantity.
///
/// # Modify
///
/// [`modify`](Self::modify) takes a new price, trigger and/or total quantity. Lowering
/// the quantity keeps the order's place in the queue; changing the price or raising the
/// quantity sends it to the back (at the new price), and a new price that crosses trades
/// at once, as a new incoming order would (a reduce-only order re-entering this way with
/// its account flat is canceled). The new quantity must exceed what has filled. A pending
/// conditional order can change its trigger, limit and quantity; a trailing one only its
/// quantity.
///
/// # Self-trade prevention
///
/// See [`SelfTradePrevention`]; the default cancels the incoming order's remainder.
///
/// # Conditional orders
///
/// Stop, if-touched and trailing orders wait off the book until their trigger type's
/// reference (the engine's own best bid/ask, last fill price, mid, or the mark set with
/// [`set_mark`](Self::set_mark)) reaches the trigger; then they emit
/// [`Event::Triggered`] and work as a market or limit order with their original TIF and
/// instructions. After every call the engine re-checks triggers until none fires, so a
/// triggered order's fills can trigger others; orders triggered together execute in
/// arrival order. Last-price triggers see every trade since the previous check (the
/// first fill of a walk as well as its last). Trailing triggers move only in the order's
/// favour.
#[derive(Debug, Clone)]
pub struct MatchingEngine {
    pub(super) cfg: EngineConfig,
    pub(super) book: L3Book,
    pub(super) positions: FastMap<u32, i64>,
    pub(super) now: i64,
    pub(super) seq: u64,
    pub(super) last: Option<i64>,
    /// The trade before the last one (double-last triggers).
    pub(super) prev_last: Option<i64>,
    pub(super) mark: Option<i64>,
    /// Lowest and highest fill price since triggers were last checked, so that a trade
    /// anywhere in a walk counts for last-price triggers, not only the walk's final one.
    pub(super) trades: Option<(i64, i64)>,
    /// GTD/DAY orders by (expire time, arrival sequence, slot).
    expiries: BTreeSet<(i64, u64, u32)>,
    pub(super) triggers: Triggers,
    pub(super) dry: DryRun,
    /// OCO/OUO groups by id ([`super::link`]).
    pub(super) groups: FastMap<u32, Group>,
    pub(super) notes: Vec<GroupNote>,
    pub(super) link_scratch: Vec<u32>,
    /// Slot of the order being walked as the taker (`NIL` if none), and what group rules
    /// did to it meanwhile (applied by the walk).
    pub(super) walking: u32,
    pub(super) taker_kill: Option<CancelReason>,
    pub(super) taker_cut: u64,
    /// Scratch lists for market-data walks.
    pub(super) level_scratch: Vec<i64>,
    pub(super) slot_scratch: Vec<u32>,
}

impl Default for MatchingEngine {
    fn default() -> Self {
        Self::new(EngineConfig::default())
    }
}

/// The other side.
#[inline]
pub(crate) const fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

impl MatchingEngine {
    /// An empty engine at time 0.
    #[must_use]
    pub fn new(config: EngineConfig) -> Self {
        Self {
            cfg: config,
            book: L3Book::new(),
            positions: FastMap::default(),
            now: 0,
            seq: 0,
            last: None,
            prev_last: None,
            mark: None,
            trades: None,
            expiries: BTreeSet::new(),
            triggers: Triggers::default(),
            dry: DryRun::default(),
            groups: FastMap::default(),
            notes: Vec::new(),
            link_scratch: Vec::new(),
            walking: NIL,
            taker_kill: None,
            taker_cut: 0,
            level_scratch: Vec::new(),
            slot_scratch: Vec::new(),
        }
    }

    /// The venue rules.
    #[must_use]
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// The live orders and the displayed depth.
    #[must_use]
    pub fn book(&self) -> &L3Book {
        &self.book
    }

    /// A snapshot of live order `id` (`None` once it is filled, canceled or expired).
    #[must_use]
    pub fn order(&self, id: u64) -> Option<OrderView> {
        self.book.order(id)
    }

    /// The engine's time in nanoseconds (the latest passed to [`advance`](Self::advance)).
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Price of the last fill.
    #[must_use]
    pub fn last_price(&self) -> Option<i64> {
        self.last
    }

    /// The mark price last set.
    #[must_use]
    pub fn mark_price(&self) -> Option<i64> {
        self.mark
    }

    /// The account's signed net position in lots (long positive).
    #[must_use]
    pub fn position(&self, account: u32) -> i64 {
        self.positions.get(&account).copied().unwrap_or(0)
    }

    /// Set the account's position (e.g. carried in from outside), for reduce-only.
    pub fn set_position(&mut self, account: u32, lots: i64) {
        self.positions.insert(account, lots);
    }

    /// Number of conditional orders waiting for their trigger.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.triggers.len()
    }

    /// The earliest expire time of a live GTD/DAY order.
    #[must_use]
    pub fn next_expiry(&self) -> Option<i64> {
        self.expiries.first().map(|&(t, _, _)| t)
    }

    /// Submit a new order.
    ///
    /// Appends [`Event::Rejected`], or [`Event::Accepted`] followed by what happened on
    /// arrival (fills, the cancel of an unfillable remainder, …), then whatever that made
    /// conditional orders do.
    pub fn submit(&mut self, req: &OrderRequest, out: &mut Vec<Event>) {
        if let Err(reason) = self.validate(req) {
            self.reject(req, reason, out);
            return;
        }
        let mut order = self.build(req);
        let arm = if order.kind.is_conditional() {
            let arm = self.arm(&mut order);
            if let Arm::InMarket(reference) = arm {
                if self.cfg.reject_stops_in_market {
                    self.reject(req, RejectReason::TriggerInMarket { reference }, out);
                    return;
                }
            }
            Some(arm)
        } else {
            None
        };
        self.seq += 1;
        let slot = self.book.insert(order);
        if order.expire != i64::MAX {
            self.expiries.insert((order.expire, order.seq, slot));
        }
        self.enter_group(slot);
        out.push(Event::Accepted { id: req.id });
        match arm {
            None => self.execute(slot, out),
            Some(arm) => {
                if order.trail.is_some_and(|t| t.activated) {
                    out.push(Event::Updated {
                        id: order.id,
                        price: order.price,
                        trigger: order.trigger,
                    });
                }
                match arm {
                    Arm::InMarket(_) => self.fire(slot, out),
                    Arm::Wait => {
                        self.book.get_mut(slot).pending = true;
                        self.triggers.insert(&order, slot);
                    }
                }
            }
        }
        self.settle(out);
    }

    /// Cancel live order `id`: [`Event::Canceled`] with [`CancelReason::Requested`], or
    /// [`Event::CancelRejected`] if it is not live.
    pub fn cancel(&mut self, id: u64, out: &mut Vec<Event>) {
        let Some(slot) = self.book.slot(id) else {
            out.push(Event::CancelRejected {
                id,
                reason: RejectReason::NotFound,
            });
            return;
        };
        self.kill(slot, Some(CancelReason::Requested), out);
        self.settle(out);
    }

    /// Set live order `id`'s total quantity to `qty` (which must exceed what has filled),
    /// as the venue itself would: [`Event::Resized`]. Lowering it keeps the order's queue
    /// position; raising it sends the order to the back of its queue (its price does not
    /// change, so it does not trade). False (and no event) if the order is not live or
    /// `qty` is not above its filled quantity.
    pub fn resize(&mut self, id: u64, qty: u64, out: &mut Vec<Event>) -> bool {
        let Some(slot) = self.book.slot(id) else {
            return false;
        };
        let o = *self.book.get(slot);
        if qty <= o.filled || qty > i64::MAX as u64 {
            return false;
        }
        if qty != o.qty {
            if !o.resting {
                self.book.get_mut(slot).qty = qty;
            } else if qty < o.qty {
                self.book.reduce(slot, qty - o.filled);
            } else {
                self.book.unrest(slot);
                let n = self.book.get_mut(slot);
                n.qty = qty;
                n.slice();
                self.book.rest(slot);
            }
        }
        out.push(Event::Resized { id, qty });
        true
    }

    /// Change live order `id`: a new limit `price`, a new `trigger` (pending conditional
    /// orders), and/or a new total `qty` (which must exceed the filled quantity).
    ///
    /// Appends [`Event::Modified`] (then any fills if the new price crosses), or
    /// [`Event::ModifyRejected`] with the order unchanged. Priority: see the type's docs.
    pub fn modify(
        &mut self,
        id: u64,
        price: Option<i64>,
        trigger: Option<i64>,
        qty: Option<u64>,
        out: &mut Vec<Event>,
    ) {
        if let Err(reason) = self.try_modify(id, price, trigger, qty, out) {
            out.push(Event::ModifyRejected { id, reason });
            return;
        }
        self.settle(out);
    }

    /// Move the engine's time to `now` (nanoseconds; an earlier time is ignored) and
    /// expire every GTD/DAY order whose expire time is at or before it, in expire-time
    /// then arrival order ([`Event::Expired`]).
    pub fn advance(&mut self, now: i64, out: &mut Vec<Event>) {
        self.now = self.now.max(now);
        let mut any = false;
        while let Some(&(t, _, slot)) = self.expiries.first() {
            if t > self.now {
                break;
            }
            self.kill(slot, None, out);
            any = true;
        }
        if any {
            self.settle(out);
        }
    }

    /// Set the mark price (for [`TriggerType::Mark`] orders) and fire what it triggers.
    pub fn set_mark(&mut self, mark: i64, out: &mut Vec<Event>) {
        self.mark = Some(mark);
        self.settle(out);
    }

    // ----- arrival ----------------------------------------------------------------------

    fn validate(&self, r: &OrderRequest) -> Result<(), RejectReason> {
        use RejectReason as R;
        let k = r.kind;
        if self.book.contains(r.id) {
            return Err(R::DuplicateId);
        }
        if r.qty == 0 || r.qty > i64::MAX as u64 {
            return Err(R::InvalidQuantity);
        }
        match (k.has_price(), r.price.is_some()) {
            (true, false) => return Err(R::PriceRequired),
            (false, true) => return Err(R::PriceNotAllowed),
            _ => {}
        }
        match (k.has_trigger(), r.trigger.is_some()) {
            (true, false) => return Err(R::TriggerRequired),
            (false, true) => return Err(R::TriggerNotAllowed),
            _ => {}
        }
        if k.is_trailing() {
            if r.trailing_offset.is_none()
                || (k == OrderKind::TrailingStopLimit && r.limit_offset.is_none())
            {
                return Err(R::TrailingOffsetRequired);
            }
            if k == OrderKind::TrailingStopMarket && r.limit_offset.is_some() {
                return Err(R::TrailingNotAllowed);
            }
            if !matches!(
                r.trigger_type,
                TriggerType::Default | TriggerType::BidAsk | TriggerType::Last | TriggerType::Mark
            ) {
                return Err(R::TriggerTypeUnsupported);
            }
        } else if r.trailing_offset.is_some()
            || r.limit_offset.is_some()
            || r.activation_price.is_some()
        {
            return Err(R::TrailingNotAllowed);
        }
        if let Some(d) = r.display_qty {
            if !k.can_rest() || d == 0 || d > r.qty {
                return Err(R::InvalidDisplayQty);
            }
        }
        match r.tif {
            TimeInForce::AtTheOpen | TimeInForce::AtTheClose => return Err(R::Unsupported),
            TimeInForce::Gtd => {
                let Some(t) = r.expire_time else {
                    return Err(R::ExpireTimeRequired);
                };
                if k == OrderKind::Market {
                    return Err(R::TifNotAllowed);
                }
                if t <= self.now {
                    return Err(R::ExpireTimeInPast { now: self.now });
                }
            }
            _ => {
                if r.expire_time.is_some() {
                    return Err(R::ExpireTimeNotAllowed);
                }
            }
        }
        if r.post_only {
            if !k.can_rest()
                || k == OrderKind::MarketToLimit
                || matches!(r.tif, TimeInForce::Ioc | TimeInForce::Fok)
            {
                return Err(R::PostOnlyNotAllowed);
            }
            if k == OrderKind::Limit {
                if let Some(best) = self.would_take(r.side, r.price) {
                    return Err(R::PostOnlyWouldTake { best });
                }
            }
        }
        if r.reduce_only {
            let position = self.position(r.account);
            if reducible(position, r.side) == 0 {
                return Err(R::ReduceOnlyWouldIncrease { position });
            }
        }
        Ok(())
    }

    /// The best opposite price if a limit at `price` on `side` would take it.
    fn would_take(&self, side: Side, price: Option<i64>) -> Option<i64> {
        let price = price?;
        let (best, _) = self.book.best(opposite(side))?;
        super::walk::crosses(side, Some(price), best).then_some(best)
    }

    fn build(&self, r: &OrderRequest) -> Order {
        let expire = match r.tif {
            _ if r.kind == OrderKind::Market => i64::MAX,
            TimeInForce::Gtd => r.expire_time.unwrap_or(i64::MAX),
            TimeInForce::Day => self.next_cutoff(),
            _ => i64::MAX,
        };
        let display = match r.display_qty {
            Some(d) if d < r.qty => d,
            _ => 0,
        };
        Order {
            prev: NIL,
            next: NIL,
            level: NIL,
            resting: false,
            pending: false,
            data: false,
            group: r.group,
            side: r.side,
            reduce_only: r.reduce_only,
            post_only: r.post_only,
            account: r.account,
            id: r.id,
            visible: 0,
            hidden: 0,
            display,
            qty: r.qty,
            filled: 0,
            price: r.price,
            trigger: r.trigger,
            seq: self.seq,
            expire,
            kind: r.kind,
            tif: r.tif,
            trigger_type: r.trigger_type,
            trail: r.trailing_offset.map(|offset| Trail {
                offset,
                limit_offset: r.limit_offset.unwrap_or(0),
                activation: r.activation_price,
                activated: false,
            }),
        }
    }

    /// First daily cut-off strictly after now.
    fn next_cutoff(&self) -> i64 {
        let off = self.cfg.day_cutoff_ns.rem_euclid(DAY_NS);
        let k = (i128::from(self.now) - i128::from(off)).div_euclid(i128::from(DAY_NS)) + 1;
        let t = k * i128::from(DAY_NS) + i128::from(off);
        i64::try_from(t).unwrap_or(i64::MAX)
    }

    // ----- execution --------------------------------------------------------------------

    /// Work the off-book order in `slot` as an incoming order: take what it may, then
    /// rest the remainder or cancel it.
    pub(super) fn execute(&mut self, slot: u32, out: &mut Vec<Event>) {
        let o = self.book.get(slot);
        let o = Working {
            id: o.id,
            account: o.account,
            side: o.side,
            kind: o.kind,
            tif: o.tif,
            price: o.price,
            leaves: o.leaves(),
            post_only: o.post_only,
            reduce_only: o.reduce_only,
            group: o.group,
        };
        if o.reduce_only && reducible(self.position(o.account), o.side) == 0 {
            self.cancel_slot(slot, CancelReason::ReduceOnly, out);
            return;
        }
        let opp_best = self.book.best(opposite(o.side)).map(|(p, _)| p);
        let market_like = o.kind.is_market_like();
        let limit = if market_like {
            self.cfg.market_protection_ticks.and_then(|n| {
                let n = n.min(i64::MAX as u64) as i64;
                opp_best.map(|b| match o.side {
                    Side::Buy => b.saturating_add(n),
                    Side::Sell => b.saturating_sub(n),
                })
            })
        } else if let Some(p) = o.price {
            Some(p)
        } else {
            // Market-to-limit: the best opposite price, where it will rest if not filled.
            let Some(b) = opp_best else {
                self.cancel_slot(slot, CancelReason::NoLiquidity, out);
                return;
            };
            Some(b)
        };
        if o.post_only
            && limit
                .and_then(|p| self.would_take(o.side, Some(p)))
                .is_some()
        {
            self.cancel_slot(slot, CancelReason::PostOnlyWouldTake, out);
            return;
        }
        let mut t = Taker {
            id: o.id,
            slot,
            account: o.account,
            side: o.side,
            limit,
            leaves: o.leaves,
            reduce_only: o.reduce_only,
            group: o.group,
        };
        if o.tif == TimeInForce::Fok && self.fillable(&t) < t.leaves {
            self.cancel_slot(slot, CancelReason::FillOrKill, out);
            return;
        }
        self.walking = slot;
        let halt = self.take(&mut t, out);
        self.end_walk();
        let n = self.book.get_mut(slot);
        n.filled = n.qty - t.leaves;
        if t.leaves == 0 {
            self.discard(slot);
            return;
        }
        let reason = match halt {
            Halt::Canceled(r) => Some(r),
            Halt::Limit if market_like => Some(CancelReason::PriceProtection),
            _ if market_like => Some(CancelReason::NoLiquidity),
            _ if o.tif == TimeInForce::Fok => Some(CancelReason::FillOrKill),
            _ if o.tif == TimeInForce::Ioc => Some(CancelReason::ImmediateOrCancel),
            _ => None,
        };
        if let Some(reason) = reason {
            self.cancel_slot(slot, reason, out);
            return;
        }
        let n = self.book.get_mut(slot);
        if n.price.is_none() {
            n.price = limit;
            out.push(Event::Updated {
                id: n.id,
                price: limit,
                trigger: None,
            });
        }
        n.slice();
        self.book.rest(slot);
    }

    fn cancel_slot(&mut self, slot: u32, reason: CancelReason, out: &mut Vec<Event>) {
        self.kill(slot, Some(reason), out);
    }

    /// Refuse `req`; a member of an OCO/OUO group closes it.
    fn reject(&mut self, req: &OrderRequest, reason: RejectReason, out: &mut Vec<Event>) {
        out.push(Event::Rejected { id: req.id, reason });
        if req.group != 0 {
            self.linked_death(req.group, out);
        }
    }

    /// End live order `slot`: canceled with `reason`, or expired (`None`). A member of an
    /// OCO/OUO group closes it (unless the group's own rule canceled it).
    pub(super) fn kill(&mut self, slot: u32, reason: Option<CancelReason>, out: &mut Vec<Event>) {
        let group = self.book.get(slot).group;
        let id = self.discard(slot);
        out.push(match reason {
            Some(reason) => Event::Canceled { id, reason },
            None => Event::Expired { id },
        });
        let by_rule = matches!(
            reason,
            Some(CancelReason::Oco | CancelReason::Ouo | CancelReason::Linked)
        );
        if group != 0 && !by_rule {
            self.linked_death(group, out);
        }
    }

    /// Remove a live order from the book and from every index (expiry, triggers, group);
    /// returns its id.
    pub(super) fn discard(&mut self, slot: u32) -> u64 {
        let o = self.book.get(slot);
        let (id, expire, seq, group) = (o.id, o.expire, o.seq, o.group);
        if o.pending {
            self.triggers.remove(o, slot);
        }
        if expire != i64::MAX {
            self.expiries.remove(&(expire, seq, slot));
        }
        if group != 0 {
            self.leave_group(group, slot);
        }
        self.book.remove(slot);
        id
    }

    /// A trade at `price` happened (an own fill, or a market-data trade): it is the last
    /// price, and last-price triggers see it at the next settle.
    #[inline]
    pub(super) fn record_trade(&mut self, price: i64) {
        self.prev_last = self.last;
        self.last = Some(price);
        self.trades = Some(match self.trades {
            None => (price, price),
            Some((lo, hi)) => (lo.min(price), hi.max(price)),
        });
    }

    // ----- modify -----------------------------------------------------------------------

    fn try_modify(
        &mut self,
        id: u64,
        price: Option<i64>,
        trigger: Option<i64>,
        qty: Option<u64>,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        use RejectReason as R;
        let slot = self.book.slot(id).ok_or(R::NotFound)?;
        let o = *self.book.get(slot);
        let new_qty = qty.unwrap_or(o.qty);
        if new_qty == 0 || new_qty > i64::MAX as u64 {
            return Err(R::InvalidQuantity);
        }
        if new_qty <= o.filled {
            return Err(R::QtyNotAboveFilled { filled: o.filled });
        }
        if price.is_some() {
            if o.kind.is_trailing() {
                return Err(R::NotModifiable);
            }
            if o.price.is_none() {
                return Err(R::PriceNotAllowed);
            }
        }
        if trigger.is_some() && !(o.pending && o.kind.has_trigger()) {
            return Err(if o.kind.is_trailing() {
                R::NotModifiable
            } else {
                R::TriggerNotAllowed
            });
        }
        let new_price = price.or(o.price);
        if o.pending {
            let mut n = o;
            n.trigger = trigger.or(o.trigger);
            n.price = new_price;
            n.qty = new_qty;
            if n.trigger != o.trigger && self.cfg.reject_stops_in_market {
                if let Some(reference) = self.in_market(&n) {
                    return Err(R::TriggerInMarket { reference });
                }
            }
            self.triggers.remove(&o, slot);
            *self.book.get_mut(slot) = n;
            self.triggers.insert(&n, slot);
            out.push(Event::Modified {
                id,
                price: n.price,
                trigger: n.trigger,
                qty: new_qty,
            });
            return Ok(());
        }
        if o.post_only {
            if let Some(best) = self.would_take(o.side, new_price) {
                return Err(R::PostOnlyWouldTake { best });
            }
        }
        let modified = Event::Modified {
            id,
            price: new_price,
            trigger: None,
            qty: new_qty,
        };
        if new_price == o.price && new_qty <= o.qty {
            if new_qty < o.qty {
                self.book.reduce(slot, new_qty - o.filled);
            }
            out.push(modified);
            return Ok(());
        }
        self.book.unrest(slot);
        let n = self.book.get_mut(slot);
        n.price = new_price;
        n.qty = new_qty;
        out.push(modified);
        self.execute(slot, out);
        Ok(())
    }
}
