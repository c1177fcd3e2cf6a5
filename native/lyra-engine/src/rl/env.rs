//! [`Env`]: one trading environment — an [`Exchange`] replaying [`MarketData`], an
//! account, and the step that turns an action into orders, fills into PnL, and the market
//! into an observation.

use std::sync::Arc;

use crate::book::{L2Book, Side};
use crate::exchange::{BookType, EventKind, ExEvent, Exchange, ExchangeConfig, InputError, MAKER};
use crate::matching::OrderRequest;
use crate::models::SplitMixStream;
use crate::models::rng::mix;

use super::config::{ActionKind, EnvConfig, RewardKind, Stepping};
use super::data::{MarketData, ROW_DELTA, ROW_QUOTE, day_phase};

/// Observation values are clipped to `±OBS_BOUND` (the observation space's bounds).
pub const OBS_BOUND: f32 = 1e9;

/// Columns of the per-step state (see [`Env::step`]), in order.
pub const STATE_COLUMNS: [&str; 9] = [
    "pnl",
    "fees",
    "equity",
    "position",
    "mid",
    "traded",
    "reward",
    "step",
    "unrealized",
];

/// Number of state columns.
pub const STATE_DIM: usize = STATE_COLUMNS.len();

/// Stream of the episode-start draws (`SplitMixStream` of the env's seed).
const START_STREAM: u64 = 0x524C_5354; // "RLST"

/// `x` as a float; the common case (it fits an `i64`) without the slow 128-bit path.
#[inline]
fn money(x: i128) -> f64 {
    match i64::try_from(x) {
        Ok(v) => v as f64,
        Err(_) => wide(x),
    }
}

/// Kept out of line: inlined, the compiler folds both arms into the slow conversion.
#[cold]
#[inline(never)]
fn wide(x: i128) -> f64 {
    x as f64
}

/// A working quote as `(order id, price in ticks)`.
pub type QuoteRef = (u64, i64);

/// One action, as the step takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// [`ActionKind::Discrete`]: 0 hold, 1 buy, 2 sell, 3 flatten.
    Discrete(i64),
    /// [`ActionKind::Target`] (first number) or [`ActionKind::Quote`] (both).
    Continuous(f32, f32),
}

/// What one step reports besides the observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOut {
    /// The built-in reward.
    pub reward: f64,
    /// The episode ended by loss (`max_loss`).
    pub terminated: bool,
    /// The episode reached its length (or the data's end).
    pub truncated: bool,
}

/// A working quote.
#[derive(Debug, Clone, Copy)]
struct Quote {
    id: u64,
    price: i64,
    left: u64,
}

/// Position, cash and fees, and the orders still working. Kept apart from the exchange so
/// that draining its events can update it.
#[derive(Debug, Clone, Default)]
struct Account {
    position: i64,
    /// Cash in ticks × lots: what was received for sells minus what was paid for buys.
    cash: i128,
    /// Fees over the episode (money).
    fees: f64,
    /// Average entry price of the open position (ticks).
    avg_entry: f64,
    /// Market orders not finished: id and signed lots left.
    inflight: Vec<(u64, i64)>,
    /// Sum of `inflight`'s lots.
    pending: i64,
    bid: Option<Quote>,
    ask: Option<Quote>,
    step_fees: f64,
    traded: u64,
}

impl Account {
    #[inline]
    fn on_event(&mut self, e: &ExEvent, cfg: &EnvConfig) {
        match e.kind {
            EventKind::Filled => {
                // Ids are even for buys and odd for sells, so a fill needs no lookup.
                let q = e.qty as i64;
                let signed = if e.order_id & 1 == 0 { q } else { -q };
                self.fill(signed, e.price, e.aux == MAKER, cfg);
                self.reduce(e.order_id, signed, q as u64);
            }
            EventKind::Canceled | EventKind::Rejected | EventKind::Expired => {
                self.forget(e.order_id);
            }
            _ => {}
        }
    }

