#!/usr/bin/env node
// Proves apps/demo works as a starter copied out of the monorepo: packs every @adv package,
// copies the app to a temp folder, points its dependencies at the tarballs, installs, builds,
// starts it on a free port and GETs / and /readyz. Run after `npm run build` at the root:
//   npm run check:starter -w @adv/demo
// Not part of `npm test`: a fresh install compiles better-sqlite3 (a minute or two).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const app = new URL('..', import.meta.url).pathname;
const repo = join(app, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'adv-starter-'));
const tarballs = join(work, 'tarballs');
const target = join(work, 'board');
mkdirSync(tarballs);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const tarballOf = {};
  for (const dir of readdirSync(join(repo, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(repo, 'packages', dir, 'package.json'), 'utf8'));
    const file = run('npm', ['pack', '--silent', '--pack-destination', tarballs], join(repo, 'packages', dir))
      .trim()
      .split('\n')
      .pop();
    tarballOf[manifest.name] = join(tarballs, file);
  }
  mkdirSync(target);
  for (const entry of [
    'src',
    'templates',
    'locales',
    'static',
    'README.md',
    'PRODUCTION.md',
    'Dockerfile',
    'deploy',
    '.github',
  ]) {
    cpSync(join(app, entry), join(target, entry), { recursive: true });
  }
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  for (const name of Object.keys(manifest.dependencies)) {
    if (name.startsWith('@adv/')) manifest.dependencies[name] = `file:${tarballOf[name]}`;
  }
  const rootManifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  manifest.name = 'my-board';
  manifest.devDependencies = {
    '@types/better-sqlite3': manifest.devDependencies['@types/better-sqlite3'],
    '@types/node': rootManifest.devDependencies['@types/node'],
    typescript: rootManifest.devDependencies.typescript,
  };
  // npm 11 runs install scripts only when allowed: better-sqlite3 builds its native module.
  manifest.allowScripts = { 'better-sqlite3': true };
  writeFileSync(join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const base = JSON.parse(readFileSync(join(repo, 'tsconfig.base.json'), 'utf8'));
  const tsconfig = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
  delete tsconfig.extends;
  tsconfig.compilerOptions = { ...base.compilerOptions, ...tsconfig.compilerOptions };
  writeFileSync(join(target, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);

  console.log(`starter in ${target}: npm install …`);
  run('npm', ['install', '--no-audit', '--no-fund'], target);
  run('npm', ['run', 'build'], target);

  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const child = spawn('node', ['dist/main.js'], {
    cwd: target,
    env: { ...process.env, PORT: String(port), DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const deadline = Date.now() + 30_000;
    let page;
    while (Date.now() < deadline) {
      page = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (page) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (page?.status !== 200 || !(await page.text()).includes('Welcome to the adv board')) {
      throw new Error(`GET / failed: ${page?.status}`);
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}`);
    console.log('starter check: installed from tarballs, built, started, GET / and /readyz answered 200');
  } finally {
    child.kill('SIGTERM');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
