import { describe, inject } from 'vitest';
import { createCache } from '../src/index.js';
import { cacheContractSuite } from './contract.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('redis', () => {
  cacheContractSuite(
    'redis',
    (options) => createCache({ ...options, url: `${redisUrl}/1`, logger: quietLogger, timeout: 5000 }),
    {
      shared: true,
      scopedClear: true,
      negativeCounters: true,
    },
  );
  cacheContractSuite(
    'redis + L1',
    (options) => createCache({ ...options, url: `${redisUrl}/1`, l1: true, logger: quietLogger, timeout: 5000 }),
    { shared: true, scopedClear: true, negativeCounters: true },
  );
});
