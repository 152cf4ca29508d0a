//! Trains the demo's ready models, one per kind and one per multimodal
//! pairing (undercomplete), on the real digits, and writes them as
//! safetensors files.
//!
//! Usage: `pretrain <digits.bin> <out-dir> [epochs]`

use autoencoder_lab::data::{Digits, Split};
use autoencoder_lab::multimodal::Pairing;
use autoencoder_lab::{io, preset, recipes, train, Autoencoder, Kind, Trainer};
use std::time::Instant;

fn main() {
    if let Err(message) = run() {
        eprintln!("pretrain: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(digits_path), Some(out_dir)) = (args.get(1), args.get(2)) else {
        return Err("usage: pretrain <digits.bin> <out-dir> [epochs]".into());
    };
    let epochs: usize = args
        .get(3)
        .map_or(Ok(10), |e| e.parse())
        .map_err(|e| format!("epochs: {e}"))?;

    let bytes = std::fs::read(digits_path).map_err(|e| format!("{digits_path}: {e}"))?;
    let digits = Digits::parse(&bytes).map_err(|e| e.to_string())?;
    let images = digits.images(Split::Train);
    let test = digits.images(Split::Test);
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{out_dir}: {e}"))?;

    for kind in Kind::ALL {
        let start = Instant::now();
        let trainer = recipes::train(kind, &images, epochs).map_err(|e| e.to_string())?;
        let seconds = start.elapsed().as_secs_f64();
        let examples = trainer.step_count() as f64 * recipes::train_config().batch_size as f64;
        let parts = train::evaluate_dataset(trainer.model(), &test).map_err(|e| e.to_string())?;

        let path = format!("{out_dir}/{}.safetensors", kind.name());
        std::fs::write(&path, io::save(trainer.model())).map_err(|e| format!("{path}: {e}"))?;
        println!(
            "{:>13}: {epochs} epochs in {seconds:.1} s ({:.0} examples/s), test reconstruction {:.4}, penalty {:.4} → {path}",
            kind.name(),
            examples / seconds,
            parts.reconstruction,
            parts.penalty
        );
    }

    // Sparse with KL sparsity: its sigmoid code needs more epochs than the
    // relu ones to leave the mean image behind.
    let start = Instant::now();
    let model =
        Autoencoder::new(preset(Kind::Sparse, &recipes::kl_options()).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let mut trainer =
        Trainer::new(model, &images, recipes::train_config()).map_err(|e| e.to_string())?;
    trainer
        .step(2 * epochs * trainer.steps_per_epoch())
        .map_err(|e| e.to_string())?;
    let parts = train::evaluate_dataset(trainer.model(), &test).map_err(|e| e.to_string())?;
    let path = format!("{out_dir}/sparse-kl.safetensors");
    std::fs::write(&path, io::save(trainer.model())).map_err(|e| format!("{path}: {e}"))?;
    println!(
        "{:>13}: {} epochs in {:.1} s, test reconstruction {:.4}, penalty {:.4} → {path}",
        "sparse-kl",
        2 * epochs,
        start.elapsed().as_secs_f64(),
        parts.reconstruction,
        parts.penalty
    );

    let labels = digits.labels(Split::Train);
    for pairing in Pairing::ALL {
        let start = Instant::now();
        let trainer =
            recipes::train_multimodal(Kind::Undercomplete, pairing, &images, labels, epochs)
                .map_err(|e| e.to_string())?;
        let path = format!("{out_dir}/{}.safetensors", pairing.name());
        std::fs::write(&path, io::save(trainer.model())).map_err(|e| format!("{path}: {e}"))?;
        println!(
            "{:>13}: {epochs} epochs in {:.1} s → {path}",
            pairing.name(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
