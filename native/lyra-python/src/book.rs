//! `L2Book` for Python.

use lyra_engine::book::{
    self, ADD, BUY, BatchError, CLEAR, DELETE, DeltaError, L2Book, NO_SIDE, SELL, Side, UPDATE,
};
use numpy::{
    Element, PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use crate::errors::{int_arg, invalid_input};

/// Batches shorter than this run without releasing the GIL: re-acquiring it can wait
/// for another thread's switch interval, which costs more than such a batch takes.
const GIL_RELEASE_MIN: usize = 1024;

const SIDE_RULE: &str = "must be 1 (BUY) or 2 (SELL)";
const ACTION_RULE: &str = "must be 1 (ADD), 2 (UPDATE), 3 (DELETE) or 4 (CLEAR)";
const PRICE_RULE: &str = "must fit in a signed 64-bit integer (ticks)";
const SIZE_RULE: &str = "must be in 0..2**64 (lots)";

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyL2Book>()?;
    m.add("NO_SIDE", NO_SIDE)?;
    m.add("BUY", BUY)?;
    m.add("SELL", SELL)?;
    m.add("ADD", ADD)?;
    m.add("UPDATE", UPDATE)?;
    m.add("DELETE", DELETE)?;
    m.add("CLEAR", CLEAR)?;
    m.add("DEFAULT_MAX_WINDOW", book::DEFAULT_MAX_WINDOW)?;
    Ok(())
}

/// A price-level (market-by-price, "L2") order book on integer ticks and lots.
///
/// Prices are ``int`` ticks (any signed 64-bit value, negative included) and sizes ``int``
/// lots (unsigned 64-bit); each level holds one aggregate size. A delta is
/// ``(side, action, price, size)``:
///
/// * ``ADD`` and ``UPDATE`` both set the level's size, creating the level if needed;
///   size 0 removes the level.
/// * ``DELETE`` removes the level; deleting a missing level is a no-op counted in
///   :attr:`missing_deletes`.
/// * ``CLEAR`` empties side ``BUY`` or ``SELL``, or the whole book with ``NO_SIDE``.
/// * Any other side or action code raises :class:`~lyra.errors.InvalidInput` and leaves the
///   book unchanged.
///
/// The book mirrors its feed and does not check that it is uncrossed. A book may be used
/// from any thread, but not from two at once: a call made while another thread is inside
/// :meth:`apply_batch` on the same book raises ``RuntimeError`` (already borrowed).
///
/// Args:
///     max_window: largest dense window per side, in ticks (rounded up to a power of two,
///         at least 64). Levels further below the best than half of it are kept in a
///         slower sorted map; results are identical either way.
#[pyclass(module = "lyra._native", name = "L2Book")]
pub(crate) struct PyL2Book {
    inner: L2Book,
}

fn delta_error(py: Python<'_>, err: DeltaError, at: Option<usize>) -> PyErr {
    let name = |field: &str| at.map_or_else(|| field.to_owned(), |i| format!("{field}[{i}]"));
    match err {
        DeltaError::InvalidSide { side, .. } if side == NO_SIDE => invalid_input(
            name("side"),
            "0 (NO_SIDE) is only valid with action 4 (CLEAR)",
            side.into_pyobject(py).expect("int").into_any().unbind(),
        ),
        DeltaError::InvalidSide { side, .. } => invalid_input(
            name("side"),
            SIDE_RULE,
            side.into_pyobject(py).expect("int").into_any().unbind(),
        ),
        DeltaError::InvalidAction { action } => invalid_input(
            name("action"),
            ACTION_RULE,
            action.into_pyobject(py).expect("int").into_any().unbind(),
        ),
    }
}

fn batch_error(py: Python<'_>, err: BatchError) -> PyErr {
    match err {
        BatchError::InvalidDelta { index, error } => delta_error(py, error, Some(index)),
        BatchError::LengthMismatch {
            sides,
            actions,
            prices,
            sizes,
        } => invalid_input(
            "apply_batch",
            "side, action, price and size must have the same length",
            (sides, actions, prices, sizes)
                .into_pyobject(py)
                .expect("tuple")
                .into_any()
                .unbind(),
        ),
    }
}

/// A side code for a query (BUY or SELL).
fn query_side(obj: &Bound<'_, PyAny>) -> PyResult<Side> {
    let code: u8 = int_arg(obj, "side", SIDE_RULE)?;
    Side::from_code(code).ok_or_else(|| invalid_input("side", SIDE_RULE, obj.clone().unbind()))
}

/// Borrow a NumPy column as a slice: 1-D, C-contiguous, exactly `T`'s dtype.
fn column<'py, T: Element>(
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
fn describe(obj: &Bound<'_, PyAny>) -> Py<PyAny> {
    let py = obj.py();
    let text = if let Ok(array) = obj.cast::<PyUntypedArray>() {
        let dtype = array
            .dtype()
            .str()
            .map_or_else(|_| "?".to_owned(), |s| s.to_string());
        let contiguous = if array.is_c_contiguous() {
            ""
        } else {
            ", not C-contiguous"
        };
        format!("ndarray(dtype={dtype}, ndim={}{contiguous})", array.ndim())
    } else {
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |s| s.to_string())
    };
    text.into_pyobject(py).expect("str").into_any().unbind()
}

