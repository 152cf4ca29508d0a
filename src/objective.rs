//! The objective of all four kinds: a reconstruction loss plus optional
//! sparsity and contraction penalties, with its exact gradient.
//!
//! With `x̃` the (possibly corrupted) input, `x` the clean target,
//! `h = f(x̃)`, `x̂ = g(h)`, batch size `B`, input size `n`, code size `k`:
//!
//! ```text
//! mse   = Σ (x̂ − x)² / (B n)
//! bce   = Σ [max(z, 0) − z x + ln(1 + e^−|z|)] / (B n)     z: output logits
//! ce    = −Σ_b Σ_k x_bk ln softmax(z_b)_k / B              (a modality's block)
//! l1    = w · Σ |h| / (B k)
//! kl    = β · Σ_j [ρ ln(ρ / ρ̂_j) + (1 − ρ) ln((1 − ρ) / (1 − ρ̂_j))],  ρ̂_j = Σ_b h_bj / B
//! cae   = λ · Σ_b ‖∂h_b/∂x̃_b‖²_F / B
//! ```
//!
//! With modalities, each block of the output has its own loss (mse and bce
//! then average over that block's `B n_m` values) and weight, and the
//! reconstruction loss is their weighted sum.
//!
//! Sums are accumulated in f64. For KL, `ρ̂` and `1 − ρ̂` are computed in f64
//! from the code's logits (`1 − σ(z) = σ(−z)`), so a unit that is nearly always
//! on keeps its precision; both are clamped to at least 1e-6, so the penalty
//! and its gradient stay finite when a unit is always off or always on.

use crate::activation::Activation;
use crate::config::{Block, Loss, Sparsity};
use crate::error::Error;
use crate::gemm::{gemm_with, product, Zeros};
use crate::model::{Autoencoder, Trace};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Zip};

/// Smallest distance of a KL mean activation from 0 and 1.
const KL_CLAMP: f64 = 1e-6;

/// The value of an objective, split as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Parts {
    pub reconstruction: f64,
    pub penalty: f64,
}

impl Parts {
    pub fn total(&self) -> f64 {
        self.reconstruction + self.penalty
    }
}

/// Gradient of one dense layer, shaped like it.
#[derive(Debug, Clone, PartialEq)]
pub struct Grad {
    pub weight: Array2<f32>,
    pub bias: Array1<f32>,
}

/// The objective of `model`'s config on one batch, without its gradient.
///
/// # Shapes
/// `input, target: [batch, input_size]`.
///
/// # Errors
/// [`Error::Overflow`] when a sum of the forward pass overflows.
pub fn evaluate(
    model: &Autoencoder,
    input: ArrayView2<f32>,
    target: ArrayView2<f32>,
) -> Result<Parts, Error> {
    let trace = model.trace(input);
    if let Some(layer) = trace.overflow() {
        return Err(Error::Overflow {
            op: "evaluate",
            layer,
        });
    }
    let (reconstruction, _) = reconstruction(model, &trace, target, false);
    let mut penalty = 0.0;
    if let Some(sparsity) = model.config().objective.sparsity {
        penalty += sparsity_penalty(sparsity, model, &trace, false).0;
    }
    if let Some(contraction) = model.config().objective.contraction {
        penalty += contraction_penalty(model, &trace, contraction.weight as f32, None).0;
    }
    if !penalty.is_finite() {
        // The contraction's squared weights of the first layer passed f32.
        return Err(Error::Overflow {
            op: "evaluate",
            layer: 0,
        });
    }
    Ok(Parts {
        reconstruction,
        penalty,
    })
}

