//! Fixed-point functions: `parse_fixed`, `format_fixed`, `raw_to_ticks`, `ticks_to_raw`.

use lyra_engine::fixed::{self, FixedError, Rounding};
use pyo3::prelude::*;

use crate::errors::{int_arg, invalid_input, out_of_range, precision_error, text_value};

const I64_RULE: &str = "must fit in a signed 64-bit integer";

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FIXED_PRECISION", fixed::FIXED_PRECISION)?;
    m.add("FIXED_SCALAR", fixed::FIXED_SCALAR)?;
    m.add_function(wrap_pyfunction!(parse_fixed, m)?)?;
    m.add_function(wrap_pyfunction!(parse_fixed_unsigned, m)?)?;
    m.add_function(wrap_pyfunction!(format_fixed, m)?)?;
    m.add_function(wrap_pyfunction!(raw_to_ticks, m)?)?;
    m.add_function(wrap_pyfunction!(ticks_to_raw, m)?)?;
    Ok(())
}

/// Map a parse error of `text` to the matching `lyra.errors` class.
fn parse_error(py: Python<'_>, err: &FixedError, text: &str) -> PyErr {
    let value = text_value(py, text);
    match err {
        FixedError::TooManyDecimals { decimals } => precision_error(
            "text",
            format!(
                "at most {} decimal places, found {decimals}",
                fixed::FIXED_PRECISION
            ),
            value,
        ),
        FixedError::Overflow => out_of_range("text", "out of the raw 64-bit range", value),
        FixedError::Negative => out_of_range("text", "must not be negative", value),
        FixedError::Empty => invalid_input("text", "must be a decimal number, not empty", value),
        other => invalid_input("text", format!("must be a decimal number: {other}"), value),
    }
}

/// Parse a decimal string to a raw signed fixed-point integer (``value * 10**9``), exactly.
///
/// The form is ``[+-]digits[.digits]`` with at most 9 decimal places: no exponent, no
/// spaces, no separators, a digit on both sides of a point. ``parse_fixed("-12.3400")`` is
/// ``-12_340_000_000``.
///
/// Raises:
///     InvalidInput: empty or malformed text (the message names the offending character).
///     PrecisionError: more than 9 decimal places (trailing zeros count).
///     ValueOutOfRange: the raw value does not fit a signed 64-bit integer.
#[pyfunction]
fn parse_fixed(py: Python<'_>, text: &str) -> PyResult<i64> {
    fixed::parse_raw(text).map_err(|e| parse_error(py, &e, text))
}

/// Like :func:`parse_fixed` for quantities: the raw value is an unsigned 64-bit integer.
///
/// Raises:
///     ValueOutOfRange: a negative value (``-0`` is zero and allowed) or one above
///         ``18446744073.709551615``.
#[pyfunction]
fn parse_fixed_unsigned(py: Python<'_>, text: &str) -> PyResult<u64> {
    fixed::parse_raw_unsigned(text).map_err(|e| parse_error(py, &e, text))
}

