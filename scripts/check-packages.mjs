#!/usr/bin/env node
// Packaging proof: every public package is packed, linted with publint and
// @arethetypeswrong/cli, then installed ALONE (plus the @adv/types tarball it depends on) into
// a fresh temporary project and imported from an ESM file and from a TypeScript file that
// `tsc` type-checks. A package that only works inside the monorepo fails here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'adv-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private);

const tarballOf = {};
for (const { dir, manifest } of packages) {
  const out = run('npm', ['pack', '--silent', '--pack-destination', tarballs], dir).trim().split('\n').pop();
  tarballOf[manifest.name] = join(tarballs, out);
}

const failures = [];
for (const { dir, manifest } of packages) {
  const name = manifest.name;
  const step = (label, fn) => {
    try {
      fn();
      console.log(`  ok   ${label}`);
    } catch (error) {
      const detail = [error.stdout, error.stderr, error.message].filter(Boolean).join('\n').trim();
      failures.push(`${name}: ${label}\n${detail}`);
      console.log(`  FAIL ${label}`);
    }
  };
  console.log(`${name}`);
  step('publint', () => run(bin('publint'), ['--strict', tarballOf[name]], dir));
  step('attw (esm-only)', () => run(bin('attw'), [tarballOf[name], '--profile', 'esm-only'], dir));

  const project = join(work, name.replace('/', '__'));
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // @adv/types is the one internal dependency a package may have: install it from its tarball too.
  const locals = [tarballOf[name]];
  if (name !== '@adv/types' && manifest.dependencies?.['@adv/types']) locals.push(tarballOf['@adv/types']);
  // Optional peers (liquidjs for a template subpath, say) are what a user adds to use that
  // subpath, so the consumer installs them too, at the range the package declares.
  const peers = Object.entries(manifest.peerDependencies ?? {}).map(([peer, range]) => `${peer}@${range}`);
  step('npm install <tarball> alone', () =>
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', ...locals, ...peers, 'typescript@~6.0', '@types/node@20'],
      project,
    ),
  );
  const exported = Object.keys(manifest.exports ?? { '.': null }).filter((key) => key !== './package.json');
  const specifiers = exported.map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`));
  writeFileSync(
    join(project, 'consumer.mjs'),
    `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\nconst all = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\nif (all.some((m) => Object.keys(m).length === 0)) throw new Error('an entry point exports nothing');\nconsole.log('imported', ${JSON.stringify(specifiers)}.join(', '));\n`,
  );
  step(`ESM import of ${specifiers.join(', ')}`, () => run('node', ['consumer.mjs'], project));
  writeFileSync(
    join(project, 'consumer.ts'),
    `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\nexport const all: object[] = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        lib: ['ES2023', 'DOM'],
      },
      files: ['consumer.ts'],
    }),
  );
  step('tsc type-check of a TypeScript consumer', () =>
    run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project),
  );
}

rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  console.error(`\n${failures.length} packaging check(s) failed:\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log(`\ncheck:packages: ${packages.length} packages install alone, import as ESM and type-check.`);
