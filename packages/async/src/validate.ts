import { type OptionKeys, type Resolved, resolveOptions } from '@adv/types';
import { AsyncError } from './errors.js';

const optionError = (message: string): AsyncError => new AsyncError('ERR_INVALID_OPTION', message);

/**
 * Reads the options object of a public function the one adv way (`resolveOptions` of
 * `@adv/types`): a non-object is refused, an unknown key is refused with the valid names and a
 * did-you-mean, and an explicit `undefined` keeps the default. Errors are `ERR_INVALID_OPTION`.
 * Call it once, in the factory; value checks follow on the result.
 */
export function asyncOptions<O extends object, D extends Partial<O>>(
  name: string,
  options: O | undefined,
  keys: OptionKeys<O>,
  defaults: D,
): Resolved<O, D> {
  return resolveOptions(options, { name, keys, defaults, error: optionError });
}

/**
 * {@link asyncOptions} for an object inside the options (`backpressure`, `redis`): names are
 * reported with their path (``Unknown option `backpressure.limt` of `consumer()`; did you mean
 * `backpressure.limit`?``).
 */
export function nestedOptions<O extends object, D extends Partial<O>>(
  name: string,
  path: string,
  options: O | undefined,
  keys: OptionKeys<O>,
  defaults: D,
): Resolved<O, D> {
  return resolveOptions(options, { name, path, keys, defaults, error: optionError });
}

/**
 * The shape check of {@link asyncOptions} without building a resolved copy, for option bags
 * passed on every call (`limiter(fn, { signal })`, `text(body, init)`): a loop over the few keys
 * given, no allocation unless the bag is wrong.
 */
export function checkOptionKeys<O extends object>(name: string, options: O | undefined, keys: OptionKeys<O>): void {
  if (options === undefined) return;
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    let known = true;
    for (const key in options) {
      if (!Object.hasOwn(keys, key)) {
        known = false;
        break;
      }
    }
    if (known) return;
  }
  // The slow path builds the shared message (and ignores inherited keys, as resolveOptions does).
  asyncOptions(name, options, keys, {});
}

/** Renders a value the way p-queue's messages do: `` `-1` (number) ``. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : typeof value === 'function' ? 'function' : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return `\`${text}\` (${typeof value})`;
}

/** The one message shape for a bad option: ``Expected `name` to be …, got `v` (type)``. */
export function invalidOption(name: string, expectation: string, value: unknown): AsyncError {
  return new AsyncError('ERR_INVALID_OPTION', `Expected \`${name}\` to be ${expectation}, got ${shown(value)}`);
}

/** The option names of a Fetch `ResponseInit`, for the functions that take one (`text`, `streamResponse`, …). */
export const RESPONSE_INIT_KEYS: OptionKeys<ResponseInit> = { status: true, statusText: true, headers: true };

/** Checks an optional non-negative integer option (`Infinity` allowed when `infinite`). */
export function checkCount(
  name: string,
  value: unknown,
  options: { min?: number; infinite?: boolean; unit?: string } = {},
): void {
  if (value === undefined) return;
  const min = options.min ?? 0;
  const ok =
    typeof value === 'number' &&
    value >= min &&
    (Number.isInteger(value) || (options.infinite === true && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    const unit = options.unit ?? 'integer';
    const base =
      min === 0
        ? `a non-negative ${unit}`
        : unit === 'integer'
          ? `an integer from ${min} and up`
          : `a ${unit} from ${min} and up`;
    throw invalidOption(name, `${base}${options.infinite ? ' (or Infinity)' : ''}`, value);
  }
}

/** Checks an optional function option. */
export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(name, 'a function', value);
}

/** Checks a `logger` option: an object with `debug`, `info`, `warn` and `error` methods (`console`, pino). */
export function checkLogger(name: string, value: unknown): void {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    (['debug', 'info', 'warn', 'error'] as const).every(
      (level) => typeof (value as Record<string, unknown>)[level] === 'function',
    );
  if (!ok) throw invalidOption(name, 'a logger with debug, info, warn and error methods (console, pino)', value);
}

/** Checks an optional `AbortSignal` option. */
export function checkSignal(name: string, value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) throw invalidOption(name, 'an AbortSignal', value);
}

/** Rejects with the signal's reason wrapped as `ERR_ABORTED` (or the reason itself if it is already ours). */
export function abortError(signal: AbortSignal, what: string): AsyncError {
  const reason: unknown = signal.reason;
  if (reason instanceof AsyncError) return reason;
  return new AsyncError('ERR_ABORTED', `${what} was aborted`, { cause: reason });
}
