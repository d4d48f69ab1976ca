import { createHash } from 'node:crypto';
import { CacheError, describeValue } from './errors.js';
import type { SetOptions } from './options.js';
import { checkFunction } from './validate.js';

/** What the fragment cache needs of a cache: `getOrSet` (so concurrent renders coalesce). */
export interface FragmentCache {
  getOrSet<T>(key: string, factory: () => T | Promise<T>, options?: SetOptions): Promise<T>;
}

/**
 * One vary-on value as hashed: strings and numbers by their text (`7` and `'7'` agree, as in
 * Django), `null`, `undefined` and booleans apart from the strings that spell them, the rest as JSON.
 */
function varyPart(value: unknown, index: number): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return `s${value}`;
  if (value === null || value === undefined || typeof value === 'boolean') return `v${String(value)}`;
  if (typeof value !== 'object') return `v${typeof value}`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new CacheError(
      'ERR_INVALID_ARGUMENT',
      `Expected \`varyOn[${index}]\` to be a primitive or JSON-serialisable, got ${describeValue(value)}`,
      { cause },
    );
  }
  return `j${json}`;
}

/**
 * Django's `make_template_fragment_key`: the key under which `{% cache %}` and
 * {@link cacheFragment} store a fragment, so code can delete it. Objects in `varyOn` count by
 * their JSON (two users never share a fragment because both print as `[object Object]`), and
 * each value is length-prefixed, so `['a:b']` and `['a', 'b']` get different keys.
 *
 * @example
 * ```ts
 * await cache.delete(makeFragmentKey('sidebar', [user.id]));
 * ```
 */
export function makeFragmentKey(name: string, varyOn: readonly unknown[] = []): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CacheError(
      'ERR_INVALID_ARGUMENT',
      `Expected \`name\` to be a non-empty string, got ${describeValue(name)}`,
    );
  }
  if (!Array.isArray(varyOn)) {
    throw new CacheError('ERR_INVALID_ARGUMENT', `Expected \`varyOn\` to be an array, got ${describeValue(varyOn)}`);
  }
  const hash = createHash('md5');
  for (const [index, value] of varyOn.entries()) {
    const part = varyPart(value, index);
    hash.update(`${part.length}:${part}`);
  }
  return `template.cache.${name}.${hash.digest('hex')}`;
}

/**
 * Caches the output of any string renderer (Django's `{% cache %}` for code): one render per
 * `name` and `varyOn` values every `ttl` seconds; concurrent misses render once.
 *
 * @example
 * ```ts
 * const html = await cacheFragment(cache, 'sidebar', [user.id], 300, () => renderSidebar(user));
 * ```
 */
export async function cacheFragment(
  cache: FragmentCache,
  name: string,
  varyOn: readonly unknown[],
  ttl: number,
  render: () => string | Promise<string>,
): Promise<string> {
  checkFunction(render, 'render', 'ERR_INVALID_ARGUMENT');
  return cache.getOrSet(
    makeFragmentKey(name, varyOn),
    async () => {
      const html: unknown = await render();
      if (typeof html !== 'string')
        throw new CacheError(
          'ERR_INVALID_ARGUMENT',
          `Expected \`render\` to return a string, got ${describeValue(html)}`,
        );
      return html;
    },
    { ttl },
  );
}
