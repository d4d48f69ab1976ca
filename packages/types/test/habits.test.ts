// The shared runtime habits, tested once here instead of in every package.
import { describe, expect, it } from 'vitest';
import { AdvError, describeValue, expectedMessage, optionReaders, pathnameOf, withHeaders } from '../src/index.js';
import { freePort } from '../src/testing.js';
import { plainPathname } from '../src/url.js';

type DemoCode = 'ERR_INVALID_OPTION' | 'ERR_BACKEND';
/** Declared the way every package declares its error class. */
class DemoError extends AdvError<DemoCode> {
  override readonly name = 'DemoError';
}

describe('AdvError', () => {
  it('carries the subclass literal name, the code and the cause', () => {
    const cause = new Error('root');
    const error = new DemoError('ERR_BACKEND', 'down', { cause });
    expect(error).toBeInstanceOf(DemoError);
    expect(error).toBeInstanceOf(AdvError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DemoError');
    expect(error.code).toBe('ERR_BACKEND');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('DemoError: down');
    expect(error.stack).toContain('down');
    expect(Object.hasOwn(new DemoError('ERR_BACKEND', 'm'), 'cause')).toBe(false);
  });

  it('is an AdvError by name when not subclassed', () => {
    expect(String(new AdvError('ERR_X', 'm'))).toBe('AdvError: m');
  });
});

describe('describeValue', () => {
  it.each([
    [-1, '`-1` (number)'],
    [Number.NaN, '`NaN` (number)'],
    ['', '`` (string)'],
    ['not a tag!', '`not a tag!` (string)'],
    [null, '`null` (null)'],
    [undefined, '`undefined` (undefined)'],
    [true, '`true` (boolean)'],
    [10n, '`10n` (bigint)'],
    [Symbol('s'), '`Symbol(s)` (symbol)'],
    [[], '`[]` (array)'],
    [['en', 1], '`["en",1]` (array)'],
    [{ secret: 'x' }, '`[object Object]` (object)'],
    [new Map(), '`[object Map]` (object)'],
    [function named() {}, '`[function named]` (function)'],
    [() => {}, '`[function anonymous]` (function)'],
  ])('renders %s as %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it('falls back to the object tag when rendering throws', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(describeValue(cycle)).toBe('`[object Array]` (array)');
    expect(describeValue(Object.create(null))).toBe('`[object Object]` (object)');
  });

  it('cuts what it shows at 80 characters', () => {
    const shown = describeValue('x'.repeat(200));
    expect(shown).toBe(`\`${'x'.repeat(77)}...\` (string)`);
    expect(describeValue('x'.repeat(80))).toBe(`\`${'x'.repeat(80)}\` (string)`);
  });
});

describe('optionReaders', () => {
  const { read, readNested, checkKeys, invalid } = optionReaders(DemoError);
  interface Bag {
    ttl?: number | undefined;
    prefix?: string | undefined;
  }
  const keys = { ttl: true, prefix: true } as const;

  it('reads options with defaults, refusing with the package error', () => {
    expect(read<Bag, { prefix: string }>('f', { ttl: 1, prefix: undefined }, keys, { prefix: 'adv' })).toEqual({
      ttl: 1,
      prefix: 'adv',
    });
    const call = () => read('f', { tll: 1 } as Bag, keys, {});
    expect(call).toThrow(DemoError);
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(call).toThrow('Unknown option `tll` of `f()`; did you mean `ttl`? Valid options: `ttl`, `prefix`.');
  });

  it('names a nested bag by its path', () => {
    expect(() => readNested('f', 'l1', { tll: 1 } as Bag, keys, {})).toThrow(
      'Unknown option `l1.tll` of `f()`; did you mean `l1.ttl`?',
    );
  });

  it('checks keys without copying, and refuses what read refuses', () => {
    expect(checkKeys('f', undefined, keys)).toBeUndefined();
    expect(checkKeys('f', { ttl: 1 }, keys)).toBeUndefined();
    expect(checkKeys('f', Object.create({ inherited: 1 }) as object, keys)).toBeUndefined();
    expect(() => checkKeys('f', { zzz: 1 } as object, keys)).toThrow(DemoError);
    expect(() => checkKeys('f', [] as object, keys)).toThrow(
      'Expected the options of `f()` to be an object, got `[]` (array)',
    );
    expect(() => checkKeys('f', null as unknown as object, keys)).toThrow(
      /^Expected the options of `f\(\)` to be an object, got `null`$/,
    );
  });

  it('builds the one bad-value message', () => {
    const error = invalid('ttl', 'a non-negative number', -1);
    expect(error).toBeInstanceOf(DemoError);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toBe('Expected `ttl` to be a non-negative number, got `-1` (number)');
    expect(expectedMessage('ttl', 'a number', 'x')).toBe('Expected `ttl` to be a number, got `x` (string)');
  });
});

