//! The bindings of the full package beyond inference: training, the real
//! digits, IDX data and presets.

use super::{called, text, whole, JsAutoencoder, INDEX_MAX};
use crate::config::ModelConfig;
use crate::config::{preset, Kind, PresetOptions};
use crate::data::{Digits, Split};
use crate::error::Error;
use crate::idx;
use crate::model::Autoencoder;
use crate::train::{evaluate_dataset, TrainConfig, Trainer};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Reads a plain JS object into a config type, naming the path of a bad
/// field after the public call: ``new Autoencoder: `encoder[0].units`: invalid type…``.
///
/// The object goes through `serde_json::Value` first: serde-wasm-bindgen
/// skips keys a struct does not know, which would let a misspelt option
/// (`batchSise`) pass silently; serde_json rejects it.
fn parse_js<T: DeserializeOwned>(op: &str, what: &str, value: JsValue) -> Result<T, JsError> {
    if let Some((path, number)) = non_finite(&value, "", 0) {
        let path = if path.is_empty() { what } else { &path };
        return Err(JsError::new(&format!(
            "{op}: `{path}` must be a finite number, got {}",
            crate::error::Number(number)
        )));
    }
    let json: serde_json::Value = serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsError::new(&format!("{op}: invalid {what}: {}", clean(e.to_string()))))?;
    serde_path_to_error::deserialize(&json).map_err(|e| {
        let path = e.path().to_string();
        let reason = clean(e.into_inner().to_string());
        let message = match (path.as_str(), non_number_field(&json, &path)) {
            (_, Some((field, value))) => {
                format!("{op}: `{path}.{field}` must be a number, got {value}")
            }
            (".", None) => format!("{op}: invalid {what}: {reason}"),
            (_, None) => format!("{op}: `{path}`: {reason}"),
        };
        JsError::new(&message)
    })
}

/// The path of the first NaN or ±Infinity in a plain JS value. JSON has
/// neither, so on the way to serde they would become `null`, and an option
/// that is `null` takes its default: a `NaN` weight would pass unnoticed.
fn non_finite(value: &JsValue, path: &str, depth: usize) -> Option<(String, f64)> {
    if let Some(number) = value.as_f64() {
        return (!number.is_finite()).then(|| (path.to_string(), number));
    }
    if depth > 16 || !value.is_object() {
        return None;
    }
    let entries: Vec<(String, JsValue)> = if js_sys::Array::is_array(value) {
        let items = js_sys::Array::from(value);
        items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("[{i}]"), item))
            .collect()
    } else {
        let object: &js_sys::Object = value.unchecked_ref();
        js_sys::Object::entries(object)
            .iter()
            .map(|entry| {
                let pair = js_sys::Array::from(&entry);
                let key = pair.get(0).as_string().unwrap_or_default();
                (format!(".{key}"), pair.get(1))
            })
            .collect()
    };
    entries.iter().find_map(|(step, item)| {
        let inner = format!("{path}{step}");
        non_finite(item, inner.trim_start_matches('.'), depth + 1)
    })
}

/// Inside a `kind`-tagged object (optimizer, corruption, sparsity) serde
/// buffers the fields, so an error's path stops at the object. Every field of
/// those objects but `kind` is a number: this finds the one that is not.
fn non_number_field(json: &serde_json::Value, path: &str) -> Option<(String, String)> {
    let mut value = json;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (key, indices) = segment.split_once('[').unwrap_or((segment, ""));
        value = value.get(key)?;
        for index in indices.split('[').filter(|i| !i.is_empty()) {
            value = value.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    let object = value.as_object().filter(|o| o.contains_key("kind"))?;
    object
        .iter()
        .find(|(key, field)| *key != "kind" && !field.is_number())
        .map(|(key, field)| (key.clone(), field.to_string()))
}

/// A serde message without the `Error: ` prefix of JS errors or serde_json's
/// ` at line 1 column 2` position, which mean nothing for a JS object.
fn clean(message: String) -> String {
    let message = message.trim_start_matches("Error: ");
    let message = match message.find(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    // Rust's names of number types, in words a JS user reads.
    let text = [
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("floating point `", "the number `"),
        // Numbers as JS writes them: 1e300, where serde writes 1e+300.
        ("e+", "e"),
    ]
    .iter()
    .fold(message.to_string(), |text, (rust, words)| {
        text.replace(rust, words)
    });
    // serde names the Rust type an object is read into: `expected struct TrainConfig`.
    match text.find("expected struct ") {
        Some(at) => {
            let rest = &text[at + "expected struct ".len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            format!("{}expected an object{}", &text[..at], &rest[end..])
        }
        None => text,
    }
}

pub(super) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&e.to_string()))
}

