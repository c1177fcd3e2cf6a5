//! `Replay` for Python: many data streams merged by time into several `SimCore`s.

use lyra_engine::exchange::{Exchange, InputError};
use lyra_engine::replay::{Columns, Replay, Stop, Target};
use numpy::{Element, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::invalid_input;
use crate::sim::{PySimCore, column};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyReplay>()?;
    Ok(())
}

fn input_error(py: Python<'_>, prefix: &str, e: InputError) -> PyErr {
    let value = e.value.into_pyobject(py).expect("int").into_any().unbind();
    invalid_input(format!("{prefix}{}", e.field), e.rule.into_owned(), value)
}

fn owned<T: Element + Copy>(
    obj: &Bound<'_, PyAny>,
    field: &'static str,
    dtype: &'static str,
) -> PyResult<Vec<T>> {
    let col: PyReadonlyArray1<'_, T> = column::<T>(obj, field, dtype)?;
    Ok(col.as_slice()?.to_vec())
}

/// Market-data streams merged by time and fed into several :class:`SimCore` objects; the
/// Rust loop of :class:`lyra.backtest.Backtest` (see ``docs/explanation/backtest-engine.md``).
///
/// Each stream holds one chunk of columns at a time: the quotes, trades or book deltas of
/// one instrument of one core, or bare timestamps (``exchange=None``) of data only the
/// caller handles. :meth:`run` feeds rows in merged order (ascending time; ties in the
/// order the streams were added, then row order) until the caller is needed.
///
/// Args:
///     cores: the exchanges the streams feed, referred to by their index here.
#[pyclass(module = "lyra._native", name = "Replay")]
pub(crate) struct PyReplay {
    inner: Replay,
    cores: Vec<Py<PySimCore>>,
}

const END: u8 = 0;
const NEED_DATA: u8 = 1;
const TIME: u8 = 2;
const FED: u8 = 3;

#[pymethods]
impl PyReplay {
    #[new]
    fn new(cores: Vec<Py<PySimCore>>) -> Self {
        Self {
            inner: Replay::new(),
            cores,
        }
    }

    /// Add a stream feeding instrument ``instrument`` of core ``exchange`` (``None``: a
    /// timestamps-only stream); ``publish``: :meth:`run` returns after each of its rows.
    /// Returns the stream's index. Its first chunk comes with a ``set_*`` method.
    ///
    /// Raises:
    ///     InvalidInput: ``exchange`` is not an index into ``cores``.
    #[pyo3(signature = (exchange, instrument = 0, publish = false))]
    fn add_stream(
        &mut self,
        exchange: Option<usize>,
        instrument: u32,
        publish: bool,
    ) -> PyResult<usize> {
        let target = match exchange {
            None => None,
            Some(e) if e < self.cores.len() => Some(Target {
                exchange: e,
                instrument,
            }),
            Some(e) => {
                return Err(Python::attach(|py| {
                    invalid_input(
                        "exchange",
                        format!("must be an index below {}", self.cores.len()),
                        e.into_pyobject(py).expect("int").into_any().unbind(),
                    )
                }));
            }
        };
        Ok(self.inner.add_stream(target, publish))
    }

    /// Set stream ``stream``'s next chunk of quotes (``ts``, ``bid``, ``ask`` int64,
    /// ``bid_size``, ``ask_size`` uint64); ``last``: no chunk follows. The columns are
    /// copied.
    ///
    /// Raises:
    ///     InvalidInput: a column of the wrong dtype or length, or time going back.
    #[pyo3(signature = (stream, ts, bid, ask, bid_size, ask_size, last = false))]
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    fn set_quotes(
        &mut self,
        py: Python<'_>,
        stream: usize,
        ts: &Bound<'_, PyAny>,
        bid: &Bound<'_, PyAny>,
        ask: &Bound<'_, PyAny>,
        bid_size: &Bound<'_, PyAny>,
        ask_size: &Bound<'_, PyAny>,
        last: bool,
    ) -> PyResult<()> {
        let cols = Columns::Quotes {
            bid: owned(bid, "bid", "int64")?,
            ask: owned(ask, "ask", "int64")?,
            bid_size: owned(bid_size, "bid_size", "uint64")?,
            ask_size: owned(ask_size, "ask_size", "uint64")?,
        };
        self.set(py, stream, ts, cols, last)
    }

    /// Set stream ``stream``'s next chunk of trades (``ts``, ``price`` int64, ``size``
    /// uint64, ``aggressor`` uint8); see :meth:`set_quotes`.
    ///
    /// Raises:
    ///     InvalidInput: as :meth:`set_quotes`.
    #[pyo3(signature = (stream, ts, price, size, aggressor, last = false))]
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    fn set_trades(
        &mut self,
        py: Python<'_>,
        stream: usize,
        ts: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        aggressor: &Bound<'_, PyAny>,
        last: bool,
    ) -> PyResult<()> {
        let cols = Columns::Trades {
            price: owned(price, "price", "int64")?,
            size: owned(size, "size", "uint64")?,
            aggressor: owned(aggressor, "aggressor", "uint8")?,
        };
        self.set(py, stream, ts, cols, last)
    }

