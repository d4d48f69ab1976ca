import { CronExpressionParser } from 'cron-parser';
import type { ScheduleSpec } from './types.js';
import { invalid, readOptions } from './validate.js';

/**
 * Cron nicknames (Vixie cron, croner, cron-parser), matched case-insensitively. `@midnight` is
 * missing from cron-parser, so every nickname is rewritten here before parsing; cron-parser's own
 * extras (`@minutely`, `@secondly`, `@weekdays`, `@weekends`) are kept.
 */
const NICKNAMES: Readonly<Record<string, string>> = Object.freeze({
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
  '@minutely': '* * * * *',
  '@secondly': '* * * * * *',
  '@weekdays': '0 0 * * 1-5',
  '@weekends': '0 0 * * 0,6',
});

/**
 * Every schedule runs in this zone unless its spec names one: the same instants on every backend
 * and in every process, whatever the process's `TZ`.
 */
export const DEFAULT_SCHEDULE_TZ = 'UTC';

/** The expression cron-parser reads for `cron`: a nickname spelled out, anything else as written. */
export function cronPattern(cron: string): string {
  const trimmed = cron.trim();
  if (!trimmed.startsWith('@')) return cron;
  const pattern = NICKNAMES[trimmed.toLowerCase()];
  if (pattern !== undefined) return pattern;
  if (trimmed.toLowerCase() === '@reboot')
    throw new Error('`@reboot` runs once at boot, not periodically: run the task at startup instead');
  throw new Error(`unknown nickname \`${trimmed}\` (one of ${Object.keys(NICKNAMES).join(', ')})`);
}

/** Validates a schedule spec (cron syntax and time zone, or interval), failing fast. */
export function checkScheduleSpec(spec: ScheduleSpec): ScheduleSpec {
  if (typeof spec !== 'object' || spec === null) invalid('schedule', 'an object { cron, tz } or { every }', spec);
  // A misspelt key (`timezone`) must not leave a schedule silently in UTC.
  readOptions(
    'schedule',
    spec as Record<string, unknown>,
    'every' in spec ? { every: true } : { cron: true, tz: true },
  );
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
    CronExpressionParser.parse(cronPattern(spec.cron), { tz: spec.tz ?? DEFAULT_SCHEDULE_TZ });
  } catch (error) {
    invalid('cron', `a valid cron expression (${(error as Error).message})`, spec.cron);
  }
  return spec.tz === undefined ? { cron: spec.cron } : { cron: spec.cron, tz: spec.tz };
}

/**
 * The first fire time strictly after `after` (ms since epoch): the one schedule computation every
 * backend uses (BullMQ through its `repeatStrategy`). A cron spec without `tz` runs in UTC.
 * Intervals are aligned to multiples of `every`, as BullMQ does.
 */
export function nextFireTime(spec: ScheduleSpec, after: number): number {
  if ('every' in spec) return (Math.floor(after / spec.every) + 1) * spec.every;
  return CronExpressionParser.parse(cronPattern(spec.cron), {
    tz: spec.tz ?? DEFAULT_SCHEDULE_TZ,
    currentDate: new Date(after),
  })
    .next()
    .getTime();
}
