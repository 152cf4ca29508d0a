//! The encoder downstream: a linear softmax classifier fitted on frozen
//! features (a "linear probe" of an encoder's codes, or of raw pixels), and a
//! principal-component map of codes.
//!
//! Features are centred on the training set's mean and divided by one
//! number, their root-mean-square spread, so codes and pixels of any scale
//! meet the same classifier. (Dividing each feature by its own deviation
//! blows up pixels that are almost always blank, and costs pixels 2 points.)

use crate::activation::{softmax_in_place, Activation};
use crate::error::{all_finite, Error, Number};
use crate::model::{Autoencoder, Dense};
use crate::objective::Grad;
use crate::optim::{Optimizer, OptimizerConfig};
use crate::rng::Rng;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Most classes a probe may have: labels are bytes.
pub const MAX_CLASSES: usize = 256;

/// Most weights a probe may have (`classes · width`), as many as a model.
pub const MAX_PROBE_WEIGHTS: usize = 20_000_000;

/// How a probe is fitted: Adam on the mean cross-entropy plus
/// `l2 / 2 · ‖W‖²`, for `epochs` passes or at least `min_steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ProbeConfig {
    pub epochs: usize,
    pub min_steps: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub l2: f64,
    pub seed: u64,
}

impl Default for ProbeConfig {
    /// 20 epochs (at least 300 steps) of batches of 64, learning rate 3e-3,
    /// `l2` 1e-4, seed 0.
    fn default() -> Self {
        ProbeConfig {
            epochs: 20,
            min_steps: 300,
            batch_size: 64,
            learning_rate: 3e-3,
            l2: 1e-4,
            seed: 0,
        }
    }
}

impl ProbeConfig {
    pub fn validate(&self) -> Result<(), Error> {
        let whole = |field: &str, value: usize, max: usize| {
            if (1..=max).contains(&value) {
                Ok(())
            } else {
                Err(Error::config(
                    field,
                    format!("must be between 1 and {max}, got {value}"),
                ))
            }
        };
        whole("epochs", self.epochs, 10_000)?;
        whole("batchSize", self.batch_size, 4096)?;
        if self.min_steps > 1_000_000 {
            return Err(Error::config(
                "minSteps",
                format!("must be at most 1000000, got {}", self.min_steps),
            ));
        }
        if !(self.learning_rate.is_finite()
            && self.learning_rate > 0.0
            && self.learning_rate <= 10.0)
        {
            return Err(Error::config(
                "learningRate",
                format!("must be in (0, 10], got {}", Number(self.learning_rate)),
            ));
        }
        if !(self.l2.is_finite() && (0.0..=100.0).contains(&self.l2)) {
            return Err(Error::config(
                "l2",
                format!("must be between 0 and 100, got {}", Number(self.l2)),
            ));
        }
        Ok(())
    }
}

/// A fitted linear softmax classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    mean: Array1<f32>,
    scale: Array1<f32>,
    /// `[classes, features]`, identity activation: the logits.
    layer: Dense,
}

