import { AdvError } from '@adv/types';
import { expect, it } from 'vitest';
import { I18nError } from '../src/index.js';

// What AdvError does (code, cause, instanceof) is tested once, in @adv/types: here only the name this package gives it.
it('I18nError is the AdvError named I18nError', () => {
  const error = new I18nError('ERR_INVALID_OPTION', 'bad option');
  expect([error instanceof AdvError, String(error)]).toEqual([true, 'I18nError: bad option']);
});
