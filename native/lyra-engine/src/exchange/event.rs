//! What the exchange reports: flat event records with stable integer codes.

use crate::matching::{CancelReason, RejectReason};

/// What happened to an order. The codes are the first field of each event tuple of
/// `lyra._native.SimCore.drain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventKind {
    /// The order passed validation and works (market orders included).
    Accepted = 1,
    /// The order was refused and never worked (`reason`, parameter in `aux`).
    Rejected = 2,
    /// A fill: `price`, `qty` of this fill; `aux` 1 maker / 2 taker; `other_id` the
    /// counterparty's order id, 0 when it is market data.
    Filled = 3,
    /// The order's remainder was canceled (`reason`).
    Canceled = 4,
    /// A GTD or DAY order reached its expire time.
    Expired = 5,
    /// A conditional order's trigger was reached.
    Triggered = 6,
    /// The exchange changed the order by itself: `price` (limit), `qty` (new total),
    /// `aux` (trigger). OUO reduction, OTO child growth, trailing move, market-to-limit.
    Updated = 7,
    /// A modify was applied: `price`, `qty` (new total), `aux` (trigger).
    Modified = 8,
    /// A modify was refused (`reason`, parameter in `aux`); the order is unchanged.
    ModifyRejected = 9,
    /// A cancel was refused (`reason`).
    CancelRejected = 10,
    /// A held OTO child was released to the book with `qty`.
    Released = 11,
}

/// Why something was refused or canceled. `code()` is the `reason` field of an event;
/// [`reason_text`] gives its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u16)]
pub enum Reason {
    /// No reason (events that are not refusals or cancels).
    #[default]
    None = 0,
    /// Another live order has this id.
    DuplicateId = 1,
    /// No live order with this id on this instrument.
    NotFound = 2,
    /// Quantity zero or above `i64::MAX` lots.
    InvalidQuantity = 3,
    /// This order type needs a limit price.
    PriceRequired = 4,
    /// This order type takes no limit price.
    PriceNotAllowed = 5,
    /// This order type needs a trigger price.
    TriggerRequired = 6,
    /// This order type takes no trigger price (or the order is no longer pending).
    TriggerNotAllowed = 7,
    /// Trailing orders need their offsets.
    TrailingOffsetRequired = 8,
    /// Trailing fields on an order that does not trail.
    TrailingNotAllowed = 9,
    /// The trigger type is not supported for this order type.
    TriggerTypeUnsupported = 10,
    /// Display quantity outside `1..=qty`, or on an order that cannot rest.
    InvalidDisplayQty = 11,
    /// GTD without an expire time.
    ExpireTimeRequired = 12,
    /// Expire time on an order that is not GTD.
    ExpireTimeNotAllowed = 13,
    /// GTD expire time not after the exchange's time (`aux`: that time).
    ExpireTimeInPast = 14,
    /// Time in force not allowed for this order type.
    TifNotAllowed = 15,
    /// Not supported by this exchange: a reduce-only, linked or OTO-child auction order.
    Unsupported = 16,
    /// Post-only on an order that cannot rest.
    PostOnlyNotAllowed = 17,
    /// Post-only order whose price would take (`aux`: best opposite price).
    PostOnlyWouldTake = 18,
    /// Reduce-only order that would open or increase the position (`aux`: position).
    ReduceOnlyWouldIncrease = 19,
    /// Conditional order whose trigger is already reached (`aux`: reference price).
    TriggerInMarket = 20,
    /// Modify to a quantity not above the filled quantity (`aux`: filled).
    QtyNotAboveFilled = 21,
    /// This field of the order cannot change.
    NotModifiable = 22,
    /// A linked order already closed the contingency (OCO/OUO closed, OUO reductions
    /// left nothing, or the OTO parent ended unfilled).
    ContingencyClosed = 23,
    /// `AT_THE_OPEN` with no opening auction ahead on this instrument (none configured, or
    /// none left).
    NoOpeningAuction = 24,
    /// `AT_THE_CLOSE` with no closing auction ahead on this instrument.
    NoClosingAuction = 25,
    /// The cancel was requested.
    Requested = 40,
    /// IOC: the part not filled on arrival.
    ImmediateOrCancel = 41,
    /// FOK that could not fill completely; nothing filled.
    FillOrKill = 42,
    /// A market-style order ran out of liquidity.
    NoLiquidity = 43,
    /// A market-style order reached the protection price.
    PriceProtection = 44,
    /// Self-trade prevention.
    SelfTrade = 45,
    /// A reduce-only order whose position is gone.
    ReduceOnly = 46,
    /// A post-only conditional order that would have taken when triggered.
    PostOnlyTriggered = 47,
    /// OCO: another order of its group filled.
    Oco = 48,
    /// OUO: fills of the other orders of its group left it nothing open.
    Ouo = 49,
    /// Another order of its OCO/OUO group was canceled, expired or rejected.
    Linked = 50,
    /// Held OTO child whose parent ended without a fill.
    ParentClosed = 51,
    /// An auction order's part left unfilled when its auction uncrossed (auction orders
    /// do not carry over into the continuous book).
    AuctionUnfilled = 52,
}

