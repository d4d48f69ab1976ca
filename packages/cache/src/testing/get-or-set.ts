/** Contract: getOrSet (one factory per key, errors, grace) and the typed errors of bad input. */
import assert from 'node:assert/strict';
import { type ContractTest, sleep } from './runner.js';

/** One factory per stampede; factory errors. */
function stampedeTests(test: (name: string, body: ContractTest) => void): void {
  test('getOrSet runs one factory for concurrent misses and caches its result', async (make) => {
    const cache = make();
    let calls = 0;
    const factory = async () => {
      calls++;
      await sleep(30);
      return { n: calls };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet('k', factory, { ttl: 60 })));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.n === 1));
    assert.deepEqual(await cache.getOrSet('k', factory), { n: 1 });
    assert.equal(calls, 1);
  });

  test('getOrSet passes a factory error to every waiter and does not cache it', async (make) => {
    const cache = make();
    let calls = 0;
    const failing = async () => {
      calls++;
      await sleep(10);
      throw new Error('db down');
    };
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getOrSet('k', failing)));
    assert.equal(calls, 1);
    assert.ok(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'db down'));
    const syncThrow = () => {
      throw new Error('sync');
    };
    await assert.rejects(cache.getOrSet('k', syncThrow), /sync/);
    assert.equal(await cache.getOrSet('k', () => 'ok'), 'ok');
    assert.equal(await cache.getOrSet('u', () => undefined), undefined);
    assert.equal(await cache.has('u'), false);
  });
}

/** Stale-while-revalidate within grace, and bad input. */
function graceTests(test: (name: string, body: ContractTest) => void): void {
  test('grace: serves the stale value while one refresh runs, and keeps it when the refresh fails', async (make) => {
    const cache = make();
    assert.equal(await cache.getOrSet('k', () => 'v1', { ttl: 0.2, grace: 30 }), 'v1');
    await sleep(400);
    assert.equal(await cache.get('k'), undefined); // plain get never serves stale
    let refreshes = 0;
    const failing = async () => {
      refreshes++;
      throw new Error('still down');
    };
    assert.equal(await cache.getOrSet('k', failing, { ttl: 0.2, grace: 30 }), 'v1');
    await sleep(50);
    assert.equal(refreshes, 1);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = async () => {
      refreshes++;
      await held;
      return 'v2';
    };
    const stale = await Promise.all([1, 2, 3].map(() => cache.getOrSet('k', slow, { ttl: 60, grace: 30 })));
    assert.deepEqual(stale, ['v1', 'v1', 'v1']);
    release();
    for (let i = 0; i < 500 && (await cache.get('k')) !== 'v2'; i++) await sleep(20);
    assert.equal(await cache.get('k'), 'v2');
    assert.equal(refreshes, 2);
  });

  test('rejects bad input with typed errors', async (make) => {
    const cache = make();
    const code = (expected: string) => ({ code: expected });
    await assert.rejects(cache.set('k', 1n), code('ERR_NOT_SERIALIZABLE'));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await assert.rejects(cache.set('k', circular), code('ERR_NOT_SERIALIZABLE'));
    // By name, not instanceof: the store's copy of @adv/cache may not be this one.
    await assert.rejects(
      cache.set('k', () => 1),
      { name: 'CacheError' },
    );
    await assert.rejects(cache.set('k', undefined), code('ERR_NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', Number.NaN), code('ERR_NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', Number.POSITIVE_INFINITY), code('ERR_NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', 1, { ttl: -1 }), {
      message: 'Expected `ttl` to be a non-negative number of seconds, got `-1` (number)',
    });
    await assert.rejects(cache.set('k', 1, { ttl: Number.NaN }), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.get(''), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.get(42 as unknown as string), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.incr('k', 1.5), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.set('k', 1, { tags: [''] }), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.getOrSet('k', 'nope' as never), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(
      cache.getOrSet('k', () => 1, null as never),
      code('ERR_INVALID_ARGUMENT'),
    );
    await assert.rejects(cache.set('k', 1, 'ttl' as never), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.setMany(null as never), code('ERR_INVALID_ARGUMENT'));
    await assert.rejects(cache.setMany(5 as never), /Expected `entries` to be an object or \[key, value\] pairs/);
    assert.equal(await cache.get('k'), undefined);
  });
}

export function getOrSetTests(test: (name: string, body: ContractTest) => void): void {
  stampedeTests(test);
  graceTests(test);
}
