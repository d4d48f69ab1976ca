import type {
  BackendInfo,
  CacheLike,
  CacheWriteOptions,
  DescribesBackend,
  Logger,
  ReadinessCheck,
  TagInvalidator,
} from '@adv/types';
import type { Driver } from './drivers/types.js';
import { CacheError } from './errors.js';
import { type KeyFunction, safeKey } from './keys.js';
import type { IncrOptions, SetOptions, VersionOptions } from './options.js';
import { decodeEntry, type Entry, encodeEntry, exceeds } from './payload.js';
import type { L1 } from './two-tier.js';
import { checkFunction, checkInteger, checkKey, checkKeys, checkTags, checkTtl } from './validate.js';

/** Listener of the `error` event: every backend failure, whatever `onError` says. */
export type CacheErrorListener = (error: CacheError) => void;

/** Resolved settings a {@link Cache} runs with (built by `createCache`). */
export interface CacheSettings {
  driver: Driver;
  keyPrefix: string;
  version: number;
  keyFunction: KeyFunction;
  defaultTtl: number;
  defaultGrace: number;
  onError: 'log' | 'throw';
  logger: Logger;
  timeout: number | undefined;
  l1: L1 | undefined;
}

interface Read {
  key: string;
  raw: string | undefined;
  entry: Entry | undefined;
}

/**
 * Django's cache API on a keyv store. Create one with {@link createCache}; share it across the
 * app. Keys are strings; values anything JSON can hold; ttl is in **seconds**.
 */
export class Cache implements CacheLike, TagInvalidator, DescribesBackend {
  /** What backend this cache runs on, for deploy checks. */
  readonly backendInfo: BackendInfo;
  readonly #s: CacheSettings;
  readonly #driver: Driver;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #refreshing = new Set<string>();
  readonly #listeners = new Set<CacheErrorListener>();
  readonly #tagHead: string;
  #closed = false;

  /** Use {@link createCache}. */
  constructor(settings: CacheSettings) {
    this.#s = settings;
    this.#driver = settings.driver;
    this.#tagHead = `${settings.keyPrefix}:tag:`;
    const kind = settings.l1 ? 'redis+l1' : settings.driver.kind;
    this.backendInfo = Object.freeze({ name: `@adv/cache:${kind}`, sharedAcrossProcesses: settings.driver.shared });
  }

  /** The cache-wide default version (Django's `VERSION`). */
  get version(): number {
    return this.#s.version;
  }

