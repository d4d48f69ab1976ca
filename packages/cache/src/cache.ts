import type {
  BackendInfo,
  CacheLike,
  CacheWriteOptions,
  DescribesBackend,
  ReadinessCheck,
  TagInvalidator,
} from '@adv/types';
import { type CacheEngine, Engine, type PreparedWrite, type Read, type TagVersions } from './engine.js';
import { CacheError, describeValue } from './errors.js';
import { defaultKeyFunction, safeKey, scopedKey } from './keys.js';
import {
  INCR_OPTION_KEYS,
  type IncrOptions,
  SET_OPTION_KEYS,
  type SetOptions,
  VERSION_OPTION_KEYS,
  type VersionOptions,
} from './options.js';
import type { Entry } from './payload.js';
import { NOT_NOW } from './read-now.js';
import type { CacheErrorListener, CacheSettings } from './settings.js';
import type { CacheStats, OperationCounter } from './stats.js';
import {
  checkCallOptions,
  checkFunction,
  checkInteger,
  checkKey,
  checkKeys,
  checkTags,
  checkTtl,
  toMs,
} from './validate.js';

/**
 * `cache.get(key)` answered synchronously when the backend is in this process (memory, no L1):
 * the same value, counts and reports, without a promise; {@link NOT_NOW} otherwise. A bad key
 * throws. Internal (`cachePage`'s hit path), not exported from the package.
 */
export let readCacheNow: (cache: Cache, key: string) => unknown;

/**
 * Django's cache API on a keyv store. Create one with {@link createCache}; share it across the
 * app. Keys are strings; values anything JSON can hold; ttl is in **seconds**.
 */
export class Cache implements CacheLike, TagInvalidator, DescribesBackend {
  /** What backend this cache runs on, for deploy checks. */
  readonly backendInfo: BackendInfo;
  /** Everything below the API goes through this interface (see {@link CacheEngine}). */
  readonly #e: CacheEngine;
  /** Per-operation counters of `stats()` (the engine's), held here for the hot path. */
  readonly #ops: CacheEngine['stats']['ops'];
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #refreshing = new Set<string>();
  /** `keyPrefix:version:` when keys are built by the default key function, for {@link makeKey}. */
  readonly #defaultHead: string | undefined;
  /** The key {@link makeKey} built last on its fast path, and what it built (see there). */
  #lastKey: string | undefined;
  #lastFull = '';

  /** Use {@link createCache}. */
  constructor(settings: CacheSettings) {
    this.#e = new Engine(settings);
    this.#ops = this.#e.stats.ops;
    const { keyFunction, keyPrefix, version } = settings;
    this.#defaultHead = keyFunction === defaultKeyFunction ? `${keyPrefix}:${version}:` : undefined;
    const kind = settings.l1 ? 'redis+l1' : settings.driver.kind;
    this.backendInfo = Object.freeze({ name: `@adv/cache:${kind}`, sharedAcrossProcesses: settings.driver.shared });
  }

  /** The cache-wide default version (Django's `VERSION`). */
  get version(): number {
    return this.#e.config.version;
  }

  /**
   * Django's `make_key`: the key as stored in the backend. A `keyFunction` result that does
   * not start with `keyPrefix:version:` is stored under `keyPrefix:~` so `clear()` finds it;
   * hashed when memcached would reject it.
   */
  makeKey(key: string, version?: number): string {
    const head = this.#defaultHead;
    // The default key function at the default version (nearly every call): `head` + key, as
    // below, without calling it and re-checking its result.
    if (head !== undefined && typeof key === 'string' && key.length > 0 && (version ?? this.version) === this.version) {
      // The same key as last time (a hot page read over and over): the same checked full key,
      // also the very same string, so the store's lookup reuses its hash.
      if (key === this.#lastKey) return this.#lastFull;
      const full = safeKey(head + key, head);
      this.#lastKey = key;
      this.#lastFull = full;
      return full;
    }
    return this.#makeKey(key, version ?? this.#e.config.version);
  }

  #makeKey(key: string, version: number): string {
    checkKey(key);
    checkInteger(version, 'version');
    const { keyFunction, keyPrefix } = this.#e.config;
    const built: unknown = keyFunction(key, keyPrefix, version);
    if (typeof built !== 'string' || built.length === 0) {
      throw new CacheError(
        'ERR_INVALID_OPTION',
        `Expected \`keyFunction\` to return a non-empty string, got ${describeValue(built)}`,
      );
    }
    return scopedKey(built, keyPrefix, version);
  }

