#!/usr/bin/env node
// Packaging proof: every public package is packed, linted with publint and
// @arethetypeswrong/cli, then installed ALONE (plus the @adv/types tarball it depends on) into a
// fresh temporary project, once with npm and once with pnpm (strict: no hoisting, so an import
// of a package we do not declare fails there), and imported from an ESM file and from a
// TypeScript file that `tsc` type-checks with `skipLibCheck: false`. Installs are lockfile-free:
// they resolve the newest versions a new user would get, which is how upstream breakage is caught.
//
// Usage: node scripts/check-packages.mjs [--jobs <n>] [name ...]   (e.g. `cache tasks`; default: all)
//
// Packages are checked `--jobs` at a time (default 3: the installs wait on the network more than
// on the CPU); each package's report is printed whole when it finishes.
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'adv-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const bin = (name) => join(root, 'node_modules', '.bin', name);
// Native peers (better-sqlite3) compile from source here; npm finds Node's headers through its
// `nodedir` setting, pnpm through the same variable in its environment.
const nodedir = execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).trim();
const env = { ...process.env, ...(nodedir && nodedir !== 'undefined' ? { npm_config_nodedir: nodedir } : {}) };
const runSync = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 600_000 });
/** Runs a command; rejects with its stdout and stderr attached, as execFileSync would throw. */
const run = (cmd, args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error?.killed) error.message = `${error.message}\n(killed by ${error.signal} after the 15-minute bound)`;
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve(stdout);
      },
    );
  });
const TOOLS = ['typescript@~6.0', '@types/node@20'];
// pnpm runs through npx rather than as a dev dependency: npm 11 leaves pnpm 12's per-platform
// optional packages out of package-lock.json, which then fails `npm ci`.
const PNPM = 'pnpm@~12.25';
// READMEs whose every code block runs from the packed tarballs (scripts/doc-tests.mjs); a
// package joins once its README passes.
const DOC_TESTED = new Set([
  '@adv/types',
  '@adv/i18n',
  '@adv/deploy',
  '@adv/async',
  '@adv/cache',
  '@adv/signals',
  '@adv/tasks',
]);

const args = process.argv.slice(2);
const jobsFlag = args.indexOf('--jobs');
const jobs = jobsFlag === -1 ? 3 : Number(args.splice(jobsFlag, 2)[1]);
if (!Number.isInteger(jobs) || jobs < 1) throw new Error('--jobs takes a whole number from 1 up, e.g. --jobs 2');
const only = args;
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private)
  .filter(({ manifest }) => only.length === 0 || only.includes(manifest.name.replace('@adv/', '')));

const tarballOf = {};
for (const { dir, manifest } of readdirSync(join(root, 'packages')).map((d) => ({
  dir: join(root, 'packages', d),
  manifest: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')),
}))) {
  if (manifest.private) continue;
  const out = runSync('npm', ['pack', '--silent', '--pack-destination', tarballs], dir).trim().split('\n').pop();
  tarballOf[manifest.name] = join(tarballs, out);
}

