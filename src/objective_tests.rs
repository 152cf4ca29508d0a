#![allow(clippy::needless_range_loop)] // parameters are addressed by (layer, index) on purpose
use super::*;
use crate::activation::Activation;
use crate::config::{Contraction, LayerSpec, Modality, ModelConfig, Objective};
use crate::model::Dense;
use crate::rng::Rng;
use ndarray::{array, Array2};

fn layer(units: usize, activation: Activation) -> LayerSpec {
    LayerSpec { units, activation }
}

fn model(
    encoder: Vec<LayerSpec>,
    decoder: Vec<LayerSpec>,
    objective: Objective,
    seed: u64,
) -> Autoencoder {
    let input_size = decoder[decoder.len() - 1].units;
    let config = ModelConfig {
        input_size,
        encoder,
        decoder,
        init: Default::default(),
        seed,
        objective,
        modalities: Vec::new(),
    };
    let mut model = Autoencoder::new(config).unwrap();
    // Non-zero biases so that every bias gradient is exercised.
    let mut rng = Rng::new(seed + 100);
    for layer in model.layers_mut() {
        layer.bias.mapv_inplace(|_| rng.symmetric(0.5));
    }
    model
}

/// A 2 → 1 → 2 network with hand-set weights: `h = φ(x₁ + 2x₂ + 0.5)`,
/// `x̂ = (h, −h)` before the output activation.
fn hand_model(code: Activation, output: Activation, objective: Objective) -> Autoencoder {
    let config = ModelConfig {
        input_size: 2,
        encoder: vec![layer(1, code)],
        decoder: vec![layer(2, output)],
        init: Default::default(),
        seed: 0,
        objective,
        modalities: Vec::new(),
    };
    let layers = vec![
        Dense {
            weight: array![[1.0, 2.0]],
            bias: array![0.5],
            activation: code,
        },
        Dense {
            weight: array![[1.0], [-1.0]],
            bias: array![0.0, 0.0],
            activation: output,
        },
    ];
    Autoencoder::from_layers(config, layers).unwrap()
}

fn parts(model: &Autoencoder, x: &Array2<f32>) -> Parts {
    evaluate(model, x.view(), x.view()).unwrap()
}

#[test]
fn hand_computed_losses_and_penalties() {
    let x = array![[1.0f32, 0.0]];
    let identity = Activation::Identity;

    // h = 1.5, x̂ = (1.5, −1.5): ((0.5)² + (1.5)²) / 2 = 1.25.
    let plain = hand_model(identity, identity, Objective::default());
    assert!((parts(&plain, &x).reconstruction - 1.25).abs() < 1e-7);

    // L1: 0.1 · |1.5| / 1 = 0.15.
    let l1 = Objective {
        sparsity: Some(Sparsity::L1 { weight: 0.1 }),
        ..Default::default()
    };
    assert!((parts(&hand_model(identity, identity, l1), &x).penalty - 0.15).abs() < 1e-7);

    // Contraction with an identity code: J = W = (1, 2), ‖J‖² = 5, λ 0.01 → 0.05.
    let cae = Objective {
        contraction: Some(Contraction { weight: 0.01 }),
        ..Default::default()
    };
    assert!((parts(&hand_model(identity, identity, cae), &x).penalty - 0.05).abs() < 1e-7);

    // KL: h = σ(1.5) = 0.8175745, ρ = 0.1:
    // 0.1 ln(0.1 / 0.8175745) + 0.9 ln(0.9 / 0.1824255) = −0.2101172 + 1.4364475 = 1.2263303.
    let kl = Objective {
        sparsity: Some(Sparsity::Kl {
            target: 0.1,
            weight: 1.0,
        }),
        ..Default::default()
    };
    let value = parts(&hand_model(Activation::Sigmoid, identity, kl), &x).penalty;
    assert!((value - 1.2263303).abs() < 1e-6, "{value}");

    // BCE from logits (1.5, −1.5) against (1, 0): each term is ln(1 + e^−1.5) = 0.2014133.
    let bce = Objective {
        loss: Loss::Bce,
        ..Default::default()
    };
    let value = parts(&hand_model(identity, Activation::Sigmoid, bce), &x).reconstruction;
    assert!((value - 0.2014133).abs() < 1e-6, "{value}");
}

