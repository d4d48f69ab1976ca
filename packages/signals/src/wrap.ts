import { describeValue, SignalError } from './errors.js';

/**
 * A Proxy of `target` whose `overrides` replace some methods. It keeps every other member
 * (find, count, ...) and the object's type; other methods are bound to the real object so
 * its `#private` fields keep working.
 */
export function overrideMethods<T extends object>(target: T, overrides: Record<string, unknown>): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && Object.hasOwn(overrides, property)) return overrides[property];
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined || (method as { original?: unknown }).original !== value) {
        method = Object.assign(value.bind(object), { original: value });
        bound.set(property, method);
      }
      return method;
    },
  });
}

/** Throws `ERR_INVALID_OPTION` unless `value` is an object with each of `methods`. */
export function assertMethods(name: string, value: unknown, methods: readonly string[]): void {
  for (const method of methods) {
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof (value as Record<string, unknown>)[method] !== 'function'
    ) {
      throw new SignalError(
        'ERR_INVALID_OPTION',
        `Expected \`${name}\` to have a \`${method}\` method, got ${describeValue(value)}`,
      );
    }
  }
}
