//! The four kinds trained on the real digits with the documented recipes
//! (`src/recipes.rs`: code 32, Adam 3e-3, batch 64, 10 epochs, fixed seeds),
//! measured on the 2,000 test digits. The README's table comes from here:
//! `cargo test --release --test digits -- --nocapture` prints it.

use autoencoder_lab::corruption::corrupt_in_place;
use autoencoder_lab::data::Split;
use autoencoder_lab::objective::mean_jacobian_norm;
use autoencoder_lab::probe::{probe_accuracy, ProbeConfig};
use autoencoder_lab::rng::Rng;
use autoencoder_lab::train::reconstruction_mse;
use autoencoder_lab::{recipes, Autoencoder, Kind};
use ndarray::ArrayView2;
use std::sync::OnceLock;

mod common;

const EPOCHS: usize = 10;

use common::digits;

struct Measured {
    model: Autoencoder,
    clean_mse: f64,
    noisy_mse: f64,
    zero_share: f64,
    mean_code: f64,
    jacobian: f64,
}

fn view(values: &[f32]) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((values.len() / 784, 784), values).expect("whole images")
}

/// Test digits corrupted by the denoising recipe's own corruption, seeded.
fn noisy_test() -> &'static Vec<f32> {
    static NOISY: OnceLock<Vec<f32>> = OnceLock::new();
    NOISY.get_or_init(|| {
        let mut noisy = digits().images(Split::Test);
        let config = autoencoder_lab::preset(Kind::Denoising, &recipes::options()).expect("preset");
        let corruption = config.objective.corruption.expect("denoising corrupts");
        corrupt_in_place(&mut noisy, corruption, &mut Rng::new(99));
        noisy
    })
}

fn measured() -> &'static Vec<Measured> {
    static MEASURED: OnceLock<Vec<Measured>> = OnceLock::new();
    MEASURED.get_or_init(|| {
        let train = digits().images(Split::Train);
        let test = digits().images(Split::Test);
        let results: Vec<Measured> = Kind::ALL
            .iter()
            .map(|&kind| {
                let model = recipes::train(kind, &train, EPOCHS)
                    .expect("training")
                    .into_model();
                let codes = model.encode(view(&test)).unwrap();
                Measured {
                    clean_mse: reconstruction_mse(&model, view(&test), view(&test)).unwrap(),
                    noisy_mse: reconstruction_mse(&model, view(noisy_test()), view(&test)).unwrap(),
                    zero_share: codes.iter().filter(|&&h| h <= 1e-3).count() as f64
                        / codes.len() as f64,
                    mean_code: codes.iter().map(|&h| h.abs() as f64).sum::<f64>()
                        / codes.len() as f64,
                    jacobian: mean_jacobian_norm(&model, view(&test[..500 * 784])),
                    model,
                }
            })
            .collect();
        print_table(&results);
        results
    })
}

fn mean_image_mse() -> f64 {
    let train = digits().images(Split::Train);
    let test = digits().images(Split::Test);
    let n = train.len() / 784;
    let mut mean = vec![0.0f64; 784];
    for (i, &v) in train.iter().enumerate() {
        mean[i % 784] += v as f64 / n as f64;
    }
    let sum: f64 = test
        .iter()
        .enumerate()
        .map(|(i, &v)| (v as f64 - mean[i % 784]).powi(2))
        .sum();
    sum / test.len() as f64
}

fn print_table(results: &[Measured]) {
    println!(
        "mean-image baseline MSE on test digits: {:.4}",
        mean_image_mse()
    );
    println!(
        "| kind | test MSE | MSE on corrupted test digits | codes at 0 | mean code | ‖∂h/∂x‖²_F |"
    );
    println!("|---|---|---|---|---|---|");
    for (kind, m) in Kind::ALL.iter().zip(results) {
        println!(
            "| {} | {:.4} | {:.4} | {:.0}% | {:.3} | {:.2} |",
            kind.name(),
            m.clean_mse,
            m.noisy_mse,
            100.0 * m.zero_share,
            m.mean_code,
            m.jacobian
        );
    }
}

fn of(kind: Kind) -> &'static Measured {
    &measured()[Kind::ALL.iter().position(|&k| k == kind).expect("a kind")]
}

#[test]
fn every_kind_ends_far_below_the_mean_image() {
    let baseline = mean_image_mse();
    assert!((0.06..0.075).contains(&baseline), "baseline {baseline}");
    for kind in Kind::ALL {
        // 10 epochs put every kind at 0.013–0.024; the mean image is at 0.068.
        let mse = of(kind).clean_mse;
        assert!(mse < 0.4 * baseline, "{kind:?}: {mse} against {baseline}");
    }
}

