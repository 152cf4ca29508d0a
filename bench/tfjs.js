/**
 * The reference workload written by hand in TensorFlow.js, with the settings that
 * make it fastest: variables and `optimizer.minimize` inside `tf.tidy`, and each
 * batch made with `tf.tensor2d` from a typed array (slicing one large tensor per
 * step is about three times slower). It starts from our model's initial weights
 * and visits the batches in our trainer's order, so the MSEs can be compared.
 *
 * `tf` is passed in: the page loads TensorFlow.js from script tags, Node imports it.
 */
import {
  ADAM,
  BATCH_SIZE,
  CODE_SIZE,
  CONTRACTION_WEIGHT,
  INPUT_SIZE,
  NOISE_LEVEL,
  SPARSITY_WEIGHT,
  batchOrder,
  batches,
  gatherRows,
  latencyMicroseconds,
  meanSquaredError,
  median,
  throughputs,
} from './workload.js';

/** Rows per call when reconstructing a whole data set. */
const CHUNK = 1000;

/**
 * TensorFlow.js as a benchmark runner over `images` (`[n, 784]`), with the same
 * verbs as `oursRunner` in ours.js.
 * @param {object} tf the TensorFlow.js namespace, its backend already set
 * @param {Float32Array} images
 * @param {(kind: string) => { encoder: Float32Array, decoder: Float32Array }} initial
 *   initial weights of each kind, `[out, in]` row-major
 */
export function tfjsRunner(tf, images, initial) {
  return {
    train: (kind, epochs, steps, options) => {
      return train(tf, images, initial(kind), kind, { epochs, steps, ...options });
    },
    latency: () => withModel(tf, initial('undercomplete'), (model) => latency(tf, model, images)),
    batch: (repeats) => withModel(tf, initial('undercomplete'), (model) => {
      const thousand = images.subarray(0, 1000 * INPUT_SIZE);
      return median(throughputs(() => reconstructOnce(tf, model, thousand), 1000, repeats));
    }),
    // TensorFlow.js reads a result only into a fresh array (`dataSync`), and
    // spreads a batch over cores only with its threads (tfjs-wasm-threads).
    batchInto: () => null,
    batchPool: () => null,
    batchHalves: (repeats) => withModel(tf, initial('undercomplete'), (model) => {
      const thousand = images.subarray(0, 1000 * INPUT_SIZE);
      const codes = layerOnce(tf, thousand, model.encoderWeight, model.encoderBias);
      const rate = (x, weight, bias) => {
        return median(throughputs(() => layerOnce(tf, x, weight, bias), 1000, repeats));
      };
      return {
        encode: rate(thousand, model.encoderWeight, model.encoderBias),
        decode: rate(codes, model.decoderWeight, model.decoderBias),
      };
    }),
  };
}

/** The four trainable tensors, weights shaped `[in, out]` as `tf.matMul` wants. */
function makeModel(tf, initial) {
  const variable = (value) => {
    const result = tf.variable(value);
    value.dispose();
    return result;
  };
  const weight = (values, units, inputs) =>
    variable(tf.tidy(() => tf.tensor2d(values, [units, inputs]).transpose()));
  return {
    encoderWeight: weight(initial.encoder, CODE_SIZE, INPUT_SIZE),
    encoderBias: variable(tf.zeros([CODE_SIZE])),
    decoderWeight: weight(initial.decoder, INPUT_SIZE, CODE_SIZE),
    decoderBias: variable(tf.zeros([INPUT_SIZE])),
  };
}

function withModel(tf, initial, use) {
  const model = makeModel(tf, initial);
  try {
    return use(model);
  } finally {
    Object.values(model).forEach((variable) => variable.dispose());
  }
}

/** `code = σ(x W₁ + b₁)`, `reconstruction = σ(code W₂ + b₂)` for `x: [batch, 784]`. */
function forward(tf, model, x) {
  const code = tf.sigmoid(tf.add(tf.matMul(x, model.encoderWeight), model.encoderBias));
  const reconstruction = tf.sigmoid(
    tf.add(tf.matMul(code, model.decoderWeight), model.decoderBias),
  );
  return { code, reconstruction };
}

/**
 * The objective of `kind` on one batch: MSE over all elements, plus
 * sparse: SPARSITY_WEIGHT · mean |h|;
 * contractive: CONTRACTION_WEIGHT · batch mean of Σ_j (h_j (1 − h_j))² Σ_i W_ji².
 * (Denoising corrupts `input` before this.)
 */
function objective(tf, kind, model, input, target) {
  const { code, reconstruction } = forward(tf, model, input);
  const loss = tf.mean(tf.squaredDifference(reconstruction, target));

  if (kind === 'sparse') {
    return tf.add(loss, tf.mul(SPARSITY_WEIGHT, tf.mean(tf.abs(code))));
  }
  if (kind === 'contractive') {
    const slopes = tf.square(tf.mul(code, tf.sub(1, code)));
    const rowNorms = tf.sum(tf.square(model.encoderWeight), 0);
    const penalty = tf.div(tf.sum(tf.mul(slopes, rowNorms)), code.shape[0]);
    return tf.add(loss, tf.mul(CONTRACTION_WEIGHT, penalty));
  }
  return loss;
}