    fn fill(&mut self, signed: i64, price: i64, maker: bool, cfg: &EnvConfig) {
        let q = signed.unsigned_abs();
        let old = self.position;
        self.cash -= i128::from(signed) * i128::from(price);
        let rate = if maker { cfg.maker_fee } else { cfg.taker_fee };
        let fee = (price as f64).abs() * q as f64 * cfg.tick_value * rate;
        self.fees += fee;
        self.step_fees += fee;
        self.traded += q;
        let new = old + signed;
        if old == 0 || (old > 0) == (signed > 0) {
            let (a, b) = (old.unsigned_abs() as f64, q as f64);
            self.avg_entry = (self.avg_entry * a + price as f64 * b) / (a + b);
        } else if new != 0 && (new > 0) != (old > 0) {
            self.avg_entry = price as f64;
        }
        if new == 0 {
            self.avg_entry = 0.0;
        }
        self.position = new;
    }

    fn reduce(&mut self, id: u64, signed: i64, q: u64) {
        if let Some(i) = self.inflight.iter().position(|&(x, _)| x == id) {
            self.inflight[i].1 -= signed;
            self.pending -= signed;
            if self.inflight[i].1 == 0 {
                self.inflight.swap_remove(i);
            }
            return;
        }
        for slot in [&mut self.bid, &mut self.ask] {
            if let Some(qt) = slot.as_mut().filter(|qt| qt.id == id) {
                qt.left = qt.left.saturating_sub(q);
                if qt.left == 0 {
                    *slot = None;
                }
            }
        }
    }

    fn forget(&mut self, id: u64) {
        if let Some(i) = self.inflight.iter().position(|&(x, _)| x == id) {
            self.pending -= self.inflight[i].1;
            self.inflight.swap_remove(i);
            return;
        }
        for slot in [&mut self.bid, &mut self.ask] {
            if slot.is_some_and(|qt| qt.id == id) {
                *slot = None;
            }
        }
    }
}

/// One trading environment over shared [`MarketData`].
///
/// [`reset`](Self::reset) starts an episode at a row chosen from the seed (random start)
/// or after the previous one (sequential), on a fresh [`Exchange`] warmed up with the
/// data before that row. [`step`](Self::step) sends the action's orders at the
/// exchange's time (they act at once without latency), feeds the step's rows, takes the
/// fills into the account, marks it to the data's mid, and writes the observation.
///
/// Everything is a function of the data, the configuration, the seed and the actions.
#[derive(Debug)]
pub struct Env {
    data: Arc<MarketData>,
    cfg: EnvConfig,
    ex: Exchange,
    /// The data's own L2 book (L2 data only), for the depth block.
    book: L2Book,
    acct: Account,
    seed: u64,
    episode: u64,
    min_start: usize,
    max_start: usize,
    /// Next row to feed.
    pos: usize,
    /// End time of the last step (time stepping).
    t_step: i64,
    step: u32,
    next_id: u64,
    /// 2 × (cash + position × mid) in ticks × lots at the last step.
    prev_eq2: i128,
    sh_a: f64,
    sh_b: f64,
    size_inv: f64,
    units: i64,
}

