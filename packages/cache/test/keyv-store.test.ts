import { cacheContract } from '@adv/cache/testing';
import { describe, it } from 'vitest';
import { createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

// Any keyv store: a plain Map (keyv's default store) stands in for SQLite, Postgres, etc.
// Each cache gets its own Map, so `clear()` is scoped here.
cacheContract({ describe, it }, (options) => createCache({ ...options, store: new Map(), logger: quietLogger }), {
  name: 'keyv store (Map)',
});
