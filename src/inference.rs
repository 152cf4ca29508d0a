//! Inference through one dense layer: `y = b + x W`, a few rows at a time,
//! each block handed back for its activation while it is still in cache.
//!
//! Each value starts from its bias (`+ 0`, so a bias of −0 gives +0) and gets
//! its terms added one after the other in order of the inner index, never
//! fused. A sample therefore gives the same bits alone or in any batch, in
//! every build and natively. Inputs that are exactly zero (most pixels of a
//! digit) may be skipped: adding `0 · w` to a sum that is not −0 changes
//! nothing, and no sum here is −0.
//!
//! The one exception is the build with the `fused-inference` feature, which
//! only `InferencePool`'s `fused` option loads: there each term is added by
//! wasm's relaxed multiply-add, fused where the CPU can (about a fifth
//! faster here), so its last bits differ from every other build's. Within
//! that build a sample still gets the same bits alone or in any batch.
//!
//! On wasm, blocks of four dense rows go through a 4 × 8 register-blocked
//! kernel over every column of the layer; rows that are mostly zeros, and
//! the last few, go alone, 16 columns at a time over their nonzero inputs.
//! Natively each sample is summed alone by plain loops.

use std::mem::MaybeUninit;

/// Rows of `x` (and of `y`) per block.
const MR: usize = 4;

/// `y ← b + x w`, `MR` rows at a time, each block handed to `finish` as soon
/// as its sums are complete; `finish` returns false to stop there (an
/// overflow, say), and then so does this function. `y` may start
/// uninitialised (a fresh result need not be zeroed first, a 3 MB write for
/// a decode of 1,000 digits); every value of it is written when this
/// returns true, and every value of the blocks handed to `finish`.
///
/// # Shapes
/// `x: [m, k]` and `w: [k, n]` row-major, `bias: [n]`, `y: [m, n]`.
///
/// # Panics
/// If the lengths do not fit those shapes, or `k` or `n` is 0 (a bug in
/// the caller: a layer has at least one input and one unit).
pub fn dense(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    y: &mut [MaybeUninit<f32>],
    mut finish: impl FnMut(&mut [f32]) -> bool,
) -> bool {
    let n = bias.len();
    let k = w.len() / n.max(1);
    assert!(
        k > 0 && w.len() == k * n && x.len() % k == 0 && y.len() * k == x.len() * n,
        "dense: x {} values, w {} values, bias {n}, y {}",
        x.len(),
        w.len(),
        y.len()
    );
    let mut scratch = backend::Scratch::new(k);
    for (x_rows, y_rows) in x.chunks(MR * k).zip(y.chunks_mut(MR * n)) {
        backend::sums(x_rows, w, bias, y_rows, &mut scratch);
        // SAFETY: `sums` wrote every value of the block.
        if !finish(unsafe { written(y_rows) }) {
            return false;
        }
    }
    true
}