impl Env {
    /// An environment over `data`, reset with `seed`. Fails if the configuration is bad or
    /// the data is too short for one episode.
    pub fn new(data: Arc<MarketData>, cfg: EnvConfig, seed: u64) -> Result<Self, InputError> {
        cfg.check()?;
        if data.book_type() == BookType::L1 && cfg.obs.depth > 1 {
            return Err(InputError::new(
                "depth",
                "must be 0 or 1 for L1 (quote) data",
                cfg.obs.depth,
            ));
        }
        let (min_start, max_start) = start_range(&data, &cfg)?;
        let size_scale = if cfg.size_scale > 0.0 {
            cfg.size_scale
        } else {
            data.size_scale()
        };
        let mut env = Self {
            ex: Exchange::new(ExchangeConfig::default()),
            book: L2Book::new(),
            acct: Account::default(),
            seed,
            episode: 0,
            min_start,
            max_start,
            pos: min_start,
            t_step: 0,
            step: 0,
            next_id: 0,
            prev_eq2: 0,
            sh_a: 0.0,
            sh_b: 0.0,
            size_inv: 1.0 / size_scale,
            units: (cfg.max_position / cfg.trade_size) as i64,
            data,
            cfg,
        };
        env.reset(Some(seed))?;
        Ok(env)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &EnvConfig {
        &self.cfg
    }

    /// The data.
    #[must_use]
    pub fn data(&self) -> &Arc<MarketData> {
        &self.data
    }

    /// Length of the observation vector.
    #[must_use]
    pub fn obs_dim(&self) -> usize {
        self.cfg.obs.dim()
    }

    /// The rows an episode may start at (the first row it feeds): `(first, last)`.
    #[must_use]
    pub fn start_range(&self) -> (usize, usize) {
        (self.min_start, self.max_start)
    }

    /// Next row to feed (the observation shows the market after row `cursor() - 1`).
    #[must_use]
    pub fn cursor(&self) -> usize {
        self.pos
    }

    /// Steps taken in this episode.
    #[must_use]
    pub fn steps(&self) -> u32 {
        self.step
    }

    /// Signed position in lots.
    #[must_use]
    pub fn position(&self) -> i64 {
        self.acct.position
    }

    /// The episode's PnL after fees (money), marked to the data's mid.
    #[must_use]
    pub fn equity(&self) -> f64 {
        money(self.prev_eq2) * 0.5 * self.cfg.tick_value - self.acct.fees
    }

    /// The exchange (for inspection).
    #[must_use]
    pub fn exchange(&self) -> &Exchange {
        &self.ex
    }

    /// The working quotes as `(id, price)`: bid, ask.
    #[must_use]
    pub fn quotes(&self) -> (Option<QuoteRef>, Option<QuoteRef>) {
        let f = |q: Option<Quote>| q.map(|q| (q.id, q.price));
        (f(self.acct.bid), f(self.acct.ask))
    }

    #[cfg(test)]
    pub(super) fn depth_book(&self) -> &L2Book {
        &self.book
    }

    #[cfg(test)]
    pub(super) fn exchange_mut(&mut self) -> &mut Exchange {
        &mut self.ex
    }

    /// Start a new episode. `Some(seed)` reseeds (episode numbering restarts, and so do
    /// sequential starts); `None` goes on to the next episode of the current seed.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(), InputError> {
        match seed {
            Some(s) => {
                self.seed = s;
                self.episode = 0;
            }
            None => self.episode += 1,
        }
        let start = if self.cfg.random_start {
            let span = (self.max_start - self.min_start + 1) as u64;
            self.min_start
                + SplitMixStream::new(self.seed, START_STREAM).below(self.episode, span) as usize
        } else if seed.is_some() || self.pos > self.max_start {
            self.min_start
        } else {
            // where the previous episode stopped
            self.pos
        };
        let lat = self.cfg.latency_ns;
        self.ex = Exchange::new(ExchangeConfig {
            seed: mix(self.seed ^ mix(self.episode)),
            submit_latency_ns: lat,
            modify_latency_ns: lat,
            cancel_latency_ns: lat,
            queue_model: self.cfg.queue_model,
            native_contingencies: false,
            ..ExchangeConfig::default()
        });
        self.ex.add_instrument(self.data.book_type());
        self.acct = Account::default();
        self.step = 0;
        self.next_id = 0;
        self.prev_eq2 = 0;
        self.sh_a = 0.0;
        self.sh_b = 0.0;
        self.warm_up(start)?;
        self.pos = start;
        self.t_step = self.data.rows[start - 1].ts;
        Ok(())
    }

