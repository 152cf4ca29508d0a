// Runs every test after set-up: formatting and lints, the Rust tests
// (native), then the Node tests of the built wasm package, the packed-tarball
// test and the browser end-to-end test (all with Node's test runner).

import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;

const steps = [
  ['cargo', ['fmt', '--check']],
  ['cargo', ['clippy', '--all-targets', '--', '-D', 'warnings']],
  ['cargo', ['clippy', '--target', 'wasm32-unknown-unknown', '--lib', '--', '-D', 'warnings']],
  ['cargo', ['clippy', '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features',
    '--target-dir', 'target/infer', '--', '-D', 'warnings']],
  ['cargo', ['test', '--release']],
  ['node', ['--test', '--test-concurrency=1', 'tests/node/', 'tests/browser/']],
];

for (const [command, args] of steps) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}
