import { describe, expect, it } from 'vitest';
import { AsyncError } from '../src/index.js';

describe('AsyncError', () => {
  it('carries a literal name, a code and the cause', () => {
    const cause = new Error('root');
    const error = new AsyncError('ERR_INVALID_OPTION', 'bad option', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AsyncError');
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('AsyncError: bad option');
  });
});