/** Bytes under a folder, counting each file once (pnpm hard-links from its store). */
function folderBytes(folder) {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Installed packages of an npm project, from npm's own record of the tree. */
function npmPackageCount(project) {
  const lock = JSON.parse(readFileSync(join(project, 'node_modules', '.package-lock.json'), 'utf8'));
  return Object.keys(lock.packages).filter((path) => path.includes('node_modules/')).length;
}

/** The specifiers of every entry point a package exports. */
function entrySpecifiers(manifest) {
  const exported = Object.keys(manifest.exports ?? { '.': null }).filter((key) => key !== './package.json');
  return exported.map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

function writeConsumer(project, specifiers) {
  const imports = specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
  const list = specifiers.map((_, i) => `m${i}`).join(', ');
  writeFileSync(
    join(project, 'consumer.mjs'),
    `${imports}\nconst all = [${list}];\nif (all.some((m) => Object.keys(m).length === 0)) throw new Error('an entry point exports nothing');\n`,
  );
  writeFileSync(join(project, 'consumer.ts'), `${imports}\nexport const all: object[] = [${list}];\n`);
  const compilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    lib: ['ES2023', 'DOM'],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
}

const failures = [];
const sizes = [];

/** A step runner that records ok/FAIL lines into `lines` and failures into `failures`. */
function stepper(name, lines) {
  return async (label, fn) => {
    const started = performance.now();
    const took = () => `(${((performance.now() - started) / 1000).toFixed(1)} s)`;
    try {
      await fn();
      lines.push(`  ok   ${label} ${took()}`);
      return true;
    } catch (error) {
      const detail = [error.stdout, error.stderr, error.message].filter(Boolean).join('\n').trim();
      failures.push(`${name}: ${label}\n${detail}`);
      lines.push(`  FAIL ${label} ${took()}`);
      return false;
    }
  };
}

/** publint, attw, the files every tarball needs and, where enabled, the README doc tests. */
async function checkTarball({ dir, manifest }, step) {
  const name = manifest.name;
  await step('publint', () => run(bin('publint'), ['--strict', tarballOf[name]], dir));
  await step('attw (esm-only)', () => run(bin('attw'), [tarballOf[name], '--profile', 'esm-only'], dir));
  for (const must of ['LICENSE', 'README.md']) {
    await step(`tarball has ${must}`, () => {
      if (!existsSync(join(dir, must))) throw new Error(`${dir}/${must} is missing`);
    });
  }
  if (DOC_TESTED.has(name)) {
    await step('README doc tests (every code block, from the tarballs)', () =>
      run('node', [join(root, 'scripts', 'doc-tests.mjs'), dir, tarballs], root),
    );
  }
}

/** What a consumer installs: the tarball (and @adv/types'), its optional peers, its entry points. */
function installPlan(manifest) {
  const name = manifest.name;
  // @adv/types is the one internal dependency a package may have: install it from its tarball too.
  const locals = [tarballOf[name]];
  if (name !== '@adv/types' && manifest.dependencies?.['@adv/types']) locals.push(tarballOf['@adv/types']);
  // Optional peers (liquidjs for a template subpath, say) are what a user adds to use that
  // subpath, so the consumer adds them after the measurement, at the range the package declares.
  const peers = Object.entries(manifest.peerDependencies ?? {}).map(([peer, range]) => `${peer}@${range}`);
  return { locals, peers, specifiers: entrySpecifiers(manifest), slug: name.replace('/', '__') };
}

async function checkWithNpm({ manifest }, step, log) {
  const { locals, peers, specifiers, slug } = installPlan(manifest);
  const project = join(work, `${slug}-npm`);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installed = await step('npm install <tarball> alone', () =>
    run('npm', ['install', '--no-audit', '--no-fund', ...locals], project),
  );
  if (installed) {
    const count = npmPackageCount(project) - locals.length;
    const bytes = folderBytes(join(project, 'node_modules'));
    sizes.push({ name: manifest.name, count, bytes });
    log(`       alone: ${count} dependencies, ${(bytes / 1e6).toFixed(2)} MB installed`);
  }
  await step('npm install of optional peers, typescript, @types/node', () =>
    run('npm', ['install', '--no-audit', '--no-fund', ...peers, ...TOOLS], project),
  );
  writeConsumer(project, specifiers);
  await step(`npm: ESM import of ${specifiers.join(', ')}`, () => run('node', ['consumer.mjs'], project));
  await step('npm: strict tsc type-check of a TypeScript consumer', () =>
    run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project),
  );
}

// pnpm links only declared dependencies into each package's node_modules: an undeclared
// import that npm's hoisting hides fails here.
async function checkWithPnpm({ manifest }, step) {
  const { locals, peers, specifiers, slug } = installPlan(manifest);
  const project = join(work, `${slug}-pnpm`);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(project, 'pnpm-workspace.yaml'),
    // Builds a user would approve for the optional peers: better-sqlite3 (tasks' SQLite backend)
    // and msgpackr-extract (BullMQ's optional native encoder).
    `overrides:\n  "@adv/types": "file:${tarballOf['@adv/types']}"\nallowBuilds:\n  better-sqlite3: true\n  msgpackr-extract: true\n`,
  );
  await step('pnpm add <tarball>, optional peers, typescript, @types/node', () =>
    run('npx', ['--yes', PNPM, 'add', '--config.confirmModulesPurge=false', ...locals, ...peers, ...TOOLS], project),
  );
  writeConsumer(project, specifiers);
  await step(`pnpm: ESM import of ${specifiers.join(', ')}`, () => run('node', ['consumer.mjs'], project));
  await step('pnpm: strict tsc type-check of a TypeScript consumer', () =>
    run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project),
  );
}

