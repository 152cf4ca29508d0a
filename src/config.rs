//! Plain, serialisable descriptions of a model and its objective, validated
//! once with errors that name the bad field; and the presets of the four kinds.

use crate::activation::Activation;
use crate::error::{Error, Number};
use serde::{Deserialize, Serialize};

/// Largest layer width accepted: keeps a typo from allocating gigabytes.
pub const MAX_UNITS: usize = 16_384;
/// Largest number of layers on either side.
pub const MAX_LAYERS: usize = 16;
/// Most parameters a model may have: with gradients and Adam's two moments
/// that is 320 MB, well inside a wasm32 memory.
pub const MAX_PARAMETERS: u64 = 20_000_000;

/// One dense layer, `y = φ(x Wᵀ + b)` with `W: [units, in]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayerSpec {
    pub units: usize,
    pub activation: Activation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Uniform in `±sqrt(6 / (in + out))`.
    #[default]
    Glorot,
    /// Uniform in `±sqrt(6 / in)`, for relu layers.
    He,
}

/// How the input is corrupted during training (denoising).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Corruption {
    /// `clamp(x + level · N(0, 1), 0, 1)`.
    Gaussian { level: f64 },
    /// Each value set to 0 with probability `level`.
    Masking { level: f64 },
    /// Each value set to 0 or 1 (even odds) with probability `level`.
    SaltPepper { level: f64 },
}

impl Corruption {
    pub fn level(&self) -> f64 {
        match *self {
            Corruption::Gaussian { level }
            | Corruption::Masking { level }
            | Corruption::SaltPepper { level } => level,
        }
    }

    pub fn validate(&self, field: &str) -> Result<(), Error> {
        let level = self.level();
        let max = match self {
            Corruption::Gaussian { .. } => 10.0,
            _ => 1.0,
        };
        if !(level.is_finite() && (0.0..=max).contains(&level)) {
            return Err(Error::config(
                format!("{field}.level"),
                format!(
                    "must be between 0 and {}, got {}",
                    Number(max),
                    Number(level)
                ),
            ));
        }
        Ok(())
    }
}

/// A penalty that pushes most of the code `h` to zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Sparsity {
    /// `weight · mean |h|` over the batch and the code units.
    L1 { weight: f64 },
    /// `weight · Σ_j KL(target ‖ ρ̂_j)`, `ρ̂_j` the batch mean of `h_j`.
    Kl { target: f64, weight: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contraction {
    /// `λ` in `λ · mean_batch ‖∂h/∂x‖²_F`.
    pub weight: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Mean over all elements of `(x̂ − x)²`.
    #[default]
    Mse,
    /// Mean binary cross-entropy, computed from the output logits.
    Bce,
    /// Categorical cross-entropy of a modality whose outputs are the softmax
    /// of its logits (a one-hot label, say): `−Σ_k x_k ln x̂_k` per sample,
    /// averaged over the batch. Only a modality can use it.
    #[serde(rename = "crossEntropy")]
    CrossEntropy,
}

impl Loss {
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Bce => "bce",
            Loss::CrossEntropy => "crossEntropy",
        }
    }
}

/// Largest number of modalities in one model.
pub const MAX_MODALITIES: usize = 16;

/// One modality of a multimodal autoencoder: a named block of the input
/// vector, and the same block of the output.
///
/// The input is the modalities side by side, in order. The first encoder
/// layer's weight splits into one column block per modality, so each
/// modality has its own encoder head and their contributions add up in one
/// shared code: `W x = Σ_m W_m x_m`. A missing modality is all zeros and
/// adds nothing. The last decoder layer splits into one row block, the
/// modality's decoder head, with its own loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Modality {
    pub name: String,
    pub size: usize,
    /// This block's loss; the objective's loss when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Loss>,
    /// Weight of this block's loss in the sum; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// Where one modality sits in the input and output vectors, and how its
/// reconstruction is scored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub offset: usize,
    pub size: usize,
    pub loss: Loss,
    pub weight: f64,
}

impl Block {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.size
    }
}

