import { type Handler, type Middleware, type OptionKeys, pathnameOf, type ReadinessCheck } from '@adv/types';
import { invalidOption } from './errors.js';
import { deployOptions } from './options.js';

/** Options of {@link createHealth}. */
export interface HealthOptions {
  /** Probes `/readyz` runs in parallel (cache, queue and database pings). */
  checks?: readonly ReadinessCheck[] | undefined;
  /**
   * Milliseconds each check may take before it counts as failed (its signal is aborted).
   * @defaultValue `2000`
   */
  timeoutMs?: number | undefined;
  /** @defaultValue `'/healthz'` */
  livenessPath?: string | undefined;
  /** @defaultValue `'/readyz'` */
  readinessPath?: string | undefined;
}

/** Defaults of {@link HealthOptions}. */
export const HEALTH_DEFAULTS = { timeoutMs: 2000, livenessPath: '/healthz', readinessPath: '/readyz' } as const;

const HEALTH_KEYS: OptionKeys<HealthOptions> = {
  checks: true,
  timeoutMs: true,
  livenessPath: true,
  readinessPath: true,
};

/** One check's outcome in the `/readyz` body. */
export interface CheckResult {
  ok: boolean;
  /** Why it failed: the error message, or `timed out after N ms`. */
  error?: string;
  /** What a passing check resolved with, when it is a string (e.g. `last backup 2 h ago`). */
  detail?: string;
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
          (value: unknown): CheckResult => (typeof value === 'string' ? { ok: true, detail: value } : { ok: true }),
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
export function createHealth(options?: HealthOptions): Health {
  const { checks, timeoutMs, livenessPath, readinessPath } = deployOptions('createHealth', options, HEALTH_KEYS, {
    ...HEALTH_DEFAULTS,
    checks: [] as readonly ReadinessCheck[],
  });
  if (!Array.isArray(checks)) invalidOption('checks', 'an array of { name, check(signal) }', checks);
  for (const [i, c] of checks.entries()) {
    if (typeof c?.name !== 'string' || typeof c.check !== 'function') {
      invalidOption(`checks[${i}]`, 'a { name, check(signal) } object', c);
    }
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    invalidOption('timeoutMs', 'a positive number of milliseconds', timeoutMs);
  if (typeof livenessPath !== 'string' || !livenessPath.startsWith('/'))
    invalidOption('livenessPath', 'a path starting with `/`', livenessPath);
  if (typeof readinessPath !== 'string' || !readinessPath.startsWith('/'))
    invalidOption('readinessPath', 'a path starting with `/`', readinessPath);
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
    // A plain function: the requests that only pass through make no promise here.
    middleware: function health(request, next) {
      const pathname = pathnameOf(request);
      if (pathname === livenessPath) return Promise.resolve(liveness(request));
      if (pathname === readinessPath) return Promise.resolve(readiness(request));
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

/** Options of {@link backupReadinessCheck}. */
export interface BackupCheckOptions {
  /** When the last successful backup finished (`null`: never). */
  lastBackupAt: () => Date | number | null | Promise<Date | number | null>;
  /**
   * Age in seconds from which readiness fails.
   * @defaultValue `86400`
   */
  maxAgeSeconds?: number | undefined;
  /** @defaultValue `'backup'` */
  name?: string | undefined;
  /** @defaultValue `Date.now` */
  now?: (() => number) | undefined;
}

/** Defaults of {@link BackupCheckOptions}. */
export const BACKUP_CHECK_DEFAULTS = { maxAgeSeconds: 86_400, name: 'backup' } as const;

const BACKUP_CHECK_KEYS: OptionKeys<BackupCheckOptions> = {
  lastBackupAt: true,
  maxAgeSeconds: true,
  name: true,
  now: true,
};

/**
 * A `ReadinessCheck` reporting the age of the last backup (`detail: "last backup 2 h ago"`)
 * and failing once it is older than `maxAgeSeconds` or none exists.
 *
 * @example
 * ```ts
 * createHealth({ checks: [backupReadinessCheck({ lastBackupAt: () => backups.latest()?.at ?? null })] });
 * ```
 */
export function backupReadinessCheck(options: BackupCheckOptions): ReadinessCheck {
  const o = deployOptions('backupReadinessCheck', options, BACKUP_CHECK_KEYS, {
    ...BACKUP_CHECK_DEFAULTS,
    now: Date.now,
  });
  const { lastBackupAt, maxAgeSeconds: maxAge, name, now } = o;
  if (typeof lastBackupAt !== 'function')
    invalidOption('lastBackupAt', 'a function returning a Date, a timestamp or null', lastBackupAt);
  if (!Number.isFinite(maxAge) || maxAge <= 0) invalidOption('maxAgeSeconds', 'a positive number of seconds', maxAge);
  if (typeof name !== 'string' || name === '') invalidOption('name', 'a non-empty string', name);
  if (typeof now !== 'function') invalidOption('now', 'a function returning epoch milliseconds', now);
  const describe = (ms: number) =>
    ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`;
  return {
    name,
    async check() {
      const last = await lastBackupAt();
      if (last === null) throw new Error('no backup has been taken');
      const age = now() - Number(last);
      if (age > maxAge * 1000)
        throw new Error(`last backup ${describe(age)} ago, older than ${describe(maxAge * 1000)}`);
      return `last backup ${describe(age)} ago`;
    },
  };
}
