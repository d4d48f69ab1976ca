import { compose } from '@adv/types';
import { describe, expect, it, vi } from 'vitest';
import {
  CacheError,
  cacheControl,
  cachePage,
  createCache,
  neverCache,
  parseCacheControl,
  patchCacheControl,
} from '../src/index.js';
import { quietLogger } from './helpers.js';

function app(handler: (request: Request) => Response, options: Partial<Parameters<typeof cachePage>[0]> = {}) {
  const cache = createCache({ logger: quietLogger });
  let calls = 0;
  const counted = (request: Request) => {
    calls++;
    return handler(request);
  };
  const run = compose(cachePage({ cache, ttl: 60, ...options }))(counted);
  return { run, calls: () => calls, cache };
}

/** Requests `url` until the page comes from the cache (it is stored in the background). */
async function warm(
  run: (r: Request) => Promise<Response>,
  calls: () => number,
  init?: RequestInit,
  url = 'http://x/page',
) {
  await (await run(new Request(url, init))).text();
  await vi.waitFor(
    async () => {
      // Counted afresh each time: a request made before the page was stored renders it again.
      const before = calls();
      await (await run(new Request(url, init))).text();
      expect(calls()).toBe(before);
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe('cachePage', () => {
  it('caches GET 200 with max-age, Expires, ETag and Age; serves hits without calling the handler', async () => {
    const { run, calls } = app(() => new Response('hello', { headers: { 'content-type': 'text/plain' } }));
    const first = await run(new Request('http://x/page'));
    expect(first.headers.get('cache-control')).toBe('max-age=60');
    expect(first.headers.get('expires')).toBeTruthy();
    expect(await first.text()).toBe('hello');
    await warm(run, calls);
    const hit = await run(new Request('http://x/page'));
    expect(await hit.text()).toBe('hello');
    expect(hit.headers.get('content-type')).toBe('text/plain');
    expect(hit.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(hit.headers.get('age')).toMatch(/^\d+$/);
    expect(calls()).toBe(1);
    const notModified = await run(
      new Request('http://x/page', { headers: { 'if-none-match': hit.headers.get('etag') ?? '' } }),
    );
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    expect(notModified.headers.get('etag')).toBe(hit.headers.get('etag'));
    const other = await run(new Request('http://x/page', { headers: { 'if-none-match': '"nope"' } }));
    expect(other.status).toBe(200);
    const otherUrl = await run(new Request('http://x/page?q=1'));
    expect(await otherUrl.text()).toBe('hello');
    expect(calls()).toBe(2);
  });

  it('splits the cache on Vary and varyOn headers', async () => {
    const { run, calls } = app(
      (request) =>
        new Response(`lang=${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } }),
    );
    await warm(run, calls, { headers: { 'accept-language': 'en' } });
    const pt = await run(new Request('http://x/page', { headers: { 'accept-language': 'pt-BR' } }));
    expect(await pt.text()).toBe('lang=pt-BR');
    const en = await run(new Request('http://x/page', { headers: { 'accept-language': 'en' } }));
    expect(await en.text()).toBe('lang=en');
    const withVaryOn = app((request) => new Response(`t=${request.headers.get('x-tenant')}`), { varyOn: ['X-Tenant'] });
    await warm(withVaryOn.run, withVaryOn.calls, { headers: { 'x-tenant': 'a' } });
    expect(await (await withVaryOn.run(new Request('http://x/page', { headers: { 'x-tenant': 'b' } }))).text()).toBe(
      't=b',
    );
  });

  it('never caches Set-Cookie, private, no-store, non-200, POST, Vary: * or Authorization requests', async () => {
    const cases: Array<[() => Response, RequestInit?]> = [
      [() => new Response('x', { headers: { 'set-cookie': 'a=1' } })],
      [() => new Response('x', { headers: { 'cache-control': 'private' } })],
      [() => new Response('x', { headers: { 'cache-control': 'no-store' } })],
      [() => new Response('x', { headers: { vary: '*' } })],
      [() => new Response('x', { status: 404 })],
      [() => new Response('x'), { method: 'POST', body: 'b' }],
      [() => new Response('x'), { headers: { authorization: 'Bearer t' } }],
    ];
    for (const [handler, init] of cases) {
      const { run, calls } = app(handler);
      for (let i = 0; i < 3; i++) {
        await (await run(new Request('http://x/page', init))).text();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(calls()).toBe(3);
    }
    const authorized = app(() => new Response('x'), { cacheAuthorized: true });
    await warm(authorized.run, authorized.calls, { headers: { authorization: 'Bearer t' } });
  });

  it('uses the response max-age as ttl and answers HEAD without a body', async () => {
    const { run, calls } = app(() => new Response('body', { headers: { 'cache-control': 'public, max-age=5' } }));
    const first = await run(new Request('http://x/page'));
    expect(first.headers.get('cache-control')).toBe('public, max-age=5');
    await warm(run, calls, { method: 'HEAD' });
    const head = await run(new Request('http://x/page', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('streams a chunked body to the client while storing one copy', async () => {
    const chunks = ['<html>', '<body>', 'streamed', '</body>', '</html>'];
    const { run, calls } = app(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              const next = chunks[0] === undefined ? undefined : chunks.shift();
              if (next === undefined) controller.close();
              else controller.enqueue(new TextEncoder().encode(next));
            },
          }),
        ),
    );
    const first = await run(new Request('http://x/stream'));
    expect(await first.text()).toBe('<html><body>streamed</body></html>');
    await vi.waitFor(
      async () => {
        const hit = await run(new Request('http://x/stream'));
        expect(await hit.text()).toBe('<html><body>streamed</body></html>');
        expect(calls()).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
  });

  /** A body that never ends; `cancelled` resolves once nobody reads it any more. */
  function endless(contentType?: string) {
    let pulls = 0;
    let cancelled: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    const response = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls++;
            controller.enqueue(new Uint8Array(1024).fill(97));
          },
          cancel: () => cancelled(),
        }),
        contentType ? { headers: { 'content-type': contentType } } : {},
      );
    return { response, done, pulls: () => pulls };
  }

  it('passes an event stream through without copying it', async () => {
    const events = endless('text/event-stream; charset=utf-8');
    const { run, calls } = app(events.response);
    const response = await run(new Request('http://x/events'));
    expect(response.headers.get('cache-control')).toBeNull();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (let i = 0; i < 3; i++) expect((await reader.read()).value?.byteLength).toBe(1024);
    await reader.cancel(); // the client leaves: the source stops, nothing else reads it
    await events.done;
    await (await run(new Request('http://x/events'))).body?.cancel();
    expect(calls()).toBe(2);
  });

  it('stops copying a body past maxBodyBytes; the client still gets all of it', async () => {
    const body = endless();
    const { run } = app(body.response, { maxBodyBytes: 4096 });
    const response = await run(new Request('http://x/big'));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 20 * 1024) received += (await reader.read()).value?.byteLength ?? 0;
    await reader.cancel();
    // The source is cancelled only once both branches of the tee are: the cache's gave up.
    await body.done;
    expect(received).toBeGreaterThanOrEqual(20 * 1024);

    const sized = app(() => new Response('x'.repeat(100), { headers: { 'content-length': '100' } }), {
      maxBodyBytes: 10,
    });
    const first = await sized.run(new Request('http://x/sized'));
    expect(first.headers.get('cache-control')).toBeNull(); // known too large: not even tee'd
    expect(await first.text()).toHaveLength(100);
  });

  it('answers a miss with 304 when the handler’s own ETag matches, and stores the page', async () => {
    const { run, calls } = app(() => new Response('body', { headers: { etag: '"v1"' } }));
    const conditional = { headers: { 'if-none-match': '"v1"' } };
    const first = await run(new Request('http://x/etag', conditional));
    expect(first.status).toBe(304);
    expect(first.headers.get('etag')).toBe('"v1"');
    expect(first.headers.get('cache-control')).toBe('max-age=60');
    // Only a response from the cache has an Age: the 304's body was stored.
    await vi.waitFor(
      async () => {
        const hit = await run(new Request('http://x/etag'));
        expect(hit.headers.get('age')).toMatch(/^\d+$/);
        expect(await hit.text()).toBe('body');
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(calls()).toBeLessThanOrEqual(2); // the first, and perhaps one that beat the store
  }, 15_000);

  it('renders the page when the cache fails, even a cache set to throw', async () => {
    const broken = {
      get: async () => {
        throw new Error('cache down');
      },
      set: async () => {
        throw new Error('cache down');
      },
      delete: async () => false,
    };
    let calls = 0;
    const run = compose(cachePage({ cache: broken, ttl: 60 }))(() => new Response(`page ${++calls}`));
    expect(await (await run(new Request('http://x/p'))).text()).toBe('page 1');
    expect(await (await run(new Request('http://x/p'))).text()).toBe('page 2');
    const stray = createCache({ logger: quietLogger });
    await stray.set('page:vary:GET:http://x/q', []);
    await stray.set(
      'page:page:GET:http://x/q:e3b0c44298fc1c149afbf4c8996fb924',
      'not a page', // something else wrote under the page key
    );
    const strayRun = compose(cachePage({ cache: stray, ttl: 60 }))(() => new Response('fresh'));
    expect(await (await strayRun(new Request('http://x/q'))).text()).toBe('fresh');
  });

  it('rejects bad options', () => {
    expect(() => cachePage({ cache: undefined as never, ttl: 1 })).toThrow(CacheError);
    expect(() => cachePage({ cache: createCache(), ttl: -1 })).toThrow(
      'Expected `ttl` to be a non-negative number of seconds, got `-1` (number)',
    );
    expect(() => cachePage({ cache: createCache(), ttl: 1, maxBodyBytes: -1 })).toThrow(
      /Expected `maxBodyBytes` to be a non-negative integer/,
    );
    expect(() => cachePage({ cache: createCache(), ttl: 1, varyOn: 'accept' as never })).toThrow(
      /Expected `varyOn` to be an array of header names/,
    );
  });
});

describe('neverCache and cacheControl', () => {
  it('neverCache marks responses uncachable, even immutable ones', async () => {
    const run = compose(neverCache())(() => Response.redirect('http://x/elsewhere', 302));
    const response = await run(new Request('http://x/'));
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    expect(response.headers.get('expires')).toBeTruthy();
  });

  it('cacheControl merges directives like Django patch_cache_control', async () => {
    const run = compose(cacheControl({ private: true, maxAge: 600, staleWhileRevalidate: 30 }))(
      () => new Response('x', { headers: { 'cache-control': 'public, max-age=300' } }),
    );
    const response = await run(new Request('http://x/'));
    expect(response.headers.get('cache-control')).toBe('max-age=300, private, stale-while-revalidate=30');
    const headers = new Headers();
    patchCacheControl(headers, { public: true, noTransform: true });
    expect(headers.get('cache-control')).toBe('public, no-transform');
  });

  it('keeps quoted directives whole and replaces a max-age that is not a number', () => {
    expect([...parseCacheControl('no-cache="set-cookie, x-id", max-age = 10, , private')]).toEqual([
      ['no-cache', 'set-cookie, x-id'],
      ['max-age', '10'],
      ['private', true],
    ]);
    const headers = new Headers({ 'cache-control': 'max-age=soon, no-cache="set-cookie, x-id"' });
    patchCacheControl(headers, { maxAge: 60 });
    expect(headers.get('cache-control')).toBe('max-age=60, no-cache="set-cookie, x-id"');
  });

  it('rejects unknown or mistyped directives with a typed error', () => {
    expect(() => cacheControl({ maxAge: -1 })).toThrow(/Expected `maxAge` to be a whole number of seconds >= 0/);
    expect(() => cacheControl({ maxAge: '60' as never })).toThrow(CacheError);
    expect(() => cacheControl({ public: 'yes' as never })).toThrow(/Expected `public` to be a boolean/);
    expect(() => cacheControl({ maxage: 60 } as never)).toThrow(
      /^Unknown option `maxage` of `cacheControl\(\)`; did you mean `maxAge`\? Valid options: `maxAge`, `sMaxage`, /,
    );
    expect(() => patchCacheControl(new Headers(), { noStor: true } as never)).toThrow(
      /^Unknown option `noStor` of `patchCacheControl\(\)`; did you mean `noStore`\?/,
    );
    expect(() => patchCacheControl(new Headers(), { sMaxage: 1.5 })).toThrow(CacheError);
  });
});
