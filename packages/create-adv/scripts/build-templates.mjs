#!/usr/bin/env node
// Generates what create-adv ships besides its code (run by `npm run build`, so at pack time):
//   dist/templates/board/   the `board` template: apps/demo's own files, minus what is built,
//                           local or only meaningful inside this monorepo, with the few lines
//                           that only work in the monorepo rewritten. Never edited by hand:
//                           test/board-template.test.ts fails when it drifts from apps/demo.
//   dist/templates/shared.json  the published @adv/* versions, the dev tools the monorepo root
//                           provides, the root tsconfig.base.json options and biome.json.
// Exported functions are used by the tests to regenerate and compare.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const repoDir = join(packageDir, '..', '..');
export const demoDir = join(repoDir, 'apps', 'demo');

/** Built, local or generated: never part of a template. */
const LOCAL = new Set(['node_modules', 'dist', 'data', '.turbo', 'test-artifacts', '.test-results.json', 'coverage']);
/**
 * apps/demo files that are about this monorepo: its scripts, the fault-injection suite that starts and kills
 * servers through the monorepo's scripts/test-services.ts (it skips itself elsewhere), and the
 * README (the app's README is written by create-adv from `README.body.md`, below).
 */
export const MONOREPO_ONLY = new Set([
  'scripts',
  'test/fault-injection.test.ts',
  'README.md',
  'package.json',
  'tsconfig.json',
]);

/** Dev tools the monorepo root provides to apps/demo, which a standalone app must declare. */
export const ROOT_DEV_TOOLS = ['@biomejs/biome', '@changesets/cli', '@types/node', 'typescript', 'vitest'];

/**
 * Text rewrites applied to every copied file: [pattern, replacement]. Each must match somewhere
 * (checked), so a change in apps/demo that removes one shows up as a build error, not as a
 * silently stale rule.
 */
export const REWRITES = [
  [/ -w @adv\/demo/g, ''],
  [/\(`apps\/demo\/`\)/g, "(the app's folder)"],
  [/copied from apps\/demo/g, 'made with `npm create adv` (board template)'],
];

/** README sections of apps/demo that describe the monorepo, dropped from the app's README. */
const README_DROPPED_SECTIONS = ['Run it', 'Start a new app from it', 'Benchmarks', 'Tests'];

/** Strings that must not survive in a generated template (each names why). */
export const MONOREPO_MARKERS = [
  ['apps/demo', 'the demo path in the monorepo'],
  ['@adv/demo', 'the demo workspace name'],
  ['../../packages', 'a link into the monorepo packages'],
  ['tsconfig.base.json', 'the monorepo base tsconfig'],
  ['workspace:', 'a workspace protocol dependency'],
];

/**
 * Files allowed to name the monorepo's scripts/test-services.ts: two use it only when it exists
 * (existsSync), falling back to the app's own test/services.ts; that one names it in a comment.
 */
export const GUARDED_MONOREPO_REFERENCES = new Set([
  'vitest.config.ts',
  'test/durable-tasks.test.ts',
  'test/services.ts',
]);

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(base, full).split(sep).join('/');
    if (LOCAL.has(entry.name) || MONOREPO_ONLY.has(rel) || entry.name.endsWith('.tsbuildinfo')) continue;
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(rel);
  }
  return out.sort();
}

const TEXT = /\.(ts|mts|mjs|js|json|md|ya?ml|liquid|css|txt|conf|example)$|(^|\/)(Dockerfile|\.gitignore)$/;

/** The demo README's body for the app: monorepo sections dropped, links made absolute. */
export function boardReadmeBody(readme) {
  const parts = readme.split(/^(?=## )/m);
  const kept = parts.slice(1).filter((part) => !README_DROPPED_SECTIONS.includes(part.split('\n')[0].slice(3).trim()));
  // The introduction under the title (the app's README has its own title).
  const intro = parts[0]
    .split('\n')
    .slice(1)
    .join('\n')
    // its pointer to create-adv: the app was made with it
    .replace(/^Start your own app from it with one command[\s\S]*?```sh\n[\s\S]*?```\n\n?/m, '')
    .trim()
    .replace(/, and the starter to copy:/, ':');
  let body = `## What is in it\n\n${intro}\n\n${kept.join('')}`
    .replace(
      /\.\.\/\.\.\/packages\/([a-z]+)\/README\.md/g,
      'https://github.com/adv-js/adv/blob/main/packages/$1/README.md',
    )
    .replace(/\(or drop `-w @adv\/demo` inside `apps\/demo`\)/g, '')
    .replace(/Run from the repository root, after a build:/g, 'Run in the app folder, after `npm run build`:')
    .replace(/`apps\/demo\/data\/([^`]*)`/g, '`data/$1`')
    .replace(/`apps\/demo\/dist\/static`/g, '`dist/static`')
    .replace(/`apps\/demo\/data`/g, '`data`')
    .replace(/node apps\/demo\/dist\/main\.js/g, 'node dist/main.js')
    .replace(/Biome on the app's files \(the repository's `biome\.json`\)/g, "Biome on the app's files (`biome.json`)");
  for (const [pattern, replacement] of REWRITES) body = body.replace(pattern, replacement);
  return body;
}

/** Problems (file: marker) left in a generated tree; empty when clean. */
export function findMonorepoMarkers(files) {
  const problems = [];
  for (const [file, text] of files) {
    for (const [marker, why] of MONOREPO_MARKERS) {
      if (text.includes(marker)) problems.push(`${file}: "${marker}" (${why})`);
    }
    if (text.includes('scripts/test-services.ts') && !GUARDED_MONOREPO_REFERENCES.has(file)) {
      problems.push(`${file}: "scripts/test-services.ts" (the monorepo's test services)`);
    }
  }
  return problems;
}

