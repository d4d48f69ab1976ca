import type { Logger, OptionKeys } from '@adv/types';
import type { CacheDriver } from './drivers/factory.js';
import type { KeyFunction } from './keys.js';

/**
 * A keyv store adapter (`@keyv/sqlite`, `@keyv/postgres`, …): the part of keyv's
 * `KeyvStoreAdapter` the cache relies on, so that no keyv type appears in this package's types.
 */
export interface KeyvStoreLike {
  /** Reads the stored value at `key`. */
  get(key: string): unknown;
  /** Stores `value` at `key` for `ttl` ms (none: no expiry). */
  set(key: string, value: unknown, ttl?: number): unknown;
  /** Deletes `key`. */
  delete(key: string): unknown;
  /** Deletes everything in the store (what `cache.clear()` calls). */
  clear(): unknown;
}

/** Options of {@link createCache}. Every field is optional: `createCache()` is a memory cache. */
export interface CacheOptions {
  /**
   * The backend: `'memory'` (LocMem: this process, LRU-bounded), or any keyv store adapter
   * (`new KeyvSqlite(...)`, a `Map`). Mutually exclusive with `url`.
   * @defaultValue `'memory'`
   */
  store?: 'memory' | KeyvStoreLike | Map<unknown, unknown> | undefined;
  /**
   * The backend as a URL: `memory://`, `redis://host:6379/0`, `rediss://...`,
   * `memcached://host:11211` (several servers: `memcached://h1:11211,h2:11211`).
   * @example `createCache({ url: process.env.REDIS_URL })`
   */
  url?: string | undefined;
  /**
   * The backend as a driver imported from its subpath: `redisDriver({ url })` of
   * `@adv/cache/redis` or `memcachedDriver({ url })` of `@adv/cache/memcached`. Same backend
   * as `url`, loaded at start-up instead of on the first call. Mutually exclusive with `url`
   * and `store`.
   * @example `createCache({ driver: redisDriver({ url: process.env.REDIS_URL }) })`
   */
  driver?: CacheDriver | undefined;
  /**
   * Django's `KEY_PREFIX`: every stored key starts with `keyPrefix:` (`keyPrefix:version:` with
   * the default `keyFunction`); `clear()` deletes only keys with this prefix (on Redis and memory).
   * @defaultValue `'adv'`
   */
  keyPrefix?: string | undefined;
  /**
   * Django's `VERSION`: the default version of every key. Bump it to invalidate everything
   * written by older code without flushing the backend.
   * @defaultValue `1`
   */
  version?: number | undefined;
  /**
   * Django's `KEY_FUNCTION`: builds the stored key from `(key, keyPrefix, version)`. A result
   * that does not start with `keyPrefix:version:` is stored as `keyPrefix:~<result>`, so
   * `clear()` still finds it; any result is hashed if memcached would reject it (over 250
   * bytes, spaces, control characters).
   * @defaultValue `` (key, prefix, version) => `${prefix}:${version}:${key}` ``
   */
  keyFunction?: KeyFunction | undefined;
  /**
   * Time to live, in **seconds**, of writes that give no `ttl`. `0` keeps entries until evicted
   * (unlike Django's 300 s default, as the `CacheLike` contract says).
   * @defaultValue `0`
   */
  defaultTtl?: number | undefined;
  /**
   * Grace period in seconds for `getOrSet` writes that give no `grace`: how long after its ttl an
   * entry may still be served stale while one refresh runs.
   * @defaultValue `0`
   */
  defaultGrace?: number | undefined;
  /**
   * Memory backend: the most entries kept before the least recently used is evicted (Django's
   * `MAX_ENTRIES`).
   * @defaultValue `1000`
   */
  maxEntries?: number | undefined;
  /**
   * What a backend failure does: `'log'` reports it (logger + `error` event) and falls through
   * (a `get` misses, a `set` returns false, `getOrSet` runs the factory); `'throw'` rejects with
   * a `CacheError` of code `ERR_BACKEND`. Programmer errors (bad arguments, values JSON cannot
   * hold) always throw.
   * @defaultValue `'log'`
   */
  onError?: 'log' | 'throw' | undefined;
  /** Where backend failures are logged. `console` and pino loggers fit. @defaultValue `console` */
  logger?: Logger | undefined;
  /**
   * Network backends: how long one operation may take, in ms, before it counts as a failure.
   * Also the bound of a connect and of `close()`. A call that finds the server unreachable
   * (or gets no answer within it) marks the backend down: later calls fail at once, without
   * waiting, until a background probe gets an answer (see "When the server is down").
   * @defaultValue `1000`
   */
  timeout?: number | undefined;
  /**
   * Two-tier mode (Redis only): a memory L1 in front of Redis. Reads hit memory first; writes
   * and invalidations in any process drop the L1 copies in every process via Redis pub/sub.
   * `true` uses the defaults.
   * @defaultValue `false`
   */
  l1?: boolean | L1Options | undefined;
  /**
   * Whether a custom `store` is shared by several processes (reported in `backendInfo`).
   * @defaultValue `false`
   */
  shared?: boolean | undefined;
}

