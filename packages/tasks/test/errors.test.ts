import { AdvError } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { TaskError } from '../src/index.js';

// What AdvError does (code, cause, instanceof) is tested once, in @adv/types: here only the name this package gives it.
it('TaskError is the AdvError named TaskError', () => {
  const error = new TaskError('ERR_INVALID_OPTION', 'bad option');
  expect([error instanceof AdvError, String(error)]).toEqual([true, 'TaskError: bad option']);
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
