// The gradient that training in the wasm package follows, checked against
// finite differences of the loss the package reports. The gradient comes out
// of one plain SGD step over the whole data set (θ₁ = θ₀ − η g); the finite
// differences change one weight in the model file and evaluate again.
//
// The model's sizes (19 inputs, codes of 7 and 5, 13 samples) are no
// multiples of the blocks of the wasm matrix kernel, so its edges are used,
// and the data are mostly zeros, so its skipping of zero steps is too.
// The last tests cover where the builds could part: biases of −0, and sums
// that overflow. `scripts/test.mjs` runs this file twice: with the baseline wasm build and
// with the relaxed-SIMD one (AELAB_WASM=baseline or relaxed).

import { before, test } from 'node:test';
import assert from 'node:assert/strict';

import { Autoencoder, Trainer, init } from '../../pkg/index.js';
import { seededRandom } from '../../scripts/random.mjs';

const BUILDS = {
  baseline: 'autoencoder_lab_bg.wasm',
  relaxed: 'autoencoder_lab_relaxed_bg.wasm',
};
const build = process.env.AELAB_WASM ?? 'baseline';

const INPUTS = 19;
const SAMPLES = 13;
const RATE = 0.5;
const EPSILON = 1e-2;

before(async () => {
  assert.ok(BUILDS[build], `AELAB_WASM must be one of ${Object.keys(BUILDS)}, not ${build}`);
  await init(new URL(`../../pkg/${BUILDS[build]}`, import.meta.url));
});

/**
 * Values in [0, 1] from a seeded generator, mostly zeros as pixels are: each
 * sample has ink only in a window of up to five inputs. The windows are
 * placed so that the wasm kernel skips steps of the first layer's two
 * products, a different set for each block of samples and each panel of
 * eight inputs, and so that some samples have ink in a panel only at its
 * first or last input (7, 8, 15, 16, 18).
 */
const WINDOW_STARTS = [7, 0, 15, 3, 12, 8, 14, 4, 11, 1, 16, 6, 9];

function data() {
  const next = seededRandom(12345);
  const x = new Float32Array(SAMPLES * INPUTS);
  WINDOW_STARTS.forEach((start, sample) => {
    for (let input = start; input < Math.min(start + 5, INPUTS); input++) {
      x[sample * INPUTS + input] = 0.1 + 0.9 * next();
    }
  });
  return x;
}

function config(encoder, objective) {
  return {
    inputSize: INPUTS,
    encoder: encoder.map((units) => ({ units, activation: 'sigmoid' })),
    decoder: [{ units: INPUTS, activation: 'sigmoid' }],
    seed: 3,
    objective,
  };
}

const CASES = {
  'undercomplete, mse': config([7], { loss: 'mse' }),
  'undercomplete, bce': config([7], { loss: 'bce' }),
  'sparse, l1': config([7], { loss: 'mse', sparsity: { kind: 'l1', weight: 0.05 } }),
  'sparse, kl': config([7], { loss: 'mse', sparsity: { kind: 'kl', target: 0.1, weight: 0.1 } }),
  'contractive, one layer': config([7], { loss: 'mse', contraction: { weight: 0.05 } }),
  'contractive, two layers': config([7, 5], { loss: 'mse', contraction: { weight: 0.05 } }),
};

/** The safetensors header of `bytes`, and where its tensor data starts. */
function header(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return { json, start: 8 + length };
}

/** The loss of the model in `bytes` with one value of tensor `name` replaced. */
function lossWith(bytes, name, index, value, x) {
  const copy = bytes.slice();
  const { json, start } = header(copy);
  const at = start + json[name].data_offsets[0] + 4 * index;
  new DataView(copy.buffer).setFloat32(at, value, true);
  const model = Autoencoder.fromBytes(copy);
  try {
    return model.evaluate(x).loss;
  } finally {
    model.free();
  }
}

/** Every tensor of the model in `bytes`, by name. */
function tensors(bytes) {
  const { json, start } = header(bytes);
  return Object.entries(json)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, { data_offsets: [from, to] }]) => {
      const values = new Float32Array(bytes.slice(start + from, start + to).buffer);
      return { name, values };
    });
}

for (const [name, modelConfig] of Object.entries(CASES)) {
  test(`${build} wasm build: ${name}: the training gradient matches finite differences`, () => {
    const x = data();
    const model = new Autoencoder(modelConfig);
    const before = model.toBytes();
    const trainer = new Trainer(model, x, {
      optimizer: { kind: 'sgd', learningRate: RATE },
      batchSize: SAMPLES,
      shuffle: false,
    });
    model.free();
    trainer.step(1);
    const stepped = trainer.model();
    const after = stepped.toBytes();
    stepped.free();
    trainer.free();

    const old = tensors(before);
    const moved = new Map(tensors(after).map(({ name, values }) => [name, values]));
    let checked = 0;
    let largest = 0;
    for (const { name: tensor, values } of old) {
      for (let index = 0; index < values.length; index++) {
        const w = values[index];
        const sgd = (w - moved.get(tensor)[index]) / RATE;
        const up = Math.fround(w + EPSILON);
        const down = Math.fround(w - EPSILON);
        const numeric = (lossWith(before, tensor, index, up, x)
          - lossWith(before, tensor, index, down, x)) / (up - down);
        const error = Math.abs(sgd - numeric);
        assert.ok(error <= 1e-5 + 0.01 * Math.abs(numeric),
          `${tensor}[${index}]: gradient ${sgd}, finite differences ${numeric}`);
        largest = Math.max(largest, Math.abs(numeric));
        checked += 1;
      }
    }
    // The check means something only if the gradients are not all tiny.
    assert.ok(largest > 5e-3, `largest gradient ${largest}`);
    assert.ok(checked >= 200);
  });
}

