//! What an environment does: its action space, reward, observation, episodes and venue.

use crate::exchange::InputError;
use crate::models::QueueModel;

/// How actions become orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// One integer: 0 hold, 1 buy `trade_size`, 2 sell `trade_size`, 3 flatten; market
    /// orders, never past `max_position`.
    Discrete,
    /// One number in `[-1, 1]`: the target position as a fraction of `max_position`,
    /// rounded to whole `trade_size`s; a market order trades the difference.
    Target,
    /// Two numbers in `[-1, 1]`: how far behind the data's best bid and best ask to quote,
    /// `(a + 1) / 2 * max_offset` ticks; post-only limit orders of `trade_size`, kept in
    /// place (queue position included) while their price does not change.
    Quote,
}

impl ActionKind {
    /// From a code: 0 discrete, 1 target, 2 quote.
    pub fn from_code(code: u8) -> Result<Self, InputError> {
        match code {
            0 => Ok(Self::Discrete),
            1 => Ok(Self::Target),
            2 => Ok(Self::Quote),
            _ => Err(InputError::new(
                "action",
                "must be 0 (discrete), 1 (target) or 2 (quote)",
                code,
            )),
        }
    }

    /// Numbers per action: 1 for discrete and target, 2 for quote.
    #[must_use]
    pub const fn dim(self) -> usize {
        match self {
            Self::Discrete | Self::Target => 1,
            Self::Quote => 2,
        }
    }
}

/// The built-in reward (every kind then subtracts the inventory penalty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RewardKind {
    /// Change of the marked-to-mid PnL, before fees, times `pnl_scale`.
    Pnl,
    /// Change of the marked-to-mid PnL after fees, times `pnl_scale`.
    PnlNet,
    /// Moody and Saffell's differential Sharpe ratio of the scaled net PnL changes, with
    /// moving-average rate `sharpe_eta`.
    DifferentialSharpe,
}

impl RewardKind {
    /// From a code: 0 pnl, 1 pnl net of fees, 2 differential Sharpe.
    pub fn from_code(code: u8) -> Result<Self, InputError> {
        match code {
            0 => Ok(Self::Pnl),
            1 => Ok(Self::PnlNet),
            2 => Ok(Self::DifferentialSharpe),
            _ => Err(InputError::new(
                "reward",
                "must be 0 (pnl), 1 (pnl_net) or 2 (differential_sharpe)",
                code,
            )),
        }
    }
}

/// What a vector environment does with a sub-environment whose episode ended (the modes of
/// gymnasium's `AutoresetMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Autoreset {
    /// The next step ignores its action, resets it, and reports the first observation with
    /// reward 0 and neither flag set.
    NextStep,
    /// The step that ends it resets it at once: its observation is the new episode's first,
    /// and the final one is kept aside.
    SameStep,
    /// Never: the caller resets it (stepping it first is an error).
    Disabled,
}

impl Autoreset {
    /// From a code: 0 next step, 1 same step, 2 disabled.
    pub fn from_code(code: u8) -> Result<Self, InputError> {
        match code {
            0 => Ok(Self::NextStep),
            1 => Ok(Self::SameStep),
            2 => Ok(Self::Disabled),
            _ => Err(InputError::new(
                "autoreset",
                "must be 0 (next step), 1 (same step) or 2 (disabled)",
                code,
            )),
        }
    }
}

/// The blocks of the observation vector, in this order (each may be left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObsConfig {
    /// Book levels per side now: distance from the mid (ticks) and size (scaled), bids then
    /// asks. At most 1 for L1 data.
    pub depth: u32,
    /// Past top-of-book snapshots, newest first, `stride` rows apart: mid change (ticks),
    /// spread (ticks), bid and ask size (scaled).
    pub window: u32,
    /// Rows between window snapshots.
    pub stride: u32,
    /// Last trades, newest first: price minus mid (ticks), signed size (scaled; + buyer
    /// aggressor), age (seconds).
    pub trades: u32,
    /// Position (fraction of `max_position`), unrealized PnL and episode PnL (scaled).
    pub account: bool,
    /// Episode progress (0..1) and the time of day as sine and cosine.
    pub time: bool,
}

