//! The `aelab` command line against the library: the same models bit for
//! bit, the documented help, and clear failures.

use autoencoder_lab::data::{Digits, Split};
use autoencoder_lab::multimodal::Pairing;
use autoencoder_lab::optim::OptimizerConfig;
use autoencoder_lab::probe::{argmax, probe_accuracy, ProbeConfig};
use autoencoder_lab::{
    idx, io, preset, recipes, train, Autoencoder, Kind, PresetOptions, TrainConfig, Trainer,
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
    assert_eq!(encoder.encode(x).unwrap(), model.encode(x).unwrap());
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

    // `encode` writes what the library's encode gives, as .npy; an exported
    // encoder has no reconstructions to write.
    let codes_path = dir.join("codes.npy");
    let encode_test_digits = |out: &Path| {
        succeed(&[
            "encode",
            "--model",
            text(&encoder_path),
            "--split",
            "test",
            "--digits",
            text(&digits),
            "--out",
            text(out),
        ])
    };
    let printed = encode_test_digits(&codes_path);
    assert!(printed.starts_with("wrote 2000 codes of "), "{printed}");
    let npy = std::fs::read(&codes_path).unwrap();
    let all = ArrayView2::from_shape((test.len() / 784, 784), &test[..]).unwrap();
    let codes = model.encode(all).unwrap();
    let data_start = npy.len() - 4 * codes.len();
    assert_eq!(data_start % 64, 0, "the header pads the data to 64 bytes");
    let written: Vec<f32> = npy[data_start..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(written, codes.iter().copied().collect::<Vec<_>>());
    let shape = format!("'shape': ({}, {}), }}", codes.nrows(), codes.ncols());
    assert!(String::from_utf8_lossy(&npy[..data_start]).contains(&shape));
    // The same codes as CSV text: a line per digit, each value reading back
    // as the same float32; any other kind of file is refused before work.
    let csv_path = dir.join("codes.CSV");
    encode_test_digits(&csv_path);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), codes.nrows());
    let read: Vec<f32> = lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(|value| value.parse().unwrap())
        .collect();
    let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&read), bits(&written));
    let output = aelab(&[
        "encode",
        "--model",
        text(&encoder_path),
        "--digits",
        text(&digits),
        "--out",
        text(&dir.join("codes.txt")),
    ]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        said.contains("name a .npy file (NumPy, float32) or a .csv file (text)"),
        "{said}"
    );
    assert!(!dir.join("codes.txt").exists());
    let output = aelab(&[
        "encode",
        "--model",
        text(&encoder_path),
        "--reconstructions",
        "--digits",
        text(&digits),
        "--out",
        text(&dir.join("never.npy")),
    ]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("is an exported encoder, without a decoder"),
        "{said}"
    );
    assert!(!dir.join("never.npy").exists());
    // Codes never replace the model they come from, and an --out that
    // cannot be written (here a folder) is refused before any work, leaving
    // no partial file beside it.
    // (A model file named like codes, to pass the check of --out's kind.)
    let odd_model = dir.join("model.npy");
    std::fs::copy(&model_path, &odd_model).unwrap();
    let before = std::fs::read(&odd_model).unwrap();
    let output = aelab(&[
        "encode",
        "--model",
        text(&odd_model),
        "--out",
        text(&odd_model),
    ]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("is the model file: codes would replace the model"),
        "{said}"
    );
    assert_eq!(std::fs::read(&odd_model).unwrap(), before);
    let folder = dir.join("folder.npy");
    std::fs::create_dir(&folder).unwrap();
    let output = aelab(&[
        "encode",
        "--model",
        text(&model_path),
        "--digits",
        text(&digits),
        "--out",
        text(&folder),
    ]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("is a folder, not a file"), "{said}");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".partial-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
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

    // The file decides the model: a model option beside --from is refused,
    // where it used to be ignored without a word.
    for option in [
        ["--kind", "sparse"],
        ["--code-size", "16"],
        ["--noise", "masking"],
    ] {
        let output = aelab(&[
            "train",
            "--images",
            text(&images),
            "--from",
            text(&first),
            option[0],
            option[1],
            "--out",
            text(&second),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{option:?} was accepted");
        assert!(
            stderr.contains("cannot be used with") && stderr.contains(option[0]),
            "{option:?}: {stderr}"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_paired_model_trains_like_the_library_and_eval_rebuilds_each_modality() {
    let dir = scratch("pairing");
    let out = dir.join("il.safetensors");
    let digits = common::digits_path();
    succeed(&[
        "train",
        "--pairing",
        "image-label",
        "--kind",
        "denoising",
        "--modality-dropout",
        "0.6",
        "--steps",
        "40",
        "--seed",
        "3",
        "--digits",
        text(&digits),
        "--out",
        text(&out),
    ]);
    let from_cli = io::load(&std::fs::read(&out).unwrap()).unwrap();

    let all = Digits::parse(&std::fs::read(&digits).unwrap()).unwrap();
    let options = PresetOptions {
        seed: Some(3),
        modalities: Some(Pairing::ImageLabel.modalities(28, 28)),
        modality_dropout: Some(0.6),
        loss: Some(Default::default()),
        hidden: Some(vec![]),
        ..Default::default()
    };
    let model = Autoencoder::new(preset(Kind::Denoising, &options).unwrap()).unwrap();
    let (images, labels) = (all.images(Split::Train), all.labels(Split::Train));
    let inputs = Pairing::ImageLabel
        .join(&images, labels, 28, 28, [true, true])
        .unwrap();
    // The command line trains with the recipe's optimiser (Adam 3e-3).
    let config = TrainConfig {
        seed: 3,
        ..recipes::train_config()
    };
    let mut trainer = Trainer::new(model, &inputs, config).unwrap();
    trainer.step(40).unwrap();
    assert_eq!(&from_cli, trainer.model());

    let printed = succeed(&[
        "eval",
        "--model",
        text(&out),
        "--split",
        "test",
        "--digits",
        text(&digits),
    ]);
    // The label rebuilt from the image alone, counted here from the library.
    let (test, test_labels) = (all.images(Split::Test), all.labels(Split::Test));
    let image_only = Pairing::ImageLabel
        .join(&test, test_labels, 28, 28, [true, false])
        .unwrap();
    let rebuilt = from_cli
        .reconstruct(ArrayView2::from_shape((2000, 794), &image_only).unwrap())
        .unwrap();
    let right = rebuilt
        .rows()
        .into_iter()
        .zip(test_labels)
        .filter(|(row, &label)| argmax(row.iter().skip(784)) == label as usize)
        .count();
    let line = format!(
        "label rebuilt from image alone: right on {:.1}%",
        right as f64 / 20.0
    );
    assert!(printed.contains(&line), "{line}\n{printed}");
    assert!(
        printed.contains("image rebuilt from label alone: MSE"),
        "{printed}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn probe_prints_the_library_accuracies() {
    let dir = scratch("probe");
    let model_path = dir.join("m.safetensors");
    let digits = common::digits_path();
    succeed(&[
        "train",
        "--steps",
        "50",
        "--code-size",
        "12",
        "--digits",
        text(&digits),
        "--out",
        text(&model_path),
    ]);
    let printed = succeed(&[
        "probe",
        "--model",
        text(&model_path),
        "--pixels",
        "--labels-per-class",
        "5,all",
        "--seed",
        "2",
        "--digits",
        text(&digits),
    ]);

    let all = Digits::parse(&std::fs::read(&digits).unwrap()).unwrap();
    let model = io::load(&std::fs::read(&model_path).unwrap()).unwrap();
    let (train_x, test_x) = (all.images(Split::Train), all.images(Split::Test));
    let (train_y, test_y) = (all.labels(Split::Train), all.labels(Split::Test));
    let codes = |x: &[f32]| {
        let view = ArrayView2::from_shape((x.len() / 784, 784), x).unwrap();
        model.encode(view).unwrap().into_raw_vec_and_offset().0
    };
    let config = ProbeConfig {
        seed: 2,
        ..ProbeConfig::default()
    };
    let accuracy = |train: &[f32], test: &[f32], width, per_class| {
        let value = probe_accuracy(
            (train, train_y),
            (test, test_y),
            width,
            10,
            per_class,
            &config,
        );
        format!("{:.1}%", 100.0 * value.unwrap())
    };
    let codes_row = format!(
        "| {} | 12 | {} | {} |",
        text(&model_path),
        accuracy(&codes(&train_x), &codes(&test_x), 12, Some(5)),
        accuracy(&codes(&train_x), &codes(&test_x), 12, None)
    );
    let pixels_row = format!(
        "| pixels | 784 | {} | {} |",
        accuracy(&train_x, &test_x, 784, Some(5)),
        accuracy(&train_x, &test_x, 784, None)
    );
    assert!(printed.contains(&codes_row), "{codes_row}\n{printed}");
    assert!(printed.contains(&pixels_row), "{pixels_row}\n{printed}");
    assert!(printed.contains("| 5 per class | all 8000 |"), "{printed}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_files_and_options_fail_with_a_message() {
    let dir = scratch("bad");
    let broken = dir.join("broken.safetensors");
    std::fs::write(&broken, b"\x10\0\0\0\0\0\0\0{\"a\":").unwrap();
    // Two 4×4 images in IDX format, for a model of 28×28 inputs.
    let small = dir.join("small-idx3-ubyte");
    let mut idx = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4];
    idx.extend([0u8; 32]);
    std::fs::write(&small, idx).unwrap();
    let model = dir.join("fresh.safetensors");
    let config = preset(Kind::Undercomplete, &PresetOptions::default()).unwrap();
    std::fs::write(&model, io::save(&Autoencoder::new(config).unwrap())).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "encode",
                "--model",
                text(&model),
                "--images",
                text(&small),
                "--out",
                "/tmp/never.npy",
            ],
            "the model takes 784 values per sample, the data (2 images of 4×4 from",
        ),
        (
            vec!["eval", "--model", text(&broken)],
            "cannot read model file",
        ),
        (
            vec!["eval", "--model", "/nonexistent/model.safetensors"],
            "/nonexistent/model.safetensors",
        ),
        (
            vec![
                "eval",
                "--model",
                text(&model),
                "--digits",
                "nowhere/digits.bin",
            ],
            "run aelab from the repository, after `npm run build`, or pass --digits",
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
        (
            vec![
                "train",
                "--modality-dropout",
                "0.5",
                "--out",
                "/tmp/never.safetensors",
            ],
            "--modality-dropout needs --pairing",
        ),
        (
            vec![
                "train",
                "--pairing",
                "halves",
                "--modality-dropout",
                "1.5",
                "--out",
                "/tmp/never.safetensors",
            ],
            "objective.modalityDropout",
        ),
        (vec!["probe"], "give at least one --model, or --pixels"),
        (
            vec!["probe", "--pixels", "--labels-per-class", "ten"],
            "'ten' is not a positive whole number",
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
    let commands = [
        vec![],
        vec!["train"],
        vec!["eval"],
        vec!["export-encoder"],
        vec!["probe"],
    ];
    for command in commands {
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
