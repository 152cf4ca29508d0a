/**
 * The benchmark page: sets up one system (`?system=ours`, `tfjs-wasm`,
 * `tfjs-wasm-threads` or `tfjs-cpu`) over the 10,000 digits and exposes its
 * runner to the driver. `tfjs-wasm-threads` needs a cross-origin-isolated page
 * and `&threads=N`, the threads TensorFlow.js is to use.
 *
 *   window.bench = {
 *     ready: Promise<object>   resolves with what was set up (backend, SIMD, version)
 *     call(verb, ...args)      runs a verb of the runner: train, latency, batch, ...;
 *                              null for a verb the system does not have
 *   }
 */
import { initialWeights, loadImages, oursRunner } from './ours.js';
import { relaxedSimd } from '../pkg/index.js';
import { tfjsRunner } from './tfjs.js';

const TFJS = '/node_modules/@tensorflow/tfjs/dist/tf.min.js';
const TFJS_WASM = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js';
const TFJS_WASM_FILES = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

let runner = null;

window.bench = {
  ready: setUp(new URLSearchParams(location.search).get('system')),
  call: async (verb, ...args) => runner[verb]?.(...args) ?? null,
};

async function setUp(system) {
  const images = await loadImages();
  if (system === 'ours') {
    runner = oursRunner(images);
    return { system, relaxedSimd };
  }
  const backend = { 'tfjs-wasm': 'wasm', 'tfjs-wasm-threads': 'wasm', 'tfjs-cpu': 'cpu' }[system];
  if (!backend) throw new Error(`no system ${system}`);

  const threads = system === 'tfjs-wasm-threads'
    ? Number(new URLSearchParams(location.search).get('threads'))
    : null;
  const tf = await loadTfjs(backend, threads);
  runner = tfjsRunner(tf, images, initialWeights);
  const setUp = { system, backend: tf.getBackend(), version: tf.version.tfjs };
  if (setUp.backend !== 'wasm') return setUp;
  return {
    ...setUp,
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    threadsUsed: tf.wasm.getThreadsCount(),
  };
}

/**
 * Loads TensorFlow.js from its script bundles and sets `backend`; the wasm
 * backend with `threads` threads where given (it can use them only on a
 * cross-origin-isolated page, and at most as many as its pool holds).
 */
async function loadTfjs(backend, threads) {
  await loadScript(TFJS);
  const { tf } = window;
  if (backend === 'wasm') {
    await loadScript(TFJS_WASM);
    tf.wasm.setWasmPaths(TFJS_WASM_FILES);
    if (threads) tf.wasm.setThreadsCount(threads);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js: no ${backend} backend`);
  await tf.ready();
  return tf;
}

function loadScript(src) {
  return new Promise((done, fail) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = done;
    script.onerror = () => fail(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}
