//! A small seeded random number generator (SplitMix64), so that every run with
//! the same seed gives the same weights, batches and noise on every platform.

/// SplitMix64: 64 bits of state, passes BigCrush, trivially seedable.
#[derive(Debug, Clone, PartialEq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng {
            state: seed ^ 0x853c_49e6_748f_ea9b,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 24 random bits.
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[-limit, limit)`.
    pub fn symmetric(&mut self, limit: f32) -> f32 {
        (2.0 * self.uniform() - 1.0) * limit
    }

    /// Uniform in `(0, 1]`, never 0 (safe under a logarithm).
    fn open_uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal, by the ziggurat method (Marsaglia and Tsang, 2000):
    /// 128 strips of equal area under the density; about 98% of draws need
    /// one random number, a multiply and a compare, the rest a rejection test.
    pub fn normal(&mut self) -> f32 {
        let table = ziggurat();
        loop {
            let bits = self.next_u64();
            let strip = (bits & 127) as usize;
            // A signed 32-bit value from bits that do not choose the strip.
            let signed = (bits >> 32) as u32 as i32;
            let x = signed as f64 * table.width[strip];
            if signed.unsigned_abs() < table.inner[strip] {
                return x as f32;
            }
            if strip == 0 {
                return self.normal_tail(signed < 0) as f32;
            }
            let (low, high) = (table.height[strip], table.height[strip - 1]);
            if low + self.uniform() as f64 * (high - low) < (-0.5 * x * x).exp() {
                return x as f32;
            }
        }
    }

    /// A draw from the normal tail beyond the base strip's edge `R`.
    fn normal_tail(&mut self, negative: bool) -> f64 {
        loop {
            let x = -self.open_uniform().ln() / ZIGGURAT_R;
            let y = -self.open_uniform().ln();
            if 2.0 * y >= x * x {
                let value = ZIGGURAT_R + x;
                return if negative { -value } else { value };
            }
        }
    }

    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Right edge of the base strip of the 128-strip ziggurat.
const ZIGGURAT_R: f64 = 3.442_619_855_899;
/// Area of each strip (and of the base strip with its tail).
const ZIGGURAT_AREA: f64 = 9.912_563_035_262_17e-3;

/// The ziggurat's strips: `width[i]` turns a signed 32-bit integer into an
/// x in strip `i`, `inner[i]` bounds the integers whose x lies wholly under
/// the density, `height[i]` is the density at the strip's edge.
struct Ziggurat {
    width: [f64; 128],
    inner: [u32; 128],
    height: [f64; 128],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLE: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let scale = 2f64.powi(31);
        let density = |x: f64| (-0.5 * x * x).exp();
        let mut table = Ziggurat {
            width: [0.0; 128],
            inner: [0; 128],
            height: [0.0; 128],
        };
        let base = ZIGGURAT_AREA / density(ZIGGURAT_R);
        table.inner[0] = (ZIGGURAT_R / base * scale) as u32;
        table.width[0] = base / scale;
        table.width[127] = ZIGGURAT_R / scale;
        table.height[0] = 1.0;
        table.height[127] = density(ZIGGURAT_R);

        let (mut edge, mut outer) = (ZIGGURAT_R, ZIGGURAT_R);
        for i in (1..=126).rev() {
            edge = (-2.0 * (ZIGGURAT_AREA / edge + density(edge)).ln()).sqrt();
            table.inner[i + 1] = (edge / outer * scale) as u32;
            outer = edge;
            table.height[i] = density(edge);
            table.width[i] = edge / scale;
        }
        table
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_sane_moments() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let n = 20_000;
        let draws: Vec<f32> = (0..n).map(|_| a.normal()).collect();
        let again: Vec<f32> = (0..n).map(|_| b.normal()).collect();
        assert_eq!(draws, again);

        let mean = draws.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let var = draws
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        // Standard error of the mean is 1/sqrt(n) ≈ 0.007: allow 5 of them.
        assert!(mean.abs() < 0.035, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn normal_draws_follow_the_normal_distribution() {
        // Φ at a few points, and the share of draws below each: with 200,000
        // draws the standard error of a share is at most 0.0011; allow 4 of them.
        let points = [
            (-3.0, 0.001_350),
            (-2.0, 0.022_750),
            (-1.0, 0.158_655),
            (-0.3, 0.382_089),
        ];
        let mut rng = Rng::new(12);
        let n = 200_000;
        let draws: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        let share = |keep: &dyn Fn(f32) -> bool| {
            draws.iter().filter(|&&d| keep(d)).count() as f64 / n as f64
        };
        for (x, phi) in points {
            let below = share(&|d| d < x);
            let above = share(&|d| d > -x);
            assert!(
                (below - phi).abs() < 0.0045,
                "P(X < {x}) = {below}, Φ = {phi}"
            );
            assert!(
                (above - phi).abs() < 0.0045,
                "P(X > {}) = {above}, Φ = {phi}",
                -x
            );
        }
        // The tail beyond the base strip is reached, on both sides.
        assert!(draws.iter().any(|&d| d > 3.5) && draws.iter().any(|&d| d < -3.5));
    }

    #[test]
    fn below_stays_in_range_and_shuffle_is_a_permutation() {
        let mut rng = Rng::new(1);
        assert!((0..1000).all(|_| rng.below(3) < 3));
        let mut items: Vec<usize> = (0..100).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..100).collect::<Vec<_>>());
        items.sort();
        assert_eq!(items, (0..100).collect::<Vec<_>>());
    }
}
