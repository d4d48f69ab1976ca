import { CronExpressionParser } from 'cron-parser';
import type { ScheduleSpec } from './types.js';
import { invalid } from './validate.js';

/** Validates a schedule spec (cron syntax and time zone, or interval), failing fast. */
export function checkScheduleSpec(spec: ScheduleSpec): ScheduleSpec {
  if (typeof spec !== 'object' || spec === null) invalid('schedule', 'an object { cron, tz } or { every }', spec);
  if ('every' in spec) {
    if (typeof spec.every !== 'number' || !Number.isInteger(spec.every) || spec.every < 1) {
      invalid('every', 'an integer number of milliseconds from 1 and up', spec.every);
    }
    return { every: spec.every };
  }
  if (!('cron' in spec) || typeof spec.cron !== 'string')
    invalid('cron', 'a cron expression string', (spec as { cron?: unknown }).cron);
  if (spec.tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: spec.tz });
    } catch {
      invalid('tz', 'an IANA time zone such as `Europe/Paris`', spec.tz);
    }
  }
  try {
    CronExpressionParser.parse(spec.cron, { tz: spec.tz ?? 'UTC' });
  } catch (error) {
    invalid('cron', `a valid cron expression (${(error as Error).message})`, spec.cron);
  }
  return spec.tz === undefined ? { cron: spec.cron } : { cron: spec.cron, tz: spec.tz };
}

/** The first fire time strictly after `after` (ms since epoch). Intervals are aligned to multiples of `every`, as BullMQ does. */
export function nextFireTime(spec: ScheduleSpec, after: number): number {
  if ('every' in spec) return (Math.floor(after / spec.every) + 1) * spec.every;
  return CronExpressionParser.parse(spec.cron, { tz: spec.tz ?? 'UTC', currentDate: new Date(after) })
    .next()
    .getTime();
}
