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
        name: String,
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
    /// A model without a decoder (an exported encoder) was asked for more
    /// than its codes.
    EncoderOnly { op: &'static str },
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
    pub(crate) fn argument(op: &'static str, name: impl Into<String>, reason: String) -> Error {
        Error::Argument {
            op,
            name: name.into(),
            reason,
        }
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

    /// A result of `rows × width` values too large for memory (asked of
    /// wasm's allocator, it would end the module for good).
    #[cold]
    #[inline(never)]
    pub(crate) fn too_many_rows(op: &'static str, rows: usize, width: usize) -> Error {
        let expected =
            format!("fewer rows (the result, {rows} × {width} values, does not fit in memory)");
        Error::shape(op, expected, rows)
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
            Error::EncoderOnly { op } => write!(
                f,
                "{op}: this model is an exported encoder, without a decoder: it can encode, \
                 but not decode, reconstruct, evaluate or train"
            ),
            Error::NonFiniteLoss { step, loss } => write!(
                f,
                "training stopped at step {step}: the loss ({}) or its gradient is not \
                 finite, or too large to apply; the weights are kept from before that step \
                 (try a smaller learning rate, and check that the data are of ordinary size)",
                Number(*loss)
            ),
            Error::ModelFile(reason) => write!(f, "cannot read model file: {reason}"),
            Error::DataFile(reason) => write!(f, "cannot read data file: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

/// A number as a message shows it: as a JS user writes it, `Infinity`,
/// `-Infinity`, `NaN`, `1e300`, `1.5e-7`, `0.001`, `0` (also for −0), where
/// Rust's `{}` gives `inf` and all 301 digits of 1e300. Like JS, the
/// exponent form is for magnitudes from 1e21 up and below 1e-6, with the
/// shortest digits that read back as the same number (JS's `1e+300` drops
/// its `+`). An `f32` keeps its own shortest digits: 3e38, not the
/// 3.0000000054977558e38 it widens to.
pub(crate) struct Number<T>(pub T);

impl<T: Into<f64> + fmt::Display + Copy> fmt::Display for Number<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x: f64 = self.0.into();
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        }
        if x == 0.0 {
            return f.write_str("0");
        }
        write_shortest(self.0, f)
    }
}

/// A finite nonzero number with its shortest digits, as JS writes it: by
/// JS itself in wasm, which keeps Rust's float formatting (about 20 KB of
/// code and tables) out of the inference build; f32 values (four bytes)
/// take the fewest digits that read back as the same f32.
#[cfg(target_arch = "wasm32")]
fn write_shortest<T: Into<f64> + Copy>(value: T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let x: f64 = value.into();
    let shortest = if std::mem::size_of::<T>() == 4 {
        shortest_f32(x as f32)
    } else {
        x
    };
    // JS writes 1e+300; ours drops the `+`.
    for part in js::string(shortest).split('+') {
        f.write_str(part)?;
    }
    Ok(())
}

/// The number with the fewest significant digits that reads back as `x` in
/// float32. At each count of digits: the decimal nearest to `x`, else its
/// neighbour on `x`'s other side, which may be the one inside `x`'s
/// rounding interval (at a power of two the interval's lower half is half
/// as wide as its upper: 2⁸⁷ is 1.5474251e26, not the nearer 1.5474250e26).
#[cfg(target_arch = "wasm32")]
fn shortest_f32(x: f32) -> f64 {
    let wide = f64::from(x).abs();
    for digits in 1..=9 {
        let nearest = js::to_exponential(wide, digits - 1);
        let back = js::number(&nearest.as_str().into());
        if back as f32 == x.abs() {
            return back.copysign(f64::from(x));
        }
        // "d.ddde±n": the digits as a whole number, then the exponent.
        let Some((mantissa, exponent)) = nearest.split_once('e') else {
            continue;
        };
        let whole: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let (Ok(whole), Ok(exponent)) = (whole.parse::<u64>(), exponent.parse::<i32>()) else {
            continue;
        };
        let neighbour = if back < wide { whole + 1 } else { whole - 1 };
        let text = format!("{neighbour}e{}", exponent - (digits as i32 - 1));
        let back = js::number(&text.as_str().into());
        if back as f32 == x.abs() {
            return back.copysign(f64::from(x));
        }
    }
    f64::from(x)
}

/// The JS built-ins that write and read numbers.
#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `x.toExponential(fraction)`: `fraction + 1` significant digits.
        #[wasm_bindgen(js_namespace = Number, js_name = "prototype.toExponential.call")]
        pub fn to_exponential(x: f64, fraction: u32) -> String;
        /// `Number(text)`.
        #[wasm_bindgen(js_name = Number)]
        pub fn number(text: &JsValue) -> f64;
        /// `String(x)`.
        #[wasm_bindgen(js_name = String)]
        pub fn string(x: f64) -> String;
    }
}

