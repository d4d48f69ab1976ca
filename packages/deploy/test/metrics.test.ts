import { compose } from '@adv/types';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, defaultRoute } from '../src/entry/metrics.js';

describe('createMetrics', () => {
  it('counts requests and durations by method, route and status, served at /metrics', async () => {
    const metrics = createMetrics();
    const app = compose(metrics.middleware)(async (request) =>
      new URL(request.url).pathname === '/missing' ? new Response('', { status: 404 }) : new Response('ok'),
    );
    await app(new Request('http://x/users/42'));
    await app(new Request('http://x/users/43'));
    await app(new Request('http://x/missing', { method: 'POST' }));
    const res = await app(new Request('http://x/metrics'));
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="POST",route="unmatched",status="404"} 1');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/users\/:id",status="200"\} 2/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('records a thrown handler as status 500 and rethrows', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const app = compose(metrics.middleware)(async () => {
      throw new Error('boom');
    });
    await expect(app(new Request('http://x/a'))).rejects.toThrow('boom');
    const text = await (await metrics.handler(new Request('http://x/metrics'))).text();
    expect(text).toContain('http_requests_total{method="GET",route="/a",status="500"} 1');
    expect(text).not.toContain('nodejs_eventloop_lag_seconds');
  });

  it('records a synchronous throw below as status 500 and rejects (never throws); durations are seconds', async () => {
    const metrics = createMetrics({ defaultMetrics: false, buckets: [1000] });
    const result = metrics.middleware(new Request('http://x/b'), () => {
      throw new Error('sync boom');
    });
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow('sync boom');
    const ok = await metrics.middleware(new Request('http://x/b'), () => Promise.resolve(new Response('ok')));
    expect(ok.status).toBe(200);
    const text = await (await metrics.handler(new Request('http://x/metrics'))).text();
    expect(text).toContain('http_requests_total{method="GET",route="/b",status="500"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/b",status="200"} 1');
    // Both requests took well under 1000 s: each lands in the first bucket.
    expect(text).toContain('http_request_duration_seconds_bucket{le="1000",method="GET",route="/b",status="200"} 1');
  });

  it('shares a registry with the app and takes a custom route label', async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'signups_total', help: 'signups', registers: [registry] });
    mine.inc();
    const metrics = createMetrics({ registry, defaultMetrics: false, route: () => 'all' });
    await compose(metrics.middleware)(async () => new Response(''))(new Request('http://x/anything/9'));
    const text = await registry.metrics();
    expect(text).toContain('signups_total 1');
    expect(text).toContain('route="all"');
  });

  it('keeps the number of series bounded: 404s are `unmatched`, routes past maxRoutes `other`', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const app = compose(metrics.middleware)(async () => new Response('', { status: 404 }));
    for (let i = 0; i < 300; i++) await app(new Request(`http://x/wp-admin/probe-${i}.php`));
    let text = await metrics.registry.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 300');
    expect(text).not.toContain('probe-');

    const capped = createMetrics({ defaultMetrics: false, maxRoutes: 3, route: (r) => new URL(r.url).pathname });
    const ok = compose(capped.middleware)(async () => new Response('ok'));
    for (const path of ['/a', '/b', '/c', '/d', '/e', '/a']) await ok(new Request(`http://x${path}`));
    text = await capped.registry.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="/a",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/c",status="200"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="other",status="200"} 2');
    expect(text).not.toContain('route="/d"');
  });

  it('a throwing route function labels the request `error` and keeps the response', async () => {
    const metrics = createMetrics({
      defaultMetrics: false,
      route: () => {
        throw new Error('router broke');
      },
    });
    const res = await compose(metrics.middleware)(async () => new Response('fine'))(new Request('http://x/a'));
    expect(await res.text()).toBe('fine');
    expect(await metrics.registry.metrics()).toContain('route="error"');
  });

  it('defaultRoute collapses ids', () => {
    expect(
      defaultRoute(new Request('http://x/a/123/b/3f2504e0-4f89-11d3-9a0c-0305e82c3301/c/deadbeefdeadbeef00')),
    ).toBe('/a/:id/b/:id/c/:id');
  });

  it('defaultRoute remembers labels by pathname: the same path, and 1,000+ distinct paths, label as computed', () => {
    const path = 'http://x/u/42/edit';
    expect([defaultRoute(new Request(path)), defaultRoute(new Request(`${path}?q=1`))]).toEqual([
      '/u/:id/edit',
      '/u/:id/edit',
    ]);
    for (let i = 0; i < 1500; i++) expect(defaultRoute(new Request(`http://x/p${i}/${i}`))).toBe(`/p${i}/:id`);
    expect(defaultRoute(new Request(path))).toBe('/u/:id/edit');
  });

  it('rejects bad options', () => {
    expect(() => createMetrics({ registry: {} as never })).toThrow(/Expected `registry` to be a prom-client Registry/);
    expect(() => createMetrics({ buckets: [0] })).toThrow(/Expected `buckets`/);
    expect(() => createMetrics({ maxRoutes: 0 })).toThrow(/Expected `maxRoutes` to be a positive integer/);
  });
});
