/**
 * @adv/cache beside raw keyv, cache-manager 7 and Bentocache 1.6, in one process and run:
 * get (hit), set and getOrSet (hit) on memory and on Redis, the two-tier mode against
 * Bentocache's L1+Redis, a stampede (1,000 concurrent misses on one key), a cachePage hit
 * beside the raw handler (page.ts), and the Redis get-hit per CPU-second beside node-redis'
 * own GET + JSON.parse (redis-get.ts).
 */

import { startRedis } from '../../scripts/test-services.js';
import { measureOps } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';
import { pageRows } from './page.js';
import { bentocache, type Contender, cacheManager, ours, rawKeyv, rawRedis } from './peers.js';
import { redisGetRows } from './redis-get.js';

const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'editor'], active: true };

async function throughput(backend: string, mine: Contender, peers: Contender[], quick: boolean): Promise<BenchRow[]> {
  const all = [mine, ...peers];
  for (const c of all) {
    await c.set('hit', VALUE);
    await c.getOrSet?.('wrapped', async () => VALUE);
  }
  const rows: BenchRow[] = [];
  const cases: Array<[string, (c: Contender) => (() => unknown) | undefined]> = [
    ['get (hit)', (c) => () => c.get('hit')],
    ['set', (c) => () => c.set('written', VALUE)],
    ['getOrSet (hit)', (c) => (c.getOrSet ? () => c.getOrSet?.('wrapped', async () => VALUE) : undefined)],
  ];
  for (const [label, make] of cases) {
    const tasks: Record<string, () => unknown> = {};
    for (const c of all) {
      const task = make(c);
      if (task) tasks[c.name] = task;
    }
    // Best of several rounds per task, with the order rotated each round: the first round also
    // warms up (JIT, connections), no library always runs first, and a load spike on a shared
    // 2-core machine hurts one round, not the result.
    const ops: Record<string, number> = {};
    const entries = Object.entries(tasks);
    for (let round = 0; round < entries.length; round++) {
      const rotated = Object.fromEntries([...entries.slice(round), ...entries.slice(0, round)]);
      const measured = await measureOps(rotated, { quick, time: quick ? 80 : 400 });
      for (const [name, value] of Object.entries(measured)) ops[name] = Math.max(ops[name] ?? 0, value);
    }
    for (const peer of peers) {
      if (!(peer.name in ops)) continue;
      rows.push({
        suite: 'cache',
        case: `${backend} ${label}`,
        unit: 'ops/s',
        higherIsBetter: true,
        ours: { name: mine.name, value: ops[mine.name] ?? Number.NaN },
        peer: { name: peer.name, value: ops[peer.name] ?? Number.NaN },
        ...(backend === 'memory' && label === 'get (hit)' && peer.name === 'keyv' ? { note: 'goal: within 1.2x' } : {}),
        ...(backend === 'redis' && label === 'get (hit)' && peer.name.startsWith('node-redis')
          ? { note: 'GET + JSON.parse; goal: within 1.05x' }
          : {}),
      });
    }
  }
  return rows;
}

/** 1,000 concurrent getOrSet misses on one key: how many times the factory ran. */
async function stampede(c: Contender, key: string): Promise<number> {
  let calls = 0;
  const factory = async () => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return VALUE;
  };
  await Promise.all(Array.from({ length: 1000 }, () => c.getOrSet?.(key, factory)));
  return calls;
}

async function stampedeRows(backend: string, mine: Contender, peers: Contender[]): Promise<BenchRow[]> {
  const key = `stampede-${Date.now()}`;
  const mineCalls = await stampede(mine, key);
  const rows: BenchRow[] = [];
  for (const peer of peers) {
    if (!peer.getOrSet) continue;
    rows.push({
      suite: 'cache',
      case: `${backend} stampede: 1,000 concurrent misses`,
      unit: 'factory calls',
      higherIsBetter: false,
      ours: { name: mine.name, value: mineCalls },
      peer: { name: peer.name, value: await stampede(peer, key) },
      note: 'goal: exactly 1',
    });
  }
  return rows;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const memory = [ours(undefined), rawKeyv(undefined), cacheManager(undefined), bentocache(undefined)] as const;
  try {
    const [mine, ...peers] = memory;
    rows.push(...(await throughput('memory', mine, peers, quick)));
    rows.push(...(await stampedeRows('memory', mine, peers)));
  } finally {
    await Promise.all(memory.map((c) => c.close()));
  }

  rows.push(...(await pageRows(quick)));

  const redis = await startRedis();
  const connection = { host: '127.0.0.1', port: redis.port };
  const onRedis = [
    ours(redis.url),
    rawRedis(redis.url),
    rawKeyv(redis.url),
    cacheManager(redis.url),
    bentocache(connection),
  ] as const;
  const twoTier = [ours(redis.url, true), bentocache(connection, true)] as const;
  try {
    await onRedis[0].cache.connect();
    await twoTier[0].cache.connect();
    const [mine, ...peers] = onRedis;
    rows.push(...(await throughput('redis', mine, peers, quick)));
    rows.push(...(await redisGetRows(redis.url, quick)));
    rows.push(...(await stampedeRows('redis', mine, peers)));
    rows.push(...(await throughput('two-tier', twoTier[0], [twoTier[1]], quick)));
  } finally {
    await Promise.all([...onRedis, ...twoTier].map((c) => c.close()));
    await redis.stop();
  }
  return rows;
}
