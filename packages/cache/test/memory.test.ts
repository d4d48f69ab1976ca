import { createCache } from '../src/index.js';
import { cacheContractSuite } from './contract.js';
import { quietLogger } from './helpers.js';

cacheContractSuite('memory', (options) => createCache({ ...options, logger: quietLogger }), {
  shared: false,
  scopedClear: true,
  negativeCounters: true,
});
