//! Replay of many market-data streams, merged by time, into several exchanges.
//!
//! A [`Replay`] holds one column chunk per stream (quotes, trades or book deltas of one
//! instrument of one exchange, or bare timestamps of data that only the caller handles).
//! [`Replay::run`] feeds rows in merged order until something needs the caller:
//!
//! * a fed row produced exchange events (fills, acks: the caller's order objects must
//!   learn of them before time moves on),
//! * a fed row belongs to a *published* stream (a strategy subscribed to it),
//! * the next row is at or after the caller's `stop_ts` (a timer or a deferred answer is
//!   due first), or
//! * a stream's chunk ran out before the stream ended (the caller loads its next chunk:
//!   without it the merge cannot know which row comes next).
//!
//! Merge order: ascending `ts`; equal times go in stream order (the order streams were
//! added), and within a stream in row order. So the merged sequence is exactly a stable
//! sort of all rows by `ts`, with the streams concatenated in the order they were added.

use crate::exchange::{Exchange, InputError};

/// Columns of one chunk of a stream.
#[derive(Debug, Clone)]
pub enum Columns {
    /// Top-of-book quotes: bid, ask (ticks), bid size, ask size (lots).
    Quotes {
        /// Bid prices in ticks.
        bid: Vec<i64>,
        /// Ask prices in ticks.
        ask: Vec<i64>,
        /// Bid sizes in lots.
        bid_size: Vec<u64>,
        /// Ask sizes in lots.
        ask_size: Vec<u64>,
    },
    /// Trade prints: price (ticks), size (lots), aggressor code (0 none, 1 buy, 2 sell).
    Trades {
        /// Prices in ticks.
        price: Vec<i64>,
        /// Sizes in lots.
        size: Vec<u64>,
        /// Aggressor side codes.
        aggressor: Vec<u8>,
    },
    /// Book deltas: side, action codes, price (ticks), size (lots), L3 order id.
    Deltas {
        /// Side codes.
        side: Vec<u8>,
        /// Action codes.
        action: Vec<u8>,
        /// Prices in ticks.
        price: Vec<i64>,
        /// Sizes in lots.
        size: Vec<u64>,
        /// Data order ids (L3).
        order_id: Vec<u64>,
    },
    /// Timestamps only: data the caller handles itself (custom data, bars to publish).
    Times,
}

impl Columns {
    fn len(&self) -> Option<usize> {
        match self {
            Self::Quotes {
                bid,
                ask,
                bid_size,
                ask_size,
            } => same_len(&[bid.len(), ask.len(), bid_size.len(), ask_size.len()]),
            Self::Trades {
                price,
                size,
                aggressor,
            } => same_len(&[price.len(), size.len(), aggressor.len()]),
            Self::Deltas {
                side,
                action,
                price,
                size,
                order_id,
            } => same_len(&[
                side.len(),
                action.len(),
                price.len(),
                size.len(),
                order_id.len(),
            ]),
            Self::Times => None,
        }
    }
}

fn same_len(lens: &[usize]) -> Option<usize> {
    let n = lens[0];
    lens.iter().all(|&l| l == n).then_some(n)
}

/// Where a stream's rows go: an exchange (by its index in the slice given to
/// [`Replay::run`]) and an instrument of it, or nowhere (`Times` streams).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Index of the exchange in `run`'s slice.
    pub exchange: usize,
    /// Instrument index within that exchange.
    pub instrument: u32,
}

#[derive(Debug)]
struct Stream {
    target: Option<Target>,
    ts: Vec<i64>,
    cols: Columns,
    pos: usize,
    /// No chunk will follow the current one.
    last: bool,
    publish: bool,
    /// Time of the last row of the previous chunk (chunks must not go back in time).
    floor: i64,
}

/// Why [`Replay::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every stream has ended.
    End,
    /// `stream` used up its chunk and more may follow: set its next chunk (or mark it
    /// ended) and run again.
    NeedData {
        /// The stream.
        stream: usize,
    },
    /// The next row (of `stream`, at `ts`) is at or after `stop_ts`; it was not fed.
    Time {
        /// The stream of the next row.
        stream: usize,
        /// Its time.
        ts: i64,
    },
    /// Row `row` of `stream` at `ts` was fed and needs the caller: it produced exchange
    /// events (`events`), or the stream is published, or both.
    Fed {
        /// The stream.
        stream: usize,
        /// The row within the stream's current chunk.
        row: usize,
        /// Its time.
        ts: i64,
        /// Whether the exchange it went to has events waiting.
        events: bool,
    },
}

