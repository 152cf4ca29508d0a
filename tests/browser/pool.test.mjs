// InferencePool from the packed npm package, in Chromium: a batch split across
// workers must give the model's own bits for every row, and every failure must
// reject with the model's own words, never hang, and leave `out` untouched.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { installPackedPackage } from '../packed.mjs';
import { servePackedProject } from './helpers.mjs';

/**
 * What the tests' pages share, served beside pool.html: the package, the
 * digits, the ready undercomplete model (as bytes and loaded), and bit-exact
 * comparison of Float32Arrays.
 */
const PAGE_HELPERS = `
export async function setUp() {
  const lab = await import('./node_modules/autoencoder-lab/index.js');
  await lab.init();
  const digits = await lab.loadDigits();
  const bytes = new Uint8Array(await (await fetch(
    './node_modules/autoencoder-lab/models/undercomplete.safetensors')).arrayBuffer());
  return { lab, InferencePool: lab.InferencePool, digits, bytes, model: lab.Autoencoder.fromBytes(bytes) };
}

const bits = (values) => new Uint32Array(values.buffer, values.byteOffset, values.length);

export function same(a, b) {
  const [left, right] = [bits(a), bits(b)];
  return left.length === right.length && left.every((v, i) => v === right[i]);
}

/** A Float32Array of \`length\` values on a SharedArrayBuffer, each \`fill\`. */
export function shared(length, fill = -1) {
  return new Float32Array(new SharedArrayBuffer(4 * length)).fill(fill);
}

/**
 * What \`promise\` comes to within \`seconds\`: its value where that is a
 * string, else 'resolved'; its error's message; or that it is still pending.
 */
export function settled(promise, seconds = 10) {
  return Promise.race([
    promise.then((value) => (typeof value === 'string' ? value : 'resolved'), (error) => error.message),
    new Promise((resolve) => setTimeout(() => resolve(\`still pending after \${seconds} s\`), seconds * 1000)),
  ]);
}
`;

let installed;
let served;
let base;
let isolatedBase;
let context;

before(async () => {
  installed = installPackedPackage('autoencoder-lab-pool-');
  await writeFile(join(installed.project, 'pool.html'),
    '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n');
  await writeFile(join(installed.project, 'pool-helpers.js'), PAGE_HELPERS);
  served = await servePackedProject(installed.project,
    ['node_modules', 'pool.html', 'pool-helpers.js', 'chatty-worker.js', 'late-worker.js'], 60_000);
  ({ base, isolatedBase, context } = served);
});

after(async () => {
  await served?.close();
  installed?.remove();
});

/**
 * Opens the empty page (from `at`, by default the server without isolation)
 * and runs `body` in it; errors the page logs fail the test, but for those
 * `expected` matches.
 */
async function inPage(body, arg, expected = /^$/, at = base) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected.test(message.text())) errors.push(message.text());
  });
  try {
    await page.goto(`${at}/pool.html`);
    const result = await page.evaluate(body, arg);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await page.close();
  }
}

