//! The documented recipes behind the demo's ready models and the numbers in
//! the README: one configuration per kind, trained on the real digits with a
//! fixed seed. The pretraining tool, the tests and the README all use these.

use crate::config::{preset, Kind, PresetOptions};
use crate::error::Error;
use crate::model::Autoencoder;
use crate::multimodal::Pairing;
use crate::optim::OptimizerConfig;
use crate::train::{TrainConfig, Trainer};

/// Code size of the demo models.
pub const CODE_SIZE: usize = 32;

/// The preset options of each kind in the demo: the presets' own defaults
/// (L1 weight 0.003, masking p = 0.3, λ = 3e-4) with a 32-unit code.
pub fn options() -> PresetOptions {
    PresetOptions {
        code_size: Some(CODE_SIZE),
        seed: Some(1),
        ..Default::default()
    }
}

/// The sparse recipe with KL sparsity instead of L1: target activation
/// ρ = 0.05, β = 0.1, and so a sigmoid code (the tour's KL model).
pub fn kl_options() -> PresetOptions {
    PresetOptions {
        target: Some(0.05),
        weight: Some(0.1),
        ..options()
    }
}

/// Adam with learning rate 3e-3, batch 64, seed 7.
pub fn train_config() -> TrainConfig {
    TrainConfig {
        optimizer: OptimizerConfig::Adam {
            learning_rate: 3e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
        },
        batch_size: 64,
        seed: 7,
        shuffle: true,
    }
}

/// Trains one kind's recipe for `epochs` epochs over `images: [n, 784]`.
pub fn train(kind: Kind, images: &[f32], epochs: usize) -> Result<Trainer, Error> {
    let model = Autoencoder::new(preset(kind, &options())?)?;
    let mut trainer = Trainer::new(model, images, train_config())?;
    let steps = epochs * trainer.steps_per_epoch();
    trainer.step(steps)?;
    Ok(trainer)
}

/// Code size of the multimodal models: the code must carry both modalities.
pub const MULTIMODAL_CODE_SIZE: usize = 64;

/// The preset options of a multimodal recipe: the kind's defaults, a 64-unit
/// code, the pairing's modalities and modality dropout 0.7 (so 35% of the
/// samples show only one modality, and 35% only the other).
pub fn multimodal_options(pairing: Pairing) -> PresetOptions {
    PresetOptions {
        code_size: Some(MULTIMODAL_CODE_SIZE),
        modalities: Some(pairing.modalities(28, 28)),
        modality_dropout: Some(0.7),
        ..options()
    }
}

/// Trains one kind's multimodal recipe for `epochs` epochs over images
/// `[n, 784]` and their labels.
pub fn train_multimodal(
    kind: Kind,
    pairing: Pairing,
    images: &[f32],
    labels: &[u8],
    epochs: usize,
) -> Result<Trainer, Error> {
    let model = Autoencoder::new(preset(kind, &multimodal_options(pairing))?)?;
    let joined = pairing.join(images, labels, 28, 28, [true, true])?;
    let mut trainer = Trainer::new(model, &joined, train_config())?;
    let steps = epochs * trainer.steps_per_epoch();
    trainer.step(steps)?;
    Ok(trainer)
}
