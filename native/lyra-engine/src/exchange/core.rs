//! [`Exchange`]: instruments, commands in flight, time, contingencies and events.

use std::collections::VecDeque;

use crate::book::{CLEAR, NO_SIDE, Side};
use crate::matching::{
    EngineConfig, Event, FastMap, GroupNote, LinkKind, OrderKind, OrderRequest,
    SelfTradePrevention, TimeInForce,
};
use crate::models::{AuctionOrder, CommandKind, CommandQueue, LatencyModel, QueueModel, uncross};

use super::event::{EventKind, ExEvent, MAKER, Reason, TAKER};
use super::input::{self, BookType, InputError, SubmitArgs};
use super::venue::Venue;

/// Largest market-data size (lots) a quote, trade or delta may carry: sums of data at a
/// level then never overflow.
pub const MAX_DATA_LOTS: u64 = 1 << 56;

fn check_lots(field: &'static str, lots: u64) -> Result<(), InputError> {
    if lots < MAX_DATA_LOTS {
        Ok(())
    } else {
        Err(InputError::new(field, "must be below 2**56 lots", lots))
    }
}

fn check_column(field: &'static str, lots: &[u64], start: usize) -> Result<(), InputError> {
    match lots.iter().skip(start).position(|&l| l >= MAX_DATA_LOTS) {
        None => Ok(()),
        Some(i) => Err(check_lots(field, lots[start + i])
            .unwrap_err()
            .at(start + i)),
    }
}

/// Venue rules and models of an [`Exchange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeConfig {
    /// Seed of every random draw (latency jitter).
    pub seed: u64,
    /// Self-trade prevention between orders of one account.
    pub self_trade: SelfTradePrevention,
    /// Reject a conditional order whose trigger is already reached (else fire it).
    pub reject_stops_in_market: bool,
    /// Market-style orders trade at most this many ticks through the best opposite price.
    pub market_protection_ticks: Option<u64>,
    /// Nanoseconds after UTC midnight at which DAY orders expire.
    pub day_cutoff_ns: i64,
    /// Delay of a submit on its way in.
    pub submit_latency_ns: u64,
    /// Delay of a modify on its way in.
    pub modify_latency_ns: u64,
    /// Delay of a cancel (and cancel-all) on its way in.
    pub cancel_latency_ns: u64,
    /// Largest extra delay drawn per command (uniform, from `seed`).
    pub latency_jitter_ns: u64,
    /// Where cancellations at an L1/L2 level come from.
    pub queue_model: QueueModel,
    /// Whether [`Exchange::link`] and [`Exchange::hold_until_filled`] are available.
    pub native_contingencies: bool,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            self_trade: SelfTradePrevention::CancelTaker,
            reject_stops_in_market: true,
            market_protection_ticks: None,
            day_cutoff_ns: 0,
            submit_latency_ns: 0,
            modify_latency_ns: 0,
            cancel_latency_ns: 0,
            latency_jitter_ns: 0,
            queue_model: QueueModel::Pessimistic,
            native_contingencies: true,
        }
    }
}

impl ExchangeConfig {
    fn engine(&self) -> EngineConfig {
        EngineConfig {
            self_trade: self.self_trade,
            market_protection_ticks: self.market_protection_ticks,
            reject_stops_in_market: self.reject_stops_in_market,
            day_cutoff_ns: self.day_cutoff_ns,
        }
    }

    fn latency(&self) -> LatencyModel {
        LatencyModel::fixed(
            self.submit_latency_ns,
            self.modify_latency_ns,
            self.cancel_latency_ns,
            0,
        )
        .with_jitter(self.latency_jitter_ns, self.seed)
    }
}

/// A command in flight.
#[derive(Debug, Clone, Copy)]
enum Command {
    /// The request waits in the order table (or, if its id was in use when it was sent,
    /// in `waiting`): commands stay small in the queue.
    Submit {
        instrument: u32,
        seq: u64,
        id: u64,
        supported: bool,
    },
    Cancel {
        instrument: u32,
        id: u64,
    },
    Modify {
        instrument: u32,
        id: u64,
        qty: Option<u64>,
        price: Option<i64>,
        trigger: Option<i64>,
    },
    CancelAll {
        instrument: u32,
        account: u32,
        side: Option<Side>,
    },
}

/// Where one of the traders' orders is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Sent, not arrived.
    InFlight,
    /// Arrived as an OTO child; waits for its parent to fill.
    Held,
    /// In the engine.
    Live,
    /// Collected for a call auction (`AT_THE_OPEN` / `AT_THE_CLOSE`); not in the book.
    Auction,
}

/// An order collected for a call auction.
#[derive(Debug, Clone, Copy)]
struct Collected {
    /// The auction's time.
    at: i64,
    instrument: u32,
    /// A closing auction (else opening).
    close: bool,
    order: AuctionOrder,
}

/// A trader's order as the exchange tracks it (the engine holds the live state).
#[derive(Debug, Clone, Copy)]
struct Own {
    instrument: u32,
    state: State,
    /// Sequence number of the submit that owns this entry.
    seq: u64,
    /// The request (for a held child: as it will be released; `qty` = what was launched).
    req: OrderRequest,
    /// The quantity the trader asked for (an OTO child grows up to it).
    orig: u64,
    /// Lots filled.
    filled: u64,
    /// OCO/OUO group, 0 = none.
    group: u32,
    /// OTO parent, 0 = none.
    parent: u64,
    /// The parent's filled lots this child was last sized to.
    sized_at: u64,
    /// How its acceptance is reported.
    announce: Announce,
}

/// How the engine's acceptance of an order is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Announce {
    /// `ACCEPTED`.
    Plain,
    /// `RELEASED`: a held OTO child entered the book.
    Released,
    /// `ACCEPTED` with the quantity sent, then `UPDATED` with what OUO fills left of it.
    Reduced(u64),
}

/// An OCO/OUO group as the exchange tracks it (the engine applies it to live members).
#[derive(Debug, Clone)]
struct GroupRec {
    kind: LinkKind,
    instrument: u32,
    members: Vec<u64>,
    closed: bool,
    /// Lots filled by members (OUO: what members not yet live lose).
    filled: u64,
    /// Members in flight or held.
    pending: u32,
}

/// An OTO parent and its children.
#[derive(Debug, Clone)]
struct Oto {
    children: Vec<u64>,
    filled: u64,
    done: bool,
}

/// A simulated exchange: several instruments, each an L1, L2 or L3 book moved by market
/// data, on which traders' orders match — against the data and against each other — with
/// latency, expiry and native contingencies. See `docs/explanation/simulated-exchange.md`.
///
/// Everything is synchronous and deterministic: the same calls with the same seed give
/// the same events. Commands never act inside the call that sends them: they arrive at
/// `ts + latency` and are processed when time reaches that (through
/// [`advance`](Self::advance) or market data).
#[derive(Debug)]
pub struct Exchange {
    cfg: ExchangeConfig,
    latency: LatencyModel,
    venues: Vec<Venue>,
    queue: CommandQueue<Command>,
    now: i64,
    events: Vec<ExEvent>,
    orders: FastMap<u64, Own>,
    groups: FastMap<u32, GroupRec>,
    oto: FastMap<u64, Oto>,
    /// Requests in flight whose id another order had when they were sent, by sequence.
    waiting: FastMap<u64, OrderRequest>,
    /// The live order a modify is being applied to, and whether it asked for a quantity.
    modifying: Option<(u64, bool)>,
    next_group: u32,
    /// No command arrives and no order expires before this time.
    next_due: i64,
    scratch: Vec<Event>,
    notes: Vec<GroupNote>,
    filled_ids: Vec<u64>,
    oto_dirty: VecDeque<u64>,
    group_dirty: Vec<u32>,
    /// Per instrument: sorted opening and closing auction times.
    auctions: FastMap<u32, (Vec<i64>, Vec<i64>)>,
    /// Orders waiting for their auction, in arrival order.
    collected: Vec<Collected>,
}

