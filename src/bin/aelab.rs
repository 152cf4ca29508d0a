//! `aelab`: train, evaluate and export autoencoders from the command line,
//! with the same library, model files and digits as the browser.

use autoencoder_lab::config::{Contraction, Corruption, Init, LayerSpec, Loss, Sparsity};
use autoencoder_lab::data::{Digits, Split};
use autoencoder_lab::multimodal::{Pairing, CLASSES};
use autoencoder_lab::optim::OptimizerConfig;
use autoencoder_lab::probe::{argmax, probe_accuracy, ProbeConfig};
use autoencoder_lab::{idx, io, preset, train, Activation, Autoencoder, Kind, PresetOptions};
use autoencoder_lab::{TrainConfig, Trainer};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Train, evaluate and export autoencoders (undercomplete, sparse, denoising,
/// contractive) on the built-in digits or on IDX files.
#[derive(Parser)]
#[command(name = "aelab", version, term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model and write it as a safetensors file
    Train(Box<TrainArgs>),
    /// Print a model's loss, its parts and its mean code on a data set
    Eval(EvalArgs),
    /// Write the encoder of a model alone, as a model file that gives the same codes
    ExportEncoder(ExportArgs),
    /// Write the codes of a data set (or its reconstructions) as a NumPy .npy file of float32,
    /// or as CSV text
    Encode(EncodeArgs),
    /// Fit a linear classifier on frozen codes (and on raw pixels) and print its test accuracy
    Probe(ProbeArgs),
}

#[derive(Args)]
struct DataArgs {
    /// IDX image file (MNIST or Fashion-MNIST format, plain or .gz); default: the built-in digits
    #[arg(long, value_name = "FILE")]
    images: Option<PathBuf>,
    /// Built-in digits file made by the build
    #[arg(long, value_name = "FILE", default_value = "data/digits.bin")]
    digits: PathBuf,
    /// Part of the built-in digits to use (default: train)
    #[arg(long, value_enum)]
    split: Option<SplitArg>,
}

#[derive(Args)]
struct TrainArgs {
    /// Kind of autoencoder: sets the default penalty or corruption
    #[arg(long, value_enum, default_value = "undercomplete")]
    kind: KindArg,
    /// Code size (units of the last encoder layer)
    #[arg(long, default_value_t = 32)]
    code_size: usize,
    /// Hidden layer sizes between input and code, comma-separated (mirrored in the decoder)
    #[arg(long, value_delimiter = ',', value_name = "UNITS")]
    hidden: Vec<usize>,
    /// Activation of the hidden and code layers (default: relu, or sigmoid with --target)
    #[arg(long, value_enum)]
    activation: Option<ActivationArg>,
    /// Weight initialisation
    #[arg(long, value_enum, default_value = "glorot")]
    init: InitArg,
    /// Reconstruction loss
    #[arg(long, value_enum, default_value = "mse")]
    loss: LossArg,
    /// Sparsity: L1 weight, or β with --target (sparse kind); λ (contractive kind)
    #[arg(long)]
    weight: Option<f64>,
    /// KL sparsity target activation ρ, in (0, 1) (sparse kind; makes the code sigmoid)
    #[arg(long)]
    target: Option<f64>,
    /// Add an L1 sparsity penalty of this weight, whatever the kind
    #[arg(long, value_name = "WEIGHT")]
    l1: Option<f64>,
    /// Add a contractive penalty of this λ, whatever the kind
    #[arg(long, value_name = "LAMBDA")]
    contraction: Option<f64>,
    /// Corrupt the training input (denoising): gaussian, masking or salt-pepper
    #[arg(long, value_enum)]
    noise: Option<NoiseArg>,
    /// Noise level: σ for gaussian, probability for masking and salt-pepper (default 0.3);
    /// with --kind denoising and no --noise, the level of its masking noise
    #[arg(long)]
    noise_level: Option<f64>,
    /// Train a multimodal model on the built-in digits seen as two modalities: the image and
    /// its one-hot label, or the left and right halves of the image
    #[arg(long, value_enum)]
    pairing: Option<PairingArg>,
    /// Probability that a training sample keeps only one of its modalities, the other set to
    /// zero, so the model learns to rebuild a missing one (with --pairing; default 0.5)
    #[arg(long, value_name = "P")]
    modality_dropout: Option<f64>,
    /// Start from this model file: its architecture and objective are kept, so the model
    /// options above (--kind to --modality-dropout) cannot be given with it
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "kind", "code_size", "hidden", "activation", "init", "loss", "weight", "target", "l1",
        "contraction", "noise", "noise_level", "pairing", "modality_dropout",
    ])]
    from: Option<PathBuf>,
    /// Optimiser
    #[arg(long, value_enum, default_value = "adam")]
    optimizer: OptimizerArg,
    /// Learning rate (default: 3e-3 for Adam, 0.1 for SGD)
    #[arg(long)]
    lr: Option<f64>,
    /// SGD momentum
    #[arg(long, default_value_t = 0.0)]
    momentum: f64,
    /// Adam β1
    #[arg(long, default_value_t = 0.9)]
    beta1: f64,
    /// Adam β2
    #[arg(long, default_value_t = 0.999)]
    beta2: f64,
    /// Adam ε
    #[arg(long, default_value_t = 1e-7)]
    epsilon: f64,
    /// L2 weight decay added to the gradient
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f64,
    /// Mini-batch size
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Epochs to train (ignored with --steps)
    #[arg(long, default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    epochs: usize,
    /// Exact number of steps to train
    #[arg(long)]
    steps: Option<usize>,
    /// Seed of the weights (fresh models), the shuffling and the noise
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Take the batches in data order instead of shuffling every epoch
    #[arg(long)]
    no_shuffle: bool,
    #[command(flatten)]
    data: DataArgs,
    /// Model file to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
