import { describe, inject, it } from 'vitest';
import { startMemcached, startRedis } from '../../../scripts/test-services.js';
import { outageContractSuite } from './outage-contract.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');

describe.runIf(redisUrl)('outage contract: redis', () => {
  outageContractSuite(it, {
    start: startRedis,
    url: (port) => `redis://127.0.0.1:${port}`,
    options: (url) => ({ url }),
  });
});

describe.runIf(redisUrl)('outage contract: redis + L1', () => {
  outageContractSuite(it, {
    start: startRedis,
    url: (port) => `redis://127.0.0.1:${port}`,
    options: (url) => ({ url, l1: true }),
  });
});

describe.runIf(memcachedUrl)('outage contract: memcached', () => {
  outageContractSuite(it, {
    start: startMemcached,
    url: (port) => `memcached://127.0.0.1:${port}`,
    options: (url) => ({ url }),
  });
});