/** The `l1` option of {@link CacheOptions}: the memory tier in front of Redis. */
export interface L1Options {
  /**
   * The most entries the memory tier keeps in each process before the least recently used is evicted.
   * @defaultValue `1000`
   */
  maxEntries?: number | undefined;
  /**
   * Seconds an entry is kept in the memory tier at most (invalidations drop it sooner).
   * @defaultValue `60`
   */
  ttl?: number | undefined;
}

/** Per-call version (Django's `version=` argument). */
export interface VersionOptions {
  /** Version of the key; defaults to the cache's `version`. */
  version?: number | undefined;
}

/** Options of `set`, `add`, `setMany` and `getOrSet`. */
export interface SetOptions extends VersionOptions {
  /** Time to live in **seconds**; `0` keeps the entry until evicted. Defaults to `defaultTtl`. */
  ttl?: number | undefined;
  /** Tags to invalidate the entry by with `invalidateTags`. */
  tags?: readonly string[] | undefined;
  /** Seconds after `ttl` during which `getOrSet` serves the stale value while refreshing it. */
  grace?: number | undefined;
}

/** Options of `incr`/`decr`. */
export interface IncrOptions extends VersionOptions {
  /** Seconds to live when the counter is created by this call; an existing counter keeps its expiry. */
  ttl?: number | undefined;
}

/** Defaults of {@link CacheOptions}, in one place. */
export const CACHE_DEFAULTS = {
  keyPrefix: 'adv',
  version: 1,
  defaultTtl: 0,
  defaultGrace: 0,
  maxEntries: 1000,
  onError: 'log',
  timeout: 1000,
  l1MaxEntries: 1000,
  l1Ttl: 60,
} as const;

/** Every option of {@link createCache}: the names an unknown key is checked against. */
export const CACHE_OPTION_KEYS: OptionKeys<CacheOptions> = {
  store: true,
  url: true,
  driver: true,
  keyPrefix: true,
  version: true,
  keyFunction: true,
  defaultTtl: true,
  defaultGrace: true,
  maxEntries: true,
  onError: true,
  logger: true,
  timeout: true,
  l1: true,
  shared: true,
};

/** Every option of the `l1` object. */
export const L1_OPTION_KEYS: OptionKeys<L1Options> = { maxEntries: true, ttl: true };

/** Options of `get`, `delete`, `has`, `getMany`, `deleteMany`, `touch`, `incrVersion`, `decrVersion`. */
export const VERSION_OPTION_KEYS: OptionKeys<VersionOptions> = { version: true };

/** Options of `set`, `add`, `setMany`, `getOrSet`. */
export const SET_OPTION_KEYS: OptionKeys<SetOptions> = { version: true, ttl: true, tags: true, grace: true };

/** Options of `incr`, `decr`. */
export const INCR_OPTION_KEYS: OptionKeys<IncrOptions> = { version: true, ttl: true };
