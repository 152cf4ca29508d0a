//! The built-in multimodal pairings of the digits, and how a sample's
//! modalities are laid side by side in one input vector.
//!
//! A multimodal model is an ordinary [`Autoencoder`] whose config lists
//! [`Modality`] blocks (see there for how the heads share one code). A
//! missing modality is all zeros; [`Pairing::join`] builds such inputs.
//!
//! [`Autoencoder`]: crate::model::Autoencoder

use crate::config::{Loss, Modality};
use crate::error::Error;

/// Number of label classes of the digits.
pub const CLASSES: usize = 10;

/// A way to see a digit as two modalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// The image (784 values) and its label, one-hot (10 values).
    ImageLabel,
    /// The left and right halves of the image (28 × 14 values each).
    Halves,
}

impl Pairing {
    pub const ALL: [Pairing; 2] = [Pairing::ImageLabel, Pairing::Halves];

    pub fn name(self) -> &'static str {
        match self {
            Pairing::ImageLabel => "image-label",
            Pairing::Halves => "halves",
        }
    }

    pub fn parse(name: &str) -> Result<Pairing, Error> {
        Pairing::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                Error::config(
                    "pairing",
                    format!("must be 'image-label' or 'halves', got '{name}'"),
                )
            })
    }

    /// The pairing a model was made for, recognised by its modalities' names
    /// and sizes; `None` for any other model.
    pub fn of(modalities: &[Modality]) -> Option<Pairing> {
        let shape: Vec<(&str, usize)> = modalities
            .iter()
            .map(|m| (m.name.as_str(), m.size))
            .collect();
        Pairing::ALL.into_iter().find(|p| {
            p.modalities(28, 28)
                .iter()
                .map(|m| (m.name.as_str(), m.size))
                .eq(shape.iter().copied())
        })
    }

    /// The modalities of images of `rows × cols`: mse for pixels,
    /// cross-entropy for the label.
    pub fn modalities(self, rows: usize, cols: usize) -> Vec<Modality> {
        let modality = |name: &str, size, loss| Modality {
            name: name.to_string(),
            size,
            loss: Some(loss),
            weight: None,
        };
        match self {
            Pairing::ImageLabel => vec![
                modality("image", rows * cols, Loss::Mse),
                modality("label", CLASSES, Loss::CrossEntropy),
            ],
            Pairing::Halves => vec![
                modality("left", rows * (cols / 2), Loss::Mse),
                modality("right", rows * (cols - cols / 2), Loss::Mse),
            ],
        }
    }

    /// Inputs `[n, size]` for images `[n, rows·cols]` and their labels (one
    /// per image; the halves need none), with each modality present or zero
    /// as `present` says (one flag per modality).
    pub fn join(
        self,
        images: &[f32],
        labels: &[u8],
        rows: usize,
        cols: usize,
        present: [bool; 2],
    ) -> Result<Vec<f32>, Error> {
        let image_size = rows * cols;
        if image_size == 0 || images.is_empty() || images.len() % image_size != 0 {
            let wanted = format!("a non-empty multiple of {rows}×{cols} values");
            return Err(Error::shape("join modalities", wanted, images.len()));
        }
        let count = images.len() / image_size;
        if self == Pairing::ImageLabel {
            if labels.len() != count {
                let wanted = format!("{count} labels, one per image");
                return Err(Error::shape("join modalities", wanted, labels.len()));
            }
            if let Some(i) = labels.iter().position(|&l| l as usize >= CLASSES) {
                let reason = format!("is {}, not a digit from 0 to 9", labels[i]);
                return Err(Error::argument(
                    "join modalities",
                    format!("labels[{i}]"),
                    reason,
                ));
            }
        }
        let width = self
            .modalities(rows, cols)
            .iter()
            .map(|m| m.size)
            .sum::<usize>();
        let mut joined = vec![0.0; count * width];
        for (i, (out, image)) in joined
            .chunks_exact_mut(width)
            .zip(images.chunks_exact(image_size))
            .enumerate()
        {
            match self {
                Pairing::ImageLabel => {
                    if present[0] {
                        out[..image_size].copy_from_slice(image);
                    }
                    if present[1] {
                        out[image_size + labels[i] as usize] = 1.0;
                    }
                }
                Pairing::Halves => {
                    let (left, right) = out.split_at_mut(rows * (cols / 2));
                    let half = cols / 2;
                    for (r, row) in image.chunks_exact(cols).enumerate() {
                        if present[0] {
                            left[r * half..(r + 1) * half].copy_from_slice(&row[..half]);
                        }
                        if present[1] {
                            let other = cols - half;
                            right[r * other..(r + 1) * other].copy_from_slice(&row[half..]);
                        }
                    }
                }
            }
        }
        Ok(joined)
    }

    /// The image of each sample of a joined `[n, size]` output: the image
    /// block, or the two halves put back side by side.
    pub fn image_of(self, joined: &[f32], rows: usize, cols: usize) -> Result<Vec<f32>, Error> {
        let width = self
            .modalities(rows, cols)
            .iter()
            .map(|m| m.size)
            .sum::<usize>();
        if width == 0 || joined.is_empty() || joined.len() % width != 0 {
            let wanted = format!("a non-empty multiple of {width} values");
            return Err(Error::shape("image of", wanted, joined.len()));
        }
        let mut images = Vec::with_capacity(joined.len() / width * rows * cols);
        for sample in joined.chunks_exact(width) {
            match self {
                Pairing::ImageLabel => images.extend_from_slice(&sample[..rows * cols]),
                Pairing::Halves => {
                    let half = cols / 2;
                    let other = cols - half;
                    let (left, right) = sample.split_at(rows * half);
                    for r in 0..rows {
                        images.extend_from_slice(&left[r * half..(r + 1) * half]);
                        images.extend_from_slice(&right[r * other..(r + 1) * other]);
                    }
                }
            }
        }
        Ok(images)
    }
}