  /** Django's `make_key`: the key as stored in the backend (hashed when memcached would reject it). */
  makeKey(key: string, version: number = this.#s.version): string {
    checkKey(key);
    checkInteger(version, 'version');
    const head = `${this.#s.keyPrefix}:${version}:`;
    return safeKey(this.#s.keyFunction(key, this.#s.keyPrefix, version), head);
  }

  /** Subscribes to `error` events (backend failures). Returns a function that unsubscribes. */
  on(event: 'error', listener: CacheErrorListener): () => void {
    checkFunction(listener, 'listener', 'ERR_INVALID_ARGUMENT');
    if (event !== 'error')
      throw new CacheError('ERR_INVALID_ARGUMENT', `Expected \`event\` to be \`error\`, got \`${String(event)}\``);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Returns the fresh value at `key`, or `undefined` (missing, expired, stale or invalidated by a tag). */
  async get<T = unknown>(key: string, options?: VersionOptions): Promise<T | undefined> {
    const full = this.makeKey(key, options?.version);
    const read = await this.#attempt('get', full, () => this.#read(full), undefined);
    const entry = read?.entry;
    return entry !== undefined && (entry.f === undefined || entry.f > Date.now()) ? (entry.v as T) : undefined;
  }

  /** Stores `value` (anything JSON can hold; `null` included). Resolves false when the backend failed. */
  async set(key: string, value: unknown, options?: SetOptions | CacheWriteOptions): Promise<boolean> {
    const full = this.makeKey(key, (options as SetOptions | undefined)?.version);
    const { payload, ttlMs } = await this.#encode(value, options ?? {});
    if (payload === undefined) return false;
    return this.#attempt('set', full, () => this.#write(full, payload, ttlMs), false);
  }

  /** Django's `add`: stores only if `key` is absent (atomic on Redis and memcached). True when stored. */
  async add(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    const full = this.makeKey(key, options?.version);
    const { payload, ttlMs } = await this.#encode(value, options ?? {});
    if (payload === undefined) return false;
    return this.#attempt(
      'add',
      full,
      async () => {
        let added = await this.#guard(() => this.#driver.add(full, payload, this.#storeTtl(ttlMs)));
        if (!added && this.#keepsExpiry) {
          // memcached expires to the second: an entry past its exact expiry still blocks ADD.
          const { raw, entry } = await this.#read(full);
          if (raw !== undefined && entry === undefined) added = await this.#write(full, payload, ttlMs);
        }
        if (added) this.#s.l1?.invalidate([full]);
        return added;
      },
      false,
    );
  }

  /** Removes `key`; true when it was there (memory, Redis, memcached). */
  async delete(key: string, options?: VersionOptions): Promise<boolean> {
    const full = this.makeKey(key, options?.version);
    this.#s.l1?.invalidate([full]);
    return this.#attempt('delete', full, () => this.#guard(() => this.#driver.keyv.delete(full)), false);
  }

  /** Whether `key` holds a fresh value. */
  async has(key: string, options?: VersionOptions): Promise<boolean> {
    return (await this.get(key, options)) !== undefined;
  }

  /** Django's `touch`: gives `key` a new ttl in seconds (default `defaultTtl`). False when missing. */
  async touch(key: string, ttl?: number, options?: VersionOptions): Promise<boolean> {
    checkTtl(ttl);
    const full = this.makeKey(key, options?.version);
    return this.#attempt(
      'touch',
      full,
      async () => {
        const { entry } = await this.#read(full);
        if (entry === undefined) return false;
        const seconds = ttl ?? this.#s.defaultTtl;
        const ttlMs = seconds > 0 ? seconds * 1000 : undefined;
        const next: Entry = { v: entry.v, ...(entry.g ? { g: entry.g } : {}) };
        if (ttlMs && this.#keepsExpiry) next.e = Date.now() + ttlMs;
        await this.#write(full, encodeEntry(next, this.#driver.nativeTtl), ttlMs);
        return true;
      },
      false,
    );
  }

  /** Django's `get_many`: a Map of the keys that hold fresh values. */
  async getMany<T = unknown>(keys: readonly string[], options?: VersionOptions): Promise<Map<string, T>> {
    checkKeys(keys);
    const fulls = keys.map((key) => this.makeKey(key, options?.version));
    const result = new Map<string, T>();
    const reads = await this.#attempt('getMany', fulls.join(','), () => this.#readMany(fulls), []);
    const now = Date.now();
    for (const [index, read] of reads.entries()) {
      const entry = read.entry;
      if (entry !== undefined && (entry.f === undefined || entry.f > now))
        result.set(keys[index] as string, entry.v as T);
    }
    return result;
  }

  /** Django's `set_many`: stores every pair with the same options. True when all were stored. */
  async setMany(
    entries: Iterable<readonly [string, unknown]> | Record<string, unknown>,
    options?: SetOptions,
  ): Promise<boolean> {
    const pairs =
      Symbol.iterator in Object(entries)
        ? [...(entries as Iterable<readonly [string, unknown]>)]
        : Object.entries(entries);
    const rows: Array<{ key: string; value: string; ttl?: number }> = [];
    for (const [key, value] of pairs) {
      const full = this.makeKey(key, options?.version);
      const { payload, ttlMs } = await this.#encode(value, options ?? {});
      if (payload === undefined) return false;
      rows.push({ key: full, value: payload, ttl: this.#storeTtl(ttlMs) });
    }
    if (rows.length === 0) return true;
    const fulls = rows.map((row) => row.key);
    this.#s.l1?.invalidate(fulls);
    return this.#attempt(
      'setMany',
      fulls.join(','),
      async () => {
        // Some stores (Redis) resolve setMany with nothing: only an explicit false is a failure.
        const results: unknown = await this.#guard(() => this.#driver.keyv.setMany(rows));
        return !Array.isArray(results) || results.every((ok) => ok !== false);
      },
      false,
    );
  }

  /** Django's `delete_many`. True when the backend reported success. */
  async deleteMany(keys: readonly string[], options?: VersionOptions): Promise<boolean> {
    checkKeys(keys);
    const fulls = keys.map((key) => this.makeKey(key, options?.version));
    if (fulls.length === 0) return true;
    this.#s.l1?.invalidate(fulls);
    return this.#attempt(
      'deleteMany',
      fulls.join(','),
      () => this.#guard(() => this.#driver.keyv.deleteMany(fulls)),
      false,
    );
  }

  /**
   * Deletes this cache's entries only: keys starting with `keyPrefix:` (Redis: `SCAN` + `UNLINK`,
   * never `KEYS`). memcached cannot list keys: there it flushes the server, as Django does.
   */
  async clear(): Promise<void> {
    this.#s.l1?.invalidate();
    await this.#attempt(
      'clear',
      `${this.#s.keyPrefix}:*`,
      () => this.#guard(() => this.#driver.clear(`${this.#s.keyPrefix}:`), 60_000),
      undefined,
    );
  }

