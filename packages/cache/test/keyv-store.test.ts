import { createCache } from '../src/index.js';
import { cacheContractSuite } from './contract.js';
import { quietLogger } from './helpers.js';

// Any keyv store: a plain Map (keyv's default store) stands in for SQLite, Postgres, etc.
// Each cache gets its own Map, so `clear()` is scoped here.
cacheContractSuite(
  'keyv store (Map)',
  (options) => createCache({ ...options, store: new Map(), logger: quietLogger }),
  {
    shared: false,
    scopedClear: true,
    negativeCounters: true,
  },
);