    /// Bring a fresh exchange (and the depth book) to the state after rows `..start`.
    fn warm_up(&mut self, start: usize) -> Result<(), InputError> {
        let d = Arc::clone(&self.data);
        let last = start - 1;
        if d.book_type() == BookType::L1 {
            let (b, a, bs, az) = d.top(last);
            self.ex.quote(0, d.rows[last].ts, b, a, bs, az)?;
        } else {
            self.book = L2Book::new();
            let cp = d.checkpoint_for(start);
            let t0 = d.rows[cp.row.saturating_sub(1)].ts;
            for &(side, price, size) in &cp.levels {
                self.ex.delta(0, t0, side, 1, price, size, 0)?;
                let _ = self.book.apply(side, 1, price, size);
            }
            for r in cp.row..start {
                let row = &d.rows[r];
                if row.kind == ROW_DELTA {
                    let (s, a, p, q) = d.delta(row.idx as usize);
                    self.ex.delta(0, row.ts, s, a, p, q, 0)?;
                    let _ = self.book.apply(s, a, p, q);
                }
            }
        }
        self.ex.drain();
        Ok(())
    }

    /// Check an action without doing anything.
    pub fn check_action(&self, a: Action) -> Result<(), InputError> {
        match (self.cfg.action, a) {
            (ActionKind::Discrete, Action::Discrete(x)) => {
                if (0..=3).contains(&x) {
                    Ok(())
                } else {
                    Err(InputError::new(
                        "action",
                        "must be 0 (hold), 1 (buy), 2 (sell) or 3 (flatten)",
                        x,
                    ))
                }
            }
            (ActionKind::Target | ActionKind::Quote, Action::Continuous(x, y)) => {
                if x.is_finite() && y.is_finite() {
                    Ok(())
                } else {
                    Err(InputError::new("action", "must be finite numbers", 0))
                }
            }
            (ActionKind::Discrete, _) => Err(InputError::new(
                "action",
                "must be an integer for a discrete action space",
                0,
            )),
            _ => Err(InputError::new(
                "action",
                "must be numbers for a continuous action space",
                0,
            )),
        }
    }

    #[inline]
    fn new_id(&mut self, side: Side) -> u64 {
        self.next_id += 1;
        (self.next_id << 1) | u64::from(side == Side::Sell)
    }

    fn market(&mut self, signed: i64, now: i64) {
        let side = if signed > 0 { Side::Buy } else { Side::Sell };
        let id = self.new_id(side);
        self.ex.submit_request(
            now,
            0,
            OrderRequest::market(id, side, signed.unsigned_abs()),
            true,
        );
        self.acct.inflight.push((id, signed));
        self.acct.pending += signed;
    }

    /// Send the action's orders at `now`; whether anything was sent.
    fn act(&mut self, a: Action, now: i64) -> bool {
        let eff = self.acct.position + self.acct.pending;
        let max = self.cfg.max_position as i64;
        let size = self.cfg.trade_size as i64;
        let want = match (self.cfg.action, a) {
            (ActionKind::Discrete, Action::Discrete(x)) => match x {
                1 => size.min(max - eff).max(0),
                2 => -size.min(max + eff).max(0),
                3 => -eff,
                _ => 0,
            },
            (ActionKind::Target, Action::Continuous(x, _)) => {
                let units = (f64::from(x.clamp(-1.0, 1.0)) * self.units as f64).round() as i64;
                units * size - eff
            }
            (ActionKind::Quote, Action::Continuous(x, y)) => return self.quote(x, y, now),
            // A kind the action does not fit: `step` refused it already.
            _ => 0,
        };
        if want != 0 {
            self.market(want, now);
        }
        want != 0
    }

