//! Commands, latency, time and expiry.

use super::*;

fn latency(submit: u64, modify: u64, cancel: u64) -> ExchangeConfig {
    ExchangeConfig {
        submit_latency_ns: submit,
        modify_latency_ns: modify,
        cancel_latency_ns: cancel,
        ..ExchangeConfig::default()
    }
}

#[test]
fn commands_act_when_time_reaches_their_arrival() {
    let mut h = H::with(latency(100, 50, 30), &[BookType::L3]);
    h.ex.submit(0, 0, &lim(1, BUY, 100, 5)).unwrap();
    assert!(h.step(0).is_empty()); // sent, not arrived
    assert!(h.step(99).is_empty());
    let ev = h.all();
    assert!(ev.is_empty());
    h.t = 100;
    h.ex.advance(100).unwrap();
    let ev = h.all();
    assert_eq!(ev.len(), 1);
    assert_eq!((ev[0].kind, ev[0].ts, ev[0].order_id), (ACC, 100, 1));
    // A cancel sent at 110 arrives at 140, overtaking a modify sent at 105 (arrives 155).
    h.ex.modify(105, 0, 1, Some(3), None, None).unwrap();
    h.ex.cancel(110, 0, 1).unwrap();
    h.t = 200;
    h.ex.advance(200).unwrap();
    let ev = h.all();
    assert_eq!(
        ev.iter()
            .map(|e| (e.kind, e.ts, e.reason))
            .collect::<Vec<_>>(),
        vec![
            (CXL, 140, Reason::Requested),
            (EventKind::ModifyRejected, 155, Reason::NotFound)
        ]
    );
}

#[test]
fn data_delivers_due_commands_before_it_applies() {
    let mut h = H::with(latency(10, 0, 0), &[BookType::L1]);
    h.ex.quote(0, 0, 100, 101, 5, 5).unwrap();
    h.ex.submit(0, 0, &mkt(1, BUY, 2)).unwrap();
    h.ex.quote(0, 5, 100, 102, 5, 5).unwrap();
    assert!(h.all().is_empty());
    // At 10 the order arrives, before the quote at 10 applies: it takes 102.
    h.ex.quote(0, 10, 100, 103, 5, 5).unwrap();
    let ev = h.all();
    assert_eq!(ev[1].price, 102);
    assert_eq!(ev[1].ts, 10);
    // Time never goes back.
    let err = h.ex.quote(0, 9, 1, 2, 1, 1).unwrap_err();
    assert_eq!(err.field, "ts");
    assert!(h.ex.advance(9).is_err());
}

#[test]
fn gtd_expires_at_its_time_even_without_data_and_before_a_command_then() {
    let mut h = H::new(BookType::L3);
    let gtd = SubmitArgs {
        tif: 4,
        expire_ns: 50,
        ..lim(1, BUY, 100, 5)
    };
    assert_eq!(h.send(gtd), vec![acc(1, 100, 5)]);
    // A cancel arriving at exactly 50 finds it expired.
    h.ex.cancel(50, 0, 1).unwrap();
    h.t = 60;
    h.ex.advance(60).unwrap();
    let ev = h.all();
    assert_eq!(
        ev.iter().map(|e| (e.kind, e.ts)).collect::<Vec<_>>(),
        vec![(EXP, 50), (CREJ, 50)]
    );
    // An expire time not after now is refused on arrival, naming the time.
    let late = SubmitArgs {
        tif: 4,
        expire_ns: 60,
        ..lim(2, BUY, 100, 5)
    };
    assert_eq!(
        h.send(late),
        vec![(REJ, 2, 0, 5, 60, 0, Reason::ExpireTimeInPast)]
    );
}

#[test]
fn day_orders_expire_at_the_cutoff() {
    let day = 86_400_000_000_000i64;
    let cfg = ExchangeConfig {
        day_cutoff_ns: 3_600_000_000_000,
        ..ExchangeConfig::default()
    };
    let mut h = H::with(cfg, &[BookType::L2]);
    h.t = 2 * day + 5;
    h.ex.advance(h.t).unwrap();
    h.send(with_tif(lim(1, BUY, 100, 1), 5));
    h.t = 2 * day + 3_600_000_000_000;
    h.ex.advance(h.t).unwrap();
    let ev = h.all();
    assert_eq!((ev[0].kind, ev[0].ts), (EXP, 2 * day + 3_600_000_000_000));
}

