/**
 * Turns the benchmark results into tables: one plain-text rendering for the
 * terminal and one markdown rendering for bench-results/latest.md.
 */
import { KINDS, LATENCY_GROUP } from './workload.js';

/** The systems, as result key and column heading. */
const SYSTEMS = [
  ['ours-native', 'ours native'],
  ['ours-node', 'ours Node'],
  ['ours-chromium', 'ours Chromium'],
  ['ours-infer-chromium', 'ours infer Chromium'],
  ['tfjs-wasm-chromium', 'tfjs-wasm Chromium'],
  ['tfjs-wasm-threads-chromium', 'tfjs-wasm threads Chromium'],
  ['tfjs-cpu-chromium', 'tfjs-cpu Chromium'],
  ['tfjs-wasm-node', 'tfjs-wasm Node'],
];

const OURS = 'ours-chromium';
const TFJS = 'tfjs-wasm-chromium';
const TFJS_THREADS = 'tfjs-wasm-threads-chromium';
const NATIVE = 'ours-native';

/** Largest relative MSE difference still called the same (after one epoch all sit near 0.067). */
const MSE_TOLERANCE = 0.01;

/**
 * The report as sections of tables.
 * @param {object} results what run.mjs collected
 * @returns {{ text: string, markdown: string }}
 */
export function renderReport(results) {
  const sections = [
    trainingSection(results),
    accuracySection(results),
    inferenceSection(results),
    sizeSection(results.sizes),
    loadSection(results.demoLoad),
    memorySection(results.memory),
    goalSection(results),
  ];
  const notes = noteLines(results);
  return {
    text: [...sections.map(textTable), notes.map((line) => `- ${line}`).join('\n')].join('\n\n'),
    markdown: [
      `# autoencoder-lab benchmark, ${results.date}`,
      ...sections.map(markdownTable),
      '## Notes',
      notes.map((line) => `- ${line}`).join('\n'),
    ].join('\n\n'),
  };
}

function trainingSection(results) {
  const table = figureTable(results, OURS, 'training');
  for (const kind of KINDS) {
    table.add(kind, (s) => s.training?.[kind].examplesPerSecond, rate, 'up');
  }
  return table.section('Training, thousands of examples/s: median (min–max)');
}

function accuracySection(results) {
  const table = figureTable(results, OURS, 'mse');
  for (const kind of KINDS) {
    table.add(`${kind}, 1 epoch`, (s) => s.training?.[kind].mse, mse);
  }
  for (const kind of results.plan.fiveEpochs ? KINDS : []) {
    table.add(`${kind}, 5 epochs`, (s) => s.training?.[kind].mseFiveEpochs, mse);
  }
  return table.section('Reconstruction MSE on the 10,000 digits after training');
}

function inferenceSection(results) {
  const ours = results.systems['ours-infer-chromium'] ? 'ours-infer-chromium' : OURS;
  const table = figureTable(results, ours, 'inference');
  table.add('one digit, µs', (s) => s.latency?.reconstruct, micro, 'down');
  table.add('one digit, code too, µs', (s) => s.latency?.codeAndReconstruction, micro, 'down');
  table.add('1,000 digits, k examples/s', (s) => s.batch, rate, 'up');
  // TensorFlow.js has no such call: its ratio is against its only way, a fresh array.
  table.add('  into an array kept across calls', (s) => s.batchInto, rate, 'up', (s) => s.batch);
  // Ours across the workers of an InferencePool, against TensorFlow.js on one thread.
  const pool = [
    ['across workers', 'batchPool'],
    ['across workers, fused build', 'batchPoolFused'],
    ['across workers, arrays in shared memory (isolated page)', 'batchPoolShared'],
    ['across workers, fused build, arrays in shared memory', 'batchPoolSharedFused'],
  ];
  for (const [label, name] of pool) {
    table.add(`  ${label}, into a fresh array`, (s) => s[name], rate, 'up', (s) => s.batch);
    table.add(`  ${label}, into a kept array`, (s) => s[`${name}Into`], rate, 'up', (s) => s.batch);
  }
  table.add('  their encoding alone', (s) => s.encodeBatch, rate, 'up');
  table.add('  decoding their codes alone', (s) => s.decodeBatch, rate, 'up');
  return table.section('Inference: median (min–max)');
}