test('a batch split across workers gives every row the bits of the model itself', async () => {
  const outcome = await inPage(async () => {
    const { setUp, same } = await import('./pool-helpers.js');
    const { lab, digits, bytes, model } = await setUp();
    const { InferencePool } = await import('./node_modules/autoencoder-lab/pool.js');

    const report = { sameClass: lab.InferencePool === InferencePool, checks: [] };
    for (const workers of [2, 3]) {
      const pool = await InferencePool.create(bytes, { workers });
      report.sizes = [pool.workers, pool.inputSize, pool.codeSize, pool.isEncoderOnly];
      // 1 and 127 rows go to one worker; 128 to two; 1,000 to every worker.
      for (const rows of [1, 127, 128, 1000]) {
        const x = digits.images('test').slice(0, rows * 784);
        const code = model.encode(x);
        const reconstruction = model.reconstruct(x);
        const decoded = model.decode(code);
        const into = new Float32Array(rows * 784).fill(-1);
        await pool.reconstructInto(x, into);
        const codeInto = new Float32Array(rows * pool.codeSize);
        await pool.encodeInto(x, codeInto);
        const decodedInto = new Float32Array(rows * 784);
        await pool.decodeInto(code, decodedInto);
        // Calls in flight together, and `out` the input itself.
        const overwritten = x.slice();
        const [a, b] = await Promise.all([pool.encode(x), pool.reconstruct(x),
          pool.reconstructInto(overwritten, overwritten)]);
        report.checks.push({
          workers, rows,
          encode: same(a, code) && same(codeInto, code),
          decode: same(await pool.decode(code), decoded) && same(decodedInto, decoded),
          reconstruct: same(b, reconstruction) && same(into, reconstruction)
            && same(overwritten, reconstruction),
          // Not a trivial agreement: the reconstruction is not the input.
          changed: !same(reconstruction, x),
        });
      }
      pool.terminate();
    }

    // 2,000 one-row calls in flight at once, a relative `wasm` URL (read
    // against the page), and an input whose own `length` lies.
    // Model bytes of another realm (an iframe's), as the model takes them.
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const foreign = new frame.contentWindow.Uint8Array(bytes);
    const pool = await InferencePool.create(foreign, {
      workers: 2, wasm: './node_modules/autoencoder-lab/autoencoder_lab_infer_bg.wasm',
    });
    const test = digits.images('test');
    const rows = Array.from({ length: 2000 }, (_, i) => test.subarray(i * 784, (i + 1) * 784));
    const codes = await Promise.all(rows.map((row) => pool.encode(row)));
    const expected = model.encode(test);
    report.manyCalls = codes.every((code, i) => same(code, expected.subarray(i * 32, (i + 1) * 32)));
    const liar = test.slice(0, 200 * 784);
    Object.defineProperty(liar, 'length', { value: 0 });
    report.liar = same(await pool.encode(liar), expected.subarray(0, 200 * 32));
    pool.terminate();
    report.workersAfter = pool.workers;
    return report;
  });
  assert.equal(outcome.manyCalls, true);
  assert.equal(outcome.liar, true);
  assert.equal(outcome.workersAfter, 0);
  assert.equal(outcome.sameClass, true);
  assert.deepEqual(outcome.sizes, [3, 784, 32, false]);
  assert.equal(outcome.checks.length, 8);
  for (const check of outcome.checks) {
    assert.deepEqual(check, { ...check, encode: true, decode: true, reconstruct: true, changed: true },
      JSON.stringify(check));
  }
});

test('on an isolated page, arrays in shared memory are read and written in place, with the model\'s bits', async () => {
  const outcome = await inPage(async () => {
    const { setUp, same, shared } = await import('./pool-helpers.js');
    const { InferencePool, digits, bytes, model } = await setUp();

    const report = { isolated: crossOriginIsolated, checks: [] };
    const pool = await InferencePool.create(bytes, { workers: 3 });
    for (const rows of [1, 200, 1000]) {
      const plain = digits.images('test').slice(0, rows * 784);
      const x = shared(plain.length);
      x.set(plain);
      const code = model.encode(plain);
      const reconstruction = model.reconstruct(plain);
      const decoded = model.decode(code);
      const sharedCode = shared(code.length);
      sharedCode.set(code);

      const into = shared(x.length);
      const codeInto = shared(code.length);
      const decodedInto = shared(x.length);
      // In flight together: shared in and out, shared in only, shared out only.
      const plainOut = new Float32Array(x.length);
      const sharedOut = shared(x.length);
      const [fresh] = await Promise.all([pool.reconstruct(x), pool.reconstructInto(x, into),
        pool.encodeInto(x, codeInto), pool.decodeInto(sharedCode, decodedInto),
        pool.reconstructInto(x, plainOut), pool.reconstructInto(plain, sharedOut)]);
      // The input is read, never written: then `out` the input itself.
      const untouched = same(x, plain);
      await pool.reconstructInto(x, x);
      report.checks.push({
        rows,
        untouched,
        fresh: same(fresh, reconstruction) && !(fresh.buffer instanceof SharedArrayBuffer),
        into: same(into, reconstruction) && same(plainOut, reconstruction)
          && same(sharedOut, reconstruction),
        encode: same(codeInto, code),
        decode: same(decodedInto, decoded),
        inPlace: same(x, reconstruction),
        changed: !same(reconstruction, plain),
      });
    }
    pool.terminate();
    return report;
  }, undefined, /^$/, isolatedBase);
  assert.equal(outcome.isolated, true);
  assert.equal(outcome.checks.length, 3);
  for (const check of outcome.checks) {
    assert.deepEqual(check, {
      ...check, untouched: true, fresh: true, into: true, encode: true, decode: true, inPlace: true,
      changed: true,
    }, JSON.stringify(check));
  }
});