/// Reconstruction loss plus optional corruption and penalties.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Objective {
    #[serde(default)]
    pub loss: Loss,
    #[serde(default)]
    pub corruption: Option<Corruption>,
    #[serde(default)]
    pub sparsity: Option<Sparsity>,
    #[serde(default)]
    pub contraction: Option<Contraction>,
    /// Probability that a training sample keeps only one of its modalities
    /// (chosen uniformly), the others set to zero, so that the model learns
    /// to rebuild the missing ones. Needs two or more modalities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality_dropout: Option<f64>,
}

/// Architecture and objective of an autoencoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelConfig {
    pub input_size: usize,
    pub encoder: Vec<LayerSpec>,
    pub decoder: Vec<LayerSpec>,
    #[serde(default)]
    pub init: Init,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub objective: Objective,
    /// The blocks of a multimodal input, in order; empty for one modality.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modalities: Vec<Modality>,
}

fn check_weight(field: &str, weight: f64, max: f64) -> Result<(), Error> {
    if weight.is_finite() && (0.0..=max).contains(&weight) {
        Ok(())
    } else {
        Err(Error::config(
            field,
            format!(
                "must be between 0 and {}, got {}",
                Number(max),
                Number(weight)
            ),
        ))
    }
}

fn check_layers(side: &str, layers: &[LayerSpec]) -> Result<(), Error> {
    if layers.is_empty() || layers.len() > MAX_LAYERS {
        return Err(Error::config(
            side,
            format!("must have 1 to {MAX_LAYERS} layers, got {}", layers.len()),
        ));
    }
    for (i, layer) in layers.iter().enumerate() {
        if layer.units == 0 || layer.units > MAX_UNITS {
            return Err(Error::config(
                format!("{side}[{i}].units"),
                format!("must be between 1 and {MAX_UNITS}, got {}", layer.units),
            ));
        }
    }
    Ok(())
}

impl ModelConfig {
    /// The size of the code `h`: the units of the last encoder layer.
    pub fn code_size(&self) -> usize {
        self.encoder.last().map_or(0, |layer| layer.units)
    }

    /// An exported encoder: no decoder layers, so it can encode but not
    /// decode, reconstruct or train.
    pub fn is_encoder_only(&self) -> bool {
        self.decoder.is_empty()
    }

    /// The input's blocks: one per modality, or one covering the whole input.
    pub fn blocks(&self) -> Vec<Block> {
        if self.modalities.is_empty() {
            return vec![Block {
                offset: 0,
                size: self.input_size,
                loss: self.objective.loss,
                weight: 1.0,
            }];
        }
        let mut offset = 0;
        let mut blocks = Vec::with_capacity(self.modalities.len());
        for modality in &self.modalities {
            blocks.push(Block {
                offset,
                size: modality.size,
                loss: modality.loss.unwrap_or(self.objective.loss),
                weight: modality.weight.unwrap_or(1.0),
            });
            offset += modality.size;
        }
        blocks
    }

    /// Whether some block's outputs are a softmax (a `crossEntropy` modality).
    pub fn has_softmax_output(&self) -> bool {
        self.modalities
            .iter()
            .any(|m| m.loss == Some(Loss::CrossEntropy))
    }

    /// `(inputs, spec)` of every layer, encoder then decoder.
    pub fn layers(&self) -> Vec<(usize, LayerSpec)> {
        let mut inputs = self.input_size;
        let mut layers = Vec::new();
        for &spec in self.encoder.iter().chain(&self.decoder) {
            layers.push((inputs, spec));
            inputs = spec.units;
        }
        layers
    }

    /// Weights and biases of every layer, counted in u64 so that no
    /// architecture can wrap the count on a 32-bit target.
    pub fn parameter_count(&self) -> u64 {
        let mut inputs = self.input_size as u64;
        let mut count = 0;
        for layer in self.encoder.iter().chain(&self.decoder) {
            count += (inputs + 1) * layer.units as u64;
            inputs = layer.units as u64;
        }
        count
    }

    pub fn validate(&self) -> Result<(), Error> {
        if self.input_size == 0 || self.input_size > MAX_UNITS {
            return Err(Error::config(
                "inputSize",
                format!("must be between 1 and {MAX_UNITS}, got {}", self.input_size),
            ));
        }
        self.validate_modalities()?;
        check_layers("encoder", &self.encoder)?;
        if !self.is_encoder_only() {
            check_layers("decoder", &self.decoder)?;
        }
        let parameters = self.parameter_count();
        if parameters > MAX_PARAMETERS {
            return Err(Error::config(
                "encoder/decoder",
                format!("give {parameters} parameters, more than the limit of {MAX_PARAMETERS}"),
            ));
        }
        let Some(&output) = self.decoder.last() else {
            return Ok(());
        };
        if output.units != self.input_size {
            return Err(Error::config(
                format!("decoder[{}].units", self.decoder.len() - 1),
                format!(
                    "must equal inputSize ({}) so the output can be compared with the input, got {}",
                    self.input_size, output.units
                ),
            ));
        }
        self.validate_objective(output.activation)
    }

