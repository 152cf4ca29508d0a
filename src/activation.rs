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
            Activation::Tanh => z.tanh(),
            Activation::Identity => z,
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

/// The logistic function, written so that neither branch overflows.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
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
    fn sigmoid_is_finite_and_exact_at_the_extremes() {
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
    }
}
