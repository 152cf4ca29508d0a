/**
 * The Chromium part of the benchmark: each system in its own page (our package,
 * TensorFlow.js on its wasm and on its pure-JS backend), wasm memory over 50
 * retrains, and the demo's time from page load to the first reconstruction.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM_OPTIONS } from '../scripts/chromium.mjs';
import { ISOLATION_HEADERS, startServer } from '../scripts/serve.mjs';
import { BATCH_REPEATS, measureInference, measureSystem, poolFigures } from './measure.js';
import { KINDS } from './workload.js';

/** What the benchmark pages load: themselves, the package, the trained models, tfjs. */
const BENCH_FOLDERS = ['bench', 'pkg', 'www/models', 'node_modules/@tensorflow'];

const RETRAINS = 50;

/**
 * Threads for tfjs-wasm-threads: one per core. Its wasm module starts a pool of
 * half of `navigator.hardwareConcurrency` threads, at most 4 (one on this
 * 2-core machine, whatever `setThreadsCount` asks), so its page is told of
 * twice the cores.
 */
const TFJS_THREADS = Math.min(cpus().length, 4);

/**
 * Runs every Chromium measurement in a fresh profile.
 * @param {object} options
 * @param {string} options.root the repository root
 * @param {Record<string, import('./measure.js').Plan>} options.plans plan of each
 *   system: ours, tfjs-wasm, tfjs-wasm-threads, tfjs-cpu
 * @param {number} options.demoLoads times the demo page is loaded
 * @param {(line: string) => void} options.log
 */