    fn validate_modalities(&self) -> Result<(), Error> {
        let modalities = &self.modalities;
        if modalities.len() == 1 || modalities.len() > MAX_MODALITIES {
            return Err(Error::config(
                "modalities",
                format!(
                    "must list 2 to {MAX_MODALITIES} modalities (or none), got {}",
                    modalities.len()
                ),
            ));
        }
        let mut total = 0usize;
        for (i, modality) in modalities.iter().enumerate() {
            let path = format!("modalities[{i}]");
            let name = &modality.name;
            let fine = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !fine {
                return Err(Error::config(
                    format!("{path}.name"),
                    format!("must be 1 to 64 letters, digits, '_' or '-', got '{name}'"),
                ));
            }
            if modalities[..i].iter().any(|m| &m.name == name) {
                return Err(Error::config(
                    format!("{path}.name"),
                    format!("'{name}' is already the name of another modality"),
                ));
            }
            if modality.size == 0 || modality.size > MAX_UNITS {
                return Err(Error::config(
                    format!("{path}.size"),
                    format!("must be between 1 and {MAX_UNITS}, got {}", modality.size),
                ));
            }
            if modality.loss == Some(Loss::CrossEntropy) && modality.size < 2 {
                return Err(Error::config(
                    format!("{path}.loss"),
                    "'crossEntropy' needs a modality of 2 or more values (a one-hot label)",
                ));
            }
            if let Some(weight) = modality.weight {
                check_weight(&format!("{path}.weight"), weight, 1000.0)?;
            }
            total += modality.size;
        }
        if !modalities.is_empty() && total != self.input_size {
            return Err(Error::config(
                "modalities",
                format!(
                    "sizes add up to {total}, but inputSize is {}",
                    self.input_size
                ),
            ));
        }
        if let Some(p) = self.objective.modality_dropout {
            check_weight("objective.modalityDropout", p, 1.0)?;
            if modalities.is_empty() {
                return Err(Error::config(
                    "objective.modalityDropout",
                    "needs two or more modalities",
                ));
            }
        }
        Ok(())
    }

    fn validate_objective(&self, output: Activation) -> Result<(), Error> {
        let objective = &self.objective;
        if objective.loss == Loss::CrossEntropy {
            return Err(Error::config(
                "objective.loss",
                "'crossEntropy' applies to a modality (modalities[i].loss), not to the whole input",
            ));
        }
        for (i, block) in self.blocks().iter().enumerate() {
            if block.loss == Loss::Bce && output != Activation::Sigmoid {
                let path = if self.modalities.is_empty() {
                    "objective.loss".to_string()
                } else {
                    format!("modalities[{i}].loss")
                };
                return Err(Error::config(
                    path,
                    format!("'bce' needs a sigmoid output layer, the decoder ends in {output}"),
                ));
            }
        }
        if let Some(corruption) = &objective.corruption {
            corruption.validate("objective.corruption")?;
        }
        match objective.sparsity {
            Some(Sparsity::L1 { weight }) => {
                check_weight("objective.sparsity.weight", weight, 100.0)?
            }
            Some(Sparsity::Kl { target, weight }) => {
                check_weight("objective.sparsity.weight", weight, 100.0)?;
                if !(target > 0.0 && target < 1.0) {
                    return Err(Error::config(
                        "objective.sparsity.target",
                        format!("must be strictly between 0 and 1, got {}", Number(target)),
                    ));
                }
                let code = self.encoder[self.encoder.len() - 1].activation;
                if !code.is_unit_interval() {
                    return Err(Error::config(
                        "objective.sparsity",
                        format!("'kl' needs a sigmoid code layer, the encoder ends in {code}"),
                    ));
                }
            }
            None => {}
        }
        if let Some(Contraction { weight }) = objective.contraction {
            check_weight("objective.contraction.weight", weight, 100.0)?;
        }
        Ok(())
    }
}

