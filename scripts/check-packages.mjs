#!/usr/bin/env node
// Packaging proof: every public package is packed, linted with publint and
// @arethetypeswrong/cli, then installed ALONE (plus the @adv/types tarball it depends on) into a
// fresh temporary project, once with npm and once with pnpm (strict: no hoisting, so an import
// of a package we do not declare fails there), and imported from an ESM file and from a
// TypeScript file that `tsc` type-checks with `skipLibCheck: false`. Installs are lockfile-free:
// they resolve the newest versions a new user would get, which is how upstream breakage is caught.
//
// Usage: node scripts/check-packages.mjs [name ...]   (e.g. `cache tasks`; default: all)
import { execFileSync } from 'node:child_process';
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
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 600_000 });
const TOOLS = ['typescript@~6.0', '@types/node@20'];
// pnpm runs through npx rather than as a dev dependency: npm 11 leaves pnpm 12's per-platform
// optional packages out of package-lock.json, which then fails `npm ci`.
const PNPM = 'pnpm@~12.25';
// READMEs whose every code block runs from the packed tarballs (scripts/doc-tests.mjs); a
// package joins once its README passes.
const DOC_TESTED = new Set(['@adv/types', '@adv/i18n']);

const only = process.argv.slice(2);
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
  const out = run('npm', ['pack', '--silent', '--pack-destination', tarballs], dir).trim().split('\n').pop();
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

function checkPackage({ dir, manifest }) {
  const name = manifest.name;
  const step = (label, fn) => {
    try {
      fn();
      console.log(`  ok   ${label}`);
      return true;
    } catch (error) {
      const detail = [error.stdout, error.stderr, error.message].filter(Boolean).join('\n').trim();
      failures.push(`${name}: ${label}\n${detail}`);
      console.log(`  FAIL ${label}`);
      return false;
    }
  };
  console.log(`${name}`);
  step('publint', () => run(bin('publint'), ['--strict', tarballOf[name]], dir));
  step('attw (esm-only)', () => run(bin('attw'), [tarballOf[name], '--profile', 'esm-only'], dir));
  if (DOC_TESTED.has(name)) {
    step('README doc tests (every code block, from the tarballs)', () =>
      run('node', [join(root, 'scripts', 'doc-tests.mjs'), dir, tarballs], root),
    );
  }
  for (const must of ['LICENSE', 'README.md']) {
    step(`tarball has ${must}`, () => {
      if (!existsSync(join(dir, must))) throw new Error(`${dir}/${must} is missing`);
    });
  }

  // @adv/types is the one internal dependency a package may have: install it from its tarball too.
  const locals = [tarballOf[name]];
  if (name !== '@adv/types' && manifest.dependencies?.['@adv/types']) locals.push(tarballOf['@adv/types']);
  // Optional peers (liquidjs for a template subpath, say) are what a user adds to use that
  // subpath, so the consumer adds them after the measurement, at the range the package declares.
  const peers = Object.entries(manifest.peerDependencies ?? {}).map(([peer, range]) => `${peer}@${range}`);
  const specifiers = entrySpecifiers(manifest);
  const slug = name.replace('/', '__');

  const npmProject = join(work, `${slug}-npm`);
  mkdirSync(npmProject);
  writeFileSync(join(npmProject, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installed = step('npm install <tarball> alone', () =>
    run('npm', ['install', '--no-audit', '--no-fund', ...locals], npmProject),
  );
  if (installed) {
    const count = npmPackageCount(npmProject) - locals.length;
    const bytes = folderBytes(join(npmProject, 'node_modules'));
    sizes.push({ name, count, bytes });
    console.log(`       alone: ${count} dependencies, ${(bytes / 1e6).toFixed(2)} MB installed`);
  }
  step('npm install of optional peers, typescript, @types/node', () =>
    run('npm', ['install', '--no-audit', '--no-fund', ...peers, ...TOOLS], npmProject),
  );
  writeConsumer(npmProject, specifiers);
  step(`npm: ESM import of ${specifiers.join(', ')}`, () => run('node', ['consumer.mjs'], npmProject));
  step('npm: strict tsc type-check of a TypeScript consumer', () =>
    run(join(npmProject, 'node_modules', '.bin', 'tsc'), ['-p', '.'], npmProject),
  );

  // pnpm links only declared dependencies into each package's node_modules: an undeclared
  // import that npm's hoisting hides fails here.
  const pnpmProject = join(work, `${slug}-pnpm`);
  mkdirSync(pnpmProject);
  writeFileSync(join(pnpmProject, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(pnpmProject, 'pnpm-workspace.yaml'),
    // Builds a user would approve for the optional peers: better-sqlite3 (tasks' SQLite backend)
    // and msgpackr-extract (BullMQ's optional native encoder).
    `overrides:\n  "@adv/types": "file:${tarballOf['@adv/types']}"\nallowBuilds:\n  better-sqlite3: true\n  msgpackr-extract: true\n`,
  );
  step('pnpm add <tarball>, optional peers, typescript, @types/node', () =>
    run(
      'npx',
      ['--yes', PNPM, 'add', '--config.confirmModulesPurge=false', ...locals, ...peers, ...TOOLS],
      pnpmProject,
    ),
  );
  writeConsumer(pnpmProject, specifiers);
  step(`pnpm: ESM import of ${specifiers.join(', ')}`, () => run('node', ['consumer.mjs'], pnpmProject));
  step('pnpm: strict tsc type-check of a TypeScript consumer', () =>
    run(join(pnpmProject, 'node_modules', '.bin', 'tsc'), ['-p', '.'], pnpmProject),
  );
}

for (const pkg of packages) checkPackage(pkg);

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
