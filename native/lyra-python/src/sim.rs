//! `SimCore` for Python: the simulated exchange of `lyra_engine::exchange`.

use std::time::Duration;

use lyra_engine::exchange::{
    self, BookType, Exchange, ExchangeConfig, InputError, SubmitArgs, reason_text as text_of,
};
use numpy::{
    Element, PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::{int_arg, invalid_input};

/// Batches shorter than this run without releasing the GIL (see `book.rs`).
const GIL_RELEASE_MIN: usize = 1024;

const I64: &str = "must fit in a signed 64-bit integer";
const U64: &str = "must be in 0..2**64";
const U32: &str = "must be in 0..2**32";
const U8: &str = "must be a small non-negative int (an enum code)";

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySimCore>()?;
    m.add_function(wrap_pyfunction!(reason_text, m)?)?;
    // Private: set as an attribute so that it stays out of `__all__`.
    m.setattr("_bench_matching", wrap_pyfunction!(_bench_matching, m)?)?;
    Ok(())
}

fn input_error(py: Python<'_>, e: InputError) -> PyErr {
    let value = e.value.into_pyobject(py).expect("int").into_any().unbind();
    invalid_input(e.field.into_owned(), e.rule.into_owned(), value)
}

/// Borrow a NumPy column as a slice: 1-D, C-contiguous, exactly `T`'s dtype.
pub(crate) fn column<'py, T: Element>(
    obj: &Bound<'py, PyAny>,
    field: &'static str,
    dtype: &'static str,
) -> PyResult<PyReadonlyArray1<'py, T>> {
    let rule = || format!("must be a 1-D C-contiguous numpy array of dtype {dtype}");
    let Ok(array) = obj.cast::<PyArray1<T>>() else {
        return Err(invalid_input(field, rule(), describe(obj)));
    };
    if !array.is_c_contiguous() {
        return Err(invalid_input(field, rule(), describe(obj)));
    }
    array.try_readonly().map_err(|_| {
        invalid_input(
            field,
            "is being written by another native call",
            describe(obj),
        )
    })
}

/// A short description of what was passed instead of the column asked for.
pub(crate) fn describe(obj: &Bound<'_, PyAny>) -> Py<PyAny> {
    let py = obj.py();
    let text = if let Ok(array) = obj.cast::<PyUntypedArray>() {
        let dtype = array
            .dtype()
            .str()
            .map_or_else(|_| "?".to_owned(), |s| s.to_string());
        format!("ndarray(dtype={dtype}, ndim={})", array.ndim())
    } else {
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |s| s.to_string())
    };
    text.into_pyobject(py).expect("str").into_any().unbind()
}

fn opt_i64(obj: Option<&Bound<'_, PyAny>>, field: &'static str) -> PyResult<Option<i64>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(int_arg(o, field, I64)?)),
        _ => Ok(None),
    }
}

fn opt_u64(obj: Option<&Bound<'_, PyAny>>, field: &'static str) -> PyResult<Option<u64>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(int_arg(o, field, U64)?)),
        _ => Ok(None),
    }
}

