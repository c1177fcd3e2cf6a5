//! Orders as the matching engine sees them: what a caller submits and what it can read back.

use crate::book::Side;

/// The type of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// Takes what the book offers, best price first; never rests.
    Market,
    /// Takes up to its limit price, then rests at it (unless IOC/FOK).
    Limit,
    /// A market order released when the market reaches its trigger (buy: at or above,
    /// sell: at or below).
    StopMarket,
    /// A limit order released when the market reaches its trigger (as [`Self::StopMarket`]).
    StopLimit,
    /// A market order released when the market touches its trigger from the other side
    /// (buy: at or below, sell: at or above).
    MarketIfTouched,
    /// A limit order released as [`Self::MarketIfTouched`].
    LimitIfTouched,
    /// A stop-market whose trigger trails the market by an offset, moving only in the
    /// order's favour.
    TrailingStopMarket,
    /// A stop-limit whose trigger and limit trail the market (as
    /// [`Self::TrailingStopMarket`]).
    TrailingStopLimit,
    /// Takes the best opposite price level only, then rests as a limit order at that price.
    MarketToLimit,
}

impl OrderKind {
    /// Whether the order carries a limit price when submitted.
    #[must_use]
    pub const fn has_price(self) -> bool {
        matches!(self, Self::Limit | Self::StopLimit | Self::LimitIfTouched)
    }

    /// Whether the order carries a trigger price when submitted.
    #[must_use]
    pub const fn has_trigger(self) -> bool {
        matches!(
            self,
            Self::StopMarket | Self::StopLimit | Self::MarketIfTouched | Self::LimitIfTouched
        )
    }

    /// Whether the order trails the market.
    #[must_use]
    pub const fn is_trailing(self) -> bool {
        matches!(self, Self::TrailingStopMarket | Self::TrailingStopLimit)
    }

    /// Whether the order waits for a trigger before it works.
    #[must_use]
    pub const fn is_conditional(self) -> bool {
        self.has_trigger() || self.is_trailing()
    }

    /// Whether the order works (or will work, once triggered) with a limit price and can
    /// rest on the book.
    #[must_use]
    pub const fn can_rest(self) -> bool {
        matches!(
            self,
            Self::Limit
                | Self::StopLimit
                | Self::LimitIfTouched
                | Self::TrailingStopLimit
                | Self::MarketToLimit
        )
    }

    /// Whether the order works as a market order (immediately or once triggered).
    #[must_use]
    pub(crate) const fn is_market_like(self) -> bool {
        matches!(
            self,
            Self::Market | Self::StopMarket | Self::MarketIfTouched | Self::TrailingStopMarket
        )
    }

    /// Whether the trigger fires when the market touches it from the favourable side
    /// (if-touched orders) rather than when it moves through it (stops).
    #[must_use]
    pub(crate) const fn is_touch(self) -> bool {
        matches!(self, Self::MarketIfTouched | Self::LimitIfTouched)
    }
}

/// How long an order works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till canceled.
    Gtc,
    /// Immediate or cancel: fill what is available on arrival, cancel the rest.
    Ioc,
    /// Fill or kill: fill the whole quantity on arrival, or nothing (decided before any fill).
    Fok,
    /// Good till date: expires when the engine's time reaches its expire time.
    Gtd,
    /// Expires at the engine's next daily cut-off ([`EngineConfig::day_cutoff_ns`]).
    ///
    /// [`EngineConfig::day_cutoff_ns`]: super::EngineConfig::day_cutoff_ns
    Day,
    /// Opening auction only. Not supported yet: rejected.
    AtTheOpen,
    /// Closing auction only. Not supported yet: rejected.
    AtTheClose,
}

/// Which market price a conditional order watches.
///
/// All references are the engine's own market: best bid and ask of its book, the price
/// of its last fill, and the mark price the caller supplies with
/// [`MatchingEngine::set_mark`](super::MatchingEngine::set_mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TriggerType {
    /// Same as [`Self::BidAsk`].
    #[default]
    Default,
    /// Buy orders watch the best ask, sell orders the best bid.
    BidAsk,
    /// The last trade price.
    Last,
    /// The mid price `(bid + ask) / 2`, compared exactly (it may fall on a half tick).
    /// Not supported for trailing orders.
    Mid,
    /// The mark price, once the caller has supplied one; never triggers before that.
    Mark,
    /// Both the best bid and the best ask must reach the trigger (a rise needs the bid at
    /// or above it, a fall the ask at or below it). Not supported for trailing orders.
    DoubleBidAsk,
    /// The last two trades must both reach the trigger. Not supported for trailing orders.
    DoubleLast,
    /// Either the last trade or the order's bid/ask reference (as [`Self::BidAsk`])
    /// reaching the trigger fires it. Not supported for trailing orders.
    LastOrBidAsk,
}

