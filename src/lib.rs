//! Four kinds of autoencoder (undercomplete, sparse, denoising, contractive)
//! as presets of one objective, trained with exact gradients on ndarray.
//!
//! The core is pure Rust and builds natively and for `wasm32-unknown-unknown`;
//! the JS bindings live in [`wasm`] and are compiled for wasm32 only.

pub mod activation;
pub mod config;
mod config_json;
pub mod corruption;
pub mod data;
pub mod error;
pub mod gemm;
#[cfg(feature = "training")]
pub mod idx;
pub mod inference;
pub mod io;
pub mod json;
pub mod model;
#[cfg(feature = "training")]
pub mod multimodal;
#[cfg(feature = "training")]
pub mod objective;
#[cfg(feature = "training")]
pub mod optim;
#[cfg(feature = "training")]
pub mod probe;
#[cfg(feature = "training")]
pub mod recipes;
pub mod rng;
#[cfg(feature = "training")]
pub mod train;

pub use activation::Activation;
pub use config::{preset, Kind, ModelConfig, Objective, PresetOptions};
pub use error::Error;
pub use model::Autoencoder;
#[cfg(feature = "training")]
pub use train::{TrainConfig, Trainer};

#[cfg(target_arch = "wasm32")]
pub mod wasm;
