//! [`MarketData`]: the market data an environment replays, held once as columns and
//! shared (behind an `Arc`) by every environment that reads it.

use crate::book::{BUY, CLEAR, L2Book, SELL, Side};
use crate::exchange::{BookType, InputError, MAX_DATA_LOTS};

/// Row kind: an L1 quote.
pub const ROW_QUOTE: u8 = 0;
/// Row kind: an L2 level delta.
pub const ROW_DELTA: u8 = 1;
/// Row kind: a trade print.
pub const ROW_TRADE: u8 = 2;

/// An L2 stream keeps a snapshot of its book every this many rows, so an episode that
/// starts anywhere rebuilds its book from the nearest snapshot instead of from row 0.
pub const CHECKPOINT_ROWS: usize = 4096;

/// Trade columns as given to a constructor: `(ts, price, size, aggressor)`.
pub type TradeColumns<'a> = (&'a [i64], &'a [i64], &'a [u64], &'a [u8]);

/// A snapshot of an L2 book: the state after rows `..row`.
#[derive(Debug, Clone)]
pub(crate) struct Checkpoint {
    pub(crate) row: usize,
    /// `(side, price, size)` of every level.
    pub(crate) levels: Vec<(u8, i64, u64)>,
}

/// One instrument's market data as the environments replay it: quotes (L1) or level
/// deltas (L2), merged by time with optional trades into one row stream.
///
/// Prices are ticks and sizes lots. Besides the rows, it keeps the data's own top of
/// book *after* each row (a side the data has emptied keeps its last price with size 0),
/// the number of trades up to each row, and (L2) book snapshots every
/// [`CHECKPOINT_ROWS`] rows. Built once, read by any number of environments.
#[derive(Debug, Clone)]
pub struct MarketData {
    pub(crate) book_type: BookType,
    /// Every row, in time order: what one step reads of a row is one cache line.
    pub(crate) rows: Vec<Row>,
    pub(crate) d_side: Vec<u8>,
    pub(crate) d_action: Vec<u8>,
    pub(crate) d_price: Vec<i64>,
    pub(crate) d_size: Vec<u64>,
    pub(crate) t_ts: Vec<i64>,
    pub(crate) t_price: Vec<i64>,
    pub(crate) t_size: Vec<u64>,
    pub(crate) t_aggr: Vec<u8>,
    /// First row after which both sides of the data's book are known.
    pub(crate) first_ready: usize,
    pub(crate) checkpoints: Vec<Checkpoint>,
    size_scale: f64,
}

/// One row and the data's state after it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, align(64))]
pub(crate) struct Row {
    pub(crate) ts: i64,
    /// The data's top of book after the row (a side it emptied keeps its last price, size
    /// 0).
    pub(crate) bid: i64,
    pub(crate) ask: i64,
    pub(crate) bid_size: u64,
    pub(crate) ask_size: u64,
    /// Index of the row in its table (deltas or trades); 0 for quotes.
    pub(crate) idx: u32,
    /// Trades among rows `..=` this one.
    pub(crate) trades_upto: u32,
    /// Time of day: sine and cosine of its phase.
    pub(crate) sin: f32,
    pub(crate) cos: f32,
    pub(crate) kind: u8,
}

/// Nanoseconds per day.
const DAY_NS: i64 = 86_400_000_000_000;

/// The time of day of `ts` (UTC) as the sine and cosine of its phase.
#[must_use]
pub fn day_phase(ts: i64) -> (f32, f32) {
    let x = ts.rem_euclid(DAY_NS) as f64 / DAY_NS as f64 * std::f64::consts::TAU;
    (x.sin() as f32, x.cos() as f32)
}

fn same_len(field: &'static str, lens: &[usize]) -> Result<usize, InputError> {
    let n = lens[0];
    if lens.iter().any(|&l| l != n) {
        return Err(InputError::new(
            field,
            format!("columns must all have the same length (got {lens:?})"),
            n as i128,
        ));
    }
    if n >= u32::MAX as usize {
        return Err(InputError::new(
            field,
            "must have fewer than 2**32 - 1 rows",
            n as i128,
        ));
    }
    Ok(n)
}

fn sorted(field: &'static str, ts: &[i64]) -> Result<(), InputError> {
    match ts.windows(2).position(|w| w[1] < w[0]) {
        None => Ok(()),
        Some(i) => Err(InputError::new(field, "must not go back in time", ts[i + 1]).at(i + 1)),
    }
}

fn lots(field: &'static str, col: &[u64]) -> Result<(), InputError> {
    match col.iter().position(|&l| l >= MAX_DATA_LOTS) {
        None => Ok(()),
        Some(i) => Err(InputError::new(field, "must be below 2**56 lots", col[i]).at(i)),
    }
}