impl Probe {
    /// Fits a classifier of `features: [n, d]` (a flat slice) into `classes`
    /// classes, `labels[i]` the class of row `i`.
    pub fn fit(
        features: &[f32],
        width: usize,
        labels: &[u8],
        classes: usize,
        config: &ProbeConfig,
    ) -> Result<Probe, Error> {
        config.validate()?;
        if !(2..=MAX_CLASSES).contains(&classes) {
            return Err(Error::config(
                "classes",
                format!("must be between 2 and {MAX_CLASSES}, got {classes}"),
            ));
        }
        let weights = classes
            .checked_mul(width)
            .filter(|&n| n <= MAX_PROBE_WEIGHTS);
        if weights.is_none() {
            return Err(Error::config(
                "classes",
                format!(
                    "{classes} classes of {width} features need more than \
                     {MAX_PROBE_WEIGHTS} weights"
                ),
            ));
        }
        let x = Autoencoder::batch_view("fit a probe", features, width)?;
        if labels.len() != x.nrows() {
            return Err(Error::shape(
                "fit a probe",
                format!("{} labels, one per row of features", x.nrows()),
                labels.len(),
            ));
        }
        if let Some(i) = labels.iter().position(|&l| l as usize >= classes) {
            return Err(Error::argument(
                "fit a probe",
                format!("labels[{i}]"),
                format!("is {}, but there are only {classes} classes", labels[i]),
            ));
        }

        let mean = x.mean_axis(Axis(0)).expect("non-empty");
        let variance = x.var_axis(Axis(0), 0.0);
        let spread = (variance.sum() / width as f32).sqrt();
        let scale = Array1::from_elem(width, if spread > 1e-12 { 1.0 / spread } else { 1.0 });
        let mut probe = Probe {
            layer: Dense {
                weight: Array2::zeros((classes, width)),
                bias: Array1::zeros(classes),
                activation: Activation::Identity,
            },
            mean,
            scale,
        };
        let standard = probe.standardise(x);
        if !spread.is_finite() || !all_finite(standard.as_slice().expect("standard layout")) {
            return Err(too_large("fit a probe", features));
        }

        let adam = OptimizerConfig::Adam {
            learning_rate: config.learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
        };
        let mut optimizer = Optimizer::new(adam, std::slice::from_ref(&probe.layer))?;
        let mut rng = Rng::new(config.seed);
        let n = standard.nrows();
        let batch = config.batch_size.min(n);
        // At most 10,000 epochs of a 2^32-row view: this cannot wrap in u64.
        let steps = (config.epochs as u64 * n.div_ceil(batch) as u64).max(config.min_steps as u64);
        let mut order: Vec<usize> = (0..n).collect();
        let mut cursor = 0;
        for _ in 0..steps {
            if cursor == 0 {
                rng.shuffle(&mut order);
            }
            let end = (cursor + batch).min(n);
            let rows = &order[cursor..end];
            cursor = if end == n { 0 } else { end };

            let xb = standard.select(Axis(0), rows);
            let mut dz = probe.softmax(xb.view());
            let scale = 1.0 / rows.len() as f32;
            for (mut row, &i) in dz.rows_mut().into_iter().zip(rows) {
                row[labels[i] as usize] -= 1.0;
                row.mapv_inplace(|v| v * scale);
            }
            let mut weight = dz.t().dot(&xb);
            weight.scaled_add(config.l2 as f32, &probe.layer.weight);
            let grad = Grad {
                weight,
                bias: dz.sum_axis(Axis(0)),
            };
            optimizer.update(std::slice::from_mut(&mut probe.layer), &[grad]);
        }
        let layer = &probe.layer;
        if !all_finite(layer.weight.as_slice().expect("standard layout"))
            || !layer.bias.iter().all(|b| b.is_finite())
        {
            return Err(too_large("fit a probe", features));
        }
        Ok(probe)
    }

    pub fn classes(&self) -> usize {
        self.layer.units()
    }

    pub fn width(&self) -> usize {
        self.layer.inputs()
    }

    fn standardise(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut standard = &x - &self.mean;
        standard *= &self.scale;
        standard
    }

    fn softmax(&self, standard: ArrayView2<f32>) -> Array2<f32> {
        let mut z = self.layer.linear(standard);
        for mut row in z.rows_mut() {
            softmax_in_place(row.as_slice_mut().expect("standard layout"));
        }
        z
    }

    /// Class probabilities `[n, classes]` of `features: [n, width]`.
    pub fn probabilities(&self, features: &[f32]) -> Result<Array2<f32>, Error> {
        let x = Autoencoder::batch_view("classify", features, self.width())?;
        let p = self.softmax(self.standardise(x).view());
        if !all_finite(p.as_slice().expect("standard layout")) {
            return Err(too_large("classify", features));
        }
        Ok(p)
    }

    /// The most probable class of each row.
    pub fn predict(&self, features: &[f32]) -> Result<Vec<usize>, Error> {
        let p = self.probabilities(features)?;
        Ok(p.rows().into_iter().map(|row| argmax(row.iter())).collect())
    }

    /// The fraction of rows whose most probable class is their label.
    pub fn accuracy(&self, features: &[f32], labels: &[u8]) -> Result<f64, Error> {
        let predicted = self.predict(features)?;
        if labels.len() != predicted.len() {
            return Err(Error::shape(
                "accuracy",
                format!("{} labels, one per row of features", predicted.len()),
                labels.len(),
            ));
        }
        if let Some(i) = labels.iter().position(|&l| l as usize >= self.classes()) {
            return Err(Error::argument(
                "accuracy",
                format!("labels[{i}]"),
                format!(
                    "is {}, but there are only {} classes",
                    labels[i],
                    self.classes()
                ),
            ));
        }
        let right = predicted
            .iter()
            .zip(labels)
            .filter(|&(&p, &l)| p == l as usize)
            .count();
        Ok(right as f64 / labels.len() as f64)
    }
}

