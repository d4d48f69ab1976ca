/**
 * How cachePage finds a page (#18): one cache read per hit. The URL's entry (method, key parts,
 * URL) holds the Vary names the URL's pages were stored under last and the variant stored last;
 * a request for that variant is answered from the one read, another variant costs a second read
 * of its own key (Django reads its header list, then the page, every time). The names are read
 * with every hit, never remembered by a process: when another process stores the URL under other
 * Vary names, a page stored under the old names is no longer served. Entries in the format of
 * earlier versions are misses. Memory, Redis and memcached run for real; a second middleware
 * over the same cache (or a second client of the same server) plays the other process.
 */
import { type CacheLike, compose } from '@adv/types';
import { describe, expect, inject, it, vi } from 'vitest';
import { headKey, VaryDigests, variantKey, variantOf, varyNames } from '../src/http/page-keys.js';
import { PAGE_FORMAT } from '../src/http/stored-page.js';
import { type Cache, type CachePageOptions, cachePage, createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');

/** A real cache whose reads are recorded (the keys, in order): what a hit costs in calls. */
function recorded(cache: Cache): { cache: CacheLike; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    cache: {
      get: (key) => {
        reads.push(key);
        return cache.get(key);
      },
      set: (key, value, options) => cache.set(key, value, options),
      delete: (key) => cache.delete(key),
    },
  };
}

/** A site: `handler` behind cachePage, counting renders. */
function site(cache: CacheLike, handler: (request: Request) => Response, options: Partial<CachePageOptions> = {}) {
  let renders = 0;
  const run = compose(cachePage({ cache, ttl: 600, ...options }))((request) => {
    renders++;
    return handler(request);
  });
  /** One request: its status, body, and whether it came from the cache (only stored pages carry Age). */
  const once = async (url: string, init?: RequestInit) => {
    const response = await run(new Request(url, init));
    return { status: response.status, body: await response.text(), cached: response.headers.has('age') };
  };
  /** Requests until the answer comes from the cache (pages are stored in the background). */
  const hit = async (url: string, init?: RequestInit): Promise<string> => {
    let body = '';
    await vi.waitFor(
      async () => {
        const answer = await once(url, init);
        body = answer.body;
        expect(answer.cached).toBe(true);
      },
      { timeout: 10_000, interval: 20 },
    );
    return body;
  };
  return { run, once, hit, renders: () => renders };
}

