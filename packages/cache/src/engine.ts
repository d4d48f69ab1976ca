import { randomBytes } from 'node:crypto';
import { Breaker } from './breaker.js';
import type { Driver } from './drivers/types.js';
import { CacheError } from './errors.js';
import { safeKey } from './keys.js';
import type { SetOptions } from './options.js';
import { decodeEntry, type Entry, encodeEntry, exceeds } from './payload.js';
import type { CacheErrorListener, CacheSettings } from './settings.js';
import { checkOptions, checkTags, checkTtl, toMs } from './validate.js';

/** A value ready to store, and its ttl in ms. */
export interface Encoded {
  payload: string | undefined;
  ttlMs: number | undefined;
}

/**
 * Tag versions to record in an entry: read before the value was computed (`getOrSet`), `null`
 * when the backend failed (nothing is stored), or `undefined` to read them now.
 */
export type TagVersions = Record<string, string> | null | undefined;

/** A fresh tag version: random, so a tag key lost to eviction is never recreated with an old value. */
export function newTagVersion(): string {
  return randomBytes(12).toString('base64url');
}

/** One key as read: the stored string and, when fresh or stale but valid, its entry. */
export interface Read {
  key: string;
  raw: string | undefined;
  entry: Entry | undefined;
}

/**
 * The backend side of a {@link Cache}: reads and writes of stored strings, expiry, tag
 * versions, the L1 copy, timeouts and error reporting. Internal: `Cache` is the API.
 */
export class Engine {
  /** Resolved settings. */
  readonly s: CacheSettings;
  /** The backend. */
  readonly driver: Driver;
  /** `error` event listeners. */
  readonly listeners = new Set<CacheErrorListener>();
  /** Head of tag-version keys. */
  readonly tagHead: string;
  /** Set by `close()`. */
  closed = false;
  /** Network backends: the "known down" state that makes calls fail at once during an outage. */
  readonly breaker: Breaker | undefined;

  constructor(settings: CacheSettings) {
    this.s = settings;
    this.driver = settings.driver;
    this.tagHead = `${settings.keyPrefix}:tag:`;
    const timeout = settings.timeout;
    if (timeout !== undefined) {
      this.breaker = new Breaker({
        kind: settings.driver.kind,
        logger: settings.logger,
        probe: async () => {
          await this.driver.loading?.();
          await this.#bounded(() => this.driver.ping(), timeout);
        },
      });
    }
    settings.l1?.guardWith((run) => this.guard(run));
  }

  /**
   * Whether entries carry their own expiry: Redis and memory expire keys to the ms themselves;
   * memcached only to the second, an L1 copy and a custom keyv store not at all.
   */
  get keepsExpiry(): boolean {
    return !this.driver.nativeTtl || this.driver.kind === 'memcached' || this.s.l1 !== undefined;
  }

  /** Where a tag's version lives: `prefix:tag:name` (hashed if unsafe), outside every key version. */
  tagKey(tag: string): string {
    return safeKey(`${this.tagHead}${tag}`, this.tagHead);
  }

  /** The ttl as the store's `set` expects it. */
  storeTtl(ttlMs: number | undefined): number | undefined {
    return this.driver.toStoreTtl ? this.driver.toStoreTtl(ttlMs) : ttlMs;
  }

  /**
   * Builds the stored string; `payload` is undefined (and reported) when too large for the
   * backend. Synchronous unless tags need their versions read: the memory hot path stays cheap.
   * `versions` are the tag versions read before the value was computed (see {@link TagVersions}).
   */
  encode(value: unknown, options: SetOptions, versions?: TagVersions, strict = false): Encoded | Promise<Encoded> {
    checkOptions(options);
    checkTtl(options.ttl);
    checkTtl(options.grace, 'grace');
    checkTags(options.tags);
    const ttl = options.ttl ?? this.s.defaultTtl;
    const grace = options.grace ?? this.s.defaultGrace;
    const now = Date.now();
    const entry: Entry = { v: value };
    let ttlMs: number | undefined;
    if (ttl > 0) {
      ttlMs = toMs(ttl + grace);
      if (grace > 0) entry.f = now + ttl * 1000;
      if (this.keepsExpiry) entry.e = now + ttlMs;
    }
    const tags = options.tags;
    if (tags === undefined || tags.length === 0) return this.#finish(entry, ttlMs, strict);
    if (versions === null) return { payload: undefined, ttlMs };
    if (versions !== undefined) {
      entry.g = versions;
      return this.#finish(entry, ttlMs, strict);
    }
    encodeEntry(entry, false); // fail fast on values JSON cannot hold, before a backend call
    return this.attempt('set', tags.join(','), () => this.tagVersionsForWrite(tags), undefined, strict).then((read) => {
      if (read === undefined) return { payload: undefined, ttlMs };
      entry.g = read;
      return this.#finish(entry, ttlMs, strict);
    });
  }

