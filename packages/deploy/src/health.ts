import type { Handler, Middleware, ReadinessCheck } from '@adv/types';
import { invalidOption } from './errors.js';

/** Options of {@link createHealth}. */
export interface HealthOptions {
  /** Probes `/readyz` runs in parallel (cache, queue and database pings). */
  checks?: readonly ReadinessCheck[];
  /**
   * Milliseconds each check may take before it counts as failed (its signal is aborted).
   * @defaultValue `2000`
   */
  timeoutMs?: number;
  /** @defaultValue `'/healthz'` */
  livenessPath?: string;
  /** @defaultValue `'/readyz'` */
  readinessPath?: string;
}

/** Defaults of {@link HealthOptions}. */
export const HEALTH_DEFAULTS = { timeoutMs: 2000, livenessPath: '/healthz', readinessPath: '/readyz' } as const;

/** One check's outcome in the `/readyz` body. */
export interface CheckResult {
  ok: boolean;
  /** Why it failed: the error message, or `timed out after N ms`. */
  error?: string;
}

/** What {@link createHealth} returns. */
export interface Health {
  /** `/healthz`: 200 while the process runs its event loop. */
  readonly liveness: Handler;
  /** `/readyz`: 200 when every check passes in time, 503 otherwise and from `beginShutdown()` on. */
  readonly readiness: Handler;
  /** Answers both paths and passes every other request on. */
  readonly middleware: Middleware;
  /** Marks the process as draining: `/readyz` fails from now on so the load balancer stops sending traffic. */
  beginShutdown(): void;
  /** Whether `beginShutdown()` was called. */
  readonly shuttingDown: boolean;
  readonly livenessPath: string;
  readonly readinessPath: string;
  /** Runs the checks once (what `/readyz` reports). */
  run(): Promise<{ ok: boolean; checks: Record<string, CheckResult> }>;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({ ok: false, error: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(() => check.check(controller.signal))
        .then(
          () => ({ ok: true }),
          (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
        ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kubernetes-style liveness and readiness endpoints. `/readyz` runs every `ReadinessCheck`
 * with a timeout and fails as soon as `beginShutdown()` is called, so a load balancer drains
 * the process before it stops (call it on SIGTERM, before closing the server).
 *
 * @example
 * ```ts
 * const health = createHealth({ checks: [{ name: 'redis', check: () => redis.ping() }] });
 * process.once('SIGTERM', () => { health.beginShutdown(); setTimeout(() => server.close(), 5000); });
 * const app = compose(health.middleware)(handler);
 * ```
 */
export function createHealth(options: HealthOptions = {}): Health {
  const { checks = [], timeoutMs, livenessPath, readinessPath } = { ...HEALTH_DEFAULTS, ...options };
  if (!Array.isArray(checks)) invalidOption('checks', 'an array of { name, check(signal) }', checks);
  for (const [i, c] of checks.entries()) {
    if (typeof c?.name !== 'string' || typeof c.check !== 'function') {
      invalidOption(`checks[${i}]`, 'a { name, check(signal) } object', c);
    }
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    invalidOption('timeoutMs', 'a positive number of milliseconds', timeoutMs);
  let shuttingDown = false;

  const run = async () => {
    const results = await Promise.all(checks.map((c) => runCheck(c, timeoutMs)));
    const report: Record<string, CheckResult> = {};
    checks.forEach((c, i) => {
      report[c.name] = results[i] ?? { ok: false };
    });
    return { ok: results.every((r) => r.ok), checks: report };
  };
  const liveness: Handler = function liveness() {
    return json(200, { status: 'ok' });
  };
  const readiness: Handler = async function readiness() {
    if (shuttingDown) return json(503, { status: 'shutting down' });
    const result = await run();
    if (shuttingDown) return json(503, { status: 'shutting down' });
    return json(result.ok ? 200 : 503, { status: result.ok ? 'ok' : 'fail', checks: result.checks });
  };
  return {
    liveness,
    readiness,
    middleware: async function health(request, next) {
      const { pathname } = new URL(request.url);
      if (pathname === livenessPath) return liveness(request);
      if (pathname === readinessPath) return readiness(request);
      return next(request);
    },
    beginShutdown() {
      shuttingDown = true;
    },
    get shuttingDown() {
      return shuttingDown;
    },
    livenessPath,
    readinessPath,
    run,
  };
}
