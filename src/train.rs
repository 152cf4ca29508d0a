//! Seeded, deterministic mini-batch training that advances a requested number
//! of steps, so a UI can interleave, pause and resume. Running `a` then `b`
//! steps gives the same weights, bit for bit, as running `a + b` at once.

use crate::config::Loss;
use crate::corruption::corrupt_in_place;
use crate::error::{Error, Number};
use crate::model::Autoencoder;
use crate::multimodal::drop_modalities;
use crate::objective::{gradient, Grad, Parts};
use crate::optim::{Optimizer, OptimizerConfig};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Largest batch accepted.
pub const MAX_BATCH: usize = 4096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainConfig {
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Seeds shuffling and corruption.
    #[serde(default)]
    pub seed: u64,
    #[serde(default = "default_shuffle")]
    pub shuffle: bool,
}

fn default_batch() -> usize {
    64
}

fn default_shuffle() -> bool {
    true
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            optimizer: OptimizerConfig::default(),
            batch_size: default_batch(),
            seed: 0,
            shuffle: true,
        }
    }
}

/// What a call to [`Trainer::step`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// Steps done in total.
    pub step: u64,
    /// Whole epochs done in total.
    pub epoch: u64,
    /// How far into the current epoch, in `[0, 1)`.
    pub epoch_progress: f64,
    /// Mean of each part over the steps of this call.
    pub losses: Parts,
    /// Steps this call ran.
    pub steps: usize,
}

#[derive(Debug, Clone)]
pub struct Trainer {
    model: Autoencoder,
    optimizer: Optimizer,
    config: TrainConfig,
    /// `[n, input_size]`, copied once.
    data: Array2<f32>,
    rng: Rng,
    order: Vec<usize>,
    cursor: usize,
    step: u64,
    history: Vec<Parts>,
}

impl Trainer {
    /// A trainer over `data: [n, input_size]` (a flat slice), starting from `model`.
    pub fn new(model: Autoencoder, data: &[f32], config: TrainConfig) -> Result<Trainer, Error> {
        if config.batch_size == 0 || config.batch_size > MAX_BATCH {
            return Err(Error::config(
                "batchSize",
                format!(
                    "must be between 1 and {MAX_BATCH}, got {}",
                    config.batch_size
                ),
            ));
        }
        model.require_decoder("train")?;
        let data = Autoencoder::batch_view("training data", data, model.input_size())?.to_owned();
        check_probability_blocks("train", &model, data.view())?;
        let optimizer = Optimizer::new(config.optimizer, model.layers())?;
        Ok(Trainer {
            model,
            optimizer,
            rng: Rng::new(config.seed),
            order: (0..data.nrows()).collect(),
            cursor: 0,
            step: 0,
            history: Vec::new(),
            data,
            config,
        })
    }

    pub fn model(&self) -> &Autoencoder {
        &self.model
    }

    pub fn into_model(self) -> Autoencoder {
        self.model
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.data.nrows().div_ceil(self.config.batch_size)
    }

    /// Losses of every step so far.
    pub fn history(&self) -> &[Parts] {
        &self.history
    }

    /// Runs `steps` mini-batch steps. If a step's loss or gradient is not
    /// finite, stops with [`Error::NonFiniteLoss`] and leaves the weights as
    /// they were before that step.
    pub fn step(&mut self, steps: usize) -> Result<Report, Error> {
        let mut sum = Parts::default();
        for _ in 0..steps {
            let parts = self.one_step()?;
            sum.reconstruction += parts.reconstruction;
            sum.penalty += parts.penalty;
        }
        let count = steps.max(1) as f64;
        let per_epoch = self.steps_per_epoch() as u64;
        Ok(Report {
            step: self.step,
            epoch: self.step / per_epoch,
            epoch_progress: (self.step % per_epoch) as f64 / per_epoch as f64,
            losses: Parts {
                reconstruction: sum.reconstruction / count,
                penalty: sum.penalty / count,
            },
            steps,
        })
    }

