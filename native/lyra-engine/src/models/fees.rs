//! Maker/taker fees in exact integer arithmetic.
//!
//! # The rule
//!
//! A fill of `qty` at `price` (both *raw* fixed-point values, 9 decimals — see
//! [`crate::fixed`]) pays
//!
//! ```text
//! commission = ceil(|price| × qty × rate) + fixed_per_fill
//! ```
//!
//! where `rate` is the maker or the taker rate (by the fill's [`Liquidity`]) in parts per
//! billion, and the product is taken exactly (128-bit intermediates, no floating point,
//! no intermediate rounding). The result is a raw amount of the currency fees are charged
//! in (the quote currency for linear instruments; the caller decides).
//!
//! * **Rounding: ceiling, in the venue's favour.** A positive fee that is not a whole raw
//!   unit rounds *up*; a negative fee (a rebate, from a negative rate) rounds *toward
//!   zero*, i.e. the rebate paid is rounded down. Both are `ceil` of the signed value.
//! * The notional uses `|price|`, so instruments that trade at negative prices pay fees
//!   on the size of the price, not a negative fee.
//! * `fixed_per_fill` is added to every fill as is (it may be 0, or negative for a fixed
//!   rebate).
//!
//! Worked example: taker rate 5 bp (`500_000` ppb), a fill of 0.123 BTC at 50 000.00 USDT
//! has notional 6 150 USDT, so the fee is 6 150 × 0.0005 = 3.075 USDT = raw
//! `3_075_000_000`. The same fill as a maker with a −1 bp rebate gets −0.615 USDT.

use std::fmt;

/// Parts per billion in one basis point (1 bp = 0.01 % = 100 000 ppb).
pub const PPB_PER_BP: i64 = 100_000;

/// `10^18`: raw price × raw quantity carries 18 decimals, the rate 9 more, the result 9.
const DIVISOR: u128 = 1_000_000_000_000_000_000;

/// Whether a fill added liquidity (resting order) or took it (aggressor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Liquidity {
    /// The fill's order was resting in the book.
    Maker,
    /// The fill's order was the aggressor.
    Taker,
}

/// A fee rate in parts per billion of notional; negative for a rebate.
///
/// `1 bp = 100_000 ppb`, `0.1 % = 1_000_000 ppb`, and the smallest step is 0.000 01 bp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct FeeRate(i64);

impl FeeRate {
    /// No fee.
    pub const ZERO: Self = Self(0);

    /// A rate of `ppb` parts per billion.
    #[must_use]
    pub const fn from_ppb(ppb: i64) -> Self {
        Self(ppb)
    }

    /// A rate of a whole number of basis points (`None` if it overflows `i64` ppb).
    #[must_use]
    pub const fn from_bps(bps: i64) -> Option<Self> {
        match bps.checked_mul(PPB_PER_BP) {
            Some(ppb) => Some(Self(ppb)),
            None => None,
        }
    }

    /// A rate of `numerator / denominator` basis points, e.g. `(1, 4)` for 0.25 bp.
    ///
    /// `None` when the denominator is 0, the value overflows, or it is not a whole number
    /// of ppb (1/3 bp is not): a rate is never rounded silently.
    #[must_use]
    pub fn from_bps_fraction(numerator: i64, denominator: u64) -> Option<Self> {
        if denominator == 0 {
            return None;
        }
        let scaled = i128::from(numerator) * i128::from(PPB_PER_BP);
        let den = i128::from(denominator);
        if scaled % den != 0 {
            return None;
        }
        i64::try_from(scaled / den).ok().map(Self)
    }

    /// The rate in parts per billion.
    #[must_use]
    pub const fn ppb(self) -> i64 {
        self.0
    }

    /// `ceil(|price_raw| × qty_raw × rate)` in raw units, exactly (`None` on overflow of
    /// `i128`, which needs a rate far beyond 100 %).
    #[must_use]
    pub fn fee_on(self, price_raw: i64, qty_raw: u64) -> Option<i128> {
        // price × qty < 2^63 × 2^64 = 2^127 fits u128; split it as high·10^18 + low so
        // the rate multiplies two small numbers instead of one 127-bit one.
        let product = u128::from(price_raw.unsigned_abs()) * u128::from(qty_raw);
        let (high, low) = (product / DIVISOR, product % DIVISOR);
        let rate = u128::from(self.0.unsigned_abs());
        let whole = high.checked_mul(rate)?;
        let part = low.checked_mul(rate)?; // < 10^18 · 2^63 < 2^123
        let magnitude = whole.checked_add(part / DIVISOR)?;
        let magnitude = i128::try_from(magnitude).ok()?;
        Some(if self.0 >= 0 {
            // A fee: round up.
            magnitude + i128::from(part % DIVISOR != 0)
        } else {
            // A rebate: round toward zero (drop the remainder).
            -magnitude
        })
    }
}