test(`${build} wasm build: the loss is that of a forward pass computed here in float64`, () => {
  const x = data();
  const model = new Autoencoder(CASES['undercomplete, mse']);
  const byName = new Map(tensors(model.toBytes()).map(({ name, values }) => [name, values]));
  const layer = (input, prefix, units) => {
    const weight = byName.get(`${prefix}.weight`);
    const bias = byName.get(`${prefix}.bias`);
    const width = input.length;
    return Array.from({ length: units }, (_, j) => {
      let z = bias[j];
      for (let i = 0; i < width; i++) z += weight[j * width + i] * input[i];
      return 1 / (1 + Math.exp(-z));
    });
  };
  let sum = 0;
  for (let sample = 0; sample < SAMPLES; sample++) {
    const input = x.subarray(sample * INPUTS, (sample + 1) * INPUTS);
    const output = layer(layer(input, 'encoder.0', 7), 'decoder.0', INPUTS);
    output.forEach((y, i) => { sum += (y - input[i]) ** 2; });
  }
  const expected = sum / (SAMPLES * INPUTS);
  const got = model.evaluate(x).reconstruction;
  model.free();
  assert.ok(Math.abs(got - expected) <= 1e-6 * expected, `loss ${got}, float64 ${expected}`);
});

test(`${build} wasm build: biases of −0 give the same bits alone and in a batch`, () => {
  // The batch path may add a zero term where the sample path skips it, and
  // −0 + 0 is +0: a blank sample with biases of −0 is where the two could part.
  const relu = { ...CASES['undercomplete, mse'] };
  relu.encoder = [{ units: 7, activation: 'relu' }];
  const fresh = new Autoencoder(relu);
  const bytes = fresh.toBytes();
  fresh.free();
  const { json, start } = header(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const [from, to] = json['encoder.0.bias'].data_offsets;
  for (let at = start + from; at < start + to; at += 4) view.setFloat32(at, -0, true);
  const model = Autoencoder.fromBytes(bytes);

  const x = data().slice(0, 6 * INPUTS);
  x.fill(0, 0, INPUTS); // sample 0 is blank
  const codes = model.encode(x);
  for (let sample = 0; sample < 6; sample++) {
    const alone = model.encode(x.subarray(sample * INPUTS, (sample + 1) * INPUTS));
    const inBatch = codes.subarray(sample * 7, (sample + 1) * 7);
    assert.deepEqual(new Uint32Array(alone.buffer), new Uint32Array(inBatch.slice().buffer),
      `sample ${sample}`);
  }
  model.free();
});

/** A model file whose first layer's sums overflow on inputs of 10: ∞ − ∞ with `cancel`, else +∞. */
function overflowingModel(cancel) {
  const fresh = new Autoencoder(CASES['undercomplete, mse']);
  const bytes = fresh.toBytes();
  fresh.free();
  const { json, start } = header(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const [from, to] = json['encoder.0.weight'].data_offsets;
  for (let at = start + from; at < start + to; at += 4) view.setFloat32(at, 3e38, true);
  if (cancel) view.setFloat32(start + from + 4, -3e38, true);
  return Autoencoder.fromBytes(bytes);
}

test(`${build} wasm build: a sum that overflows is an Error, alone and in a batch`, () => {
  // The relaxed module's clamp in the sigmoid may turn NaN into a number in
  // its four-wide path only, so a result would differ between builds and
  // between a sample alone and in a batch; an error differs in neither.
  const x = new Float32Array(8 * INPUTS).fill(10);
  for (const cancel of [true, false]) {
    const model = overflowingModel(cancel);
    for (const input of [x, x.subarray(0, INPUTS)]) {
      for (const op of ['encode', 'reconstruct']) {
        assert.throws(() => model[op](input), (error) => error instanceof Error
          && error.message === `Autoencoder.${op}: the values overflowed in layer 1 (a sum passed ±3.4e38): `
            + "the input or the model's weights are far too large", `${op} of ${input.length}`);
      }
    }
    // Zeros still go through.
    assert.ok(model.encode(new Float32Array(INPUTS)).every(Number.isFinite));
    model.free();
  }
});

test(`${build} wasm build: a training step whose sums overflow stops, its weights kept`, () => {
  const x = new Float32Array(8 * INPUTS).fill(10);
  for (const cancel of [true, false]) {
    const model = overflowingModel(cancel);
    const before = model.toBytes();
    assert.throws(() => model.evaluate(x),
      /^Error: Autoencoder.evaluate: the values overflowed in layer 1 /);
    const trainer = new Trainer(model, x, { batchSize: 8 });
    model.free();
    assert.throws(() => trainer.step(1), /training stopped at step 1: the loss \(NaN\)/);
    const kept = trainer.model();
    assert.deepEqual(kept.toBytes(), before);
    kept.free();
    trainer.free();
  }
});
