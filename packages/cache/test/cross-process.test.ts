import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it, vi } from 'vitest';
import { createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
const child = fileURLToPath(new URL('./fixtures/other-process.ts', import.meta.url));

describe.runIf(redisUrl)('across real processes (Redis, two-tier)', () => {
  it('another process’s writes, counters and tag invalidations reach this process’s L1', async () => {
    const url = `${redisUrl}/3`;
    const keyPrefix = `xproc${process.pid}`;
    const cache = createCache({ url, keyPrefix, l1: true, logger: quietLogger, timeout: 5000 });
    try {
      await cache.connect();
      await cache.set('page', '<nav>', { tags: ['menu'] });
      await cache.set('post', 'v1');
      await cache.incr('visits', 41);
      expect(await cache.get('page')).toBe('<nav>');
      expect(await cache.get('post')).toBe('v1');
      // A bound, not an expectation: tsx compiling the cache in a fresh process is slow on a busy machine.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, url, keyPrefix], {
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('42');
      await vi.waitFor(
        async () => {
          expect(await cache.get('page')).toBeUndefined();
          expect(await cache.get('post')).toBe('from the other process');
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(await cache.get('visits')).toBe(42);
    } finally {
      await cache.close();
    }
  }, 90_000);
});