    fn quote(&mut self, x: f32, y: f32, now: i64) -> bool {
        let row = self.pos - 1;
        let off = |v: f32| {
            ((f64::from(v.clamp(-1.0, 1.0)) + 1.0) * 0.5 * f64::from(self.cfg.max_offset)).round()
                as i64
        };
        let bid_px = self.data.rows[row].bid - off(x);
        let ask_px = self.data.rows[row].ask + off(y);
        let max = self.cfg.max_position as i64;
        let size = self.cfg.trade_size as i64;
        let pos = self.acct.position;
        let bid_qty = size.min(max - pos);
        let ask_qty = size.min(max + pos);
        let mut sent = false;
        for (side, px, qty) in [(Side::Buy, bid_px, bid_qty), (Side::Sell, ask_px, ask_qty)] {
            let slot = if side == Side::Buy {
                self.acct.bid
            } else {
                self.acct.ask
            };
            // A quote whose price stays is left in place: it keeps its queue position.
            let keep = matches!(slot, Some(q) if q.price == px && qty > 0);
            if let (false, Some(old)) = (keep, slot) {
                // Instrument 0 exists, so the cancel cannot fail.
                let _ = self.ex.cancel(now, 0, old.id);
                sent = true;
            }
            let new = if keep {
                slot
            } else if qty > 0 {
                let id = self.new_id(side);
                let mut r = OrderRequest::limit(id, side, px, qty as u64);
                r.post_only = true;
                self.ex.submit_request(now, 0, r, true);
                sent = true;
                Some(Quote {
                    id,
                    price: px,
                    left: qty as u64,
                })
            } else {
                None
            };
            if side == Side::Buy {
                self.acct.bid = new;
            } else {
                self.acct.ask = new;
            }
        }
        sent
    }

    /// Feed row `r` to the exchange (and the depth book).
    #[inline]
    fn feed(&mut self, r: usize) -> Result<(), InputError> {
        let d = &*self.data;
        let row = &d.rows[r];
        match row.kind {
            ROW_QUOTE => self
                .ex
                .quote(0, row.ts, row.bid, row.ask, row.bid_size, row.ask_size),
            ROW_DELTA => {
                let (s, a, p, q) = d.delta(row.idx as usize);
                let _ = self.book.apply(s, a, p, q);
                self.ex.delta(0, row.ts, s, a, p, q, 0)
            }
            _ => {
                let k = row.idx as usize;
                self.ex
                    .trade(0, row.ts, d.t_price[k], d.t_size[k], d.aggressor(k))
            }
        }
    }

    /// Move the market one step; whether the data ran out.
    fn advance_market(&mut self) -> Result<bool, InputError> {
        let n = self.data.rows();
        match self.cfg.stepping {
            Stepping::Rows(k) => {
                let end = (self.pos + k as usize).min(n);
                for r in self.pos..end {
                    self.feed(r)?;
                }
                self.pos = end;
                Ok(end >= n)
            }
            Stepping::Nanos(dt) => {
                let t_end = self.t_step.saturating_add(dt);
                while self.pos < n && self.data.rows[self.pos].ts <= t_end {
                    self.feed(self.pos)?;
                    self.pos += 1;
                }
                self.ex.advance(t_end)?;
                self.t_step = t_end;
                Ok(self.pos >= n)
            }
        }
    }

    /// One step: act, move the market, settle, reward, observe. `obs` gets the observation
    /// ([`obs_dim`](Self::obs_dim) values) and `state` the [`STATE_COLUMNS`].
    pub fn step(
        &mut self,
        a: Action,
        obs: &mut [f32],
        state: &mut [f64],
    ) -> Result<StepOut, InputError> {
        self.check_action(a)?;
        self.step_checked(a, obs, state)
    }

