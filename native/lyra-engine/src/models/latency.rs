//! Latency between a trader and the simulated exchange, and the queue that applies it.
//!
//! # How the two pieces fit
//!
//! A command sent at `ts_sent` reaches the matching engine at
//! `ts_sent + delay(kind, seq)`, where `seq` is the command's sequence number. The
//! exchange does not act on the command at once: it pushes it into a [`CommandQueue`]
//! keyed by that arrival time, and whenever its clock moves to `now` (market data
//! advances it in a backtest) it first pops every command with arrival `<= now`, in
//! `(arrival, seq)` order, and processes each one against the book as it is at that
//! moment. Events about a command travel back with [`LatencyModel::response_delay`].
//!
//! ```
//! use lyra_engine::models::{CommandKind, CommandQueue, LatencyModel};
//!
//! let latency = LatencyModel::fixed(1_000_000, 1_000_000, 500_000, 200_000);
//! let mut queue = CommandQueue::new();
//!
//! // t = 0: the strategy submits, then cancels 100 µs later.
//! let seq = queue.next_seq();
//! queue.push(latency.arrival_ts(CommandKind::Submit, 0, seq), "submit");
//! let seq = queue.next_seq();
//! queue.push(latency.arrival_ts(CommandKind::Cancel, 100_000, seq), "cancel");
//!
//! // The clock reaches 0.7 ms: the cancel (faster path) has arrived, the submit not yet.
//! assert_eq!(queue.pop_due(700_000), Some((600_000, "cancel")));
//! assert_eq!(queue.pop_due(700_000), None);
//! assert_eq!(queue.pop_due(1_000_000), Some((1_000_000, "submit")));
//! ```
//!
//! As the example shows, a later command can overtake an earlier one when its path is
//! faster (or its jitter smaller) — as it can on a venue reached through several
//! connections. To model one FIFO connection instead, clamp each arrival to the previous
//! one: `arrival = arrival.max(last_arrival)`; the queue then keeps them in send order
//! because equal arrivals pop in push order.
//!
//! # Determinism
//!
//! Jitter is drawn from [`SplitMixStream`] at the command's sequence number (a separate
//! stream for the response path), so the same seed and the same command sequence give
//! the same delays, bit for bit, whatever else the simulation does.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::rng::SplitMixStream;

/// Stream of the jitter seed used for commands on their way in ("LYRAIN" + 1).
pub const JITTER_STREAM_INBOUND: u64 = 0x4C59_5241_494E_0001;
/// Stream of the jitter seed used for responses on their way back ("LYRAOUT" + 1).
pub const JITTER_STREAM_RESPONSE: u64 = 0x4C59_5241_4F55_5401;

/// Which latency path a command takes.
///
/// `NautilusTrader`'s grouping applies: submitting one order or a list is
/// [`Submit`](Self::Submit); modify is [`Modify`](Self::Modify); cancel, cancel-all and
/// batch cancel are [`Cancel`](Self::Cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// Submit an order or an order list.
    Submit,
    /// Modify (amend) an order.
    Modify,
    /// Cancel one order, several, or all.
    Cancel,
}

/// Uniform jitter in `0..=max_ns` added to every delay, drawn per sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Jitter {
    /// Largest extra delay in nanoseconds (inclusive).
    pub max_ns: u64,
    /// Seed of the draws.
    pub seed: u64,
}

/// Per-command delays in nanoseconds, with optional deterministic jitter.
///
/// Every delay is `fixed + jitter`, where `jitter` is 0 without a [`Jitter`], and
/// otherwise `below(seq, max_ns + 1)` of a [`SplitMixStream`] (stream
/// [`JITTER_STREAM_INBOUND`] or [`JITTER_STREAM_RESPONSE`] of the jitter seed). Sums
/// saturate at `u64::MAX` rather than wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LatencyModel {
    /// Delay of a submit on its way to the matching engine.
    pub submit_ns: u64,
    /// Delay of a modify on its way to the matching engine.
    pub modify_ns: u64,
    /// Delay of a cancel on its way to the matching engine.
    pub cancel_ns: u64,
    /// Delay of the exchange's response (ack, fill, reject…) on its way back.
    pub response_ns: u64,
    /// Optional jitter added to every delay.
    pub jitter: Option<Jitter>,
}

impl LatencyModel {
    /// No latency at all: commands arrive when they are sent.
    pub const ZERO: Self = Self {
        submit_ns: 0,
        modify_ns: 0,
        cancel_ns: 0,
        response_ns: 0,
        jitter: None,
    };

    /// Fixed delays for each path, no jitter.
    #[must_use]
    pub const fn fixed(submit_ns: u64, modify_ns: u64, cancel_ns: u64, response_ns: u64) -> Self {
        Self {
            submit_ns,
            modify_ns,
            cancel_ns,
            response_ns,
            jitter: None,
        }
    }

    /// The same fixed delay on every path (commands and responses), no jitter.
    #[must_use]
    pub const fn uniform(ns: u64) -> Self {
        Self::fixed(ns, ns, ns, ns)
    }

