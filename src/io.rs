//! Model files: safetensors, with tensors named `encoder.{i}.weight`,
//! `encoder.{i}.bias`, `decoder.{i}.weight`, `decoder.{i}.bias` (float32,
//! little-endian, weights `[out, in]`), and in the metadata the model config as
//! JSON under `config` and the format version under `format_version`.
//!
//! ```text
//! u64 header length N (little-endian) | N bytes of JSON header | tensor data
//! ```
//!
//! Reading checks everything before building anything: a bad file gives an
//! error and never a half-made model.

use crate::config::ModelConfig;
use crate::config_json;
use crate::error::Error;
use crate::json::{self, Object, Value};
use crate::model::{Autoencoder, Dense};
use ndarray::{Array1, Array2};

/// The version written into new files; files of this version or older load.
pub const FORMAT_VERSION: u32 = 1;
/// Largest model file accepted.
pub const MAX_FILE_BYTES: usize = 512 << 20;
/// Largest JSON header accepted.
const MAX_HEADER_BYTES: usize = 1 << 20;

/// A model-file error; out of line, as error.rs explains.
#[cold]
#[inline(never)]
fn bad(reason: impl Into<String>) -> Error {
    Error::ModelFile(reason.into())
}

/// `encoder.0`, `decoder.1`, … for every layer of `model`.
fn layer_names(encoder_len: usize, total: usize) -> Vec<String> {
    (0..total)
        .map(|i| {
            if i < encoder_len {
                format!("encoder.{i}")
            } else {
                format!("decoder.{}", i - encoder_len)
            }
        })
        .collect()
}

/// Writes `model` as a safetensors file. (Not in the inference-only build,
/// which only reads model files: writing JSON costs it about 10 KB.)
#[cfg(feature = "training")]
pub fn save(model: &Autoencoder) -> Vec<u8> {
    let names = layer_names(model.encoder_len(), model.layers().len());
    let mut header = serde_json::Map::new();
    let mut data: Vec<u8> = Vec::with_capacity(model.parameter_count() * 4);
    let config = serde_json::to_string(model.config()).expect("configs serialise");
    header.insert(
        "__metadata__".into(),
        serde_json::json!({ "format": "autoencoder-lab", "format_version": FORMAT_VERSION.to_string(), "config": config }),
    );

    for (name, layer) in names.iter().zip(model.layers()) {
        let tensors = [
            (
                "weight",
                layer.weight.as_slice().expect("standard layout"),
                vec![layer.units(), layer.inputs()],
            ),
            (
                "bias",
                layer.bias.as_slice().expect("standard layout"),
                vec![layer.units()],
            ),
        ];
        for (part, values, shape) in tensors {
            let start = data.len();
            data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
            header.insert(
                format!("{name}.{part}"),
                serde_json::json!({ "dtype": "F32", "shape": shape, "data_offsets": [start, data.len()] }),
            );
        }
    }

    let mut text =
        serde_json::to_string(&serde_json::Value::Object(header)).expect("json serialises");
    // Pad the header so the data starts 8-byte aligned, as safetensors suggests.
    while (8 + text.len()) % 8 != 0 {
        text.push(' ');
    }
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes.extend_from_slice(&data);
    bytes
}