/** The board template's files as [relative path, content] (text as string, binary as Buffer). */
export function boardFiles() {
  const used = new Set();
  const files = [];
  for (const rel of listFiles(demoDir)) {
    const raw = readFileSync(join(demoDir, rel));
    if (!TEXT.test(rel)) {
      files.push([rel, raw]);
      continue;
    }
    let text = raw.toString('utf8');
    for (const [index, [pattern, replacement]] of REWRITES.entries()) {
      pattern.lastIndex = 0;
      if (pattern.test(text)) used.add(index);
      text = text.replace(pattern, replacement);
    }
    files.push([rel, text]);
  }
  for (const index of REWRITES.keys()) {
    if (!used.has(index))
      throw new Error(`build-templates: rewrite ${REWRITES[index][0]} matched nothing in apps/demo`);
  }
  return files;
}

/** The board template's descriptor: package.json parts, tsconfig, README body. */
export function boardDescriptor() {
  const manifest = readJson(join(demoDir, 'package.json'));
  const scripts = { ...manifest.scripts };
  delete scripts.screenshots; // scripts/ is monorepo-only (MONOREPO_ONLY)
  const tsconfig = readJson(join(demoDir, 'tsconfig.json'));
  delete tsconfig.extends;
  const adv = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@adv/'));
  const dependencies = Object.fromEntries(
    Object.entries(manifest.dependencies).filter(([name]) => !name.startsWith('@adv/')),
  );
  return {
    name: 'board',
    description: manifest.description.replace(/; the starter to copy\.?$/, '.'),
    adv,
    scripts,
    dependencies,
    devDependencies: manifest.devDependencies,
    backendDependencies: {},
    nativeModules: ['better-sqlite3'],
    tsconfig,
  };
}

/** Versions and configuration the templates take from the monorepo at pack time. */
export function sharedConfig() {
  const rootManifest = readJson(join(repoDir, 'package.json'));
  const advVersions = {};
  for (const name of readdirSync(join(repoDir, 'packages')).sort()) {
    const file = join(repoDir, 'packages', name, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = readJson(file);
    if (manifest.name.startsWith('@adv/') && !manifest.private) advVersions[manifest.name] = manifest.version;
  }
  const devTools = {};
  for (const name of ROOT_DEV_TOOLS) {
    if (!rootManifest.devDependencies[name]) throw new Error(`build-templates: the root has no devDependency ${name}`);
    devTools[name] = rootManifest.devDependencies[name];
  }
  const biome = readJson(join(repoDir, 'biome.json'));
  delete biome.overrides; // rules about the monorepo's packages/
  const allowScripts = rootManifest.allowScripts ?? {};
  return {
    advVersions,
    devTools,
    nodeEngine: rootManifest.engines?.node ?? '>=20',
    allowScripts,
    tsconfigBase: readJson(join(repoDir, 'tsconfig.base.json')).compilerOptions,
    biome,
  };
}

/** Writes the board template and shared.json under `outDir` (dist/templates). */
export function buildTemplates(outDir) {
  const boardDir = join(outDir, 'board');
  rmSync(boardDir, { recursive: true, force: true });
  const files = boardFiles();
  const descriptor = boardDescriptor();
  const readmeBody = boardReadmeBody(readFileSync(join(demoDir, 'README.md'), 'utf8'));
  const problems = findMonorepoMarkers([
    ...files.filter(([, content]) => typeof content === 'string'),
    ['README.body.md', readmeBody],
    ['template.json', JSON.stringify(descriptor)],
  ]);
  if (problems.length > 0) {
    throw new Error(
      `build-templates: apps/demo has monorepo-only text a new rewrite must handle:\n${problems.join('\n')}`,
    );
  }
  for (const [rel, content] of files) {
    // npm never packs a file named .gitignore: it is shipped as _gitignore and renamed on write.
    const target = join(boardDir, 'files', rel === '.gitignore' ? '_gitignore' : rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  writeFileSync(join(boardDir, 'template.json'), `${JSON.stringify(descriptor, null, 2)}\n`);
  writeFileSync(join(boardDir, 'README.body.md'), readmeBody);
  writeFileSync(join(outDir, 'shared.json'), `${JSON.stringify(sharedConfig(), null, 2)}\n`);
  return { files: files.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = join(packageDir, 'dist', 'templates');
  mkdirSync(outDir, { recursive: true });
  const { files } = buildTemplates(outDir);
  // The hand-written minimal template ships from templates/minimal; check it is there.
  if (!statSync(join(packageDir, 'templates', 'minimal', 'template.json')).isFile())
    throw new Error('no minimal template');
  console.log(`create-adv: board template generated from apps/demo (${files} files)`);
}
