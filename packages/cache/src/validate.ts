import { expectedMessage, unknownOptionMessage } from '@adv/types';
import { CacheError, type CacheErrorCode, describeValue } from './errors.js';

function fail(code: CacheErrorCode, name: string, expected: string, value: unknown): never {
  throw new CacheError(code, expectedMessage(name, expected, value));
}

/** Throws unless `value` is a finite number of seconds >= 0 (or undefined). */
export function checkTtl(value: unknown, name = 'ttl', code: CacheErrorCode = 'ERR_INVALID_ARGUMENT'): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(code, name, 'a non-negative number of seconds', value);
  }
}

/** Throws unless `key` is a non-empty string. */
export function checkKey(key: unknown, name = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) fail('ERR_INVALID_ARGUMENT', name, 'a non-empty string', key);
}

/** Throws unless `value` is an array of non-empty strings. */
export function checkKeys(keys: unknown, name = 'keys'): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) fail('ERR_INVALID_ARGUMENT', name, 'an array of non-empty strings', keys);
  for (const [index, key] of keys.entries()) checkKey(key, `${name}[${index}]`);
}

/** Throws unless `value` is a safe integer (or undefined). */
export function checkInteger(value: unknown, name: string, code: CacheErrorCode = 'ERR_INVALID_ARGUMENT'): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(code, name, 'an integer', value);
}

/** Throws unless `value` is a positive integer. */
export function checkPositiveInteger(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail('ERR_INVALID_OPTION', name, 'an integer from 1 and up', value);
  }
}

/** Throws unless `value` is a function (or undefined when optional). */
export function checkFunction(value: unknown, name: string, code: CacheErrorCode = 'ERR_INVALID_OPTION'): void {
  if (typeof value !== 'function') fail(code, name, 'a function', value);
}

/** Throws unless `value` is one of `allowed`. */
export function checkOneOf(value: unknown, name: string, allowed: readonly string[]): void {
  if (!allowed.includes(value as string))
    fail('ERR_INVALID_OPTION', name, `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`, value);
}

/** Throws unless `value` is a string (possibly empty). */
export function checkString(value: unknown, name: string): void {
  if (typeof value !== 'string') fail('ERR_INVALID_OPTION', name, 'a string', value);
}

/** Throws unless `tags` is undefined or an array of non-empty strings. */
export function checkTags(tags: unknown): void {
  if (tags === undefined) return;
  checkKeys(tags, 'tags');
}

/** Seconds to whole milliseconds, rounded up (Redis `PX` takes integers only). */
export function toMs(seconds: number): number {
  return Math.ceil(seconds * 1000);
}

/** Throws unless `options` is undefined or an object. */
export function checkOptions(options: unknown, name = 'options'): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options)))
    fail('ERR_INVALID_ARGUMENT', name, 'an options object', options);
}

/** The `error` of `resolveOptions` for this package's option objects. */
export function invalidOption(message: string): CacheError {
  return new CacheError('ERR_INVALID_OPTION', message);
}

/**
 * The per-call options check of a cache method (`cache.set(key, value, { ttl })`): undefined or
 * an object whose every own key is in `keys`, refused with `ERR_INVALID_ARGUMENT` and the message
 * of `resolveOptions` otherwise. Hand-rolled rather than `resolveOptions` because it runs on every
 * call: one `for…in` over a small object, no array or copy (the value checks stay with the caller).
 */
export function checkCallOptions(options: unknown, method: string, keys: Readonly<Record<string, true>>): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CacheError(
      'ERR_INVALID_ARGUMENT',
      `Expected the options of \`cache.${method}()\` to be an object, got ${describeValue(options)}`,
    );
  }
  for (const key in options) {
    if (keys[key] !== true && Object.hasOwn(options, key)) {
      throw new CacheError('ERR_INVALID_ARGUMENT', unknownOptionMessage(`cache.${method}`, key, Object.keys(keys)));
    }
  }
}

/**
 * Refuses an unknown key of a nested options object (`createCache({ l1: { … } })`) in the message
 * shape of `resolveOptions`, naming the keys by their path: `` `l1.ttl` ``.
 */
export function checkNestedKeys(
  options: object,
  name: string,
  path: string,
  keys: Readonly<Record<string, true>>,
): void {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(keys, key)) {
      const valid = Object.keys(keys).map((option) => `${path}.${option}`);
      throw invalidOption(unknownOptionMessage(name, `${path}.${key}`, valid));
    }
  }
}
