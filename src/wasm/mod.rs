//! The JS boundary: converts, validates and forwards to the core. No maths
//! lives here. Every fallible export returns `Result<_, JsError>`, so a
//! failure reaches JS as an `Error` carrying the core error's message.

use crate::config::Corruption;
use crate::corruption::corrupt_in_place;
use crate::data;
use crate::error::{check_finite, Error, Number};
use crate::io;
use crate::model::Autoencoder;
use crate::rng::Rng;
use wasm_bindgen::prelude::*;

/// Training, data sets and presets: the full package. Without the
/// `training` feature the module is the small inference-only build.
#[cfg(feature = "training")]
mod training;

/// The linear probe, PCA and the multimodal pairings of the digits.
#[cfg(feature = "training")]
mod downstream;

#[wasm_bindgen(start)]
fn start() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// Whether this module's inference fuses its multiply-adds (the build for
/// `InferencePool`'s `fused` option): the pool's workers ask the module they
/// loaded, whatever file it came from. Not re-exported by the package.
#[wasm_bindgen(js_name = fusedInference)]
pub fn fused_inference() -> bool {
    cfg!(feature = "fused-inference")
}

/// A whole number in `0..=max` from a JS number, naming the argument
/// otherwise. Numbers cross as a `JsValue` and are checked here: for an
/// `f64` parameter wasm-bindgen's glue passes `+value`, which turns `null`
/// into 0, `true` into 1 and `'5'` into 5 without a word (and a `usize`
/// parameter would wrap −1 to 4294967295).
fn whole(op: &'static str, name: &'static str, value: &JsValue, max: u64) -> Result<u64, JsError> {
    match value.as_f64() {
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= max as f64 => Ok(x as u64),
        _ => {
            let reason = format!(
                "must be a whole number from 0 to {max}, got {}",
                shown(value)
            );
            Err(Error::argument(op, name, reason).into())
        }
    }
}

/// An error of the core as the public call `op` reports it. The core names
/// its own steps ("fit a probe", "join modalities"), which are no call a JS
/// user made: each export puts its name in their place (`new Probe`,
/// `pairInputs`), and a config field becomes a field of its arguments.
fn called(op: &'static str) -> impl Fn(Error) -> Error {
    move |error| relabel(error, op)
}

/// [`called`]'s work, out of line as error.rs explains.
#[cold]
#[inline(never)]
fn relabel(error: Error, op: &'static str) -> Error {
    match error {
        Error::Config { field, reason } => Error::argument(op, field, reason),
        Error::Argument { name, reason, .. } => Error::argument(op, name, reason),
        Error::Shape {
            expected, actual, ..
        } => Error::Shape {
            op,
            expected,
            actual,
        },
        Error::NonFiniteInput { index, .. } => Error::NonFiniteInput { op, index },
        Error::Overflow { layer, .. } => Error::Overflow { op, layer },
        Error::EncoderOnly { .. } => Error::EncoderOnly { op },
        other => other,
    }
}

/// Largest index an argument may give: more than any array in wasm32 holds.
const INDEX_MAX: u64 = (usize::MAX >> 1) as u64;

/// A string argument. wasm-bindgen's glue for a `&str` parameter does not
/// check that it was given a string: with a number it copies a length and
/// bytes that were never written, and after a few hundred such calls Node
/// crashed (tests/node/downstream.test.mjs repeats them). So every string
/// crosses as a `JsValue` and is checked here.
fn text(op: &'static str, name: &'static str, value: &JsValue) -> Result<String, JsError> {
    value.as_string().ok_or_else(|| {
        let reason = format!("must be a string, got {}", shown(value));
        Error::argument(op, name, reason).into()
    })
}

#[wasm_bindgen]
extern "C" {
    /// Copies a typed array of bytes into `into`, of its length. (js-sys's
    /// `Uint8Array::to_vec` does the same, with a check of the length whose
    /// panic message costs the inference build 300 bytes.)
    #[wasm_bindgen(js_namespace = Uint8Array, js_name = "prototype.set.call")]
    fn copy_bytes(into: &mut [u8], from: &JsValue);

    /// Copies `from` (read in place from wasm memory) into the Float32Array
    /// `into`, of the same length. It may throw (`into` detached meanwhile,
    /// say when it was a view of this module's memory, which then grew):
    /// caught, so that the exception never unwinds through Rust's frames.
    #[wasm_bindgen(catch, js_namespace = Float32Array, js_name = "prototype.set.call")]
    fn copy_floats(into: &JsValue, from: &[f32]) -> Result<(), JsValue>;
}

