import { AdvError } from '@adv/types';
import { expect, it } from 'vitest';
import { AsyncError } from '../src/index.js';

// What AdvError does (code, cause, instanceof) is tested once, in @adv/types: here only the name this package gives it.
it('AsyncError is the AdvError named AsyncError', () => {
  const error = new AsyncError('ERR_INVALID_OPTION', 'bad option');
  expect([error instanceof AdvError, String(error)]).toEqual([true, 'AsyncError: bad option']);
});
