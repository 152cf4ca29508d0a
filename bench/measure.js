/**
 * The measurement plan, the same for every JS system: it drives a runner (see
 * `oursRunner` in ours.js and `tfjsRunner` in tfjs.js) through a `call` function,
 * so the runner may live in this process or in a page.
 */
import { KINDS, median } from './workload.js';

/** Calls on 1,000 digits per repetition; the repetition reports their median. */
export const BATCH_REPEATS = 5;

/**
 * @typedef {object} Plan
 * @property {number} repetitions runs of each measurement
 * @property {number | undefined} trainSteps train only this many steps of the
 *   epoch (for slow systems); the MSE is then not measured
 * @property {boolean} fiveEpochs also train each kind once for 5 epochs, for the MSE
 */

/**
 * @typedef {object} Spread
 * @property {number} min
 * @property {number} median
 * @property {number} max
 * @property {number[]} values
 */

/**
 * min / median / max of some values; null when there are none.
 * @param {(number | null)[]} values
 * @returns {Spread | null}
 */
export function spread(values) {
  const numbers = values.filter((value) => typeof value === 'number');
  if (numbers.length === 0) return null;
  return {
    min: Math.min(...numbers),
    median: median(numbers),
    max: Math.max(...numbers),
    values: numbers,
  };
}

/**
 * Runs the plan on one system.
 * @param {string} name shown in the progress lines
 * @param {(verb: string, ...args: unknown[]) => Promise<any>} call runs a verb of
 *   the runner (`train`, `latency`, `batch`) and resolves with its result
 * @param {Plan} plan
 * @param {(line: string) => void} log
 */
export async function measureSystem(name, call, plan, log) {
  // A few untimed steps first, so that no system's first run pays for compiling.
  await call('train', 'undercomplete', 1, 5);
  const training = {};
  for (const kind of KINDS) {
    training[kind] = await measureTraining(name, kind, call, plan, log);
  }
  return { training, ...(await measureInference(name, call, plan, log)) };
}

/**
 * Runs the inference part of the plan: one digit, and batches of 1,000.
 * @param {string} name
 * @param {(verb: string, ...args: unknown[]) => Promise<any>} call runs `latency`,
 *   `batch`, `batchInto` or `batchHalves`
 * @param {Plan} plan
 * @param {(line: string) => void} log
 */
export async function measureInference(name, call, plan, log) {
  const latencies = [];
  const batches = [];
  const intos = [];
  const halves = [];
  const pools = [];
  for (let i = 0; i < plan.repetitions; i += 1) {
    latencies.push(await call('latency'));
    batches.push(await call('batch', BATCH_REPEATS));
    intos.push(await call('batchInto', BATCH_REPEATS));
    halves.push(await call('batchHalves', BATCH_REPEATS));
    pools.push(await call('batchPool', BATCH_REPEATS));
  }

  const latency = {
    reconstruct: spread(latencies.map((result) => result.reconstruct)),
    codeAndReconstruction: spread(latencies.map((result) => result.codeAndReconstruction)),
  };
  log(`${name}: one digit ${latency.reconstruct.median.toFixed(1)} µs, ` +
    `batch of 1,000 ${Math.round(median(batches))} examples/s`);
  return {
    latency,
    batch: spread(batches),
    batchInto: spread(intos), // null where a system cannot write into a given array
    // Across an InferencePool's workers: none where a system has no pool.
    ...poolFigures(pools),
    encodeBatch: spread(halves.map((half) => half.encode)),
    decodeBatch: spread(halves.map((half) => half.decode)),
  };
}

/**
 * The figures of `batchPool` runs (none for a system without a pool): on a
 * cross-origin-isolated page, named `batchPoolShared…` (arrays in shared
 * memory), else `batchPool…`; `…Fused…` for the fused build, `…Into` into a
 * kept array.
 */
export function poolFigures(pools) {
  if (!pools[0]) return {};
  const name = pools[0].shared ? 'batchPoolShared' : 'batchPool';
  const figures = { poolWorkers: pools[0].workers };
  for (const [build, infix] of [['plain', ''], ['fused', 'Fused']]) {
    figures[`${name}${infix}`] = spread(pools.map((pool) => pool[build].fresh));
    figures[`${name}${infix}Into`] = spread(pools.map((pool) => pool[build].into));
  }
  return figures;
}

async function measureTraining(name, kind, call, plan, log) {
  const runs = [];
  for (let i = 0; i < plan.repetitions; i += 1) {
    const run = await call('train', kind, 1, plan.trainSteps);
    log(`${name}: ${kind} #${i + 1}: ${Math.round(run.examplesPerSecond)} examples/s` +
      ` over ${run.steps} steps` + (run.mse === null ? '' : `, MSE ${run.mse.toFixed(5)}`));
    runs.push(run);
  }

  const result = {
    examplesPerSecond: spread(runs.map((run) => run.examplesPerSecond)),
    steps: runs[0].steps,
    mse: spread(runs.map((run) => run.mse)),
    leakedTensors: runs.some((run) => run.leaked) ? runs.map((run) => run.leaked) : undefined,
  };
  if (plan.fiveEpochs && plan.trainSteps === undefined) {
    const run = await call('train', kind, 5);
    log(`${name}: ${kind} 5 epochs: MSE ${run.mse.toFixed(5)}`);
    result.mseFiveEpochs = run.mse;
  }
  return result;
}