/// The objective and its gradient with respect to every layer's parameters.
pub fn gradient(
    model: &Autoencoder,
    input: ArrayView2<f32>,
    target: ArrayView2<f32>,
) -> (Parts, Vec<Grad>) {
    let objective = model.config().objective;
    let trace = model.trace(input);
    let mut grads = zero_grads(model);

    let (reconstruction, dz_out) = reconstruction(model, &trace, target, true);
    let (mut penalty, dcode) = match objective.sparsity {
        Some(sparsity) => sparsity_penalty(sparsity, model, &trace, true),
        None => (0.0, None),
    };
    let mut dz_first = None;
    if let Some(contraction) = objective.contraction {
        let lambda = contraction.weight as f32;
        let (value, dz) = contraction_penalty(model, &trace, lambda, Some(&mut grads));
        penalty += value;
        dz_first = dz;
    }
    let dz_out = dz_out.expect("asked for");
    backward(model, &trace, dz_out, dcode, dz_first, &mut grads);
    let parts = Parts {
        reconstruction: nan_if_overflowed(&trace, reconstruction),
        penalty,
    };
    (parts, grads)
}

/// The reconstruction loss, or NaN when a sum of the forward pass
/// overflowed: every build then reports a loss that is not finite (and
/// training stops), whatever its activations made of the overflow.
fn nan_if_overflowed(trace: &Trace, reconstruction: f64) -> f64 {
    if trace.overflow().is_some() {
        f64::NAN
    } else {
        reconstruction
    }
}

pub fn zero_grads(model: &Autoencoder) -> Vec<Grad> {
    model
        .layers()
        .iter()
        .map(|layer| Grad {
            weight: Array2::zeros(layer.weight.raw_dim()),
            bias: Array1::zeros(layer.bias.len()),
        })
        .collect()
}

/// The reconstruction loss, summed over the blocks (modalities) with their
/// weights, and, if asked, its gradient with respect to the output layer's
/// pre-activation.
fn reconstruction(
    model: &Autoencoder,
    trace: &Trace,
    target: ArrayView2<f32>,
    with_grad: bool,
) -> (f64, Option<Array2<f32>>) {
    let output = trace.outputs.last().expect("input is always there");
    let logits = trace.pre.last().expect("at least two layers");
    let activation = model
        .layers()
        .last()
        .expect("at least two layers")
        .activation;
    let mut grad = with_grad.then(|| Array2::zeros(output.raw_dim()));
    let mut total = 0.0;
    for block in model.config().blocks() {
        let columns = s![.., block.range()];
        let grad = grad.as_mut().map(|g| g.slice_mut(columns));
        total += block_loss(
            block,
            activation,
            output.slice(columns),
            target.slice(columns),
            logits.slice(columns),
            grad,
        );
    }
    (total, grad)
}

/// One block's weighted loss; writes its gradient with respect to the
/// block's logits into `grad` when given.
fn block_loss(
    block: Block,
    activation: Activation,
    output: ArrayView2<f32>,
    target: ArrayView2<f32>,
    logits: ArrayView2<f32>,
    grad: Option<ArrayViewMut2<f32>>,
) -> f64 {
    let count = output.len() as f64;
    let scale = block.weight as f32 / count as f32;
    match block.loss {
        Loss::Mse => {
            let value = squared_error(output, target);
            if let Some(grad) = grad {
                let zip = Zip::from(grad).and(output).and(target);
                match activation {
                    // σ' = y(1 − y): the loop needs neither z nor a match.
                    Activation::Sigmoid => zip.for_each(|g, &y, &t| {
                        *g = 2.0 * (y - t) * scale * (y * (1.0 - y));
                    }),
                    _ => zip.and(logits).for_each(|g, &y, &t, &z| {
                        *g = 2.0 * (y - t) * scale * activation.derivative(z, y)
                    }),
                }
            }
            block.weight * value / count
        }
        Loss::Bce => {
            let value = Zip::from(logits).and(target).fold(0.0, |sum, &z, &t| {
                let z = z as f64;
                sum + z.max(0.0) - z * t as f64 + (-z.abs()).exp().ln_1p()
            });
            if let Some(grad) = grad {
                Zip::from(grad)
                    .and(output)
                    .and(target)
                    .for_each(|g, &y, &t| *g = (y - t) * scale);
            }
            block.weight * value / count
        }
        Loss::CrossEntropy => {
            // −Σ_k t_k ln p_k with ln p_k = z_k − ln Σ_j e^{z_j}, per sample;
            // its gradient is p_k Σ_j t_j − t_k.
            let batch = output.nrows() as f64;
            let scale = block.weight as f32 / batch as f32;
            let mut value = 0.0;
            for (z, t) in logits.rows().into_iter().zip(target.rows()) {
                let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
                let sum: f64 = z.iter().map(|&z| (z as f64 - max).exp()).sum();
                let log_sum = max + sum.ln();
                value -= Zip::from(z)
                    .and(t)
                    .fold(0.0, |s, &z, &t| s + t as f64 * (z as f64 - log_sum));
            }
            if let Some(mut grad) = grad {
                for ((mut g, p), t) in grad
                    .rows_mut()
                    .into_iter()
                    .zip(output.rows())
                    .zip(target.rows())
                {
                    let mass = t.sum();
                    Zip::from(&mut g)
                        .and(p)
                        .and(t)
                        .for_each(|g, &p, &t| *g = (p * mass - t) * scale);
                }
            }
            block.weight * value / batch
        }
    }
}

