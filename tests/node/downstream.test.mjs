// Shared codes and the encoder downstream, through the built package as a
// user in Node calls it: the paired layouts worked out by hand, the ready
// multimodal models on the real test digits, the linear probe and PCA on
// real codes, and a clear Error for every bad input.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  Autoencoder,
  Pca,
  Probe,
  Trainer,
  fewPerClass,
  init,
  loadDigits,
  pairInputs,
  pairedImages,
  pairingModalities,
  presetConfig,
  probeAccuracy,
} from '../../pkg/index.js';

const MODELS = new URL('../../www/models/', import.meta.url);
const PIXELS = 784;

await init();
const digits = await loadDigits();
const test_ = { images: digits.images('test'), labels: digits.labels('test') };
const train = { images: digits.images('train'), labels: digits.labels('train') };

function readyModel(name) {
  return Autoencoder.fromBytes(readFileSync(new URL(`${name}.safetensors`, MODELS)));
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

describe('pairings', () => {
  test('halves split each row: 14 left values, then 14 right, row after row', () => {
    const image = Float32Array.from({ length: PIXELS }, (_, i) => i);
    const joined = pairInputs('halves', image, new Uint8Array(1), true, true);
    assert.deepEqual(Array.from(joined.slice(0, 15)), [...Array(14).keys(), 28]);
    assert.equal(joined[392], 14); // the right half starts at column 14 of row 0
    assert.deepEqual(Array.from(pairedImages('halves', joined)), Array.from(image));

    const leftOnly = pairInputs('halves', image, new Uint8Array(1), true, false);
    assert.ok(leftOnly.slice(392).every((v) => v === 0));
  });

  test('image and label: the pixels, then a one-hot label; a missing one is zeros', () => {
    const images = test_.images.slice(0, 2 * PIXELS);
    const joined = pairInputs('image-label', images, new Uint8Array([3, 9]), false, true);
    assert.equal(joined.length, 2 * 794);
    assert.ok(joined.slice(0, 784).every((v) => v === 0));
    assert.deepEqual(Array.from(joined.slice(784, 794)), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(joined[794 + 784 + 9], 1);

    const modalities = pairingModalities('image-label');
    assert.deepEqual(modalities.map((m) => [m.name, m.size, m.loss]),
      [['image', 784, 'mse'], ['label', 10, 'crossEntropy']]);
  });

  test('bad pairings, labels and lengths are refused by name', () => {
    const image = new Float32Array(PIXELS);
    assert.throws(() => pairInputs('sound-image', image, new Uint8Array(1), true, true),
      /pairing.*'image-label' or 'halves'/);
    assert.throws(() => pairInputs('image-label', image, new Uint8Array([10]), true, true),
      /labels.*10, not a digit/);
    assert.throws(() => pairInputs('image-label', image, new Uint8Array(2), true, true),
      /1 labels, one per image/);
    assert.throws(() => pairInputs('halves', image.slice(1), new Uint8Array(1), true, true),
      /multiple of 28×28/);
    assert.throws(() => pairedImages('image-label', new Float32Array(793)),
      /multiple of 794/);
  });
});

describe('the ready multimodal models', () => {
  test('rebuild the label of at least 90% of the test digits from the image alone', () => {
    const model = readyModel('image-label');
    assert.deepEqual(model.modalities().map((m) => [m.name, m.offset, m.size]),
      [['image', 0, 784], ['label', 784, 10]]);
    const out = model.reconstruct(
      pairInputs('image-label', test_.images, test_.labels, true, false));
    let right = 0;
    let mass = 0;
    for (let i = 0; i < test_.labels.length; i++) {
      const probabilities = out.subarray(i * 794 + 784, (i + 1) * 794);
      mass = Math.max(mass, Math.abs(probabilities.reduce((a, b) => a + b) - 1));
      if (argmax(probabilities) === test_.labels[i]) right++;
    }
    assert.ok(mass < 1e-5, `label probabilities sum to 1 within ${mass}`);
    assert.ok(right / test_.labels.length >= 0.9, `${right} of ${test_.labels.length}`);
    model.free();
  });

  test('rebuild a hidden half with clearly less error than the mean half', () => {
    const model = readyModel('halves');
    const whole = pairInputs('halves', test_.images, test_.labels, true, true);
    const trainWhole = pairInputs('halves', train.images, train.labels, true, true);
    const mean = new Float64Array(784);
    for (let i = 0; i < trainWhole.length; i++) mean[i % 784] += trainWhole[i] / 8000;

    const out = model.reconstruct(pairInputs('halves', test_.images, test_.labels, true, false));
    let rebuilt = 0;
    let baseline = 0;
    for (let i = 0; i < whole.length; i++) {
      if (i % 784 < 392) continue; // the right half was hidden
      rebuilt += (out[i] - whole[i]) ** 2;
      baseline += (mean[i % 784] - whole[i]) ** 2;
    }
    assert.ok(rebuilt < 0.75 * baseline, `${rebuilt} against ${baseline}`);
    model.free();
  });

  test('an exported encoder gives the same codes, bit for bit', () => {
    const model = readyModel('image-label');
    const exported = Autoencoder.fromBytes(model.encoderOnly().toBytes());
    const x = pairInputs('image-label', test_.images.slice(0, 20 * PIXELS),
      test_.labels.slice(0, 20), true, false);
    assert.deepEqual(new Uint32Array(exported.encode(x).buffer),
      new Uint32Array(model.encode(x).buffer));
    assert.deepEqual(exported.modalities(), model.modalities());
    model.free();
    exported.free();
  });

  test('a fresh multimodal model of any kind trains on paired digits', () => {
    for (const kind of ['sparse', 'contractive']) {
      const config = presetConfig(kind, {
        modalities: pairingModalities('image-label'), codeSize: 16, seed: 2,
      });
      assert.equal(config.inputSize, 794);
      assert.equal(config.objective.modalityDropout, 0.5);
      const model = new Autoencoder(config);
      const inputs = pairInputs('image-label', train.images.slice(0, 640 * PIXELS),
        train.labels.slice(0, 640), true, true);
      const trainer = new Trainer(model, inputs, { seed: 3 });
      const first = trainer.step(1).reconstruction;
      trainer.step(150);
      const later = trainer.step(10).reconstruction;
      assert.ok(later < 0.7 * first, `${kind}: ${first} then ${later}`);
      trainer.free();
      model.free();
    }
  });
});

describe('the linear probe and PCA', () => {
  test('the probe on the ready undercomplete codes and on pixels matches the README', () => {
    // tests/digits.rs states 89.1% (codes) and 89.5% (pixels) natively;
    // wasm sums in another order, so allow a point either way.
    const model = readyModel('undercomplete');
    const codes = (x) => model.encode(x);
    const onCodes = probeAccuracy(codes(train.images), train.labels,
      codes(test_.images), test_.labels, 32, 10);
    const onPixels = probeAccuracy(train.images, train.labels,
      test_.images, test_.labels, 784, 10);
    assert.ok(Math.abs(onCodes - 0.891) <= 0.01, `codes: ${onCodes}`);
    assert.ok(Math.abs(onPixels - 0.895) <= 0.01, `pixels: ${onPixels}`);

    const few = probeAccuracy(codes(train.images), train.labels,
      codes(test_.images), test_.labels, 32, 10, 10);
    assert.ok(Math.abs(few - 0.744) <= 0.02, `codes, 10 per class: ${few}`);
    model.free();
  });

  test('a probe predicts classes whose probabilities sum to one', () => {
    const features = train.images.slice(0, 1000 * PIXELS);
    const probe = new Probe(features, 784, train.labels.slice(0, 1000), 10, { epochs: 5 });
    assert.equal(probe.classes, 10);
    const p = probe.probabilities(test_.images.slice(0, 3 * PIXELS));
    assert.equal(p.length, 30);
    for (let i = 0; i < 3; i++) {
      const row = p.slice(i * 10, i * 10 + 10);
      assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-5);
      assert.equal(probe.predict(test_.images.slice(i * PIXELS, (i + 1) * PIXELS))[0],
        argmax(row));
    }
    probe.free();
  });

  test('fewPerClass takes that many of each label', () => {
    const chosen = fewPerClass(train.labels, 10, 0);
    assert.equal(chosen.length, 100);
    const counts = new Array(10).fill(0);
    chosen.forEach((i) => counts[train.labels[i]]++);
    assert.deepEqual(counts, new Array(10).fill(10));
  });

  test('PCA of real codes: unit components, variances in order, projections centred', () => {
    const model = readyModel('undercomplete');
    const codes = model.encode(test_.images);
    const pca = new Pca(codes, 32, 2);
    const [first, second] = pca.variances;
    assert.ok(first >= second && second > 0, `${first}, ${second}`);
    const c = pca.components;
    const norm = (row) => Math.hypot(...c.slice(row * 32, row * 32 + 32));
    assert.ok(Math.abs(norm(0) - 1) < 1e-4 && Math.abs(norm(1) - 1) < 1e-4);
    const points = pca.project(codes);
    assert.equal(points.length, 2 * 2000);
    let meanX = 0;
    let varianceX = 0;
    for (let i = 0; i < 2000; i++) meanX += points[2 * i] / 2000;
    for (let i = 0; i < 2000; i++) varianceX += (points[2 * i] - meanX) ** 2 / 2000;
    // The test codes' spread along the first component is close to the one
    // PCA found on them.
    assert.ok(Math.abs(meanX) < 1e-3 * Math.sqrt(first), `${meanX}`);
    assert.ok(Math.abs(varianceX / first - 1) < 1e-3, `${varianceX} against ${first}`);
    pca.free();
    model.free();
  });

  test('bad probe and PCA input gets an Error that names it', () => {
    const x = train.images.slice(0, 10 * PIXELS);
    const labels = train.labels.slice(0, 10);
    assert.throws(() => new Probe(x, 784, labels.slice(1), 10), /10 labels, one per row/);
    assert.throws(() => new Probe(x, 784, labels, 1), /classes.*between 2 and 256/);
    assert.throws(() => new Probe(x, 784, labels, 10, { learningRat: 1 }), /unknown field/);
    assert.throws(() => new Probe(x, 784, labels, 10, { epochs: 0 }), /epochs.*between 1/);
    const nan = x.slice();
    nan[5] = NaN;
    assert.throws(() => new Probe(nan, 784, labels, 10), /not a finite number|NaN/);
    assert.throws(() => new Pca(x, 784, 17), /components.*between 1 and 16/);
    assert.throws(() => new Pca(x.slice(1), 784, 2), /multiple of 784/);
    assert.throws(() => probeAccuracy(x, labels, x, labels, 784, 10, -1), /perClass/);
  });
});

describe('misuse', () => {
  test('wrong-typed arguments get an Error, and the module keeps working', () => {
    // wasm-bindgen reads a non-string given for a string as if it were one,
    // which corrupted memory; hundreds of rounds would crash Node.
    for (let round = 0; round < 300; round++) {
      assert.throws(() => pairingModalities(42), /`pairing` must be a string, got 42$/);
      assert.throws(() => presetConfig({}, {}), /`kind` must be a string, got an Object$/);
      assert.throws(() => pairInputs(null, new Float32Array(784), new Uint8Array(1), true, true),
        /`pairing` must be a string, got null/);
      assert.throws(() => digits.images(1), /`split` must be a string, got 1$/);
      const model = new Autoencoder(presetConfig('sparse', { codeSize: 16 }));
      assert.throws(() => model.weights(0, 0), /`part` must be a string/);
      model.free();
    }
    assert.equal(digits.images('test').length, 2000 * PIXELS);
  });

  test('NaN and Infinity in options are refused by name, not taken as defaults', () => {
    assert.throws(() => presetConfig('sparse', { weight: NaN }),
      /`weight` must be a finite number, got NaN/);
    assert.throws(() => presetConfig('sparse', { codeSize: Infinity }),
      /`codeSize` must be a finite number, got Infinity/);
    const modalities = pairingModalities('image-label');
    modalities[1].weight = -Infinity;
    assert.throws(() => presetConfig('undercomplete', { modalities }),
      /`modalities\[1\].weight` must be a finite number, got -Infinity/);
    assert.throws(() => presetConfig('undercomplete', {
      modalities: pairingModalities('halves'), modalityDropout: NaN,
    }), /`modalityDropout` must be a finite number, got NaN/);
    const model = new Autoencoder(presetConfig('undercomplete', { codeSize: 4 }));
    assert.throws(() => new Trainer(model, train.images.slice(0, 784),
      { optimizer: { kind: 'adam', learningRate: NaN } }), /`optimizer.learningRate`.*NaN/);
    model.free();
  });

  test('null, true or a string where a number or a flag belongs is refused by name', () => {
    // The glue would have read these as 0, 1 or 5, and 'true' as false.
    const x = train.images.slice(0, 10 * PIXELS);
    const labels = train.labels.slice(0, 10);
    const image = new Float32Array(PIXELS);
    const cases = [
      [() => new Probe(x, '784', labels, 10), /`width` must be a whole number .*, got '784'$/],
      [() => new Probe(x, 784, labels, null), /`classes` must be a whole number .*, got null$/],
      [() => probeAccuracy(x, labels, x, labels, 784, 10, true), /`perClass` .*, got true$/],
      [() => fewPerClass(labels, null, 0), /`perClass` .*, got null$/],
      [() => fewPerClass(labels, 1, '0'), /`seed` .*, got '0'$/],
      [() => new Pca(x, 784, true), /`components` .*, got true$/],
      [() => pairInputs('halves', image, new Uint8Array(1), 'true', true),
        /`keepFirst` must be true or false, got 'true'$/],
      [() => pairInputs('halves', image, new Uint8Array(1), true, 0),
        /`keepSecond` must be true or false, got 0$/],
    ];
    for (const [action, pattern] of cases) {
      assert.throws(action, (error) => error instanceof Error && pattern.test(error.message));
    }
    // undefined and null still mean "every row" for probeAccuracy's perClass.
    const y = train.labels.slice(0, 100);
    const few = train.images.slice(0, 100 * PIXELS);
    assert.equal(probeAccuracy(few, y, few, y, 784, 10, null, { epochs: 1, minSteps: 1 }),
      probeAccuracy(few, y, few, y, 784, 10, undefined, { epochs: 1, minSteps: 1 }));
    assert.equal(fewPerClass(train.labels, 10, 0).length, 100);
  });

  test('labels in a plain or typed array are checked one by one, never wrapped modulo 256', () => {
    // The glue copied labels as a Uint8Array would: [300, -1, 2.5, NaN]
    // became [44, 255, 2, 0], and a probe trained on wrong labels.
    const x = train.images.slice(0, 10 * PIXELS);
    const labels = train.labels.slice(0, 10);
    const image = new Float32Array(PIXELS);
    const refused = (what, got) => (error) => error instanceof Error
      && new RegExp(`: \`${what.replace(/[[\]]/g, '\\$&')}\` must be a whole number from 0 to 255, got ${got}$`)
        .test(error.message);
    assert.throws(() => new Probe(x, 784, [300, ...labels.slice(1)], 10), refused('labels[0]', '300'));
    assert.throws(() => fewPerClass([0, 1, -1], 1, 0), refused('labels[2]', '-1'));
    assert.throws(() => fewPerClass([2.5], 1, 0), refused('labels[0]', '2.5'));
    assert.throws(() => fewPerClass([0, NaN], 1, 0), refused('labels[1]', 'NaN'));
    // Not numbers at all: refused before wasm, as in any plain array argument.
    assert.throws(() => fewPerClass([null], 1, 0),
      /^Error: fewPerClass\(\): argument 1 holds null at index 0, where only numbers belong$/);
    assert.throws(() => fewPerClass([0, '3'], 1, 0), /argument 1 holds '3' at index 1,/);
    assert.throws(() => fewPerClass(new Float32Array([1, 0.5]), 1, 0), refused('labels[1]', '0.5'));
    assert.throws(() => fewPerClass(new Int16Array([300]), 1, 0), refused('labels[0]', '300'));
    assert.throws(() => fewPerClass(new BigInt64Array(1), 1, 0), refused('labels[0]', 'bigint'));
    assert.throws(() => pairInputs('image-label', image, [266], true, true), refused('labels[0]', '266'));
    assert.throws(() => probeAccuracy(x, labels, x, [...labels.slice(1), 256], 784, 10),
      refused('testLabels[9]', '256'));
    assert.throws(() => probeAccuracy(x, [...labels.slice(1), 1e300], x, labels, 784, 10),
      refused('trainLabels[9]', '1e300'));
    const probe = new Probe(x, 784, labels, 10, { epochs: 1 });
    assert.throws(() => probe.accuracy(x, [...labels.slice(1), Infinity]),
      refused('labels[9]', 'Infinity'));
    assert.throws(() => probe.accuracy(x, 7), /`labels` must be a Uint8Array or an array of whole numbers from 0 to 255, got 7$/);
    assert.throws(() => probe.accuracy(x, { 0: 1, length: 1 }), /`labels` must be .*, got an Object$/);

    // Labels that are whole numbers from 0 to 255 work in any array.
    assert.equal(probe.accuracy(x, [...labels]), probe.accuracy(x, labels));
    assert.equal(probe.accuracy(x, Float64Array.from(labels)), probe.accuracy(x, labels));
    assert.deepEqual(fewPerClass([...train.labels], 10, 0), fewPerClass(train.labels, 10, 0));
    // Seeds go up to 2^53 here as for corrupt and the options' seeds, not 2^32 − 1.
    assert.equal(fewPerClass(train.labels, 2, 2 ** 53).length, 20);
    assert.notDeepEqual(fewPerClass(train.labels, 2, 2 ** 32), fewPerClass(train.labels, 2, 0));
    assert.throws(() => fewPerClass(train.labels, 2, 2 ** 53 + 2),
      /`seed` must be a whole number from 0 to 9007199254740992, got 9007199254740994$/);
    assert.deepEqual(pairInputs('image-label', image, new Float32Array([7]), true, true),
      pairInputs('image-label', image, new Uint8Array([7]), true, true));
    probe.free();
  });

  test('each message names the call that was made, never a step inside it', () => {
    // The core names its own steps ("join modalities", "fit a probe",
    // "classify"); the exports put the public call's name in their place.
    const x = train.images.slice(0, 10 * PIXELS);
    const labels = train.labels.slice(0, 10);
    const probe = new Probe(x, 784, labels, 10, { epochs: 1 });
    const pca = new Pca(x, 784, 2);
    const image = new Float32Array(PIXELS);
    const withNaN = x.slice();
    withNaN[900] = NaN;
    const cases = [
      [() => pairInputs('image-label', image.slice(1), new Uint8Array(1), true, true),
        'pairInputs: expected a non-empty multiple of 28×28 values, got 783'],
      [() => pairInputs('image-label', image, new Uint8Array([10]), true, true),
        'pairInputs: `labels[0]` is 10, not a digit from 0 to 9'],
      [() => pairInputs('sound', image, new Uint8Array(1), true, true),
        "pairInputs: `pairing` must be 'image-label' or 'halves', got 'sound'"],
      [() => pairedImages('image-label', new Float32Array(793)),
        'pairedImages: expected a non-empty multiple of 794 values, got 793'],
      [() => pairingModalities('both'),
        "pairingModalities: `pairing` must be 'image-label' or 'halves', got 'both'"],
      [() => new Probe(x, 784, labels.slice(1), 10),
        'new Probe: expected 10 labels, one per row of features, got 9'],
      [() => new Probe(x, 784, new Uint8Array(10).fill(12), 10),
        'new Probe: `labels[0]` is 12, but there are only 10 classes'],
      [() => new Probe(x, 784, labels, 1), 'new Probe: `classes` must be between 2 and 256, got 1'],
      [() => new Probe(x, 0, labels, 10), 'new Probe: `width` must be at least 1, got 0'],
      [() => probe.probabilities(image.slice(1)),
        'Probe.probabilities: expected a non-empty multiple of 784 values, got 783'],
      [() => probe.predict(image.slice(1)),
        'Probe.predict: expected a non-empty multiple of 784 values, got 783'],
      [() => probe.accuracy(x, labels.slice(1)),
        'Probe.accuracy: expected 10 labels, one per row of features, got 9'],
      [() => probeAccuracy(x, labels, x, labels.slice(1), 784, 10),
        'probeAccuracy: expected 7056 values in `testFeatures`, 784 for each of the 9 labels in '
        + '`testLabels`, got 7840'],
      [() => probeAccuracy(x, labels.slice(1), x, labels, 784, 10, 1),
        'probeAccuracy: expected 7056 values in `trainFeatures`, 784 for each of the 9 labels in '
        + '`trainLabels`, got 7840'],
      [() => probeAccuracy(x, labels, x, labels, 784, 10, 0),
        'probeAccuracy: `perClass` must be at least 1 (or all labels)'],
      // A label the probe has no class for is refused, not scored as a miss,
      // and a NaN is named with its set.
      [() => probe.accuracy(x, [...labels.slice(1), 10]),
        'Probe.accuracy: `labels[9]` is 10, but there are only 10 classes'],
      [() => probeAccuracy(x, labels, x, [...labels.slice(1), 12], 784, 10),
        'probeAccuracy: `testLabels[9]` is 12, but there are only 10 classes'],
      [() => probeAccuracy(x, [12, ...labels.slice(1)], x, labels, 784, 10, 1),
        'probeAccuracy: `trainLabels[0]` is 12, but there are only 10 classes'],
      [() => probeAccuracy(x, labels, withNaN, labels, 784, 10),
        'probeAccuracy: `testFeatures` holds NaN at index 900'],
      [() => probeAccuracy(withNaN, labels, x, labels, 784, 10),
        'probeAccuracy: `trainFeatures` holds NaN at index 900'],
      [() => new Pca(x, 784, 17), 'new Pca: `components` must be between 1 and 16, got 17'],
      [() => pca.project(image.slice(1)),
        'Pca.project: expected a non-empty multiple of 784 values, got 783'],
    ];
    for (const [action, message] of cases) {
      assert.throws(action, (error) => error instanceof Error && error.message === message,
        message);
    }
    // The module still works.
    assert.equal(probe.predict(x).length, 10);
    probe.free();
    pca.free();
  });

  test('a probe of zero labels per class says so', () => {
    const x = train.images.slice(0, 100 * PIXELS);
    const y = train.labels.slice(0, 100);
    assert.throws(() => probeAccuracy(x, y, x, y, 784, 10, 0), /perClass.*at least 1/);
  });
});
