//! L1: quotes set the top of book; traders' orders meet it.

use super::*;

#[test]
fn quotes_are_the_market_and_produce_no_events() {
    let mut h = H::new(BookType::L1);
    assert_eq!(h.bid(), None);
    assert!(h.quote(100, 102, 7, 9).is_empty());
    assert_eq!((h.bid(), h.ask()), (Some((100, 7)), Some((102, 9))));
    assert!(h.quote(101, 102, 3, 4).is_empty());
    assert_eq!((h.bid(), h.ask()), (Some((101, 3)), Some((102, 4))));
    assert_eq!(h.ex.now(), 2);
}

#[test]
fn market_order_takes_the_displayed_size_then_runs_out() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 5, 5);
    assert_eq!(
        h.send(mkt(1, BUY, 8)),
        vec![
            acc(1, 0, 8),
            dfill(1, 101, 5, TAKER),
            cxl(1, Reason::NoLiquidity)
        ]
    );
    assert_eq!(h.pos(1), 5);
    // The displayed size stays taken until a quote shows more.
    assert_eq!(h.ask(), None);
    assert_eq!(
        h.send(mkt(2, BUY, 1)),
        vec![acc(2, 0, 1), cxl(2, Reason::NoLiquidity)]
    );
    h.quote(100, 101, 5, 5); // same size: nothing new
    assert_eq!(h.ask(), None);
    h.quote(100, 101, 5, 7); // two more lots shown
    assert_eq!(h.ask(), Some((101, 2)));
    h.quote(100, 102, 5, 4); // a new price level: all of it
    assert_eq!(h.ask(), Some((102, 4)));
}

#[test]
fn marketable_limit_takes_at_the_quote_and_rests_the_rest() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 5, 5);
    assert_eq!(
        h.send(lim(1, BUY, 103, 8)),
        vec![acc(1, 103, 8), dfill(1, 101, 5, TAKER)]
    );
    // The rest (3) rests at 103: now the best bid.
    assert_eq!(h.bid(), Some((103, 3)));
}

#[test]
fn resting_buy_at_the_bid_fills_only_when_the_ask_reaches_it() {
    // NautilusTrader conformance scenario 1, with Lyra's size-aware touch.
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 10, 10);
    assert_eq!(h.send(lim(1, BUY, 100, 6)), vec![acc(1, 100, 6)]);
    assert!(h.quote(100, 101, 20, 10).is_empty());
    assert!(h.quote(100, 102, 5, 10).is_empty());
    // The ask comes down to our price with 2 lots: they trade with us, as the maker.
    assert_eq!(h.quote(99, 100, 10, 2), vec![dfill(1, 100, 2, MAKER)]);
    // Same quote again: nothing new at 100.
    assert!(h.quote(99, 100, 10, 2).is_empty());
    // The ask goes through our price: the rest fills, at our price.
    assert_eq!(h.quote(98, 99, 10, 1), vec![dfill(1, 100, 4, MAKER)]);
    assert_eq!(h.pos(1), 6);
}

#[test]
fn queue_position_at_the_bid_follows_trades_and_size() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 10, 10);
    h.send(lim(1, BUY, 100, 5)); // 10 ahead
    assert!(h.trade(100, 6, SELL).is_empty()); // 4 ahead
    assert!(h.quote(100, 101, 4, 10).is_empty()); // the trade explains the drop
    assert!(h.quote(100, 101, 12, 10).is_empty()); // 8 join behind us
    assert!(h.quote(100, 101, 9, 10).is_empty()); // 3 cancel: from behind (pessimistic)
    assert_eq!(h.trade(100, 7, SELL), vec![dfill(1, 100, 3, MAKER)]);
    // A buyer's trade does not reach bids.
    assert!(h.trade(100, 50, BUY).is_empty());
    // A sell below our price went through us: all the rest.
    assert_eq!(h.trade(99, 1, SELL), vec![dfill(1, 100, 2, MAKER)]);
}

#[test]
fn proportional_cancellations_move_us_up() {
    let cfg = ExchangeConfig {
        queue_model: QueueModel::Proportional,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L1]);
    h.quote(100, 101, 10, 10);
    h.send(lim(1, BUY, 100, 5)); // 10 ahead, 0 behind
    h.quote(100, 101, 20, 10); // 10 behind
    h.quote(100, 101, 10, 10); // 10 cancel of 20: 5 from ahead → 5 ahead
    assert_eq!(h.trade(100, 7, SELL), vec![dfill(1, 100, 2, MAKER)]);
}

