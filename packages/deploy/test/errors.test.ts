import { describe, expect, it } from 'vitest';
import { DeployError } from '../src/index.js';

describe('DeployError', () => {
  it('carries a literal name, a code and the cause', () => {
    const cause = new Error('root');
    const error = new DeployError('ERR_INVALID_OPTION', 'bad option', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DeployError');
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('DeployError: bad option');
  });
});
