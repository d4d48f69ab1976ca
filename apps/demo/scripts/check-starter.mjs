#!/usr/bin/env node
// Proves apps/demo works as a starter copied out of the monorepo, the slow and complete way:
// packs every @adv package, copies the app to a temp folder as its README says, installs from
// the tarballs (compiling better-sqlite3, a minute or more), builds, runs `npm start` on a free
// port and GETs / and /readyz. Run after `npm run build` at the root:
//   npm run check:starter -w @adv/demo
// test/starter.test.ts does the same in `npm test`, reusing the compiled better-sqlite3.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, installStarter, packPackages, repoDir, startStarter, writeStarter } from './starter.mjs';

// It packs the monorepo's packages/*: in an app copied out of it there is nothing to pack.
if (!existsSync(join(repoDir, 'packages', 'types', 'package.json'))) {
  console.error(
    'check:starter checks apps/demo from inside the adv monorepo (it packs its packages/*), and this app is not in it.\n' +
      'A standalone app (npm create adv) has nothing to check here: run npm test.',
  );
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'adv-starter-'));
try {
  const target = join(work, 'board');
  writeStarter(target, await packPackages(join(work, 'tarballs')));
  console.log(`starter in ${target}: npm install …`);
  await installStarter(target);
  const port = await freePort();
  const app = await startStarter(target, { PORT: String(port), DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' });
  try {
    const page = await fetch(`${app.url}/`);
    if (page.status !== 200 || !(await page.text()).includes('Welcome to the adv board')) {
      throw new Error(`GET / failed: ${page.status}`);
    }
    const ready = await fetch(`${app.url}/readyz`);
    if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}`);
    console.log(`starter check: installed from tarballs, built, started (${app.url}), GET / and /readyz answered 200`);
  } finally {
    await app.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