/// A data error met while feeding: the stream, the row in its chunk, and the exchange's
/// complaint. Nothing of that row was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayError {
    /// The stream.
    pub stream: usize,
    /// The row in its current chunk.
    pub row: usize,
    /// What was wrong.
    pub error: InputError,
}

/// Streams merged by time into exchanges; see the module docs.
#[derive(Debug, Default)]
pub struct Replay {
    streams: Vec<Stream>,
    rows_fed: u64,
}

impl Replay {
    /// An empty replay.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a stream (its first chunk comes with [`set_chunk`](Self::set_chunk)); returns
    /// its index. `target` is `None` for a `Times` stream.
    pub fn add_stream(&mut self, target: Option<Target>, publish: bool) -> usize {
        self.streams.push(Stream {
            target,
            ts: Vec::new(),
            cols: Columns::Times,
            pos: 0,
            last: false,
            publish,
            floor: i64::MIN,
        });
        self.streams.len() - 1
    }

    /// How many streams there are.
    #[must_use]
    pub fn streams(&self) -> usize {
        self.streams.len()
    }

    /// Rows fed so far, over all streams.
    #[must_use]
    pub fn rows_fed(&self) -> u64 {
        self.rows_fed
    }

    fn stream(&self, stream: usize) -> Result<&Stream, InputError> {
        self.streams.get(stream).ok_or_else(|| {
            InputError::new(
                "stream",
                format!("must be a stream index below {}", self.streams.len()),
                stream as i128,
            )
        })
    }

