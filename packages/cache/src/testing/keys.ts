/** Contract: counters, versions, key prefixes, key functions and keys memcached would reject. */
import assert from 'node:assert/strict';
import type { ResolvedContractOptions } from './options.js';
import { type ContractTest, sleep, uniquePrefix } from './runner.js';

/** incr and decr. */
function counterTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  test('incr and decr: missing counts as 0, set integers count, atomic under concurrency', async (make) => {
    const cache = make();
    assert.equal(await cache.incr('n'), 1);
    assert.equal(await cache.incr('n', 10), 11);
    assert.equal(await cache.decr('n', 3), 8);
    await cache.set('m', 5, { ttl: 60 });
    assert.equal(await cache.incr('m'), 6);
    assert.equal(await cache.get('m'), 6);
    await Promise.all(Array.from({ length: 50 }, () => cache.incr('race')));
    assert.equal(await cache.get('race'), 50);
    if (options.negativeCounters) assert.equal(await cache.decr('neg', 2), -2);
  });

  test('incr with ttl creates an expiring counter', async (make) => {
    const cache = make();
    const startedAt = Date.now();
    assert.equal(await cache.incr('hits', 1, { ttl: 0.2 }), 1);
    const second = await cache.incr('hits'); // an existing counter keeps its expiry
    // Within the 0.2 s the counter is still there. On a machine so busy that the ttl ran out
    // between the two calls, the second call starts a new counter (1, with no ttl): right too.
    if (Date.now() - startedAt < 200) assert.equal(second, 2);
    else assert.ok(second === 1 || second === 2, `expected 1 or 2, got ${second}`);
    await sleep(2600); // memcached counts whole seconds: a counter lasts at least its ttl, at most a second more
    // The counter that kept its ttl is gone; a new one made without a ttl stays.
    assert.equal(await cache.get('hits'), second === 2 ? undefined : 1);
  });

  test('incr of a non-integer throws ERR_NOT_INTEGER', async (make) => {
    const cache = make();
    await cache.set('s', 'text');
    await assert.rejects(cache.incr('s'), { code: 'ERR_NOT_INTEGER' });
  });
}

/** Versions and incrVersion. */
function versionTests(test: (name: string, body: ContractTest) => void): void {
  test('versions: keys are per version; incrVersion moves a value', async (make) => {
    const cache = make();
    await cache.set('k', 'v1');
    await cache.set('k', 'v2', { version: 2 });
    assert.equal(await cache.get('k'), 'v1');
    assert.equal(await cache.get('k', { version: 2 }), 'v2');
    assert.equal(await cache.incrVersion('k'), 2);
    assert.equal(await cache.get('k'), undefined);
    assert.equal(await cache.get('k', { version: 2 }), 'v1');
    assert.equal(await cache.decrVersion('k', 1, { version: 2 }), 1);
    assert.equal(await cache.get('k'), 'v1');
    await assert.rejects(cache.incrVersion('missing'), { code: 'ERR_NOT_FOUND' });
    // The moved entry keeps its ttl and its tags.
    await cache.set('brief', 'b', { ttl: 60, tags: ['moved'] });
    await cache.set('tagged', 't', { tags: ['moved'] });
    assert.equal(await cache.incrVersion('brief'), 2);
    assert.equal(await cache.incrVersion('tagged'), 2);
    assert.equal(await cache.get('brief', { version: 2 }), 'b');
    await cache.invalidateTags(['moved']);
    assert.equal(await cache.get('tagged', { version: 2 }), undefined);
    const setAt = Date.now();
    await cache.set('brief', 'b', { ttl: 1.5, version: 5 });
    const moved = await cache.incrVersion('brief', 1, { version: 5 }).catch((error: unknown) => error);
    const read = await cache.get('brief', { version: 6 });
    // Within its 1.5 s the entry moves with its value. On a machine so busy that it expired
    // between the calls, ERR_NOT_FOUND and a miss are right too.
    if (Date.now() - setAt < 1500) {
      assert.equal(moved, 6);
      assert.equal(read, 'b');
    } else {
      assert.ok(moved === 6 || (moved as { code?: unknown })?.code === 'ERR_NOT_FOUND', `incrVersion gave ${moved}`);
      assert.ok(read === 'b' || read === undefined, `read ${read}`);
    }
    await sleep(2600); // past the 1.5 s it kept (memcached expires to the second)
    assert.equal(await cache.get('brief', { version: 6 }), undefined);
    const v3 = make({ version: 3 });
    await v3.set('x', 1);
    assert.ok(v3.makeKey('x').includes(':3:'), `expected a version-3 key, got ${v3.makeKey('x')}`);
  });
}

/** Key prefixes, key functions, and keys memcached would reject. */
function keyBuildingTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  test('keyPrefix isolates caches; keyFunction builds keys', async (make) => {
    const one = make();
    const two = make();
    await one.set('k', 1);
    assert.equal(await two.get('k'), undefined);
    const custom = make({ keyFunction: (key, prefix, version) => `${prefix}|${version}|${key.toUpperCase()}` });
    await custom.set('abc', 1);
    assert.match(custom.makeKey('abc'), /\|1\|ABC$/);
    assert.equal(await custom.get('ABC'), 1);
  });

  test('clear removes what a custom keyFunction wrote; other prefixes keep theirs', async (make) => {
    // Keys that do not start with `keyPrefix:version:`.
    const keyFunction = (key: string, prefix: string, version: number) => `${prefix}/${version}/${key.toLowerCase()}`;
    const prefix = uniquePrefix('kf');
    const cache = make({ keyFunction }, prefix);
    const other = make({ keyFunction });
    const keys = ['User:42', 'with space', 'x'.repeat(300)];
    assert.equal(cache.makeKey('User:42'), `${prefix}:~${prefix}/1/user:42`);
    for (const c of [cache, other]) {
      for (const [index, key] of keys.entries()) await c.set(key, index);
      await c.set('tagged', 't', { tags: ['menu'] });
      await c.set('old', 'v', { version: 7 });
      await c.incr('n', 5);
    }
    assert.equal(await cache.get('user:42'), 0); // the key function lowercases
    await cache.clear();
    for (const key of [...keys, 'tagged', 'n']) assert.equal(await cache.get(key), undefined);
    assert.equal(await cache.get('old', { version: 7 }), undefined);
    assert.equal(await cache.incr('n'), 1);
    if (options.scopedClear) {
      for (const [index, key] of keys.entries()) assert.equal(await other.get(key), index);
      assert.equal(await other.get('tagged'), 't');
      assert.equal(await other.get('old', { version: 7 }), 'v');
      assert.equal(await other.incr('n'), 6);
    }
  });

  test('keys memcached would reject are hashed, distinct and round-trip', async (make) => {
    const cache = make();
    const keys = ['with space', 'tab\there', 'x'.repeat(300), 'y'.repeat(300), 'ünïcödé'.repeat(40), 'new\nline'];
    for (const [index, key] of keys.entries()) await cache.set(key, index);
    for (const [index, key] of keys.entries()) {
      assert.equal(await cache.get(key), index);
      const stored = cache.makeKey(key);
      assert.ok(Buffer.byteLength(stored) <= 250, `stored key over 250 bytes: ${stored}`);
      assert.ok(![...stored].some((char) => char.charCodeAt(0) <= 0x20 || char.charCodeAt(0) === 0x7f));
    }
  });
}

export function keyTests(test: (name: string, body: ContractTest) => void, options: ResolvedContractOptions): void {
  counterTests(test, options);
  versionTests(test);
  keyBuildingTests(test, options);
}
