import { expectedMessage, type OptionKeys, type Resolved, resolveOptions } from '@adv/types';
import { TaskError } from './errors.js';
import { MAX_TIMER_DELAY } from './timers.js';
import type { BackoffOptions, Defined, EnqueueOptions, RateLimit, TaskOptions } from './types.js';

/** Highest BullMQ priority (2 ** 21). */
export const MAX_PRIORITY = 2_097_152;

/**
 * Reads an options object the one adv way: a non-object or an unknown key is refused with
 * `ERR_INVALID_OPTION` (the valid names and a did-you-mean), and an explicit `undefined` keeps the
 * default. `name` is the function as the user calls it; `path` names a nested bag (`backoff`).
 */
export function readOptions<O extends object, D extends Partial<O> = Record<never, never>>(
  name: string,
  options: O | undefined,
  keys: OptionKeys<O>,
  defaults: D = {} as D,
  path?: string,
): Resolved<O, D> {
  return resolveOptions(options, {
    name,
    keys,
    defaults,
    path,
    error: (message) => new TaskError('ERR_INVALID_OPTION', message),
  });
}

/** Throws the package's one error shape for a bad option (`expectedMessage` of `@adv/types`). */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new TaskError('ERR_INVALID_OPTION', expectedMessage(name, expected, value));
}

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(
      name,
      max === Number.MAX_SAFE_INTEGER ? `an integer from ${min} and up` : `an integer from ${min} to ${max}`,
      value,
    );
  }
  return value;
}

export function checkNonNegative(name: string, value: unknown, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    invalid(name, `a non-negative number of ${unit}`, value);
  }
  return value;
}

export function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    invalid(name, 'a non-empty string of at most 200 characters', value);
  }
  return value;
}

/** Job ids: strings that BullMQ accepts too (no `:`, not an integer). */
export function checkJobId(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.includes(':') ||
    `${Number.parseInt(value, 10)}` === value
  ) {
    invalid('jobId', 'a non-empty string without `:` that is not an integer', value);
  }
  return value;
}

/** Milliseconds since epoch of a `Date` or number option. */
export function toTime(name: string, value: unknown): number {
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time !== 'number' || !Number.isFinite(time))
    invalid(name, 'a valid Date or a number of ms since epoch', value);
  return time;
}

/** Defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Readonly<Defined<BackoffOptions>> = Object.freeze({
  delay: 1000,
  factor: 2,
  maxDelay: 3_600_000,
  jitter: 0.5,
});

const BACKOFF_KEYS: OptionKeys<BackoffOptions> = { delay: true, factor: true, maxDelay: true, jitter: true };

export function resolveBackoff(backoff: BackoffOptions | undefined): Defined<BackoffOptions> {
  const resolved: Defined<BackoffOptions> = readOptions(
    'defineTask',
    backoff,
    BACKOFF_KEYS,
    DEFAULT_BACKOFF,
    'backoff',
  );
  checkNonNegative('backoff.delay', resolved.delay, 'milliseconds');
  checkNonNegative('backoff.maxDelay', resolved.maxDelay, 'milliseconds');
  if (typeof resolved.factor !== 'number' || !(resolved.factor >= 1))
    invalid('backoff.factor', 'a number from 1 and up', resolved.factor);
  if (typeof resolved.jitter !== 'number' || !(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    invalid('backoff.jitter', 'a number from 0 to 1', resolved.jitter);
  }
  return resolved;
}

/**
 * Wait before retry number `attempt` (1 = first retry): exponential, capped, with "equal jitter"
 * (a `jitter` share of the wait is random) so that many failing jobs do not retry in lockstep.
 */
export function backoffDelay(
  backoff: Defined<BackoffOptions>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const raw = Math.min(backoff.maxDelay, backoff.delay * backoff.factor ** Math.max(0, attempt - 1));
  return Math.round(raw * (1 - backoff.jitter) + raw * backoff.jitter * random());
}

/** `{ max, duration }` of a rate limit or limiter, read as the option `path` of `name()`. */
export function checkRateLimit(name: string, path: string, value: RateLimit | undefined): RateLimit | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) invalid(path, 'an object { max, duration }', value);
  const { max, duration } = readOptions(name, value, { max: true, duration: true }, {}, path);
  return { max: checkInteger(`${path}.max`, max, 1), duration: checkInteger(`${path}.duration`, duration, 1) };
}

const TASK_OPTION_KEYS: OptionKeys<TaskOptions> = {
  attempts: true,
  backoff: true,
  retryOn: true,
  timeLimit: true,
  rateLimit: true,
};

/** Validates `defineTask` options, failing fast; returns them without keys left `undefined`. */
export function checkTaskOptions(options: TaskOptions): TaskOptions {
  const o: TaskOptions = readOptions('defineTask', options, TASK_OPTION_KEYS);
  if (o.attempts !== undefined) checkInteger('attempts', o.attempts, 1);
  resolveBackoff(o.backoff);
  if (o.retryOn !== undefined && typeof o.retryOn !== 'function') {
    invalid('retryOn', 'a function (error, attempt) => boolean', o.retryOn);
  }
  if (o.timeLimit !== undefined) checkInteger('timeLimit', o.timeLimit, 1, MAX_TIMER_DELAY);
  checkRateLimit('defineTask', 'rateLimit', o.rateLimit);
  return o;
}

const ENQUEUE_OPTION_KEYS: OptionKeys<EnqueueOptions> = {
  delay: true,
  at: true,
  expiresAt: true,
  priority: true,
  jobId: true,
  attempts: true,
};

/** Validates `enqueue` options and returns the delay (ms) and expiry they mean. */
export function checkEnqueueOptions(given: EnqueueOptions, now: number): { delay: number; expiresAt?: number } {
  const options: EnqueueOptions = readOptions('enqueue', given, ENQUEUE_OPTION_KEYS);
  if (options.delay !== undefined && options.at !== undefined)
    invalid('delay', 'absent when `at` is given', options.delay);
  let delay = 0;
  if (options.delay !== undefined) delay = checkNonNegative('delay', options.delay, 'milliseconds');
  if (options.at !== undefined) delay = Math.max(0, toTime('at', options.at) - now);
  if (options.priority !== undefined) checkInteger('priority', options.priority, 1, MAX_PRIORITY);
  if (options.jobId !== undefined) checkJobId(options.jobId);
  if (options.attempts !== undefined) checkInteger('attempts', options.attempts, 1);
  if (options.expiresAt === undefined) return { delay };
  return { delay, expiresAt: toTime('expiresAt', options.expiresAt) };
}