const language = (value: string, more: Record<string, string> = {}) => ({
  headers: { 'accept-language': value, ...more },
});
const byLanguage = (request: Request) =>
  new Response(`lang=${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } });

const backends: Array<[string, string | null, (db: number) => Cache]> = [
  ['memory', 'memory', () => createCache({ logger: quietLogger })],
  ['redis', redisUrl, (db) => createCache({ url: `${redisUrl}/${db}`, logger: quietLogger, timeout: 5000 })],
  [
    'memcached',
    memcachedUrl,
    () => createCache({ url: memcachedUrl ?? '', keyPrefix: 'vary', logger: quietLogger, timeout: 5000 }),
  ],
];

for (const [name, available, open] of backends) {
  describe.runIf(available)(`cachePage reads: ${name}`, () => {
    it('a hit is one cache read for the variant stored last, two for another variant', async () => {
      const backend = open(6);
      try {
        const { cache, reads } = recorded(backend);
        const keyPrefix = `one${process.pid}${Math.random()}`;
        const app = site(cache, byLanguage, { keyPrefix });
        const url = 'http://x/one';
        expect(await app.hit(url, language('en'))).toBe('lang=en');
        reads.length = 0;
        expect(await app.once(url, language('en'))).toEqual({ status: 200, body: 'lang=en', cached: true });
        expect(reads).toEqual([`${keyPrefix}:head:GET:-:${url}`]);
        expect(await app.hit(url, language('pt'))).toBe('lang=pt');
        reads.length = 0;
        expect(await app.once(url, language('pt'))).toEqual({ status: 200, body: 'lang=pt', cached: true });
        expect(reads).toHaveLength(1);
        reads.length = 0;
        // en is no longer the URL entry's variant: its own key is read as well.
        expect(await app.once(url, language('en'))).toEqual({ status: 200, body: 'lang=en', cached: true });
        const variant = variantOf(new Request(url, language('en')), ['accept-language'], null, new VaryDigests());
        expect(reads).toEqual([`${keyPrefix}:head:GET:-:${url}`, variantKey(keyPrefix, 'GET', url, variant)]);
        expect(app.renders()).toBeLessThanOrEqual(4); // one each, and perhaps one that beat its store
      } finally {
        await backend.close();
      }
    });

    it('a page without Vary is one entry: one read, no second copy', async () => {
      const backend = open(6);
      try {
        const { cache, reads } = recorded(backend);
        const keyPrefix = `novary${process.pid}${Math.random()}`;
        const app = site(cache, () => new Response('plain'), { keyPrefix, keyParts: () => ['en', 'UTC'] });
        await app.hit('http://x/plain');
        reads.length = 0;
        expect(await app.once('http://x/plain')).toEqual({ status: 200, body: 'plain', cached: true });
        expect(reads).toHaveLength(1);
        const empty = variantOf(new Request('http://x/plain'), [], JSON.stringify(['en', 'UTC']), new VaryDigests());
        expect(await backend.get(variantKey(keyPrefix, 'GET', 'http://x/plain', empty))).toBeUndefined();
      } finally {
        await backend.close();
      }
    });

    it('follows the Vary names another process stored: a page stored under the old names is not served', async () => {
      const mine = open(7);
      // The memory cache lives in one process: the other "process" is a second middleware over it.
      const theirs = name === 'memory' ? mine : open(7);
      try {
        const keyPrefix = `xproc${process.pid}${Math.random()}`;
        const url = 'http://x/news';
        // This process's pages vary on the language; the other process's (a new release) on the tenant.
        const a = site(
          mine,
          (request) =>
            new Response(`A ${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } }),
          { keyPrefix },
        );
        const b = site(
          theirs,
          (request) => new Response(`B ${request.headers.get('x-tenant')}`, { headers: { vary: 'X-Tenant' } }),
          { keyPrefix },
        );
        const en1 = language('en', { 'x-tenant': 't1' });
        expect(await a.hit(url, en1)).toBe('A en');
        for (let i = 0; i < 3; i++) expect((await a.once(url, en1)).body).toBe('A en'); // prepared, hit after hit
        // The other process: its first request (pt, not a stored variant) renders and stores under X-Tenant.
        expect(await b.hit(url, language('pt', { 'x-tenant': 't1' }))).toBe('B t1');
        // Django reads the names now stored (x-tenant): t1's page is B's, t2 has none.
        expect(await a.once(url, en1)).toEqual({ status: 200, body: 'B t1', cached: true });
        const rendersBefore = a.renders();
        const en2 = await a.once(url, language('en', { 'x-tenant': 't2' }));
        expect(en2).toEqual({ status: 200, body: 'A en', cached: false });
        expect(a.renders()).toBe(rendersBefore + 1);
      } finally {
        await Promise.all(theirs === mine ? [mine.close()] : [mine.close(), theirs.close()]);
      }
    });
  });
}