/// The four named kinds of autoencoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Undercomplete,
    Sparse,
    Denoising,
    Contractive,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Undercomplete,
        Kind::Sparse,
        Kind::Denoising,
        Kind::Contractive,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Undercomplete => "undercomplete",
            Kind::Sparse => "sparse",
            Kind::Denoising => "denoising",
            Kind::Contractive => "contractive",
        }
    }

    pub fn parse(name: &str) -> Result<Kind, Error> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| {
                Error::config(
                    "kind",
                    format!(
                        "must be undercomplete, sparse, denoising or contractive, got '{name}'"
                    ),
                )
            })
    }
}

/// Options of a preset; anything left `None` takes the kind's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PresetOptions {
    pub input_size: Option<usize>,
    pub code_size: Option<usize>,
    pub hidden: Option<Vec<usize>>,
    pub seed: Option<u64>,
    /// L1 weight (sparse), β (sparse with `target`) or λ (contractive).
    pub weight: Option<f64>,
    /// KL target ρ: makes the sparse preset use KL instead of L1.
    pub target: Option<f64>,
    pub corruption: Option<Corruption>,
    pub loss: Option<Loss>,
    /// Activation of the code and hidden layers: relu by default, sigmoid
    /// when a KL target is given (KL needs codes in `[0, 1]`).
    pub code_activation: Option<Activation>,
    /// The blocks of a multimodal input; `inputSize` defaults to their sum.
    pub modalities: Option<Vec<Modality>>,
    /// See [`Objective::modality_dropout`]; 0.5 by default when there are
    /// modalities.
    pub modality_dropout: Option<f64>,
}

