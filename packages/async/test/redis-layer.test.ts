import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { type RunningService, startRedis } from '../../../scripts/test-services.js';
import type { ChannelLayerOptions } from '../src/index.js';
import { redisLayer } from '../src/redis.js';
import { channelLayerContract, channelLayerOutageContract, type OutageServerHandle } from '../src/testing.js';

const redisUrl = inject('redisUrl');
// Own DB and key prefix: packages' suites share the Redis server and run in parallel.
const prefix = `adv-async-test:${process.pid}`;

describe.runIf(redisUrl)('redisLayer', () => {
  const factory = (options?: ChannelLayerOptions) => redisLayer({ url: `${redisUrl}/3`, prefix, ...options });
  channelLayerContract({ it, describe }, factory, { name: '@adv/async:redis', shared: true, stats: true });
  // The outage suite runs a Redis of its own, which it kills, freezes and restarts.
  channelLayerOutageContract({ it, describe }, (options, url) => redisLayer({ url: url!, prefix, ...options }), {
    child: {
      entry: fileURLToPath(new URL('../src/redis.ts', import.meta.url)),
      factory: 'redisLayer',
      options: (url, unavailableTimeout) => ({ url, unavailableTimeout }),
      execArgv: ['--import', 'tsx'],
    },
    server: {
      start: async (port) => processServer(await startRedis(port)),
      url: (port) => `redis://127.0.0.1:${port}`,
    },
  });
});

/** A server process of the test's own, as the outage suite's hooks. */
function processServer(running: RunningService): OutageServerHandle {
  return {
    port: running.port,
    stop: () => running.stop(),
    freeze: () => running.process.kill('SIGSTOP'),
    thaw: () => running.process.kill('SIGCONT'),
  };
}

describe('redisLayer options', () => {
  it('needs a redis:// URL', () => {
    expect(() => redisLayer({ url: 'http://x' })).toThrow(
      'Expected `url` to be a redis:// or rediss:// URL, got `http://x` (string)',
    );
    expect(() => redisLayer(undefined as never)).toThrow(
      'Expected `url` to be a redis:// or rediss:// URL, got `undefined` (undefined)',
    );
    expect(() => redisLayer('redis://127.0.0.1:1' as never)).toThrow(
      'Expected the options of `redisLayer()` to be an object, got `redis://127.0.0.1:1` (string)',
    );
    expect(() => redisLayer({ url: 'redis://127.0.0.1:1', unavailableTimeout: 0 })).toThrow(
      'Expected `unavailableTimeout` to be a number of milliseconds from 1 and up, got `0` (number)',
    );
  });

  it('takes connection options of its own type, and rejects unknown or mistyped ones', () => {
    expect(() => redisLayer({ url: 'redis://127.0.0.1:1', redis: { hostname: 'x' } as never })).toThrow(
      'Unknown option `redis.hostname` of `redisLayer()`; did you mean `redis.host`? Valid options: `redis.host`, `redis.port`, `redis.path`, `redis.username`, `redis.password`, `redis.db`, `redis.tls`, `redis.connectionName`, `redis.connectTimeout`, `redis.family`.',
    );
    expect(() => redisLayer({ url: 'redis://127.0.0.1:1', redis: { db: '2' as never } })).toThrow(
      'Expected `redis.db` to be a non-negative integer, got `2` (string)',
    );
    expect(() => redisLayer({ url: 'redis://127.0.0.1:1', redis: { tls: 'yes' as never } })).toThrow(
      'Expected `redis.tls` to be a boolean or TLS options, got `yes` (string)',
    );
  });
});
