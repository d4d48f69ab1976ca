import * as prom from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsWith, defaultRoute } from '../src/metrics.js';

/**
 * The implementation before requests were counted outside prom-client: a `Counter` and a
 * `Histogram` fed per request with a labels object. The new one must expose the same text.
 */
function previousImplementation(registry: prom.Registry, buckets: readonly number[]) {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new prom.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled',
    labelNames,
    registers: [registry],
  });
  const duration = new prom.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames,
    buckets: [...buckets],
    registers: [registry],
  });
  return (method: string, route: string, status: number, startMs: number, endMs: number) => {
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, (endMs - startMs) / 1000);
  };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (the lines this package writes). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[name as string] = value as string;
    samples.push({
      name: match[1] as string,
      labels,
      value: match[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[3]),
    });
  }
  return samples;
}

/** A request the test drives: method, path, status, and how long it takes on the fake clock (ms). */
type Case = [method: string, path: string, status: number, ms: number];

/** Durations on and around the bucket bounds (0.005 s, 0.01 s, … 10 s), past the last, and zero. */
const CASES: Case[] = [
  ['GET', '/', 200, 1],
  ['GET', '/', 200, 5], // exactly on the first bound: counted in it (le is inclusive)
  ['GET', '/', 200, 5.000001],
  ['GET', '/users/42', 200, 10],
  ['GET', '/users/43', 200, 0],
  ['POST', '/users/43', 303, 250],
  ['GET', '/missing', 404, 3],
  ['HEAD', '/', 200, 12_000], // beyond 10 s: only in +Inf
  ['GET', '/', 304, 2.5],
  ['DELETE', '/a/3f2504e0-4f89-11d3-9a0c-0305e82c3301', 500, 999.75],
  ['GET', '/weird"route\\x', 200, 0.1],
  ['GET', '/', 200, 7],
  ['PATCH', '/users/42', 200, 10_000],
];

/** Runs the cases through the new middleware (fake clock) and through the previous implementation. */
async function runBoth(cases: readonly Case[], buckets?: readonly number[], contentType?: prom.RegistryContentType) {
  const oldRegistry = new prom.Registry();
  const newRegistry = new prom.Registry();
  // The typings bind a registry to the content type it was made with; prom-client switches at run time.
  if (contentType) for (const registry of [oldRegistry, newRegistry]) registry.setContentType(contentType as never);
  const effectiveBuckets = buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const previous = previousImplementation(oldRegistry, effectiveBuckets);
  let clock = 1_000;
  const metrics = createMetricsWith(prom, { registry: newRegistry, defaultMetrics: false, buckets }, () => clock);
  for (const [method, path, status, ms] of cases) {
    const request = new Request(`http://x${path}`, { method });
    const start = clock;
    await metrics.middleware(request, () => {
      clock += ms;
      return Promise.resolve(new Response(null, { status }));
    });
    const route = status === 404 ? 'unmatched' : defaultRoute(request);
    previous(method, route, status, start, clock);
  }
  return { oldRegistry, newRegistry, metrics, previous, tick: (ms: number) => (clock += ms) };
}