    /// This model with jitter in `0..=max_ns`, drawn from `seed`.
    #[must_use]
    pub const fn with_jitter(mut self, max_ns: u64, seed: u64) -> Self {
        self.jitter = Some(Jitter { max_ns, seed });
        self
    }

    /// The fixed part of the delay for `kind`.
    #[must_use]
    pub const fn fixed_delay(&self, kind: CommandKind) -> u64 {
        match kind {
            CommandKind::Submit => self.submit_ns,
            CommandKind::Modify => self.modify_ns,
            CommandKind::Cancel => self.cancel_ns,
        }
    }

    /// Delay of command number `seq` of kind `kind` on its way in.
    #[must_use]
    pub const fn inbound_delay(&self, kind: CommandKind, seq: u64) -> u64 {
        self.fixed_delay(kind)
            .saturating_add(self.jitter_ns(JITTER_STREAM_INBOUND, seq))
    }

    /// Delay of the response to command (or event) number `seq` on its way back.
    #[must_use]
    pub const fn response_delay(&self, seq: u64) -> u64 {
        self.response_ns
            .saturating_add(self.jitter_ns(JITTER_STREAM_RESPONSE, seq))
    }

    /// When command `seq` of kind `kind`, sent at `ts_sent`, reaches the engine
    /// (saturating at `i64::MAX`).
    #[must_use]
    pub const fn arrival_ts(&self, kind: CommandKind, ts_sent: i64, seq: u64) -> i64 {
        ts_sent.saturating_add_unsigned(self.inbound_delay(kind, seq))
    }

    /// When the response to `seq`, emitted at `ts_event`, reaches the trader
    /// (saturating at `i64::MAX`).
    #[must_use]
    pub const fn response_ts(&self, ts_event: i64, seq: u64) -> i64 {
        ts_event.saturating_add_unsigned(self.response_delay(seq))
    }

    const fn jitter_ns(&self, stream: u64, seq: u64) -> u64 {
        match self.jitter {
            None | Some(Jitter { max_ns: 0, .. }) => 0,
            Some(Jitter { max_ns, seed }) => {
                let s = SplitMixStream::new(seed, stream);
                if max_ns == u64::MAX {
                    s.bits(seq)
                } else {
                    s.below(seq, max_ns + 1)
                }
            }
        }
    }
}

/// One queued command: ordered by `(arrival, seq)` only, so `T` needs no ordering.
#[derive(Debug)]
struct Entry<T> {
    arrival: i64,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.arrival == other.arrival && self.seq == other.seq
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    // Reversed, so that std's max-heap pops the earliest (arrival, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.arrival, other.seq).cmp(&(self.arrival, self.seq))
    }
}

/// Commands in flight, popped in `(arrival ts, sequence)` order.
///
/// A min-heap on the arrival time with a push counter as tiebreak: commands that arrive
/// at the same nanosecond come out in the order they were pushed (FIFO), so the order of
/// processing never depends on the heap's internals. Push and pop are `O(log n)`.
#[derive(Debug)]
pub struct CommandQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

