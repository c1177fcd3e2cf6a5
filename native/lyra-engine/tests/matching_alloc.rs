//! The matching engine's hot path does not allocate once warmed up.
//!
//! A counting global allocator (per thread, so the test harness's own threads do not
//! interfere) measures a steady limit / cancel / market flow after a warm-up run of the
//! same flow has grown every table to its working size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use lyra_engine::book::Side;
use lyra_engine::matching::{Event, MatchingEngine, OrderRequest, TimeInForce};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: defers to `System`; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

/// A deterministic flow: GTC, IOC and FOK limits in a 30-tick band (some icebergs),
/// cancels of random earlier orders, market orders; at most `max_live` ids tracked.
struct Flow {
    x: u64,
    next_id: u64,
    live: Vec<u64>,
    max_live: usize,
}

impl Flow {
    fn rand(&mut self, n: u64) -> u64 {
        self.x ^= self.x << 13;
        self.x ^= self.x >> 7;
        self.x ^= self.x << 17;
        self.x % n
    }

    fn step(&mut self, e: &mut MatchingEngine, out: &mut Vec<Event>) {
        self.next_id += 1;
        let id = self.next_id;
        let side = if self.rand(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let account = self.rand(16) as u32;
        let roll = self.rand(100);
        if roll < 55 && self.live.len() < self.max_live {
            let off = self.rand(15) as i64 - 2;
            let price = if side == Side::Buy {
                1000 - off
            } else {
                1000 + off
            };
            let qty = 1 + self.rand(9);
            let mut r = OrderRequest::limit(id, side, price, qty).account(account);
            match self.rand(10) {
                0 => r.tif = TimeInForce::Ioc,
                1 => r.tif = TimeInForce::Fok,
                2 => r.display_qty = Some(1 + self.rand(qty)),
                _ => {}
            }
            e.submit(&r, out);
            self.live.push(id);
        } else if roll < 90 && !self.live.is_empty() {
            let i = self.rand(self.live.len() as u64) as usize;
            let id = self.live.swap_remove(i);
            e.cancel(id, out);
        } else {
            let r = OrderRequest::market(id, side, 1 + self.rand(12)).account(account);
            e.submit(&r, out);
        }
        out.clear();
    }
}

#[test]
fn steady_flow_does_not_allocate() {
    let mut e = MatchingEngine::default();
    let mut out = Vec::with_capacity(4096);
    let mut flow = Flow {
        x: 0x9E37_79B9_7F4A_7C15,
        next_id: 0,
        live: Vec::with_capacity(4096),
        max_live: 3000,
    };
    for _ in 0..300_000 {
        flow.step(&mut e, &mut out);
    }
    let before = allocs();
    assert!(before > 0, "the counter sees the warm-up's allocations");
    for _ in 0..300_000 {
        flow.step(&mut e, &mut out);
    }
    let n = allocs() - before;
    assert!(e.book().resting() > 100, "the flow keeps a book");
    assert_eq!(n, 0, "{n} allocations in the steady state");
}
