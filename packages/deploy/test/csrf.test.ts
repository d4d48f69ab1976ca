import { compose } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { type BaseSettings, csrfMiddleware, isTrustedOrigin } from '../src/index.js';

const settings: Partial<BaseSettings> = {
  ALLOWED_HOSTS: ['example.com'],
  CSRF_TRUSTED_ORIGINS: ['https://*.partner.com', 'https://pay.example.net'],
  SECURE_PROXY_SSL_HEADER: ['x-forwarded-proto', 'https'],
};
const app = (options = {}) => compose(csrfMiddleware(settings, options))(async () => new Response('done'));
const post = (url: string, headers: Record<string, string>) =>
  new Request(url, { method: 'POST', headers, body: 'x=1' });

describe('csrfMiddleware', () => {
  it('lets safe methods through without checks', async () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(
        (await app()(new Request('https://example.com/', { method, headers: { origin: 'https://evil.com' } }))).status,
      ).toBe(200);
    }
  });

  it('accepts same-origin and trusted-origin POSTs', async () => {
    expect((await app()(post('https://example.com/f', { origin: 'https://example.com' }))).status).toBe(200);
    expect((await app()(post('https://example.com/f', { origin: 'https://example.com:443' }))).status).toBe(200);
    expect((await app()(post('https://example.com/f', { origin: 'https://shop.partner.com' }))).status).toBe(200);
    expect((await app()(post('https://example.com/f', { origin: 'https://pay.example.net' }))).status).toBe(200);
  });

  it.each([
    ['cross-site origin', { origin: 'https://evil.com' }],
    ['scheme downgrade', { origin: 'http://example.com' }],
    ['lookalike suffix', { origin: 'https://evilpartner.com' }],
    ['suffix trick', { origin: 'https://example.com.evil.com' }],
    ['null origin', { origin: 'null' }],
    ['garbage origin', { origin: '%%%' }],
    ['no origin, no referer', {}],
    ['cross-site referer', { referer: 'https://evil.com/page' }],
    ['insecure referer', { referer: 'http://example.com/page' }],
    ['malformed referer', { referer: 'not a url' }],
  ])('rejects an unsafe cross-origin POST: %s', async (_name, headers) => {
    const res = await app()(post('https://example.com/transfer', headers));
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/^Forbidden \(403\)\nCSRF verification failed/);
  });

  it('uses the proxy header to know the site origin', async () => {
    const proxied = post('http://example.com/f', { origin: 'https://example.com', 'x-forwarded-proto': 'https' });
    expect((await app()(proxied)).status).toBe(200);
    expect((await app()(post('http://example.com/f', { origin: 'https://example.com' }))).status).toBe(403);
  });

  it('accepts a same-origin Referer when Origin is absent', async () => {
    expect((await app()(post('https://example.com/f', { referer: 'https://example.com/form' }))).status).toBe(200);
    expect((await app()(post('https://example.com/f', { referer: 'https://a.partner.com/x' }))).status).toBe(200);
  });

  it('allowMissingOrigin admits header-less API clients, exempt skips checks', async () => {
    expect((await app({ allowMissingOrigin: true })(post('https://example.com/api', {}))).status).toBe(200);
    expect(
      (await app({ allowMissingOrigin: true })(post('https://example.com/api', { origin: 'https://evil.com' }))).status,
    ).toBe(403);
    const exempt = app({ exempt: (r: Request) => new URL(r.url).pathname === '/webhook' });
    expect((await exempt(post('https://example.com/webhook', { origin: 'https://evil.com' }))).status).toBe(200);
  });

  it('isTrustedOrigin matches wildcards by scheme and suffix', () => {
    expect(isTrustedOrigin('https://a.b.partner.com', ['https://*.partner.com'])).toBe(true);
    expect(isTrustedOrigin('http://a.partner.com', ['https://*.partner.com'])).toBe(false);
    expect(isTrustedOrigin('https://xpartner.com', ['https://*.partner.com'])).toBe(false);
  });

  it('rejects a non-function exempt', () => {
    expect(() => csrfMiddleware(settings, { exempt: 'x' as never })).toThrow(/Expected `exempt` to be a function/);
  });
});