/**
 * A table of one figure per row and one system per column (the systems that have
 * `part`), then the figure of `ours` against tfjs-wasm and against our native build:
 * against their figure picked by `against`, which is `pick` unless given.
 */
function figureTable(results, ours, part) {
  const has = (system) => {
    if (part === 'inference') return system.latency;
    return part === 'mse' ? system.training?.undercomplete.mse : system.training;
  };
  const systems = SYSTEMS.filter(([key]) => results.systems[key] && has(results.systems[key]));
  const name = SYSTEMS.find(([key]) => key === ours)[1];
  const rows = [];
  return {
    add(label, pick, format, faster, against = pick) {
      const of = (key, by = pick) => (results.systems[key] ? by(results.systems[key]) : undefined);
      const values = systems.map(([key]) => format(of(key)));
      const ratios = [TFJS, NATIVE].map((other) => ratio(of(ours), of(other, against), faster));
      rows.push([label, ...values, ...ratios]);
    },
    section: (title) => ({
      title,
      header: ['', ...systems.map(([, heading]) => heading), `${name} ÷ tfjs-wasm`,
        `${name} ÷ native`],
      rows,
    }),
  };
}

function sizeSection(sizes) {
  const row = (name, download) => [
    name,
    download.files.map((file) => file.path.split('/').at(-1)).join(' + '),
    kilobytes(download.raw),
    kilobytes(download.gzip),
  ];
  return {
    title: 'What a page downloads to run a trained model (no data)',
    header: ['', 'files', 'raw', 'gzip -9'],
    rows: [
      ...(sizes.ours.infer ? [row('ours, inference build (infer.js)', sizes.ours.infer)] : []),
      row('ours, whole package (index.js)', sizes.ours.index),
      row('tfjs-wasm, core only', sizes.tfjsMinimal),
      row('tfjs-wasm, whole bundle', sizes.tfjsFull),
    ],
  };
}

function loadSection(demoLoad) {
  return {
    title: `Demo page load to the first reconstruction, ms (${demoLoad.runs.length} loads)`,
    header: ['', 'first load', 'median (min–max)'],
    rows: [
      ['demo.ready resolved', demoLoad.runs[0].ready.toFixed(0), milliseconds(demoLoad.ready)],
      ['next frame painted', demoLoad.runs[0].painted.toFixed(0), milliseconds(demoLoad.painted)],
    ],
  };
}

function memorySection(memory) {
  const row = (where, bytes) => [
    where,
    megabytes(bytes.before),
    megabytes(bytes.afterOne),
    megabytes(bytes.after),
  ];
  return {
    title: `Wasm memory over ${memory.node.retrains} retrains (model + trainer, 20 steps, freed)`,
    header: ['', 'before', 'after 1', `after ${memory.node.retrains}`],
    rows: [row('Node', memory.node), row('Chromium', memory.chromium)],
  };
}

