import { type OptionKeys, optionReaders } from '@adv/types';
import { AsyncError } from './errors.js';

/**
 * The option readers of @adv/async, `resolveOptions` of `@adv/types` bound to `AsyncError`
 * (`ERR_INVALID_OPTION`):
 * - `asyncOptions(name, options, keys, defaults)` reads a public function's options: a
 *   non-object is refused, an unknown key is refused with the valid names and a did-you-mean, an
 *   explicit `undefined` keeps the default. Call it once, in the factory; value checks follow.
 * - `nestedOptions(name, path, …)` reads an object inside the options (`backpressure`, `redis`),
 *   naming keys by their path (``Unknown option `backpressure.limt` of `consumer()`; did you
 *   mean `backpressure.limit`?``).
 * - `checkOptionKeys(name, options, keys)` is the shape check without a copy, for bags passed on
 *   every call (`limiter(fn, { signal })`, `text(body, init)`).
 * - `invalidOption(name, expectation, value)` is the one message shape for a bad value:
 *   ``Expected `name` to be …, got `v` (type)``.
 */
export const {
  read: asyncOptions,
  readNested: nestedOptions,
  checkKeys: checkOptionKeys,
  invalid: invalidOption,
} = optionReaders(AsyncError);

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
