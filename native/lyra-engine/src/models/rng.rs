//! A counter-based `SplitMix64` stream: random numbers addressed by `(seed, stream, index)`.
//!
//! This is the same generator as Lyra's benchmark data (`synth.py`), so a value drawn here
//! equals the one Python draws for the same address, on any machine:
//!
//! ```text
//! GOLDEN   = 0x9E3779B97F4A7C15
//! mix(z)   : z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
//!            z *= 0x94D049BB133111EB; z ^= z >> 31          (all mod 2^64)
//! key      = mix(seed + stream * GOLDEN)
//! bits(i)  = mix(key + (i + 1) * GOLDEN)
//! u(i)     = (bits(i) >> 11) * 2^-53                         in [0, 1)
//! below(i, n) = ((bits(i) >> 11) * n) >> 53                  in 0..n, exact integers
//! ```
//!
//! There is no state to advance: the `i`-th number of a stream is computed from `i`
//! alone. A simulation that numbers its random draws (the latency model uses the command
//! sequence number) therefore gets the same draws whatever order it asks for them in, and
//! whatever else it draws in between.

/// The golden-ratio increment of `SplitMix64` (`2^64 / φ`, odd).
pub const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// `SplitMix64`'s finaliser: a bijection on `u64` that scatters nearby inputs.
#[inline]
#[must_use]
pub const fn mix(mut z: u64) -> u64 {
    z ^= z >> 30;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 27;
    z = z.wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `2^-53`, exactly.
const INV_2_53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// One stream of a seed: `bits(i)`, `uniform(i)` and `below(i, n)` for any index `i`.
///
/// Copying it is free and two copies agree forever — it holds only the stream's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SplitMixStream {
    key: u64,
}

impl SplitMixStream {
    /// The stream `stream` of `seed` (key `mix(seed + stream * GOLDEN)`).
    #[must_use]
    pub const fn new(seed: u64, stream: u64) -> Self {
        Self {
            key: mix(seed.wrapping_add(stream.wrapping_mul(GOLDEN))),
        }
    }

    /// The stream's key.
    #[must_use]
    pub const fn key(self) -> u64 {
        self.key
    }

    /// The 64 random bits at `index`: `mix(key + (index + 1) * GOLDEN)`.
    #[inline]
    #[must_use]
    pub const fn bits(self, index: u64) -> u64 {
        mix(self
            .key
            .wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN)))
    }

    /// The uniform double in `[0, 1)` at `index`: the top 53 bits of [`bits`](Self::bits)
    /// times `2^-53` (exact: every such value is a `f64`).
    #[inline]
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // 53-bit integers are exact in an f64
    pub fn uniform(self, index: u64) -> f64 {
        // Scaling by a power of two is exact too.
        (self.bits(index) >> 11) as f64 * INV_2_53
    }

    /// An integer in `0..n` at `index`, computed without floating point:
    /// `((bits >> 11) * n) >> 53`, i.e. `floor(u * n)` in exact arithmetic.
    ///
    /// Returns 0 when `n` is 0. The map from 53 bits to `0..n` is as even as a fixed-width
    /// draw can be (counts differ by at most one), which is far below any effect a
    /// simulation could measure for `n` much smaller than `2^53`.
    #[inline]
    #[must_use]
    pub const fn below(self, index: u64, n: u64) -> u64 {
        (((self.bits(index) >> 11) as u128 * n as u128) >> 53) as u64
    }
}

/// `u(start) .. u(start + count - 1)` of the stream `(seed, stream)`, like `synth.uniforms`.
#[must_use]
pub fn uniforms(seed: u64, stream: u64, start: u64, count: usize) -> Vec<f64> {
    let s = SplitMixStream::new(seed, stream);
    (0..count as u64).map(|k| s.uniform(start + k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values come from the Python reference:
    //   python3 -c "import sys; sys.path.insert(0, '/work/shared/bench'); import synth;
    //               print(synth.uniforms(42, 1, 0, 5).tolist())"
    // and the same formulas written with Python integers for `key`, `bits` and `below`.

    #[test]
    fn uniforms_match_synth_py_seed_42_stream_1() {
        let expected = [
            0.343_291_922_098_673_43,
            0.955_746_726_131_743_6,
            0.486_349_536_281_668_55,
            0.067_357_893_203_335_96,
            0.676_915_738_821_652_2,
        ];
        // Bit-for-bit equality: both sides compute the same exact value.
        assert_eq!(uniforms(42, 1, 0, 5), expected);
    }

    #[test]
    fn uniforms_match_synth_py_other_addresses() {
        assert_eq!(
            uniforms(0, 0, 0, 3),
            [
                0.883_310_808_213_642_6,
                0.431_527_997_048_509_97,
                0.026_433_771_592_597_743
            ]
        );
        // A start index other than 0 addresses the middle of the stream.
        assert_eq!(
            uniforms(7, 3, 1000, 2),
            [0.560_839_665_167_611_9, 0.309_404_775_003_921_05]
        );
    }

    #[test]
    fn key_and_bits_match_python_integers() {
        let s = SplitMixStream::new(42, 1);
        assert_eq!(s.key(), 0xbdd7_3226_2feb_6e95);
        let bits: Vec<u64> = (0..5).map(|i| s.bits(i)).collect();
        assert_eq!(
            bits,
            [
                0x57e1_faba_6510_7204,
                0xf4ab_d143_feb2_4055,
                0x7c81_6738_c129_03b2,
                0x113e_5dec_6f8f_d8a8,
                0xad4a_5990_62fd_1739,
            ]
        );
    }

    #[test]
    fn below_is_floor_of_u_times_n() {
        let s = SplitMixStream::new(42, 1);
        // Python: [((mix(key + (i+1)*G) >> 11) * 1000) >> 53 for i in range(5)]
        let got: Vec<u64> = (0..5).map(|i| s.below(i, 1000)).collect();
        assert_eq!(got, [343, 955, 486, 67, 676]);
        assert_eq!(s.below(0, 0), 0);
        assert_eq!(s.below(3, 1), 0);
        for i in 0..1000 {
            assert!(s.below(i, 7) < 7);
        }
    }

    #[test]
    fn draws_are_independent_of_call_order() {
        let a = SplitMixStream::new(9, 2);
        let b = a;
        let forward: Vec<u64> = (0..50).map(|i| a.bits(i)).collect();
        let mut backward: Vec<u64> = (0..50).rev().map(|i| b.bits(i)).collect();
        backward.reverse();
        assert_eq!(forward, backward);
        assert_ne!(
            SplitMixStream::new(9, 2).bits(0),
            SplitMixStream::new(9, 3).bits(0)
        );
    }
}
