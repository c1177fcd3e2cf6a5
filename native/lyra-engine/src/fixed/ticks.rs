//! Conversion between raw prices and integer ticks.

use super::FixedError;

/// How to round a raw value that is not a whole number of ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Toward negative infinity (floor): the tick at or below the value.
    Down,
    /// Toward positive infinity (ceiling): the tick at or above the value.
    Up,
    /// To the nearest tick; an exact half goes to the even tick (banker's rounding).
    HalfEven,
}

/// Convert a raw price to a whole number of ticks of `tick` raw units.
///
/// With `rounding = None` the value must be an exact multiple of the tick
/// ([`FixedError::NotMultipleOfTick`] otherwise). The tick must be positive
/// ([`FixedError::InvalidTick`]). The result always fits in `i64`.
///
/// ```
/// use lyra_engine::fixed::{raw_to_ticks, Rounding};
/// let tick = 10_000_000; // 0.01
/// assert_eq!(raw_to_ticks(100_010_000_000, tick, None), Ok(10_001));
/// assert_eq!(raw_to_ticks(-15_000_000, tick, Some(Rounding::Down)), Ok(-2));
/// ```
pub fn raw_to_ticks(raw: i64, tick: i64, rounding: Option<Rounding>) -> Result<i64, FixedError> {
    if tick <= 0 {
        return Err(FixedError::InvalidTick { tick });
    }
    // tick > 0, so these cannot overflow and the quotient is the floor.
    let floor = raw.div_euclid(tick);
    let rem = raw.rem_euclid(tick);
    if rem == 0 {
        return Ok(floor);
    }
    // rem > 0 implies tick >= 2, so |floor| <= |raw| / 2 and `floor + 1` cannot overflow.
    match rounding {
        None => Err(FixedError::NotMultipleOfTick { raw, tick }),
        Some(Rounding::Down) => Ok(floor),
        Some(Rounding::Up) => Ok(floor + 1),
        Some(Rounding::HalfEven) => {
            // 0 < rem < tick <= i64::MAX, so 2*rem fits in u64.
            let twice = 2 * rem as u64;
            let tick = tick as u64;
            Ok(if twice < tick || (twice == tick && floor % 2 == 0) {
                floor
            } else {
                floor + 1
            })
        }
    }
}

/// Convert a number of ticks of `tick` raw units back to a raw price.
///
/// Fails with [`FixedError::Overflow`] if the product leaves the `i64` range and with
/// [`FixedError::InvalidTick`] for a tick that is not positive.
pub fn ticks_to_raw(ticks: i64, tick: i64) -> Result<i64, FixedError> {
    if tick <= 0 {
        return Err(FixedError::InvalidTick { tick });
    }
    ticks.checked_mul(tick).ok_or(FixedError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 10_000_000; // 0.01

    #[test]
    fn exact_multiples() {
        assert_eq!(raw_to_ticks(0, T, None), Ok(0));
        assert_eq!(raw_to_ticks(100_000_000_000, T, None), Ok(10_000));
        assert_eq!(raw_to_ticks(-100_000_000_000, T, None), Ok(-10_000));
        assert_eq!(raw_to_ticks(i64::MAX, 1, None), Ok(i64::MAX));
        assert_eq!(raw_to_ticks(i64::MIN, 1, None), Ok(i64::MIN));
        assert_eq!(
            raw_to_ticks(15_000_000, T, None),
            Err(FixedError::NotMultipleOfTick {
                raw: 15_000_000,
                tick: T
            })
        );
    }

    #[test]
    fn rounding_modes() {
        use Rounding::{Down, HalfEven, Up};
        let cases: [(i64, i64, i64, i64); 8] = [
            // raw, down, up, half-even
            (15_000_000, 1, 2, 2),
            (25_000_000, 2, 3, 2),
            (14_000_000, 1, 2, 1),
            (16_000_000, 1, 2, 2),
            (-15_000_000, -2, -1, -2),
            (-25_000_000, -3, -2, -2),
            (-14_000_000, -2, -1, -1),
            (-16_000_000, -2, -1, -2),
        ];
        for (raw, down, up, even) in cases {
            assert_eq!(raw_to_ticks(raw, T, Some(Down)), Ok(down), "down {raw}");
            assert_eq!(raw_to_ticks(raw, T, Some(Up)), Ok(up), "up {raw}");
            assert_eq!(raw_to_ticks(raw, T, Some(HalfEven)), Ok(even), "even {raw}");
        }
        assert_eq!(raw_to_ticks(i64::MAX, 2, Some(Up)), Ok(i64::MAX / 2 + 1));
        assert_eq!(raw_to_ticks(i64::MIN + 1, 2, Some(Down)), Ok(i64::MIN / 2));
        assert_eq!(raw_to_ticks(i64::MAX, i64::MAX, Some(HalfEven)), Ok(1));
        assert_eq!(raw_to_ticks(i64::MAX - 1, i64::MAX, Some(HalfEven)), Ok(1));
        assert_eq!(raw_to_ticks(i64::MAX / 2, i64::MAX, Some(HalfEven)), Ok(0));
    }

    #[test]
    fn bad_ticks_and_overflow() {
        assert_eq!(
            raw_to_ticks(1, 0, None),
            Err(FixedError::InvalidTick { tick: 0 })
        );
        assert_eq!(
            raw_to_ticks(1, -5, None),
            Err(FixedError::InvalidTick { tick: -5 })
        );
        assert_eq!(ticks_to_raw(10_001, T), Ok(100_010_000_000));
        assert_eq!(ticks_to_raw(-3, T), Ok(-30_000_000));
        assert_eq!(ticks_to_raw(i64::MAX / T + 1, T), Err(FixedError::Overflow));
        assert_eq!(ticks_to_raw(1, 0), Err(FixedError::InvalidTick { tick: 0 }));
    }
}