    /// Set stream ``stream``'s next chunk of book deltas (``ts``, ``side``, ``action``
    /// uint8, ``price`` int64, ``size``, ``order_id`` uint64); see :meth:`set_quotes`.
    ///
    /// Raises:
    ///     InvalidInput: as :meth:`set_quotes`.
    #[pyo3(signature = (stream, ts, side, action, price, size, order_id, last = false))]
    #[allow(clippy::too_many_arguments, reason = "one column per field")]
    fn set_deltas(
        &mut self,
        py: Python<'_>,
        stream: usize,
        ts: &Bound<'_, PyAny>,
        side: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
        last: bool,
    ) -> PyResult<()> {
        let cols = Columns::Deltas {
            side: owned(side, "side", "uint8")?,
            action: owned(action, "action", "uint8")?,
            price: owned(price, "price", "int64")?,
            size: owned(size, "size", "uint64")?,
            order_id: owned(order_id, "order_id", "uint64")?,
        };
        self.set(py, stream, ts, cols, last)
    }

    /// Set the next chunk of a timestamps-only stream (``ts`` int64); see
    /// :meth:`set_quotes`.
    ///
    /// Raises:
    ///     InvalidInput: as :meth:`set_quotes`.
    #[pyo3(signature = (stream, ts, last = false))]
    fn set_times(
        &mut self,
        py: Python<'_>,
        stream: usize,
        ts: &Bound<'_, PyAny>,
        last: bool,
    ) -> PyResult<()> {
        self.set(py, stream, ts, Columns::Times, last)
    }

    /// Mark stream ``stream`` as ended once its current chunk is used up.
    ///
    /// Raises:
    ///     InvalidInput: an unknown stream.
    fn end_stream(&mut self, py: Python<'_>, stream: usize) -> PyResult<()> {
        self.inner
            .end_stream(stream)
            .map_err(|e| input_error(py, "", e))
    }

    /// Set whether :meth:`run` returns after each row of stream ``stream``.
    ///
    /// Raises:
    ///     InvalidInput: an unknown stream.
    fn set_publish(&mut self, py: Python<'_>, stream: usize, publish: bool) -> PyResult<()> {
        self.inner
            .set_publish(stream, publish)
            .map_err(|e| input_error(py, "", e))
    }

    /// Feed rows in merged order until the caller is needed; never a row at or after
    /// ``stop_ts``. Returns ``(reason, stream, row, ts, events)``: reason 0 every stream
    /// ended; 1 ``stream`` needs its next chunk (or :meth:`end_stream`); 2 the next row
    /// (of ``stream``, at ``ts``) is at or after ``stop_ts`` and was not fed; 3 row ``row``
    /// of ``stream`` at ``ts`` was fed, and it is published or made its core's events
    /// pending (``events``).
    ///
    /// Raises:
    ///     InvalidInput: a row a core refused (named ``stream[2] row 7: <field>``; it and
    ///         later rows stay unfed), or a core given twice.
    fn run(&mut self, py: Python<'_>, stop_ts: i64) -> PyResult<(u8, i64, i64, i64, bool)> {
        let mut refs: Vec<PyRefMut<'_, PySimCore>> = Vec::with_capacity(self.cores.len());
        for (i, core) in self.cores.iter().enumerate() {
            let r = core.bind(py).try_borrow_mut().map_err(|_| {
                invalid_input(
                    "cores",
                    "must be distinct cores not in use elsewhere",
                    (i as i64)
                        .into_pyobject(py)
                        .expect("int")
                        .into_any()
                        .unbind(),
                )
            })?;
            refs.push(r);
        }
        let mut exchanges: Vec<&mut Exchange> = refs.iter_mut().map(|r| &mut r.inner).collect();
        match self.inner.run(&mut exchanges, stop_ts) {
            Ok(Stop::End) => Ok((END, -1, -1, 0, false)),
            Ok(Stop::NeedData { stream }) => Ok((NEED_DATA, stream as i64, -1, 0, false)),
            Ok(Stop::Time { stream, ts }) => Ok((TIME, stream as i64, -1, ts, false)),
            Ok(Stop::Fed {
                stream,
                row,
                ts,
                events,
            }) => Ok((FED, stream as i64, row as i64, ts, events)),
            Err(e) => Err(input_error(
                py,
                &format!("stream[{}] row {}: ", e.stream, e.row),
                e.error,
            )),
        }
    }

    /// The next row of stream ``stream`` within its current chunk.
    ///
    /// Raises:
    ///     InvalidInput: an unknown stream.
    fn position(&self, py: Python<'_>, stream: usize) -> PyResult<usize> {
        self.inner.position(stream).ok_or_else(|| {
            invalid_input(
                "stream",
                format!("must be a stream index below {}", self.inner.streams()),
                stream.into_pyobject(py).expect("int").into_any().unbind(),
            )
        })
    }

    /// Rows fed so far, over all streams.
    #[getter]
    fn rows_fed(&self) -> u64 {
        self.inner.rows_fed()
    }

    /// How many streams there are.
    #[getter]
    fn streams(&self) -> usize {
        self.inner.streams()
    }
}

impl PyReplay {
    fn set(
        &mut self,
        py: Python<'_>,
        stream: usize,
        ts: &Bound<'_, PyAny>,
        cols: Columns,
        last: bool,
    ) -> PyResult<()> {
        let ts = owned::<i64>(ts, "ts", "int64")?;
        self.inner
            .set_chunk(stream, ts, cols, last)
            .map_err(|e| input_error(py, "", e))
    }
}
