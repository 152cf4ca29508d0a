//! Dense layers and the autoencoder built from them.
//!
//! An autoencoder is one list of layers split in two: the first
//! `encoder_len` layers are the encoder `f`, the rest the decoder `g`.

use crate::activation::{softmax_in_place, Activation};
use crate::config::{Init, Loss, ModelConfig};
use crate::error::{all_finite, check_finite, Error};
use crate::gemm::{gemm_with, Zeros};
use crate::rng::Rng;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use std::fmt;
use std::sync::OnceLock;

/// `y = φ(x Wᵀ + b)`.
///
/// # Shapes
/// `weight: [out, in]` (as PyTorch's `nn.Linear`), `bias: [out]`,
/// `x: [batch, in]` → `y: [batch, out]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub weight: Array2<f32>,
    pub bias: Array1<f32>,
    pub activation: Activation,
}

impl Dense {
    /// Weights uniform in `±limit` from `rng`, biases zero.
    pub fn init(
        inputs: usize,
        units: usize,
        activation: Activation,
        init: Init,
        rng: &mut Rng,
    ) -> Dense {
        let limit = match init {
            Init::Glorot => (6.0 / (inputs + units) as f32).sqrt(),
            Init::He => (6.0 / inputs as f32).sqrt(),
        };
        Dense {
            weight: Array2::from_shape_simple_fn((units, inputs), || rng.symmetric(limit)),
            bias: Array1::zeros(units),
            activation,
        }
    }

    pub fn inputs(&self) -> usize {
        self.weight.ncols()
    }

    pub fn units(&self) -> usize {
        self.weight.nrows()
    }

    /// The pre-activation `z = x Wᵀ + b`: `[batch, in]` → `[batch, out]`.
    pub fn linear(&self, x: ArrayView2<f32>) -> Array2<f32> {
        self.linear_with(x, Zeros::Neither)
    }

    /// [`Dense::linear`] of an `x` that may be mostly zeros (`Zeros::Left`).
    pub fn linear_with(&self, x: ArrayView2<f32>, zeros: Zeros) -> Array2<f32> {
        let mut z = Array2::from_shape_fn((x.nrows(), self.units()), |(_, j)| self.bias[j]);
        gemm_with(1.0, &x, &self.weight.t(), 1.0, &mut z.view_mut(), zeros);
        z
    }

    /// `φ(z)` element-wise, in standard (row-major) layout.
    pub fn activate(&self, z: &Array2<f32>) -> Array2<f32> {
        let mut y = z.as_standard_layout().into_owned();
        let values = y.as_slice_mut().expect("standard layout");
        self.activation.apply_in_place(values);
        y
    }

    pub fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        self.activate(&self.linear(x))
    }
}

/// Every layer's pre-activation and output for one batch, kept for backprop.
#[derive(Debug)]
pub struct Trace {
    /// `outputs[0]` is the input, `outputs[l + 1]` the output of layer `l`.
    pub outputs: Vec<Array2<f32>>,
    /// `pre[l]` is the pre-activation `z` of layer `l`.
    pub pre: Vec<Array2<f32>>,
}

