/**
 * The training worker of autoencoder-lab (a module worker; `TrainingWorker` starts it).
 *
 * It trains one model at a time in chunks of steps and yields to the event loop
 * between chunks, so pause, resume and cancel are answered within one chunk.
 *
 * Messages in:
 *   { type: 'train', id, job }   job: a TrainingJob (index.d.ts); cancels any running job
 *   { type: 'probe', id, job }   job: a ProbeJob (index.d.ts); cancels any running job
 *   { type: 'prepare', id }      loads the wasm module and the built-in digits now, so
 *                                later jobs need no network
 *   { type: 'pause' }, { type: 'resume' }, { type: 'cancel' }   act on the running job
 * Messages out (each carries the `id` of its job):
 *   { type: 'progress', id, ...Progress }   after every chunk of training
 *   { type: 'done', id, bytes }             the trained model file (buffer transferred)
 *   { type: 'done', id, result }            a probe's ProbeResult, or null for prepare
 *   { type: 'cancelled', id }
 *   { type: 'error', id, message }
 */
import {
  init, Autoencoder, Trainer, loadDigits, pairInputs, pairingModalities, probeAccuracy,
} from './index.js';

const DEFAULT_CHUNK = 20;
/** Most steps per chunk: pause and cancel are answered between chunks. */
const MAX_CHUNK = 1000;

/** The running job: `{ id, paused, cancelled, wake }`, where `wake` ends a pause. */
let current = null;

let wasmReady = null;
let builtInSplits = null;

self.addEventListener('message', ({ data }) => {
  switch (data?.type) {
    case 'train':
      run(data.id, (state) => train(data.job ?? {}, state));
      break;
    case 'probe':
      run(data.id, (state) => probe(data.job ?? {}, state));
      break;
    case 'prepare':
      run(data.id, () => prepare());
      break;
    case 'pause':
      if (current) current.paused = true;
      break;
    case 'resume':
      if (current) current.paused = false;
      wake(current);
      break;
    case 'cancel':
      cancel(current);
      break;
  }
});

/**
 * Runs one job to its end and posts how it ended; never rejects. `work`
 * resolves with model bytes, with `{ result }`, or with null when cancelled.
 */
async function run(id, work) {
  cancel(current);
  const state = { id, paused: false, cancelled: false, wake: null };
  current = state;

  try {
    const outcome = await work(state);
    if (outcome instanceof Uint8Array) {
      self.postMessage({ type: 'done', id, bytes: outcome }, [outcome.buffer]);
    } else if (outcome) {
      self.postMessage({ type: 'done', id, result: outcome.result });
    } else {
      self.postMessage({ type: 'cancelled', id });
    }
  } catch (error) {
    self.postMessage({ type: 'error', id, message: messageOf(error) });
  } finally {
    if (current === state) current = null;
  }
}

/** Trains as `job` says; resolves with the model file, or null when cancelled. */
async function train(job, state) {
  await loadWasm();
  const trainer = makeTrainer(job, await trainingInputs(job));

  try {
    const total = totalSteps(job, trainer.stepsPerEpoch);
    const chunk = chunkSize(job);
    while (trainer.stepCount < total) {
      await nextTurn(state);
      if (state.cancelled) return null;

      const progress = trainer.step(Math.min(chunk, total - trainer.stepCount));
      self.postMessage({ type: 'progress', id: state.id, ...progress });
    }

    await nextTurn(state);
    return state.cancelled ? null : modelBytes(trainer);
  } finally {
    trainer.free();
  }
}

/** Loads what jobs need, so that they run without the network afterwards. */
async function prepare() {
  await loadWasm();
  await trainDigits();
  return { result: null };
}

/**
 * Test accuracy of a linear classifier on the job's model's codes of the
 * built-in digits, and on their pixels, for each count of labels per class.
 */
async function probe(job, state) {
  if (!job.modelBytes && !job.pixels) {
    throw new Error('a probe job needs modelBytes (a model file) or pixels: true');
  }
  await loadWasm();
  const train = await trainDigits();
  const test = await testDigits();
  const perClass = job.perClass ?? [10, 100, null];
  const rows = {};

  if (job.modelBytes) {
    const model = Autoencoder.fromBytes(job.modelBytes);
    try {
      checkPairing(model, job.pairing);
      if (!job.pairing && model.inputSize !== 784) {
        throw new Error(`the model takes ${model.inputSize} values, not a 28×28 digit: `
          + 'give the job the pairing it was trained on');
      }
      const codes = (digits) => model.encode(job.pairing === 'image-label'
        ? pairInputs('image-label', digits.images, digits.labels, true, false)
        : job.pairing ? pairInputs(job.pairing, digits.images, digits.labels, true, true)
          : digits.images);
      rows.codes = await accuracies(codes(train), codes(test), model.codeSize);
    } finally {
      model.free();
    }
  }
  if (job.pixels) rows.pixels = await accuracies(train.images, test.images, 784);
  return state.cancelled ? null : { result: { perClass, ...rows } };

  async function accuracies(trainFeatures, testFeatures, width) {
    const values = [];
    for (const count of perClass) {
      await nextTurn(state);
      if (state.cancelled) return values;
      values.push(probeAccuracy(trainFeatures, train.labels, testFeatures, test.labels,
        width, 10, count ?? undefined, job.options ?? {}));
    }
    return values;
  }
}

