//! Engine errors → the exception classes of `lyra.errors` (imported lazily, on the
//! first error, so the success path never touches them).

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::PyString;

pyo3::import_exception!(lyra.errors, InvalidInput);
pyo3::import_exception!(lyra.errors, PrecisionError);
pyo3::import_exception!(lyra.errors, ValueOutOfRange);

/// `InvalidInput(field, rule, value)`.
pub(crate) fn invalid_input(
    field: impl Into<String>,
    rule: impl Into<String>,
    value: Py<PyAny>,
) -> PyErr {
    InvalidInput::new_err((field.into(), rule.into(), value))
}

/// `PrecisionError(field, rule, value)`.
pub(crate) fn precision_error(
    field: impl Into<String>,
    rule: impl Into<String>,
    value: Py<PyAny>,
) -> PyErr {
    PrecisionError::new_err((field.into(), rule.into(), value))
}

/// `ValueOutOfRange(field, rule, value)`.
pub(crate) fn out_of_range(
    field: impl Into<String>,
    rule: impl Into<String>,
    value: Py<PyAny>,
) -> PyErr {
    ValueOutOfRange::new_err((field.into(), rule.into(), value))
}

/// Extract an integer argument; an int that does not fit `T` becomes
/// `ValueOutOfRange(field, rule)` (a `ValueError`) instead of a bare `OverflowError`.
/// Non-integers keep Python's usual `TypeError`.
#[inline]
pub(crate) fn int_arg<'py, T>(
    obj: &Bound<'py, PyAny>,
    field: &'static str,
    rule: &'static str,
) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    match obj.extract::<T>() {
        Ok(v) => Ok(v),
        Err(e) => Err(int_arg_error(obj, e, field, rule)),
    }
}

#[cold]
#[inline(never)]
fn int_arg_error(
    obj: &Bound<'_, PyAny>,
    err: PyErr,
    field: &'static str,
    rule: &'static str,
) -> PyErr {
    if err.is_instance_of::<PyOverflowError>(obj.py()) {
        out_of_range(field, rule, obj.clone().unbind())
    } else {
        err
    }
}

/// A Python str holding `text`, as an exception's `value`.
pub(crate) fn text_value(py: Python<'_>, text: &str) -> Py<PyAny> {
    PyString::new(py, text).into_any().unbind()
}
