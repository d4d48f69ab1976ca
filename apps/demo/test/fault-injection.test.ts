import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type LoadRoute, type Sample, startAppProcess, startLoad, summarize } from './load.js';

// The demo under bounded load (4 request loops on loopback, a fixed count per phase) while its
// server (Redis, then PostgreSQL) is killed and restarted: every request is answered within
// the bound, reads never 500, writes get 2xx/303 or 503, /healthz stays up, SIGTERM during an
// outage exits within SHUTDOWN_TIMEOUT_MS, and the app recovers without a restart.
// Only in the monorepo: it starts and kills servers of its own (scripts/test-services.ts).

interface Service {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}
interface Services {
  startRedis(port?: number): Promise<Service>;
  startPostgres(port?: number): Promise<Service>;
  findPgBin(): string | null;
}
const servicesFile = fileURLToPath(new URL('../../../scripts/test-services.ts', import.meta.url));
const services = existsSync(servicesFile) ? ((await import(servicesFile)) as Services) : null;

/** The bound on a request's calls to the cache, queue and channel layer (DEPENDENCY_TIMEOUT_MS). */
const DEPENDENCY_TIMEOUT_MS = 1000;
/** The bound asserted on every request: generous (PostgreSQL's own bounds are 5 s connect, 10 s query), not a benchmark. */
const REQUEST_BOUND_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 8000;
/** How long recovery may take once the server is back (polled on /readyz). */
const RECOVERY_DEADLINE_MS = 90_000;
const LOOPS = 4;
const PER_PHASE = 24;

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function routes(base: string): LoadRoute[] {
  const form = (fields: Record<string, string>): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams(fields).toString(),
  });
  return [
    { name: 'GET /', kind: 'read', path: '/' },
    { name: 'GET /articles/1', kind: 'read', path: '/articles/1' },
    {
      name: 'POST /articles/1/comments',
      kind: 'write',
      path: '/articles/1/comments',
      init: form({ author: 'Load', body: 'under load' }),
    },
    { name: 'GET /articles/1/comments', kind: 'read', path: '/articles/1/comments?after=0' },
    { name: 'GET /pt-br/articles/1', kind: 'read', path: '/pt-br/articles/1' },
    {
      name: 'POST /articles/1/export',
      kind: 'write',
      path: '/articles/1/export',
      init: { method: 'POST', headers: { origin: base } },
    },
  ];
}