/// A finite nonzero number with its shortest digits, as JS writes it, from
/// Rust's `{}`, rearranged in exponent form outside `[1e-6, 1e21)`.
#[cfg(not(target_arch = "wasm32"))]
fn write_shortest<T: Into<f64> + fmt::Display + Copy>(
    value: T,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    // Ranged by the shortest digits' value: an f32 of 1e-6 widens to
    // 9.99999997e-7, yet is written 0.000001, as JS writes 1e-6.
    let x: f64 = value.to_string().parse().unwrap_or_else(|_| value.into());
    if (1e-6..1e21).contains(&x.abs()) {
        return write!(f, "{value}");
    }
    // `{}` writes the shortest digits padded with zeros: 1e300 is a 1 and
    // 300 zeros, 1.5e-7 is 0.00000015.
    let decimal = value.to_string();
    let text = decimal.as_bytes();
    let point = text.iter().position(|&b| b == b'.').unwrap_or(text.len());
    let significant = |b: &u8| (b'1'..=b'9').contains(b);
    let first = text.iter().position(significant).unwrap_or(0);
    let last = text.iter().rposition(significant).unwrap_or(0);
    if x < 0.0 {
        f.write_str("-")?;
    }
    let digits = text[first..=last].iter().filter(|&&b| b != b'.');
    for (i, &digit) in digits.enumerate() {
        if i == 1 {
            f.write_str(".")?;
        }
        fmt::Write::write_char(f, char::from(digit))?;
    }
    if first < point {
        write!(f, "e{}", point - first - 1)
    } else {
        write!(f, "e-{}", first - point)
    }
}

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

#[cfg(test)]
mod tests {
    use super::Number;

    #[test]
    fn numbers_read_as_a_js_user_writes_them() {
        let cases = [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (0.0, "0"),
            (-0.0, "0"),
            (5.0, "5"),
            (-1.0, "-1"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1e-6, "0.000001"),
            (123456789.0, "123456789"),
            (1e20, "100000000000000000000"),
            (1e21, "1e21"),
            (1e300, "1e300"),
            (-1.5e300, "-1.5e300"),
            (1.7976931348623157e308, "1.7976931348623157e308"),
            (1.5e-7, "1.5e-7"),
            (-1e-7, "-1e-7"),
            (5e-324, "5e-324"),
            (f64::from(0.1f32), "0.10000000149011612"),
            (f64::from(f32::MAX), "3.4028234663852886e38"),
        ];
        for (value, expected) in cases {
            assert_eq!(Number(value).to_string(), expected, "{value:?}");
        }
        let cases = [
            (f32::MAX, "3.4028235e38"),
            (3e38, "3e38"),
            (-2.5, "-2.5"),
            (f32::NEG_INFINITY, "-Infinity"),
            (1e-7, "1e-7"),
            // Its own shortest digits decide the form, not the f64 it widens to.
            (1e-6, "0.000001"),
            (-1e-6, "-0.000001"),
            (2f32.powi(87), "1.5474251e26"),
            (f32::from_bits(1), "1e-45"),
        ];
        for (value, expected) in cases {
            assert_eq!(Number(value).to_string(), expected, "{value:?}");
        }
    }
}
