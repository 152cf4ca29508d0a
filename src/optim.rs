//! Optimisers: SGD with momentum, and Adam. Weight decay, when set, adds
//! `decay · θ` to the gradient (L2 regularisation) before the update.

use crate::error::{Error, Number};
use crate::model::Dense;
use crate::objective::Grad;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum OptimizerConfig {
    /// `v ← μ v + g`, `θ ← θ − lr · v`.
    #[serde(rename_all = "camelCase")]
    Sgd {
        #[serde(default = "default_sgd_rate")]
        learning_rate: f64,
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adam with bias correction (Kingma and Ba, 2015), ε added to √v̂ as in
    /// PyTorch and TensorFlow.js.
    #[serde(rename_all = "camelCase")]
    Adam {
        #[serde(default = "default_adam_rate")]
        learning_rate: f64,
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_epsilon")]
        epsilon: f64,
        #[serde(default)]
        weight_decay: f64,
    },
}

fn default_sgd_rate() -> f64 {
    0.1
}
fn default_adam_rate() -> f64 {
    1e-3
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_epsilon() -> f64 {
    1e-7
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::Adam {
            learning_rate: default_adam_rate(),
            beta1: default_beta1(),
            beta2: default_beta2(),
            epsilon: default_epsilon(),
            weight_decay: 0.0,
        }
    }
}

fn check(field: &str, value: f64, low: f64, high: f64, open_low: bool) -> Result<(), Error> {
    let above = if open_low { value > low } else { value >= low };
    if value.is_finite() && above && value <= high {
        Ok(())
    } else {
        let bracket = if open_low { "(" } else { "[" };
        Err(Error::config(
            field,
            format!("must be in {bracket}{low}, {high}], got {}", Number(value)),
        ))
    }
}

impl OptimizerConfig {
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            OptimizerConfig::Sgd {
                learning_rate,
                momentum,
                weight_decay,
            } => {
                check("optimizer.learningRate", learning_rate, 0.0, 10.0, true)?;
                check("optimizer.momentum", momentum, 0.0, 0.999, false)?;
                check("optimizer.weightDecay", weight_decay, 0.0, 1.0, false)
            }
            OptimizerConfig::Adam {
                learning_rate,
                beta1,
                beta2,
                epsilon,
                weight_decay,
            } => {
                check("optimizer.learningRate", learning_rate, 0.0, 10.0, true)?;
                check("optimizer.beta1", beta1, 0.0, 0.9999, false)?;
                check("optimizer.beta2", beta2, 0.0, 0.99999, false)?;
                check("optimizer.epsilon", epsilon, 0.0, 1.0, true)?;
                check("optimizer.weightDecay", weight_decay, 0.0, 1.0, false)
            }
        }
    }
}

