import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/test-services.js';
import { runCluster } from '../src/cluster.js';

interface Event {
  event?: string;
  pid?: number;
  [key: string]: unknown;
}

const fixture = fileURLToPath(new URL('./fixtures/cluster-app.ts', import.meta.url));
const children: ChildProcess[] = [];

function start(port: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const events: Event[] = [];
  const waiters: { match: (e: Event) => boolean; resolve: (e: Event) => void; reject: (e: Error) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let event: Event;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    events.push(event);
    for (const w of [...waiters]) {
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  /** Resolves with the first event (past or future, after `from`) matching. */
  const waitFor = (match: (e: Event) => boolean, from = 0) => {
    const past = events.slice(from).find(match);
    if (past) return Promise.resolve(past);
    if (child.exitCode !== null) return Promise.reject(new Error(`the cluster exited (${child.exitCode})`));
    return new Promise<Event>((resolve, reject) => waiters.push({ match, resolve, reject }));
  };
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A primary that exits while a test still waits for an event fails the test at once.
  void exit.then((code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`the cluster exited (${code}) before the awaited event`));
  });
  return { child, events, waitFor, exit };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function listening(app: ReturnType<typeof start>, count: number, from = 0) {
  const seen = new Set<number>();
  while (seen.size < count) {
    const e = await app.waitFor((ev) => ev.event === 'listening' && !seen.has(ev.pid ?? 0), from);
    seen.add(e.pid ?? 0);
  }
  return [...seen];
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('runCluster (real processes)', () => {
  it('replaces a crashed worker', async () => {
    const port = await freePort();
    const app = start(port);
    const pids = await listening(app, 2);
    const before = app.events.length;
    const { body } = await get(port, '/crash');
    expect(body).toBe('bye');
    const crash = await app.waitFor((e) => e.event === 'crash', before);
    expect(pids).toContain(crash.pid);
    expect(crash.code).toBe(3);
    const [fresh] = await listening(app, 1, app.events.indexOf(crash));
    expect(pids).not.toContain(fresh);
    const served = new Set<string>();
    for (let i = 0; i < 8; i++) served.add((await get(port, '/')).body);
    expect(served.has(String(crash.pid))).toBe(false);
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
  }, 30_000);

  it('drains in-flight requests on SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const app = start(port);
    await listening(app, 2);
    const slow = get(port, '/slow');
    await app.waitFor((e) => e.event === 'slow-started');
    app.child.kill('SIGTERM');
    const response = await slow;
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/^slow done \d+$/);
    expect(await app.exit).toBe(0);
    expect(app.events.filter((e) => e.event === 'exit')).toHaveLength(2);
    expect(app.events.some((e) => e.event === 'crash' || e.event === 'kill')).toBe(false);
  }, 30_000);

  it('with drainDelayMs, fails readiness on SIGTERM while still serving, then exits 0', async () => {
    const port = await freePort();
    const app = start(port, { DRAIN_DELAY_MS: '10000' });
    const pids = await listening(app, 2);
    expect((await get(port, '/readyz')).status).toBe(200);
    const mark = app.events.length;
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    const drained = new Set<number>();
    while (drained.size < 2)
      drained.add((await app.waitFor((e) => e.event === 'draining' && !drained.has(e.pid ?? 0), mark)).pid ?? 0);
    expect([...drained].sort()).toEqual([...pids].sort());
    // Both workers still accept connections, and tell the load balancer to go away, for the
    // 10 s drain delay the primary starts when it gets the signal. On a machine so busy that the
    // delay passed before the answers came, the workers may have stopped: then both are right.
    const ready = await get(port, '/readyz').catch((error: Error) => error);
    const served = await get(port, '/').catch((error: Error) => error);
    const stoppedMeanwhile = app.events.slice(mark).some((e) => e.event === 'exit');
    if (Date.now() - signalledAt < 10_000) {
      expect(ready).toEqual({ status: 503, body: 'draining' });
      expect(pids).toContain(Number((served as { body: string }).body));
      expect(stoppedMeanwhile).toBe(false);
    }
    expect(await app.exit).toBe(0);
    expect(app.events.filter((e) => e.event === 'exit')).toHaveLength(2);
    expect(app.events.some((e) => e.event === 'kill' || e.event === 'crash')).toBe(false);
  }, 60_000);

  it('restarts every worker gracefully on SIGHUP without dropping a request', async () => {
    const port = await freePort();
    const app = start(port);
    const old = await listening(app, 2);
    const slow = get(port, '/slow');
    await app.waitFor((e) => e.event === 'slow-started');
    const mark = app.events.length;
    app.child.kill('SIGHUP');
    const response = await slow;
    expect(response.body).toMatch(/^slow done \d+$/);
    const fresh = await listening(app, 2, mark);
    for (const pid of fresh) expect(old).not.toContain(pid);
    const stopped = new Set<number>();
    while (stopped.size < 2)
      stopped.add((await app.waitFor((e) => e.event === 'exit' && !stopped.has(e.pid ?? 0), mark)).pid ?? 0);
    expect([...stopped].sort()).toEqual([...old].sort());
    expect(old).not.toContain(Number((await get(port, '/')).body));
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
  }, 40_000);

  it('a worker sent SIGTERM on its own drains its request, then is replaced', async () => {
    const port = await freePort();
    const app = start(port);
    await listening(app, 2);
    const slow = get(port, '/slow');
    const started = await app.waitFor((e) => e.event === 'slow-started');
    const mark = app.events.length;
    process.kill(started.pid ?? 0, 'SIGTERM');
    const response = await slow;
    expect(response.body).toBe(`slow done ${started.pid}`);
    const exit = await app.waitFor((e) => e.event === 'crash' && e.pid === started.pid, mark);
    expect(exit.code).toBe(0);
    const [fresh] = await listening(app, 1, app.events.indexOf(exit));
    expect(fresh).not.toBe(started.pid);
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
  }, 30_000);

  it('keeps the running workers when the new version dies on SIGHUP before listening', async () => {
    const port = await freePort();
    const flag = join(mkdtempSync(join(tmpdir(), 'adv-cluster-')), 'broken');
    const app = start(port, { BREAK_FLAG: flag });
    const old = await listening(app, 2);
    writeFileSync(flag, '');
    const mark = app.events.length;
    app.child.kill('SIGHUP');
    const failed = await app.waitFor((e) => e.event === 'restart-failed', mark);
    expect(failed.code).toBe(7);
    const served = new Set<number>();
    for (let i = 0; i < 8; i++) served.add(Number((await get(port, '/')).body));
    expect([...served].every((pid) => old.includes(pid))).toBe(true);
    const after = app.events.slice(mark);
    expect(after.some((e) => e.event === 'exit' && old.includes(e.pid ?? 0))).toBe(false); // no old worker stopped
    expect(after.filter((e) => e.event === 'fork')).toHaveLength(1); // the broken one is not replaced in a loop
    // A later SIGHUP with a fixed release goes through.
    rmSync(flag);
    const mark2 = app.events.length;
    app.child.kill('SIGHUP');
    const fresh = await listening(app, 2, mark2);
    for (const pid of fresh) expect(old).not.toContain(pid);
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
  }, 40_000);

  it('keeps the primary alive and retries when every worker crashes', async () => {
    const port = await freePort();
    const flag = join(mkdtempSync(join(tmpdir(), 'adv-cluster-')), 'broken');
    writeFileSync(flag, '');
    // A 1 s delay: both first workers are dead before the first replacement is forked.
    const app = start(port, { BREAK_FLAG: flag, RESTART_DELAY_MS: '1000' });
    let crashed = 0;
    for (let from = 0; crashed < 3; crashed++) {
      const crash = await app.waitFor((e) => e.event === 'crash', from);
      from = app.events.indexOf(crash) + 1;
    }
    expect(app.child.exitCode).toBeNull(); // no worker left, yet the primary waits to replace them
    rmSync(flag);
    await listening(app, 2);
    expect(Number((await get(port, '/')).body)).toBeGreaterThan(0);
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
  }, 40_000);

  it('keeps the defaults of options passed as undefined (SIGTERM handled, no drain delay)', async () => {
    const port = await freePort();
    const app = start(port, { UNDEFINED_OPTIONS: '1' });
    await listening(app, 2);
    app.child.kill('SIGTERM');
    const shutdown = await app.waitFor((e) => e.event === 'shutdown');
    expect(shutdown.drainDelayMs).toBe(0);
    expect(await app.exit).toBe(0); // handled: a graceful exit, not death by the signal
    expect(app.events.filter((e) => e.event === 'exit')).toHaveLength(2);
  }, 30_000);

  it('refuses a misspelled option with a did-you-mean, before forking', async () => {
    await expect(runCluster({ worker: () => {}, drainDelay: 5000 } as never)).rejects.toThrow(
      /Unknown option `drainDelay` of `runCluster\(\)`; did you mean `drainDelayMs`\?/,
    );
  });

  it('rejects bad options', async () => {
    await expect(runCluster({ worker: 'x' } as never)).rejects.toThrow(/Expected `worker` to be a function/);
    await expect(runCluster({ worker: () => {}, workers: 1, drainDelayMs: -1 })).rejects.toThrow(
      /Expected `drainDelayMs` to be a non-negative number of milliseconds, got `-1` \(number\)/,
    );
    await expect(runCluster({ worker: () => {}, workers: 0 })).rejects.toThrow(
      /Expected `workers` to be an integer from 1 and up, got `0` \(number\)/,
    );
  });
});
