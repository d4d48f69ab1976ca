import { describe, expect, it } from 'vitest';
import { TaskError } from '../src/index.js';

describe('TaskError', () => {
  it('carries a literal name, a code and the cause', () => {
    const cause = new Error('root');
    const error = new TaskError('ERR_INVALID_OPTION', 'bad option', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TaskError');
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('TaskError: bad option');
  });
});