/// The commission of a fill did not fit in a raw `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeeOverflow;

impl fmt::Display for FeeOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("commission overflows a raw i64 amount")
    }
}

impl std::error::Error for FeeOverflow {}

/// Maker and taker rates plus an optional fixed amount per fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FeeModel {
    /// Rate for fills of resting orders (negative: a rebate).
    pub maker: FeeRate,
    /// Rate for fills of aggressing orders.
    pub taker: FeeRate,
    /// Raw amount added to every fill's commission (0: none).
    pub fixed_per_fill: i64,
}

impl FeeModel {
    /// No fees at all.
    pub const ZERO: Self = Self {
        maker: FeeRate::ZERO,
        taker: FeeRate::ZERO,
        fixed_per_fill: 0,
    };

    /// Maker/taker rates, no fixed part.
    #[must_use]
    pub const fn maker_taker(maker: FeeRate, taker: FeeRate) -> Self {
        Self {
            maker,
            taker,
            fixed_per_fill: 0,
        }
    }

    /// A fixed raw amount per fill and no proportional part.
    #[must_use]
    pub const fn fixed(per_fill_raw: i64) -> Self {
        Self {
            maker: FeeRate::ZERO,
            taker: FeeRate::ZERO,
            fixed_per_fill: per_fill_raw,
        }
    }

    /// This model with `per_fill_raw` added to every fill.
    #[must_use]
    pub const fn with_fixed_per_fill(mut self, per_fill_raw: i64) -> Self {
        self.fixed_per_fill = per_fill_raw;
        self
    }

    /// The rate that applies to a fill with this liquidity.
    #[must_use]
    pub const fn rate(&self, liquidity: Liquidity) -> FeeRate {
        match liquidity {
            Liquidity::Maker => self.maker,
            Liquidity::Taker => self.taker,
        }
    }

