/**
 * `decodeEntry` reads a long stored text it has parsed before by copying the parsed tree (a
 * fast path for cached pages): every read must still get objects of its own, equal to what
 * `JSON.parse` gives, and a different text must never be served from the memo.
 */
import { describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { decodeEntry, encodeEntry } from '../src/payload.js';
import { quietLogger } from './helpers.js';

const long = (label: string) => `${label}:${'x'.repeat(5000)}`;

describe('decodeEntry on long texts', () => {
  it('returns a fresh copy equal to JSON.parse on every read', () => {
    const value = { title: long('a'), list: [1, { deep: [true, null] }], nested: { n: 1.5 } };
    const raw = encodeEntry({ v: value, e: 123, g: { t: '1' } }, false);
    const first = decodeEntry(raw);
    const second = decodeEntry(raw);
    expect(first).toEqual(JSON.parse(raw));
    expect(second).toEqual(JSON.parse(raw));
    expect(second).not.toBe(first);
    expect(second?.v).not.toBe(first?.v);
    expect(second?.g).not.toBe(first?.g);
    if (first?.g === undefined) throw new Error('expected an entry with tags');
    (first.v as typeof value).list.push(3);
    first.g.t = 'changed';
    expect(decodeEntry(raw)).toEqual(JSON.parse(raw));
  });

  it('keeps an own __proto__ key as JSON.parse does, without touching the prototype', () => {
    const raw = `{"v":{"__proto__":{"polluted":true},"pad":"${'p'.repeat(3000)}"}}`;
    decodeEntry(raw);
    const copy = decodeEntry(raw)?.v as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy).toEqual(JSON.parse(raw).v);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never mixes two texts up, and keeps unreadable ones a miss', () => {
    const one = encodeEntry({ v: long('one') }, false);
    const two = encodeEntry({ v: long('two') }, false);
    expect(decodeEntry(one)?.v).toBe(long('one'));
    expect(decodeEntry(two)?.v).toBe(long('two'));
    expect(decodeEntry(one)?.v).toBe(long('one'));
    expect(decodeEntry(`${one.slice(0, -1)}`)).toBeUndefined();
    expect(decodeEntry(`[${JSON.stringify(long('arr'))}]`)).toBeUndefined();
  });

  it('a cache returns copies of a long value, read after read', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('page', { body: long('page'), headers: [['a', 'b']] });
    const read = await cache.get<{ headers: string[][] }>('page');
    read?.headers.push(['c', 'd']);
    expect(await cache.get('page')).toEqual({ body: long('page'), headers: [['a', 'b']] });
    await cache.set('page', { body: long('other'), headers: [] });
    expect(await cache.get('page')).toEqual({ body: long('other'), headers: [] });
    await cache.close();
  });
});
