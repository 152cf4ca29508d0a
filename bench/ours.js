/**
 * Our package (pkg/, as built now) on the reference workload, in Node or in a page.
 * `oursRunner` has the verbs of `tfjsRunner` in tfjs.js (`train`, `latency`,
 * `batch`) and one more, `memory`.
 */
import { Autoencoder, InferencePool, Trainer, init, loadDigits } from '../pkg/index.js';
import initWasm from '../pkg/autoencoder_lab.js';
import {
  BATCH_SIZE,
  INPUT_SIZE,
  KINDS,
  TRAIN_OPTIONS,
  batchOrder,
  batches,
  gatherRows,
  inferenceTimers,
  meanSquaredError,
  median,
  modelConfig,
  throughputsAsync,
} from './workload.js';

/**
 * The 10,000 real digits of the package, train then test, `[10000, 784]`.
 * @returns {Promise<Float32Array>}
 */
export async function loadImages() {
  const digits = await loadDigits();
  const train = digits.images('train');
  const test = digits.images('test');
  digits.free();

  const images = new Float32Array(train.length + test.length);
  images.set(train);
  images.set(test, train.length);
  return images;
}

/**
 * The initial weights of our model of `kind`, `[out, in]` row-major, so that
 * another system can start from exactly the same point.
 * @param {string} kind
 * @returns {{ encoder: Float32Array, decoder: Float32Array }}
 */
export function initialWeights(kind) {
  const model = new Autoencoder(modelConfig(kind));
  const weights = { encoder: model.weights('encoder', 0), decoder: model.weights('decoder', 0) };
  model.free();
  return weights;
}

/**
 * Our package as a benchmark runner over `images` (`[n, 784]`).
 * @param {Float32Array} images
 */
export function oursRunner(images) {
  return {
    train: (kind, epochs, steps) => train(images, kind, epochs, steps),
    latency: () => withReferenceModel((model) => inferenceTimers(model, images).latency()),
    batch: (repeats) => {
      return withReferenceModel((model) => inferenceTimers(model, images).batch(repeats));
    },
    batchHalves: (repeats) => {
      return withReferenceModel((model) => inferenceTimers(model, images).batchHalves(repeats));
    },
    batchInto: (repeats) => {
      return withReferenceModel((model) => inferenceTimers(model, images).batchInto(repeats));
    },
    /**
     * A batch of 1,000 across the workers of an InferencePool, into a fresh
     * array and into a kept one, with the plain and the fused build. On a
     * cross-origin-isolated page the input and the kept array are in shared
     * memory, which the workers read and write in place.
     */
    batchPool: async (repeats) => {
      const bytes = withReferenceModel((model) => model.toBytes());
      const thousand = images.subarray(0, 1000 * INPUT_SIZE);
      const shared = globalThis.crossOriginIsolated === true;
      const array = (length) => new Float32Array(shared ? new SharedArrayBuffer(4 * length) : length);
      const x = array(thousand.length);
      x.set(thousand);
      const out = array(thousand.length);
      const rate = async (call) => median(await throughputsAsync(call, 1000, repeats));
      const result = { shared };
      for (const fused of [false, true]) {
        const pool = await InferencePool.create(bytes, { fused });
        try {
          if (pool.fused !== fused) throw new Error('the fused build did not load: no relaxed SIMD?');
          result.workers = pool.workers;
          result[fused ? 'fused' : 'plain'] = {
            fresh: await rate(() => pool.reconstruct(x)),
            into: await rate(() => pool.reconstructInto(x, out)),
          };
        } finally {
          pool.terminate();
        }
      }
      return result;
    },
    memory: (retrains) => retrainMemory(images, retrains),
  };
}

/**
 * Trains a fresh model of `kind` for `epochs` epochs, or only its first `steps`
 * steps when given; the clock runs over the steps alone. The MSE (after whole
 * epochs only) is that of the trained model on all of `images`, clean.
 */
function train(images, kind, epochs, steps = Infinity) {
  const count = images.length / INPUT_SIZE;
  const model = new Autoencoder(modelConfig(kind));
  const trainer = new Trainer(model, images, TRAIN_OPTIONS);
  model.free();

  const perEpoch = trainer.stepsPerEpoch;
  const done = Math.min(steps, epochs * perEpoch);
  const start = performance.now();
  trainer.step(done);
  const seconds = (performance.now() - start) / 1000;

  const trained = trainer.model();
  trainer.free();
  const whole = done % perEpoch === 0;
  const mse = whole ? meanSquaredError(trained.reconstruct(images), images) : null;
  trained.free();
  const examples = Math.floor(done / perEpoch) * count + (done % perEpoch) * BATCH_SIZE;
  return { examplesPerSecond: examples / seconds, seconds, steps: done, mse };
}

/** Runs `use` on a fresh reference model of the undercomplete kind, then frees it. */
function withReferenceModel(use) {
  const model = new Autoencoder(modelConfig('undercomplete'));
  try {
    return use(model);
  } finally {
    model.free();
  }
}

/**
 * Bytes of wasm memory before and after `retrains` short retrains (a model and a
 * trainer over `images`, 20 steps, the trained model taken out, all freed),
 * cycling through the kinds.
 */
async function retrainMemory(images, retrains) {
  await init();
  const { memory } = await initWasm();
  const bytes = { before: memory.buffer.byteLength };

  for (let i = 0; i < retrains; i += 1) {
    const model = new Autoencoder(modelConfig(KINDS[i % KINDS.length]));
    const trainer = new Trainer(model, images, TRAIN_OPTIONS);
    trainer.step(20);
    const trained = trainer.model();
    [trained, trainer, model].forEach((value) => value.free());
    if (i === 0) bytes.afterOne = memory.buffer.byteLength;
  }
  bytes.after = memory.buffer.byteLength;
  return { retrains, ...bytes };
}

/**
 * Checks that `batchOrder` replays our trainer's batches: trains with a learning
 * rate too small to move any weight, so each step's recorded loss is that of the
 * initial model on its batch, and compares it with the loss of the batch we expect.
 * @param {Float32Array} images
 * @param {number} epochs
 * @returns {number} the largest relative difference over all steps
 */
export function checkBatchOrder(images, epochs) {
  const count = images.length / INPUT_SIZE;
  const model = new Autoencoder(modelConfig('undercomplete'));
  const still = { ...TRAIN_OPTIONS, optimizer: { kind: 'sgd', learningRate: 1e-30 } };
  const trainer = new Trainer(model, images, still);
  trainer.step(epochs * trainer.stepsPerEpoch);
  const losses = trainer.history().reconstruction;
  trainer.free();

  const buffer = new Float32Array(BATCH_SIZE * INPUT_SIZE);
  let worst = 0;
  let step = 0;
  for (const rows of batches(batchOrder(count, epochs, 'undercomplete'), count)) {
    const expected = model.evaluate(gatherRows(images, rows, buffer)).reconstruction;
    worst = Math.max(worst, Math.abs(losses[step] - expected) / expected);
    step += 1;
  }
  model.free();
  return worst;
}