test('a failed call leaves a shared `out` as it was, and the next call still runs', async () => {
  const outcome = await inPage(async () => {
    const { setUp, settled, shared } = await import('./pool-helpers.js');
    const { InferencePool, digits, bytes, model } = await setUp();
    const pool = await InferencePool.create(bytes, { workers: 2 });
    const x = shared(1000 * 784);
    x.set(digits.images('test').subarray(0, x.length));
    const out = shared(x.length);
    const report = {};
    // A NaN in the second worker's share, then in the first's and the second's.
    for (const [name, at] of [['second', [700 * 784 + 5]], ['both', [3, 900 * 784]]]) {
      const bad = shared(x.length);
      bad.set(x);
      for (const i of at) bad[i] = NaN;
      report[name] = await settled(pool.reconstructInto(bad, out));
      report[`${name}Untouched`] = out.every((v) => v === -1);
    }
    // A share that cannot be sent: the other share's worker must not wait for it.
    const post = Worker.prototype.postMessage;
    let runs = 0;
    Worker.prototype.postMessage = function (message, ...rest) {
      if (message?.type === 'run' && ++runs === 2) throw new Error('refused by the test');
      return post.call(this, message, ...rest);
    };
    report.unsent = await settled(pool.reconstructInto(x, out));
    Worker.prototype.postMessage = post;
    report.unsentUntouched = out.every((v) => v === -1);
    report.next = await settled(pool.reconstructInto(x, out));
    const expected = model.reconstruct(x.slice());
    report.after = out.every((v, i) => Object.is(v, expected[i]));
    pool.terminate();
    return report;
  }, undefined, /^$/, isolatedBase);
  assert.equal(outcome.second,
    `InferencePool.reconstructInto: input value at index ${700 * 784 + 5} is NaN or infinite`);
  assert.equal(outcome.both, 'InferencePool.reconstructInto: input value at index 3 is NaN or infinite');
  assert.equal(outcome.unsent, 'InferencePool.reconstructInto: refused by the test');
  assert.equal(outcome.unsentUntouched, true);
  assert.equal(outcome.secondUntouched, true);
  assert.equal(outcome.bothUntouched, true);
  assert.equal(outcome.next, 'resolved');
  assert.equal(outcome.after, true);
});

