// Makes a starter out of apps/demo the way its README says: the app's files (tests and CI
// workflows included) in a new folder, the @adv/* dependencies pointing at tarballs packed from
// packages/*, the dev tools the monorepo root provided, a tsconfig without the monorepo's
// `extends` and its Biome settings, then install and build. Used by `npm run check:starter` (a full install,
// compiling better-sqlite3) and by test/starter.test.ts (which reuses the monorepo's compiled
// better-sqlite3 so the test takes seconds, not minutes).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** apps/demo, and the repository root. */
export const appDir = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const repoDir = join(appDir, '..', '..');

/** What a starter copies from apps/demo (README: "without node_modules, dist, data, test-artifacts"). */
export const STARTER_ENTRIES = [
  'src',
  'templates',
  'locales',
  'static',
  'test',
  'vitest.config.ts',
  '.gitignore',
  'README.md',
  'PRODUCTION.md',
  'docs',
  'Dockerfile',
  'deploy',
  '.github',
  '.changeset',
];

/** Tests about the monorepo itself, left behind. */
const MONOREPO_ONLY = new Set(['test/starter.test.ts']);

/**
 * JSON as Biome formats it (the starter's lint checks these files too): two-space indents, and
 * arrays of strings on one line when they fit in its 120 columns.
 */
function toJson(value) {
  return `${JSON.stringify(value, null, 2).replace(
    /^( *)("[^"]+": )\[\n((?: *"[^"\n]*",?\n)+) *\]/gm,
    (all, indent, key, items) => {
      const line = `${indent}${key}[${items.trim().split(/,\n */).join(', ')}]`;
      return line.length <= 120 ? line : all;
    },
  )}\n`;
}

const run = async (cmd, args, cwd, signal) => {
  const { stdout } = await exec(cmd, args, { cwd, signal, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
};

/** Packs every packages/* into `dir`; resolves with { name: tarball path }. */
export async function packPackages(dir, { signal } = {}) {
  mkdirSync(dir, { recursive: true });
  const tarballs = {};
  for (const name of readdirSync(join(repoDir, 'packages')).sort()) {
    const pkgDir = join(repoDir, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const file = (await run('npm', ['pack', '--silent', '--pack-destination', dir], pkgDir, signal))
      .trim()
      .split('\n')
      .pop();
    tarballs[manifest.name] = join(dir, file);
  }
  return tarballs;
}

/**
 * Writes a starter into `target`: the app's files, a package.json whose @adv/* dependencies are
 * the `tarballs`, with the dev dependencies its lint, build and tests need, a standalone tsconfig
 * and biome.json. `pinned` fixes dependency versions (e.g. better-sqlite3 to a compiled copy's).
 */
export function writeStarter(target, tarballs, { pinned = {} } = {}) {
  mkdirSync(target, { recursive: true });
  for (const entry of STARTER_ENTRIES) {
    cpSync(join(appDir, entry), join(target, entry), {
      recursive: true,
      filter: (source) => !MONOREPO_ONLY.has(relative(appDir, source)),
    });
  }
  const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
  const rootManifest = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8'));
  for (const name of Object.keys(manifest.dependencies)) {
    if (name.startsWith('@adv/')) {
      if (!tarballs[name]) throw new Error(`No tarball for ${name}`);
      manifest.dependencies[name] = `file:${tarballs[name]}`;
    }
    if (pinned[name]) manifest.dependencies[name] = pinned[name];
  }
  manifest.name = 'my-board';
  // What the monorepo root provides: TypeScript, Node's types, vitest, Biome and changesets (the
  // lint, build and test of the CI workflow, the release workflow). The app's own dev dependencies come along.
  for (const name of ['@types/node', 'typescript', 'vitest', '@biomejs/biome', '@changesets/cli']) {
    manifest.devDependencies[name] = rootManifest.devDependencies[name];
  }
  delete manifest.scripts['check:starter'];
  delete manifest.scripts.screenshots; // scripts/screenshots.ts is not copied
  // npm 11 runs install scripts only when allowed: better-sqlite3 builds its native module.
  manifest.allowScripts = { 'better-sqlite3': true };
  writeFileSync(join(target, 'package.json'), toJson(manifest));
  const base = JSON.parse(readFileSync(join(repoDir, 'tsconfig.base.json'), 'utf8'));
  const tsconfig = JSON.parse(readFileSync(join(appDir, 'tsconfig.json'), 'utf8'));
  delete tsconfig.extends;
  tsconfig.compilerOptions = { ...base.compilerOptions, ...tsconfig.compilerOptions };
  writeFileSync(join(target, 'tsconfig.json'), toJson(tsconfig));
  // The repository's Biome settings, without its rules about packages/.
  const biome = JSON.parse(readFileSync(join(repoDir, 'biome.json'), 'utf8'));
  delete biome.overrides;
  writeFileSync(join(target, 'biome.json'), toJson(biome));
  return manifest;
}

/**
 * Installs and builds the starter in `target`. `reuseNativeFrom` (a better-sqlite3 folder with
 * `build/Release`) skips compiling better-sqlite3: install scripts are skipped and that
 * compiled module is copied in (the versions must match).
 */
export async function installStarter(target, { reuseNativeFrom, signal } = {}) {
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
  if (reuseNativeFrom) args.push('--ignore-scripts');
  await run('npm', args, target, signal);
  if (reuseNativeFrom) {
    const want = JSON.parse(readFileSync(join(reuseNativeFrom, 'package.json'), 'utf8')).version;
    const installed = join(target, 'node_modules', 'better-sqlite3');
    const got = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version;
    if (got !== want) throw new Error(`better-sqlite3 ${got} installed, but the compiled copy is ${want}`);
    mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
    copyFileSync(
      join(reuseNativeFrom, 'build', 'Release', 'better_sqlite3.node'),
      join(installed, 'build', 'Release', 'better_sqlite3.node'),
    );
  }
  await run('npm', ['run', 'build'], target, signal);
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/**
 * Starts the built starter with `npm start` and waits for the URL it prints. Resolves with the
 * URL, what it printed, and `stop()` (SIGTERM to npm and the app, resolving once they have exited).
 */
export async function startStarter(target, env, { timeoutMs = 60_000 } = {}) {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: target,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the starter printed no URL in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+?)\/? /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the starter exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      // npm runs node in a child: signal the whole process group, as a terminal would. npm may
      // exit before the app has logged its shutdown: the pipes close only once both have gone.
      const drained = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]);
      process.kill(-child.pid, 'SIGTERM');
      const code = await exited;
      await drained;
      return code;
    },
  };
}
