import { describe, inject } from 'vitest';
import { createCache } from '../src/index.js';
import { cacheContractSuite } from './contract.js';
import { quietLogger } from './helpers.js';

const memcachedUrl = inject('memcachedUrl');

describe.runIf(memcachedUrl)('memcached', () => {
  cacheContractSuite(
    'memcached',
    (options) => createCache({ ...options, url: memcachedUrl ?? '', logger: quietLogger, timeout: 5000 }),
    {
      shared: true,
      scopedClear: true,
      negativeCounters: false,
    },
  );
});
