import { cacheContract } from '@adv/cache/testing';
import { describe, it } from 'vitest';
import { createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

cacheContract({ describe, it }, (options) => createCache({ ...options, logger: quietLogger }), { name: 'memory' });