#[test]
fn denoising_rebuilds_corrupted_digits_better_than_undercomplete() {
    let denoising = of(Kind::Denoising).noisy_mse;
    let undercomplete = of(Kind::Undercomplete).noisy_mse;
    assert!(
        denoising < 0.8 * undercomplete,
        "{denoising} against {undercomplete}"
    );
}

#[test]
fn sparse_codes_are_sparser_than_undercomplete_ones() {
    let sparse = of(Kind::Sparse);
    let plain = of(Kind::Undercomplete);
    assert!(
        sparse.zero_share > plain.zero_share + 0.1,
        "{} against {}",
        sparse.zero_share,
        plain.zero_share
    );
    assert!(
        sparse.mean_code < 0.5 * plain.mean_code,
        "{} against {}",
        sparse.mean_code,
        plain.mean_code
    );
}

#[test]
fn contractive_jacobian_is_smaller_than_undercomplete() {
    let contractive = of(Kind::Contractive).jacobian;
    let plain = of(Kind::Undercomplete).jacobian;
    assert!(contractive < 0.5 * plain, "{contractive} against {plain}");
}

#[test]
fn saved_models_reload_to_identical_outputs() {
    let test = digits().images(Split::Test);
    for m in measured() {
        let loaded =
            autoencoder_lab::io::load(&autoencoder_lab::io::save(&m.model)).expect("reload");
        let (a, b) = (
            m.model.reconstruct(view(&test[..784 * 50])).unwrap(),
            loaded.reconstruct(view(&test[..784 * 50])).unwrap(),
        );
        assert!(a.iter().zip(&b).all(|(u, v)| u.to_bits() == v.to_bits()));
    }
}

/// Test accuracy (%) of the linear probe on each kind's codes and on raw
/// pixels, fitted on 10, 100 or all labels per class of the train digits:
/// the README's table. Everything is seeded; the margin covers float
/// differences between machines.
const PROBE_TABLE: [(&str, [f64; 3]); 5] = [
    ("undercomplete", [74.4, 86.2, 89.1]),
    ("sparse", [73.3, 85.9, 89.2]),
    ("denoising", [74.9, 85.4, 88.8]),
    ("contractive", [74.3, 85.5, 88.8]),
    ("pixels", [75.0, 87.8, 89.5]),
];
const PROBE_MARGIN: f64 = 1.5;

#[test]
fn linear_probe_accuracies_are_those_the_readme_states() {
    let train = digits().images(Split::Train);
    let test = digits().images(Split::Test);
    let (train_labels, test_labels) = (digits().labels(Split::Train), digits().labels(Split::Test));
    let mut features: Vec<(Vec<f32>, Vec<f32>, usize)> = measured()
        .iter()
        .map(|m| {
            let codes = |x: &[f32]| m.model.encode(view(x)).unwrap().into_raw_vec_and_offset().0;
            (codes(&train), codes(&test), m.model.code_size())
        })
        .collect();
    features.push((train.clone(), test.clone(), 784));
    println!("| features | 10 labels per class | 100 per class | all 8,000 |");
    println!("|---|---|---|---|");
    let mut wrong = Vec::new();
    for ((train_x, test_x, width), (name, expected)) in features.iter().zip(PROBE_TABLE) {
        let mut row = Vec::new();
        for (per_class, want) in [Some(10), Some(100), None].into_iter().zip(expected) {
            let accuracy = 100.0
                * probe_accuracy(
                    (train_x, train_labels),
                    (test_x, test_labels),
                    *width,
                    10,
                    per_class,
                    &ProbeConfig::default(),
                )
                .expect("probe");
            if (accuracy - want).abs() > PROBE_MARGIN {
                wrong.push(format!(
                    "{name} {per_class:?}: {accuracy:.1}, README {want}"
                ));
            }
            row.push(format!("{accuracy:.1}%"));
        }
        println!("| {name} | {} |", row.join(" | "));
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn digits_have_the_documented_split_and_every_label() {
    let digits = digits();
    assert_eq!(
        (digits.count(Split::Train), digits.count(Split::Test)),
        (8000, 2000)
    );
    for split in [Split::Train, Split::Test] {
        let mut seen = [0usize; 10];
        digits
            .labels(split)
            .iter()
            .for_each(|&l| seen[l as usize] += 1);
        // Shuffled, so each label has roughly a tenth of each part.
        let count = digits.count(split);
        assert!(seen.iter().all(|&s| s > count / 20), "{split:?}: {seen:?}");
    }
}
