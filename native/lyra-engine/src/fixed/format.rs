//! Exact raw → decimal text formatting.

use std::fmt::Write as _;

use super::{FIXED_PRECISION, FixedError, POW10, SCALAR_U64};

/// Write a raw signed value with exactly `precision` decimal places.
///
/// Fails with [`FixedError::PrecisionOutOfRange`] for a precision above 9, and with
/// [`FixedError::Inexact`] if the value has non-zero digits beyond `precision` (no
/// silent rounding: convert to ticks with a [`Rounding`](super::Rounding) first if that
/// is what you want).
///
/// ```
/// use lyra_engine::fixed::format_raw;
/// assert_eq!(format_raw(-12_340_000_000, 2).unwrap(), "-12.34");
/// assert_eq!(format_raw(5_000_000_000, 0).unwrap(), "5");
/// ```
pub fn format_raw(raw: i64, precision: u8) -> Result<String, FixedError> {
    format_parts(raw < 0, raw.unsigned_abs(), precision).map_err(|e| with_raw(e, i128::from(raw)))
}

/// Write a raw unsigned value (a quantity) with exactly `precision` decimal places.
pub fn format_raw_unsigned(raw: u64, precision: u8) -> Result<String, FixedError> {
    format_parts(false, raw, precision).map_err(|e| with_raw(e, i128::from(raw)))
}

fn with_raw(err: FixedError, raw: i128) -> FixedError {
    match err {
        FixedError::Inexact { precision, .. } => FixedError::Inexact { raw, precision },
        other => other,
    }
}

fn format_parts(negative: bool, magnitude: u64, precision: u8) -> Result<String, FixedError> {
    if precision > FIXED_PRECISION {
        return Err(FixedError::PrecisionOutOfRange { precision });
    }
    let int_part = magnitude / SCALAR_U64;
    let frac = magnitude % SCALAR_U64;
    let dropped = POW10[usize::from(FIXED_PRECISION - precision)];
    if frac % dropped != 0 {
        return Err(FixedError::Inexact { raw: 0, precision });
    }
    let mut out = String::with_capacity(32);
    if negative && magnitude != 0 {
        out.push('-');
    }
    // Writing into a String cannot fail.
    let _ = write!(out, "{int_part}");
    if precision > 0 {
        let width = usize::from(precision);
        let _ = write!(out, ".{:0width$}", frac / dropped);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::parse_raw;

    #[test]
    fn formats_examples() {
        assert_eq!(format_raw(-12_340_000_000, 2).unwrap(), "-12.34");
        assert_eq!(format_raw(-12_340_000_000, 4).unwrap(), "-12.3400");
        assert_eq!(format_raw(5_000_000_000, 0).unwrap(), "5");
        assert_eq!(format_raw(1, 9).unwrap(), "0.000000001");
        assert_eq!(format_raw(-1, 9).unwrap(), "-0.000000001");
        assert_eq!(format_raw(0, 3).unwrap(), "0.000");
        assert_eq!(format_raw(i64::MAX, 9).unwrap(), "9223372036.854775807");
        assert_eq!(format_raw(i64::MIN, 9).unwrap(), "-9223372036.854775808");
        assert_eq!(
            format_raw_unsigned(u64::MAX, 9).unwrap(),
            "18446744073.709551615"
        );
        assert_eq!(format_raw_unsigned(100_000_000_000, 1).unwrap(), "100.0");
    }

    #[test]
    fn refuses_to_lose_digits() {
        assert_eq!(
            format_raw(-12_345_000_000, 2),
            Err(FixedError::Inexact {
                raw: -12_345_000_000,
                precision: 2
            })
        );
        assert_eq!(
            format_raw(1, 10),
            Err(FixedError::PrecisionOutOfRange { precision: 10 })
        );
        assert_eq!(
            format_raw_unsigned(1, 0),
            Err(FixedError::Inexact {
                raw: 1,
                precision: 0
            })
        );
    }

    #[test]
    fn round_trips_at_every_precision() {
        for raw in [
            0,
            1,
            -1,
            7_000_000_000,
            -123_450_000_000,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(parse_raw(&format_raw(raw, 9).unwrap()), Ok(raw));
        }
        for p in 0..=9u8 {
            let raw = -37 * POW10[usize::from(9 - p)] as i64;
            assert_eq!(parse_raw(&format_raw(raw, p).unwrap()), Ok(raw));
        }
    }
}