/// As [`parse_js`], with `undefined` or `null` giving the defaults.
pub(super) fn from_js<T: DeserializeOwned + Default>(
    op: &str,
    what: &str,
    value: JsValue,
) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    parse_js(op, what, value)
}

/// Most steps one call of `Trainer.step` may run: keeps a typo from
/// freezing a page for hours (call again to go on).
const MAX_STEPS_PER_CALL: u64 = 1_000_000;

/// Milliseconds from `performance.now()` where there is one (pages, workers,
/// Node), else `Date.now()`.
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    let now = performance
        .as_ref()
        .and_then(|p| js_sys::Reflect::get(p, &"now".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match (performance, now) {
        (Some(p), Some(f)) => f
            .call0(&p)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    }
}

#[wasm_bindgen(js_class = Autoencoder)]
impl JsAutoencoder {
    /// Writes a safetensors model file.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::io::save(&self.inner)
    }

    /// A freshly initialised model from a config object.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<JsAutoencoder, JsError> {
        if config.is_undefined() || config.is_null() {
            return Err(JsError::new(
                "new Autoencoder: expected a config object, got nothing",
            ));
        }
        let config: ModelConfig = parse_js("new Autoencoder", "config", config)?;
        Ok(JsAutoencoder {
            inner: Autoencoder::new(config).map_err(called("new Autoencoder"))?,
        })
    }

    pub fn config(&self) -> Result<JsValue, JsError> {
        to_js(self.inner.config())
    }

    /// `{reconstruction, penalty, loss}` on clean samples `[n, inputSize]`.
    pub fn evaluate(&self, x: &[f32]) -> Result<JsValue, JsError> {
        let parts = evaluate_dataset(&self.inner, x).map_err(called("Autoencoder.evaluate"))?;
        to_js(&Evaluation {
            reconstruction: parts.reconstruction,
            penalty: parts.penalty,
            loss: parts.total(),
        })
    }
}

#[derive(Serialize)]
struct Evaluation {
    reconstruction: f64,
    penalty: f64,
    loss: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    step: u64,
    epoch: u64,
    epoch_progress: f64,
    reconstruction: f64,
    penalty: f64,
    loss: f64,
    examples_per_second: f64,
}

/// Mini-batch training over data copied into wasm memory once.
#[wasm_bindgen(js_name = Trainer)]
pub struct JsTrainer {
    inner: Trainer,
    batch_size: usize,
}

#[wasm_bindgen(js_class = Trainer)]
impl JsTrainer {
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: &JsAutoencoder,
        images: &[f32],
        options: JsValue,
    ) -> Result<JsTrainer, JsError> {
        let config: TrainConfig = from_js("new Trainer", "options", options)?;
        let batch_size = config.batch_size;
        Ok(JsTrainer {
            inner: Trainer::new(model.inner.clone(), images, config)
                .map_err(called("new Trainer"))?,
            batch_size,
        })
    }

    /// Runs `steps` steps and returns the progress.
    pub fn step(&mut self, steps: JsValue) -> Result<JsValue, JsError> {
        let steps = whole("Trainer.step", "steps", &steps, MAX_STEPS_PER_CALL)? as usize;
        let start = now_ms();
        let report = self.inner.step(steps).map_err(called("Trainer.step"))?;
        let seconds = ((now_ms() - start) / 1000.0).max(1e-6);
        to_js(&Progress {
            step: report.step,
            epoch: report.epoch,
            epoch_progress: report.epoch_progress,
            reconstruction: report.losses.reconstruction,
            penalty: report.losses.penalty,
            loss: report.losses.total(),
            examples_per_second: (steps * self.batch_size) as f64 / seconds,
        })
    }

    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> f64 {
        self.inner.step_count() as f64
    }

    #[wasm_bindgen(getter, js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.inner.steps_per_epoch()
    }

    /// A copy of the current model.
    pub fn model(&self) -> JsAutoencoder {
        JsAutoencoder {
            inner: self.inner.model().clone(),
        }
    }

    pub fn history(&self) -> Result<JsValue, JsError> {
        let history = self.inner.history();
        let reconstruction: Vec<f32> = history.iter().map(|p| p.reconstruction as f32).collect();
        let penalty: Vec<f32> = history.iter().map(|p| p.penalty as f32).collect();
        object(&[
            (
                "reconstruction",
                js_sys::Float32Array::from(&reconstruction[..]).into(),
            ),
            ("penalty", js_sys::Float32Array::from(&penalty[..]).into()),
        ])
    }
}

