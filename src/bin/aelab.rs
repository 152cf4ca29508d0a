//! `aelab`: train, evaluate and export autoencoders from the command line,
//! with the same library, model files and digits as the browser.

use autoencoder_lab::config::{Contraction, Corruption, Init, LayerSpec, Loss, Sparsity};
use autoencoder_lab::data::{Digits, Split};
use autoencoder_lab::optim::OptimizerConfig;
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
    /// Start from this model file: its architecture and objective are kept, and the model
    /// options above (--kind to --noise-level) are ignored
    #[arg(long, value_name = "FILE")]
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
    };
    if let Err(message) = result {
        eprintln!("aelab: {message}");
        std::process::exit(1);
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_model(path: &Path) -> Result<Autoencoder, String> {
    io::load(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// Images `[n, size]` of a data set, with their size and a description.
struct Images {
    values: Vec<f32>,
    size: usize,
    described: String,
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
            described,
        });
    }
    let digits = Digits::parse(&read(&data.digits)?)
        .map_err(|e| format!("{}: {e}", data.digits.display()))?;
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
        input_size: Some(input_size),
        code_size: Some(args.code_size),
        hidden: Some(args.hidden.clone()),
        seed: Some(args.seed),
        weight: args.weight,
        target: args.target,
        corruption: noise(args),
        loss: Some(match args.loss {
            LossArg::Mse => Loss::Mse,
            LossArg::Bce => Loss::Bce,
        }),
        code_activation: args.activation.map(activation),
        ..Default::default()
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
    Ok(())
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
    let folder = args.out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder.filter(|f| !f.is_dir()) {
        return Err(format!(
            "--out: the folder {} does not exist",
            folder.display()
        ));
    }
    let images = load_images(&args.data)?;
    let model = match &args.from {
        Some(path) => read_model(path)?,
        None => fresh_model(args, images.size)?,
    };
    eprintln!("training on {}\n{model}", images.described);

    let mut trainer =
        Trainer::new(model, &images.values, train_config(args)).map_err(|e| e.to_string())?;
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
    let view = Autoencoder::batch_view("eval", &images.values, model.input_size())
        .map_err(|e| e.to_string())?;
    let codes = model.encode(view);
    let mean_code = codes.iter().map(|&h| h as f64).sum::<f64>() / codes.len() as f64;

    let mut report = format!("data: {}\n", images.described);
    if model.config().is_encoder_only() {
        report += "encoder only: no reconstruction loss\n";
    } else {
        let parts = train::evaluate_dataset(&model, &images.values).map_err(|e| e.to_string())?;
        report += &format!("loss: {:.6}\n", parts.total());
        report += &format!("reconstruction: {:.6}\n", parts.reconstruction);
        report += &format!("penalty: {:.6}\n", parts.penalty);
    }
    report += &format!("mean code: {mean_code:.6}\n");
    let per_unit = codes.mean_axis(ndarray::Axis(0)).expect("non-empty");
    let units: Vec<String> = per_unit.iter().map(|h| format!("{h:.3}")).collect();
    report += &format!("mean code per unit: {}\n", units.join(" "));
    print(&report)
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
