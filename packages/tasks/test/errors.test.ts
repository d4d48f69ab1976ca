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

describe('jsonCopy', () => {
  it('copies plain data as a JSON round trip would, keeping a `__proto__` key as data', async () => {
    const { jsonCopy } = await import('../src/serialize.js');
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":[1,{"b":null}],"u":1}') as Record<string, unknown>;
    const copy = jsonCopy({ ...parsed, gone: undefined });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
    expect((copy as Record<string, unknown>).a).not.toBe(parsed.a);
  });
});