/// `values` as the f32s they now hold (MaybeUninit<f32> has f32's layout).
///
/// # Safety
/// Every value must have been written.
unsafe fn written(values: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    &mut *(values as *mut [MaybeUninit<f32>] as *mut [f32])
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd as backend;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use plain as backend;

/// The sums by plain loops, one sample at a time.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod plain {
    use std::mem::MaybeUninit;

    /// The nonzero inputs of a sample and their steps, kept between blocks.
    pub struct Scratch(Vec<(usize, f32)>);

    impl Scratch {
        pub fn new(k: usize) -> Self {
            Scratch(Vec::with_capacity(k))
        }
    }

    /// `y_rows ← b + x_rows w` for one block of rows, every value written.
    pub fn sums(
        x_rows: &[f32],
        w: &[f32],
        bias: &[f32],
        y_rows: &mut [MaybeUninit<f32>],
        scratch: &mut Scratch,
    ) {
        let k = w.len() / bias.len();
        for (x, out) in x_rows
            .chunks_exact(k)
            .zip(y_rows.chunks_exact_mut(bias.len()))
        {
            sample(x, w, bias, out, &mut scratch.0);
        }
    }

    /// One sample: `out ← b + Σ_k x_k w[k, :]` over the `x_k` that are not
    /// zero. Four terms share one pass over `out`; each value still adds
    /// them one after the other, so the bits are those of four separate
    /// passes.
    fn sample(
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        out: &mut [MaybeUninit<f32>],
        terms: &mut Vec<(usize, f32)>,
    ) {
        let n = out.len();
        out.iter_mut().zip(bias).for_each(|(o, &b)| {
            o.write(b + 0.0);
        });
        // SAFETY: every value was just written.
        let out = unsafe { super::written(out) };
        terms.clear();
        terms.extend(x.iter().copied().enumerate().filter(|&(_, x_k)| x_k != 0.0));
        let row = |k: usize| &w[k * n..][..n];
        let mut groups = terms.chunks_exact(4);
        for group in &mut groups {
            let &[(k0, a0), (k1, a1), (k2, a2), (k3, a3)] = group else {
                unreachable!("chunks of four")
            };
            let (r0, r1, r2, r3) = (row(k0), row(k1), row(k2), row(k3));
            for (i, o) in out.iter_mut().enumerate() {
                *o = *o + a0 * r0[i] + a1 * r1[i] + a2 * r2[i] + a3 * r3[i];
            }
        }
        for &(k, a) in groups.remainder() {
            out.iter_mut().zip(row(k)).for_each(|(o, &w)| *o += a * w);
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::MR;
    use core::arch::wasm32::*;
    use std::mem::MaybeUninit;

    /// Columns of `w` (and of `y`) per panel in a block of `MR` rows: two
    /// registers per row.
    const NR: usize = 8;

    /// Columns per panel for a row alone: four registers.
    const WIDE: usize = 16;

    /// A block of `MR` rows whose zeros drop at least this share of its
    /// steps goes row by row, each over its own nonzero steps; any other
    /// goes through the `MR`-row kernel over every step.
    const WORTH_SKIPPING: f32 = 0.2;

    /// Room for each row's nonzero steps, kept between blocks.
    pub struct Scratch([Vec<u32>; MR]);

    impl Scratch {
        pub fn new(k: usize) -> Self {
            Scratch(std::array::from_fn(|_| vec![0; k]))
        }
    }

    /// `y_rows ← b + x_rows w` for one block of at most MR rows, every
    /// value written: through the MR-row kernel if the block is full and
    /// dense, else row by row.
    pub fn sums(
        x_rows: &[f32],
        w: &[f32],
        bias: &[f32],
        y_rows: &mut [MaybeUninit<f32>],
        scratch: &mut Scratch,
    ) {
        let (n, k) = (bias.len(), w.len() / bias.len());
        let count = x_rows.len() / k;
        let mut lists: [&[u32]; MR] = [&[]; MR];
        for ((row, room), list) in x_rows.chunks_exact(k).zip(&mut scratch.0).zip(&mut lists) {
            *list = nonzero_steps(row, room);
        }
        let kept: usize = lists[..count].iter().map(|list| list.len()).sum();
        let sparse = kept as f32 <= (1.0 - WORTH_SKIPPING) * (count * k) as f32;
        if count == MR && !sparse {
            let a = std::array::from_fn(|i| x_rows[i * k..].as_ptr());
            let out = std::array::from_fn(|i| y_rows[i * n..].as_mut_ptr() as *mut f32);
            // SAFETY: `a` holds MR rows of k values, `out` MR rows of n.
            unsafe { block(k, a, w, bias, out) };
            return;
        }
        let rows = x_rows.chunks_exact(k).zip(y_rows.chunks_exact_mut(n));
        for ((row, out), list) in rows.zip(lists) {
            // SAFETY: `row` holds k values, `out` n; the list's steps are below k.
            unsafe { alone(list, row.as_ptr(), w, bias, out.as_mut_ptr() as *mut f32) };
        }
    }

    /// The steps at which `row` holds a value other than ±0, written at the
    /// front of `room` (at least as long as `row`), without a branch per
    /// value: each quad of values stores four steps, its nonzero ones
    /// packed first by [`PACKED`], and the count moves past those only.
    fn nonzero_steps<'a>(row: &[f32], room: &'a mut [u32]) -> &'a [u32] {
        assert!(room.len() >= row.len(), "room for every step");
        let mut count = 0;
        let mut quads = row.chunks_exact(4);
        for (q, quad) in (&mut quads).enumerate() {
            // SAFETY: `quad` holds four values; `count ≤ 4q`, so the four
            // steps stored end at or before `4q + 4 ≤ row.len()`.
            unsafe {
                let values = v128_load(quad.as_ptr() as *const v128);
                let mask = i32x4_bitmask(f32x4_ne(values, f32x4_splat(0.0)));
                let lanes = v128_load32_zero(PACKED[mask as usize].as_ptr() as *const u32);
                let lanes = u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(lanes));
                let steps = u32x4_add(lanes, u32x4_splat(4 * q as u32));
                v128_store(room.as_mut_ptr().add(count) as *mut v128, steps);
                count += mask.count_ones() as usize;
            }
        }
        let from = row.len() - quads.remainder().len();
        for (step, &value) in (from..).zip(quads.remainder()) {
            room[count] = step as u32;
            count += usize::from(value != 0.0);
        }
        &room[..count]
    }

    /// For each mask of four lanes, its set lanes in order, then zeros.
    const PACKED: [[u8; 4]; 16] = {
        let mut table = [[0; 4]; 16];
        let mut mask = 0;
        while mask < 16 {
            let (mut lane, mut count) = (0, 0);
            while lane < 4 {
                if mask & (1 << lane) != 0 {
                    table[mask][count] = lane as u8;
                    count += 1;
                }
                lane += 1;
            }
            mask += 1;
        }
        table
    };

    /// MR rows over all k steps: NR columns at a time, then the last few
    /// one by one.
    ///
    /// # Safety
    /// Each of `a` must point at k readable values, each of `out` at n
    /// values to write.
    unsafe fn block(k: usize, a: [*const f32; MR], w: &[f32], bias: &[f32], out: [*mut f32; MR]) {
        let n = bias.len();
        let end = n - n % NR;
        for j0 in (0..end).step_by(NR) {
            let (b, bias) = (w.as_ptr().add(j0), bias.as_ptr().add(j0));
            kernel::<MR, { NR / 4 }>(0..k, a, b, n, bias, out.map(|row| row.add(j0)));
        }
        for (a, out) in a.into_iter().zip(out) {
            last_columns(0..k, a, w, bias, end, out);
        }
    }

    /// One row over the steps listed: WIDE columns at a time while they
    /// last, then NR, then the last few one by one.
    ///
    /// # Safety
    /// `a` must point at k readable values, `out` at n values to write;
    /// every step is below k.
    unsafe fn alone(steps: &[u32], a: *const f32, w: &[f32], bias: &[f32], out: *mut f32) {
        let n = bias.len();
        let (wide_end, end) = (n - n % WIDE, n - n % NR);
        let steps = steps.iter().map(|&step| step as usize);
        for j0 in (0..wide_end).step_by(WIDE) {
            let (b, bias) = (w.as_ptr().add(j0), bias.as_ptr().add(j0));
            kernel::<1, { WIDE / 4 }>(steps.clone(), [a], b, n, bias, [out.add(j0)]);
        }
        for j0 in (wide_end..end).step_by(NR) {
            let (b, bias) = (w.as_ptr().add(j0), bias.as_ptr().add(j0));
            kernel::<1, { NR / 4 }>(steps.clone(), [a], b, n, bias, [out.add(j0)]);
        }
        last_columns(steps, a, w, bias, end, out);
    }

    /// Columns `from..n` of one row, one value at a time, with the same
    /// operations in the same order as a lane of [`kernel`] (a vector
    /// operation with one lane used: a relaxed multiply-add is fused or
    /// not as the engine chooses, and it must choose alike here).
    ///
    /// # Safety
    /// As for [`alone`].
    #[cfg_attr(feature = "fused-inference", target_feature(enable = "relaxed-simd"))]
    unsafe fn last_columns(
        steps: impl Iterator<Item = usize> + Clone,
        a: *const f32,
        w: &[f32],
        bias: &[f32],
        from: usize,
        out: *mut f32,
    ) {
        let n = bias.len();
        for j in from..n {
            let mut sum = f32x4_splat(bias[j] + 0.0);
            for step in steps.clone() {
                let (a, w) = (f32x4_splat(*a.add(step)), f32x4_splat(w[step * n + j]));
                sum = multiply_add(a, w, sum);
            }
            *out.add(j) = f32x4_extract_lane::<0>(sum);
        }
    }

    /// An R × 4V block of `y` over `steps`, held in R · V registers: starts
    /// from the bias (`+ 0`), then each step loads V vectors of `w`,
    /// broadcasts R values of `x`, and does R · V multiply-adds (unfused but
    /// in the `fused-inference` build). Every value sees the same operations
    /// in the same order whatever R and V, so every path gives the same bits.
    ///
    /// # Safety
    /// Each of `a` must point at k readable values, `b` at k runs of 4V
    /// readable values `b_step` apart, `bias` at 4V values, and each of
    /// `out` at 4V values to write; every step is below k.
    #[inline(never)]
    #[cfg_attr(feature = "fused-inference", target_feature(enable = "relaxed-simd"))]
    unsafe fn kernel<const R: usize, const V: usize>(
        steps: impl Iterator<Item = usize>,
        a: [*const f32; R],
        b: *const f32,
        b_step: usize,
        bias: *const f32,
        out: [*mut f32; R],
    ) {
        let start: [v128; V] = std::array::from_fn(|v| {
            f32x4_add(v128_load(bias.add(4 * v) as *const v128), f32x4_splat(0.0))
        });
        let mut acc = [start; R];
        for step in steps {
            let b_row = b.add(step * b_step);
            let bv: [v128; V] = std::array::from_fn(|v| v128_load(b_row.add(4 * v) as *const v128));
            for (row, a) in acc.iter_mut().zip(a) {
                let ai = f32x4_splat(*a.add(step));
                for (sum, b) in row.iter_mut().zip(bv) {
                    *sum = multiply_add(ai, b, *sum);
                }
            }
        }
        for (row, out) in acc.iter().zip(out) {
            for (v, sum) in row.iter().enumerate() {
                v128_store(out.add(4 * v) as *mut v128, *sum);
            }
        }
    }

    /// `sum + a b`, lane by lane: fused where the engine chooses to in the
    /// `fused-inference` build, and a multiply then an add in every other.
    /// The target feature is enabled here and where this is called only.
    #[inline]
    #[cfg_attr(feature = "fused-inference", target_feature(enable = "relaxed-simd"))]
    unsafe fn multiply_add(a: v128, b: v128, sum: v128) -> v128 {
        #[cfg(feature = "fused-inference")]
        return f32x4_relaxed_madd(a, b, sum);
        #[cfg(not(feature = "fused-inference"))]
        f32x4_add(sum, f32x4_mul(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_bias_then_terms_and_hands_back_blocks_of_four_rows() {
        // x: [9, 2], w: [2, 3]; row i of x is (i, −1), every other one zero.
        let x: Vec<f32> = (0..9)
            .flat_map(|i| {
                if i % 2 == 0 {
                    [i as f32, -1.0]
                } else {
                    [0.0; 2]
                }
            })
            .collect();
        let w = [1.0, 2.0, 3.0, 0.5, 0.25, -0.0];
        let bias = [-0.0, 10.0, 0.0];
        let mut y = vec![MaybeUninit::new(f32::NAN); 9 * 3];
        let mut blocks = Vec::new();
        let finished = dense(&x, &w, &bias, &mut y, |rows| {
            blocks.push(rows.len() / 3);
            true
        });
        assert!(finished);
        // SAFETY: initialised with NaN, which the sums replaced.
        let y: Vec<f32> = y.iter().map(|v| unsafe { v.assume_init() }).collect();
        assert_eq!(blocks, [4, 4, 1]);
        for (i, row) in y.chunks_exact(3).enumerate() {
            let want = if i % 2 == 0 {
                let a = i as f32;
                [a - 0.5, 10.0 + 2.0 * a - 0.25, 3.0 * a]
            } else {
                [0.0, 10.0, 0.0]
            };
            assert_eq!(row, want, "row {i}");
            // A bias of −0 with nothing added gives +0.
            assert!(row[0].is_sign_positive() || i % 2 == 0, "row {i}");
        }
    }

    #[test]
    fn stops_at_the_first_block_refused() {
        let (x, w, bias) = (vec![1.0f32; 9], [2.0f32], [0.0f32]);
        let mut y = vec![MaybeUninit::new(0.0f32); 9];
        let mut calls = 0;
        let finished = dense(&x, &w, &bias, &mut y, |_| {
            calls += 1;
            calls < 2
        });
        assert!(!finished);
        assert_eq!(calls, 2);
        // SAFETY: initialised with zeros; the two blocks done hold 2s.
        let y: Vec<f32> = y.iter().map(|v| unsafe { v.assume_init() }).collect();
        assert_eq!(y, [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0]);
    }
}