#[test]
fn bad_arguments_name_the_field_and_change_nothing() {
    let mut h = H::new(BookType::L2);
    let bad = |f: fn(&mut SubmitArgs)| {
        let mut a = lim(1, BUY, 100, 1);
        f(&mut a);
        a
    };
    let cases: Vec<(SubmitArgs, &str)> = vec![
        (bad(|a| a.side = 3), "side"),
        (bad(|a| a.order_type = 10), "order_type"),
        (bad(|a| a.tif = 0), "tif"),
        (bad(|a| a.trigger_type = 10), "trigger_type"),
        (bad(|a| a.trailing_offset_type = 4), "trailing_offset_type"),
        (bad(|a| a.order_id = 0), "order_id"),
        (bad(|a| a.account = u32::MAX), "account"),
    ];
    for (args, field) in cases {
        assert_eq!(h.ex.submit(0, 0, &args).unwrap_err().field, field);
    }
    assert_eq!(
        h.ex.submit(0, 1, &lim(1, BUY, 1, 1)).unwrap_err().field,
        "instrument"
    );
    assert_eq!(h.ex.delta(0, 0, 3, 1, 1, 1, 0).unwrap_err().field, "side");
    assert_eq!(h.ex.delta(0, 0, 0, 1, 1, 1, 0).unwrap_err().field, "side");
    assert_eq!(h.ex.delta(0, 0, 1, 5, 1, 1, 0).unwrap_err().field, "action");
    let mut l3 = H::new(BookType::L3);
    assert_eq!(
        l3.ex.delta(0, 0, 1, 1, 1, 1, 0).unwrap_err().field,
        "order_id"
    );
    // Batches are checked whole before anything applies.
    let e =
        h.ex.deltas(
            0,
            &[1, 2],
            &[1, 7],
            &[1, 1],
            &[5, 5],
            &[1, 1],
            &[0, 0],
            0,
            false,
        )
        .unwrap_err();
    assert_eq!(e.field, "side[1]");
    assert_eq!(h.bid(), None);
    let e =
        h.ex.quotes(0, &[5, 4], &[1, 1], &[2, 2], &[1, 1], &[1, 1], 0, false)
            .unwrap_err();
    assert_eq!(e.field, "ts[1]");
    let e =
        h.ex.quotes(0, &[5], &[1, 1], &[2], &[1], &[1], 0, false)
            .unwrap_err();
    assert_eq!(e.field, "columns");
    assert!(h.ev().is_empty());
}

#[test]
fn duplicate_ids_and_unknown_orders() {
    let mut h = H::new(BookType::L3);
    h.send(lim(1, BUY, 100, 1));
    assert_eq!(
        h.send(lim(1, BUY, 99, 1)),
        vec![(REJ, 1, 0, 1, 0, 0, Reason::DuplicateId)]
    );
    // The first is untouched.
    assert_eq!(h.cancel(1), vec![cxl(1, Reason::Requested)]);
    assert_eq!(h.cancel(1), vec![(CREJ, 1, 0, 0, 0, 0, Reason::NotFound)]);
    // The id may be used again once its order is done.
    assert_eq!(h.send(lim(1, BUY, 99, 1)), vec![acc(1, 99, 1)]);
    // Unsupported trigger type (INDEX_PRICE): rejected on arrival.
    let idx = SubmitArgs {
        trigger: Some(90),
        trigger_type: 9,
        ..order(5, SELL, 3, 1)
    };
    assert_eq!(
        h.send(idx),
        vec![(REJ, 5, 0, 1, 0, 0, Reason::TriggerTypeUnsupported)]
    );
}

#[test]
fn modify_and_cancel_all() {
    let mut h = H::new(BookType::L3);
    h.send(SubmitArgs {
        account: 7,
        ..lim(1, BUY, 100, 5)
    });
    h.send(SubmitArgs {
        account: 7,
        ..lim(2, SELL, 105, 5)
    });
    h.send(SubmitArgs {
        account: 8,
        ..lim(3, BUY, 99, 5)
    });
    assert_eq!(
        h.modify(1, Some(3), Some(101)),
        vec![(MOD, 1, 101, 3, 0, 0, Reason::None)]
    );
    h.ex.cancel_all(h.t, 0, 7, Some(crate::book::Side::Buy))
        .unwrap();
    assert_eq!(h.step(0), vec![cxl(1, Reason::Requested)]);
    assert_eq!(h.ex.open_order_ids(0).unwrap(), vec![2, 3]);
    h.ex.cancel_all(h.t, 0, 7, None).unwrap();
    assert_eq!(h.step(0), vec![cxl(2, Reason::Requested)]);
    assert_eq!(h.ex.open_order_ids(0).unwrap(), vec![3]);
}

#[test]
fn instruments_are_independent() {
    let mut h = H::with(ExchangeConfig::default(), &[BookType::L1, BookType::L2]);
    h.ex.quote(0, 1, 100, 101, 5, 5).unwrap();
    h.ex.delta(1, 1, 2, 1, 50, 3, 0).unwrap();
    h.t = 1;
    let e = h.send_on(1, mkt(1, BUY, 1));
    assert_eq!(e, vec![acc(1, 0, 1), dfill(1, 50, 1, TAKER)]);
    let ev: Vec<u32> = {
        h.ex.submit(1, 0, &mkt(2, BUY, 1)).unwrap();
        h.ex.advance(1).unwrap();
        h.all().iter().map(|e| e.instrument).collect()
    };
    assert_eq!(ev, vec![0, 0]);
    assert_eq!(h.ex.position(1, 1).unwrap(), 1);
    assert_eq!(h.ex.position(0, 1).unwrap(), 0);
}

#[test]
fn jitter_is_deterministic_per_seed() {
    let run = |seed: u64| {
        let cfg = ExchangeConfig {
            seed,
            submit_latency_ns: 10,
            cancel_latency_ns: 10,
            latency_jitter_ns: 20,
            ..ExchangeConfig::default()
        };
        let mut ex = Exchange::new(cfg);
        ex.add_instrument(BookType::L3);
        for i in 0..40u64 {
            ex.submit(
                i as i64,
                0,
                &lim(i + 1, if i % 2 == 0 { BUY } else { SELL }, 100, 1),
            )
            .unwrap();
            ex.cancel(i as i64, 0, i).unwrap();
        }
        ex.advance(1_000).unwrap();
        ex.drain().collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}
