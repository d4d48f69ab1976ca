import { type Handler, type Middleware, type OptionKeys, pathnameOf } from '@adv/types';
import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import { invalidOption } from './errors.js';
import { HttpSeries, PrecountedHistogram } from './metrics-store.js';
import { deployOptions } from './options.js';
import { loadPeer } from './peer.js';

/** prom-client, an optional peer dependency loaded on the first `createMetrics()` (never by the root entry). */
export const PROM_CLIENT_PEER = { name: 'prom-client', range: '^15.0.0', feature: 'createMetrics()' } as const;

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * The prom-client registry to register on (pass one to add your own metrics).
   * @defaultValue a new `Registry`
   */
  registry?: Registry | undefined;
  /**
   * Route label of a request. Keep it low-cardinality: the default replaces numeric, UUID and
   * long hex path segments with `:id`, and labels every 404 `unmatched` (so scanners probing
   * random paths cannot grow the series without bound). Pass your router's pattern to keep
   * the route of 404s your handlers answer.
   */
  route?: ((request: Request) => string) | undefined;
  /**
   * Distinct route labels kept; requests on routes beyond this many are labelled `other`, so
   * memory and scrape size stay bounded whatever the route function returns.
   * @defaultValue `500`
   */
  maxRoutes?: number | undefined;
  /**
   * Also collect prom-client's default Node metrics (event-loop lag, heap, GC, handles).
   * @defaultValue `true`
   */
  defaultMetrics?: boolean | undefined;
  /**
   * Histogram buckets in seconds.
   * @defaultValue `[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]`
   */
  buckets?: readonly number[] | undefined;
  /**
   * Path the metrics handler answers on when used through `middleware`.
   * @defaultValue `'/metrics'`
   */
  path?: string | undefined;
}

/** Defaults of {@link MetricsOptions}. */
export const METRICS_DEFAULTS = {
  defaultMetrics: true,
  maxRoutes: 500,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  path: '/metrics',
} as const;

const METRICS_KEYS: OptionKeys<MetricsOptions> = {
  registry: true,
  route: true,
  maxRoutes: true,
  defaultMetrics: true,
  buckets: true,
  path: true,
};

/** Default route label: `/users/42/posts/9f1c…` becomes `/users/:id/posts/:id`. */
export function defaultRoute(request: Request): string {
  const pathname = pathnameOf(request);
  let label = routeLabels.get(pathname);
  if (label === undefined) {
    label = routeOf(pathname);
    if (routeLabels.size >= ROUTE_MEMO_SIZE) routeLabels.clear();
    routeLabels.set(pathname, label);
  }
  return label;
}

/** The labels of the pathnames seen last (a site's pages are few; an id-laden path is cheap to redo). */
const routeLabels = new Map<string, string>();
const ROUTE_MEMO_SIZE = 1000;

function routeOf(pathname: string): string {
  return pathname
    .split('/')
    .map((s) =>
      /^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{16,}$/i.test(s) ? ':id' : s,
    )
    .join('/');
}

/** What {@link createMetrics} returns. */
export interface Metrics {
  /** Counts requests and observes durations by method, route and status; answers `path` with the exposition. */
  readonly middleware: Middleware;
  /** The Prometheus text exposition of `registry`. */
  readonly handler: Handler;
  /** The registry, to add your own metrics. */
  readonly registry: Registry;
}

/**
 * Prometheus metrics with prom-client: `http_requests_total` and
 * `http_request_duration_seconds` by method, route and status, plus Node's default metrics
 * (including `nodejs_eventloop_lag_seconds`), served at `/metrics`.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * const app = compose(metrics.middleware)(handler); // GET /metrics answers Prometheus
 * ```
 */
export function createMetrics(options?: MetricsOptions): Metrics {
  // Options first: a misspelled key is reported even where prom-client is missing.
  const resolved = resolveMetricsOptions(options);
  return createMetricsWith(loadPeer<typeof PromClient>(PROM_CLIENT_PEER), resolved);
}

function resolveMetricsOptions(options: MetricsOptions | undefined) {
  return deployOptions('createMetrics', options, METRICS_KEYS, { ...METRICS_DEFAULTS, route: defaultRoute });
}

type ResolvedMetricsOptions = ReturnType<typeof resolveMetricsOptions>;

