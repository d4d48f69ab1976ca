import { type Cache, createCache } from '@adv/cache';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/cache-page.js';
import * as fastifyRecipe from '../src/fastify/cache-page.js';
import * as honoRecipe from '../src/hono/cache-page.js';
import * as nodeRecipe from '../src/node/cache-page.js';
import type { CachePageRecipeOptions } from '../src/shared/options.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';

const recipes: Record<Framework, (options: CachePageRecipeOptions) => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

/** Resolves with `promise`, or rejects naming `what` once `ms` have passed (a bound, not a timing assertion). */
function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe.each(FRAMEWORKS)('%s: cachePage', (framework) => {
  let running: Running;
  let cache: Cache;
  let headlines: string[];
  let reports: number;
  let releaseSecondRow: () => void;
  /**
   * Resolves once the cache has been written and no write is still in flight (cachePage may write
   * one entry or two, the URL's and the variant's, started together).
   */
  let stored: () => Promise<void>;

  beforeEach(async () => {
    cache = createCache();
    let completed = 0;
    let inFlight = 0;
    const waiters: (() => void)[] = [];
    const settle = () => {
      if (completed === 0 || inFlight > 0) return;
      for (const resolve of waiters.splice(0)) resolve();
    };
    const set = cache.set.bind(cache);
    cache.set = (async (...args: Parameters<Cache['set']>) => {
      inFlight += 1;
      try {
        return await set(...args);
      } finally {
        inFlight -= 1;
        completed += 1;
        settle();
      }
    }) as Cache['set'];
    stored = () =>
      new Promise((resolve) => {
        waiters.push(resolve);
        settle();
      });
    headlines = [];
    reports = 0;
    let release!: () => void;
    const secondRow = new Promise<void>((resolve) => {
      release = resolve;
    });
    releaseSecondRow = release;
    const app = await recipes[framework]({
      cache,
      headline: (language) => {
        headlines.push(language);
        return language === 'pt-BR' ? 'Notícias do dia' : 'News of the day';
      },
      rows: async function* rows() {
        reports += 1;
        yield 'id,total\n';
        await secondRow; // the test opens this once it has read the first row
        yield '1,10\n';
      },
    });
    running = await start(framework, app);
  });

  afterEach(async () => {
    await running.close();
    await cache.close();
  });

  it('serves the second request from the cache and keys on the Vary header', async () => {
    const get = (language: string) => fetch(`${running.url}/news`, { headers: { 'accept-language': language } });

    const first = await get('en');
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('News of the day');
    expect(first.headers.get('vary')?.toLowerCase()).toContain('accept-language');

    const second = await get('en');
    expect(await second.text()).toBe('News of the day');
    expect(second.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(headlines).toEqual(['en']); // the handler ran once

    const portuguese = await get('pt-BR');
    expect(await portuguese.text()).toBe('Notícias do dia'); // Vary: another language is another entry
    const portugueseAgain = await get('pt-BR');
    expect(await portugueseAgain.text()).toBe('Notícias do dia');
    expect(headlines).toEqual(['en', 'pt-BR']);

    const etag = second.headers.get('etag');
    expect(etag).toBeTruthy();
    const revalidated = await fetch(`${running.url}/news`, {
      headers: { 'accept-language': 'en', 'if-none-match': etag ?? '' },
    });
    expect(revalidated.status).toBe(304);
  });

  /** Reads `response` to its end, releasing the second row once the first has arrived. */
  async function readGated(response: Response): Promise<string> {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The second row is only produced after the client has the first: a buffering adapter hangs here.
    while (!text.includes('id,total\n')) {
      const { value, done } = await within(reader.read(), 'first row');
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('id,total\n');
    releaseSecondRow();
    for (;;) {
      const { value, done } = await within(reader.read(), 'rest of the body');
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return text;
  }

  it('streams an uncached response to the client as it is produced', async () => {
    const response = await within(fetch(`${running.url}/report.csv`), 'response head');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(await readGated(response)).toBe('id,total\n1,10\n');
  });

  it('stores the streamed response and serves the next request from the cache', async () => {
    const response = await within(fetch(`${running.url}/report.csv`), 'response head');
    expect(await readGated(response)).toBe('id,total\n1,10\n');

    // The copy is stored after the stream has ended: wait for those writes, not for a duration.
    await within(stored(), 'the stored copy');
    const cached = await fetch(`${running.url}/report.csv`);
    expect(await cached.text()).toBe('id,total\n1,10\n');
    expect(cached.headers.get('age')).not.toBeNull();
    expect(reports).toBe(1);
  });
});