/** The goals of the speed work, each with the figure that shows it. */
function goalSection(results) {
  const { systems } = results;
  const trainRatio = (other) => Math.min(...KINDS.map((kind) => {
    const ours = systems[OURS].training[kind].examplesPerSecond.median;
    return ours / systems[other].training[kind].examplesPerSecond.median;
  }));
  const mseGap = largestMseGap(results);
  const inference = systems['ours-infer-chromium'] ?? systems[OURS];
  const oneDigit = inference.latency.reconstruct.median;
  const batch = batchGoal(inference, systems[TFJS], systems[TFJS_THREADS]);
  const gzip = (results.sizes.ours.infer ?? results.sizes.ours.index).gzip;
  const painted = results.demoLoad.painted.median;

  const goal = (name, measured, met) => [name, measured, met ? 'yes' : 'no'];
  const worst = (value) => `${value.toFixed(2)}× (worst kind)`;
  return {
    title: 'Goals (ours in Chromium; inference figures from the inference build if any)',
    header: ['goal', 'measured', 'met'],
    rows: [
      goal('training ≥ 8× tfjs-wasm, every kind', worst(trainRatio(TFJS)),
        trainRatio(TFJS) >= 8),
      goal('training ≥ 0.6× ours native, every kind', worst(trainRatio(NATIVE)),
        trainRatio(NATIVE) >= 0.6),
      goal(`same MSE as tfjs-wasm (within ${MSE_TOLERANCE * 100}%)`,
        `${(mseGap * 100).toFixed(2)}% (largest gap)`, mseGap <= MSE_TOLERANCE),
      goal('one digit < 25 µs', `${oneDigit.toFixed(1)} µs`, oneDigit < 25),
      goal('batch of 1,000 ≥ 2× tfjs-wasm at its best', batch.measured, batch.met),
      goal('download < 80 KB gzipped', kilobytes(gzip), gzip < 80 * 1024),
      goal('page load to first reconstruction < 1 s', `${painted.toFixed(0)} ms`,
        painted < 1000),
    ],
  };
}

/**
 * The batch goal: ours at its best (one thread, or across workers: plain or
 * fused, ordinary arrays or, on an isolated page, arrays in shared memory)
 * against TensorFlow.js at its best (one thread, or its threads on a
 * cross-origin-isolated page, where measured). The main comparisons are
 * shown; the goal is met where ours at its best is twice theirs at theirs.
 */
function batchGoal(ours, oneThread, threads) {
  const best = (...spreads) => Math.max(...spreads.map((value) => value?.median ?? 0));
  const theirs = best(oneThread.batch, threads?.batch);
  const x = (a, b) => `${(a.median / b.median).toFixed(2)}×`;
  const one = oneThread.batch;
  const parts = [`one thread each: ${x(ours.batchInto ?? ours.batch, one)} into a kept array, ` +
    `${x(ours.batch, one)} into a fresh one`];
  const workers = `${ours.poolWorkers} workers`;
  if (ours.batchPoolInto) {
    parts.push(`${workers} on a page that is not cross-origin isolated, against one thread ` +
      `(TensorFlow.js has no threads there): ${x(ours.batchPoolInto, one)} into a kept array ` +
      `(fused build ${x(ours.batchPoolFusedInto, one)}), ${x(ours.batchPool, one)} into a fresh one`);
  }
  if (ours.batchPoolSharedInto && threads?.batch) {
    parts.push(`${workers} on an isolated page, against its ${threads.threadsUsed} threads: ` +
      `${x(ours.batchPoolSharedInto, threads.batch)} with arrays in shared memory (fused build ` +
      `${x(ours.batchPoolSharedFusedInto, threads.batch)}), ${x(ours.batchPoolInto, threads.batch)} ` +
      'with ordinary arrays into a kept one');
  }
  const ourBest = best(ours.batch, ours.batchInto, ours.batchPool, ours.batchPoolInto,
    ours.batchPoolFused, ours.batchPoolFusedInto, ours.batchPoolShared, ours.batchPoolSharedInto,
    ours.batchPoolSharedFused, ours.batchPoolSharedFusedInto);
  return { measured: parts.join('; '), met: ourBest >= 2 * theirs };
}

