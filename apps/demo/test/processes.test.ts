import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fromRoot } from '../src/paths.js';
import { chromiumAvailable, launchChromium } from './browser.js';
import { databaseEnv, onPostgres } from './databases.js';
import { freePort } from './helpers.js';

const redisUrl = inject('redisUrl');
/** A Redis database of its own: other suites run against the same server in parallel. */
const DB = onPostgres ? 14 : 13;
const WAIT = { timeout: 30_000 };

/** The built app (`node dist/main.js`) as a process; resolves once it printed `count` URLs. */
function startApp(args: string[], env: Record<string, string>, count = 1) {
  const child: ChildProcess = spawn(process.execPath, [fromRoot('dist', 'main.js'), ...args], {
    cwd: fromRoot(),
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal!)),
  );
  const listening = new Promise<string[]>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const pids = [...output.matchAll(/adv demo listening on http:\/\/\S+ \(pid (\d+)\)/g)].map((m) => m[1]!);
      if (pids.length >= count) resolve(pids);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`the app exited (${code}) before listening:\n${output}`)));
  });
  // Awaited only by the tests that expect a start; a refused start must not be unhandled.
  listening.catch(() => undefined);
  return {
    listening,
    exited,
    output: () => output,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('the app as processes (node dist/main.js)', () => {
  it('refuses --workers above 1 without REDIS_URL, and a bad --workers value', async () => {
    const shared = startApp(['--workers', '2'], { PORT: '0' });
    expect(await shared.exited).toBe(2);
    expect(shared.output()).toContain('`--workers` above 1 needs REDIS_URL');
    const bad = startApp(['--workers', 'two'], { PORT: '0' });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('Expected `--workers` to be an integer from 1 and up, got `two`');
  });

  it('refuses a bad or unreachable DATABASE_URL with one clear line, not a stack trace', async () => {
    const unreachable = startApp([], { PORT: '0', DATABASE_URL: 'postgres://board:s3cret@127.0.0.1:1/board' });
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output()).toContain(
      'adv demo could not start: Could not reach PostgreSQL at postgres://board@127.0.0.1:1/board (DATABASE_URL)',
    );
    expect(unreachable.output()).not.toContain('s3cret');
    expect(unreachable.output()).not.toMatch(/^\s+at /m);
    const wrong = startApp([], { PORT: '0', DATABASE_URL: 'mysql://db/board' });
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toMatch(/adv demo could not start: .*DATABASE_URL/s);
    expect(wrong.output()).not.toMatch(/^\s+at /m);
  });
});

describe('a production start', () => {
  it('prints the URL, then logs each deploy finding as one JSON line at its level', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-start-'));
    const database = await databaseEnv();
    const app = startApp([], {
      ...database.env,
      PORT: '0',
      DATA_DIR: dataDir,
      STATIC_ROOT: join(dataDir, 'static'),
      DEBUG: 'false',
      NODE_ENV: 'production',
      SECRET_KEY: 'q7W1n2b9X0c8V3m6Z5l4K7j2H1g0F9d8S7a6P5o4I3u2Y1t0R9e8W7',
      ALLOWED_HOSTS: '127.0.0.1',
    });
    try {
      await app.listening;
      // No backup yet: adv.E009 is among the findings. On PostgreSQL the app takes none, and
      // adv.W008 says so until the server's own backups are in place (and it is silenced).
      const backupCheck = onPostgres ? 'adv.W008' : 'adv.E009';
      await expect.poll(() => app.output(), WAIT).toContain(`"check":"${backupCheck}"`);
      const lines = app
        .output()
        .split('\n')
        .filter((line) => line.includes('"check":'));
      for (const line of lines) expect(line.match(/"level":/g)).toHaveLength(1);
      const findings = lines.map((line) => JSON.parse(line) as { level: number; severity: string; check: string });
      expect(findings.find((f) => f.check === backupCheck)).toMatchObject(
        onPostgres ? { level: 40, severity: 'warning' } : { level: 50, severity: 'error' },
      );
      expect(findings.find((f) => f.check === 'security.W008')).toMatchObject({ level: 40, severity: 'warning' });
    } finally {
      await app.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(redisUrl && chromiumAvailable())('scale-out with REDIS_URL and --workers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-processes-'));
  const apps: ReturnType<typeof startApp>[] = [];
  let dropDatabase = async () => {};
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('delivers a comment posted through a --workers 2 cluster to a browser connected to another process', async () => {
    const url = `${redisUrl}/${DB}`;
    const redis = new Redis(url);
    await redis.flushdb();
    redis.disconnect();
    const database = await databaseEnv();
    dropDatabase = database.drop;
    // DEPENDENCY_TIMEOUT_MS: the after-commit invalidation may take longer than the default 2 s on
    // a busy machine, and the write would answer before B's list was dropped (a bound only).
    const env = {
      REDIS_URL: url,
      DATA_DIR: dataDir,
      STATIC_ROOT: join(dataDir, 'static'),
      DEPENDENCY_TIMEOUT_MS: '30000',
      ...database.env,
    };
    const [portA, portB] = [await freePort(), await freePort()];
    // A: the primary migrates, seeds and collects once, then forks two workers on one port.
    const cluster = startApp(['--workers', '2'], { ...env, PORT: String(portA) }, 2);
    apps.push(cluster);
    const pids = await cluster.listening;
    expect(new Set(pids).size).toBe(2);
    // B: one more process on another port, sharing the database, Redis cache, queue and layer.
    const single = startApp([], { ...env, PORT: String(portB) });
    apps.push(single);
    await single.listening;

    const chromium = await launchChromium();
    try {
      const page = await chromium.context.newPage();
      await page.goto(`http://127.0.0.1:${portB}/articles/1`);
      await page.waitForSelector('[data-testid="live-status"][data-connected="true"]', WAIT);
      const posted = await fetch(`http://127.0.0.1:${portA}/articles/1/comments`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: `http://127.0.0.1:${portA}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ author: 'Cluster', body: 'Posted through the cluster' }),
      });
      expect(posted.status).toBe(303);
      await page.waitForSelector('#comments li:has-text("Posted through the cluster")', WAIT);
      // B's cached list was dropped too (one Redis cache): it shows the new comment count.
      const list = await (await fetch(`http://127.0.0.1:${portB}/`)).text();
      expect(list).toContain('2 comments');
    } finally {
      await chromium.close();
    }
    // SIGTERM drains the cluster's workers and the single process; all exit cleanly.
    expect(await cluster.stop()).toBe(0);
    expect(await single.stop()).toBe(0);
  }, 120_000);
});