export async function measureChromium({ root, plans, demoLoads, log }) {
  const profile = await mkdtemp(join(tmpdir(), 'autoencoder-lab-bench-'));
  const { server, url } = await startServer({ root, folders: BENCH_FOLDERS });
  const isolated = await startServer({ root, folders: BENCH_FOLDERS, headers: ISOLATION_HEADERS });
  const context = await chromium.launchPersistentContext(profile, CHROMIUM_OPTIONS);
  try {
    const results = await measureFreshPage(context, url, log);
    results.entries = {
      index: await measureEntry(context, url, 'index', null, log),
      infer: await measureEntry(context, url, 'infer', plans.ours, log),
    };
    results.systems = {};
    for (const [system, plan] of Object.entries(plans)) {
      const threaded = system === 'tfjs-wasm-threads';
      const { page, call, setUp } = await openSystem(context, threaded ? isolated.url : url,
        system, log);
      const measured = await measureSystem(`${system}-chromium`, call, plan, log);
      results.systems[system] = { ...setUp, ...measured };
      await page.close();
    }
    if (results.systems.ours) {
      Object.assign(results.systems.ours, await measureSharedPool(context, isolated.url, plans.ours, log));
    }
    results.demoLoad = await measureDemoLoad(context, demoLoads, log);
    return results;
  } finally {
    await context.close();
    server.close();
    isolated.server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * Our InferencePool on a cross-origin-isolated page, where the batch and the
 * kept array are in shared memory (the `batchPoolShared…` figures).
 */
async function measureSharedPool(context, url, plan, log) {
  const { page, call } = await openSystem(context, url, 'ours', log);
  try {
    if (!(await page.evaluate(() => crossOriginIsolated))) {
      throw new Error('ours: the page for shared memory is not cross-origin isolated');
    }
    const pools = [];
    for (let i = 0; i < plan.repetitions; i += 1) pools.push(await call('batchPool', BATCH_REPEATS));
    const figures = poolFigures(pools);
    log(`ours-chromium: across ${figures.poolWorkers} workers, arrays in shared memory: ` +
      `${Math.round(figures.batchPoolSharedInto.median)} examples/s, fused ` +
      `${Math.round(figures.batchPoolSharedFusedInto.median)}`);
    return figures;
  } finally {
    await page.close();
  }
}

/** Wasm memory over the retrains, on a page that has done nothing else; the clock's step. */
async function measureFreshPage(context, url, log) {
  const { page, call } = await openSystem(context, url, 'ours', log);
  const results = {
    userAgent: await page.evaluate(() => navigator.userAgent),
    memory: await call('memory', RETRAINS),
    timerResolutionMicroseconds: await page.evaluate(timerResolution),
  };
  await page.close();
  return results;
}

/** Opens the benchmark page of one system and waits until it is set up. */
async function openSystem(context, url, system, log) {
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`${system} page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') log(`${system} console error: ${message.text()}`);
  });

  let query = `system=${system}`;
  if (system === 'tfjs-wasm-threads') {
    query += `&threads=${TFJS_THREADS}`;
    await page.addInitScript((cores) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => cores });
    }, 2 * TFJS_THREADS);
  }
  await page.goto(`${url}/bench/page.html?${query}`);
  const setUp = await page.evaluate(() => window.bench.ready);
  if (setUp.simd !== undefined) {
    log(`${system}: SIMD ${setUp.simd}, threads ${setUp.threads} (${setUp.threadsUsed} used)`);
  }
  if (system === 'tfjs-wasm-threads' && setUp.threadsUsed !== TFJS_THREADS) {
    throw new Error(`${system}: TensorFlow.js runs ${setUp.threadsUsed} threads, not ` +
      `${TFJS_THREADS}: is the page cross-origin isolated?`);
  }
  if (setUp.relaxedSimd !== undefined) log(`${system}: relaxed SIMD ${setUp.relaxedSimd}`);
  const call = (verb, ...args) => page.evaluate(
    ([name, values]) => window.bench.call(name, ...values),
    [verb, args],
  );
  return { page, call, setUp };
}

/**
 * Runs a trained model with one entry point of our package (inference.html) and
 * lists the files under pkg/ it fetched; with a plan, then times that entry point
 * on the reference model. Null when pkg/ has no such entry point.
 */
async function measureEntry(context, url, entry, plan, log) {
  const page = await context.newPage();
  const fetched = new Set();
  const record = (response) => {
    const path = new URL(response.url()).pathname.slice(1);
    if (path.startsWith('pkg/') && response.ok()) fetched.add(path);
  };
  page.on('response', record);
  await page.goto(`${url}/bench/inference.html?entry=${entry}`);
  const ran = await page.evaluate(() => {
    return window.inference.reconstructed.then(() => true, () => false);
  });
  page.off('response', record);
  if (!ran) {
    await page.close();
    log(`no entry point pkg/${entry}.js`);
    return null;
  }

  const timings = plan ? await timeEntry(page, entry, plan, log) : {};
  await page.close();
  return { files: [...fetched].sort(), ...timings };
}

/** Times an entry point's inference on the reference model, in its inference.html. */
async function timeEntry(page, entry, plan, log) {
  await page.evaluate(() => window.inference.prepare());
  const call = (verb, ...args) => page.evaluate(
    ([name, values]) => window.inference.call(name, ...values),
    [verb, args],
  );
  return measureInference(`ours-${entry}-chromium`, call, plan, log);
}

/** The smallest step of `performance.now()` seen in the page, in µs. */
function timerResolution() {
  let smallest = Infinity;
  for (let i = 0; i < 1000; i += 1) {
    const start = performance.now();
    let now = start;
    while (now === start) now = performance.now();
    smallest = Math.min(smallest, now - start);
  }
  return smallest * 1000;
}

/**
 * Loads the demo (/www/, from the demo's own server) `loads` times, each in a new
 * page, and times from navigation start to `demo.ready` and to the next frame
 * after it with all four reconstructions drawn. Also lists what it fetched from pkg/.
 */
async function measureDemoLoad(context, loads, log) {
  const { server, url } = await startServer({ port: 0 });
  try {
    const runs = [];
    for (let i = 0; i < loads; i += 1) {
      runs.push(await loadDemoOnce(context, `${url}/www/`));
      const { ready, painted } = runs.at(-1);
      log(`demo load #${i + 1}: ready ${ready.toFixed(0)} ms, painted ${painted.toFixed(0)} ms`);
    }
    return runs;
  } finally {
    server.close();
  }
}

async function loadDemoOnce(context, url) {
  const page = await context.newPage();
  const fetched = [];
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/pkg/')) fetched.push(path.slice('/pkg/'.length));
  });
  await page.addInitScript(watchDemo, KINDS);
  await page.goto(url);

  const timing = await page.evaluate(() => window.firstReconstruction);
  await page.close();
  return { ...timing, packageFiles: fetched.sort() };
}

/**
 * Runs in the demo page before its scripts: catches `window.demo` as the page sets
 * it, and resolves `window.firstReconstruction` with the times (ms since navigation
 * start) at which `demo.ready` resolved and the next frame was painted.
 */
function watchDemo(kinds) {
  let demo;
  let settle;
  window.firstReconstruction = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });

  const afterNextPaint = (then) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = then;
    channel.port2.postMessage(null);
  });
  const watch = (value) => value.ready.then(() => {
    const ready = performance.now();
    const shown = kinds.filter((kind) => value.lastReconstruction(kind) !== null);
    afterNextPaint(() => settle.resolve({ ready, painted: performance.now(), shown }));
  }, settle.reject);

  Object.defineProperty(window, 'demo', {
    configurable: true,
    get: () => demo,
    set: (value) => {
      demo = value;
      queueMicrotask(() => watch(value));
    },
  });
}