  /** Subscribes to `error` events (backend failures). Returns a function that unsubscribes. */
  on(event: 'error', listener: CacheErrorListener): () => void {
    checkFunction(listener, 'listener', 'ERR_INVALID_ARGUMENT');
    if (event !== 'error')
      throw new CacheError('ERR_INVALID_ARGUMENT', `Expected \`event\` to be \`error\`, got \`${String(event)}\``);
    return this.#e.onError(listener);
  }

  /** Returns the fresh value at `key`, or `undefined` (missing, expired, stale or invalidated by a tag). */
  get<T = unknown>(key: string, options?: VersionOptions): Promise<T | undefined> {
    // Not `async`: the hot path saves the extra promise around #fresh's; a bad argument still rejects.
    let full: string;
    try {
      checkCallOptions(options, 'get', VERSION_OPTION_KEYS);
      full = this.makeKey(key, options?.version);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#fresh<T>(full, 'get', this.#ops.get);
  }

  static {
    readCacheNow = (cache, key) => cache.#readNow(key);
  }

  /** See {@link readCacheNow}. */
  #readNow(key: string): unknown {
    if (!this.#e.readsNow) return NOT_NOW;
    const full = this.makeKey(key);
    this.#ops.get.calls++;
    return this.#e.readNow(full, 'get', this.#onGet.read, this.#onGet.miss);
  }

  /** The value of a read when fresh, counted as a hit or a miss of `counter`. */
  static #freshValue(read: Read, counter: OperationCounter): unknown {
    const entry = read.entry;
    if (entry !== undefined && (entry.f === undefined || entry.f > Date.now())) {
      counter.hits++;
      return entry.v;
    }
    counter.misses++;
    return undefined;
  }

