import { describe, expect, it } from 'vitest';
import { I18nError } from '../src/index.js';

describe('I18nError', () => {
  it('carries a literal name, a code and the cause', () => {
    const cause = new Error('root');
    const error = new I18nError('ERR_INVALID_OPTION', 'bad option', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('I18nError');
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('I18nError: bad option');
  });
});
