/**
 * The reference workload of the speed benchmark, shared by every JS system (our
 * package in Node and in Chromium, TensorFlow.js): a 784-64-784 autoencoder with a
 * sigmoid encoder and decoder, Glorot-uniform weights, Adam (1e-3, 0.9, 0.999,
 * 1e-7), batch 64, MSE over all elements, trained on the 10,000 real digits.
 *
 * Plain ES module with no imports, so a page and Node load the same file.
 */

export const KINDS = ['undercomplete', 'sparse', 'denoising', 'contractive'];

export const INPUT_SIZE = 784;
export const CODE_SIZE = 64;
export const BATCH_SIZE = 64;
export const SEED = 1;

/** Penalty weights and noise level of the four kinds. */
export const SPARSITY_WEIGHT = 1e-3;
export const NOISE_LEVEL = 0.3;
export const CONTRACTION_WEIGHT = 1e-2;

export const ADAM = {
  kind: 'adam',
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
};

/** Trainer options of our package for the reference workload. */
export const TRAIN_OPTIONS = { optimizer: ADAM, batchSize: BATCH_SIZE, seed: SEED };

/**
 * Our package's model config of one kind.
 * @param {string} kind one of KINDS
 */
export function modelConfig(kind) {
  const objective = { loss: 'mse' };
  if (kind === 'sparse') objective.sparsity = { kind: 'l1', weight: SPARSITY_WEIGHT };
  if (kind === 'denoising') objective.corruption = { kind: 'gaussian', level: NOISE_LEVEL };
  if (kind === 'contractive') objective.contraction = { weight: CONTRACTION_WEIGHT };
  return {
    inputSize: INPUT_SIZE,
    encoder: [{ units: CODE_SIZE, activation: 'sigmoid' }],
    decoder: [{ units: INPUT_SIZE, activation: 'sigmoid' }],
    seed: SEED,
    objective,
  };
}

const MASK = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

/**
 * SplitMix64 as our trainer seeds it, enough to replay its shuffles: each draw
 * adds a constant to the state, so skipping `n` draws is one multiplication.
 */
class SplitMix {
  constructor(seed) {
    this.state = BigInt(seed) ^ 0x853c49e6748fea9bn;
  }

  next() {
    this.state = (this.state + GOLDEN) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  skip(draws) {
    this.state = (this.state + BigInt(draws) * GOLDEN) & MASK;
  }

  /** Uniform integer in `0..n`. */
  below(n) {
    return Number(((this.next() >> 32n) * BigInt(n)) >> 32n);
  }
}

/**
 * The order in which our trainer visits the samples: a Fisher–Yates shuffle of the
 * previous epoch's order at the start of each epoch, from one seeded generator that
 * gaussian corruption also draws from (two draws per corrupted value).
 * @param {number} count samples in the data
 * @param {number} epochs
 * @param {string} kind one of KINDS
 * @returns {Int32Array} `epochs · count` sample indices, batch after batch
 */
export function batchOrder(count, epochs, kind) {
  const rng = new SplitMix(SEED);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const visits = new Int32Array(epochs * count);

  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (let i = count - 1; i > 0; i -= 1) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    visits.set(order, epoch * count);
    if (kind === 'denoising') rng.skip(2 * count * INPUT_SIZE);
  }
  return visits;
}

/**
 * The batches of one run over `order` (from `batchOrder`): each epoch is cut into
 * batches of BATCH_SIZE, the last one smaller when the count is not a multiple.
 * @param {Int32Array} order
 * @param {number} count samples in one epoch
 * @returns {Generator<Int32Array>} the sample indices of each batch
 */
export function* batches(order, count) {
  for (let epoch = 0; epoch < order.length; epoch += count) {
    for (let start = 0; start < count; start += BATCH_SIZE) {
      yield order.subarray(epoch + start, epoch + Math.min(start + BATCH_SIZE, count));
    }
  }
}

/**
 * Copies the rows `rows` of `images` (`[n, INPUT_SIZE]`) into `batch`, back to back.
 * @returns {Float32Array} the filled part of `batch`
 */
export function gatherRows(images, rows, batch) {
  rows.forEach((row, i) => {
    const start = row * INPUT_SIZE;
    batch.set(images.subarray(start, start + INPUT_SIZE), i * INPUT_SIZE);
  });
  return batch.subarray(0, rows.length * INPUT_SIZE);
}

