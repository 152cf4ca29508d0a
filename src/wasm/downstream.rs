//! The encoder downstream and shared codes, for JS: the linear probe, PCA,
//! and the multimodal pairings of the digits.

use super::training::{from_js, to_js};
use super::{byte_array, called, shown, text, whole};
use crate::error::{Error, Number};
use crate::multimodal::Pairing;
use crate::probe::{few_per_class, probe_accuracy, Pca, Probe, ProbeConfig};
use wasm_bindgen::prelude::*;

/// The digits' images are 28 × 28.
const SIDE: usize = 28;

/// A linear softmax classifier fitted on frozen features (codes or pixels).
#[wasm_bindgen(js_name = Probe)]
pub struct JsProbe {
    inner: Probe,
}

#[wasm_bindgen(js_class = Probe)]
impl JsProbe {
    /// Fits `features: [n, width]` to `labels` (one per row, below
    /// `classes`); `options` as `ProbeOptions`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        features: &[f32],
        width: JsValue,
        labels: JsValue,
        classes: JsValue,
        options: JsValue,
    ) -> Result<JsProbe, JsError> {
        const OP: &str = "new Probe";
        let width = whole(OP, "width", &width, 1 << 24)? as usize;
        let labels = self::labels(OP, "labels", &labels)?;
        let classes = whole(OP, "classes", &classes, 1 << 24)? as usize;
        let config: ProbeConfig = from_js(OP, "options", options)?;
        Ok(JsProbe {
            inner: Probe::fit(features, width, &labels, classes, &config).map_err(called(OP))?,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn classes(&self) -> usize {
        self.inner.classes()
    }

    #[wasm_bindgen(getter)]
    pub fn width(&self) -> usize {
        self.inner.width()
    }

    /// `[n, width]` → class probabilities `[n, classes]`.
    pub fn probabilities(&self, features: &[f32]) -> Result<Vec<f32>, JsError> {
        let probabilities = self.inner.probabilities(features);
        Ok(super::rows(
            probabilities.map_err(called("Probe.probabilities"))?,
        ))
    }

    /// The most probable class of each row.
    pub fn predict(&self, features: &[f32]) -> Result<Vec<u32>, JsError> {
        let classes = self
            .inner
            .predict(features)
            .map_err(called("Probe.predict"))?;
        Ok(classes.into_iter().map(|c| c as u32).collect())
    }

    /// The fraction of rows whose most probable class is their label.
    pub fn accuracy(&self, features: &[f32], labels: JsValue) -> Result<f64, JsError> {
        const OP: &str = "Probe.accuracy";
        let labels = self::labels(OP, "labels", &labels)?;
        Ok(self.inner.accuracy(features, &labels).map_err(called(OP))?)
    }
}

/// Test accuracy of a probe fitted on `perClass` rows of each class of the
/// training features, or on all of them when `perClass` is `undefined`.
#[wasm_bindgen(js_name = probeAccuracy)]
#[allow(clippy::too_many_arguments)] // mirrors the JS call, one array per argument
pub fn probe_accuracy_js(
    train_features: &[f32],
    train_labels: JsValue,
    test_features: &[f32],
    test_labels: JsValue,
    width: JsValue,
    classes: JsValue,
    per_class: JsValue,
    options: JsValue,
) -> Result<f64, JsError> {
    const OP: &str = "probeAccuracy";
    let train_labels = labels(OP, "trainLabels", &train_labels)?;
    let test_labels = labels(OP, "testLabels", &test_labels)?;
    let width = whole(OP, "width", &width, 1 << 24)? as usize;
    let classes = whole(OP, "classes", &classes, 1 << 24)? as usize;
    let per_class = if per_class.is_undefined() || per_class.is_null() {
        None
    } else {
        Some(whole(OP, "perClass", &per_class, 1 << 24)? as usize)
    };
    let config: ProbeConfig = from_js(OP, "options", options)?;
    // Checked here, where it is known which of the two sets is at fault.
    let sets = [
        (
            train_features,
            &train_labels,
            "trainFeatures",
            "trainLabels",
        ),
        (test_features, &test_labels, "testFeatures", "testLabels"),
    ];
    for (features, labels, features_name, labels_name) in sets {
        if width > 0 && labels.len().checked_mul(width) != Some(features.len()) {
            let expected = format!(
                "{} values in `{features_name}`, {width} for each of the {} labels in \
                 `{labels_name}`",
                labels.len() as u64 * width as u64,
                labels.len()
            );
            return Err(Error::shape(OP, expected, features.len()).into());
        }
        // (A count of classes below 2 is the probe's to refuse.)
        let outside = |&l: &u8| classes >= 2 && l as usize >= classes;
        if let Some(i) = labels.iter().position(outside) {
            let reason = format!("is {}, but there are only {classes} classes", labels[i]);
            return Err(Error::argument(OP, format!("{labels_name}[{i}]"), reason).into());
        }
        if let Some(i) = features.iter().position(|v| !v.is_finite()) {
            let reason = format!("holds {} at index {i}", Number(features[i]));
            return Err(Error::argument(OP, features_name, reason).into());
        }
    }
    Ok(probe_accuracy(
        (train_features, &train_labels),
        (test_features, &test_labels),
        width,
        classes,
        per_class,
        &config,
    )
    .map_err(called(OP))?)
}

/// Indices of `perClass` rows of each label, drawn with `seed`, in order.
#[wasm_bindgen(js_name = fewPerClass)]
pub fn few_per_class_js(
    labels: JsValue,
    per_class: JsValue,
    seed: JsValue,
) -> Result<Vec<u32>, JsError> {
    let labels = self::labels("fewPerClass", "labels", &labels)?;
    let per_class = whole("fewPerClass", "perClass", &per_class, 1 << 24)? as usize;
    let seed = whole("fewPerClass", "seed", &seed, 1 << 53)?;
    let chosen = few_per_class(&labels, per_class, seed);
    Ok(chosen.into_iter().map(|i| i as u32).collect())
}

/// Principal components of features: the directions of largest variance.
#[wasm_bindgen(js_name = Pca)]
pub struct JsPca {
    inner: Pca,
}

#[wasm_bindgen(js_class = Pca)]
impl JsPca {
    /// The first `components` (1 to 16) principal components of
    /// `features: [n, width]`.
    #[wasm_bindgen(constructor)]
    pub fn new(features: &[f32], width: JsValue, components: JsValue) -> Result<JsPca, JsError> {
        const OP: &str = "new Pca";
        let width = whole(OP, "width", &width, 1 << 24)? as usize;
        let components = whole(OP, "components", &components, 1 << 24)? as usize;
        Ok(JsPca {
            inner: Pca::fit(features, width, components).map_err(called(OP))?,
        })
    }

    /// `[n, width]` → coordinates `[n, components]`.
    pub fn project(&self, features: &[f32]) -> Result<Vec<f32>, JsError> {
        Ok(super::rows(
            self.inner
                .project(features)
                .map_err(called("Pca.project"))?,
        ))
    }

    /// The variance along each component, largest first.
    #[wasm_bindgen(getter)]
    pub fn variances(&self) -> Vec<f64> {
        self.inner.variances.clone()
    }

    /// The components, `[components, width]` row-major.
    #[wasm_bindgen(getter)]
    pub fn components(&self) -> Vec<f32> {
        self.inner.components.iter().copied().collect()
    }
}

/// The modalities of a built-in pairing of the digits, for a preset's
/// `modalities` option: `'image-label'` or `'halves'`.
#[wasm_bindgen(js_name = pairingModalities)]
pub fn pairing_modalities(pairing: JsValue) -> Result<JsValue, JsError> {
    const OP: &str = "pairingModalities";
    let pairing = Pairing::parse(&text(OP, "pairing", &pairing)?).map_err(called(OP))?;
    to_js(&pairing.modalities(SIDE, SIDE))
}

/// Model inputs for 28 × 28 images `[n, 784]` and their labels (one per
/// image; `'halves'` needs none), each modality kept or set to zero (missing)
/// as `keepFirst` and `keepSecond` say.
#[wasm_bindgen(js_name = pairInputs)]
pub fn pair_inputs(
    pairing: JsValue,
    images: &[f32],
    labels: JsValue,
    keep_first: JsValue,
    keep_second: JsValue,
) -> Result<Vec<f32>, JsError> {
    const OP: &str = "pairInputs";
    let pairing = Pairing::parse(&text(OP, "pairing", &pairing)?).map_err(called(OP))?;
    let labels = self::labels(OP, "labels", &labels)?;
    let keep = [
        flag(OP, "keepFirst", &keep_first)?,
        flag(OP, "keepSecond", &keep_second)?,
    ];
    Ok(pairing
        .join(images, &labels, SIDE, SIDE, keep)
        .map_err(called(OP))?)
}

/// `true` or `false`, naming the argument otherwise. Flags cross as a
/// `JsValue`, as numbers do (see `whole`): for a `bool` parameter the glue
/// passes `+value`, so `'true'` would be false and `1` true.
fn flag(op: &'static str, name: &'static str, value: &JsValue) -> Result<bool, JsError> {
    value.as_bool().ok_or_else(|| {
        let reason = format!("must be true or false, got {}", shown(value));
        Error::argument(op, name, reason).into()
    })
}

/// The 28 × 28 images `[n, 784]` inside paired model outputs `[n, size]`:
/// the image block, or the two halves side by side again.
#[wasm_bindgen(js_name = pairedImages)]
pub fn paired_images(pairing: JsValue, outputs: &[f32]) -> Result<Vec<f32>, JsError> {
    const OP: &str = "pairedImages";
    let pairing = Pairing::parse(&text(OP, "pairing", &pairing)?).map_err(called(OP))?;
    Ok(pairing.image_of(outputs, SIDE, SIDE).map_err(called(OP))?)
}

/// Labels: a `Uint8Array` as it is, or any other array, plain or typed,
/// whose values are whole numbers from 0 to 255, checked one by one. The
/// glue would have copied `[300, -1, 2.5, NaN]` as `[44, 255, 2, 0]` (see
/// `bytes` in mod.rs).
fn labels(op: &'static str, name: &'static str, value: &JsValue) -> Result<Vec<u8>, JsError> {
    use js_sys::{Array, ArrayBuffer};
    if let Some(labels) = byte_array(value) {
        return Ok(labels);
    }
    if !(Array::is_array(value) || ArrayBuffer::is_view(value)) {
        let reason = format!(
            "must be a Uint8Array or an array of whole numbers from 0 to 255, got {}",
            shown(value)
        );
        return Err(Error::argument(op, name, reason).into());
    }
    let values = Array::from(value);
    let mut labels = Vec::with_capacity(values.length() as usize);
    for (i, label) in values.iter().enumerate() {
        match label.as_f64() {
            Some(x) if (0.0..=255.0).contains(&x) && x.fract() == 0.0 => labels.push(x as u8),
            _ => {
                let reason = format!(
                    "must be a whole number from 0 to 255, got {}",
                    shown(&label)
                );
                return Err(Error::argument(op, format!("{name}[{i}]"), reason).into());
            }
        }
    }
    Ok(labels)
}
