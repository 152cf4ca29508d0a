//! The `aelab` command line against the library: the same models bit for
//! bit, the documented help, and clear failures.

use autoencoder_lab::data::{Digits, Split};
use autoencoder_lab::optim::OptimizerConfig;
use autoencoder_lab::{
    idx, io, preset, train, Autoencoder, Kind, PresetOptions, TrainConfig, Trainer,
};
use ndarray::ArrayView2;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn aelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aelab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("aelab runs")
}

fn succeed(args: &[&str]) -> String {
    let output = aelab(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "aelab {args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("utf-8")
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aelab-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn test_digits() -> Vec<f32> {
    let digits = Digits::parse(&std::fs::read(common::digits_path()).unwrap()).unwrap();
    digits.images(Split::Test)
}

#[test]
fn sgd_for_exact_steps_without_shuffling_matches_the_library_bit_for_bit() {
    let dir = scratch("sgd");
    let out = dir.join("model.safetensors");
    let digits = common::digits_path();
    succeed(&[
        "train",
        "--kind",
        "contractive",
        "--code-size",
        "16",
        "--optimizer",
        "sgd",
        "--lr",
        "0.5",
        "--momentum",
        "0.9",
        "--steps",
        "37",
        "--no-shuffle",
        "--batch-size",
        "50",
        "--seed",
        "4",
        "--digits",
        text(&digits),
        "--out",
        text(&out),
    ]);
    let from_cli = io::load(&std::fs::read(&out).unwrap()).unwrap();

    let options = PresetOptions {
        code_size: Some(16),
        seed: Some(4),
        loss: Some(Default::default()),
        hidden: Some(vec![]),
        ..Default::default()
    };
    let model = Autoencoder::new(preset(Kind::Contractive, &options).unwrap()).unwrap();
    let config = TrainConfig {
        optimizer: OptimizerConfig::Sgd {
            learning_rate: 0.5,
            momentum: 0.9,
            weight_decay: 0.0,
        },
        batch_size: 50,
        seed: 4,
        shuffle: false,
    };
    let digits = Digits::parse(&std::fs::read(&digits).unwrap()).unwrap();
    let mut trainer = Trainer::new(model, &digits.images(Split::Train), config).unwrap();
    trainer.step(37).unwrap();
    assert_eq!(io::save(trainer.model()), io::save(&from_cli));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn eval_prints_the_library_losses_and_export_keeps_the_codes() {
    let dir = scratch("eval");
    let (model_path, encoder_path) = (dir.join("m.safetensors"), dir.join("e.safetensors"));
    let digits = common::digits_path();
    succeed(&[
        "train",
        "--kind",
        "sparse",
        "--steps",
        "60",
        "--digits",
        text(&digits),
        "--out",
        text(&model_path),
    ]);
    let printed = succeed(&[
        "eval",
        "--model",
        text(&model_path),
        "--split",
        "test",
        "--digits",
        text(&digits),
    ]);

    let model = io::load(&std::fs::read(&model_path).unwrap()).unwrap();
    let test = test_digits();
    let parts = train::evaluate_dataset(&model, &test).unwrap();
    assert!(
        printed.contains(&format!("reconstruction: {:.6}", parts.reconstruction)),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("penalty: {:.6}", parts.penalty)),
        "{printed}"
    );

    succeed(&[
        "export-encoder",
        "--model",
        text(&model_path),
        "--out",
        text(&encoder_path),
    ]);
    let encoder = io::load(&std::fs::read(&encoder_path).unwrap()).unwrap();
    let x = ArrayView2::from_shape((100, 784), &test[..78_400]).unwrap();
    assert_eq!(encoder.encode(x), model.encode(x));
    let printed = succeed(&[
        "eval",
        "--model",
        text(&encoder_path),
        "--split",
        "test",
        "--digits",
        text(&digits),
    ]);
    assert!(printed.contains("encoder only"), "{printed}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn trains_on_gzip_idx_files_and_continues_from_a_model_file() {
    let dir = scratch("idx");
    let test = test_digits();
    let pixels: Vec<u8> = test[..500 * 784]
        .iter()
        .map(|&v| (v * 255.0).round() as u8)
        .collect();
    let plain = idx::write(&[500, 28, 28], &pixels);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    let images = dir.join("images.idx.gz");
    std::fs::write(&images, gz.finish().unwrap()).unwrap();

    let (first, second) = (dir.join("a.safetensors"), dir.join("b.safetensors"));
    succeed(&[
        "train",
        "--images",
        text(&images),
        "--code-size",
        "8",
        "--epochs",
        "2",
        "--out",
        text(&first),
    ]);
    succeed(&[
        "train",
        "--images",
        text(&images),
        "--from",
        text(&first),
        "--epochs",
        "2",
        "--out",
        text(&second),
    ]);
    let (a, b) = (
        io::load(&std::fs::read(&first).unwrap()).unwrap(),
        io::load(&std::fs::read(&second).unwrap()).unwrap(),
    );
    assert_eq!(b.config(), a.config());
    assert_ne!(b.layers(), a.layers());
    assert_eq!(b.code_size(), 8);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_files_and_options_fail_with_a_message() {
    let dir = scratch("bad");
    let broken = dir.join("broken.safetensors");
    std::fs::write(&broken, b"\x10\0\0\0\0\0\0\0{\"a\":").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["eval", "--model", text(&broken)],
            "cannot read model file",
        ),
        (
            vec!["eval", "--model", "/nonexistent/model.safetensors"],
            "/nonexistent/model.safetensors",
        ),
        (
            vec!["train", "--lr=-1", "--out", "/tmp/never.safetensors"],
            "learningRate",
        ),
        (
            vec![
                "train",
                "--kind",
                "sparse",
                "--target",
                "2",
                "--out",
                "/tmp/never.safetensors",
            ],
            "target",
        ),
        (
            vec![
                "train",
                "--images",
                text(&broken),
                "--out",
                "/tmp/never.safetensors",
            ],
            "IDX",
        ),
    ];
    for (args, words) in cases {
        let output = aelab(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    assert!(!Path::new("/tmp/never.safetensors").exists());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_readme_shows_the_help_of_every_command() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for command in [vec![], vec!["train"], vec!["eval"], vec!["export-encoder"]] {
        let mut args = command.clone();
        args.push("--help");
        let help = succeed(&args);
        assert!(
            readme.contains(help.trim_end()),
            "README lacks the help of `aelab {}`:\n{help}",
            command.join(" ")
        );
    }
}
