//! What the matching engine reports.

use std::fmt;

use crate::book::Side;

/// One thing that happened, appended in order to the caller's `Vec<Event>`.
///
/// A submitted order produces either [`Rejected`](Self::Rejected) alone, or
/// [`Accepted`](Self::Accepted) followed by whatever happened to it (fills, a cancel of
/// the remainder, …). A fill is reported once, as a match between two orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The order passed validation and is working (this includes market orders).
    Accepted {
        /// Order id.
        id: u64,
    },
    /// The order was refused and never worked.
    Rejected {
        /// Order id.
        id: u64,
        /// Why.
        reason: RejectReason,
    },
    /// A match: `taker` (the aggressor, liquidity TAKER) traded with `maker` (the resting
    /// order, liquidity MAKER) at the maker's price.
    Filled {
        /// Taker order id.
        taker: u64,
        /// Maker order id.
        maker: u64,
        /// Execution price in ticks.
        price: i64,
        /// Quantity in lots.
        qty: u64,
        /// The taker's side.
        aggressor: Side,
    },
    /// A trader's order traded with market-data liquidity (see [`super::data`]): as the
    /// taker when it took displayed data liquidity, as the maker when market data (a
    /// trade print, or a quote or level crossing its price) reached it. There is no
    /// counterparty order.
    DataFill {
        /// The trader's order id.
        id: u64,
        /// Execution price in ticks (the order's own limit price when it is the maker).
        price: i64,
        /// Quantity in lots.
        qty: u64,
        /// The trader's order was the resting (maker) side.
        maker: bool,
    },
    /// The engine changed a live order's total quantity by itself (OUO reduction, or
    /// [`MatchingEngine::resize`](super::MatchingEngine::resize)).
    Resized {
        /// Order id.
        id: u64,
        /// New total quantity (filled plus open).
        qty: u64,
    },
    /// The order's remaining quantity was canceled; it is done.
    Canceled {
        /// Order id.
        id: u64,
        /// Why.
        reason: CancelReason,
    },
    /// A GTD or DAY order reached its expire time; it is done.
    Expired {
        /// Order id.
        id: u64,
    },
    /// A conditional order's trigger condition was met; it now works as a market or limit
    /// order (emitted for every conditional type, market-style ones included).
    Triggered {
        /// Order id.
        id: u64,
    },
    /// The engine changed an order by itself: a trailing order's trigger (and limit)
    /// moved, or a market-to-limit order became a limit order at `price`.
    Updated {
        /// Order id.
        id: u64,
        /// Working limit price, if it has one.
        price: Option<i64>,
        /// Trigger price, if it has one.
        trigger: Option<i64>,
    },
    /// A modify request was applied; the values are the order's new ones.
    Modified {
        /// Order id.
        id: u64,
        /// Limit price, if it has one.
        price: Option<i64>,
        /// Trigger price, if pending with one.
        trigger: Option<i64>,
        /// Total quantity.
        qty: u64,
    },
    /// A modify request was refused; the order is unchanged.
    ModifyRejected {
        /// Order id.
        id: u64,
        /// Why.
        reason: RejectReason,
    },
    /// A cancel request was refused (the order is not live).
    CancelRejected {
        /// Order id.
        id: u64,
        /// Why.
        reason: RejectReason,
    },
}

/// Why an order, a modify or a cancel was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// Another live order has this id.
    DuplicateId,
    /// The order is not live (never seen, or already done).
    NotFound,
    /// Quantity is zero or above `i64::MAX` lots.
    InvalidQuantity,
    /// This order type needs a limit price.
    PriceRequired,
    /// This order type takes no limit price.
    PriceNotAllowed,
    /// This order type needs a trigger price.
    TriggerRequired,
    /// This order type takes no trigger price (or, on modify: it is no longer pending).
    TriggerNotAllowed,
    /// A trailing order needs a trailing offset (and a trailing stop-limit a limit offset).
    TrailingOffsetRequired,
    /// Trailing offset, limit offset or activation price on an order that does not trail.
    TrailingNotAllowed,
    /// The trigger type is not supported for this order type.
    TriggerTypeUnsupported,
    /// Display quantity zero, above the quantity, or on an order that cannot rest.
    InvalidDisplayQty,
    /// GTD without an expire time.
    ExpireTimeRequired,
    /// Expire time on an order that is not GTD.
    ExpireTimeNotAllowed,
    /// GTD expire time not after the engine's current time.
    ExpireTimeInPast {
        /// The engine's time when the order arrived.
        now: i64,
    },
    /// This time in force is not allowed for this order type (a GTD market order).
    TifNotAllowed,
    /// Not supported by this engine yet (auction time in force).
    Unsupported,
    /// Post-only on an order that cannot rest (market-style, IOC or FOK).
    PostOnlyNotAllowed,
    /// Post-only order whose price would take liquidity.
    PostOnlyWouldTake {
        /// The best opposite price it would have taken.
        best: i64,
    },
    /// Reduce-only order that would open or increase the account's position.
    ReduceOnlyWouldIncrease {
        /// The account's position in lots (signed: long positive).
        position: i64,
    },
    /// Conditional order whose trigger (or activation) is already reached.
    TriggerInMarket {
        /// The reference price it was compared with (for mid: rounded down).
        reference: i64,
    },
    /// Modify to a quantity not above the quantity already filled.
    QtyNotAboveFilled {
        /// Quantity already filled.
        filled: u64,
    },
    /// Modify of a field this order does not let change (a trailing order's trigger).
    NotModifiable,
}

