import { describe, expect, it } from 'vitest';
import { createI18n, I18nError, isSafeRedirect, setLanguage } from '../src/index.js';

const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en: {}, 'pt-BR': {} } });
const handler = setLanguage({ i18n });
const post = (fields: Record<string, string>, init: { headers?: Record<string, string>; url?: string } = {}) =>
  handler(
    new Request(init.url ?? 'http://shop.test/i18n/setlang', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...init.headers },
      body: new URLSearchParams(fields),
    }),
  );

describe('setLanguage', () => {
  it('sets the cookie and redirects to a safe next, rewriting its locale prefix', async () => {
    const response = await post({ language: 'pt-br', next: '/en/cart?x=1#top' });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/pt-br/cart?x=1#top');
    expect(response.headers.get('Set-Cookie')).toBe('lang=pt-BR; Path=/; Max-Age=31536000; SameSite=Lax');
    const plain = await post({ language: 'en', next: '/about' });
    expect(plain.headers.get('Location')).toBe('/about');
  });

  it('marks the cookie Secure on https', async () => {
    const response = await post({ language: 'en', next: '/' }, { url: 'https://shop.test/i18n/setlang' });
    expect(response.headers.get('Set-Cookie')).toContain('; Secure');
  });

  it('never redirects off-site: falls back to a safe Referer, then /', async () => {
    const hostile = [
      'https://evil.test/',
      '//evil.test/',
      '/\\evil.test',
      '\\\\evil.test',
      'javascript:alert(1)',
      ' /leading-space',
      '/ok\r\nSet-Cookie: x=1',
      'http://shop.test.evil.test/',
      `/${'a'.repeat(5000)}`,
    ];
    for (const next of hostile) {
      const response = await post({ language: 'pt-BR', next });
      expect(response.headers.get('Location'), next).toBe('/');
    }
    const viaReferer = await post(
      { language: 'en', next: '//evil.test' },
      { headers: { referer: 'http://shop.test/shop' } },
    );
    expect(viaReferer.headers.get('Location')).toBe('http://shop.test/shop');
    const offReferer = await post({ language: 'en' }, { headers: { referer: 'http://evil.test/' } });
    expect(offReferer.headers.get('Location')).toBe('/');
  });

  it('accepts an absolute URL on its own host, and ?next= in the query', async () => {
    const absolute = await post({ language: 'pt-BR', next: 'http://shop.test/en/x' });
    expect(absolute.headers.get('Location')).toBe('http://shop.test/pt-br/x');
    const query = await post({ language: 'pt-BR' }, { url: 'http://shop.test/i18n/setlang?next=/cart' });
    expect(query.headers.get('Location')).toBe('/cart');
  });

  it('ignores an unknown language: redirects without a cookie', async () => {
    const response = await post({ language: 'xx', next: '/cart' });
    expect(response.status).toBe(302);
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('answers 204 to a non-HTML client with nowhere to go, and 405 to GET', async () => {
    const response = await post({ language: 'en' }, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('Set-Cookie')).toContain('lang=en');
    const get = await handler(new Request('http://shop.test/i18n/setlang?language=en'));
    expect(get.status).toBe(405);
    expect(get.headers.get('Allow')).toBe('POST');
  });

  it('answers 415 to a JSON or text body, naming the form types it reads', async () => {
    for (const [type, body] of [
      ['application/json', JSON.stringify({ language: 'pt-BR', next: '/' })],
      ['text/plain;charset=UTF-8', 'language=pt-BR'],
    ] as const) {
      const response = await handler(
        new Request('http://shop.test/i18n/setlang', { method: 'POST', headers: { 'content-type': type }, body }),
      );
      expect(response.status).toBe(415);
      expect(response.headers.get('Set-Cookie')).toBeNull();
      expect(response.headers.get('Accept')).toBe('application/x-www-form-urlencoded, multipart/form-data');
      expect(await response.text()).toBe(
        `setLanguage expects a form body (application/x-www-form-urlencoded or multipart/form-data) with the fields language and next, got ${type}`,
      );
    }
    // A fetch() string body is text/plain by default: still 415, not a silent redirect.
    const text = await handler(new Request('http://shop.test/x', { method: 'POST', body: 'language=pt-BR' }));
    expect(text.status).toBe(415);
  });

  it('answers 400 to a form body that does not parse, and reads a POST without a body as an empty form', async () => {
    const broken = await handler(
      new Request('http://shop.test/x', {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=zz', accept: 'text/html' },
        body: 'garbage',
      }),
    );
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('could not read the form body');
    const empty = await handler(
      new Request('http://shop.test/x?next=/cart', { method: 'POST', headers: { accept: 'text/html' } }),
    );
    expect(empty.status).toBe(302);
    expect(empty.headers.get('Location')).toBe('/cart');
  });

  it('answers 413 to a body over maxBodySize, declared or streamed endlessly, without buffering it', async () => {
    const declared = await post({ language: 'pt-BR', next: '/x'.repeat(40_000) });
    expect(declared.status).toBe(413);
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode(`language=en&pad=${'x'.repeat(1000)}`));
      },
      cancel() {
        cancelled = true;
      },
    });
    const streamed = await handler(
      new Request('http://shop.test/i18n/setlang', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: endless,
        duplex: 'half',
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(streamed.headers.get('Set-Cookie')).toBeNull();
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(100); // 64 KiB of 1 KiB chunks, then it stopped reading
    const small = setLanguage({ i18n, maxBodySize: 10 });
    const tooBig = await small(
      new Request('http://shop.test/x', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'language=pt-BR',
      }),
    );
    expect(tooBig.status).toBe(413);
  });

  it('allows extra hosts only when configured', () => {
    const request = new Request('https://shop.test/');
    expect(isSafeRedirect('https://cdn.test/x', request)).toBe(false);
    expect(isSafeRedirect('https://cdn.test/x', request, ['cdn.test'])).toBe(true);
    expect(isSafeRedirect('http://shop.test/x', request)).toBe(false); // no downgrade from https
  });

  it('rejects bad options', () => {
    expect(() => setLanguage({ i18n, maxAge: -1 })).toThrow(
      new I18nError(
        'ERR_INVALID_OPTION',
        'Expected `maxAge` to be a non-negative integer number of seconds, got `-1` (number)',
      ),
    );
    expect(() => setLanguage({ i18n, cookie: 'a b' })).toThrow(/Expected `cookie` to be a cookie name/);
    expect(() => setLanguage({ i18n, maxBodySize: 1.5 })).toThrow(
      'Expected `maxBodySize` to be a non-negative integer number of bytes, got `1.5` (number)',
    );
    expect(() => setLanguage({} as never)).toThrow(I18nError);
  });
});
