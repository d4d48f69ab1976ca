/** Contract: values, expiry, add/delete/has/touch, the many-key calls and clear. */
import assert from 'node:assert/strict';
import type { CacheLike, DescribesBackend, TagInvalidator } from '@adv/types';
import type { ResolvedContractOptions } from './options.js';
import { type ContractTest, sleep } from './runner.js';

/** Values, copies and expiry. */
function valueTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  test('satisfies the @adv/types contracts and describes its backend', async (make) => {
    const cache = make();
    const asContracts: CacheLike & TagInvalidator & DescribesBackend = cache;
    assert.match(asContracts.backendInfo.name, /^@adv\/cache:/);
    assert.equal(cache.backendInfo.sharedAcrossProcesses, options.shared);
    assert.equal(await cache.readinessCheck().check(new AbortController().signal), undefined);
  });

  test('misses, then round-trips every JSON value', async (make) => {
    const cache = make();
    assert.equal(await cache.get('nope'), undefined);
    const values: unknown[] = [{ a: 1, b: [1, 'two', null] }, [], 'text ü 😀', '', 0, -12.5, 42, true, false, null];
    for (const [index, value] of values.entries()) {
      assert.equal(await cache.set(`k${index}`, value), true);
      assert.deepEqual(await cache.get(`k${index}`), value);
    }
  });

  test('stores a copy: mutating the value after set or get changes nothing', async (make) => {
    const cache = make();
    const value = { list: [1] };
    await cache.set('obj', value);
    value.list.push(2);
    const read = await cache.get<{ list: number[] }>('obj');
    assert.deepEqual(read, { list: [1] });
    read?.list.push(3);
    assert.deepEqual(await cache.get('obj'), { list: [1] });
  });

  test('expires after ttl seconds; 0 and defaultTtl 0 keep forever', async (make) => {
    const cache = make();
    const setAt = Date.now();
    await cache.set('short', 'x', { ttl: 0.6 });
    await cache.set('forever', 'y', { ttl: 0 });
    await cache.set('default', 'z');
    const short = await cache.get('short');
    // On a machine so busy that the ttl passed already, the value may be gone: both are right.
    if (Date.now() - setAt < 500) assert.equal(short, 'x');
    await sleep(900);
    assert.equal(await cache.get('short'), undefined);
    assert.equal(await cache.has('short'), false);
    assert.equal(await cache.get('forever'), 'y');
    assert.equal(await cache.get('default'), 'z');
  });

  test('accepts ttls that are not whole milliseconds (rounded up), and very long ones', async (make) => {
    const cache = make();
    assert.equal(await cache.set('frac', 'x', { ttl: 30.0005 }), true);
    assert.equal(await cache.get('frac'), 'x');
    assert.equal(await cache.setMany({ m1: 1, m2: 'two' }, { ttl: 30.0005 }), true);
    assert.equal((await cache.getMany(['m1', 'm2'])).size, 2);
    assert.equal(await cache.touch('frac', 40.0005), true);
    assert.equal(await cache.get('frac'), 'x');
    assert.equal(await cache.add('fracAdd', 'y', { ttl: 30.0005 }), true);
    assert.equal(await cache.incr('fracIncr', 1, { ttl: 30.0005 }), 1);
    assert.equal(await cache.getOrSet('fracGos', () => 'z', { ttl: 30.0005, grace: 0.0005 }), 'z');
    assert.equal(await cache.get('fracGos'), 'z');
    assert.equal(await cache.set('century', 'c', { ttl: 100 * 365 * 86_400 }), true); // past 2106 on memcached
    assert.equal(await cache.get('century'), 'c');
  });

  test('applies defaultTtl to writes without ttl', async (make) => {
    const cache = make({ defaultTtl: 0.2 });
    await cache.set('k', 'v');
    await sleep(450);
    assert.equal(await cache.get('k'), undefined);
  });
}