/// A simulated exchange: instruments moved by market data, on which orders match against
/// the data and against each other, with latency, GTD/DAY expiry, positions for
/// reduce-only and native OCO/OUO/OTO contingencies. The Rust core of
/// :class:`lyra.sim.SimulatedExchange`; see ``docs/explanation/simulated-exchange.md``.
///
/// Prices are ``int`` ticks, sizes ``int`` lots, times ``int`` nanoseconds, and every
/// enum argument is its ``lyra.model.enums`` value. Commands (:meth:`submit`,
/// :meth:`cancel`, :meth:`modify`, :meth:`cancel_all`) are sent at ``ts`` and act at
/// ``ts`` + latency, when time reaches it (:meth:`advance` or market data): never inside
/// the call that sends them. What happens comes back as events, drained in order with
/// :meth:`drain`. Same inputs and seed, same events.
///
/// A ``SimCore`` may be used from any thread, but not from two at once; independent
/// instances run in parallel (the batch methods release the GIL).
///
/// Args:
///     seed: seed of the latency jitter.
///     self_trade: what happens when two orders of one account would trade: 0 cancel the
///         incoming one, 1 cancel the resting one, 2 cancel both, 3 allow.
///     reject_stops_in_market: reject a conditional order whose trigger is already reached
///         (else it fires at once).
///     market_protection_ticks: market-style orders trade at most this many ticks through
///         the best opposite price (0: no limit).
///     day_cutoff_ns: nanoseconds after UTC midnight at which DAY orders expire.
///     submit_latency_ns: delay of a submit on its way to the exchange.
///     modify_latency_ns: delay of a modify.
///     cancel_latency_ns: delay of a cancel or cancel-all.
///     latency_jitter_ns: largest extra delay, drawn per command from ``seed``.
///     queue_model: where cancellations in an L1/L2 level come from: 0 pessimistic
///         (behind our orders), 1 proportional.
///     native_contingencies: allow :meth:`link` and :meth:`hold_until_filled`.
///
/// Raises:
///     InvalidInput: a code out of range.
///     ValueOutOfRange: a number outside its integer range.
#[pyclass(module = "lyra._native", name = "SimCore")]
pub(crate) struct PySimCore {
    pub(crate) inner: Exchange,
}

