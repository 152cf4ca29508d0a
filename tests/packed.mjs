/**
 * The npm package as a user gets it, shared by the tests that need it: `npm
 * pack` the built pkg/ and install the tarball into a fresh project folder,
 * with an npm cache of its own so the user's cache stays untouched.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = fileURLToPath(new URL('../pkg/', import.meta.url));

/** Runs `command` in `cwd`, returning its standard output; throws with its stderr. */
export function run(command, args, cwd) {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/**
 * Packs pkg/ and installs the tarball into a new project.
 * @returns {{ project: string, packed: object, remove: () => void }} the project
 *   folder, `npm pack --json`'s entry for the tarball, and a clean-up
 */
export function installPackedPackage(prefix) {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const cache = join(folder, 'npm-cache');
  const tarballs = join(folder, 'tarballs');
  const project = join(folder, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);

  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tarballs,
    '--cache', cache], PKG));
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'autoencoder-lab-user',
    private: true,
    type: 'module',
  }, null, 2));
  run('npm', ['install', join(tarballs, packed.filename), '--no-audit', '--no-fund',
    '--cache', cache], project);

  const remove = () => rmSync(folder, { recursive: true, force: true });
  return { project, packed, remove };
}
