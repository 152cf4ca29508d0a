//! Element-wise activations with their first and second derivatives.
//!
//! The derivatives are written in terms of both the pre-activation `z` and the
//! output `y = φ(z)`, whichever is cheaper: `σ'(z) = y(1 − y)`,
//! `tanh'(z) = 1 − y²`. The second derivative is needed by the exact gradient
//! of the contractive penalty.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Sigmoid,
    Relu,
    Tanh,
    Identity,
}

impl Activation {
    /// `φ(z)`.
    #[inline]
    pub fn apply(self, z: f32) -> f32 {
        match self {
            Activation::Sigmoid => sigmoid(z),
            Activation::Relu => z.max(0.0),
            Activation::Tanh => tanh(z),
            Activation::Identity => z,
        }
    }

    /// `φ(z)` for every value of a slice, in place. The match is outside the
    /// loop and the sigmoid is branch-free, so the loop vectorises.
    pub fn apply_in_place(self, values: &mut [f32]) {
        match self {
            Activation::Sigmoid => sigmoid_in_place(values),
            Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Tanh => values.iter_mut().for_each(|v| *v = tanh(*v)),
            Activation::Identity => {}
        }
    }

    /// `φ'(z)`, given `z` and `y = φ(z)`.
    #[inline]
    pub fn derivative(self, z: f32, y: f32) -> f32 {
        match self {
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - y * y,
            Activation::Identity => 1.0,
        }
    }

    /// `φ''(z)`, given `y = φ(z)`; zero for the piecewise-linear ones.
    #[inline]
    pub fn second_derivative(self, y: f32) -> f32 {
        match self {
            Activation::Sigmoid => y * (1.0 - y) * (1.0 - 2.0 * y),
            Activation::Tanh => -2.0 * y * (1.0 - y * y),
            Activation::Relu | Activation::Identity => 0.0,
        }
    }

    /// The range of outputs, used to check objectives that need `[0, 1]`.
    pub fn is_unit_interval(self) -> bool {
        self == Activation::Sigmoid
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Identity => "identity",
        };
        f.write_str(name)
    }
}

/// `tanh z` from plain float32 arithmetic and [`exp`], so that it gives the
/// same bits natively and in every wasm build (`f32::tanh` is the platform's
/// libm, whose last bits differ between glibc and the wasm port), and so
/// that loops over slices vectorise. Within 3 ulp; odd, exact 0 at 0 and ±1
/// far out; NaN stays NaN.
///
/// Below 0.625 it is the odd Taylor series to `z¹⁷` (the next term is under
/// 1e-7 of the result there); above, `1 − 2 / (e^{2|z|} + 1)`, whose
/// cancellation costs little once the result passes one half.
#[inline(always)]
pub fn tanh(z: f32) -> f32 {
    let a = z.abs();
    let s = a * a;
    // Coefficients of z³, z⁵, …, z¹⁷, highest first.
    let mut p = 6_404_582.0 / 10_854_718_875.0;
    for c in [
        -929_569.0 / 638_512_875.0,
        21_844.0 / 6_081_075.0,
        -1_382.0 / 155_925.0,
        62.0 / 2_835.0,
        -17.0 / 315.0,
        2.0 / 15.0,
        -1.0 / 3.0,
    ] {
        p = p * s + c;
    }
    let near_zero = a + a * (s * p);
    let far = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    let t = if a < 0.625 { near_zero } else { far };
    t.copysign(z)
}

/// The logistic function `1 / (1 + e^−z)`, from [`exp`]; exact 0.5 at 0,
/// and near 0 (down to 6e-39: `exp` stops at e^88) or exactly 1 far
/// out, without overflow.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + exp(-z))
}

/// [`sigmoid`] of every value, in place: a loop the compiler vectorises, but
/// in the `fused-inference` build, whose sigmoid fuses its multiply-adds.
fn sigmoid_in_place(values: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", feature = "fused-inference"))]
    // SAFETY: the fused build runs only where wasm has relaxed SIMD (its
    // module does not validate elsewhere).
    unsafe {
        fused::sigmoid_in_place(values)
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "fused-inference")))]
    values.iter_mut().for_each(|v| *v = sigmoid(*v));
}