/** Fails fast on options of the wrong kind (`registry` must come from the prom-client in use). */
function checkMetricsOptions(o: ResolvedMetricsOptions, Registry: typeof PromClient.Registry): void {
  const { registry, route, buckets, maxRoutes, path } = o;
  // `null` falls back to a new registry, as `undefined` does.
  if (registry !== undefined && registry !== null && !(registry instanceof Registry))
    invalidOption('registry', 'a prom-client Registry', registry);
  if (typeof route !== 'function') invalidOption('route', 'a function (request) => string', route);
  if (!Array.isArray(buckets) || buckets.some((b) => !(b > 0)))
    invalidOption('buckets', 'an array of positive numbers', buckets);
  if (!Number.isInteger(maxRoutes) || maxRoutes < 1) invalidOption('maxRoutes', 'a positive integer', maxRoutes);
  if (typeof path !== 'string' || !path.startsWith('/')) invalidOption('path', 'a path starting with `/`', path);
}

/**
 * The route label of a finished request: the route function's (`unmatched` for a 404 under
 * {@link defaultRoute}, `error` when the function throws), and `other` once `maxRoutes`
 * distinct labels are in use.
 */
function routeLabeller(
  route: (request: Request) => string,
  maxRoutes: number,
): (request: Request, status: number) => string {
  const routes = new Set<string>();
  return function routeLabel(request, status) {
    let label: string;
    try {
      label = route === defaultRoute && status === 404 ? 'unmatched' : String(route(request));
    } catch {
      label = 'error'; // a throwing route function must not turn a served response into an error
    }
    if (routes.has(label)) return label;
    if (routes.size >= maxRoutes) return 'other';
    routes.add(label);
    return label;
  };
}

/**
 * Registers `http_requests_total` and `http_request_duration_seconds` on `registry`, both read
 * from the returned series. Counted outside prom-client (no labels object or label hashing per
 * request) and handed to it at scrape time: the counter through its `collect()` hook, the
 * histogram as a metric whose values are prom-client's own shapes. The exposition is the
 * registry's, as with metrics fed per request.
 */
function registerHttpMetrics(prom: typeof PromClient, registry: Registry, buckets: readonly number[]): HttpSeries {
  const series = new HttpSeries([...buckets]);
  const requests = new prom.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      series.reportTo(this);
    },
  });
  const resetCounter = requests.reset;
  requests.reset = function reset() {
    series.markReported(); // counts made before the reset are dropped with it, as prom-client does
    resetCounter.call(this);
  };
  const duration = new PrecountedHistogram(
    'http_request_duration_seconds',
    'HTTP request duration in seconds',
    series,
    () => series.reportTo(requests),
  );
  registry.registerMetric(duration as unknown as PromClient.Metric);
  return series;
}

/** What {@link metricsMiddleware} counts with and answers `path` with. */
interface MetricsMiddlewareParts {
  readonly series: HttpSeries;
  readonly routeLabel: (request: Request, status: number) => string;
  readonly handler: Handler;
  readonly path: string;
  readonly now: () => number;
}

/** Answers `GET path` with the exposition; records every other request's method, route, status and duration. */
function metricsMiddleware({ series, routeLabel, handler, path, now }: MetricsMiddlewareParts): Middleware {
  // A plain function and one `.then` (not an `async` function awaiting): one promise, and its
  // AsyncLocalStorage hook runs, fewer per request.
  return function metrics(request, next) {
    if (request.method === 'GET' && pathnameOf(request) === path) return Promise.resolve(handler(request));
    const start = now();
    const record = (status: number) => {
      series.record(request.method, routeLabel(request, status), status, (now() - start) / 1000);
    };
    let pending: Promise<Response>;
    try {
      pending = next(request);
    } catch (error) {
      // A middleware below that throws synchronously: counted as a 500, and a rejection as before.
      record(500);
      return Promise.reject(error);
    }
    return Promise.resolve(pending).then(
      (response) => {
        record(response.status);
        return response;
      },
      (error: unknown) => {
        record(500);
        throw error;
      },
    );
  };
}

/**
 * {@link createMetrics} on a given prom-client module and clock in milliseconds (internal: tests
 * load prom-client from elsewhere, and compare expositions with a clock they control).
 */
export function createMetricsWith(
  prom: typeof PromClient,
  options?: MetricsOptions,
  now: () => number = () => performance.now(),
): Metrics {
  const o = resolveMetricsOptions(options);
  checkMetricsOptions(o, prom.Registry);
  const { route, defaultMetrics, buckets, path, maxRoutes } = o;
  const registry = o.registry ?? new prom.Registry();
  if (defaultMetrics) prom.collectDefaultMetrics({ register: registry });
  const series = registerHttpMetrics(prom, registry, buckets);
  const handler: Handler = async function metricsHandler() {
    return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
  };
  const routeLabel = routeLabeller(route, maxRoutes);
  return { registry, handler, middleware: metricsMiddleware({ series, routeLabel, handler, path, now }) };
}
