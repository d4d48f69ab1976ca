/**
 * The published outage contract (`outageContract` of `@adv/cache/testing`) against Redis,
 * Redis + L1 and memcached, on servers of the test's own that it kills, freezes and restarts;
 * plus one check that needs this repository's child-process fixture: `close()` settles and
 * lets the process exit with the server unreachable or frozen.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type OutageServer, type OutageSubject, outageContract } from '@adv/cache/testing';
import { describe, expect, inject, it } from 'vitest';
import { type RunningService, startMemcached, startRedis } from '../../../scripts/test-services.js';
import type { CacheOptions } from '../src/index.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');
const child = fileURLToPath(new URL('./fixtures/outage-child.ts', import.meta.url));

/** A test-services server as the contract drives it. */
const served =
  (start: (port?: number) => Promise<RunningService>) =>
  async (port?: number): Promise<OutageServer> => {
    const server = await start(port);
    return {
      port: server.port,
      stop: () => server.stop(),
      freeze: () => server.process.kill('SIGSTOP'),
      thaw: () => server.process.kill('SIGCONT'),
    };
  };

/** Each outage test waits for a server to start, stop or recover: a minute each. */
const runner = { describe, it: (name: string, fn: () => Promise<void>) => it(name, fn, 60_000) };

const subjects: Array<[string, string | null, OutageSubject]> = [
  [
    'redis',
    redisUrl,
    { start: served(startRedis), url: (port) => `redis://127.0.0.1:${port}`, options: (url) => ({ url }) },
  ],
  [
    'redis + L1',
    redisUrl,
    {
      start: served(startRedis),
      url: (port) => `redis://127.0.0.1:${port}`,
      options: (url): CacheOptions => ({ url, l1: true }),
    },
  ],
  [
    'memcached',
    memcachedUrl,
    { start: served(startMemcached), url: (port) => `memcached://127.0.0.1:${port}`, options: (url) => ({ url }) },
  ],
];

for (const [name, available, subject] of subjects) {
  describe.runIf(available)(name, () => {
    outageContract(runner, subject, { name });

    it('close() settles and leaves nothing that keeps the process alive (unreachable and frozen servers)', async () => {
      const gone = await subject.start();
      await gone.stop();
      const frozen = await subject.start();
      frozen.freeze();
      try {
        for (const url of [subject.url(gone.port), subject.url(frozen.port)]) {
          // The child exits by itself or is killed after 60 s (then execFile rejects).
          const { stdout } = await promisify(execFile)(
            process.execPath,
            ['--import', 'tsx', child, JSON.stringify(subject.options(url))],
            { timeout: 60_000 },
          );
          expect(stdout.trim().split('\n')).toEqual(['get: undefined', 'add: ERR_BACKEND', 'closed']);
        }
      } finally {
        frozen.thaw();
        await frozen.stop();
      }
    }, 150_000);
  });
}
