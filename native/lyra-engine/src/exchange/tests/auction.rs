//! `AT_THE_OPEN` / `AT_THE_CLOSE`: collection, uncross at the auction time, leftovers,
//! rejections.

use super::*;

const OPEN: u8 = 6;
const CLOSE: u8 = 7;
const T_OPEN: i64 = 1_000;
const T_CLOSE: i64 = 5_000;

fn auction_h() -> H {
    let mut h = H::new(BookType::L3);
    h.ex.set_auctions(0, &[T_OPEN], &[T_CLOSE]).unwrap();
    h
}

/// Lots filled per order id, and the fill prices seen.
fn filled_by_id(ev: &[Ev]) -> (Vec<(u64, u64)>, Vec<i64>) {
    let mut by: Vec<(u64, u64)> = Vec::new();
    let mut prices = Vec::new();
    for e in ev.iter().filter(|e| e.0 == FIL) {
        prices.push(e.2);
        match by.iter_mut().find(|(id, _)| *id == e.1) {
            Some(x) => x.1 += e.3,
            None => by.push((e.1, e.3)),
        }
    }
    by.sort_unstable();
    (by, prices)
}

#[test]
fn opening_auction_uncrosses_the_worked_example() {
    let mut h = auction_h();
    // The worked example of models::auction: clearing price 101, volume 130.
    let orders = [
        with_tif(mkt(1, BUY, 30), OPEN),
        with_tif(lim(2, BUY, 102, 50), OPEN),
        with_tif(lim(3, BUY, 101, 40), OPEN),
        with_tif(lim(4, BUY, 100, 20), OPEN),
        with_tif(lim(5, BUY, 101, 10), OPEN),
        with_tif(mkt(6, SELL, 20), OPEN),
        with_tif(lim(7, SELL, 99, 30), OPEN),
        with_tif(lim(8, SELL, 100, 40), OPEN),
        with_tif(lim(9, SELL, 101, 50), OPEN),
        with_tif(lim(10, SELL, 103, 30), OPEN),
    ];
    for o in orders {
        let ev = h.send(o);
        // Collected: ACCEPTED with the auction's time in aux, nothing in the book.
        assert_eq!(ev.len(), 1);
        assert_eq!((ev[0].0, ev[0].4), (ACC, T_OPEN));
    }
    assert_eq!(h.ex.best_bid(0).unwrap(), None);
    assert_eq!(h.ex.open_order_ids(0).unwrap().len(), 10);
    assert!(h.step(T_OPEN - 1).is_empty());
    let ev = h.step(1);
    let (by, prices) = filled_by_id(&ev);
    assert!(prices.iter().all(|&p| p == 101));
    assert_eq!(
        by,
        vec![
            (1, 30),
            (2, 50),
            (3, 40),
            (5, 10),
            (6, 20),
            (7, 30),
            (8, 40),
            (9, 40)
        ]
    );
    assert!(
        ev.iter()
            .filter(|e| e.0 == FIL)
            .all(|e| e.4 == MAKER && e.5 == 0)
    );
    // Leftovers (4 unfilled, 9 partly, 10 unfilled) are canceled, after the fills.
    let cx: Vec<Ev> = ev.iter().filter(|e| e.0 == CXL).copied().collect();
    assert_eq!(
        cx,
        vec![
            cxl(4, Reason::AuctionUnfilled),
            cxl(9, Reason::AuctionUnfilled),
            cxl(10, Reason::AuctionUnfilled)
        ]
    );
    assert_eq!(ev.len(), 8 + 3);
    assert!(h.ex.open_order_ids(0).unwrap().is_empty());
    // Each order's account is its id.
    assert_eq!(h.ex.position(0, 1).unwrap(), 30);
    assert_eq!(h.ex.position(0, 9).unwrap(), -40);
    assert_eq!(h.ex.position(0, 4).unwrap(), 0);
}

#[test]
fn closing_auction_and_positions_per_account() {
    let mut h = auction_h();
    let mut buy = with_tif(lim(1, BUY, 50, 7), CLOSE);
    buy.account = 1;
    let mut sell = with_tif(lim(2, SELL, 48, 5), CLOSE);
    sell.account = 2;
    h.send(buy);
    h.send(sell);
    // The opening auction at 1000 does not touch closing orders.
    assert!(h.step(T_OPEN).is_empty());
    let ev = h.step(T_CLOSE - T_OPEN);
    // D = 7 for p <= 50, S = 5 for p >= 48: V = 5 on 48..=50, imbalance 2 everywhere;
    // reference: no trade, no book: mid of the best limits 48 and 50 = 49.
    assert_eq!(
        ev,
        vec![
            (FIL, 1, 49, 5, MAKER, 0, Reason::None),
            (FIL, 2, 49, 5, MAKER, 0, Reason::None),
            cxl(1, Reason::AuctionUnfilled),
        ]
    );
    assert_eq!(h.ex.position(0, 1).unwrap(), 5);
    assert_eq!(h.ex.position(0, 2).unwrap(), -5);
}

#[test]
fn reference_is_the_last_trade_when_there_is_one() {
    let mut h = auction_h();
    h.ex.trade(0, 0, 120, 1, None).unwrap();
    h.ev();
    h.send(with_tif(mkt(1, BUY, 3), OPEN));
    h.send(with_tif(mkt(2, SELL, 3), OPEN));
    let ev = h.step(T_OPEN);
    // Market orders only: every price ties; the reference (last trade 120) wins.
    let (by, prices) = filled_by_id(&ev);
    assert_eq!(by, vec![(1, 3), (2, 3)]);
    assert!(prices.iter().all(|&p| p == 120));
}