    /// One step; a step that fails leaves everything as it was, the place
    /// in the epoch and the random state included, so it can be retried.
    fn one_step(&mut self) -> Result<Parts, Error> {
        // The order is reshuffled in place at the start of an epoch only.
        let reshuffles = self.cursor == 0 && self.config.shuffle;
        let saved = (
            self.rng.clone(),
            self.cursor,
            reshuffles.then(|| self.order.clone()),
        );
        let (target, changed) = self.next_batch();
        let input = changed.as_ref().unwrap_or(&target);
        let (parts, grads) = gradient(&self.model, input.view(), target.view());
        if !parts.total().is_finite() || !usable(&grads) {
            let (rng, cursor, order) = saved;
            (self.rng, self.cursor) = (rng, cursor);
            if let Some(order) = order {
                self.order = order;
            }
            return Err(Error::NonFiniteLoss {
                step: self.step + 1,
                loss: parts.total(),
            });
        }

        self.optimizer.update(self.model.layers_mut(), &grads);
        self.step += 1;
        self.history.push(parts);
        Ok(parts)
    }

    /// The next batch as (clean target, input if it differs from the
    /// target), reshuffling at the start of every epoch. Corruption comes
    /// first, then modality dropout, so a dropped modality is exactly zero,
    /// as it is at inference.
    fn next_batch(&mut self) -> (Array2<f32>, Option<Array2<f32>>) {
        if self.cursor == 0 && self.config.shuffle {
            self.rng.shuffle(&mut self.order);
        }
        let end = (self.cursor + self.config.batch_size).min(self.order.len());
        let rows = &self.order[self.cursor..end];
        self.cursor = if end == self.order.len() { 0 } else { end };

        let width = self.data.ncols();
        let data = self.data.as_slice().expect("standard layout");
        let mut values = Vec::with_capacity(rows.len() * width);
        for &row in rows {
            values.extend_from_slice(&data[row * width..(row + 1) * width]);
        }
        let target = Array2::from_shape_vec((rows.len(), width), values).expect("rows × width");

        let objective = self.model.config().objective;
        if objective.corruption.is_none() && objective.modality_dropout.is_none() {
            return (target, None);
        }
        let mut input = target.clone();
        if let Some(corruption) = objective.corruption {
            let values = input.as_slice_mut().expect("standard layout");
            corrupt_in_place(values, corruption, &mut self.rng);
        }
        let config = self.model.config();
        if let Some(p) = config.objective.modality_dropout {
            let blocks: Vec<_> = config.blocks().iter().map(|b| b.range()).collect();
            let values = input.as_slice_mut().expect("standard layout");
            drop_modalities(values, width, &blocks, p, &mut self.rng);
        }
        (target, Some(input))
    }
}