#[test]
fn a_level_reached_from_above_is_ahead_from_below_behind() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 102, 10, 10);
    h.send(lim(1, BUY, 99, 5)); // below the bid: alone at 99 for now
    h.send(lim(2, BUY, 101, 5)); // inside the spread: the best bid
    assert_eq!(h.bid(), Some((101, 5)));
    // The bid falls to 99: those 8 lots were there before (unseen by L1): ahead of us.
    assert!(h.quote(99, 102, 8, 10).is_empty());
    // A sell at 99 went through order 2 at 101; at 99 it meets the 8 lots ahead first.
    assert_eq!(h.trade(99, 8, SELL), vec![dfill(2, 101, 5, MAKER)]);
    assert_eq!(h.trade(99, 3, SELL), vec![dfill(1, 99, 3, MAKER)]);
    // The bid rises to our price from below: those lots are new, behind us.
    let mut h = H::new(BookType::L1);
    h.quote(100, 103, 10, 10);
    h.send(lim(1, BUY, 101, 5));
    h.quote(101, 103, 8, 10);
    assert_eq!(h.trade(101, 3, SELL), vec![dfill(1, 101, 3, MAKER)]);
}

#[test]
fn a_bid_above_our_ask_fills_it_completely() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 102, 10, 10);
    h.send(lim(1, SELL, 101, 50));
    // The bid jumps to 103 with 2 lots: the market went through us.
    assert_eq!(h.quote(103, 104, 2, 10), vec![dfill(1, 101, 50, MAKER)]);
    assert_eq!(h.pos(1), -50);
    // The bid's 2 lots are still there for others.
    assert_eq!(h.bid(), Some((103, 2)));
}

#[test]
fn ioc_and_fok() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 5, 5);
    // Conformance scenario 2: a non-marketable IOC is accepted, then canceled.
    assert_eq!(
        h.send(with_tif(lim(1, BUY, 100, 3), 2)),
        vec![acc(1, 100, 3), cxl(1, Reason::ImmediateOrCancel)]
    );
    // Scenario 3: FOK larger than the top: canceled with no fills.
    assert_eq!(
        h.send(with_tif(lim(2, BUY, 101, 6), 3)),
        vec![acc(2, 101, 6), cxl(2, Reason::FillOrKill)]
    );
    assert_eq!(
        h.send(with_tif(lim(3, BUY, 101, 5), 3)),
        vec![acc(3, 101, 5), dfill(3, 101, 5, TAKER)]
    );
}

#[test]
fn traders_match_each_other_and_the_data_in_price_order() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 103, 5, 5);
    h.send(lim(1, SELL, 102, 2)); // better than the data's 103
    let mut want = vec![acc(2, 0, 4)];
    want.extend(fills(2, 1, 102, 2));
    want.push(dfill(2, 103, 2, TAKER));
    assert_eq!(h.send(mkt(2, BUY, 4)), want);
    assert_eq!((h.pos(1), h.pos(2)), (-2, 4));
}

#[test]
fn stops_trigger_on_quotes_and_last_price_on_trades() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 5, 5);
    let stop = SubmitArgs {
        trigger: Some(103),
        ..order(1, BUY, 3, 2)
    };
    assert_eq!(h.send(stop), vec![acc(1, 0, 2)]);
    let on_last = SubmitArgs {
        trigger: Some(95),
        trigger_type: 3,
        ..order(2, SELL, 3, 1)
    };
    assert_eq!(h.send(on_last), vec![acc(2, 0, 1)]);
    // The ask reaches 103: the stop fires and buys the displayed 103.
    assert_eq!(
        h.quote(102, 103, 5, 1),
        vec![
            (TRG, 1, 0, 0, 0, 0, Reason::None),
            dfill(1, 103, 1, TAKER),
            cxl(1, Reason::NoLiquidity)
        ]
    );
    // A trade at 95 fires the last-price stop: it sells into the bid.
    assert_eq!(
        h.trade(95, 1, SELL),
        vec![(TRG, 2, 0, 0, 0, 0, Reason::None), dfill(2, 102, 1, TAKER)]
    );
}

#[test]
fn reduce_only_uses_positions_from_data_fills() {
    let mut h = H::new(BookType::L1);
    h.quote(100, 101, 50, 50);
    h.send(mkt(1, BUY, 3));
    assert_eq!(h.pos(1), 3);
    let ro = SubmitArgs {
        reduce_only: true,
        ..mkt(2, SELL, 5)
    };
    let ro = SubmitArgs { account: 1, ..ro };
    assert_eq!(
        h.send(ro),
        vec![
            acc(2, 0, 5),
            dfill(2, 100, 3, TAKER),
            cxl(2, Reason::ReduceOnly)
        ]
    );
    assert_eq!(h.pos(1), 0);
    h.ex.set_position(0, 7, -2).unwrap();
    assert_eq!(h.pos(7), -2);
}
