/**
 * The Redis get-hit floor of #18: `cache.get` on a hit beside node-redis doing the same `GET` and
 * `JSON.parse` with nothing around them, on one Redis and in one process. Calls per CPU-second
 * of the process (wall-clock rates on a shared machine mostly measure the other processes): each
 * round alternates slices of 100 calls of each, so both see the same load; median, range, and
 * the median of the per-round ratios. `npx tsx cache/redis-get.ts` (in `bench/`) starts a Redis of its own and
 * prints the numbers alone.
 */
import { loadavg } from 'node:os';
import { createCache } from '@adv/cache';
import { silentLogger } from '@adv/types';
import { createClient } from '@keyv/redis';
import { startRedis } from '../../scripts/test-services.js';
import type { BenchRow } from '../lib/report.js';
import { median } from './page.js';

const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'editor'], active: true };

export interface RedisGetMeasure {
  ours: number[];
  raw: number[];
  /** ours / raw of each round. */
  ratios: number[];
  /** Load average (1 min) before and after. */
  load: [number, number];
}

export async function measureRedisGet(url: string, quick: boolean): Promise<RedisGetMeasure> {
  const cache = createCache({ url, logger: silentLogger, keyPrefix: 'benchfloor', timeout: 5000 });
  const client = createClient({ url });
  try {
    await cache.connect();
    await client.connect();
    await cache.set('hit', VALUE, { ttl: 3600 });
    await client.set('benchfloor-raw:hit', JSON.stringify(VALUE), { PX: 3_600_000 });
    const tasks: Array<[keyof Omit<RedisGetMeasure, 'ratios' | 'load'>, () => Promise<unknown>]> = [
      ['ours', () => cache.get('hit')],
      [
        'raw',
        async () => {
          const raw = await client.get('benchfloor-raw:hit');
          return typeof raw === 'string' ? JSON.parse(raw) : undefined;
        },
      ],
    ];
    for (const [name, fn] of tasks) {
      if (JSON.stringify(await fn()) !== JSON.stringify(VALUE)) throw new Error(`${name}: not a hit`);
    }
    const result: RedisGetMeasure = { ours: [], raw: [], ratios: [], load: [loadavg()[0] ?? 0, 0] };
    const rounds = quick ? 3 : 15;
    const slices = quick ? 10 : 60;
    await interleaved(tasks, 20); // warm-up: JIT, connections
    for (let round = 0; round < rounds; round++) {
      const [ours, raw] = await interleaved(tasks, slices);
      result.ours.push(ours);
      result.raw.push(raw);
      result.ratios.push(ours / raw);
    }
    result.load[1] = loadavg()[0] ?? 0;
    return result;
  } finally {
    await cache.close();
    await client.close();
  }
}

/**
 * One round: `slices` times 100 calls of each task, alternating (and swapping which goes first),
 * each slice timed by `process.cpuUsage()`: both tasks see the same load from moment to moment,
 * which 400 ms turns per task did not. Returns each task's calls per CPU-second over the round.
 */
async function interleaved(tasks: Array<[string, () => Promise<unknown>]>, slices: number): Promise<number[]> {
  const cpu = tasks.map(() => 0);
  const order = tasks.map((_, index) => index);
  for (let slice = 0; slice < slices; slice++) {
    for (const index of slice % 2 === 0 ? order : [...order].reverse()) {
      const fn = tasks[index]?.[1] as () => Promise<unknown>;
      const start = process.cpuUsage();
      for (let i = 0; i < SLICE; i++) await fn();
      const used = process.cpuUsage(start);
      cpu[index] = (cpu[index] ?? 0) + used.user + used.system;
    }
  }
  return cpu.map((us) => (slices * SLICE) / (us / 1e6));
}

const SLICE = 100;

const range = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;

export async function redisGetRows(url: string, quick: boolean): Promise<BenchRow[]> {
  const m = await measureRedisGet(url, quick);
  return [
    {
      suite: 'cache',
      case: 'redis get (hit), per CPU-s (median of interleaved rounds)',
      unit: 'ops per CPU-s',
      higherIsBetter: true,
      ours: { name: '@adv/cache', value: median(m.ours) },
      peer: { name: 'node-redis GET + JSON.parse', value: median(m.raw) },
      note: `goal: within 1.05x; per-round ratio median ${median(m.ratios).toFixed(2)}x (${Math.min(...m.ratios).toFixed(2)}–${Math.max(...m.ratios).toFixed(2)}); ranges ${range(m.ours)} vs ${range(m.raw)}; load ${m.load[0].toFixed(1)}→${m.load[1].toFixed(1)}`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const redis = await startRedis();
  try {
    const m = await measureRedisGet(redis.url, process.argv.includes('--quick'));
    for (const name of ['ours', 'raw'] as const) {
      console.log(`${name.padEnd(5)} median ${Math.round(median(m[name]))} ops/CPU-s  range ${range(m[name])}`);
    }
    console.log(
      `ours/raw: ratio of medians ${(median(m.ours) / median(m.raw)).toFixed(3)}x, per-round median ${median(m.ratios).toFixed(3)}x (${Math.min(...m.ratios).toFixed(3)}–${Math.max(...m.ratios).toFixed(3)}), ${m.ratios.length} rounds, load ${m.load[0].toFixed(2)} -> ${m.load[1].toFixed(2)}`,
    );
  } finally {
    await redis.stop();
  }
}
