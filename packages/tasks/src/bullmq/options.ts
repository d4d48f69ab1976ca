import type { RedisOptions } from 'ioredis';
import { checkInteger, checkName, invalid } from '../validate.js';

/** Options of {@link bullmqBackend}. */
export interface BullmqBackendOptions {
  /** A `redis://` URL or ioredis options. Each role (queue, worker, events) opens its own connection. */
  connection: string | RedisOptions;
  /** BullMQ queue name shared by producers and workers. @defaultValue `'adv-tasks'` */
  queueName?: string;
  /** Redis key prefix. @defaultValue `'bull'` */
  prefix?: string;
  /** Completed jobs kept for `status()`/`result()`. @defaultValue 1000 */
  keepCompleted?: number;
  /** Failed jobs kept for the dead-letter view. @defaultValue 5000 */
  keepFailed?: number;
  /** A job's lock lifetime (ms); a worker that dies loses its jobs to stalled recovery after this. @defaultValue 30000 */
  lockDuration?: number;
  /** How often workers look for stalled jobs (ms). @defaultValue 30000 */
  stalledInterval?: number;
  /** Stalls after which a job fails instead of running again. @defaultValue 1 */
  maxStalledCount?: number;
  /** Queue-wide rate limit shared by every worker (BullMQ's limiter). */
  limiter?: { max: number; duration: number };
}

/** Options with their defaults applied. */
export type ResolvedBullmqOptions = BullmqBackendOptions & { queueName: string; prefix: string };

/** Validates options (failing fast, before any connection opens) and applies defaults. */
export function resolveBullmqOptions(options: BullmqBackendOptions): ResolvedBullmqOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object { connection }', options);
  const { connection } = options;
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    invalid('connection', 'a redis:// URL or ioredis options', connection);
  }
  const resolved = { queueName: 'adv-tasks', prefix: 'bull', ...options };
  checkName('queueName', resolved.queueName);
  for (const key of ['keepCompleted', 'keepFailed', 'maxStalledCount'] as const) {
    if (options[key] !== undefined) checkInteger(key, options[key], 0);
  }
  for (const key of ['lockDuration', 'stalledInterval'] as const) {
    if (options[key] !== undefined) checkInteger(key, options[key], 1);
  }
  return resolved;
}