describe('cachePage stored entries', () => {
  it('treats entries of earlier formats, stray values and broken pages as misses (and stores anew)', async () => {
    const cache = createCache({ logger: quietLogger });
    const url = 'http://x/old';
    const head = headKey('page', 'GET', url, null, new VaryDigests());
    const plain = variantOf(new Request(url), [], null, new VaryDigests());
    const oldPage = {
      s: 200,
      h: [['content-type', 'text/plain']],
      b: Buffer.from('old').toString('base64'),
      t: Date.now(),
    };
    // The format before: the Vary names under `page:vary:…`, the page object under `page:page:…`.
    await cache.set(`page:vary:GET:${url}`, []);
    await cache.set(`page:page:GET:${url}:${plain}`, oldPage);
    const page = { n: [], d: plain, s: 200, h: [['content-type', 'text/plain']], b: 'c3RyYXk=', t: Date.now() };
    const strays: unknown[] = [
      oldPage,
      ['accept-language'],
      'a string without the format',
      `${PAGE_FORMAT}{not json`,
      `${PAGE_FORMAT}${JSON.stringify({ ...page, x: 'soon' })}`,
      `${PAGE_FORMAT}${JSON.stringify({ ...page, x: Date.now() + 60_000, n: 'accept-language' })}`,
      `${PAGE_FORMAT}${JSON.stringify({ ...page, x: Date.now() + 60_000, h: [['bad name', 'x']] })}`,
      `${PAGE_FORMAT}${JSON.stringify({ ...page, x: Date.now() + 60_000, n: ['bad name'], d: 'other' })}`,
    ];
    for (const stray of strays) {
      await cache.set(head, stray);
      let renders = 0;
      const run = compose(cachePage({ cache, ttl: 60 }))(() => new Response(`fresh ${++renders}`));
      const answer = await run(new Request(url));
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('fresh 1');
      expect(answer.headers.has('age')).toBe(false);
    }
    // Once stored anew, the page is served from the cache.
    const app = site(cache, () => new Response('new'), {});
    await cache.delete(head);
    expect(await app.hit(url)).toBe('new');
    await cache.close();
  });

  it("a variant's own key holding something else is a miss", async () => {
    const cache = createCache({ logger: quietLogger });
    const app = site(cache, byLanguage);
    const url = 'http://x/v';
    await app.hit(url, language('en'));
    await app.hit(url, language('pt')); // the URL's entry now holds pt
    const en = variantOf(new Request(url, language('en')), ['accept-language'], null, new VaryDigests());
    await cache.set(variantKey('page', 'GET', url, en), 'not a page');
    expect(await app.once(url, language('en'))).toEqual({ status: 200, body: 'lang=en', cached: false });
    await cache.close();
  });
});

