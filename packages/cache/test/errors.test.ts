import { describe, expect, it } from 'vitest';
import { CacheError } from '../src/index.js';

describe('CacheError', () => {
  it('carries a literal name, a code and the cause', () => {
    const cause = new Error('root');
    const error = new CacheError('ERR_INVALID_OPTION', 'bad option', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CacheError');
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('CacheError: bad option');
  });
});
