/** cachePage's `tags` and `keyParts` options: what the demo used to wrap cachePage for. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { compose } from '@adv/types';
import { describe, expect, it, vi } from 'vitest';
import { type CachePageOptions, cachePage, createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

function app(handler: (request: Request, render: number) => Response, options: Partial<CachePageOptions> = {}) {
  const cache = createCache({ logger: quietLogger });
  let renders = 0;
  const run = compose(cachePage({ cache, ttl: 60, ...options }))((request) => handler(request, ++renders));
  /** Requests `url` until the answer comes from the cache (pages are stored in the background). */
  const hit = async (url: string, init?: RequestInit): Promise<string> => {
    let body = '';
    await vi.waitFor(
      async () => {
        const response = await run(new Request(url, init));
        body = await response.text();
        expect(response.headers.has('age')).toBe(true); // only stored pages carry Age
      },
      { timeout: 10_000, interval: 20 },
    );
    return body;
  };
  /** One request: its body, and whether it came from the cache. */
  const once = async (url: string, init?: RequestInit) => {
    const response = await run(new Request(url, init));
    return { body: await response.text(), cached: response.headers.has('age') };
  };
  return { cache, run, hit, once };
}

describe('cachePage tags', () => {
  it('writes the tags with every stored page: one invalidateTags drops all its variants', async () => {
    const { cache, hit, once } = app((request, render) => new Response(`${new URL(request.url).search} #${render}`), {
      tags: ['articles'],
    });
    const one = await hit('http://x/?page=1');
    const two = await hit('http://x/?page=2');
    await cache.invalidateTags(['other']);
    expect(await once('http://x/?page=1')).toEqual({ body: one, cached: true });
    await cache.invalidateTags(['articles']);
    for (const [url, before] of [
      ['http://x/?page=1', one],
      ['http://x/?page=2', two],
    ] as const) {
      const after = await once(url);
      expect(after.cached).toBe(false);
      expect(after.body).not.toBe(before);
    }
  });

  it('a hit after the page was stored again serves the new body, not a decoded copy of the old one', async () => {
    const { cache, hit } = app((_request, render) => new Response(`render ${render} ${'x'.repeat(4000)}`), {
      tags: ['page'],
    });
    const before = await hit('http://x/');
    expect(await hit('http://x/')).toBe(before); // decoded once, served from the kept bytes
    await cache.invalidateTags(['page']);
    const after = await hit('http://x/'); // rendered, stored again, then a hit
    expect(after).not.toBe(before);
    expect(after.startsWith('render ')).toBe(true);
    expect(await hit('http://x/')).toBe(after);
  });

  it('a tags function gets the request and the response about to be stored', async () => {
    const seen: string[] = [];
    const { cache, hit, once } = app(
      (request) => new Response('article', { headers: { 'x-article': new URL(request.url).pathname.slice(1) } }),
      {
        tags: (request, response) => {
          seen.push(new URL(request.url).pathname);
          return [`article:${response.headers.get('x-article')}`];
        },
      },
    );
    await hit('http://x/7');
    await hit('http://x/8');
    expect(new Set(seen)).toEqual(new Set(['/7', '/8']));
    const calls = seen.length;
    expect((await once('http://x/7')).cached).toBe(true);
    expect(seen.length).toBe(calls); // never called on a hit
    await cache.invalidateTags(['article:7']);
    expect((await once('http://x/7')).cached).toBe(false);
    expect((await once('http://x/8')).cached).toBe(true);
  });
});

