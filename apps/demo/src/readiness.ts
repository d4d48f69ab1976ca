import type { Health } from '@adv/deploy';
import { type Middleware, pathnameOf } from '@adv/types';
import { Gauge, type Registry } from 'prom-client';

/** Options of {@link dependencyReadiness}. */
export interface DependencyReadinessOptions {
  /** The health endpoints whose checks are run (`createHealth` of `@adv/deploy`). */
  health: Health;
  /**
   * Names of the checks the process can serve without for a while: down, they are reported
   * (`degraded` in the body, `adv_dependency_up 0`) but `/readyz` stays 200, so a load balancer
   * does not drain every process at once while cached pages still render. Any other failing
   * check (the database) makes `/readyz` answer 503.
   */
  degradable: readonly string[];
  /** The registry `/metrics` exposes (`createMetrics().registry`): `adv_dependency_up` goes on it. */
  registry: Registry;
}

/** The `/readyz` body. */
export interface ReadinessBody {
  /** `ok`: everything up; `degraded`: only degradable parts down (still 200); `fail`: a required part down (503). */
  status: 'ok' | 'degraded' | 'fail' | 'shutting down';
  /** Names of the degradable checks that failed. */
  degraded?: string[];
  checks?: Record<string, { ok: boolean; error?: string; detail?: string }>;
}

const json = (status: number, body: ReadinessBody) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

/**
 * `/readyz` that separates what the process cannot work without from what it can degrade,
 * and the Prometheus gauge `adv_dependency_up{dependency="cache"}` (1 up, 0 down) per check,
 * refreshed by every `/readyz` and every scrape of `/metrics`. Put it before `health.middleware`.
 */
export function dependencyReadiness(options: DependencyReadinessOptions): Middleware {
  const { health, registry } = options;
  const degradable = new Set(options.degradable);
  const record = (checks: Record<string, { ok: boolean }>) => {
    for (const [name, result] of Object.entries(checks)) gauge.set({ dependency: name }, result.ok ? 1 : 0);
  };
  const gauge = new Gauge({
    name: 'adv_dependency_up',
    help: 'Whether a dependency answers its readiness check (1) or not (0); cache, tasks and channels degrade, database is required',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      record((await health.run()).checks);
    },
  });

  const answer = async (): Promise<Response> => {
    if (health.shuttingDown) return json(503, { status: 'shutting down' });
    const { checks } = await health.run();
    if (health.shuttingDown) return json(503, { status: 'shutting down' });
    record(checks);
    const failed = Object.entries(checks)
      .filter(([, result]) => !result.ok)
      .map(([name]) => name);
    const degraded = failed.filter((name) => degradable.has(name));
    if (failed.length > degraded.length) return json(503, { status: 'fail', degraded, checks });
    return json(200, { status: degraded.length > 0 ? 'degraded' : 'ok', degraded, checks });
  };
  // A plain function: every other request passes through without a promise of its own.
  return function dependencyReadiness(request, next) {
    return pathnameOf(request) === health.readinessPath ? answer() : next(request);
  };
}