/// A complete, validated config for one kind: relu (or sigmoid) code and
/// hidden layers, a mirrored decoder ending in sigmoid, the kind's penalty or
/// corruption.
///
/// Relu codes are the default because an all-sigmoid autoencoder trained
/// with Adam on digits sits for many epochs at the mean image: every input is
/// non-negative, so each code unit's weights all move the same way and the
/// unit saturates.
pub fn preset(kind: Kind, options: &PresetOptions) -> Result<ModelConfig, Error> {
    // An option the kind has no use for is refused, not silently dropped.
    let unused = [
        (
            "corruption",
            options.corruption.is_some(),
            &[Kind::Denoising][..],
        ),
        (
            "weight",
            options.weight.is_some(),
            &[Kind::Sparse, Kind::Contractive],
        ),
        ("target", options.target.is_some(), &[Kind::Sparse]),
    ];
    for (field, given, kinds) in unused {
        if given && !kinds.contains(&kind) {
            let names: Vec<_> = kinds.iter().map(|k| k.name()).collect();
            return Err(Error::config(
                field,
                format!(
                    "applies to the {} kind{} only, not to {}",
                    names.join(" and "),
                    if names.len() > 1 { "s" } else { "" },
                    kind.name()
                ),
            ));
        }
    }
    let modalities = options.modalities.clone().unwrap_or_default();
    let sum = modalities.iter().map(|m| m.size).sum::<usize>();
    let input_size = options
        .input_size
        .unwrap_or(if modalities.is_empty() { 784 } else { sum });
    let code_size = options.code_size.unwrap_or(32);
    let hidden = options.hidden.clone().unwrap_or_default();
    let kl = kind == Kind::Sparse && options.target.is_some();
    let default_activation = if kl {
        Activation::Sigmoid
    } else {
        Activation::Relu
    };
    let activation = options.code_activation.unwrap_or(default_activation);

    let layer = |units| LayerSpec { units, activation };
    let encoder: Vec<_> = hidden
        .iter()
        .copied()
        .chain([code_size])
        .map(layer)
        .collect();
    let mut decoder: Vec<_> = hidden.iter().rev().copied().map(layer).collect();
    decoder.push(LayerSpec {
        units: input_size,
        activation: Activation::Sigmoid,
    });

    let mut objective = Objective {
        loss: options.loss.unwrap_or_default(),
        ..Objective::default()
    };
    match kind {
        Kind::Undercomplete => {}
        Kind::Sparse => {
            objective.sparsity = Some(match options.target {
                Some(target) => Sparsity::Kl {
                    target,
                    weight: options.weight.unwrap_or(0.1),
                },
                None => Sparsity::L1 {
                    weight: options.weight.unwrap_or(0.003),
                },
            })
        }
        Kind::Denoising => {
            objective.corruption = Some(
                options
                    .corruption
                    .unwrap_or(Corruption::Masking { level: 0.3 }),
            )
        }
        Kind::Contractive => {
            objective.contraction = Some(Contraction {
                weight: options.weight.unwrap_or(3e-4),
            })
        }
    }

    let config = ModelConfig {
        input_size,
        encoder,
        decoder,
        init: Init::Glorot,
        seed: options.seed.unwrap_or(0),
        objective: Objective {
            modality_dropout: match modalities.is_empty() {
                true => options.modality_dropout,
                false => Some(options.modality_dropout.unwrap_or(0.5)),
            },
            ..objective
        },
        modalities,
    };
    config.validate()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_differ_by_their_objective() {
        let options = PresetOptions {
            code_size: Some(16),
            hidden: Some(vec![100]),
            ..Default::default()
        };
        let configs: Vec<_> = Kind::ALL
            .iter()
            .map(|&kind| preset(kind, &options).unwrap())
            .collect();
        assert_eq!(configs[0].code_size(), 16);
        assert_eq!(configs[0].decoder[0].units, 100);
        assert_eq!(configs[0].encoder[1].activation, Activation::Relu);
        assert_eq!(configs[0].decoder[1].activation, Activation::Sigmoid);
        assert_eq!(configs[0].objective, Objective::default());
        assert!(matches!(
            configs[1].objective.sparsity,
            Some(Sparsity::L1 { .. })
        ));
        assert!(configs[2].objective.corruption.is_some());
        assert!(configs[3].objective.contraction.is_some());
    }

    #[test]
    fn an_option_the_kind_has_no_use_for_is_refused() {
        let noise = PresetOptions {
            corruption: Some(Corruption::Gaussian { level: 0.2 }),
            ..Default::default()
        };
        let weight = PresetOptions {
            weight: Some(0.01),
            ..Default::default()
        };
        let target = PresetOptions {
            target: Some(0.05),
            ..Default::default()
        };
        let message =
            |kind, options: &PresetOptions| preset(kind, options).unwrap_err().to_string();
        assert_eq!(
            message(Kind::Sparse, &noise),
            "invalid config: `corruption` applies to the denoising kind only, not to sparse"
        );
        assert_eq!(
            message(Kind::Undercomplete, &weight),
            "invalid config: `weight` applies to the sparse and contractive kinds only, not to \
             undercomplete"
        );
        assert!(message(Kind::Contractive, &target).contains("`target` applies to the sparse"));
        assert!(preset(Kind::Denoising, &noise).is_ok());
        assert!(preset(Kind::Contractive, &weight).is_ok());
        assert!(preset(Kind::Sparse, &target).is_ok());
    }

    #[test]
    fn bad_fields_are_named() {
        let mut config = preset(Kind::Undercomplete, &PresetOptions::default()).unwrap();
        config.decoder[0].units = 10;
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("decoder[0].units"), "{message}");

        let options = PresetOptions {
            target: Some(1.5),
            ..Default::default()
        };
        let message = preset(Kind::Sparse, &options).unwrap_err().to_string();
        assert!(message.contains("objective.sparsity.target"), "{message}");

        let options = PresetOptions {
            hidden: Some(vec![16_000; 3]),
            ..Default::default()
        };
        let message = preset(Kind::Contractive, &options).unwrap_err().to_string();
        assert!(message.contains("more than the limit"), "{message}");

        let options = PresetOptions {
            code_size: Some(0),
            ..Default::default()
        };
        let message = preset(Kind::Sparse, &options).unwrap_err().to_string();
        assert!(message.contains("encoder[0].units"), "{message}");
    }

    #[test]
    fn config_json_uses_camel_case_and_rejects_unknown_fields() {
        let config = preset(Kind::Denoising, &PresetOptions::default()).unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains("\"inputSize\":784"), "{json}");
        assert!(json.contains("\"kind\":\"masking\""), "{json}");
        let back: ModelConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);

        let typo = json.replace("inputSize", "inputSise");
        assert!(serde_json::from_str::<ModelConfig>(&typo).is_err());
    }
}