impl Default for ObsConfig {
    fn default() -> Self {
        Self {
            depth: 1,
            window: 8,
            stride: 1,
            trades: 0,
            account: true,
            time: true,
        }
    }
}

/// Largest `depth`, `window` and `trades` allowed.
pub const MAX_BLOCK: u32 = 4096;

impl ObsConfig {
    /// Length of the observation vector.
    #[must_use]
    pub const fn dim(&self) -> usize {
        4 * self.depth as usize
            + 4 * self.window as usize
            + 3 * self.trades as usize
            + if self.account { 3 } else { 0 }
            + if self.time { 3 } else { 0 }
    }

    /// The blocks as `(name, start, stop)` ranges of the vector.
    #[must_use]
    pub fn layout(&self) -> Vec<(&'static str, usize, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        for (name, len) in [
            ("depth", 4 * self.depth as usize),
            ("window", 4 * self.window as usize),
            ("trades", 3 * self.trades as usize),
            ("account", if self.account { 3 } else { 0 }),
            ("time", if self.time { 3 } else { 0 }),
        ] {
            if len > 0 {
                out.push((name, at, at + len));
                at += len;
            }
        }
        out
    }
}

/// How far one step moves the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stepping {
    /// This many data rows per step.
    Rows(u32),
    /// This many nanoseconds per step (every row up to the step's end time).
    Nanos(i64),
}

/// Everything an environment is configured with. [`EnvConfig::check`] validates it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvConfig {
    /// How actions become orders.
    pub action: ActionKind,
    /// The built-in reward.
    pub reward: RewardKind,
    /// The observation's blocks.
    pub obs: ObsConfig,
    /// Lots per order.
    pub trade_size: u64,
    /// Largest absolute position in lots (a multiple of `trade_size`).
    pub max_position: u64,
    /// Largest quoting distance behind the best price (ticks), for [`ActionKind::Quote`].
    pub max_offset: u32,
    /// Fee of a resting (maker) fill as a fraction of its notional; negative: a rebate.
    pub maker_fee: f64,
    /// Fee of a taking fill as a fraction of its notional.
    pub taker_fee: f64,
    /// Money per tick per lot: PnL and fees are in this currency.
    pub tick_value: f64,
    /// PnL (money) is multiplied by this in rewards and observations.
    pub pnl_scale: f64,
    /// Subtracted from the reward each step, times `(position / trade_size)**2`.
    pub inventory_penalty: f64,
    /// Moving-average rate of the differential Sharpe ratio, in `(0, 1)`.
    pub sharpe_eta: f64,
    /// End the episode (terminated) once its net PnL is at or below `-max_loss`; infinite
    /// or 0: never.
    pub max_loss: f64,
    /// Steps per episode (then truncated).
    pub episode_steps: u32,
    /// How far one step moves the market.
    pub stepping: Stepping,
    /// Start episodes at random rows (seeded); else one after another through the data.
    pub random_start: bool,
    /// Delay of every command on its way to the exchange.
    pub latency_ns: u64,
    /// Queue model of the exchange (where cancellations at a level come from).
    pub queue_model: QueueModel,
    /// Sizes in observations are divided by this (lots); 0: the data's mean touch size.
    pub size_scale: f64,
}

impl Default for EnvConfig {
    fn default() -> Self {
        Self {
            action: ActionKind::Discrete,
            reward: RewardKind::PnlNet,
            obs: ObsConfig::default(),
            trade_size: 1,
            max_position: 1,
            max_offset: 5,
            maker_fee: 0.0,
            taker_fee: 0.0,
            tick_value: 1.0,
            pnl_scale: 1.0,
            inventory_penalty: 0.0,
            sharpe_eta: 0.01,
            max_loss: f64::INFINITY,
            episode_steps: 1000,
            stepping: Stepping::Rows(1),
            random_start: true,
            latency_ns: 0,
            queue_model: QueueModel::Pessimistic,
            size_scale: 0.0,
        }
    }
}

