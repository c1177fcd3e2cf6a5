//! Exact decimal text → raw parsing.

use super::{FIXED_PRECISION, FixedError, POW10, SCALAR_U64};

/// Parse a decimal string to a raw signed value (`value × 10^9`), exactly.
///
/// The accepted form is `[+-]digits[.digits]`: no exponent, no whitespace, no
/// separators, at most 9 decimal places (trailing zeros count), and a digit on both
/// sides of a point. Leading zeros are fine. `i64::MIN` (`-9223372036.854775808`)
/// parses.
///
/// ```
/// use lyra_engine::fixed::parse_raw;
/// assert_eq!(parse_raw("-12.3400"), Ok(-12_340_000_000));
/// assert_eq!(parse_raw("0.000000001"), Ok(1));
/// ```
pub fn parse_raw(text: &str) -> Result<i64, FixedError> {
    let (negative, magnitude) = parse_parts(text)?;
    if negative {
        // The magnitude of i64::MIN is one more than i64::MAX, hence the u64 detour.
        if magnitude <= i64::MIN.unsigned_abs() {
            Ok((magnitude as i64).wrapping_neg())
        } else {
            Err(FixedError::Overflow)
        }
    } else {
        i64::try_from(magnitude).map_err(|_| FixedError::Overflow)
    }
}

/// Parse a non-negative decimal string to a raw unsigned value (quantities).
///
/// Same grammar as [`parse_raw`]; a negative value fails with
/// [`FixedError::Negative`] (`-0` is zero and is accepted).
pub fn parse_raw_unsigned(text: &str) -> Result<u64, FixedError> {
    match parse_parts(text)? {
        (true, m) if m != 0 => Err(FixedError::Negative),
        (_, m) => Ok(m),
    }
}

/// Split `text` into (negative, raw magnitude). Syntax is checked over the whole text
/// before any overflow is reported, so a malformed string always says where it is bad.
fn parse_parts(text: &str) -> Result<(bool, u64), FixedError> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(FixedError::Empty);
    }
    let (negative, start) = match bytes[0] {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let int_end = start + digits_from(bytes, start);
    if int_end == start {
        return Err(unexpected(text, start));
    }
    let (frac_start, frac_end) = if int_end < bytes.len() {
        if bytes[int_end] != b'.' {
            return Err(unexpected(text, int_end));
        }
        let fs = int_end + 1;
        let fe = fs + digits_from(bytes, fs);
        if fe == fs {
            return Err(unexpected(text, fs));
        }
        if fe < bytes.len() {
            return Err(unexpected(text, fe));
        }
        (fs, fe)
    } else {
        (int_end, int_end)
    };
    let decimals = frac_end - frac_start;
    if decimals > usize::from(FIXED_PRECISION) {
        return Err(FixedError::TooManyDecimals { decimals });
    }

    let mut int_part: u64 = 0;
    for &b in &bytes[start..int_end] {
        int_part = int_part
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(FixedError::Overflow)?;
    }
    let mut frac: u64 = 0;
    for &b in &bytes[frac_start..frac_end] {
        frac = frac * 10 + u64::from(b - b'0');
    }
    frac *= POW10[usize::from(FIXED_PRECISION) - decimals];
    let magnitude = int_part
        .checked_mul(SCALAR_U64)
        .and_then(|v| v.checked_add(frac))
        .ok_or(FixedError::Overflow)?;
    Ok((negative, magnitude))
}

