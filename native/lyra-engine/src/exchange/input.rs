//! Raw integer codes (as `lyra.model.enums` numbers them) to engine values, and the
//! error that names a bad argument.

use std::borrow::Cow;
use std::fmt;

use crate::book::Side;
use crate::matching::{
    LinkKind, MARKET_ACCOUNT, OrderKind, OrderRequest, SelfTradePrevention, TimeInForce,
    TrailingOffset, TriggerType,
};
use crate::models::QueueModel;

/// A call's argument broke a rule; nothing changed. `field` names the argument (with an
/// index for a column or list element: `"side[12]"`), `rule` says what it must be, and
/// `value` is what was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The argument.
    pub field: Cow<'static, str>,
    /// The rule it broke.
    pub rule: Cow<'static, str>,
    /// The value given.
    pub value: i128,
}

impl InputError {
    pub(crate) fn new(
        field: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        value: impl Into<i128>,
    ) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
            value: value.into(),
        }
    }

    /// The same error for element `index` of a column or list.
    #[must_use]
    pub(crate) fn at(mut self, index: usize) -> Self {
        self.field = format!("{}[{index}]", self.field).into();
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (got {})", self.field, self.rule, self.value)
    }
}

impl std::error::Error for InputError {}

/// Rule text of a side code.
pub const SIDE_RULE: &str = "must be 1 (BUY) or 2 (SELL)";

/// The book type of an instrument (`BookType` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookType {
    /// Top of book (quotes).
    L1,
    /// Market by price (level deltas).
    L2,
    /// Market by order (order deltas).
    L3,
}

impl BookType {
    /// From a `BookType` code: 1 `L1_MBP`, 2 `L2_MBP`, 3 `L3_MBO`.
    pub fn from_code(code: u8) -> Result<Self, InputError> {
        match code {
            1 => Ok(Self::L1),
            2 => Ok(Self::L2),
            3 => Ok(Self::L3),
            _ => Err(InputError::new(
                "book_type",
                "must be 1 (L1_MBP), 2 (L2_MBP) or 3 (L3_MBO)",
                code,
            )),
        }
    }
}

/// A side from its code.
pub fn side(field: &'static str, code: u8) -> Result<Side, InputError> {
    Side::from_code(code).ok_or_else(|| InputError::new(field, SIDE_RULE, code))
}

/// The aggressor of a trade: 0 none (both sides), 1 buyer, 2 seller.
pub fn aggressor(code: u8) -> Result<Option<Side>, InputError> {
    match code {
        0 => Ok(None),
        1 => Ok(Some(Side::Buy)),
        2 => Ok(Some(Side::Sell)),
        _ => Err(InputError::new(
            "aggressor",
            "must be 0 (NO_AGGRESSOR), 1 (BUYER) or 2 (SELLER)",
            code,
        )),
    }
}

/// Self-trade prevention mode: 0 cancel taker, 1 cancel maker, 2 cancel both, 3 allow.
pub fn self_trade(code: u8) -> Result<SelfTradePrevention, InputError> {
    match code {
        0 => Ok(SelfTradePrevention::CancelTaker),
        1 => Ok(SelfTradePrevention::CancelMaker),
        2 => Ok(SelfTradePrevention::CancelBoth),
        3 => Ok(SelfTradePrevention::Allow),
        _ => Err(InputError::new(
            "self_trade",
            "must be 0 (cancel taker), 1 (cancel maker), 2 (cancel both) or 3 (allow)",
            code,
        )),
    }
}

/// Queue model: 0 pessimistic, 1 proportional.
pub fn queue_model(code: u8) -> Result<QueueModel, InputError> {
    match code {
        0 => Ok(QueueModel::Pessimistic),
        1 => Ok(QueueModel::Proportional),
        _ => Err(InputError::new(
            "queue_model",
            "must be 0 (pessimistic) or 1 (proportional)",
            code,
        )),
    }
}

/// Contingency kind of `link`: `ContingencyType` OCO (1) or OUO (3).
pub fn link_kind(code: u8) -> Result<LinkKind, InputError> {
    match code {
        1 => Ok(LinkKind::Oco),
        3 => Ok(LinkKind::Ouo),
        _ => Err(InputError::new("kind", "must be 1 (OCO) or 3 (OUO)", code)),
    }
}

/// A submit as the binding receives it: every field a raw integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the order's independent instructions, as the API names them"
)]
pub struct SubmitArgs {
    /// Caller's order id, positive.
    pub order_id: u64,
    /// Account.
    pub account: u32,
    /// `OrderSide` code.
    pub side: u8,
    /// `OrderType` code (1..=9).
    pub order_type: u8,
    /// `TimeInForce` code (1..=7).
    pub tif: u8,
    /// Quantity in lots.
    pub qty: u64,
    /// Limit price in ticks.
    pub price: Option<i64>,
    /// Trigger price in ticks.
    pub trigger: Option<i64>,
    /// `TriggerType` code (0 and 1 mean the default).
    pub trigger_type: u8,
    /// GTD expire time, 0 = none.
    pub expire_ns: i64,
    /// Iceberg display quantity, 0 = none.
    pub display_qty: u64,
    /// Post-only.
    pub post_only: bool,
    /// Reduce-only.
    pub reduce_only: bool,
    /// Trailing offset (ticks, or basis points).
    pub trailing_offset: u64,
    /// `TrailingOffsetType` code, 0 = none.
    pub trailing_offset_type: u8,
    /// Trailing stop-limit: limit offset in ticks.
    pub limit_offset: u64,
    /// Trailing activation price.
    pub activation: Option<i64>,
}

