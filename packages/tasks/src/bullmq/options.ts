import type { OptionKeys } from '@adv/types';
import { MAX_TIMER_DELAY } from '../timers.js';
import { checkInteger, checkName, checkRateLimit, invalid, readOptions } from '../validate.js';

/**
 * Redis connection options, passed to ioredis as they are. The common ones are typed here; any
 * other ioredis option is accepted too. Our own type rather than ioredis's `RedisOptions`, whose
 * declarations do not compile for a consumer with `skipLibCheck: false` (ioredis 6.1 imports the
 * untyped `redis-errors`).
 */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  /** A Unix socket path instead of host and port. */
  path?: string;
  username?: string;
  password?: string;
  /** Database index. @defaultValue 0 */
  db?: number;
  /** TLS options for `node:tls` `connect()`; `{}` enables TLS with the defaults. */
  tls?: Record<string, unknown>;
  /** Connection name shown by `CLIENT LIST`. */
  connectionName?: string;
  /** Any other ioredis option. */
  [option: string]: unknown;
}

/** Options of {@link bullmqBackend}. */
export interface BullmqBackendOptions {
  /** A `redis://` URL or ioredis options. Each role (queue, worker, events) opens its own connection. */
  connection: string | RedisConnectionOptions;
  /** BullMQ queue name shared by producers and workers. @defaultValue `'adv-tasks'` */
  queueName?: string | undefined;
  /** Redis key prefix. @defaultValue `'bull'` */
  prefix?: string | undefined;
  /** Completed jobs kept for `status()`/`result()`. @defaultValue 1000 */
  keepCompleted?: number | undefined;
  /** Failed jobs kept for the dead-letter view. @defaultValue 5000 */
  keepFailed?: number | undefined;
  /** A job's lock lifetime (ms); a worker that dies loses its jobs to stalled recovery after this. @defaultValue 30000 */
  lockDuration?: number | undefined;
  /** How often workers look for stalled jobs (ms). @defaultValue 30000 */
  stalledInterval?: number | undefined;
  /** Stalls after which a job fails instead of running again. @defaultValue 1 */
  maxStalledCount?: number | undefined;
  /** Queue-wide rate limit shared by every worker (BullMQ's limiter). */
  limiter?: { max: number; duration: number } | undefined;
  /**
   * How long a call waits for an unreachable Redis (not connected yet, or reconnecting), and then
   * for its answer, before it rejects with `ERR_BACKEND`, in ms. Nothing is sent while Redis is
   * unreachable, and a command caught as Redis goes away is never queued or resent on reconnection,
   * so a rejected `enqueue()` never adds its job later (one written just before Redis died may have
   * been applied by it: a `jobId` makes retrying it safe).
   * `result({ timeout })` waits through an outage up to its own timeout.
   * @defaultValue 10000
   */
  unavailableTimeout?: number | undefined;
}

/** Defaults of {@link BullmqBackendOptions}. */
export const BULLMQ_DEFAULTS = Object.freeze({
  queueName: 'adv-tasks',
  prefix: 'bull',
  unavailableTimeout: 10_000,
} as const);

const BULLMQ_KEYS: OptionKeys<BullmqBackendOptions> = {
  connection: true,
  queueName: true,
  prefix: true,
  keepCompleted: true,
  keepFailed: true,
  lockDuration: true,
  stalledInterval: true,
  maxStalledCount: true,
  limiter: true,
  unavailableTimeout: true,
};

/** Options with their defaults applied. */
export type ResolvedBullmqOptions = BullmqBackendOptions & {
  queueName: string;
  prefix: string;
  unavailableTimeout: number;
};

/** Validates options (failing fast, before any connection opens) and applies defaults. */
export function resolveBullmqOptions(options: BullmqBackendOptions): ResolvedBullmqOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object { connection }', options);
  const { connection } = options;
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    invalid('connection', 'a redis:// URL or ioredis options', connection);
  }
  const resolved: ResolvedBullmqOptions = readOptions('bullmqBackend', options, BULLMQ_KEYS, BULLMQ_DEFAULTS);
  checkName('queueName', resolved.queueName);
  checkName('prefix', resolved.prefix);
  const limiter = checkRateLimit('bullmqBackend', 'limiter', resolved.limiter);
  if (limiter !== undefined) resolved.limiter = limiter;
  for (const key of ['keepCompleted', 'keepFailed', 'maxStalledCount'] as const) {
    if (options[key] !== undefined) checkInteger(key, options[key], 0);
  }
  checkInteger('unavailableTimeout', resolved.unavailableTimeout, 0, MAX_TIMER_DELAY);
  for (const key of ['lockDuration', 'stalledInterval'] as const) {
    if (options[key] !== undefined) checkInteger(key, options[key], 1);
  }
  return resolved;
}
