import { createHash } from 'node:crypto';
import type { SetOptions } from './options.js';

/** What the fragment cache needs of a cache: `getOrSet` (so concurrent renders coalesce). */
export interface FragmentCache {
  getOrSet<T>(key: string, factory: () => T | Promise<T>, options?: SetOptions): Promise<T>;
}

/**
 * Django's `make_template_fragment_key`: the key under which `{% cache %}` and
 * {@link cacheFragment} store a fragment, so code can delete it.
 *
 * @example
 * ```ts
 * await cache.delete(makeFragmentKey('sidebar', [user.id]));
 * ```
 */
export function makeFragmentKey(name: string, varyOn: readonly unknown[] = []): string {
  const hash = createHash('md5');
  for (const value of varyOn) hash.update(`${String(value)}:`);
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
export function cacheFragment(
  cache: FragmentCache,
  name: string,
  varyOn: readonly unknown[],
  ttl: number,
  render: () => string | Promise<string>,
): Promise<string> {
  return cache.getOrSet(makeFragmentKey(name, varyOn), render, { ttl });
}
