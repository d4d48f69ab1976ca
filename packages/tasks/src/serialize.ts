import { TaskError } from './errors.js';

/** Where a walk is: the root's name and the keys (or indexes) below it. */
interface Walk {
  what: string;
  keys: (string | number)[];
  /** The objects above the current one: a cycle is an object that is its own ancestor. */
  ancestors: object[];
}

function fail(walk: Walk, found: string): never {
  let path = walk.what;
  for (const key of walk.keys) path += typeof key === 'number' ? `[${key}]` : `.${key}`;
  throw new TaskError('ERR_NOT_SERIALIZABLE', `Expected \`${path}\` to be JSON-serialisable, found ${found}`);
}

/** Module-level and allocation-free on the happy path: it runs on every enqueue and result. */
function check(item: unknown, walk: Walk): void {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return;
  if (typeof item === 'number') {
    if (!Number.isFinite(item)) fail(walk, `the number ${item}`);
    return;
  }
  if (typeof item !== 'object') fail(walk, `a ${typeof item}`);
  if (walk.ancestors.includes(item)) fail(walk, 'a circular reference');
  walk.ancestors.push(item);
  if (Array.isArray(item)) {
    for (let index = 0; index < item.length; index++) {
      walk.keys.push(index);
      const entry: unknown = item[index];
      if (entry === undefined) fail(walk, 'undefined');
      check(entry, walk);
      walk.keys.pop();
    }
  } else {
    const proto = Object.getPrototypeOf(item);
    if (proto !== Object.prototype && proto !== null) {
      fail(walk, `an instance of ${(item as object).constructor?.name ?? 'a class'} (convert it to plain data first)`);
    }
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      const entry = (item as Record<string, unknown>)[key];
      if (entry === undefined) continue;
      walk.keys.push(key);
      check(entry, walk);
      walk.keys.pop();
    }
  }
  walk.ancestors.pop();
}

/**
 * Throws `ERR_NOT_SERIALIZABLE`, naming the path, when `value` would not survive a JSON round
 * trip unchanged: functions, symbols, bigints, non-finite numbers, Dates, Maps, class instances
 * and cycles. Hand-written because `JSON.stringify` silently drops or converts most of these,
 * and no small library reports the offending path.
 */
export function assertSerializable(value: unknown, what = 'payload'): void {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'boolean') return;
  check(value, { what, keys: [], ancestors: [] });
}

/**
 * A deep copy of plain JSON data (checked by {@link assertSerializable}), as a JSON round trip
 * would make it (keys holding `undefined` are left out), without building the JSON string: the
 * memory backend copies every payload and result, so that the caller's later changes never reach
 * a stored job.
 */
export function jsonCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((entry: unknown) => jsonCopy(entry)) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const entry = (value as Record<string, unknown>)[key];
    if (entry === undefined) continue;
    // `copy.__proto__ = …` would set the prototype: JSON.parse makes an own property, so do we.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: jsonCopy(entry),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = jsonCopy(entry);
  }
  return copy as T;
}