describe('withHeaders', () => {
  it('edits mutable headers in place', () => {
    const response = new Response('hi', { status: 201 });
    expect(withHeaders(response, (headers) => headers.set('x-a', '1'))).toBe(response);
    expect(response.headers.get('x-a')).toBe('1');
  });

  it('edits a copy of a response with immutable headers, keeping status and body', async () => {
    const redirect = Response.redirect('https://example.com/next', 302);
    const copy = withHeaders(redirect, (headers) => headers.set('x-a', '1'));
    expect(copy).not.toBe(redirect);
    expect(copy.status).toBe(302);
    expect(copy.headers.get('location')).toBe('https://example.com/next');
    expect(copy.headers.get('x-a')).toBe('1');
    expect(redirect.headers.get('x-a')).toBeNull();
  });

  it('turns a network error into a 502 that gets the headers', async () => {
    const answered = withHeaders(Response.error(), (headers) => headers.set('x-a', '1'));
    expect(answered.status).toBe(502);
    expect(answered.headers.get('x-a')).toBe('1');
    expect(await answered.text()).toBe('Bad Gateway');
  });
});

describe('freePort', () => {
  it('returns a loopback port nothing listens on', async () => {
    const { createServer } = await import('node:net');
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('pathnameOf', () => {
  it('is the URL parser pathname, normalised as `new URL` normalises it', () => {
    for (const url of ['http://h/', 'http://h/a/../b', 'http://h/x%2Fy?q=1#f', 'http://h/café', 'http://h:8080/a b']) {
      const request = new Request(url);
      expect(pathnameOf(request)).toBe(new URL(url).pathname);
    }
  });

  it('remembers the pathname per Request object: another request with another URL gets its own', () => {
    const first = new Request('http://h/one');
    const second = new Request(first.url.replace('one', 'two'), first);
    expect(pathnameOf(first)).toBe('/one');
    expect(pathnameOf(second)).toBe('/two');
    expect(pathnameOf(first)).toBe('/one');
  });

  it('remembers it for a frozen request too, and leaves no key a caller can see', () => {
    const frozen = Object.freeze(new Request('http://h/frozen/../path'));
    expect(pathnameOf(frozen)).toBe('/path');
    expect(pathnameOf(frozen)).toBe('/path');
    const open = new Request('http://h/open');
    expect(pathnameOf(open)).toBe('/open');
    expect(Object.keys(open)).toEqual([]);
    expect(Object.getOwnPropertyNames(open)).toEqual([]);
  });

  it('parses once per request: a second ask does not read request.url again', () => {
    const request = new Request('http://h/once');
    let reads = 0;
    const counted = new Proxy(request, {
      get(target, key) {
        if (key === 'url') reads++;
        return Reflect.get(target, key, target);
      },
    }) as Request;
    expect(pathnameOf(counted)).toBe('/once');
    expect(pathnameOf(counted)).toBe('/once');
    expect(reads).toBe(1);
  });
});

describe('pathnameOf without parsing (plainPathname)', () => {
  // Inputs chosen from the URL parser's path rules (WHATWG URL "path state"): dot segments, escaped
  // dots, backslashes, characters it percent-encodes, user info, IPv6 and odd schemes.
  const urls = [
    'http://h/',
    'http://h',
    'https://example.com:8443/a/b.c/d-e_f~g',
    "http://h/!$&'()*+,;=:@x",
    'http://h//double//slash/',
    'http://h/a/./b',
    'http://h/a/../b',
    'http://h/a/..',
    'http://h/.',
    'http://h/a/.b/..c/c..',
    'http://h/a/%2e%2E/b',
    'http://h/a/%2E/b',
    'http://h/x%2Fy',
    'http://h/a b',
    'http://h/café',
    'http://h/a\\b',
    'http://h/a"b<c>d`e{f}g',
    'http://h/p?q=/../x#/../y',
    'http://h/p#frag',
    'http://user:pw@h/p',
    'http://[::1]:8080/p',
    'http://H.Example.COM/Case/Kept',
    'http://h?x/y',
    'ftp://h/a/../b',
    'file:///a/b',
    'http://h/a\tb',
  ];

  it('gives what the URL parser gives, for every input it takes; the others go to new URL', () => {
    const taken: string[] = [];
    for (const url of urls) {
      let expected: string;
      try {
        expected = new URL(url).pathname;
      } catch {
        continue;
      }
      const plain = plainPathname(url);
      if (plain !== undefined) {
        expect(plain, url).toBe(expected);
        taken.push(url);
      }
    }
    for (const url of ['http://h/a/../b', 'http://h/a%2e/b', 'http://h/plain/path?x=1']) {
      expect(pathnameOf(new Request(url))).toBe(new URL(url).pathname);
    }
    // The fast path does take the plain ones (and only those).
    expect(taken).toEqual([
      'http://h/',
      'https://example.com:8443/a/b.c/d-e_f~g',
      "http://h/!$&'()*+,;=:@x",
      'http://h//double//slash/',
      'http://h/a/.b/..c/c..',
      'http://h/p?q=/../x#/../y',
      'http://h/p#frag',
      'http://H.Example.COM/Case/Kept',
    ]);
  });
});