test('terminate() rejects a shared call not yet written, and lets one already writing finish', async () => {
  const outcome = await inPage(async () => {
    const { setUp, settled, shared } = await import('./pool-helpers.js');
    const { InferencePool, digits, bytes, model } = await setUp();
    const x = shared(5000 * 784);
    const test = digits.images('test');
    for (let i = 0; i < 5000; i += 1) x.set(test.subarray((i % 2000) * 784, (i % 2000 + 1) * 784), i * 784);
    const expected = model.reconstruct(x.slice());
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const report = {};

    // Ended before its workers even start.
    let pool = await InferencePool.create(bytes, { workers: 2 });
    let out = shared(x.length);
    const early = settled(pool.reconstructInto(x, out));
    pool.terminate();
    report.early = await early;
    await pause(300);
    report.earlyUntouched = out.every((v) => v === -1);

    // Ended once its workers are writing (seen from here, by busy waiting).
    pool = await InferencePool.create(bytes, { workers: 2 });
    out = shared(x.length);
    const late = settled(pool.reconstructInto(x, out));
    const start = performance.now();
    while (out[0] === -1 && performance.now() - start < 5000) { /* the first share is writing */ }
    report.sawWriting = out[0] !== -1;
    pool.terminate();
    report.late = await late;
    report.lateWhole = out.every((v, i) => Object.is(v, expected[i]));
    out.fill(7);
    await pause(300);
    report.afterwards = out.every((v) => v === 7);
    report.later = await settled(pool.reconstructInto(x, out));
    return report;
  }, undefined, /^$/, isolatedBase);
  assert.equal(outcome.early, 'InferencePool.reconstructInto: this InferencePool was terminated');
  assert.equal(outcome.earlyUntouched, true);
  assert.equal(outcome.sawWriting, true);
  assert.equal(outcome.late, 'resolved');
  assert.equal(outcome.lateWhole, true);
  assert.equal(outcome.afterwards, true);
  assert.equal(outcome.later, 'InferencePool.reconstructInto: this InferencePool was terminated');
});

test('on a page that is not isolated, arrays in shared memory are copied like any other', async () => {
  const outcome = await inPage(async () => {
    const { setUp, same } = await import('./pool-helpers.js');
    const { InferencePool, digits, bytes, model } = await setUp();
    // Chromium makes shared memory for wasm even here, but cannot send it to a worker.
    const memory = new WebAssembly.Memory({ shared: true, initial: 64, maximum: 64 });
    const x = new Float32Array(memory.buffer, 0, 300 * 784);
    const out = new Float32Array(memory.buffer, x.byteLength, x.length);
    x.set(digits.images('test').subarray(0, x.length));
    const pool = await InferencePool.create(bytes, { workers: 2 });
    const expected = model.reconstruct(x.slice());
    await pool.reconstructInto(x, out);
    const fresh = await pool.reconstruct(x);
    pool.terminate();
    return {
      isolated: crossOriginIsolated,
      shared: Object.prototype.toString.call(memory.buffer),
      into: same(out, expected),
      fresh: same(fresh, expected),
    };
  });
  assert.deepEqual(outcome, {
    isolated: false, shared: '[object SharedArrayBuffer]', into: true, fresh: true,
  });
});

test('pool.fused is the loaded module\'s own word, whatever file `wasm` names; a worker that imports late still loads', async () => {
  await writeFile(join(installed.project, 'late-worker.js'),
    "await new Promise((resolve) => setTimeout(resolve, 200));\n"
    + "await import('./node_modules/autoencoder-lab/pool-worker.js');\n");
  const outcome = await inPage(async () => {
    const { setUp, settled } = await import('./pool-helpers.js');
    const { InferencePool, bytes } = await setUp();
    const folder = './node_modules/autoencoder-lab/';
    const fusedOf = async (options) => {
      const pool = await InferencePool.create(bytes, { workers: 1, ...options });
      pool.terminate();
      return pool.fused;
    };
    return {
      plainAsFused: await fusedOf({ fused: true, wasm: `${folder}autoencoder_lab_infer_bg.wasm` }),
      fusedAsPlain: await fusedOf({ fused: false, wasm: `${folder}autoencoder_lab_infer_fused_bg.wasm` }),
      late: await settled(fusedOf({ workerUrl: './late-worker.js', fused: true }).then(String), 20),
    };
  });
  assert.deepEqual(outcome, { plainAsFused: false, fusedAsPlain: true, late: 'true' });
});

