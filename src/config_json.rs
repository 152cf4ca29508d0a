//! Reads a [`ModelConfig`] from parsed JSON by hand, for model files.
//!
//! The serde-derived reader of the config (used for JS objects) compiles the
//! `kind`-tagged enums into large generic code; model files are read by every
//! build, including the small inference-only one, so they use this reader. A
//! test checks that both accept and refuse the same configs.

use crate::activation::Activation;
use crate::config::{
    Contraction, Corruption, Init, LayerSpec, Loss, Modality, ModelConfig, Objective, Sparsity,
};
use crate::error::Error;
use crate::json::{Object, Value};

/// A config error; out of line, as error.rs explains.
#[cold]
#[inline(never)]
fn wrong(path: &str, expected: &str) -> Error {
    Error::config(path, format!("must be {expected}"))
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Object, Error> {
    value.as_object().ok_or_else(|| wrong(path, "an object"))
}

/// Refuses keys other than `known`, as the derived reader does.
fn only(object: &Object, path: &str, known: &[&str]) -> Result<(), Error> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(Error::config(
            format!("{path}.{key}"),
            format!("is not a field here (expected one of {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

fn field<'a>(object: &'a Object, path: &str, key: &str) -> Result<&'a Value, Error> {
    object
        .get(key)
        .ok_or_else(|| Error::config(format!("{path}.{key}"), "is missing"))
}

/// An optional field: absent and `null` both mean `None`.
fn optional<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

fn number(value: &Value, path: &str) -> Result<f64, Error> {
    value.as_f64().ok_or_else(|| wrong(path, "a number"))
}

fn whole(value: &Value, path: &str) -> Result<u64, Error> {
    value.as_u64().ok_or_else(|| wrong(path, "a whole number"))
}

fn text<'a>(value: &'a Value, path: &str) -> Result<&'a str, Error> {
    value.as_str().ok_or_else(|| wrong(path, "a string"))
}

fn activation(value: &Value, path: &str) -> Result<Activation, Error> {
    match text(value, path)? {
        "sigmoid" => Ok(Activation::Sigmoid),
        "relu" => Ok(Activation::Relu),
        "tanh" => Ok(Activation::Tanh),
        "identity" => Ok(Activation::Identity),
        _ => Err(wrong(path, "'sigmoid', 'relu', 'tanh' or 'identity'")),
    }
}

fn layers(value: &Value, path: &str) -> Result<Vec<LayerSpec>, Error> {
    let list = value
        .as_array()
        .ok_or_else(|| wrong(path, "a list of layers"))?;
    let mut specs = Vec::with_capacity(list.len());
    for (i, layer) in list.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let layer = object(layer, &path)?;
        only(layer, &path, &["units", "activation"])?;
        let units = whole(field(layer, &path, "units")?, &format!("{path}.units"))?;
        specs.push(LayerSpec {
            units: usize::try_from(units).map_err(|_| wrong(&path, "a smaller number"))?,
            activation: activation(
                field(layer, &path, "activation")?,
                &format!("{path}.activation"),
            )?,
        });
    }
    Ok(specs)
}