/// Reads a safetensors model file written by [`save`] or by PyTorch with the
/// same names and metadata.
pub fn load(bytes: &[u8]) -> Result<Autoencoder, Error> {
    if bytes.is_empty() {
        return Err(bad("the file is empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(bad(format!(
            "the file is {} bytes, more than the limit of {MAX_FILE_BYTES}",
            bytes.len()
        )));
    }
    if bytes.len() < 8 {
        return Err(bad(format!(
            "the file is only {} bytes, too short for a safetensors header",
            bytes.len()
        )));
    }
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if header_len > MAX_HEADER_BYTES as u64 && header_len <= (bytes.len() - 8) as u64 {
        return Err(bad(format!(
            "the header claims {header_len} bytes, more than the limit of {MAX_HEADER_BYTES}: \
             not a model file of this library?"
        )));
    }
    if header_len > (bytes.len() - 8) as u64 {
        return Err(bad(format!(
            "the header claims {header_len} bytes but the file has {} after it: not a safetensors file, or truncated",
            bytes.len() - 8
        )));
    }
    let header_end = 8 + header_len as usize;
    let text = std::str::from_utf8(&bytes[8..header_end])
        .map_err(|_| bad("the header is not UTF-8 text: not a safetensors file?"))?;
    let parsed = json::parse(text).map_err(|e| {
        bad(format!(
            "the header is not valid JSON ({e}): not a safetensors file?"
        ))
    })?;
    let header = parsed
        .as_object()
        .ok_or_else(|| bad("the header is not a JSON object: not a safetensors file?"))?;
    let data = &bytes[header_end..];

    let config = read_config(header)?;
    // Shapes come from the config alone: nothing is allocated for a layer
    // until its tensor has been found and checked.
    let shapes = config.layers();
    let names = layer_names(config.encoder.len(), shapes.len());
    let expected: Vec<String> = names
        .iter()
        .flat_map(|n| [format!("{n}.weight"), format!("{n}.bias")])
        .collect();
    if let Some(extra) = header
        .keys()
        .find(|k| *k != "__metadata__" && !expected.contains(k))
    {
        return Err(bad(format!(
            "unexpected tensor `{extra}` for this architecture"
        )));
    }

    let mut layers = Vec::with_capacity(shapes.len());
    // Where each tensor's bytes lie in the data, and its name.
    let mut ranges = Vec::with_capacity(2 * shapes.len());
    for (name, &(inputs, spec)) in names.iter().zip(&shapes) {
        let weight_name = format!("{name}.weight");
        let (weight, at) = read_tensor(header, data, &weight_name, &[spec.units, inputs])?;
        ranges.push((at, weight_name));
        let bias_name = format!("{name}.bias");
        let (bias, at) = read_tensor(header, data, &bias_name, &[spec.units])?;
        ranges.push((at, bias_name));
        layers.push(Dense {
            weight: Array2::from_shape_vec((spec.units, inputs), weight).expect("shape checked"),
            bias: Array1::from(bias),
            activation: spec.activation,
        });
    }
    // Safetensors lays its tensors out one after the other, from the start
    // of the data to its end: no overlaps, no holes. (Each range was checked
    // to lie inside the data when its tensor was read.)
    let mut at = 0;
    // In order of their starts; a selection, since a library sort would add
    // kilobytes to the inference build for a handful of tensors.
    while let Some(first) = (0..ranges.len()).min_by_key(|&i| ranges[i].0.start) {
        let (range, name) = ranges.swap_remove(first);
        let (start, end) = (range.start, range.end);
        if start != at {
            return Err(bad(format!(
                "tensor `{name}` starts at byte {start} of the data, not at {at} where the one \
                 before it ends: safetensors tensors follow one another, no gaps or overlaps"
            )));
        }
        at = end;
    }
    if at != data.len() {
        return Err(bad(format!(
            "{} byte(s) follow the last tensor: the file is not one whole safetensors file",
            data.len() - at
        )));
    }
    Autoencoder::from_layers(config, layers)
}

fn read_config(header: &Object) -> Result<ModelConfig, Error> {
    let metadata = header
        .get("__metadata__")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad("no `__metadata__`: this safetensors file does not describe an autoencoder")
        })?;
    if let Some(version) = metadata.get("format_version") {
        let version: u32 = version
            .as_str()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                // Named by its kind, not printed: printing JSON values would
                // put serde_json's writer into the inference build.
                let shown = match version {
                    Value::String(text) => format!("\"{text}\""),
                    Value::Number(_) => "a number".into(),
                    _ => "not a string".into(),
                };
                bad(format!(
                    "`format_version` is {shown}, not a whole number as a string"
                ))
            })?;
        if version > FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} is newer than this library reads ({FORMAT_VERSION}); update autoencoder-lab"
            )));
        }
    }
    let text = metadata
        .get("config")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the metadata has no `config` string describing the architecture"))?;
    let invalid = |e: String| {
        bad(format!(
            "the `config` in the metadata is not a valid model config: {e}"
        ))
    };
    let parsed = json::parse(text).map_err(|e| invalid(e.to_string()))?;
    let config = config_json::model_config(&parsed).map_err(|e| invalid(e.to_string()))?;
    config
        .validate()
        .map_err(|e| bad(format!("the `config` in the metadata is invalid: {e}")))?;
    Ok(config)
}