impl Exchange {
    /// An exchange with no instruments, at time 0.
    #[must_use]
    pub fn new(cfg: ExchangeConfig) -> Self {
        Self {
            cfg,
            latency: cfg.latency(),
            venues: Vec::new(),
            queue: CommandQueue::new(),
            now: 0,
            events: Vec::new(),
            orders: FastMap::default(),
            groups: FastMap::default(),
            oto: FastMap::default(),
            waiting: FastMap::default(),
            modifying: None,
            next_group: 1,
            next_due: i64::MAX,
            scratch: Vec::new(),
            notes: Vec::new(),
            filled_ids: Vec::new(),
            oto_dirty: VecDeque::new(),
            group_dirty: Vec::new(),
            auctions: FastMap::default(),
            collected: Vec::new(),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ExchangeConfig {
        &self.cfg
    }

    /// Add an instrument with book type `book_type`; returns its index (0, 1, …).
    pub fn add_instrument(&mut self, book_type: BookType) -> u32 {
        self.venues.push(Venue::new(
            book_type,
            self.cfg.engine(),
            self.cfg.queue_model,
        ));
        (self.venues.len() - 1) as u32
    }

    /// Number of instruments.
    #[must_use]
    pub fn instruments(&self) -> usize {
        self.venues.len()
    }

    /// The exchange's time (nanoseconds).
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Events not drained yet.
    #[must_use]
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// Take every event, in the order they happened.
    pub fn drain(&mut self) -> std::vec::Drain<'_, ExEvent> {
        self.events.drain(..)
    }

    /// The events not drained yet.
    #[must_use]
    pub fn events(&self) -> &[ExEvent] {
        &self.events
    }

    /// The matching engine of `instrument` (its book shows market data as entries of
    /// [`MARKET_ACCOUNT`](crate::matching::MARKET_ACCOUNT)).
    pub fn engine(
        &mut self,
        instrument: u32,
    ) -> Result<&crate::matching::MatchingEngine, InputError> {
        let v = self.venue(instrument)?;
        self.venues[v].sync();
        Ok(&self.venues[v].engine)
    }

    /// Set the times (ns) of `instrument`'s opening and closing call auctions, replacing
    /// earlier ones (empty: none). Times are sorted here; orders already collected keep
    /// the auction they were collected for.
    pub fn set_auctions(
        &mut self,
        instrument: u32,
        opens: &[i64],
        closes: &[i64],
    ) -> Result<(), InputError> {
        self.venue(instrument)?;
        let mut o = opens.to_vec();
        let mut c = closes.to_vec();
        o.sort_unstable();
        o.dedup();
        c.sort_unstable();
        c.dedup();
        self.auctions.insert(instrument, (o, c));
        Ok(())
    }

    /// The next opening (`close` false) or closing auction of `instrument` at or after
    /// `ts`.
    #[must_use]
    pub fn next_auction(&self, instrument: u32, close: bool, ts: i64) -> Option<i64> {
        let (o, c) = self.auctions.get(&instrument)?;
        let times = if close { c } else { o };
        let i = times.partition_point(|&t| t < ts);
        times.get(i).copied()
    }

    /// Never take the L1 fast path (for tests that compare it with the book path).
    #[doc(hidden)]
    pub fn set_eager(&mut self, instrument: u32, eager: bool) {
        self.venues[instrument as usize].eager = eager;
    }

    fn venue(&self, instrument: u32) -> Result<usize, InputError> {
        let v = instrument as usize;
        if v < self.venues.len() {
            Ok(v)
        } else {
            Err(InputError::new(
                "instrument",
                format!("must be an instrument index below {}", self.venues.len()),
                instrument,
            ))
        }
    }

    fn check_time(&self, field: &'static str, ts: i64) -> Result<(), InputError> {
        if ts < self.now {
            return Err(InputError::new(
                field,
                format!("must not be before the exchange's time now={}", self.now),
                ts,
            ));
        }
        Ok(())
    }

    // ----- queries ----------------------------------------------------------------------

    /// Best bid `(price, lots)` as the exchange sees it: market data and traders' orders.
    pub fn best_bid(&mut self, instrument: u32) -> Result<Option<(i64, u64)>, InputError> {
        Ok(self.engine(instrument)?.book().best_bid())
    }

    /// Best ask `(price, lots)` as the exchange sees it.
    pub fn best_ask(&mut self, instrument: u32) -> Result<Option<(i64, u64)>, InputError> {
        Ok(self.engine(instrument)?.book().best_ask())
    }

    /// Ids of the open orders of `instrument` (resting, pending a trigger, or held as OTO
    /// children), ascending.
    pub fn open_order_ids(&self, instrument: u32) -> Result<Vec<u64>, InputError> {
        self.venue(instrument)?;
        let mut ids: Vec<u64> = self
            .orders
            .iter()
            .filter(|(_, o)| o.instrument == instrument && o.state != State::InFlight)
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// The account's signed position in lots on `instrument`.
    pub fn position(&self, instrument: u32, account: u32) -> Result<i64, InputError> {
        let v = self.venue(instrument)?;
        Ok(self.venues[v].engine.position(account))
    }

    /// Set the account's position on `instrument` (for reduce-only).
    pub fn set_position(
        &mut self,
        instrument: u32,
        account: u32,
        lots: i64,
    ) -> Result<(), InputError> {
        let v = self.venue(instrument)?;
        self.venues[v].engine.set_position(account, lots);
        Ok(())
    }

    // ----- commands ---------------------------------------------------------------------

    fn send(&mut self, kind: CommandKind, ts: i64, cmd: Command) -> u64 {
        let seq = self.queue.next_seq();
        let arrival = self.latency.arrival_ts(kind, ts, seq);
        self.queue.push(arrival, cmd);
        self.next_due = self.next_due.min(arrival);
        seq
    }

    /// Send a new order at `ts`.
    pub fn submit(
        &mut self,
        ts: i64,
        instrument: u32,
        args: &SubmitArgs,
    ) -> Result<(), InputError> {
        self.venue(instrument)?;
        let (req, supported) = args.request()?;
        self.submit_request(ts, instrument, req, supported);
        Ok(())
    }

    /// Send an engine request at `ts` (`req.id` must be positive, `req.account` not
    /// [`MARKET_ACCOUNT`](crate::matching::MARKET_ACCOUNT)). Its `group` is ignored: use
    /// [`link`](Self::link).
    pub fn submit_request(
        &mut self,
        ts: i64,
        instrument: u32,
        mut req: OrderRequest,
        supported: bool,
    ) {
        req.group = 0;
        let seq = self.queue.next_seq();
        match self.orders.entry(req.id) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.waiting.insert(seq, req);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Own {
                    instrument,
                    state: State::InFlight,
                    seq,
                    req,
                    orig: req.qty,
                    filled: 0,
                    group: 0,
                    parent: 0,
                    sized_at: 0,
                    announce: Announce::Plain,
                });
            }
        }
        self.send(
            CommandKind::Submit,
            ts,
            Command::Submit {
                instrument,
                seq,
                id: req.id,
                supported,
            },
        );
    }

    /// Send a cancel of order `id` at `ts`.
    pub fn cancel(&mut self, ts: i64, instrument: u32, id: u64) -> Result<(), InputError> {
        self.venue(instrument)?;
        self.send(CommandKind::Cancel, ts, Command::Cancel { instrument, id });
        Ok(())
    }

    /// Send a modify of order `id` at `ts`: new total `qty`, limit `price`, `trigger`.
    pub fn modify(
        &mut self,
        ts: i64,
        instrument: u32,
        id: u64,
        qty: Option<u64>,
        price: Option<i64>,
        trigger: Option<i64>,
    ) -> Result<(), InputError> {
        self.venue(instrument)?;
        self.send(
            CommandKind::Modify,
            ts,
            Command::Modify {
                instrument,
                id,
                qty,
                price,
                trigger,
            },
        );
        Ok(())
    }

    /// Send a cancel of every open order of `account` on `instrument` (only `side`'s if
    /// given) at `ts`.
    pub fn cancel_all(
        &mut self,
        ts: i64,
        instrument: u32,
        account: u32,
        side: Option<Side>,
    ) -> Result<(), InputError> {
        self.venue(instrument)?;
        self.send(
            CommandKind::Cancel,
            ts,
            Command::CancelAll {
                instrument,
                account,
                side,
            },
        );
        Ok(())
    }

    fn contingencies(&self) -> Result<(), InputError> {
        if self.cfg.native_contingencies {
            Ok(())
        } else {
            Err(InputError::new(
                "native_contingencies",
                "link() and hold_until_filled() need SimCore(native_contingencies=True)",
                0,
            ))
        }
    }

    /// Link orders (in flight, or live with nothing filled, all on one instrument) into an
    /// OCO or OUO group. Takes effect at once.
    pub fn link(&mut self, kind: LinkKind, ids: &[u64]) -> Result<(), InputError> {
        self.contingencies()?;
        if ids.len() < 2 {
            return Err(InputError::new(
                "order_ids",
                "must name at least two orders",
                ids.len() as i128,
            ));
        }
        let mut instrument = None;
        for (i, &id) in ids.iter().enumerate() {
            let bad = |rule: &'static str| InputError::new("order_ids", rule, id).at(i);
            let Some(o) = self.orders.get(&id) else {
                return Err(bad("must be an order sent to this exchange and still open"));
            };
            if ids[..i].contains(&id) {
                return Err(bad("appears twice"));
            }
            if o.group != 0 {
                return Err(bad("is already linked"));
            }
            if o.state == State::Auction {
                return Err(bad("is an auction order"));
            }
            if *instrument.get_or_insert(o.instrument) != o.instrument {
                return Err(bad("is on another instrument than order_ids[0]"));
            }
            if o.state == State::Live
                && self.venues[o.instrument as usize]
                    .engine
                    .order(id)
                    .is_some_and(|v| v.filled > 0)
            {
                return Err(bad("has already filled"));
            }
        }
        let Some(instrument) = instrument else {
            return Ok(());
        };
        let g = self.next_group;
        self.next_group += 1;
        let engine = &mut self.venues[instrument as usize].engine;
        engine.open_group(g, kind);
        let mut pending = 0;
        for &id in ids {
            let Some(o) = self.orders.get_mut(&id) else {
                continue;
            };
            o.group = g;
            if o.state == State::Live {
                engine.join_group(id, g);
            } else {
                pending += 1;
            }
        }
        self.groups.insert(
            g,
            GroupRec {
                kind,
                instrument,
                members: ids.to_vec(),
                closed: false,
                filled: 0,
                pending,
            },
        );
        Ok(())
    }

    /// Hold orders still in flight as OTO children of `parent`: when they arrive they wait
    /// off the book until the parent fills, are then released sized to its filled
    /// quantity, and grow with its later fills; if it ends unfilled they are canceled.
    pub fn hold_until_filled(&mut self, parent: u64, children: &[u64]) -> Result<(), InputError> {
        self.contingencies()?;
        let Some(p) = self.orders.get(&parent) else {
            return Err(InputError::new(
                "parent_id",
                "must be an order sent to this exchange and still open",
                parent,
            ));
        };
        let parent_filled = p.filled;
        if children.is_empty() {
            return Err(InputError::new(
                "child_ids",
                "must name at least one order",
                0,
            ));
        }
        for (i, &id) in children.iter().enumerate() {
            let bad = |rule: &'static str| InputError::new("child_ids", rule, id).at(i);
            let Some(o) = self.orders.get(&id) else {
                return Err(bad(
                    "must be an order sent to this exchange and still in flight",
                ));
            };
            if id == parent || children[..i].contains(&id) {
                return Err(bad("appears twice (or is the parent)"));
            }
            if o.state != State::InFlight {
                return Err(bad(
                    "has already arrived; call hold_until_filled before time reaches it",
                ));
            }
            if o.parent != 0 {
                return Err(bad("already has a parent"));
            }
        }
        for &id in children {
            if let Some(o) = self.orders.get_mut(&id) {
                o.parent = parent;
            }
        }
        let rec = self.oto.entry(parent).or_insert(Oto {
            children: Vec::new(),
            filled: parent_filled,
            done: false,
        });
        rec.children.extend_from_slice(children);
        Ok(())
    }

    // ----- time and data ----------------------------------------------------------------

    /// Move time to `ts`: deliver every command that has arrived and expire every GTD/DAY
    /// order due by then, in time order (an expiry before a command at the same time).
    pub fn advance(&mut self, ts: i64) -> Result<(), InputError> {
        self.check_time("ts", ts)?;
        self.step_to(ts);
        Ok(())
    }

    /// Every data entry point goes through here, so "time first, then the data point, then
    /// what it produced" is one rule: move time to `ts`, let `apply` feed venue `v`, and
    /// take in the events it wrote to the scratch buffer.
    #[inline]
    fn feed(&mut self, v: usize, ts: i64, apply: impl FnOnce(&mut Venue, &mut Vec<Event>)) {
        self.step_to(ts);
        apply(&mut self.venues[v], &mut self.scratch);
        if !self.scratch.is_empty() {
            self.absorb(v);
            self.refresh_due();
        }
    }

    /// Feed rows `start..n` of a batch through [`feed`](Self::feed); with `stop_on_event`,
    /// return right after the first row that produced an event. Returns the index after the
    /// last row fed.
    fn run_rows(
        &mut self,
        v: usize,
        ts: &[i64],
        start: usize,
        n: usize,
        stop_on_event: bool,
        mut apply: impl FnMut(&mut Venue, usize, &mut Vec<Event>),
    ) -> usize {
        for (r, &t) in ts.iter().enumerate().take(n).skip(start) {
            let before = self.events.len();
            self.feed(v, t, |venue, out| apply(venue, r, out));
            if stop_on_event && self.events.len() > before {
                return r + 1;
            }
        }
        n
    }

    #[inline]
    fn step_to(&mut self, ts: i64) {
        if ts >= self.next_due {
            self.run_due(ts);
        }
        self.now = ts;
    }

    fn refresh_due(&mut self) {
        let mut due = self.queue.peek_ts().unwrap_or(i64::MAX);
        for v in &self.venues {
            if let Some(t) = v.engine.next_expiry() {
                due = due.min(t);
            }
        }
        for c in &self.collected {
            due = due.min(c.at);
        }
        self.next_due = due;
    }

    /// Process what is due up to `ts`, in time order.
    fn run_due(&mut self, ts: i64) {
        loop {
            let cmd = self.queue.peek_ts().filter(|&t| t <= ts);
            let mut exp: Option<(i64, usize)> = None;
            for (i, v) in self.venues.iter().enumerate() {
                if let Some(t) = v.engine.next_expiry() {
                    if t <= ts && exp.is_none_or(|(e, _)| t < e) {
                        exp = Some((t, i));
                    }
                }
            }
            // Commands and expiries at an auction's time come first: an order arriving
            // exactly then joins it.
            let auction = self.collected.iter().map(|c| c.at).min().filter(|&t| {
                t <= ts && cmd.is_none_or(|c| t < c) && exp.is_none_or(|(e, _)| t < e)
            });
            if let Some(t) = auction {
                self.now = self.now.max(t);
                self.run_auction(t);
                continue;
            }
            match (cmd, exp) {
                (_, Some((t, v))) if cmd.is_none_or(|c| t <= c) => {
                    self.now = self.now.max(t);
                    let venue = &mut self.venues[v];
                    venue.sync();
                    venue.engine.advance(t, &mut self.scratch);
                    self.absorb(v);
                }
                (Some(t), _) => {
                    self.now = self.now.max(t);
                    let (_, c) = self.queue.pop().expect("peeked");
                    self.process(c);
                }
                _ => break,
            }
        }
        self.refresh_due();
    }

    fn process(&mut self, cmd: Command) {
        match cmd {
            Command::Submit {
                instrument,
                seq,
                id,
                supported,
            } => self.arrive(instrument, seq, id, supported),
            Command::Cancel { instrument, id } => self.do_cancel(instrument, id, Reason::Requested),
            Command::Modify {
                instrument,
                id,
                qty,
                price,
                trigger,
            } => self.do_modify(instrument, id, qty, price, trigger),
            Command::CancelAll {
                instrument,
                account,
                side,
            } => {
                let mut ids: Vec<u64> = self
                    .orders
                    .iter()
                    .filter(|(_, o)| {
                        o.instrument == instrument
                            && o.req.account == account
                            && o.state != State::InFlight
                            && side.is_none_or(|s| s == o.req.side)
                    })
                    .map(|(&id, _)| id)
                    .collect();
                ids.sort_unstable();
                for id in ids {
                    // Cascades may have ended it meanwhile.
                    if self
                        .orders
                        .get(&id)
                        .is_some_and(|o| o.state != State::InFlight)
                    {
                        self.do_cancel(instrument, id, Reason::Requested);
                    }
                }
            }
        }
    }

    /// Push an event at the current time.
    #[allow(clippy::too_many_arguments, reason = "the event's fields")]
    fn emit(
        &mut self,
        kind: EventKind,
        instrument: u32,
        order_id: u64,
        account: u32,
        price: i64,
        qty: u64,
        aux: i64,
        other_id: u64,
        reason: Reason,
    ) {
        self.events.push(ExEvent {
            kind,
            ts: self.now,
            instrument,
            order_id,
            account,
            price,
            qty,
            aux,
            other_id,
            reason,
        });
    }

    fn arrive(&mut self, instrument: u32, seq: u64, id: u64, supported: bool) {
        let req = if let Some(req) = self.waiting.remove(&seq) {
            if self.orders.contains_key(&id) {
                // Another order had this id when this one was sent, and still has it.
                self.emit(
                    EventKind::Rejected,
                    instrument,
                    id,
                    req.account,
                    0,
                    req.qty,
                    0,
                    0,
                    Reason::DuplicateId,
                );
                return;
            }
            // The order that had this id has ended since.
            self.orders.insert(
                id,
                Own {
                    instrument,
                    state: State::InFlight,
                    seq,
                    req,
                    orig: req.qty,
                    filled: 0,
                    group: 0,
                    parent: 0,
                    sized_at: 0,
                    announce: Announce::Plain,
                },
            );
            req
        } else {
            // An order in flight keeps its entry until it arrives.
            let Some(o) = self.orders.get(&id) else {
                return;
            };
            debug_assert_eq!(o.seq, seq, "an in-flight order keeps its entry");
            o.req
        };
        if !supported {
            self.emit(
                EventKind::Rejected,
                instrument,
                id,
                req.account,
                0,
                req.qty,
                0,
                0,
                Reason::TriggerTypeUnsupported,
            );
            self.dead(id);
            self.react();
            return;
        }
        let parent = self.orders.get(&id).map_or(0, |o| o.parent);
        if matches!(req.tif, TimeInForce::AtTheOpen | TimeInForce::AtTheClose) {
            self.collect(instrument, id, req, parent);
            return;
        }
        if parent != 0 {
            // Its arrival may finish the parent's record.
            self.oto_dirty.push_back(parent);
            let (filled, done) = self
                .oto
                .get(&parent)
                .map_or((0, true), |r| (r.filled, r.done));
            if filled == 0 {
                if done {
                    self.emit(
                        EventKind::Rejected,
                        instrument,
                        id,
                        req.account,
                        0,
                        req.qty,
                        0,
                        0,
                        Reason::ContingencyClosed,
                    );
                    self.dead(id);
                    self.react();
                } else if let Some(o) = self.orders.get_mut(&id) {
                    o.state = State::Held;
                }
                return;
            }
            self.release(id, filled);
            return;
        }
        self.launch(id, false);
    }

    /// An `AT_THE_OPEN` / `AT_THE_CLOSE` order arrived: check it and collect it for the next
    /// auction of its kind, or reject it.
    fn collect(&mut self, instrument: u32, id: u64, req: OrderRequest, parent: u64) {
        let close = req.tif == TimeInForce::AtTheClose;
        let group = self.orders.get(&id).map_or(0, |o| o.group);
        let at = self.next_auction(instrument, close, self.now);
        let refused = if at.is_none() {
            Some(if close {
                Reason::NoClosingAuction
            } else {
                Reason::NoOpeningAuction
            })
        } else if req.qty == 0 || req.qty > i64::MAX as u64 {
            Some(Reason::InvalidQuantity)
        } else if !matches!(req.kind, OrderKind::Market | OrderKind::Limit) {
            Some(Reason::TifNotAllowed)
        } else if req.kind == OrderKind::Limit && req.price.is_none() {
            Some(Reason::PriceRequired)
        } else if req.kind == OrderKind::Market && req.price.is_some() {
            Some(Reason::PriceNotAllowed)
        } else if req.trigger.is_some() || req.activation_price.is_some() {
            Some(Reason::TriggerNotAllowed)
        } else if req.trailing_offset.is_some() || req.limit_offset.is_some() {
            Some(Reason::TrailingNotAllowed)
        } else if req.expire_time.is_some() {
            Some(Reason::ExpireTimeNotAllowed)
        } else if req.display_qty.is_some() {
            Some(Reason::InvalidDisplayQty)
        } else if req.post_only {
            Some(Reason::PostOnlyNotAllowed)
        } else if req.reduce_only || parent != 0 || group != 0 {
            // Reduce-only and contingencies are not defined for auction orders.
            Some(Reason::Unsupported)
        } else {
            None
        };
        if let Some(reason) = refused {
            self.emit(
                EventKind::Rejected,
                instrument,
                id,
                req.account,
                0,
                req.qty,
                0,
                0,
                reason,
            );
            self.dead(id);
            self.react();
            return;
        }
        let at = at.expect("checked");
        if let Some(o) = self.orders.get_mut(&id) {
            o.state = State::Auction;
        }
        self.collected.push(Collected {
            at,
            instrument,
            close,
            order: AuctionOrder {
                id,
                side: req.side,
                limit: req.price,
                qty: req.qty,
                seq: self.orders.get(&id).map_or(0, |o| o.seq),
            },
        });
        self.next_due = self.next_due.min(at);
        self.emit(
            EventKind::Accepted,
            instrument,
            id,
            req.account,
            req.price.unwrap_or(0),
            req.qty,
            at,
            0,
            Reason::None,
        );
    }

    /// The price an auction of `instrument` breaks ties towards: the last trade, else the
    /// book's mid, else the mid of the best collected limits (or the one side's best).
    fn auction_reference(&mut self, instrument: u32, orders: &[AuctionOrder]) -> Option<i64> {
        let v = instrument as usize;
        self.venues[v].sync();
        let engine = &self.venues[v].engine;
        if let Some(p) = engine.last_price() {
            return Some(p);
        }
        let book = engine.book();
        if let (Some((b, _)), Some((a, _))) = (book.best_bid(), book.best_ask()) {
            return Some(b + (a - b).div_euclid(2));
        }
        let limits = |side: Side| {
            orders
                .iter()
                .filter(move |o| o.side == side)
                .filter_map(|o| o.limit)
        };
        match (limits(Side::Buy).max(), limits(Side::Sell).min()) {
            (Some(b), Some(a)) => Some(b.min(a) + (b - a).abs().div_euclid(2)),
            (b, a) => b.or(a),
        }
    }

    /// Uncross the orders collected for the first auction due at `t`: fills at the
    /// clearing price, then the unfilled parts canceled.
    fn run_auction(&mut self, t: i64) {
        let Some(first) = self.collected.iter().find(|c| c.at == t).copied() else {
            return;
        };
        let mut batch: Vec<AuctionOrder> = Vec::new();
        self.collected.retain(|c| {
            let take = c.at == t && c.instrument == first.instrument && c.close == first.close;
            if take {
                batch.push(c.order);
            }
            !take
        });
        let instrument = first.instrument;
        let mut filled = vec![0_u64; batch.len()];
        let result = self
            .auction_reference(instrument, &batch)
            .and_then(|r| uncross(&batch, r, 1).ok());
        if let Some(u) = result {
            for f in &u.fills {
                let Some(i) = batch.iter().position(|o| o.id == f.id) else {
                    continue;
                };
                filled[i] += f.qty;
                let account = self.account(f.id);
                let engine = &mut self.venues[instrument as usize].engine;
                let signed = if f.side == Side::Buy {
                    f.qty as i64
                } else {
                    -(f.qty as i64)
                };
                engine.set_position(account, engine.position(account) + signed);
                self.emit(
                    EventKind::Filled,
                    instrument,
                    f.id,
                    account,
                    u.price,
                    f.qty,
                    MAKER,
                    0,
                    Reason::None,
                );
                if let Some(r) = self.oto.get_mut(&f.id) {
                    r.filled += f.qty;
                    self.oto_dirty.push_back(f.id);
                }
            }
        }
        for (o, done) in batch.iter().zip(filled) {
            if done < o.qty {
                let account = self.account(o.id);
                self.emit(
                    EventKind::Canceled,
                    instrument,
                    o.id,
                    account,
                    0,
                    0,
                    0,
                    0,
                    Reason::AuctionUnfilled,
                );
            }
            self.dead(o.id);
        }
        self.react();
    }

    /// Release held (or arriving) OTO child `id` with its parent's `filled` lots.
    fn release(&mut self, id: u64, filled: u64) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        o.req.qty = o.orig.min(filled);
        o.sized_at = filled;
        self.launch(id, true);
    }

    /// Send order `id` (arrived, or released) into its engine, after its group's checks.
    fn launch(&mut self, id: u64, held: bool) {
        let Some(&o) = self.orders.get(&id) else {
            return;
        };
        let mut req = o.req;
        if o.group != 0 {
            // A group is forgotten only once no member is pending, so it is there; if not,
            // it is as good as closed.
            let (closed, cut) = match self.groups.get_mut(&o.group) {
                Some(g) => {
                    g.pending = g.pending.saturating_sub(1);
                    (g.closed, if g.kind == LinkKind::Ouo { g.filled } else { 0 })
                }
                None => (true, 0),
            };
            if closed || cut >= req.qty {
                let kind = if held {
                    EventKind::Canceled
                } else {
                    EventKind::Rejected
                };
                let reason = if held && !closed {
                    Reason::Ouo
                } else {
                    Reason::ContingencyClosed
                };
                self.emit(
                    kind,
                    o.instrument,
                    id,
                    req.account,
                    0,
                    req.qty,
                    0,
                    0,
                    reason,
                );
                self.group_dirty.push(o.group);
                self.orders.remove(&id);
                self.react();
                return;
            }
            req.qty -= cut;
            req.group = o.group;
        }
        if let Some(own) = self.orders.get_mut(&id) {
            own.announce = if held {
                Announce::Released
            } else if req.qty < o.req.qty {
                Announce::Reduced(o.req.qty)
            } else {
                Announce::Plain
            };
            own.req = req;
            // From here the engine has it (or rejects it, closing its group itself).
            own.state = State::Live;
        }
        let v = o.instrument as usize;
        let venue = &mut self.venues[v];
        venue.sync();
        venue.engine.advance(self.now, &mut self.scratch);
        venue.engine.submit(&req, &mut self.scratch);
        self.absorb(v);
    }

    fn do_cancel(&mut self, instrument: u32, id: u64, reason: Reason) {
        if let Some(o) = self.orders.get(&id) {
            if o.instrument == instrument && matches!(o.state, State::Held | State::Auction) {
                let account = o.req.account;
                if o.state == State::Auction {
                    self.collected.retain(|c| c.order.id != id);
                }
                self.emit(
                    EventKind::Canceled,
                    instrument,
                    id,
                    account,
                    0,
                    0,
                    0,
                    0,
                    reason,
                );
                self.dead(id);
                self.react();
                return;
            }
        }
        let v = instrument as usize;
        let venue = &mut self.venues[v];
        venue.sync();
        venue.engine.cancel(id, &mut self.scratch);
        self.absorb(v);
    }

    fn do_modify(
        &mut self,
        instrument: u32,
        id: u64,
        qty: Option<u64>,
        price: Option<i64>,
        trigger: Option<i64>,
    ) {
        if let Some(o) = self.orders.get(&id).copied() {
            if o.instrument == instrument && o.state == State::Auction {
                // An auction order is withdrawn and sent again instead.
                self.emit(
                    EventKind::ModifyRejected,
                    instrument,
                    id,
                    o.req.account,
                    0,
                    0,
                    0,
                    0,
                    Reason::NotModifiable,
                );
                return;
            }
            if o.instrument == instrument && o.state == State::Held {
                let r = o.req;
                let refused = if qty.is_some_and(|q| q == 0 || q > i64::MAX as u64) {
                    Some(Reason::InvalidQuantity)
                } else if price.is_some() && r.price.is_none() {
                    Some(Reason::PriceNotAllowed)
                } else if trigger.is_some() && r.trigger.is_none() {
                    Some(Reason::TriggerNotAllowed)
                } else {
                    None
                };
                if let Some(reason) = refused {
                    self.emit(
                        EventKind::ModifyRejected,
                        instrument,
                        id,
                        r.account,
                        0,
                        0,
                        0,
                        0,
                        reason,
                    );
                    return;
                }
                let Some(own) = self.orders.get_mut(&id) else {
                    return;
                };
                if let Some(q) = qty {
                    own.req.qty = q;
                    own.orig = q;
                }
                own.req.price = price.or(r.price);
                own.req.trigger = trigger.or(r.trigger);
                let r = own.req;
                self.emit(
                    EventKind::Modified,
                    instrument,
                    id,
                    r.account,
                    r.price.unwrap_or(0),
                    r.qty,
                    r.trigger.unwrap_or(0),
                    0,
                    Reason::None,
                );
                return;
            }
        }
        let v = instrument as usize;
        let venue = &mut self.venues[v];
        venue.sync();
        venue.engine.advance(self.now, &mut self.scratch);
        venue
            .engine
            .modify(id, price, trigger, qty, &mut self.scratch);
        self.modifying = Some((id, qty.is_some()));
        self.absorb(v);
        self.modifying = None;
    }

    // ----- engine events ----------------------------------------------------------------

    fn account(&self, id: u64) -> u32 {
        self.orders.get(&id).map_or(0, |o| o.req.account)
    }

    /// Turn the engine events of venue `v` (in `scratch`) into exchange events, then apply
    /// the contingencies they set off.
    fn absorb(&mut self, v: usize) {
        self.venues[v].refresh();
        let instrument = v as u32;
        let mut evs = std::mem::take(&mut self.scratch);
        for ev in evs.drain(..) {
            self.translate(instrument, v, ev);
        }
        self.scratch = evs;
        let mut notes = std::mem::take(&mut self.notes);
        self.venues[v].engine.take_group_notes(&mut notes);
        for note in notes.drain(..) {
            self.group_note(note);
        }
        self.notes = notes;
        while let Some(id) = self.filled_ids.pop() {
            let done = self.orders.get(&id).is_some_and(|o| {
                o.state == State::Live
                    && self.venues[o.instrument as usize]
                        .engine
                        .order(id)
                        .is_none()
            });
            if done {
                self.dead(id);
            }
        }
        self.react();
    }

    #[allow(clippy::too_many_lines, reason = "one arm per engine event")]
    fn translate(&mut self, instrument: u32, v: usize, ev: Event) {
        match ev {
            Event::Accepted { id } => {
                let Some(o) = self.orders.get_mut(&id) else {
                    return;
                };
                o.state = State::Live;
                let (r, announce) = (o.req, o.announce);
                let (price, trigger) = (r.price.unwrap_or(0), r.trigger.unwrap_or(0));
                match announce {
                    Announce::Plain => self.emit(
                        EventKind::Accepted,
                        instrument,
                        id,
                        r.account,
                        price,
                        r.qty,
                        0,
                        0,
                        Reason::None,
                    ),
                    Announce::Released => self.emit(
                        EventKind::Released,
                        instrument,
                        id,
                        r.account,
                        price,
                        r.qty,
                        0,
                        0,
                        Reason::None,
                    ),
                    Announce::Reduced(sent) => {
                        let a = r.account;
                        self.emit(
                            EventKind::Accepted,
                            instrument,
                            id,
                            a,
                            price,
                            sent,
                            0,
                            0,
                            Reason::None,
                        );
                        self.emit(
                            EventKind::Updated,
                            instrument,
                            id,
                            a,
                            price,
                            r.qty,
                            trigger,
                            0,
                            Reason::None,
                        );
                    }
                }
            }
            Event::Rejected { id, reason } => {
                let (reason, aux) = Reason::of_reject(reason);
                let account = self.account(id);
                let qty = self.orders.get(&id).map_or(0, |o| o.req.qty);
                self.emit(
                    EventKind::Rejected,
                    instrument,
                    id,
                    account,
                    0,
                    qty,
                    aux,
                    0,
                    reason,
                );
                self.dead(id);
            }
            Event::Filled {
                taker,
                maker,
                price,
                qty,
                ..
            } => {
                let (ta, ma) = (self.account(taker), self.account(maker));
                self.emit(
                    EventKind::Filled,
                    instrument,
                    taker,
                    ta,
                    price,
                    qty,
                    TAKER,
                    maker,
                    Reason::None,
                );
                self.emit(
                    EventKind::Filled,
                    instrument,
                    maker,
                    ma,
                    price,
                    qty,
                    MAKER,
                    taker,
                    Reason::None,
                );
                self.filled(taker, qty);
                self.filled(maker, qty);
            }
            Event::DataFill {
                id,
                price,
                qty,
                maker,
            } => {
                let account = self.account(id);
                let liq = if maker { MAKER } else { TAKER };
                self.emit(
                    EventKind::Filled,
                    instrument,
                    id,
                    account,
                    price,
                    qty,
                    liq,
                    0,
                    Reason::None,
                );
                self.filled(id, qty);
            }
            Event::Canceled { id, reason } => {
                let account = self.account(id);
                self.emit(
                    EventKind::Canceled,
                    instrument,
                    id,
                    account,
                    0,
                    0,
                    0,
                    0,
                    Reason::of_cancel(reason),
                );
                self.dead(id);
            }
            Event::Expired { id } => {
                let account = self.account(id);
                self.emit(
                    EventKind::Expired,
                    instrument,
                    id,
                    account,
                    0,
                    0,
                    0,
                    0,
                    Reason::None,
                );
                self.dead(id);
            }
            Event::Triggered { id } => {
                let account = self.account(id);
                self.emit(
                    EventKind::Triggered,
                    instrument,
                    id,
                    account,
                    0,
                    0,
                    0,
                    0,
                    Reason::None,
                );
            }
            Event::Updated { id, price, trigger } => {
                let account = self.account(id);
                let qty = self.venues[v]
                    .engine
                    .order(id)
                    .map_or_else(|| self.orders.get(&id).map_or(0, |o| o.req.qty), |o| o.qty);
                self.emit(
                    EventKind::Updated,
                    instrument,
                    id,
                    account,
                    price.unwrap_or(0),
                    qty,
                    trigger.unwrap_or(0),
                    0,
                    Reason::None,
                );
            }
            Event::Resized { id, qty } => {
                let account = self.account(id);
                let (price, trigger) = self.venues[v]
                    .engine
                    .order(id)
                    .map_or((None, None), |o| (o.price, o.trigger));
                if let Some(o) = self.orders.get_mut(&id) {
                    o.req.qty = qty;
                }
                self.emit(
                    EventKind::Updated,
                    instrument,
                    id,
                    account,
                    price.unwrap_or(0),
                    qty,
                    trigger.unwrap_or(0),
                    0,
                    Reason::None,
                );
            }
            Event::Modified {
                id,
                price,
                trigger,
                qty,
            } => {
                let account = self.account(id);
                let asked_qty = self.modifying == Some((id, true));
                if let Some(o) = self.orders.get_mut(&id) {
                    o.req.qty = qty;
                    // Only a quantity the trader asked for moves an OTO child's growth cap.
                    if asked_qty {
                        o.orig = qty;
                    }
                    o.req.price = price;
                }
                self.emit(
                    EventKind::Modified,
                    instrument,
                    id,
                    account,
                    price.unwrap_or(0),
                    qty,
                    trigger.unwrap_or(0),
                    0,
                    Reason::None,
                );
            }
            Event::ModifyRejected { id, reason } => {
                let (reason, aux) = Reason::of_reject(reason);
                let account = self.account(id);
                self.emit(
                    EventKind::ModifyRejected,
                    instrument,
                    id,
                    account,
                    0,
                    0,
                    aux,
                    0,
                    reason,
                );
            }
            Event::CancelRejected { id, reason } => {
                let (reason, aux) = Reason::of_reject(reason);
                let account = self.account(id);
                self.emit(
                    EventKind::CancelRejected,
                    instrument,
                    id,
                    account,
                    0,
                    0,
                    aux,
                    0,
                    reason,
                );
            }
        }
    }

    fn filled(&mut self, id: u64, qty: u64) {
        if let Some(o) = self.orders.get_mut(&id) {
            o.filled += qty;
            self.filled_ids.push(id);
        }
        if let Some(r) = self.oto.get_mut(&id) {
            r.filled += qty;
            self.oto_dirty.push_back(id);
        }
    }

    /// Order `id` ended (rejected, canceled, expired or filled): forget it and let its
    /// contingencies react. A member the engine does not hold closes its group.
    fn dead(&mut self, id: u64) {
        let Some(o) = self.orders.remove(&id) else {
            return;
        };
        if o.group != 0 {
            self.group_dirty.push(o.group);
            if o.state != State::Live {
                // The engine does not know it: close the group for it.
                if let Some(g) = self.groups.get_mut(&o.group) {
                    g.pending = g.pending.saturating_sub(1);
                }
                self.close_for(o.group);
            }
        }
        if let Some(r) = self.oto.get_mut(&id) {
            r.done = true;
            self.oto_dirty.push_back(id);
        }
    }

    /// A member the engine does not hold ended: close its group (once).
    fn close_for(&mut self, group: u32) {
        let Some(g) = self.groups.get_mut(&group) else {
            return;
        };
        if g.closed {
            return;
        }
        g.closed = true;
        let v = g.instrument as usize;
        let venue = &mut self.venues[v];
        venue.sync();
        venue.engine.close_group(group, &mut self.scratch);
        self.cancel_held_members(group, Reason::Linked);
        self.absorb(v);
    }

    fn group_note(&mut self, note: GroupNote) {
        match note {
            GroupNote::Filled { group, qty } => {
                if let Some(g) = self.groups.get_mut(&group) {
                    g.filled += qty;
                }
            }
            GroupNote::Closed { group, reason } => {
                if let Some(g) = self.groups.get_mut(&group) {
                    g.closed = true;
                }
                self.cancel_held_members(group, Reason::of_cancel(reason));
                self.group_dirty.push(group);
            }
        }
    }

    /// Cancel the members of `group` held as OTO children (in-flight ones are refused on
    /// arrival).
    fn cancel_held_members(&mut self, group: u32, reason: Reason) {
        let Some(g) = self.groups.get(&group) else {
            return;
        };
        let held: Vec<u64> = g
            .members
            .iter()
            .copied()
            .filter(|id| self.orders.get(id).is_some_and(|o| o.state == State::Held))
            .collect();
        for id in held {
            let Some(o) = self.orders.remove(&id) else {
                continue;
            };
            self.emit(
                EventKind::Canceled,
                o.instrument,
                id,
                o.req.account,
                0,
                0,
                0,
                0,
                reason,
            );
            if let Some(g) = self.groups.get_mut(&group) {
                g.pending = g.pending.saturating_sub(1);
            }
        }
    }

    /// Apply what fills and ends did to OTO children, and forget finished groups.
    fn react(&mut self) {
        while let Some(parent) = self.oto_dirty.pop_front() {
            let Some(rec) = self.oto.get(&parent) else {
                continue;
            };
            let (filled, done) = (rec.filled, rec.done);
            let mut closing: Vec<u32> = Vec::new();
            let mut i = 0;
            while let Some(&child) = self.oto.get(&parent).and_then(|r| r.children.get(i)) {
                i += 1;
                let Some(o) = self.orders.get(&child).copied() else {
                    continue;
                };
                match o.state {
                    State::Held if filled > 0 => self.release(child, filled),
                    State::Held if done => {
                        // Every held child goes for the parent's reason before any group
                        // it is in closes.
                        self.emit(
                            EventKind::Canceled,
                            o.instrument,
                            child,
                            o.req.account,
                            0,
                            0,
                            0,
                            0,
                            Reason::ParentClosed,
                        );
                        self.orders.remove(&child);
                        if o.group != 0 {
                            if let Some(g) = self.groups.get_mut(&o.group) {
                                g.pending = g.pending.saturating_sub(1);
                            }
                            self.group_dirty.push(o.group);
                            closing.push(o.group);
                        }
                    }
                    State::Live if filled > o.sized_at => {
                        let v = o.instrument as usize;
                        let cur = self.venues[v].engine.order(child).map_or(0, |x| x.qty);
                        let want = o.orig.min(cur + (filled - o.sized_at));
                        if let Some(c) = self.orders.get_mut(&child) {
                            c.sized_at = filled;
                        }
                        if want > cur {
                            let venue = &mut self.venues[v];
                            venue.sync();
                            venue.engine.resize(child, want, &mut self.scratch);
                            self.absorb(v);
                        }
                    }
                    _ => {}
                }
            }
            for g in closing {
                self.close_for(g);
            }
            let finished = self.oto.get(&parent).is_some_and(|r| {
                r.done
                    && r.children.iter().all(|c| {
                        self.orders
                            .get(c)
                            .is_none_or(|o| o.state == State::Live || o.parent != parent)
                    })
            });
            if finished {
                self.oto.remove(&parent);
            }
        }
        while let Some(g) = self.group_dirty.pop() {
            let Some(rec) = self.groups.get(&g) else {
                continue;
            };
            let v = rec.instrument as usize;
            if rec.pending == 0 && self.venues[v].engine.group_live(g) == 0 {
                self.groups.remove(&g);
                self.venues[v].engine.drop_group(g);
            }
        }
    }

    // ----- market data ------------------------------------------------------------------

    /// A top-of-book quote for an L1 instrument at `ts` (ignored by L2/L3 instruments,
    /// but time moves).
    pub fn quote(
        &mut self,
        instrument: u32,
        ts: i64,
        bid: i64,
        ask: i64,
        bid_size: u64,
        ask_size: u64,
    ) -> Result<(), InputError> {
        let v = self.venue(instrument)?;
        check_lots("bid_size", bid_size)?;
        check_lots("ask_size", ask_size)?;
        self.check_time("ts", ts)?;
        self.feed(v, ts, |venue, out| {
            venue.quote(bid, ask, bid_size, ask_size, out);
        });
        Ok(())
    }

    /// A trade print at `ts`: `size` lots at `price`; `aggressor` `None` reaches both sides.
    pub fn trade(
        &mut self,
        instrument: u32,
        ts: i64,
        price: i64,
        size: u64,
        aggressor: Option<Side>,
    ) -> Result<(), InputError> {
        let v = self.venue(instrument)?;
        check_lots("size", size)?;
        self.check_time("ts", ts)?;
        self.feed(v, ts, |venue, out| venue.trade(price, size, aggressor, out));
        Ok(())
    }

    /// Check a delta's codes (and L3's order id).
    fn check_delta(&self, v: usize, side: u8, action: u8, order_id: u64) -> Result<(), InputError> {
        if !(1..=4).contains(&action) {
            return Err(InputError::new(
                "action",
                "must be 1 (ADD), 2 (UPDATE), 3 (DELETE) or 4 (CLEAR)",
                action,
            ));
        }
        if action == CLEAR {
            if side > 2 {
                return Err(InputError::new(
                    "side",
                    "must be 0 (NO_SIDE), 1 (BUY) or 2 (SELL) with CLEAR",
                    side,
                ));
            }
        } else if side == NO_SIDE || side > 2 {
            return Err(InputError::new("side", input::SIDE_RULE, side));
        }
        if self.venues[v].book_type == BookType::L3 && action != CLEAR && order_id == 0 {
            return Err(InputError::new(
                "order_id",
                "must be positive on an L3_MBO instrument",
                0,
            ));
        }
        Ok(())
    }

    /// A book delta at `ts` for an L2 or L3 instrument (ignored by L1 instruments, but time
    /// moves). L3 deltas name the data order with `order_id`.
    #[allow(clippy::too_many_arguments, reason = "the delta's fields")]
    pub fn delta(
        &mut self,
        instrument: u32,
        ts: i64,
        side: u8,
        action: u8,
        price: i64,
        size: u64,
        order_id: u64,
    ) -> Result<(), InputError> {
        let v = self.venue(instrument)?;
        self.check_delta(v, side, action, order_id)?;
        check_lots("size", size)?;
        self.check_time("ts", ts)?;
        self.feed(v, ts, |venue, out| {
            venue.delta(side, action, price, size, order_id, out);
        });
        Ok(())
    }

    /// A mark price at `ts` (mark-price triggers).
    pub fn mark(&mut self, instrument: u32, ts: i64, price: i64) -> Result<(), InputError> {
        let v = self.venue(instrument)?;
        self.check_time("ts", ts)?;
        self.feed(v, ts, |venue, out| {
            venue.sync();
            venue.engine.set_mark(price, out);
        });
        Ok(())
    }

    fn check_ts(&self, ts: &[i64], start: usize) -> Result<(), InputError> {
        let mut prev = self.now;
        for (i, &t) in ts.iter().enumerate().skip(start) {
            if t < prev {
                return Err(InputError::new(
                    "ts",
                    format!("must not go back in time (previous {prev})"),
                    t,
                )
                .at(i));
            }
            prev = t;
        }
        Ok(())
    }

    fn check_batch(lens: &[usize], start: usize) -> Result<usize, InputError> {
        let n = lens[0];
        if lens.iter().any(|&l| l != n) {
            return Err(InputError::new(
                "columns",
                format!("must all have the same length (got {lens:?})"),
                n as i128,
            ));
        }
        if start > n {
            return Err(InputError::new(
                "start",
                format!("must be at most the column length {n}"),
                start as i128,
            ));
        }
        Ok(n)
    }

    /// Quotes for `instrument`, rows `start..` of the columns, in order; with
    /// `stop_on_event`, returns right after the first row that produced an event.
    /// Returns the index after the last row processed. The columns are checked first: a
    /// bad one changes nothing.
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    pub fn quotes(
        &mut self,
        instrument: u32,
        ts: &[i64],
        bid: &[i64],
        ask: &[i64],
        bid_size: &[u64],
        ask_size: &[u64],
        start: usize,
        stop_on_event: bool,
    ) -> Result<usize, InputError> {
        let v = self.venue(instrument)?;
        let n = Self::check_batch(
            &[
                ts.len(),
                bid.len(),
                ask.len(),
                bid_size.len(),
                ask_size.len(),
            ],
            start,
        )?;
        self.check_ts(ts, start)?;
        Ok(
            self.run_rows(v, ts, start, n, stop_on_event, |venue, r, out| {
                venue.quote(bid[r], ask[r], bid_size[r], ask_size[r], out);
            }),
        )
    }

    /// Trades for `instrument` (see [`quotes`](Self::quotes) for the batch rules).
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    pub fn trades(
        &mut self,
        instrument: u32,
        ts: &[i64],
        price: &[i64],
        size: &[u64],
        aggressor: &[u8],
        start: usize,
        stop_on_event: bool,
    ) -> Result<usize, InputError> {
        let v = self.venue(instrument)?;
        let n = Self::check_batch(&[ts.len(), price.len(), size.len(), aggressor.len()], start)?;
        for (i, &a) in aggressor.iter().enumerate().skip(start) {
            input::aggressor(a).map_err(|e| e.at(i))?;
        }
        check_column("size", size, start)?;
        self.check_ts(ts, start)?;
        Ok(
            self.run_rows(v, ts, start, n, stop_on_event, |venue, r, out| {
                let a = match aggressor[r] {
                    1 => Some(Side::Buy),
                    2 => Some(Side::Sell),
                    _ => None,
                };
                venue.trade(price[r], size[r], a, out);
            }),
        )
    }

    /// Deltas for `instrument` (see [`quotes`](Self::quotes) for the batch rules).
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    pub fn deltas(
        &mut self,
        instrument: u32,
        ts: &[i64],
        side: &[u8],
        action: &[u8],
        price: &[i64],
        size: &[u64],
        order_id: &[u64],
        start: usize,
        stop_on_event: bool,
    ) -> Result<usize, InputError> {
        let v = self.venue(instrument)?;
        let n = Self::check_batch(
            &[
                ts.len(),
                side.len(),
                action.len(),
                price.len(),
                size.len(),
                order_id.len(),
            ],
            start,
        )?;
        for r in start..n {
            self.check_delta(v, side[r], action[r], order_id[r])
                .map_err(|e| e.at(r))?;
        }
        check_column("size", size, start)?;
        self.check_ts(ts, start)?;
        Ok(
            self.run_rows(v, ts, start, n, stop_on_event, |venue, r, out| {
                venue.delta(side[r], action[r], price[r], size[r], order_id[r], out);
            }),
        )
    }
}