/// The numeric fields of a `kind`-tagged object, by name.
fn tagged<'a>(value: &'a Value, path: &str, fields: &[&str]) -> Result<(&'a str, Vec<f64>), Error> {
    let tagged = object(value, path)?;
    let kind = text(field(tagged, path, "kind")?, &format!("{path}.kind"))?;
    let mut known = vec!["kind"];
    known.extend_from_slice(fields);
    only(tagged, path, &known)?;
    let values = fields
        .iter()
        .map(|name| number(field(tagged, path, name)?, &format!("{path}.{name}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((kind, values))
}

fn corruption(value: &Value, path: &str) -> Result<Corruption, Error> {
    let kind = text(
        field(object(value, path)?, path, "kind")?,
        &format!("{path}.kind"),
    )?;
    let (_, values) = tagged(value, path, &["level"])?;
    let level = values[0];
    match kind {
        "gaussian" => Ok(Corruption::Gaussian { level }),
        "masking" => Ok(Corruption::Masking { level }),
        "saltPepper" => Ok(Corruption::SaltPepper { level }),
        _ => Err(wrong(
            &format!("{path}.kind"),
            "'gaussian', 'masking' or 'saltPepper'",
        )),
    }
}

fn sparsity(value: &Value, path: &str) -> Result<Sparsity, Error> {
    let kind = text(
        field(object(value, path)?, path, "kind")?,
        &format!("{path}.kind"),
    )?;
    match kind {
        "l1" => Ok(Sparsity::L1 {
            weight: tagged(value, path, &["weight"])?.1[0],
        }),
        "kl" => {
            let (_, values) = tagged(value, path, &["target", "weight"])?;
            Ok(Sparsity::Kl {
                target: values[0],
                weight: values[1],
            })
        }
        _ => Err(wrong(&format!("{path}.kind"), "'l1' or 'kl'")),
    }
}

fn objective(value: &Value) -> Result<Objective, Error> {
    let path = "objective";
    let fields = object(value, path)?;
    only(
        fields,
        path,
        &[
            "loss",
            "corruption",
            "sparsity",
            "contraction",
            "modalityDropout",
        ],
    )?;
    let loss = fields
        .get("loss")
        .map(|v| loss(v, "objective.loss"))
        .transpose()?
        .unwrap_or_default();
    let contraction = match optional(fields, "contraction") {
        Some(value) => {
            let path = "objective.contraction";
            let contraction = object(value, path)?;
            only(contraction, path, &["weight"])?;
            let weight = number(
                field(contraction, path, "weight")?,
                "objective.contraction.weight",
            )?;
            Some(Contraction { weight })
        }
        None => None,
    };
    Ok(Objective {
        loss,
        corruption: optional(fields, "corruption")
            .map(|v| corruption(v, "objective.corruption"))
            .transpose()?,
        sparsity: optional(fields, "sparsity")
            .map(|v| sparsity(v, "objective.sparsity"))
            .transpose()?,
        contraction,
        modality_dropout: optional(fields, "modalityDropout")
            .map(|v| number(v, "objective.modalityDropout"))
            .transpose()?,
    })
}

fn loss(value: &Value, path: &str) -> Result<Loss, Error> {
    match text(value, path)? {
        "mse" => Ok(Loss::Mse),
        "bce" => Ok(Loss::Bce),
        "crossEntropy" => Ok(Loss::CrossEntropy),
        _ => Err(wrong(path, "'mse', 'bce' or 'crossEntropy'")),
    }
}

fn modalities(value: &Value) -> Result<Vec<Modality>, Error> {
    let list = value
        .as_array()
        .ok_or_else(|| wrong("modalities", "a list of modalities"))?;
    let mut modalities = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let path = format!("modalities[{i}]");
        let fields = object(entry, &path)?;
        only(fields, &path, &["name", "size", "loss", "weight"])?;
        let size = whole(field(fields, &path, "size")?, &format!("{path}.size"))?;
        modalities.push(Modality {
            name: text(field(fields, &path, "name")?, &format!("{path}.name"))?.to_string(),
            size: usize::try_from(size).map_err(|_| wrong(&path, "a smaller number"))?,
            loss: optional(fields, "loss")
                .map(|v| loss(v, &format!("{path}.loss")))
                .transpose()?,
            weight: optional(fields, "weight")
                .map(|v| number(v, &format!("{path}.weight")))
                .transpose()?,
        });
    }
    Ok(modalities)
}

/// A config from the JSON a model file carries; the result is not yet
/// validated (see [`ModelConfig::validate`]).
pub fn model_config(value: &Value) -> Result<ModelConfig, Error> {
    let fields = object(value, "config")?;
    let known = [
        "inputSize",
        "encoder",
        "decoder",
        "init",
        "seed",
        "objective",
        "modalities",
    ];
    only(fields, "config", &known)?;
    let input_size = whole(field(fields, "config", "inputSize")?, "inputSize")?;
    let init = match fields.get("init").map(|v| text(v, "init")).transpose()? {
        None | Some("glorot") => Init::Glorot,
        Some("he") => Init::He,
        Some(_) => return Err(wrong("init", "'glorot' or 'he'")),
    };
    Ok(ModelConfig {
        input_size: usize::try_from(input_size).map_err(|_| wrong("inputSize", "smaller"))?,
        encoder: layers(field(fields, "config", "encoder")?, "encoder")?,
        decoder: layers(field(fields, "config", "decoder")?, "decoder")?,
        init,
        seed: fields
            .get("seed")
            .map(|v| whole(v, "seed"))
            .transpose()?
            .unwrap_or(0),
        objective: fields
            .get("objective")
            .map(objective)
            .transpose()?
            .unwrap_or_default(),
        modalities: fields
            .get("modalities")
            .map(modalities)
            .transpose()?
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{preset, Kind, PresetOptions};

    /// Both readers on the same JSON text: the same config, or both refuse.
    fn agree(json: &str) -> bool {
        let derived = serde_json::from_str::<ModelConfig>(json).ok();
        let by_hand = crate::json::parse(json)
            .ok()
            .and_then(|v| model_config(&v).ok());
        assert_eq!(by_hand, derived, "{json}");
        derived.is_some()
    }

    #[test]
    fn reads_every_preset_as_the_derived_reader_does() {
        let variants = [
            PresetOptions::default(),
            PresetOptions {
                target: Some(0.05),
                hidden: Some(vec![100, 50]),
                seed: Some(9),
                ..Default::default()
            },
            PresetOptions {
                corruption: Some(Corruption::SaltPepper { level: 0.2 }),
                loss: Some(Loss::Bce),
                ..Default::default()
            },
        ];
        let variants = [
            variants.as_slice(),
            &[PresetOptions {
                modalities: Some(vec![
                    Modality {
                        name: "image".into(),
                        size: 784,
                        loss: Some(Loss::Bce),
                        weight: None,
                    },
                    Modality {
                        name: "label".into(),
                        size: 10,
                        loss: Some(Loss::CrossEntropy),
                        weight: Some(0.5),
                    },
                ]),
                modality_dropout: Some(0.25),
                ..Default::default()
            }],
        ]
        .concat();
        for kind in Kind::ALL {
            for options in &variants {
                // Each kind takes only its own options.
                let options = PresetOptions {
                    corruption: options.corruption.filter(|_| kind == Kind::Denoising),
                    target: options.target.filter(|_| kind == Kind::Sparse),
                    ..options.clone()
                };
                let config = preset(kind, &options).unwrap();
                assert!(agree(&serde_json::to_string(&config).unwrap()));
            }
        }
    }

    #[test]
    fn refuses_what_the_derived_reader_refuses() {
        let good = r#"{"inputSize":2,"encoder":[{"units":1,"activation":"relu"}],"decoder":[{"units":2,"activation":"sigmoid"}]}"#;
        assert!(agree(good));
        let broken = [
            good.replace("inputSize", "inputSise"),
            good.replace("\"relu\"", "\"swish\""),
            good.replace("\"units\":1", "\"units\":-1"),
            good.replace("\"units\":1", "\"units\":1.5"),
            good.replace("]}", r#"],"objective":{"sparsity":{"kind":"l1"}}}"#),
            good.replace("]}", r#"],"objective":null}"#),
            good.replace("]}", r#"],"seed":null}"#),
            good.replace(
                "]}",
                r#"],"objective":{"corruption":{"kind":"masking","level":"x"}}}"#,
            ),
            good.replace(
                "]}",
                r#"],"objective":{"contraction":{"weight":1,"extra":2}}}"#,
            ),
            good.replace("]}", r#"],"init":"lecun"}"#),
            good.replace(
                "]}",
                r#"],"modalities":[{"name":"a","size":1,"kind":"x"}]}"#,
            ),
            good.replace("]}", r#"],"modalities":[{"name":"a"}]}"#),
            good.replace("]}", r#"],"modalities":{"name":"a","size":1}}"#),
            good.replace(
                "]}",
                r#"],"modalities":[{"name":"a","size":1,"loss":"l2"}]}"#,
            ),
            good.replace("]}", r#"],"objective":{"modalityDropout":"half"}}"#),
            "[]".to_string(),
        ];
        for json in broken {
            assert!(!agree(&json), "{json}");
        }
        let with_nulls = good.replace(
            "]}",
            r#"],"objective":{"loss":"bce","corruption":null,"sparsity":null,"contraction":{"weight":0.5}}}"#,
        );
        assert!(agree(&with_nulls));
        let two = good.replace(
            "]}",
            r#"],"modalities":[{"name":"a","size":1,"loss":"crossEntropy","weight":2},{"name":"b","size":1,"weight":null}],"objective":{"modalityDropout":null}}"#,
        );
        assert!(agree(&two));
    }
}
