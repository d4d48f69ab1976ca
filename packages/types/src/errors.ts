/**
 * The base of every adv package's error class: a `code` to branch on and the ES2022 `cause`.
 * A package declares its own class with a literal `name` and its own code union in three lines,
 * so `instanceof CacheError` and `error.code === 'ERR_BACKEND'` work as before while the
 * behaviour lives (and is tested) once, here.
 *
 * @example
 * ```ts
 * type CacheErrorCode = 'ERR_INVALID_OPTION' | 'ERR_BACKEND';
 * class CacheError extends AdvError<CacheErrorCode> {
 *   override readonly name = 'CacheError';
 * }
 * throw new CacheError('ERR_BACKEND', 'Redis is down', { cause: error });
 * ```
 */
export class AdvError<Code extends string = string> extends Error {
  /** Set a literal in each subclass (not `this.constructor.name`, which minifiers rename). */
  override readonly name: string = 'AdvError';
  /** Machine-readable reason: branch on it rather than on the message. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The longest rendering {@link describeValue} shows before cutting it with `...`. */
const MAX_SHOWN = 80;

/**
 * Renders a value for an error message, the p-queue way: `` `-1` (number) ``. One rule for
 * every adv package:
 * - strings as they are, bigints with their `n`, functions as `[function name]`;
 * - arrays as JSON (`[]`, `["a",1]`), since `String([])` is empty; other objects with
 *   `String` (`[object Object]`), never JSON, which could print a secret held in a field;
 * - cut to 80 characters (`...` at the end); the type in brackets is `typeof`, except
 *   `null` and `array`.
 *
 * @example
 * ```ts
 * describeValue(-1); // '`-1` (number)'
 * describeValue(['en']); // '`["en"]` (array)'
 * describeValue(null); // '`null` (null)'
 * ```
 */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    if (typeof value === 'string') shown = value;
    else if (typeof value === 'bigint') shown = `${value}n`;
    else if (typeof value === 'function') shown = `[function ${value.name || 'anonymous'}]`;
    else if (Array.isArray(value)) shown = JSON.stringify(value);
    else shown = String(value);
  } catch {
    // A cycle or a bigint in an array, an object whose toString throws or has no prototype.
    shown = Object.prototype.toString.call(value);
  }
  if (shown.length > MAX_SHOWN) shown = `${shown.slice(0, MAX_SHOWN - 3)}...`;
  return `\`${shown}\` (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
}