#[test]
fn no_auction_rejects_with_its_reason() {
    let mut h = H::new(BookType::L3);
    let ev = h.send(with_tif(lim(1, BUY, 100, 1), OPEN));
    assert_eq!(ev, vec![(REJ, 1, 0, 1, 0, 0, Reason::NoOpeningAuction)]);
    let ev = h.send(with_tif(lim(2, BUY, 100, 1), CLOSE));
    assert_eq!(ev, vec![(REJ, 2, 0, 1, 0, 0, Reason::NoClosingAuction)]);
    assert!(
        Reason::NoOpeningAuction
            .text()
            .contains("no opening auction")
    );
    // Auctions configured, but the last one is past.
    let mut h = auction_h();
    h.step(T_CLOSE + 1);
    let ev = h.send(with_tif(lim(3, BUY, 100, 1), CLOSE));
    assert_eq!(ev, vec![(REJ, 3, 0, 1, 0, 0, Reason::NoClosingAuction)]);
}

#[test]
fn order_rules_for_auction_orders() {
    let mut h = auction_h();
    let ev = h.send(with_tif(order(1, BUY, 3, 1), OPEN)); // stop-market
    assert_eq!(ev[0].6, Reason::TifNotAllowed);
    let mut po = with_tif(lim(2, BUY, 100, 1), OPEN);
    po.post_only = true;
    assert_eq!(h.send(po)[0].6, Reason::PostOnlyNotAllowed);
    let mut ro = with_tif(lim(3, BUY, 100, 1), OPEN);
    ro.reduce_only = true;
    assert_eq!(h.send(ro)[0].6, Reason::Unsupported);
    // Modify is refused; cancel withdraws it from the auction.
    h.send(with_tif(lim(4, BUY, 100, 2), OPEN));
    h.send(with_tif(lim(5, SELL, 100, 2), OPEN));
    assert_eq!(
        h.modify(4, Some(1), None)[0],
        (
            EventKind::ModifyRejected,
            4,
            0,
            0,
            0,
            0,
            Reason::NotModifiable
        )
    );
    assert_eq!(h.cancel(4), vec![cxl(4, Reason::Requested)]);
    let ev = h.step(T_OPEN);
    assert_eq!(ev, vec![cxl(5, Reason::AuctionUnfilled)]);
}

#[test]
fn an_order_arriving_at_the_auction_time_joins_it() {
    let cfg = ExchangeConfig {
        submit_latency_ns: 10,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L3]);
    h.ex.set_auctions(0, &[100], &[]).unwrap();
    h.ex.submit(0, 0, &with_tif(lim(1, SELL, 10, 1), OPEN))
        .unwrap();
    h.ex.submit(90, 0, &with_tif(lim(2, BUY, 10, 1), OPEN))
        .unwrap(); // arrives at 100
    h.ex.submit(95, 0, &with_tif(lim(3, BUY, 10, 1), OPEN))
        .unwrap(); // arrives at 105
    h.t = 200;
    h.ex.advance(200).unwrap();
    let ev = h.ev();
    let (by, _) = filled_by_id(&ev);
    assert_eq!(by, vec![(1, 1), (2, 1)]);
    // Order 3 arrived after the only opening auction: rejected.
    assert!(ev.contains(&(REJ, 3, 0, 1, 0, 0, Reason::NoOpeningAuction)));
}

#[test]
fn auctions_are_deterministic() {
    let run = || {
        let mut h = auction_h();
        for i in 0..40_u64 {
            let side = if i % 3 == 0 { SELL } else { BUY };
            let price = 95 + (i * 7 % 11) as i64;
            h.send(with_tif(lim(i + 1, side, price, 1 + i % 5), OPEN));
        }
        h.step(T_OPEN)
    };
    let a = run();
    assert!(a.iter().any(|e| e.0 == FIL));
    assert_eq!(a, run());
}

#[test]
fn nothing_to_trade_cancels_every_collected_order() {
    let mut h = auction_h();
    // Best bid 99 below best ask 100: no uncross.
    h.send(with_tif(lim(1, BUY, 99, 2), OPEN));
    h.send(with_tif(lim(2, SELL, 100, 2), OPEN));
    h.send(with_tif(lim(3, SELL, 101, 2), OPEN));
    let ev = h.step(T_OPEN);
    assert_eq!(
        ev,
        vec![
            cxl(1, Reason::AuctionUnfilled),
            cxl(2, Reason::AuctionUnfilled),
            cxl(3, Reason::AuctionUnfilled)
        ]
    );
}

#[test]
fn reference_is_the_book_mid_without_a_trade_and_cancel_all_withdraws() {
    let mut h = auction_h();
    // Data book 90 / 110: mid 100. Market orders only: every price ties, 100 wins.
    h.ex.delta(0, 0, 1, 1, 90, 5, 1_000_000).unwrap();
    h.ex.delta(0, 0, 2, 1, 110, 5, 1_000_001).unwrap();
    h.ev();
    h.send(with_tif(mkt(1, BUY, 4), OPEN));
    h.send(with_tif(mkt(2, SELL, 4), OPEN));
    let mut other = with_tif(mkt(3, SELL, 4), OPEN);
    other.account = 7;
    h.send(other);
    h.ex.cancel_all(h.t, 0, 7, None).unwrap();
    assert_eq!(h.step(0), vec![cxl(3, Reason::Requested)]);
    let ev = h.step(T_OPEN);
    let (by, prices) = filled_by_id(&ev);
    assert_eq!(by, vec![(1, 4), (2, 4)]);
    assert!(prices.iter().all(|&p| p == 100));
    // The resting data is untouched by the auction.
    assert_eq!(h.ex.best_bid(0).unwrap(), Some((90, 5)));
}
