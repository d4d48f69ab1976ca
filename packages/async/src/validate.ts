import { AsyncError } from './errors.js';

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
