#!/usr/bin/env node
// Enforces DESIGN.md's one rule of dependencies: a package under packages/ may depend on
// @adv/types and its own third-party dependencies, never on another @adv package. Checks both
// the package.json dependency lists and every import/export/require in src/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ALLOWED = '@adv/types';
// `--root DIR` checks another tree (the rule's own test runs it on fixture trees).
const rootFlag = process.argv.indexOf('--root');
const root =
  rootFlag === -1 ? new URL('..', import.meta.url).pathname : `${process.argv[rootFlag + 1].replace(/\/$/, '')}/`;
const packagesDir = join(root, 'packages');
const specifier = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"](@adv\/[a-z0-9-]+)/g;

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(c|m)?(t|j)sx?$/.test(entry)) yield path;
  }
}

const problems = [];
for (const name of readdirSync(packagesDir)) {
  const dir = join(packagesDir, name);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  const own = manifest.name;
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      if (dep.startsWith('@adv/') && dep !== ALLOWED && dep !== own) {
        problems.push(`packages/${name}/package.json: ${field} lists ${dep}`);
      }
    }
  }
  let files = [];
  try {
    files = [...sourceFiles(join(dir, 'src'))];
  } catch {}
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(specifier)) {
      const imported = match[1];
      if (imported !== ALLOWED && imported !== own) {
        const line = text.slice(0, match.index).split('\n').length;
        problems.push(`${file.slice(root.length)}:${line}: imports ${imported}`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error('Package boundary violations (a package may import @adv/types only, see DESIGN.md):');
  for (const problem of problems) console.error(`  - ${problem}`);
  console.error('Move the shared shape into @adv/types as a structural interface, or wire the two in apps/demo.');
  process.exit(1);
}
console.log('check-boundaries: every package imports @adv/types only.');