/// Number of ASCII digits in `bytes` starting at `from`.
fn digits_from(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// The error for the character at byte offset `pos` (or the end of the text).
fn unexpected(text: &str, pos: usize) -> FixedError {
    match text[pos..].chars().next() {
        None => FixedError::MissingDigit { pos },
        Some('.') if pos == 0 || !text.as_bytes()[pos - 1].is_ascii_digit() => {
            FixedError::MissingDigit { pos }
        }
        Some(ch) => FixedError::InvalidChar { ch, pos },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_examples() {
        assert_eq!(parse_raw("-12.3400"), Ok(-12_340_000_000));
        assert_eq!(parse_raw("5"), Ok(5_000_000_000));
        assert_eq!(parse_raw("+5"), Ok(5_000_000_000));
        assert_eq!(parse_raw("0.000000001"), Ok(1));
        assert_eq!(parse_raw("-0.000000001"), Ok(-1));
        assert_eq!(parse_raw("0"), Ok(0));
        assert_eq!(parse_raw("-0"), Ok(0));
        assert_eq!(parse_raw("000123.450"), Ok(123_450_000_000));
        assert_eq!(parse_raw("9223372036.854775807"), Ok(i64::MAX));
        assert_eq!(parse_raw("-9223372036.854775808"), Ok(i64::MIN));
        assert_eq!(parse_raw_unsigned("18446744073.709551615"), Ok(u64::MAX));
        assert_eq!(parse_raw_unsigned("-0"), Ok(0));
        assert_eq!(parse_raw_unsigned("0.5"), Ok(500_000_000));
    }

    #[test]
    fn rejects_with_typed_errors() {
        assert_eq!(parse_raw(""), Err(FixedError::Empty));
        assert_eq!(parse_raw("-"), Err(FixedError::MissingDigit { pos: 1 }));
        assert_eq!(parse_raw("5."), Err(FixedError::MissingDigit { pos: 2 }));
        assert_eq!(parse_raw(".5"), Err(FixedError::MissingDigit { pos: 0 }));
        assert_eq!(parse_raw("-.5"), Err(FixedError::MissingDigit { pos: 1 }));
        assert_eq!(
            parse_raw("1.2.3"),
            Err(FixedError::InvalidChar { ch: '.', pos: 3 })
        );
        assert_eq!(
            parse_raw("1e5"),
            Err(FixedError::InvalidChar { ch: 'e', pos: 1 })
        );
        assert_eq!(
            parse_raw(" 1"),
            Err(FixedError::InvalidChar { ch: ' ', pos: 0 })
        );
        assert_eq!(
            parse_raw("1 "),
            Err(FixedError::InvalidChar { ch: ' ', pos: 1 })
        );
        assert_eq!(
            parse_raw("1_000"),
            Err(FixedError::InvalidChar { ch: '_', pos: 1 })
        );
        assert_eq!(
            parse_raw("--1"),
            Err(FixedError::InvalidChar { ch: '-', pos: 1 })
        );
        assert_eq!(
            parse_raw("1.5x"),
            Err(FixedError::InvalidChar { ch: 'x', pos: 3 })
        );
        assert_eq!(
            parse_raw("1é"),
            Err(FixedError::InvalidChar { ch: 'é', pos: 1 })
        );
        assert_eq!(
            parse_raw("NaN"),
            Err(FixedError::InvalidChar { ch: 'N', pos: 0 })
        );
        assert_eq!(
            parse_raw("0.0000000001"),
            Err(FixedError::TooManyDecimals { decimals: 10 })
        );
        assert_eq!(
            parse_raw("1.0000000000"),
            Err(FixedError::TooManyDecimals { decimals: 10 })
        );
        assert_eq!(parse_raw("9223372036.854775808"), Err(FixedError::Overflow));
        assert_eq!(
            parse_raw("-9223372036.854775809"),
            Err(FixedError::Overflow)
        );
        assert_eq!(
            parse_raw("99999999999999999999999"),
            Err(FixedError::Overflow)
        );
        assert_eq!(
            parse_raw_unsigned("18446744073.709551616"),
            Err(FixedError::Overflow)
        );
        assert_eq!(parse_raw_unsigned("-1"), Err(FixedError::Negative));
        // Syntax errors win over overflow, so the message points at the real problem.
        assert_eq!(
            parse_raw("99999999999999999999999x"),
            Err(FixedError::InvalidChar { ch: 'x', pos: 23 })
        );
    }
}