impl Trace {
    /// The first layer whose pre-activation overflowed (∞, or NaN from
    /// ∞ − ∞), if any. What the activations then give is not the same in
    /// every build: the relaxed-SIMD module's clamp may turn NaN into a number.
    pub fn overflow(&self) -> Option<usize> {
        self.pre.iter().position(|z| match z.as_slice() {
            Some(values) => !all_finite(values),
            None => z.iter().any(|v| !v.is_finite()),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Autoencoder {
    config: ModelConfig,
    /// Encoder layers, then decoder layers.
    layers: Vec<Dense>,
    /// Each layer's `Wᵀ` (`[in, out]`, row-major) for inference, made on
    /// first use and dropped whenever the layers may change.
    transposed: OnceLock<Vec<Array2<f32>>>,
}

impl PartialEq for Autoencoder {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && self.layers == other.layers
    }
}

impl Autoencoder {
    /// A freshly initialised model, seeded by `config.seed`.
    pub fn new(config: ModelConfig) -> Result<Autoencoder, Error> {
        config.validate()?;
        let mut rng = Rng::new(config.seed);
        let mut inputs = config.input_size;
        let mut layers = Vec::new();
        for spec in config.encoder.iter().chain(&config.decoder) {
            layers.push(Dense::init(
                inputs,
                spec.units,
                spec.activation,
                config.init,
                &mut rng,
            ));
            inputs = spec.units;
        }
        Ok(Autoencoder {
            config,
            layers,
            transposed: OnceLock::new(),
        })
    }

    /// A model from given layers, which must match `config`'s shapes and
    /// activations.
    pub fn from_layers(config: ModelConfig, layers: Vec<Dense>) -> Result<Autoencoder, Error> {
        config.validate()?;
        let expected = config.layers();
        if layers.len() != expected.len() {
            let wanted = format!("{} layers", expected.len());
            return Err(Error::shape("from_layers", wanted, layers.len()));
        }
        for (i, (layer, &(inputs, spec))) in layers.iter().zip(&expected).enumerate() {
            let fits = layer.weight.dim() == (spec.units, inputs)
                && layer.bias.len() == spec.units
                && layer.activation == spec.activation;
            if !fits {
                let wanted = format!("layer {i} of {}×{inputs} {}", spec.units, spec.activation);
                return Err(Error::shape("from_layers", wanted, layer.weight.len()));
            }
        }
        Ok(Autoencoder {
            config,
            layers,
            transposed: OnceLock::new(),
        })
    }

    /// The encoder alone, as a model of its own (see
    /// [`ModelConfig::is_encoder_only`]); it gives the same codes.
    pub fn encoder_only(&self) -> Autoencoder {
        let mut config = self.config.clone();
        config.decoder.clear();
        Autoencoder {
            config,
            layers: self.encoder().to_vec(),
            transposed: OnceLock::new(),
        }
    }

    /// An error unless the model has a decoder (`op` names what needed it).
    pub fn require_decoder(&self, op: &'static str) -> Result<(), Error> {
        if self.config.is_encoder_only() {
            return Err(Error::EncoderOnly { op });
        }
        Ok(())
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    pub fn input_size(&self) -> usize {
        self.config.input_size
    }

    pub fn code_size(&self) -> usize {
        self.config.code_size()
    }

    /// Number of encoder layers; `layers[..encoder_len()]` is the encoder.
    pub fn encoder_len(&self) -> usize {
        self.config.encoder.len()
    }

    pub fn encoder(&self) -> &[Dense] {
        &self.layers[..self.encoder_len()]
    }

    pub fn decoder(&self) -> &[Dense] {
        &self.layers[self.encoder_len()..]
    }

    /// Every layer, encoder then decoder.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// Every layer, to change; forgets what inference derived from them.
    pub fn layers_mut(&mut self) -> &mut [Dense] {
        self.transposed = OnceLock::new();
        &mut self.layers
    }

    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weight.len() + l.bias.len())
            .sum()
    }

    /// Views a flat slice of `n` samples as `[n, width]`, checking its length
    /// and that it holds no NaN or infinity.
    pub fn batch_view<'a>(
        op: &'static str,
        values: &'a [f32],
        width: usize,
    ) -> Result<ArrayView2<'a, f32>, Error> {
        if width == 0 {
            return Err(Error::argument(
                op,
                "width",
                "must be at least 1, got 0".into(),
            ));
        }
        if values.is_empty() || values.len() % width != 0 {
            return Err(Error::shape(
                op,
                format!("a non-empty multiple of {width} values"),
                values.len(),
            ));
        }
        check_finite(op, values)?;
        Ok(ArrayView2::from_shape((values.len() / width, width), values).expect("length checked"))
    }

    /// `h = f(x)`: `[batch, input]` → `[batch, code]`.
    ///
    /// # Errors
    /// [`Error::Overflow`] when a sum passes the range of f32 (finite but
    /// enormous inputs or weights); the same for the two methods below. The
    /// error names the method as JS calls it, `Autoencoder.encode`.
    pub fn encode(&self, x: ArrayView2<f32>) -> Result<Array2<f32>, Error> {
        self.infer("Autoencoder.encode", 0..self.encoder_len(), x)
    }

    /// `x̂ = g(h)`: `[batch, code]` → `[batch, input]`.
    pub fn decode(&self, code: ArrayView2<f32>) -> Result<Array2<f32>, Error> {
        self.infer(
            "Autoencoder.decode",
            self.encoder_len()..self.layers.len(),
            code,
        )
    }

    /// `g(f(x))`: `[batch, input]` → `[batch, input]`.
    pub fn reconstruct(&self, x: ArrayView2<f32>) -> Result<Array2<f32>, Error> {
        self.infer("Autoencoder.reconstruct", 0..self.layers.len(), x)
    }

