import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createDemo, type Demo } from '../../apps/demo/src/app.js';
import { loadConfig } from '../../apps/demo/src/config.js';
import { type ScratchDatabase, scratchPostgres } from '../../apps/demo/test/scratch-postgres.js';
import type { BenchRow } from '../lib/report.js';
import { fileLogger } from '../stacks/common.js';
import { handlerWithout, LAYERS, seedArticles } from './variants.js';

/**
 * Ops/s and CPU time per op of each task, as the median of several short batches run in turn
 * (A, B, C, A, B, C …), so a load spike on a shared machine hits every task alike instead of
 * skewing one of them. The CPU time (process.cpuUsage, user + system) leaves out the time the
 * process waits for a core, so it is the steadier measure on a loaded machine.
 * (bench/lib's measureOps runs each task in one block, fine for one pair, not for ten.)
 */
async function interleavedOps(
  tasks: Record<string, () => Promise<void>>,
  { quick }: { quick: boolean },
): Promise<{ ops: Record<string, number>; cpu: Record<string, Stat>; cpuRounds: Record<string, number[]> }> {
  const rounds = quick ? 5 : 21;
  const batchMs = quick ? 30 : 120;
  const names = Object.keys(tasks);
  const opsSamples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const cpuSamples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const entries = Object.entries(tasks);
  for (let round = 0; round < rounds; round++) {
    // A new order every round (rotation), so no variant always follows the same neighbour.
    const order = entries.map((_, i) => entries[(i + round) % entries.length]!);
    for (const [name, task] of order) {
      let count = 0;
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < batchMs) {
        await task();
        count++;
        elapsed = performance.now() - start;
      }
      const cpu = process.cpuUsage(cpuStart);
      opsSamples[name]!.push((count * 1000) / elapsed);
      cpuSamples[name]!.push((cpu.user + cpu.system) / 1000 / count);
    }
  }
  return {
    ops: Object.fromEntries(names.map((name) => [name, stat(opsSamples[name]!).median])),
    cpu: Object.fromEntries(names.map((name) => [name, stat(cpuSamples[name]!)])),
    cpuRounds: cpuSamples,
  };
}

/**
 * The demo's article list through its whole Fetch handler, in process (no sockets, so the
 * numbers are the app's own cost): served by `cachePage` (ours) vs rendered on every request
 * (the same app with the page cache off), then the cached page with each middleware removed
 * in turn, so the cost of every layer is visible.
 */
const targets = fileURLToPath(new URL('./targets.ts', import.meta.url));
/** Concurrent connections of each autocannon run. */
const CONNECTIONS = 20;

/**
 * A PostgreSQL server the benchmark may create a scratch database on (`postgres://user@host/db`,
 * the user allowed to CREATE DATABASE): with it, the uncached page is also measured with the
 * board on PostgreSQL. Unset, that row is left out.
 */
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL;