    /// [`step`](Self::step) with an action already checked.
    pub(crate) fn step_checked(
        &mut self,
        a: Action,
        obs: &mut [f32],
        state: &mut [f64],
    ) -> Result<StepOut, InputError> {
        let now = self.ex.now();
        self.acct.step_fees = 0.0;
        self.acct.traded = 0;
        // The orders arrive at `now` + latency and act before the first row at or after
        // that time: without latency, on the book the agent just saw.
        self.act(a, now);
        let exhausted = self.advance_market()?;
        if self.ex.pending_events() > 0 {
            for e in self.ex.drain() {
                self.acct.on_event(&e, &self.cfg);
            }
        }
        self.step += 1;
        let row = self.pos - 1;
        let top = &self.data.rows[row];
        let mid2 = i128::from(top.bid) + i128::from(top.ask);
        let eq2 = 2 * self.acct.cash + i128::from(self.acct.position) * mid2;
        let tv = self.cfg.tick_value;
        let gross = money(eq2 - self.prev_eq2) * 0.5 * tv;
        self.prev_eq2 = eq2;
        let net = gross - self.acct.step_fees;
        let scale = self.cfg.pnl_scale;
        let base = match self.cfg.reward {
            RewardKind::Pnl => gross * scale,
            RewardKind::PnlNet => net * scale,
            RewardKind::DifferentialSharpe => self.sharpe(net * scale),
        };
        let q = self.acct.position as f64 / self.cfg.trade_size as f64;
        let reward = base - self.cfg.inventory_penalty * q * q;
        let equity = self.equity();
        let terminated = self.cfg.has_max_loss() && equity <= -self.cfg.max_loss;
        let truncated = !terminated && (self.step >= self.cfg.episode_steps || exhausted);
        let mid = money(mid2) * 0.5;
        let unrealized = self.unrealized(mid);
        if state.len() >= STATE_DIM {
            state[..STATE_DIM].copy_from_slice(&[
                gross,
                self.acct.step_fees,
                equity,
                self.acct.position as f64,
                mid,
                self.acct.traded as f64,
                reward,
                f64::from(self.step),
                unrealized,
            ]);
        }
        self.observe(obs);
        Ok(StepOut {
            reward,
            terminated,
            truncated,
        })
    }

    /// The state columns as they stand (all flows 0): what a reset reports.
    pub fn write_state(&self, state: &mut [f64]) {
        let row = self.pos - 1;
        let top = &self.data.rows[row];
        let mid = (top.bid as f64 + top.ask as f64) * 0.5;
        if state.len() >= STATE_DIM {
            state[..STATE_DIM].copy_from_slice(&[
                0.0,
                0.0,
                self.equity(),
                self.acct.position as f64,
                mid,
                0.0,
                0.0,
                f64::from(self.step),
                self.unrealized(mid),
            ]);
        }
    }

    fn unrealized(&self, mid: f64) -> f64 {
        let p = self.acct.position;
        if p == 0 {
            0.0
        } else {
            p as f64 * (mid - self.acct.avg_entry) * self.cfg.tick_value
        }
    }

    /// Moody and Saffell's differential Sharpe ratio of return `r`.
    fn sharpe(&mut self, r: f64) -> f64 {
        let (a, b) = (self.sh_a, self.sh_b);
        let da = r - a;
        let db = r * r - b;
        let var = b - a * a;
        let d = if var > 1e-12 {
            (b * da - 0.5 * a * db) / (var * var.sqrt())
        } else {
            0.0
        };
        let eta = self.cfg.sharpe_eta;
        self.sh_a = a + eta * da;
        self.sh_b = b + eta * db;
        d
    }

