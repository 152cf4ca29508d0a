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
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
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
            let (x, inside) = table.candidate(bits);
            if inside {
                return x as f32;
            }
            if let Some(x) = self.edge(bits, table) {
                return x;
            }
        }
    }

    /// Fills `out` with standard normal draws: the same ziggurat as
    /// [`Rng::normal`], in two passes so the common case runs as a tight loop.
    /// The first pass draws one number per value and keeps the ~98% that fall
    /// wholly under the density; the second gives each of the rest the
    /// ziggurat's own test, and a fresh [`Rng::normal`] draw where it fails.
    /// SplitMix64's state moves by a constant per draw, so the first pass
    /// reads the stream by counter. Seeded as ever, but not the same stream
    /// as calling [`Rng::normal`] `out.len()` times.
    pub fn fill_normal(&mut self, out: &mut [f32]) {
        const CHUNK: usize = 256;
        let table = ziggurat();
        let mut misses = [(0u16, 0u64); CHUNK];
        for chunk in out.chunks_mut(CHUNK) {
            let base = self.state;
            self.state = base.wrapping_add(GOLDEN_GAMMA.wrapping_mul(chunk.len() as u64));
            let mut missed = 0;
            for (i, value) in chunk.iter_mut().enumerate() {
                let bits = mix(base.wrapping_add(GOLDEN_GAMMA.wrapping_mul(i as u64 + 1)));
                let strip = (bits & 127) as usize;
                let signed = (bits >> 32) as u32 as i32;
                // In f32 here (the f64 product rounds to the same value or a
                // neighbour), which is cheaper than f64 and its conversions.
                *value = signed as f32 * table.width_f32[strip];
                let inside = signed.unsigned_abs() < table.inner[strip];
                // Branch-free bookkeeping: the slot is overwritten unless missed.
                misses[missed] = (i as u16, bits);
                missed += !inside as usize;
            }
            for &(i, bits) in &misses[..missed] {
                chunk[i as usize] = self.edge(bits, table).unwrap_or_else(|| self.normal());
            }
        }
    }

    /// The ziggurat's test for a draw `bits` that did not fall wholly under
    /// the density: the tail for the base strip, else the wedge test, which
    /// may reject the draw (`None`).
    fn edge(&mut self, bits: u64, table: &Ziggurat) -> Option<f32> {
        let (x, _) = table.candidate(bits);
        let strip = (bits & 127) as usize;
        if strip == 0 {
            return Some(self.normal_tail(x < 0.0) as f32);
        }
        let (low, high) = (table.height[strip], table.height[strip - 1]);
        // The density in f32 (our branch-free exp): libm's f64 exp cost more
        // than all the draws that never come here.
        let density = crate::activation::exp((-0.5 * x * x) as f32) as f64;
        let under = low + self.uniform() as f64 * (high - low) < density;
        under.then_some(x as f32)
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

/// SplitMix64's step: the state moves by this odd constant per draw.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function of a state.
#[inline(always)]
fn mix(state: u64) -> u64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
    /// `width` rounded to f32.
    width_f32: [f32; 128],
    inner: [u32; 128],
    height: [f64; 128],
}

impl Ziggurat {
    /// The x that `bits` picks (its low 7 bits choose the strip, its high 32
    /// a signed position in it), and whether x lies wholly under the density.
    #[inline(always)]
    fn candidate(&self, bits: u64) -> (f64, bool) {
        let strip = (bits & 127) as usize;
        let signed = (bits >> 32) as u32 as i32;
        let x = signed as f64 * self.width[strip];
        (x, signed.unsigned_abs() < self.inner[strip])
    }
}

fn ziggurat() -> &'static Ziggurat {
    static TABLE: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let scale = 2f64.powi(31);
        let density = |x: f64| (-0.5 * x * x).exp();
        let mut table = Ziggurat {
            width: [0.0; 128],
            width_f32: [0.0; 128],
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
        table.width_f32 = table.width.map(|w| w as f32);
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
        let n = 200_000;
        let mut rng = Rng::new(12);
        let one_by_one: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        // Calls of uneven lengths, so that chunk edges fall everywhere.
        let mut rng = Rng::new(12);
        let mut filled = vec![0.0f32; n];
        let mut rest = &mut filled[..];
        for len in [1, 255, 256, 257, 1000].iter().cycle() {
            let (head, tail) = rest.split_at_mut((*len).min(rest.len()));
            rng.fill_normal(head);
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
        for (name, draws) in [("normal", &one_by_one), ("fill_normal", &filled)] {
            let share = |keep: &dyn Fn(f32) -> bool| {
                draws.iter().filter(|&&d| keep(d)).count() as f64 / n as f64
            };
            for (x, phi) in points {
                let below = share(&|d| d < x);
                let above = share(&|d| d > -x);
                assert!(
                    (below - phi).abs() < 0.0045,
                    "{name}: P(X < {x}) = {below}, Φ = {phi}"
                );
                assert!(
                    (above - phi).abs() < 0.0045,
                    "{name}: P(X > {}) = {above}, Φ = {phi}",
                    -x
                );
            }
            // The tail beyond the base strip is reached, on both sides.
            assert!(draws.iter().any(|&d| d > 3.5) && draws.iter().any(|&d| d < -3.5));
            // Neighbours are uncorrelated (standard error 1/√n ≈ 0.0022).
            let lag: f64 = draws.windows(2).map(|w| w[0] as f64 * w[1] as f64).sum();
            assert!((lag / n as f64).abs() < 0.01, "{name}: lag-1 {lag}");
        }
    }

    #[test]
    fn fill_normal_is_seeded_and_moves_on() {
        let (mut a, mut b) = (Rng::new(5), Rng::new(5));
        let (mut first, mut again) = (vec![0.0f32; 700], vec![0.0f32; 700]);
        a.fill_normal(&mut first);
        b.fill_normal(&mut again);
        assert_eq!(first, again);
        a.fill_normal(&mut again);
        let same = first.iter().zip(&again).filter(|(x, y)| x == y).count();
        assert_eq!(same, 0, "a second call repeats draws of the first");
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