/// Why an accepted order's remainder was canceled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The caller canceled it.
    Requested,
    /// IOC (or a limit order that cannot rest): the part not filled on arrival.
    ImmediateOrCancel,
    /// FOK that could not be filled in full; nothing was filled.
    FillOrKill,
    /// A market-style order consumed every opposite level (or found none).
    NoLiquidity,
    /// A market-style order reached the configured protection price.
    PriceProtection,
    /// Self-trade prevention.
    SelfTrade,
    /// A reduce-only order whose account has no position left to reduce.
    ReduceOnly,
    /// A post-only conditional order that would have taken liquidity when triggered.
    PostOnlyWouldTake,
    /// OCO: another order of its group filled.
    Oco,
    /// OUO: fills of the other orders of its group left it nothing open.
    Ouo,
    /// Another order of its OCO/OUO group was canceled, expired or rejected.
    Linked,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::DuplicateId => f.write_str("DUPLICATE_ID: another live order has this id"),
            Self::NotFound => f.write_str("NOT_FOUND: no live order with this id"),
            Self::InvalidQuantity => {
                f.write_str("INVALID_QUANTITY: quantity must be between 1 and i64::MAX lots")
            }
            Self::PriceRequired => f.write_str("PRICE_REQUIRED: this order type needs a price"),
            Self::PriceNotAllowed => {
                f.write_str("PRICE_NOT_ALLOWED: this order type takes no limit price")
            }
            Self::TriggerRequired => {
                f.write_str("TRIGGER_REQUIRED: this order type needs a trigger price")
            }
            Self::TriggerNotAllowed => {
                f.write_str("TRIGGER_NOT_ALLOWED: the order has no pending trigger")
            }
            Self::TrailingOffsetRequired => {
                f.write_str("TRAILING_OFFSET_REQUIRED: trailing orders need their offsets")
            }
            Self::TrailingNotAllowed => {
                f.write_str("TRAILING_NOT_ALLOWED: trailing fields on a non-trailing order")
            }
            Self::TriggerTypeUnsupported => {
                f.write_str("TRIGGER_TYPE_UNSUPPORTED: not supported for this order type")
            }
            Self::InvalidDisplayQty => f.write_str(
                "INVALID_DISPLAY_QTY: display quantity must be in 1..=qty, on a limit-type order",
            ),
            Self::ExpireTimeRequired => f.write_str("EXPIRE_TIME_REQUIRED: GTD needs one"),
            Self::ExpireTimeNotAllowed => {
                f.write_str("EXPIRE_TIME_NOT_ALLOWED: only GTD orders take one")
            }
            Self::ExpireTimeInPast { now } => {
                write!(
                    f,
                    "EXPIRE_TIME_IN_PAST: expire time must be after now={now}"
                )
            }
            Self::TifNotAllowed => {
                f.write_str("TIF_NOT_ALLOWED: time in force not allowed for this order type")
            }
            Self::Unsupported => f.write_str("UNSUPPORTED: not supported by this venue"),
            Self::PostOnlyNotAllowed => f.write_str(
                "POST_ONLY_NOT_ALLOWED: only resting limit-type orders can be post-only",
            ),
            Self::PostOnlyWouldTake { best } => {
                write!(
                    f,
                    "POST_ONLY_WOULD_TAKE: price crosses best opposite price={best}"
                )
            }
            Self::ReduceOnlyWouldIncrease { position } => write!(
                f,
                "REDUCE_ONLY_WOULD_INCREASE: order would increase position={position}"
            ),
            Self::TriggerInMarket { reference } => {
                write!(
                    f,
                    "TRIGGER_IN_MARKET: already reached, reference={reference}"
                )
            }
            Self::QtyNotAboveFilled { filled } => write!(
                f,
                "QTY_NOT_ABOVE_FILLED: new quantity must exceed filled={filled}"
            ),
            Self::NotModifiable => f.write_str("NOT_MODIFIABLE: this field cannot change"),
        }
    }
}