  /** `strict`: a value too large throws whatever `onError` says (for `add`, whose `false` means "exists"). */
  #finish(entry: Entry, ttlMs: number | undefined, strict: boolean): Encoded {
    const payload = encodeEntry(entry, this.driver.nativeTtl);
    if (exceeds(payload, this.driver.maxValueBytes)) {
      const error = new CacheError(
        'ERR_VALUE_TOO_LARGE',
        `Expected the stored value to fit in ${this.driver.maxValueBytes} bytes (the ${this.driver.kind} limit), got ${Buffer.byteLength(payload)} bytes`,
      );
      this.report(error, 'set', '', strict || this.s.onError === 'throw');
      return { payload: undefined, ttlMs };
    }
    return { payload, ttlMs };
  }

  /**
   * Current version of each tag, in one round trip; `undefined` for a tag whose key is absent
   * (never used, or evicted): an entry that recorded a version for it is then invalid.
   */
  async tagVersions(tags: readonly string[]): Promise<Record<string, string | undefined>> {
    const raws = await this.guard(() => this.driver.keyv.getMany(tags.map((tag) => this.tagKey(tag))));
    const versions: Record<string, string | undefined> = {};
    for (const [index, tag] of tags.entries()) {
      const raw = raws[index];
      versions[tag] = typeof raw === 'string' ? raw : undefined;
    }
    return versions;
  }

  /**
   * The versions a tagged write records: the current ones, creating (`add`, so concurrent
   * writers agree) a random version for each tag that has none yet.
   */
  async tagVersionsForWrite(tags: readonly string[]): Promise<Record<string, string>> {
    const versions = await this.tagVersions(tags);
    const missing = tags.filter((tag) => versions[tag] === undefined);
    if (missing.length > 0) {
      const lost: string[] = [];
      await Promise.all(
        missing.map(async (tag) => {
          const version = newTagVersion();
          if (await this.guard(() => this.driver.add(this.tagKey(tag), version, undefined))) versions[tag] = version;
          else lost.push(tag);
        }),
      );
      // Another writer created it first: record its version.
      if (lost.length > 0) Object.assign(versions, await this.tagVersions(lost));
    }
    const recorded: Record<string, string> = {};
    for (const tag of tags) {
      const version = versions[tag];
      if (version === undefined) {
        throw new CacheError('ERR_BACKEND', `Cache backend (${this.driver.kind}) lost the version of tag \`${tag}\``);
      }
      recorded[tag] = version;
    }
    return recorded;
  }

  /** Gives each tag a new random version: every entry that recorded an older one is invalid. */
  async bumpTags(tags: readonly string[]): Promise<void> {
    await Promise.all(tags.map((tag) => this.guard(() => this.driver.keyv.set(this.tagKey(tag), newTagVersion()))));
  }

  /** The L1 epoch to pass to {@link write}, taken before the value or its tag versions are read. */
  get epoch(): number {
    return this.s.l1?.epoch ?? 0;
  }

  /**
   * Stores a prepared string, dropping the other processes' L1 copies and refreshing this
   * process's, unless an invalidation landed after `since` (see {@link epoch}).
   */
  async write(full: string, payload: string, ttlMs: number | undefined, since: number): Promise<boolean> {
    const ok = await this.guard(() => this.driver.keyv.set(full, payload, this.storeTtl(ttlMs)));
    const l1 = this.s.l1;
    if (l1) {
      const fresh = l1.epoch === since;
      l1.invalidate([full]);
      if (fresh) l1.keep(full, payload, ttlMs, l1.epoch);
    }
    return ok !== false;
  }

  /** One key: the hot path, without the arrays of `readMany`. */
  async read(full: string): Promise<Read> {
    const l1 = this.s.l1;
    const since = this.epoch;
    const cached = l1?.get(full);
    const raw = cached ?? (await this.guard(() => this.driver.keyv.get(full)));
    let entry = decodeEntry(raw);
    const now = Date.now();
    if (entry !== undefined && entry.e !== undefined && entry.e <= now) entry = undefined;
    if (entry === undefined || cached !== undefined) return { key: full, raw, entry };
    if (entry.g !== undefined) {
      const versions = await this.tagVersions(Object.keys(entry.g));
      for (const tag in entry.g) {
        if (versions[tag] !== entry.g[tag]) return { key: full, raw, entry: undefined };
      }
    }
    l1?.keep(full, raw as string, entry.e === undefined ? undefined : entry.e - now, since);
    return { key: full, raw, entry };
  }

  /** Several keys: L1 first, then one `MGET` (or keyv's equivalent) for the rest. */
  async readMany(fulls: readonly string[]): Promise<Read[]> {
    const l1 = this.s.l1;
    const since = this.epoch;
    const reads: Read[] = fulls.map((key) => ({ key, raw: l1?.get(key), entry: undefined }));
    const missing = reads.filter((read) => read.raw === undefined);
    if (missing.length === 1) {
      const read = missing[0] as Read;
      read.raw = await this.guard(() => this.driver.keyv.get(read.key));
    } else if (missing.length > 1) {
      const raws = await this.guard(() => this.driver.keyv.getMany(missing.map((read) => read.key)));
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
      const versions = await this.tagVersions([...tags]);
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
          l1.keep(read.key, read.raw as string, entry.e === undefined ? undefined : entry.e - now, since);
      }
    }
    return reads;
  }

  /**
   * Runs a backend operation; a failure is reported and replaced by `fallback`, or thrown with
   * `onError: 'throw'` (or `rethrow`: calls whose fallback would be misleading, like `add`).
   */
  attempt<R>(op: string, key: string, run: () => Promise<R>, fallback: R, rethrow = false): Promise<R> {
    if (this.closed) return Promise.reject(new CacheError('ERR_CLOSED', `Cannot \`${op}\`: the cache was closed`));
    return run().catch((error: unknown) => {
      if (error instanceof CacheError && error.code !== 'ERR_BACKEND' && error.code !== 'ERR_VALUE_TOO_LARGE') {
        throw error;
      }
      this.report(error, op, key, rethrow || this.s.onError === 'throw');
      return fallback;
    });
  }

  /** Wraps, emits and logs a backend failure; throws it when `rethrow`. */
  report(error: unknown, op: string, key: string, rethrow: boolean): CacheError {
    const wrapped =
      error instanceof CacheError
        ? error
        : new CacheError(
            'ERR_BACKEND',
            `Cache backend (${this.driver.kind}) failed during \`${op}\`${key ? ` of \`${key}\`` : ''}: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
    for (const listener of this.listeners) {
      try {
        listener(wrapped);
      } catch (listenerError) {
        this.s.logger.error({ err: listenerError }, '@adv/cache: an `error` listener threw');
      }
    }
    if (rethrow) throw wrapped;
    // During a known outage the breaker logged it once: one line per call would flood the log.
    if (!this.breaker?.down) this.s.logger.warn({ err: wrapped, op, key }, wrapped.message);
    return wrapped;
  }

  /**
   * Runs a network operation within `timeout` ms. While the backend is known down it fails at
   * once; a failure that shows the server unreachable (or no answer in time) marks it down.
   * A driver module still loading is waited for first, outside the bound (it is local work).
   */
  guard<R>(run: () => Promise<R>, timeoutMs = this.s.timeout): Promise<R> {
    if (timeoutMs === undefined) return run();
    const loading = this.driver.loading?.();
    if (loading !== undefined) return loading.then(() => this.guard(run, timeoutMs));
    const refusal = this.breaker?.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#bounded(run, timeoutMs).catch((error: unknown) => {
      if (!(error instanceof CacheError) && (timeouts.has(error as object) || (this.driver.isOutage?.(error) ?? true)))
        this.breaker?.trip(error);
      throw error;
    });
  }

  /** Bounds an operation (and the connect it may wait for) by `timeoutMs`. */
  #bounded<R>(run: () => Promise<R>, timeoutMs: number): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const ready = this.driver.ready?.();
    const promise = ready === undefined ? run() : ready.then(run);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`no answer within ${timeoutMs} ms`);
        timeouts.add(error);
        reject(error);
      }, timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/** The errors of operations that got no answer in time (they mark the backend down). */
const timeouts = new WeakSet<object>();