test('`fused: true` runs the fused build: close to the model, other last bits, the same alone or in a batch', async () => {
  const outcome = await inPage(async () => {
    const { setUp, settled } = await import('./pool-helpers.js');
    const { lab, InferencePool, digits, bytes, model } = await setUp();
    const x = digits.images('test').slice(0, 1000 * 784);
    const expected = model.reconstruct(x);

    const plain = await InferencePool.create(bytes, { workers: 2 });
    const pool = await InferencePool.create(bytes, { workers: 2, fused: true });
    const batch = await pool.reconstruct(x);
    const rows = [0, 1, 999].map((i) => x.subarray(i * 784, (i + 1) * 784));
    const alone = await Promise.all(rows.map((row) => pool.reconstruct(row)));
    let largest = 0;
    let differ = 0;
    batch.forEach((v, i) => {
      largest = Math.max(largest, Math.abs(v - expected[i]));
      if (!Object.is(v, expected[i])) differ += 1;
    });
    const refusal = await settled(InferencePool.create(bytes, { fused: 'yes' }));
    const sameRows = (rowsAlone, whole, picked, width) => rowsAlone.every((row, r) => {
      return row.every((v, i) => Object.is(v, whole[picked[r] * width + i]));
    });

    // Layers whose widths are not a multiple of four (the kernels' and the
    // sigmoid's last few values), and sums long enough to round differently.
    const odd = new lab.Autoencoder({
      inputSize: 13,
      encoder: [{ units: 7, activation: 'sigmoid' }],
      decoder: [{ units: 13, activation: 'sigmoid' }],
      seed: 3,
    });
    const oddPool = await InferencePool.create(odd.toBytes(), { workers: 2, fused: true });
    const oddX = Float32Array.from({ length: 300 * 13 }, (_, i) => ((i * 7919) % 101) / 100);
    const oddExpected = odd.reconstruct(oddX);
    const oddBatch = await oddPool.reconstruct(oddX);
    const oddAlone = await Promise.all([0, 150, 299].map((i) => {
      return oddPool.reconstruct(oddX.subarray(i * 13, (i + 1) * 13));
    }));
    const report = {
      fused: [plain.fused, pool.fused, oddPool.fused],
      largest,
      differ,
      alone: sameRows(alone, batch, [0, 1, 999], 784),
      oddLargest: Math.max(...oddBatch.map((v, i) => Math.abs(v - oddExpected[i]))),
      oddAlone: sameRows(oddAlone, oddBatch, [0, 150, 299], 13),
      refusal,
    };
    plain.terminate();
    pool.terminate();
    oddPool.terminate();
    return report;
  });
  assert.deepEqual(outcome.fused, [false, true, true]);
  // Fused sums differ a little from unfused ones (on the digits, under 1e-5).
  assert.ok(outcome.largest < 1e-5, `largest difference ${outcome.largest}`);
  assert.ok(outcome.differ > 1000, `${outcome.differ} values differ: is the fused build loaded?`);
  assert.equal(outcome.alone, true);
  assert.ok(outcome.oddLargest < 1e-5, `largest difference ${outcome.oddLargest}`);
  assert.equal(outcome.oddAlone, true);
  assert.equal(outcome.refusal, "InferencePool.create: `fused` must be true or false, got 'yes'");
});