async function inProcessRows(quick: boolean): Promise<BenchRow[]> {
  const loadBefore = loadavg()[0]!;
  // Quick mode (CI's smoke run) builds one without-a-layer variant, enough to run the code path.
  const layers = quick ? LAYERS.slice(0, 1) : LAYERS;
  const root = mkdtempSync(join(tmpdir(), 'adv-bench-demo-'));
  const demos: Demo[] = [];
  let scratch: ScratchDatabase | undefined;
  const make = async (
    name: string,
    pageCacheSeconds: number,
    skipMiddleware: readonly string[] = [],
    env: Record<string, string> = {},
  ) => {
    const dataDir = join(root, name);
    const config = loadConfig(
      {
        LOG_LEVEL: 'info',
        DEBUG: 'false',
        SECRET_KEY: 'bench-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG',
        ...env,
      },
      { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0, pageCacheSeconds },
    );
    // Every request logged to a file, as in production.
    const demo = await createDemo(config, { logger: fileLogger(join(dataDir, 'requests.log')) });
    demos.push(demo);
    await seedArticles(demo);
    return skipMiddleware.length === 0 ? demo : { ...demo, handler: handlerWithout(demo, skipMiddleware) };
  };
  try {
    const cached = await make('cached', 300);
    const uncached = await make('uncached', 0);
    if (POSTGRES_URL) scratch = await scratchPostgres(POSTGRES_URL);
    const onPostgres = scratch && (await make('uncached-postgres', 0, [], { DATABASE_URL: scratch.url }));
    const without = Object.fromEntries(
      await Promise.all(layers.map(async (layer) => [layer, await make(`without-${layer}`, 300, [layer])] as const)),
    );
    const hit = async (demo: Demo) => {
      const response = await demo.handler(new Request('http://localhost/', { headers: { 'accept-language': 'en' } }));
      await response.arrayBuffer();
    };
    // Warm every page cache before measuring (cachePage stores in the background).
    for (const demo of demos) for (let i = 0; i < 3; i++) await hit(demo);
    const tasks: Record<string, () => Promise<void>> = { cached: () => hit(cached), uncached: () => hit(uncached) };
    for (const layer of layers) tasks[layer] = () => hit(without[layer]!);
    if (onPostgres) tasks.postgres = () => hit(onPostgres);
    const { ops, cpu, cpuRounds } = await interleavedOps(tasks, { quick });
    const load = `load avg ${fmt(loadBefore, 1)}->${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores`;
    const rounds = quick ? 5 : 21;
    const cpuRow = (caseName: string, ours: [string, string], peer: [string, string], note = ''): BenchRow => {
      const o = cpu[ours[0]]!;
      const p = cpu[peer[0]]!;
      return {
        suite: 'demo',
        case: caseName,
        unit: 'CPU ms/req',
        higherIsBetter: false,
        ours: { name: ours[1], value: o.median },
        peer: { name: peer[1], value: p.median },
        note: `${note}median of ${rounds}; ranges ${range(o, 3)} vs ${range(p, 3)}; ${load}`,
      };
    };
    const rows: BenchRow[] = [
      {
        suite: 'demo',
        case: 'in process: GET / article list (22 articles), full middleware stack',
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'cachePage', value: ops.cached ?? Number.NaN },
        peer: { name: 'rendered each time', value: ops.uncached ?? Number.NaN },
      },
      cpuRow(
        'in process: GET / article list (22 articles), full middleware stack',
        ['cached', 'cachePage'],
        ['uncached', 'rendered each time'],
      ),
    ];
    if (onPostgres) {
      rows.push({
        suite: 'demo',
        case: 'in process: GET / rendered each time, the board on SQLite vs PostgreSQL (loopback)',
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'SQLite (embedded)', value: ops.uncached ?? Number.NaN },
        peer: { name: 'PostgreSQL (pg pool)', value: ops.postgres ?? Number.NaN },
        note: 'above 1.00x = what the network round trips cost',
      });
    }
    for (const layer of layers) {
      // Paired by round (the full stack and this variant measured within the same round, so a
      // load change between rounds cancels out): the median of each round's share.
      const shares = cpuRounds[layer]!.map((without, round) => 1 - without / cpuRounds.cached![round]!);
      const share = stat(shares);
      rows.push(
        cpuRow(
          `in process: cached GET /, cost of ${layer}`,
          ['cached', 'full stack'],
          [layer, `without ${layer}`],
          `share of the stack ${fmt(share.median * 100, 1)}% (paired by round, ${fmt(share.min * 100, 0)} to ${fmt(share.max * 100, 0)}%); `,
        ),
      );
    }
    return rows;
  } finally {
    for (const demo of demos) await demo.close();
    await scratch?.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ; 100 on Linux unless `getconf` says otherwise). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU milliseconds (user + system) a process has used so far, from /proc/<pid>/stat; NaN where there is no /proc. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