struct EvalArgs {
    /// Model file to evaluate
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Args)]
struct ProbeArgs {
    /// Model file whose encoder gives the codes (repeat for several models)
    #[arg(long = "model", value_name = "FILE")]
    models: Vec<PathBuf>,
    /// Also fit the classifier on raw pixels
    #[arg(long)]
    pixels: bool,
    /// Labelled train digits per class to fit on, comma-separated; "all" for every one
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10,100,all",
        value_name = "N"
    )]
    labels_per_class: Vec<String>,
    /// Seed of the classifier's shuffling and of which digits are taken per class
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Built-in digits file made by the build (its train part fits, its test part scores)
    #[arg(long, value_name = "FILE", default_value = "data/digits.bin")]
    digits: PathBuf,
}

#[derive(Args)]
struct EncodeArgs {
    /// Model file whose encoder gives the codes
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Write the reconstructions (the decoded codes) instead of the codes
    #[arg(long)]
    reconstructions: bool,
    /// File to write, one row per sample: .npy (NumPy, float32) or .csv (text, each value
    /// written with the fewest digits that read back as the same float32)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
struct ExportArgs {
    /// Model file to read
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Encoder file to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Undercomplete,
    Sparse,
    Denoising,
    Contractive,
}

#[derive(Clone, Copy, ValueEnum)]
enum PairingArg {
    ImageLabel,
    Halves,
}

#[derive(Clone, Copy, ValueEnum)]
enum SplitArg {
    Train,
    Test,
}

#[derive(Clone, Copy, ValueEnum)]
enum ActivationArg {
    Sigmoid,
    Relu,
    Tanh,
    Identity,
}

#[derive(Clone, Copy, ValueEnum)]
enum InitArg {
    Glorot,
    He,
}

#[derive(Clone, Copy, ValueEnum)]
enum LossArg {
    Mse,
    Bce,
}

#[derive(Clone, Copy, ValueEnum)]
enum NoiseArg {
    Gaussian,
    Masking,
    SaltPepper,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerArg {
    Adam,
    Sgd,
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => run_train(&args),
        Command::Eval(args) => run_eval(&args),
        Command::ExportEncoder(args) => run_export(&args),
        Command::Encode(args) => run_encode(&args),
        Command::Probe(args) => run_probe(&args),
    };
    if let Err(message) = result {
        eprintln!("aelab: {message}");
        std::process::exit(1);
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The built-in digits file, whose default path is relative to the
/// repository: run from elsewhere, say where it is.
fn read_digits(path: &Path) -> Result<Digits, String> {
    let bytes = read(path).map_err(|e| {
        if path.is_relative() && !path.exists() {
            format!("{e} (the built-in digits: run aelab from the repository, after `npm run build`, or pass --digits with the file's path)")
        } else {
            e
        }
    })?;
    Digits::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Refuses, before any work, an `--out` that cannot be written: a folder, or
/// a file in a folder that does not exist.
fn check_out(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("--out {}: is a folder, not a file", path.display()));
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder.filter(|f| !f.is_dir()) {
        return Err(format!(
            "--out: the folder {} does not exist",
            folder.display()
        ));
    }
    Ok(())
}

/// Writes `bytes` to `path` through a new file beside it, renamed over
/// `path` once complete: a write that fails (a full disk, a size limit)
/// leaves no half-written file, and whatever `path` held stays as it was.
fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", path.display()))?
        .to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    let partial = path.with_file_name(name);
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| {
            std::fs::remove_file(&partial).ok();
            failed(e)
        })
}

fn read_model(path: &Path) -> Result<Autoencoder, String> {
    io::load(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// Images `[n, size]` of a data set, with their size, their labels (the
/// built-in digits have them) and a description.
struct Images {
    values: Vec<f32>,
    size: usize,
    labels: Option<Vec<u8>>,
    described: String,
}

impl Images {
    /// The inputs of a model: the images themselves, or, for a model of a
    /// built-in pairing, the paired modalities with `present` ones kept.
    fn inputs(&self, model: &Autoencoder, present: [bool; 2]) -> Result<Vec<f32>, String> {
        let Some(pairing) = Pairing::of(&model.config().modalities) else {
            if !model.config().modalities.is_empty() {
                return Err(
                    "this multimodal model's modalities are not a built-in pairing \
                    (image-label or halves), so aelab cannot build its inputs"
                        .into(),
                );
            }
            if self.size != model.input_size() {
                return Err(format!(
                    "the model takes {} values per sample, the data ({}) have {} per image",
                    model.input_size(),
                    self.described,
                    self.size
                ));
            }
            return Ok(self.values.clone());
        };
        if self.size != 784 {
            return Err(format!(
                "the {} pairing needs 28×28 images, these have {} values",
                pairing.name(),
                self.size
            ));
        }
        let labels = match (&self.labels, pairing) {
            (Some(labels), _) => labels.as_slice(),
            (None, Pairing::Halves) => &[],
            (None, Pairing::ImageLabel) => {
                return Err("the image-label pairing needs labels: use the built-in digits".into())
            }
        };
        pairing
            .join(&self.values, labels, 28, 28, present)
            .map_err(|e| e.to_string())
    }
}

/// Images from an IDX file or the built-in digits.
fn load_images(data: &DataArgs) -> Result<Images, String> {
    if let Some(path) = &data.images {
        let (values, rows, cols) =
            idx::read_images(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        let count = values.len() / (rows * cols);
        let described = format!("{count} images of {rows}×{cols} from {}", path.display());
        return Ok(Images {
            values,
            size: rows * cols,
            labels: None,
            described,
        });
    }
    let digits = read_digits(&data.digits)?;
    let split = match data.split.unwrap_or(SplitArg::Train) {
        SplitArg::Train => Split::Train,
        SplitArg::Test => Split::Test,
    };
    let name = if matches!(split, Split::Train) {
        "train"
    } else {
        "test"
    };
    Ok(Images {
        values: digits.images(split),
        size: digits.image_size(),
        labels: Some(digits.labels(split).to_vec()),
        described: format!("{} built-in {name} digits", digits.count(split)),
    })
}

fn fresh_model(args: &TrainArgs, input_size: usize) -> Result<Autoencoder, String> {
    let kind = match args.kind {
        KindArg::Undercomplete => Kind::Undercomplete,
        KindArg::Sparse => Kind::Sparse,
        KindArg::Denoising => Kind::Denoising,
        KindArg::Contractive => Kind::Contractive,
    };
    let options = PresetOptions {
        // A pairing's modalities set the input size.
        input_size: args.pairing.is_none().then_some(input_size),
        code_size: Some(args.code_size),
        hidden: Some(args.hidden.clone()),
        seed: Some(args.seed),
        weight: args.weight,
        target: args.target,
        // Set below for every kind; the denoising preset also takes it.
        corruption: noise(args).filter(|_| kind == Kind::Denoising),
        loss: Some(match args.loss {
            LossArg::Mse => Loss::Mse,
            LossArg::Bce => Loss::Bce,
        }),
        code_activation: args.activation.map(activation),
        modalities: args.pairing.map(|p| pairing(p).modalities(28, 28)),
        modality_dropout: args.modality_dropout,
    };
    let mut config = preset(kind, &options).map_err(|e| e.to_string())?;
    config.init = match args.init {
        InitArg::Glorot => Init::Glorot,
        InitArg::He => Init::He,
    };
    if let Some(weight) = args.l1 {
        config.objective.sparsity = Some(Sparsity::L1 { weight });
    }
    if let Some(weight) = args.contraction {
        config.objective.contraction = Some(Contraction { weight });
    }
    if let Some(noise) = noise(args) {
        config.objective.corruption = Some(noise);
    }
    Autoencoder::new(config).map_err(|e| e.to_string())
}

/// The corruption the options ask for: --noise at --noise-level, or the
/// denoising kind's masking at --noise-level.
fn noise(args: &TrainArgs) -> Option<Corruption> {
    let level = args.noise_level.unwrap_or(0.3);
    match (args.noise, args.kind) {
        (Some(noise), _) => Some(corruption(noise, level)),
        (None, KindArg::Denoising) => Some(Corruption::Masking { level }),
        (None, _) => None,
    }
}

/// Refuses options that the rest of the command would silently ignore.
fn check_options(args: &TrainArgs) -> Result<(), String> {
    let kind = args.kind;
    let unused = |option: &str, reason: &str| Err(format!("{option} {reason}"));
    if args.from.is_some() {
        return Ok(());
    }
    if args.noise_level.is_some() && args.noise.is_none() && !matches!(kind, KindArg::Denoising) {
        return unused("--noise-level", "needs --noise or --kind denoising");
    }
    if args.weight.is_some() && !matches!(kind, KindArg::Sparse | KindArg::Contractive) {
        return unused(
            "--weight",
            "applies to --kind sparse or contractive (see also --l1, --contraction)",
        );
    }
    if args.target.is_some() && !matches!(kind, KindArg::Sparse) {
        return unused("--target", "applies to --kind sparse");
    }
    if args.modality_dropout.is_some() && args.pairing.is_none() {
        return unused("--modality-dropout", "needs --pairing");
    }
    Ok(())
}

fn pairing(arg: PairingArg) -> Pairing {
    match arg {
        PairingArg::ImageLabel => Pairing::ImageLabel,
        PairingArg::Halves => Pairing::Halves,
    }
}

fn corruption(noise: NoiseArg, level: f64) -> Corruption {
    match noise {
        NoiseArg::Gaussian => Corruption::Gaussian { level },
        NoiseArg::Masking => Corruption::Masking { level },
        NoiseArg::SaltPepper => Corruption::SaltPepper { level },
    }
}

fn activation(arg: ActivationArg) -> Activation {
    match arg {
        ActivationArg::Sigmoid => Activation::Sigmoid,
        ActivationArg::Relu => Activation::Relu,
        ActivationArg::Tanh => Activation::Tanh,
        ActivationArg::Identity => Activation::Identity,
    }
}

fn train_config(args: &TrainArgs) -> TrainConfig {
    let optimizer = match args.optimizer {
        OptimizerArg::Adam => OptimizerConfig::Adam {
            learning_rate: args.lr.unwrap_or(3e-3),
            beta1: args.beta1,
            beta2: args.beta2,
            epsilon: args.epsilon,
            weight_decay: args.weight_decay,
        },
        OptimizerArg::Sgd => OptimizerConfig::Sgd {
            learning_rate: args.lr.unwrap_or(0.1),
            momentum: args.momentum,
            weight_decay: args.weight_decay,
        },
    };
    TrainConfig {
        optimizer,
        batch_size: args.batch_size,
        seed: args.seed,
        shuffle: !args.no_shuffle,
    }
}

fn run_train(args: &TrainArgs) -> Result<(), String> {
    check_options(args)?;
    if args.data.images.is_some() && args.data.split.is_some() {
        return Err("--split applies to the built-in digits, not to --images".into());
    }
    check_out(&args.out)?;
    if args.pairing.is_some() && args.data.images.is_some() {
        return Err(
            "--pairing trains on the built-in digits (it needs their labels), \
            not on --images"
                .into(),
        );
    }
    let images = load_images(&args.data)?;
    let model = match &args.from {
        Some(path) => read_model(path)?,
        None => fresh_model(args, images.size)?,
    };
    eprintln!("training on {}\n{model}", images.described);
    let inputs = images.inputs(&model, [true, true])?;

    let mut trainer =
        Trainer::new(model, &inputs, train_config(args)).map_err(|e| e.to_string())?;
    let total = args
        .steps
        .unwrap_or(args.epochs * trainer.steps_per_epoch());
    let chunk = (trainer.steps_per_epoch() / 20).max(1);
    // Redraw the bar in place on a terminal; into a file, write the end only.
    let terminal = std::io::stderr().is_terminal();
    let start = Instant::now();
    while (trainer.step_count() as usize) < total {
        let steps = chunk.min(total - trainer.step_count() as usize);
        let report = trainer.step(steps).map_err(|e| e.to_string())?;
        let rate = report.step as f64 * args.batch_size as f64 / start.elapsed().as_secs_f64();
        if terminal || report.step as usize == total {
            draw_progress(report.step as usize, total, &report.losses, rate);
        }
    }
    eprintln!();

    write(&args.out, &io::save(trainer.model()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// One line, redrawn in place:
/// `[#####     ] 120/500  loss 0.0213 (0.0201 + 0.0012)  41233 examples/s`.
fn draw_progress(done: usize, total: usize, losses: &autoencoder_lab::objective::Parts, rate: f64) {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let bar: String = "#".repeat(filled) + &" ".repeat(width - filled);
    eprint!(
        "\r[{bar}] {done}/{total}  loss {:.4} ({:.4} + {:.4})  {:.0} examples/s ",
        losses.total(),
        losses.reconstruction,
        losses.penalty,
        rate
    );
    std::io::stderr().flush().ok();
}

fn run_eval(args: &EvalArgs) -> Result<(), String> {
    let model = read_model(&args.model)?;
    let images = load_images(&args.data)?;
    let inputs = images.inputs(&model, [true, true])?;
    let view =
        Autoencoder::batch_view("eval", &inputs, model.input_size()).map_err(|e| e.to_string())?;
    let codes = model.encode(view).map_err(|e| e.to_string())?;
    let mean_code = codes.iter().map(|&h| h as f64).sum::<f64>() / codes.len() as f64;

    let mut report = format!("data: {}\n", images.described);
    if model.config().is_encoder_only() {
        report += "encoder only: no reconstruction loss\n";
    } else {
        let parts = train::evaluate_dataset(&model, &inputs).map_err(|e| e.to_string())?;
        report += &format!("loss: {:.6}\n", parts.total());
        report += &format!("reconstruction: {:.6}\n", parts.reconstruction);
        report += &format!("penalty: {:.6}\n", parts.penalty);
        if !model.config().modalities.is_empty() {
            report += &rebuilt_modalities(&model, &images, &inputs)?;
        }
    }
    report += &format!("mean code: {mean_code:.6}\n");
    let per_unit = codes.mean_axis(ndarray::Axis(0)).expect("non-empty");
    let units: Vec<String> = per_unit.iter().map(|h| format!("{h:.3}")).collect();
    report += &format!("mean code per unit: {}\n", units.join(" "));
    print(&report)
}

/// How well each modality is rebuilt from the other alone: its error against
/// the error of its mean over the data, and for a label, the share right.
fn rebuilt_modalities(
    model: &Autoencoder,
    images: &Images,
    whole: &[f32],
) -> Result<String, String> {
    let width = model.input_size();
    let count = whole.len() / width;
    let mut report = String::new();
    let modalities = model.modalities();
    // Built-in pairings only (`Images::inputs` refuses others), so two modalities:
    // the one rebuilt and the other, which alone is given.
    for (m, (name, range)) in modalities.iter().enumerate() {
        let present = [m != 0, m != 1];
        let others: Vec<&str> = modalities
            .iter()
            .filter(|(other, _)| other != name)
            .map(|(other, _)| *other)
            .collect();
        let inputs = images.inputs(model, present)?;
        let view = Autoencoder::batch_view("eval", &inputs, width).map_err(|e| e.to_string())?;
        let out = model.reconstruct(view).map_err(|e| e.to_string())?;
        let truth = ndarray::ArrayView2::from_shape((count, width), whole).expect("whole rows");
        let truth = truth.slice(ndarray::s![.., range.clone()]);
        let out = out.slice(ndarray::s![.., range.clone()]);
        let label = model.config().blocks()[m].loss == Loss::CrossEntropy;
        if label {
            let right = out
                .rows()
                .into_iter()
                .zip(truth.rows())
                .filter(|(o, t)| argmax(o.iter()) == argmax(t.iter()))
                .count();
            report += &format!(
                "{name} rebuilt from {} alone: right on {:.1}%\n",
                others.join(" and "),
                100.0 * right as f64 / count as f64
            );
        } else {
            let mean = truth.mean_axis(ndarray::Axis(0)).expect("non-empty");
            let error = (&out - &truth)
                .mapv(|v| (v as f64).powi(2))
                .mean()
                .unwrap_or(0.0);
            let baseline = (&truth - &mean)
                .mapv(|v| (v as f64).powi(2))
                .mean()
                .unwrap_or(0.0);
            report += &format!(
                "{name} rebuilt from {} alone: MSE {error:.6} (its mean over the data: {baseline:.6})\n",
                others.join(" and ")
            );
        }
    }
    Ok(report)
}

/// Test accuracy of a linear classifier on each model's codes (and on raw
/// pixels), fitted on some or all labelled train digits.
fn run_probe(args: &ProbeArgs) -> Result<(), String> {
    if args.models.is_empty() && !args.pixels {
        return Err("give at least one --model, or --pixels".into());
    }
    let mut counts = Vec::new();
    for text in &args.labels_per_class {
        counts.push(match text.as_str() {
            "all" => None,
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    return Err(format!(
                        "--labels-per-class: '{n}' is not a positive whole number or 'all'"
                    ))
                }
            },
        });
    }
    let data = |split| DataArgs {
        images: None,
        digits: args.digits.clone(),
        split: Some(split),
    };
    let train = load_images(&data(SplitArg::Train))?;
    let test = load_images(&data(SplitArg::Test))?;
    let (train_labels, test_labels) = (
        train
            .labels
            .as_deref()
            .expect("built-in digits have labels"),
        test.labels.as_deref().expect("built-in digits have labels"),
    );

    // Features of each row of the table: (name, train, test, width).
    let mut rows: Vec<(String, Vec<f32>, Vec<f32>, usize)> = Vec::new();
    for path in &args.models {
        let model = read_model(path)?;
        // A label modality stays missing: the codes must come from the image.
        let codes = |images: &Images| -> Result<Vec<f32>, String> {
            let inputs = images.inputs(
                &model,
                [
                    true,
                    Pairing::of(&model.config().modalities) != Some(Pairing::ImageLabel),
                ],
            )?;
            let view = Autoencoder::batch_view("probe", &inputs, model.input_size())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let codes = model
                .encode(view)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(codes.into_raw_vec_and_offset().0)
        };
        rows.push((
            path.display().to_string(),
            codes(&train)?,
            codes(&test)?,
            model.code_size(),
        ));
    }
    if args.pixels {
        rows.push((
            "pixels".into(),
            train.values.clone(),
            test.values.clone(),
            train.size,
        ));
    }

    let config = ProbeConfig {
        seed: args.seed,
        ..ProbeConfig::default()
    };
    let mut per_label = [0usize; 256];
    train_labels
        .iter()
        .for_each(|&l| per_label[l as usize] += 1);
    let fewest = per_label[..CLASSES].iter().copied().min().unwrap_or(0);
    let header: Vec<String> = counts
        .iter()
        .map(|c| match c {
            Some(n) if *n > fewest => format!("{n} per class (or all a class has)"),
            Some(n) => format!("{n} per class"),
            None => format!("all {}", train_labels.len()),
        })
        .collect();
    let mut table = format!(
        "test accuracy on {} of a linear classifier fitted on labelled {}:\n| features | width | {} |\n|---|---|{}\n",
        test.described,
        train.described,
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for (name, train_x, test_x, width) in &rows {
        let mut cells = Vec::new();
        for &per_class in &counts {
            let accuracy = probe_accuracy(
                (train_x, train_labels),
                (test_x, test_labels),
                *width,
                CLASSES,
                per_class,
                &config,
            )
            .map_err(|e| format!("{name}: {e}"))?;
            cells.push(format!("{:.1}%", 100.0 * accuracy));
        }
        table += &format!("| {name} | {width} | {} |\n", cells.join(" | "));
    }
    print(&table)
}

/// Writes to standard output; a reader that stopped early (`aelab eval | head`)
/// ends the program quietly instead of in a panic.
fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(|e| format!("standard output: {e}")),
    }
}

fn run_export(args: &ExportArgs) -> Result<(), String> {
    let model = read_model(&args.model)?;
    let encoder = model.encoder_only();
    write(&args.out, &io::save(&encoder))?;
    let layers: Vec<String> = encoder
        .config()
        .encoder
        .iter()
        .map(|l: &LayerSpec| l.units.to_string())
        .collect();
    print(&format!(
        "wrote the encoder ({} → {}) to {}\n",
        model.input_size(),
        layers.join(" → "),
        args.out.display()
    ))
}

/// Codes (or reconstructions) of every sample of a data set, computed as the
/// package computes them, to an .npy file that NumPy reads with `np.load`, or
/// to CSV text.
fn run_encode(args: &EncodeArgs) -> Result<(), String> {
    let format: fn(&ndarray::Array2<f32>) -> Vec<u8> = match args
        .out
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("npy") => npy,
        Some("csv") => csv,
        _ => {
            return Err(format!(
                "--out {}: name a .npy file (NumPy, float32) or a .csv file (text)",
                args.out.display()
            ))
        }
    };
    check_out(&args.out)?;
    let model = read_model(&args.model)?;
    if args.reconstructions && model.config().is_encoder_only() {
        return Err(format!(
            "--reconstructions: {} is an exported encoder, without a decoder",
            args.model.display()
        ));
    }
    let same = |a: &Path, b: &Path| {
        a.canonicalize()
            .ok()
            .is_some_and(|a| Some(a) == b.canonicalize().ok())
    };
    if same(&args.out, &args.model) {
        return Err(format!(
            "--out {} is the model file: codes would replace the model",
            args.out.display()
        ));
    }
    let images = load_images(&args.data)?;
    let inputs = images.inputs(&model, [true, true])?;
    let view = Autoencoder::batch_view("encode", &inputs, model.input_size())
        .map_err(|e| e.to_string())?;
    let values = if args.reconstructions {
        model.reconstruct(view)
    } else {
        model.encode(view)
    }
    .map_err(|e| e.to_string())?;
    write(&args.out, &format(&values))?;
    let (rows, columns) = values.dim();
    let what = if args.reconstructions {
        "reconstructions"
    } else {
        "codes"
    };
    print(&format!(
        "wrote {rows} {what} of {columns} values ({}) to {}\n",
        images.described,
        args.out.display()
    ))
}

/// CSV text of a matrix: a line per row, its values separated by commas, each
/// with the fewest digits that read back as the same float32 (Rust's `{}`).
fn csv(values: &ndarray::Array2<f32>) -> Vec<u8> {
    let mut text = String::with_capacity(values.len() * 12);
    for row in values.rows() {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&value.to_string());
        }
        text.push('\n');
    }
    text.into_bytes()
}

/// A NumPy .npy file (format 1.0) of a float32 matrix: the magic string,
/// the header's length, a header that describes the array, padded with
/// spaces to a multiple of 64 bytes, then the values little-endian, row
/// after row.
fn npy(values: &ndarray::Array2<f32>) -> Vec<u8> {
    let (rows, columns) = values.dim();
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    bytes
}
