#!/usr/bin/env node
// End to end, the way a user meets create-adv: builds and packs every package of the monorepo,
// runs the packed create-adv (`npm exec`, as `npm create adv` does) in a temp folder for each
// template with the embedded backends, which writes the app and runs a real `npm install` from
// the packed tarballs (better-sqlite3's native build included for `board`) and `git init`; then,
// inside each app, its own `npm run lint`, `npm run build`, `npm test`, `npm run check` (check
// --deploy with production settings) and `npm start`, GETs / and /readyz (and the board's
// /pt-br/), and stops it with SIGTERM, which must shut it down without an error line.
//
//   npm run e2e --workspace create-adv [-- --template minimal|board] [--skip-build] [--keep]
//
// Slow (minutes: two installs, one native compile, the board's whole test suite): not part of
// `npm test`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageDir, repoDir } from './build-templates.mjs';

const { values } = parseArgs({
  options: {
    template: { type: 'string', multiple: true },
    'skip-build': { type: 'boolean' },
    keep: { type: 'boolean' },
  },
});
const templates = values.template ?? ['minimal', 'board'];

/** The environment of every command: without npm's own variables (`npm run e2e --workspace …` sets some). */
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'),
);
baseEnv.NO_COLOR = '1';
baseEnv.FORCE_COLOR = '0';
delete baseEnv.CI; // the apps' tests skip (loudly) what needs servers the e2e does not start

/** Production settings under which `check --deploy` must pass (as in the apps' CI workflows). */
const PRODUCTION = {
  DEBUG: 'false',
  NODE_ENV: 'production',
  SECRET_KEY: 'e2e-Zq8vN3xR7tL2wK9pF4hJ6mB1cD5gS0aY-uE8iO3nT7rW2qX6zV9', // 50+ characters, varied
  ALLOWED_HOSTS: 'app.example.com',
  BEHIND_PROXY: 'true',
  SECURE_SSL_REDIRECT: 'true',
  SECURE_PROXY_SSL_HEADER: 'X-Forwarded-Proto,https',
  SECURE_HSTS_SECONDS: '3600',
  SESSION_COOKIE_SECURE: 'true',
  SILENCED_SYSTEM_CHECKS: 'security.W005,security.W021',
};

const chromium = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const timings = [];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs a command; resolves with its output, rejects with it (and the exit code) on failure. */
function run(cmd, args, { cwd, env = {}, quiet = false } = {}) {
  const started = Date.now();
  const label = `${cmd} ${args.join(' ')}`;
  console.log(`\n$ ${label}   (in ${cwd})`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = Date.now() - started;
      timings.push([label.length > 90 ? `${label.slice(0, 87)}...` : label, ms]);
      if (code === 0) resolve(output);
      else reject(new Error(`${label} exited with ${code} after ${seconds(ms)}${quiet ? `:\n${output}` : ''}`));
    });
  });
}

/** How long the app may take to exit after SIGTERM (a bound against a hang, not a timing). */
const STOP_BOUND_MS = 120_000;

/**
 * Starts `npm start` in its own process group and resolves once it prints the URL it listens
 * on (no fixed sleeps). `stop()` sends SIGTERM to the group and resolves with the exit code once
 * every process of the group has closed its output: npm can exit before the app it started has
 * written its last lines ('shutting down'), so its 'exit' is not the end of the output; 'close'
 * comes once no process holds the pipes any more.
 */
