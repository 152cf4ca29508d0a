/**
 * The Node part of the benchmark, run by run.mjs in a process of its own: our
 * package (and, when asked, TensorFlow.js with its wasm backend) on the reference
 * workload, then wasm memory over 50 retrains in a fresh process. Progress goes to
 * stderr, the results as one JSON line to stdout.
 *
 * Usage: node bench/node.js [--repetitions N] [--five-epochs] [--tfjs] [--memory]
 */
import { parseArgs } from 'node:util';

import { checkBatchOrder, initialWeights, loadImages, oursRunner } from './ours.js';
import { measureSystem } from './measure.js';
import { relaxedSimd } from '../pkg/index.js';

const RETRAINS = 50;

const { values: flags } = parseArgs({
  options: {
    repetitions: { type: 'string', default: '2' },
    'five-epochs': { type: 'boolean', default: false },
    tfjs: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
  },
});

const log = (line) => console.error(`  ${line}`);
const images = await loadImages();

if (flags.memory) {
  const memory = await oursRunner(images).memory(RETRAINS);
  const rss = process.memoryUsage().rss;
  console.log(JSON.stringify({ memory: { ...memory, rss } }));
} else {
  console.log(JSON.stringify(await measureNode()));
}

async function measureNode() {
  const plan = {
    repetitions: Number(flags.repetitions),
    fiveEpochs: flags['five-epochs'],
  };
  const results = { batchOrderError: checkBatchOrder(images, plan.fiveEpochs ? 2 : 1) };
  log(`batch order replayed, largest relative loss difference ${results.batchOrderError}`);

  const ours = oursRunner(images);
  // Node has no Web Workers, so no InferencePool.
  const call = async (verb, ...args) => (verb === 'batchPool' ? null : ours[verb](...args));
  results.ours = { relaxedSimd, ...(await measureSystem('ours-node', call, plan, log)) };

  if (flags.tfjs) results.tfjsWasm = await measureTfjs({ ...plan, fiveEpochs: false });
  return results;
}

async function measureTfjs(plan) {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: no wasm backend');

  const { tfjsRunner } = await import('./tfjs.js');
  const runner = tfjsRunner(tf, images, initialWeights);
  const call = async (verb, ...args) => runner[verb](...args);
  const measured = await measureSystem('tfjs-wasm-node', call, plan, log);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ...measured, backend: tf.getBackend(), simd };
}