/** Largest relative gap between our MSE (Chromium) and tfjs-wasm's, over kinds and epochs. */
function largestMseGap({ systems, plan }) {
  const gaps = KINDS.flatMap((kind) => {
    const ours = systems[OURS].training[kind];
    const theirs = systems[TFJS].training[kind];
    const gap = (a, b) => Math.abs(a - b) / b;
    const five = plan.fiveEpochs ? [gap(ours.mseFiveEpochs, theirs.mseFiveEpochs)] : [];
    return [gap(ours.mse.median, theirs.mse.median), ...five];
  });
  return Math.max(...gaps);
}

/**
 * What the goal of a batch at 2× tfjs-wasm leaves for each half of it: the
 * time a batch may take, against the time our decode alone takes.
 */
function batchBudgetNote({ systems }) {
  const ours = systems['ours-infer-chromium'] ?? systems[OURS];
  const theirs = systems[TFJS];
  if (!ours.decodeBatch || !theirs.decodeBatch) return [];
  const ms = (examplesPerSecond) => (1e6 / examplesPerSecond).toFixed(1);
  return [
    'A batch of 1,000 is an encode (784 → 64, whose zero pixels ours skips) and a decode ' +
      '(64 → 784: a dense product, its sigmoid and a fresh 3 MB Float32Array, which ' +
      '`reconstructInto` replaces with an array kept across calls; TensorFlow.js reads ' +
      'results only into fresh arrays). At 2× tfjs-wasm ' +
      `a batch may take ${ms(2 * theirs.batch.median)} ms; our decode alone takes ` +
      `${ms(ours.decodeBatch.median)} ms and tfjs-wasm's ${ms(theirs.decodeBatch.median)} ms.`,
  ];
}

function noteLines(results) {
  const { systems, checks, machine, plan } = results;
  const cpuSteps = systems['tfjs-cpu-chromium'].training.undercomplete.steps;
  const wasm = systems[TFJS];
  const orderGap = checks.batchOrderError.toExponential(1);
  const rebuilt = machine.packageRebuilt
    ? [`pkg/ was rebuilt during the run (${machine.packageRebuilt}): run again.`]
    : [];
  return [
    `${results.date}, ${results.mode} mode (${plan.repetitions} repetitions); ` +
      `${machine.cpu}, ${machine.cores} cores, ${machine.os}; Node ${machine.node}, ` +
      `${machine.chromium}, TensorFlow.js ${wasm.version}; load average ` +
      `${machine.loadAverage} at the start, ${machine.loadAverageAtEnd} at the end; ` +
      `commit ${machine.commit}; pkg/ built ${machine.packageBuilt}; took ${results.seconds} s.`,
    ...rebuilt,
    ...busyNote(machine),
    'Training: one epoch over the 10,000 digits (157 steps of 64, the last of 16), timed ' +
      `over the steps alone; tfjs-cpu is timed over its first ${cpuSteps} steps only, ` +
      'so it has no MSE.',
    "TensorFlow.js starts from our model's initial weights and takes the batches in our " +
      `trainer's order (replay checked: largest loss gap ${orderGap}). ` +
      `tfjs-wasm: SIMD ${wasm.simd}, threads ${wasm.threads}.`,
    ...threadsNote(systems[TFJS_THREADS], systems['ours-infer-chromium'] ?? systems[OURS]),
    `Ours loads its relaxed-SIMD build (fused multiply-adds in training's matrix products) ` +
      `where the runtime has relaxed SIMD: in Chromium ${buildName(systems[OURS])}, ` +
      `in Node ${buildName(systems['ours-node'])}.`,
    'MSE: of the trained model on all 10,000 digits, clean, summed in float64.',
    `One digit: median over ${1000 / LATENCY_GROUP} groups of ${LATENCY_GROUP} calls ` +
      `(a page's clock ticks every ${checks.timerResolutionMicroseconds.toFixed(0)} µs ` +
      'here), typed array in and out; ours native times encode + decode with no copies.',
    ...batchBudgetNote(results),
    'Ratios are speed ratios (above 1: ours faster), MSE ratios plain.',
    `The demo page fetched from pkg/: ${results.demoLoad.runs[0].packageFiles.join(', ')}.`,
  ];
}