// Django's own cases, tests/cache/tests.py (CacheUtils, CacheHEADTest, CacheI18nTest), as ours.
describe("cachePage keys after Django's learn_cache_key / get_cache_key", () => {
  it('test_patch_vary_headers: Vary names are case-insensitive, trimmed, deduplicated; `*` stays', () => {
    const cases: Array<[string | null, string[], string[]]> = [
      [null, ['Accept-Encoding'], ['accept-encoding']],
      ['Accept-Encoding', ['accept-encoding'], ['accept-encoding']],
      ['Accept-Encoding', ['ACCEPT-ENCODING'], ['accept-encoding']],
      ['Cookie', ['Accept-Encoding'], ['accept-encoding', 'cookie']],
      ['Cookie, Accept-Encoding', ['Accept-Encoding'], ['accept-encoding', 'cookie']],
      ['Cookie, Accept-Encoding', ['Accept-Encoding', 'cookie'], ['accept-encoding', 'cookie']],
      [null, ['Accept-Encoding', 'COOKIE'], ['accept-encoding', 'cookie']],
      ['Cookie,     Accept-Encoding', ['Accept-Encoding', 'cookie'], ['accept-encoding', 'cookie']],
      ['Cookie    ,     Accept-Encoding', ['Accept-Encoding', 'cookie'], ['accept-encoding', 'cookie']],
      ['*', ['Accept-Language', 'Cookie'], ['*', 'accept-language', 'cookie']],
      ['Accept-Language, Cookie', ['*'], ['*', 'accept-language', 'cookie']],
    ];
    for (const [initial, varyOn, expected] of cases) {
      const response = new Response('x', initial === null ? {} : { headers: { vary: initial } });
      expect(varyNames(response, varyOn), `${initial} + ${varyOn}`).toEqual(expected);
    }
  });

  it('check_accept_language_vary: the order and case of the Vary names do not change the key', () => {
    const request = new Request('http://testserver/cache/test/', {
      headers: { 'accept-language': 'en-US,en;q=0.8', 'accept-encoding': 'gzip;q=1.0, identity; q=0.5, *;q=0' },
    });
    const keys = new Set<string>();
    for (const vary of [
      'cookie, accept-language, accept-encoding',
      'cookie, accept-encoding, accept-language',
      'accept-encoding, accept-language, cookie',
      'accept-language, cookie, accept-encoding',
      'accept-encoding, cookie, accept-language',
      'accept-language, accept-encoding, cookie',
      'Cookie, Accept-Language, ACCEPT-ENCODING',
    ]) {
      const names = varyNames(new Response('x', { headers: { vary: vary } }), []);
      keys.add(variantKey('page', 'GET', request.url, variantOf(request, names, null, new VaryDigests())));
    }
    expect(keys.size).toBe(1);
  });

  it('test_get_cache_key: nothing before a page was learned; then the key prefix, query string and host count', async () => {
    const cache = createCache({ logger: quietLogger });
    const app = site(cache, (request) => new Response(`page ${request.url}`));
    const path = 'http://www.example.com/cache/test/';
    expect(await app.once(path)).toMatchObject({ cached: false }); // get_cache_key is None
    expect(await app.hit(path)).toBe(`page ${path}`);
    // A specified key_prefix is taken into account: another prefix has learned nothing.
    const other = site(cache, () => new Response('other prefix'), { keyPrefix: 'localprefix' });
    expect(await other.once(path)).toEqual({ status: 200, body: 'other prefix', cached: false });
    // test_get_cache_key_with_query: the query string is part of the key.
    expect(await app.once(`${path}?test=1`)).toMatchObject({ body: `page ${path}?test=1`, cached: false });
    // test_cache_key_varies_by_url: the full URL, host included, not the path.
    expect(await app.hit('http://sub-1.example.com/cache/test/')).toBe('page http://sub-1.example.com/cache/test/');
    expect(await app.once('http://sub-2.example.com/cache/test/')).toMatchObject({ cached: false });
    await cache.close();
  });

  it('CacheHEADTest: a HEAD is answered from its own stored page and from a cached GET', async () => {
    const cache = createCache({ logger: quietLogger });
    const app = site(cache, () => new Response('test content', { headers: { 'content-type': 'text/plain' } }));
    // test_head_caches_correctly
    await app.hit('http://x/head-only', { method: 'HEAD' });
    const head = await app.run(new Request('http://x/head-only', { method: 'HEAD' }));
    expect(head.headers.get('age')).not.toBeNull();
    expect(head.body).toBeNull();
    // test_head_with_cached_get: GET stored, then HEAD is a hit without calling the handler.
    expect(await app.hit('http://x/get-first')).toBe('test content');
    const renders = app.renders();
    const fromGet = await app.run(new Request('http://x/get-first', { method: 'HEAD' }));
    expect(fromGet.status).toBe(200);
    expect(fromGet.body).toBeNull();
    expect(fromGet.headers.get('content-type')).toBe('text/plain');
    expect(fromGet.headers.get('age')).not.toBeNull();
    expect(app.renders()).toBe(renders);
    await cache.close();
  });

  it('CacheI18nTest.test_middleware: the key parts (language) and the query string split the pages', async () => {
    const cache = createCache({ logger: quietLogger });
    let active = 'en';
    const app = site(cache, (request) => new Response(`${active} ${new URL(request.url).search}`), {
      keyParts: () => [active],
    });
    const url = 'http://x/cache/test/?foo=bar&other=true';
    expect(await app.once(url)).toMatchObject({ cached: false });
    expect(await app.hit(url)).toBe('en ?foo=bar&other=true');
    // A different query string: a miss.
    expect(await app.once('http://x/cache/test/?foo=bar&somethingelse=true')).toMatchObject({ cached: false });
    // Another language: its own page; then each language gets its own from the cache.
    active = 'es';
    expect(await app.once(url)).toMatchObject({ body: 'es ?foo=bar&other=true', cached: false });
    expect(await app.hit(url)).toBe('es ?foo=bar&other=true');
    active = 'en';
    expect(await app.hit(url)).toBe('en ?foo=bar&other=true');
    await cache.close();
  });
});
