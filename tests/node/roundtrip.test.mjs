// Model files move between the command line (native Rust) and the package
// (wasm): a model trained by `aelab` loads in the package and a model trained
// by the package loads in `aelab`, and both sides compute the same losses and
// outputs. The native build may use fused multiply-adds where wasm does not,
// so outputs are compared to 1e-6, about ten float32 roundings of values in
// [0, 1]; the bytes of a re-saved file must match exactly.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Autoencoder, Trainer, init, loadDigits, presetConfig } from '../../pkg/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AELAB = join(ROOT, 'target', 'release', 'aelab');
const PIXELS = 784;

let scratch;
let digits;

before(async () => {
  if (!existsSync(AELAB)) {
    execFileSync('cargo', ['build', '--release', '--bin', 'aelab'], { cwd: ROOT, stdio: 'inherit' });
  }
  scratch = mkdtempSync(join(tmpdir(), 'aelab-roundtrip-'));
  await init();
  digits = await loadDigits();
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `aelab` and returns what it printed. */
function aelab(...args) {
  return execFileSync(AELAB, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The number after `label: ` in `aelab eval` output. */
function printed(output, label) {
  const match = output.match(new RegExp(`^${label}: ([0-9.e-]+)$`, 'm'));
  assert.ok(match, `no "${label}" in:\n${output}`);
  return Number(match[1]);
}

function maxDifference(a, b) {
  assert.equal(a.length, b.length);
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);
}

test('a model trained by the command line works the same in the package', () => {
  const file = join(scratch, 'cli.safetensors');
  aelab('train', '--kind', 'contractive', '--steps', '80', '--out', file);
  const model = Autoencoder.fromBytes(readFileSync(file));

  const test = digits.images('test');
  const evaluation = model.evaluate(test);
  const output = aelab('eval', '--model', file, '--split', 'test');
  // eval prints six decimals.
  assert.ok(Math.abs(printed(output, 'reconstruction') - evaluation.reconstruction) < 2e-6);
  assert.ok(Math.abs(printed(output, 'penalty') - evaluation.penalty) < 2e-6);
  const codes = model.encode(test);
  const meanCode = codes.reduce((sum, h) => sum + h, 0) / codes.length;
  assert.ok(Math.abs(printed(output, 'mean code') - meanCode) < 2e-6);

  assert.deepEqual(model.toBytes(), new Uint8Array(readFileSync(file)));
  model.free();
});

test('a model trained by the package works the same on the command line', () => {
  const config = presetConfig('sparse', { codeSize: 16, seed: 3 });
  const start = new Autoencoder(config);
  const trainer = new Trainer(start, digits.images('train'), { seed: 5 });
  trainer.step(80);
  const model = trainer.model();
  const file = join(scratch, 'wasm.safetensors');
  writeFileSync(file, model.toBytes());

  const output = aelab('eval', '--model', file, '--split', 'test');
  const evaluation = model.evaluate(digits.images('test'));
  assert.ok(Math.abs(printed(output, 'loss') - evaluation.loss) < 2e-6);

  const encoderFile = join(scratch, 'encoder.safetensors');
  aelab('export-encoder', '--model', file, '--out', encoderFile);
  const encoder = Autoencoder.fromBytes(readFileSync(encoderFile));
  assert.equal(encoder.isEncoderOnly, true);
  const sample = digits.images('test').slice(0, 20 * PIXELS);
  assert.ok(maxDifference(encoder.encode(sample), model.encode(sample)) === 0);
  assert.throws(() => encoder.reconstruct(sample), /exported encoder/);

  for (const object of [start, trainer, model, encoder]) object.free();
});

/** The float32 matrix of an .npy file: its shape and its values. */
function readNpy(file) {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00', 'magic and version');
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.equal((10 + headerLength) % 64, 0, 'data aligned to 64 bytes');
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(\d+, \d+\), \} *\n$/);
  const [, rows, columns] = header.match(/\((\d+), (\d+)\)/).map(Number);
  const data = bytes.subarray(10 + headerLength);
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  assert.equal(values.length, rows * columns, 'shape against data');
  return { rows, columns, values };
}

test('the command line writes the same codes and reconstructions as the package, bit for bit', () => {
  // Inference natively is plain loops, in wasm SIMD kernels; both sum each
  // value from its bias, term by term in order, unfused, and the activations
  // (tanh included) are our own float32 arithmetic, so the bits must agree.
  const shipped = ['undercomplete', 'sparse'].map((name) => [name,
    readFileSync(join(ROOT, 'www', 'models', `${name}.safetensors`))]);
  const made = [['tanh', 'relu'], ['identity', 'sigmoid']].map(([hidden, code]) => {
    const model = new Autoencoder({
      inputSize: PIXELS,
      encoder: [{ units: 40, activation: hidden }, { units: 12, activation: code }],
      decoder: [{ units: 40, activation: hidden }, { units: PIXELS, activation: 'sigmoid' }],
      objective: { loss: 'mse' },
      seed: 3,
    });
    const bytes = model.toBytes();
    model.free();
    return [`${hidden} and ${code}`, bytes];
  });
  const test = digits.images('test');
  for (const [name, bytes] of [...shipped, ...made]) {
    const file = join(scratch, 'inference.safetensors');
    writeFileSync(file, bytes);
    const model = Autoencoder.fromBytes(bytes);
    const codesFile = join(scratch, 'codes.npy');
    const output = aelab('encode', '--model', file, '--split', 'test', '--out', codesFile);
    assert.match(output, /^wrote 2000 codes of \d+ values/);
    const codes = readNpy(codesFile);
    assert.equal(codes.rows, 2000, name);
    assert.equal(codes.columns, model.codeSize, name);
    assert.deepEqual(new Uint32Array(codes.values.buffer), new Uint32Array(model.encode(test).buffer),
      `${name}: codes`);
    const rebuiltFile = join(scratch, 'rebuilt.npy');
    aelab('encode', '--model', file, '--split', 'test', '--reconstructions', '--out', rebuiltFile);
    const rebuilt = readNpy(rebuiltFile);
    assert.equal(rebuilt.columns, PIXELS, name);
    assert.deepEqual(new Uint32Array(rebuilt.values.buffer),
      new Uint32Array(model.reconstruct(test).buffer), `${name}: reconstructions`);
    model.free();
  }
});