/// `Σ (y − t)²` in f64, row by row; over a contiguous row, in four running
/// sums, so that the loop vectorises.
fn squared_error(output: ArrayView2<f32>, target: ArrayView2<f32>) -> f64 {
    let mut total = 0.0;
    for (y, t) in output.rows().into_iter().zip(target.rows()) {
        let (Some(y), Some(t)) = (y.as_slice(), t.as_slice()) else {
            total += Zip::from(y)
                .and(t)
                .fold(0.0, |sum, &y, &t| sum + ((y - t) as f64).powi(2));
            continue;
        };
        let mut lanes = [0.0f64; 4];
        let (ys, ts) = (y.chunks_exact(4), t.chunks_exact(4));
        let tail: f64 = (ys.remainder().iter().zip(ts.remainder()))
            .map(|(&y, &t)| ((y - t) as f64).powi(2))
            .sum();
        for (y, t) in ys.zip(ts) {
            for i in 0..4 {
                let d = (y[i] - t[i]) as f64;
                lanes[i] += d * d;
            }
        }
        total += lanes.iter().sum::<f64>() + tail;
    }
    total
}

/// Backpropagates from the output pre-activation through every layer,
/// adding on the way `dcode` (a penalty's gradient with respect to the code)
/// and `dz_first` (one with respect to the first layer's pre-activation).
fn backward(
    model: &Autoencoder,
    trace: &Trace,
    dz_out: Array2<f32>,
    dcode: Option<Array2<f32>>,
    dz_first: Option<Array2<f32>>,
    grads: &mut [Grad],
) {
    let mut dz = dz_out;
    let mut dcode = dcode;
    for l in (0..model.layers().len()).rev() {
        if l == 0 {
            if let Some(extra) = &dz_first {
                dz += extra;
            }
        }
        let input = &trace.outputs[l];
        // The input (l = 0) may be mostly zeros.
        let zeros = if l == 0 { Zeros::Right } else { Zeros::Neither };
        let dw = &mut grads[l].weight.view_mut();
        gemm_with(1.0, &dz.t(), &input.view(), 1.0, dw, zeros);
        grads[l].bias += &dz.sum_axis(Axis(0));
        if l == 0 {
            break;
        }

        let mut da = product(&dz.view(), &model.layers()[l].weight.view());
        if l == model.encoder_len() {
            if let Some(extra) = dcode.take() {
                da += &extra;
            }
        }
        let below = model.layers()[l - 1].activation;
        Zip::from(&mut da)
            .and(&trace.pre[l - 1])
            .and(input)
            .for_each(|d, &z, &y| *d *= below.derivative(z, y));
        dz = da;
    }
}