  /**
   * Adds `delta` to the integer at `key` and returns the new value; a missing key counts as 0
   * (Redis `INCRBY`, memcached `incr`: atomic across processes). Throws `ERR_NOT_INTEGER` on a
   * non-integer value. On memcached a counter never goes below 0.
   */
  async incr(key: string, delta = 1, options?: IncrOptions): Promise<number> {
    checkInteger(delta, 'delta');
    checkTtl(options?.ttl);
    const full = this.makeKey(key, options?.version);
    const seconds = options?.ttl ?? this.#s.defaultTtl;
    const ttlMs = seconds > 0 ? seconds * 1000 : undefined;
    this.#s.l1?.invalidate([full]);
    try {
      return await this.#guard(() => this.#driver.incr(full, delta, ttlMs));
    } catch (error) {
      if (error instanceof CacheError && error.code === 'ERR_NOT_INTEGER') throw error;
      throw this.#report(error, 'incr', full, true);
    }
  }

  /** `incr(key, -delta)`. */
  decr(key: string, delta = 1, options?: IncrOptions): Promise<number> {
    checkInteger(delta, 'delta');
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
    checkTtl(options.ttl);
    checkTtl(options.grace, 'grace');
    checkTags(options.tags);
    const full = this.makeKey(key, options.version);
    // Callers arriving while the read or the factory runs share it: one factory call per stampede.
    const running = this.#inflight.get(full);
    if (running !== undefined) return running as Promise<T>;
    const promise = (async () => {
      try {
        await null; // registered before anything runs, even a factory that throws at once
        const read = await this.#attempt('getOrSet', full, () => this.#read(full), undefined);
        const entry = read?.entry;
        if (entry !== undefined) {
          if (entry.f === undefined || entry.f > Date.now()) return entry.v as T;
          this.#refresh(full, factory, options);
          return entry.v as T;
        }
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
   * returns the new version. Throws `ERR_NOT_FOUND` when the key is missing.
   */
  async incrVersion(key: string, delta = 1, options?: VersionOptions): Promise<number> {
    checkInteger(delta, 'delta');
    const version = options?.version ?? this.#s.version;
    const value = await this.get(key, { version });
    if (value === undefined)
      throw new CacheError('ERR_NOT_FOUND', `Expected \`${key}\` to be in the cache at version ${version}`);
    await this.set(key, value, { version: version + delta });
    await this.delete(key, { version });
    return version + delta;
  }

  /** `incrVersion(key, -delta)`. */
  decrVersion(key: string, delta = 1, options?: VersionOptions): Promise<number> {
    checkInteger(delta, 'delta');
    return this.incrVersion(key, -delta, options);
  }

  /**
   * Invalidates every entry written with any of `tags`, in every process sharing the backend:
   * each tag's version is incremented atomically, and entries remember the versions they saw.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    checkKeys(tags, 'tags');
    this.#s.l1?.invalidate();
    await this.#attempt(
      'invalidateTags',
      tags.join(','),
      async () => {
        await Promise.all(tags.map((tag) => this.#guard(() => this.#driver.incr(this.#tagKey(tag), 1, undefined))));
      },
      undefined,
    );
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
    await this.#guard(() => this.#driver.ping());
    await this.#s.l1?.subscribe();
  }

  /** Closes connections and timers. The cache cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#driver.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * Whether entries carry their own expiry: Redis and memory expire keys to the ms themselves;
   * memcached only to the second, an L1 copy and a custom keyv store not at all.
   */
  get #keepsExpiry(): boolean {
    return !this.#driver.nativeTtl || this.#driver.kind === 'memcached' || this.#s.l1 !== undefined;
  }

  #tagKey(tag: string): string {
    return safeKey(`${this.#tagHead}${tag}`, this.#tagHead);
  }

  #storeTtl(ttlMs: number | undefined): number | undefined {
    return this.#driver.toStoreTtl ? this.#driver.toStoreTtl(ttlMs) : ttlMs;
  }

  /** Builds the stored string; undefined (reported) when too large for the backend. */
  async #encode(
    value: unknown,
    options: SetOptions,
  ): Promise<{ payload: string | undefined; ttlMs: number | undefined }> {
    checkTtl(options.ttl);
    checkTtl(options.grace, 'grace');
    checkTags(options.tags);
    const ttl = options.ttl ?? this.#s.defaultTtl;
    const grace = options.grace ?? this.#s.defaultGrace;
    const now = Date.now();
    const entry: Entry = { v: value };
    let ttlMs: number | undefined;
    if (ttl > 0) {
      ttlMs = (ttl + grace) * 1000;
      if (grace > 0) entry.f = now + ttl * 1000;
      if (this.#keepsExpiry) entry.e = now + ttlMs;
    }
    if (options.tags !== undefined && options.tags.length > 0) {
      encodeEntry(entry, false); // fail fast on values JSON cannot hold, before a backend call
      const versions = await this.#attempt(
        'set',
        options.tags.join(','),
        () => this.#tagVersions(options.tags as string[]),
        undefined,
      );
      if (versions === undefined) return { payload: undefined, ttlMs };
      entry.g = versions;
    }
    const payload = encodeEntry(entry, this.#driver.nativeTtl);
    if (exceeds(payload, this.#driver.maxValueBytes)) {
      const error = new CacheError(
        'ERR_VALUE_TOO_LARGE',
        `Expected the stored value to fit in ${this.#driver.maxValueBytes} bytes (the ${this.#driver.kind} limit), got ${Buffer.byteLength(payload)} bytes`,
      );
      this.#report(error, 'set', '', this.#s.onError === 'throw');
      return { payload: undefined, ttlMs };
    }
    return { payload, ttlMs };
  }

  async #tagVersions(tags: readonly string[]): Promise<Record<string, number>> {
    const raws = await this.#guard(() => this.#driver.keyv.getMany(tags.map((tag) => this.#tagKey(tag))));
    const versions: Record<string, number> = {};
    for (const [index, tag] of tags.entries()) {
      const v = decodeEntry(raws[index])?.v;
      versions[tag] = typeof v === 'number' ? v : 0;
    }
    return versions;
  }

  async #write(full: string, payload: string, ttlMs: number | undefined): Promise<boolean> {
    const ok = await this.#guard(() => this.#driver.keyv.set(full, payload, this.#storeTtl(ttlMs)));
    const l1 = this.#s.l1;
    if (l1) {
      l1.invalidate([full]);
      l1.keep(full, payload, ttlMs);
    }
    return ok !== false;
  }

  /** One key: the hot path, without the arrays of `#readMany`. */
  async #read(full: string): Promise<Read> {
    const l1 = this.#s.l1;
    const cached = l1?.get(full);
    const raw = cached ?? (await this.#guard(() => this.#driver.keyv.get(full)));
    let entry = decodeEntry(raw);
    const now = Date.now();
    if (entry !== undefined && entry.e !== undefined && entry.e <= now) entry = undefined;
    if (entry === undefined || cached !== undefined) return { key: full, raw, entry };
    if (entry.g !== undefined) {
      const versions = await this.#tagVersions(Object.keys(entry.g));
      for (const tag in entry.g) {
        if (versions[tag] !== entry.g[tag]) return { key: full, raw, entry: undefined };
      }
    }
    l1?.keep(full, raw as string, entry.e === undefined ? undefined : entry.e - now);
    return { key: full, raw, entry };
  }

  async #readMany(fulls: readonly string[]): Promise<Read[]> {
    const l1 = this.#s.l1;
    const reads: Read[] = fulls.map((key) => ({ key, raw: l1?.get(key), entry: undefined }));
    const missing = reads.filter((read) => read.raw === undefined);
    if (missing.length === 1) {
      const read = missing[0] as Read;
      read.raw = await this.#guard(() => this.#driver.keyv.get(read.key));
    } else if (missing.length > 1) {
      const raws = await this.#guard(() => this.#driver.keyv.getMany(missing.map((read) => read.key)));
      for (const [index, read] of missing.entries()) read.raw = raws[index] ?? undefined;
    }
    const now = Date.now();
    const fromBackend = new Set(missing);
    const tags = new Set<string>();
    for (const read of reads) {
      const entry = decodeEntry(read.raw);
      if (entry === undefined || (entry.e !== undefined && entry.e <= now)) continue;
      read.entry = entry;
      // L1 copies need no tag check: invalidateTags drops every L1 in every process.
      if (entry.g !== undefined && fromBackend.has(read)) for (const tag in entry.g) tags.add(tag);
    }
    if (tags.size > 0) {
      const versions = await this.#tagVersions([...tags]);
      for (const read of reads) {
        const g = read.entry?.g;
        if (g === undefined || !fromBackend.has(read)) continue;
        for (const tag in g) {
          if (versions[tag] !== g[tag]) {
            read.entry = undefined;
            break;
          }
        }
      }
    }
    if (l1) {
      for (const read of missing) {
        const entry = read.entry;
        if (entry !== undefined)
          l1.keep(read.key, read.raw as string, entry.e === undefined ? undefined : entry.e - now);
      }
    }
    return reads;
  }