/// How far a trailing order's trigger stays from the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrailingOffset {
    /// A fixed number of ticks.
    Ticks(u64),
    /// A fraction of the reference price in basis points (100 bp = 1 %), rounded down to
    /// a whole tick.
    BasisPoints(u64),
}

impl TrailingOffset {
    /// The offset in ticks at reference price `reference`.
    #[must_use]
    pub fn ticks(self, reference: i64) -> i64 {
        match self {
            Self::Ticks(t) => t.min(i64::MAX as u64) as i64,
            Self::BasisPoints(bp) => {
                let off = i128::from(reference).unsigned_abs() * u128::from(bp) / 10_000;
                off.min(i64::MAX as u128) as i64
            }
        }
    }
}

/// A new order, as submitted to [`MatchingEngine::submit`](super::MatchingEngine::submit).
///
/// Build one with a constructor ([`limit`](Self::limit), [`market`](Self::market), …) and
/// the chained setters, or fill the fields directly. The engine validates every field
/// and rejects (with a [`RejectReason`](super::RejectReason) naming the rule) anything
/// inconsistent, such as a price on a market order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRequest {
    /// Caller's id; must be unique among the engine's live orders.
    pub id: u64,
    /// Account (trader) the order belongs to: positions for reduce-only and self-trade
    /// prevention are per account.
    pub account: u32,
    /// Buy or sell.
    pub side: Side,
    /// Order type.
    pub kind: OrderKind,
    /// Quantity in lots, positive.
    pub qty: u64,
    /// Limit price in ticks ([`OrderKind::has_price`] kinds only).
    pub price: Option<i64>,
    /// Trigger price in ticks ([`OrderKind::has_trigger`] kinds only).
    pub trigger: Option<i64>,
    /// Which market price the trigger or trailing offset follows.
    pub trigger_type: TriggerType,
    /// Time in force.
    pub tif: TimeInForce,
    /// Expire time in nanoseconds, required with [`TimeInForce::Gtd`] and refused otherwise.
    pub expire_time: Option<i64>,
    /// Iceberg display quantity: only this much is shown and matchable at a time. At most
    /// `qty`; resting (limit-type) orders only.
    pub display_qty: Option<u64>,
    /// Rejected if it would take liquidity on arrival (or on modify).
    pub post_only: bool,
    /// May only reduce the account's position; fills are clipped to it.
    pub reduce_only: bool,
    /// Trailing distance (trailing kinds only, required).
    pub trailing_offset: Option<TrailingOffset>,
    /// Trailing stop-limit: the limit's distance from the reference price in ticks
    /// (required for [`OrderKind::TrailingStopLimit`] only).
    pub limit_offset: Option<u64>,
    /// Trailing kinds: the order starts trailing only once the market touches this price
    /// (buy: reference at or below it, sell: at or above). Without one it trails at once.
    pub activation_price: Option<i64>,
    /// OCO/OUO group opened with [`MatchingEngine::open_group`](super::MatchingEngine::open_group)
    /// that the order joins when it is accepted; 0 = none.
    pub group: u32,
}

impl OrderRequest {
    /// A request of `kind` with every optional field empty: account 0, GTC, default trigger.
    #[must_use]
    pub const fn new(id: u64, kind: OrderKind, side: Side, qty: u64) -> Self {
        Self {
            id,
            account: 0,
            side,
            kind,
            qty,
            price: None,
            trigger: None,
            trigger_type: TriggerType::Default,
            tif: TimeInForce::Gtc,
            expire_time: None,
            display_qty: None,
            post_only: false,
            reduce_only: false,
            trailing_offset: None,
            limit_offset: None,
            activation_price: None,
            group: 0,
        }
    }

    /// A GTC limit order.
    #[must_use]
    pub const fn limit(id: u64, side: Side, price: i64, qty: u64) -> Self {
        let mut r = Self::new(id, OrderKind::Limit, side, qty);
        r.price = Some(price);
        r
    }

    /// A market order.
    #[must_use]
    pub const fn market(id: u64, side: Side, qty: u64) -> Self {
        Self::new(id, OrderKind::Market, side, qty)
    }

    /// A market-to-limit order.
    #[must_use]
    pub const fn market_to_limit(id: u64, side: Side, qty: u64) -> Self {
        Self::new(id, OrderKind::MarketToLimit, side, qty)
    }

    /// A stop-market order.
    #[must_use]
    pub const fn stop_market(id: u64, side: Side, trigger: i64, qty: u64) -> Self {
        let mut r = Self::new(id, OrderKind::StopMarket, side, qty);
        r.trigger = Some(trigger);
        r
    }

