/**
 * The shape of every options object of @adv/cache: a misspelled key is refused with the valid
 * names and a did-you-mean (the message of `resolveOptions` from @adv/types), and an explicit
 * `undefined` keeps the default, observed in what gets stored.
 */
import { compose } from '@adv/types';
import { Liquid } from 'liquidjs';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { type Cache, CacheError, cacheControl, cachePage, createCache, patchCacheControl } from '../src/index.js';
import { registerCacheTag } from '../src/liquid.js';
import { memcachedDriver } from '../src/memcached.js';
import { redisDriver } from '../src/redis.js';
import { quietLogger } from './helpers.js';

// test-services provides it; in CI a Redis that cannot start fails the run before this file.
const redisUrl = inject('redisUrl') as string;

const opened: Cache[] = [];
const open = (...args: Parameters<typeof createCache>): Cache => {
  const cache = createCache(...args);
  opened.push(cache);
  return cache;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

/** The error `run` throws (synchronously or by rejecting). */
async function caught(run: () => unknown): Promise<CacheError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(CacheError);
    return error as CacheError;
  }
  throw new Error('expected a CacheError, nothing was thrown');
}

describe('a misspelled option is refused with a did-you-mean', () => {
  it.each<[string, () => unknown, string, string]>([
    ['createCache', () => createCache({ defaultTTL: 5 } as never), 'defaultTTL', 'defaultTtl'],
    ['createCache', () => createCache({ keyprefix: 'shop' } as never), 'keyprefix', 'keyPrefix'],
    ['cachePage', () => cachePage({ cache: createCache(), ttl: 60, varyon: ['cookie'] } as never), 'varyon', 'varyOn'],
    [
      'registerCacheTag',
      () => registerCacheTag(new Liquid(), { cache: createCache(), tagname: 'c' } as never),
      'tagname',
      'tagName',
    ],
    ['redisDriver', () => redisDriver({ URL: 'redis://127.0.0.1:6379' } as never), 'URL', 'url'],
    ['memcachedDriver', () => memcachedDriver({ uri: 'memcached://127.0.0.1:11211' } as never), 'uri', 'url'],
    ['cacheControl', () => cacheControl({ maxage: 60 } as never), 'maxage', 'maxAge'],
    ['patchCacheControl', () => patchCacheControl(new Headers(), { noStor: true } as never), 'noStor', 'noStore'],
  ])('%s', async (name, run, wrong, right) => {
    const error = await caught(run);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toMatch(
      new RegExp(`^Unknown option \`${wrong}\` of \`${name}\\(\\)\`; did you mean \`${right}\`\\? Valid options: `),
    );
    expect(error.message).toContain(`\`${right}\``);
  });

  it('createCache lists every valid name', async () => {
    const error = await caught(() => createCache({ defaultTTL: 5 } as never));
    expect(error.message).toBe(
      'Unknown option `defaultTTL` of `createCache()`; did you mean `defaultTtl`? Valid options: `store`, `url`, ' +
        '`driver`, `keyPrefix`, `version`, `keyFunction`, `defaultTtl`, `defaultGrace`, `maxEntries`, `onError`, ' +
        '`logger`, `timeout`, `l1`, `shared`.',
    );
  });

  it('createCache({ l1 }) names the nested keys by their path', async () => {
    const error = await caught(() => createCache({ url: redisUrl, l1: { maxEntrys: 10 } as never }));
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toBe(
      'Unknown option `l1.maxEntrys` of `createCache()`; did you mean `l1.maxEntries`? Valid options: `l1.maxEntries`, `l1.ttl`.',
    );
  });

  it('an unknown key with no close match gets the list, without a guess', async () => {
    const error = await caught(() => createCache({ compression: 'gzip' } as never));
    expect(error.message).toMatch(/^Unknown option `compression` of `createCache\(\)`\. Valid options: `store`, /);
  });

  it('a non-object is refused in the same shape', async () => {
    const error = await caught(() => createCache('redis://x' as never));
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toBe('Expected the options of `createCache()` to be an object, got `redis://x` (string)');
    expect((await caught(() => cachePage(null as never))).message).toBe(
      'Expected the options of `cachePage()` to be an object, got `null`',
    );
  });

  describe("each cache method's per-call options (ERR_INVALID_ARGUMENT)", () => {
    const cache = createCache({ logger: quietLogger });
    it.each<[string, () => unknown, string, string]>([
      ['get', () => cache.get('k', { verison: 2 } as never), 'verison', 'version'],
      ['has', () => cache.has('k', { verison: 2 } as never), 'verison', 'version'],
      ['delete', () => cache.delete('k', { Version: 2 } as never), 'Version', 'version'],
      ['touch', () => cache.touch('k', 5, { versoin: 2 } as never), 'versoin', 'version'],
      ['getMany', () => cache.getMany(['k'], { verison: 2 } as never), 'verison', 'version'],
      ['deleteMany', () => cache.deleteMany(['k'], { verison: 2 } as never), 'verison', 'version'],
      ['set', () => cache.set('k', 1, { ttL: 5 } as never), 'ttL', 'ttl'],
      ['add', () => cache.add('k', 1, { tag: ['a'] } as never), 'tag', 'tags'],
      ['setMany', () => cache.setMany({ k: 1 }, { gracee: 5 } as never), 'gracee', 'grace'],
      ['getOrSet', () => cache.getOrSet('k', () => 1, { grase: 5 } as never), 'grase', 'grace'],
      ['incr', () => cache.incr('n', 1, { tll: 5 } as never), 'tll', 'ttl'],
      ['decr', () => cache.decr('n', 1, { tll: 5 } as never), 'tll', 'ttl'],
      ['incrVersion', () => cache.incrVersion('k', 1, { verison: 2 } as never), 'verison', 'version'],
      ['decrVersion', () => cache.decrVersion('k', 1, { verison: 2 } as never), 'verison', 'version'],
    ])('cache.%s', async (method, run, wrong, right) => {
      const error = await caught(run);
      expect(error.code).toBe('ERR_INVALID_ARGUMENT');
      expect(error.message).toMatch(
        new RegExp(`^Unknown option \`${wrong}\` of \`cache\\.${method}\\(\\)\`; did you mean \`${right}\`\\?`),
      );
    });

    it('nothing was written by a refused call', async () => {
      await expect(cache.set('refused', 1, { ttL: 5 } as never)).rejects.toThrow(CacheError);
      expect(await cache.get('refused')).toBeUndefined();
    });

    it('inherited keys are not options; a non-object is refused', async () => {
      const options = Object.create({ inherited: 1 }) as { ttl?: number };
      options.ttl = 5;
      await expect(cache.set('inherited', 1, options)).resolves.toBe(true);
      const error = await caught(() => cache.get('k', 2 as never));
      expect(error.code).toBe('ERR_INVALID_ARGUMENT');
      expect(error.message).toBe('Expected the options of `cache.get()` to be an object, got `2` (number)');
    });
  });
});