impl Default for SubmitArgs {
    fn default() -> Self {
        Self {
            order_id: 1,
            account: 0,
            side: 1,
            order_type: 2,
            tif: 1,
            qty: 1,
            price: None,
            trigger: None,
            trigger_type: 1,
            expire_ns: 0,
            display_qty: 0,
            post_only: false,
            reduce_only: false,
            trailing_offset: 0,
            trailing_offset_type: 0,
            limit_offset: 0,
            activation: None,
        }
    }
}

/// The trigger type the request asks for, or `None` for a valid code this exchange does
/// not support (`INDEX_PRICE`): such an order is rejected on arrival.
fn trigger_type(code: u8) -> Result<Option<TriggerType>, InputError> {
    Ok(Some(match code {
        0 | 1 => TriggerType::Default,
        2 => TriggerType::BidAsk,
        3 => TriggerType::Last,
        4 => TriggerType::DoubleLast,
        5 => TriggerType::DoubleBidAsk,
        6 => TriggerType::LastOrBidAsk,
        7 => TriggerType::Mid,
        8 => TriggerType::Mark,
        9 => return Ok(None),
        _ => {
            return Err(InputError::new(
                "trigger_type",
                "must be a TriggerType code 0..=9",
                code,
            ));
        }
    }))
}

impl SubmitArgs {
    /// The engine request, and whether its trigger type is supported. Codes and ranges
    /// are checked here (an error names the argument); the order's rules are checked on
    /// arrival, where a broken one is a rejection event.
    pub fn request(&self) -> Result<(OrderRequest, bool), InputError> {
        if self.order_id == 0 {
            return Err(InputError::new(
                "order_id",
                "must be positive (0 marks market data in events)",
                0,
            ));
        }
        if self.account == MARKET_ACCOUNT {
            return Err(InputError::new(
                "account",
                "must be below 2**32 - 1 (reserved for market data)",
                self.account,
            ));
        }
        let side = side("side", self.side)?;
        let kind = match self.order_type {
            1 => OrderKind::Market,
            2 => OrderKind::Limit,
            3 => OrderKind::StopMarket,
            4 => OrderKind::StopLimit,
            5 => OrderKind::MarketToLimit,
            6 => OrderKind::MarketIfTouched,
            7 => OrderKind::LimitIfTouched,
            8 => OrderKind::TrailingStopMarket,
            9 => OrderKind::TrailingStopLimit,
            code => {
                return Err(InputError::new(
                    "order_type",
                    "must be an OrderType code 1..=9",
                    code,
                ));
            }
        };
        let tif = match self.tif {
            1 => TimeInForce::Gtc,
            2 => TimeInForce::Ioc,
            3 => TimeInForce::Fok,
            4 => TimeInForce::Gtd,
            5 => TimeInForce::Day,
            6 => TimeInForce::AtTheOpen,
            7 => TimeInForce::AtTheClose,
            code => {
                return Err(InputError::new(
                    "tif",
                    "must be a TimeInForce code 1..=7",
                    code,
                ));
            }
        };
        let tt = trigger_type(self.trigger_type)?;
        let trailing_offset = match self.trailing_offset_type {
            0 => None,
            1 | 3 => Some(TrailingOffset::Ticks(self.trailing_offset)),
            2 => Some(TrailingOffset::BasisPoints(self.trailing_offset)),
            code => {
                return Err(InputError::new(
                    "trailing_offset_type",
                    "must be 0 (none), 1 (PRICE, in ticks), 2 (BASIS_POINTS) or 3 (TICKS)",
                    code,
                ));
            }
        };
        let limit_offset = if kind == OrderKind::TrailingStopLimit || self.limit_offset != 0 {
            Some(self.limit_offset)
        } else {
            None
        };
        let mut r = OrderRequest::new(self.order_id, kind, side, self.qty);
        r.account = self.account;
        r.price = self.price;
        r.trigger = self.trigger;
        r.trigger_type = tt.unwrap_or_default();
        r.tif = tif;
        r.expire_time = (self.expire_ns != 0).then_some(self.expire_ns);
        r.display_qty = (self.display_qty != 0).then_some(self.display_qty);
        r.post_only = self.post_only;
        r.reduce_only = self.reduce_only;
        r.trailing_offset = trailing_offset;
        r.limit_offset = limit_offset;
        r.activation_price = self.activation;
        Ok((r, tt.is_some()))
    }
}
