// Tests of the built package (pkg/) through its public entry point, as a user
// in Node calls it: exact numbers from a model with hand-set weights, round
// trips that compare bits, training on the real digits, and an Error that
// names the problem for every bad input, with the module still working after.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  Autoencoder,
  Digits,
  Probe,
  Trainer,
  corrupt,
  init,
  inkFromRgba,
  loadDigits,
  pairInputs,
  preprocess,
  presetConfig,
  readIdxImages,
  readIdxLabels,
} from '../../pkg/index.js';
import initWasm from '../../pkg/autoencoder_lab.js';
import * as infer from '../../pkg/infer.js';
import { seededRandom } from '../../scripts/random.mjs';

const PKG = new URL('../../pkg/', import.meta.url);
const SIDE = 28;
const PIXELS = SIDE * SIDE;

await init();
await infer.init();
const digits = await loadDigits();

// ---------------------------------------------------------------------------
// Helpers

/** The bit patterns of float32 values, for comparisons that tolerate nothing. */
function bits(values) {
  assert.ok(values instanceof Float32Array, `expected a Float32Array, got ${values}`);
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Asserts two Float32Arrays hold the same bits. */
function assertSameBits(actual, expected, what = 'values') {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  assert.deepEqual(bits(actual), bits(expected), `${what}: bits differ`);
}

/** The first `count` images of a split, `[count, 784]`. */
function firstImages(split, count) {
  return digits.images(split).slice(0, count * PIXELS);
}

/**
 * A safetensors file: u64 little-endian header length, the JSON header, then
 * the raw tensor data.
 */
function safetensors(header, data) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

/**
 * The header and data of a model file holding `tensors` (`[name, shape,
 * values]`) back to back as little-endian float32, with `config` as metadata.
 */
function modelParts(config, tensors) {
  const header = {
    __metadata__: { format_version: '1', config: JSON.stringify(config) },
  };
  const count = tensors.reduce((sum, [, , values]) => sum + values.length, 0);
  const data = new Uint8Array(count * 4);
  const view = new DataView(data.buffer);
  let offset = 0;
  for (const [name, shape, values] of tensors) {
    header[name] = {
      dtype: 'F32',
      shape,
      data_offsets: [offset, offset + values.length * 4],
    };
    for (const value of values) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  }
  return { header, data };
}

// A model small enough to work out on paper: one input pair, a code of one
// unit, identity activations everywhere.
//   h  = 0.5·x₀ − 1·x₁ + 0.25
//   x̂₀ = 2·h + 0.5
//   x̂₁ = −1·h + 1
const TINY = {
  inputSize: 2,
  encoder: [{ units: 1, activation: 'identity' }],
  decoder: [{ units: 2, activation: 'identity' }],
  objective: { loss: 'mse' },
};
const TINY_TENSORS = [
  ['encoder.0.weight', [1, 2], [0.5, -1]],
  ['encoder.0.bias', [1], [0.25]],
  ['decoder.0.weight', [2, 1], [2, -1]],
  ['decoder.0.bias', [2], [0.5, 1]],
];

/** The tiny model's file, with `objective` in its config. */
function tinyFile(objective = TINY.objective) {
  const { header, data } = modelParts({ ...TINY, objective }, TINY_TENSORS);
  return safetensors(header, data);
}

// A model every error test calls afterwards, to show the module still works.
const witness = Autoencoder.fromBytes(tinyFile());

/** Throws unless the module still answers a normal call correctly. */
function assertAlive() {
  // h = 0.5·1 − 1·2 + 0.25 = −1.25
  assert.deepEqual([...witness.encode(new Float32Array([1, 2]))], [-1.25]);
}

/**
 * Asserts that `action` throws an `Error` whose message matches `pattern`,
 * and that the module still works afterwards.
 */
/** `text` as a regular expression that matches it literally. */
function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function assertError(action, pattern) {
  let error;
  try {
    action();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error !== undefined, `expected an Error matching ${pattern}, nothing was thrown`);
  assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
  assert.match(error.message, pattern);
  assertAlive();
}

/** As `assertError`, for an action that returns a promise. */
async function assertRejects(action, pattern) {
  await assert.rejects(action, (error) => {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
  assertAlive();
}

// ---------------------------------------------------------------------------

describe('encode, decode and reconstruct', () => {
  test('a batch gives the same bits as its samples one by one', () => {
    // A few steps of training, so that the codes are not those of random weights.
    const config = presetConfig('undercomplete', { codeSize: 16, hidden: [64], seed: 4 });
    const fresh = new Autoencoder(config);
    const trainer = new Trainer(fresh, firstImages('train', 256), { seed: 1 });
    trainer.step(20);
    const model = trainer.model();
    fresh.free();
    trainer.free();

    const count = 7;
    const x = firstImages('test', count);
    const codes = model.encode(x);
    const reconstructions = model.reconstruct(x);
    assert.equal(codes.length, count * 16);
    assert.equal(reconstructions.length, count * PIXELS);
    assert.ok(codes.some((h) => h !== 0), 'the codes are all zero: a vacuous comparison');

    for (let i = 0; i < count; i++) {
      const one = x.subarray(i * PIXELS, (i + 1) * PIXELS);
      const code = model.encode(one);
      assertSameBits(code, codes.subarray(i * 16, (i + 1) * 16), `code of sample ${i}`);
      assertSameBits(model.decode(code), reconstructions.subarray(i * PIXELS, (i + 1) * PIXELS),
        `decode of sample ${i}`);
      assertSameBits(model.reconstruct(one),
        reconstructions.subarray(i * PIXELS, (i + 1) * PIXELS), `reconstruction of sample ${i}`);
    }
    assertSameBits(model.decode(codes), reconstructions, 'decode(encode(x)) of the batch');
    model.free();
  });

  test('a batch gives its samples in order when a layer has a single unit', () => {
    // A layer of one unit gives a `[batch, 1]` activation, which is at once
    // row- and column-major; the layers after it must still return the
    // samples one after the other, not interleaved.
    const x = new Float32Array([0.1, 0.2, 0.3, 0.9, 0.8, 0.7]);
    const layer = (units) => ({ units, activation: 'tanh' });
    for (const [codeSize, hidden] of [[1, []], [2, [1]]]) {
      const model = new Autoencoder({
        inputSize: 3,
        encoder: [...hidden, codeSize].map(layer),
        decoder: [...hidden, 3].map(layer),
        seed: 1,
        objective: { loss: 'mse' },
      });
      const codes = model.encode(x);
      const ones = [x.subarray(0, 3), x.subarray(3)];
      assertSameBits(codes, Float32Array.from(ones.flatMap((one) => [...model.encode(one)])),
        `codes with code ${codeSize}, hidden [${hidden}]`);
      assertSameBits(model.reconstruct(x),
        Float32Array.from(ones.flatMap((one) => [...model.reconstruct(one)])),
        `reconstructions with code ${codeSize}, hidden [${hidden}]`);
      model.free();
    }
  });

  test('each value is its bias, then its terms in order, in float32, on every path', () => {
    // Identity activations show the sums themselves, worked out here one
    // rounding at a time. The widths take in the kernels' panels (16 and 8
    // columns) and a partial one; the batches, rows in blocks of four, rows
    // alone, and rows mostly zeros (those with `row % 8 < 4`).
    const random = seededRandom(11);
    const sizes = [[40, 64], [37, 13], [24, 8], [19, 3], [5, 1], [784, 21], [30, 790]];
    for (const [inputs, units] of sizes) {
      const weight = Float32Array.from({ length: units * inputs }, () => 2 * random() - 1);
      const bias = Float32Array.from({ length: units }, () => random() - 0.5);
      const config = {
        inputSize: inputs,
        encoder: [{ units, activation: 'identity' }],
        decoder: [{ units: inputs, activation: 'identity' }],
        objective: { loss: 'mse' },
      };
      const { header, data } = modelParts(config, [
        ['encoder.0.weight', [units, inputs], weight],
        ['encoder.0.bias', [units], bias],
        ['decoder.0.weight', [inputs, units], new Float32Array(inputs * units)],
        ['decoder.0.bias', [inputs], new Float32Array(inputs)],
      ]);
      const model = Autoencoder.fromBytes(safetensors(header, data));
      for (const count of [1, 4, 7, 9]) {
        const x = Float32Array.from({ length: count * inputs }, (_, i) => {
          const sparse = Math.floor(i / inputs) % 8 < 4;
          return sparse && random() < 0.8 ? 0 : random();
        });
        const expected = new Float32Array(count * units);
        for (let row = 0; row < count; row++) {
          for (let j = 0; j < units; j++) {
            let sum = Math.fround(bias[j] + 0);
            for (let k = 0; k < inputs; k++) {
              sum = Math.fround(sum + Math.fround(x[row * inputs + k] * weight[j * inputs + k]));
            }
            expected[row * units + j] = sum;
          }
        }
        assertSameBits(model.encode(x), expected, `${inputs} → ${units}, a batch of ${count}`);
      }
      model.free();
    }
  });

  test('the input array is left as it was', () => {
    const x = firstImages('test', 2);
    const before = x.slice();
    const model = new Autoencoder(presetConfig('denoising', { codeSize: 8 }));
    model.reconstruct(x);
    assertSameBits(x, before);
    model.free();
  });

  test('encodeInto, decodeInto and reconstructInto fill an array the caller keeps, in both builds', () => {
    const x = firstImages('test', 9);
    const trained = new Autoencoder(presetConfig('sparse', { codeSize: 16 }));
    for (const model of [trained, infer.Autoencoder.fromBytes(trained.toBytes())]) {
      const code = new Float32Array(9 * 16).fill(NaN);
      assert.equal(model.encodeInto(x, code), undefined);
      assertSameBits(code, model.encode(x), 'encodeInto');
      const decoded = new Float32Array(9 * PIXELS);
      model.decodeInto(code, decoded);
      assertSameBits(decoded, model.decode(code), 'decodeInto');
      const rebuilt = new Float32Array(9 * PIXELS);
      model.reconstructInto(x, rebuilt);
      assertSameBits(rebuilt, model.reconstruct(x), 'reconstructInto');
      // In place: the input is copied into wasm before the result is written.
      const y = x.slice();
      model.reconstructInto(y, y);
      assertSameBits(y, rebuilt, 'reconstructInto in place');

      // A wrong `out` is refused before any work, and on any error `out` is
      // left as it was.
      const kept = new Float32Array(9 * 16).fill(7);
      const refusals = [
        [[...kept], 'must be a Float32Array, got an Array'],
        [new Float64Array(9 * 16), 'must be a Float32Array, got a Float64Array'],
        [null, 'must be a Float32Array, got null'],
        [undefined, 'must be a Float32Array, got undefined'],
        [new Float32Array(9 * 16 - 1), 'must hold 144 values for this input, got 143'],
      ];
      for (const [out, reason] of refusals) {
        assertError(() => model.encodeInto(x, out),
          new RegExp(`^Autoencoder\\.encodeInto: \`out\` ${escaped(reason)}$`));
      }
      assertError(() => model.reconstructInto(x, kept), /`out` must hold 7056 values for this input, got 144$/);
      const broken = x.slice();
      broken[800] = NaN;
      assertError(() => model.encodeInto(broken, kept), /^Autoencoder\.encodeInto: input value at index 800/);
      assertError(() => model.decodeInto(new Float32Array(15), kept), /multiple of 16 values, got 15$/);
      assert.ok(kept.every((v) => v === 7), 'out untouched');

      const encoder = model.encoderOnly();
      const codes = new Float32Array(9 * 16);
      encoder.encodeInto(x, codes);
      assertSameBits(codes, code, 'an exported encoder');
      assertError(() => encoder.decodeInto(code, decoded), /^Autoencoder\.decodeInto: this model is an exported encoder/);
      assertError(() => encoder.reconstructInto(x, rebuilt), /^Autoencoder\.reconstructInto: this model is an exported encoder/);
      encoder.free();
      model.free();
    }

    // Errors of the work itself name the call made too.
    const identity = Autoencoder.fromBytes(tinyFile()); // code = 0.25 + 0.5 x₀ − x₁
    const kept = new Float32Array(1).fill(7);
    assertError(() => identity.encodeInto(new Float32Array([3e38, -3e38]), kept),
      /^Autoencoder\.encodeInto: the values overflowed in layer 1/);
    assert.ok(kept.every((v) => v === 7), 'out untouched');
    identity.free();
    // A result too long for wasm32 is refused as such: its length once wrapped
    // to 0 in the check of `out`.
    const wide = new Autoencoder({ ...TINY, inputSize: 1,
      encoder: [{ units: 16384, activation: 'relu' }], decoder: [{ units: 1, activation: 'identity' }] });
    assertError(() => wide.encodeInto(new Float32Array(262144), new Float32Array(3)),
      /^Autoencoder\.encodeInto: expected fewer rows \(the result, 262144 × 16384 values, does not fit in memory\), got 262144$/);
    wide.free();
  });
});

describe('a model with hand-set weights', () => {
  test('loads with the config and weights of the file', () => {
    const model = Autoencoder.fromBytes(tinyFile());
    assert.equal(model.inputSize, 2);
    assert.equal(model.codeSize, 1);
    // 1·2 + 1 (encoder) + 2·1 + 2 (decoder) = 7
    assert.equal(model.parameterCount, 7);
    assert.deepEqual([...model.weights('encoder', 0)], [0.5, -1]);
    assert.deepEqual([...model.weights('decoder', 0)], [2, -1]);
    assert.equal(model.toString(),
      'encoder.0  2 → 1  identity\ndecoder.0  1 → 2  identity\n7 parameters');
    assert.deepEqual(model.config(), {
      ...TINY,
      init: 'glorot',
      seed: 0,
      objective: { loss: 'mse', corruption: null, sparsity: null, contraction: null },
    });
    model.free();
  });

  test('encodes, decodes and reconstructs as worked out on paper', () => {
    const model = Autoencoder.fromBytes(tinyFile());
    const x = new Float32Array([1, 2, 0, 0]);

    // Every value below is a sum of powers of two: exact in float32.
    // x = (1, 2): h = 0.5 − 2 + 0.25 = −1.25, x̂ = (−2.5 + 0.5, 1.25 + 1) = (−2, 2.25)
    // x = (0, 0): h = 0.25,                   x̂ = (0.5 + 0.5, −0.25 + 1) = (1, 0.75)
    assert.deepEqual([...model.encode(x)], [-1.25, 0.25]);
    // decode(4) = (2·4 + 0.5, −4 + 1) = (8.5, −3); decode(0) = (0.5, 1)
    assert.deepEqual([...model.decode(new Float32Array([4]))], [8.5, -3]);
    assert.deepEqual([...model.decode(new Float32Array([4, 0]))], [8.5, -3, 0.5, 1]);
    assert.deepEqual([...model.reconstruct(x)], [-2, 2.25, 1, 0.75]);
    model.free();
  });

  test('evaluate gives the MSE over all elements plus the penalty', () => {
    const x = new Float32Array([1, 2, 0, 0]);

    // Squared errors: (−2 − 1)² = 9, (2.25 − 2)² = 0.0625, (1 − 0)² = 1,
    // (0.75 − 0)² = 0.5625; mean over the 4 elements = 10.625 / 4 = 2.65625.
    const mse = 2.65625;
    const plain = Autoencoder.fromBytes(tinyFile({ loss: 'mse' }));
    assert.deepEqual(plain.evaluate(x), { reconstruction: mse, penalty: 0, loss: mse });

    // L1: 0.5 · mean |h| = 0.5 · (1.25 + 0.25) / 2 = 0.375.
    const sparse = Autoencoder.fromBytes(tinyFile({
      loss: 'mse',
      sparsity: { kind: 'l1', weight: 0.5 },
    }));
    assert.deepEqual(sparse.evaluate(x), { reconstruction: mse, penalty: 0.375, loss: 3.03125 });

    // Contractive: ∂h/∂x = W = (0.5, −1) for every sample, ‖W‖² = 0.25 + 1 = 1.25;
    // batch mean 1.25, times λ = 0.5 gives 0.625.
    const contractive = Autoencoder.fromBytes(tinyFile({
      loss: 'mse',
      contraction: { weight: 0.5 },
    }));
    assert.deepEqual(contractive.evaluate(x),
      { reconstruction: mse, penalty: 0.625, loss: 3.28125 });

    // Both penalties add: 0.375 + 0.625 = 1.
    const both = Autoencoder.fromBytes(tinyFile({
      loss: 'mse',
      sparsity: { kind: 'l1', weight: 0.5 },
      contraction: { weight: 0.5 },
    }));
    assert.deepEqual(both.evaluate(x), { reconstruction: mse, penalty: 1, loss: 3.65625 });

    for (const model of [plain, sparse, contractive, both]) model.free();
  });
});

describe('model files', () => {
  test('save then load gives the same bits and the same file, for every kind', () => {
    const x = firstImages('test', 5);
    for (const kind of ['undercomplete', 'sparse', 'denoising', 'contractive']) {
      const config = presetConfig(kind, { codeSize: 12, hidden: [40], seed: 9 });
      const fresh = new Autoencoder(config);
      const trainer = new Trainer(fresh, firstImages('train', 128), { seed: 2 });
      trainer.step(5);
      const original = trainer.model();
      fresh.free();
      trainer.free();

      const bytes = original.toBytes();
      assert.ok(bytes instanceof Uint8Array);
      const loaded = Autoencoder.fromBytes(bytes);
      assert.deepEqual(loaded.config(), original.config(), kind);
      assertSameBits(loaded.reconstruct(x), original.reconstruct(x), `${kind} reconstruction`);
      assertSameBits(loaded.encode(x), original.encode(x), `${kind} code`);
      assert.deepEqual(loaded.toBytes(), bytes, `${kind}: toBytes of the loaded model`);
      original.free();
      loaded.free();
    }
  });

  test('a hand-written file survives a save and load unchanged', () => {
    const model = Autoencoder.fromBytes(tinyFile());
    const again = Autoencoder.fromBytes(model.toBytes());
    const x = new Float32Array([0.3, 0.7, 1, 0]);
    assertSameBits(again.reconstruct(x), model.reconstruct(x));
    assert.deepEqual(again.toBytes(), model.toBytes());
    model.free();
    again.free();
  });
});

describe('training', () => {
  test('two epochs on the digits beat the mean image by a clear factor', () => {
    const train = digits.images('train');
    const test = digits.images('test');

    // Baseline: predict every test digit as the mean train image.
    const trainCount = train.length / PIXELS;
    const mean = new Float64Array(PIXELS);
    for (let i = 0; i < train.length; i++) mean[i % PIXELS] += train[i] / trainCount;
    let squares = 0;
    for (let i = 0; i < test.length; i++) squares += (test[i] - mean[i % PIXELS]) ** 2;
    const baseline = squares / test.length;

    const model = new Autoencoder(presetConfig('undercomplete', { codeSize: 32 }));
    const trainer = new Trainer(model, train, {
      optimizer: { kind: 'adam', learningRate: 3e-3 },
      batchSize: 64,
    });
    assert.equal(trainer.stepsPerEpoch, Math.ceil(trainCount / 64));
    const progress = trainer.step(2 * trainer.stepsPerEpoch);
    assert.equal(progress.epoch, 2);
    assert.equal(progress.epochProgress, 0);

    // Measured: baseline 0.0679, model 0.029–0.031 for init seeds 0, 1, 2, 3
    // and 7, a factor of 2.22–2.31. Asking for 1.8 leaves room for changes in
    // initialisation or summation order, yet fails for a model that only
    // learnt the mean image.
    const trained = trainer.model();
    const { reconstruction, penalty, loss } = trained.evaluate(test);
    assert.equal(penalty, 0);
    assert.equal(loss, reconstruction);
    assert.ok(reconstruction * 1.8 < baseline,
      `test MSE ${reconstruction} is not 1.8× below the mean image's ${baseline}`);
    for (const object of [model, trainer, trained]) object.free();
  });

  test('7 + 23 steps give the same model, bit for bit, as 30 steps at once', () => {
    // 640 images in batches of 64: 30 steps cross two reshuffles.
    const images = firstImages('train', 640);
    const options = { batchSize: 64, seed: 5, optimizer: { kind: 'adam', learningRate: 1e-2 } };
    for (const kind of ['undercomplete', 'denoising', 'sparse']) {
      const model = new Autoencoder(presetConfig(kind, { codeSize: 10, seed: 3 }));
      const whole = new Trainer(model, images, options);
      const parts = new Trainer(model, images, options);

      whole.step(30);
      parts.step(7);
      parts.step(0);
      parts.step(23);

      assert.equal(parts.stepCount, 30);
      const [a, b] = [whole.model(), parts.model()];
      assert.deepEqual(b.toBytes(), a.toBytes(), `${kind}: weights differ`);
      assertSameBits(parts.history().reconstruction, whole.history().reconstruction);
      assert.notDeepEqual(a.toBytes(), model.toBytes(), `${kind}: training changed nothing`);
      for (const object of [model, whole, parts, a, b]) object.free();
    }
  });

  test('history and progress report every step with finite numbers', () => {
    const model = new Autoencoder(presetConfig('sparse', { codeSize: 10 }));
    const trainer = new Trainer(model, firstImages('train', 640), { batchSize: 64 });
    assert.equal(trainer.stepsPerEpoch, 10);
    assert.equal(trainer.stepCount, 0);
    trainer.step(5);
    const progress = trainer.step(7);

    assert.equal(trainer.stepCount, 12);
    assert.equal(progress.step, 12);
    assert.equal(progress.epoch, 1);
    assert.ok(Math.abs(progress.epochProgress - 0.2) < 1e-12, `${progress.epochProgress}`);
    for (const [field, value] of Object.entries(progress)) {
      assert.ok(Number.isFinite(value), `${field} = ${value}`);
    }
    assert.ok(progress.examplesPerSecond > 0);
    assert.ok(progress.penalty > 0, 'the sparse preset has an L1 penalty');
    assert.ok(Math.abs(progress.loss - (progress.reconstruction + progress.penalty)) < 1e-12);

    const history = trainer.history();
    assert.ok(history.reconstruction instanceof Float32Array);
    assert.ok(history.penalty instanceof Float32Array);
    assert.equal(history.reconstruction.length, trainer.stepCount);
    assert.equal(history.penalty.length, trainer.stepCount);
    assert.ok([...history.reconstruction, ...history.penalty].every(Number.isFinite));

    // The progress is the mean over this call's 7 steps; history holds float32
    // copies, so allow float32 rounding (relative 1e-6).
    const last = history.reconstruction.subarray(5);
    const mean = last.reduce((sum, value) => sum + value, 0) / last.length;
    assert.ok(Math.abs(mean - progress.reconstruction) < 1e-6 * mean,
      `${mean} vs ${progress.reconstruction}`);
    model.free();
    trainer.free();
  });

  test('a diverging step throws, naming the step, and keeps the last good weights', () => {
    // Identity layers, inputs of 1000 and SGD at rate 10: the first step is
    // applied; the second's gradient is past what a step applies (its loss
    // would overflow at the third).
    const model = new Autoencoder(TINY);
    const images = new Float32Array(8).fill(1000);
    const options = { optimizer: { kind: 'sgd', learningRate: 10 }, batchSize: 2, seed: 3 };
    const trainer = new Trainer(model, images, options);
    assertError(() => trainer.step(10), /step 2\b.*not finite, or too large to apply/);
    assert.equal(trainer.stepCount, 1);
    assert.equal(trainer.history().reconstruction.length, 1);

    const reference = new Trainer(model, images, options);
    reference.step(1);
    const [kept, expected] = [trainer.model(), reference.model()];
    assert.deepEqual(kept.toBytes(), expected.toBytes());
    for (const object of [model, trainer, reference, kept, expected]) object.free();
  });
});

describe('corrupt, preprocess and inkFromRgba', () => {
  test('corrupt is seeded, stays in [0, 1] and masks everything at level 1', () => {
    const x = firstImages('test', 3);
    const before = x.slice();
    const masking = { kind: 'masking', level: 0.5 };

    assertSameBits(corrupt(x, masking, 7), corrupt(x, masking, 7), 'same seed');
    assert.notDeepEqual(bits(corrupt(x, masking, 7)), bits(corrupt(x, masking, 8)),
      'different seeds gave the same noise');
    assertSameBits(x, before, 'the input was changed');

    assert.ok(corrupt(x, { kind: 'masking', level: 1 }, 1).every((v) => v === 0));
    assertSameBits(corrupt(x, { kind: 'masking', level: 0 }, 1), x, 'level 0');
    const salt = corrupt(x, { kind: 'saltPepper', level: 1 }, 2);
    assert.ok(salt.every((v) => v === 0 || v === 1));
    assert.ok(salt.some((v) => v === 0) && salt.some((v) => v === 1));
    for (const kind of ['gaussian', 'masking', 'saltPepper']) {
      const noisy = corrupt(x, { kind, level: kind === 'gaussian' ? 2 : 0.7 }, 3);
      assert.equal(noisy.length, x.length);
      assert.ok(noisy.every((v) => v >= 0 && v <= 1), kind);
    }
  });

  test('preprocess turns a blank canvas into 784 zeros', () => {
    const blank = preprocess(new Float32Array(300 * 200), 300, 200);
    assert.ok(blank instanceof Float32Array);
    assert.equal(blank.length, PIXELS);
    assert.ok(blank.every((v) => v === 0));
  });

  test('preprocess fits a drawn bar in 20 pixels with its centre of mass at (14, 14)', () => {
    // A horizontal bar 200 wide, 20 tall, off-centre on a 280×280 canvas.
    const side = 280;
    const ink = new Float32Array(side * side);
    for (let y = 200; y < 220; y++) ink.fill(1, y * side + 30, y * side + 230);
    const digit = preprocess(ink, side, side);
    assert.equal(digit.length, PIXELS);
    assert.ok(digit.every((v) => v >= 0 && v <= 1));

    let mass = 0;
    let mx = 0;
    let my = 0;
    const columns = new Set();
    for (let i = 0; i < PIXELS; i++) {
      if (digit[i] === 0) continue;
      const [x, y] = [i % SIDE, Math.floor(i / SIDE)];
      columns.add(x);
      mass += digit[i];
      mx += digit[i] * (x + 0.5);
      my += digit[i] * (y + 0.5);
    }
    // 200×20 of ink scaled by 20/200 keeps its area: 20×2 = 40 pixels of ink.
    assert.ok(Math.abs(mass - 40) < 1e-3, `ink mass ${mass}`);
    assert.equal(columns.size, 20);
    // The centre is moved by whole pixels, as MNIST was made: within half a pixel.
    assert.ok(Math.abs(mx / mass - 14) <= 0.5 && Math.abs(my / mass - 14) <= 0.5,
      `centre of mass (${mx / mass}, ${my / mass})`);
  });

  test('inkFromRgba takes alpha / 255 and ignores the colour', () => {
    const rgba = new Uint8ClampedArray([
      0, 0, 0, 0, 255, 255, 255, 51,
      9, 80, 200, 128, 1, 2, 3, 255,
    ]);
    const ink = inkFromRgba(rgba, 2, 2);
    assert.ok(ink instanceof Float32Array);
    assert.deepEqual([...ink], [0, 51, 128, 255].map((a) => Math.fround(a / 255)));
    assert.deepEqual([...inkFromRgba(new Uint8Array(rgba), 2, 2)], [...ink]);
  });
});

describe('bad input throws an Error naming the problem', () => {
  const model = new Autoencoder(presetConfig('undercomplete', { inputSize: 6, codeSize: 4 }));
  after(() => model.free());

  test('wrong lengths', () => {
    assertError(() => model.encode(new Float32Array(5)), /encode.*multiple of 6.*got 5/);
    assertError(() => model.encode(new Float32Array(0)), /encode.*non-empty.*got 0/);
    assertError(() => model.decode(new Float32Array(3)), /decode.*multiple of 4.*got 3/);
    assertError(() => model.reconstruct(new Float32Array(13)),
      /reconstruct.*multiple of 6.*got 13/);
    assertError(() => model.evaluate(new Float32Array(7)), /evaluate.*multiple of 6.*got 7/);
    assertError(() => new Trainer(model, new Float32Array(7)),
      /^new Trainer: expected a non-empty multiple of 6 values, got 7$/);
    assertError(() => preprocess(new Float32Array(3), 2, 2), /preprocess.*2×2 = 4.*got 3/);
    assertError(() => preprocess(new Float32Array(0), 0, 0),
      /^preprocess: `width` must be from 1 to 8192, got 0$/);
    assertError(() => inkFromRgba(new Uint8Array(15), 2, 2),
      /inkFromRgba: expected 2×2×4.*got 15/);
  });

  test('sizes whose byte count overflows 32 bits are refused', () => {
    // 65536 × 65536 × 4 = 2³⁴, which is 0 in 32-bit arithmetic; 65536 ×
    // 16385 × 4 is 2³² + 2¹⁸. Neither byte array matches its claimed size.
    assertError(() => inkFromRgba(new Uint8Array(0), 65536, 65536), /inkFromRgba/);
    assertError(() => inkFromRgba(new Uint8Array(1 << 18), 65536, 16385), /inkFromRgba/);
  });

  test('a result too large for memory is an Error, and the module lives on', () => {
    // 70,000 codes of one value each decode to 70,000 × 16,384 floats, 4.6 GB:
    // more than wasm32 can address. Asked of the allocator, that ended the module.
    const wide = new Autoencoder({
      inputSize: 16384,
      encoder: [{ units: 1, activation: 'identity' }],
      decoder: [{ units: 16384, activation: 'identity' }],
      objective: { loss: 'mse' },
    });
    const codes = new Float32Array(70000);
    assertError(() => wide.decode(codes),
      /^Autoencoder\.decode: expected fewer rows .*70000 × 16384 values, does not fit in memory/);
    const small = infer.Autoencoder.fromBytes(wide.toBytes());
    assert.throws(() => small.decode(codes), /does not fit in memory/);
    assert.equal(small.decode(codes.subarray(0, 2)).length, 2 * 16384);
    small.free();
    wide.free();
  });

  test('NaN and infinity in inputs', () => {
    const x = new Float32Array(6).fill(0.5);
    x[2] = NaN;
    assertError(() => model.encode(x), /encode.*index 2.*NaN/);
    assertError(() => model.reconstruct(x), /reconstruct.*index 2.*NaN/);
    assertError(() => model.evaluate(x), /evaluate.*index 2.*NaN/);
    assertError(() => new Trainer(model, x), /^new Trainer: input value at index 2 is NaN/);
    assertError(() => model.decode(new Float32Array([0, Infinity, 0, 0])),
      /decode.*index 1.*infinite/);
    assertError(() => preprocess(new Float32Array([0, 0, -Infinity, 0]), 2, 2),
      /preprocess.*index 2/);
    assertError(() => corrupt(x, { kind: 'masking', level: 0.1 }, 1), /corrupt.*index 2/);
  });

  test('a misspelt required config field', () => {
    const { inputSize, ...config } = TINY;
    assertError(() => new Autoencoder({ ...config, inputSise: inputSize }),
      /inputSi[sz]e/);
  });

  // Each case a test of its own, so that one failure does not hide the rest.
  const unknownFields = [
    ['model config', () => new Autoencoder({ ...TINY, inputSise: 2 }), /inputSise/],
    ['nested model config',
      () => new Autoencoder({ ...TINY, objective: { loss: 'mse', sparsty: null } }),
      /sparsty/],
    ['training options',
      () => new Trainer(model, new Float32Array(12), { batchSise: 3 }), /batchSise/],
    ['preset options', () => presetConfig('sparse', { codeSise: 3 }), /codeSise/],
  ];
  for (const [where, action, pattern] of unknownFields) {
    test(`an unknown field in the ${where} is refused, not ignored`, () => {
      assertError(action, pattern);
    });
  }

  test('a value of the wrong type names its path', () => {
    assertError(
      () => new Autoencoder({ ...TINY, encoder: [{ units: 'one', activation: 'identity' }] }),
      /encoder\[0\]\.units/);
    assertError(
      () => new Autoencoder({ ...TINY, encoder: [{ units: 1, activation: 'swish' }] }),
      /encoder\[0\]\.activation.*swish/);
    // Named after the call, as every other message is.
    assertError(() => new Trainer(model, new Float32Array(12), { batchSize: 'big' }),
      /^new Trainer: `batchSize`: invalid type: string "big", expected a whole number, 0 or more$/);
    assertError(() => presetConfig('sparse', { codeSize: 'x' }), /^presetConfig: `codeSize`: /);
    assertError(() => new Probe(new Float32Array(4), 2, [0, 1], 2, { epochs: 'many' }),
      /^new Probe: `epochs`: invalid type/);
    // An object is an object, not serde's `struct TrainConfig`.
    assertError(() => new Trainer(model, new Float32Array(12), 5),
      /^new Trainer: invalid options: invalid type: integer `5`, expected an object$/);
    // A number as JS writes it, not serde's 1e+21.
    assertError(() => presetConfig('sparse', { seed: 1e21 }),
      /^presetConfig: `seed`: invalid type: the number `1e21`, expected a whole number, 0 or more$/);
    assertError(() => new Autoencoder(), /^new Autoencoder: expected a config object, got nothing$/);
    assertError(() => presetConfig('sparsest'), /kind.*sparsest/);
    assertError(() => corrupt(new Float32Array(3), { kind: 'blur', level: 0.2 }, 1), /blur/);
  });

  test('a wrong type inside the optimizer names optimizer.learningRate', () => {
    const options = { optimizer: { kind: 'adam', learningRate: 'fast' } };
    assertError(() => new Trainer(model, new Float32Array(12), options),
      /^new Trainer: `optimizer\.learningRate` must be a number, got "fast"$/);
  });

  test('absurd hyper-parameters', () => {
    const images = new Float32Array(12);
    const train = (options) => () => new Trainer(model, images, options);
    assertError(train({ optimizer: { kind: 'adam', learningRate: 1e9 } }),
      /optimizer\.learningRate.*1000000000/);
    assertError(train({ optimizer: { kind: 'sgd', learningRate: -0.1 } }),
      /optimizer\.learningRate/);
    assertError(train({ optimizer: { kind: 'sgd', momentum: 1.5 } }), /optimizer\.momentum/);
    assertError(train({ optimizer: { kind: 'adam', beta1: 1 } }), /optimizer\.beta1/);
    assertError(train({ batchSize: 0 }), /batchSize.*got 0/);
    assertError(train({ batchSize: 1e6 }), /batchSize/);

    assertError(() => presetConfig('sparse', { weight: -1 }), /objective\.sparsity\.weight/);
    // Number types in words, not Rust's names (usize, u64).
    assertError(() => presetConfig('sparse', { seed: 1.5 }),
      /`seed`: invalid type: the number `1\.5`, expected a whole number, 0 or more$/);
    assertError(() => presetConfig('contractive', { weight: -0.01 }),
      /objective\.contraction\.weight/);
    assertError(() => presetConfig('undercomplete', { codeSize: 0 }), /encoder\[0\]\.units/);
    assertError(() => presetConfig('sparse', { target: 1.5 }),
      /objective\.sparsity\.target.*1\.5/);
    assertError(() => presetConfig('denoising', { corruption: { kind: 'masking', level: 2 } }),
      /objective\.corruption\.level/);
    assertError(() => corrupt(new Float32Array(3), { kind: 'masking', level: -1 }, 1),
      /corruption\.level/);
    const wide = [{ units: 3, activation: 'identity' }];
    assertError(() => new Autoencoder({ ...TINY, decoder: wide }),
      /decoder\[0\]\.units.*inputSize/);
    assertError(() => new Autoencoder({ ...TINY, objective: { loss: 'bce' } }),
      /objective\.loss.*sigmoid/);
    assertError(() => new Autoencoder({ ...TINY, encoder: [] }), /encoder/);
  });

  test('a model too big for wasm memory is refused with a message, not a trap', () => {
    // Each layer is within the per-layer limits, the whole is not: 2 + 2
    // layers of 16384 units hold 16385·16384·4 ≈ 1.07 billion parameters,
    // 8 + 8 layers 16385·16384·16 = 4,295,229,440, just over 2³² (a count
    // that wraps to 262,144 in 32-bit arithmetic). The big one is also
    // tried as a 780-byte model file that only claims that architecture.
    // Run in a child process: a failed attempt can leave this process's
    // wasm memory grown to 4 GB.
    const layers = (count) => Array.from({ length: count }, () => ({
      units: 16384,
      activation: 'relu',
    }));
    const config = (count) => ({
      inputSize: 16384,
      encoder: layers(count),
      decoder: layers(count),
    });
    const { header, data } = modelParts(config(8), []);
    const script = `
      import { init, Autoencoder } from ${JSON.stringify(new URL('index.js', PKG).href)};
      await init();
      const attempts = {
        'config of 2 + 2 layers': () => new Autoencoder(${JSON.stringify(config(2))}),
        'config of 8 + 8 layers': () => new Autoencoder(${JSON.stringify(config(8))}),
        'file of 8 + 8 layers': () => Autoencoder.fromBytes(
          new Uint8Array(${JSON.stringify([...safetensors(header, data)])})),
      };
      const results = {};
      for (const [name, attempt] of Object.entries(attempts)) {
        try {
          attempt();
          results[name] = { threw: false };
        } catch (error) {
          results[name] = { isError: error instanceof Error, name: error.name,
            message: error.message };
        }
      }
      console.log(JSON.stringify(results));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    for (const [attempt, result] of Object.entries(JSON.parse(child.stdout))) {
      assert.equal(result.isError, true, `${attempt}: ${JSON.stringify(result)}`);
      assert.match(result.message, /parameters.*limit/,
        `${attempt}: ${result.name}: ${result.message}`);
    }
  });

  test('bytes of a file or of pixels must be a Uint8Array, never wrapped modulo 256', () => {
    // The glue copied any array as a Uint8Array would: [300, 0, 0, 256] became
    // [44, 0, 0, 0], a blank pixel, without a word.
    const refused = (what, got) => new RegExp(`^${what}: \`(bytes|rgba)\` must be a Uint8Array, got ${got}$`);
    assertError(() => inkFromRgba([300, 0, 0, 256], 1, 1), refused('inkFromRgba', 'an Array'));
    assertError(() => inkFromRgba([0, 0, 0, 255], 1, 1), refused('inkFromRgba', 'an Array'));
    assertError(() => inkFromRgba(new Float32Array(4).fill(0.5), 1, 1),
      refused('inkFromRgba', 'a Float32Array'));
    const file = tinyFile();
    assertError(() => Autoencoder.fromBytes([...file]), refused('Autoencoder.fromBytes', 'an Array'));
    assertError(() => Autoencoder.fromBytes(new Uint16Array(file)),
      refused('Autoencoder.fromBytes', 'a Uint16Array'));
    assertError(() => Autoencoder.fromBytes('tiny.safetensors'),
      refused('Autoencoder.fromBytes', "'tiny.safetensors'"));
    assertError(() => Autoencoder.fromBytes(), refused('Autoencoder.fromBytes', 'undefined'));
    assertError(() => readIdxImages([0, 0, 8, 3]), refused('readIdxImages', 'an Array'));
    assertError(() => readIdxLabels({ length: 0 }), refused('readIdxLabels', 'an Object'));
    assertError(() => new Digits([31, 139]), refused('new Digits', 'an Array'));

    // A Node Buffer is a Uint8Array, and a canvas gives a Uint8ClampedArray.
    assert.equal(Autoencoder.fromBytes(Buffer.from(file)).encode(new Float32Array([1, 2]))[0], -1.25);
    assert.deepEqual([...inkFromRgba(new Uint8ClampedArray([0, 0, 0, 255]), 1, 1)], [1]);
  });

  test('each message names the call that was made, never a step inside it', () => {
    // The core names its own steps ("training data", "evaluate a reconstruction
    // loss"); the exports put the public call's name in their place.
    const encoder = Autoencoder.fromBytes(model.encoderOnly().toBytes());
    const onlyEncodes = 'this model is an exported encoder, without a decoder: it can encode, '
      + 'but not decode, reconstruct, evaluate or train';
    const bce = new Autoencoder(presetConfig('undercomplete', { inputSize: 2, codeSize: 1, loss: 'bce' }));
    const huge = new Float32Array(6).fill(3e38);
    const cases = [
      [() => model.encode(new Float32Array(5)),
        'Autoencoder.encode: expected a non-empty multiple of 6 values, got 5'],
      [() => encoder.decode(new Float32Array(4)), `Autoencoder.decode: ${onlyEncodes}`],
      [() => encoder.reconstruct(new Float32Array(6)), `Autoencoder.reconstruct: ${onlyEncodes}`],
      [() => encoder.evaluate(new Float32Array(6)), `Autoencoder.evaluate: ${onlyEncodes}`],
      [() => new Trainer(encoder, new Float32Array(6)), `new Trainer: ${onlyEncodes}`],
      [() => model.evaluate(new Float32Array(7)),
        'Autoencoder.evaluate: expected a non-empty multiple of 6 values, got 7'],
      [() => new Trainer(bce, new Float32Array([2, 0])), 'new Trainer: `images` holds 2 at row 0, '
        + 'column 0, outside [0, 1] where the bce loss reads probabilities'],
      [() => new Trainer(model, new Float32Array(12), { batchSize: 0 }),
        'new Trainer: `batchSize` must be between 1 and 4096, got 0'],
      [() => new Autoencoder({ ...TINY, encoder: [{ units: 0, activation: 'relu' }] }),
        'new Autoencoder: `encoder[0].units` must be between 1 and 16384, got 0'],
      [() => presetConfig('sparsest'), 'presetConfig: `kind` must be undercomplete, sparse, '
        + "denoising or contractive, got 'sparsest'"],
      [() => digits.images('val'), "Digits.images: `split` must be 'train' or 'test', got 'val'"],
      [() => digits.image('test', 2000), 'Digits.image: `index` must be below 2000, got 2000'],
      [() => digits.label('test', -1),
        'Digits.label: `index` must be a whole number from 0 to 2147483647, got -1'],
      [() => model.weights('decoder', 1), 'Autoencoder.weights: `layer` must be below 1, got 1'],
      [() => corrupt(new Float32Array(3), { kind: 'masking', level: 2 }, 1),
        'corrupt: `corruption.level` must be between 0 and 1, got 2'],
      [() => corrupt(new Float32Array(3), { kind: 'blur', level: 0.2 }, 1),
        "corrupt: `corruption.kind` must be 'gaussian', 'masking' or 'saltPepper', got 'blur'"],
      [() => new Trainer(model, new Float32Array(12), { batchSize: 2 }).step(null),
        'Trainer.step: `steps` must be a whole number from 0 to 1000000, got null'],
    ];
    for (const [action, message] of cases) {
      assertError(action, new RegExp(`^${escaped(message)}$`));
    }
    assertError(() => model.reconstruct(huge),
      /^Autoencoder.reconstruct: the values overflowed in layer 1 \(a sum passed ±3\.4e38\)/);
    encoder.free();
    bce.free();
  });

  test('numbers in messages read as a JS user writes them', () => {
    // Rust's own formatting would print `inf` and 1e300 as 301 digits.
    const trainer = new Trainer(model, new Float32Array(12), { batchSize: 2 });
    assertError(() => trainer.step(Infinity), /`steps` must be .*, got Infinity$/);
    assertError(() => trainer.step(-1e300), /`steps` must be .*, got -1e300$/);
    assertError(() => corrupt(new Float32Array(3), { kind: 'masking', level: 1e300 }, 1),
      /`corruption\.level` must be between 0 and 1, got 1e300$/);
    assertError(() => corrupt(new Float32Array(3), { kind: 'gaussian', level: 0.5 }, 2.5e-7),
      /`seed` must be .*, got 2\.5e-7$/);
    assertError(() => presetConfig('sparse', { weight: 1.5e21 }),
      /`objective\.sparsity\.weight` must be between 0 and 100, got 1\.5e21$/);
    assertError(() => presetConfig('sparse', { target: -1e-7 }), /got -1e-7$/);
    assertError(() => new Trainer(model, new Float32Array(12),
      { optimizer: { kind: 'adam', learningRate: 1e22 } }),
      /`optimizer\.learningRate` must be in \(0, 10\], got 1e22$/);
    trainer.free();

    // JS writes them (String, without the `+` of `e+`), for doubles of every
    // size; a float32 (a pixel of a bce model's images) with the fewest
    // digits that read back as that float32: 1.37, not 1.3700000047683716.
    const random = seededRandom(7);
    const bce = new Autoencoder(presetConfig('undercomplete', { inputSize: 2, codeSize: 1, loss: 'bce' }));
    for (let i = 0; i < 300; i++) {
      const seed = -random() * 10 ** Math.floor(80 * random() - 40);
      const written = String(seed).replace('e+', 'e');
      assertError(() => corrupt(new Float32Array(3), { kind: 'masking', level: 0.5 }, seed),
        new RegExp(`got ${escaped(written)}$`));
      const pixel = (1000 + Math.floor(99999 * random() + 1)) / 1000;
      assertError(() => new Trainer(bce, new Float32Array([0, pixel])),
        new RegExp(`holds ${escaped(String(pixel))} at row 0, column 1,`));
    }
    // Where the nearest 8 digits miss 2^87 in float32, one up does not; the
    // form (exponent or not) follows the float32's own digits. As natively.
    for (const [pixel, written] of [[2 ** 87, '1.5474251e26'], [-1e-6, '-0.000001'],
      [-(2 ** -149), '-1e-45'], [-3.4028234663852886e38, '-3.4028235e38']]) {
      assertError(() => new Trainer(bce, new Float32Array([0, pixel])),
        new RegExp(`holds ${escaped(written)} at row 0, column 1,`));
    }
    bce.free();
  });

  test('weights of a part or layer that does not exist', () => {
    assertError(() => model.weights('middle', 0), /part.*middle/);
    assertError(() => model.weights('decoder', 1), /layer.*below 1.*got 1/);
  });

  test('null, true or a string where a number belongs is refused by name, not read as 0, 1 or 5', () => {
    // wasm-bindgen's glue hands a number parameter `+value` to wasm, so these
    // once ran 0, 1 and 5 steps, and took weights of layer 0 and seed 0.
    const trainer = new Trainer(model, new Float32Array(12), { batchSize: 2 });
    const steps = (got) => new RegExp(`\`steps\` must be a whole number from 0 to 1000000, got ${got}$`);
    assertError(() => trainer.step(null), steps('null'));
    assertError(() => trainer.step(true), steps('true'));
    assertError(() => trainer.step('5'), steps("'5'"));
    assertError(() => trainer.step([7]), steps('an Array'));
    // No count at all is an Error too: say how many steps to run.
    assertError(() => trainer.step(), steps('undefined'));
    assert.equal(trainer.stepCount, 0);
    assert.equal(trainer.step(2).step, 2);
    trainer.free();

    assertError(() => model.weights('encoder', null), /`layer` must be a whole number .*, got null$/);
    const ink = new Float32Array(4);
    assertError(() => preprocess(ink, '2', 2), /`width` must be a whole number from 0 to 8192, got '2'$/);
    assertError(() => preprocess(ink, 2, false), /`height` .*, got false$/);
    assertError(() => inkFromRgba(new Uint8Array(4), 1, null), /`height` .*, got null$/);
    const noise = { kind: 'masking', level: 0.5 };
    assertError(() => corrupt(new Float32Array(3), noise, null), /`seed` .*, got null$/);
    assertError(() => corrupt(new Float32Array(3), noise, 10n), /`seed` .*, got bigint$/);
    assertError(() => digits.image('test', null), /`index` .*, got null$/);
    assertError(() => digits.label('test', ''), /`index` .*, got ''$/);

    // A plain array where values or labels belong holds numbers only: the
    // glue once copied null as 0, true as 1 and '0.5' as 0.5. In both builds.
    const small = infer.Autoencoder.fromBytes(model.toBytes());
    const values = Array.from({ length: 2 * model.inputSize }, (_, i) => (i % 3) / 4);
    assertSameBits(model.encode(values), model.encode(Float32Array.from(values)), 'a plain array of numbers');
    const odd = [[null, 'null'], [true, 'true'], ['0.5', "'0.5'"], [undefined, 'undefined'],
      [[0.5], 'an Array'], [5n, '5n'], [{}, 'an Object']];
    for (const [value, shown] of odd) {
      const given = values.slice();
      given[3] = value;
      for (const [call, name] of [[() => model.encode(given), 'Autoencoder.encode'],
        [() => small.reconstruct(given), 'Autoencoder.reconstruct']]) {
        assertError(call, new RegExp(`^${name}: argument 1 holds ${escaped(shown)} at index 3, where only numbers belong`));
      }
    }
    assertError(() => pairInputs('image-label', new Float32Array(2 * PIXELS), [3, null], true, true),
      /^pairInputs\(\): argument 3 holds null at index 1, where only numbers belong/);
    // A typed array whose buffer was transferred away: said so.
    const gone = new Float32Array(model.inputSize);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    assertError(() => model.encode(gone),
      /^Autoencoder.encode: argument 1 was transferred elsewhere \(detached\): it holds no values$/);
    // No array at all, where values belong: said so, in both builds.
    for (const [value, shown] of [[null, 'null'], [undefined, 'undefined'], [5, '5'], ['x', "'x'"],
      [{}, 'an Object'], [new DataView(new ArrayBuffer(8)), 'a DataView'], [new Map(), 'a Map']]) {
      for (const [call, name] of [[() => model.encode(value), 'Autoencoder.encode'],
        [() => small.decode(value), 'Autoencoder.decode']]) {
        assertError(call, new RegExp(`^${name}: argument 1 must be a Float32Array \\(or an array `
          + `of numbers\\), got ${escaped(shown)}$`));
      }
    }
    // So is a typed array of another kind: the glue would convert a canvas's
    // RGBA bytes into pixels of 0 to 255, a Float64Array into float32.
    const bytes = new Uint8Array(2 * model.inputSize).fill(255);
    for (const [call, what] of [
      [() => model.encode(bytes), 'Autoencoder.encode: argument 1 is a Uint8Array'],
      [() => small.reconstruct(new Float64Array(model.inputSize)),
        'Autoencoder.reconstruct: argument 1 is a Float64Array'],
      [() => new Trainer(model, new Uint8ClampedArray(model.inputSize)),
        'new Trainer: argument 2 is a Uint8ClampedArray'],
      [() => corrupt(new Int32Array(3), { kind: 'masking', level: 0.1 }, 1), 'corrupt(): argument 1 is an Int32Array'],
      [() => model.decodeInto(new Float32Array(model.codeSize), new Float64Array(model.inputSize)),
        'Autoencoder.decodeInto: `out` must be a Float32Array, got a Float64Array'],
    ]) {
      assertError(call, new RegExp(`^${escaped(what)}`));
    }
    // Where one of the package's objects belongs, the call is named too.
    assertError(() => new Trainer(null, new Float32Array(4)),
      /^new Trainer: argument 1 must be an Autoencoder made by this module, got null$/);
    assertError(() => new Trainer(small, new Float32Array(4)),
      /^new Trainer: argument 1 must be an Autoencoder made by this module, got an Autoencoder of the other build \(.*Autoencoder\.fromBytes\)$/);
    small.free();
  });
});

describe('bad model files throw an Error naming the problem', () => {
  const good = tinyFile();

  /** The tiny model's file after `edit` changed its header (or data) in place. */
  function edited(edit) {
    const { header, data } = modelParts(TINY, TINY_TENSORS);
    edit(header, data);
    return safetensors(header, data);
  }

  test('an empty file', () => {
    assertError(() => Autoencoder.fromBytes(new Uint8Array(0)), /model file.*empty/);
  });

  test('every truncation of a small file', () => {
    const small = new Autoencoder(presetConfig('sparse', { inputSize: 6, codeSize: 3 }));
    for (const file of [good, small.toBytes()]) {
      for (let length = 0; length < file.length; length++) {
        assertError(() => Autoencoder.fromBytes(file.subarray(0, length)),
          /cannot read model file/);
      }
    }
    small.free();
  });

  test('a sample of truncations of a digit-sized file', () => {
    const model = new Autoencoder(presetConfig('contractive', { codeSize: 32 }));
    const file = model.toBytes();
    const random = seededRandom(17);
    const lengths = [1, 7, 8, 9, 100, file.length - 4, file.length - 1];
    for (let i = 0; i < 40; i++) lengths.push(Math.floor(random() * file.length));
    for (const length of lengths) {
      assertError(() => Autoencoder.fromBytes(file.subarray(0, length)),
        /cannot read model file/);
    }
    model.free();
  });

  test('random bytes, and random bytes behind a plausible header length', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(Math.floor(random() * 600));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      if (i % 2 === 1 && bytes.length >= 8) {
        new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length - 8 - (i % 5)), true);
      }
      assertError(() => Autoencoder.fromBytes(bytes), /cannot read model file/);
    }
  });

  test('damaged headers and wrong shapes', () => {
    const cases = [
      [(h) => { h['encoder.0.weight'].shape = [2, 1]; },
        /`encoder\.0\.weight` has shape \[2, 1\], expected \[1, 2\]/],
      [(h) => { delete h['decoder.0.bias']; }, /`decoder\.0\.bias` is missing/],
      [(h) => { h['encoder.1.weight'] = h['encoder.0.weight']; },
        /unexpected tensor `encoder\.1\.weight`/],
      [(h) => { h['encoder.0.bias'].dtype = 'F16'; }, /`encoder\.0\.bias` has dtype F16/],
      [(h) => { h['decoder.0.bias'].data_offsets = [20, 36]; },
        /`decoder\.0\.bias` has data offsets/],
      [(h) => { h['decoder.0.bias'].data_offsets = [16, 28]; },
        /`decoder\.0\.bias` holds 12 bytes, expected 8/],
      [(h) => { delete h.__metadata__; }, /__metadata__/],
      [(h) => { h.__metadata__.format_version = '2'; }, /format version 2 is newer/],
      [(h) => { h.__metadata__.config = '{"inputSize": 2'; }, /`config`.*not a valid/],
      [(h) => {
        h.__metadata__.config = JSON.stringify({ ...TINY, inputSize: 3 });
      }, /`config`.*invalid.*decoder\[0\]\.units/],
      [(h, data) => {
        new DataView(data.buffer).setFloat32(4, NaN, true);
      }, /`encoder\.0\.weight` holds a NaN or infinity at index 1/],
    ];
    for (const [edit, pattern] of cases) {
      assertError(() => Autoencoder.fromBytes(edited(edit)), pattern);
    }

    // A header length beyond the file, and a header that is not JSON.
    const long = good.slice();
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    assertError(() => Autoencoder.fromBytes(long), /header claims/);
    const text = new TextEncoder().encode('\x05\0\0\0\0\0\0\0{}}}}');
    assertError(() => Autoencoder.fromBytes(text), /not valid JSON/);
  });

  test('the unedited file loads (the cases above fail for their stated reason)', () => {
    const model = Autoencoder.fromBytes(edited(() => {}));
    assert.equal(model.parameterCount, 7);
    model.free();
  });
});