/// A sparsity penalty on the code `h: [batch, k]` and its gradient.
fn sparsity_penalty(
    sparsity: Sparsity,
    model: &Autoencoder,
    trace: &Trace,
    with_grad: bool,
) -> (f64, Option<Array2<f32>>) {
    let code = &trace.outputs[model.encoder_len()];
    let batch = code.nrows() as f64;
    match sparsity {
        Sparsity::L1 { weight } => {
            let count = code.len() as f64;
            let value = weight * code.iter().map(|&h| h.abs() as f64).sum::<f64>() / count;
            let scale = (weight / count) as f32;
            let grad =
                with_grad.then(|| code.mapv(|h| if h == 0.0 { 0.0 } else { scale * h.signum() }));
            (value, grad)
        }
        Sparsity::Kl { target, weight } => {
            let rho = target;
            let logits = &trace.pre[model.encoder_len() - 1];
            let mean_of = |sign: f64| -> Vec<f64> {
                logits
                    .axis_iter(Axis(1))
                    .map(|column| {
                        let sum: f64 = column.iter().map(|&z| sigmoid64(sign * z as f64)).sum();
                        (sum / batch).max(KL_CLAMP)
                    })
                    .collect()
            };
            let on = mean_of(1.0);
            let off = mean_of(-1.0);
            let kl: f64 = on
                .iter()
                .zip(&off)
                .map(|(&m, &n)| rho * (rho / m).ln() + (1.0 - rho) * ((1.0 - rho) / n).ln())
                .sum();
            let grad = with_grad.then(|| {
                let per_unit: Vec<f32> = on
                    .iter()
                    .zip(&off)
                    .map(|(&m, &n)| (weight * (-rho / m + (1.0 - rho) / n) / batch) as f32)
                    .collect();
                Array2::from_shape_fn(code.raw_dim(), |(_, j)| per_unit[j])
            });
            (weight * kl, grad)
        }
    }
}

/// `λ · Σ_b ‖J_b‖²_F / B`, with `J_b = ∂h_b/∂x_b` the encoder Jacobian of
/// sample `b`. When given `grads`, adds the gradient to them, except for a
/// part it may return instead: the gradient with respect to the first
/// layer's pre-activation, for [`backward`] to take with its own.
fn contraction_penalty(
    model: &Autoencoder,
    trace: &Trace,
    lambda: f32,
    grads: Option<&mut [Grad]>,
) -> (f64, Option<Array2<f32>>) {
    if model.encoder_len() == 1 {
        contraction_one_layer(model, trace, lambda, grads)
    } else {
        (contraction_deep(model, trace, lambda, grads), None)
    }
}

/// One encoder layer `h = φ(W x + b)`: `J = diag(φ'(z)) W`, so
/// `‖J‖² = Σ_j φ'(z_j)² ‖W_j‖²`, all in batched matrix work. The part of
/// the gradient that flows through `z` is returned, not added: backprop
/// multiplies it by the input in the same matrix product as its own.
fn contraction_one_layer(
    model: &Autoencoder,
    trace: &Trace,
    lambda: f32,
    grads: Option<&mut [Grad]>,
) -> (f64, Option<Array2<f32>>) {
    let layer = &model.layers()[0];
    let batch = trace.outputs[0].nrows();
    let c = lambda / batch as f32;
    let row_norms: Array1<f32> = layer.weight.map_axis(Axis(1), |row| row.dot(&row));
    let slopes = Zip::from(&trace.pre[0])
        .and(&trace.outputs[1])
        .map_collect(|&z, &y| layer.activation.derivative(z, y));

    let sum: f64 = Zip::from(&slopes)
        .and_broadcast(&row_norms)
        .fold(0.0, |sum, &d, &w| sum + (d as f64).powi(2) * w as f64);
    let Some(grads) = grads else {
        return (sum * c as f64, None);
    };

    // Through W directly: ∂/∂W_ji of Σ_b d_bj² ‖W_j‖² = 2 Σ_b d_bj² W_ji.
    let slope_squares = slopes.mapv(|d| d * d).sum_axis(Axis(0));
    let grad = &mut grads[0];
    grad.weight += &(&layer.weight * &slope_squares.insert_axis(Axis(1)).mapv(|s| 2.0 * c * s));

    // Through the slopes d = φ'(z): ∂/∂z_bj = 2 d_bj ‖W_j‖² φ''(z_bj).
    let curvature = trace.outputs[1].mapv(|y| layer.activation.second_derivative(y));
    let mut dz = &slopes * &curvature * &row_norms;
    dz.mapv_inplace(|v| 2.0 * c * v);
    (sum * c as f64, Some(dz))
}