/** Polls /readyz until it says every dependency is up; resolves with the ms it took. */
async function recovery(base: string): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + RECOVERY_DEADLINE_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(REQUEST_BOUND_MS) });
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200 && JSON.parse(last.slice(4)).status === 'ok')
        return Math.round(performance.now() - started);
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the app did not recover within ${RECOVERY_DEADLINE_MS} ms; last /readyz: ${last}`);
}

interface Scenario {
  name: string;
  /** Environment that puts the app on the server. */
  env(service: Service): Record<string, string>;
  start(): Promise<Service>;
  /** Kills the server abruptly (as a crash would). */
  kill(service: Service): Promise<void>;
  /** Starts it again on the same port (and data); resolves once it accepts connections. */
  restart(service: Service): Promise<() => Promise<void>>;
  /** Whether reads still succeed (2xx) during the outage; otherwise they may answer 503. */
  readsServeDuringOutage: boolean;
}

async function runScenario(scenario: Scenario) {
  const service = await scenario.start();
  cleanups.push(() => service.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-fault-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const app = await startAppProcess({
    PORT: '0',
    DATA_DIR: dataDir,
    STATIC_ROOT: join(dataDir, 'static'),
    EXPORT_CHUNK_DELAY_MS: '0',
    DEPENDENCY_TIMEOUT_MS: String(DEPENDENCY_TIMEOUT_MS),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ...scenario.env(service),
  });
  cleanups.push(() => app.kill());
  const load = startLoad({ base: app.url, routes: routes(app.url), loops: LOOPS, clientBoundMs: REQUEST_BOUND_MS });
  cleanups.push(() => load.stop());
  const enough = (phase: string) => () =>
    load.count(phase, 'read') >= PER_PHASE && load.count(phase, 'write') >= PER_PHASE / 2;

  await load.waitFor(enough('warm-up'), 60_000, 'the warm-up');
  load.setPhase('outage');
  await scenario.kill(service);
  await load.waitFor(enough('outage'), 120_000, 'the outage phase');
  // What a load balancer and Prometheus see meanwhile.
  const readyResponse = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(REQUEST_BOUND_MS) });
  const readyDuringOutage = {
    status: readyResponse.status,
    body: (await readyResponse.json()) as Record<string, unknown>,
  };
  const metricsDuringOutage = await (
    await fetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(REQUEST_BOUND_MS) })
  ).text();
  load.setPhase('recovery');
  const stopRestarted = await scenario.restart(service);
  cleanups.push(stopRestarted);
  const recoveryMs = await recovery(app.url);
  load.setPhase('after');
  await load.waitFor(enough('after'), 60_000, 'the phase after recovery');

  // Fully working again: a comment is saved and listed, an export starts.
  const comment = await load.call('recovered comment', 'write', '/articles/1/comments', routes(app.url)[2]!.init);
  const listed = (await (await fetch(`${app.url}/articles/1/comments?after=0`)).json()) as { comments: unknown[] };
  const exported = await load.call('recovered export', 'write', '/articles/1/export', routes(app.url)[5]!.init);

  // SIGTERM in a second outage: the process exits within its shutdown bound.
  load.setPhase('second outage');
  await scenario.kill(service);
  await load.waitFor(() => load.count('second outage', 'write') >= 2, 60_000, 'writes in the second outage');
  load.setPhase('stopping');
  const signalled = performance.now();
  app.child.kill('SIGTERM');
  const exit = await Promise.race([
    app.exited,
    new Promise<'hung'>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS * 3, 'hung')),
  ]);
  const shutdownMs = Math.round(performance.now() - signalled);
  await load.stop();

  const judged = load.samples.filter((s) => s.phase !== 'stopping');
  const figures = {
    scenario: scenario.name,
    loops: LOOPS,
    requests: judged.length,
    phases: summarize(judged),
    worstMs: Math.max(...judged.map((s) => s.ms)),
    recoveryMs,
    shutdown: { ms: shutdownMs, exit },
  };
  console.log(`fault-injection figures: ${JSON.stringify(figures)}`);
  if (process.env.FAULT_FIGURES_DIR) {
    writeFileSync(join(process.env.FAULT_FIGURES_DIR, `${scenario.name}.json`), JSON.stringify(figures, null, 2));
  }
  return {
    judged,
    figures,
    comment,
    listed,
    exported,
    exit,
    shutdownMs,
    output: app.output,
    readyDuringOutage,
    metricsDuringOutage,
  };
}

function assertOutageContract(result: Awaited<ReturnType<typeof runScenario>>, scenario: Scenario) {
  const { judged } = result;
  // The samples, and the app's log lines about answers it could not give (which dependency, why).
  const show = (samples: Sample[]) =>
    `${JSON.stringify(samples.slice(0, 5))}\n${result
      .output()
      .split('\n')
      .filter((line) => /"level":50/.test(line) && /"err"/.test(line))
      .slice(-4)
      .join('\n')}`;
  // Every request answered, none past the bound.
  const unanswered = judged.filter((s) => typeof s.status !== 'number' || s.ms > REQUEST_BOUND_MS);
  expect(unanswered, show(unanswered)).toEqual([]);
  // /healthz up throughout.
  const probes = judged.filter((s) => s.kind === 'probe');
  expect(probes.length).toBeGreaterThan(0);
  expect(probes.filter((s) => s.status !== 200)).toEqual([]);
  // Reads never 500: with the cache / channel layer down they render; with the database down they may say 503.
  const reads = judged.filter((s) => s.kind === 'read');
  const badReads = reads.filter((s) =>
    scenario.readsServeDuringOutage || s.phase === 'warm-up' || s.phase === 'after'
      ? s.status !== 200
      : s.status !== 200 && s.status !== 503,
  );
  expect(badReads, show(badReads)).toEqual([]);
  // Writes answered: done (303 / 202) or 503 with a clear message; only 503 while the server is down.
  const writes = judged.filter((s) => s.kind === 'write');
  const badWrites = writes.filter((s) =>
    s.phase === 'warm-up' || s.phase === 'after'
      ? s.status !== 303 && s.status !== 202
      : ![303, 202, 503].includes(s.status as number),
  );
  expect(badWrites, show(badWrites)).toEqual([]);
  // Recovered: the comment is saved and listed, the export started.
  expect(result.comment.status).toBe(303);
  expect(result.listed.comments.length).toBeGreaterThan(0);
  expect(result.exported.status).toBe(202);
  // SIGTERM during the outage: out within the shutdown bound (the app's own deadline is SHUTDOWN_TIMEOUT_MS).
  expect(result.exit, result.output()).not.toBe('hung');
}

describe.runIf(services)('fault injection: the demo under load while its server dies and returns', () => {
  it('survives a Redis outage (cache, queue, channel layer): pages render, writes answer, it recovers', {
    timeout: 420_000,
  }, async () => {
    const scenario: Scenario = {
      name: 'redis',
      env: (redis) => ({ REDIS_URL: redis.url }),
      start: () => services!.startRedis(),
      async kill(redis) {
        redis.process.kill('SIGKILL');
        await new Promise((resolve) =>
          redis.process.exitCode !== null || redis.process.signalCode !== null
            ? resolve(undefined)
            : redis.process.once('exit', resolve),
        );
      },
      async restart(redis) {
        const again = await services!.startRedis(redis.port);
        // The second outage kills this one; the original's stop() is a no-op by then.
        redis.process = again.process;
        return () => again.stop();
      },
      readsServeDuringOutage: true,
    };
    const result = await runScenario(scenario);
    assertOutageContract(result, scenario);
    // Still ready (the cached pages render), but saying what is degraded, in the body and the metric.
    expect(result.readyDuringOutage.status).toBe(200);
    expect(result.readyDuringOutage.body).toMatchObject({
      status: 'degraded',
      degraded: expect.arrayContaining(['cache']),
    });
    expect(result.metricsDuringOutage).toMatch(/^adv_dependency_up\{dependency="cache"\} 0$/m);
    expect(result.metricsDuringOutage).toMatch(/^adv_dependency_up\{dependency="database"\} 1$/m);
  });

  it.runIf(services?.findPgBin())(
    'survives a PostgreSQL outage: reads 503 or cached, writes 503, it recovers',
    { timeout: 420_000 },
    async () => {
      let restarted: ChildProcess | undefined;
      const scenario: Scenario = {
        name: 'postgres',
        env: (pg) => ({ DATABASE_URL: pg.url }),
        start: () => services!.startPostgres(),
        async kill(pg) {
          const target = restarted ?? pg.process;
          if (target.exitCode !== null || target.signalCode !== null) return;
          const exited = new Promise((resolve) => target.once('exit', resolve));
          // Immediate shutdown: the postmaster and its backends die without a checkpoint, as in a crash.
          target.kill('SIGQUIT');
          await exited;
        },
        async restart(pg) {
          // The same postmaster command line on the same data directory and port (crash recovery at start).
          const args = pg.process.spawnargs.slice(1);
          const data = args[args.indexOf('-D') + 1]!;
          const owner = statSync(data);
          const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
          restarted = spawn(pg.process.spawnfile, args, {
            cwd: dirname(data),
            env: { PATH: process.env.PATH, HOME: dirname(data), LC_ALL: 'C', TZ: process.env.TZ ?? 'UTC' },
            stdio: 'ignore',
            ...(asRoot ? { uid: owner.uid, gid: owner.gid } : {}),
          });
          const child = restarted;
          return async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGINT');
            await exited;
          };
        },
        readsServeDuringOutage: false,
      };
      const result = await runScenario(scenario);
      assertOutageContract(result, scenario);
    },
  );
});