impl Reason {
    /// The event code.
    #[must_use]
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The reason's text: `NAME: explanation`.
    #[must_use]
    pub const fn text(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::DuplicateId => "DUPLICATE_ID: another live order has this id",
            Self::NotFound => "NOT_FOUND: no live order with this id on this instrument",
            Self::InvalidQuantity => {
                "INVALID_QUANTITY: quantity must be between 1 and i64::MAX lots"
            }
            Self::PriceRequired => "PRICE_REQUIRED: this order type needs a price",
            Self::PriceNotAllowed => "PRICE_NOT_ALLOWED: this order type takes no limit price",
            Self::TriggerRequired => "TRIGGER_REQUIRED: this order type needs a trigger price",
            Self::TriggerNotAllowed => "TRIGGER_NOT_ALLOWED: the order has no pending trigger",
            Self::TrailingOffsetRequired => {
                "TRAILING_OFFSET_REQUIRED: trailing orders need their offsets"
            }
            Self::TrailingNotAllowed => {
                "TRAILING_NOT_ALLOWED: trailing fields on a non-trailing order"
            }
            Self::TriggerTypeUnsupported => {
                "TRIGGER_TYPE_UNSUPPORTED: not supported for this order type"
            }
            Self::InvalidDisplayQty => {
                "INVALID_DISPLAY_QTY: display quantity must be in 1..=qty, on a limit-type order"
            }
            Self::ExpireTimeRequired => "EXPIRE_TIME_REQUIRED: GTD needs one",
            Self::ExpireTimeNotAllowed => "EXPIRE_TIME_NOT_ALLOWED: only GTD orders take one",
            Self::ExpireTimeInPast => {
                "EXPIRE_TIME_IN_PAST: expire time must be after the exchange's time (aux)"
            }
            Self::TifNotAllowed => "TIF_NOT_ALLOWED: time in force not allowed for this order type",
            Self::Unsupported => {
                "UNSUPPORTED: auction orders cannot be reduce-only, linked or OTO children here"
            }
            Self::PostOnlyNotAllowed => {
                "POST_ONLY_NOT_ALLOWED: only resting limit-type orders can be post-only"
            }
            Self::PostOnlyWouldTake => {
                "POST_ONLY_WOULD_TAKE: price crosses the best opposite price (aux)"
            }
            Self::ReduceOnlyWouldIncrease => {
                "REDUCE_ONLY_WOULD_INCREASE: order would increase the position (aux)"
            }
            Self::TriggerInMarket => {
                "TRIGGER_IN_MARKET: trigger already reached at the reference price (aux)"
            }
            Self::QtyNotAboveFilled => {
                "QTY_NOT_ABOVE_FILLED: new quantity must exceed the filled quantity (aux)"
            }
            Self::NotModifiable => "NOT_MODIFIABLE: this field cannot change",
            Self::ContingencyClosed => {
                "CONTINGENCY_CLOSED: a linked order already closed the contingency"
            }
            Self::Requested => "REQUESTED: canceled on request",
            Self::ImmediateOrCancel => "IMMEDIATE_OR_CANCEL: the part not filled on arrival",
            Self::FillOrKill => "FILL_OR_KILL: could not fill completely; nothing filled",
            Self::NoLiquidity => "NO_LIQUIDITY: a market-style order ran out of liquidity",
            Self::PriceProtection => {
                "PRICE_PROTECTION: a market-style order reached its protection price"
            }
            Self::SelfTrade => "SELF_TRADE: self-trade prevention",
            Self::ReduceOnly => "REDUCE_ONLY: no position left to reduce",
            Self::PostOnlyTriggered => {
                "POST_ONLY_TRIGGERED: a post-only order would have taken when triggered"
            }
            Self::Oco => "OCO: another order of its OCO group filled",
            Self::Ouo => "OUO: fills of linked orders left nothing open",
            Self::Linked => "LINKED: a linked order was canceled, expired or rejected",
            Self::ParentClosed => "PARENT_CLOSED: the OTO parent ended without a fill",
            Self::NoOpeningAuction => {
                "NO_OPENING_AUCTION: venue has no opening auction ahead for this instrument"
            }
            Self::NoClosingAuction => {
                "NO_CLOSING_AUCTION: venue has no closing auction ahead for this instrument"
            }
            Self::AuctionUnfilled => {
                "AUCTION_UNFILLED: left unfilled by its call auction; auction orders do not carry over"
            }
        }
    }

    /// The reason for an engine refusal, and its parameter (for `aux`).
    #[must_use]
    pub const fn of_reject(r: RejectReason) -> (Self, i64) {
        use RejectReason as R;
        match r {
            R::DuplicateId => (Self::DuplicateId, 0),
            R::NotFound => (Self::NotFound, 0),
            R::InvalidQuantity => (Self::InvalidQuantity, 0),
            R::PriceRequired => (Self::PriceRequired, 0),
            R::PriceNotAllowed => (Self::PriceNotAllowed, 0),
            R::TriggerRequired => (Self::TriggerRequired, 0),
            R::TriggerNotAllowed => (Self::TriggerNotAllowed, 0),
            R::TrailingOffsetRequired => (Self::TrailingOffsetRequired, 0),
            R::TrailingNotAllowed => (Self::TrailingNotAllowed, 0),
            R::TriggerTypeUnsupported => (Self::TriggerTypeUnsupported, 0),
            R::InvalidDisplayQty => (Self::InvalidDisplayQty, 0),
            R::ExpireTimeRequired => (Self::ExpireTimeRequired, 0),
            R::ExpireTimeNotAllowed => (Self::ExpireTimeNotAllowed, 0),
            R::ExpireTimeInPast { now } => (Self::ExpireTimeInPast, now),
            R::TifNotAllowed => (Self::TifNotAllowed, 0),
            R::Unsupported => (Self::Unsupported, 0),
            R::PostOnlyNotAllowed => (Self::PostOnlyNotAllowed, 0),
            R::PostOnlyWouldTake { best } => (Self::PostOnlyWouldTake, best),
            R::ReduceOnlyWouldIncrease { position } => (Self::ReduceOnlyWouldIncrease, position),
            R::TriggerInMarket { reference } => (Self::TriggerInMarket, reference),
            R::QtyNotAboveFilled { filled } => (Self::QtyNotAboveFilled, filled as i64),
            R::NotModifiable => (Self::NotModifiable, 0),
        }
    }

    /// The reason for an engine cancel.
    #[must_use]
    pub const fn of_cancel(r: CancelReason) -> Self {
        use CancelReason as C;
        match r {
            C::Requested => Self::Requested,
            C::ImmediateOrCancel => Self::ImmediateOrCancel,
            C::FillOrKill => Self::FillOrKill,
            C::NoLiquidity => Self::NoLiquidity,
            C::PriceProtection => Self::PriceProtection,
            C::SelfTrade => Self::SelfTrade,
            C::ReduceOnly => Self::ReduceOnly,
            C::PostOnlyWouldTake => Self::PostOnlyTriggered,
            C::Oco => Self::Oco,
            C::Ouo => Self::Ouo,
            C::Linked => Self::Linked,
        }
    }

    /// Every reason, in code order.
    pub const ALL: [Self; 39] = [
        Self::None,
        Self::DuplicateId,
        Self::NotFound,
        Self::InvalidQuantity,
        Self::PriceRequired,
        Self::PriceNotAllowed,
        Self::TriggerRequired,
        Self::TriggerNotAllowed,
        Self::TrailingOffsetRequired,
        Self::TrailingNotAllowed,
        Self::TriggerTypeUnsupported,
        Self::InvalidDisplayQty,
        Self::ExpireTimeRequired,
        Self::ExpireTimeNotAllowed,
        Self::ExpireTimeInPast,
        Self::TifNotAllowed,
        Self::Unsupported,
        Self::PostOnlyNotAllowed,
        Self::PostOnlyWouldTake,
        Self::ReduceOnlyWouldIncrease,
        Self::TriggerInMarket,
        Self::QtyNotAboveFilled,
        Self::NotModifiable,
        Self::ContingencyClosed,
        Self::NoOpeningAuction,
        Self::NoClosingAuction,
        Self::Requested,
        Self::ImmediateOrCancel,
        Self::FillOrKill,
        Self::NoLiquidity,
        Self::PriceProtection,
        Self::SelfTrade,
        Self::ReduceOnly,
        Self::PostOnlyTriggered,
        Self::Oco,
        Self::Ouo,
        Self::Linked,
        Self::ParentClosed,
        Self::AuctionUnfilled,
    ];
}