fn finite(field: &'static str, v: f64, ok: bool, rule: &'static str) -> Result<(), InputError> {
    if v.is_finite() && ok {
        Ok(())
    } else {
        // InputError carries integers; the rule text says what was wrong.
        Err(InputError::new(
            field,
            rule,
            v.round().clamp(-1e30, 1e30) as i128,
        ))
    }
}

impl EnvConfig {
    /// Check every field (the error names the first bad one).
    #[allow(clippy::too_many_lines, reason = "one check per field, in order")]
    pub fn check(&self) -> Result<(), InputError> {
        let o = &self.obs;
        if self.trade_size == 0 || self.trade_size >= crate::exchange::MAX_DATA_LOTS {
            return Err(InputError::new(
                "trade_size",
                "must be in 1..2**56 lots",
                self.trade_size,
            ));
        }
        if self.max_position < self.trade_size
            || self.max_position % self.trade_size != 0
            || self.max_position >= crate::exchange::MAX_DATA_LOTS
        {
            return Err(InputError::new(
                "max_position",
                "must be a positive multiple of trade_size below 2**56 lots",
                self.max_position,
            ));
        }
        if self.action == ActionKind::Quote && self.max_offset > 1_000_000 {
            return Err(InputError::new(
                "max_offset",
                "must be at most 1_000_000 ticks",
                self.max_offset,
            ));
        }
        finite(
            "maker_fee",
            self.maker_fee,
            self.maker_fee.abs() < 1.0,
            "must be a finite fraction in (-1, 1)",
        )?;
        finite(
            "taker_fee",
            self.taker_fee,
            self.taker_fee.abs() < 1.0,
            "must be a finite fraction in (-1, 1)",
        )?;
        finite(
            "tick_value",
            self.tick_value,
            self.tick_value > 0.0,
            "must be finite and positive",
        )?;
        finite(
            "pnl_scale",
            self.pnl_scale,
            self.pnl_scale > 0.0,
            "must be finite and positive",
        )?;
        finite(
            "inventory_penalty",
            self.inventory_penalty,
            self.inventory_penalty >= 0.0,
            "must be finite and >= 0",
        )?;
        finite(
            "sharpe_eta",
            self.sharpe_eta,
            self.sharpe_eta > 0.0 && self.sharpe_eta < 1.0,
            "must be in (0, 1)",
        )?;
        if self.max_loss.is_nan() || self.max_loss < 0.0 {
            return Err(InputError::new(
                "max_loss",
                "must be >= 0 (0 or inf: none)",
                -1,
            ));
        }
        finite(
            "size_scale",
            self.size_scale,
            self.size_scale >= 0.0,
            "must be finite and >= 0 (0: the data's mean)",
        )?;
        if self.episode_steps == 0 {
            return Err(InputError::new("episode_steps", "must be positive", 0));
        }
        match self.stepping {
            Stepping::Rows(0) => {
                return Err(InputError::new("step_rows", "must be positive", 0));
            }
            Stepping::Nanos(ns) if ns <= 0 => {
                return Err(InputError::new("step_ns", "must be positive", ns));
            }
            _ => {}
        }
        for (field, v) in [
            ("depth", o.depth),
            ("window", o.window),
            ("trades", o.trades),
        ] {
            if v > MAX_BLOCK {
                return Err(InputError::new(field, "must be at most 4096", v));
            }
        }
        if o.stride == 0 {
            return Err(InputError::new("stride", "must be positive", 0));
        }
        if o.dim() == 0 {
            return Err(InputError::new(
                "observation",
                "must have at least one block (depth, window, trades, account or time)",
                0,
            ));
        }
        if self.latency_ns > i64::MAX as u64 / 4 {
            return Err(InputError::new(
                "latency_ns",
                "must be below 2**61 ns",
                self.latency_ns,
            ));
        }
        Ok(())
    }

    /// Whether an episode can end by loss.
    #[must_use]
    pub(crate) fn has_max_loss(&self) -> bool {
        self.max_loss.is_finite() && self.max_loss > 0.0
    }
}