test('every failure rejects with the model\'s own words and leaves `out` as it was', async () => {
  const outcome = await inPage(async () => {
    const { setUp, settled } = await import('./pool-helpers.js');
    const { lab, InferencePool, bytes, model } = await setUp();
    const message = (call) => {
      try {
        call();
        return 'no error';
      } catch (error) {
        return error.message;
      }
    };

    const pool = await InferencePool.create(bytes, { workers: 2 });
    const x = new Float32Array(1000 * 784).fill(0.5);
    x[700 * 784 + 3] = NaN; // in the second worker's share
    const out = new Float32Array(1000 * 784).fill(7);
    const cases = {
      nan: [await settled(pool.reconstructInto(x, out)),
        message(() => model.reconstruct(x)).replace('Autoencoder.reconstruct', 'InferencePool.reconstructInto')],
      nanEncode: [await settled(pool.encode(x)),
        message(() => model.encode(x)).replace('Autoencoder.encode', 'InferencePool.encode')],
      length: [await settled(pool.reconstruct(new Float32Array(785))),
        message(() => model.reconstruct(new Float32Array(785))).replace('Autoencoder', 'InferencePool')],
      empty: [await settled(pool.decode(new Float32Array(0))),
        message(() => model.decode(new Float32Array(0))).replace('Autoencoder', 'InferencePool')],
    };
    const outUntouched = out.every((v) => v === 7);

    // The error is of the input as it was when called, whatever happens to
    // it after; with NaNs in both shares, the first one's index.
    const changed = new Float32Array(1000 * 784).fill(0.5);
    changed[900 * 784 + 1] = NaN;
    changed[600 * 784 + 2] = Infinity;
    const expectedChanged = message(() => model.encode(changed)).replace('Autoencoder', 'InferencePool');
    const call = pool.encode(changed);
    changed.fill(0);
    cases.changedAfter = [await settled(call), expectedChanged];
    const twoShares = new Float32Array(1000 * 784).fill(0.5);
    twoShares[100 * 784] = NaN;
    twoShares[900 * 784] = NaN;
    cases.twoShares = [await settled(pool.reconstruct(twoShares)),
      message(() => model.reconstruct(twoShares)).replace('Autoencoder', 'InferencePool')];
    const encoder = await InferencePool.create(model.encoderOnly().toBytes(), { workers: 2 });
    const refused = {
      out: await settled(pool.reconstructInto(new Float32Array(784 * 200), new Float32Array(784))),
      outKind: await settled(pool.encodeInto(new Float32Array(784), [0])),
      outNull: await settled(pool.reconstructInto(new Float32Array(784), null)),
      // A NaN in the input is found before a wrong `out`, as the model finds it.
      nanFirst: await settled(pool.encodeInto(x, new Float32Array(5))),
      nanFirstModel: message(() => model.encodeInto(x, new Float32Array(5))),
      input: await settled(pool.reconstruct([0.5])),
      encoderOnly: [await settled(encoder.decode(new Float32Array(32 * 200))),
        message(() => model.encoderOnly().decode(new Float32Array(32)))
          .replace('Autoencoder', 'InferencePool')],
      bytes: [await settled(InferencePool.create(bytes.slice(0, 100))),
        message(() => lab.Autoencoder.fromBytes(bytes.slice(0, 100)))],
      workers: await Promise.all([0, 17, 2.5, '2'].map((workers) => {
        return settled(InferencePool.create(bytes, { workers }));
      })),
    };
    refused.encoderOut = await settled(encoder.decodeInto(new Float32Array(32 * 200), new Float32Array(3)));
    encoder.terminate();
    refused.constructed = message(() => new InferencePool());
    const { encode } = pool;
    refused.offThePool = await settled(encode(new Float32Array(784)));
    const gone = new Float32Array(784);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    refused.detached = await settled(pool.encode(gone));
    refused.detachedOut = await settled(pool.encodeInto(new Float32Array(784), gone));
    const goneBytes = bytes.slice();
    structuredClone(goneBytes.buffer, { transfer: [goneBytes.buffer] });
    refused.detachedBytes = await settled(InferencePool.create(goneBytes));

    // A call in flight when the pool ends, and a call after.
    const flying = settled(pool.reconstruct(new Float32Array(1000 * 784)));
    pool.terminate();
    const ended = [await flying, await settled(pool.encode(new Float32Array(784)))];
    return { cases, outUntouched, refused, ended };
  });

  for (const [name, [got, expected]] of Object.entries(outcome.cases)) {
    assert.equal(got, expected, name);
  }
  assert.match(outcome.cases.nan[0], /^InferencePool\.reconstructInto: input value at index 548803 is NaN/);
  assert.equal(outcome.outUntouched, true);
  const { refused } = outcome;
  assert.equal(refused.out, 'InferencePool.reconstructInto: `out` must hold 156800 values for '
    + 'this input, got 784');
  assert.equal(refused.outKind, 'InferencePool.encodeInto: `out` must be a Float32Array, got an Array');
  assert.equal(refused.outNull, 'InferencePool.reconstructInto: `out` must be a Float32Array, got null');
  assert.equal(refused.nanFirst, refused.nanFirstModel.replace('Autoencoder', 'InferencePool'));
  assert.equal(refused.input, 'InferencePool.reconstruct: `x` must be a Float32Array, got an Array');
  assert.equal(refused.encoderOnly[0], refused.encoderOnly[1]);
  assert.match(refused.encoderOnly[0], /^InferencePool\.decode: this model is an exported encoder/);
  assert.equal(refused.bytes[0], `InferencePool.create: ${refused.bytes[1]}`);
  assert.match(refused.bytes[0], /^InferencePool\.create: cannot read model file: /);
  assert.deepEqual(refused.workers, [0, 17, 2.5, "'2'"].map((shown) => {
    return `InferencePool.create: \`workers\` must be a whole number from 1 to 16, got ${shown}`;
  }));
  assert.match(refused.encoderOut, /^InferencePool\.decodeInto: this model is an exported encoder/);
  assert.equal(refused.offThePool, 'InferencePool.encode: called on undefined, which is not an '
    + 'InferencePool (a method taken off its object? call it as pool.encode(...))');
  assert.equal(refused.detached,
    'InferencePool.encode: `x` was transferred elsewhere (detached): it holds no values');
  assert.equal(refused.detachedOut,
    'InferencePool.encodeInto: `out` was transferred elsewhere (detached): it holds no values');
  assert.equal(refused.detachedBytes,
    'InferencePool.create: `modelBytes` was transferred elsewhere (detached): it holds no bytes');
  assert.equal(refused.constructed,
    'new InferencePool: make one with `await InferencePool.create(modelBytes)`');
  assert.deepEqual(outcome.ended, [
    'InferencePool.reconstruct: this InferencePool was terminated',
    'InferencePool.encode: this InferencePool was terminated',
  ]);
});