#[pymethods]
impl PyL2Book {
    #[new]
    #[pyo3(
        signature = (*, max_window = book::DEFAULT_MAX_WINDOW),
        text_signature = "(*, max_window=65536)"
    )]
    fn new(max_window: usize) -> Self {
        Self {
            inner: L2Book::with_max_window(max_window),
        }
    }

    /// Apply one delta.
    ///
    /// Raises:
    ///     InvalidInput: an unknown side or action code (the book is unchanged).
    ///     ValueOutOfRange: ``price`` outside int64 or ``size`` outside uint64.
    fn apply(
        &mut self,
        side: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let side_v: u8 = int_arg(side, "side", SIDE_RULE)?;
        let action_v: u8 = int_arg(action, "action", ACTION_RULE)?;
        let price_v: i64 = int_arg(price, "price", PRICE_RULE)?;
        let size_v: u64 = int_arg(size, "size", SIZE_RULE)?;
        self.inner
            .apply(side_v, action_v, price_v, size_v)
            .map_err(|e| delta_error(side.py(), e, None))
    }

    /// Apply a batch of deltas given as four equal-length NumPy columns; return how many.
    ///
    /// Each column must be 1-D, C-contiguous and of exactly the dtype shown (convert with
    /// ``np.ascontiguousarray(col, dtype=np.uint8)`` and so on). The whole batch is checked
    /// before anything is applied, so a bad delta anywhere leaves the book unchanged; the
    /// error's ``field`` names it (``"side[12]"``). The loop runs in Rust, with the GIL
    /// released for batches of 1024 deltas or more.
    ///
    /// Raises:
    ///     InvalidInput: a column of the wrong type, dtype, shape or layout, columns of
    ///         different lengths, or an invalid side/action code.
    fn apply_batch(
        &mut self,
        side: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let py = side.py();
        let sides = column::<u8>(side, "side", "uint8")?;
        let actions = column::<u8>(action, "action", "uint8")?;
        let prices = column::<i64>(price, "price", "int64")?;
        let sizes = column::<u64>(size, "size", "uint64")?;
        let slices = (
            sides.as_slice()?,
            actions.as_slice()?,
            prices.as_slice()?,
            sizes.as_slice()?,
        );
        let book = &mut self.inner;
        let mut run = move || book.apply_batch(slices.0, slices.1, slices.2, slices.3);
        let result = if slices.0.len() >= GIL_RELEASE_MIN {
            py.detach(run)
        } else {
            run()
        };
        result.map_err(|e| batch_error(py, e))
    }

    /// The highest bid as ``(price, size)``, or None if there are no bids.
    fn best_bid(&self) -> Option<(i64, u64)> {
        self.inner.best_bid()
    }

    /// The lowest ask as ``(price, size)``, or None if there are no asks.
    fn best_ask(&self) -> Option<(i64, u64)> {
        self.inner.best_ask()
    }

    /// The highest bid price, or None (cheaper than :meth:`best_bid`: no tuple).
    fn best_bid_price(&self) -> Option<i64> {
        self.inner.best_bid().map(|(p, _)| p)
    }

    /// The lowest ask price, or None (cheaper than :meth:`best_ask`: no tuple).
    fn best_ask_price(&self) -> Option<i64> {
        self.inner.best_ask().map(|(p, _)| p)
    }

    /// The size of the level at ``price`` on ``side`` (``BUY`` or ``SELL``), or None.
    fn level(&self, side: &Bound<'_, PyAny>, price: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
        let side = query_side(side)?;
        let price: i64 = int_arg(price, "price", PRICE_RULE)?;
        Ok(self.inner.level(side, price))
    }

    /// The best ``n`` levels of ``side`` (``BUY`` or ``SELL``), best first, as
    /// ``(price, size)`` tuples (fewer if the side has fewer levels).
    fn depth(&self, side: &Bound<'_, PyAny>, n: &Bound<'_, PyAny>) -> PyResult<Vec<(i64, u64)>> {
        let side = query_side(side)?;
        let n: usize = int_arg(n, "n", "must be a non-negative int")?;
        Ok(self.inner.depth(side, n))
    }

    /// The number of bid levels.
    fn bid_levels(&self) -> usize {
        self.inner.bid_levels()
    }

    /// The number of ask levels.
    fn ask_levels(&self) -> usize {
        self.inner.ask_levels()
    }

    /// Remove every level on both sides (:attr:`missing_deletes` is kept).
    fn clear(&mut self) {
        self.inner.clear();
    }

    /// Best ask minus best bid, in ticks (negative while the feed shows a crossed book),
    /// or None unless both sides have a level.
    fn spread(&self) -> Option<i128> {
        self.inner.spread()
    }

    /// ``(best bid + best ask) / 2`` in ticks as a float (it may be a half tick), or None
    /// unless both sides have a level.
    fn mid(&self) -> Option<f64> {
        self.inner.mid()
    }

    /// How many ``DELETE`` deltas named a level that did not exist (cumulative).
    #[getter]
    fn missing_deletes(&self) -> u64 {
        self.inner.missing_deletes()
    }

    fn __repr__(&self) -> String {
        let show = |top: Option<(i64, u64)>| {
            top.map_or_else(|| "None".to_owned(), |(p, s)| format!("({p}, {s})"))
        };
        format!(
            "L2Book(best_bid={}, best_ask={}, bid_levels={}, ask_levels={})",
            show(self.inner.best_bid()),
            show(self.inner.best_ask()),
            self.inner.bid_levels(),
            self.inner.ask_levels(),
        )
    }
}