/// The error for features whose sums pass the range of f32.
fn too_large(op: &'static str, features: &[f32]) -> Error {
    let largest = features.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    Error::argument(
        op,
        "features",
        format!(
            "hold values too large to compute with in float32 (up to {}): scale them down",
            Number(largest)
        ),
    )
}

/// Index of the largest value (the first one on ties).
pub fn argmax<'a>(values: impl Iterator<Item = &'a f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, &v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// The indices of `per_class` rows of each class (fewer if a class has
/// fewer), drawn with `seed`, in increasing order.
pub fn few_per_class(labels: &[u8], per_class: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    Rng::new(seed).shuffle(&mut order);
    let mut taken = [0usize; 256];
    let mut chosen: Vec<usize> = order
        .into_iter()
        .filter(|&i| {
            let count = &mut taken[labels[i] as usize];
            *count += 1;
            *count <= per_class
        })
        .collect();
    chosen.sort_unstable();
    chosen
}

/// Test accuracy of a probe fitted on `per_class` rows of each class of
/// the training features (every row when `None`), the rows drawn with
/// `config.seed`.
pub fn probe_accuracy(
    train: (&[f32], &[u8]),
    test: (&[f32], &[u8]),
    width: usize,
    classes: usize,
    per_class: Option<usize>,
    config: &ProbeConfig,
) -> Result<f64, Error> {
    let (features, labels) = train;
    let probe = match per_class {
        None => Probe::fit(features, width, labels, classes, config)?,
        Some(0) => {
            return Err(Error::config(
                "perClass",
                "must be at least 1 (or all labels)",
            ))
        }
        Some(count) => {
            if width == 0 || labels.len().checked_mul(width) != Some(features.len()) {
                return Err(Error::shape(
                    "fit a probe",
                    format!("{} features, {width} per label", labels.len() * width),
                    features.len(),
                ));
            }
            let rows = few_per_class(labels, count, config.seed);
            let mut chosen = Vec::with_capacity(rows.len() * width);
            let mut chosen_labels = Vec::with_capacity(rows.len());
            for &i in &rows {
                chosen.extend_from_slice(&features[i * width..(i + 1) * width]);
                chosen_labels.push(labels[i]);
            }
            Probe::fit(&chosen, width, &chosen_labels, classes, config)?
        }
    };
    probe.accuracy(test.0, test.1)
}

/// Principal components of a set of features: the directions of largest
/// variance, found by power iteration on the covariance.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    pub mean: Array1<f32>,
    /// `[k, width]`, unit rows, most variance first.
    pub components: Array2<f32>,
    /// The variance along each component.
    pub variances: Vec<f64>,
}

impl Pca {
    /// The first `k` components of `features: [n, width]`, by power
    /// iteration on the covariance without forming it (each step costs
    /// `2 n width`, and memory stays that of the features), each component
    /// kept orthogonal to those before it.
    pub fn fit(features: &[f32], width: usize, k: usize) -> Result<Pca, Error> {
        let x = Autoencoder::batch_view("fit a PCA", features, width)?;
        if k == 0 || k > width.min(16) {
            return Err(Error::config(
                "components",
                format!("must be between 1 and {}, got {k}", width.min(16)),
            ));
        }
        let n = x.nrows() as f32;
        let mean = x.mean_axis(Axis(0)).expect("non-empty");
        let centred = &x - &mean;
        let covariance_times = |v: &Array1<f32>| centred.t().dot(&centred.dot(v)) / n;

        let mut components: Array2<f32> = Array2::zeros((k, width));
        let mut variances = Vec::with_capacity(k);
        let mut rng = Rng::new(1);
        for c in 0..k {
            // Orthogonal to the earlier components, unit length.
            let orthonormal = |mut v: Array1<f32>| {
                for earlier in components.rows().into_iter().take(c) {
                    let along = earlier.dot(&v);
                    v.scaled_add(-along, &earlier);
                }
                let norm = v.dot(&v).sqrt();
                (v / norm.max(f32::MIN_POSITIVE), norm)
            };
            let (mut v, _) = orthonormal((0..width).map(|_| rng.symmetric(1.0)).collect());
            let mut value = 0.0;
            for _ in 0..500 {
                let (next, norm) = orthonormal(covariance_times(&v));
                if norm < 1e-12 {
                    // No variance left in any direction: v stays a unit
                    // vector orthogonal to the others, with variance 0.
                    value = 0.0;
                    break;
                }
                let settled = 1.0 - next.dot(&v).abs() < 1e-7;
                v = next;
                value = norm as f64;
                if settled {
                    break;
                }
            }
            // A fixed sign: the largest entry positive.
            let largest = v
                .iter()
                .fold(0.0f32, |m, &a| if a.abs() > m.abs() { a } else { m });
            if largest < 0.0 {
                v.mapv_inplace(|a| -a);
            }
            components.row_mut(c).assign(&v);
            variances.push(value);
        }
        let finite = variances.iter().all(|v| v.is_finite())
            && all_finite(components.as_slice().expect("standard layout"))
            && mean.iter().all(|m| m.is_finite());
        if !finite {
            return Err(too_large("fit a PCA", features));
        }
        Ok(Pca {
            mean,
            components,
            variances,
        })
    }