/** The three independent checks of one package run side by side; its report prints whole. */
async function checkPackage(pkg) {
  const started = performance.now();
  const reports = [[], [], []];
  await Promise.all([
    checkTarball(pkg, stepper(pkg.manifest.name, reports[0])),
    checkWithNpm(pkg, stepper(pkg.manifest.name, reports[1]), (line) => reports[1].push(line)),
    checkWithPnpm(pkg, stepper(pkg.manifest.name, reports[2])),
  ]);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`${pkg.manifest.name} (${seconds} s)\n${reports.flat().join('\n')}`);
}

// npx installs pnpm into its cache once, before parallel runs would race to do it.
runSync('npx', ['--yes', PNPM, '--version'], root);
// The slowest first (tasks builds better-sqlite3 from source; doc tests run every README block),
// so the long ones overlap the short ones.
const cost = ({ manifest }) => (manifest.name === '@adv/tasks' ? 2 : 0) + (DOC_TESTED.has(manifest.name) ? 1 : 0);
const queue = [...packages].sort((a, b) => cost(b) - cost(a));
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await checkPackage(next);
  }),
);
sizes.sort((a, b) => a.name.localeCompare(b.name));

// The scripts' own tests, here where the tarballs exist: the doc-test runner's end-to-end case
// installs the packed @adv/types (it is skipped only when run by hand without DOCTEST_TARBALLS).
try {
  const output = await new Promise((resolve, reject) => {
    const tests = readdirSync(join(root, 'scripts')).filter((file) => file.endsWith('.test.mjs'));
    execFile(
      'node',
      ['--test', ...tests.map((file) => join(root, 'scripts', file))],
      { cwd: root, env: { ...env, DOCTEST_TARBALLS: tarballs }, encoding: 'utf8', timeout: 600_000 },
      (error, stdout, stderr) => (error ? reject(Object.assign(error, { stdout, stderr })) : resolve(stdout)),
    );
  });
  const summary = output.split('\n').filter((line) => /^# (tests|pass|fail|skipped) /.test(line));
  console.log(`scripts' tests (node --test scripts/*.test.mjs): ${summary.map((l) => l.slice(2)).join(', ')}`);
  if (!summary.includes('# skipped 0')) failures.push(`scripts' tests: a test was skipped\n${output}`);
} catch (error) {
  failures.push(
    `scripts' tests (node --test scripts/*.test.mjs) failed:\n${error.stdout ?? ''}${error.stderr ?? error}`,
  );
}

rmSync(work, { recursive: true, force: true });
console.log('\nInstalled alone (npm, fresh resolve, without optional peers):');
console.log('| package | dependencies | install size |\n| --- | --- | --- |');
for (const { name, count, bytes } of sizes) console.log(`| ${name} | ${count} | ${(bytes / 1e6).toFixed(2)} MB |`);
if (failures.length > 0) {
  console.error(`\n${failures.length} packaging check(s) failed:\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log(
  `\ncheck:packages: ${packages.length} packages install alone under npm and pnpm, import as ESM and type-check strictly.`,
);