/**
 * Throws unless the model's modalities are those of `pairing` (none without
 * one): a plain model of 784 values would otherwise take the halves pairing's
 * reordered pixels without a word.
 */
function checkPairing(model, pairing) {
  const list = (modalities) => modalities.map(({ name, size }) => `${name} ${size}`).join(', ');
  const has = list(model.modalities());
  const wants = pairing ? list(pairingModalities(pairing)) : '';
  if (has === wants) return;
  throw new Error(pairing
    ? `the '${pairing}' pairing gives the modalities ${wants}, but the model has `
      + `${has || 'none (a model of plain digits)'}; its config needs the pairing's modalities`
    : `the model has the modalities ${has}: give the job the pairing it was trained on`);
}

/** A trainer over `images`, starting from the job's model bytes or config. */
function makeTrainer(job, images) {
  const model = startingModel(job);
  try {
    if (!job.images) checkPairing(model, job.pairing);
    return new Trainer(model, images, job.options ?? {});
  } finally {
    model.free();
  }
}

function startingModel(job) {
  if (job.modelBytes) return Autoencoder.fromBytes(job.modelBytes);
  if (job.config) return new Autoencoder(job.config);
  throw new Error('a training job needs `modelBytes` or `config`');
}

/** `job.steps`, or `ceil(epochs · stepsPerEpoch)` with one epoch by default. */
function totalSteps(job, stepsPerEpoch) {
  for (const name of ['steps', 'epochs']) {
    const value = job[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value < Infinity)) {
      throw new Error(`job.${name} must be a number >= 0, got ${value}`);
    }
  }
  return Math.floor(job.steps ?? Math.ceil((job.epochs ?? 1) * stepsPerEpoch));
}

function chunkSize(job) {
  const chunk = job.chunk ?? DEFAULT_CHUNK;
  if (!(chunk >= 1 && chunk <= MAX_CHUNK)) {
    throw new Error(`job.chunk must be a number from 1 to ${MAX_CHUNK}, got ${chunk}`);
  }
  return Math.floor(chunk);
}

/** The trained model as a safetensors file, in a buffer of its own (to transfer). */
function modelBytes(trainer) {
  const model = trainer.model();
  try {
    const bytes = model.toBytes();
    return bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  } finally {
    model.free();
  }
}

/** Lets queued messages run, then waits while the job is paused. */
async function nextTurn(state) {
  await new Promise((resolve) => setTimeout(resolve, 0));

  while (state.paused && !state.cancelled) {
    await new Promise((resolve) => {
      state.wake = resolve;
    });
  }
}

function cancel(state) {
  if (!state) return;
  state.cancelled = true;
  wake(state);
}

function wake(state) {
  const resolve = state?.wake;
  if (!resolve) return;
  state.wake = null;
  resolve();
}

/** Loads the wasm module once; a failed load is tried again by the next job. */
function loadWasm() {
  wasmReady ??= init().catch((error) => {
    wasmReady = null;
    throw error;
  });
  return wasmReady;
}

/**
 * The job's inputs: its own images, or the built-in train digits, paired as
 * `job.pairing` says (image and label, or two halves) for a multimodal model.
 */
async function trainingInputs(job) {
  if (job.images && job.pairing) {
    throw new Error('a training job takes images or a pairing of the built-in digits, not both');
  }
  if (job.images) return job.images;
  const { images, labels } = await trainDigits();
  return job.pairing ? pairInputs(job.pairing, images, labels, true, true) : images;
}

/** The built-in digits, both parts, loaded once and kept for later jobs. */
function builtInDigits() {
  builtInSplits ??= loadDigits().then(
    (digits) => {
      try {
        const part = (split) => ({ images: digits.images(split), labels: digits.labels(split) });
        return { train: part('train'), test: part('test') };
      } finally {
        digits.free();
      }
    },
    (error) => {
      builtInSplits = null;
      throw error;
    },
  );
  return builtInSplits;
}

/** The built-in train digits and their labels. */
async function trainDigits() {
  return (await builtInDigits()).train;
}

/** The built-in test digits and their labels. */
async function testDigits() {
  return (await builtInDigits()).test;
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
