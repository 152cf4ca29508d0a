/**
 * The probe worker of the demo (a module worker; `ProbeTable` starts it). It measures
 * how well a linear classifier labels the built-in test digits from frozen features:
 * the codes of an encoder, or the raw pixels. It runs here so the page never waits.
 *
 * Messages in:
 *   { type: 'measure', id, features, perClass }
 *     features: [{ name, modelBytes? }]: the codes of the model file `modelBytes`, or
 *     the raw pixels without it; perClass: the labelled training digits of each class
 *     that a classifier is fitted on, each a number, or null for all of them
 * Messages out (each carries the `id` of its measure):
 *   { type: 'result', id, name, width, perClass, accuracy }   one fit, once it is done
 *   { type: 'done', id }
 *   { type: 'error', id, message }
 */
import { Autoencoder, loadDigits, probeAccuracy } from '../pkg/index.js';

const CLASSES = 10;

/** The built-in digits as plain arrays, loaded once; a failed load is tried again. */
let digitsReady = null;

self.addEventListener('message', ({ data }) => {
  if (data?.type === 'measure') measure(data);
});

/** Fits and tests every feature at every count; posts each result; never rejects. */
async function measure({ id, features, perClass }) {
  try {
    const digits = await builtInDigits();
    for (const { name, modelBytes } of features) {
      const { train, test, width } = featuresOf(modelBytes, digits);

      for (const count of perClass) {
        const accuracy = probeAccuracy(train, digits.trainLabels, test, digits.testLabels,
          width, CLASSES, count ?? undefined, {});
        self.postMessage({ type: 'result', id, name, width, perClass: count, accuracy });
      }
    }
    self.postMessage({ type: 'done', id });
  } catch (error) {
    self.postMessage({ type: 'error', id, message: messageOf(error) });
  }
}

/** The codes of the train and test digits by the model in `modelBytes`, or the pixels. */
function featuresOf(modelBytes, digits) {
  if (!modelBytes) {
    return { train: digits.trainImages, test: digits.testImages, width: digits.width };
  }

  const model = Autoencoder.fromBytes(modelBytes);
  try {
    return {
      train: model.encode(digits.trainImages),
      test: model.encode(digits.testImages),
      width: model.codeSize,
    };
  } finally {
    model.free();
  }
}

function builtInDigits() {
  digitsReady ??= loadDigits().then(copyDigits, (error) => {
    digitsReady = null;
    throw error;
  });
  return digitsReady;
}

/** Copies the images and labels out of wasm memory and frees the `Digits`. */
function copyDigits(digits) {
  try {
    const trainImages = digits.images('train');
    return {
      trainImages,
      trainLabels: digits.labels('train'),
      testImages: digits.images('test'),
      testLabels: digits.labels('test'),
      width: trainImages.length / digits.trainCount,
    };
  } finally {
    digits.free();
  }
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
