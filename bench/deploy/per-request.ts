/**
 * The per-request cost of the two observability layers every production request passes:
 * `createMetrics().middleware` against prom-client used directly (a `Counter` and a `Histogram`
 * fed a labels object per request, as hand-written middleware and express-prom-bundle do), and
 * `requestLogger` with pino writing to a file through `logDestination()` against pino's own
 * file destination (`pino.destination(file)`, one write per line). Both contenders of a row wrap
 * the same handler; the request log rows share the logger code, only the destination differs.
 * Alone: `cd bench && npx tsx deploy/per-request.ts [--quick]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logDestination, requestLogger } from '@adv/deploy/logging';
import { createMetrics, defaultRoute } from '@adv/deploy/metrics';
import { compose, type Handler, type Middleware } from '@adv/types';
import { pino } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import type { BenchRow } from '../lib/report.js';
import { medianOps } from './median.js';

/** prom-client fed per request, the way its README shows (labels object, inc + observe). */
function promClientMiddleware(): Middleware {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'requests', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'duration',
    labelNames,
    registers: [registry],
  });
  return (request, next) => {
    const start = performance.now();
    return next(request).then((response) => {
      const labels = { method: request.method, route: defaultRoute(request), status: String(response.status) };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - start) / 1000);
      return response;
    });
  };
}

export async function perRequestRows(quick: boolean): Promise<BenchRow[]> {
  const response = new Response('ok');
  const handler: Handler = () => response;
  const requests = ['/', '/articles/42', '/about', '/articles/7/comments'].map(
    (path) => new Request(`https://example.com${path}`, { headers: { accept: 'text/html' } }),
  );
  let i = 0;
  const next = () => requests[i++ & 3] as Request;

  const ours = compose(createMetrics({ defaultMetrics: false }).middleware)(handler);
  const direct = compose(promClientMiddleware())(handler);
  const metricsOps = await medianOps({ ours: () => ours(next()), direct: () => direct(next()) }, quick);

  const dir = mkdtempSync(join(tmpdir(), 'adv-bench-log-'));
  try {
    const buffered = logDestination({ dest: join(dir, 'buffered.log') });
    const perLine = pino.destination({ dest: join(dir, 'per-line.log'), sync: true });
    const logged = compose(requestLogger({ logger: pino({ level: 'info' }, buffered) }))(handler);
    const pinoOwn = compose(requestLogger({ logger: pino({ level: 'info' }, perLine) }))(handler);
    const logOps = await medianOps({ ours: () => logged(next()), pino: () => pinoOwn(next()) }, quick);
    await buffered.end();
    perLine.end();
    return [
      {
        suite: 'deploy',
        case: 'metrics of a request (counter + histogram)',
        unit: 'ops/s',
        higherIsBetter: true,
        ours: { name: 'createMetrics().middleware', value: metricsOps.ours ?? Number.NaN },
        peer: { name: 'prom-client inc + observe per request', value: metricsOps.direct ?? Number.NaN },
        note: 'same labels, same default buckets',
      },
      {
        suite: 'deploy',
        case: 'request log line to a file (requestLogger + pino)',
        unit: 'ops/s',
        higherIsBetter: true,
        ours: { name: 'logDestination() (16 KB writes)', value: logOps.ours ?? Number.NaN },
        peer: { name: 'pino.destination(file) (a write per line)', value: logOps.pino ?? Number.NaN },
        note: 'the same logger; only the destination differs',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await perRequestRows(process.argv.includes('--quick'))) {
    console.log(
      `${row.case}: ${Math.round(row.ours.value)} vs ${Math.round(row.peer.value)} ops/s (${(row.ours.value / row.peer.value).toFixed(2)}x)`,
    );
  }
}