function start(cwd, env) {
  const child = spawn('npm', ['start'], {
    cwd,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  const url = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s/]+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => reject(new Error(`npm start exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    output: () => output,
    async stop() {
      process.kill(-child.pid, 'SIGTERM');
      let hung = false;
      const timer = setTimeout(() => {
        hung = true;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone; whatever still holds the pipes is outside it (the error below says so).
        }
      }, STOP_BOUND_MS);
      const code = await exited;
      clearTimeout(timer);
      if (hung) throw new Error(`npm start did not exit within ${seconds(STOP_BOUND_MS)} of SIGTERM:\n${output}`);
      return code;
    },
  };
}

async function expectPage(url, status, text) {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== status || (text && !body.includes(text))) {
    throw new Error(
      `GET ${url}: expected ${status}${text ? ` with "${text}"` : ''}, got ${response.status}:\n${body.slice(0, 500)}`,
    );
  }
  console.log(`GET ${url} -> ${response.status}${text ? ` ("${text}")` : ''}`);
  return body;
}

/** The page in a language other than the default: 200 and its Content-Language. */
async function expectLanguage(url, language) {
  const response = await fetch(url);
  await response.arrayBuffer();
  const got = response.headers.get('content-language');
  if (response.status !== 200 || got !== language) {
    throw new Error(`GET ${url}: expected 200 in ${language}, got ${response.status} with Content-Language ${got}`);
  }
  console.log(`GET ${url} -> 200 (Content-Language: ${got})`);
}

/**
 * SIGTERM (to npm and the app, as a terminal's Ctrl-C would) shut the app down gracefully: no
 * error or fatal line (pino levels 50 and 60), and the board says it is shutting down.
 */
function expectCleanShutdown(template, output) {
  if (/"level":(50|60)/.test(output)) throw new Error(`npm start logged an error or fatal line:\n${output}`);
  if (template === 'board' && !output.includes('"msg":"shutting down"')) {
    throw new Error(`the board did not log "shutting down" on SIGTERM:\n${output}`);
  }
}

const startedAll = Date.now();
const work = mkdtempSync(join(tmpdir(), 'create-adv-e2e-'));
let failed = false;
try {
  if (!values['skip-build']) {
    await run('npx', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
      cwd: repoDir,
      env: { TURBO_TELEMETRY_DISABLED: '1' },
    });
  }
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const name of readdirSync(join(repoDir, 'packages')).sort()) {
    await run('npm', ['pack', '--silent', '--pack-destination', tarballs], {
      cwd: join(repoDir, 'packages', name),
      quiet: true,
    });
  }
  const packed = readdirSync(tarballs);
  console.log(`packed: ${packed.join(', ')}`);
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  const createAdv = join(tarballs, `create-adv-${version}.tgz`);
  const types = join(
    tarballs,
    packed.find((file) => file.startsWith('adv-types-')),
  );

  for (const template of templates) {
    const name = `e2e-${template}`;
    const app = join(work, name);
    // What `npm create adv@latest e2e-x -- --template x --yes` runs, with the packed create-adv
    // (and its one @adv dependency, unpublished). It installs the app (a real npm install).
    await run(
      'npm',
      [
        'exec',
        '--yes',
        `--package=${createAdv}`,
        `--package=${types}`,
        '--',
        'create-adv',
        name,
        '--template',
        template,
        '--yes',
        '--adv-source',
        tarballs,
      ],
      {
        cwd: work,
        env: {
          GIT_AUTHOR_NAME: 'e2e',
          GIT_AUTHOR_EMAIL: 'e2e@example.com',
          GIT_COMMITTER_NAME: 'e2e',
          GIT_COMMITTER_EMAIL: 'e2e@example.com',
        },
      },
    );
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    for (const [dep, spec] of Object.entries(manifest.dependencies)) {
      if (dep.startsWith('@adv/') && !spec.startsWith(`file:${tarballs}`))
        throw new Error(`${dep} is ${spec}, not a tarball`);
    }
    const dataDir = join(work, `${name}-data`);
    const env = { DATA_DIR: dataDir };
    await run('npm', ['run', 'lint'], { cwd: app });
    await run('npm', ['run', 'build'], { cwd: app });
    await run('npm', ['test'], {
      cwd: app,
      // the board's browser tests run when a Chromium is there (else they skip, loudly)
      env: { ...env, ...(chromium ? { CHROMIUM_PATH: chromium } : {}) },
    });
    if (template === 'board') await run('npm', ['run', 'backup'], { cwd: app, env: { ...env, ...PRODUCTION } });
    await run('npm', ['run', 'check'], { cwd: app, env: { ...env, ...PRODUCTION } });

    const server = start(app, { ...env, PORT: '0', LOG_LEVEL: 'info' });
    let pages;
    try {
      const url = await server.url;
      console.log(`npm start: listening on ${url}`);
      await expectPage(`${url}/`, 200, template === 'board' ? 'Welcome to the adv board' : 'Welcome to your adv app');
      await expectPage(`${url}/readyz`, 200, '"status":"ok"');
      if (template === 'board') await expectLanguage(`${url}/pt-br/`, 'pt-BR');
    } catch (error) {
      pages = error;
    }
    const code = await server.stop();
    console.log(`npm start stopped by SIGTERM (exit ${code})`);
    if (pages) throw pages;
    if (code !== 0 && code !== 'SIGTERM') throw new Error(`npm start exited with ${code}:\n${server.output()}`);
    expectCleanShutdown(template, server.output());
    console.log(`\n${template}: created, installed, lint, build, test, check --deploy, start, / and /readyz: OK`);
  }
} catch (error) {
  failed = true;
  console.error(`\ncreate-adv e2e FAILED: ${error.stack ?? error}`);
} finally {
  console.log('\ntimings:');
  for (const [label, ms] of timings) console.log(`  ${seconds(ms).padStart(8)}  ${label}`);
  console.log(`  ${seconds(Date.now() - startedAll).padStart(8)}  total`);
  if (values.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