fn check_trades(t: TradeColumns<'_>) -> Result<usize, InputError> {
    let (ts, price, size, aggr) = t;
    let n = same_len("trades", &[ts.len(), price.len(), size.len(), aggr.len()])?;
    sorted("trade_ts", ts)?;
    lots("trade_size", size)?;
    if let Some(i) = aggr.iter().position(|&a| a > 2) {
        return Err(InputError::new(
            "trade_aggressor",
            "must be 0 (NO_AGGRESSOR), 1 (BUYER) or 2 (SELLER)",
            aggr[i],
        )
        .at(i));
    }
    Ok(n)
}

/// The order of a merged stream: `(is_trade, index)` per row, book rows first at equal
/// times.
fn merge(book_ts: &[i64], trade_ts: &[i64]) -> Vec<(bool, u32)> {
    let mut out = Vec::with_capacity(book_ts.len() + trade_ts.len());
    let (mut i, mut j) = (0, 0);
    while i < book_ts.len() || j < trade_ts.len() {
        if j >= trade_ts.len() || (i < book_ts.len() && book_ts[i] <= trade_ts[j]) {
            out.push((false, i as u32));
            i += 1;
        } else {
            out.push((true, j as u32));
            j += 1;
        }
    }
    out
}

impl MarketData {
    fn empty(book_type: BookType, rows: usize) -> Self {
        Self {
            book_type,
            rows: Vec::with_capacity(rows),
            d_side: Vec::new(),
            d_action: Vec::new(),
            d_price: Vec::new(),
            d_size: Vec::new(),
            t_ts: Vec::new(),
            t_price: Vec::new(),
            t_size: Vec::new(),
            t_aggr: Vec::new(),
            first_ready: usize::MAX,
            checkpoints: Vec::new(),
            size_scale: 1.0,
        }
    }

    fn set_trades(&mut self, trades: Option<TradeColumns<'_>>) {
        if let Some((ts, price, size, aggr)) = trades {
            self.t_ts = ts.to_vec();
            self.t_price = price.to_vec();
            self.t_size = size.to_vec();
            self.t_aggr = aggr.to_vec();
        }
    }

    /// Top-of-book quotes (L1) with optional trades. Columns are checked first (equal
    /// lengths, times not going back, sizes below `2**56`).
    pub fn from_quotes(
        ts: &[i64],
        bid: &[i64],
        ask: &[i64],
        bid_size: &[u64],
        ask_size: &[u64],
        trades: Option<TradeColumns<'_>>,
    ) -> Result<Self, InputError> {
        let n = same_len(
            "quotes",
            &[
                ts.len(),
                bid.len(),
                ask.len(),
                bid_size.len(),
                ask_size.len(),
            ],
        )?;
        sorted("ts", ts)?;
        lots("bid_size", bid_size)?;
        lots("ask_size", ask_size)?;
        let nt = trades.map_or(Ok(0), check_trades)?;
        same_len("rows", &[n + nt])?;
        let mut d = Self::empty(BookType::L1, n + nt);
        d.set_trades(trades);
        let order = merge(ts, &d.t_ts);
        let (mut top, mut trades_seen) = ((0i64, 0i64, 0u64, 0u64), 0u32);
        for (is_trade, k) in order {
            let k = k as usize;
            let (t, kind, idx) = if is_trade {
                trades_seen += 1;
                (d.t_ts[k], ROW_TRADE, k as u32)
            } else {
                top = (bid[k], ask[k], bid_size[k], ask_size[k]);
                if d.first_ready == usize::MAX {
                    d.first_ready = d.rows.len();
                }
                (ts[k], ROW_QUOTE, 0)
            };
            d.push(t, kind, idx, top, trades_seen);
        }
        d.finish();
        Ok(d)
    }

