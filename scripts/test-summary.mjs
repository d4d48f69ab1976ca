#!/usr/bin/env node
// Prints one closing line for the whole `npm test` run, summed over every workspace's vitest
// JSON report (written by each package's `test` script), so CI logs end with the real count.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Workspace patterns here are `dir/*` or `dir` (Node 20 has no fs.globSync).
const dirs = manifest.workspaces.flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => join(pattern.slice(0, -2), name))
    : [pattern],
);
// `--clear` removes stale reports before a run, so a package that stops writing one is noticed.
const clear = process.argv.includes('--clear');
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
for (const dir of dirs) {
  const file = join(root, dir, '.test-results.json');
  if (!existsSync(file)) continue;
  if (clear) {
    rmSync(file);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  reports += 1;
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (clear) process.exit(0);
console.log(`\n${reports} workspaces tested`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (reports === 0 || passed === 0) {
  console.error('test-summary: no test ran');
  process.exit(1);
}
if (failed > 0) process.exit(1);
