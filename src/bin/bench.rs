//! The reference workload of the speed benchmark, natively: a 784-64-784
//! sigmoid autoencoder, Glorot-uniform, Adam (1e-3, 0.9, 0.999, 1e-7), batch
//! 64, MSE, one epoch over the 10,000 real digits, for each kind. Prints JSON
//! that `bench/run.mjs` (`npm run bench`) puts beside the wasm and TensorFlow.js figures.
//!
//! Usage: `bench <digits.bin> [epochs] [repetitions]`

use autoencoder_lab::config::{Contraction, Corruption, LayerSpec, Sparsity};
use autoencoder_lab::data::{Digits, Split};
use autoencoder_lab::optim::OptimizerConfig;
use autoencoder_lab::train::reconstruction_mse;
use autoencoder_lab::{
    Activation, Autoencoder, Kind, ModelConfig, Objective, TrainConfig, Trainer,
};
use ndarray::ArrayView2;
use std::time::Instant;

/// The reference model of one kind.
pub fn reference_config(kind: Kind) -> ModelConfig {
    let sigmoid = |units| LayerSpec {
        units,
        activation: Activation::Sigmoid,
    };
    let mut objective = Objective::default();
    match kind {
        Kind::Undercomplete => {}
        Kind::Sparse => objective.sparsity = Some(Sparsity::L1 { weight: 1e-3 }),
        Kind::Denoising => objective.corruption = Some(Corruption::Gaussian { level: 0.3 }),
        Kind::Contractive => objective.contraction = Some(Contraction { weight: 1e-2 }),
    }
    ModelConfig {
        input_size: 784,
        encoder: vec![sigmoid(64)],
        decoder: vec![sigmoid(784)],
        init: Default::default(),
        seed: 1,
        objective,
        modalities: Vec::new(),
    }
}

fn reference_training() -> TrainConfig {
    TrainConfig {
        optimizer: OptimizerConfig::Adam {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
        },
        batch_size: 64,
        seed: 1,
        shuffle: true,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("data/digits.bin", String::as_str);
    let epochs: usize = args.get(2).map_or(1, |e| e.parse().expect("epochs"));
    let repetitions: usize = args.get(3).map_or(3, |r| r.parse().expect("repetitions"));
    let digits = Digits::parse(&std::fs::read(path).expect("digits file")).expect("digits");
    let mut images = digits.images(Split::Train);
    images.extend(digits.images(Split::Test));
    let all = ArrayView2::from_shape((images.len() / 784, 784), &images).expect("whole images");

    let mut kinds = Vec::new();
    for kind in Kind::ALL {
        let mut rates = Vec::new();
        let mut mse = 0.0;
        for _ in 0..repetitions {
            let model = Autoencoder::new(reference_config(kind)).expect("valid");
            let mut trainer = Trainer::new(model, &images, reference_training()).expect("trainer");
            let steps = epochs * trainer.steps_per_epoch();
            let start = Instant::now();
            trainer.step(steps).expect("finite");
            rates.push((epochs * all.nrows()) as f64 / start.elapsed().as_secs_f64());
            mse = reconstruction_mse(trainer.model(), all, all).expect("finite reconstructions");
        }
        kinds.push(format!(
            "\"{}\": {{\"examplesPerSecond\": [{}], \"mse\": {mse}}}",
            kind.name(),
            rates
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let model = Autoencoder::new(reference_config(Kind::Undercomplete)).expect("valid");
    let one = all.slice(ndarray::s![0..1, ..]);
    let latencies: Vec<f64> = (0..1000)
        .map(|_| {
            let start = Instant::now();
            let code = model.encode(one).expect("finite codes");
            std::hint::black_box(model.decode(code.view()).expect("finite output"));
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    let thousand = all.slice(ndarray::s![0..1000, ..]);
    let batch: Vec<f64> = (0..20)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(model.reconstruct(thousand).expect("finite output"));
            1000.0 / start.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "{{\"epochs\": {epochs}, \"kinds\": {{{}}}, \"oneDigitMicroseconds\": {:.2}, \"batch1000ExamplesPerSecond\": {:.0}}}",
        kinds.join(", "),
        median(latencies),
        median(batch)
    );
}
