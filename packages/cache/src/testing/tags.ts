/** Contract: tags, and (shared stores) what one instance sees of another's writes and clears. */
import assert from 'node:assert/strict';
import type { ResolvedContractOptions } from './options.js';
import { type ContractTest, eventually, uniquePrefix } from './runner.js';

/** A promise with its resolve function, to hold a factory at a known point. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Tags within one instance. */
function localTagTests(test: (name: string, body: ContractTest) => void): void {
  test('tags: invalidateTags drops tagged entries only', async (make) => {
    const cache = make();
    await cache.set('a', 1, { tags: ['users'] });
    await cache.set('b', 2, { tags: ['users', 'posts'] });
    await cache.set('c', 3, { tags: ['posts'] });
    await cache.set('d', 4);
    await cache.invalidateTags(['users', 'never-used']);
    assert.equal(await cache.get('a'), undefined);
    assert.equal(await cache.get('b'), undefined);
    assert.equal(await cache.get('c'), 3);
    assert.equal(await cache.get('d'), 4);
    assert.deepEqual([...(await cache.getMany(['a', 'b', 'c', 'd'])).keys()], ['c', 'd']);
    await cache.set('a', 'again', { tags: ['users'] });
    assert.equal(await cache.get('a'), 'again');
  });

  test('tags: an invalidation that lands while getOrSet computes leaves the result invalid', async (make) => {
    const cache = make();
    const database = gate();
    const running = gate();
    const pending = cache.getOrSet(
      'price',
      async () => {
        running.open();
        await database.promise; // the database is read here, before the update below
        return 'old price';
      },
      { ttl: 60, tags: ['product'] },
    );
    await running.promise;
    await cache.invalidateTags(['product']); // the update commits while the factory runs
    database.open();
    assert.equal(await pending, 'old price'); // this caller asked before the update
    assert.equal(await cache.get('price'), undefined);
    assert.equal(await cache.getOrSet('price', () => 'new price', { ttl: 60, tags: ['product'] }), 'new price');
    assert.equal(await cache.get('price'), 'new price');
  });
}

/** Shared stores: what one instance sees of another's writes, clears and lost tag versions. */
function sharedTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  test('tags and writes are seen by another instance on the same backend', async (make) => {
    const prefix = uniquePrefix('shared');
    const one = make({}, prefix);
    const two = make({}, prefix);
    await Promise.all([one.connect(), two.connect()]);
    await one.set('page', 'html', { tags: ['menu'] });
    assert.equal(await two.get('page'), 'html');
    await two.set('post', 'v1');
    assert.equal(await one.get('post'), 'v1');
    await two.invalidateTags(['menu']);
    await two.set('post', 'v2');
    // Immediate on a shared backend; eventual (pub/sub) for two-tier L1 copies.
    await eventually(async () => {
      assert.equal(await one.get('page'), undefined);
      assert.equal(await one.get('post'), 'v2');
    });
    await two.incr('n', 2);
    assert.equal(await one.incr('n', 3), 5);
  });

  test('clear in one instance clears what every instance of the prefix wrote', async (make) => {
    const prefix = uniquePrefix('clear');
    const one = make({}, prefix);
    const two = make({}, prefix);
    await two.set('a', 1);
    await two.set('t', 'tagged', { tags: ['menu'] });
    await two.incr('n', 5);
    assert.equal(await one.get('a'), 1); // both instances have used the backend
    await one.clear();
    // Immediate on a shared backend; eventual (pub/sub) for two-tier L1 copies.
    await eventually(async () => {
      assert.equal(await two.get('a'), undefined);
      assert.equal(await two.get('t'), undefined);
      assert.equal(await two.has('a'), false);
    });
    assert.equal(await two.incr('n'), 1);
    assert.equal(await one.get('n'), 1);
    // Writes after the clear, from either instance, land where both read.
    await one.set('b', 'from one');
    await eventually(async () => assert.equal(await two.get('b'), 'from one'));
    await two.set('b', 'from two');
    await eventually(async () => assert.equal(await one.get('b'), 'from two'));
    assert.equal(await two.delete('b'), true);
    await eventually(async () => assert.equal(await one.get('b'), undefined));
  });

  test('tags: an entry whose tag version the backend lost (eviction) is never served again', async (make) => {
    const prefix = uniquePrefix('lost');
    const cache = make({}, prefix);
    const writer = make({}, prefix); // writes here, so `cache` holds no two-tier L1 copy
    await writer.set('a', 1, { tags: ['t'] });
    await writer.invalidateTags(['t']);
    await writer.set('b', 2, { tags: ['t'] });
    assert.equal(await writer.get('b'), 2);
    // Delete the raw tag key, as an evicting backend (maxmemory, memcached LRU) would.
    await options.evict?.(prefix, `${prefix}:tag:t`);
    assert.equal(await cache.get('b'), undefined);
    await cache.invalidateTags(['t']);
    assert.equal(await cache.get('a'), undefined);
    assert.equal(await cache.get('b'), undefined);
    await cache.set('c', 3, { tags: ['t'] });
    assert.equal(await cache.get('c'), 3);
  });
}

export function tagTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  localTagTests(test);
  // Registered only for shared stores: two memory caches never share data.
  if (options.shared) sharedTests(test, options);
}