    /// Market-by-price deltas (L2: `side` 1 buy / 2 sell, or 0 with CLEAR; `action` 1 ADD,
    /// 2 UPDATE, 3 DELETE, 4 CLEAR) with optional trades. Columns are checked first.
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    pub fn from_deltas(
        ts: &[i64],
        side: &[u8],
        action: &[u8],
        price: &[i64],
        size: &[u64],
        trades: Option<TradeColumns<'_>>,
    ) -> Result<Self, InputError> {
        let n = same_len(
            "deltas",
            &[ts.len(), side.len(), action.len(), price.len(), size.len()],
        )?;
        sorted("ts", ts)?;
        lots("size", size)?;
        for (i, (&s, &a)) in side.iter().zip(action).enumerate() {
            if !(1..=4).contains(&a) {
                return Err(InputError::new(
                    "action",
                    "must be 1 (ADD), 2 (UPDATE), 3 (DELETE) or 4 (CLEAR)",
                    a,
                )
                .at(i));
            }
            let ok = if a == CLEAR {
                s <= SELL
            } else {
                s == BUY || s == SELL
            };
            if !ok {
                return Err(InputError::new(
                    "side",
                    "must be 1 (BUY) or 2 (SELL), or 0 (NO_SIDE) with CLEAR",
                    s,
                )
                .at(i));
            }
        }
        let nt = trades.map_or(Ok(0), check_trades)?;
        same_len("rows", &[n + nt])?;
        let mut d = Self::empty(BookType::L2, n + nt);
        d.set_trades(trades);
        d.d_side = side.to_vec();
        d.d_action = action.to_vec();
        d.d_price = price.to_vec();
        d.d_size = size.to_vec();
        let order = merge(ts, &d.t_ts);
        let mut book = L2Book::new();
        let (mut top, mut trades_seen) = ((0i64, 0i64, 0u64, 0u64), 0u32);
        let (mut seen_bid, mut seen_ask) = (false, false);
        for (is_trade, k) in order {
            let k = k as usize;
            let row = d.rows.len();
            if row % CHECKPOINT_ROWS == 0 {
                d.checkpoints.push(snapshot(&book, row));
            }
            let (t, kind) = if is_trade {
                trades_seen += 1;
                (d.t_ts[k], ROW_TRADE)
            } else {
                // Validated above, so the book accepts every delta.
                let _ = book.apply(side[k], action[k], price[k], size[k]);
                match book.best_bid() {
                    Some((p, q)) => (top.0, top.2, seen_bid) = (p, q, true),
                    None => top.2 = 0,
                }
                match book.best_ask() {
                    Some((p, q)) => (top.1, top.3, seen_ask) = (p, q, true),
                    None => top.3 = 0,
                }
                if seen_bid && seen_ask && d.first_ready == usize::MAX {
                    d.first_ready = row;
                }
                (ts[k], ROW_DELTA)
            };
            d.push(t, kind, k as u32, top, trades_seen);
        }
        d.finish();
        Ok(d)
    }

    fn push(&mut self, ts: i64, kind: u8, idx: u32, top: (i64, i64, u64, u64), trades: u32) {
        let (sin, cos) = day_phase(ts);
        self.rows.push(Row {
            ts,
            bid: top.0,
            ask: top.1,
            bid_size: top.2,
            ask_size: top.3,
            idx,
            trades_upto: trades,
            sin,
            cos,
            kind,
        });
    }

    fn finish(&mut self) {
        // Sizes in observations are divided by the data's mean touch size, so they are
        // near 1 whatever the instrument's lot.
        let n = self.rows.len().max(1) as f64;
        let sum: f64 = self
            .rows
            .iter()
            .map(|r| (r.bid_size as f64 + r.ask_size as f64) * 0.5)
            .sum();
        self.size_scale = if sum > 0.0 { sum / n } else { 1.0 };
    }

    /// Number of rows (book rows and trades).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Number of trade rows.
    #[must_use]
    pub fn trades(&self) -> usize {
        self.t_ts.len()
    }

    /// The book type: [`BookType::L1`] for quotes, [`BookType::L2`] for deltas.
    #[must_use]
    pub fn book_type(&self) -> BookType {
        self.book_type
    }

    /// First row after which the data's book has both sides (`None`: never).
    #[must_use]
    pub fn first_ready(&self) -> Option<usize> {
        (self.first_ready != usize::MAX).then_some(self.first_ready)
    }

    /// Mean touch size (lots) over all rows: the default scale of sizes in observations.
    #[must_use]
    pub fn size_scale(&self) -> f64 {
        self.size_scale
    }

    /// Time of row `row`.
    #[must_use]
    pub fn ts(&self, row: usize) -> i64 {
        self.rows[row].ts
    }

    /// The data's top of book after row `row`: `(bid, ask, bid_size, ask_size)`.
    #[must_use]
    pub fn top(&self, row: usize) -> (i64, i64, u64, u64) {
        let r = &self.rows[row];
        (r.bid, r.ask, r.bid_size, r.ask_size)
    }

    /// The checkpoint to rebuild the book from for an episode starting at row `row`.
    pub(crate) fn checkpoint_for(&self, row: usize) -> &Checkpoint {
        let i = self.checkpoints.partition_point(|c| c.row <= row);
        &self.checkpoints[i.saturating_sub(1)]
    }

    /// A delta row's fields `(side, action, price, size)`.
    #[inline]
    pub(crate) fn delta(&self, k: usize) -> (u8, u8, i64, u64) {
        (
            self.d_side[k],
            self.d_action[k],
            self.d_price[k],
            self.d_size[k],
        )
    }

    /// A trade's aggressor as the exchange takes it.
    #[inline]
    pub(crate) fn aggressor(&self, k: usize) -> Option<Side> {
        match self.t_aggr[k] {
            BUY => Some(Side::Buy),
            SELL => Some(Side::Sell),
            _ => None,
        }
    }
}

fn snapshot(book: &L2Book, row: usize) -> Checkpoint {
    let mut levels: Vec<(u8, i64, u64)> =
        book.levels(Side::Buy).map(|(p, q)| (BUY, p, q)).collect();
    levels.extend(book.levels(Side::Sell).map(|(p, q)| (SELL, p, q)));
    Checkpoint { row, levels }
}