    /// Commission of one fill, in raw units: `ceil(|price| × qty × rate) + fixed_per_fill`.
    pub fn commission(
        &self,
        liquidity: Liquidity,
        price_raw: i64,
        qty_raw: u64,
    ) -> Result<i64, FeeOverflow> {
        let proportional = self
            .rate(liquidity)
            .fee_on(price_raw, qty_raw)
            .ok_or(FeeOverflow)?;
        let total = proportional
            .checked_add(i128::from(self.fixed_per_fill))
            .ok_or(FeeOverflow)?;
        i64::try_from(total).map_err(|_| FeeOverflow)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ONE: i64 = 1_000_000_000;

    #[test]
    fn rate_constructors() {
        assert_eq!(FeeRate::from_bps(5), Some(FeeRate::from_ppb(500_000)));
        assert_eq!(FeeRate::from_bps(-1).map(FeeRate::ppb), Some(-100_000));
        assert_eq!(FeeRate::from_bps(i64::MAX), None);
        assert_eq!(
            FeeRate::from_bps_fraction(1, 4),
            Some(FeeRate::from_ppb(25_000))
        );
        assert_eq!(
            FeeRate::from_bps_fraction(-5, 2),
            Some(FeeRate::from_ppb(-250_000))
        );
        // 1/3 bp is 33 333.3… ppb: refused, never rounded.
        assert_eq!(FeeRate::from_bps_fraction(1, 3), None);
        assert_eq!(FeeRate::from_bps_fraction(1, 0), None);
        assert_eq!(FeeRate::from_bps_fraction(i64::MAX, 1), None);
    }

    #[test]
    fn worked_taker_and_maker_fill() {
        // 0.123 BTC at 50 000.00 USDT: notional 6 150 USDT.
        let model = FeeModel::maker_taker(
            FeeRate::from_bps(-1).unwrap(),
            FeeRate::from_bps(5).unwrap(),
        );
        let (price, qty) = (50_000 * ONE, 123_000_000u64);
        // Taker 5 bp: 6 150 × 0.0005 = 3.075 USDT.
        assert_eq!(
            model.commission(Liquidity::Taker, price, qty),
            Ok(3_075_000_000)
        );
        // Maker −1 bp: a rebate of 0.615 USDT.
        assert_eq!(
            model.commission(Liquidity::Maker, price, qty),
            Ok(-615_000_000)
        );
    }

    #[test]
    fn fees_round_up_and_rebates_toward_zero() {
        // 1 raw unit (1e-9) at 1.23456789 with ±1 bp: exact value 0.000123456789 raw.
        let fee = FeeRate::from_bps(1).unwrap();
        let rebate = FeeRate::from_bps(-1).unwrap();
        assert_eq!(fee.fee_on(1_234_567_890, 1), Some(1));
        assert_eq!(rebate.fee_on(1_234_567_890, 1), Some(0));
        // 3 units at 0.333333333 with 10 % (100 000 000 ppb):
        // 333_333_333 × 3 × 10^8 / 10^18 = 0.0999999999 raw → fee 1, rebate 0.
        let ten_pct = FeeRate::from_ppb(100_000_000);
        assert_eq!(ten_pct.fee_on(333_333_333, 3), Some(1));
        assert_eq!(
            FeeRate::from_ppb(-100_000_000).fee_on(333_333_333, 3),
            Some(0)
        );
        // Price 0.000000125 (raw 125), qty 1 (raw 10^9), 10 %: 125 × 10^9 × 10^8 / 10^18
        // = 12.5 raw → fee 13, rebate −12.
        assert_eq!(ten_pct.fee_on(125, ONE as u64), Some(13));
        assert_eq!(
            FeeRate::from_ppb(-100_000_000).fee_on(125, ONE as u64),
            Some(-12)
        );
        // Exact results are not nudged.
        assert_eq!(ten_pct.fee_on(100, ONE as u64), Some(10));
    }

    #[test]
    fn negative_prices_pay_on_the_magnitude() {
        let r = FeeRate::from_bps(10).unwrap(); // 0.1 %
        // −37.63 × 2 = notional 75.26 → 0.07526.
        assert_eq!(r.fee_on(-37_630_000_000, 2 * ONE as u64), Some(75_260_000));
        assert_eq!(r.fee_on(37_630_000_000, 2 * ONE as u64), Some(75_260_000));
    }

    #[test]
    fn fixed_part_is_added_per_fill() {
        let model = FeeModel::fixed(2 * ONE); // 2.00 per fill
        assert_eq!(
            model.commission(Liquidity::Maker, 100 * ONE, 5),
            Ok(2 * ONE)
        );
        assert_eq!(model.commission(Liquidity::Taker, 0, 0), Ok(2 * ONE));
        let both = FeeModel::maker_taker(FeeRate::ZERO, FeeRate::from_bps(10).unwrap())
            .with_fixed_per_fill(ONE / 2);
        // 10 @ 100.00 = 1 000 notional: 1.00 + 0.50.
        assert_eq!(
            both.commission(Liquidity::Taker, 100 * ONE, 10 * ONE as u64),
            Ok(1_500_000_000)
        );
        assert_eq!(FeeModel::ZERO.commission(Liquidity::Taker, ONE, 1), Ok(0));
    }

    #[test]
    fn extremes_are_exact_or_overflow() {
        // Largest price and quantity at 100 %: the fee is price × qty / 10^9 raw, which
        // overflows i64 — reported, not wrapped.
        let full = FeeModel::maker_taker(FeeRate::ZERO, FeeRate::from_ppb(ONE));
        assert_eq!(
            full.commission(Liquidity::Taker, i64::MAX, u64::MAX),
            Err(FeeOverflow)
        );
        // i64::MIN has no positive i64 twin; its magnitude still works.
        // 2^63 × 1 ppb = 9.223372036854775808 raw → 10.
        assert_eq!(FeeRate::from_ppb(1).fee_on(i64::MIN, 1), Some(10));
        assert_eq!(FeeRate::from_ppb(i64::MAX).fee_on(i64::MAX, u64::MAX), None);
        let fixed = FeeModel::fixed(i64::MAX).with_fixed_per_fill(i64::MAX);
        assert_eq!(fixed.commission(Liquidity::Taker, ONE, 1), Ok(i64::MAX));
        let over = FeeModel::maker_taker(FeeRate::ZERO, FeeRate::from_bps(1).unwrap())
            .with_fixed_per_fill(i64::MAX);
        assert_eq!(
            over.commission(Liquidity::Taker, ONE, ONE as u64),
            Err(FeeOverflow)
        );
        assert_eq!(
            FeeOverflow.to_string(),
            "commission overflows a raw i64 amount"
        );
    }

    proptest! {
        /// The split computation equals ceil(p·q·r / 10^18) done with big-enough integers
        /// (checked here where the full product fits i128).
        #[test]
        fn matches_direct_ceiling(
            price in -(1i64 << 40)..(1i64 << 40),
            qty in 0u64..(1u64 << 40),
            ppb in -2_000_000_000i64..2_000_000_000,
        ) {
            let exact = i128::from(price).abs() * i128::from(qty) * i128::from(ppb);
            let d = DIVISOR as i128;
            // Ceiling of a signed quotient.
            let ceil = exact.div_euclid(d) + i128::from(exact.rem_euclid(d) != 0);
            prop_assert_eq!(FeeRate::from_ppb(ppb).fee_on(price, qty), Some(ceil));
            // A rebate is never larger in magnitude than the same rate's fee.
            let fee = FeeRate::from_ppb(ppb.abs()).fee_on(price, qty).unwrap();
            let reb = FeeRate::from_ppb(-ppb.abs()).fee_on(price, qty).unwrap();
            prop_assert!(reb <= 0 && fee >= 0 && fee + reb <= 1 && fee + reb >= 0);
        }
    }
}
