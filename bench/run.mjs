/**
 * `npm run bench`: the speed benchmark of autoencoder-lab against TensorFlow.js on
 * the reference workload (workload.js), measured natively (src/bin/bench.rs), in
 * Node and in headless Chromium, with the size a page downloads, the demo's time to
 * its first reconstruction and wasm memory over 50 retrains. Prints a table and
 * writes bench-results/latest.json and bench-results/latest.md.
 *
 * Usage: node bench/run.mjs [--quick]   (quick: 2 repetitions and no 5-epoch runs)
 */
import { spawn, execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { measureChromium } from './browser.js';
import { spread } from './measure.js';
import { renderReport } from './report.js';
import { downloadSizes } from './sizes.js';
import { KINDS } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench-results');

/**
 * Steps over which the pure-JS TensorFlow.js backend is timed, in full and quick
 * mode: at about 450 examples/s, a full epoch would take 20 s per kind and run.
 */
const CPU_STEPS = { full: 20, quick: 10 };

const started = performance.now();

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });

main().catch((error) => {
  console.error(`\nbenchmark failed: ${error.stack ?? error}`);
  process.exit(1);
});

async function main() {
  const plan = { repetitions: flags.quick ? 2 : 5, fiveEpochs: !flags.quick };
  const results = {
    date: new Date().toISOString(),
    mode: flags.quick ? 'quick' : 'full',
    plan,
    machine: machine(),
    systems: {},
  };

  heading('ours, native (cargo run --release --bin bench)');
  results.systems['ours-native'] = await measureNative(plan);

  heading('Node');
  const node = await runJson('node', nodeArgs(plan));
  results.systems['ours-node'] = node.ours;
  if (node.tfjsWasm) results.systems['tfjs-wasm-node'] = node.tfjsWasm;
  const { memory: nodeMemory } = await runJson('node', ['bench/node.js', '--memory']);

  heading('Chromium');
  const chromium = await measureInChromium(plan);
  for (const [system, measured] of Object.entries(chromium.systems)) {
    results.systems[`${system}-chromium`] = measured;
  }

  results.machine.chromium = chromium.userAgent.match(/Chrome\/[\d.]+/)?.[0];
  const { infer, index } = chromium.entries;
  if (infer) {
    const { latency, batch, batchInto, encodeBatch, decodeBatch } = infer;
    // An InferencePool's workers run the inference build whichever entry made it.
    const pool = Object.entries(chromium.systems.ours).filter(([key]) => /^(batchPool|poolWorkers)/.test(key));
    results.systems['ours-infer-chromium'] = {
      latency, batch, batchInto, encodeBatch, decodeBatch, ...Object.fromEntries(pool),
    };
  }
  results.sizes = await downloadSizes(ROOT, { infer, index });
  results.demoLoad = demoLoadSummary(chromium.demoLoad);
  results.memory = { node: nodeMemory, chromium: chromium.memory };
  results.checks = {
    batchOrderError: node.batchOrderError,
    timerResolutionMicroseconds: chromium.timerResolutionMicroseconds,
  };
  await writeResults(results);
}

function measureInChromium(plan) {
  const trainSteps = flags.quick ? CPU_STEPS.quick : CPU_STEPS.full;
  const slow = { repetitions: plan.repetitions, trainSteps, fiveEpochs: false };
  return measureChromium({
    root: ROOT,
    plans: {
      ours: plan,
      'tfjs-wasm': plan,
      // Threads change no sum's order in TensorFlow.js: no 5-epoch MSE to compare.
      'tfjs-wasm-threads': { ...plan, fiveEpochs: false },
      'tfjs-cpu': slow,
    },
    demoLoads: flags.quick ? 3 : 5,
    log,
  });
}

function nodeArgs(plan) {
  const args = ['bench/node.js', '--repetitions', String(plan.repetitions)];
  return plan.fiveEpochs ? [...args, '--five-epochs', '--tfjs'] : args;
}

/** Runs the native benchmark binary for one epoch (and five, in full mode). */
async function measureNative(plan) {
  const bench = (epochs, repetitions) => runJson('cargo', [
    'run', '--release', '--quiet', '--bin', 'bench', '--',
    'data/digits.bin', String(epochs), String(repetitions),
  ]);
  const one = await bench(1, plan.repetitions);
  const five = plan.fiveEpochs ? await bench(5, 1) : null;

  const training = {};
  for (const kind of KINDS) {
    const measured = one.kinds[kind];
    training[kind] = {
      examplesPerSecond: spread(measured.examplesPerSecond),
      mse: spread([measured.mse]),
      mseFiveEpochs: five?.kinds[kind].mse,
    };
    log(`ours-native: ${kind}: ${measured.examplesPerSecond.join(', ')} examples/s, ` +
      `MSE ${measured.mse.toFixed(5)}`);
  }
  return {
    training,
    latency: { reconstruct: null, codeAndReconstruction: spread([one.oneDigitMicroseconds]) },
    batch: spread([one.batch1000ExamplesPerSecond]),
  };
}

/**
 * Runs a command from the repository root, its stderr shown as it goes, and
 * parses the last line of its stdout as JSON.
 */
function runJson(command, args) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) {
        fail(new Error(`${command} ${args.join(' ')} exited with ${code}`));
        return;
      }
      done(JSON.parse(output.trim().split('\n').at(-1)));
    });
  });
}

function demoLoadSummary(runs) {
  const incomplete = runs.filter((run) => run.shown.length !== KINDS.length);
  if (incomplete.length > 0) log(`demo: ${incomplete.length} loads showed fewer than 4 kinds`);
  return {
    runs,
    ready: spread(runs.map((run) => run.ready)),
    painted: spread(runs.map((run) => run.painted)),
  };
}

/** What the figures were measured on. */
function machine() {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return {
    cpu: os.cpus()[0].model,
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()}`,
    node: process.versions.node,
    loadAverage: loadAverage(),
    commit: git('rev-parse', '--short', 'HEAD') + (dirty ? ' + uncommitted changes' : ''),
    packageBuilt: packageBuilt(),
  };
}

/** The 1, 5 and 15-minute load averages. */
function loadAverage() {
  return os.loadavg().map((load) => load.toFixed(2)).join(' ');
}

/** When pkg/'s wasm file was last written. */
function packageBuilt() {
  return statSync(join(ROOT, 'pkg', 'autoencoder_lab_bg.wasm')).mtime.toISOString();
}

async function writeResults(results) {
  const built = packageBuilt();
  if (built !== results.machine.packageBuilt) results.machine.packageRebuilt = built;
  results.machine.loadAverageAtEnd = loadAverage();
  results.seconds = Math.round((performance.now() - started) / 1000);
  const { text, markdown } = renderReport(results);

  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS, 'latest.md'), `${markdown}\n`);
  console.log(`\n${text}\n`);
  console.log(`Wrote bench-results/latest.json and latest.md in ${results.seconds} s.`);
}

/** Prints a section title with the time since the start. */
function heading(title) {
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${title} (at ${seconds.toFixed(0)} s)`);
}

function log(line) {
  console.log(`  ${line}`);
}