/**
 * Mean squared error of a reconstruction against its target, summed in float64.
 * @param {Float32Array} reconstruction
 * @param {Float32Array} target same length
 */
export function meanSquaredError(reconstruction, target) {
  let sum = 0;
  for (let i = 0; i < target.length; i += 1) {
    const difference = reconstruction[i] - target[i];
    sum += difference * difference;
  }
  return sum / target.length;
}

/**
 * The inference timings of one of our models (full package or inference build).
 * @param {{ reconstruct: Function, encode: Function, decode: Function }} model
 * @param {Float32Array} images at least 1,000 digits, `[n, INPUT_SIZE]`
 */
export function inferenceTimers(model, images) {
  const digit = images.slice(0, INPUT_SIZE);
  const thousand = images.subarray(0, 1000 * INPUT_SIZE);
  return {
    /** Median µs of one digit in and its reconstruction out, in one call or two. */
    latency: () => ({
      reconstruct: latencyMicroseconds(() => model.reconstruct(digit)),
      codeAndReconstruction: latencyMicroseconds(() => model.decode(model.encode(digit))),
    }),
    /** Median examples per second of 1,000 digits in one call, over `repeats` calls. */
    batch: (repeats) => median(throughputs(() => model.reconstruct(thousand), 1000, repeats)),
    /** The same, each result written into one array kept across the calls. */
    batchInto: (repeats) => {
      const out = new Float32Array(thousand.length);
      return median(throughputs(() => model.reconstructInto(thousand, out), 1000, repeats));
    },
    /** The same for the two halves of that call: encoding the digits, decoding their codes. */
    batchHalves: (repeats) => {
      const codes = model.encode(thousand);
      return {
        encode: median(throughputs(() => model.encode(thousand), 1000, repeats)),
        decode: median(throughputs(() => model.decode(codes), 1000, repeats)),
      };
    },
  };
}

/** Calls in one timed group of `latencyMicroseconds`. */
export const LATENCY_GROUP = 100;

/**
 * Median time of one call, in µs, over `calls` calls after `calls / 10` warm-up calls.
 * The calls are timed in groups of LATENCY_GROUP, since a page's clock only ticks
 * every 100 µs (with jitter); the median is taken over the groups' mean times.
 * @param {() => unknown} call
 * @param {number} [calls]
 */
export function latencyMicroseconds(call, calls = 1000) {
  for (let i = 0; i < calls / 10; i += 1) call();

  const groups = [];
  for (let done = 0; done < calls; done += LATENCY_GROUP) {
    const start = performance.now();
    for (let i = 0; i < LATENCY_GROUP; i += 1) call();
    groups.push(((performance.now() - start) * 1000) / LATENCY_GROUP);
  }
  return median(groups);
}

/**
 * How long a batch call is warmed up before it is timed, and the fewest
 * warm-up calls, in ms and calls: a fresh InferencePool's workers run their
 * first calls in code the engine has not yet optimised (a tenth of the speed
 * at the first call, about half over the next few), and so may any system's.
 */
const WARM_UP_MS = 300;
const WARM_UP_CALLS = 3;

/**
 * Examples per second of `call` on `examples` examples, once per repeat, after
 * a warm-up (WARM_UP_MS and at least WARM_UP_CALLS calls).
 * @param {() => unknown} call
 * @param {number} examples
 * @param {number} repeats
 * @returns {number[]}
 */
export function throughputs(call, examples, repeats) {
  const start = performance.now();
  for (let i = 0; i < WARM_UP_CALLS || performance.now() - start < WARM_UP_MS; i += 1) call();
  return Array.from({ length: repeats }, () => {
    const start = performance.now();
    call();
    return examples / ((performance.now() - start) / 1000);
  });
}

/** `throughputs` of a call that returns a promise, each call timed until it settles. */
export async function throughputsAsync(call, examples, repeats) {
  const start = performance.now();
  for (let i = 0; i < WARM_UP_CALLS || performance.now() - start < WARM_UP_MS; i += 1) await call();
  const rates = [];
  for (let i = 0; i < repeats; i += 1) {
    const start = performance.now();
    await call();
    rates.push(examples / ((performance.now() - start) / 1000));
  }
  return rates;
}

/** The middle value, or the mean of the two middle values for an even count. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}