/// The caller's buffer for a result of `rows × width` values: a
/// `Float32Array` of exactly that length, checked before any work is done.
fn buffer(op: &'static str, out: &JsValue, rows: usize, width: usize) -> Result<(), JsError> {
    use js_sys::Float32Array;
    let Some(len) = rows.checked_mul(width) else {
        return Err(Error::too_many_rows(op, rows, width).into());
    };
    let reason = if !out.is_instance_of::<Float32Array>() {
        format!("must be a Float32Array, got {}", shown(out))
    } else {
        let given = out.unchecked_ref::<Float32Array>().length() as usize;
        if given == len {
            return Ok(());
        }
        format!("must hold {len} values for this input, got {given}")
    };
    Err(Error::argument(op, "out", reason).into())
}

/// Writes `result` into the caller's `out`, checked by [`buffer`].
fn fill(op: &'static str, out: &JsValue, result: ndarray::Array2<f32>) -> Result<(), JsError> {
    copy_floats(out, &rows(result)).map_err(|thrown| {
        let reason = format!("could not be written ({})", shown_error(&thrown));
        Error::argument(op, "out", reason).into()
    })
}

/// The message of something JS threw.
fn shown_error(thrown: &JsValue) -> String {
    js_sys::Reflect::get(thrown, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| shown(thrown))
}

/// A JS value as a message shows it: a number as JS writes it, a string in
/// quotes, `null`, `undefined`, `true` or `false`, an object by its class
/// (`an Array`, `a Float32Array`), and anything else by its type (`bigint`).
fn shown(value: &JsValue) -> String {
    if let Some(number) = value.as_f64() {
        return Number(number).to_string();
    }
    if let Some(text) = value.as_string() {
        return format!("'{text}'");
    }
    if let Some(flag) = value.as_bool() {
        return flag.to_string();
    }
    if value.is_null() {
        return "null".to_string();
    }
    // Reflect.get throws for a primitive (a bigint, a symbol, undefined).
    let class = js_sys::Reflect::get(value, &"constructor".into())
        .and_then(|made| js_sys::Reflect::get(&made, &"name".into()))
        .ok()
        .and_then(|name| name.as_string())
        .filter(|name| !name.is_empty());
    match class {
        Some(name) => {
            // Not U: a Uint8Array, a URL.
            let article = if b"AEIO".contains(&name.as_bytes()[0]) {
                "an"
            } else {
                "a"
            };
            format!("{article} {name}")
        }
        None => value.js_typeof().as_string().unwrap_or_default(),
    }
}

/// Bytes of a file or of pixels: a `Uint8Array` (or a canvas's
/// `Uint8ClampedArray`) and nothing else. For a `&[u8]` parameter
/// wasm-bindgen's glue copies any array as a Uint8Array would, wrapping 300
/// to 44 and −1 to 255 without a word. The check is here rather than in the
/// JS guard (load.js), which sees each argument but not which parameters
/// take bytes; here, as for numbers (`whole`), the parameter is known.
/// Labels, which a person may write as `[3, 9]`, have their own check.
fn bytes(op: &'static str, name: &'static str, value: &JsValue) -> Result<Vec<u8>, JsError> {
    byte_array(value).ok_or_else(|| {
        let reason = format!("must be a Uint8Array, got {}", shown(value));
        Error::argument(op, name, reason).into()
    })
}

/// A copy of a `Uint8Array` or `Uint8ClampedArray`; `None` for anything else.
fn byte_array(value: &JsValue) -> Option<Vec<u8>> {
    use js_sys::{Uint8Array, Uint8ClampedArray};
    if !(value.is_instance_of::<Uint8Array>() || value.is_instance_of::<Uint8ClampedArray>()) {
        return None;
    }
    // Read by Uint8Array's methods, which read a Uint8ClampedArray too.
    let mut copy = vec![0; value.unchecked_ref::<Uint8Array>().length() as usize];
    copy_bytes(&mut copy, value);
    Some(copy)
}

/// The values of a 2-D result in row-major order, whatever its memory layout:
/// inference gives row-major arrays, but an ndarray product with a one-unit
/// layer comes back column-major, and a raw copy would then interleave rows.
fn rows(values: ndarray::Array2<f32>) -> Vec<f32> {
    if values.is_standard_layout() {
        values.into_raw_vec_and_offset().0
    } else {
        values.iter().copied().collect()
    }
}

/// An autoencoder: architecture, objective and weights.
#[wasm_bindgen(js_name = Autoencoder)]
pub struct JsAutoencoder {
    inner: Autoencoder,
}

