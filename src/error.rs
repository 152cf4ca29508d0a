//! The one error type of the crate. Each variant names the operation and what
//! was wrong with it, so that a message shown to a person can say what to fix.

use std::fmt;

/// Everything that can go wrong in the core, from a bad config to a bad file.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A configuration field has a value the library cannot use.
    Config { field: String, reason: String },
    /// A function argument is out of its range.
    Argument {
        op: &'static str,
        name: &'static str,
        reason: String,
    },
    /// An input has the wrong length or shape for the operation.
    Shape {
        op: &'static str,
        expected: String,
        actual: String,
    },
    /// An input holds NaN or an infinity.
    NonFiniteInput { op: &'static str, index: usize },
    /// A sum inside the model passed the range of f32 (about ±3.4e38), in
    /// layer `layer` (counted from 0 over encoder and decoder).
    Overflow { op: &'static str, layer: usize },
    /// Training produced a loss or gradient that is not finite, or a gradient
    /// too large to apply; the trainer is as it was before that step.
    NonFiniteLoss { step: u64, loss: f64 },
    /// A model file cannot be read.
    ModelFile(String),
    /// A data file cannot be read.
    DataFile(String),
}

// The constructors, and the helpers of io.rs and config_json.rs that build
// errors, are kept out of line (`#[cold]`): a failure is rare, and copies
// inlined at every check made the inference build's download 1.8 KB larger.
impl Error {
    #[cold]
    #[inline(never)]
    pub(crate) fn config(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn argument(op: &'static str, name: &'static str, reason: String) -> Error {
        Error::Argument { op, name, reason }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn shape(op: &'static str, expected: impl Into<String>, actual: usize) -> Error {
        Error::Shape {
            op,
            expected: expected.into(),
            actual: actual.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { field, reason } => write!(f, "invalid config: `{field}` {reason}"),
            Error::Argument { op, name, reason } => write!(f, "{op}: `{name}` {reason}"),
            Error::Shape {
                op,
                expected,
                actual,
            } => write!(f, "{op}: expected {expected}, got {actual}"),
            Error::NonFiniteInput { op, index } => {
                write!(f, "{op}: input value at index {index} is NaN or infinite")
            }
            Error::Overflow { op, layer } => write!(
                f,
                "{op}: the values overflowed in layer {} (a sum passed ±3.4e38): the input or \
                 the model's weights are far too large",
                layer + 1
            ),
            Error::NonFiniteLoss { step, loss } => write!(
                f,
                "training stopped at step {step}: the loss ({loss}) or its gradient is not \
                 finite, or too large to apply; the weights are kept from before that step (try a smaller learning rate, \
                 and check that the data are of ordinary size)"
            ),
            Error::ModelFile(reason) => write!(f, "cannot read model file: {reason}"),
            Error::DataFile(reason) => write!(f, "cannot read data file: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that every value is finite, naming the first bad index.
pub(crate) fn check_finite(op: &'static str, values: &[f32]) -> Result<(), Error> {
    if all_finite(values) {
        return Ok(());
    }
    let index = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
    Err(Error::NonFiniteInput { op, index })
}

/// Whether every value is finite: the largest magnitude's bits lie below
/// those of infinity (NaN's lie above). An integer maximum vectorises, where
/// a search for the first bad value goes value by value.
pub(crate) fn all_finite(values: &[f32]) -> bool {
    all_below(values, f32::INFINITY)
}

/// Whether every value's magnitude is below `bound` (positive; NaN never is):
/// for positive floats the order of the bits is the order of the values.
pub(crate) fn all_below(values: &[f32], bound: f32) -> bool {
    let largest = values
        .iter()
        .fold(0u32, |most, v| most.max(v.to_bits() & 0x7fff_ffff));
    largest < bound.to_bits()
}