    /// Coordinates `[n, k]` of `features: [n, width]` along the components.
    pub fn project(&self, features: &[f32]) -> Result<Array2<f32>, Error> {
        let x = Autoencoder::batch_view("project", features, self.mean.len())?;
        let projected = (&x - &self.mean).dot(&self.components.t());
        if !projected.iter().all(|v| v.is_finite()) {
            return Err(too_large("project", features));
        }
        Ok(projected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three well-separated clusters in 2-D, with a useless third feature.
    fn clusters(n: usize, seed: u64) -> (Vec<f32>, Vec<u8>) {
        let mut rng = Rng::new(seed);
        let centres = [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0)];
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = i % 3;
            x.extend([
                centres[c].0 + rng.normal(),
                centres[c].1 + rng.normal(),
                7.0,
            ]);
            y.push(c as u8);
        }
        (x, y)
    }

    #[test]
    fn separates_clusters_it_was_not_fitted_on() {
        let (x, y) = clusters(300, 1);
        let probe = Probe::fit(&x, 3, &y, 3, &ProbeConfig::default()).unwrap();
        let (test_x, test_y) = clusters(300, 2);
        // The Bayes rate of these clusters is about 98%.
        let accuracy = probe.accuracy(&test_x, &test_y).unwrap();
        assert!(accuracy > 0.95, "{accuracy}");
        let p = probe.probabilities(&test_x[..3]).unwrap();
        assert!((p.sum() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn fitting_is_seeded() {
        let (x, y) = clusters(90, 1);
        let a = Probe::fit(&x, 3, &y, 3, &ProbeConfig::default()).unwrap();
        let b = Probe::fit(&x, 3, &y, 3, &ProbeConfig::default()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_input_is_refused() {
        let (x, y) = clusters(30, 1);
        let config = ProbeConfig::default();
        assert!(Probe::fit(&x, 3, &y[..29], 3, &config).is_err());
        assert!(Probe::fit(&x, 3, &y, 2, &config).is_err()); // label 2 with 2 classes
        let probe = Probe::fit(&x, 3, &y, 3, &config).unwrap();
        let mut unknown = y.clone();
        unknown[7] = 3; // no class 3: refused, not scored as a wrong answer
        let message = probe.accuracy(&x, &unknown).unwrap_err().to_string();
        assert!(
            message.contains("`labels[7]` is 3, but there are only 3 classes"),
            "{message}"
        );
        assert!(Probe::fit(&x[..10], 3, &y, 3, &config).is_err());
        let mut nan = x.clone();
        nan[4] = f32::NAN;
        assert!(Probe::fit(&nan, 3, &y, 3, &config).is_err());
        let lr = ProbeConfig {
            learning_rate: -1.0,
            ..config
        };
        assert!(Probe::fit(&x, 3, &y, 3, &lr).is_err());
    }

    #[test]
    fn features_too_large_for_float32_are_an_error_not_nan() {
        let (x, y) = clusters(30, 1);
        let config = ProbeConfig::default();
        let message = |error: Error| error.to_string();
        let mut huge = x.clone();
        huge.iter_mut().step_by(4).for_each(|v| *v = 1e38);
        let fit = message(Probe::fit(&huge, 3, &y, 3, &config).unwrap_err());
        assert!(
            fit.starts_with("fit a probe: `features` hold values too large"),
            "{fit}"
        );
        assert!(fit.contains("1e38"), "{fit}");
        let probe = Probe::fit(&x, 3, &y, 3, &config).unwrap();
        // Huge features give saturated probabilities or an error, never NaN.
        for value in [1e38, f32::MAX] {
            match probe.probabilities(&[value, -value, value]) {
                Ok(p) => assert!(p.iter().all(|v| v.is_finite()), "{p}"),
                Err(error) => {
                    assert!(message(error).starts_with("classify: `features` hold values too large"))
                }
            }
        }

        let pca = message(Pca::fit(&huge, 3, 2).unwrap_err());
        assert!(
            pca.starts_with("fit a PCA: `features` hold values too large"),
            "{pca}"
        );
        let fitted = Pca::fit(&x, 3, 2).unwrap();
        let project = message(fitted.project(&[3.4e38; 3]).unwrap_err());
        assert!(
            project.starts_with("project: `features` hold values too large"),
            "{project}"
        );
        // Large values that still fit are fine.
        assert!(fitted.project(&[1e30; 3]).is_ok());
    }

    #[test]
    fn few_per_class_takes_that_many_of_each() {
        let labels: Vec<u8> = (0..100).map(|i| (i % 4) as u8).collect();
        let chosen = few_per_class(&labels, 3, 5);
        assert_eq!(chosen.len(), 12);
        for class in 0..4 {
            assert_eq!(chosen.iter().filter(|&&i| labels[i] == class).count(), 3);
        }
        assert_eq!(few_per_class(&labels, 1000, 5).len(), 100);
        assert_eq!(chosen, few_per_class(&labels, 3, 5));
    }

    #[test]
    fn pca_of_features_far_wider_than_many_is_quick_and_right() {
        // 6 rows of 20,000 values, all multiples of one pattern: one component.
        let width = 20_000;
        let pattern: Vec<f32> = (0..width).map(|i| ((i * 7919) % 13) as f32 - 6.0).collect();
        let scales = [-2.0f32, -1.0, 0.0, 1.0, 2.0, 3.0];
        let x: Vec<f32> = scales
            .iter()
            .flat_map(|&a| pattern.iter().map(move |&p| a * p))
            .collect();
        let pca = Pca::fit(&x, width, 2).unwrap();
        let norm = pattern.iter().map(|p| p * p).sum::<f32>().sqrt();
        let along: f32 = pca
            .components
            .row(0)
            .iter()
            .zip(&pattern)
            .map(|(c, p)| c * p)
            .sum();
        assert!(
            (along.abs() / norm - 1.0).abs() < 1e-4,
            "{along} against {norm}"
        );
        // What is left is float32 rounding, about 2e-5 of the first.
        assert!(
            pca.variances[1] < 1e-4 * pca.variances[0],
            "{:?}",
            pca.variances
        );
    }

    #[test]
    fn pca_finds_the_axis_of_largest_variance() {
        // Points along (1, 2, 0)/√5 with spread 3, plus small noise.
        let mut rng = Rng::new(4);
        let mut x = Vec::new();
        for _ in 0..500 {
            let t = 3.0 * rng.normal();
            x.extend([
                t + 0.1 * rng.normal(),
                2.0 * t + 0.1 * rng.normal(),
                0.1 * rng.normal(),
            ]);
        }
        let pca = Pca::fit(&x, 3, 2).unwrap();
        let first = pca.components.row(0);
        let s = 5f32.sqrt();
        assert!((first[0] - 1.0 / s).abs() < 0.01, "{first}");
        assert!((first[1] - 2.0 / s).abs() < 0.01, "{first}");
        // About 9 · 5 = 45 along the line, 0.01 across it.
        assert!(
            (pca.variances[0] / 45.0 - 1.0).abs() < 0.15,
            "{:?}",
            pca.variances
        );
        assert!(pca.variances[1] < 0.02, "{:?}", pca.variances);
        let second = pca.components.row(1);
        assert!(first.dot(&second).abs() < 1e-4);
        let projected = pca.project(&x[..6]).unwrap();
        assert_eq!(projected.dim(), (2, 2));
    }
}
