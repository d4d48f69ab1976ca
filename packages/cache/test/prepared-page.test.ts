/**
 * The cachePage hit path (#18): each middleware prepares a stored page once (parsed, header
 * list, ETag, decoded body) and hashes the same Vary values once. A fast path is still a path: these check
 * that what it serves is what the page stored says, and that a page stored again, or a clock
 * that moved on, is never answered from an old preparation.
 */
import { createHash } from 'node:crypto';
import { compose } from '@adv/types';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { headKey, VaryDigests, variantKey, variantOf } from '../src/http/page-keys.js';
import { encodePage, fromStore, PAGE_FORMAT, PreparedPages, type StoredPage } from '../src/http/stored-page.js';
import { cachePage, createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

const page = (body: string, headers: [string, string][], t = Date.now()): StoredPage => ({
  n: [],
  d: 'v',
  s: 200,
  h: headers,
  b: Buffer.from(body).toString('base64'),
  t,
  x: t + 60_000,
});

/** What a hit does with a value read under `key`: prepare it (or find it prepared) and answer. */
function answer(pages: PreparedPages, key: string, stored: StoredPage | string, request: Request): Response {
  const prepared = pages.read(key, typeof stored === 'string' ? stored : encodePage(stored));
  if (prepared === undefined) throw new Error('not a stored page');
  return fromStore(prepared, request);
}

describe('PreparedPages and fromStore', () => {
  it('answers with the stored status, headers and body, and Age from the storage time', async () => {
    const pages = new PreparedPages(1024 * 1024);
    const stored = page('<p>hello</p>', [
      ['content-type', 'text/html'],
      ['etag', '"v1"'],
      ['age', '999'], // an upstream Age is replaced, not combined
    ]);
    // The clock stands still: on a busy machine the three answers below can be a second apart,
    // and Age would move on between them.
    vi.useFakeTimers({ now: 2_000_000, toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    stored.t = Date.now() - 5_500;
    const response = answer(pages, 'k', stored, new Request('http://x/'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<p>hello</p>');
    expect([...response.headers]).toEqual([
      ['age', '5'],
      ['content-type', 'text/html'],
      ['etag', '"v1"'],
    ]);
    const head = answer(pages, 'k', stored, new Request('http://x/', { method: 'HEAD' }));
    expect(head.body).toBeNull();
    expect(head.headers.get('etag')).toBe('"v1"');
    const notModified = answer(
      pages,
      'k',
      stored,
      new Request('http://x/', { headers: { 'if-none-match': 'W/"v1"' } }),
    );
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('age')).toBe('5');
    expect(notModified.headers.get('content-type')).toBeNull();
    expect(pages.size).toBe(1);
  });

  it('prepares a page again when it was stored again (body, headers, status or time changed)', async () => {
    const pages = new PreparedPages(1024 * 1024);
    const t = Date.now();
    const request = () => new Request('http://x/');
    const first = page('one', [['content-language', 'en']], t);
    expect(await answer(pages, 'k', first, request()).text()).toBe('one');
    // The same text read again (a Redis read is a new string) is the same preparation.
    const text = encodePage(first);
    expect(pages.read('k', [PAGE_FORMAT, text.slice(PAGE_FORMAT.length)].join(''))).toBe(pages.read('k', text));
    const body = page('two', [['content-language', 'en']], t);
    expect(await answer(pages, 'k', body, request()).text()).toBe('two');
    const headers = page('two', [['content-language', 'pt-BR']], t);
    expect(answer(pages, 'k', headers, request()).headers.get('content-language')).toBe('pt-BR');
    const status = { ...headers, s: 203 };
    expect(answer(pages, 'k', status, request()).status).toBe(203);
    const later = { ...status, h: [...status.h, ['etag', '"later"']] as [string, string][], t: t + 1 };
    expect(answer(pages, 'k', later, request()).headers.get('etag')).toBe('"later"');
    expect(pages.size).toBe(1);
  });

  it('moves Age on with the clock without touching responses already built', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const pages = new PreparedPages(1024 * 1024);
      const stored = page('x', [['content-type', 'text/plain']], 1_000_000);
      const first = answer(pages, 'k', stored, new Request('http://x/'));
      vi.setSystemTime(1_000_000 + 61_000);
      const second = answer(pages, 'k', stored, new Request('http://x/'));
      expect(first.headers.get('age')).toBe('0');
      expect(second.headers.get('age')).toBe('61');
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands each hit headers and a body of its own: what one hit changes, the next does not see', async () => {
    const pages = new PreparedPages(1024 * 1024);
    const stored = page('shared?', [['content-type', 'text/plain']]);
    const first = answer(pages, 'k', stored, new Request('http://x/'));
    first.headers.set('x-changed', 'by the first');
    first.headers.delete('content-type');
    const bytes = new Uint8Array(await first.arrayBuffer());
    bytes.fill(0x21);
    const second = answer(pages, 'k', stored, new Request('http://x/'));
    expect(second.headers.get('x-changed')).toBeNull();
    expect(second.headers.get('content-type')).toBe('text/plain');
    expect(await second.text()).toBe('shared?');
    const third = answer(pages, 'k', stored, new Request('http://x/'));
    expect(await third.text()).toBe('shared?');
  });

  it('keeps at most maxBytes of pages, oldest dropped first; a page too large is served, not kept', async () => {
    const body = 'b'.repeat(300);
    const one = page(body, []);
    const size = encodePage(one).length + 300;
    const pages = new PreparedPages(size * 2);
    for (const key of ['a', 'b', 'c']) answer(pages, key, one, new Request('http://x/'));
    expect(pages.size).toBe(2);
    const large = new PreparedPages(size - 1);
    expect(await answer(large, 'a', one, new Request('http://x/')).text()).toBe(body);
    expect(large.size).toBe(0);
  });
});

describe('VaryDigests and the page keys', () => {
  it('gives variants the keys pages were stored under before (SHA-256 of the Vary values and key parts)', () => {
    const request = new Request('http://x/list?page=2', { headers: { 'accept-language': 'pt-BR', 'x-tenant': 'a' } });
    const names = ['accept-language', 'x-tenant'];
    const hash = createHash('sha256');
    for (const name of names) hash.update(`${name}=${request.headers.get(name) ?? ''}\n`);
    hash.update(`\0parts=${JSON.stringify(['UTC'])}`);
    const expected = `page:page:GET:http://x/list?page=2:${hash.digest('hex').slice(0, 32)}`;
    const digests = new VaryDigests();
    const key = (parts: string[] | null) =>
      variantKey('page', 'GET', request.url, variantOf(request, names, parts && JSON.stringify(parts), digests));
    expect(key(['UTC'])).toBe(expected);
    expect(key(['UTC'])).toBe(expected); // from the memo
    expect(key(['UTC', ''])).not.toBe(expected);
    expect(key(null)).not.toBe(expected);
  });

  it('keys the URL entry by method, key parts and URL, the URL last', () => {
    const digests = new VaryDigests();
    const parts = JSON.stringify(['en', 'UTC']);
    const partsDigest = createHash('sha256').update(parts).digest('hex').slice(0, 32);
    expect(headKey('page', 'GET', 'http://x/', null, digests)).toBe('page:head:GET:-:http://x/');
    expect(headKey('page', 'HEAD', 'http://x/', parts, digests)).toBe(`page:head:HEAD:${partsDigest}:http://x/`);
    // A URL that ends like a parts digest cannot stand for another URL with key parts.
    expect(headKey('page', 'GET', `http://x/:${partsDigest}`, null, digests)).not.toBe(
      headKey('page', 'GET', 'http://x/', parts, digests),
    );
  });

  it('keeps only short inputs, and at most MAX_ENTRIES of them', () => {
    const digests = new VaryDigests();
    const long = 'x'.repeat(VaryDigests.MAX_INPUT + 1);
    expect(digests.digest(long)).toBe(createHash('sha256').update(long).digest('hex').slice(0, 32));
    expect(digests.size).toBe(0);
    for (let i = 0; i < VaryDigests.MAX_ENTRIES; i++) digests.digest(`v${i}`);
    expect(digests.size).toBe(VaryDigests.MAX_ENTRIES);
    digests.digest('one more');
    expect(digests.size).toBe(1);
    expect(digests.digest('v1')).toBe(createHash('sha256').update('v1').digest('hex').slice(0, 32));
  });

  it('a middleware serves every Vary variant its own page, hit after hit', async () => {
    const cache = createCache({ logger: quietLogger });
    let renders = 0;
    const run = compose(cachePage({ cache, ttl: 60 }))(async (request) => {
      renders++;
      return new Response(`lang=${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } });
    });
    const get = async (language: string) =>
      (await run(new Request('http://x/', { headers: { 'accept-language': language } }))).text();
    // Stored in the background: wait until a request is answered from the cache.
    const servedFromCache = (language: string) =>
      vi.waitFor(
        async () => {
          const before = renders;
          expect(await get(language)).toBe(`lang=${language}`);
          expect(renders).toBe(before);
        },
        { timeout: 10_000, interval: 20 },
      );
    expect(await get('en')).toBe('lang=en');
    await servedFromCache('en');
    expect(await get('pt')).toBe('lang=pt');
    await servedFromCache('pt');
    for (let i = 0; i < 3; i++) {
      expect(await get('en')).toBe('lang=en');
      expect(await get('pt')).toBe('lang=pt');
    }
    await cache.close();
  });
});