/// Any encoder depth, sample by sample. With `D_l = diag(φ_l'(z_l))`:
/// `J_l = D_l M_l`, `M_l = W_l J_{l−1}`, `J_0 = I`. Backward, with
/// `G = ∂P/∂J_l`: `∂P/∂d_l = rowsum(G ∘ M_l)`, `∂P/∂M_l = D_l G`,
/// `∂P/∂W_l += (D_l G) J_{l−1}ᵀ`, `∂P/∂J_{l−1} = W_lᵀ D_l G`; the slopes
/// depend on `z_l`, whose gradient then flows back as in ordinary backprop.
fn contraction_deep(
    model: &Autoencoder,
    trace: &Trace,
    lambda: f32,
    mut grads: Option<&mut [Grad]>,
) -> f64 {
    let encoder = model.encoder();
    let batch = trace.outputs[0].nrows();
    let c = lambda / batch as f32;
    let mut sum = 0.0f64;

    for b in 0..batch {
        let slopes: Vec<Array1<f32>> = (0..encoder.len())
            .map(|l| {
                Zip::from(trace.pre[l].row(b))
                    .and(trace.outputs[l + 1].row(b))
                    .map_collect(|&z, &y| encoder[l].activation.derivative(z, y))
            })
            .collect();
        let mut products: Vec<Array2<f32>> = Vec::with_capacity(encoder.len());
        let mut jacobians: Vec<Array2<f32>> = Vec::with_capacity(encoder.len());
        for (l, layer) in encoder.iter().enumerate() {
            let product = if l == 0 {
                layer.weight.clone()
            } else {
                layer.weight.dot(&jacobians[l - 1])
            };
            jacobians.push(scale_rows(&product, slopes[l].view()));
            products.push(product);
        }
        let last = &jacobians[encoder.len() - 1];
        sum += last.iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
        let Some(grads) = grads.as_deref_mut() else {
            continue;
        };

        let mut g = last.mapv(|v| 2.0 * c * v);
        let mut da: Option<Array1<f32>> = None;
        for l in (0..encoder.len()).rev() {
            let layer = &encoder[l];
            let dslope = (&g * &products[l]).sum_axis(Axis(1));
            let curvature = trace.outputs[l + 1]
                .row(b)
                .mapv(|y| layer.activation.second_derivative(y));
            let mut dz = &dslope * &curvature;
            if let Some(da) = &da {
                dz += &(da * &slopes[l]);
            }
            let dproduct = scale_rows(&g, slopes[l].view());

            let grad = &mut grads[l];
            if l == 0 {
                grad.weight += &dproduct;
            } else {
                grad.weight += &dproduct.dot(&jacobians[l - 1].t());
            }
            let input = trace.outputs[l].row(b);
            grad.weight += &outer(dz.view(), input);
            grad.bias += &dz;

            if l > 0 {
                g = layer.weight.t().dot(&dproduct);
                da = Some(layer.weight.t().dot(&dz));
            }
        }
    }
    sum * c as f64
}

fn sigmoid64(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn scale_rows(matrix: &Array2<f32>, scales: ArrayView1<f32>) -> Array2<f32> {
    matrix * &scales.insert_axis(Axis(1))
}

fn outer(column: ArrayView1<f32>, row: ArrayView1<f32>) -> Array2<f32> {
    column.insert_axis(Axis(1)).dot(&row.insert_axis(Axis(0)))
}

/// Frobenius norm² of the encoder Jacobian, averaged over the batch: the
/// quantity the contractive penalty makes small, for any model.
pub fn mean_jacobian_norm(model: &Autoencoder, x: ArrayView2<f32>) -> f64 {
    let trace = model.trace(x);
    contraction_deep(model, &trace, 1.0, None)
}

#[cfg(test)]
#[path = "objective_tests.rs"]
mod tests;