/// Write a raw fixed-point integer with exactly ``precision`` (0..9) decimal places.
///
/// ``raw`` may be a signed (price) or unsigned (quantity) 64-bit raw.
/// ``format_fixed(-12_340_000_000, 2)`` is ``"-12.34"``. Nothing is rounded: a value with
/// non-zero digits beyond ``precision`` is refused.
///
/// Raises:
///     PrecisionError: ``precision`` outside 0..9, or digits that ``precision`` would drop.
///     ValueOutOfRange: ``raw`` outside ``-2**63 .. 2**64 - 1``.
#[pyfunction]
fn format_fixed(raw: &Bound<'_, PyAny>, precision: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = raw.py();
    let precision = match precision.extract::<u8>() {
        Ok(p) if p <= fixed::FIXED_PRECISION => p,
        Ok(_) => {
            return Err(precision_error(
                "precision",
                "must be in 0..=9",
                precision.clone().unbind(),
            ));
        }
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => {
            return Err(precision_error(
                "precision",
                "must be in 0..=9",
                precision.clone().unbind(),
            ));
        }
        Err(e) => return Err(e),
    };
    // Prices are signed and quantities unsigned, so accept the union of both ranges.
    let result = match raw.extract::<i64>() {
        Ok(v) => fixed::format_raw(v, precision),
        Err(_) => match raw.extract::<u64>() {
            Ok(v) => fixed::format_raw_unsigned(v, precision),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => {
                return Err(out_of_range(
                    "raw",
                    "must be in -2**63..2**64 (a raw int64 price or uint64 quantity)",
                    raw.clone().unbind(),
                ));
            }
            Err(e) => return Err(e),
        },
    };
    // The precision was checked above, so the only failure left is a value that does
    // not fit it.
    result.map_err(|e| {
        let rule = match e {
            FixedError::Inexact { precision, .. } => {
                format!("has non-zero digits beyond {precision} decimal places")
            }
            other => other.to_string(),
        };
        precision_error("raw", rule, raw.clone().unbind())
    })
}

/// Convert a raw price to a whole number of ticks of ``tick`` raw units.
///
/// Without ``rounding`` the price must be an exact multiple of the tick. ``"down"`` rounds
/// toward negative infinity, ``"up"`` toward positive infinity and ``"half_even"`` to the
/// nearest tick with exact halves to the even one. The result always fits in int64.
///
/// Raises:
///     InvalidInput: not a multiple of the tick and no ``rounding``, or an unknown mode.
///     ValueOutOfRange: ``tick`` not positive, or an argument outside int64.
#[pyfunction]
#[pyo3(signature = (raw, tick, rounding = None))]
fn raw_to_ticks(
    raw: &Bound<'_, PyAny>,
    tick: &Bound<'_, PyAny>,
    rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<i64> {
    let raw_v: i64 = int_arg(raw, "raw", I64_RULE)?;
    let tick_v: i64 = int_arg(tick, "tick", I64_RULE)?;
    let mode = match rounding {
        None => None,
        Some(obj) if obj.is_none() => None,
        Some(obj) => Some(match obj.extract::<&str>() {
            Ok("down") => Rounding::Down,
            Ok("up") => Rounding::Up,
            Ok("half_even") => Rounding::HalfEven,
            _ => {
                return Err(invalid_input(
                    "rounding",
                    "must be None, 'down', 'up' or 'half_even'",
                    obj.clone().unbind(),
                ));
            }
        }),
    };
    fixed::raw_to_ticks(raw_v, tick_v, mode).map_err(|e| match e {
        FixedError::InvalidTick { .. } => {
            out_of_range("tick", "must be positive", tick.clone().unbind())
        }
        _ => invalid_input(
            "raw",
            format!("must be a multiple of the tick size {tick_v} (or pass rounding=)"),
            raw.clone().unbind(),
        ),
    })
}

/// Convert a number of ticks of ``tick`` raw units back to a raw price (``ticks * tick``).
///
/// Raises:
///     ValueOutOfRange: ``tick`` not positive, or the product outside int64.
#[pyfunction]
fn ticks_to_raw(ticks: &Bound<'_, PyAny>, tick: &Bound<'_, PyAny>) -> PyResult<i64> {
    let ticks_v: i64 = int_arg(ticks, "ticks", I64_RULE)?;
    let tick_v: i64 = int_arg(tick, "tick", I64_RULE)?;
    fixed::ticks_to_raw(ticks_v, tick_v).map_err(|e| match e {
        FixedError::InvalidTick { .. } => {
            out_of_range("tick", "must be positive", tick.clone().unbind())
        }
        _ => out_of_range(
            "ticks",
            format!("times the tick size {tick_v} overflows a signed 64-bit raw"),
            ticks.clone().unbind(),
        ),
    })
}
