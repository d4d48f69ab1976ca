/**
 * The page-cache hit path of session 19 (#18's profile): the memory store's stamp, the tag
 * check skipped while the stamp stands, the key built last reused, the synchronous read of
 * `cachePage`, the keys and parts it remembers, and a hit's body handed to `Response` as text.
 * A fast path is still a path: each test fails when the fast path answers what the slow one
 * would not.
 */
import { compose } from '@adv/types';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readCacheNow } from '../src/cache.js';
import { cachePage, createCache } from '../src/index.js';
import { LruStore } from '../src/lru-store.js';
import { NOT_NOW } from '../src/read-now.js';
import { quietLogger } from './helpers.js';

describe('LruStore stamp', () => {
  it('moves on every change and stands on a read of the newest key', () => {
    const store = new LruStore(2);
    const moves = (change: () => unknown): boolean => {
      const before = store.stamp;
      change();
      return store.stamp !== before;
    };
    expect(moves(() => store.set('a', '1'))).toBe(true);
    expect(moves(() => store.get('a'))).toBe(false); // already the newest
    expect(moves(() => store.get('missing'))).toBe(false);
    expect(moves(() => store.set('b', '2'))).toBe(true);
    expect(moves(() => store.get('a'))).toBe(true); // moved to the newest end
    expect(moves(() => store.set('c', '3'))).toBe(true); // evicts b
    expect(store.has('b')).toBe(false);
    expect(moves(() => store.delete('c'))).toBe(true);
    expect(moves(() => store.clearPrefix('x'))).toBe(true);
    expect(moves(() => store.pruneExpired())).toBe(true);
    expect(moves(() => store.clear())).toBe(true);
    // An entry past its ttl dropped by a read moves it too.
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    store.set('t', 'v', 1000);
    const before = store.stamp;
    vi.setSystemTime(1_000_000 + 1001);
    expect(store.get('t')).toBeUndefined();
    expect(store.stamp).not.toBe(before);
  });
});

describe('tag check skipped while nothing changed', () => {
  it('still sees an invalidation after hits that skipped the check', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('page', 'v1', { tags: ['list'] });
    for (let i = 0; i < 3; i++) expect(await cache.get('page')).toBe('v1');
    await cache.invalidateTags(['list']);
    expect(await cache.get('page')).toBeUndefined();
  });

  it('still sees a tag version lost to eviction, to clear() and to a write of another key in between', async () => {
    const cache = createCache({ logger: quietLogger, maxEntries: 3 });
    await cache.set('a', 1, { tags: ['t'] });
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('a')).toBe(1);
    // Two more keys: the tag version (older than `a`, which the hits moved) is evicted.
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(await cache.get('a')).toBeUndefined();

    await cache.set('d', 4, { tags: ['u'] });
    expect(await cache.get('d')).toBe(4);
    await cache.clear();
    expect(await cache.get('d')).toBeUndefined();

    await cache.set('e', 5, { tags: ['v'] });
    expect(await cache.get('e')).toBe(5);
    await cache.set('other', 0);
    expect(await cache.get('e')).toBe(5);
    await cache.invalidateTags(['v']);
    expect(await cache.get('e')).toBeUndefined();
  });

  it('counts the store tier the same with and without the skip', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('k', 1, { tags: ['t'] });
    for (let i = 0; i < 4; i++) await cache.get('k');
    expect(cache.stats().tiers).toMatchObject({ l2: { hits: 4, misses: 0 } });
  });
});

