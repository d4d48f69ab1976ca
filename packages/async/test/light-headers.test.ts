/**
 * The headers of lazy responses (src/response/light-headers.ts) against the WPT cases of
 * `fetch/api/headers/*.any.js` (as vendored by nodejs/node under
 * `test/fixtures/wpt/fetch/api/headers/`), written again as our own cases: each names its WPT
 * file and takes the WPT's inputs and expected outcome. Every case runs on three `Headers`:
 * Node's own (undici, which must pass the case too, so the case itself is right), our
 * `LightHeaders`, and the `headers` of a lazy response (`html()`), where a case can build one.
 * Cases needing a guard (`no-cors`, immutable `Response.error()` headers) do not apply: a lazy
 * response's headers are always mutable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OriginalResponse, overrideGlobalResponse } from '../src/index.js';
import { lazyParts, nodeHeaders } from '../src/response/index.js';
import { LightHeaders, OriginalHeaders, PLATFORM_HEADERS_MEMBERS } from '../src/response/light-headers.js';

type Make = (init?: HeadersInit) => Headers;
const makers: Record<string, Make> = {
  'undici Headers': (init) => new OriginalHeaders(init),
  LightHeaders: (init) => new LightHeaders(init) as unknown as Headers,
  // The light global Response (serve() installs it): a null body adds no content type.
  'a lazy response': (init) => new LightResponse(null, init === undefined ? undefined : { headers: init }).headers,
};
const pairs = (headers: Headers) => [...headers];
let LightResponse: typeof Response;
let restore: () => void;
beforeAll(() => {
  restore = overrideGlobalResponse();
  LightResponse = globalThis.Response;
});
afterAll(() => restore());

describe.each(Object.entries(makers))('Headers semantics (WPT fetch/api/headers) on %s', (_, make) => {
  // headers-basic.any.js
  it('headers-basic: construction from nothing, records, sequences and other headers', () => {
    expect(pairs(make())).toEqual([]);
    expect(pairs(make(undefined))).toEqual([]);
    expect(pairs(make({}))).toEqual([]);
    for (const bad of [null, 1]) expect(() => make(bad as unknown as HeadersInit)).toThrow(TypeError);
    const dict = {
      name1: 'value1',
      name2: 'value2',
      name3: 'value3',
      name4: null,
      name5: undefined,
      name6: 1,
      'Content-Type': 'value4',
    };
    const sequence = Object.entries(dict) as unknown as [string, string][];
    const fromSequence = make(sequence);
    for (const [name, value] of Object.entries(dict)) expect(fromSequence.get(name)).toBe(String(value));
    expect(fromSequence.get('length')).toBeNull();
    const fromRecord = make(dict as unknown as Record<string, string>);
    for (const [name, value] of Object.entries(dict)) expect(fromRecord.get(name)).toBe(String(value));
    const copy = make(fromRecord);
    for (const [name, value] of Object.entries(dict)) expect(copy.get(name)).toBe(String(value));
    const custom = make();
    (custom as unknown as { [Symbol.iterator]: () => Generator<[string, string]> })[Symbol.iterator] = function* () {
      yield ['test', 'test'];
    };
    expect(make(custom).get('test')).toBe('test');
  });

  it('headers-basic: append, set, has, delete and get', () => {
    const dict: Record<string, unknown> = {
      name1: 'value1',
      name4: null,
      name5: undefined,
      name6: 1,
      'Content-Type': 'value4',
    };
    const appended = make();
    const set = make();
    for (const [name, value] of Object.entries(dict)) {
      appended.append(name, value as string);
      set.set(name, value as string);
      expect(appended.get(name)).toBe(String(value));
      expect(set.get(name)).toBe(String(value));
    }
    const headers = make(dict as Record<string, string>);
    for (const name of Object.keys(dict)) expect(headers.has(name)).toBe(true);
    expect(headers.has('nameNotInHeaders')).toBe(false);
    expect(headers.get('nameNotInHeaders')).toBeNull();
    for (const name of Object.keys(dict)) {
      headers.delete(name);
      expect(headers.has(name)).toBe(false);
    }
  });

  it('headers-basic: keys, values, entries, Symbol.iterator and forEach are sorted, lower-cased and iterator-like', () => {
    const dict = {
      name1: 'value1',
      Name2: 'value2',
      name: 'value3',
      'content-Type': 'value4',
      'Content-Typ': 'value5',
      'Content-Types': 'value6',
    };
    const sorted = Object.keys(dict)
      .map((name) => name.toLowerCase())
      .sort();
    const byName = Object.fromEntries(Object.entries(dict).map(([name, value]) => [name.toLowerCase(), value]));
    const headers = make(dict);
    const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
    for (const iterator of [headers.keys(), headers.values(), headers.entries()]) {
      const prototype = Object.getPrototypeOf(iterator);
      expect(Object.getPrototypeOf(prototype)).toBe(iteratorPrototype);
      expect(Object.getOwnPropertyDescriptor(prototype, 'next')).toMatchObject({
        configurable: true,
        enumerable: true,
        writable: true,
      });
    }
    expect([...headers.keys()]).toEqual(sorted);
    expect([...headers.values()]).toEqual(sorted.map((name) => byName[name]));
    expect([...headers.entries()]).toEqual(sorted.map((name) => [name, byName[name]]));
    const iterator = headers[Symbol.iterator]();
    for (const name of sorted) expect(iterator.next()).toEqual({ value: [name, byName[name]], done: false });
    expect(iterator.next().done).toBe(true);
    expect(iterator.next().done).toBe(true);
    const seen: string[] = [];
    headers.forEach((value, name, container) => {
      expect(container).toBe(headers);
      expect(value).toBe(byName[name]);
      seen.push(name);
    });
    expect(seen).toEqual(sorted);
  });

  it('headers-basic: iteration is live (removed skipped, appended reached, prepended repeats the current)', () => {
    const walk = (init: Record<string, string>, during: (name: string, h: Headers) => void) => {
      const headers = make(init);
      const seen: [string, string][] = [];
      for (const [name, value] of headers) {
        seen.push([name, value]);
        during(name, headers);
      }
      return seen;
    };
    expect(walk({ foo: '2', baz: '1', BAR: '0' }, (_, h) => h.delete('foo'))).toEqual([
      ['bar', '0'],
      ['baz', '1'],
    ]);
    const four = { foo: '2', baz: '1', BAR: '0', quux: '3' };
    expect(walk(four, (n, h) => n === 'baz' && h.delete('bar'))).toEqual([
      ['bar', '0'],
      ['baz', '1'],
      ['quux', '3'],
    ]);
    expect(walk(four, (n, h) => n === 'baz' && h.append('X-yZ', '4')).map(([n]) => n)).toEqual([
      'bar',
      'baz',
      'foo',
      'quux',
      'x-yz',
    ]);
    expect(walk(four, (n, h) => n === 'baz' && h.append('abc', '-1')).map(([n]) => n)).toEqual([
      'bar',
      'baz',
      'baz',
      'foo',
      'quux',
    ]);
  });

  // headers-errors.any.js
  it('headers-errors: bad inits, names, values and callbacks throw TypeError', () => {
    expect(() => make([['name']] as unknown as [string, string][])).toThrow(TypeError);
    expect(() => make([['invalid', 'invalidValue1', 'invalidValue2']] as unknown as [string, string][])).toThrow(
      TypeError,
    );
    expect(() => make([['invalidĀ', 'Value1']])).toThrow(TypeError);
    expect(() => make([['name', 'invalidValueĀ']])).toThrow(TypeError);
    const headers = make();
    for (const name of ['invalidĀ', {}] as unknown as string[]) {
      expect(() => headers.get(name)).toThrow(TypeError);
      expect(() => headers.delete(name)).toThrow(TypeError);
      expect(() => headers.has(name)).toThrow(TypeError);
      expect(() => headers.set(name, 'Value1')).toThrow(TypeError);
      expect(() => headers.append(name, 'Value1')).toThrow(TypeError);
    }
    expect(() => headers.set('name', 'invalidĀ')).toThrow(TypeError);
    expect(() => headers.append('name', 'invalidĀ')).toThrow(TypeError);
    const one = make([['name', 'value']]);
    for (const bad of [undefined, 1]) expect(() => one.forEach(bad as never)).toThrow(TypeError);
    expect(() => (one.forEach as () => void)()).toThrow(TypeError);
    let count = 0;
    const three = make([
      ['name1', 'value1'],
      ['name2', 'value2'],
      ['name3', 'value3'],
    ]);
    expect(() =>
      three.forEach((_, name) => {
        count++;
        if (name === 'name2') throw 'error';
      }),
    ).toThrow('error');
    expect(count).toBe(2);
  });

  // headers-normalize.any.js
  it('headers-normalize: leading and trailing HTTP whitespace is removed, other bytes kept', () => {
    const expectations: Record<string, [string, string]> = {
      name1: [' space ', 'space'],
      name2: ['\ttab\t', 'tab'],
      name3: [' spaceAndTab\t', 'spaceAndTab'],
      name4: ['\r\n newLine', 'newLine'],
      name5: ['newLine\r\n ', 'newLine'],
      name6: ['\r\n\tnewLine', 'newLine'],
      name7: ['\t\f\tnewLine\n', '\f\tnewLine'],
      name8: ['newLine\xa0', 'newLine\xa0'],
    };
    const fromRecord = make(Object.fromEntries(Object.entries(expectations).map(([name, [raw]]) => [name, raw])));
    const appended = make();
    const set = make();
    for (const [name, [raw, expected]] of Object.entries(expectations)) {
      appended.append(name, raw);
      set.set(name, raw);
      expect([fromRecord.get(name), appended.get(name), set.get(name)]).toEqual([expected, expected, expected]);
    }
  });

  // header-values.any.js: NUL, LF and CR are refused in a value; every other byte is kept
  it('header-values: 0x00, 0x0A and 0x0D are invalid, the other 253 bytes valid', () => {
    const headers = make();
    for (const code of [0, 0x0a, 0x0d])
      expect(() => headers.append('value-test', `x${String.fromCharCode(code)}x`)).toThrow(TypeError);
    for (let code = 1; code < 0x100; code++) {
      if (code === 0x0a || code === 0x0d) continue;
      headers.append(`val${code}`, `x${String.fromCharCode(code)}x`);
      expect(headers.get(`val${code}`)).toBe(`x${String.fromCharCode(code)}x`);
    }
  });

  // headers-combine.any.js
  it('headers-combine: values of one name combine with ", " in get and iteration, sorted', () => {
    const sequence: [string, string][] = [
      ['single', 'singleValue'],
      ['double', 'doubleValue1'],
      ['double', 'doubleValue2'],
      ['triple', 'tripleValue1'],
      ['triple', 'tripleValue2'],
      ['triple', 'tripleValue3'],
    ];
    const expected = {
      single: 'singleValue',
      double: 'doubleValue1, doubleValue2',
      triple: 'tripleValue1, tripleValue2, tripleValue3',
    };
    const headers = make(sequence);
    for (const [name, value] of Object.entries(expected)) expect(headers.get(name)).toBe(value);
    for (const name of Object.keys(expected)) {
      const before = headers.get(name);
      headers.append(name, 'newSingleValue');
      expect(headers.get(name)).toBe(`${before}, newSingleValue`);
      headers.set(name, 'newSingleValue');
      expect(headers.get(name)).toBe('newSingleValue');
      headers.delete(name);
      expect(headers.has(name)).toBe(false);
    }
    expect(
      pairs(
        make([
          ['1', 'a'],
          ['1', 'b'],
        ]),
      ),
    ).toEqual([['1', 'a, b']]);
    expect(
      pairs(
        make([
          ['2', 'a'],
          ['1', 'b'],
          ['2', 'b'],
        ]),
      ),
    ).toEqual([
      ['1', 'b'],
      ['2', 'a, b'],
    ]);
  });

  // headers-casing.any.js
  it('headers-casing: names match case-insensitively and come out lower-cased', () => {
    const headers = make({ 'Content-Type': 'value1', 'X-CUSTOM': 'value2' });
    expect(headers.get('content-type')).toBe('value1');
    expect(headers.has('x-Custom')).toBe(true);
    headers.append('content-TYPE', 'value3');
    expect(headers.get('CONTENT-type')).toBe('value1, value3');
    headers.set('X-Custom', 'value4');
    expect(pairs(headers)).toEqual([
      ['content-type', 'value1, value3'],
      ['x-custom', 'value4'],
    ]);
  });

  // header-setcookie.any.js
  it('header-setcookie: Set-Cookie stays apart in iteration and getSetCookie, in its order', () => {
    const list: [string, string][] = [
      ['set-cookie', 'foo=bar'],
      ['Set-Cookie', 'fizz=buzz; domain=example.com'],
    ];
    const cookie2: [string, string][] = [
      ['set-cookie2', 'foo2=bar2'],
      ['Set-Cookie2', 'fizz2=buzz2; domain=example2.com'],
    ];
    expect(make(list).get('set-cookie')).toBe('foo=bar, fizz=buzz; domain=example.com');
    expect(pairs(make(list))).toEqual([
      ['set-cookie', 'foo=bar'],
      ['set-cookie', 'fizz=buzz; domain=example.com'],
    ]);
    expect(pairs(make(cookie2))).toEqual([['set-cookie2', 'foo2=bar2, fizz2=buzz2; domain=example2.com']]);
    const mixed = [
      ['xylophone-header', '1'],
      ['best-header', '2'],
      ['set-cookie', '3'],
      ['a-cool-header', '4'],
      ['set-cookie', '5'],
      ['a-cool-header', '6'],
      ['best-header', '7'],
    ] as [string, string][];
    expect(pairs(make(mixed))).toEqual([
      ['a-cool-header', '4, 6'],
      ['best-header', '2, 7'],
      ['set-cookie', '3'],
      ['set-cookie', '5'],
      ['xylophone-header', '1'],
    ]);
    expect(
      make([
        ['set-cookie', 'z=z'],
        ['set-cookie', 'a=a'],
        ['set-cookie', 'n=n'],
      ]).getSetCookie(),
    ).toEqual(['z=z', 'a=a', 'n=n']);
    expect(make(list).has('sEt-cOoKiE')).toBe(true);
    const set = make(list);
    set.set('set-cookie', 'foo2=bar2');
    expect(pairs(set)).toEqual([['set-cookie', 'foo2=bar2']]);
    const deleted = make(list);
    deleted.delete('set-Cookie');
    expect(pairs(deleted)).toEqual([]);
    expect(make().getSetCookie()).toEqual([]);
    expect(make({ 'Set-Cookie': 'foo=bar' }).getSetCookie()).toEqual(['foo=bar']);
    expect(make([['set-cookie', '']]).getSetCookie()).toEqual(['']);
    expect(
      make([
        ['set-cookie', 'x'],
        ['set-cookie', 'x'],
      ]).getSetCookie(),
    ).toEqual(['x', 'x']);
    expect(
      make([
        ['set-cookie2', 'x'],
        ['set-cookie', 'y'],
        ['set-cookie2', 'z'],
      ]).getSetCookie(),
    ).toEqual(['y']);
    const normalised = make({ 'Set-Cookie': '  a=b\n' });
    normalised.append('set-cookie', '\n\rc=d  ');
    expect(pairs(normalised)).toEqual([
      ['set-cookie', 'a=b'],
      ['set-cookie', 'c=d'],
    ]);
    normalised.set('set-cookie', '\te=f ');
    expect(pairs(normalised)).toEqual([['set-cookie', 'e=f']]);
    expect(() => make({ 'set-cookie': '\0' })).toThrow(TypeError);
    expect(() => make().append('Set-Cookie', 'a\nb')).toThrow(TypeError);
    expect(() => make().set('Set-Cookie', 'a\rb')).toThrow(TypeError);
  });

  it('header-setcookie: the iterator follows Set-Cookie changes made while iterating', () => {
    const headers = make([
      ['fizz', 'buzz'],
      ['X-Header', 'test'],
    ]);
    const iterator = headers[Symbol.iterator]();
    expect(iterator.next().value).toEqual(['fizz', 'buzz']);
    headers.append('Set-Cookie', 'a=b');
    expect(iterator.next().value).toEqual(['set-cookie', 'a=b']);
    headers.append('Accept', 'text/html');
    expect(iterator.next().value).toEqual(['set-cookie', 'a=b']);
    expect(iterator.next().value).toEqual(['x-header', 'test']);
    headers.append('set-cookie', 'c=d');
    expect(iterator.next().value).toEqual(['x-header', 'test']);
    expect(iterator.next().done).toBe(true);
    const cookies = make([
      ['set-cookie', 'a'],
      ['set-cookie', 'b'],
      ['set-cookie', 'c'],
    ]);
    const walk = cookies[Symbol.iterator]();
    expect(walk.next().value).toEqual(['set-cookie', 'a']);
    cookies.delete('set-cookie');
    for (const value of ['d', 'e', 'f']) cookies.append('set-cookie', value);
    expect([walk.next().value, walk.next().value, walk.next().done]).toEqual([
      ['set-cookie', 'e'],
      ['set-cookie', 'f'],
      true,
    ]);
  });

  // headers-record.any.js (the parts without Proxy traps): a record's own keys, not inherited ones
  it('headers-record: a record reads its own keys, not inherited ones', () => {
    const record = Object.create({ inherited: 'no' }, { a: { value: 'b', enumerable: true } });
    expect(pairs(make(record))).toEqual([['a', 'b']]);
  });
});

describe('LightHeaders: the cache of checked names', () => {
  it('gives the same answers and errors once names are cached, past its size and for long names', () => {
    const long = `x-${'a'.repeat(80)}`; // longer than the cached ones: checked every time
    const names = ['Content-Type', 'content-type', 'CONTENT-TYPE', 'X-Many', long, long.toUpperCase()];
    // More distinct names than the cache holds, so it is cleared on the way.
    for (let index = 0; index < 600; index += 1) names.push(`X-Name-${index}`);
    for (let round = 0; round < 3; round += 1) {
      const light = new LightHeaders() as unknown as Headers;
      const undici = new OriginalHeaders();
      for (const name of names) {
        light.append(name, `v${round}`);
        undici.append(name, `v${round}`);
      }
      expect([...light]).toEqual([...undici]);
      for (const name of names) expect(light.get(name.toUpperCase())).toBe(undici.get(name));
      // A bad name stays bad after good ones filled the cache; a name differing only in case is the same name.
      for (const bad of ['bad name', 'bad:name', '', 'é']) {
        expect(() => light.set(bad, 'v')).toThrow(TypeError);
        expect(() => undici.set(bad, 'v')).toThrow(TypeError);
      }
      expect(light.has('content-TYPE')).toBe(true);
      light.delete('CONTENT-type');
      expect(light.has('content-type')).toBe(false);
    }
  });
});

describe('LightHeaders as a stand-in for undici', () => {
  it('answers every member of the platform Headers itself (no undici brand check is ever reached)', () => {
    for (const key of PLATFORM_HEADERS_MEMBERS)
      expect(Object.hasOwn(LightHeaders.prototype, key), String(key)).toBe(true);
  });

  it('is instanceof Headers and goes through undici constructors and fetch-style conversions', async () => {
    const light = new LightHeaders([
      ['X-A', '1'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]) as unknown as Headers;
    expect(light).toBeInstanceOf(Headers);
    expect(Object.prototype.toString.call(light)).toBe('[object Headers]');
    expect([...new OriginalHeaders(light)]).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-a', '1'],
    ]);
    const real = new OriginalResponse('body', { headers: light });
    expect(real.headers.get('x-a')).toBe('1');
    expect(real.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(new Request('http://localhost/', { headers: light }).headers.get('x-a')).toBe('1');
  });

  it('gives node:http one entry per name with values combined, each Set-Cookie apart', () => {
    const headers = new LightHeaders() as unknown as Headers;
    headers.append('Vary', 'Cookie');
    headers.set('content-type', 'text/html');
    headers.append('vary', 'Accept-Language');
    headers.append('Set-Cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    expect(nodeHeaders(headers)).toEqual([
      'vary',
      'Cookie, Accept-Language',
      'content-type',
      'text/html',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
    ]);
  });

  it('a lazy response keeps one headers object, written as it is and kept when the body is read', async () => {
    {
      const response = new LightResponse('hello', { headers: [['X-One', '1']] });
      response.headers.set('x-two', '2');
      expect(lazyParts(response)).toEqual({
        body: 'hello',
        headers: ['x-one', '1', 'content-type', 'text/plain;charset=UTF-8', 'x-two', '2', 'content-length', '5'],
      });
      const held = response.headers;
      held.set('x-three', '3');
      // Reading the body builds undici's response: it follows the held headers ([SameObject]).
      expect(response.clone().headers.get('x-three')).toBe('3');
      expect(await response.text()).toBe('hello');
      held.set('x-four', '4');
      expect(response.headers).toBe(held);
      expect(response.headers.get('x-four')).toBe('4');
    }
  });

  it('shows its headers in util.inspect like the platform one', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(new LightHeaders({ a: '1' }))).toBe("Headers { a: '1' }");
  });
});