/// The sigmoid of the `fused-inference` build: [`sigmoid`]'s operations on
/// four values at a time, with each multiply-add of [`exp`] fused where the
/// engine chooses to (relaxed SIMD), so its last bits differ from
/// [`sigmoid`]'s. The last few values of a slice go through the same vector
/// operations, so a value gets the same bits wherever it sits.
#[cfg(all(target_arch = "wasm32", feature = "fused-inference"))]
mod fused {
    use super::{LN2_HIGH, LN2_LOW, ROUND, TAYLOR};
    use core::arch::wasm32::*;

    #[target_feature(enable = "relaxed-simd")]
    pub unsafe fn sigmoid_in_place(values: &mut [f32]) {
        let mut quads = values.chunks_exact_mut(4);
        for quad in &mut quads {
            let z = v128_load(quad.as_ptr() as *const v128);
            v128_store(quad.as_mut_ptr() as *mut v128, sigmoid(z));
        }
        let rest = quads.into_remainder();
        if !rest.is_empty() {
            let mut padded = [0.0f32; 4];
            padded[..rest.len()].copy_from_slice(rest);
            let z = v128_load(padded.as_ptr() as *const v128);
            v128_store(padded.as_mut_ptr() as *mut v128, sigmoid(z));
            rest.copy_from_slice(&padded[..rest.len()]);
        }
    }

    /// `1 / (1 + e^−z)`, as [`super::sigmoid`] and [`super::exp`] write it.
    #[inline]
    #[target_feature(enable = "relaxed-simd")]
    unsafe fn sigmoid(z: v128) -> v128 {
        let splat = f32x4_splat;
        // −z clamped to [−87, 88] (pseudo-max and -min: NaN stays NaN).
        let x = f32x4_pmin(f32x4_pmax(f32x4_neg(z), splat(-87.0)), splat(88.0));
        let shifted = f32x4_relaxed_madd(x, splat(std::f32::consts::LOG2_E), splat(ROUND));
        let n = f32x4_sub(shifted, splat(ROUND));
        let r = f32x4_relaxed_nmadd(n, splat(LN2_HIGH), x);
        let r = f32x4_relaxed_nmadd(n, splat(LN2_LOW), r);
        let mut p = splat(TAYLOR[0]);
        for &c in &TAYLOR[1..] {
            p = f32x4_relaxed_madd(p, r, splat(c));
        }
        let bias = ROUND.to_bits() as i32 - 127;
        let exponent = i32x4_shl(i32x4_sub(shifted, i32x4_splat(bias)), 23);
        let e = f32x4_mul(p, exponent);
        f32x4_div(splat(1.0), f32x4_add(splat(1.0), e))
    }
}

/// `e^x` in f32 to within 2 ulp, without branches, so that loops over slices
/// vectorise (SSE2, AVX, wasm simd128) where `f32::exp` is a libm call.
///
/// `x` is clamped to `[−87, 88]` (the results stay normal numbers), split as
/// `x = n ln 2 + r` with `|r| ≤ ln 2 / 2`, and `e^r` is its Taylor polynomial
/// of degree 7 (truncation error below 2e-9); `2^n` is built from its bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // Comparisons rather than `clamp`: they become wasm's one-instruction
    // pseudo-minimum and pseudo-maximum, where `f32x4.min` and `max` cost
    // several (their NaN and ±0 rules). NaN stays NaN either way.
    let x = if x < -87.0 { -87.0 } else { x };
    let x = if x > 88.0 { 88.0 } else { x };
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HIGH - n * LN2_LOW;

    let mut p = TAYLOR[0];
    for c in &TAYLOR[1..] {
        p = p * r + c;
    }
    let exponent = (shifted.to_bits() as i32 - ROUND.to_bits() as i32 + 127) << 23;
    p * f32::from_bits(exponent as u32)
}

/// [`exp`]'s 1.5 · 2^23: adding it rounds to an integer, kept in the low
/// mantissa bits.
const ROUND: f32 = 12_582_912.0;
/// ln 2 in two parts, the first with zeros in its low bits, so that
/// `n · LN2_HIGH` is exact for the `n` of [`exp`].
const LN2_HIGH: f32 = 0.693_145_75;
const LN2_LOW: f32 = 1.428_606_8e-6;
/// The Taylor coefficients of `e^r` from `r⁷` down to `r⁰`.
const TAYLOR: [f32; 8] = [
    1.0 / 5040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
    1.0,
    1.0,
];

