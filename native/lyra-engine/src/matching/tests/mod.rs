//! Matching engine tests: unit cases per order type, time in force and instruction
//! (`unit`, `conditional`), and random operation sequences checked against a small
//! reference model (`model`).

use crate::book::Side;

use super::{CancelReason, EngineConfig, Event, MatchingEngine, OrderRequest, RejectReason};

mod conditional;
mod model;
mod unit;

const B: Side = Side::Buy;
const S: Side = Side::Sell;

/// An engine plus an event buffer; every call checks the book's invariants.
struct Harness {
    e: MatchingEngine,
    out: Vec<Event>,
}

impl Harness {
    fn new() -> Self {
        Self::with(EngineConfig::default())
    }

    fn with(cfg: EngineConfig) -> Self {
        Self {
            e: MatchingEngine::new(cfg),
            out: Vec::new(),
        }
    }

    fn done(&mut self) -> Vec<Event> {
        self.e.book().check_invariants();
        std::mem::take(&mut self.out)
    }

    fn submit(&mut self, r: OrderRequest) -> Vec<Event> {
        self.e.submit(&r, &mut self.out);
        self.done()
    }

    fn cancel(&mut self, id: u64) -> Vec<Event> {
        self.e.cancel(id, &mut self.out);
        self.done()
    }

    fn modify(
        &mut self,
        id: u64,
        price: Option<i64>,
        trigger: Option<i64>,
        qty: Option<u64>,
    ) -> Vec<Event> {
        self.e.modify(id, price, trigger, qty, &mut self.out);
        self.done()
    }

    fn advance(&mut self, now: i64) -> Vec<Event> {
        self.e.advance(now, &mut self.out);
        self.done()
    }

    fn mark(&mut self, price: i64) -> Vec<Event> {
        self.e.set_mark(price, &mut self.out);
        self.done()
    }

    fn levels(&self, side: Side) -> Vec<(i64, u64)> {
        self.e.book().depth().levels(side).collect()
    }

    fn queue(&self, side: Side, price: i64) -> Vec<u64> {
        self.e.book().queue(side, price).collect()
    }
}

/// A GTC limit order whose account is its id, so that test orders never self-trade
/// unless a test says so.
fn lim(id: u64, side: Side, price: i64, qty: u64) -> OrderRequest {
    OrderRequest::limit(id, side, price, qty).account(id as u32)
}

/// A market order whose account is its id.
fn mkt(id: u64, side: Side, qty: u64) -> OrderRequest {
    OrderRequest::market(id, side, qty).account(id as u32)
}

fn acc(id: u64) -> Event {
    Event::Accepted { id }
}

fn fill(taker: u64, maker: u64, price: i64, qty: u64, aggressor: Side) -> Event {
    Event::Filled {
        taker,
        maker,
        price,
        qty,
        aggressor,
    }
}

fn canceled(id: u64, reason: CancelReason) -> Event {
    Event::Canceled { id, reason }
}

fn rejected(id: u64, reason: RejectReason) -> Event {
    Event::Rejected { id, reason }
}

#[test]
fn order_node_stays_compact() {
    // Every match reads its maker's node: keep growth of it a deliberate decision.
    let size = std::mem::size_of::<super::l3::Order>();
    assert!(size <= 176, "Order node grew to {size} bytes");
}