#[wasm_bindgen(js_class = Autoencoder)]
impl JsAutoencoder {
    /// Reads a safetensors model file.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: JsValue) -> Result<JsAutoencoder, JsError> {
        let bytes = self::bytes("Autoencoder.fromBytes", "bytes", &bytes)?;
        Ok(JsAutoencoder {
            inner: io::load(&bytes)?,
        })
    }

    #[wasm_bindgen(getter, js_name = inputSize)]
    pub fn input_size(&self) -> usize {
        self.inner.input_size()
    }

    #[wasm_bindgen(getter, js_name = codeSize)]
    pub fn code_size(&self) -> usize {
        self.inner.code_size()
    }

    #[wasm_bindgen(getter, js_name = parameterCount)]
    pub fn parameter_count(&self) -> usize {
        self.inner.parameter_count()
    }

    /// `[n, inputSize]` → `[n, codeSize]`.
    pub fn encode(&self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        const OP: &str = "Autoencoder.encode";
        let x = Autoencoder::batch_view(OP, x, self.inner.input_size())?;
        Ok(rows(self.inner.encode(x)?))
    }

    /// `[n, codeSize]` → `[n, inputSize]`.
    pub fn decode(&self, code: &[f32]) -> Result<Vec<f32>, JsError> {
        const OP: &str = "Autoencoder.decode";
        self.inner.require_decoder(OP)?;
        let code = Autoencoder::batch_view(OP, code, self.inner.code_size())?;
        Ok(rows(self.inner.decode(code)?))
    }

    /// `[n, inputSize]` → `[n, inputSize]`.
    pub fn reconstruct(&self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        const OP: &str = "Autoencoder.reconstruct";
        self.inner.require_decoder(OP)?;
        let x = Autoencoder::batch_view(OP, x, self.inner.input_size())?;
        Ok(rows(self.inner.reconstruct(x)?))
    }

    /// `encode` into `out`, a `Float32Array` of `n × codeSize` values that
    /// the caller keeps: no new array per call. `out` is written only when
    /// the whole result is ready; on an error it is left as it was.
    #[wasm_bindgen(js_name = encodeInto)]
    pub fn encode_into(&self, x: &[f32], out: JsValue) -> Result<(), JsError> {
        const OP: &str = "Autoencoder.encodeInto";
        let x = Autoencoder::batch_view(OP, x, self.inner.input_size())?;
        buffer(OP, &out, x.nrows(), self.inner.code_size())?;
        fill(OP, &out, self.inner.encode(x).map_err(called(OP))?)
    }

    /// `decode` into `out`, `n × inputSize` values, as for `encodeInto`.
    #[wasm_bindgen(js_name = decodeInto)]
    pub fn decode_into(&self, code: &[f32], out: JsValue) -> Result<(), JsError> {
        const OP: &str = "Autoencoder.decodeInto";
        self.inner.require_decoder(OP)?;
        let code = Autoencoder::batch_view(OP, code, self.inner.code_size())?;
        buffer(OP, &out, code.nrows(), self.inner.input_size())?;
        fill(OP, &out, self.inner.decode(code).map_err(called(OP))?)
    }

    /// `reconstruct` into `out`, `n × inputSize` values (it may be `x`
    /// itself), as for `encodeInto`.
    #[wasm_bindgen(js_name = reconstructInto)]
    pub fn reconstruct_into(&self, x: &[f32], out: JsValue) -> Result<(), JsError> {
        const OP: &str = "Autoencoder.reconstructInto";
        self.inner.require_decoder(OP)?;
        let x = Autoencoder::batch_view(OP, x, self.inner.input_size())?;
        buffer(OP, &out, x.nrows(), x.ncols())?;
        fill(OP, &out, self.inner.reconstruct(x).map_err(called(OP))?)
    }

    /// One layer's weights, `[units, in]` row-major.
    pub fn weights(&self, part: JsValue, layer: JsValue) -> Result<Vec<f32>, JsError> {
        const OP: &str = "Autoencoder.weights";
        let part = text(OP, "part", &part)?;
        let layer = whole(OP, "layer", &layer, INDEX_MAX)? as usize;
        let layers = match part.as_str() {
            "encoder" => self.inner.encoder(),
            "decoder" => self.inner.decoder(),
            other => {
                let reason = format!("must be 'encoder' or 'decoder', got '{other}'");
                return Err(Error::argument(OP, "part", reason).into());
            }
        };
        let dense = layers.get(layer).ok_or_else(|| {
            let reason = format!("must be below {}, got {layer}", layers.len());
            Error::argument(OP, "layer", reason)
        })?;
        Ok(dense.weight.iter().copied().collect())
    }

    /// The modalities of a multimodal model, in input order:
    /// `[{ name, offset, size, loss }]`; empty for a model of one modality.
    /// A missing modality is given as zeros.
    pub fn modalities(&self) -> Result<js_sys::Array, JsError> {
        let list = js_sys::Array::new();
        for (modality, block) in self
            .inner
            .config()
            .modalities
            .iter()
            .zip(self.inner.config().blocks())
        {
            let entry = js_sys::Object::new();
            let fields: [(&str, JsValue); 4] = [
                ("name", modality.name.as_str().into()),
                ("offset", block.offset.into()),
                ("size", block.size.into()),
                ("loss", block.loss.name().into()),
            ];
            for (key, value) in fields {
                js_sys::Reflect::set(&entry, &key.into(), &value)
                    .map_err(|_| JsError::new("could not build a result object"))?;
            }
            list.push(&entry);
        }
        Ok(list)
    }

    /// The encoder alone, as a model that gives the same codes.
    #[wasm_bindgen(js_name = encoderOnly)]
    pub fn encoder_only(&self) -> JsAutoencoder {
        JsAutoencoder {
            inner: self.inner.encoder_only(),
        }
    }

    /// True for an exported encoder (no decoder).
    #[wasm_bindgen(getter, js_name = isEncoderOnly)]
    pub fn is_encoder_only(&self) -> bool {
        self.inner.config().is_encoder_only()
    }

    #[wasm_bindgen(js_name = toString)]
    pub fn describe(&self) -> String {
        self.inner.to_string()
    }

    #[wasm_bindgen(js_name = clone)]
    pub fn duplicate(&self) -> JsAutoencoder {
        JsAutoencoder {
            inner: self.inner.clone(),
        }
    }
}