    /// Write the observation of the current state into `out` (at least
    /// [`obs_dim`](Self::obs_dim) values).
    pub fn observe(&self, out: &mut [f32]) {
        let d = &*self.data;
        let o = &self.cfg.obs;
        let Some(out) = out.get_mut(..o.dim()) else {
            return;
        };
        let row = self.pos - 1;
        let now = &d.rows[row];
        let mid2 = now.bid + now.ask;
        let mid = mid2 as f64 * 0.5;
        let si = self.size_inv as f32;
        // Sizes are below 2**56, so the signed conversion (cheaper than the unsigned one)
        // is exact in range.
        let size = |q: u64| q as i64 as f32 * si;
        let depth = o.depth as usize;
        let (blk, out) = out.split_at_mut(4 * depth);
        if depth > 0 {
            if d.book_type() == BookType::L1 {
                blk[0] = clip((now.ask - now.bid) as f32 * 0.5);
                blk[1] = clip(size(now.bid_size));
                blk[2] = blk[0];
                blk[3] = clip(size(now.ask_size));
            } else {
                let (bids, asks) = blk.split_at_mut(2 * depth);
                for (side, half) in [(Side::Buy, bids), (Side::Sell, asks)] {
                    half.fill(0.0);
                    for ((p, q), c) in self.book.levels(side).zip(half.chunks_exact_mut(2)) {
                        let dist = if side == Side::Buy {
                            mid - p as f64
                        } else {
                            p as f64 - mid
                        };
                        c[0] = clip(dist as f32);
                        c[1] = clip(size(q));
                    }
                }
            }
        }
        let (blk, out) = out.split_at_mut(4 * o.window as usize);
        let stride = o.stride as usize;
        for (j, c) in blk.chunks_exact_mut(4).enumerate() {
            let r = &d.rows[row.saturating_sub(j * stride)];
            c[0] = clip((r.bid + r.ask - mid2) as f32 * 0.5);
            c[1] = clip((r.ask - r.bid) as f32);
            c[2] = clip(size(r.bid_size));
            c[3] = clip(size(r.ask_size));
        }
        let (blk, out) = out.split_at_mut(3 * o.trades as usize);
        if !blk.is_empty() {
            let seen = now.trades_upto as usize;
            blk.fill(0.0);
            for (j, c) in blk.chunks_exact_mut(3).take(seen).enumerate() {
                let t = seen - 1 - j;
                let sz = size(d.t_size[t]);
                c[0] = clip((d.t_price[t] as f64 - mid) as f32);
                c[1] = clip(if d.t_aggr[t] == 2 { -sz } else { sz });
                c[2] = clip(((now.ts - d.t_ts[t]) as f64 * 1e-9) as f32);
            }
        }
        let (blk, out) = out.split_at_mut(if o.account { 3 } else { 0 });
        if let [pos, unrealized, equity] = blk {
            let scale = self.cfg.pnl_scale;
            *pos = clip((self.acct.position as f64 / self.cfg.max_position as f64) as f32);
            *unrealized = clip((self.unrealized(mid) * scale) as f32);
            *equity = clip((self.equity() * scale) as f32);
        }
        if let [progress, sin, cos] = out {
            *progress = (f64::from(self.step) / f64::from(self.cfg.episode_steps)) as f32;
            (*sin, *cos) = match self.cfg.stepping {
                Stepping::Rows(_) => (now.sin, now.cos),
                Stepping::Nanos(_) => day_phase(self.t_step),
            };
        }
    }

    /// Time of the next row this environment will feed (0 past the end). Reading it brings
    /// the row into the cache: a batch does that for all its environments first.
    #[inline]
    pub(crate) fn next_row_ts(&self) -> i64 {
        self.data.rows.get(self.pos).map_or(0, |r| r.ts)
    }
}

/// A value clipped to the observation space's bounds.
#[inline]
fn clip(v: f32) -> f32 {
    v.clamp(-OBS_BOUND, OBS_BOUND)
}

/// The rows an episode may start at, for this data and configuration.
fn start_range(data: &MarketData, cfg: &EnvConfig) -> Result<(usize, usize), InputError> {
    let n = data.rows();
    let Some(ready) = data.first_ready() else {
        return Err(InputError::new(
            "data",
            "must show both a bid and an ask at some row",
            n as i128,
        ));
    };
    let min = ready + 1;
    let steps = u64::from(cfg.episode_steps);
    let max = match cfg.stepping {
        Stepping::Rows(k) => {
            let need = steps * u64::from(k);
            (n as u64).checked_sub(need).map_or(0, |m| m as usize)
        }
        Stepping::Nanos(dt) => {
            let span = i64::try_from(steps)
                .ok()
                .and_then(|s| s.checked_mul(dt))
                .unwrap_or(i64::MAX);
            let limit = data.rows[n - 1].ts.saturating_sub(span);
            data.rows.partition_point(|r| r.ts <= limit)
        }
    };
    if max < min {
        return Err(InputError::new(
            "episode_steps",
            format!(
                "the data is too short for one episode: rows {min}..{n} are left after the \
                 first two-sided book, fewer than episode_steps x step size"
            ),
            i128::from(cfg.episode_steps),
        ));
    }
    Ok((min, max))
}
