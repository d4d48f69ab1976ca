#!/usr/bin/env node
// Type-checks every workspace with its tests (each `tsconfig.test.json`: src and test, no
// emit), so a type error in a test file fails CI like one in src. vitest strips types
// without checking them. Needs the packages built (their dist/ types), as `npm test` leaves them.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const projects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => join(group, name, 'tsconfig.test.json'))
    .filter((file) => existsSync(join(root, file))),
);
const failed = [];
for (const project of projects) {
  try {
    execFileSync(tsc, ['-p', project], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    console.log(`  ok   ${project}`);
  } catch (error) {
    failed.push(project);
    console.log(`  FAIL ${project}\n${error.stdout}${error.stderr}`);
  }
}
if (failed.length > 0) {
  console.error(`typecheck: ${failed.length} of ${projects.length} projects have type errors (above).`);
  process.exit(1);
}
console.log(`typecheck: ${projects.length} projects, src and tests, no type errors.`);