  /** Runs the factory and stores a defined result. */
  async #produce<T>(full: string, factory: () => T | Promise<T>, options: SetOptions): Promise<T> {
    const value = await factory();
    if (value !== undefined) {
      const { payload, ttlMs } = await this.#encode(value, options);
      if (payload !== undefined) await this.#attempt('set', full, () => this.#write(full, payload, ttlMs), false);
    }
    return value;
  }

  /** One background refresh per key at a time; a failure is logged and the stale value stays. */
  #refresh<T>(full: string, factory: () => T | Promise<T>, options: SetOptions): void {
    if (this.#refreshing.has(full)) return;
    this.#refreshing.add(full);
    this.#produce(full, factory, options)
      .catch((error: unknown) => {
        this.#s.logger.warn({ err: error, key: full }, '@adv/cache: refresh failed; serving the stale value');
      })
      .finally(() => this.#refreshing.delete(full));
  }

  /** Runs a backend operation; a failure is reported and replaced by `fallback` (or thrown). */
  async #attempt<R>(op: string, key: string, run: () => Promise<R>, fallback: R): Promise<R> {
    if (this.#closed) throw new CacheError('ERR_CLOSED', `Cannot \`${op}\`: the cache was closed`);
    try {
      return await run();
    } catch (error) {
      if (error instanceof CacheError && error.code !== 'ERR_BACKEND' && error.code !== 'ERR_VALUE_TOO_LARGE')
        throw error;
      this.#report(error, op, key, this.#s.onError === 'throw');
      return fallback;
    }
  }

  /** Wraps, emits and logs a backend failure; throws it when `rethrow`. */
  #report(error: unknown, op: string, key: string, rethrow: boolean): CacheError {
    const wrapped =
      error instanceof CacheError
        ? error
        : new CacheError(
            'ERR_BACKEND',
            `Cache backend (${this.#driver.kind}) failed during \`${op}\`${key ? ` of \`${key}\`` : ''}: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
    for (const listener of this.#listeners) listener(wrapped);
    if (rethrow) throw wrapped;
    this.#s.logger.warn({ err: wrapped, op, key }, wrapped.message);
    return wrapped;
  }

  /** Bounds a network operation by `timeout` ms. */
  async #guard<R>(run: () => Promise<R>, timeoutMs = this.#s.timeout): Promise<R> {
    if (timeoutMs === undefined) return run();
    let timer: NodeJS.Timeout | undefined;
    const ready = this.#driver.ready?.();
    const promise = ready === undefined ? run() : ready.then(run);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