/// Refuses data outside `[0, 1]` in a block whose loss reads it as
/// probabilities (`bce`, `crossEntropy`): the loss would be meaningless there.
fn check_probability_blocks(
    op: &'static str,
    model: &Autoencoder,
    data: ArrayView2<f32>,
) -> Result<(), Error> {
    for block in model.config().blocks() {
        if !matches!(block.loss, Loss::Bce | Loss::CrossEntropy) {
            continue;
        }
        let range = block.range();
        for (r, row) in data.rows().into_iter().enumerate() {
            let values = row.slice(ndarray::s![range.clone()]);
            if let Some(j) = values.iter().position(|v| !(0.0..=1.0).contains(v)) {
                return Err(Error::argument(
                    op,
                    "images",
                    format!(
                        "holds {} at row {r}, column {}, outside [0, 1] where the {} loss \
                         reads probabilities",
                        Number(values[j]),
                        range.start + j,
                        block.loss.name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Largest gradient value a step applies. With learning rates of at most 10,
/// an update then stays far inside f32, and so does Adam's g² (which would
/// pass 3.4e38 from about 1.8e19 on, and freeze the weight it belongs to).
const MAX_GRADIENT: f32 = 1e18;

/// Whether every value of every gradient is finite and below MAX_GRADIENT.
fn usable(grads: &[Grad]) -> bool {
    let usable = |values: Option<&[f32]>| {
        values.is_some_and(|values| crate::error::all_below(values, MAX_GRADIENT))
    };
    grads
        .iter()
        .all(|g| usable(g.weight.as_slice()) && usable(g.bias.as_slice()))
}

/// The objective of `model` on clean data `[n, input_size]` (no corruption),
/// computed in batches of 1,000.
pub fn evaluate_dataset(model: &Autoencoder, data: &[f32]) -> Result<Parts, Error> {
    model.require_decoder("evaluate")?;
    let view = Autoencoder::batch_view("evaluate", data, model.input_size())?;
    check_probability_blocks("evaluate", model, view)?;
    let mut sum = Parts::default();
    for chunk in view.axis_chunks_iter(ndarray::Axis(0), 1000) {
        let parts = crate::objective::evaluate(model, chunk, chunk)?;
        let share = chunk.nrows() as f64 / view.nrows() as f64;
        sum.reconstruction += parts.reconstruction * share;
        sum.penalty += parts.penalty * share;
    }
    Ok(sum)
}

/// Mean squared error of `model`'s reconstructions of `input` against `target`.
pub fn reconstruction_mse(
    model: &Autoencoder,
    input: ArrayView2<f32>,
    target: ArrayView2<f32>,
) -> Result<f64, Error> {
    let output = model.reconstruct(input)?;
    let sum: f64 = output
        .iter()
        .zip(target.iter())
        .map(|(&y, &t)| ((y - t) as f64).powi(2))
        .sum();
    Ok(sum / output.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{preset, Corruption, Kind, PresetOptions};

    fn toy_data(n: usize, width: usize) -> Vec<f32> {
        let mut rng = Rng::new(11);
        // Two prototypes plus noise: easy to compress to a small code.
        (0..n)
            .flat_map(|i| {
                let on = i % 2;
                (0..width)
                    .map(|j| if (j % 2) == on { 0.9 } else { 0.1 } + 0.05 * rng.normal())
                    .collect::<Vec<_>>()
            })
            .map(|v| v.clamp(0.0, 1.0))
            .collect()
    }

    fn trainer(kind: Kind) -> Trainer {
        let options = PresetOptions {
            input_size: Some(12),
            code_size: Some(3),
            seed: Some(2),
            corruption: (kind == Kind::Denoising).then_some(Corruption::Masking { level: 0.2 }),
            ..Default::default()
        };
        let model = Autoencoder::new(preset(kind, &options).unwrap()).unwrap();
        let config = TrainConfig {
            batch_size: 7,
            optimizer: OptimizerConfig::Adam {
                learning_rate: 0.02,
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-7,
                weight_decay: 0.0,
            },
            ..Default::default()
        };
        Trainer::new(model, &toy_data(50, 12), config).unwrap()
    }

    #[test]
    fn stop_and_resume_is_bit_identical_for_every_kind() {
        for kind in Kind::ALL {
            let mut whole = trainer(kind);
            whole.step(40).unwrap();
            let mut parts = trainer(kind);
            for chunk in [1, 13, 0, 26] {
                parts.step(chunk).unwrap();
            }
            assert_eq!(whole.model(), parts.model(), "{kind:?}");
            assert_eq!(whole.history(), parts.history());
        }
    }

    #[test]
    fn usable_finds_any_nan_infinity_or_huge_value() {
        let grads = |value: f32, at: usize| {
            let mut weight = Array2::from_elem((3, 5), -9.9e17f32);
            weight[[at / 5, at % 5]] = value;
            vec![Grad {
                weight,
                bias: ndarray::Array1::from_elem(2, f32::MIN_POSITIVE),
            }]
        };
        assert!(usable(&grads(9.9e17, 7)));
        for bad in [
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e18,
            -f32::MAX,
        ] {
            for at in [0, 7, 14] {
                assert!(!usable(&grads(bad, at)), "{bad} at {at}");
            }
        }
        let mut bias_bad = grads(0.0, 0);
        bias_bad[0].bias[1] = f32::NAN;
        assert!(!usable(&bias_bad));
    }

    #[test]
    fn a_gradient_too_large_to_apply_stops_the_step() {
        // Identity layers on data of 1e19: finite sums, a gradient far past
        // MAX_GRADIENT. Applied, SGD would make the weights infinite.
        let config = crate::config::ModelConfig {
            input_size: 8,
            encoder: vec![crate::config::LayerSpec {
                units: 4,
                activation: crate::Activation::Identity,
            }],
            decoder: vec![crate::config::LayerSpec {
                units: 8,
                activation: crate::Activation::Identity,
            }],
            init: Default::default(),
            seed: 1,
            objective: Default::default(),
            modalities: Vec::new(),
        };
        let sgd = TrainConfig {
            batch_size: 4,
            optimizer: OptimizerConfig::Sgd {
                learning_rate: 10.0,
                momentum: 0.0,
                weight_decay: 0.0,
            },
            ..Default::default()
        };
        let model = Autoencoder::new(config).unwrap();
        let mut t = Trainer::new(model.clone(), &[1e19; 32], sgd).unwrap();
        let error = t.step(1).unwrap_err();
        assert!(
            matches!(error, Error::NonFiniteLoss { step: 1, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("too large to apply"), "{error}");
        assert_eq!(t.model(), &model);
    }

    #[test]
    fn loss_falls_and_epochs_are_counted() {
        let mut t = trainer(Kind::Denoising);
        assert_eq!(t.steps_per_epoch(), 8); // ceil(50 / 7)
        let first = t.step(8).unwrap();
        assert_eq!((first.step, first.epoch, first.epoch_progress), (8, 1, 0.0));
        let later = t.step(300).unwrap();
        assert!(
            later.losses.reconstruction < 0.3 * first.losses.reconstruction,
            "{first:?} {later:?}"
        );
    }

    #[test]
    fn a_non_finite_step_stops_with_its_number_and_keeps_the_weights() {
        // Eight steps an epoch: the second case fails where an epoch starts
        // and the order is reshuffled; denoising also draws its noise.
        for (kind, done) in [(Kind::Undercomplete, 5), (Kind::Denoising, 8)] {
            let mut t = trainer(kind);
            t.step(done).unwrap();
            let before = t.model().clone();
            let mut twin = t.clone();
            let clean = t.data.clone();
            // Poison the data the next batches will read.
            t.data.fill(f32::INFINITY);
            let error = t.step(3).unwrap_err();
            let failed = done as u64 + 1;
            assert!(
                matches!(error, Error::NonFiniteLoss { step, .. } if step == failed),
                "{error:?}"
            );
            assert!(
                error.to_string().contains(&format!("step {failed}")),
                "{error}"
            );
            assert_eq!(t.model(), &before);
            assert_eq!(t.step_count(), done as u64);
            // Nothing of the failed step is left: with the data mended, the
            // trainer goes on exactly as one that never failed.
            t.data = clean;
            t.step(20).unwrap();
            twin.step(20).unwrap();
            assert_eq!(t.model(), twin.model(), "{kind:?}");
        }
    }

    #[test]
    fn a_forward_sum_that_overflows_stops_training_in_every_build() {
        let mut t = trainer(Kind::Undercomplete);
        // Sums of f32::MAX-sized terms pass +∞. (The relaxed-SIMD module's
        // sigmoid may saturate there instead of giving NaN: the Node tests
        // run this case on both wasm builds.)
        t.model.layers_mut()[0].weight.fill(f32::MAX);
        t.model.layers_mut()[0].bias.fill(f32::MAX);
        let before = t.model().clone();
        let error = t.step(1).unwrap_err();
        assert!(
            matches!(error, Error::NonFiniteLoss { step: 1, .. }),
            "{error:?}"
        );
        assert_eq!(t.model(), &before);
        let error = evaluate_dataset(t.model(), &toy_data(4, 12)).unwrap_err();
        assert_eq!(
            error,
            Error::Overflow {
                op: "evaluate",
                layer: 0
            }
        );
    }

    #[test]
    fn data_outside_zero_one_is_refused_where_the_loss_reads_probabilities() {
        let options = PresetOptions {
            input_size: Some(12),
            code_size: Some(3),
            loss: Some(Loss::Bce),
            ..Default::default()
        };
        let model = Autoencoder::new(preset(Kind::Undercomplete, &options).unwrap()).unwrap();
        let mut data = toy_data(6, 12);
        assert!(Trainer::new(model.clone(), &data, TrainConfig::default()).is_ok());
        data[2 * 12 + 5] = 1.5;
        let evaluated = evaluate_dataset(&model, &data).unwrap_err().to_string();
        assert!(
            evaluated.starts_with("evaluate: `images` holds 1.5 at row 2"),
            "{evaluated}"
        );
        let message = Trainer::new(model, &data, TrainConfig::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "train: `images` holds 1.5 at row 2, column 5, outside [0, 1] where the bce loss \
             reads probabilities"
        );
    }

    #[test]
    fn bad_data_and_batch_sizes_are_refused() {
        let model = trainer(Kind::Sparse).into_model();
        let bad = Trainer::new(model.clone(), &[0.5; 13], TrainConfig::default());
        assert!(matches!(bad, Err(Error::Shape { .. })));
        let mut nan = toy_data(4, 12);
        nan[7] = f32::NAN;
        let bad = Trainer::new(model.clone(), &nan, TrainConfig::default());
        assert!(matches!(bad, Err(Error::NonFiniteInput { index: 7, .. })));
        let config = TrainConfig {
            batch_size: 0,
            ..Default::default()
        };
        let message = Trainer::new(model, &toy_data(4, 12), config)
            .unwrap_err()
            .to_string();
        assert!(message.contains("batchSize"), "{message}");
    }
}
