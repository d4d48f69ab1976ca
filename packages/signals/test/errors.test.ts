import { AdvError } from '@adv/types';
import { expect, it } from 'vitest';
import { SignalError } from '../src/index.js';

// What AdvError does (code, cause, instanceof) is tested once, in @adv/types: here only the name this package gives it.
it('SignalError is the AdvError named SignalError', () => {
  const error = new SignalError('ERR_INVALID_OPTION', 'bad option');
  expect([error instanceof AdvError, String(error)]).toEqual([true, 'SignalError: bad option']);
});