impl<T> Default for CommandQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> CommandQueue<T> {
    /// An empty queue whose first push gets sequence number 0.
    #[must_use]
    pub fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// The sequence number the next [`push`](Self::push) will get — the number to draw
    /// that command's latency with.
    #[must_use]
    pub const fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Queue `item` to arrive at `arrival`; returns its sequence number.
    pub fn push(&mut self, arrival: i64, item: T) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { arrival, seq, item });
        seq
    }

    /// Arrival time of the next command, if any.
    #[must_use]
    pub fn peek_ts(&self) -> Option<i64> {
        self.heap.peek().map(|e| e.arrival)
    }

    /// Remove and return the next command with its arrival time, whatever the time.
    pub fn pop(&mut self) -> Option<(i64, T)> {
        self.heap.pop().map(|e| (e.arrival, e.item))
    }

    /// Remove and return the next command if it has arrived by `now` (`arrival <= now`).
    pub fn pop_due(&mut self, now: i64) -> Option<(i64, T)> {
        if self.heap.peek()?.arrival <= now {
            self.pop()
        } else {
            None
        }
    }

    /// Number of commands in flight.
    #[must_use]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no command is in flight.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Drop every queued command (the sequence counter keeps counting).
    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn fixed_delays_per_kind() {
        let m = LatencyModel::fixed(100, 200, 300, 400);
        assert_eq!(m.inbound_delay(CommandKind::Submit, 7), 100);
        assert_eq!(m.inbound_delay(CommandKind::Modify, 7), 200);
        assert_eq!(m.inbound_delay(CommandKind::Cancel, 7), 300);
        assert_eq!(m.response_delay(7), 400);
        assert_eq!(m.arrival_ts(CommandKind::Modify, 1_000, 0), 1_200);
        assert_eq!(m.response_ts(-50, 0), 350);
        assert_eq!(LatencyModel::ZERO.arrival_ts(CommandKind::Submit, 5, 1), 5);
        assert_eq!(LatencyModel::uniform(9).response_delay(3), 9);
    }

    #[test]
    fn arrival_saturates() {
        let m = LatencyModel::uniform(u64::MAX);
        assert_eq!(m.arrival_ts(CommandKind::Submit, 1, 0), i64::MAX);
        let m = LatencyModel::uniform(u64::MAX).with_jitter(u64::MAX, 1);
        assert_eq!(m.inbound_delay(CommandKind::Submit, 0), u64::MAX);
    }

    #[test]
    fn jitter_is_the_documented_draw() {
        let m = LatencyModel::uniform(1_000).with_jitter(999, 42);
        let inbound = SplitMixStream::new(42, JITTER_STREAM_INBOUND);
        let response = SplitMixStream::new(42, JITTER_STREAM_RESPONSE);
        for seq in 0..100 {
            assert_eq!(
                m.inbound_delay(CommandKind::Cancel, seq),
                1_000 + inbound.below(seq, 1_000)
            );
            assert_eq!(m.response_delay(seq), 1_000 + response.below(seq, 1_000));
        }
        // Zero jitter is no jitter.
        let z = LatencyModel::uniform(5).with_jitter(0, 42);
        assert_eq!(z.inbound_delay(CommandKind::Submit, 3), 5);
    }

    #[test]
    fn jitter_varies_and_stays_in_range() {
        let m = LatencyModel::uniform(10).with_jitter(20, 7);
        let d: Vec<u64> = (0..200)
            .map(|s| m.inbound_delay(CommandKind::Submit, s))
            .collect();
        assert!(d.iter().all(|&x| (10..=30).contains(&x)));
        // 200 draws from 21 values: both ends are hit and the draws are not all equal.
        assert!(d.contains(&10) && d.contains(&30));
        // A different seed gives a different sequence.
        let other = LatencyModel::uniform(10).with_jitter(20, 8);
        assert!((0..200).any(|s| other.inbound_delay(CommandKind::Submit, s) != d[s as usize]));
    }

    #[test]
    fn queue_orders_by_time_then_push_order() {
        let mut q = CommandQueue::new();
        assert_eq!(q.next_seq(), 0);
        assert_eq!(q.push(30, "c"), 0);
        assert_eq!(q.push(10, "a1"), 1);
        assert_eq!(q.push(20, "b"), 2);
        assert_eq!(q.push(10, "a2"), 3);
        assert_eq!(q.push(10, "a3"), 4);
        assert_eq!(q.len(), 5);
        assert_eq!(q.peek_ts(), Some(10));
        assert_eq!(q.pop_due(9), None);
        assert_eq!(q.pop_due(10), Some((10, "a1")));
        assert_eq!(q.pop_due(10), Some((10, "a2")));
        assert_eq!(q.pop_due(10), Some((10, "a3")));
        assert_eq!(q.pop_due(10), None);
        assert_eq!(q.pop(), Some((20, "b")));
        assert_eq!(q.pop_due(i64::MAX), Some((30, "c")));
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        assert_eq!(q.next_seq(), 5);
    }

    #[test]
    fn clear_keeps_counting() {
        let mut q = CommandQueue::default();
        q.push(1, 1u8);
        q.clear();
        assert!(q.is_empty());
        assert_eq!(q.push(1, 2u8), 1);
    }

    proptest! {
        /// Popping everything gives the pushes sorted by (arrival, push order): a stable
        /// sort of the input by arrival.
        #[test]
        fn queue_is_a_stable_sort(arrivals in proptest::collection::vec(-5i64..5, 0..60)) {
            let mut q = CommandQueue::new();
            for (i, &a) in arrivals.iter().enumerate() {
                q.push(a, i);
            }
            let mut expected: Vec<(i64, usize)> =
                arrivals.iter().copied().enumerate().map(|(i, a)| (a, i)).collect();
            expected.sort_by_key(|&(a, _)| a); // stable
            let mut got = Vec::new();
            while let Some(x) = q.pop() {
                got.push(x);
            }
            prop_assert_eq!(got, expected);
        }

        /// Same seed, same delays; and the delay never leaves fixed..=fixed+max.
        #[test]
        fn jitter_is_deterministic(seed: u64, max in 0u64..1_000_000, seq: u64) {
            let a = LatencyModel::fixed(1, 2, 3, 4).with_jitter(max, seed);
            let b = LatencyModel::fixed(1, 2, 3, 4).with_jitter(max, seed);
            for kind in [CommandKind::Submit, CommandKind::Modify, CommandKind::Cancel] {
                let d = a.inbound_delay(kind, seq);
                prop_assert_eq!(d, b.inbound_delay(kind, seq));
                prop_assert!(d >= a.fixed_delay(kind) && d <= a.fixed_delay(kind) + max);
            }
            prop_assert_eq!(a.response_delay(seq), b.response_delay(seq));
            prop_assert!(a.response_delay(seq) <= 4 + max);
        }
    }
}