#[test]
fn bce_is_finite_and_right_at_extreme_logits() {
    let bce = Objective {
        loss: Loss::Bce,
        ..Default::default()
    };
    let mut model = hand_model(Activation::Identity, Activation::Sigmoid, bce);
    // Logits (100, −100) against targets (0, 1): each term is 100 + ln(1 + e^−100) = 100.
    model.layers_mut()[0].weight = array![[0.0, 0.0]];
    model.layers_mut()[0].bias = array![100.0];
    let x = array![[0.0f32, 1.0]];
    let (value, grads) = gradient(&model, x.view(), x.view());
    assert!((value.reconstruction - 100.0).abs() < 1e-9, "{value:?}");
    assert!(grads
        .iter()
        .all(|g| g.weight.iter().chain(&g.bias).all(|v| v.is_finite())));
    // ∂/∂z = (σ(z) − x) / 2 = (1, −1) / 2, so ∂/∂b_code = ½ · 1 + ½ · (−1)(−1) = 1.
    assert!((grads[0].bias[0] - 1.0).abs() < 1e-6);
}

#[test]
fn kl_is_finite_when_a_unit_is_always_off_or_on() {
    let kl = Objective {
        sparsity: Some(Sparsity::Kl {
            target: 0.05,
            weight: 1.0,
        }),
        ..Default::default()
    };
    let mut model = hand_model(Activation::Sigmoid, Activation::Sigmoid, kl);
    let x = array![[1.0f32, 0.0], [0.0, 1.0]];
    for bias in [-200.0, 200.0] {
        model.layers_mut()[0].bias = array![bias];
        let (value, grads) = gradient(&model, x.view(), x.view());
        assert!(
            value.penalty.is_finite() && value.penalty > 0.0,
            "{value:?}"
        );
        assert!(grads
            .iter()
            .all(|g| g.weight.iter().chain(&g.bias).all(|v| v.is_finite())));
    }
}

/// Central finite differences of the objective in every parameter, against
/// the analytic gradient.
///
/// Tolerance: the forward pass runs in f32 (rounding ≈ 6e-8 relative per
/// operation, a few hundred operations), the sums in f64. With step 1e-3 the
/// rounding noise of a difference is about 1e-7 / 2e-3 ≈ 5e-5 of the loss's
/// size, and the truncation error about 1e-6 · |f'''|. We accept
/// `|a − n| ≤ 2e-4 + 2e-2 |n|`, far below the size of any real mistake (a
/// wrong factor or a missing term changes gradients by 10% to 100%).
fn check_gradient(name: &str, model: &Autoencoder, x: &Array2<f32>) {
    let step = 1e-3f32;
    let (_, grads) = gradient(model, x.view(), x.view());
    let total = |m: &Autoencoder| evaluate(m, x.view(), x.view()).unwrap().total();
    let mut worst = 0.0f64;

    for l in 0..model.layers().len() {
        let count = model.layers()[l].weight.len() + model.layers()[l].bias.len();
        for i in 0..count {
            let mut plus = model.clone();
            let mut minus = model.clone();
            let nudge = |m: &mut Autoencoder, delta: f32| {
                let layer = &mut m.layers_mut()[l];
                let n = layer.weight.len();
                if i < n {
                    layer.weight.as_slice_mut().unwrap()[i] += delta;
                } else {
                    layer.bias[i - n] += delta;
                }
            };
            nudge(&mut plus, step);
            nudge(&mut minus, -step);
            let numeric = (total(&plus) - total(&minus)) / (2.0 * step as f64);
            let n = grads[l].weight.len();
            let analytic = if i < n {
                grads[l].weight.as_slice().unwrap()[i]
            } else {
                grads[l].bias[i - n]
            } as f64;
            let error = (analytic - numeric).abs();
            assert!(
                error <= 2e-4 + 2e-2 * numeric.abs(),
                "{name}: layer {l} parameter {i}: analytic {analytic}, numeric {numeric}"
            );
            worst = worst.max(error);
        }
    }
    assert!(worst.is_finite());
}

fn sample(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || 0.05 + 0.9 * rng.uniform())
}

const ACTIVATIONS: [Activation; 4] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::Identity,
];

