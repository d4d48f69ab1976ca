/** Options of {@link cacheContract}, validated once when the suite is registered. */
import { type OptionKeys, resolveOptions } from '@adv/types';
import { CacheError, describeValue } from '../errors.js';
import { invalidOption } from '../validate.js';

/** What the store under test promises; the suite checks exactly that. */
export interface CacheContractOptions {
  /** Shown in the suite's title, `cache contract: <name>`. @defaultValue `'store'` */
  name?: string | undefined;
  /**
   * Two caches from the factory with the same `keyPrefix` see the same data (Redis, memcached,
   * a database), and `backendInfo.sharedAcrossProcesses` says so. Adds the cross-instance tests.
   * @defaultValue `false`
   */
  shared?: boolean | undefined;
  /** `clear()` leaves the entries of other key prefixes alone. @defaultValue `true` */
  scopedClear?: boolean | undefined;
  /** Counters may go below 0 (memcached clamps at 0: set `false`). @defaultValue `true` */
  negativeCounters?: boolean | undefined;
  /**
   * Required when `shared`: deletes the stored key `stored` of the caches under `prefix` behind
   * their back, as an evicting store would (Redis `maxmemory`, memcached's LRU), with a client
   * of its own. The suite checks that an entry whose tag version was lost is never served.
   */
  evict?: ((prefix: string, stored: string) => Promise<void>) | undefined;
}

const KEYS: OptionKeys<CacheContractOptions> = {
  name: true,
  shared: true,
  scopedClear: true,
  negativeCounters: true,
  evict: true,
};
const DEFAULTS = { name: 'store', shared: false, scopedClear: true, negativeCounters: true } as const;

/** {@link CacheContractOptions} with the defaults applied. */
export interface ResolvedContractOptions {
  name: string;
  shared: boolean;
  scopedClear: boolean;
  negativeCounters: boolean;
  evict?: ((prefix: string, stored: string) => Promise<void>) | undefined;
}

export function resolveContractOptions(options: CacheContractOptions | undefined): ResolvedContractOptions {
  const o = resolveOptions(options, { name: 'cacheContract', keys: KEYS, defaults: DEFAULTS, error: invalidOption });
  for (const name of ['shared', 'scopedClear', 'negativeCounters'] as const) {
    if (typeof o[name] !== 'boolean') {
      throw new CacheError('ERR_INVALID_OPTION', `Expected \`${name}\` to be a boolean, got ${describeValue(o[name])}`);
    }
  }
  if (typeof o.name !== 'string') {
    throw new CacheError('ERR_INVALID_OPTION', `Expected \`name\` to be a string, got ${describeValue(o.name)}`);
  }
  if (o.evict !== undefined && typeof o.evict !== 'function') {
    throw new CacheError('ERR_INVALID_OPTION', `Expected \`evict\` to be a function, got ${describeValue(o.evict)}`);
  }
  if (o.shared && o.evict === undefined) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      'Expected `evict` to be a function when `shared` is true: the suite deletes a key behind the cache’s back with it',
    );
  }
  return o;
}
