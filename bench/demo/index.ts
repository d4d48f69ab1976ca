import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createDemo, type Demo } from '../../apps/demo/src/app.js';
import { loadConfig } from '../../apps/demo/src/config.js';
import { type ScratchDatabase, scratchPostgres } from '../../apps/demo/test/scratch-postgres.js';
import type { BenchRow } from '../lib/report.js';
import { handlerWithout, LAYERS, seedArticles } from './variants.js';

/**
 * Ops/s of each task as the median of several short batches run in turn (A, B, C, A, B, C …),
 * so a load spike on a shared machine hits every task alike instead of skewing one of them.
 * (bench/lib's measureOps runs each task in one block, fine for one pair, not for ten.)
 */
async function interleavedOps(
  tasks: Record<string, () => Promise<void>>,
  { quick }: { quick: boolean },
): Promise<Record<string, number>> {
  const rounds = quick ? 5 : 21;
  const batchMs = quick ? 30 : 120;
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  const entries = Object.entries(tasks);
  for (let round = 0; round < rounds; round++) {
    // A new order every round (rotation), so no variant always follows the same neighbour.
    const order = entries.map((_, i) => entries[(i + round) % entries.length]!);
    for (const [name, task] of order) {
      let count = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < batchMs) {
        await task();
        count++;
        elapsed = performance.now() - start;
      }
      samples[name]!.push((count * 1000) / elapsed);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
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
        LOG_LEVEL: 'silent',
        DEBUG: 'false',
        SECRET_KEY: 'bench-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG',
        ...env,
      },
      { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0, pageCacheSeconds },
    );
    const demo = await createDemo(config);
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
      await Promise.all(LAYERS.map(async (layer) => [layer, await make(`without-${layer}`, 300, [layer])] as const)),
    );
    const hit = async (demo: Demo) => {
      const response = await demo.handler(new Request('http://localhost/', { headers: { 'accept-language': 'en' } }));
      await response.arrayBuffer();
    };
    // Warm every page cache before measuring (cachePage stores in the background).
    for (const demo of demos) for (let i = 0; i < 3; i++) await hit(demo);
    const tasks: Record<string, () => Promise<void>> = { cached: () => hit(cached), uncached: () => hit(uncached) };
    for (const layer of LAYERS) tasks[layer] = () => hit(without[layer]!);
    if (onPostgres) tasks.postgres = () => hit(onPostgres);
    const ops = await interleavedOps(tasks, { quick });
    const rows: BenchRow[] = [
      {
        suite: 'demo',
        case: 'in process: GET / article list (22 articles), full middleware stack',
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'cachePage', value: ops.cached ?? Number.NaN },
        peer: { name: 'rendered each time', value: ops.uncached ?? Number.NaN },
      },
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
    for (const layer of LAYERS) {
      rows.push({
        suite: 'demo',
        case: `in process: cached GET /, cost of ${layer}`,
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'full stack', value: ops.cached ?? Number.NaN },
        peer: { name: `without ${layer}`, value: ops[layer] ?? Number.NaN },
        note: 'below 1.00x = what the layer costs',
      });
    }
    return rows;
  } finally {
    for (const demo of demos) await demo.close();
    await scratch?.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The HTTP targets (targets.ts) in a child process: `{ variant: port }` and a stop function. */
async function startTargets(): Promise<{ ports: Record<string, number>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', targets], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /PORTS (\{.*\})\n/.exec(out);
      if (match) resolve(JSON.parse(match[1]!) as Record<string, number>);
    });
    child.once('exit', (code) => reject(new Error(`bench/demo targets exited with ${code}`)));
  });
  return {
    ports,
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

/**
 * The same variants over real HTTP with autocannon: requests/s and p99 latency of each, visited
 * in turn round after round (rotating the order) so load spikes on a shared machine hit all
 * alike; each value is the variant's median round.
 */
async function httpRows(quick: boolean): Promise<BenchRow[]> {
  const { ports, stop } = await startTargets();
  const names = Object.keys(ports);
  const rps: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const p99: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  try {
    const rounds = quick ? 1 : 5;
    for (let round = -1; round < rounds; round++) {
      for (let step = 0; step < names.length; step++) {
        const name = names[(step + Math.max(round, 0)) % names.length]!;
        const result = await autocannon({
          url: `http://127.0.0.1:${ports[name]}/`,
          headers: { 'accept-language': 'en' },
          connections: CONNECTIONS,
          pipelining: 1,
          // Round -1 warms every server (and fills its page cache) and is not recorded.
          ...(quick || round < 0 ? { amount: quick ? 200 : 2000 } : { duration: 3 }),
        });
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`bench/demo: ${name} answered ${result.non2xx} non-2xx and ${result.errors} errors`);
        }
        if (round >= 0) {
          // Total over elapsed wall time: right for short fixed-amount runs too (autocannon's
          // average and duration count whole seconds).
          const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
          rps[name]!.push(result.requests.total / seconds);
          p99[name]!.push(result.latency.p99);
        }
      }
    }
  } finally {
    await stop();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const value = (samples: Record<string, number[]>, name: string) => median(samples[name]!);
  const rows: BenchRow[] = [];
  const pair = (caseName: string, ours: [string, string], peer: [string, string], note?: string) => {
    rows.push({
      suite: 'demo',
      case: caseName,
      unit: 'req/s',
      higherIsBetter: true,
      ours: { name: ours[1], value: value(rps, ours[0]) },
      peer: { name: peer[1], value: value(rps, peer[0]) },
      ...(note ? { note } : {}),
    });
    rows.push({
      suite: 'demo',
      case: caseName,
      unit: 'ms p99',
      higherIsBetter: false,
      ours: { name: ours[1], value: value(p99, ours[0]) },
      peer: { name: peer[1], value: value(p99, peer[0]) },
      ...(note ? { note } : {}),
    });
  };
  pair(
    `HTTP (autocannon, ${CONNECTIONS} connections): GET / article list, full middleware stack`,
    ['cached', 'cachePage'],
    ['uncached', 'rendered each time'],
  );
  for (const layer of LAYERS) {
    pair(
      `HTTP: cached GET /, cost of ${layer}`,
      ['cached', 'full stack'],
      [layer, `without ${layer}`],
      'below 1.00x = what the layer costs',
    );
  }
  return rows;
}

/**
 * The demo's article list, cached (`cachePage`) vs rendered on every request, and the cached
 * page with each middleware removed in turn: first through the Fetch handler in process (the
 * app's own cost, no sockets), then over HTTP with autocannon (requests/s and p99).
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  return [...(await inProcessRows(quick)), ...(await httpRows(quick))];
}