fn objectives(code: Activation, loss: Loss) -> Vec<(&'static str, Objective)> {
    let base = Objective {
        loss,
        ..Default::default()
    };
    let mut list = vec![
        ("undercomplete", base),
        (
            "sparse l1",
            Objective {
                sparsity: Some(Sparsity::L1 { weight: 0.3 }),
                ..base
            },
        ),
        (
            "contractive",
            Objective {
                contraction: Some(Contraction { weight: 0.2 }),
                ..base
            },
        ),
    ];
    if code == Activation::Sigmoid {
        list.push((
            "sparse kl",
            Objective {
                sparsity: Some(Sparsity::Kl {
                    target: 0.2,
                    weight: 0.5,
                }),
                ..base
            },
        ));
    }
    list
}

#[test]
fn gradients_match_finite_differences_for_every_kind_loss_and_activation() {
    let x = sample(3, 5, 1);
    for (a, &activation) in ACTIVATIONS.iter().enumerate() {
        for loss in [Loss::Mse, Loss::Bce] {
            for (name, objective) in objectives(activation, loss) {
                // One encoder layer (the batched contractive path) and two
                // (the general path), with the activation on every hidden layer.
                let shallow = model(
                    vec![layer(3, activation)],
                    vec![layer(4, activation), layer(5, Activation::Sigmoid)],
                    objective,
                    a as u64,
                );
                check_gradient(
                    &format!("{name} {loss:?} {activation} 1-layer"),
                    &shallow,
                    &x,
                );
                let deep = model(
                    vec![layer(4, activation), layer(3, activation)],
                    vec![layer(5, Activation::Sigmoid)],
                    objective,
                    10 + a as u64,
                );
                check_gradient(&format!("{name} {loss:?} {activation} 2-layer"), &deep, &x);
            }
        }
    }
}

#[test]
fn combined_objective_gradient_matches() {
    let objective = Objective {
        loss: Loss::Bce,
        sparsity: Some(Sparsity::Kl {
            target: 0.1,
            weight: 0.3,
        }),
        contraction: Some(Contraction { weight: 0.1 }),
        ..Default::default()
    };
    let sig = Activation::Sigmoid;
    let deep = model(
        vec![layer(4, Activation::Tanh), layer(3, sig)],
        vec![layer(4, sig), layer(6, sig)],
        objective,
        3,
    );
    check_gradient(
        "kl + contractive, three encoder layers deep",
        &deep,
        &sample(4, 6, 2),
    );
}

#[test]
fn kl_gradient_is_right_near_zero_and_one() {
    let sig = Activation::Sigmoid;
    for (bias, target) in [(-6.5f32, 0.05), (6.5, 0.05), (-6.5, 0.9)] {
        let objective = Objective {
            sparsity: Some(Sparsity::Kl {
                target,
                weight: 0.5,
            }),
            ..Default::default()
        };
        let mut m = model(vec![layer(3, sig)], vec![layer(5, sig)], objective, 4);
        // Mean activations near σ(±6.5) ≈ 0.0015 / 0.9985.
        m.layers_mut()[0].bias.fill(bias);
        let x = sample(4, 5, 3);
        let means = crate::model::column_means(&m.encode(x.view()).unwrap());
        assert!(
            means.iter().all(|&p| !(0.01..=0.99).contains(&p)),
            "{means}"
        );
        check_gradient(&format!("kl near bias {bias} target {target}"), &m, &x);
    }
}

#[test]
fn one_layer_contraction_agrees_with_the_general_path() {
    let objective = Objective {
        contraction: Some(Contraction { weight: 0.7 }),
        ..Default::default()
    };
    for activation in ACTIVATIONS {
        let m = model(
            vec![layer(3, activation)],
            vec![layer(5, Activation::Sigmoid)],
            objective,
            8,
        );
        let x = sample(4, 5, 9);
        let trace = m.trace(x.view());
        let mut fast = zero_grads(&m);
        let mut general = zero_grads(&m);
        let (a, dz) = contraction_one_layer(&m, &trace, 0.7, Some(&mut fast));
        // The part through z, which `gradient` leaves to backprop.
        let dz = dz.expect("asked for the gradient");
        fast[0].weight += &dz.t().dot(&x);
        fast[0].bias += &dz.sum_axis(ndarray::Axis(0));
        let b = contraction_deep(&m, &trace, 0.7, Some(&mut general));
        assert!(
            (a - b).abs() <= 1e-6 * b.abs().max(1e-3),
            "{activation}: {a} vs {b}"
        );
        for (f, g) in fast.iter().zip(&general) {
            for (u, v) in f
                .weight
                .iter()
                .zip(&g.weight)
                .chain(f.bias.iter().zip(&g.bias))
            {
                assert!(
                    (u - v).abs() <= 1e-5 + 1e-4 * v.abs(),
                    "{activation}: {u} vs {v}"
                );
            }
        }
    }
}

