import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { type Cache, createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
/** Pub/sub is asynchronous: generous bounds for a loaded CI machine. */
const PATIENT = { timeout: 10_000, interval: 20 };

describe.runIf(redisUrl)('two-tier: memory L1 in front of Redis', () => {
  const caches: Cache[] = [];
  const make = (l1 = true) => {
    const cache = createCache({
      url: `${redisUrl}/2`,
      keyPrefix: `tier${process.pid}`,
      l1,
      logger: quietLogger,
      timeout: 5000,
    });
    caches.push(cache);
    return cache;
  };
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
  });

  it('reports its backend and serves reads from L1', async () => {
    const a = make();
    await a.connect();
    expect(a.backendInfo).toEqual({ name: '@adv/cache:redis+l1', sharedAcrossProcesses: true });
    await a.set('k', { v: 1 });
    const plain = make(false);
    await plain.set('k', { v: 2 }); // written behind L1's back (no l1: publishes nothing)
    expect(await a.get('k')).toEqual({ v: 1 });
  });

  it('drops L1 copies in other instances on set, delete, incr, clear and invalidateTags', async () => {
    const a = make();
    const b = make();
    await Promise.all([a.connect(), b.connect()]);
    await a.set('x', 'a1', { tags: ['t'] });
    expect(await b.get('x')).toBe('a1'); // now in b's L1
    await a.set('x', 'a2', { tags: ['t'] });
    await vi.waitFor(async () => expect(await b.get('x')).toBe('a2'), PATIENT);
    await a.invalidateTags(['t']);
    await vi.waitFor(async () => expect(await b.get('x')).toBeUndefined(), PATIENT);
    await a.set('y', 1);
    expect(await b.get('y')).toBe(1);
    await a.incr('y');
    await vi.waitFor(async () => expect(await b.get('y')).toBe(2), PATIENT);
    await a.delete('y');
    await vi.waitFor(async () => expect(await b.get('y')).toBeUndefined(), PATIENT);
    await a.set('z', 1);
    expect(await b.get('z')).toBe(1);
    await a.clear();
    await vi.waitFor(async () => expect(await b.get('z')).toBeUndefined(), PATIENT);
  });

  it('rejects l1 without Redis', () => {
    expect(() => createCache({ l1: true })).toThrow(/Expected `l1` to be used with a `redis:\/\/` url/);
  });
});