/// Each sample, with probability `p`, keeps only one of its modalities
/// (chosen uniformly from the blocks' ranges) and has the others set to zero.
pub fn drop_modalities(
    values: &mut [f32],
    width: usize,
    blocks: &[std::ops::Range<usize>],
    p: f64,
    rng: &mut crate::rng::Rng,
) {
    for sample in values.chunks_exact_mut(width) {
        if rng.uniform() as f64 >= p {
            continue;
        }
        let keep = rng.below(blocks.len());
        for (b, range) in blocks.iter().enumerate() {
            if b != keep {
                sample[range.clone()].fill(0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn halves_split_each_row_and_join_back() {
        // A 2 × 4 image: rows [0 1 2 3] and [4 5 6 7].
        let image: Vec<f32> = (0..8).map(|v| v as f32).collect();
        let joined = Pairing::Halves
            .join(&image, &[], 2, 4, [true, true])
            .unwrap();
        assert_eq!(joined, [0.0, 1.0, 4.0, 5.0, 2.0, 3.0, 6.0, 7.0]);
        assert_eq!(Pairing::Halves.image_of(&joined, 2, 4).unwrap(), image);
        let left_only = Pairing::Halves
            .join(&image, &[], 2, 4, [true, false])
            .unwrap();
        assert_eq!(left_only, [0.0, 1.0, 4.0, 5.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn image_and_label_join_as_pixels_then_one_hot() {
        let images = [0.5f32; 2 * 784];
        let joined = Pairing::ImageLabel
            .join(&images, &[3, 9], 28, 28, [false, true])
            .unwrap();
        assert_eq!(joined.len(), 2 * 794);
        assert!(joined[..784].iter().all(|&v| v == 0.0));
        let label: Vec<f32> = joined[784..794].to_vec();
        assert_eq!(label, [0., 0., 0., 1., 0., 0., 0., 0., 0., 0.]);
        assert_eq!(joined[794 + 784 + 9], 1.0);
        let modalities = Pairing::ImageLabel.modalities(28, 28);
        assert_eq!(Pairing::of(&modalities), Some(Pairing::ImageLabel));
        assert_eq!(Pairing::of(&modalities[..1]), None);

        let join = |images: &[f32], labels: &[u8]| {
            Pairing::ImageLabel.join(images, labels, 28, 28, [true, true])
        };
        assert!(join(&images, &[3]).is_err());
        assert!(join(&images, &[3, 10]).is_err());
        assert!(join(&images[..700], &[3]).is_err());
        assert!(join(&[], &[]).is_err());
    }

    #[test]
    fn dropout_keeps_exactly_one_block_of_a_dropped_sample() {
        let blocks = [0..2, 2..5];
        let mut values = vec![1.0f32; 5 * 1000];
        drop_modalities(&mut values, 5, &blocks, 0.5, &mut Rng::new(3));
        let (mut kept_all, mut kept_first, mut kept_second) = (0, 0, 0);
        for sample in values.chunks_exact(5) {
            match (sample[..2] == [1.0; 2], sample[2..] == [1.0; 3]) {
                (true, true) => kept_all += 1,
                (true, false) => kept_first += 1,
                (false, true) => kept_second += 1,
                (false, false) => panic!("a sample lost every modality"),
            }
            assert!(sample.iter().all(|&v| v == 0.0 || v == 1.0));
        }
        assert!((450..550).contains(&kept_all), "{kept_all}");
        assert!((200..300).contains(&kept_first), "{kept_first}");
        assert!((200..300).contains(&kept_second), "{kept_second}");
    }
}
