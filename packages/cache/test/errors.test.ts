import { AdvError } from '@adv/types';
import { expect, it } from 'vitest';
import { CacheError } from '../src/index.js';

// What AdvError does (code, cause, instanceof) is tested once, in @adv/types: here only the name this package gives it.
it('CacheError is the AdvError named CacheError', () => {
  const error = new CacheError('ERR_INVALID_OPTION', 'bad option');
  expect([error instanceof AdvError, String(error)]).toEqual([true, 'CacheError: bad option']);
});
