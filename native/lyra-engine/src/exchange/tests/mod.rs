//! Exchange tests: worked scenarios per data mode and rule (`l1`, `l2`, `l3`), commands,
//! time and contingencies (`commands`, `contingency`), and property tests (`props`).

use super::*;
use crate::models::QueueModel;

mod auction;
mod commands;
mod contingency;
mod l1;
mod l2;
mod l3;
mod props;

const BUY: u8 = 1;
const SELL: u8 = 2;

/// A compact event for assertions: `(kind, id, price, qty, aux, other_id, reason)`.
type Ev = (EventKind, u64, i64, u64, i64, u64, Reason);

use EventKind::{
    Accepted as ACC, CancelRejected as CREJ, Canceled as CXL, Expired as EXP, Filled as FIL,
    Modified as MOD, Rejected as REJ, Released as REL, Triggered as TRG, Updated as UPD,
};

fn acc(id: u64, price: i64, qty: u64) -> Ev {
    (ACC, id, price, qty, 0, 0, Reason::None)
}

/// A fill against market data.
fn dfill(id: u64, price: i64, qty: u64, liq: i64) -> Ev {
    (FIL, id, price, qty, liq, 0, Reason::None)
}

/// The two fills of a match between traders' orders, taker first.
fn fills(taker: u64, maker: u64, price: i64, qty: u64) -> [Ev; 2] {
    [
        (FIL, taker, price, qty, TAKER, maker, Reason::None),
        (FIL, maker, price, qty, MAKER, taker, Reason::None),
    ]
}

fn cxl(id: u64, reason: Reason) -> Ev {
    (CXL, id, 0, 0, 0, 0, reason)
}

fn upd(id: u64, price: i64, qty: u64) -> Ev {
    (UPD, id, price, qty, 0, 0, Reason::None)
}

/// An exchange plus helpers; time only moves when a test says so.
struct H {
    ex: Exchange,
    t: i64,
}

impl H {
    fn new(book: BookType) -> Self {
        Self::with(ExchangeConfig::default(), &[book])
    }

    fn with(cfg: ExchangeConfig, books: &[BookType]) -> Self {
        let mut ex = Exchange::new(cfg);
        for &b in books {
            ex.add_instrument(b);
        }
        Self { ex, t: 0 }
    }

    /// Drain, as compact events (checking the engines' books on the way).
    fn ev(&mut self) -> Vec<Ev> {
        for i in 0..self.ex.instruments() {
            self.ex
                .engine(i as u32)
                .expect("instrument")
                .book()
                .check_invariants();
        }
        self.ex
            .drain()
            .map(|e| {
                (
                    e.kind, e.order_id, e.price, e.qty, e.aux, e.other_id, e.reason,
                )
            })
            .collect()
    }

    fn all(&mut self) -> Vec<ExEvent> {
        self.ex.drain().collect()
    }

    /// Move time by `dt` (delivering due commands).
    fn step(&mut self, dt: i64) -> Vec<Ev> {
        self.t += dt;
        self.ex.advance(self.t).expect("time moves forward");
        self.ev()
    }

    /// Send `args` now and deliver it (zero latency).
    fn send(&mut self, args: SubmitArgs) -> Vec<Ev> {
        self.send_on(0, args)
    }

    fn send_on(&mut self, inst: u32, args: SubmitArgs) -> Vec<Ev> {
        self.ex.submit(self.t, inst, &args).expect("valid args");
        self.step(0)
    }

    fn cancel(&mut self, id: u64) -> Vec<Ev> {
        self.ex.cancel(self.t, 0, id).expect("instrument");
        self.step(0)
    }

    fn modify(&mut self, id: u64, qty: Option<u64>, price: Option<i64>) -> Vec<Ev> {
        self.ex
            .modify(self.t, 0, id, qty, price, None)
            .expect("instrument");
        self.step(0)
    }

    fn quote(&mut self, bid: i64, ask: i64, bsz: u64, asz: u64) -> Vec<Ev> {
        self.t += 1;
        self.ex
            .quote(0, self.t, bid, ask, bsz, asz)
            .expect("valid quote");
        self.ev()
    }

    fn trade(&mut self, price: i64, size: u64, aggressor: u8) -> Vec<Ev> {
        self.t += 1;
        self.ex
            .trade(
                0,
                self.t,
                price,
                size,
                super::aggressor(aggressor).expect("code"),
            )
            .expect("valid trade");
        self.ev()
    }

    fn delta(&mut self, side: u8, action: u8, price: i64, size: u64, id: u64) -> Vec<Ev> {
        self.t += 1;
        self.ex
            .delta(0, self.t, side, action, price, size, id)
            .expect("valid delta");
        self.ev()
    }

    fn bid(&mut self) -> Option<(i64, u64)> {
        self.ex.best_bid(0).expect("instrument")
    }

    fn ask(&mut self) -> Option<(i64, u64)> {
        self.ex.best_ask(0).expect("instrument")
    }

    fn pos(&self, account: u32) -> i64 {
        self.ex.position(0, account).expect("instrument")
    }
}

fn order(id: u64, side: u8, order_type: u8, qty: u64) -> SubmitArgs {
    SubmitArgs {
        order_id: id,
        account: id as u32,
        side,
        order_type,
        tif: 1,
        qty,
        ..SubmitArgs::default()
    }
}

/// A GTC limit order whose account is its id.
fn lim(id: u64, side: u8, price: i64, qty: u64) -> SubmitArgs {
    SubmitArgs {
        price: Some(price),
        ..order(id, side, 2, qty)
    }
}

/// A market order whose account is its id.
fn mkt(id: u64, side: u8, qty: u64) -> SubmitArgs {
    order(id, side, 1, qty)
}

fn with_tif(mut a: SubmitArgs, tif: u8) -> SubmitArgs {
    a.tif = tif;
    a
}
