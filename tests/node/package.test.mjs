// The npm package as a user gets it: `npm pack` the built pkg/, install the
// tarball into a fresh project, and run a user's script there that imports
// 'autoencoder-lab' by name, trains, reconstructs, saves and reloads.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { installPackedPackage, run } from '../packed.mjs';

// What the user's script prints, as JSON on its one line of output.
const USER_SCRIPT = `
import * as lab from 'autoencoder-lab';
import { init, loadDigits, presetConfig, Autoencoder, Trainer } from 'autoencoder-lab';

await init();
const digits = await loadDigits();
const model = new Autoencoder(presetConfig('undercomplete', { codeSize: 32 }));
const trainer = new Trainer(model, digits.images('train'), {
  optimizer: { kind: 'adam', learningRate: 3e-3 },
});
const first = trainer.step(10);
trainer.step(180);
const last = trainer.step(10);
const trained = trainer.model();

const digit = digits.image('test', 0);
const reconstruction = trained.reconstruct(digit);
const meanSquare = (values) => values.reduce((sum, v) => sum + v * v, 0) / values.length;
const reloaded = Autoencoder.fromBytes(trained.toBytes());
const again = reloaded.reconstruct(digit);
const bits = (values) => [...new Uint32Array(values.buffer, values.byteOffset, values.length)];

// What a bundler resolves through the exports map (the widgets need a DOM to run).
const resolved = ['autoencoder-lab/widgets', 'autoencoder-lab/infer', 'autoencoder-lab/pool']
  .map((name) => import.meta.resolve(name).split('/node_modules/')[1]);

console.log(JSON.stringify({
  exports: Object.keys(lab).sort(),
  resolved,
  steps: trainer.stepCount,
  firstLoss: first.loss,
  lastLoss: last.loss,
  reconstructionMse: meanSquare(digit.map((v, i) => reconstruction[i] - v)),
  blankMse: meanSquare(digit),
  reloadIdentical: JSON.stringify(bits(again)) === JSON.stringify(bits(reconstruction)),
}));
`;

let installed;
let packed;
let project;
let results;

before(() => {
  installed = installPackedPackage('autoencoder-lab-package-');
  ({ project, packed } = installed);
  writeFileSync(join(project, 'user.mjs'), USER_SCRIPT);
  results = JSON.parse(run(process.execPath, ['user.mjs'], project));
});

after(() => installed?.remove());

test('the tarball holds the code, types, workers, wasm and digits', () => {
  assert.equal(packed.name, 'autoencoder-lab');
  const files = new Set(packed.files.map((file) => file.path));
  for (const file of ['package.json', 'index.js', 'index.d.ts', 'worker.js',
    'training-worker.js', 'pool.js', 'pool.d.ts', 'pool-worker.js', 'autoencoder_lab.js', 'autoencoder_lab_bg.wasm',
    'autoencoder_lab_relaxed_bg.wasm', 'autoencoder_lab_infer_bg.wasm', 'autoencoder_lab_infer_fused_bg.wasm',
    'digits.bin',
    'widgets.js', 'widgets.d.ts', 'widgets/model.js', 'models/sparse.safetensors',
    'models/image-label.safetensors']) {
    assert.ok(files.has(file), `${file} is missing from ${[...files].join(', ')}`);
  }
  const installed = join(project, 'node_modules', 'autoencoder-lab');
  const digits = packed.files.find((file) => file.path === 'digits.bin');
  assert.equal(readFileSync(join(installed, 'digits.bin')).length, digits.size);
});

test('the type declarations declare every export, and nothing more', () => {
  const types = readFileSync(
    join(project, 'node_modules', 'autoencoder-lab', 'index.d.ts'), 'utf8');
  const declared = [
    ...types.matchAll(/^export (?:declare )?(?:function|class|const) (\w+)/gm),
    ...types.matchAll(/^export \{ (\w+) \} from/gm),
  ].map((match) => match[1]);
  assert.deepEqual([...new Set(declared)].sort(), results.exports);
  for (const name of ['init', 'loadDigits', 'presetConfig', 'Autoencoder', 'Trainer']) {
    assert.ok(results.exports.includes(name), `${name} is not exported`);
  }
});

test('the widgets, the inference build and the pool resolve by their package names', () => {
  assert.deepEqual(results.resolved,
    ['autoencoder-lab/widgets.js', 'autoencoder-lab/infer.js', 'autoencoder-lab/pool.js']);
  const manifest = JSON.parse(readFileSync(
    join(project, 'node_modules', 'autoencoder-lab', 'package.json'), 'utf8'));
  // A bundler keeps `import 'autoencoder-lab/widgets'`: it defines the elements.
  assert.ok(manifest.sideEffects.includes('./widgets.js'));
});

test("a user's script trains, reconstructs, saves and reloads", () => {
  assert.equal(results.steps, 200);
  // Measured: the mean loss of the first 10 steps is 0.18, of the last 10
  // 0.034, a fifth; asking for half leaves a wide margin.
  assert.ok(results.lastLoss < 0.5 * results.firstLoss,
    `loss went from ${results.firstLoss} to ${results.lastLoss}`);
  // Measured: 0.035 against 0.141 for an all-zero image, a quarter.
  assert.ok(results.reconstructionMse < 0.5 * results.blankMse,
    `reconstruction MSE ${results.reconstructionMse}, blank ${results.blankMse}`);
  assert.equal(results.reloadIdentical, true);
});
