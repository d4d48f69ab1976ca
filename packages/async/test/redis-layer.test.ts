import { describe, expect, inject, it } from 'vitest';
import { redisLayer } from '../src/index.js';
import { channelLayerContract } from './layer-contract.js';

const redisUrl = inject('redisUrl');
// Own DB and key prefix: packages' suites share the Redis server and run in parallel.
const prefix = `adv-async-test:${process.pid}`;

describe.runIf(redisUrl)('redisLayer: channel layer contract', () => {
  channelLayerContract((options) => redisLayer({ url: `${redisUrl}/3`, prefix, ...options }), {
    name: '@adv/async:redis',
    shared: true,
  });
});

describe('redisLayer options', () => {
  it('needs a redis:// URL', () => {
    expect(() => redisLayer({ url: 'http://x' })).toThrow(
      'Expected `url` to be a redis:// or rediss:// URL, got `http://x` (string)',
    );
    expect(() => redisLayer(undefined as never)).toThrow(/Expected `options`/);
  });
});