/// `e^(v_k − max v) / Σ_j e^(v_j − max v)` in place: the softmax, safe
/// from overflow whatever the logits.
pub fn softmax_in_place(values: &mut [f32]) {
    let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in values.iter_mut() {
        *v = exp(*v - max);
        sum += *v;
    }
    let scale = 1.0 / sum;
    values.iter_mut().for_each(|v| *v *= scale);
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Activation; 4] = [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::Tanh,
        Activation::Identity,
    ];

    #[test]
    fn softmax_sums_to_one_and_survives_huge_logits() {
        let mut v = [1.0f32, 2.0, 3.0];
        softmax_in_place(&mut v);
        let e: Vec<f64> = [1.0f64, 2.0, 3.0].iter().map(|x| x.exp()).collect();
        let total: f64 = e.iter().sum();
        for (got, want) in v.iter().zip(&e) {
            assert!((*got as f64 - want / total).abs() < 1e-6, "{v:?}");
        }
        let mut big = [1000.0f32, -1000.0, 999.0];
        softmax_in_place(&mut big);
        assert!(big.iter().all(|p| p.is_finite()), "{big:?}");
        assert!(
            (big[0] / big[2] - std::f32::consts::E).abs() < 1e-4,
            "{big:?}"
        );
        assert!(big[1] < 1e-30, "{big:?}");
    }

    #[test]
    fn derivatives_match_finite_differences() {
        // Central differences in f64 of the f32 function: step 1e-3 keeps the
        // truncation error (~1e-7) and the f32 rounding (~1e-7 / 1e-3) near 1e-4.
        let h = 1e-3f64;
        for act in ALL {
            for &z in &[-2.5f32, -0.7, 0.3, 1.9] {
                let f = |z: f64| act.apply(z as f32) as f64;
                let numeric = (f(z as f64 + h) - f(z as f64 - h)) / (2.0 * h);
                let y = act.apply(z);
                let analytic = act.derivative(z, y) as f64;
                assert!((numeric - analytic).abs() < 5e-4, "{act} at {z}");

                let d = |z: f64| act.derivative(z as f32, act.apply(z as f32)) as f64;
                let numeric2 = (d(z as f64 + h) - d(z as f64 - h)) / (2.0 * h);
                let analytic2 = act.second_derivative(y) as f64;
                assert!((numeric2 - analytic2).abs() < 5e-4, "{act}'' at {z}");
            }
        }
    }

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.0 {
            let (ours, reference) = (exp(x) as f64, (x as f64).exp());
            worst = worst.max((ours - reference).abs() / reference);
            x += 0.001_37;
        }
        // f32's epsilon is 1.19e-7: two ulp.
        assert!(worst < 2.4e-7, "relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert!(exp(1000.0).is_finite());
    }

    #[test]
    fn tanh_is_within_three_ulp_of_libm_and_odd() {
        let mut worst = 0.0f64;
        let mut z = -12.0f32;
        while z <= 12.0 {
            let (ours, reference) = (tanh(z) as f64, (z as f64).tanh());
            if reference != 0.0 {
                worst = worst.max((ours - reference).abs() / reference.abs());
            }
            assert_eq!(tanh(-z).to_bits(), (-tanh(z)).to_bits(), "odd at {z}");
            z += 0.000_37;
        }
        // Small arguments, where a formula through e^{2z} would cancel.
        for z in [1e-30f32, 1e-8, 3e-4, 0.01, 0.3, 0.6249, 0.6251] {
            let reference = (z as f64).tanh();
            worst = worst.max((tanh(z) as f64 - reference).abs() / reference);
        }
        // f32's epsilon is 1.19e-7: three ulp.
        assert!(worst < 3.6e-7, "relative error {worst}");
        assert_eq!(tanh(0.0).to_bits(), 0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh(50.0), 1.0);
        assert_eq!(tanh(-1e30), -1.0);
        assert!(tanh(f32::NAN).is_nan());
    }

    #[test]
    fn sigmoid_is_finite_and_exact_at_the_extremes() {
        assert!(sigmoid(-200.0) < 1e-37);
        assert_eq!(sigmoid(200.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
    }
}