describe('the key built last', () => {
  it('is reused only for the same key at the default version', async () => {
    const cache = createCache({ logger: quietLogger, keyPrefix: 'p' });
    expect(cache.makeKey('a')).toBe('p:1:a');
    expect(cache.makeKey('a')).toBe('p:1:a');
    expect(cache.makeKey('a', 2)).toBe('p:2:a');
    expect(cache.makeKey('b')).toBe('p:1:b');
    expect(cache.makeKey('a b')).toMatch(/^p:1:#[0-9a-f]{64}$/); // hashed: memcached refuses spaces
    expect(cache.makeKey('a b')).toBe(cache.makeKey('a b'));
    await cache.set('a', 'one');
    await cache.set('a', 'two', { version: 2 });
    expect(await cache.get('a')).toBe('one');
    expect(await cache.get('a', { version: 2 })).toBe('two');
    expect(await cache.get('a')).toBe('one');
  });
});

describe('synchronous read (readCacheNow)', () => {
  it('answers what get answers, with the same counts', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('k', { a: 1 }, { tags: ['t'] });
    expect(readCacheNow(cache, 'k')).toEqual({ a: 1 });
    expect(readCacheNow(cache, 'absent')).toBeUndefined();
    await cache.invalidateTags(['t']);
    expect(readCacheNow(cache, 'k')).toBeUndefined();
    expect(cache.stats().operations.get).toMatchObject({ calls: 3, hits: 1, misses: 2 });
  });

  it('declines (NOT_NOW) on a closed cache, which get still rejects', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.close();
    expect(readCacheNow(cache, 'k')).toBe(NOT_NOW);
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('lets cachePage render on a closed cache, as the promise path did', async () => {
    const cache = createCache({ logger: quietLogger });
    let renders = 0;
    const app = compose(cachePage({ cache, ttl: 60 }))(() => {
      renders++;
      return new Response('x', { headers: { 'content-type': 'text/plain' } });
    });
    await (await app(new Request('http://x/'))).text();
    await cache.close();
    const response = await app(new Request('http://x/'));
    expect(await response.text()).toBe('x');
    expect(renders).toBe(2);
  });
});

/** A page stored through `cachePage`, then read back: its stored and hit responses. */
async function storedAndHit(body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string>) {
  const cache = createCache({ logger: quietLogger });
  const app = compose(cachePage({ cache, ttl: 60 }))(() => new Response(body, { headers }));
  const first = await app(new Request('http://x/'));
  const stored = new Uint8Array(await first.arrayBuffer());
  for (let i = 0; i < 100; i++) {
    const hit = await app(new Request('http://x/'));
    if (hit.headers.has('age')) return { stored, hit };
    await hit.arrayBuffer();
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the page was never stored');
}

describe("a hit's body", () => {
  it('gives the same bytes for UTF-8 text with a byte-order mark and characters beyond ASCII', async () => {
    const text = '\uFEFF<p>ação 日本 😀</p>';
    const { stored, hit } = await storedAndHit(Buffer.from(text), { 'content-type': 'text/html; charset=utf-8' });
    expect([...new Uint8Array(await hit.arrayBuffer())]).toEqual([...stored]);
    expect(Buffer.from(stored).toString()).toBe(text);
  });

  it('gives the same bytes for a body that is not UTF-8', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x41]);
    const { stored, hit } = await storedAndHit(bytes, { 'content-type': 'application/octet-stream' });
    expect([...stored]).toEqual([...bytes]);
    expect([...new Uint8Array(await hit.arrayBuffer())]).toEqual([...bytes]);
  });

  it('adds no Content-Type to a page stored without one', async () => {
    const { hit } = await storedAndHit(new TextEncoder().encode('plain'), {});
    expect(hit.headers.get('content-type')).toBeNull();
    expect(await hit.text()).toBe('plain');
  });

  it('is readable as a stream by a middleware downstream', async () => {
    const { hit } = await storedAndHit('<p>streamed</p>', { 'content-type': 'text/html' });
    const reader = (hit.body as ReadableStream<Uint8Array>).getReader();
    const chunks: number[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(...next.value);
    expect(Buffer.from(chunks).toString()).toBe('<p>streamed</p>');
  });
});

describe('keys and parts remembered by cachePage', () => {
  it('keeps key parts, URLs and methods apart', async () => {
    const cache = createCache({ logger: quietLogger });
    let parts: string[] = ['a,b'];
    let renders = 0;
    const app = compose(cachePage({ cache, ttl: 60, keyParts: () => parts }))((request) => {
      renders++;
      return new Response(`${request.method} ${new URL(request.url).pathname} ${JSON.stringify(parts)}`, {
        headers: { 'content-type': 'text/plain' },
      });
    });
    const ask = async (url: string, method = 'GET') => {
      // Twice: the second is a hit (stored in the background), answered from the remembered keys.
      await (await app(new Request(url, { method }))).text();
      await new Promise((resolve) => setImmediate(resolve));
      return (await app(new Request(url, { method }))).text();
    };
    expect(await ask('http://x/one')).toBe('GET /one ["a,b"]');
    parts = ['a', 'b'];
    expect(await ask('http://x/one')).toBe('GET /one ["a","b"]');
    parts = ['a,b'];
    expect(await ask('http://x/one')).toBe('GET /one ["a,b"]');
    expect(await ask('http://x/two')).toBe('GET /two ["a,b"]');
    expect(await ask('http://x/one')).toBe('GET /one ["a,b"]');
    expect(renders).toBe(3);
  });
});