/** How TensorFlow.js was given threads, and ours workers. */
function threadsNote(threads, ours) {
  const lines = [];
  if (threads) {
    lines.push(`tfjs-wasm threads: its threaded SIMD module with ${threads.threadsUsed} ` +
      'threads, on a cross-origin-isolated page (COOP and COEP headers), which its threads ' +
      'need. Its pool holds half the cores the page reports, at most 4, so the page is told ' +
      'of twice the cores: without that, on 2 cores, it runs one thread.');
  }
  if (ours?.poolWorkers) {
    lines.push(`Across workers: an InferencePool of ${ours.poolWorkers} module workers (one ` +
      "per core the page reports, at most 4), each with the inference build; it needs no " +
      'isolation. The page copies each share of the batch in and its result out, but for ' +
      'arrays in shared memory (on an isolated page), which the workers read and write in ' +
      'place. The fused build (`fused: true`) fuses the multiply-adds of its products and ' +
      'sigmoid; its values differ a little from the other builds\'.');
  }
  return lines;
}

/** Which of our two wasm builds a system ran. */
function buildName(system) {
  if (system?.relaxedSimd === undefined) return 'not recorded';
  return system.relaxedSimd ? 'the relaxed-SIMD build' : 'the baseline SIMD build';
}

/**
 * A warning when other work shared the machine: a 1-minute load average above half
 * the cores before the run, or above all of them at its end (the run adds about one).
 */
function busyNote(machine) {
  const [before, after] = [machine.loadAverage, machine.loadAverageAtEnd].map(parseFloat);
  if (before <= machine.cores / 2 && after <= machine.cores) return [];
  return ['Other work shared the machine during the run (see the load averages): speeds are ' +
    'noisier than usual; compare medians, and rerun on a quiet machine before quoting them.'];
}

/** `a` against `b` (spreads or plain numbers): a speed ratio, or a plain one. */
function ratio(a, b, faster) {
  const middle = (value) => (typeof value === 'number' ? value : value?.median);
  const [x, y] = [middle(a), middle(b)];
  if (!x || !y) return '';
  if (faster === 'up') return `${(x / y).toFixed(2)}×`;
  if (faster === 'down') return `${(y / x).toFixed(2)}×`;
  return (x / y).toFixed(4);
}

/** Examples per second, in thousands. */
function rate(value) {
  if (!value) return '–';
  return withRange(value, (x) => (x / 1000).toFixed(x < 10_000 ? 2 : 1));
}

function micro(value) {
  if (!value) return '–';
  return withRange(value, (x) => x.toFixed(x < 100 ? 1 : 0));
}

/** `median (min–max)`, or the median alone when the range adds nothing. */
function withRange({ median, min, max }, format) {
  const [low, middle, high] = [min, median, max].map(format);
  return low === high ? middle : `${middle} (${low}–${high})`;
}

function mse(value) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return value.toFixed(5);
  return withRange(value, (x) => x.toFixed(5));
}

function milliseconds(value) {
  return withRange(value, (x) => x.toFixed(0));
}

function kilobytes(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function megabytes(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/** A section as a plain-text table with padded columns. */
function textTable({ title, header, rows }) {
  const table = [header, ...rows];
  const widths = header.map((_, column) => {
    return Math.max(...table.map((row) => String(row[column]).length));
  });
  const line = (row) => row.map((cell, column) => {
    return column === 0 ? String(cell).padEnd(widths[0]) : String(cell).padStart(widths[column]);
  }).join('  ');
  return [title, line(header), ...rows.map(line)].join('\n');
}

function markdownTable({ title, header, rows }) {
  const line = (row) => `| ${row.join(' | ')} |`;
  const rule = `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  return [`## ${title}`, '', line(header), rule, ...rows.map(line)].join('\n');
}