/// A plain JS object with typed arrays as values (serde would make arrays).
fn object(entries: &[(&str, JsValue)]) -> Result<JsValue, JsError> {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        js_sys::Reflect::set(&object, &(*key).into(), value)
            .map_err(|_| JsError::new("could not build a result object"))?;
    }
    Ok(object.into())
}

/// Images of an IDX file (MNIST or Fashion-MNIST, plain or gzip):
/// `{ images: Float32Array [count, rows·cols] in [0, 1], count, rows, cols }`.
#[wasm_bindgen(js_name = readIdxImages)]
pub fn read_idx_images(bytes: JsValue) -> Result<JsValue, JsError> {
    let bytes = super::bytes("readIdxImages", "bytes", &bytes)?;
    let (images, rows, cols) = idx::read_images(&bytes)?;
    let count = images.len() / (rows * cols);
    object(&[
        ("images", js_sys::Float32Array::from(&images[..]).into()),
        ("count", count.into()),
        ("rows", rows.into()),
        ("cols", cols.into()),
    ])
}

/// Labels of an IDX file (plain or gzip).
#[wasm_bindgen(js_name = readIdxLabels)]
pub fn read_idx_labels(bytes: JsValue) -> Result<Vec<u8>, JsError> {
    let bytes = super::bytes("readIdxLabels", "bytes", &bytes)?;
    Ok(idx::read_labels(&bytes)?)
}

/// The real digits with their fixed train / test split.
#[wasm_bindgen(js_name = Digits)]
pub struct JsDigits {
    inner: Digits,
}

#[wasm_bindgen(js_class = Digits)]
impl JsDigits {
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: JsValue) -> Result<JsDigits, JsError> {
        let bytes = super::bytes("new Digits", "bytes", &bytes)?;
        Ok(JsDigits {
            inner: Digits::parse(&bytes)?,
        })
    }

    #[wasm_bindgen(getter, js_name = trainCount)]
    pub fn train_count(&self) -> usize {
        self.inner.count(Split::Train)
    }

    #[wasm_bindgen(getter, js_name = testCount)]
    pub fn test_count(&self) -> usize {
        self.inner.count(Split::Test)
    }

    pub fn images(&self, split: JsValue) -> Result<Vec<f32>, JsError> {
        Ok(self.inner.images(split_of("Digits.images", &split)?))
    }

    pub fn labels(&self, split: JsValue) -> Result<Vec<u8>, JsError> {
        Ok(self
            .inner
            .labels(split_of("Digits.labels", &split)?)
            .to_vec())
    }

    pub fn image(&self, split: JsValue, index: JsValue) -> Result<Vec<f32>, JsError> {
        const OP: &str = "Digits.image";
        let split = split_of(OP, &split)?;
        let index = whole(OP, "index", &index, INDEX_MAX)? as usize;
        Ok(self.inner.image(split, index).map_err(called(OP))?)
    }

    pub fn label(&self, split: JsValue, index: JsValue) -> Result<u8, JsError> {
        const OP: &str = "Digits.label";
        let labels = self.inner.labels(split_of(OP, &split)?);
        let index = whole(OP, "index", &index, INDEX_MAX)? as usize;
        labels.get(index).copied().ok_or_else(|| {
            let reason = format!("must be below {}, got {index}", labels.len());
            Error::argument(OP, "index", reason).into()
        })
    }
}

/// A complete config for one of the four kinds.
#[wasm_bindgen(js_name = presetConfig)]
pub fn preset_config(kind: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    const OP: &str = "presetConfig";
    let kind = Kind::parse(&text(OP, "kind", &kind)?).map_err(called(OP))?;
    let options: PresetOptions = from_js(OP, "options", options)?;
    to_js(&preset(kind, &options).map_err(called(OP))?)
}

/// `'train'` or `'test'`, the `split` argument of the call `op`.
fn split_of(op: &'static str, split: &JsValue) -> Result<Split, JsError> {
    Ok(Split::parse(&text(op, "split", split)?).map_err(called(op))?)
}