describe('cachePage keyParts', () => {
  it('splits the cache on request-derived values without touching the request', async () => {
    const locale = new AsyncLocalStorage<string>();
    const received: Request[] = [];
    const { run, hit, once } = app(
      (request) => {
        received.push(request);
        return new Response(`hello in ${locale.getStore()}`);
      },
      { keyParts: () => [locale.getStore() ?? ''] },
    );
    expect(await locale.run('en', () => hit('http://x/'))).toBe('hello in en');
    expect(await locale.run('pt-BR', () => hit('http://x/'))).toBe('hello in pt-BR');
    expect(await locale.run('en', () => once('http://x/'))).toEqual({ body: 'hello in en', cached: true });
    // The handler got the caller's request object itself, not a copy with extra headers.
    const request = new Request('http://x/other');
    await locale.run('en', async () => void (await run(request)).text());
    expect(received.at(-1)).toBe(request);
  });

  it('keeps parts apart that would join to the same text', async () => {
    let parts: string[] = ['a,b'];
    const { hit, once } = app((_request, render) => new Response(`render ${render}`), { keyParts: () => parts });
    const joined = await hit('http://x/');
    parts = ['a', 'b'];
    const split = await once('http://x/');
    expect(split.cached).toBe(false);
    expect(split.body).not.toBe(joined);
    parts = ['a,b'];
    expect(await once('http://x/')).toEqual({ body: joined, cached: true });
  });

  it('works with the response Vary: both split the key', async () => {
    const { hit, once } = app(
      (request) => new Response(`${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } }),
      { keyParts: (request) => [new URL(request.url).searchParams.get('tz') ?? 'UTC'] },
    );
    expect(await hit('http://x/?tz=UTC', { headers: { 'accept-language': 'en' } })).toBe('en');
    const fr = await once('http://x/?tz=UTC', { headers: { 'accept-language': 'fr' } });
    expect(fr).toEqual({ body: 'fr', cached: false });
  });
});

describe('cachePage tags and keyParts: bad values', () => {
  const cache = createCache({ logger: quietLogger });
  it('rejects bad options when the middleware is built', () => {
    expect(() => cachePage({ cache, ttl: 60, tags: [''] })).toThrow(
      'Expected `tags[0]` to be a non-empty string, got `` (string)',
    );
    expect(() => cachePage({ cache, ttl: 60, tags: 'articles' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => cachePage({ cache, ttl: 60, keyParts: ['locale'] as never })).toThrow(
      /Expected `keyParts` to be a function of the request, got/,
    );
    expect(() => cachePage({ cache, ttl: 60, keyPart: () => [] } as never)).toThrow(
      /Unknown option `keyPart` of `cachePage\(\)`; did you mean `keyParts`\?/,
    );
  });

  it('throws a typed error when keyParts or tags return something else (a bug in the app)', async () => {
    const handler = () => new Response('page');
    const badParts = compose(cachePage({ cache, ttl: 60, keyParts: () => 'en' as never }))(handler);
    await expect(badParts(new Request('http://x/'))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'Expected `keyParts(request)` to return an array of strings, got `en` (string)',
    });
    const badTags = compose(cachePage({ cache, ttl: 60, tags: () => [42] as never }))(handler);
    await expect(badTags(new Request('http://x/'))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'Expected `tags(request, response)[0]` to be a non-empty string, got `42` (number)',
    });
    // POST never reaches the cache, so neither function runs.
    expect(await (await badParts(new Request('http://x/', { method: 'POST' }))).text()).toBe('page');
  });
});

describe('cachePage cacheControl', () => {
  it('sends the given Cache-Control (no max-age, no Expires) on the storing response and on every hit', async () => {
    const { run, hit } = app(() => new Response('page', { headers: { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' } }), {
      cacheControl: 'no-cache',
    });
    const first = await run(new Request('http://x/'));
    expect([first.headers.get('cache-control'), first.headers.get('expires')]).toEqual(['no-cache', null]);
    await hit('http://x/');
    const stored = await run(new Request('http://x/'));
    expect(stored.headers.has('age')).toBe(true);
    expect([stored.headers.get('cache-control'), stored.headers.get('expires')]).toEqual(['no-cache', null]);
    // Revalidation with the stored page's ETag still answers 304.
    const etag = stored.headers.get('etag')!;
    expect((await run(new Request('http://x/', { headers: { 'if-none-match': etag } }))).status).toBe(304);
  });

  it('keeps Django’s max-age and Expires without it, and leaves responses it does not store alone', async () => {
    const { run } = app((request) =>
      request.url.endsWith('/private')
        ? new Response('mine', { headers: { 'cache-control': 'private' } })
        : new Response('page'),
    );
    const page = await run(new Request('http://x/'));
    expect(page.headers.get('cache-control')).toBe('max-age=60');
    expect(page.headers.has('expires')).toBe(true);
    const withOption = app(() => new Response('mine', { headers: { 'cache-control': 'private' } }), {
      cacheControl: 'no-cache',
    });
    expect((await withOption.run(new Request('http://x/private'))).headers.get('cache-control')).toBe('private');
  });

  it('refuses a value that is not a header value', () => {
    const cache = createCache({ logger: quietLogger });
    for (const bad of ['', 'no-cache\r\nx-evil: 1', 7]) {
      expect(() => cachePage({ cache, ttl: 60, cacheControl: bad as never })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('`cacheControl`') }),
      );
    }
  });
});