/** The input of one step: the clean batch, or clip(x + σ·N(0, 1), 0, 1) when denoising. */
function corrupted(tf, kind, target) {
  if (kind !== 'denoising') return target;
  const noise = tf.randomNormal(target.shape, 0, NOISE_LEVEL);
  return tf.clipByValue(tf.add(target, noise), 0, 1);
}

/**
 * Trains a fresh model of `kind` for `epochs` epochs, or only its first `steps`
 * steps when given. The MSE (after whole epochs only) is that of the trained model
 * on all of `images`, clean.
 */
function train(tf, images, initial, kind, options) {
  const count = images.length / INPUT_SIZE;
  const tensorsBefore = tf.memory().numTensors;
  const model = makeModel(tf, initial);

  const run = runSteps(tf, images, model, kind, options);
  const whole = run.steps === Math.ceil(count / BATCH_SIZE) * options.epochs;
  const mse = whole ? meanSquaredError(reconstruct(tf, model, images), images) : null;

  Object.values(model).forEach((variable) => variable.dispose());
  const leaked = tf.memory().numTensors - tensorsBefore;
  return { ...run, examplesPerSecond: run.examples / run.seconds, mse, leaked };
}

/** Runs the Adam steps, timed from the first to the end of the last. */
function runSteps(tf, images, model, kind, { epochs, steps = Infinity }) {
  const count = images.length / INPUT_SIZE;
  const order = batchOrder(count, epochs, kind);
  const { learningRate, beta1, beta2, epsilon } = ADAM;
  const optimizer = tf.train.adam(learningRate, beta1, beta2, epsilon);
  const buffer = new Float32Array(BATCH_SIZE * INPUT_SIZE);
  let done = 0;
  let examples = 0;

  const start = performance.now();
  for (const rows of batches(order, count)) {
    if (done === steps) break;
    const batch = gatherRows(images, rows, buffer);
    tf.tidy(() => {
      const target = tf.tensor2d(batch, [rows.length, INPUT_SIZE]);
      const input = corrupted(tf, kind, target);
      optimizer.minimize(() => objective(tf, kind, model, input, target), false,
        Object.values(model));
    });
    done += 1;
    examples += rows.length;
  }
  model.decoderBias.dataSync();
  const seconds = (performance.now() - start) / 1000;

  optimizer.dispose();
  return { steps: done, examples, seconds };
}

/** Reconstructions of `x` (`[n, 784]`), CHUNK rows per call. */
function reconstruct(tf, model, x) {
  const output = new Float32Array(x.length);
  const step = CHUNK * INPUT_SIZE;
  for (let start = 0; start < x.length; start += step) {
    output.set(reconstructOnce(tf, model, x.subarray(start, start + step)), start);
  }
  return output;
}

/** `σ(x W + b)` of the rows of `x`: typed array in, typed array out. */
function layerOnce(tf, x, weight, bias) {
  const output = tf.tidy(() => {
    const input = tf.tensor2d(x, [x.length / weight.shape[0], weight.shape[0]]);
    return tf.sigmoid(tf.add(tf.matMul(input, weight), bias));
  });
  const values = output.dataSync();
  output.dispose();
  return values;
}

/** Reconstructions of `x` (`[n, 784]`) in one call: typed array in, typed array out. */
function reconstructOnce(tf, model, x) {
  const reconstruction = tf.tidy(() => {
    const input = tf.tensor2d(x, [x.length / INPUT_SIZE, INPUT_SIZE]);
    return forward(tf, model, input).reconstruction;
  });
  const values = reconstruction.dataSync();
  reconstruction.dispose();
  return values;
}

/** Code and reconstruction of `x` (`[n, 784]`) in one call, both copied out. */
function codeAndReconstruction(tf, model, x) {
  const outputs = tf.tidy(() => {
    const input = tf.tensor2d(x, [x.length / INPUT_SIZE, INPUT_SIZE]);
    return forward(tf, model, input);
  });
  const values = [outputs.code.dataSync(), outputs.reconstruction.dataSync()];
  tf.dispose([outputs.code, outputs.reconstruction]);
  return values;
}

/** Median µs of one digit in and its reconstruction (or also its code) out. */
function latency(tf, model, images) {
  const digit = images.slice(0, INPUT_SIZE);
  return {
    reconstruct: latencyMicroseconds(() => reconstructOnce(tf, model, digit)),
    codeAndReconstruction: latencyMicroseconds(() => codeAndReconstruction(tf, model, digit)),
  };
}