    /// Replace `stream`'s chunk with `ts` and `cols` (`last`: no chunk follows). The
    /// chunk's times must not decrease, nor start before the previous chunk's last row,
    /// and its columns must match the stream's target (`Times` exactly when it has none).
    /// A refused chunk changes nothing.
    ///
    /// # Errors
    /// The rule the chunk broke, naming the column and row.
    pub fn set_chunk(
        &mut self,
        stream: usize,
        ts: Vec<i64>,
        cols: Columns,
        last: bool,
    ) -> Result<(), InputError> {
        let s = self.stream(stream)?;
        let is_times = matches!(cols, Columns::Times);
        if is_times != s.target.is_none() {
            return Err(InputError::new(
                "columns",
                if is_times {
                    "must be quotes, trades or deltas for a stream that feeds an exchange"
                } else {
                    "must be timestamps only for a stream with no exchange"
                },
                stream as i128,
            ));
        }
        if let Some(n) = cols.len() {
            if n != ts.len() {
                return Err(InputError::new(
                    "columns",
                    format!("must all have the length of ts ({})", ts.len()),
                    n as i128,
                ));
            }
        } else if !is_times {
            return Err(InputError::new(
                "columns",
                "must all have the same length",
                ts.len() as i128,
            ));
        }
        let mut prev = if s.pos < s.ts.len() || s.ts.is_empty() {
            s.floor
        } else {
            s.ts[s.ts.len() - 1].max(s.floor)
        };
        for (i, &t) in ts.iter().enumerate() {
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
        let s = &mut self.streams[stream];
        if let Some(&t) = s.ts.last() {
            s.floor = s.floor.max(t);
        }
        s.ts = ts;
        s.cols = cols;
        s.pos = 0;
        s.last = last;
        Ok(())
    }

    /// Mark `stream` as ended once its current chunk is used up.
    ///
    /// # Errors
    /// An unknown stream.
    pub fn end_stream(&mut self, stream: usize) -> Result<(), InputError> {
        self.stream(stream)?;
        self.streams[stream].last = true;
        Ok(())
    }

    /// Set whether `stream`'s rows are returned to the caller after feeding.
    ///
    /// # Errors
    /// An unknown stream.
    pub fn set_publish(&mut self, stream: usize, publish: bool) -> Result<(), InputError> {
        self.stream(stream)?;
        self.streams[stream].publish = publish;
        Ok(())
    }

    /// The next row of `stream` (`pos` within its current chunk).
    #[must_use]
    pub fn position(&self, stream: usize) -> Option<usize> {
        self.streams.get(stream).map(|s| s.pos)
    }

    /// The stream holding the next row in merge order, or why there is none.
    fn next_stream(&self) -> Result<usize, Stop> {
        let mut best: Option<(i64, usize)> = None;
        for (i, s) in self.streams.iter().enumerate() {
            if s.pos < s.ts.len() {
                let t = s.ts[s.pos];
                if best.is_none_or(|(bt, _)| t < bt) {
                    best = Some((t, i));
                }
            } else if !s.last {
                return Err(Stop::NeedData { stream: i });
            }
        }
        best.map(|(_, i)| i).ok_or(Stop::End)
    }

    /// Feed rows in merged order into `exchanges` until the caller is needed (see
    /// [`Stop`]); never feeds a row at or after `stop_ts`.
    ///
    /// # Errors
    /// A row an exchange refused (bad codes or sizes, time before the exchange's own
    /// time, an instrument it lacks); that row and every later one are left unfed.
    pub fn run(
        &mut self,
        exchanges: &mut [&mut Exchange],
        stop_ts: i64,
    ) -> Result<Stop, ReplayError> {
        loop {
            let i = match self.next_stream() {
                Ok(i) => i,
                Err(stop) => return Ok(stop),
            };
            let s = &mut self.streams[i];
            let r = s.pos;
            let ts = s.ts[r];
            if ts >= stop_ts {
                return Ok(Stop::Time { stream: i, ts });
            }
            let mut events = false;
            if let Some(target) = s.target {
                let Some(ex) = exchanges.get_mut(target.exchange) else {
                    return Err(ReplayError {
                        stream: i,
                        row: r,
                        error: InputError::new(
                            "exchange",
                            "must be an index into the exchanges given to run",
                            target.exchange as i128,
                        ),
                    });
                };
                let before = ex.events().len();
                let inst = target.instrument;
                let fed = match &s.cols {
                    Columns::Quotes {
                        bid,
                        ask,
                        bid_size,
                        ask_size,
                    } => ex.quote(inst, ts, bid[r], ask[r], bid_size[r], ask_size[r]),
                    Columns::Trades {
                        price,
                        size,
                        aggressor,
                    } => crate::exchange::aggressor(aggressor[r])
                        .and_then(|a| ex.trade(inst, ts, price[r], size[r], a)),
                    Columns::Deltas {
                        side,
                        action,
                        price,
                        size,
                        order_id,
                    } => ex.delta(inst, ts, side[r], action[r], price[r], size[r], order_id[r]),
                    Columns::Times => Ok(()),
                };
                if let Err(error) = fed {
                    return Err(ReplayError {
                        stream: i,
                        row: r,
                        error,
                    });
                }
                events = ex.events().len() > before;
            }
            s.pos = r + 1;
            self.rows_fed += 1;
            if events || s.publish {
                return Ok(Stop::Fed {
                    stream: i,
                    row: r,
                    ts,
                    events,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{BookType, ExchangeConfig};

    fn exchange() -> Exchange {
        let mut ex = Exchange::new(ExchangeConfig::default());
        ex.add_instrument(BookType::L1);
        ex
    }

    fn quotes(n: usize) -> Columns {
        Columns::Quotes {
            bid: vec![100; n],
            ask: vec![101; n],
            bid_size: vec![5; n],
            ask_size: vec![5; n],
        }
    }

    fn target() -> Option<Target> {
        Some(Target {
            exchange: 0,
            instrument: 0,
        })
    }

    /// Every row of a set of `Times` streams, in the order `run` returns them.
    fn merged(chunks: &[Vec<i64>]) -> Vec<(usize, usize)> {
        let mut rp = Replay::new();
        for c in chunks {
            let s = rp.add_stream(None, true);
            rp.set_chunk(s, c.clone(), Columns::Times, true).unwrap();
        }
        let mut out = Vec::new();
        loop {
            match rp.run(&mut [], i64::MAX).unwrap() {
                Stop::Fed { stream, row, .. } => out.push((stream, row)),
                Stop::End => return out,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn merge_is_a_stable_sort_by_time_with_stream_order_on_ties() {
        let a = vec![1, 3, 3, 7];
        let b = vec![0, 3, 7, 8];
        let c = vec![3];
        let got = merged(&[a.clone(), b.clone(), c.clone()]);
        let mut want: Vec<(i64, usize, usize)> = Vec::new();
        for (s, col) in [a, b, c].iter().enumerate() {
            for (r, &t) in col.iter().enumerate() {
                want.push((t, s, r));
            }
        }
        want.sort_by_key(|&(t, s, r)| (t, s, r));
        let want: Vec<(usize, usize)> = want.into_iter().map(|(_, s, r)| (s, r)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_stream_out_of_rows_that_is_not_last_asks_for_data() {
        let mut rp = Replay::new();
        let a = rp.add_stream(None, false);
        let b = rp.add_stream(None, true);
        rp.set_chunk(a, vec![1, 2], Columns::Times, false).unwrap();
        rp.set_chunk(b, vec![5], Columns::Times, true).unwrap();
        assert_eq!(rp.run(&mut [], i64::MAX), Ok(Stop::NeedData { stream: a }));
        assert_eq!(rp.position(a), Some(2));
        // b's row was not passed over: a's next chunk could start before it
        assert_eq!(rp.position(b), Some(0));
        rp.set_chunk(a, vec![4], Columns::Times, true).unwrap();
        assert_eq!(
            rp.run(&mut [], i64::MAX),
            Ok(Stop::Fed {
                stream: b,
                row: 0,
                ts: 5,
                events: false
            })
        );
        assert_eq!(rp.run(&mut [], i64::MAX), Ok(Stop::End));
        assert_eq!(rp.rows_fed(), 4);
    }

    #[test]
    fn chunks_may_not_go_back_in_time() {
        let mut rp = Replay::new();
        let a = rp.add_stream(None, false);
        let err = rp
            .set_chunk(a, vec![3, 2], Columns::Times, false)
            .unwrap_err();
        assert_eq!(err.field, "ts[1]");
        rp.set_chunk(a, vec![3, 5], Columns::Times, false).unwrap();
        rp.run(&mut [], i64::MAX).unwrap();
        let err = rp.set_chunk(a, vec![4], Columns::Times, true).unwrap_err();
        assert_eq!(err.field, "ts[0]");
        rp.set_chunk(a, vec![5, 6], Columns::Times, true).unwrap();
    }

    #[test]
    fn columns_must_fit_the_target() {
        let mut rp = Replay::new();
        let a = rp.add_stream(target(), false);
        assert!(rp.set_chunk(a, vec![1], Columns::Times, true).is_err());
        assert!(rp.set_chunk(a, vec![1, 2], quotes(1), true).is_err());
        let t = rp.add_stream(None, false);
        assert!(rp.set_chunk(t, vec![1], quotes(1), true).is_err());
    }

    #[test]
    fn stops_before_a_row_at_or_after_stop_ts_without_feeding_it() {
        let mut ex = exchange();
        let mut rp = Replay::new();
        let a = rp.add_stream(target(), false);
        rp.set_chunk(a, vec![10, 20, 30], quotes(3), true).unwrap();
        let stop = rp.run(&mut [&mut ex], 20).unwrap();
        assert_eq!(stop, Stop::Time { stream: a, ts: 20 });
        assert_eq!(ex.now(), 10);
        assert_eq!(rp.run(&mut [&mut ex], i64::MAX).unwrap(), Stop::End);
        assert_eq!(ex.now(), 30);
    }

    #[test]
    fn a_bad_row_is_reported_and_not_applied() {
        let mut ex = exchange();
        let mut rp = Replay::new();
        let a = rp.add_stream(target(), false);
        let cols = Columns::Trades {
            price: vec![100, 100],
            size: vec![1, 1],
            aggressor: vec![1, 9],
        };
        rp.set_chunk(a, vec![1, 2], cols, true).unwrap();
        let err = rp.run(&mut [&mut ex], i64::MAX).unwrap_err();
        assert_eq!((err.stream, err.row), (a, 1));
        assert_eq!(ex.now(), 1);
        assert_eq!(rp.position(a), Some(1));
    }

    #[test]
    fn published_rows_come_back_one_by_one() {
        let mut ex = exchange();
        let mut rp = Replay::new();
        let a = rp.add_stream(target(), true);
        rp.set_chunk(a, vec![1, 2], quotes(2), true).unwrap();
        for row in 0..2 {
            let stop = rp.run(&mut [&mut ex], i64::MAX).unwrap();
            assert_eq!(
                stop,
                Stop::Fed {
                    stream: a,
                    row,
                    ts: row as i64 + 1,
                    events: false
                }
            );
        }
        rp.set_publish(a, false).unwrap();
        assert_eq!(rp.run(&mut [&mut ex], i64::MAX).unwrap(), Stop::End);
    }
}
