//! The matrix products of training: `c ← α a b + β c`.
//!
//! Natively this is ndarray's `general_mat_mul` (matrixmultiply, with AVX and
//! FMA where the CPU has them). On wasm32 it is our own kernel: operands packed
//! into panels, and a 4 × 8 block of `c` kept in eight 128-bit registers over
//! the whole inner dimension. Built with the crate's `relaxed-simd` feature
//! (the package's second wasm module, for browsers that have it), each step
//! of the training kernel is one fused multiply-add; otherwise a multiply and
//! an add. The kernel alone carries the relaxed-SIMD target feature, and only
//! its fused multiply-adds come from it; but LLVM gives a wasm module one set
//! of features, so in that module the compiler also picks relaxed min and max
//! for clamps, ReLU and maxima elsewhere. Those agree with the exact ones
//! except on NaN and on +0 against −0, which inference never meets: its sums
//! start from bias + 0, and one that overflows is an error
//! ([`crate::Error::Overflow`]).
//! Fused results differ from unfused ones in the last bits, so a model trained
//! with one module is not bit for bit the model trained with the other.
//!
//! Told that an operand is mostly zeros ([`Zeros`]: the input of the first
//! layer, a batch of pixels), the wasm kernel skips the steps at which a
//! block's values of it are all zero. The native build does not: its figures
//! in the benchmark are those of matrixmultiply doing every step.
//!
//! Inference has kernels of its own, never fused: [`crate::inference`].

use ndarray::{ArrayView2, ArrayViewMut2};

// Without simd128 the wasm build would quietly fall back to ndarray's scalar
// products. `.cargo/config.toml` sets it; a RUSTFLAGS variable replaces that.
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
compile_error!(
    "build for wasm32 with `-C target-feature=+simd128` (.cargo/config.toml sets it, \
     but a RUSTFLAGS environment variable replaces that setting)"
);

/// Which operand of a product may be mostly zeros, as a batch of pixels is.
/// The wasm kernel then skips the steps of the inner dimension at which that
/// operand's values for a whole block of `c` are zero: for a batch of digits
/// about half the steps of the first layer's two products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zeros {
    /// Both dense.
    Neither,
    /// `a` is mostly zeros.
    Left,
    /// `b` is mostly zeros.
    Right,
}

/// `c ← α a b + β c`, with `a: [m, k]`, `b: [k, n]`, `c: [m, n]`, any strides.
/// With `β = 0`, `c` is overwritten without being read.
///
/// # Panics
/// If the shapes do not fit (a bug in the caller, not bad input).
pub fn gemm(
    alpha: f32,
    a: &ArrayView2<f32>,
    b: &ArrayView2<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<f32>,
) {
    gemm_with(alpha, a, b, beta, c, Zeros::Neither);
}

/// [`gemm`], told which operand is mostly zeros (natively this changes
/// nothing: matrixmultiply has no such path).
pub fn gemm_with(
    alpha: f32,
    a: &ArrayView2<f32>,
    b: &ArrayView2<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<f32>,
    zeros: Zeros,
) {
    check_shapes("gemm", a, b, c);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm::gemm(alpha, a, b, beta, c, zeros);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let _ = zeros;
        ndarray::linalg::general_mat_mul(alpha, a, b, beta, c);
    }
}

/// Panics unless `a: [m, k]`, `b: [k, n]` and `c: [m, n]` fit.
fn check_shapes(op: &str, a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &ArrayViewMut2<f32>) {
    assert!(
        a.ncols() == b.nrows() && c.dim() == (a.nrows(), b.ncols()),
        "{op} shapes {:?} × {:?} → {:?}",
        a.dim(),
        b.dim(),
        c.dim()
    );
}