/// A model over two modalities: `a` (3 values, `a_loss`) and a one-hot `b`
/// (3 values, cross-entropy, weight 0.7).
fn multimodal(objective: Objective, a_loss: Loss, seed: u64) -> Autoencoder {
    let config = ModelConfig {
        input_size: 6,
        encoder: vec![layer(4, Activation::Tanh), layer(3, Activation::Sigmoid)],
        decoder: vec![layer(6, Activation::Sigmoid)],
        init: Default::default(),
        seed,
        objective,
        modalities: vec![
            Modality {
                name: "a".into(),
                size: 3,
                loss: Some(a_loss),
                weight: None,
            },
            Modality {
                name: "b".into(),
                size: 3,
                loss: Some(Loss::CrossEntropy),
                weight: Some(0.7),
            },
        ],
    };
    let mut model = Autoencoder::new(config).unwrap();
    let mut rng = Rng::new(seed + 100);
    for layer in model.layers_mut() {
        layer.bias.mapv_inplace(|_| rng.symmetric(0.5));
    }
    model
}

#[test]
fn multimodal_gradients_match_finite_differences() {
    // Rows: a's values, then a one-hot b (one row with b missing: zeros).
    let x = array![
        [0.2f32, 0.9, 0.4, 0.0, 1.0, 0.0],
        [0.7, 0.1, 0.5, 1.0, 0.0, 0.0],
        [0.3, 0.6, 0.8, 0.0, 0.0, 0.0],
    ];
    for a_loss in [Loss::Mse, Loss::Bce] {
        for (name, objective) in objectives(Activation::Sigmoid, a_loss) {
            let model = multimodal(objective, a_loss, 3);
            check_gradient(&format!("multimodal {name} {a_loss:?}"), &model, &x);
        }
    }
}

#[test]
fn multimodal_loss_is_the_weighted_sum_of_the_blocks() {
    let model = multimodal(Objective::default(), Loss::Mse, 4);
    let x = array![
        [0.2f32, 0.9, 0.4, 0.0, 1.0, 0.0],
        [0.7, 0.1, 0.5, 0.0, 0.0, 1.0]
    ];
    let trace = model.trace(x.view());
    let out = trace.outputs.last().unwrap();
    let z = trace.pre.last().unwrap();
    let mut mse = 0.0;
    let mut ce = 0.0;
    for b in 0..2 {
        for k in 0..3 {
            mse += ((out[[b, k]] - x[[b, k]]) as f64).powi(2) / 6.0;
        }
        // The b block holds softmax(z), and ce = −ln p of the true class.
        let logits: Vec<f64> = (3..6).map(|k| z[[b, k]] as f64).collect();
        let norm: f64 = logits.iter().map(|v| v.exp()).sum();
        for k in 0..3 {
            let p = logits[k].exp() / norm;
            assert!((out[[b, 3 + k]] as f64 - p).abs() < 1e-6);
            ce -= x[[b, 3 + k]] as f64 * p.ln() / 2.0;
        }
        // The a block is the sigmoid of its logits.
        let sigmoid = 1.0 / (1.0 + (-z[[b, 0]] as f64).exp());
        assert!((out[[b, 0]] as f64 - sigmoid).abs() < 1e-6);
    }
    let value = evaluate(&model, x.view(), x.view()).unwrap().reconstruction;
    assert!(
        (value - (mse + 0.7 * ce)).abs() < 1e-6,
        "{value} vs {mse} + 0.7·{ce}"
    );
}

#[test]
fn a_contraction_penalty_past_f32_is_an_overflow_error() {
    let objective = Objective {
        contraction: Some(Contraction { weight: 1.0 }),
        ..Objective::default()
    };
    let mut m = model(
        vec![layer(3, Activation::Sigmoid)],
        vec![layer(5, Activation::Sigmoid)],
        objective,
        4,
    );
    let x = Array2::zeros((2, 5));
    assert!(evaluate(&m, x.view(), x.view()).is_ok());
    // Squared, 2e19 passes f32's 3.4e38; the forward sums (of zeros) do not.
    m.layers_mut()[0].weight.fill(2e19);
    assert_eq!(
        evaluate(&m, x.view(), x.view()).unwrap_err(),
        Error::Overflow {
            op: "evaluate",
            layer: 0
        }
    );
}
