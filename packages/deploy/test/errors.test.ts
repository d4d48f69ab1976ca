import { AdvError } from '@adv/types';
import { expect, it } from 'vitest';
import { DeployError } from '../src/index.js';

// What AdvError does (code, cause, instanceof) is tested once, in @adv/types: here only the name this package gives it.
it('DeployError is the AdvError named DeployError', () => {
  const error = new DeployError('ERR_INVALID_OPTION', 'bad option');
  expect([error instanceof AdvError, String(error)]).toEqual([true, 'DeployError: bad option']);
});
