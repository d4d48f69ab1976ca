import { TaskError } from './errors.js';

/**
 * Throws `ERR_NOT_SERIALIZABLE`, naming the path, when `value` would not survive a JSON round
 * trip unchanged: functions, symbols, bigints, non-finite numbers, Dates, Maps, class instances
 * and cycles. Hand-written because `JSON.stringify` silently drops or converts most of these,
 * and no small library reports the offending path.
 */
export function assertSerializable(value: unknown, what = 'payload'): void {
  const seen = new Set<object>();
  const walk = (item: unknown, path: string): void => {
    if (item === null || typeof item === 'string' || typeof item === 'boolean') return;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) fail(path, `the number ${item}`);
      return;
    }
    if (typeof item !== 'object' || item === undefined) {
      fail(path, `a ${typeof item}`);
      return;
    }
    if (seen.has(item)) fail(path, 'a circular reference');
    seen.add(item);
    if (Array.isArray(item)) {
      item.forEach((entry, index) => {
        if (entry === undefined) fail(`${path}[${index}]`, 'undefined');
        walk(entry, `${path}[${index}]`);
      });
    } else {
      const proto = Object.getPrototypeOf(item);
      if (proto !== Object.prototype && proto !== null) {
        fail(
          path,
          `an instance of ${(item as object).constructor?.name ?? 'a class'} (convert it to plain data first)`,
        );
      }
      for (const [key, entry] of Object.entries(item)) {
        if (entry !== undefined) walk(entry, `${path}.${key}`);
      }
    }
    seen.delete(item);
  };
  const fail = (path: string, found: string): never => {
    throw new TaskError('ERR_NOT_SERIALIZABLE', `Expected \`${path}\` to be JSON-serialisable, found ${found}`);
  };
  if (value === undefined) return;
  walk(value, what);
}

/** A deep copy through JSON, as a Redis backend would store it. */
export function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