describe('an explicit undefined keeps the default', () => {
  it('createCache: every option undefined is the default memory cache under `adv:1:`', async () => {
    const store = new Map<unknown, unknown>();
    const cache = open({
      store,
      keyPrefix: undefined,
      version: undefined,
      keyFunction: undefined,
      defaultTtl: undefined,
      defaultGrace: undefined,
      maxEntries: undefined,
      onError: undefined,
      logger: undefined,
      timeout: undefined,
      l1: undefined,
      shared: undefined,
      url: undefined,
      driver: undefined,
    });
    await cache.set('k', 'v');
    expect([...store.keys()]).toEqual(['adv:1:k']);
    expect(cache.version).toBe(1);
    expect(cache.backendInfo.sharedAcrossProcesses).toBe(false);
    expect(await cache.get('k')).toBe('v');
  });

  it('createCache({ keyPrefix: undefined }) on Redis writes under `adv:`, not `undefined:`', async () => {
    const cache = open({ url: redisUrl, keyPrefix: undefined, logger: quietLogger, timeout: 5000 });
    const key = `undefined-prefix-${process.pid}-${Date.now()}`;
    await cache.set(key, 1);
    expect(cache.makeKey(key)).toBe(`adv:1:${key}`);
    const adv = open({ url: redisUrl, keyPrefix: 'adv', logger: quietLogger, timeout: 5000 });
    expect(await adv.get(key)).toBe(1);
    await cache.delete(key);
  });

  it('createCache({ l1: { ttl: undefined, maxEntries: undefined } }) is the two-tier mode with its defaults', async () => {
    const cache = open({
      url: redisUrl,
      l1: { ttl: undefined, maxEntries: undefined },
      logger: quietLogger,
      timeout: 5000,
    });
    expect(cache.backendInfo.name).toBe('@adv/cache:redis+l1');
    const key = `l1-defaults-${process.pid}-${Date.now()}`;
    await cache.set(key, 'v', { ttl: 60 });
    expect(await cache.get(key)).toBe('v');
    await cache.delete(key);
  });

  it('per-call options: `ttl`, `version` and `grace` undefined use the cache defaults', async () => {
    const cache = open({ logger: quietLogger, version: 3, defaultTtl: 60 });
    const store = new Map<unknown, unknown>();
    const mapped = open({ store, version: 3, defaultTtl: 60 });
    await mapped.set('k', 'v', { ttl: undefined, version: undefined, tags: undefined, grace: undefined });
    expect([...store.keys()]).toEqual(['adv:3:k']);
    // The entry carries its expiry (a Map has no ttl of its own): defaultTtl applied, not "forever".
    const stored = JSON.parse(String(store.get('adv:3:k'))) as { e?: number };
    expect(stored.e).toBeGreaterThan(Date.now());
    expect(await cache.incr('n', 2, { ttl: undefined, version: undefined })).toBe(2);
    expect(await cache.get('n', { version: undefined })).toBe(2);
    expect(await cache.get('n', { version: 3 })).toBe(2);
    expect(await cache.getOrSet('g', () => 'x', { ttl: undefined, grace: undefined })).toBe('x');
  });

  it('cachePage({ varyOn: undefined, keyPrefix: undefined, … }) caches normally', async () => {
    const cache = open({ logger: quietLogger });
    let calls = 0;
    const run = compose(
      cachePage({
        cache,
        ttl: 60,
        varyOn: undefined,
        keyPrefix: undefined,
        cacheAuthorized: undefined,
        maxBodyBytes: undefined,
      }),
    )(() => {
      calls++;
      return new Response('hello', { headers: { 'content-type': 'text/plain' } });
    });
    const first = await run(new Request('http://x/page'));
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('max-age=60');
    expect(await first.text()).toBe('hello');
    // Stored in the background: wait until a request is answered from the cache.
    await vi.waitFor(
      async () => {
        const hit = await run(new Request('http://x/page'));
        expect(await hit.text()).toBe('hello');
        expect(hit.headers.get('age')).toMatch(/^\d+$/);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(calls).toBe(1);
    // Under the default prefix `page`, varying on nothing (the default `varyOn: []`).
    expect(await cache.get('page:head:GET:-:http://x/page')).toMatch(/^adv-page\/2\n\{"n":\[\],/);
    // A request with Authorization is still not cached (cacheAuthorized kept its default, false).
    await run(new Request('http://x/page', { headers: { authorization: 'Bearer x' } }));
    expect(calls).toBe(2);
  });

  it('registerCacheTag({ tagName: undefined }) registers `{% cache %}`', async () => {
    const liquid = new Liquid();
    registerCacheTag(liquid, { cache: open(), tagName: undefined });
    expect(await liquid.parseAndRender('{% cache 60 "f" %}x{% endcache %}')).toBe('x');
  });

  it('cacheControl({ maxAge: undefined }) leaves the directive out', async () => {
    const run = compose(cacheControl({ public: true, maxAge: undefined }))(() => new Response('x'));
    expect((await run(new Request('http://x/'))).headers.get('cache-control')).toBe('public');
  });
});

describe('value checks keep their shape', () => {
  it('a bad value still says what was expected', () => {
    expect(() => createCache({ shared: 'yes' as never })).toThrow(
      'Expected `shared` to be a boolean, got `yes` (string)',
    );
    expect(() => createCache({ url: redisUrl, l1: { ttl: -1 } })).toThrow(
      'Expected `l1.ttl` to be a non-negative number of seconds, got `-1` (number)',
    );
    expect(() => createCache({ url: redisUrl, l1: null as never })).toThrow(
      'Expected `l1` to be a boolean or `{ maxEntries, ttl }`, got `null` (null)',
    );
    expect(() => cachePage({ cache: createCache(), ttl: undefined as never })).toThrow(
      'Expected `ttl` to be a non-negative number of seconds, got `undefined` (undefined)',
    );
    expect(() => cachePage({ cache: createCache(), ttl: 1, cacheAuthorized: 1 as never })).toThrow(
      'Expected `cacheAuthorized` to be a boolean, got `1` (number)',
    );
    expect(() => registerCacheTag(new Liquid(), { cache: createCache(), tagName: 'my tag' })).toThrow(
      /^Expected `tagName` to be a tag name of letters, digits and underscores, got `my tag` \(string\)/,
    );
  });
});
