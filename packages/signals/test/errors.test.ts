import { describe, expect, it } from 'vitest';
import { SignalError } from '../src/index.js';

describe('SignalError', () => {
  it('carries a literal name, a code and the cause', () => {
    const cause = new Error('root');
    const error = new SignalError('ERR_INVALID_OPTION', 'bad option', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SignalError');
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('SignalError: bad option');
  });
});