describe('createMetrics exposition (counted outside prom-client)', () => {
  it('writes the same /metrics text as prom-client fed per request: counts, buckets and bounds, sums, label sets', async () => {
    const { oldRegistry, newRegistry, metrics } = await runBoth(CASES);
    const expected = await oldRegistry.metrics();
    const served = await (await metrics.handler(new Request('http://x/metrics'))).text();
    expect(served).toBe(expected);
    // Parsed, so a failure names the sample; the bounds are the default ones.
    const samples = parse(served);
    expect(samples).toEqual(parse(expected));
    const les = samples
      .filter(
        (s) =>
          s.name === 'http_request_duration_seconds_bucket' &&
          s.labels.route === '/' &&
          s.labels.method === 'GET' &&
          s.labels.status === '200',
      )
      .map((s) => [s.labels.le, s.value]);
    expect(les).toEqual([
      ['0.005', 2],
      ['0.01', 4],
      ['0.025', 4],
      ['0.05', 4],
      ['0.1', 4],
      ['0.25', 4],
      ['0.5', 4],
      ['1', 4],
      ['2.5', 4],
      ['5', 4],
      ['10', 4],
      ['+Inf', 4],
    ]);
    expect(samples.find((s) => s.name === 'http_requests_total' && s.labels.method === 'HEAD')?.value).toBe(1);
    expect(await newRegistry.getMetricsAsJSON()).toEqual(await oldRegistry.getMetricsAsJSON());
    // A second scrape with no requests in between reports the same counts (deltas are not counted twice).
    expect(await newRegistry.metrics()).toBe(expected);
  });

  it('matches with custom and unsorted buckets, in the OpenMetrics format, and across scrapes', async () => {
    for (const buckets of [
      [0.001, 1],
      [2, 0.003, 0.5],
    ]) {
      for (const contentType of [prom.Registry.PROMETHEUS_CONTENT_TYPE, prom.Registry.OPENMETRICS_CONTENT_TYPE]) {
        const both = await runBoth(CASES.slice(0, 7), buckets, contentType);
        expect(await both.newRegistry.metrics()).toBe(await both.oldRegistry.metrics());
        // More requests after a scrape: the counter gets only the new ones.
        for (const [method, path, status, ms] of CASES.slice(7)) {
          const start = both.tick(0);
          await both.metrics.middleware(new Request(`http://x${path}`, { method }), () => {
            both.tick(ms);
            return Promise.resolve(new Response(null, { status }));
          });
          both.previous(
            method,
            status === 404 ? 'unmatched' : defaultRoute(new Request(`http://x${path}`)),
            status,
            start,
            both.tick(0),
          );
        }
        expect(await both.newRegistry.metrics()).toBe(await both.oldRegistry.metrics());
      }
    }
  });

  it('registry.resetMetrics() empties both metrics as prom-client does; later requests count from zero', async () => {
    const both = await runBoth(CASES);
    await both.newRegistry.metrics(); // some counts reported, then more recorded before the reset
    await both.metrics.middleware(new Request('http://x/late'), () => Promise.resolve(new Response('')));
    both.oldRegistry.resetMetrics();
    both.newRegistry.resetMetrics();
    expect(await both.newRegistry.metrics()).toBe(await both.oldRegistry.metrics());
    const after: Case[] = [
      ['GET', '/after', 200, 20],
      ['GET', '/', 200, 1],
    ];
    for (const [method, path, status, ms] of after) {
      const start = both.tick(0);
      await both.metrics.middleware(new Request(`http://x${path}`, { method }), () => {
        both.tick(ms);
        return Promise.resolve(new Response(null, { status }));
      });
      both.previous(method, path, status, start, both.tick(0));
    }
    const text = await both.newRegistry.metrics();
    expect(text).toBe(await both.oldRegistry.metrics());
    expect(text).toContain('http_requests_total{method="GET",route="/",status="200"} 1');
    expect(text).not.toContain('route="/late"');
  });

  it('resetting only the histogram keeps the counter whole, including counts not yet scraped', async () => {
    const both = await runBoth(CASES.slice(0, 3));
    both.newRegistry.getSingleMetric('http_request_duration_seconds')?.reset();
    const samples = parse(await both.newRegistry.metrics());
    expect(samples.filter((s) => s.name.startsWith('http_request_duration_seconds'))).toEqual([]);
    expect(samples.find((s) => s.name === 'http_requests_total')).toEqual({
      name: 'http_requests_total',
      labels: { method: 'GET', route: '/', status: '200' },
      value: 3,
    });
  });

  it('a scrape while requests are in flight is consistent: total = _count = +Inf bucket, buckets never decrease', async () => {
    const metrics = createMetricsWith(prom, { defaultMetrics: false });
    const pending: (() => void)[] = [];
    const routes = ['/', '/a', '/b/1', '/c'];
    const statuses = [200, 404, 500, 304];
    const inFlight: Promise<Response>[] = [];
    for (let i = 0; i < 400; i++) {
      inFlight.push(
        metrics.middleware(new Request(`http://x${routes[i % 4]}`, { method: i % 3 ? 'GET' : 'POST' }), () => {
          const { promise, resolve } = deferred<Response>();
          pending.push(() => resolve(new Response(null, { status: statuses[(i * 7) % 4] as number })));
          return promise;
        }),
      );
    }
    const scrapes: Promise<string>[] = [];
    // Answer the requests in a scrambled order, a scrape started every 37 answers (left to settle
    // while the next answers land), so scrapes interleave with the requests completing.
    for (let i = 0; i < pending.length; i++) {
      (pending[(i * 151) % pending.length] as () => void)();
      if (i % 37 === 0) scrapes.push(metrics.registry.metrics());
      if (i % 5 === 0) await Promise.resolve();
    }
    await Promise.all(inFlight);
    scrapes.push(metrics.registry.metrics());
    let previousTotal = -1;
    for (const text of await Promise.all(scrapes)) {
      const samples = parse(text);
      const key = (l: Record<string, string>) => `${l.method} ${l.route} ${l.status}`;
      const totals = new Map(
        samples.filter((s) => s.name === 'http_requests_total').map((s) => [key(s.labels), s.value]),
      );
      const counts = new Map(
        samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => [key(s.labels), s.value]),
      );
      expect(counts).toEqual(totals);
      for (const [series, count] of counts) {
        const buckets = samples.filter(
          (s) => s.name === 'http_request_duration_seconds_bucket' && key(s.labels) === series,
        );
        expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: count });
        for (let i = 1; i < buckets.length; i++)
          expect((buckets[i] as Sample).value).toBeGreaterThanOrEqual((buckets[i - 1] as Sample).value);
      }
      const total = [...totals.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(previousTotal);
      previousTotal = total;
    }
    expect(previousTotal).toBe(400);
  });
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
