import type { Logger } from '@adv/types';
import { DatabaseError } from '../db/sql.js';

/** What the demo can run without for a while (pages degrade) vs. what it cannot (its database). */
export type Dependency = 'database' | 'cache' | 'tasks' | 'channel layer';

/**
 * A server the request needed did not answer in time or is down: the page answers 503 with
 * `Retry-After` (never a 500, never a misleading 4xx), and the operator's log says which one.
 */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
  readonly dependency: Dependency;

  constructor(dependency: Dependency, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.dependency = dependency;
  }
}

/**
 * Codes the `@adv/*` packages give a call whose server is unreachable or did not answer
 * within its bound (cache and tasks `ERR_BACKEND`, async `ERR_BACKEND` / `ERR_TIMEOUT`).
 */
const OUTAGE_CODES = new Set(['ERR_BACKEND', 'ERR_TIMEOUT', 'ERR_CALLBACK_TIMEOUT']);

/**
 * Whether `error` says a server is down or too slow, rather than a bug or bad input. Looks
 * into `cause` and `AggregateError`s: a block whose connection died fails its ROLLBACK too
 * (`@adv/signals`' `ERR_ROLLBACK_FAILED`, the database errors in its cause).
 */
export function isOutage(error: unknown, depth = 0): boolean {
  if (error instanceof ServiceUnavailableError || error instanceof DatabaseError) return true;
  if (error === null || typeof error !== 'object' || depth > 3) return false;
  const { code, cause, originalError } = error as { code?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isOutage(inner, depth + 1))) return true;
  // LiquidJS wraps an error thrown while rendering (a `{% cache %}` fragment's query) in `originalError`.
  if (originalError !== undefined && isOutage(originalError, depth + 1)) return true;
  return cause !== undefined && isOutage(cause, depth + 1);
}

const DEPENDENCY_BY_ERROR: Record<string, Dependency> = {
  CacheError: 'cache',
  TaskError: 'tasks',
  AsyncError: 'channel layer',
};

/** Which dependency an outage error (see {@link isOutage}) is about, for logs; `undefined` if unknown. */
export function dependencyOf(error: unknown, depth = 0): Dependency | undefined {
  if (error instanceof ServiceUnavailableError) return error.dependency;
  if (error instanceof DatabaseError) return 'database';
  if (error === null || typeof error !== 'object' || depth > 3) return undefined;
  const known = DEPENDENCY_BY_ERROR[(error as { name?: string }).name ?? ''];
  if (known) return known;
  const { cause, originalError } = error as { cause?: unknown; originalError?: unknown };
  const inner = error instanceof AggregateError ? error.errors : [cause, originalError];
  for (const candidate of inner) {
    const found = candidate === undefined ? undefined : dependencyOf(candidate, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Options of {@link bounded}. */
export interface BoundedOptions {
  /** Which dependency the work calls (in the error and the log). */
  dependency: Dependency;
  /** What the work does, for messages: `'enqueue the notification e-mail'`. */
  what: string;
  /** Milliseconds before it counts as failed. */
  timeoutMs: number;
}

/**
 * Runs `work` with a bound: rejects with {@link ServiceUnavailableError} when it takes longer
 * than `timeoutMs` or fails with an outage code. The work itself is not cancelled unless it
 * honours the `signal` it receives (aborted at the bound).
 */
export async function bounded<T>(work: (signal: AbortSignal) => Promise<T>, options: BoundedOptions): Promise<T> {
  const { dependency, what, timeoutMs } = options;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new ServiceUnavailableError(
        dependency,
        `Could not ${what}: the ${dependency} did not answer within ${timeoutMs} ms`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), expired]);
  } catch (error) {
    if (error instanceof ServiceUnavailableError || !isOutage(error)) throw error;
    throw new ServiceUnavailableError(dependency, `Could not ${what}: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Like {@link bounded}, for work a page can do without (a view counter, a status lookup):
 * logs the failure (an outage at `warn`, anything else at `error`) and resolves to `fallback`
 * instead of failing the page (report and fall back on read paths).
 */
export async function orFallback<T, F>(
  work: (signal: AbortSignal) => Promise<T>,
  fallback: F,
  options: BoundedOptions & { logger: Pick<Logger, 'warn' | 'error'> },
): Promise<T | F> {
  try {
    return await bounded(work, options);
  } catch (error) {
    const fields = { err: error, dependency: options.dependency };
    if (isOutage(error)) options.logger.warn(fields, `degraded: ${(error as Error).message}`);
    else options.logger.error(fields, `degraded: could not ${options.what}`);
    return fallback;
  }
}