export interface Target {
  port: number;
  pid: number;
  /** Sends a signal to the target's process. */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** One target (targets.ts) in a child process of its own: its port, its pid (for its CPU time), a stop function. */
export async function startTarget(name: string, env: Record<string, string> = {}): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', targets, name], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /PORT (\d+)\n/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench/demo target ${name} exited with ${code}`)));
  });
  return {
    port,
    pid: child.pid!,
    signal: (signal) => child.kill(signal),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Median and range of samples. */
interface Stat {
  median: number;
  min: number;
  max: number;
}
function stat(values: readonly number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const range = (s: Stat, digits = 0) => `${fmt(s.min, digits)}-${fmt(s.max, digits)}`;

/** The stacks of the goal rows (always run) and the rest (full runs only). */
const GOAL_TARGETS = ['raw', 'raw-page', 'cached', 'express', 'fastify'] as const;
const FULL_TARGETS = [
  'uncached',
  'express-uncached',
  'fastify-uncached',
  ...LAYERS.map((layer) => `without-${layer}`),
] as const;

interface Measured {
  rps: Stat;
  p99: Stat;
  /** Server CPU per request, ms. */
  cpu: Stat;
}

/**
 * Each target over real HTTP with autocannon: requests/s, p99 latency and the server process's
 * CPU per request (from /proc/<pid>/stat before and after the run), visited in turn round after
 * round (rotating the order) so load spikes on a shared machine hit all alike; each value is the
 * median round, the range is min-max of the rounds.
 */
async function measureHttp(names: readonly string[], quick: boolean): Promise<Record<string, Measured>> {
  const startedAt = performance.now();
  const started = await Promise.allSettled(names.map((name) => startTarget(name)));
  console.log(`bench/demo: ${names.length} HTTP targets up in ${fmt((performance.now() - startedAt) / 1000, 1)} s`);
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  const samples = Object.fromEntries(
    names.map((name) => [name, { rps: [] as number[], p99: [] as number[], cpu: [] as number[] }]),
  );
  try {
    if (failed) throw failed.reason;
    const targetsByName = Object.fromEntries(names.map((name, i) => [name, running[i]!]));
    const rounds = quick ? 1 : 5;
    // Quick mode (a smoke run, numbers not kept) skips the warm-up round.
    for (let round = quick ? 0 : -1; round < rounds; round++) {
      for (let step = 0; step < names.length; step++) {
        const name = names[(step + Math.max(round, 0)) % names.length]!;
        const target = targetsByName[name]!;
        const cpuBefore = cpuMs(target.pid);
        const result = await autocannon({
          url: `http://127.0.0.1:${target.port}/`,
          headers: { 'accept-language': 'en' },
          connections: CONNECTIONS,
          pipelining: 1,
          // Round -1 warms every server (and fills its page cache) and is not recorded.
          ...(quick || round < 0 ? { amount: quick ? 300 : 2000 } : { duration: 3 }),
        });
        const cpu = cpuMs(target.pid) - cpuBefore;
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`bench/demo: ${name} answered ${result.non2xx} non-2xx and ${result.errors} errors`);
        }
        if (round >= 0) {
          // Total over elapsed wall time: right for short fixed-amount runs too (autocannon's
          // average and duration count whole seconds).
          const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
          samples[name]!.rps.push(result.requests.total / seconds);
          samples[name]!.p99.push(result.latency.p99);
          samples[name]!.cpu.push(cpu / result.requests.total);
        }
      }
    }
  } finally {
    const stopping = performance.now();
    await Promise.all(running.map((target) => target.stop()));
    console.log(`bench/demo: HTTP targets stopped in ${fmt((performance.now() - stopping) / 1000, 1)} s`);
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [name, { rps: stat(s.rps), p99: stat(s.p99), cpu: stat(s.cpu) }]),
  );
}

const STACK_NAMES: Record<string, string> = {
  raw: 'node:http hello world',
  'raw-page': 'node:http sending the same bytes and headers',
  cached: 'adv demo (cachePage)',
  uncached: 'adv demo (rendered each time)',
  express: 'Express 5 + helmet + pino-http + prom-client + route-cache',
  fastify: 'Fastify 5 + @fastify/helmet + @fastify/caching + fastify-metrics + page-cache hooks',
  'express-uncached': 'Express 5 stack, rendered each time',
  'fastify-uncached': 'Fastify 5 stack, rendered each time',
};