    /// Inference through `layers`: `z = b + Σ_k x_k Wᵀ[k, :]`, each value
    /// summed in the order of `k` whatever the batch, so a sample gives the
    /// same bits alone or in any batch. Inputs that are exactly zero (most
    /// pixels of a digit) may be skipped, which adds nothing either way.
    /// Each block of a few rows is checked and activated as soon as its sums
    /// are done, while still in cache ([`crate::inference`]). Training uses
    /// [`Dense::linear`] instead.
    ///
    /// A sum that overflows (∞, or NaN from ∞ − ∞) is an error rather than a
    /// result: the activations of the relaxed-SIMD module may map NaN to a
    /// number where other builds keep it, so no output is left to differ.
    fn infer(
        &self,
        op: &'static str,
        layers: std::ops::Range<usize>,
        x: ArrayView2<f32>,
    ) -> Result<Array2<f32>, Error> {
        let transposed = self.transposed.get_or_init(|| {
            self.layers
                .iter()
                .map(|l| l.weight.t().as_standard_layout().into_owned())
                .collect()
        });
        let mut a = x.as_standard_layout();
        for l in layers {
            let layer = &self.layers[l];
            let len = a.nrows().checked_mul(layer.units());
            let mut y = Vec::new();
            // Asked of wasm's allocator, a result too large for memory would
            // end the module for good; here it is an Error like any other.
            let Some(len) = len.filter(|&len| y.try_reserve_exact(len).is_ok()) else {
                return Err(Error::too_many_rows(op, a.nrows(), layer.units()));
            };
            let x = a.as_slice().expect("standard layout");
            let w = transposed[l].as_slice().expect("standard layout");
            let bias = layer.bias.as_slice().expect("standard layout");
            let result = &mut y.spare_capacity_mut()[..len];
            let finished = crate::inference::dense(x, w, bias, result, |rows| {
                all_finite(rows) && {
                    self.activate_rows(l, rows);
                    true
                }
            });
            if !finished {
                return Err(Error::Overflow { op, layer: l });
            }
            // SAFETY: `dense` finished, so it wrote all `len` values.
            unsafe { y.set_len(len) };
            a = Array2::from_shape_vec((a.nrows(), layer.units()), y)
                .expect("rows × units values")
                .into();
        }
        Ok(a.into_owned())
    }

    /// The forward pass through every layer, keeping what backprop needs.
    pub fn trace(&self, x: ArrayView2<f32>) -> Trace {
        let mut outputs = vec![x.to_owned()];
        let mut pre = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            // The input, unlike the layers' outputs, may be mostly zeros.
            let zeros = if l == 0 { Zeros::Left } else { Zeros::Neither };
            let z = layer.linear_with(outputs[outputs.len() - 1].view(), zeros);
            let mut y = z.as_standard_layout().into_owned();
            self.activate_rows(l, y.as_slice_mut().expect("standard layout"));
            outputs.push(y);
            pre.push(z);
        }
        Trace { outputs, pre }
    }

    /// Applies layer `l`'s activation to `values`, whole rows of its
    /// pre-activation `z`, row-major. On the output layer, a `crossEntropy`
    /// modality's block gets the softmax of its logits instead.
    fn activate_rows(&self, l: usize, values: &mut [f32]) {
        let activation = self.layers[l].activation;
        let output = l + 1 == self.layers.len() && !self.config.is_encoder_only();
        if !(output && self.config.has_softmax_output()) {
            activation.apply_in_place(values);
            return;
        }
        let blocks = self.config.blocks();
        for row in values.chunks_exact_mut(self.layers[l].units()) {
            for block in &blocks {
                let values = &mut row[block.range()];
                match block.loss {
                    Loss::CrossEntropy => softmax_in_place(values),
                    _ => activation.apply_in_place(values),
                }
            }
        }
    }

    /// The modalities of the input: each one's name and its range of values.
    /// A model of one modality has none.
    pub fn modalities(&self) -> Vec<(&str, std::ops::Range<usize>)> {
        self.config
            .modalities
            .iter()
            .zip(self.config.blocks())
            .map(|(m, block)| (m.name.as_str(), block.range()))
            .collect()
    }
}

/// Mean of each column: `[batch, n]` → `[n]`.
pub fn column_means(values: &Array2<f32>) -> Array1<f32> {
    values
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(values.ncols()))
}