describe('the digits', () => {
  test('hold 8,000 train and 2,000 test images of 784 values in [0, 1]', () => {
    assert.equal(digits.trainCount, 8000);
    assert.equal(digits.testCount, 2000);
    const images = digits.images('test');
    assert.equal(images.length, 2000 * PIXELS);
    assert.ok(images.every((v) => v >= 0 && v <= 1));
    const labels = digits.labels('test');
    assert.ok(labels instanceof Uint8Array);
    assert.equal(labels.length, 2000);
    assert.equal(new Set(labels).size, 10);
    assertSameBits(digits.image('test', 3), images.subarray(3 * PIXELS, 4 * PIXELS));
    assert.equal(digits.label('test', 3), labels[3]);
  });

  test('a truncated or foreign digits file is refused', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('digits.bin', PKG)));
    assertError(() => new Digits(bytes.subarray(0, bytes.length - 1)), /data file.*truncated/);
    assertError(() => new Digits(bytes.subarray(0, 1000)), /data file/);
    assertError(() => new Digits(new Uint8Array(0)), /data file.*AEDG/);
    assertError(() => new Digits(tinyFile()), /data file.*AEDG/);

    const folder = mkdtempSync(join(tmpdir(), 'autoencoder-lab-digits-'));
    try {
      const path = join(folder, 'digits.bin');
      writeFileSync(path, bytes.subarray(0, bytes.length - 784));
      await assertRejects(() => loadDigits(pathToFileURL(path)), /truncated/);
      // Missing, or a folder: the call and the path, in words.
      await assertRejects(() => loadDigits(join(folder, 'none.bin')),
        new RegExp(`^loadDigits: could not read ${join(folder, 'none.bin')} \\(no such file\\)$`));
      await assertRejects(() => loadDigits(folder),
        new RegExp(`^loadDigits: could not read ${folder} \\(a folder, not a file\\)$`));
      // Bytes, or no path at all, are no source: said so, briefly.
      await assertRejects(() => loadDigits(bytes), /^loadDigits: `source` must be the path or URL of a digits file, got a Uint8Array \(for the bytes of one, use new Digits\(bytes\)\)$/);
      await assertRejects(() => loadDigits(''), /^loadDigits: `source` must be the path or URL of a digits file, got an empty path$/);
      // A path given as a string is relative to the working directory.
      writeFileSync(path, bytes);
      const copy = await loadDigits(relative(process.cwd(), path));
      assert.equal(copy.testCount, 2000);
      copy.free();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('a bad split name or an index out of range', () => {
    assertError(() => digits.images('validation'), /split.*'validation'/);
    assertError(() => digits.labels('Train'), /split.*'Train'/);
    assertError(() => digits.image('val', 0), /split/);
    assertError(() => digits.image('test', 2000), /index.*below 2000.*got 2000/);
    assertError(() => digits.label('train', 8000), /index.*below 8000.*got 8000/);
  });
});

