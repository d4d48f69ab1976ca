import { compose } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { isAllowedHost, isAllowedRequestHost, type SecuritySettings, securityMiddleware } from '../src/index.js';

const ok = async () => new Response('ok', { headers: { 'set-cookie': 'sid=1; Path=/; HttpOnly' } });
const app = (settings: SecuritySettings) => compose(securityMiddleware(settings))(ok);
const req = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });

describe('securityMiddleware', () => {
  const settings: SecuritySettings = { ALLOWED_HOSTS: ['example.com', '.example.org'] };

  it('accepts allowed hosts, subdomains with a leading dot, ports and trailing dots', async () => {
    for (const host of ['example.com', 'EXAMPLE.com:8443', 'example.org', 'a.b.example.org', 'example.com.']) {
      const res = await app(settings)(req('http://x/', { host }));
      expect(res.status, host).toBe(200);
    }
  });

  it.each([
    'evil.com',
    'example.com.evil.com',
    'notexample.org',
    'example.com@evil.com',
    'example.com/evil',
    'example.com:abc',
    'exa mple.com',
    '<script>alert(1)</script>',
    'example.com\\evil.com',
  ])('rejects the hostile Host %j with a 400 that does not echo it', async (host) => {
    const res = await app(settings)(new Request('http://example.com/', { headers: { host } }));
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toBe('Bad Request (400)');
    expect(body).not.toContain(host);
  });

  it('remembers Host verdicts per middleware without changing them: repeats, 600 distinct hosts, redirect ports', async () => {
    const one = app({ ...settings, SECURE_SSL_REDIRECT: true });
    const hosts = Array.from({ length: 600 }, (_, i) =>
      i % 3 === 0 ? `s${i}.example.org:${8000 + i}` : i % 3 === 1 ? `evil${i}.com` : `bad host ${i}`,
    );
    // Twice over, so the second pass reads verdicts remembered (or forgotten past the memo's size).
    const samePlace = [
      'example.com:8443',
      'EXAMPLE.COM:8443',
      'example.com:9001',
      'example.com:9002',
      'example.com:9001',
    ];
    for (const host of [...hosts, ...hosts.slice().reverse(), ...samePlace]) {
      const res = await one(req('http://x/p?q=1', { host }));
      if (isAllowedHost(host, settings.ALLOWED_HOSTS ?? [])) {
        expect(res.status, host).toBe(301);
        const { domain, port } = /^(?<domain>[^:]+):(?<port>\d+)$/.exec(host)?.groups ?? {};
        expect(res.headers.get('location'), host).toBe(`https://${domain?.toLowerCase()}:${port}/p?q=1`);
      } else {
        expect(res.status, host).toBe(400);
      }
    }
  });

  it('allows only localhost with DEBUG and no ALLOWED_HOSTS, nothing without DEBUG', async () => {
    expect((await app({ DEBUG: true })(req('http://localhost:3000/'))).status).toBe(200);
    expect((await app({ DEBUG: true })(req('http://127.0.0.1/'))).status).toBe(200);
    expect((await app({ DEBUG: true })(req('http://example.com/'))).status).toBe(400);
    expect((await app({})(req('http://localhost/'))).status).toBe(400);
  });

  it('trusts X-Forwarded-Host only with USE_X_FORWARDED_HOST', async () => {
    const headers = { host: 'internal:8000', 'x-forwarded-host': 'example.com' };
    expect((await app({ ALLOWED_HOSTS: ['example.com'] })(req('http://internal:8000/', headers))).status).toBe(400);
    expect(
      (await app({ ALLOWED_HOSTS: ['example.com'], USE_X_FORWARDED_HOST: true })(req('http://internal:8000/', headers)))
        .status,
    ).toBe(200);
  });

  it('redirects HTTP to HTTPS, keeping path and query, except exempt paths', async () => {
    const s = { ...settings, SECURE_SSL_REDIRECT: true, SECURE_REDIRECT_EXEMPT: ['^healthz$'] };
    const res = await app(s)(req('http://example.com/a/b?x=1'));
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://example.com/a/b?x=1');
    expect((await app(s)(req('http://example.com/healthz'))).status).toBe(200);
    expect((await app(s)(req('https://example.com/a'))).status).toBe(200);
    const other = await app({ ...s, SECURE_SSL_HOST: 'secure.example.com' })(req('http://example.com/p'));
    expect(other.headers.get('location')).toBe('https://secure.example.com/p');
  });

  it('trusts X-Forwarded-Proto only when SECURE_PROXY_SSL_HEADER is configured', async () => {
    const s = { ...settings, SECURE_SSL_REDIRECT: true, SECURE_HSTS_SECONDS: 60 };
    const forwarded = { 'x-forwarded-proto': 'https' };
    expect((await app(s)(req('http://example.com/', forwarded))).status).toBe(301);
    const proxied = { ...s, SECURE_PROXY_SSL_HEADER: ['x-forwarded-proto', 'https'] as [string, string] };
    const res = await app(proxied)(req('http://example.com/', forwarded));
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=60');
    expect((await app(proxied)(req('http://example.com/', { 'x-forwarded-proto': 'http' }))).status).toBe(301);
  });

  it('sets the security headers, HSTS only over HTTPS, without overriding the app', async () => {
    const s: SecuritySettings = {
      ...settings,
      SECURE_HSTS_SECONDS: 31536000,
      SECURE_HSTS_INCLUDE_SUBDOMAINS: true,
      SECURE_HSTS_PRELOAD: true,
      SECURE_CSP: "default-src 'self'",
      SECURE_CSP_REPORT_ONLY: "script-src 'self'; report-uri /csp",
    };
    const res = await app(s)(req('https://example.com/'));
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'self'",
      'content-security-policy-report-only': "script-src 'self'; report-uri /csp",
    });
    expect((await app(settings)(req('https://example.com/'))).headers.has('content-security-policy')).toBe(false);
    expect((await app(s)(req('http://example.com/'))).headers.has('strict-transport-security')).toBe(false);
    const own = compose(securityMiddleware(s))(
      async () => new Response('', { headers: { 'x-frame-options': 'SAMEORIGIN' } }),
    );
    expect((await own(req('https://example.com/'))).headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const off = await app({ ...settings, SECURE_CONTENT_TYPE_NOSNIFF: false, SECURE_REFERRER_POLICY: '' })(
      req('https://example.com/'),
    );
    expect(off.headers.has('x-content-type-options')).toBe(false);
    expect(off.headers.has('referrer-policy')).toBe(false);
  });

  it("builds Referrer-Policy and COOP as Django's middleware does: null sends none, lists and spaced strings joined with commas", async () => {
    const send = async (extra: SecuritySettings) =>
      (await app({ ...settings, ...extra })(req('https://example.com/'))).headers;
    const none = await send({ SECURE_REFERRER_POLICY: null, SECURE_CROSS_ORIGIN_OPENER_POLICY: null });
    expect(none.has('referrer-policy')).toBe(false);
    expect(none.has('cross-origin-opener-policy')).toBe(false);
    expect(
      (await send({ SECURE_REFERRER_POLICY: ['no-referrer', 'strict-origin-when-cross-origin'] })).get(
        'referrer-policy',
      ),
    ).toBe('no-referrer,strict-origin-when-cross-origin');
    expect((await send({ SECURE_REFERRER_POLICY: 'strict-origin, origin' })).get('referrer-policy')).toBe(
      'strict-origin,origin',
    );
    expect((await send({ SECURE_REFERRER_POLICY: [] })).has('referrer-policy')).toBe(false);
  });

  it('works on responses with immutable headers', async () => {
    const redirecting = compose(securityMiddleware(settings))(async () =>
      Response.redirect('https://example.com/x', 302),
    );
    const res = await redirecting(req('https://example.com/'));
    expect(res.status).toBe(302);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('marks cookies Secure over HTTPS with SESSION_COOKIE_SECURE', async () => {
    const s = { ...settings, SESSION_COOKIE_SECURE: true };
    const res = await app(s)(req('https://example.com/'));
    expect(res.headers.getSetCookie()).toEqual(['sid=1; Path=/; HttpOnly; Secure']);
    expect((await app(settings)(req('https://example.com/'))).headers.getSetCookie()).toEqual([
      'sid=1; Path=/; HttpOnly',
    ]);
  });

  it('rejects bad settings', () => {
    expect(() => securityMiddleware(undefined as never)).toThrow(
      /Expected `settings` to be a settings object, got `undefined`/,
    );
  });

  describe('headers on every response it wraps, error responses included', () => {
    const hsts = { ...settings, SECURE_HSTS_SECONDS: 60 };
    const expectHeaders = (res: Response) => {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    };

    it('on the 400 for a bad host (without HSTS: the host is not ours) and on the HTTPS redirect', async () => {
      const bad = await app(hsts)(req('https://evil.example/'));
      expect(bad.status).toBe(400);
      expectHeaders(bad);
      expect(bad.headers.has('strict-transport-security')).toBe(false);
      const redirect = await app({ ...hsts, SECURE_SSL_REDIRECT: true })(req('http://example.com/a'));
      expect(redirect.status).toBe(301);
      expectHeaders(redirect);
    });

    it("on the app's 404, 405 and 500 responses, and on Response.error()", async () => {
      for (const status of [404, 405, 500]) {
        const res = await compose(securityMiddleware(hsts))(async () => new Response('no', { status }))(
          req('https://example.com/'),
        );
        expect(res.status).toBe(status);
        expectHeaders(res);
        expect(res.headers.get('strict-transport-security')).toBe('max-age=60');
      }
      const failed = await compose(securityMiddleware(settings))(async () => Response.error())(
        req('https://example.com/'),
      );
      expect(failed.status).toBe(502);
      expectHeaders(failed);
    });

    it('turns a thrown error into a 500 with the headers (Django sees a response, never an exception)', async () => {
      const boom = new Error('boom');
      const logged: unknown[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => logged.push(...args);
      let res: Response;
      try {
        res = await compose(securityMiddleware(hsts))(async () => {
          throw boom;
        })(req('https://example.com/'));
      } finally {
        console.error = original;
      }
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Internal Server Error');
      expectHeaders(res);
      expect(logged).toContain(boom);

      const seen: unknown[] = [];
      const custom = await compose(
        securityMiddleware(settings, {
          onError: (error, request) => {
            seen.push(error, new URL(request.url).pathname);
            return new Response('sorry', { status: 503 });
          },
        }),
      )(async () => {
        throw boom;
      })(req('https://example.com/p'));
      expect(custom.status).toBe(503);
      expectHeaders(custom);
      expect(seen).toEqual([boom, '/p']);
      expect(() => securityMiddleware(settings, { onError: 'log' as never })).toThrow(
        /Expected `onError` to be a function/,
      );
    });
  });

  describe('as a plain function (no async wrapper): always a promise, never a synchronous throw', () => {
    const quiet = { onError: (error: unknown) => new Response(String(error), { status: 500 }) };

    it('answers a synchronous throw below through onError, with the headers', async () => {
      const result = securityMiddleware(settings, quiet)(req('https://example.com/'), () => {
        throw new Error('sync boom');
      });
      expect(result).toBeInstanceOf(Promise);
      const res = await result;
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Error: sync boom');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });

    it('rejects when onError itself throws, synchronously or not, and returns promises on early answers', async () => {
      const throwing = securityMiddleware(settings, {
        onError: () => {
          throw new Error('rethrown');
        },
      });
      const syncBelow = throwing(req('https://example.com/'), () => {
        throw new Error('below');
      });
      await expect(syncBelow).rejects.toThrow('rethrown');
      await expect(throwing(req('https://example.com/'), () => Promise.reject(new Error('below')))).rejects.toThrow(
        'rethrown',
      );
      const bad = securityMiddleware(settings)(req('https://evil.example/'), ok);
      expect(bad).toBeInstanceOf(Promise);
      expect((await bad).status).toBe(400);
      const redirect = securityMiddleware({ ...settings, SECURE_SSL_REDIRECT: true })(
        req('http://example.com/a?b=1'),
        ok,
      );
      expect(redirect).toBeInstanceOf(Promise);
      expect((await redirect).headers.get('location')).toBe('https://example.com/a?b=1');
    });
  });

  describe('the Host check outside the middleware (WebSocket upgrades)', () => {
    it('isAllowedHost takes a Host header value: ports, case, trailing dots; malformed or missing is refused', () => {
      const allowed = ['example.com', '.example.org'];
      for (const host of ['example.com', 'EXAMPLE.com:8443', 'a.b.example.org', 'example.com.', 'example.org:443']) {
        expect(isAllowedHost(host, allowed), host).toBe(true);
      }
      for (const host of [
        'evil.example',
        'example.com.evil.com',
        'example.com@evil.com',
        'example.com:abc',
        '',
        null,
        undefined,
      ]) {
        expect(isAllowedHost(host, allowed), String(host)).toBe(false);
      }
      expect(isAllowedHost('[::1]:3000', ['[::1]'])).toBe(true);
      expect(isAllowedHost('anything.test', ['*'])).toBe(true);
    });

    it('isAllowedRequestHost applies the middleware rule to an upgrade request: X-Forwarded-Host, DEBUG localhost', () => {
      const upgrade = (host: string, extra: Record<string, string> = {}) =>
        new Request('http://internal:8000/ws', {
          headers: { host, connection: 'upgrade', upgrade: 'websocket', ...extra },
        });
      expect(isAllowedRequestHost(upgrade('evil.example'), settings)).toBe(false);
      expect(isAllowedRequestHost(upgrade('example.com:443'), settings)).toBe(true);
      const forwarded = upgrade('internal:8000', { 'x-forwarded-host': 'example.com' });
      expect(isAllowedRequestHost(forwarded, settings)).toBe(false);
      expect(isAllowedRequestHost(forwarded, { ...settings, USE_X_FORWARDED_HOST: true })).toBe(true);
      expect(isAllowedRequestHost(upgrade('localhost:3000'), { DEBUG: true })).toBe(true);
      expect(isAllowedRequestHost(upgrade('localhost:3000'), {})).toBe(false);
    });
  });
});