    /// A stop-limit order.
    #[must_use]
    pub const fn stop_limit(id: u64, side: Side, trigger: i64, price: i64, qty: u64) -> Self {
        let mut r = Self::new(id, OrderKind::StopLimit, side, qty);
        r.trigger = Some(trigger);
        r.price = Some(price);
        r
    }

    /// A market-if-touched order.
    #[must_use]
    pub const fn market_if_touched(id: u64, side: Side, trigger: i64, qty: u64) -> Self {
        let mut r = Self::new(id, OrderKind::MarketIfTouched, side, qty);
        r.trigger = Some(trigger);
        r
    }

    /// A limit-if-touched order.
    #[must_use]
    pub const fn limit_if_touched(id: u64, side: Side, trigger: i64, price: i64, qty: u64) -> Self {
        let mut r = Self::new(id, OrderKind::LimitIfTouched, side, qty);
        r.trigger = Some(trigger);
        r.price = Some(price);
        r
    }

    /// A trailing stop-market order.
    #[must_use]
    pub const fn trailing_stop_market(
        id: u64,
        side: Side,
        offset: TrailingOffset,
        qty: u64,
    ) -> Self {
        let mut r = Self::new(id, OrderKind::TrailingStopMarket, side, qty);
        r.trailing_offset = Some(offset);
        r
    }

    /// A trailing stop-limit order; its limit stays `limit_offset` ticks from the reference.
    #[must_use]
    pub const fn trailing_stop_limit(
        id: u64,
        side: Side,
        offset: TrailingOffset,
        limit_offset: u64,
        qty: u64,
    ) -> Self {
        let mut r = Self::new(id, OrderKind::TrailingStopLimit, side, qty);
        r.trailing_offset = Some(offset);
        r.limit_offset = Some(limit_offset);
        r
    }

    /// Set the account.
    #[must_use]
    pub const fn account(mut self, account: u32) -> Self {
        self.account = account;
        self
    }

    /// Set the time in force.
    #[must_use]
    pub const fn tif(mut self, tif: TimeInForce) -> Self {
        self.tif = tif;
        self
    }

    /// Make it GTD, expiring at `expire_time` (nanoseconds).
    #[must_use]
    pub const fn gtd(mut self, expire_time: i64) -> Self {
        self.tif = TimeInForce::Gtd;
        self.expire_time = Some(expire_time);
        self
    }

    /// Make it an iceberg showing `display_qty` at a time.
    #[must_use]
    pub const fn display(mut self, display_qty: u64) -> Self {
        self.display_qty = Some(display_qty);
        self
    }

    /// Make it post-only.
    #[must_use]
    pub const fn post_only(mut self) -> Self {
        self.post_only = true;
        self
    }

    /// Make it reduce-only.
    #[must_use]
    pub const fn reduce_only(mut self) -> Self {
        self.reduce_only = true;
        self
    }

    /// Set the trigger type.
    #[must_use]
    pub const fn trigger_type(mut self, trigger_type: TriggerType) -> Self {
        self.trigger_type = trigger_type;
        self
    }

    /// Set a trailing order's activation price.
    #[must_use]
    pub const fn activation(mut self, price: i64) -> Self {
        self.activation_price = Some(price);
        self
    }
}

/// Where a live order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// On the book, in its price level's queue.
    Resting,
    /// A conditional order waiting for its trigger (or a trailing order for activation).
    Pending,
}

/// A snapshot of one live order, from [`MatchingEngine::order`](super::MatchingEngine::order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderView {
    /// Caller's id.
    pub id: u64,
    /// Account.
    pub account: u32,
    /// Side.
    pub side: Side,
    /// Order type as submitted.
    pub kind: OrderKind,
    /// Time in force.
    pub tif: TimeInForce,
    /// Resting or pending.
    pub state: OrderState,
    /// Working limit price (`None` for market-type orders and trailing stop-limits not yet
    /// activated).
    pub price: Option<i64>,
    /// Current trigger price of a pending conditional order (`None` once triggered, and
    /// for a trailing order not yet activated).
    pub trigger: Option<i64>,
    /// Total quantity.
    pub qty: u64,
    /// Quantity filled so far.
    pub filled: u64,
    /// Displayed, matchable quantity while resting (the iceberg's current slice).
    pub visible: u64,
    /// Hidden reserve of an iceberg while resting.
    pub hidden: u64,
    /// Expire time (GTD, and DAY's computed cut-off).
    pub expire_time: Option<i64>,
    /// Arrival sequence number: the engine's own count of accepted orders.
    pub seq: u64,
}

impl OrderView {
    /// Quantity not yet filled.
    #[must_use]
    pub const fn leaves(&self) -> u64 {
        self.qty - self.filled
    }
}
