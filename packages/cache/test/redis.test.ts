import { cacheContract } from '@adv/cache/testing';
import { createClient } from '@keyv/redis';
import { describe, expect, inject, it } from 'vitest';
import { createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');

/** Deletes a key with a client of its own, as Redis' `maxmemory` eviction would. */
async function evict(_prefix: string, stored: string): Promise<void> {
  const raw = createClient({ url: `${redisUrl}/1` });
  await raw.connect();
  try {
    if ((await raw.del(stored)) !== 1) throw new Error(`no key \`${stored}\` to evict`);
  } finally {
    await raw.close();
  }
}

describe.runIf(redisUrl)('redis', () => {
  const url = `${redisUrl}/1`;
  cacheContract({ describe, it }, (options) => createCache({ ...options, url, logger: quietLogger, timeout: 5000 }), {
    name: 'redis',
    shared: true,
    evict,
  });
  cacheContract(
    { describe, it },
    (options) => createCache({ ...options, url, l1: true, logger: quietLogger, timeout: 5000 }),
    { name: 'redis + L1', shared: true, evict },
  );

  it('clear() leaves no key behind in Redis whatever keyFunction returns', async () => {
    const prefix = `rawkf${process.pid}`;
    // Ignores the prefix and the version: before scoping, clear() deleted none of these keys.
    const cache = createCache({
      url: `${redisUrl}/3`,
      keyPrefix: prefix,
      keyFunction: (key) => key,
      logger: quietLogger,
      timeout: 5000,
    });
    const raw = createClient({ url: `${redisUrl}/3` });
    await raw.connect();
    const stored = async () => {
      const found: string[] = [];
      for await (const chunk of raw.scanIterator({ MATCH: `*${prefix}*`, COUNT: 500 })) found.push(...chunk);
      for await (const chunk of raw.scanIterator({ MATCH: 'plain*', COUNT: 500 })) found.push(...chunk);
      return found.sort();
    };
    try {
      await cache.set('plain', 1);
      await cache.set('plain with space', 2, { tags: ['t'] });
      await cache.incr('plain-counter');
      const hashed = cache.makeKey('plain with space');
      expect(hashed).toMatch(new RegExp(`^${prefix}:~#[0-9a-f]{64}$`));
      expect(await stored()).toEqual(
        [`${prefix}:tag:t`, hashed, `${prefix}:~plain`, `${prefix}:~plain-counter`].sort(),
      );
      await cache.clear();
      expect(await stored()).toEqual([]);
    } finally {
      await cache.close();
      await raw.close();
    }
  });
});