/** add, delete, has, touch, and the many-key calls. */
function singleKeyTests(test: (name: string, body: ContractTest) => void): void {
  test('add stores only when absent', async (make) => {
    const cache = make();
    assert.equal(await cache.add('k', 1), true);
    assert.equal(await cache.add('k', 2), false);
    assert.equal(await cache.get('k'), 1);
    await cache.set('gone', 'one', { ttl: 0.2 }); // a string: memcached integers expire to the second
    await sleep(450);
    assert.equal(await cache.add('gone', 'two'), true);
    assert.equal(await cache.get('gone'), 'two');
  });

  test('delete and has', async (make) => {
    const cache = make();
    await cache.set('k', 'v');
    assert.equal(await cache.has('k'), true);
    assert.equal(await cache.delete('k'), true);
    assert.equal(await cache.has('k'), false);
    assert.equal(await cache.delete('k'), false);
  });

  test('touch gives a new ttl; false when missing', async (make) => {
    const cache = make();
    let touched = false;
    for (let attempt = 0; attempt < 5 && !touched; attempt++) {
      const setAt = Date.now();
      await cache.set('k', 'v', { ttl: 1 });
      touched = await cache.touch('k', 10);
      // Within its 1 s the value is there to touch. On a machine so busy that the second passed
      // between the two calls, touch finds nothing (false is right then): try again.
      if (Date.now() - setAt < 1000) assert.equal(touched, true);
    }
    assert.equal(touched, true);
    await sleep(1200);
    assert.equal(await cache.get('k'), 'v');
    assert.equal(await cache.touch('k', 0.2), true);
    await sleep(450);
    assert.equal(await cache.get('k'), undefined);
    assert.equal(await cache.touch('missing', 10), false);
  });

  test('getMany, setMany (object or pairs) and deleteMany', async (make) => {
    const cache = make();
    assert.equal(await cache.setMany({ a: 1, b: { x: 2 } }), true);
    assert.equal(await cache.setMany([['c', 'three']], { ttl: 60 }), true);
    const many = await cache.getMany(['a', 'b', 'c', 'missing']);
    assert.deepEqual(
      [...many.entries()],
      [
        ['a', 1],
        ['b', { x: 2 }],
        ['c', 'three'],
      ],
    );
    assert.equal(typeof (await cache.deleteMany(['a', 'c'])), 'boolean');
    assert.deepEqual([...(await cache.getMany(['a', 'b', 'c'])).keys()], ['b']);
    assert.equal((await cache.getMany([])).size, 0);
  });
}

/** clear, and (scoped stores) what it leaves to other prefixes. */
function clearTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  test('clear removes every kind of entry of this cache; writes after it are readable', async (make) => {
    const cache = make();
    const other = make();
    for (const c of [cache, other]) {
      await c.set('a', 1);
      await c.set('s', 'text', { ttl: 60, grace: 30 });
      await c.set('t', 'tagged', { tags: ['menu'] });
      await c.set('old', 'v', { version: 7 });
      await c.incr('n', 5);
    }
    await cache.clear();
    assert.equal(await cache.get('a'), undefined);
    assert.equal(await cache.get('s'), undefined);
    assert.equal(await cache.get('t'), undefined);
    assert.equal(await cache.get('old', { version: 7 }), undefined);
    assert.equal((await cache.getMany(['a', 's', 't', 'n'])).size, 0);
    assert.equal(await cache.add('a', 'again'), true);
    // A counter from before the clear is gone: counting starts again from 0.
    assert.equal(await cache.incr('n'), 1);
    assert.equal(await cache.get('a'), 'again');
    await cache.set('t', 'tagged again', { tags: ['menu'] });
    assert.equal(await cache.get('t'), 'tagged again');
    await cache.invalidateTags(['menu']);
    assert.equal(await cache.get('t'), undefined);
    if (options.scopedClear) {
      assert.equal(await other.get('a'), 1);
      assert.equal(await other.get('s'), 'text');
      assert.equal(await other.get('t'), 'tagged');
      assert.equal(await other.get('old', { version: 7 }), 'v');
      assert.equal(await other.incr('n'), 6);
    }
  });
}

export function basicTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  valueTests(test, options);
  singleKeyTests(test);
  clearTests(test, options);
}
