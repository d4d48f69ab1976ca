import type { RepeatOptions } from 'bullmq';
import { nextFireTime } from '../schedule.js';

/**
 * BullMQ's `repeatStrategy` for our schedulers, set on the queue (first tick) and the worker (every
 * later tick). BullMQ's default reads a pattern without `tz` in the process's local zone and knows
 * no `@midnight`; this computes the tick exactly as the other backends do (UTC unless `tz`).
 */
export function repeatStrategy(millis: number, opts: RepeatOptions): number {
  const cron = opts.pattern ?? '';
  return nextFireTime(opts.tz ? { cron, tz: opts.tz } : { cron }, millis);
}