impl fmt::Display for Autoencoder {
    /// One line per layer, then the parameter count, e.g.
    /// `encoder.0  784 → 32  sigmoid`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, layer) in self.layers.iter().enumerate() {
            let (part, index) = if i < self.encoder_len() {
                ("encoder", i)
            } else {
                ("decoder", i - self.encoder_len())
            };
            writeln!(
                f,
                "{part}.{index}  {} → {}  {}",
                layer.inputs(),
                layer.units(),
                layer.activation
            )?;
        }
        write!(f, "{} parameters", self.parameter_count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{preset, Kind, PresetOptions};
    use ndarray::array;

    fn small() -> Autoencoder {
        let options = PresetOptions {
            input_size: Some(6),
            code_size: Some(3),
            hidden: Some(vec![4]),
            seed: Some(5),
            ..Default::default()
        };
        Autoencoder::new(preset(Kind::Undercomplete, &options).unwrap()).unwrap()
    }

    #[test]
    fn dense_layer_computes_x_w_transpose_plus_b() {
        let layer = Dense {
            weight: array![[1.0, 2.0], [0.0, -1.0], [0.5, 0.5]],
            bias: array![0.1, 0.2, 0.3],
            activation: Activation::Identity,
        };
        let y = layer.forward(array![[1.0, 1.0], [2.0, 0.0]].view());
        assert_eq!(y, array![[3.1, -0.8, 1.3], [2.1, 0.2, 1.3]]);
    }

    #[test]
    fn batch_and_single_samples_agree() {
        let model = small();
        let x = Array2::from_shape_fn((5, 6), |(i, j)| ((i * 7 + j) % 5) as f32 / 4.0);
        let codes = model.encode(x.view()).unwrap();
        let whole = model.reconstruct(x.view()).unwrap();
        assert_eq!(model.decode(codes.view()).unwrap(), whole);
        for i in 0..5 {
            let one = model
                .reconstruct(x.slice(ndarray::s![i..i + 1, ..]))
                .unwrap();
            assert_eq!(one.row(0), whole.row(i));
        }
    }

    #[test]
    fn an_overflowing_sum_is_an_error_naming_the_layer() {
        let mut model = small();
        let x = Array2::from_elem((3, 6), 10.0f32);
        let fine = model.reconstruct(x.view()).unwrap();
        assert!(fine.iter().all(|v| v.is_finite()));
        // ∞ − ∞ in the second layer's sums: NaN, which no build may pass on.
        let weight = &mut model.layers_mut()[1].weight;
        weight.row_mut(0).fill(3e38);
        weight[[0, 1]] = -3e38;
        let error = model.reconstruct(x.view()).unwrap_err();
        assert_eq!(
            error,
            Error::Overflow {
                op: "Autoencoder.reconstruct",
                layer: 1
            }
        );
        assert!(error
            .to_string()
            .starts_with("Autoencoder.reconstruct: the values overflowed in layer 2"));
        assert_eq!(
            model.encode(x.view()).unwrap_err(),
            Error::Overflow {
                op: "Autoencoder.encode",
                layer: 1
            }
        );
    }

    #[test]
    fn inference_agrees_with_the_training_forward_pass() {
        let mut model = small();
        let x = Array2::from_shape_fn((9, 6), |(i, j)| {
            if (i + j) % 3 == 0 {
                0.0
            } else {
                0.1 * j as f32
            }
        });
        let trace = model.trace(x.view());
        let inferred = model.reconstruct(x.view()).unwrap();
        // Different summation orders: allow a few float32 roundings.
        let worst = inferred
            .iter()
            .zip(trace.outputs.last().unwrap())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-6, "{worst}");

        // Changing the weights through layers_mut() is seen by inference.
        model.layers_mut()[3].bias.fill(5.0);
        let after = model.reconstruct(x.view()).unwrap();
        assert!(after.iter().zip(&inferred).all(|(a, b)| a > b));
    }

    #[test]
    fn display_lists_layers_and_parameters() {
        // (6·4 + 4) + (4·3 + 3) + (3·4 + 4) + (4·6 + 6) = 28 + 15 + 16 + 30 = 89
        let text = small().to_string();
        assert_eq!(
            text,
            "encoder.0  6 → 4  relu\nencoder.1  4 → 3  relu\n\
             decoder.0  3 → 4  relu\ndecoder.1  4 → 6  sigmoid\n\
             89 parameters"
        );
    }

    #[test]
    fn bad_batches_are_rejected() {
        assert!(matches!(
            Autoencoder::batch_view("encode", &[0.0; 7], 6),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            Autoencoder::batch_view("encode", &[], 6),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            Autoencoder::batch_view("encode", &[0.0; 6], 0),
            Err(Error::Argument { .. })
        ));
        let mut x = [0.0; 6];
        x[4] = f32::NAN;
        assert_eq!(
            Autoencoder::batch_view("encode", &x, 6).unwrap_err(),
            Error::NonFiniteInput {
                op: "encode",
                index: 4
            }
        );
    }

    #[test]
    fn glorot_init_is_seeded_and_bounded() {
        let a = small();
        assert_eq!(a, small());
        let limit = (6.0f32 / 10.0).sqrt();
        assert!(a.layers[0].weight.iter().all(|w| w.abs() <= limit));
        assert!(a.layers[0].weight.iter().any(|w| w.abs() > limit / 2.0));
    }
}