/// A float32 tensor's values, after checking its dtype, shape and offsets,
/// and where they lie in `data`.
fn read_tensor(
    header: &Object,
    data: &[u8],
    name: &str,
    shape: &[usize],
) -> Result<(Vec<f32>, std::ops::Range<usize>), Error> {
    let info = header
        .get(name)
        .ok_or_else(|| bad(format!("tensor `{name}` is missing")))?;
    let dtype = info.get("dtype").and_then(Value::as_str).unwrap_or("?");
    if dtype != "F32" {
        return Err(bad(format!(
            "tensor `{name}` has dtype {dtype}, expected F32"
        )));
    }
    // Compared as u64: sizes past 2^32 must not wrap around on wasm32.
    let actual: Option<Vec<u64>> = info
        .get("shape")
        .and_then(Value::as_array)
        .and_then(|dims| dims.iter().map(Value::as_u64).collect());
    if actual.as_deref() != Some(&shape.iter().map(|&d| d as u64).collect::<Vec<_>>()[..]) {
        let shown = actual.map_or("that is not a list of whole numbers".into(), |s| {
            format!("{s:?}")
        });
        return Err(bad(format!(
            "tensor `{name}` has shape {shown}, expected {shape:?}"
        )));
    }
    let offsets: Vec<u64> = info
        .get("data_offsets")
        .ok_or_else(|| bad(format!("tensor `{name}` has no `data_offsets`")))?
        .as_array()
        .and_then(|o| o.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
        .filter(|o| o.len() == 2)
        .ok_or_else(|| {
            bad(format!(
                "tensor `{name}` has `data_offsets` that are not two whole numbers"
            ))
        })?;
    let count: usize = shape.iter().product();
    let (start, end) = match offsets[..] {
        [start, end] if start <= end && end <= data.len() as u64 => (start as usize, end as usize),
        _ => {
            return Err(bad(format!(
            "tensor `{name}` has data offsets {offsets:?} outside the {} data bytes (truncated?)",
            data.len()
        )))
        }
    };
    if end - start != count * 4 {
        return Err(bad(format!(
            "tensor `{name}` holds {} bytes, expected {}",
            end - start,
            count * 4
        )));
    }
    let values: Vec<f32> = data[start..end]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "tensor `{name}` holds a NaN or infinity at index {i}"
        )));
    }
    Ok((values, start..end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{preset, Kind, PresetOptions};
    use ndarray::Array2;

    fn model(kind: Kind) -> Autoencoder {
        let options = PresetOptions {
            input_size: Some(9),
            code_size: Some(4),
            hidden: Some(vec![5]),
            seed: Some(3),
            ..Default::default()
        };
        Autoencoder::new(preset(kind, &options).unwrap()).unwrap()
    }

    #[test]
    fn save_then_load_gives_identical_bits() {
        for kind in Kind::ALL {
            let original = model(kind);
            let loaded = load(&save(&original)).unwrap();
            assert_eq!(loaded, original);
            let x = Array2::from_shape_fn((3, 9), |(i, j)| (i + j) as f32 / 12.0);
            let (a, b) = (
                original.reconstruct(x.view()).unwrap(),
                loaded.reconstruct(x.view()).unwrap(),
            );
            assert!(a.iter().zip(&b).all(|(u, v)| u.to_bits() == v.to_bits()));
        }
    }

    #[test]
    fn an_exported_encoder_gives_the_same_codes_and_refuses_to_decode() {
        let full = model(Kind::Contractive);
        let encoder = load(&save(&full.encoder_only())).unwrap();
        assert!(encoder.config().is_encoder_only());
        assert_eq!(encoder.layers().len(), 2);
        let x = Array2::from_shape_fn((4, 9), |(i, j)| ((i * j) % 5) as f32 / 4.0);
        assert_eq!(
            encoder.encode(x.view()).unwrap(),
            full.encode(x.view()).unwrap()
        );
        let message = encoder.require_decoder("decode").unwrap_err().to_string();
        assert!(message.contains("exported encoder"), "{message}");
        let trainer = crate::train::Trainer::new(encoder, &[0.5; 9], Default::default());
        assert!(trainer.is_err());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = save(&model(Kind::Sparse));
        for len in 0..bytes.len() {
            assert!(
                load(&bytes[..len]).is_err(),
                "truncated to {len} bytes loaded"
            );
        }
    }

    /// `bytes` with its header replaced by `text` (any length).
    fn with_header(bytes: &[u8], text: &str) -> Vec<u8> {
        let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut file = (text.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(text.as_bytes());
        file.extend_from_slice(&bytes[header_end..]);
        file
    }

    #[test]
    fn shapes_offsets_and_header_sizes_are_checked_strictly() {
        let bytes = save(&model(Kind::Undercomplete));
        let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let text = std::str::from_utf8(&bytes[8..header_end]).unwrap();
        let error = |text: String| load(&with_header(&bytes, &text)).unwrap_err().to_string();

        // 2^32 + 5 would wrap around to 5 in a 32-bit usize.
        let huge = error(text.replacen("\"shape\":[5,9]", "\"shape\":[4294967301,9]", 1));
        assert!(
            huge.contains("has shape [4294967301, 9], expected [5, 9]"),
            "{huge}"
        );
        let fraction = error(text.replacen("\"shape\":[5,9]", "\"shape\":[5.5,9]", 1));
        assert!(
            fraction.contains("not a list of whole numbers"),
            "{fraction}"
        );

        // One tensor moved back by a value: it overlaps the one before it,
        // and leaves a hole after itself.
        let mut header: serde_json::Value = serde_json::from_str(text).unwrap();
        let moved = header
            .as_object_mut()
            .unwrap()
            .values_mut()
            .filter_map(|info| info.get_mut("data_offsets"))
            .find(|offsets| offsets[0].as_u64() != Some(0))
            .unwrap();
        let (start, end) = (moved[0].as_u64().unwrap(), moved[1].as_u64().unwrap());
        *moved = serde_json::json!([start - 4, end - 4]);
        let overlap = error(header.to_string());
        assert!(overlap.contains("no gaps or overlaps"), "{overlap}");

        let padded = error(format!("{}{}", text, " ".repeat(MAX_HEADER_BYTES)));
        assert!(padded.contains("more than the limit"), "{padded}");
        // The same edits undone load again.
        assert!(load(&with_header(&bytes, text)).is_ok());
    }

    #[test]
    fn damaged_files_name_the_problem() {
        let bytes = save(&model(Kind::Undercomplete));
        let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let text = std::str::from_utf8(&bytes[8..header_end]).unwrap();
        let cases = [
            (
                "\"shape\":[5,9]",
                "\"shape\":[9,5]",
                "has shape [9, 5], expected [5, 9]",
            ),
            ("\"dtype\":\"F32\"", "\"dtype\":\"F16\"", "dtype F16"),
            ("encoder.1.bias", "encoder.1.bais", "`encoder.1.bais`"),
            (
                "\"format_version\":\"1\"",
                "\"format_version\":\"9\"",
                "newer",
            ),
            ("data_offsets", "data_offsetz", "has no `data_offsets`"),
        ];
        for (from, to, message) in cases {
            assert!(text.contains(from), "{from}");
            // Same-length edits keep the header length and the data offsets.
            let mut damaged = bytes.clone();
            damaged[8..header_end].copy_from_slice(text.replacen(from, to, 1).as_bytes());
            let error = load(&damaged).unwrap_err().to_string();
            assert!(error.contains(message), "{from} → {to}: {error}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        let error = load(&longer).unwrap_err().to_string();
        assert!(
            error.contains("1 byte(s) follow the last tensor"),
            "{error}"
        );
        assert!(load(b"\x05\0\0\0\0\0\0\0{}}}}").is_err());
        assert!(load(b"not a model at all, just text").is_err());
    }
}