/// An optimiser with its per-parameter state, one flat buffer per tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    config: OptimizerConfig,
    steps: u64,
    /// Momentum (SGD) or first moment (Adam), per tensor.
    first: Vec<Vec<f32>>,
    /// Second moment (Adam only), per tensor.
    second: Vec<Vec<f32>>,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig, layers: &[Dense]) -> Result<Optimizer, Error> {
        config.validate()?;
        let zeros: Vec<Vec<f32>> = layers
            .iter()
            .flat_map(|l| [vec![0.0; l.weight.len()], vec![0.0; l.bias.len()]])
            .collect();
        let second = match config {
            OptimizerConfig::Adam { .. } => zeros.clone(),
            OptimizerConfig::Sgd { .. } => Vec::new(),
        };
        Ok(Optimizer {
            config,
            steps: 0,
            first: zeros,
            second,
        })
    }

    /// One update of every parameter from its gradient.
    pub fn update(&mut self, layers: &mut [Dense], grads: &[Grad]) {
        self.steps += 1;
        let tensors = layers.iter_mut().zip(grads).flat_map(|(layer, grad)| {
            [
                (
                    layer.weight.as_slice_mut().expect("standard layout"),
                    grad.weight.as_slice().expect("standard layout"),
                ),
                (
                    layer.bias.as_slice_mut().expect("standard layout"),
                    grad.bias.as_slice().expect("standard layout"),
                ),
            ]
        });
        for (t, (params, grad)) in tensors.enumerate() {
            match self.config {
                OptimizerConfig::Sgd {
                    learning_rate,
                    momentum,
                    weight_decay,
                } => {
                    let (rate, momentum, decay) =
                        (learning_rate as f32, momentum as f32, weight_decay as f32);
                    for ((p, &g), v) in params.iter_mut().zip(grad).zip(&mut self.first[t]) {
                        *v = momentum * *v + g + decay * *p;
                        *p -= rate * *v;
                    }
                }
                OptimizerConfig::Adam {
                    learning_rate,
                    beta1,
                    beta2,
                    epsilon,
                    weight_decay,
                } => {
                    // θ ← θ − lr · m̂ / (√v̂ + ε), with m̂ = m / (1 − β1ⁿ) and
                    // v̂ = v / (1 − β2ⁿ): ε added to the corrected √v̂, as in
                    // PyTorch and TensorFlow.js. Corrections computed in f64.
                    let n = self.steps as f64;
                    let rate = (learning_rate / (1.0 - beta1.powf(n))) as f32;
                    let root_correction = (1.0 - beta2.powf(n)).sqrt() as f32;
                    let (epsilon, decay) = (epsilon as f32, weight_decay as f32);
                    let (beta1, beta2) = (beta1 as f32, beta2 as f32);
                    let first = &mut self.first[t];
                    let second = &mut self.second[t];
                    for (((p, &g), m), v) in params.iter_mut().zip(grad).zip(first).zip(second) {
                        let g = g + decay * *p;
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        *p -= rate * *m / (v.sqrt() / root_correction + epsilon);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use ndarray::array;

    fn one_weight(value: f32) -> Vec<Dense> {
        vec![Dense {
            weight: array![[value]],
            bias: array![0.0],
            activation: Activation::Identity,
        }]
    }

    fn grad(value: f32) -> Vec<Grad> {
        vec![Grad {
            weight: array![[value]],
            bias: array![0.0],
        }]
    }

    #[test]
    fn sgd_with_momentum_by_hand() {
        let config = OptimizerConfig::Sgd {
            learning_rate: 0.1,
            momentum: 0.5,
            weight_decay: 0.0,
        };
        let mut layers = one_weight(1.0);
        let mut opt = Optimizer::new(config, &layers).unwrap();
        // v = 2, θ = 1 − 0.2 = 0.8; then v = 0.5·2 + 2 = 3, θ = 0.8 − 0.3 = 0.5.
        opt.update(&mut layers, &grad(2.0));
        assert!((layers[0].weight[[0, 0]] - 0.8).abs() < 1e-7);
        opt.update(&mut layers, &grad(2.0));
        assert!((layers[0].weight[[0, 0]] - 0.5).abs() < 1e-7);
    }

    #[test]
    fn adam_by_hand() {
        let config = OptimizerConfig::Adam {
            learning_rate: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
        };
        let mut layers = one_weight(1.0);
        let mut opt = Optimizer::new(config, &layers).unwrap();
        // Step 1: m̂ = g, v̂ = g², so the step is lr · g/|g| = 0.01 whatever g is.
        opt.update(&mut layers, &grad(4.0));
        assert!((layers[0].weight[[0, 0]] - 0.99).abs() < 1e-6);
        // Step 2 with g = −4: m = 0.9·0.4 − 0.4 = −0.04, m̂ = −0.04 / 0.19 = −0.2105263;
        // v = 0.999·0.016 + 0.016 = 0.031984, v̂ = 0.031984 / 0.001999 = 16;
        // step = 0.01 · (−0.2105263) / 4.
        opt.update(&mut layers, &grad(-4.0));
        let expected = 0.99 + 0.01 * 0.2105263 / 4.0;
        assert!((layers[0].weight[[0, 0]] - expected).abs() < 1e-6);
    }

    #[test]
    fn absurd_settings_are_refused() {
        let layers = one_weight(0.0);
        let bad = OptimizerConfig::Adam {
            learning_rate: -1.0,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
        };
        let message = Optimizer::new(bad, &layers).unwrap_err().to_string();
        assert!(message.contains("optimizer.learningRate"), "{message}");
        let bad = OptimizerConfig::Sgd {
            learning_rate: 0.1,
            momentum: f64::NAN,
            weight_decay: 0.0,
        };
        assert!(Optimizer::new(bad, &layers).is_err());
    }
}
