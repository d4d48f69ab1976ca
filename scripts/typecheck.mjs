#!/usr/bin/env node
// Type-checks every workspace with its tests (each `tsconfig.test.json`: src and test, no
// emit), so a type error in a test file fails CI like one in src. vitest strips types
// without checking them. Needs the packages built (their dist/ types), as `npm test` leaves them.
//
// One tsc per core at a time: each tsc is single-threaded and CPU-bound, and nothing else runs
// beside this step in CI (measured on 2 cores: 48 s one after another).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const projects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => join(group, name, 'tsconfig.test.json'))
    .filter((file) => existsSync(join(root, file))),
);

/** Resolves with tsc's verdict on one project; never rejects (a failure is a result). */
const check = (project) =>
  new Promise((resolve) => {
    execFile(
      tsc,
      ['-p', project],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
      (error, stdout, stderr) =>
        resolve({
          project,
          ok: !error,
          output: `${stdout}${stderr}${error?.killed ? `\n(killed after the 15-minute bound)` : ''}`,
        }),
    );
  });

const queue = [...projects];
const failed = [];
await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let project = queue.shift(); project; project = queue.shift()) {
      const result = await check(project);
      if (result.ok) console.log(`  ok   ${project}`);
      else {
        failed.push(project);
        console.log(`  FAIL ${project}\n${result.output}`);
      }
    }
  }),
);
if (failed.length > 0) {
  console.error(`typecheck: ${failed.length} of ${projects.length} projects have type errors (above).`);
  process.exit(1);
}
console.log(`typecheck: ${projects.length} projects, src and tests, no type errors.`);