/// The text of reason code `code`, or `None` for a code that names no reason.
#[must_use]
pub fn reason_text(code: u16) -> Option<&'static str> {
    Reason::ALL
        .iter()
        .find(|r| r.code() == code)
        .map(|r| r.text())
}

/// Liquidity code of a fill in `aux`: the order rested (maker).
pub const MAKER: i64 = 1;
/// Liquidity code of a fill in `aux`: the order took liquidity (taker).
pub const TAKER: i64 = 2;

/// One event, in the order it happened. Fields that do not apply to a kind are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExEvent {
    /// What happened.
    pub kind: EventKind,
    /// When (exchange time, nanoseconds).
    pub ts: i64,
    /// Instrument index.
    pub instrument: u32,
    /// The trader's order id.
    pub order_id: u64,
    /// The order's account.
    pub account: u32,
    /// Price in ticks (fill price; limit price on accept, update and modify).
    pub price: i64,
    /// Lots (fill quantity; total quantity on accept, update, modify and release).
    pub qty: u64,
    /// Liquidity side of a fill ([`MAKER`]/[`TAKER`]), the trigger price on update and
    /// modify, or the parameter of a refusal.
    pub aux: i64,
    /// Counterparty order id of a fill (0: market data).
    pub other_id: u64,
    /// Why, for refusals and cancels.
    pub reason: Reason,
}

impl ExEvent {
    /// The event as the tuple `SimCore.drain` returns: `(kind, ts, instrument, order_id,
    /// account, price, qty, liquidity_or_aux, other_id, reason)`.
    #[must_use]
    pub const fn tuple(&self) -> (u8, i64, u32, u64, u32, i64, u64, i64, u64, u16) {
        (
            self.kind as u8,
            self.ts,
            self.instrument,
            self.order_id,
            self.account,
            self.price,
            self.qty,
            self.aux,
            self.other_id,
            self.reason.code(),
        )
    }
}
