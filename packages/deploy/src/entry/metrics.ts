/**
 * `@adv/deploy/metrics`: Prometheus metrics on prom-client, an optional peer dependency
 * (`npm install prom-client`). Kept out of the root entry so an app without metrics never
 * installs or loads it.
 */
export { createMetrics, defaultRoute, METRICS_DEFAULTS, type Metrics, type MetricsOptions } from '../metrics.js';
