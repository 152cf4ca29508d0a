//! Seeded corruption of inputs for denoising: applied to the input only, the
//! target stays clean, and every result is clamped to `[0, 1]`.

use crate::config::Corruption;
use crate::rng::Rng;

/// Corrupts `values` in place with `corruption`, drawing from `rng`.
pub fn corrupt_in_place(values: &mut [f32], corruption: Corruption, rng: &mut Rng) {
    let level = corruption.level() as f32;
    match corruption {
        Corruption::Gaussian { .. } => {
            let mut noise = [0.0f32; 512];
            for chunk in values.chunks_mut(noise.len()) {
                let noise = &mut noise[..chunk.len()];
                rng.fill_normal(noise);
                for (v, &n) in chunk.iter_mut().zip(noise.iter()) {
                    *v = (*v + level * n).clamp(0.0, 1.0);
                }
            }
        }
        Corruption::Masking { .. } => {
            for v in values {
                if rng.uniform() < level {
                    *v = 0.0;
                }
            }
        }
        Corruption::SaltPepper { .. } => {
            for v in values {
                let draw = rng.uniform();
                if draw < level {
                    *v = if draw < level / 2.0 { 0.0 } else { 1.0 };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(values: &[f32]) -> f32 {
        values.iter().sum::<f32>() / values.len() as f32
    }

    #[test]
    fn each_kind_changes_about_the_stated_share_and_stays_in_range() {
        let clean = vec![0.5f32; 20_000];
        for (corruption, changed_share) in [
            (Corruption::Masking { level: 0.3 }, 0.3),
            (Corruption::SaltPepper { level: 0.2 }, 0.2),
            (Corruption::Gaussian { level: 0.1 }, 1.0),
        ] {
            let mut noisy = clean.clone();
            corrupt_in_place(&mut noisy, corruption, &mut Rng::new(3));
            let changed = noisy.iter().filter(|&&v| v != 0.5).count() as f32 / 20_000.0;
            // Binomial standard error at n = 20,000 is under 0.004: allow 0.02.
            assert!(
                (changed - changed_share).abs() < 0.02,
                "{corruption:?}: {changed}"
            );
            assert!(noisy.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn salt_and_pepper_is_even_and_gaussian_is_unbiased_away_from_the_edges() {
        let mut noisy = vec![0.5f32; 20_000];
        corrupt_in_place(
            &mut noisy,
            Corruption::SaltPepper { level: 1.0 },
            &mut Rng::new(4),
        );
        assert!((mean(&noisy) - 0.5).abs() < 0.02);

        let mut noisy = vec![0.5f32; 20_000];
        corrupt_in_place(
            &mut noisy,
            Corruption::Gaussian { level: 0.05 },
            &mut Rng::new(5),
        );
        assert!((mean(&noisy) - 0.5).abs() < 0.002);
    }

    #[test]
    fn same_seed_same_noise() {
        let mut a = vec![0.3f32; 100];
        let mut b = a.clone();
        let noise = Corruption::Gaussian { level: 0.3 };
        corrupt_in_place(&mut a, noise, &mut Rng::new(9));
        corrupt_in_place(&mut b, noise, &mut Rng::new(9));
        assert_eq!(a, b);
    }
}
