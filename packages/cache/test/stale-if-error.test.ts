/**
 * `cachePage({ staleIfError })`: RFC 5861 section 4 (stale-if-error). A stored page past its
 * freshness is served when the handler fails (throws, or answers 500, 502, 503 or 504) for at
 * most `staleIfError` seconds past it; a response's own `Cache-Control: stale-if-error=N` wins.
 * Cases after RFC 5861's example `Cache-Control: max-age=600, stale-if-error=1200`: a failure
 * 900 s after storage is answered stale, one past 1,800 s is not. The clock is faked (`Date`
 * only): the memory cache and Redis run for real.
 */
import { compose } from '@adv/types';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { type Cache, CacheError, cachePage, createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');

/** What the handler does next: render, throw, or answer with a status. */
type Mode = 'ok' | 'throw' | number;

function site(cache: Cache, options: { staleIfError?: number; ttl?: number; cacheControl?: string } = {}) {
  let mode: Mode = 'ok';
  let renders = 0;
  const handler = async () => {
    renders++;
    if (mode === 'throw') throw new Error('database is down');
    if (mode !== 'ok') return new Response('failed', { status: mode });
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (options.cacheControl) headers['cache-control'] = options.cacheControl;
    return new Response(`page ${renders}`, { headers });
  };
  const run = compose(
    cachePage({ cache, ttl: options.ttl ?? 600, staleIfError: options.staleIfError, keyPrefix: `sie${Math.random()}` }),
  )(handler);
  const get = () => run(new Request('http://x/'));
  return {
    get,
    set mode(next: Mode) {
      mode = next;
    },
    renders: () => renders,
    /** Renders the page once and waits until it is served from the cache. */
    async warm() {
      await (await get()).text();
      await vi.waitFor(async () => expect((await get()).headers.has('age')).toBe(true), { timeout: 10_000 });
    },
  };
}

const backends: Array<[string, string | null, () => Cache]> = [
  ['memory', 'memory', () => createCache({ logger: quietLogger })],
  ['redis', redisUrl, () => createCache({ url: `${redisUrl}/5`, logger: quietLogger, timeout: 5000 })],
];

afterEach(() => {
  vi.useRealTimers();
});

for (const [name, available, make] of backends) {
  describe.runIf(available)(`cachePage staleIfError: ${name}`, () => {
    it('serves the stale page when the handler throws or answers 5xx within the window (RFC 5861 example)', async () => {
      const start = Date.now();
      vi.useFakeTimers({ toFake: ['Date'], now: start });
      const cache = make();
      try {
        const page = site(cache, { staleIfError: 1200 });
        await page.warm();
        expect(page.renders()).toBe(1);
        vi.setSystemTime(start + 900_000); // past max-age=600, within stale-if-error=1200
        for (const mode of ['throw', 500, 502, 503, 504] as const) {
          page.mode = mode;
          const stale = await page.get();
          expect(stale.status).toBe(200);
          expect(await stale.text()).toBe('page 1');
          expect(stale.headers.get('age')).toBe('900');
        }
        expect(page.renders()).toBe(6); // the handler was tried each time
        // A 4xx is the handler's answer, not an error: passed through.
        page.mode = 404;
        expect((await page.get()).status).toBe(404);
        // Working again: a fresh render replaces the stale page.
        page.mode = 'ok';
        expect(await (await page.get()).text()).toBe('page 8');
      } finally {
        await cache.close();
      }
    });

    it('never serves a page past the window, and never a stale one to a working handler', async () => {
      const start = Date.now();
      vi.useFakeTimers({ toFake: ['Date'], now: start });
      const cache = make();
      try {
        const page = site(cache, { staleIfError: 1200 });
        await page.warm();
        vi.setSystemTime(start + 700_000);
        expect(await (await page.get()).text()).toBe('page 2'); // stale and the handler works: re-rendered
        await page.warm();
        vi.setSystemTime(start + 700_000 + 1_800_001); // past max-age + stale-if-error of page 2
        page.mode = 503;
        expect((await page.get()).status).toBe(503);
        page.mode = 'throw';
        await expect(page.get()).rejects.toThrow('database is down');
      } finally {
        await cache.close();
      }
    });

    it("without staleIfError a stale page is never served; a response's own stale-if-error=N applies", async () => {
      const start = Date.now();
      vi.useFakeTimers({ toFake: ['Date'], now: start });
      const cache = make();
      try {
        const off = site(cache, { ttl: 60 });
        await off.warm();
        vi.setSystemTime(start + 61_000);
        off.mode = 503;
        expect((await off.get()).status).toBe(503);

        vi.setSystemTime(start);
        const own = site(cache, { ttl: 60, cacheControl: 'max-age=60, stale-if-error=30' });
        await own.warm();
        vi.setSystemTime(start + 80_000);
        own.mode = 503;
        expect(await (await own.get()).text()).toBe('page 1');
        vi.setSystemTime(start + 91_000);
        expect((await own.get()).status).toBe(503);
      } finally {
        await cache.close();
      }
    });
  });
}

describe('cachePage staleIfError: options', () => {
  it('rejects a bad staleIfError with a typed error', () => {
    const cache = createCache({ logger: quietLogger });
    for (const bad of [-1, Number.NaN, '60', Number.POSITIVE_INFINITY]) {
      expect(() => cachePage({ cache, ttl: 60, staleIfError: bad as never })).toThrow(CacheError);
    }
    expect(() => cachePage({ cache, ttl: 60, staleIfError: -1 })).toThrow(
      'Expected `staleIfError` to be a non-negative number of seconds, got `-1` (number)',
    );
  });
});