/** The HTTP rows: the goal row (demo vs hello world), the demo vs Express and Fastify, and (full runs) each layer's cost. */
async function httpRows(quick: boolean): Promise<BenchRow[]> {
  const loadBefore = loadavg()[0]!;
  // Quick mode (CI's smoke run) leaves out the floor: each target is a process to start (~3 s of CPU).
  const names = quick ? GOAL_TARGETS.filter((name) => name !== 'raw-page') : [...GOAL_TARGETS, ...FULL_TARGETS];
  const m = await measureHttp(names, quick);
  const load = `load avg ${fmt(loadBefore, 1)}->${fmt(loadavg()[0]!, 1)} on ${cpus().length} cores`;
  const rounds = quick ? 1 : 5;
  const rows: BenchRow[] = [];
  const pair = (caseName: string, ours: string, peer: string, units: ('rps' | 'cpu' | 'p99')[], note = '') => {
    for (const unit of units) {
      const spec = {
        rps: { unit: 'req/s', higher: true, digits: 0 },
        cpu: { unit: 'server CPU ms/req', higher: false, digits: 3 },
        p99: { unit: 'ms p99', higher: false, digits: 0 },
      }[unit];
      const o = m[ours]![unit];
      const p = m[peer]![unit];
      rows.push({
        suite: 'demo',
        case: caseName,
        unit: spec.unit,
        higherIsBetter: spec.higher,
        ours: { name: STACK_NAMES[ours] ?? ours, value: o.median },
        peer: { name: STACK_NAMES[peer] ?? peer, value: p.median },
        note: `${note}median of ${rounds}; ranges ${range(o, spec.digits)} vs ${range(p, spec.digits)}; ${load}`,
      });
    }
  };
  const http = `HTTP (autocannon, ${CONNECTIONS} connections, request log to a file)`;
  pair(
    `${http}: cached GET /, full production stack vs hello world`,
    'cached',
    'raw',
    ['rps', 'cpu'],
    'goal >= 0.50x; ',
  );
  if (!quick) {
    pair(
      `${http}: cached GET /, full production stack vs the floor (the page's bytes from node:http)`,
      'cached',
      'raw-page',
      ['rps', 'cpu'],
    );
  }
  pair(`${http}: cached GET /, the same page on Express`, 'cached', 'express', ['rps', 'cpu', 'p99']);
  pair(`${http}: cached GET /, the same page on Fastify`, 'cached', 'fastify', ['rps', 'cpu', 'p99']);
  if (quick) return rows;
  pair(`${http}: GET / rendered each time, vs Express`, 'uncached', 'express-uncached', ['rps', 'cpu']);
  pair(`${http}: GET / rendered each time, vs Fastify`, 'uncached', 'fastify-uncached', ['rps', 'cpu']);
  pair(`${http}: GET /, cachePage vs rendered each time`, 'cached', 'uncached', ['rps', 'cpu']);
  const full = m.cached!.cpu.median;
  for (const layer of LAYERS) {
    const without = m[`without-${layer}`]!.cpu.median;
    const share = `share of the stack's CPU ${fmt(((full - without) / full) * 100, 1)}%; `;
    STACK_NAMES[`without-${layer}`] = `without ${layer}`;
    pair(`HTTP: cached GET /, cost of ${layer}`, 'cached', `without-${layer}`, ['rps', 'cpu'], share);
  }
  return rows;
}

/**
 * The demo's article list, cached (`cachePage`) vs rendered on every request, and the cached
 * page with each middleware removed in turn, first through the Fetch handler in process (the
 * app's own cost, no sockets); then over HTTP with autocannon, each server in a process of its
 * own (requests/s, server CPU per request, p99): the demo beside a node:http hello world and
 * beside the same page on Express and on Fastify (bench/stacks).
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const started = performance.now();
  const inProcess = await inProcessRows(quick);
  const inProcessSeconds = (performance.now() - started) / 1000;
  const http = await httpRows(quick);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `bench/demo: in process ${fmt(inProcessSeconds, 1)} s, over HTTP ${fmt(seconds - inProcessSeconds, 1)} s`,
  );
  return [...inProcess, ...http];
}