test('a pool whose worker script cannot load rejects at once, never hangs', async () => {
  const outcome = await inPage(async () => {
    const { InferencePool } = await import('./node_modules/autoencoder-lab/pool.js');
    const { settled } = await import('./pool-helpers.js');
    return settled(InferencePool.create(new Uint8Array(8), { workerUrl: 'missing-worker.js' }));
  }, undefined, /status of 404/);
  assert.match(outcome, /^InferencePool\.create: a worker could not start/);
});

test('a worker script that is not pool-worker.js is refused at once', async () => {
  await writeFile(join(installed.project, 'chatty-worker.js'), "self.postMessage({ type: 'hello' });\n");
  const outcome = await inPage(async () => {
    const { InferencePool } = await import('./node_modules/autoencoder-lab/pool.js');
    const { settled } = await import('./pool-helpers.js');
    return settled(InferencePool.create(new Uint8Array(8), { workerUrl: 'chatty-worker.js' }));
  });
  assert.equal(outcome, 'InferencePool.create: a worker answered as no pool-worker.js would: '
    + 'is `workerUrl` that script?');
});

test('in Node, where there are no Web Workers, create says what to use instead', async () => {
  const { InferencePool } = await import(
    join(installed.project, 'node_modules', 'autoencoder-lab', 'pool.js'));
  await assert.rejects(InferencePool.create(new Uint8Array(8)), {
    message: 'InferencePool.create: needs Web Workers (a page or a worker); in Node, '
      + 'call the model itself',
  });
});