/// `a b` as a new array.
pub fn product(a: &ArrayView2<f32>, b: &ArrayView2<f32>) -> ndarray::Array2<f32> {
    let mut c = ndarray::Array2::zeros((a.nrows(), b.ncols()));
    gemm(1.0, a, b, 0.0, &mut c.view_mut());
    c
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::Zeros;
    use core::arch::wasm32::*;
    use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};
    use std::cell::RefCell;

    /// Rows of `a` (and of `c`) per block.
    const MR: usize = 4;
    /// Columns of `b` (and of `c`) per block: two registers.
    const NR: usize = 8;

    thread_local! {
        /// Panels of `b` that could not be read in place, kept between
        /// calls so training allocates nothing here.
        static PANELS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
        /// The steps each block keeps when zeros are skipped, and where
        /// each block's list starts.
        static STEPS: RefCell<(Vec<u32>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    }

    /// A list of steps is used when it drops at least this share of them.
    const WORTH_SKIPPING: f32 = 0.2;

    pub fn gemm(
        alpha: f32,
        a: &ArrayView2<f32>,
        b: &ArrayView2<f32>,
        beta: f32,
        c: &mut ArrayViewMut2<f32>,
        zeros: Zeros,
    ) {
        if a.ncols() == 0 {
            c.mapv_inplace(|old| if beta == 0.0 { 0.0 } else { beta * old });
            return;
        }
        blocks(a, b, c, zeros, alpha, beta);
    }

    /// `a b` block by block into `c` (`a.ncols() > 0`).
    fn blocks(
        a: &ArrayView2<f32>,
        b: &ArrayView2<f32>,
        c: &mut ArrayViewMut2<f32>,
        zeros: Zeros,
        alpha: f32,
        beta: f32,
    ) {
        let (m, k) = a.dim();
        let n = b.ncols();
        if m == 0 || n == 0 {
            return;
        }
        let c_unit_columns = c.strides()[1] == 1 && c.strides()[0] > 0;
        let c_row = c.strides()[0].max(0) as usize;
        // Views with negative or zero strides (never made by training) are
        // copied to row-major first.
        let plain = |v: &ArrayView2<f32>| v.strides().iter().all(|&s| s > 0);
        let (a_copy, b_copy): (Option<Array2<f32>>, Option<Array2<f32>>) = (
            (!plain(a)).then(|| a.as_standard_layout().into_owned()),
            (!plain(b)).then(|| b.as_standard_layout().into_owned()),
        );
        let a = a_copy.as_ref().map_or(a.view(), |copy| copy.view());
        let b = b_copy.as_ref().map_or(b.view(), |copy| copy.view());
        let (a_row, a_step) = (a.strides()[0] as usize, a.strides()[1] as usize);

        PANELS.with_borrow_mut(|packed| {
            STEPS.with_borrow_mut(|(steps, starts)| {
                // The steps each block of rows of `a` (or each panel of `b`) keeps.
                steps.clear();
                starts.clear();
                match zeros {
                    Zeros::Left => {
                        if let Some(values) = sparse(a.view()) {
                            for rows in values.chunks(MR * k) {
                                starts.push(steps.len());
                                nonzero_columns(rows, k, steps);
                            }
                        }
                    }
                    Zeros::Right => {
                        if let Some(values) = sparse(b.view()) {
                            for j0 in (0..n).step_by(NR) {
                                starts.push(steps.len());
                                let width = NR.min(n - j0);
                                for (step, row) in values.chunks_exact(n).enumerate() {
                                    if row[j0..j0 + width].iter().any(|&v| v != 0.0) {
                                        steps.push(step as u32);
                                    }
                                }
                            }
                        }
                    }
                    Zeros::Neither => {}
                }
                starts.push(steps.len());
                let listed = |block: usize| -> Option<&[u32]> {
                    let list = &steps[*starts.get(block)?..*starts.get(block + 1)?];
                    (list.len() as f32 <= (1.0 - WORTH_SKIPPING) * k as f32).then_some(list)
                };

                let rows_contiguous = b.strides()[1] == 1;
                // Rows of `b` hold full panels in place; only a last, partial one
                // (or, for any other layout, every panel) is packed.
                let first_packed = if rows_contiguous { n / NR } else { 0 };
                pack_b(&b, first_packed, packed);
                for jp in 0..n.div_ceil(NR) {
                    let j0 = jp * NR;
                    let cols = NR.min(n - j0);
                    let (b_panel, b_step) = if jp < first_packed {
                        // SAFETY: `j0 + NR ≤ n`: the panel lies inside each row.
                        (unsafe { b.as_ptr().add(j0) }, b.strides()[0] as usize)
                    } else {
                        (packed[(jp - first_packed) * k * NR..].as_ptr(), NR)
                    };
                    for i0 in (0..m).step_by(MR) {
                        let rows = MR.min(m - i0);
                        let list = match zeros {
                            Zeros::Neither => None,
                            Zeros::Left => listed(i0 / MR),
                            Zeros::Right => listed(jp),
                        };
                        // Rows past the end repeat the last row; their results are dropped.
                        let a_rows: [*const f32; MR] = std::array::from_fn(|i| {
                            // SAFETY: the row index is below `m`.
                            unsafe { a.as_ptr().add((i0 + i).min(m - 1) * a_row) }
                        });
                        let full = rows == MR && cols == NR && c_unit_columns;
                        let mut block = [0.0f32; MR * NR];
                        if !full && beta != 0.0 {
                            for i in 0..rows {
                                let row = c.row(i0 + i);
                                let values = row.slice(ndarray::s![j0..j0 + cols]);
                                Zip::from(&mut block[i * NR..i * NR + cols])
                                    .and(values)
                                    .for_each(|slot, &value| *slot = value);
                            }
                        }
                        // A whole block of a row-major `c` is written in place,
                        // any other through `block`.
                        let c_ptr = c.as_mut_ptr();
                        let block_ptr = block.as_mut_ptr();
                        let out: [*mut f32; MR] = std::array::from_fn(|i| unsafe {
                            if full {
                                // SAFETY: rows i0..i0 + MR and columns j0..j0 + NR are in `c`.
                                c_ptr.add((i0 + i) * c_row + j0)
                            } else {
                                block_ptr.add(i * NR)
                            }
                        });
                        // SAFETY: each row pointer of `a` reads `k` values
                        // `a_step` apart, the panel `k` steps of NR values
                        // `b_step` apart, all inside `a` and `b` (or the packed
                        // panels); each `out` row has NR values.
                        unsafe {
                            match list {
                                Some(list) => {
                                    let listed = list.iter().map(|&step| step as usize);
                                    kernel(
                                        listed, a_rows, a_step, b_panel, b_step, out, alpha, beta,
                                    )
                                }
                                None => {
                                    kernel(0..k, a_rows, a_step, b_panel, b_step, out, alpha, beta)
                                }
                            }
                        }
                        if !full {
                            for i in 0..rows {
                                let mut row = c.row_mut(i0 + i);
                                let mut values = row.slice_mut(ndarray::s![j0..j0 + cols]);
                                values.assign(&ndarray::aview1(&block[i * NR..i * NR + cols]));
                            }
                        }
                    }
                }
            })
        });
    }

    /// The values of `v` when it is row-major and mostly zeros.
    fn sparse(v: ArrayView2<'_, f32>) -> Option<&[f32]> {
        v.to_slice().filter(|values| mostly_zeros(values))
    }

    /// Whether at least half of `values` are zero: below that, skipping
    /// steps saves less than finding them costs.
    fn mostly_zeros(values: &[f32]) -> bool {
        let zeros: usize = values.iter().map(|&v| (v == 0.0) as usize).sum();
        2 * zeros >= values.len()
    }

    /// Appends to `steps` each column of `rows` (row-major, `k` wide) that
    /// holds a value other than zero (±0 both count as zero). The columns'
    /// magnitude bits are OR-ed together, a loop that vectorises.
    fn nonzero_columns(rows: &[f32], k: usize, steps: &mut Vec<u32>) {
        thread_local! {
            static BITS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
        }
        BITS.with_borrow_mut(|bits| {
            bits.clear();
            bits.resize(k, 0);
            for row in rows.chunks_exact(k) {
                bits.iter_mut()
                    .zip(row)
                    .for_each(|(bits, &v)| *bits |= v.to_bits() & 0x7fff_ffff);
            }
            steps.extend((0..k as u32).filter(|&step| bits[step as usize] != 0));
        });
    }

    /// The panels of `b` from `first` on, each NR columns stored step by step
    /// (NR values per step), the last padded with zeros. Reads `b` along
    /// whichever of its axes is contiguous.
    fn pack_b(b: &ArrayView2<f32>, first: usize, packed: &mut Vec<f32>) {
        let (k, n) = b.dim();
        let panel_len = k * NR;
        let panels = n.div_ceil(NR) - first;
        packed.clear();
        packed.resize(panels * panel_len, 0.0);
        let from = first * NR;
        if b.strides()[0] == 1 {
            // A transposed row-major matrix (`Wᵀ`): each column is a slice.
            for j in from..n {
                let column = b.column(j);
                let column = column.as_slice().expect("unit stride");
                let panel = &mut packed[((j - from) / NR) * panel_len..][..panel_len];
                for (slot, &value) in panel[j % NR..].iter_mut().step_by(NR).zip(column) {
                    *slot = value;
                }
            }
            return;
        }
        for (step, row) in b.rows().into_iter().enumerate() {
            for (j, &value) in row.iter().enumerate().skip(from) {
                packed[((j - from) / NR) * panel_len + step * NR + j % NR] = value;
            }
        }
    }

    /// One block of `c` (four rows of `a`, one panel of `b`) over `steps`
    /// (all `k` of them, or those a list keeps): the 4 × 8 block lives in
    /// eight registers; each step loads two vectors of `b`, broadcasts four
    /// values of `a`, and does eight multiply-adds. The block is then
    /// scaled and written to `out`'s rows (which are read first if `β ≠ 0`).
    ///
    /// # Safety
    /// Each of `a` must point at `k` readable values `a_step` apart, `b` at
    /// `k` runs of NR readable values `b_step` apart, and each of `out` at NR
    /// values to read and write; every step is below `k`.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(feature = "relaxed-simd", target_feature(enable = "relaxed-simd"))]
    unsafe fn kernel(
        steps: impl Iterator<Item = usize>,
        a: [*const f32; MR],
        a_step: usize,
        b: *const f32,
        b_step: usize,
        out: [*mut f32; MR],
        alpha: f32,
        beta: f32,
    ) {
        let at = |i: usize| out[i / 2].add(4 * (i % 2)) as *mut v128;
        let mut acc = [f32x4_splat(0.0); MR * 2];
        for step in steps {
            let b_row = b.add(step * b_step);
            let b0 = v128_load(b_row as *const v128);
            let b1 = v128_load(b_row.add(4) as *const v128);
            for i in 0..MR {
                let ai = f32x4_splat(*a[i].add(step * a_step));
                acc[2 * i] = multiply_add(ai, b0, acc[2 * i]);
                acc[2 * i + 1] = multiply_add(ai, b1, acc[2 * i + 1]);
            }
        }
        let alpha = f32x4_splat(alpha);
        for (i, value) in acc.iter().enumerate() {
            let scaled = f32x4_mul(alpha, *value);
            let result = if beta == 0.0 {
                scaled
            } else {
                f32x4_add(scaled, f32x4_mul(f32x4_splat(beta), v128_load(at(i))))
            };
            v128_store(at(i), result);
        }
    }

    /// `a b + c`, fused when built with the `relaxed-simd` feature. The
    /// target feature is enabled here and on the kernel, not crate-wide, so
    /// that `cfg(target_feature)` stays off for every crate (ndarray's
    /// products) and no other code is fused.
    #[inline]
    #[cfg_attr(feature = "relaxed-simd", target_feature(enable = "relaxed-simd"))]
    unsafe fn multiply_add(a: v128, b: v128, c: v128) -> v128 {
        #[cfg(feature = "relaxed-simd")]
        return f32x4_relaxed_madd(a, b, c);
        #[cfg(not(feature = "relaxed-simd"))]
        f32x4_add(f32x4_mul(a, b), c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use ndarray::{s, Array2};

    fn random(rows: usize, cols: usize, rng: &mut Rng) -> Array2<f32> {
        Array2::from_shape_simple_fn((rows, cols), || rng.symmetric(1.0))
    }

    /// The product by the textbook triple loop, in f64.
    fn reference(a: &ArrayView2<f32>, b: &ArrayView2<f32>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols())
                .map(|p| a[[i, p]] as f64 * b[[p, j]] as f64)
                .sum()
        })
    }

    #[test]
    fn matches_the_triple_loop_for_every_layout_and_edge() {
        let mut rng = Rng::new(3);
        for (m, k, n) in [
            (1, 1, 1),
            (4, 8, 8),
            (5, 3, 9),
            (13, 17, 21),
            (64, 70, 33),
            (3, 0, 2),
        ] {
            let a = random(m, k, &mut rng);
            let b = random(k, n, &mut rng);
            let at = a.t().as_standard_layout().into_owned();
            let bt = b.t().as_standard_layout().into_owned();
            // Row-major, and transposed views of column-major copies.
            for (a, b) in [(a.view(), b.view()), (at.t(), bt.t()), (a.view(), bt.t())] {
                let expected = reference(&a, &b);
                let old = random(m, n, &mut rng);
                let mut c = old.clone();
                gemm(0.5, &a, &b, 2.0, &mut c.view_mut());
                for ((got, want), before) in c.iter().zip(&expected).zip(&old) {
                    let want = 0.5 * want + 2.0 * *before as f64;
                    assert!(
                        (*got as f64 - want).abs() < 1e-5 * (k as f64 + 1.0),
                        "{got} vs {want}"
                    );
                }
                let fresh = product(&a, &b);
                for (got, want) in fresh.iter().zip(&expected) {
                    assert!((*got as f64 - want).abs() < 1e-5 * (k as f64 + 1.0));
                }
            }
        }
    }

    #[test]
    fn beta_zero_ignores_what_c_held() {
        let mut rng = Rng::new(4);
        let a = random(6, 5, &mut rng);
        let b = random(5, 10, &mut rng);
        let mut c = Array2::from_elem((6, 10), f32::NAN);
        gemm(1.0, &a.view(), &b.view(), 0.0, &mut c.view_mut());
        assert!(c.iter().all(|v| v.is_finite()));
        // A strided output: every other column of a wider array.
        let mut wide = Array2::from_elem((6, 20), 7.0f32);
        gemm(
            1.0,
            &a.view(),
            &b.view(),
            0.0,
            &mut wide.slice_mut(s![.., ..;2]),
        );
        assert_eq!(wide.slice(s![.., ..;2]), c);
        assert!(wide.slice(s![.., 1..;2]).iter().all(|&v| v == 7.0));
    }
}