describe('live wasm objects', () => {
  // wasm-bindgen 0.2.130 keeps no count of live objects: each class registers
  // its objects with a FinalizationRegistry and `free()` zeroes the handle.

  test('a freed object throws an Error saying so, and the module lives on', () => {
    const model = new Autoencoder(presetConfig('undercomplete', { inputSize: 6, codeSize: 2 }));
    const copy = model.clone();
    copy.free();
    const freed = (what) => new RegExp(`^${what}: this Autoencoder was freed \\(its free\\(\\) was called\\)`);
    assertError(() => copy.encode(new Float32Array(6)), freed('Autoencoder.encode'));
    assertError(() => copy.inputSize, freed('Autoencoder.inputSize'));
    assertError(() => copy.toBytes(), freed('Autoencoder.toBytes'));
    assertError(() => new Trainer(copy, new Float32Array(6)),
      /^new Trainer: argument 1 is an Autoencoder that was freed/);
    // A second free does nothing, as does disposing of it.
    copy.free();
    copy[Symbol.dispose]();

    // The original is a separate object and still works.
    assert.equal(model.encode(new Float32Array(6)).length, 2);
    assert.equal(model[Symbol.dispose], model.free);
    model.free();
  });

  test('after a wasm trap (out of memory) every call says the module stopped', () => {
    const index = new URL('index.js', PKG).href;
    const script = `const p = await import(${JSON.stringify(index)});
      await p.init();
      const model = new p.Autoencoder(p.presetConfig('undercomplete', { inputSize: 4, codeSize: 2 }));
      // Four billion bytes do not fit in wasm memory (and are never touched
      // here: the wasm allocation fails before any copy).
      for (const input of [new Float32Array(2 ** 30 - 4), new Float32Array(4)]) {
        try { model.encode(input); console.log('no error'); }
        catch (e) { console.log(\`\${e.constructor.name}: \${e.message}\`); }
      }`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [trap, after] = run.stdout.trim().split('\n');
    assert.match(trap, /^Error: Autoencoder.encode: the wasm module stopped \(unreachable, most likely out of memory\) and cannot be trusted any more; reload the page/);
    assert.match(after, /^Error: Autoencoder.encode: the wasm module stopped \(earlier: unreachable/);
  });

  test('init() that cannot load the module says so in an Error, and may be tried again', async () => {
    const index = new URL('index.js', PKG).href;
    const script = `const p = await import(${JSON.stringify(index)});
      for (const source of [new Uint8Array([0, 97, 115, 109]), 'no-such.wasm', undefined]) {
        try { await p.init(source); console.log('loaded'); }
        catch (e) { console.log(\`\${e.constructor.name}: \${e.message}\`); }
      }`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [bytes, missing, fine] = run.stdout.trim().split('\n');
    assert.match(bytes, /^Error: init: could not load the wasm module \(.*\)$/);
    assert.equal(missing, 'Error: init: could not load the wasm module from no-such.wasm (no such file)');
    assert.equal(fine, 'loaded');
  });

  test('a call before init() throws an Error saying to call init()', () => {
    const index = new URL('index.js', PKG).href;
    const calls = [
      'new p.Autoencoder({})',
      'p.Autoencoder.fromBytes(new Uint8Array(0))',
      'p.preprocess(new Float32Array(4), 2, 2)',
    ];
    const script = `const p = await import(${JSON.stringify(index)});
      for (const call of ${JSON.stringify(calls)}) {
        try { eval(call); console.log('no error'); }
        catch (e) { console.log(\`\${e.constructor.name}: \${e.message}\`); }
      }`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const notLoaded = 'the wasm module is not loaded yet; call `await init()` first';
    assert.deepEqual(run.stdout.trim().split('\n'), [
      `Error: new Autoencoder: ${notLoaded}`,
      `Error: Autoencoder.fromBytes: ${notLoaded}`,
      `Error: preprocess(): ${notLoaded}`,
    ]);
  });

  test('no argument can leave the module broken, and each misuse names itself', () => {
    const model = new Autoencoder(presetConfig('undercomplete', { inputSize: 6, codeSize: 2 }));
    const x = new Float32Array([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const before = model.reconstruct(x);
    const cyclic = { codeSize: 8 };
    cyclic.self = cyclic;
    let deep = {};
    for (let i = 0; i < 100_000; i++) deep = { inner: deep };
    const throwing = { get seed() { throw new Error('nope'); } };
    // Each of these once broke the module (a cycle within a few calls; a
    // throwing getter after about 600), since wasm read them itself.
    for (let i = 0; i < 3000; i++) {
      if (i < 3) {
        assertError(() => presetConfig('sparse', cyclic),
          /^presetConfig\(\): argument 2 is nested more than 32 levels deep, or contains itself$/);
        assertError(() => new Trainer(model, x, { optimizer: deep }),
          /^new Trainer: argument 3 is nested more than 32 levels deep/);
      }
      assertError(() => new Trainer(model, x, throwing), /^nope$/);
    }
    assertError(() => Trainer.prototype.step.call(model, 1),
      /^Trainer.step: called on Autoencoder, which is not a Trainer made by this module/);
    const detached = model.encode;
    assertError(() => detached(x), /^Autoencoder.encode: called on null, which is not/);
    // Made with Autoencoder's constructor but Trainer's prototype.
    const mixed = Reflect.construct(Autoencoder, [presetConfig('undercomplete')], Trainer);
    assertError(() => mixed.stepCount, /^Trainer.stepCount: called on Trainer, which is not a Trainer made/);
    mixed.free();
    // Hand-made look-alikes of the package's objects are data, not objects.
    const fake = { __wbg_ptr: 1 };
    fake.hidden = fake;
    assertError(() => presetConfig('sparse', fake), /argument 2 is nested more than 32 levels/);
    const lying = new Float32Array(6);
    Object.defineProperty(lying, 'length', { get: () => 600_000 });
    assert.equal(model.encode(lying).length, 2);
    const sneaky = new Float64Array(0);
    Object.defineProperty(sneaky, 'level', { enumerable: true, get() { throw new Error('boom'); } });
    // Read as the array it is; its own properties never reach wasm.
    for (let i = 0; i < 2000; i++) {
      assertError(() => presetConfig('denoising', { corruption: sneaky }),
        /^presetConfig: `corruption`: /);
    }
    // Shared, not cyclic: 2^30 paths through 31 objects.
    let shared = { x: 1 };
    for (let i = 0; i < 30; i++) shared = { a: shared, b: shared };
    assertError(() => presetConfig('sparse', { hidden: shared }), /argument 2 holds more than 100000 objects/);
    // Options wasm would read as something else than they hold.
    assertError(() => new Trainer(model, x, new Map([['batchSize', 2]])),
      /^new Trainer: argument 3 is a Map, not a plain object/);
    class Options { get batchSize() { return 2; } }
    assertError(() => new Trainer(model, x, new Options()), /argument 3 is an Options, not a plain object/);
    const sparse = [];
    sparse[1e9] = 1;
    assertError(() => presetConfig('sparse', { hidden: sparse }), /argument 2 is an array with holes/);
    // A getter that frees the object whose method reads it.
    const victim = model.clone();
    assertError(() => victim.weights({ get part() { victim.free(); return 'encoder'; } }, 0),
      /^Autoencoder.weights: this Autoencoder was freed/);
    assertError(() => Autoencoder.fromBytes(model.toBytes().buffer),
      /^Autoencoder.fromBytes: argument 1 is an ArrayBuffer: pass a typed array over it/);
    assertError(() => model.encode(null),
      /^Autoencoder.encode: argument 1 must be a Float32Array \(or an array of numbers\), got null$/);
    // A long string is quoted in part, a function named by its class (not its source).
    assertError(() => model.encode('0.5,'.repeat(250_000)),
      /^Autoencoder.encode: argument 1 must be a Float32Array \(or an array of numbers\), got '(0\.5,){10}…' \(1000000 characters\)$/);
    assertError(() => model.encode(() => 'the source of this function'),
      /^Autoencoder.encode: argument 1 must be a Float32Array \(or an array of numbers\), got a Function$/);
    // A revoked Proxy cannot even be looked at: the engine's bare TypeError, named.
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assertError(() => presetConfig('sparse', proxy),
      /^presetConfig\(\): argument 2 cannot be read \(.*revoked/);
    assertError(() => model.encode(proxy), /^Autoencoder.encode: argument 1 cannot be read/);
    assertSameBits(model.reconstruct(x), before, 'after the misuse');
    const trainer = new Trainer(model, x, { batchSize: 1 });
    assert.equal(trainer.step(2).step, 2);
    trainer.free();
    model.free();
  });

  test('no export lets the glue turn a wrong value into a number, a flag or a byte', () => {
    // For an `f64` or `bool` parameter wasm-bindgen's glue passes `+value`
    // (`null` → 0, `'5'` → 5, `'true'` → NaN → false); such parameters cross
    // as a JsValue and are checked in Rust instead (`whole`, `flag` in
    // src/wasm). A new export with a plain number or flag fails here.
    for (const file of ['autoencoder_lab.js', 'autoencoder_lab_infer.js']) {
      const glue = readFileSync(new URL(file, PKG), 'utf8');
      const exports = glue.slice(0, glue.indexOf('function __wbg_get_imports'));
      assert.ok(exports.includes('export function corrupt('), `${file}: exports not found`);
      assert.doesNotMatch(exports, /= \+[\w(]/, `${file} coerces an argument`);
      // Nor copies any array into bytes (see `bytes` in src/wasm/mod.rs).
      assert.doesNotMatch(exports, /passArray8ToWasm0/, `${file} wraps an array into bytes`);
    }
  });

  test('a trainer keeps its own copy of the model and the data', () => {
    const model = new Autoencoder(presetConfig('undercomplete', { inputSize: 6, codeSize: 2 }));
    const images = new Float32Array(24).fill(0.5);
    const trainer = new Trainer(model, images, { batchSize: 2 });
    model.free();
    images.fill(NaN);
    assert.equal(trainer.step(4).step, 4);
    const trained = trainer.model();
    trainer.free();
    assert.equal(trained.reconstruct(new Float32Array(6)).length, 6);
    trained.free();
  });

  test('creating and freeing objects does not grow wasm memory', async () => {
    const { memory } = await initWasm();
    const images = firstImages('train', 64);
    const cycle = () => {
      const model = new Autoencoder(presetConfig('denoising', { codeSize: 32 }));
      const trainer = new Trainer(model, images, { batchSize: 32 });
      trainer.step(1);
      const trained = trainer.model();
      const copy = trained.clone();
      const loaded = Autoencoder.fromBytes(copy.toBytes());
      loaded.reconstruct(images);
      for (const object of [model, trainer, trained, copy, loaded]) object.free();
    };

    // Warm up so the allocator has its working set, then measure. A model is
    // 784·32·2 + 816 floats ≈ 204 KB; 200 cycles that leaked their five
    // objects would need about 200 MB more.
    for (let i = 0; i < 5; i++) cycle();
    const before = memory.buffer.byteLength;
    for (let i = 0; i < 200; i++) cycle();
    assert.equal(memory.buffer.byteLength, before);
  });
});