#[pymethods]
impl PySimCore {
    #[new]
    #[pyo3(
        signature = (
            *,
            seed = None,
            self_trade = None,
            reject_stops_in_market = true,
            market_protection_ticks = None,
            day_cutoff_ns = None,
            submit_latency_ns = None,
            modify_latency_ns = None,
            cancel_latency_ns = None,
            latency_jitter_ns = None,
            queue_model = None,
            native_contingencies = true,
        ),
        text_signature = "(*, seed=0, self_trade=0, reject_stops_in_market=True, market_protection_ticks=0, day_cutoff_ns=0, submit_latency_ns=0, modify_latency_ns=0, cancel_latency_ns=0, latency_jitter_ns=0, queue_model=0, native_contingencies=True)"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "the exchange's keyword arguments"
    )]
    fn new(
        py: Python<'_>,
        seed: Option<&Bound<'_, PyAny>>,
        self_trade: Option<&Bound<'_, PyAny>>,
        reject_stops_in_market: bool,
        market_protection_ticks: Option<&Bound<'_, PyAny>>,
        day_cutoff_ns: Option<&Bound<'_, PyAny>>,
        submit_latency_ns: Option<&Bound<'_, PyAny>>,
        modify_latency_ns: Option<&Bound<'_, PyAny>>,
        cancel_latency_ns: Option<&Bound<'_, PyAny>>,
        latency_jitter_ns: Option<&Bound<'_, PyAny>>,
        queue_model: Option<&Bound<'_, PyAny>>,
        native_contingencies: bool,
    ) -> PyResult<Self> {
        let u = |o: Option<&Bound<'_, PyAny>>, f: &'static str| {
            opt_u64(o, f).map(Option::unwrap_or_default)
        };
        let code = |o: Option<&Bound<'_, PyAny>>, f: &'static str| -> PyResult<u8> {
            match o {
                Some(o) if !o.is_none() => int_arg(o, f, U8),
                _ => Ok(0),
            }
        };
        let protection = u(market_protection_ticks, "market_protection_ticks")?;
        let cfg = ExchangeConfig {
            seed: u(seed, "seed")?,
            self_trade: exchange::self_trade(code(self_trade, "self_trade")?)
                .map_err(|e| input_error(py, e))?,
            reject_stops_in_market,
            market_protection_ticks: (protection != 0).then_some(protection),
            day_cutoff_ns: opt_i64(day_cutoff_ns, "day_cutoff_ns")?.unwrap_or(0),
            submit_latency_ns: u(submit_latency_ns, "submit_latency_ns")?,
            modify_latency_ns: u(modify_latency_ns, "modify_latency_ns")?,
            cancel_latency_ns: u(cancel_latency_ns, "cancel_latency_ns")?,
            latency_jitter_ns: u(latency_jitter_ns, "latency_jitter_ns")?,
            queue_model: exchange::queue_model(code(queue_model, "queue_model")?)
                .map_err(|e| input_error(py, e))?,
            native_contingencies,
        };
        Ok(Self {
            inner: Exchange::new(cfg),
        })
    }

    /// Add an instrument with book type ``book_type`` (1 ``L1_MBP``, 2 ``L2_MBP``,
    /// 3 ``L3_MBO``); return its index (0, 1, ...).
    ///
    /// Raises:
    ///     InvalidInput: an unknown book type.
    fn add_instrument(&mut self, book_type: &Bound<'_, PyAny>) -> PyResult<u32> {
        let code: u8 = int_arg(book_type, "book_type", U8)?;
        let bt = BookType::from_code(code).map_err(|e| input_error(book_type.py(), e))?;
        Ok(self.inner.add_instrument(bt))
    }

    /// Send a new order at ``ts``; it arrives at ``ts`` + submit latency.
    ///
    /// ``price``, ``trigger`` and ``activation`` are ticks or None; ``expire_ns`` 0,
    /// ``display_qty`` 0 and ``trailing_offset_type`` 0 mean none; ``trailing_offset`` is
    /// in ticks (types 1 and 3) or basis points (type 2); ``limit_offset`` in ticks.
    /// Codes and integer ranges are checked here; the order's rules are checked on
    /// arrival, where a broken one is a ``REJECTED`` event naming it.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument or code, ``order_id`` 0, or the account
    ///         reserved for market data (``2**32 - 1``).
    ///     ValueOutOfRange: a number outside its integer range.
    #[pyo3(signature = (
        ts, instrument, order_id, account, side, order_type, tif, qty, price = None,
        trigger = None, trigger_type = None, expire_ns = None, display_qty = None,
        post_only = false, reduce_only = false, trailing_offset = None,
        trailing_offset_type = None, limit_offset = None, activation = None
    ), text_signature = "($self, ts, instrument, order_id, account, side, order_type, tif, qty, price=None, trigger=None, trigger_type=1, expire_ns=0, display_qty=0, post_only=False, reduce_only=False, trailing_offset=0, trailing_offset_type=0, limit_offset=0, activation=None)")]
    #[allow(clippy::too_many_arguments, reason = "the order's fields")]
    fn submit(
        &mut self,
        ts: &Bound<'_, PyAny>,
        instrument: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
        side: &Bound<'_, PyAny>,
        order_type: &Bound<'_, PyAny>,
        tif: &Bound<'_, PyAny>,
        qty: &Bound<'_, PyAny>,
        price: Option<&Bound<'_, PyAny>>,
        trigger: Option<&Bound<'_, PyAny>>,
        trigger_type: Option<&Bound<'_, PyAny>>,
        expire_ns: Option<&Bound<'_, PyAny>>,
        display_qty: Option<&Bound<'_, PyAny>>,
        post_only: bool,
        reduce_only: bool,
        trailing_offset: Option<&Bound<'_, PyAny>>,
        trailing_offset_type: Option<&Bound<'_, PyAny>>,
        limit_offset: Option<&Bound<'_, PyAny>>,
        activation: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let small = |o: Option<&Bound<'_, PyAny>>, f: &'static str, d: u8| -> PyResult<u8> {
            match o {
                Some(o) if !o.is_none() => int_arg(o, f, U8),
                _ => Ok(d),
            }
        };
        let args = SubmitArgs {
            order_id: int_arg(order_id, "order_id", U64)?,
            account: int_arg(account, "account", U32)?,
            side: int_arg(side, "side", U8)?,
            order_type: int_arg(order_type, "order_type", U8)?,
            tif: int_arg(tif, "tif", U8)?,
            qty: int_arg(qty, "qty", U64)?,
            price: opt_i64(price, "price")?,
            trigger: opt_i64(trigger, "trigger")?,
            trigger_type: small(trigger_type, "trigger_type", 1)?,
            expire_ns: opt_i64(expire_ns, "expire_ns")?.unwrap_or(0),
            display_qty: opt_u64(display_qty, "display_qty")?.unwrap_or(0),
            post_only,
            reduce_only,
            trailing_offset: opt_u64(trailing_offset, "trailing_offset")?.unwrap_or(0),
            trailing_offset_type: small(trailing_offset_type, "trailing_offset_type", 0)?,
            limit_offset: opt_u64(limit_offset, "limit_offset")?.unwrap_or(0),
            activation: opt_i64(activation, "activation")?,
        };
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        self.inner
            .submit(ts, inst, &args)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// Send a cancel of order ``order_id`` at ``ts`` (arrives after the cancel latency).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    ///     ValueOutOfRange: a number outside its integer range.
    fn cancel(
        &mut self,
        ts: &Bound<'_, PyAny>,
        instrument: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let id: u64 = int_arg(order_id, "order_id", U64)?;
        self.inner
            .cancel(ts, inst, id)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// Send a modify of order ``order_id`` at ``ts``: new total ``qty``, limit ``price``
    /// and/or ``trigger`` (None keeps the current value).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    ///     ValueOutOfRange: a number outside its integer range.
    #[pyo3(signature = (ts, instrument, order_id, qty = None, price = None, trigger = None))]
    fn modify(
        &mut self,
        ts: &Bound<'_, PyAny>,
        instrument: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
        qty: Option<&Bound<'_, PyAny>>,
        price: Option<&Bound<'_, PyAny>>,
        trigger: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let id: u64 = int_arg(order_id, "order_id", U64)?;
        let qty = opt_u64(qty, "qty")?;
        let price = opt_i64(price, "price")?;
        let trigger = opt_i64(trigger, "trigger")?;
        self.inner
            .modify(ts, inst, id, qty, price, trigger)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// Send a cancel of every open order of ``account`` on ``instrument`` at ``ts``
    /// (``side`` 1 or 2: only that side's; 0: both). Orders are canceled in id order.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument or side.
    ///     ValueOutOfRange: a number outside its integer range.
    #[pyo3(signature = (ts, instrument, account, side = None), text_signature = "($self, ts, instrument, account, side=0)")]
    fn cancel_all(
        &mut self,
        ts: &Bound<'_, PyAny>,
        instrument: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
        side: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = instrument.py();
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let account: u32 = int_arg(account, "account", U32)?;
        let code: u8 = match side {
            Some(s) if !s.is_none() => int_arg(s, "side", U8)?,
            _ => 0,
        };
        let side = match code {
            0 => None,
            c => Some(exchange::side("side", c).map_err(|e| input_error(py, e))?),
        };
        self.inner
            .cancel_all(ts, inst, account, side)
            .map_err(|e| input_error(py, e))
    }

    /// Link orders (sent and not yet arrived, or live with nothing filled, all on one
    /// instrument) into an OCO (``kind`` 1) or OUO (``kind`` 3) group, at once.
    ///
    /// OCO: the first fill of one, partial or full, cancels the others. OUO: a fill of
    /// one reduces the others' open quantity by as much (``UPDATED``); one left with
    /// nothing is canceled. Either: one canceled, expired or rejected cancels the rest.
    ///
    /// Raises:
    ///     InvalidInput: native contingencies are off, an unknown kind, or an order that
    ///         is unknown, already linked, filled, or on another instrument (the field
    ///         names it: ``"order_ids[1]"``).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 hands a list over as a Vec"
    )]
    fn link(&mut self, kind: &Bound<'_, PyAny>, order_ids: Vec<u64>) -> PyResult<()> {
        let py = kind.py();
        let code: u8 = int_arg(kind, "kind", U8)?;
        let kind = exchange::link_kind(code).map_err(|e| input_error(py, e))?;
        self.inner
            .link(kind, &order_ids)
            .map_err(|e| input_error(py, e))
    }

    /// Hold orders sent earlier (and not arrived yet) as OTO children of ``parent_id``.
    ///
    /// On arrival they wait off the book until the parent fills, then are released
    /// (``RELEASED``, which acknowledges them) sized to the parent's filled quantity, and
    /// grow (``UPDATED``) with its later fills, up to their own quantity. If the parent
    /// ends with nothing filled they are canceled.
    ///
    /// Raises:
    ///     InvalidInput: native contingencies are off, an unknown parent, or a child that
    ///         is unknown, already arrived, already a child, or repeated.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 hands a list over as a Vec"
    )]
    fn hold_until_filled(
        &mut self,
        py: Python<'_>,
        parent_id: u64,
        child_ids: Vec<u64>,
    ) -> PyResult<()> {
        self.inner
            .hold_until_filled(parent_id, &child_ids)
            .map_err(|e| input_error(py, e))
    }

    /// Set the times (ns) of ``instrument``'s opening and closing call auctions, replacing
    /// earlier ones; an empty list means none.
    ///
    /// An order with time in force 6 (``AT_THE_OPEN``) or 7 (``AT_THE_CLOSE``) arriving at
    /// or before the next auction of its kind is collected for it (``ACCEPTED``, ``aux`` the
    /// auction's time; not in the book); with none ahead it is ``REJECTED``
    /// (``NO_OPENING_AUCTION`` / ``NO_CLOSING_AUCTION``). When time reaches the auction
    /// (after the commands and expiries due at that time) the collected orders uncross
    /// against each other at the price that maximises volume (ties: smallest imbalance,
    /// then closest to the reference: last trade, else book mid, else mid of the best
    /// collected limits); fills are ``FILLED`` as maker with no counterparty id, and what
    /// is left is ``CANCELED`` (``AUCTION_UNFILLED``).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "pyo3 hands a list over as a Vec"
    )]
    fn set_auctions(
        &mut self,
        py: Python<'_>,
        instrument: u32,
        opens: Vec<i64>,
        closes: Vec<i64>,
    ) -> PyResult<()> {
        self.inner
            .set_auctions(instrument, &opens, &closes)
            .map_err(|e| input_error(py, e))
    }

    /// Set ``account``'s signed position on ``instrument`` in lots (for reduce-only).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    fn set_position(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
        lots: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let account: u32 = int_arg(account, "account", U32)?;
        let lots: i64 = int_arg(lots, "lots", I64)?;
        self.inner
            .set_position(inst, account, lots)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// ``account``'s signed position on ``instrument`` in lots (long positive), kept from
    /// every fill.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    fn position(&self, instrument: &Bound<'_, PyAny>, account: &Bound<'_, PyAny>) -> PyResult<i64> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let account: u32 = int_arg(account, "account", U32)?;
        self.inner
            .position(inst, account)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// A top-of-book quote at ``ts`` for an ``L1_MBP`` instrument (L2/L3 instruments
    /// ignore it, but time moves). Due commands and expiries are handled first.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument, or ``ts`` before :attr:`now`.
    ///     ValueOutOfRange: a number outside its integer range.
    fn quote(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        bid: &Bound<'_, PyAny>,
        ask: &Bound<'_, PyAny>,
        bid_size: &Bound<'_, PyAny>,
        ask_size: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let bid: i64 = int_arg(bid, "bid", I64)?;
        let ask: i64 = int_arg(ask, "ask", I64)?;
        let bsz: u64 = int_arg(bid_size, "bid_size", U64)?;
        let asz: u64 = int_arg(ask_size, "ask_size", U64)?;
        self.inner
            .quote(inst, ts, bid, ask, bsz, asz)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// A trade print at ``ts``: ``size`` lots at ``price``; ``aggressor`` 1 (buyer: it
    /// reaches resting sells), 2 (seller: resting buys) or 0 (both).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument or aggressor, or ``ts`` before :attr:`now`.
    ///     ValueOutOfRange: a number outside its integer range.
    fn trade(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        aggressor: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = instrument.py();
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let price: i64 = int_arg(price, "price", I64)?;
        let size: u64 = int_arg(size, "size", U64)?;
        let code: u8 = int_arg(aggressor, "aggressor", U8)?;
        let a = exchange::aggressor(code).map_err(|e| input_error(py, e))?;
        self.inner
            .trade(inst, ts, price, size, a)
            .map_err(|e| input_error(py, e))
    }

    /// A book delta at ``ts`` for an ``L2_MBP`` or ``L3_MBO`` instrument (L1 instruments
    /// ignore it, but time moves). ``side`` 1/2 (0 only with ``CLEAR``), ``action`` 1
    /// ``ADD``, 2 ``UPDATE``, 3 ``DELETE``, 4 ``CLEAR``; L2 sizes are the level's total,
    /// L3 deltas name the data order with ``order_id`` (positive).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument, side or action, a missing L3 order id, or
    ///         ``ts`` before :attr:`now`.
    ///     ValueOutOfRange: a number outside its integer range.
    #[pyo3(signature = (instrument, ts, side, action, price, size, order_id = None), text_signature = "($self, instrument, ts, side, action, price, size, order_id=0)")]
    #[allow(clippy::too_many_arguments, reason = "the delta's fields")]
    fn delta(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        side: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        order_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let side: u8 = int_arg(side, "side", U8)?;
        let action: u8 = int_arg(action, "action", U8)?;
        let price: i64 = int_arg(price, "price", I64)?;
        let size: u64 = int_arg(size, "size", U64)?;
        let id = opt_u64(order_id, "order_id")?.unwrap_or(0);
        self.inner
            .delta(inst, ts, side, action, price, size, id)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// A mark price at ``ts`` (for ``MARK_PRICE`` triggers).
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument, or ``ts`` before :attr:`now`.
    ///     ValueOutOfRange: a number outside its integer range.
    fn mark(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts: i64 = int_arg(ts, "ts", I64)?;
        let price: i64 = int_arg(price, "price", I64)?;
        self.inner
            .mark(inst, ts, price)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// Quotes from NumPy columns (``ts``, ``bid``, ``ask`` int64; sizes uint64), rows
    /// ``start`` to the end in order, as :meth:`quote` one by one; with
    /// ``stop_on_event`` return right after the first row that produced an event. Returns
    /// the index after the last row processed. The columns are checked first (a bad one
    /// changes nothing); the GIL is released for 1024 rows or more.
    ///
    /// Raises:
    ///     InvalidInput: a column of the wrong type, dtype or layout, columns of different
    ///         lengths, ``start`` past the end, or time going back (``"ts[7]"``).
    #[pyo3(signature = (instrument, ts, bid, ask, bid_size, ask_size, start = 0, stop_on_event = false))]
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    fn quotes(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        bid: &Bound<'_, PyAny>,
        ask: &Bound<'_, PyAny>,
        bid_size: &Bound<'_, PyAny>,
        ask_size: &Bound<'_, PyAny>,
        start: usize,
        stop_on_event: bool,
    ) -> PyResult<usize> {
        let py = instrument.py();
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts = column::<i64>(ts, "ts", "int64")?;
        let bid = column::<i64>(bid, "bid", "int64")?;
        let ask = column::<i64>(ask, "ask", "int64")?;
        let bsz = column::<u64>(bid_size, "bid_size", "uint64")?;
        let asz = column::<u64>(ask_size, "ask_size", "uint64")?;
        let c = (
            ts.as_slice()?,
            bid.as_slice()?,
            ask.as_slice()?,
            bsz.as_slice()?,
            asz.as_slice()?,
        );
        let ex = &mut self.inner;
        let mut run = move || ex.quotes(inst, c.0, c.1, c.2, c.3, c.4, start, stop_on_event);
        let rows = c.0.len().saturating_sub(start);
        let result = if rows >= GIL_RELEASE_MIN {
            py.detach(run)
        } else {
            run()
        };
        result.map_err(|e| input_error(py, e))
    }

    /// Trades from NumPy columns (``ts``, ``price`` int64, ``size`` uint64,
    /// ``aggressor`` uint8), as :meth:`trade` one by one; see :meth:`quotes`.
    ///
    /// Raises:
    ///     InvalidInput: as :meth:`quotes`, or an invalid aggressor (``"aggressor[3]"``).
    #[pyo3(signature = (instrument, ts, price, size, aggressor, start = 0, stop_on_event = false))]
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    fn trades(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        aggressor: &Bound<'_, PyAny>,
        start: usize,
        stop_on_event: bool,
    ) -> PyResult<usize> {
        let py = instrument.py();
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts = column::<i64>(ts, "ts", "int64")?;
        let price = column::<i64>(price, "price", "int64")?;
        let size = column::<u64>(size, "size", "uint64")?;
        let aggr = column::<u8>(aggressor, "aggressor", "uint8")?;
        let c = (
            ts.as_slice()?,
            price.as_slice()?,
            size.as_slice()?,
            aggr.as_slice()?,
        );
        let ex = &mut self.inner;
        let mut run = move || ex.trades(inst, c.0, c.1, c.2, c.3, start, stop_on_event);
        let rows = c.0.len().saturating_sub(start);
        let result = if rows >= GIL_RELEASE_MIN {
            py.detach(run)
        } else {
            run()
        };
        result.map_err(|e| input_error(py, e))
    }

    /// Deltas from NumPy columns (``ts``, ``price`` int64; ``side``, ``action`` uint8;
    /// ``size``, ``order_id`` uint64), as :meth:`delta` one by one; see :meth:`quotes`.
    ///
    /// Raises:
    ///     InvalidInput: as :meth:`quotes`, or an invalid side/action/order id
    ///         (``"side[12]"``).
    #[pyo3(signature = (instrument, ts, side, action, price, size, order_id, start = 0, stop_on_event = false))]
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    fn deltas(
        &mut self,
        instrument: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        side: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
        start: usize,
        stop_on_event: bool,
    ) -> PyResult<usize> {
        let py = instrument.py();
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        let ts = column::<i64>(ts, "ts", "int64")?;
        let side = column::<u8>(side, "side", "uint8")?;
        let action = column::<u8>(action, "action", "uint8")?;
        let price = column::<i64>(price, "price", "int64")?;
        let size = column::<u64>(size, "size", "uint64")?;
        let id = column::<u64>(order_id, "order_id", "uint64")?;
        let c = (
            ts.as_slice()?,
            side.as_slice()?,
            action.as_slice()?,
            price.as_slice()?,
            size.as_slice()?,
            id.as_slice()?,
        );
        let ex = &mut self.inner;
        let mut run = move || ex.deltas(inst, c.0, c.1, c.2, c.3, c.4, c.5, start, stop_on_event);
        let rows = c.0.len().saturating_sub(start);
        let result = if rows >= GIL_RELEASE_MIN {
            py.detach(run)
        } else {
            run()
        };
        result.map_err(|e| input_error(py, e))
    }

    /// Move time to ``ts``: deliver every command that has arrived and expire every
    /// GTD/DAY order due, in time order (an expiry before a command at the same time).
    ///
    /// Raises:
    ///     InvalidInput: ``ts`` before :attr:`now`.
    fn advance(&mut self, ts: &Bound<'_, PyAny>) -> PyResult<()> {
        let t: i64 = int_arg(ts, "ts", I64)?;
        self.inner.advance(t).map_err(|e| input_error(ts.py(), e))
    }

    /// The exchange's time in nanoseconds (the latest data or :meth:`advance` time).
    #[getter]
    fn now(&self) -> i64 {
        self.inner.now()
    }

    /// Take every event, in the order they happened, as tuples ``(kind, ts, instrument,
    /// order_id, account, price, qty, liquidity_or_aux, other_id, reason)``.
    ///
    /// ``kind``: 1 ``ACCEPTED`` (price, qty as accepted), 2 ``REJECTED``, 3 ``FILLED``
    /// (price, qty of the fill; aux 1 maker / 2 taker; other_id the counterparty, 0 for
    /// market data), 4 ``CANCELED``, 5 ``EXPIRED``, 6 ``TRIGGERED``, 7 ``UPDATED``
    /// (changed by the exchange: price, qty = new total, aux = trigger), 8 ``MODIFIED``
    /// (price, qty, aux = trigger), 9 ``MODIFY_REJECTED``, 10 ``CANCEL_REJECTED``,
    /// 11 ``RELEASED`` (a held OTO child entered the book, with qty: its acknowledgement).
    /// ``reason`` is 0 or a code for :func:`reason_text`; a refusal's parameter (the best
    /// price, the position, ...) is in aux.
    fn drain<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Bound<'py, PyTuple>> = self
            .inner
            .drain()
            .map(|e| e.tuple().into_pyobject(py))
            .collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }

    /// Number of events not drained yet.
    fn pending_events(&self) -> usize {
        self.inner.pending_events()
    }

    /// The best bid as ``(price, size)`` as the exchange sees it (market data and orders
    /// together), or None.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    fn best_bid(&mut self, instrument: &Bound<'_, PyAny>) -> PyResult<Option<(i64, u64)>> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        self.inner
            .best_bid(inst)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// The best ask as ``(price, size)`` as the exchange sees it, or None.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    fn best_ask(&mut self, instrument: &Bound<'_, PyAny>) -> PyResult<Option<(i64, u64)>> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        self.inner
            .best_ask(inst)
            .map_err(|e| input_error(instrument.py(), e))
    }

    /// Ids of the open orders of ``instrument`` (resting, waiting for a trigger, or held
    /// as OTO children), ascending.
    ///
    /// Raises:
    ///     InvalidInput: an unknown instrument.
    fn open_order_ids(&self, instrument: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
        let inst: u32 = int_arg(instrument, "instrument", U32)?;
        self.inner
            .open_order_ids(inst)
            .map_err(|e| input_error(instrument.py(), e))
    }

    fn __repr__(&self) -> String {
        format!(
            "SimCore(instruments={}, now={}, pending_events={})",
            self.inner.instruments(),
            self.inner.now(),
            self.inner.pending_events()
        )
    }
}

/// The text of an event's ``reason`` code (``"NAME: explanation"``).
///
/// Raises:
///     InvalidInput: a code that names no reason.
#[pyfunction]
fn reason_text(code: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    let c: u16 = int_arg(code, "code", "must be a reason code (0..=65535)")?;
    text_of(c).ok_or_else(|| {
        invalid_input(
            "code",
            "must be a reason code of SimCore events",
            code.clone().unbind(),
        )
    })
}

/// Time ``n_ops`` commands of a fixed-seed limit/cancel/market mix run through a
/// ``SimCore``-equivalent exchange entirely in Rust; return the seconds taken (for the
/// benchmarks).
#[pyfunction]
fn _bench_matching(
    py: Python<'_>,
    n_ops: &Bound<'_, PyAny>,
    seed: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let n: u64 = int_arg(n_ops, "n_ops", U64)?;
    let seed: u64 = int_arg(seed, "seed", U64)?;
    let out = py.detach(|| exchange::bench::matching_mix(n, seed));
    Ok(Duration::as_secs_f64(&out.elapsed))
}
