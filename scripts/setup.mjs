// Every set-up step, each skipped when already done, so that `npm start` and
// `npm test` work on a fresh machine:
//   1. npm packages (from package-lock.json);
//   2. the wasm32 target and the pinned wasm-bindgen CLI;
//   3. the real digits, converted to data/digits.bin;
//   4. the wasm package in pkg/ (release builds, wasm-bindgen, wasm-opt): the
//      full module, again with relaxed SIMD, and the inference-only module,
//      again with fused multiply-adds (for InferencePool's `fused` option);
//   5. the demo's ready models in www/models/, trained natively, and copied
//      into the package for its widgets.
// Only Node's standard library is used, since step 1 may not have run yet.

import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync,
  renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const WASM_BINDGEN = '0.2.130';
const root = new URL('..', import.meta.url).pathname;
const pkg = join(root, 'pkg');

function run(command, args, options = {}) {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

function output(command, args) {
  try {
    return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Newest modification time under `path` (a file or a folder tree). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * `npm ci`, unless node_modules already holds what package-lock.json names
 * (npm's own record of it, `node_modules/.package-lock.json`, lists the same
 * packages at the same versions): compared by content, since a fresh clone
 * gives the lock file a new time. A node_modules that is a link elsewhere is
 * never reinstalled here: `npm ci` would empty the folder it points to.
 */
function installNodePackages() {
  const modules = join(root, 'node_modules');
  if (installed(join(modules, '.package-lock.json'), join(root, 'package-lock.json'))) return;
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
    throw new Error(`node_modules is a link to ${realpathSync(modules)}, whose packages differ `
      + 'from package-lock.json: run `npm ci` there, or remove the link');
  }
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Whether npm's record `marker` lists the packages and versions of `lock`. */
function installed(marker, lock) {
  if (!existsSync(marker)) return false;
  const packages = (file) => {
    const listed = JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
    return Object.entries(listed).filter(([path]) => path !== '')
      .map(([path, { version }]) => `${path}@${version}`).sort().join('\n');
  };
  return packages(marker) === packages(lock);
}

function installRustTools() {
  if (!output('rustup', ['target', 'list', '--installed']).includes('wasm32-unknown-unknown')) {
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
  if (!output('wasm-bindgen', ['--version']).includes(WASM_BINDGEN)) {
    run('cargo', ['install', 'wasm-bindgen-cli', '--version', WASM_BINDGEN]);
  }
}

function prepareDigits() {
  const digits = join(root, 'data', 'digits.bin');
  if (newest(digits) >= newest(join(root, 'scripts', 'prepare-digits.mjs'))) return;
  run('node', ['scripts/prepare-digits.mjs', digits]);
}

const WASM_FEATURES = ['simd', 'bulk-memory', 'nontrapping-float-to-int', 'sign-ext',
  'mutable-globals', 'reference-types', 'multivalue'].map((f) => `--enable-${f}`);

/**
 * Builds one wasm module into pkg/: release build, wasm-bindgen, wasm-opt.
 * The full package is optimised for speed, the inference-only one for size.
 */
function buildModule({ name, cargoArgs, targetDir, optimise }) {
  const built = cargoBuild(targetDir, cargoArgs);
  const wasm = join(pkg, `${name}_bg.wasm`);
  if (newest(wasm) > newest(built)) return;
  run('wasm-bindgen', [built, '--target', 'web', '--out-dir', 'pkg', '--out-name', name]);
  optimiseInto(wasm, wasm, [...optimise, ...WASM_FEATURES]);
}

/**
 * A second build of the module `base` (already in pkg/) with other cargo
 * features, as `${variant}_bg.wasm`: it must work with the JS glue of `base`,
 * which is checked here (the two builds export and import the same
 * functions), and hold the fused multiply-add its features put in
 * (f32x4.relaxed_madd: 0xfd 0x85 0x02). The variants:
 *   - `autoencoder_lab_relaxed`: the full package with fused multiply-adds in
 *     its training products; `index.js` loads it where the runtime has relaxed
 *     SIMD;
 *   - `autoencoder_lab_infer_fused`: the inference build with fused
 *     multiply-adds in its products, for `InferencePool`'s `fused` option.
 */
function buildVariantModule({ base, variant, cargoArgs, targetDir, optimise }) {
  const built = cargoBuild(targetDir, cargoArgs);
  const wasm = join(pkg, `${variant}_bg.wasm`);
  if (newest(wasm) > Math.max(newest(built), newest(join(pkg, `${base}.js`)))) return;
  const bindgen = join(root, targetDir, 'bindgen');
  rmSync(bindgen, { recursive: true, force: true });
  run('wasm-bindgen', [built, '--target', 'web', '--out-dir', bindgen, '--out-name', base]);
  const glue = (dir) => readFileSync(join(dir, `${base}.js`), 'utf8');
  if (glue(bindgen) !== glue(pkg)) {
    rmSync(wasm, { force: true });
    throw new Error(`${variant}_bg.wasm needs other JS glue than ${base}_bg.wasm `
      + `(compare ${join(bindgen, `${base}.js`)} with pkg/${base}.js); `
      + 'both builds must export and import the same functions');
  }
  optimiseInto(join(bindgen, `${base}_bg.wasm`), wasm,
    [...optimise, ...WASM_FEATURES, '--enable-relaxed-simd']);
  const bytes = readFileSync(wasm);
  const fused = bytes.some((byte, i) => byte === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02);
  if (!fused) {
    rmSync(wasm, { force: true });
    throw new Error(`${variant}_bg.wasm has no f32x4.relaxed_madd: were its cargo features (${cargoArgs.join(' ')}) lost?`);
  }
}

/** A release build of the library for wasm32; returns the path of the module. */
function cargoBuild(targetDir, cargoArgs) {
  run('cargo', ['build', '--release', '--lib', '--target', 'wasm32-unknown-unknown',
    '--target-dir', targetDir, ...cargoArgs]);
  return join(root, targetDir, 'wasm32-unknown-unknown', 'release', 'autoencoder_lab.wasm');
}

/**
 * wasm-opt from `input` into `output`, through a new file: a failure then
 * leaves no half-made module that a later run would take as up to date.
 */
function optimiseInto(input, output, flags) {
  const optimised = `${output}.opt`;
  try {
    run('node', [join(root, 'node_modules', 'binaryen', 'bin', 'wasm-opt'), ...flags,
      input, '-o', optimised]);
    renameSync(optimised, output);
  } catch (error) {
    rmSync(output, { force: true });
    rmSync(optimised, { force: true });
    throw error;
  }
}

function buildPackage() {
  buildModule({ name: 'autoencoder_lab', cargoArgs: [], targetDir: 'target', optimise: ['-O3'] });
  buildVariantModule({
    base: 'autoencoder_lab',
    variant: 'autoencoder_lab_relaxed',
    cargoArgs: ['--features', 'relaxed-simd'],
    targetDir: join('target', 'relaxed'),
    optimise: ['-O3'],
  });
  buildModule({
    name: 'autoencoder_lab_infer',
    // Without console_error_panic_hook (1 KB gzipped): a panic is a bug, and
    // load.js reports the trap it ends in as an Error all the same.
    cargoArgs: ['--no-default-features'],
    targetDir: join('target', 'infer'),
    // Its download must stay under 80 KB: the producers section (which
    // compiler made it) is dropped, and size passes repeat until they stop
    // gaining.
    optimise: ['-Oz', '--converge', '--strip-producers'],
  });
  buildVariantModule({
    base: 'autoencoder_lab_infer',
    variant: 'autoencoder_lab_infer_fused',
    cargoArgs: ['--no-default-features', '--features', 'fused-inference'],
    targetDir: join('target', 'infer-fused'),
    // Built for speed: only a pool that asks for it downloads it.
    optimise: ['-O3', '--strip-producers'],
  });

  for (const file of readdirSync(join(root, 'js'))) {
    cpSync(join(root, 'js', file), join(pkg, file), { recursive: true });
  }
  copyFileSync(join(root, 'data', 'digits.bin'), join(pkg, 'digits.bin'));
  copyFileSync(join(root, 'LICENSE'), join(pkg, 'LICENSE'));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify(packageManifest(), null, 2) + '\n');
}

/**
 * What the package ships, by name: the hand-written JS, both wasm-bindgen
 * outputs and the digits. Anything else in pkg/ (a tarball from `npm pack`,
 * say) stays out.
 */
function packageFiles() {
  const generated = ['autoencoder_lab', 'autoencoder_lab_infer'].flatMap((name) => [
    `${name}.js`, `${name}.d.ts`, `${name}_bg.wasm`, `${name}_bg.wasm.d.ts`,
  ]);
  return [...readdirSync(join(root, 'js')), ...generated, 'autoencoder_lab_relaxed_bg.wasm',
    'autoencoder_lab_infer_fused_bg.wasm', 'digits.bin', 'models', 'LICENSE'];
}

function packageManifest() {
  const { version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    name: 'autoencoder-lab',
    version,
    description: 'Undercomplete, sparse, denoising and contractive autoencoders that train '
      + 'and run in the browser (Rust compiled to WebAssembly)',
    license,
    type: 'module',
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './infer': { types: './infer.d.ts', default: './infer.js' },
      './pool': { types: './pool.d.ts', default: './pool.js' },
      './widgets': { types: './widgets.d.ts', default: './widgets.js' },
      './widgets.js': './widgets.js',
      './worker.js': './worker.js',
      './pool-worker.js': './pool-worker.js',
      './digits.bin': './digits.bin',
      './autoencoder_lab_bg.wasm': './autoencoder_lab_bg.wasm',
      './autoencoder_lab_relaxed_bg.wasm': './autoencoder_lab_relaxed_bg.wasm',
      './autoencoder_lab_infer_bg.wasm': './autoencoder_lab_infer_bg.wasm',
      './autoencoder_lab_infer_fused_bg.wasm': './autoencoder_lab_infer_fused_bg.wasm',
    },
    files: packageFiles(),
    // Importing the widgets defines their custom elements.
    sideEffects: ['./widgets.js', './widgets/*.js'],
    keywords: ['autoencoder', 'webassembly', 'wasm', 'mnist', 'neural-network', 'browser'],
  };
}

function pretrainModels() {
  const models = join(root, 'www', 'models');
  const stamp = newest(models);
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'data', 'digits.bin')));
  if (existsSync(join(models, 'halves.safetensors')) && stamp >= sources) return;
  mkdirSync(models, { recursive: true });
  run('cargo', ['run', '--release', '--bin', 'pretrain', '--', 'data/digits.bin', 'www/models']);
}

/** The ready models go into the package too: `<ae-model pretrained>` loads them. */
function packageModels() {
  const models = join(root, 'www', 'models');
  mkdirSync(join(pkg, 'models'), { recursive: true });
  for (const file of readdirSync(models).filter((name) => name.endsWith('.safetensors'))) {
    copyFileSync(join(models, file), join(pkg, 'models', file));
  }
}

/** True while process `pid` runs. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Waits until no other set-up runs in this checkout (`npm start` and `npm test`
 * in two terminals would otherwise write pkg/ at the same time), then holds a
 * lock file with our pid; a lock left by a process that is gone is taken over.
 */
function lock() {
  const file = join(root, '.setup.lock');
  for (let waited = 0; ; waited++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      process.on('exit', () => rmSync(file, { force: true }));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(file, 'utf8'));
    if (!alive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (waited === 0) console.log(`waiting for another set-up (pid ${holder}) to finish…`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

try {
  lock();
  installNodePackages();
  installRustTools();
  prepareDigits();
  buildPackage();
  pretrainModels();
  packageModels();
} catch (error) {
  console.error(`set-up failed: ${error.message}`);
  process.exit(1);
}