/// A drawing `[height, width]` of ink in `[0, 1]` made to look like an MNIST digit.
#[wasm_bindgen]
pub fn preprocess(ink: &[f32], width: JsValue, height: JsValue) -> Result<Vec<f32>, JsError> {
    let width = whole("preprocess", "width", &width, 8192)? as usize;
    let height = whole("preprocess", "height", &height, 8192)? as usize;
    Ok(data::preprocess(ink, width, height)?)
}

/// Ink in `[0, 1]` from canvas RGBA pixels: the alpha channel over 255.
#[wasm_bindgen(js_name = inkFromRgba)]
pub fn ink_from_rgba(rgba: JsValue, width: JsValue, height: JsValue) -> Result<Vec<f32>, JsError> {
    let rgba = bytes("inkFromRgba", "rgba", &rgba)?;
    let width = whole("inkFromRgba", "width", &width, 8192)? as usize;
    let height = whole("inkFromRgba", "height", &height, 8192)? as usize;
    let expected = width.checked_mul(height).and_then(|n| n.checked_mul(4));
    if expected != Some(rgba.len()) {
        let wanted = format!("{width}×{height}×4 bytes");
        return Err(Error::shape("inkFromRgba", wanted, rgba.len()).into());
    }
    Ok(rgba.chunks_exact(4).map(|p| p[3] as f32 / 255.0).collect())
}

/// A seeded, corrupted copy of `x`; `corruption` is
/// `{ kind: 'gaussian' | 'masking' | 'saltPepper', level }`.
#[wasm_bindgen]
pub fn corrupt(x: &[f32], corruption: JsValue, seed: JsValue) -> Result<Vec<f32>, JsError> {
    let seed = whole("corrupt", "seed", &seed, 1 << 53)?;
    let corruption = corruption_from_js(&corruption).map_err(called("corrupt"))?;
    corruption
        .validate("corruption")
        .map_err(called("corrupt"))?;
    check_finite("corrupt", x)?;
    let mut noisy = x.to_vec();
    corrupt_in_place(&mut noisy, corruption, &mut Rng::new(seed));
    Ok(noisy)
}

/// Reads `{ kind, level }` by hand, so the inference-only build needs no
/// serde bridge to JS values.
fn corruption_from_js(value: &JsValue) -> Result<Corruption, Error> {
    let field = |name: &str| js_sys::Reflect::get(value, &name.into()).ok();
    let kind = field("kind").and_then(|k| k.as_string());
    let level = field("level").and_then(|l| l.as_f64());
    let Some(level) = level else {
        return Err(Error::config("corruption.level", "must be a number"));
    };
    match kind.as_deref() {
        Some("gaussian") => Ok(Corruption::Gaussian { level }),
        Some("masking") => Ok(Corruption::Masking { level }),
        Some("saltPepper") => Ok(Corruption::SaltPepper { level }),
        other => Err(Error::config(
            "corruption.kind",
            match other {
                Some(kind) => {
                    format!("must be 'gaussian', 'masking' or 'saltPepper', got '{kind}'")
                }
                None => "must be 'gaussian', 'masking' or 'saltPepper'".to_string(),
            },
        )),
    }
}
