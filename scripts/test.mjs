// Runs every test after set-up: formatting and lints, the Rust tests
// (native), then the Node tests of the built wasm package, the packed-tarball
// test and the browser end-to-end test (all with Node's test runner).

import { spawnSync } from 'node:child_process';

import { hasRelaxedSimd } from '../js/relaxed.js';

const root = new URL('..', import.meta.url).pathname;

// Node 20 has relaxed SIMD only behind a flag.
const relaxedFlags = hasRelaxedSimd() ? [] : ['--experimental-wasm-relaxed-simd'];

const steps = [
  ['cargo', ['fmt', '--check']],
  ['cargo', ['clippy', '--all-targets', '--', '-D', 'warnings']],
  ['cargo', ['clippy', '--target', 'wasm32-unknown-unknown', '--lib', '--', '-D', 'warnings']],
  ['cargo', ['clippy', '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features',
    '--target-dir', 'target/infer', '--', '-D', 'warnings']],
  ['cargo', ['clippy', '--target', 'wasm32-unknown-unknown', '--lib', '--features',
    'relaxed-simd', '--target-dir', 'target/relaxed', '--', '-D', 'warnings']],
  ['cargo', ['clippy', '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features',
    '--features', 'fused-inference', '--target-dir', 'target/infer-fused', '--', '-D', 'warnings']],
  ['cargo', ['test', '--release']],
  ['node', ['--test', '--test-concurrency=1', 'tests/node/', 'tests/browser/']],
  // The gradient check again, on the relaxed-SIMD build (the default run
  // above checks the baseline build).
  ['node', [...relaxedFlags, '--test', 'tests/node/gradient.test.mjs'], { AELAB_WASM: 'relaxed' }],
];

for (const [command, args, env = {}] of steps) {
  const shownEnv = Object.entries(env).map(([name, value]) => `${name}='${value}' `).join('');
  console.log(`\n$ ${shownEnv}${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}