  /** What `get` and `has` do with a read and with a failure, made once (not closures per call). */
  readonly #onGet = {
    read: (read: Read): unknown => Cache.#freshValue(read, this.#ops.get),
    miss: (): undefined => {
      this.#ops.get.misses++;
      return undefined;
    },
  };
  readonly #onHas = {
    read: (read: Read): unknown => Cache.#freshValue(read, this.#ops.has),
    miss: (): undefined => {
      this.#ops.has.misses++;
      return undefined;
    },
  };

  /**
   * The fresh value at `full`, counted as a hit or a miss of `get` or `has`; a backend failure
   * is reported and read as a miss.
   */
  #fresh<T>(full: string, op: 'get' | 'has', counter: OperationCounter): Promise<T | undefined> {
    counter.calls++;
    const on = op === 'get' ? this.#onGet : this.#onHas;
    return this.#e.readWith(full, op, on.read, on.miss) as Promise<T | undefined>;
  }

  /** Stores `value` (anything JSON can hold; `null` included). Resolves false when the backend failed. */
  async set(key: string, value: unknown, options?: SetOptions | CacheWriteOptions): Promise<boolean> {
    checkCallOptions(options, 'set', SET_OPTION_KEYS);
    const full = this.makeKey(key, (options as SetOptions | undefined)?.version);
    this.#ops.set.calls++;
    const since = this.#e.epoch;
    const encoded = this.#e.encode(value, options ?? {});
    const { payload, ttlMs } = encoded instanceof Promise ? await encoded : encoded;
    if (payload === undefined) return false;
    return this.#e.attempt('set', full, () => this.#e.write(full, payload, ttlMs, since), false);
  }

  /**
   * Django's `add`: stores only if `key` is absent (atomic on Redis and memcached). True when
   * stored, false when the key already holds a value. A backend failure (server down, timeout)
   * rejects with `ERR_BACKEND` whatever `onError` says, as `incr` does: `false` would claim the
   * key exists.
   */
  async add(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    checkCallOptions(options, 'add', SET_OPTION_KEYS);
    const full = this.makeKey(key, options?.version);
    const counter = this.#ops.add;
    counter.calls++;
    const since = this.#e.epoch;
    const encoded = this.#e.encode(value, options ?? {}, undefined, true, 'add');
    const { payload, ttlMs } = encoded instanceof Promise ? await encoded : encoded;
    if (payload === undefined) return false; // not reached: a strict encode throws instead
    const added = await this.#e.attempt('add', full, () => this.#e.insert(full, payload, ttlMs, since), false, true);
    // The key was there (a hit) when nothing was added.
    if (added) counter.misses++;
    else counter.hits++;
    return added;
  }

  /** Removes `key`; true when it was there (memory, Redis, memcached). */
  async delete(key: string, options?: VersionOptions): Promise<boolean> {
    checkCallOptions(options, 'delete', VERSION_OPTION_KEYS);
    const full = this.makeKey(key, options?.version);
    const counter = this.#ops.delete;
    counter.calls++;
    try {
      const deleted = await this.#e.attempt('delete', full, () => this.#e.remove(full), false);
      if (deleted) counter.hits++;
      else counter.misses++;
      return deleted;
    } finally {
      // After the backend: a copy read meanwhile from the old value is dropped too.
      this.#e.forget([full]);
    }
  }

  /** Whether `key` holds a fresh value. */
  async has(key: string, options?: VersionOptions): Promise<boolean> {
    checkCallOptions(options, 'has', VERSION_OPTION_KEYS);
    const full = this.makeKey(key, options?.version);
    return (await this.#fresh(full, 'has', this.#ops.has)) !== undefined;
  }

  /** Django's `touch`: gives `key` a new ttl in seconds (default `defaultTtl`). False when missing. */
  async touch(key: string, ttl?: number, options?: VersionOptions): Promise<boolean> {
    checkTtl(ttl);
    checkCallOptions(options, 'touch', VERSION_OPTION_KEYS);
    const full = this.makeKey(key, options?.version);
    const counter = this.#ops.touch;
    counter.calls++;
    const touched = await this.#e.attempt(
      'touch',
      full,
      async () => {
        const since = this.#e.epoch;
        const { entry } = await this.#e.read(full);
        if (entry === undefined) return false;
        const seconds = ttl ?? this.#e.config.defaultTtl;
        const ttlMs = seconds > 0 ? toMs(seconds) : undefined;
        const next: Entry = { v: entry.v, ...(entry.g ? { g: entry.g } : {}) };
        if (ttlMs && this.#e.keepsExpiry) next.e = Date.now() + ttlMs;
        await this.#e.rewrite(full, next, ttlMs, since);
        return true;
      },
      false,
    );
    if (touched) counter.hits++;
    else counter.misses++;
    return touched;
  }

  /** Django's `get_many`: a Map of the keys that hold fresh values. */
  async getMany<T = unknown>(keys: readonly string[], options?: VersionOptions): Promise<Map<string, T>> {
    checkKeys(keys);
    checkCallOptions(options, 'getMany', VERSION_OPTION_KEYS);
    const fulls = keys.map((key) => this.makeKey(key, options?.version));
    const counter = this.#ops.getMany;
    counter.calls++;
    const result = new Map<string, T>();
    const reads = await this.#e.attempt('getMany', fulls.join(','), () => this.#e.readMany(fulls), []);
    const now = Date.now();
    for (const [index, read] of reads.entries()) {
      const entry = read.entry;
      if (entry !== undefined && (entry.f === undefined || entry.f > now))
        result.set(keys[index] as string, entry.v as T);
    }
    counter.hits += result.size;
    counter.misses += keys.length - result.size;
    return result;
  }

  /** Django's `set_many`: stores every pair with the same options. True when all were stored. */
  async setMany(
    entries: Iterable<readonly [string, unknown]> | Record<string, unknown>,
    options?: SetOptions,
  ): Promise<boolean> {
    if (typeof entries !== 'object' || entries === null)
      throw new CacheError(
        'ERR_INVALID_ARGUMENT',
        `Expected \`entries\` to be an object or [key, value] pairs, got ${describeValue(entries)}`,
      );
    checkCallOptions(options, 'setMany', SET_OPTION_KEYS);
    this.#ops.setMany.calls++;
    const pairs =
      Symbol.iterator in entries ? [...(entries as Iterable<readonly [string, unknown]>)] : Object.entries(entries);
    const rows: PreparedWrite[] = [];
    for (const [key, value] of pairs) {
      const full = this.makeKey(key, options?.version);
      const encoded = this.#e.encode(value, options ?? {}, undefined, false, 'setMany');
      const { payload, ttlMs } = encoded instanceof Promise ? await encoded : encoded;
      if (payload === undefined) return false;
      rows.push({ key: full, payload, ttlMs });
    }
    if (rows.length === 0) return true;
    const fulls = rows.map((row) => row.key);
    try {
      return await this.#e.attempt('setMany', fulls.join(','), () => this.#e.writeMany(rows), false);
    } finally {
      this.#e.forget(fulls);
    }
  }

  /** Django's `delete_many`. True when the backend reported success. */
  async deleteMany(keys: readonly string[], options?: VersionOptions): Promise<boolean> {
    checkKeys(keys);
    checkCallOptions(options, 'deleteMany', VERSION_OPTION_KEYS);
    const fulls = keys.map((key) => this.makeKey(key, options?.version));
    this.#ops.deleteMany.calls++;
    if (fulls.length === 0) return true;
    try {
      return await this.#e.attempt('deleteMany', fulls.join(','), () => this.#e.removeMany(fulls), false);
    } finally {
      this.#e.forget(fulls);
    }
  }

  /**
   * Empties this cache's namespace only: keys starting with `keyPrefix:` (Redis: `SCAN` +
   * `UNLINK`, never `KEYS`). memcached cannot list keys: there it starts a new namespace
   * generation of the prefix, so every older entry is a miss in every process (never `flush_all`).
   */
  async clear(): Promise<void> {
    this.#ops.clear.calls++;
    try {
      await this.#e.attempt('clear', `${this.#e.config.keyPrefix}:*`, () => this.#e.clearAll(), undefined);
    } finally {
      this.#e.forget();
    }
  }

  /**
   * Adds `delta` to the integer at `key` and returns the new value; a missing key counts as 0
   * (Redis `INCRBY`, memcached `incr`: atomic across processes). Throws `ERR_NOT_INTEGER` on a
   * non-integer value. On memcached a counter never goes below 0.
   */
  async incr(key: string, delta = 1, options?: IncrOptions): Promise<number> {
    checkInteger(delta, 'delta');
    checkCallOptions(options, 'incr', INCR_OPTION_KEYS);
    checkTtl(options?.ttl);
    const full = this.makeKey(key, options?.version);
    const seconds = options?.ttl ?? this.#e.config.defaultTtl;
    const ttlMs = seconds > 0 ? toMs(seconds) : undefined;
    if (this.#e.closed) throw new CacheError('ERR_CLOSED', 'Cannot `incr`: the cache was closed');
    this.#ops.incr.calls++;
    try {
      // No value to fall back to: a backend failure rejects whatever `onError` says.
      return await this.#e.increment(full, delta, ttlMs);
    } catch (error) {
      if (error instanceof CacheError && error.code === 'ERR_NOT_INTEGER') throw error;
      throw this.#e.report(error, 'incr', full, true);
    } finally {
      this.#e.forget([full]);
    }
  }

  /** `incr(key, -delta)`. */
  decr(key: string, delta = 1, options?: IncrOptions): Promise<number> {
    checkInteger(delta, 'delta');
    checkCallOptions(options, 'decr', INCR_OPTION_KEYS);
    return this.incr(key, -delta, options);
  }

  /**
   * Returns the cached value, or runs `factory` once for all concurrent callers in this
   * process (stampede protection), stores its result and returns it. A factory error reaches
   * every waiter and is not cached. With `grace`, an expired value is served while one
   * refresh runs in the background; a failing refresh keeps serving it until grace ends.
   * A factory result of `undefined` is returned but not stored.
   */
  async getOrSet<T>(key: string, factory: () => T | Promise<T>, options: SetOptions = {}): Promise<T> {
    checkFunction(factory, 'factory', 'ERR_INVALID_ARGUMENT');
    checkCallOptions(options, 'getOrSet', SET_OPTION_KEYS);
    checkTtl(options.ttl);
    checkTtl(options.grace, 'grace');
    checkTags(options.tags);
    const full = this.makeKey(key, options.version);
    const counter = this.#ops.getOrSet;
    counter.calls++;
    // Callers arriving while the read or the factory runs share it: one factory call per stampede.
    const running = this.#inflight.get(full);
    if (running !== undefined) return running as Promise<T>;
    const promise = (async () => {
      try {
        await null; // registered before anything runs, even a factory that throws at once
        const read = await this.#e.attempt('getOrSet', full, () => this.#e.read(full), undefined);
        const entry = read?.entry;
        if (entry !== undefined) {
          counter.hits++;
          if (entry.f === undefined || entry.f > Date.now()) return entry.v as T;
          this.#refresh(full, factory, options);
          return entry.v as T;
        }
        counter.misses++;
        return await this.#produce(full, factory, options);
      } finally {
        this.#inflight.delete(full);
      }
    })();
    this.#inflight.set(full, promise);
    return promise;
  }

  /**
   * Django's `incr_version`: moves the value at `key` from `version` to `version + delta` and
   * returns the new version. The entry keeps its remaining ttl, grace and tags (Django's resets
   * the ttl to the default). Throws `ERR_NOT_FOUND` when the key is missing.
   */
  async incrVersion(key: string, delta = 1, options?: VersionOptions): Promise<number> {
    checkInteger(delta, 'delta');
    checkCallOptions(options, 'incrVersion', VERSION_OPTION_KEYS);
    const version = options?.version ?? this.#e.config.version;
    checkInteger(version, 'version');
    const from = this.makeKey(key, version);
    const to = this.makeKey(key, version + delta);
    const counter = this.#ops.incrVersion;
    counter.calls++;
    const since = this.#e.epoch;
    const moved = await this.#e.attempt(
      'incrVersion',
      from,
      async () => {
        const { entry } = await this.#e.read(from);
        const now = Date.now();
        if (entry === undefined || (entry.f !== undefined && entry.f <= now)) return false;
        const ttlMs = entry.e !== undefined ? entry.e - now : await this.#e.remainingTtl(from);
        if (ttlMs !== undefined && ttlMs <= 0) return false;
        const stored = await this.#e.rewrite(to, entry, ttlMs, since);
        if (stored) await this.#e.remove(from);
        this.#e.forget([from]);
        return stored;
      },
      undefined,
    );
    if (moved === true) counter.hits++;
    else counter.misses++;
    if (moved === false)
      throw new CacheError('ERR_NOT_FOUND', `Expected \`${key}\` to be in the cache at version ${version}`);
    if (moved === undefined)
      throw new CacheError(
        'ERR_BACKEND',
        `Cannot \`incrVersion\` \`${key}\`: the backend failed (see the logged error)`,
      );
    return version + delta;
  }

  /** `incrVersion(key, -delta)`. */
  decrVersion(key: string, delta = 1, options?: VersionOptions): Promise<number> {
    checkInteger(delta, 'delta');
    checkCallOptions(options, 'decrVersion', VERSION_OPTION_KEYS);
    return this.incrVersion(key, -delta, options);
  }

  /**
   * Invalidates every entry written with any of `tags`, in every process sharing the backend:
   * each tag gets a new random version, and entries remember the versions they saw. An entry
   * whose tag version is gone (evicted by the backend) counts as invalidated too.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    checkKeys(tags, 'tags');
    this.#ops.invalidateTags.calls++;
    try {
      await this.#e.attempt('invalidateTags', tags.join(','), () => this.#e.bumpTags(tags), undefined);
    } finally {
      // After the new versions are in: other processes' reads from then on see them.
      this.#e.forget();
    }
  }

  /**
   * Frees the memory of entries whose ttl (and grace) has run out, in the memory backend and in
   * the two-tier L1, and returns how many were dropped. Reads never return such entries; this
   * is the periodic clean-up for a process whose expired entries would otherwise wait for a read
   * or an LRU eviction. Redis and memcached expire keys themselves: there it returns 0.
   *
   * @example
   * ```ts
   * setInterval(() => cache.pruneExpired(), 60_000).unref();
   * ```
   */
  pruneExpired(): number {
    return this.#e.pruneExpired();
  }

  /**
   * Counts since the cache was created or {@link resetStats} last ran: calls, hits, misses and
   * errors per operation, hits and misses per tier (the two-tier L1, the backend), and whether
   * the backend is known down right now. Counting costs a few integer increments per call.
   *
   * @example
   * ```ts
   * const { totals, backend } = cache.stats();
   * const hitRatio = totals.hits / Math.max(1, totals.hits + totals.misses);
   * ```
   */
  stats(): CacheStats {
    const downSince = this.#e.downSince()?.getTime() ?? null;
    return this.#e.stats.snapshot(
      { name: this.backendInfo.name, down: downSince !== null, downSince },
      this.#e.twoTier,
    );
  }

  /** Zeroes the counters of {@link stats} and restarts its `since`. */
  resetStats(): void {
    this.#e.stats.reset();
  }

  /** A readiness probe (`/readyz`): pings the backend, honouring the abort signal. */
  readinessCheck(name = 'cache'): ReadinessCheck {
    return {
      name,
      check: async (signal: AbortSignal) => {
        signal.throwIfAborted();
        const aborted = new Promise<never>((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
        aborted.catch(() => {});
        await Promise.race([this.connect(), aborted]);
      },
    };
  }

  /** Connects now (operations otherwise connect lazily) and, in two-tier mode, subscribes to invalidations. */
  async connect(): Promise<void> {
    await this.#e.connect();
  }

  /**
   * Closes connections and timers, within the cache's `timeout` even when the server is gone,
   * and leaves nothing that keeps the process alive. The cache cannot be used afterwards.
   */
  close(): Promise<void> {
    return this.#e.close();
  }

  /**
   * Runs the factory and stores a defined result. Tag versions are read before the factory
   * runs: an invalidation that lands while it computes leaves the result invalid, not stale.
   */
  async #produce<T>(full: string, factory: () => T | Promise<T>, options: SetOptions): Promise<T> {
    const since = this.#e.epoch;
    const tags = options.tags;
    let versions: TagVersions;
    if (tags !== undefined && tags.length > 0) {
      versions =
        (await this.#e.attempt('getOrSet', tags.join(','), () => this.#e.tagVersionsForWrite(tags), undefined)) ?? null;
    }
    const value = await factory();
    if (value !== undefined) {
      const encoded = this.#e.encode(value, options, versions, false, 'getOrSet');
      const { payload, ttlMs } = encoded instanceof Promise ? await encoded : encoded;
      if (payload !== undefined)
        await this.#e.attempt('getOrSet', full, () => this.#e.write(full, payload, ttlMs, since), false);
    }
    return value;
  }

  /** One background refresh per key at a time; a failure is logged and the stale value stays. */
  #refresh<T>(full: string, factory: () => T | Promise<T>, options: SetOptions): void {
    if (this.#refreshing.has(full)) return;
    this.#refreshing.add(full);
    this.#produce(full, factory, options)
      .catch((error: unknown) => {
        this.#e.config.logger.warn({ err: error, key: full }, '@adv/cache: refresh failed; serving the stale value');
      })
      .finally(() => this.#refreshing.delete(full));
  }
}
